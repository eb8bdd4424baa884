"""Deprivation measures: the deprivation profile of the summary table (share of poor and
near-poor households deprived on each indicator) and the Alkire-Foster measures H, A and M0 from
household records, with their decomposition by indicator, dimension and population subgroup.

Conventions (percent, NaN for a missing or zero denominator, small-count flags, the ``standard``
of each row) are those of :mod:`analysis.compute.common`; ``H``, ``A`` and ``M0`` are
proportions (0-1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd

from analysis.compute.common import (
    DEFAULT_MIN_HOUSEHOLDS,
    MeasureError,
    as_float,
    check_min_households,
    key_frame,
    ratio,
    require_columns,
    small_flags,
)
from analysis.reference.standards import Standard, load_standards, standard_for_year

# --------------------------------------------------------------------------------------------
# 1. deprivation profile from the summary
# --------------------------------------------------------------------------------------------


def _indicator_table() -> pd.DataFrame:
    rows = [
        (s.code, i, s.dimensions[i], pos)
        for s in load_standards()
        for pos, i in enumerate(s.indicators)
    ]
    return pd.DataFrame(rows, columns=["standard", "indicator", "dimension", "_order"])


def deprivation_profile(
    summary: pd.DataFrame, min_households: float = DEFAULT_MIN_HOUSEHOLDS
) -> pd.DataFrame:
    """Share of poor and near-poor households deprived on each indicator of the year's standard.

    Definitions, per row of the summary and indicator ``j`` of the standard governing the year::

        deprived       = dep_<j>  (poor and near-poor households deprived on j, end of year)
        base           = poor_end + near_poor_end
        share          = deprived / base * 100
        share_of_total = deprived / total_households * 100

    ``share`` is the summary-level analogue of a censored headcount with "poor or near-poor"
    as the identified group (under Decree 07/2021 these are the households at or below the
    income line); ``share_of_total`` uses all households as the base, like the Alkire-Foster
    censored headcount. Only the indicators of the year's standard are listed.

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary rows with the ``dep_<indicator>`` columns of every standard present.
    min_households : float, default 50
        ``small_count`` (and ``share_small``) when ``base`` is below it.

    Returns
    -------
    pandas.DataFrame
        Long format, one row per summary row and indicator, in the summary's row order and the
        standard's indicator order: keys, ``standard``, ``indicator``, ``dimension``,
        ``deprived``, ``base``, ``share``, ``total_households``, ``share_of_total``,
        ``small_count``, ``share_small``, ``share_of_total_small``.
    """
    require_columns(
        summary, ["year", "poor_end", "near_poor_end", "total_households"], "deprivation_profile"
    )
    mh = check_min_households(min_households)
    keys = key_frame(summary, "deprivation_profile").reset_index(drop=True)
    table = _indicator_table()
    used = table[table["standard"].isin(set(keys["standard"]))]
    missing = [f"dep_{i}" for i in dict.fromkeys(used["indicator"]) if f"dep_{i}" not in summary]
    if missing:
        raise MeasureError(f"deprivation_profile: input is missing columns: {', '.join(missing)}")
    wide = keys.copy()
    wide["_row"] = np.arange(len(wide))
    wide["base"] = as_float(summary, "poor_end") + as_float(summary, "near_poor_end")
    wide["total_households"] = as_float(summary, "total_households")
    dep_cols = [f"dep_{i}" for i in dict.fromkeys(used["indicator"])]
    for col in dep_cols:
        wide[col] = as_float(summary, col)
    long = wide.melt(
        id_vars=[*keys.columns, "_row", "base", "total_households"],
        value_vars=dep_cols,
        var_name="indicator",
        value_name="deprived",
    )
    long["indicator"] = long["indicator"].str.removeprefix("dep_")
    long = long.merge(used, on=["standard", "indicator"], how="inner")
    long = long.sort_values(["_row", "_order"], kind="stable").reset_index(drop=True)
    base = long["base"].to_numpy(dtype=float)
    total = long["total_households"].to_numpy(dtype=float)
    deprived = long["deprived"].to_numpy(dtype=float)
    out = long[[*keys.columns, "indicator", "dimension"]].copy()
    out["deprived"] = deprived
    out["base"] = base
    out["share"] = ratio(deprived, base)
    out["total_households"] = total
    out["share_of_total"] = ratio(deprived, total)
    out["small_count"] = small_flags(base, min_households=mh)
    out["share_small"] = out["small_count"].to_numpy(dtype=bool)
    out["share_of_total_small"] = small_flags(total, min_households=mh)
    return out


# --------------------------------------------------------------------------------------------
# 2. Alkire-Foster from household records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlkireFoster:
    """Result of :func:`alkire_foster`.

    Attributes
    ----------
    overall : pandas.DataFrame
        One row: ``households`` (records), ``population`` (sum of unit weights: households or
        people), ``poor_households``, ``poor_population``, ``H``, ``A``, ``M0``.
    indicators : pandas.DataFrame
        Per indicator: ``dimension``, ``weight``, ``uncensored_headcount``,
        ``censored_headcount`` (proportions) and ``contribution_pct`` (percent of M0).
    dimensions : pandas.DataFrame
        Per dimension: ``weight``, ``contribution`` (sum of weight x censored headcount) and
        ``contribution_pct``.
    groups, group_indicators, group_dimensions : pandas.DataFrame or None
        The same per group when ``by`` was given; ``groups`` also has ``population_share``,
        ``contribution_pct`` (the group's share of overall M0) and ``small_count``.
    scores : pandas.DataFrame
        Per household (index of the input): ``score`` (c_i), ``deprivations`` (count),
        ``unit_weight``, ``poor`` and, with the income gate, ``below_line``.
    weights : pandas.Series
        Normalised indicator weights (sum 1).
    standard, year, k, cutoff, unit, income_gate, by
        The parameters used (``cutoff`` = k / number of indicators).
    """

    overall: pd.DataFrame
    indicators: pd.DataFrame
    dimensions: pd.DataFrame
    groups: pd.DataFrame | None
    group_indicators: pd.DataFrame | None
    group_dimensions: pd.DataFrame | None
    scores: pd.DataFrame
    weights: pd.Series
    standard: str | None
    year: int | None
    k: float
    cutoff: float
    unit: str
    income_gate: bool
    by: tuple[str, ...] | None

    @property
    def H(self) -> float:  # noqa: N802 - the measure's standard name
        """Headcount ratio (proportion of units identified as poor)."""
        return float(self.overall["H"].iloc[0])

    @property
    def A(self) -> float:  # noqa: N802
        """Average intensity: mean deprivation score among the poor."""
        return float(self.overall["A"].iloc[0])

    @property
    def M0(self) -> float:  # noqa: N802
        """Adjusted headcount ratio, M0 = H x A."""
        return float(self.overall["M0"].iloc[0])

    def decomposition_gap(self) -> float:
        """``|M0 - sum_g (population_g / population) * M0_g|`` (0 up to rounding).

        Raises
        ------
        MeasureError
            If the result was computed without ``by``.
        """
        if self.groups is None:
            raise MeasureError("decomposition_gap needs a result computed with by=...")
        g = self.groups
        weighted = float((g["population_share"] * g["M0"]).sum())
        return abs(self.M0 - weighted)

    def check_decomposition(self, tol: float = 1e-9) -> bool:
        """Check that overall M0 equals the population-weighted sum of the group M0s.

        Returns True, or raises :class:`MeasureError` with the gap.
        """
        gap = self.decomposition_gap()
        if not gap <= tol:
            raise MeasureError(f"subgroup decomposition fails: |M0 - sum s_g M0_g| = {gap:.3g}")
        return True


_EPS = 1e-12


def _af_weights(weights, standard: Standard | None) -> pd.Series:
    if weights is None:
        if standard is None:
            raise MeasureError(
                "alkire_foster: give a review year (or a 'year' column) to use the standard's "
                "indicators, or explicit indicator weights"
            )
        d = len(standard.indicators)
        return pd.Series(1.0 / d, index=list(standard.indicators), dtype=float)
    if isinstance(weights, Mapping):
        w = pd.Series(dict(weights), dtype=float)
    elif isinstance(weights, pd.Series):
        w = weights.astype(float)
    else:
        raise MeasureError("alkire_foster: weights must be a mapping indicator -> weight")
    if w.empty or w.isna().any() or (w <= 0).any():
        raise MeasureError("alkire_foster: indicator weights must be positive numbers")
    w.index = w.index.astype(str)
    return w / w.sum()


def _af_table(work: pd.DataFrame, by: list[str], indicators: list[str]) -> pd.DataFrame:
    """Sums per group of the weighted columns built in alkire_foster."""
    cols = ["_n", "_pw", "_poor", "_poor_pw", "_cpoor_pw"]
    cols += [f"_u_{j}" for j in indicators] + [f"_ch_{j}" for j in indicators]
    return work.groupby(by, sort=True, dropna=False, observed=True)[cols].sum()


def _af_measures(
    sums: pd.DataFrame, w: pd.Series, dims: dict, min_households: float
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    pop = sums["_pw"].to_numpy(dtype=float)
    poor_pop = sums["_poor_pw"].to_numpy(dtype=float)
    cpoor = sums["_cpoor_pw"].to_numpy(dtype=float)
    head = pd.DataFrame(
        {
            "households": sums["_n"].to_numpy(dtype="int64"),
            "population": pop,
            "poor_households": sums["_poor"].to_numpy(dtype="int64"),
            "poor_population": poor_pop,
            "H": ratio(poor_pop, pop, 1.0),
            "A": ratio(cpoor, poor_pop, 1.0),
            "M0": ratio(cpoor, pop, 1.0),
        },
        index=sums.index,
    )
    head["small_count"] = small_flags(
        head["households"].to_numpy(float), min_households=min_households
    )
    rows = []
    for j in w.index:
        rows.append(
            pd.DataFrame(
                {
                    "indicator": j,
                    "dimension": dims[j],
                    "weight": float(w[j]),
                    "uncensored_headcount": ratio(sums[f"_u_{j}"], pop, 1.0),
                    "censored_headcount": ratio(sums[f"_ch_{j}"], pop, 1.0),
                },
                index=sums.index,
            )
        )
    ind = pd.concat(rows)
    m0 = head["M0"].reindex(ind.index).to_numpy(dtype=float)
    ind["contribution"] = ind["weight"] * ind["censored_headcount"]
    ind["contribution_pct"] = ratio(ind["contribution"].to_numpy(float), m0)
    order = {j: n for n, j in enumerate(w.index)}
    dim_order = {d: n for n, d in enumerate(dict.fromkeys(dims[j] for j in w.index))}
    group_names = list(sums.index.names)
    ind = ind.reset_index()
    ind["_o"] = ind["indicator"].map(order)
    ind = ind.sort_values([*group_names, "_o"], kind="stable").drop(columns="_o")
    dim = (
        ind.groupby([*group_names, "dimension"], sort=False, dropna=False)[
            ["weight", "contribution", "contribution_pct"]
        ]
        .sum(min_count=1)
        .reset_index()
    )
    dim["_o"] = dim["dimension"].map(dim_order)
    dim = dim.sort_values([*group_names, "_o"], kind="stable").drop(columns="_o")
    return head, ind.reset_index(drop=True), dim.reset_index(drop=True)


def _af_records(households: pd.DataFrame, year: int | None) -> tuple[pd.DataFrame, int | None]:
    """The household records of the review year, and that year (the only one when not given)."""
    frame = households
    if "year" in frame.columns:
        years = pd.to_numeric(frame["year"], errors="coerce")
        if year is None:
            found = sorted(years.dropna().unique().tolist())
            if len(found) > 1:
                raise MeasureError(
                    f"alkire_foster: the records span several review years {found}; pass year="
                )
            year = int(found[0]) if found else None
        else:
            frame = frame.loc[(years == int(year)).to_numpy()]
            if frame.empty:
                raise MeasureError(f"alkire_foster: no household records for year {year}")
    if frame.empty:
        raise MeasureError("alkire_foster: no household records")
    return frame, year


def _af_below_line(frame: pd.DataFrame, standard: Standard) -> np.ndarray:
    """Whether each household's income (or score A) is at or below its zone's line."""
    zone = frame["zone"].astype(str).to_numpy()
    if not np.isin(zone, ["urban", "rural"]).all():
        raise MeasureError("alkire_foster: income_gate needs zone 'urban' or 'rural' per row")
    urban = zone == "urban"
    if "income_pc" in frame.columns and frame["income_pc"].notna().all():
        value = as_float(frame, "income_pc")
        line = np.where(urban, standard.income_line["urban"], standard.income_line["rural"])
    elif "score_a" in frame.columns and standard.score_a_line["rural"] is not None:
        value = as_float(frame, "score_a")
        line = np.where(urban, standard.score_a_line["urban"], standard.score_a_line["rural"])
    else:
        raise MeasureError(
            "alkire_foster: income_gate needs 'income_pc' for every household"
            + ("" if standard.score_a_line["rural"] is None else " or 'score_a'")
        )
    return value <= line


def _af_unit_weights(frame: pd.DataFrame, weight: str) -> np.ndarray:
    """1 per household, or the household's members."""
    if weight == "members":
        pw = as_float(frame, "members")
        if np.isnan(pw).any() or (pw < 0).any():
            raise MeasureError("alkire_foster: 'members' must be a non-negative number per row")
        return pw
    return np.ones(len(frame))


def _af_work(
    frame: pd.DataFrame,
    by_cols: list[str],
    indicators: list[str],
    g: np.ndarray,
    score: np.ndarray,
    poor: np.ndarray,
    pw: np.ndarray,
) -> pd.DataFrame:
    """Per household: the group columns and the weighted columns that `_af_table` sums."""
    work = pd.DataFrame(index=frame.index)
    for c in by_cols:
        if c in frame.columns:
            work[c] = frame[c].to_numpy()
        else:  # district_code from commune_code
            from analysis.reference.geography import load_geography

            mapping = load_geography().commune_district()
            work[c] = frame["commune_code"].astype(str).map(mapping).to_numpy()
    work["_n"] = 1
    work["_pw"] = pw
    work["_poor"] = poor.astype("int64")
    work["_poor_pw"] = pw * poor
    work["_cpoor_pw"] = pw * poor * score
    weighted = {f"_u_{j}": pw * g[:, n] for n, j in enumerate(indicators)}
    weighted |= {f"_ch_{j}": pw * poor * g[:, n] for n, j in enumerate(indicators)}
    return pd.concat([work, pd.DataFrame(weighted, index=frame.index)], axis=1)


def _af_groups(
    work: pd.DataFrame,
    by_cols: list[str],
    indicators: list[str],
    w: pd.Series,
    dims: dict,
    min_households: float,
    overall: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per-group measures, with each group's population share and contribution to M0."""
    ghead, group_ind, group_dim = _af_measures(
        _af_table(work, by_cols, indicators), w, dims, min_households
    )
    total_pop = float(overall["population"].iloc[0])
    ghead["population_share"] = ghead["population"] / total_pop if total_pop > 0 else np.nan
    ghead["contribution_pct"] = ratio(
        ghead["population_share"].to_numpy(float) * ghead["M0"].to_numpy(float),
        np.full(len(ghead), float(overall["M0"].iloc[0])),
    )
    cols = [
        "households",
        "population",
        "population_share",
        "poor_households",
        "poor_population",
        "H",
        "A",
        "M0",
        "contribution_pct",
        "small_count",
    ]
    return ghead[cols].reset_index(), group_ind, group_dim


def alkire_foster(
    households: pd.DataFrame,
    year: int | None = None,
    k: float = 3,
    weights: Mapping[str, float] | pd.Series | None = None,
    income_gate: bool = False,
    by: str | Sequence[str] | None = None,
    weight: str = "households",
    dimensions: Mapping[str, str] | None = None,
    min_households: float = DEFAULT_MIN_HOUSEHOLDS,
) -> AlkireFoster:
    """Alkire-Foster multidimensional poverty measures from household records.

    Definitions. The unit of identification is the household. With indicators ``j = 1..d``,
    deprivation flags ``g_ij`` (column ``d_<j>``, missing = not deprived) and weights ``w_j``
    normalised to sum 1 (equal weights ``w_j = 1/d`` by default)::

        c_i  = sum_j w_j g_ij                       deprivation score of household i
        poor_i = c_i >= k / d                       (identification; with income_gate also
                                                     income_pc <= the standard's income line
                                                     for the household's zone)
        H    = sum_i p_i poor_i / sum_i p_i         headcount ratio
        A    = sum_i p_i poor_i c_i / sum_i p_i poor_i   average intensity among the poor
        M0   = H * A = sum_i p_i poor_i c_i / sum_i p_i  (mean of censored scores)
        CH_j = sum_i p_i poor_i g_ij / sum_i p_i    censored headcount of indicator j
        contribution_pct_j = w_j * CH_j / M0 * 100  (sums to 100 over indicators)
        dimension contribution = sum of its indicators' contributions

    ``p_i`` is the unit weight: 1 per household (``weight="households"``, the default: shares of
    households, as the review counts) or the household's ``members`` (``weight="members"``:
    shares of people living in households identified as poor). With equal weights, k = 3 is
    "3 of 12 indicators" under Decree 07/2021 (cut-off 0.25); a score equal to the cut-off up to
    1e-12 counts as poor. With ``income_gate=True`` and the Decree 07/2021 or 351/2025 standard,
    equal weights and ``k = 3``, the poor are exactly the official poor class
    (:func:`analysis.reference.standards.classify`); under Decision 59/2015
    (income-or-deprivation rule) the gated class is not the official one. The income test uses
    ``income_pc`` when every household has it, else ``score_a`` against the score-A line.

    Decomposition by ``by`` groups (population subgroups): ``M0 = sum_g (N_g / N) M0_g`` with
    ``N_g`` the summed unit weights of group g; see :meth:`AlkireFoster.check_decomposition`.

    Parameters
    ----------
    households : pandas.DataFrame
        Household records (see :mod:`analysis.reference.schema`): ``d_<indicator>`` flags, and
        ``zone`` and ``income_pc``/``score_a`` for the income gate, ``members`` for people
        weighting.
    year : int, optional
        Review year; selects the rows of that year (when there is a ``year`` column) and the
        standard. Default: the single year in the ``year`` column (an error if several).
    k : float, default 3
        Poverty cut-off in indicator units: poor if ``c_i >= k / d``; ``0 < k <= d``.
    weights : mapping indicator -> float, optional
        Custom indicator weights (any positive numbers; normalised to sum 1). Their keys choose
        the indicators. Default: equal weights over the year's standard's indicators.
    income_gate : bool, default False
        Also require income at or below the income line (official-class identification).
    by : str or list of str, optional
        Group column(s) for the decomposition, e.g. ``"commune_code"`` or ``"district_code"``
        (derived from ``commune_code`` with the reference geography when absent).
    weight : {"households", "members"}
        Unit weighting, see above.
    dimensions : mapping indicator -> dimension, optional
        Default: the standard's dimensions; an indicator without one is its own dimension.
    min_households : float, default 50
        Groups with fewer household records are flagged ``small_count``.

    Returns
    -------
    AlkireFoster
        ``.overall`` (H, A, M0...), ``.indicators``, ``.dimensions``, ``.groups``,
        ``.group_indicators``, ``.group_dimensions``, ``.scores``; properties ``.H``, ``.A``,
        ``.M0``; ``.check_decomposition()``.

    Raises
    ------
    MeasureError
        Missing indicator, zone, income, members or group columns; invalid k or weights;
        several years without ``year``.
    StandardError
        A year outside every standard.
    """
    # Long mostly through its docstring (the definitions); the body is the method's steps in
    # order: select records, check parameters, identify the poor, aggregate, decompose.
    require_columns(households, [], "alkire_foster")
    mh = check_min_households(min_households)
    frame, year = _af_records(households, year)
    standard = standard_for_year(int(year)) if year is not None else None
    w = _af_weights(weights, standard)
    indicators = list(w.index)
    d = len(indicators)
    if not isinstance(k, Real) or isinstance(k, bool) or not 0 < k <= d:
        raise MeasureError(
            f"alkire_foster: k must be in (0, {d}] (number of indicators), not {k!r}"
        )
    cutoff = float(k) / d
    if weight not in ("households", "members"):
        raise MeasureError(
            f"alkire_foster: weight must be 'households' or 'members', not {weight!r}"
        )

    if income_gate and standard is None:
        raise MeasureError("alkire_foster: income_gate needs a review year to pick the line")
    by_cols = [by] if isinstance(by, str) else (list(by) if by is not None else [])
    need = [f"d_{j}" for j in indicators]
    if weight == "members":
        need.append("members")
    if income_gate:
        need.append("zone")
    missing = [c for c in need if c not in frame.columns]
    missing += [
        c
        for c in by_cols
        if c not in frame.columns and not (c == "district_code" and "commune_code" in frame)
    ]
    if missing:
        raise MeasureError(f"alkire_foster: input is missing columns: {', '.join(missing)}")

    dims = dict(standard.dimensions) if standard is not None else {}
    if dimensions is not None:
        dims.update(dict(dimensions))
    dims = {j: dims.get(j, j) for j in indicators}

    flags = frame[need[:d]].astype(object).fillna(False).astype(bool).to_numpy()
    g = flags.astype(float)
    score = g @ w.to_numpy(dtype=float)
    poor = score >= cutoff - _EPS
    below = _af_below_line(frame, standard) if income_gate else None
    if below is not None:
        poor = poor & below
    pw = _af_unit_weights(frame, weight)

    work = _af_work(frame, by_cols, indicators, g, score, poor, pw)
    work["_all"] = "all"
    head, ind, dim = _af_measures(_af_table(work, ["_all"], indicators), w, dims, mh)
    overall = head.reset_index(drop=True).drop(columns="small_count")
    ind = ind.drop(columns="_all")
    dim = dim.drop(columns="_all")

    groups = group_ind = group_dim = None
    if by_cols:
        groups, group_ind, group_dim = _af_groups(work, by_cols, indicators, w, dims, mh, overall)

    scores = pd.DataFrame(index=frame.index)
    if "household_id" in frame.columns:
        scores["household_id"] = frame["household_id"]
    for c in by_cols:
        scores[c] = work[c]
    scores["score"] = score
    scores["deprivations"] = flags.sum(axis=1).astype("int64")
    scores["unit_weight"] = pw
    if below is not None:
        scores["below_line"] = below
    scores["poor"] = poor

    return AlkireFoster(
        overall=overall,
        indicators=ind,
        dimensions=dim,
        groups=groups,
        group_indicators=group_ind,
        group_dimensions=group_dim,
        scores=scores,
        weights=w,
        standard=standard.code if standard is not None else None,
        year=int(year) if year is not None else None,
        k=float(k),
        cutoff=cutoff,
        unit=weight,
        income_gate=bool(income_gate),
        by=tuple(by_cols) if by_cols else None,
    )


__all__ = [
    "AlkireFoster",
    "alkire_foster",
    "deprivation_profile",
]
