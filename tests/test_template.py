"""The blank summary-form template and its round trip through read_summary."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from analysis.intake.problems import IntakeError
from analysis.intake.summary import read_summary
from analysis.intake.template import template_columns, write_summary_template
from analysis.reference import schema
from analysis.reference.standards import StandardError

HEADER_ROW = 4

# District-level units and the zones their communes have (data/reference units list):
# Bù Gia Mập (691) and Phú Riềng (698) have no ward or township, so no urban row.
DISTRICT_ROWS = [
    ("688", "urban"),
    ("688", "rural"),
    ("689", "urban"),
    ("689", "rural"),
    ("690", "urban"),
    ("690", "rural"),
    ("691", "rural"),
    ("692", "urban"),
    ("692", "rural"),
    ("693", "urban"),
    ("693", "rural"),
    ("694", "urban"),
    ("694", "rural"),
    ("695", "urban"),
    ("695", "rural"),
    ("696", "urban"),
    ("696", "rural"),
    ("697", "urban"),
    ("697", "rural"),
    ("698", "rural"),
]


def _columns(ws) -> dict[str, int]:
    """Header text -> column number on the header row."""
    return {
        ws.cell(HEADER_ROW, j).value: j
        for j in range(1, ws.max_column + 1)
        if ws.cell(HEADER_ROW, j).value
    }


def test_template_layout(tmp_path):
    path = write_summary_template(tmp_path / "form.xlsx", 2023)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Biểu tổng hợp", "Ghi chú"]
    ws = wb["Biểu tổng hợp"]
    assert ws["A1"].value == "KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2023 - Tỉnh Bình Phước"
    heads = [ws.cell(HEADER_ROW, j).value for j in range(1, 9)]
    assert heads == [
        "Năm rà soát",
        "Mã địa bàn",
        "Tên địa bàn",
        "Cấp địa bàn",
        "Khu vực",
        "Tổng số hộ",
        "Hộ nghèo đầu năm",
        "Hộ thoát nghèo",
    ]
    cols = _columns(ws)
    assert "Số hộ thiếu hụt: Việc làm" in cols  # Decree 07/2021 indicator
    assert "Số hộ thiếu hụt: Tiếp cận các dịch vụ y tế" not in cols  # Decision 59/2015 only
    assert "Xã đặc biệt khó khăn (ĐBKK)" not in cols  # district level
    comment = ws.cell(HEADER_ROW, cols["Hộ nghèo cuối năm"]).comment.text
    assert comment.startswith("Poor households, end of year (poor_end)")
    # one row per district and zone, codes as text
    got = [
        (ws.cell(r, 2).value, ws.cell(r, 5).value)
        for r in range(HEADER_ROW + 1, HEADER_ROW + 1 + len(DISTRICT_ROWS))
    ]
    zone_vi = {"urban": "thành thị", "rural": "nông thôn"}
    assert got == [(c, zone_vi[z]) for c, z in DISTRICT_ROWS]
    assert ws.max_row == HEADER_ROW + len(DISTRICT_ROWS)
    assert ws["B5"].number_format == "@" and isinstance(ws["B5"].value, str)
    assert ws["A5"].value == 2023
    assert ws["C5"].value == "Thị xã Phước Long"
    assert ws.cell(5, cols["Tổng số hộ"]).number_format == "#,##0"
    assert ws.freeze_panes == "F5"
    notes = wb["Ghi chú"]
    assert notes["A1"].value == "Cách điền biểu"
    texts = [c.value for c in notes["C"] if c.value]
    assert "poor_end" in texts and "dep_employment" in texts


def test_template_columns_follow_the_standard():
    old = template_columns(2020)
    new = template_columns(2023)
    assert [c for c in old if c.startswith("dep_")] == [
        "dep_health_access",
        "dep_health_insurance",
        "dep_adult_education",
        "dep_child_school",
        "dep_housing_quality",
        "dep_floor_area",
        "dep_drinking_water",
        "dep_latrine",
        "dep_telecom",
        "dep_info_assets",
    ]
    assert len([c for c in new if c.startswith("dep_")]) == 12
    assert "dep_digital_services" in template_columns(2028, "commune")
    assert "especially_difficult" in template_columns(2023, "commune")
    assert "synthetic" not in new


def test_year_outside_every_standard():
    with pytest.raises(StandardError, match="review year 2015"):
        template_columns(2015)


def test_blank_template_has_no_data(tmp_path):
    path = write_summary_template(tmp_path / "blank.xlsx", 2023)
    with pytest.raises(IntakeError, match="no data rows below the header"):
        read_summary(path)


def _expected(rows: list[dict]) -> pd.DataFrame:
    """A summary frame with the contract's dtypes, built from hand-written rows."""
    data = {}
    for col in schema.summary_columns():
        values = [r.get(col) for r in rows]
        if col == "year":
            data[col] = pd.Series(values, dtype="int64")
        elif col in ("area_code", "area_level", "zone"):
            data[col] = pd.Series(values, dtype="str")
        elif col == "especially_difficult":
            data[col] = pd.Series(values, dtype="boolean")
        elif col == "synthetic":
            data[col] = pd.Series([False] * len(rows), dtype=bool)
        else:
            data[col] = pd.Series(values, dtype="Int64")
    return pd.DataFrame(data)


def test_round_trip_vi(tmp_path):
    path = write_summary_template(tmp_path / "form.xlsx", 2023)
    wb = load_workbook(path)
    ws = wb.active
    cols = _columns(ws)
    # rows 20 and 21 are Bù Đăng urban and rural (16th and 17th area-zone pairs)
    assert (ws["B20"].value, ws["E20"].value) == ("696", "thành thị")
    assert (ws["B21"].value, ws["E21"].value) == ("696", "nông thôn")
    fill = {
        20: {
            "Tổng số hộ": "3.100",
            "Hộ nghèo đầu năm": 20,
            "Hộ thoát nghèo": 5,
            "Hộ tái nghèo": 0,
            "Hộ nghèo phát sinh mới": 1,
            "Biến động khác (hộ nghèo)": 0,
            "Hộ nghèo cuối năm": 16,
            "Hộ cận nghèo cuối năm": "35",
        },
        21: {
            "Tổng số hộ": "32.150",
            "Hộ nghèo đầu năm": "1.210",
            "Hộ thoát nghèo": 300,
            "Hộ tái nghèo": 5,
            "Hộ nghèo phát sinh mới": 40,
            "Biến động khác (hộ nghèo)": "-5",
            "Hộ nghèo cuối năm": 950,
            "Hộ cận nghèo cuối năm": "1.420",
            "Tổng số hộ DTTS": "8.030",
            "Số hộ thiếu hụt: Việc làm": "1.102",
            "Số người thuộc hộ nghèo, cận nghèo": "9.480",
            "Số người có thẻ BHYT": 9480,
        },
    }
    for row, values in fill.items():
        for head, value in values.items():
            ws.cell(row, cols[head], value)
    wb.save(path)

    got = read_summary(path)
    base = {"year": 2023, "area_code": "696", "area_level": "district"}
    expected = _expected(
        [
            base
            | {
                "zone": "urban",
                "total_households": 3100,
                "poor_start": 20,
                "poor_escaped": 5,
                "poor_repoverty": 0,
                "poor_new": 1,
                "poor_other": 0,
                "poor_end": 16,
                "near_poor_end": 35,
            },
            base
            | {
                "zone": "rural",
                "total_households": 32150,
                "poor_start": 1210,
                "poor_escaped": 300,
                "poor_repoverty": 5,
                "poor_new": 40,
                "poor_other": -5,
                "poor_end": 950,
                "near_poor_end": 1420,
                "em_total_households": 8030,
                "dep_employment": 1102,
                "people_poor_near": 9480,
                "people_health_insured": 9480,
            },
        ]
    )
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs["row_numbers"] == [20, 21]
    # the other 18 rows were left blank and skipped: 5-19 and 22-24
    assert "rows without any figures were skipped: 5-19, 22-24" in got.attrs["notes"]


def test_round_trip_en_commune(tmp_path):
    path = write_summary_template(tmp_path / "communes.xlsx", 2024, level="commune", lang="en")
    wb = load_workbook(path)
    ws = wb.active
    assert wb.sheetnames == ["Summary form", "Notes"]
    cols = _columns(ws)
    assert ws.max_row == HEADER_ROW + 111  # the 111 former communes
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 2).value == "25405")
    assert ws.cell(row, 3).value == "Xã Bom Bo"
    values = {
        "Total households": "2.100",
        "Poor households, end of year": 80,
        "Near-poor households, end of year": 95,
        "Especially difficult commune": "x",
    }
    for head, value in values.items():
        ws.cell(row, cols[head], value)
    wb.save(path)
    got = read_summary(path)
    expected = _expected(
        [
            {
                "year": 2024,
                "area_code": "25405",
                "area_level": "commune",
                "zone": "rural",
                "total_households": 2100,
                "poor_end": 80,
                "near_poor_end": 95,
                "especially_difficult": True,
            }
        ]
    )
    pd.testing.assert_frame_equal(got, expected)


def test_filled_template_with_a_mistake_reports_the_sheet_row(tmp_path):
    path = write_summary_template(tmp_path / "form.xlsx", 2023)
    wb = load_workbook(path)
    ws = wb.active
    cols = _columns(ws)
    ws.cell(21, cols["Tổng số hộ"], 900)
    ws.cell(21, cols["Hộ nghèo cuối năm"], "1.250")
    ws.cell(21, cols["Hộ cận nghèo cuối năm"], 10)
    wb.save(path)
    with pytest.raises(IntakeError) as info:
        read_summary(path)
    (problem,) = info.value.problems
    assert (problem.file, problem.row, problem.column) == ("form.xlsx", 21, "poor_end")
    assert "1,250 poor households is more than the 900 households in total" in problem.message
    assert "1.250 hộ nghèo nhiều hơn tổng số 900 hộ" in problem.text("vi")
