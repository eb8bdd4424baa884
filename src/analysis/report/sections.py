"""The sections of the district report and the province overview, one function each.

Each section function (``headline(ctx)``, ``trends(ctx)``...) displays its own heading in the
report's language, its chart(s) as inline SVG with a text alternative, its table(s) through
`analysis.report.display.table` (so they also go to the Excel file), and its notes; it returns
``None``, so that a notebook cell ``sections.trends(ctx)`` adds nothing but these outputs to the
report. Markdown cells of the notebook are the analyst's questions; the exported report shows only
these outputs.

The numbers come from the section's data function, re-exported here: ``sections.trends_data(ctx)``
returns the table behind the trend chart (see `analysis.report.section_data` and
`analysis.report.overview_data` for what each returns).
"""

from __future__ import annotations

import html

import pandas as pd

from analysis import charts
from analysis.core.i18n import indicator_name, label, standard_label, status_name
from analysis.core.numbers import format_number, format_percent, format_points, format_signed
from analysis.report import narrative
from analysis.report.context import ReportContext
from analysis.report.display import figure, heading, note, paragraphs, show_html, table
from analysis.report.overview_data import (
    FAN_INDICATORS,
    coverage_data,
    data_note_data,
    league_data,
    projections_data,
    published_data,
    target_league_data,
)
from analysis.report.section_data import (
    communes_data,
    deprivations_data,
    ethnic_data,
    flows_data,
    headline_data,
    place_data,
    trends_data,
)

__all__ = [
    "communes",
    "communes_data",
    "coverage",
    "coverage_data",
    "data_note",
    "data_note_data",
    "deprivations",
    "deprivations_data",
    "ethnic",
    "ethnic_data",
    "flows_data",
    "flows_section",
    "headline",
    "headline_data",
    "league_data",
    "league_table",
    "place",
    "place_data",
    "projections",
    "projections_data",
    "published",
    "published_data",
    "target_league",
    "target_league_data",
    "trends",
    "trends_data",
]


# --------------------------------------------------------------------------------------------
# The area's situation
# --------------------------------------------------------------------------------------------
def headline(ctx: ReportContext) -> None:
    """Headline box: poor and near-poor households and rates, ethnic-minority poor, change since
    the previous review, this year's plan target and how far it was met (`headline_data`)."""
    data = headline_data(ctx)
    lang = ctx.lang
    heading(ctx, "report.section.overview")
    if ctx.data.synthetic:
        show_html(f'<p class="banner">{html.escape(label("report.synthetic_banner", lang))}</p>')
    cards = []
    for r in data.figures.itertuples():
        if r.figure == "change" and not data.comparable:
            cards.append(("card.change", "–", label("standard.not_comparable", lang)))
        elif r.figure == "change":
            cards.append(
                ("card.change", format_signed(r.households, lang), format_points(r.percent, lang))
            )
        elif r.figure == "year_target":
            share = format_percent(r.percent, lang, 0)
            cards.append(
                (
                    "card.year_target",
                    format_number(r.households, lang),
                    label("card.target_met", lang, share=share),
                )
            )
        else:
            cards.append(
                (
                    f"table.{r.figure}",
                    format_number(r.households, lang),
                    format_percent(r.percent, lang),
                )
            )
    items = "".join(
        f'<div class="card"><div class="card-label">{html.escape(label(k, lang))}</div>'
        f'<div class="card-value">{html.escape(v)}</div>'
        f'<div class="card-sub">{html.escape(sub)}</div></div>'
        for k, v, sub in cards
    )
    show_html(f'<div class="headline">{items}</div>')
    texts = [narrative.headline_paragraph(data.narrative_facts, lang)]
    if data.default_target:
        texts.append(label("card.target_default", lang))
    paragraphs(texts)


def trends(ctx: ReportContext) -> None:
    """Poor and near-poor households and rates across all reviews, standards not joined
    (`trends_data`)."""
    heading(ctx, "report.section.trend")
    series = trends_data(ctx)
    figure(
        charts.trend_chart(
            series, ctx.lang, ctx.source, ctx.data.synthetic, area_name=ctx.area_name
        )
    )
    note(ctx, label("report.standard_note", ctx.lang))
    shown = series[["year", "standard", "poor", "poverty_rate", "near_poor", "near_poverty_rate"]]
    shown = shown.assign(standard=[standard_label(c, ctx.lang) for c in shown["standard"]])
    table(
        ctx,
        shown,
        "trend",
        "report.section.trend",
        {
            "poor": "count",
            "near_poor": "count",
            "poverty_rate": "rate",
            "near_poverty_rate": "rate",
        },
    )


def flows_section(ctx: ReportContext) -> None:
    """The year's flows as a waterfall, and flow rates over time (`flows_data`)."""
    heading(ctx, "report.section.flows")
    data = flows_data(ctx)
    f = data.facts
    if data.has_year_flows:
        figure(
            charts.waterfall_chart(
                {k: f[k] for k in ("start", "escaped", "repoverty", "new", "other", "end")},
                ctx.lang,
                ctx.source,
                ctx.data.synthetic,
                year=ctx.year,
                area_name=ctx.area_name,
            )
        )
        paragraphs([narrative.flows_paragraph(f, ctx.lang)])
    else:
        note(ctx, label("note.no_flows", ctx.lang, year=ctx.year))
    figure(charts.flow_rates_chart(data.rates, ctx.lang, ctx.source, ctx.data.synthetic))
    table(
        ctx,
        data.counts,
        "flows",
        "report.section.flows",
        {c: "count" for c in ("start", "escaped", "repoverty", "new", "end")} | {"other": "signed"},
    )


def ethnic(ctx: ReportContext) -> None:
    """Ethnic-minority and other households: rates and the gap between them (`ethnic_data`)."""
    heading(ctx, "report.section.ethnic")
    data = ethnic_data(ctx)
    figure(charts.ethnic_gap_chart(data.rates, ctx.lang, ctx.source, ctx.data.synthetic))
    paragraphs([narrative.ethnic_paragraph(data.facts, ctx.lang)])
    table(
        ctx,
        data.rates[["year", "em_poverty_rate", "non_em_poverty_rate", "gap"]],
        "ethnic",
        "report.section.ethnic",
        {"em_poverty_rate": "rate", "non_em_poverty_rate": "rate", "gap": "points"},
    )


def deprivations(ctx: ReportContext) -> None:
    """Deprivations among poor and near-poor households, by indicator and dimension, against
    the province; Alkire-Foster contributions where household records exist
    (`deprivations_data`)."""
    heading(ctx, "report.section.deprivation")
    data = deprivations_data(ctx)
    df, std = data.shares, data.standard
    figure(
        charts.deprivation_chart(
            df, ctx.lang, ctx.source, ctx.data.synthetic, area_name=ctx.area_name, standard=std
        )
    )
    if data.contributions is not None:
        figure(
            charts.contribution_chart(data.contributions, ctx.lang, ctx.source, ctx.data.synthetic)
        )
        table(
            ctx,
            data.alkire_foster,
            "alkire_foster",
            "caption.alkire_foster",
            {"H": "rate", "A": "rate", "M0": "ratio"},
        )
    paragraphs([narrative.deprivation_paragraph(data.facts, ctx.lang)])
    shown = df.assign(
        indicator=[indicator_name(i, ctx.lang, std) for i in df["indicator"]],
        dimension=[label(f"dimension.{d}", ctx.lang) for d in df["dimension"]],
    )
    table(
        ctx,
        shown,
        "deprivation",
        "report.section.deprivation",
        {"share_area": "rate", "share_province": "rate"},
    )


def communes(ctx: ReportContext) -> None:
    """Communes ranked by poverty rate, small counts flagged, especially difficult marked
    (`communes_data`)."""
    heading(ctx, "report.section.communes")
    data = communes_data(ctx)
    if data is None:
        note(ctx, label("note.no_communes", ctx.lang))
        return
    df = data.communes
    figure(
        charts.commune_ranking_chart(
            df,
            ctx.lang,
            ctx.source,
            ctx.data.synthetic,
            reference=data.area_rate,
            reference_label=ctx.area_name,
        )
    )
    shown = df.assign(
        rate=df["rate"].where(~df["small_count"]),
        especially_difficult=[
            label("word.yes" if v else "word.no", ctx.lang) for v in df["especially_difficult"]
        ],
    )[["commune", "total", "poor", "rate", "especially_difficult"]]
    table(
        ctx,
        shown,
        "communes",
        "report.section.communes",
        {"total": "count", "poor": "count", "rate": "rate"},
    )
    if df["small_count"].any():
        note(
            ctx, label("note.small_count", ctx.lang, n=format_number(ctx.min_households, ctx.lang))
        )


def place(ctx: ReportContext) -> None:
    """The area's place in the province: rank and a map coloured by poverty rate
    (`place_data`)."""
    heading(ctx, "report.section.ranking")
    data = place_data(ctx)
    d = data.districts
    values = dict(zip(d["code"], d["rate"], strict=True))
    if ctx.geojson:
        fig = charts.choropleth(
            values,
            ctx.geojson,
            ctx.geography,
            data.highlight,
            ctx.lang,
            ctx.source,
            ctx.data.synthetic,
            year=ctx.year,
        )
    else:
        fig = charts.tile_map(
            values,
            ctx.geography,
            data.highlight,
            ctx.lang,
            ctx.source,
            ctx.data.synthetic,
            year=ctx.year,
        )
    figure(fig)
    figure(
        charts.rank_chart(
            d.assign(highlight=d["code"] == ctx.area_code),
            ctx.lang,
            ctx.source,
            ctx.data.synthetic,
            year=ctx.year,
            province_rate=data.province_rate,
        )
    )
    paragraphs([narrative.ranking_paragraph(data.facts, ctx.lang)])


# --------------------------------------------------------------------------------------------
# Plan targets
# --------------------------------------------------------------------------------------------
def projections(ctx: ReportContext) -> None:
    """Projections to 2025 and 2030 with 80% and 95% bands, the target and the standard changes
    marked, and the status of each target with a sentence per target (`projections_data`)."""
    heading(ctx, "report.section.targets")
    data = projections_data(ctx)
    targets_by_indicator = {"poor_households": data.t1_level}
    for indicator in FAN_INDICATORS:
        target = targets_by_indicator.get(indicator)
        figure(
            charts.fan_chart(
                data.history[indicator],
                data.projections[indicator],
                target,
                (2022, 2027),
                ctx.lang,
                ctx.source,
                ctx.data.synthetic,
                title=label(f"fan.{indicator}", ctx.lang, area=ctx.area_name),
            )
        )
        if target:
            note(ctx, label("note.t1_level", ctx.lang, value=format_number(target[2025], ctx.lang)))
    note(ctx, label("note.projection_basis", ctx.lang))
    status = data.status
    shown = pd.DataFrame(
        {
            "target": [
                f"{t}: " + label(f"indicator.{i}", ctx.lang)
                for t, i in zip(status["target_id"], status["indicator"], strict=True)
            ],
            "progress": status["progress_so_far"].to_numpy(float),
            "target_value": status["target_value"].to_numpy(float),
            "required_pace": status["required_pace"].to_numpy(float),
            "recent_pace": status["recent_pace"].to_numpy(float),
            "probability": 100 * status["probability"].to_numpy(float),
            "status": [status_name(s, ctx.lang) for s in status["status"]],
        }
    )
    table(
        ctx,
        shown,
        "targets",
        "report.section.targets",
        {"probability": "rate"},
        row_kinds=(
            ["progress", "target_value", "required_pace", "recent_pace"],
            [_unit_kind(i) for i in status["indicator"]],
        ),
    )
    paragraphs([_target_sentence(ctx, r) for r in status.itertuples()])
    if data.default_allocation:
        note(ctx, label("card.target_default", ctx.lang))


def _unit_kind(indicator: str) -> str:
    """How to write an indicator's values: whole households/communes, or two decimals."""
    return "count" if indicator.endswith(("_households", "_communes")) else "ratio"


def _target_sentence(ctx: ReportContext, r) -> str:
    return label(
        "sentence.target",
        ctx.lang,
        target=label(f"target.{r.target_id}", ctx.lang),
        indicator=label(f"indicator.{r.indicator}", ctx.lang),
        status=status_name(r.status, ctx.lang),
        probability=format_percent(
            100 * r.probability if pd.notna(r.probability) else None, ctx.lang, 0
        ),
    )


def target_league(ctx: ReportContext) -> None:
    """Province overview: districts' progress on T1, projected gap, required pace, probability
    (`target_league_data`)."""
    heading(ctx, "section.target_league")
    df = target_league_data(ctx)
    shown = df.assign(
        status=[status_name(s, ctx.lang) if pd.notna(s) else "–" for s in df["status"]]
    )
    table(
        ctx,
        shown,
        "target_league",
        "section.target_league",
        {
            "progress": "count",
            "target_value": "count",
            "gap": "signed",
            "required_pace": "count",
            "probability": "rate",
        },
    )
    note(ctx, label("note.target_league", ctx.lang))


def coverage(ctx: ReportContext) -> None:
    """Coverage of the plan's 100% targets: health insurance (T3), credit (T4), training (T5)
    (`coverage_data`)."""
    heading(ctx, "report.section.coverage")
    table(
        ctx,
        coverage_data(ctx),
        "coverage",
        "report.section.coverage",
        {"health_insurance": "rate", "credit": "rate", "training": "rate"},
    )


# --------------------------------------------------------------------------------------------
# Province overview, data note
# --------------------------------------------------------------------------------------------
def league_table(ctx: ReportContext) -> None:
    """Province overview: districts side by side (households, rates, change, plan target)
    (`league_data`)."""
    heading(ctx, "section.league")
    table(
        ctx,
        league_data(ctx),
        "league",
        "section.league",
        {
            "total": "count",
            "poor": "count",
            "rate": "rate",
            "change_points": "points",
            "reduction": "signed",
            "em_rate": "rate",
            "near_poor": "count",
        },
    )


def published(ctx: ReportContext) -> None:
    """Province overview: the real published province figures beside the data
    (`published_data`)."""
    heading(ctx, "section.published")
    df = published_data(ctx)
    shown = df.assign(indicator=[label(f"published.{i}", ctx.lang) for i in df["indicator"]])
    table(ctx, shown, "published", "section.published", {"published": "ratio", "data": "ratio"})
    note(ctx, label("note.published", ctx.lang))


def data_note(ctx: ReportContext) -> None:
    """Data file and checksum, standard in force, synthetic or not, code version, parameters,
    run time (`data_note_data`)."""
    heading(ctx, "report.section.data_notes")
    df = data_note_data(ctx)
    shown = df.assign(item=[label(k, ctx.lang) for k in df["item"]])
    table(ctx, shown, "data_note", "report.section.data_notes", {})
