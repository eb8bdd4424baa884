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
import unicodedata

from babel.numbers import format_decimal

from analysis.core.errors import WorkbookError
from analysis.core.messages import Message

LOCALES = {"vi": "vi_VN", "en": "en_GB"}


class NumberParseError(WorkbookError, ValueError):
    """A cell that is not a number in any accepted writing (its message in the message language)."""


def _locale(lang: str) -> str:
    try:
        return LOCALES[lang]
    except KeyError:
        raise ValueError(f"language must be one of {sorted(LOCALES)}, not {lang!r}") from None


def _rounded(value, decimals: int) -> decimal.Decimal:
    """``value`` rounded half up to ``decimals`` places, exactly; a zero result has no sign.

    The precision grows with the magnitude, so huge values round instead of failing; infinities
    pass through unrounded.
    """
    exact = decimal.Decimal(repr(float(value)))
    if not exact.is_finite():
        return exact
    with decimal.localcontext() as ctx:
        ctx.prec = max(28, exact.adjusted() + max(decimals, 0) + 2)
        ctx.rounding = decimal.ROUND_HALF_UP
        rounded = exact.quantize(decimal.Decimal(1).scaleb(-max(decimals, 0)))
    return rounded.copy_abs() if rounded.is_zero() else rounded


def format_number(value, lang: str = "vi", decimals: int = 0) -> str:
    """Format a number with the language's grouping and decimal marks.

    Parameters
    ----------
    value : float or int
        The number; NaN or None gives an en dash.
    lang : {"vi", "en"}
    decimals : int
        Fixed number of decimals.

    Returns
    -------
    str
        Rounded half up; a value that rounds to zero is written without a minus sign.

    Examples
    --------
    >>> format_number(2879)
    '2.879'
    >>> format_number(2879, "en")
    '2,879'
    >>> format_number(-0.4)
    '0'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    rounded = _rounded(value, decimals)
    # Official statistics round half up (45.25 -> 45.3), not Babel's default half-even; the
    # value is already rounded, and the precision suffices for Babel to quantize it again.
    with decimal.localcontext() as ctx:
        ctx.rounding = decimal.ROUND_HALF_UP
        ctx.prec = max(28, len(rounded.as_tuple().digits) + 2)
        text = format_decimal(rounded, format=pattern, locale=_locale(lang))
    return text.replace("\u00a0", " ")


def format_percent(value, lang: str = "vi", decimals: int = 2) -> str:
    """Format a value already in percent (``1.03`` -> ``"1,03%"`` in Vietnamese)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return format_number(value, lang, decimals) + "%"


def format_points(value, lang: str = "vi", decimals: int = 2) -> str:
    """Format a change in percentage points with its sign (``-0.5`` -> ``"-0,50 điểm %"``).

    The sign is that of the value as shown: a change that rounds to zero has none.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    unit = "điểm %" if lang == "vi" else "pp"
    sign = "+" if _rounded(value, decimals) > 0 else ""
    return f"{sign}{format_number(value, lang, decimals)} {unit}"


def format_signed(value, lang: str = "vi", decimals: int = 0) -> str:
    """Format a change with an explicit sign (``+120``, ``-1.250``; none when it shows as 0)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return ("+" if _rounded(value, decimals) > 0 else "") + format_number(value, lang, decimals)


_SPACES = re.compile(r"[\s\u00a0\u202f']")
# A group of thousands never starts with 0: "0.500" is a decimal point, not five hundred.
_VN_GROUPED = re.compile(r"^[+-]?[1-9][0-9]{0,2}(\.[0-9]{3})+(,[0-9]+)?$")
_EN_GROUPED = re.compile(r"^[+-]?[1-9][0-9]{0,2}(,[0-9]{3})+(\.[0-9]+)?$")
_PLAIN = re.compile(r"^[+-]?[0-9]+$")
_DEC_COMMA = re.compile(r"^[+-]?[0-9]*,[0-9]+$")
_DEC_POINT = re.compile(r"^[+-]?[0-9]*\.[0-9]+$")


def _ascii_digits(text: str) -> str:
    """Decimal digits of any script (full-width, Arabic-Indic...) as ASCII digits."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


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
        NaN for an empty cell; plus or minus infinity for a number beyond any float
        (``"1" * 400``), which the callers refuse as far too large.

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
        raise NumberParseError(Message("numbers.yes_no", value=repr(text)))
    if isinstance(text, int | float):
        try:
            value = float(text)
        except OverflowError:  # an int beyond any float, like the text "1" * 400
            value = math.inf if text > 0 else -math.inf
    else:
        raw = str(text)
        s = _ascii_digits(_SPACES.sub("", raw)).replace("\u2212", "-")  # Unicode minus sign
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
            raise NumberParseError(Message("numbers.not_number", value=repr(raw)))
    if integer and math.isfinite(value) and value != int(value):
        raise NumberParseError(Message("numbers.not_whole", value=repr(text)))
    return value
