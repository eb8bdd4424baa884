"""Tests of analysis.projection.status: status thresholds and the status table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from projection_summary import make_summary

from analysis.projection import status as st
from analysis.projection.targets import TARGET_COLUMNS


def _targets(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


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
    assert st.status_from_apr(apr, prob) == expected


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
    assert st.status_from_probability(prob) == expected


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
    out = st.target_status(
        _coverage_summary([100, 100, 100]), 2024, ["province"], targets=_targets(T3), n_paths=200
    )
    assert out["status"].item() == "on track"
    assert "reached" in out["note"].item()


def test_level_target_falling_is_regressing():
    out = st.target_status(
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
    out = st.target_status(
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
    out = st.target_status(summary, 2024, ["province"], targets=small, n_paths=200)
    assert out["status"].item() == "on track" and "already reached" in out["note"].item()
    tiny = _coverage_summary([94, 96, 98]).assign(people_poor_near=10, people_health_insured=9)
    out = st.target_status(tiny, 2024, ["province"], targets=_targets(T3), n_paths=200)
    assert out["status"].item() == "too little data"
    out = st.target_status(
        summary[summary.year <= 2023], 2023, ["province"], targets=_targets(T1), n_paths=200
    )
    assert out["status"].item() == "too little data"


def test_target_status_table(summary):
    out = st.target_status(summary, 2024, ["province", "691"], seed=4, n_paths=300)
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
    assert set(out["status"]) <= set(st.STATUSES)
    assert "T8" not in set(out.loc[out.area_code == "691", "target_id"])  # spread: province only
    assert "N3" not in set(out["target_id"])  # no poor districts given
    t1 = out[(out.target_id == "T1")].set_index("area_code")
    assert t1.loc["691", "allocation_source"] == "default: share of poor households"
    # T1 province: achieved = sum of within-year reductions 2021-2024
    s = summary[summary.year.between(2021, 2024)]
    assert t1.loc["province", "progress_so_far"] == pytest.approx((s.poor_start - s.poor_end).sum())
    assert t1.loc["province", "target_value"] == pytest.approx(10000)
    again = st.target_status(summary, 2024, ["province", "691"], seed=4, n_paths=300)
    pd.testing.assert_frame_equal(out, again)
    assert np.isfinite(out.loc[out.target_id == "T1", "probability"]).all()
