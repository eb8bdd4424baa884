"""Loading a file of either kind, and the validate command."""

from __future__ import annotations

from pathlib import Path

from analysis.intake.load import main_validate, read_any

FIX = Path(__file__).parent / "fixtures" / "intake"
GOOD, BAD = FIX / "good", FIX / "bad"


def test_read_any_recognises_the_table():
    assert read_any(GOOD / "households_vi.csv")[1] == "households"
    assert read_any(GOOD / "summary_bom.csv")[1] == "summary"


def test_main_validate(capsys):
    code = main_validate([str(GOOD / "summary_vi.csv"), str(GOOD / "households_vi.csv")])
    out = capsys.readouterr().out
    assert code == 0
    assert "OK: 3 rows (summary)" in out
    assert "OK: 4 rows (households)" in out
    assert "note: row 5 is a total row" in out


def test_main_validate_failure(capsys):
    code = main_validate([str(GOOD / "summary_vi.csv"), str(BAD / "flow_poor.csv")])
    out = capsys.readouterr().out
    assert code == 1
    assert (
        "flow_poor.csv, row 3, column 'poor_end' (Poor households, end of year): end of year is 951"
        in out
    )
