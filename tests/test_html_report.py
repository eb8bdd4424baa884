"""Tests of the HTML report page (analysis.build.html_report).

`executed_report` (the fixture report notebook executed once per test session) is shared with
the tests of the PDF, the xlsx tables and the engine.
"""

from __future__ import annotations

import functools
import io
import os
import re
from pathlib import Path

import nbformat
import pytest

from analysis.build import html_report

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"


@functools.cache
def executed_report() -> nbformat.NotebookNode:
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


@pytest.fixture(scope="module")
def executed():
    """The executed fixture report notebook (see `executed_report`)."""
    return executed_report()


@pytest.mark.slow
def test_html_is_self_contained_and_deterministic(executed):
    html = html_report.notebook_to_html(
        executed, "Báo cáo Bù Đăng", "vi", subtitle="Bù Đăng · 2024"
    )
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
    again = html_report.notebook_to_html(
        executed, "Báo cáo Bù Đăng", "vi", subtitle="Bù Đăng · 2024"
    )
    assert again == html
    english = html_report.notebook_to_html(executed, "Report", "en")
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
    html = html_report.notebook_to_html(nb, "T", "vi")
    # Markdown cells are notes for the notebook reader: the report shows outputs only.
    assert "Analyst's question" not in html
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in html
    assert "<script" not in html and "onclick" not in html and "https://t/x.png" not in html
    assert "[logo]" in html and "Figure size" not in html
    assert 'id="mục-một"' in html and 'id="mục-một-2"' in html
