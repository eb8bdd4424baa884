"""National-scale summaries: DuckDB and pandas agree, and both agree with the library's
`standards.classify` and `deprivation.alkire_foster` on a sample of 20,000 households."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.benchmarks import national
from analysis.compute import deprivation
from analysis.reference import standards

YEAR = 2024
N = 20_000


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("national") / "hh.parquet"
    # A small country (so that communes hold ~100 households) and small row groups (several
    # chunks are written and read back).
    national.national_households(
        N, seed=5, path=path, year=YEAR, provinces=4, districts=20, communes=200, chunk_rows=7_000
    )
    return path


@pytest.fixture(scope="module")
def summaries(sample):
    return national.summarise_duckdb(sample, YEAR, threads=2), national.summarise_pandas(
        sample, YEAR
    )


def test_generator_writes_chunks_with_the_standard_columns(sample):
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(sample).metadata
    assert meta.num_rows == N and meta.num_row_groups == 3
    frame = pd.read_parquet(sample)
    std = standards.standard_for_year(YEAR)
    assert {f"d_{i}" for i in std.indicators} <= set(frame.columns)
    assert frame["household_id"].is_unique and (frame["year"] == YEAR).all()
    assert frame["commune_code"].astype(str).str.len().eq(5).all()
    assert frame.groupby("commune_code", observed=True)["district_code"].nunique().eq(1).all()
    assert set(frame["zone"].astype(str)) == {"urban", "rural"}
    again = national.national_households(
        N, seed=5, path=sample.with_name("again.parquet"), year=YEAR, provinces=4, districts=20,
        communes=200, chunk_rows=7_000,
    )  # fmt: skip
    pd.testing.assert_frame_equal(frame, pd.read_parquet(again))


def test_national_geography_has_the_country_shape():
    geo = national.national_geography()
    assert len(geo) == 10_000
    assert geo["district_code"].nunique() == national.N_DISTRICTS
    assert geo["province_code"].nunique() == 63
    assert abs(geo["weight"].sum() - 1) < 1e-9


def test_duckdb_and_pandas_agree(summaries):
    duck, pand = summaries
    assert national.compare(duck, pand) == 0.0
    for level in national.LEVELS:
        pd.testing.assert_frame_equal(duck[level], pand[level], check_dtype=False)
    assert len(duck["commune"]) == 200 and len(duck["district"]) == 20
    assert duck["national"]["households"].iloc[0] == N


def test_classes_match_standards_classify(sample, summaries):
    duck, _ = summaries
    frame = pd.read_parquet(sample)
    klass = standards.classify(frame, YEAR)
    for level in ("commune", "district", "province"):
        key = national.KEYS[level][-1]
        expected = (
            pd.crosstab(frame[key].astype(str), klass)
            .reindex(columns=list(standards.CLASSES), fill_value=0)
            .sort_index()
        )
        got = duck[level].set_index(key)[["poor", "near_poor", "not_poor"]].sort_index()
        np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())
    total = klass.value_counts()
    assert duck["national"]["poor"].iloc[0] == total["poor"]
    assert duck["national"]["near_poor"].iloc[0] == total["near_poor"]


@pytest.mark.parametrize("level", ["commune", "district", "province"])
def test_alkire_foster_matches_measures(sample, summaries, level):
    duck, _ = summaries
    frame = pd.read_parquet(sample)
    key = national.KEYS[level][-1]
    frame[key] = frame[key].astype(str)
    af = deprivation.alkire_foster(frame, year=YEAR, by=key, min_households=1)
    groups = af.groups.set_index(key).sort_index()
    got = duck[level].set_index(key).sort_index()
    np.testing.assert_array_equal(got["households"], groups["households"])
    np.testing.assert_array_equal(got["af_poor"], groups["poor_households"])
    for col in ("H", "A", "M0"):
        np.testing.assert_allclose(got[col], groups[col], rtol=1e-12, atol=1e-15, err_msg=col)
    ch = af.group_indicators.pivot(index=key, columns="indicator", values="censored_headcount")
    for ind in af.weights.index:
        np.testing.assert_allclose(
            got[f"ch_{ind}"], ch[ind].sort_index(), rtol=1e-12, atol=1e-15, err_msg=ind
        )
    national_row = duck["national"].iloc[0]
    assert national_row["H"] == pytest.approx(af.H, rel=1e-12)
    assert national_row["M0"] == pytest.approx(af.M0, rel=1e-12)
    assert national_row["A"] == pytest.approx(af.A, rel=1e-12)


def test_other_years_records_are_ignored(tmp_path):
    a = national.national_households(
        3_000, seed=1, path=tmp_path / "a.parquet", year=YEAR, provinces=2, districts=4,
        communes=10,
    )  # fmt: skip
    b = national.national_households(
        2_000, seed=2, path=tmp_path / "b.parquet", year=2023, provinces=2, districts=4,
        communes=10,
    )  # fmt: skip
    both = pd.concat([pd.read_parquet(a), pd.read_parquet(b)], ignore_index=True)
    for col in ("province_code", "district_code", "commune_code", "zone"):
        both[col] = both[col].astype(str)
    both.to_parquet(tmp_path / "both.parquet")
    duck = national.summarise_duckdb(tmp_path / "both.parquet", YEAR)
    pand = national.summarise_pandas(tmp_path / "both.parquet", YEAR)
    assert duck["national"]["households"].iloc[0] == 3_000
    assert national.compare(duck, pand) == 0.0
