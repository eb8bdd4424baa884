"""The first page of a report: where the area stands, on one A4 page.

A district report opens with the verdict of every target (status and a one-line reason), the
key figures with their change since the previous review, three generated sentences and a small
trend chart; the province overview opens with the district x target verdict matrix. For a
report whose year closes a plan period (2025), the verdicts of the targets due by then are the
final ones, judged on actual values, and the later targets (2030) are the outlook.

`first_page_data` returns the numbers (no new computation: the verdicts are
`analysis.projection.status.target_status`'s, the figures `headline_data`'s and `trends_data`'s,
the sentences `analysis.report.narrative`'s); `first_page` displays them as one
``<section class="first-page">``, which the HTML report puts before its table of contents and
the PDF prints alone on page 1 (``templates/report.css``, ``pdf.css``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import charts
from analysis.core.i18n import label, status_name
from analysis.core.numbers import format_number, format_percent, format_points, format_signed
from analysis.report import narrative
from analysis.report.context import PROVINCE, ReportContext, status_table
from analysis.report.display import show_html
from analysis.report.overview_data import projections_data
from analysis.report.section_data import flows_data, headline_data, trends_data

#: Status code -> colour class of its chip (good, watch, bad, none).
CHIP = {
    "achieved": "good",
    "on_track": "good",
    "on track": "good",
    "needs acceleration": "watch",
    "needs_acceleration": "watch",
    "off track": "bad",
    "off_track": "bad",
    "not achieved": "bad",
    "unattainable": "bad",
    "regressing": "bad",
}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ỹ0-9])")


@dataclass(frozen=True, eq=False)
class FirstPage:
    """What the first page of a report shows (see `first_page_data`).

    Attributes
    ----------
    year : int
        The report's review year.
    verdicts : pandas.DataFrame
        One row per target of the area, in the status table's order: ``target_id``,
        ``indicator``, ``target`` (the target's short name in the report language), ``first_year``
        and ``target_year`` (its period),
        ``status`` (code), ``reason`` (the verdict's reason on one line, `one_line`) and ``final``
        (True when the target's year has data: judged on actual values).
    figures : pandas.DataFrame
        The key figures, one row each: ``figure`` (``poor``, ``near_poor``, ``em_poor``,
        ``year_target``), ``households``, ``percent`` (the rate; for ``year_target`` the share
        met), ``change_households`` and ``change_points`` (since ``prev_year``; NaN without a
        previous review under the same standard, and for ``year_target``).
    prev_year : int or None
        The review the changes are counted from.
    sentences : list of str
        Three sentences: the year's situation, its flows (or the ethnic-minority gap) and the
        2030 outlook when there is one.
    trend : pandas.DataFrame
        `trends_data` from the first year of the plan period (the small trend chart).
    matrix : pandas.DataFrame or None
        Province overview only (`verdict_matrix_data`); None in a district report.
    """

    year: int
    verdicts: pd.DataFrame
    figures: pd.DataFrame
    prev_year: int | None
    sentences: list
    trend: pd.DataFrame
    matrix: pd.DataFrame | None


def first_sentence(text: str) -> str:
    """The first sentence of a text (a verdict's reason on one line).

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        Up to and including the first full stop followed by a space and a capital or a digit
        (decimal points and "(huyện cũ)." do not end it); the whole text if there is none.
    """
    text = " ".join(str(text).split())
    return _SENTENCE_END.split(text, maxsplit=1)[0]


def one_line(reason: str, limit: int = 160) -> str:
    """A verdict's reason shortened for one line of the first page.

    The first sentence; while it is longer than ``limit`` characters and has clauses (after
    "; " outside parentheses), its last clause is dropped (a projection's probability, given
    by the status already).

    Parameters
    ----------
    reason : str
    limit : int

    Returns
    -------
    str
    """
    text = first_sentence(reason).rstrip(".")
    while len(text) > limit:
        cuts = [i for i in _clause_breaks(text) if i > 0]
        if not cuts:
            break
        text = text[: cuts[-1]]
    return text + "."


def _clause_breaks(text: str) -> list[int]:
    """Positions of "; " outside parentheses."""
    out, depth = [], 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and ch == ";" and text[i + 1 : i + 2] == " ":
            out.append(i)
    return out


def target_name(target_id: str, lang: str, short: bool = False) -> str:
    """The name of a target (``T1``; ``T1-2022`` is the plan for 2022), in full as the plan
    words it or ``short`` (one line of the first page)."""
    prefix = "target_short" if short else "target"
    if "-" in target_id:
        code, year = target_id.split("-", 1)
        return label(f"{prefix}.plan.{code}", lang, year=year)
    return label(f"{prefix}.{target_id}", lang)


def verdict_rows(status: pd.DataFrame, year: int, lang: str) -> pd.DataFrame:
    """The verdicts of a status table as the first page lists them.

    Parameters
    ----------
    status : pandas.DataFrame
        `analysis.projection.status.target_status` of one area.
    year : int
        The report's review year.
    lang : {"vi", "en"}

    Returns
    -------
    pandas.DataFrame
        See `FirstPage.verdicts`.
    """
    return pd.DataFrame(
        {
            "target_id": status["target_id"].astype(str).to_numpy(),
            "indicator": status["indicator"].astype(str).to_numpy(),
            "target": [target_name(t, lang, short=True) for t in status["target_id"].astype(str)],
            "first_year": status["first_year"].astype(int).to_numpy(),
            "target_year": status["target_year"].astype(int).to_numpy(),
            "status": status["status"].to_numpy(),
            "reason": [one_line(r) for r in status[f"reason_{lang}"]],
            "final": (status["target_year"].astype(int) <= year).to_numpy(),
        }
    )


def key_figures(ctx: ReportContext) -> tuple[pd.DataFrame, int | None]:
    """The key figures and their change since the previous review under the same standard.

    The values are `headline_data`'s; the changes are differences of consecutive rows of
    `trends_data` (and of the ethnic-minority poor households of the area's rows).

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    (pandas.DataFrame, int or None)
        `FirstPage.figures` and the previous review's year.
    """
    head = headline_data(ctx).figures.set_index("figure")
    trend = trends_data(ctx).set_index("year")
    prev = int(trend.index[-2]) if len(trend) > 1 else None
    if prev is not None and trend.loc[prev, "standard"] != trend.loc[ctx.year, "standard"]:
        prev = None
    rows = ctx.rows()
    em = rows.set_index(rows["year"].astype(int))["em_poor_end"].astype(float)
    columns = {"poor": "poverty_rate", "near_poor": "near_poverty_rate", "em_poor": None}
    out = []
    for name, rate_col in columns.items():
        households, percent = head.loc[name, "households"], head.loc[name, "percent"]
        d_households = d_points = np.nan
        if prev is not None:
            before = em.get(prev, np.nan) if name == "em_poor" else trend.loc[prev, name]
            d_households = households - before
            rate_col = rate_col or "em_poverty_rate"
            d_points = trend.loc[ctx.year, rate_col] - trend.loc[prev, rate_col]
        out.append((name, households, percent, d_households, d_points))
    if "year_target" in head.index:
        t = head.loc["year_target"]
        out.append(("year_target", t["households"], t["percent"], np.nan, np.nan))
    frame = pd.DataFrame(
        out, columns=["figure", "households", "percent", "change_households", "change_points"]
    )
    return frame.astype({c: float for c in frame.columns[1:]}), prev


def summary_sentences(ctx: ReportContext, outlook: pd.DataFrame | None) -> list[str]:
    """Three generated sentences: the year, its flows (or the ethnic gap), the 2030 outlook.

    Each is the first sentence of a paragraph of `analysis.report.narrative` (the outlook: its
    last sentence, the one about 2030); when one is missing the next candidate takes its place.
    """
    from analysis.report.section_data import ethnic_data

    head = headline_data(ctx)
    flows = flows_data(ctx)
    candidates = [first_sentence(narrative.headline_paragraph(head.narrative_facts, ctx.lang))]
    if flows.has_year_flows:
        candidates.append(first_sentence(narrative.flows_paragraph(flows.facts, ctx.lang)))
    if outlook is not None and outlook["point"].notna().any():
        said = narrative.outlook_sentences(outlook, ctx.area_name, ctx.lang)
        if said:
            candidates.append(said[-1])
    candidates.append(first_sentence(narrative.ethnic_paragraph(ethnic_data(ctx).facts, ctx.lang)))
    return [s for s in candidates if s][:3]


def verdict_matrix_data(ctx: ReportContext) -> pd.DataFrame:
    """Province overview: the verdict of every plan and national target, for the province and
    each (former) district (the same verdicts as `final_matrix_data` for the targets due, and
    the projected ones for later targets).

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    pandas.DataFrame
        One row per area (``area``: "Toàn tỉnh" / "Province", then the district names) and one
        column per target (``T1``...; a target judged on two indicators has one column each,
        ``T7:repoverty_households``), holding status codes (None where the target does not
        concern the area). The frame's ``attrs["targets"]`` lists the target ids of the
        columns, ``attrs["target_years"]`` their years.
    """
    codes = list(ctx.geography.district_codes())
    status = status_table(ctx, ["province", *codes])
    status = status[status["scope"] != "annual plan"]
    repeated = status.groupby(["area_code", "target_id"])["indicator"].transform("size") > 1
    ids = status["target_id"].astype(str)
    key = ids.where(~repeated, ids + ":" + status["indicator"].astype(str))
    order = list(dict.fromkeys(key))
    wide = status.assign(key=key).pivot(index="area_code", columns="key", values="status")
    wide = wide.reindex(index=["province", *codes], columns=order)
    names = ctx.geography.districts.set_index("district_code")["bare_name"]
    areas = [label("area.province", ctx.lang), *[str(names[c]) for c in codes]]
    out = wide.astype(object).where(wide.notna(), None).reset_index(drop=True)
    out.insert(0, "area", areas)
    out.columns.name = None
    years = status.assign(key=key).drop_duplicates("key").set_index("key")["target_year"]
    out.attrs["targets"] = [k.split(":")[0] for k in order]
    out.attrs["target_years"] = [int(years[k]) for k in order]
    return out


def _plan_period(trend: pd.DataFrame, status: pd.DataFrame) -> pd.DataFrame:
    """The reviews from the start of the plan period (the earliest plan target's first year),
    or the last three when that leaves fewer."""
    plan = status[status["scope"] == "plan"]
    if plan.empty:
        return trend
    start = int(plan["first_year"].min())
    kept = trend[trend["year"] >= start]
    return (kept if len(kept) >= 3 else trend.tail(3)).reset_index(drop=True)


def first_page_data(ctx: ReportContext) -> FirstPage:
    """The first page of the report: verdicts, key figures, three sentences, the trend.

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    FirstPage
    """
    proj = projections_data(ctx)
    figures, prev = key_figures(ctx)
    return FirstPage(
        year=ctx.year,
        verdicts=verdict_rows(proj.status, ctx.year, ctx.lang),
        figures=figures,
        prev_year=prev,
        sentences=summary_sentences(ctx, proj.outlook if proj.projected else None),
        trend=_plan_period(trends_data(ctx), proj.status),
        matrix=verdict_matrix_data(ctx) if ctx.level == PROVINCE else None,
    )


# --------------------------------------------------------------------------------------------
# Display
# --------------------------------------------------------------------------------------------
def _esc(text) -> str:
    return html.escape(str(text))


def _chip(status, lang: str, short: bool = False) -> str:
    if status is None or (isinstance(status, float) and np.isnan(status)):
        return '<span class="chip chip-none">–</span>'
    code = str(status)
    key = f"status_short.{code.replace(' ', '_')}"
    if short and code == "not applicable":  # the matrix: a dash, explained under it
        return f'<span class="chip chip-none" title="{_esc(status_name(code, lang))}">–</span>'
    text = label(key, lang) if short else status_name(code, lang)
    return f'<span class="chip chip-{CHIP.get(code, "none")}">{_esc(text)}</span>'


def _cards(data: FirstPage, lang: str) -> str:
    cards = []
    for r in data.figures.itertuples():
        if r.figure == "year_target":
            value = format_number(r.households, lang)
            sub = label("card.target_met", lang, share=format_percent(r.percent, lang, 0))
            change = ""
        else:
            value = format_number(r.households, lang)
            sub = format_percent(r.percent, lang)
            change = (
                label(
                    "fp.change",
                    lang,
                    households=format_signed(r.change_households, lang),
                    points=format_points(r.change_points, lang),
                )
                if data.prev_year is not None and np.isfinite(r.change_households)
                else label("fp.no_change", lang)
            )
        name = "card.year_target" if r.figure == "year_target" else f"table.{r.figure}"
        cards.append(
            f'<div class="card"><div class="card-label">{_esc(label(name, lang))}</div>'
            f'<div class="card-value">{_esc(value)} <span class="card-sub">{_esc(sub)}</span>'
            f'</div><div class="card-change">{_esc(change)}</div></div>'
        )
    return f'<div class="headline fp-cards">{"".join(cards)}</div>'


def _verdict_rows(rows: pd.DataFrame, lang: str) -> str:
    return "".join(
        f'<tr><td class="fp-code">{_esc(r.target_id)}</td>'
        f'<td class="fp-name">{_esc(_row_name(r, rows, lang))}'
        f'</td><td class="fp-status">{_chip(r.status, lang)}</td><td>{_esc(r.reason)}</td></tr>'
        for r in rows.itertuples()
    )


def _row_name(r, rows: pd.DataFrame, lang: str) -> str:
    """The target's short name; for a target judged on several indicators (T7), the name
    with the row's indicator."""
    if int((rows["target_id"] == r.target_id).sum()) < 2:
        return r.target
    return f"{r.target}: {_indicator_short(r.indicator, lang)}"


def _indicator_short(indicator: str, lang: str) -> str:
    from analysis.core.i18n import labels

    key = f"indicator_short.{indicator}"
    return label(key, lang) if key in labels() else label(f"indicator.{indicator}", lang)


def _groups(data: FirstPage, lang: str) -> str:
    """One table of every verdict: the targets due (actual values), then the later ones
    (projected), each group under a row naming it."""
    body = []
    done, later = data.verdicts[data.verdicts["final"]], data.verdicts[~data.verdicts["final"]]
    if len(done):
        first, last = int(done["first_year"].min()), int(done["target_year"].max())
        period = f"{first}–{last}" if first < last else str(last)
        title = label("fp.final", lang, period=period)
        body.append(f'<tr class="fp-group"><th colspan="4">{_esc(title)}</th></tr>')
        body.append(_verdict_rows(done, lang))
    if len(later):
        years = ", ".join(str(y) for y in sorted(set(later["target_year"])))
        title = label("fp.outlook", lang, years=years)
        body.append(f'<tr class="fp-group"><th colspan="4">{_esc(title)}</th></tr>')
        body.append(_verdict_rows(later, lang))
    head = "".join(
        f"<th>{_esc(label(k, lang))}</th>"
        for k in ("fp.code", "col.target", "col.status", "col.reason")
    )
    return (
        f'<p class="fp-heading">{_esc(label("fp.verdicts", lang))}</p>'
        f'<div class="fp-scroll"><table class="fp-verdicts"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _matrix(matrix: pd.DataFrame, lang: str) -> str:
    targets = matrix.attrs.get("targets", [])
    cols = list(matrix.columns[1:])
    head = f"<th>{_esc(label('fp.area', lang))}</th>" + "".join(
        f'<th title="{_esc(c)}">{_esc(_matrix_header(c, lang))}</th>' for c in cols
    )
    body = "".join(
        f"<tr><td>{_esc(row[0])}</td>"
        + "".join(f"<td>{_chip(s, lang, short=True)}</td>" for s in row[1:])
        + "</tr>"
        for row in matrix.itertuples(index=False)
    )
    legend = "".join(
        f"<li><b>{_esc(_matrix_header(c, lang))}</b> {_esc(target_name(t, lang))}"
        f"{_esc(' (' + str(y) + ')')}</li>"
        for c, t, y in zip(cols, targets, matrix.attrs.get("target_years", []), strict=False)
    )
    return (
        f'<div class="fp-scroll"><table class="fp-matrix"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
        f'<ul class="fp-legend">{legend}</ul>'
        f'<p class="note">{_esc(label("fp.matrix_note", lang))}</p>'
    )


def _matrix_header(key: str, lang: str) -> str:
    code, _, indicator = key.partition(":")
    return f"{code} {_indicator_short(indicator, lang)}" if indicator else code


def first_page(ctx: ReportContext) -> None:
    """The report's first page: every verdict with its reason, the key figures with their
    change, three sentences and a small trend chart; the province overview shows the district
    x target verdict matrix instead of its own verdict list (`first_page_data`)."""
    data = first_page_data(ctx)
    lang = ctx.lang
    parts = ['<section class="first-page">']
    if ctx.data.synthetic:
        parts.append(f'<p class="banner">{_esc(label("report.synthetic_banner", lang))}</p>')
    figures = label("fp.figures", lang, year=ctx.year)
    if data.prev_year is not None:
        figures += " " + label("fp.since", lang, year=data.prev_year)
    parts.append(f'<p class="fp-heading">{_esc(figures)}</p>')
    parts.append(_cards(data, lang))
    body = "".join(f"<p>{_esc(s)}</p>" for s in data.sentences)
    sentences = f'<div class="narrative fp-sentences">{body}</div>'
    if data.matrix is not None:
        parts.append(sentences)
        title = label("fp.matrix", lang, year=ctx.year)
        parts.append(f'<p class="fp-heading">{_esc(title)}</p>{_matrix(data.matrix, lang)}')
    else:
        parts.append(f'<div class="fp-top">{sentences}{_trend_figure(ctx, data)}</div>')
        parts.append(_groups(data, lang))
    parts.append("</section>")
    show_html("".join(parts))


def _trend_figure(ctx: ReportContext, data: FirstPage) -> str:
    """The small trend chart (11.5 cm wide, beside the sentences; printed at its drawn size,
    so its text stays 7 pt or more)."""
    with charts.style.figure_size(width_cm=11.5, height_factor=0.85):
        fig = charts.trend_chart(
            data.trend,
            ctx.lang,
            ctx.source,
            ctx.data.synthetic,
            title=label("fp.trend_title", ctx.lang, area=ctx.area_name),
        )
    svg = charts.figure_to_svg(fig)
    svg = svg[svg.index("<svg") :]
    alt = _esc(getattr(fig, "alt_text", ""))
    return f'<figure class="chart"><div role="img" aria-label="{alt}">{svg}</div></figure>'
