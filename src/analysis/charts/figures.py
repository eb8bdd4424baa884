"""Report charts: matplotlib Figures with titles, units, a source line and a text alternative.

Design rules every function follows:

* Figures are built with the object API (:class:`matplotlib.figure.Figure`), never pyplot, so
  nothing leaks from one report to the next; style is applied through ``rc_context``.
* Width is an A4 text column (16 cm); heights are a few centimetres.
* Every figure has a title, axis units, and a source line at the bottom
  (``"Nguồn: <source>. Dữ liệu mô phỏng."`` when ``synthetic=True``).
* Colours come from the Okabe-Ito colour-blind-safe palette and are never the only cue: series
  also differ by marker and line style, bars by hatching, special cases carry a text label.
* Numbers, including tick labels, are written the report language's way (``2.879``, ``1,03``).
* Every figure carries ``fig.alt_text``: a text alternative summarising the data in words, in the
  report language. :func:`figure_to_svg` also writes it into the SVG ``<desc>``.
* A series is never drawn as one line across a change of poverty standard (2022, 2027): each
  standard's years are a separate line, and the change is marked with a labelled vertical line.
* :func:`figure_to_svg` gives byte-identical output for identical input (fixed hash salt, no date).

Inputs are small, documented DataFrames (or dicts) prepared by the caller, not the raw summary
table. ``lang`` is ``"vi"`` (default) or ``"en"``; all words come from :mod:`analysis.i18n`.
"""

from __future__ import annotations

import codecs
import functools
import io
import json
import math
import textwrap
from collections.abc import Mapping
from pathlib import Path

import matplotlib as mpl
import matplotlib.cbook as cbook
import numpy as np
import pandas as pd
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
from matplotlib.colors import Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import blended_transform_factory

from analysis.core.i18n import (
    check_lang,
    dimension_name,
    dimension_order,
    indicator_name,
    is_indicator,
    label,
    standard_label,
)
from analysis.core.numbers import format_number, format_percent, format_signed
from analysis.reference.geography import Geography, UnknownAreaError
from analysis.reference.standards import StandardError, standard_for_year

CM = 1 / 2.54
PAGE_WIDTH_CM = 16.0

# Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
}
SEQUENTIAL_CMAP = "YlOrBr"  # ColorBrewer sequential, colour-blind safe; darker = higher
MISSING_COLOUR = "#DDDDDD"

# Series styles: colour + marker + line style, so that no series depends on colour alone.
SERIES_STYLE = {
    "poor": dict(color=OKABE_ITO["blue"], marker="o", linestyle="-"),
    "near_poor": dict(color=OKABE_ITO["orange"], marker="s", linestyle="--"),
    "escape": dict(color=OKABE_ITO["bluish_green"], marker="^", linestyle="-"),
    "repoverty": dict(color=OKABE_ITO["vermillion"], marker="v", linestyle="--"),
    "new": dict(color=OKABE_ITO["reddish_purple"], marker="D", linestyle=":"),
    "em": dict(color=OKABE_ITO["vermillion"], marker="o", linestyle="-"),
    "non_em": dict(color=OKABE_ITO["blue"], marker="s", linestyle="--"),
    "history": dict(color=OKABE_ITO["blue"], marker="o", linestyle="-"),
}
DIMENSION_STYLE = [
    (OKABE_ITO["blue"], ""),
    (OKABE_ITO["orange"], "//"),
    (OKABE_ITO["bluish_green"], ".."),
    (OKABE_ITO["reddish_purple"], "xx"),
    (OKABE_ITO["sky_blue"], "\\\\"),
    (OKABE_ITO["vermillion"], "++"),
    (OKABE_ITO["yellow"], "--"),
    (OKABE_ITO["grey"], "oo"),
]

SVG_HASH_SALT = "bpwb-charts"
STYLE = {
    "font.family": "DejaVu Sans",  # ships with matplotlib and covers Vietnamese
    "font.size": 8,
    "axes.titlesize": 8.5,
    "axes.labelsize": 7.5,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "figure.titlesize": 10,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.6,
    "lines.markersize": 4.5,
    "hatch.linewidth": 0.6,
    "svg.hashsalt": SVG_HASH_SALT,
    "svg.fonttype": "none",
    "figure.dpi": 100,
}

_SOURCE_FONT_SIZE = 6.5
_SOURCE_WRAP = 140


# ---------------------------------------------------------------------------------------------
# shared helpers
# ---------------------------------------------------------------------------------------------
def _styled(func):
    """Build the figure inside the package style, without touching global rcParams."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with mpl.rc_context(STYLE):
            return func(*args, **kwargs)

    return wrapper


def _auto_decimals(value: float) -> int:
    if not math.isfinite(value) or abs(value - round(value)) < 1e-9:
        return 0
    if abs(value * 10 - round(value * 10)) < 1e-6:
        return 1
    return 2


def number_formatter(lang: str = "vi", decimals: int | None = None) -> FuncFormatter:
    """Tick formatter writing numbers the language's way (``2.879``, ``0,5`` in Vietnamese).

    Parameters
    ----------
    lang : {"vi", "en"}
    decimals : int, optional
        Fixed decimals; by default as few as the tick value needs (0, 1 or 2).
    """
    check_lang(lang)
    done: dict = {}  # tick values are formatted again at each layout pass and draw

    def fmt(value, _pos=None):
        text = done.get(value)
        if text is None:
            d = _auto_decimals(value) if decimals is None else decimals
            shown = 0.0 if abs(value) < 0.5 * 10**-d else value  # no "-0"
            text = done[value] = format_number(shown, lang, d)
        return text

    return FuncFormatter(fmt)


def _year_formatter() -> FuncFormatter:
    # Years are never grouped: "2024", not "2.024".
    return FuncFormatter(lambda v, _pos=None: f"{int(round(v))}")


def _year_axis(ax, years, max_ticks: int = 9) -> None:
    years = [int(y) for y in years]
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(len(set(years)) + 1, max_ticks)))
    ax.xaxis.set_major_formatter(_year_formatter())
    if years:
        ax.set_xlim(min(years) - 0.5, max(years) + 0.5)
    ax.grid(axis="x", visible=False)


def _percent(value, lang: str, decimals: int = 2) -> str:
    return format_percent(None if value is None or pd.isna(value) else float(value), lang, decimals)


def _count(value, lang: str) -> str:
    return format_number(None if value is None or pd.isna(value) else float(value), lang)


def source_line(source: str | None, synthetic: bool, lang: str = "vi") -> str:
    """The figure's source line: ``"Nguồn: <source>. Dữ liệu mô phỏng."``.

    Parameters
    ----------
    source : str, optional
        Where the figures come from; defaults to the annual poverty review.
    synthetic : bool
        Add the synthetic-data notice.
    lang : {"vi", "en"}
    """
    src = (source or label("source.default", lang)).strip().rstrip(".")
    text = label("source.line", lang, source=src)
    if synthetic:
        text += " " + label("source.synthetic", lang)
    return text


def _figure(height_cm: float) -> Figure:
    return Figure(figsize=(PAGE_WIDTH_CM * CM, height_cm * CM), layout="constrained")


def _finish(
    fig: Figure,
    title: str,
    source: str | None,
    synthetic: bool,
    lang: str,
    alt_text: str,
) -> Figure:
    """Add title, source line and text alternative; reserve room for the source line."""
    fig.suptitle(title, x=0.01, ha="left")
    text = "\n".join(textwrap.wrap(source_line(source, synthetic, lang), _SOURCE_WRAP))
    n_lines = text.count("\n") + 1
    height_in = fig.get_figheight()
    source_h = (0.08 + n_lines * _SOURCE_FONT_SIZE * 1.35 / 72) / height_in
    legend_h = 0.0
    for legend in fig.legends:
        # One figure legend, centred just above the source line, outside the layout rectangle.
        rows = getattr(legend, "n_rows", 1)
        legend_h = (6 + 11.5 * rows) / 72 / height_in
        legend.set_bbox_to_anchor((0, source_h, 1, legend_h), transform=fig.transFigure)
    bottom = min(0.45, source_h + legend_h)
    fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))
    fig.text(
        0.01,
        0.02 / height_in,
        text,
        ha="left",
        va="bottom",
        fontsize=_SOURCE_FONT_SIZE,
        color="#333333",
        gid="source-line",
    )
    fig.alt_text = " ".join(alt_text.split())
    fig.chart_lang = lang
    return fig


def _title(key: str, lang: str, title: str | None, area_name=None, year=None) -> str:
    if title:
        return title
    return label(
        key,
        lang,
        area=label("title.area_suffix", lang, area=area_name) if area_name else "",
        year="" if year is None else year,
        year_suffix=label("title.year_suffix", lang, year=year) if year is not None else "",
    )


def _prepare(df: pd.DataFrame, required: list[str], what: str) -> pd.DataFrame:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: missing columns {missing}; got {list(df.columns)}")
    out = df.copy()
    if "year" in out:
        out["year"] = out["year"].astype(int)
        out = out.sort_values("year").reset_index(drop=True)
    return out


def _with_standard(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    looked_up = [standard_for_year(y).code for y in out["year"]]
    if "standard" in out:
        out["standard"] = out["standard"].where(out["standard"].notna(), looked_up)
    else:
        out["standard"] = looked_up
    return out


def standard_runs(df: pd.DataFrame) -> list[pd.DataFrame]:
    """Split a year-sorted frame into runs of consecutive years under one standard.

    The ``standard`` column is used when present, otherwise each year's standard is looked up.
    """
    data = _with_standard(df)
    runs: list[pd.DataFrame] = []
    start = 0
    codes = list(data["standard"])
    for i in range(1, len(codes) + 1):
        if i == len(codes) or codes[i] != codes[i - 1]:
            runs.append(data.iloc[start:i])
            start = i
    return runs


def _plot_runs(ax, runs, column: str, style: dict, name: str) -> None:
    for i, run in enumerate(runs):
        ax.plot(
            run["year"].to_numpy(),
            run[column].to_numpy(dtype=float),
            label=name if i == 0 else "_nolegend_",
            **style,
        )


def _mark_changes(ax, years_of_change, lang: str) -> None:
    """Vertical line half a year before each first year of a new standard, with its name.

    The name is written horizontally at the top of the plot, right of the line, in headroom
    reserved above the data so that it never covers a series.
    """
    if not years_of_change:
        return
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    bottom, top = ax.get_ylim()
    ax.set_ylim(bottom, bottom + (top - bottom) * 1.18)
    for year in years_of_change:
        try:
            name = standard_label(standard_for_year(year).code, lang)
        except (StandardError, KeyError):
            name = str(year)
        x = year - 0.5
        ax.axvline(x, color="#555555", linestyle=(0, (1, 1.5)), linewidth=1, zorder=1)
        ax.text(
            x,
            0.985,
            " " + label("standard.change_note", lang, standard=name),
            transform=trans,
            ha="left",
            va="top",
            fontsize=6,
            color="#333333",
        )


def _changes_in(runs) -> list[int]:
    return [int(run["year"].iloc[0]) for run in runs[1:]]


def _standards_sentence(changes, lang: str) -> str:
    if not changes:
        return ""
    return label("alt.standards", lang, years=", ".join(str(y) for y in changes))


def _run_ends(runs) -> list[pd.Series]:
    rows: list[pd.Series] = []
    for run in runs:
        for idx in dict.fromkeys([run.index[0], run.index[-1]]):
            rows.append(run.loc[idx])
    return rows


def _add_legend(fig: Figure, handles: list, ncols: int = 3) -> None:
    """One figure legend below the plot (placed by :func:`_finish`, above the source line)."""
    if not handles:
        return
    ncols = max(1, min(ncols, len(handles)))
    # Fewer columns when a row of entries would be wider than the figure (about 0.55 em per
    # character at 7 pt, plus the handle and padding).
    widths = [len(h.get_label()) * 3.9 + 30 for h in handles]
    available = fig.get_figwidth() * 72 * 0.96
    while (
        ncols > 1
        and max(sum(widths[i : i + ncols]) for i in range(0, len(widths), ncols)) > available
    ):
        ncols -= 1
    legend = fig.legend(handles=handles, loc="center", ncols=ncols)
    legend.set_in_layout(False)
    legend.n_rows = math.ceil(len(handles) / ncols)


def _legend_below(fig: Figure, axes, ncols: int = 3) -> None:
    """Figure legend of the labelled artists of ``axes`` (each name once)."""
    handles, names = [], []
    for ax in np.atleast_1d(axes):
        for h, n in zip(*ax.get_legend_handles_labels(), strict=True):
            if n not in names:
                handles.append(h)
                names.append(n)
    for h, n in zip(handles, names, strict=True):
        h.set_label(n)
    _add_legend(fig, handles, ncols)


def _text_colour(rgb) -> str:
    r, g, b = to_rgb(rgb)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


# ---------------------------------------------------------------------------------------------
# 1. trend
# ---------------------------------------------------------------------------------------------
@_styled
def trend_chart(
    df: pd.DataFrame,
    lang: str = "vi",
    source: str | None = None,
    synthetic: bool = True,
    *,
    area_name: str | None = None,
    title: str | None = None,
) -> Figure:
    """Poor and near-poor households over time: counts (left) and rates (right).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per review year: ``year`` (int), ``poor``, ``near_poor`` (households),
        ``poverty_rate``, ``near_poverty_rate`` (percent of all households) and optionally
        ``standard`` (standard code; looked up from the year when absent).
    lang : {"vi", "en"}
    source : str, optional
        Source of the figures for the source line.
    synthetic : bool, default True
        Label the figure as synthetic data (the safe default).
    area_name : str, optional
        Added to the default title.
    title : str, optional
        Replaces the default title.

    Returns
    -------
    matplotlib.figure.Figure
        With ``alt_text``. Each standard's years are separate lines, never joined.
    """
    check_lang(lang)
    data = _prepare(df, ["year", "poor", "near_poor", "poverty_rate", "near_poverty_rate"], "trend")
    runs = standard_runs(data)
    changes = _changes_in(runs)
    fig = _figure(7.5)
    ax_n, ax_r = fig.subplots(1, 2)
    panels = (
        (ax_n, ("poor", "near_poor"), "axis.households", "panel.counts"),
        (ax_r, ("poverty_rate", "near_poverty_rate"), "axis.rate_pct", "panel.rates"),
    )
    for ax, (c_poor, c_near), unit, panel in panels:
        _plot_runs(ax, runs, c_poor, SERIES_STYLE["poor"], label("series.poor", lang))
        _plot_runs(ax, runs, c_near, SERIES_STYLE["near_poor"], label("series.near_poor", lang))
        ax.set_title(label(panel, lang))
        ax.set_ylabel(label(unit, lang))
        ax.set_xlabel(label("axis.year", lang))
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(number_formatter(lang))
        _year_axis(ax, data["year"], max_ticks=5)
        _mark_changes(ax, changes, lang)
    _legend_below(fig, [ax_n], ncols=2)

    points = " ".join(
        label(
            "alt.trend_point",
            lang,
            year=int(r["year"]),
            poor=_count(r["poor"], lang),
            rate=_percent(r["poverty_rate"], lang),
            near_poor=_count(r["near_poor"], lang),
            near_rate=_percent(r["near_poverty_rate"], lang),
        )
        for r in _run_ends(runs)
    )
    alt = label("alt.trend", lang, points=points, standards=_standards_sentence(changes, lang))
    return _finish(fig, _title("title.trend", lang, title, area_name), source, synthetic, lang, alt)


# ---------------------------------------------------------------------------------------------
# 2. waterfall
# ---------------------------------------------------------------------------------------------
FLOW_KEYS = ("start", "escaped", "repoverty", "new", "other", "end")


def waterfall_steps(flows: Mapping | pd.Series) -> pd.DataFrame:
    """Bars of the poor-household waterfall: start, -escaped, +repoverty, +new, ±other, end.

    Parameters
    ----------
    flows : dict or pandas.Series
        ``start``, ``escaped``, ``repoverty``, ``new`` (non-negative household counts),
        ``other`` (signed) and ``end``, satisfying
        ``end = start - escaped + repoverty + new + other``.

    Returns
    -------
    pandas.DataFrame
        One row per bar: ``step``, ``bottom``, ``height`` (non-negative), ``delta`` (signed
        change, or the stock for start/end) and ``kind`` (``stock``, ``decrease``, ``increase``).

    Raises
    ------
    ValueError
        If a flow is missing or negative, or the flows do not add up to ``end``.
    """
    missing = [k for k in FLOW_KEYS if k not in flows]
    if missing:
        raise ValueError(f"waterfall: missing flows {missing}")
    v = {k: float(flows[k]) for k in FLOW_KEYS}
    for k in ("start", "escaped", "repoverty", "new", "end"):
        if v[k] < 0:
            raise ValueError(f"waterfall: {k} must be non-negative, got {v[k]:g}")
    implied = v["start"] - v["escaped"] + v["repoverty"] + v["new"] + v["other"]
    if abs(implied - v["end"]) > 0.5:
        raise ValueError(
            f"waterfall: flows do not add up: start {v['start']:g} - escaped {v['escaped']:g} + "
            f"repoverty {v['repoverty']:g} + new {v['new']:g} + other {v['other']:g} = "
            f"{implied:g}, but end is {v['end']:g}"
        )
    rows = [("start", 0.0, v["start"], v["start"], "stock")]
    level = v["start"]
    for step, delta in (
        ("escaped", -v["escaped"]),
        ("repoverty", v["repoverty"]),
        ("new", v["new"]),
        ("other", v["other"]),
    ):
        new_level = level + delta
        kind = "decrease" if delta < 0 else "increase"
        rows.append((step, min(level, new_level), abs(delta), delta, kind))
        level = new_level
    rows.append(("end", 0.0, v["end"], v["end"], "stock"))
    return pd.DataFrame(rows, columns=["step", "bottom", "height", "delta", "kind"])


_WATERFALL_STYLE = {
    "stock": dict(color=OKABE_ITO["grey"], hatch=""),
    "decrease": dict(color=OKABE_ITO["bluish_green"], hatch="\\\\"),
    "increase": dict(color=OKABE_ITO["vermillion"], hatch="//"),
}


@_styled
def waterfall_chart(
    flows: Mapping | pd.Series,
    lang: str = "vi",
    source: str | None = None,
    synthetic: bool = True,
    *,
    year: int | None = None,
    area_name: str | None = None,
    title: str | None = None,
) -> Figure:
    """Waterfall of one year's poor households: start → −escaped → +re-poverty → +new → ±other → end.

    Parameters
    ----------
    flows : dict or pandas.Series
        See :func:`waterfall_steps`; may also hold ``year``.
    lang, source, synthetic, area_name, title
        As in :func:`trend_chart`.
    year : int, optional
        Review year; required unless ``flows["year"]`` holds it.

    Returns
    -------
    matplotlib.figure.Figure
        One bar per step in ``ax.patches`` order start, escaped, repoverty, new, other, end;
        every bar labelled with its value (signed for the flows).
    """
    check_lang(lang)
    steps = waterfall_steps(flows)
    if year is None and "year" in flows:
        year = int(flows["year"])
    if year is None:
        raise ValueError("waterfall: give the review year (year=... or flows['year'])")
    fig = _figure(7.0)
    ax = fig.subplots()
    x = np.arange(len(steps))
    bars = ax.bar(
        x,
        steps["height"],
        bottom=steps["bottom"],
        width=0.62,
        edgecolor="#333333",
        linewidth=0.6,
    )
    for patch, kind in zip(bars.patches, steps["kind"], strict=True):
        patch.set_facecolor(_WATERFALL_STYLE[kind]["color"])
        patch.set_hatch(_WATERFALL_STYLE[kind]["hatch"])
    top = float((steps["bottom"] + steps["height"]).max()) or 1.0
    for i, row in steps.iterrows():
        text = (
            _count(row["delta"], lang)
            if row["kind"] == "stock"
            else format_signed(row["delta"], lang)
        )
        ax.text(
            i,
            row["bottom"] + row["height"] + top * 0.015,
            text,
            ha="center",
            va="bottom",
            fontsize=7,
            fontweight="bold" if row["kind"] == "stock" else "normal",
        )
    # connectors between consecutive bars at the running level
    levels = [steps.loc[0, "height"]]
    for d in steps["delta"].iloc[1:-1]:
        levels.append(levels[-1] + d)
    for i, level in enumerate(levels):
        ax.plot([i + 0.31, i + 0.69], [level, level], color="#666666", linewidth=0.7, ls=":")
    ax.set_xticks(
        x,
        labels=["\n".join(textwrap.wrap(label(f"flow.{s}", lang), 14)) for s in steps["step"]],
    )
    ax.set_ylim(0, top * 1.12)
    ax.set_ylabel(label("axis.households", lang))
    ax.yaxis.set_major_formatter(number_formatter(lang))
    ax.grid(axis="x", visible=False)
    _add_legend(
        fig,
        [
            Patch(
                facecolor=_WATERFALL_STYLE[k]["color"],
                hatch=_WATERFALL_STYLE[k]["hatch"],
                edgecolor="#333333",
                label=label(key, lang),
            )
            for k, key in (
                ("stock", "flow.stock"),
                ("decrease", "flow.decrease"),
                ("increase", "flow.increase"),
            )
        ],
        ncols=3,
    )
    d = steps.set_index("step")["delta"]
    alt = label(
        "alt.waterfall",
        lang,
        year=year,
        start=_count(d["start"], lang),
        escaped=_count(-d["escaped"], lang),
        repoverty=_count(d["repoverty"], lang),
        new=_count(d["new"], lang),
        other=format_signed(d["other"], lang),
        end=_count(d["end"], lang),
    )
    ttl = _title("title.waterfall", lang, title, area_name, year)
    return _finish(fig, ttl, source, synthetic, lang, alt)


# ---------------------------------------------------------------------------------------------
# 3. flow rates
# ---------------------------------------------------------------------------------------------
@_styled
def flow_rates_chart(
    df: pd.DataFrame,
    lang: str = "vi",
    source: str | None = None,
    synthetic: bool = True,
    *,
    area_name: str | None = None,
    title: str | None = None,
) -> Figure:
    """Escape, re-poverty and new-poverty rates over time.

    Parameters
    ----------
    df : pandas.DataFrame
        ``year``, ``escape_rate``, ``repoverty_rate``, ``new_poverty_rate`` (percent, as the
        caller defines them) and optionally ``standard``.
    lang, source, synthetic, area_name, title
        As in :func:`trend_chart`.

    Returns
    -------
    matplotlib.figure.Figure
        Lines of different standards are not joined.
    """
    check_lang(lang)
    cols = ["escape_rate", "repoverty_rate", "new_poverty_rate"]
    data = _prepare(df, ["year", *cols], "flow rates")
    runs = standard_runs(data)
    changes = _changes_in(runs)
    fig = _figure(7.0)
    ax = fig.subplots()
    for col, style in zip(cols, ("escape", "repoverty", "new"), strict=True):
        _plot_runs(ax, runs, col, SERIES_STYLE[style], label(f"series.{col}", lang))
    ax.set_ylabel(label("axis.flow_rate_pct", lang))
    ax.set_xlabel(label("axis.year", lang))
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(number_formatter(lang))
    _year_axis(ax, data["year"])
    _mark_changes(ax, changes, lang)
    _legend_below(fig, ax, ncols=3)
    points = " ".join(
        label(
            "alt.flow_rates_point",
            lang,
            year=int(r["year"]),
            escape=_percent(r["escape_rate"], lang),
            repoverty=_percent(r["repoverty_rate"], lang),
            new=_percent(r["new_poverty_rate"], lang),
        )
        for r in _run_ends(runs)
    )
    alt = label("alt.flow_rates", lang, points=points, standards=_standards_sentence(changes, lang))
    return _finish(
        fig, _title("title.flow_rates", lang, title, area_name), source, synthetic, lang, alt
    )


# ---------------------------------------------------------------------------------------------
# 4. ethnic gap
# ---------------------------------------------------------------------------------------------
@_styled
def ethnic_gap_chart(
    df: pd.DataFrame,
    lang: str = "vi",
    source: str | None = None,
    synthetic: bool = True,
    *,
    area_name: str | None = None,
    title: str | None = None,
) -> Figure:
    """Poverty rate of ethnic-minority (DTTS) and other households, the gap shaded and annotated.

    Parameters
    ----------
    df : pandas.DataFrame
        ``year``, ``em_poverty_rate``, ``non_em_poverty_rate`` (percent) and optionally
        ``standard``.
    lang, source, synthetic, area_name, title
        As in :func:`trend_chart`.

    Returns
    -------
    matplotlib.figure.Figure
        The gap of the last year with both rates is annotated in percentage points.
    """
    check_lang(lang)
    data = _prepare(df, ["year", "em_poverty_rate", "non_em_poverty_rate"], "ethnic gap")
    data["gap"] = data["em_poverty_rate"] - data["non_em_poverty_rate"]
    runs = standard_runs(data)
    changes = _changes_in(runs)
    fig = _figure(7.0)
    ax = fig.subplots()
    for i, run in enumerate(runs):
        ax.fill_between(
            run["year"].to_numpy(),
            run["non_em_poverty_rate"].to_numpy(dtype=float),
            run["em_poverty_rate"].to_numpy(dtype=float),
            color=OKABE_ITO["grey"],
            alpha=0.25,
            linewidth=0,
            label=label("series.gap", lang) if i == 0 else "_nolegend_",
        )
    _plot_runs(ax, runs, "em_poverty_rate", SERIES_STYLE["em"], label("series.em", lang))
    _plot_runs(
        ax, runs, "non_em_poverty_rate", SERIES_STYLE["non_em"], label("series.non_em", lang)
    )
    both = data.dropna(subset=["em_poverty_rate", "non_em_poverty_rate"])
    if not both.empty:
        last = both.iloc[-1]
        lo, hi = sorted([float(last["em_poverty_rate"]), float(last["non_em_poverty_rate"])])
        ax.annotate(
            "",
            xy=(last["year"] + 0.15, hi),
            xytext=(last["year"] + 0.15, lo),
            arrowprops=dict(arrowstyle="<->", color="#333333", linewidth=0.8),
        )
        ax.text(
            last["year"] + 0.2,
            (lo + hi) / 2,
            f"{label('series.gap', lang)}:\n"
            f"{format_number(abs(last['gap']), lang, 2)} {label('unit.points', lang)}",
            fontsize=6.5,
            va="center",
            ha="left",
        )
    ax.set_ylabel(label("axis.poverty_rate_pct", lang))
    ax.set_xlabel(label("axis.year", lang))
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(number_formatter(lang))
    _year_axis(ax, data["year"])
    ax.set_xlim(right=data["year"].max() + 1.3)
    _mark_changes(ax, changes, lang)
    _legend_below(fig, ax, ncols=3)
    points = " ".join(
        label(
            "alt.ethnic_gap_point",
            lang,
            year=int(r["year"]),
            em=_percent(r["em_poverty_rate"], lang),
            non_em=_percent(r["non_em_poverty_rate"], lang),
            gap=f"{format_number(r['gap'], lang, 2)} {label('unit.points', lang)}",
        )
        for r in _run_ends(runs)
    )
    alt = label("alt.ethnic_gap", lang, points=points, standards=_standards_sentence(changes, lang))
    return _finish(
        fig, _title("title.ethnic_gap", lang, title, area_name), source, synthetic, lang, alt
    )


# ---------------------------------------------------------------------------------------------
# 5. deprivation
# ---------------------------------------------------------------------------------------------
def _dimension_display(code, lang: str) -> str:
    try:
        return dimension_name(str(code), lang)
    except KeyError:
        return str(code)


def _indicator_display(code, lang: str, standard: str | None) -> str:
    if is_indicator(str(code)):
        try:
            return indicator_name(str(code), lang, standard)
        except KeyError:
            return indicator_name(str(code), lang)
    return str(code)


def _ordered_dimensions(values) -> list:
    known = dimension_order()
    present = list(dict.fromkeys(values))
    return [d for d in known if d in present] + [d for d in present if d not in known]


@_styled
def deprivation_chart(
    df: pd.DataFrame,
    lang: str = "vi",
    source: str | None = None,
    synthetic: bool = True,
    *,
    area_name: str | None = None,
    standard: str | None = None,
    title: str | None = None,
) -> Figure:
    """Share of poor and near-poor households deprived, by indicator: area against province.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per indicator: ``indicator`` (code such as ``health_insurance`` — translated —
        or a ready label), ``dimension`` (code such as ``health`` or a label), ``share_area`` and
        optionally ``share_province`` (percent of poor and near-poor households deprived).
    lang, source, synthetic, title
        As in :func:`trend_chart`.
    area_name : str, optional
        Legend entry and title suffix for the area (the province bar is "Toàn tỉnh").
    standard : str, optional
        Standard code, to name indicators as that standard does.

    Returns
    -------
    matplotlib.figure.Figure
        Horizontal bars grouped under a bold heading per dimension; area bars solid, province
        bars hatched; each bar labelled with its value.
    """
    check_lang(lang)
    data = _prepare(df, ["indicator", "dimension", "share_area"], "deprivation")
    has_prov = "share_province" in data and data["share_province"].notna().any()
    area = area_name or label("table.area", lang)
    province = label("area.province", lang)

    rows: list[tuple[str, str, float, float]] = []  # (kind, label, area, province)
    for dim in _ordered_dimensions(data["dimension"]):
        part = data[data["dimension"] == dim].sort_values(
            "share_area", ascending=False, kind="stable"
        )
        rows.append(("header", _dimension_display(dim, lang), math.nan, math.nan))
        for _, r in part.iterrows():
            rows.append(
                (
                    "item",
                    _indicator_display(r["indicator"], lang, standard),
                    float(r["share_area"]),
                    float(r["share_province"]) if has_prov else math.nan,
                )
            )
    fig = _figure(2.8 + 0.5 * len(rows))
    ax = fig.subplots()
    y = np.arange(len(rows), dtype=float)
    items = [i for i, r in enumerate(rows) if r[0] == "item"]
    h = 0.38 if has_prov else 0.6
    off = h / 2 if has_prov else 0.0
    ax.barh(
        y[items] - off,
        [rows[i][2] for i in items],
        height=h,
        color=OKABE_ITO["blue"],
        edgecolor=OKABE_ITO["blue"],
        label=area,
    )
    if has_prov:
        ax.barh(
            y[items] + off,
            [rows[i][3] for i in items],
            height=h,
            color="white",
            edgecolor=OKABE_ITO["orange"],
            hatch="////",
            linewidth=0.8,
            label=province,
        )
    xmax = max([r[2] for r in rows if r[0] == "item"] + [r[3] for r in rows if has_prov], default=1)
    xmax = xmax if xmax and math.isfinite(xmax) else 1.0
    for i in items:
        for value, dy in ((rows[i][2], -off), (rows[i][3], off)):
            if math.isfinite(value):
                ax.text(
                    value + xmax * 0.01,
                    y[i] + dy,
                    format_percent(value, lang, 1),
                    va="center",
                    fontsize=6,
                )
    ax.set_yticks(y, labels=[r[1] for r in rows])
    for tick, r in zip(ax.get_yticklabels(), rows, strict=True):
        if r[0] == "header":
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xlim(0, xmax * 1.15)
    ax.set_xlabel(label("axis.share_deprived_pct", lang))
    ax.xaxis.set_major_formatter(number_formatter(lang))
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    _legend_below(fig, ax, ncols=2)

    items_text = " ".join(
        label(
            "alt.deprivation_item" if has_prov else "alt.deprivation_item_area",
            lang,
            indicator=rows[i][1],
            area_value=format_percent(rows[i][2], lang, 1),
            province_value=format_percent(rows[i][3], lang, 1) if has_prov else "–",
        )
        for i in sorted(items, key=lambda i: -np.nan_to_num(rows[i][2], nan=-1.0))
    )
    alt = label(
        "alt.deprivation" if has_prov else "alt.deprivation_area",
        lang,
        area=area,
        items=items_text,
    )
    return _finish(
        fig, _title("title.deprivation", lang, title, area_name), source, synthetic, lang, alt
    )


@_styled
def contribution_chart(
    df: pd.DataFrame,
    lang: str = "vi",
    source: str | None = None,
    synthetic: bool = True,
    *,
    area_name: str | None = None,
    title: str | None = None,
) -> Figure:
    """Contribution of each dimension to total deprivation: stacked bars, area and province.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per dimension: ``dimension`` (code or label), ``contribution_area`` and
        optionally ``contribution_province`` (percent; each column sums to about 100).
    lang, source, synthetic, area_name, title
        As in :func:`trend_chart`.

    Returns
    -------
    matplotlib.figure.Figure
        Each dimension has its own colour *and* hatch; segments of 5% or more are labelled.
    """
    check_lang(lang)
    data = _prepare(df, ["dimension", "contribution_area"], "contribution")
    has_prov = "contribution_province" in data and data["contribution_province"].notna().any()
    order = _ordered_dimensions(data["dimension"])
    data = data.set_index("dimension").loc[order]
    area = area_name or label("table.area", lang)
    province = label("area.province", lang)
    bars = [(area, "contribution_area")] + (
        [(province, "contribution_province")] if has_prov else []
    )
    fig = _figure(3.6 + 1.1 * len(bars))
    ax = fig.subplots()
    y = np.arange(len(bars))
    left = np.zeros(len(bars))
    for k, dim in enumerate(order):
        colour, hatch = DIMENSION_STYLE[k % len(DIMENSION_STYLE)]
        widths = np.array([float(data.loc[dim, col]) for _, col in bars])
        widths = np.nan_to_num(widths)
        ax.barh(
            y,
            widths,
            left=left,
            height=0.6,
            color=colour,
            hatch=hatch,
            edgecolor="white",
            linewidth=0.8,
            label=_dimension_display(dim, lang),
        )
        for j, w in enumerate(widths):
            if w >= 5:
                ax.text(
                    left[j] + w / 2,
                    y[j],
                    format_percent(w, lang, 0),
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    bbox=dict(boxstyle="round,pad=0.15", facecolor="white", alpha=0.85, lw=0),
                )
        left += widths
    ax.set_yticks(y, labels=[b[0] for b in bars])
    ax.invert_yaxis()
    ax.set_xlim(0, max(100.0, float(left.max())))
    ax.set_xlabel(label("axis.contribution_pct", lang))
    ax.xaxis.set_major_formatter(number_formatter(lang))
    ax.grid(axis="y", visible=False)
    _legend_below(fig, ax, ncols=3)
    items = " ".join(
        label(
            "alt.contribution_item",
            lang,
            dimension=_dimension_display(dim, lang),
            area_value=format_percent(data.loc[dim, "contribution_area"], lang, 1),
            province_value=(
                format_percent(data.loc[dim, "contribution_province"], lang, 1) if has_prov else "–"
            ),
        )
        for dim in order
    )
    alt = label("alt.contribution", lang, items=items)
    return _finish(
        fig, _title("title.contribution", lang, title, area_name), source, synthetic, lang, alt
    )


# ---------------------------------------------------------------------------------------------
# 6. commune ranking and 9. district league
# ---------------------------------------------------------------------------------------------
@_styled
def commune_ranking_chart(
    df: pd.DataFrame,
    lang: str = "vi",
    source: str | None = None,
    synthetic: bool = True,
    *,
    area_name: str | None = None,
    reference: float | None = None,
    reference_label: str | None = None,
    title: str | None = None,
) -> Figure:
    """Communes ranked by poverty rate, highest at the top.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per commune: ``commune`` (name), ``rate`` (percent), and optionally
        ``small_count`` (bool: too few households for a reliable rate) and
        ``especially_difficult`` (bool: on the ĐBKK list).
    lang, source, synthetic, area_name, title
        As in :func:`trend_chart`.
    reference : float, optional
        The district's overall rate, drawn as a dashed vertical line.
    reference_label : str, optional
        Legend text for the reference line (default "Chung: 1,03%").

    Returns
    -------
    matplotlib.figure.Figure
        Small-count rates are hatched and labelled "ít hộ"; ĐBKK communes are filled in
        vermillion, named in bold and suffixed "(ĐBKK)".
    """
    check_lang(lang)
    data = _prepare(df, ["commune", "rate"], "commune ranking")
    for col in ("small_count", "especially_difficult"):
        data[col] = data[col].fillna(False).astype(bool) if col in data else False
    data = data.sort_values("rate", ascending=False, na_position="last", kind="stable")
    data = data.reset_index(drop=True)
    ed_tag = label("marker.especially_difficult", lang)
    small_tag = label("marker.small_count", lang)
    fig = _figure(3.2 + 0.48 * len(data))
    ax = fig.subplots()
    y = np.arange(len(data))
    rates = data["rate"].astype(float).fillna(0).to_numpy()
    bars = ax.barh(y, rates, height=0.66, linewidth=0.9)
    xmax = float(np.nanmax(np.append(rates, reference or 0))) or 1.0
    for patch, (_, r) in zip(bars.patches, data.iterrows(), strict=True):
        colour = OKABE_ITO["vermillion"] if r["especially_difficult"] else OKABE_ITO["blue"]
        if r["small_count"]:
            patch.set_facecolor("white")
            patch.set_edgecolor(colour)
            patch.set_hatch("////")
        else:
            patch.set_facecolor(colour)
            patch.set_edgecolor(colour)
        text = _percent(r["rate"], lang)
        if r["small_count"]:
            text += f" ({small_tag})"
        ax.text(
            patch.get_width() + xmax * 0.01,
            patch.get_y() + patch.get_height() / 2,
            text,
            va="center",
            fontsize=6.5,
            fontstyle="italic" if r["small_count"] else "normal",
        )
    names = [
        f"{r['commune']} ({ed_tag})" if r["especially_difficult"] else str(r["commune"])
        for _, r in data.iterrows()
    ]
    ax.set_yticks(y, labels=names)
    for tick, ed in zip(ax.get_yticklabels(), data["especially_difficult"], strict=True):
        if ed:
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xlim(0, xmax * 1.25)
    ax.set_xlabel(label("axis.poverty_rate_pct", lang))
    ax.xaxis.set_major_formatter(number_formatter(lang))
    ax.grid(axis="y", visible=False)
    handles = [Patch(facecolor=OKABE_ITO["blue"], label=label("legend.commune", lang))]
    if data["especially_difficult"].any():
        handles.append(
            Patch(
                facecolor=OKABE_ITO["vermillion"], label=label("legend.especially_difficult", lang)
            )
        )
    if data["small_count"].any():
        handles.append(
            Patch(
                facecolor="white",
                edgecolor=OKABE_ITO["blue"],
                hatch="////",
                label=label("legend.small_count", lang),
            )
        )
    if reference is not None and math.isfinite(reference):
        line = ax.axvline(reference, color="black", linestyle="--", linewidth=1)
        line.set_label(
            reference_label or label("legend.reference", lang, value=_percent(reference, lang))
        )
        handles.append(line)
    _add_legend(fig, handles, ncols=4)

    valid = data.dropna(subset=["rate"])
    none = label("alt.none", lang)
    notes = label(
        "alt.commune_notes",
        lang,
        ed=", ".join(data.loc[data["especially_difficult"], "commune"].astype(str)) or none,
        small=", ".join(data.loc[data["small_count"], "commune"].astype(str)) or none,
    )
    alt = label(
        "alt.commune_ranking",
        lang,
        n=len(data),
        top_name=valid["commune"].iloc[0] if len(valid) else "–",
        top_value=_percent(valid["rate"].iloc[0], lang) if len(valid) else "–",
        bottom_name=valid["commune"].iloc[-1] if len(valid) else "–",
        bottom_value=_percent(valid["rate"].iloc[-1], lang) if len(valid) else "–",
        notes=notes,
    )
    return _finish(
        fig, _title("title.commune_ranking", lang, title, area_name), source, synthetic, lang, alt
    )


@_styled
def rank_chart(
    df: pd.DataFrame,
    lang: str = "vi",
    source: str | None = None,
    synthetic: bool = True,
    *,
    year: int | None = None,
    province_rate: float | None = None,
    title: str | None = None,
) -> Figure:
    """The province league: districts ranked by poverty rate, one highlighted.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per district: ``district`` (name), ``rate`` (percent), optionally ``highlight``
        (bool, the reporting district).
    lang, source, synthetic, title
        As in :func:`trend_chart`.
    year : int, optional
        Added to the default title.
    province_rate : float, optional
        Drawn as a dashed vertical line "Toàn tỉnh".

    Returns
    -------
    matplotlib.figure.Figure
        Highest rate at the top (rank 1); the highlighted district in vermillion, hatched and
        bold.
    """
    check_lang(lang)
    data = _prepare(df, ["district", "rate"], "rank")
    data["highlight"] = (
        data["highlight"].fillna(False).astype(bool) if "highlight" in data else False
    )
    data = data.sort_values("rate", ascending=False, na_position="last", kind="stable")
    data = data.reset_index(drop=True)
    fig = _figure(3.2 + 0.45 * len(data))
    ax = fig.subplots()
    y = np.arange(len(data))
    rates = data["rate"].astype(float).fillna(0).to_numpy()
    bars = ax.barh(y, rates, height=0.66, linewidth=1.2)
    xmax = float(np.nanmax(np.append(rates, province_rate or 0))) or 1.0
    for patch, (_, r) in zip(bars.patches, data.iterrows(), strict=True):
        if r["highlight"]:
            patch.set_facecolor(OKABE_ITO["vermillion"])
            patch.set_edgecolor("black")
            patch.set_hatch("//")
        else:
            patch.set_facecolor(OKABE_ITO["sky_blue"])
            patch.set_edgecolor(OKABE_ITO["sky_blue"])
        ax.text(
            patch.get_width() + xmax * 0.01,
            patch.get_y() + patch.get_height() / 2,
            _percent(r["rate"], lang),
            va="center",
            fontsize=6.5,
            fontweight="bold" if r["highlight"] else "normal",
        )
    ax.set_yticks(y, labels=[f"{i + 1}. {n}" for i, n in enumerate(data["district"])])
    for tick, hl in zip(ax.get_yticklabels(), data["highlight"], strict=True):
        if hl:
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xlim(0, xmax * 1.18)
    ax.set_xlabel(label("axis.poverty_rate_pct", lang))
    ax.xaxis.set_major_formatter(number_formatter(lang))
    ax.grid(axis="y", visible=False)
    handles = []
    if data["highlight"].any():
        handles.append(
            Patch(
                facecolor=OKABE_ITO["vermillion"],
                edgecolor="black",
                hatch="//",
                label=label("legend.highlight", lang),
            )
        )
    if province_rate is not None and math.isfinite(province_rate):
        line = ax.axvline(province_rate, color="black", linestyle="--", linewidth=1)
        line.set_label(f"{label('area.province', lang)}: {_percent(province_rate, lang)}")
        handles.append(line)
    if handles:
        _add_legend(fig, handles, ncols=len(handles))

    valid = data.dropna(subset=["rate"])
    hl = ""
    if data["highlight"].any():
        i = int(np.flatnonzero(data["highlight"].to_numpy())[0])
        hl = label(
            "alt.rank_highlight",
            lang,
            name=data.loc[i, "district"],
            rank=i + 1,
            n=len(data),
            value=_percent(data.loc[i, "rate"], lang),
        )
    alt = label(
        "alt.rank",
        lang,
        n=len(data),
        top_name=valid["district"].iloc[0] if len(valid) else "–",
        top_value=_percent(valid["rate"].iloc[0], lang) if len(valid) else "–",
        bottom_name=valid["district"].iloc[-1] if len(valid) else "–",
        bottom_value=_percent(valid["rate"].iloc[-1], lang) if len(valid) else "–",
        highlight=hl,
    )
    return _finish(fig, _title("title.rank", lang, title, year=year), source, synthetic, lang, alt)


# ---------------------------------------------------------------------------------------------
# 7. maps
# ---------------------------------------------------------------------------------------------
def tile_layout(geography: Geography, nrows: int = 4, ncols: int = 4) -> pd.DataFrame:
    """Snap district centroids to a small grid, one cell per district.

    Centroids are scaled to the grid (north at row 0, west at column 0) and districts are
    assigned to cells by minimising the total squared distance between each centroid and its
    cell (Hungarian algorithm), which resolves collisions deterministically.

    Parameters
    ----------
    geography : Geography
        Needs ``districts`` with ``district_code``, ``bare_name``, ``centroid_lon``,
        ``centroid_lat``.
    nrows, ncols : int
        Grid size; must have at least as many cells as districts.

    Returns
    -------
    pandas.DataFrame
        ``district_code``, ``bare_name``, ``row``, ``col``, in district-code order.
    """
    from scipy.optimize import linear_sum_assignment

    d = geography.districts[["district_code", "bare_name", "centroid_lon", "centroid_lat"]]
    d = d.sort_values("district_code").reset_index(drop=True)
    if d[["centroid_lon", "centroid_lat"]].isna().any().any():
        raise ValueError("tile layout: every district needs a centroid")
    if len(d) > nrows * ncols:
        raise ValueError(f"tile layout: {len(d)} districts do not fit a {nrows}x{ncols} grid")
    lon = d["centroid_lon"].to_numpy(float)
    lat = d["centroid_lat"].to_numpy(float)
    span_x = (lon.max() - lon.min()) or 1.0
    span_y = (lat.max() - lat.min()) or 1.0
    x = (lon - lon.min()) / span_x * (ncols - 1)
    y = (lat.max() - lat) / span_y * (nrows - 1)
    cells = [(r, c) for r in range(nrows) for c in range(ncols)]
    cost = np.array(
        [[(xi - c) ** 2 + (yi - r) ** 2 for r, c in cells] for xi, yi in zip(x, y, strict=True)]
    )
    rows, cols = linear_sum_assignment(cost)
    out = d[["district_code", "bare_name"]].copy()
    out["row"] = 0
    out["col"] = 0
    for i, j in zip(rows, cols, strict=True):
        out.loc[i, "row"], out.loc[i, "col"] = cells[j]
    return out


def _format_value(value, lang: str, kind: str, decimals: int) -> str:
    if value is None or pd.isna(value):
        return "–"
    if kind == "percent":
        return format_percent(float(value), lang, decimals)
    return format_number(float(value), lang, decimals)


def _map_alt(values, geography, highlight, lang, kind_key, value_format, decimals) -> str:
    valid = {k: v for k, v in values.items() if v is not None and not pd.isna(v)}
    if not valid:
        return label("alt.map_empty", lang, kind=label(kind_key, lang))
    hi = max(valid, key=lambda k: (valid[k], k))
    lo = min(valid, key=lambda k: (valid[k], k))
    hl = ""
    if highlight is not None:
        hl = label(
            "alt.map_highlight",
            lang,
            name=geography.district_name(highlight),
            value=_format_value(values.get(highlight), lang, value_format, decimals),
        )
    return label(
        "alt.map",
        lang,
        kind=label(kind_key, lang),
        n=len(valid),
        max_name=geography.district_name(hi),
        max_value=_format_value(valid[hi], lang, value_format, decimals),
        min_name=geography.district_name(lo),
        min_value=_format_value(valid[lo], lang, value_format, decimals),
        highlight=hl,
    )


def _norm(values) -> Normalize:
    valid = [float(v) for v in values if v is not None and not pd.isna(v)]
    lo, hi = (min(valid), max(valid)) if valid else (0.0, 1.0)
    if hi == lo:
        hi = lo + 1.0
    return Normalize(vmin=min(0.0, lo), vmax=hi)


@_styled
def tile_map(
    values: Mapping[str, float],
    geography: Geography,
    highlight: str | None = None,
    lang: str = "vi",
    source: str | None = None,
    synthetic: bool = True,
    *,
    year: int | None = None,
    value_label: str | None = None,
    value_format: str = "percent",
    decimals: int = 2,
    title: str | None = None,
    nrows: int = 4,
    ncols: int = 4,
) -> Figure:
    """Schematic tile map: one square per district, placed from its centroid.

    Parameters
    ----------
    values : dict
        District code (string with leading zeros) -> value; missing districts are drawn grey
        and hatched with "–".
    geography : Geography
        From :func:`analysis.geography.load_geography`.
    highlight : str, optional
        District code (or name) drawn with a thick black border and a bold name.
    lang, source, synthetic, title
        As in :func:`trend_chart`.
    year : int, optional
        Added to the default title.
    value_label : str, optional
        Colour-bar label; defaults to "Tỷ lệ hộ nghèo (%)".
    value_format : {"percent", "number"}
    decimals : int
    nrows, ncols : int
        Grid size, see :func:`tile_layout`.

    Returns
    -------
    matplotlib.figure.Figure
        Tiles are ``Rectangle`` patches with gid ``tile-<code>``.
    """
    check_lang(lang)
    if highlight is not None:
        highlight = geography.resolve_district(highlight)
    layout = tile_layout(geography, nrows, ncols)
    cmap = mpl.colormaps[SEQUENTIAL_CMAP]
    norm = _norm(values.values())
    fig = _figure(10.5)
    ax = fig.subplots()
    for _, t in layout.iterrows():
        code = t["district_code"]
        value = values.get(code)
        missing = value is None or pd.isna(value)
        face = MISSING_COLOUR if missing else cmap(norm(float(value)))
        is_hl = code == highlight
        size = 0.9 if is_hl else 0.94
        rect = Rectangle(
            (t["col"] - size / 2, t["row"] - size / 2),
            size,
            size,
            facecolor=face,
            edgecolor="black" if is_hl else "white",
            linewidth=3 if is_hl else 1,
            hatch="//" if missing else None,
            zorder=3 if is_hl else 2,
        )
        rect.set_gid(f"tile-{code}")
        ax.add_patch(rect)
        colour = _text_colour(face)
        ax.text(
            t["col"],
            t["row"] - 0.12,
            "\n".join(textwrap.wrap(t["bare_name"], 11)),
            ha="center",
            va="center",
            fontsize=7,
            color=colour,
            fontweight="bold" if is_hl else "normal",
            zorder=4,
        )
        ax.text(
            t["col"],
            t["row"] + 0.26,
            _format_value(value, lang, value_format, decimals),
            ha="center",
            va="center",
            fontsize=7.5,
            fontweight="bold",
            color=colour,
            zorder=4,
        )
    ax.set_xlim(-0.55, ncols - 0.45)
    ax.set_ylim(nrows - 0.45, -0.55)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(label("map.schematic_note", lang), fontsize=6.5)
    sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
    cbar = fig.colorbar(sm, ax=ax, shrink=0.75, aspect=25)
    cbar.set_label(value_label or label("axis.poverty_rate_pct", lang))
    cbar.ax.yaxis.set_major_formatter(number_formatter(lang))
    alt = _map_alt(values, geography, highlight, lang, "alt.map_tile", value_format, decimals)
    return _finish(
        fig, _title("title.tile_map", lang, title, year=year), source, synthetic, lang, alt
    )


_CODE_KEYS = ("district_code", "ma_huyen", "MA_HUYEN", "ma_qh", "MA_QH", "code", "CODE")
_NAME_KEYS = (
    "bare_name",
    "district_name",
    "ten_huyen",
    "TEN_HUYEN",
    "ten_qh",
    "TEN_QH",
    "NAME_2",
    "name",
    "Name",
    "NAME",
    "ten",
    "district",
)


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _polygon_path(polygons: list) -> MplPath:
    """Compound path of polygons (lists of rings); exteriors CCW, holes CW (non-zero filling)."""
    verts, codes = [], []
    for polygon in polygons:
        for k, ring in enumerate(polygon):
            ring = np.asarray(ring, dtype=float)[:, :2]
            if len(ring) < 3:
                continue
            ccw = _signed_area(ring) > 0
            if (k == 0) != ccw:
                ring = ring[::-1]
            verts.extend(ring.tolist() + [ring[0].tolist()])
            codes.extend(
                [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 1) + [MplPath.CLOSEPOLY]
            )
    return MplPath(np.array(verts), codes)


def _feature_polygons(geometry: dict | None) -> list:
    if not geometry:
        return []
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    if kind == "GeometryCollection":
        return [p for g in geometry.get("geometries", []) for p in _feature_polygons(g)]
    return []


def _match_feature(feature: dict, geography: Geography, match_property: str | None) -> str | None:
    props = feature.get("properties") or {}
    if match_property is not None:
        candidates = [props.get(match_property)]
    else:
        keys = [k for k in (*_CODE_KEYS, *_NAME_KEYS) if k in props]
        keys += [k for k, v in props.items() if k not in keys and isinstance(v, str)]
        candidates = [props[k] for k in keys]
        if "id" in feature:
            candidates.append(feature["id"])
    for value in candidates:
        if value is None or isinstance(value, bool) or str(value).strip() == "":
            continue
        try:
            return geography.resolve_district(str(value))
        except UnknownAreaError:
            continue
    return None


def read_district_shapes(
    geojson_path: str | Path, geography: Geography, match_property: str | None = None
) -> tuple[dict[str, MplPath], list[str]]:
    """Read district polygons from a GeoJSON file and match them to district codes.

    Parameters
    ----------
    geojson_path : str or Path
        A FeatureCollection of Polygon/MultiPolygon features in longitude/latitude.
    geography : Geography
        Used to resolve feature codes or names (any spelling ``resolve_district`` accepts).
    match_property : str, optional
        The property holding the district code or name; by default known code properties
        (``district_code``, ``ma_huyen``...), then name properties (``ten_huyen``, ``NAME_2``,
        ``name``...), then any text property, then the feature ``id`` are tried.

    Returns
    -------
    (dict, list)
        District code -> matplotlib Path (several features of one district are merged), and a
        description of each feature that matched no district.
    """
    with Path(geojson_path).open(encoding="utf-8") as fh:
        gj = json.load(fh)
    features = gj.get("features", []) if gj.get("type") == "FeatureCollection" else [gj]
    shapes: dict[str, list] = {}
    unmatched: list[str] = []
    for n, feature in enumerate(features):
        polygons = _feature_polygons(feature.get("geometry"))
        if not polygons:
            continue
        code = _match_feature(feature, geography, match_property)
        if code is None:
            props = feature.get("properties") or {}
            unmatched.append(str(next(iter(props.values()), f"#{n}")) if props else f"#{n}")
            continue
        shapes.setdefault(code, []).extend(polygons)
    return {code: _polygon_path(polys) for code, polys in sorted(shapes.items())}, unmatched


@_styled
def choropleth(
    values: Mapping[str, float],
    geojson_path: str | Path,
    geography: Geography,
    highlight: str | None = None,
    lang: str = "vi",
    source: str | None = None,
    synthetic: bool = True,
    *,
    year: int | None = None,
    value_label: str | None = None,
    value_format: str = "percent",
    decimals: int = 2,
    match_property: str | None = None,
    title: str | None = None,
) -> Figure:
    """District map drawn from real boundaries supplied by the analyst as GeoJSON.

    Parameters
    ----------
    values : dict
        District code -> value.
    geojson_path : str or Path
        District boundaries, see :func:`read_district_shapes`.
    geography : Geography
    highlight : str, optional
        District code or name drawn with a thick black outline.
    lang, source, synthetic, title, year, value_label, value_format, decimals
        As in :func:`tile_map`.
    match_property : str, optional
        GeoJSON property holding the district code or name.

    Returns
    -------
    matplotlib.figure.Figure
        One ``PathPatch`` per matched district (gid ``district-<code>``); features that match no
        district are drawn plain grey and listed under the map (and in ``fig.unmatched``).
    """
    check_lang(lang)
    if highlight is not None:
        highlight = geography.resolve_district(highlight)
    shapes, unmatched = read_district_shapes(geojson_path, geography, match_property)
    if not shapes:
        raise ValueError(f"choropleth: no feature of {geojson_path} matches a district")
    cmap = mpl.colormaps[SEQUENTIAL_CMAP]
    norm = _norm(values.values())
    fig = _figure(11.0)
    ax = fig.subplots()
    centroids = geography.districts.set_index("district_code")
    all_verts = np.vstack([p.vertices for p in shapes.values()])
    for code, path in shapes.items():
        value = values.get(code)
        missing = value is None or pd.isna(value)
        face = MISSING_COLOUR if missing else cmap(norm(float(value)))
        is_hl = code == highlight
        patch = PathPatch(
            path,
            facecolor=face,
            edgecolor="black" if is_hl else "white",
            linewidth=2.5 if is_hl else 0.8,
            hatch="//" if missing else None,
            zorder=3 if is_hl else 2,
        )
        patch.set_gid(f"district-{code}")
        ax.add_patch(patch)
        if code in centroids.index and pd.notna(centroids.loc[code, "centroid_lon"]):
            cx, cy = centroids.loc[code, ["centroid_lon", "centroid_lat"]].astype(float)
        else:
            cx, cy = path.vertices.mean(axis=0)
        colour = _text_colour(face)
        ax.text(
            cx,
            cy,
            f"{geography.district_name(code)}\n{_format_value(value, lang, value_format, decimals)}",
            ha="center",
            va="center",
            fontsize=6.5,
            color=colour,
            fontweight="bold" if is_hl else "normal",
            zorder=4,
        )
    pad_x = 0.03 * (np.ptp(all_verts[:, 0]) or 1)
    pad_y = 0.03 * (np.ptp(all_verts[:, 1]) or 1)
    ax.set_xlim(all_verts[:, 0].min() - pad_x, all_verts[:, 0].max() + pad_x)
    ax.set_ylim(all_verts[:, 1].min() - pad_y, all_verts[:, 1].max() + pad_y)
    ax.set_aspect(1 / math.cos(math.radians(float(all_verts[:, 1].mean()))))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if unmatched:
        ax.set_xlabel(label("map.unmatched", lang, names=", ".join(unmatched)), fontsize=6.5)
    sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
    cbar = fig.colorbar(sm, ax=ax, shrink=0.75, aspect=25)
    cbar.set_label(value_label or label("axis.poverty_rate_pct", lang))
    cbar.ax.yaxis.set_major_formatter(number_formatter(lang))
    shown = {k: v for k, v in values.items() if k in shapes}
    alt = _map_alt(shown, geography, highlight, lang, "alt.map_choropleth", value_format, decimals)
    fig.unmatched = unmatched
    return _finish(
        fig, _title("title.choropleth", lang, title, year=year), source, synthetic, lang, alt
    )


# ---------------------------------------------------------------------------------------------
# 8. fan chart
# ---------------------------------------------------------------------------------------------
@_styled
def fan_chart(
    history: pd.DataFrame,
    projection: pd.DataFrame,
    target: float | Mapping[int, float] | tuple | None = None,
    standard_changes: tuple[int, ...] = (2022, 2027),
    lang: str = "vi",
    source: str | None = None,
    synthetic: bool = True,
    *,
    area_name: str | None = None,
    value_label: str | None = None,
    value_format: str = "percent",
    decimals: int = 2,
    title: str | None = None,
) -> Figure:
    """Observed series and a projection with 80% and 95% bands, targets and standard changes.

    Parameters
    ----------
    history : pandas.DataFrame
        ``year``, ``value`` (observed), optionally ``standard``; observed lines are not joined
        across standards.
    projection : pandas.DataFrame
        ``year``, ``mean``, ``lo80``, ``hi80``, ``lo95``, ``hi95``.
    target : float, dict or (year, value), optional
        A number draws a horizontal target line; ``{year: value}`` or a ``(year, value)`` pair
        draws diamond markers with their values.
    standard_changes : tuple of int
        First years of new standards, marked with a vertical line when inside the x range.
    lang, source, synthetic, area_name, title
        As in :func:`trend_chart`.
    value_label : str, optional
        Y-axis label; defaults to "Tỷ lệ hộ nghèo (%)".
    value_format : {"percent", "number"}
    decimals : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    hist = _prepare(history, ["year", "value"], "fan chart history")
    proj = _prepare(
        projection, ["year", "mean", "lo80", "hi80", "lo95", "hi95"], "fan chart projection"
    )
    fig = _figure(8.0)
    ax = fig.subplots()
    band_colour = OKABE_ITO["blue"]
    # Start the projection at the last observation when both are under the same standard.
    if len(hist) and len(proj):
        last = hist.iloc[-1]
        same = (
            standard_for_year(int(last["year"])).code
            == standard_for_year(int(proj["year"].iloc[0])).code
        )
        if same and int(proj["year"].iloc[0]) > int(last["year"]):
            v = float(last["value"])
            anchor = {
                "year": int(last["year"]),
                "mean": v,
                "lo80": v,
                "hi80": v,
                "lo95": v,
                "hi95": v,
            }
            proj = pd.concat([pd.DataFrame([anchor]), proj], ignore_index=True)
    proj_runs = standard_runs(proj.drop(columns=["standard"], errors="ignore"))
    for i, run in enumerate(proj_runs):
        yrs = run["year"].to_numpy()
        ax.fill_between(
            yrs,
            run["lo95"].to_numpy(float),
            run["hi95"].to_numpy(float),
            color=band_colour,
            alpha=0.15,
            linewidth=0,
            label=label("series.band95", lang) if i == 0 else "_nolegend_",
        )
        ax.fill_between(
            yrs,
            run["lo80"].to_numpy(float),
            run["hi80"].to_numpy(float),
            color=band_colour,
            alpha=0.35,
            linewidth=0,
            label=label("series.band80", lang) if i == 0 else "_nolegend_",
        )
        ax.plot(
            yrs,
            run["mean"].to_numpy(float),
            color=band_colour,
            linestyle="--",
            linewidth=1.4,
            label=label("series.projection", lang) if i == 0 else "_nolegend_",
        )
    hist_runs = standard_runs(hist) if len(hist) else []
    _plot_runs(ax, hist_runs, "value", SERIES_STYLE["history"], label("series.history", lang))

    target_text = ""
    if target is not None:
        if isinstance(target, tuple):
            target = {int(target[0]): float(target[1])}
        if isinstance(target, Mapping):
            ty = sorted(int(y) for y in target)
            tv = [float(target[y]) for y in ty]
            ax.plot(
                ty,
                tv,
                linestyle="none",
                marker="D",
                markersize=6,
                color="black",
                label=label("series.target", lang),
            )
            for x, v in zip(ty, tv, strict=True):
                ax.annotate(
                    _format_value(v, lang, value_format, decimals),
                    (x, v),
                    textcoords="offset points",
                    xytext=(0, 6),
                    ha="center",
                    fontsize=6.5,
                )
            target_text = "; ".join(
                f"{y}: {_format_value(v, lang, value_format, decimals)}"
                for y, v in zip(ty, tv, strict=True)
            )
        else:
            ax.axhline(
                float(target),
                color="black",
                linestyle="-.",
                linewidth=1,
                label=f"{label('series.target', lang)}: "
                f"{_format_value(target, lang, value_format, decimals)}",
            )
            target_text = _format_value(target, lang, value_format, decimals)
    years = list(hist["year"]) + list(proj["year"])
    if isinstance(target, Mapping):
        years += list(target)
    lo_year, hi_year = min(years), max(years)
    _mark_changes(ax, [y for y in standard_changes if lo_year < y <= hi_year], lang)
    ax.set_ylabel(value_label or label("axis.poverty_rate_pct", lang))
    ax.set_xlabel(label("axis.year", lang))
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(number_formatter(lang))
    _year_axis(ax, years)
    _legend_below(fig, ax, ncols=5)

    fmt = functools.partial(_format_value, lang=lang, kind=value_format, decimals=decimals)
    p_last = proj.iloc[-1] if len(proj) else None
    h_last = hist.iloc[-1] if len(hist) else None
    alt = label(
        "alt.fan",
        lang,
        last_year=int(h_last["year"]) if h_last is not None else "–",
        last_value=fmt(h_last["value"]) if h_last is not None else "–",
        proj_year=int(p_last["year"]) if p_last is not None else "–",
        proj_mean=fmt(p_last["mean"]) if p_last is not None else "–",
        lo80=fmt(p_last["lo80"]) if p_last is not None else "–",
        hi80=fmt(p_last["hi80"]) if p_last is not None else "–",
        lo95=fmt(p_last["lo95"]) if p_last is not None else "–",
        hi95=fmt(p_last["hi95"]) if p_last is not None else "–",
        target=label("alt.fan_target", lang, target=target_text) if target_text else "",
    )
    return _finish(fig, _title("title.fan", lang, title, area_name), source, synthetic, lang, alt)


# ---------------------------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------------------------
def figure_to_svg(fig: Figure) -> str:
    """Render a figure as SVG text, deterministically (fixed hash salt, no date).

    The title and ``fig.alt_text`` are written into the SVG metadata (``<title>``-like Dublin
    Core fields and ``<desc>``), so the text alternative travels with the image.
    """
    title = fig._suptitle.get_text() if fig._suptitle is not None else ""
    metadata = {"Date": None, "Title": title}
    if getattr(fig, "alt_text", ""):
        metadata["Description"] = fig.alt_text
    if getattr(fig, "chart_lang", ""):
        metadata["Language"] = fig.chart_lang
    buf = io.StringIO()
    canvas, dpi = fig.canvas, fig.dpi
    with mpl.rc_context({"svg.hashsalt": SVG_HASH_SALT, "svg.fonttype": "none"}):
        try:
            _SVGCanvas(fig).print_svg(buf, metadata=metadata)
        finally:
            fig.dpi = dpi
            fig.set_canvas(canvas)
    return buf.getvalue()


# Text measurements (width, height, descent) of the SVG renderer depend only on the string, the
# font properties and these settings; they are shared by every figure of the process.
_FONT_RC = (
    "font.family",
    "font.sans-serif",
    "font.serif",
    "font.monospace",
    "font.cursive",
    "font.fantasy",
    "font.enable_last_resort",
    "text.kerning_factor",
)
_TEXT_METRICS: dict = {}


class _SVGRenderer(RendererSVG):
    """`RendererSVG` that measures each text once per process (not once per figure and pass)."""

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        rc = mpl.rcParams
        key = (s, prop.copy(), tuple(str(rc[k]) for k in _FONT_RC))
        metrics = _TEXT_METRICS.get(key)
        if metrics is None:
            metrics = super().get_text_width_height_descent(s, prop, ismath)
            if len(_TEXT_METRICS) < 50_000:
                _TEXT_METRICS[key] = metrics
        return metrics


class _SVGCanvas(FigureCanvasSVG):
    """SVG canvas drawing a figure in one pass.

    ``Figure.savefig`` draws a figure with a layout engine twice: once with drawing disabled to
    run the (constrained) layout, then again for output with the layout engine switched off. Here
    the layout engine runs at the start of the one output draw, on the same, not yet drawn,
    figure, so the SVG is byte-identical to ``savefig``'s at about half the cost. It is what
    ``FigureCanvasSVG.print_svg`` does, with `_SVGRenderer`.
    """

    def print_svg(self, filename, *, bbox_inches_restore=None, metadata=None):
        with cbook.open_file_cm(filename, "w", encoding="utf-8") as fh:
            if not cbook.file_requires_unicode(fh):
                fh = codecs.getwriter("utf-8")(fh)
            dpi = self.figure.dpi
            self.figure.dpi = 72
            width, height = self.figure.get_size_inches()
            renderer = MixedModeRenderer(
                self.figure,
                width,
                height,
                dpi,
                _SVGRenderer(width * 72, height * 72, fh, image_dpi=dpi, metadata=metadata),
                bbox_inches_restore=bbox_inches_restore,
            )
            self.figure.draw(renderer)
            renderer.finalize()


def figure_to_png(fig: Figure, dpi: int = 200) -> bytes:
    """Render a figure as PNG bytes without a software/date stamp."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()
