"""Tests for analysis.reference.crosswalk: new communes of 1 July 2025 back onto former districts."""

import pandas as pd
import pytest

from analysis.reference.crosswalk import new_commune_shares, to_former_districts
from analysis.reference.geography import UnknownAreaError, load_geography


def test_shares_sum_to_one_and_four_communes_split():
    shares = new_commune_shares()
    assert shares.groupby("new_commune_code")["share"].sum().round(12).eq(1).all()
    split = shares[shares["share"] < 1]["new_commune_code"].unique()
    assert len(split) == 4  # reference README: 4 new communes span more than one former district


def test_split_by_household_weights():
    geo = load_geography()
    cw = geo.crosswalk
    code = "25318"  # spans Lộc Ninh (692) and Bù Đốp (693)
    parts = cw[cw["new_commune_code"] == code]
    # Give each former commune of 692 100 households and each of 693 300.
    weights = pd.DataFrame(
        {
            "year": 2024,
            "area_code": parts["old_commune_code"],
            "area_level": "commune",
            "total_households": [100 if d == "692" else 300 for d in parts["old_district_code"]],
        }
    )
    n692 = (parts["old_district_code"] == "692").sum()
    n693 = (parts["old_district_code"] == "693").sum()
    expected_692 = 100 * n692 / (100 * n692 + 300 * n693)
    shares = new_commune_shares(geo, weights_from=weights)
    got = shares[(shares["new_commune_code"] == code) & (shares["district_code"] == "692")]
    assert got["share"].iloc[0] == pytest.approx(expected_692)


def test_to_former_districts_sums_whole_communes():
    geo = load_geography()
    inside = new_commune_shares(geo)
    whole = inside[inside["share"] == 1]
    bu_dang = whole[whole["district_code"] == "696"]["new_commune_code"].tolist()
    summary = pd.DataFrame(
        {
            "year": 2025,
            "area_code": bu_dang,
            "zone": "rural",
            "total_households": 1000,
            "poor_end": range(len(bu_dang)),
        }
    )
    out = to_former_districts(summary, geo)
    row = out[(out["area_code"] == "696")].iloc[0]
    assert row["total_households"] == 1000 * len(bu_dang)
    assert row["poor_end"] == sum(range(len(bu_dang)))
    assert row["allocation"] == "whole commune"


def test_unknown_new_commune():
    summary = pd.DataFrame(
        {"year": [2025], "area_code": ["99999"], "zone": ["rural"], "total_households": [1]}
    )
    with pytest.raises(UnknownAreaError, match="not communes of 1 July 2025"):
        to_former_districts(summary)
