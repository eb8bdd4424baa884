"""The combined forecast: the models' paths mixed by weight, recalibrated per group, bounded.

`combine_paths` is the one place where the combined forecast of an indicator is made, for the
reports (:mod:`analysis.projection.combine`) and for the backtests that measure it
(:mod:`analysis.projection.backtest`):

1. **mixture** (`mixture`): ``round(n_paths * w_m)`` paths drawn from each model ``m``;
2. **recalibration** (`recalibrate`): each year's distribution is re-centred and re-scaled with
   the `Scales` of the indicator's group (`indicator_group`), on the scale where the group's
   uncertainty is symmetric: logs for stocks, rates and the halving ratio; logits for coverage
   ratios; the raw scale for flows. With ``m`` the median and ``w80`` the average half-width of
   the 80% interval of that year's paths, a path value ``x`` becomes
   ``m + shift * w80 + g(x - m)``, where ``g`` multiplies deviations inside the 80% interval by
   ``s80`` and stretches the rest so that the 95% limits move to ``s95`` times their distance
   from the median (a monotone, piecewise-linear map, each side separately). The 80% and 95%
   intervals of the result are therefore those of the paths, shifted by ``shift * w80`` and
   scaled by exactly ``s80`` and ``s95``; path order, and so every probability's ranking, is kept;
3. **bounds** (:mod:`analysis.projection.bounds`): stocks >= 0, rates and coverage within
   [0, 100], a net reduction never above the remaining stock.

The `Scales` come from ``calibration.csv`` beside this module (`read_scales`): they are fitted
conformally (:func:`analysis.projection.scoring.fit_scales`) on the rolling-origin backtests of the
bundled data (Decision 59 origins 2018-2020, 3 points per fit as in the reports, 11 districts) and
written by ``python -m analysis backtest --write-calibration``; ``bench/calibration.md`` has every
table. Groups without a row (counts of ĐBKK communes, the spread of district rates) are not
recalibrated. Factors are per group, pooled over the horizons 1-3 (the only ones backtested);
later horizons use the same factors on the models' own, wider, spread.

Measured (``bench/calibration.md``; 80% / 95% coverage of the combined intervals)
----------------------------------------------------------------------------------
=====================  ==============  ==============  ==============
                       stocks, rates   flows           coverage
=====================  ==============  ==============  ==============
factors s80 / s95      1.48 / 1.44     0.71 / 0.78     1.33 / 1.62
before (old models)    28.2 / 68.5     89.4 / 100      67.2 / 91.4
raw (new models)       33.3 / 57.9     91.7 / 98.5     70.7 / 87.4
recalibrated (CV)      50.3 / 71.5     77.3 / 94.7     79.8 / 94.9
holdout, before        97.3 / 98.2     95.5 / 100      60.6 / 89.4
holdout, raw           96.4 / 98.2     97.7 / 100      63.6 / 77.3
holdout, recalibrated  98.2 / 98.2     84.1 / 97.7     71.2 / 81.8
=====================  ==============  ==============  ==============

The first rows are the Decision 59 training cases (330, 132 and 198; "CV": factors fitted without
the case's target year); the holdout rows score forecasts from 2022-2024 of 2025 and 2026
(`analysis.bundled.synthetic_extended.holdout_summary`: 110, 88 and 66 cases) with the factors
fitted on the training cases.

**The factors keep the spread of the errors, not their bias** (`fit_scales` with ``centre``
and without ``shift``). In 2016-2021 every model over-forecast the stocks and rates (the fall
accelerated as incomes rose past a fixed line: median error of the combined forecast +8%,
+23%, +41% at 1-3 years; the medians sat 1.14 half-widths of the 80% interval too high), while
the combined forecast from 2022-2024 of 2025-2026 is unbiased (median error -4%, -2%). Two
other ways of fitting were measured and rejected:

* covering the bias too (factors measured from the biased medians: s80 2.59, s95 2.19) reaches
  78.2 / 94.8 in training but 99.1 / 100 on the holdout, with 80% intervals on average 8 times as
  high as they are low for a district's poor households next year (3.3 times here, 2.3 times
  raw), and less sharp target probabilities (Brier score of the stock and rate events 0.101
  against 0.066 here, 0.051 raw);
* moving the medians by the bias (``shift`` -1.14 half-widths for stocks and rates) reaches
  71 / 93 in training and gives the sharpest probabilities (Brier 0.067 and 0.051), but puts
  the 2025-2026 medians, the point the reports state, 35-47% too low (MAE 0.72 of the
  no-change forecast's instead of 0.14; coverage 71 / 97).

A segment's bias is therefore not carried into the next one; stock and rate intervals stay too
narrow when the trend changes within a standard as it did in 2016-2021 (1 year ahead 70 / 92,
3 years ahead 15 / 27 in training). The flow and coverage factors hardly depend on the choice
(their bias is small). The factors are order statistics of a few hundred cases, each from 1,000
simulated paths: another seeding of the mixtures moved them by up to 0.06 (flows: s80 0.77
instead of 0.71) and the coverages by 1-2 points.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.projection.bounds import PathBounds, apply_bounds
from analysis.projection.indicators import Indicator, get_indicator

CALIBRATION_CSV = Path(__file__).resolve().parent / "calibration.csv"
GROUP_OF_KIND = {
    "stock": "level",
    "rate": "level",
    "ratio": "level",
    "flow": "flow",
    "change": "flow",
    "coverage": "coverage",
    "count": "other",
    "spread": "other",
}
#: The groups that are backtested and recalibrated, with their labels for tables.
GROUPS = {"level": "stocks and rates", "flow": "flows", "coverage": "coverage"}
SCALE_COLUMNS = ("group", "shift", "s80", "s95", "n", "fitted_on")
# Offsets that keep zeros finite on the log scale, by unit (a household, 0.01 point, ...).
_LOG_OFFSET = {"households": 0.5, "%": 0.01, "points": 0.01, "communes": 0.5, "ratio": 1e-3}
_LOGIT_EPS = 1e-4


def indicator_group(indicator: str) -> str:
    """The calibration group of an indicator.

    Parameters
    ----------
    indicator : str

    Returns
    -------
    str
        ``"level"`` (stocks, rates, the halving ratio), ``"flow"`` (annual flows and rate
        changes), ``"coverage"`` or ``"other"`` (ĐBKK commune counts, the spread of rates).
    """
    return GROUP_OF_KIND[get_indicator(indicator).kind]


@dataclass(frozen=True)
class Scales:
    """Recalibration of one group's combined forecasts (see the module docstring).

    Attributes
    ----------
    shift : float
        Shift of the median, in half-widths of the 80% interval (positive: upwards).
    s80, s95 : float
        Factors applied to the distances of the 80% and 95% limits from the median.
    """

    shift: float = 0.0
    s80: float = 1.0
    s95: float = 1.0


IDENTITY = Scales()


def read_scales(path: str | Path = CALIBRATION_CSV) -> dict[str, Scales]:
    """Read the recalibration factors per group.

    Parameters
    ----------
    path : str or pathlib.Path
        A CSV with `SCALE_COLUMNS` (default: the bundled ``calibration.csv``).

    Returns
    -------
    dict
        Group -> `Scales`; empty when the file does not exist.

    Raises
    ------
    ValueError
        A column is missing, a factor is not a positive number or a shift not finite.
    """
    path = Path(path)
    if not path.exists():
        return {}
    out = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in SCALE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path.name} lacks the columns {missing}")
        for row in reader:
            shift, s80, s95 = (float(row[c]) for c in ("shift", "s80", "s95"))
            if not (np.isfinite(shift) and s80 > 0 and s95 > 0):
                raise ValueError(f"{path.name}: bad factors for group {row['group']}")
            out[row["group"]] = Scales(shift, s80, s95)
    return out


def write_scales(scales: dict, path: str | Path = CALIBRATION_CSV, *, counts=None, note=""):
    """Write recalibration factors (the inverse of `read_scales`).

    Parameters
    ----------
    scales : dict
        Group -> `Scales`.
    path : str or pathlib.Path
    counts : dict, optional
        Group -> number of backtest cases the factors were fitted on.
    note : str
        What they were fitted on (the ``fitted_on`` column).
    """
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(SCALE_COLUMNS)
        for group, s in scales.items():
            n = (counts or {}).get(group, "")
            writer.writerow([group, f"{s.shift:.4f}", f"{s.s80:.4f}", f"{s.s95:.4f}", n, note])


SCALES: dict[str, Scales] = read_scales()


def transform(ind: Indicator):
    """The scale on which an indicator's forecast uncertainty is recalibrated.

    Parameters
    ----------
    ind : Indicator

    Returns
    -------
    tuple of callable
        ``(forward, back)``: logs (with a small offset by unit) for log-scale indicators, logits
        for coverage ratios, identities otherwise.
    """
    if ind.kind == "coverage":

        def forward(v):
            p = np.clip(np.asarray(v, dtype=float) / 100.0, _LOGIT_EPS, 1 - _LOGIT_EPS)
            return np.log(p / (1 - p))

        def back(z):
            return 100.0 / (1.0 + np.exp(-z))

        return forward, back
    if ind.log:
        c = _LOG_OFFSET.get(ind.unit, 1e-3)

        def forward(v):
            return np.log(np.maximum(np.asarray(v, dtype=float), 0.0) + c)

        def back(z):
            return np.exp(z) - c

        return forward, back
    return (lambda v: np.asarray(v, dtype=float)), (lambda z: z)


def band_widths(z: np.ndarray):
    """Median and one-sided widths of the 80% and 95% intervals of transformed samples.

    Parameters
    ----------
    z : numpy.ndarray
        ``n_paths x years`` (or ``n_paths``), on the recalibration scale.

    Returns
    -------
    tuple of numpy.ndarray
        ``median, below80, above80, below95, above95`` per year (distances, >= 0).
    """
    q = np.nanquantile(z, [0.5, 0.1, 0.9, 0.025, 0.975], axis=0)
    m = q[0]
    return m, m - q[1], q[2] - m, m - q[3], q[4] - m


def _stretch(d, w80, w95, s80, s95):
    """The piecewise-linear map of non-negative deviations (module docstring, step 2)."""
    span = w95 - w80
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(span > 0, (s95 * w95 - s80 * w80) / np.where(span > 0, span, 1.0), s95)
    slope = np.maximum(slope, 0.05 * s95)  # keep the map increasing when s95 << s80
    return np.where(d <= w80, s80 * d, s80 * w80 + slope * (d - w80))


def recalibrate(samples: np.ndarray, ind: Indicator, scales: Scales) -> np.ndarray:
    """Samples re-centred and re-scaled year by year (module docstring, step 2).

    Parameters
    ----------
    samples : numpy.ndarray
        ``n_paths x years`` (or ``n_paths``) of one indicator.
    ind : Indicator
    scales : Scales

    Returns
    -------
    numpy.ndarray
        A new array of the same shape; the same array's values when ``scales`` is the identity.
    """
    samples = np.asarray(samples, dtype=float)
    if scales == IDENTITY:
        return samples.copy()
    forward, back = transform(ind)
    z = forward(samples)
    m, a80, b80, a95, b95 = band_widths(z)
    d = z - m
    up = _stretch(np.maximum(d, 0.0), b80, b95, scales.s80, scales.s95)
    down = _stretch(np.maximum(-d, 0.0), a80, a95, scales.s80, scales.s95)
    centre = m + scales.shift * (a80 + b80) / 2.0
    with np.errstate(over="ignore"):
        return back(centre + np.where(d >= 0, up, -down))


def mixture(forecasts: dict, weights: dict, n_paths: int, rng: np.random.Generator):
    """Paths drawn from each model in proportion to its weight, shuffled.

    Parameters
    ----------
    forecasts : dict
        Model -> `analysis.projection.models.ModelForecast` (models without paths are skipped).
    weights : dict
        Model -> weight (need not sum to 1).
    n_paths : int
    rng : numpy.random.Generator

    Returns
    -------
    numpy.ndarray or None
        About ``n_paths x years``; None when no model with a positive weight has paths.
    """
    usable = {m: f for m, f in forecasts.items() if f.paths is not None and weights.get(m, 0) > 0}
    if not usable:
        return None
    wsum = sum(weights[m] for m in usable)
    parts = []
    for m, f in usable.items():
        take = int(round(n_paths * weights[m] / wsum))
        idx = rng.choice(len(f.paths), size=take, replace=take > len(f.paths))
        parts.append(f.paths[idx])
    mix = np.vstack(parts)
    return mix[rng.permutation(len(mix))]


def combine_paths(
    forecasts: dict,
    weights: dict,
    ind: Indicator,
    bounds: PathBounds,
    n_paths: int,
    rng: np.random.Generator,
    scales: dict | None = None,
):
    """The combined forecast's paths: mixture, recalibration, bounds (module docstring).

    Parameters
    ----------
    forecasts : dict
        Model -> ``ModelForecast`` for the same consecutive future years.
    weights : dict
        Model -> weight.
    ind : Indicator
    bounds : PathBounds
        Bounds of the area's paths (`analysis.projection.bounds.path_bounds`).
    n_paths : int
    rng : numpy.random.Generator
    scales : dict, optional
        Group -> `Scales` (default `SCALES`, the bundled calibration; ``{}`` for none).

    Returns
    -------
    numpy.ndarray or None
        ``n_paths x years``; None when no model has paths.
    """
    mix = mixture(forecasts, weights, n_paths, rng)
    if mix is None:
        return None
    table = SCALES if scales is None else scales
    s = table.get(GROUP_OF_KIND[ind.kind], IDENTITY)
    return apply_bounds(recalibrate(mix, ind, s), bounds)
