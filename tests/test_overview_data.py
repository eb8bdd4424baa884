"""Tests for analysis.report.overview_data: the data behind the plan-target sections, the province
overview's own sections and the data note, on the bundled data, checked against sums of the
bundled summary's commune rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.projection.outlook import OUTLOOK_COLUMNS, OUTLOOK_INDICATORS
from analysis.projection.status import STATUS_COLUMNS
from analysis.projection.verdicts import SEVERITY, STATUSES
from analysis.report import context, overview_data

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


def test_projections(ctx, raw):
    data = overview_data.projections_data(ctx)
    assert set(data.history) == set(overview_data.FAN_INDICATORS)
    history = data.history["poor_households"]
    assert {"year", "value"} <= set(history.columns)
    assert history.set_index("year").loc[YEAR, "value"] == total(raw, YEAR)["poor_end"]
    rate = data.history["poverty_rate_pct"].set_index("year").loc[YEAR, "value"]
    now = total(raw, YEAR)
    assert rate == pytest.approx(100 * now["poor_end"] / now["total_households"])
    out = data.outlook
    assert list(out.columns) == OUTLOOK_COLUMNS
    assert set(out["indicator"]) == set(OUTLOOK_INDICATORS)
    assert out["year"].min() == YEAR + 1 and out["year"].max() == 2030
    assert (out["lo95"] <= out["lo80"]).all() and (out["lo80"] <= out["point"]).all()
    assert (out["point"] <= out["hi80"]).all() and (out["hi80"] <= out["hi95"]).all()
    assert (out["lo95"] >= 0).all()  # bounded: no negative households or rates
    # household records: years under NĐ 351 also come on the NĐ 351 basis
    assert set(out.loc[out["bridged"], "year"]) == {2027, 2028, 2029, 2030}
    assert set(out.loc[out["bridged"], "basis"]) == {"ND351_2025"}
    assert list(data.status.columns) == STATUS_COLUMNS
    assert set(data.status["area_code"]) == {DISTRICT}
    assert set(data.status["status"]) <= set(STATUSES)
    # T1's path: cumulative net reduction from 2021, sums of the commune rows
    path = data.cumulative.set_index("year")
    done = sum(total(raw, y)["poor_start"] - total(raw, y)["poor_end"] for y in range(2021, 2025))
    assert path.loc[2024, "achieved"] == pytest.approx(done)
    assert pd.isna(path.loc[2025, "achieved"])
    t1 = data.status[data.status["target_id"] == "T1"].iloc[0]
    assert path.loc[2025, "required"] == pytest.approx(t1["target_value"])
    assert data.points == 3 and data.projected
    assert data.default_allocation  # the bundled data have no province allocation


def test_target_league(province, raw):
    df = overview_data.target_league_data(province)
    assert list(df.columns) == [
        "district", "achieved", "target_value", "still_needed", "poor_left", "probability",
        "status", "reason_vi", "reason_en",
    ]  # fmt: skip
    assert len(df) == len(province.geography.district_codes())
    assert set(df["status"].dropna()) <= set(STATUSES)
    severity = df["status"].map(SEVERITY)
    assert severity.is_monotonic_decreasing  # worst verdict first
    # one row is T1 of Bù Đăng's own status table; poor left = sum of its commune rows
    mine = context.status_table(province, [DISTRICT])
    t1 = mine[mine["target_id"] == "T1"].iloc[0]
    row = df.set_index("district").loc["Bù Đăng"]
    assert row["achieved"] == t1["latest_value"] and row["status"] == t1["status"]
    assert row["still_needed"] == pytest.approx(max(t1["target_value"] - t1["latest_value"], 0))
    assert row["poor_left"] == total(raw, YEAR)["poor_end"]


def test_league(province, raw):
    df = overview_data.league_data(province)
    assert list(df.columns) == [
        "district",
        "total",
        "poor",
        "rate",
        "change_points",
        "reduction",
        "em_rate",
        "near_poor",
    ]
    assert len(df) == raw["district"].nunique()
    assert df["rate"].is_monotonic_decreasing
    now, prev = total(raw, YEAR), total(raw, YEAR - 1)
    row = df.set_index("district").loc["Bù Đăng"]
    assert row["poor"] == now["poor_end"] and row["near_poor"] == now["near_poor_end"]
    assert row["reduction"] == now["poor_start"] - now["poor_end"]
    assert row["change_points"] == pytest.approx(
        100 * now["poor_end"] / now["total_households"]
        - 100 * prev["poor_end"] / prev["total_households"]
    )
    assert row["em_rate"] == pytest.approx(100 * now["em_poor_end"] / now["em_total_households"])


def test_published(province, raw):
    df = overview_data.published_data(province)
    assert list(df.columns) == ["year", "indicator", "published", "data", "source"]
    assert set(df["indicator"]) <= set(overview_data.PUBLISHED_MATCH)
    poor = df[df["indicator"] == "poor_households"]
    assert len(poor)
    for r in poor.itertuples():
        assert r.data == total(raw, r.year, district=None)["poor_end"]
    rates = df[df["indicator"] == "poverty_rate_pct"]
    for r in rates.itertuples():
        s = total(raw, r.year, district=None)
        assert r.data == pytest.approx(100 * s["poor_end"] / s["total_households"])


def test_coverage(ctx, raw):
    df = overview_data.coverage_data(ctx)
    assert list(df.columns) == ["year", "health_insurance", "credit", "training"]
    assert df["year"].max() == YEAR
    row = df.set_index("year").loc[YEAR]
    now = total(raw, YEAR)
    assert row["health_insurance"] == pytest.approx(
        100 * now["people_health_insured"] / now["people_poor_near"]
    )
    assert row["credit"] == pytest.approx(
        100 * now["households_credit_received"] / now["households_credit_need"]
    )
    assert row["training"] == pytest.approx(
        100 * now["people_training_received"] / now["people_training_need"]
    )


def test_data_note(ctx):
    df = overview_data.data_note_data(ctx)
    assert list(df.columns) == ["item", "value"]
    assert df["item"].tolist() == [
        "note.area",
        "note.review_year",
        "note.language",
        "note.data_file",
        "note.synthetic_label",
        "table.standard",
        "note.run_time",
        "note.admin",
        "note.technical",
    ]
    value = df.set_index("item")["value"]
    assert value["note.area"] == "Bù Đăng" and value["note.review_year"] == "2024"
    assert value["note.language"] == "English"
    assert value["note.data_file"] == "data/synthetic/summary.csv, data/synthetic/summary-2025.csv"
    assert "Decree 07/2021" in value["table.standard"] and "(" not in value["table.standard"]
    tech = value["note.technical"]
    assert tech.startswith("SHA-256 ") and "year=2024" in tech and "lang='en'" in tech


def test_data_note_names_files_without_their_folders():
    assert overview_data.shown_parameter("data_source", "dữ liệu/2024/rà soát.xlsx") == (
        "rà soát.xlsx"
    )
    assert overview_data.shown_parameter("geojson", "maps/districts.geojson") == "districts.geojson"
    assert overview_data.shown_parameter("data_source", "") == ""
    assert overview_data.shown_parameter("area", "/not/a/file") == "/not/a/file"
