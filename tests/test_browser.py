"""Report pages in a real browser: headless Chromium driven by tests/browser/check.mjs
(Playwright + axe-core). See tests/browser/README.md for the setup.

Checked for each page: no console error, no network request, no serious or critical axe-core
violation (charts have text alternatives, tables have headers...), ``<html lang>`` vi or en.
Skipped, with the reason, when Chromium, Node.js or tests/browser/node_modules is missing.
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
