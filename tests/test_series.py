"""Tests of analysis.projection.series: series from an area's table, standard segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.projection import series


def _table() -> pd.DataFrame:
    years = range(2019, 2025)
    return pd.DataFrame(
        {
            "total_households": [1000.0] * 6,
            "poor_start": [100.0, 90, 80, 200, 180, 160],
            "poor_end": [90.0, 80, 70, 180, 160, 150],
            "near_poor_start": [50.0] * 6,
            "near_poor_end": [50.0] * 6,
            "people_poor_near": [400.0, 400, 0, 400, 400, 400],
            "people_health_insured": [360.0, 380, 0, 390, 396, 400],
        },
        index=pd.Index(years, name="year"),
    )


def test_standard_code_and_tidy_series():
    assert series.standard_code(2021) == "QD59_2015"
    assert series.standard_code(2022) == "ND07_2021"
    assert series.standard_code(1990) == "none"
    frame = series.tidy_series([2021, 2022], [1.0, 2.0], [np.nan, 3.0])
    assert list(frame.columns) == ["year", "value", "denominator", "standard"]
    assert frame["standard"].tolist() == ["QD59_2015", "ND07_2021"]


def test_table_series_kinds():
    t = _table()
    rate = series.table_series(t, "poverty_rate_pct")
    assert rate["value"].tolist() == pytest.approx([9, 8, 7, 18, 16, 15])
    reduction = series.table_series(t, "poor_reduction_households")
    assert reduction["value"].tolist() == [10, 10, 10, 20, 20, 10]
    cover = series.table_series(t, "health_insurance_coverage_pct")
    assert np.isnan(cover["value"].iloc[2])  # zero denominator
    assert cover["value"].iloc[0] == pytest.approx(90.0)
    # the halving ratio restarts at each standard's first base
    ratio = series.table_series(t, "poor_near_poor_halving")
    assert ratio["value"].iloc[0] == pytest.approx(140 / 150)
    assert ratio["value"].iloc[3] == pytest.approx(230 / 250)
    with pytest.raises(ValueError, match="needs the column 'em_total_households'"):
        series.table_series(t, "em_poor_households")


def test_spread_series_needs_two_districts():
    a = pd.Series([10.0, 12.0], index=[2023, 2024])
    b = pd.Series([4.0, np.nan], index=[2023, 2024])
    out = series.spread_series("poverty_rate_spread_points", {"a": a, "b": b})
    assert out["value"].iloc[0] == 6.0 and np.isnan(out["value"].iloc[1])
    with pytest.raises(ValueError, match="at least two districts"):
        series.spread_series("poverty_rate_spread_points", {"a": a})


def test_latest_segment_stays_in_one_standard():
    s = series.table_series(_table(), "poor_households")
    assert series.latest_segment(s)["year"].tolist() == [2022, 2023, 2024]
    assert series.latest_segment(s, as_of=2023)["year"].tolist() == [2022, 2023]
    assert series.latest_segment(s, as_of=2021)["year"].tolist() == [2019, 2020, 2021]
    assert series.latest_segment(s, as_of=2000).empty
