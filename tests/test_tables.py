"""Tests of the report tables convention (analysis.report.tables): the payload a table carries to
the Excel workbook, with its kinds of number and its sheet title. The workbook itself:
test_xlsx_report.py; escaping: test_injection.py."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.report import tables
from analysis.report.tables import KINDS, TABLE_MIME, ReportTable, check_kinds


@pytest.fixture()
def displayed(monkeypatch):
    """What `report_table` displays (raw bundles), without a notebook."""
    import IPython.display

    shown: list = []

    def display(*objs, raw=False, **kw):
        shown.extend(objs)

    monkeypatch.setattr(IPython.display, "display", display)
    return shown


def payload(shown) -> dict:
    (bundle,) = shown
    return bundle[TABLE_MIME]


def test_payload_carries_values_kinds_and_sheet(displayed):
    df = pd.DataFrame({"Năm": [2023, 2024], "Hộ": [120, 98], "Tỷ lệ (%)": [1.04, 0.875]})
    tables.report_table(
        df, "trend", "Hộ nghèo", kinds={"Hộ": "count", "Tỷ lệ (%)": "rate"}, sheet="Theo năm"
    )
    sent = payload(displayed)
    assert sent["name"] == "trend" and sent["sheet"] == "Theo năm"
    assert sent["caption"] == "Hộ nghèo"
    assert sent["columns"] == ["Năm", "Hộ", "Tỷ lệ (%)"]
    assert sent["rows"] == [[2023, 120, 1.04], [2024, 98, 0.875]]  # values as the table holds
    assert sent["kinds"] == [None, "count", "rate"]


def test_per_row_kinds_and_index_columns(displayed):
    df = pd.DataFrame(
        {"giá trị": [1280.0, 1.25, 0.4]}, index=pd.Index(["T1", "N1", "T3"], name="mục tiêu")
    )
    styled = df.style.format("{:.1f}")
    tables.report_table(styled, "targets", kinds={"giá trị": ("count", "rate", None)})
    sent = payload(displayed)
    assert sent["columns"] == ["mục tiêu", "giá trị"]  # the index shown first, without a kind
    assert sent["kinds"] == [None, ["count", "rate", None]]
    assert "sheet" not in sent


def test_no_kinds_no_sheet_keeps_the_old_payload(displayed):
    tables.report_table(pd.DataFrame({"a": ["x"]}), "t")
    assert set(payload(displayed)) == {"name", "caption", "columns", "rows"}


def test_kinds_that_do_not_fit_the_table_are_refused(displayed):
    df = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    with pytest.raises(ValueError, match=r"kinds: no column 'c' in the table"):
        tables.report_table(df, "t", kinds={"c": "count"})
    with pytest.raises(ValueError, match=r"column 'a': unknown kind 'percent' \(known: count, "):
        tables.report_table(df, "t", kinds={"a": "percent"})
    with pytest.raises(ValueError, match=r"column 'b': 3 kinds for 2 rows"):
        tables.report_table(df, "t", kinds={"b": ["count", "rate", "rate"]})
    with pytest.raises(ValueError, match=r"column 'b': unknown kind 'pts'"):
        tables.report_table(df, "t", kinds={"b": ["count", "pts"]})
    assert displayed == []
    check_kinds({"a": None, "b": [None, "ratio"]}, df.columns, 2)  # no kind is a kind


def test_report_table_kind_of_each_cell():
    table = ReportTable(
        "t", None, ["a", "b", "c"], [[1, 2, 3], [4, 5, 6]], kinds=[None, "rate", ["count", None]]
    )
    assert [[table.kind(i, j) for j in range(3)] for i in range(2)] == [
        [None, "rate", "count"],
        [None, "rate", None],
    ]
    assert table.kind(0, 3) is None and table.kind(2, 2) is None  # outside: no kind
    assert ReportTable("t", None, ["a"], [[1]]).kind(0, 0) is None
    assert table.to_frame().shape == (2, 3)


def test_kinds_are_the_formatters_kinds():
    from analysis.report.display import formatter

    for kind in KINDS:
        assert formatter(kind, "vi")(1.5)  # every kind is one the report can show
