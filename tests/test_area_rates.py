"""Tests of analysis.compute.area_rates against small examples computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.compute import area_rates as m
from analysis.reference.schema import summary_columns
from analysis.reference.standards import StandardError


def make_summary(*rows: dict) -> pd.DataFrame:
    """Full-schema summary rows: every count 0 unless given."""
    base = {c: 0 for c in summary_columns()}
    base.update(area_level="district", zone="all", especially_difficult=False, synthetic=True)
    frame = pd.DataFrame([base | r for r in rows])
    frame["area_code"] = frame["area_code"].astype("str")
    return frame


def close(actual, expected, atol: float = 1e-12) -> None:
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=atol)


def assert_frame(result: pd.DataFrame, expected: pd.DataFrame) -> None:
    got = result[list(expected.columns)].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_exact=False, rtol=1e-9)


# ---------------------------------------------------------------------------------- rates


TWO_AREAS = dict(
    a=dict(
        year=2023,
        area_code="689",
        zone="rural",
        total_households=1000,
        poor_end=50,
        near_poor_end=80,
        em_total_households=200,
        em_poor_end=30,
    ),
    b=dict(
        year=2023,
        area_code="690",
        zone="all",
        total_households=40,
        poor_end=4,
        near_poor_end=6,
        em_total_households=0,
        em_poor_end=0,
    ),
)


def test_rates_two_areas_by_hand():
    summary = make_summary(TWO_AREAS["a"], TWO_AREAS["b"])
    result = m.rates(summary, min_households=50)
    expected = pd.DataFrame(
        {
            "year": [2023, 2023],
            "area_code": ["689", "690"],
            "zone": ["rural", "all"],
            "standard": ["ND07_2021", "ND07_2021"],
            # 50/1000*100 = 5 ; 4/40*100 = 10
            "poverty_rate": [5.0, 10.0],
            # 80/1000*100 = 8 ; 6/40*100 = 15
            "near_poverty_rate": [8.0, 15.0],
            # (50+80)/1000*100 = 13 ; (4+6)/40*100 = 25
            "combined_rate": [13.0, 25.0],
            # 30/200*100 = 15 ; 0/0 -> NaN
            "em_poverty_rate": [15.0, np.nan],
            # (50-30)/(1000-200)*100 = 2.5 ; (4-0)/(40-0)*100 = 10
            "non_em_poverty_rate": [2.5, 10.0],
            # 15 - 2.5 = 12.5 ; NaN - 10 = NaN
            "em_gap_points": [12.5, np.nan],
            # 30/50*100 = 60 ; 0/4*100 = 0
            "em_share_of_poor": [60.0, 0.0],
            # denominators 1000 / 40 against 50
            "poverty_rate_small": [False, True],
            # em denominators 200 / 0
            "em_poverty_rate_small": [False, True],
            # non-EM denominators 800 / 40
            "non_em_poverty_rate_small": [False, True],
            "em_gap_points_small": [False, True],
            # poor_end 50 (not < 50) / 4
            "em_share_of_poor_small": [False, True],
        }
    )
    assert_frame(result, expected)
    assert list(result.index) == list(summary.index)


def test_suppress_small_uses_flags_or_recomputes():
    summary = make_summary(TWO_AREAS["a"], TWO_AREAS["b"])
    shown = m.suppress_small(m.rates(summary, min_households=50))
    # Area 689 keeps every rate, area 690 loses all (every denominator < 50).
    assert shown.loc[0, "poverty_rate"] == 5.0
    assert shown.loc[0, "em_share_of_poor"] == 60.0
    rate_cols = ["poverty_rate", "near_poverty_rate", "combined_rate", "non_em_poverty_rate"]
    assert shown.loc[1, rate_cols].isna().all()
    # A lower threshold of 20: 690's household denominator 40 passes, its poor_end 4 does not.
    shown20 = m.suppress_small(m.rates(summary), min_households=20)
    assert shown20.loc[1, "poverty_rate"] == 10.0
    assert np.isnan(shown20.loc[1, "em_share_of_poor"])
    assert not shown20.loc[1, "poverty_rate_small"]
    # The input is not modified.
    assert m.rates(summary).loc[1, "poverty_rate"] == 10.0


def test_rates_min_households_configurable():
    summary = make_summary(TWO_AREAS["a"])
    flagged = m.rates(summary, min_households=1001)
    assert flagged.loc[0, "poverty_rate_small"]  # 1000 < 1001
    assert not m.rates(summary, min_households=0).loc[0, "em_share_of_poor_small"]


def test_rates_missing_columns_named():
    summary = make_summary(TWO_AREAS["a"]).drop(columns=["em_poor_end", "near_poor_end"])
    with pytest.raises(ValueError, match="missing columns: near_poor_end, em_poor_end"):
        m.rates(summary)


def test_rates_year_outside_every_standard():
    summary = make_summary(TWO_AREAS["a"] | {"year": 2015})
    with pytest.raises(StandardError, match="2015 is outside every poverty standard"):
        m.rates(summary)


def test_bad_min_households():
    with pytest.raises(ValueError, match="min_households must be >= 0"):
        m.rates(make_summary(TWO_AREAS["a"]), min_households=-1)


# -------------------------------------------------------------------------------- changes


def three_years() -> pd.DataFrame:
    common = dict(area_code="689", zone="all")
    return make_summary(
        common
        | dict(year=2021, total_households=1000, poor_start=60, poor_end=50, near_poor_end=70)
        | dict(em_total_households=200, em_poor_start=25, em_poor_end=20),
        common
        | dict(year=2022, total_households=1010, poor_start=90, poor_end=80, near_poor_end=100)
        | dict(em_total_households=202, em_poor_start=40, em_poor_end=36),
        common
        | dict(year=2023, total_households=1020, poor_start=80, poor_end=61, near_poor_end=90)
        | dict(em_total_households=204, em_poor_start=36, em_poor_end=30),
    )


def test_changes_across_standard_change():
    nan = np.nan
    result = m.changes(three_years())
    expected = pd.DataFrame(
        {
            "year": [2021, 2022, 2023],
            "standard": ["QD59_2015", "ND07_2021", "ND07_2021"],
            "previous_standard": [nan, "QD59_2015", "ND07_2021"],
            "has_previous": [False, True, True],
            # 2021: no 2020 row; 2022: previous year under Decision 59 -> not comparable
            "comparable": [False, False, True],
            # 2023: 61 - 80 = -19
            "poor_change": [nan, nan, -19.0],
            # 61/1020*100 - 80/1010*100 = 5.980392... - 7.920792... = -1.940400...
            "poverty_rate_change": [nan, nan, 61 / 1020 * 100 - 80 / 1010 * 100],
            # 90 - 100 = -10
            "near_poor_change": [nan, nan, -10.0],
            "near_poverty_rate_change": [nan, nan, 90 / 1020 * 100 - 100 / 1010 * 100],
            # 30 - 36 = -6
            "em_poor_change": [nan, nan, -6.0],
            # 30/204*100 - 36/202*100 = 14.7059 - 17.8218 = -3.1159
            "em_poverty_rate_change": [nan, nan, 30 / 204 * 100 - 36 / 202 * 100],
            # start - end within each year: 60-50, 90-80, 80-61
            "reduction": [10.0, 10.0, 19.0],
            # 25-20, 40-36, 36-30
            "em_reduction": [5.0, 4.0, 6.0],
        }
    )
    assert_frame(result, expected)
    assert not result.loc[2, "poverty_rate_change_small"]


def test_changes_keeps_order_and_separates_areas():
    summary = three_years()
    other = summary.copy()
    other["area_code"] = "690"
    other["poor_end"] = [5, 6, 4]
    mixed = pd.concat([other, summary]).iloc[::-1].reset_index(drop=True)
    result = m.changes(mixed)
    assert list(result["area_code"]) == list(mixed["area_code"])
    row = result[(result["area_code"] == "690") & (result["year"] == 2023)].iloc[0]
    assert row["poor_change"] == 4 - 6  # 690's own 2022 value, not 689's
    # 690: 4/1020*100 - 6/1010*100 percentage points
    close(row["poverty_rate_change"], 4 / 1020 * 100 - 6 / 1010 * 100)


def test_changes_gap_year_is_not_a_year_on_year_change():
    summary = three_years().iloc[[0, 2]]  # 2021 and 2023 only
    result = m.changes(summary)
    assert not result["has_previous"].any()
    assert result["poor_change"].isna().all()


def test_changes_duplicate_keys():
    summary = pd.concat([three_years(), three_years().iloc[[0]]])
    with pytest.raises(ValueError, match="share their keys"):
        m.changes(summary)


# ----------------------------------------------------------------------------- flow rates


def test_flow_rates_by_hand():
    summary = make_summary(
        dict(
            year=2023,
            area_code="689",
            total_households=2200,
            poor_start=200,
            poor_escaped=50,
            poor_repoverty=4,
            poor_new=10,
            poor_other=-2,
            poor_end=160,
            near_poor_start=300,
            near_poor_escaped=40,
            near_poor_new=30,
            near_poor_other=0,
            near_poor_end=290,
            em_total_households=500,
            em_poor_start=100,
            em_poor_escaped=30,
            em_poor_repoverty=2,
            em_poor_new=5,
            em_poor_end=77,
        ),
        dict(year=2023, area_code="690", total_households=300, poor_start=0, poor_new=3),
    )
    result = m.flow_rates(summary)
    nan = np.nan
    expected = pd.DataFrame(
        {
            "area_code": ["689", "690"],
            # 2200 - 200 ; 300 - 0
            "non_poor_start": [2000.0, 300.0],
            # 50/200*100 ; start 0 -> NaN
            "escape_rate": [25.0, nan],
            # 4/200*100
            "repoverty_rate": [2.0, nan],
            # 10/200*100
            "new_poverty_rate": [5.0, nan],
            # 4/2000*1000 ; 0/300*1000
            "repoverty_per_1000_non_poor": [2.0, 0.0],
            # 10/2000*1000 ; 3/300*1000
            "new_poverty_per_1000_non_poor": [5.0, 10.0],
            # 160 - 200 ; 0 - 0
            "net_change": [-40.0, 0.0],
            # 160 - (200 - 50 + 4 + 10 - 2) = 160 - 162 ; 0 - (0 + 3)
            "residual": [-2.0, -3.0],
            # 290 - 300 ; 290 - (300 - 40 + 30 + 0) = 0
            "near_net_change": [-10.0, 0.0],
            "near_residual": [0.0, 0.0],
            # EM: 30/100*100, 2/100*100, 5/100*100
            "em_escape_rate": [30.0, nan],
            "em_repoverty_rate": [2.0, nan],
            "em_new_poverty_rate": [5.0, nan],
            # 2/(500-100)*1000 = 5 ; 5/400*1000 = 12.5 ; 690: EM base 0 -> NaN
            "em_repoverty_per_1000_non_poor": [5.0, nan],
            "em_new_poverty_per_1000_non_poor": [12.5, nan],
            # 77 - 100 ; 77 - (100 - 30 + 2 + 5 + 0) = 0
            "em_net_change": [-23.0, 0.0],
            "em_residual": [0.0, 0.0],
            # poor_start 200 >= 50 ; 0 < 50
            "escape_rate_small": [False, True],
            "new_poverty_per_1000_non_poor_small": [False, False],
            "em_escape_rate_small": [False, True],
        }
    )
    assert_frame(result, expected)


# ------------------------------------------------------------------------------- coverage


def test_coverage_by_hand():
    summary = make_summary(
        dict(
            year=2024,
            area_code="689",
            people_poor_near=1000,
            people_health_insured=950,
            households_credit_need=40,
            households_credit_received=40,
            people_training_need=0,
            people_training_received=0,
        )
    )
    result = m.coverage(summary)
    expected = pd.DataFrame(
        {
            "health_insurance_coverage": [95.0],  # 950/1000*100
            "health_insurance_gap": [50.0],  # 1000 - 950
            "health_insurance_coverage_small": [False],
            "credit_coverage": [100.0],  # 40/40*100
            "credit_coverage_small": [True],  # 40 < 50
            "training_coverage": [np.nan],  # nobody needing training: not 100
            "training_coverage_small": [True],
        }
    )
    assert_frame(result, expected)
    shown = m.suppress_small(result, min_households=30)
    assert shown.loc[0, "credit_coverage"] == 100.0  # 40 >= 30


# ------------------------------------------------------------------ key subsets, suppression


def test_measures_work_without_zone_or_area_columns():
    summary = make_summary(TWO_AREAS["a"]).drop(columns=["zone", "area_level", "area_code"])
    result = m.rates(summary)
    assert list(result.columns[:2]) == ["year", "standard"]
    assert result.loc[0, "poverty_rate"] == 5.0


def test_suppress_small_on_changes_uses_existing_flags():
    summary = three_years()
    summary["em_total_households"] = [20, 20, 20]  # EM denominators below 50 in every year
    shown = m.suppress_small(m.changes(summary))
    assert np.isnan(shown.loc[2, "em_poverty_rate_change"])
    assert shown.loc[2, "poor_change"] == -19.0  # a count, not a rate: left alone
    close(shown.loc[2, "poverty_rate_change"], 61 / 1020 * 100 - 80 / 1010 * 100)
    with pytest.raises(ValueError, match="no denominator column to re-flag"):
        m.suppress_small(m.changes(summary), min_households=10)
