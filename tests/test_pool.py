"""The process pool (analysis.build.pool): a fresh fork per report, timeouts that kill.

Faults (a report process or the warm process killed, the disk full) are in test_faults.py.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from analysis.build import pool, runner
from analysis.build.config import RunConfig

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
REPORT_NB = FIXTURES / "report.ipynb"
RAISES_NB = FIXTURES / "raises.ipynb"
YEAR, LANG = 2024, "vi"


@pytest.fixture()
def reports(tmp_path, monkeypatch):
    """A temporary reports folder (BPWB_REPORTS) and a tiny data file for the cache key."""
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


def test_kept_pool_is_reused_only_for_the_same_warm_up():
    pool.shutdown_workers()
    try:
        first = pool.get_pool(RunConfig(year=YEAR), 1)
        first.release(completed=True)
        again = pool.get_pool(RunConfig(year=YEAR, languages=("en",), force=True), 1)
        assert again is first  # other languages, force...: the same warm process
        again.release(completed=True)
        other = pool.get_pool(RunConfig(year=YEAR, warm_modules=("json",)), 1)
        assert other is not first
        assert first.proc.poll() is not None  # one kept process at a time: the old one stopped
        other.release(completed=False)  # nothing was submitted: kept
        assert pool.get_pool(RunConfig(year=YEAR, warm_modules=("json",)), 1) is other
        other.release(completed=True)
        once = pool.get_pool(RunConfig(year=YEAR, warm_modules=("json",), keep_warm=False), 1)
        assert once is other  # a kept process serves a batch that keeps none...
        once.release(completed=True)
        assert once.proc.poll() is not None  # ...and is stopped after it
    finally:
        pool.shutdown_workers()


@pytest.mark.slow
def test_reports_are_isolated_from_each_other(reports, tmp_path, monkeypatch):
    """A then B in one worker gives for B exactly what B alone gives."""
    root, data = reports
    a = _job("696", "Bù Đăng", "bu-dang")
    b = _job("689", "Đồng Xoài", "dong-xoai")
    _run([a, b], data, workers=1, formats=("html",))
    together = (_folder(root) / "dong-xoai.html").read_bytes()
    nb = nbformat.read(_folder(root) / "dong-xoai.ipynb", as_version=4)
    printed = "".join(
        o.get("text", "")
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.output_type == "stream"
    )
    assert "trong tiến trình này: 1" in printed  # the leak detector saw a fresh process

    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "alone"))
    _run([b], data, workers=1, formats=("html",))
    alone = (tmp_path / "alone" / str(YEAR) / LANG / "dong-xoai.html").read_bytes()
    assert together == alone


@pytest.mark.slow
def test_timeout_kills_the_report(reports, tmp_path):
    root, data = reports
    slow = tmp_path / "slow.ipynb"
    nb = nbformat.read(RAISES_NB, as_version=4)
    nb.cells[2].source = "import time\ntime.sleep(30)"
    nbformat.write(nb, slow)
    result = _run([("1", slow, {}, "slow")], data, timeout=2, formats=("html",))
    assert result.results[0].status == "failed"
    assert "timed out" in result.results[0].error
    folder = _folder(root)
    assert "timed out" in (folder / "slow.log").read_text(encoding="utf-8")
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_worker_that_cannot_start_prints_one_line_and_exits_3(tmp_path, capfd):
    """A warm-up error (here an extra module that does not exist) is one line on stderr naming
    the error and a log holding its traceback; the process exits 3 and the batch's reports fail."""
    config = RunConfig(year=YEAR, warm_modules=("no_such_module_bpwb",), keep_warm=False)
    spec = {"slug": "x", "out_dir": str(tmp_path), "timeout": 60}
    report_pool = pool.ReportPool(config, 1)
    try:
        report_pool.submit(spec)
        ((got, record),) = list(report_pool.results())
    finally:
        report_pool.close()
    assert got is spec and record["status"] == "failed"
    assert record["error"] == "report worker process died (exit status 3)"
    assert report_pool.proc.returncode == 3
    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err  # no traceback
    assert lines[0].startswith("error: the report worker could not start (ModuleNotFoundError: ")
    assert "no_such_module_bpwb" in lines[0] and "Traceback" not in err
    log = Path(lines[0].rsplit("traceback in ", 1)[1])
    try:
        text = log.read_text(encoding="utf-8")
        assert "Traceback (most recent call last)" in text and "no_such_module_bpwb" in text
    finally:
        log.unlink()


def test_startup_error_line_is_one_line():
    line = pool.startup_error_line(ValueError("first\nsecond"), None)
    assert (
        line
        == "error: the report worker could not start (ValueError: first); no log could be written"
    )
