"""Tests of the HTML report page (analysis.build.html_report).

`executed_report` (the fixture report notebook executed once per test session) is shared with
the tests of the PDF, the xlsx tables and the engine.
"""

from __future__ import annotations

import functools
import io
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from analysis.build import html_report

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"

#: What the pages need: inline styles and data: images; nothing else, no <base>, no form.
POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)


class HeadParser(HTMLParser):
    """The tags of a page in order, and its Content-Security-Policy meta tags with positions."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.policies: list[tuple[int, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "content-security-policy":
            self.policies.append((len(self.tags), attrs.get("content")))
        self.tags.append(tag)


def page_policy(page: str) -> str:
    """The one CSP of a page, checked to come first in its head (it covers what follows it)."""
    parser = HeadParser()
    parser.feed(page)
    ((position, policy),) = parser.policies
    assert parser.tags[: position + 1] == ["html", "head", "meta", "meta"]  # charset, then CSP
    assert position < parser.tags.index("style") < parser.tags.index("body")
    return policy


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
    assert page_policy(html) == POLICY
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


def test_page_carries_a_policy_that_allows_only_what_it_uses():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<style>path {stroke: red}</style><defs><path id="p" d="M0 0L1 1"/></defs>'
        '<use xlink:href="#p" style="fill: blue"/>'
        '<image xlink:href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/></svg>'
    )
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"image/svg+xml": svg}),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="}),
    ]
    nb.cells = [cell]
    page = html_report.notebook_to_html(nb, "T", "en")
    assert html_report.CONTENT_SECURITY_POLICY == POLICY
    assert page_policy(page) == POLICY
    # every resource of the page is inline or a data: URL (what img-src and style-src allow)
    assert re.findall(r"""\bsrc\s*=\s*["']([a-z]+):""", page) == ["data"]
    refs = re.findall(r"""\bhref\s*=\s*["']([^"']*)""", page)
    assert refs and all(r.startswith(("#", "data:image/")) for r in refs), refs
    assert "<script" not in page and "@import" not in page and "@font-face" not in page


def test_names_in_titles_do_not_break():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# x")]
    page = html_report.notebook_to_html(nb, "Báo cáo giảm nghèo bền vững: Bù Đăng (huyện cũ)")
    assert "<title>Báo cáo giảm nghèo bền vững: Bù\u00a0Đăng (huyện cũ)</title>" in page
    keep = html_report.keep_names_together
    assert keep("Sustainable poverty reduction report: Bình Phước") == (
        "Sustainable poverty reduction report: Bình\u00a0Phước"
    )
    assert keep("tỉnh Bình Phước (nay thuộc tỉnh Đồng Nai)") == (
        "tỉnh Bình\u00a0Phước (nay thuộc tỉnh Đồng\u00a0Nai)"
    )
    assert keep("Bù Đăng · Năm 2024") == "Bù\u00a0Đăng · Năm 2024"  # "·" is not a word


def test_contents_follow_the_first_page():
    nb = nbformat.v4.new_notebook()
    first = '<section class="first-page"><p>Tóm tắt</p></section>'
    nb.cells = [
        nbformat.v4.new_code_cell(
            "x",
            outputs=[
                nbformat.v4.new_output("display_data", data={"text/html": first}),
                nbformat.v4.new_output("display_data", data={"text/html": "<h2>Mục một</h2>"}),
            ],
        )
    ]
    page = html_report.notebook_to_html(nb, "Báo cáo")
    assert page.count('<nav class="toc"') == 1
    assert page.index("</section>") < page.index('<nav class="toc"') < page.index("Mục một")
    nb.cells[0].outputs.pop(0)  # without a first page the contents come before the body
    page = html_report.notebook_to_html(nb, "Báo cáo")
    assert page.index('<nav class="toc"') < page.index('<main class="report-body">')
