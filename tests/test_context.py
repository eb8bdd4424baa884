"""Tests of analysis.projection.context: area tables, series and the shared caches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from projection_summary import make_summary

from analysis.projection import context


@pytest.fixture(scope="module")
def summary():
    return make_summary()


def test_series_sums_zones_and_labels_standards(summary):
    s = context.indicator_series(summary, "691", "poor_households")
    rows = summary[(summary.area_code == "691") & (summary.year == 2023)]
    assert s.loc[s.year == 2023, "value"].item() == rows["poor_end"].sum()
    assert s.loc[s.year == 2021, "standard"].item() == "QD59_2015"
    assert s.loc[s.year == 2022, "standard"].item() == "ND07_2021"
    rep = context.indicator_series(summary, "province", "repoverty_households")
    assert np.isnan(rep.loc[rep.year == 2016, "value"].item())  # first-year flows are NaN
    prov = context.indicator_series(summary, "province", "poor_reduction_households")
    y23 = summary[summary.year == 2023]
    assert prov.loc[prov.year == 2023, "value"].item() == (y23.poor_start - y23.poor_end).sum()


def test_context_checks_its_summary(summary):
    with pytest.raises(TypeError, match="pandas DataFrame"):
        context.ProjectionContext(None)
    with pytest.raises(ValueError, match="key columns"):
        context.ProjectionContext(summary.drop(columns=["year"]))
    ctx = context.ProjectionContext(summary.drop(columns=["area_level"]))
    assert ctx.peers() == ["688", "691", "693", "696"]
    assert ctx.level_of("688") == "district" and ctx.level_of("province") == "province"
    with pytest.raises(ValueError, match="unknown area '999'"):
        ctx.table("999")


def test_truncate_and_latest_year(summary):
    ctx = context.ProjectionContext(summary)
    assert ctx.truncate(None) is ctx
    early = ctx.truncate(2021)
    assert ctx.latest_year == 2024 and early.latest_year == 2021
    assert early.series("688", "poor_households")["year"].max() == 2021


def test_memo_computes_once_and_not_after_an_error(summary):
    ctx = context.ProjectionContext(summary)
    calls = []

    def compute():
        calls.append(1)
        return {"x": 1}

    first = ctx.memo(("test", 1), compute)
    assert ctx.memo(("test", 1), compute) is first and len(calls) == 1
    assert ctx.memo(("test", 2), compute) is not first and len(calls) == 2

    def fail():
        raise ValueError("no")

    with pytest.raises(ValueError):
        ctx.memo(("test", 3), fail)
    assert ctx.memo(("test", 3), compute) == {"x": 1}


def test_spread_is_province_only(summary):
    spread = context.indicator_series(summary, "province", "poverty_rate_spread_points")
    rates = pd.DataFrame(
        {
            code: context.indicator_series(summary, code, "poverty_rate_pct").set_index("year")[
                "value"
            ]
            for code in ("688", "691", "693", "696")
        }
    )
    expected = (rates.max(axis=1) - rates.min(axis=1)).to_numpy()
    np.testing.assert_array_equal(spread["value"].to_numpy(), expected)
    with pytest.raises(ValueError, match="province-level indicator"):
        context.indicator_series(summary, "688", "poverty_rate_spread_points")
    one = summary[summary.area_code == "688"]
    with pytest.raises(ValueError, match="at least two districts"):
        context.indicator_series(one, "province", "poverty_rate_spread_points")
