"""Poverty standards as data, and a vectorised household classifier.

The standards (income lines, score-A lines, deprivation cut-off, which review years each one
governs) and their indicators are read from ``data/standards/``; nothing here hard-codes a line.
Two rules exist:

``income_or_upper_with_deprivations`` (Decision 59/2015, reviews 2016-2021)
    poor: income at or below the line, or between the line and the upper line with at least
    ``deprivation_cutoff`` deprivations; near-poor: between the lines with fewer.
``income_and_deprivations`` (Decree 07/2021 and Decree 351/2025)
    poor: income (or score A) at or below the line and at least ``deprivation_cutoff``
    deprivations (score B >= cutoff x points); near-poor: at or below the line with fewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core import paths
from analysis.core.errors import WorkbookError

POOR = "poor"
NEAR_POOR = "near_poor"
NOT_POOR = "not_poor"
CLASSES = (POOR, NEAR_POOR, NOT_POOR)


class StandardError(WorkbookError, ValueError):
    """A year outside every standard, or a classification that the standard cannot make."""


@dataclass(frozen=True)
class Standard:
    """One poverty standard (a row of ``standards.csv`` plus its indicators)."""

    code: str
    name: str
    legal_ref: str
    first_year: int
    last_year: int
    rule: str
    income_line: dict  # zone -> VND per person per month
    upper_line: dict  # zone -> VND (QĐ 59 only) or None
    score_a_line: dict  # zone -> points or None
    score_b_per_indicator: int
    deprivation_cutoff: int
    verified: bool
    indicators: tuple  # indicator codes in order
    dimensions: dict  # indicator -> dimension

    def covers(self, year: int) -> bool:
        """Whether this standard governs review ``year``."""
        return self.first_year <= int(year) <= self.last_year


def _opt_int(value: str) -> int | None:
    return int(value) if str(value).strip() else None


@lru_cache(maxsize=4)
def load_standards(folder: str | Path | None = None) -> tuple[Standard, ...]:
    """Read all standards, oldest first.

    Parameters
    ----------
    folder : str or Path, optional
        Defaults to ``data/standards``.
    """
    folder = Path(folder) if folder is not None else paths.standards_dir()
    table = pd.read_csv(folder / "standards.csv", dtype=str, keep_default_na=False)
    ind = pd.read_csv(folder / "indicators.csv", dtype=str, keep_default_na=False)
    out = []
    for _, r in table.iterrows():
        rows = ind[ind["standard"] == r["standard"]]
        out.append(
            Standard(
                code=r["standard"],
                name=r["name"],
                legal_ref=r["legal_ref"],
                first_year=int(r["first_year"]),
                last_year=int(r["last_year"]),
                rule=r["rule"],
                income_line={
                    "rural": int(r["rural_income_line"]),
                    "urban": int(r["urban_income_line"]),
                },
                upper_line={
                    "rural": _opt_int(r["rural_upper_line"]),
                    "urban": _opt_int(r["urban_upper_line"]),
                },
                score_a_line={
                    "rural": _opt_int(r["rural_score_a_line"]),
                    "urban": _opt_int(r["urban_score_a_line"]),
                },
                score_b_per_indicator=int(r["score_b_per_indicator"]),
                deprivation_cutoff=int(r["deprivation_cutoff"]),
                verified=r["verified"].lower() == "true",
                indicators=tuple(rows["indicator"]),
                dimensions=dict(zip(rows["indicator"], rows["dimension"], strict=True)),
            )
        )
    return tuple(sorted(out, key=lambda s: s.first_year))


def standard_for_year(year: int) -> Standard:
    """Return the standard that governs review ``year``.

    Raises
    ------
    StandardError
        If no standard covers the year.
    """
    for std in load_standards():
        if std.covers(year):
            return std
    spans = ", ".join(f"{s.code} {s.first_year}-{s.last_year}" for s in load_standards())
    raise StandardError(f"review year {year} is outside every poverty standard ({spans})")


def standard_segments(years) -> list[tuple[str, list[int]]]:
    """Split sorted review years into runs governed by one standard each."""
    out: list[tuple[str, list[int]]] = []
    for y in sorted(set(int(y) for y in years)):
        code = standard_for_year(y).code
        if out and out[-1][0] == code:
            out[-1][1].append(y)
        else:
            out.append((code, [y]))
    return out


def all_indicators() -> list[str]:
    """Union of indicator codes over all standards, in first-seen order."""
    seen: list[str] = []
    for std in load_standards():
        seen.extend(i for i in std.indicators if i not in seen)
    return seen


def count_deprivations(frame: pd.DataFrame, standard: Standard, prefix: str = "d_") -> pd.Series:
    """Number of the standard's indicators on which each household is deprived.

    Flags are columns ``d_<indicator>`` (truthy = deprived); a missing column is an error.
    """
    missing = [f"{prefix}{i}" for i in standard.indicators if f"{prefix}{i}" not in frame]
    if missing:
        raise StandardError(
            f"{standard.legal_ref} needs indicator columns that are missing: {', '.join(missing)}"
        )
    flags = frame[[f"{prefix}{i}" for i in standard.indicators]].fillna(False).astype(bool)
    return flags.sum(axis=1).astype("int16")


def classify(
    frame: pd.DataFrame,
    year: int | None = None,
    *,
    standard: Standard | None = None,
    income_col: str = "income_pc",
    score_a_col: str = "score_a",
    score_b_col: str = "score_b",
    zone_col: str = "zone",
) -> pd.Series:
    """Classify households as poor, near-poor or not poor under one standard.

    Parameters
    ----------
    frame : pandas.DataFrame
        Households, with a ``zone`` column (``"urban"``/``"rural"``) and either income per person
        per month (VND) or scores A and B; deprivations come from ``score_b`` if present, else
        from the ``d_<indicator>`` flags.
    year : int, optional
        Review year; picks the standard. Give ``standard`` instead to reclassify under another.
    standard : Standard, optional
        Overrides ``year``.

    Returns
    -------
    pandas.Series
        Categorical with categories ``poor``, ``near_poor``, ``not_poor``, aligned to ``frame``.
    """
    if standard is None:
        if year is None:
            raise StandardError("classify needs a review year or a standard")
        standard = standard_for_year(year)
    zone = frame[zone_col].astype(str).to_numpy()
    bad_zone = ~np.isin(zone, ["urban", "rural"])
    if bad_zone.any():
        raise StandardError(
            f"zone must be 'urban' or 'rural'; found {sorted(set(zone[bad_zone]))[:3]}"
        )
    urban = zone == "urban"

    if score_b_col in frame and frame[score_b_col].notna().all():
        n_dep = (frame[score_b_col].to_numpy(float) / standard.score_b_per_indicator).astype(int)
    else:
        n_dep = count_deprivations(frame, standard).to_numpy()
    deprived = n_dep >= standard.deprivation_cutoff

    use_income = income_col in frame and frame[income_col].notna().all()
    if use_income:
        value = frame[income_col].to_numpy(float)
        line = np.where(urban, standard.income_line["urban"], standard.income_line["rural"])
    elif score_a_col in frame and standard.score_a_line["rural"] is not None:
        value = frame[score_a_col].to_numpy(float)
        line = np.where(urban, standard.score_a_line["urban"], standard.score_a_line["rural"])
    else:
        raise StandardError(
            f"{standard.legal_ref}: need '{income_col}' for every household"
            + ("" if standard.score_a_line["rural"] is None else f" or '{score_a_col}'")
        )
    below = value <= line

    if standard.rule == "income_and_deprivations":
        poor = below & deprived
        near = below & ~deprived
    elif standard.rule == "income_or_upper_with_deprivations":
        if not use_income:
            raise StandardError(f"{standard.legal_ref} classifies by income per person only")
        upper = np.where(urban, standard.upper_line["urban"], standard.upper_line["rural"])
        between = ~below & (value <= upper)
        poor = below | (between & deprived)
        near = between & ~deprived
    else:
        raise StandardError(f"unknown rule {standard.rule!r} in standards.csv")

    out = np.where(poor, POOR, np.where(near, NEAR_POOR, NOT_POOR))
    return pd.Series(pd.Categorical(out, categories=list(CLASSES)), index=frame.index, name="klass")
