"""The printed reports (PDF): page count, no page without body text, the first page holding
every verdict, chart text legible at print size. Builds Bù Đăng 2025 and 2024 and the province
overview 2025 (Vietnamese) from the bundled data, so it is slow.

The PDF is printed by Typst from the HTML page (`analysis.build.typst_pdf`, whose print rules
are ``templates/report.typ``); the first page is `analysis.report.first_page`.
"""

from __future__ import annotations

import io
import re

import pytest

from analysis.core.i18n import label, status_name
from analysis.report import context
from analysis.report.context import status_table

pytestmark = pytest.mark.slow

MM = 72 / 25.4  # points per millimetre
A4_WIDTH_MM = 210.0


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """{(slug, year): (html text, PDF bytes)} for the three reports."""
    from analysis.build import batch, runner

    mp = pytest.MonkeyPatch()
    mp.setenv("BPWB_REPORTS", str(tmp_path_factory.mktemp("reports")))
    out = {}
    try:
        for year, areas in ((2025, "Bù Đăng,province"), (2024, "Bù Đăng")):
            jobs = batch.plan_jobs(areas, lang="vi", year=year)
            result = runner.run_batch(jobs, year, "vi", formats=("html", "pdf"), progress=False)
            assert result.ok, result.summary()
            for r in result.results:
                html = (result.folder / f"{r.slug}.html").read_text(encoding="utf-8")
                out[(r.slug, year)] = (html, (result.folder / f"{r.slug}.pdf").read_bytes())
    finally:
        mp.undo()
    return out


def pages_text(pdf: bytes) -> list[str]:
    pypdf = pytest.importorskip("pypdf")
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def body_text(page: str) -> str:
    """A page's text without its running header (first line) and page number (``Trang i/n``)."""
    lines = [ln for ln in page.splitlines() if ln.strip()]
    return "\n".join(ln for ln in lines[1:] if not re.fullmatch(r"\s*Trang \d+/\d+\s*", ln))


def content_width_pt() -> float:
    """The printed text column: A4 less the left and right page margins."""
    from analysis.build.typst_pdf import MARGINS_MM

    _, right, _, left = MARGINS_MM
    return (A4_WIDTH_MM - left - right) * MM


@pytest.mark.parametrize(("slug", "year", "most"), [("bu-dang", 2025, 10), ("bu-dang", 2024, 10),
                                                     ("province", 2025, 14)])  # fmt: skip
def test_pages_are_few_and_none_is_empty(built, slug, year, most):
    pages = pages_text(built[(slug, year)][1])
    assert len(pages) <= most
    for i, page in enumerate(pages, 1):
        assert len(body_text(page)) > 300, f"page {i} holds almost nothing: {page[:200]!r}"


@pytest.mark.parametrize("year", [2025, 2024])
def test_first_page_holds_every_verdict_and_nothing_else(built, year):
    pages = pages_text(built[("bu-dang", year)][1])
    first = " ".join(pages[0].split())
    ctx = context.load("Bù Đăng", year, "vi")
    status = status_table(ctx, [ctx.area_code])
    for target_id, code in zip(status["target_id"], status["status"], strict=True):
        assert target_id in first
        assert status_name(code, "vi") in first
    contents = label("report.contents", "vi")
    assert contents not in first  # the contents start page 2: page 1 did not overflow
    assert contents in pages[1]


def test_province_first_page_is_the_matrix(built):
    pages = pages_text(built[("province", 2025)][1])
    first = " ".join(pages[0].split())
    ctx = context.load("province", 2025, "vi")
    for name in ctx.geography.districts["bare_name"]:
        assert name in first
    assert label("fp.matrix", "vi", year=2025) in first
    assert label("report.contents", "vi") in pages[1]


@pytest.mark.parametrize(
    ("slug", "year"), [("bu-dang", 2025), ("bu-dang", 2024), ("province", 2025)]
)
def test_chart_text_is_at_least_7_points_in_print(built, slug, year):
    html = built[(slug, year)][0]
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(svgs) >= 5
    column = content_width_pt()
    for svg in svgs:
        head = re.match(r"<svg\b[^>]*>", svg).group(0)
        width = float(re.search(r'width="([\d.]+)pt"', head).group(1))
        view = [float(v) for v in re.search(r'viewBox="([^"]+)"', head).group(1).split()]
        # printed at its own width unless wider than the column (max-width: 100%)
        scale = min(width, column) / view[2]
        sizes = [float(a or b) for a, b in re.findall(
            r"font-size:\s*([\d.]+)px|font:\s*(?:[a-z]+\s+)*([\d.]+)px", svg)]  # fmt: skip
        assert sizes and min(sizes) * scale >= 7.0, re.search(r"<title>(.*?)</title>", svg)


def test_charts_name_the_district(built):
    html = built[("bu-dang", 2025)][0]
    titles = re.findall(r"<svg\b.*?<title>(.*?)</title>", html, re.S)
    assert titles and any("Bù Đăng" in t for t in titles)
    assert not any("Địa bàn" in t for t in titles)
    legends = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert not any(">Địa bàn<" in s for s in legends)


@pytest.mark.parametrize(("slug", "year"), [("bu-dang", 2025), ("province", 2025)])
def test_pdf_holds_every_table_value_of_the_page(built, slug, year):
    # one document model: the PDF prints the HTML page's own text (nothing formatted twice)
    from analysis.build.typst_pdf import parse_page

    html, pdf = built[(slug, year)]
    # (words over 30 characters carry zero-width break opportunities in the PDF)
    flat = "".join("".join(pages_text(pdf)).replace("\u200b", "").split())
    doc, _ = parse_page(html)
    cells = ["".join("".join(td.itertext()).split()) for td in doc.iter("td")]
    assert len(cells) > 200
    missing = [c for c in cells if c not in flat]
    assert not missing, missing[:10]
    for h2 in doc.iter("h2"):
        assert "".join("".join(h2.itertext()).split()) in flat
