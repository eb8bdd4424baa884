"""Exploration in JupyterLab: the views of ``notebooks/explore.ipynb`` and the controls that
change them.

Every view is a function of the report context that returns a `View`: HTML that a notebook
displays as it is (with the styles it needs, see `analysis.report.display`), and the table
behind it. The controls (`controls`: area, year, indicator, language as ipywidgets drop-downs)
call one library function, `update`, with the chosen values; tests call `update` and the views
directly, without a browser.

Areas are shown by name (the district's name with its diacritics), never by code; numbers are
written as in the reports (`analysis.report.display.styled`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from analysis import charts
from analysis.core.errors import WorkbookError
from analysis.core.i18n import label, labels, standard_label
from analysis.report import context
from analysis.report.context import PROVINCE, ReportContext, shown_rates
from analysis.report.display import figure_html, notebook_css, styled
from analysis.report.overview_data import league_data
from analysis.report.section_data import deprivations_data, headline_data, province_rows

#: What districts can be compared on (columns of `analysis.report.overview_data.league_data`)
#: and the kind of number of each (`analysis.report.display.formatter`).
COMPARE_KINDS = {
    "rate": "rate",
    "poor": "count",
    "near_poor": "count",
    "em_rate": "rate",
    "reduction": "count",
    "total": "count",
}

#: How the ranking chart writes each kind of number.
_CHART_FORMAT = {"rate": "percent", "count": "number", "points": "points"}

#: The province's own value of the indicators that have one on the chart (a reference line).
_PROVINCE_RATE = {"rate": "poverty_rate", "em_rate": "em_poverty_rate"}

#: Kinds of number of the columns of the sections' data frames, for `table`.
COLUMN_KINDS = {
    "poor": "count",
    "near_poor": "count",
    "total": "count",
    "start": "count",
    "escaped": "count",
    "repoverty": "count",
    "new": "count",
    "end": "count",
    "other": "signed",
    "reduction": "count",
    "poverty_rate": "rate",
    "near_poverty_rate": "rate",
    "em_poverty_rate": "rate",
    "non_em_poverty_rate": "rate",
    "rate": "rate",
    "em_rate": "rate",
    "share_area": "rate",
    "share_province": "rate",
    "contribution_area": "rate",
    "contribution_province": "rate",
    "gap": "points",
    "change_points": "points",
    "H": "rate",
    "A": "rate",
    "M0": "index",
    "health_insurance": "rate",
    "credit": "rate",
    "training": "rate",
    "escape_rate": "rate",
    "repoverty_rate": "rate",
    "new_poverty_rate": "rate",
    "achieved": "count",
    "required": "count",
    "target_value": "count",
    "still_needed": "count",
    "poor_left": "count",
}


@dataclass(frozen=True, eq=False)
class View:
    """What a view shows: HTML for the notebook, and the table behind it.

    Attributes
    ----------
    html : str
        The view as HTML (escaped text, the styles it needs in a notebook front end).
    table : pandas.DataFrame or None
        The numbers shown (``None`` when the view only says something).
    """

    html: str
    table: pd.DataFrame | None = None

    def _repr_html_(self) -> str:
        return self.html


def table(frame: pd.DataFrame, lang: str = "vi", kinds: dict | None = None):
    """Any table of the sections' data functions, written as the reports write it.

    Parameters
    ----------
    frame : pandas.DataFrame
        E.g. ``sections.trends_data(ctx)`` or ``sections.flows_data(ctx).counts``.
    lang : {"vi", "en"}
    kinds : dict, optional
        Kinds of number of columns (`analysis.report.display.formatter`); by default those of
        `COLUMN_KINDS` for the columns it knows, two decimals for other columns of decimal
        numbers. A ``standard`` column is named in words.

    Returns
    -------
    pandas.io.formats.style.Styler
        See `analysis.report.display.styled`; a column is headed by its label ``col.<name>``,
        or ``series.<name>``, or its name.
    """
    if kinds is None:
        kinds = {
            c: COLUMN_KINDS.get(c, "ratio")
            for c in frame.columns
            if c in COLUMN_KINDS or pd.api.types.is_float_dtype(frame[c])
        }
    if "standard" in frame.columns:
        frame = frame.assign(
            standard=[
                standard_label(c, lang) if isinstance(c, str) else c for c in frame["standard"]
            ]
        )
    known = labels()
    headers = {
        c: label(f"series.{c}", lang)
        for c in frame.columns
        if f"col.{c}" not in known and f"series.{c}" in known
    }
    return styled(frame, kinds, lang, headers=headers)


# --------------------------------------------------------------------------------------------
# Compare districts
# --------------------------------------------------------------------------------------------
def _check_indicator(indicator: str, lang: str) -> str:
    if indicator not in COMPARE_KINDS:
        raise WorkbookError(
            label("explore.unknown_indicator", lang, indicator=indicator,
                  choices=", ".join(COMPARE_KINDS))
        )  # fmt: skip
    return indicator


def compare_data(ctx: ReportContext, indicator: str = "rate") -> pd.DataFrame:
    """One indicator of every district in the report's year, highest first.

    Parameters
    ----------
    ctx : ReportContext
    indicator : str
        One of `COMPARE_KINDS`: ``rate`` (poverty rate), ``poor``, ``near_poor`` (households),
        ``em_rate`` (ethnic-minority poverty rate), ``reduction`` (fall in poor households in
        the year), ``total`` (households).

    Returns
    -------
    pandas.DataFrame
        ``district`` (name, with its diacritics) and the indicator's column; a rate on too few
        households is missing, as in the report.

    Raises
    ------
    WorkbookError
        An indicator that is not one of `COMPARE_KINDS`.
    """
    _check_indicator(indicator, ctx.lang)
    league = league_data(ctx)
    frame = league[["district", indicator]].sort_values(
        indicator, ascending=False, na_position="last", kind="stable"
    )
    return frame.reset_index(drop=True)


def compare_districts(ctx: ReportContext, indicator: str = "rate") -> View:
    """Every district on one indicator: a ranking chart (the report's area highlighted) and
    the table behind it (`compare_data`).

    Parameters
    ----------
    ctx : ReportContext
    indicator : str
        One of `COMPARE_KINDS`.

    Returns
    -------
    View
    """
    data = compare_data(ctx, indicator)
    kind = COMPARE_KINDS[indicator]
    name = label(f"col.{indicator}", ctx.lang)
    title = label("explore.compare_title", ctx.lang, year=ctx.year, indicator=name)
    reference = None
    if indicator in _PROVINCE_RATE:
        rates = shown_rates(ctx, province_rows(ctx))
        reference = float(rates[_PROVINCE_RATE[indicator]].iloc[0])
    highlight = data["district"] == _bare_name(ctx)
    fig = charts.rank_chart(
        data.rename(columns={indicator: "rate"}).assign(highlight=highlight.to_numpy()),
        ctx.lang,
        ctx.source,
        ctx.data.synthetic,
        province_rate=reference,
        title=title,
        value_label=name,
        value_format=_CHART_FORMAT[kind],
    )
    markup = (
        notebook_css("chart")
        + figure_html(fig)
        + styled(data, {indicator: kind}, ctx.lang).to_html()
    )
    return View(html=markup, table=data)


def _bare_name(ctx: ReportContext) -> str | None:
    """The district's name as tables of districts write it (``None`` for the province)."""
    if ctx.level == PROVINCE:
        return None
    return str(ctx.geography.districts.set_index("district_code").loc[ctx.area_code, "bare_name"])


# --------------------------------------------------------------------------------------------
# The chosen area
# --------------------------------------------------------------------------------------------
def key_figures(ctx: ReportContext) -> View:
    """The area's headline figures in a table: poor, near-poor and ethnic-minority poor
    households with their rates, the change since the previous review, this year's target
    (`analysis.report.section_data.headline_data`).

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    View
    """
    figures = headline_data(ctx).figures
    names = {"change": "card.change", "year_target": "card.year_target"}
    count_kind = {"change": "signed"}
    percent_kind = {"change": "points"}
    shown = pd.DataFrame(
        {
            "item": [label(names.get(f, f"table.{f}"), ctx.lang) for f in figures["figure"]],
            "households": figures["households"].to_numpy(float),
            "percent": figures["percent"].to_numpy(float),
        }
    )
    headers = {
        "item": label("col.item", ctx.lang),
        "households": label("explore.households", ctx.lang),
        "percent": label("explore.percent", ctx.lang),
    }
    styler = styled(
        shown,
        lang=ctx.lang,
        headers=headers,
        row_kinds=[
            (["households"], [count_kind.get(f, "count") for f in figures["figure"]]),
            (["percent"], [percent_kind.get(f, "rate") for f in figures["figure"]]),
        ],
    )
    title = label("explore.figures", ctx.lang)
    return View(html=f"<h3>{html.escape(title)}</h3>" + styler.to_html(), table=figures)


def alkire_foster(ctx: ReportContext) -> View:
    """H, A and M0 of the chosen area (and the province), or one sentence saying why there are
    none: the data are a summary only, or hold no household records for the year.

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    View
        The table of `analysis.report.section_data.Deprivations.alkire_foster`, or a note.
    """
    title = f"<h3>{html.escape(label('explore.alkire_foster', ctx.lang))}</h3>"
    af = deprivations_data(ctx).alkire_foster
    if af is None:
        key = (
            "explore.no_households" if ctx.data.households is None else "explore.no_households_year"
        )
        text = label(key, ctx.lang, area=ctx.area_name, year=ctx.year)
        return View(html=title + notebook_css("note") + f'<p class="note">{html.escape(text)}</p>')
    kinds = {"H": "rate", "A": "rate", "M0": "index"}
    return View(html=title + styled(af, kinds, ctx.lang).to_html(), table=af)


# --------------------------------------------------------------------------------------------
# Controls
# --------------------------------------------------------------------------------------------
def update(
    area: str,
    year: int,
    indicator: str = "rate",
    lang: str = "vi",
    data_source: str = "",
    min_households: int = 50,
) -> View:
    """What the controls show for their values: the area's key figures, every district on the
    indicator, and the area's Alkire-Foster measures (the callback of `controls`).

    Parameters
    ----------
    area : str
        ``"province"`` or a district name or code.
    year : int
        Review year (0: the latest).
    indicator : str
        One of `COMPARE_KINDS`.
    lang : {"vi", "en"}
    data_source : str
        Data file; empty for the bundled synthetic data.
    min_households : int
        Rates on fewer households are not shown.

    Returns
    -------
    View
        Its table is the comparison of districts (`compare_data`).
    """
    ctx = context.load(area, int(year), lang, data_source, min_households)
    compared = compare_districts(ctx, indicator)
    heading = label("explore.title", lang, area=ctx.area_name, year=ctx.year)
    markup = (
        f"<h2>{html.escape(heading)}</h2>"
        + key_figures(ctx).html
        + compared.html
        + alkire_foster(ctx).html
    )
    return View(html=markup, table=compared.table)


def area_options(ctx: ReportContext, lang: str | None = None) -> list[tuple[str, str]]:
    """The areas to choose from: the province, then every district by name.

    Parameters
    ----------
    ctx : ReportContext
    lang : {"vi", "en"}, optional
        Language of the names (the context's by default).

    Returns
    -------
    list of (str, str)
        (name shown, value passed to `update`): the value is ``"province"`` or a district code.
    """
    geo = ctx.geography
    districts = geo.districts.sort_values("bare_name")
    return [(label("area.province", lang or ctx.lang), PROVINCE)] + [
        (str(n), str(c))
        for n, c in zip(districts["bare_name"], districts["district_code"], strict=True)
    ]


def indicator_options(lang: str) -> list[tuple[str, str]]:
    """The indicators to compare districts on, by name (see `COMPARE_KINDS`).

    Returns
    -------
    list of (str, str)
        (name shown, value passed to `update`).
    """
    return [(label(f"col.{key}", lang), key) for key in COMPARE_KINDS]


def year_options(ctx: ReportContext) -> list[int]:
    """The review years of the data, oldest first."""
    return sorted(int(y) for y in ctx.summary["year"].unique())


def _show(**values) -> None:
    """Display `update` of the values (inside the controls' output area)."""
    from IPython.display import display

    display(update(**values))


def controls(ctx: ReportContext, indicator: str = "rate"):
    """Drop-downs for the area, the year, the indicator and the language, and the view they
    choose (`update`), starting from the report context's values.

    Parameters
    ----------
    ctx : ReportContext
        Its area, year, language, data source and minimum number of households are the start.
    indicator : str
        One of `COMPARE_KINDS`.

    Returns
    -------
    ipywidgets.VBox
        The drop-downs above the view; every change calls `update` again. The labels of the
        drop-downs follow the chosen language.
    """
    import ipywidgets as widgets

    lang = ctx.lang
    _check_indicator(indicator, lang)
    area = PROVINCE if ctx.level == PROVINCE else ctx.area_code
    boxes = {
        "area": widgets.Dropdown(options=area_options(ctx), value=area),
        "year": widgets.Dropdown(options=year_options(ctx), value=ctx.year),
        "indicator": widgets.Dropdown(options=indicator_options(lang), value=indicator),
        "lang": widgets.Dropdown(
            options=[(label(f"explore.lang_{k}", lang), k) for k in ("vi", "en")], value=lang
        ),
    }
    relabelling = []  # not empty while the drop-downs are renamed: no view in between

    def callback(**values):
        if not relabelling:
            _show(
                data_source=ctx.params.get("data_source", ""),
                min_households=ctx.min_households,
                **values,
            )

    def rename(change):
        relabelling.append(True)
        try:
            _relabel(boxes, ctx, change["new"])
        finally:
            relabelling.clear()

    _relabel(boxes, ctx, lang)
    boxes["lang"].observe(rename, names="value")  # before the view's own observer: first
    shown = widgets.interactive_output(callback, boxes)
    return widgets.VBox([widgets.HBox(list(boxes.values())), shown])


def _relabel(boxes: dict, ctx: ReportContext, lang: str) -> None:
    """Names of the drop-downs and of their choices in ``lang`` (the values stay)."""
    for key, box in boxes.items():
        box.description = label(f"explore.{key}", lang)
    names = {
        "area": area_options(ctx, lang),
        "indicator": indicator_options(lang),
    }
    for key, options in names.items():
        box = boxes[key]
        if list(box.options) != options:
            value = box.value
            with box.hold_sync():  # the browser gets the new choices and the value at once
                box.options = options  # selects the first choice: the value is set back
                box.value = value
