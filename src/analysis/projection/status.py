"""Target status for the province and each district: the facts of every target, then its verdict.

For each target of :mod:`analysis.projection.targets` and each area, `facts_for` gathers what the
rules of :mod:`analysis.projection.verdicts` need: the base, the latest value, what can still be
attained, and the projection by the target year (the median of the simulated paths of
:mod:`analysis.projection.combine`, its 80% interval and the probability of meeting the target);
`target_status` then asks `analysis.projection.verdicts.assess` for the verdict and writes one row
per target and area, with the reason in Vietnamese and English.

Projections are bounded: a cumulative net reduction can never exceed the households still poor
(simulated totals are capped at the stock), and levels stay within the indicator's bounds (0 for
stocks and rates, 100 for coverage).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.projection import verdicts as vd
from analysis.projection.combine import project, simulate_paths
from analysis.projection.context import PROVINCE, ProjectionContext
from analysis.projection.fitting import stable_seed
from analysis.projection.indicators import get_indicator
from analysis.projection.models import InsufficientDataError
from analysis.projection.series import latest_segment
from analysis.projection.targets import (
    ALLOCATABLE,
    allocate,
    check_allocations,
    load_allocations,
    load_targets,
    validate_targets,
)

# Start-of-year values of level indicators (the base when base_year < first_year).
_START = {
    "poverty_rate_pct": ("poor_start", "total_households", 100.0),
    "em_poverty_rate_pct": ("em_poor_start", "em_total_households", 100.0),
    "poor_households": ("poor_start", None, 1.0),
    "em_poor_households": ("em_poor_start", None, 1.0),
    "near_poor_households": ("near_poor_start", None, 1.0),
}

#: Points below a target at its bound (100% coverage) that still count as holding it.
COVERAGE_TOLERANCE = 0.05

STATUS_COLUMNS = [
    "target_id",
    "scope",
    "area_code",
    "indicator",
    "measure",
    "unit",
    "first_year",
    "base_year",
    "base_value",
    "latest_year",
    "latest_value",
    "target_year",
    "target_value",
    "target_high",
    "actual_pace",
    "required_pace",
    "pace_ratio",
    "projected_value",
    "projected_lo80",
    "projected_hi80",
    "probability",
    "status",
    "reason_key",
    "reason_vi",
    "reason_en",
    "gap",
    "max_attainable",
    "attainable_share",
    "verdict_on",
    "also_report",
    "also_report_value",
    "allocation_source",
    "source",
]


# -- facts ---------------------------------------------------------------------------------------
def _value_at(series: pd.DataFrame, year: int) -> float:
    hit = series.loc[series["year"] == int(year), "value"]
    return float(hit.iloc[0]) if len(hit) and pd.notna(hit.iloc[0]) else math.nan


def _start_value(ctx, area: str, indicator: str, year: int) -> float:
    """The value at the start of review ``year`` (stocks re-classified under that year's
    standard), or NaN when the summary has no start-of-year stocks for it."""
    if indicator == "poor_near_poor_halving":  # the ratio to the stock at the start of year
        table = ctx.table(area)
        return (
            1.0 if year in table.index and pd.notna(table.loc[year].get("poor_start")) else math.nan
        )
    if indicator not in _START:
        return math.nan
    num, den, scale = _START[indicator]
    table = ctx.table(area)
    if num not in table or year not in table.index:
        return math.nan
    top = table.loc[year, num]
    if den is None:
        return float(top) if pd.notna(top) else math.nan
    bottom = table.loc[year, den] if den in table else math.nan
    if pd.isna(top) or pd.isna(bottom) or bottom <= 0:
        return math.nan
    return float(scale * top / bottom)


def _stock(ctx, area: str, column: str, year: int) -> float:
    table = ctx.table(area)
    if column not in table or year not in table.index:
        return math.nan
    value = table.loc[year, column]
    return float(value) if pd.notna(value) else math.nan


def _forecast(ctx, area, indicator, horizon, seed, weights, n_paths):
    """Combined projection (indexed by year) and simulated paths, or (None, None)."""
    try:
        frame = project(None, area, indicator, horizon=horizon, weights=weights, seed=seed,
                        n_paths=n_paths, context=ctx)  # fmt: skip
        sims = simulate_paths(None, area, indicator, horizon=horizon, weights=weights,
                              seed=seed, n_paths=n_paths, context=ctx)  # fmt: skip
    except (InsufficientDataError, ValueError):
        return None, None
    model = "combined" if (frame["model"] == "combined").any() else frame["model"].iloc[0]
    return frame[frame["model"] == model].set_index("year"), sims


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    """Median and 80% interval of simulated values (the median: a few explosive paths of a
    log-scale model must not drag the point)."""
    mid, lo, hi = np.quantile(values, [0.5, 0.1, 0.9])
    return float(mid), float(lo), float(hi)


def _segment(series: pd.DataFrame, year: int, since: int) -> pd.DataFrame:
    seg = latest_segment(series, as_of=year)
    return seg[seg["year"] >= since] if len(seg) else seg


def facts_for(row, area: str, ctx, year: int, target_low: float, target_high: float,
              *, seed: int, weights, n_paths: int, poor_districts=()) -> tuple[vd.Facts, dict]:  # fmt: skip
    """The facts of one target for one area as of review ``year``, and extra report values.

    Parameters
    ----------
    row : namedtuple
        A row of `load_targets`.
    area : str
        ``"province"`` or a district code.
    ctx : forecast context
        The summary truncated to ``year``.
    target_low, target_high : float
        The target amount or level for this area (district allocations already applied; for
        cumulative targets, the total over the window).

    Returns
    -------
    (Facts, dict)
        The dict holds ``also_report_value`` (e.g. households escaping poverty over the window).
    """
    ind = get_indicator(row.indicator)
    sign = 1.0 if ind.better == "higher" else -1.0
    series = ctx.series(area, row.indicator)
    observed = series.dropna(subset=["value"])
    observed = observed[observed["year"] <= year]
    seg = latest_segment(series, as_of=year)
    latest_year = int(min(year, row.target_year))
    extra = {"also_report_value": math.nan}
    common = dict(better=ind.better, unit=row.unit, target_year=int(row.target_year),
                  latest_year=latest_year, points=len(seg))  # fmt: skip
    horizon = int(row.target_year)
    can_project = year < horizon and len(seg) >= vd.MIN_POINTS

    if row.measure == "cumulative":
        window = list(range(int(row.first_year), int(row.target_year) + 1))
        done = observed[observed["year"].isin(window)]
        missing = tuple(y for y in window if y <= year and y not in set(done["year"]))
        achieved = float((sign * done["value"]).sum())
        prefix = ind.flow_prefix or "poor"
        stock_now = _stock(ctx, area, f"{prefix}_end", latest_year)
        in_std = seg[seg["year"].isin(window)]
        base_stock = (
            _stock(ctx, area, f"{prefix}_start", int(in_std["year"].min()))
            if len(in_std)
            else math.nan
        )
        removed = float((sign * in_std["value"]).sum()) if len(in_std) else math.nan
        if row.also_report:
            also = ctx.series(area, row.also_report)
            also = also[also["year"].isin(window) & (also["year"] <= year)]
            extra["also_report_value"] = float(also["value"].sum(min_count=1))
        projected = lo = hi = prob = math.nan
        if can_project:
            comb, sims = _forecast(ctx, area, row.indicator, horizon, seed, weights, n_paths)
            if sims is not None:
                rest = [y for y in window if y > year]
                paths = sign * np.sum([sims.column(y) for y in rest], axis=0)
                if math.isfinite(stock_now):  # a net reduction cannot exceed the stock
                    paths = np.minimum(paths, stock_now)
                totals = achieved + paths
                projected, lo, hi = _interval(totals)
                prob = float(np.mean(totals >= target_low))
        facts = vd.Facts(
            measure="cumulative", base_year=int(row.first_year), base_value=0.0,
            latest_value=math.nan if missing else achieved, target_value=target_low, window_years=len(window),
            max_attainable=achieved + stock_now if math.isfinite(stock_now) else None,
            base_size=base_stock if math.isfinite(base_stock) else None,
            projected=projected, lo80=lo, hi80=hi, probability=prob,
            stock_now=stock_now, base_stock=base_stock, removed_since_base=removed,
            missing_years=missing, **common,
        )  # fmt: skip
        return facts, extra

    # level and trend: the base
    if int(row.base_year) < int(row.first_year):
        base = _start_value(ctx, area, row.indicator, int(row.first_year))
        base_year = int(row.first_year) - 1  # the start of first_year
    else:
        base = _value_at(observed, int(row.base_year))
        base_year = int(row.base_year)
    # the data lack the base: too little data (never another year's value in its place)
    missing = (
        ()
        if math.isfinite(base)
        else (int(row.first_year) if base_year < int(row.first_year) else base_year,)
    )
    latest_obs = observed[observed["year"] <= latest_year]
    latest = float(latest_obs["value"].iloc[-1]) if len(latest_obs) else math.nan
    latest_year = int(latest_obs["year"].iloc[-1]) if len(latest_obs) else latest_year
    common["latest_year"] = latest_year
    if row.measure == "trend":
        target = base
    elif row.per_year:
        target = base + sign * target_low * (int(row.target_year) - int(row.first_year) + 1)
    else:
        target = target_low if ind.better == "higher" else target_high
        if not math.isfinite(target):
            target = target_high if ind.better == "higher" else target_low
    applicable, why = True, ""
    if row.applies_when == "rate at least one year's fall" and math.isfinite(latest):
        # a fall of N points a year cannot apply where the rate is already below N points
        applicable, why = latest >= target_low, "rate_below_annual"
    bound = ind.upper if ind.better == "higher" else ind.lower
    base_size = None
    if ind.base_column is not None and len(seg):
        at = int(seg["year"].max()) if ind.kind == "coverage" else int(seg["year"].min())
        size = _stock(ctx, area, ind.base_column, at)
        base_size = size if math.isfinite(size) else None
    projected = lo = hi = prob = math.nan
    if can_project and applicable:
        comb, sims = _forecast(ctx, area, row.indicator, horizon, seed, weights, n_paths)
        if sims is not None:
            values = sims.column(horizon)
            if ind.lower is not None or ind.upper is not None:
                values = np.clip(values, ind.lower, ind.upper)
            projected, lo, hi = _interval(values)
            goal = base if row.measure == "trend" else target
            # a target at the bound (coverage of 100%) counts as held when the projection rounds
            # to it at one decimal: a continuous model never reaches 100.000% exactly
            at_bound = row.measure == "level" and bound is not None and sign * (goal - bound) >= 0
            tolerance = COVERAGE_TOLERANCE if at_bound else 1e-9
            prob = float(np.mean(sign * (values - goal) >= -tolerance))
    slope = math.nan
    trend_seg = _segment(series, year, base_year)
    if len(trend_seg) >= 2:
        slope = float(np.polyfit(trend_seg["year"].astype(float), trend_seg["value"], 1)[0])
    previous = _value_at(observed, latest_year - 1)
    facts = vd.Facts(
        measure=row.measure, base_year=base_year, base_value=base, latest_value=latest,
        target_value=target, window_years=int(row.target_year) - base_year,
        max_attainable=float(bound) if bound is not None and row.measure == "level" else None,
        base_size=base_size, applicable=applicable, not_applicable_reason=why,
        projected=projected, lo80=lo, hi80=hi, probability=prob, slope=slope,
        previous_value=previous,
        missing_years=missing,
        base_at_start=int(row.base_year) < int(row.first_year) and base_year == int(row.first_year) - 1,
        base_stock=abs(base) if row.measure == "level" and math.isfinite(base) else None,
        **common,
    )  # fmt: skip
    return facts, extra


# -- the status table ---------------------------------------------------------------------------
def _area_target(row, area: str, ctx, year: int, given: pd.DataFrame):
    """(low, high, source) of a target for one area, or None when it is not listed there."""
    if area == PROVINCE:
        if row.districts == "poor districts":
            return None  # a target for poor districts only
        low, high = row.value_low, row.value_high
        if row.measure == "cumulative" and row.per_year:
            n = int(row.target_year) - int(row.first_year) + 1
            low, high = low * n, high * n if pd.notna(high) else math.nan
        return low, high, "province target"
    if row.districts == "none":
        return None
    if row.districts == "same":
        return row.value_low, row.value_high, "province target applies"
    if row.districts == "poor districts":
        return row.value_low, row.value_high, "national target for poor districts"
    if row.indicator not in ALLOCATABLE:
        return None
    low = high = 0.0
    sources = set()
    target = pd.Series(row._asdict())
    for y in range(int(row.first_year), int(row.target_year) + 1):
        alloc = allocate(target, ctx, min(y, year), given)
        mine = alloc[alloc["area_code"] == area]
        if mine.empty:
            return None
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
    """The verdict on every target for the province and each district, as of review ``year``.

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary table (later years than ``year`` are ignored).
    year : int
        The review year of the report.
    area_codes : sequence of str, optional
        ``"province"`` and/or district codes; default the province and every district.
    seed : int
        Seed of the simulations (the same seed gives the same table).
    targets, allocations : pandas.DataFrame, optional
        Default: ``data/targets/targets.csv`` and ``allocations.csv``.
    weights : None, mapping or ``"backtest"``
        Model weights of the projections.
    n_paths : int
        Simulated paths per model.
    poor_districts : sequence of str
        Districts on the national list of poor districts (Decision 90's N3).

    Returns
    -------
    pandas.DataFrame
        `STATUS_COLUMNS`, one row per target and area: targets whose window has not started by
        ``year`` are left out, and so are targets that do not concern an area (province-only
        targets for districts, N3 for districts not on the list).
    """
    targets = load_targets() if targets is None else validate_targets(targets)
    given = load_allocations() if allocations is None else check_allocations(allocations)
    year = int(year)
    ctx = ProjectionContext(summary).truncate(year)
    if year > ctx.latest_year:
        raise ValueError(f"no data for {year}: the summary ends in {ctx.latest_year}")
    districts = ctx.peers("district")
    areas = [PROVINCE, *districts] if area_codes is None else [str(a) for a in area_codes]
    if weights == "backtest":
        from analysis.projection.backtest import backtest_table, model_weights

        weights = model_weights(backtest_table(ctx.summary, seed=seed))
    poor = {str(d) for d in poor_districts}
    rows = []
    for area in areas:
        for row in targets.itertuples(index=False):
            if int(row.first_year) > year:
                continue  # the window has not started
            if row.districts == "poor districts" and area not in poor:
                continue
            found = _area_target(row, area, ctx, year, given)
            if found is None:
                continue
            low, high, source = found
            local_seed = int(
                np.random.default_rng(
                    [int(seed), *stable_seed(area, row.target_id, row.indicator)]
                ).integers(2**31)
            )
            try:
                facts, extra = facts_for(row, area, ctx, year, low, high, seed=local_seed,
                                         weights=weights, n_paths=n_paths)  # fmt: skip
            except ValueError:  # the area has no data for this indicator
                continue
            out = vd.assess(facts)
            rows.append(
                {
                    "target_id": row.target_id,
                    "scope": row.scope,
                    "area_code": area,
                    "indicator": row.indicator,
                    "measure": row.measure,
                    "unit": row.unit,
                    "first_year": int(row.first_year),
                    "base_year": facts.base_year,
                    "base_value": facts.base_value,
                    "latest_year": facts.latest_year,
                    "latest_value": facts.latest_value,
                    "target_year": facts.target_year,
                    "target_value": facts.target_value,
                    "target_high": high if row.measure == "cumulative" else math.nan,
                    "actual_pace": out.actual_pace,
                    "required_pace": out.required_pace,
                    "pace_ratio": out.pace_ratio,
                    "projected_value": facts.projected,
                    "projected_lo80": facts.lo80,
                    "projected_hi80": facts.hi80,
                    "probability": facts.probability,
                    "status": out.status,
                    "reason_key": out.reason_key,
                    "reason_vi": out.reason("vi"),
                    "reason_en": out.reason("en"),
                    "gap": out.gap,
                    "max_attainable": (
                        facts.max_attainable if facts.max_attainable is not None else math.nan
                    ),
                    "attainable_share": out.attainable_share,
                    "verdict_on": row.verdict_on,
                    "also_report": row.also_report,
                    "also_report_value": extra["also_report_value"],
                    "allocation_source": source,
                    "source": row.source,
                }
            )
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)
