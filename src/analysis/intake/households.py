"""Intake of household records (the review's household list).

:func:`read_households` maps the headers of ``data/schema/household-columns.csv`` (any case,
with or without diacritics) to schema columns, parses the cells, resolves commune names (a
district column tells apart communes of the same name), then validates
(:func:`~analysis.intake.validate.validate_households`). A file with any problem loads nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.messages import Message
from analysis.intake import systems as unit_systems
from analysis.intake.cells import (
    code_text,
    convert_cells,
    count_parser,
    parse_amount,
    parse_class,
    parse_flag,
    parse_year,
    parse_zone,
)
from analysis.intake.headers import column_headers
from analysis.intake.problems import Problem, raise_problems
from analysis.intake.readers import RawTable, formula_cells
from analysis.intake.validate import validate_households
from analysis.reference.geography import Geography
from analysis.reference.standards import standard_for_year


def read_households(
    path, sheet: str | None = None, geography: Geography | None = None
) -> pd.DataFrame:
    """Read and validate household records (the review's household list).

    Parameters
    ----------
    path : str or Path
        ``.csv``, ``.xlsx`` or ``.parquet``; headers as in ``data/schema/household-columns.csv``.
    sheet : str, optional
        Excel sheet.
    geography : Geography, optional

    Returns
    -------
    pandas.DataFrame
        The columns the file has, in schema order: ``household_id``, ``commune_code``, ``zone``,
        ``recorded_class`` text; ``year`` and ``members`` int64; ``income_pc``, ``score_a``
        float64; ``health_insured``, ``training_*`` Int64; ``ethnic_minority``, ``d_*``,
        ``credit_*``, ``synthetic`` boolean; then ``unit_system`` (text) when the file has such a
        column or holds records by new commune. Indicator columns the file does not have are
        not added (an absent indicator is unknown, not 'not deprived').

    Raises
    ------
    IntakeError
        With every problem found; nothing is loaded.

    Notes
    -----
    The commune column may hold a code or a name; a district column, if present, picks among
    communes of the same name. ``recorded_class`` accepts nghèo / cận nghèo / không nghèo
    (or poor / near_poor / not_poor).

    Communes are read in their record's unit system (:mod:`analysis.intake.systems`): the
    former communes up to the review of 2024, the new communes of 1 July 2025 from the review
    of 2025 (the district column is then not needed), unless a ``unit_system`` column says
    otherwise.
    """
    from analysis.intake import household_stream

    scan = household_stream.scan_households(path, sheet, geography, on_chunk=_same)
    raise_problems(scan.problems)
    tables = scan.results
    rows = [int(r) for t in tables for r in t.attrs.pop("row_numbers").tolist()]
    table = tables[0] if len(tables) == 1 else pd.concat(tables, ignore_index=True)
    table.attrs.clear()
    table.attrs.update(source=scan.source, notes=list(scan.notes), row_numbers=rows)
    return table


def _same(table: pd.DataFrame) -> pd.DataFrame:
    return table


def parse_household_rows(
    raw: RawTable,
    mapped: tuple[dict[str, int], dict[str, int]],
    geo: Geography,
    problems: list[Problem],
) -> pd.DataFrame:
    """Parse, resolve and validate one block of household rows (a whole file or a chunk).

    Parameters
    ----------
    raw : RawTable
        The block's cells by position, its file row numbers and header; its ``notes`` receive
        what was inferred.
    mapped : (dict, dict)
        Schema column -> position and auxiliary column -> position
        (:func:`~analysis.intake.readers.map_headers`).
    geo : Geography
    problems : list of Problem
        Receives every problem of the block (cells that cannot be read, unknown communes, the
        rules of :func:`~analysis.intake.validate.validate_households`).

    Returns
    -------
    pandas.DataFrame
        The block's records with their final dtypes (see :func:`read_households`); meaningful
        only when no problem was added. ``attrs["row_numbers"]`` holds the file rows (int64
        array).
    """
    cols, aux = mapped
    source = raw.source
    frame, rows = raw.frame, list(raw.row_numbers)
    spec = column_headers("household")
    kinds = dict(zip(spec["column"], spec["kind"], strict=True))
    bad: set[tuple[int, str]] = set()
    found: list[Problem] = formula_cells(raw, cols, bad)
    out = _parse_columns(frame, rows, source, cols, kinds, bad, found)
    system_cells = None
    if "__unit_system__" in aux:
        system_cells = convert_cells(
            frame[aux["__unit_system__"]],
            geo.resolve_unit_system,
            rows,
            source,
            unit_systems.UNIT_SYSTEM,
            bad,
            found,
        )
    years = list(out["year"]) if "year" in out else [None] * len(rows)
    systems, reasons = unit_systems.row_systems(years, system_cells, geo)
    mixed = unit_systems.mixed_year_problems(years, systems, rows, source, geo)
    bad.update((p.row, p.column) for p in mixed)
    found += mixed
    if "commune_code" in cols:
        district = aux.get("__district__")
        out["commune_code"] = _resolve_communes(
            frame[cols["commune_code"]],
            None if district is None else frame[district],
            (rows, source),
            (systems, reasons),
            geo,
            bad,
            found,
        )
        if district is not None and geo.new_system in systems:
            raw.notes.append(Message("households.district_unused"))
    if system_cells is not None or geo.new_system in systems:
        out[unit_systems.UNIT_SYSTEM] = pd.Series(systems, dtype="str")
    table = _household_frame(out, list(spec["column"]), kinds, len(rows))
    found += [
        p
        for p in validate_households(table, source, rows, geo, unreadable=bad)
        if (p.row, p.column) not in bad
    ]
    problems += found
    if not found:
        table = _household_final(table, kinds)
    table.attrs["row_numbers"] = np.asarray(rows, dtype=np.int64)  # cheap to copy with attrs
    return table


def _parse_columns(
    frame: pd.DataFrame,
    rows: list[int],
    source: str,
    cols: dict[str, int],
    kinds: dict[str, str],
    bad: set[tuple[int, str]],
    problems: list[Problem],
) -> dict[str, list | pd.Series]:
    """Every column but the commune, parsed; numeric and boolean Parquet columns kept as such."""
    out: dict[str, list | pd.Series] = {}

    def conv(series, parser, col):
        if isinstance(series.dtype, pd.CategoricalDtype):
            dtype = _dtype_of(col, kinds[col])
            typed = _by_category(series, parser, source, dtype, digits=col != "year")
            if typed is not None:
                return typed
        return convert_cells(series, parser, rows, source, col, bad, problems)

    for col, kind in kinds.items():
        if col not in cols:
            continue
        series = frame[cols[col]]
        fast = pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
        if col == "household_id" and frame.attrs.get("clean_text") and series.dtype == "str":
            out[col] = series  # text already NFC, stripped, empty as missing: code_text's work
        elif col == "household_id":
            out[col] = conv(series, code_text, col)
        elif col == "year":
            out[col] = conv(series, parse_year, col)
        elif col == "commune_code":
            continue
        elif col == "zone":
            out[col] = conv(series, parse_zone, col)
        elif col == "recorded_class":
            out[col] = conv(series, parse_class, col)
        elif kind == "number" and fast and not pd.api.types.is_bool_dtype(series):
            out[col] = series.astype("Float64")
        elif kind == "number":
            out[col] = conv(series, parse_amount, col)
        elif kind == "count" and fast and pd.api.types.is_integer_dtype(series):
            out[col] = series.astype("Int64")
        elif kind == "count":
            out[col] = conv(series, count_parser("people"), col)
        elif kind == "flag" and pd.api.types.is_bool_dtype(series):
            out[col] = series.astype("boolean")
        elif kind == "flag":
            out[col] = conv(series, parse_flag, col)
    return out


def _dtype_of(col: str, kind: str) -> str:
    """The dtype of a parsed column (as :func:`_household_frame` builds it)."""
    if col in ("year", "members") or kind == "count":
        return "Int64"
    return {"number": "Float64", "flag": "boolean"}.get(kind, "str")


def _by_category(
    series: pd.Series, parser, source: str, dtype: str, digits: bool = True
) -> pd.Series | None:
    """A categorical column parsed once per category, as a typed column; None when some
    category cannot be parsed (the caller then names every cell that holds it). With
    ``digits``, categories that are all plain digits (at most 15, within what the amount and
    count parsers accept) are read without the parser (not for years: their range is the
    parser's check)."""
    cats = series.cat.categories
    codes = series.cat.codes.to_numpy().copy()
    codes[codes < 0] = len(cats)  # empty cells: the trailing missing value
    if digits and dtype in ("Int64", "Float64") and cats.dtype == "str" and len(cats):
        text = cats.to_series()
        if text.str.fullmatch(r"[0-9]{1,15}").all():  # plain digits: no separator to read
            lookup = pd.array([*text.astype("int64"), None], dtype=dtype)
            return pd.Series(lookup.take(codes), index=series.index)
    found: list[Problem] = []
    parsed = convert_cells(
        pd.Series(cats, dtype=object), parser, [0] * len(cats), source, "", set(), found
    )
    if found:
        return None
    lookup = pd.array([*parsed, None], dtype=dtype)
    return pd.Series(lookup.take(codes), index=series.index)


def _resolve_communes(
    communes_cells: pd.Series,
    district_cells: pd.Series | None,
    where: tuple[list[int], str],
    row_systems: tuple[list[str], list[str]],
    geo: Geography,
    bad: set[tuple[int, str]],
    problems: list[Problem],
) -> list[str | None]:
    """Commune codes from codes or names; a district column tells apart repeated names.

    ``where`` holds the file row of each record and the file name; ``row_systems`` each
    record's unit system and why (:func:`analysis.intake.systems.row_systems`).
    """
    rows, source = where
    no_problems: list[Problem] = []
    communes = convert_cells(
        communes_cells, code_text, rows, source, "commune_code", bad, no_problems
    )
    if district_cells is None:
        districts = [None] * len(communes)
    else:
        districts = convert_cells(
            district_cells, code_text, rows, source, "district", bad, no_problems
        )
    # one key per distinct commune, district and unit system (with its reason): each is
    # resolved once; the system is left out of the key when every record has the same one
    systems, reasons = row_systems
    numbers = pd.factorize(np.asarray(reasons, dtype=object))[0]
    first = np.unique(numbers, return_index=True)[1]
    contexts = [(systems[i], reasons[i]) for i in first]
    if district_cells is None and len(contexts) <= 1:
        keys = communes
    else:
        tags = numbers.astype(str) if len(contexts) > 1 else [""] * len(communes)
        keys = [
            None if c is None else f"{c}\x00{d or ''}\x00{t}"
            for c, d, t in zip(communes, districts, tags, strict=True)
        ]
    resolver = unit_systems.commune_resolver(geo)

    def resolve(key: str) -> str:
        commune, _, rest = key.partition("\x00")
        district, _, tag = rest.partition("\x00")
        system, why = contexts[int(tag)] if tag else contexts[0]
        return resolver(commune, district or None, system, why)

    return convert_cells(
        pd.Series(keys, dtype=object), resolve, rows, source, "commune_code", bad, problems
    )


def _household_frame(
    out: dict[str, list | pd.Series], columns: list[str], kinds: dict[str, str], n: int
) -> pd.DataFrame:
    """The columns read from the file, in schema order, with nullable dtypes."""
    data = {}
    for col in columns:
        if col not in out:
            continue
        values, kind = out[col], kinds[col]
        if isinstance(values, pd.Series):
            data[col] = values.reset_index(drop=True)
        elif col in ("year", "members") or kind == "count":
            data[col] = pd.array(values, dtype="Int64")
        elif kind == "number":
            data[col] = pd.array(values, dtype="Float64")
        elif kind == "flag":
            data[col] = pd.array(values, dtype="boolean")
        else:
            data[col] = pd.Series(values, dtype="str")
    if unit_systems.UNIT_SYSTEM in out:
        data[unit_systems.UNIT_SYSTEM] = out[unit_systems.UNIT_SYSTEM].reset_index(drop=True)
    return pd.DataFrame(data, index=range(n))


def _household_final(table: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """The validated records with their final dtypes and empty flags filled in."""
    table = table.copy()
    # forms mark yes with x and leave no empty: an empty flag is False, except an indicator
    # that the year's standard does not have (unknown, <NA>)
    by_year = {y: set(standard_for_year(y).indicators) for y in table["year"].unique()}
    for col in table.columns:
        if kinds.get(col) != "flag":
            continue
        if col.startswith("d_"):
            years = [y for y, inds in by_year.items() if col[2:] in inds]
            has = table["year"].isin(years).to_numpy(dtype=bool)
            table[col] = table[col].mask(has & table[col].isna(), False)
        else:
            table[col] = table[col].fillna(False)
    for col in ("year", "members"):
        table[col] = table[col].astype("int64")
    for col in ("income_pc", "score_a"):
        if col in table:
            table[col] = table[col].astype("float64")
    return table
