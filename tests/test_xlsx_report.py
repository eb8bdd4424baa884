"""Tests of the report tables for Excel (analysis.build.xlsx_report); formulas from hostile data:
test_injection.py, dates: test_reproducible.py, the payload: test_tables.py. Expected formats,
values and widths are written out here, not taken from the module."""

from __future__ import annotations

import io
from types import SimpleNamespace

import nbformat
import pytest
from test_html_report import executed  # noqa: F401 - fixture

from analysis.build import xlsx_report
from analysis.report.tables import TABLE_MIME, ReportTable


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


# -- numbers, sheets and layout for analysts --------------------------------------------------------
POINTS_VI = '+0.00" điểm %";-0.00" điểm %";0.00" điểm %"'
PROBABILITY = '[<0.005]"<1%";[>0.995]">99%";0%'


def by_hand() -> ReportTable:
    return ReportTable(
        "targets",
        "Tiến độ thực hiện mục tiêu, một chú thích dài hơn mọi cột của bảng",
        ["Mục tiêu", "Số hộ", "Tỷ lệ (%)", "Thay đổi", "Xác suất", "Giá trị", "Lý do"],
        [
            ["T1", 1234567, 1.04, -0.5, 0.996, 2123.68, "ngắn"],
            ["N1", 2, 7.4819484858, 0.25, 0.003, 1.25, "x" * 100],
            ["T3", None, "–", 0.0, 0.5, 0.4, "=1"],
        ],
        kinds=[None, "count", "rate", "points", "probability", ["count", "rate", "ratio"], None],
        sheet="Tiến độ mục tiêu",
    )


def workbook(tables, about=None, lang="vi"):
    openpyxl = pytest.importorskip("openpyxl")
    return openpyxl.load_workbook(io.BytesIO(xlsx_report.tables_to_xlsx(tables, about, lang)))


def test_numbers_stay_numbers_with_a_format_per_kind():
    ws = workbook([by_hand()])["Tiến độ mục tiêu"]
    assert ws["B4"].value == 1234567 and ws["B4"].number_format == "#,##0"
    assert ws["B6"].value is None
    # rates held in percent are stored as fractions: 1.04% is 0.0104, summed right
    assert ws["C4"].value == 0.0104 and ws["C4"].number_format == "0.00%"
    assert ws["C5"].value == 0.074819484858
    assert ws["C4"].value + ws["C5"].value == pytest.approx((1.04 + 7.4819484858) / 100)
    assert ws["C6"].value == "–" and ws["C6"].number_format == "General"  # text stays text
    assert [ws[f"D{r}"].value for r in (4, 5, 6)] == [-0.5, 0.25, 0.0]
    assert {ws[f"D{r}"].number_format for r in (4, 5, 6)} == {POINTS_VI}
    assert ws["E4"].value == 0.996 and ws["E4"].number_format == PROBABILITY
    # one column, a kind per row: 2123.68 households stay 2123.68, shown whole
    assert [ws[f"F{r}"].value for r in (4, 5, 6)] == [2123.68, 0.0125, 0.4]
    assert [ws[f"F{r}"].number_format for r in (4, 5, 6)] == ["#,##0", "0.00%", "#,##0.00"]
    assert ws["A4"].value == "T1" and ws["A4"].number_format == "General"
    assert ws["G6"].value == "'=1"


def test_points_unit_follows_the_language():
    ws = workbook([by_hand()], lang="en")["Tiến độ mục tiêu"]
    assert ws["D4"].number_format == '+0.00" pp";-0.00" pp";0.00" pp"'


def test_header_frozen_filtered_and_columns_fitted():
    ws = workbook([by_hand()])["Tiến độ mục tiêu"]
    assert ws["A1"].font.b and ws["A2"].value is None
    assert [c.value for c in ws[3]] == by_hand().columns and all(c.font.b for c in ws[3])
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:G6"
    widths = {k: ws.column_dimensions[k].width for k in "ABCDEFG"}
    assert widths["A"] == len("Mục tiêu") + 2  # the long caption does not widen column A
    assert widths["B"] == len("1,234,567") + 2
    assert widths["C"] == len("Tỷ lệ (%)") + 2  # header wider than "7.48%"
    assert widths["D"] == len("+0.25 điểm %") + 2
    assert widths["F"] == len("Giá trị") + 2  # wider than "2,124", "1.25%" and "0.40"
    assert widths["G"] == 62 and ws["G5"].alignment.wrap_text  # long text wraps at 60
    assert ws.row_dimensions[5].height == 30  # two lines of 60 for 100 characters
    without_caption = workbook([ReportTable("t", None, ["a"], [[1], [2]])])["t"]
    assert without_caption.freeze_panes == "A2" and without_caption.auto_filter.ref == "A1:A3"


def test_sheet_titles_valid_unique_and_in_the_report_language():
    long = "Kết quả cuối kỳ theo từng huyện, thị xã, thành phố"
    tables = [
        ReportTable("final", None, ["a"], [[1]], sheet=long),
        ReportTable("final_2", None, ["a"], [[1]], sheet=long),
        ReportTable("History", None, ["a"], [[1]]),
        ReportTable("trend", None, ["a"], [[1]]),
    ]
    names = workbook(tables).sheetnames
    assert names == ["Thông tin", long[:31], long[:29] + "~2", "History~2", "trend"]
    assert all(len(n) <= 31 for n in names)


def test_about_sheet_in_the_report_language_links_the_tables():
    about = {"Report": "Bù Đăng", "Year": 2024}
    wb = workbook([by_hand(), ReportTable("t", None, ["a"], [[1]])], about, lang="en")
    ws = wb.worksheets[0]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert ws.title == "About" and rows[0] == ["Item", "Value"]
    assert ["Report", "Bù Đăng"] in rows and ["Year", 2024] in rows
    numbers = next(r[1] for r in rows if r[0] == "Numbers")
    assert "0.0104 shows as 1.04%" in numbers
    assert ["Tables", None] in rows and ws.freeze_panes == "A2"
    listed = rows[rows.index(["Tables", None]) + 1 :]
    assert listed == [["Tiến độ mục tiêu", by_hand().caption], ["t", None]]
    links = [r[0].hyperlink.location for r in ws.iter_rows(min_row=len(rows) - 1)]
    assert links == ["'Tiến độ mục tiêu'!A1", "'t'!A1"]
    vi = workbook([by_hand()]).worksheets[0]
    assert vi.title == "Thông tin" and vi["A1"].value == "Mục"
    assert any(r[0].value == "Cách ghi số" for r in vi.iter_rows())


def test_unknown_kind_is_refused_and_unknown_payload_kinds_ignored():
    with pytest.raises(ValueError, match=r"unknown kind of number 'percent' \(known: count"):
        xlsx_report.number_format("percent")
    assert xlsx_report.number_format(None) == "General"
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    payload = {"name": "t", "columns": ["a", "b"], "rows": [[1, 2]], "kinds": ["x", ["rate"]]}
    cell.outputs = [nbformat.v4.new_output("display_data", data={TABLE_MIME: payload})]
    nb.cells = [cell]
    (table,) = xlsx_report.notebook_tables(nb)
    assert table.kinds == [None, ["rate"]] and table.sheet is None


def test_shown_width_of_each_kind():
    assert xlsx_report.shown_width(1234567, "count") == len("1,234,567")
    assert xlsx_report.shown_width(0.0104, "rate") == len("1.04%")
    assert xlsx_report.shown_width(-0.5, "points", "en") == len("-0.50 pp")
    assert xlsx_report.shown_width(-1250, "signed") == len("-1,250")
    assert xlsx_report.shown_width(0.5, "probability") == len(">99%")
    assert xlsx_report.shown_width(1 / 3) == len("0.3333333333")
    assert xlsx_report.shown_width("ab\nabcd") == 4


def test_display_table_carries_kinds_and_sheet_title_to_excel(monkeypatch):
    import IPython.display
    import pandas as pd

    from analysis.core.i18n import label
    from analysis.report.display import table

    shown: list = []
    monkeypatch.setattr(IPython.display, "display", lambda *o, raw=False, **k: shown.extend(o))
    ctx = SimpleNamespace(lang="vi", data=SimpleNamespace(synthetic=True))
    trend = pd.DataFrame({"year": [2023, 2024], "poor": [1350, 1280], "poverty_rate": [3.5, 3.25]})
    table(ctx, trend, "trend", "report.section.trend", {"poor": "count", "poverty_rate": "rate"})
    targets = pd.DataFrame({"target": ["T1", "N1"], "latest_value": [320.0, -0.75],
                            "probability": [0.2, 0.999]})  # fmt: skip
    table(ctx, targets, "targets", "report.section.targets", {"probability": "probability"},
          row_kinds=(["latest_value"], ["count", "points"]))  # fmt: skip
    nb = nbformat.v4.new_notebook()
    for bundle in shown:
        cell = nbformat.v4.new_code_cell("")
        cell.outputs = [nbformat.v4.new_output("display_data", data=bundle)]
        nb.cells.append(cell)
    wb = workbook(xlsx_report.notebook_tables(nb))
    assert wb.sheetnames == ["Thông tin", label("sheet.trend", "vi"), label("sheet.targets", "vi")]
    ws = wb.worksheets[1]
    assert [c.value for c in ws[3]] == [label(f"col.{c}", "vi") for c in trend.columns]
    assert label("source.synthetic", "vi") in ws["A1"].value
    assert [(c.value, c.number_format) for c in ws[5]] == [
        (2024, "General"), (1280, "#,##0"), (0.0325, "0.00%")
    ]  # fmt: skip
    ws = wb.worksheets[2]
    assert [(c.value, c.number_format) for c in ws["B"][3:]] == [(320, "#,##0"), (-0.75, POINTS_VI)]
    assert ws["C5"].value == 0.999 and ws["C5"].number_format == PROBABILITY


@pytest.mark.slow
def test_district_report_workbook_for_analysts(tmp_path, monkeypatch):
    openpyxl = pytest.importorskip("openpyxl")
    from test_batch import expected, run

    from analysis.core.i18n import label, labels

    assert run(tmp_path, monkeypatch, "vi", areas="Bù Đăng", formats="xlsx") == 0
    wb = openpyxl.load_workbook(tmp_path / "reports" / "2024" / "vi" / "bu-dang.xlsx")
    titles = {labels()[k]["vi"] for k in labels() if k.startswith("sheet.")}
    assert wb.sheetnames[0] == "Thông tin" and set(wb.sheetnames[1:]) <= titles
    assert {label("sheet.trend", "vi"), label("sheet.targets", "vi")} <= set(wb.sheetnames)
    for ws in wb.worksheets[1:]:
        assert ws.freeze_panes == "A4" and ws.auto_filter.ref.startswith("A3:"), ws.title
        assert all(c.font.b for c in ws[3] if c.value is not None), ws.title
        widths = [ws.column_dimensions[c.column_letter].width for c in ws[3]]
        assert all(8 <= w <= 62 for w in widths), ws.title
        for row in ws.iter_rows(min_row=4):
            for c in row:
                if c.number_format == "0.00%":  # rates stored as fractions
                    assert 0 <= c.value <= 1, (ws.title, c.coordinate, c.value)
    trend = wb[label("sheet.trend", "vi")]
    header = [c.value for c in trend[3]]
    last = next(r for r in trend.iter_rows(min_row=4) if r[0].value == 2024)
    poor = last[header.index(label("col.poor", "vi"))]
    rate = last[header.index(label("col.poverty_rate", "vi"))]
    exp = expected(2024, "696")
    assert poor.value == exp["poor"] and poor.number_format == "#,##0"
    assert rate.value == pytest.approx(exp["rate"] / 100, rel=1e-9)
    assert rate.number_format == "0.00%"
    targets = wb[label("sheet.targets", "vi")]
    header = [c.value for c in targets[3]]
    column = header.index(label("col.probability", "vi"))
    assert {r[column].number_format for r in targets.iter_rows(min_row=4)} <= {
        PROBABILITY, "General"
    }  # fmt: skip
    column = header.index(label("col.latest_value", "vi"))
    kinds = {r[column].number_format for r in targets.iter_rows(min_row=4)}
    assert "#,##0" in kinds and kinds <= {"#,##0", "0.00%", "#,##0.00", "General"}


def test_every_report_table_has_a_sheet_title_in_both_languages():
    import ast
    import re
    from pathlib import Path

    from analysis.core.i18n import labels

    report = Path(__file__).parents[1] / "src/analysis/report"
    source = "\n".join(  # the modules whose functions display report tables
        (report / name).read_text("utf-8") for name in ("sections.py", "target_tables.py")
    )
    names = {
        node.args[2].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "table"
        and isinstance(node.args[2], ast.Constant)
    }  # fmt: skip
    assert {"trend", "targets", "projections", "league", "coverage", "final_districts"} <= names
    for lang in ("vi", "en"):
        titles = [labels()[f"sheet.{n}"][lang] for n in sorted(names)]
        assert all(0 < len(t) <= 31 and not re.search(r"[\[\]:*?/\\']", t) for t in titles)
        assert len({t.lower() for t in titles}) == len(titles), lang
