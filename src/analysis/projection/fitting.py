"""Run the projection models of one indicator for one area, with reproducible random draws.

`run_models` fits each requested model (``ols`` and ``ets`` of :mod:`analysis.projection.models`,
``flow`` of :mod:`analysis.projection.flow`) on the latest standard segment of the area's series
and forecasts the given years; :mod:`analysis.projection.combine` combines the results and
:mod:`analysis.projection.backtest` scores them.

All randomness goes through ``numpy.random.Generator`` objects seeded from ``seed``, the area,
the indicator and the model (`model_rng`, from `stable_seed`), so a run is reproducible and does
not depend on the order of the models or on what else ran before it.

Every model's paths, means and intervals respect the bounds of
:mod:`analysis.projection.bounds` (stocks >= 0, rates and coverage within [0, 100], a net
reduction never above the remaining stock).

How each model is set up for the reports' short segments (3 reviews), from the backtests of
``bench/calibration.md``:

* OLS fits coverage ratios on the logit scale (`logit_scale`), stocks and rates on logs, the
  rest on the raw scale, and its residual variance is pooled with the peer areas'
  (`ols_prior`: the districts for a district and for the province; flows in households are
  pooled relative to each series' mean level);
* ETS with fixed parameters (fewer than 10 points) is run only when it is the one model asked
  for: it is left out of combinations (`run_models`, `combinable`; the reasons, with numbers, are
  in :mod:`analysis.projection.models`).
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from analysis.projection.bounds import apply_bounds, path_bounds
from analysis.projection.context import PROVINCE, ProjectionContext
from analysis.projection.flow import fit_flow_model
from analysis.projection.indicators import get_indicator
from analysis.projection.models import (
    ETS_MIN_ESTIMATE,
    MIN_POINTS,
    InsufficientDataError,
    ModelForecast,
    ets_forecast,
    ols_forecast,
    variance_prior,
)
from analysis.projection.series import latest_segment

MODELS = ("ols", "ets", "flow")


def stable_seed(*parts) -> list[int]:
    """Seed words derived from names, the same in every process and Python version.

    Parameters
    ----------
    *parts
        Anything with a stable ``str`` (area codes, indicator codes, model names).

    Returns
    -------
    list of int
        The CRC-32 of each part's UTF-8 text, for ``numpy.random.default_rng([seed, *words])``.
    """
    return [zlib.crc32(str(p).encode("utf-8")) for p in parts]


def model_rng(seed: int, area_code: str, indicator: str, model: str) -> np.random.Generator:
    """The random generator of one model (or of the ``"combined"`` mixture) for one series.

    Parameters
    ----------
    seed : int
        The caller's seed.
    area_code, indicator, model : str

    Returns
    -------
    numpy.random.Generator
    """
    return np.random.default_rng([int(seed), *stable_seed(area_code, indicator, model)])


def ols_prior(
    ctx: ProjectionContext, area_code: str, indicator: str, years
) -> tuple[float, float] | None:
    """Prior of the OLS residual variance of one series, from its peer areas (module docstring).

    Parameters
    ----------
    ctx : ProjectionContext
    area_code : str
        The area fitted; its peers are the areas of its level (the districts for the province).
    indicator : str
    years : sequence of int
        The fitted years: each peer's series is fitted on the same years.

    Returns
    -------
    tuple of float or None
        ``(s0^2, d0)`` on the area's fitted scale (`analysis.projection.models.variance_prior`),
        or None (fewer than 3 peers with a residual variance, or no peers).
    """
    ind = get_indicator(indicator)
    level = ctx.level_of(area_code)
    peer_level = "district" if level == PROVINCE else level
    logit = logit_scale(ind)
    relative = not ind.log and not logit and ind.unit == "households"

    def compute():
        try:
            peers = ctx.peers(peer_level)
            ctx.fill_tables(peers)
            series = [ctx.series(code, indicator) for code in peers]
        except ValueError:
            return None
        variances, dfs = [], []
        for frame in series:
            frame = frame[frame["year"].isin(list(years))].dropna(subset=["value"])
            if len(frame) < 3:
                continue
            v = frame["value"].to_numpy(dtype=float)
            if logit:
                if np.any((v <= 0) | (v >= 100)):
                    continue
                v = np.log(v / (100.0 - v))
            elif ind.log:
                if np.any(v <= 0):
                    continue
                v = np.log(v)
            elif relative:
                level_of = float(np.mean(np.abs(v)))
                if level_of <= 0:
                    continue
                v = v / level_of
            x = frame["year"].to_numpy(dtype=float)
            slope, icpt = np.polyfit(x - x.mean(), v, 1)
            resid = v - (icpt + slope * (x - x.mean()))
            variances.append(float(resid @ resid) / (len(v) - 2))
            dfs.append(len(v) - 2)
        return variance_prior(variances, dfs)

    prior = ctx.memo(("ols_prior", peer_level, indicator, tuple(int(y) for y in years)), compute)
    if prior is None or not relative:
        return prior
    own = ctx.series(area_code, indicator)
    own = own.loc[own["year"].isin(list(years)), "value"].dropna().abs()
    scale = float(own.mean()) if len(own) else float("nan")
    return (prior[0] * scale**2, prior[1]) if np.isfinite(scale) and scale > 0 else None


def logit_scale(ind) -> bool:
    """Whether OLS fits an indicator on the logit scale: coverage ratios (module docstring)."""
    return ind.kind == "coverage"


def combinable(forecasts: dict) -> dict:
    """The forecasts that enter a combination: all but ETS with fixed parameters.

    Parameters
    ----------
    forecasts : dict
        Model -> ModelForecast.

    Returns
    -------
    dict
        The same without an ETS forecast whose parameters were fixed (module docstring).
    """
    return {
        m: f
        for m, f in forecasts.items()
        if not (m == "ets" and f.params.get("estimated") is False)
    }


def run_models(
    ctx: ProjectionContext,
    area_code: str,
    indicator: str,
    future,
    models,
    seed: int,
    n_paths: int,
    min_points: int = MIN_POINTS,
    strict: bool = True,
    fixed_ets: bool = False,
) -> tuple[dict[str, ModelForecast], dict[str, str], pd.DataFrame]:
    """Run each model on the latest standard segment of one area's series.

    Parameters
    ----------
    ctx : ProjectionContext
        Context of the summary (truncate it first to fit on earlier years only).
    area_code : str
    indicator : str
        A key of :data:`analysis.projection.indicators.INDICATORS`.
    future : array-like of int
        Years to forecast, after the last observed year.
    models : sequence of str
        Any of `MODELS`, run in this order.
    seed : int
        Seed of the random draws (see `model_rng`).
    n_paths : int
        Simulated paths per model (0 for point forecasts and intervals only).
    min_points : int
        Points a model needs in the segment (3; backtests use 2).
    strict : bool
        Whether a single requested model that fails raises (otherwise it is skipped).
    fixed_ets : bool
        Run ETS with fixed parameters (fewer than 10 points) next to other models too; by
        default it only runs when it is the one model requested (module docstring). Backtests
        set it to score it.

    Returns
    -------
    tuple
        ``(forecasts, skipped, segment)``: `ModelForecast` by model, the error message by model
        that could not run, and the fitted segment (a frame of `latest_segment`).

    Raises
    ------
    ValueError
        Unknown indicator or model.
    InsufficientDataError
        Too few points in the segment, or no model could run.
    """
    ind = get_indicator(indicator)
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; known: {', '.join(MODELS)}")
    series = ctx.series(area_code, indicator)
    seg = latest_segment(series)
    if len(seg) < min_points:
        raise InsufficientDataError(
            f"too few points for {indicator} in {area_code}: {len(seg)} in the latest standard "
            f"segment{' (' + seg['standard'].iloc[0] + ')' if len(seg) else ''}, need at least {min_points}"
        )
    out, skipped = {}, {}
    for model in models:
        rng = model_rng(seed, area_code, indicator, model)
        if model == "ets" and len(models) > 1 and len(seg) < ETS_MIN_ESTIMATE and not fixed_ets:
            skipped[model] = (
                f"ETS with fixed parameters ({len(seg)} points < {ETS_MIN_ESTIMATE}) is not "
                "combined: least accurate model in the backtests"
            )
            continue
        try:
            if model == "ols":
                out[model] = ols_forecast(
                    seg["year"],
                    seg["value"],
                    future,
                    log=ind.log,
                    lower=ind.lower,
                    upper=ind.upper,
                    n_paths=n_paths,
                    rng=rng,
                    min_points=min_points,
                    prior=ols_prior(ctx, area_code, indicator, seg["year"].tolist()),
                    logit=logit_scale(ind),
                )
            elif model == "ets":
                out[model] = ets_forecast(
                    seg["year"],
                    seg["value"],
                    future,
                    log=ind.log,
                    lower=ind.lower,
                    upper=ind.upper,
                    n_paths=n_paths,
                    rng=rng,
                    min_points=min_points,
                )
            else:
                if ind.flow_prefix is None:
                    raise ValueError(f"the flow model does not apply to {indicator}")
                out[model] = fit_flow_model(ctx, area_code, ind, future, n_paths, rng, min_points)
        except (InsufficientDataError, ValueError) as err:
            if strict and len(models) == 1:
                raise
            skipped[model] = str(err)
    bounds = path_bounds(ctx, area_code, indicator)
    for f in out.values():
        f.paths = apply_bounds(f.paths, bounds)
        f.mean, f.lo80, f.hi80, f.lo95, f.hi95 = (
            apply_bounds(a, bounds) for a in (f.mean, f.lo80, f.hi80, f.lo95, f.hi95)
        )
    if not out:
        raise InsufficientDataError(
            f"no model could project {indicator} for {area_code}: "
            + "; ".join(f"{m}: {e}" for m, e in skipped.items())
        )
    return out, skipped, seg
