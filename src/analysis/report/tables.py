"""Report tables: the convention that carries each table of a report to its Excel workbook.

A notebook shows each report table with ``report_table(df, "name", "caption")``. That one call
displays the table (HTML, for the HTML/PDF report) and attaches the data to the same output under
the MIME type `TABLE_MIME` (``application/vnd.bpwb.table+json``). Renderers that do not know the
type ignore it; ``analysis.build.xlsx_report.notebook_tables`` reads the tables back from an
executed notebook as `ReportTable` objects.

The payload is JSON: ``name``, ``caption``, ``columns``, ``rows`` (the values as the table holds
them: a rate of 1.04% is ``1.04``), and optionally ``sheet`` (the sheet title in the report's
language) and ``kinds``: one entry per column, ``null`` (text, years: no number format), one of
`KINDS`, or a list with one kind (or ``null``) per row for columns whose rows hold different
units. The Excel writer turns the kinds into number formats.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass, field
from typing import Any

#: MIME type of the table payload attached by `report_table`.
TABLE_MIME = "application/vnd.bpwb.table+json"

#: Kinds of number a table cell may hold: whole households (or communes); a percentage held in
#: percent (1.04 means 1.04%); a change in percentage points; a change with its sign; a number
#: with two decimals; a probability held as a fraction (0.03 means 3%).
KINDS = ("count", "rate", "points", "signed", "ratio", "index", "probability")


# -- report tables (the xlsx convention) ---------------------------------------------------------
@dataclass
class ReportTable:
    """A table registered by `report_table` and read back by `notebook_tables`.

    Attributes
    ----------
    name : str
        Short name, unique within the report (the sheet name when there is no `sheet`).
    caption : str or None
        Title shown above the table.
    columns : list of str
        Column labels (index levels first when the index was shown).
    rows : list of list
        Cell values (numbers, text, ``None`` for missing).
    kinds : list
        The kind of number of each column (see `KINDS`): ``None``, a kind, or a list of kinds
        (or ``None``) with one entry per row; empty when no column has a kind.
    sheet : str or None
        Title of the table's sheet in the report's language; ``None`` uses ``name``.
    """

    name: str
    caption: str | None
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    kinds: list[Any] = field(default_factory=list)
    sheet: str | None = None

    def to_frame(self):
        """Return the table as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)

    def kind(self, row: int, column: int) -> str | None:
        """The kind of number of one cell.

        Parameters
        ----------
        row, column : int
            Positions in `rows` and `columns` (from 0).

        Returns
        -------
        str or None
            One of `KINDS`, or ``None`` (no number format).
        """
        if column >= len(self.kinds):
            return None
        kind = self.kinds[column]
        if isinstance(kind, list):
            return kind[row] if row < len(kind) else None
        return kind


def check_kinds(kinds: dict, columns, n_rows: int) -> None:
    """Check the kinds of number given for a table's columns.

    Parameters
    ----------
    kinds : dict
        Column -> one of `KINDS` (or ``None``: no kind), or a list of kinds (or ``None``) with
        one entry per row.
    columns : sequence
        The table's columns.
    n_rows : int
        The table's number of rows.

    Raises
    ------
    ValueError
        A column that is not in the table, a kind that is not one of `KINDS`, or a list of
        kinds whose length is not the number of rows.
    """
    known = list(columns)
    for column, kind in kinds.items():
        if column not in known:
            raise ValueError(f"kinds: no column {column!r} in the table")
        per_row = isinstance(kind, list | tuple)
        if per_row and len(kind) != n_rows:
            raise ValueError(f"kinds of column {column!r}: {len(kind)} kinds for {n_rows} rows")
        bad = sorted({repr(k) for k in (kind if per_row else [kind]) if k not in (None, *KINDS)})
        if bad:
            raise ValueError(
                f"kinds of column {column!r}: unknown kind {', '.join(bad)}"
                f" (known: {', '.join(KINDS)})"
            )


def _table_payload(
    df, name: str, caption: str | None, index: bool, kinds: dict, sheet: str | None
) -> dict:
    """JSON payload of a DataFrame (see `TABLE_MIME`); index columns have no kind."""
    frame = df.reset_index() if index else df
    n_index = frame.shape[1] - df.shape[1]
    per_column = [None] * n_index + [kinds.get(c) for c in df.columns]
    per_column = [list(k) if isinstance(k, tuple) else k for k in per_column]
    columns = [
        " / ".join(str(level) for level in col if str(level) != "")
        if isinstance(col, tuple)
        else str(col)
        for col in frame.columns
    ]
    split = json.loads(
        frame.to_json(orient="split", index=False, date_format="iso", default_handler=str)
    )
    payload = {"name": name, "caption": caption, "columns": columns, "rows": split["data"]}
    if sheet is not None:
        payload["sheet"] = sheet
    if any(k is not None for k in per_column):
        payload["kinds"] = per_column
    return payload


def report_table(
    data,
    name: str,
    caption: str | None = None,
    *,
    index: bool | None = None,
    kinds: dict | None = None,
    sheet: str | None = None,
):
    """Show a report table in the notebook and register it for the Excel export.

    Parameters
    ----------
    data : pandas.DataFrame or pandas.io.formats.style.Styler
        The table. A Styler controls the HTML look; its underlying data goes to Excel.
    name : str
        Short unique name of the table within the report (the sheet name in Excel).
    caption : str, optional
        Title shown above the table (and in the sheet's first row).
    index : bool, optional
        Whether to show the index as columns; by default only a non-default index is shown.
    kinds : dict, optional
        The kind of number of columns of the table (as the DataFrame names them): one of
        `KINDS`, or a list with one kind (or ``None``) per row; the Excel writer formats them.
        Other columns are written as they are (text, years).
    sheet : str, optional
        Title of the table's sheet in the report's language (``name`` when not given).

    Returns
    -------
    None
        The table is displayed (``display_data`` with ``text/html``, ``text/plain`` and
        `TABLE_MIME`).

    Raises
    ------
    ValueError
        Kinds that do not fit the table (see `check_kinds`).
    """
    import pandas as pd
    from IPython.display import display

    styler = None
    if isinstance(data, pd.DataFrame):
        df = data
    elif hasattr(data, "data") and hasattr(data, "to_html"):
        styler, df = data, data.data
    else:
        raise TypeError("report_table expects a pandas DataFrame or Styler")
    kinds = kinds or {}
    check_kinds(kinds, df.columns, len(df))
    if index is None:
        index = not (
            isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1
        )
    if styler is not None:
        styler.set_uuid(re.sub(r"[^A-Za-z0-9]", "_", name))
        if not index:
            styler = styler.hide(axis="index")
        table_html = styler.to_html()
    else:
        table_html = df.to_html(
            index=index, border=0, classes="report-table", na_rep="–", escape=True
        )
    cap = f"<figcaption>{html_lib.escape(caption)}</figcaption>" if caption else ""
    bundle = {
        # a table wider than a phone scrolls inside its figure: keyboard-reachable, named region
        "text/html": (
            f'<figure class="report-table-figure" role="region" tabindex="0" '
            f'aria-label="{html_lib.escape(caption or name)}">{cap}{table_html}</figure>'
        ),
        "text/plain": (caption + "\n" if caption else "") + df.to_string(),
        TABLE_MIME: _table_payload(df, name, caption, index, kinds, sheet),
    }
    display(bundle, raw=True)
