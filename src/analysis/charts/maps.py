"""District maps: the schematic tile map (districts snapped to a grid from their centroids) and
the choropleth drawn from GeoJSON boundaries the analyst supplies, with the GeoJSON reading.

The rules and shared helpers are in :mod:`analysis.charts.style`.
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Mapping
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from analysis.charts.style import (
    MISSING_COLOUR,
    SEQUENTIAL_CMAP,
    chart_title,
    finish_figure,
    format_value,
    new_figure,
    number_formatter,
    styled,
)
from analysis.core.i18n import check_lang, label
from analysis.reference.geography import Geography, UnknownAreaError


# ---------------------------------------------------------------------------------------------
# maps
# ---------------------------------------------------------------------------------------------
def tile_layout(geography: Geography, nrows: int = 4, ncols: int = 4) -> pd.DataFrame:
    """Snap district centroids to a small grid, one cell per district.

    Centroids are scaled to the grid (north at row 0, west at column 0) and districts are
    assigned to cells by minimising the total squared distance between each centroid and its
    cell (Hungarian algorithm), which resolves collisions deterministically.

    Parameters
    ----------
    geography : Geography
        Needs ``districts`` with ``district_code``, ``bare_name``, ``centroid_lon``,
        ``centroid_lat``.
    nrows, ncols : int
        Grid size; must have at least as many cells as districts.

    Returns
    -------
    pandas.DataFrame
        ``district_code``, ``bare_name``, ``row``, ``col``, in district-code order.
    """
    from scipy.optimize import linear_sum_assignment

    d = geography.districts[["district_code", "bare_name", "centroid_lon", "centroid_lat"]]
    d = d.sort_values("district_code").reset_index(drop=True)
    if d[["centroid_lon", "centroid_lat"]].isna().any().any():
        raise ValueError("tile layout: every district needs a centroid")
    if len(d) > nrows * ncols:
        raise ValueError(f"tile layout: {len(d)} districts do not fit a {nrows}x{ncols} grid")
    lon = d["centroid_lon"].to_numpy(float)
    lat = d["centroid_lat"].to_numpy(float)
    span_x = (lon.max() - lon.min()) or 1.0
    span_y = (lat.max() - lat.min()) or 1.0
    x = (lon - lon.min()) / span_x * (ncols - 1)
    y = (lat.max() - lat) / span_y * (nrows - 1)
    cells = [(r, c) for r in range(nrows) for c in range(ncols)]
    cost = np.array(
        [[(xi - c) ** 2 + (yi - r) ** 2 for r, c in cells] for xi, yi in zip(x, y, strict=True)]
    )
    rows, cols = linear_sum_assignment(cost)
    out = d[["district_code", "bare_name"]].copy()
    out["row"] = 0
    out["col"] = 0
    for i, j in zip(rows, cols, strict=True):
        out.loc[i, "row"], out.loc[i, "col"] = cells[j]
    return out


def _text_colour(rgb) -> str:
    r, g, b = to_rgb(rgb)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def _map_alt(values, geography, highlight, lang, kind_key, value_format, decimals) -> str:
    valid = {k: v for k, v in values.items() if v is not None and not pd.isna(v)}
    if not valid:
        return label("alt.map_empty", lang, kind=label(kind_key, lang))
    hi = max(valid, key=lambda k: (valid[k], k))
    lo = min(valid, key=lambda k: (valid[k], k))
    hl = ""
    if highlight is not None:
        hl = label(
            "alt.map_highlight",
            lang,
            name=geography.district_name(highlight),
            value=format_value(values.get(highlight), lang, value_format, decimals),
        )
    return label(
        "alt.map",
        lang,
        kind=label(kind_key, lang),
        n=len(valid),
        max_name=geography.district_name(hi),
        max_value=format_value(valid[hi], lang, value_format, decimals),
        min_name=geography.district_name(lo),
        min_value=format_value(valid[lo], lang, value_format, decimals),
        highlight=hl,
    )


def _norm(values) -> Normalize:
    valid = [float(v) for v in values if v is not None and not pd.isna(v)]
    lo, hi = (min(valid), max(valid)) if valid else (0.0, 1.0)
    if hi == lo:
        hi = lo + 1.0
    return Normalize(vmin=min(0.0, lo), vmax=hi)


def _district_look(value, is_hl: bool, cmap, norm: Normalize, linewidths) -> tuple[dict, str]:
    """Patch properties of one district (filled by value, missing hatched grey, highlight
    outlined black with ``linewidths[1]``) and the colour of its text."""
    missing = value is None or pd.isna(value)
    face = MISSING_COLOUR if missing else cmap(norm(float(value)))
    props = dict(
        facecolor=face,
        edgecolor="black" if is_hl else "white",
        linewidth=linewidths[1] if is_hl else linewidths[0],
        hatch="//" if missing else None,
        zorder=3 if is_hl else 2,
    )
    return props, _text_colour(face)


def _map_frame(fig: Figure, ax, cmap, norm: Normalize, value_label, lang: str, note) -> None:
    """No ticks, grid or spines; ``note`` (if any) under the map; the colour bar with its label."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if note:
        ax.set_xlabel(note, fontsize=6.5)
    sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
    cbar = fig.colorbar(sm, ax=ax, shrink=0.75, aspect=25)
    cbar.set_label(value_label or label("axis.poverty_rate_pct", lang))
    cbar.ax.yaxis.set_major_formatter(number_formatter(lang))


@styled
def tile_map(
    values: Mapping[str, float],
    geography: Geography,
    highlight: str | None = None,
    lang: str = "vi",
    source: str | None = None,
    synthetic: bool = True,
    *,
    year: int | None = None,
    value_label: str | None = None,
    value_format: str = "percent",
    decimals: int = 2,
    title: str | None = None,
    nrows: int = 4,
    ncols: int = 4,
) -> Figure:
    """Schematic tile map: one square per district, placed from its centroid.

    Parameters
    ----------
    values : dict
        District code (string with leading zeros) -> value; missing districts are drawn grey
        and hatched with "–".
    geography : Geography
        From :func:`analysis.reference.geography.load_geography`.
    highlight : str, optional
        District code (or name) drawn with a thick black border and a bold name.
    lang, source, synthetic, title
        As in :func:`~analysis.charts.lines.trend_chart`.
    year : int, optional
        Added to the default title.
    value_label : str, optional
        Colour-bar label; defaults to "Tỷ lệ hộ nghèo (%)".
    value_format : {"percent", "number"}
    decimals : int
    nrows, ncols : int
        Grid size, see :func:`tile_layout`.

    Returns
    -------
    matplotlib.figure.Figure
        Tiles are ``Rectangle`` patches with gid ``tile-<code>``.
    """
    check_lang(lang)
    if highlight is not None:
        highlight = geography.resolve_district(highlight)
    layout = tile_layout(geography, nrows, ncols)
    cmap = mpl.colormaps[SEQUENTIAL_CMAP]
    norm = _norm(values.values())
    fig = new_figure(10.5)
    ax = fig.subplots()
    for _, t in layout.iterrows():
        code = t["district_code"]
        value = values.get(code)
        is_hl = code == highlight
        props, colour = _district_look(value, is_hl, cmap, norm, (1, 3))
        size = 0.9 if is_hl else 0.94
        rect = Rectangle((t["col"] - size / 2, t["row"] - size / 2), size, size, **props)
        rect.set_gid(f"tile-{code}")
        ax.add_patch(rect)
        ax.text(
            t["col"],
            t["row"] - 0.12,
            "\n".join(textwrap.wrap(t["bare_name"], 11)),
            ha="center",
            va="center",
            fontsize=7,
            color=colour,
            fontweight="bold" if is_hl else "normal",
            zorder=4,
        )
        ax.text(
            t["col"],
            t["row"] + 0.26,
            format_value(value, lang, value_format, decimals),
            ha="center",
            va="center",
            fontsize=7.5,
            fontweight="bold",
            color=colour,
            zorder=4,
        )
    ax.set_xlim(-0.55, ncols - 0.45)
    ax.set_ylim(nrows - 0.45, -0.55)
    ax.set_aspect("equal")
    _map_frame(fig, ax, cmap, norm, value_label, lang, label("map.schematic_note", lang))
    alt = _map_alt(values, geography, highlight, lang, "alt.map_tile", value_format, decimals)
    return finish_figure(
        fig, chart_title("title.tile_map", lang, title, year=year), source, synthetic, lang, alt
    )


_CODE_KEYS = ("district_code", "ma_huyen", "MA_HUYEN", "ma_qh", "MA_QH", "code", "CODE")
_NAME_KEYS = (
    "bare_name",
    "district_name",
    "ten_huyen",
    "TEN_HUYEN",
    "ten_qh",
    "TEN_QH",
    "NAME_2",
    "name",
    "Name",
    "NAME",
    "ten",
    "district",
)


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _polygon_path(polygons: list) -> MplPath:
    """Compound path of polygons (lists of rings); exteriors CCW, holes CW (non-zero filling)."""
    verts, codes = [], []
    for polygon in polygons:
        for k, ring in enumerate(polygon):
            ring = np.asarray(ring, dtype=float)[:, :2]
            if len(ring) < 3:
                continue
            ccw = _signed_area(ring) > 0
            if (k == 0) != ccw:
                ring = ring[::-1]
            verts.extend(ring.tolist() + [ring[0].tolist()])
            codes.extend(
                [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 1) + [MplPath.CLOSEPOLY]
            )
    return MplPath(np.array(verts), codes)


def _feature_polygons(geometry: dict | None) -> list:
    if not geometry:
        return []
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    if kind == "GeometryCollection":
        return [p for g in geometry.get("geometries", []) for p in _feature_polygons(g)]
    return []


def _match_feature(feature: dict, geography: Geography, match_property: str | None) -> str | None:
    props = feature.get("properties") or {}
    if match_property is not None:
        candidates = [props.get(match_property)]
    else:
        keys = [k for k in (*_CODE_KEYS, *_NAME_KEYS) if k in props]
        keys += [k for k, v in props.items() if k not in keys and isinstance(v, str)]
        candidates = [props[k] for k in keys]
        if "id" in feature:
            candidates.append(feature["id"])
    for value in candidates:
        if value is None or isinstance(value, bool) or str(value).strip() == "":
            continue
        try:
            return geography.resolve_district(str(value))
        except UnknownAreaError:
            continue
    return None


def read_district_shapes(
    geojson_path: str | Path, geography: Geography, match_property: str | None = None
) -> tuple[dict[str, MplPath], list[str]]:
    """Read district polygons from a GeoJSON file and match them to district codes.

    Parameters
    ----------
    geojson_path : str or Path
        A FeatureCollection of Polygon/MultiPolygon features in longitude/latitude.
    geography : Geography
        Used to resolve feature codes or names (any spelling ``resolve_district`` accepts).
    match_property : str, optional
        The property holding the district code or name; by default known code properties
        (``district_code``, ``ma_huyen``...), then name properties (``ten_huyen``, ``NAME_2``,
        ``name``...), then any text property, then the feature ``id`` are tried.

    Returns
    -------
    (dict, list)
        District code -> matplotlib Path (several features of one district are merged), and a
        description of each feature that matched no district.
    """
    with Path(geojson_path).open(encoding="utf-8") as fh:
        gj = json.load(fh)
    features = gj.get("features", []) if gj.get("type") == "FeatureCollection" else [gj]
    shapes: dict[str, list] = {}
    unmatched: list[str] = []
    for n, feature in enumerate(features):
        polygons = _feature_polygons(feature.get("geometry"))
        if not polygons:
            continue
        code = _match_feature(feature, geography, match_property)
        if code is None:
            props = feature.get("properties") or {}
            unmatched.append(str(next(iter(props.values()), f"#{n}")) if props else f"#{n}")
            continue
        shapes.setdefault(code, []).extend(polygons)
    return {code: _polygon_path(polys) for code, polys in sorted(shapes.items())}, unmatched


@styled
def choropleth(
    values: Mapping[str, float],
    geojson_path: str | Path,
    geography: Geography,
    highlight: str | None = None,
    lang: str = "vi",
    source: str | None = None,
    synthetic: bool = True,
    *,
    year: int | None = None,
    value_label: str | None = None,
    value_format: str = "percent",
    decimals: int = 2,
    match_property: str | None = None,
    title: str | None = None,
) -> Figure:
    """District map drawn from real boundaries supplied by the analyst as GeoJSON.

    Parameters
    ----------
    values : dict
        District code -> value.
    geojson_path : str or Path
        District boundaries, see :func:`read_district_shapes`.
    geography : Geography
    highlight : str, optional
        District code or name drawn with a thick black outline.
    lang, source, synthetic, title, year, value_label, value_format, decimals
        As in :func:`tile_map`.
    match_property : str, optional
        GeoJSON property holding the district code or name.

    Returns
    -------
    matplotlib.figure.Figure
        One ``PathPatch`` per matched district (gid ``district-<code>``); features that match no
        district are drawn plain grey and listed under the map (and in ``fig.unmatched``).
    """
    check_lang(lang)
    if highlight is not None:
        highlight = geography.resolve_district(highlight)
    shapes, unmatched = read_district_shapes(geojson_path, geography, match_property)
    if not shapes:
        raise ValueError(f"choropleth: no feature of {geojson_path} matches a district")
    cmap = mpl.colormaps[SEQUENTIAL_CMAP]
    norm = _norm(values.values())
    fig = new_figure(11.0)
    ax = fig.subplots()
    centroids = geography.districts.set_index("district_code")
    all_verts = np.vstack([p.vertices for p in shapes.values()])
    for code, path in shapes.items():
        value = values.get(code)
        is_hl = code == highlight
        props, colour = _district_look(value, is_hl, cmap, norm, (0.8, 2.5))
        patch = PathPatch(path, **props)
        patch.set_gid(f"district-{code}")
        ax.add_patch(patch)
        if code in centroids.index and pd.notna(centroids.loc[code, "centroid_lon"]):
            cx, cy = centroids.loc[code, ["centroid_lon", "centroid_lat"]].astype(float)
        else:
            cx, cy = path.vertices.mean(axis=0)
        ax.text(
            cx,
            cy,
            f"{geography.district_name(code)}\n{format_value(value, lang, value_format, decimals)}",
            ha="center",
            va="center",
            fontsize=6.5,
            color=colour,
            fontweight="bold" if is_hl else "normal",
            zorder=4,
        )
    pad_x = 0.03 * (np.ptp(all_verts[:, 0]) or 1)
    pad_y = 0.03 * (np.ptp(all_verts[:, 1]) or 1)
    ax.set_xlim(all_verts[:, 0].min() - pad_x, all_verts[:, 0].max() + pad_x)
    ax.set_ylim(all_verts[:, 1].min() - pad_y, all_verts[:, 1].max() + pad_y)
    ax.set_aspect(1 / math.cos(math.radians(float(all_verts[:, 1].mean()))))
    note = label("map.unmatched", lang, names=", ".join(unmatched)) if unmatched else None
    _map_frame(fig, ax, cmap, norm, value_label, lang, note)
    shown = {k: v for k, v in values.items() if k in shapes}
    alt = _map_alt(shown, geography, highlight, lang, "alt.map_choropleth", value_format, decimals)
    fig.unmatched = unmatched
    return finish_figure(
        fig, chart_title("title.choropleth", lang, title, year=year), source, synthetic, lang, alt
    )
