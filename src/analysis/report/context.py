"""Load the data of one report and compute what its sections share.

A report notebook is: imports, a ``parameters`` cell, ``ctx = report.load(...)``, then one call
per section of `analysis.report.sections` (``sections.headline(ctx)``, ``sections.trends(ctx)``...).
This module holds the loading (`load_data`, `load`, `ReportContext`), the facts every section
uses (`facts`, `plan_facts`), and the heavier shared computations (target status, model weights,
allocations, Alkire-Foster), cached per process so that the batch's warm process computes them
once for all forked reports (`preload`).

Data: the bundled synthetic dataset unless ``data_source`` names a summary or household file
(CSV, Excel, Parquet), read and validated by `analysis.intake.load`; district-level summaries
work too (no commune sections then).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.bundled import datasets
from analysis.compute import area_rates, deprivation, flows, household_sums
from analysis.core import paths
from analysis.core.errors import WorkbookError
from analysis.core.i18n import label
from analysis.core.numbers import format_number, format_percent
from analysis.reference.geography import Geography, area_title, load_geography
from analysis.report import narrative, notebook_errors

PROVINCE = "province"
SEED = 47  # seed of every simulation in a report (same data and seed, same report)
STATUS_PATHS = 500  # simulated paths per model and area for target probabilities (±2.2 points)


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class DataBundle:
    """Everything read from one data source (cached per process; hashed by identity)."""

    summary: pd.DataFrame  # all levels, zone rows and "all" rows
    households: pd.DataFrame | None  # household panel, when the source has one
    label: str  # file name as shown in reports
    checksum: str
    synthetic: bool
    has_communes: bool
    estimated: frozenset = frozenset()  # (year, district code) whose figures share out a commune
    notes: tuple = ()  # how figures of new communes were put back onto former districts
    new_communes: pd.DataFrame | None = None  # rows by new commune (2025 on) as read, by zone


def _source_path(data_source: str | None) -> Path | None:
    return Path(data_source) if data_source else None


@lru_cache(maxsize=4)
def load_data(data_source: str | None = None) -> DataBundle:
    """Read, validate and prepare a data source (the bundled synthetic data by default).

    Parameters
    ----------
    data_source : str, optional
        Path of a summary or household file; empty or None for the bundled data.

    Returns
    -------
    DataBundle
        The summary at every level (commune, district, province), each with its urban and
        rural rows and combined ``zone == "all"`` rows.
    """
    geo = load_geography()
    path = _source_path(data_source)
    households = None
    if path is None:
        summary_path = paths.default_summary()
        base = _read_bundled_summary(summary_path)
        hh_path = paths.default_households()
        households = pd.read_parquet(hh_path) if hh_path.exists() else None
        label_, checksum = f"data/synthetic/{summary_path.name}", datasets.sha256(summary_path)
        later = paths.synthetic_dir() / "summary-2025.csv"
        if later.exists():  # the 2025 review, kept by the new communes of 1 July 2025
            from analysis.intake.summary import read_summary

            new = read_summary(later, geography=geo)
            base = pd.concat([base, new], ignore_index=True)
            label_ += f", data/synthetic/{later.name}"
    else:
        from analysis.intake import load as intake

        frame, kind = intake.read_any(path, geography=geo)
        if kind == "households":
            households = frame
            base = household_sums.summarise_records(frame, geo)
        else:
            base = frame
        label_, checksum = path.name, datasets.sha256(path)
    raw = base[base["unit_system"].eq(geo.new_system)] if "unit_system" in base else base[:0]
    base, estimated, notes = _former_districts(base, geo)
    synthetic = bool(base["synthetic"].astype(bool).any()) if "synthetic" in base else False
    summary = _all_levels(base, geo)
    return DataBundle(
        summary=summary,
        households=households,
        label=label_,
        checksum=checksum[:16],
        synthetic=synthetic,
        has_communes=bool((base["area_level"] == "commune").any()),
        estimated=estimated,
        notes=tuple(notes),
        new_communes=raw.drop(columns=["unit_system"]).reset_index(drop=True) if len(raw) else None,
    )


def _former_districts(base: pd.DataFrame, geo: Geography):
    """Rows kept by new commune (2025 on) as former-district rows (`analysis.intake.allocate`):
    the table, the (year, district) pairs with estimated figures, and the allocation's notes."""
    if "unit_system" not in base or not base["unit_system"].eq(geo.new_system).any():
        return base.drop(columns=["unit_system"], errors="ignore"), frozenset(), []
    from analysis.intake import allocate

    kept = base["unit_system"].fillna(geo.former_system)  # rows without it: former units
    base = base.assign(unit_system=kept)
    former = base[kept != geo.new_system]
    shares = former if len(former) else None
    out = allocate.to_former_districts(base, geo, shares_from=shares)
    notes = list(out.attrs.get("notes", []))
    flagged = out[out["estimated"].astype(bool)]
    estimated = frozenset(
        zip(flagged["year"].astype(int), flagged["area_code"].astype(str), strict=True)
    )
    out = out.drop(columns=["estimated", "unit_system"], errors="ignore")
    return out, estimated, notes


def _read_bundled_summary(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"area_code": str, "area_level": str, "zone": str})
    for col in ("especially_difficult", "synthetic"):
        if col in frame:
            frame[col] = frame[col].astype(str).str.lower().eq("true")
    return frame


def _all_levels(base: pd.DataFrame, geo: Geography) -> pd.DataFrame:
    """Commune, district and province rows, each by zone and for both zones together."""
    parts = []
    communes = base[base["area_level"] == "commune"]
    districts = base[base["area_level"] == "district"]
    if len(communes):
        parts.append(communes)
        districts = pd.concat([districts, flows.roll_up(communes, geo, "district")])
    parts.append(districts)
    province = _sum_districts(districts, geo)
    parts.append(province)
    frame = pd.concat(parts, ignore_index=True)
    frame = flows.combine_zones(frame, append=True)
    frame["area_code"] = frame["area_code"].astype(str)
    return frame.reset_index(drop=True)


def _sum_districts(districts: pd.DataFrame, geo: Geography) -> pd.DataFrame:
    """Province rows as sums of district rows, a missing value anywhere making the sum missing."""
    counts = [
        c
        for c in districts.columns
        if c not in ("year", "area_code", "area_level", "zone", "synthetic")
        and pd.api.types.is_numeric_dtype(districts[c])
    ]
    keys = ["year", "zone"]
    grouped = districts.groupby(keys)
    sums = grouped[counts].sum(min_count=1)
    gaps = districts[counts].isna().groupby([districts[k] for k in keys]).any()
    sums = sums.mask(gaps)
    out = sums.reset_index()
    out["area_code"] = str(geo.province["province_code"])
    out["area_level"] = PROVINCE
    out["synthetic"] = grouped["synthetic"].any().to_numpy() if "synthetic" in districts else False
    return out[[c for c in districts.columns if c in out.columns]]


def preload(year: int = 0, data_source: str = "", min_households: int = 50, aside=None):
    """Prepare the shared work once in the warm report process, before it forks the reports.

    Loads the data and, for the review year, computes what every report needs (backtest model
    weights, the targets' district allocations, Alkire-Foster), so each forked report reuses
    them. The batch runner calls it with its `analysis.build.config.RunConfig` values.

    Parameters
    ----------
    year : int
        Review year (0: the latest in the data).
    data_source : str
        Summary or household file; empty for the bundled data.
    min_households : int
        The reports' minimum number of households.
    aside : callable, optional
        ``aside(compute)`` starts ``compute()`` elsewhere (another process, on another core)
        and returns a function waiting for its result. The model weights (the longest part)
        are then computed beside the caller's own warm-up, until it calls the returned function.

    Returns
    -------
    callable
        Call it before forking the reports: it waits for and keeps the weights (if ``aside``).
    """
    ctx = load(PROVINCE, int(year), "vi", data_source, min_households)
    key = (ctx.data, ctx.year)
    wait = aside(lambda: model_weights(*key)) if aside else None
    _allocations(ctx.data, ctx.year)
    af_by_district(ctx.data, ctx.year, ctx.min_households)
    if wait is None:
        model_weights(*key)
        return lambda: None
    return lambda: _WEIGHTS.setdefault(key, wait())


def load_summary(data_source: str | None = None) -> pd.DataFrame:
    """The summary table of a data source at every level (see `load_data`)."""
    return load_data(data_source or None).summary


@dataclass
class ReportContext:
    """One report's parameters and data, passed to every section function."""

    area_code: str
    level: str  # "district" or "province"
    area_name: str
    year: int
    lang: str
    min_households: int
    data: DataBundle
    geography: Geography
    geojson: str = ""
    params: dict = field(default_factory=dict)
    started: dt.datetime = field(default_factory=lambda: _now())
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def summary(self) -> pd.DataFrame:
        return self.data.summary

    def memo(self, key: object, compute):
        """``compute()`` once per report and ``key`` (e.g. section data the first page shares)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def source(self) -> str:
        """Source line text for charts."""
        return label("source.data", self.lang, file=self.data.label)

    def rows(self, level: str | None = None, zone: str = "all") -> pd.DataFrame:
        """Summary rows of this report's area (or of every area of ``level``), one zone.

        Filtered once per report (`memo`); each call gets its own (copy-on-write) frame.
        """

        def select() -> pd.DataFrame:
            s = self.summary[self.summary["zone"] == zone]
            if level is None:
                return s[s["area_code"] == self.area_code].sort_values("year")
            return s[s["area_level"] == level]

        return self.memo(("rows", level, zone), select).copy(deep=False)


def _now() -> dt.datetime:
    """Run time; ``SOURCE_DATE_EPOCH`` fixes it for reproducible reports."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0)


def load(
    area: str = PROVINCE,
    year: int = 0,
    lang: str = "vi",
    data_source: str = "",
    min_households: int = 50,
    geojson: str = "",
) -> ReportContext:
    """Load the data of one report.

    Parameters
    ----------
    area : str
        ``"province"`` or a district name or code (any spelling `Geography.resolve_district`
        accepts).
    year : int
        Review year; 0 means the latest year in the data.
    lang : {"vi", "en"}
    data_source : str
        Data file; empty for the bundled synthetic dataset.
    min_households : int
        Rates on fewer households are flagged and not shown.
    geojson : str
        Optional district boundaries for a real choropleth.

    Returns
    -------
    ReportContext
    """
    notebook_errors.register(lang)  # in IPython, a user error below shows as one message
    if lang not in ("vi", "en"):
        raise WorkbookError(f"lang must be 'vi' or 'en', not {lang!r}")
    geo = load_geography()
    data = load_data(data_source or None)
    years = sorted(int(y) for y in data.summary["year"].unique())
    year = int(year) or years[-1]
    if year not in years:
        raise WorkbookError(f"review year {year} is not in the data (years {years[0]}-{years[-1]})")
    if str(area).strip().lower() in (PROVINCE, str(geo.province["province_code"])):
        code, level = str(geo.province["province_code"]), PROVINCE
        name = geo.province["bare_name"]
    else:
        code, level = geo.resolve_district(area), "district"
        name = geo.district_name(code)
    name = area_title(geo, name, level, year, lang)
    return ReportContext(
        area_code=code,
        level=level,
        area_name=name,
        year=year,
        lang=lang,
        min_households=int(min_households),
        data=data,
        geography=geo,
        geojson=geojson,
        params={
            "area": area,
            "year": year,
            "lang": lang,
            "data_source": data_source,
            "min_households": min_households,
        },
    )


# --------------------------------------------------------------------------------------------
# Shared computations (cached per process; the warm report process fills them once)
# --------------------------------------------------------------------------------------------


def shown_rates(ctx: ReportContext, frame: pd.DataFrame) -> pd.DataFrame:
    """Rates of summary rows with small counts blanked (the report's ``min_households``).

    Parameters
    ----------
    ctx : ReportContext
    frame : pandas.DataFrame
        Summary rows.

    Returns
    -------
    pandas.DataFrame
        `analysis.compute.area_rates.rates` of the rows, rates on too few households NaN.
    """
    out = area_rates.rates(frame, ctx.min_households)
    return area_rates.suppress_small(out)


def _value(row, col):
    v = row.get(col)
    return None if v is None or pd.isna(v) else float(v)


def facts(ctx: ReportContext) -> dict:
    """The headline facts of the report's area and year (numbers used by text and boxes).

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    dict
        ``area_name``, ``year``, ``prev_year`` (``None`` without a previous review),
        ``comparable`` (same standard as the previous review), households ``poor``,
        ``near_poor``, ``em_poor``, ``total``, the year's flows ``start``, ``escaped``,
        ``repoverty``, ``new``, ``other``, ``end``, ``reduction`` and ``em_reduction`` (start
        minus end), rates in percent ``rate``, ``near_rate``, ``em_rate``, ``non_em_rate``,
        ``em_share_of_poor``, with a previous review ``prev_poor`` and ``prev_rate``, and the
        `plan_facts`. Missing values are ``None``.
    """
    rows = ctx.rows()
    rates = shown_rates(ctx, rows).set_index("year")
    chg = area_rates.changes(rows, ctx.min_households).set_index(rows["year"].to_numpy())
    now = rows[rows["year"] == ctx.year].iloc[0]
    prev_year = ctx.year - 1 if (ctx.year - 1) in rates.index else None
    r = rates.loc[ctx.year]
    out = {
        "area_name": ctx.area_name,
        "year": ctx.year,
        "prev_year": prev_year,
        "comparable": bool(chg.loc[ctx.year, "comparable"]) if prev_year else False,
        "poor": _value(now, "poor_end"),
        "rate": _value(r, "poverty_rate"),
        "near_poor": _value(now, "near_poor_end"),
        "near_rate": _value(r, "near_poverty_rate"),
        "em_poor": _value(now, "em_poor_end"),
        "em_rate": _value(r, "em_poverty_rate"),
        "non_em_rate": _value(r, "non_em_poverty_rate"),
        "em_share_of_poor": _value(r, "em_share_of_poor"),
        "escaped": _value(now, "poor_escaped"),
        "repoverty": _value(now, "poor_repoverty"),
        "new": _value(now, "poor_new"),
        "other": _value(now, "poor_other"),
        "start": _value(now, "poor_start"),
        "end": _value(now, "poor_end"),
        "total": _value(now, "total_households"),
        "reduction": _value(now, "poor_start") - _value(now, "poor_end")
        if _value(now, "poor_start") is not None
        else None,
        "em_reduction": _value(now, "em_poor_start") - _value(now, "em_poor_end")
        if _value(now, "em_poor_start") is not None
        else None,
    }
    if prev_year:
        p = rows[rows["year"] == prev_year].iloc[0]
        out["prev_poor"] = _value(p, "poor_end")
        out["prev_rate"] = _value(rates.loc[prev_year], "poverty_rate")
    out.update(plan_facts(ctx))
    return out


def plan_facts(ctx: ReportContext) -> dict:
    """This year's T1 target for the area (allocated for a district).

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    dict
        ``year_target`` (households to leave poverty this year) and ``year_target_source``
        (where the figure comes from; ``default...`` for a default allocation); empty when the
        plan sets no T1 target for the year or the district.
    """
    table, alloc = _allocations(ctx.data, ctx.year)
    t1 = table[table["target_id"] == "T1"].iloc[0]
    if not (int(t1["first_year"]) <= ctx.year <= int(t1["target_year"])):
        return {}
    if ctx.level == PROVINCE:
        return {"year_target": float(t1["value_low"]), "year_target_source": "Plan 47-KH/TU"}
    row = alloc[(alloc["area_code"] == ctx.area_code) & (alloc["target_id"] == "T1")]
    if row.empty:
        return {}
    return {
        "year_target": float(row.iloc[0]["value_low"]),
        "year_target_source": str(row.iloc[0]["allocation_source"]),
    }


@lru_cache(maxsize=8)
def _allocations(data: DataBundle, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The targets table and this year's district allocations (computed once per process)."""
    from analysis.projection import targets

    table = targets.load_targets()
    return table, targets.allocate_year(table, data.summary[data.summary["zone"] == "all"], year)


HEADLINE_KEYS = [
    "area_name",
    "year",
    "prev_year",
    "comparable",
    "poor",
    "rate",
    "prev_poor",
    "prev_rate",
    "near_poor",
    "near_rate",
]


def pick(f: dict, keys: list[str]) -> dict:
    """The facts ``keys`` of ``f`` (e.g. `facts`), in that order, ``None`` when absent.

    Returns
    -------
    dict
    """
    return {k: f.get(k) for k in keys}


@lru_cache(maxsize=8)
def af_by_district(data: DataBundle, year: int, min_households: int):
    """Alkire-Foster for the province decomposed by district (computed once per process).

    Parameters
    ----------
    data : DataBundle
    year : int
        Review year.
    min_households : int
        Groups on fewer households are flagged.

    Returns
    -------
    analysis.compute.deprivation.AlkireFoster or None
        ``None`` without household records for the year.
    """
    if data.households is None:
        return None
    year_hh = data.households[data.households["year"] == year]
    if year_hh.empty:
        return None
    return deprivation.alkire_foster(
        year_hh, year=year, by="district_code", min_households=min_households
    )


def district_rates(ctx: ReportContext) -> pd.DataFrame:
    """Poverty rate of every district in the report's year.

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    pandas.DataFrame
        ``code``, ``district`` (name), ``rate`` (percent, not blanked on small counts),
        ``poor``, ``total`` (households); highest rate first, index 0..n-1 (rank - 1).
    """
    s = ctx.summary
    rows = s[(s["area_level"] == "district") & (s["zone"] == "all") & (s["year"] == ctx.year)]
    rates = area_rates.rates(rows, ctx.min_households)
    names = ctx.geography.districts.set_index("district_code")["bare_name"]
    return pd.DataFrame(
        {
            "code": rows["area_code"].to_numpy(),
            "district": rows["area_code"].map(names).to_numpy(),
            "rate": rates["poverty_rate"].to_numpy(float),
            "poor": rows["poor_end"].to_numpy(float),
            "total": rows["total_households"].to_numpy(float),
        }
    ).sort_values("rate", ascending=False, ignore_index=True)


def province_summary_text(year: int | None = None, lang: str = "vi", data_source=None) -> str:
    """Plain-text province summary of a review year (the ``summary`` command)."""
    ctx = load(PROVINCE, year or 0, lang, data_source or "")
    f = facts(ctx)
    lines = [
        label("report.province_title", lang, province=ctx.area_name) + f" — {ctx.year}",
        "",
        narrative.headline_paragraph(pick(f, HEADLINE_KEYS), lang),
        "",
    ]
    d = district_rates(ctx)
    width = max(len(n) for n in d["district"])
    lines.append(
        f"{label('table.district', lang):<{width}}  {label('table.poor', lang):>14}  "
        f"{label('table.poverty_rate', lang):>18}"
    )
    for r in d.itertuples():
        lines.append(
            f"{r.district:<{width}}  {format_number(r.poor, lang):>14}  "
            f"{format_percent(r.rate, lang):>18}"
        )
    if ctx.data.synthetic:
        lines += ["", label("report.synthetic_banner", lang)]
    return "\n".join(lines)


def zone_rows(ctx: ReportContext) -> pd.DataFrame:
    """Summary rows by zone (forecast and targets sum the zones themselves).

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    pandas.DataFrame
        Every area's rows with ``zone`` other than ``"all"``, every year.
    """
    return ctx.summary[ctx.summary["zone"] != "all"]


def status_table(ctx: ReportContext, codes: list[str]) -> pd.DataFrame:
    """Target status of some areas (cached per process).

    Each area's rows do not depend on which other areas are computed with it
    (`targets.target_status` seeds every area on its own), so a district report computes only
    its own district, in its own report process, in parallel with the others, and areas
    already computed together with others are taken from that table (the province overview
    asks for every area, then for the districts, then for the province).

    Parameters
    ----------
    ctx : ReportContext
    codes : list of str
        Area codes (``"province"`` or district codes).

    Returns
    -------
    pandas.DataFrame
        `analysis.projection.targets.target_status` of those areas in the report's year.
    """
    from analysis.projection import status

    codes, known = tuple(codes), _STATUS.setdefault((ctx.data, ctx.year), {})
    for have, table in known.items():
        if set(codes) <= set(have):  # rows grouped by area, in the order asked for
            part = table[table["area_code"].isin(codes)]
            order = part["area_code"].map({c: i for i, c in enumerate(codes)})
            return part.iloc[order.argsort(kind="stable")].reset_index(drop=True)
    rows = ctx.data.summary[ctx.data.summary["zone"] != "all"]
    known[codes] = status.target_status(
        rows, ctx.year, area_codes=list(codes), seed=SEED,
        weights=model_weights(ctx.data, ctx.year), n_paths=STATUS_PATHS,
    )  # fmt: skip
    return known[codes]


_STATUS: dict = {}  # (data, year) -> {area codes: target status}, this process's


_WEIGHTS: dict = {}  # (data, year) -> model weights, this process's (see `preload`)


def model_weights(data: DataBundle, year: int) -> dict:
    """Model weights for the combined projection: inverse backtest MAE (computed once per process;
    ``year``: the backtest uses the reviews up to it). See `backtest.model_weights`."""
    from analysis.projection import backtest

    if (data, year) not in _WEIGHTS:
        rows = data.summary[(data.summary["zone"] != "all") & (data.summary["year"] <= year)]
        _WEIGHTS[(data, year)] = backtest.model_weights(backtest.backtest_table(rows, seed=SEED))
    return _WEIGHTS[(data, year)]
