"""The project's error base class: errors that are the user's to fix.

Every error raised for bad input or a bad parameter (a bad file, an unknown area, a year outside
every standard, a failed data check) derives from `WorkbookError`; the command line prints them as
one clear message without a traceback. Anything else is a bug and keeps its traceback. A
`WorkbookError` whose message is an `analysis.core.messages.Message` is shown in the message
language (Vietnamese by default, English with ``--lang en``).
"""

from __future__ import annotations

from pathlib import Path


class WorkbookError(Exception):
    """Bad input or a bad parameter, with a message that says what to fix.

    The first argument may be a plain ``str`` (shown as it is) or a
    `analysis.core.messages.Message` (shown in the message language).
    """

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang`` (default: the message language); a plain ``str`` as it is."""
        from analysis.core.messages import localize

        if len(self.args) == 1:
            return localize(self.args[0], lang)
        return super().__str__()

    def __str__(self) -> str:
        return self.text()


def is_user_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the user's to fix (a `WorkbookError` or a missing file)."""
    return isinstance(exc, WorkbookError | FileNotFoundError)


def write_traceback_log(exc: BaseException, name: str, header: str) -> Path | None:
    """Write ``header``, the UTC time and the traceback of ``exc`` to a new file in the temp folder.

    For the one-line error of a command or a worker that failed unexpectedly: the line names the
    file, the file holds what a bug report needs.

    Parameters
    ----------
    exc : BaseException
    name : str
        What failed, in the file's name (``"report"``, ``"report-worker"``).
    header : str
        First lines of the file (the command line, the process), ending without a newline.

    Returns
    -------
    Path or None
        ``<tmp>/bpwb-<name>-<UTC time>-<random>.log``; None if it could not be written.
    """
    import tempfile
    import traceback
    from datetime import UTC, datetime

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = f"{header}\ntime: {stamp}\n\n" + "".join(traceback.format_exception(exc))
    try:
        handle, path = tempfile.mkstemp(prefix=f"bpwb-{name}-{stamp}-", suffix=".log")
        with open(handle, "w", encoding="utf-8") as log:
            log.write(text)
    except OSError:
        return None
    return Path(path)
