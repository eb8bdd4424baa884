"""File formats: encodings, CSV damage, Excel workbooks and sheets, formulas without values."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from analysis.intake.formats import sniff_delimiter
from analysis.intake.problems import IntakeError
from analysis.intake.readers import read_table
from analysis.intake.summary import read_summary

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


def test_old_xls(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    assert "save it as .xlsx" in str(_error(path))


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


def test_csv_rows_utf16_without_bom_and_the_end_of_the_file(tmp_path):
    from analysis.intake.formats import csv_rows

    path = tmp_path / "u16.csv"
    path.write_bytes("Năm rà soát;Mã địa bàn\n2023;696".encode("utf-16-le"))
    rows, numbers, notes, shape = csv_rows(path, "u16.csv")
    assert rows == [["Năm rà soát", "Mã địa bàn"], ["2023", "696"]]
    assert numbers == [1, 2]
    assert notes == ["read as UTF-16 text"]
    assert not shape.ends_with_newline


def test_binary_file_named_csv(tmp_path):
    path = tmp_path / "book.csv"
    path.write_bytes(b"PK\x03\x04\x00\x00\x00binary")
    with pytest.raises(IntakeError, match="holds NUL bytes, so it is not a text"):
        read_table(path)


# -- the separator -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lines", "delimiter"),
    [
        (["a,b,c", "1,2,3"], ","),
        (["a;b;c", "1;2;3"], ";"),
        (["a\tb\tc", "1\t2\t3"], "\t"),
        # a title row above and a signature row below: one cell each
        (["BÁO CÁO NĂM 2023", "a;b;c", "1;2;3", "Người lập biểu"], ";"),
        (["BÁO CÁO, NĂM 2023", "a\tb\tc", "1\t2\t3"], "\t"),
        # a comma in every line of a semicolon file: 2 cells by comma, 3 by semicolon
        (["a;b, c;d", "1;2,5;3", "4;5,5;6"], ";"),
        # semicolons inside quoted cells of a comma file
        (['a,"b;c;d",e', '1,"x;y;z",2'], ","),
        # nothing splits: a comma
        (["only", "one"], ","),
    ],
)
def test_sniff_delimiter_finds_the_widest_table(lines, delimiter):
    assert sniff_delimiter("\r\n".join(lines) + "\r\n") == delimiter
