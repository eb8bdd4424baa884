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

from analysis.intake.cells import (
    area_fix,
    area_resolver,
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
from analysis.reference.geography import (
    Geography,
    UnknownAreaError,
    bare_key,
    fold,
    load_geography,
)


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
        <NA>); ``especially_difficult`` boolean; ``synthetic`` bool. ``attrs["notes"]`` lists
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
    if "area_code" in cols or "__name__" in aux:
        out["area_code"] = _resolve_areas(
            frame,
            rows,
            source,
            cols.get("area_code"),
            aux.get("__name__"),
            levels,
            geo,
            bad,
            problems,
        )
    _infer_level_and_zone(out, levels, "zone" in cols, raw.notes, geo)
    out, rows = _skip_unfilled(out, rows, len(frame), bad, raw.notes)
    if not rows and not problems:
        raise IntakeError(
            f"no data rows below the header (row {raw.header_row}); fill in the figures", source
        )

    table = _summary_frame(out, len(rows))
    problems += [
        p for p in validate_summary(table, source, rows, geo) if (p.row, p.column) not in bad
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
    province_keys = {
        fold(geo.province["province_name"]),
        bare_key(geo.province["province_name"]),
        str(geo.province["province_code"]),
    }
    keep = []
    for i in range(len(frame)):
        cells = frame.iloc[i].tolist()
        area_cells = [cells[j] for j in area_pos if cells[j] is not None]
        first_text = [c for c in cells if isinstance(c, str)][:1]
        total = is_total_row(area_cells or first_text) or is_total_row(first_text[:1])
        province = any(
            fold(code_text(c)) in province_keys or bare_key(code_text(c)) in province_keys
            for c in area_cells
        )
        if total or province:
            raw.notes.append(
                f"row {rows[i]} is a total row ({(area_cells or first_text or ['?'])[0]}); "
                "dropped (totals are computed from the areas)"
            )
        else:
            keep.append(i)
    return frame.iloc[keep].reset_index(drop=True), [rows[i] for i in keep]


def _year_from_title(raw: RawTable) -> int | None:
    """The one year in the title rows (``... NĂM 2023``), noted; None if none or several."""
    years = sorted({int(y) for line in raw.title for y in re.findall(r"\b(?:19|20)\d\d\b", line)})
    if len(years) != 1:
        return None
    raw.notes.append(f"no year column: the review year {years[0]} is read from the title")
    return years[0]


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
    code_col: int | None,
    name_col: int | None,
    levels: list,
    geo: Geography,
    bad: set[tuple[int, str]],
    problems: list[Problem],
) -> list[str | None]:
    """The area code of each row: from the code column, else the name column.

    When both columns are filled, the name must name the same area as the code.
    """
    resolve = area_resolver(geo)
    codes: list[str | None] = []
    for i in range(len(frame)):
        level = levels[i]
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
            code = resolve(text, level)
        except UnknownAreaError as err:
            codes.append(None)
            bad.add((rows[i], "area_code"))
            problems.append(Problem(source, rows[i], "area_code", area_fix(str(err))))
            continue
        codes.append(code)
        if not from_name and name_cell is not None:
            try:
                named = resolve(code_text(name_cell), level)
            except UnknownAreaError:
                named = None
            if named is not None and named != code:
                bad.add((rows[i], "area_code"))
                problems.append(
                    Problem(
                        source,
                        rows[i],
                        "area_code",
                        f"code {code} is {geo.area_name(code)} but the name column says "
                        f"{name_cell!r} ({named}); correct the code or the name",
                    )
                )
    return codes


def _infer_level_and_zone(
    out: dict[str, list], levels: list, has_zone: bool, notes: list[str], geo: Geography
) -> None:
    """Fill an empty level from the code, and the zone from the commune when there is none."""
    districts = set(geo.district_codes())
    if "area_code" in out:
        inferred = [
            lv
            if lv is not None
            else (None if c is None else ("district" if c in districts else "commune"))
            for lv, c in zip(levels, out["area_code"], strict=True)
        ]
        out["area_level"] = inferred
    # a commune's zone follows from its type when the file has no zone column
    if not has_zone and "area_code" in out:
        zone_of = geo.communes.set_index("commune_code")["zone"]
        out["zone"] = [zone_of.get(c) if c is not None else None for c in out["area_code"]]
        if any(z is not None for z in out["zone"]):
            notes.append("no zone column: each commune's zone is taken from its type (xã = rural)")


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
        notes.append(f"rows without any figures were skipped: {row_ranges(skipped)}")
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
    return table[schema.summary_columns()]
