"""Bar charts of one year: the poor-household waterfall (start, flows, end), deprivation by
indicator and the contribution of each dimension (area against province).

The rules and shared helpers are in :mod:`analysis.charts.style`.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from analysis.charts.style import (
    DIMENSION_STYLE,
    OKABE_ITO,
    add_legend,
    chart_title,
    count_text,
    finish_figure,
    legend_below,
    new_figure,
    number_formatter,
    prepare_frame,
    styled,
)
from analysis.core.i18n import (
    check_lang,
    dimension_name,
    dimension_order,
    indicator_name,
    is_indicator,
    label,
)
from analysis.core.numbers import format_percent, format_signed

# ---------------------------------------------------------------------------------------------
# waterfall
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


@styled
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
        As in :func:`~analysis.charts.lines.trend_chart`.
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
    fig = new_figure(7.0)
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
            count_text(row["delta"], lang)
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
    add_legend(
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
        start=count_text(d["start"], lang),
        escaped=count_text(-d["escaped"], lang),
        repoverty=count_text(d["repoverty"], lang),
        new=count_text(d["new"], lang),
        other=format_signed(d["other"], lang),
        end=count_text(d["end"], lang),
    )
    ttl = chart_title("title.waterfall", lang, title, area_name, year)
    return finish_figure(fig, ttl, source, synthetic, lang, alt)


# ---------------------------------------------------------------------------------------------
# deprivation and contribution
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


@styled
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
        As in :func:`~analysis.charts.lines.trend_chart`.
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
    data = prepare_frame(df, ["indicator", "dimension", "share_area"], "deprivation")
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
    fig = new_figure(2.8 + 0.42 * len(rows))
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
    # One label per indicator, right of its longer bar: "area / province" in the order of the
    # bars (two labels 0.19 cm apart, one per bar, would overlap at a legible size).
    for i in items:
        values = [v for v in (rows[i][2], rows[i][3]) if math.isfinite(v)]
        if values:
            ax.text(
                max(values) + xmax * 0.01,
                y[i],
                " / ".join(format_percent(v, lang, 1) for v in values),
                va="center",
                fontsize=7,
            )
    ax.set_yticks(y, labels=[r[1] for r in rows])
    for tick, r in zip(ax.get_yticklabels(), rows, strict=True):
        if r[0] == "header":
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xlim(0, xmax * (1.32 if has_prov else 1.15))
    ax.set_xlabel(label("axis.share_deprived_pct", lang))
    ax.xaxis.set_major_formatter(number_formatter(lang))
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    legend_below(fig, ax, ncols=2)

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
    return finish_figure(
        fig, chart_title("title.deprivation", lang, title, area_name), source, synthetic, lang, alt
    )


@styled
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
        As in :func:`~analysis.charts.lines.trend_chart`.

    Returns
    -------
    matplotlib.figure.Figure
        Each dimension has its own colour *and* hatch; segments of 5% or more are labelled.
    """
    check_lang(lang)
    data = prepare_frame(df, ["dimension", "contribution_area"], "contribution")
    has_prov = "contribution_province" in data and data["contribution_province"].notna().any()
    order = _ordered_dimensions(data["dimension"])
    data = data.set_index("dimension").loc[order]
    area = area_name or label("table.area", lang)
    province = label("area.province", lang)
    bars = [(area, "contribution_area")] + (
        [(province, "contribution_province")] if has_prov else []
    )
    fig = new_figure(3.6 + 1.1 * len(bars))
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
    legend_below(fig, ax, ncols=3)
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
    return finish_figure(
        fig, chart_title("title.contribution", lang, title, area_name), source, synthetic, lang, alt
    )
