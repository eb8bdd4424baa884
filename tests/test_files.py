"""The files of a reports folder (analysis.build.files): atomic writes, the lock, cleanup."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.build import files, runner

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
REPORT_NB = FIXTURES / "report.ipynb"
YEAR, LANG = 2024, "vi"


def test_lock_refuses_second_batch(tmp_path):
    with (
        files.FolderLock(tmp_path),
        pytest.raises(files.BatchLockedError, match="another batch"),
    ):
        files.FolderLock(tmp_path, timeout=0.3).acquire()
    assert not (tmp_path / files.LOCK_NAME).exists()
    with files.FolderLock(tmp_path):  # free again
        pass


def test_locked_folder_refuses_batch(tmp_path, monkeypatch):
    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "reports"))
    data = tmp_path / "data.csv"
    data.write_text("area,poor\n696,1200\n", encoding="utf-8")
    folder = tmp_path / "reports" / str(YEAR) / LANG
    folder.mkdir(parents=True)
    job = ("696", REPORT_NB, {"area": "696", "area_name": "Bù Đăng"}, "bu-dang")
    with files.FolderLock(folder), pytest.raises(files.BatchLockedError):
        runner.run_batch([job], YEAR, LANG, data_files=[data], progress=False)


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "a.html"
    files.atomic_write(target, "<p>Tiếng Việt</p>")
    files.atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]


def test_discard_outputs_keeps_the_partial_log_with_the_reason(tmp_path):
    for name in ("x.html", "x.pdf", "x.xlsx", "x.ipynb", "y.html"):
        (tmp_path / name).write_text("old")
    files.tmp_name(tmp_path / "x.log", 123).write_text("started\n")
    files.tmp_name(tmp_path / "x.pdf", 123).write_text("half")
    assert files.discard_outputs(tmp_path, "x", "killed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.ipynb", "x.log", "y.html"]
    assert (tmp_path / "x.log").read_text() == "started\n\n--- failed: killed\n"
    assert not files.discard_outputs(tmp_path, "y")
    assert not (tmp_path / "y.html").exists()


def test_salvage_log_of_a_dead_process(tmp_path):
    log = tmp_path / "x.log"
    files.salvage_log(99, log, "gone")  # no partial log: nothing to do
    assert not log.exists()
    files.tmp_name(log, 99).write_text("a\n")
    files.salvage_log(99, log, "signal 9")
    assert log.read_text() == "a\n\n--- failed: signal 9\n"
    assert list(tmp_path.iterdir()) == [log]
    assert files.report_files(tmp_path, "x", ("html",)) == {
        "ipynb": tmp_path / "x.ipynb", "log": log, "html": tmp_path / "x.html"
    }  # fmt: skip
