"""The corpus of bad and awkward input files: each one's exact outcome with `read_any`.

Files and expectations: tests/fixtures/corpus/ (made by make_corpus.py) and its expected.csv:

* ``ok``: the kind (summary or households), the number of rows and one spot-checked value
  (``column[row position]=value``);
* ``error``: an `IntakeError` (never another exception) with exactly ``problems`` problems, one
  of which matches the ``message`` regex at ``error_row`` / ``error_column`` (empty = the whole
  file or row). Every problem names the file and says what to do.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis.core.errors import WorkbookError
from analysis.intake.load import read_any
from analysis.intake.problems import IntakeError

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
with open(CORPUS / "expected.csv", encoding="utf-8", newline="") as _fh:
    CASES = list(csv.DictReader(_fh))

#: Words of a fix: every problem message says what to do. "the file is empty" is the one message
#: that is its own fix (and is pinned by tests/test_readers.py).
FIX = re.compile(
    r"\b(check|write|fill|correct|save|open|delete|remove|add|leave|give|type|put|export|copy|"
    r"keep|record|format)\b"
)
SELF_EXPLAINING = {"the file is empty"}


def _value(text: str):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def test_manifest_lists_every_corpus_file_once():
    files = sorted(
        p.name for p in CORPUS.iterdir() if p.name not in ("make_corpus.py", "expected.csv")
    )
    listed = [c["file"] for c in CASES]
    assert sorted(listed) == files
    assert len(set(listed)) == len(listed)
    assert len(files) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_corpus_file(case):
    path = CORPUS / case["file"]
    sheet = case["sheet"] or None
    if case["outcome"] == "ok":
        frame, kind = read_any(path, sheet=sheet)
        assert kind == case["kind"]
        assert len(frame) == int(case["rows"])
        column, position, expected = re.fullmatch(r"(\w+)\[(\d+)\]=(.*)", case["check"]).groups()
        got = frame[column].iloc[int(position)]
        assert not pd.isna(got)
        assert got == _value(expected) or str(got) == expected, (column, got, expected)
        return

    assert case["outcome"] == "error"
    try:
        read_any(path, sheet=sheet)
    except IntakeError as err:
        error: Exception = err
        problems = err.problems
        text = str(err)
    except Exception as err:  # noqa: BLE001 - the point: nothing but IntakeError may escape
        pytest.fail(f"{case['file']}: {type(err).__name__} instead of IntakeError: {err}")
    else:
        pytest.fail(f"{case['file']} was accepted")
    assert isinstance(error, WorkbookError)
    assert "nothing was loaded" in text
    assert len(problems) == int(case["problems"]), text
    row = int(case["error_row"]) if case["error_row"] else None
    column = case["error_column"] or None
    hits = [
        p
        for p in problems
        if re.search(case["message"], p.message) and p.row == row and p.column == column
    ]
    assert hits, f"no problem at row {row}, column {column} matching {case['message']!r}:\n{text}"
    for p in problems:
        assert p.file == case["file"]
        assert p.message in SELF_EXPLAINING or FIX.search(p.message), p.message
        assert "Traceback" not in p.message


def test_folder_and_unreadable_paths_are_intake_errors(tmp_path):
    folder = tmp_path / "data.csv"
    folder.mkdir()
    with pytest.raises(IntakeError, match="is a folder, not a file"):
        read_any(folder)
    with pytest.raises(IntakeError, match="there is no file"):
        read_any(tmp_path / "missing.xlsx")
    sub = tmp_path / "sub.xlsx"
    sub.mkdir()
    with pytest.raises(IntakeError):
        read_any(sub)


def test_rejected_file_changes_nothing_for_the_next_read():
    """A refused file leaves no state behind: a good file read afterwards is unaffected."""
    good = CORPUS / "summary_cp1258.csv"
    before, _ = read_any(good)
    for case in CASES:
        if case["outcome"] == "error":
            with pytest.raises(IntakeError):
                read_any(CORPUS / case["file"], sheet=case["sheet"] or None)
    after, _ = read_any(good)
    pd.testing.assert_frame_equal(before, after)
    assert before.attrs == after.attrs


def test_generator_is_deterministic(tmp_path, monkeypatch):
    """make_corpus.py re-makes the committed files byte for byte."""
    import importlib.util
    import shutil

    shutil.copy(CORPUS / "make_corpus.py", tmp_path / "make_corpus.py")
    spec = importlib.util.spec_from_file_location("make_corpus_copy", tmp_path / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for step in ("csv_files", "rule_files", "excel_layouts", "excel_formulas", "damaged"):
        getattr(module, step)()
    made = sorted(p.name for p in tmp_path.iterdir() if p.name != "make_corpus.py")
    assert made == sorted(c["file"] for c in CASES)
    different = [n for n in made if (tmp_path / n).read_bytes() != (CORPUS / n).read_bytes()]
    assert not different, different
