"""The data behind the sections about one area: what each section shows, without showing it.

Each section of `analysis.report.sections` has a data function here (``headline_data(ctx)``,
``trends_data(ctx)``...) that returns its numbers as a DataFrame or a small frozen dataclass of
named DataFrames and values; the section function displays them (headings, charts, tables,
text). In JupyterLab, ``section_data.trends_data(ctx)`` gives the table behind the trend chart.
The sections of the province overview and of the targets are in `analysis.report.overview_data`.

Units: counts are households; rates and shares are percentages (``1.03`` means 1.03%); changes
of rates are percentage points. Rates on fewer than ``ctx.min_households`` households are
missing (NaN), as in the report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.compute import area_rates, deprivation, flows
from analysis.core.i18n import label
from analysis.reference.standards import standard_for_year
from analysis.report.context import (
    HEADLINE_KEYS,
    PROVINCE,
    ReportContext,
    af_by_district,
    district_rates,
    facts,
    pick,
    shown_rates,
)

FLOW_KEYS = ["area_name", "year", "escaped", "repoverty", "new", "start", "end", "other"]
ETHNIC_KEYS = [
    "area_name",
    "year",
    "prev_year",
    "comparable",
    "em_rate",
    "non_em_rate",
    "em_poor",
    "em_share_of_poor",
    "em_reduction",
]


# --------------------------------------------------------------------------------------------
# Headline
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Headline:
    """The headline box of a report (see `headline_data`).

    Attributes
    ----------
    facts : dict
        Every headline fact of the area and year (`analysis.report.context.facts`).
    figures : pandas.DataFrame
        One row per box, in display order: ``figure`` (``poor``, ``near_poor``, ``em_poor``,
        then ``change`` when there is a previous review, then ``year_target`` when the plan
        sets one this year), ``households`` (poor, near-poor, ethnic-minority poor households;
        change in poor households since the previous review; this year's reduction target) and
        ``percent`` (their rate; the change of the poverty rate in points; the share of the
        target met). ``change`` is missing when the two reviews are under different standards.
    comparable : bool
        Whether the previous review is under the same poverty standard.
    default_target : bool
        Whether this year's target is a default allocation (not one set by the province).
    """

    facts: dict
    figures: pd.DataFrame
    comparable: bool
    default_target: bool

    @property
    def narrative_facts(self) -> dict:
        """The facts of the headline paragraph (`analysis.report.narrative`)."""
        return pick(self.facts, HEADLINE_KEYS)


def headline_data(ctx: ReportContext) -> Headline:
    """Poor and near-poor households and rates, ethnic-minority poor, change since the previous
    review, this year's plan target and how far it was met.

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    Headline
    """
    f = facts(ctx)
    rows = [
        ("poor", f["poor"], f["rate"]),
        ("near_poor", f["near_poor"], f["near_rate"]),
        ("em_poor", f["em_poor"], f["em_rate"]),
    ]
    if f.get("prev_year") and f["comparable"]:
        points = (
            f["rate"] - f["prev_rate"]
            if f["rate"] is not None and f["prev_rate"] is not None
            else None
        )
        rows.append(("change", f["poor"] - f["prev_poor"], points))
    elif f.get("prev_year"):
        rows.append(("change", None, None))
    if f.get("year_target"):
        share = 100 * f["reduction"] / f["year_target"] if f.get("reduction") is not None else None
        rows.append(("year_target", f["year_target"], share))
    figures = pd.DataFrame(
        {
            "figure": [r[0] for r in rows],
            "households": np.array([r[1] for r in rows], dtype=float),
            "percent": np.array([r[2] for r in rows], dtype=float),
        }
    )
    return Headline(
        facts=f,
        figures=figures,
        comparable=bool(f["comparable"]),
        default_target=str(f.get("year_target_source", "")).startswith("default"),
    )


# --------------------------------------------------------------------------------------------
# Trends, flows, ethnic minorities
# --------------------------------------------------------------------------------------------
def trends_data(ctx: ReportContext) -> pd.DataFrame:
    """The area's series across every review up to the report's year.

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    pandas.DataFrame
        One row per review year: ``year``, ``standard`` (code of the poverty standard in
        force), ``poor``, ``near_poor`` (households at the end of the review),
        ``poverty_rate``, ``near_poverty_rate``, ``em_poverty_rate``, ``non_em_poverty_rate``
        (percent of all, ethnic-minority, other households), ``escape_rate``,
        ``repoverty_rate``, ``new_poverty_rate`` (flow rates in percent, see
        `analysis.compute.area_rates.flow_rates`).
    """
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


@dataclass(frozen=True, eq=False)
class Flows:
    """Flows into and out of poverty (see `flows_data`).

    Attributes
    ----------
    facts : dict
        The report year's flows (keys `FLOW_KEYS`: ``area_name``, ``year``, ``escaped``,
        ``repoverty``, ``new``, ``start``, ``end``, ``other``; households, ``None`` when
        missing). ``start`` is ``None`` when the year has no flows.
    rates : pandas.DataFrame
        ``year``, ``standard``, ``escape_rate``, ``repoverty_rate``, ``new_poverty_rate``
        (percent), one row per review year.
    counts : pandas.DataFrame
        ``year``, ``start`` (poor households at the start of the review), ``escaped``,
        ``repoverty`` (fell back into poverty), ``new`` (newly poor), ``other`` (other changes,
        signed), ``end`` (poor households at the end), one row per review year.
    """

    facts: dict
    rates: pd.DataFrame
    counts: pd.DataFrame

    @property
    def has_year_flows(self) -> bool:
        """Whether the report year has flows (a waterfall)."""
        return self.facts["start"] is not None


def flows_data(ctx: ReportContext) -> Flows:
    """The year's flows and the flows of every review up to the report's year.

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    Flows
    """
    series = trends_data(ctx)
    rows = ctx.rows()
    rows = rows[rows["year"] <= ctx.year]
    counts = pd.DataFrame(
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
    rates = series[["year", "standard", "escape_rate", "repoverty_rate", "new_poverty_rate"]]
    return Flows(facts=pick(facts(ctx), FLOW_KEYS), rates=rates, counts=counts)


@dataclass(frozen=True, eq=False)
class Ethnic:
    """Ethnic-minority and other households (see `ethnic_data`).

    Attributes
    ----------
    facts : dict
        Keys `ETHNIC_KEYS` (see `analysis.report.narrative`), plus ``prev_gap`` (the gap of
        the previous review, points) when that review is under the same standard.
    rates : pandas.DataFrame
        ``year``, ``standard``, ``em_poverty_rate``, ``non_em_poverty_rate`` (percent) and
        ``gap`` (ethnic-minority minus other, percentage points), one row per review year.
    """

    facts: dict
    rates: pd.DataFrame


def ethnic_data(ctx: ReportContext) -> Ethnic:
    """Poverty rates of ethnic-minority and other households and the gap between them.

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    Ethnic
    """
    series = trends_data(ctx)
    f = facts(ctx)
    prev = series[series["year"] == ctx.year - 1]
    ef = pick(f, ETHNIC_KEYS)
    if len(prev) and f["comparable"]:
        ef["prev_gap"] = float(
            prev["em_poverty_rate"].iloc[0] - prev["non_em_poverty_rate"].iloc[0]
        )
    rates = series[["year", "standard", "em_poverty_rate", "non_em_poverty_rate"]].assign(
        gap=series["em_poverty_rate"] - series["non_em_poverty_rate"]
    )
    return Ethnic(facts=ef, rates=rates)


# --------------------------------------------------------------------------------------------
# Deprivations
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Deprivations:
    """Deprivations of poor and near-poor households (see `deprivations_data`).

    Attributes
    ----------
    shares : pandas.DataFrame
        One row per indicator of the standard in force: ``indicator``, ``dimension`` (codes),
        ``share_area`` (percent of the area's poor and near-poor households deprived) and, in a
        district report, ``share_province`` (the same in the province).
    standard : str
        Code of the poverty standard in force in the report's year.
    facts : dict
        Facts of the deprivation paragraph (see `analysis.report.narrative`): ``area_name``,
        ``year``, ``standard``, ``top`` (the three most common deprivations) and, with
        household records, ``top_dimension`` and ``top_dimension_share``.
    contributions : pandas.DataFrame or None
        Alkire-Foster contribution of each dimension to M0, in percent: ``dimension``,
        ``contribution_area`` and, in a district report, ``contribution_province``; ``None``
        without household records for the year.
    alkire_foster : pandas.DataFrame or None
        ``area`` (the area's name, then the province in the report's language in a district
        report), ``H`` (headcount ratio, percent), ``A`` (intensity, percent), ``M0``
        (adjusted headcount ratio); ``None`` without household records.
    """

    shares: pd.DataFrame
    standard: str
    facts: dict
    contributions: pd.DataFrame | None
    alkire_foster: pd.DataFrame | None


def _profile(ctx: ReportContext, code: str) -> pd.DataFrame:
    s = ctx.summary
    rows = s[(s["area_code"] == code) & (s["zone"] == "all") & (s["year"] == ctx.year)]
    return deprivation.deprivation_profile(rows, ctx.min_households)


def deprivations_data(ctx: ReportContext) -> Deprivations:
    """Deprivations among poor and near-poor households, by indicator and dimension, against
    the province (Alkire-Foster contributions where household records exist).

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    Deprivations
    """
    area = _profile(ctx, ctx.area_code)
    prov = _profile(ctx, str(ctx.geography.province["province_code"]))
    shares = pd.DataFrame(
        {
            "indicator": area["indicator"].to_numpy(),
            "dimension": area["dimension"].to_numpy(),
            "share_area": area["share"].to_numpy(float),
        }
    )
    if ctx.level != PROVINCE:
        shares["share_province"] = (
            prov.set_index("indicator")["share"].reindex(shares["indicator"]).to_numpy(float)
        )
    std = standard_for_year(ctx.year).code
    top = shares.sort_values("share_area", ascending=False).head(3)
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
    contributions = overall = None
    if af is not None:
        contributions, overall = af
        best = contributions.sort_values("contribution_area", ascending=False).iloc[0]
        dfacts["top_dimension"] = best["dimension"]
        dfacts["top_dimension_share"] = float(best["contribution_area"])
    return Deprivations(
        shares=shares,
        standard=std,
        facts=dfacts,
        contributions=contributions,
        alkire_foster=overall,
    )


def _alkire_foster(ctx: ReportContext) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Dimension contributions, and H, A, M0 for the area and the province (household data)."""
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
    return frame, overall


def _dimension_pct(dims: pd.DataFrame) -> pd.Series:
    if "dimension" in dims.columns:
        dims = dims.set_index("dimension")
    return dims["contribution_pct"].astype(float)


# --------------------------------------------------------------------------------------------
# Communes, place in the province
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Communes:
    """The area's communes (see `communes_data`).

    Attributes
    ----------
    communes : pandas.DataFrame
        One row per commune, highest poverty rate first: ``commune`` (name), ``rate``
        (poverty rate, percent, computed even on few households), ``small_count`` (fewer than
        ``min_households`` households: the report does not show the rate),
        ``especially_difficult`` (bool), ``poor``, ``total`` (households).
    area_rate : float
        The area's own poverty rate (the reference line of the chart).
    """

    communes: pd.DataFrame
    area_rate: float


def communes_data(ctx: ReportContext) -> Communes | None:
    """Communes ranked by poverty rate, small counts flagged, especially difficult marked.

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    Communes or None
        ``None`` when the data have no commune rows (a district-level summary).
    """
    if not ctx.data.has_communes:
        return None
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
    return Communes(communes=df, area_rate=reference)


@dataclass(frozen=True, eq=False)
class NewCommunes:
    """The new communes of 1 July 2025 over the area (see `new_communes_data`).

    Attributes
    ----------
    communes : pandas.DataFrame
        One row per new commune, highest poverty rate first: ``code``, ``commune`` (full name
        with its type, e.g. ``Xã Bù Đăng``), ``former_communes`` (names of the former communes
        it was formed from, comma-separated), ``former_districts`` (names of the former districts
        those belonged to), ``split`` (True when it spans two former districts: its figures are
        those of the whole new commune, not of its part in the report's former district), then
        the figures of the review as the file holds them for the whole new commune, both zones
        together: ``total`` (households), ``poor``, ``rate`` (poverty rate, percent, computed even
        on few households), ``small_count`` (fewer than ``min_households`` households: the report
        does not show the rate), ``near_poor``, ``near_rate`` (percent), ``em_poor``
        (ethnic-minority poor households), ``em_rate`` (percent of ethnic-minority households),
        ``escaped`` (households that left poverty in the review), ``especially_difficult`` (bool).
    area_rate : float
        The area's own poverty rate (the reference line of the chart).
    """

    communes: pd.DataFrame
    area_rate: float


def new_communes_data(ctx: ReportContext) -> NewCommunes | None:
    """The new communes (1 July 2025) over the area, with their former communes and their
    figures in the review as reported by new commune (not shared out onto former districts).

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    NewCommunes or None
        ``None`` when the report's year is kept by former commune or the data hold no rows by
        new commune for it. A district report lists the new communes any of whose former
        communes lay in the district; the province overview lists them all.
    """
    return ctx.memo("new_communes_data", lambda: _new_communes_data(ctx))


def _new_communes_data(ctx: ReportContext) -> NewCommunes | None:
    raw = ctx.data.new_communes
    geo = ctx.geography
    if raw is None or geo.unit_system_for_year(ctx.year) == geo.former_system:
        return None
    rows = raw[(raw["year"] == ctx.year) & (raw["area_level"] == "commune")]
    rows = flows.combine_zones(rows).sort_values("area_code", ignore_index=True)
    links = geo.new_commune_districts()
    if ctx.level != PROVINCE:
        codes = set(links.loc[links["district_code"] == ctx.area_code, "new_commune_code"])
        rows = rows[rows["area_code"].isin(codes)].reset_index(drop=True)
    if rows.empty:
        return None
    former = geo.communes.set_index("commune_code")["bare_name"]
    district = geo.districts.set_index("district_code")["bare_name"]
    by_new = links.groupby("new_commune_code")
    names = by_new["old_commune_code"].agg(lambda c: ", ".join(former.reindex(c).fillna(c)))
    spans = by_new["district_code"].agg(lambda c: list(dict.fromkeys(c)))
    codes = rows["area_code"]
    rates = area_rates.rates(rows, ctx.min_households)
    df = pd.DataFrame(
        {
            "code": codes.to_numpy(),
            "commune": [geo.new_commune_name(c, bare=False) for c in codes],
            "former_communes": codes.map(names).to_numpy(),
            "former_districts": [", ".join(district.reindex(spans[c])) for c in codes],
            "split": [len(spans[c]) > 1 for c in codes],
            "total": rows["total_households"].to_numpy(float),
            "poor": rows["poor_end"].to_numpy(float),
            "rate": rates["poverty_rate"].to_numpy(float),
            "small_count": rates["poverty_rate_small"].to_numpy(bool),
            "near_poor": rows["near_poor_end"].to_numpy(float),
            "near_rate": rates["near_poverty_rate"].to_numpy(float),
            "em_poor": rows["em_poor_end"].to_numpy(float),
            "em_rate": rates["em_poverty_rate"].to_numpy(float),
            "escaped": rows["poor_escaped"].to_numpy(float),
            "especially_difficult": rows["especially_difficult"].astype(bool).to_numpy(),
        }
    ).sort_values(["rate", "commune"], ascending=[False, True], ignore_index=True)
    reference = shown_rates(ctx, ctx.rows()[ctx.rows()["year"] == ctx.year])["poverty_rate"].iloc[0]
    return NewCommunes(communes=df, area_rate=reference)


@dataclass(frozen=True, eq=False)
class Place:
    """The area among the province's districts (see `place_data`).

    Attributes
    ----------
    districts : pandas.DataFrame
        `analysis.report.context.district_rates`: ``code``, ``district``, ``rate``, ``poor``,
        ``total``, highest poverty rate first (rank 1 = row 0).
    province_rate : float
        The province's poverty rate (percent; NaN on too few households).
    facts : dict
        Facts of the ranking paragraph (see `analysis.report.narrative`).
    highlight : str or None
        Code of the district to highlight (``None`` in the province overview).
    """

    districts: pd.DataFrame
    province_rate: float
    facts: dict
    highlight: str | None


def province_rows(ctx: ReportContext) -> pd.DataFrame:
    """The province's summary row of the report's year (both zones).

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    pandas.DataFrame
        Summary rows (see `analysis.reference.schema`).
    """
    s = ctx.summary
    return s[(s["area_level"] == PROVINCE) & (s["zone"] == "all") & (s["year"] == ctx.year)]


def place_data(ctx: ReportContext) -> Place:
    """The area's place in the province: poverty rate and rank of every district.

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    Place
    """
    d = district_rates(ctx)
    province_rate = shown_rates(ctx, province_rows(ctx))["poverty_rate"].iloc[0]
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
    highlight = ctx.area_code if ctx.level != PROVINCE else None
    return Place(districts=d, province_rate=province_rate, facts=rfacts, highlight=highlight)
