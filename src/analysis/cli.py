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

Exit codes
----------
0    done
1    done, and problems found (``validate``, ``data check``) or some reports failed (``report``)
2    a usage error (a bad option: argparse's message) or a user error (the project's
     `WorkbookError`: a bad file, an unknown area, a year not in the data...; a missing or
     unwritable file): one clear message
3    an unexpected error, a bug: one line says what failed and where its traceback was written
130  interrupted (Ctrl+C)

No command prints a traceback unless ``--debug`` is given (before or after the command's name).

Messages
--------
Messages (errors, usage errors, what was written) are in Vietnamese by default and in English with
``--lang en`` (before or after the command's name; ``report --lang en,vi`` uses its first
language), else as ``BPWB_LANG`` or the locale say (:mod:`analysis.core.messages`). So are the help
texts (``--help``): the parser is built once the message language is known.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from analysis.core.errors import write_traceback_log
from analysis.core.i18n import LANGS
from analysis.core.messages import ENV_VAR, Message, set_message_language

EXIT_USER_ERROR = 2
EXIT_UNEXPECTED = 3
EXIT_INTERRUPTED = 130


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
    print(Message("cli.wrote", path=args.path).text())
    return 0


def _cmd_data(args: argparse.Namespace) -> int:
    from analysis.bundled import datasets

    if args.action == "ensure":
        made = datasets.ensure()
        for path in made:
            print(Message("cli.generated", name=path.name).text())
        print(Message("cli.data_ok").text())
        return 0
    problems = datasets.check()
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print(Message("cli.data_ok").text())
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
        print(Message("cli.wrote", path=CALIBRATION_CSV).text())
    if args.out:
        from pathlib import Path

        text = calibration_tables.calibration_markdown(tables, args, timing)
        Path(args.out).write_text(text, encoding="utf-8")
        print(Message("cli.wrote", path=args.out).text())
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from analysis.build import batch

    return batch.main(args)


def _cmd_bench(args: argparse.Namespace) -> int:
    from analysis.benchmarks import bench

    return bench.main(args)


#: What each command runs: ``run(args)`` returns the exit code (None for 0).
COMMANDS = {
    "report": _cmd_report,
    "summary": _cmd_summary,
    "validate": _cmd_validate,
    "template": _cmd_template,
    "data": _cmd_data,
    "backtest": _cmd_backtest,
    "bench": _cmd_bench,
}


def _formats(text: str) -> str:
    """``report --formats``, checked by argparse (a usage error names the allowed formats)."""
    from analysis.build.batch import check_formats

    return ",".join(_as_usage_error(check_formats, text))


def _languages(text: str) -> str:
    """``report --lang``, checked by argparse (a usage error names the allowed languages)."""
    from analysis.build.batch import check_languages

    return ",".join(_as_usage_error(check_languages, text))


def _at_least(minimum: int):
    """An argparse type: an integer ``>= minimum`` (else a usage error saying so)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            message = Message("cli.at_least", minimum=minimum, text=repr(text))
            raise argparse.ArgumentTypeError(message.text())
        return value

    return parse


def _as_usage_error(check, text: str):
    """``check(text)``, its `WorkbookError` turned into argparse's usage error (exit 2)."""
    from analysis.core.errors import WorkbookError

    try:
        return check(text)
    except WorkbookError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


#: argparse's own usage errors -> (pattern, message key, the groups' field names).
_USAGE_ERRORS = (
    (r"the following arguments are required: (.*)", "usage.required", ("names",)),
    (r"invalid choice: (.*) \(choose from (.*)\)", "usage.invalid_choice", ("value", "choices")),
    (r"unrecognized arguments: (.*)", "usage.unrecognized", ("args",)),
    (r"expected one argument", "usage.expected_one", ()),
    (r"invalid (\S+) value: (.*)", "usage.invalid_value", ("type", "value")),
)


def usage_message(text: str) -> str:
    """An argparse usage error in the message language (its English text if it is not known).

    Examples
    --------
    >>> from analysis.core.messages import messages_in
    >>> with messages_in("vi"):
    ...     usage_message("argument --engine: invalid choice: 'x' (choose from 'fork', 'kernel')")
    "tham số --engine: lựa chọn không hợp lệ: 'x' (chọn một trong 'fork', 'kernel')"
    """
    argument = re.fullmatch(r"argument (\S+?): (.*)", text, flags=re.S)
    if argument:
        inner = usage_message(argument.group(2))
        return Message("usage.argument", arg=argument.group(1), message=inner).text()
    for pattern, key, names in _USAGE_ERRORS:
        found = re.fullmatch(pattern, text, flags=re.S)
        if found:
            return Message(key, **dict(zip(names, found.groups(), strict=True))).text()
    return text


def _help(key: str) -> str:
    """The help text ``key`` of the catalogue in the message language (``%(default)s`` kept)."""
    return Message(key).text()


class Parser(argparse.ArgumentParser):
    """An argument parser whose help and usage errors are in the message language.

    Its headings and its ``--help`` option are the catalogue's too (``help.positionals``,
    ``help.options``, ``help.help``), in the language set when it is built.
    """

    def __init__(self, *args, add_help: bool = True, parents=(), **kwargs):
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = _help("help.positionals")
        self._optionals.title = _help("help.options")
        if add_help:
            self.add_argument(
                "-h", "--help", action="help", default=argparse.SUPPRESS, help=_help("help.help")
            )
        for parent in parents:  # after -h, as argparse's own ``parents`` would be
            self._add_container_actions(parent)
            self._defaults.update(parent._defaults)

    def format_usage(self) -> str:
        """The usage line, its "usage:" in the message language."""
        text = super().format_usage()
        return re.sub(r"^usage:", Message("usage.usage").text(), text)

    def format_help(self) -> str:
        """The help, its "usage:" in the message language."""
        text = super().format_help()
        return re.sub(r"^usage:", Message("usage.usage").text(), text)

    def error(self, message: str):
        """Print the usage and the error in the message language; exit 2."""
        self.print_usage(sys.stderr)
        text = Message("usage.error", prog=self.prog, message=usage_message(message)).text()
        self.exit(2, text + "\n")


def message_lang_of(argv: Sequence[str]) -> str | None:
    """The language of a ``--lang`` given in ``argv`` (its first one for ``vi,en``), else None.

    Examples
    --------
    >>> message_lang_of(["validate", "--lang", "en", "x.csv"]), message_lang_of(["--lang=vi,en"])
    ('en', 'vi')
    """
    for i, arg in enumerate(argv):
        value = None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value is not None:  # a list with an unknown language is argparse's to refuse
            given = [x.strip().lower() for x in value.split(",")]
            return given[0] if all(x in LANGS for x in given) else None
    return None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command, its help texts in the message language.

    The language is the one in force when it is built (`message_language`): `main` sets it from
    ``--lang`` before building the parser.
    """
    langs = list(LANGS)
    data_help = _help("help.data_file")
    parser = Parser(
        prog="python -m analysis",
        description=_help("help.description"),
        epilog=_help("help.epilog"),
    )
    parser.add_argument("--debug", action="store_true", help=_help("help.debug"))
    lang_help = _help("help.lang")
    parser.add_argument(
        "--lang", dest="message_lang", choices=langs, metavar="LANG", help=lang_help
    )
    # --debug after the command's name too; SUPPRESS keeps a --debug given before it
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help=_help("help.debug")
    )
    sub = parser.add_subparsers(dest="command", required=True, help=_help("help.commands"))

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=text, description=text, parents=[common])

    p = command("summary", _help("help.summary"))
    p.add_argument("--year", type=int, default=None, help=_help("help.summary.year"))
    p.add_argument("--lang", choices=langs, default="vi", help=_help("help.summary.lang"))
    p.add_argument("--data", default=None, help=_help("help.summary.data"))

    p = command("validate", _help("help.validate"))
    p.add_argument("files", nargs="+", help=_help("help.validate.files"))
    p.add_argument("--lang", choices=langs, default=None, help=lang_help)

    p = command("template", _help("help.template"))
    p.add_argument("path", help=_help("help.template.path"))
    p.add_argument("--year", type=int, required=True, help=_help("help.template.year"))
    p.add_argument(
        "--level",
        choices=["district", "commune"],
        default="district",
        help=_help("help.template.level"),
    )
    p.add_argument("--lang", choices=langs, default="vi", help=_help("help.template.lang"))

    p = command("data", _help("help.data"))
    p.add_argument("action", choices=["ensure", "check"], help=_help("help.data.action"))
    p.add_argument("--lang", choices=langs, default=None, help=lang_help)

    p = command("backtest", _help("help.backtest"))
    p.add_argument("--data", default=None, help=data_help)
    p.add_argument("--lang", choices=langs, default=None, help=lang_help)
    p.add_argument("--seed", type=int, default=47, help=_help("help.backtest.seed"))
    p.add_argument("--paths", type=_at_least(1), default=1000, help=_help("help.backtest.paths"))
    p.add_argument("--no-holdout", action="store_true", help=_help("help.backtest.no_holdout"))
    p.add_argument("--out", default=None, help=_help("help.backtest.out"))
    p.add_argument(
        "--write-calibration", action="store_true", help=_help("help.backtest.write_calibration")
    )

    p = command("report", _help("help.report"))
    p.add_argument("--year", default="latest", help=_help("help.report.year"))
    p.add_argument("--areas", default="all", help=_help("help.report.areas"))
    p.add_argument("--lang", default="vi", type=_languages, help=_help("help.report.lang"))
    p.add_argument(
        "--formats", default="html,pdf,xlsx", type=_formats, help=_help("help.report.formats")
    )
    p.add_argument("--data", default=None, help=data_help)
    p.add_argument(
        "--min-households",
        type=_at_least(0),
        default=50,
        help=_help("help.report.min_households"),
    )
    p.add_argument("--workers", type=_at_least(0), default=None, help=_help("help.report.workers"))
    p.add_argument(
        "--engine", choices=["fork", "kernel"], default="fork", help=_help("help.report.engine")
    )
    p.add_argument(
        "--executor",
        choices=["local", "dask"],
        default="local",
        help=_help("help.report.executor"),
    )
    p.add_argument("--scheduler", default=None, help=_help("help.report.scheduler"))
    p.add_argument("--force", action="store_true", help=_help("help.report.force"))
    p.add_argument("--geojson", default=None, help=_help("help.report.geojson"))

    p = command("bench", _help("help.bench"))
    from analysis.benchmarks.bench import add_arguments

    add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code (see the module docstring).

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0, 1, 2, 3 or 130; a usage error exits 2 through argparse (`SystemExit`).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # until the arguments are parsed
    lang = message_lang_of(argv)
    if lang is not None:  # before parsing, so that usage errors are in that language too
        set_message_language(lang)
        os.environ[ENV_VAR] = lang  # and in the processes the command starts (kernels, workers)
    try:
        args = build_parser().parse_args(argv)
        debug = bool(args.debug)
        return int(COMMANDS[args.command](args) or 0)
    except KeyboardInterrupt:
        print(Message("cli.interrupted").text(), file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a clear message, never a traceback unless --debug
        return report_error(exc, argv, debug=debug)


def report_error(exc: Exception, argv: Sequence[str], debug: bool = False) -> int:
    """Tell the user about an error that ended a command, and return the exit code.

    Parameters
    ----------
    exc : Exception
        The error.
    argv : sequence of str
        The command's arguments (its name is the first of `COMMANDS` among them).
    debug : bool
        Print the traceback instead of the one-line message.

    Returns
    -------
    int
        `EXIT_USER_ERROR` for a user error (`is_user_error`, or a file that cannot be read or
        written), else `EXIT_UNEXPECTED`, whose traceback is also written to a log file
        (`write_error_log`) unless ``debug``.
    """
    from analysis.core.errors import is_user_error

    user_error = is_user_error(exc) or (isinstance(exc, OSError) and exc.filename is not None)
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
        return EXIT_USER_ERROR if user_error else EXIT_UNEXPECTED
    if user_error:
        print(Message("cli.error", message=user_message(exc)).text(), file=sys.stderr)
        return EXIT_USER_ERROR
    print(error_line(exc, command_of(argv), write_error_log(exc, argv)), file=sys.stderr)
    return EXIT_UNEXPECTED


def user_message(exc: BaseException) -> str:
    """What a user error says, in the message language.

    A `WorkbookError` says it itself; a file that is missing or may not be read or written is
    named with what is wrong.
    """
    filename = getattr(exc, "filename", None)
    if isinstance(exc, FileNotFoundError) and filename is not None:
        return Message("cli.no_file", path=repr(str(filename))).text()
    if isinstance(exc, PermissionError) and filename is not None:
        return Message("cli.no_permission", path=repr(str(filename))).text()
    if isinstance(exc, OSError) and filename is not None:
        reason = exc.strerror or type(exc).__name__
        return Message("cli.os_error", path=repr(str(filename)), reason=reason).text()
    return str(exc)


def command_of(argv: Sequence[str]) -> str:
    """The command's name in ``argv`` (``"python -m analysis"`` if none is there)."""
    return next((a for a in argv if a in COMMANDS), "python -m analysis")


def error_line(exc: BaseException, command: str, log: Path | None) -> str:
    """The one line that reports an unexpected error: what failed, and where the traceback is.

    Examples
    --------
    >>> error_line(ValueError("boom\nmore"), "report", Path("/tmp/x.log"))
    "error: 'report' failed unexpectedly (ValueError: boom); traceback in /tmp/x.log"
    """
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    if len(first) > 200:
        first = first[:199] + "…"
    what = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    where = Message("cli.traceback_in", log=log) if log else Message("cli.rerun_debug")
    return Message("cli.unexpected", command=repr(command), what=what, where=where).text()


def write_error_log(exc: BaseException, argv: Sequence[str]) -> Path | None:
    """Write the traceback of ``exc`` with the command line to a new file in the temp folder.

    Returns
    -------
    Path or None
        ``<tmp>/bpwb-<command>-<UTC time>-<random>.log``; None if it could not be written.
    """
    header = (
        f"command: python -m analysis {' '.join(argv)}\n"
        f"python: {platform.python_version()} ({sys.executable})\n"
        f"platform: {platform.platform()}"
    )
    return write_traceback_log(exc, command_of(argv).replace(" ", "-"), header)


if __name__ == "__main__":
    raise SystemExit(main())
