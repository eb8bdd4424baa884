"""Cells: cleaning them and parsing what analysts write in them.

Numbers are read the Vietnamese way (``2.879``, ``1,03``; see :mod:`analysis.core.numbers`),
yes/no cells accept ``x``, ``có``, ``không`` and the like, zones, levels and classes accept
Vietnamese or English words with or without diacritics, and areas may be codes or names. A cell
that cannot be read gives a message saying what to write instead (:func:`convert_cells` records
it as a :class:`~analysis.intake.problems.Problem` of that cell).
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd

from analysis.core.messages import Message
from analysis.core.numbers import NumberParseError, parse_number
from analysis.intake.headers import header_key
from analysis.intake.problems import Problem
from analysis.reference.geography import Geography, UnknownAreaError, fold
from analysis.reference.standards import zone_of

_TOTAL_WORDS = {"tong cong", "tong", "cong", "total", "tong so", "toan tinh", "grand total"}
_TRUE = {"x", "co", "yes", "y", "true", "1", "dung", "v", "✓", "✔", "dtts"}
_FALSE = {"khong", "no", "n", "false", "0", "sai"}
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
_EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!",
                 "#CALC!", "#GETTING_DATA"}  # fmt: skip
#: Larger than any count a review can hold, and beyond what an Int64 column keeps exactly.
_MAX_COUNT = 2**53


def clean_cell(value):
    """One cell: NFC text without surrounding spaces, None for empty.

    Parameters
    ----------
    value : object
        A cell as a reader returns it.

    Returns
    -------
    object
        Text NFC-normalised (non-breaking spaces as spaces) and stripped; None for None, NaN
        or blank text; other values unchanged.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value).replace("\u00a0", " ").strip()
        return text or None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def has_number(cell) -> bool:
    """Whether a cell holds a figure: a number, a number written as text, a date or a time.

    Parameters
    ----------
    cell : object

    Returns
    -------
    bool
        False for yes/no values, NaN, empty cells and text that is not a number.
    """
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


def is_total_row(values: list) -> bool:
    """Whether the first text among ``values`` reads 'Tổng cộng', 'Tổng', 'Cộng' or 'Total'.

    Parameters
    ----------
    values : list
        Cells of a row (the area cells, or the row's first text cell).

    Returns
    -------
    bool
    """
    for v in values:
        if isinstance(v, str):
            key = header_key(v)
            return key in _TOTAL_WORDS or key.startswith(("tong cong", "cong ", "total "))
    return False


def code_text(v) -> str:
    """A code as text: ``696.0`` -> ``'696'``; text unchanged but stripped.

    Parameters
    ----------
    v : object
        A non-empty cell.

    Returns
    -------
    str
    """
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, int | np.integer):
        return str(int(v))
    return str(v).strip()


# -- parsers: one cell value to a value, or ValueError with the fix ---------------------------
def _special_cell(v) -> Message | None:
    """The message for a date or an Excel error value where a number is expected, else None."""
    if isinstance(v, dt.datetime | dt.date | dt.time):
        shown = v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else str(v)
        return Message("cells.date", shown=shown)
    if isinstance(v, str) and v.strip().upper() in _EXCEL_ERRORS:
        return Message("cells.excel_error", value=v.strip())
    if isinstance(v, bool):
        return Message("cells.bool", value=v)
    return None


def cell_message(err: BaseException):
    """The message of a parser's error: its :class:`~analysis.core.messages.Message` if it has one.

    ``str(err)`` would fix the message in one language; the message itself keeps its key, so a
    problem made from it shows in the language of wherever it is shown.

    Parameters
    ----------
    err : BaseException

    Returns
    -------
    str
        A :class:`~analysis.core.messages.Message` when the error holds one, else ``str(err)``.
    """
    if len(err.args) == 1 and isinstance(err.args[0], Message):
        return err.args[0]
    return str(err)


def count_parser(what: str) -> Callable:
    """A parser of whole numbers of ``what`` (households, people).

    Parameters
    ----------
    what : {"households", "people"}
        Named in the messages (``"'2,5' is not a whole number of households"``).

    Returns
    -------
    callable
        ``parse(value) -> int or None``; raises ValueError with the fix for a cell that is
        not a whole number (text, a date, an Excel error, an absurdly large number).
    """

    named = Message(f"cells.what.{what}")

    def parse(v):
        special = _special_cell(v)
        if special is not None:
            raise ValueError(special)
        try:
            x = parse_number(v, integer=True)
        except NumberParseError:
            raise ValueError(Message("cells.not_count", value=repr(v), what=named)) from None
        if math.isnan(x):
            return None
        if not abs(x) < _MAX_COUNT:
            raise ValueError(Message("cells.count_huge", value=repr(v), what=named))
        return int(x)

    return parse


def parse_amount(v) -> float | None:
    """An amount (income, score): a number, possibly with decimals.

    Parameters
    ----------
    v : object
        A non-empty cell.

    Returns
    -------
    float or None

    Raises
    ------
    ValueError
        With the fix, for text that is not a number, a date, an Excel error or a huge number.
    """
    special = _special_cell(v)
    if special is not None:
        raise ValueError(special)
    try:
        x = parse_number(v)
    except NumberParseError:
        raise ValueError(Message("cells.not_number", value=repr(v))) from None
    if math.isinf(x) or abs(x) > 1e15:
        raise ValueError(Message("cells.amount_huge", value=repr(v)))
    return None if math.isnan(x) else x


def parse_year(v) -> int | None:
    """A review year between 1900 and 2100.

    Parameters
    ----------
    v : object
        A non-empty cell.

    Returns
    -------
    int or None

    Raises
    ------
    ValueError
        With the fix, for a date (Excel formatting), an Excel error or anything not a year.
    """
    if isinstance(v, dt.datetime | dt.date):
        raise ValueError(Message("cells.year_date", date=v.strftime("%d/%m/%Y")))
    special = _special_cell(v)
    if special is not None:
        raise ValueError(special)
    try:
        x = parse_number(v, integer=True)
    except NumberParseError:
        raise ValueError(Message("cells.not_year", value=repr(v))) from None
    if math.isnan(x):
        return None
    if not 1900 <= x <= 2100:
        raise ValueError(Message("cells.not_year", value=repr(v)))
    return int(x)


def parse_flag(v) -> bool:
    """A yes/no cell: ``x``, ``có``, ``yes``, ``1``... for yes; ``không``, ``no``, ``0`` for no.

    Parameters
    ----------
    v : object
        A non-empty cell.

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        With the fix, for anything else.
    """
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | float | np.integer | np.floating) and v in (0, 1):
        return bool(v)
    key = header_key(v)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(Message("cells.not_flag", value=repr(v)))


def _choice(v, table: dict[str, str], key: str) -> str:
    folded = header_key(v).replace("_", " ")
    if folded in table:
        return table[folded]
    raise ValueError(Message(key, value=repr(v)))


def parse_zone(v) -> str:
    """A zone: ``thành thị`` / ``urban`` -> ``"urban"``, ``nông thôn`` / ``rural`` -> ``"rural"``.

    The spellings are those of :data:`analysis.reference.standards.ZONE_WORDS`, the same that
    :func:`~analysis.reference.standards.normalise_zone` accepts for a column.

    Parameters
    ----------
    v : object
        A non-empty cell.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        With the fix, for anything else.
    """
    zone = zone_of(v)
    if zone is None:
        raise ValueError(Message("cells.not_zone", value=repr(v)))
    return zone


def parse_level(v) -> str:
    """An area level: ``huyện`` -> ``"district"``, ``xã`` / ``phường`` -> ``"commune"``.

    Parameters
    ----------
    v : object
        A non-empty cell.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        With the fix, for anything else.
    """
    return _choice(v, _LEVELS, "cells.not_level")


def parse_class(v) -> str:
    """A recorded class: ``nghèo``, ``cận nghèo``, ``không nghèo`` (or the English words).

    Parameters
    ----------
    v : object
        A non-empty cell.

    Returns
    -------
    str
        ``"poor"``, ``"near_poor"`` or ``"not_poor"``.

    Raises
    ------
    ValueError
        With the fix, for anything else.
    """
    return _choice(v, _CLASSES, "cells.not_class")


# -- areas -------------------------------------------------------------------------------------
def area_resolver(geo: Geography) -> Callable[[str, str | None], str]:
    """A function from an area as written (code or name) and its level, if known, to its code.

    Parameters
    ----------
    geo : Geography

    Returns
    -------
    callable
        ``resolve(text, level) -> code``. A code is accepted with or without its leading zeros;
        a name with a commune prefix (``Xã``, ``Phường``...) is looked up among communes, one
        with a district prefix among districts, and a bare name among districts first. Raises
        :class:`~analysis.reference.geography.UnknownAreaError` for an unknown area: with the
        close district names, else the close commune names, else "not in this province".
    """
    districts = set(geo.district_codes())
    communes = set(geo.communes["commune_code"])

    def resolve(text: str, level: str | None) -> str:
        if text.isdigit():
            # the level is checked against the code later, with a clearer message
            for code in (text, text.zfill(3), text.zfill(5)):
                if code in districts or code in communes:
                    return code
            raise UnknownAreaError(
                Message("cells.unknown_code", code=repr(text), province=geo.province["bare_name"])
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
                if second.candidates:  # an ambiguous commune name
                    raise
                if geo.names["district"].closest(text):
                    raise first from None
                if geo.names["commune"].closest(text):
                    raise second from None
                place = geo.province["bare_name"]
                raise UnknownAreaError(
                    Message("cells.not_in_province", text=repr(text), place=place)
                ) from None

    return resolve


def area_fix(message: str) -> str:
    """An unknown-area message with what to do about it.

    Parameters
    ----------
    message : str
        The message of an :class:`~analysis.reference.geography.UnknownAreaError` (a
        :class:`~analysis.core.messages.Message`, or its text).

    Returns
    -------
    str
        The message followed by "check the spelling, or write the area code" when it lists
        close names; a :class:`~analysis.core.messages.Message` when ``message`` is one.
    """
    if isinstance(message, Message):
        return (
            Message("cells.area_fix", message=message)
            if message.key == "names.closest"
            else message
        )
    if "closest known names" in message:
        return message + " (check the spelling, or write the area code instead of the name)"
    return message


# -- whole columns -----------------------------------------------------------------------------
def convert_cells(
    values: pd.Series,
    parse: Callable,
    rows: list[int],
    source: str,
    column: str,
    bad: set[tuple[int, str]],
    problems: list[Problem],
) -> list:
    """Apply ``parse`` to each distinct non-empty cell value; record failures per cell.

    Parameters
    ----------
    values : pandas.Series
        The column's cells, in row order.
    parse : callable
        One cleaned, non-empty value to its parsed value; raises ValueError (or
        NumberParseError, UnknownAreaError) with the message for the analyst.
    rows : list of int
        The file row of each cell.
    source : str
        File name for the problems.
    column : str
        Schema column for the problems.
    bad : set of (int, str)
        Receives ``(row, column)`` of every cell that failed.
    problems : list of Problem
        Receives a problem for every cell that failed.

    Returns
    -------
    list
        The parsed values, None for empty and failed cells.
    """
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    parsed: list = []
    errors: dict[int, str] = {}  # str or Message
    for k, v in enumerate(uniques):
        v = clean_cell(v)
        if v is None or v is pd.NA:
            parsed.append(None)
            continue
        try:
            parsed.append(parse(v))
        except (NumberParseError, UnknownAreaError, ValueError) as err:
            parsed.append(None)
            said = cell_message(err)
            errors[k] = area_fix(said) if isinstance(err, UnknownAreaError) else said
    lookup = np.empty(len(parsed) + 1, dtype=object)
    lookup[:-1] = parsed
    lookup[-1] = None
    out = lookup[codes]  # code -1 (empty) picks the trailing None
    if errors:
        for i in np.flatnonzero(np.isin(codes, list(errors))):
            bad.add((rows[i], column))
            problems.append(Problem(source, rows[i], column, errors[int(codes[i])]))
    return out.tolist()
