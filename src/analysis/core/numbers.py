"""Reading and writing numbers the Vietnamese way ("2.879 hộ", "1,03%").

Formatting goes through Babel's CLDR locale data; parsing accepts what spreadsheets hold:
Vietnamese grouping (``2.879``, ``1.234.567``), decimal commas (``1,03``), percentages
(``1,03%``), English-style numbers (``2,879`` in a count column, ``1.5``), stray and
non-breaking spaces.
"""

from __future__ import annotations

import decimal
import math
import re

from babel.numbers import format_decimal

from analysis.core.errors import WorkbookError

LOCALES = {"vi": "vi_VN", "en": "en_GB"}


class NumberParseError(WorkbookError, ValueError):
    """A cell that is not a number in any accepted writing."""


def _locale(lang: str) -> str:
    try:
        return LOCALES[lang]
    except KeyError:
        raise ValueError(f"language must be one of {sorted(LOCALES)}, not {lang!r}") from None


def format_number(value, lang: str = "vi", decimals: int = 0) -> str:
    """Format a number with the language's grouping and decimal marks.

    Parameters
    ----------
    value : float or int
        The number; NaN or None gives an en dash.
    lang : {"vi", "en"}
    decimals : int
        Fixed number of decimals.

    Examples
    --------
    >>> format_number(2879)
    '2.879'
    >>> format_number(2879, "en")
    '2,879'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    # Official statistics round half up (45.25 -> 45.3), not Babel's default half-even.
    with decimal.localcontext() as ctx:
        ctx.rounding = decimal.ROUND_HALF_UP
        text = format_decimal(
            decimal.Decimal(repr(float(value))), format=pattern, locale=_locale(lang)
        )
    return text.replace("\u00a0", " ")


def format_percent(value, lang: str = "vi", decimals: int = 2) -> str:
    """Format a value already in percent (``1.03`` -> ``"1,03%"`` in Vietnamese)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return format_number(value, lang, decimals) + "%"


def format_points(value, lang: str = "vi", decimals: int = 2) -> str:
    """Format a change in percentage points with its sign (``-0.5`` -> ``"-0,50 điểm %"``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    unit = "điểm %" if lang == "vi" else "pp"
    sign = "+" if value > 0 else ""
    return f"{sign}{format_number(value, lang, decimals)} {unit}"


def format_signed(value, lang: str = "vi", decimals: int = 0) -> str:
    """Format a change with an explicit sign (``+120``, ``-1.250``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return ("+" if value > 0 else "") + format_number(value, lang, decimals)


_SPACES = re.compile(r"[\s\u00a0\u202f']")
_VN_GROUPED = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_EN_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?\d+$")
_DEC_COMMA = re.compile(r"^[+-]?\d*,\d+$")
_DEC_POINT = re.compile(r"^[+-]?\d*\.\d+$")


def parse_number(text, integer: bool = False) -> float:
    """Parse one cell written the Vietnamese (or English) way.

    Parameters
    ----------
    text : str, int or float
        The cell. Numbers pass through. A trailing ``%`` is dropped: the result is in percent.
    integer : bool
        The column holds counts: ``2,879`` then reads as two thousand eight hundred and
        seventy-nine (not 2.879), and a fractional result is an error.

    Returns
    -------
    float
        NaN for an empty cell.

    Raises
    ------
    NumberParseError
        With the text that could not be read.

    Examples
    --------
    >>> parse_number("2.879"), parse_number("1,03%"), parse_number("1.234.567,5")
    (2879.0, 1.03, 1234567.5)
    """
    if text is None:
        return math.nan
    if isinstance(text, bool):
        raise NumberParseError(f"{text!r} is a yes/no value, not a number")
    if isinstance(text, int | float):
        value = float(text)
    else:
        raw = str(text)
        s = _SPACES.sub("", raw).replace("\u2212", "-")  # Unicode minus sign
        if s.endswith("%"):
            s = s[:-1]
        if s in ("", "-", "–"):
            return math.nan
        if _PLAIN.match(s):
            value = float(s)
        elif _VN_GROUPED.match(s):
            value = float(s.replace(".", "").replace(",", "."))
        elif integer and _EN_GROUPED.match(s):
            value = float(s.replace(",", ""))
        elif _DEC_COMMA.match(s):
            value = float(s.replace(",", "."))
        elif _DEC_POINT.match(s) or _EN_GROUPED.match(s):
            value = float(s.replace(",", ""))
        else:
            raise NumberParseError(f"{raw!r} is not a number")
    if integer and not math.isnan(value) and value != int(value):
        raise NumberParseError(f"{text!r} is not a whole number")
    return value
