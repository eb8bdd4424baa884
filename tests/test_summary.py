"""Reading summary tables: header mapping, area names, Vietnamese numbers, totals, dtypes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from analysis.intake.problems import IntakeError
from analysis.intake.summary import read_summary
from analysis.reference import schema

FIX = Path(__file__).parent / "fixtures" / "intake"
GOOD, BAD = FIX / "good", FIX / "bad"

# good/summary_vi.csv, by hand: (year, code, zone, total, poor start, escaped, end, near end)
EXPECTED_VI = [
    (2023, "696", "rural", 32150, 1210, 300, 950, 1420),
    (2023, "696", "urban", 3100, 20, 5, 16, 35),
    (2023, "689", "urban", 25000, 150, 60, 100, 265),
]
SHORT = [
    "year",
    "area_code",
    "zone",
    "total_households",
    "poor_start",
    "poor_escaped",
    "poor_end",
    "near_poor_end",
]


def _rows(df: pd.DataFrame) -> list[tuple]:
    return [tuple(r) for r in df[SHORT].astype(object).itertuples(index=False)]


def _error(path, reader=read_summary, **kw) -> IntakeError:
    with pytest.raises(IntakeError) as info:
        reader(path, **kw)
    return info.value


def test_summary_vi_reads_vietnamese_numbers_and_names():
    df = read_summary(GOOD / "summary_vi.csv")
    assert list(df.columns) == schema.summary_columns()
    assert _rows(df) == EXPECTED_VI
    # 'Huyện Bù Đăng' and 'TP. Đồng Xoài' became codes; zones 'Nông thôn' / 'thành thị'
    assert list(df["area_level"]) == ["district"] * 3
    assert df["em_total_households"].tolist() == [8030, 210, 900]
    assert df["dep_employment"].tolist() == [1102, 12, 80]
    assert df["people_poor_near"].tolist() == [9480, 170, 1210]
    assert df["poor_other"].tolist() == [-5, 0, -2]
    assert df["dep_nutrition"].isna().all()  # not in the file: empty
    assert df.attrs["row_numbers"] == [2, 3, 4]
    assert any("row 5 is a total row" in n for n in df.attrs["notes"])


def test_summary_dtypes():
    df = read_summary(GOOD / "summary_vi.csv")
    assert df["year"].dtype == "int64"
    assert df["total_households"].dtype == "Int64"
    assert df["area_code"].dtype == "str"
    assert df["especially_difficult"].dtype == "boolean"
    assert df["synthetic"].dtype == bool
    assert not df["synthetic"].any()


def test_excel_form_with_titles_merged_header_numbering_row_and_total():
    df = read_summary(GOOD / "summary_form.xlsx")
    # codes stored as numbers (692) come back as text; row 9 has only the name 'Thị xã Chơn Thành'
    assert _rows(df) == [
        (2024, "692", "urban", 2950, 18, 6, 12, 30),
        (2024, "692", "rural", 31870, 1230, 410, 820, 740),
        (2024, "697", "urban", 20110, 60, 25, 35, 110),
    ]
    assert df.attrs["row_numbers"] == [7, 8, 9]
    notes = " | ".join(df.attrs["notes"])
    assert "row 6 holds column numbers" in notes
    assert "row 10 is a total row" in notes
    assert "review year 2024 is read from the title" in notes


def test_names_without_diacritics(tmp_path):
    path = tmp_path / "ascii.csv"
    path.write_text(
        "nam ra soat,ma dia ban,khu vuc,tong so ho,ho ngheo cuoi nam,ho can ngheo cuoi nam\n"
        "2023,bu dang,NONG THON,32150,950,1420\n"
        "2023,Huyen Dong Phu,thanh thi,5100,12,20\n"
        "2023,xa bom bo,nong thon,2100,80,95\n",
        encoding="utf-8",
    )
    df = read_summary(path)
    assert list(df["area_code"]) == ["696", "695", "25405"]
    assert list(df["area_level"]) == ["district", "district", "commune"]
    assert list(df["zone"]) == ["rural", "urban", "rural"]
    # commune row: the ĐBKK flag was not given, it is False; district rows stay unknown
    assert df["especially_difficult"].tolist()[2] is False


def test_parquet_round_trip(tmp_path):
    df = read_summary(GOOD / "summary_vi.csv")
    path = tmp_path / "summary.parquet"
    df.to_parquet(path)
    again = read_summary(path)
    pd.testing.assert_frame_equal(again, df, check_dtype=True)
    assert again.attrs["row_numbers"] == [1, 2, 3]


def test_header_only():
    err = _error(BAD / "header_only.csv")
    assert "no data rows below the header (row 1)" in str(err)


def test_excel_codes_stored_as_numbers_and_commune_with_leading_zero(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(
        [
            "Năm rà soát",
            "Mã địa bàn",
            "Khu vực",
            "Tổng số hộ",
            "Hộ nghèo cuối năm",
            "Hộ cận nghèo cuối năm",
        ]
    )
    ws.append([2023, 25405, "Nông thôn", 2100, 80, 95])  # commune code as a number
    ws.append([2023.0, 696.0, "Thành thị", "3.100", "16", 35])  # floats and text numbers
    wb.save(tmp_path / "codes.xlsx")
    df = read_summary(tmp_path / "codes.xlsx")
    assert list(df["area_code"]) == ["25405", "696"]
    assert list(df["area_level"]) == ["commune", "district"]
    assert list(df["total_households"]) == [2100, 3100]


def test_nothing_is_loaded_when_one_row_is_bad(tmp_path):
    shutil.copy(BAD / "flow_poor.csv", tmp_path / "x.csv")
    with pytest.raises(IntakeError):
        read_summary(tmp_path / "x.csv")
