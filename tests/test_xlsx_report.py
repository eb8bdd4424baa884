"""Tests of the report tables for Excel (analysis.build.xlsx_report); formulas from hostile data:
test_injection.py, dates: test_reproducible.py."""

from __future__ import annotations

import io

import pytest
from test_html_report import executed  # noqa: F401 - fixture

from analysis.build import xlsx_report
from analysis.report.tables import ReportTable


def test_tables_to_xlsx_neutralises_formulas():
    openpyxl = pytest.importorskip("openpyxl")
    tables = [
        ReportTable("Hộ nghèo: năm/2024", "Bảng 1", ["Năm", "=cột"], [[2024, "=1+1"], [2025, "+84 90"]]),
        ReportTable("Hộ nghèo: năm/2024", None, ["a"], [["@x"], ["-1"], [-1], ["bình thường"]]),
    ]  # fmt: skip
    data = xlsx_report.tables_to_xlsx(tables, {"Khu vực": "Bù Đăng", "Công thức": "=HYPERLINK()"})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Thông tin", "Hộ nghèo_ năm_2024", "Hộ nghèo_ năm_2024~2"]
    first = wb["Hộ nghèo_ năm_2024"]
    assert first["A1"].value == "Bảng 1"
    assert first["B3"].value == "'=cột" and first["B4"].value == "'=1+1"
    assert first["B5"].value == "'+84 90" and first["A4"].value == 2024
    second = wb["Hộ nghèo_ năm_2024~2"]
    assert [c.value for c in second["A"]] == ["a", "'@x", "'-1", -1, "bình thường"]
    about = wb["Thông tin"]
    assert ["Công thức", "'=HYPERLINK()"] in [[c.value for c in r] for r in about.iter_rows()]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            assert not any(c.data_type == "f" for c in row)


@pytest.mark.slow
def test_report_tables_collected_from_notebook(executed):  # noqa: F811
    tables = xlsx_report.notebook_tables(executed)
    assert [t.name for t in tables] == ["Hộ nghèo"]
    assert tables[0].columns == ["Năm", "Hộ nghèo", "Ghi chú"]
    assert tables[0].rows[1] == [2023, 1350, "=1+1"]
    assert tables[0].caption == "Hộ nghèo theo năm – Bù Đăng"
