"""Household lists summarised chunk by chunk: per commune, zone and year sums of one review.

:func:`summarise_household_file` reads a household list through
:func:`analysis.intake.household_stream.scan_households` (the path every household file takes)
and adds up, chunk by chunk, what each year's records give on their own (:func:`chunk_sums`):
households, poor and near-poor at the end of the year (their ``recorded_class``; the per-row
rule of :func:`analysis.reference.standards.classify_rows` where the file has no class), the
same over ethnic-minority households, members of poor and near-poor households and those with a
health-insurance card, poor and near-poor households deprived in each indicator of the year's
standard, training of poor households, and how many households the standard's rule classes as
poor and near-poor (``classified_*``, a check on the recorded classes). Only these sums are held,
never the rows, so a national file of 27 million records is summarised in a few hundred MB.

:func:`summary_table` turns the sums into rows of the summary table (``schema.summary_columns()``),
``area_level == "commune"``, by the file's communes: the former communes (zero rows for the
geography's communes without records, as :func:`analysis.compute.flows.summarise_households`
gives) or the new communes of 1 July 2025 (``unit_system`` column), which the reports put back
onto the former districts (:func:`analysis.intake.allocate.to_former_districts`). What needs a
household's earlier reviews is left missing: the flows (start, escaped, re-poverty, new, other)
and the credit fields (they count households that escaped within three years); a panel of
several reviews small enough to hold gets them from
:func:`~analysis.compute.flows.summarise_households`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.compute import flows
from analysis.intake.household_stream import HouseholdScan, scan_households
from analysis.reference import schema
from analysis.reference.geography import Geography, load_geography
from analysis.reference.standards import (
    StandardError,
    all_indicators,
    classify_rows,
    standard_for_year,
)

KEYS = ["year", "area_code", "zone", "unit_system"]
#: Sums of :func:`chunk_sums` that are summary columns.
END_COLUMNS = [
    "total_households", "poor_end", "near_poor_end", "em_total_households", "em_poor_end",
    "em_near_poor_end", *schema.deprivation_columns(), "people_poor_near",
    "people_health_insured", "people_training_need", "people_training_received",
]  # fmt: skip
#: Further sums: the standard's own classification and the synthetic label.
CHECK_COLUMNS = ["classified_rows", "classified_poor", "classified_near_poor", "synthetic_rows"]


def _sum(group: np.ndarray, values, mask=None) -> np.ndarray:
    """Sum by group code; NaN where any value is missing (a missing value makes the sum
    unknown)."""
    v = np.asarray(values, dtype=float)
    if mask is not None:
        v = np.where(np.asarray(mask, dtype=bool), v, 0.0)
    n = int(group.max()) + 1 if len(group) else 0
    nan = np.isnan(v)
    sums = np.bincount(group, weights=np.where(nan, 0.0, v), minlength=n)
    if nan.any():
        sums[np.bincount(group, weights=nan, minlength=n) > 0] = np.nan
    return sums


def chunk_sums(table: pd.DataFrame) -> pd.DataFrame:
    """The additive sums of validated household records, by year, commune, zone and system.

    Parameters
    ----------
    table : pandas.DataFrame
        Records as :func:`~analysis.intake.households.read_households` returns them (or one
        chunk of them).

    Returns
    -------
    pandas.DataFrame
        Index ``KEYS`` (``unit_system`` is ``""`` for records by former commune), columns
        ``END_COLUMNS`` and ``CHECK_COLUMNS`` as floats (NaN where a record lacks the value or
        the year's standard lacks the indicator).
    """
    n = len(table)
    system = (
        table["unit_system"].astype(str)
        if "unit_system" in table
        else pd.Series([""] * n, index=table.index)
    )
    parts = [table["year"].astype("int64"), table["commune_code"].astype(str),
             table["zone"].astype(str), system]  # fmt: skip
    codes = np.zeros(n, dtype=np.int64)
    uniques = []
    for part in parts:
        c, u = pd.factorize(part, sort=True)
        codes = codes * len(u) + c
        uniques.append(np.asarray(u, dtype=object))
    key, group = np.unique(codes, return_inverse=True)
    group = group.ravel()
    index = []
    for u in reversed(uniques):
        index.append(u[key % len(u)])
        key = key // len(u)
    labels = pd.MultiIndex.from_arrays(index[::-1], names=KEYS)
    klass = _classes(table)
    poor = (klass == "poor").to_numpy()
    near = (klass == "near_poor").to_numpy()
    both = poor | near
    em = table.get("ethnic_minority")
    out: dict[str, np.ndarray] = {}
    ones = np.ones(n)
    out["total_households"] = _sum(group, ones)
    out["poor_end"] = _sum(group, poor)
    out["near_poor_end"] = _sum(group, near)
    if em is None:
        nan = np.full(n, np.nan)
        for col in ("em_total_households", "em_poor_end", "em_near_poor_end"):
            out[col] = _sum(group, nan)
    else:
        em_v = em.to_numpy(dtype=float, na_value=np.nan)
        out["em_total_households"] = _sum(group, em_v)
        out["em_poor_end"] = _sum(group, em_v, poor)
        out["em_near_poor_end"] = _sum(group, em_v, near)
    years = table["year"].to_numpy(dtype=np.int64)
    standards = {int(y): set(standard_for_year(int(y)).indicators) for y in np.unique(years)}
    for ind, col in zip(all_indicators(), schema.deprivation_columns(), strict=True):
        has = np.isin(years, [y for y, inds in standards.items() if ind in inds])
        values = _values(table, f"d_{ind}")
        out[col] = _sum(group, np.where(has, values, np.nan), both)
    out["people_poor_near"] = _sum(group, _values(table, "members"), both)
    out["people_health_insured"] = _sum(group, _values(table, "health_insured"), both)
    out["people_training_need"] = _sum(group, _values(table, "training_need"), poor)
    out["people_training_received"] = _sum(group, _values(table, "training_received"), poor)
    rule = _rule_classes(table)
    out["classified_rows"] = _sum(group, rule.notna().to_numpy())
    out["classified_poor"] = _sum(group, (rule == "poor").to_numpy())
    out["classified_near_poor"] = _sum(group, (rule == "near_poor").to_numpy())
    out["synthetic_rows"] = _sum(group, _values(table, "synthetic", fill=0.0))
    return pd.DataFrame(out, index=labels)


def _values(table: pd.DataFrame, col: str, fill: float = np.nan) -> np.ndarray:
    if col not in table:
        return np.full(len(table), fill)
    return table[col].to_numpy(dtype=float, na_value=np.nan)


def _rule_classes(table: pd.DataFrame) -> pd.Series:
    """Each record's class under its year's standard (classify_rows), NaN where its row lacks
    what the rule needs."""
    out = pd.Series(np.nan, index=table.index, dtype=object)
    value_cols = [c for c in ("income_pc", "score_a") if c in table]
    if not value_cols:
        return out
    has_value = table[value_cols].notna().any(axis=1)
    for year, rows in table[has_value].groupby("year", sort=True):
        try:
            klass = classify_rows(rows, int(year))["klass"]
        except StandardError:
            continue  # some row lacks deprivations: the recorded classes stand unchecked
        out.loc[rows.index] = klass.astype(object).to_numpy()
    return out


def _classes(table: pd.DataFrame) -> pd.Series:
    """The recorded class; the standard's rule where a record has none."""
    rule = None
    if "recorded_class" in table:
        klass = table["recorded_class"].astype(object)
        if not klass.isna().any():
            return klass
    else:
        klass = pd.Series(np.nan, index=table.index, dtype=object)
    rule = _rule_classes(table)
    return klass.where(klass.notna(), rule)


def combine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Chunk sums added up (NaN stays NaN)."""
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return pd.DataFrame(columns=END_COLUMNS + CHECK_COLUMNS)
    stacked = pd.concat(parts)
    sums = stacked.groupby(level=KEYS, sort=True).sum()
    missing = stacked.isna().groupby(level=KEYS, sort=True).any()
    return sums.mask(missing)


def summary_table(sums: pd.DataFrame, geography: Geography | None = None) -> pd.DataFrame:
    """Summary rows by commune and zone from :func:`combine`'s sums.

    Parameters
    ----------
    sums : pandas.DataFrame
    geography : Geography, optional

    Returns
    -------
    pandas.DataFrame
        ``schema.summary_columns()`` then, when any record is kept by new commune,
        ``unit_system``; one row per year, commune and zone (former communes: every commune of
        the geography each year, zero where it has no records); counts ``Int64``, missing for
        the flows and the credit fields; ``synthetic`` True where any record is.
    """
    geo = geography or load_geography()
    frame = sums.reset_index()
    frame = pd.concat([frame, _empty_rows(frame, geo)], ignore_index=True)
    for col in schema.count_columns():
        if col not in frame:
            frame[col] = np.nan
    frame["area_level"] = "commune"
    frame["especially_difficult"] = False
    frame["synthetic"] = frame["synthetic_rows"].fillna(0) > 0
    has_new = frame["unit_system"].eq(geo.new_system).any()
    columns = schema.summary_columns() + (["unit_system"] if has_new else [])
    frame["unit_system"] = frame["unit_system"].replace("", geo.former_system)
    out = frame[columns].copy()
    out["year"] = out["year"].astype("int64")
    for col in schema.count_columns():
        out[col] = out[col].astype("Float64").round().astype("Int64")
    return out.sort_values(["year", "area_code", "zone"], kind="stable").reset_index(drop=True)


def _empty_rows(frame: pd.DataFrame, geo: Geography) -> pd.DataFrame:
    """Zero rows for the communes (and zones) of each year's unit system without records."""
    rows = []
    communes = geo.communes[["commune_code", "zone"]].astype(str)
    cw = geo.crosswalk.astype(str).merge(
        communes, left_on="old_commune_code", right_on="commune_code"
    )
    new_pairs = cw[["new_commune_code", "zone"]].drop_duplicates()
    for (year, system), have in frame.groupby(["year", "unit_system"]):
        if system == geo.new_system:
            pairs = new_pairs.rename(columns={"new_commune_code": "area_code"})
        else:
            pairs = communes.rename(columns={"commune_code": "area_code"})
        seen = set(zip(have["area_code"], have["zone"], strict=True))
        for code, zone in zip(pairs["area_code"], pairs["zone"], strict=True):
            if (code, zone) not in seen:
                rows.append((year, code, zone, system))
    empty = pd.DataFrame(rows, columns=KEYS)
    for col in END_COLUMNS + CHECK_COLUMNS:
        empty[col] = 0.0
    return empty


def summarise_records(frame: pd.DataFrame, geography: Geography | None = None) -> pd.DataFrame:
    """The summary rows of validated household records, as the reports read them.

    Records by former commune go through :func:`analysis.compute.flows.summarise_households`
    (stocks and flows over the panel); records kept by new commune (the 2025 review on) are
    summed by new commune and zone (:func:`summary_table`: flows and credit fields missing,
    they need the households' earlier reviews), for the reports to put onto the former
    districts (:func:`analysis.intake.allocate.to_former_districts`).

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`~analysis.intake.households.read_households`.
    geography : Geography, optional

    Returns
    -------
    pandas.DataFrame
        Summary rows; with a ``unit_system`` column when any record is by new commune.
    """
    geo = geography or load_geography()
    new = frame["unit_system"].eq(geo.new_system) if "unit_system" in frame else None
    if new is None or not new.any():
        return flows.summarise_households(frame, geo)
    parts = [summary_table(chunk_sums(frame[new]), geo)]
    if not new.all():
        former = frame[~new].drop(columns=["unit_system"])
        parts.insert(0, flows.summarise_households(former, geo))
    return pd.concat(parts, ignore_index=True)


def summarise_household_file(
    path,
    geography: Geography | None = None,
    *,
    workers: int = 1,
    chunk_rows: int | None = None,
) -> tuple[HouseholdScan, pd.DataFrame | None]:
    """Validate a household list and summarise it by commune and zone, chunk by chunk.

    Parameters
    ----------
    path : str or Path
    geography : Geography, optional
    workers : int, default 1
        Processes checking and summing chunks.
    chunk_rows : int, optional
        Rows per chunk (default :data:`analysis.intake.household_stream.CHUNK_ROWS`).

    Returns
    -------
    (HouseholdScan, pandas.DataFrame or None)
        The scan (problems capped per kind) and :func:`summary_table` of the file, None when
        the file has problems.
    """
    geo = geography or load_geography()
    extra = {} if chunk_rows is None else {"chunk_rows": chunk_rows}
    scan = scan_households(Path(path), None, geo, on_chunk=chunk_sums, workers=workers, **extra)
    if scan.problems:
        return scan, None
    return scan, summary_table(combine(scan.results), geo)
