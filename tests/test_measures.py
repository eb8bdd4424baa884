"""Tests of analysis.compute.measures against small examples computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.compute import measures as m
from analysis.reference.schema import summary_columns
from analysis.reference.standards import StandardError, classify, standard_for_year


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


# ------------------------------------------------------------------------- plan reduction


def plan_rows() -> pd.DataFrame:
    common = dict(area_code="70", area_level="province", zone="all")
    rows = [
        (2020, 6000, 5000, 1500, 1400),  # before the plan period: ignored
        (2021, 5000, 2800, 1300, 200),  # reduction 2200, EM 1100
        (2022, 9000, 6500, 3000, 2100),  # new standard: 2500, EM 900
        (2023, 6500, 4700, 2100, 1100),  # 1800, EM 1000
        (2024, 4700, 2500, 1100, -100),  # 2200, EM 1200
    ]
    return make_summary(
        *[
            common | dict(year=y, poor_start=s, poor_end=e, em_poor_start=es, em_poor_end=ee)
            for y, s, e, es, ee in rows
        ]
    )


def test_plan_reduction_by_hand():
    result = m.plan_reduction(plan_rows())
    expected = pd.DataFrame(
        {
            "year": [2021, 2022, 2023, 2024],
            "standard": ["QD59_2015", "ND07_2021", "ND07_2021", "ND07_2021"],
            "reduction": [2200.0, 2500.0, 1800.0, 2200.0],
            "years_elapsed": [1, 2, 3, 4],
            "complete": [True, True, True, True],
            # 2200, 2200+2500, +1800, +2200
            "cumulative_reduction": [2200.0, 4700.0, 6500.0, 8700.0],
            # 2000 x years elapsed; 2500 x years elapsed
            "target_low_cumulative": [2000.0, 4000.0, 6000.0, 8000.0],
            "target_high_cumulative": [2500.0, 5000.0, 7500.0, 10000.0],
            # 2200/2000, 4700/4000, 6500/6000, 8700/8000 (x100)
            "achieved_low_pct": [110.0, 117.5, 6500 / 6000 * 100, 108.75],
            # 2200/2500, 4700/5000, 6500/7500, 8700/10000 (x100)
            "achieved_high_pct": [88.0, 94.0, 6500 / 7500 * 100, 87.0],
            # period target 2000 x 5 = 10,000
            "period_target_low": [10000.0] * 4,
            "period_achieved_low_pct": [22.0, 47.0, 65.0, 87.0],
            "on_track": [True, True, True, True],
            # EM: 1100, 2000, 3000, 4200 vs 1000 x years
            "em_cumulative_reduction": [1100.0, 2000.0, 3000.0, 4200.0],
            "em_target_cumulative": [1000.0, 2000.0, 3000.0, 4000.0],
            "em_achieved_pct": [110.0, 100.0, 100.0, 105.0],
            "em_period_achieved_pct": [22.0, 40.0, 60.0, 84.0],  # of 5,000
            "em_on_track": [True, True, True, True],
        }
    )
    assert_frame(result, expected)


def test_plan_reduction_targets_per_area_and_missing_year():
    summary = plan_rows().drop(index=2)  # no 2022 review
    result = m.plan_reduction(summary, target_low={"70": 1000}, target_high={}, em_target=500)
    # 2021: 2200 ; 2023: 2200 + 1800 = 4000 (2022 missing counts 0), years 1 and 3 elapsed
    assert list(result["cumulative_reduction"]) == [2200.0, 4000.0, 6200.0]
    assert list(result["complete"]) == [True, False, False]
    assert list(result["target_low_cumulative"]) == [1000.0, 3000.0, 4000.0]
    assert result["target_high_cumulative"].isna().all()  # area absent from the mapping
    assert list(result["em_target_cumulative"]) == [500.0, 1500.0, 2000.0]


def test_plan_reduction_bad_period():
    with pytest.raises(ValueError, match="before first_year"):
        m.plan_reduction(plan_rows(), first_year=2025, last_year=2021)


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


# ---------------------------------------------------------------------- deprivation profile


def test_deprivation_profile_follows_each_years_standard():
    summary = make_summary(
        dict(year=2021, area_code="689", total_households=500, poor_end=20, near_poor_end=30)
        | dict(dep_health_access=10, dep_info_assets=5),
        dict(year=2023, area_code="689", total_households=500, poor_end=30, near_poor_end=70)
        | dict(dep_employment=40, dep_info_access=5, dep_health_access=99),
    )
    result = m.deprivation_profile(summary)
    # Decision 59 has 10 indicators, Decree 07 has 12.
    assert list(result.groupby("year").size()) == [10, 12]
    assert "health_access" not in set(result.loc[result["year"] == 2023, "indicator"])
    picked = result.set_index(["year", "indicator"]).loc[
        [
            (2021, "health_access"),
            (2021, "info_assets"),
            (2023, "employment"),
            (2023, "info_access"),
        ]
    ]
    expected = pd.DataFrame(
        {
            "dimension": ["health", "information", "employment", "information"],
            "deprived": [10.0, 5.0, 40.0, 5.0],
            # 20 + 30 = 50 ; 30 + 70 = 100
            "base": [50.0, 50.0, 100.0, 100.0],
            # 10/50, 5/50, 40/100, 5/100 (x100)
            "share": [20.0, 10.0, 40.0, 5.0],
            # 10/500, 5/500, 40/500, 5/500 (x100)
            "share_of_total": [2.0, 1.0, 8.0, 1.0],
            # base 50 is not < 50
            "small_count": [False, False, False, False],
        }
    )
    assert_frame(picked.reset_index(drop=True), expected)
    assert list(result.loc[result["year"] == 2023, "indicator"])[:2] == ["employment", "dependants"]


def test_deprivation_profile_missing_indicator_column():
    summary = make_summary(dict(year=2023, area_code="689")).drop(columns=["dep_latrine"])
    with pytest.raises(ValueError, match="missing columns: dep_latrine"):
        m.deprivation_profile(summary)


# ------------------------------------------------------------------------- Alkire-Foster


def six_households() -> pd.DataFrame:
    """Four made-up indicators a-d; district X holds h1-h3, district Y h4-h6."""
    g = [
        (1, 1, 0, 0),  # h1
        (1, 0, 0, 0),  # h2
        (0, 1, 1, 1),  # h3
        (0, 1, 1, 0),  # h4
        (1, 1, 1, 1),  # h5
        (0, 0, 0, 0),  # h6
    ]
    frame = pd.DataFrame(g, columns=["d_a", "d_b", "d_c", "d_d"]).astype(bool)
    frame.insert(0, "household_id", ["h1", "h2", "h3", "h4", "h5", "h6"])
    frame.insert(1, "district_code", ["X", "X", "X", "Y", "Y", "Y"])
    frame["members"] = [4, 2, 5, 3, 6, 4]
    return frame


# Weights 2:1:1:1 normalise to 0.4, 0.2, 0.2, 0.2; k = 2 of d = 4 -> cut-off 0.5.
# Scores: h1 0.4+0.2 = 0.6 (poor), h2 0.4, h3 0.6 (poor), h4 0.4, h5 1.0 (poor), h6 0.
CUSTOM = dict(weights={"a": 2, "b": 1, "c": 1, "d": 1}, k=2)
CUSTOM_DIMS = {"a": "money", "b": "living", "c": "living", "d": "living"}


def test_af_custom_weights_households_by_hand():
    res = m.alkire_foster(six_households(), dimensions=CUSTOM_DIMS, **CUSTOM)
    assert res.cutoff == 0.5
    assert list(res.scores["poor"]) == [True, False, True, False, True, False]
    np.testing.assert_allclose(res.scores["score"], [0.6, 0.4, 0.6, 0.4, 1.0, 0.0])
    # H = 3/6 ; A = (0.6+0.6+1.0)/3 = 2.2/3 ; M0 = 2.2/6 = 11/30
    close(res.H, 0.5)
    close(res.A, 2.2 / 3)
    close(res.M0, 11 / 30)
    expected = pd.DataFrame(
        {
            "indicator": ["a", "b", "c", "d"],
            "dimension": ["money", "living", "living", "living"],
            "weight": [0.4, 0.2, 0.2, 0.2],
            # deprived, any status: a h1 h2 h5 ; b h1 h3 h4 h5 ; c h3 h4 h5 ; d h3 h5
            "uncensored_headcount": [3 / 6, 4 / 6, 3 / 6, 2 / 6],
            # deprived and poor: a h1 h5 ; b h1 h3 h5 ; c h3 h5 ; d h3 h5
            "censored_headcount": [2 / 6, 3 / 6, 2 / 6, 2 / 6],
            # w x CH / M0: 0.4*(1/3) = 4/30 -> 4/11 ; 0.2*0.5 = 3/30 -> 3/11 ; 2/30 -> 2/11
            "contribution_pct": [400 / 11, 300 / 11, 200 / 11, 200 / 11],
        }
    )
    assert_frame(res.indicators, expected)
    expected_dims = pd.DataFrame(
        {"dimension": ["money", "living"], "contribution_pct": [400 / 11, 700 / 11]}
    )
    assert_frame(res.dimensions, expected_dims)


def test_af_decomposition_by_district_households():
    res = m.alkire_foster(six_households(), by="district_code", min_households=3, **CUSTOM)
    expected = pd.DataFrame(
        {
            "district_code": ["X", "Y"],
            "households": [3, 3],
            "population_share": [0.5, 0.5],
            # X: h1, h3 poor -> H 2/3, A (0.6+0.6)/2 = 0.6, M0 1.2/3 = 0.4
            # Y: h5 poor -> H 1/3, A 1.0, M0 1/3
            "H": [2 / 3, 1 / 3],
            "A": [0.6, 1.0],
            "M0": [0.4, 1 / 3],
            # 0.5*0.4 / (11/30) = 6/11 ; 0.5*(1/3) / (11/30) = 5/11
            "contribution_pct": [600 / 11, 500 / 11],
            "small_count": [False, False],  # 3 records, threshold 3
        }
    )
    assert_frame(res.groups, expected)
    # identity: 0.5*0.4 + 0.5*(1/3) = 11/30 = overall M0
    close(res.M0, 0.5 * 0.4 + 0.5 * (1 / 3))
    assert res.check_decomposition()
    assert res.decomposition_gap() < 1e-12
    # per-group censored headcount of b: X h1 h3 -> 2/3 ; Y h5 -> 1/3
    gi = res.group_indicators.set_index(["district_code", "indicator"])
    assert gi.loc[("X", "b"), "censored_headcount"] == pytest.approx(2 / 3)
    assert gi.loc[("Y", "b"), "censored_headcount"] == pytest.approx(1 / 3)


def test_af_weighted_by_members():
    res = m.alkire_foster(six_households(), by="district_code", weight="members", **CUSTOM)
    # people: 4+2+5+3+6+4 = 24 ; in poor households 4+5+6 = 15 -> H = 15/24 = 0.625
    # sum p c over poor = 4*0.6 + 5*0.6 + 6*1.0 = 11.4 -> A = 11.4/15 = 0.76, M0 = 11.4/24
    close(res.H, 0.625)
    close(res.A, 0.76)
    close(res.M0, 0.475)
    expected = pd.DataFrame(
        {
            "district_code": ["X", "Y"],
            "population": [11.0, 13.0],  # 4+2+5 ; 3+6+4
            "population_share": [11 / 24, 13 / 24],
            "H": [9 / 11, 6 / 13],  # (4+5)/11 ; 6/13
            "M0": [5.4 / 11, 6 / 13],  # (4*0.6+5*0.6)/11 ; 6*1.0/13
            "small_count": [True, True],  # 3 records < 50
        }
    )
    assert_frame(res.groups, expected)
    # 11/24 * 5.4/11 + 13/24 * 6/13 = (5.4 + 6)/24 = 0.475
    assert res.check_decomposition()


def nd07_households() -> pd.DataFrame:
    """Six households under Decree 07/2021 (review 2023), 12 indicators."""
    deprived = [
        ("rural", 1_200_000, ["employment", "health_insurance", "latrine"]),  # 3 -> 0.25
        ("rural", 1_000_000, ["nutrition", "telecom"]),  # 2 -> 1/6
        (
            "urban",
            2_500_000,
            ["employment", "dependants", "adult_education", "housing_quality", "drinking_water"],
        ),  # 5 -> 5/12
        ("urban", 1_800_000, []),  # 0
        ("urban", 1_900_000, ["health_insurance", "adult_education", "latrine", "info_access"]),
        ("rural", 1_600_000, ["child_school", "floor_area", "info_access"]),  # 3 -> 0.25
    ]
    std = standard_for_year(2023)
    rows = []
    for n, (zone, income, flags) in enumerate(deprived, start=1):
        row = dict(household_id=f"h{n}", year=2023, commune_code="25216", zone=zone)
        row |= dict(members=4, income_pc=income)
        row |= {f"d_{i}": i in flags for i in std.indicators}
        rows.append(row)
    return pd.DataFrame(rows)


def test_af_nd07_twelve_indicators_by_hand():
    res = m.alkire_foster(nd07_households(), year=2023)
    assert res.standard == "ND07_2021"
    assert res.cutoff == 0.25  # 3 of 12
    # poor: h1 (3/12, exactly at the cut-off), h3 (5/12), h5 (4/12), h6 (3/12)
    assert list(res.scores["poor"]) == [True, False, True, False, True, True]
    # H = 4/6 ; sum of poor scores = (3+5+4+3)/12 = 15/12 ; A = 15/48 ; M0 = 15/72 = 5/24
    close(res.H, 4 / 6)
    close(res.A, 0.3125)
    close(res.M0, 5 / 24)
    # censored deprived counts among the poor (of 6 households) and contribution = count/15:
    counts = {
        "employment": 2,  # h1 h3
        "dependants": 1,  # h3
        "nutrition": 0,  # only h2, not poor
        "health_insurance": 2,  # h1 h5
        "adult_education": 2,  # h3 h5
        "child_school": 1,  # h6
        "housing_quality": 1,  # h3
        "floor_area": 1,  # h6
        "drinking_water": 1,  # h3
        "latrine": 2,  # h1 h5
        "telecom": 0,  # only h2
        "info_access": 2,  # h5 h6
    }
    expected = pd.DataFrame(
        {
            "indicator": list(counts),
            "weight": [1 / 12] * 12,
            "censored_headcount": [c / 6 for c in counts.values()],
            # (1/12)(c/6) / (15/72) = c/15
            "contribution_pct": [c / 15 * 100 for c in counts.values()],
        }
    )
    assert_frame(res.indicators, expected)
    expected_dims = pd.DataFrame(
        {
            "dimension": [
                "employment",
                "health",
                "education",
                "housing",
                "water_sanitation",
                "information",
            ],
            # (2+1), (0+2), (2+1), (1+1), (1+2), (0+2) over 15
            "contribution_pct": [20.0, 40 / 3, 20.0, 40 / 3, 20.0, 40 / 3],
        }
    )
    assert_frame(res.dimensions, expected_dims)


def test_af_income_gate_is_the_official_poor_class():
    frame = nd07_households()
    res = m.alkire_foster(frame, year=2023, income_gate=True)
    # h3 (urban 2.5M > 2.0M) and h6 (rural 1.6M > 1.5M) are above the line: poor = h1, h5
    assert list(res.scores["poor"]) == [True, False, False, False, True, False]
    # H = 2/6 ; A = (3/12 + 4/12)/2 = 7/24 ; M0 = 7/72
    close(res.H, 1 / 3)
    close(res.A, 7 / 24)
    close(res.M0, 7 / 72)
    official = classify(frame, 2023) == "poor"
    assert (res.scores["poor"] == official).all()


def test_af_random_panel_identity_and_official_class():
    rng = np.random.default_rng(47)
    std = standard_for_year(2024)
    n = 400
    frame = pd.DataFrame(
        {
            "household_id": np.arange(n),
            "year": 2024,
            "commune_code": rng.choice(["25216", "25217", "25220", "25222"], n),
            "zone": rng.choice(["urban", "rural"], n),
            "members": rng.integers(1, 9, n),
            "income_pc": rng.integers(600_000, 3_000_000, n),
        }
    )
    for i in std.indicators:
        frame[f"d_{i}"] = rng.random(n) < 0.3
    for unit in ("households", "members"):
        res = m.alkire_foster(frame, by="commune_code", weight=unit, income_gate=True)
        groups = res.groups
        weighted = (groups["population"] / groups["population"].sum() * groups["M0"]).sum()
        close(res.M0, weighted)
        assert res.check_decomposition()
        close(res.M0, res.H * res.A)
        assert res.indicators["contribution_pct"].sum() == pytest.approx(100.0)
        assert groups["contribution_pct"].sum() == pytest.approx(100.0)
        assert (res.scores["poor"] == (classify(frame, 2024) == "poor")).all()


def test_af_district_code_derived_from_commune():
    frame = nd07_households()
    res = m.alkire_foster(frame, by="district_code")
    assert list(res.groups["district_code"]) == ["688"]  # commune 25216 is in Phước Long
    assert res.groups.loc[0, "M0"] == pytest.approx(res.M0)


def test_af_errors():
    frame = nd07_households()
    with pytest.raises(ValueError, match="missing columns: d_latrine"):
        m.alkire_foster(frame.drop(columns=["d_latrine"]), year=2023)
    with pytest.raises(StandardError, match="2015 is outside every poverty standard"):
        m.alkire_foster(frame.assign(year=2015))
    with pytest.raises(ValueError, match="several review years"):
        m.alkire_foster(pd.concat([frame, frame.assign(year=2024)]))
    with pytest.raises(ValueError, match="no household records for year 2022"):
        m.alkire_foster(frame, year=2022)
    with pytest.raises(ValueError, match=r"k must be in \(0, 12\]"):
        m.alkire_foster(frame, k=13)
    with pytest.raises(ValueError, match="weight must be 'households' or 'members'"):
        m.alkire_foster(frame, weight="people")
    with pytest.raises(ValueError, match="weights must be positive"):
        m.alkire_foster(frame, weights={"employment": 0, "latrine": 1})
    with pytest.raises(ValueError, match="income_gate needs a review year"):
        m.alkire_foster(six_households(), income_gate=True, **CUSTOM)
    with pytest.raises(ValueError, match="needs a result computed with by"):
        m.alkire_foster(frame).check_decomposition()


# ------------------------------------------------------------------ key subsets, suppression


def test_measures_work_without_zone_or_area_columns():
    summary = make_summary(TWO_AREAS["a"]).drop(columns=["zone", "area_level", "area_code"])
    result = m.rates(summary)
    assert list(result.columns[:2]) == ["year", "standard"]
    assert result.loc[0, "poverty_rate"] == 5.0
    plan = m.plan_reduction(plan_rows().drop(columns=["zone", "area_level", "area_code"]))
    assert list(plan["cumulative_reduction"]) == [2200.0, 4700.0, 6500.0, 8700.0]


def test_suppress_small_on_changes_uses_existing_flags():
    summary = three_years()
    summary["em_total_households"] = [20, 20, 20]  # EM denominators below 50 in every year
    shown = m.suppress_small(m.changes(summary))
    assert np.isnan(shown.loc[2, "em_poverty_rate_change"])
    assert shown.loc[2, "poor_change"] == -19.0  # a count, not a rate: left alone
    close(shown.loc[2, "poverty_rate_change"], 61 / 1020 * 100 - 80 / 1010 * 100)
    with pytest.raises(ValueError, match="no denominator column to re-flag"):
        m.suppress_small(m.changes(summary), min_households=10)


def test_plan47_defaults_come_from_the_targets_table():
    # Plan 47-KH/TU: 2,000-2,500 fewer poor households a year in 2021-2025, 1,000 of them
    # ethnic-minority; the values live in data/targets/targets.csv, not in code.
    assert m.plan47_targets() == {
        "first_year": 2021,
        "last_year": 2025,
        "target_low": 2000.0,
        "target_high": 2500.0,
        "em_target": 1000.0,
    }
