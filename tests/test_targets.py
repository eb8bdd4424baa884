"""Tests of analysis.projection.targets: targets as data, allocation, status thresholds and status table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_forecast import make_summary

from analysis.projection import targets as tg


def _targets(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=tg.TARGET_COLUMNS)


T1 = (
    "T1",
    "province",
    "poor_reduction_households",
    "annual_reduction",
    2000,
    2500,
    2021,
    2025,
    "test",
    "",
)


@pytest.fixture(scope="module")
def summary():
    return make_summary()


# -- targets as data --------------------------------------------------------------------------
def test_bundled_targets_validate():
    t = tg.load_targets()
    assert {"T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "N1", "N2", "N3", "N4"} <= set(
        t["target_id"]
    )
    t1 = t[t.target_id == "T1"].iloc[0]
    assert (t1.value_low, t1.value_high, t1.first_year, t1.last_year) == (2000, 2500, 2021, 2025)
    assert set(t["kind"]) <= set(tg.KINDS)
    alloc = tg.load_allocations()
    assert list(alloc.columns) == tg.ALLOCATION_COLUMNS


def test_bad_targets_raise():
    bad = _targets(("X1", "province", "poverty_gap", "annual_reduction", 1, 2, 2022, 2025, "", ""))
    with pytest.raises(tg.TargetError, match="unknown indicator 'poverty_gap'"):
        tg.validate_targets(bad)
    bad = _targets(("X1", "province", "poor_households", "someday", 1, 2, 2022, 2025, "", ""))
    with pytest.raises(tg.TargetError, match="unknown target kind"):
        tg.validate_targets(bad)
    bad = _targets(
        ("X1", "province", "poor_households", "level_by_year", None, None, 2022, 2025, "", "")
    )
    with pytest.raises(tg.TargetError, match="without a value"):
        tg.validate_targets(bad)


# -- allocation -------------------------------------------------------------------------------
def _three_districts() -> pd.DataFrame:
    rows = []
    for code, poor in (("688", 100), ("691", 300), ("693", 600)):
        for y in (2022, 2023, 2024):
            rows.append(
                {
                    "year": y,
                    "area_code": code,
                    "area_level": "district",
                    "zone": "rural",
                    "total_households": 10000,
                    "poor_start": poor,
                    "poor_end": poor - 10,
                    "em_total_households": 2000,
                    "em_poor_start": poor // 2,
                    "em_poor_end": poor // 2 - 5,
                }
            )
    return pd.DataFrame(rows)


def test_default_allocation_by_share_of_poor_households():
    out = tg.allocate(_targets(T1), _three_districts(), 2023)
    # shares 100/1000, 300/1000, 600/1000 of 2,000 (low) and 2,500 (high)
    got = out.set_index("area_code")
    assert got.loc[["688", "691", "693"], "value_low"].tolist() == pytest.approx([200, 600, 1200])
    assert got.loc[["688", "691", "693"], "value_high"].tolist() == pytest.approx([250, 750, 1500])
    assert set(out["allocation_source"]) == {"default: share of poor households"}


def test_given_allocation_and_remainder_by_share():
    given = pd.DataFrame(
        {"year": [2023], "area_code": ["693"], "target_id": ["T1"], "value": [500]}
    )
    out = tg.allocate(_targets(T1), _three_districts(), 2023, given).set_index("area_code")
    assert out.loc["693", "value_low"] == 500 and out.loc["693", "allocation_source"] == "given"
    # remaining 1,500 shared 100:300 between the others -> 375 and 1,125
    assert out.loc["688", "value_low"] == pytest.approx(375)
    assert out.loc["691", "value_low"] == pytest.approx(1125)
    assert out.loc["688", "allocation_source"] == "default: share of poor households"


def test_allocation_for_a_year_without_data_uses_latest_shares():
    out = tg.allocate(_targets(T1), _three_districts(), 2025)
    assert set(out["share_year"]) == {2024}
    assert out["value_low"].sum() == pytest.approx(2000)


# -- status rules at their exact boundaries --------------------------------------------------
@pytest.mark.parametrize(
    ("apr", "prob", "expected"),
    [
        (1.0, None, "on track"),
        (1.0, 0.5, "on track"),
        (1.3, 0.49, "needs acceleration"),
        (0.999999, 0.9, "needs acceleration"),
        (0.5, None, "needs acceleration"),
        (0.499999, None, "off track"),
        (0.0, None, "off track"),
        (-1e-9, None, "regressing"),
        (float("nan"), None, "too little data"),
    ],
)
def test_status_from_apr_boundaries(apr, prob, expected):
    assert tg.status_from_apr(apr, prob) == expected


@pytest.mark.parametrize(
    ("prob", "expected"),
    [
        (0.5, "on track"),
        (0.4999, "needs acceleration"),
        (0.25, "needs acceleration"),
        (0.2499, "off track"),
        (0.10, "off track"),
        (0.0999, "regressing"),
    ],
)
def test_status_from_probability_boundaries(prob, expected):
    assert tg.status_from_probability(prob) == expected


# -- status table on hand-made cases ----------------------------------------------------------
def _coverage_summary(values) -> pd.DataFrame:
    rows = []
    for y, pct in zip(range(2022, 2022 + len(values)), values, strict=True):
        rows.append(
            {
                "year": y,
                "area_code": "688",
                "area_level": "district",
                "zone": "rural",
                "total_households": 1000,
                "poor_start": 100,
                "poor_end": 90,
                "people_poor_near": 1000,
                "people_health_insured": int(pct * 10),
            }
        )
    return pd.DataFrame(rows)


T3 = (
    "T3",
    "province",
    "health_insurance_coverage_pct",
    "level_by_year",
    100,
    100,
    2021,
    2025,
    "",
    "",
)


def test_level_target_met_is_on_track():
    out = tg.target_status(
        _coverage_summary([100, 100, 100]), 2024, ["province"], targets=_targets(T3), n_paths=200
    )
    assert out["status"].item() == "on track"
    assert "reached" in out["note"].item()


def test_level_target_falling_is_regressing():
    out = tg.target_status(
        _coverage_summary([96, 93, 90]), 2024, ["province"], targets=_targets(T3), n_paths=200
    )
    row = out.iloc[0]
    assert row["status"] == "regressing"
    assert row["apr"] < 0
    # 10 points in 1 remaining year; recent pace -3 points a year
    assert row["required_pace"] == pytest.approx(10.0)
    assert row["recent_pace"] == pytest.approx(-3.0)


def test_level_target_linear_progress_apr():
    # 94, 96, 98 -> linear projection 100 in 2025 (APR 1 on the OLS line); ETS damps below
    out = tg.target_status(
        _coverage_summary([94, 96, 98]), 2024, ["province"], targets=_targets(T3), n_paths=200
    )
    row = out.iloc[0]
    assert 0.5 <= row["apr"] <= 1.0 + 1e-9
    assert row["status"] in {"on track", "needs acceleration"}
    assert row["required_pace"] == pytest.approx(2.0)


def test_cumulative_target_reached_and_too_little_data(summary):
    small = _targets(
        (
            "TX",
            "province",
            "poor_reduction_households",
            "annual_reduction",
            1,
            None,
            2022,
            2025,
            "",
            "",
        )
    )
    out = tg.target_status(summary, 2024, ["province"], targets=small, n_paths=200)
    assert out["status"].item() == "on track" and "already reached" in out["note"].item()
    tiny = _coverage_summary([94, 96, 98]).assign(people_poor_near=10, people_health_insured=9)
    out = tg.target_status(tiny, 2024, ["province"], targets=_targets(T3), n_paths=200)
    assert out["status"].item() == "too little data"
    out = tg.target_status(
        summary[summary.year <= 2023], 2023, ["province"], targets=_targets(T1), n_paths=200
    )
    assert out["status"].item() == "too little data"


def test_target_status_table(summary):
    out = tg.target_status(summary, 2024, ["province", "691"], seed=4, n_paths=300)
    for col in (
        "target_id",
        "area_code",
        "indicator",
        "progress_so_far",
        "target_value",
        "required_pace",
        "recent_pace",
        "projected_value",
        "probability",
        "apr",
        "status",
        "note",
    ):
        assert col in out
    assert set(out["status"]) <= set(tg.STATUSES)
    assert "T8" not in set(out.loc[out.area_code == "691", "target_id"])  # spread: province only
    assert "N3" not in set(out["target_id"])  # no poor districts given
    t1 = out[(out.target_id == "T1")].set_index("area_code")
    assert t1.loc["691", "allocation_source"] == "default: share of poor households"
    # T1 province: achieved = sum of within-year reductions 2021-2024
    s = summary[summary.year.between(2021, 2024)]
    assert t1.loc["province", "progress_so_far"] == pytest.approx((s.poor_start - s.poor_end).sum())
    assert t1.loc["province", "target_value"] == pytest.approx(10000)
    again = tg.target_status(summary, 2024, ["province", "691"], seed=4, n_paths=300)
    pd.testing.assert_frame_equal(out, again)
    assert np.isfinite(out.loc[out.target_id == "T1", "probability"]).all()
