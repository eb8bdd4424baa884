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
from analysis.report.first_page import first_page, first_page_data
from analysis.report.overview_data import (
    FAN_INDICATORS,
    coverage_data,
    data_note_data,
    final_assessment_data,
    final_matrix_data,
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
    new_communes_data,
    place_data,
    trends_data,
)
from analysis.report.target_tables import outlook_table, verdicts

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
    "final_assessment",
    "final_assessment_data",
    "final_matrix_data",
    "first_page",
    "first_page_data",
    "flows_data",
    "flows_section",
    "headline",
    "headline_data",
    "league_data",
    "league_table",
    "new_communes",
    "new_communes_data",
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


def _shorter():
    """Line and bar charts drawn at 85% of their usual height: the PDF takes fewer pages."""
    return charts.style.figure_size(height_factor=0.85)


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
    if (ctx.year, ctx.area_code) in ctx.data.estimated:  # a share of a commune on two districts
        note(ctx, label("note.estimated", lang, year=ctx.year))


def trends(ctx: ReportContext) -> None:
    """Poor and near-poor households and rates across all reviews, standards not joined
    (`trends_data`)."""
    heading(ctx, "report.section.trend")
    series = trends_data(ctx)
    with _shorter():
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
        paragraphs([narrative.flows_paragraph(f, ctx.lang)])
        with _shorter():
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
    else:
        note(ctx, label("note.no_flows", ctx.lang, year=ctx.year))
    with _shorter():
        figure(
            charts.flow_rates_chart(
                data.rates, ctx.lang, ctx.source, ctx.data.synthetic, area_name=ctx.area_name
            )
        )
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
    # text first, then the chart: on paper the text fills what a chart would leave empty
    paragraphs([narrative.ethnic_paragraph(data.facts, ctx.lang)])
    with _shorter():
        figure(
            charts.ethnic_gap_chart(
                data.rates, ctx.lang, ctx.source, ctx.data.synthetic, area_name=ctx.area_name
            )
        )
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
    paragraphs([narrative.deprivation_paragraph(data.facts, ctx.lang)])
    figure(
        charts.deprivation_chart(
            df, ctx.lang, ctx.source, ctx.data.synthetic, area_name=ctx.area_name, standard=std
        )
    )
    if data.contributions is not None:
        figure(
            charts.contribution_chart(
                data.contributions,
                ctx.lang,
                ctx.source,
                ctx.data.synthetic,
                area_name=ctx.area_name,
            )
        )
        table(
            ctx,
            data.alkire_foster,
            "alkire_foster",
            "caption.alkire_foster",
            {"H": "rate", "A": "rate", "M0": "index"},
        )
        note(ctx, _h_beside_rate(ctx, float(data.alkire_foster["H"].iloc[0])))
    else:
        note(ctx, _why_no_alkire_foster(ctx))
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


def _why_no_alkire_foster(ctx: ReportContext) -> str:
    """One sentence: the Alkire-Foster measures need household records of the report's year."""
    households = ctx.data.households
    years = sorted({int(y) for y in households["year"]}) if households is not None else []
    if not years:
        return label("note.af_none", ctx.lang)
    runs: list[list[int]] = []  # consecutive years as "2016–2024", gaps as ", "
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    span = ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)
    return label("note.af_none_year", ctx.lang, years=span, year=str(ctx.year))


def _h_beside_rate(ctx: ReportContext, h: float) -> str:
    """One sentence: why H (deprived in k of d indicators) differs from the official rate."""
    from analysis.report.context import af_by_district, facts

    af = af_by_district(ctx.data, ctx.year, ctx.min_households)
    return label("note.h_vs_rate", ctx.lang, h=format_percent(h, ctx.lang),
                 k=format_number(af.k, ctx.lang), d=round(af.k / af.cutoff),
                 rate=format_percent(facts(ctx)["rate"], ctx.lang))  # fmt: skip


def communes(ctx: ReportContext) -> None:
    """Communes ranked by poverty rate, small counts flagged, especially difficult marked
    (`communes_data`); from the 2025 review, the new communes over the former district
    (`new_communes`), unless the file keeps that review by former commune."""
    if new_communes_data(ctx) is not None:
        new_communes(ctx)
        return
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


def new_communes(ctx: ReportContext) -> None:
    """From the 2025 review: the new communes of 1 July 2025 over the area ranked by poverty
    rate, each with its former communes and its figures as reported, those spanning two former
    districts marked (`new_communes_data`); nothing for a review kept by former commune."""
    lang = ctx.lang
    if ctx.geography.unit_system_for_year(ctx.year) == ctx.geography.former_system:
        return
    heading(ctx, "report.section.new_communes")
    data = new_communes_data(ctx)
    if data is None:
        note(ctx, label("note.no_new_communes", lang, year=ctx.year))
        return
    df, mark = data.communes, label("marker.split_commune", lang)
    names = [f"{c} {mark}" if s else c for c, s in zip(df["commune"], df["split"], strict=True)]
    area = label("title.area_suffix", lang, area=ctx.area_name)
    figure(charts.commune_ranking_chart(df.assign(commune=names), lang, ctx.source,
           ctx.data.synthetic, reference=data.area_rate, reference_label=ctx.area_name,
           title=label("title.new_commune_ranking", lang, area=area)))  # fmt: skip
    ed = label("marker.especially_difficult", lang)  # the table marks what the chart colours
    marked = zip(names, df["especially_difficult"], strict=True)
    shown = df.assign(
        commune=[f"{n} ({ed})" if e else n for n, e in marked],
        rate=df["rate"].where(~df["small_count"]),
    )
    where = ["former_districts"] if ctx.level == "province" else []  # a district's are its own
    shown = shown[["commune", *where, "former_communes", "total", "poor", "rate", "near_poor",
                   "em_poor"]]  # fmt: skip
    counts = {c: "count" for c in ("total", "poor", "near_poor", "em_poor")}
    short = {c: label(f"col.short_{c}", lang) for c in counts}  # eight columns fit a page
    table(ctx, shown, "new_communes", "report.section.new_communes", counts | {"rate": "rate"},
          headers=short)  # fmt: skip
    note(ctx, label("note.new_communes", lang, year=ctx.year))
    split = df[df["split"]]
    if len(split):
        pairs = zip(split["commune"], split["former_districts"], strict=True)
        spans = "; ".join(f"{c} ({d})" for c, d in pairs)
        note(ctx, label("note.split_communes", lang, communes=spans))
    if df["small_count"].any():
        note(ctx, label("note.small_count", lang, n=format_number(ctx.min_households, lang)))


def place(ctx: ReportContext) -> None:
    """The area's place in the province: rank and a map coloured by poverty rate
    (`place_data`)."""
    heading(ctx, "report.section.ranking")
    data = place_data(ctx)
    paragraphs([narrative.ranking_paragraph(data.facts, ctx.lang)])
    d = data.districts
    values = dict(zip(d["code"], d["rate"], strict=True))
    # the ranking first: on paper it fits where the taller map would leave a gap
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


# --------------------------------------------------------------------------------------------
# Plan targets
# --------------------------------------------------------------------------------------------
def projections(ctx: ReportContext) -> None:
    """The verdict on every target with its reason, the T1 path, and the forecasts to 2030 stated
    in a table, a chart per headline indicator and two sentences (`projections_data`)."""
    heading(ctx, "report.section.targets")
    data = projections_data(ctx)
    verdicts(ctx, data.status)
    if data.cumulative is not None:
        t1 = data.status[data.status["target_id"] == "T1"].iloc[0]
        with _shorter():
            figure(
                charts.cumulative_chart(
                    data.cumulative,
                    (t1["projected_value"], t1["projected_lo80"], t1["projected_hi80"]),
                    _attainable(t1),
                    ctx.lang,
                    ctx.source,
                    ctx.data.synthetic,
                    area_name=ctx.area_name,
                )
            )
    heading(ctx, "report.section.outlook")
    if not data.projected:
        note(ctx, label("note.too_few_reviews", ctx.lang, points=data.points))
        return
    paragraphs(narrative.outlook_sentences(data.outlook, ctx.area_name, ctx.lang))
    for indicator in FAN_INDICATORS:
        rows = data.outlook[(data.outlook["indicator"] == indicator) & ~data.outlook["bridged"]]
        households = indicator.endswith("_households")
        with _shorter():
            figure(
                charts.fan_chart(
                    data.history[indicator],
                    rows.rename(columns={"point": "mean"}),
                    None,
                    (2022, 2027),
                    ctx.lang,
                    ctx.source,
                    ctx.data.synthetic,
                    title=label(f"fan.{indicator}", ctx.lang, area=ctx.area_name),
                    value_label=label(f"axis.{indicator}", ctx.lang),
                    value_format="number" if households else "percent",
                    decimals=0 if households else 2,
                )
            )
    outlook_table(ctx, data.outlook)
    bridged = bool(data.outlook["bridged"].any())
    note(ctx, label("note.outlook_basis" if bridged else "note.outlook_no_bridge", ctx.lang,
                    year=ctx.year))  # fmt: skip
    note(ctx, label("note.projection_basis", ctx.lang))


def _attainable(t1) -> float | None:
    """The most an unattainable cumulative target can still reach (achieved + still poor)."""
    if t1["status"] != "unattainable" or pd.isna(t1["max_attainable"]):
        return None
    return float(t1["max_attainable"])


def target_league(ctx: ReportContext) -> None:
    """Province overview: every district's verdict on T1 with what is still needed and the
    households still poor (`target_league_data`)."""
    heading(ctx, "section.target_league")
    df = target_league_data(ctx)
    shown = df.drop(columns=["reason_vi", "reason_en"]).assign(
        status=[status_name(s, ctx.lang) if pd.notna(s) else "–" for s in df["status"]],
        probability=df["probability"] / 100,
    )
    table(
        ctx,
        shown,
        "target_league",
        "section.target_league",
        {"achieved": "count", "target_value": "count", "still_needed": "count",
         "poor_left": "count", "probability": "probability"},
    )  # fmt: skip
    note(ctx, label("note.target_league", ctx.lang))


def final_assessment(ctx: ReportContext) -> None:
    """Were the targets met? Once the data hold a target's year (the 2021-2025 targets with the
    2025 review), every such target judged on its actual value, by how much; the province
    overview adds the verdict of every district (`final_assessment_data`, `final_matrix_data`).
    Shows nothing before that."""
    data = final_assessment_data(ctx)
    if data is None:
        return
    heading(ctx, "report.section.final")
    kinds = {"households": "count", "communes": "count", "percent": "rate"}
    shown = pd.DataFrame(
        {
            "target": data["target_id"].to_numpy(),
            "verdict_on": [label(f"indicator.{i}", ctx.lang) for i in data["indicator"]],
            "period": data["period"].to_numpy(),
            "result": data["result"].to_numpy(float),
            "target_value": data["target_value"].to_numpy(float),
            "shortfall": data["shortfall"].to_numpy(float),
            "status": [status_name(s, ctx.lang) for s in data["status"]],
            "reason": data[f"reason_{ctx.lang}"].to_numpy(),
        }
    )
    table(ctx, shown, "final", "report.section.final", {},
          row_kinds=(["result", "target_value", "shortfall"],
                     [kinds.get(u, "ratio") for u in data["unit"]]))  # fmt: skip
    if ctx.level == "province":
        matrix = final_matrix_data(ctx)
        shown = matrix.copy()
        for col in shown.columns[1:]:
            shown[col] = [
                status_name(s, ctx.lang) if isinstance(s, str) else "–" for s in shown[col]
            ]
        shown["target"] = [f"{k.split(':')[0]}: " + label(f"indicator.{k.split(':')[1]}", ctx.lang)
                           for k in shown["target"]]  # fmt: skip
        names = {c: c for c in shown.columns[2:]}  # district names as they are
        table(ctx, shown, "final_districts", "report.final_districts", {}, headers=names)
    note(ctx, label("note.final", ctx.lang, year=ctx.year))


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
            "reduction": "count",  # a fall, in words in the header: no sign
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
    kinds = ["count" if i.endswith("_households") else "ratio" for i in df["indicator"]]
    table(ctx, shown, "published", "section.published", {},
          row_kinds=(["published", "data"], kinds))  # fmt: skip
    note(ctx, label("note.published", ctx.lang))


def data_note(ctx: ReportContext) -> None:
    """Data file and checksum, standard in force, synthetic or not, code version, parameters,
    run time (`data_note_data`)."""
    heading(ctx, "report.section.data_notes")
    df = data_note_data(ctx)
    shown = df.assign(item=[label(k, ctx.lang) for k in df["item"]])
    table(ctx, shown, "data_note", "report.section.data_notes", {})
