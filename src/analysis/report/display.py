"""How a report section shows things in the notebook: headings, paragraphs, notes, charts, tables.

Every helper displays HTML through IPython (``display_data`` outputs, which the exported report
keeps); text from the data is always escaped. Tables go through
`analysis.report.tables.report_table`, so they also reach the report's Excel file.
"""

from __future__ import annotations

import html

import pandas as pd

from analysis import charts
from analysis.core.i18n import label, labels
from analysis.core.numbers import format_number, format_percent, format_points, format_signed


def show_html(markup: str) -> None:
    """Display a piece of HTML as a notebook output.

    Parameters
    ----------
    markup : str
        HTML, already escaped by the caller where it holds text.
    """
    from IPython.display import HTML, display

    display(HTML(markup))


def heading(ctx, key: str) -> None:
    """Display a section heading.

    Parameters
    ----------
    ctx : analysis.report.context.ReportContext
        The report (its language).
    key : str
        Label key of the heading (``locale/labels.csv``).
    """
    show_html(f"<h2>{html.escape(label(key, ctx.lang))}</h2>")


def paragraphs(texts: list[str]) -> None:
    """Display narrative paragraphs (empty texts skipped; nothing when all are empty).

    Parameters
    ----------
    texts : list of str
        Plain text, escaped here.
    """
    body = "".join(f"<p>{html.escape(t)}</p>" for t in texts if t)
    if body:
        show_html(f'<div class="narrative">{body}</div>')


def figure(fig) -> None:
    """Display a chart as inline SVG with its text alternative (``fig.alt_text``).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A chart of `analysis.charts`.
    """
    svg = charts.figure_to_svg(fig)
    svg = svg[svg.index("<svg") :]
    alt = html.escape(getattr(fig, "alt_text", "") or "")
    show_html(f'<figure class="chart"><div role="img" aria-label="{alt}">{svg}</div></figure>')


def note(ctx, text: str) -> None:
    """Display a note (small print under a chart or table).

    Parameters
    ----------
    ctx : analysis.report.context.ReportContext
        The report.
    text : str
        Plain text, escaped here.
    """
    show_html(f'<p class="note">{html.escape(text)}</p>')


def table(
    ctx,
    df: pd.DataFrame,
    name: str,
    caption_key: str,
    formats: dict,
    row_kinds: tuple[list[str], list[str]] | list | None = None,
    headers: dict | None = None,
) -> None:
    """Show a table with localised headers and numbers; register it for Excel.

    Parameters
    ----------
    ctx : analysis.report.context.ReportContext
        The report (language; whether its data are synthetic).
    df : pandas.DataFrame
        The table; column ``c`` is headed by the label ``col.c``.
    name : str
        Short name of the table (the Excel sheet).
    caption_key : str
        Label key of the caption; a table made from synthetic data says so in its caption.
    formats : dict
        Maps a column to its kind of number (see `formatter`).
    row_kinds : tuple of (list of str, list of str), or a list of such tuples, optional
        (columns, kind per row): formats those columns row by row instead, for tables whose
        rows hold different units (households, percentages, points); several groups of
        columns may each have their own kinds.
    headers : dict, optional
        Header texts for columns that are not labels (e.g. district names).

    Notes
    -----
    The kinds of number (``formats``, then ``row_kinds``) also go to the Excel workbook with the
    table (`analysis.report.tables.report_table`), as does the sheet title: the label
    ``sheet.<name>``, or ``name`` for a table without one (every table of the reports has one).
    """
    from analysis.report.tables import report_table

    given = headers or {}
    headers = {c: given[c] if c in given else label(f"col.{c}", ctx.lang) for c in df.columns}
    shown = df.reset_index(drop=True).rename(columns=headers)
    fmt = {headers[c]: formatter(kind, ctx.lang) for c, kind in formats.items() if c in headers}
    styler = shown.style.format(fmt, na_rep="–", escape="html")
    kinds = {headers[c]: kind for c, kind in formats.items() if c in headers}  # for Excel
    groups = [] if row_kinds is None else row_kinds if isinstance(row_kinds, list) else [row_kinds]
    for columns, kinds_of_rows in groups:
        kinds |= {headers[c]: list(kinds_of_rows) for c in columns}
        for kind in sorted(set(kinds_of_rows)):
            rows = [i for i, k in enumerate(kinds_of_rows) if k == kind]
            subset = pd.IndexSlice[rows, [headers[c] for c in columns]]
            styler = styler.format(formatter(kind, ctx.lang), subset=subset, na_rep="–")
    styler = styler.format_index(escape="html", axis=1).format_index(escape="html", axis=0)
    caption = label(caption_key, ctx.lang)
    if ctx.data.synthetic:  # every table (and Excel sheet) made from synthetic data says so
        caption = f"{caption} — {label('source.synthetic', ctx.lang)}"
    sheet = label(f"sheet.{name}", ctx.lang) if f"sheet.{name}" in labels() else None
    report_table(styler, name, caption, kinds=kinds, sheet=sheet)


def formatter(kind: str, lang: str):
    """The function that writes one kind of number in a language.

    Parameters
    ----------
    kind : {"count", "rate", "points", "signed", "ratio", "index", "probability"}
        Whole households; a percentage; a change in percentage points; a change with its sign;
        a number with two decimals; a small index with four decimals; a probability (a fraction) as a whole percent ("3%",
        "<1%", ">99%").
    lang : {"vi", "en"}

    Returns
    -------
    callable
        ``value -> str`` (an en dash for a missing value).
    """
    f = _formatter(kind, lang)
    return lambda v: f(0.0 if v == 0 else v)  # no "-0"


def _formatter(kind: str, lang: str):
    if kind == "count":
        return lambda v: format_number(v, lang)
    if kind == "rate":
        return lambda v: format_percent(v, lang)
    if kind == "points":
        return lambda v: format_points(v, lang)
    if kind == "signed":
        return lambda v: format_signed(v, lang)
    if kind == "ratio":
        return lambda v: format_number(v, lang, 2)
    if kind == "index":  # small indices (M0 = 0.0114): enough digits to tell areas apart
        return lambda v: format_number(v, lang, 4)
    if kind == "probability":
        from analysis.projection.verdicts import format_probability

        return lambda v: format_probability(v, lang)
    raise ValueError(f"unknown format kind {kind!r}")
