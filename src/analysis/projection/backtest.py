"""Rolling-origin backtests of the projection models, per standard segment.

For each standard segment of the data (Decision 59/2015: 2016-2021; Decree 07/2021: 2022 on),
each area of the lowest complete level (the districts; the province alone when the summary has
no district rows), each indicator and each origin year ``o`` of the segment, the models (run
by :mod:`analysis.projection.fitting`) are fitted on the segment's years up to ``o`` only (and,
for the flow model's empirical-Bayes pooling, on the other districts' years up to ``o``), and
forecast the years ``o + h`` for ``h`` in 1, 2, 3 that lie **in the same segment**. A forecast is
never scored against a year governed by another standard, and no model ever sees a year after
its origin.

An origin needs ``min_train`` observed points in its segment (2 by default: with three NĐ07
years, 2022-2023 -> 2024 is the only origin of the 2022+ segment until the 2025 review arrives;
with two points OLS is the line through them and ETS runs with its fixed parameters, which is
enough for point forecasts, the only thing scored).

Scores, pooled over areas and origins, per segment x indicator x model x horizon:
``mae`` (mean absolute error, in the indicator's unit), ``mape`` (mean absolute percentage
error in %, over the cases whose actual value is not zero; ``n_mape`` counts them).
Everything random (the flow model's Monte Carlo mean) comes from ``seed``: the same call gives
the same table.

`model_weights` turns a table into combination weights for `analysis.projection.combine.project`
(``weights="backtest"``): within each segment x indicator x horizon the weight of a model is
proportional to ``1 / mae``; those weights are averaged over the groups (each group counts
once) and normalised. Models missing from the table get weight 0; an empty table gives equal
weights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.projection.context import PROVINCE, ProjectionContext
from analysis.projection.fitting import MODELS, run_models
from analysis.projection.indicators import get_indicator
from analysis.projection.models import InsufficientDataError
from analysis.reference.standards import standard_segments

BACKTEST_INDICATORS = ("poor_households", "poor_reduction_households")
HORIZONS = (1, 2, 3)
TABLE_COLUMNS = ["segment", "indicator", "model", "horizon", "n", "mae", "mape", "n_mape"]
ERROR_COLUMNS = [
    "segment", "indicator", "area_code", "model", "origin", "horizon", "year",
    "forecast", "actual", "error",
]  # fmt: skip


def _areas(ctx: ProjectionContext) -> list[str]:
    districts = ctx.peers("district")
    return districts if districts else [PROVINCE]


def backtest_errors(
    summary: pd.DataFrame,
    seed: int = 20211126,
    *,
    indicators=BACKTEST_INDICATORS,
    models=MODELS,
    horizons=HORIZONS,
    min_train: int = 2,
    n_paths: int = 400,
    areas=None,
) -> pd.DataFrame:
    """Every scored forecast of the rolling-origin backtest.

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary table.
    seed : int
        Seed of the flow model's Monte Carlo.
    indicators : sequence of str
        Indicators to backtest (default: poor households and their annual reduction).
    models : sequence of str
        Models to score.
    horizons : sequence of int
        Years ahead.
    min_train : int
        Observed points needed in the segment before an origin (at least 2).
    n_paths : int
        Monte Carlo paths for the flow model's mean (ETS and OLS means are analytic).
    areas : sequence of str, optional
        Areas to pool over (default: all districts, else the province).

    Returns
    -------
    pandas.DataFrame
        ``segment, indicator, area_code, model, origin, horizon, year, forecast, actual, error``
        (forecast minus actual), one row per scored forecast.
    """
    if min_train < 2:
        raise ValueError("min_train must be at least 2")
    for ind in indicators:
        get_indicator(ind)
    ctx = ProjectionContext(summary)
    areas = [str(a) for a in areas] if areas is not None else _areas(ctx)
    truncated: dict[int, ProjectionContext] = {}
    rows = []
    for indicator in indicators:
        for area in areas:
            series = ctx.series(area, indicator).dropna(subset=["value"])
            if series.empty:
                continue
            actual = dict(zip(series["year"], series["value"], strict=True))
            for code, years in standard_segments(series["year"]):
                for i, origin in enumerate(years):
                    if i + 1 < min_train:
                        continue
                    targets = [(h, origin + h) for h in horizons if origin + h in years]
                    if not targets:
                        continue
                    if origin not in truncated:
                        truncated[origin] = ctx.truncate(origin)
                    future = np.array([y for _, y in targets])
                    for model in models:
                        try:
                            out, _, _ = run_models(
                                truncated[origin],
                                area,
                                indicator,
                                future,
                                (model,),
                                seed,
                                n_paths if model == "flow" else 0,
                                min_points=min_train,
                                strict=True,
                            )
                        except (InsufficientDataError, ValueError):
                            continue
                        mean = out[model].mean
                        for (h, year), value in zip(targets, mean, strict=True):
                            rows.append(
                                {
                                    "segment": code,
                                    "indicator": indicator,
                                    "area_code": area,
                                    "model": model,
                                    "origin": int(origin),
                                    "horizon": int(h),
                                    "year": int(year),
                                    "forecast": float(value),
                                    "actual": float(actual[year]),
                                    "error": float(value - actual[year]),
                                }
                            )
    return pd.DataFrame(rows, columns=ERROR_COLUMNS)


def backtest_table(summary: pd.DataFrame, seed: int = 20211126, **kwargs) -> pd.DataFrame:
    """MAE and MAPE per segment x indicator x model x horizon, pooled over areas and origins.

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary table.
    seed : int
        Seed (the same seed gives the same table).
    **kwargs
        Passed to `backtest_errors` (``indicators``, ``models``, ``horizons``, ``min_train``,
        ``n_paths``, ``areas``).

    Returns
    -------
    pandas.DataFrame
        Columns `TABLE_COLUMNS`, sorted by segment (in time order), indicator, horizon, model.
    """
    errors = backtest_errors(summary, seed, **kwargs)
    if errors.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    errors = errors.assign(abs_error=errors["error"].abs())
    nonzero = errors["actual"] != 0
    errors["ape"] = np.where(
        nonzero, 100.0 * errors["abs_error"] / errors["actual"].abs().where(nonzero, 1.0), np.nan
    )
    keys = ["segment", "indicator", "model", "horizon"]
    table = (
        errors.groupby(keys, sort=False)
        .agg(
            n=("error", "size"),
            mae=("abs_error", "mean"),
            mape=("ape", "mean"),
            n_mape=("ape", "count"),
        )
        .reset_index()
    )
    order = {code: i for i, code in enumerate(dict.fromkeys(errors.sort_values("year")["segment"]))}
    model_order = {m: i for i, m in enumerate(MODELS)}
    table = table.sort_values(
        ["segment", "indicator", "horizon", "model"],
        key=lambda s: (
            s.map(order)
            if s.name == "segment"
            else (s.map(model_order) if s.name == "model" else s)
        ),
    )
    return table[TABLE_COLUMNS].reset_index(drop=True)


def model_weights(
    table: pd.DataFrame, *, indicator: str | None = None, models=MODELS
) -> dict[str, float]:
    """Combination weights from a backtest table (inverse-MAE, averaged over groups).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of `backtest_table`.
    indicator : str, optional
        Use only this indicator's rows.
    models : sequence of str
        Models to weight.

    Returns
    -------
    dict
        Model -> weight, summing to 1.
    """
    part = table if indicator is None else table[table["indicator"] == indicator]
    part = part[part["model"].isin(models)]
    if part.empty:
        return {m: 1.0 / len(models) for m in models}
    acc = dict.fromkeys(models, 0.0)
    groups = 0
    for _, group in part.groupby(["segment", "indicator", "horizon"]):
        inv = {r.model: 1.0 / max(float(r.mae), 1e-9) for r in group.itertuples()}
        total = sum(inv.values())
        for m, v in inv.items():
            acc[m] += v / total
        groups += 1
    return {m: acc[m] / groups for m in models}


def format_backtest(table: pd.DataFrame, decimals: int = 1) -> str:
    """Plain-text rendering of a backtest table, with the weights it implies.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of `backtest_table`.
    decimals : int
        Decimals of MAE and MAPE.

    Returns
    -------
    str
        One block per segment and indicator: rows = horizon, columns = MAE and MAPE per model.
    """
    if table.empty:
        return "Backtest: no origin had enough points in any standard segment.\n"
    lines = ["Rolling-origin backtest (fits never cross a change of standard)", ""]
    for (segment, indicator), group in table.groupby(["segment", "indicator"], sort=False):
        lines.append(f"{segment} - {indicator}")
        wide = group.pivot_table(
            index="horizon", columns="model", values=["mae", "mape", "n"], sort=False
        )
        header = (
            ["h"]
            + [f"{m} MAE" for m in MODELS if ("mae", m) in wide]
            + [f"{m} MAPE%" for m in MODELS if ("mape", m) in wide]
            + ["n"]
        )
        body = []
        for h, r in wide.iterrows():
            cells = [str(h)]
            cells += [f"{r[('mae', m)]:,.{decimals}f}" for m in MODELS if ("mae", m) in wide]
            cells += [
                "-" if pd.isna(r[("mape", m)]) else f"{r[('mape', m)]:.{decimals}f}"
                for m in MODELS
                if ("mape", m) in wide
            ]
            cells.append(str(int(np.nanmax(r["n"].to_numpy(float)))))
            body.append(cells)
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
        for row in [header, *body]:
            lines.append("  " + "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
        lines.append("")
    weights = model_weights(table)
    lines.append("inverse-MAE weights: " + ", ".join(f"{m} {w:.2f}" for m, w in weights.items()))
    return "\n".join(lines) + "\n"
