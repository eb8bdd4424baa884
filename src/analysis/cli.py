"""Command line: ``python -m analysis <command>`` (also installed as ``bpwb``).

Commands
--------
report     build the reports (district reports and the province overview) — the main job
summary    print the province summary of a review year
validate   check summary or household files; exit 1 if any has problems
template   write a blank Excel summary form
data       ensure | check the bundled data (generate the synthetic panel, verify checksums)
backtest   the calibration study: forecast errors, interval coverage, reliability
bench      run the benchmarks
"""

from __future__ import annotations

import argparse
import sys


def _cmd_summary(args: argparse.Namespace) -> int:
    from analysis.report import context as report

    print(report.province_summary_text(year=args.year, lang=args.lang, data_source=args.data))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from analysis.intake.load import main_validate

    return main_validate(args.files)


def _cmd_template(args: argparse.Namespace) -> int:
    from analysis.intake.template import write_summary_template

    write_summary_template(args.path, year=args.year, level=args.level, lang=args.lang)
    print(f"wrote {args.path}")
    return 0


def _cmd_data(args: argparse.Namespace) -> int:
    from analysis.bundled import datasets

    if args.action == "ensure":
        made = datasets.ensure()
        for path in made:
            print(f"generated {path.name}")
        print("data: all files match data/manifest.csv")
        return 0
    problems = datasets.check()
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print("data: all files match data/manifest.csv")
    return 1 if problems else 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    import time

    from analysis.projection import calibration_tables, evaluation
    from analysis.projection.calibration import CALIBRATION_CSV, write_scales
    from analysis.report import context as report

    started = time.perf_counter()
    summary = report.load_summary(args.data)
    rows = summary[summary["zone"] != "all"] if "zone" in summary else summary
    holdout = None
    if args.data is None and not args.no_holdout:
        from analysis.bundled.synthetic_extended import holdout_summary

        # by former commune: districts are then summed from communes in every year
        rows = rows[rows["area_level"] == "commune"]
        holdout = holdout_summary(years=evaluation.HOLDOUT_YEARS)
    loaded = time.perf_counter()
    ev = evaluation.evaluate(rows, args.seed, holdout=holdout, n_paths=args.paths)
    done = time.perf_counter()
    tables = calibration_tables.study_tables(ev)
    timing = (
        f"data {loaded - started:.1f} s (holdout years included: {holdout is not None}), "
        f"backtests and scores {done - loaded:.1f} s"
    )
    print(calibration_tables.render(tables))
    print(f"time: {timing}")
    if args.write_calibration:
        source = args.data or "bundled data"
        note = f"backtests of {source} to {int(rows['year'].max())}, 3 points per fit, seed {args.seed}"
        write_scales(ev.scales, CALIBRATION_CSV, counts=ev.counts, note=note)
        print(f"wrote {CALIBRATION_CSV}")
    if args.out:
        from pathlib import Path

        text = calibration_tables.calibration_markdown(tables, args, timing)
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from analysis.build import batch

    return batch.main(args)


def _cmd_bench(args: argparse.Namespace) -> int:
    from analysis.benchmarks import bench

    return bench.main(args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("summary", help="print the province summary of a review year")
    p.add_argument("--year", type=int, default=None, help="review year (default: latest)")
    p.add_argument("--lang", choices=["vi", "en"], default="vi")
    p.add_argument("--data", default=None, help="summary or household file (default: bundled)")
    p.set_defaults(func=_cmd_summary)

    p = sub.add_parser("validate", help="check data files; exit 1 on any problem")
    p.add_argument("files", nargs="+", help="summary or household files (CSV, xlsx, Parquet)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("template", help="write a blank Excel summary form")
    p.add_argument("path")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--level", choices=["district", "commune"], default="district")
    p.add_argument("--lang", choices=["vi", "en"], default="vi")
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser("data", help="ensure or check the bundled data")
    p.add_argument("action", choices=["ensure", "check"])
    p.set_defaults(func=_cmd_data)

    p = sub.add_parser(
        "backtest", help="forecast errors, interval coverage and reliability (calibration study)"
    )
    p.add_argument("--data", default=None, help="data file (default: bundled synthetic data)")
    p.add_argument("--seed", type=int, default=47, help="seed of the simulations")
    p.add_argument("--paths", type=int, default=1000, help="simulated paths per model and fit")
    p.add_argument(
        "--no-holdout", action="store_true", help="leave out the held-out years 2025-2026"
    )
    p.add_argument("--out", default=None, help="also write the tables as Markdown to this file")
    p.add_argument(
        "--write-calibration",
        action="store_true",
        help="write the fitted recalibration factors to projection/calibration.csv",
    )
    p.set_defaults(func=_cmd_backtest)

    p = sub.add_parser("report", help="build reports (the main job)")
    p.add_argument("--year", default="latest", help="review year or 'latest'")
    p.add_argument(
        "--areas", default="all", help="'all', 'province', or names/codes, comma-separated"
    )
    p.add_argument("--lang", default="vi", help="vi, en, or vi,en")
    p.add_argument("--formats", default="html,pdf,xlsx")
    p.add_argument("--data", default=None, help="data file (default: bundled synthetic data)")
    p.add_argument("--min-households", type=int, default=50)
    p.add_argument("--workers", type=int, default=None, help="parallel workers (default: cores)")
    p.add_argument("--engine", choices=["fork", "kernel"], default="fork")
    p.add_argument("--executor", choices=["local", "dask"], default="local")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address tcp://HOST:PORT")
    p.add_argument("--force", action="store_true", help="rebuild even if inputs are unchanged")
    p.add_argument("--geojson", default=None, help="district boundaries for a real choropleth")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("bench", help="run the benchmarks (writes bench/results.md and .csv)")
    from analysis.benchmarks.bench import add_arguments

    add_arguments(p)
    p.set_defaults(func=_cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a clear one-line message, never a deep traceback
        from analysis.core.errors import is_user_error

        if is_user_error(exc):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    raise SystemExit(main())
