"""The command line: exit codes and messages a person sees (no tracebacks for their mistakes)."""

import subprocess
import sys
from pathlib import Path

import pytest

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
