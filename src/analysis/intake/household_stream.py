"""Household lists at any size: read in chunks, validated chunk by chunk, problems capped.

:func:`scan_households` is the one path by which household lists are read
(:func:`~analysis.intake.households.read_households`, the ``validate`` command, the reports and
the benchmark B5). It never holds the file's text or all its rows: the readers of
:mod:`analysis.intake.household_chunks` give chunks of ``chunk_rows`` rows (pyarrow's streaming
CSV reader, Parquet record batches; Excel whole), each with the rows the analyst sees in the
file.

Each chunk goes through :func:`~analysis.intake.households.parse_household_rows` (cell parsing,
commune names, unit systems, every rule of
:func:`~analysis.intake.validate.validate_households`), in this process or, with ``workers > 1``,
in worker processes (one chunk each at a time; the chunks come back in file order). Checks that
span chunks are made at the end: a household id repeated within a review year in two chunks
(64-bit hashes of id and year, so ~0.2 GB per 27 million rows), one review year kept in two
unit systems, a file without data rows. Problems are kept per kind (column and message with its
values left out): the first ``max_per_kind`` of each, then one line saying how many more there
are, so a national file with 27 million bad rows gives a readable list, not 27 million messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.core.messages import Message, Number
from analysis.intake.headers import header_lookup
from analysis.intake.household_chunks import Chunk, StreamFallbackError, open_chunks, whole_file
from analysis.intake.households import parse_household_rows
from analysis.intake.problems import IntakeError, Problem, sort_problems
from analysis.intake.readers import RawTable, map_headers
from analysis.reference.geography import Geography, load_geography

#: Rows per chunk: ~100-200 MB of cells while a chunk is checked.
CHUNK_ROWS = 250_000
#: Problems listed per kind before the rest are counted.
MAX_PER_KIND = 50
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
    results : list
        What ``on_chunk`` returned for each chunk, in file order (complete only when the file
        has no problem).
    """

    source: str
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    chunks: int = 0
    reader: str = ""
    results: list = field(default_factory=list)

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

    def merge(self, other: _Capped) -> None:
        for kind, kept in other.kept.items():
            mine = self.kept.setdefault(kind, [])
            fresh = [p for p in kept if (p.row, p.column, p.message) not in self.seen]
            for p in fresh:
                if p.row is None:
                    self.seen.add((p.row, p.column, p.message))
            mine.extend(fresh[: max(0, self.limit - len(mine))])
            repeated = len(kept) - len(fresh)
            self.counts[kind] = self.counts.get(kind, 0) + other.counts[kind] - repeated

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
                        Message(
                            "households.more",
                            more=Number(more),
                            row=first.row,
                            kept=Number(len(kept)),
                            total=Number(self.counts[kind]),
                        ),
                    )
                )
        return out


# -- scanning ----------------------------------------------------------------------------------
def scan_households(
    path,
    sheet: str | None = None,
    geography: Geography | None = None,
    *,
    on_chunk: Callable[[pd.DataFrame], Any] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    max_per_kind: int = MAX_PER_KIND,
    workers: int = 1,
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
        Called with the validated records of each chunk without problems (the frame
        :func:`~analysis.intake.households.read_households` returns for those rows, with
        ``attrs["row_numbers"]``); what it returns is kept in ``results``, e.g. per-commune
        sums (:func:`analysis.compute.household_sums.summarise_household_file`). With
        ``workers > 1`` it runs in the workers: a module-level function, returning something
        small.
    chunk_rows : int
        Rows per chunk.
    max_per_kind : int
        Problems listed per kind.
    workers : int, default 1
        Processes checking chunks (1: this process). Two on a two-core machine check a
        national file in about half the time.

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
    if not path.exists():
        raise IntakeError(Message("cli.no_file", path=repr(str(path))), path.name)
    keys = set(header_lookup("household"))
    raw, chunks, reader = open_chunks(path, sheet, keys, chunk_rows)
    try:
        return _scan(raw, chunks, reader, geo, on_chunk, max_per_kind, workers)
    except StreamFallbackError:
        raw, chunks = whole_file(path, sheet, keys)
        return _scan(raw, chunks, "whole-file", geo, on_chunk, max_per_kind, 1)


@dataclass
class _Context:
    """What checking a chunk needs besides its cells (sent once to each worker)."""

    raw: RawTable  # header, letters, header row, formulas; no cells
    mapped: tuple[dict[str, int], dict[str, int]]
    geo: Geography
    on_chunk: Callable | None
    max_per_kind: int


@dataclass
class _Checked:
    """One chunk checked: its problems (capped), keys, notes and ``on_chunk``'s result."""

    rows: int
    capped: _Capped
    hashes: np.ndarray
    key_rows: np.ndarray
    systems: list[tuple[int, str, int]]  # (year, unit system, first row)
    notes: list[str]
    result: Any = None


def _check(chunk: Chunk, ctx: _Context) -> _Checked:
    raw = ctx.raw
    part = RawTable(
        source=raw.source, header=raw.header, frame=chunk.frame, row_numbers=chunk.rows.tolist(),
        header_row=raw.header_row, letters=raw.letters, formulas=raw.formulas,
    )  # fmt: skip
    found: list[Problem] = []
    table = parse_household_rows(part, ctx.mapped, ctx.geo, found)
    capped = _Capped(ctx.max_per_kind)
    capped.add(found)
    hashes, key_rows, systems = _chunk_keys(table, chunk.rows)
    result = None
    if not found and ctx.on_chunk is not None:
        result = ctx.on_chunk(table)
    return _Checked(len(chunk.rows), capped, hashes, key_rows, systems, part.notes, result)


_WORKER: dict[str, _Context] = {}


def _worker_init(ctx: _Context) -> None:
    _WORKER["ctx"] = ctx


def _worker_check(chunk: Chunk) -> _Checked:
    return _check(chunk, _WORKER["ctx"])


def _checked_chunks(chunks, keep: list[int], ctx: _Context, workers: int):
    """Each chunk checked, in file order; at most two chunks per worker in flight."""
    if workers <= 1:
        for chunk in chunks(keep):
            yield _check(chunk, ctx)
        return
    import multiprocessing as mp
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    # spawned workers are this process's children: their CPU and memory count in its usage
    with ProcessPoolExecutor(
        workers, mp_context=mp.get_context("spawn"), initializer=_worker_init, initargs=(ctx,)
    ) as pool:
        pending: deque = deque()
        for chunk in chunks(keep):
            pending.append(pool.submit(_worker_check, chunk))
            while len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _scan(raw, chunks, reader, geo, on_chunk, max_per_kind, workers) -> HouseholdScan:
    capped = _Capped(max_per_kind)
    cols, aux, header_problems = map_headers(raw, "household")
    capped.add(header_problems)
    keep = sorted(set(cols.values()) | set(aux.values()))
    where = {j: i for i, j in enumerate(keep)}
    head = RawTable(
        source=raw.source, header=[raw.header[j] for j in keep], frame=pd.DataFrame(),
        row_numbers=[], header_row=raw.header_row, letters=[raw.letters[j] for j in keep],
        formulas=raw.formulas,
    )  # fmt: skip
    mapped = ({c: where[j] for c, j in cols.items()}, {c: where[j] for c, j in aux.items()})
    ctx = _Context(head, mapped, geo, on_chunk, max_per_kind)
    scan = HouseholdScan(source=raw.source, reader=reader)
    keys = _Keys(raw.source, geo)
    for checked in _checked_chunks(chunks, keep, ctx, workers):
        capped.merge(checked.capped)
        capped.add(keys.add(checked))
        scan.notes += [n for n in checked.notes if n not in scan.notes]
        scan.rows += checked.rows
        scan.chunks += 1
        scan.results.append(checked.result)
    capped.add(keys.duplicates())
    scan.notes[:0] = [n for n in raw.notes if n not in scan.notes]  # the reader's, map_headers'
    if scan.rows == 0 and not capped.counts:
        raise IntakeError(Message("households.no_rows", where=raw.below_header), raw.source)
    scan.problems = capped.result(raw.source)
    scan.counts = dict(capped.counts)
    return scan


def _chunk_keys(table: pd.DataFrame, rows: np.ndarray):
    """Hashes of (household id, year) with their rows; first row of each (year, system)."""
    if "household_id" not in table or "year" not in table:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64), []
    ids, years = table["household_id"], table["year"]
    known = (ids.notna() & years.notna()).to_numpy(dtype=bool)
    keys = pd.DataFrame({"h": ids[known].astype(str), "y": years[known].astype("int64")})
    hashes = pd.util.hash_pandas_object(keys, index=False).to_numpy()
    systems = []
    if "unit_system" in table:
        here = pd.DataFrame({"y": years, "s": table["unit_system"], "r": rows}).dropna()
        first = here.groupby(["y", "s"], sort=True)["r"].min()
        systems = [(int(y), str(s), int(r)) for (y, s), r in first.items()]
    return hashes, rows[known].astype(np.int32), systems


class _Keys:
    """What must hold across chunks: one row per household id and year, one unit system per
    review year."""

    def __init__(self, source: str, geo: Geography):
        self.source, self.geo = source, geo
        self.hashes: list[np.ndarray] = []
        self.rows: list[np.ndarray] = []
        self.systems: dict[int, tuple[str, int]] = {}

    def add(self, checked: _Checked) -> list[Problem]:
        self.hashes.append(checked.hashes)
        self.rows.append(checked.key_rows)
        per_year: dict[int, int] = {}
        for year, _, _ in checked.systems:
            per_year[year] = per_year.get(year, 0) + 1
        found = []
        for year, system, row in checked.systems:
            seen = self.systems.setdefault(year, (system, row))
            if seen[0] != system and per_year[year] == 1:  # mixed within a chunk: reported
                found.append(
                    Problem(
                        self.source,
                        row,
                        "unit_system",
                        Message(
                            "households.year_mixed",
                            year=year,
                            system=system,
                            row=seen[1],
                            other=seen[0],
                            new=self.geo.new_system,
                        ),
                    )
                )
        return found

    def duplicates(self) -> list[Problem]:
        """Rows of different chunks with the same household id and year (a chunk's own
        repeats are found by the chunk's validation)."""
        if len(self.hashes) < 2:
            return []
        hashes = np.concatenate(self.hashes)
        self.hashes = []
        ordered = np.sort(hashes)
        repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
        del ordered
        if not len(repeated):
            return []
        sizes = [len(r) for r in self.rows]
        where = np.flatnonzero(np.isin(hashes, repeated))  # the few rows involved
        chunk = np.repeat(np.arange(len(sizes)), sizes)[where]
        rows = np.concatenate(self.rows)[where]
        h = hashes[where]
        order = np.argsort(h, kind="stable")
        h = h[order]
        same = np.flatnonzero(h[1:] == h[:-1]) + 1
        starts = np.flatnonzero(np.r_[True, h[1:] != h[:-1]])
        first = order[starts[np.searchsorted(starts, same, side="right") - 1]]
        other = order[same]
        cross = chunk[first] != chunk[other]
        return [
            Problem(
                self.source,
                int(rows[o]),
                None,
                Message("households.duplicate", first=int(rows[f]), row=int(rows[o])),
            )
            for f, o in zip(first[cross], other[cross], strict=True)
        ]
