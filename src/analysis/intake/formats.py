"""File formats: the cells of a CSV file, an Excel sheet or a Parquet file, as the file holds them.

CSV is read in UTF-8 (with or without BOM), UTF-16 (with or without BOM) or the legacy
Windows-1258 encoding, with a comma, semicolon or tab separator; a damaged, cut-off or
binary file is refused with what to do. Excel workbooks (.xlsx) are read with merged cells
filled in; the sheet is the one asked for (any case, with or without diacritics) or the first
with a recognisable header row, and formula cells whose value was never calculated are found.
Every text cell is normalised to Unicode NFC (:func:`~analysis.intake.cells.clean_cell`).

Finding the table in these rows (title rows, header, footer) is :mod:`analysis.intake.readers`.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from analysis.core.messages import Message
from analysis.intake.cells import clean_cell
from analysis.intake.headers import HEADER_SCAN_ROWS, best_header, header_key
from analysis.intake.problems import IntakeError, Problem
from analysis.reference.geography import fold

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class CsvShape:
    """What the CSV reader learnt about the end of the file (to recognise a cut-off file).

    Attributes
    ----------
    ends_with_newline : bool
        Whether the text ends with a line break.
    """

    ends_with_newline: bool


def read_bytes(path: Path, source: str) -> bytes:
    """The bytes of a file, or an :class:`IntakeError` saying why it cannot be read.

    Parameters
    ----------
    path : Path
    source : str
        File name for the problem.

    Returns
    -------
    bytes

    Raises
    ------
    IntakeError
        For a folder or a file that cannot be read (missing, no permission, locked).
    """
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise IntakeError(Message("file.folder", path=repr(str(path))), source) from None
    except OSError as err:
        raise IntakeError(
            Message("file.unreadable", reason=err.strerror or str(err)), source
        ) from None


# -- CSV ---------------------------------------------------------------------------------------
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
        raise IntakeError(Message("file.nul"), source)
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1258"), "Windows-1258"
    except UnicodeDecodeError as err:
        raise IntakeError(Message("file.encoding", error=str(err)), source) from None


#: The separators a CSV file may use, the most usual first (it wins a tie).
DELIMITERS = (",", ";", "\t")
_SNIFF_ROWS = 50
_SNIFF_CHARS = 1 << 16  # the first rows are in the first 64 KiB of any table analysts keep


def sniff_delimiter(text: str) -> str:
    """The separator of a CSV text: the one that splits its first rows into the widest table.

    For each of :data:`DELIMITERS`, the first rows are split (quotes respected) and the most
    common number of cells among rows of more than one cell is found; the separator whose
    table has the most cells (that width times the rows that have it) wins. Title rows above
    the header and signature rows below the table (one cell) do not count; a comma inside
    every row ("32,150" in a semicolon file) gives a narrower table than the semicolons.

    Parameters
    ----------
    text : str
        The decoded file.

    Returns
    -------
    str
        ``","``, ``";"`` or ``"\t"``; ``","`` when no separator splits any row.
    """
    best, best_cells = DELIMITERS[0], 0
    for delimiter in DELIMITERS:
        widths: dict[int, int] = {}
        reader = csv.reader(io.StringIO(text[:_SNIFF_CHARS], newline=""), delimiter=delimiter)
        try:
            for k, row in enumerate(reader):
                if k >= _SNIFF_ROWS:
                    break
                width = sum(1 for c in row if c.strip()) and len(row)
                if width > 1:
                    widths[width] = widths.get(width, 0) + 1
        except csv.Error:
            continue
        if widths:
            width, count = max(widths.items(), key=lambda wc: (wc[1], wc[0]))
            if width * count > best_cells:
                best, best_cells = delimiter, width * count
    return best


def csv_rows(path: Path, source: str) -> tuple[list[list], list[int], list[str], CsvShape]:
    """The rows of a CSV file, whatever its encoding and separator.

    Parameters
    ----------
    path : Path
    source : str
        File name for the problems.

    Returns
    -------
    rows : list of list
        Cleaned cells (:func:`~analysis.intake.cells.clean_cell`).
    numbers : list of int
        The line on which each row starts (a quoted cell may span lines).
    notes : list of str
        ``"read as ... text"`` when the file is not UTF-8.
    shape : CsvShape

    Raises
    ------
    IntakeError
        For an empty, binary, undecodable or damaged file, or an unclosed quote.
    """
    data = read_bytes(path, source)
    if not data.strip():
        raise IntakeError(Message("file.empty"), source)
    text, encoding = _decode(data, source)
    text = unicodedata.normalize("NFC", text)
    notes = [] if encoding == "UTF-8" else [Message("file.read_as", encoding=encoding)]
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, numbers = [], []
    last = 0
    try:
        for row in reader:
            rows.append([clean_cell(c) for c in row])
            numbers.append(last + 1)
            last = reader.line_num
    except csv.Error as err:
        raise IntakeError(Message("csv.damaged", line=last + 1, error=str(err)), source) from None
    if rows and any(isinstance(c, str) and "\n" in c for c in rows[-1]):
        # an unclosed quote swallows the rest of the file into one cell of the last row
        strict = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
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
                        Message("csv.quote", line=numbers[-1]),
                    )
                ) from None
    return rows, numbers, notes, CsvShape(ends_with_newline=text.endswith(("\n", "\r")))


# -- Excel -------------------------------------------------------------------------------------
def xlsx_rows(path: Path, sheet: str | None, source: str, keys: set[str]):
    """Rows of one sheet with merged cells filled in, plus notes and formula problems.

    Parameters
    ----------
    path : Path
    sheet : str or None
        The sheet's name (matched without case and diacritics if not exact); None for the
        first sheet with a known header among its first rows (else the first sheet).
    source : str
        File name for the problems.
    keys : set of str
        Known header keys (to recognise a sheet with a table).

    Returns
    -------
    grid : list of list
        Cleaned cells.
    numbers : list of int
        Spreadsheet row numbers (1, 2, ...).
    notes : list of str
        Which sheet was read, when the workbook has several.
    formulas : dict of (int, str) to Problem
        Formula cells without a calculated value, by (row, column letter).

    Raises
    ------
    IntakeError
        For an .xls or password-protected workbook, a damaged file, no sheet with cells or a
        missing sheet.
    """
    head = read_bytes(path, source)[:8]
    if head == _OLE2_MAGIC:
        raise IntakeError(Message("xlsx.old"), source)
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as err:  # noqa: BLE001 - zipfile, lxml and openpyxl raise many kinds
        raise IntakeError(Message("xlsx.unopenable", error=type(err).__name__), source) from None
    names = [ws.title for ws in wb.worksheets]  # chart sheets hold no cells
    if not names:
        raise IntakeError(Message("xlsx.chart_only"), source)
    if sheet is not None:
        if sheet not in names:
            folded = {fold(n): n for n in names}
            if fold(sheet) in folded:
                sheet = folded[fold(sheet)]
            else:
                sheets = ", ".join(repr(n) for n in names)
                raise IntakeError(
                    Message("xlsx.no_sheet", sheet=repr(sheet), sheets=sheets), source
                )
        candidates = [sheet]
    else:
        candidates = names
    try:
        chosen = None
        for name in candidates:
            ws = wb[name]
            grid = _sheet_grid(ws)
            if sheet is not None or best_header(grid[:HEADER_SCAN_ROWS], keys)[1] > 0:
                chosen = name
                break
        if chosen is None:
            chosen, grid = names[0], _sheet_grid(wb[names[0]])
    except Exception as err:  # noqa: BLE001 - a malformed sheet inside a valid zip
        raise IntakeError(
            Message("xlsx.damaged_sheets", error=type(err).__name__), source
        ) from None
    notes = [Message("xlsx.read_sheet", sheet=repr(chosen))] if len(wb.sheetnames) > 1 else []
    formulas = _formula_problems(path, chosen, grid, source)
    return grid, list(range(1, len(grid) + 1)), notes, formulas


def _sheet_grid(ws) -> list[list]:
    grid = [[clean_cell(c) for c in row] for row in ws.iter_rows(values_only=True)]
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
                            Message(
                                "xlsx.formula", cell=f"{get_column_letter(c)}{r}", formula=value
                            ),
                        )
    finally:
        wb.close()
    return problems


# -- Parquet -----------------------------------------------------------------------------------
def parquet_columns(
    path: Path, source: str, keys: set[str] | frozenset[str] = frozenset()
) -> tuple[list[str], pd.DataFrame]:
    """The headers and cells of a Parquet file.

    Columns of a nested type (lists, structs, maps) hold no cell a form has: they are not read
    when their header is not one of ``keys`` (extra columns are ignored, whatever their type),
    and a known column of a nested type is refused with a message naming it.

    Parameters
    ----------
    path : Path
    source : str
        File name for the problems.
    keys : set of str
        The `analysis.intake.headers.header_key` of every header the table may have.

    Returns
    -------
    header : list of str
        The column names as text.
    frame : pandas.DataFrame
        Columns numbered 0..k-1, index 0..n-1; numeric and boolean columns keep their dtype,
        other columns are cleaned cells (object).

    Raises
    ------
    IntakeError
        For an empty file, one that is not Parquet, or a known column of a nested type.
    """
    if path.stat().st_size == 0:
        raise IntakeError(Message("file.empty"), source)
    try:
        schema = pq.read_schema(path)
        nested = [f.name for f in schema if pa.types.is_nested(f.type)]
        known = [name for name in nested if header_key(name) in keys]
        if known:
            raise IntakeError(
                [Problem(source, None, name, Message("parquet.nested")) for name in known]
            )
        columns = [f.name for f in schema if f.name not in nested] if nested else None
        data = pd.read_parquet(path, columns=columns)
    except IntakeError:
        raise
    except Exception as err:  # noqa: BLE001 - pyarrow raises many kinds
        error = f"{type(err).__name__}: {err}"
        raise IntakeError(Message("parquet.unreadable", error=error), source) from None
    data = data.reset_index(drop=True)
    header = [str(c) for c in data.columns]
    frame = data.copy()
    frame.columns = range(len(header))
    for j in frame.columns:
        col = frame[j]
        if not pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            codes, uniques = pd.factorize(col.astype(object), use_na_sentinel=True)
            lookup = np.empty(len(uniques) + 1, dtype=object)
            lookup[:-1] = [clean_cell(u) for u in uniques]
            lookup[-1] = None
            frame[j] = pd.Series(lookup[codes], index=frame.index, dtype=object)
    return header, frame
