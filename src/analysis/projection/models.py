"""Trend models of one series segment: a linear trend (OLS) and damped-trend smoothing (ETS).

Both models take the observed points of one standard segment (see
:func:`analysis.projection.series.latest_segment`) and return a `ModelForecast`: the mean, 80%
and 95% intervals and simulated paths for a run of future years. The stock-flow model is in
:mod:`analysis.projection.flow`; :mod:`analysis.projection.fitting` runs the models of an
indicator.

``ols``
    Linear trend by OLS (statsmodels) on the log of strictly positive stocks and rates, on the raw
    scale for flows, changes, coverage and counts that can be zero or negative. Prediction
    intervals (80% and 95%) come from ``get_prediction(...).summary_frame`` (observation
    intervals, Student t with n - 2 degrees of freedom: with 3 points that is 1 degree of freedom,
    so the intervals are honest and wide). Paths are drawn from the same predictive distribution
    (parameter uncertainty plus noise, a common chi-square scale per path). Needs 3 points.
``ets``
    Damped additive trend exponential smoothing, ``ETSModel(error="add", trend="add",
    damped_trend=True)``, on the same scale as ``ols``, with intervals from ``simulate`` (quantiles
    of ``n_paths`` simulated futures). The model has five parameters (level, trend, damping and two
    initial states): estimating them from a 3-to-9-point segment over-fits (statsmodels "fits" 3
    points with 5 parameters and returns boundary values). With fewer than `ETS_MIN_ESTIMATE` (10)
    points the smoothing parameters are therefore **fixed** at `ETS_FIXED_PARAMS` (alpha 0.5,
    beta 0.2, phi 0.9, conventional values for short annual series) and the initial level and trend
    are taken from the segment's OLS line; only the error variance is then estimated. Those
    intervals condition on the fixed parameters and understate uncertainty; the note says so.
    Needs 3 points (2 in backtests, which use only the point forecast).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from statsmodels.regression.linear_model import OLS
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from analysis.core.errors import WorkbookError

DEFAULT_PATHS = 2000
MIN_POINTS = 3
ETS_MIN_ESTIMATE = 10
ETS_FIXED_PARAMS = {"smoothing_level": 0.5, "smoothing_trend": 0.2, "damping_trend": 0.9}


class InsufficientDataError(WorkbookError, ValueError):
    """Too few points in the latest standard segment to fit a model."""


@dataclass
class ModelForecast:
    """Forecast of one model for a run of future years.

    ``paths`` is ``n_paths x len(years)`` (None when the model cannot simulate, e.g. OLS on two
    points); ``params`` holds fitted values on the model scale (OLS: intercept at the last
    observed year and slope; ETS: smoothing parameters and the final level and trend).
    """

    model: str
    years: np.ndarray
    mean: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray
    paths: np.ndarray | None
    note: str = ""
    params: dict = field(default_factory=dict)


def _check_points(years, values, min_points, model) -> tuple[np.ndarray, np.ndarray]:
    years = np.asarray(years, dtype=float)
    values = np.asarray(values, dtype=float)
    if len(years) != len(values):
        raise ValueError("years and values differ in length")
    ok = np.isfinite(values)
    years, values = years[ok], values[ok]
    if len(values) < min_points:
        raise InsufficientDataError(
            f"too few points for {model}: {len(values)} in the segment, need at least {min_points}"
        )
    if np.any(np.diff(years) <= 0):
        raise ValueError("years must be increasing")
    return years, values


def _transform(values, log: bool):
    if log and np.all(values > 0):
        return np.log(values), np.exp, ""
    note = "log scale impossible (zero or negative values), linear scale used; " if log else ""
    return values, (lambda v: v), note


def clip(arr, lower, upper):
    """Clip values to an indicator's bounds.

    Parameters
    ----------
    arr : numpy.ndarray or None
    lower, upper : float or None
        Bounds; None for none.

    Returns
    -------
    numpy.ndarray or None
        None when ``arr`` is None.
    """
    if arr is None:
        return None
    return np.clip(arr, -np.inf if lower is None else lower, np.inf if upper is None else upper)


def interval_quantiles(paths):
    """80% and 95% interval bounds of simulated paths, per year.

    Parameters
    ----------
    paths : numpy.ndarray
        ``n_paths x years``; NaN paths are ignored.

    Returns
    -------
    tuple of numpy.ndarray
        ``lo80, hi80, lo95, hi95`` (quantiles 0.1, 0.9, 0.025, 0.975).
    """
    q = np.nanquantile(paths, [0.1, 0.9, 0.025, 0.975], axis=0)
    return q[0], q[1], q[2], q[3]


def ols_forecast(
    years,
    values,
    future,
    *,
    log: bool = False,
    lower: float | None = None,
    upper: float | None = None,
    n_paths: int = DEFAULT_PATHS,
    rng: np.random.Generator | None = None,
    min_points: int = MIN_POINTS,
) -> ModelForecast:
    """Linear trend by OLS with 80% and 95% prediction intervals.

    Parameters
    ----------
    years, values : array-like
        Observed points of one standard segment.
    future : array-like of int
        Years to forecast.
    log : bool
        Fit on the log scale (falls back to the raw scale, with a note, when a value is <= 0).
    lower, upper : float, optional
        Clip bounds for the back-transformed values.
    n_paths : int
        Simulated paths (0 for none).
    rng : numpy.random.Generator, optional
    min_points : int
        Minimum number of points (3; backtests use 2, which gives a point forecast only).

    Returns
    -------
    ModelForecast
        ``params`` has ``intercept`` (fitted value at the last observed year) and ``slope`` per
        year, on the fitted scale.
    """
    years, values = _check_points(years, values, min_points, "ols")
    future = np.asarray(future, dtype=float)
    rng = rng if rng is not None else np.random.default_rng(0)
    y, back, note = _transform(values, log)
    x0 = years[-1]
    design = np.column_stack([np.ones(len(years)), years - x0])
    design_f = np.column_stack([np.ones(len(future)), future - x0])
    res = OLS(y, design).fit()
    mean = design_f @ res.params
    nan = np.full(len(future), np.nan)
    paths = None
    if res.df_resid >= 1:
        pred = res.get_prediction(design_f)
        f80 = pred.summary_frame(alpha=0.2)
        f95 = pred.summary_frame(alpha=0.05)
        lo80, hi80 = f80["obs_ci_lower"].to_numpy(), f80["obs_ci_upper"].to_numpy()
        lo95, hi95 = f95["obs_ci_lower"].to_numpy(), f95["obs_ci_upper"].to_numpy()
        if n_paths > 0:
            df = res.df_resid
            cov = res.normalized_cov_params * res.scale
            z = rng.multivariate_normal(np.zeros(2), cov, size=n_paths, method="cholesky")
            e = rng.standard_normal((n_paths, len(future))) * np.sqrt(res.scale)
            scale = np.sqrt(df / rng.chisquare(df, size=n_paths))[:, None]
            # t draws with 1-2 degrees of freedom have heavy tails: exp may overflow to inf,
            # which is a valid (unbounded) path for probabilities and quantiles.
            with np.errstate(over="ignore"):
                paths = back(mean[None, :] + scale * (z @ design_f.T + e))
        note += f"OLS linear trend{' on logs' if back is np.exp else ''}, {len(years)} points, t({int(res.df_resid)}) intervals"
    else:
        lo80 = hi80 = lo95 = hi95 = nan
        note += f"OLS through {len(years)} points: no residual degrees of freedom, no intervals"
    return ModelForecast(
        "ols",
        future.astype(int),
        clip(back(mean), lower, upper),
        clip(back(lo80), lower, upper),
        clip(back(hi80), lower, upper),
        clip(back(lo95), lower, upper),
        clip(back(hi95), lower, upper),
        clip(paths, lower, upper),
        note,
        {"intercept": float(res.params[0]), "slope": float(res.params[1])},
    )


def ets_forecast(
    years,
    values,
    future,
    *,
    log: bool = False,
    lower: float | None = None,
    upper: float | None = None,
    n_paths: int = DEFAULT_PATHS,
    rng: np.random.Generator | None = None,
    min_points: int = MIN_POINTS,
    estimate_min: int = ETS_MIN_ESTIMATE,
) -> ModelForecast:
    """Damped additive-trend ETS with simulated 80% and 95% intervals.

    With fewer than ``estimate_min`` points the smoothing parameters are fixed at
    `ETS_FIXED_PARAMS` and the initial level and trend come from the OLS line (see the module
    docstring); otherwise all parameters are estimated by maximum likelihood.

    Parameters
    ----------
    years, values, future, log, lower, upper, n_paths, rng, min_points
        As in `ols_forecast`. Future years must lie after the last observed year.
    estimate_min : int
        Points needed to estimate the parameters.

    Returns
    -------
    ModelForecast
        ``params`` holds ``smoothing_level``, ``smoothing_trend``, ``damping_trend``, the final
        ``level`` and ``trend`` and ``estimated`` (bool).
    """
    years, values = _check_points(years, values, min_points, "ets")
    future = np.asarray(future, dtype=int)
    steps = future - int(years[-1])
    if np.any(steps < 1):
        raise ValueError("ETS forecasts only years after the last observed year")
    if np.any(np.diff(years) != 1):
        raise ValueError("ETS needs consecutive annual points")
    rng = rng if rng is not None else np.random.default_rng(0)
    y, back, note = _transform(values, log)
    estimated = len(y) >= estimate_min
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if estimated:
            model = ETSModel(y, error="add", trend="add", damped_trend=True)
            res = model.fit(disp=False)
            note += f"ETS(A,Ad,N) estimated on {len(y)} points"
        else:
            slope, icpt = np.polyfit(np.arange(len(y), dtype=float), y, 1)
            phi = ETS_FIXED_PARAMS["damping_trend"]
            model = ETSModel(
                y,
                error="add",
                trend="add",
                damped_trend=True,
                initialization_method="known",
                initial_level=icpt - phi * slope,
                initial_trend=slope,
            )
            with model.fix_params(ETS_FIXED_PARAMS):
                res = model.fit(disp=False)
            note += (
                f"ETS(A,Ad,N) with fixed alpha/beta/phi "
                f"{ETS_FIXED_PARAMS['smoothing_level']}/{ETS_FIXED_PARAMS['smoothing_trend']}/{phi} "
                f"({len(y)} points < {estimate_min}); intervals ignore parameter uncertainty"
            )
        h = int(steps.max())
        mean = np.asarray(res.forecast(h))[steps - 1]
        paths = None
        lo80 = hi80 = lo95 = hi95 = np.full(len(future), np.nan)
        if n_paths > 0:
            sims = np.asarray(res.simulate(h, anchor="end", repetitions=n_paths, rng=rng))
            sims = sims.reshape(h, n_paths)
            paths = back(sims.T[:, steps - 1])
            lo80, hi80, lo95, hi95 = interval_quantiles(paths)
    params = {k: float(v) for k, v in zip(res.model.param_names, res.params, strict=False)}
    states = np.asarray(res.states)
    params.update(level=float(states[-1, 0]), trend=float(states[-1, 1]), estimated=estimated)
    if n_paths > 0:
        lo80, hi80, lo95, hi95 = (clip(a, lower, upper) for a in (lo80, hi80, lo95, hi95))
    return ModelForecast(
        "ets",
        future,
        clip(back(mean), lower, upper),
        lo80,
        hi80,
        lo95,
        hi95,
        clip(paths, lower, upper),
        note,
        params,
    )
