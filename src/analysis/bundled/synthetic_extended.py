"""The SYNTHETIC panel continued past 2024: held-out summaries and the 2025 review by new commune.

The bundled dataset stops at the review of 2024, the last one held by former commune and district.
The same seeded panel (:func:`analysis.bundled.synthetic_panel.generate_panel`) runs on to 2030
without changing a byte of 2016-2024, which gives two things:

* :func:`holdout_summary`: later years in the format of ``summary.csv`` (former communes, by
  zone), computed in memory and never written to ``data/``, to score forecasts made from the
  2016-2024 data on years they did not see;
* the 2025 review keyed by the 40 new communes of 1 July 2025, as the province's data now
  arrive: :func:`new_commune_summary` and :func:`new_commune_households`, written by
  :func:`write_bundled_2025` as ``summary-2025.csv`` (committed, small) and
  ``households-2025.parquet`` (generated at set-up by ``python -m analysis data ensure``).

Every figure here is invented, like the rest of the synthetic dataset.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.bundled.synthetic import build_summary
from analysis.bundled.synthetic_panel import (
    DEFAULT_SEED,
    DEFAULT_YEARS,
    LAST_YEAR,
    generate_panel,
    select_years,
)
from analysis.reference import schema
from analysis.reference.geography import Geography, load_geography

FIRST_YEAR = DEFAULT_YEARS[0]  # the panel always starts here: flows need the whole history
BUNDLED_LAST_YEAR = DEFAULT_YEARS[-1]  # 2024, the last year of summary.csv
REVIEW_2025 = 2025  # the first review held by the new communes
UNIT_SYSTEM_2025 = "communes-2025"  # value of the ``unit_system`` column of the 2025 files
SUMMARY_2025 = "summary-2025.csv"
HOUSEHOLDS_2025 = "households-2025.parquet"

# (seed, last year) -> former-commune summary of FIRST_YEAR..last year. The rows of a year do not
# depend on how far the panel runs, so a longer summary answers for a shorter one.
_SUMMARIES: dict[tuple[int, int], pd.DataFrame] = {}


def extended_summary(seed: int = DEFAULT_SEED, last_year: int = LAST_YEAR) -> pd.DataFrame:
    """The former-commune summary of the synthetic panel from 2016 to ``last_year``.

    Cached in the process (see :func:`clear_cache`): the first call for a seed generates the
    panel and summarises it (about 30-45 s for 2016-2027 on one core), later calls that need
    no later year return at once.

    Parameters
    ----------
    seed : int, default 47
    last_year : int, default 2030
        Last review year, at most ``LAST_YEAR``.

    Returns
    -------
    pandas.DataFrame
        As :func:`analysis.bundled.synthetic.build_summary` (a copy: callers may change it).
    """
    last_year = int(last_year)
    if not FIRST_YEAR <= last_year <= LAST_YEAR:
        raise ValueError(f"last_year must be within {FIRST_YEAR}-{LAST_YEAR}, not {last_year}")
    for (s, last), table in _SUMMARIES.items():
        if s == seed and last >= last_year:
            return table[table["year"] <= last_year].reset_index(drop=True)
    geography = load_geography()
    panel = generate_panel(seed, range(FIRST_YEAR, last_year + 1), geography=geography)
    table = build_summary(panel, geography, seed)
    _SUMMARIES[(seed, last_year)] = table
    return table.copy()


def clear_cache() -> None:
    """Forget the summaries cached by :func:`extended_summary` and :func:`holdout_summary`."""
    _SUMMARIES.clear()


def holdout_summary(years=(2025, 2026, 2027), seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The area-year summary of review years after the bundled data, for backtests.

    Exactly the format of ``data/synthetic/summary.csv`` as
    :func:`analysis.bundled.synthetic.build_summary` makes it (the same columns and dtypes:
    one row per year x former commune with its zone, ``area_level == "commune"``; district or
    province rows come from :func:`analysis.compute.flows.roll_up`), for the same households
    continued: a forecast made from ``summary.csv`` can be scored on these years. Years after
    the administrative change of 2025 are still given by former commune, as if it had not
    happened. 2025-2026 are classified under Decree 07/2021, 2027-2030 under Decree 351/2025
    (their levels are not comparable with earlier years). Nothing is written to ``data/``.

    Parameters
    ----------
    years : iterable of int, default (2025, 2026, 2027)
        Review years within 2025-2030.
    seed : int, default 47
        The bundled data's seed; another seed continues another panel.

    Returns
    -------
    pandas.DataFrame
        The rows of the requested years, sorted by year, area and zone.

    Raises
    ------
    ValueError
        For a year of the bundled data (2016-2024) or after 2030.

    Notes
    -----
    Computed in memory and cached in the process (:func:`extended_summary`): the first call
    takes about as long as generating the bundled data (30-45 s for 2025-2027), later calls
    for the same seed and no later year are immediate.
    """
    wanted = sorted({int(y) for y in years})
    if not wanted or wanted[0] <= BUNDLED_LAST_YEAR or wanted[-1] > LAST_YEAR:
        raise ValueError(
            f"held-out years must be within {BUNDLED_LAST_YEAR + 1}-{LAST_YEAR} "
            f"(2016-{BUNDLED_LAST_YEAR} are in summary.csv), got {wanted}"
        )
    table = extended_summary(seed, wanted[-1])
    return table[table["year"].isin(wanted)].reset_index(drop=True)


# -- the 2025 review by new commune -------------------------------------------------------------
def _new_code_of(geography: Geography) -> pd.Series:
    """Former commune code -> new commune code (the crosswalk of 1 July 2025)."""
    cw = geography.crosswalk
    return cw.set_index("old_commune_code")["new_commune_code"].astype(str)


def new_commune_summary(
    summary: pd.DataFrame, year: int = REVIEW_2025, geography: Geography | None = None
) -> pd.DataFrame:
    """One review year of a former-commune summary, summed by new commune and zone.

    Every stock, flow, deprivation count and coverage field is a sum over households, and the
    flows of a household are split into a start part and an end part that each carry the
    commune they belong to (a move between communes gives ``other`` -1 where it left and +1
    where it arrived). Summing former communes into new ones therefore gives exactly what
    summarising the households keyed by new commune would give (moves between former communes
    of one new commune cancel), and ``end = start - escaped + repoverty + new + other`` holds
    in every row because it holds in every summed row.

    Parameters
    ----------
    summary : pandas.DataFrame
        Former-commune rows (``area_level == "commune"``, urban and rural) including ``year``,
        e.g. :func:`extended_summary` (the year's flows need the panel's earlier years).
    year : int, default 2025
    geography : Geography, optional
        Gives the crosswalk (``crosswalk-2025-07-01.csv``: 111 former -> 40 new communes).

    Returns
    -------
    pandas.DataFrame
        Columns ``schema.summary_columns()`` then ``unit_system`` (``"communes-2025"``); one row
        per new commune and zone present among its former communes (households keep the zone,
        hence the income line, of their former commune); ``area_code`` is the new commune code
        (text), ``area_level`` ``"commune"``; counts ``Int64`` (missing where the year's
        standard lacks an indicator); ``especially_difficult`` True when any of its former
        communes is on the year's list; ``synthetic`` as the rows summed.

    Raises
    ------
    ValueError
        If the summary has no former-commune rows of ``year`` or codes outside the crosswalk.
    """
    geo = geography if geography is not None else load_geography()
    rows = summary[
        (summary["year"] == int(year))
        & (summary["area_level"] == "commune")
        & (summary["zone"].astype(str) != "all")
    ]
    if rows.empty:
        raise ValueError(f"the summary has no former-commune rows of {year}")
    new_code = rows["area_code"].astype(str).map(_new_code_of(geo))
    if new_code.isna().any():
        unknown = sorted(set(rows.loc[new_code.isna(), "area_code"].astype(str)))
        raise ValueError(f"commune code(s) not in the 2025 crosswalk: {', '.join(unknown[:5])}")
    keys = [rows["year"], new_code.rename("area_code"), rows["zone"].astype(str)]
    counts = schema.count_columns()
    out = rows[counts].groupby(keys, sort=True).sum(skipna=False, min_count=1)
    for flag in ("especially_difficult", "synthetic"):
        out[flag] = rows[flag].astype("boolean").fillna(False).astype(bool).groupby(keys).any()
    out = out.reset_index()
    out["area_level"] = "commune"
    out["unit_system"] = UNIT_SYSTEM_2025
    out = out[[*schema.summary_columns(), "unit_system"]]
    out["year"] = out["year"].astype("int64")
    for col in counts:
        out[col] = out[col].astype("Int64")
    return out.sort_values(["year", "area_code", "zone"], kind="stable").reset_index(drop=True)


def new_commune_households(
    panel: pd.DataFrame, year: int = REVIEW_2025, geography: Geography | None = None
) -> pd.DataFrame:
    """One review year's household list with ``commune_code`` the new commune code.

    Parameters
    ----------
    panel : pandas.DataFrame
        From :func:`analysis.bundled.synthetic_panel.generate_panel`, holding ``year``.
    year : int, default 2025
    geography : Geography, optional

    Returns
    -------
    pandas.DataFrame
        The panel's columns and order; ``commune_code`` is categorical over the new commune
        codes. ``household_id`` keeps its former-commune prefix, so that the households link to
        the 2016-2024 panel; ``zone`` stays that of the former commune.
    """
    geo = geography if geography is not None else load_geography()
    rows = select_years(panel, [year])
    new_code = rows["commune_code"].astype(str).map(_new_code_of(geo))
    if new_code.isna().any():
        raise ValueError("the panel holds commune codes that are not in the 2025 crosswalk")
    rows["commune_code"] = pd.Categorical(new_code, categories=sorted(set(new_code)))
    return rows


def write_bundled_2025(folder: str | Path, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write ``summary-2025.csv`` and ``households-2025.parquet`` (the 2025 review, new communes).

    The panel is generated for 2016-2025 (the 2025 flows need every earlier year); the same
    seed gives byte-identical files. ``summary.csv`` and ``households.parquet`` are not touched.

    Parameters
    ----------
    folder : str or Path
        Created if missing (``data/synthetic/`` for the bundled files).
    seed : int, default 47

    Returns
    -------
    dict
        ``{"summary_2025": path, "households_2025": path}``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    geography = load_geography()
    panel = generate_panel(seed, range(FIRST_YEAR, REVIEW_2025 + 1), geography=geography)
    summary = build_summary(panel, geography, seed)
    _SUMMARIES.setdefault((seed, REVIEW_2025), summary)
    households = new_commune_households(panel, REVIEW_2025, geography)
    del panel
    summary_path = folder / SUMMARY_2025
    new_commune_summary(summary, REVIEW_2025, geography).to_csv(
        summary_path, index=False, encoding="utf-8", lineterminator="\n"
    )
    households_path = folder / HOUSEHOLDS_2025
    households.to_parquet(households_path, engine="pyarrow", compression="zstd", index=False)
    return {"summary_2025": summary_path, "households_2025": households_path}
