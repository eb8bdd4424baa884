"""Tests of analysis.projection.status: the status table on a summary small enough to check by hand.

Two districts, one zone, reviews 2021 (QĐ 59) and 2022-2024 (NĐ 07; the 2022 start stock is the
re-classified one). Every expectation below is computed from the table in this file.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.projection import status as st
from analysis.projection import verdicts as vd
from analysis.projection.targets import TARGET_COLUMNS

# (year, poor_start, escaped, repoverty, new) per district; end = start - escaped + rep + new
FLOWS = {
    "688": [(2021, 100, 20, 0, 0), (2022, 200, 60, 5, 5), (2023, 150, 50, 4, 6),
            (2024, 110, 40, 10, 0)],
    "691": [(2021, 300, 50, 0, 0), (2022, 400, 100, 10, 10), (2023, 320, 90, 5, 5),
            (2024, 240, 70, 5, 5)],
}  # fmt: skip
TOTAL = 1000


def tiny_summary() -> pd.DataFrame:
    rows = []
    for code, years in FLOWS.items():
        for year, start, esc, rep, new in years:
            end = start - esc + rep + new
            rows.append(
                {
                    "year": year,
                    "area_code": code,
                    "area_level": "district",
                    "zone": "rural",
                    "total_households": TOTAL,
                    "poor_start": start,
                    "poor_escaped": esc,
                    "poor_repoverty": rep,
                    "poor_new": new,
                    "poor_other": 0,
                    "poor_end": end,
                }  # fmt: skip
            )
    return pd.DataFrame(rows)


def end(code: str, year: int) -> int:
    _, start, esc, rep, new = next(r for r in FLOWS[code] if r[0] == year)
    return start - esc + rep + new


def reduction(code: str, year: int) -> int:
    start = next(r for r in FLOWS[code] if r[0] == year)[1]
    return start - end(code, year)


def share(code: str, year: int) -> float:
    starts = {c: next(r for r in FLOWS[c] if r[0] == year)[1] for c in FLOWS}
    return starts[code] / sum(starts.values())


def row(target_id, indicator, measure, unit, low, high, per_year, base, first, last,
        districts="allocate", applies="") -> dict:  # fmt: skip
    values = (target_id, "plan", indicator, measure, unit, low, high, per_year, base, first, last,
              districts, applies, "", "", "test", "")  # fmt: skip
    return dict(zip(TARGET_COLUMNS, values, strict=True))


@pytest.fixture(scope="module")
def table():
    targets = pd.DataFrame(
        [
            row(
                "A",
                "poor_reduction_households",
                "cumulative",
                "households",
                200,
                200,
                True,
                2021,
                2021,
                2025,
            ),
            row(
                "P",
                "poor_reduction_households",
                "cumulative",
                "households",
                150,
                150,
                False,
                2023,
                2023,
                2023,
            ),
            row(
                "R",
                "repoverty_households",
                "trend",
                "households",
                None,
                None,
                False,
                2022,
                2022,
                2025,
                "same",
            ),
            row(
                "L",
                "poverty_rate_pct",
                "level",
                "percent",
                15,
                None,
                True,
                2021,
                2022,
                2025,
                "same",
                "rate at least one year's fall",
            ),
            row(
                "F",
                "poor_reduction_households",
                "cumulative",
                "households",
                100,
                100,
                False,
                2026,
                2026,
                2026,
            ),
        ]  # fmt: skip
    )
    out = st.target_status(tiny_summary(), 2024, targets=targets, n_paths=200)
    return out.set_index(["area_code", "target_id"])


def test_columns_and_rows(table):
    assert sorted(table.reset_index().columns) == sorted(st.STATUS_COLUMNS)
    # F starts in 2026: not listed; every other target for the province and both districts
    assert sorted(table.index) == sorted(
        (a, t) for a in ("province", "688", "691") for t in ("A", "P", "R", "L")
    )


def test_cumulative_target_beyond_the_stock_is_unattainable(table):
    # province: 200 a year over 2021-2025 = 1,000; achieved 2021-2024, stock left at end 2024
    achieved = sum(reduction(c, y) for c in FLOWS for y in (2021, 2022, 2023, 2024))
    left = end("688", 2024) + end("691", 2024)
    r = table.loc[("province", "A")]
    assert r.status == vd.UNATTAINABLE
    assert r.latest_value == achieved and r.target_value == 1000
    assert r.gap == 1000 - achieved
    assert str(1000 - achieved - left) in r.reason_en  # at least this many short
    # district 688: its share of each year's 200 (share of poor at the start of the year; 2025
    # uses the 2024 shares), achieved its own reductions, 80 households left
    target = 200 * sum(share("688", y) for y in (2021, 2022, 2023, 2024, 2024))
    d = table.loc[("688", "A")]
    assert d.target_value == pytest.approx(target)
    assert d.latest_value == sum(reduction("688", y) for y in (2021, 2022, 2023, 2024))
    assert d.status == vd.UNATTAINABLE
    assert d.allocation_source == "default: share of poor households"
    # the share of the NĐ 07 start stock removed (2022-2024 reductions / 2022 start)
    removed = sum(reduction("688", y) for y in (2022, 2023, 2024)) / 200
    assert d.attainable_share == pytest.approx(removed)


def test_annual_plan_is_judged_on_the_actual_value(table):
    p = table.loc[("province", "P")]
    actual = reduction("688", 2023) + reduction("691", 2023)
    assert p.status == (vd.ACHIEVED if actual >= 150 else vd.NOT_ACHIEVED)
    assert p.latest_value == actual and p.gap == pytest.approx(150 - actual)
    d = table.loc[("688", "P")]
    assert d.target_value == pytest.approx(150 * share("688", 2023))
    assert d.status == vd.NOT_ACHIEVED  # 40 against 47.9
    assert "2023" in d.reason_en and "short" in d.reason_en


def test_trend_target_against_its_2022_level(table):
    # 688: re-poverty 5, 4, 10: above the 2022 level and rising
    d = table.loc[("688", "R")]
    assert (d.base_value, d.latest_value) == (5, 10) and d.status == vd.REGRESSING
    # province: 15, 9, 15: back at the 2022 level, flat trend, base below 20 households
    p = table.loc[("province", "R")]
    assert (p.base_value, p.latest_value) == (15, 15) and p.status == vd.ON_TRACK


def test_level_target_not_applicable_and_unattainable(table):
    # 15 points a year: 688 is at 80/1000 = 8% at the end of 2024 (< 15): not applicable
    d = table.loc[("688", "L")]
    assert d.latest_value == pytest.approx(100 * end("688", 2024) / TOTAL)
    assert d.base_value == pytest.approx(20.0) and d.status == vd.NOT_APPLICABLE
    # 691 started 2022 at 40% and is at 18%: the target 40 - 4 x 15 = -20% is below 0
    r = table.loc[("691", "L")]
    assert r.base_value == pytest.approx(40.0) and r.target_value == pytest.approx(-20.0)
    assert r.status == vd.UNATTAINABLE
    assert r.latest_value == pytest.approx(100 * end("691", 2024) / TOTAL)
    # the base is the start of 2022, written as 2022 in the sentence
    assert "(40.00%, 2022)" in r.reason_en


def test_a_single_review_gives_verdicts_without_projections():
    out = st.target_status(tiny_summary()[lambda d: d.year <= 2022], 2022, n_paths=50)
    assert len(out) and out["projected_value"].isna().all()
    assert set(out["status"]) <= set(vd.STATUSES)
    t7 = out[(out.target_id == "T7") & (out.area_code == "province")]
    assert (t7["status"] == vd.TOO_LITTLE).all()


def test_zero_poor_households_left():
    s = tiny_summary()
    # 688 removes every poor household in 2024 (escaped = start, no inflow)
    s.loc[(s.area_code == "688") & (s.year == 2024), ["poor_escaped", "poor_repoverty", "poor_new",
                                                      "poor_end"]] = [110, 0, 0, 0]  # fmt: skip
    targets = pd.DataFrame([row("A", "poor_reduction_households", "cumulative", "households",
                                200, 200, True, 2021, 2021, 2025)])  # fmt: skip
    out = st.target_status(s, 2024, ["688"], targets=targets, n_paths=50).iloc[0]
    assert out.status == vd.UNATTAINABLE and out.attainable_share == pytest.approx(1.0)
    assert math.isnan(out.projected_value) or out.projected_value <= out.latest_value + 1e-9
