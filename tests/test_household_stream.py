"""Household lists read in chunks: same records, rows and messages as one piece; capped problems;
checks across chunks; encodings; the whole-file reader for what streaming cannot take."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from analysis.core import paths
from analysis.intake.household_stream import scan_households
from analysis.intake.households import read_households
from analysis.intake.problems import IntakeError

GOOD = Path(__file__).parent / "fixtures" / "intake" / "good"
_spec = importlib.util.spec_from_file_location(
    "make_fixtures", Path(__file__).parent / "fixtures" / "intake" / "make_fixtures.py"
)
make_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fixtures)


def _records(n: int) -> pd.DataFrame:
    """The first ``n`` bundled 2024 records, as plain columns."""
    frame = pd.read_parquet(paths.default_households(), filters=[("year", "=", 2024)]).head(n)
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype(str)
    return frame.reset_index(drop=True)


def _chunks(path, **kw) -> tuple[pd.DataFrame, object]:
    scan = scan_households(path, on_chunk=lambda t: t, **kw)
    rows = [int(r) for t in scan.results for r in t.attrs.pop("row_numbers")]
    table = pd.concat(scan.results, ignore_index=True) if scan.results else None
    return table, scan, rows


def test_chunks_give_the_records_and_the_file_rows(tmp_path):
    records = _records(2_000)
    text = records.to_csv(index=False, lineterminator="\n")
    header, *lines = text.splitlines()
    lines.insert(700, "")  # a blank line inside the table
    path = tmp_path / "hh.csv"
    path.write_text(
        "Danh sách hộ gia đình năm 2024\n\n" + header + "\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    table, scan, rows = _chunks(path, chunk_rows=300)
    assert scan.reader == "pyarrow-csv" and scan.chunks >= 6 and scan.rows == 2_000
    assert not scan.problems
    # header on line 3; records on lines 4.., one blank line after the 700th record
    assert rows == list(range(4, 704)) + list(range(705, 2005))
    assert list(table["household_id"]) == list(records["household_id"])
    assert list(table["commune_code"]) == list(records["commune_code"])
    assert table["income_pc"].tolist() == records["income_pc"].astype(float).tolist()
    assert table["d_latrine"].tolist() == records["d_latrine"].tolist()
    whole = read_households(path)  # the public reader gives the same table
    pd.testing.assert_frame_equal(whole.reset_index(drop=True), table, check_dtype=False)
    assert whole.attrs["row_numbers"] == rows


def test_bad_cells_are_named_by_the_line_the_analyst_sees(tmp_path):
    records = _records(1_000)
    records["income_pc"] = records["income_pc"].astype(str)
    records.loc[899, "income_pc"] = "12,5 triệu"
    path = tmp_path / "hh.csv"
    path.write_text("Tiêu đề\n" + records.to_csv(index=False), encoding="utf-8")
    scan = scan_households(path, chunk_rows=250)
    assert len(scan.problems) == 1
    p = scan.problems[0]
    assert (p.row, p.column) == (902, "income_pc")  # title, header, then record 900
    assert "'12,5 triệu' is not a number" in p.message


def test_vietnamese_numbers_and_encodings(tmp_path):
    utf8 = read_households(GOOD / "households_vi.csv")
    text = (GOOD / "households_vi.csv").read_text(encoding="utf-8")
    variants = {
        "bom.csv": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "cp1258.csv": make_fixtures.to_cp1258(text),
        "utf16.csv": text.encode("utf-16"),
    }
    for name, data in variants.items():
        path = tmp_path / name
        path.write_bytes(data)
        got = read_households(path)
        pd.testing.assert_frame_equal(got, utf8, check_dtype=False, obj=name)
    assert list(utf8["income_pc"]) == [1200000.0, 1800000.0, 1450000.0, 1100000.0]
    assert "read as Windows-1258 text" in read_households(tmp_path / "cp1258.csv").attrs["notes"]


def test_problems_are_capped_per_kind_and_counted(tmp_path):
    records = _records(400)
    records["commune_code"] = "99999"
    for col in ("members", "health_insured", "training_need", "training_received"):
        records.loc[:9, col] = 0  # a second kind (no household member), 10 rows
    path = tmp_path / "hh.csv"
    records.to_csv(path, index=False)
    scan = scan_households(path, chunk_rows=100, max_per_kind=5)
    assert scan.total_problems == 410
    unknown = [p for p in scan.problems if p.column == "commune_code"]
    members = [p for p in scan.problems if p.column == "members"]
    assert [p.row for p in unknown[:5]] == [2, 3, 4, 5, 6]
    assert "and 395 more row(s) with the same problem as row 2" in unknown[5].message
    assert [p.row for p in members[:5]] == [2, 3, 4, 5, 6]
    assert "and 5 more row(s)" in members[5].message
    with pytest.raises(IntakeError) as info:
        read_households(path)
    assert len(info.value.problems) < 400 + 10


def test_a_household_repeated_in_another_chunk(tmp_path):
    records = _records(600)
    records.loc[550, "household_id"] = records.loc[20, "household_id"]
    path = tmp_path / "hh.parquet"
    records.to_parquet(path, index=False)
    scan = scan_households(path, chunk_rows=200)
    assert scan.reader == "parquet" and scan.chunks == 3
    assert [(p.row, p.column) for p in scan.problems] == [(551, None)]
    assert "rows 21 and 551 both hold the same household id" in scan.problems[0].message
    one = scan_households(path)  # one chunk: the schema's own uniqueness message
    assert [p.row for p in one.problems] == [551]
    assert "rows 21 and 551 both hold" in one.problems[0].message


def test_one_year_in_two_unit_systems_across_chunks(tmp_path):
    records = _records(400)[["household_id", "year", "commune_code", "zone", "members"]]
    records["unit_system"] = "communes-2016"
    records.loc[300:, "unit_system"] = "communes-2025"
    records.loc[300:, "commune_code"] = "25195"  # a code of both systems
    path = tmp_path / "hh.csv"
    records.to_csv(path, index=False)
    one = scan_households(path)
    many = scan_households(path, chunk_rows=150)
    assert one.problems and many.problems
    cross = [p for p in many.problems if "from here are kept in" in p.message]
    assert cross and cross[0].row == 302 and cross[0].column == "unit_system"


def test_parquet_extra_nested_column_ignored_required_one_refused(tmp_path):
    records = _records(50)
    records["photos"] = [[1, 2]] * 50
    path = tmp_path / "hh.parquet"
    records.to_parquet(path, index=False)
    assert len(read_households(path)) == 50
    records["members"] = [[1]] * 50
    records.drop(columns="photos").to_parquet(path, index=False)
    with pytest.raises(IntakeError) as info:
        read_households(path)
    assert info.value.problems[0].column == "members"
    assert "lists or records" in info.value.problems[0].message


def test_what_streaming_cannot_take_goes_to_the_whole_file_reader(tmp_path):
    records = _records(30)
    lines = records.to_csv(index=False).splitlines()
    lines[10] += ",extra,cells"
    path = tmp_path / "hh.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(IntakeError) as info:
        read_households(path)
    assert info.value.problems[0].row == 11
    assert "cells but the header has" in info.value.problems[0].message
    # a footer of signatures below the table is left out, with a note
    path.write_text(
        "\n".join(records.to_csv(index=False).splitlines() + ["Người lập biểu", "Ký tên"]) + "\n",
        encoding="utf-8",
    )
    table = read_households(path)
    assert len(table) == 30
    assert any("signatures" in n for n in table.attrs["notes"])


def test_no_rows_and_no_row_none(tmp_path):
    path = tmp_path / "hh.parquet"
    _records(0).to_parquet(path, index=False)
    with pytest.raises(IntakeError) as info:
        read_households(path)
    assert "row None" not in str(info.value)
    assert "the file has no data rows" in str(info.value)


def test_workers_give_the_same_result(tmp_path):
    records = _records(3_000)
    path = tmp_path / "hh.csv"
    records.to_csv(path, index=False)
    from analysis.compute.household_sums import chunk_sums

    one = scan_households(path, on_chunk=chunk_sums, chunk_rows=700)
    two = scan_households(path, on_chunk=chunk_sums, chunk_rows=700, workers=2)
    assert one.rows == two.rows == 3_000 and one.chunks == two.chunks
    for a, b in zip(one.results, two.results, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_repeated_cells_parsed_once_keep_the_parsers_rules(tmp_path):
    """Columns whose values repeat are parsed once per value: Vietnamese numbers, yes/no words
    and the year's range check stay those of the cell parsers."""
    records = _records(1_000)[["household_id", "year", "commune_code", "zone", "members"]]
    records["income_pc"] = "1.250.000"
    records.loc[::2, "income_pc"] = "980000"
    records["ethnic_minority"] = "có"
    records.loc[::3, "ethnic_minority"] = "không"
    path = tmp_path / "hh.csv"
    records.to_csv(path, index=False)
    table = read_households(path)
    assert table["income_pc"].tolist()[:2] == [980000.0, 1250000.0]
    assert table["ethnic_minority"].tolist()[:4] == [False, True, True, False]
    records["year"] = records["year"].astype(str)
    records.loc[500, "year"] = "3024"
    records.to_csv(path, index=False)
    scan = scan_households(path)
    assert [(p.row, p.column) for p in scan.problems] == [(502, "year")]
    assert "'3024' is not a year" in scan.problems[0].message


def test_validate_command_lists_the_first_problems_and_counts_all(tmp_path, capsys):
    from analysis.intake.load import main_validate

    records = _records(300)
    records["commune_code"] = "99999"
    path = tmp_path / "hh.csv"
    records.to_csv(path, index=False)
    assert main_validate([str(path)]) == 1
    out = capsys.readouterr().out
    assert out.count("unknown commune '99999'") == 50
    assert "and 250 more row(s) with the same problem as row 2" in out
    assert "300 problems in all in 300 rows" in out
    good = tmp_path / "good.csv"
    _records(300).to_csv(good, index=False)
    assert main_validate([str(good)]) == 0
    assert "OK: 300 rows (households)" in capsys.readouterr().out


def test_a_semicolon_file_with_a_title_row_is_streamed(tmp_path):
    # the title row holds commas and every row a decimal comma: the separator is still ";"
    records = _records(40)
    records["income_pc"] = [f"{v:.1f}".replace(".", ",") for v in records["income_pc"]]
    path = tmp_path / "hh.csv"
    path.write_text(
        "Danh sách hộ nghèo, cận nghèo, năm 2024, huyện Bù Đăng, tỉnh Bình Phước\n"
        + records.to_csv(index=False, sep=";", lineterminator="\n"),
        encoding="utf-8",
    )
    table, scan, rows = _chunks(path, chunk_rows=15)
    assert scan.reader == "pyarrow-csv" and not scan.problems
    assert rows == list(range(3, 43))  # title, header, then the records
    expected = [float(v.replace(",", ".")) for v in records["income_pc"]]
    assert table["income_pc"].tolist() == pytest.approx(expected)
    assert list(table["household_id"]) == list(records["household_id"])


def test_the_validate_command_speaks_vietnamese(tmp_path, capsys):
    from analysis.core.messages import messages_in
    from analysis.intake.load import main_validate

    records = _records(120)
    records["members"] = "nhiều"
    path = tmp_path / "hh.csv"
    records.to_csv(path, index=False)
    with messages_in("vi"):
        assert main_validate([str(path)]) == 1
    out = capsys.readouterr().out
    assert out.count("'nhiều' không phải là số người hợp lệ (phải là số nguyên)") == 50
    assert "và 70 dòng khác có cùng lỗi như dòng 2 (chỉ liệt kê 50 dòng đầu trong 120 dòng)" in out
    assert "tổng cộng 120 lỗi trong 120 dòng" in out
