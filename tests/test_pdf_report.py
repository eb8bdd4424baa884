"""Tests of the PDF report (analysis.build.pdf_report); its dates: test_reproducible.py, its
faster input (SVG charts as images, CSS variables resolved): test_fast_paths.py."""

from __future__ import annotations

import io

import pytest
from test_html_report import executed  # noqa: F401 - fixture

from analysis.build import html_report, pdf_report


@pytest.mark.slow
def test_pdf_is_a4_with_vietnamese_text_and_page_numbers(executed, tmp_path):  # noqa: F811
    pypdf = pytest.importorskip("pypdf")
    html = html_report.notebook_to_html(
        executed, "Báo cáo Bù Đăng", "vi", subtitle="Bù Đăng · 2024"
    )
    target = tmp_path / "r.pdf"
    data = pdf_report.html_to_pdf(html, target, "Bù Đăng · Năm 2024")
    assert target.read_bytes() == data and data.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Hộ nghèo theo năm" in text
    assert "Cuối kỳ – đã rà soát" in text
    assert "Bù Đăng · Năm 2024" in text
    assert f"Trang 1/{len(reader.pages)}" in text
    assert list(tmp_path.iterdir()) == [target]

    english = pdf_report.html_to_pdf(
        html_report.notebook_to_html(executed, "Report", "en"), None, "x"
    )
    first = pypdf.PdfReader(io.BytesIO(english)).pages[0].extract_text()
    assert "Page 1 of" in first


def test_unused_cell_ids_and_classes_are_dropped_for_the_pdf():
    page = (
        "<style>#T_a td { color: red } .keep { font-weight: bold } #T_a_row1_col0 { x: 1 }</style>"
        '<a href="#T_a_row0_col1">link</a>'
        '<table id="T_a"><tr><th id="T_a_level0_col0" class="col_heading level0 col0">h</th>'
        '<td id="T_a_row0_col1" class="data row0 col1" colspan="2">1</td></tr>'
        "<tr><td id='T_a_row1_col0' class='data keep row1'>2</td>"
        "<td title=\"a id='z' class=b\" id=T_a_row1_col1>3</td></tr></table>"
    )
    out = pdf_report._drop_unused_cell_attributes(page, ".col0 { y: 2 }")
    # kept: the table's id (not a cell), ids a rule or a link names, classes a rule names
    assert out == (
        "<style>#T_a td { color: red } .keep { font-weight: bold } #T_a_row1_col0 { x: 1 }</style>"
        '<a href="#T_a_row0_col1">link</a>'
        '<table id="T_a"><tr><th class="col0">h</th>'
        '<td id="T_a_row0_col1" colspan="2">1</td></tr>'
        "<tr><td id='T_a_row1_col0' class=\"keep\">2</td>"
        "<td title=\"a id='z' class=b\">3</td></tr></table>"
    )
    assert pdf_report._drop_unused_cell_attributes("<p>x</p>") == "<p>x</p>"


@pytest.mark.parametrize("collecting", [True, False])
def test_printing_restores_the_garbage_collector(collecting):
    import gc

    pytest.importorskip("weasyprint")
    was = gc.isenabled()
    try:
        gc.enable() if collecting else gc.disable()
        pdf = pdf_report.html_to_pdf("<html lang='vi'><p>Hộ nghèo</p></html>", None, "x")
        assert pdf.startswith(b"%PDF")
        assert gc.isenabled() is collecting
    finally:
        gc.enable() if was else gc.disable()
