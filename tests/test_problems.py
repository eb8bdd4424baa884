"""Problems and IntakeError: how they name the file, row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.intake.problems import IntakeError, Problem
from analysis.intake.summary import read_summary

BAD = Path(__file__).parent / "fixtures" / "intake" / "bad"


def test_problem_str():
    p = Problem("summary.xlsx", 7, "poor_end", "3.120 poor households is more than the 2.900")
    assert str(p) == (
        "summary.xlsx, row 7, column 'poor_end' (Poor households, end of year): "
        "3.120 poor households is more than the 2.900"
    )
    # a message without a key keeps its English text in Vietnamese; the place is translated
    assert p.text("vi") == (
        "summary.xlsx, dòng 7, cột 'poor_end' (Hộ nghèo cuối năm): "
        "3.120 poor households is more than the 2.900"
    )
    assert str(Problem("a.csv", None, None, "the file is empty")) == "a.csv: the file is empty"
    assert str(Problem("a.csv", 3, None, "x")) == "a.csv, row 3: x"


def test_intake_error_text_lists_every_problem():
    with pytest.raises(IntakeError) as info:
        read_summary(BAD / "multi_error.csv")
    lines = str(info.value).splitlines()
    assert lines[0].startswith("5 problems in multi_error.csv; nothing was loaded")
    assert len(lines) == 6
    assert lines[1] == (
        "  - multi_error.csv, row 2, column 'poor_end' (Poor households, end of year): 3,120 poor "
        "households is more than the 2,900 households in total; check the two cells"
    )
    vi = info.value.text("vi").splitlines()
    assert vi[0] == "Tệp multi_error.csv có 5 lỗi; chưa nạp dữ liệu nào. Sửa tệp và nạp lại:"
    assert vi[1] == (
        "  - multi_error.csv, dòng 2, cột 'poor_end' (Hộ nghèo cuối năm): 3.120 hộ nghèo nhiều "
        "hơn tổng số 2.900 hộ; kiểm tra hai ô này"
    )
