"""How a report section shows things in the notebook: headings, paragraphs, notes, charts, tables.

Every helper displays HTML through IPython (``display_data`` outputs, which the exported report
keeps); text from the data is always escaped. Tables go through
`analysis.report.tables.report_table`, so they also reach the report's Excel file; `styled`
gives the same formatted table (a pandas Styler) for any DataFrame.

The styles travel with the output. The HTML report styles its outputs with its own style sheet
(``build/templates/report.css``); a notebook front end (JupyterLab, Notebook 7, the classic
notebook) has none of it. So each output that needs a look of its own (headline cards, notes,
narrative, charts, tables) carries a compact ``<style>`` block (`notebook_css`) whose rules are
scoped to the front ends' output containers (``.jp-RenderedHTMLCommon``, ``.rendered_html``):
they give the output the report's look inside JupyterLab and match nothing in the HTML report
or the PDF, whose look stays the style sheet's. Two rules hold everywhere, inside the table's
own styles: text columns are left-aligned and, on a screen, status words never break.
"""

from __future__ import annotations

import html
import re

import pandas as pd
from pandas.io.formats.style import Styler

from analysis import charts
from analysis.core.i18n import label, labels
from analysis.core.numbers import format_number, format_percent, format_points, format_signed

#: Where notebook front ends put an HTML output: JupyterLab and Notebook 7
#: (``.jp-RenderedHTMLCommon``), the classic notebook (``.rendered_html``). The HTML report has
#: neither class, so rules under it never apply there.
FRONT_END = ":is(.jp-RenderedHTMLCommon,.rendered_html)"

#: The report's look (``report.css``) of each kind of output, for notebook front ends: the
#: class that marks an output of that kind, and its rules (selector, declarations).
_LOOKS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "headline": (
        "headline",
        [
            (".headline", "display:flex;flex-wrap:wrap;gap:.6rem;margin:.8rem 0"),
            (".headline .card", "flex:1 1 9rem;border:1px solid #d5dbe1;"
             "border-top:4px solid #0d5c8c;background:#f3f6f8;padding:.5rem .7rem"),
            (".card-label", "font-size:.85rem;color:#5b6673"),
            (".card-value", "font-size:1.5rem;font-weight:bold;color:#1d2733;"
             "font-variant-numeric:tabular-nums"),
            (".card-sub", "font-size:.9rem"),
        ],
    ),
    "banner": (
        "banner",
        [(".banner", "background:#fff4e0;border-left:4px solid #e69f00;padding:.5em .8em;"
          "font-weight:bold")],
    ),
    "narrative": ("narrative", [(".narrative p", "margin:.5em 0;max-width:60rem")]),
    "note": ("note", [("p.note", "color:#5b6673;font-size:.88rem;margin:.4em 0")]),
    "chart": (
        "chart",
        [
            ("figure.chart", "margin:1rem 0"),
            # the chart scales to the column: its text (the source note too) grows with it
            ("figure.chart svg", "display:block;width:100%;max-width:100%;height:auto"),
        ],
    ),
    # status chips (the first page's verdicts): coloured, never broken
    "chip": (
        "chip",
        [
            (".chip", "display:inline-block;padding:.05em .55em;border-radius:.7em;"
             "font-weight:bold;white-space:nowrap"),
            (".chip-good", "background:#d8efe2;color:#0b5d33"),
            (".chip-watch", "background:#fdeec8;color:#6e4500"),
            (".chip-bad", "background:#f9dcd5;color:#8f1d0c"),
            (".chip-none", "background:#e7eaee;color:#3d4650"),
        ],
    ),
    # the first page's own tables and layout (plain HTML tables, not report tables)
    "first_page": (
        "first-page",
        [
            (".first-page table", "border-collapse:collapse;margin:.6rem 0;font-size:.85rem;"
             "table-layout:auto;width:100%"),
            (".first-page th, .first-page td", "border:1px solid #d5dbe1;padding:.25em .6em;"
             "vertical-align:top;text-align:left"),
            (".first-page thead th", "background:#f3f6f8"),
            (".first-page .fp-heading", "font-weight:bold;color:#0d5c8c;margin:.9em 0 .3em"),
            (".first-page .fp-top", "display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start"),
            (".first-page .fp-top .fp-sentences", "flex:1 1 16rem"),
            (".first-page .fp-top figure.fp-chart", "flex:1 1 22rem;margin:.3rem 0"),
        ],
    ),
    "table": (
        "bpwb-table",
        [
            ("figure.report-table-figure", "overflow:auto;margin:1rem 0"),
            ("figure.report-table-figure figcaption", "font-weight:bold;margin:.4em 0"),
            ("table.bpwb-table", "border-collapse:collapse;margin:.8rem 0;font-size:.9rem;"
             "table-layout:auto;color:#1d2733"),
            ("table.bpwb-table th, table.bpwb-table td", "border:1px solid #d5dbe1;"
             "padding:.25em .6em;vertical-align:top;text-align:right;"
             "font-variant-numeric:tabular-nums"),
            ("table.bpwb-table thead th", "background:#f3f6f8;text-align:left"),
            ("table.bpwb-table tbody tr:nth-child(even) td", "background:#fafbfc"),
            ("table.bpwb-table td:first-child, table.bpwb-table th:first-child",
             "text-align:left"),
        ],
    ),
}  # fmt: skip


def notebook_css(*kinds: str) -> str:
    """The ``<style>`` block that gives outputs the report's look in a notebook front end.

    Parameters
    ----------
    *kinds : str
        Kinds of output (``"headline"``, ``"banner"``, ``"narrative"``, ``"note"``,
        ``"chart"``, ``"chip"``, ``"first_page"``, ``"table"``); none: every kind.

    Returns
    -------
    str
        One ``<style>`` element; every selector starts with `FRONT_END`, so the rules apply in
        JupyterLab and the classic notebook and nowhere in the HTML report.

    Raises
    ------
    ValueError
        An unknown kind.
    """
    unknown = sorted(set(kinds) - set(_LOOKS))
    if unknown:
        raise ValueError(
            f"unknown kind of output {', '.join(unknown)} (known: {', '.join(_LOOKS)})"
        )
    rules = []
    for kind in kinds or tuple(_LOOKS):
        for selector, declarations in _LOOKS[kind][1]:
            scoped = ",".join(f"{FRONT_END} {part.strip()}" for part in selector.split(","))
            rules.append(f"{scoped}{{{declarations}}}")
    return "<style>" + "".join(rules) + "</style>"


def _kinds_in(markup: str) -> list[str]:
    """The kinds of output whose marking class the markup uses."""
    classes = {c for value in re.findall(r'class="([^"]*)"', markup) for c in value.split()}
    return [kind for kind, (marker, _) in _LOOKS.items() if marker in classes]


def show_html(markup: str) -> None:
    """Display a piece of HTML as a notebook output, with the styles it needs in a notebook.

    Parameters
    ----------
    markup : str
        HTML, already escaped by the caller where it holds text. When it uses the classes of
        the report's look (headline cards, banner, narrative, note, chart, status chips, the
        first page), the output starts with their `notebook_css`.
    """
    from IPython.display import HTML, display

    kinds = _kinds_in(markup)
    display(HTML((notebook_css(*kinds) if kinds else "") + markup))


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
    show_html(figure_html(fig))


def figure_html(fig) -> str:
    """A chart as the reports show it: inline SVG in ``<figure class="chart">`` with its text
    alternative (``fig.alt_text``) as the ARIA label.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A chart of `analysis.charts`.

    Returns
    -------
    str
    """
    svg = charts.figure_to_svg(fig)
    svg = svg[svg.index("<svg") :]
    alt = html.escape(getattr(fig, "alt_text", "") or "")
    return f'<figure class="chart"><div role="img" aria-label="{alt}">{svg}</div></figure>'


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
    styler = styled(df, formats, ctx.lang, headers=headers, row_kinds=row_kinds)
    kinds = {headers[c]: kind for c, kind in formats.items() if c in headers}  # for Excel
    groups = [] if row_kinds is None else row_kinds if isinstance(row_kinds, list) else [row_kinds]
    for columns, kinds_of_rows in groups:
        kinds |= {headers[c]: list(kinds_of_rows) for c in columns}
    caption = label(caption_key, ctx.lang)
    if ctx.data.synthetic:  # every table (and Excel sheet) made from synthetic data says so
        caption = f"{caption} — {label('source.synthetic', ctx.lang)}"
    sheet = label(f"sheet.{name}", ctx.lang) if f"sheet.{name}" in labels() else None
    report_table(styler, name, caption, kinds=kinds, sheet=sheet)


class NotebookStyler(Styler):
    """A pandas Styler whose HTML starts with the table's look in a notebook front end
    (`notebook_css` ``"table"``); the HTML report ignores that block (see the module)."""

    def to_html(self, *args, **kwargs):
        """`pandas.io.formats.style.Styler.to_html`, the notebook look first (when it returns
        the HTML as a string)."""
        out = super().to_html(*args, **kwargs)
        return notebook_css("table") + _SCREEN_CSS + out if isinstance(out, str) else out


#: Status words never break on a screen (notebook or HTML report); on paper (the PDF) they may,
#: as the print layout decides.
_SCREEN_CSS = "<style>@media screen{table.bpwb-table td.status{white-space:nowrap}}</style>"


def styled(
    frame: pd.DataFrame,
    kinds: dict | None = None,
    lang: str = "vi",
    *,
    headers: dict | None = None,
    row_kinds: tuple[list[str], list[str]] | list | None = None,
) -> NotebookStyler:
    """A table as the reports show it: localised headers, the reports' number formats, no index.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (e.g. what a section's data function returns), with the columns to show.
    kinds : dict, optional
        Maps a column to its kind of number (see `formatter`); other columns are shown as they
        are (text, years).
    lang : {"vi", "en"}
        Language of the numbers and of the headers.
    headers : dict, optional
        Header text of columns; by default the label ``col.<column>`` (``locale/labels.csv``),
        or the column's own name when there is no such label.
    row_kinds : tuple of (list of str, list of str), or a list of such tuples, optional
        (columns, kind per row), for columns whose rows hold different units (see `table`).

    Returns
    -------
    NotebookStyler
        A missing value is written "–", never ``<NA>`` or ``nan``; text is escaped; columns of
        words are left-aligned (in the notebook and in the report alike); the cells of a
        ``status`` column have the class ``status``, whose words never break on a screen; the table carries the class ``bpwb-table`` and its look for
        notebook front ends.
    """
    kinds = kinds or {}
    given = headers or {}
    known = labels()
    names = {
        c: given[c] if c in given else label(f"col.{c}", lang) if f"col.{c}" in known else str(c)
        for c in frame.columns
    }
    shown = frame.reset_index(drop=True).rename(columns=names)
    styler = NotebookStyler(shown)
    fmt = {names[c]: formatter(kind, lang) for c, kind in kinds.items() if c in names}
    styler = styler.format(fmt, na_rep="–", escape="html")
    groups = [] if row_kinds is None else row_kinds if isinstance(row_kinds, list) else [row_kinds]
    numeric = set(kinds)
    for columns, kinds_of_rows in groups:
        numeric |= set(columns)
        for kind in sorted(set(kinds_of_rows)):
            rows = [i for i, k in enumerate(kinds_of_rows) if k == kind]
            subset = pd.IndexSlice[rows, [names[c] for c in columns]]
            styler = styler.format(formatter(kind, lang), subset=subset, na_rep="–")
    styler = styler.format_index(escape="html", axis=1).format_index(escape="html", axis=0)
    rules = []
    for i, column in enumerate(frame.columns):
        values = frame[column]
        if (
            column not in numeric
            and not pd.api.types.is_numeric_dtype(values)
            and (values.dropna().astype(str).str.contains(r"[^\W\d_]", regex=True).any())
        ):  # words (names, statuses, reasons), not numbers written as text ("1.234–2.345")
            rules.append({"selector": f"td.col{i}", "props": "text-align: left;"})
    if "status" in frame.columns:  # status words unbroken on screen (`_SCREEN_CSS`)
        classes = pd.DataFrame({names["status"]: "status"}, index=shown.index)
        styler = styler.set_td_classes(classes)
    return (
        styler.set_table_styles(rules, overwrite=False)
        .set_table_attributes('class="bpwb-table"')
        .hide(axis="index")
    )


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
