"""Test-wide settings: messages in English unless a test asks for Vietnamese.

The command-line and validation messages are Vietnamese by default (`analysis.core.messages`);
most tests match their English text, so the suite runs with ``BPWB_LANG=en`` (inherited by the
commands and notebooks the tests start). Tests of the Vietnamese messages set the language
themselves (``messages_in("vi")``, ``--lang vi`` or ``BPWB_LANG=vi`` in a child's environment).
"""

from __future__ import annotations

import os

import pytest

os.environ["BPWB_LANG"] = "en"


@pytest.fixture(autouse=True)
def _english_messages():
    """Every test starts with the message language unset (``BPWB_LANG`` rules) and ends with
    ``BPWB_LANG`` as it found it."""
    from analysis.core.messages import ENV_VAR, set_message_language

    before = os.environ.get(ENV_VAR)
    set_message_language(None)
    yield
    set_message_language(None)
    if before is None:  # a command run in-process with --lang sets it for its children
        os.environ.pop(ENV_VAR, None)
    else:
        os.environ[ENV_VAR] = before
