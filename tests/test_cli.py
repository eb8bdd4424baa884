"""The command line: exit codes and messages a person sees (no traceback from any command).

Unexpected errors are simulated by replacing a command's function in `analysis.cli.COMMANDS`;
the expected lines are written out in full.
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import cli as analysis_cli
from analysis.core import messages as m
from analysis.core.messages import messages_in

FIXTURES = Path(__file__).parent / "fixtures" / "intake"


def cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=cwd
    )


def test_validate_bad_file_lists_file_row_column_and_exits_1():
    result = cli("validate", str(FIXTURES / "bad" / "poor_gt_total.csv"))
    assert result.returncode == 1
    assert "poor_gt_total.csv, row 3, column 'poor_end'" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_good_files_exit_0():
    good = sorted(str(p) for p in (FIXTURES / "good").glob("*.csv"))
    result = cli("validate", *good)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("OK:") == len(good)


def test_unknown_district_is_one_clear_line():
    result = cli("report", "--areas", "Bu Dan", "--formats", "html")
    assert result.returncode == 2
    assert "error: unknown district 'Bu Dan'; closest known names: Bù Đăng" in result.stderr
    assert "Traceback" not in result.stderr


def test_template_command(tmp_path):
    out = tmp_path / "form.xlsx"
    result = cli("template", str(out), "--year", "2024")
    assert result.returncode == 0 and out.stat().st_size > 0


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_summary_prints_the_province_and_every_district(lang):
    result = cli("summary", "--lang", lang)
    assert result.returncode == 0
    for name in ("Bình Phước", "Bù Đăng", "Chơn Thành", "Lộc Ninh"):
        assert name in result.stdout
    assert ("Dữ liệu mô phỏng" if lang == "vi" else "Synthetic data") in result.stdout


# -- errors: one clear line, exit codes, --debug ------------------------------------------------
# The minimal valid arguments of each command (its function is replaced before it runs).
COMMAND_ARGS = {
    "report": ["report"],
    "summary": ["summary"],
    "validate": ["validate", "x.csv"],
    "template": ["template", "x.xlsx", "--year", "2024"],
    "data": ["data", "check"],
    "backtest": ["backtest"],
    "bench": ["bench"],
}


def raising(exc):
    def run(args):
        raise exc

    return run


@pytest.fixture
def tmp_logs(tmp_path, monkeypatch):
    """Error logs go to a fresh temp folder."""
    import tempfile

    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _parsers(parser):
    """``parser`` and every command's parser under it."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_option_of_every_command_has_help_in_the_language(lang):
    with messages_in(lang):
        parser = analysis_cli.build_parser()
        other = "en" if lang == "vi" else "vi"
        parsers = list(_parsers(parser))
        assert {p.prog.split()[-1] for p in parsers[1:]} == set(analysis_cli.COMMANDS)
        for p in parsers:
            for action in p._actions:
                name = action.option_strings or [action.dest]
                assert action.help and action.help.strip(), f"{p.prog} {name[0]} has no help"
                # the help is the catalogue's text in this language, not the other one's
                keys = [k for k, t in m.messages().items() if t[lang] == action.help]
                assert keys, f"{p.prog} {name[0]}: {action.help!r} is not a {lang} catalogue text"
                assert all(m.messages()[k][other] != action.help for k in keys)
            text = p.format_help()  # formats every help with its %(default)s
            assert "%(" not in text


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_report_help_is_vietnamese_by_default_and_english_with_lang_en():
    env = {k: v for k, v in os.environ.items() if k not in ("BPWB_LANG", "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "C.UTF-8"
    run = [sys.executable, "-m", "analysis", "report", "--help"]
    vi = subprocess.run(run, capture_output=True, text=True, env=env)
    assert vi.returncode == 0, vi.stderr
    out = _flat(vi.stdout)
    assert out.startswith("cách dùng: python -m analysis report")
    assert "tùy chọn:" in out
    assert "--year YEAR năm rà soát hoặc 'latest' (năm mới nhất) (mặc định: latest)" in out
    assert "không hiển thị tỷ lệ tính trên ít hộ hơn số này (mặc định: 50)" in out
    assert "review year" not in out
    en = subprocess.run([*run, "--lang", "en"], capture_output=True, text=True, env=env)
    assert en.returncode == 0, en.stderr
    out = _flat(en.stdout)
    assert out.startswith("usage: python -m analysis report")
    assert "--year YEAR review year or 'latest' (default: latest)" in out
    assert "rates on fewer households are not shown (default: 50)" in out
    assert "năm rà soát" not in out


def test_bench_options_all_have_help(capsys):
    with pytest.raises(SystemExit) as info:
        analysis_cli.main(["bench", "--help", "--lang", "vi"])
    assert info.value.code == 0
    out = _flat(capsys.readouterr().out)
    assert "--repeats REPEATS số lần chạy mỗi bước đo" in out
    assert "(mặc định: 3)" in out
    assert "--households HOUSEHOLDS số hộ giả lập" in out
    assert "--cases CASES các phép đo cần chạy" in out


def test_every_command_is_covered(capsys):
    assert set(COMMAND_ARGS) == set(analysis_cli.COMMANDS)
    with pytest.raises(SystemExit) as info:
        analysis_cli.main(["--help"])
    assert info.value.code == 0
    listed = re.search(r"\{([a-z,]+)\}", capsys.readouterr().out).group(1)
    assert set(listed.split(",")) == set(analysis_cli.COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMAND_ARGS))
def test_unexpected_error_is_one_line_exit_3_with_its_log(command, monkeypatch, capsys, tmp_logs):
    monkeypatch.setitem(analysis_cli.COMMANDS, command, raising(RuntimeError("boom\nsecond line")))
    code = analysis_cli.main(COMMAND_ARGS[command])
    out, err = capsys.readouterr()
    assert code == 3
    (log,) = tmp_logs.glob(f"bpwb-{command}-*.log")
    assert (
        err == f"error: '{command}' failed unexpectedly (RuntimeError: boom); traceback in {log}\n"
    )
    assert "Traceback" not in out + err
    text = log.read_text(encoding="utf-8")
    assert f"command: python -m analysis {' '.join(COMMAND_ARGS[command])}\n" in text
    assert "Traceback (most recent call last)" in text and "RuntimeError: boom" in text


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback_and_keeps_the_exit_code(where, monkeypatch, capsys, tmp_logs):
    monkeypatch.setitem(analysis_cli.COMMANDS, "summary", raising(RuntimeError("boom")))
    argv = ["--debug", "summary"] if where == "before" else ["summary", "--debug"]
    assert analysis_cli.main(argv) == 3
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last)")
    assert err.endswith("RuntimeError: boom\n")
    assert not list(tmp_logs.iterdir())  # the traceback is on the screen: no log


def test_user_error_keeps_its_message_and_exit_2(monkeypatch, capsys, tmp_logs):
    from analysis.reference.geography import UnknownAreaError

    monkeypatch.setitem(
        analysis_cli.COMMANDS, "summary", raising(UnknownAreaError("no 'Xyz' here"))
    )
    assert analysis_cli.main(["summary"]) == 2
    assert capsys.readouterr().err == "error: no 'Xyz' here\n"
    assert analysis_cli.main(["summary", "--debug"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and err.endswith("UnknownAreaError: no 'Xyz' here\n")
    assert not list(tmp_logs.iterdir())


def test_a_file_that_cannot_be_written_is_a_user_error(monkeypatch, capsys, tmp_logs):
    denied = PermissionError(13, "Permission denied", "/srv/form.xlsx")
    monkeypatch.setitem(analysis_cli.COMMANDS, "template", raising(denied))
    assert analysis_cli.main(COMMAND_ARGS["template"]) == 2
    assert capsys.readouterr().err == "error: permission denied: '/srv/form.xlsx'\n"
    assert not list(tmp_logs.iterdir())


def test_interrupt_exits_130(monkeypatch, capsys):
    monkeypatch.setitem(analysis_cli.COMMANDS, "data", raising(KeyboardInterrupt()))
    assert analysis_cli.main(["data", "check"]) == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_error_line_without_a_log_points_to_debug():
    long = "x" * 300
    line = analysis_cli.error_line(ValueError(f"\n  {long}\nmore"), "bench", None)
    assert line == (
        f"error: 'bench' failed unexpectedly (ValueError: {'x' * 199}…); "
        "run it again with --debug to see the traceback"
    )
    assert analysis_cli.error_line(KeyError(), "data", None).startswith(
        "error: 'data' failed unexpectedly (KeyError); "
    )


def test_command_of():
    assert analysis_cli.command_of(["--debug", "report", "--areas", "summary"]) == "report"
    assert analysis_cli.command_of(["--help"]) == "python -m analysis"


def test_unreadable_temp_folder_still_gives_one_line(monkeypatch, capsys, tmp_path):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    monkeypatch.setitem(analysis_cli.COMMANDS, "bench", raising(RuntimeError("boom")))
    assert analysis_cli.main(["bench"]) == 3
    assert capsys.readouterr().err == (
        "error: 'bench' failed unexpectedly (RuntimeError: boom); "
        "run it again with --debug to see the traceback\n"
    )


# -- usage errors: argparse's message, exit 2, the allowed values named -------------------------
def test_unknown_format_is_a_usage_error_naming_the_formats():
    result = cli("report", "--formats", "html,docx")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "python -m analysis report: error: argument --formats: unknown format 'docx' "
        "(--formats takes html, pdf, xlsx, comma-separated: e.g. html,pdf)"
    )
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--formats", " , "], "argument --formats: no report format given"),
        (["--formats", "PDF,Docx,docx"], "argument --formats: unknown format 'Docx', 'docx'"),
        (["--lang", "vi,fr"], "argument --lang: unknown language 'fr' (--lang takes vi, en or vi,en)"),
        (["--lang", ""], "argument --lang: no report language given"),
        (["--min-households", "-5"], "argument --min-households: must be a whole number >= 0, not '-5'"),
        (["--workers", "two"], "argument --workers: must be a whole number >= 0, not 'two'"),
    ],
)  # fmt: skip
def test_bad_report_options_are_usage_errors(args, message, capsys):
    with pytest.raises(SystemExit) as info:
        analysis_cli.main(["report", *args])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err.splitlines()[-1]
    assert "Traceback" not in err


def test_bad_backtest_paths_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        analysis_cli.main(["backtest", "--paths", "0"])
    assert info.value.code == 2
    assert "argument --paths: must be a whole number >= 1, not '0'" in capsys.readouterr().err


def test_report_options_are_normalised_before_the_run(monkeypatch):
    seen = {}
    monkeypatch.setitem(analysis_cli.COMMANDS, "report", lambda args: seen.update(vars(args)) or 0)
    assert analysis_cli.main(["report", "--formats", " PDF, html,pdf", "--lang", "EN,vi"]) == 0
    assert (seen["formats"], seen["lang"], seen["debug"]) == ("pdf,html", "en,vi", False)
    assert analysis_cli.main(["report"]) == 0
    assert (seen["formats"], seen["lang"], seen["min_households"]) == ("html,pdf,xlsx", "vi", 50)


def test_missing_geojson_is_a_user_error_before_any_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "reports"))
    missing = tmp_path / "none.geojson"
    code = analysis_cli.main(["report", "--areas", "province", "--geojson", str(missing)])
    assert code == 2
    assert capsys.readouterr().err == f"error: --geojson: there is no file '{missing}'\n"
    assert not (tmp_path / "reports").exists()


def test_unexpected_error_in_a_real_process_prints_no_traceback(tmp_path):
    """The whole process (interpreter exit included) prints the one line only."""
    code = (
        "import sys, tempfile; from analysis import cli\n"
        f"tempfile.tempdir = {str(tmp_path)!r}\n"
        "def crash(args):\n    return {}['missing']\n"
        "cli.COMMANDS['summary'] = crash\n"
        "sys.exit(cli.main(['summary', '--lang', 'en']))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 3
    (log,) = tmp_path.glob("bpwb-summary-*.log")
    assert result.stderr == (
        f"error: 'summary' failed unexpectedly (KeyError: 'missing'); traceback in {log}\n"
    )
    assert result.stdout == ""
    assert "in crash" in log.read_text(encoding="utf-8")
