"""What a projected value can be: the bounds every simulated path of an indicator must respect.

A simulated path is a sequence of yearly values after the last observed year. Two kinds of
bound apply (`PathBounds`, made for one area and indicator by `path_bounds`, applied to
``n_paths x years`` arrays by `apply_bounds`):

Per-year bounds
    The indicator's ``lower`` and ``upper`` of ``indicators.csv``: stocks and counts at least 0,
    rates and coverage within [0, 100], rate changes within [-100, 100]; and household counts at
    most the households of their population at the last observation (a poor stock cannot exceed
    all households; before this bound, and the pooled OLS variance of
    :mod:`analysis.projection.models`, the combined 2030 paths of the poor stock on the bundled
    data had means of 1e12 (province) to 1e113 households (Bù Đăng) from t(1) draws on logs).
Cumulative bounds
    A net reduction of the poor (``poor_reduction_households``, ``em_poor_reduction_households``:
    start minus end of year) can never remove more households than are poor at the last
    observation: the running sum of a path's reductions stays at or below that stock (and so does
    each single year). A change of the poverty rate (``poverty_rate_change_points``...) can never
    take the rate below 0 or above 100: the running sum of a path's changes stays within
    ``[-rate, 100 - rate]``.

Without the cumulative bound, trend models of the annual reduction (OLS, ETS) extrapolate a
past pace beyond the stock that remains: on the bundled data (reports' settings, review 2024)
3.5% of the province's simulated 2025 reductions removed more poor households than existed
(6.1% in Bù Đăng), and 6.6% of its 2025-2030 paths in total (15.8% in Bù Đăng); none do now. `apply_bounds` caps the running sum and
rebuilds the yearly values from it, so that a capped path reduces by exactly the remaining stock
and then by nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.projection.context import ProjectionContext
from analysis.projection.indicators import get_indicator


@dataclass(frozen=True)
class PathBounds:
    """Bounds of the simulated values of one indicator for one area.

    Attributes
    ----------
    lower, upper : float or None
        Bounds of each year's value (None: none).
    cum_lower, cum_upper : float or None
        Bounds of the running sum of the yearly values from the first projected year (None: none).
    """

    lower: float | None = None
    upper: float | None = None
    cum_lower: float | None = None
    cum_upper: float | None = None


def _last_value(ctx: ProjectionContext, area_code: str, column: str) -> float:
    table = ctx.table(area_code)
    if column not in table:
        return math.nan
    values = table[column].dropna()
    return float(values.iloc[-1]) if len(values) else math.nan


def _total_column(ind) -> str:
    em = (ind.flow_prefix or "").startswith("em")
    return "em_total_households" if em else "total_households"


def path_bounds(ctx: ProjectionContext, area_code: str, indicator: str) -> PathBounds:
    """The bounds of one indicator's simulated paths for one area (see the module docstring).

    Parameters
    ----------
    ctx : ProjectionContext
        The context the projection is fitted on (its last year is the last observation).
    area_code : str
    indicator : str

    Returns
    -------
    PathBounds
        Household counts (stocks and flows) are also bounded by the households of their
        population at the last observation (all households, or the ethnic-minority ones): a
        log-scale trend with heavy-tailed draws cannot run to astronomical values. Cumulative
        bounds only for net reductions and rate changes, when the last stock is known.
    """
    ind = get_indicator(indicator)
    lower, upper = ind.lower, ind.upper
    try:
        ctx.table(area_code)
    except ValueError:  # unknown area: the indicator's own bounds
        return PathBounds(lower, upper)
    total = _last_value(ctx, area_code, _total_column(ind))
    if ind.unit == "households" and math.isfinite(total) and total > 0:
        upper = total if upper is None else min(upper, total)
    if ind.flow_prefix is None or ind.flow_output not in ("reduction", "change"):
        return PathBounds(lower, upper)
    stock = _last_value(ctx, area_code, f"{ind.flow_prefix}_end")
    if not math.isfinite(stock):
        return PathBounds(lower, upper)
    stock = max(stock, 0.0)
    if ind.flow_output == "reduction":
        upper = stock if upper is None else min(upper, stock)
        return PathBounds(lower, upper, None, stock)
    if not math.isfinite(total) or total <= 0:
        return PathBounds(lower, upper)
    rate = min(100.0, 100.0 * stock / total)
    return PathBounds(lower, upper, -rate, 100.0 - rate)


def apply_bounds(values: np.ndarray | None, bounds: PathBounds) -> np.ndarray | None:
    """Values with every bound applied (a new array; None stays None).

    Parameters
    ----------
    values : numpy.ndarray or None
        ``n_paths x years`` (consecutive years from the first projected one) or one year's
        values (1-D: only the per-year bounds apply).
    bounds : PathBounds

    Returns
    -------
    numpy.ndarray or None
        Per-year values clipped to ``[lower, upper]``; for 2-D input, paths whose running sum
        leaves ``[cum_lower, cum_upper]`` are capped there (the year that crosses the bound gets
        what remains), then clipped per year again; the implied stock then never leaves its
        range (a reduction path ends at 0 poor households at most).
    """
    if values is None:
        return None
    out = np.asarray(values, dtype=float)
    lo = -np.inf if bounds.lower is None else bounds.lower
    hi = np.inf if bounds.upper is None else bounds.upper
    out = np.clip(out, lo, hi)
    if out.ndim == 2 and (bounds.cum_lower is not None or bounds.cum_upper is not None):
        clo = -np.inf if bounds.cum_lower is None else bounds.cum_lower
        chi = np.inf if bounds.cum_upper is None else bounds.cum_upper
        running = np.clip(np.nancumsum(out, axis=1), clo, chi)
        running = np.where(np.isnan(out), np.nan, running)
        out = np.diff(np.column_stack([np.zeros(len(out)), running]), axis=1)
        out = np.clip(out, lo, hi)
    return out
