"""National-scale household records: a synthetic generator and two summary engines.

The province's review holds ~280,000 household records a year; the country's holds ~27 million
(63 provinces, ~700 districts, ~10,000 communes). This module checks that the workbook's
household computations scale to that size on an analyst's machine:

`national_households`
    Writes synthetic, clearly labelled household records for one review year, shaped like the
    country, to Parquet in row groups (one chunk in memory at a time: memory stays low whatever
    ``n``). Same columns and types as the bundled panel for what the standards need: ``zone``,
    ``income_pc``, ``members``, the ``d_<indicator>`` flags of the year's standard, plus
    ``commune_code``, ``district_code`` and ``province_code`` (dictionary-encoded strings).

`summarise_duckdb` (the fast path) and `summarise_pandas` (the straightforward one)
    Load the records of one year, classify them under the year's standard (the rule of
    `analysis.standards.classify`: for Decree 07/2021, poor = income at or below the zone's line
    and at least 3 of 12 deprivations, near-poor = at or below the line with fewer), and
    aggregate to commune, district, province and national summaries with the Alkire-Foster
    measures of `analysis.measures.alkire_foster` (equal weights, ``k = 3``, household units,
    identification by deprivations only, as the reports use): ``H``, ``A``, ``M0`` and the
    censored headcount ``ch_<indicator>`` of each indicator.

Both engines return the same `dict` of DataFrames (``commune``, ``district``, ``province``,
``national``); the additive counts come from the engine, the ratios from one shared function, so
the two can be compared exactly (see ``tests/test_national.py``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.reference.standards import Standard, standard_for_year

LEVELS = ("commune", "district", "province", "national")
KEYS = {
    "commune": ["province_code", "district_code", "commune_code"],
    "district": ["province_code", "district_code"],
    "province": ["province_code"],
    "national": [],
}
DEFAULT_YEAR = 2024
CHUNK_ROWS = 1_000_000

# Shape of the country (2024, before the 2025 reorganisation), and the calibration of the
# synthetic records: national poverty rate near 4-5 %, near-poor near 3 %.
N_PROVINCES = 63
N_DISTRICTS = 705
N_COMMUNES = 10_000
_FLAG_BASE = {  # logit of the deprivation rate at the median commune
    "employment": -3.2, "dependants": -3.0, "nutrition": -3.6, "health_insurance": -3.0,
    "adult_education": -2.4, "child_school": -3.8, "housing_quality": -3.1,
    "floor_area": -3.3, "drinking_water": -3.0, "latrine": -2.2, "telecom": -3.9,
    "info_access": -2.9, "info_assets": -2.9, "digital_services": -2.6, "waste": -2.4,
    "health_access": -3.0,
}  # fmt: skip


# -- geography ---------------------------------------------------------------------------------
def national_geography(
    seed: int = 47,
    provinces: int = N_PROVINCES,
    districts: int = N_DISTRICTS,
    communes: int = N_COMMUNES,
) -> pd.DataFrame:
    """A synthetic country: one row per commune with its district, province and traits.

    Returns
    -------
    pandas.DataFrame
        ``commune_code`` (5 digits), ``district_code`` (3), ``province_code`` (2), ``weight``
        (share of households), ``urban_share`` and ``propensity`` (poverty latent, higher is
        poorer), in code order.
    """
    if not 1 <= provinces <= districts <= communes:
        raise ValueError("need 1 <= provinces <= districts <= communes")
    rng = np.random.default_rng([seed, 0])
    prov_w = rng.lognormal(0.0, 0.6, provinces)
    d_per_p = 1 + rng.multinomial(districts - provinces, prov_w / prov_w.sum())
    district_prov = np.repeat(np.arange(provinces), d_per_p)
    dist_w = rng.lognormal(0.0, 0.5, districts)
    c_per_d = 1 + rng.multinomial(communes - districts, dist_w / dist_w.sum())
    commune_dist = np.repeat(np.arange(districts), c_per_d)
    prov_effect = rng.normal(0.0, 0.7, provinces)
    dist_effect = rng.normal(0.0, 0.4, districts)
    comm_effect = rng.normal(0.0, 0.35, communes)
    propensity = prov_effect[district_prov[commune_dist]] + dist_effect[commune_dist] + comm_effect
    weight = rng.lognormal(0.0, 0.55, communes) * np.exp(-0.25 * propensity)
    urban_share = 1.0 / (1.0 + np.exp(1.0 + 1.2 * propensity + rng.normal(0.0, 0.8, communes)))
    width_d = max(3, len(str(districts)))
    width_c = max(5, len(str(communes)))
    return pd.DataFrame(
        {
            "commune_code": [f"{i + 1:0{width_c}d}" for i in range(communes)],
            "district_code": [f"{d + 1:0{width_d}d}" for d in commune_dist],
            "province_code": [f"{district_prov[d] + 1:02d}" for d in commune_dist],
            "weight": weight / weight.sum(),
            "urban_share": urban_share,
            "propensity": propensity,
        }
    )


# -- records -----------------------------------------------------------------------------------
def _dictionary(indices: np.ndarray, values: list[str]):
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), pa.array(values))


def national_households(
    n: int,
    seed: int = 47,
    path: str | Path = "national_households.parquet",
    year: int = DEFAULT_YEAR,
    *,
    provinces: int = N_PROVINCES,
    districts: int = N_DISTRICTS,
    communes: int = N_COMMUNES,
    chunk_rows: int = CHUNK_ROWS,
) -> Path:
    """Write ``n`` synthetic household records of one review year to a Parquet file.

    Records are generated and written one chunk (row group) at a time, each chunk from its own
    seeded stream, so memory stays at a few hundred MB for any ``n`` and the file is the same
    for the same arguments.

    Parameters
    ----------
    n : int
        Number of households (the country: ~27,000,000).
    seed : int
        Random seed.
    path : str or Path
        Output file (written under a temporary name, then renamed).
    year : int
        Review year (picks the standard whose indicators are generated).
    provinces, districts, communes : int
        Shape of the country (`national_geography`).
    chunk_rows : int
        Rows per chunk and Parquet row group.

    Returns
    -------
    Path
        The file written.
    """
    # Long (mostly docstring): one chunk loop kept whole, since the order of the random draws
    # within a chunk defines the file (same arguments, same bytes).
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    n = int(n)
    if n < 1:
        raise ValueError("n must be at least 1")
    standard = standard_for_year(year)
    geo = national_geography(seed, provinces, districts, communes)
    counts = np.random.default_rng([seed, 1]).multinomial(n, geo["weight"].to_numpy())
    ends = np.cumsum(counts)
    comm_codes = geo["commune_code"].tolist()
    dist_codes = sorted(set(geo["district_code"]))
    prov_codes = sorted(set(geo["province_code"]))
    comm_dist = geo["district_code"].map({c: i for i, c in enumerate(dist_codes)}).to_numpy()
    comm_prov = geo["province_code"].map({c: i for i, c in enumerate(prov_codes)}).to_numpy()
    urban_share = geo["urban_share"].to_numpy()
    propensity = geo["propensity"].to_numpy()
    line = standard.income_line
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    writer = None
    try:
        for index, start in enumerate(range(0, n, chunk_rows)):
            stop = min(n, start + chunk_rows)
            rng = np.random.default_rng([seed, 2, index])
            rows = stop - start
            comm = np.searchsorted(ends, np.arange(start, stop), side="right").astype(np.int32)
            urban = rng.random(rows) < urban_share[comm]
            z = propensity[comm] + rng.normal(0.0, 1.0, rows)
            members = np.clip(1 + rng.poisson(2.7 + 0.3 * np.maximum(z, 0), rows), 1, 15)
            # Income per person per month (VND): rural median ~4.6 M, urban ~6 M.
            log_income = (
                np.log(np.where(urban, 6.0e6, 4.6e6)) - 0.45 * z + rng.normal(0.0, 0.55, rows)
            )
            income = np.round(np.exp(log_income), -3).clip(1e5, 2.0e9).astype(np.int32)
            below = income <= np.where(urban, line["urban"], line["rural"])
            columns = {
                "household_id": pa.array(np.arange(start, stop, dtype=np.int64) + 1),
                "year": pa.array(np.full(rows, year, dtype=np.int16)),
                "province_code": _dictionary(comm_prov[comm], prov_codes),
                "district_code": _dictionary(comm_dist[comm], dist_codes),
                "commune_code": _dictionary(comm, comm_codes),
                "zone": _dictionary(urban.astype(np.int32), ["rural", "urban"]),
                "members": pa.array(members.astype(np.int8)),
                "income_pc": pa.array(income),
            }
            for ind in standard.indicators:
                logit = _FLAG_BASE.get(ind, -3.0) + 0.9 * z + 0.8 * below - 0.6 * urban
                flag = rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))
                columns[f"d_{ind}"] = pa.array(flag)
            columns["synthetic"] = pa.array(np.ones(rows, dtype=bool))
            table = pa.table(columns)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, compression="snappy")
            writer.write_table(table, row_group_size=chunk_rows)
        writer.close()
        writer = None
        os.replace(tmp, path)
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
    return path


# -- summaries ---------------------------------------------------------------------------------
def _count_columns(standard: Standard) -> list[str]:
    return [
        "households",
        "poor",
        "near_poor",
        "af_poor",
        "af_deprivations",
        *[f"n_ch_{i}" for i in standard.indicators],
    ]


def finalise(counts: dict[str, pd.DataFrame], standard: Standard) -> dict[str, pd.DataFrame]:
    """Ratios from the additive counts of each level (shared by both engines).

    ``counts[level]`` has the level's key columns and the counts: ``households``, ``poor``,
    ``near_poor`` (official classes), ``af_poor`` (households with at least ``k`` deprivations),
    ``af_deprivations`` (their deprivations, summed) and ``n_ch_<indicator>`` (AF-poor households
    deprived in the indicator).

    Returns
    -------
    dict of pandas.DataFrame
        Per level, sorted by key: the counts, ``not_poor``, ``poverty_rate_pct``,
        ``near_poor_rate_pct`` and the Alkire-Foster ``H``, ``A``, ``M0`` and ``ch_<indicator>``
        (proportions of households; ``A`` is NaN without AF-poor households).
    """
    d = len(standard.indicators)
    out = {}
    for level in LEVELS:
        frame = counts[level]
        keys = KEYS[level]
        frame = frame.sort_values(keys).reset_index(drop=True) if keys else frame
        frame = frame[[*keys, *_count_columns(standard)]].copy()
        for col in _count_columns(standard):
            frame[col] = frame[col].astype("int64")
        hh = frame["households"].to_numpy(float)
        frame["not_poor"] = frame["households"] - frame["poor"] - frame["near_poor"]
        with np.errstate(invalid="ignore", divide="ignore"):
            frame["poverty_rate_pct"] = 100.0 * frame["poor"] / hh
            frame["near_poor_rate_pct"] = 100.0 * frame["near_poor"] / hh
            frame["H"] = frame["af_poor"] / hh
            score_sum = frame["af_deprivations"].to_numpy(float) / d
            af_poor = frame["af_poor"].to_numpy(float)
            frame["A"] = np.where(
                af_poor > 0, score_sum / np.where(af_poor > 0, af_poor, 1), np.nan
            )
            frame["M0"] = score_sum / hh
            for ind in standard.indicators:
                frame[f"ch_{ind}"] = frame[f"n_ch_{ind}"] / hh
        out[level] = frame
    return out


def _roll_up(commune: pd.DataFrame, standard: Standard) -> dict[str, pd.DataFrame]:
    cols = _count_columns(standard)
    counts = {"commune": commune}
    for level in ("district", "province"):
        counts[level] = commune.groupby(KEYS[level], sort=True, observed=True)[cols].sum()
        counts[level] = counts[level].reset_index()
    counts["national"] = commune[cols].sum().to_frame().T
    return counts


def summarise_duckdb(
    path: str | Path,
    year: int = DEFAULT_YEAR,
    threads: int | None = None,
    memory_limit: str = "4GB",
) -> dict[str, pd.DataFrame]:
    """Classify and summarise household records with DuckDB (streaming over the Parquet file).

    Parameters
    ----------
    path : str or Path
        Parquet file of household records (e.g. from `national_households`).
    year : int
        Review year: only its records are used; picks the standard.
    threads : int, optional
        DuckDB threads (default: DuckDB's, the number of cores).
    memory_limit : str
        DuckDB's memory limit (it spills to disk beyond).

    Returns
    -------
    dict of pandas.DataFrame
        See `finalise`.
    """
    import duckdb

    standard = standard_for_year(year)
    if standard.rule != "income_and_deprivations":
        raise ValueError(f"{standard.legal_ref}: only the income-and-deprivations rule is done")
    cutoff = standard.deprivation_cutoff
    flags = [f"d_{i}" for i in standard.indicators]
    n_dep = " + ".join(f"coalesce({f}, false)::INTEGER" for f in flags)
    line = standard.income_line
    ch = ",\n".join(
        f"count_if(n_dep >= {cutoff} AND coalesce({f}, false)) AS n_ch_{i}"
        for f, i in zip(flags, standard.indicators, strict=True)
    )
    sql = f"""
        WITH hh AS (
            SELECT province_code::VARCHAR AS province_code,
                   district_code::VARCHAR AS district_code,
                   commune_code::VARCHAR AS commune_code,
                   {", ".join(flags)},
                   ({n_dep}) AS n_dep,
                   income_pc <= CASE WHEN zone::VARCHAR = 'urban'
                                     THEN {int(line["urban"])} ELSE {int(line["rural"])} END
                       AS below
            FROM read_parquet(?)
            WHERE year = ?
        )
        SELECT province_code, district_code, commune_code,
               count(*) AS households,
               count_if(below AND n_dep >= {cutoff}) AS poor,
               count_if(below AND n_dep < {cutoff}) AS near_poor,
               count_if(n_dep >= {cutoff}) AS af_poor,
               sum(CASE WHEN n_dep >= {cutoff} THEN n_dep ELSE 0 END) AS af_deprivations,
               {ch}
        FROM hh
        GROUP BY province_code, district_code, commune_code
    """
    con = duckdb.connect(config={"memory_limit": memory_limit})
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        commune = con.execute(sql, [str(path), int(year)]).df()
    finally:
        con.close()
    return finalise(_roll_up(commune, standard), standard)


def summarise_pandas(path: str | Path, year: int = DEFAULT_YEAR) -> dict[str, pd.DataFrame]:
    """The same summaries with pandas: read the whole year, `classify`, group by commune.

    The straightforward version (everything in memory at once), kept to check and to compare
    with `summarise_duckdb`.
    """
    from analysis.reference.standards import NEAR_POOR, POOR, classify

    standard = standard_for_year(year)
    flags = [f"d_{i}" for i in standard.indicators]
    keys = KEYS["commune"]
    frame = pd.read_parquet(
        path,
        columns=[*keys, "year", "zone", "income_pc", *flags],
        filters=[("year", "==", int(year))],
    )
    klass = classify(frame, standard=standard)
    n_dep = frame[flags].fillna(False).astype(bool).sum(axis=1)
    af_poor = n_dep >= standard.deprivation_cutoff
    work = pd.DataFrame({k: frame[k] for k in keys})
    work["households"] = 1
    work["poor"] = klass == POOR
    work["near_poor"] = klass == NEAR_POOR
    work["af_poor"] = af_poor
    work["af_deprivations"] = n_dep.where(af_poor, 0)
    for f, ind in zip(flags, standard.indicators, strict=True):
        work[f"n_ch_{ind}"] = af_poor & frame[f].fillna(False).astype(bool)
    del frame, klass, n_dep
    commune = work.groupby(keys, sort=True, observed=True).sum().reset_index()
    for k in keys:
        commune[k] = commune[k].astype(str)
    return finalise(_roll_up(commune, standard), standard)


def compare(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> float:
    """Largest absolute difference between two summaries (counts and ratios); raises if their
    levels, keys or columns differ."""
    worst = 0.0
    for level in LEVELS:
        x, y = a[level], b[level]
        if list(x.columns) != list(y.columns) or len(x) != len(y):
            raise ValueError(f"{level}: the summaries differ in shape or columns")
        for col in x.columns:
            if col in KEYS["commune"]:
                if not (x[col].astype(str).to_numpy() == y[col].astype(str).to_numpy()).all():
                    raise ValueError(f"{level}: keys differ in {col}")
                continue
            u, v = x[col].to_numpy(float), y[col].to_numpy(float)
            both_nan = np.isnan(u) & np.isnan(v)
            diff = np.where(both_nan, 0.0, np.abs(u - v))
            worst = max(worst, float(np.nanmax(diff)) if len(diff) else 0.0)
            if np.isnan(diff).any():
                return math.inf
    return worst


__all__ = [
    "KEYS",
    "LEVELS",
    "compare",
    "finalise",
    "national_geography",
    "national_households",
    "summarise_duckdb",
    "summarise_pandas",
]
