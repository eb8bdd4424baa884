"""Tests of the report batch runner (analysis.build.runner) with the fixture notebooks."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat
import pytest

from analysis.build import runner

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


# -- parameters (no execution) ---------------------------------------------------------------------
def test_unknown_parameter_refused_before_running(reports):
    root, data = reports
    jobs = [_job("696", "Bù Đăng", "bu-dang", househlds=3)]
    with pytest.raises(runner.ParameterError) as err:
        _run(jobs, data)
    message = str(err.value)
    assert "'househlds'" in message
    assert "valid names: area, area_name, fail_on, lang, poor_households, year" in message
    assert not _folder(root).exists() or not any(_folder(root).iterdir())


def test_parameter_type_checked_against_default(reports):
    root, data = reports
    with pytest.raises(runner.ParameterError, match="'poor_households' must be int"):
        _run([_job("696", "Bù Đăng", "bu-dang", poor_households="1200")], data)
    with pytest.raises(runner.ParameterError, match="conflicts with the batch's year"):
        _run([_job("696", "Bù Đăng", "bu-dang", year=2023)], data)


def test_parameter_checks_accept_good_values():
    declared = runner.notebook_parameters(REPORT_NB)
    assert declared["year"]["type"] is int
    assert runner.check_parameters(REPORT_NB, {"year": 2025, "area": "689"}) == []
    assert runner.check_parameters(REPORT_NB, {"poor_households": True}) != []


def test_bad_and_duplicate_slugs_refused(reports):
    _, data = reports
    jobs = [_job("696", "Bù Đăng", "Bu Dang"), _job("689", "Đồng Xoài", "x"), _job("1", "A", "x")]
    with pytest.raises(runner.ParameterError) as err:
        _run(jobs, data)
    assert "bad slug 'Bu Dang'" in str(err.value)
    assert "duplicate slug 'x'" in str(err.value)


# -- lock and atomic writes ------------------------------------------------------------------------
def test_lock_refuses_second_batch(tmp_path):
    with (
        runner.FolderLock(tmp_path),
        pytest.raises(runner.BatchLockedError, match="another batch"),
    ):
        runner.FolderLock(tmp_path, timeout=0.3).acquire()
    assert not (tmp_path / runner.LOCK_NAME).exists()
    with runner.FolderLock(tmp_path):  # free again
        pass


def test_locked_folder_refuses_batch(reports):
    root, data = reports
    folder = _folder(root)
    folder.mkdir(parents=True)
    with runner.FolderLock(folder), pytest.raises(runner.BatchLockedError):
        _run([_job("696", "Bù Đăng", "bu-dang")], data)


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "a.html"
    runner.atomic_write(target, "<p>Tiếng Việt</p>")
    runner.atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]


# -- batches (execute notebooks) -------------------------------------------------------------------
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


def test_dask_executor_without_dask_is_clear(reports, monkeypatch):
    _, data = reports
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError("No module named 'distributed'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    folder = _folder(reports[0])
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(RuntimeError, match="dask.distributed"):
        _run([_job("696", "Bù Đăng", "bu-dang")], data, executor="dask", scheduler="tcp://x:1")


def test_cache_key_changes_with_each_input(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a\n1\n")
    job = runner.ReportJob("696", REPORT_NB, {}, "bu-dang")
    lib = runner.library_fingerprint()
    base = runner.cache_key(job, {"year": 2024}, [data], lib)
    assert base == runner.cache_key(job, {"year": 2024}, [data], lib)
    assert base["key"] != runner.cache_key(job, {"year": 2025}, [data], lib)["key"]
    assert base["key"] != runner.cache_key(job, {"year": 2024}, [data], lib + "x")["key"]
    os.utime(data, ns=(1, 1))
    data.write_text("a\n2\n")
    assert base["key"] != runner.cache_key(job, {"year": 2024}, [data], lib)["key"]
