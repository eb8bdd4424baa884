"""The synthetic panel continued past 2024: bundled years unchanged, held-out summaries, and the
2025 review by new commune.

The panel of 2016-2027 is generated once per module (20-30 s). Expectations are computed here from
the households (counts, flows by household history), never taken from the module's own outputs.
"""

from __future__ import annotations

import io
import time

import pandas as pd
import pytest

from analysis.bundled import datasets
from analysis.bundled.synthetic_extended import (
    UNIT_SYSTEM_2025,
    holdout_summary,
    new_commune_households,
    new_commune_summary,
)
from analysis.bundled.synthetic_panel import (
    DEFAULT_YEARS,
    generate_panel,
    select_years,
)
from analysis.core import paths
from analysis.reference import schema
from analysis.reference.geography import load_geography
from analysis.reference.standards import standard_for_year

HOLDOUT_YEARS = (2025, 2026, 2027)


@pytest.fixture(scope="module")
def geo():
    return load_geography()


@pytest.fixture(scope="module")
def long_panel(geo):
    return generate_panel(47, range(2016, 2028), geo)


@pytest.fixture(scope="module")
def holdout():
    return holdout_summary(HOLDOUT_YEARS, seed=47)


@pytest.fixture(scope="module")
def summary_2025():
    return pd.read_csv(
        paths.synthetic_dir() / "summary-2025.csv",
        dtype={"area_code": str, "area_level": str, "zone": str},
    )


def _parquet_sha(frame: pd.DataFrame, tmp_path, name: str) -> str:
    path = tmp_path / name
    frame.to_parquet(path, engine="pyarrow", compression="zstd", index=False)
    return datasets.sha256(path)


def _manifest_sha(rel: str) -> str:
    m = datasets.load_manifest().set_index("path")
    return m.loc[rel, "sha256"]


# -- the bundled years do not move -----------------------------------------------------------------
def test_extension_leaves_2016_2024_unchanged(long_panel, geo, tmp_path):
    cut = select_years(long_panel, DEFAULT_YEARS)
    short = generate_panel(47, DEFAULT_YEARS, geo)
    # DataFrame.equals compares dtypes (categories included) and values; assert_frame_equal
    # does the same but takes about a minute on these categoricals.
    assert list(cut.columns) == list(short.columns) and cut.index.equals(short.index)
    differing = [c for c in short.columns if not cut[c].equals(short[c])]
    assert differing == [] and cut.equals(short)
    # ... and the very bytes recorded for the bundled household panel.
    assert _parquet_sha(cut, tmp_path, "cut.parquet") == _manifest_sha(
        "synthetic/households.parquet"
    )


def test_years_after_2030_are_refused(geo):
    with pytest.raises(ValueError, match="2030"):
        generate_panel(47, range(2029, 2032), geo)


def test_later_years_are_classified_under_their_standard(long_panel):
    years = sorted(long_panel["year"].unique())
    assert years == list(range(2016, 2028))
    assert [standard_for_year(y).code for y in (2025, 2026, 2027)] == [
        "ND07_2021",
        "ND07_2021",
        "ND351_2025",
    ]
    per_year = long_panel.groupby("year").size()
    assert per_year[2025] > per_year[2024] and per_year[2027] > per_year[2026]  # still growing
    # Households keep entering and leaving after 2024.
    ids = {y: set(long_panel.loc[long_panel["year"] == y, "household_id"]) for y in (2024, 2027)}
    assert len(ids[2024] - ids[2027]) > 10_000 and len(ids[2027] - ids[2024]) > 10_000


# -- held-out summary ----------------------------------------------------------------------------
def test_holdout_has_the_format_of_summary_csv(holdout):
    bundled = pd.read_csv(paths.default_summary(), dtype={"area_code": str}, nrows=5)
    assert list(holdout.columns) == list(bundled.columns) == schema.summary_columns()
    assert sorted(holdout["year"].unique()) == list(HOLDOUT_YEARS)
    assert (holdout["area_level"] == "commune").all() and holdout["synthetic"].all()
    assert len(holdout) == 111 * len(HOLDOUT_YEARS)
    assert holdout["area_code"].str.fullmatch(r"\d{5}").all()
    for col in schema.count_columns():
        assert str(holdout[col].dtype) == "Int64", col
    # 2027 is a change of standard: its start stock is the 2026 records re-classified, so the
    # flows are known every year.
    assert holdout["poor_start"].notna().all()
    # Deprivation columns follow the year's standard.
    assert holdout.loc[holdout["year"] == 2026, "dep_waste"].isna().all()
    assert holdout.loc[holdout["year"] == 2027, "dep_info_access"].isna().all()
    assert holdout.loc[holdout["year"] == 2027, "dep_waste"].notna().all()


def test_holdout_end_stocks_are_the_households(holdout, long_panel):
    later = long_panel[long_panel["year"] >= 2025]
    counts = (
        later.assign(
            poor=later["recorded_class"] == "poor", near=later["recorded_class"] == "near_poor"
        )
        .groupby(["year", later["commune_code"].astype(str)])[["poor", "near"]]
        .sum()
    )
    got = holdout.set_index(["year", "area_code"])[["poor_end", "near_poor_end"]]
    assert got["poor_end"].astype(int).to_dict() == counts["poor"].to_dict()
    assert got["near_poor_end"].astype(int).to_dict() == counts["near"].to_dict()


def test_holdout_refuses_bundled_years_and_is_cached(holdout):
    for years in ((2024, 2025), (2031,), ()):
        with pytest.raises(ValueError):
            holdout_summary(years)
    start = time.perf_counter()
    again = holdout_summary((2026,))
    assert time.perf_counter() - start < 2.0  # answered from the in-process cache
    pd.testing.assert_frame_equal(again, holdout[holdout["year"] == 2026].reset_index(drop=True))


def test_especially_difficult_list_shrinks_after_2025(holdout):
    listed = holdout[holdout["especially_difficult"]].groupby("year")["area_code"].apply(set)
    assert [len(listed[y]) for y in HOLDOUT_YEARS] == [5, 4, 3]
    assert listed[2027] <= listed[2026] <= listed[2025]


def test_province_poverty_keeps_falling(holdout):
    """Calibration band for the years after the bundled data.

    Under Decree 07 (2022-2026) the province's poor households fell by 41 % in 2023 (published
    4,872 -> 2,879) and the country's poverty rate from 2.93 % (2023) to 1.3 % (2025), about a
    third a year. The band: every year of 2025-2026 the rate falls, by 15-50 % of the previous
    year's; 2025 ends between 0.2 % and 0.8 % of households (2023: 1.03 %). Decree 351/2025 (2027)
    has higher lines and new indicators: its level is a step, not a trend; the band only asks
    for a rate below the 1.8 % of the first Decree-07 year (2022) and above 2026's.
    """
    bundled = pd.read_csv(paths.default_summary(), dtype={"area_code": str})
    both = pd.concat([bundled[bundled["year"] == 2024], holdout], ignore_index=True)
    prov = both.groupby("year")[["poor_end", "total_households", "em_poor_end"]].sum()
    rate = 100 * prov["poor_end"] / prov["total_households"]
    for year in (2025, 2026):
        fall = 1 - prov.loc[year, "poor_end"] / prov.loc[year - 1, "poor_end"]
        assert 0.15 <= fall <= 0.50, (year, fall)
    assert 0.2 <= rate[2025] <= 0.8, rate[2025]
    assert rate[2026] < rate[2027] < 1.8, rate.to_dict()
    em_share = 100 * prov["em_poor_end"] / prov["poor_end"]
    assert em_share.loc[2025:].between(50, 65).all(), em_share.to_dict()  # published 58-59 %


# -- the 2025 review by new commune ----------------------------------------------------------------
def _identity_holds(frame: pd.DataFrame) -> None:
    for p in ("poor", "em_poor"):
        lhs = frame[f"{p}_start"] - frame[f"{p}_escaped"] + frame[f"{p}_repoverty"]
        assert (lhs + frame[f"{p}_new"] + frame[f"{p}_other"] == frame[f"{p}_end"]).all(), p
    for p in ("near_poor", "em_near_poor"):
        lhs = frame[f"{p}_start"] - frame[f"{p}_escaped"] + frame[f"{p}_new"]
        assert (lhs + frame[f"{p}_other"] == frame[f"{p}_end"]).all(), p


def test_flow_identity_in_every_2025_row(summary_2025, holdout):
    assert summary_2025[schema.POOR_COLUMNS].notna().all().all()
    _identity_holds(summary_2025)
    _identity_holds(holdout)


def test_summary_2025_is_keyed_by_the_new_communes(summary_2025, geo):
    assert list(summary_2025.columns) == [*schema.summary_columns(), "unit_system"]
    assert (summary_2025["unit_system"] == UNIT_SYSTEM_2025).all()
    assert (summary_2025["year"] == 2025).all() and (summary_2025["area_level"] == "commune").all()
    new_codes = set(geo.crosswalk["new_commune_code"].astype(str))
    assert len(new_codes) == 40 and set(summary_2025["area_code"]) == new_codes
    assert not summary_2025.duplicated(["area_code", "zone"]).any()
    assert summary_2025["synthetic"].all()
    # A new commune is ĐBKK when one of its former communes is on the 2021-2025 list.
    assert 1 <= summary_2025.groupby("area_code")["especially_difficult"].any().sum() <= 5


def _former_commune_totals_2025(panel: pd.DataFrame) -> dict[str, int]:
    """Province totals of 2025 straight from the households (no flows module)."""
    rec = panel[panel["year"] <= 2025].assign(
        hid=lambda f: f["household_id"].astype(str),
        klass=lambda f: f["recorded_class"].astype(str),
    )
    klass = rec.pivot(index="hid", columns="year", values="klass")  # NaN: not in the panel
    end, start = klass[2025], klass[2024]
    here = end.notna()
    ever_poor = (klass.loc[:, 2016:2024] == "poor").any(axis=1)
    recently_poor = (klass.loc[:, 2022:2024] == "poor").any(axis=1)
    # Ethnic-minority status does not change in the synthetic panel: one flag per household.
    em = rec.groupby("hid")["ethnic_minority"].first().reindex(klass.index)
    now = rec[rec["year"] == 2025]
    poor_near = now["klass"].isin(["poor", "near_poor"])
    out = {}
    for prefix, mask in (("", pd.Series(True, index=klass.index)), ("em_", em)):
        p_end, p_start = (end == "poor") & mask, (start == "poor") & mask
        n_end, n_start = (end == "near_poor") & mask, (start == "near_poor") & mask
        out |= {
            f"{prefix}poor_start": p_start.sum(),
            f"{prefix}poor_escaped": (p_start & here & (end != "poor")).sum(),
            f"{prefix}poor_repoverty": (p_end & ~p_start & ever_poor).sum(),
            f"{prefix}poor_new": (p_end & ~p_start & ~ever_poor).sum(),
            f"{prefix}poor_other": -(p_start & ~here).sum(),
            f"{prefix}poor_end": p_end.sum(),
            f"{prefix}near_poor_start": n_start.sum(),
            f"{prefix}near_poor_escaped": (n_start & (end == "not_poor")).sum(),
            f"{prefix}near_poor_new": (n_end & ~n_start).sum(),
            f"{prefix}near_poor_other": -(n_start & (~here | (end == "poor"))).sum(),
            f"{prefix}near_poor_end": n_end.sum(),
        }
    out["total_households"] = len(now)
    out["em_total_households"] = int(now["ethnic_minority"].sum())
    out["people_poor_near"] = int(now.loc[poor_near, "members"].sum())
    out["people_health_insured"] = int(now.loc[poor_near, "health_insured"].sum())
    recent = (now["klass"] == "not_poor") & now["hid"].map(recently_poor)
    out["households_credit_need"] = int(now.loc[poor_near | recent, "credit_need"].sum())
    out["households_credit_received"] = int(now.loc[poor_near | recent, "credit_received"].sum())
    poor = now["klass"] == "poor"
    out["people_training_need"] = int(now.loc[poor, "training_need"].sum())
    out["people_training_received"] = int(now.loc[poor, "training_received"].sum())
    for ind in standard_for_year(2025).indicators:
        out[f"dep_{ind}"] = int(now.loc[poor_near, f"d_{ind}"].sum())
    return {k: int(v) for k, v in out.items()}


def test_new_commune_totals_equal_the_households(summary_2025, long_panel):
    expected = _former_commune_totals_2025(long_panel)
    got = summary_2025[list(expected)].sum()
    assert {k: int(v) for k, v in got.items()} == expected
    assert expected["poor_start"] > 0 and expected["poor_escaped"] > 0


def test_committed_2025_files_are_what_the_panel_gives(
    summary_2025, long_panel, holdout, geo, tmp_path
):
    # The committed summary is the held-out former-commune summary of 2025 summed by new
    # commune (recomputed here from the cached held-out table), byte for byte.
    former = holdout[holdout["year"] == 2025]
    buf = io.StringIO()
    new_commune_summary(former, 2025, geo).to_csv(buf, index=False, lineterminator="\n")
    committed = (paths.synthetic_dir() / "summary-2025.csv").read_text(encoding="utf-8")
    assert buf.getvalue() == committed
    # The household list: 2025 rows of the panel continued to 2027, keyed by new commune.
    households = new_commune_households(long_panel, 2025, geo)
    assert _parquet_sha(households, tmp_path, "hh.parquet") == _manifest_sha(
        "synthetic/households-2025.parquet"
    )
    assert households["household_id"].nunique() == len(households)
    # Its end stocks by new commune and zone are the summary's rows.
    stocks = (
        households.assign(
            poor=households["recorded_class"] == "poor",
            near=households["recorded_class"] == "near_poor",
        )
        .groupby([households["commune_code"].astype(str), households["zone"].astype(str)])
        .agg(total=("year", "size"), poor=("poor", "sum"), near=("near", "sum"))
    )
    rows = summary_2025.set_index(["area_code", "zone"])
    assert rows["total_households"].to_dict() == stocks["total"].to_dict()
    assert rows["poor_end"].to_dict() == stocks["poor"].to_dict()
    assert rows["near_poor_end"].to_dict() == stocks["near"].to_dict()


def test_new_commune_summary_refuses_unknown_rows(holdout, geo):
    with pytest.raises(ValueError, match="no former-commune rows"):
        new_commune_summary(holdout, 2030, geo)
    bad = holdout[holdout["year"] == 2025].copy()
    bad.loc[bad.index[0], "area_code"] = "99999"
    with pytest.raises(ValueError, match="99999"):
        new_commune_summary(bad, 2025, geo)
