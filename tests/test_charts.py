"""Report charts: titles, sources, text alternatives, standards never joined, deterministic SVG."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import PathPatch, Rectangle  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from analysis import charts  # noqa: E402
from analysis.charts import maps  # noqa: E402
from analysis.reference.geography import load_geography  # noqa: E402
from analysis.reference.standards import standard_for_year  # noqa: E402

YEARS = list(range(2016, 2025))
FLOWS = {"start": 3300, "escaped": 620, "repoverty": 45, "new": 160, "other": -6, "end": 2879}


@pytest.fixture(scope="module")
def geo():
    return load_geography()


def trend_df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": YEARS,
            "poor": [5200, 4600, 3900, 3300, 2800, 2400, 4100, 3300, 2879],
            "near_poor": [3000, 2800, 2600, 2500, 2300, 2200, 3500, 3200, 3000],
            "poverty_rate": [4.1, 3.6, 3.0, 2.5, 2.1, 1.8, 3.1, 2.5, 1.03],
            "near_poverty_rate": [2.4, 2.2, 2.0, 1.9, 1.7, 1.6, 2.6, 2.4, 2.2],
        }
    )


def flow_rates_df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": YEARS,
            "escape_rate": np.linspace(20, 15, 9),
            "repoverty_rate": np.linspace(1, 0.5, 9),
            "new_poverty_rate": np.linspace(3, 2, 9),
        }
    )


def ethnic_df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": YEARS,
            "em_poverty_rate": np.linspace(15, 6, 9),
            "non_em_poverty_rate": np.linspace(3, 0.8, 9),
        }
    )


def deprivation_df() -> pd.DataFrame:
    std = standard_for_year(2024)
    n = len(std.indicators)
    return pd.DataFrame(
        {
            "indicator": list(std.indicators),
            "dimension": [std.dimensions[i] for i in std.indicators],
            "share_area": np.linspace(5, 60, n).round(1),
            "share_province": np.linspace(50, 4, n).round(1),
        }
    )


def contribution_df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dimension": ["employment", "health", "education", "housing", "water_sanitation"],
            "contribution_area": [30, 25, 20, 15, 10],
            "contribution_province": [20, 20, 20, 20, 20],
        }
    )


def communes_df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "commune": ["Đăk Nhau", "Đường 10", "Bom Bo", "Thống Nhất"],
            "rate": [5.2, 3.1, 0.8, 12.0],
            "small_count": [False, False, False, True],
            "especially_difficult": [True, False, False, False],
        }
    )


def fan_inputs():
    hist = pd.DataFrame({"year": YEARS, "value": trend_df()["poverty_rate"]})
    proj = pd.DataFrame({"year": range(2025, 2031), "mean": np.linspace(0.8, 0.3, 6)})
    proj["lo80"], proj["hi80"] = proj["mean"] * 0.7, proj["mean"] * 1.3
    proj["lo95"], proj["hi95"] = proj["mean"] * 0.5, proj["mean"] * 1.6
    return hist, proj


def district_values(geo) -> dict:
    return {c: 0.5 + 0.3 * i for i, c in enumerate(geo.district_codes())}


def square(lon, lat, h=0.06):
    return [[lon - h, lat - h], [lon + h, lat - h], [lon + h, lat + h], [lon - h, lat + h]]


def write_geojson(path, geo) -> None:
    features = []
    for _, d in geo.districts.iterrows():
        ring = square(d.centroid_lon, d.centroid_lat)
        if d.district_code == "696":  # a MultiPolygon with a hole, matched by its full name
            hole = square(d.centroid_lon, d.centroid_lat, 0.02)
            geometry = {
                "type": "MultiPolygon",
                "coordinates": [[ring + [ring[0]], hole + [hole[0]]], [square(107.4, 11.9, 0.01)]],
            }
            props = {"TEN_HUYEN": "Huyện Bù Đăng"}
        else:
            geometry = {"type": "Polygon", "coordinates": [ring + [ring[0]]]}
            props = {"ma_huyen": d.district_code, "OBJECTID": 7}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    features.append(
        {
            "type": "Feature",
            "properties": {"name": "Somewhere else"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [square(106.4, 11.3) + [[106.34, 11.24]]],
            },
        }
    )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")


def build(name: str, lang: str, geo, tmp_path=None) -> Figure:
    hist, proj = fan_inputs()
    src = "Sở Lao động - Thương binh và Xã hội"
    if name == "trend":
        return charts.trend_chart(trend_df(), lang, src, True, area_name="Bù Đăng")
    if name == "waterfall":
        return charts.waterfall_chart(FLOWS, lang, src, True, year=2024)
    if name == "flow_rates":
        return charts.flow_rates_chart(flow_rates_df(), lang, src, True)
    if name == "ethnic_gap":
        return charts.ethnic_gap_chart(ethnic_df(), lang, src, True)
    if name == "deprivation":
        return charts.deprivation_chart(deprivation_df(), lang, src, True, area_name="Bù Đăng")
    if name == "contribution":
        return charts.contribution_chart(contribution_df(), lang, src, True)
    if name == "communes":
        return charts.commune_ranking_chart(communes_df(), lang, src, True, reference=2.1)
    if name == "tile_map":
        return charts.tile_map(district_values(geo), geo, "696", lang, src, True, year=2024)
    if name == "choropleth":
        path = tmp_path / "districts.geojson"
        write_geojson(path, geo)
        return charts.choropleth(district_values(geo), path, geo, "bu-dang", lang, src, True)
    if name == "fan":
        return charts.fan_chart(hist, proj, {2025: 0.5, 2030: 0.2}, lang=lang, source=src)
    if name == "rank":
        df = pd.DataFrame({"district": ["A", "Bù Đăng", "C"], "rate": [1.0, 2.5, 0.4]})
        df["highlight"] = df["district"] == "Bù Đăng"
        return charts.rank_chart(df, lang, src, True, year=2024, province_rate=1.2)
    raise AssertionError(name)


CHARTS = [
    "trend",
    "waterfall",
    "flow_rates",
    "ethnic_gap",
    "deprivation",
    "contribution",
    "communes",
    "tile_map",
    "choropleth",
    "fan",
    "rank",
]


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", CHARTS)
def test_chart_has_title_source_and_alt_text(name, lang, geo, tmp_path):
    fig = build(name, lang, geo, tmp_path)
    assert isinstance(fig, Figure)
    assert fig._suptitle is not None and fig._suptitle.get_text().strip()
    all_text = texts(fig)
    if lang == "vi":
        assert "Nguồn: Sở Lao động - Thương binh và Xã hội. Dữ liệu mô phỏng." in all_text
    else:
        assert "Source: Sở Lao động - Thương binh và Xã hội. Synthetic data." in all_text
    assert isinstance(fig.alt_text, str) and len(fig.alt_text) > 40
    assert abs(fig.get_figwidth() * 2.54 - 16) < 0.01
    assert fig.get_figheight() * 2.54 < 20
    # axis units: every visible axes with data has a label on a value axis (maps: colour bar)
    labelled = [ax for ax in fig.axes if ax.get_xlabel() or ax.get_ylabel()]
    assert labelled


def test_source_line_without_synthetic_flag():
    assert charts.source_line("Sở LĐTBXH.", False, "vi") == "Nguồn: Sở LĐTBXH."
    assert charts.source_line(None, True, "en").endswith("Synthetic data.")


def _spans(fig: Figure, a: int, b: int) -> list:
    bad = []
    for ax in fig.axes:
        for line in ax.get_lines():
            x = np.asarray(line.get_xdata(), dtype=float)
            joined = line.get_linestyle() not in ("None", "none", "")
            if joined and len(x) >= 2 and x.min() <= a and x.max() >= b:
                bad.append(line)
    return bad


def test_trend_segments_not_joined_across_standard_change(geo):
    fig = build("trend", "vi", geo)
    assert not _spans(fig, 2021, 2022)
    # each panel: 2 series x 2 standards, plus the marker of the change at 2021.5
    for ax in fig.axes:
        xs = [tuple(line.get_xdata()) for line in ax.get_lines()]
        assert (2021.5, 2021.5) in xs
        assert sum(1 for x in xs if 2016 in x) == 2 and sum(1 for x in xs if 2024 in x) == 2
    assert any("NĐ 07/2021" in t for t in texts(fig))
    assert "2022" in fig.alt_text


def test_other_time_series_not_joined(geo):
    for name in ("flow_rates", "ethnic_gap", "fan"):
        fig = build(name, "en", geo)
        assert not _spans(fig, 2021, 2022), name
    fan = build("fan", "vi", geo)
    assert not _spans(fan, 2026, 2027)
    xs = [tuple(line.get_xdata()) for line in fan.axes[0].get_lines()]
    assert (2021.5, 2021.5) in xs and (2026.5, 2026.5) in xs
    # 80% and 95% bands for each standard's part of the projection
    assert len(fan.axes[0].collections) == 4


def test_waterfall_heights_by_hand(geo):
    fig = build("waterfall", "vi", geo)
    bars = fig.axes[0].containers[0].patches
    got = [(round(p.get_y()), round(p.get_height())) for p in bars]
    # start 3300; -620 -> 2680; +45 -> 2725; +160 -> 2885; -6 -> 2879; end 2879
    assert got == [(0, 3300), (2680, 620), (2680, 45), (2725, 160), (2879, 6), (0, 2879)]
    labels = texts(fig)
    for value in ("3.300", "-620", "+45", "+160", "-6", "2.879"):
        assert value in labels
    assert "Thoát nghèo" in labels and "Phát sinh mới" in labels
    steps = charts.waterfall_steps(FLOWS)
    assert list(steps["kind"]) == ["stock", "decrease", "increase", "increase", "decrease", "stock"]


def test_waterfall_rejects_unbalanced_flows():
    with pytest.raises(ValueError, match="do not add up"):
        charts.waterfall_steps(dict(FLOWS, end=3000))
    with pytest.raises(ValueError, match="missing"):
        charts.waterfall_steps({"start": 1})


def test_tick_labels_written_the_language_way(geo):
    fig = build("trend", "vi", geo)
    fig.draw_without_rendering()
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "2.000" in ticks and "4.000" in ticks
    years = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "2016" in years and "2.016" not in years
    en = build("trend", "en", geo)
    en.draw_without_rendering()
    assert "2,000" in [t.get_text() for t in en.axes[0].get_yticklabels()]
    fmt = charts.number_formatter("vi")
    assert fmt(0.5) == "0,5" and fmt(1234) == "1.234" and fmt(-0.0) == "0"


def test_tile_map_places_eleven_distinct_tiles(geo):
    layout = charts.tile_layout(geo)
    assert len(layout) == 11
    assert len(set(zip(layout["row"], layout["col"], strict=True))) == 11
    assert layout["row"].between(0, 3).all() and layout["col"].between(0, 3).all()
    # north-south order is kept: Bù Gia Mập (north) above Đồng Xoài (south)
    pos = layout.set_index("district_code")
    assert pos.loc["691", "row"] < pos.loc["689", "row"]
    assert layout.equals(charts.tile_layout(geo))  # deterministic
    fig = build("tile_map", "vi", geo)
    tiles = [p for p in fig.axes[0].patches if str(p.get_gid()).startswith("tile-")]
    assert len(tiles) == 11 and all(isinstance(p, Rectangle) for p in tiles)
    assert len({(round(p.get_x()), round(p.get_y())) for p in tiles}) == 11
    highlighted = [p for p in tiles if p.get_gid() == "tile-696"][0]
    assert highlighted.get_linewidth() == 3
    names = texts(fig)
    assert "Bù Đăng" in names and "Đồng Xoài" in names
    assert "Bù Đăng" in fig.alt_text


def test_tile_map_missing_value(geo):
    values = district_values(geo)
    values.pop("690")
    fig = charts.tile_map(values, geo, lang="en")
    tile = [p for p in fig.axes[0].patches if p.get_gid() == "tile-690"][0]
    assert tile.get_hatch() == "//"
    assert "–" in texts(fig)


def test_choropleth_matches_features(geo, tmp_path):
    fig = build("choropleth", "vi", geo, tmp_path)
    shapes = [p for p in fig.axes[0].patches if isinstance(p, PathPatch)]
    assert sorted(p.get_gid() for p in shapes) == sorted(
        f"district-{c}" for c in geo.district_codes()
    )
    assert fig.unmatched == ["Somewhere else"]
    assert any("Somewhere else" in t for t in texts(fig))
    bu_dang = [p for p in shapes if p.get_gid() == "district-696"][0]
    assert bu_dang.get_linewidth() == 2.5
    # exterior rings counter-clockwise, the hole clockwise: filled with the non-zero rule, the
    # hole stays empty whatever the orientation in the file
    rings = bu_dang.get_path().to_polygons(closed_only=False)
    areas = [maps._signed_area(np.asarray(r)) for r in rings]
    assert len(areas) == 3
    assert areas[0] > 0 and areas[1] < 0 and areas[2] > 0


def test_choropleth_with_nothing_matching(geo, tmp_path):
    path = tmp_path / "none.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}), "utf-8")
    with pytest.raises(ValueError, match="no feature"):
        charts.choropleth({}, path, geo)


def test_commune_ranking_marks_small_counts_and_ed(geo):
    fig = build("communes", "vi", geo)
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert names[0] == "Thống Nhất"  # highest rate first
    assert "Đăk Nhau (ĐBKK)" in names
    assert "12,00% (ít hộ)" in texts(fig)
    hatched = [p for p in ax.containers[0].patches if p.get_hatch()]
    assert len(hatched) == 1
    assert "Đăk Nhau" in fig.alt_text and "Thống Nhất" in fig.alt_text


def test_deprivation_and_contribution_labels(geo):
    fig = build("deprivation", "vi", geo)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "Bảo hiểm y tế" in ticks and "Y tế" in ticks and "Việc làm" in ticks
    bold = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_fontweight() == "bold"]
    assert set(bold) == {
        "Việc làm",
        "Y tế",
        "Giáo dục",
        "Nhà ở",
        "Nước sinh hoạt và vệ sinh",
        "Tiếp cận thông tin",
    }
    en = build("contribution", "en", geo)
    assert "Employment" in en.alt_text and "30.0%" in en.alt_text


def test_rank_chart_highlight(geo):
    fig = build("rank", "en", geo)
    ticks = fig.axes[0].get_yticklabels()
    assert [t.get_text() for t in ticks] == ["1. Bù Đăng", "2. A", "3. C"]
    assert ticks[0].get_fontweight() == "bold"
    assert "Bù Đăng ranks 1 of 3" in fig.alt_text


def test_svg_is_deterministic_and_carries_alt_text(geo):
    salt = mpl.rcParams["svg.hashsalt"]
    a = charts.figure_to_svg(build("trend", "vi", geo))
    b = charts.figure_to_svg(build("trend", "vi", geo))
    assert a == b
    assert "<dc:date>" not in a
    assert "Biểu đồ đường" in a  # the text alternative, in the SVG metadata
    assert mpl.rcParams["svg.hashsalt"] == salt  # no global state changed
    w1 = charts.figure_to_svg(build("waterfall", "en", geo))
    assert w1 == charts.figure_to_svg(build("waterfall", "en", geo))


def test_png_output(geo):
    png = charts.figure_to_png(build("rank", "vi", geo), dpi=60)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_pyplot_figures_leak(geo):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    build("trend", "vi", geo)
    assert plt.get_fignums() == before


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="near_poor"):
        charts.trend_chart(trend_df().drop(columns="near_poor"))


def test_waterfall_needs_a_year():
    with pytest.raises(ValueError, match="year"):
        charts.waterfall_chart(FLOWS)
    fig = charts.waterfall_chart(dict(FLOWS, year=2023), "en")
    assert "2023" in fig._suptitle.get_text() and "2023" in fig.alt_text


def test_alt_text_without_province_or_values(geo):
    df = deprivation_df().drop(columns="share_province")
    fig = charts.deprivation_chart(df, "vi", area_name="Bù Đăng")
    assert "toàn tỉnh" not in fig.alt_text and "Bù Đăng" in fig.alt_text
    assert "không có số liệu" in charts.tile_map({}, geo).alt_text
