"""The data behind the plan-target sections, the province overview's own sections and the data
note: what each section shows, without showing it (see `analysis.report.section_data`).

Units: counts are households; rates, shares and probabilities are percentages (``1.03`` means
1.03%) unless said otherwise; changes of rates are percentage points.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import __version__
from analysis.bundled import datasets
from analysis.compute import area_rates
from analysis.core.i18n import label, standard_label
from analysis.reference.standards import standard_for_year
from analysis.report import forecasts
from analysis.report.context import (
    PROVINCE,
    ReportContext,
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
    """Forecasts and target verdicts of the report's area (see `projections_data`).

    Attributes
    ----------
    history : dict of str to pandas.DataFrame
        For each indicator of `FAN_INDICATORS`: ``year``, ``value``, ``standard`` (observed, up
        to the report's year).
    outlook : pandas.DataFrame
        `analysis.report.forecasts.outlook`: projected values for every year to 2030 (median,
        80% and 95% limits, standard basis; NĐ 351 rows when household records allow).
    status : pandas.DataFrame
        `analysis.projection.status.target_status` of the area: one row per target with its
        verdict (``status`` code), pace figures and the reason in both languages.
    cumulative : pandas.DataFrame or None
        T1's path: ``year``, ``achieved`` (cumulative net reduction so far, households) and
        ``required`` (the target total spread evenly over the window); None without T1.
    points : int
        Reviews under the standard of the report's year (projections need at least 3).
    """

    history: dict
    outlook: pd.DataFrame
    status: pd.DataFrame
    cumulative: pd.DataFrame | None
    points: int

    @property
    def default_allocation(self) -> bool:
        """Whether a target of the area is a default allocation (not set by the province)."""
        return bool(self.status["allocation_source"].astype(str).str.startswith("default").any())

    @property
    def projected(self) -> bool:
        """Whether the outlook has projected values (enough reviews under the standard)."""
        return bool(self.outlook["point"].notna().any())


def projections_data(ctx: ReportContext) -> Projections:
    """Forecasts to 2030 and the verdict on every target of the area.

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    Projections
    """
    return ctx.memo("projections_data", lambda: _projections_data(ctx))


def _projections_data(ctx: ReportContext) -> Projections:
    from analysis.projection.series import latest_segment

    code = "province" if ctx.level == PROVINCE else ctx.area_code
    history = {i: forecasts.history(ctx, i) for i in FAN_INDICATORS}
    status = status_table(ctx, [code])
    return Projections(
        history=history,
        outlook=forecasts.outlook(ctx),
        status=status,
        cumulative=cumulative_path(ctx, status),
        points=len(latest_segment(history["poor_households"], as_of=ctx.year)),
    )


def cumulative_path(ctx: ReportContext, status: pd.DataFrame) -> pd.DataFrame | None:
    """T1 as a path: cumulative net reduction achieved against the even path to the target.

    Parameters
    ----------
    ctx : ReportContext
    status : pandas.DataFrame
        The area's verdicts (`analysis.projection.status.target_status`).

    Returns
    -------
    pandas.DataFrame or None
        ``year`` (the target window), ``achieved`` (cumulative households, NaN after the
        review), ``required`` (target total x years elapsed / years of the window).
    """
    t1 = status[status["target_id"] == "T1"]
    if t1.empty:
        return None
    r = t1.iloc[0]
    first, last = int(r["base_year"]), int(r["target_year"])
    series = forecasts.history(ctx, "poor_reduction_households").set_index("year")["value"]
    years = list(range(first, last + 1))
    done = series.reindex(years)
    done[[y > ctx.year for y in years]] = float("nan")
    achieved = done.fillna(0).cumsum().where([y <= ctx.year for y in years])
    n = len(years)
    required = [float(r["target_value"]) * (k + 1) / n for k in range(n)]
    return pd.DataFrame({"year": years, "achieved": achieved.to_numpy(), "required": required})


def target_league_data(ctx: ReportContext) -> pd.DataFrame:
    """Province overview: each district's verdict on T1 (reduce poor households, 2021-2025).

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    pandas.DataFrame
        One row per district, worst verdict first: ``district`` (name), ``achieved`` (net
        reduction so far, households), ``target_value`` (the district's share of the target),
        ``still_needed`` (target minus achieved, at least 0), ``poor_left`` (poor households at
        the end of the review), ``probability`` (percent, NaN without a projection), ``status``
        (code), ``reason_vi``, ``reason_en``.
    """
    from analysis.projection.verdicts import SEVERITY

    codes = list(ctx.geography.district_codes())
    status = status_table(ctx, codes)
    t1 = status[status["target_id"] == "T1"].set_index("area_code").reindex(codes)
    names = ctx.geography.districts.set_index("district_code")["bare_name"]
    rows = zone_rows(ctx)
    left = rows[rows["year"] == ctx.year].groupby("area_code")["poor_end"].sum().reindex(codes)
    out = pd.DataFrame(
        {
            "district": names.reindex(codes).to_numpy(),
            "achieved": t1["latest_value"].to_numpy(float),
            "target_value": t1["target_value"].to_numpy(float),
            "still_needed": (t1["target_value"] - t1["latest_value"]).clip(lower=0).to_numpy(),
            "poor_left": left.to_numpy(float),
            "probability": 100 * t1["probability"].to_numpy(float),
            "status": t1["status"].to_numpy(),
            "reason_vi": t1["reason_vi"].to_numpy(),
            "reason_en": t1["reason_en"].to_numpy(),
        }
    )
    order = out["status"].map(SEVERITY).fillna(-2)
    return out.assign(_order=-order).sort_values(["_order", "district"]).drop(columns="_order")


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


#: Parameters that name a file: the data note shows the file's name, not where it was read.
FILE_PARAMETERS = ("data_source", "geojson")


def shown_parameter(name: str, value):
    """A parameter as the data note shows it: a file by its name (a shared report does not
    reveal the folders of the machine that built it, and is the same wherever it was built).

    Examples
    --------
    >>> shown_parameter("data_source", "reviews/2024/review-2024.xlsx"), shown_parameter("year", 2024)
    ('review-2024.xlsx', 2024)
    """
    if name in FILE_PARAMETERS and isinstance(value, str) and value:
        return Path(value).name
    return value


def data_note_data(ctx: ReportContext) -> pd.DataFrame:
    """The report in human terms (area, review year, language, data file, synthetic or not,
    standard in force, date) and, last, the technical details (checksum, code version,
    parameters, run time).

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
    technical = "; ".join(
        [
            f"SHA-256 {ctx.data.checksum}…",
            f"analysis {__version__}",
            ", ".join(f"{k}={shown_parameter(k, v)!r}" for k, v in ctx.params.items()),
            ctx.started.strftime("%Y-%m-%d %H:%M UTC"),
        ]
    )
    items = [
        ("note.area", ctx.area_name),
        ("note.review_year", str(ctx.year)),
        ("note.language", label(f"lang.{ctx.lang}", ctx.lang)),
        ("note.data_file", ctx.data.label),
        (
            "note.synthetic_label",
            label("source.synthetic_long" if ctx.data.synthetic else "note.official", ctx.lang),
        ),
        ("table.standard", standard_label(std.code, ctx.lang, short=False)),
        ("note.run_time", ctx.started.strftime("%Y-%m-%d")),
        ("note.admin", label("report.admin_note", ctx.lang)),
        ("note.technical", technical),
    ]
    return pd.DataFrame({"item": [k for k, _ in items], "value": [v for _, v in items]})


# --------------------------------------------------------------------------------------------
# The final assessment of a plan period
# --------------------------------------------------------------------------------------------
def final_assessment_data(ctx: ReportContext) -> pd.DataFrame | None:
    """Targets whose target year has data, judged on actual values (the 2021-2025 assessment
    once the data hold the 2025 review).

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    pandas.DataFrame or None
        None while no plan target has reached its target year; else one row per such target of
        the area: ``target_id``, ``indicator``, ``unit``, ``period`` (``"2021–2025"``),
        ``result`` (cumulative total or level in the target year), ``target_value``,
        ``shortfall`` (short of the target, in the target's unit; negative = beyond it), ``status`` (code:
        achieved / not achieved / too little data / not applicable), ``reason_vi``,
        ``reason_en``.
    """
    code = "province" if ctx.level == PROVINCE else ctx.area_code
    status = status_table(ctx, [code])
    done = status[(status["target_year"] <= ctx.year) & (status["scope"] != "annual plan")]
    if done.empty:
        return None
    first = done["first_year"]
    return pd.DataFrame(
        {
            "target_id": done["target_id"].to_numpy(),
            "indicator": done["indicator"].to_numpy(),
            "unit": done["unit"].to_numpy(),
            "period": [
                f"{int(a)}–{int(b)}" for a, b in zip(first, done["target_year"], strict=True)
            ],
            "result": done["latest_value"].to_numpy(float),
            "target_value": done["target_value"].to_numpy(float),
            "shortfall": done["gap"].to_numpy(float),
            "status": done["status"].to_numpy(),
            "reason_vi": done["reason_vi"].to_numpy(),
            "reason_en": done["reason_en"].to_numpy(),
        }
    )


def final_matrix_data(ctx: ReportContext) -> pd.DataFrame | None:
    """Province overview: the final verdict of every target whose year has data, for the
    province and each (former) district.

    Returns
    -------
    pandas.DataFrame or None
        None before the target year; else rows ``target`` (``"T1: indicator"`` key), one column
        per area (``province`` then district names) holding status codes (NaN where a target
        does not concern the area).
    """
    codes = list(ctx.geography.district_codes())
    status = status_table(ctx, ["province", *codes])
    done = status[(status["target_year"] <= ctx.year) & (status["scope"] != "annual plan")]
    if done.empty:
        return None
    names = ctx.geography.districts.set_index("district_code")["bare_name"]
    key = done["target_id"] + ":" + done["indicator"]
    wide = done.assign(key=key).pivot(index="key", columns="area_code", values="status")
    wide = wide.reindex(index=list(dict.fromkeys(key)), columns=["province", *codes])
    wide.columns = ["province", *[str(names[c]) for c in codes]]
    return wide.reset_index(names="target")
