"""Reading a table as the file holds it, and mapping its headers to schema columns.

:func:`read_table`
    Any table as the file holds it: CSV in UTF-8 (with or without BOM), UTF-16 or the legacy
    Windows-1258 encoding; Excel workbooks (title rows above the header, merged cells,
    two-row headers, a row of column numbers under the header, signatures below the table);
    Parquet. Every text cell is normalised to Unicode NFC. The index of the result is the row
    number the analyst sees.
:func:`read_raw`, :func:`map_headers`
    The same table as a :class:`RawTable` (cells by position, with the file's row numbers and
    column letters), and which position holds which schema column: the first steps of
    :func:`~analysis.intake.summary.read_summary` and
    :func:`~analysis.intake.households.read_households`.

The bytes of each format are read by :mod:`analysis.intake.formats`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from analysis.core.messages import Joined, Message
from analysis.intake.cells import has_number
from analysis.intake.formats import CsvShape, csv_rows, parquet_columns, xlsx_rows
from analysis.intake.headers import (
    HEADER_SCAN_ROWS,
    all_header_keys,
    best_header,
    combined_headers,
    header_key,
    header_lookup,
    primary_header_keys,
)
from analysis.intake.problems import IntakeError, Problem, row_ranges


@dataclass
class RawTable:
    """A table as the file holds it, before any mapping.

    Attributes
    ----------
    source : str
        The file's name.
    header : list of str
        Header text of each column ('' for none).
    frame : pandas.DataFrame
        The cells below the header; columns are positions 0..k-1.
    row_numbers : list of int
        The file row (spreadsheet row, CSV line, Parquet record number) of each row of
        ``frame``.
    header_row : int or None
        The file row of the header (None for Parquet).
    letters : list of str
        The spreadsheet letter of each column (the header for Parquet).
    title : list of str
        Title rows above the header, one text per row.
    notes : list of str
        What was skipped or inferred while reading.
    formulas : dict of (int, str) to Problem
        Formula cells without a calculated value, by (row, letter).
    """

    source: str
    header: list[str]
    frame: pd.DataFrame  # columns are positions 0..k-1
    row_numbers: list[int]
    header_row: int | None
    letters: list[str]
    title: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    formulas: dict[tuple[int, str], Problem] = field(default_factory=dict)  # (row, letter)

    @property
    def below_header(self) -> Message:
        """Where the data rows are, for messages: ``"below the header (row 5)"``, or ``"in the
        file"`` for a file without a header row (Parquet)."""
        if self.header_row is None:
            return Message("read.in_file")
        return Message("read.below_header", row=self.header_row)


_NUMBERING = re.compile(r"^\(?([0-9]{1,3}|[A-Za-z])\)?$")


def is_numbering_row(row: list) -> bool:
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
    csv_shape: CsvShape | None = None,
) -> RawTable:
    if not any(any(c is not None for c in row) for row in rows):
        raise IntakeError(Message("read.no_cells"), source)
    scan = rows[:HEADER_SCAN_ROWS]
    h, score = best_header(scan, keys)
    if score == 0:
        if require_known:
            raise IntakeError(Message("read.no_header", rows=HEADER_SCAN_ROWS), source)
        h = next(i for i, row in enumerate(rows) if any(c is not None for c in row))
    header = combined_headers(rows, h, keys)
    # merged title cells repeat their text across the row: keep each text once
    title = [" ".join(dict.fromkeys(str(c) for c in row if c is not None)) for row in rows[:h]]
    body, body_numbers = [], []
    width = len(header)
    if csv_shape is not None:
        _check_csv_widths(rows, numbers, h, width, source, csv_shape)
    end = _footer_start(rows, h)
    if end < len(rows):
        footer = [numbers[i] for i in range(end, len(rows)) if any(rows[i])]
        notes.append(Message("read.footer", rows=row_ranges(footer)))
    for i in range(h + 1, end):
        row = rows[i]
        if not any(c is not None for c in row):
            continue
        if i == h + 1 and is_numbering_row(row):
            notes.append(Message("read.numbering_row", row=numbers[i]))
            continue
        body.append((list(row) + [None] * width)[:width])
        body_numbers.append(numbers[i])
    # drop trailing columns with neither header nor data
    keep = [j for j in range(width) if header[j] is not None or any(r[j] is not None for r in body)]
    frame = pd.DataFrame(
        [[r[j] for j in keep] for r in body], columns=range(len(keep)), dtype=object
    )
    return RawTable(
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
    rows: list[list], numbers: list[int], h: int, width: int, source: str, shape: CsvShape
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
                    Message("read.extra_cells", cells=len(rows[i]), width=width),
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
                Message("read.cut_off", row=numbers[last], cells=len(rows[last]), width=width),
            )
        )
    if problems:
        raise IntakeError(problems)


def _footer_start(rows: list[list], h: int) -> int:
    """Index of the first row of the trailing block without any number (signatures, notes).

    A data row always holds a number (year, code or a figure); text-only rows after the last
    such row are the form's footer ('Người lập biểu', 'Thủ trưởng đơn vị', dates in words).
    """
    end = len(rows)
    while end > h + 1 and not any(has_number(c) for c in rows[end - 1]):
        end -= 1
    return end


def read_raw(path, sheet: str | None, keys: set[str], require_known: bool) -> RawTable:
    """Read a file's table: find the header row, drop title rows, numbering row and footer.

    Parameters
    ----------
    path : str or Path
        ``.csv`` / ``.txt`` / ``.tsv``, ``.xlsx`` / ``.xlsm`` or ``.parquet`` / ``.pq``.
    sheet : str or None
        Excel sheet (None: the first sheet with a known header).
    keys : set of str
        Known header keys (:func:`~analysis.intake.headers.header_key`).
    require_known : bool
        Refuse a file without any known header (else the first non-empty row is the header).

    Returns
    -------
    RawTable

    Raises
    ------
    IntakeError
        For a missing, empty, damaged or unknown file, a Parquet file without rows, or no
        header row when one is required.
    """
    path = Path(path)
    source = path.name
    if not path.exists():
        raise IntakeError(Message("cli.no_file", path=repr(str(path))), source)
    ext = path.suffix.lower()
    if ext in (".csv", ".txt", ".tsv"):
        rows, numbers, notes, shape = csv_rows(path, source)
        return _raw_from_rows(rows, numbers, source, keys, require_known, notes, {}, shape)
    if ext in (".xlsx", ".xlsm"):
        if path.stat().st_size == 0:
            raise IntakeError(Message("file.empty"), source)
        grid, numbers, notes, formulas = xlsx_rows(path, sheet, source, keys)
        return _raw_from_rows(grid, numbers, source, keys, require_known, notes, formulas)
    if ext in (".parquet", ".pq"):
        header, frame = parquet_columns(path, source, keys)
        if frame.empty:
            raise IntakeError(Message("read.no_rows", n=len(header)), source)
        return RawTable(
            source=source,
            header=header,
            frame=frame,
            row_numbers=list(range(1, len(frame) + 1)),
            header_row=None,
            letters=header,
        )
    if ext == ".xls":
        raise IntakeError(Message("read.xls"), source)
    ext_text = repr(ext) if ext else Message("read.no_extension")
    raise IntakeError(Message("read.unknown_type", ext=ext_text), source)


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
    raw = read_raw(path, sheet, all_header_keys(), require_known=False)
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
def map_headers(raw: RawTable, table: str) -> tuple[dict[str, int], dict[str, int], list[Problem]]:
    """Schema column -> position, auxiliary column -> position, and header problems.

    Parameters
    ----------
    raw : RawTable
        Its ``notes`` receive the headers that were ignored.
    table : {"summary", "household"}

    Returns
    -------
    columns : dict of str to int
        Position of each schema column the file has.
    auxiliary : dict of str to int
        Position of the area-name (``"__name__"``) or district (``"__district__"``) column.
    problems : list of Problem
        Two columns that hold the same schema column (unless one has a primary header and
        the other an alias).
    """
    lookup = header_lookup(table)
    primary = primary_header_keys(table)
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
            where = Joined(
                [f"{raw.letters[j]} ('{raw.header[j]}')" for j in positions], Message("words.and")
            )
            problems.append(
                Problem(
                    raw.source,
                    raw.header_row,
                    col,
                    Message("read.duplicate_column", where=where),
                )
            )
            out[col] = positions[0]
        else:
            out[col] = positions[0]
    if ignored:
        raw.notes.append(Message("read.ignored_columns", columns=", ".join(ignored)))
    return out, aux, problems


def formula_cells(raw: RawTable, cols: dict[str, int], bad: set) -> list[Problem]:
    """Formula cells without a value, named by their schema column where there is one.

    Parameters
    ----------
    raw : RawTable
    cols : dict of str to int
        Schema column -> position (from :func:`map_headers`).
    bad : set of (int, str)
        Receives ``(row, column)`` of each such cell (its other problems are not reported).

    Returns
    -------
    list of Problem
    """
    column_at = {j: c for c, j in cols.items()}
    out = []
    for (row, letter), problem in raw.formulas.items():
        j = raw.letters.index(letter) if letter in raw.letters else None
        column = column_at.get(j)
        bad.add((row, column))
        out.append(Problem(problem.file, row, column, problem.message))
    return out
