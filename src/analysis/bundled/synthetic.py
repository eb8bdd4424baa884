"""The bundled SYNTHETIC dataset built from the household panel of `synthetic_panel`.

The panel is aggregated into the commune summary table with :mod:`analysis.compute.flows`,
seeded especially-difficult (ĐBKK) communes are chosen on it, and both tables are written as
``households.parquet`` and ``summary.csv`` (:func:`write_bundled`, byte-identical for one seed).
:func:`calibration_table` sets the synthetic province figures next to the published fragments
they are tuned to; nothing below the province is calibrated to any real figure.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.bundled.synthetic_panel import DEFAULT_SEED, DEFAULT_YEARS, generate_panel
from analysis.compute import flows
from analysis.reference import schema
from analysis.reference.geography import Geography, load_geography

# -- especially difficult (ĐBKK) communes ---------------------------------------------------------
DBKK_DISTRICTS = ("691", "692", "693", "696", "698")  # border districts, Bù Đăng, Phú Riềng
DBKK_COUNT = {2016: 12, 2017: 12, 2018: 11, 2019: 10, 2020: 10}  # later years: DBKK_COUNT_LATE
DBKK_COUNT_LATE = 5  # 5 communes on the list for 2021-2025 (published)
# The 2026-2030 list is not known (and is drawn up for the new communes): the synthetic one keeps
# the poorest of the 2021-2025 communes, one fewer most years, towards target T6 (essentially no
# ĐBKK commune by 2030) without quite reaching it, so that projections have a miss to report.
DBKK_COUNT_NEXT = {2026: 4, 2027: 3, 2028: 2, 2029: 2, 2030: 1}


# -- summary ------------------------------------------------------------------------------------
def especially_difficult_communes(
    summary: pd.DataFrame, geography: Geography, seed: int = DEFAULT_SEED
) -> dict[tuple[int, str], bool]:
    """Choose the synthetic especially-difficult (ĐBKK) communes of every year.

    Rural communes of the border districts, Bù Đăng and Phú Riềng (``DBKK_DISTRICTS``) are ranked
    by their poverty rate of the first year (2016), times a seeded jitter; the top
    ``DBKK_COUNT[year]`` are on the list until 2020. From 2021 the list holds the
    ``DBKK_COUNT_LATE`` communes of the earlier list with the highest 2021 poverty rate (the list
    of 2021-2025 is fixed); from 2026 the first ``DBKK_COUNT_NEXT[year]`` of them. The lists are
    nested: they only shrink.

    Parameters
    ----------
    summary : pandas.DataFrame
        Commune summary (``poor_end``, ``total_households``).
    geography : Geography
    seed : int

    Returns
    -------
    dict
        ``(year, commune_code) -> True`` for the listed communes.
    """
    com = geography.communes
    eligible = com[(com["district_code"].isin(DBKK_DISTRICTS)) & (com["zone"] == "rural")]
    codes = sorted(eligible["commune_code"])
    rows = summary[summary["area_code"].isin(codes)]
    rate = rows["poor_end"].astype(float) / rows["total_households"].astype(float).clip(lower=1)
    rates = rate.groupby([rows["year"], rows["area_code"]]).sum().unstack()
    years = sorted(int(y) for y in rates.index)
    jitter = pd.Series(np.random.default_rng(seed + 1).lognormal(0, 0.15, len(codes)), index=codes)
    ranked = (rates.loc[years[0]] * jitter).sort_values(ascending=False, kind="stable")
    early = list(ranked.index[: max(DBKK_COUNT.values())])
    out: dict[tuple[int, str], bool] = {}
    late: list[str] | None = None
    for year in years:
        if year in DBKK_COUNT:
            chosen = early[: DBKK_COUNT[year]]
        else:
            if late is None:
                base = rates.loc[year, early] * jitter[early]
                late = list(
                    base.sort_values(ascending=False, kind="stable").index[:DBKK_COUNT_LATE]
                )
            chosen = late[: DBKK_COUNT_NEXT.get(year, DBKK_COUNT_LATE)]
        out.update({(year, c): True for c in chosen})
    return out


def build_summary(
    panel: pd.DataFrame, geography: Geography | None = None, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """Commune summary table of a synthetic panel, with synthetic ĐBKK communes.

    Parameters
    ----------
    panel : pandas.DataFrame
        From :func:`analysis.bundled.synthetic_panel.generate_panel`.
    geography : Geography, optional
    seed : int
        Seed of the ĐBKK tie-breaking jitter.

    Returns
    -------
    pandas.DataFrame
        Columns ``schema.summary_columns()``, one row per year and commune.
    """
    geography = geography if geography is not None else load_geography()
    plain = flows.summarise_households(panel, geography)
    listed = especially_difficult_communes(plain, geography, seed)
    out = plain.copy()
    out["especially_difficult"] = [
        (int(y), c) in listed for y, c in zip(out["year"], out["area_code"], strict=True)
    ]
    return out


# -- files ----------------------------------------------------------------------------------------
def write_bundled(
    folder: str | Path, seed: int = DEFAULT_SEED, *, years=DEFAULT_YEARS
) -> dict[str, Path]:
    """Write ``households.parquet`` and ``summary.csv`` of the synthetic dataset.

    The same seed gives byte-identical files (the parquet file carries no timestamp).

    Parameters
    ----------
    folder : str or Path
        Created if missing.
    seed : int, default 47
    years : iterable of int, default 2016-2024
        Review years (fewer years make small test bundles).

    Returns
    -------
    dict
        ``{"households": path, "summary": path}``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    geography = load_geography()
    panel = generate_panel(seed, years, geography=geography)
    summary = build_summary(panel, geography, seed)
    households = folder / "households.parquet"
    panel.to_parquet(households, engine="pyarrow", compression="zstd", index=False)
    summary_path = folder / "summary.csv"
    summary.to_csv(summary_path, index=False, encoding="utf-8", lineterminator="\n")
    return {"households": households, "summary": summary_path}


# -- calibration ----------------------------------------------------------------------------------
INTERPOLATED = (
    "not published: the workbook's own interpolation between published years, for calibration only"
)
VNP_2017 = "en.vietnamplus.vn/binh-phuoc-builds-houses-for-poor-ethnic-minority-people/107085.vnp"
DTMN_2019 = (
    "dantocmiennui.vn/binh-phuoc-no-luc-giam-ngheo-ben-vung-vung-dan-toc-thieu-so-post346048.html"
)
VNP_2020 = (
    "en.vietnamplus.vn/binh-phuoc-provinces-antipoverty-measures-yield-excellent-results/189887.vnp"
)
VNN_2023 = "vietnamnet.vn/binh-phuoc-phan-dau-moi-nam-giam-tu-1-000-ho-ngheo-tro-len-trong-dong-bao-dtts-2225082.html"
SGGP_2023 = "en.sggp.org.vn/binh-phuoc-province-has-solutions-to-fight-poverty-post100432.html"

# (measure, year, kind, published value, source); kind: count, rate (% of households), share (%).
CALIBRATION_FRAGMENTS = [
    ("poor_households", 2016, "count", 14_000, VNP_2017),
    ("near_poor_households", 2016, "count", 5_800, VNP_2017),
    ("em_share_of_poor", 2016, "share", 44.37, DTMN_2019),
    ("poor_households", 2018, "count", 8_614, DTMN_2019 + " (4,545 / 52.76%)"),
    ("em_poor_households", 2018, "count", 4_545, DTMN_2019),
    ("em_share_of_poor", 2018, "share", 52.76, DTMN_2019),
    ("em_poverty_rate", 2018, "rate", 10.71, DTMN_2019),
    ("em_households", 2018, "count", 42_437, DTMN_2019 + " (4,545 / 10.71%)"),
    ("poverty_rate", 2020, "rate", 1.56, VNP_2020),
    ("poor_households", 2021, "count", 3_500, INTERPOLATED),
    ("poor_households", 2022, "count", 4_872, VNN_2023 + " (2,830 / 58.09%)"),
    ("em_poor_households", 2022, "count", 2_830, VNN_2023),
    ("em_share_of_poor", 2022, "share", 58.09, VNN_2023),
    ("poor_households", 2023, "count", 2_879, SGGP_2023),
    ("poverty_rate", 2023, "rate", 1.03, SGGP_2023),
    ("em_poor_households", 2023, "count", 1_696, SGGP_2023),
    ("em_share_of_poor", 2023, "share", 58.7, SGGP_2023),
    ("poor_households", 2024, "count", 1_900, INTERPOLATED),
]


def province_series(summary: pd.DataFrame) -> pd.DataFrame:
    """Province totals by year from commune rows (urban + rural) of a summary table."""
    rows = summary[(summary["area_level"] == "commune") & (summary["zone"] != "all")]
    if rows.empty:
        raise ValueError("calibration needs the commune rows of a summary table")
    cols = [c for c in schema.count_columns()]
    return rows[cols].astype(float).groupby(rows["year"]).sum(min_count=1)


def calibration_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Synthetic province figures next to the published fragments they are tuned to.

    Parameters
    ----------
    summary : pandas.DataFrame
        Commune summary (e.g. from :func:`build_summary`).

    Returns
    -------
    pandas.DataFrame
        One row per fragment: ``measure, year, kind, synthetic, published, difference``
        (synthetic - published, in households or percentage points), ``relative_difference``
        ((synthetic - published) / published) and ``source``. Poor counts are end-of-review
        stocks (``poor_end``); rates and shares are in percent.
    """
    prov = province_series(summary)
    rows = []
    for measure, year, kind, published, source in CALIBRATION_FRAGMENTS:
        if year not in prov.index:
            continue
        p = prov.loc[year]
        value = {
            "poor_households": p["poor_end"],
            "near_poor_households": p["near_poor_end"],
            "em_poor_households": p["em_poor_end"],
            "em_households": p["em_total_households"],
            "em_share_of_poor": 100 * p["em_poor_end"] / p["poor_end"],
            "em_poverty_rate": 100 * p["em_poor_end"] / p["em_total_households"],
            "poverty_rate": 100 * p["poor_end"] / p["total_households"],
        }[measure]
        rows.append(
            {
                "measure": measure,
                "year": year,
                "kind": kind,
                "synthetic": round(float(value), 2),
                "published": published,
                "difference": round(float(value) - published, 2),
                "relative_difference": round((float(value) - published) / published, 4),
                "source": source,
            }
        )
    return pd.DataFrame(rows)
