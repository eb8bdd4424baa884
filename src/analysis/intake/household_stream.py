"""Household lists at any size: read in chunks, validated chunk by chunk, problems capped.

:func:`scan_households` is the one path by which household lists are read
(:func:`~analysis.intake.households.read_households`, the ``validate`` command, the reports and
the national benchmark B5). It never holds the file's text or all its rows:

* **CSV** is read by pyarrow's streaming CSV reader, every column as text (so that Vietnamese
  numbers such as ``1.250.000`` are parsed by the workbook's own rules), only the columns the
  schema knows, ``chunk_rows`` rows at a time. The header is found as for any file (title rows
  above it, a header joined with the row above) from the first lines. UTF-8 (with or without
  BOM) is read as it is; Windows-1258 and UTF-16 are transcoded by pyarrow block by block as
  they are read (the same decoders as the whole-file reader). A file the streaming reader cannot
  take exactly as the whole-file reader would (a row of column numbers under the header, a row
  with more or fewer cells than the header, a quoted line break, bytes that are not text in the
  detected encoding, a header not found in the first lines) is read by the whole-file reader
  (:func:`~analysis.intake.readers.read_raw`), which names the line and what is wrong; such
  files are hand-made and small.
* **Parquet** is read by row group batches, only the columns the schema knows (extra columns of
  any type are never read).
* **Excel** is read whole (a sheet holds at most 1,048,576 rows) and checked as one chunk.

Each chunk goes through :func:`~analysis.intake.households.parse_household_rows` (cell parsing,
commune names, unit systems, every rule of
:func:`~analysis.intake.validate.validate_households`), with the rows the analyst sees in the
file. Checks that span chunks are made at the end: a household id repeated within a review year
in two chunks, one review year kept in two unit systems, a file without data rows. Problems are
kept per kind (column and message with its values left out): the first ``max_per_kind`` of each,
then one line saying how many more there are, so a national file with 27 million bad rows gives
a readable list, not 27 million messages.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.intake.cells import has_number
from analysis.intake.headers import (
    HEADER_SCAN_ROWS,
    best_header,
    combined_headers,
    header_key,
    header_lookup,
)
from analysis.intake.households import parse_household_rows
from analysis.intake.problems import IntakeError, Problem, row_ranges, sort_problems
from analysis.intake.readers import RawTable, map_headers, read_raw
from analysis.reference.geography import Geography, load_geography

#: Rows per chunk: ~100-200 MB of cells while a chunk is checked.
CHUNK_ROWS = 250_000
#: Problems listed per kind before the rest are counted.
MAX_PER_KIND = 50
_PREFIX_BYTES = 1 << 20
_NUMBERING = re.compile(r"^\(?([0-9]{1,3}|[A-Za-z])\)?$")
_VALUES = re.compile(r"'[^']*'|\"[^\"]*\"|[0-9][0-9.,]*")


@dataclass
class HouseholdScan:
    """What :func:`scan_households` found.

    Attributes
    ----------
    source : str
        The file's name.
    rows : int
        Data rows read (blank rows and a trailing footer left out).
    problems : list of Problem
        The first problems of each kind, then one line per kind with the count of the others;
        empty when the file is valid.
    counts : dict of str to int
        Problems per kind (all of them, listed or not).
    notes : list of str
        What was skipped or inferred while reading.
    chunks : int
        Chunks read.
    reader : str
        ``"pyarrow-csv"``, ``"parquet"`` or ``"whole-file"``.
    """

    source: str
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    chunks: int = 0
    reader: str = ""

    @property
    def total_problems(self) -> int:
        """Every problem found, listed or not."""
        return sum(self.counts.values())


class _Capped:
    """Problems kept per kind: the first ``limit`` of each, the others counted."""

    def __init__(self, limit: int):
        self.limit = limit
        self.kept: dict[str, list[Problem]] = {}
        self.counts: dict[str, int] = {}
        self.seen: set[tuple] = set()

    def add(self, problems: list[Problem]) -> None:
        for p in problems:
            key = (p.row, p.column, p.message)
            if key in self.seen:
                continue  # a file-level problem repeated by every chunk
            kind = f"{p.column or ''}: {_VALUES.sub('…', p.message)}"
            self.counts[kind] = self.counts.get(kind, 0) + 1
            kept = self.kept.setdefault(kind, [])
            if len(kept) < self.limit:
                kept.append(p)
                if p.row is None:
                    self.seen.add(key)

    def result(self, source: str) -> list[Problem]:
        out = sort_problems([p for kept in self.kept.values() for p in kept])
        for kind, kept in self.kept.items():
            more = self.counts[kind] - len(kept)
            if more > 0:
                first = kept[0]
                out.append(
                    Problem(
                        source,
                        None,
                        first.column,
                        f"and {more:,} more row(s) with the same problem as row {first.row} "
                        f"(only the first {len(kept)} of {self.counts[kind]:,} are listed)",
                    )
                )
        return out


@dataclass
class _Chunk:
    frame: pd.DataFrame  # cells by position 0..k-1 of the mapped columns
    rows: np.ndarray  # file row of each


# -- reading -----------------------------------------------------------------------------------
def _clean_text(array):
    """Arrow text as :func:`~analysis.intake.cells.clean_cell` leaves it: NFC, non-breaking
    spaces as spaces, stripped, empty as missing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(array.type):
        array = array.cast(pa.string())
    array = pc.utf8_normalize(array, "NFC")
    array = pc.replace_substring(array, "\u00a0", " ")
    array = pc.utf8_trim_whitespace(array)
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)


def _to_frame(batch) -> pd.DataFrame:
    """A record batch as cells by position; text columns cleaned in Arrow."""
    import pyarrow as pa

    data = {}
    for j, column in enumerate(batch.columns):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type) or (
            pa.types.is_dictionary(column.type) and pa.types.is_string(column.type.value_type)
        ):
            data[j] = _clean_text(column).to_pandas()
        else:
            data[j] = column.to_pandas()
    frame = pd.DataFrame(data)
    frame.attrs["clean_text"] = True
    return frame


class _Fallback(Exception):
    """The streaming reader cannot read this file exactly: use the whole-file reader."""


def _detect_encoding(head: bytes) -> tuple[str, str, int]:
    """(pyarrow encoding, name for the notes, bytes of BOM) from the first bytes."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf8", "UTF-8", 3
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16", 0
    if b"\x00" in head[:4096]:
        odd, even = head[1:4096:2], head[0:4096:2]
        if odd.count(0) > 0.4 * len(odd):
            return "utf-16-le", "UTF-16", 0
        if even.count(0) > 0.4 * len(even):
            return "utf-16-be", "UTF-16", 0
        raise _Fallback  # binary: the whole-file reader says so
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf8", "UTF-8", 0
    except UnicodeDecodeError:
        return "cp1258", "Windows-1258", 0


def _is_numbering_row(row: list) -> bool:
    """The row of column numbers under a form's header ((1) (2) (3)... or A B 1 2)."""
    cells = [str(c).strip() for c in row if c is not None]
    if len(cells) < 3 or not all(_NUMBERING.match(c) for c in cells):
        return False
    numbers = [int(re.sub(r"\D", "", c)) for c in cells if re.sub(r"\D", "", c)]
    return len(numbers) >= 3 and all(b == a + 1 for a, b in zip(numbers, numbers[1:], strict=False))


def _csv_head(path: Path, keys: set[str]):
    """Encoding, delimiter, header row index and header texts from the first lines."""
    with open(path, "rb") as fh:
        head = fh.read(_PREFIX_BYTES)
    if not head.strip():
        raise _Fallback
    encoding, name, bom = _detect_encoding(head)
    codec = {"utf8": "utf-8", "utf-16": "utf-16"}.get(encoding, encoding)
    try:
        text = codecs.getincrementaldecoder(codec)().decode(head[bom:], final=False)
    except UnicodeDecodeError:
        raise _Fallback from None
    lines = text.splitlines(keepends=True)
    if len(head) == _PREFIX_BYTES:
        lines = lines[:-1]  # the last line may be cut
    sample = unicodedata.normalize("NFC", "".join(lines[: HEADER_SCAN_ROWS + 2]))
    try:
        delimiter = csv.Sniffer().sniff("".join(lines[:20]), delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    rows = []
    for row in reader:
        rows.append([c.strip() or None for c in (unicodedata.normalize("NFC", c) for c in row)])
        if reader.line_num != len(rows):
            raise _Fallback  # a quoted line break: line numbers need the whole-file reader
    h, score = best_header(rows[:HEADER_SCAN_ROWS], keys)
    if score == 0 or h + 1 >= len(rows) or _is_numbering_row(rows[h + 1]):
        raise _Fallback
    header = combined_headers(rows, h, keys)
    return encoding, name, delimiter, h, header, rows[: h + 2]


def _csv_chunks(path: Path, source: str, keys: set[str], chunk_rows: int):
    """The head of a CSV file and an iterator of its chunks (pyarrow, streaming)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    encoding, name, delimiter, h, header, head_rows = _csv_head(path, keys)
    width = len(header)
    raw = RawTable(
        source=source,
        header=[t if t is not None else "" for t in header],
        frame=pd.DataFrame([(r + [None] * width)[:width] for r in head_rows[h + 1 :]]),
        row_numbers=[h + 2],
        header_row=h + 1,
        letters=[_letter(j) for j in range(width)],
        title=[" ".join(c for c in r if c) for r in head_rows[:h]],
        notes=[] if name == "UTF-8" else [f"read as {name} text"],
    )
    names = [f"c{j}" for j in range(width)]
    invalid: list = []

    def on_invalid(row) -> str:
        invalid.append(row.number)
        return "skip"

    def chunks(keep: list[int]) -> Iterator[_Chunk]:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                skip_rows=h + 1, column_names=names, encoding=encoding,
                use_threads=True, block_size=32 << 20,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, ignore_empty_lines=False, invalid_row_handler=on_invalid,
                newlines_in_values=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=True,
                include_columns=[names[j] for j in keep],
            ),
        )  # fmt: skip
        line = h + 2  # the file line of the next row
        pending: _Chunk | None = None
        try:
            for batch in _rebatch(reader, chunk_rows):
                if invalid:
                    raise _Fallback
                n = batch.num_rows
                frame = _to_frame(batch)
                rows = np.arange(line, line + n, dtype=np.int64)
                line += n
                chunk = _Chunk(frame, rows)
                if pending is not None:
                    chunk = _Chunk(
                        pd.concat([pending.frame, chunk.frame], ignore_index=True),
                        np.concatenate([pending.rows, chunk.rows]),
                    )
                    chunk.frame.attrs["clean_text"] = True
                chunk, pending = _hold_trailing(chunk)
                if len(chunk.rows):
                    yield chunk
        except (pa.ArrowInvalid, UnicodeDecodeError) as err:
            raise _Fallback from err
        if invalid:
            raise _Fallback
        if pending is not None and len(pending.rows):
            raw.notes.append(
                "rows below the table without any number (signatures, notes) were ignored: "
                + row_ranges([int(r) for r in pending.rows])
            )

    return raw, chunks


def _rebatch(reader, rows: int):
    """Record batches of about ``rows`` rows from a streaming reader."""
    import pyarrow as pa

    parts, n = [], 0
    for batch in reader:
        parts.append(batch)
        n += batch.num_rows
        if n >= rows:
            yield pa.Table.from_batches(parts).combine_chunks().to_batches()[0]
            parts, n = [], 0
    if n:
        yield pa.Table.from_batches(parts).combine_chunks().to_batches()[0]


def _hold_trailing(chunk: _Chunk) -> tuple[_Chunk, _Chunk | None]:
    """Drop blank rows; hold back the trailing rows without any number (a footer, if last)."""
    frame = chunk.frame
    filled = frame.notna().to_numpy().any(axis=1) if frame.shape[1] else np.zeros(0, bool)
    frame, rows = frame[filled], chunk.rows[filled]
    end = len(frame)
    while end > 0 and not any(has_number(c) for c in frame.iloc[end - 1].tolist()):
        end -= 1
    body = _Chunk(frame.iloc[:end].reset_index(drop=True), rows[:end])
    body.frame.attrs["clean_text"] = True
    if end == len(frame):
        return body, None
    tail = _Chunk(frame.iloc[end:].reset_index(drop=True), rows[end:])
    return body, tail


def _letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


def _parquet_chunks(path: Path, source: str, chunk_rows: int):
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as err:  # noqa: BLE001 - pyarrow raises many kinds
        raise IntakeError(
            f"the file cannot be read as Parquet ({type(err).__name__}: {err})", source
        ) from None
    header = [str(n) for n in pf.schema_arrow.names]
    empty = pd.DataFrame({j: pd.Series([], dtype=object) for j in range(len(header))})
    raw = RawTable(
        source=source, header=header, frame=empty, row_numbers=[], header_row=None,
        letters=header,
    )  # fmt: skip

    def chunks(keep: list[int]) -> Iterator[_Chunk]:
        _refuse_nested(pf.schema_arrow, keep, source)
        start = 1
        names = [header[j] for j in keep]
        for batch in pf.iter_batches(batch_size=chunk_rows, columns=names, use_threads=True):
            n = batch.num_rows
            yield _Chunk(_to_frame(batch), np.arange(start, start + n, dtype=np.int64))
            start += n

    return raw, chunks


def _refuse_nested(schema, keep: list[int], source: str) -> None:
    """A schema column stored as a list, struct or map cannot be read: say so."""
    import pyarrow as pa

    problems = []
    for j in keep:
        f = schema.field(j)
        if pa.types.is_nested(f.type):
            problems.append(
                Problem(
                    source,
                    None,
                    f.name,
                    f"the column holds {f.type} values (lists or records), not one value per "
                    "cell; write one plain value per household",
                )
            )
    if problems:
        raise IntakeError(problems)


def _whole_file(path, sheet, keys):
    raw = read_raw(path, sheet, keys, require_known=True)

    def chunks(keep: list[int]) -> Iterator[_Chunk]:
        if len(raw.row_numbers):
            frame = raw.frame[keep].copy()
            frame.columns = range(len(keep))
            yield _Chunk(frame, np.asarray(raw.row_numbers, dtype=np.int64))

    return raw, chunks


# -- scanning ----------------------------------------------------------------------------------
def scan_households(
    path,
    sheet: str | None = None,
    geography: Geography | None = None,
    *,
    on_chunk: Callable[[pd.DataFrame], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    max_per_kind: int = MAX_PER_KIND,
) -> HouseholdScan:
    """Read and validate a household list chunk by chunk.

    Parameters
    ----------
    path : str or Path
        ``.csv`` / ``.txt`` / ``.tsv``, ``.parquet`` / ``.pq`` or ``.xlsx``.
    sheet : str, optional
        Excel sheet.
    geography : Geography, optional
    on_chunk : callable, optional
        Called with each chunk's validated records (the frame
        :func:`~analysis.intake.households.read_households` returns for those rows, with
        ``attrs["row_numbers"]``) as long as no problem has been found; e.g. a per-commune
        aggregation (:func:`analysis.compute.household_sums.summarise_household_file`). Once a
        problem is found it is not called again: the records will not be used.
    chunk_rows : int
        Rows per chunk.
    max_per_kind : int
        Problems listed per kind.

    Returns
    -------
    HouseholdScan

    Raises
    ------
    IntakeError
        For a file that cannot be read at all (missing, empty, damaged, unknown type, no
        header row, a list-valued schema column) or without data rows.
    """
    geo = geography or load_geography()
    path = Path(path)
    source = path.name
    if not path.exists():
        raise IntakeError(f"there is no file {str(path)!r}", source)
    keys = set(header_lookup("household"))
    raw, chunks, reader = _open(path, sheet, source, keys, chunk_rows)
    try:
        return _scan(raw, chunks, reader, geo, on_chunk, max_per_kind)
    except _Fallback:
        raw, chunks = _whole_file(path, sheet, keys)
        return _scan(raw, chunks, "whole-file", geo, on_chunk, max_per_kind)


def _open(path: Path, sheet, source: str, keys: set[str], chunk_rows: int):
    ext = path.suffix.lower()
    try:
        if ext in (".csv", ".txt", ".tsv") and path.is_file():
            raw, chunks = _csv_chunks(path, source, keys, chunk_rows)
            return raw, chunks, "pyarrow-csv"
        if ext in (".parquet", ".pq") and path.is_file() and path.stat().st_size > 0:
            raw, chunks = _parquet_chunks(path, source, chunk_rows)
            return raw, chunks, "parquet"
        raise _Fallback
    except _Fallback:
        raw, chunks = _whole_file(path, sheet, keys)
        return raw, chunks, "whole-file"


def _scan(raw: RawTable, chunks, reader: str, geo: Geography, on_chunk, max_per_kind: int):
    capped = _Capped(max_per_kind)
    cols, aux, header_problems = map_headers(raw, "household")
    capped.add(header_problems)
    keep = sorted(set(cols.values()) | set(aux.values()))
    where = {j: i for i, j in enumerate(keep)}
    mapped = ({c: where[j] for c, j in cols.items()}, {c: where[j] for c, j in aux.items()})
    header = [raw.header[j] for j in keep]
    letters = [raw.letters[j] for j in keep]
    scan = HouseholdScan(source=raw.source, reader=reader)
    notes = scan.notes
    keys = _Keys()
    ok = not header_problems
    for chunk in chunks(keep):
        part = RawTable(
            source=raw.source, header=header, frame=chunk.frame, row_numbers=chunk.rows.tolist(),
            header_row=raw.header_row, letters=letters, formulas=raw.formulas,
        )  # fmt: skip
        found: list[Problem] = []
        table = parse_household_rows(part, mapped, geo, found)
        found += keys.add(table, chunk.rows, raw.source, geo)
        capped.add(found)
        notes += [n for n in part.notes if n not in notes]
        scan.rows += len(chunk.rows)
        scan.chunks += 1
        ok = ok and not found
        if ok and on_chunk is not None:
            on_chunk(table)
    capped.add(keys.duplicates(raw.source))
    notes[:0] = [n for n in raw.notes if n not in notes]  # read_raw's, map_headers'
    if scan.rows == 0 and not capped.counts:
        where_text = f" (row {raw.header_row})" if raw.header_row is not None else ""
        raise IntakeError(
            f"no data rows below the header{where_text}; fill in the households", raw.source
        )
    scan.problems = capped.result(raw.source)
    scan.counts = dict(capped.counts)
    return scan


class _Keys:
    """What must hold across chunks: one row per household id and year, one unit system per
    review year."""

    def __init__(self):
        self.hashes: list[np.ndarray] = []
        self.rows: list[np.ndarray] = []
        self.chunk: list[np.ndarray] = []
        self.systems: dict[int, tuple[str, int]] = {}

    def add(self, table: pd.DataFrame, rows: np.ndarray, source: str, geo: Geography):
        if "household_id" not in table or "year" not in table:
            return []
        ids, years = table["household_id"], table["year"]
        known = (ids.notna() & years.notna()).to_numpy(dtype=bool)
        keys = pd.DataFrame({"h": ids[known].astype(str), "y": years[known].astype("int64")})
        self.hashes.append(pd.util.hash_pandas_object(keys, index=False).to_numpy())
        self.rows.append(rows[known])
        self.chunk.append(np.full(int(known.sum()), len(self.hashes), dtype=np.int32))
        if "unit_system" not in table:
            return []
        found = []
        here = pd.DataFrame({"y": years, "s": table["unit_system"], "r": rows}).dropna()
        first = here.groupby(["y", "s"], sort=True)["r"].min()
        mixed_here = {y for y, n in first.groupby(level=0).size().items() if n > 1}
        for (year, system), row in first.items():
            year, row = int(year), int(row)
            seen = self.systems.setdefault(year, (str(system), row))
            if seen[0] != system and year not in mixed_here:
                found.append(
                    Problem(
                        source,
                        row,
                        "unit_system",
                        f"the rows of review year {year} from here are kept in '{system}', "
                        f"those from row {seen[1]} in '{seen[0]}'; one review year is kept in "
                        f"one unit system ({geo.new_system} from the review of 2025): correct "
                        "the unit_system cells or the years",
                    )
                )
        return found

    def duplicates(self, source: str) -> list[Problem]:
        """Rows of different chunks with the same household id and year (a chunk's own
        repeats are found by the chunk's validation)."""
        if len(self.hashes) < 2:
            return []
        hashes = np.concatenate(self.hashes)
        order = np.argsort(hashes, kind="stable")
        h = hashes[order]
        same = np.flatnonzero(h[1:] == h[:-1]) + 1
        if not len(same):
            return []
        rows, chunk = np.concatenate(self.rows), np.concatenate(self.chunk)
        starts = np.flatnonzero(np.r_[True, h[1:] != h[:-1]])
        group_start = starts[np.searchsorted(starts, same, side="right") - 1]
        first, other = order[group_start], order[same]
        cross = chunk[first] != chunk[other]
        return [
            Problem(
                source,
                int(rows[o]),
                None,
                f"rows {int(rows[f])} and {int(rows[o])} both hold the same household id and "
                "review year; each key must appear once, so keep one row and delete the other",
            )
            for f, o in zip(first[cross], other[cross], strict=True)
        ]
