"""Report tables for Excel: read them back from an executed notebook, write one sheet each.

The convention that keeps notebooks thin: a notebook shows each report table with
``report_table(df, "name", "caption")`` (`analysis.report.tables`). That one call displays the
table (HTML, for the HTML/PDF report) and attaches the data to the same output under the MIME type
`TABLE_MIME` (``application/vnd.bpwb.table+json``), with the kind of number of each column (or
each cell) and the sheet title in the report's language. Renderers that do not know the type
ignore it; `notebook_tables` collects the tables from an executed notebook, in order, and
`tables_to_xlsx` writes them for analysts: a first sheet about the report (its facts, how numbers
are written, a linked list of the tables), then one sheet per table with its caption, a bold
header row that stays in view (frozen panes), an autofilter, column widths fitted to the shown
text, and numbers kept as numbers with a number format per kind (`NUMBER_FORMATS`).

Numbers are stored as computed, never rounded: a format changes only how Excel shows them, so
sums and formulas over the cells are right. Rates and shares (held in percent by the report
tables: 1.04 means 1.04%) are stored as fractions (0.0104) with the format ``0.00%``, Excel's own
convention, so that a rate times a count is a count; changes in rates stay in percentage points;
probabilities are fractions shown as whole percents. The same words are in the first sheet
(label ``xlsx.numbers_note``).

Text cells that a spreadsheet would read as a formula (starting with ``= + - @``, tab or carriage
return) are prefixed with an apostrophe (`neutralise_cell`). With ``SOURCE_DATE_EPOCH`` set, the
workbook's dates are that time (`analysis.build.dates`).
"""

from __future__ import annotations

import decimal
import io
import json
import math
import re
from typing import Any

import nbformat

from analysis.build.dates import date_zip_entries
from analysis.core.i18n import check_lang, label
from analysis.report.tables import KINDS, TABLE_MIME, ReportTable

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: Excel number format of each kind of number (`analysis.report.tables.KINDS`); ``{unit}`` is
#: the label ``unit.points`` of the workbook's language.
NUMBER_FORMATS = {
    "count": "#,##0",
    "rate": "0.00%",
    "points": '+0.00" {unit}";-0.00" {unit}";0.00" {unit}"',
    "signed": "+#,##0;-#,##0;0",
    "ratio": "#,##0.00",
    "index": "0.0000",
    "probability": '[<0.005]"<1%";[>0.995]">99%";0%',
}

#: The power of ten a value is multiplied by when stored, per kind: rates are held in percent
#: by the report tables and stored as fractions.
SCALE = {"rate": -2}

_MIN_WIDTH, _MAX_WIDTH, _HEADER_WIDTH = 8, 60, 20
_ROW_HEIGHT = 15.0  # points per line of text (Calibri 11)


def notebook_tables(nb: nbformat.NotebookNode) -> list[ReportTable]:
    """Collect the tables registered with `report_table` in an executed notebook, in order.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook.

    Returns
    -------
    list of ReportTable
    """
    tables = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(TABLE_MIME)
            if payload is None:
                continue
            if isinstance(payload, str):
                payload = json.loads(payload)
            tables.append(
                ReportTable(
                    name=str(payload.get("name") or f"table{len(tables) + 1}"),
                    caption=payload.get("caption"),
                    columns=[str(c) for c in payload.get("columns", [])],
                    rows=[list(r) for r in payload.get("rows", [])],
                    kinds=[_known_kind(k) for k in payload.get("kinds") or []],
                    sheet=str(payload["sheet"]) if payload.get("sheet") else None,
                )
            )
    return tables


def _known_kind(kind: Any) -> Any:
    """A payload's kind entry with anything that is not one of `KINDS` read as no kind."""
    if isinstance(kind, list):
        return [k if k in KINDS else None for k in kind]
    return kind if kind in KINDS else None


def neutralise_cell(value: Any) -> Any:
    """Prefix text that a spreadsheet would evaluate as a formula with an apostrophe.

    Parameters
    ----------
    value : Any
        A cell value.

    Returns
    -------
    Any
        ``"'=1+1"`` for ``"=1+1"``; numbers and other text unchanged.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def number_format(kind: str | None, lang: str = "vi") -> str:
    """The Excel number format of a kind of number.

    Parameters
    ----------
    kind : str or None
        One of `analysis.report.tables.KINDS`; ``None`` for Excel's ``General``.
    lang : {"vi", "en"}
        Language of the unit of percentage points.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        For a kind that is not one of ``KINDS``.
    """
    if kind is None:
        return "General"
    if kind not in NUMBER_FORMATS:
        raise ValueError(f"unknown kind of number {kind!r} (known: {', '.join(KINDS)})")
    return NUMBER_FORMATS[kind].replace("{unit}", label("unit.points", lang))


def cell_value(value: Any, kind: str | None) -> Any:
    """The value written to a cell: numbers shifted for their kind (`SCALE`), text neutralised.

    Parameters
    ----------
    value : Any
        A table value (number, text, ``None``).
    kind : str or None
        Its kind of number.

    Returns
    -------
    Any
        ``None`` for a missing or non-finite number.
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return None
        if kind in SCALE:  # decimal shift: 7.4819484858 -> 0.074819484858, no binary noise
            return float(decimal.Decimal(repr(value)).scaleb(SCALE[kind]))
        return value
    return neutralise_cell(value)


def _sheet_name(name: str, used: set[str]) -> str:
    """A valid sheet name (31 characters, no ``[]:*?/\\'``), unique in ``used`` (updated)."""
    base = re.sub(r"[\[\]:*?/\\']", "_", name).strip() or "table"
    base = base[:31]
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f"~{n}"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(candidate.lower())
    return candidate


def tables_to_xlsx(
    tables: list[ReportTable], about: dict[str, Any] | None = None, lang: str = "vi"
) -> bytes:
    """Write report tables to an Excel workbook: a first sheet about the report, then one sheet
    per table.

    Parameters
    ----------
    tables : list of ReportTable
        From `notebook_tables`. A table's sheet is named by its ``sheet`` title (else its
        ``name``), made valid and unique; its cells are formatted by its ``kinds``.
    about : dict, optional
        Rows of the first sheet (e.g. title, area, year, generated by), in the report's
        language; the sheet adds how numbers are written and the list of tables.
    lang : {"vi", "en"}
        Language of the first sheet's labels and of number units.

    Returns
    -------
    bytes
        The ``.xlsx`` file content.
    """
    from openpyxl import Workbook

    check_lang(lang)
    used = {"history"}  # a name Excel reserves
    about_sheet = _sheet_name(label("xlsx.about", lang), used)
    names = [_sheet_name(t.sheet or t.name, used) for t in tables]
    wb = Workbook()
    _write_about(wb.active, about_sheet, about or {}, list(zip(names, tables, strict=True)), lang)
    for sheet, table in zip(names, tables, strict=True):
        _write_table(wb.create_sheet(sheet), table, lang)
    buffer = io.BytesIO()
    wb.save(buffer)
    return date_zip_entries(buffer.getvalue())


def _write_about(ws, title: str, about: dict, sheets: list, lang: str) -> None:
    """The first sheet: the report's facts, how numbers are written, the tables (linked)."""
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    ws.title = title
    ws.append([label("xlsx.field", lang), label("xlsx.value", lang)])
    for key, value in about.items():
        ws.append([neutralise_cell(str(key)), cell_value(value, None)])
    ws.append([label("xlsx.numbers", lang), label("xlsx.numbers_note", lang)])
    ws.append([])
    ws.append([label("xlsx.tables", lang)])
    bold = [ws.cell(row=1, column=c) for c in (1, 2)] + [ws.cell(row=ws.max_row, column=1)]
    for sheet, table in sheets:
        ws.append([neutralise_cell(sheet), neutralise_cell(table.caption)])
        link = ws.cell(row=ws.max_row, column=1)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{sheet}'!A1")
        link.font = Font(color="0563C1", underline="single")
    for cell in bold:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    _fit(ws, 1, lang)


def _write_table(ws, table: ReportTable, lang: str) -> None:
    """One table's sheet: caption, header (frozen, filtered), formatted numbers, widths."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    header_row = 3 if table.caption else 1
    if table.caption:
        ws.cell(row=1, column=1, value=neutralise_cell(table.caption)).font = Font(
            bold=True, size=12
        )
    fill = PatternFill("solid", start_color="DDEBF7")
    line = Border(bottom=Side(style="thin"))
    for j, column in enumerate(table.columns, start=1):
        cell = ws.cell(row=header_row, column=j, value=neutralise_cell(column))
        cell.font, cell.fill, cell.border = Font(bold=True), fill, line
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    formats: dict[str | None, str] = {}
    for i, row in enumerate(table.rows):
        for j, value in enumerate(row):
            kind = table.kind(i, j)
            cell = ws.cell(row=header_row + 1 + i, column=j + 1, value=cell_value(value, kind))
            if kind is not None and isinstance(cell.value, int | float):
                if kind not in formats:
                    formats[kind] = number_format(kind, lang)
                cell.number_format = formats[kind]
    last_column = get_column_letter(max(len(table.columns), 1))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.auto_filter.ref = f"A{header_row}:{last_column}{header_row + max(len(table.rows), 1)}"
    _fit(ws, header_row, lang)


def _fit(ws, header_row: int, lang: str) -> None:
    """Column widths from the text each cell shows (header rows wrap past 20 characters, text
    past 60), and the heights of rows whose text wraps. Rows above the header (the caption) do
    not widen the columns."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    kind_of = {number_format(k, lang): k for k in NUMBER_FORMATS}
    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=header_row + 1):
        for cell in row:
            if cell.value is not None:
                shown = shown_width(cell.value, kind_of.get(cell.number_format), lang)
                widths[cell.column] = max(widths.get(cell.column, 0), shown)
    for cell in ws[header_row]:
        if cell.value is not None:
            words = max(len(w) for w in str(cell.value).split() or [""])
            header = max(words, min(len(str(cell.value)), _HEADER_WIDTH))
            widths[cell.column] = max(widths.get(cell.column, 0), header)
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = (
            min(max(width, _MIN_WIDTH - 2), _MAX_WIDTH) + 2
        )
    for row in ws.iter_rows(min_row=header_row):
        lines = 1
        for cell in row:
            if isinstance(cell.value, str):
                width = min(max(widths.get(cell.column, 0), _MIN_WIDTH - 2), _MAX_WIDTH)
                need = sum(math.ceil(len(p) / width) or 1 for p in cell.value.split("\n"))
                if need > 1:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                    lines = max(lines, need)
        if lines > 1:
            ws.row_dimensions[row[0].row].height = _ROW_HEIGHT * lines


def shown_width(value: Any, kind: str | None = None, lang: str = "vi") -> int:
    """About how many characters a cell shows: its text, or its number as its kind shows it.

    Parameters
    ----------
    value : Any
        The stored value (a rate as a fraction).
    kind : str or None
        Its kind of number (`analysis.report.tables.KINDS`); ``None`` for Excel's ``General``.
    lang : {"vi", "en"}
        Language of the unit of percentage points.

    Returns
    -------
    int
        The length of the longest line of text, or of the number as shown.
    """
    if isinstance(value, str):
        return max(len(line) for line in value.split("\n"))
    if isinstance(value, bool) or not isinstance(value, int | float):
        return len(str(value))
    if kind == "count":
        text = f"{value:,.0f}"
    elif kind == "rate":
        text = f"{value:.2%}"
    elif kind == "points":
        text = f"{value:+.2f} {label('unit.points', lang)}"
    elif kind == "signed":
        text = f"{value:+,.0f}"
    elif kind == "ratio":
        text = f"{value:,.2f}"
    elif kind == "probability":
        text = ">99%"
    else:  # Excel's General shows up to about 10 significant digits
        text = f"{value:.10g}" if isinstance(value, float) else str(value)
    return len(text)
