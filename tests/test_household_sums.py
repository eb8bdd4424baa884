"""Household lists summarised chunk by chunk: equal to plain groupby sums and to the panel
summary; the 2025 list by new commune equals the committed 2025 summary and reaches the
former districts in the reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.compute import flows, household_sums
from analysis.core import paths
from analysis.reference import schema
from analysis.reference.geography import load_geography
from analysis.reference.standards import CLASSES

HH_2025 = paths.synthetic_dir() / "households-2025.parquet"
SUMMARY_2025 = paths.synthetic_dir() / "summary-2025.csv"


def _plain(frame: pd.DataFrame, indicators: list[str]) -> pd.DataFrame:
    """The end-of-year sums by commune and zone, with a plain pandas groupby."""
    f = frame.copy()
    for col in f.columns:
        if isinstance(f[col].dtype, pd.CategoricalDtype):
            f[col] = f[col].astype(str)
    f["poor"] = f["recorded_class"] == "poor"
    f["near"] = f["recorded_class"] == "near_poor"
    f["both"] = f["poor"] | f["near"]
    out = pd.DataFrame(
        {
            "total_households": f.groupby(["commune_code", "zone"]).size(),
            "poor_end": f.groupby(["commune_code", "zone"])["poor"].sum(),
            "near_poor_end": f.groupby(["commune_code", "zone"])["near"].sum(),
            "em_total_households": f.groupby(["commune_code", "zone"])["ethnic_minority"].sum(),
            "em_poor_end": (f["poor"] & f["ethnic_minority"])
            .groupby([f["commune_code"], f["zone"]])
            .sum(),
            "people_poor_near": (f["members"] * f["both"])
            .groupby([f["commune_code"], f["zone"]])
            .sum(),
            "people_training_need": (f["training_need"] * f["poor"])
            .groupby([f["commune_code"], f["zone"]])
            .sum(),
        }
    )
    for ind in indicators:
        out[f"dep_{ind}"] = (
            (f[f"d_{ind}"] & f["both"]).groupby([f["commune_code"], f["zone"]]).sum()
        )
    out.index.names = ["area_code", "zone"]
    return out.astype("int64")


@pytest.fixture(scope="module")
def records_2024() -> pd.DataFrame:
    frame = pd.read_parquet(paths.default_households(), filters=[("year", ">=", 2023)])
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype(str)
    return frame.reset_index(drop=True)


def test_chunk_sums_add_up_to_a_plain_groupby(records_2024):
    geo = load_geography()
    year = records_2024[records_2024["year"] == 2024].reset_index(drop=True)
    pieces = [
        household_sums.chunk_sums(year.iloc[i : i + 50_000]) for i in range(0, len(year), 50_000)
    ]
    table = household_sums.summary_table(household_sums.combine(pieces), geo)
    got = table.set_index(["area_code", "zone"])
    from analysis.reference.standards import standard_for_year

    expected = _plain(year, list(standard_for_year(2024).indicators))
    for col in expected.columns:
        assert got.loc[expected.index, col].astype("int64").tolist() == expected[col].tolist(), col
    assert set(CLASSES) == {"poor", "near_poor", "not_poor"}
    # what needs earlier reviews is missing, not zero
    assert got["poor_start"].isna().all() and got["households_credit_need"].isna().all()
    assert table["synthetic"].all() and (table["area_level"] == "commune").all()


def test_sums_equal_the_panel_summary_end_columns(records_2024):
    geo = load_geography()
    sums = household_sums.summary_table(household_sums.chunk_sums(records_2024), geo)
    panel = flows.summarise_households(records_2024, geo)
    for year in (2023, 2024):
        a = sums[sums["year"] == year].reset_index(drop=True)
        b = panel[panel["year"] == year].reset_index(drop=True)
        assert a[["area_code", "zone"]].astype(str).values.tolist() == (
            b[["area_code", "zone"]].astype(str).values.tolist()
        )
        for col in household_sums.END_COLUMNS:
            pd.testing.assert_series_equal(
                a[col].astype("Float64"), b[col].astype("Float64"), check_names=False, obj=col
            )


def test_recorded_class_checked_by_the_standard(records_2024):
    year = records_2024[records_2024["year"] == 2024].head(20_000)
    sums = household_sums.chunk_sums(year)
    assert sums["classified_rows"].sum() == len(year)  # every row has income and flags
    # the synthetic panel records the class the standard gives
    assert sums["classified_poor"].sum() == (year["recorded_class"] == "poor").sum()
    no_class = year.drop(columns="recorded_class")
    alone = household_sums.chunk_sums(no_class)
    assert alone["poor_end"].sum() == sums["classified_poor"].sum()


def test_households_2025_by_new_commune_equal_the_2025_summary(tmp_path):
    """Both files come from the same panel (bundled.synthetic_extended.write_bundled_2025)."""
    geo = load_geography()
    scan, table = household_sums.summarise_household_file(HH_2025, geo, chunk_rows=60_000)
    assert scan.chunks >= 4 and not scan.problems
    assert (table["unit_system"] == geo.new_system).all()
    committed = pd.read_csv(SUMMARY_2025, dtype={"area_code": str})
    got = table.set_index(["area_code", "zone"]).sort_index()
    want = committed.set_index(["area_code", "zone"]).sort_index()
    assert got.index.equals(want.index)  # 40 new communes, 51 (commune, zone) rows
    for col in household_sums.END_COLUMNS:
        assert got[col].astype("Float64").equals(want[col].astype("Float64")), col
    # and independently, with a plain groupby of the records
    records = pd.read_parquet(HH_2025)
    from analysis.reference.standards import standard_for_year

    plain = _plain(records, list(standard_for_year(2025).indicators)).sort_index()
    for col in plain.columns:
        assert want.loc[plain.index, col].astype("int64").tolist() == plain[col].tolist(), col


def test_reports_put_a_2025_household_list_onto_the_former_districts():
    from analysis.report.context import load_data

    geo = load_geography()
    bundle = load_data(str(HH_2025))
    summary = bundle.summary
    districts = summary[
        (summary["year"] == 2025)
        & (summary["area_level"] == "district")
        & (summary["zone"] != "all")
    ]
    records = pd.read_parquet(HH_2025)
    assert districts["total_households"].sum() == len(records)
    assert districts["poor_end"].sum() == (records["recorded_class"] == "poor").sum()
    # a new commune inside one former district gives that district its records exactly
    crosswalk = geo.crosswalk.astype(str)
    whole = crosswalk.groupby("new_commune_code")["old_commune_code"].apply(list)
    district_of = geo.communes.set_index("commune_code")["district_code"].astype(str)
    spans = {new: {district_of[c] for c in olds} for new, olds in whole.items()}
    estimated_districts = {d for _, d in bundle.estimated}
    for district in sorted(set(geo.district_codes()) - estimated_districts):
        news = [n for n, ds in spans.items() if ds == {district}]
        expected = int(records["commune_code"].astype(str).isin(news).sum())
        got = districts.loc[districts["area_code"] == district, "total_households"].sum()
        assert got == expected, district
    assert bundle.estimated  # split communes flag their districts
    assert np.isfinite(summary["poor_end"].astype(float)).all()
    assert set(schema.KEYS) <= set(summary.columns)
