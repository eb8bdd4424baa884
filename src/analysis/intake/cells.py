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


def count_parser(what: str) -> Callable:
    """A parser of whole numbers of ``what`` (households, people).

    Parameters
    ----------
    what : str
        Named in the messages (``"'2,5' is not a whole number of households"``).

    Returns
    -------
    callable
        ``parse(value) -> int or None``; raises ValueError with the fix for a cell that is
        not a whole number (text, a date, an Excel error, an absurdly large number).
    """

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
        raise ValueError(f"{v!r} is not a number; write digits only, e.g. 1.250.000") from None
    if math.isinf(x) or abs(x) > 1e15:
        raise ValueError(f"{v!r} is far too large to be an amount; check the cell")
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
    raise ValueError(
        f"{v!r} is not yes or no; write x (or có) for yes, leave empty or write không for no"
    )


def _choice(v, table: dict[str, str], what: str) -> str:
    key = header_key(v).replace("_", " ")
    if key in table:
        return table[key]
    raise ValueError(f"{v!r} is not {what}")


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
        raise ValueError(f"{v!r} is not a zone; write thành thị (urban) or nông thôn (rural)")
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
    return _choice(v, _LEVELS, "an area level; write huyện (district) or xã (commune)")


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
    return _choice(
        v,
        _CLASSES,
        "a class; write nghèo (poor), cận nghèo (near-poor) or không nghèo (not poor)",
    )


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
                if second.candidates:  # an ambiguous commune name
                    raise
                if geo.names["district"].closest(text):
                    raise first from None
                if geo.names["commune"].closest(text):
                    raise second from None
                place = geo.province["bare_name"]
                raise UnknownAreaError(
                    f"unknown district or commune {text!r}: not in this province ({place} has "
                    "no district or commune of that name or one close to it); check that the "
                    f"file is for {place}, or write the area code"
                ) from None

    return resolve


def area_fix(message: str) -> str:
    """An unknown-area message with what to do about it.

    Parameters
    ----------
    message : str
        The message of an :class:`~analysis.reference.geography.UnknownAreaError`.

    Returns
    -------
    str
    """
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
    errors: dict[int, str] = {}
    for k, v in enumerate(uniques):
        v = clean_cell(v)
        if v is None or v is pd.NA:
            parsed.append(None)
            continue
        try:
            parsed.append(parse(v))
        except (NumberParseError, UnknownAreaError, ValueError) as err:
            parsed.append(None)
            errors[k] = area_fix(str(err)) if isinstance(err, UnknownAreaError) else str(err)
    lookup = np.empty(len(parsed) + 1, dtype=object)
    lookup[:-1] = parsed
    lookup[-1] = None
    out = lookup[codes]  # code -1 (empty) picks the trailing None
    if errors:
        for i in np.flatnonzero(np.isin(codes, list(errors))):
            bad.add((rows[i], column))
            problems.append(Problem(source, rows[i], column, errors[int(codes[i])]))
    return out.tolist()
