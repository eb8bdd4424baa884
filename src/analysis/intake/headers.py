"""Column headers of the input tables, and finding them in what analysts write.

The header tables are data: ``data/schema/summary-columns.csv`` and
``data/schema/household-columns.csv`` give each schema column its Vietnamese and English header,
its kind, a description and other accepted headers. A header is matched by its
:func:`header_key` (no case, no diacritics, punctuation as spaces), so ``"Hộ nghèo\\ncuối năm"``,
``"ho ngheo cuoi nam"`` and ``"HỘ NGHÈO CUỐI NĂM"`` are the same header.

The header row of a table is the row, among the first :data:`HEADER_SCAN_ROWS`, with the most
known headers (:func:`best_header`); a two-row header is joined where that makes a known header
(:func:`combined_headers`).
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from analysis.core import paths
from analysis.core.messages import Message
from analysis.reference.geography import fold

TABLES = ("summary", "household")

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
#: Headers of a unit-system column, in both tables: which units the rows' areas are (the
#: former districts and communes, or the new communes of 1 July 2025); see
#: :mod:`analysis.intake.systems`.
UNIT_SYSTEM_HEADERS = (
    "unit_system",
    "Unit system",
    "Hệ đơn vị",
    "Hệ đơn vị hành chính",
    "Hệ thống đơn vị hành chính",
)
#: Headers of row-number columns, ignored without a note.
ROW_NUMBER_HEADERS = ("STT", "TT", "Số TT", "Số thứ tự", "No", "No.", "#")
#: How many rows from the top of a file are searched for the header row.
HEADER_SCAN_ROWS = 30


# -- header tables (data/schema) ---------------------------------------------------------------
@lru_cache(maxsize=8)
def _column_table(path: str) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@lru_cache(maxsize=8)
def _labels(path_summary: str, path_household: str) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for path in (path_household, path_summary):  # summary wins for shared names
        for r in _column_table(path).itertuples(index=False):
            out[r.column] = (r.header_vi, r.header_en)
    return out


def _table_path(table: str) -> str:
    return str(paths.data_dir() / "schema" / f"{table}-columns.csv")


def column_headers(table: str = "summary") -> pd.DataFrame:
    """The column table of ``summary`` or ``household`` records, from ``data/schema/``.

    Parameters
    ----------
    table : {"summary", "household"}

    Returns
    -------
    pandas.DataFrame
        Columns ``column, header_vi, header_en, kind, description, aliases`` (``aliases`` holds
        other accepted headers separated by ``|``), one row per column in canonical order.
    """
    if table not in TABLES:
        raise ValueError(Message("param.one_of", name="table", allowed=TABLES, value=repr(table)))
    return _column_table(_table_path(table)).copy()


def header_label(column: str, table: str | None = None, lang: str = "vi") -> str:
    """The header of a schema column (``"poor_end"`` -> ``"Hộ nghèo cuối năm"``); '' if unknown.

    Parameters
    ----------
    column : str
        Schema column name.
    table : {"summary", "household"}, optional
        Look only in this table (a few names, such as ``year``, are in both).
    lang : {"vi", "en"}

    Returns
    -------
    str
    """
    if table is not None:
        frame = _column_table(_table_path(table))
        hit = frame.loc[frame["column"] == column]
        if hit.empty:
            return ""
        return hit.iloc[0]["header_vi" if lang == "vi" else "header_en"]
    labels = _labels(_table_path("summary"), _table_path("household"))
    if column not in labels:
        return ""
    return labels[column][0 if lang == "vi" else 1]


# -- matching headers --------------------------------------------------------------------------
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


_LOOKUPS: dict[str, dict[str, str]] = {}


def header_lookup(table: str) -> dict[str, str]:
    """Header key -> schema column, from the column name, both headers and the aliases.

    Parameters
    ----------
    table : {"summary", "household"}

    Returns
    -------
    dict of str to str
        Keyed by :func:`header_key`. Besides schema columns, the value may be ``"__name__"``
        (an area-name column, summary), ``"__district__"`` (a district column, household),
        ``"__unit_system__"`` (a unit-system column, both) or ``"__rownum__"`` (a row-number
        column). Built once per table; do not modify it.
    """
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
        for text in UNIT_SYSTEM_HEADERS:
            lookup.setdefault(header_key(text), "__unit_system__")
        for text in ROW_NUMBER_HEADERS:
            lookup.setdefault(header_key(text), "__rownum__")
        _LOOKUPS[table] = lookup
    return _LOOKUPS[table]


def primary_header_keys(table: str) -> dict[str, set[str]]:
    """Schema column -> keys of its own name and its two headers (not the aliases).

    Parameters
    ----------
    table : {"summary", "household"}

    Returns
    -------
    dict of str to set of str
        Used to prefer a primary header over an alias when both are in a file.
    """
    frame = column_headers(table)
    return {
        r.column: {header_key(r.column), header_key(r.header_vi), header_key(r.header_en)}
        for r in frame.itertuples(index=False)
    }


def all_header_keys() -> set[str]:
    """Keys of every header known in either table (summary or household).

    Returns
    -------
    set of str
    """
    keys: set[str] = set()
    for table in TABLES:
        keys |= set(header_lookup(table))
    return keys


# -- the header row ----------------------------------------------------------------------------
def combined_headers(grid: list[list], h: int, keys: set[str]) -> list[str | None]:
    """Header texts of row ``h``; joins the row above where that makes a known header.

    Parameters
    ----------
    grid : list of list
        Rows of cells.
    h : int
        Index of the header row in ``grid``.
    keys : set of str
        Known header keys.

    Returns
    -------
    list of str or None
        One text per cell of row ``h`` (None for an empty cell).
    """
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


def best_header(grid: list[list], keys: set[str]) -> tuple[int, int]:
    """Row index among ``grid`` with the most known headers, and how many it has.

    Parameters
    ----------
    grid : list of list
        Rows of cells (usually the first :data:`HEADER_SCAN_ROWS` of a file).
    keys : set of str
        Known header keys.

    Returns
    -------
    (int, int)
        The row index (0 when no row has a known header) and its number of known headers.
    """
    best, score = 0, 0
    for h in range(len(grid)):
        texts = combined_headers(grid, h, keys)
        n = sum(1 for t in texts if t is not None and header_key(t) in keys)
        if n > score:
            best, score = h, n
    return best, score
