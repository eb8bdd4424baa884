"""Tests for analysis.report.sections: each section the notebooks call has a data function, and
displays what that function returns (without adding a value of its own to the notebook)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.report import context, sections
from analysis.report.tables import TABLE_MIME

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
DATA = {"flows_section": "flows_data", "league_table": "league_data"}  # other names: f"{x}_data"


def section_calls(notebook: str) -> list[str]:
    """Names of the section functions a report notebook calls, in order."""
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return [s.split("(")[0].removeprefix("sections.") for s in code if s.startswith("sections.")]


@pytest.fixture()
def displayed(monkeypatch):
    """What the sections display (HTML and raw bundles), without a notebook."""
    import IPython.display

    shown: list = []

    def display(*objs, raw=False, **kw):
        for obj in objs:
            shown.append(obj if raw else getattr(obj, "data", obj))

    monkeypatch.setattr(IPython.display, "display", display)
    return shown


def tables(shown) -> dict:
    return {s[TABLE_MIME]["name"]: s[TABLE_MIME] for s in shown if isinstance(s, dict)}


def assert_carries(payload: dict, frame: pd.DataFrame) -> None:
    """The table sent to Excel holds ``frame``'s values (JSON keeps 10 significant digits)."""
    sent = pd.DataFrame(payload["rows"], columns=list(frame.columns)).fillna(np.nan)
    pd.testing.assert_frame_equal(
        sent, frame.reset_index(drop=True), check_dtype=False, check_exact=False, rtol=1e-9
    )


@pytest.mark.parametrize("notebook", ["district_report.ipynb", "province_overview.ipynb"])
def test_every_section_has_a_data_function(notebook):
    names = section_calls(notebook)
    assert len(names) >= 10
    for name in names:
        data = getattr(sections, DATA.get(name, f"{name}_data"))
        assert callable(data) and data.__doc__, name


def test_district_sections_display_and_return_none(displayed):
    ctx = context.load("Bù Đăng", 2024, "en")
    for name in section_calls("district_report.ipynb"):
        assert getattr(sections, name)(ctx) is None, name
    shown = tables(displayed)
    assert list(shown) == [
        "trend",
        "flows",
        "ethnic",
        "alkire_foster",
        "deprivation",
        "communes",
        "targets",
        "verdicts",
        "projections",
        "coverage",
        "data_note",
    ]
    # the verdict table holds one row per target of the area's status table, in its order
    status = sections.projections_data(ctx).status
    assert [row[0] for row in shown["targets"]["rows"]] == status["target_id"].tolist()
    assert [row[1] for row in shown["targets"]["rows"]] == pytest.approx(
        status["latest_value"].tolist()
    )
    # the reasons table: one reason per target, in the report's language
    assert [row[3] for row in shown["verdicts"]["rows"]] == status["reason_en"].tolist()
    # the forecast table holds the outlook's points
    outlook = sections.projections_data(ctx).outlook
    assert [row[3] for row in shown["projections"]["rows"]] == pytest.approx(
        outlook["point"].tolist()
    )
    # the trend table is trends_data's, with localised headers
    trend = shown["trend"]
    data = sections.trends_data(ctx)
    assert trend["columns"][:3] == ["Year", "Poverty standard", "Poor households"]
    assert [row[2] for row in trend["rows"]] == data["poor"].tolist()
    assert [row[0] for row in trend["rows"]] == data["year"].tolist()
    assert_carries(shown["flows"], sections.flows_data(ctx).counts)
    assert_carries(shown["coverage"], sections.coverage_data(ctx))


def test_province_tables_carry_their_data(displayed):
    ctx = context.load("province", 2024, "en")
    sections.league_table(ctx)
    sections.published(ctx)
    shown = tables(displayed)
    assert_carries(shown["league"], sections.league_data(ctx))
    published = sections.published_data(ctx)
    sent = [r[3] for r in shown["published"]["rows"]]
    assert sent == pytest.approx(published["data"].tolist(), rel=1e-9, nan_ok=True)


def _notes(shown) -> list[str]:
    return [str(s) for s in shown if 'class="note"' in str(s)]


def test_deprivation_section_says_why_there_is_no_alkire_foster(displayed):
    # 2025: the bundled household records stop in 2024 -> one sentence says so (vi and en)
    sections.deprivations(context.load("Bù Đăng", 2025, "vi"))
    assert any("các năm 2016–2024 nhưng không có năm 2025" in n for n in _notes(displayed))
    assert not any("alkire_foster" in str(s) for s in displayed)  # no table without records
    displayed.clear()
    sections.deprivations(context.load("Bù Đăng", 2025, "en"))
    assert any("household records for 2016–2024 but not for 2025" in n for n in _notes(displayed))
    displayed.clear()
    # 2024: the measures are there, and no such sentence
    sections.deprivations(context.load("Bù Đăng", 2024, "en"))
    assert "alkire_foster" in tables(displayed)
    assert not any("household records for" in n for n in _notes(displayed))


def test_summary_only_data_say_there_are_no_household_records(displayed):
    fixture = Path(__file__).parent / "fixtures" / "two_districts_summary.csv"
    sections.deprivations(context.load("Bù Đăng", 2024, "en", str(fixture)))
    assert any("summaries without household records" in n for n in _notes(displayed))
