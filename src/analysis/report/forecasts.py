"""The report's forecasts: the bridge to the next standard and the outlook table, computed once.

`bridge` estimates, from the household records of the review year (when the data have them),
the factors between the review's standard and NĐ 351/2025 (the standard of 2027-2030), once per
data source and year. `outlook` gives the projected values of the headline indicators of one
area for every year to 2030 (`analysis.projection.outlook.outlook_table`), with rows on the
NĐ 351 basis beside the NĐ 07 continuation when the bridge exists; both are cached per process
(the warm report process computes them once, the forked reports reuse them).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from analysis.report.context import SEED, DataBundle, ReportContext, model_weights, zone_rows

#: Simulated paths per model for the outlook (the same as the verdicts' probabilities).
OUTLOOK_PATHS = 500
HORIZON = 2030


@lru_cache(maxsize=4)
def bridge(data: DataBundle, year: int):
    """Bridge factors from the review year's households to NĐ 351/2025, or ``None``.

    ``None`` when the data have no household records for ``year`` or the records lack what the
    new standard needs (the reports then say the 2030 values are on the NĐ 07 basis).
    """
    from analysis.projection.bridge import BridgeError, estimate_bridge

    if data.households is None:
        return None
    try:
        return estimate_bridge(data.households, int(year), seed=SEED)
    except BridgeError:
        return None


@lru_cache(maxsize=32)
def _outlook(data: DataBundle, year: int, code: str) -> pd.DataFrame:
    from analysis.projection.context import ProjectionContext
    from analysis.projection.outlook import outlook_table

    rows = data.summary[(data.summary["zone"] != "all") & (data.summary["year"] <= year)]
    return outlook_table(
        ProjectionContext(rows), code, year, horizon=HORIZON, seed=SEED,
        weights=model_weights(data, year), n_paths=OUTLOOK_PATHS, bridge=bridge(data, year),
    )  # fmt: skip


def outlook(ctx: ReportContext) -> pd.DataFrame:
    """Projected poor households, poverty rate, near-poor and ethnic-minority poor households of
    the report's area for each year after the review to 2030.

    Returns
    -------
    pandas.DataFrame
        `analysis.projection.outlook.OUTLOOK_COLUMNS`: ``indicator``, ``year``, ``basis``
        (standard code; ``"... continued"`` past the fit's standard), ``point`` (median),
        ``lo80``, ``hi80``, ``lo95``, ``hi95``, ``bridged`` (True for the NĐ 351 rows), ``note``.
    """
    code = "province" if ctx.level == "province" else ctx.area_code
    return _outlook(ctx.data, ctx.year, code)


def history(ctx: ReportContext, indicator: str) -> pd.DataFrame:
    """Observed ``year``, ``value``, ``standard`` of one indicator of the area, to the review."""
    from analysis.projection.context import indicator_series

    code = "province" if ctx.level == "province" else ctx.area_code
    rows = zone_rows(ctx)
    rows = rows[rows["year"] <= ctx.year]
    return indicator_series(rows, code, indicator).dropna(subset=["value"])
