"""What is wrong with an input file: :class:`Problem`, :class:`IntakeError` and message parts.

Every problem names the file, the row the analyst sees in the file, the column and, in plain
words, what is wrong and how to fix it. A file with any problem loads nothing: the readers
raise one :class:`IntakeError` listing every problem found.

Problems are shown in the message language (:mod:`analysis.core.messages`: Vietnamese by default,
English with ``--lang en``): a problem whose message is a
:class:`~analysis.core.messages.Message` (a key of ``messages.csv`` and its fields) is written in
that language, with the column's header in that language too; a problem built from a plain
English ``str`` (modules not converted yet) shows that English text in both languages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.core.errors import WorkbookError
from analysis.core.messages import Message, Number, localize, message_language
from analysis.core.numbers import format_number
from analysis.intake.headers import column_headers, header_label
from analysis.reference import schema


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    Attributes
    ----------
    file : str
        The file's name as the analyst knows it.
    row : int or None
        The row number the analyst sees: the spreadsheet row (1-based, counting title and header
        rows) or the CSV line; None for a problem with the whole file or a whole column.
    column : str or None
        The schema column (e.g. ``"poor_end"``), or the header text for a column the schema
        does not know; None for a problem with a whole row or the whole file.
    message : str
        What is wrong and how to fix it: a :class:`~analysis.core.messages.Message` (a ``str``
        whose value is the English text, shown in the message language) or a plain ``str``
        (shown as it is in both languages).
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def text(self, lang: str | None = None) -> str:
        """The problem in ``lang`` (default: the message language), with its file, row and column.

        Examples
        --------
        >>> p = Problem("a.csv", 5, "poor_end", Message("file.empty"))
        >>> p.text("vi").split(": ")[0]
        "a.csv, dòng 5, cột 'poor_end' (Hộ nghèo cuối năm)"
        """
        lang = lang or message_language()
        parts = [str(self.file)]
        if self.row is not None:
            parts.append(Message("where.row", row=self.row).text(lang))
        if self.column is not None:
            label = header_label(self.column, lang=lang)
            key = "where.column_label" if label else "where.column"
            parts.append(Message(key, column=self.column, label=label).text(lang))
        return ", ".join(parts) + ": " + localize(self.message, lang)

    def __str__(self) -> str:
        return self.text()


class IntakeError(WorkbookError):
    """A file that cannot be loaded; nothing from it was loaded.

    Attributes
    ----------
    problems : list of Problem
        Every problem found, in file and row order.
    """

    def __init__(self, problems: Sequence[Problem] | Problem | str, file: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(file or "?", None, None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__(self._text())

    def _text(self, lang: str | None = None) -> str:
        lang = lang or message_language()
        files = ", ".join(dict.fromkeys(str(p.file) for p in self.problems))
        n = len(self.problems)
        key = "intake.heading.one" if n == 1 else "intake.heading.many"
        head = Message(key, n=Number(n), files=files).text(lang)
        return "\n".join([head] + [f"  - {p.text(lang)}" for p in self.problems])

    def text(self, lang: str | None = None) -> str:
        """Every problem in ``lang`` (default: the message language), under one heading."""
        return self._text(lang)

    def __str__(self) -> str:
        return self._text()


def sort_problems(problems: Sequence[Problem], order: Sequence[str] | None = None) -> list[Problem]:
    """Problems in file order: file-level first, then by row, then by column order.

    Parameters
    ----------
    problems : sequence of Problem
    order : sequence of str, optional
        Column order; by default the summary columns, then the household columns.

    Returns
    -------
    list of Problem
        Sorted stably (problems of one cell keep the order they were found in).
    """
    order = (
        list(order)
        if order is not None
        else schema.summary_columns() + list(column_headers("household")["column"])
    )
    rank: dict[str, int] = {}
    for i, c in enumerate(order):
        rank.setdefault(c, i)
    return sorted(
        problems,
        key=lambda p: (
            p.file,
            -1 if p.row is None else p.row,
            rank.get(p.column, len(rank)) if p.column else -1,
        ),
    )


def raise_problems(problems: list[Problem]) -> None:
    """Raise one :class:`IntakeError` with every problem, in file order, if there is any.

    Parameters
    ----------
    problems : list of Problem

    Raises
    ------
    IntakeError
        When ``problems`` is not empty.
    """
    if problems:
        raise IntakeError(sort_problems(problems))


# -- parts of messages -------------------------------------------------------------------------
def column_text(column: str) -> str:
    """A schema column named for a message: ``'Hộ nghèo cuối năm' (poor_end)``.

    Parameters
    ----------
    column : str
        Schema column name.

    Returns
    -------
    str
        The header and the name, or the quoted name alone for a column without a header.
    """
    label = header_label(column)
    return f"'{label}' ({column})" if label else f"'{column}'"


class Column:
    """A schema column named in a message, with its header in the message's language.

    Examples
    --------
    >>> Column("poor_end").localize("vi"), Column("poor_end").localize("en")
    ("'Hộ nghèo cuối năm' (poor_end)", "'Poor households, end of year' (poor_end)")
    """

    def __init__(self, column: str):
        self.column = column

    def __repr__(self) -> str:
        return f"Column({self.column!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Column) and other.column == self.column

    def __hash__(self) -> int:
        return hash((Column, self.column))

    def localize(self, lang: str) -> str:
        """``'header' (column)`` in ``lang``, or ``'column'`` for a column without a header."""
        label = header_label(self.column, lang=lang)
        return f"'{label}' ({self.column})" if label else f"'{self.column}'"


def number_text(value) -> str:
    """A number in a message, Vietnamese style (``2879`` -> ``"2.879"``).

    Parameters
    ----------
    value : number or None
        Whole numbers are written without decimals, others with two.

    Returns
    -------
    str
        ``"(empty)"`` for a missing value.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "(empty)"
    value = float(value)
    return format_number(value, "vi", 0 if value == int(value) else 2)


def row_ranges(numbers: list[int]) -> str:
    """Row numbers as ranges for a note: ``[3, 4, 5, 9]`` -> ``"3-5, 9"``.

    Parameters
    ----------
    numbers : list of int
        Ascending row numbers.

    Returns
    -------
    str
    """
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
