"""The package style and what every chart shares: palette, figure set-up, number and year
formatters, standard runs, legends, title and source line.

Design rules every chart function follows (the chart modules build on the helpers here):

* Figures are built with the object API (:class:`matplotlib.figure.Figure`), never pyplot, so
  nothing leaks from one report to the next; style is applied through ``rc_context``
  (:func:`styled`).
* Width is an A4 text column (16 cm); heights are a few centimetres (:func:`new_figure`).
* Every figure has a title, axis units, and a source line at the bottom
  (``"Nguồn: <source>. Dữ liệu mô phỏng."`` when ``synthetic=True``; :func:`finish_figure`).
* Colours come from the Okabe-Ito colour-blind-safe palette and are never the only cue: series
  also differ by marker and line style, bars by hatching, special cases carry a text label.
* Numbers, including tick labels, are written the report language's way (``2.879``, ``1,03``).
* Every figure carries ``fig.alt_text``: a text alternative summarising the data in words, in the
  report language. :func:`analysis.charts.svg.figure_to_svg` also writes it into the SVG
  ``<desc>``.
* A series is never drawn as one line across a change of poverty standard (2022, 2027): each
  standard's years are a separate line (:func:`standard_runs`, :func:`plot_runs`), and the change
  is marked with a labelled vertical line (:func:`mark_standard_changes`).
* :func:`analysis.charts.svg.figure_to_svg` gives byte-identical output for identical input
  (fixed hash salt, no date).

Inputs are small, documented DataFrames (or dicts) prepared by the caller, not the raw summary
table. ``lang`` is ``"vi"`` (default) or ``"en"``; all words come from :mod:`analysis.core.i18n`.
"""

from __future__ import annotations

import contextlib
import functools
import math
import textwrap

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import blended_transform_factory

from analysis.core.i18n import check_lang, label, standard_label
from analysis.core.numbers import format_number, format_percent
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

#: The smallest text of a chart, in points at its drawn size (charts are printed at that size):
#: `finish_figure` raises anything smaller to it.
MIN_FONT_PT = 7.0
_SOURCE_FONT_SIZE = MIN_FONT_PT


# ---------------------------------------------------------------------------------------------
# shared helpers
# ---------------------------------------------------------------------------------------------
def styled(func):
    """Decorator: build the figure inside the package style, without touching global rcParams."""

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


def year_axis(ax, years, max_ticks: int = 9) -> None:
    """Integer year ticks (never grouped: ``2024``), half a year of margin, no vertical grid."""
    years = [int(y) for y in years]
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(len(set(years)) + 1, max_ticks)))
    ax.xaxis.set_major_formatter(_year_formatter())
    if years:
        ax.set_xlim(min(years) - 0.5, max(years) + 0.5)
    ax.grid(axis="x", visible=False)


def percent_text(value, lang: str, decimals: int = 2) -> str:
    """A value in percent written the language's way (``1,03%``); ``–`` for None or NaN."""
    return format_percent(None if value is None or pd.isna(value) else float(value), lang, decimals)


def count_text(value, lang: str) -> str:
    """A whole count written the language's way (``2.879``); ``–`` for None or NaN."""
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


_SIZE = {"width_cm": PAGE_WIDTH_CM, "height_factor": 1.0}


@contextlib.contextmanager
def figure_size(width_cm: float = PAGE_WIDTH_CM, height_factor: float = 1.0):
    """Draw the charts made inside the block ``width_cm`` wide and ``height_factor`` as high.

    Used for a small chart (the report's first page) without a size argument on every chart
    function; fonts keep their sizes, so the chart is still legible at print size.

    Parameters
    ----------
    width_cm : float
        Figure width in centimetres (default: the text column, `PAGE_WIDTH_CM`).
    height_factor : float
        Multiplies each chart's own height.
    """
    saved = dict(_SIZE)
    _SIZE.update(width_cm=float(width_cm), height_factor=float(height_factor))
    try:
        yield
    finally:
        _SIZE.update(saved)


def new_figure(height_cm: float) -> Figure:
    """An empty figure one text column wide and ``height_cm`` high, with constrained layout
    (see `figure_size` for smaller charts)."""
    size = (_SIZE["width_cm"] * CM, height_cm * _SIZE["height_factor"] * CM)
    return Figure(figsize=size, layout="constrained")


def finish_figure(
    fig: Figure,
    title: str,
    source: str | None,
    synthetic: bool,
    lang: str,
    alt_text: str,
) -> Figure:
    """Add title, source line and text alternative; reserve room for the source line.

    The last step of every chart: also places the figure legend (from :func:`add_legend`) just
    above the source line, and sets ``fig.alt_text`` and ``fig.chart_lang``.
    """
    size = mpl.rcParams["figure.titlesize"]
    size = float(size) if isinstance(size, (int, float)) else 10.0
    chars = int(fig.get_figwidth() * 72 * 0.97 / (size * 0.62))  # bold: about 0.62 em a char
    if len(title) > chars:  # a long title (a long area name) on two lines, not past the edge
        title = "\n".join(textwrap.wrap(title, chars))
    fig.suptitle(title, x=0.01, ha="left")
    # about 0.62 em per character at most: the line fits the figure's width at any size
    wrap = max(40, int(fig.get_figwidth() * 72 * 0.96 / (_SOURCE_FONT_SIZE * 0.62)))
    text = "\n".join(textwrap.wrap(source_line(source, synthetic, lang), wrap))
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
    raise_small_text(fig)
    fig.alt_text = " ".join(alt_text.split())
    fig.chart_lang = lang
    return fig


def raise_small_text(fig: Figure, minimum: float = MIN_FONT_PT) -> None:
    """Raise every text of the figure smaller than ``minimum`` points to ``minimum``.

    Charts are printed at their drawn size (16 cm, `PAGE_WIDTH_CM`), so this keeps all chart
    text (value labels, notes, the source line) legible on paper.
    """
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        if text.get_fontsize() < minimum:
            text.set_fontsize(minimum)


def chart_title(key: str, lang: str, title: str | None, area_name=None, year=None) -> str:
    """``title`` when given, else the label ``key`` with the area and year suffixes filled in."""
    if title:
        return title
    return label(
        key,
        lang,
        area=label("title.area_suffix", lang, area=area_name) if area_name else "",
        year="" if year is None else year,
        year_suffix=label("title.year_suffix", lang, year=year) if year is not None else "",
    )


def prepare_frame(df: pd.DataFrame, required: list[str], what: str) -> pd.DataFrame:
    """A copy of a chart's input with its ``required`` columns checked, sorted by ``year`` if any.

    Raises
    ------
    ValueError
        Naming the chart (``what``) and the missing columns.
    """
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


def plot_runs(ax, runs, column: str, style: dict, name: str) -> None:
    """One line per standard run (see :func:`standard_runs`), in the legend once as ``name``."""
    for i, run in enumerate(runs):
        ax.plot(
            run["year"].to_numpy(),
            run[column].to_numpy(dtype=float),
            label=name if i == 0 else "_nolegend_",
            **style,
        )


def mark_standard_changes(ax, years_of_change, lang: str) -> int:
    """Vertical line half a year before each first year of a new standard, with its name.

    The name is written horizontally at the top of the plot, right of the line, in headroom
    reserved above the data so that it never covers a series; on a narrow chart, where one line
    would run past the plot, on two lines (with twice the headroom).

    Returns
    -------
    int
        The number of text lines the names take at the top of the plot (0 when nothing is
        marked), so that another note can go under them.
    """
    if not years_of_change:
        return 0
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    left, right = ax.get_xlim()
    # the axes' width in points, roughly (before the layout): room for the note right of a line
    axes_pt = ax.get_position().width * ax.get_figure().get_figwidth() * 72
    notes = []
    for year in years_of_change:
        try:
            name = standard_label(standard_for_year(year).code, lang)
        except (StandardError, KeyError):
            name = str(year)
        x = year - 0.5
        text = " " + label("standard.change_note", lang, standard=name)
        room = (right - x) / (right - left) * axes_pt if right > left else axes_pt
        if len(text) * MIN_FONT_PT * 0.55 > room:
            text = text.replace(": ", ":\n ", 1)
        notes.append((x, text))
    lines = max(t.count("\n") + 1 for _, t in notes)
    bottom, top = ax.get_ylim()
    ax.set_ylim(bottom, bottom + (top - bottom) * (1.18 if lines == 1 else 1.4))
    for x, text in notes:
        ax.axvline(x, color="#555555", linestyle=(0, (1, 1.5)), linewidth=1, zorder=1)
        ax.text(
            x,
            0.985,
            text,
            transform=trans,
            ha="left",
            va="top",
            fontsize=MIN_FONT_PT,
            color="#333333",
        )
    return lines


def change_years(runs) -> list[int]:
    """The first year of each run after the first: the years a new standard starts."""
    return [int(run["year"].iloc[0]) for run in runs[1:]]


def standards_sentence(changes, lang: str) -> str:
    """The text-alternative sentence naming the changes of standard (empty when none)."""
    if not changes:
        return ""
    return label("alt.standards", lang, years=", ".join(str(y) for y in changes))


def run_ends(runs) -> list[pd.Series]:
    """The first and last row of each run (once when a run has one row), for text alternatives."""
    rows: list[pd.Series] = []
    for run in runs:
        for idx in dict.fromkeys([run.index[0], run.index[-1]]):
            rows.append(run.loc[idx])
    return rows


def add_legend(fig: Figure, handles: list, ncols: int = 3) -> None:
    """One figure legend of ``handles`` below the plot.

    :func:`finish_figure` places it above the source line; ``ncols`` is reduced until each row
    fits the figure width.
    """
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


def legend_below(fig: Figure, axes, ncols: int = 3) -> None:
    """Figure legend of the labelled artists of ``axes`` (each name once)."""
    handles, names = [], []
    for ax in np.atleast_1d(axes):
        for h, n in zip(*ax.get_legend_handles_labels(), strict=True):
            if n not in names:
                handles.append(h)
                names.append(n)
    for h, n in zip(handles, names, strict=True):
        h.set_label(n)
    add_legend(fig, handles, ncols)


def format_value(value, lang: str, kind: str, decimals: int) -> str:
    """A value as ``kind`` ``"percent"`` (``1,03%``) or a number with ``decimals``; ``–`` if missing."""
    if value is None or pd.isna(value):
        return "–"
    if kind == "percent":
        return format_percent(float(value), lang, decimals)
    return format_number(float(value), lang, decimals)
