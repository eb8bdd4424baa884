"""B5 logic on small sizes (not timed): the generated household files are valid and complete,
the measurement counts worker processes, and the bench writes the B5 section."""

from __future__ import annotations

import argparse
import sys

import pandas as pd
import pytest

from analysis.benchmarks import households_bench as hb
from analysis.compute.household_sums import summarise_household_file
from analysis.core import paths


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_generated_files_hold_n_valid_distinct_households(tmp_path, suffix):
    template = pd.read_parquet(paths.default_households(), filters=[("year", "=", 2024)])
    n = len(template) + 1_234  # one full copy and part of a second
    path = hb.write_household_file(n, tmp_path / f"hh{suffix}", piece_rows=100_000)
    scan, summary = summarise_household_file(path, chunk_rows=100_000)
    assert not scan.problems and scan.rows == n
    assert int(summary["total_households"].sum()) == n
    expected_poor = int((template["recorded_class"] == "poor").sum()) + int(
        (template["recorded_class"].head(1_234) == "poor").sum()
    )
    assert int(summary["poor_end"].sum()) == expected_poor
    ids = pd.read_csv(path, usecols=["household_id"]) if suffix == ".csv" else None
    if ids is not None:
        assert ids["household_id"].is_unique
        assert ids["household_id"].iloc[0].endswith("-000")
        assert ids["household_id"].iloc[-1].endswith("-001")


def test_measure_counts_the_workers_memory(tmp_path):
    code = (
        "import multiprocessing as mp, time\n"
        "def hold(_):\n"
        "    b = bytearray(200 * 1024**2); time.sleep(1.0); return len(b)\n"
        "if __name__ == '__main__':\n"
        "    with mp.get_context('spawn').Pool(2) as p: print(sum(p.map(hold, [0, 1])))\n"
    )
    script = tmp_path / "hold.py"  # spawned workers import the main module: a file, not -c
    script.write_text(code, encoding="utf-8")
    run = hb.measure([sys.executable, str(script)])
    assert run.returncode == 0, run.output
    # two workers hold 200 MB each at the same time: the sum sees both, one process only one
    assert run.tree_rss > 1.5 * 200 * 1024**2
    assert 200 * 1024**2 < run.max_rss < run.tree_rss


@pytest.mark.slow
def test_bench_b5_quick_writes_the_section(tmp_path):
    from analysis.benchmarks import bench

    args = argparse.Namespace(
        only="b5", quick=True, out=str(tmp_path), repeats=1, households=None, areas=None,
        naive_areas=None, keep=False, b5_rows=None,
    )  # fmt: skip
    assert bench.main(args) == 0
    text = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert "## B5" in text and "validate + summarise" in text
    assert "national-shaped file" in text
    rows = pd.read_csv(tmp_path / "results.csv")
    assert set(rows["case"]) == {"B5"}
