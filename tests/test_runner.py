"""Tests of the batch runner (analysis.build.runner): whole batches of the fixture notebooks."""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest

from analysis.build import runner
from analysis.build.config import RunConfig

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
REPORT_NB = FIXTURES / "report.ipynb"
RAISES_NB = FIXTURES / "raises.ipynb"
YEAR, LANG = 2024, "vi"


@pytest.fixture()
def reports(tmp_path, monkeypatch):
    """A temporary reports folder (BPWB_REPORTS) and a tiny data folder for the cache key."""
    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "reports"))
    data = tmp_path / "data.csv"
    data.write_text("area,poor\n696,1200\n", encoding="utf-8")
    return tmp_path / "reports", data


def _job(area: str, name: str, slug: str, **params):
    return (area, REPORT_NB, {"area": area, "area_name": name, **params}, slug)


def _folder(root: Path) -> Path:
    return root / str(YEAR) / LANG


def _run(jobs, data, **kw):
    kw.setdefault("progress", False)
    return runner.run_batch(jobs, YEAR, LANG, data_files=[data], **kw)


def test_run_batch_refuses_a_language_outside_the_run(reports):
    _, data = reports
    config = RunConfig(year=YEAR, languages=("en",), data_files=(data,), progress=False)
    with pytest.raises(ValueError, match="not one of the run's languages"):
        runner.run_reports(config, [_job("696", "Bù Đăng", "bu-dang")], "vi")


@pytest.mark.slow
def test_batch_writes_all_files_index_and_skips_unchanged(reports):
    root, data = reports
    jobs = [_job("696", "Bù Đăng", "bu-dang"), _job("689", "Đồng Xoài", "dong-xoai")]
    first = _run(jobs, data)
    assert first.ok and first.exit_code == 0
    folder = _folder(root)
    for slug in ("bu-dang", "dong-xoai"):
        for ext in ("ipynb", "html", "pdf", "xlsx", "log"):
            assert (folder / f"{slug}.{ext}").stat().st_size > 0, (slug, ext)
    names = sorted(p.name for p in folder.iterdir())
    assert not [n for n in names if n.startswith(".")], names  # no temp files, no lock left
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert 'href="bu-dang.html"' in index and 'href="dong-xoai.pdf"' in index
    assert "Đồng Xoài" in index and "<script" not in index
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["reports"]["bu-dang"]
    assert entry["status"] == "ok" and len(entry["key"]) == 64
    assert set(entry["key_parts"]) == {"data", "notebook", "library", "parameters"}
    assert {"startup", "execute", "html", "pdf", "xlsx", "total"} <= set(entry["timings"])
    cpu = {k: v for k, v in entry["timings"].items() if k.startswith("cpu_")}
    assert set(cpu) == {
        f"cpu_{k}" for k in ("startup", "execute", "facts", "html", "pdf", "xlsx", "write")
    }
    assert all(v >= 0 for v in cpu.values()) and cpu["cpu_pdf"] > 0
    # the stages' CPU seconds add up to the report process's (rounded to 4 decimals each)
    assert sum(cpu.values()) == pytest.approx(entry["timings"]["cpu"], abs=0.05)
    nb = nbformat.read(folder / "bu-dang.ipynb", as_version=4)
    assert nb.metadata.papermill.parameters["area_name"] == "Bù Đăng"
    assert nb.metadata.papermill.parameters["year"] == YEAR  # injected from the batch

    mtime = (folder / "bu-dang.pdf").stat().st_mtime_ns
    t0 = time.perf_counter()
    second = _run(jobs, data)
    quick = time.perf_counter() - t0
    assert [r.status for r in second.results] == ["cached", "cached"]
    assert quick < first.wall_seconds / 3
    assert (folder / "bu-dang.pdf").stat().st_mtime_ns == mtime

    data.write_text("area,poor\n696,1100\n", encoding="utf-8")  # input changed: both re-run
    third = _run(jobs[:1], data, formats=("html",))
    assert [r.status for r in third.results] == ["ok"]
    forced = _run(jobs, data, force=True, formats=("html",))
    assert [r.status for r in forced.results] == ["ok", "ok"]
    assert sorted(p.name for p in folder.iterdir()) == names


@pytest.mark.slow
def test_failing_area_does_not_stop_the_others(reports):
    root, data = reports
    jobs = [
        _job("696", "Bù Đăng", "bu-dang"),
        _job("689", "Đồng Xoài", "dong-xoai", fail_on="689"),
        ("689", RAISES_NB, {"area": "689", "area_name": "Đồng Xoài"}, "raises"),
        _job("691", "Phước Long", "phuoc-long"),
    ]
    result = _run(jobs, data, formats=("html", "xlsx"))
    assert [r.status for r in result.results] == ["ok", "failed", "failed", "ok"]
    assert result.exit_code == 1
    assert [r.slug for r in result.failures] == ["dong-xoai", "raises"]
    assert "ValueError: Dữ liệu rà soát của Đồng Xoài bị lỗi" in result.failures[0].error
    folder = _folder(root)
    for slug in ("bu-dang", "phuoc-long"):
        assert (folder / f"{slug}.html").exists() and (folder / f"{slug}.xlsx").exists()
    assert not (folder / "dong-xoai.html").exists()
    failed_nb = nbformat.read(folder / "dong-xoai.ipynb", as_version=4)
    errors = [o for c in failed_nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].ename == "ValueError"
    assert "papermill-error-cell-tag" in failed_nb.cells[0].metadata.get("tags", [])
    log = (folder / "raises.log").read_text(encoding="utf-8")
    assert "RuntimeError: Không đọc được dữ liệu của Đồng Xoài" in log
    index = (folder / "index.html").read_text(encoding="utf-8")
    failures = index.split('class="failures"')[1].split("</section>")[0]
    assert "dong-xoai" in failures and "raises" in failures and "bu-dang" not in failures
    assert 'href="dong-xoai.log"' in failures
    with pytest.raises(runner.BatchFailedError, match="2 report"):
        result.raise_for_failures()
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]
