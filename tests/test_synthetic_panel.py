"""The synthetic household panel: determinism, contract, classes, entries and exits.

The panel is generated once per module (about 5 s); expectations are published fragments and
sums computed here, never the module's own outputs.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.bundled.synthetic_panel import generate_panel
from analysis.reference import schema
from analysis.reference.geography import load_geography
from analysis.reference.standards import all_indicators, classify


@pytest.fixture(scope="module")
def geo():
    return load_geography()


@pytest.fixture(scope="module")
def panel(geo):
    return generate_panel(47, geography=geo)


def test_same_seed_same_panel_other_seed_differs(geo):
    years = range(2016, 2018)
    a = generate_panel(5, years, geo)
    b = generate_panel(5, years, geo)
    c = generate_panel(6, years, geo)
    pd.testing.assert_frame_equal(a, b)
    assert not a["income_pc"].head(1000).equals(c["income_pc"].head(1000))


def test_household_columns(panel):
    required = schema.HOUSEHOLD_BASE_COLUMNS + [
        c for c in schema.HOUSEHOLD_OPTIONAL_COLUMNS if c != "score_a"
    ]
    assert set(required) <= set(panel.columns)
    assert {f"d_{i}" for i in all_indicators()} <= set(panel.columns)
    assert panel["synthetic"].all()
    assert panel["household_id"].astype(str).str.fullmatch(r"\d{5}-\d{6}").all()
    ids = panel["household_id"].astype(str).str[:5]
    assert (ids == panel["commune_code"].astype(str)).all()
    assert (panel["income_pc"] % 1000 == 0).all()
    assert sorted(panel["year"].unique()) == list(range(2016, 2025))


def test_one_class_per_household_year(panel):
    assert not panel.duplicated(["household_id", "year"]).any()
    assert panel["recorded_class"].notna().all()
    assert set(panel["recorded_class"].astype(str)) == {"poor", "near_poor", "not_poor"}


def test_recorded_class_is_the_years_standard(panel):
    for year in (2016, 2022):
        rows = panel[panel["year"] == year].head(20_000)
        assert (classify(rows, year).astype(str) == rows["recorded_class"].astype(str)).all()


def test_households_grow_with_entries_and_exits(panel):
    per_year = panel.groupby("year").size()
    assert 255_000 <= per_year[2016] <= 275_000
    assert 275_000 <= per_year[2024] <= 295_000
    first = set(panel.loc[panel["year"] == 2016, "household_id"].astype(str))
    last = set(panel.loc[panel["year"] == 2024, "household_id"].astype(str))
    assert len(first - last) > 10_000 and len(last - first) > 10_000
