"""The benchmark command runs end to end at tiny sizes and writes its two tables."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import pytest

from analysis.benchmarks import bench


@pytest.mark.slow
def test_quick_bench_writes_tables(tmp_path):
    out = tmp_path / "bench"
    proc = subprocess.run(
        [sys.executable, "-m", "analysis.benchmarks.bench", "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "BPWB_REPORTS": str(tmp_path / "unused")},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    md = (out / "results.md").read_text(encoding="utf-8")
    for case in bench.CASES:
        assert f"## {case}" in md, case
    assert "| cores | " in md and "| memory | " in md
    with open(out / "results.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == bench.CSV_COLUMNS
    assert {r["case"] for r in rows} == set(bench.CASES)
    for r in rows:
        assert float(r["min"]) <= float(r["median"]) <= float(r["max"]), r
        assert int(r["cores"]) >= 1 and float(r["memory_gb"]) > 0
    items = {r["item"] for r in rows}
    assert any(i.startswith("speed-up: naive total / runner") for i in items)
    assert any("DuckDB: peak memory" in i for i in items)
    assert any(i == "per report: pdf" for i in items)
    assert "largest difference 0" in md  # DuckDB and pandas agree


def test_run_measured_reports_wall_cpu_and_memory():
    run = bench.run_measured(
        [sys.executable, "-c", "b = bytearray(200 * 1024 * 1024); print('ok')"]
    )
    assert run.returncode == 0 and run.output.strip() == "ok"
    assert run.wall > 0 and run.cpu > 0
    assert run.peak_rss > 200 * 1024 * 1024


def test_write_results_tables(tmp_path):
    info = {"cores": 2, "memory_gb": 24.0, "cpu": "x", "load_at_start": 0.5, "python": "3",
            "pandas": "2", "duckdb": "1", "weasyprint": "70", "date": "today"}  # fmt: skip
    rows = [
        bench.Row("B1", "runner", "s", [3.0, 1.0, 2.0], [4.0, 4.0, 5.0], "n"),
        bench.Row("B3", "peak", "GB", [1.5], [], ""),
    ]
    bench.write_results(tmp_path, info, rows, {"B3": ["note"]})
    text = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert "| runner | s | 3 | 2.00 | 1.00-3.00 | 4.0 | n |" in text
    with open(tmp_path / "results.csv", encoding="utf-8", newline="") as fh:
        first = next(csv.DictReader(fh))
    assert first["median"] == "2" and first["min"] == "1" and first["max"] == "3"


def test_b4_gives_cpu_seconds_per_report_and_stage():
    def entry(**cpu):
        t = {f"cpu_{k}": v for k, v in cpu.items()}
        t.update(cpu=sum(cpu.values()), total=2 * sum(cpu.values()), pdf=1.0)
        return {"timings": t}

    manifest = {
        "reports": {
            "a": entry(startup=0.0, execute=1.0, facts=0.0, html=0.1, pdf=2.0, xlsx=0.1, write=0.0),
            "b": entry(startup=0.0, execute=3.0, facts=0.0, html=0.1, pdf=1.0, xlsx=0.1, write=0.0),
        },
        "last_batch": {"workers": 2, "wall_seconds": 9.0, "worker_warmup_seconds": 4.0},
    }
    rows: list[bench.Row] = []
    printed: list[str] = []
    lines = bench._b4_section(manifest, rows, printed.append)
    text = "\n".join(lines)
    # a: 3.2 CPU-s, b: 4.2; means by hand: execute 2.0, pdf 1.5, cpu 3.7; pdf share 3.0 / 7.4
    assert "| a | 0.00 | 1.00 | 0.00 | 0.10 | 2.00 | 0.10 | 0.00 | 3.20 |" in text
    assert "| **mean** | 0.00 | 2.00 | 0.00 | 0.10 | 1.50 | 0.10 | 0.00 | 3.70 |" in text
    assert "| **share** | 0 % | 54 % | 0 % | 3 % | 41 % | 3 % | 0 % | 100 % |" in text
    assert printed and "| **mean** |" in printed[0]
    cpu_pdf = next(r for r in rows if r.item == "per report, CPU: pdf")
    assert cpu_pdf.values == [2.0, 1.0] and cpu_pdf.case == "B4"
    assert any(r.item == "per report: pdf" for r in rows)  # wall seconds, as before
