"""Report tables: the convention that carries each table of a report to its Excel workbook.

A notebook shows each report table with ``report_table(df, "name", "caption")``. That one call
displays the table (HTML, for the HTML/PDF report) and attaches the data to the same output under
the MIME type `TABLE_MIME` (``application/vnd.bpwb.table+json``). Renderers that do not know the
type ignore it; ``analysis.build.xlsx_report.notebook_tables`` reads the tables back from an
executed notebook as `ReportTable` objects.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass, field
from typing import Any

#: MIME type of the table payload attached by `report_table`.
TABLE_MIME = "application/vnd.bpwb.table+json"


# -- report tables (the xlsx convention) ---------------------------------------------------------
@dataclass
class ReportTable:
    """A table registered by `report_table` and read back by `notebook_tables`.

    Attributes
    ----------
    name : str
        Short name (becomes the sheet name).
    caption : str or None
        Title shown above the table.
    columns : list of str
        Column labels (index levels first when the index was shown).
    rows : list of list
        Cell values (numbers, text, ``None`` for missing).
    """

    name: str
    caption: str | None
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def to_frame(self):
        """Return the table as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)


def _table_payload(df, name: str, caption: str | None, index: bool) -> dict:
    """JSON payload of a DataFrame (see `TABLE_MIME`)."""
    frame = df.reset_index() if index else df
    columns = [
        " / ".join(str(level) for level in col if str(level) != "")
        if isinstance(col, tuple)
        else str(col)
        for col in frame.columns
    ]
    split = json.loads(
        frame.to_json(orient="split", index=False, date_format="iso", default_handler=str)
    )
    return {"name": name, "caption": caption, "columns": columns, "rows": split["data"]}


def report_table(data, name: str, caption: str | None = None, *, index: bool | None = None):
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

    Returns
    -------
    None
        The table is displayed (``display_data`` with ``text/html``, ``text/plain`` and
        `TABLE_MIME`).
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
        "text/html": f'<figure class="report-table-figure">{cap}{table_html}</figure>',
        "text/plain": (caption + "\n" if caption else "") + df.to_string(),
        TABLE_MIME: _table_payload(df, name, caption, index),
    }
    display(bundle, raw=True)
