"""Report pages at phone width without a browser: the screen rules of ``templates/report.css``
laid out by WeasyPrint on a page 390 px wide, a proxy for the Chromium check of
tests/test_browser.py (which needs a browser this machine may not have).

WeasyPrint lays out ``media_type="screen"`` rules like a browser for what these pages use
(blocks, tables, flex, ``clamp()``/``vw``, ``overflow``); it knows ``overflow`` but not
``overflow-x``, which the style sheet avoids for the boxes that must scroll. A box reaching
past the screen edge counts unless an ancestor clips it (``overflow`` not ``visible``: in a
browser, that ancestor scrolls), the same rule as ``document.documentElement.scrollWidth <=
390`` in Chromium. Charts must take the width of their column in the ratio of their viewBox.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass

import nbformat
import pytest

from analysis.build import html_report

PHONE = 390  # CSS px
SMALL_PHONE = 320
REM = 15  # px: html { font-size: 15px }
CHART_MAX = 48 * REM  # figure.chart svg { max-width: 48rem }
SVG_NS = "{http://www.w3.org/2000/svg}"


def gutter(width: float) -> float:
    """Side padding of the page body on a screen: clamp(0.75rem, 3vw, 1.25rem)."""
    return min(max(0.75 * REM, 0.03 * width), 1.25 * REM)


@dataclass
class Box:
    """One laid-out box: its element, border-box edges and whether an ancestor clips it."""

    tag: str
    cls: str
    ident: str
    left: float
    right: float
    top: float
    width: float
    height: float
    overflow: str
    clipped: bool
    attrs: dict

    def describe(self) -> str:
        """Element and horizontal extent, for assertion messages."""
        return f"{self.tag}#{self.ident}.{self.cls} {self.left:.1f}..{self.right:.1f}"


def layout(page: str, width: int, media: str = "screen") -> list[Box]:
    """Lay out a page on a sheet ``width`` px wide (one tall page) and list its boxes."""
    weasyprint = pytest.importorskip("weasyprint")
    sheet = weasyprint.CSS(string=f"@page {{ size: {width}px 60000px; margin: 0 }}")
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)  # screen rules WeasyPrint does not know (sticky...): expected
    try:
        document = weasyprint.HTML(string=page, media_type=media).render(stylesheets=[sheet])
    finally:
        logger.setLevel(level)
    boxes: list[Box] = []

    def walk(box, clipped: bool) -> None:
        element = getattr(box, "element", None)
        if element is not None and hasattr(box, "border_width"):
            left = box.border_box_x()
            tag = element.tag.removeprefix(SVG_NS)
            boxes.append(
                Box(
                    tag=tag,
                    cls=element.get("class") or "",
                    ident=element.get("id") or "",
                    left=left,
                    right=left + box.border_width(),
                    top=box.border_box_y(),
                    width=box.width,
                    height=box.height,
                    overflow=box.style["overflow"],
                    clipped=clipped,
                    attrs=dict(element.attrib),
                )
            )
        inner = clipped or (
            hasattr(box, "style")
            and box.style["overflow"] != "visible"
            and box.element_tag != "html"
        )
        for child in getattr(box, "children", ()):
            walk(child, inner)

    for sheet_page in document.pages:
        # WeasyPrint has no public box tree: its Page keeps the laid-out page box here
        walk(sheet_page._page_box, False)
    return boxes


def sticking_out(boxes: list[Box], width: float) -> list[str]:
    """The boxes that reach past either edge of the screen and are not inside a scrolling box."""
    return [
        b.describe()
        for b in boxes
        if not b.clipped and b.right - b.left > 0 and (b.right > width + 0.5 or b.left < -0.5)
    ]


def charts(boxes: list[Box]) -> list[Box]:
    """The chart SVGs of a page (inline ``<svg>`` elements)."""
    return [b for b in boxes if b.tag == "svg"]


def view_box_ratio(box: Box) -> float:
    """Height over width of an SVG's viewBox."""
    _, _, w, h = (float(v) for v in re.split(r"[\s,]+", box.attrs["viewBox"].strip()))
    return h / w


def check_phone(page: str, width: int = PHONE) -> list[Box]:
    """Assert that a page fits a phone screen: nothing sticks out, charts fill the column."""
    boxes = layout(page, width)
    assert sticking_out(boxes, width) == []
    column = width - 2 * gutter(width)
    for chart in charts(boxes):
        assert chart.width == pytest.approx(min(column, CHART_MAX), abs=0.5)
        assert chart.height == pytest.approx(chart.width * view_box_ratio(chart), rel=0.005)
    return boxes


# -- a page made of the report's own pieces --------------------------------------------------------
def displayed(monkeypatch, show) -> list[dict]:
    """The output bundles that ``show()`` displays through IPython."""
    bundles: list[dict] = []

    def fake_display(obj, raw=False):
        bundles.append(obj if raw else {"text/html": obj.data})

    monkeypatch.setattr("IPython.display.display", fake_display)
    show()
    return bundles


def chart_figure():
    """A chart-sized matplotlib figure (16 cm wide, like the package's) with small text."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(16 / 2.54, 7 / 2.54))
    ax = fig.add_subplot()
    ax.plot([2016, 2020, 2024], [2777, 761, 416])
    ax.set_title("Hộ nghèo", fontsize=7)
    fig.alt_text = "Biểu đồ đường"
    return fig


def cards_html() -> str:
    """A headline box of five cards, as analysis.report.sections.headline writes it."""
    cards = [
        ("Số hộ nghèo", "416", "1,04%"),
        ("Số hộ cận nghèo", "298", "0,75%"),
        ("Hộ nghèo dân tộc thiểu số", "277", "2,83%"),
        ("Thay đổi so với năm trước", "-187", "-0,48 điểm %"),
        ("Chỉ tiêu giảm hộ nghèo năm nay", "433", "Đã thực hiện 43%"),
    ]
    items = "".join(
        f'<div class="card"><div class="card-label">{html.escape(k)}</div>'
        f'<div class="card-value">{v}</div><div class="card-sub">{s}</div></div>'
        for k, v, s in cards
    )
    return f'<div class="headline">{items}</div>'


@pytest.fixture(scope="module")
def page():
    """A report page with a wide table, a chart, headline cards and a long unbroken word."""
    import pandas as pd

    from analysis.report import display
    from analysis.report.tables import report_table

    wide = pd.DataFrame(
        {f"Tốc độ cần đạt mỗi năm {i}": [1_234_567 + i, 2_345 - i] for i in range(9)}
    )
    with pytest.MonkeyPatch.context() as mp:
        outputs = displayed(mp, lambda: display.show_html(cards_html()))
        outputs += displayed(mp, lambda: report_table(wide, "wide", "Bảng rộng"))
        outputs += displayed(mp, lambda: display.figure(chart_figure()))
        outputs += displayed(mp, lambda: display.paragraphs(["x" * 80 + ".csv"]))
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data=b) for b in outputs]
    nb = nbformat.v4.new_notebook()
    nb.cells = [cell]
    return html_report.notebook_to_html(nb, "Báo cáo giảm nghèo bền vững: Bù Đăng", "vi")


def test_proxy_sees_what_sticks_out():
    """The proxy itself: a wide table sticks out of the page, unless it scrolls in its figure."""
    css = html_report.template_text("report.css")
    row = "".join(f"<td>{'9' * 12}</td>" for _ in range(8))
    table = f"<table id='T_x'><tr>{row}</tr></table>"
    bare = f"<html><head><style>{css}</style></head><body>{table}</body></html>"
    assert any(s.startswith("table#T_x") for s in sticking_out(layout(bare, PHONE), PHONE))
    held = bare.replace(table, f"<figure class='report-table-figure'>{table}</figure>")
    boxes = layout(held, PHONE)
    assert sticking_out(boxes, PHONE) == []
    (figure,) = [b for b in boxes if b.cls == "report-table-figure"]
    assert figure.overflow == "auto"
    assert figure.right == pytest.approx(PHONE - gutter(PHONE))
    assert any(b.ident == "T_x" and b.clipped and b.right > PHONE for b in boxes)


@pytest.mark.parametrize("width", [PHONE, SMALL_PHONE])
def test_report_page_fits_a_phone(page, width):
    boxes = check_phone(page, width)
    (chart,) = charts(boxes)
    # 390 px: 3vw of side padding (11.7 px); 320 px: the 0.75rem floor
    assert chart.width == pytest.approx(width - 2 * max(0.03 * width, 11.25), abs=0.5)
    (table,) = [b for b in boxes if b.cls == "report-table-figure"]
    assert table.overflow == "auto" and table.right <= width


def test_headline_cards_wrap_on_a_phone(page):
    cards = [b for b in layout(page, PHONE) if b.cls == "card"]
    assert len(cards) == 5
    rows = sorted({round(c.top) for c in cards})
    assert len(rows) == 3  # two, two and one: 9rem cards, two to a 366 px column
    assert all(c.left >= 0 and c.right <= PHONE - gutter(PHONE) + 0.5 for c in cards)


def test_wide_screen_draws_charts_larger_but_capped(page):
    boxes = check_phone(page, 1280)
    (chart,) = charts(boxes)
    assert chart.width == pytest.approx(CHART_MAX)
    assert sticking_out(boxes, 1280) == []


def test_print_keeps_the_paper_rules(page):
    """Screen rules stay off paper: tables are not clipped, charts keep their drawn size."""
    boxes = layout(page, 794, media="print")  # A4 width at 96 px per inch
    (figure,) = [b for b in boxes if b.cls == "report-table-figure"]
    assert figure.overflow == "visible"
    (chart,) = charts(boxes)
    assert chart.width == pytest.approx(16 / 2.54 * 96, abs=0.5)  # 16 cm


# -- the reports themselves -------------------------------------------------------------------------
@pytest.mark.slow
def test_built_reports_fit_a_phone(tmp_path, monkeypatch):
    """A district report (vi), the province overview (en) and both index pages at 390 px."""
    from analysis.build import batch, runner

    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "reports"))
    year = batch.resolve_year("latest")
    pages = []
    for lang, areas in (("vi", "Bù Đăng"), ("en", "province")):
        jobs = batch.plan_jobs(areas, lang=lang)
        result = runner.run_batch(jobs, year, lang, formats=("html",), progress=False)
        assert result.ok, result.summary()
        pages += [result.folder / f"{r.slug}.html" for r in result.results]
        pages.append(result.index_path)
    for path in pages:
        text = path.read_text(encoding="utf-8")
        boxes = check_phone(text)
        svgs = charts(boxes)
        assert len(svgs) == text.count('<figure class="chart">'), path.name
        tables = [b for b in boxes if b.cls == "report-table-figure"]
        assert all(t.overflow == "auto" for t in tables), path.name


@pytest.mark.parametrize("width", [PHONE, SMALL_PHONE])
def test_index_dashboard_fits_a_phone(width):
    """The index page's dashboard (eight columns, long data file names) scrolls in its own box."""
    from analysis.build import index

    facts = {
        "poor": 12345.0, "rate": 1.0349, "prev_year": 2023, "comparable": True,
        "change_households": -903.0, "change_points": -0.456, "em_poor": 10.0, "em_rate": 3.5,
        "worst_status": "unattainable", "worst_targets": ["T1", "T2", "T1-2022", "T3"],
        "data": {"name": "bao-cao-ra-soat-ho-ngheo-cuoi-nam-2024-huyen-bu-dang.xlsx",
                 "date": "2025-01-15", "sha256": "0123456789abcdef", "synthetic": False},
    }  # fmt: skip
    reports = {
        f"d{i}": {"area": str(i), "area_name": "Bù Gia Mập (huyện cũ)", "status": "ok",
                  "files": {"html": "x.html", "pdf": "x.pdf", "xlsx": "x.xlsx", "log": "x.log",
                            "ipynb": "x.ipynb"},
                  "timings": {"total": 4.5}, "finished_at": "2025-01-01T00:00:00+00:00",
                  "facts": facts}
        for i in range(3)
    }  # fmt: skip
    manifest = {"schema": 1, "year": 2024, "lang": "vi", "reports": reports,
                "last_batch": {"finished_at": "2025-01-01T00:00:01+00:00", "notice": "Mô phỏng",
                               "built": 3, "unchanged": 0, "failed": [], "wall_seconds": 9.0,
                               "executor": "local", "workers": 2, "engine": "inprocess"}}  # fmt: skip
    boxes = check_phone(index.render_index(manifest), width)
    tables = [b for b in boxes if b.cls == "report-table-figure"]
    assert len(tables) == 2 and all(t.overflow == "auto" and t.right <= width for t in tables)
    assert any(b.tag == "table" and "dashboard" in b.cls and b.clipped and b.right > width
               for b in boxes)  # fmt: skip  # wider than the phone: it scrolls in its figure
