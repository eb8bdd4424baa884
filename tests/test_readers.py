"""Reading a table as the file holds it: header row, title rows, file-level errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from analysis.intake.households import read_households
from analysis.intake.problems import IntakeError
from analysis.intake.readers import read_table
from analysis.intake.summary import read_summary

FIX = Path(__file__).parent / "fixtures" / "intake"
ROOT = Path(__file__).resolve().parents[1]
GOOD, BAD = FIX / "good", FIX / "bad"


def _error(path, reader=read_summary, **kw) -> IntakeError:
    with pytest.raises(IntakeError) as info:
        reader(path, **kw)
    return info.value


def test_read_table_keeps_file_row_numbers():
    table = read_table(GOOD / "summary_form.xlsx")
    assert table.attrs["header_row"] == 5
    assert list(table.index[:3]) == [7, 8, 9]
    assert table.loc[7, "Mã địa bàn"] == 692
    assert "KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2024" in table.attrs["title"]


# -- file-level errors -------------------------------------------------------------------------
def test_empty_file():
    err = _error(BAD / "empty.csv")
    assert str(err.problems[0]) == "empty.csv: the file is empty"


def test_no_known_header():
    err = _error(BAD / "no_header.csv")
    assert "no_header.csv: no header row found in the first 30 rows" in str(err)


def test_unknown_extension():
    err = _error(BAD / "summary.json")
    assert "summary.json: unknown file type '.json'; give a .csv, .xlsx or .parquet file" in str(
        err
    )


def test_missing_file(tmp_path):
    assert "there is no file" in str(_error(tmp_path / "nope.csv"))


def test_file_errors_also_from_read_table():
    with pytest.raises(IntakeError, match="unknown file type"):
        read_table(BAD / "summary.json")
    with pytest.raises(IntakeError, match="the file is empty"):
        read_table(BAD / "empty.csv")


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


@pytest.mark.parametrize("reader", [read_summary, read_households, read_table])
def test_a_parquet_file_without_rows_says_so(tmp_path, reader):
    # it said "no data rows below the header (row None)"
    synthetic = ROOT / "data" / "synthetic"
    if reader is read_households:
        frame = pd.read_parquet(synthetic / "households.parquet")
    else:
        frame = pd.read_csv(synthetic / "summary.csv", dtype=str)
    path = tmp_path / "empty.parquet"
    frame.iloc[:0].to_parquet(path)
    error = _error(path, reader)
    assert f"the file has no data rows (only its {frame.shape[1]} column names)" in str(error)
    assert "None" not in str(error)


def test_a_parquet_file_of_total_rows_only_has_no_data_rows(tmp_path):
    table = pd.read_csv(ROOT / "data" / "synthetic" / "summary.csv", dtype=str).head(1)
    table["area_code"] = "Tổng cộng"  # a total row, dropped
    table.to_parquet(tmp_path / "totals.parquet")
    error = _error(tmp_path / "totals.parquet")
    assert "no data rows in the file; fill in the figures" in str(error)
    assert "None" not in str(error)
    table.to_csv(tmp_path / "totals.csv", index=False)
    assert "no data rows below the header (row 1)" in str(_error(tmp_path / "totals.csv"))


def test_file_errors_in_vietnamese():
    from analysis.core.messages import messages_in

    with messages_in("vi"):
        assert (
            "summary.json: loại tệp không xác định '.json'; dùng tệp .csv, .xlsx hoặc .parquet"
            in (str(_error(BAD / "summary.json")))
        )
        assert "không tìm thấy dòng tiêu đề trong 30 dòng đầu" in str(_error(BAD / "no_header.csv"))


def test_a_summary_parquet_ignores_extra_nested_columns_and_refuses_a_nested_known_one(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = pd.read_csv(ROOT / "data" / "synthetic" / "summary.csv", dtype=str)
    rows = rows[rows["year"] == "2024"].head(3).reset_index(drop=True)
    extra = pa.Table.from_pandas(rows, preserve_index=False)
    extra = extra.append_column("notes_list", pa.array([[1, 2]] * len(rows)))
    extra = extra.append_column("meta", pa.array([{"a": 1}] * len(rows)))
    pq.write_table(extra, tmp_path / "extra.parquet")
    # it ended in "TypeError: unhashable type"; the extra columns are not read
    table = read_summary(tmp_path / "extra.parquet")
    assert len(table) == 3 and "notes_list" not in table.columns
    nested = pa.Table.from_pandas(rows.drop(columns=["poor_end"]), preserve_index=False)
    nested = nested.append_column("poor_end", pa.array([[1]] * len(rows)))
    pq.write_table(nested, tmp_path / "nested.parquet")
    (problem,) = _error(tmp_path / "nested.parquet").problems
    assert (problem.file, problem.row, problem.column) == ("nested.parquet", None, "poor_end")
    assert "holds lists or records, not one value per cell" in problem.message
