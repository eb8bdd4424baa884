"""The project's error base class: errors that are the user's to fix.

Every error raised for bad input or a bad parameter (a bad file, an unknown area, a year outside
every standard, a failed data check) derives from `WorkbookError`; the command line prints them as
one clear message without a traceback. Anything else is a bug and keeps its traceback. A
`WorkbookError` whose message is an `analysis.core.messages.Message` is shown in the message
language (Vietnamese by default, English with ``--lang en``).
"""

from __future__ import annotations


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
