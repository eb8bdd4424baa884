"""Report data that arrive by new commune (from 1 July 2025) on the former-district areas.

On 1 July 2025 district-level government ended and the 111 former communes were merged into 40
new communes (Resolution 1662/NQ-UBTVQH15). Every merge was 'full', so a new commune is a union
of former communes; 36 of the 40 lie inside one former district and map to it exactly. The other
4 span two former districts: their counts are split in proportion to weights, by default each
former commune's households in the last review held by former commune (the most recent year of a
summary given as ``weights_from``), else in proportion to the number of former communes
(flagged ``allocation = "equal share of former communes"``).
"""

from __future__ import annotations

import pandas as pd

from analysis.reference import schema
from analysis.reference.geography import Geography, UnknownAreaError, load_geography


def new_commune_shares(
    geography: Geography | None = None, weights_from: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Share of each new commune that belongs to each former district.

    Parameters
    ----------
    geography : Geography, optional
    weights_from : pandas.DataFrame, optional
        A summary table at ``area_level == "commune"`` (former communes); its latest year's
        ``total_households`` weights the split.

    Returns
    -------
    pandas.DataFrame
        Columns ``new_commune_code, district_code, share, allocation``; shares of a new commune
        sum to 1.
    """
    geo = geography or load_geography()
    cw = geo.crosswalk[["new_commune_code", "old_commune_code", "old_district_code"]].copy()
    cw["weight"] = 1.0
    cw["allocation"] = "equal share of former communes"
    if weights_from is not None and not weights_from.empty:
        communes = weights_from[weights_from["area_level"] == "commune"]
        year = int(communes["year"].max())
        households = communes[communes["year"] == year].groupby("area_code")["total_households"]
        weight = cw["old_commune_code"].map(households.sum()).astype(float)
        # A new commune is weighted by households only if all its former communes have them.
        complete = weight.notna().groupby(cw["new_commune_code"]).transform("all")
        cw.loc[complete, "weight"] = weight[complete]
        cw.loc[complete, "allocation"] = f"households of the former communes in {year}"
    grouped = cw.groupby(["new_commune_code", "old_district_code"], as_index=False).agg(
        weight=("weight", "sum"), allocation=("allocation", "first")
    )
    grouped["share"] = grouped["weight"] / grouped.groupby("new_commune_code")["weight"].transform(
        "sum"
    )
    grouped.loc[grouped["share"] == 1.0, "allocation"] = "whole commune"
    return grouped.rename(columns={"old_district_code": "district_code"})[
        ["new_commune_code", "district_code", "share", "allocation"]
    ]


def to_former_districts(
    summary: pd.DataFrame,
    geography: Geography | None = None,
    weights_from: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Re-express a summary by new commune on the former-district areas.

    Parameters
    ----------
    summary : pandas.DataFrame
        Summary rows whose ``area_code`` is a new (1 July 2025) commune code.
    geography, weights_from
        See `new_commune_shares`.

    Returns
    -------
    pandas.DataFrame
        One row per year x former district x zone, ``area_level = "district"``, counts summed
        after splitting (split counts are rounded to whole households), with a column
        ``allocation`` saying how any split was made.

    Raises
    ------
    UnknownAreaError
        If a code is not a new commune of the crosswalk.
    """
    geo = geography or load_geography()
    shares = new_commune_shares(geo, weights_from)
    unknown = sorted(set(summary["area_code"]) - set(shares["new_commune_code"]))
    if unknown:
        raise UnknownAreaError(
            f"area codes {unknown[:5]} are not communes of 1 July 2025 in the crosswalk "
            f"({geo.folder.name}/crosswalk-2025-07-01.csv)"
        )
    counts = [c for c in schema.count_columns() if c in summary]
    merged = summary.merge(shares, left_on="area_code", right_on="new_commune_code")
    for col in counts:
        merged[col] = (merged[col] * merged["share"]).round()
    keys = ["year", "district_code", "zone"]
    out = merged.groupby(keys, as_index=False).agg(
        {**{c: lambda s: s.sum(min_count=1) for c in counts}, "allocation": _join_unique}
    )
    out = out.rename(columns={"district_code": "area_code"})
    out.insert(2, "area_level", "district")
    if "synthetic" in summary:
        flags = merged.groupby(keys)["synthetic"].any().reset_index(drop=True)
        out["synthetic"] = flags.to_numpy()
    return out


def _join_unique(values: pd.Series) -> str:
    return "; ".join(sorted(set(values)))
