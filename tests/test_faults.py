"""Faults during a batch: a notebook that raises, a report process or the warm worker killed with
SIGKILL, the disk full while writing, two batches on one folder.

After each fault: the finished reports are intact, nothing half-written is visible (no temporary
files, no stale outputs beside a failure), the index and the manifest tell the truth, and a
re-run completes the rest (the finished reports are kept from the cache).

The fixture notebook tests/fixtures/notebooks/waits.ipynb waits while its ``hold`` path exists,
which lets a test act on a report that is known to be running. The hold is a folder, so that it
does not enter the cache key (parameters naming existing *files* do).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from analysis.build import files, runner
from analysis.build.config import FORMATS

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
WAITS_NB = FIXTURES / "waits.ipynb"
YEAR, LANG = 2024, "vi"
FAST = ("html", "xlsx")


@pytest.fixture()
def reports(tmp_path, monkeypatch):
    """A temporary reports folder (BPWB_REPORTS), a data file for the cache key, a hold path."""
    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "reports"))
    data = tmp_path / "data.csv"
    data.write_text("area,poor\n696,1200\n", encoding="utf-8")
    hold = tmp_path / "hold"
    yield tmp_path / "reports" / str(YEAR) / LANG, data, hold
    if hold.exists():
        hold.rmdir()


def _job(area, name, slug, hold: Path | str = "", **params):
    return (area, WAITS_NB, {"area": area, "area_name": name, "hold": str(hold), **params}, slug)


def _jobs(hold):
    return [_job("696", "Bù Đăng", "bu-dang"), _job("689", "Đồng Xoài", "dong-xoai", hold)]


def _run(jobs, data, **kw):
    kw.setdefault("progress", False)
    kw.setdefault("formats", FAST)
    return runner.run_batch(jobs, YEAR, LANG, data_files=[data], **kw)


def _running_child(folder: Path, slug: str, timeout: float = 60.0) -> int:
    """Pid of the report process of ``slug`` once it runs (its log is being written)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for tmp in folder.glob(f".{slug}.log.*{files.TMP_SUFFIX}"):
            pid = int(tmp.name.split(".")[-2])
            time.sleep(0.3)  # well inside the notebook now
            return pid
        time.sleep(0.02)
    raise AssertionError(f"report {slug} never started")


def _parent_pid(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^PPid:\s+(\d+)", status, re.M).group(1))


def _in_thread(func, *args, **kw):
    out: dict = {}

    def run():
        try:
            out["value"] = func(*args, **kw)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def _valid(path: Path) -> bool:
    data = path.read_bytes()
    if path.suffix == ".html":
        return data.rstrip().endswith(b"</html>")
    if path.suffix == ".pdf":
        return data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return z.testzip() is None
    if path.suffix == ".ipynb":
        return bool(json.loads(data)["cells"])
    return True


def assert_truthful(folder: Path, formats=FAST) -> dict:
    """No temporary or lock file; manifest, index and files agree; outputs are whole files."""
    names = sorted(p.name for p in folder.iterdir())
    assert not [n for n in names if n.startswith(".")], names
    manifest = json.loads((folder / files.MANIFEST_NAME).read_text(encoding="utf-8"))
    index = (folder / files.INDEX_NAME).read_text(encoding="utf-8")
    for href in re.findall(r'href="([^"#]+)"', index):
        assert (folder / href).is_file(), f"index links to missing {href}"
    failures = (
        index.split('class="failures"')[1].split("</section>")[0]
        if ('class="failures"' in index)
        else ""
    )
    for slug, entry in manifest["reports"].items():
        row = re.search(rf'<tr id="{re.escape(slug)}">(.*?)</tr>', index, re.S)
        assert row, f"{slug} missing from the index"
        # its status is in the build details (collapsed), its failure also on the dashboard row
        build = re.search(rf'<tr id="build-{re.escape(slug)}">(.*?)</tr>', index, re.S)
        assert build, f"{slug} missing from the index's build details"
        assert f'class="status-{entry["status"]}"' in build.group(1), (slug, entry["status"])
        assert (entry["status"] == "failed") == ('class="chip bad report-failed"' in row.group(1))
        for name in entry["files"].values():
            assert (folder / name).is_file() and _valid(folder / name), name
        if entry["status"] == "failed":
            assert slug in failures
            assert entry["error"]
            for fmt in FORMATS:  # never a stale report beside a failure
                assert not (folder / f"{slug}.{fmt}").exists(), (slug, fmt)
        else:
            assert f"({slug})" not in failures
            for fmt in formats:
                assert fmt in entry["files"], (slug, fmt)
    return manifest


# -- an area whose notebook raises ------------------------------------------------------------------
def test_raising_area_then_rerun(reports):
    folder, data, hold = reports
    jobs = [_job("696", "Bù Đăng", "bu-dang"), _job("689", "Đồng Xoài", "dong-xoai")]
    first = _run(jobs, data)
    assert first.ok
    good = (folder / "bu-dang.html").read_bytes()
    broken = [jobs[0], _job("689", "Đồng Xoài", "dong-xoai", fail_on="689")]
    result = _run(broken, data)
    assert [r.status for r in result.results] == ["cached", "failed"]
    assert "RuntimeError: Không đọc được dữ liệu của Đồng Xoài" in result.failures[0].error
    manifest = assert_truthful(folder)
    assert manifest["last_batch"]["failed"] == ["dong-xoai"]
    assert (folder / "bu-dang.html").read_bytes() == good  # the finished report is untouched
    assert not (folder / "dong-xoai.html").exists()  # the old page of the failed area is gone
    again = _run(jobs, data)
    assert [r.status for r in again.results] == ["cached", "ok"]
    assert_truthful(folder)


# -- SIGKILL ----------------------------------------------------------------------------------------
def test_report_process_killed_then_rerun(reports):
    folder, data, hold = reports
    assert _run(_jobs(""), data).ok  # an earlier report of each area
    hold.mkdir()
    thread, out = _in_thread(_run, _jobs(hold), data, workers=2)
    pid = _running_child(folder, "dong-xoai")
    os.kill(pid, signal.SIGKILL)
    thread.join(120)
    assert "error" not in out, out.get("error")
    result = out["value"]
    assert [r.status for r in result.results] == ["cached", "failed"]
    assert "signal 9" in result.failures[0].error
    assert_truthful(folder)
    log = (folder / "dong-xoai.log").read_text(encoding="utf-8")
    assert "report process died with signal 9" in log  # the partial log is kept
    hold.rmdir()
    again = _run(_jobs(hold), data)
    assert [r.status for r in again.results] == ["cached", "ok"]
    assert_truthful(folder)


def test_warm_worker_killed_then_rerun(reports):
    """The warm process that forks the reports dies: its reports fail, none is left running."""
    folder, data, hold = reports
    assert _run(_jobs(""), data).ok  # an earlier report of each area
    hold.mkdir()
    thread, out = _in_thread(_run, _jobs(hold), data, workers=2)
    child = _running_child(folder, "dong-xoai")
    worker = _parent_pid(child)
    assert worker != os.getpid()
    os.kill(worker, signal.SIGKILL)
    thread.join(120)
    assert "error" not in out, out.get("error")
    result = out["value"]
    statuses = {r.slug: r.status for r in result.results}
    assert statuses["dong-xoai"] == "failed"
    assert "worker process died" in result.failures[-1].error
    # the orphaned report process must not outlive its worker (nor write after the batch)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = (
        Path(f"/proc/{child}").exists()
        and "zombie" not in Path(f"/proc/{child}/status").read_text()
    )
    assert not alive, "report process survived its worker"
    assert_truthful(folder)
    hold.rmdir()
    again = _run(_jobs(hold), data)
    assert all(r.status in ("ok", "cached") for r in again.results)
    assert again.results[1].status == "ok"
    assert_truthful(folder)


# -- the disk full while writing -------------------------------------------------------------------
SITECUSTOMIZE = """
import errno, os
_target = os.environ.get("BPWB_TEST_ENOSPC")
if _target:
    _real_fsync = os.fsync

    def _fsync(fd):
        name = os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
        if name.startswith("." + _target + "."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return _real_fsync(fd)

    os.fsync = _fsync
"""


def test_disk_full_while_writing_then_rerun(reports, tmp_path, monkeypatch):
    """ENOSPC when the PDF of one report is flushed (its temporary file is half-written)."""
    folder, data, hold = reports
    formats = ("html", "pdf", "xlsx")
    first = _run(_jobs(""), data, formats=formats)
    assert first.ok
    before = {p.name: p.read_bytes() for p in folder.glob("bu-dang.*")}

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(hook), os.environ.get(
        "PYTHONPATH")])))  # fmt: skip
    monkeypatch.setenv("BPWB_TEST_ENOSPC", "dong-xoai.pdf")
    runner.shutdown_workers()  # a fresh warm process picks up the hook
    try:
        full = _run(_jobs(""), data, formats=formats, force=True, keep_warm=False)
    finally:
        monkeypatch.delenv("BPWB_TEST_ENOSPC")
        runner.shutdown_workers()
    assert [r.status for r in full.results] == ["ok", "failed"]
    assert "No space left on device" in full.failures[0].error
    assert_truthful(folder, formats)
    # the HTML written just before the PDF failed is not left beside the failure either
    assert not (folder / "dong-xoai.html").exists()
    assert {p.name for p in folder.glob("bu-dang.*")} == set(before)
    for name in ("bu-dang.html", "bu-dang.xlsx"):
        assert _valid(folder / name)

    again = _run(_jobs(""), data, formats=formats)
    assert [r.status for r in again.results] == ["cached", "ok"]
    assert_truthful(folder, formats)


# -- two batches on one folder ---------------------------------------------------------------------
def test_second_batch_refuses_or_waits(reports):
    folder, data, hold = reports
    hold.mkdir()
    thread, out = _in_thread(_run, _jobs(hold), data, workers=2)
    folder.mkdir(parents=True, exist_ok=True)
    _running_child(folder, "dong-xoai")
    t0 = time.monotonic()
    with pytest.raises(files.BatchLockedError) as err:
        _run(_jobs(hold), data)
    assert time.monotonic() - t0 < 10
    message = str(err.value)
    assert "being written by another batch" in message and f"pid {os.getpid()}" in message
    assert "lock_timeout" in message
    # a second batch that may wait runs once the first is done
    waiter, waited = _in_thread(_run, _jobs(hold), data, lock_timeout=120)
    time.sleep(0.5)
    assert waiter.is_alive()  # waiting for the lock
    hold.rmdir()
    thread.join(120)
    waiter.join(120)
    assert "error" not in out and "error" not in waited, (out, waited)
    assert out["value"].ok
    assert [r.status for r in waited["value"].results] == ["cached", "cached"]
    assert_truthful(folder)


def test_cli_refuses_locked_folder_without_traceback(reports, tmp_path):
    """`python -m analysis report` on a locked folder: one clear line, exit status not 0."""
    import subprocess

    folder, _, _ = reports
    from analysis.build.batch import resolve_year

    year = resolve_year("latest")
    locked = folder.parents[1] / str(year) / "vi"
    locked.mkdir(parents=True)
    with files.FolderLock(locked):
        proc = subprocess.run(
            [sys.executable, "-m", "analysis", "report", "--areas", "Bù Đăng", "--formats",
             "html"],
            capture_output=True, text=True, timeout=120, env=dict(os.environ),
        )  # fmt: skip
    assert proc.returncode != 0
    assert "being written by another batch" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
    assert not [p for p in locked.iterdir() if p.name != files.LOCK_NAME]
