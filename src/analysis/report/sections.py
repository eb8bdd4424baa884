"""The sections of the district report and the province overview, one function each.

Each section displays its own heading in the report's language, its chart(s) as inline SVG with
a text alternative, its table(s) through `analysis.report.tables.report_table` (so they also go to the
Excel file), and its notes. Markdown cells of the notebook are the analyst's questions; the
exported report shows only these outputs.
"""

from __future__ import annotations

import html

import pandas as pd

from analysis import __version__
from analysis.bundled import datasets
from analysis.charts import figures as charts
from analysis.compute import area_rates, deprivation
from analysis.core.i18n import indicator_name, label, standard_label, status_name
from analysis.core.numbers import format_number, format_percent, format_points, format_signed
from analysis.reference.standards import standard_for_year
from analysis.report import narrative
from analysis.report.context import (
    HEADLINE_KEYS,
    PROVINCE,
    SEED,
    ReportContext,
    af_by_district,
    district_rates,
    facts,
    model_weights,
    pick,
    plan_facts,
    shown_rates,
    status_table,
    zone_rows,
)


# --------------------------------------------------------------------------------------------
# Display helpers
# --------------------------------------------------------------------------------------------
def _display_html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def _heading(ctx: ReportContext, key: str) -> None:
    _display_html(f"<h2>{html.escape(label(key, ctx.lang))}</h2>")


def _paragraphs(texts: list[str]) -> None:
    body = "".join(f"<p>{html.escape(t)}</p>" for t in texts if t)
    if body:
        _display_html(f'<div class="narrative">{body}</div>')


def _figure(fig) -> None:
    svg = charts.figure_to_svg(fig)
    svg = svg[svg.index("<svg") :]
    alt = html.escape(getattr(fig, "alt_text", "") or "")
    _display_html(f'<figure class="chart"><div role="img" aria-label="{alt}">{svg}</div></figure>')


def _note(ctx: ReportContext, text: str) -> None:
    _display_html(f'<p class="note">{html.escape(text)}</p>')


def _table(
    ctx: ReportContext,
    df: pd.DataFrame,
    name: str,
    caption_key: str,
    formats: dict,
    row_kinds: tuple[list[str], list[str]] | None = None,
):
    """Show a table with localised headers and numbers; register it for Excel.

    ``formats`` maps a column to its kind of number (count, rate, points, signed, ratio);
    ``row_kinds`` = (columns, kind per row) formats those columns row by row instead, for tables
    whose rows hold different units (households, percentages, points).
    """
    from analysis.report.tables import report_table

    headers = {c: label(f"col.{c}", ctx.lang) for c in df.columns}
    shown = df.reset_index(drop=True).rename(columns=headers)
    fmt = {headers[c]: _formatter(kind, ctx.lang) for c, kind in formats.items() if c in headers}
    styler = shown.style.format(fmt, na_rep="–", escape="html")
    if row_kinds is not None:
        columns, kinds = row_kinds
        for kind in set(kinds):
            rows = [i for i, k in enumerate(kinds) if k == kind]
            subset = pd.IndexSlice[rows, [headers[c] for c in columns]]
            styler = styler.format(_formatter(kind, ctx.lang), subset=subset, na_rep="–")
    styler = styler.format_index(escape="html", axis=1).format_index(escape="html", axis=0)
    caption = label(caption_key, ctx.lang)
    if ctx.data.synthetic:  # every table (and Excel sheet) made from synthetic data says so
        caption = f"{caption} — {label('source.synthetic', ctx.lang)}"
    report_table(styler, name, caption)


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
    raise ValueError(f"unknown format kind {kind!r}")


def headline(ctx: ReportContext) -> None:
    """Headline box: poor and near-poor households and rates, ethnic-minority poor, change since
    the previous review, this year's plan target and how far it was met."""
    f = facts(ctx)
    lang = ctx.lang
    _heading(ctx, "report.section.overview")
    if ctx.data.synthetic:
        _display_html(
            f'<p class="banner">{html.escape(label("report.synthetic_banner", lang))}</p>'
        )
    cards = [
        ("table.poor", format_number(f["poor"], lang), format_percent(f["rate"], lang)),
        (
            "table.near_poor",
            format_number(f["near_poor"], lang),
            format_percent(f["near_rate"], lang),
        ),
        ("table.em_poor", format_number(f["em_poor"], lang), format_percent(f["em_rate"], lang)),
    ]
    if f.get("prev_year") and f["comparable"]:
        points = (
            format_points(f["rate"] - f["prev_rate"], lang)
            if f["rate"] is not None and f["prev_rate"] is not None
            else "–"
        )
        cards.append(("card.change", format_signed(f["poor"] - f["prev_poor"], lang), points))
    elif f.get("prev_year"):
        cards.append(("card.change", "–", label("standard.not_comparable", lang)))
    if f.get("year_target"):
        share = 100 * f["reduction"] / f["year_target"] if f.get("reduction") is not None else None
        cards.append(
            (
                "card.year_target",
                format_number(f["year_target"], lang),
                label("card.target_met", lang, share=format_percent(share, lang, 0)),
            )
        )
    items = "".join(
        f'<div class="card"><div class="card-label">{html.escape(label(k, lang))}</div>'
        f'<div class="card-value">{html.escape(v)}</div>'
        f'<div class="card-sub">{html.escape(sub)}</div></div>'
        for k, v, sub in cards
    )
    _display_html(f'<div class="headline">{items}</div>')
    texts = [narrative.headline_paragraph(pick(f, HEADLINE_KEYS), lang)]
    if str(f.get("year_target_source", "")).startswith("default"):
        texts.append(label("card.target_default", lang))
    _paragraphs(texts)


def _series(ctx: ReportContext) -> pd.DataFrame:
    rows = ctx.rows()
    rates = shown_rates(ctx, rows)
    flows_ = area_rates.suppress_small(area_rates.flow_rates(rows, ctx.min_households))
    out = pd.DataFrame(
        {
            "year": rows["year"].astype(int).to_numpy(),
            "standard": [standard_for_year(y).code for y in rows["year"]],
            "poor": rows["poor_end"].to_numpy(float),
            "near_poor": rows["near_poor_end"].to_numpy(float),
            "poverty_rate": rates["poverty_rate"].to_numpy(float),
            "near_poverty_rate": rates["near_poverty_rate"].to_numpy(float),
            "em_poverty_rate": rates["em_poverty_rate"].to_numpy(float),
            "non_em_poverty_rate": rates["non_em_poverty_rate"].to_numpy(float),
            "escape_rate": flows_["escape_rate"].to_numpy(float),
            "repoverty_rate": flows_["repoverty_rate"].to_numpy(float),
            "new_poverty_rate": flows_["new_poverty_rate"].to_numpy(float),
        }
    )
    return out[out["year"] <= ctx.year].reset_index(drop=True)


def trends(ctx: ReportContext) -> None:
    """Poor and near-poor households and rates across all reviews (standards not joined)."""
    _heading(ctx, "report.section.trend")
    series = _series(ctx)
    _figure(
        charts.trend_chart(
            series, ctx.lang, ctx.source, ctx.data.synthetic, area_name=ctx.area_name
        )
    )
    _note(ctx, label("report.standard_note", ctx.lang))
    table = series[["year", "standard", "poor", "poverty_rate", "near_poor", "near_poverty_rate"]]
    table = table.assign(standard=[standard_label(c, ctx.lang) for c in table["standard"]])
    _table(
        ctx,
        table,
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
    """The year's flows as a waterfall, and flow rates over time."""
    _heading(ctx, "report.section.flows")
    f = facts(ctx)
    if f["start"] is not None:
        _figure(
            charts.waterfall_chart(
                {k: f[k] for k in ("start", "escaped", "repoverty", "new", "other", "end")},
                ctx.lang,
                ctx.source,
                ctx.data.synthetic,
                year=ctx.year,
                area_name=ctx.area_name,
            )
        )
        _paragraphs([narrative.flows_paragraph(pick(f, _FLOW_KEYS), ctx.lang)])
    else:
        _note(ctx, label("note.no_flows", ctx.lang, year=ctx.year))
    series = _series(ctx)
    _figure(charts.flow_rates_chart(series, ctx.lang, ctx.source, ctx.data.synthetic))
    rows = ctx.rows()
    rows = rows[rows["year"] <= ctx.year]
    table = pd.DataFrame(
        {
            "year": rows["year"].astype(int).to_numpy(),
            "start": rows["poor_start"].to_numpy(float),
            "escaped": rows["poor_escaped"].to_numpy(float),
            "repoverty": rows["poor_repoverty"].to_numpy(float),
            "new": rows["poor_new"].to_numpy(float),
            "other": rows["poor_other"].to_numpy(float),
            "end": rows["poor_end"].to_numpy(float),
        }
    )
    _table(
        ctx,
        table,
        "flows",
        "report.section.flows",
        {c: "count" for c in ("start", "escaped", "repoverty", "new", "end")} | {"other": "signed"},
    )


_FLOW_KEYS = ["area_name", "year", "escaped", "repoverty", "new", "start", "end", "other"]


def ethnic(ctx: ReportContext) -> None:
    """Ethnic-minority and other households: rates and the gap between them."""
    _heading(ctx, "report.section.ethnic")
    series = _series(ctx)
    _figure(charts.ethnic_gap_chart(series, ctx.lang, ctx.source, ctx.data.synthetic))
    f = facts(ctx)
    prev = series[series["year"] == ctx.year - 1]
    ef = pick(
        f,
        [
            "area_name",
            "year",
            "prev_year",
            "comparable",
            "em_rate",
            "non_em_rate",
            "em_poor",
            "em_share_of_poor",
            "em_reduction",
        ],
    )
    if len(prev) and f["comparable"]:
        ef["prev_gap"] = float(
            prev["em_poverty_rate"].iloc[0] - prev["non_em_poverty_rate"].iloc[0]
        )
    _paragraphs([narrative.ethnic_paragraph(ef, ctx.lang)])
    table = series[["year", "em_poverty_rate", "non_em_poverty_rate"]].assign(
        gap=series["em_poverty_rate"] - series["non_em_poverty_rate"]
    )
    _table(
        ctx,
        table,
        "ethnic",
        "report.section.ethnic",
        {"em_poverty_rate": "rate", "non_em_poverty_rate": "rate", "gap": "points"},
    )


def _profile(ctx: ReportContext, code: str) -> pd.DataFrame:
    s = ctx.summary
    rows = s[(s["area_code"] == code) & (s["zone"] == "all") & (s["year"] == ctx.year)]
    return deprivation.deprivation_profile(rows, ctx.min_households)


def deprivations(ctx: ReportContext) -> None:
    """Deprivations among poor and near-poor households, by indicator and dimension, against
    the province (Alkire-Foster contributions where household records exist)."""
    _heading(ctx, "report.section.deprivation")
    area = _profile(ctx, ctx.area_code)
    prov = _profile(ctx, str(ctx.geography.province["province_code"]))
    df = pd.DataFrame(
        {
            "indicator": area["indicator"].to_numpy(),
            "dimension": area["dimension"].to_numpy(),
            "share_area": area["share"].to_numpy(float),
        }
    )
    if ctx.level != PROVINCE:
        df["share_province"] = (
            prov.set_index("indicator")["share"].reindex(df["indicator"]).to_numpy(float)
        )
    std = standard_for_year(ctx.year).code
    _figure(
        charts.deprivation_chart(
            df, ctx.lang, ctx.source, ctx.data.synthetic, area_name=ctx.area_name, standard=std
        )
    )
    top = df.sort_values("share_area", ascending=False).head(3)
    dfacts = {
        "area_name": ctx.area_name,
        "year": ctx.year,
        "standard": std,
        "top": [
            {
                "indicator": r.indicator,
                "share": r.share_area,
                "share_province": getattr(r, "share_province", None),
            }
            for r in top.itertuples()
        ],
    }
    af = _alkire_foster(ctx)
    if af is not None:
        contrib = af["dimensions"]
        _figure(charts.contribution_chart(contrib, ctx.lang, ctx.source, ctx.data.synthetic))
        best = contrib.sort_values("contribution_area", ascending=False).iloc[0]
        dfacts["top_dimension"] = best["dimension"]
        dfacts["top_dimension_share"] = float(best["contribution_area"])
        _table(
            ctx,
            af["overall"],
            "alkire_foster",
            "caption.alkire_foster",
            {"H": "rate", "A": "rate", "M0": "ratio"},
        )
    _paragraphs([narrative.deprivation_paragraph(dfacts, ctx.lang)])
    table = df.assign(
        indicator=[indicator_name(i, ctx.lang, std) for i in df["indicator"]],
        dimension=[label(f"dimension.{d}", ctx.lang) for d in df["dimension"]],
    )
    _table(
        ctx,
        table,
        "deprivation",
        "report.section.deprivation",
        {"share_area": "rate", "share_province": "rate"},
    )


def _alkire_foster(ctx: ReportContext) -> dict | None:
    """H, A, M0 and dimension contributions for the area and the province (household data)."""
    result = af_by_district(ctx.data, ctx.year, ctx.min_households)
    if result is None:
        return None
    if ctx.level == PROVINCE:
        area = {"H": result.H, "A": result.A, "M0": result.M0}
        area_dims = _dimension_pct(result.dimensions)
    else:
        g = result.groups.set_index("district_code").loc[ctx.area_code]
        area = {"H": float(g["H"]), "A": float(g["A"]), "M0": float(g["M0"])}
        gd = result.group_dimensions
        area_dims = _dimension_pct(gd[gd["district_code"] == ctx.area_code])
    frame = area_dims.rename("contribution_area").rename_axis("dimension").reset_index()
    rows = [(ctx.area_name, area)]
    if ctx.level != PROVINCE:
        province_pct = _dimension_pct(result.dimensions).reindex(frame["dimension"])
        frame["contribution_province"] = province_pct.to_numpy(float)
        rows.append(
            (label("area.province", ctx.lang), {"H": result.H, "A": result.A, "M0": result.M0})
        )
    overall = pd.DataFrame(
        {
            "area": [name for name, _ in rows],
            "H": [100 * v["H"] for _, v in rows],
            "A": [100 * v["A"] for _, v in rows],
            "M0": [v["M0"] for _, v in rows],
        }
    )
    return {"dimensions": frame, "overall": overall}


def _dimension_pct(dims: pd.DataFrame) -> pd.Series:
    if "dimension" in dims.columns:
        dims = dims.set_index("dimension")
    return dims["contribution_pct"].astype(float)


def communes(ctx: ReportContext) -> None:
    """Communes ranked by poverty rate, small counts flagged, especially difficult marked."""
    _heading(ctx, "report.section.communes")
    if not ctx.data.has_communes:
        _note(ctx, label("note.no_communes", ctx.lang))
        return
    s = ctx.summary
    rows = s[(s["area_level"] == "commune") & (s["zone"] == "all") & (s["year"] == ctx.year)]
    if ctx.level != PROVINCE:
        district_of = ctx.geography.commune_district()
        rows = rows[rows["area_code"].map(district_of) == ctx.area_code]
    rates = area_rates.rates(rows, ctx.min_households)
    names = ctx.geography.communes.set_index("commune_code")["bare_name"]
    df = pd.DataFrame(
        {
            "commune": rows["area_code"].map(names).to_numpy(),
            "rate": rates["poverty_rate"].to_numpy(float),
            "small_count": rates["poverty_rate_small"].to_numpy(bool),
            "especially_difficult": rows["especially_difficult"].astype(bool).to_numpy(),
            "poor": rows["poor_end"].to_numpy(float),
            "total": rows["total_households"].to_numpy(float),
        }
    ).sort_values("rate", ascending=False)
    reference = shown_rates(ctx, ctx.rows()[ctx.rows()["year"] == ctx.year])["poverty_rate"].iloc[0]
    _figure(
        charts.commune_ranking_chart(
            df,
            ctx.lang,
            ctx.source,
            ctx.data.synthetic,
            reference=reference,
            reference_label=ctx.area_name,
        )
    )
    shown = df.assign(
        rate=df["rate"].where(~df["small_count"]),
        especially_difficult=[
            label("word.yes" if v else "word.no", ctx.lang) for v in df["especially_difficult"]
        ],
    )[["commune", "total", "poor", "rate", "especially_difficult"]]
    _table(
        ctx,
        shown,
        "communes",
        "report.section.communes",
        {"total": "count", "poor": "count", "rate": "rate"},
    )
    if df["small_count"].any():
        _note(
            ctx, label("note.small_count", ctx.lang, n=format_number(ctx.min_households, ctx.lang))
        )


def place(ctx: ReportContext) -> None:
    """The area's place in the province: rank and a map coloured by poverty rate."""
    _heading(ctx, "report.section.ranking")
    d = district_rates(ctx)
    values = dict(zip(d["code"], d["rate"], strict=True))
    highlight = ctx.area_code if ctx.level != PROVINCE else None
    if ctx.geojson:
        fig = charts.choropleth(
            values,
            ctx.geojson,
            ctx.geography,
            highlight,
            ctx.lang,
            ctx.source,
            ctx.data.synthetic,
            year=ctx.year,
        )
    else:
        fig = charts.tile_map(
            values,
            ctx.geography,
            highlight,
            ctx.lang,
            ctx.source,
            ctx.data.synthetic,
            year=ctx.year,
        )
    _figure(fig)
    province_rate = shown_rates(ctx, _province_rows(ctx))["poverty_rate"].iloc[0]
    _figure(
        charts.rank_chart(
            d.assign(highlight=d["code"] == ctx.area_code),
            ctx.lang,
            ctx.source,
            ctx.data.synthetic,
            year=ctx.year,
            province_rate=province_rate,
        )
    )
    rfacts = {
        "area_name": ctx.area_name,
        "year": ctx.year,
        "province_rate": province_rate,
        "min_rate": d["rate"].min(),
        "min_area": d.loc[d["rate"].idxmin(), "district"],
        "max_rate": d["rate"].max(),
        "max_area": d.loc[d["rate"].idxmax(), "district"],
    }
    if ctx.level != PROVINCE:
        rfacts["rate"] = float(d.loc[d["code"] == ctx.area_code, "rate"].iloc[0])
        rfacts["rank"] = int(d.index[d["code"] == ctx.area_code][0]) + 1
        rfacts["n"] = len(d)
    _paragraphs([narrative.ranking_paragraph(rfacts, ctx.lang)])


def _province_rows(ctx: ReportContext) -> pd.DataFrame:
    s = ctx.summary
    return s[(s["area_level"] == PROVINCE) & (s["zone"] == "all") & (s["year"] == ctx.year)]


def league_table(ctx: ReportContext) -> None:
    """Province overview: districts side by side (households, rates, change, plan target)."""
    _heading(ctx, "section.league")
    s = ctx.summary
    rows = s[(s["area_level"] == "district") & (s["zone"] == "all")]
    now = rows[rows["year"] == ctx.year].set_index("area_code")
    chg = area_rates.changes(rows, ctx.min_households)
    chg = chg[chg["year"] == ctx.year].set_index("area_code")
    rates = area_rates.suppress_small(
        area_rates.rates(rows[rows["year"] == ctx.year], ctx.min_households)
    )
    rates = rates.set_index("area_code")
    names = ctx.geography.districts.set_index("district_code")["bare_name"]
    table = pd.DataFrame(
        {
            "district": names.reindex(now.index).to_numpy(),
            "total": now["total_households"].to_numpy(float),
            "poor": now["poor_end"].to_numpy(float),
            "rate": rates["poverty_rate"].reindex(now.index).to_numpy(float),
            "change_points": chg["poverty_rate_change"].reindex(now.index).to_numpy(float),
            "reduction": (now["poor_start"] - now["poor_end"]).to_numpy(float),
            "em_rate": rates["em_poverty_rate"].reindex(now.index).to_numpy(float),
            "near_poor": now["near_poor_end"].to_numpy(float),
        }
    ).sort_values("rate", ascending=False)
    _table(
        ctx,
        table,
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


def coverage(ctx: ReportContext) -> None:
    """Coverage of the plan's 100% targets: health insurance (T3), credit (T4), training (T5)."""
    _heading(ctx, "report.section.coverage")
    rows = ctx.rows()
    rows = rows[rows["year"] <= ctx.year]
    cov = area_rates.suppress_small(area_rates.coverage(rows, ctx.min_households))
    table = pd.DataFrame(
        {
            "year": rows["year"].astype(int).to_numpy(),
            "health_insurance": cov["health_insurance_coverage"].to_numpy(float),
            "credit": cov["credit_coverage"].to_numpy(float),
            "training": cov["training_coverage"].to_numpy(float),
        }
    )
    _table(
        ctx,
        table,
        "coverage",
        "report.section.coverage",
        {"health_insurance": "rate", "credit": "rate", "training": "rate"},
    )


def published(ctx: ReportContext) -> None:
    """Province overview: the real published province figures beside the data."""
    _heading(ctx, "section.published")
    pub = datasets.load_published("province")
    pub = pub[pub["indicator"].isin(list(_PUBLISHED_MATCH))].dropna(subset=["review_year"])
    prov = ctx.summary[(ctx.summary["area_level"] == PROVINCE) & (ctx.summary["zone"] == "all")]
    prov = prov.set_index("year")
    rates = area_rates.rates(prov.reset_index()).set_index("year")
    values = []
    for r in pub.itertuples():
        year = int(r.review_year)
        col, frame = _PUBLISHED_MATCH[r.indicator]
        src = prov if frame == "summary" else rates
        values.append(float(src.loc[year, col]) if year in src.index else float("nan"))
    table = pd.DataFrame(
        {
            "year": pub["review_year"].astype(int).to_numpy(),
            "indicator": [label(f"published.{i}", ctx.lang) for i in pub["indicator"]],
            "published": pub["value"].to_numpy(float),
            "data": values,
            "source": [f"{u} ({t})" for u, t in zip(pub["source_url"], pub["trust"], strict=True)],
        }
    )
    _table(ctx, table, "published", "section.published", {"published": "ratio", "data": "ratio"})
    _note(ctx, label("note.published", ctx.lang))


_PUBLISHED_MATCH = {
    "poor_households": ("poor_end", "summary"),
    "near_poor_households": ("near_poor_end", "summary"),
    "em_poor_households": ("em_poor_end", "summary"),
    "poverty_rate_pct": ("poverty_rate", "rates"),
    "em_share_of_poor_pct": ("em_share_of_poor", "rates"),
    "em_poverty_rate_pct": ("em_poverty_rate", "rates"),
}


def data_note(ctx: ReportContext) -> None:
    """Data file and checksum, standard in force, synthetic or not, code version, parameters,
    run time."""
    _heading(ctx, "report.section.data_notes")
    std = standard_for_year(ctx.year)
    items = [
        ("note.data_file", f"{ctx.data.label} (SHA-256 {ctx.data.checksum}…)"),
        (
            "note.synthetic_label",
            label("source.synthetic_long" if ctx.data.synthetic else "note.official", ctx.lang),
        ),
        ("table.standard", f"{standard_label(std.code, ctx.lang, short=False)} ({std.legal_ref})"),
        ("note.code_version", f"analysis {__version__}"),
        ("note.parameters", ", ".join(f"{k}={v!r}" for k, v in ctx.params.items())),
        ("note.run_time", ctx.started.strftime("%Y-%m-%d %H:%M UTC")),
        ("note.admin", label("report.admin_note", ctx.lang)),
    ]
    note = pd.DataFrame(
        {"item": [label(k, ctx.lang) for k, _ in items], "value": [v for _, v in items]}
    )
    _table(ctx, note, "data_note", "report.section.data_notes", {})


def projections(ctx: ReportContext) -> None:
    """Projections to 2025 and 2030 with 80% and 95% bands, the target and the standard changes
    marked, and the status of each target with a sentence per target."""
    from analysis.projection.combine import project
    from analysis.projection.context import indicator_series

    _heading(ctx, "report.section.targets")
    code = "province" if ctx.level == PROVINCE else ctx.area_code
    rows = zone_rows(ctx)
    rows = rows[rows["year"] <= ctx.year]
    targets_by_indicator = {"poor_households": _t1_level_2025(ctx, rows)}
    for indicator in ("poor_households", "poverty_rate_pct"):
        history = indicator_series(rows, code, indicator)[["year", "value"]].dropna()
        proj = project(
            rows, code, indicator, horizon=2030, seed=SEED,
            weights=model_weights(ctx.data, ctx.year),
        )  # fmt: skip
        combined = proj[proj["model"] == "combined"]
        target = targets_by_indicator.get(indicator)
        _figure(
            charts.fan_chart(
                history,
                combined,
                target,
                (2022, 2027),
                ctx.lang,
                ctx.source,
                ctx.data.synthetic,
                title=label(f"fan.{indicator}", ctx.lang, area=ctx.area_name),
            )
        )
        if target:
            _note(
                ctx, label("note.t1_level", ctx.lang, value=format_number(target[2025], ctx.lang))
            )
    _note(ctx, label("note.projection_basis", ctx.lang))
    status = status_table(ctx, [code])
    table = pd.DataFrame(
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
    _table(
        ctx,
        table,
        "targets",
        "report.section.targets",
        {"probability": "rate"},
        row_kinds=(
            ["progress", "target_value", "required_pace", "recent_pace"],
            [_unit_kind(i) for i in status["indicator"]],
        ),
    )
    _paragraphs([_target_sentence(ctx, r) for r in status.itertuples()])
    if (status["allocation_source"].astype(str).str.startswith("default")).any():
        _note(ctx, label("card.target_default", ctx.lang))


def _t1_level_2025(ctx: ReportContext, rows: pd.DataFrame) -> dict | None:
    """Poor households in 2025 if T1's annual reduction held from the start of 2022 (NĐ 07 basis):
    poor at the start of 2022 minus four years at this year's (allocated) annual target."""
    annual = plan_facts(ctx).get("year_target")
    mine = rows[(rows["year"] == 2022) & (rows["area_code"] == ctx.area_code)]
    if not annual or mine.empty or mine["poor_start"].isna().any():
        return None
    return {2025: max(float(mine["poor_start"].sum()) - 4 * annual, 0.0)}


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
    """Province overview: districts' progress on T1, projected gap, required pace, probability."""
    _heading(ctx, "section.target_league")
    codes = list(ctx.geography.district_codes())
    status = status_table(ctx, codes)
    t1 = status[status["target_id"] == "T1"].set_index("area_code").reindex(codes)
    names = ctx.geography.districts.set_index("district_code")["bare_name"]
    table = pd.DataFrame(
        {
            "district": names.reindex(codes).to_numpy(),
            "progress": t1["progress_so_far"].to_numpy(float),
            "target_value": t1["target_value"].to_numpy(float),
            "gap": (t1["target_value"] - t1["projected_value"]).to_numpy(float),
            "required_pace": t1["required_pace"].to_numpy(float),
            "probability": 100 * t1["probability"].to_numpy(float),
            "status": [status_name(s, ctx.lang) if pd.notna(s) else "–" for s in t1["status"]],
        }
    ).sort_values("probability")
    _table(
        ctx,
        table,
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
    _note(ctx, label("note.target_league", ctx.lang))
