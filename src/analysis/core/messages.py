"""Messages to the user (command line, validation, errors) in Vietnamese or English.

The words live in ``src/analysis/core/locale/messages.csv`` (columns ``key,vi,en``, templates with
``str.format`` fields), read by the same machinery as the report labels (:mod:`analysis.core.i18n`).
A :class:`Message` is a key and its fields; it *is* a ``str`` (its English text, so code and tests
that compare, hash or search messages keep working) and renders in the process's message language
where it is shown: :meth:`Message.text`, :func:`localize`.

The message language is one setting for the whole process (:func:`message_language`): the one set
by :func:`set_message_language` or inside :func:`messages_in` (the command line sets it from
``--lang``), else the environment variable ``BPWB_LANG``, else the locale (``LC_ALL``,
``LC_MESSAGES`` or ``LANG`` starting with ``en`` gives English), else Vietnamese.

A field may be anything with a ``localize(lang)`` method (another message, :class:`Number`, a
column named with its header in that language...); other values are written with ``str``.

Examples
--------
>>> m = Message("cli.interrupted")
>>> m.text("vi"), m.text("en"), m == "interrupted"
('đã dừng theo yêu cầu', 'interrupted', True)
"""

from __future__ import annotations

import math
import os
import string
from collections.abc import Iterator
from contextlib import contextmanager

from analysis.core.i18n import DEFAULT_LANG, LOCALE_DIR, check_lang, lookup, read_table

MESSAGES_PATH = LOCALE_DIR / "messages.csv"
#: Environment variable naming the message language (``vi`` or ``en``).
ENV_VAR = "BPWB_LANG"

_chosen: list[str] = []  # the language set for the process (at most one element)


def messages() -> dict[str, dict[str, str]]:
    """Every message template of ``messages.csv`` as ``{key: {"vi": ..., "en": ...}}``."""
    return read_table(MESSAGES_PATH)


def _from_environment() -> str | None:
    value = os.environ.get(ENV_VAR, "").strip().lower()
    if value in ("vi", "en"):
        return value
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").strip().lower()
        if value:
            return "en" if value.startswith("en") else None
    return None


def message_language() -> str:
    """The language messages are shown in: ``"vi"`` or ``"en"`` (see the module docstring)."""
    if _chosen:
        return _chosen[0]
    return _from_environment() or DEFAULT_LANG


def set_message_language(lang: str | None) -> None:
    """Set the message language of the process (``None`` goes back to environment and locale).

    Parameters
    ----------
    lang : {"vi", "en"} or None
        A comma-separated list (``"vi,en"``, as ``report --lang`` takes) sets its first language.

    Raises
    ------
    ValueError
        For a language that is not ``vi`` or ``en``.
    """
    _chosen.clear()
    if lang is not None:
        _chosen.append(check_lang(str(lang).split(",")[0].strip().lower()))


@contextmanager
def messages_in(lang: str | None) -> Iterator[None]:
    """Show messages in ``lang`` inside the ``with`` block, then go back to the previous setting."""
    before = list(_chosen)
    set_message_language(lang)
    try:
        yield
    finally:
        _chosen[:] = before


def localize(value, lang: str | None = None) -> str:
    """``value`` written in ``lang`` (default: the message language).

    A value with a ``localize(lang)`` method (a :class:`Message`, :class:`Number`...) renders
    itself; anything else, a plain ``str`` included, is written with ``str`` (an English message
    that has no key is shown in English in both languages).
    """
    lang = lang or message_language()
    render = getattr(value, "localize", None)
    return render(lang) if callable(render) else str(value)


def template_fields(template: str) -> set[str]:
    """The ``{field}`` names of a ``str.format`` template."""
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


class Message(str):
    """A message: a key of ``messages.csv`` and its fields; its ``str`` value is the English text.

    Parameters
    ----------
    key : str
        A key of ``messages.csv``, e.g. ``"intake.heading"``.
    **fields
        Values of the template's ``{fields}``.

    Raises
    ------
    KeyError
        For a key that is not in the catalogue, or a field the template needs and is not given.
    """

    key: str
    fields: dict

    def __new__(cls, key: str, **fields) -> Message:
        text = _render(key, fields, "en")
        self = super().__new__(cls, text)
        self.key = key
        self.fields = dict(fields)
        return self

    def __getnewargs_ex__(self):
        return (self.key,), self.fields

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang`` (default: the message language)."""
        return _render(self.key, self.fields, lang or message_language())

    def localize(self, lang: str) -> str:
        """The message in ``lang`` (the protocol of :func:`localize`)."""
        return self.text(lang)


def _render(key: str, fields: dict, lang: str) -> str:
    template = lookup(messages(), key, lang, MESSAGES_PATH.name)
    values = {name: localize(value, lang) for name, value in fields.items()}
    try:
        return template.format(**values)
    except KeyError as exc:
        raise KeyError(f"message {key!r} needs the field {exc.args[0]!r}") from None


class Number:
    """A number in a message, written the way ``lang`` writes numbers.

    Parameters
    ----------
    value : number or None
        A missing value is written "(trống)" / "(empty)".
    decimals : int, optional
        Default: none for a whole number, else two.

    Examples
    --------
    >>> Number(2879).localize("vi"), Number(2879).localize("en"), Number(None).localize("vi")
    ('2.879', '2,879', '(trống)')
    """

    def __init__(self, value, decimals: int | None = None):
        self.value = value
        self.decimals = decimals

    def __repr__(self) -> str:
        return f"Number({self.value!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Number) and (self.value, self.decimals) == (
            other.value,
            other.decimals,
        )

    def __hash__(self) -> int:
        return hash((Number, str(self.value), self.decimals))

    def localize(self, lang: str) -> str:
        """The number in ``lang`` (``2.879`` in Vietnamese, ``2,879`` in English)."""
        from analysis.core.numbers import format_number

        value = self.value
        try:
            missing = value is None or math.isnan(float(value))
        except (TypeError, ValueError):
            missing = True
        if missing:
            return Message("value.empty").text(lang)
        value = float(value)
        decimals = self.decimals if self.decimals is not None else (0 if value.is_integer() else 2)
        return format_number(value, lang, decimals)


class Joined:
    """Parts of a message joined with ``sep``, each written in the message's language.

    Examples
    --------
    >>> Joined([Message("rule.flow.word.start"), Number(1210)]).localize("vi")
    'đầu năm 1.210'
    """

    def __init__(self, parts, sep: str | Message = " "):
        self.parts = list(parts)
        self.sep = sep

    def __repr__(self) -> str:
        return f"Joined({self.parts!r})"

    def localize(self, lang: str) -> str:
        """The parts in ``lang``, joined."""
        return localize(self.sep, lang).join(localize(p, lang) for p in self.parts)
