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
