"""Validated intake of the review's summary forms and household lists (CSV, Excel, Parquet).

Reading is in two layers:

:func:`read_table`
    Any table as the file holds it: CSV in UTF-8 (with or without BOM), UTF-16 or the legacy
    Windows-1258 encoding; Excel workbooks (title rows above the header, merged cells,
    two-row headers, a row of column numbers under the header); Parquet. Every text cell is
    normalised to Unicode NFC. The index of the result is the row number the analyst sees.
:func:`read_summary`, :func:`read_households`
    Map the headers (schema names, Vietnamese or English headers, and a few usual variants, all
    from ``data/schema/``; any case, with or without diacritics) to schema columns, resolve
    area names to codes, parse Vietnamese numbers, drop total rows, then validate. A file with
    any problem loads nothing: :class:`~analysis.validate.IntakeError` lists every problem with
    its file, row and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io as _io
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from analysis.core.numbers import NumberParseError, parse_number
from analysis.intake.validate import (
    REQUIRED_SUMMARY,
    IntakeError,
    Problem,
    column_headers,
    sort_problems,
    validate_households,
    validate_summary,
)
from analysis.reference import schema
from analysis.reference.geography import Geography, UnknownAreaError, bare_key, fold, load_geography
from analysis.reference.standards import standard_for_year

__all__ = [
    "IntakeError",
    "Problem",
    "read_table",
    "read_summary",
    "read_households",
    "read_any",
    "header_key",
    "AREA_NAME_HEADERS",
]

#: Headers of a column holding the area's name (the template writes the first one). The name is
#: used when the code column is missing or empty, and checked against the code when both exist.
AREA_NAME_HEADERS = (
    "Tên địa bàn",
    "Địa bàn",
    "Tên đơn vị",
    "Đơn vị",
    "Đơn vị hành chính",
    "Tên huyện",
    "Huyện",
    "Huyện/thị xã/thành phố",
    "Area name",
    "Area",
    "area_name",
    "District",
)
#: Headers of a district column in household lists (to tell apart communes of the same name).
DISTRICT_HEADERS = (
    "Huyện",
    "Tên huyện",
    "Mã huyện",
    "Huyện/thị xã/thành phố",
    "District",
    "district_code",
)
#: Headers of row-number columns, ignored without a note.
ROW_NUMBER_HEADERS = ("STT", "TT", "Số TT", "Số thứ tự", "No", "No.", "#")

_TOTAL_WORDS = {"tong cong", "tong", "cong", "total", "tong so", "toan tinh", "grand total"}
_TRUE = {"x", "co", "yes", "y", "true", "1", "dung", "v", "✓", "✔", "dtts"}
_FALSE = {"khong", "no", "n", "false", "0", "sai"}
_ZONES = {
    "thanh thi": "urban",
    "urban": "urban",
    "tt": "urban",
    "do thi": "urban",
    "nong thon": "rural",
    "rural": "rural",
    "nt": "rural",
}
_LEVELS = {
    "huyen": "district",
    "cap huyen": "district",
    "district": "district",
    "thi xa": "district",
    "thanh pho": "district",
    "quan": "district",
    "xa": "commune",
    "cap xa": "commune",
    "commune": "commune",
    "phuong": "commune",
    "thi tran": "commune",
    "ward": "commune",
}
_CLASSES = {
    "ngheo": "poor",
    "ho ngheo": "poor",
    "poor": "poor",
    "can ngheo": "near_poor",
    "ho can ngheo": "near_poor",
    "near poor": "near_poor",
    "khong ngheo": "not_poor",
    "ho khong ngheo": "not_poor",
    "not poor": "not_poor",
    "non poor": "not_poor",
}
_COMMUNE_PREFIXES = ("xa ", "phuong ", "thi tran ", "x.", "p.", "tt.", "tt ")
_DISTRICT_PREFIXES = ("huyen ", "thi xa ", "thanh pho ", "h.", "tx.", "tp.", "tx ", "tp ")
_HEADER_SCAN_ROWS = 30


def header_key(text) -> str:
    """Matching key of a header: folded (no case, no diacritics), punctuation as spaces.

    Parameters
    ----------
    text : str
        A header as written (``"Hộ nghèo\\ncuối năm"``, ``"poor_end"``).

    Returns
    -------
    str
        ``"ho ngheo cuoi nam"``, ``"poor end"``.
    """
    key = fold(str(text))
    return re.sub(r"\s+", " ", re.sub(r"[^0-9a-z]+", " ", key)).strip()


def _value_key(text) -> str:
    """Matching key of a categorical cell value (zone, level, class, yes/no)."""
    return header_key(text)


# -- raw tables --------------------------------------------------------------------------------
@dataclass
class _Raw:
    """A table as the file holds it, before any mapping."""

    source: str
    header: list[str]
    frame: pd.DataFrame  # columns are positions 0..k-1
    row_numbers: list[int]
    header_row: int | None
    letters: list[str]
    title: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    formulas: dict[tuple[int, str], Problem] = field(default_factory=dict)  # (row, letter)


def _clean(value):
    """One cell: NFC text without surrounding spaces, None for empty."""
    if value is None:
        return None
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value).replace("\u00a0", " ").strip()
        return text or None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when NUL bytes fill every other byte (UTF-16 without BOM)."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    odd, even = sample[1::2], sample[0::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _decode(data: bytes, source: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    if b"\x00" in data:
        codec = _utf16_without_bom(data)
        if codec is not None:
            try:
                return data.decode(codec), "UTF-16"
            except UnicodeDecodeError:
                pass
        raise IntakeError(
            "the file holds NUL bytes, so it is not a text (CSV) file: it may be a workbook or "
            "another binary file renamed .csv; open it in Excel and save it as 'CSV UTF-8' or "
            ".xlsx",
            source,
        )
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1258"), "Windows-1258"
    except UnicodeDecodeError as err:
        raise IntakeError(
            f"the file is neither UTF-8 nor Windows-1258 text ({err}); "
            "save it from Excel as 'CSV UTF-8'",
            source,
        ) from None


@dataclass
class _CsvShape:
    """What the CSV reader learnt about the end of the file (to recognise a cut-off file)."""

    ends_with_newline: bool


def _read_bytes(path: Path, source: str) -> bytes:
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise IntakeError(
            f"{str(path)!r} is a folder, not a file; give the path of the data file", source
        ) from None
    except OSError as err:
        raise IntakeError(
            f"the file cannot be read ({err.strerror or err}); check that it exists, that you "
            "may read it and that it is not open and locked in another program",
            source,
        ) from None


def _csv_rows(path: Path, source: str) -> tuple[list[list], list[int], list[str], _CsvShape]:
    data = _read_bytes(path, source)
    if not data.strip():
        raise IntakeError("the file is empty", source)
    text, encoding = _decode(data, source)
    text = unicodedata.normalize("NFC", text)
    notes = [] if encoding == "UTF-8" else [f"read as {encoding} text"]
    sample = "\n".join(text.splitlines()[:20])
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter)
    rows, numbers = [], []
    last = 0
    try:
        for row in reader:
            rows.append([_clean(c) for c in row])
            numbers.append(last + 1)
            last = reader.line_num
    except csv.Error as err:
        raise IntakeError(
            f"the CSV text is damaged near line {last + 1}: {err}; open the file in a text editor "
            "and correct that line, or export it again",
            source,
        ) from None
    if rows and any(isinstance(c, str) and "\n" in c for c in rows[-1]):
        # an unclosed quote swallows the rest of the file into one cell of the last row
        strict = csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        try:
            for _ in strict:
                pass
        except csv.Error as err:
            if "unexpected end of data" in str(err):
                raise IntakeError(
                    Problem(
                        source,
                        numbers[-1],
                        None,
                        f'a quote (") opened on line {numbers[-1]} is never closed, so the rest '
                        "of the file would be read as one cell; add the closing quote or remove "
                        "the stray one",
                    )
                ) from None
    return rows, numbers, notes, _CsvShape(ends_with_newline=text.endswith(("\n", "\r")))


_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _xlsx_rows(path: Path, sheet: str | None, source: str, keys: set[str]):
    """Rows of one sheet with merged cells filled in, plus formula problems and notes."""
    head = _read_bytes(path, source)[:8]
    if head == _OLE2_MAGIC:
        raise IntakeError(
            "the file is an old Excel 97-2003 workbook (.xls) renamed .xlsx, or a workbook "
            "protected with a password; open it in Excel, remove the password if there is one, "
            "and save it as .xlsx (Excel Workbook)",
            source,
        )
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as err:  # noqa: BLE001 - zipfile, lxml and openpyxl raise many kinds
        raise IntakeError(
            f"the file cannot be opened as an Excel workbook (it is damaged, truncated or not "
            f"really .xlsx: {type(err).__name__}); open it in Excel and save it again as .xlsx",
            source,
        ) from None
    names = [ws.title for ws in wb.worksheets]  # chart sheets hold no cells
    if not names:
        raise IntakeError(
            "the workbook has only chart sheets, no sheet with cells; add the table on a sheet",
            source,
        )
    if sheet is not None:
        if sheet not in names:
            folded = {fold(n): n for n in names}
            if fold(sheet) in folded:
                sheet = folded[fold(sheet)]
            else:
                raise IntakeError(
                    f"the workbook has no sheet {sheet!r}; its sheets are: "
                    + ", ".join(repr(n) for n in names)
                    + "; give one of these names, or none to use the first sheet with a table",
                    source,
                )
        candidates = [sheet]
    else:
        candidates = names
    try:
        chosen = None
        for name in candidates:
            ws = wb[name]
            grid = _sheet_grid(ws)
            if sheet is not None or _best_header(grid[:_HEADER_SCAN_ROWS], keys)[1] > 0:
                chosen = name
                break
        if chosen is None:
            chosen, grid = names[0], _sheet_grid(wb[names[0]])
    except Exception as err:  # noqa: BLE001 - a malformed sheet inside a valid zip
        raise IntakeError(
            f"the sheets of the workbook cannot be read (it is damaged: {type(err).__name__}); "
            "open it in Excel and save it again as .xlsx",
            source,
        ) from None
    notes = [f"read sheet {chosen!r}"] if len(wb.sheetnames) > 1 else []
    formulas = _formula_problems(path, chosen, grid, source)
    return grid, list(range(1, len(grid) + 1)), notes, formulas


def _sheet_grid(ws) -> list[list]:
    grid = [[_clean(c) for c in row] for row in ws.iter_rows(values_only=True)]
    for rng in ws.merged_cells.ranges:
        value = grid[rng.min_row - 1][rng.min_col - 1] if rng.min_row <= len(grid) else None
        for r in range(rng.min_row, min(rng.max_row, len(grid)) + 1):
            row = grid[r - 1]
            for c in range(rng.min_col, rng.max_col + 1):
                if c - 1 < len(row):
                    row[c - 1] = value
    return grid


def _formula_problems(
    path: Path, sheet: str, grid: list[list], source: str
) -> dict[tuple[int, str], Problem]:
    """Formula cells whose result was never calculated and saved (the workbook has no value)."""
    try:
        wb = load_workbook(path, data_only=False, read_only=True)
    except Exception:  # noqa: BLE001 - the first load succeeded; nothing more to learn
        return {}
    problems: dict[tuple[int, str], Problem] = {}
    try:
        for r, row in enumerate(wb[sheet].iter_rows(values_only=True), start=1):
            for c, value in enumerate(row, start=1):
                if isinstance(value, str) and value.startswith("="):
                    cached = grid[r - 1][c - 1] if r - 1 < len(grid) else None
                    if cached is None:
                        problems[(r, get_column_letter(c))] = Problem(
                            source,
                            r,
                            None,
                            f"cell {get_column_letter(c)}{r} holds the formula {value} but "
                            "no calculated value; open the file in Excel or LibreOffice, "
                            "let it recalculate, save it and load it again (or type the "
                            "number)",
                        )
    finally:
        wb.close()
    return problems


def _combined_headers(grid: list[list], h: int, keys: set[str]) -> list[str | None]:
    """Header texts of row ``h``; joins the row above where that makes a known header."""
    row = grid[h]
    above = grid[h - 1] if h > 0 else []
    out = []
    for j, cell in enumerate(row):
        text = None if cell is None else str(cell)
        up = above[j] if j < len(above) else None
        if up is not None and text is not None and str(up) != text:
            joined = f"{up} {text}"
            if header_key(joined) in keys and header_key(text) not in keys:
                text = joined
        out.append(text)
    return out


def _best_header(grid: list[list], keys: set[str]) -> tuple[int, int]:
    """Row index among ``grid`` with the most known headers, and how many it has."""
    best, score = 0, 0
    for h in range(len(grid)):
        texts = _combined_headers(grid, h, keys)
        n = sum(1 for t in texts if t is not None and header_key(t) in keys)
        if n > score:
            best, score = h, n
    return best, score


_NUMBERING = re.compile(r"^\(?([0-9]{1,3}|[A-Za-z])\)?$")


def _is_numbering_row(row: list) -> bool:
    """The row of column numbers that forms put under the header: (1) (2) (3) ... or A B 1 2."""
    cells = [str(c).strip() for c in row if c is not None]
    if len(cells) < 3 or not all(_NUMBERING.match(c) for c in cells):
        return False
    numbers = [int(re.sub(r"\D", "", c)) for c in cells if re.sub(r"\D", "", c)]
    return len(numbers) >= 3 and all(b == a + 1 for a, b in zip(numbers, numbers[1:], strict=False))


def _raw_from_rows(
    rows: list[list],
    numbers: list[int],
    source: str,
    keys: set[str],
    require_known: bool,
    notes: list[str],
    formulas: dict[tuple[int, str], Problem],
    csv_shape: _CsvShape | None = None,
) -> _Raw:
    if not any(any(c is not None for c in row) for row in rows):
        raise IntakeError(
            "the file is empty (no cells hold anything); check that this is the file with the "
            "table, and that the table was saved in it",
            source,
        )
    scan = rows[:_HEADER_SCAN_ROWS]
    h, score = _best_header(scan, keys)
    if score == 0:
        if require_known:
            raise IntakeError(
                "no header row found in the first "
                f"{_HEADER_SCAN_ROWS} rows: no cell matches a known column header; "
                "the table needs a header row such as 'Năm rà soát', 'Mã địa bàn', 'Khu vực', "
                "'Tổng số hộ' (see data/schema/)",
                source,
            )
        h = next(i for i, row in enumerate(rows) if any(c is not None for c in row))
    header = _combined_headers(rows, h, keys)
    # merged title cells repeat their text across the row: keep each text once
    title = [" ".join(dict.fromkeys(str(c) for c in row if c is not None)) for row in rows[:h]]
    body, body_numbers = [], []
    width = len(header)
    if csv_shape is not None:
        _check_csv_widths(rows, numbers, h, width, source, csv_shape)
    end = _footer_start(rows, h)
    if end < len(rows):
        footer = [numbers[i] for i in range(end, len(rows)) if any(rows[i])]
        notes.append(
            "rows below the table without any number (signatures, notes) were ignored: "
            + _ranges(footer)
        )
    for i in range(h + 1, end):
        row = rows[i]
        if not any(c is not None for c in row):
            continue
        if i == h + 1 and _is_numbering_row(row):
            notes.append(f"row {numbers[i]} holds column numbers; skipped")
            continue
        body.append((list(row) + [None] * width)[:width])
        body_numbers.append(numbers[i])
    # drop trailing columns with neither header nor data
    keep = [j for j in range(width) if header[j] is not None or any(r[j] is not None for r in body)]
    frame = pd.DataFrame(
        [[r[j] for j in keep] for r in body], columns=range(len(keep)), dtype=object
    )
    return _Raw(
        source=source,
        header=[header[j] if header[j] is not None else "" for j in keep],
        frame=frame,
        row_numbers=body_numbers,
        header_row=numbers[h],
        letters=[get_column_letter(j + 1) for j in keep],
        title=title,
        notes=notes,
        formulas=formulas,
    )


def _check_csv_widths(
    rows: list[list], numbers: list[int], h: int, width: int, source: str, shape: _CsvShape
) -> None:
    """A CSV row with more cells than the header, or a last row cut short: refuse the file."""
    problems = []
    for i in range(h + 1, len(rows)):
        extra = [c for c in rows[i][width:] if c is not None]
        if extra:
            problems.append(
                Problem(
                    source,
                    numbers[i],
                    None,
                    f"the row has {len(rows[i])} cells but the header has {width}: a value "
                    "probably holds the separator (a comma in a name or a number); put that "
                    'value in quotes ("...") or remove the separator',
                )
            )
    last = len(rows) - 1
    if (
        not shape.ends_with_newline
        and last > h
        and any(c is not None for c in rows[last])
        and len(rows[last]) < width
    ):
        problems.append(
            Problem(
                source,
                numbers[last],
                None,
                f"the file ends in the middle of row {numbers[last]} ({len(rows[last])} of "
                f"{width} cells, no line break at the end): it was probably cut off while being "
                "copied, downloaded or exported; copy or export the complete file again",
            )
        )
    if problems:
        raise IntakeError(problems)


def _has_number(cell) -> bool:
    if isinstance(cell, bool):
        return False
    if isinstance(cell, int | float | np.integer | np.floating):
        return not (isinstance(cell, float) and math.isnan(cell))
    if isinstance(cell, str):
        try:
            return not math.isnan(parse_number(cell))
        except NumberParseError:
            return False
    return cell is not None and not isinstance(cell, str)  # dates and times count as figures


def _footer_start(rows: list[list], h: int) -> int:
    """Index of the first row of the trailing block without any number (signatures, notes).

    A data row always holds a number (year, code or a figure); text-only rows after the last
    such row are the form's footer ('Người lập biểu', 'Thủ trưởng đơn vị', dates in words).
    """
    end = len(rows)
    while end > h + 1 and not any(_has_number(c) for c in rows[end - 1]):
        end -= 1
    return end


def _read_raw(path, sheet: str | None, keys: set[str], require_known: bool) -> _Raw:
    path = Path(path)
    source = path.name
    if not path.exists():
        raise IntakeError(f"there is no file {str(path)!r}", source)
    ext = path.suffix.lower()
    if ext in (".csv", ".txt", ".tsv"):
        rows, numbers, notes, shape = _csv_rows(path, source)
        return _raw_from_rows(rows, numbers, source, keys, require_known, notes, {}, shape)
    if ext in (".xlsx", ".xlsm"):
        if path.stat().st_size == 0:
            raise IntakeError("the file is empty", source)
        grid, numbers, notes, formulas = _xlsx_rows(path, sheet, source, keys)
        return _raw_from_rows(grid, numbers, source, keys, require_known, notes, formulas)
    if ext in (".parquet", ".pq"):
        if path.stat().st_size == 0:
            raise IntakeError("the file is empty", source)
        try:
            data = pd.read_parquet(path)
        except Exception as err:  # noqa: BLE001 - pyarrow raises many kinds
            raise IntakeError(
                f"the file cannot be read as Parquet ({type(err).__name__}: {err})", source
            ) from None
        data = data.reset_index(drop=True)
        header = [str(c) for c in data.columns]
        frame = data.copy()
        frame.columns = range(len(header))
        for j in frame.columns:
            col = frame[j]
            if not pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
                codes, uniques = pd.factorize(col.astype(object), use_na_sentinel=True)
                lookup = np.empty(len(uniques) + 1, dtype=object)
                lookup[:-1] = [_clean(u) for u in uniques]
                lookup[-1] = None
                frame[j] = pd.Series(lookup[codes], index=frame.index, dtype=object)
        return _Raw(
            source=source,
            header=header,
            frame=frame,
            row_numbers=list(range(1, len(frame) + 1)),
            header_row=None,
            letters=header,
        )
    if ext == ".xls":
        raise IntakeError(
            "old Excel 97-2003 workbooks (.xls) are not read; open the file in Excel and save it "
            "as .xlsx (Excel Workbook)",
            source,
        )
    raise IntakeError(
        f"unknown file type {ext or '(no extension)'!r}; give a .csv, .xlsx or .parquet file",
        source,
    )


def _all_header_keys() -> set[str]:
    keys: set[str] = set()
    for table in ("summary", "household"):
        keys |= set(_header_lookup(table))
    return keys


def read_table(path, sheet: str | None = None) -> pd.DataFrame:
    """Read a table as the file holds it.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (UTF-8 with or without BOM, UTF-16, or Windows-1258; comma, semicolon or tab
        separated), ``.xlsx`` or ``.parquet`` file.
    sheet : str, optional
        Excel sheet; by default the first sheet with a recognisable header row.

    Returns
    -------
    pandas.DataFrame
        One column per header (as written, NFC; duplicates get a `` (2)`` suffix), cells as the
        file holds them (text NFC-normalised, empty cells None), index = the row number the
        analyst sees (spreadsheet row or CSV line; the record number for Parquet). Title rows
        above the header and blank rows are left out. ``attrs`` holds ``source``,
        ``header_row``, ``title`` and ``notes``.

    Raises
    ------
    IntakeError
        For an empty, damaged or unknown file, a missing sheet, or formulas without values.
    """
    raw = _read_raw(path, sheet, _all_header_keys(), require_known=False)
    if raw.formulas:
        raise IntakeError(list(raw.formulas.values()))
    names, seen = [], {}
    for j, name in enumerate(raw.header):
        name = name or f"column {raw.letters[j]}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    frame = raw.frame.copy()
    frame.columns = names
    frame.index = pd.Index(raw.row_numbers, name="row")
    frame.attrs.update(
        source=raw.source, header_row=raw.header_row, title=raw.title, notes=list(raw.notes)
    )
    return frame


# -- header mapping ----------------------------------------------------------------------------
_LOOKUPS: dict[str, dict[str, str]] = {}


def _header_lookup(table: str) -> dict[str, str]:
    """Header key -> schema column, from the column name, both headers and the aliases."""
    if table not in _LOOKUPS:
        lookup: dict[str, str] = {}
        frame = column_headers(table)
        for r in frame.itertuples(index=False):
            for text in [r.column, r.header_vi, r.header_en]:
                lookup.setdefault(header_key(text), r.column)
        for r in frame.itertuples(index=False):
            for text in str(r.aliases).split("|"):
                if text.strip():
                    lookup.setdefault(header_key(text), r.column)
        extra = AREA_NAME_HEADERS if table == "summary" else DISTRICT_HEADERS
        for text in extra:
            lookup.setdefault(
                header_key(text), "__name__" if table == "summary" else "__district__"
            )
        for text in ROW_NUMBER_HEADERS:
            lookup.setdefault(header_key(text), "__rownum__")
        _LOOKUPS[table] = lookup
    return _LOOKUPS[table]


def _primary_keys(table: str) -> dict[str, set[str]]:
    frame = column_headers(table)
    return {
        r.column: {header_key(r.column), header_key(r.header_vi), header_key(r.header_en)}
        for r in frame.itertuples(index=False)
    }


def _map_headers(raw: _Raw, table: str) -> tuple[dict[str, int], dict[str, int], list[Problem]]:
    """Schema column -> position, auxiliary column -> position, and header problems."""
    lookup = _header_lookup(table)
    primary = _primary_keys(table)
    mapping: dict[str, list[int]] = {}
    aux: dict[str, int] = {}
    ignored = []
    for j, text in enumerate(raw.header):
        key = header_key(text)
        col = lookup.get(key)
        if col is None:
            if key or raw.frame[j].notna().any():
                ignored.append(text or f"column {raw.letters[j]}")
            continue
        if col.startswith("__"):
            if col != "__rownum__":
                aux.setdefault(col, j)
            continue
        mapping.setdefault(col, []).append(j)
    problems: list[Problem] = []
    out: dict[str, int] = {}
    for col, positions in mapping.items():
        if len(positions) > 1:
            # a primary header beats an alias (e.g. "Mã địa bàn" next to "Mã xã")
            best = [j for j in positions if header_key(raw.header[j]) in primary[col]]
            if len(best) == 1:
                out[col] = best[0]
                continue
            where = " and ".join(f"{raw.letters[j]} ('{raw.header[j]}')" for j in positions)
            problems.append(
                Problem(
                    raw.source,
                    raw.header_row,
                    col,
                    f"columns {where} both hold this column; delete or rename one of them",
                )
            )
            out[col] = positions[0]
        else:
            out[col] = positions[0]
    if ignored:
        raw.notes.append("columns not in the schema were ignored: " + ", ".join(ignored))
    return out, aux, problems


# -- cell conversion ---------------------------------------------------------------------------
def _convert(
    values: pd.Series,
    parse: Callable,
    rows: list[int],
    source: str,
    column: str,
    bad: set[tuple[int, str]],
    problems: list[Problem],
) -> list:
    """Apply ``parse`` to each distinct non-empty cell value; record failures per cell."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    parsed: list = []
    errors: dict[int, str] = {}
    for k, v in enumerate(uniques):
        v = _clean(v)
        if v is None or v is pd.NA:
            parsed.append(None)
            continue
        try:
            parsed.append(parse(v))
        except (NumberParseError, UnknownAreaError, ValueError) as err:
            parsed.append(None)
            errors[k] = _area_fix(str(err)) if isinstance(err, UnknownAreaError) else str(err)
    lookup = np.empty(len(parsed) + 1, dtype=object)
    lookup[:-1] = parsed
    lookup[-1] = None
    out = lookup[codes]  # code -1 (empty) picks the trailing None
    if errors:
        for i in np.flatnonzero(np.isin(codes, list(errors))):
            bad.add((rows[i], column))
            problems.append(Problem(source, rows[i], column, errors[int(codes[i])]))
    return out.tolist()


_EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!",
                 "#CALC!", "#GETTING_DATA"}  # fmt: skip
#: Larger than any count a review can hold, and beyond what an Int64 column keeps exactly.
_MAX_COUNT = 2**53


def _special_cell(v) -> str | None:
    """The message for a date or an Excel error value where a number is expected, else None."""
    if isinstance(v, dt.datetime | dt.date | dt.time):
        shown = v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else str(v)
        return (
            f"the cell holds a date or time ({shown}), not a number; Excel probably formatted "
            "it as a date: format the cell as Number and type the value again"
        )
    if isinstance(v, str) and v.strip().upper() in _EXCEL_ERRORS:
        return (
            f"the cell shows the Excel error {v.strip()}: the formula behind it fails; correct "
            "the formula in Excel (or type the number), save and load the file again"
        )
    if isinstance(v, bool):
        return f"the cell holds the yes/no value {v}, not a number; type the number"
    return None


def _int_parser(what: str):
    def parse(v):
        special = _special_cell(v)
        if special is not None:
            raise ValueError(special)
        try:
            x = parse_number(v, integer=True)
        except NumberParseError:
            raise ValueError(
                f"{v!r} is not a whole number of {what}; write digits only, e.g. 2.879 or 2879"
            ) from None
        if math.isnan(x):
            return None
        if not abs(x) < _MAX_COUNT:
            raise ValueError(f"{v!r} is far too large to be a number of {what}; check the cell")
        return int(x)

    return parse


def _float_parser(v):
    special = _special_cell(v)
    if special is not None:
        raise ValueError(special)
    try:
        x = parse_number(v)
    except NumberParseError:
        raise ValueError(f"{v!r} is not a number; write digits only, e.g. 1.250.000") from None
    if math.isinf(x) or abs(x) > 1e15:
        raise ValueError(f"{v!r} is far too large to be an amount; check the cell")
    return None if math.isnan(x) else x


def _year_parser(v):
    if isinstance(v, dt.datetime | dt.date):
        raise ValueError(
            f"the cell holds a date ({v.strftime('%d/%m/%Y')}), not a year; Excel probably "
            "formatted it as a date: format the cell as Number and type the review year, e.g. 2023"
        )
    special = _special_cell(v)
    if special is not None:
        raise ValueError(special)
    try:
        x = parse_number(v, integer=True)
    except NumberParseError:
        raise ValueError(f"{v!r} is not a year; write the review year, e.g. 2023") from None
    if math.isnan(x):
        return None
    if not 1900 <= x <= 2100:
        raise ValueError(f"{v!r} is not a year; write the review year, e.g. 2023")
    return int(x)


def _flag_parser(v):
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | float | np.integer | np.floating) and v in (0, 1):
        return bool(v)
    key = _value_key(v)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(
        f"{v!r} is not yes or no; write x (or có) for yes, leave empty or write không for no"
    )


def _choice_parser(table: dict[str, str], what: str):
    def parse(v):
        key = _value_key(v).replace("_", " ")
        if key in table:
            return table[key]
        raise ValueError(f"{v!r} is not {what}")

    return parse


def _code_text(v) -> str:
    """A code as text: 696.0 -> '696'; text unchanged."""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, int | np.integer):
        return str(int(v))
    return str(v).strip()


def _area_parser(geo: Geography):
    districts = set(geo.district_codes())
    communes = set(geo.communes["commune_code"])

    def resolve(text: str, level: str | None) -> str:
        if text.isdigit():
            # the level is checked against the code later, with a clearer message
            for code in (text, text.zfill(3), text.zfill(5)):
                if code in districts or code in communes:
                    return code
            raise UnknownAreaError(
                f"area code {text!r} is not a district or commune of "
                f"{geo.province['bare_name']}; check the code"
            )
        key = fold(text)
        if level == "commune" or (level is None and key.startswith(_COMMUNE_PREFIXES)):
            return geo.resolve_commune(text)
        if level == "district" or key.startswith(_DISTRICT_PREFIXES):
            return geo.resolve_district(text)
        try:
            return geo.resolve_district(text)
        except UnknownAreaError as first:
            try:
                return geo.resolve_commune(text)
            except UnknownAreaError as second:
                if "ambiguous" in str(second):
                    raise
                raise first from None

    return resolve


def _area_fix(message: str) -> str:
    """An unknown-area message with what to do about it."""
    if "closest known names" in message:
        return message + " (check the spelling, or write the area code instead of the name)"
    return message


def _is_total(values: list) -> bool:
    for v in values:
        if isinstance(v, str):
            key = header_key(v)
            return key in _TOTAL_WORDS or key.startswith(("tong cong", "cong ", "total "))
    return False


# -- summary -----------------------------------------------------------------------------------
def _formula_cells(raw: _Raw, cols: dict[str, int], bad: set) -> list[Problem]:
    """Formula cells without a value, named by their schema column where there is one."""
    column_at = {j: c for c, j in cols.items()}
    out = []
    for (row, letter), problem in raw.formulas.items():
        j = raw.letters.index(letter) if letter in raw.letters else None
        column = column_at.get(j)
        bad.add((row, column))
        out.append(Problem(problem.file, row, column, problem.message))
    return out


def _finish(problems: list[Problem]) -> None:
    if problems:
        raise IntakeError(sort_problems(problems))


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
        Defaults to :func:`analysis.geography.load_geography`.

    Returns
    -------
    pandas.DataFrame
        Every column of :func:`analysis.schema.summary_columns`, in order: ``year`` int64;
        ``area_code``, ``area_level``, ``zone`` text; counts ``Int64`` (missing = <NA>);
        ``especially_difficult`` boolean; ``synthetic`` bool. ``attrs["notes"]`` lists what was
        skipped or inferred (total rows, unfilled template rows, ignored columns);
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
    raw = _read_raw(path, sheet, set(_header_lookup("summary")), require_known=True)
    source = raw.source
    cols, aux, problems = _map_headers(raw, "summary")
    frame, rows = raw.frame, list(raw.row_numbers)

    # total rows: in the area columns, or the first text cell of the row
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
        total = _is_total(area_cells or first_text) or _is_total(first_text[:1])
        province = any(
            fold(_code_text(c)) in province_keys or bare_key(_code_text(c)) in province_keys
            for c in area_cells
        )
        if total or province:
            raw.notes.append(
                f"row {rows[i]} is a total row ({(area_cells or first_text or ['?'])[0]}); "
                "dropped (totals are computed from the areas)"
            )
        else:
            keep.append(i)
    frame = frame.iloc[keep].reset_index(drop=True)
    rows = [rows[i] for i in keep]

    # year from the title when there is no year column
    year_from_title = None
    if "year" not in cols:
        years = sorted(
            {int(y) for line in raw.title for y in re.findall(r"\b(?:19|20)\d\d\b", line)}
        )
        if len(years) == 1:
            year_from_title = years[0]
            raw.notes.append(
                f"no year column: the review year {year_from_title} is read from the title"
            )

    bad: set[tuple[int, str]] = set()
    problems += _formula_cells(raw, cols, bad)
    out: dict[str, list] = {}
    kinds = dict(
        zip(column_headers("summary")["column"], column_headers("summary")["kind"], strict=True)
    )

    def conv(col, parser):
        out[col] = _convert(frame[cols[col]], parser, rows, source, col, bad, problems)

    if "year" in cols:
        conv("year", _year_parser)
    elif year_from_title is not None:
        out["year"] = [year_from_title] * len(frame)
    if "area_level" in cols:
        conv(
            "area_level",
            _choice_parser(_LEVELS, "an area level; write huyện (district) or xã (commune)"),
        )
    for col, kind in kinds.items():
        if col in cols and kind in ("count", "signed"):
            what = "people" if col.startswith("people") else "households"
            conv(col, _int_parser(what))
        elif col in cols and kind == "flag":
            conv(col, _flag_parser)
    if "zone" in cols:
        conv("zone", _choice_parser(_ZONES, "a zone; write thành thị (urban) or nông thôn (rural)"))

    # areas: code column, else name column; check one against the other
    levels = out.get("area_level", [None] * len(frame))
    resolve = _area_parser(geo)
    codes: list[str | None] = []
    code_col = cols.get("area_code")
    name_col = aux.get("__name__")
    if code_col is None and name_col is None:
        pass
    else:
        for i in range(len(frame)):
            level = levels[i]
            code_cell = frame.iat[i, code_col] if code_col is not None else None
            name_cell = frame.iat[i, name_col] if name_col is not None else None
            text = _code_text(code_cell) if code_cell is not None else None
            from_name = False
            if text is None and name_cell is not None:
                text, from_name = _code_text(name_cell), True
            if text is None:
                codes.append(None)
                continue
            try:
                code = resolve(text, level)
            except UnknownAreaError as err:
                codes.append(None)
                bad.add((rows[i], "area_code"))
                problems.append(Problem(source, rows[i], "area_code", _area_fix(str(err))))
                continue
            codes.append(code)
            if not from_name and name_cell is not None:
                try:
                    named = resolve(_code_text(name_cell), level)
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
        out["area_code"] = codes

    # level: inferred from the code where empty
    districts = set(geo.district_codes())
    if "area_code" in out:
        inferred = [
            lv
            if lv is not None
            else (None if c is None else ("district" if c in districts else "commune"))
            for lv, c in zip(levels, out["area_code"], strict=True)
        ]
        out["area_level"] = inferred
    # zone: a commune's zone follows from its type when the file has no zone column
    if "zone" not in cols and "area_code" in out:
        zone_of = geo.communes.set_index("commune_code")["zone"]
        out["zone"] = [zone_of.get(c) if c is not None else None for c in out["area_code"]]
        if any(z is not None for z in out["zone"]):
            raw.notes.append(
                "no zone column: each commune's zone is taken from its type (xã = rural)"
            )

    # unfilled rows (a template row without figures)
    figure_cols = [c for c, k in kinds.items() if k in ("count", "signed") and c in out]
    filled = [
        any(out[c][i] is not None for c in figure_cols)
        or any((rows[i], c) in bad for c in figure_cols)
        for i in range(len(frame))
    ]
    skipped = [rows[i] for i in range(len(frame)) if not filled[i]]
    if skipped and figure_cols:
        raw.notes.append(f"rows without any figures were skipped: {_ranges(skipped)}")
        idx = [i for i in range(len(frame)) if filled[i]]
        out = {c: [v[i] for i in idx] for c, v in out.items()}
        rows = [rows[i] for i in idx]
    n = len(rows)
    if n == 0 and not problems:
        raise IntakeError(
            f"no data rows below the header (row {raw.header_row}); fill in the figures", source
        )

    table = _summary_frame(out, n)
    problems += [
        p for p in validate_summary(table, source, rows, geo) if (p.row, p.column) not in bad
    ]
    _finish(problems)
    table = _summary_final(table)
    table.attrs.update(source=source, notes=list(raw.notes), row_numbers=rows)
    return table


def _ranges(numbers: list[int]) -> str:
    """``[3, 4, 5, 9]`` -> ``"3-5, 9"``."""
    parts, start, prev = [], None, None
    for x in numbers:
        if start is None:
            start = prev = x
        elif x == prev + 1:
            prev = x
        else:
            parts.append(f"{start}-{prev}" if prev != start else str(start))
            start = prev = x
    if start is not None:
        parts.append(f"{start}-{prev}" if prev != start else str(start))
    return ", ".join(parts)


def _summary_frame(out: dict[str, list], n: int) -> pd.DataFrame:
    """Columns read from the file in schema order; absent optional columns as empty."""
    data = {}
    kinds = dict(
        zip(column_headers("summary")["column"], column_headers("summary")["kind"], strict=True)
    )
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


# -- households --------------------------------------------------------------------------------
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
        ``credit_*``, ``synthetic`` boolean. Indicator columns the file does not have are not
        added (an absent indicator is unknown, not 'not deprived').

    Raises
    ------
    IntakeError
        With every problem found; nothing is loaded.

    Notes
    -----
    The commune column may hold a code or a name; a district column, if present, picks among
    communes of the same name. ``recorded_class`` accepts nghèo / cận nghèo / không nghèo
    (or poor / near_poor / not_poor).
    """
    geo = geography or load_geography()
    raw = _read_raw(path, sheet, set(_header_lookup("household")), require_known=True)
    source = raw.source
    cols, aux, problems = _map_headers(raw, "household")
    frame, rows = raw.frame, list(raw.row_numbers)
    spec = column_headers("household")
    kinds = dict(zip(spec["column"], spec["kind"], strict=True))
    bad: set[tuple[int, str]] = set()
    problems += _formula_cells(raw, cols, bad)
    out: dict[str, list | pd.Series] = {}

    for col, kind in kinds.items():
        if col not in cols:
            continue
        series = frame[cols[col]]
        fast = pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
        if col == "household_id":
            out[col] = _convert(series, _code_text, rows, source, col, bad, problems)
        elif col == "year":
            out[col] = _convert(series, _year_parser, rows, source, col, bad, problems)
        elif col == "commune_code":
            continue
        elif col == "zone":
            out[col] = _convert(
                series,
                _choice_parser(_ZONES, "a zone; write thành thị (urban) or nông thôn (rural)"),
                rows,
                source,
                col,
                bad,
                problems,
            )
        elif col == "recorded_class":
            out[col] = _convert(
                series,
                _choice_parser(
                    _CLASSES,
                    "a class; write nghèo (poor), cận nghèo (near-poor) or không nghèo (not poor)",
                ),
                rows,
                source,
                col,
                bad,
                problems,
            )
        elif kind == "number" and fast and not pd.api.types.is_bool_dtype(series):
            out[col] = series.astype("Float64")
        elif kind == "number":
            out[col] = _convert(series, _float_parser, rows, source, col, bad, problems)
        elif kind == "count" and fast and pd.api.types.is_integer_dtype(series):
            out[col] = series.astype("Int64")
        elif kind == "count":
            out[col] = _convert(series, _int_parser("people"), rows, source, col, bad, problems)
        elif kind == "flag" and pd.api.types.is_bool_dtype(series):
            out[col] = series.astype("boolean")
        elif kind == "flag":
            out[col] = _convert(series, _flag_parser, rows, source, col, bad, problems)

    if "commune_code" in cols:
        # the commune column may hold names; a district column tells apart repeated names
        no_problems: list[Problem] = []
        communes = _convert(
            frame[cols["commune_code"]], _code_text, rows, source, "commune_code", bad, no_problems
        )
        district_pos = aux.get("__district__")
        if district_pos is None:
            keys = communes
        else:
            districts = _convert(
                frame[district_pos], _code_text, rows, source, "district", bad, no_problems
            )
            keys = [
                c if c is None or d is None else f"{c}\x00{d}"
                for c, d in zip(communes, districts, strict=True)
            ]

        def resolve(key: str) -> str:
            commune, _, district = key.partition("\x00")
            return geo.resolve_commune(commune, district=district or None)

        codes = _convert(
            pd.Series(keys, dtype=object), resolve, rows, source, "commune_code", bad, problems
        )
        out["commune_code"] = codes
    if not rows and not problems:
        raise IntakeError(
            f"no data rows below the header (row {raw.header_row}); fill in the households",
            source,
        )

    data = {}
    for col in spec["column"]:
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
    table = pd.DataFrame(data, index=range(len(rows)))
    problems += [
        p for p in validate_households(table, source, rows, geo) if (p.row, p.column) not in bad
    ]
    _finish(problems)
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
    table.attrs.update(source=source, notes=list(raw.notes), row_numbers=rows)
    return table


def read_any(path, sheet: str | None = None, geography: Geography | None = None):
    """Read a summary table or household records, recognising which from the headers.

    Parameters
    ----------
    path : str or Path
    sheet : str, optional
    geography : Geography, optional

    Returns
    -------
    (pandas.DataFrame, str)
        The validated table and ``"summary"`` or ``"households"``.

    Raises
    ------
    IntakeError
    """
    raw = _read_raw(path, sheet, _all_header_keys(), require_known=False)
    household = _header_lookup("household")
    summary = _header_lookup("summary")
    keys = [header_key(h) for h in raw.header]
    is_household = any(household.get(k) == "household_id" for k in keys)
    if not is_household and not any(k in summary for k in keys):
        raise IntakeError(
            "no header row found: no cell matches a summary or household column header "
            "(see data/schema/)",
            raw.source,
        )
    if is_household:
        return read_households(path, sheet, geography), "households"
    return read_summary(path, sheet, geography), "summary"
