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

Households are classified row by row (:func:`classify_rows`, :func:`classify`): each row by its
income per person and deprivation flags, or by its scores A and B, so one table may mix both;
``method`` records which ("income" / "scores"). Zones are accepted as analysts write them
(:func:`normalise_zone`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core import paths
from analysis.core.errors import WorkbookError
from analysis.reference.geography import fold

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


# --------------------------------------------------------------------------------------------
# per-row classification
# --------------------------------------------------------------------------------------------

INCOME = "income"
SCORES = "scores"
METHODS = (INCOME, SCORES)
FLAGS = "flags"
SCORE_B = "score_b"
DEPRIVATION_SOURCES = (FLAGS, SCORE_B)

#: Zones as analysts write them, as :func:`zone_key` gives them -> the canonical zone. The one
#: list of accepted spellings: :func:`normalise_zone` (a column) and
#: :func:`analysis.intake.cells.parse_zone` (a cell) both read it.
ZONE_WORDS = {
    "urban": "urban",
    "thanh thi": "urban",
    "do thi": "urban",
    "tt": "urban",
    "rural": "rural",
    "nong thon": "rural",
    "nt": "rural",
}


def zone_key(text: str) -> str:
    """The matching key of a zone: no case, no diacritics, punctuation and spaces as one space.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        ``"Thành  thị"`` -> ``"thanh thi"``, ``"URBAN"`` -> ``"urban"``, ``"nong_thon"`` ->
        ``"nong thon"``.
    """
    return re.sub(r"[^0-9a-z]+", " ", fold(str(text))).strip()


def zone_of(value) -> str | None:
    """The canonical zone (``"urban"``/``"rural"``) of one value as written, or None.

    Parameters
    ----------
    value : object
        Text such as ``"Thành thị"``, ``"nông thôn"``, ``"Urban"``, ``"rural"``, ``"TT"``, ``"NT"``
        (:data:`ZONE_WORDS`), in any case, with or without diacritics.

    Returns
    -------
    str or None
        None for anything else (a number, an empty cell, another word).
    """
    if not isinstance(value, str):
        return None
    return ZONE_WORDS.get(zone_key(value))


_ROWS_SHOWN = 10


def _row_labels(index: pd.Index, mask: np.ndarray) -> str:
    """``"row 'h2'"`` or ``"rows 'h2', 'h3'"``: index labels of the rows in ``mask`` (the first
    few, then how many more)."""
    labels = [repr(v) if isinstance(v, str) else str(v) for v in index[mask][:_ROWS_SHOWN]]
    n = int(mask.sum())
    more = f" and {n - len(labels)} more" if n > len(labels) else ""
    return ("row " if n == 1 else "rows ") + ", ".join(labels) + more


def _have(index: pd.Index, mask: np.ndarray) -> str:
    """``"row 'h2' has"`` or ``"rows 'h2', 'h3' have"``."""
    return _row_labels(index, mask) + (" has" if int(mask.sum()) == 1 else " have")


def normalise_zone(values: pd.Series) -> np.ndarray:
    """Canonical zones ``"urban"``/``"rural"`` from the forms analysts write.

    Accepted, in any case, with or without Vietnamese diacritics (composed or decomposed) and
    with surrounding spaces: the spellings of :data:`ZONE_WORDS` (``urban``, ``thành thị``,
    ``đô thị``, ``TT``; ``rural``, ``nông thôn``, ``NT``), as :func:`zone_of` reads them.

    Parameters
    ----------
    values : pandas.Series
        One zone per household (text or categorical).

    Returns
    -------
    numpy.ndarray
        Object array of ``"urban"``/``"rural"``, aligned to ``values``.

    Raises
    ------
    StandardError
        A missing or unknown zone, naming the rows (index labels of ``values``) and the values.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    canon = [zone_of(u) for u in uniques]
    out = np.array([*canon, None], dtype=object)[codes]  # code -1 (missing) -> None
    bad = pd.isna(out)
    if bad.any():
        found = sorted({"missing" if pd.isna(v) else repr(v) for v in values[bad].tolist()})
        raise StandardError(
            "zone must be 'urban' or 'rural' (also written 'thành thị' / 'nông thôn', any case, "
            f"with or without diacritics); found {', '.join(found[:3])} in "
            f"{_row_labels(values.index, bad)}"
        )
    return out


def _numbers(frame: pd.DataFrame, col: str) -> np.ndarray:
    """A numeric column as floats (NaN = missing); all NaN when the column is absent."""
    if col not in frame:
        return np.full(len(frame), np.nan)
    try:
        return frame[col].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise StandardError(f"column '{col}' must hold numbers: {exc}") from exc


@dataclass(frozen=True)
class _Rows:
    """Per-row inputs of the rule (see `_rows`)."""

    urban: np.ndarray
    by_income: np.ndarray  # income test by income per person (else by score A)
    no_value: np.ndarray  # neither income nor (usable) score A
    value: np.ndarray  # income or score A
    line: np.ndarray  # the zone's income or score-A line


def _rows(
    frame: pd.DataFrame, standard: Standard, income_col: str, score_a_col: str, zone_col: str
) -> _Rows:
    """Zone, income-test method, value and line of each row (income first, then score A)."""
    if zone_col not in frame:
        raise StandardError(f"classification needs a '{zone_col}' column (urban or rural)")
    urban = normalise_zone(frame[zone_col]) == "urban"
    income = _numbers(frame, income_col)
    by_income = ~np.isnan(income)
    if standard.score_a_line["rural"] is not None:
        score_a = _numbers(frame, score_a_col)
        has_a = ~by_income & ~np.isnan(score_a)
        a_line = np.where(urban, standard.score_a_line["urban"], standard.score_a_line["rural"])
    else:
        score_a = np.full(len(frame), np.nan)
        has_a = np.zeros(len(frame), dtype=bool)
        a_line = np.full(len(frame), np.nan)
    i_line = np.where(urban, standard.income_line["urban"], standard.income_line["rural"])
    return _Rows(
        urban=urban,
        by_income=by_income,
        no_value=~by_income & ~has_a,
        value=np.where(by_income, income, score_a),
        line=np.where(by_income, i_line, a_line),
    )


def _value_problem(standard: Standard, income_col: str, score_a_col: str) -> str:
    if standard.score_a_line["rural"] is None:
        return f"no '{income_col}' (this standard classifies by income per person only)"
    return f"neither '{income_col}' nor '{score_a_col}'"


def below_line(
    frame: pd.DataFrame,
    standard: Standard,
    *,
    income_col: str = "income_pc",
    score_a_col: str = "score_a",
    zone_col: str = "zone",
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each household is at or below its zone's line, and by which method.

    Row by row: income per person against the income line when the row has it, else score A
    against the score-A line (standards that have one).

    Parameters
    ----------
    frame : pandas.DataFrame
        Households with a zone and income per person and/or score A.
    standard : Standard
        The standard whose lines apply.
    income_col, score_a_col, zone_col : str
        Column names.

    Returns
    -------
    tuple of numpy.ndarray
        ``below`` (bool) and ``method`` (object: ``"income"`` or ``"scores"``), per row.

    Raises
    ------
    StandardError
        A bad zone, or rows with neither income nor score A (named by index label).
    """
    rows = _rows(frame, standard, income_col, score_a_col, zone_col)
    if rows.no_value.any():
        raise StandardError(
            f"{standard.legal_ref}: {_have(frame.index, rows.no_value)} "
            + _value_problem(standard, income_col, score_a_col)
        )
    return rows.value <= rows.line, np.where(rows.by_income, INCOME, SCORES).astype(object)


def classify_rows(
    frame: pd.DataFrame,
    year: int | None = None,
    *,
    standard: Standard | None = None,
    income_col: str = "income_pc",
    score_a_col: str = "score_a",
    score_b_col: str = "score_b",
    zone_col: str = "zone",
    prefix: str = "d_",
) -> pd.DataFrame:
    """Classify each household by what its row has, and say how.

    Each row is classified on its own, so a table may mix households with incomes and
    households with scores. Precedence, per row:

    1. Income test (``method``): income per person (``income_pc``) against the income line when
       the row has it (``"income"``); else score A against the score-A line (``"scores"``; the
       standards with a score-A line only). A measured income wins over its proxy.
    2. Deprivation count (``deprivations_from``): the source that belongs with the method first,
       the other one if the row lacks it. ``"income"`` rows count their ``d_<indicator>`` flags
       (``"flags"``), else use ``score_b``; ``"scores"`` rows use ``score_b`` (``"score_b"``:
       ``floor(score_b / points per indicator)``), else count their flags. A row has flags when
       every indicator column of the standard exists and at least one of its flags is filled;
       a missing flag in such a row counts as not deprived.

    So a row with income, flags and both scores is classified by income and flags; a row with
    score A and flags (the household-list form) by score A and its flags.

    Parameters
    ----------
    frame : pandas.DataFrame
        Households, with a zone column (``urban``/``rural``, ``thành thị``/``nông thôn`` in any
        case, with or without diacritics and surrounding spaces).
    year : int, optional
        Review year; picks the standard. Give ``standard`` instead to reclassify under another.
    standard : Standard, optional
        Overrides ``year``.
    income_col, score_a_col, score_b_col, zone_col : str
        Column names; a column that is absent counts as missing in every row.
    prefix : str, default ``"d_"``
        Prefix of the deprivation flag columns.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``frame``: ``klass`` (categorical ``poor``/``near_poor``/``not_poor``),
        ``method`` (categorical ``income``/``scores``), ``deprivations`` (int16, the count the
        rule used) and ``deprivations_from`` (categorical ``flags``/``score_b``).

    Raises
    ------
    StandardError
        No year or standard; a bad zone; rows (named by index label) with neither income nor
        score A, or with neither deprivation flags nor score B; an unknown rule.
    """
    if standard is None:
        if year is None:
            raise StandardError("classify needs a review year or a standard")
        standard = standard_for_year(year)
    rows = _rows(frame, standard, income_col, score_a_col, zone_col)
    n = len(frame)

    flag_cols = [f"{prefix}{i}" for i in standard.indicators]
    missing_cols = [c for c in flag_cols if c not in frame]
    if missing_cols:
        has_flags = np.zeros(n, dtype=bool)
        n_flags = np.zeros(n, dtype=np.int16)
    else:
        block = frame[flag_cols]
        if all(isinstance(dt, np.dtype) and dt.kind == "b" for dt in block.dtypes):
            has_flags = np.ones(n, dtype=bool)
        else:
            has_flags = block.notna().to_numpy().any(axis=1)
        n_flags = count_deprivations(frame, standard, prefix).to_numpy()
    score_b = _numbers(frame, score_b_col)
    has_b = ~np.isnan(score_b)
    use_flags = np.where(rows.by_income, has_flags, has_flags & ~has_b)
    no_dep = ~use_flags & ~has_b
    if rows.no_value.any() or no_dep.any():
        names = (income_col, score_a_col, score_b_col, prefix)
        raise StandardError(
            _refusal(frame.index, rows.no_value, no_dep, standard, missing_cols, names)
        )
    n_b = np.floor(np.where(has_b, score_b, 0.0) / standard.score_b_per_indicator)
    n_dep = np.where(use_flags, n_flags, n_b).astype(np.int16)
    deprived = n_dep >= standard.deprivation_cutoff
    below = rows.value <= rows.line

    if standard.rule == "income_and_deprivations":
        poor = below & deprived
        near = below & ~deprived
    elif standard.rule == "income_or_upper_with_deprivations":
        if not rows.by_income.all():
            raise StandardError(f"{standard.legal_ref} classifies by income per person only")
        upper = np.where(rows.urban, standard.upper_line["urban"], standard.upper_line["rural"])
        between = ~below & (rows.value <= upper)
        poor = below | (between & deprived)
        near = between & ~deprived
    else:
        raise StandardError(f"unknown rule {standard.rule!r} in standards.csv")

    codes = np.where(poor, 0, np.where(near, 1, 2)).astype(np.int8)
    return pd.DataFrame(
        {
            "klass": pd.Categorical.from_codes(codes, categories=list(CLASSES)),
            "method": pd.Categorical.from_codes(
                np.where(rows.by_income, 0, 1).astype(np.int8), categories=list(METHODS)
            ),
            "deprivations": n_dep,
            "deprivations_from": pd.Categorical.from_codes(
                np.where(use_flags, 0, 1).astype(np.int8), categories=list(DEPRIVATION_SOURCES)
            ),
        },
        index=frame.index,
    )


def _refusal(
    index: pd.Index,
    no_value: np.ndarray,
    no_dep: np.ndarray,
    standard: Standard,
    missing_cols: list[str],
    names: tuple[str, str, str, str],
) -> str:
    """The error message for rows that cannot be classified (``names``: income, score A,
    score B and flag-prefix column names)."""
    income_col, score_a_col, score_b_col, prefix = names
    parts = []
    if no_value.any():
        parts.append(
            f"{_have(index, no_value)} " + _value_problem(standard, income_col, score_a_col)
        )
    if no_dep.any():
        cols = f" (columns missing: {', '.join(missing_cols)})" if missing_cols else ""
        parts.append(
            f"{_have(index, no_dep)} neither deprivation flags "
            f"'{prefix}<indicator>'{cols} nor '{score_b_col}'"
        )
    needs = "income per person and deprivation flags"
    if standard.score_a_line["rural"] is not None:
        needs += " (or scores A and B)"
    n = int((no_value | no_dep).sum())
    return (
        f"{standard.legal_ref}: {n} household{'' if n == 1 else 's'} cannot be classified, "
        f"each needs {needs}: {'; '.join(parts)}"
    )


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
    """Classify households as poor, near-poor or not poor under one standard, row by row.

    The class column of :func:`classify_rows` (which also gives each row's ``method``, income or
    scores, and the deprivation count it used); see there for the precedence when a row has
    both an income and scores.

    Parameters
    ----------
    frame : pandas.DataFrame
        Households, with a ``zone`` column and, per row, income per person per month (VND) with
        ``d_<indicator>`` flags, or scores A and B (score A with flags also works).
    year : int, optional
        Review year; picks the standard. Give ``standard`` instead to reclassify under another.
    standard : Standard, optional
        Overrides ``year``.
    income_col, score_a_col, score_b_col, zone_col : str
        Column names.

    Returns
    -------
    pandas.Series
        Categorical with categories ``poor``, ``near_poor``, ``not_poor``, aligned to ``frame``,
        named ``klass``.

    Raises
    ------
    StandardError
        As :func:`classify_rows`.
    """
    rows = classify_rows(
        frame,
        year,
        standard=standard,
        income_col=income_col,
        score_a_col=score_a_col,
        score_b_col=score_b_col,
        zone_col=zone_col,
    )
    return rows["klass"]
