"""The forecasts, stated: projected values of the headline indicators for every year to 2030.

`outlook_table` gives, for one area, the projected poor households, poverty rate, near-poor
households and ethnic-minority poor households for each year after the review up to the horizon,
with the point (median of the simulated paths), the 80% and 95% intervals, and the standard
basis of each value. Projections are fitted within the latest standard only and bounded (stocks
and rates at least 0, rates at most 100). Years from the first year of a new standard on
(2027: NĐ 351/2025) are on the basis of the standard the fit used, continued ("ND07_2021
continued"), unless a bridge to the new standard is given (`analysis.projection.bridge`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.projection.combine import simulate_paths
from analysis.projection.fitting import stable_seed
from analysis.projection.indicators import get_indicator
from analysis.projection.models import MIN_POINTS, InsufficientDataError
from analysis.projection.series import latest_segment
from analysis.reference.standards import standard_for_year

#: The indicators the reports state forecasts for, in display order.
OUTLOOK_INDICATORS = (
    "poor_households",
    "poverty_rate_pct",
    "near_poor_households",
    "em_poor_households",
)
OUTLOOK_COLUMNS = [
    "area_code",
    "indicator",
    "year",
    "basis",
    "point",
    "lo80",
    "hi80",
    "lo95",
    "hi95",
    "fit_years",
    "bridged",
    "note",
]
QUANTILES = (0.5, 0.1, 0.9, 0.025, 0.975)


def quantile_rows(values: np.ndarray, lower=None, upper=None) -> tuple[float, ...]:
    """Median, 80% and 95% limits of simulated values (``n_paths``), clipped to the bounds."""
    if lower is not None or upper is not None:
        values = np.clip(values, lower, upper)
    return tuple(float(q) for q in np.quantile(values, QUANTILES))


def outlook_table(
    ctx,
    area_code: str,
    year: int,
    *,
    horizon: int = 2030,
    indicators=OUTLOOK_INDICATORS,
    seed: int = 20211126,
    weights=None,
    n_paths: int = 1000,
    bridge=None,
) -> pd.DataFrame:
    """Projected values of the headline indicators for one area, each year to ``horizon``.

    Parameters
    ----------
    ctx : forecast context
        The summary (later years than ``year`` are ignored).
    area_code : str
        ``"province"`` or a district code.
    year : int
        The review year of the report: projections start the year after.
    horizon : int
        Last projected year.
    indicators : sequence of str
        Indicator codes (default `OUTLOOK_INDICATORS`).
    seed, weights, n_paths
        As for the projections of the target verdicts (same seeds give the same table).
    bridge : analysis.projection.bridge.Bridge, optional
        Factors between the fit's standard and the next one, estimated from household records
        (`analysis.projection.bridge.estimate_bridge`). With it, every year under the next
        standard gets a second row on that standard's basis (``bridged`` True): each simulated
        path is multiplied by one bootstrap replicate of the area's factor.

    Returns
    -------
    pandas.DataFrame
        `OUTLOOK_COLUMNS`: one row per indicator and projected year; ``basis`` is the standard
        the value is on (``"ND07_2021"``, or ``"ND07_2021 continued"`` for years under a later
        standard); ``note`` says why an indicator has no rows' values (too few reviews under the
        current standard: the values are NaN and the note says so).
    """
    ctx = ctx.truncate(int(year))
    rows = []
    for indicator in indicators:
        ind = get_indicator(indicator)
        try:
            series = ctx.series(str(area_code), indicator)
        except ValueError:
            continue
        seg = latest_segment(series, as_of=year)
        if seg.empty:
            continue
        fit_code = str(seg["standard"].iloc[0])
        fit_years = f"{int(seg['year'].min())}-{int(seg['year'].max())}"
        future = range(int(year) + 1, int(horizon) + 1)
        local = int(
            np.random.default_rng([int(seed), *stable_seed(area_code, indicator)]).integers(2**31)
        )
        sims, note = None, ""
        if len(seg) < MIN_POINTS:
            note = f"too_few_reviews:{len(seg)}"
        else:
            try:
                sims = simulate_paths(None, str(area_code), indicator, horizon=int(horizon),
                                      weights=weights, seed=local, n_paths=n_paths, context=ctx)  # fmt: skip
            except (InsufficientDataError, ValueError) as err:
                note = f"no_projection:{err}"
        factors = _factor_draws(bridge, area_code, indicator, n_paths, local)
        for y in future:
            code = standard_for_year(y).code
            basis = fit_code if code == fit_code else f"{fit_code} continued"
            if sims is None:
                values = (math.nan,) * len(QUANTILES)
            else:
                values = quantile_rows(sims.column(y), ind.lower, ind.upper)
            rows.append((str(area_code), indicator, y, basis, *values, fit_years, False, note))
            if code != fit_code and factors is not None and sims is not None:
                bridged = sims.column(y)[: len(factors)] * factors[: len(sims.column(y))]
                values = quantile_rows(bridged, ind.lower, ind.upper)
                rows.append((str(area_code), indicator, y, code, *values, fit_years, True, note))
    return pd.DataFrame(rows, columns=OUTLOOK_COLUMNS)


def _factor_draws(bridge, area_code, indicator, n_paths, seed):
    """``n_paths`` bootstrap replicates of the area's factor for ``indicator`` (None if none)."""
    if bridge is None:
        return None
    try:
        draws = bridge.factor_draws(str(area_code), indicator)
    except ValueError:  # no factor for this area or measure
        return None
    if not len(draws):
        return None
    return np.random.default_rng([int(seed), 351]).choice(draws, size=n_paths, replace=True)
