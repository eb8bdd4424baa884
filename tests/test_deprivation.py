"""Tests of analysis.compute.deprivation against small examples computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.compute import deprivation as m
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
