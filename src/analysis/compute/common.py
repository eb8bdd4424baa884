"""What the measure modules share: input checks, key columns, safe ratios, small-count flags.

The measures (:mod:`analysis.compute.area_rates` and :mod:`analysis.compute.deprivation`) are
vectorised and work on a summary frame at any area level (commune, district, province) and with
zone ``"urban"``, ``"rural"`` or ``"all"`` (zones already combined). Rows are identified by
whichever of the key columns ``year``, ``area_level``, ``area_code`` and ``zone`` are present (see
:mod:`analysis.reference.schema`); the keys are carried to every output row.

Conventions
-----------
* Rates and shares are in percent (``poverty_rate = 5.0`` means 5 %); changes of rates are in
  percentage points. Alkire-Foster ``H``, ``A`` and ``M0`` are proportions (0-1), as in the
  literature; their contributions are in percent.
* A rate whose denominator is zero, negative or missing is NaN (never infinite).
* Small counts: every rate ``<r>`` comes with a boolean ``<r>_small`` that is True when its
  denominator (see :data:`analysis.compute.area_rates.RATE_BASES`) is below ``min_households``
  (a missing denominator counts as small). :func:`analysis.compute.area_rates.suppress_small`
  blanks such rates for display.
* Each row carries ``standard``, the code of the poverty standard that governs its review year
  (:func:`analysis.reference.standards.standard_for_year`). Levels measured under different
  standards are never compared: :func:`analysis.compute.area_rates.changes` returns NaN across a
  change of standard.
* Missing input columns raise :class:`MeasureError` (a ``ValueError``) naming them; a year outside
  every standard raises :class:`analysis.reference.standards.StandardError` (also a
  ``ValueError``).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import numpy as np
import pandas as pd

from analysis.core.errors import WorkbookError
from analysis.reference.standards import standard_for_year

KEY_ORDER = ("year", "area_level", "area_code", "zone")
"""Identifying columns carried to outputs, in this order, when present."""

DEFAULT_MIN_HOUSEHOLDS = 50
"""Default small-count threshold: a rate whose denominator is below it is flagged."""


class MeasureError(WorkbookError, ValueError):
    """Input that a measure cannot be computed from (missing columns, duplicate keys...)."""


def require_columns(frame: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    """Check that ``frame`` is a DataFrame with every column of ``columns``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The input of a measure.
    columns : sequence of str
        Columns the measure needs.
    where : str
        Name of the measure, for the error message.

    Raises
    ------
    MeasureError
        If ``frame`` is not a DataFrame, or naming the missing columns.
    """
    if not isinstance(frame, pd.DataFrame):
        raise MeasureError(f"{where}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MeasureError(f"{where}: input is missing columns: {', '.join(missing)}")


def check_min_households(min_households) -> float:
    """Validate a small-count threshold.

    Parameters
    ----------
    min_households : float
        A non-negative number (not a bool, not NaN).

    Returns
    -------
    float
        The threshold as a float.

    Raises
    ------
    MeasureError
        If it is not a number or is negative or NaN.
    """
    if not isinstance(min_households, Real) or isinstance(min_households, bool):
        raise MeasureError(f"min_households must be a number, not {min_households!r}")
    if min_households < 0 or np.isnan(min_households):
        raise MeasureError(f"min_households must be >= 0, not {min_households!r}")
    return float(min_households)


def key_columns(frame: pd.DataFrame) -> list[str]:
    """The key columns of :data:`KEY_ORDER` present in ``frame``, in that order.

    Parameters
    ----------
    frame : pandas.DataFrame

    Returns
    -------
    list of str
    """
    return [c for c in KEY_ORDER if c in frame.columns]


def as_float(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as a float array, missing or non-numeric values as NaN.

    Parameters
    ----------
    frame : pandas.DataFrame
    column : str

    Returns
    -------
    numpy.ndarray
        float64 values.
    """
    values = pd.to_numeric(frame[column], errors="coerce")
    return values.to_numpy(dtype=float, na_value=np.nan)


def ratio(num: np.ndarray, den: np.ndarray, scale: float = 100.0) -> np.ndarray:
    """``num / den * scale``; NaN where the denominator is zero, negative or missing.

    Parameters
    ----------
    num, den : array-like
        Numerator and denominator (broadcast together).
    scale : float, default 100
        100 for percent, 1000 for per thousand, 1 for a proportion.

    Returns
    -------
    numpy.ndarray
        float64, never infinite.
    """
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    ok = den > 0
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num * scale, den, out=out, where=ok)
    return out


def small_flags(*dens: np.ndarray, min_households: float) -> np.ndarray:
    """Small-count flags: True where any denominator is below the threshold or missing.

    Parameters
    ----------
    *dens : array-like
        One or more denominators of the same shape.
    min_households : float
        The threshold (see :func:`check_min_households`).

    Returns
    -------
    numpy.ndarray
        bool array of the denominators' shape.
    """
    flag = np.zeros(np.asarray(dens[0]).shape, dtype=bool)
    for den in dens:
        flag |= ~(np.asarray(den, dtype=float) >= min_households)
    return flag


def _review_years(frame: pd.DataFrame, where: str) -> np.ndarray:
    years = pd.to_numeric(frame["year"], errors="coerce")
    if years.isna().any():
        raise MeasureError(f"{where}: column 'year' has missing or non-numeric values")
    return years.to_numpy(dtype="int64")


def _standard_codes(years: np.ndarray) -> np.ndarray:
    """Standard code per review year (raises StandardError for a year outside every standard)."""
    mapping = {int(y): standard_for_year(int(y)).code for y in np.unique(years)}
    return np.array([mapping[int(y)] for y in years], dtype=object)


def key_frame(summary: pd.DataFrame, where: str) -> pd.DataFrame:
    """Key columns of ``summary`` plus ``standard`` (when ``year`` is present).

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary rows.
    where : str
        Name of the measure, for error messages.

    Returns
    -------
    pandas.DataFrame
        Same index as ``summary``: the key columns (``year`` as int64) and ``standard``, the
        code of the standard governing each row's review year.

    Raises
    ------
    MeasureError
        If ``year`` has missing or non-numeric values.
    StandardError
        If a year is outside every standard.
    """
    out = summary[key_columns(summary)].copy()
    if "year" in out:
        years = _review_years(summary, where)
        out["year"] = years
        out["standard"] = pd.array(_standard_codes(years), dtype="str")
    return out


__all__ = [
    "DEFAULT_MIN_HOUSEHOLDS",
    "KEY_ORDER",
    "MeasureError",
    "as_float",
    "check_min_households",
    "key_columns",
    "key_frame",
    "ratio",
    "require_columns",
    "small_flags",
]
