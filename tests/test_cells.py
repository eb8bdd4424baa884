"""Cells: cleaning, Vietnamese numbers and words, codes, areas, whole columns."""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.intake import cells
from analysis.reference.geography import UnknownAreaError, load_geography


def test_clean_cell():
    assert cells.clean_cell(" Ho\u0300 \u00a0") == "Hò"  # NFC, non-breaking space stripped
    assert cells.clean_cell("   ") is None
    assert cells.clean_cell(float("nan")) is None
    assert cells.clean_cell(0) == 0


def test_code_text():
    assert cells.code_text(696.0) == "696"
    assert cells.code_text(np.int64(25405)) == "25405"
    assert cells.code_text(" 696 ") == "696"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "'abc' is not a whole number of households; write digits only"),
        ("2,5", "'2,5' is not a whole number of households"),
        (True, "the cell holds the yes/no value True, not a number"),
        (dt.date(2023, 1, 2), "the cell holds a date or time (02/01/2023), not a number"),
        ("#REF!", "the cell shows the Excel error #REF!"),
        (10**17, "far too large to be a number of households"),
    ],
)
def test_count_parser_refuses_with_the_fix(value, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cells.count_parser("households")(value)


def test_numbers_years_and_words():
    assert cells.count_parser("households")("2.879") == 2879
    assert cells.parse_amount("1.250.000") == 1_250_000.0
    assert cells.parse_year("2023") == 2023
    with pytest.raises(ValueError, match="1800 is not a year"):
        cells.parse_year(1800)
    with pytest.raises(ValueError, match=r"holds a date \(02/01/2023\), not a year"):
        cells.parse_year(dt.date(2023, 1, 2))
    assert cells.parse_flag("X") is True
    assert cells.parse_flag("Không") is False
    with pytest.raises(ValueError, match="is not yes or no"):
        cells.parse_flag("maybe")
    assert cells.parse_zone("Nông thôn") == "rural"
    assert cells.parse_level("Xã") == "commune"
    assert cells.parse_class("Cận nghèo") == "near_poor"


def test_total_rows_and_figures():
    assert cells.is_total_row(["Tổng cộng"])
    assert not cells.is_total_row([696, "Bù Đăng"])
    assert not cells.is_total_row([])
    assert cells.has_number("2.879")
    assert cells.has_number(dt.date(2020, 1, 1))  # dates count as figures
    assert not cells.has_number("Người lập biểu")
    assert not cells.has_number(True)
    assert not cells.has_number(float("nan"))


def test_area_resolver():
    resolve = cells.area_resolver(load_geography())
    assert resolve("696", None) == "696"
    assert resolve("Bu Dang", None) == "696"
    assert resolve("xa bom bo", None) == "25405"
    with pytest.raises(UnknownAreaError) as info:
        resolve("Bu Dangg", None)
    assert cells.area_fix(str(info.value)).endswith(
        "(check the spelling, or write the area code instead of the name)"
    )


def test_convert_cells_records_each_failed_cell():
    bad: set = set()
    problems: list = []
    values = pd.Series(["1", None, "x", "1"])
    out = cells.convert_cells(
        values, cells.count_parser("people"), [2, 3, 4, 5], "f.csv", "members", bad, problems
    )
    assert out == [1, None, None, 1]
    assert bad == {(4, "members")}
    (problem,) = problems
    assert (problem.file, problem.row, problem.column) == ("f.csv", 4, "members")
    assert problem.message.startswith("'x' is not a whole number of people")


# -- zones: one list of spellings for a cell (intake) and a column (classification) ---------------
ZONE_SPELLINGS = [
    ("Thành thị", "urban"), ("thanh thi", "urban"), ("THÀNH THỊ", "urban"), ("Urban", "urban"),
    ("URBAN", "urban"), (" urban ", "urban"), ("Đô thị", "urban"), ("TT", "urban"),
    ("nông thôn", "rural"), ("Nong thon", "rural"), ("nông  thôn\t", "rural"), ("rural", "rural"),
    ("Rural", "rural"), ("NT", "rural"), ("nong_thon", "rural"),
    (unicodedata.normalize("NFD", "Thành thị"), "urban"),
]  # fmt: skip
NOT_ZONES = ["town", "thành", "city", "urbanised", "1", "", "x", "nông thôn mới"]


@pytest.mark.parametrize(("written", "zone"), ZONE_SPELLINGS)
def test_a_zone_cell_and_a_zone_column_read_the_same(written, zone):
    from analysis.reference.standards import normalise_zone

    assert cells.parse_zone(written) == zone
    assert normalise_zone(pd.Series([written])).tolist() == [zone]


@pytest.mark.parametrize("written", NOT_ZONES)
def test_a_zone_cell_and_a_zone_column_refuse_the_same(written):
    from analysis.reference.standards import StandardError, normalise_zone

    with pytest.raises(ValueError, match="is not a zone; write thành thị"):
        cells.parse_zone(written)
    with pytest.raises(StandardError, match="zone must be 'urban' or 'rural'"):
        normalise_zone(pd.Series([written]))


@settings(max_examples=200, deadline=None, database=None)
@given(st.one_of(st.text(max_size=12), st.sampled_from([w for w, _ in ZONE_SPELLINGS])))
def test_any_text_is_a_zone_for_both_or_for_neither(text):
    from analysis.reference.standards import StandardError, normalise_zone

    try:
        cell = cells.parse_zone(text)
    except ValueError:
        cell = None
    try:
        (column,) = normalise_zone(pd.Series([text], dtype=object)).tolist()
    except StandardError:
        column = None
    assert cell == column


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Loc Thnah", "unknown commune 'Loc Thnah'; closest known names: Lộc Thạnh, Lộc Thành"),
        ("Bu Dangg", "unknown district 'Bu Dangg'; closest known names: Bù Đăng"),
        ("Củ Chi", "unknown district or commune 'Củ Chi': not in this province"),
        ("Loc Thanh", "commune name 'Loc Thanh' is ambiguous"),
    ],
)
def test_an_unknown_bare_area_gets_the_close_names_of_either_level(text, says):
    resolve = cells.area_resolver(load_geography())
    with pytest.raises(UnknownAreaError) as caught:
        resolve(text, None)
    assert str(caught.value).startswith(says)


# -- messages in Vietnamese -------------------------------------------------------------------
def test_a_bad_count_cell_is_explained_in_vietnamese():
    from analysis.core.messages import messages_in

    bad: set = set()
    problems: list = []
    values = pd.Series(["12,5", "3"])
    cells.convert_cells(
        values, cells.count_parser("households"), [4, 5], "f.csv", "poor_end", bad, problems
    )
    (problem,) = problems
    with messages_in("vi"):
        text = problem.text()
        assert "'12,5' không phải là số hộ hợp lệ (phải là số nguyên)" in text
        assert "ví dụ 2.879 hoặc 2879" in text
        assert text.startswith("f.csv, dòng 4, cột 'poor_end'")
    assert "'12,5' is not a whole number of households" in problem.text("en")


def test_an_unknown_district_is_explained_in_vietnamese_with_the_fix():
    from analysis.core.messages import messages_in

    resolve = cells.area_resolver(load_geography())
    with pytest.raises(UnknownAreaError) as info:
        resolve("Bu Dangg", None)
    message = cells.area_fix(info.value.args[0])
    with messages_in("vi"):
        assert message.text() == (
            "không tìm thấy huyện 'Bu Dangg'; các tên gần giống nhất: Bù Đăng "
            "(kiểm tra chính tả, hoặc ghi mã địa bàn thay cho tên)"
        )
        assert str(info.value) == "không tìm thấy huyện 'Bu Dangg'; các tên gần giống nhất: Bù Đăng"
    assert message == (
        "unknown district 'Bu Dangg'; closest known names: Bù Đăng "
        "(check the spelling, or write the area code instead of the name)"
    )
