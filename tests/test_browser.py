"""Report pages in a real browser: headless Chromium driven by tests/browser/check.mjs
(Playwright + axe-core). See tests/browser/README.md for the setup.

Checked for each page: no console error, no network request, no serious or critical axe-core
violation (charts have text alternatives, tables have headers...), ``<html lang>`` vi or en, and
on a phone (390 CSS px wide, scripts off): no horizontal scrolling of the page
(``document.documentElement.scrollWidth <= 390``), charts as wide as their figure in the ratio
of their viewBox, no network request. Skipped, with the reason, when Chromium, Node.js or
tests/browser/node_modules is missing; tests/test_phone_layout.py checks the phone layout
without a browser (WeasyPrint), as a proxy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis.build import batch, runner

BROWSER_DIR = Path(__file__).parent / "browser"
PHONE_WIDTH = 390  # CSS px, the phone viewport of check.mjs
REPORT_CSS = Path(__file__).parents[1] / "src" / "analysis" / "build" / "templates" / "report.css"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set CHROMIUM)"
    if shutil.which("node") is None:
        return "Node.js is not installed"
    for package in ("playwright-core", "axe-core"):
        if not (BROWSER_DIR / "node_modules" / package).is_dir():
            return f"tests/browser/node_modules/{package} is missing (cd tests/browser && npm ci)"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


def check(*pages: Path) -> list[dict]:
    """Run check.mjs on pages; one result per page."""
    env = dict(os.environ, CHROMIUM=CHROMIUM, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1")
    proc = subprocess.run(
        ["node", str(BROWSER_DIR / "check.mjs"), *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=BROWSER_DIR,
    )
    assert proc.returncode in (0, 1), proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(results) == len(pages), proc.stdout + proc.stderr
    return results


def _explain(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False, indent=1)


def test_checker_finds_problems(tmp_path):
    """The checker itself: a page with every kind of problem fails on each of them."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><title>x</title></head><body>"
        "<img src='https://example.org/x.png'>"
        "<div role='img'><svg width='10' height='10'></svg></div>"
        "<div style='width: 600px'>wide</div>"
        "<figure class='chart'><svg width='500' height='100' viewBox='0 0 500 100'></svg></figure>"
        "<script>console.error('boom')</script></body></html>",
        encoding="utf-8",
    )
    (result,) = check(bad)
    assert not result["ok"]
    assert any("boom" in e for e in result["consoleErrors"])
    assert result["requests"] == ["https://example.org/x.png"]
    ids = {v["id"] for v in result["violations"]}
    assert {"image-alt", "html-has-lang"} <= ids, ids
    assert result["lang"] is None
    phone = result["phone"]
    assert not phone["ok"]
    assert phone["scrollWidth"] > PHONE_WIDTH
    assert any(w.startswith("div ") for w in phone["wide"]), phone["wide"]
    assert [c["fits"] for c in phone["charts"]] == [False]
    assert phone["requests"] == ["https://example.org/x.png"]


def test_checker_passes_a_phone_friendly_page(tmp_path):
    """The report style at 390 px: a table wider than the screen scrolls inside its figure, a
    chart drawn 600 px wide shrinks to the column in the ratio of its viewBox."""
    cells = "".join(f"<th>Column heading {i}</th>" for i in range(12))
    numbers = "".join(f"<td>{1000 + i}</td>" for i in range(12))
    good = tmp_path / "good.html"
    good.write_text(
        "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>x</title><style>{REPORT_CSS.read_text(encoding='utf-8')}</style></head><body>"
        "<main><h1>Tiêu đề</h1>"
        "<figure class='report-table-figure' role='region' tabindex='0' aria-label='Bảng'>"
        "<figcaption>Bảng</figcaption>"
        f"<table><thead><tr>{cells}</tr></thead><tbody><tr>{numbers}</tr></tbody></table></figure>"
        "<figure class='chart'><div role='img' aria-label='Biểu đồ'>"
        "<svg width='450pt' height='150pt' viewBox='0 0 450 150' xmlns='http://www.w3.org/2000/svg'>"
        "<text x='10' y='20' style='font-size: 7px'>2024</text></svg></div></figure>"
        "</main></body></html>",
        encoding="utf-8",
    )
    (result,) = check(good)
    assert result["ok"], _explain(result)
    phone = result["phone"]
    assert phone["scrollWidth"] <= PHONE_WIDTH and phone["wide"] == []
    (chart,) = phone["charts"]
    assert chart["width"] < PHONE_WIDTH
    assert chart["height"] == pytest.approx(chart["width"] / 3, rel=0.01)
    # 7 units of a 450-unit-wide viewBox drawn chart["width"] px wide
    assert phone["chartTextPx"] == pytest.approx(7 * chart["width"] / 450, abs=0.01)


@pytest.mark.slow
def test_report_pages_in_chromium(tmp_path, monkeypatch):
    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "reports"))
    year = batch.resolve_year("latest")
    pages = []
    for lang in ("vi", "en"):
        areas = "Bù Đăng" if lang == "vi" else "province"  # both report notebooks
        jobs = batch.plan_jobs(areas, lang=lang)
        result = runner.run_batch(jobs, year, lang, formats=("html",), progress=False)
        assert result.ok, result.summary()
        pages += [result.folder / f"{r.slug}.html" for r in result.results]
        pages.append(result.index_path)
    results = check(*pages)
    for page, result in zip(pages, results, strict=True):
        assert result["ok"], _explain(result)
        assert result["lang"] == page.parent.name
        assert result["phone"]["scrollWidth"] <= PHONE_WIDTH, _explain(result)
