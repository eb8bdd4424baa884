"""Trend models of one series segment: a linear trend (OLS) and damped-trend smoothing (ETS).

Both models take the observed points of one standard segment (see
:func:`analysis.projection.series.latest_segment`) and return a `ModelForecast`: the mean, 80%
and 95% intervals and simulated paths for a run of future years. The stock-flow model is in
:mod:`analysis.projection.flow`; :mod:`analysis.projection.fitting` runs the models of an
indicator.

``ols``
    Linear trend by least squares on the log of strictly positive stocks and rates, on the logit
    of coverage ratios (``logit=True``: they saturate at 100%), on the raw scale for flows,
    changes and counts that can be zero or negative. Prediction intervals (80% and 95%) are
    Student-t observation intervals, ``mean +- t * s * sqrt(1 + x (X'X)^-1 x')``, and paths are
    drawn from the same predictive distribution (parameter uncertainty plus noise, a common
    chi-square scale per path). Needs 3 points.

    **Residual variance pooled across areas.** With the reports' 3 points a series' own residual
    variance has 1 degree of freedom: t(1) intervals are Cauchy-wide at 95% and log-scale paths
    explode (path means of 1e12 to 1e113 households for 2030 on the bundled data before this
    change). Given ``prior=(s0^2, d0)``, the residual variance is the empirical-Bayes
    **moderated** variance ``(d0 s0^2 + df s^2) / (d0 + df)`` with ``d0 + df`` degrees of freedom
    (Smyth 2004, limma), where ``s0^2`` and ``d0`` come from the residual variances of the same
    indicator in the peer areas over the same years (`variance_prior`, by
    :func:`analysis.projection.fitting.ols_prior`). Districts with similar noise pool fully
    (``d0`` up to `PRIOR_DF_MAX`); heterogeneous ones keep more of their own.
``ets``
    Damped additive trend exponential smoothing, ``ETSModel(error="add", trend="add",
    damped_trend=True)``, on the same scale as ``ols`` (logs for stocks and rates), with intervals
    from ``simulate`` (quantiles of ``n_paths`` simulated futures). The model has five parameters
    (level, trend, damping and two initial states): estimating them from a 3-to-9-point segment
    over-fits. With fewer than `ETS_MIN_ESTIMATE` (10) points the smoothing parameters are
    therefore **fixed** at `ETS_FIXED_PARAMS` (alpha 0.5, beta 0.2, phi 0.9) and the initial level
    and trend are taken from the segment's OLS line; only the error variance is then estimated.

    **Fixed-parameter ETS is not combined** (:mod:`analysis.projection.fitting`; it still runs
    when asked for alone, and the backtests score it). On the rolling-origin backtests of the
    bundled data (3 points per fit, ``bench/calibration.md``) it was the least accurate model
    for stocks and rates (MAE 0.43-0.50 of the no-change forecast's at 1-3 years on Decision 59
    origins, against 0.19-0.24 for OLS; over-forecasting in 95-100% of the cases, as the damping
    slows every fall) and its intervals ignore the uncertainty of the fixed parameters: its 80%
    and 95% intervals covered 13% and 19% (stocks and rates), 27% and 37% (flows), 36% and 52%
    (coverage). For coverage ratios its MAE was close to OLS on the raw scale, but OLS on logits
    beat both (0.50-0.75 of no change, against 0.60-0.78 for ETS).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.special import digamma, polygamma
from scipy.stats import t as student_t
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from analysis.core.errors import WorkbookError

DEFAULT_PATHS = 2000
MIN_POINTS = 3
ETS_MIN_ESTIMATE = 10
ETS_FIXED_PARAMS = {"smoothing_level": 0.5, "smoothing_trend": 0.2, "damping_trend": 0.9}
PRIOR_DF_MAX = 100.0


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


def _expit100(z):
    return 100.0 / (1.0 + np.exp(-z))


def _transform(values, log: bool, logit: bool = False):
    if logit and np.all((values > 0) & (values < 100)):
        p = values / 100.0
        return np.log(p / (1.0 - p)), _expit100, ""
    if log and np.all(values > 0):
        return np.log(values), np.exp, ""
    if logit:
        return values, (lambda v: v), "logit scale impossible (0 or 100), linear scale used; "
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


def trigamma_inverse(x: float) -> float:
    """The ``y`` with ``trigamma(y) = x`` (Newton's method, as in limma's ``trigammaInverse``).

    Parameters
    ----------
    x : float
        Positive.

    Returns
    -------
    float
    """
    if x > 1e7:
        return 1.0 / np.sqrt(x)
    if x < 1e-6:
        return 1.0 / x
    y = 0.5 + 1.0 / x
    for _ in range(50):
        tri = float(polygamma(1, y))
        dif = tri * (1.0 - tri / x) / float(polygamma(2, y))
        y += dif
        if -dif / y < 1e-8:
            break
    return y


def variance_prior(variances, dfs) -> tuple[float, float] | None:
    """Prior of residual variances across series: scaled inverse chi-square, by moments.

    The empirical-Bayes estimator of Smyth (2004, limma's ``fitFDist``): the log of each
    residual variance ``s_i^2`` (``d_i`` degrees of freedom) has mean
    ``log s0^2 + digamma(d0 / 2) - log(d0 / 2) + log(d_i / 2) - digamma(d_i / 2)`` and variance
    ``trigamma(d_i / 2) + trigamma(d0 / 2)``, which gives ``(s0^2, d0)``.

    Parameters
    ----------
    variances, dfs : array-like
        Residual variances and their degrees of freedom, one per series (zeros are left out).

    Returns
    -------
    tuple of float or None
        ``(s0^2, d0)``; ``d0`` is at most `PRIOR_DF_MAX` (the series look alike: full pooling).
        None with fewer than 3 positive variances.
    """
    v = np.asarray(variances, dtype=float)
    d = np.asarray(dfs, dtype=float)
    keep = np.isfinite(v) & (v > 0) & (d > 0)
    v, d = v[keep], d[keep]
    if len(v) < 3:
        return None
    e = np.log(v) - digamma(d / 2) + np.log(d / 2)
    emean = float(e.mean())
    evar = float(np.sum((e - emean) ** 2) / (len(e) - 1) - np.mean(polygamma(1, d / 2)))
    d0 = 2.0 * trigamma_inverse(evar) if evar > 0 else np.inf
    d0 = min(d0, PRIOR_DF_MAX)
    return float(np.exp(emean + digamma(d0 / 2) - np.log(d0 / 2))), float(d0)


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
    prior: tuple[float, float] | None = None,
    logit: bool = False,
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
    prior : tuple of float, optional
        ``(s0^2, d0)``: a prior residual variance on the fitted scale and its degrees of freedom
        (`variance_prior` over the peer areas). The residual variance is then the moderated
        ``(d0 s0^2 + df s^2) / (d0 + df)`` with ``d0 + df`` degrees of freedom (module docstring).
        Ignored when the fit falls back to the raw scale of a log- or logit-scale series.
    logit : bool
        Fit on the logit of a percentage (coverage ratios, which saturate at 100); falls back to
        the raw scale, with a note, when a value is 0 or 100.

    Returns
    -------
    ModelForecast
        ``params`` has ``intercept`` (fitted value at the last observed year), ``slope`` per
        year, ``sigma`` (residual standard deviation used) and ``df`` (its degrees of freedom),
        on the fitted scale.
    """
    years, values = _check_points(years, values, min_points, "ols")
    future = np.asarray(future, dtype=float)
    rng = rng if rng is not None else np.random.default_rng(0)
    y, back, note = _transform(values, log, logit)
    scale_name = {np.exp: " on logs", _expit100: " on logits"}.get(back, "")
    if (log or logit) and not scale_name:
        prior = None
    x0 = years[-1]
    design = np.column_stack([np.ones(len(years)), years - x0])
    design_f = np.column_stack([np.ones(len(future)), future - x0])
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ beta
    df = len(y) - 2
    s2 = float(resid @ resid / df) if df > 0 else np.nan
    if prior is not None and np.isfinite(prior[0]) and prior[0] > 0 and prior[1] > 0:
        d0 = float(prior[1])
        s2 = (d0 * prior[0] + (df * s2 if df > 0 else 0.0)) / (d0 + df)
        df_t = d0 + df
        pooled = f", residual variance pooled with the peers ({d0:.0f} prior df)"
    else:
        df_t = float(df)
        pooled = ""
    mean = design_f @ beta
    nan = np.full(len(future), np.nan)
    paths = None
    if df_t >= 1 and np.isfinite(s2):
        xtx_inv = np.linalg.inv(design.T @ design)
        lever = np.einsum("ij,jk,ik->i", design_f, xtx_inv, design_f)
        se = np.sqrt(s2 * (1.0 + lever))
        t80, t95 = student_t.ppf(0.9, df_t), student_t.ppf(0.975, df_t)
        lo80, hi80, lo95, hi95 = mean - t80 * se, mean + t80 * se, mean - t95 * se, mean + t95 * se
        if n_paths > 0:
            cov = xtx_inv * s2
            if s2 > 0:
                z = rng.multivariate_normal(np.zeros(2), cov, size=n_paths, method="cholesky")
            else:  # an exact fit (e.g. a count fixed by an official list): no parameter spread
                z = np.zeros((n_paths, 2))
            e = rng.standard_normal((n_paths, len(future))) * np.sqrt(s2)
            scale = np.sqrt(df_t / rng.chisquare(df_t, size=n_paths))[:, None]
            # t draws with few degrees of freedom have heavy tails: exp may overflow to inf,
            # which the bounds of analysis.projection.bounds then cap.
            with np.errstate(over="ignore"):
                paths = back(mean[None, :] + scale * (z @ design_f.T + e))
        note += (
            f"OLS linear trend{scale_name}, {len(years)} points, t({df_t:.0f}) intervals{pooled}"
        )
    else:
        lo80 = hi80 = lo95 = hi95 = nan
        note += f"OLS through {len(years)} points: no residual degrees of freedom, no intervals"
    with np.errstate(over="ignore"):
        bands = [clip(back(a), lower, upper) for a in (mean, lo80, hi80, lo95, hi95)]
    return ModelForecast(
        "ols",
        future.astype(int),
        *bands,
        clip(paths, lower, upper),
        note,
        {
            "intercept": float(beta[0]),
            "slope": float(beta[1]),
            "sigma": float(np.sqrt(s2)) if np.isfinite(s2) else np.nan,
            "df": df_t,
        },
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
