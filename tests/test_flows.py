"""Flows, commune summary and roll-ups on a tiny hand-made panel (expectations worked by hand).

Communes (all in district 693 Bù Đốp): A = 25309 Hưng Phước (rural), B = 25310 Phước Thiện
(rural), U = 25308 Thanh Bình (urban). Reviews 2019-2022; 2022 is the first year of Decree 07
(rural line 1,500,000, urban 2,000,000, poor needs 3 or more of 12 deprivations).

=====  ===  ==  ===========================================================================
hh     com  EM  story
=====  ===  ==  ===========================================================================
H1     A    y   poor 2019-2021; 2021 under Decree 07 still poor (600k, 3 deprivations);
                near-poor 2022 (escaped, new near-poor)
H2     A    n   poor 2019, not poor 2020 (escaped), poor 2021 (re-poverty); 2021 under
                Decree 07 near-poor (1.2M, 1 deprivation); poor 2022 (re-poverty, near -> poor)
H3     A    y   near-poor 2019, poor 2020 (new poverty, near -> poor), near 2021 (escaped),
                not poor 2022; 2021 under Decree 07 not poor (2.0M)
H4     B    n   poor 2019, 2020; leaves the panel in 2021 (other -1)
H5     B    y   appears 2020 poor (new), not poor 2021 (escaped); 2021 under Decree 07 poor
                (1.4M, 3 deprivations); poor 2022
H6     B    n   not poor 2019, near-poor 2020 (new), 2021 (stays); 2021 under Decree 07
                near-poor (1.1M, 0 deprivations); not poor 2022 (near-poor escaped)
H7     U    n   appears 2021 near-poor (new); 2021 under Decree 07 near-poor (urban, 1.9M);
                poor 2022 (new poverty: never poor before; near -> poor)
H8     A/B  n   poor 2019 in A, moves to B and is poor 2020 (A: other -1, B: other +1),
                not poor 2021 (escaped in B), 2022 not poor
=====  ===  ==  ===========================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.compute.flows import (
    PanelError,
    combine_zones,
    derive_flows,
    roll_up,
    summarise_households,
)
from analysis.reference import schema
from analysis.reference.geography import load_geography
from analysis.reference.standards import all_indicators

A, B, U = "25309", "25310", "25308"
P, N, X = "poor", "near_poor", "not_poor"

# household -> (EM, members, deprivation flags, {year: (commune, class, income_pc)})
STORIES = {
    "H1": (True, 5, ["employment", "nutrition", "latrine"],
           {2019: (A, P, 400_000), 2020: (A, P, 450_000), 2021: (A, P, 600_000),
            2022: (A, N, 1_200_000)}),
    "H2": (False, 4, ["latrine"],
           {2019: (A, P, 500_000), 2020: (A, X, 1_100_000), 2021: (A, P, 650_000),
            2022: (A, P, 1_000_000)}),
    "H3": (True, 3, [],
           {2019: (A, N, 800_000), 2020: (A, P, 650_000), 2021: (A, N, 2_000_000),
            2022: (A, X, 2_500_000)}),
    "H4": (False, 2, [], {2019: (B, P, 500_000), 2020: (B, P, 550_000)}),
    "H5": (True, 6, ["housing_quality", "floor_area", "latrine"],
           {2020: (B, P, 600_000), 2021: (B, X, 1_400_000), 2022: (B, P, 1_300_000)}),
    "H6": (False, 4, [],
           {2019: (B, X, 1_500_000), 2020: (B, N, 900_000), 2021: (B, N, 1_100_000),
            2022: (B, X, 1_700_000)}),
    "H7": (False, 3, [], {2021: (U, N, 1_900_000), 2022: (U, P, 1_800_000)}),
    "H8": (False, 5, [],
           {2019: (A, P, 500_000), 2020: (B, P, 600_000), 2021: (B, X, 3_000_000),
            2022: (B, X, 3_100_000)}),
}  # fmt: skip

# Coverage fields of 2022 (other years: health_insured = members, no needs).
COVER_2022 = {  # hh: (health_insured, credit_need, credit_received, training_need, training_received)
    "H1": (4, True, False, 0, 0),
    "H2": (4, False, False, 2, 1),
    "H3": (3, True, True, 0, 0),
    "H5": (6, True, True, 1, 1),
    "H6": (4, False, False, 0, 0),
    "H7": (2, False, False, 1, 0),
    "H8": (5, True, False, 0, 0),
}


def make_panel(with_income: bool = True) -> pd.DataFrame:
    rows = []
    for hid, (em, members, flags, years) in STORIES.items():
        for year, (commune, klass, income) in years.items():
            row = {
                "household_id": hid,
                "year": year,
                "commune_code": commune,
                "zone": "urban" if commune == U else "rural",
                "ethnic_minority": em,
                "members": members,
                "recorded_class": klass,
                "income_pc": income,
                "synthetic": False,
            }
            cover = COVER_2022.get(hid) if year == 2022 else None
            cover = cover or (members, False, False, 0, 0)
            for key, value in zip(
                ["health_insured", "credit_need", "credit_received", "training_need",
                 "training_received"],
                cover,
                strict=True,
            ):  # fmt: skip
                row[key] = value
            for ind in all_indicators():
                row[f"d_{ind}"] = ind in flags
            rows.append(row)
    panel = pd.DataFrame(rows)
    if not with_income:
        panel = panel.drop(columns=["income_pc"])
    return panel


FLOW_COLS = [
    "poor_start", "poor_escaped", "poor_repoverty", "poor_new", "poor_other", "poor_end",
    "near_poor_start", "near_poor_escaped", "near_poor_new", "near_poor_other", "near_poor_end",
]  # fmt: skip

# Household-year rows for 2020-2022, worked out by hand from the stories above:
# hh, year, commune, side, start, end, then the eleven flow columns in FLOW_COLS order.
EXPECTED_ROWS = [
    ("H1", 2020, A, "both", P, P, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0),
    ("H2", 2020, A, "both", P, X, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    ("H3", 2020, A, "both", N, P, 0, 0, 0, 1, 0, 1, 1, 0, 0, -1, 0),
    ("H4", 2020, B, "both", P, P, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0),
    ("H5", 2020, B, "end", None, P, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0),
    ("H6", 2020, B, "both", X, N, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1),
    ("H8", 2020, B, "end", P, P, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0),
    ("H8", 2020, A, "start", P, P, 1, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0),
    ("H1", 2021, A, "both", P, P, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0),
    ("H2", 2021, A, "both", X, P, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0),
    ("H3", 2021, A, "both", P, N, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1),
    ("H4", 2021, B, "start", P, None, 1, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0),
    ("H5", 2021, B, "both", P, X, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    ("H6", 2021, B, "both", N, N, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1),
    ("H7", 2021, U, "end", None, N, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1),
    ("H8", 2021, B, "both", P, X, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    # 2022: start classes are the 2021 households re-classified under Decree 07.
    ("H1", 2022, A, "both", P, N, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1),
    ("H2", 2022, A, "both", N, P, 0, 0, 1, 0, 0, 1, 1, 0, 0, -1, 0),
    ("H3", 2022, A, "both", X, X, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    ("H5", 2022, B, "both", P, P, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0),
    ("H6", 2022, B, "both", N, X, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0),
    ("H7", 2022, U, "both", N, P, 0, 0, 0, 1, 0, 1, 1, 0, 0, -1, 0),
    ("H8", 2022, B, "both", X, X, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
]


@pytest.fixture(scope="module")
def geo():
    return load_geography()


@pytest.fixture(scope="module")
def flows():
    return derive_flows(make_panel())


def test_household_flows_by_hand(flows):
    expected = pd.DataFrame(
        EXPECTED_ROWS,
        columns=["household_id", "year", "commune_code", "side", "start_class", "end_class"]
        + FLOW_COLS,
    )
    got = flows[flows["year"] >= 2020].copy()
    got["side"] = got["side"].astype(str)
    key = ["household_id", "year", "side"]
    got = got.sort_values(key).reset_index(drop=True)
    expected = expected.sort_values(key).reset_index(drop=True)
    assert len(got) == len(expected)
    for col in ["household_id", "year", "commune_code", "side"]:
        assert got[col].tolist() == expected[col].tolist(), col
    for col in ["start_class", "end_class"]:
        got_col = [None if pd.isna(v) else v for v in got[col]]
        assert got_col == [None if pd.isna(v) else v for v in expected[col]], col
    for col in FLOW_COLS:
        assert got[col].astype(int).tolist() == expected[col].tolist(), col


def test_first_year_has_no_flows(flows):
    first = flows[flows["year"] == 2019]
    assert sorted(first["household_id"]) == ["H1", "H2", "H3", "H4", "H6", "H8"]
    start_and_flows = [c for c in FLOW_COLS if not c.endswith("_end")]
    assert first[start_and_flows].isna().all().all()
    assert first["poor_end"].astype(int).sum() == 4  # H1, H2, H4, H8
    assert first["near_poor_end"].astype(int).sum() == 1  # H3


def test_identity_holds_for_every_row(flows):
    f = flows[flows["year"] >= 2020][FLOW_COLS].astype(int)
    poor = f.poor_start - f.poor_escaped + f.poor_repoverty + f.poor_new + f.poor_other
    near = f.near_poor_start - f.near_poor_escaped + f.near_poor_new + f.near_poor_other
    assert (poor == f.poor_end).all()
    assert (near == f.near_poor_end).all()


def test_standard_change_without_income_gives_missing_flows():
    flows = derive_flows(make_panel(with_income=False))
    y22 = flows[flows["year"] == 2022]
    assert y22["poor_start"].isna().all() and y22["poor_escaped"].isna().all()
    assert y22["poor_end"].astype(int).sum() == 3  # H2, H5, H7
    # 2020 and 2021 do not need income: same standard as the year before.
    assert flows.loc[flows["year"] == 2021, "poor_escaped"].astype(int).sum() == 3


def test_standard_change_without_a_flag_gives_missing_flows():
    panel = make_panel().drop(columns=["d_nutrition"])
    flows = derive_flows(panel)
    assert flows.loc[flows["year"] == 2022, "near_poor_start"].isna().all()


def test_duplicate_household_year_is_refused():
    panel = make_panel()
    panel = pd.concat([panel, panel.iloc[[0]]])
    with pytest.raises(PanelError, match="duplicated household-year"):
        derive_flows(panel)


def test_unknown_class_is_refused():
    panel = make_panel()
    panel.loc[0, "recorded_class"] = "very_poor"
    with pytest.raises(PanelError, match="recorded_class"):
        derive_flows(panel)


@pytest.fixture(scope="module")
def summary(geo):
    return summarise_households(make_panel(), geo, especially_difficult={(2022, B): True})


def _row(summary, year, code, zone=None):
    sel = (summary["year"] == year) & (summary["area_code"] == code)
    if zone is not None:
        sel &= summary["zone"] == zone
    rows = summary[sel]
    assert len(rows) == 1
    return rows.iloc[0]


def test_summary_columns_and_grid(summary, geo):
    assert list(summary.columns) == schema.summary_columns()
    assert len(summary) == 4 * len(geo.communes)  # every commune, every year
    assert set(summary["area_level"]) == {"commune"}
    assert _row(summary, 2020, U)["zone"] == "urban"
    assert _row(summary, 2020, A)["zone"] == "rural"


def test_summary_commune_flows_by_hand(summary):
    a20 = _row(summary, 2020, A)
    # A 2020: start H1 H2 H8; H2 escaped; H3 new; H8 moved out; end H1 H3.
    assert [a20[f"poor_{f}"] for f in schema.POOR_FLOWS] == [3, 1, 0, 1, -1, 2]
    assert [a20[f"near_poor_{f}"] for f in schema.NEAR_FLOWS] == [1, 0, 0, -1, 0]
    assert a20["total_households"] == 3 and a20["em_total_households"] == 2
    assert [a20[f"em_poor_{f}"] for f in schema.POOR_FLOWS] == [1, 0, 0, 1, 0, 2]
    b20 = _row(summary, 2020, B)
    # B 2020: start H4; H5 new; H8 moved in poor; end H4 H5 H8.
    assert [b20[f"poor_{f}"] for f in schema.POOR_FLOWS] == [1, 0, 0, 1, 1, 3]
    assert [b20[f"near_poor_{f}"] for f in schema.NEAR_FLOWS] == [0, 0, 1, 0, 1]
    b21 = _row(summary, 2021, B)
    # B 2021: start H4 H5 H8; H5 H8 escaped; H4 left the panel; end none.
    assert [b21[f"poor_{f}"] for f in schema.POOR_FLOWS] == [3, 2, 0, 0, -1, 0]
    empty = _row(summary, 2021, "25312")  # a commune without households
    assert empty["poor_start"] == 0 and empty["total_households"] == 0
    first = _row(summary, 2019, A)
    assert pd.isna(first["poor_start"]) and pd.isna(first["em_near_poor_other"])
    assert first["poor_end"] == 3  # H1 H2 H8


def test_summary_coverage_deprivation_and_flags(summary):
    a22 = _row(summary, 2022, A)
    # Poor/near-poor at end of 2022 in A: H1 (near, 5 people), H2 (poor, 4 people).
    assert a22["people_poor_near"] == 9
    assert a22["people_health_insured"] == 8
    # Credit universe: H1, H2 and H3 (not poor, poor in 2020: escaped within three years).
    assert a22["households_credit_need"] == 2  # H1, H3
    assert a22["households_credit_received"] == 1  # H3
    # Training: poor households only (H2).
    assert a22["people_training_need"] == 2 and a22["people_training_received"] == 1
    assert a22["dep_latrine"] == 2 and a22["dep_employment"] == 1
    assert pd.isna(a22["dep_health_access"])  # not a Decree 07 indicator
    assert pd.isna(_row(summary, 2021, A)["dep_employment"])  # not a Decision 59 indicator
    assert _row(summary, 2021, A)["dep_latrine"] == 2  # H1 and H2 poor, H3 near-poor without
    b22 = _row(summary, 2022, B)
    # B 2022 credit universe: H5 (poor) and H8 (escaped in 2021); H6 was never poor.
    assert b22["households_credit_need"] == 2 and b22["households_credit_received"] == 1
    assert bool(b22["especially_difficult"]) and not bool(
        _row(summary, 2021, B)["especially_difficult"]
    )
    assert not summary["synthetic"].any()


def test_province_roll_up_by_hand(summary, geo):
    prov = roll_up(summary, geo, "province")
    assert set(prov["area_level"]) == {"province"}
    assert set(prov["area_code"]) == {geo.province["province_code"]}
    r22 = prov[(prov["year"] == 2022) & (prov["zone"] == "rural")].iloc[0]
    u22 = prov[(prov["year"] == 2022) & (prov["zone"] == "urban")].iloc[0]
    # Rural 2022 (A and B): start H1 H5; H1 escaped; H2 re-poverty; end H2 H5.
    assert [r22[f"poor_{f}"] for f in schema.POOR_FLOWS] == [2, 1, 1, 0, 0, 2]
    # Near-poor rural: start H2 H6; H6 escaped; H1 new; H2 -> poor; end H1.
    assert [r22[f"near_poor_{f}"] for f in schema.NEAR_FLOWS] == [2, 1, 1, -1, 1]
    # Urban 2022 (U): H7 near-poor -> poor, never poor before.
    assert [u22[f"poor_{f}"] for f in schema.POOR_FLOWS] == [0, 0, 0, 1, 0, 1]
    assert r22["especially_difficult_communes"] == 1
    assert r22["total_households"] == 6 and u22["total_households"] == 1
    # 2021 province (both zones): the reclassified start of 2022 differs from this end stock.
    r21 = prov[(prov["year"] == 2021) & (prov["zone"] == "rural")].iloc[0]
    assert r21["poor_end"] == 2 and r22["poor_start"] == 2  # H1 H2 vs H1 H5
    assert r21["near_poor_end"] == 2 and r22["near_poor_start"] == 2  # H3 H6 vs H2 H6


def test_district_roll_up_and_combine_zones(summary, geo):
    dist = roll_up(summary, geo, "district")
    assert set(dist["area_code"]) == set(geo.district_codes())
    allz = combine_zones(dist)
    d22 = allz[(allz["year"] == 2022) & (allz["area_code"] == "693")].iloc[0]
    assert d22["zone"] == "all"
    # Whole district 2022: start H1 H5; escaped H1; re-poverty H2; new H7; end H2 H5 H7.
    assert [d22[f"poor_{f}"] for f in schema.POOR_FLOWS] == [2, 1, 1, 1, 0, 3]
    assert [d22[f"near_poor_{f}"] for f in schema.NEAR_FLOWS] == [3, 1, 1, -2, 1]
    other = allz[(allz["year"] == 2022) & (allz["area_code"] == "689")].iloc[0]
    assert other["poor_end"] == 0 and other["total_households"] == 0
    both = combine_zones(dist, append=True)
    assert len(both) == len(dist) + len(allz)


def test_roll_up_propagates_missing_values(summary, geo):
    damaged = summary.copy()
    sel = (damaged["year"] == 2021) & (damaged["area_code"] == B)
    damaged.loc[sel, "poor_escaped"] = pd.NA
    dist = roll_up(damaged, geo, "district")
    rural21 = dist[
        (dist["year"] == 2021) & (dist["area_code"] == "693") & (dist["zone"] == "rural")
    ]
    assert pd.isna(rural21["poor_escaped"].iloc[0])  # partially missing group -> missing
    assert rural21["poor_start"].iloc[0] == 5  # A: H1 H3; B: H4 H5 H8
    first = dist[dist["year"] == 2019]
    assert first["poor_start"].isna().all()  # all missing stays missing


def test_roll_up_refuses_non_commune_rows(summary, geo):
    dist = roll_up(summary, geo, "district")
    with pytest.raises(ValueError, match="commune rows"):
        roll_up(dist, geo, "province")
    with pytest.raises(ValueError, match="level"):
        roll_up(summary, geo, "region")


def test_unknown_commune_is_refused(geo):
    panel = make_panel()
    panel.loc[0, "commune_code"] = "99999"
    with pytest.raises(PanelError, match="99999"):
        summarise_households(panel, geo)


def test_identity_in_summary(summary):
    s = summary[summary["year"] > 2019]
    for p in ("poor", "em_poor"):
        lhs = (
            s[f"{p}_start"] - s[f"{p}_escaped"] + s[f"{p}_repoverty"] + s[f"{p}_new"]
            + s[f"{p}_other"]
        )  # fmt: skip
        assert (lhs == s[f"{p}_end"]).all()
    for p in ("near_poor", "em_near_poor"):
        lhs = s[f"{p}_start"] - s[f"{p}_escaped"] + s[f"{p}_new"] + s[f"{p}_other"]
        assert (lhs == s[f"{p}_end"]).all()
    assert np.isfinite(s["poor_start"].astype(float)).all()
