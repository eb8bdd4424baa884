"""The project's error base class: errors that are the user's to fix.

Every error raised for bad input or a bad parameter (a bad file, an unknown area, a year outside
every standard, a failed data check) derives from `WorkbookError`; the command line prints them as
one clear message without a traceback. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class WorkbookError(Exception):
    """Bad input or a bad parameter, with a message that says what to fix."""


def is_user_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the user's to fix (a `WorkbookError` or a missing file)."""
    return isinstance(exc, WorkbookError | FileNotFoundError)
