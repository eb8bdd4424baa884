"""Tests of analysis.projection.targets: targets as data and district allocation."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.projection import targets as tg


def _targets(*rows) -> pd.DataFrame:
    return pd.DataFrame([dict(zip(tg.TARGET_COLUMNS, r, strict=True)) for r in rows])


#          id    scope   indicator                    measure       unit        low   high
T1 = ("T1", "plan", "poor_reduction_households", "cumulative", "households", 2000, 2500,
      True, 2021, 2021, 2025, "allocate", "", "net reduction", "escaped_households", "test", "")  # fmt: skip
PLAN_2023 = ("T1-2023", "annual plan", "poor_reduction_households", "cumulative", "households",
             2000, 2000, False, 2023, 2023, 2023, "allocate", "", "net reduction", "", "test", "")  # fmt: skip


# -- targets as data --------------------------------------------------------------------------
def test_bundled_targets_validate():
    t = tg.load_targets()
    ids = set(t["target_id"])
    assert {"T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "N1", "N2", "N3", "N4"} <= ids
    assert {"T1-2022", "T2-2022", "T1-2023", "T2-2023"} <= ids  # the annual plans
    t1 = t[t.target_id == "T1"].iloc[0]
    assert (t1.value_low, t1.value_high, t1.first_year, t1.target_year) == (2000, 2500, 2021, 2025)
    assert t1.per_year and t1.measure == "cumulative" and t1.also_report == "escaped_households"
    plan = t[t.target_id == "T1-2022"].iloc[0]
    assert (plan.value_low, plan.first_year, plan.target_year, plan.per_year) == (
        2800,
        2022,
        2022,
        False,
    )
    assert set(t["measure"]) <= {"cumulative", "level", "trend"}
    assert (t["reading"].str.len() > 20).all() and (t["source"] != "").all()
    alloc = tg.load_allocations()
    assert list(alloc.columns) == tg.ALLOCATION_COLUMNS


def test_bad_targets_name_row_and_column():
    row = list(T1)
    row[2] = "poverty_gap"
    with pytest.raises(tg.TargetError, match=r"targets.csv, row 2, column indicator: unknown"):
        tg.validate_targets(_targets(tuple(row)))
    row = list(T1)
    row[3] = "someday"
    with pytest.raises(tg.TargetError, match=r"row 2, column measure: 'someday' is not one of"):
        tg.validate_targets(_targets(T1, tuple(row)).iloc[[1]].reset_index(drop=True))
    row = list(T1)
    row[5], row[6] = "", ""
    with pytest.raises(
        tg.TargetError, match="column value_low: a cumulative or level target needs"
    ):
        tg.validate_targets(_targets(tuple(row)))
    row = list(T1)
    row[10] = "2025x"
    with pytest.raises(tg.TargetError, match="column target_year: '2025x' is not a year"):
        tg.validate_targets(_targets(tuple(row)))


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
    out = tg.allocate_year(_targets(T1), _three_districts(), 2023)
    # shares 100/1000, 300/1000, 600/1000 of 2,000 (low) and 2,500 (high)
    got = out.set_index("area_code")
    assert got.loc[["688", "691", "693"], "value_low"].tolist() == pytest.approx([200, 600, 1200])
    assert got.loc[["688", "691", "693"], "value_high"].tolist() == pytest.approx([250, 750, 1500])
    assert set(out["allocation_source"]) == {"default: share of poor households"}


def test_given_allocation_and_remainder_by_share():
    given = pd.DataFrame(
        {"year": [2023], "area_code": ["693"], "target_id": ["T1"], "value": [500]}
    )
    out = tg.allocate_year(_targets(T1), _three_districts(), 2023, given).set_index("area_code")
    assert out.loc["693", "value_low"] == 500 and out.loc["693", "allocation_source"] == "given"
    # remaining 1,500 shared 100:300 between the others -> 375 and 1,125
    assert out.loc["688", "value_low"] == pytest.approx(375)
    assert out.loc["691", "value_low"] == pytest.approx(1125)
    assert out.loc["688", "allocation_source"] == "default: share of poor households"


def test_allocation_for_a_year_without_data_uses_latest_shares():
    out = tg.allocate_year(_targets(T1), _three_districts(), 2025)
    assert set(out["share_year"]) == {2024}
    assert out["value_low"].sum() == pytest.approx(2000)


def test_annual_plan_is_allocated_whole_in_its_year_only():
    out = tg.allocate_year(_targets(T1, PLAN_2023), _three_districts(), 2023)
    plan = out[out["target_id"] == "T1-2023"].set_index("area_code")
    assert plan["value_low"].tolist() == pytest.approx([200, 600, 1200])
    later = tg.allocate_year(_targets(T1, PLAN_2023), _three_districts(), 2024)
    assert set(later["target_id"]) == {"T1"}
