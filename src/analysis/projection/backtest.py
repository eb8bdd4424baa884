"""Rolling-origin backtests of the projection models, fitted as the reports fit them.

Origins and windows
-------------------
For each standard segment of the data (Decision 59/2015: 2016-2021; Decree 07/2021: 2022-2026),
each area (the districts; the province alone when the summary has no district rows), each
indicator and each origin year ``o`` of the segment, the models (run by
:mod:`analysis.projection.fitting`) are fitted on the **last ``window`` (3) observed values of the
segment up to ``o``** (the same number of points as the reports' fits on the three NĐ 07 reviews
2022-2024) and forecast ``o + h`` for ``h`` in 1, 2, 3 when that year lies **in the same
segment**. The fit sees only the summary rows of its window (the flow model's empirical-Bayes
pooling sees the other districts' rows of the same years), never a year after ``o`` nor another
standard. On the bundled 2016-2024 data the origins are 2018-2020 for stocks, rates and coverage
(fitted on 2016-2018, 2017-2019, 2018-2020) and 2019-2020 for annual flows (their first value is
2017); with the holdout years 2025-2026 of :mod:`analysis.bundled.synthetic_extended` appended,
NĐ 07 adds origin 2024 (fitted on 2022-2024, exactly the reports' fit) scored on 2025 and 2026.

`backtest_runs` returns every fitted series with each model's paths (for intervals, the
combined forecast and probabilities, scored by :mod:`analysis.projection.scoring`);
`backtest_errors` and `backtest_table` score point forecasts only: each model's mean and the
**no-change** benchmark (the last observed value, e.g. this year's reduction again next year).

Combination weights
-------------------
`model_weights` turns a `backtest_table` into the weights of
:func:`analysis.projection.combine.project` (``weights="backtest"``, and the reports'):
within each segment x indicator x horizon the weight of a model is proportional to
``1 / mae``; those are averaged over the groups of rows (each counts once) **per indicator group**
(stocks and rates, flows, coverage; `analysis.projection.calibration.indicator_group`) and
normalised. The result (`GroupWeights`) is a mapping model -> weight over all groups (as before)
that also carries the weights of each group, which ``project`` uses for an indicator of that group.
`WEIGHT_INDICATORS` are the indicators the reports' weights are fitted on (two or three per group,
to keep the reports' start-up short).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.projection.bounds import PathBounds, path_bounds
from analysis.projection.calibration import GROUP_OF_KIND, GROUPS, indicator_group
from analysis.projection.context import PROVINCE, ProjectionContext
from analysis.projection.fitting import MODELS, run_models
from analysis.projection.indicators import INDICATORS, get_indicator
from analysis.projection.models import InsufficientDataError, ModelForecast
from analysis.reference.standards import standard_segments

#: Indicators backtested per group for the calibration study (`backtest_runs`).
GROUP_INDICATORS = {
    "level": (
        "poor_households",
        "poverty_rate_pct",
        "em_poor_households",
        "em_poverty_rate_pct",
        "near_poor_households",
    ),
    "flow": (
        "poor_reduction_households",
        "em_poor_reduction_households",
        "escaped_households",
        "poverty_rate_change_points",
    ),
    "coverage": (
        "health_insurance_coverage_pct",
        "credit_coverage_pct",
        "training_coverage_pct",
    ),
}
BACKTEST_INDICATORS = tuple(i for group in GROUP_INDICATORS.values() for i in group)
#: Indicators of the point-forecast table behind the combination weights (`backtest_table`).
WEIGHT_INDICATORS = (
    "poor_households",
    "poverty_rate_pct",
    "poor_reduction_households",
    "em_poor_reduction_households",
    "credit_coverage_pct",
    "training_coverage_pct",
)
HORIZONS = (1, 2, 3)
WINDOW = 3
NO_CHANGE = "no_change"
TABLE_COLUMNS = [
    "segment", "group", "indicator", "model", "horizon", "n", "mae", "mape", "n_mape", "bias",
]  # fmt: skip
ERROR_COLUMNS = [
    "segment", "group", "indicator", "area_code", "model", "origin", "horizon", "year",
    "forecast", "actual", "error",
]  # fmt: skip


@dataclass
class Run:
    """One backtest fit: a series, an origin, the models' forecasts of the years after it.

    Attributes
    ----------
    segment, group, indicator, area_code : str
    origin : int
        Last year of the fit.
    fit_years : tuple of int
        The years fitted on.
    years : numpy.ndarray
        Forecast years (consecutive from ``origin + 1``, all in the segment).
    actual : numpy.ndarray
        Observed values of those years.
    last : float
        The value of the origin year (the no-change forecast).
    forecasts : dict
        Model -> `analysis.projection.models.ModelForecast` (models that could not run are absent).
    bounds : PathBounds
        Bounds of the area's paths as of the origin.
    """

    segment: str
    group: str
    indicator: str
    area_code: str
    origin: int
    fit_years: tuple
    years: np.ndarray
    actual: np.ndarray
    last: float
    forecasts: dict
    bounds: PathBounds

    @property
    def horizons(self) -> np.ndarray:
        """Years ahead of each forecast year."""
        return self.years - self.origin


def _areas(ctx: ProjectionContext) -> list[str]:
    districts = ctx.peers("district")
    return districts if districts else [PROVINCE]


def _origins(values: dict, horizons, window: int, max_origin: int | None):
    """(segment, origin, fit years, forecast years) of one series (``values``: year -> value)."""
    for code, years in standard_segments(values):
        for i, origin in enumerate(years):
            if i + 1 < window or (max_origin is not None and origin > max_origin):
                continue
            ahead = [origin + h for h in sorted(horizons) if origin + h in years]
            # consecutive years from origin + 1 only (the running sums of bounded paths need them)
            ahead = [y for k, y in enumerate(ahead) if y == origin + 1 + k]
            if ahead:
                yield code, origin, tuple(years[i + 1 - window : i + 1]), ahead


def backtest_runs(
    summary: pd.DataFrame,
    seed: int = 20211126,
    *,
    indicators=BACKTEST_INDICATORS,
    models=MODELS,
    horizons=HORIZONS,
    window: int = WINDOW,
    n_paths: int = 1000,
    areas=None,
    max_origin: int | None = None,
) -> list[Run]:
    """Every fit of the rolling-origin backtest, with each model's simulated paths.

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary table (one row per year x area x zone; no ``"all"`` zone rows).
    seed : int
        Seed of the models' draws (each origin's fits get their own seeds from it).
    indicators : sequence of str
        Indicators to backtest.
    models : sequence of str
        Models to run.
    horizons : sequence of int
        Years ahead.
    window : int
        Observed values per fit (at least 2; 3 as in the reports).
    n_paths : int
        Paths per model (0: point forecasts; the flow model then still simulates 200 for its mean).
    areas : sequence of str, optional
        Areas (default: all districts, else the province).
    max_origin : int, optional
        Last origin year.

    Returns
    -------
    list of Run
        In the order indicator, area, origin.

    Raises
    ------
    ValueError
        Unknown indicator, ``window`` below 2.
    """
    if window < 2:
        raise ValueError("window must be at least 2")
    for ind in indicators:
        get_indicator(ind)
    ctx = ProjectionContext(summary)
    areas = [str(a) for a in areas] if areas is not None else _areas(ctx)
    sliced: dict[tuple[int, int], ProjectionContext] = {}
    runs = []
    for indicator in indicators:
        group = indicator_group(indicator)
        for area in areas:
            series = ctx.series(area, indicator).dropna(subset=["value"])
            values = dict(zip(series["year"].astype(int), series["value"], strict=True))
            for code, origin, fit_years, ahead in _origins(values, horizons, window, max_origin):
                key = (fit_years[0], origin)
                if key not in sliced:
                    year = ctx.summary["year"]
                    sliced[key] = ProjectionContext(
                        ctx.summary[(year >= fit_years[0]) & (year <= origin)]
                    )
                fit_ctx = sliced[key]
                try:
                    forecasts, _, _ = run_models(
                        fit_ctx, area, indicator, np.array(ahead), tuple(models),
                        seed + int(origin), n_paths, min_points=window, strict=False,
                        fixed_ets=True,
                    )  # fmt: skip
                except (InsufficientDataError, ValueError):
                    continue
                runs.append(
                    Run(
                        segment=code,
                        group=group,
                        indicator=indicator,
                        area_code=area,
                        origin=int(origin),
                        fit_years=fit_years,
                        years=np.array(ahead),
                        actual=np.array([values[y] for y in ahead], dtype=float),
                        last=float(values[origin]),
                        forecasts=forecasts,
                        bounds=path_bounds(fit_ctx, area, indicator),
                    )  # fmt: skip
                )
    return runs


def point_forecast(forecast: ModelForecast) -> np.ndarray:
    """A model's point forecast per year: its mean (Monte Carlo for the flow model)."""
    return np.asarray(forecast.mean, dtype=float)


def errors_frame(runs: list[Run], models=MODELS) -> pd.DataFrame:
    """Point-forecast errors of runs: each model and the no-change benchmark.

    Parameters
    ----------
    runs : list of Run
    models : sequence of str
        Models to score (when they ran).

    Returns
    -------
    pandas.DataFrame
        `ERROR_COLUMNS`, one row per run, model (and ``no_change``) and forecast year.
    """
    rows = []
    for run in runs:
        points = {m: point_forecast(run.forecasts[m]) for m in models if m in run.forecasts}
        points[NO_CHANGE] = np.full(len(run.years), run.last)
        for model, values in points.items():
            for year, h, value, actual in zip(
                run.years, run.horizons, values, run.actual, strict=True
            ):
                rows.append(
                    (run.segment, run.group, run.indicator, run.area_code, model, run.origin,
                     int(h), int(year), float(value), float(actual), float(value - actual))
                )  # fmt: skip
    return pd.DataFrame(rows, columns=ERROR_COLUMNS)


def backtest_errors(
    summary: pd.DataFrame,
    seed: int = 20211126,
    *,
    indicators=WEIGHT_INDICATORS,
    models=MODELS,
    horizons=HORIZONS,
    window: int = WINDOW,
    n_paths: int = 200,
    areas=None,
    max_origin: int | None = None,
) -> pd.DataFrame:
    """Every scored point forecast of the rolling-origin backtest (models and no-change).

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary table.
    seed : int
        Seed of the flow model's Monte Carlo.
    indicators, models, horizons, window, areas, max_origin
        As in `backtest_runs`.
    n_paths : int
        Monte Carlo paths of the flow model's mean (OLS and ETS means are analytic).

    Returns
    -------
    pandas.DataFrame
        `ERROR_COLUMNS` (``error`` is forecast minus actual).
    """
    runs = backtest_runs(
        summary, seed, indicators=indicators, models=models, horizons=horizons, window=window,
        n_paths=0, areas=areas, max_origin=max_origin,
    )  # fmt: skip
    del n_paths  # the flow model simulates its own minimum (200 paths) for the mean
    return errors_frame(runs, models)


def score_errors(errors: pd.DataFrame) -> pd.DataFrame:
    """MAE, MAPE and bias per segment x indicator x model x horizon of an errors frame.

    Parameters
    ----------
    errors : pandas.DataFrame
        `ERROR_COLUMNS` (`backtest_errors`, `errors_frame`).

    Returns
    -------
    pandas.DataFrame
        `TABLE_COLUMNS`: ``mape`` over the cases whose actual value is not 0 (``n_mape`` of them),
        ``bias`` the mean error (positive: forecasts too high); segments in time order, then
        indicator, horizon and model (`MODELS`, then no-change).
    """
    if errors.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    errors = errors.assign(abs_error=errors["error"].abs())
    nonzero = errors["actual"] != 0
    errors["ape"] = np.where(
        nonzero, 100.0 * errors["abs_error"] / errors["actual"].abs().where(nonzero, 1.0), np.nan
    )
    keys = ["segment", "group", "indicator", "model", "horizon"]
    table = (
        errors.groupby(keys, sort=False)
        .agg(
            n=("error", "size"),
            mae=("abs_error", "mean"),
            mape=("ape", "mean"),
            n_mape=("ape", "count"),
            bias=("error", "mean"),
        )
        .reset_index()
    )
    order = {code: i for i, code in enumerate(dict.fromkeys(errors.sort_values("year")["segment"]))}
    model_order = {m: i for i, m in enumerate((*MODELS, "combined", NO_CHANGE))}
    table = table.sort_values(
        ["segment", "indicator", "horizon", "model"],
        key=lambda s: (
            s.map(order)
            if s.name == "segment"
            else (s.map(lambda m: model_order.get(m, 99)) if s.name == "model" else s)
        ),
    )
    return table[TABLE_COLUMNS].reset_index(drop=True)


def backtest_table(summary: pd.DataFrame, seed: int = 20211126, **kwargs) -> pd.DataFrame:
    """MAE, MAPE and bias of point forecasts per segment x indicator x model x horizon.

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary table.
    seed : int
        Seed (the same seed gives the same table).
    **kwargs
        Passed to `backtest_errors`.

    Returns
    -------
    pandas.DataFrame
        `TABLE_COLUMNS` (`score_errors`), models and the ``no_change`` benchmark.
    """
    return score_errors(backtest_errors(summary, seed, **kwargs))


class GroupWeights(dict):
    """Model -> weight over all indicator groups, with the weights of each group.

    A plain mapping for every use that expects one; `for_indicator` gives the weights of the
    indicator's group (the overall weights when that group was not backtested).

    Parameters
    ----------
    overall : dict
        Model -> weight.
    groups : dict
        Group -> (model -> weight).
    """

    def __init__(self, overall: dict, groups: dict):
        super().__init__(overall)
        self.groups = {g: dict(w) for g, w in groups.items()}

    def for_indicator(self, indicator: str) -> dict:
        """The weights of the indicator's group (a plain dict)."""
        kind = INDICATORS[indicator].kind if indicator in INDICATORS else None
        return dict(self.groups.get(GROUP_OF_KIND.get(kind, "other"), self))

    def __repr__(self) -> str:
        return f"GroupWeights({dict(self)!r}, groups={self.groups!r})"


def _inverse_mae(part: pd.DataFrame, models) -> dict | None:
    acc = dict.fromkeys(models, 0.0)
    groups = 0
    for _, group in part.groupby(["segment", "indicator", "horizon"]):
        inv = {r.model: 1.0 / max(float(r.mae), 1e-9) for r in group.itertuples()}
        total = sum(inv.values())
        for m, v in inv.items():
            acc[m] += v / total
        groups += 1
    return {m: acc[m] / groups for m in models} if groups else None


def model_weights(
    table: pd.DataFrame, *, indicator: str | None = None, models=MODELS
) -> GroupWeights:
    """Combination weights from a backtest table (inverse MAE, averaged over rows, per group).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of `backtest_table` (``no_change`` rows are ignored unless named in ``models``).
    indicator : str, optional
        Use only this indicator's rows.
    models : sequence of str
        Models to weight.

    Returns
    -------
    GroupWeights
        Model -> weight summing to 1 (equal weights for an empty table), and per group.
    """
    part = table if indicator is None else table[table["indicator"] == indicator]
    part = part[part["model"].isin(models)]
    overall = _inverse_mae(part, models) or {m: 1.0 / len(models) for m in models}
    groups = {}
    if "group" in part:
        for group, rows in part.groupby("group", sort=False):
            weights = _inverse_mae(rows, models)
            if weights is not None and group in GROUPS:
                groups[group] = weights
    return GroupWeights(overall, groups)


def format_backtest(table: pd.DataFrame, decimals: int = 1) -> str:
    """Plain-text MAE table: per segment and indicator, rows = horizon, columns = models.

    Parameters
    ----------
    table : pandas.DataFrame
        `TABLE_COLUMNS` (`backtest_table`, `score_errors`).
    decimals : int
        Decimals of the MAE.

    Returns
    -------
    str
        One block per segment and indicator, then the weights per group.
    """
    if table.empty:
        return "Backtest: no origin had enough points in any standard segment.\n"
    lines = []
    present = [m for m in (*MODELS, "combined", NO_CHANGE) if m in set(table["model"])]
    for (segment, indicator), group in table.groupby(["segment", "indicator"], sort=False):
        lines.append(f"{segment} - {indicator} (MAE)")
        wide = group.pivot_table(index="horizon", columns="model", values=["mae", "n"])
        header = ["h", *[m for m in present if ("mae", m) in wide], "n"]
        body = []
        for h, r in wide.iterrows():
            cells = [str(h)]
            cells += [f"{r[('mae', m)]:,.{decimals}f}" for m in present if ("mae", m) in wide]
            cells.append(str(int(np.nanmax(r["n"].to_numpy(float)))))
            body.append(cells)
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
        for row in [header, *body]:
            lines.append("  " + "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
        lines.append("")
    weights = model_weights(table)
    for group, w in weights.groups.items():
        lines.append(
            f"inverse-MAE weights, {GROUPS[group]}: "
            + ", ".join(f"{m} {v:.2f}" for m, v in w.items())
        )
    return "\n".join(lines) + "\n"
