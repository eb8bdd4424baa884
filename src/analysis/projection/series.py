"""Yearly indicator series of one area, and their segments within one poverty standard.

Series
------
`table_series` turns an area's yearly table (the area-year summary of
:mod:`analysis.reference.schema` summed over zones, and communes where needed; see
:class:`analysis.projection.context.ProjectionContext`) into a tidy series ``year, value,
denominator, standard`` of one indicator of :data:`analysis.projection.indicators.INDICATORS`;
`spread_series` makes the province-only spread of district rates. Annual flows (reductions,
re-poverty, new poverty, rate changes) are within-year quantities, so each year's figure belongs
entirely to that year's standard.

Never across a change of standard
---------------------------------
Every model is fitted on the **latest standard segment** of the observed series only
(`latest_segment`: the run of years governed by one standard, from
`analysis.reference.standards.standard_segments`): with the bundled years that is Decree
07/2021 (NĐ07), 2022-2024. Years before 2022 are never used for a 2022+ fit, whatever the
models. How projected years under a later standard are labelled and re-based is described in
:mod:`analysis.projection.combine`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.projection.indicators import get_indicator
from analysis.reference.standards import StandardError, standard_for_year, standard_segments

# Coverage indicators: (numerator, denominator) summary columns.
COVERAGE_COLUMNS = {
    "health_insurance_coverage_pct": ("people_health_insured", "people_poor_near"),
    "credit_coverage_pct": ("households_credit_received", "households_credit_need"),
    "training_coverage_pct": ("people_training_received", "people_training_need"),
}


def standard_code(year: int) -> str:
    """Code of the poverty standard governing ``year``.

    Parameters
    ----------
    year : int

    Returns
    -------
    str
        E.g. ``"ND07_2021"``; ``"none"`` when no standard is defined for the year.
    """
    try:
        return standard_for_year(int(year)).code
    except StandardError:
        return "none"


def tidy_series(years, value, den) -> pd.DataFrame:
    """A tidy series frame from its arrays, each year labelled with its standard.

    Parameters
    ----------
    years : array-like of int
    value, den : array-like of float
        Values and denominators, one per year.

    Returns
    -------
    pandas.DataFrame
        Columns ``year, value, denominator, standard``, indexed from 0.
    """
    years = np.asarray(years, dtype=int)
    frame = pd.DataFrame({"year": years, "value": value, "denominator": den})
    frame["standard"] = [standard_code(y) for y in years]
    return frame.reset_index(drop=True)


def spread_series(indicator: str, rates: dict[str, pd.Series]) -> pd.DataFrame:
    """The spread (highest minus lowest) of district rates, per year.

    Parameters
    ----------
    indicator : str
        The spread indicator's code (for messages).
    rates : dict of pandas.Series
        District code -> poverty rate indexed by year.

    Returns
    -------
    pandas.DataFrame
        Tidy series (see `tidy_series`); NaN in years with fewer than two district rates, and
        no denominator.

    Raises
    ------
    ValueError
        Fewer than two districts.
    """
    if len(rates) < 2:
        raise ValueError(f"{indicator} needs at least two districts in the summary")
    wide = pd.DataFrame(rates)
    value = wide.max(axis=1) - wide.min(axis=1)
    value[wide.notna().sum(axis=1) < 2] = np.nan
    return tidy_series(value.index, value.to_numpy(float), np.full(len(value), np.nan))


def table_series(t: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """Tidy yearly series of one indicator from an area's yearly table.

    Parameters
    ----------
    t : pandas.DataFrame
        Yearly sums of one area, indexed by year (`ProjectionContext.table`).
    indicator : str
        A key of ``INDICATORS`` of any kind but ``spread`` (see `spread_series`).

    Returns
    -------
    pandas.DataFrame
        Columns ``year, value, denominator, standard``.

    Raises
    ------
    ValueError
        The table lacks a column the indicator needs.
    """
    ind = get_indicator(indicator)

    def col(name):
        if name not in t:
            raise ValueError(
                f"indicator {indicator} needs the column {name!r}, absent from the summary"
            )
        return t[name].to_numpy(dtype=float, na_value=np.nan)  # NA as NaN, like astype

    def positive(den):
        return np.where(den > 0, den, np.nan)  # den.where(den > 0)

    if ind.kind in ("stock", "rate"):
        prefix = ind.flow_prefix or ("near_poor" if indicator.startswith("near") else "poor")
        if indicator == "poor_near_poor_households":
            value, den = col("poor_end") + col("near_poor_end"), col("total_households")
        else:
            total = col("em_total_households" if prefix.startswith("em") else "total_households")
            value, den = col(f"{prefix}_end"), total
            if ind.kind == "rate":
                value = 100.0 * value / positive(den)
    elif ind.kind == "flow":
        prefix = ind.flow_prefix
        total = col("em_total_households" if prefix.startswith("em") else "total_households")
        if ind.flow_output == "reduction":
            value, den = col(f"{prefix}_start") - col(f"{prefix}_end"), col(f"{prefix}_start")
        elif ind.flow_output == "escaped":
            value, den = col(f"{prefix}_escaped"), col(f"{prefix}_start")
        else:
            value, den = col(f"{prefix}_{ind.flow_output}"), total - col(f"{prefix}_start")
    elif ind.kind == "change":
        prefix = ind.flow_prefix
        total = col("em_total_households" if prefix.startswith("em") else "total_households")
        den = total
        value = 100.0 * (col(f"{prefix}_end") - col(f"{prefix}_start")) / positive(den)
    elif ind.kind == "coverage":
        num_col, den_col = COVERAGE_COLUMNS[indicator]
        den = col(den_col)
        value = 100.0 * col(num_col) / positive(den)
    elif ind.kind == "count":
        value = col("especially_difficult_communes")
        den = np.full(len(t), np.nan)
    elif ind.kind == "ratio":
        stock = col("poor_end") + col("near_poor_end")
        start = col("poor_start") + col("near_poor_start")
        value = np.full(len(t), np.nan)
        for _, years in standard_segments(t.index):
            pos = t.index.get_indexer(years)
            base = start[pos]
            base = base[~np.isnan(base)]
            if len(base) and base[0] > 0:
                value[pos] = stock[pos] / base[0]
        den = np.full(len(t), np.nan)
    else:  # spread needs several areas (spread_series); INDICATORS has no other kind
        raise ValueError(f"unhandled indicator kind {ind.kind}")
    return tidy_series(t.index, np.asarray(value, dtype=float), np.asarray(den, dtype=float))


def latest_segment(series: pd.DataFrame, as_of: int | None = None) -> pd.DataFrame:
    """The observed points of the latest standard segment (never spanning a change of standard).

    Parameters
    ----------
    series : pandas.DataFrame
        A tidy series (`table_series`, `analysis.projection.context.indicator_series`).
    as_of : int, optional
        Ignore years after this one.

    Returns
    -------
    pandas.DataFrame
        The rows with a value in the latest segment, indexed from 0 (none when no value).
    """
    keep = series["value"].notna().to_numpy()
    year = series["year"].to_numpy()
    if as_of is not None:
        keep = keep & (year <= int(as_of))
    if not keep.any():
        return series[keep]
    code, years = standard_segments(year[keep])[-1]
    return series[keep & np.isin(year, years)].reset_index(drop=True)
