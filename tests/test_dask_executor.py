"""The dask executor (analysis.build.dask_executor) gives the same reports as the local pool."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.build import runner

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
REPORT_NB = FIXTURES / "report.ipynb"
YEAR, LANG = 2024, "vi"


def _jobs():
    return [
        ("696", REPORT_NB, {"area": "696", "area_name": "Bù Đăng"}, "bu-dang"),
        ("689", REPORT_NB, {"area": "689", "area_name": "Đồng Xoài"}, "dong-xoai"),
    ]


def test_dask_executor_without_dask_is_clear(tmp_path, monkeypatch):
    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "reports"))
    data = tmp_path / "data.csv"
    data.write_text("area,poor\n696,1200\n", encoding="utf-8")
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError("No module named 'distributed'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    folder = tmp_path / "reports" / str(YEAR) / LANG
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(RuntimeError, match="dask.distributed"):
        runner.run_batch(
            _jobs()[:1], YEAR, LANG, data_files=[data], progress=False, executor="dask",
            scheduler="tcp://x:1",
        )  # fmt: skip


@pytest.mark.slow
def test_dask_batch_matches_local_batch(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # same run time in both batches
    data = tmp_path / "data.csv"
    data.write_text("area,poor\n696,1200\n", encoding="utf-8")

    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "local"))
    local = runner.run_batch(_jobs(), YEAR, LANG, data_files=[data], progress=False)
    assert local.ok, [r.error for r in local.failures]

    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "dask"))
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        by_client = runner.run_batch(
            _jobs(), YEAR, LANG, data_files=[data], progress=False, executor="dask",
            scheduler=client,
        )  # fmt: skip
        assert by_client.ok, [r.error for r in by_client.failures]
        # By address too (the CLI's --scheduler tcp://HOST:PORT); nothing changed: all cached.
        again = runner.run_batch(
            _jobs(), YEAR, LANG, data_files=[data], progress=False, executor="dask",
            scheduler=cluster.scheduler_address,
        )  # fmt: skip
        assert [r.status for r in again.results] == ["cached", "cached"]
        forced = runner.run_batch(
            _jobs()[:1], YEAR, LANG, data_files=[data], progress=False, executor="dask",
            scheduler=cluster.scheduler_address, force=True, formats=("html",),
        )  # fmt: skip
        assert [r.status for r in forced.results] == ["ok"]

    for slug in ("bu-dang", "dong-xoai"):
        a = tmp_path / "local" / str(YEAR) / LANG
        b = tmp_path / "dask" / str(YEAR) / LANG
        assert (a / f"{slug}.html").read_bytes() == (b / f"{slug}.html").read_bytes(), slug
        for ext in ("pdf", "xlsx", "ipynb", "log"):
            assert (b / f"{slug}.{ext}").stat().st_size > 0, (slug, ext)
    manifest = (tmp_path / "dask" / str(YEAR) / LANG / "manifest.json").read_text("utf-8")
    assert '"executor": "dask"' in manifest


# -- a scheduler and a worker in processes of their own, sharing no folder with the client ---------
ROOT = Path(__file__).resolve().parents[1]
FIXTURE_DATA = Path(__file__).parent / "fixtures" / "two_districts_summary.csv"
EPOCH = "1735689600"  # same run time in every batch: byte-identical reports


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(home: Path, **extra) -> dict:
    """A process environment whose temp folder and reports folder are under ``home``."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("BPWB_", "DASK_"))}
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    env.update(
        TMPDIR=str(home / "tmp"), BPWB_REPORTS=str(home / "reports"), SOURCE_DATE_EPOCH=EPOCH,
        PYTHONPATH=str(ROOT / "src"), MPLBACKEND="agg", **extra,
    )  # fmt: skip
    return env


def _report(home: Path, *options: str) -> subprocess.CompletedProcess:
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "analysis", "report", "--areas", "Bù Đăng,Lộc Ninh", *options],
        cwd=home, env=_env(home), capture_output=True, text=True, timeout=900,
    )  # fmt: skip


@pytest.fixture()
def cluster(tmp_path):
    """``dask scheduler`` and ``dask worker`` started as separate processes, the worker's working
    folder, temp folder and reports folder under ``tmp_path / "worker"`` (not the client's)."""
    import time

    pytest.importorskip("distributed")
    dask = Path(sys.executable).with_name("dask")
    if not dask.exists():
        pytest.skip("no dask command line in this environment")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    worker_home = tmp_path / "worker"
    worker_home.mkdir()
    procs = []
    try:
        procs.append(subprocess.Popen(
            [str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            cwd=worker_home, env=_env(worker_home), stdout=subprocess.DEVNULL,
            stderr=open(worker_home / "scheduler.err", "w"),  # noqa: SIM115
        ))  # fmt: skip
        procs.append(subprocess.Popen(
            [str(dask), "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
             "--local-directory", str(worker_home / "dask")],
            cwd=worker_home, env=_env(worker_home), stdout=subprocess.DEVNULL,
            stderr=open(worker_home / "worker.err", "w"),  # noqa: SIM115
        ))  # fmt: skip
        from distributed import Client

        deadline = time.monotonic() + 120
        while True:
            try:
                with Client(address, timeout=5) as client:
                    client.wait_for_workers(1, timeout=60)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        yield address, worker_home
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.mark.slow
def test_worker_without_the_clients_folders_returns_identical_reports(tmp_path, cluster):
    address, worker_home = cluster
    local = _report(tmp_path / "local", "--year", "2024")
    assert local.returncode == 0, local.stderr
    remote = _report(tmp_path / "client", "--year", "2024", "--executor", "dask",
                     "--scheduler", address)  # fmt: skip
    assert remote.returncode == 0, remote.stderr + (worker_home / "worker.err").read_text()
    a = tmp_path / "local" / "reports" / "2024" / "vi"
    b = tmp_path / "client" / "reports" / "2024" / "vi"
    for slug in ("bu-dang", "loc-ninh"):
        for ext in ("html", "xlsx", "pdf"):
            assert (a / f"{slug}.{ext}").read_bytes() == (b / f"{slug}.{ext}").read_bytes(), (
                slug, ext,
            )  # fmt: skip
        # the executed notebook and the log came back from the worker's own copies and folders
        log = (b / f"{slug}.log").read_text(encoding="utf-8")
        assert f"notebook {worker_home / 'tmp' / 'bpwb-dask'}" in log
    manifest = json.loads((b / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["last_batch"]["executor"] == "dask"
    assert (
        manifest["reports"]["bu-dang"]["facts"]
        == json.loads((a / "manifest.json").read_text(encoding="utf-8"))["reports"]["bu-dang"][
            "facts"
        ]
    )
    assert 'id="bu-dang"' in (b / "index.html").read_text(encoding="utf-8")
    # nothing written where the worker ran except its temp copies, no report folder of its own
    assert not (worker_home / "reports").exists()
    assert not list((worker_home / "tmp").glob("bpwb-report-*"))  # its report folders removed

    # a --data file: its bytes travel to the worker, which reads its own copy
    data = tmp_path / "client" / "review-2024.csv"
    data.write_bytes(FIXTURE_DATA.read_bytes())
    local_data = tmp_path / "local" / "review-2024.csv"
    local_data.write_bytes(FIXTURE_DATA.read_bytes())
    local = _report(tmp_path / "local", "--year", "2024", "--data", str(local_data),
                    "--formats", "html,xlsx")  # fmt: skip
    assert local.returncode == 0, local.stderr
    remote = _report(tmp_path / "client", "--year", "2024", "--data", str(data), "--formats",
                     "html,xlsx", "--executor", "dask", "--scheduler", address)  # fmt: skip
    assert remote.returncode == 0, remote.stderr + (worker_home / "worker.err").read_text()
    sha = hashlib.sha256(data.read_bytes()).hexdigest()
    copy = worker_home / "tmp" / "bpwb-dask" / sha / data.name
    assert copy.read_bytes() == data.read_bytes()
    for slug in ("bu-dang", "loc-ninh"):
        assert (a / f"{slug}.html").read_bytes() == (b / f"{slug}.html").read_bytes(), slug
        nb = (b / f"{slug}.ipynb").read_text(encoding="utf-8")
        assert str(copy) in nb and str(data) not in nb  # the notebook ran on the worker's copy
    facts = json.loads((b / "manifest.json").read_text(encoding="utf-8"))["reports"]["bu-dang"]
    assert facts["facts"]["data"]["name"] == data.name
    assert facts["facts"]["data"]["sha256"] == sha[:16]


# -- the pieces, without a cluster ------------------------------------------------------------------
def test_worker_copy_checks_the_bytes_and_keeps_name_and_date(tmp_path, monkeypatch):
    from analysis.build import dask_executor

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    data = "năm,hộ nghèo\n2024,1\n".encode()
    sha = hashlib.sha256(data).hexdigest()
    path = dask_executor.worker_copy("rà soát.csv", sha, 1_700_000_000.0, data)
    assert path == tmp_path / "bpwb-dask" / sha / "rà soát.csv" and path.read_bytes() == data
    assert path.stat().st_mtime == 1_700_000_000.0
    assert dask_executor.worker_copy("rà soát.csv", sha, 0.0, None) == path  # held: no bytes
    with pytest.raises(ValueError, match="checksum"):
        dask_executor.worker_copy("x.csv", sha, 0.0, data + b"!")
    with pytest.raises(ValueError, match="checksum"):
        dask_executor.worker_copy("other.csv", sha, 0.0, None)  # not held, nothing sent


def test_client_writes_returned_files_and_clears_stale_ones_after_a_failure(tmp_path):
    from analysis.build import dask_executor

    spec = {"slug": "bu-dang"}
    ok = {"status": "ok", "files": {"html": "bu-dang.html", "log": "bu-dang.log", "pdf": "bu-dang.pdf"},
          "payload": {"bu-dang.html": b"<html>", "bu-dang.log": b"log"}}  # fmt: skip
    record = dask_executor.receive(tmp_path, spec, ok)
    assert (tmp_path / "bu-dang.html").read_bytes() == b"<html>" and "payload" not in record
    assert record["files"] == {"html": "bu-dang.html", "log": "bu-dang.log"}  # only what came
    failed = {"status": "failed", "files": {"log": "bu-dang.log"}, "payload": {"bu-dang.log": b"x"}}
    dask_executor.receive(tmp_path, spec, failed)
    assert (
        not (tmp_path / "bu-dang.html").exists() and (tmp_path / "bu-dang.log").read_bytes() == b"x"
    )
    for name in ("../bu-dang.html", "loc-ninh.html", "index.html"):
        with pytest.raises(ValueError, match="returned a file"):
            dask_executor.receive(tmp_path, spec, {"status": "ok", "payload": {name: b""}})
    assert not (tmp_path.parent / "bu-dang.html").exists()


def test_workers_get_the_users_settings_but_not_the_reports_folder(monkeypatch):
    from analysis.build import dask_executor

    monkeypatch.setenv("BPWB_PROVINCE", "binh-phuoc")
    monkeypatch.setenv("BPWB_REPORTS", "/client/reports")
    env = dask_executor._batch_env()
    assert env.get("BPWB_PROVINCE") == "binh-phuoc" and "BPWB_REPORTS" not in env


def test_worker_with_another_library_or_data_refuses(tmp_path, monkeypatch):
    from analysis.build import dask_executor
    from analysis.build.cache import library_fingerprint

    with pytest.raises(RuntimeError, match="not the client's"):
        dask_executor._check_installation({"library": "0.0+other"})
    bundled = dask_executor.bundled_checksums()
    assert bundled and all(len(v) == 64 for v in bundled.values())
    dask_executor._check_installation({"library": library_fingerprint(), "bundled": bundled})
    name = next(iter(bundled))
    with pytest.raises(RuntimeError, match=f"bundled data file {name} differs"):
        dask_executor._check_installation({"bundled": {name: "0" * 64}})
