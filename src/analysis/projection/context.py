"""The shared state of a projection: one summary table, its per-area tables, series and caches.

`ProjectionContext` wraps a normalised area-year summary (see :mod:`analysis.reference.schema`)
and computes, once each, what every projection of that summary needs: the yearly sums of an
area (`ProjectionContext.table`), its indicator series (`ProjectionContext.series`), the
yearly flows of a population (`ProjectionContext.flow_inputs`), and any other per-context
result through `ProjectionContext.memo` (model runs shared by ``project`` and
``simulate_paths``, flow-model priors, district shares of a target). The other modules of
:mod:`analysis.projection` take a context so that a report's many projections of one summary
share that work; a context is never changed after it is made, only its caches fill.

Areas are ``"province"`` (`PROVINCE`; the province rows, else all district rows, else all
commune rows), a district code or a commune code. A district without rows of its own is the sum
of its communes (mapped by :mod:`analysis.reference.geography`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd

from analysis.projection.indicators import get_indicator
from analysis.projection.series import spread_series, table_series

PROVINCE = "province"
# Summary columns that are keys or flags, never summed into an area's yearly table.
_NOT_SUMMED = ("year", "area_code", "area_level", "zone", "synthetic", "especially_difficult")


class ProjectionContext:
    """A normalised summary with cached per-area yearly tables, series and other results.

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary table with at least ``year`` and ``area_code`` (``area_level``
        defaults to ``"district"``). It is copied; years become int, codes and levels str.

    Attributes
    ----------
    summary : pandas.DataFrame
        The normalised copy.

    Raises
    ------
    TypeError
        ``summary`` is not a DataFrame.
    ValueError
        The key columns are missing.
    """

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
        self._series: dict[tuple[str, str], pd.DataFrame] = {}
        self._memo: dict = {}
        self._commune_map: pd.Series | None = None

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """A result cached in this context: ``compute()`` on the first call with ``key``.

        Parameters
        ----------
        key : hashable
            Names the result; by convention a tuple whose first item says what it is
            (``("district_shares", column)``). Keys are shared by all users of the context.
        compute : callable
            Called without arguments when ``key`` is not cached yet; its result is stored
            (nothing is stored when it raises).

        Returns
        -------
        object
            The cached value itself, not a copy: callers that change it must copy it.
        """
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def truncate(self, as_of: int | None) -> ProjectionContext:
        """A context holding only years up to ``as_of`` (this one when ``as_of`` is None).

        Parameters
        ----------
        as_of : int or None

        Returns
        -------
        ProjectionContext
            A new context (empty caches), or ``self``.
        """
        if as_of is None:
            return self
        return ProjectionContext(self.summary[self.summary["year"] <= int(as_of)])

    @property
    def latest_year(self) -> int:
        """The last year of the summary."""
        return int(self.summary["year"].max())

    def level_of(self, area_code: str) -> str:
        """Level of an area: ``"province"``, its ``area_level``, or ``"district"`` if unknown."""
        if area_code == PROVINCE:
            return PROVINCE
        rows = self.summary.loc[self.summary["area_code"] == area_code, "area_level"]
        if len(rows):
            return str(rows.iloc[0])
        return "district"

    def peers(self, level: str = "district") -> list[str]:
        """Area codes at one level, sorted (districts are derived from communes when need be)."""
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
        """The summary rows that make up one area (see the module docstring).

        Raises
        ------
        ValueError
            No rows for the area.
        """
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
            if c not in _NOT_SUMMED and pd.api.types.is_numeric_dtype(rows[c])
        ]

    def fill_tables(self, area_codes) -> None:
        """Compute the yearly tables of several areas at once (one groupby instead of one each).

        The same sums as `table` (each area's rows, in the same order): only areas with rows of
        their own and no commune rows are done here; `table` computes the rest on demand.

        Parameters
        ----------
        area_codes : iterable of str
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
        """Yearly sums for one area (zones and communes added), indexed by year.

        Parameters
        ----------
        area_code : str

        Returns
        -------
        pandas.DataFrame
            The cached table itself (do not change it); with commune rows, also
            ``especially_difficult_communes`` (flagged communes counted per year).
        """
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

    def series(self, area_code: str, indicator: str) -> pd.DataFrame:
        """Tidy yearly series of one indicator (see `indicator_series`); computed once each.

        Returns
        -------
        pandas.DataFrame
            A copy of the cached series.
        """
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
            return spread_series(indicator, rates)
        return table_series(self.table(area_code), indicator)

    def flow_inputs(self, area_code: str, prefix: str, years: list[int]) -> dict:
        """Yearly counts of one population over ``years`` (rows with all flows present).

        Parameters
        ----------
        area_code : str
        prefix : str
            ``"poor"`` or ``"em_poor"``: the summary columns ``{prefix}_start`` ... ``_end``.
        years : list of int

        Returns
        -------
        dict
            ``years`` (list) and arrays ``start, escaped, repoverty, new, end, total, nonpoor``
            (``total - start``, at least 0), one value per kept year.

        Raises
        ------
        ValueError
            The summary lacks one of the columns.
        """
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
        def arrays():
            part = t[cols]
            return (
                t.index,
                part.to_numpy(dtype=float, na_value=np.nan).T.copy(),  # one row per column
                part.isna().to_numpy().any(axis=1),
            )

        index, values, incomplete = self.memo(("flow_arrays", str(area_code), prefix), arrays)
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


def indicator_series(summary: pd.DataFrame, area_code: str, indicator: str) -> pd.DataFrame:
    """Tidy yearly series of one indicator for one area.

    Parameters
    ----------
    summary : pandas.DataFrame
        Area-year summary table (one row per year x area x zone).
    area_code : str
        ``"province"``, a district code or a commune code (string, leading zeros kept).
    indicator : str
        A key of :data:`analysis.projection.indicators.INDICATORS`.

    Returns
    -------
    pandas.DataFrame
        Columns ``year, value, denominator, standard``; NaN where the year lacks the data (flows
        in the first year).
    """
    return ProjectionContext(summary).series(str(area_code), indicator)
