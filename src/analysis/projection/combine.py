"""Projections of poverty indicators to 2025 and 2030: the models combined, one standard at a time.

Combination
-----------
`project` returns one row per model and year plus a ``combined`` row per year, and
`simulate_paths` the combined forecast's paths (``n_paths x years``) for probabilities of meeting
a target. The combined forecast is made by
:func:`analysis.projection.calibration.combine_paths`: the weighted mixture of the models'
simulated paths, **recalibrated** per indicator group with the factors measured on the backtests
(``calibration.csv``; ``calibrate=False`` leaves them out), and **bounded**
(:mod:`analysis.projection.bounds`: stocks >= 0, rates and coverage within [0, 100], a net
reduction never above the remaining stock). The ``combined`` rows give the mean of those paths
(the weighted mean of the models' means when no model has paths) and their 80% and 95% limits.
``weights=None`` gives equal weights, a mapping gives fixed weights, ``"backtest"`` uses
`analysis.projection.backtest.model_weights` (inverse mean absolute error of rolling-origin
backtests, per indicator group); a `analysis.projection.backtest.GroupWeights` (what
``model_weights`` returns) gives each indicator its group's weights. ETS with fixed parameters
(fewer than 10 points in the segment) is left out of combinations
(:mod:`analysis.projection.fitting`). The models (:mod:`analysis.projection.models`,
:mod:`analysis.projection.flow`) are run by :mod:`analysis.projection.fitting`, whose random
draws are seeded from ``seed``, the area, the indicator and the model, so a call is reproducible
and does not depend on the order of the models. Calls that pass the same `ProjectionContext`
share its tables, series and model runs.

Standards and re-basing
-----------------------
Every model is fitted on the latest standard segment of the observed series only (see
:mod:`analysis.projection.series`). Projections for years governed by another standard than the
fitted one (NĐ 351/2025 from the 2027 review) are expressed through an explicit re-basing
assumption, and each output row says which (columns ``standard_basis`` and ``note``):

``rebase="none"`` (default)
    continue on the fitted basis: the 2027-2030 values are what the NĐ07 standard *would* show;
    ``standard_basis`` reads ``"ND07_2021 (continued; ND351_2025 in force)"``.
a positive number ``f``
    scenario for the new, higher line: level-type values (households, rates, flows) for years under
    the new standard are multiplied by ``f`` (e.g. 1.5); coverage ratios, ĐBKK commune counts and
    the halving ratio are not scaled (they do not move with the income line, or are re-based to a
    new base). ``standard_basis`` reads ``"ND351_2025 scenario (ND07_2021 x f)"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from analysis.projection.backtest import GroupWeights, backtest_table, model_weights
from analysis.projection.bounds import path_bounds
from analysis.projection.calibration import combine_paths
from analysis.projection.context import ProjectionContext
from analysis.projection.fitting import MODELS, model_rng, run_models
from analysis.projection.indicators import INDICATORS, get_indicator
from analysis.projection.models import DEFAULT_PATHS, InsufficientDataError, interval_quantiles
from analysis.projection.series import latest_segment, standard_code


def _resolve_weights(weights, models, summary, seed, indicator) -> dict:
    if weights is None:
        return dict.fromkeys(models, 1.0)
    if isinstance(weights, str):
        if weights != "backtest":
            raise ValueError("weights must be None, a mapping model -> weight, or 'backtest'")
        weights = model_weights(backtest_table(summary, seed=seed))
    if isinstance(weights, GroupWeights):
        weights = weights.for_indicator(indicator)
    bad = [m for m in weights if m not in MODELS]
    if bad:
        raise ValueError(f"weights for unknown model(s) {bad}")
    if any(w < 0 for w in weights.values()):
        raise ValueError("weights must be non-negative")
    return {m: float(weights.get(m, 0.0)) for m in models}


def _basis(year: int, fit_code: str, rebase) -> tuple[str, str, float]:
    """(standard_basis, note, factor) for one projected year."""
    code = standard_code(year)
    if code == fit_code:
        return fit_code, "", 1.0
    if code == "none":
        return (
            f"{fit_code} (continued; no standard defined for {year})",
            f"no poverty standard is defined for {year}",
            1.0,
        )
    if rebase == "none":
        return (
            f"{fit_code} (continued; {code} in force)",
            f"{code} governs {year}; value continues the {fit_code} basis, not comparable with {code} reviews",
            1.0,
        )
    return (
        f"{code} scenario ({fit_code} x {rebase:g})",
        f"{code} governs {year}; scenario: {fit_code}-basis level x {rebase:g} for the new line (assumption)",
        float(rebase),
    )


def _check_rebase(rebase):
    if isinstance(rebase, str):
        if rebase != "none":
            raise ValueError("rebase must be 'none' or a positive factor")
        return rebase
    try:
        factor = float(rebase)
    except (TypeError, ValueError):
        raise ValueError("rebase must be 'none' or a positive factor") from None
    if not np.isfinite(factor) or factor <= 0:
        raise ValueError("rebase must be 'none' or a positive factor")
    return factor


@dataclass
class Paths:
    """Simulated future paths of one indicator for one area.

    ``values`` is ``n_paths x len(years)`` (``numpy.asarray(paths)`` gives it too).
    """

    values: np.ndarray
    years: np.ndarray
    area_code: str
    indicator: str
    standard_basis: list
    note: str

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.values, dtype=dtype)

    def column(self, year: int) -> np.ndarray:
        """Simulated values of one year."""
        idx = np.flatnonzero(self.years == int(year))
        if not len(idx):
            raise ValueError(
                f"{year} is not a simulated year ({self.years.min()}-{self.years.max()})"
            )
        return self.values[:, idx[0]]


def _prepare(
    summary, area_code, indicator, horizon, models, weights, seed, as_of, rebase, n_paths, ctx=None
):
    """What `project` and `simulate_paths` share: ``(context, future years, forecasts by model,
    skipped models, fitted segment, normalised weights, rebase)``, cached in ``ctx``."""
    if isinstance(weights, GroupWeights):
        weights = weights.for_indicator(indicator)
    prepare = partial(
        _prepare_uncached,
        summary, area_code, indicator, horizon, models, weights, seed, as_of, rebase, n_paths, ctx,
    )  # fmt: skip
    key = None
    if ctx is not None and as_of is None:
        # project() and simulate_paths() of the same area and settings on one context (as in
        # analysis.projection.status) share the model runs: same seeds, so the same draws.
        try:
            weights_key = (
                tuple(sorted(weights.items())) if isinstance(weights, Mapping) else weights
            )
            key = (
                "prepare", str(area_code), indicator, horizon, tuple(models), weights_key,
                seed, rebase, n_paths,
            )  # fmt: skip
            hash(key)
        except TypeError:
            key = None
    if key is None:
        return prepare()
    c, future, forecasts, skipped, seg, w, r = ctx.memo(key, prepare)
    return c, future.copy(), dict(forecasts), dict(skipped), seg.copy(), dict(w), r


def _prepare_uncached(
    summary, area_code, indicator, horizon, models, weights, seed, as_of, rebase, n_paths, ctx
):
    get_indicator(indicator)
    rebase = _check_rebase(rebase)
    ctx = (ctx if ctx is not None else ProjectionContext(summary)).truncate(as_of)
    area_code = str(area_code)
    series = ctx.series(area_code, indicator)
    seg = latest_segment(series)
    if seg.empty:
        raise InsufficientDataError(
            f"too few points for {indicator} in {area_code}: no observed values"
        )
    last = int(seg["year"].max())
    if int(horizon) <= last:
        raise ValueError(f"horizon {horizon} must be after the last observed year {last}")
    future = np.arange(last + 1, int(horizon) + 1)
    models = tuple(models)
    forecasts, skipped, seg = run_models(ctx, area_code, indicator, future, models, seed, n_paths)
    w = _resolve_weights(weights, tuple(forecasts), ctx.summary, seed, indicator)
    if sum(w.values()) <= 0:
        w = dict.fromkeys(forecasts, 1.0)
    total = sum(w.values())
    w = {m: v / total for m, v in w.items()}
    return ctx, future, forecasts, skipped, seg, w, rebase


def _combined(ctx, area_code, indicator, forecasts, w, n_paths, seed, calibrate):
    """Paths of the combined forecast (`analysis.projection.calibration.combine_paths`)."""
    rng = model_rng(seed, area_code, indicator, "combined")
    bounds = path_bounds(ctx, str(area_code), indicator)
    scales = None if calibrate else {}
    return combine_paths(forecasts, w, INDICATORS[indicator], bounds, n_paths, rng, scales)


def _rows(ind, area_code, future, fit_code, fit_years, rebase, model, bands, weight, note):
    """The output rows of `project` for one model (or the combination), one per future year."""
    mean, median, lo80, hi80, lo95, hi95 = bands
    for i, year in enumerate(future):
        basis, bnote, factor = _basis(int(year), fit_code, rebase)
        factor = factor if ind.rebase_scales else 1.0
        if bnote and not ind.rebase_scales and rebase != "none":
            bnote += f"; {ind.name} is not scaled by the re-basing factor"
            basis = f"{fit_code} (continued; {standard_code(int(year))} in force)"
        yield {
            "area_code": area_code,
            "indicator": ind.name,
            "year": int(year),
            "model": model,
            "mean": mean[i] * factor,
            "median": median[i] * factor,
            "lo80": lo80[i] * factor,
            "hi80": hi80[i] * factor,
            "lo95": lo95[i] * factor,
            "hi95": hi95[i] * factor,
            "weight": weight,
            "fit_years": fit_years,
            "fit_standard": fit_code,
            "standard_basis": basis,
            "note": "; ".join(p for p in (note, bnote) if p),
        }


def project(
    summary: pd.DataFrame,
    area_code: str,
    indicator: str,
    horizon: int = 2030,
    models=("ols", "ets", "flow"),
    weights=None,
    seed: int = 20211126,
    *,
    as_of: int | None = None,
    rebase="none",
    n_paths: int = DEFAULT_PATHS,
    context: ProjectionContext | None = None,
    calibrate: bool = True,
) -> pd.DataFrame:
    """Project one indicator of one area to ``horizon`` with several models and their combination.

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary table.
    area_code : str
        ``"province"`` or an area code.
    indicator : str
        Key of `INDICATORS`.
    horizon : int
        Last projected year (2030 by default; 2025 is included on the way).
    models : sequence of str
        Any of ``"ols"``, ``"ets"``, ``"flow"``. Models that do not apply (the flow model for
        coverage, say) or cannot be fitted are left out and named in the ``combined`` rows'
        note; a single requested model that fails raises.
    weights : None, mapping or ``"backtest"``
        Combination weights (see the module docstring).
    seed : int
        Seed of all random draws.
    as_of : int, optional
        Use only review years up to this one.
    rebase : ``"none"`` or float
        Re-basing assumption for years under a later standard (module docstring).
    n_paths : int
        Simulated paths per model.
    context : ProjectionContext, optional
        A context of the summary to share tables, series and model runs with other calls (the
        ``project`` and ``simulate_paths`` of one area, as target status does); ``summary`` is
        then not used and may be None.
    calibrate : bool
        Recalibrate the combined forecast with the bundled factors (module docstring).

    Returns
    -------
    pandas.DataFrame
        ``area_code, indicator, year, model, mean, median, lo80, hi80, lo95, hi95, weight,
        fit_years, fit_standard, standard_basis, note``; one row per model and year, plus
        ``combined`` rows when more than one model ran. ``median`` is that of the simulated paths
        (the mean without paths): the point the target verdicts and forecast tables state, and
        the better centre line for skewed forecasts (a log-scale stock in 2030).

    Raises
    ------
    ValueError
        Unknown indicator, model or area; horizon not after the data.
    InsufficientDataError
        Fewer than 3 points in the latest standard segment.
    """
    ctx, future, forecasts, skipped, seg, w, rebase = _prepare(
        summary, area_code, indicator, horizon, models, weights, seed, as_of, rebase, n_paths,
        context,
    )  # fmt: skip
    ind = INDICATORS[indicator]
    fit_code = str(seg["standard"].iloc[0])
    fit_years = f"{int(seg['year'].min())}-{int(seg['year'].max())}"
    rows = []

    def emit(model, bands, weight, note):
        rows.extend(
            _rows(
                ind, str(area_code), future, fit_code, fit_years, rebase, model, bands, weight, note
            )
        )

    for model, f in forecasts.items():
        median = np.nanmedian(f.paths, axis=0) if f.paths is not None else f.mean
        emit(model, (f.mean, median, f.lo80, f.hi80, f.lo95, f.hi95), w[model], f.note)
    if len(forecasts) > 1 or skipped:
        mix = _combined(ctx, area_code, indicator, forecasts, w, n_paths, seed, calibrate)
        if mix is not None:
            mean, median = mix.mean(axis=0), np.median(mix, axis=0)
            lo80, hi80, lo95, hi95 = interval_quantiles(mix)
        else:
            mean = median = sum(w[m] * f.mean for m, f in forecasts.items())
            lo80 = hi80 = lo95 = hi95 = np.full(len(future), np.nan)
        note = "weighted mean of " + ", ".join(f"{m} {w[m]:.2f}" for m in forecasts)
        if skipped:
            note += "; left out: " + "; ".join(f"{m} ({e})" for m, e in skipped.items())
        emit("combined", (mean, median, lo80, hi80, lo95, hi95), 1.0, note)
    return pd.DataFrame(rows)


def simulate_paths(
    summary: pd.DataFrame,
    area_code: str,
    indicator: str,
    horizon: int = 2030,
    models=("ols", "ets", "flow"),
    weights=None,
    seed: int = 20211126,
    *,
    as_of: int | None = None,
    rebase="none",
    n_paths: int = DEFAULT_PATHS,
    context: ProjectionContext | None = None,
    calibrate: bool = True,
) -> Paths:
    """Simulated paths of the combined forecast (the same draws as `project`'s combined rows).

    Parameters
    ----------
    summary, area_code, indicator, horizon, models, weights, seed, as_of, rebase, n_paths, context
        As in `project`.
    calibrate : bool
        As in `project`.

    Returns
    -------
    Paths
        ``values`` is ``n_paths x years`` for the years after the last observation up to
        ``horizon``; re-basing factors are applied as in `project`.
    """
    ctx, future, forecasts, skipped, seg, w, rebase = _prepare(
        summary, area_code, indicator, horizon, models, weights, seed, as_of, rebase, n_paths,
        context,
    )  # fmt: skip
    ind = INDICATORS[indicator]
    mix = _combined(ctx, area_code, indicator, forecasts, w, n_paths, seed, calibrate)
    if mix is None:
        raise InsufficientDataError(f"no model could simulate {indicator} for {area_code}")
    fit_code = str(seg["standard"].iloc[0])
    bases, notes = [], []
    for i, year in enumerate(future):
        basis, bnote, factor = _basis(int(year), fit_code, rebase)
        if ind.rebase_scales and factor != 1.0:
            mix[:, i] = mix[:, i] * factor
        bases.append(basis)
        if bnote:
            notes.append(bnote)
    note = "; ".join(dict.fromkeys(notes))
    if skipped:
        note = "; ".join(
            p
            for p in (note, "left out: " + "; ".join(f"{m} ({e})" for m, e in skipped.items()))
            if p
        )
    return Paths(mix, future, str(area_code), indicator, bases, note)
