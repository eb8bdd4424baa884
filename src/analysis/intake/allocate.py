"""From the new communes of 1 July 2025 back to the former districts: :func:`to_former_districts`.

District series end with the review of 2024; from 2025 the data arrive by new commune. Each new
commune lies within one former district except four (Phường Phước Bình: Phước Long and Phú
Riềng; Xã Tân Tiến: Lộc Ninh and Bù Đốp; Phường Bình Long: Bình Long and Hớn Quản; Xã Tân Quan:
Hớn Quản and Chơn Thành). The figures of a commune within one district go to that district
unchanged. Those of a commune that spans two are shared out in proportion to the households its
former communes had in each district, zone by zone, in the last review held by former commune
(2024), and rounded so that every figure stays a whole number and every identity of the summary
table holds exactly in every row:

* each stock-flow account (poor, near-poor, and their ethnic-minority parts) is split as a
  table of non-negative cells, households that stayed, escaped, re-entered, are new or moved,
  each cell by the largest-remainder rule (:func:`allocate_integer`); the flows are cells and
  the stocks are sums of cells, so ``end = start - escaped + repoverty + new + other`` holds in
  every district and the district parts add up to the commune's figures;
* the ethnic-minority part and the rest are split separately, so that the ethnic-minority
  figures never exceed those of all households;
* the total households, ethnic-minority households, deprivation counts and coverage
  numerators are allocated within the bounds the validation rules set (poor plus near-poor
  within the total, deprived within poor and near-poor, received within needed).

Every district row that received a share of a split commune is flagged ``estimated``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core import paths
from analysis.core.messages import Joined, Message
from analysis.intake.validate import validate_summary
from analysis.reference import schema
from analysis.reference.geography import Geography, load_geography

#: Name of the column flagging district rows that hold an allocated share of a split commune.
ESTIMATED = "estimated"
_GROUPS = ("poor", "near_poor")


def allocate_integer(total: int, weights, lower=None, upper=None) -> np.ndarray:
    """Share a whole number out by the largest-remainder rule, within bounds.

    Parameters
    ----------
    total : int
        What is shared out; a negative total (without bounds) is shared as its opposite.
    weights : array-like of float
        Non-negative weights; all zero means equal shares.
    lower, upper : array-like of int, optional
        Bounds of each part (default 0 and none).

    Returns
    -------
    numpy.ndarray of int64
        Parts that add up to ``total``. Without bounds: each part's quota rounded down, then
        one more to the parts with the largest remainders (ties: the first). With bounds, the
        parts closest to their quotas within the bounds.

    Raises
    ------
    ValueError
        If the bounds cannot hold the total.
    """
    w = np.asarray(weights, dtype=float)
    total = int(total)
    if total < 0 and lower is None and upper is None:
        return -allocate_integer(-total, w)
    share = w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))
    quota = total * share
    lo = np.zeros(len(w), dtype=np.int64) if lower is None else np.asarray(lower, np.int64)
    hi = np.full(len(w), np.iinfo(np.int64).max) if upper is None else np.asarray(upper, np.int64)
    if lo.sum() > total or (upper is not None and hi.sum() < total) or (lo > hi).any():
        raise ValueError(f"cannot share {total} within bounds {lo.tolist()}-{hi.tolist()}")
    x = np.clip(np.floor(quota).astype(np.int64), lo, hi)
    while x.sum() < total:
        x[np.argmax(np.where(x < hi, quota - x, -np.inf))] += 1
    while x.sum() > total:
        x[np.argmin(np.where(x > lo, quota - x, np.inf))] -= 1
    return x


def district_shares(shares_from: pd.DataFrame, geography: Geography) -> pd.DataFrame:
    """The weights that share each new commune's figures among the former districts.

    Parameters
    ----------
    shares_from : pandas.DataFrame
        A summary with former-commune rows (``area_level == "commune"``), e.g. the bundled
        ``summary.csv``; the last year kept by former commune (2024) is used, its
        ``total_households`` by commune and zone.
    geography : Geography

    Returns
    -------
    pandas.DataFrame
        ``new_commune_code``, ``zone``, ``district_code``, ``weight`` (households of the new
        commune's former communes in the district and zone); ``attrs["year"]`` the year used.

    Raises
    ------
    ValueError
        If ``shares_from`` has no former-commune rows up to the last review by former commune.
    """
    frame = shares_from
    if "unit_system" in frame:
        frame = frame[frame["unit_system"].astype(object).isin([geography.former_system])]
    frame = frame[frame["area_level"].astype(str) == "commune"]
    last = geography.unit_systems.set_index("unit_system").at[
        geography.former_system, "last_review_year"
    ]
    if last:
        frame = frame[frame["year"].astype(int) <= int(last)]
    frame = frame[frame["zone"].astype(str).isin(schema.ZONES)]
    if frame.empty:
        raise ValueError(Message("allocate.no_former"))
    year = int(frame["year"].astype(int).max())
    rows = frame[frame["year"].astype(int) == year]
    households = (
        pd.to_numeric(rows["total_households"], errors="coerce")
        .fillna(0)
        .groupby([rows["area_code"].astype(str), rows["zone"].astype(str)])
        .sum()
    )
    links = geography.new_commune_districts()
    out = []
    for zone in schema.ZONES:
        weight = links["old_commune_code"].map(
            lambda c, zone=zone: float(households.get((c, zone), 0.0))
        )
        part = links.assign(zone=zone, weight=weight)
        out.append(part.groupby(["new_commune_code", "zone", "district_code"])["weight"].sum())
    table = pd.concat(out).reset_index()
    table.attrs["year"] = year
    return table


def to_former_districts(
    summary: pd.DataFrame,
    geography: Geography | None = None,
    shares_from: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The rows of a summary kept by new commune, as former-district rows by zone.

    Parameters
    ----------
    summary : pandas.DataFrame
        A valid summary (e.g. from :func:`analysis.intake.summary.read_summary`). Its rows kept
        in the new communes (``unit_system == "communes-2025"``, or without that column the
        rows of the review years kept by new commune, 2025 on) are allocated; its other rows
        (by former unit) are passed through unchanged.
    geography : Geography, optional
    shares_from : pandas.DataFrame, optional
        A summary by former commune giving the shares (:func:`district_shares`); default: the
        former-commune rows of ``summary`` itself, else the bundled ``summary.csv`` (synthetic:
        a note says so).

    Returns
    -------
    pandas.DataFrame
        The columns of ``schema.summary_columns()`` plus ``estimated`` (bool): the passed-through
        rows first (``estimated`` False), then one ``district`` row per year, former district
        and zone that received figures, ``estimated`` True where part of them is a share of a
        commune spanning two districts. ``especially_difficult`` is empty on district rows.
        The table passes :func:`analysis.intake.validate.validate_summary`; the district rows
        add up to the new-commune rows they come from, column by column. ``attrs["notes"]``
        says where the shares come from.

    Raises
    ------
    ValueError
        If the summary is not valid, or a row kept by new commune is not a new commune's.
    """
    geo = geography if geography is not None else load_geography()
    new = _new_rows(summary, geo)
    kept = summary[~new].drop(columns=["unit_system"], errors="ignore").copy()
    kept[ESTIMATED] = False
    rows = summary[new]
    notes: list[str] = []
    if rows.empty:
        kept.attrs["notes"] = notes
        return kept.reset_index(drop=True)
    problems = validate_summary(rows, "summary by new commune", geography=geo)
    unknown = sorted(set(rows["area_code"].astype(str)) - geo.new_commune_codes())
    if problems or unknown:
        what = [*problems[:5], *(Message("allocate.not_new", code=c) for c in unknown[:5])]
        raise ValueError(Message("allocate.invalid", problems=Joined(what, "; ")))
    shares = district_shares(_shares_source(summary, new, shares_from, notes), geo)
    notes.append(Message("allocate.shared", year=shares.attrs["year"]))
    allocated = _allocate_rows(rows, shares, geo, notes)
    out = pd.concat([kept, allocated], ignore_index=True) if len(kept) else allocated
    out = out[[*schema.summary_columns(), ESTIMATED]]
    problems = validate_summary(out, "allocated summary", geography=geo)
    if problems:  # pragma: no cover - the allocation keeps every rule by construction
        raise ValueError("the allocation broke a rule: " + "; ".join(map(str, problems[:5])))
    out.attrs["notes"] = notes
    return out


def _new_rows(summary: pd.DataFrame, geo: Geography) -> pd.Series:
    """Which rows are kept by new commune: the ``unit_system`` column, else the year's."""
    if "unit_system" in summary:
        return summary["unit_system"].astype(object) == geo.new_system
    years = summary["year"].astype(int)
    return years.map({y: geo.unit_system_for_year(y) for y in set(years)}) == geo.new_system


def _shares_source(
    summary: pd.DataFrame, new: pd.Series, shares_from: pd.DataFrame | None, notes: list[str]
) -> pd.DataFrame:
    """The summary the shares come from: given, else the former rows, else the bundled one."""
    if shares_from is not None:
        return shares_from
    former = summary[~new]
    if (former["area_level"].astype(str) == "commune").any():
        return former
    path = paths.default_summary()
    notes.append(Message("allocate.synthetic_shares", file=path.name))
    return pd.read_csv(path, dtype={"area_code": str, "area_level": str, "zone": str})


def _allocate_rows(
    rows: pd.DataFrame, shares: pd.DataFrame, geo: Geography, notes: list[str]
) -> pd.DataFrame:
    """District rows by zone from new-commune rows: each row split, then summed by district."""
    counts = schema.count_columns()
    by_zone = {
        key: (list(part["district_code"]), part["weight"].to_numpy(dtype=float))
        for key, part in shares.groupby(["new_commune_code", "zone"], sort=True)
    }
    all_zones = shares.groupby(["new_commune_code", "district_code"])["weight"].sum()
    spans = geo.new_commune_districts().groupby("new_commune_code")["district_code"].nunique()
    parts = []
    fallbacks = []
    for row in rows.to_dict("records"):
        code, zone = str(row["area_code"]), str(row["zone"])
        districts, weight = by_zone[(code, zone)]
        if spans.get(code, 1) > 1 and weight.sum() == 0:
            # no household of the zone in 2024: share by all zones (else equally)
            weight = np.array([all_zones[(code, d)] for d in districts], dtype=float)
            fallbacks.append(f"{code} ({zone})")
        values = {c: _number(row.get(c)) for c in counts}
        split = split_figures(values, weight) if len(districts) > 1 else _whole(values)
        for i, district in enumerate(districts):
            if len(districts) > 1 and weight.sum() > 0 and weight[i] == 0:
                continue
            part = {c: split[c][i] for c in counts}
            part.update(
                year=int(row["year"]),
                area_code=district,
                zone=zone,
                synthetic=_flag(row.get("synthetic")),
                estimated=spans.get(code, 1) > 1,
            )
            parts.append(part)
    if fallbacks:
        notes.append(Message("allocate.all_zones", areas=", ".join(fallbacks)))
    return _sum_parts(pd.DataFrame(parts))


def _flag(value) -> bool:
    return False if value is None or pd.isna(value) else bool(value)


def _number(value) -> float:
    return np.nan if value is None or pd.isna(value) else float(value)


def _whole(values: dict[str, float]) -> dict[str, np.ndarray]:
    return {c: np.array([v]) for c, v in values.items()}


def split_figures(values: dict[str, float], weights) -> dict[str, np.ndarray]:
    """Split one summary row's counts into parts with every rule of the summary kept.

    Parameters
    ----------
    values : dict of str to float
        Every column of ``schema.count_columns()``; NaN for an empty cell. The row must be
        valid (:func:`analysis.intake.validate.validate_summary`).
    weights : array-like of float
        One weight per part.

    Returns
    -------
    dict of str to numpy.ndarray
        Each column's parts (float, whole numbers; NaN where the row's cell is empty), adding
        up to the row's value. See the module notes for how.

    Raises
    ------
    ValueError
        If a stock-flow account of the row does not balance or its ethnic-minority part
        exceeds the whole.
    """
    w = np.asarray(weights, dtype=float)
    out: dict[str, np.ndarray] = {}
    for prefix in _GROUPS:
        out.update(_split_account(values, prefix, w))

    def part(col: str, lower=None, upper=None) -> np.ndarray:
        if np.isnan(values[col]):
            return np.full(len(w), np.nan)
        return allocate_integer(int(values[col]), w, lower, upper).astype(float)

    def zero(col: str) -> np.ndarray:
        return np.nan_to_num(out[col]).astype(np.int64)

    poor_near = zero("poor_end") + zero("near_poor_end")
    out["total_households"] = part("total_households", lower=poor_near)
    total = out["total_households"]
    em_pn = zero("em_poor_end") + zero("em_near_poor_end")
    upper = None if np.isnan(total).any() else total.astype(np.int64)
    out["em_total_households"] = part("em_total_households", lower=em_pn, upper=upper)
    has_pn = not (np.isnan(values["poor_end"]) and np.isnan(values["near_poor_end"]))
    for col in schema.deprivation_columns():
        out[col] = part(col, upper=poor_near if has_pn else None)
    numerators = {num: den for num, den in schema.COVERAGE_RATIOS.values()}
    for col in schema.COVERAGE_COLUMNS:
        if col not in numerators:
            out[col] = part(col)
    for num, den in numerators.items():
        bound = None if np.isnan(out[den]).any() else out[den].astype(np.int64)
        out[num] = part(num, upper=bound)
    return out


def _split_account(values: dict[str, float], prefix: str, w: np.ndarray) -> dict:
    """The poor or near-poor columns and their ethnic-minority part, split (module notes)."""
    cols = schema.stock_flow_columns(prefix)
    em_cols = schema.stock_flow_columns("em_" + prefix)
    every = {c: values[c] for c in cols}
    em = {c: values[e] for c, e in zip(cols, em_cols, strict=True)}
    flows = cols[1:-1]
    every_flows = any(not np.isnan(every[c]) for c in flows)
    em_flows = any(not np.isnan(em[c]) for c in flows)
    stocks = (cols[0], cols[-1])
    if all(np.isnan(v) for v in em.values()):
        whole = _transport(every, cols, w) if every_flows else _stocks(every, stocks, w)
        part = {c: np.full(len(w), np.nan) for c in cols}
    elif every_flows and em_flows:
        part = _transport(em, cols, w)
        rest = {c: _zero(every[c]) - _zero(em[c]) for c in cols}
        if any(rest[c] < 0 for c in cols if not c.endswith("_other")):
            raise ValueError(f"the ethnic-minority {prefix} figures exceed those of all households")
        whole = {c: part[c] + v for c, v in _transport(rest, cols, w).items()}
    elif every_flows:
        whole = _transport(every, cols, w)
        part = _stocks(em, stocks, w, upper=whole)
    elif em_flows:
        part = _transport(em, cols, w)
        whole = _stocks(every, stocks, w, lower=part)
    else:
        whole = _stocks(every, stocks, w)
        part = _stocks(em, stocks, w, upper=whole)
    out = {}
    for c, e in zip(cols, em_cols, strict=True):
        empty = np.full(len(w), np.nan)
        out[c] = np.where(np.isnan(every[c]), np.nan, whole[c]) if c in whole else empty
        out[e] = np.where(np.isnan(em[c]), np.nan, part[c]) if c in part else empty
    return out


def _zero(value: float) -> int:
    return 0 if np.isnan(value) else int(value)


def _stocks(vals: dict, stocks: tuple, w: np.ndarray, lower=None, upper=None) -> dict:
    """Start and end split on their own (an account without flows), within the bounds given."""
    out = {}
    for col in stocks:
        if np.isnan(vals[col]):
            continue
        lo = None if lower is None else np.nan_to_num(lower[col]).astype(np.int64)
        hi = None
        if upper is not None and not np.isnan(upper[col]).any():
            hi = upper[col].astype(np.int64)
        out[col] = allocate_integer(int(vals[col]), w, lo, hi).astype(float)
    return out


def _transport(vals: dict, cols: list[str], w: np.ndarray) -> dict:
    """One account split cell by cell (empty flows count as none).

    The sources (start, re-poverty, new, other changes in) are matched with the uses (escaped,
    other changes out, end) from the top left ('north-west corner'), which pairs start with
    escaped first and with end (the households that stayed) last; each cell is split by
    :func:`allocate_integer`, and each figure is the sum of its cells.
    """
    v = {c: _zero(vals[c]) for c in cols}
    start, end = cols[0], cols[-1]
    other = next(c for c in cols if c.endswith("_other"))
    escaped = next(c for c in cols if c.endswith("_escaped"))
    inflows = [c for c in cols[1:-1] if c not in (other, escaped)]
    sources = [(start, v[start])] + [(c, v[c]) for c in inflows] + [(other, max(v[other], 0))]
    uses = [(escaped, v[escaped]), (other, max(-v[other], 0)), (end, v[end])]
    if any(a < 0 for _, a in sources + uses) or sum(a for _, a in sources) != sum(
        a for _, a in uses
    ):
        raise ValueError(f"the {start[: -len('_start')]} account does not balance: {v}")
    got_in = [np.zeros(len(w), np.int64) for _ in sources]
    got_out = [np.zeros(len(w), np.int64) for _ in uses]
    left_in, left_out = [a for _, a in sources], [a for _, a in uses]
    i = j = 0
    while i < len(sources) and j < len(uses):
        amount = min(left_in[i], left_out[j])
        if amount:
            cell = allocate_integer(amount, w)
            got_in[i] += cell
            got_out[j] += cell
        left_in[i] -= amount
        left_out[j] -= amount
        i += left_in[i] == 0
        j += left_out[j] == 0
    out = {name: got.astype(float) for (name, _), got in zip(sources, got_in, strict=True)}
    out[other] = (got_in[-1] - got_out[1]).astype(float)
    out[escaped] = got_out[0].astype(float)
    out[end] = got_out[2].astype(float)
    return out


def _sum_parts(parts: pd.DataFrame) -> pd.DataFrame:
    """District rows: the parts summed by year, district and zone.

    A stock is empty when any part is; the flows of an account are summed (an empty flow
    counting as none) only when every part has flows and the sums of its stocks are known,
    otherwise they are left empty, so that the flow identity holds in the sum.
    """
    keys = ["year", "area_code", "zone"]
    grouped = parts.groupby(keys, sort=True)
    counts = schema.count_columns()
    out = grouped[counts].sum(min_count=1)
    any_missing = grouped[counts].agg(lambda s: s.isna().any())
    out = out.mask(any_missing)
    for prefix in ("poor", "near_poor", "em_poor", "em_near_poor"):
        cols = schema.stock_flow_columns(prefix)
        flows = cols[1:-1]
        has_flows = parts[flows].notna().any(axis=1)
        every = has_flows.groupby([parts[k] for k in keys]).all()
        summed = grouped[flows].sum(min_count=1)
        ok = every & out[cols[0]].notna() & out[cols[-1]].notna()
        summed.loc[~ok] = np.nan
        out[flows] = summed
    out["synthetic"] = grouped["synthetic"].any()
    out[ESTIMATED] = grouped[ESTIMATED].any()
    out = out.reset_index()
    out["area_level"] = "district"
    out["especially_difficult"] = pd.array([pd.NA] * len(out), dtype="boolean")
    out["year"] = out["year"].astype("int64")
    for col in counts:
        out[col] = pd.array([None if pd.isna(v) else int(v) for v in out[col]], dtype="Int64")
    for col in ("area_code", "area_level", "zone"):
        out[col] = out[col].astype("str")
    out["synthetic"] = out["synthetic"].astype(bool)
    out[ESTIMATED] = out[ESTIMATED].astype(bool)
    return out[[*schema.summary_columns(), ESTIMATED]]
