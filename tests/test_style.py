"""Tests for analysis.charts.style as print needs it: chart text of at least 7 pt at the drawn
size (charts are printed at that size), smaller figures on demand, source lines and value
labels that stay inside the figure and apart. The charts' content: test_charts.py."""

from __future__ import annotations

import re

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from test_charts import CHARTS, build, deprivation_df, geo, trend_df  # noqa: F401 - fixture

from analysis import charts
from analysis.charts import style

_SVG_FONT_RE = re.compile(r"font-size:\s*([\d.]+)px|font:\s*(?:[a-z]+\s+)*([\d.]+)px")


def svg_font_sizes(svg: str) -> list[float]:
    """Every font size written in an SVG (user units; the charts' SVGs are 1 unit = 1 pt)."""
    return [float(a or b) for a, b in _SVG_FONT_RE.findall(svg)]


def svg_points_per_unit(svg: str) -> float:
    """Points per user unit of an SVG drawn at its own width (``width="453.5pt"``)."""
    head = re.search(r"<svg\b[^>]*>", svg).group(0)
    width = float(re.search(r'width="([\d.]+)pt"', head).group(1))
    view_w = float(re.search(r'viewBox="[\d.\s-]+?\s([\d.]+)\s[\d.]+"', head).group(1))
    return width / view_w


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", CHARTS)
def test_no_chart_text_under_7_points(name, lang, geo, tmp_path):  # noqa: F811
    fig = build(name, lang, geo, tmp_path)
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip()]
    assert min(sizes) >= style.MIN_FONT_PT
    svg = charts.figure_to_svg(fig)
    written = svg_font_sizes(svg)
    assert written and min(written) * svg_points_per_unit(svg) >= 7.0


def test_raise_small_text_leaves_larger_text_alone():
    fig = style.new_figure(5)
    small = fig.text(0.1, 0.1, "a", fontsize=5)
    big = fig.text(0.5, 0.5, "b", fontsize=9)
    style.raise_small_text(fig)
    assert small.get_fontsize() == 7.0 and big.get_fontsize() == 9.0


def test_figure_size_is_local_to_its_block():
    cm = style.CM
    default = style.new_figure(7.0).get_size_inches()
    assert default == pytest.approx((16 * cm, 7 * cm))
    with style.figure_size(width_cm=10, height_factor=0.5):
        assert style.new_figure(7.0).get_size_inches() == pytest.approx((10 * cm, 3.5 * cm))
    assert style.new_figure(7.0).get_size_inches() == pytest.approx(default)
    with pytest.raises(RuntimeError), style.figure_size(width_cm=8):
        raise RuntimeError("restored even so")
    assert style.new_figure(7.0).get_size_inches() == pytest.approx(default)


def _extents(fig, texts):
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_deprivation_value_labels_do_not_collide(lang):
    fig = charts.deprivation_chart(deprivation_df(), lang, None, True, area_name="Bù Đăng")
    ax = fig.axes[0]
    labels = [t for t in ax.texts if "%" in t.get_text()]
    assert len(labels) == len(deprivation_df())  # one label per indicator: area / province
    boxes = _extents(fig, labels)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    # and every label stays inside the axes
    frame = ax.get_window_extent()
    assert all(b.x1 <= frame.x1 + 1 for b in boxes)


@pytest.mark.parametrize("width_cm", [16.0, 10.5])
def test_source_line_fits_the_figure(width_cm):
    source = (
        "Rà soát hộ nghèo, hộ cận nghèo hằng năm ("
        + ", ".join(f"data/synthetic/summary-{y}.csv" for y in range(2020, 2026))
        + ")"
    )
    with style.figure_size(width_cm=width_cm):
        fig = charts.trend_chart(trend_df(), "vi", source, True, area_name="Bù Đăng")
    (line,) = [t for t in fig.texts if t.get_gid() == "source-line"]
    (box,) = _extents(fig, [line])
    assert box.x1 <= fig.bbox.x1
