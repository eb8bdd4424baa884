"""Property-based tests (Hypothesis) of the number parser and formatters in core.numbers.

Expected values are built from the digits the strategies draw (and ``decimal`` for the rounding
rule), never from the module under test. Examples found by these properties are kept below as
plain regression tests.
"""

from __future__ import annotations

import decimal
import math
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analysis.core.numbers import (
    NumberParseError,
    format_number,
    format_percent,
    format_points,
    format_signed,
    parse_number,
)

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

SPACES = [" ", "\u00a0", "\u202f", "\t"]
MINUS = ["-", "\u2212"]
#: Characters numbers are written with, for fuzzing near the accepted forms.
NUMBER_ALPHABET = "0123456789.,%+-' \u00a0\u202f\u2212–e"


def group(digits: str, mark: str) -> str:
    """Digits grouped by thousands with ``mark`` ("1234567", ".") -> "1.234.567"."""
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return mark.join(parts)


@st.composite
def written_numbers(draw, style: str, whole: bool = False):
    """A number written in ``style`` ("vi" or "en"), with its exact value.

    Returns
    -------
    (str, decimal.Decimal, int)
        The text, its value and the number of written decimals.
    """
    integer_part = draw(st.integers(min_value=0, max_value=10**13))
    decimals = 0 if whole else draw(st.integers(min_value=0, max_value=5))
    fraction = draw(st.text("0123456789", min_size=decimals, max_size=decimals))
    negative = draw(st.booleans())
    grouped = draw(st.booleans())
    digits = str(integer_part)
    point, comma = (",", ".") if style == "vi" else (".", ",")
    body = group(digits, comma) if grouped else digits
    if fraction:
        body += point + fraction
    sign = draw(st.sampled_from(MINUS)) if negative else draw(st.sampled_from(["", "+"]))
    pad = draw(st.sampled_from(["", " ", "  ", "\u00a0"]))
    percent = draw(st.sampled_from(["", "%", " %"]))
    text = f"{pad}{sign}{body}{percent}{pad}"
    value = decimal.Decimal(f"{'-' if negative else ''}{digits}.{fraction or '0'}")
    return text, value, len(fraction)


def half_up(value: float, decimals: int) -> decimal.Decimal:
    """``value`` rounded half up at ``decimals`` places, on its shortest decimal writing."""
    exact = decimal.Decimal(repr(float(value)))
    with decimal.localcontext() as ctx:
        ctx.prec = 400
        return exact.quantize(decimal.Decimal(10) ** -decimals, rounding=decimal.ROUND_HALF_UP)


finite = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False)
moderate = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


# -- parsing what analysts write ----------------------------------------------------------------
@PROPERTY
@given(written_numbers("vi"))
def test_vietnamese_writing_reads_back_exactly(case):
    text, value, _ = case
    assert parse_number(text) == float(value)


@PROPERTY
@given(written_numbers("vi", whole=True))
def test_vietnamese_counts_read_back(case):
    text, value, _ = case
    assert parse_number(text, integer=True) == float(value)


@PROPERTY
@given(written_numbers("en", whole=True))
def test_english_counts_read_back(case):
    text, value, _ = case
    assert parse_number(text, integer=True) == float(value)


@PROPERTY
@given(written_numbers("en"))
def test_english_decimals_read_back_unless_ambiguous(case):
    text, value, decimals = case
    # "1.234" (and "1,234" outside counts) read the Vietnamese way by design: skip exactly
    # the writings that are also Vietnamese grouping or a Vietnamese decimal comma.
    whole = abs(value.to_integral_value(rounding=decimal.ROUND_DOWN))
    vi_grouping = decimals == 3 and 1 <= whole < 1000
    vi_decimal_comma = decimals == 0 and "," in text and text.count(",") == 1
    assume(not (vi_grouping or vi_decimal_comma))
    assert parse_number(text) == float(value)


@PROPERTY
@given(
    st.text(NUMBER_ALPHABET, max_size=20),
    st.lists(st.tuples(st.integers(0, 40), st.sampled_from(SPACES)), max_size=4),
)
def test_spaces_anywhere_change_nothing(text, spaces):
    # spaces, NBSP and narrow NBSP are grouping marks at most: inserting them changes nothing
    spaced = text
    for position, space in spaces:
        at = position % (len(spaced) + 1)
        spaced = spaced[:at] + space + spaced[at:]

    def outcome(s):
        try:
            value = parse_number(s)
        except NumberParseError:
            return "error"
        return "nan" if math.isnan(value) else value

    assert outcome(spaced) == outcome(text)


@PROPERTY
@given(
    st.one_of(st.text(NUMBER_ALPHABET, max_size=30), st.text(max_size=30)),
    st.booleans(),
)
def test_any_text_gives_a_number_or_a_parse_error(text, integer):
    try:
        value = parse_number(text, integer=integer)
    except NumberParseError as err:
        assert "is not a number" in str(err) or "is not a whole number" in str(err)
        return
    assert isinstance(value, float)
    if integer and math.isfinite(value):
        assert value == int(value)


@PROPERTY
@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**400), max_value=10**400),
        st.floats(),
        st.decimals(),
        st.dates(),
        st.text(max_size=10),
    ),
    st.booleans(),
)
def test_any_cell_value_gives_a_number_or_a_parse_error(cell, integer):
    # only the project's own error escapes, whatever a reader hands over
    try:
        value = parse_number(cell, integer=integer)
    except NumberParseError:
        return
    assert isinstance(value, float)
    if isinstance(cell, int) and not isinstance(cell, bool):
        try:
            expected = float(cell)
        except OverflowError:
            expected = math.inf if cell > 0 else -math.inf
        assert value == expected
    elif isinstance(cell, float) and not math.isnan(cell):
        assert value == cell


@PROPERTY
@given(st.integers(min_value=400, max_value=2000), st.sampled_from(["", "-"]), st.booleans())
def test_digits_beyond_a_float_read_as_infinity(n, sign, integer):
    # the callers refuse an infinite count or amount as "far too large" (intake.cells)
    value = parse_number(sign + "9" * n, integer=integer)
    assert value == (-math.inf if sign else math.inf)


# -- formatting, and reading the formatted text back -------------------------------------------
@PROPERTY
@given(finite, st.integers(min_value=0, max_value=4))
def test_vietnamese_format_reads_back_rounded_half_up(value, decimals):
    text = format_number(value, "vi", decimals)
    assert parse_number(text) == float(half_up(value, decimals))
    if decimals == 0:
        assert parse_number(text, integer=True) == float(half_up(value, 0))


@PROPERTY
@given(finite, st.integers(min_value=0, max_value=4))
def test_english_format_reads_back_unless_ambiguous(value, decimals):
    rounded = half_up(value, decimals)
    text = format_number(value, "en", decimals)
    if decimals == 0:
        assert parse_number(text, integer=True) == float(rounded)
    elif not (decimals == 3 and 1 <= abs(rounded) < 1000):  # "1.234" is Vietnamese grouping
        assert parse_number(text) == float(rounded)


@PROPERTY
@given(moderate, st.sampled_from(["vi", "en"]), st.integers(min_value=0, max_value=3))
def test_signs_follow_the_value_as_shown(value, lang, decimals):
    rounded = half_up(value, decimals)
    number, signed = format_number(value, lang, decimals), format_signed(value, lang, decimals)
    points = format_points(value, lang, decimals)
    percent = format_percent(value, lang, decimals)
    assert number.startswith("-") == (rounded < 0)
    assert signed.startswith("+") == (rounded > 0)
    assert signed.startswith("-") == (rounded < 0)
    assert points.startswith("+") == (rounded > 0)
    assert percent.startswith("-") == (rounded < 0)
    # every form holds the same figure
    assert signed.lstrip("+") == number
    assert points.lstrip("+") == number + (" điểm %" if lang == "vi" else " pp")
    assert percent == number + "%"


@PROPERTY
@given(moderate, st.integers(min_value=0, max_value=3))
def test_vietnamese_percent_and_signed_read_back(value, decimals):
    rounded = float(half_up(value, decimals))
    assert parse_number(format_percent(value, "vi", decimals)) == rounded
    assert parse_number(format_signed(value, "vi", decimals)) == rounded
    points = format_points(value, "vi", decimals)
    assert parse_number(points.removesuffix(" điểm %")) == rounded


@PROPERTY
@given(finite, st.sampled_from(["vi", "en"]), st.integers(min_value=0, max_value=4))
def test_formatted_numbers_use_only_digits_and_marks(value, lang, decimals):
    text = format_number(value, lang, decimals)
    assert re.fullmatch(r"-?[0-9][0-9.,]*", text), text
    point = "," if lang == "vi" else "."
    if decimals:
        assert len(text.rsplit(point, 1)[1]) == decimals


# -- regressions found by the properties above ---------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.500", 0.5), ("-0.125", -0.125), ("0.001%", 0.001), ("\u0660.\u0665\u0660\u0660", 0.5)],
)
def test_leading_zero_is_never_a_thousands_group(text, expected):
    # "0.500" was read as five hundred: no group of thousands starts with 0
    assert parse_number(text) == expected


def test_leading_zero_english_grouping_is_not_a_count():
    with pytest.raises(NumberParseError, match="'0,500' is not a whole number"):
        parse_number("0,500", integer=True)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1" * 400, math.inf),
        ("-" + "1" * 400, -math.inf),
        (float("inf"), math.inf),
        (10**400, math.inf),
        (-(10**400), -math.inf),
    ],
    ids=["400 digits", "-400 digits", "inf", "10**400", "-10**400"],
)
@pytest.mark.parametrize("integer", [False, True])
def test_numbers_beyond_a_float_are_infinite_not_an_overflow(cell, expected, integer):
    # these raised OverflowError (int(inf), float(10**400)), which escaped the readers
    assert parse_number(cell, integer=integer) == expected


def test_huge_values_format_with_decimals():
    # 1e26 and above with decimals raised decimal.InvalidOperation (28-digit context)
    assert format_number(1e30, "vi", 2) == "1" + ".000" * 10 + ",00"
    assert format_number(-1e26, "en", 1) == "-100" + ",000" * 8 + ".0"


@pytest.mark.parametrize(
    ("function", "args", "expected"),
    [
        (format_number, (-0.4,), "0"),
        (format_number, (-0.0, "en", 2), "0.00"),
        (format_percent, (-0.001,), "0,00%"),
        (format_signed, (0.4,), "0"),
        (format_signed, (-0.4, "en"), "0"),
        (format_points, (0.001,), "0,00 điểm %"),
        (format_points, (-0.004, "en"), "0.00 pp"),
        (format_points, (0.005,), "+0,01 điểm %"),
    ],
)
def test_a_value_shown_as_zero_has_no_sign(function, args, expected):
    # these showed "-0", "+0" and "-0,00 điểm %"
    assert function(*args) == expected
