"""Scores of probabilistic forecasts: interval coverage, reliability, Brier, conformal recalibration.

The pieces the calibration study (:mod:`analysis.projection.evaluation`) applies to the
backtest cases of :mod:`analysis.projection.backtest`; each works on plain arrays.

Coverage
    `covered`: whether each actual value lies in its interval (limits included); the share of
    hits is the empirical coverage, to compare with the nominal 80% or 95%.
Target events and reliability
    `event_thresholds` lists, for a forecast of ``h`` years ahead from the last value ``L``, the
    thresholds the reports judge against: for stocks and rates ``L`` itself (any progress) and
    fixed reductions (10%, 20%, 30% a year; for rates also 1 and 1.5 points a year, the national
    programme's pace); for flows ``L`` and ``L`` -+ 25%; for coverage ``L``, ``L`` + 1 and + 2
    points a year. `event_probability` is the share of simulated values on the good side of a
    threshold (at or below it when lower is better). `reliability_table` bins predicted
    probabilities into deciles and compares each bin's mean prediction with how often the events
    happened; `brier` is the mean squared difference between probability and outcome, to compare
    with a constant forecast at the base rate (`brier_skill`).
Conformal recalibration
    `fit_scales` finds the `analysis.projection.calibration.Scales` of a group from its cases.
    The group's bias is the median of the actual values' standardised positions (actual minus
    median, in 80% half-widths): half of them lie above the median moved by it. ``s80`` and
    ``s95`` are the conformal quantiles (the ``ceil((n + 1) p)``-th smallest of ``n``) of the
    one-sided distances of the actual values from that bias-corrected median, in units of the
    80% and 95% half-widths on their side: the spread of the errors around the right centre. The
    shipped factors keep the spread and **not** the bias (``shift`` 0, the default): a share
    ``p`` of the cases would fall inside the rescaled intervals if the medians were unbiased
    (`analysis.projection.calibration` says why). With ``centre=False`` the distances are
    measured from the median itself, which widens the intervals until they also cover the bias.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.projection.calibration import Scales, band_widths, transform
from analysis.projection.indicators import Indicator

RELIABILITY_COLUMNS = ["bin", "n", "predicted", "observed", "difference"]
_MAX_SCALE = 100.0


def covered(actual, lo, hi) -> np.ndarray:
    """Whether each actual value lies within its interval (limits included; NaN: not covered).

    Parameters
    ----------
    actual, lo, hi : array-like of float

    Returns
    -------
    numpy.ndarray of bool
    """
    actual, lo, hi = (np.asarray(a, dtype=float) for a in (actual, lo, hi))
    with np.errstate(invalid="ignore"):
        return (actual >= lo) & (actual <= hi)


def event_thresholds(ind: Indicator, group: str, last: float, horizon: int) -> list:
    """Thresholds of "on the good side at horizon ``h``" events for one forecast.

    Parameters
    ----------
    ind : Indicator
    group : str
        ``"level"``, ``"flow"`` or ``"coverage"`` (others have no events).
    last : float
        The last observed value (at the origin).
    horizon : int
        Years ahead.

    Returns
    -------
    list of (str, float)
        Event name and threshold (see the module docstring); none when ``last`` is not finite.
    """
    if not math.isfinite(last):
        return []
    h = int(horizon)
    if group == "level":
        out = [("latest", last)]
        out += [(f"-{p}%/yr", last * (1 - p / 100.0) ** h) for p in (10, 20, 30)]
        if ind.kind == "rate":
            out += [(f"-{k:g}pt/yr", last - k * h) for k in (1.0, 1.5)]
        return out
    if group == "flow":
        sign = 1.0 if ind.better == "higher" else -1.0
        return [(f"latest{k:+.0%}", last + sign * k * abs(last)) for k in (-0.25, 0.0, 0.25)]
    if group == "coverage":
        return [("latest", last), ("+1pt/yr", last + h), ("+2pt/yr", last + 2.0 * h)]
    return []


def on_good_side(values, threshold: float, better: str) -> np.ndarray:
    """Whether values are at or beyond a threshold in the good direction.

    Parameters
    ----------
    values : array-like of float
    threshold : float
    better : str
        ``"lower"`` or ``"higher"``.

    Returns
    -------
    numpy.ndarray of bool
        A tolerance of 1e-9 counts ties as good.
    """
    values = np.asarray(values, dtype=float)
    if better == "lower":
        return values <= threshold + 1e-9
    return values >= threshold - 1e-9


def event_probability(samples, threshold: float, better: str) -> float:
    """Share of simulated values on the good side of a threshold (NaN samples ignored).

    Parameters
    ----------
    samples : array-like of float
    threshold : float
    better : str

    Returns
    -------
    float
        NaN when no sample is finite.
    """
    samples = np.asarray(samples, dtype=float)
    samples = samples[~np.isnan(samples)]
    if not len(samples):
        return math.nan
    return float(np.mean(on_good_side(samples, threshold, better)))


def reliability_table(prob, outcome, bins: int = 10) -> pd.DataFrame:
    """Observed frequency of events per bin of predicted probability.

    Parameters
    ----------
    prob : array-like of float
        Predicted probabilities in [0, 1].
    outcome : array-like of bool
        Whether each event happened.
    bins : int
        Equal-width bins; bin ``k`` holds ``k / bins <= p < (k + 1) / bins`` (the last includes 1).

    Returns
    -------
    pandas.DataFrame
        `RELIABILITY_COLUMNS`, one row per bin (``"0.0-0.1"``...): cases, mean predicted
        probability, observed frequency and their difference (observed minus predicted), NaN in
        empty bins.
    """
    prob = np.asarray(prob, dtype=float)
    outcome = np.asarray(outcome, dtype=float)
    keep = ~np.isnan(prob)
    prob, outcome = prob[keep], outcome[keep]
    idx = np.minimum((prob * bins).astype(int), bins - 1)
    rows = []
    for k in range(bins):
        sel = idx == k
        n = int(sel.sum())
        pred = float(prob[sel].mean()) if n else math.nan
        obs = float(outcome[sel].mean()) if n else math.nan
        rows.append((f"{k / bins:.1f}-{(k + 1) / bins:.1f}", n, pred, obs, obs - pred))
    return pd.DataFrame(rows, columns=RELIABILITY_COLUMNS)


def brier(prob, outcome) -> float:
    """Mean squared difference between predicted probabilities and outcomes (0 or 1).

    Parameters
    ----------
    prob : array-like of float
    outcome : array-like of bool

    Returns
    -------
    float
    """
    prob = np.asarray(prob, dtype=float)
    outcome = np.asarray(outcome, dtype=float)
    return float(np.mean((prob - outcome) ** 2))


def brier_skill(prob, outcome, base_rate: float | None = None) -> tuple[float, float, float]:
    """Brier score of the forecasts, of a constant forecast, and the skill score.

    Parameters
    ----------
    prob : array-like of float
    outcome : array-like of bool
    base_rate : float, optional
        The constant forecast (default: the observed frequency of the events, the best constant).

    Returns
    -------
    tuple of float
        ``(brier, brier_of_constant, skill)`` with ``skill = 1 - brier / brier_of_constant``
        (NaN when the constant is perfect).
    """
    outcome = np.asarray(outcome, dtype=float)
    rate = float(outcome.mean()) if base_rate is None else float(base_rate)
    score = brier(prob, outcome)
    ref = brier(np.full(len(outcome), rate), outcome)
    return score, ref, (1.0 - score / ref) if ref > 0 else math.nan


def conformal_quantile(scores, level: float) -> float:
    """The ``ceil((n + 1) * level)``-th smallest score (the largest when that exceeds ``n``).

    Parameters
    ----------
    scores : array-like of float
    level : float
        In (0, 1).

    Returns
    -------
    float
        NaN for no scores.
    """
    scores = np.sort(np.asarray(scores, dtype=float))
    n = len(scores)
    if not n:
        return math.nan
    k = min(math.ceil((n + 1) * level), n)
    return float(scores[k - 1])


def standardised_positions(samples, actual: float, ind: Indicator):
    """Where an actual value lies relative to simulated values, on the recalibration scale.

    Parameters
    ----------
    samples : array-like of float
        One year's simulated values.
    actual : float
    ind : Indicator

    Returns
    -------
    tuple of float
        ``(offset, w80, below80, above80, below95, above95)``: the actual value minus the median,
        the average 80% half-width, and the one-sided widths.
    """
    forward, _ = transform(ind)
    z = forward(np.asarray(samples, dtype=float))
    m, a80, b80, a95, b95 = (float(v) for v in band_widths(z))
    return float(forward(actual)) - m, (a80 + b80) / 2.0, a80, b80, a95, b95


def _ratio(d: float, below: float, above: float) -> float:
    width = above if d >= 0 else below
    if width > 0:
        return abs(d) / width
    return 0.0 if d == 0 else math.inf


def fit_scales(cases, *, shift: bool = False, centre: bool = True) -> Scales:
    """Conformal recalibration factors of one group (module docstring).

    Parameters
    ----------
    cases : iterable of (samples, actual, Indicator)
        One year's uncalibrated simulated values, the actual value and its indicator.
    shift : bool
        Whether the returned `Scales` re-centre the median by the group's bias (else ``shift``
        is 0).
    centre : bool
        Measure the distances of the actual values from the median corrected for the group's
        bias (the spread around the right centre) rather than from the median itself (which also
        widens the intervals to cover the bias). Always true when ``shift`` is.

    Returns
    -------
    Scales
        Identity for no cases; factors capped at 100.
    """
    pos = [standardised_positions(s, a, ind) for s, a, ind in cases]
    pos = [p for p in pos if math.isfinite(p[0])]
    if not pos:
        return Scales()
    c = 0.0
    if shift or centre:
        z = [d / w for d, w, *_ in pos if w > 0]
        c = float(np.median(z)) if z else 0.0
    r80, r95 = [], []
    for d, w, a80, b80, a95, b95 in pos:
        e = d - c * w
        r80.append(_ratio(e, a80, b80))
        r95.append(_ratio(e, a95, b95))
    s80 = min(conformal_quantile(r80, 0.8), _MAX_SCALE)
    s95 = min(conformal_quantile(r95, 0.95), _MAX_SCALE)
    return Scales(c if shift else 0.0, max(s80, 1e-3), max(s95, 1e-3))
