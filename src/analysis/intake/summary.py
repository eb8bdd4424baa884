"""Intake of the area-year summary table (the review's summary form).

:func:`read_summary` maps the headers (schema names, Vietnamese or English headers, and a few
usual variants, all from ``data/schema/``; any case, with or without diacritics) to schema
columns, drops total rows, resolves area names to codes, parses Vietnamese numbers, skips
unfilled template rows, then validates (:func:`~analysis.intake.validate.validate_summary`). A
file with any problem loads nothing: :class:`~analysis.intake.problems.IntakeError` lists every
problem with its file, row and column.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.core.messages import Joined, Message
from analysis.intake import systems as unit_systems
from analysis.intake.cells import (
    area_fix,
    area_resolver,
    clean_cell,
    code_text,
    convert_cells,
    count_parser,
    is_total_row,
    parse_flag,
    parse_level,
    parse_year,
    parse_zone,
)
from analysis.intake.headers import column_headers, header_lookup
from analysis.intake.problems import IntakeError, Problem, raise_problems, row_ranges
from analysis.intake.readers import RawTable, formula_cells, map_headers, read_raw
from analysis.intake.validate import REQUIRED_SUMMARY, validate_summary
from analysis.reference import schema
from analysis.reference.geography import Geography, UnknownAreaError, load_geography


def read_summary(
    path, sheet: str | None = None, geography: Geography | None = None
) -> pd.DataFrame:
    """Read and validate an area-year summary table (the review's summary form).

    Parameters
    ----------
    path : str or Path
        ``.csv``, ``.xlsx`` or ``.parquet``. Headers may be the schema names, the Vietnamese or
        English headers of ``data/schema/summary-columns.csv`` or their listed variants, in
        any case, with or without diacritics; unknown columns are ignored (noted).
    sheet : str, optional
        Excel sheet (default: the first sheet with a recognisable header).
    geography : Geography, optional
        Defaults to :func:`~analysis.reference.geography.load_geography`.

    Returns
    -------
    pandas.DataFrame
        Every column of :func:`analysis.reference.schema.summary_columns`, in order: ``year``
        int64; ``area_code``, ``area_level``, ``zone`` text; counts ``Int64`` (missing =
        <NA>); ``especially_difficult`` boolean; ``synthetic`` bool; then ``unit_system``
        (text) when the file has such a column or holds rows by new commune (see
        :mod:`analysis.intake.systems`). ``attrs["notes"]`` lists
        what was skipped or inferred (total rows, unfilled template rows, ignored columns);
        ``attrs["row_numbers"]`` the file row of each row; ``attrs["source"]`` the file name.

    Raises
    ------
    IntakeError
        With every problem found (file, row, column, message); nothing is loaded.

    Notes
    -----
    The area column may hold a code (Excel numbers are turned back into text codes) or a
    district or commune name; a separate name column (``Tên địa bàn``) is used when the code is
    missing and checked against it otherwise. A row whose area reads 'Tổng cộng', 'Tổng',
    'Cộng' or 'Total', or is the province itself, is a total row and is dropped. Rows whose
    figures are all empty (an unfilled template row) are skipped. Without a year column, a
    single year in the title rows (``... NĂM 2023``) is used.

    Areas are read in their row's unit system: the former districts and communes up to the
    review of 2024, the new communes of 1 July 2025 from the review of 2025, unless a
    ``unit_system`` column says otherwise. A unit of the other system (a former commune in 2025
    data), or rows of one year in two systems, are refused. Rows by new commune come back with
    their new commune code; :func:`analysis.intake.allocate.to_former_districts` gives their
    former-district figures.
    """
    geo = geography or load_geography()
    raw = read_raw(path, sheet, set(header_lookup("summary")), require_known=True)
    source = raw.source
    cols, aux, problems = map_headers(raw, "summary")
    frame, rows = _drop_total_rows(raw, cols, aux, geo)
    year_from_title = None if "year" in cols else _year_from_title(raw)

    bad: set[tuple[int, str]] = set()
    problems += formula_cells(raw, cols, bad)
    out = _parse_columns(frame, rows, source, cols, year_from_title, bad, problems)
    levels = out.get("area_level", [None] * len(frame))
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
    years = out.get("year", [None] * len(frame))
    systems, reasons = unit_systems.row_systems(years, system_cells, geo)
    mixed = unit_systems.mixed_year_problems(years, systems, rows, source, geo)
    bad.update((p.row, p.column) for p in mixed)
    problems += mixed
    if "area_code" in cols or "__name__" in aux:
        out["area_code"] = _resolve_areas(
            frame,
            rows,
            source,
            (cols.get("area_code"), aux.get("__name__")),
            levels,
            (systems, reasons),
            geo,
            bad,
            problems,
        )
        raw.notes.extend(unit_systems.shared_code_notes(years, out["area_code"], systems, geo))
    _infer_level_and_zone(out, levels, "zone" in cols, raw.notes, geo, systems)
    if system_cells is not None or geo.new_system in systems:
        out[unit_systems.UNIT_SYSTEM] = systems
    out, rows = _skip_unfilled(out, rows, len(frame), bad, raw.notes)
    if not rows and not problems:
        where = raw.header_row
        key = "summary.no_rows" if where is not None else "summary.no_rows_file"
        raise IntakeError(Message(key, row=where) if where is not None else Message(key), source)

    table = _summary_frame(out, len(rows))
    problems += [
        p
        for p in validate_summary(table, source, rows, geo, unreadable=bad)
        if (p.row, p.column) not in bad
    ]
    raise_problems(problems)
    table = _summary_final(table)
    table.attrs.update(source=source, notes=list(raw.notes), row_numbers=rows)
    return table


def _kinds() -> dict[str, str]:
    """Summary column -> its kind (key, count, signed, flag...) from data/schema."""
    spec = column_headers("summary")
    return dict(zip(spec["column"], spec["kind"], strict=True))


def _drop_total_rows(
    raw: RawTable, cols: dict[str, int], aux: dict[str, int], geo: Geography
) -> tuple[pd.DataFrame, list[int]]:
    """The rows that are not totals, and their file rows; a note for each total row dropped.

    A total row reads 'Tổng cộng', 'Tổng', 'Cộng' or 'Total' in its area columns (or, without
    an area, in its first text cell), or names the province itself.
    """
    frame, rows = raw.frame, list(raw.row_numbers)
    area_pos = [cols["area_code"]] if "area_code" in cols else []
    area_pos += [aux["__name__"]] if "__name__" in aux else []
    systems = _row_systems_before_parsing(raw, cols, aux, geo)
    keep = []
    for i in range(len(frame)):
        cells = frame.iloc[i].tolist()
        area_cells = [cells[j] for j in area_pos if cells[j] is not None]
        first_text = [c for c in cells if isinstance(c, str)][:1]
        total = is_total_row(area_cells or first_text) or is_total_row(first_text[:1])
        province = any(
            unit_systems.is_province_cell(code_text(c), geo, systems[i]) for c in area_cells
        )
        if total or province:
            name = (area_cells or first_text or ["?"])[0]
            raw.notes.append(Message("summary.total_row", row=rows[i], name=name))
        else:
            keep.append(i)
    return frame.iloc[keep].reset_index(drop=True), [rows[i] for i in keep]


def _row_systems_before_parsing(
    raw: RawTable, cols: dict[str, int], aux: dict[str, int], geo: Geography
) -> list[str]:
    """Each row's unit system from its cells as written (problems are found later).

    A total row is told from an area row by it: "Bình Phước" is the province in a row by
    former units, the ward Phường Bình Phước in a row by new commune.
    """
    title_year = None if "year" in cols else _title_year(raw)
    out = []
    for i in range(len(raw.frame)):
        system = None
        if "__unit_system__" in aux:
            cell = clean_cell(raw.frame.iat[i, aux["__unit_system__"]])
            try:
                system = None if cell is None else geo.resolve_unit_system(str(cell))
            except UnknownAreaError:
                system = None
        if system is None:
            year = title_year
            if "year" in cols:
                cell = clean_cell(raw.frame.iat[i, cols["year"]])
                try:
                    year = None if cell is None else parse_year(cell)
                except ValueError:
                    year = None
            system = geo.former_system if year is None else geo.unit_system_for_year(year)
        out.append(system)
    return out


def _title_year(raw: RawTable) -> int | None:
    """The one year in the title rows (``... NĂM 2023``); None if none or several."""
    years = sorted({int(y) for line in raw.title for y in re.findall(r"\b(?:19|20)\d\d\b", line)})
    return years[0] if len(years) == 1 else None


def _year_from_title(raw: RawTable) -> int | None:
    """The one year in the title rows (``... NĂM 2023``), noted; None if none or several."""
    year = _title_year(raw)
    if year is not None:
        raw.notes.append(Message("summary.year_from_title", year=year))
    return year


def _parse_columns(
    frame: pd.DataFrame,
    rows: list[int],
    source: str,
    cols: dict[str, int],
    year_from_title: int | None,
    bad: set[tuple[int, str]],
    problems: list[Problem],
) -> dict[str, list]:
    """Year, level, counts, flags and zone parsed from their cells (areas come later)."""
    out: dict[str, list] = {}

    def conv(col, parser):
        out[col] = convert_cells(frame[cols[col]], parser, rows, source, col, bad, problems)

    if "year" in cols:
        conv("year", parse_year)
    elif year_from_title is not None:
        out["year"] = [year_from_title] * len(frame)
    if "area_level" in cols:
        conv("area_level", parse_level)
    for col, kind in _kinds().items():
        if col in cols and kind in ("count", "signed"):
            what = "people" if col.startswith("people") else "households"
            conv(col, count_parser(what))
        elif col in cols and kind == "flag":
            conv(col, parse_flag)
    if "zone" in cols:
        conv("zone", parse_zone)
    return out


def _resolve_areas(
    frame: pd.DataFrame,
    rows: list[int],
    source: str,
    positions: tuple[int | None, int | None],
    levels: list,
    row_systems: tuple[list[str], list[str]],
    geo: Geography,
    bad: set[tuple[int, str]],
    problems: list[Problem],
) -> list[str | None]:
    """The area code of each row: from the code column, else the name column.

    ``positions`` are those of the code and the name column; ``row_systems`` each row's unit
    system and why (:func:`analysis.intake.systems.row_systems`). When both columns are filled,
    the name must name the same area as the code, in the row's unit system.
    """
    code_col, name_col = positions
    resolve = unit_systems.area_resolver(geo, area_resolver(geo))
    codes: list[str | None] = []
    for i in range(len(frame)):
        level, system, why = levels[i], row_systems[0][i], row_systems[1][i]
        code_cell = frame.iat[i, code_col] if code_col is not None else None
        name_cell = frame.iat[i, name_col] if name_col is not None else None
        text = code_text(code_cell) if code_cell is not None else None
        from_name = False
        if text is None and name_cell is not None:
            text, from_name = code_text(name_cell), True
        if text is None:
            codes.append(None)
            continue
        try:
            code = resolve(text, level, system, why)
        except UnknownAreaError as err:
            codes.append(None)
            bad.add((rows[i], "area_code"))
            # the error's own message (a Message keeps its key, so it shows in either language)
            said = err.args[0] if len(err.args) == 1 and isinstance(err.args[0], str) else str(err)
            problems.append(Problem(source, rows[i], "area_code", area_fix(said)))
            continue
        codes.append(code)
        if not from_name and name_cell is not None:
            message = _name_check(resolve, geo, code, code_text(name_cell), (level, system, why))
            if message is not None:
                bad.add((rows[i], "area_code"))
                problems.append(Problem(source, rows[i], "area_code", message))
    return codes


def _name_check(
    resolve: unit_systems.Resolver, geo: Geography, code: str, name: str, row: tuple
) -> str | None:
    """What is wrong when the name column names another area than the code, else None.

    ``row`` is the row's level, unit system and why that system.
    """
    level, system, why = row
    try:
        named = resolve(name, level, system, why)
    except UnknownAreaError as err:
        if code in err.candidates:  # a name of several units of the row's system, one the code's
            return None
        conflict = unit_systems.name_conflict(geo, code, name, system, why)
        if conflict:
            return conflict
        if not err.candidates:
            return Message(
                "summary.name_not_area",
                code=code,
                name=geo.area_name(code, unit_system=system),
                given=repr(name),
                province=geo.province["bare_name"],
            )
        named = Joined(
            [f"{geo.area_name(c, bare=False, unit_system=system)} ({c})" for c in err.candidates],
            Message("word.or"),
        )
        return Message(
            "summary.name_is_other",
            code=code,
            name=geo.area_name(code, unit_system=system),
            given=repr(name),
            named=named,
        )
    if named == code:
        return None
    return Message(
        "summary.name_mismatch",
        code=code,
        name=geo.area_name(code, unit_system=system),
        given=repr(name),
        named=named,
    )


def _infer_level_and_zone(
    out: dict[str, list],
    levels: list,
    has_zone: bool,
    notes: list[str],
    geo: Geography,
    systems: list[str],
) -> None:
    """Fill an empty level from the code, and the zone from the commune when there is none."""
    districts = set(geo.district_codes())
    new = [s == geo.new_system for s in systems]
    if "area_code" in out:
        inferred = [
            lv
            if lv is not None
            else (
                None if c is None else ("district" if c in districts and not is_new else "commune")
            )
            for lv, c, is_new in zip(levels, out["area_code"], new, strict=True)
        ]
        out["area_level"] = inferred
    # a commune's zone follows from its type when the file has no zone column
    if not has_zone and "area_code" in out:
        zone_of = geo.communes.set_index("commune_code")["zone"]
        new_zone = geo.new_communes.set_index("commune_code")["commune_type"].map(
            lambda t: "urban" if t == "Phường" else "rural"
        )
        out["zone"] = [
            None if c is None else (new_zone.get(c) if is_new else zone_of.get(c))
            for c, is_new in zip(out["area_code"], new, strict=True)
        ]
        if any(z is not None for z, is_new in zip(out["zone"], new, strict=True) if not is_new):
            notes.append(Message("summary.zone_from_type"))
        if any(z is not None for z, is_new in zip(out["zone"], new, strict=True) if is_new):
            notes.append(Message("summary.zone_from_type_new"))


def _skip_unfilled(
    out: dict[str, list], rows: list[int], n: int, bad: set[tuple[int, str]], notes: list[str]
) -> tuple[dict[str, list], list[int]]:
    """Leave out rows without any figure (an unfilled template row), with a note."""
    figure_cols = [c for c, k in _kinds().items() if k in ("count", "signed") and c in out]
    filled = [
        any(out[c][i] is not None for c in figure_cols)
        or any((rows[i], c) in bad for c in figure_cols)
        for i in range(n)
    ]
    skipped = [rows[i] for i in range(n) if not filled[i]]
    if skipped and figure_cols:
        notes.append(Message("summary.skipped_rows", rows=row_ranges(skipped)))
        idx = [i for i in range(n) if filled[i]]
        out = {c: [v[i] for i in idx] for c, v in out.items()}
        rows = [rows[i] for i in idx]
    return out, rows


def _summary_frame(out: dict[str, list], n: int) -> pd.DataFrame:
    """Columns read from the file in schema order; absent optional columns as empty."""
    data = {}
    kinds = _kinds()
    for col in schema.summary_columns():
        if col in out:
            values = out[col]
        elif col in REQUIRED_SUMMARY:
            continue
        else:
            values = [None] * n
        kind = kinds[col]
        if col == "year" or kind in ("count", "signed"):
            data[col] = pd.array(values, dtype="Int64")
        elif kind == "flag":
            data[col] = pd.array(values, dtype="boolean")
        else:
            data[col] = pd.Series(values, dtype="str") if values else pd.Series([], dtype="str")
    if unit_systems.UNIT_SYSTEM in out:
        data[unit_systems.UNIT_SYSTEM] = pd.Series(out[unit_systems.UNIT_SYSTEM], dtype="str")
    return pd.DataFrame(data, index=range(n))


def _summary_final(table: pd.DataFrame) -> pd.DataFrame:
    """The validated table with its final dtypes; an empty ĐBKK flag on a commune row is no."""
    table = table.copy()
    table["year"] = table["year"].astype("int64")
    table["synthetic"] = table["synthetic"].fillna(False).astype(bool)
    # the ĐBKK flag is marked with x on commune rows: empty there means no
    commune = table["area_level"] == "commune"
    flag = table["especially_difficult"]
    table["especially_difficult"] = flag.mask(commune & flag.isna(), False)
    for col in ("area_code", "area_level", "zone"):
        table[col] = table[col].astype("str")
    extra = [unit_systems.UNIT_SYSTEM] if unit_systems.UNIT_SYSTEM in table else []
    if extra:
        table[unit_systems.UNIT_SYSTEM] = table[unit_systems.UNIT_SYSTEM].astype("str")
    return table[schema.summary_columns() + extra]
