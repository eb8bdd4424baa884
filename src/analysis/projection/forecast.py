"""Projections of poverty indicators to 2025 and 2030, one standard segment at a time.

Series
------
`indicator_series` turns the area-year summary table (see :mod:`analysis.reference.schema`) into a tidy
series ``year, value, denominator, standard`` for one area (``"province"``, a district code or a
commune code; zones and, where needed, communes are summed) and one indicator of `INDICATORS`.
Annual flows (reductions, re-poverty, new poverty, rate changes) are within-year quantities, so
each year's figure belongs entirely to that year's standard.

Never across a change of standard
---------------------------------
Every model is fitted on the **latest standard segment** of the observed series only (the run of
years governed by one standard, from `analysis.standards.standard_segments`): with the bundled
years that is Decree 07/2021 (NĐ07), 2022-2024. Years before 2022 are never used for a 2022+
fit, whatever the models. Projections for years governed by another standard than the fitted
one (NĐ 351/2025 from the 2027 review) are expressed through an explicit re-basing assumption,
and each output row says which (columns ``standard_basis`` and ``note``):

``rebase="none"`` (default)
    continue on the fitted basis: the 2027-2030 values are what the NĐ07 standard *would* show;
    ``standard_basis`` reads ``"ND07_2021 (continued; ND351_2025 in force)"``.
a positive number ``f``
    scenario for the new, higher line: level-type values (households, rates, flows) for years under
    the new standard are multiplied by ``f`` (e.g. 1.5); coverage ratios, ĐBKK commune counts and
    the halving ratio are not scaled (they do not move with the income line, or are re-based to a
    new base). ``standard_basis`` reads ``"ND351_2025 scenario (ND07_2021 x f)"``.

Models
------
``ols``
    Linear trend by OLS (statsmodels) on the log of strictly positive stocks and rates, on the raw
    scale for flows, changes, coverage and counts that can be zero or negative. Prediction
    intervals (80% and 95%) come from ``get_prediction(...).summary_frame`` (observation
    intervals, Student t with n - 2 degrees of freedom: with 3 points that is 1 degree of freedom,
    so the intervals are honest and wide). Paths are drawn from the same predictive distribution
    (parameter uncertainty plus noise, a common chi-square scale per path). Needs 3 points.
``ets``
    Damped additive trend exponential smoothing, ``ETSModel(error="add", trend="add",
    damped_trend=True)``, on the same scale as ``ols``, with intervals from ``simulate`` (quantiles
    of ``n_paths`` simulated futures). The model has five parameters (level, trend, damping and two
    initial states): estimating them from a 3-to-9-point segment over-fits (statsmodels "fits" 3
    points with 5 parameters and returns boundary values). With fewer than `ETS_MIN_ESTIMATE` (10)
    points the smoothing parameters are therefore **fixed** at `ETS_FIXED_PARAMS` (alpha 0.5,
    beta 0.2, phi 0.9, conventional values for short annual series) and the initial level and trend
    are taken from the segment's OLS line; only the error variance is then estimated. Those
    intervals condition on the fixed parameters and understate uncertainty; the note says so.
    Needs 3 points (2 in backtests, which use only the point forecast).
``flow``
    A stock-flow model of the poor (or ethnic-minority poor) stock:
    ``stock[t+1] = stock[t] - Escaped + Repoverty + New`` with ``Escaped ~ Binomial(stock, e)``,
    ``Repoverty ~ Binomial(non-poor, r)`` and ``New ~ Binomial(non-poor, n)``; each rate is drawn
    per path and year from a Beta distribution (so each count is beta-binomial), whose mean is
    itself drawn per path from the area's posterior (parameter uncertainty) and whose
    year-to-year concentration is estimated from the segment. Households grow at the segment's
    average growth rate. The "other changes" column is left out (assumed zero on average). It
    yields every stock- and flow-derived indicator (stock, rate, reduction, escaped, re-poverty,
    new poverty, rate change), but not coverage, ĐBKK communes, the halving ratio or the spread.

Pooling across districts: empirical Bayes, not a mixed model
------------------------------------------------------------
With three NĐ07 years per district, district rates are noisy. The flow model's rates are shrunk
toward the peer group (the other areas at the same level, i.e. all districts; their pooled rate is
the province rate) by **empirical Bayes with a beta-binomial prior fitted by the method of
moments** (Kleinman's weighted estimator over the peers' segment totals): the district's posterior
is ``Beta(alpha + k, beta + n - k)``, where ``k`` escaped (re-entered, newly poor) out of ``n``
exposed households. Reasons for this choice over a ``MixedLM`` on log-rates with random
intercepts and slopes: (1) 3 points per district x 11 districts cannot identify a random slope
variance (MixedLM then stops on the boundary with convergence warnings); (2) log-rates fail on
zero counts, which small districts have for re-poverty and new poverty, while the binomial
likelihood handles zeros; (3) the shrinkage weight follows from the household counts (large
districts keep their own rate, small ones borrow from the province), which is what the flow model
needs, in closed form and reproducibly. The province itself is not shrunk (Jeffreys prior). OLS
and ETS are fitted to each area's own series.

Combination
-----------
`project` returns one row per model and year plus a ``combined`` row per year: the weighted mean
of the models' means, with intervals from the weighted mixture of their simulated paths.
``weights=None`` gives equal weights, a mapping gives fixed weights, ``"backtest"`` uses
`analysis.backtest.model_weights` (inverse mean absolute error of rolling-origin backtests).
`simulate_paths` returns those paths (``n_paths x years``) for probabilities of meeting a target.
All randomness goes through ``numpy.random.Generator`` objects seeded from ``seed``, the area
and the indicator, so a call is reproducible and does not depend on the order of the models.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from analysis.core.errors import WorkbookError
from analysis.reference.standards import StandardError, standard_for_year, standard_segments

MODELS = ("ols", "ets", "flow")
PROVINCE = "province"
DEFAULT_PATHS = 2000
MIN_POINTS = 3
ETS_MIN_ESTIMATE = 10
ETS_FIXED_PARAMS = {"smoothing_level": 0.5, "smoothing_trend": 0.2, "damping_trend": 0.9}
# A MoM intra-class correlation at or below this is treated as "no extra-binomial dispersion".
_MIN_RHO = 1e-6
_MAX_CONCENTRATION = 1.0 / _MIN_RHO - 1.0


class InsufficientDataError(WorkbookError, ValueError):
    """Too few points in the latest standard segment to fit a model."""


@dataclass(frozen=True)
class Indicator:
    """What an indicator is and how it is modelled.

    Attributes
    ----------
    name : str
        Indicator code (key of `INDICATORS`).
    kind : str
        ``stock``, ``rate``, ``flow``, ``change``, ``coverage``, ``count``, ``ratio`` or ``spread``.
    better : str
        ``"lower"`` or ``"higher"``: which direction is progress.
    log : bool
        Fit OLS/ETS on the log scale (strictly positive level-type series).
    lower, upper : float or None
        Bounds the projections are clipped to.
    rebase_scales : bool
        Whether a re-basing factor for a new poverty line applies to the values.
    flow_prefix : str or None
        ``poor`` or ``em_poor`` when the flow model can produce the indicator.
    flow_output : str or None
        Which flow-model quantity the indicator is (``stock``, ``rate``, ``reduction``,
        ``escaped``, ``repoverty``, ``new``, ``change``).
    base_column : str or None
        Summary column whose size at the start of the segment decides "too little data".
    district : bool
        Whether the indicator is meaningful for one district (the spread is province-only).
    unit : str
        Unit for reports.
    """

    name: str
    kind: str
    better: str
    log: bool
    lower: float | None
    upper: float | None
    rebase_scales: bool
    flow_prefix: str | None
    flow_output: str | None
    base_column: str | None
    district: bool = True
    unit: str = "households"


def _ind(
    name,
    kind,
    better,
    log,
    lower,
    upper,
    rebase,
    prefix,
    output,
    base,
    district=True,
    unit="households",
):
    return name, Indicator(
        name, kind, better, log, lower, upper, rebase, prefix, output, base, district, unit
    )


INDICATORS: dict[str, Indicator] = dict(
    [
        _ind(
            "poor_households", "stock", "lower", True, 0, None, True, "poor", "stock", "poor_start"
        ),
        _ind(
            "poverty_rate_pct",
            "rate",
            "lower",
            True,
            0,
            100,
            True,
            "poor",
            "rate",
            "poor_start",
            unit="%",
        ),
        _ind(
            "em_poor_households",
            "stock",
            "lower",
            True,
            0,
            None,
            True,
            "em_poor",
            "stock",
            "em_poor_start",
        ),
        _ind(
            "em_poverty_rate_pct",
            "rate",
            "lower",
            True,
            0,
            100,
            True,
            "em_poor",
            "rate",
            "em_poor_start",
            unit="%",
        ),
        _ind(
            "near_poor_households",
            "stock",
            "lower",
            True,
            0,
            None,
            True,
            None,
            None,
            "near_poor_start",
        ),
        _ind(
            "poor_near_poor_households",
            "stock",
            "lower",
            True,
            0,
            None,
            True,
            None,
            None,
            "poor_start",
        ),
        _ind(
            "poor_reduction_households",
            "flow",
            "higher",
            False,
            None,
            None,
            True,
            "poor",
            "reduction",
            "poor_start",
        ),
        _ind(
            "em_poor_reduction_households",
            "flow",
            "higher",
            False,
            None,
            None,
            True,
            "em_poor",
            "reduction",
            "em_poor_start",
        ),
        _ind(
            "escaped_households",
            "flow",
            "higher",
            False,
            0,
            None,
            True,
            "poor",
            "escaped",
            "poor_start",
        ),
        _ind(
            "repoverty_households",
            "flow",
            "lower",
            False,
            0,
            None,
            True,
            "poor",
            "repoverty",
            "poor_start",
        ),
        _ind(
            "new_poverty_households",
            "flow",
            "lower",
            False,
            0,
            None,
            True,
            "poor",
            "new",
            "poor_start",
        ),
        _ind(
            "poverty_rate_change_points",
            "change",
            "lower",
            False,
            -100,
            100,
            True,
            "poor",
            "change",
            "poor_start",
            unit="points",
        ),
        _ind(
            "em_poverty_rate_change_points",
            "change",
            "lower",
            False,
            -100,
            100,
            True,
            "em_poor",
            "change",
            "em_poor_start",
            unit="points",
        ),
        _ind(
            "health_insurance_coverage_pct",
            "coverage",
            "higher",
            False,
            0,
            100,
            False,
            None,
            None,
            "people_poor_near",
            unit="%",
        ),
        _ind(
            "credit_coverage_pct",
            "coverage",
            "higher",
            False,
            0,
            100,
            False,
            None,
            None,
            "households_credit_need",
            unit="%",
        ),
        _ind(
            "training_coverage_pct",
            "coverage",
            "higher",
            False,
            0,
            100,
            False,
            None,
            None,
            "people_training_need",
            unit="%",
        ),
        _ind(
            "especially_difficult_communes",
            "count",
            "lower",
            False,
            0,
            None,
            False,
            None,
            None,
            None,
            unit="communes",
        ),
        _ind(
            "poor_near_poor_halving",
            "ratio",
            "lower",
            True,
            0,
            None,
            False,
            None,
            None,
            "poor_start",
            unit="ratio",
        ),
        _ind(
            "poverty_rate_spread_points",
            "spread",
            "lower",
            False,
            0,
            100,
            True,
            None,
            None,
            None,
            district=False,
            unit="points",
        ),
    ]
)

_COVERAGE = {
    "health_insurance_coverage_pct": ("people_health_insured", "people_poor_near"),
    "credit_coverage_pct": ("households_credit_received", "households_credit_need"),
    "training_coverage_pct": ("people_training_received", "people_training_need"),
}


def get_indicator(indicator: str) -> Indicator:
    """Look up an indicator.

    Raises
    ------
    ValueError
        ``unknown indicator`` with the known codes.
    """
    try:
        return INDICATORS[indicator]
    except KeyError:
        raise ValueError(
            f"unknown indicator {indicator!r}; known: {', '.join(sorted(INDICATORS))}"
        ) from None


# --------------------------------------------------------------------------------------------
# Area tables and series
# --------------------------------------------------------------------------------------------
def _stable_seed(*parts) -> list[int]:
    return [zlib.crc32(str(p).encode("utf-8")) for p in parts]


class _Context:
    """A normalised summary with cached per-area yearly tables and flow priors."""

    def __init__(self, summary: pd.DataFrame):
        if not isinstance(summary, pd.DataFrame):
            raise TypeError("summary must be a pandas DataFrame (the area-year summary table)")
        missing = [c for c in ("year", "area_code") if c not in summary]
        if missing:
            raise ValueError(f"summary lacks the key columns {missing}")
        frame = summary.copy()
        frame["year"] = frame["year"].astype(int)
        frame["area_code"] = frame["area_code"].astype(str)
        if "area_level" not in frame:
            frame["area_level"] = "district"
        frame["area_level"] = frame["area_level"].astype(str)
        self.summary = frame
        self._tables: dict[str, pd.DataFrame] = {}
        self._priors: dict = {}
        self._series: dict[tuple[str, str], pd.DataFrame] = {}
        self._memo: dict = {}  # other per-context results (model runs, district shares...)
        self._commune_map: pd.Series | None = None

    def truncate(self, as_of: int | None) -> _Context:
        """A context holding only years up to ``as_of``."""
        if as_of is None:
            return self
        return _Context(self.summary[self.summary["year"] <= int(as_of)])

    @property
    def latest_year(self) -> int:
        return int(self.summary["year"].max())

    def level_of(self, area_code: str) -> str:
        if area_code == PROVINCE:
            return PROVINCE
        rows = self.summary.loc[self.summary["area_code"] == area_code, "area_level"]
        if len(rows):
            return str(rows.iloc[0])
        return "district"

    def peers(self, level: str = "district") -> list[str]:
        """Area codes at one level (districts are derived from communes when need be)."""
        s = self.summary
        codes = sorted(s.loc[s["area_level"] == level, "area_code"].unique())
        if not codes and level == "district" and (s["area_level"] == "commune").any():
            mapping = self._communes_to_districts()
            codes = sorted(set(mapping.reindex(s["area_code"].unique()).dropna()))
        return list(codes)

    def _communes_to_districts(self) -> pd.Series:
        if self._commune_map is None:
            from analysis.reference.geography import load_geography

            self._commune_map = load_geography().commune_district()
        return self._commune_map

    def rows(self, area_code: str) -> pd.DataFrame:
        s = self.summary
        if area_code == PROVINCE:
            for level in (PROVINCE, "district", "commune"):
                part = s[s["area_level"] == level]
                if len(part):
                    return part
            raise ValueError("the summary has no rows")
        part = s[s["area_code"] == area_code]
        if len(part):
            return part
        communes = s[s["area_level"] == "commune"]
        if len(communes):
            mapped = communes["area_code"].map(self._communes_to_districts())
            part = communes[mapped == area_code]
            if len(part):
                return part
        raise ValueError(f"unknown area {area_code!r}: no rows in the summary")

    @staticmethod
    def _numeric_columns(rows: pd.DataFrame) -> list[str]:
        return [
            c
            for c in rows.columns
            if c
            not in (
                "year",
                "area_code",
                "area_level",
                "zone",
                "synthetic",
                "especially_difficult",
            )
            and pd.api.types.is_numeric_dtype(rows[c])
        ]

    def fill_tables(self, area_codes) -> None:
        """Compute the yearly tables of several areas at once (one groupby instead of one each).

        The same sums as `table` (each area's rows, in the same order): only areas with rows of
        their own and no commune rows are done here; `table` computes the rest on demand.
        """
        s = self.summary
        wanted = {str(c) for c in area_codes} - set(self._tables) - {PROVINCE}
        if len(wanted) < 2:
            return
        sub = s[s["area_code"].isin(list(wanted))]
        skip = set(sub.loc[sub["area_level"] == "commune", "area_code"])
        if skip:
            sub = sub[~sub["area_code"].isin(list(skip))]
        if sub.empty:
            return
        numeric = self._numeric_columns(sub)
        sums = sub.groupby(["area_code", "year"])[numeric].sum(min_count=1)  # sorted by area
        area = np.asarray(sums.index.codes[0])
        starts = np.flatnonzero(np.r_[True, area[1:] != area[:-1]])
        for start, stop in zip(starts, [*starts[1:], len(area)], strict=True):
            part = sums.iloc[start:stop]
            part = part.set_axis(part.index.droplevel(0), axis=0)
            self._tables[str(sums.index.levels[0][area[start]])] = part.sort_index()

    def table(self, area_code: str) -> pd.DataFrame:
        """Yearly sums for one area (zones and communes added), indexed by year."""
        area_code = str(area_code)
        if area_code not in self._tables:
            rows = self.rows(area_code)
            numeric = self._numeric_columns(rows)
            table = rows.groupby("year")[numeric].sum(min_count=1)
            if "especially_difficult" in rows and (rows["area_level"] == "commune").any():
                flagged = rows[rows["especially_difficult"].fillna(False).astype(bool)]
                count = flagged.groupby("year")["area_code"].nunique()
                table["especially_difficult_communes"] = count.reindex(table.index).fillna(0)
            self._tables[area_code] = table.sort_index()
        return self._tables[area_code]

    # -- series ------------------------------------------------------------------------------
    def series(self, area_code: str, indicator: str) -> pd.DataFrame:
        """Tidy yearly series of one indicator (see `indicator_series`); computed once each."""
        key = (str(area_code), indicator)
        frame = self._series.get(key)
        if frame is None:
            frame = self._series[key] = self._series_of(*key)
        return frame.copy()

    def _series_of(self, area_code: str, indicator: str) -> pd.DataFrame:
        ind = get_indicator(indicator)
        if ind.kind == "spread":
            if area_code != PROVINCE:
                raise ValueError(
                    f"{indicator} is a province-level indicator (spread of district rates)"
                )
            rates = {
                code: self.series(code, "poverty_rate_pct").set_index("year")["value"]
                for code in self.peers()
            }
            if len(rates) < 2:
                raise ValueError(f"{indicator} needs at least two districts in the summary")
            wide = pd.DataFrame(rates)
            value = wide.max(axis=1) - wide.min(axis=1)
            value[wide.notna().sum(axis=1) < 2] = np.nan
            return _tidy(value.index, value.to_numpy(float), np.full(len(value), np.nan))
        t = self.table(area_code)

        def col(name):
            if name not in t:
                raise ValueError(
                    f"indicator {indicator} needs the column {name!r}, absent from the summary"
                )
            return t[name].to_numpy(dtype=float, na_value=np.nan)  # NA as NaN, like astype

        def positive(den):
            return np.where(den > 0, den, np.nan)  # den.where(den > 0)

        if ind.kind in ("stock", "rate"):
            prefix = ind.flow_prefix or ("near_poor" if indicator.startswith("near") else "poor")
            if indicator == "poor_near_poor_households":
                value, den = col("poor_end") + col("near_poor_end"), col("total_households")
            else:
                total = col(
                    "em_total_households" if prefix.startswith("em") else "total_households"
                )
                value, den = col(f"{prefix}_end"), total
                if ind.kind == "rate":
                    value = 100.0 * value / positive(den)
        elif ind.kind == "flow":
            prefix = ind.flow_prefix
            total = col("em_total_households" if prefix.startswith("em") else "total_households")
            if ind.flow_output == "reduction":
                value, den = col(f"{prefix}_start") - col(f"{prefix}_end"), col(f"{prefix}_start")
            elif ind.flow_output == "escaped":
                value, den = col(f"{prefix}_escaped"), col(f"{prefix}_start")
            else:
                value, den = col(f"{prefix}_{ind.flow_output}"), total - col(f"{prefix}_start")
        elif ind.kind == "change":
            prefix = ind.flow_prefix
            total = col("em_total_households" if prefix.startswith("em") else "total_households")
            den = total
            value = 100.0 * (col(f"{prefix}_end") - col(f"{prefix}_start")) / positive(den)
        elif ind.kind == "coverage":
            num_col, den_col = _COVERAGE[indicator]
            den = col(den_col)
            value = 100.0 * col(num_col) / positive(den)
        elif ind.kind == "count":
            value = col("especially_difficult_communes")
            den = np.full(len(t), np.nan)
        elif ind.kind == "ratio":
            stock = col("poor_end") + col("near_poor_end")
            start = col("poor_start") + col("near_poor_start")
            value = np.full(len(t), np.nan)
            for _, years in standard_segments(t.index):
                pos = t.index.get_indexer(years)
                base = start[pos]
                base = base[~np.isnan(base)]
                if len(base) and base[0] > 0:
                    value[pos] = stock[pos] / base[0]
            den = np.full(len(t), np.nan)
        else:  # pragma: no cover - INDICATORS is closed
            raise ValueError(f"unhandled indicator kind {ind.kind}")
        return _tidy(t.index, np.asarray(value, dtype=float), np.asarray(den, dtype=float))

    # -- flow priors -------------------------------------------------------------------------
    def flow_inputs(self, area_code: str, prefix: str, years: list[int]) -> dict:
        """Yearly counts of one population over ``years`` (rows with all flows present)."""
        t = self.table(area_code)
        total_col = "em_total_households" if prefix.startswith("em") else "total_households"
        cols = [f"{prefix}_{c}" for c in ("start", "escaped", "repoverty", "new", "end")] + [
            total_col
        ]
        missing = [c for c in cols if c not in t]
        if missing:
            raise ValueError(f"the flow model needs the columns {missing}")
        # The rows of ``years`` with all the columns present, i.e.
        # ``t.reindex(years)[cols].dropna()``, from arrays made once per area and population.
        key = ("flow_arrays", str(area_code), prefix)
        if key not in self._memo:
            part = t[cols]
            self._memo[key] = (
                t.index,
                part.to_numpy(dtype=float, na_value=np.nan).T.copy(),  # one row per column
                part.isna().to_numpy().any(axis=1),
            )
        index, values, incomplete = self._memo[key]
        pos = index.get_indexer(list(years))
        pos = pos[pos >= 0]
        pos = pos[~incomplete[pos]]
        start, escaped, repoverty, new, end, total = np.ascontiguousarray(values[:, pos])
        return {
            "years": index[pos].tolist(),
            "start": start,
            "escaped": escaped,
            "repoverty": repoverty,
            "new": new,
            "end": end,
            "total": total,
            "nonpoor": np.maximum(total - start, 0.0),
        }

    def flow_priors(self, level: str, prefix: str, years: tuple[int, ...]) -> dict:
        """Empirical-Bayes priors and year-to-year concentrations over the peers at ``level``."""
        key = (level, prefix, years)
        if key not in self._priors:
            peers = self.peers(level) if level != PROVINCE else []
            self.fill_tables(peers)
            data = [self.flow_inputs(code, prefix, list(years)) for code in peers]
            data = [d for d in data if len(d["years"])]
            out = {}
            for flow, exposure in (
                ("escaped", "start"),
                ("repoverty", "nonpoor"),
                ("new", "nonpoor"),
            ):
                k = np.array([d[flow].sum() for d in data])
                n = np.array([d[exposure].sum() for d in data])
                prior = beta_binomial_mom(k, n) if len(data) >= 3 else None
                groups = [(d[flow], d[exposure]) for d in data]
                out[flow] = {"prior": prior, "concentration": time_concentration(groups)}
            self._priors[key] = out
        return self._priors[key]


def _tidy(years, value, den) -> pd.DataFrame:
    years = np.asarray(years, dtype=int)
    frame = pd.DataFrame({"year": years, "value": value, "denominator": den})
    frame["standard"] = [_standard_code(y) for y in years]
    return frame.reset_index(drop=True)


def _standard_code(year: int) -> str:
    try:
        return standard_for_year(int(year)).code
    except StandardError:
        return "none"


def indicator_series(summary: pd.DataFrame, area_code: str, indicator: str) -> pd.DataFrame:
    """Tidy yearly series of one indicator for one area.

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary table (one row per year x area x zone).
    area_code : str
        ``"province"``, a district code or a commune code (string, leading zeros kept).
    indicator : str
        A key of `INDICATORS`.

    Returns
    -------
    pandas.DataFrame
        Columns ``year, value, denominator, standard``; NaN where the year lacks the data (flows
        in the first year).
    """
    return _Context(summary).series(str(area_code), indicator)


def latest_segment(series: pd.DataFrame, as_of: int | None = None) -> pd.DataFrame:
    """The observed points of the latest standard segment (never spanning a change of standard).

    Parameters
    ----------
    series : pandas.DataFrame
        Output of `indicator_series`.
    as_of : int, optional
        Ignore years after this one.
    """
    keep = series["value"].notna().to_numpy()
    year = series["year"].to_numpy()
    if as_of is not None:
        keep = keep & (year <= int(as_of))
    if not keep.any():
        return series[keep]
    code, years = standard_segments(year[keep])[-1]
    return series[keep & np.isin(year, years)].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------
@dataclass
class ModelForecast:
    """Forecast of one model for a run of future years.

    ``paths`` is ``n_paths x len(years)`` (None when the model cannot simulate, e.g. OLS on two
    points); ``params`` holds fitted values on the model scale (OLS: intercept at the last
    observed year and slope; ETS: smoothing parameters and the final level and trend).
    """

    model: str
    years: np.ndarray
    mean: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray
    paths: np.ndarray | None
    note: str = ""
    params: dict = field(default_factory=dict)


def _check_points(years, values, min_points, model) -> tuple[np.ndarray, np.ndarray]:
    years = np.asarray(years, dtype=float)
    values = np.asarray(values, dtype=float)
    if len(years) != len(values):
        raise ValueError("years and values differ in length")
    ok = np.isfinite(values)
    years, values = years[ok], values[ok]
    if len(values) < min_points:
        raise InsufficientDataError(
            f"too few points for {model}: {len(values)} in the segment, need at least {min_points}"
        )
    if np.any(np.diff(years) <= 0):
        raise ValueError("years must be increasing")
    return years, values


def _transform(values, log: bool):
    if log and np.all(values > 0):
        return np.log(values), np.exp, ""
    note = "log scale impossible (zero or negative values), linear scale used; " if log else ""
    return values, (lambda v: v), note


def _clip(arr, lower, upper):
    if arr is None:
        return None
    return np.clip(arr, -np.inf if lower is None else lower, np.inf if upper is None else upper)


def _quantiles(paths):
    q = np.nanquantile(paths, [0.1, 0.9, 0.025, 0.975], axis=0)
    return q[0], q[1], q[2], q[3]


def ols_forecast(
    years,
    values,
    future,
    *,
    log: bool = False,
    lower: float | None = None,
    upper: float | None = None,
    n_paths: int = DEFAULT_PATHS,
    rng: np.random.Generator | None = None,
    min_points: int = MIN_POINTS,
) -> ModelForecast:
    """Linear trend by OLS with 80% and 95% prediction intervals.

    Parameters
    ----------
    years, values : array-like
        Observed points of one standard segment.
    future : array-like of int
        Years to forecast.
    log : bool
        Fit on the log scale (falls back to the raw scale, with a note, when a value is <= 0).
    lower, upper : float, optional
        Clip bounds for the back-transformed values.
    n_paths : int
        Simulated paths (0 for none).
    rng : numpy.random.Generator, optional
    min_points : int
        Minimum number of points (3; backtests use 2, which gives a point forecast only).

    Returns
    -------
    ModelForecast
        ``params`` has ``intercept`` (fitted value at the last observed year) and ``slope`` per
        year, on the fitted scale.
    """
    years, values = _check_points(years, values, min_points, "ols")
    future = np.asarray(future, dtype=float)
    rng = rng if rng is not None else np.random.default_rng(0)
    y, back, note = _transform(values, log)
    x0 = years[-1]
    design = np.column_stack([np.ones(len(years)), years - x0])
    design_f = np.column_stack([np.ones(len(future)), future - x0])
    res = OLS(y, design).fit()
    mean = design_f @ res.params
    nan = np.full(len(future), np.nan)
    paths = None
    if res.df_resid >= 1:
        pred = res.get_prediction(design_f)
        f80 = pred.summary_frame(alpha=0.2)
        f95 = pred.summary_frame(alpha=0.05)
        lo80, hi80 = f80["obs_ci_lower"].to_numpy(), f80["obs_ci_upper"].to_numpy()
        lo95, hi95 = f95["obs_ci_lower"].to_numpy(), f95["obs_ci_upper"].to_numpy()
        if n_paths > 0:
            df = res.df_resid
            cov = res.normalized_cov_params * res.scale
            z = rng.multivariate_normal(np.zeros(2), cov, size=n_paths, method="cholesky")
            e = rng.standard_normal((n_paths, len(future))) * np.sqrt(res.scale)
            scale = np.sqrt(df / rng.chisquare(df, size=n_paths))[:, None]
            # t draws with 1-2 degrees of freedom have heavy tails: exp may overflow to inf,
            # which is a valid (unbounded) path for probabilities and quantiles.
            with np.errstate(over="ignore"):
                paths = back(mean[None, :] + scale * (z @ design_f.T + e))
        note += f"OLS linear trend{' on logs' if back is np.exp else ''}, {len(years)} points, t({int(res.df_resid)}) intervals"
    else:
        lo80 = hi80 = lo95 = hi95 = nan
        note += f"OLS through {len(years)} points: no residual degrees of freedom, no intervals"
    return ModelForecast(
        "ols",
        future.astype(int),
        _clip(back(mean), lower, upper),
        _clip(back(lo80), lower, upper),
        _clip(back(hi80), lower, upper),
        _clip(back(lo95), lower, upper),
        _clip(back(hi95), lower, upper),
        _clip(paths, lower, upper),
        note,
        {"intercept": float(res.params[0]), "slope": float(res.params[1])},
    )


def ets_forecast(
    years,
    values,
    future,
    *,
    log: bool = False,
    lower: float | None = None,
    upper: float | None = None,
    n_paths: int = DEFAULT_PATHS,
    rng: np.random.Generator | None = None,
    min_points: int = MIN_POINTS,
    estimate_min: int = ETS_MIN_ESTIMATE,
) -> ModelForecast:
    """Damped additive-trend ETS with simulated 80% and 95% intervals.

    With fewer than ``estimate_min`` points the smoothing parameters are fixed at
    `ETS_FIXED_PARAMS` and the initial level and trend come from the OLS line (see the module
    docstring); otherwise all parameters are estimated by maximum likelihood.

    Parameters
    ----------
    years, values, future, log, lower, upper, n_paths, rng, min_points
        As in `ols_forecast`. Future years must lie after the last observed year.
    estimate_min : int
        Points needed to estimate the parameters.

    Returns
    -------
    ModelForecast
        ``params`` holds ``smoothing_level``, ``smoothing_trend``, ``damping_trend``, the final
        ``level`` and ``trend`` and ``estimated`` (bool).
    """
    years, values = _check_points(years, values, min_points, "ets")
    future = np.asarray(future, dtype=int)
    steps = future - int(years[-1])
    if np.any(steps < 1):
        raise ValueError("ETS forecasts only years after the last observed year")
    if np.any(np.diff(years) != 1):
        raise ValueError("ETS needs consecutive annual points")
    rng = rng if rng is not None else np.random.default_rng(0)
    y, back, note = _transform(values, log)
    estimated = len(y) >= estimate_min
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if estimated:
            model = ETSModel(y, error="add", trend="add", damped_trend=True)
            res = model.fit(disp=False)
            note += f"ETS(A,Ad,N) estimated on {len(y)} points"
        else:
            slope, icpt = np.polyfit(np.arange(len(y), dtype=float), y, 1)
            phi = ETS_FIXED_PARAMS["damping_trend"]
            model = ETSModel(
                y,
                error="add",
                trend="add",
                damped_trend=True,
                initialization_method="known",
                initial_level=icpt - phi * slope,
                initial_trend=slope,
            )
            with model.fix_params(ETS_FIXED_PARAMS):
                res = model.fit(disp=False)
            note += (
                f"ETS(A,Ad,N) with fixed alpha/beta/phi "
                f"{ETS_FIXED_PARAMS['smoothing_level']}/{ETS_FIXED_PARAMS['smoothing_trend']}/{phi} "
                f"({len(y)} points < {estimate_min}); intervals ignore parameter uncertainty"
            )
        h = int(steps.max())
        mean = np.asarray(res.forecast(h))[steps - 1]
        paths = None
        lo80 = hi80 = lo95 = hi95 = np.full(len(future), np.nan)
        if n_paths > 0:
            sims = np.asarray(res.simulate(h, anchor="end", repetitions=n_paths, rng=rng))
            sims = sims.reshape(h, n_paths)
            paths = back(sims.T[:, steps - 1])
            lo80, hi80, lo95, hi95 = _quantiles(paths)
    params = {k: float(v) for k, v in zip(res.model.param_names, res.params, strict=False)}
    states = np.asarray(res.states)
    params.update(level=float(states[-1, 0]), trend=float(states[-1, 1]), estimated=estimated)
    if n_paths > 0:
        lo80, hi80, lo95, hi95 = (_clip(a, lower, upper) for a in (lo80, hi80, lo95, hi95))
    return ModelForecast(
        "ets",
        future,
        _clip(back(mean), lower, upper),
        lo80,
        hi80,
        lo95,
        hi95,
        _clip(paths, lower, upper),
        note,
        params,
    )


def beta_binomial_mom(k, n) -> tuple[float, float] | None:
    """Beta prior of a beta-binomial by the method of moments (Kleinman's weighted estimator).

    Parameters
    ----------
    k, n : array-like
        Events and exposures per group (e.g. households escaping and poor households per
        district, summed over the segment's years).

    Returns
    -------
    tuple of float or None
        ``(alpha, beta)``; ``alpha + beta`` is capped at about 1e6 when the groups show no
        extra-binomial spread (full pooling). None with fewer than 2 groups or a pooled rate of
        0 or 1 (no usable prior).
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    keep = n > 0
    k, n = k[keep], n[keep]
    m = len(n)
    if m < 2:
        return None
    total = n.sum()
    p = k.sum() / total
    if p <= 0 or p >= 1:
        return None
    s = np.sum(n * (k / n - p) ** 2)
    denom = total - np.sum(n**2) / total - (m - 1)
    if denom <= 0:
        return None
    rho = (s / (p * (1 - p)) - (m - 1)) / denom
    rho = float(np.clip(rho, _MIN_RHO, 0.999))
    concentration = min(1.0 / rho - 1.0, _MAX_CONCENTRATION)
    return p * concentration, (1 - p) * concentration


def time_concentration(groups) -> float | None:
    """Concentration of year-to-year Beta variation of a rate, pooled over areas.

    Parameters
    ----------
    groups : iterable of (k, n)
        Per area, arrays of yearly events and exposures.

    Returns
    -------
    float or None
        ``kappa`` such that a year's rate is ``Beta(mu * kappa, (1 - mu) * kappa)`` around the
        area's mean ``mu``; None when no area has two usable years or no extra-binomial spread
        is detectable (then years vary binomially only).
    """
    num = den = 0.0
    for k, n in groups:
        k = np.asarray(k, dtype=float)
        n = np.asarray(n, dtype=float)
        keep = n > 0
        k, n = k[keep], n[keep]
        m = len(n)
        if m < 2:
            continue
        total = n.sum()
        p = k.sum() / total
        if p <= 0 or p >= 1:
            continue
        num += np.sum(n * (k / n - p) ** 2) - p * (1 - p) * (m - 1)
        den += p * (1 - p) * (total - np.sum(n**2) / total - (m - 1))
    if den <= 0 or num <= 0:
        return None
    rho = float(np.clip(num / den, _MIN_RHO, 0.999))
    return 1.0 / rho - 1.0


def _draw_mean(spec, n_paths, rng) -> np.ndarray:
    if isinstance(spec, tuple):
        a, b = spec
        return rng.beta(a, b, size=n_paths)
    rate = float(spec)
    if not 0 <= rate <= 1:
        raise ValueError(f"a rate must lie in [0, 1], not {rate}")
    return np.full(n_paths, rate)


def _draw_rate(mu, kappa, rng) -> np.ndarray:
    if kappa is None or not np.isfinite(kappa):
        return mu
    inner = np.clip(mu, 1e-12, 1 - 1e-12)
    return rng.beta(inner * kappa, (1 - inner) * kappa)


def flow_paths(
    stock0: float,
    total0: float,
    escape,
    repoverty,
    new,
    n_years: int,
    *,
    n_paths: int = DEFAULT_PATHS,
    rng: np.random.Generator | None = None,
    concentration: dict | float | None = None,
    total_growth: float = 0.0,
) -> dict[str, np.ndarray]:
    """Monte Carlo paths of the stock-flow model.

    Each year: ``escaped ~ Binomial(stock, e)``, ``repoverty ~ Binomial(total - stock, r)``,
    ``new ~ Binomial(total - stock, n)``, ``stock <- stock - escaped + repoverty + new``, and the
    total grows by ``total_growth``. The expected stock follows
    ``E[S(t+1)] = E[S(t)] (1 - e) + (T(t) - E[S(t)]) (r + n)`` when the rates are fixed.

    Parameters
    ----------
    stock0, total0 : float
        Poor and all households at the end of the last observed year.
    escape, repoverty, new : float or tuple
        A known rate, or ``(alpha, beta)`` of a Beta distribution of the mean rate (drawn once
        per path: parameter uncertainty).
    n_years : int
        Years to simulate.
    n_paths : int
    rng : numpy.random.Generator, optional
    concentration : float or dict, optional
        Year-to-year Beta concentration (per flow name ``escaped``/``repoverty``/``new`` when a
        dict); None for rates fixed within a path (pure binomial counts).
    total_growth : float
        Annual growth of the number of households.

    Returns
    -------
    dict of numpy.ndarray
        ``start, escaped, repoverty, new, end, total``, each ``n_paths x n_years``.
    """
    if n_years < 1:
        raise ValueError("n_years must be at least 1")
    if stock0 < 0 or total0 < stock0:
        raise ValueError("need 0 <= stock0 <= total0")
    rng = rng if rng is not None else np.random.default_rng(0)
    kappa = (
        concentration
        if isinstance(concentration, dict)
        else dict.fromkeys(("escaped", "repoverty", "new"), concentration)
    )
    mu = {
        "escaped": _draw_mean(escape, n_paths, rng),
        "repoverty": _draw_mean(repoverty, n_paths, rng),
        "new": _draw_mean(new, n_paths, rng),
    }
    out = {
        k: np.zeros((n_paths, n_years))
        for k in ("start", "escaped", "repoverty", "new", "end", "total")
    }
    stock = np.full(n_paths, int(round(stock0)), dtype=np.int64)
    for t in range(n_years):
        total = int(round(total0 * (1.0 + total_growth) ** (t + 1)))
        nonpoor = np.maximum(total - stock, 0)
        esc = rng.binomial(stock, _draw_rate(mu["escaped"], kappa.get("escaped"), rng))
        rep = rng.binomial(nonpoor, _draw_rate(mu["repoverty"], kappa.get("repoverty"), rng))
        nw = rng.binomial(nonpoor, _draw_rate(mu["new"], kappa.get("new"), rng))
        out["start"][:, t] = stock
        stock = np.minimum(stock - esc + rep + nw, total)
        out["escaped"][:, t], out["repoverty"][:, t], out["new"][:, t] = esc, rep, nw
        out["end"][:, t] = stock
        out["total"][:, t] = total
    return out


def _flow_output(paths: dict, output: str) -> np.ndarray:
    total = np.where(paths["total"] > 0, paths["total"], np.nan)
    if output == "stock":
        return paths["end"]
    if output == "rate":
        return 100.0 * paths["end"] / total
    if output == "reduction":
        return paths["start"] - paths["end"]
    if output == "change":
        return 100.0 * (paths["end"] - paths["start"]) / total
    return paths[output]


def _flow_model(ctx: _Context, area_code: str, ind: Indicator, future, n_paths, rng, min_points):
    """Fit the flow model for one area on its latest segment and simulate ``future`` years."""
    prefix = ind.flow_prefix
    t = ctx.table(area_code)
    end_col = f"{prefix}_end"
    if end_col not in t or t[end_col].dropna().empty:
        raise InsufficientDataError(f"no {end_col} to start the flow model from")
    last_year = int(t[end_col].dropna().index.max())
    seg_code, seg_years = standard_segments([y for y in t.index if y <= last_year])[-1]
    own = ctx.flow_inputs(area_code, prefix, seg_years)
    n_flow_years = len(own["years"])
    need = max(1, min_points - 1)
    if n_flow_years < need:
        raise InsufficientDataError(
            f"too few points for flow: {n_flow_years} years of flows in the {seg_code} segment, need {need}"
        )
    level = ctx.level_of(area_code)
    priors = ctx.flow_priors(level, prefix, tuple(own["years"])) if level != PROVINCE else None
    specs, kappas, notes = {}, {}, []
    for flow, exposure in (("escaped", "start"), ("repoverty", "nonpoor"), ("new", "nonpoor")):
        k, n = own[flow].sum(), own[exposure].sum()
        prior = priors[flow]["prior"] if priors else None
        if prior is not None:
            a, b = prior[0] + k, prior[1] + max(n - k, 0)
        else:
            a, b = k + 0.5, max(n - k, 0) + 0.5
        specs[flow] = (a, b)
        kappas[flow] = priors[flow]["concentration"] if priors else None
        if kappas[flow] is None:
            kappas[flow] = time_concentration([(own[flow], own[exposure])])
    notes.append(
        "flow model on "
        + f"{own['years'][0]}-{own['years'][-1]} ({seg_code}); "
        + (
            "rates shrunk to the peers by empirical Bayes"
            if priors
            else "own rates (Jeffreys prior)"
        )
        + "; other changes assumed zero"
    )
    totals = own["total"]
    growth = (
        (totals[-1] / totals[0]) ** (1.0 / (len(totals) - 1)) - 1.0
        if len(totals) >= 2 and totals[0] > 0
        else 0.0
    )
    total_col = "em_total_households" if prefix.startswith("em") else "total_households"
    stock0 = float(t.loc[last_year, end_col])
    total0 = float(t.loc[last_year, total_col])
    future = np.asarray(future, dtype=int)
    steps = future - last_year
    if np.any(steps < 1):
        raise ValueError("the flow model forecasts only years after the last observed year")
    raw = flow_paths(
        stock0,
        total0,
        specs["escaped"],
        specs["repoverty"],
        specs["new"],
        int(steps.max()),
        n_paths=max(n_paths, 200),
        rng=rng,
        concentration=kappas,
        total_growth=growth,
    )
    values = _flow_output(raw, ind.flow_output)[:, steps - 1]
    values = _clip(values, ind.lower, ind.upper)
    lo80, hi80, lo95, hi95 = _quantiles(values)
    params = {f"{f}_rate": specs[f][0] / (specs[f][0] + specs[f][1]) for f in specs}
    params.update({f"{f}_concentration": kappas[f] for f in kappas}, total_growth=growth)
    return ModelForecast(
        "flow",
        future,
        values.mean(axis=0),
        lo80,
        hi80,
        lo95,
        hi95,
        values if n_paths > 0 else None,
        "; ".join(notes),
        params,
    )


# --------------------------------------------------------------------------------------------
# Projection
# --------------------------------------------------------------------------------------------
def _model_rng(seed, area_code, indicator, model) -> np.random.Generator:
    return np.random.default_rng([int(seed), *_stable_seed(area_code, indicator, model)])


def _run_models(
    ctx, area_code, indicator, future, models, seed, n_paths, min_points=MIN_POINTS, strict=True
):
    """Run each model; return (forecasts by model, skipped notes by model, fit segment)."""
    ind = get_indicator(indicator)
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; known: {', '.join(MODELS)}")
    series = ctx.series(area_code, indicator)
    seg = latest_segment(series)
    if len(seg) < min_points:
        raise InsufficientDataError(
            f"too few points for {indicator} in {area_code}: {len(seg)} in the latest standard "
            f"segment{' (' + seg['standard'].iloc[0] + ')' if len(seg) else ''}, need at least {min_points}"
        )
    out, skipped = {}, {}
    for model in models:
        rng = _model_rng(seed, area_code, indicator, model)
        try:
            if model == "ols":
                out[model] = ols_forecast(
                    seg["year"],
                    seg["value"],
                    future,
                    log=ind.log,
                    lower=ind.lower,
                    upper=ind.upper,
                    n_paths=n_paths,
                    rng=rng,
                    min_points=min_points,
                )
            elif model == "ets":
                out[model] = ets_forecast(
                    seg["year"],
                    seg["value"],
                    future,
                    log=ind.log,
                    lower=ind.lower,
                    upper=ind.upper,
                    n_paths=n_paths,
                    rng=rng,
                    min_points=min_points,
                )
            else:
                if ind.flow_prefix is None:
                    raise ValueError(f"the flow model does not apply to {indicator}")
                out[model] = _flow_model(ctx, area_code, ind, future, n_paths, rng, min_points)
        except (InsufficientDataError, ValueError) as err:
            if strict and len(models) == 1:
                raise
            skipped[model] = str(err)
    if not out:
        raise InsufficientDataError(
            f"no model could project {indicator} for {area_code}: "
            + "; ".join(f"{m}: {e}" for m, e in skipped.items())
        )
    return out, skipped, seg


def _resolve_weights(weights, models, summary, seed) -> dict:
    if weights is None:
        return dict.fromkeys(models, 1.0)
    if isinstance(weights, str):
        if weights != "backtest":
            raise ValueError("weights must be None, a mapping model -> weight, or 'backtest'")
        from analysis.projection.backtest import backtest_table, model_weights

        weights = model_weights(backtest_table(summary, seed=seed))
    bad = [m for m in weights if m not in MODELS]
    if bad:
        raise ValueError(f"weights for unknown model(s) {bad}")
    if any(w < 0 for w in weights.values()):
        raise ValueError("weights must be non-negative")
    return {m: float(weights.get(m, 0.0)) for m in models}


def _basis(year: int, fit_code: str, rebase) -> tuple[str, str, float]:
    """(standard_basis, note, factor) for one projected year."""
    code = _standard_code(year)
    if code == fit_code:
        return fit_code, "", 1.0
    if code == "none":
        return (
            f"{fit_code} (continued; no standard defined for {year})",
            f"no poverty standard is defined for {year}",
            1.0,
        )
    if rebase == "none":
        return (
            f"{fit_code} (continued; {code} in force)",
            f"{code} governs {year}; value continues the {fit_code} basis, not comparable with {code} reviews",
            1.0,
        )
    return (
        f"{code} scenario ({fit_code} x {rebase:g})",
        f"{code} governs {year}; scenario: {fit_code}-basis level x {rebase:g} for the new line (assumption)",
        float(rebase),
    )


def _check_rebase(rebase):
    if isinstance(rebase, str):
        if rebase != "none":
            raise ValueError("rebase must be 'none' or a positive factor")
        return rebase
    try:
        factor = float(rebase)
    except (TypeError, ValueError):
        raise ValueError("rebase must be 'none' or a positive factor") from None
    if not np.isfinite(factor) or factor <= 0:
        raise ValueError("rebase must be 'none' or a positive factor")
    return factor


@dataclass
class Paths:
    """Simulated future paths of one indicator for one area.

    ``values`` is ``n_paths x len(years)`` (``numpy.asarray(paths)`` gives it too).
    """

    values: np.ndarray
    years: np.ndarray
    area_code: str
    indicator: str
    standard_basis: list
    note: str

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.values, dtype=dtype)

    def column(self, year: int) -> np.ndarray:
        """Simulated values of one year."""
        idx = np.flatnonzero(self.years == int(year))
        if not len(idx):
            raise ValueError(
                f"{year} is not a simulated year ({self.years.min()}-{self.years.max()})"
            )
        return self.values[:, idx[0]]


def _prepare(
    summary, area_code, indicator, horizon, models, weights, seed, as_of, rebase, n_paths, ctx=None
):
    key = None
    if ctx is not None and as_of is None:
        # project() and simulate_paths() of the same area and settings on one context (as in
        # analysis.projection.targets) share the model runs: same seeds, so the same draws.
        try:
            weights_key = (
                tuple(sorted(weights.items())) if isinstance(weights, Mapping) else weights
            )
            key = (
                "prepare", str(area_code), indicator, horizon, tuple(models), weights_key,
                seed, rebase, n_paths,
            )  # fmt: skip
            hash(key)
        except TypeError:
            key = None
        if key is not None and key in ctx._memo:
            ctx, future, forecasts, skipped, seg, w, rebase = ctx._memo[key]
            return ctx, future.copy(), dict(forecasts), dict(skipped), seg.copy(), dict(w), rebase
    prepared = _prepare_uncached(
        summary, area_code, indicator, horizon, models, weights, seed, as_of, rebase, n_paths, ctx
    )
    if key is not None:
        ctx._memo[key] = prepared
        c, future, forecasts, skipped, seg, w, r = prepared
        return c, future.copy(), dict(forecasts), dict(skipped), seg.copy(), dict(w), r
    return prepared


def _prepare_uncached(
    summary, area_code, indicator, horizon, models, weights, seed, as_of, rebase, n_paths, ctx
):
    get_indicator(indicator)
    rebase = _check_rebase(rebase)
    ctx = (ctx or _Context(summary)).truncate(as_of)
    area_code = str(area_code)
    series = ctx.series(area_code, indicator)
    seg = latest_segment(series)
    if seg.empty:
        raise InsufficientDataError(
            f"too few points for {indicator} in {area_code}: no observed values"
        )
    last = int(seg["year"].max())
    if int(horizon) <= last:
        raise ValueError(f"horizon {horizon} must be after the last observed year {last}")
    future = np.arange(last + 1, int(horizon) + 1)
    models = tuple(models)
    forecasts, skipped, seg = _run_models(ctx, area_code, indicator, future, models, seed, n_paths)
    w = _resolve_weights(weights, tuple(forecasts), ctx.summary, seed)
    if sum(w.values()) <= 0:
        w = dict.fromkeys(forecasts, 1.0)
    total = sum(w.values())
    w = {m: v / total for m, v in w.items()}
    return ctx, future, forecasts, skipped, seg, w, rebase


def _mixture(forecasts, w, n_paths, rng) -> np.ndarray | None:
    parts = []
    usable = {m: f for m, f in forecasts.items() if f.paths is not None and w.get(m, 0) > 0}
    if not usable:
        return None
    wsum = sum(w[m] for m in usable)
    for m, f in usable.items():
        take = int(round(n_paths * w[m] / wsum))
        idx = rng.choice(len(f.paths), size=take, replace=take > len(f.paths))
        parts.append(f.paths[idx])
    mix = np.vstack(parts)
    return mix[rng.permutation(len(mix))]


def project(
    summary: pd.DataFrame,
    area_code: str,
    indicator: str,
    horizon: int = 2030,
    models=("ols", "ets", "flow"),
    weights=None,
    seed: int = 20211126,
    *,
    as_of: int | None = None,
    rebase="none",
    n_paths: int = DEFAULT_PATHS,
    _ctx: _Context | None = None,
) -> pd.DataFrame:
    """Project one indicator of one area to ``horizon`` with several models and their combination.

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary table.
    area_code : str
        ``"province"`` or an area code.
    indicator : str
        Key of `INDICATORS`.
    horizon : int
        Last projected year (2030 by default; 2025 is included on the way).
    models : sequence of str
        Any of ``"ols"``, ``"ets"``, ``"flow"``. Models that do not apply (the flow model for
        coverage, say) or cannot be fitted are left out and named in the ``combined`` rows'
        note; a single requested model that fails raises.
    weights : None, mapping or ``"backtest"``
        Combination weights (see the module docstring).
    seed : int
        Seed of all random draws.
    as_of : int, optional
        Use only review years up to this one.
    rebase : ``"none"`` or float
        Re-basing assumption for years under a later standard (module docstring).
    n_paths : int
        Simulated paths per model.

    Returns
    -------
    pandas.DataFrame
        ``area_code, indicator, year, model, mean, lo80, hi80, lo95, hi95, weight, fit_years,
        fit_standard, standard_basis, note``; one row per model and year, plus ``combined`` rows
        when more than one model ran.

    Raises
    ------
    ValueError
        Unknown indicator, model or area; horizon not after the data.
    InsufficientDataError
        Fewer than 3 points in the latest standard segment.
    """
    ctx, future, forecasts, skipped, seg, w, rebase = _prepare(
        summary, area_code, indicator, horizon, models, weights, seed, as_of, rebase, n_paths, _ctx
    )
    ind = INDICATORS[indicator]
    fit_code = str(seg["standard"].iloc[0])
    fit_years = f"{int(seg['year'].min())}-{int(seg['year'].max())}"
    rows = []

    def emit(model, mean, lo80, hi80, lo95, hi95, weight, note):
        for i, year in enumerate(future):
            basis, bnote, factor = _basis(int(year), fit_code, rebase)
            factor = factor if ind.rebase_scales else 1.0
            if bnote and not ind.rebase_scales and rebase != "none":
                bnote += f"; {indicator} is not scaled by the re-basing factor"
                basis = f"{fit_code} (continued; {_standard_code(int(year))} in force)"
            rows.append(
                {
                    "area_code": str(area_code),
                    "indicator": indicator,
                    "year": int(year),
                    "model": model,
                    "mean": mean[i] * factor,
                    "lo80": lo80[i] * factor,
                    "hi80": hi80[i] * factor,
                    "lo95": lo95[i] * factor,
                    "hi95": hi95[i] * factor,
                    "weight": weight,
                    "fit_years": fit_years,
                    "fit_standard": fit_code,
                    "standard_basis": basis,
                    "note": "; ".join(p for p in (note, bnote) if p),
                }
            )

    for model, f in forecasts.items():
        emit(model, f.mean, f.lo80, f.hi80, f.lo95, f.hi95, w[model], f.note)
    if len(forecasts) > 1 or skipped:
        mix = _mixture(forecasts, w, n_paths, _model_rng(seed, area_code, indicator, "combined"))
        mean = sum(w[m] * f.mean for m, f in forecasts.items())
        if mix is not None:
            lo80, hi80, lo95, hi95 = _quantiles(mix)
        else:
            lo80 = hi80 = lo95 = hi95 = np.full(len(future), np.nan)
        note = "weighted mean of " + ", ".join(f"{m} {w[m]:.2f}" for m in forecasts)
        if skipped:
            note += "; left out: " + "; ".join(f"{m} ({e})" for m, e in skipped.items())
        emit("combined", mean, lo80, hi80, lo95, hi95, 1.0, note)
    return pd.DataFrame(rows)


def simulate_paths(
    summary: pd.DataFrame,
    area_code: str,
    indicator: str,
    horizon: int = 2030,
    models=("ols", "ets", "flow"),
    weights=None,
    seed: int = 20211126,
    *,
    as_of: int | None = None,
    rebase="none",
    n_paths: int = DEFAULT_PATHS,
    _ctx: _Context | None = None,
) -> Paths:
    """Simulated paths of the weighted model mixture (the same draws as `project`'s combined rows).

    Parameters
    ----------
    summary, area_code, indicator, horizon, models, weights, seed, as_of, rebase, n_paths
        As in `project`.

    Returns
    -------
    Paths
        ``values`` is ``n_paths x years`` for the years after the last observation up to
        ``horizon``; re-basing factors are applied as in `project`.
    """
    ctx, future, forecasts, skipped, seg, w, rebase = _prepare(
        summary, area_code, indicator, horizon, models, weights, seed, as_of, rebase, n_paths, _ctx
    )
    ind = INDICATORS[indicator]
    mix = _mixture(forecasts, w, n_paths, _model_rng(seed, area_code, indicator, "combined"))
    if mix is None:
        raise InsufficientDataError(f"no model could simulate {indicator} for {area_code}")
    fit_code = str(seg["standard"].iloc[0])
    bases, notes = [], []
    for i, year in enumerate(future):
        basis, bnote, factor = _basis(int(year), fit_code, rebase)
        if ind.rebase_scales and factor != 1.0:
            mix[:, i] = mix[:, i] * factor
        bases.append(basis)
        if bnote:
            notes.append(bnote)
    note = "; ".join(dict.fromkeys(notes))
    if skipped:
        note = "; ".join(
            p
            for p in (note, "left out: " + "; ".join(f"{m} ({e})" for m, e in skipped.items()))
            if p
        )
    return Paths(mix, future, str(area_code), indicator, bases, note)
