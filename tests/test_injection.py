"""Injection: text from data is escaped in HTML, parameters cannot escape reports/, spreadsheet
cells cannot become formulas, and reports make no network requests.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from openpyxl import load_workbook

from analysis.build import batch, html_report, index, jobs, runner, xlsx_report
from analysis.core.errors import WorkbookError
from analysis.report import context as report
from analysis.report import display, tables
from analysis.report.tables import ReportTable

EVIL = [
    "<script>alert(1)</script>",
    '" onmouseover="alert(2)',
    "' onfocus='alert(3)' autofocus x='",
    "<img src=x onerror=alert(4)>",
    "</td></tr></table><iframe src=https://evil.example/></iframe>",
    "javascript:alert(5)",
]
NOTEBOOKS = Path(__file__).parent / "fixtures" / "notebooks"


class _Markup(HTMLParser):
    """Every element and attribute of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


_URL_ATTRS = {"src", "href", "xlink:href", "srcset", "action", "formaction", "poster", "data"}
_EXTERNAL = re.compile(r"^\s*(https?:|ftp:|//|javascript:)", re.I)


def assert_inert(page: str, *expected_text: str) -> _Markup:
    """No script, no event handler, no external or javascript: URL; the texts appear as text."""
    markup = _Markup()
    markup.feed(page)
    markup.close()
    for tag, attrs in markup.tags:
        assert tag not in ("script", "iframe", "object", "embed", "base", "link"), (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in _URL_ATTRS and value:
                assert not _EXTERNAL.match(value), (tag, name, value)
            if name == "style" and value:
                assert not re.search(r"url\(\s*['\"]?\s*(https?:|//)", value, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?\s*(https?:|//)", page, re.I)
    text = "".join(markup.text)
    for t in expected_text:
        assert t in text, t
    return markup


# -- HTML --------------------------------------------------------------------------------------------
@pytest.fixture()
def displayed(monkeypatch):
    """What report helpers display (HTML and raw bundles), without a notebook."""
    import IPython.display

    shown: list = []

    def display(*objs, raw=False, **kw):
        for obj in objs:
            shown.append(obj if raw else getattr(obj, "data", obj))

    monkeypatch.setattr(IPython.display, "display", display)
    return shown


def _html_of(shown) -> str:
    return "".join(s["text/html"] if isinstance(s, dict) else str(s) for s in shown)


def test_report_table_escapes_cells_headers_index_and_caption(displayed):
    df = pd.DataFrame({EVIL[0]: EVIL[:3], "n": [1, 2, 3]}, index=EVIL[3:6])
    tables.report_table(df, EVIL[1], caption=EVIL[4])
    assert_inert(_html_of(displayed), *EVIL)
    # a Styler is the caller's markup (it escapes with .format(escape="html")); whatever it
    # holds, the report page built from it is inert
    tables.report_table(df.style, "styled", caption=EVIL[0])
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data=displayed[-1])]
    nb.cells = [cell]
    assert_inert(html_report.notebook_to_html(nb, "t", "vi"))


def test_report_helpers_escape(displayed):
    class Ctx:
        lang = "vi"

        class data:  # noqa: N801 - stands in for DataBundle
            synthetic = True

    df = pd.DataFrame({"area": EVIL, "end": range(len(EVIL))}, index=EVIL)
    display.table(Ctx(), df, "t", "report.section.data_notes", {"end": "count"})
    display.paragraphs(EVIL)
    display.note(Ctx(), EVIL[1])

    class Fig:
        alt_text = EVIL[1] + EVIL[0]

    from analysis import charts

    original = charts.figure_to_svg
    charts.figure_to_svg = lambda fig: '<?xml version="1.0"?><svg><title>t</title></svg>'
    try:
        display.figure(Fig())
    finally:
        charts.figure_to_svg = original
    assert_inert(_html_of(displayed), *EVIL)


def test_notebook_outputs_are_sanitised():
    """Whatever HTML a notebook output holds, the report page has no active content."""
    nb = nbformat.v4.new_notebook()
    hostile = [
        "<script>alert(1)</script><p>kept</p>",
        '<img src="x" onerror="alert(1)"><a href="javascript:alert(1)">j</a>',
        '<a href="https://evil.example/x">link</a><img src="https://evil.example/p.png" alt="p">',
        '<img src="//evil.example/p.png" alt="q"><a href="//evil.example/">proto</a>',
        '<div style="background:url(//evil.example/b.png)">bg</div>',
        '<style>@import url("https://evil.example/s.css"); p{background:url(https://e.x/y)}</style>',
        '<svg><image href="https://evil.example/i.png"/><use xlink:href="//e.x/#a"/></svg>',
        '<iframe src="https://evil.example/"></iframe><object data="https://e.x/o"></object>',
        '<link rel="stylesheet" href="https://evil.example/s.css"><meta http-equiv="refresh" '
        'content="0;url=https://evil.example/"><base href="https://evil.example/">',
        '<form action="https://evil.example/"><button formaction="https://e.x/">b</button></form>',
        '<video poster="https://e.x/p.png" src="https://e.x/v.mp4"></video>'
        '<img srcset="https://e.x/a.png 2x" alt="s">',
        "<svg onload=alert(1)><a href='javascript:alert(2)'>s</a></svg>",
    ]
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": h, "text/plain": "x"})
        for h in hostile
    ]
    cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=EVIL[0]))
    cell.outputs.append(
        nbformat.v4.new_output(
            "display_data", data={"text/markdown": f"## {EVIL[0]}\n\n[x](https://e.x/)"}
        )
    )
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {EVIL[0]}"), cell]
    page = html_report.notebook_to_html(nb, EVIL[0] + EVIL[1], "vi", subtitle=EVIL[2])
    assert_inert(page, EVIL[0] + EVIL[1], EVIL[2], "kept")
    assert "https://evil.example/x" in page  # an external link is shown as text, not followed
    assert '<html lang="vi">' in page


def test_index_page_escapes_names_and_errors():
    manifest = {
        "lang": "en",
        "year": 2024,
        "reports": {
            "a": {
                "area": EVIL[0],
                "area_name": EVIL[1],
                "status": "failed",
                "error": EVIL[3],
                "files": {"log": "a.log"},
                "timings": {},
            },  # fmt: skip
            "b": {
                "area": "1",
                "area_name": EVIL[4],
                "status": "ok",
                "error": None,
                "files": {"html": "b.html"},
                "timings": {"total": 1.0},
            },  # fmt: skip
        },
        "last_batch": {"finished_at": EVIL[2]},
    }
    assert_inert(index.render_index(manifest), EVIL[1], EVIL[3], EVIL[4], EVIL[2])


# -- parameters cannot escape reports/ -----------------------------------------------------------------
BAD_SLUGS = ["../x", "/etc/passwd", "a/b", "..", ".hidden", "x\x00y", "bù-đăng", "abc\n", "a b",
             "x" * 101, "index", "", "a\\b", "~root"]  # fmt: skip


@pytest.mark.parametrize("slug", BAD_SLUGS, ids=repr)
def test_bad_slugs_refused_before_anything_runs(slug, tmp_path, monkeypatch):
    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "reports"))
    job = ("696", NOTEBOOKS / "report.ipynb", {"area": "696"}, slug)
    with pytest.raises(runner.ParameterError, match="slug"):
        jobs.prepare_jobs([job], 2024, "vi")
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize(
    "year, lang", [(2024, "../vi"), (2024, "/tmp"), (2024, "vi/../../x"), ("../2024", "vi")]
)
def test_year_and_lang_cannot_make_paths(year, lang, tmp_path, monkeypatch):
    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "reports"))
    job = ("696", NOTEBOOKS / "report.ipynb", {"area": "696"}, "bu-dang")
    with pytest.raises(ValueError):
        runner.run_batch([job], year, lang, progress=False)
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize(
    "areas", ["../../etc/passwd", "/etc", "Bù Đăng/..", "<script>alert(1)</script>", "province/.."]
)
def test_area_names_resolve_or_are_refused(areas):
    with pytest.raises(WorkbookError):
        batch.plan_jobs(areas)


def test_planned_slugs_are_plain_names():
    for job in batch.plan_jobs("all"):
        assert jobs._SLUG_RE.match(job.slug) and "/" not in job.slug and ".." not in job.slug


# -- spreadsheets -----------------------------------------------------------------------------------
FORMULAS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "=HYPERLINK(\"https://e.x\",\"x\")", "\t=1",
            "\r=1", "=cmd|' /C calc'!A0"]  # fmt: skip


def test_xlsx_cells_never_become_formulas():
    tables = [
        ReportTable(
            name=FORMULAS[0],
            caption=FORMULAS[4],
            columns=[FORMULAS[1], "n"],
            rows=[[f, -5] for f in FORMULAS] + [[EVIL[0], 1.5]],
        )
    ]
    about = {FORMULAS[2]: FORMULAS[3], "Tham số": '{"data_source": "=1+1"}'}
    data = xlsx_report.tables_to_xlsx(tables, about, lang="vi")
    wb = load_workbook(io.BytesIO(data))
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    texts.append(c.value)
                    assert not c.value.startswith(("=", "+", "-", "@", "\t", "\r")), c.value
    for f in FORMULAS:  # (XML reads a carriage return back as a line feed)
        assert "'" + f.replace("\r", "\n") in texts, f
    numbers = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert -5 in numbers and 1.5 in numbers  # real numbers stay numbers
    assert EVIL[0] in texts


def test_notebook_tables_survive_round_trip_neutralised(displayed):
    df = pd.DataFrame({"x": FORMULAS})
    tables.report_table(df, "t")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data=displayed[0])]
    nb.cells = [cell]
    data = xlsx_report.tables_to_xlsx(xlsx_report.notebook_tables(nb))
    ws = load_workbook(io.BytesIO(data)).worksheets[1]
    assert [c.value for c in ws["A"]][1:] == ["'" + f.replace("\r", "\n") for f in FORMULAS]


# -- no network -------------------------------------------------------------------------------------
NO_NETWORK = """
import socket

def _refuse(*args, **kwargs):
    with open(__import__("os").environ["BPWB_NET_LOG"], "a") as fh:
        fh.write(repr(args[1:] if args else kwargs) + "\\n")
    raise OSError("network access refused by the test")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""


@pytest.mark.slow
def test_report_runs_without_network_and_escapes_data_file_name(tmp_path, monkeypatch):
    """A real district report, its data file named like an attack, every socket refused."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(NO_NETWORK, encoding="utf-8")
    net_log = tmp_path / "net.log"
    monkeypatch.setenv("BPWB_NET_LOG", str(net_log))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")]))
    )
    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "reports"))
    evil_name = '<img src=x onerror=alert(1)>" onmouseover="alert(2)<script>alert(3)<.script>.csv'
    data = tmp_path / evil_name
    shutil.copy(Path(report.paths.default_summary()), data)

    jobs = batch.plan_jobs("Bù Đăng", data_source=str(data), lang="vi")
    runner.shutdown_workers()  # a fresh warm process loads the hook
    try:
        result = runner.run_batch(
            jobs, 2024, "vi", formats=("html", "xlsx"), progress=False, keep_warm=False
        )
    finally:
        runner.shutdown_workers()
    assert result.ok, result.summary()
    assert not net_log.exists(), net_log.read_text()
    page = (result.folder / "bu-dang.html").read_text(encoding="utf-8")
    assert_inert(page, evil_name)  # the name is shown, as text
    for url in re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", page):
        assert url.startswith(("#", "data:")), url
    wb = load_workbook(result.folder / "bu-dang.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f"


def test_hook_blocks_sockets(tmp_path):
    """The no-network hook itself works (so that the slow test proves something)."""
    import subprocess
    import sys

    (tmp_path / "sitecustomize.py").write_text(NO_NETWORK, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(tmp_path), BPWB_NET_LOG=str(tmp_path / "log"))
    code = (
        "import socket\ntry:\n socket.create_connection(('example.org', 80))\n"
        "except OSError as e:\n print(e)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert "refused by the test" in out.stdout
    assert (tmp_path / "log").exists()
    assert socket.socket.connect is not None
