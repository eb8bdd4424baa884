"""The faster paths of charts, forecast, targets and render give the same results as the plain ones.

* `charts.figure_to_svg` draws once (layout inside the output draw) and shares text
  measurements: byte-identical to ``Figure.savefig``.
* `ProjectionContext.fill_tables`, the array-based ``flow_inputs`` and the per-context caches
  (series, model runs shared by ``project`` and ``simulate_paths``): identical numbers.
* `pdf_report._flatten_svg_groups` and `pdf_report._resolve_css_variables` (PDF input only).
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from projection_summary import make_summary  # noqa: E402
from test_charts import CHARTS, build  # noqa: E402

from analysis import charts
from analysis.build import pdf_report  # noqa: E402
from analysis.charts import svg
from analysis.projection.combine import project, simulate_paths  # noqa: E402
from analysis.projection.context import ProjectionContext, indicator_series  # noqa: E402
from analysis.reference.geography import load_geography  # noqa: E402


def _savefig_svg(fig) -> str:
    """What figure_to_svg returned before: plain savefig (same metadata)."""
    buf = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": charts.SVG_HASH_SALT, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata=svg.svg_metadata(fig))
    return buf.getvalue()


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", CHARTS)
def test_figure_to_svg_identical_to_savefig(name, lang, tmp_path):
    geo = load_geography()
    fast = charts.figure_to_svg(build(name, lang, geo, tmp_path))
    assert fast == _savefig_svg(build(name, lang, geo, tmp_path))


def test_figure_to_svg_leaves_figure_as_savefig_does(tmp_path):
    geo = load_geography()
    fig, other = build("trend", "vi", geo, tmp_path), build("trend", "vi", geo, tmp_path)
    canvas, dpi, engine = fig.canvas, fig.dpi, fig.get_layout_engine()
    charts.figure_to_svg(fig)
    assert fig.canvas is canvas and fig.dpi == dpi and fig.get_layout_engine() is engine
    _savefig_svg(other)
    assert charts.figure_to_svg(fig) == _savefig_svg(other)  # a second rendering, too


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return make_summary()


def test_fill_tables_same_as_table(summary):
    codes = sorted(summary["area_code"].unique())
    plain, bulk = ProjectionContext(summary), ProjectionContext(summary)
    bulk.fill_tables([*codes, "province", "nowhere"])
    for code in [*codes, "province"]:
        a, b = plain.table(code), bulk.table(code)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert a.index.name == b.index.name and a.index.dtype == b.index.dtype


def test_flow_inputs_same_as_reindex_dropna(summary):
    ctx = ProjectionContext(summary)
    for code in ("688", "696", "province"):
        t = ctx.table(code)
        for years in ([2017, 2018, 2019, 2020, 2021], [2016, 2022, 2023, 2024, 2030], [2031]):
            got = ctx.flow_inputs(code, "poor", years)
            cols = [f"poor_{c}" for c in ("start", "escaped", "repoverty", "new", "end")]
            part = t.reindex(years)[[*cols, "total_households"]].dropna()
            assert got["years"] == list(part.index)
            for key, col in zip(("start", "escaped", "repoverty", "new", "end"), cols, strict=True):
                np.testing.assert_array_equal(got[key], part[col].to_numpy(float))
            np.testing.assert_array_equal(got["total"], part["total_households"].to_numpy(float))


def test_series_cache_returns_copies(summary):
    ctx = ProjectionContext(summary)
    a = ctx.series("688", "poverty_rate_pct")
    a["value"] = -1.0
    b = ctx.series("688", "poverty_rate_pct")
    pd.testing.assert_frame_equal(b, indicator_series(summary, "688", "poverty_rate_pct"))


def test_shared_model_runs_same_results(summary):
    ctx = ProjectionContext(summary)
    kw = dict(horizon=2027, seed=3, n_paths=200, weights={"ols": 1, "ets": 2, "flow": 1})
    shared_frame = project(None, "691", "poor_households", context=ctx, **kw)
    shared_paths = simulate_paths(None, "691", "poor_households", context=ctx, **kw)
    fresh_frame = project(summary, "691", "poor_households", **kw)
    fresh_paths = simulate_paths(summary, "691", "poor_households", **kw)
    pd.testing.assert_frame_equal(shared_frame, fresh_frame, check_exact=True)
    np.testing.assert_array_equal(shared_paths.values, fresh_paths.values)
    np.testing.assert_array_equal(shared_paths.years, fresh_paths.years)


def test_flatten_svg_groups():
    svg = (
        '<svg><g id="a"><g id="b" clip-path="url(#c)"><path/></g><g><use href="#d"/></g>'
        '<g id="d"><path/></g><g/><g id="e" style="fill: red"><path/></g></g></svg>'
    )
    assert pdf_report._flatten_svg_groups(svg) == (
        '<svg><g id="b" clip-path="url(#c)"><path/></g><use href="#d"/>'
        '<g id="d"><path/></g><g/><g id="e" style="fill: red"><path/></g></svg>'
    )
    for kept in ('<svg><!-- c --><g id="a"></g></svg>', "<svg><g><g></g></svg>"):
        assert pdf_report._flatten_svg_groups(kept) == kept


def test_flattened_chart_draws_the_same(tmp_path):
    pytest.importorskip("weasyprint")
    import xml.etree.ElementTree as ET

    svg = charts.figure_to_svg(build("deprivation", "vi", load_geography(), tmp_path))
    svg = svg[svg.index("<svg") :]
    flat = pdf_report._flatten_svg_groups(svg)
    assert flat.count("<g") < svg.count("<g")
    ET.fromstring(flat)  # still well-formed

    def drawn(one):
        return [e.tag for e in ET.fromstring(one).iter() if not e.tag.endswith("}g")]

    assert drawn(flat) == drawn(svg)


def test_resolve_css_variables():
    page = (
        "<style>:root { --ink: #111; --rule: #ccc; --twice: 1px; }\n"
        "p { color: var(--ink); border: 1px solid var(--rule); }\n"
        ".x { --twice: 2px; margin: var(--twice); padding: var(--nope, 3px); }</style>"
        '<p style="--ink: red">x</p>'
    )
    out = pdf_report._resolve_css_variables(page)
    assert "border: 1px solid #ccc;" in out
    assert "color: var(--ink)" in out  # also set in a style attribute
    assert "margin: var(--twice)" in out  # defined twice
    assert "var(--nope, 3px)" in out
    assert pdf_report._resolve_css_variables("<p>no style</p>") == "<p>no style</p>"
