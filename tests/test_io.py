"""Reading files: encodings, Excel layouts, header mapping, area names, file-level errors."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from analysis.intake.io import header_key, read_any, read_households, read_summary, read_table
from analysis.intake.validate import IntakeError
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


# -- good files --------------------------------------------------------------------------------
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


def test_cp1258_csv_is_normalised_to_nfc():
    raw = (GOOD / "summary_cp1258.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    df = read_summary(GOOD / "summary_cp1258.csv")
    assert _rows(df) == EXPECTED_VI
    assert "read as Windows-1258 text" in df.attrs["notes"]
    table = read_table(GOOD / "summary_cp1258.csv")
    assert "Hộ nghèo cuối năm" in table.columns  # composed, equal to the NFC header
    assert all(unicodedata.is_normalized("NFC", c) for c in table.columns)
    assert table.loc[3, "Mã địa bàn"] == "Huyện Bù Đăng"


def test_bom_semicolon_english_headers():
    df = read_summary(GOOD / "summary_bom.csv")
    assert _rows(df) == [
        (2022, "693", "rural", 15320, 1012, 230, 817, 1090),
        (2022, "693", "urban", 2004, 35, 9, 27, 48),
    ]
    table = read_table(GOOD / "summary_bom.csv")
    assert table.columns[0] == "Review year"  # no BOM left in the first header


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


def test_read_table_keeps_file_row_numbers():
    table = read_table(GOOD / "summary_form.xlsx")
    assert table.attrs["header_row"] == 5
    assert list(table.index[:3]) == [7, 8, 9]
    assert table.loc[7, "Mã địa bàn"] == 692
    assert "KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2024" in table.attrs["title"]


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


def test_households_vi():
    df = read_households(GOOD / "households_vi.csv")
    assert list(df["household_id"]) == ["BD-0001", "BD-0002", "DX-0001", "BDP-0001"]
    # 'Tân Thành' is told apart by the district column: Đồng Xoài 25207, Bù Đốp 25318
    assert list(df["commune_code"]) == ["25405", "25408", "25207", "25318"]
    assert list(df["recorded_class"]) == ["poor", "not_poor", "near_poor", "poor"]
    assert list(df["income_pc"]) == [1200000.0, 1800000.0, 1450000.0, 1100000.0]
    assert list(df["ethnic_minority"]) == [True, False, False, True]
    assert list(df["credit_received"]) == [True, False, False, False]
    assert list(df["d_employment"]) == [True, False, False, True]
    assert "d_nutrition" not in df  # absent indicators are not invented
    assert df["members"].dtype == "int64"


def test_parquet_round_trip(tmp_path):
    df = read_summary(GOOD / "summary_vi.csv")
    path = tmp_path / "summary.parquet"
    df.to_parquet(path)
    again = read_summary(path)
    pd.testing.assert_frame_equal(again, df, check_dtype=True)
    assert again.attrs["row_numbers"] == [1, 2, 3]


def test_parquet_households_numeric_columns(tmp_path):
    frame = pd.DataFrame(
        {
            "household_id": ["A", "B"],
            "year": [2023, 2023],
            "commune_code": ["25405", "25405"],
            "zone": ["rural", "urban"],
            "members": [3, 2],
            "income_pc": [1_000_000.0, 2_500_000.0],
            "credit_need": [True, False],
        }
    )
    frame.to_parquet(tmp_path / "hh.parquet")
    df = read_households(tmp_path / "hh.parquet")
    assert df["income_pc"].tolist() == [1_000_000.0, 2_500_000.0]
    assert df["credit_need"].tolist() == [True, False]


def test_read_any_recognises_the_table():
    assert read_any(GOOD / "households_vi.csv")[1] == "households"
    assert read_any(GOOD / "summary_bom.csv")[1] == "summary"


def test_header_key():
    assert header_key("Hộ nghèo\ncuối năm") == "ho ngheo cuoi nam"
    assert header_key("poor_end") == "poor end"
    assert header_key("Số hộ thiếu hụt: Việc làm") == "so ho thieu hut viec lam"


def test_headers_are_unique_after_folding():
    from analysis.intake.validate import column_headers

    for table in ("summary", "household"):
        spec = column_headers(table)
        keys = [header_key(t) for t in list(spec["header_vi"]) + list(spec["header_en"])]
        assert len(keys) == len(set(keys)), table


def test_summary_schema_table_matches_schema_module():
    from analysis.intake.validate import column_headers
    from analysis.reference.standards import load_standards

    spec = column_headers("summary")
    assert list(spec["column"]) == schema.summary_columns()
    kinds = dict(zip(spec["column"], spec["kind"], strict=True))
    assert {c for c, k in kinds.items() if k == "signed"} == schema.SIGNED_COLUMNS
    assert kinds["year"] == "key" and kinds["especially_difficult"] == "flag"
    # deprivation headers use the indicator names of data/standards/indicators.csv
    nd07 = next(s for s in load_standards() if s.code == "ND07_2021")
    assert "employment" in nd07.indicators
    assert spec.set_index("column").at["dep_employment", "header_vi"] == "Số hộ thiếu hụt: Việc làm"
    hh = column_headers("household")
    assert set(schema.HOUSEHOLD_BASE_COLUMNS + schema.HOUSEHOLD_OPTIONAL_COLUMNS) <= set(
        hh["column"]
    )


# -- file-level errors -------------------------------------------------------------------------
def test_empty_file():
    err = _error(BAD / "empty.csv")
    assert str(err.problems[0]) == "empty.csv: the file is empty"


def test_header_only():
    err = _error(BAD / "header_only.csv")
    assert "no data rows below the header (row 1)" in str(err)


def test_no_known_header():
    err = _error(BAD / "no_header.csv")
    assert "no_header.csv: no header row found in the first 30 rows" in str(err)


def test_unknown_extension():
    err = _error(BAD / "summary.json")
    assert "summary.json: unknown file type '.json'; give a .csv, .xlsx or .parquet file" in str(
        err
    )


def test_old_xls(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    assert "save it as .xlsx" in str(_error(path))


def test_missing_file(tmp_path):
    assert "there is no file" in str(_error(tmp_path / "nope.csv"))


def test_corrupt_xlsx():
    err = _error(BAD / "corrupt.xlsx")
    assert "corrupt.xlsx: the file cannot be opened as an Excel workbook" in str(err)


def test_missing_sheet():
    err = _error(GOOD / "summary_form.xlsx", sheet="Sheet9")
    assert "the workbook has no sheet 'Sheet9'; its sheets are: 'Biểu 01', 'Ghi chú'" in str(err)


def test_sheet_name_tolerant():
    df = read_summary(GOOD / "summary_form.xlsx", sheet="bieu 01")
    assert len(df) == 3


def test_formula_without_value():
    err = _error(BAD / "formula_no_value.xlsx")
    (problem,) = err.problems
    assert problem.row == 3
    assert "cell E3 holds the formula =10+6 but no calculated value" in problem.message


def test_file_errors_also_from_read_table():
    with pytest.raises(IntakeError, match="unknown file type"):
        read_table(BAD / "summary.json")
    with pytest.raises(IntakeError, match="the file is empty"):
        read_table(BAD / "empty.csv")


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


def test_excel_problem_rows_are_spreadsheet_rows(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "Báo cáo"
    ws.append([])
    ws.append(["year", "area_code", "zone", "total_households", "poor_end", "near_poor_end"])
    ws.append([2023, "696", "rural", 900, 950, 10])
    wb.save(tmp_path / "rows.xlsx")
    (problem,) = _error(tmp_path / "rows.xlsx").problems
    assert (problem.file, problem.row, problem.column) == ("rows.xlsx", 4, "poor_end")


def test_csv_quoted_newline_keeps_line_numbers(tmp_path):
    path = tmp_path / "multiline.csv"
    path.write_text(
        '"Năm\nrà soát",Mã địa bàn,Khu vực,Tổng số hộ,Hộ nghèo cuối năm,Hộ cận nghèo cuối năm\n'
        "2023,696,rural,32150,950,1420\n"
        "2023,696,urban,10,16,5\n",
        encoding="utf-8",
    )
    (problem,) = _error(path).problems
    assert problem.row == 4  # the header takes lines 1-2


def test_nothing_is_loaded_when_one_row_is_bad(tmp_path):
    shutil.copy(BAD / "flow_poor.csv", tmp_path / "x.csv")
    with pytest.raises(IntakeError):
        read_summary(tmp_path / "x.csv")
