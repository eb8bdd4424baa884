"""Benchmarks: ``python -m analysis bench`` (``./run.sh bench``) writes ``bench/results.md`` and
``bench/results.csv``.

Cases (``--cases``, comma-separated; see ``bench/README.md``):

B1  full batch: the province overview and the 11 district reports as HTML, PDF and xlsx, with
    the project's runner (``python -m analysis report --force`` in a fresh process, into a
    temporary reports folder), against a naive loop per area of the ``papermill`` CLI,
    ``jupyter nbconvert --to html --no-input`` and the ``weasyprint`` CLI.
B2  unchanged re-run: the same batch again, nothing changed (every report a cache hit); in a
    fresh process (the CLI) and in the same Python process (a notebook or script calling
    ``run_batch`` twice).
B3  national scale: ``--households`` synthetic records (default 27 million) written by
    `analysis.national.national_households`, then loaded, classified and summarised to
    commune, district and province with DuckDB and with pandas; wall time and peak memory of
    each step in its own process (``wait4`` resource usage).
B4  where the time goes: per report, start-up, execution, HTML, PDF, xlsx and writing, in CPU
    seconds (printed and written) and wall seconds, from the manifest of the last B1 runner run.
B5  household lists at any size through the path reports and ``validate`` use
    (`analysis.benchmarks.households_bench`): 1 M-row CSV and Parquet validated by the CLI,
    ``--b5-rows`` (27 M) rows validated and summarised as Parquet and CSV. ``--only B5`` runs
    it alone.

Every timed step runs in a child process; the tables give the median and the spread (min-max)
of ``--repeats`` runs, plus CPU seconds (user + system, the process and its children) because
wall times on a shared machine move with the load, which is recorded too.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from analysis.core import paths
from analysis.core.messages import Message

CASES = ("B1", "B2", "B3", "B4", "B5")
CSV_COLUMNS = [
    "case", "item", "unit", "runs", "median", "min", "max",
    "cpu_seconds_median", "cores", "memory_gb", "note",
]  # fmt: skip
GOALS = {"B1": 10.0, "B2": 20.0, "B3_seconds": 60.0, "B3_gb": 8.0}
QUICK_AREAS = "696"
QUICK_HOUSEHOLDS = 20_000


# -- measuring child processes -----------------------------------------------------------------
@dataclass
class Run:
    """One child process: wall seconds, CPU seconds (with its children), peak RSS (bytes)."""

    wall: float
    cpu: float
    peak_rss: int
    returncode: int
    output: str = ""


def run_measured(cmd: list[str], env: dict | None = None, cwd: str | Path | None = None) -> Run:
    """Run a command and measure it with ``wait4`` (CPU and peak memory of that process tree).

    ``ru_maxrss`` is the largest resident set of the process or of any descendant it waited for
    (not their sum); the runner's report processes are forks sharing the warm process's pages.
    Linux counts in a process's ``ru_maxrss`` the resident set of the process it was forked
    from, so the command is started by a small launcher process (`_LAUNCHER`), not by this one
    (which holds pandas, DuckDB... and would set a floor of ~0.5 GB).
    """
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile(suffix=".json") as res:
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-S", "-c", _LAUNCHER, res.name, *cmd], env=env, cwd=cwd,
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - t0
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
        try:
            usage = json.loads(Path(res.name).read_text() or "{}")
        except ValueError:
            usage = {}
    if not usage:
        return Run(wall, 0.0, 0, proc.returncode or 1, text)
    return Run(wall, usage["cpu"], usage["maxrss_kb"] * 1024, usage["returncode"], text)


# Forks and execs the command, waits for it with wait4 and writes its resource usage as JSON.
_LAUNCHER = """
import json, os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
code = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as fh:
    json.dump({"cpu": ru.ru_utime + ru.ru_stime, "maxrss_kb": ru.ru_maxrss, "returncode": code}, fh)
sys.exit(code)
"""


def _check(run: Run, what: str) -> Run:
    if run.returncode != 0:
        tail = "\n".join(run.output.strip().splitlines()[-15:])
        raise RuntimeError(f"benchmark step failed ({what}, exit {run.returncode}):\n{tail}")
    return run


@dataclass
class Row:
    """One line of the results table."""

    case: str
    item: str
    unit: str
    values: list[float]
    cpu: list[float] = field(default_factory=list)
    note: str = ""

    def stats(self) -> tuple[float, float, float]:
        return statistics.median(self.values), min(self.values), max(self.values)


def machine() -> dict:
    """Cores, memory, CPU model, load and versions of this machine."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    model = platform.processor() or platform.machine()
    with_model = Path("/proc/cpuinfo")
    if with_model.exists():
        for line in with_model.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    import duckdb
    import pandas
    import weasyprint

    return {
        "cores": cores,
        "memory_gb": round(mem, 1),
        "cpu": model,
        "load_at_start": os.getloadavg()[0],
        "python": platform.python_version(),
        "pandas": pandas.__version__,
        "duckdb": duckdb.__version__,
        "weasyprint": weasyprint.__version__,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


# -- B1, B2, B4: the report batch --------------------------------------------------------------
def _python() -> str:
    return sys.executable


def _venv_bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


#: The files of one report (the index page is rewritten by every run, built or not).
REPORT_SUFFIXES = (".html", ".pdf", ".xlsx", ".ipynb")


def _report_cmd(areas: str, force: bool) -> list[str]:
    cmd = [_python(), "-m", "analysis", "report", "--areas", areas, "--lang", "vi"]
    return cmd + (["--force"] if force else [])


def bench_batch(areas: str, repeats: int, work: Path, log) -> dict:
    """B1 (runner), B2 (re-run) and the manifest for B4; returns rows and the last manifest."""
    env = dict(os.environ)
    reports = work / "reports"
    env["BPWB_REPORTS"] = str(reports)
    full, again = [], []
    for i in range(repeats):
        shutil.rmtree(reports, ignore_errors=True)
        run = _check(run_measured(_report_cmd(areas, True), env, paths.root()), "runner batch")
        full.append(run)
        log(f"B1 runner run {i + 1}/{repeats}: {run.wall:.1f} s wall, {run.cpu:.1f} s CPU")
    manifests = sorted(reports.glob("*/vi/manifest.json"))  # the last full run's, for B4
    manifest = json.loads(manifests[0].read_text(encoding="utf-8")) if manifests else {}
    built = {p: p.stat().st_mtime_ns for p in reports.glob("*/vi/*.*")}
    for i in range(repeats):
        run = _check(run_measured(_report_cmd(areas, False), env, paths.root()), "re-run")
        outputs = [p for p in built if p.suffix in REPORT_SUFFIXES and p.name != "index.html"]
        if any(p.stat().st_mtime_ns != built[p] for p in outputs):
            raise RuntimeError(f"B2: the unchanged re-run rebuilt reports:\n{run.output[-2000:]}")
        again.append(run)
        log(f"B2 re-run {i + 1}/{repeats}: {run.wall:.2f} s wall")
    in_process = _rerun_in_process(areas, reports, repeats)
    log(f"B2 in-process re-runs: {', '.join(f'{t:.2f}' for t in in_process)} s")
    return {"full": full, "again": again, "in_process": in_process, "manifest": manifest}


def _rerun_in_process(areas: str, reports: Path, repeats: int) -> list[float]:
    """Time ``run_reports`` called again in one Python process (like a notebook), all cached.

    The first call of the process (cold: imports, hashing the data files) is not timed; it is
    the CLI re-run's case.
    """
    code = (
        "import json, sys, time\n"
        "from analysis.build import batch, runner\n"
        "areas, n = sys.argv[1], int(sys.argv[2])\n"
        "config = batch.make_config(areas=areas, lang='vi', progress=False)\n"
        "out = []\n"
        "for i in range(n + 1):\n"
        "    t = time.perf_counter()\n"
        "    r = runner.run_reports(config, batch.jobs_for(config, 'vi'), 'vi')\n"
        "    out.append(time.perf_counter() - t) if i else None\n"
        "    assert all(x.status == 'cached' for x in r.results), r.summary()\n"
        "print('TIMES', json.dumps(out))\n"
    )
    env = dict(os.environ, BPWB_REPORTS=str(reports))
    run = _check(run_measured([_python(), "-c", code, areas, str(repeats)], env), "in-process")
    line = [x for x in run.output.splitlines() if x.startswith("TIMES ")][-1]
    return json.loads(line[6:])


def naive_loop(areas: list[tuple[str, str, str]], year: int, work: Path, log) -> dict:
    """The naive baseline: per area, papermill CLI, nbconvert CLI, weasyprint CLI, in sequence.

    Parameters
    ----------
    areas : list of (slug, notebook, area parameter)
    """
    out = work / "naive"
    out.mkdir(parents=True, exist_ok=True)
    per_area = {}
    for slug, notebook, area in areas:
        ipynb, html, pdf = out / f"{slug}.ipynb", out / f"{slug}.html", out / f"{slug}.pdf"
        steps = [
            [_venv_bin("papermill"), str(notebook), str(ipynb), "-p", "area", area,
             "-p", "year", str(year), "-p", "lang", "vi", "-k", "python3",
             "--cwd", str(Path(notebook).parent), "--no-progress-bar"],
            [_venv_bin("jupyter"), "nbconvert", "--to", "html", "--no-input", str(ipynb),
             "--output", html.name, "--output-dir", str(out)],
            [_venv_bin("weasyprint"), str(html), str(pdf)],
        ]  # fmt: skip
        runs = [_check(run_measured(cmd), Path(cmd[0]).name) for cmd in steps]
        per_area[slug] = runs
        log(
            f"B1 naive {slug}: {sum(r.wall for r in runs):.1f} s "
            f"(papermill {runs[0].wall:.1f}, nbconvert {runs[1].wall:.1f}, "
            f"weasyprint {runs[2].wall:.1f})"
        )
    return per_area


def _area_list(areas: str, year: int) -> list[tuple[str, str, str]]:
    from analysis.build.batch import plan_jobs

    return [
        (job.slug, str(job.notebook), str(job.parameters["area"]))
        for job in plan_jobs(areas, lang="vi")
    ]


# -- B3: national scale ------------------------------------------------------------------------
_B3_CODE = {
    "generate": (
        "import sys; from analysis.benchmarks import national\n"
        "national.national_households(int(sys.argv[2]), seed=47, path=sys.argv[1])\n"
    ),
    "duckdb": (
        "import sys; from analysis.benchmarks import national\n"
        "s = national.summarise_duckdb(sys.argv[1])\n"
        "import pickle; pickle.dump(s, open(sys.argv[3], 'wb'))\n"
    ),
    "pandas": (
        "import sys; from analysis.benchmarks import national\n"
        "s = national.summarise_pandas(sys.argv[1])\n"
        "import pickle; pickle.dump(s, open(sys.argv[3], 'wb'))\n"
    ),
}


def bench_national(households: int, repeats: int, work: Path, log) -> tuple[list[Row], str]:
    import pickle

    from analysis.benchmarks import national

    path = work / "national.parquet"
    rows = []
    results = {}
    note_n = f"{households:,} households, 63 provinces, 705 districts, 10,000 communes"
    for step in ("generate", "duckdb", "pandas"):
        n_runs = 1 if step == "generate" else repeats
        runs = []
        for i in range(n_runs):
            out = work / f"{step}.pkl"
            cmd = [_python(), "-c", _B3_CODE[step], str(path), str(households), str(out)]
            run = _check(run_measured(cmd), f"B3 {step}")
            runs.append(run)
            log(
                f"B3 {step} {i + 1}/{n_runs}: {run.wall:.1f} s, "
                f"peak {run.peak_rss / 1024**3:.2f} GB"
            )
            if out.exists():
                with open(out, "rb") as fh:
                    results[step] = pickle.load(fh)
        label = {
            "generate": "generate records (Parquet, row groups of 1 M)",
            "duckdb": "load + classify + aggregate, DuckDB",
            "pandas": "load + classify + aggregate, pandas",
        }[step]
        note = note_n + ("; file " + _size(path) if step == "generate" else "")
        rows.append(Row("B3", f"{label}: wall", "s", [r.wall for r in runs],
                        [r.cpu for r in runs], note))  # fmt: skip
        rows.append(Row("B3", f"{label}: peak memory", "GB",
                        [r.peak_rss / 1024**3 for r in runs], [], "largest resident set"))  # fmt: skip
    diff = national.compare(results["duckdb"], results["pandas"])
    return rows, f"DuckDB and pandas summaries: largest difference {diff:.3g}"


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 1024**2:,.0f} MB" if path.exists() else "?"


# -- report ------------------------------------------------------------------------------------
def _fmt(value: float, unit: str) -> str:
    if unit == "GB":
        return f"{value:.2f}"
    if unit == "×":
        return f"{value:.1f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def write_results(out_dir: Path, info: dict, rows: list[Row], sections: dict[str, list[str]]):
    """Write ``results.csv`` (one line per row) and ``results.md`` (tables and notes)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "results.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            med, lo, hi = row.stats()
            cpu = f"{statistics.median(row.cpu):.2f}" if row.cpu else ""
            writer.writerow([row.case, row.item, row.unit, len(row.values), f"{med:.4g}",
                             f"{lo:.4g}", f"{hi:.4g}", cpu, info["cores"], info["memory_gb"],
                             row.note])  # fmt: skip
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python -m analysis bench` on {info['date']}; see `bench/README.md`.",
        "",
        "| machine | |",
        "|---|---|",
        f"| cores | {info['cores']} |",
        f"| memory | {info['memory_gb']} GB |",
        f"| CPU | {info['cpu']} |",
        f"| load average at start | {info['load_at_start']:.2f} |",
        f"| Python, pandas, DuckDB, WeasyPrint | {info['python']}, {info['pandas']}, "
        f"{info['duckdb']}, {info['weasyprint']} |",
        "",
    ]
    for case in CASES:
        case_rows = [r for r in rows if r.case == case]
        if not case_rows and case not in sections:
            continue
        lines += [f"## {case}", ""]
        if case_rows:
            lines += [
                "| item | unit | runs | median | min-max | CPU s (median) | note |",
                "|---|---|---:|---:|---:|---:|---|",
            ]
            for row in case_rows:
                med, lo, hi = row.stats()
                cpu = f"{statistics.median(row.cpu):.1f}" if row.cpu else ""
                lines.append(
                    f"| {row.item} | {row.unit} | {len(row.values)} | {_fmt(med, row.unit)} | "
                    f"{_fmt(lo, row.unit)}-{_fmt(hi, row.unit)} | {cpu} | {row.note} |"
                )
            lines.append("")
        lines += sections.get(case, [])
        lines.append("")
    (out_dir / "results.md").write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


def _goal(ok: bool) -> str:
    return "met" if ok else "missed"


def _b1_rows(batch: dict, areas: str, year: int, naive_areas: int | None, work: Path, info: dict,
             log) -> tuple[list[Row], list[str]]:  # fmt: skip
    """B1: the runner against the naive loop; rows and the section's note."""
    rows: list[Row] = []
    area_list = _area_list(areas, year)
    n_total = len(area_list)
    n_naive = n_total if not naive_areas else max(1, min(int(naive_areas), n_total))
    per_area = naive_loop(area_list[:n_naive], year, work, log)
    runner_wall = [r.wall for r in batch["full"]]
    rows.append(Row(
        "B1", f"runner: {n_total} reports, HTML+PDF+xlsx (CLI, fresh process)", "s",
        runner_wall, [r.cpu for r in batch["full"]],
        f"python -m analysis report --force, {info['cores']} workers",
    ))  # fmt: skip
    totals = {slug: sum(r.wall for r in runs) for slug, runs in per_area.items()}
    cpus = {slug: sum(r.cpu for r in runs) for slug, runs in per_area.items()}
    for step, name in enumerate(("papermill", "nbconvert --no-input", "weasyprint")):
        rows.append(Row(
            "B1", f"naive: {name} per area", "s",
            [runs[step].wall for runs in per_area.values()],
            [runs[step].cpu for runs in per_area.values()],
            f"{len(per_area)} areas, one run each",
        ))  # fmt: skip
    measured = sum(totals.values())
    if n_naive == n_total:
        naive_total = measured
        how = f"measured over all {n_total} areas, one run"
    else:  # the province first, then districts: scale the districts' mean
        first = area_list[0][0]
        others = [t for s, t in totals.items() if s != first]
        mean_other = statistics.mean(others) if others else totals[first]
        naive_total = totals[first] + mean_other * (n_total - 1)
        how = (
            f"EXTRAPOLATED: measured {n_naive} of {n_total} areas ({measured:.0f} s), "
            f"{first} + mean of the others x {n_total - 1}"
        )
    rows.append(Row("B1", f"naive loop total, {n_total} areas (HTML+PDF, no xlsx)", "s",
                    [naive_total], [sum(cpus.values())], how))  # fmt: skip
    ratio = naive_total / statistics.median(runner_wall)
    rows.append(Row("B1", "speed-up: naive total / runner median", "×", [ratio], [],
                    f"goal ≥ {GOALS['B1']:.0f}× on 2 cores: {_goal(ratio >= GOALS['B1'])}"))  # fmt: skip
    section = [
        f"Naive baseline: {how}. The naive loop writes no xlsx; the runner writes it.",
    ]
    return rows, section


def _b2_rows(batch: dict) -> list[Row]:
    """B2: the unchanged re-run, from a fresh process and in the same process."""
    rows: list[Row] = []
    b1 = statistics.median(r.wall for r in batch["full"])
    again = [r.wall for r in batch["again"]]
    inproc = batch["in_process"]
    rows.append(Row("B2", "re-run, nothing changed (CLI, fresh process)", "s", again,
                    [r.cpu for r in batch["again"]], "every report a cache hit"))  # fmt: skip
    rows.append(Row("B2", "re-run, nothing changed (run_batch again in the same process)",
                    "s", inproc, [], "e.g. JupyterLab; after a first (cold) call"))  # fmt: skip
    r_cli = b1 / statistics.median(again)
    r_in = b1 / statistics.median(inproc)
    rows.append(Row("B2", "speed-up: B1 runner / re-run (CLI)", "×", [r_cli], [],
                    f"goal ≥ {GOALS['B2']:.0f}×: {_goal(r_cli >= 20)}"))  # fmt: skip
    rows.append(Row("B2", "speed-up: B1 runner / re-run (same process)", "×", [r_in], [],
                    f"goal ≥ {GOALS['B2']:.0f}×: {_goal(r_in >= 20)}"))  # fmt: skip
    return rows


def main(args: argparse.Namespace) -> int:
    """Run the benchmark cases; returns the exit code."""
    quick = bool(getattr(args, "quick", False))
    chosen = getattr(args, "only", None) or getattr(args, "cases", ",".join(CASES))
    cases = [c.strip().upper() for c in str(chosen).split(",")]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        raise SystemExit(f"unknown case(s) {unknown}; choose from {', '.join(CASES)}")
    repeats = max(1, int(getattr(args, "repeats", 3) or 1))
    households = int(getattr(args, "households", 27_000_000) or 27_000_000)
    areas = getattr(args, "areas", None) or ("all" if not quick else QUICK_AREAS)
    naive_areas = getattr(args, "naive_areas", None)
    if quick:
        repeats = 1 if getattr(args, "repeats", None) in (None, 3) else repeats
        households = min(households, QUICK_HOUSEHOLDS)
    out_dir = Path(getattr(args, "out", None) or paths.root() / "bench")
    keep = bool(getattr(args, "keep", False))

    def log(msg: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    from analysis.build.batch import resolve_year

    info = machine()
    log(f"{info['cores']} cores, {info['memory_gb']} GB, load {info['load_at_start']:.2f}")
    year = resolve_year("latest")
    rows: list[Row] = []
    sections: dict[str, list[str]] = {}
    work = Path(tempfile.mkdtemp(prefix="bpwb-bench-"))
    try:
        batch = None
        if {"B1", "B2", "B4"} & set(cases):
            batch = bench_batch(areas, repeats, work, log)
        if "B1" in cases and batch is not None:
            b1_rows, sections["B1"] = _b1_rows(batch, areas, year, naive_areas, work, info, log)
            rows += b1_rows
        if "B2" in cases and batch is not None:
            rows += _b2_rows(batch)
        if "B3" in cases:
            b3_rows, agree = bench_national(households, repeats, work, log)
            rows += b3_rows
            duck = next(
                r for r in b3_rows if r.item.startswith("load") and "DuckDB: wall" in r.item
            )
            mem = next(r for r in b3_rows if "DuckDB: peak" in r.item)
            ok = duck.stats()[0] <= GOALS["B3_seconds"] and mem.stats()[2] <= GOALS["B3_gb"]
            sections["B3"] = [
                f"{agree}. Goal (DuckDB) ≤ {GOALS['B3_seconds']:.0f} s and ≤ "
                f"{GOALS['B3_gb']:.0f} GB peak: {_goal(ok)}."
            ]
        if "B4" in cases and batch is not None:
            sections["B4"] = _b4_section(batch["manifest"], rows, log)
        if "B5" in cases:
            rows += _b5(args, quick, work, log, sections)
    finally:
        if keep:
            log(f"kept the work folder {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    write_results(out_dir, info, rows, sections)
    log(f"wrote {out_dir / 'results.md'} and {out_dir / 'results.csv'}")
    return 0


def _b5(args, quick: bool, work: Path, log, sections: dict) -> list[Row]:
    from analysis.benchmarks import households_bench as hb

    small = hb.SMALL_ROWS if not quick else QUICK_HOUSEHOLDS
    large = int(getattr(args, "b5_rows", None) or hb.LARGE_ROWS)
    large = min(large, 2 * QUICK_HOUSEHOLDS) if quick else large
    found, sections["B5"] = hb.bench_households(small, large, work, log)
    return [
        Row("B5", item, unit, [value], [] if cpu is None else [cpu], note)
        for item, unit, value, cpu, note in found
    ]


_B4_STEPS = ("startup", "execute", "html", "pdf", "xlsx", "write", "total", "cpu")
_B4_CPU_STEPS = ("startup", "execute", "facts", "html", "pdf", "xlsx", "write")


def _b4_table(reports: dict, steps: tuple[str, ...], prefix: str, last: str) -> list[str]:
    """One markdown table: a row per report, a column per step (``prefix + step``), then
    ``last``, and a closing row of the steps' shares of ``last``."""
    cols = [*steps, last]
    lines = ["| report | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    sums = dict.fromkeys(cols, 0.0)
    for slug, entry in reports.items():
        t = entry.get("timings", {})
        values = [float(t.get(prefix + k, 0) or 0) for k in steps] + [float(t.get(last, 0) or 0)]
        lines.append(f"| {slug} | " + " | ".join(f"{v:.2f}" for v in values) + " |")
        for k, v in zip(cols, values, strict=True):
            sums[k] += v
    n = max(len(reports), 1)
    lines.append("| **mean** | " + " | ".join(f"{sums[k] / n:.2f}" for k in cols) + " |")
    total = sums[last] or 1.0
    lines.append(
        "| **share** | " + " | ".join(f"{100 * sums[k] / total:.0f} %" for k in cols) + " |"
    )
    return lines


def _b4_section(manifest: dict, rows: list[Row], log=None) -> list[str]:
    reports = manifest.get("reports", {})
    if not reports:
        return ["(no manifest)"]
    workers = manifest.get("last_batch", {}).get("workers", "?")
    cpu_lines = _b4_table(reports, _B4_CPU_STEPS, "cpu_", "cpu")
    lines = [
        "CPU seconds per report and stage in the last B1 runner run (from the manifest; "
        "`time.process_time` of the report process around each stage, its clock starting at the "
        "fork): `startup` fork to the notebook, `execute` papermill and the cells, `facts` the "
        "index page's facts, `write` the "
        "atomic writes, `cpu` the whole report process. These do not depend on the machine's "
        "load; compare them across runs.",
        "",
        *cpu_lines,
        "",
        "Wall seconds per report (same run): `startup` is fork to first cell, `total` the wall "
        "time from fork to result (the rest of `total` beyond `cpu` is waiting for a core); "
        f"reports ran {workers} at a time.",
        "",
        *_b4_table(reports, _B4_STEPS[:-2], "", "total"),
    ]
    last = manifest.get("last_batch") or {}
    lines += [
        "",
        f"Batch wall time {last.get('wall_seconds', 0):.1f} s (in the CLI process, after its "
        f"start-up), worker warm-up {last.get('worker_warmup_seconds', 0):.1f} s.",
    ]
    if log is not None:
        log("B4 CPU seconds per report and stage:\n" + "\n".join(cpu_lines))
    for k in _B4_STEPS:
        rows.append(
            Row(
                "B4",
                f"per report: {k}",
                "s",
                [float(e.get("timings", {}).get(k, 0) or 0) for e in reports.values()],
                [],
                ("CPU" if k == "cpu" else "wall")
                + " seconds over reports (min-max across reports)",
            )
        )
    for k in _B4_CPU_STEPS:
        rows.append(
            Row(
                "B4",
                f"per report, CPU: {k}",
                "s",
                [float(e.get("timings", {}).get("cpu_" + k, 0) or 0) for e in reports.values()],
                [],
                "CPU seconds over reports (min-max across reports)",
            )
        )
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The bench options (``python -m analysis.benchmarks.bench``; cli.py's ``bench`` has a subset).

    Their help texts are the catalogue's ``bench.help.<option>``, in the message language.
    """
    options = {
        "--cases": {"default": ",".join(CASES)}, "--only": {}, "--b5-rows": {"type": int},
        "--repeats": {"type": int, "default": 3}, "--households": {"type": int, "default": 27_000_000},
        "--quick": {"action": "store_true"}, "--areas": {}, "--naive-areas": {"type": int},
        "--out": {}, "--keep": {"action": "store_true"},
    }  # fmt: skip
    for flag, kwargs in options.items():
        key = flag.removeprefix("--").replace("-", "_")
        parser.add_argument(flag, help=Message(f"bench.help.{key}").text(), **kwargs)


if __name__ == "__main__":
    _parser = argparse.ArgumentParser(
        prog="python -m analysis.benchmarks.bench", description=__doc__
    )
    add_arguments(_parser)
    raise SystemExit(main(_parser.parse_args()))
