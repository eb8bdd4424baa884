"""Tests of analysis.projection.targets: targets as data and district allocation."""

from __future__ import annotations

import pandas as pd
import pytest

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
