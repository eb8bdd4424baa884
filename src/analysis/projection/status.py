"""Target status: is each plan target on track, for the province and each district?

The targets and their kinds are described in :mod:`analysis.projection.targets`; `target_status`
assesses every target for every area as of a review year, from the observed series and the
combined projection of :mod:`analysis.projection.combine`.

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
   the combined model mean of :mod:`analysis.projection.combine`:

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
`analysis.projection.targets.allocate` (given allocations first, else the district's share of
poor - or poor ethnic-minority - households at the start of the year); rate, coverage, level,
ratio and direction targets apply unchanged; the spread target is province-only. Decision 90's target for poor districts (area
``poor_districts``) applies only to the districts passed as ``poor_districts``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.projection.backtest import backtest_table, model_weights
from analysis.projection.combine import project, simulate_paths
from analysis.projection.context import PROVINCE, ProjectionContext
from analysis.projection.fitting import stable_seed
from analysis.projection.indicators import Indicator, get_indicator
from analysis.projection.models import InsufficientDataError
from analysis.projection.series import latest_segment
from analysis.projection.targets import (
    ALLOCATABLE,
    SPECIAL_AREAS,
    check_allocations,
    district_target,
    load_allocations,
    load_targets,
    validate_targets,
)

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
def _sign(ind: Indicator) -> float:
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
    """The combined projection rows (indexed by year) and the mixture's paths of one area."""
    frame = project(
        None,
        area,
        indicator,
        horizon=horizon,
        weights=weights,
        seed=seed,
        n_paths=n_paths,
        context=ctx,
    )
    sims = simulate_paths(
        None,
        area,
        indicator,
        horizon=horizon,
        weights=weights,
        seed=seed,
        n_paths=n_paths,
        context=ctx,
    )
    combined = frame[
        frame["model"]
        == ("combined" if (frame["model"] == "combined").any() else frame["model"].iloc[0])
    ]
    return combined.set_index("year"), sims


@dataclass
class _Case:
    """One target of one area being assessed: what the rules of every kind of target need.

    The rules of a kind either settle ``out`` themselves or leave the projection's numbers in
    ``projected`` ... ``recent_pace`` for `_status_from_apr_case` to settle.
    """

    ctx: ProjectionContext
    row: Any  # a row of targets.itertuples()
    area: str
    year: int
    ind: Indicator
    sign: float
    seg: pd.DataFrame
    observed: pd.DataFrame
    little: bool
    little_note: str
    remaining: list[int]
    latest: float
    seed: int
    weights: Any
    n_paths: int
    out: dict
    notes: list[str] = field(default_factory=list)
    projected: float = np.nan
    probability: float = np.nan
    apr: float = np.nan
    required_pace: float = np.nan
    recent_pace: float = np.nan

    def forecast(self):
        """Combined projection rows and simulated paths to the target year; (None, None) if none."""
        try:
            return _forecast(
                self.ctx,
                self.area,
                self.row.indicator,
                int(self.row.last_year),
                self.seed,
                self.weights,
                self.n_paths,
            )
        except (InsufficientDataError, ValueError) as err:
            self.notes.append(f"no projection: {err}")
            return None, None


def _assess(ctx, row, area, year, target_low, target_high, seed, weights, n_paths) -> dict:
    """One row of `target_status`: the status of one target for one area."""
    ind = get_indicator(row.indicator)
    out = dict.fromkeys(STATUS_COLUMNS, np.nan)
    out.update(
        target_id=row.target_id,
        area_code=area,
        indicator=row.indicator,
        kind=row.kind,
        target_year=int(row.last_year),
    )
    try:
        series = ctx.series(area, row.indicator)
    except ValueError as err:
        out.update(status=TOO_LITTLE, note=str(err))
        return out
    seg = latest_segment(series, as_of=year)
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
    case = _Case(
        ctx=ctx,
        row=row,
        area=area,
        year=year,
        ind=ind,
        sign=_sign(ind),
        seg=seg,
        observed=observed,
        little=little,
        little_note=little_note,
        remaining=list(range(year + 1, int(row.last_year) + 1)),
        latest=float(seg["value"].iloc[-1]) if len(seg) else np.nan,
        seed=seed,
        weights=weights,
        n_paths=n_paths,
        out=out,
    )
    if row.kind == "annual_reduction":
        settled = _assess_total(case, target_low)
    else:
        target = target_low if ind.better == "higher" else target_high
        if not np.isfinite(target):
            target = target_high if ind.better == "higher" else target_low
        case.recent_pace = case.sign * _slope(seg)
        if row.kind == "direction":
            return _assess_direction(case)
        settled = _assess_level(case, target)
    return out if settled else _status_from_apr_case(case)


def _assess_total(case: _Case, target_total: float) -> bool:
    """Rules of an ``annual_reduction`` target; True when they settle ``case.out``."""
    row, sign, out, notes, seg = case.row, case.sign, case.out, case.notes, case.seg
    window = range(int(row.first_year), int(row.last_year) + 1)
    done = case.observed[case.observed["year"].isin(list(window))]
    achieved = float((sign * done["value"]).sum())
    missing = [y for y in window if y <= case.year and y not in set(done["year"])]
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
        return True
    if not case.remaining:
        status = REGRESSING if achieved < 0 else OFF_TRACK
        out.update(status=status, projected_value=achieved, recent_pace=recent_pace)
        notes.append(f"period ended: {achieved:,.1f} of {target_total:,.1f}")
        out["note"] = "; ".join(notes)
        return True
    required_pace = required / len(case.remaining)
    if case.little:
        out.update(
            status=TOO_LITTLE,
            required_pace=required_pace,
            recent_pace=recent_pace,
            note="; ".join([case.little_note, *notes]),
        )
        return True
    case.required_pace, case.recent_pace = required_pace, recent_pace
    comb, sims = case.forecast()
    if comb is not None:
        proj_progress = float(sign * comb.loc[case.remaining, "mean"].sum())
        case.projected = achieved + proj_progress
        case.apr = proj_progress / required
        cols = [sims.column(y) for y in case.remaining]
        total_paths = achieved + sign * np.sum(cols, axis=0)
        case.probability = float(np.mean(total_paths >= target_total))
    return False


def _assess_direction(case: _Case) -> dict:
    """Rules of a ``direction`` target (they always settle ``case.out``, returned)."""
    row, sign, out, notes, latest = case.row, case.sign, case.out, case.notes, case.latest
    out.update(
        progress_so_far=latest,
        target_value=latest,
        required_pace=0.0,
        recent_pace=case.recent_pace,
    )
    if case.little:
        out.update(status=TOO_LITTLE, note=case.little_note)
        return out
    if not case.remaining:
        status = ON_TRACK if case.recent_pace >= 0 else REGRESSING
        out.update(
            status=status,
            projected_value=latest,
            note="period ended; status from the segment trend",
        )
        return out
    comb, sims = case.forecast()
    if comb is None:
        out.update(status=TOO_LITTLE, note="; ".join(notes))
        return out
    projected = float(comb.loc[int(row.last_year), "mean"])
    prob = float(np.mean(sign * (sims.column(int(row.last_year)) - latest) >= 0))
    out.update(projected_value=projected, probability=prob, status=status_from_probability(prob))
    notes.append(
        f"reference: latest value {latest:,.2f} ({int(case.seg['year'].iloc[-1])}) should not worsen by {int(row.last_year)}"
    )
    out["note"] = "; ".join(notes + _basis_notes(comb, int(row.last_year)))
    return out


def _assess_level(case: _Case, target: float) -> bool:
    """Rules of a ``level_by_year`` or ``ratio`` target; True when they settle ``case.out``."""
    row, sign, out, notes, seg = case.row, case.sign, case.out, case.notes, case.seg
    latest, remaining = case.latest, case.remaining
    if row.kind == "ratio":
        base_value = 1.0
    else:
        in_window = seg[seg["year"] >= int(row.first_year)]
        base_value = (
            float((in_window if len(in_window) else seg)["value"].iloc[0]) if len(seg) else np.nan
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
        return True
    required_pace = sign * (target - latest) / len(remaining) if np.isfinite(latest) else np.nan
    if case.little:
        out.update(
            status=TOO_LITTLE,
            required_pace=required_pace,
            recent_pace=case.recent_pace,
            note=case.little_note,
        )
        return True
    projected = prob = apr = np.nan
    comb, sims = case.forecast()
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
            recent_pace=case.recent_pace,
            note="; ".join(["target reached and projected to hold", *notes]),
        )
        return True
    if required_total <= 0 and np.isfinite(projected):
        out.update(
            status=REGRESSING,
            projected_value=projected,
            probability=prob,
            required_pace=required_pace,
            recent_pace=case.recent_pace,
            note="; ".join(["target was met at the base; projected to slip", *notes]),
        )
        return True
    case.projected, case.probability, case.apr = projected, prob, apr
    case.required_pace = required_pace
    return False


def _status_from_apr_case(case: _Case) -> dict:
    """Settle ``case.out`` from the APR (or the pace ratio when there is no projection)."""
    apr, required_pace, recent_pace = case.apr, case.required_pace, case.recent_pace
    if (
        not np.isfinite(apr)
        and np.isfinite(required_pace)
        and required_pace > 0
        and np.isfinite(recent_pace)
    ):
        apr = recent_pace / required_pace
        case.notes.append("APR from recent pace / required pace (no projection)")
    if np.isfinite(apr):
        apr = float(np.round(apr, 9))  # no spurious "regressing" from -1e-16 on a flat projection
    status = status_from_apr(apr, case.probability)
    case.out.update(
        projected_value=case.projected,
        probability=case.probability,
        apr=apr,
        required_pace=required_pace,
        recent_pace=recent_pace,
        status=status,
        note="; ".join(case.notes),
    )
    return case.out


def _basis_notes(comb: pd.DataFrame, year: int) -> list[str]:
    row = comb.loc[year]
    if row["standard_basis"] != row["fit_standard"]:
        return [f"{year} projected on basis {row['standard_basis']}"]
    return []


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
        Model weights for the projections (see `analysis.projection.combine.project`).
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
    allocations = load_allocations() if allocations is None else check_allocations(allocations)
    ctx = ProjectionContext(summary).truncate(int(year))
    year = int(year)
    if year > ctx.latest_year:
        raise ValueError(f"no data for {year}: the summary ends in {ctx.latest_year}")
    districts = ctx.peers("district")
    areas = [PROVINCE, *districts] if area_codes is None else [str(a) for a in area_codes]
    if weights == "backtest":
        weights = model_weights(backtest_table(ctx.summary, seed=seed))
    specific = {
        (r.target_id, r.indicator, r.area)
        for r in targets.itertuples()
        if r.area not in SPECIAL_AREAS
    }
    rows = []
    for area in areas:
        is_province = area == PROVINCE
        for row in targets.itertuples():
            ind = get_indicator(row.indicator)
            low, high, source = row.value_low, row.value_high, ""
            n_years = int(row.last_year) - int(row.first_year) + 1
            per_year = row.kind == "annual_reduction"
            if row.area == "province":
                if is_province:
                    source = "province target"
                elif (row.target_id, row.indicator, area) in specific or not ind.district:
                    continue
                elif row.kind == "annual_reduction" and row.indicator in ALLOCATABLE:
                    low, high, source = district_target(row, ctx, area, allocations, targets)
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
                    [int(seed), *stable_seed(area, row.target_id, row.indicator)]
                ).integers(2**31)
            )
            result = _assess(ctx, row, area, year, target_low, high, local_seed, weights, n_paths)
            result["allocation_source"] = source
            rows.append(result)
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)
