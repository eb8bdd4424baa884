"""Run the projection models of one indicator for one area, with reproducible random draws.

`run_models` fits each requested model (``ols`` and ``ets`` of :mod:`analysis.projection.models`,
``flow`` of :mod:`analysis.projection.flow`) on the latest standard segment of the area's series
and forecasts the given years; :mod:`analysis.projection.combine` combines the results and
:mod:`analysis.projection.backtest` scores them.

All randomness goes through ``numpy.random.Generator`` objects seeded from ``seed``, the area,
the indicator and the model (`model_rng`, from `stable_seed`), so a run is reproducible and does
not depend on the order of the models or on what else ran before it.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from analysis.projection.context import ProjectionContext
from analysis.projection.flow import fit_flow_model
from analysis.projection.indicators import get_indicator
from analysis.projection.models import (
    MIN_POINTS,
    InsufficientDataError,
    ModelForecast,
    ets_forecast,
    ols_forecast,
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
    if not out:
        raise InsufficientDataError(
            f"no model could project {indicator} for {area_code}: "
            + "; ".join(f"{m}: {e}" for m, e in skipped.items())
        )
    return out, skipped, seg
