"""Stocks and flows of poor and near-poor households, from household panels to summary tables.

Three steps:

``derive_flows(panel)``
    one row per household-year (two rows when a household moved between communes, and a row for
    a household that left the panel) with its status at the start and at the end of the year and
    its 0/1 contribution (signed for "other") to every stock and flow of the summary table.
``summarise_households(panel, geography)``
    the area-year summary table of :mod:`analysis.reference.schema` at commune level.
``roll_up(summary, geography, level)`` / ``combine_zones(summary)``
    commune rows summed to districts or the province, and urban + rural rows summed to ``all``.

Definitions (glossary of the mission brief)
-------------------------------------------
The start of review year ``y`` is the end of review ``y - 1``: a household's start status is its
recorded class in ``y - 1``; a household absent in ``y - 1`` has no start status.

poor
    ``start``: poor at the start. ``escaped`` (thoát nghèo): poor at the start, present and not
    poor (near-poor or not poor) at the end. ``repoverty`` (tái nghèo): poor at the end, not poor
    at the start (or absent), and recorded poor in some earlier review. ``new`` (phát sinh nghèo
    mới): poor at the end, never recorded poor in an earlier review (households that first appear
    in the panel included). ``other`` (signed): ``-1`` for a household poor at the start that
    left the panel (dissolved, moved out of the province); at commune level also ``-1`` in the
    commune a poor household moved out of and ``+1`` in the commune it moved into while staying
    poor. ``end``: poor at the end.
near-poor
    ``start``, ``escaped`` (near-poor at the start, not poor at the end), ``new`` (near-poor at
    the end and not near-poor at the start: from poor, from not poor or newly in the panel),
    ``other`` (signed: ``-1`` for a near-poor household that became poor, ``-1`` for one that left
    the panel, ``-1``/``+1`` for moves between communes while near-poor), ``end``.

With these definitions ``end = start - escaped + repoverty + new + other`` (near-poor: without
re-poverty) holds exactly for every household-year row, hence for every sum of rows. "Earlier
review" uses the recorded class of any earlier year in the panel, whatever standard governed it.

Change of standard. When review year ``y`` is governed by another standard than ``y - 1``
(``standard_for_year(y).code != standard_for_year(y - 1).code``), levels of the two years are not
comparable. The start stock of ``y`` is then the households of ``y - 1`` re-classified under the
standard of ``y`` (``classify(records_of_y-1, standard=standard_of_y)``), which needs ``income_pc``
for every household and every ``d_<indicator>`` flag of the new standard. Without them the start
and all flows of ``y`` are missing (NaN); the end stock is always known. The difference between
the start of ``y`` and the end of ``y - 1`` is then the reclassification, shown nowhere as a flow.
The first year of a panel, and a year whose previous year is not in the panel, have no start
either (flows NaN).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.core.errors import WorkbookError
from analysis.reference import schema
from analysis.reference.geography import Geography
from analysis.reference.standards import (
    CLASSES,
    NEAR_POOR,
    NOT_POOR,
    POOR,
    StandardError,
    all_indicators,
    classify,
    standard_for_year,
)

POOR_FLOW_COLUMNS = schema.POOR_COLUMNS
NEAR_FLOW_COLUMNS = schema.NEAR_POOR_COLUMNS
FLOW_COLUMNS = POOR_FLOW_COLUMNS + NEAR_FLOW_COLUMNS
END_COLUMNS = ["poor_end", "near_poor_end"]

# Class codes used internally: -1 = absent from the panel that year.
_ABSENT, _POOR, _NEAR, _NOT = -1, 0, 1, 2
_CODE = {POOR: _POOR, NEAR_POOR: _NEAR, NOT_POOR: _NOT}
_RECENT_ESCAPE_YEARS = 3  # T4: "recently escaped" = escaped within the last three reviews

_REQUIRED = ["household_id", "year", "commune_code", "zone", "ethnic_minority", "recorded_class"]


class PanelError(WorkbookError, ValueError):
    """A household panel that does not follow the column contract of :mod:`analysis.reference.schema`."""


# -- household level ------------------------------------------------------------------------------
def _check_panel(panel: pd.DataFrame) -> None:
    missing = [c for c in _REQUIRED if c not in panel.columns]
    if missing:
        raise PanelError(f"household panel lacks required column(s): {', '.join(missing)}")
    codes = _class_codes(panel["recorded_class"])
    if (codes < 0).any():
        bad = panel["recorded_class"][codes < 0]
        found = sorted(map(str, pd.unique(bad.astype("object"))))[:5]
        raise PanelError(f"recorded_class must be one of {CLASSES}; found {found}")


def _class_codes(values) -> np.ndarray:
    """poor 0, near_poor 1, not_poor 2, anything else -1."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        values = values.cat.set_categories(list(CLASSES))
        return values.cat.codes.to_numpy(dtype=np.int8)
    values = np.asarray(values, dtype=object)
    codes = np.full(len(values), -1, dtype=np.int8)
    for code, label in enumerate(CLASSES):
        codes[values == label] = code
    return codes


def _factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and string labels (sorted) of a column, fast for categoricals."""
    codes, labels = pd.factorize(values, sort=True)
    return codes.astype(np.int64), np.asarray(labels.astype(str), dtype=object)


def _start_classes(records: pd.DataFrame, year: int, years: set[int]) -> np.ndarray | None:
    """Start class codes of the households of ``year - 1`` for year ``year``, or None if unknown."""
    if year - 1 not in years:
        return None
    prev = records[records["year"].to_numpy() == year - 1]
    new_std = standard_for_year(year)
    if new_std.code == standard_for_year(year - 1).code:
        return _class_codes(prev["recorded_class"])
    flags = [f"d_{i}" for i in new_std.indicators]
    needed = ["income_pc", *flags]
    if any(c not in prev.columns for c in needed) or prev[needed].isna().any().any():
        return None
    try:
        klass = classify(prev, standard=new_std, score_b_col="__no_score_b__")
    except StandardError:
        return None
    return _class_codes(klass)


def _ever_poor_before(hid: np.ndarray, year: np.ndarray, poor: np.ndarray) -> np.ndarray:
    """Whether each record's household was recorded poor in an earlier year of the panel."""
    order = np.lexsort((year, hid))
    h, p = hid[order], poor[order].astype(np.int64)
    csum = np.cumsum(p)
    first = np.r_[True, h[1:] != h[:-1]]
    start_idx = np.maximum.accumulate(np.where(first, np.arange(len(h)), 0))
    before = csum - p - (csum[start_idx] - p[start_idx])  # poor records strictly before, in group
    out = np.empty(len(h), dtype=bool)
    out[order] = before > 0
    return out


def _flow_arrays(panel: pd.DataFrame) -> dict:
    """Household-year flow rows as numpy arrays (see :func:`derive_flows`)."""
    # Kept as one function (about 120 lines): the start and end sides are paired on one key
    # space and every flow column is a mask over the same arrays; split up, they would have to
    # be passed around as a dozen parallel arrays.
    _check_panel(panel)
    rec = panel.reset_index(drop=True)
    if rec.duplicated(["household_id", "year"]).any():
        dup = rec.duplicated(["household_id", "year"])
        first = rec.loc[dup, ["household_id", "year"]].iloc[0]
        raise PanelError(
            f"{int(dup.sum())} duplicated household-year row(s), e.g. household "
            f"{first['household_id']!r} in {int(first['year'])}: one row per household and year"
        )
    hid, hid_labels = _factorize(rec["household_id"])
    com, com_labels = _factorize(rec["commune_code"])
    zone, zone_labels = _factorize(rec["zone"])
    em = rec["ethnic_minority"].to_numpy(dtype=bool)
    year = rec["year"].to_numpy(dtype=np.int64)
    end_cls = _class_codes(rec["recorded_class"])
    ever_rec = _ever_poor_before(hid, year, end_cls == _POOR)
    years = sorted(set(int(y) for y in np.unique(year)))

    # Start classes: records of y - 1 seen from year y (re-classified at a change of standard).
    defined = {}
    next_cls = np.full(len(rec), _ABSENT, dtype=np.int8)
    has_next = np.zeros(len(rec), dtype=bool)
    for y in years:
        codes = _start_classes(rec, y, set(years))
        defined[y] = codes is not None
        if codes is not None:
            prev = year == y - 1
            next_cls[prev] = codes
            has_next[prev] = True

    # Pair the end side (records of y) with the start side (records of y - 1) on (household, y).
    ymin = years[0]
    span = years[-1] - ymin + 2
    ekey = hid * span + (year - ymin)
    skey = hid[has_next] * span + (year[has_next] + 1 - ymin)
    keys = np.union1d(ekey, skey)
    pe = np.searchsorted(keys, ekey)
    ps = np.searchsorted(keys, skey)
    n = len(keys)
    has_end = np.zeros(n, dtype=bool)
    has_end[pe] = True
    has_start = np.zeros(n, dtype=bool)
    has_start[ps] = True
    e = np.full(n, _ABSENT, dtype=np.int8)
    e[pe] = end_cls
    s = np.full(n, _ABSENT, dtype=np.int8)
    s[ps] = next_cls[has_next]
    ever = np.zeros(n, dtype=bool)
    ever[pe] = ever_rec
    e_com, s_com = np.full(n, -1), np.full(n, -1)
    e_com[pe], s_com[ps] = com, com[has_next]
    e_zone, s_zone = np.full(n, -1), np.full(n, -1)
    e_zone[pe], s_zone[ps] = zone, zone[has_next]
    e_em, s_em = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    e_em[pe], s_em[ps] = em, em[has_next]
    k_hid, k_year = keys // span, keys % span + ymin
    moved = has_end & has_start & ((e_com != s_com) | (e_em != s_em))

    gone = e == _ABSENT
    start_part = {
        "poor_start": s == _POOR,
        "poor_escaped": (s == _POOR) & ((e == _NEAR) | (e == _NOT)),
        "poor_other": -((s == _POOR) & (gone | (moved & (e == _POOR)))).astype(np.int8),
        "near_poor_start": s == _NEAR,
        "near_poor_escaped": (s == _NEAR) & (e == _NOT),
        "near_poor_other": -((s == _NEAR) & ((e == _POOR) | gone | (moved & (e == _NEAR)))).astype(
            np.int8
        ),
    }
    end_part = {
        "poor_repoverty": (e == _POOR) & (s != _POOR) & ever,
        "poor_new": (e == _POOR) & (s != _POOR) & ~ever,
        "poor_other": (moved & (s == _POOR) & (e == _POOR)).astype(np.int8),
        "poor_end": e == _POOR,
        "near_poor_new": (e == _NEAR) & (s != _NEAR),
        "near_poor_other": (moved & (s == _NEAR) & (e == _NEAR)).astype(np.int8),
        "near_poor_end": e == _NEAR,
    }
    both = has_end & has_start & ~moved
    only_start = has_start & (~has_end | moved)
    only_end = has_end & (~has_start | moved)
    sides = [(both, "end", 0), (only_start, "start", 1), (only_end, "end", 2)]
    pieces: dict[str, list] = {c: [] for c in FLOW_COLUMNS}
    attrs: dict[str, list] = {
        k: [] for k in ["hid", "year", "com", "zone", "em", "s", "e", "moved", "side"]
    }
    for mask, attr_side, side_code in sides:
        src = (e_com, e_zone, e_em) if attr_side == "end" else (s_com, s_zone, s_em)
        attrs["hid"].append(k_hid[mask])
        attrs["year"].append(k_year[mask])
        attrs["com"].append(src[0][mask])
        attrs["zone"].append(src[1][mask])
        attrs["em"].append(src[2][mask])
        attrs["s"].append(s[mask])
        attrs["e"].append(e[mask])
        attrs["moved"].append(moved[mask])
        attrs["side"].append(np.full(int(mask.sum()), side_code, dtype=np.int8))
        parts = (
            [start_part, end_part]
            if side_code == 0
            else [start_part if side_code == 1 else end_part]
        )
        for col in FLOW_COLUMNS:
            val = np.zeros(int(mask.sum()), dtype=np.int8)
            for part in parts:
                if col in part:
                    val = val + np.asarray(part[col], dtype=np.int8)[mask]
            pieces[col].append(val)
    out = {k: np.concatenate(v) for k, v in attrs.items()}
    out.update({k: np.concatenate(v) for k, v in pieces.items()})
    order = np.lexsort((out["side"], out["hid"], out["year"]))
    out = {k: v[order] for k, v in out.items()}
    undefined_years = [y for y, ok in defined.items() if not ok]
    out["undefined"] = np.isin(out["year"], undefined_years)
    out["labels"] = {"hid": hid_labels, "com": com_labels, "zone": zone_labels}
    out["defined"] = defined
    out["records"] = {"hid": hid, "year": year, "com": com, "class": end_cls, "em": em}
    return out


def derive_flows(panel: pd.DataFrame) -> pd.DataFrame:
    """Start status, end status and flow contributions of every household-year.

    Parameters
    ----------
    panel : pandas.DataFrame
        Household records, one row per household and review year, with at least
        ``household_id, year, commune_code, zone, ethnic_minority, recorded_class`` (see
        :mod:`analysis.reference.schema`). ``income_pc`` and the ``d_<indicator>`` flags are needed only to
        re-classify the start stock at a change of standard.

    Returns
    -------
    pandas.DataFrame
        Sorted by year and household: ``household_id, year, commune_code, zone,
        ethnic_minority, start_class, end_class, moved, side`` (identifiers and classes as
        categoricals of strings) and the flow columns ``poor_start ... poor_end,
        near_poor_start ... near_poor_end`` (nullable ``Int8``: 0/1, ``other`` -1/0/1).
        ``start_class``/``end_class`` are ``poor``/``near_poor``/``not_poor`` or missing (absent
        from the panel, or no start known). ``side`` is ``both`` (one row for the household-year),
        ``start`` (the household left the panel, or the row of the commune it moved out of) or
        ``end`` (it entered the panel, or the row of the commune it moved into). Rows are
        attributed to the commune, zone and ethnic-minority flag of the side they describe. Rows
        of a year without a start (first year, missing previous year, change of standard without
        the data to re-classify) have every flow missing except the ``*_end`` stocks. See the
        module docstring for the definitions.

    Raises
    ------
    PanelError
        If a required column is missing, a class is unknown or a household-year repeats.
    """
    a = _flow_arrays(panel)
    lab = a["labels"]
    start = a["s"].copy()
    start[a["undefined"]] = _ABSENT
    result = pd.DataFrame(
        {
            "household_id": pd.Categorical.from_codes(a["hid"], categories=lab["hid"]),
            "year": a["year"],
            "commune_code": pd.Categorical.from_codes(a["com"], categories=lab["com"]),
            "zone": pd.Categorical.from_codes(a["zone"], categories=lab["zone"]),
            "ethnic_minority": a["em"],
            "start_class": pd.Categorical.from_codes(start, categories=list(CLASSES)),
            "end_class": pd.Categorical.from_codes(a["e"], categories=list(CLASSES)),
            "moved": a["moved"],
            "side": pd.Categorical.from_codes(a["side"], categories=["both", "start", "end"]),
        }
    )
    for col in FLOW_COLUMNS:
        values = pd.array(a[col], dtype="Int8")
        if col not in END_COLUMNS:
            values[a["undefined"]] = pd.NA
        result[col] = values
    return result


# -- commune summary --------------------------------------------------------------------------------
def _recently_poor(hid: np.ndarray, year: np.ndarray, poor: np.ndarray, back: int) -> np.ndarray:
    """Whether each record's household was recorded poor in one of the ``back`` prior years."""
    base = int(year.min()) - back - 1
    span = int(year.max()) - base + 1
    key = hid * span + (year - base)
    poor_keys = np.unique(key[poor])
    out = np.zeros(len(hid), dtype=bool)
    for k in range(1, back + 1):
        out |= np.isin(key - k, poor_keys)
    return out


def _group_sum(group: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum by integer group; a group holding any NaN gives NaN."""
    values = np.asarray(values, dtype=float)
    nan = np.isnan(values)
    sums = np.bincount(group, weights=np.where(nan, 0.0, values), minlength=n_groups)
    if nan.any():
        sums[np.bincount(group, weights=nan, minlength=n_groups) > 0] = np.nan
    return sums


def summarise_households(
    panel: pd.DataFrame,
    geography: Geography,
    especially_difficult: Mapping[tuple[int, str], bool] | None = None,
) -> pd.DataFrame:
    """Aggregate a household panel to the commune-level summary table of :mod:`analysis.reference.schema`.

    Parameters
    ----------
    panel : pandas.DataFrame
        Household records (see :func:`derive_flows`). Optional columns feed optional outputs:
        ``members`` (``people_poor_near``), ``health_insured``, ``credit_need``,
        ``credit_received``, ``training_need``, ``training_received``, ``d_<indicator>``,
        ``synthetic``. A missing optional column gives a missing (NaN) output column, and a
        missing value in a record makes its commune-year value missing.
    geography : Geography
        Reference geography; every commune of it gets a row for every year of the panel (zero
        counts where it has no households), with its zone from the geography.
    especially_difficult : mapping, optional
        ``(year, commune_code) -> bool``: the communes on the especially-difficult (ĐBKK) list
        each year. Missing keys (and the default) mean not on the list.

    Returns
    -------
    pandas.DataFrame
        Columns ``schema.summary_columns()`` in order; one row per year and commune, sorted;
        ``area_level`` is ``"commune"``. Counts are nullable ``Int64``. Definitions:

        * stocks and flows (and the ``em_*`` versions over ethnic-minority households): see
          :func:`derive_flows`; flows are NaN in a year without a start;
        * ``dep_<indicator>``: poor and near-poor households at the end of the year deprived on
          the indicator; NaN where the year's standard lacks the indicator (or the flag column
          is missing);
        * ``people_poor_near``: members of poor and near-poor households; ``people_health_insured``
          the sum of ``health_insured`` over them;
        * ``households_credit_need``/``_received``: over poor, near-poor and recently escaped
          households (not poor now, recorded poor in one of the three previous reviews, i.e.
          escaped within the last three years);
        * ``people_training_need``/``_received``: sums over poor households;
        * ``synthetic``: any of the commune-year's records is synthetic (communes without
          records: any record of the panel).

    Raises
    ------
    PanelError
        If the panel is malformed or holds commune codes unknown to the geography.
    """
    a = _flow_arrays(panel)
    geo_codes = np.array(sorted(geography.communes["commune_code"]), dtype=object)
    com_labels = a["labels"]["com"]
    unknown = sorted(set(com_labels) - set(geo_codes))
    if unknown:
        raise PanelError(
            f"{len(unknown)} commune code(s) of the panel are not in the reference geography "
            f"({geography.folder}): {', '.join(unknown[:5])}"
        )
    to_geo = np.searchsorted(geo_codes, com_labels)
    years = sorted(a["defined"])
    n_geo, n_groups = len(geo_codes), len(years) * len(geo_codes)
    year_pos = {y: i for i, y in enumerate(years)}

    def group_of(year: np.ndarray, com: np.ndarray) -> np.ndarray:
        y_idx = np.searchsorted(np.array(years), year)
        return y_idx * n_geo + to_geo[com]

    cols: dict[str, np.ndarray] = {}
    g_flow = group_of(a["year"], a["com"])
    for col in FLOW_COLUMNS:
        values = a[col].astype(float)
        if col not in END_COLUMNS:
            values[a["undefined"]] = np.nan
        cols[col] = _group_sum(g_flow, values, n_groups)
        cols["em_" + col] = _group_sum(g_flow, np.where(a["em"], values, 0.0), n_groups)

    r = a["records"]
    g_rec = group_of(r["year"], r["com"])
    rec = panel.reset_index(drop=True)
    poor = r["class"] == _POOR
    poor_near = poor | (r["class"] == _NEAR)
    recent = _recently_poor(r["hid"], r["year"], poor, _RECENT_ESCAPE_YEARS) & (r["class"] == _NOT)
    cols["total_households"] = np.bincount(g_rec, minlength=n_groups).astype(float)
    cols["em_total_households"] = np.bincount(g_rec, weights=r["em"], minlength=n_groups)

    def masked_sum(col: str, mask: np.ndarray) -> np.ndarray:
        if col not in rec.columns:
            return np.full(n_groups, np.nan)
        values = rec[col].to_numpy(dtype=float, na_value=np.nan)
        return _group_sum(g_rec, np.where(mask, values, 0.0), n_groups)

    cols["people_poor_near"] = masked_sum("members", poor_near)
    cols["people_health_insured"] = masked_sum("health_insured", poor_near)
    cols["households_credit_need"] = masked_sum("credit_need", poor_near | recent)
    cols["households_credit_received"] = masked_sum("credit_received", poor_near | recent)
    cols["people_training_need"] = masked_sum("training_need", poor)
    cols["people_training_received"] = masked_sum("training_received", poor)
    grid_year = np.repeat(np.array(years, dtype=np.int64), n_geo)
    for ind, col in zip(all_indicators(), schema.deprivation_columns(), strict=True):
        cols[col] = masked_sum(f"d_{ind}", poor_near)
        lacking = np.array([ind not in standard_for_year(y).indicators for y in years])
        cols[col][np.repeat(lacking, n_geo)] = np.nan

    # Years without a start: flows NaN for every commune (also those without records).
    undefined_year = np.repeat(np.array([not a["defined"][y] for y in years]), n_geo)
    for col in FLOW_COLUMNS:
        if col not in END_COLUMNS:
            cols[col][undefined_year] = np.nan
            cols["em_" + col][undefined_year] = np.nan

    out = pd.DataFrame({"year": grid_year, "area_code": np.tile(geo_codes, len(years))})
    for col, values in cols.items():
        out[col] = values
    zone = geography.communes.set_index("commune_code")["zone"]
    out["zone"] = out["area_code"].map(zone)
    out["area_level"] = "commune"
    lookup = especially_difficult or {}
    out["especially_difficult"] = [
        bool(lookup.get((int(y), c), False))
        for y, c in zip(out["year"], out["area_code"], strict=True)
    ]
    if "synthetic" in rec.columns:
        syn = rec["synthetic"].to_numpy(dtype=bool)
        any_syn = np.bincount(g_rec, weights=syn, minlength=n_groups) > 0
        has_rec = cols["total_households"] > 0
        out["synthetic"] = np.where(has_rec, any_syn, bool(syn.any()))
    else:
        out["synthetic"] = False
    del year_pos
    return _finish(out, schema.summary_columns())


def _finish(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Order columns, set dtypes (codes as strings, counts nullable Int64), sort rows."""
    out = frame[columns].copy()
    out["year"] = out["year"].astype("int64")
    for col in ("area_code", "area_level", "zone"):
        out[col] = out[col].astype("str")
    for col in columns:
        if col in schema.count_columns() or col == "especially_difficult_communes":
            out[col] = _to_int64(out[col])
    for col in ("especially_difficult", "synthetic"):
        if col in out:
            out[col] = out[col].astype(bool)
    return out.sort_values(["year", "area_code", "zone"], kind="stable").reset_index(drop=True)


def _to_int64(values: pd.Series) -> pd.Series:
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    finite = arr[~np.isnan(arr)]
    if finite.size and not np.array_equal(finite, np.round(finite)):
        raise PanelError(f"column {values.name!r} should hold whole counts")
    return pd.Series(
        pd.array(np.where(np.isnan(arr), None, arr), dtype="Int64"), index=values.index
    )


# -- roll-ups ---------------------------------------------------------------------------------------
def _sum_groups(frame: pd.DataFrame, keys: list, count_cols: list[str]) -> pd.DataFrame:
    """Sum count columns by group; a group with any missing value gives a missing sum."""
    return frame[count_cols].groupby(keys, sort=True).sum(skipna=False, min_count=1)


def roll_up(summary: pd.DataFrame, geography: Geography, level: str) -> pd.DataFrame:
    """Sum commune rows of a summary table to districts or to the province.

    Parameters
    ----------
    summary : pandas.DataFrame
        Commune rows (``area_level == "commune"``) with the columns of
        ``schema.summary_columns()``, e.g. from :func:`summarise_households`.
    geography : Geography
        Gives each commune's district and the province code.
    level : {"district", "province"}
        ``district``: ``area_code`` is the district code; ``province``: ``area_code`` is
        ``geography.province["province_code"]`` and ``area_level`` is ``"province"``.

    Returns
    -------
    pandas.DataFrame
        One row per year x area x zone present in the input (``urban``/``rural``, and ``all`` if
        the input has such rows), columns as ``schema.summary_columns()`` except that the boolean
        ``especially_difficult`` becomes ``especially_difficult_communes``, the number of the
        area's communes (in that zone) on the ĐBKK list. ``synthetic`` is True when any commune
        row is.

        Counts are sums with missing values propagated: a group whose values are all missing stays
        missing, and so does a group with only some values missing. A partial sum would present
        the communes that did report as the whole district and understate it without saying so;
        a missing total makes the gap visible (fill the commune data, or aggregate explicitly).

    Raises
    ------
    ValueError
        For another level, non-commune input rows or commune codes unknown to the geography.
    """
    if level not in ("district", "province"):
        raise ValueError(f"level must be 'district' or 'province', not {level!r}")
    levels = set(summary["area_level"].astype(str).unique())
    if levels - {"commune"}:
        raise ValueError(
            f"roll_up sums commune rows; the summary also has area_level {sorted(levels - {'commune'})}"
        )
    district_of = geography.commune_district()
    area = summary["area_code"].astype(str)
    unknown = sorted(set(area) - set(district_of.index))
    if unknown:
        raise ValueError(
            f"commune code(s) not in the reference geography: {', '.join(unknown[:5])}"
        )
    if level == "district":
        target = area.map(district_of)
    else:
        target = pd.Series(str(geography.province["province_code"]), index=summary.index)
    keys = [summary["year"], target.rename("area_code"), summary["zone"].astype(str)]
    counts = schema.count_columns()
    out = _sum_groups(summary, keys, counts)
    flags = pd.DataFrame(
        {
            "especially_difficult_communes": _flag(summary["especially_difficult"]).astype(int),
            "synthetic": _flag(summary["synthetic"]),
        }
    ).groupby(keys, sort=True)
    out["especially_difficult_communes"] = flags["especially_difficult_communes"].sum()
    out["synthetic"] = flags["synthetic"].any()
    out = out.reset_index()
    out["area_level"] = level
    return _finish(out, rolled_columns())


def _flag(values: pd.Series) -> pd.Series:
    """A yes/no column as plain bool, missing (e.g. on district rows) meaning no."""
    return values.astype("boolean").fillna(False).astype(bool)


def rolled_columns() -> list[str]:
    """Columns of district and province rows: ``especially_difficult`` becomes a commune count."""
    return [
        "especially_difficult_communes" if c == "especially_difficult" else c
        for c in schema.summary_columns()
    ]


def combine_zones(summary: pd.DataFrame, append: bool = False) -> pd.DataFrame:
    """Sum the urban and rural rows of each year and area into ``zone == "all"`` rows.

    Parameters
    ----------
    summary : pandas.DataFrame
        Summary rows at any level (commune rows with ``especially_difficult``, or district and
        province rows with ``especially_difficult_communes``); existing ``all`` rows are ignored.
    append : bool, default False
        Return the input rows followed by the new ``all`` rows instead of the ``all`` rows only.

    Returns
    -------
    pandas.DataFrame
        Same columns as the input. Counts are summed with missing values propagated (see
        :func:`roll_up`); ``especially_difficult`` (commune rows) and ``synthetic`` are True when
        any zone row is; ``especially_difficult_communes`` is summed.
    """
    rows = summary[summary["zone"].astype(str) != "all"]
    keys = [rows["year"], rows["area_code"].astype(str), rows["area_level"].astype(str)]
    counts = [c for c in schema.count_columns() if c in rows.columns]
    if "especially_difficult_communes" in rows.columns:
        counts = counts + ["especially_difficult_communes"]
    out = _sum_groups(rows, keys, counts)
    if "especially_difficult" in rows.columns:
        out["especially_difficult"] = _flag(rows["especially_difficult"]).groupby(keys).any()
    out["synthetic"] = _flag(rows["synthetic"]).groupby(keys).any()
    out = out.reset_index()
    out["zone"] = "all"
    columns = [c for c in summary.columns]
    out = _finish(out, columns)
    if append:
        return pd.concat([summary.reset_index(drop=True), out], ignore_index=True)
    return out
