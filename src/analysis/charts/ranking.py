"""Ranking charts: communes of a district and the districts of the province (league) ranked by
poverty rate, highest at the top, both drawn by one horizontal-bar ranking helper.

The rules and shared helpers are in :mod:`analysis.charts.style`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from analysis.charts.style import (
    OKABE_ITO,
    add_legend,
    chart_title,
    count_text,
    finish_figure,
    new_figure,
    number_formatter,
    percent_text,
    prepare_frame,
    styled,
)
from analysis.core.i18n import check_lang, label
from analysis.core.numbers import format_points


# ---------------------------------------------------------------------------------------------
# the shared ranking
# ---------------------------------------------------------------------------------------------
def _ranked(df: pd.DataFrame, name: str, flags: tuple[str, ...], what: str) -> pd.DataFrame:
    """The rows by ``rate``, highest first (missing last, ties in input order); ``flags`` as bool."""
    data = prepare_frame(df, [name, "rate"], what)
    for col in flags:
        data[col] = data[col].fillna(False).astype(bool) if col in data else False
    data = data.sort_values("rate", ascending=False, na_position="last", kind="stable")
    return data.reset_index(drop=True)


def _ranking_bars(
    data: pd.DataFrame,
    lang: str,
    *,
    names: list[str],
    bold: pd.Series,
    reference: float | None,
    row_cm: float,
    linewidth: float,
    headroom: float,
    paint: Callable[[Rectangle, pd.Series], tuple[str, dict]],
    value_label: str | None = None,
) -> tuple[Figure, Axes]:
    """Figure with one horizontal bar per row of ``data`` (ranked), each labelled with its rate.

    ``paint(patch, row)`` colours a bar and returns its value label and the label's font
    properties; ``bold`` marks the tick names set in bold; the x axis reaches ``headroom`` times
    the largest of the rates and ``reference``; ``value_label`` names the x axis (by default
    the poverty rate).
    """
    fig = new_figure(3.2 + row_cm * len(data))
    ax = fig.subplots()
    y = np.arange(len(data))
    rates = data["rate"].astype(float).fillna(0).to_numpy()
    bars = ax.barh(y, rates, height=0.66, linewidth=linewidth)
    xmax = float(np.nanmax(np.append(rates, reference or 0))) or 1.0
    for patch, (_, r) in zip(bars.patches, data.iterrows(), strict=True):
        text, font = paint(patch, r)
        ax.text(
            patch.get_width() + xmax * 0.01,
            patch.get_y() + patch.get_height() / 2,
            text,
            va="center",
            fontsize=6.5,
            **font,
        )
    ax.set_yticks(y, labels=names)
    for tick, b in zip(ax.get_yticklabels(), bold, strict=True):
        if b:
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xlim(0, xmax * headroom)
    ax.set_xlabel(value_label or label("axis.poverty_rate_pct", lang))
    ax.xaxis.set_major_formatter(number_formatter(lang))
    ax.grid(axis="y", visible=False)
    return fig, ax


def _reference_line(ax: Axes, handles: list, value: float | None, text: str) -> None:
    """A dashed vertical line at ``value`` (when given and finite), added to ``handles``."""
    if value is not None and math.isfinite(value):
        line = ax.axvline(value, color="black", linestyle="--", linewidth=1)
        line.set_label(text)
        handles.append(line)


def _extremes(data: pd.DataFrame, name: str, lang: str, text=percent_text) -> dict[str, str]:
    """Name and rate of the first and last ranked rows with a rate, for the text alternative
    (``text(value, lang)`` writes a value)."""
    valid = data.dropna(subset=["rate"])
    if not len(valid):
        return dict.fromkeys(("top_name", "top_value", "bottom_name", "bottom_value"), "–")
    return {
        "top_name": valid[name].iloc[0],
        "top_value": text(valid["rate"].iloc[0], lang),
        "bottom_name": valid[name].iloc[-1],
        "bottom_value": text(valid["rate"].iloc[-1], lang),
    }


#: How `rank_chart` writes the values it ranks.
VALUE_TEXTS = {
    "percent": percent_text,
    "number": count_text,
    "points": lambda v, lang: format_points(None if pd.isna(v) else float(v), lang),
}


# ---------------------------------------------------------------------------------------------
# commune ranking
# ---------------------------------------------------------------------------------------------
@styled
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
        As in :func:`~analysis.charts.lines.trend_chart`.
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
    data = _ranked(df, "commune", ("small_count", "especially_difficult"), "commune ranking")
    ed_tag = label("marker.especially_difficult", lang)
    small_tag = label("marker.small_count", lang)

    def paint(patch, r):
        colour = OKABE_ITO["vermillion"] if r["especially_difficult"] else OKABE_ITO["blue"]
        if r["small_count"]:
            patch.set_facecolor("white")
            patch.set_edgecolor(colour)
            patch.set_hatch("////")
        else:
            patch.set_facecolor(colour)
            patch.set_edgecolor(colour)
        text = percent_text(r["rate"], lang)
        if r["small_count"]:
            text += f" ({small_tag})"
        return text, {"fontstyle": "italic" if r["small_count"] else "normal"}

    names = [
        f"{r['commune']} ({ed_tag})" if r["especially_difficult"] else str(r["commune"])
        for _, r in data.iterrows()
    ]
    fig, ax = _ranking_bars(
        data,
        lang,
        names=names,
        bold=data["especially_difficult"],
        reference=reference,
        row_cm=0.48,
        linewidth=0.9,
        headroom=1.25,
        paint=paint,
    )
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
    _reference_line(
        ax,
        handles,
        reference,
        reference_label or label("legend.reference", lang, value=percent_text(reference, lang)),
    )
    add_legend(fig, handles, ncols=4)

    none = label("alt.none", lang)
    notes = label(
        "alt.commune_notes",
        lang,
        ed=", ".join(data.loc[data["especially_difficult"], "commune"].astype(str)) or none,
        small=", ".join(data.loc[data["small_count"], "commune"].astype(str)) or none,
    )
    alt = label(
        "alt.commune_ranking", lang, n=len(data), notes=notes, **_extremes(data, "commune", lang)
    )
    return finish_figure(
        fig,
        chart_title("title.commune_ranking", lang, title, area_name),
        source,
        synthetic,
        lang,
        alt,
    )


# ---------------------------------------------------------------------------------------------
# district league
# ---------------------------------------------------------------------------------------------
@styled
def rank_chart(
    df: pd.DataFrame,
    lang: str = "vi",
    source: str | None = None,
    synthetic: bool = True,
    *,
    year: int | None = None,
    province_rate: float | None = None,
    title: str | None = None,
    value_label: str | None = None,
    value_format: str = "percent",
) -> Figure:
    """The province league: districts ranked by poverty rate (or another value), one highlighted.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per district: ``district`` (name), ``rate`` (percent), optionally ``highlight``
        (bool, the reporting district).
    lang, source, synthetic, title
        As in :func:`~analysis.charts.lines.trend_chart`.
    year : int, optional
        Added to the default title.
    province_rate : float, optional
        Drawn as a dashed vertical line "Toàn tỉnh".
    value_label : str, optional
        What ``rate`` holds when it is not the poverty rate (another indicator of the
        districts): the x axis's name, and the text alternative ranks by it.
    value_format : {"percent", "number", "points"}
        How the values are written (a percentage, a count of households, percentage points).

    Returns
    -------
    matplotlib.figure.Figure
        Highest rate at the top (rank 1); the highlighted district in vermillion, hatched and
        bold.
    """
    check_lang(lang)
    if value_format not in VALUE_TEXTS:
        raise ValueError(
            f"value_format must be one of {', '.join(VALUE_TEXTS)}, not {value_format!r}"
        )
    text = VALUE_TEXTS[value_format]
    data = _ranked(df, "district", ("highlight",), "rank")

    def paint(patch, r):
        if r["highlight"]:
            patch.set_facecolor(OKABE_ITO["vermillion"])
            patch.set_edgecolor("black")
            patch.set_hatch("//")
        else:
            patch.set_facecolor(OKABE_ITO["sky_blue"])
            patch.set_edgecolor(OKABE_ITO["sky_blue"])
        return text(r["rate"], lang), {"fontweight": "bold" if r["highlight"] else "normal"}

    fig, ax = _ranking_bars(
        data,
        lang,
        names=[f"{i + 1}. {n}" for i, n in enumerate(data["district"])],
        bold=data["highlight"],
        reference=province_rate,
        row_cm=0.45,
        linewidth=1.2,
        headroom=1.18,
        paint=paint,
        value_label=value_label,
    )
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
    _reference_line(
        ax,
        handles,
        province_rate,
        f"{label('area.province', lang)}: {text(province_rate, lang)}",
    )
    add_legend(fig, handles, ncols=len(handles))

    hl = ""
    if data["highlight"].any():
        i = int(np.flatnonzero(data["highlight"].to_numpy())[0])
        hl = label(
            "alt.rank_highlight",
            lang,
            name=data.loc[i, "district"],
            rank=i + 1,
            n=len(data),
            value=text(data.loc[i, "rate"], lang),
        )
    extremes = _extremes(data, "district", lang, text)
    if value_label:
        alt = label("alt.rank_value", lang, n=len(data), indicator=value_label, highlight=hl,
                    **extremes)  # fmt: skip
    else:
        alt = label("alt.rank", lang, n=len(data), highlight=hl, **extremes)
    return finish_figure(
        fig, chart_title("title.rank", lang, title, year=year), source, synthetic, lang, alt
    )
