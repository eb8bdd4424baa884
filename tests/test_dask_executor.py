"""The dask executor (analysis.build.dask_executor) gives the same reports as the local pool."""

from __future__ import annotations

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
