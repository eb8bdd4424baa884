"""B5: household lists at any size through the path reports and ``validate`` use.

The files are the bundled SYNTHETIC 2024 records (``data/synthetic/households.parquet``, about
285,000 households of the province's 111 former communes) repeated with new household ids
(``<id>-<copy>``) up to ``n`` rows, written in pieces (never all rows in memory) as CSV, the way
analysts export them, or as Parquet in row groups of 1 M. Every row is valid, so the whole path
runs: reading, parsing every cell, commune codes, every rule, the keys across chunks, and the
per-commune sums (:func:`analysis.compute.household_sums.summarise_household_file`). A file
shaped like :mod:`analysis.benchmarks.national` (10,000 communes of a synthetic country) would
stop at the first check (its communes are not the province's): B5 also validates such a file of
1 M rows, to show that millions of bad rows give a short, capped list of problems.

Items (each in a child process, measured by :func:`measure`: wall, CPU seconds of the process
and its workers, the largest resident set of one process and the peak of their sum, sampled):

* ``python -m analysis validate`` on the 1 M-row CSV (goal ≤ 15 s, ≤ 1.5 GB) and Parquet;
* validate + summarise ``n_large`` rows (default 27 M) as Parquet and as CSV with two worker
  processes (goal ≤ 120 s, ≤ 4 GB on 2 cores);
* the national-shaped 1 M-row file: problems counted and listed.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from analysis.core import paths

GOALS = {"small_seconds": 15.0, "small_gb": 1.5, "large_seconds": 120.0, "large_gb": 4.0}
SMALL_ROWS = 1_000_000
LARGE_ROWS = 27_000_000
TEMPLATE_YEAR = 2024


def write_household_file(n: int, path: str | Path, piece_rows: int = 1_000_000) -> Path:
    """Write ``n`` valid SYNTHETIC household records (the 2024 records repeated) to CSV or
    Parquet (by the suffix), piece by piece.

    Parameters
    ----------
    n : int
        Rows.
    path : str or Path
        ``.csv`` or ``.parquet``; written under a temporary name, then renamed.
    piece_rows : int
        Rows per write (and per Parquet row group).

    Returns
    -------
    Path
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    path = Path(path)
    template = pq.read_table(
        paths.default_households(), filters=[("year", "=", TEMPLATE_YEAR)]
    ).combine_chunks()
    template = template.cast(
        pa.schema(
            [
                pa.field(f.name, pa.string()) if pa.types.is_dictionary(f.type) else f
                for f in template.schema
            ]
        )
    )
    ids = template.column("household_id")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    writer = None
    written, copy = 0, 0
    try:
        while written < n:
            piece = []
            size = 0
            while size < piece_rows and written + size < n:
                take = min(template.num_rows, n - written - size)
                part = template.slice(0, take)
                suffix = pa.scalar(f"-{copy:03d}")
                part = part.set_column(
                    0, "household_id", pc.binary_join_element_wise(ids.slice(0, take), suffix, "")
                )
                piece.append(part)
                size += take
                copy += 1
            table = pa.concat_tables(piece)
            if writer is None:
                if path.suffix.lower() == ".csv":
                    writer = pacsv.CSVWriter(tmp, table.schema)
                else:
                    writer = pq.ParquetWriter(tmp, table.schema, compression="snappy")
            writer.write_table(table)
            written += size
        writer.close()
        writer = None
        os.replace(tmp, path)
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
    return path


@dataclass
class Measured:
    """One child process: wall and CPU seconds, largest single and summed resident sets."""

    wall: float
    cpu: float
    max_rss: int  # bytes, the largest resident set of one process (wait4)
    tree_rss: int  # bytes, the largest sum over the process and its descendants (sampled)
    returncode: int
    output: str


def _tree_rss(pid: int, include_root: bool = True) -> int:
    """Resident bytes of a process's descendants, and of itself unless ``include_root`` is
    False (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        if p != pid or include_root:
            total += rss.get(p, 0)
        todo += children.get(p, [])
    return total


def measure(cmd: list[str]) -> Measured:
    """Run ``cmd`` in a child process (:func:`analysis.benchmarks.bench.run_measured`: wall,
    CPU of the process and its workers, the largest resident set of one of them by ``wait4``),
    sampling every 0.1 s the summed resident sets of every process this one has started (Linux;
    0 elsewhere), which counts the worker processes together."""
    from analysis.benchmarks.bench import run_measured

    peak = [0]
    done = threading.Event()
    me = os.getpid()

    def sample() -> None:
        while not done.is_set():
            with contextlib.suppress(OSError, ValueError, IndexError):
                peak[0] = max(peak[0], _tree_rss(me, include_root=False))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    if os.path.isdir("/proc"):
        sampler.start()
    try:
        run = run_measured(cmd)
    finally:
        done.set()
        if sampler.is_alive():
            sampler.join()
    return Measured(run.wall, run.cpu, run.peak_rss, peak[0], run.returncode, run.output)


_SUMMARISE = """
import json, sys
from analysis.compute.household_sums import summarise_household_file
scan, summary = summarise_household_file(sys.argv[1], workers=int(sys.argv[2]))
print(json.dumps({"rows": scan.rows, "problems": scan.total_problems, "reader": scan.reader,
                  "summary_rows": None if summary is None else len(summary),
                  "households": None if summary is None else int(summary["total_households"].sum()),
                  "poor": None if summary is None else int(summary["poor_end"].sum())}))
"""


def _last_json(text: str) -> dict:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {}


def bench_households(
    small: int, large: int, work: Path, log, *, workers: int = 2
) -> tuple[list[tuple], list[str]]:
    """Run B5.

    Parameters
    ----------
    small, large : int
        Rows of the ``validate`` files (goal at 1 M) and of the national-size files (27 M).
    work : Path
        Folder for the generated files (under /tmp; removed by the caller).
    log : callable
        Progress lines.
    workers : int
        Worker processes for the large files.

    Returns
    -------
    (list of tuple, list of str)
        Rows ``(item, unit, value, cpu, note)`` and the section's lines.
    """
    py = sys.executable
    rows: list[tuple] = []
    lines: list[str] = []
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    files = {}
    for n, fmt in ((small, "csv"), (small, "parquet"), (large, "parquet"), (large, "csv")):
        target = work / f"households-{n}.{fmt}"
        if target not in files.values():
            t0 = time.perf_counter()
            write_household_file(n, target)
            log(f"B5 wrote {target.name}: {target.stat().st_size / 1024**2:,.0f} MB in "
                f"{time.perf_counter() - t0:.0f} s")  # fmt: skip
        files[(n, fmt)] = target
    national = work / "national-shaped.parquet"
    from analysis.benchmarks.national import national_households

    national_households(small, seed=47, path=national)

    def record(item, run: Measured, note: str, n: int) -> None:
        rows.append((f"{item}: wall", "s", run.wall, run.cpu, note))
        rows.append(
            (f"{item}: peak memory (sum over processes)", "GB", run.tree_rss / 1024**3, None,
             f"largest single process {run.max_rss / 1024**3:.2f} GB")
        )  # fmt: skip
        log(f"B5 {item}: {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, peak "
            f"{run.tree_rss / 1024**3:.2f} GB (one process {run.max_rss / 1024**3:.2f} GB), "
            f"{n:,} rows")  # fmt: skip

    ok = True
    for fmt in ("csv", "parquet"):
        path = files[(small, fmt)]
        run = measure([py, "-m", "analysis", "validate", str(path)])
        if run.returncode != 0:
            raise RuntimeError(f"B5: validate failed on {path.name}:\n{run.output[-2000:]}")
        record(f"validate {small:,} rows, {fmt.upper()} (python -m analysis validate)", run,
               f"file {path.stat().st_size / 1024**2:,.0f} MB", small)  # fmt: skip
        if fmt == "csv":
            ok_small = (
                run.wall <= GOALS["small_seconds"] and run.tree_rss / 1024**3 <= GOALS["small_gb"]
            )
    for fmt in ("parquet", "csv"):
        path = files[(large, fmt)]
        run = measure([py, "-c", _SUMMARISE, str(path), str(workers)])
        result = _last_json(run.output)
        if run.returncode != 0 or result.get("problems") or result.get("rows") != large:
            raise RuntimeError(f"B5: summarise failed on {path.name}:\n{run.output[-2000:]}")
        record(
            f"validate + summarise {large:,} rows, {fmt.upper()}, {workers} workers", run,
            f"file {path.stat().st_size / 1024**2:,.0f} MB; {result['summary_rows']} summary "
            f"rows, {result['households']:,} households, {result['poor']:,} poor", large,
        )  # fmt: skip
        ok = (
            ok
            and run.wall <= GOALS["large_seconds"]
            and run.tree_rss <= GOALS["large_gb"] * 1024**3
        )
    run = measure([py, "-m", "analysis", "validate", str(national)])
    listed = sum(1 for line in run.output.splitlines() if line.startswith("  - "))
    rows.append(("national-shaped file (unknown communes): validate wall", "s", run.wall, run.cpu,
                 f"{small:,} bad rows -> {listed} lines listed (exit {run.returncode})"))  # fmt: skip
    lines += [
        f"Load average when B5 started: {load:.2f}. Goals: {small:,}-row CSV validated in ≤ "
        f"{GOALS['small_seconds']:.0f} s and ≤ {GOALS['small_gb']} GB: "
        f"{'met' if ok_small else 'missed'}; {large:,} rows (Parquet and CSV) validated and "
        f"summarised in ≤ {GOALS['large_seconds']:.0f} s and ≤ {GOALS['large_gb']:.0f} GB: "
        f"{'met' if ok else 'missed'}. Memory is the peak of the summed resident sets of the "
        "process and its workers (sampled every 0.1 s); the note gives the largest single "
        "process (wait4).",
    ]
    return rows, lines
