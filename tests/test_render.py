"""Tests of report rendering (analysis.build.render) and the in-process engine (analysis.build.engine)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import nbformat
import pytest

from analysis.build import render

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"


@pytest.fixture(scope="module")
def executed():
    """The fixture report notebook executed in a forked child with the in-process engine."""
    import json

    from analysis.build.task import execute_notebook

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.environ["BPWB_REPORT_CHILD"] = str(os.getpid())
            spec = {
                "notebook": str(FIXTURES / "report.ipynb"),
                "parameters": {"area": "696", "area_name": "Bù Đăng", "year": 2024},
                "engine": "inprocess",
            }
            nb, error, _ = execute_notebook(spec, io.StringIO())
            os.write(write_fd, json.dumps({"nb": nb, "error": error}).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    chunks = []
    while chunk := os.read(read_fd, 1 << 16):
        chunks.append(chunk)
    os.close(read_fd)
    os.waitpid(pid, 0)
    payload = json.loads(b"".join(chunks))
    assert payload["error"] is None
    return nbformat.from_dict(payload["nb"])


@pytest.mark.slow
def test_engine_captures_outputs_like_a_kernel(executed):
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    types = {o.output_type for o in outputs}
    assert {"stream", "display_data", "execute_result"} <= types
    svg = [o for o in outputs if "image/svg+xml" in o.get("data", {})]
    assert svg and svg[0].data["image/svg+xml"].lstrip().startswith("<?xml")
    result = next(o for o in outputs if o.output_type == "execute_result")
    assert "text/html" in result.data and result.execution_count
    assert executed.metadata.papermill.parameters["area_name"] == "Bù Đăng"


@pytest.mark.slow
def test_html_is_self_contained_and_deterministic(executed):
    html = render.notebook_to_html(executed, "Báo cáo Bù Đăng", "vi", subtitle="Bù Đăng · 2024")
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="vi">' in html
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?https?:", html, re.I)
    assert "example.org" not in html  # markdown cells are the analyst's notes, not the report
    assert html.count("<svg") == 1 and "<!DOCTYPE svg" not in html
    assert "import matplotlib" not in html and "report_table(" not in html  # no code
    assert 'class="toc"' in html and "Hộ nghèo theo năm" in html
    assert 'href="#tổng-quan-bù-đăng-2024"' in html  # heading from a display(Markdown) output
    assert "Cuối kỳ – đã rà soát" in html
    again = render.notebook_to_html(executed, "Báo cáo Bù Đăng", "vi", subtitle="Bù Đăng · 2024")
    assert again == html
    english = render.notebook_to_html(executed, "Report", "en")
    assert '<html lang="en">' in english and ">Contents<" in english


def test_png_outputs_become_data_uris_and_scripts_are_removed():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "f"}),
        nbformat.v4.new_output(
            "display_data",
            data={"text/html": '<p onclick="x()">a<script>alert(1)</script><img src="https://t/x.png" alt="logo"></p>'},
        ),
        nbformat.v4.new_output("execute_result", data={"text/plain": "<Figure size 640x480 with 1 Axes>"}, execution_count=1),
    ]  # fmt: skip
    headings = nbformat.v4.new_code_cell("h")
    headings.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"text/html": "<h2>Mục một</h2><h2>Mục một</h2>"}
        )
    ]
    note = nbformat.v4.new_markdown_cell("## Analyst's question (notebook only)")
    nb.cells = [note, headings, cell]
    html = render.notebook_to_html(nb, "T", "vi")
    # Markdown cells are notes for the notebook reader: the report shows outputs only.
    assert "Analyst's question" not in html
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in html
    assert "<script" not in html and "onclick" not in html and "https://t/x.png" not in html
    assert "[logo]" in html and "Figure size" not in html
    assert 'id="mục-một"' in html and 'id="mục-một-2"' in html


@pytest.mark.slow
def test_pdf_is_a4_with_vietnamese_text_and_page_numbers(executed, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    html = render.notebook_to_html(executed, "Báo cáo Bù Đăng", "vi", subtitle="Bù Đăng · 2024")
    target = tmp_path / "r.pdf"
    data = render.html_to_pdf(html, target, "Bù Đăng · Năm 2024")
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

    english = render.html_to_pdf(render.notebook_to_html(executed, "Report", "en"), None, "x")
    first = pypdf.PdfReader(io.BytesIO(english)).pages[0].extract_text()
    assert "Page 1 of" in first


def test_tables_to_xlsx_neutralises_formulas():
    openpyxl = pytest.importorskip("openpyxl")
    tables = [
        render.ReportTable("Hộ nghèo: năm/2024", "Bảng 1", ["Năm", "=cột"], [[2024, "=1+1"], [2025, "+84 90"]]),
        render.ReportTable("Hộ nghèo: năm/2024", None, ["a"], [["@x"], ["-1"], [-1], ["bình thường"]]),
    ]  # fmt: skip
    data = render.tables_to_xlsx(tables, {"Khu vực": "Bù Đăng", "Công thức": "=HYPERLINK()"})
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
def test_report_tables_collected_from_notebook(executed):
    tables = render.notebook_tables(executed)
    assert [t.name for t in tables] == ["Hộ nghèo"]
    assert tables[0].columns == ["Năm", "Hộ nghèo", "Ghi chú"]
    assert tables[0].rows[1] == [2023, 1350, "=1+1"]
    assert tables[0].caption == "Hộ nghèo theo năm – Bù Đăng"


def test_engine_refuses_to_run_outside_a_report_child(monkeypatch):
    from analysis.build import engine

    monkeypatch.delenv(engine.CHILD_ENV, raising=False)
    monkeypatch.setattr(engine, "_SHELL", None)
    with pytest.raises(RuntimeError, match="forked report child"):
        engine.get_shell()
