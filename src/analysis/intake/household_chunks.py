"""Household lists read chunk by chunk: the readers behind
:func:`analysis.intake.household_stream.scan_households`.

:func:`open_chunks` gives a file's header (a :class:`~analysis.intake.readers.RawTable` holding
the first rows, for the header mapping) and a function that yields :class:`Chunk` objects:
cells by position of the columns asked for, with the row number the analyst sees.

* CSV: pyarrow's streaming CSV reader, every column as text, only the columns asked for. The
  header is found as for any file from the first lines. UTF-8 (with or without BOM) is read as
  is; Windows-1258 and UTF-16 are transcoded by pyarrow block by block. A file the streaming
  reader cannot take exactly as the whole-file reader would (a row of column numbers under the
  header, a row with more or fewer cells than the header, a quoted line break, bytes that are
  not text in the detected encoding, no header in the first lines) raises :class:`StreamFallbackError`
  and is read by the whole-file reader (:func:`~analysis.intake.readers.read_raw`), which names
  the line and what is wrong; such files are hand-made and small.
* Parquet: record batches, only the columns asked for (extra columns of any type are never
  read); a schema column holding lists or records is refused.
* Excel and anything else: the whole-file reader, as one chunk.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core.messages import Message
from analysis.intake.cells import has_number
from analysis.intake.formats import sniff_delimiter
from analysis.intake.headers import HEADER_SCAN_ROWS, best_header, combined_headers
from analysis.intake.problems import IntakeError, Problem, row_ranges
from analysis.intake.readers import RawTable, is_numbering_row, read_raw

_PREFIX_BYTES = 1 << 20


@dataclass
class Chunk:
    frame: pd.DataFrame  # cells by position 0..k-1 of the mapped columns
    rows: np.ndarray  # file row of each


# -- reading -----------------------------------------------------------------------------------
def _clean_text(array):
    """Arrow text as :func:`~analysis.intake.cells.clean_cell` leaves it: NFC, non-breaking
    spaces as spaces, stripped, empty as missing (NFC and spaces only where not ASCII)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pc.all(pc.string_is_ascii(array)).as_py() is False:
        array = pc.utf8_normalize(array, "NFC")
        array = pc.replace_substring(array, "\u00a0", " ")
    array = pc.utf8_trim_whitespace(array)
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, array.type), array)


def _text_column(column):
    """A text column cleaned; dictionary-encoded (a pandas Categorical) when its values repeat,
    so that each distinct value is parsed once."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):
        values = _clean_text(column.dictionary.cast(pa.string()))
        distinct = pc.count_distinct(values, mode="all").as_py()
        if distinct == len(values) and values.null_count == 0:
            return pa.DictionaryArray.from_arrays(column.indices, values).to_pandas()
        column = column.cast(pa.string())
    column = _clean_text(column.cast(pa.string()))
    encoded = pc.dictionary_encode(column)
    if len(encoded.dictionary) <= len(column) // 2:
        return encoded.to_pandas()
    return column.to_pandas()


def _to_frame(batch) -> pd.DataFrame:
    """A record batch as cells by position; text columns cleaned in Arrow."""
    import pyarrow as pa

    data = {}
    for j, column in enumerate(batch.columns):
        kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            data[j] = _text_column(column)
        else:
            data[j] = column.to_pandas()
    frame = pd.DataFrame(data)
    frame.attrs["clean_text"] = True
    return frame


class StreamFallbackError(Exception):
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
        raise StreamFallbackError  # binary: the whole-file reader says so
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf8", "UTF-8", 0
    except UnicodeDecodeError:
        return "cp1258", "Windows-1258", 0


def _csv_head(path: Path, keys: set[str]):
    """Encoding, delimiter, header row index and header texts from the first lines."""
    with open(path, "rb") as fh:
        head = fh.read(_PREFIX_BYTES)
    if not head.strip():
        raise StreamFallbackError
    encoding, name, bom = _detect_encoding(head)
    codec = {"utf8": "utf-8", "utf-16": "utf-16"}.get(encoding, encoding)
    try:
        text = codecs.getincrementaldecoder(codec)().decode(head[bom:], final=False)
    except UnicodeDecodeError:
        raise StreamFallbackError from None
    lines = text.splitlines(keepends=True)
    if len(head) == _PREFIX_BYTES:
        lines = lines[:-1]  # the last line may be cut
    sample = unicodedata.normalize("NFC", "".join(lines[: HEADER_SCAN_ROWS + 2]))
    delimiter = sniff_delimiter("".join(lines))  # as the whole-file reader: title rows skipped
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    rows = []
    for row in reader:
        rows.append([c.strip() or None for c in (unicodedata.normalize("NFC", c) for c in row)])
        if reader.line_num != len(rows):
            raise StreamFallbackError  # a quoted line break: line numbers need the whole-file reader
    h, score = best_header(rows[:HEADER_SCAN_ROWS], keys)
    if score == 0 or h + 1 >= len(rows) or is_numbering_row(rows[h + 1]):
        raise StreamFallbackError
    header = combined_headers(rows, h, keys)
    return encoding, name, delimiter, h, header, rows[: h + 2]


def csv_chunks(path: Path, source: str, keys: set[str], chunk_rows: int):
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
        notes=[] if name == "UTF-8" else [Message("file.read_as", encoding=name)],
    )
    names = [f"c{j}" for j in range(width)]
    invalid: list = []

    def on_invalid(row) -> str:
        invalid.append(row.number)
        return "skip"

    def chunks(keep: list[int]) -> Iterator[Chunk]:
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
        pending: Chunk | None = None
        try:
            for batch in _rebatch(reader, chunk_rows):
                if invalid:
                    raise StreamFallbackError
                n = batch.num_rows
                frame = _to_frame(batch)
                rows = np.arange(line, line + n, dtype=np.int64)
                line += n
                chunk = Chunk(frame, rows)
                if pending is not None:
                    chunk = Chunk(
                        pd.concat([pending.frame, chunk.frame], ignore_index=True),
                        np.concatenate([pending.rows, chunk.rows]),
                    )
                    chunk.frame.attrs["clean_text"] = True
                chunk, pending = _hold_trailing(chunk)
                if len(chunk.rows):
                    yield chunk
        except (pa.ArrowInvalid, UnicodeDecodeError) as err:
            raise StreamFallbackError from err
        if invalid:
            raise StreamFallbackError
        if pending is not None and len(pending.rows):
            raw.notes.append(
                Message("read.footer", rows=row_ranges([int(r) for r in pending.rows]))
            )

    return raw, chunks


def _rebatch(reader, rows: int):
    """Record batches of ``rows`` rows (the last one shorter) from a streaming reader."""
    import pyarrow as pa

    parts, n = [], 0
    for batch in reader:
        parts.append(batch)
        n += batch.num_rows
        if n >= rows:
            table = pa.Table.from_batches(parts).combine_chunks()
            start = 0
            while n - start >= rows:
                yield table.slice(start, rows).to_batches()[0]
                start += rows
            parts = table.slice(start).to_batches() if start < n else []
            n -= start
    if n:
        yield pa.Table.from_batches(parts).combine_chunks().to_batches()[0]


def _hold_trailing(chunk: Chunk) -> tuple[Chunk, Chunk | None]:
    """Drop blank rows; hold back the trailing rows without any number (a footer, if last)."""
    frame = chunk.frame
    filled = frame.notna().to_numpy().any(axis=1) if frame.shape[1] else np.zeros(0, bool)
    frame, rows = frame[filled], chunk.rows[filled]
    end = len(frame)
    while end > 0 and not any(has_number(c) for c in frame.iloc[end - 1].tolist()):
        end -= 1
    body = Chunk(frame.iloc[:end].reset_index(drop=True), rows[:end])
    body.frame.attrs["clean_text"] = True
    if end == len(frame):
        return body, None
    tail = Chunk(frame.iloc[end:].reset_index(drop=True), rows[end:])
    return body, tail


def _letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


def parquet_chunks(path: Path, source: str, chunk_rows: int):
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as err:  # noqa: BLE001 - pyarrow raises many kinds
        error = f"{type(err).__name__}: {err}"
        raise IntakeError(Message("parquet.unreadable", error=error), source) from None
    if pf.metadata.num_rows == 0:
        raise StreamFallbackError  # the whole-file reader says what an empty file lacks
    header = [str(n) for n in pf.schema_arrow.names]
    empty = pd.DataFrame({j: pd.Series([], dtype=object) for j in range(len(header))})
    raw = RawTable(
        source=source, header=header, frame=empty, row_numbers=[], header_row=None,
        letters=header,
    )  # fmt: skip

    def chunks(keep: list[int]) -> Iterator[Chunk]:
        _refuse_nested(pf.schema_arrow, keep, source)
        start = 1
        names = [header[j] for j in keep]
        for batch in pf.iter_batches(batch_size=chunk_rows, columns=names, use_threads=True):
            n = batch.num_rows
            yield Chunk(_to_frame(batch), np.arange(start, start + n, dtype=np.int64))
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
                    Message("households.nested", type=f.type),
                )
            )
    if problems:
        raise IntakeError(problems)


def whole_file(path, sheet, keys):
    raw = read_raw(path, sheet, keys, require_known=True)

    def chunks(keep: list[int]) -> Iterator[Chunk]:
        if len(raw.row_numbers):
            frame = raw.frame[keep].copy()
            frame.columns = range(len(keep))
            yield Chunk(frame, np.asarray(raw.row_numbers, dtype=np.int64))

    return raw, chunks


def open_chunks(path: Path, sheet, keys: set[str], chunk_rows: int):
    """A file's header and its chunks, with the reader used.

    Parameters
    ----------
    path : Path
    sheet : str or None
        Excel sheet.
    keys : set of str
        Known header keys.
    chunk_rows : int
        Rows per chunk (about).

    Returns
    -------
    (RawTable, callable, str)
        The header table (title, notes, header row, the first rows), ``chunks(keep)`` yielding
        :class:`Chunk` objects holding the columns at positions ``keep`` (numbered 0..), and
        ``"pyarrow-csv"``, ``"parquet"`` or ``"whole-file"``.

    Raises
    ------
    IntakeError
        For a file that cannot be read (see :func:`~analysis.intake.readers.read_raw`).
    """
    source = path.name
    ext = path.suffix.lower()
    try:
        if ext in (".csv", ".txt", ".tsv") and path.is_file():
            raw, chunks = csv_chunks(path, source, keys, chunk_rows)
            return raw, chunks, "pyarrow-csv"
        if ext in (".parquet", ".pq") and path.is_file() and path.stat().st_size > 0:
            raw, chunks = parquet_chunks(path, source, chunk_rows)
            return raw, chunks, "parquet"
        raise StreamFallbackError
    except StreamFallbackError:
        raw, chunks = whole_file(path, sheet, keys)
        return raw, chunks, "whole-file"


def read_head(path: Path, keys: set[str]) -> RawTable | None:
    """The header of a CSV or Parquet file from its first lines (or its schema), without
    reading the rest; None for other files and for CSV the streaming reader cannot take.

    Parameters
    ----------
    path : Path
    keys : set of str
        Known header keys.

    Returns
    -------
    RawTable or None
    """
    ext = path.suffix.lower()
    try:
        if ext in (".csv", ".txt", ".tsv") and path.is_file():
            return csv_chunks(path, path.name, keys, 1)[0]
        if ext in (".parquet", ".pq") and path.is_file() and path.stat().st_size > 0:
            return parquet_chunks(path, path.name, 1)[0]
    except (StreamFallbackError, IntakeError):
        return None
    return None
