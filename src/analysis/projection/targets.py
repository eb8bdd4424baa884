"""Plan targets as data, and the share of the province's household amounts for each district.

Targets are data (``data/targets/targets.csv``, columns documented in ``data/targets/README.md``):
what is measured (``measure``: cumulative, level or trend), its unit, base, window, how it applies
to districts and when it applies at all; nothing here hard-codes a target value. `load_targets`
reads and checks them (errors name the file, row and column). Household amounts of the province
(`ALLOCATABLE`: net reductions of poor and ethnic-minority poor households) are shared out among
the districts by `allocate`: given allocations (``allocations.csv``) first, else the district's
share of the stock at the start of the year. Whether a target is met is judged by
:mod:`analysis.projection.status` with the rules of :mod:`analysis.projection.verdicts`.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core import paths
from analysis.core.errors import WorkbookError
from analysis.projection import verdicts as vd
from analysis.projection.indicators import get_indicator

TARGET_COLUMNS = [
    "target_id",
    "scope",
    "indicator",
    "measure",
    "unit",
    "value_low",
    "value_high",
    "per_year",
    "base_year",
    "first_year",
    "target_year",
    "districts",
    "applies_when",
    "verdict_on",
    "also_report",
    "source",
    "reading",
]
ALLOCATION_COLUMNS = ["year", "area_code", "target_id", "value"]
DISTRICT_RULES = ("allocate", "same", "poor districts", "none")
APPLIES_WHEN = ("", "rate at least one year's fall", "on the list of poor districts")
GIVEN = "given"
# Household amounts that add up over districts, and the stock that shares them out.
ALLOCATABLE = {
    "poor_reduction_households": ("poor_start", "default: share of poor households"),
    "em_poor_reduction_households": (
        "em_poor_start",
        "default: share of poor ethnic-minority households",
    ),
}


class TargetError(WorkbookError, ValueError):
    """The targets or allocations table is malformed (the message names the row and column)."""


def validate_targets(frame: pd.DataFrame, name: str = "targets.csv") -> pd.DataFrame:
    """Check and type a targets table (columns and values as in ``data/targets/README.md``).

    Raises
    ------
    TargetError
        Naming the file, the row (as in a spreadsheet: header = row 1) and the column.
    """
    missing = [c for c in TARGET_COLUMNS if c not in frame]
    if missing:
        raise TargetError(f"{name}: missing columns {missing}")
    out = frame[TARGET_COLUMNS].copy()
    for col in ("target_id", "scope", "indicator", "measure", "unit", "districts"):
        out[col] = out[col].astype(str).str.strip()
    for col in ("applies_when", "verdict_on", "also_report", "source", "reading"):
        out[col] = out[col].fillna("").astype(str).str.strip()
    for i, row in enumerate(out.itertuples(), start=2):

        def bad(col, what, row_no=i):
            raise TargetError(f"{name}, row {row_no}, column {col}: {what}")

        if row.measure not in vd.MEASURES:
            bad("measure", f"{row.measure!r} is not one of {list(vd.MEASURES)}")
        if row.districts not in DISTRICT_RULES:
            bad("districts", f"{row.districts!r} is not one of {list(DISTRICT_RULES)}")
        if row.applies_when not in APPLIES_WHEN:
            bad("applies_when", f"{row.applies_when!r} is not one of {list(APPLIES_WHEN)}")
        try:
            get_indicator(row.indicator)
        except (KeyError, ValueError):
            bad("indicator", f"unknown indicator {row.indicator!r}")
        for col in ("base_year", "first_year", "target_year"):
            if not str(getattr(row, col)).strip().isdigit():
                bad(col, f"{getattr(row, col)!r} is not a year")
        for col in ("value_low", "value_high"):
            text = str(getattr(row, col)).strip()
            if text not in ("", "nan"):
                try:
                    float(text)
                except ValueError:
                    bad(col, f"{text!r} is not a number")
        if row.measure != "trend" and all(
            str(getattr(row, c)).strip() in ("", "nan") for c in ("value_low", "value_high")
        ):
            bad("value_low", "a cumulative or level target needs a value")
    for col in ("base_year", "first_year", "target_year"):
        out[col] = out[col].astype(int)
    for col in ("value_low", "value_high"):
        out[col] = pd.to_numeric(out[col].replace("", np.nan), errors="coerce").astype(float)
    out["per_year"] = out["per_year"].astype(str).str.strip().str.lower().isin(["true", "1", "yes"])
    return out


def load_targets(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate ``data/targets/targets.csv`` (or ``path``)."""
    path = Path(path) if path is not None else paths.targets_dir() / "targets.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return validate_targets(frame, Path(path).name)


def load_allocations(path: str | Path | None = None) -> pd.DataFrame:
    """Read ``data/targets/allocations.csv`` (or ``path``); an empty table is valid."""
    path = Path(path) if path is not None else paths.targets_dir() / "allocations.csv"
    frame = pd.read_csv(path, dtype={"area_code": str, "target_id": str}, keep_default_na=False)
    return check_allocations(frame)


def check_allocations(frame: pd.DataFrame | None) -> pd.DataFrame:
    """Check and type a given-allocations table (``year, area_code, target_id, value``)."""
    if frame is None:
        return pd.DataFrame(columns=ALLOCATION_COLUMNS)
    missing = [c for c in ALLOCATION_COLUMNS if c not in frame]
    if missing:
        raise TargetError(f"allocations table lacks columns {missing}")
    out = frame[ALLOCATION_COLUMNS].copy()
    out["year"] = out["year"].astype(int)
    out["area_code"] = out["area_code"].astype(str)
    out["value"] = pd.to_numeric(out["value"], errors="raise").astype(float)
    if out.duplicated(["year", "area_code", "target_id"]).any():
        raise TargetError("duplicate allocations (year, area_code, target_id)")
    return out


def district_shares(ctx, column: str, year: int) -> tuple[pd.Series, int | None]:
    """District shares of ``column`` at ``year`` (or the latest earlier year with data).

    Computed once per projection context (``ctx.memo``): every district's target of a year
    shares the same shares.
    """
    key = ("district_shares", column, int(year))
    shares, share_year = ctx.memo(key, lambda: _district_shares(ctx, column, int(year)))
    return shares.copy(), share_year


def _district_shares(ctx, column: str, year: int) -> tuple[pd.Series, int | None]:
    districts = ctx.peers("district")
    ctx.fill_tables(districts)
    values = {}
    for code in districts:
        t = ctx.table(code)
        values[code] = t[column] if column in t else pd.Series(dtype=float)
    wide = pd.DataFrame(values).dropna(how="all")
    wide = wide[wide.sum(axis=1) > 0]
    if wide.empty:
        return pd.Series(np.nan, index=districts, dtype=float), None
    earlier = wide[wide.index <= year]
    row = (earlier.iloc[-1] if len(earlier) else wide.iloc[0]).fillna(0.0)
    return row / row.sum(), int(row.name)


def allocate(target: pd.Series, ctx, year: int, given: pd.DataFrame) -> pd.DataFrame:
    """District shares of one province household amount for one review year.

    Parameters
    ----------
    target : pandas.Series
        A targets row with ``districts == "allocate"``.
    ctx : forecast context
        The summary, truncated to the reviews available.
    year : int
        The review year whose amount is shared (the yearly amount, or the whole amount of a
        one-year plan).
    given : pandas.DataFrame
        Given allocations (`load_allocations`).

    Returns
    -------
    pandas.DataFrame
        ``area_code, value_low, value_high, share, share_year, allocation_source``: given values
        as they are; the rest of the amount shared by the districts' share of the stock at the
        start of ``year`` (or the latest earlier year with data: ``share_year``).
    """
    column, source = ALLOCATABLE[target["indicator"]]
    shares, share_year = district_shares(ctx, column, int(year))
    mine = given[(given["year"] == int(year)) & (given["target_id"] == target["target_id"])]
    fixed = mine.set_index("area_code")["value"]
    free = shares.reindex([c for c in shares.index if c not in fixed.index])
    free = free / free.sum() if free.sum() > 0 else free
    years = target["target_year"] - target["first_year"] + 1
    per = 1.0 if target["per_year"] else 1.0 / years if years > 1 else 1.0
    rows = []
    for code in shares.index:
        if code in fixed.index:
            v = float(fixed[code])
            rows.append((code, v, v, math.nan, math.nan, GIVEN))
            continue
        s = float(free.get(code, math.nan))
        low = max(target["value_low"] * per - fixed.sum(), 0.0) * s
        high = (
            max(target["value_high"] * per - fixed.sum(), 0.0) * s
            if pd.notna(target["value_high"])
            else math.nan
        )
        rows.append((code, low, high, s, share_year, source))
    return pd.DataFrame(
        rows,
        columns=[
            "area_code",
            "value_low",
            "value_high",
            "share",
            "share_year",
            "allocation_source",
        ],
    )


def allocate_year(
    targets: pd.DataFrame, summary, year: int, allocations: pd.DataFrame | None = None
) -> pd.DataFrame:
    """District allocations of every province household amount that applies to review ``year``.

    Parameters
    ----------
    targets : pandas.DataFrame
        `load_targets`; rows with ``districts == "allocate"`` whose window holds ``year``.
    summary : pandas.DataFrame or ProjectionContext
        Area-year summary (district rows, or commune rows mapped to districts).
    year : int
    allocations : pandas.DataFrame, optional
        Given allocations; default none.

    Returns
    -------
    pandas.DataFrame
        ``year, target_id, indicator, area_code, value_low, value_high, share, share_year,
        allocation_source``: a yearly amount (``per_year``) per year, a one-year plan whole.
    """
    from analysis.projection.context import ProjectionContext

    ctx = summary if isinstance(summary, ProjectionContext) else ProjectionContext(summary)
    given = check_allocations(allocations)
    targets = validate_targets(targets)
    parts = []
    chosen = targets[
        (targets["districts"] == "allocate")
        & targets["indicator"].isin(list(ALLOCATABLE))
        & (targets["first_year"] <= int(year))
        & (targets["target_year"] >= int(year))
    ]
    for _, target in chosen.iterrows():
        part = allocate(target, ctx, int(year), given)
        part.insert(0, "indicator", target["indicator"])
        part.insert(0, "target_id", target["target_id"])
        part.insert(0, "year", int(year))
        parts.append(part)
    columns = ["year", "target_id", "indicator", "area_code", "value_low", "value_high", "share",
               "share_year", "allocation_source"]  # fmt: skip
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
