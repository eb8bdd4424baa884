"""Intake of household records (the review's household list).

:func:`read_households` maps the headers of ``data/schema/household-columns.csv`` (any case,
with or without diacritics) to schema columns, parses the cells, resolves commune names (a
district column tells apart communes of the same name), then validates
(:func:`~analysis.intake.validate.validate_households`). A file with any problem loads nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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
from analysis.intake.headers import column_headers, header_lookup
from analysis.intake.problems import IntakeError, Problem, raise_problems
from analysis.intake.readers import formula_cells, map_headers, read_raw
from analysis.intake.validate import validate_households
from analysis.reference.geography import Geography, load_geography
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
    geo = geography or load_geography()
    raw = read_raw(path, sheet, set(header_lookup("household")), require_known=True)
    source = raw.source
    cols, aux, problems = map_headers(raw, "household")
    frame, rows = raw.frame, list(raw.row_numbers)
    spec = column_headers("household")
    kinds = dict(zip(spec["column"], spec["kind"], strict=True))
    bad: set[tuple[int, str]] = set()
    problems += formula_cells(raw, cols, bad)
    out = _parse_columns(frame, rows, source, cols, kinds, bad, problems)
    system_cells = None
    if "__unit_system__" in aux:
        system_cells = convert_cells(
            frame[aux["__unit_system__"]],
            geo.resolve_unit_system,
            rows,
            source,
            unit_systems.UNIT_SYSTEM,
            bad,
            problems,
        )
    years = list(out["year"]) if "year" in out else [None] * len(rows)
    systems, reasons = unit_systems.row_systems(years, system_cells, geo)
    mixed = unit_systems.mixed_year_problems(years, systems, rows, source, geo)
    bad.update((p.row, p.column) for p in mixed)
    problems += mixed
    if "commune_code" in cols:
        district = aux.get("__district__")
        out["commune_code"] = _resolve_communes(
            frame[cols["commune_code"]],
            None if district is None else frame[district],
            (rows, source),
            (systems, reasons),
            geo,
            bad,
            problems,
        )
        if district is not None and geo.new_system in systems:
            raw.notes.append(
                "the district column is not used for records by new commune (districts ended "
                "on 30 June 2025)"
            )
    if system_cells is not None or geo.new_system in systems:
        out[unit_systems.UNIT_SYSTEM] = pd.Series(systems, dtype="str")
    if not rows and not problems:
        raise IntakeError(
            f"no data rows {raw.below_header}; fill in the households",
            source,
        )

    table = _household_frame(out, list(spec["column"]), kinds, len(rows))
    problems += [
        p
        for p in validate_households(table, source, rows, geo, unreadable=bad)
        if (p.row, p.column) not in bad
    ]
    raise_problems(problems)
    table = _household_final(table, kinds)
    table.attrs.update(source=source, notes=list(raw.notes), row_numbers=rows)
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
        return convert_cells(series, parser, rows, source, col, bad, problems)

    for col, kind in kinds.items():
        if col not in cols:
            continue
        series = frame[cols[col]]
        fast = pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
        if col == "household_id":
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
