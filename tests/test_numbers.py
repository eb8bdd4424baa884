"""Vietnamese number reading and writing, with hand-written expectations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.core.messages import messages_in
from analysis.core.numbers import (
    NumberParseError,
    format_number,
    format_percent,
    format_points,
    format_signed,
    parse_number,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2.879", 2879.0),  # Vietnamese grouping
        ("1.234.567", 1234567.0),
        ("1.234.567,5", 1234567.5),  # grouping and decimal comma
        ("1,03", 1.03),  # decimal comma
        ("1,03%", 1.03),  # percent stays in percent
        ("12,5 %", 12.5),
        ("1.5", 1.5),  # English decimal point
        ("1,234.5", 1234.5),  # English grouping with decimals
        ("2879", 2879.0),
        ("-120", -120.0),
        ("+120", 120.0),
        (" 2 879 ", 2879.0),  # spaces as grouping
        ("2\u00a0879", 2879.0),  # non-breaking space
        ("2\u202f879", 2879.0),  # narrow no-break space
        (2879, 2879.0),
        (2.5, 2.5),
    ],
)
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2,879", 2879.0),  # a count written the English way
        ("2.879", 2879.0),
        ("1,234,567", 1234567.0),
        ("-5", -5.0),
        ("\u22125", -5.0),  # Unicode minus sign, as Word and some exports write it
        (np.int64(17), 17.0),
        (17.0, 17.0),
    ],
)
def test_parse_number_integer(text, expected):
    assert parse_number(text, integer=True) == expected


def test_decimal_comma_is_not_grouping_outside_counts():
    # without integer=True, "2,879" is two point eight seven nine
    assert parse_number("2,879") == pytest.approx(2.879)


@pytest.mark.parametrize("text", [None, "", "  ", "-", "–", float("nan")])
def test_empty_cells_are_nan(text):
    assert math.isnan(parse_number(text))


@pytest.mark.parametrize("text", ["abc", "12a", "1..2", "(5)", "1.2.3,4,5"])
def test_not_numbers(text):
    with pytest.raises(NumberParseError, match="is not a number"):
        parse_number(text)


@pytest.mark.parametrize("text", ["12,5", "1.5", 2.5])
def test_fraction_in_count_is_an_error(text):
    with pytest.raises(NumberParseError, match="not a whole number"):
        parse_number(text, integer=True)


def test_boolean_is_not_a_number():
    with pytest.raises(NumberParseError, match="yes/no"):
        parse_number(True)


@pytest.mark.parametrize(
    ("text", "integer", "vi"),
    [
        ("12a", False, "'12a' không phải là số"),
        ("12,5", True, "'12,5' không phải là số nguyên"),
        (True, False, "True là giá trị đúng/sai, không phải số"),
    ],
)
def test_parse_errors_are_vietnamese_in_a_vietnamese_session(text, integer, vi):
    with pytest.raises(NumberParseError) as info:
        parse_number(text, integer=integer)
    with messages_in("vi"):
        assert str(info.value) == vi
    assert info.value.text("vi") == vi


def test_format_number():
    assert format_number(2879) == "2.879"
    assert format_number(2879, "en") == "2,879"
    assert format_number(1234567) == "1.234.567"
    assert format_number(1234.5, decimals=1) == "1.234,5"
    assert format_number(1234.5, "en", decimals=2) == "1,234.50"
    assert format_number(0) == "0"
    assert format_number(-3) == "-3"
    assert format_number(None) == "–"
    assert format_number(float("nan")) == "–"


def test_format_number_unknown_language():
    with pytest.raises(ValueError, match="language must be one of"):
        format_number(1, "fr")


def test_format_percent_points_signed():
    assert format_percent(1.03) == "1,03%"
    assert format_percent(1.03, "en") == "1.03%"
    assert format_percent(12.345, decimals=1) == "12,3%"
    assert format_points(-0.5) == "-0,50 điểm %"
    assert format_points(0.5, "en") == "+0.50 pp"
    assert format_points(0.0) == "0,00 điểm %"
    assert format_signed(120) == "+120"
    assert format_signed(-1250) == "-1.250"
    assert format_signed(0) == "0"
    assert format_percent(None) == format_points(None) == format_signed(None) == "–"


@pytest.mark.parametrize("value", [0, 7, 2879, 1234567, -1250])
def test_round_trip_counts(value):
    assert parse_number(format_number(value), integer=True) == value
    assert parse_number(format_number(value, "en"), integer=True) == value
