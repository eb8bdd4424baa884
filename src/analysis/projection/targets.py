"""Plan targets as data, district allocations, and target status (on track or not).

Targets live in ``data/targets/targets.csv`` (Plan 47-KH/TU: T1-T8; Decision 90/QĐ-TTg 2022:
N1-N4) and province-to-district allocations in ``data/targets/allocations.csv``; see
``data/targets/README.md`` for the columns. Nothing here hard-codes a target value.

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

Status (exact thresholds)
-------------------------
In this order:

1. ``on track`` when the target is already reached (cumulative total reached; level reached
   now and projected to hold).
2. ``too little data`` when the latest standard segment has fewer than `MIN_POINTS` (3)
   observed points, or the base is smaller than `MIN_BASE` (20) households (poor households at the
   start of the segment for household targets; the coverage denominator in the latest year).
3. When the target period has ended (``year >= last_year``) and the target is not met:
   ``regressing`` if the indicator moved away from the target over the period, else ``off track``.
4. ``annual_reduction``, ``level_by_year``, ``ratio``: the anticipated-progress ratio
   ``APR = projected progress / required progress`` (UN ESCAP), with progress measured from the
   base (cumulative total achieved, or the base level) to the target year and the projection being
   the combined model mean of :mod:`analysis.projection.forecast`:

   - ``APR >= 1.0`` and probability of meeting the target ``>= 0.5``: **on track**
     (``APR >= 1.0`` with probability ``< 0.5``: needs acceleration);
   - ``0.5 <= APR < 1.0``: **needs acceleration**;
   - ``0.0 <= APR < 0.5``: **off track**;
   - ``APR < 0.0``: **regressing** (projected to move away from the target).

   Where no projection is possible the pace ratio ``recent_pace / required_pace`` stands in for
   the APR (noted).
5. ``direction``: from the probability ``P`` that the value in ``last_year`` is not worse than
   the latest observed value: ``P >= 0.5`` on track; ``0.25 <= P < 0.5`` needs acceleration;
   ``0.10 <= P < 0.25`` off track; ``P < 0.10`` regressing.

Reported alongside: ``required_pace`` (progress per remaining year needed to meet the target)
and ``recent_pace`` (mean annual progress over the last up to three years of the current
segment, or the OLS slope of the level), both signed so that positive means toward the target;
``probability`` (share of simulated paths, weighted mixture of the models, meeting the target).

District targets
----------------
A province target applies to districts as follows: household-count annual targets
(``poor_reduction_households``, ``em_poor_reduction_households``) are allocated with
`allocate` (given allocations first, else the district's share of poor - or poor ethnic-minority -
households at the start of the year); rate, coverage, level, ratio and direction targets apply
unchanged; the spread target is province-only. Decision 90's target for poor districts (area
``poor_districts``) applies only to the districts passed as ``poor_districts``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core import paths
from analysis.core.errors import WorkbookError
from analysis.projection import forecast as fc

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

ON_TRACK = "on track"
ACCELERATE = "needs acceleration"
OFF_TRACK = "off track"
REGRESSING = "regressing"
TOO_LITTLE = "too little data"
STATUSES = (ON_TRACK, ACCELERATE, OFF_TRACK, REGRESSING, TOO_LITTLE)

APR_ON_TRACK = 1.0
APR_ACCELERATE = 0.5
APR_OFF_TRACK = 0.0
PROB_ON_TRACK = 0.5
DIRECTION_BANDS = (0.5, 0.25, 0.10)
MIN_POINTS = 3
MIN_BASE = 20

GIVEN = "given"
DEFAULT_SOURCE = "default: share of poor households"
DEFAULT_SOURCE_EM = "default: share of poor ethnic-minority households"
# Household-count targets that add up over districts, and the stock that shares them out.
ALLOCATABLE = {
    "poor_reduction_households": ("poor_start", DEFAULT_SOURCE),
    "em_poor_reduction_households": ("em_poor_start", DEFAULT_SOURCE_EM),
}

STATUS_COLUMNS = [
    "target_id",
    "area_code",
    "indicator",
    "kind",
    "target_year",
    "progress_so_far",
    "target_value",
    "required_pace",
    "recent_pace",
    "projected_value",
    "probability",
    "apr",
    "status",
    "allocation_source",
    "note",
]


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
            fc.get_indicator(ind)
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
    return _check_allocations(frame)


def _check_allocations(frame: pd.DataFrame | None) -> pd.DataFrame:
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
def _shares(ctx: fc._Context, column: str, year: int) -> tuple[pd.Series, int | None]:
    """District shares of ``column`` at ``year`` (or the latest earlier year with data)."""
    districts = ctx.peers("district")
    key = ("district_shares", column)
    wide = ctx._memo.get(key)  # the same for every year: made once per context
    if wide is None:
        ctx.fill_tables(districts)
        values = {}
        for code in districts:
            t = ctx.table(code)
            values[code] = t[column] if column in t else pd.Series(dtype=float)
        wide = pd.DataFrame(values).dropna(how="all")
        wide = ctx._memo[key] = wide[wide.sum(axis=1) > 0]
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
    return _allocate(validate_targets(targets), _check_allocations(allocations), summary, year)


def _allocate(targets: pd.DataFrame, given: pd.DataFrame, summary, year: int) -> pd.DataFrame:
    """`allocate` with the targets and allocations tables already checked."""
    ctx = summary if isinstance(summary, fc._Context) else fc._Context(summary)
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


# --------------------------------------------------------------------------------------------
# Status rules (pure)
# --------------------------------------------------------------------------------------------
def status_from_apr(apr: float, probability: float | None = None) -> str:
    """Status from the anticipated-progress ratio (thresholds in the module docstring).

    Parameters
    ----------
    apr : float
        Projected progress / required progress.
    probability : float, optional
        Probability of meeting the target; below `PROB_ON_TRACK` it demotes an APR >= 1 to
        "needs acceleration". NaN or None is ignored.

    Returns
    -------
    str
    """
    if apr is None or not np.isfinite(apr):
        return TOO_LITTLE
    if apr >= APR_ON_TRACK:
        if probability is not None and np.isfinite(probability) and probability < PROB_ON_TRACK:
            return ACCELERATE
        return ON_TRACK
    if apr >= APR_ACCELERATE:
        return ACCELERATE
    if apr >= APR_OFF_TRACK:
        return OFF_TRACK
    return REGRESSING


def status_from_probability(probability: float) -> str:
    """Status of a direction target from the probability of not getting worse."""
    if probability is None or not np.isfinite(probability):
        return TOO_LITTLE
    high, mid, low = DIRECTION_BANDS
    if probability >= high:
        return ON_TRACK
    if probability >= mid:
        return ACCELERATE
    if probability >= low:
        return OFF_TRACK
    return REGRESSING


# --------------------------------------------------------------------------------------------
# Target status
# --------------------------------------------------------------------------------------------
def _sign(ind: fc.Indicator) -> float:
    return 1.0 if ind.better == "higher" else -1.0


def _slope(seg: pd.DataFrame) -> float:
    if len(seg) < 2:
        return np.nan
    return float(np.polyfit(seg["year"].to_numpy(float), seg["value"].to_numpy(float), 1)[0])


def _base_size(ctx, area, ind, seg) -> float | None:
    if ind.base_column is None or seg.empty:
        return None
    t = ctx.table(area)
    if ind.base_column not in t:
        return None
    col = t[ind.base_column]
    year = int(seg["year"].max()) if ind.kind == "coverage" else int(seg["year"].min())
    value = col.get(year, np.nan)
    return None if pd.isna(value) else float(value)


def _forecast(ctx, area, indicator, horizon, seed, weights, n_paths):
    frame = fc.project(
        None,
        area,
        indicator,
        horizon=horizon,
        weights=weights,
        seed=seed,
        n_paths=n_paths,
        _ctx=ctx,
    )
    sims = fc.simulate_paths(
        None,
        area,
        indicator,
        horizon=horizon,
        weights=weights,
        seed=seed,
        n_paths=n_paths,
        _ctx=ctx,
    )
    combined = frame[
        frame["model"]
        == ("combined" if (frame["model"] == "combined").any() else frame["model"].iloc[0])
    ]
    return combined.set_index("year"), sims


def _assess(ctx, row, area, year, target_low, target_high, seed, weights, n_paths) -> dict:
    ind = fc.get_indicator(row.indicator)
    sign = _sign(ind)
    out = dict.fromkeys(STATUS_COLUMNS, np.nan)
    out.update(
        target_id=row.target_id,
        area_code=area,
        indicator=row.indicator,
        kind=row.kind,
        target_year=int(row.last_year),
    )
    notes = []
    try:
        series = ctx.series(area, row.indicator)
    except ValueError as err:
        out.update(status=TOO_LITTLE, note=str(err))
        return out
    seg = fc.latest_segment(series, as_of=year)
    observed = series.dropna(subset=["value"])
    observed = observed[observed["year"] <= year]
    base = _base_size(ctx, area, ind, seg)
    little = len(seg) < MIN_POINTS or (base is not None and base < MIN_BASE)
    if len(seg) < MIN_POINTS:
        little_note = f"{len(seg)} point(s) in the latest standard segment (need {MIN_POINTS})"
    elif base is not None and base < MIN_BASE:
        little_note = f"base of {base:.0f} ({ind.base_column}) below {MIN_BASE}"
    else:
        little_note = ""
    remaining = list(range(year + 1, int(row.last_year) + 1))
    latest = float(seg["value"].iloc[-1]) if len(seg) else np.nan
    prob = apr = projected = np.nan
    required_pace = recent_pace = np.nan

    def run_forecast():
        try:
            return _forecast(ctx, area, row.indicator, int(row.last_year), seed, weights, n_paths)
        except (fc.InsufficientDataError, ValueError) as err:
            notes.append(f"no projection: {err}")
            return None, None

    if row.kind == "annual_reduction":
        window = range(int(row.first_year), int(row.last_year) + 1)
        target_total = target_low
        done = observed[observed["year"].isin(list(window))]
        achieved = float((sign * done["value"]).sum())
        missing = [y for y in window if y <= year and y not in set(done["year"])]
        if missing:
            notes.append(f"no data for {', '.join(map(str, missing))} (counted as 0)")
        stds = list(dict.fromkeys(done.sort_values("year")["standard"]))
        if len(stds) > 1:
            notes.append("achieved total adds within-year figures under " + " and ".join(stds))
        required = target_total - achieved
        recent = sign * seg["value"].iloc[-3:] if len(seg) else pd.Series(dtype=float)
        recent_pace = float(recent.mean()) if len(recent) else np.nan
        out.update(progress_so_far=achieved, target_value=target_total)
        if required <= 0:
            out.update(
                status=ON_TRACK,
                projected_value=achieved,
                required_pace=0.0,
                recent_pace=recent_pace,
            )
            notes.append("target already reached")
            out["note"] = "; ".join(notes)
            return out
        if not remaining:
            status = REGRESSING if achieved < 0 else OFF_TRACK
            out.update(status=status, projected_value=achieved, recent_pace=recent_pace)
            notes.append(f"period ended: {achieved:,.1f} of {target_total:,.1f}")
            out["note"] = "; ".join(notes)
            return out
        required_pace = required / len(remaining)
        if little:
            out.update(
                status=TOO_LITTLE,
                required_pace=required_pace,
                recent_pace=recent_pace,
                note="; ".join([little_note, *notes]),
            )
            return out
        comb, sims = run_forecast()
        if comb is not None:
            proj_progress = float(sign * comb.loc[remaining, "mean"].sum())
            projected = achieved + proj_progress
            apr = proj_progress / required
            cols = [sims.column(y) for y in remaining]
            total_paths = achieved + sign * np.sum(cols, axis=0)
            prob = float(np.mean(total_paths >= target_total))
    else:
        target = target_low if ind.better == "higher" else target_high
        if not np.isfinite(target):
            target = target_high if ind.better == "higher" else target_low
        recent_pace = sign * _slope(seg)
        if row.kind == "direction":
            out.update(
                progress_so_far=latest,
                target_value=latest,
                required_pace=0.0,
                recent_pace=recent_pace,
            )
            if little:
                out.update(status=TOO_LITTLE, note=little_note)
                return out
            if not remaining:
                status = ON_TRACK if recent_pace >= 0 else REGRESSING
                out.update(
                    status=status,
                    projected_value=latest,
                    note="period ended; status from the segment trend",
                )
                return out
            comb, sims = run_forecast()
            if comb is None:
                out.update(status=TOO_LITTLE, note="; ".join(notes))
                return out
            projected = float(comb.loc[int(row.last_year), "mean"])
            prob = float(np.mean(sign * (sims.column(int(row.last_year)) - latest) >= 0))
            out.update(
                projected_value=projected, probability=prob, status=status_from_probability(prob)
            )
            notes.append(
                f"reference: latest value {latest:,.2f} ({int(seg['year'].iloc[-1])}) should not worsen by {int(row.last_year)}"
            )
            out["note"] = "; ".join(notes + _basis_notes(comb, int(row.last_year)))
            return out
        if row.kind == "ratio":
            base_value = 1.0
        else:
            in_window = seg[seg["year"] >= int(row.first_year)]
            base_value = (
                float((in_window if len(in_window) else seg)["value"].iloc[0])
                if len(seg)
                else np.nan
            )
        out.update(progress_so_far=latest, target_value=target)
        met_now = np.isfinite(latest) and sign * (latest - target) >= 0
        if not remaining:
            if met_now:
                out.update(status=ON_TRACK, projected_value=latest, note="period ended: target met")
            else:
                status = REGRESSING if sign * (latest - base_value) < 0 else OFF_TRACK
                out.update(
                    status=status,
                    projected_value=latest,
                    note=f"period ended: {latest:,.2f} against {target:,.2f}",
                )
            return out
        required_pace = sign * (target - latest) / len(remaining) if np.isfinite(latest) else np.nan
        if little:
            out.update(
                status=TOO_LITTLE,
                required_pace=required_pace,
                recent_pace=recent_pace,
                note=little_note,
            )
            return out
        comb, sims = run_forecast()
        required_total = sign * (target - base_value)
        if comb is not None:
            projected = float(comb.loc[int(row.last_year), "mean"])
            prob = float(np.mean(sign * (sims.column(int(row.last_year)) - target) >= 0))
            if required_total > 0:
                apr = sign * (projected - base_value) / required_total
            notes.extend(_basis_notes(comb, int(row.last_year)))
        if met_now and sign * (projected - target) >= 0 if np.isfinite(projected) else met_now:
            out.update(
                status=ON_TRACK,
                projected_value=projected,
                probability=prob,
                apr=apr,
                required_pace=required_pace,
                recent_pace=recent_pace,
                note="; ".join(["target reached and projected to hold", *notes]),
            )
            return out
        if required_total <= 0 and np.isfinite(projected):
            out.update(
                status=REGRESSING,
                projected_value=projected,
                probability=prob,
                required_pace=required_pace,
                recent_pace=recent_pace,
                note="; ".join(["target was met at the base; projected to slip", *notes]),
            )
            return out
    if (
        not np.isfinite(apr)
        and np.isfinite(required_pace)
        and required_pace > 0
        and np.isfinite(recent_pace)
    ):
        apr = recent_pace / required_pace
        notes.append("APR from recent pace / required pace (no projection)")
    if np.isfinite(apr):
        apr = float(np.round(apr, 9))  # no spurious "regressing" from -1e-16 on a flat projection
    status = status_from_apr(apr, prob)
    out.update(
        projected_value=projected,
        probability=prob,
        apr=apr,
        required_pace=required_pace,
        recent_pace=recent_pace,
        status=status,
        note="; ".join(notes),
    )
    return out


def _basis_notes(comb: pd.DataFrame, year: int) -> list[str]:
    row = comb.loc[year]
    if row["standard_basis"] != row["fit_standard"]:
        return [f"{year} projected on basis {row['standard_basis']}"]
    return []


def _district_target(row, ctx, area, allocations, targets) -> tuple[float, float, str]:
    """(low, high, allocation source) of a province annual-reduction target for one district."""
    window = range(int(row.first_year), int(row.last_year) + 1)
    low = high = 0.0
    sources = set()
    one = targets[(targets["target_id"] == row.target_id) & (targets["indicator"] == row.indicator)]
    for y in window:
        alloc = _allocate(one, allocations, ctx, y)  # both tables checked by target_status
        mine = alloc[alloc["area_code"] == area]
        if mine.empty:
            return np.nan, np.nan, "no allocation"
        low += float(mine["value_low"].iloc[0])
        high += float(mine["value_high"].iloc[0])
        sources.add(str(mine["allocation_source"].iloc[0]))
    return low, high, " + ".join(sorted(sources))


def target_status(
    summary: pd.DataFrame,
    year: int,
    area_codes=None,
    seed: int = 20211126,
    *,
    targets: pd.DataFrame | None = None,
    allocations: pd.DataFrame | None = None,
    weights=None,
    n_paths: int = 1000,
    poor_districts=(),
) -> pd.DataFrame:
    """Status of every target for the province and each district, as of review ``year``.

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary table.
    year : int
        Last review year to use (later years are ignored).
    area_codes : sequence of str, optional
        Areas (``"province"`` and/or district codes); default the province and every district.
    seed : int
        Seed of the simulations (the same seed gives the same table).
    targets, allocations : pandas.DataFrame, optional
        Default: the bundled ``data/targets`` tables.
    weights : None, mapping or ``"backtest"``
        Model weights for the projections (see `analysis.forecast.project`).
    n_paths : int
        Simulated paths per model.
    poor_districts : sequence of str
        District codes on the national list of poor districts (for Decision 90's N3).

    Returns
    -------
    pandas.DataFrame
        Columns `STATUS_COLUMNS` (target_id, area_code, indicator, progress_so_far,
        target_value, required_pace, recent_pace, projected_value, probability, apr, status,
        note, plus kind, target_year and allocation_source).
    """
    targets = load_targets() if targets is None else validate_targets(targets)
    allocations = load_allocations() if allocations is None else _check_allocations(allocations)
    ctx = fc._Context(summary).truncate(int(year))
    year = int(year)
    if year > ctx.latest_year:
        raise ValueError(f"no data for {year}: the summary ends in {ctx.latest_year}")
    districts = ctx.peers("district")
    areas = [fc.PROVINCE, *districts] if area_codes is None else [str(a) for a in area_codes]
    if weights == "backtest":
        from analysis.projection.backtest import backtest_table, model_weights

        weights = model_weights(backtest_table(ctx.summary, seed=seed))
    specific = {
        (r.target_id, r.indicator, r.area)
        for r in targets.itertuples()
        if r.area not in SPECIAL_AREAS
    }
    rows = []
    for area in areas:
        is_province = area == fc.PROVINCE
        for row in targets.itertuples():
            ind = fc.get_indicator(row.indicator)
            low, high, source = row.value_low, row.value_high, ""
            n_years = int(row.last_year) - int(row.first_year) + 1
            per_year = row.kind == "annual_reduction"
            if row.area == "province":
                if is_province:
                    source = "province target"
                elif (row.target_id, row.indicator, area) in specific or not ind.district:
                    continue
                elif row.kind == "annual_reduction" and row.indicator in ALLOCATABLE:
                    low, high, source = _district_target(row, ctx, area, allocations, targets)
                    if not np.isfinite(low):
                        continue
                    per_year = False  # already the sum of the yearly allocations
                else:
                    source = "province target applies"
            elif row.area == "poor_districts":
                if area not in {str(d) for d in poor_districts}:
                    continue
                source = "national target for poor districts"
            elif row.area != area:
                continue
            else:
                source = "area target"
            target_low = low * n_years if per_year else low
            local_seed = int(
                np.random.default_rng(
                    [int(seed), *fc._stable_seed(area, row.target_id, row.indicator)]
                ).integers(2**31)
            )
            result = _assess(ctx, row, area, year, target_low, high, local_seed, weights, n_paths)
            result["allocation_source"] = source
            rows.append(result)
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)
