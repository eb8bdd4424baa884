"""Poverty measures computed from the area-year summary table and from household records.

Every function here is vectorised and works on a summary frame at any area level (commune,
district, province) and with zone ``"urban"``, ``"rural"`` or ``"all"`` (zones already combined).
Rows are identified by whichever of the key columns ``year``, ``area_level``, ``area_code`` and
``zone`` are present (see :mod:`analysis.reference.schema`); the keys are carried to every output row.

Conventions
-----------
* Rates and shares are in percent (``poverty_rate = 5.0`` means 5 %); changes of rates are in
  percentage points. Alkire-Foster ``H``, ``A`` and ``M0`` are proportions (0-1), as in the
  literature; their contributions are in percent.
* A rate whose denominator is zero, negative or missing is NaN (never infinite).
* Small counts: every rate ``<r>`` comes with a boolean ``<r>_small`` that is True when its
  denominator (see :data:`RATE_BASES`) is below ``min_households`` (a missing denominator counts
  as small). :func:`suppress_small` blanks such rates for display.
* Each row carries ``standard``, the code of the poverty standard that governs its review year
  (:func:`analysis.standards.standard_for_year`). Levels measured under different standards are
  never compared: :func:`changes` returns NaN across a change of standard.
* Missing input columns raise :class:`MeasureError` (a ``ValueError``) naming them; a year outside
  every standard raises :class:`analysis.standards.StandardError` (also a ``ValueError``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd

from analysis.core import paths
from analysis.core.errors import WorkbookError
from analysis.reference.schema import COVERAGE_RATIOS
from analysis.reference.standards import Standard, load_standards, standard_for_year

KEY_ORDER = ("year", "area_level", "area_code", "zone")
"""Identifying columns carried to outputs, in this order, when present."""

DEFAULT_MIN_HOUSEHOLDS = 50
"""Default small-count threshold: a rate whose denominator is below it is flagged."""

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


class MeasureError(WorkbookError, ValueError):
    """Input that a measure cannot be computed from (missing columns, duplicate keys...)."""


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _require(frame: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise MeasureError(f"{where}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MeasureError(f"{where}: input is missing columns: {', '.join(missing)}")


def _check_min(min_households) -> float:
    if not isinstance(min_households, Real) or isinstance(min_households, bool):
        raise MeasureError(f"min_households must be a number, not {min_households!r}")
    if min_households < 0 or np.isnan(min_households):
        raise MeasureError(f"min_households must be >= 0, not {min_households!r}")
    return float(min_households)


def _keys(frame: pd.DataFrame) -> list[str]:
    return [c for c in KEY_ORDER if c in frame.columns]


def _num(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as a float array, missing values as NaN."""
    values = pd.to_numeric(frame[column], errors="coerce")
    return values.to_numpy(dtype=float, na_value=np.nan)


def _ratio(num: np.ndarray, den: np.ndarray, scale: float = 100.0) -> np.ndarray:
    """``num / den * scale``; NaN where the denominator is zero, negative or missing."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    ok = den > 0
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num * scale, den, out=out, where=ok)
    return out


def _small(*dens: np.ndarray, min_households: float) -> np.ndarray:
    """True where any denominator is below the threshold or missing."""
    flag = np.zeros(np.asarray(dens[0]).shape, dtype=bool)
    for den in dens:
        flag |= ~(np.asarray(den, dtype=float) >= min_households)
    return flag


def _years(frame: pd.DataFrame, where: str) -> np.ndarray:
    years = pd.to_numeric(frame["year"], errors="coerce")
    if years.isna().any():
        raise MeasureError(f"{where}: column 'year' has missing or non-numeric values")
    return years.to_numpy(dtype="int64")


def _standard_codes(years: np.ndarray) -> np.ndarray:
    """Standard code per review year (raises StandardError for a year outside every standard)."""
    mapping = {int(y): standard_for_year(int(y)).code for y in np.unique(years)}
    return np.array([mapping[int(y)] for y in years], dtype=object)


def _key_frame(summary: pd.DataFrame, where: str) -> pd.DataFrame:
    """Key columns of ``summary`` plus ``standard`` (when ``year`` is present)."""
    out = summary[_keys(summary)].copy()
    if "year" in out:
        years = _years(summary, where)
        out["year"] = years
        out["standard"] = pd.array(_standard_codes(years), dtype="str")
    return out


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
    _require(summary, ["year", *RATES_COLUMNS], "rates")
    mh = _check_min(min_households)
    keys = _key_frame(summary, "rates")
    total = _num(summary, "total_households")
    poor = _num(summary, "poor_end")
    near = _num(summary, "near_poor_end")
    em_total = _num(summary, "em_total_households")
    em_poor = _num(summary, "em_poor_end")
    non_em = total - em_total
    em_rate = _ratio(em_poor, em_total)
    non_em_rate = _ratio(poor - em_poor, non_em)
    data = {
        "total_households": total,
        "em_total_households": em_total,
        "non_em_households": non_em,
        "poor_end": poor,
        "poverty_rate": _ratio(poor, total),
        "near_poverty_rate": _ratio(near, total),
        "combined_rate": _ratio(poor + near, total),
        "em_poverty_rate": em_rate,
        "non_em_poverty_rate": non_em_rate,
        "em_gap_points": em_rate - non_em_rate,
        "em_share_of_poor": _ratio(em_poor, poor),
    }
    flags = {}
    for rate in (c for c in data if c in RATE_BASES):
        flags[f"{rate}_small"] = _small(*(data[b] for b in RATE_BASES[rate]), min_households=mh)
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
        Output of :func:`rates`, :func:`flow_rates`, :func:`coverage`,
        :func:`deprivation_profile` or :func:`changes` (any frame with rate columns named in
        :data:`RATE_BASES` and/or ``<rate>_small`` flags).
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
    mh = None if min_households is None else _check_min(min_households)
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
            small = _small(*(_num(frame, b) for b in bases), min_households=mh)
        elif mh is not None:
            raise MeasureError(
                f"suppress_small: {col!r} has no denominator column to re-flag with; "
                "call without min_households to use its existing flag"
            )
        elif f"{col}_small" in frame.columns:
            small = frame[f"{col}_small"].fillna(True).to_numpy(dtype=bool)
        else:
            raise MeasureError(f"suppress_small: {col!r} has no '{col}_small' flag")
        out[col] = np.where(small, np.nan, _num(frame, col))
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
    _require(summary, ["year", *RATES_COLUMNS, "poor_start", "em_poor_start"], "changes")
    group = [c for c in ("area_level", "area_code", "zone") if c in summary.columns]
    current = rates(summary, min_households).reset_index(drop=True)
    _check_unique(current, group + ["year"], "changes")
    current["near_poor_end"] = _num(summary, "near_poor_end")
    current["em_poor_end"] = _num(summary, "em_poor_end")
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
    data["reduction"] = _num(summary, "poor_start") - _num(summary, "poor_end")
    data["em_reduction"] = _num(summary, "em_poor_start") - _num(summary, "em_poor_end")
    keys = _key_frame(summary, "changes")
    return _assemble(keys, data, summary.index)


# --------------------------------------------------------------------------------------------
# 3. plan 47 targets T1 and T2
# --------------------------------------------------------------------------------------------


def _per_area(target, frame: pd.DataFrame, name: str) -> np.ndarray:
    """A target given as a number (every area) or as a mapping area_code -> number."""
    if target is None:
        return np.full(len(frame), np.nan)
    if isinstance(target, Real) and not isinstance(target, bool):
        return np.full(len(frame), float(target))
    if isinstance(target, Mapping | pd.Series):
        if "area_code" not in frame.columns:
            raise MeasureError(f"plan_reduction: {name} given per area needs an 'area_code' column")
        mapping = pd.Series(dict(target) if isinstance(target, Mapping) else target, dtype=float)
        mapping.index = mapping.index.astype(str)
        return frame["area_code"].astype(str).map(mapping).to_numpy(dtype=float, na_value=np.nan)
    raise MeasureError(f"plan_reduction: {name} must be a number or a mapping area_code -> number")


def plan47_targets() -> dict:
    """T1 and T2 of Plan 47-KH/TU as ``data/targets/targets.csv`` states them.

    Returns
    -------
    dict
        ``first_year``, ``last_year``, ``target_low``, ``target_high`` (T1, poor households per
        year) and ``em_target`` (T2, ethnic-minority poor households per year).
    """
    table = pd.read_csv(paths.targets_dir() / "targets.csv", dtype=str, keep_default_na=False)
    t1 = table[table["target_id"] == "T1"].iloc[0]
    t2 = table[table["target_id"] == "T2"].iloc[0]
    return {
        "first_year": int(t1["first_year"]),
        "last_year": int(t1["last_year"]),
        "target_low": float(t1["value_low"]),
        "target_high": float(t1["value_high"]),
        "em_target": float(t2["value_low"]),
    }


def plan_reduction(
    summary: pd.DataFrame,
    first_year: int | None = None,
    last_year: int | None = None,
    target_low: float | Mapping | None = None,
    target_high: float | Mapping | None = None,
    em_target: float | Mapping | None = None,
) -> pd.DataFrame:
    """Progress against Plan 47-KH/TU targets T1 and T2 (poor households reduced per year).

    Source: Plan 47-KH/TU of the Bình Phước Provincial Party Committee (26/11/2021),
    implementing Directive 05-CT/TW: in 2021-2025, on average 2,000-2,500 fewer poor
    households per year by the multidimensional standard (T1; cumulative 10,000-12,500 over
    five years), of which 1,000 ethnic-minority households per year (T2). The defaults are those
    province-wide values, read from ``data/targets/targets.csv`` (`plan47_targets`); pass per-area
    mappings (``{area_code: households per year}``) for district allocations.

    Definitions, per area and zone, for review years ``first_year <= t <= last_year``::

        reduction(t)            = poor_start(t) - poor_end(t)   (within one review year, hence
                                                                 under one standard)
        cumulative_reduction(t) = sum of reduction over first_year..t (missing years count 0,
                                  see ``complete``)
        years_elapsed(t)        = t - first_year + 1
        target_low_cumulative   = target_low * years_elapsed   (target_high likewise)
        achieved_low_pct        = cumulative_reduction / target_low_cumulative * 100
        period_target_low       = target_low * (last_year - first_year + 1)
        period_achieved_low_pct = cumulative_reduction / period_target_low * 100
        on_track                = cumulative_reduction >= target_low_cumulative
        em_*                    the same with em_poor_start, em_poor_end and em_target

    Summing annual reductions across the 2021/2022 change of standard is what the plan counts
    (households taken out of poverty each year under that year's standard); it is not a change
    in the level of poverty, which is not comparable across standards (see :func:`changes`).
    The targets concern all households: pass rows with zone ``"all"`` (or read per-zone rows as
    partial contributions).

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary rows.
    first_year, last_year : int
        Plan period (review years), default 2021-2025.
    target_low, target_high : float or mapping, default 2000 and 2500
        T1 range, poor households per year.
    em_target : float or mapping, default 1000
        T2, ethnic-minority poor households per year. Areas absent from a mapping get NaN.

    Returns
    -------
    pandas.DataFrame
        One row per area, zone and review year of the period (sorted), with the columns above
        plus ``standard``, ``years_reported`` and ``complete`` (every year of the period up to
        ``t`` is present with a reduction).
    """
    plan = plan47_targets()
    first_year = plan["first_year"] if first_year is None else first_year
    last_year = plan["last_year"] if last_year is None else last_year
    target_low = plan["target_low"] if target_low is None else target_low
    target_high = plan["target_high"] if target_high is None else target_high
    em_target = plan["em_target"] if em_target is None else em_target
    cols = ["year", "poor_start", "poor_end", "em_poor_start", "em_poor_end"]
    _require(summary, cols, "plan_reduction")
    if int(last_year) < int(first_year):
        raise MeasureError(
            f"plan_reduction: last_year {last_year} is before first_year {first_year}"
        )
    group = [c for c in ("area_level", "area_code", "zone") if c in summary.columns]
    years = _years(summary, "plan_reduction")
    keep = (years >= first_year) & (years <= last_year)
    frame = summary.loc[keep]
    _check_unique(frame, group + ["year"], "plan_reduction")
    out = _key_frame(frame, "plan_reduction")
    out["reduction"] = _num(frame, "poor_start") - _num(frame, "poor_end")
    out["em_reduction"] = _num(frame, "em_poor_start") - _num(frame, "em_poor_end")
    out = out.sort_values(group + ["year"], kind="stable").reset_index(drop=True)
    n_period = int(last_year) - int(first_year) + 1
    out["years_elapsed"] = out["year"] - int(first_year) + 1
    # running sums per area and zone (a constant key when the frame has no area/zone columns)
    gkey = [out[c] for c in group] if group else np.zeros(len(out), dtype=int)

    def cum(values: pd.Series) -> np.ndarray:
        summed = values.groupby(gkey, sort=False, dropna=False).cumsum()
        return summed.to_numpy(dtype=float)

    out["years_reported"] = cum(out["reduction"].notna().astype(float)).astype("int64")
    out["complete"] = (out["years_reported"] == out["years_elapsed"]).astype(bool)
    elapsed = out["years_elapsed"].to_numpy(dtype=float)
    low = _per_area(target_low, out, "target_low")
    high = _per_area(target_high, out, "target_high")
    em = _per_area(em_target, out, "em_target")
    out["cumulative_reduction"] = cum(out["reduction"].fillna(0.0))
    out["target_low_cumulative"] = low * elapsed
    out["target_high_cumulative"] = high * elapsed
    out["achieved_low_pct"] = _ratio(out["cumulative_reduction"], out["target_low_cumulative"])
    out["achieved_high_pct"] = _ratio(out["cumulative_reduction"], out["target_high_cumulative"])
    out["period_target_low"] = low * n_period
    out["period_target_high"] = high * n_period
    out["period_achieved_low_pct"] = _ratio(out["cumulative_reduction"], out["period_target_low"])
    out["on_track"] = (out["cumulative_reduction"] >= out["target_low_cumulative"]).astype(bool)
    out["em_cumulative_reduction"] = cum(out["em_reduction"].fillna(0.0))
    out["em_target_cumulative"] = em * elapsed
    out["em_achieved_pct"] = _ratio(out["em_cumulative_reduction"], out["em_target_cumulative"])
    out["em_period_target"] = em * n_period
    out["em_period_achieved_pct"] = _ratio(out["em_cumulative_reduction"], out["em_period_target"])
    out["em_on_track"] = (out["em_cumulative_reduction"] >= out["em_target_cumulative"]).astype(
        bool
    )
    return out


# --------------------------------------------------------------------------------------------
# 4. flows
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
    _require(summary, need, "flow_rates")
    mh = _check_min(min_households)
    keys = _key_frame(summary, "flow_rates") if "year" in summary else summary[_keys(summary)]
    data: dict[str, np.ndarray] = {}
    flags: dict[str, np.ndarray] = {}
    for prefix, total_col in (("", "total_households"), ("em_", "em_total_households")):
        start, escaped, repov, new, other, end = (_num(summary, prefix + c) for c in poor)
        non_poor = _num(summary, total_col) - start
        data[f"{prefix}poor_start"] = start
        data[f"{prefix}non_poor_start"] = non_poor
        data[f"{prefix}escape_rate"] = _ratio(escaped, start)
        data[f"{prefix}repoverty_rate"] = _ratio(repov, start)
        data[f"{prefix}new_poverty_rate"] = _ratio(new, start)
        data[f"{prefix}repoverty_per_1000_non_poor"] = _ratio(repov, non_poor, 1000.0)
        data[f"{prefix}new_poverty_per_1000_non_poor"] = _ratio(new, non_poor, 1000.0)
        data[f"{prefix}net_change"] = end - start
        data[f"{prefix}residual"] = end - (start - escaped + repov + new + other)
    n_start, n_escaped, n_new, n_other = (_num(summary, c) for c in near)
    n_end = _num(summary, "near_poor_end")
    data["near_net_change"] = n_end - n_start
    data["near_residual"] = n_end - (n_start - n_escaped + n_new + n_other)
    for col in data:
        if col in RATE_BASES:
            flags[f"{col}_small"] = _small(*(data[b] for b in RATE_BASES[col]), min_households=mh)
    return _assemble(keys, data | flags, summary.index)


# --------------------------------------------------------------------------------------------
# 5. coverage (T3-T5)
# --------------------------------------------------------------------------------------------


def coverage(summary: pd.DataFrame, min_households: float = DEFAULT_MIN_HOUSEHOLDS) -> pd.DataFrame:
    """Coverage ratios of the plan's support targets T3-T5 (target: 100 % each).

    Definitions (from :data:`analysis.schema.COVERAGE_RATIOS`), in percent::

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
    _require(summary, need, "coverage")
    mh = _check_min(min_households)
    keys = _key_frame(summary, "coverage") if "year" in summary else summary[_keys(summary)]
    data: dict[str, np.ndarray] = {}
    for name, (num_col, den_col) in COVERAGE_RATIOS.items():
        num, den = _num(summary, num_col), _num(summary, den_col)
        data[den_col] = den
        data[f"{name}_coverage"] = _ratio(num, den)
        data[f"{name}_gap"] = den - num
        data[f"{name}_coverage_small"] = _small(den, min_households=mh)
    return _assemble(keys, data, summary.index)


# --------------------------------------------------------------------------------------------
# 6. deprivation profile from the summary
# --------------------------------------------------------------------------------------------


def _indicator_table() -> pd.DataFrame:
    rows = [
        (s.code, i, s.dimensions[i], pos)
        for s in load_standards()
        for pos, i in enumerate(s.indicators)
    ]
    return pd.DataFrame(rows, columns=["standard", "indicator", "dimension", "_order"])


def deprivation_profile(
    summary: pd.DataFrame, min_households: float = DEFAULT_MIN_HOUSEHOLDS
) -> pd.DataFrame:
    """Share of poor and near-poor households deprived on each indicator of the year's standard.

    Definitions, per row of the summary and indicator ``j`` of the standard governing the year::

        deprived       = dep_<j>  (poor and near-poor households deprived on j, end of year)
        base           = poor_end + near_poor_end
        share          = deprived / base * 100
        share_of_total = deprived / total_households * 100

    ``share`` is the summary-level analogue of a censored headcount with "poor or near-poor"
    as the identified group (under Decree 07/2021 these are the households at or below the
    income line); ``share_of_total`` uses all households as the base, like the Alkire-Foster
    censored headcount. Only the indicators of the year's standard are listed.

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary rows with the ``dep_<indicator>`` columns of every standard present.
    min_households : float, default 50
        ``small_count`` (and ``share_small``) when ``base`` is below it.

    Returns
    -------
    pandas.DataFrame
        Long format, one row per summary row and indicator, in the summary's row order and the
        standard's indicator order: keys, ``standard``, ``indicator``, ``dimension``,
        ``deprived``, ``base``, ``share``, ``total_households``, ``share_of_total``,
        ``small_count``, ``share_small``, ``share_of_total_small``.
    """
    _require(
        summary, ["year", "poor_end", "near_poor_end", "total_households"], "deprivation_profile"
    )
    mh = _check_min(min_households)
    keys = _key_frame(summary, "deprivation_profile").reset_index(drop=True)
    table = _indicator_table()
    used = table[table["standard"].isin(set(keys["standard"]))]
    missing = [f"dep_{i}" for i in dict.fromkeys(used["indicator"]) if f"dep_{i}" not in summary]
    if missing:
        raise MeasureError(f"deprivation_profile: input is missing columns: {', '.join(missing)}")
    wide = keys.copy()
    wide["_row"] = np.arange(len(wide))
    wide["base"] = _num(summary, "poor_end") + _num(summary, "near_poor_end")
    wide["total_households"] = _num(summary, "total_households")
    dep_cols = [f"dep_{i}" for i in dict.fromkeys(used["indicator"])]
    for col in dep_cols:
        wide[col] = _num(summary, col)
    long = wide.melt(
        id_vars=[*keys.columns, "_row", "base", "total_households"],
        value_vars=dep_cols,
        var_name="indicator",
        value_name="deprived",
    )
    long["indicator"] = long["indicator"].str.removeprefix("dep_")
    long = long.merge(used, on=["standard", "indicator"], how="inner")
    long = long.sort_values(["_row", "_order"], kind="stable").reset_index(drop=True)
    base = long["base"].to_numpy(dtype=float)
    total = long["total_households"].to_numpy(dtype=float)
    deprived = long["deprived"].to_numpy(dtype=float)
    out = long[[*keys.columns, "indicator", "dimension"]].copy()
    out["deprived"] = deprived
    out["base"] = base
    out["share"] = _ratio(deprived, base)
    out["total_households"] = total
    out["share_of_total"] = _ratio(deprived, total)
    out["small_count"] = _small(base, min_households=mh)
    out["share_small"] = out["small_count"].to_numpy(dtype=bool)
    out["share_of_total_small"] = _small(total, min_households=mh)
    return out


# --------------------------------------------------------------------------------------------
# 7. Alkire-Foster from household records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlkireFoster:
    """Result of :func:`alkire_foster`.

    Attributes
    ----------
    overall : pandas.DataFrame
        One row: ``households`` (records), ``population`` (sum of unit weights: households or
        people), ``poor_households``, ``poor_population``, ``H``, ``A``, ``M0``.
    indicators : pandas.DataFrame
        Per indicator: ``dimension``, ``weight``, ``uncensored_headcount``,
        ``censored_headcount`` (proportions) and ``contribution_pct`` (percent of M0).
    dimensions : pandas.DataFrame
        Per dimension: ``weight``, ``contribution`` (sum of weight x censored headcount) and
        ``contribution_pct``.
    groups, group_indicators, group_dimensions : pandas.DataFrame or None
        The same per group when ``by`` was given; ``groups`` also has ``population_share``,
        ``contribution_pct`` (the group's share of overall M0) and ``small_count``.
    scores : pandas.DataFrame
        Per household (index of the input): ``score`` (c_i), ``deprivations`` (count),
        ``unit_weight``, ``poor`` and, with the income gate, ``below_line``.
    weights : pandas.Series
        Normalised indicator weights (sum 1).
    standard, year, k, cutoff, unit, income_gate, by
        The parameters used (``cutoff`` = k / number of indicators).
    """

    overall: pd.DataFrame
    indicators: pd.DataFrame
    dimensions: pd.DataFrame
    groups: pd.DataFrame | None
    group_indicators: pd.DataFrame | None
    group_dimensions: pd.DataFrame | None
    scores: pd.DataFrame
    weights: pd.Series
    standard: str | None
    year: int | None
    k: float
    cutoff: float
    unit: str
    income_gate: bool
    by: tuple[str, ...] | None

    @property
    def H(self) -> float:  # noqa: N802 - the measure's standard name
        """Headcount ratio (proportion of units identified as poor)."""
        return float(self.overall["H"].iloc[0])

    @property
    def A(self) -> float:  # noqa: N802
        """Average intensity: mean deprivation score among the poor."""
        return float(self.overall["A"].iloc[0])

    @property
    def M0(self) -> float:  # noqa: N802
        """Adjusted headcount ratio, M0 = H x A."""
        return float(self.overall["M0"].iloc[0])

    def decomposition_gap(self) -> float:
        """``|M0 - sum_g (population_g / population) * M0_g|`` (0 up to rounding).

        Raises
        ------
        MeasureError
            If the result was computed without ``by``.
        """
        if self.groups is None:
            raise MeasureError("decomposition_gap needs a result computed with by=...")
        g = self.groups
        weighted = float((g["population_share"] * g["M0"]).sum())
        return abs(self.M0 - weighted)

    def check_decomposition(self, tol: float = 1e-9) -> bool:
        """Check that overall M0 equals the population-weighted sum of the group M0s.

        Returns True, or raises :class:`MeasureError` with the gap.
        """
        gap = self.decomposition_gap()
        if not gap <= tol:
            raise MeasureError(f"subgroup decomposition fails: |M0 - sum s_g M0_g| = {gap:.3g}")
        return True


_EPS = 1e-12


def _af_weights(weights, standard: Standard | None) -> pd.Series:
    if weights is None:
        if standard is None:
            raise MeasureError(
                "alkire_foster: give a review year (or a 'year' column) to use the standard's "
                "indicators, or explicit indicator weights"
            )
        d = len(standard.indicators)
        return pd.Series(1.0 / d, index=list(standard.indicators), dtype=float)
    if isinstance(weights, Mapping):
        w = pd.Series(dict(weights), dtype=float)
    elif isinstance(weights, pd.Series):
        w = weights.astype(float)
    else:
        raise MeasureError("alkire_foster: weights must be a mapping indicator -> weight")
    if w.empty or w.isna().any() or (w <= 0).any():
        raise MeasureError("alkire_foster: indicator weights must be positive numbers")
    w.index = w.index.astype(str)
    return w / w.sum()


def _af_table(work: pd.DataFrame, by: list[str], indicators: list[str]) -> pd.DataFrame:
    """Sums per group of the weighted columns built in alkire_foster."""
    cols = ["_n", "_pw", "_poor", "_poor_pw", "_cpoor_pw"]
    cols += [f"_u_{j}" for j in indicators] + [f"_ch_{j}" for j in indicators]
    return work.groupby(by, sort=True, dropna=False, observed=True)[cols].sum()


def _af_measures(
    sums: pd.DataFrame, w: pd.Series, dims: dict, min_households: float
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    pop = sums["_pw"].to_numpy(dtype=float)
    poor_pop = sums["_poor_pw"].to_numpy(dtype=float)
    cpoor = sums["_cpoor_pw"].to_numpy(dtype=float)
    head = pd.DataFrame(
        {
            "households": sums["_n"].to_numpy(dtype="int64"),
            "population": pop,
            "poor_households": sums["_poor"].to_numpy(dtype="int64"),
            "poor_population": poor_pop,
            "H": _ratio(poor_pop, pop, 1.0),
            "A": _ratio(cpoor, poor_pop, 1.0),
            "M0": _ratio(cpoor, pop, 1.0),
        },
        index=sums.index,
    )
    head["small_count"] = _small(head["households"].to_numpy(float), min_households=min_households)
    rows = []
    for j in w.index:
        rows.append(
            pd.DataFrame(
                {
                    "indicator": j,
                    "dimension": dims[j],
                    "weight": float(w[j]),
                    "uncensored_headcount": _ratio(sums[f"_u_{j}"], pop, 1.0),
                    "censored_headcount": _ratio(sums[f"_ch_{j}"], pop, 1.0),
                },
                index=sums.index,
            )
        )
    ind = pd.concat(rows)
    m0 = head["M0"].reindex(ind.index).to_numpy(dtype=float)
    ind["contribution"] = ind["weight"] * ind["censored_headcount"]
    ind["contribution_pct"] = _ratio(ind["contribution"].to_numpy(float), m0)
    order = {j: n for n, j in enumerate(w.index)}
    dim_order = {d: n for n, d in enumerate(dict.fromkeys(dims[j] for j in w.index))}
    group_names = list(sums.index.names)
    ind = ind.reset_index()
    ind["_o"] = ind["indicator"].map(order)
    ind = ind.sort_values([*group_names, "_o"], kind="stable").drop(columns="_o")
    dim = (
        ind.groupby([*group_names, "dimension"], sort=False, dropna=False)[
            ["weight", "contribution", "contribution_pct"]
        ]
        .sum(min_count=1)
        .reset_index()
    )
    dim["_o"] = dim["dimension"].map(dim_order)
    dim = dim.sort_values([*group_names, "_o"], kind="stable").drop(columns="_o")
    return head, ind.reset_index(drop=True), dim.reset_index(drop=True)


def alkire_foster(
    households: pd.DataFrame,
    year: int | None = None,
    k: float = 3,
    weights: Mapping[str, float] | pd.Series | None = None,
    income_gate: bool = False,
    by: str | Sequence[str] | None = None,
    weight: str = "households",
    dimensions: Mapping[str, str] | None = None,
    min_households: float = DEFAULT_MIN_HOUSEHOLDS,
) -> AlkireFoster:
    """Alkire-Foster multidimensional poverty measures from household records.

    Definitions. The unit of identification is the household. With indicators ``j = 1..d``,
    deprivation flags ``g_ij`` (column ``d_<j>``, missing = not deprived) and weights ``w_j``
    normalised to sum 1 (equal weights ``w_j = 1/d`` by default)::

        c_i  = sum_j w_j g_ij                       deprivation score of household i
        poor_i = c_i >= k / d                       (identification; with income_gate also
                                                     income_pc <= the standard's income line
                                                     for the household's zone)
        H    = sum_i p_i poor_i / sum_i p_i         headcount ratio
        A    = sum_i p_i poor_i c_i / sum_i p_i poor_i   average intensity among the poor
        M0   = H * A = sum_i p_i poor_i c_i / sum_i p_i  (mean of censored scores)
        CH_j = sum_i p_i poor_i g_ij / sum_i p_i    censored headcount of indicator j
        contribution_pct_j = w_j * CH_j / M0 * 100  (sums to 100 over indicators)
        dimension contribution = sum of its indicators' contributions

    ``p_i`` is the unit weight: 1 per household (``weight="households"``, the default: shares of
    households, as the review counts) or the household's ``members`` (``weight="members"``:
    shares of people living in households identified as poor). With equal weights, k = 3 is
    "3 of 12 indicators" under Decree 07/2021 (cut-off 0.25); a score equal to the cut-off up to
    1e-12 counts as poor. With ``income_gate=True`` and the Decree 07/2021 or 351/2025 standard,
    equal weights and ``k = 3``, the poor are exactly the official poor class
    (:func:`analysis.standards.classify`); under Decision 59/2015 (income-or-deprivation rule)
    the gated class is not the official one. The income test uses ``income_pc`` when every
    household has it, else ``score_a`` against the score-A line.

    Decomposition by ``by`` groups (population subgroups): ``M0 = sum_g (N_g / N) M0_g`` with
    ``N_g`` the summed unit weights of group g; see :meth:`AlkireFoster.check_decomposition`.

    Parameters
    ----------
    households : pandas.DataFrame
        Household records (see :mod:`analysis.reference.schema`): ``d_<indicator>`` flags, and ``zone`` and
        ``income_pc``/``score_a`` for the income gate, ``members`` for people weighting.
    year : int, optional
        Review year; selects the rows of that year (when there is a ``year`` column) and the
        standard. Default: the single year in the ``year`` column (an error if several).
    k : float, default 3
        Poverty cut-off in indicator units: poor if ``c_i >= k / d``; ``0 < k <= d``.
    weights : mapping indicator -> float, optional
        Custom indicator weights (any positive numbers; normalised to sum 1). Their keys choose
        the indicators. Default: equal weights over the year's standard's indicators.
    income_gate : bool, default False
        Also require income at or below the income line (official-class identification).
    by : str or list of str, optional
        Group column(s) for the decomposition, e.g. ``"commune_code"`` or ``"district_code"``
        (derived from ``commune_code`` with the reference geography when absent).
    weight : {"households", "members"}
        Unit weighting, see above.
    dimensions : mapping indicator -> dimension, optional
        Default: the standard's dimensions; an indicator without one is its own dimension.
    min_households : float, default 50
        Groups with fewer household records are flagged ``small_count``.

    Returns
    -------
    AlkireFoster
        ``.overall`` (H, A, M0...), ``.indicators``, ``.dimensions``, ``.groups``,
        ``.group_indicators``, ``.group_dimensions``, ``.scores``; properties ``.H``, ``.A``,
        ``.M0``; ``.check_decomposition()``.

    Raises
    ------
    MeasureError
        Missing indicator, zone, income, members or group columns; invalid k or weights;
        several years without ``year``.
    StandardError
        A year outside every standard.
    """
    _require(households, [], "alkire_foster")
    mh = _check_min(min_households)
    frame = households
    if "year" in frame.columns:
        years = pd.to_numeric(frame["year"], errors="coerce")
        if year is None:
            found = sorted(years.dropna().unique().tolist())
            if len(found) > 1:
                raise MeasureError(
                    f"alkire_foster: the records span several review years {found}; pass year="
                )
            year = int(found[0]) if found else None
        else:
            frame = frame.loc[(years == int(year)).to_numpy()]
            if frame.empty:
                raise MeasureError(f"alkire_foster: no household records for year {year}")
    if frame.empty:
        raise MeasureError("alkire_foster: no household records")
    standard = standard_for_year(int(year)) if year is not None else None
    w = _af_weights(weights, standard)
    indicators = list(w.index)
    d = len(indicators)
    if not isinstance(k, Real) or isinstance(k, bool) or not 0 < k <= d:
        raise MeasureError(
            f"alkire_foster: k must be in (0, {d}] (number of indicators), not {k!r}"
        )
    cutoff = float(k) / d
    if weight not in ("households", "members"):
        raise MeasureError(
            f"alkire_foster: weight must be 'households' or 'members', not {weight!r}"
        )

    if income_gate and standard is None:
        raise MeasureError("alkire_foster: income_gate needs a review year to pick the line")
    by_cols = [by] if isinstance(by, str) else (list(by) if by is not None else [])
    need = [f"d_{j}" for j in indicators]
    if weight == "members":
        need.append("members")
    if income_gate:
        need.append("zone")
    missing = [c for c in need if c not in frame.columns]
    missing += [
        c
        for c in by_cols
        if c not in frame.columns and not (c == "district_code" and "commune_code" in frame)
    ]
    if missing:
        raise MeasureError(f"alkire_foster: input is missing columns: {', '.join(missing)}")

    dims = dict(standard.dimensions) if standard is not None else {}
    if dimensions is not None:
        dims.update(dict(dimensions))
    dims = {j: dims.get(j, j) for j in indicators}

    flags = frame[need[:d]].astype(object).fillna(False).astype(bool).to_numpy()
    g = flags.astype(float)
    wv = w.to_numpy(dtype=float)
    score = g @ wv
    poor = score >= cutoff - _EPS

    below = None
    if income_gate:
        zone = frame["zone"].astype(str).to_numpy()
        if not np.isin(zone, ["urban", "rural"]).all():
            raise MeasureError("alkire_foster: income_gate needs zone 'urban' or 'rural' per row")
        urban = zone == "urban"
        if "income_pc" in frame.columns and frame["income_pc"].notna().all():
            value = _num(frame, "income_pc")
            line = np.where(urban, standard.income_line["urban"], standard.income_line["rural"])
        elif "score_a" in frame.columns and standard.score_a_line["rural"] is not None:
            value = _num(frame, "score_a")
            line = np.where(urban, standard.score_a_line["urban"], standard.score_a_line["rural"])
        else:
            raise MeasureError(
                "alkire_foster: income_gate needs 'income_pc' for every household"
                + ("" if standard.score_a_line["rural"] is None else " or 'score_a'")
            )
        below = value <= line
        poor = poor & below

    if weight == "members":
        pw = _num(frame, "members")
        if np.isnan(pw).any() or (pw < 0).any():
            raise MeasureError("alkire_foster: 'members' must be a non-negative number per row")
    else:
        pw = np.ones(len(frame))

    work = pd.DataFrame(index=frame.index)
    for c in by_cols:
        if c in frame.columns:
            work[c] = frame[c].to_numpy()
        else:  # district_code from commune_code
            from analysis.reference.geography import load_geography

            mapping = load_geography().commune_district()
            work[c] = frame["commune_code"].astype(str).map(mapping).to_numpy()
    work["_n"] = 1
    work["_pw"] = pw
    work["_poor"] = poor.astype("int64")
    work["_poor_pw"] = pw * poor
    work["_cpoor_pw"] = pw * poor * score
    weighted = {f"_u_{j}": pw * g[:, n] for n, j in enumerate(indicators)}
    weighted |= {f"_ch_{j}": pw * poor * g[:, n] for n, j in enumerate(indicators)}
    work = pd.concat([work, pd.DataFrame(weighted, index=frame.index)], axis=1)

    work["_all"] = "all"
    head, ind, dim = _af_measures(_af_table(work, ["_all"], indicators), w, dims, mh)
    overall = head.reset_index(drop=True).drop(columns="small_count")
    ind = ind.drop(columns="_all")
    dim = dim.drop(columns="_all")

    groups = group_ind = group_dim = None
    if by_cols:
        ghead, group_ind, group_dim = _af_measures(
            _af_table(work, by_cols, indicators), w, dims, mh
        )
        total_pop = float(overall["population"].iloc[0])
        ghead["population_share"] = ghead["population"] / total_pop if total_pop > 0 else np.nan
        ghead["contribution_pct"] = _ratio(
            ghead["population_share"].to_numpy(float) * ghead["M0"].to_numpy(float),
            np.full(len(ghead), float(overall["M0"].iloc[0])),
        )
        cols = [
            "households",
            "population",
            "population_share",
            "poor_households",
            "poor_population",
            "H",
            "A",
            "M0",
            "contribution_pct",
            "small_count",
        ]
        groups = ghead[cols].reset_index()

    scores = pd.DataFrame(index=frame.index)
    if "household_id" in frame.columns:
        scores["household_id"] = frame["household_id"]
    for c in by_cols:
        scores[c] = work[c]
    scores["score"] = score
    scores["deprivations"] = flags.sum(axis=1).astype("int64")
    scores["unit_weight"] = pw
    if below is not None:
        scores["below_line"] = below
    scores["poor"] = poor

    return AlkireFoster(
        overall=overall,
        indicators=ind,
        dimensions=dim,
        groups=groups,
        group_indicators=group_ind,
        group_dimensions=group_dim,
        scores=scores,
        weights=w,
        standard=standard.code if standard is not None else None,
        year=int(year) if year is not None else None,
        k=float(k),
        cutoff=cutoff,
        unit=weight,
        income_gate=bool(income_gate),
        by=tuple(by_cols) if by_cols else None,
    )


__all__ = [
    "AlkireFoster",
    "MeasureError",
    "RATE_BASES",
    "alkire_foster",
    "changes",
    "coverage",
    "deprivation_profile",
    "flow_rates",
    "plan_reduction",
    "rates",
    "suppress_small",
]
