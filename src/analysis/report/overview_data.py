"""The data behind the plan-target sections, the province overview's own sections and the data
note: what each section shows, without showing it (see `analysis.report.section_data`).

Units: counts are households; rates, shares and probabilities are percentages (``1.03`` means
1.03%) unless said otherwise; changes of rates are percentage points.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis import __version__
from analysis.bundled import datasets
from analysis.compute import area_rates
from analysis.core.i18n import label, standard_label
from analysis.reference.standards import standard_for_year
from analysis.report.context import (
    PROVINCE,
    SEED,
    ReportContext,
    model_weights,
    plan_facts,
    status_table,
    zone_rows,
)

#: Indicators of the fan charts of `projections_data`, in display order.
FAN_INDICATORS = ("poor_households", "poverty_rate_pct")

#: Published indicator -> (column, frame) of the data it is compared with: ``summary`` counts
#: or ``rates`` (`analysis.compute.area_rates.rates`).
PUBLISHED_MATCH = {
    "poor_households": ("poor_end", "summary"),
    "near_poor_households": ("near_poor_end", "summary"),
    "em_poor_households": ("em_poor_end", "summary"),
    "poverty_rate_pct": ("poverty_rate", "rates"),
    "em_share_of_poor_pct": ("em_share_of_poor", "rates"),
    "em_poverty_rate_pct": ("em_poverty_rate", "rates"),
}


# --------------------------------------------------------------------------------------------
# Plan targets
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Projections:
    """Projections and target status of the report's area (see `projections_data`).

    Attributes
    ----------
    history : dict of str to pandas.DataFrame
        For each indicator of `FAN_INDICATORS`: ``year``, ``value`` (observed, up to the
        report's year).
    projections : dict of str to pandas.DataFrame
        For each indicator: the ``combined`` model's rows of
        `analysis.projection.combine.project` to 2030 (``year``, ``mean``, ``lo80``,
        ``hi80``, ``lo95``, ``hi95``...).
    t1_level : dict or None
        ``{2025: poor households}`` if T1's annual reduction held from the start of 2022;
        ``None`` when this year has no T1 target for the area.
    status : pandas.DataFrame
        `analysis.projection.status.target_status` of the area: one row per target and
        indicator (``target_id``, ``indicator``, ``progress_so_far``, ``target_value``,
        ``required_pace``, ``recent_pace``, ``projected_value``, ``probability`` as a
        fraction, ``status`` code, ``allocation_source``...).
    """

    history: dict
    projections: dict
    t1_level: dict | None
    status: pd.DataFrame

    @property
    def default_allocation(self) -> bool:
        """Whether a target of the area is a default allocation (not set by the province)."""
        return bool(self.status["allocation_source"].astype(str).str.startswith("default").any())


def projections_data(ctx: ReportContext) -> Projections:
    """Projections to 2025 and 2030 with 80% and 95% bands, and the status of each target.

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    Projections
    """
    from analysis.projection.combine import project
    from analysis.projection.context import indicator_series

    code = "province" if ctx.level == PROVINCE else ctx.area_code
    rows = zone_rows(ctx)
    rows = rows[rows["year"] <= ctx.year]
    history, projections = {}, {}
    for indicator in FAN_INDICATORS:
        history[indicator] = indicator_series(rows, code, indicator)[["year", "value"]].dropna()
        proj = project(
            rows, code, indicator, horizon=2030, seed=SEED,
            weights=model_weights(ctx.data, ctx.year),
        )  # fmt: skip
        projections[indicator] = proj[proj["model"] == "combined"]
    return Projections(
        history=history,
        projections=projections,
        t1_level=t1_level_2025(ctx, rows),
        status=status_table(ctx, [code]),
    )


def t1_level_2025(ctx: ReportContext, rows: pd.DataFrame) -> dict | None:
    """Poor households in 2025 if T1's annual reduction held from the start of 2022.

    On the NĐ 07 basis: poor households at the start of 2022 minus four years at this year's
    (allocated) annual target, never below zero.

    Parameters
    ----------
    ctx : ReportContext
    rows : pandas.DataFrame
        Summary rows by zone (`analysis.report.context.zone_rows`).

    Returns
    -------
    dict or None
        ``{2025: households}``; ``None`` without a T1 target this year or 2022 start counts.
    """
    annual = plan_facts(ctx).get("year_target")
    mine = rows[(rows["year"] == 2022) & (rows["area_code"] == ctx.area_code)]
    if not annual or mine.empty or mine["poor_start"].isna().any():
        return None
    return {2025: max(float(mine["poor_start"].sum()) - 4 * annual, 0.0)}


def target_league_data(ctx: ReportContext) -> pd.DataFrame:
    """Province overview: districts' progress on T1, projected gap, required pace, probability.

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    pandas.DataFrame
        One row per district, least likely to meet T1 first (not assessed last):
        ``district`` (name), ``progress`` (``progress_so_far`` of T1), ``target_value``,
        ``gap`` (``target_value`` minus ``projected_value``), ``required_pace``, in the units
        of `analysis.projection.status.target_status`; ``probability`` (percent chance of
        meeting the target), ``status`` (code; NaN when not assessed).
    """
    codes = list(ctx.geography.district_codes())
    status = status_table(ctx, codes)
    t1 = status[status["target_id"] == "T1"].set_index("area_code").reindex(codes)
    names = ctx.geography.districts.set_index("district_code")["bare_name"]
    return pd.DataFrame(
        {
            "district": names.reindex(codes).to_numpy(),
            "progress": t1["progress_so_far"].to_numpy(float),
            "target_value": t1["target_value"].to_numpy(float),
            "gap": (t1["target_value"] - t1["projected_value"]).to_numpy(float),
            "required_pace": t1["required_pace"].to_numpy(float),
            "probability": 100 * t1["probability"].to_numpy(float),
            "status": t1["status"].to_numpy(),
        }
    ).sort_values("probability")


# --------------------------------------------------------------------------------------------
# Province overview
# --------------------------------------------------------------------------------------------
def league_data(ctx: ReportContext) -> pd.DataFrame:
    """Province overview: districts side by side (households, rates, change, plan target).

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    pandas.DataFrame
        One row per district, highest poverty rate first: ``district`` (name), ``total``,
        ``poor`` (households), ``rate`` (poverty rate), ``change_points`` (change of the rate
        since the previous review, points; NaN across a change of standard), ``reduction``
        (poor households at the start minus the end of the year), ``em_rate`` (poverty rate
        of ethnic-minority households), ``near_poor`` (households).
    """
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
    return pd.DataFrame(
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


def published_data(ctx: ReportContext) -> pd.DataFrame:
    """Province overview: the real published province figures beside the data.

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    pandas.DataFrame
        One row per published figure: ``year`` (review year), ``indicator`` (code, see
        `PUBLISHED_MATCH`), ``published`` (the published value), ``data`` (the same figure
        computed from the data; NaN when the data lack the year), ``source`` (URL and trust
        level).
    """
    pub = datasets.load_published("province")
    pub = pub[pub["indicator"].isin(list(PUBLISHED_MATCH))].dropna(subset=["review_year"])
    prov = ctx.summary[(ctx.summary["area_level"] == PROVINCE) & (ctx.summary["zone"] == "all")]
    prov = prov.set_index("year")
    rates = area_rates.rates(prov.reset_index()).set_index("year")
    values = []
    for r in pub.itertuples():
        year = int(r.review_year)
        col, frame = PUBLISHED_MATCH[r.indicator]
        src = prov if frame == "summary" else rates
        values.append(float(src.loc[year, col]) if year in src.index else float("nan"))
    return pd.DataFrame(
        {
            "year": pub["review_year"].astype(int).to_numpy(),
            "indicator": pub["indicator"].to_numpy(),
            "published": pub["value"].to_numpy(float),
            "data": values,
            "source": [f"{u} ({t})" for u, t in zip(pub["source_url"], pub["trust"], strict=True)],
        }
    )


# --------------------------------------------------------------------------------------------
# Coverage, data note
# --------------------------------------------------------------------------------------------
def coverage_data(ctx: ReportContext) -> pd.DataFrame:
    """Coverage of the plan's 100% targets: health insurance (T3), credit (T4), training (T5).

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    pandas.DataFrame
        One row per review year up to the report's: ``year``, ``health_insurance``,
        ``credit``, ``training`` (percent of poor and near-poor households covered; see
        `analysis.compute.area_rates.coverage`).
    """
    rows = ctx.rows()
    rows = rows[rows["year"] <= ctx.year]
    cov = area_rates.suppress_small(area_rates.coverage(rows, ctx.min_households))
    return pd.DataFrame(
        {
            "year": rows["year"].astype(int).to_numpy(),
            "health_insurance": cov["health_insurance_coverage"].to_numpy(float),
            "credit": cov["credit_coverage"].to_numpy(float),
            "training": cov["training_coverage"].to_numpy(float),
        }
    )


def data_note_data(ctx: ReportContext) -> pd.DataFrame:
    """Data file and checksum, standard in force, synthetic or not, code version, parameters,
    run time.

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    pandas.DataFrame
        ``item`` (label key of the line, e.g. ``note.data_file``) and ``value`` (its text, in
        the report's language where it is words).
    """
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
    return pd.DataFrame({"item": [k for k, _ in items], "value": [v for _, v in items]})
