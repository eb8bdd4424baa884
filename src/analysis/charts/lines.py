"""Line charts over review years: poor and near-poor households (trend), flow rates, the
ethnic-minority gap, and the fan chart of a projection with its bands and targets.

Each standard's years are a separate line, never joined across a change of standard; the rules
and shared helpers are in :mod:`analysis.charts.style`. A change of administrative units (the
review of 2025, the first by the new communes of 1 July 2025) does not break a line: where the
observed years cross it, a thin dashed line marks it (`mark_unit_changes`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory, offset_copy

from analysis.charts.style import (
    MIN_FONT_PT,
    OKABE_ITO,
    SERIES_STYLE,
    change_years,
    chart_title,
    count_text,
    finish_figure,
    format_value,
    legend_below,
    mark_standard_changes,
    new_figure,
    number_formatter,
    percent_text,
    plot_runs,
    prepare_frame,
    run_ends,
    standard_runs,
    standards_sentence,
    styled,
    year_axis,
)
from analysis.core.i18n import check_lang, label
from analysis.core.numbers import format_number
from analysis.reference.geography import load_geography
from analysis.reference.standards import standard_for_year

#: ``gid`` of the line marking a change of administrative units (an ``id`` in the chart's SVG).
UNIT_CHANGE_ID = "unit-change"


def _value_axes(ax, ylabel: str, years, lang: str, max_ticks: int = 9) -> None:
    """Value axis from 0 with ``ylabel`` and numbers the language's way; the year axis below."""
    ax.set_ylabel(ylabel)
    ax.set_xlabel(label("axis.year", lang))
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(number_formatter(lang))
    year_axis(ax, years, max_ticks=max_ticks)


def unit_change_years(years) -> list[int]:
    """First review years of a new unit system that the observed ``years`` cross.

    Parameters
    ----------
    years : iterable of int
        The review years a chart shows as observed data.

    Returns
    -------
    list of int
        Each first review year of a later unit system (``unit-systems.csv``: 2025, the first
        review by the new communes of 1 July 2025) with an observed year before it and one at or
        after it; empty otherwise (a chart that stops at 2024 has no mark).
    """
    years = [int(y) for y in years]
    if not years:
        return []
    firsts = load_geography().unit_systems["first_review_year"].astype(str).str.strip()
    return [int(y) for y in firsts if y and min(years) < int(y) <= max(years)]


def mark_unit_changes(ax, changes, lang: str, below_standard: int = 0) -> None:
    """A thin dashed vertical line half a year before each first review in new units, labelled
    "Sáp nhập 1/7/2025" at the top of the plot, left of the line.

    Distinct from the change of standard (`analysis.charts.style.mark_standard_changes`:
    dotted, grey, named right of the line): the series are not broken. ``below_standard`` is
    the number of text lines the standard's name takes at the top (what
    ``mark_standard_changes`` returns): the label goes under them, in one more row of headroom,
    so the two notes never overlap.
    """
    if not changes:
        return
    fig = ax.get_figure()
    axes_pt = ax.get_position().height * fig.get_figheight() * 72
    row_pt = MIN_FONT_PT * 1.3
    extra = min(0.5, (row_pt + 2) / axes_pt) if axes_pt > 0 else 0.15
    bottom, top = ax.get_ylim()
    ax.set_ylim(bottom, bottom + (top - bottom) / (1 - extra))
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    if below_standard:
        trans = offset_copy(trans, fig=fig, y=-(below_standard * row_pt + 1), units="points")
    for year in changes:
        x = year - 0.5
        ax.axvline(x, color=OKABE_ITO["reddish_purple"], linestyle=(0, (4, 2)), linewidth=0.8,
                   zorder=1, gid=UNIT_CHANGE_ID)  # fmt: skip
        ax.text(x, 0.985, label("chart.unit_change", lang) + " ", transform=trans, ha="right",
                va="top", fontsize=MIN_FONT_PT, color="#333333")  # fmt: skip


def _unit_alt(alt: str, changes, lang: str) -> str:
    """The text alternative with the sentence on the change of units, when marked."""
    return f"{alt} {label('alt.unit_change', lang)}" if changes else alt


def _series_alt(key: str, runs, changes, lang: str, point) -> str:
    """Text alternative ``key``: the label ``<key>_point`` at each run's ends (its fields from
    ``point(row)``), and the sentence on changes of standard."""
    points = " ".join(
        label(f"{key}_point", lang, year=int(r["year"]), **point(r)) for r in run_ends(runs)
    )
    return label(key, lang, points=points, standards=standards_sentence(changes, lang))


# ---------------------------------------------------------------------------------------------
# trend
# ---------------------------------------------------------------------------------------------
@styled
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
    data = prepare_frame(
        df, ["year", "poor", "near_poor", "poverty_rate", "near_poverty_rate"], "trend"
    )
    runs = standard_runs(data)
    changes = change_years(runs)
    units = unit_change_years(data["year"])
    fig = new_figure(7.5)
    ax_n, ax_r = fig.subplots(1, 2)
    panels = (
        (ax_n, ("poor", "near_poor"), "axis.households", "panel.counts"),
        (ax_r, ("poverty_rate", "near_poverty_rate"), "axis.rate_pct", "panel.rates"),
    )
    for ax, (c_poor, c_near), unit, panel in panels:
        plot_runs(ax, runs, c_poor, SERIES_STYLE["poor"], label("series.poor", lang))
        plot_runs(ax, runs, c_near, SERIES_STYLE["near_poor"], label("series.near_poor", lang))
        ax.set_title(label(panel, lang))
        _value_axes(ax, label(unit, lang), data["year"], lang, max_ticks=5)
        standard_lines = mark_standard_changes(ax, changes, lang)
        mark_unit_changes(ax, units, lang, below_standard=standard_lines)
    legend_below(fig, [ax_n], ncols=2)

    alt = _series_alt(
        "alt.trend",
        runs,
        changes,
        lang,
        lambda r: dict(
            poor=count_text(r["poor"], lang),
            rate=percent_text(r["poverty_rate"], lang),
            near_poor=count_text(r["near_poor"], lang),
            near_rate=percent_text(r["near_poverty_rate"], lang),
        ),
    )
    alt = _unit_alt(alt, units, lang)
    return finish_figure(
        fig, chart_title("title.trend", lang, title, area_name), source, synthetic, lang, alt
    )


# ---------------------------------------------------------------------------------------------
# flow rates
# ---------------------------------------------------------------------------------------------
@styled
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
    data = prepare_frame(df, ["year", *cols], "flow rates")
    runs = standard_runs(data)
    changes = change_years(runs)
    fig = new_figure(7.0)
    ax = fig.subplots()
    for col, style in zip(cols, ("escape", "repoverty", "new"), strict=True):
        plot_runs(ax, runs, col, SERIES_STYLE[style], label(f"series.{col}", lang))
    _value_axes(ax, label("axis.flow_rate_pct", lang), data["year"], lang)
    standard_lines = mark_standard_changes(ax, changes, lang)
    units = unit_change_years(data["year"])
    mark_unit_changes(ax, units, lang, below_standard=standard_lines)
    legend_below(fig, ax, ncols=3)
    alt = _series_alt(
        "alt.flow_rates",
        runs,
        changes,
        lang,
        lambda r: dict(
            escape=percent_text(r["escape_rate"], lang),
            repoverty=percent_text(r["repoverty_rate"], lang),
            new=percent_text(r["new_poverty_rate"], lang),
        ),
    )
    alt = _unit_alt(alt, units, lang)
    return finish_figure(
        fig, chart_title("title.flow_rates", lang, title, area_name), source, synthetic, lang, alt
    )


# ---------------------------------------------------------------------------------------------
# ethnic gap
# ---------------------------------------------------------------------------------------------
@styled
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
    data = prepare_frame(df, ["year", "em_poverty_rate", "non_em_poverty_rate"], "ethnic gap")
    data["gap"] = data["em_poverty_rate"] - data["non_em_poverty_rate"]
    runs = standard_runs(data)
    changes = change_years(runs)
    fig = new_figure(7.0)
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
    plot_runs(ax, runs, "em_poverty_rate", SERIES_STYLE["em"], label("series.em", lang))
    plot_runs(ax, runs, "non_em_poverty_rate", SERIES_STYLE["non_em"], label("series.non_em", lang))
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
    _value_axes(ax, label("axis.poverty_rate_pct", lang), data["year"], lang)
    ax.set_xlim(right=data["year"].max() + 1.3)
    standard_lines = mark_standard_changes(ax, changes, lang)
    units = unit_change_years(data["year"])
    mark_unit_changes(ax, units, lang, below_standard=standard_lines)
    legend_below(fig, ax, ncols=3)
    alt = _series_alt(
        "alt.ethnic_gap",
        runs,
        changes,
        lang,
        lambda r: dict(
            em=percent_text(r["em_poverty_rate"], lang),
            non_em=percent_text(r["non_em_poverty_rate"], lang),
            gap=f"{format_number(r['gap'], lang, 2)} {label('unit.points', lang)}",
        ),
    )
    alt = _unit_alt(alt, units, lang)
    return finish_figure(
        fig, chart_title("title.ethnic_gap", lang, title, area_name), source, synthetic, lang, alt
    )


# ---------------------------------------------------------------------------------------------
# fan chart
# ---------------------------------------------------------------------------------------------
@styled
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
    hist = prepare_frame(history, ["year", "value"], "fan chart history")
    proj = prepare_frame(
        projection, ["year", "mean", "lo80", "hi80", "lo95", "hi95"], "fan chart projection"
    )
    fig = new_figure(8.0)
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
    plot_runs(ax, hist_runs, "value", SERIES_STYLE["history"], label("series.history", lang))

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
                    format_value(v, lang, value_format, decimals),
                    (x, v),
                    textcoords="offset points",
                    xytext=(0, 6),
                    ha="center",
                    fontsize=6.5,
                )
            target_text = "; ".join(
                f"{y}: {format_value(v, lang, value_format, decimals)}"
                for y, v in zip(ty, tv, strict=True)
            )
        else:
            ax.axhline(
                float(target),
                color="black",
                linestyle="-.",
                linewidth=1,
                label=f"{label('series.target', lang)}: "
                f"{format_value(target, lang, value_format, decimals)}",
            )
            target_text = format_value(target, lang, value_format, decimals)
    years = list(hist["year"]) + list(proj["year"])
    if isinstance(target, Mapping):
        years += list(target)
    lo_year, hi_year = min(years), max(years)
    drawn = [y for y in standard_changes if lo_year < y <= hi_year]
    standard_lines = mark_standard_changes(ax, drawn, lang)
    units = unit_change_years(hist["year"])  # observed years only: a projection is not marked
    mark_unit_changes(ax, units, lang, below_standard=standard_lines)
    _value_axes(ax, value_label or label("axis.poverty_rate_pct", lang), years, lang)
    legend_below(fig, ax, ncols=5)

    fmt = functools.partial(format_value, lang=lang, kind=value_format, decimals=decimals)
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
    alt = _unit_alt(alt, units, lang)
    return finish_figure(
        fig, chart_title("title.fan", lang, title, area_name), source, synthetic, lang, alt
    )


@styled
def cumulative_chart(
    path: pd.DataFrame,
    projected: tuple[float, float, float] | None = None,
    attainable: float | None = None,
    lang: str = "vi",
    source: str | None = None,
    synthetic: bool = True,
    *,
    area_name: str | None = None,
    title: str | None = None,
) -> Figure:
    """A cumulative target as a path: households taken out of poverty so far against the even
    path to the target total (not a level marker).

    Parameters
    ----------
    path : pandas.DataFrame
        ``year``, ``achieved`` (cumulative, NaN after the last review), ``required`` (the
        target total spread evenly over the window).
    projected : (median, lo80, hi80), optional
        The projected total by the last year of the window, drawn with its 80% interval.
    attainable : float, optional
        The most that can still be reached (achieved plus the households still poor), drawn
        as a line when it is below the target.
    lang, source, synthetic, area_name, title
        As in :func:`trend_chart`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    frame = prepare_frame(path, ["year", "achieved", "required"], "cumulative chart")
    fig = new_figure(7.0)
    ax = fig.subplots()
    years = frame["year"].to_numpy(int)
    ax.plot(years, frame["required"].to_numpy(float), color="black", linestyle="-.",
            linewidth=1.2, label=label("series.required_path", lang))  # fmt: skip
    done = frame.dropna(subset=["achieved"])
    ax.plot(done["year"].to_numpy(int), done["achieved"].to_numpy(float), color=OKABE_ITO["blue"],
            marker="o", markersize=3.5, linewidth=1.8, label=label("series.achieved", lang))  # fmt: skip
    last_year, total = int(years[-1]), float(frame["required"].iloc[-1])
    count = functools.partial(format_number, lang=lang, decimals=0)
    ax.annotate(count(total), (last_year, total), textcoords="offset points", xytext=(4, 4),
                fontsize=7)  # fmt: skip
    projected_text = ""
    if projected is not None and all(pd.notna(v) for v in projected):
        mid, lo, hi = (float(v) for v in projected)
        ax.errorbar([last_year], [mid], yerr=[[mid - lo], [hi - mid]], fmt="D", markersize=5,
                    color=OKABE_ITO["orange"], capsize=3, label=label("series.projected_total", lang))  # fmt: skip
        projected_text = label("alt.cumulative_projected", lang, year=last_year, value=count(mid),
                               lo=count(lo), hi=count(hi))  # fmt: skip
    if attainable is not None and pd.notna(attainable) and attainable < total:
        ax.axhline(float(attainable), color=OKABE_ITO["vermillion"], linestyle=":", linewidth=1.2,
                   label=label("series.attainable", lang, value=count(attainable)))  # fmt: skip
    _value_axes(ax, label("axis.households_cumulative", lang), list(years), lang)
    units = unit_change_years(done["year"])
    mark_unit_changes(ax, units, lang)
    legend_below(fig, ax, ncols=2)
    last = done.iloc[-1] if len(done) else None
    alt = label(
        "alt.cumulative", lang,
        year=int(last["year"]) if last is not None else "–",
        achieved=count(last["achieved"]) if last is not None else "–",
        target_year=last_year, target=count(total), projected=projected_text,
    )  # fmt: skip
    alt = _unit_alt(alt, units, lang)
    return finish_figure(
        fig, chart_title("title.cumulative", lang, title, area_name), source, synthetic, lang, alt
    )
