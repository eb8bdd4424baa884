"""Plan targets as data, and their allocation from the province to the districts.

Targets live in ``data/targets/targets.csv`` (Plan 47-KH/TU: T1-T8; Decision 90/QĐ-TTg 2022:
N1-N4) and province-to-district allocations in ``data/targets/allocations.csv``; see
``data/targets/README.md`` for the columns. Nothing here hard-codes a target value. Whether a
target is on track is assessed by :mod:`analysis.projection.status`.

Kinds of target
---------------
``annual_reduction``
    an average annual amount of progress over ``first_year..last_year``: the target total is
    ``value_low x years`` (the low end of a range is the commitment; ``value_high`` is the
    aspiration, reported but not used). Progress per year is the indicator's value, sign-adjusted
    so that positive is good (households taken out of poverty; points of rate *reduction*). Each
    year's figure is within-year and counted under that year's standard; the projection of the
    remaining years uses the latest standard segment only.
``level_by_year``
    a level to reach by ``last_year`` (``value_low`` when higher is better, e.g. coverage 100%;
    ``value_high`` when lower is better, e.g. 0 especially difficult communes). The base is the
    value in the first year of the current standard segment inside the target window.
``ratio``
    like ``level_by_year`` for a ratio to the stock at the start of the current standard segment
    (base 1.0): ``poor_near_poor_halving`` <= 0.5 by 2025.
``direction``
    "limit" targets without a number (re-poverty, new poverty, the spread of district rates):
    the value in ``last_year`` should not exceed the latest observed value.

Allocation
----------
Household-count annual targets of the province (``poor_reduction_households``,
``em_poor_reduction_households``: `ALLOCATABLE`) are shared out among the districts by
`allocate`: given allocations first, else the district's share of poor - or poor
ethnic-minority - households at the start of the year. `district_target` sums a district's
allocations over a target's years.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core import paths
from analysis.core.errors import WorkbookError
from analysis.projection.context import ProjectionContext
from analysis.projection.indicators import get_indicator

TARGET_COLUMNS = [
    "target_id",
    "area",
    "indicator",
    "kind",
    "value_low",
    "value_high",
    "first_year",
    "last_year",
    "source",
    "note",
]
ALLOCATION_COLUMNS = ["year", "area_code", "target_id", "value"]
KINDS = ("annual_reduction", "level_by_year", "ratio", "direction")
SPECIAL_AREAS = ("province", "poor_districts")

GIVEN = "given"
DEFAULT_SOURCE = "default: share of poor households"
DEFAULT_SOURCE_EM = "default: share of poor ethnic-minority households"
# Household-count targets that add up over districts, and the stock that shares them out.
ALLOCATABLE = {
    "poor_reduction_households": ("poor_start", DEFAULT_SOURCE),
    "em_poor_reduction_households": ("em_poor_start", DEFAULT_SOURCE_EM),
}


class TargetError(WorkbookError, ValueError):
    """A malformed targets or allocations table."""


# --------------------------------------------------------------------------------------------
# Reading and validating
# --------------------------------------------------------------------------------------------
def validate_targets(frame: pd.DataFrame) -> pd.DataFrame:
    """Check and normalise a targets table.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns `TARGET_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        With numeric values and integer years.

    Raises
    ------
    TargetError
        Missing columns, unknown kind or indicator, no value, years out of order, duplicates.
    """
    missing = [c for c in TARGET_COLUMNS if c not in frame]
    if missing:
        raise TargetError(f"targets table lacks columns {missing}")
    out = frame.copy()
    out["area"] = out["area"].astype(str).str.strip()
    for col in ("value_low", "value_high"):
        out[col] = pd.to_numeric(out[col].replace("", np.nan), errors="raise").astype(float)
    out["first_year"] = out["first_year"].astype(int)
    out["last_year"] = out["last_year"].astype(int)
    bad_kind = sorted(set(out["kind"]) - set(KINDS))
    if bad_kind:
        raise TargetError(f"unknown target kind(s) {bad_kind}; known: {', '.join(KINDS)}")
    for ind in out["indicator"]:
        try:
            get_indicator(ind)
        except ValueError as err:
            raise TargetError(str(err)) from None
    need_value = (out["kind"] != "direction") & out["value_low"].isna() & out["value_high"].isna()
    if need_value.any():
        raise TargetError(f"targets without a value: {list(out.loc[need_value, 'target_id'])}")
    if (out["first_year"] > out["last_year"]).any():
        raise TargetError("first_year after last_year in targets")
    dup = out.duplicated(["target_id", "area", "indicator"])
    if dup.any():
        raise TargetError(f"duplicate targets: {list(out.loc[dup, 'target_id'])}")
    for col in ("source", "note"):
        out[col] = out[col].fillna("").astype(str)
    return out.reset_index(drop=True)


def load_targets(path: str | Path | None = None) -> pd.DataFrame:
    """Read ``data/targets/targets.csv`` (or ``path``) and validate it."""
    path = Path(path) if path is not None else paths.targets_dir() / "targets.csv"
    frame = pd.read_csv(path, dtype={"area": str, "target_id": str}, keep_default_na=False)
    return validate_targets(frame)


def load_allocations(path: str | Path | None = None) -> pd.DataFrame:
    """Read ``data/targets/allocations.csv`` (or ``path``); an empty table is valid."""
    path = Path(path) if path is not None else paths.targets_dir() / "allocations.csv"
    frame = pd.read_csv(path, dtype={"area_code": str, "target_id": str}, keep_default_na=False)
    return check_allocations(frame)


def check_allocations(frame: pd.DataFrame | None) -> pd.DataFrame:
    """Check and normalise an allocations table.

    Parameters
    ----------
    frame : pandas.DataFrame or None
        Columns `ALLOCATION_COLUMNS` (others are dropped); None for no allocations.

    Returns
    -------
    pandas.DataFrame
        Integer years, string area codes, float values.

    Raises
    ------
    TargetError
        Missing columns or duplicate allocations.
    """
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


# --------------------------------------------------------------------------------------------
# Allocation
# --------------------------------------------------------------------------------------------
def _shares(ctx: ProjectionContext, column: str, year: int) -> tuple[pd.Series, int | None]:
    """District shares of ``column`` at ``year`` (or the latest earlier year with data)."""
    districts = ctx.peers("district")

    def wide_shares():  # the same for every year: made once per context
        ctx.fill_tables(districts)
        values = {}
        for code in districts:
            t = ctx.table(code)
            values[code] = t[column] if column in t else pd.Series(dtype=float)
        wide = pd.DataFrame(values).dropna(how="all")
        return wide[wide.sum(axis=1) > 0]

    wide = ctx.memo(("district_shares", column), wide_shares)
    if wide.empty:
        return pd.Series(np.nan, index=districts, dtype=float), None
    earlier = wide[wide.index <= year]
    row = earlier.iloc[-1] if len(earlier) else wide.iloc[0]
    row = row.fillna(0.0)
    return row / row.sum(), int(row.name)


def allocate(
    targets: pd.DataFrame, summary: pd.DataFrame, year: int, allocations: pd.DataFrame | None = None
) -> pd.DataFrame:
    """District allocations of the province's household-count targets for one year.

    Parameters
    ----------
    targets : pandas.DataFrame
        Targets table (`load_targets`); province ``annual_reduction`` targets whose indicator is in
        `ALLOCATABLE` and whose window contains ``year`` are allocated.
    summary : pandas.DataFrame
        Area-year summary (district rows, or commune rows mapped to districts).
    year : int
        Target year.
    allocations : pandas.DataFrame, optional
        Given allocations (``year, area_code, target_id, value``); default none.

    Returns
    -------
    pandas.DataFrame
        ``year, area_code, target_id, indicator, value_low, value_high, share, share_year,
        allocation_source``. A given value is used as is (``value_low = value_high = value``,
        source ``"given"``); the rest of the province target (target minus the given values,
        at least 0) is shared among the other districts by their share of poor households
        (ethnic-minority poor for the ethnic-minority target) at the start of ``year``
        (``"default: share of poor households"``); ``share_year`` says which year's shares
        were used when ``year`` has no data yet (the latest earlier year).
    """
    return _allocate(validate_targets(targets), check_allocations(allocations), summary, year)


def _allocate(targets: pd.DataFrame, given: pd.DataFrame, summary, year: int) -> pd.DataFrame:
    """`allocate` with the targets and allocations tables already checked."""
    ctx = summary if isinstance(summary, ProjectionContext) else ProjectionContext(summary)
    year = int(year)
    rows = []
    chosen = targets[
        (targets["area"] == "province")
        & (targets["kind"] == "annual_reduction")
        & targets["indicator"].isin(list(ALLOCATABLE))
        & (targets["first_year"] <= year)
        & (targets["last_year"] >= year)
    ]
    for t in chosen.itertuples():
        column, source = ALLOCATABLE[t.indicator]
        shares, share_year = _shares(ctx, column, year)
        fixed = given[(given["year"] == year) & (given["target_id"] == t.target_id)].set_index(
            "area_code"
        )["value"]
        free = [c for c in shares.index if c not in fixed.index]
        free_share = shares.reindex(free)
        free_share = free_share / free_share.sum() if free_share.sum() > 0 else free_share
        rest = {
            "value_low": max((t.value_low if pd.notna(t.value_low) else np.nan) - fixed.sum(), 0.0),
            "value_high": max(
                (t.value_high if pd.notna(t.value_high) else np.nan) - fixed.sum(), 0.0
            )
            if pd.notna(t.value_high)
            else np.nan,
        }
        for code in shares.index:
            if code in fixed.index:
                v = float(fixed[code])
                rows.append((year, code, t.target_id, t.indicator, v, v, np.nan, np.nan, GIVEN))
            else:
                s = float(free_share.get(code, np.nan))
                rows.append(
                    (
                        year,
                        code,
                        t.target_id,
                        t.indicator,
                        rest["value_low"] * s,
                        rest["value_high"] * s,
                        s,
                        share_year,
                        source,
                    )
                )
    columns = [
        "year",
        "area_code",
        "target_id",
        "indicator",
        "value_low",
        "value_high",
        "share",
        "share_year",
        "allocation_source",
    ]
    return pd.DataFrame(rows, columns=columns)


def district_target(
    row, ctx: ProjectionContext, area: str, allocations: pd.DataFrame, targets: pd.DataFrame
) -> tuple[float, float, str]:
    """A district's part of a province annual-reduction target, summed over the target's years.

    Parameters
    ----------
    row : namedtuple
        The province target (a row of ``targets.itertuples()``).
    ctx : ProjectionContext
        Context of the summary the shares come from.
    area : str
        District code.
    allocations, targets : pandas.DataFrame
        Both already checked (`check_allocations`, `validate_targets`).

    Returns
    -------
    tuple
        ``(low, high, allocation source)``; ``(nan, nan, "no allocation")`` when a year has
        none for the district.
    """
    window = range(int(row.first_year), int(row.last_year) + 1)
    low = high = 0.0
    sources = set()
    one = targets[(targets["target_id"] == row.target_id) & (targets["indicator"] == row.indicator)]
    for y in window:
        alloc = _allocate(one, allocations, ctx, y)  # both tables checked by the caller
        mine = alloc[alloc["area_code"] == area]
        if mine.empty:
            return np.nan, np.nan, "no allocation"
        low += float(mine["value_low"].iloc[0])
        high += float(mine["value_high"].iloc[0])
        sources.add(str(mine["allocation_source"].iloc[0]))
    return low, high, " + ".join(sorted(sources))
