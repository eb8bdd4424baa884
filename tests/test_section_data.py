"""Tests for analysis.report.section_data: the data behind the sections about one area, on the
bundled data for one district, checked against sums of the bundled summary's commune rows."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from analysis.report import context, section_data

ROOT = Path(__file__).resolve().parents[1]
DISTRICT = "696"  # Bù Đăng
YEAR = 2024


@pytest.fixture(scope="module")
def ctx():
    return context.load("Bù Đăng", YEAR, "en")


@pytest.fixture(scope="module")
def province():
    return context.load("province", YEAR, "en")


@pytest.fixture(scope="module")
def raw():
    """The bundled summary as read from its CSV, with each commune's district."""
    summary = pd.read_csv(ROOT / "data/synthetic/summary.csv", dtype={"area_code": str})
    units = pd.read_csv(ROOT / "data/reference/binh-phuoc/units-2025-03-01.csv", dtype=str)
    district_of = units.set_index("commune_code")["district_code"]
    return summary.assign(district=summary["area_code"].map(district_of))


def total(raw, year, district=DISTRICT):
    """Sums of the commune rows (both zones) of a district (all districts: ``None``)."""
    rows = raw[raw["year"] == year]
    if district is not None:
        rows = rows[rows["district"] == district]
    return rows.sum(numeric_only=True)


def test_headline(ctx, raw):
    data = section_data.headline_data(ctx)
    now, prev = total(raw, YEAR), total(raw, YEAR - 1)
    fig = data.figures.set_index("figure")
    assert list(data.figures.columns) == ["figure", "households", "percent"]
    assert list(fig.index[:3]) == ["poor", "near_poor", "em_poor"]
    assert fig.loc["poor", "households"] == now["poor_end"]
    assert fig.loc["poor", "percent"] == pytest.approx(
        100 * now["poor_end"] / now["total_households"]
    )
    assert fig.loc["em_poor", "percent"] == pytest.approx(
        100 * now["em_poor_end"] / now["em_total_households"]
    )
    assert data.comparable  # 2023 and 2024: both under Decree 07/2021
    assert fig.loc["change", "households"] == now["poor_end"] - prev["poor_end"]
    assert fig.loc["change", "percent"] == pytest.approx(
        100 * now["poor_end"] / now["total_households"]
        - 100 * prev["poor_end"] / prev["total_households"]
    )
    target = data.facts["year_target"]
    assert fig.loc["year_target", "households"] == target
    assert fig.loc["year_target", "percent"] == pytest.approx(
        100 * (now["poor_start"] - now["poor_end"]) / target
    )
    assert data.narrative_facts["poor"] == now["poor_end"]


def test_trends(ctx, raw):
    df = section_data.trends_data(ctx)
    assert list(df.columns) == [
        "year",
        "standard",
        "poor",
        "near_poor",
        "poverty_rate",
        "near_poverty_rate",
        "em_poverty_rate",
        "non_em_poverty_rate",
        "escape_rate",
        "repoverty_rate",
        "new_poverty_rate",
    ]
    assert df["year"].tolist() == list(range(2016, YEAR + 1))
    row = df.set_index("year").loc[2020]
    s = total(raw, 2020)
    assert row["poor"] == s["poor_end"] and row["near_poor"] == s["near_poor_end"]
    assert row["poverty_rate"] == pytest.approx(100 * s["poor_end"] / s["total_households"])
    assert row["non_em_poverty_rate"] == pytest.approx(
        100
        * (s["poor_end"] - s["em_poor_end"])
        / (s["total_households"] - s["em_total_households"])
    )
    assert row["escape_rate"] == pytest.approx(100 * s["poor_escaped"] / s["poor_start"])
    assert df.set_index("year")["standard"].loc[2021] != df.set_index("year")["standard"].loc[2022]


def test_trends_stop_at_the_report_year(raw):
    df = section_data.trends_data(context.load("Bù Đăng", 2022, "en"))
    assert df["year"].max() == 2022


def test_flows(ctx, raw):
    data = section_data.flows_data(ctx)
    now = total(raw, YEAR)
    assert list(data.counts.columns) == [
        "year",
        "start",
        "escaped",
        "repoverty",
        "new",
        "other",
        "end",
    ]
    assert list(data.rates.columns) == [
        "year",
        "standard",
        "escape_rate",
        "repoverty_rate",
        "new_poverty_rate",
    ]
    counts = data.counts.set_index("year").loc[YEAR]
    for col in ("start", "escaped", "repoverty", "new", "other", "end"):
        assert counts[col] == now[f"poor_{col}"]
        assert data.facts[col] == now[f"poor_{col}"]
    assert set(data.facts) == set(section_data.FLOW_KEYS)
    assert data.has_year_flows
    rates = data.rates.set_index("year").loc[YEAR]
    assert rates["new_poverty_rate"] == pytest.approx(100 * now["poor_new"] / now["poor_start"])


def test_ethnic(ctx, raw):
    data = section_data.ethnic_data(ctx)
    assert list(data.rates.columns) == [
        "year",
        "standard",
        "em_poverty_rate",
        "non_em_poverty_rate",
        "gap",
    ]
    now, prev = total(raw, YEAR), total(raw, YEAR - 1)

    def gap(s):
        em = 100 * s["em_poor_end"] / s["em_total_households"]
        other = (
            100
            * (s["poor_end"] - s["em_poor_end"])
            / (s["total_households"] - s["em_total_households"])
        )
        return em - other

    assert data.rates.set_index("year").loc[YEAR, "gap"] == pytest.approx(gap(now))
    assert data.facts["prev_gap"] == pytest.approx(gap(prev))
    assert data.facts["em_poor"] == now["em_poor_end"]
    assert data.facts["em_reduction"] == now["em_poor_start"] - now["em_poor_end"]


def test_deprivations(ctx, raw):
    data = section_data.deprivations_data(ctx)
    assert list(data.shares.columns) == ["indicator", "dimension", "share_area", "share_province"]
    assert data.standard == "ND07_2021"
    now, prov = total(raw, YEAR), total(raw, YEAR, district=None)
    row = data.shares.set_index("indicator").loc["nutrition"]
    assert row["share_area"] == pytest.approx(
        100 * now["dep_nutrition"] / (now["poor_end"] + now["near_poor_end"])
    )
    assert row["share_province"] == pytest.approx(
        100 * prov["dep_nutrition"] / (prov["poor_end"] + prov["near_poor_end"])
    )
    top = data.shares.sort_values("share_area", ascending=False)["indicator"].head(3).tolist()
    assert [t["indicator"] for t in data.facts["top"]] == top
    # household records are bundled: Alkire-Foster for the district and the province
    assert list(data.contributions.columns) == [
        "dimension",
        "contribution_area",
        "contribution_province",
    ]
    assert data.contributions["contribution_area"].sum() == pytest.approx(100)
    assert list(data.alkire_foster.columns) == ["area", "H", "A", "M0"]
    assert data.alkire_foster["area"].tolist() == ["Bù Đăng", "Province"]
    af = data.alkire_foster.iloc[0]
    assert af["M0"] == pytest.approx(af["H"] * af["A"] / 10000)


def test_communes(ctx, raw):
    data = section_data.communes_data(ctx)
    df = data.communes
    assert list(df.columns) == [
        "commune",
        "rate",
        "small_count",
        "especially_difficult",
        "poor",
        "total",
    ]
    now = total(raw, YEAR)
    mine = raw[(raw["year"] == YEAR) & (raw["district"] == DISTRICT)]
    assert len(df) == mine["area_code"].nunique()
    assert df["poor"].sum() == now["poor_end"] and df["total"].sum() == now["total_households"]
    assert df["rate"].is_monotonic_decreasing
    assert data.area_rate == pytest.approx(100 * now["poor_end"] / now["total_households"])


def test_place(ctx, province, raw):
    data = section_data.place_data(ctx)
    d = data.districts
    assert list(d.columns) == ["code", "district", "rate", "poor", "total"]
    rates = (
        raw[raw["year"] == YEAR]
        .groupby("district")[["poor_end", "total_households"]]
        .sum()
        .eval("100 * poor_end / total_households")
        .sort_values(ascending=False)
    )
    assert d["code"].tolist() == rates.index.tolist()
    assert d["rate"].to_numpy() == pytest.approx(rates.to_numpy())
    prov = total(raw, YEAR, district=None)
    assert data.province_rate == pytest.approx(100 * prov["poor_end"] / prov["total_households"])
    assert data.facts["rank"] == rates.index.get_loc(DISTRICT) + 1
    assert data.facts["n"] == len(rates) and data.highlight == DISTRICT
    assert section_data.place_data(province).highlight is None


def test_province_rows(ctx, raw):
    rows = section_data.province_rows(ctx)
    assert len(rows) == 1
    assert rows["poor_end"].iloc[0] == total(raw, YEAR, district=None)["poor_end"]


def test_no_commune_rows_no_commune_data(ctx):
    """A district-level summary has no commune section."""
    bundle = dataclasses.replace(ctx.data, has_communes=False)
    assert section_data.communes_data(dataclasses.replace(ctx, data=bundle)) is None
