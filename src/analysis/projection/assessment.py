"""Target status for the province and each district: the facts of every target, then its verdict.

Targets are data (``data/targets/targets.csv``, columns documented in ``data/targets/README.md``):
what is measured (``measure``: cumulative, level or trend), its unit, base, window, how it applies
to districts and when it applies at all. This module reads them, shares the province's household
amounts out to districts (`allocate`), gathers for each target and area the facts the rules need
(`analysis.projection.verdicts.Facts`: the base, the latest value, what can still be attained,
the projection by the target year with its 80% interval and the probability of meeting the
target) and asks `analysis.projection.verdicts.assess` for the verdict.

Projections are bounded: a cumulative net reduction can never exceed the households still poor
(simulated totals are capped at the stock), and levels stay within the indicator's bounds (0 for
stocks and rates, 100 for coverage).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core import paths
from analysis.core.errors import WorkbookError
from analysis.projection import forecast as fc
from analysis.projection import verdicts as vd

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
# Start-of-year values of level indicators (the base when base_year < first_year).
_START = {
    "poverty_rate_pct": ("poor_start", "total_households", 100.0),
    "em_poverty_rate_pct": ("em_poor_start", "em_total_households", 100.0),
    "poor_households": ("poor_start", None, 1.0),
    "em_poor_households": ("em_poor_start", None, 1.0),
    "near_poor_households": ("near_poor_start", None, 1.0),
}

STATUS_COLUMNS = [
    "target_id",
    "scope",
    "area_code",
    "indicator",
    "measure",
    "unit",
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
    "attainable_share",
    "verdict_on",
    "also_report",
    "also_report_value",
    "allocation_source",
    "source",
]


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
            fc.get_indicator(row.indicator)
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
    """District shares of ``column`` at ``year`` (or the latest earlier year with data)."""
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


# -- facts ---------------------------------------------------------------------------------------
def _value_at(series: pd.DataFrame, year: int) -> float:
    hit = series.loc[series["year"] == int(year), "value"]
    return float(hit.iloc[0]) if len(hit) and pd.notna(hit.iloc[0]) else math.nan


def _start_value(ctx, area: str, indicator: str, year: int) -> float:
    """The value at the start of review ``year`` (stocks re-classified under that year's
    standard), or NaN when the summary has no start-of-year stocks for it."""
    if indicator == "poor_near_poor_halving":
        return 1.0
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
        frame = fc.project(None, area, indicator, horizon=horizon, weights=weights, seed=seed,
                           n_paths=n_paths, _ctx=ctx)  # fmt: skip
        sims = fc.simulate_paths(None, area, indicator, horizon=horizon, weights=weights,
                                 seed=seed, n_paths=n_paths, _ctx=ctx)  # fmt: skip
    except (fc.InsufficientDataError, ValueError):
        return None, None
    model = "combined" if (frame["model"] == "combined").any() else frame["model"].iloc[0]
    return frame[frame["model"] == model].set_index("year"), sims


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    """Median and 80% interval of simulated values (the median: a few explosive paths of a
    log-scale model must not drag the point)."""
    mid, lo, hi = np.quantile(values, [0.5, 0.1, 0.9])
    return float(mid), float(lo), float(hi)


def _segment(series: pd.DataFrame, year: int, since: int) -> pd.DataFrame:
    seg = fc.latest_segment(series, as_of=year)
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
    ind = fc.get_indicator(row.indicator)
    sign = 1.0 if ind.better == "higher" else -1.0
    series = ctx.series(area, row.indicator)
    observed = series.dropna(subset=["value"])
    observed = observed[observed["year"] <= year]
    seg = fc.latest_segment(series, as_of=year)
    latest_year = int(min(year, row.target_year))
    extra = {"also_report_value": math.nan}
    common = dict(better=ind.better, unit=row.unit, target_year=int(row.target_year),
                  latest_year=latest_year, points=len(seg))  # fmt: skip
    horizon = int(row.target_year)
    can_project = year < horizon and len(seg) >= vd.MIN_POINTS

    if row.measure == "cumulative":
        window = list(range(int(row.first_year), int(row.target_year) + 1))
        done = observed[observed["year"].isin(window)]
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
            latest_value=achieved, target_value=target_low, window_years=len(window),
            max_attainable=achieved + stock_now if math.isfinite(stock_now) else None,
            base_size=base_stock if math.isfinite(base_stock) else None,
            projected=projected, lo80=lo, hi80=hi, probability=prob,
            stock_now=stock_now, base_stock=base_stock, removed_since_base=removed, **common,
        )  # fmt: skip
        return facts, extra

    # level and trend: the base
    if int(row.base_year) < int(row.first_year):
        base = _start_value(ctx, area, row.indicator, int(row.first_year))
        base_year = int(row.first_year) - 1  # the start of first_year
    else:
        base = _value_at(observed, int(row.base_year))
        base_year = int(row.base_year)
    if not math.isfinite(base) and len(observed):  # data start later: the first value
        first = observed[observed["year"] >= int(row.first_year)]
        if len(first):
            base, base_year = float(first["value"].iloc[0]), int(first["year"].iloc[0])
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
    if row.applies_when == "rate at least one year's fall" and math.isfinite(base):
        applicable, why = base >= target_low, "rate_below_annual"
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
            prob = float(np.mean(sign * (values - goal) >= -1e-9))
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
        base_at_start=int(row.base_year) < int(row.first_year) and base_year == int(row.first_year) - 1,
        base_stock=abs(base) if row.measure == "level" and math.isfinite(base) else None,
        **common,
    )  # fmt: skip
    return facts, extra


# -- the status table ---------------------------------------------------------------------------
def _area_target(row, area: str, ctx, year: int, given: pd.DataFrame):
    """(low, high, source) of a target for one area, or None when it is not listed there."""
    if area == fc.PROVINCE:
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
    ctx = fc._Context(summary).truncate(year)
    if year > ctx.latest_year:
        raise ValueError(f"no data for {year}: the summary ends in {ctx.latest_year}")
    districts = ctx.peers("district")
    areas = [fc.PROVINCE, *districts] if area_codes is None else [str(a) for a in area_codes]
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
                    [int(seed), *fc._stable_seed(area, row.target_id, row.indicator)]
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
                    "attainable_share": out.attainable_share,
                    "verdict_on": row.verdict_on,
                    "also_report": row.also_report,
                    "also_report_value": extra["also_report_value"],
                    "allocation_source": source,
                    "source": row.source,
                }
            )
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)
