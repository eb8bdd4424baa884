"""User errors in a notebook as one clear message, not a traceback through the library.

A report notebook (or an analyst's own) that asks for an unknown area or a year that is not in
the data raises a `WorkbookError` deep inside the library; IPython would show ~30 lines of
traceback for it. `register` installs an IPython custom exception handler
(``get_ipython().set_custom_exc((WorkbookError,), handler)``) that shows the message only, one
``error`` output whose text is ``label("error.notebook", lang)`` with the message. The cell still
fails (papermill and nbclient stop there and the report is marked failed, with the error's class
and message); other exceptions keep their full traceback. ``%tb`` in the next cell shows the full
traceback of the last user error.

`analysis.report.context.load` calls `register` first thing, so loading a report context in
IPython (a Jupyter kernel, the batch's in-process engine) is enough; outside IPython it does
nothing. A handler that someone else registered for other exceptions is left alone.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from analysis.core.errors import WorkbookError
from analysis.core.i18n import DEFAULT_LANG, LANGS, label

#: The exceptions the handler is registered for.
USER_ERRORS = (WorkbookError,)


def current_shell() -> Any | None:
    """The running IPython shell, or None outside IPython (IPython is never imported here)."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    return get_ipython() if get_ipython is not None else None


def message(exc: BaseException, lang: str = DEFAULT_LANG) -> str:
    """The text shown for a user error: the label ``error.notebook`` with the error's message.

    Parameters
    ----------
    exc : BaseException
        The error.
    lang : {"vi", "en"}
        Language of the words around the message, and of the message itself when the library
        wrote it from the message catalogue (`WorkbookError.text`).

    Returns
    -------
    str
    """
    lang = lang if lang in LANGS else DEFAULT_LANG
    text = exc.text(lang) if isinstance(exc, WorkbookError) else str(exc)
    return label("error.notebook", lang, message=text)


def make_handler(lang: str = DEFAULT_LANG) -> Callable[..., list[str]]:
    """An IPython custom exception handler that shows `message` in ``lang``.

    Parameters
    ----------
    lang : {"vi", "en"}
        Language of the words around the message.

    Returns
    -------
    callable
        ``handler(shell, etype, value, tb, tb_offset=None)`` (the signature
        ``set_custom_exc`` wants): it records the exception for ``%tb``, shows one ``error``
        output through the shell and returns its text as a one-item list.
    """

    def show_message(shell, etype, value, tb, tb_offset=None) -> list[str]:
        sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb  # for %tb
        if sys.version_info >= (3, 12):
            sys.last_exc = value
        stb = [message(value, lang)]
        show = getattr(shell, "_showtraceback", None)  # the hook kernels and our engine override
        if show is not None:
            show(etype, value, stb)
        else:
            print(stb[0], file=sys.stderr)
        return stb

    return show_message


def register(lang: str = DEFAULT_LANG, shell: Any = None) -> bool:
    """Show `WorkbookError` as one clear message in the running IPython shell.

    Parameters
    ----------
    lang : str
        Language of the words around the message (``vi`` if not a report language).
    shell : IPython shell, optional
        Default: the running one (`current_shell`).

    Returns
    -------
    bool
        True if the handler is installed; False outside IPython, or when the shell already has
        a custom handler for other exceptions (left as it is).
    """
    shell = shell if shell is not None else current_shell()
    if shell is None:
        return False
    if tuple(getattr(shell, "custom_exceptions", ())) not in ((), USER_ERRORS):
        return False
    shell.set_custom_exc(USER_ERRORS, make_handler(lang if lang in LANGS else DEFAULT_LANG))
    return True
