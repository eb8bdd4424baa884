"""Messages in Vietnamese and English: the catalogue, the language setting, real failures in both."""

from __future__ import annotations

import ast
import csv
import os
import pickle
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from analysis import cli as analysis_cli
from analysis.core import messages as m
from analysis.core.errors import WorkbookError
from analysis.core.messages import Joined, Message, Number, messages_in
from analysis.intake.problems import Column, IntakeError, Problem
from analysis.intake.summary import read_summary

SRC = Path(m.__file__).resolve().parents[1]  # the analysis package
BAD = Path(__file__).parent / "fixtures" / "intake" / "bad"
GOOD = Path(__file__).parent / "fixtures" / "intake" / "good"


# -- the catalogue ---------------------------------------------------------------------------
def _rows() -> list[list[str]]:
    with m.MESSAGES_PATH.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_every_message_has_both_languages_with_the_same_fields():
    rows = _rows()
    assert rows[0] == ["key", "vi", "en"]
    keys = [r[0] for r in rows[1:]]
    assert len(keys) == len(set(keys)), "duplicate keys"
    for key, vi, en in rows[1:]:
        assert vi.strip() and en.strip(), f"{key!r} has an empty cell"
        assert unicodedata.normalize("NFC", vi) == vi, f"{key!r}: Vietnamese text is not NFC"
        assert m.template_fields(vi) == m.template_fields(en), f"{key!r}: fields differ"
        assert vi != en, f"{key!r} is not translated"


#: Callables whose first argument is a catalogue key (cli.py's ``_help`` is ``Message(key).text()``).
MESSAGE_CALLS = ("Message", "_help")


def _message_calls() -> tuple[set[str], set[str]]:
    """Keys given as literals to ``Message(...)`` (or ``_help(...)``) in the package, and prefixes of f-string keys.

    Literals in a dict or tuple that a ``Message`` call takes its key from (``key=...``) are found
    as string constants that look like a catalogue key of a known prefix.
    """
    literals: set[str] = set()
    prefixes: set[str] = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            called = getattr(node, "func", None)
            if not (isinstance(node, ast.Call) and getattr(called, "id", None) in MESSAGE_CALLS):
                continue
            if not node.args:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                literals.add(first.value)
            elif isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
                prefixes.add(first.values[0].value)
    return literals, prefixes


def _string_constants() -> set[str]:
    out: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                out.add(node.value)
    return out


def test_every_key_the_code_uses_exists_and_every_key_is_used():
    keys = set(m.messages())
    literals, prefixes = _message_calls()
    assert literals, "no Message call found: the scan is broken"
    assert prefixes, "no f-string key found: the scan is broken"
    assert literals - keys == set(), "keys used in the code but not in messages.csv"
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in keys), f"no key starts with {prefix!r}"
    constants = _string_constants()
    unused = {k for k in keys if k not in constants and not k.startswith(tuple(prefixes))}
    assert unused == set(), "keys of messages.csv that no code uses"


def test_an_unknown_key_or_a_missing_field_is_an_error():
    with pytest.raises(KeyError, match="no label 'no.such.key' in messages.csv"):
        Message("no.such.key")
    with pytest.raises(KeyError, match="needs the field 'row'"):
        Message("where.row")


# -- the language ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "vi"),
        ({"LANG": "C.UTF-8"}, "vi"),
        ({"LANG": "vi_VN.UTF-8"}, "vi"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "vi_VN.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "BPWB_LANG": "vi"}, "vi"),
        ({"BPWB_LANG": "en"}, "en"),
        ({"BPWB_LANG": "fr", "LANG": "C"}, "vi"),
    ],
)
def test_language_from_environment_then_locale_then_vietnamese(monkeypatch, env, expected):
    for name in ("BPWB_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert m.message_language() == expected


def test_a_chosen_language_wins_and_the_context_restores_it(monkeypatch):
    monkeypatch.setenv("BPWB_LANG", "en")
    assert m.message_language() == "en"
    with messages_in("vi"):
        assert m.message_language() == "vi"
        with messages_in("en,vi"):
            assert m.message_language() == "en"
        assert m.message_language() == "vi"
    assert m.message_language() == "en"
    with pytest.raises(ValueError, match="language must be one of"):
        m.set_message_language("fr")


# -- messages and their parts ----------------------------------------------------------------
def test_a_message_is_its_english_text_and_renders_in_either_language():
    msg = Message("summary.skipped_rows", rows="3-5, 9")
    assert msg == "rows without any figures were skipped: 3-5, 9"
    assert msg.text("vi") == "đã bỏ qua các dòng không có số liệu: 3-5, 9"
    with messages_in("vi"):
        assert m.localize(msg) == msg.text("vi")
        assert m.localize("plain English") == "plain English"
    copy = pickle.loads(pickle.dumps(msg))
    assert (copy.key, copy.text("vi")) == (msg.key, msg.text("vi"))


def test_numbers_and_columns_follow_the_language():
    assert (Number(3120).localize("vi"), Number(3120).localize("en")) == ("3.120", "3,120")
    assert Number(2.5).localize("vi") == "2,50" and Number(2.5).localize("en") == "2.50"
    assert Number(float("nan")).localize("vi") == "(trống)"
    assert Number(None).localize("en") == "(empty)"
    assert Column("poor_end").localize("vi") == "'Hộ nghèo cuối năm' (poor_end)"
    assert Column("poor_end").localize("en") == "'Poor households, end of year' (poor_end)"
    assert Column("not_a_column").localize("vi") == "'not_a_column'"
    parts = Joined(["'a'", "'b'"], sep=Message("words.or"))
    assert (parts.localize("vi"), parts.localize("en")) == ("'a' hoặc 'b'", "'a' or 'b'")


def test_a_problem_without_a_key_stays_english_in_both_languages():
    problem = Problem("a.csv", 5, "poor_end", "something only English says")
    assert problem.text("vi") == (
        "a.csv, dòng 5, cột 'poor_end' (Hộ nghèo cuối năm): something only English says"
    )
    assert problem.text("en").endswith(": something only English says")


def test_workbook_error_shows_its_message_in_the_language():
    err = WorkbookError(Message("batch.lang_none"))
    with messages_in("vi"):
        assert str(err) == "chưa chọn ngôn ngữ báo cáo (--lang nhận vi, en hoặc vi,en)"
    with messages_in("en"):
        assert str(err) == "no report language given (--lang takes vi, en or vi,en)"
    assert str(WorkbookError("plain")) == "plain"


def test_a_notebook_shows_a_user_error_in_the_report_language():
    from analysis.report import notebook_errors

    err = WorkbookError(Message("batch.lang_none"))
    with messages_in("vi"):
        shown = notebook_errors.message(err, "en")
    assert "no report language given (--lang takes vi, en or vi,en)" in shown
    assert "chưa chọn ngôn ngữ báo cáo" in notebook_errors.message(err, "vi")


# -- real failures in both languages ---------------------------------------------------------
def test_validation_problems_in_vietnamese_and_english():
    with pytest.raises(IntakeError) as info:
        read_summary(BAD / "flow_poor.csv")
    vi = info.value.text("vi").splitlines()
    assert vi[0] == "Tệp flow_poor.csv có 1 lỗi; chưa nạp dữ liệu nào. Sửa tệp và nạp lại:"
    # 1.210 − 300 + 5 + 40 − 5 = 950, the file says 951
    assert vi[1].startswith(
        "  - flow_poor.csv, dòng 3, cột 'poor_end' (Hộ nghèo cuối năm): số cuối năm là 951 nhưng "
        "đầu năm 1.210 − thoát nghèo 300 + tái nghèo 5 + phát sinh mới 40 − biến động khác 5 = "
        "950 (chênh lệch +1)"
    )
    en = info.value.text("en").splitlines()
    assert (
        en[0]
        == "1 problem in flow_poor.csv; nothing was loaded. Correct the file and load it again:"
    )
    assert "row 3, column 'poor_end' (Poor households, end of year): end of year is 951" in en[1]


@pytest.mark.parametrize(
    ("name", "vi", "en"),
    [
        ("near_gt_total.csv", "1.150 hộ cận nghèo nhiều hơn tổng số 1.000 hộ", "1,150 near-poor"),
        ("coverage_health.csv", "tỷ lệ bao phủ (bảo hiểm y tế) không thể vượt quá 100%", "9,500"),
        ("ddk_district.csv", "chỉ xã mới thuộc danh sách xã đặc biệt khó khăn (ĐBKK)", "ĐBKK"),
        (
            "level_mismatch.csv",
            "là đơn vị cấp huyện nhưng dòng này ghi 'commune'",
            "district-level",
        ),
        ("dep_not_in_standard.csv", "chuẩn nghèo áp dụng năm 2020", "standard of 2020"),
        ("empty.csv", "empty.csv: tệp trống", "empty.csv: the file is empty"),
    ],
)
def test_rule_and_file_messages_in_both_languages(name, vi, en):
    with pytest.raises(IntakeError) as info:
        read_summary(BAD / name)
    assert vi in info.value.text("vi")
    assert en in info.value.text("en")


def test_file_that_cannot_be_read_in_vietnamese(tmp_path):
    bad = tmp_path / "review.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(IntakeError) as info:
        read_summary(bad)
    assert "review.parquet: không đọc được tệp dạng Parquet" in info.value.text("vi")
    binary = tmp_path / "review.csv"
    binary.write_bytes(b"a,b\x00\x00\x01,c\n")
    with pytest.raises(IntakeError) as info:
        read_summary(binary)
    assert "tệp chứa byte NUL nên không phải tệp văn bản (CSV)" in info.value.text("vi")


def _vi_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BPWB_LANG", "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "C.UTF-8"
    return env


def test_validate_command_is_vietnamese_by_default_and_english_with_lang_en():
    path = str(BAD / "poor_gt_total.csv")
    run = [sys.executable, "-m", "analysis", "validate", path]
    vi = subprocess.run(run, capture_output=True, text=True, env=_vi_environment())
    assert vi.returncode == 1
    assert "Tệp poor_gt_total.csv có 1 lỗi; chưa nạp dữ liệu nào. Sửa tệp và nạp lại:" in vi.stdout
    assert "dòng 3, cột 'poor_end' (Hộ nghèo cuối năm): 3.120 hộ nghèo nhiều hơn" in vi.stdout
    en = subprocess.run(
        [*run, "--lang", "en"], capture_output=True, text=True, env=_vi_environment()
    )
    assert en.returncode == 1
    assert "row 3, column 'poor_end' (Poor households, end of year): 3,120 poor" in en.stdout


def test_validate_ok_and_notes_in_vietnamese(capsys, monkeypatch):
    monkeypatch.delenv("BPWB_LANG")
    code = analysis_cli.main(["validate", "--lang", "vi", str(GOOD / "summary_vi.csv")])
    out = capsys.readouterr().out
    assert code == 0
    assert "Hợp lệ: 3 dòng (bảng tổng hợp) trong" in out
    assert "  ghi chú: dòng 5 là dòng tổng" in out
    assert os.environ["BPWB_LANG"] == "vi"  # the processes a command starts follow --lang
    assert analysis_cli.main(["--lang", "en", "validate", str(GOOD / "summary_vi.csv")]) == 0
    assert "OK: 3 rows (summary) in" in capsys.readouterr().out


# -- the command line's own errors -----------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "vi", "en"),
    [
        (
            ["report", "--formats", "docx"],
            "python -m analysis report: lỗi: tham số --formats: định dạng không xác định 'docx'",
            "python -m analysis report: error: argument --formats: unknown format 'docx'",
        ),
        (
            ["validate"],
            "python -m analysis validate: lỗi: thiếu các tham số bắt buộc: files",
            "python -m analysis validate: error: the following arguments are required: files",
        ),
        (
            ["report", "--engine", "thread"],
            "lỗi: tham số --engine: lựa chọn không hợp lệ: 'thread' (chọn một trong",
            "error: argument --engine: invalid choice: 'thread' (choose from",
        ),
        (
            ["backtest", "--paths", "0"],
            "lỗi: tham số --paths: phải là số nguyên >= 1, không phải '0'",
            "error: argument --paths: must be a whole number >= 1, not '0'",
        ),
        (
            ["data", "check", "--nope"],
            "lỗi: không nhận ra các tham số: --nope",
            "error: unrecognized arguments: --nope",
        ),
    ],
)
def test_usage_errors_in_both_languages_exit_2(args, vi, en, capsys, monkeypatch):
    monkeypatch.delenv("BPWB_LANG")
    monkeypatch.setenv("LANG", "C.UTF-8")
    for lang_args, expected, usage in (([], vi, "cách dùng:"), (["--lang", "en"], en, "usage:")):
        with pytest.raises(SystemExit) as info:
            analysis_cli.main([*lang_args, *args])
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert expected in err.splitlines()[-1]
        assert err.startswith(usage)


def test_user_and_unexpected_errors_in_vietnamese(capsys, monkeypatch):
    monkeypatch.delenv("BPWB_LANG")
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert analysis_cli.main(["report", "--year", "1999", "--formats", "html"]) == 2
    assert capsys.readouterr().err.startswith(
        "lỗi: năm rà soát 1999 không có trong dữ liệu (các năm"
    )
    missing = PermissionError(13, "Permission denied", "/srv/form.xlsx")
    assert analysis_cli.report_error(missing, ["template"]) == 2
    assert capsys.readouterr().err == "lỗi: không có quyền đọc hoặc ghi '/srv/form.xlsx'\n"
    line = analysis_cli.error_line(RuntimeError("boom"), "report", None)
    assert line == (
        "lỗi: lệnh 'report' gặp lỗi không lường trước (RuntimeError: boom); chạy lại với --debug "
        "để xem chi tiết lỗi (traceback)"
    )


def test_the_batch_summary_in_both_languages():
    from analysis.build.jobs import BatchResult, ReportResult

    results = [
        ReportResult("bu-dang", "696", "ok"),
        ReportResult("loc-ninh", "694", "cached"),
        ReportResult("province", "70", "failed", error="KeyError: 'x'"),
    ]
    batch = BatchResult(2025, "vi", Path("reports/2025/vi"), results, wall_seconds=12.34)
    with messages_in("vi"):
        assert batch.summary().splitlines() == [
            "reports/2025/vi: đã tạo 1, không đổi 1, lỗi 1 trong 12,3 giây",
            "  LỖI province (70): KeyError: 'x'  -> province.log",
        ]
    with messages_in("en"):
        assert batch.summary().splitlines()[0] == (
            "reports/2025/vi: 1 built, 1 unchanged, 1 failed in 12.3 s"
        )
