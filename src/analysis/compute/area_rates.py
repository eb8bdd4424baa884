"""Rates per area-year row of the summary table: poverty rates, year-on-year changes within one
standard, flow rates, coverage of the support targets, and their small-count suppression.

Conventions (percent, NaN for a missing or zero denominator, ``<rate>_small`` flags, the
``standard`` of each row) are those of :mod:`analysis.compute.common`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.compute.common import (
    DEFAULT_MIN_HOUSEHOLDS,
    MeasureError,
    as_float,
    check_min_households,
    key_columns,
    key_frame,
    ratio,
    require_columns,
    small_flags,
)
from analysis.reference.schema import COVERAGE_RATIOS

RATE_BASES: dict[str, tuple[str, ...]] = {
    # rates()
    "poverty_rate": ("total_households",),
    "near_poverty_rate": ("total_households",),
    "combined_rate": ("total_households",),
    "em_poverty_rate": ("em_total_households",),
    "non_em_poverty_rate": ("non_em_households",),
    "em_gap_points": ("em_total_households", "non_em_households"),
    "em_share_of_poor": ("poor_end",),
    # flow_rates()
    "escape_rate": ("poor_start",),
    "repoverty_rate": ("poor_start",),
    "new_poverty_rate": ("poor_start",),
    "repoverty_per_1000_non_poor": ("non_poor_start",),
    "new_poverty_per_1000_non_poor": ("non_poor_start",),
    "em_escape_rate": ("em_poor_start",),
    "em_repoverty_rate": ("em_poor_start",),
    "em_new_poverty_rate": ("em_poor_start",),
    "em_repoverty_per_1000_non_poor": ("em_non_poor_start",),
    "em_new_poverty_per_1000_non_poor": ("em_non_poor_start",),
    # coverage()
    **{f"{name}_coverage": (den,) for name, (_num, den) in COVERAGE_RATIOS.items()},
    # deprivation_profile()
    "share": ("base",),
    "share_of_total": ("total_households",),
}
"""Rate column -> the denominator column(s) it is flagged and suppressed by (any one small)."""


def _check_unique(frame: pd.DataFrame, columns: list[str], where: str) -> None:
    dup = frame.duplicated(subset=columns, keep=False)
    if dup.any():
        example = frame.loc[dup, columns].iloc[0].to_dict()
        raise MeasureError(
            f"{where}: {int(dup.sum())} rows share their keys {columns} (e.g. {example}); "
            "pass one row per year, area and zone"
        )


def _assemble(keys: pd.DataFrame, data: dict, index) -> pd.DataFrame:
    return pd.concat([keys, pd.DataFrame(data, index=index)], axis=1)


# --------------------------------------------------------------------------------------------
# 1. rates
# --------------------------------------------------------------------------------------------

RATES_COLUMNS = [
    "total_households",
    "poor_end",
    "near_poor_end",
    "em_total_households",
    "em_poor_end",
]


def rates(summary: pd.DataFrame, min_households: float = DEFAULT_MIN_HOUSEHOLDS) -> pd.DataFrame:
    """Poverty rates per row of an area-year summary (end-of-year stocks).

    Definitions (all in percent; ``total`` = ``total_households``, ``em_total`` =
    ``em_total_households``)::

        poverty_rate        = poor_end / total * 100
        near_poverty_rate   = near_poor_end / total * 100
        combined_rate       = (poor_end + near_poor_end) / total * 100
        em_poverty_rate     = em_poor_end / em_total * 100
        non_em_poverty_rate = (poor_end - em_poor_end) / (total - em_total) * 100
        em_gap_points       = em_poverty_rate - non_em_poverty_rate   (percentage points)
        em_share_of_poor    = em_poor_end / poor_end * 100

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary rows (any area level; zone urban, rural or all).
    min_households : float, default 50
        A rate is flagged ``<rate>_small`` when its denominator is below this (for
        ``em_gap_points``: when either the EM or the non-EM denominator is).

    Returns
    -------
    pandas.DataFrame
        Same index as ``summary``: the key columns, ``standard`` (code of the year's poverty
        standard), the denominators ``total_households``, ``em_total_households``,
        ``non_em_households``, ``poor_end``, the seven rates and one ``<rate>_small`` flag each.
        A zero or missing denominator gives NaN.
    """
    require_columns(summary, ["year", *RATES_COLUMNS], "rates")
    mh = check_min_households(min_households)
    keys = key_frame(summary, "rates")
    total = as_float(summary, "total_households")
    poor = as_float(summary, "poor_end")
    near = as_float(summary, "near_poor_end")
    em_total = as_float(summary, "em_total_households")
    em_poor = as_float(summary, "em_poor_end")
    non_em = total - em_total
    em_rate = ratio(em_poor, em_total)
    non_em_rate = ratio(poor - em_poor, non_em)
    data = {
        "total_households": total,
        "em_total_households": em_total,
        "non_em_households": non_em,
        "poor_end": poor,
        "poverty_rate": ratio(poor, total),
        "near_poverty_rate": ratio(near, total),
        "combined_rate": ratio(poor + near, total),
        "em_poverty_rate": em_rate,
        "non_em_poverty_rate": non_em_rate,
        "em_gap_points": em_rate - non_em_rate,
        "em_share_of_poor": ratio(em_poor, poor),
    }
    flags = {}
    for rate in (c for c in data if c in RATE_BASES):
        flags[f"{rate}_small"] = small_flags(
            *(data[b] for b in RATE_BASES[rate]), min_households=mh
        )
    return _assemble(keys, data | flags, summary.index)


def suppress_small(
    frame: pd.DataFrame,
    min_households: float | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Blank (set to NaN) rates computed on small denominators, for display.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`rates`, :func:`flow_rates`, :func:`coverage`, :func:`changes` or
        :func:`analysis.compute.deprivation.deprivation_profile` (any frame with rate columns
        named in :data:`RATE_BASES` and/or ``<rate>_small`` flags).
    min_households : float, optional
        Recompute the flags from the denominator columns with this threshold (the
        denominators must be in ``frame``). Default: use the ``<rate>_small`` flags already in
        the frame (made with the threshold given when the frame was computed).
    columns : sequence of str, optional
        Rate columns to treat; default every column that has a known denominator or a flag.

    Returns
    -------
    pandas.DataFrame
        A copy with the small rates set to NaN and the ``<rate>_small`` flags updated.
    """
    out = frame.copy()
    mh = None if min_households is None else check_min_households(min_households)
    if columns is None:
        columns = [
            c
            for c in frame.columns
            if not c.endswith("_small") and (c in RATE_BASES or f"{c}_small" in frame.columns)
        ]
    for col in columns:
        if col not in frame.columns:
            raise MeasureError(f"suppress_small: no column {col!r} in the frame")
        if mh is not None and col in RATE_BASES:
            bases = RATE_BASES[col]
            absent = [b for b in bases if b not in frame.columns]
            if absent:
                raise MeasureError(
                    f"suppress_small: cannot re-flag {col!r} at min_households={min_households}: "
                    f"the frame is missing its denominator columns: {', '.join(absent)}"
                )
            small = small_flags(*(as_float(frame, b) for b in bases), min_households=mh)
        elif mh is not None:
            raise MeasureError(
                f"suppress_small: {col!r} has no denominator column to re-flag with; "
                "call without min_households to use its existing flag"
            )
        elif f"{col}_small" in frame.columns:
            small = frame[f"{col}_small"].fillna(True).to_numpy(dtype=bool)
        else:
            raise MeasureError(f"suppress_small: {col!r} has no '{col}_small' flag")
        out[col] = np.where(small, np.nan, as_float(frame, col))
        out[f"{col}_small"] = small
    return out


# --------------------------------------------------------------------------------------------
# 2. changes
# --------------------------------------------------------------------------------------------


def changes(summary: pd.DataFrame, min_households: float = DEFAULT_MIN_HOUSEHOLDS) -> pd.DataFrame:
    """Year-on-year changes per area and zone, never across a change of poverty standard.

    For each row (year ``t``) the previous row is the same area (``area_level``, ``area_code``)
    and zone in year ``t - 1`` (exactly one year earlier; a gap in the series gives no previous
    row). Definitions::

        poor_change              = poor_end(t) - poor_end(t-1)              (households)
        poverty_rate_change      = poverty_rate(t) - poverty_rate(t-1)      (percentage points)
        near_poor_change, near_poverty_rate_change, em_poor_change, em_poverty_rate_change
                                 likewise for near-poor and ethnic-minority poor households
        reduction                = poor_start(t) - poor_end(t)
        em_reduction             = em_poor_start(t) - em_poor_end(t)

    ``comparable`` is False when there is no previous row or when the previous year is governed
    by a different standard (e.g. 2021 under Decision 59/2015 and 2022 under Decree 07/2021,
    whose income line is about twice as high): the change columns are then NaN, because levels
    measured under different standards are not comparable. ``reduction`` ("poor households
    reduced in the year", the plan's measure) is always computed: start and end of one review
    year are both under that year's standard.

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary rows with at most one row per (year, area, zone).
    min_households : float, default 50
        Rate changes are flagged ``<change>_small`` when the denominator of either year is
        small (a missing previous row counts as small).

    Returns
    -------
    pandas.DataFrame
        Same index and order as ``summary``: keys, ``standard``, ``previous_standard`` (NaN when
        no previous row), ``has_previous``, ``comparable``, the change columns above, their
        ``_small`` flags, ``reduction`` and ``em_reduction``.
    """
    require_columns(summary, ["year", *RATES_COLUMNS, "poor_start", "em_poor_start"], "changes")
    group = [c for c in ("area_level", "area_code", "zone") if c in summary.columns]
    current = rates(summary, min_households).reset_index(drop=True)
    _check_unique(current, group + ["year"], "changes")
    current["near_poor_end"] = as_float(summary, "near_poor_end")
    current["em_poor_end"] = as_float(summary, "em_poor_end")
    levels = {
        "poor": ("poor_end", "poverty_rate"),
        "near_poor": ("near_poor_end", "near_poverty_rate"),
        "em_poor": ("em_poor_end", "em_poverty_rate"),
    }
    value_cols = ["standard"] + [c for pair in levels.values() for c in pair]
    value_cols += [f"{rate}_small" for _, rate in levels.values()]
    previous = current[group + ["year"] + value_cols].copy()
    previous["year"] = previous["year"] + 1
    previous = previous.rename(columns={c: f"prev_{c}" for c in value_cols})
    merged = current[group + ["year"] + value_cols].merge(
        previous, on=group + ["year"], how="left", validate="one_to_one"
    )
    std = merged["standard"].to_numpy(dtype=object)
    prev_std = merged["prev_standard"].astype(object).where(merged["prev_standard"].notna(), None)
    prev_std = prev_std.to_numpy(dtype=object)
    has_previous = np.array([p is not None for p in prev_std], dtype=bool)
    comparable = has_previous & (std == prev_std)

    data: dict[str, np.ndarray] = {
        "previous_standard": pd.array(prev_std, dtype="str"),
        "has_previous": has_previous,
        "comparable": comparable.astype(bool),
    }
    flags = {}
    for name, (count, rate) in levels.items():
        for col, label in ((count, f"{name}_change"), (rate, f"{rate}_change")):
            diff = merged[col].to_numpy(dtype=float) - merged[f"prev_{col}"].to_numpy(dtype=float)
            data[label] = np.where(comparable, diff, np.nan)
        prev_small = merged[f"prev_{rate}_small"].astype(object).fillna(True).to_numpy(dtype=bool)
        flags[f"{rate}_change_small"] = merged[f"{rate}_small"].to_numpy(dtype=bool) | prev_small
    data |= flags
    data["reduction"] = as_float(summary, "poor_start") - as_float(summary, "poor_end")
    data["em_reduction"] = as_float(summary, "em_poor_start") - as_float(summary, "em_poor_end")
    keys = key_frame(summary, "changes")
    return _assemble(keys, data, summary.index)


# --------------------------------------------------------------------------------------------
# 3. flows
# --------------------------------------------------------------------------------------------


def flow_rates(
    summary: pd.DataFrame, min_households: float = DEFAULT_MIN_HOUSEHOLDS
) -> pd.DataFrame:
    """Flow rates of the year (escape, re-poverty, new poverty) and the flow-identity residual.

    Definitions (``non_poor_start = total_households - poor_start``; ``total_households`` is
    the area's household count of the review, used as the approximation of households at the
    start of the year)::

        escape_rate                   = poor_escaped / poor_start * 100
        repoverty_rate                = poor_repoverty / poor_start * 100
        new_poverty_rate              = poor_new / poor_start * 100
            (inflows per 100 poor households at the start: comparable with escape_rate)
        repoverty_per_1000_non_poor   = poor_repoverty / non_poor_start * 1000
        new_poverty_per_1000_non_poor = poor_new / non_poor_start * 1000
            (risk of falling into poverty among households not poor at the start)
        net_change                    = poor_end - poor_start
        residual                      = poor_end - (poor_start - poor_escaped + poor_repoverty
                                                    + poor_new + poor_other)
        near_net_change, near_residual  the same for near-poor households (no re-poverty term)
        em_*                          the same for ethnic-minority households, with
                                      em_non_poor_start = em_total_households - em_poor_start

    A residual other than 0 means the reported flows do not reconcile the stocks. Rates are NaN
    when their denominator is missing or zero, and flagged ``<rate>_small`` below
    ``min_households``.

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary rows.
    min_households : float, default 50

    Returns
    -------
    pandas.DataFrame
        Same index as ``summary``: keys, ``standard``, denominators ``poor_start``,
        ``non_poor_start``, ``em_poor_start``, ``em_non_poor_start``, the columns above and
        the ``_small`` flags.
    """
    poor = ["poor_start", "poor_escaped", "poor_repoverty", "poor_new", "poor_other", "poor_end"]
    near = ["near_poor_start", "near_poor_escaped", "near_poor_new", "near_poor_other"]
    em = ["em_" + c for c in poor]
    need = ["total_households", "em_total_households", *poor, *near, "near_poor_end", *em]
    require_columns(summary, need, "flow_rates")
    mh = check_min_households(min_households)
    keys = key_frame(summary, "flow_rates") if "year" in summary else summary[key_columns(summary)]
    data: dict[str, np.ndarray] = {}
    flags: dict[str, np.ndarray] = {}
    for prefix, total_col in (("", "total_households"), ("em_", "em_total_households")):
        start, escaped, repov, new, other, end = (as_float(summary, prefix + c) for c in poor)
        non_poor = as_float(summary, total_col) - start
        data[f"{prefix}poor_start"] = start
        data[f"{prefix}non_poor_start"] = non_poor
        data[f"{prefix}escape_rate"] = ratio(escaped, start)
        data[f"{prefix}repoverty_rate"] = ratio(repov, start)
        data[f"{prefix}new_poverty_rate"] = ratio(new, start)
        data[f"{prefix}repoverty_per_1000_non_poor"] = ratio(repov, non_poor, 1000.0)
        data[f"{prefix}new_poverty_per_1000_non_poor"] = ratio(new, non_poor, 1000.0)
        data[f"{prefix}net_change"] = end - start
        data[f"{prefix}residual"] = end - (start - escaped + repov + new + other)
    n_start, n_escaped, n_new, n_other = (as_float(summary, c) for c in near)
    n_end = as_float(summary, "near_poor_end")
    data["near_net_change"] = n_end - n_start
    data["near_residual"] = n_end - (n_start - n_escaped + n_new + n_other)
    for col in data:
        if col in RATE_BASES:
            flags[f"{col}_small"] = small_flags(
                *(data[b] for b in RATE_BASES[col]), min_households=mh
            )
    return _assemble(keys, data | flags, summary.index)


# --------------------------------------------------------------------------------------------
# 4. coverage (T3-T5)
# --------------------------------------------------------------------------------------------


def coverage(summary: pd.DataFrame, min_households: float = DEFAULT_MIN_HOUSEHOLDS) -> pd.DataFrame:
    """Coverage ratios of the plan's support targets T3-T5 (target: 100 % each).

    Definitions (from :data:`analysis.reference.schema.COVERAGE_RATIOS`), in percent::

        health_insurance_coverage = people_health_insured / people_poor_near * 100       (T3)
        credit_coverage           = households_credit_received / households_credit_need * 100
                                                                                          (T4)
        training_coverage         = people_training_received / people_training_need * 100 (T5)
        <name>_gap                = denominator - numerator (people or households not yet covered)

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary rows.
    min_households : float, default 50
        ``<name>_coverage_small`` is True when the denominator (people or households) is below it.

    Returns
    -------
    pandas.DataFrame
        Same index as ``summary``: keys, ``standard`` (when ``year`` is present), the
        denominators, ``<name>_coverage``, ``<name>_gap`` and ``<name>_coverage_small``.
        A zero denominator (nobody to cover) gives NaN, not 100.
    """
    need = [c for pair in COVERAGE_RATIOS.values() for c in pair]
    require_columns(summary, need, "coverage")
    mh = check_min_households(min_households)
    keys = key_frame(summary, "coverage") if "year" in summary else summary[key_columns(summary)]
    data: dict[str, np.ndarray] = {}
    for name, (num_col, den_col) in COVERAGE_RATIOS.items():
        num, den = as_float(summary, num_col), as_float(summary, den_col)
        data[den_col] = den
        data[f"{name}_coverage"] = ratio(num, den)
        data[f"{name}_gap"] = den - num
        data[f"{name}_coverage_small"] = small_flags(den, min_households=mh)
    return _assemble(keys, data, summary.index)


__all__ = [
    "RATE_BASES",
    "changes",
    "coverage",
    "flow_rates",
    "rates",
    "suppress_small",
]
