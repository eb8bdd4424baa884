"""The calibration study: how good the forecasts and their uncertainty are, measured on backtests.

`evaluate` runs the rolling-origin backtests of :mod:`analysis.projection.backtest` (3 points per
fit, as the reports; every model with simulated paths), makes each fit's **combined** forecast
exactly as the reports do (:func:`analysis.projection.calibration.combine_paths`, with the
reports' per-group weights from `analysis.projection.backtest.model_weights`), and scores it
against each model and the **no-change** benchmark (:mod:`analysis.projection.scoring`):

* MAE and bias per group, indicator, model and horizon; the combined point is the median of its
  paths (the point the target verdicts and forecast tables state);
* empirical coverage of the 80% and 95% intervals per group and horizon: each model, the combined
  forecast before recalibration (``raw``), after recalibration with factors fitted on all
  training cases (``in-sample``) and with factors fitted without the case's target year
  (``cross-validated``: leave one target year out, so a year's common shock is never used to
  calibrate its own forecasts);
* the reliability of target probabilities (observed frequency per decile of predicted
  probability, events of `analysis.projection.scoring.event_thresholds`) and Brier scores
  against the base rate.

**Training** cases are those whose forecast year is in the bundled data (up to 2024: Decision 59
origins 2018-2020; the NĐ 07 segment has no origin with 3 points and a later year). **Holdout**
cases are forecasts from the bundled data (origin 2024 and earlier) of later years given as
``holdout`` (:func:`analysis.bundled.synthetic_extended.holdout_summary`: 2025-2026 under
NĐ 07; 2027 is under NĐ 351 and is never a target of an NĐ 07 fit): they are scored with factors
and weights fitted on the training cases only. The recalibration factors written to
``calibration.csv`` (`analysis.projection.calibration.write_scales`) are the in-sample ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from analysis.projection.backtest import (
    GROUP_INDICATORS,
    NO_CHANGE,
    Run,
    backtest_runs,
    backtest_table,
    model_weights,
)
from analysis.projection.bounds import apply_bounds
from analysis.projection.calibration import (
    GROUPS,
    IDENTITY,
    Scales,
    combine_paths,
    recalibrate,
)
from analysis.projection.fitting import MODELS, combinable, model_rng
from analysis.projection.indicators import get_indicator
from analysis.projection.scoring import (
    event_probability,
    event_thresholds,
    fit_scales,
    on_good_side,
)

COMBINED = "combined"
#: The held-out years the CLI appends to the bundled data (2027, under NĐ 351, is never a target).
HOLDOUT_YEARS = (2025, 2026, 2027)
VARIANTS = ("raw", "in-sample", "cross-validated")


@dataclass
class Evaluation:
    """Everything the study measured (see the module docstring).

    Attributes
    ----------
    cases : pandas.DataFrame
        One row per run x forecast year x forecaster (models, ``combined`` variants): ``segment,
        group, indicator, area_code, origin, horizon, year, split, forecaster, point, lo80, hi80,
        lo95, hi95, actual, last``; ``split`` is ``training`` or ``holdout``.
    events : pandas.DataFrame
        One row per case x threshold: ``split, group, indicator, horizon, event, variant,
        probability, outcome``.
    scales : dict
        Group -> in-sample `analysis.projection.calibration.Scales`.
    weights : GroupWeights
        The combination weights used.
    counts : dict
        Group -> training cases the factors were fitted on.
    """

    cases: pd.DataFrame
    events: pd.DataFrame
    scales: dict
    weights: dict
    counts: dict = field(default_factory=dict)


def _limits(samples: np.ndarray) -> np.ndarray:
    """Median, 80% and 95% limits per year of ``n_paths x years`` samples: ``5 x years``."""
    return np.nanquantile(samples, [0.5, 0.1, 0.9, 0.025, 0.975], axis=0)


def _calibrated(run: Run, raw: np.ndarray, scales: Scales) -> np.ndarray:
    ind = get_indicator(run.indicator)
    if scales == IDENTITY:
        return raw
    return apply_bounds(recalibrate(raw, ind, scales), run.bounds)


def _case_rows(run, split_of, forecaster, limits, rows):
    for j, (year, h) in enumerate(zip(run.years, run.horizons, strict=True)):
        rows.append(
            (run.segment, run.group, run.indicator, run.area_code, run.origin, int(h), int(year),
             split_of[j], forecaster, *limits[:, j], run.actual[j], run.last)
        )  # fmt: skip


def _event_rows(run, split_of, variant, samples, rows):
    ind = get_indicator(run.indicator)
    for j, h in enumerate(run.horizons):
        for name, threshold in event_thresholds(ind, run.group, run.last, int(h)):
            p = event_probability(samples[:, j], threshold, ind.better)
            hit = bool(on_good_side([run.actual[j]], threshold, ind.better)[0])
            rows.append((split_of[j], run.group, run.indicator, int(h), name, variant, p, hit))


def _combined_raw(runs, weights, seed: int, n_paths: int) -> list:
    """Each run's combined paths before recalibration, exactly as the reports make them."""
    raw = []
    for run in runs:
        w = weights.for_indicator(run.indicator) if hasattr(weights, "for_indicator") else weights
        parts = combinable(run.forecasts)
        w = {m: float(w.get(m, 0.0)) for m in parts}
        if sum(w.values()) <= 0:
            w = dict.fromkeys(parts, 1.0)
        rng = model_rng(seed + run.origin, run.area_code, run.indicator, COMBINED)
        ind = get_indicator(run.indicator)
        raw.append(
            combine_paths(parts, w, ind, run.bounds, n_paths, rng, scales={}) if parts else None
        )
    return raw


def _training_cases(runs, raw, splits, group: str, skip_year: int | None = None):
    """(samples, actual, indicator) of a group's training cases, without one target year."""
    for k, run in enumerate(runs):
        if run.group != group or raw[k] is None:
            continue
        ind = get_indicator(run.indicator)
        for j, year in enumerate(run.years):
            if splits[k][j] == "training" and year != skip_year:
                yield raw[k][:, j], run.actual[j], ind


def evaluate(
    summary: pd.DataFrame,
    seed: int = 47,
    *,
    holdout: pd.DataFrame | None = None,
    n_paths: int = 1000,
    areas=None,
    indicators=None,
    weights=None,
    shift: bool = False,
    centre: bool = True,
    models=MODELS,
) -> Evaluation:
    """Run the calibration study (module docstring).

    Parameters
    ----------
    summary : pandas.DataFrame
        The data the reports use (zone rows, no ``"all"`` rows).
    seed : int
        Seed of every draw (the same seed gives the same study).
    holdout : pandas.DataFrame, optional
        Rows of later years in the same format (former communes when ``summary`` has communes).
    n_paths : int
        Paths per model and combined forecast.
    areas : sequence of str, optional
        Areas to backtest (default: every district).
    indicators : sequence of str, optional
        Default: every indicator of `analysis.projection.backtest.GROUP_INDICATORS`.
    weights : mapping, optional
        Combination weights (default: the reports' ones, `model_weights` of `backtest_table`
        on ``summary``).
    shift : bool
        Also re-centre the medians by the bias of the training cases
        (`analysis.projection.scoring.fit_scales`); off in the shipped calibration.
    centre : bool
        Fit the factors around the bias-corrected medians (the spread only; on in the shipped
        calibration) rather than around the medians (spread and bias).
    models : sequence of str
        Models to run.

    Returns
    -------
    Evaluation
    """
    last_year = int(summary["year"].max())
    data = summary if holdout is None else pd.concat([summary, holdout], ignore_index=True)
    if indicators is None:
        indicators = tuple(i for g in GROUP_INDICATORS.values() for i in g)
    runs = backtest_runs(
        data, seed, indicators=indicators, models=models, n_paths=n_paths, areas=areas,
        max_origin=last_year,
    )  # fmt: skip
    if weights is None:
        table = backtest_table(summary, seed, areas=areas, models=models)
        weights = model_weights(table, models=models)
    raw = _combined_raw(runs, weights, seed, n_paths)
    splits = [["training" if y <= last_year else "holdout" for y in r.years] for r in runs]
    fit = partial(fit_scales, shift=shift, centre=centre)
    scales = {g: fit(_training_cases(runs, raw, splits, g)) for g in GROUPS}
    counts = {g: sum(1 for _ in _training_cases(runs, raw, splits, g)) for g in GROUPS}
    years = {int(y) for r, sp in zip(runs, splits, strict=True)
             for y, part in zip(r.years, sp, strict=True) if part == "training"}  # fmt: skip
    folds = {
        (g, y): fit(_training_cases(runs, raw, splits, g, y)) for g in GROUPS for y in sorted(years)
    }
    case_rows, event_rows = [], []
    for k, run in enumerate(runs):
        for model, f in run.forecasts.items():
            if f.paths is not None:
                lim = _limits(f.paths)
                lim[0] = f.mean  # a model's point is its mean, as in the MAE tables
                _case_rows(run, splits[k], model, lim, case_rows)
        nochange = np.full((5, len(run.years)), np.nan)
        nochange[0] = run.last
        _case_rows(run, splits[k], NO_CHANGE, nochange, case_rows)
        if raw[k] is None:
            continue
        own = scales.get(run.group, IDENTITY)
        cv = np.empty_like(raw[k])
        for j, year in enumerate(run.years):  # training: without the target year; holdout: all
            cv[:, j] = _calibrated(run, raw[k], folds.get((run.group, int(year)), own))[:, j]
        variants = {
            "raw": raw[k],
            "in-sample": _calibrated(run, raw[k], own),
            "cross-validated": cv,
        }
        for name, samples in variants.items():
            _case_rows(run, splits[k], f"{COMBINED} {name}", _limits(samples), case_rows)
            _event_rows(run, splits[k], name, samples, event_rows)
    cases = pd.DataFrame(
        case_rows,
        columns=["segment", "group", "indicator", "area_code", "origin", "horizon", "year",
                 "split", "forecaster", "point", "lo80", "hi80", "lo95", "hi95", "actual", "last"],
    )  # fmt: skip
    events = pd.DataFrame(
        event_rows,
        columns=["split", "group", "indicator", "horizon", "event", "variant", "probability",
                 "outcome"],
    )  # fmt: skip
    return Evaluation(cases, events, scales, weights, counts)
