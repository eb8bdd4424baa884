"""Exploration in JupyterLab (`analysis.report.explore`), the styles that travel with the
report's outputs (`analysis.report.display`), and the notebooks as JupyterLab writes them."""

import json
import re
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from kernel_run import execute_in_kernel

from analysis.compute import deprivation
from analysis.core import paths
from analysis.core.errors import WorkbookError
from analysis.core.i18n import label
from analysis.core.numbers import format_number, format_percent
from analysis.report import context, display, explore

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPLORE = ROOT / "notebooks" / "explore.ipynb"


@pytest.fixture(scope="module")
def ctx():
    return context.load("Bù Đăng", 2024, "vi")


@pytest.fixture(scope="module")
def summary_only():
    """The bundled summary alone: a summary-only file, no household records."""
    return str(paths.default_summary())


def cells_text(markup: str) -> list[str]:
    return [html_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", markup, re.S)]


def html_text(fragment: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


# -- styles that travel with the output ----------------------------------------------------------
def test_notebook_css_rules_are_scoped_to_notebook_front_ends():
    css = display.notebook_css()
    body = css.removeprefix("<style>").removesuffix("</style>")
    selectors = [s for rule in body.split("}") if rule for s in rule.split("{")[0].split(",:is")]
    assert selectors
    for selector in selectors:
        assert selector.startswith(display.FRONT_END) or selector.startswith(
            "(.jp-RenderedHTMLCommon,.rendered_html)"
        ), selector
    with pytest.raises(ValueError, match="unknown kind of output sparkle"):
        display.notebook_css("sparkle")


def test_the_html_report_has_no_notebook_container(tmp_path):
    """The scoped rules match nothing in the report: no element of the page has the classes."""
    from analysis.build.html_report import notebook_to_html

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            {
                "text/html": display.notebook_css()
                + '<div class="headline"><div class="card">x</div></div>'
            },
        )
    ]
    nb.cells = [cell]
    page = notebook_to_html(nb, "t", "vi")
    assert '<div class="headline">' in page
    classes = {c for v in re.findall(r'class="([^"]*)"', page) for c in v.split()}
    assert not classes & {"jp-RenderedHTMLCommon", "rendered_html"}


def test_show_html_carries_the_styles_its_classes_need(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.data))
    display.show_html('<div class="headline"><div class="card">1</div></div>')
    display.show_html("<h2>Heading</h2>")
    display.show_html('<p class="note">small print</p>')
    assert shown[0].startswith("<style>") and ".headline .card{" in shown[0]
    assert "border-top:4px solid" in shown[0]
    assert shown[1] == "<h2>Heading</h2>"  # nothing to style: no style block
    assert "p.note{" in shown[2] and ".card" not in shown[2]
    display.show_html('<td><span class="chip chip-bad">Chậm tiến độ</span></td>')
    assert re.search(r"\.chip\{[^}]*white-space:nowrap", shown[3])


def test_charts_scale_to_the_column_in_a_notebook(monkeypatch):
    from matplotlib.figure import Figure

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.data))
    fig = Figure()
    fig.subplots().plot([0, 1], [0, 1])
    display.figure(fig)
    assert re.search(r"figure\.chart svg\{[^}]*width:100%;max-width:100%", shown[0])
    assert '<figure class="chart">' in shown[0] and "<svg" in shown[0]


# -- styled tables -------------------------------------------------------------------------------
def test_styled_writes_numbers_the_reports_way_without_index_or_na():
    frame = pd.DataFrame(
        {
            "year": [2023, 2024],
            "poor": [14917.0, None],
            "poverty_rate": [23.490814, float("nan")],
            "status": ["Chậm tiến độ", pd.NA],
        },
        index=[7, 9],
    )
    kinds = {"poor": "count", "poverty_rate": "rate"}
    markup = display.styled(frame, kinds, "vi").to_html()
    cells = cells_text(markup)
    assert cells == [
        "2023", format_number(14917, "vi"), format_percent(23.490814, "vi"), "Chậm tiến độ",
        "2024", "–", "–", "–",
    ]  # fmt: skip
    assert cells[1] == "14.917" and cells[2] == "23,49%"  # Vietnamese number writing
    assert "row_heading" not in markup and ">7<" not in markup  # no raw index
    assert "<NA>" not in markup and "nan" not in markup.lower().replace("nanum", "")
    headers = [html_text(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", markup, re.S)]
    assert headers == [label(f"col.{c}", "vi") for c in frame.columns]
    english = display.styled(frame, kinds, "en").to_html()
    assert "14,917" in english and "23.49%" in english
    assert label("col.poor", "en") in english


def test_styled_aligns_words_left_and_keeps_status_words_whole():
    frame = pd.DataFrame(
        {"district": ["Bù Đăng"], "range80": ["1.234–2.345"], "poor": [3.0], "status": ["Đạt"]}
    )
    markup = display.styled(frame, {"poor": "count"}, "vi").to_html()
    uuid = re.search(r'<table id="(T_\w+)"', markup).group(1)
    assert re.search(rf"#{uuid} td\.col0 \{{\s*text-align: left;", markup)  # names
    assert not re.search(rf"#{uuid} td\.col1 \{{\s*text-align", markup)  # numbers as text
    assert not re.search(rf"#{uuid} td\.col2 \{{", markup)  # a count
    assert re.search(r'<td id="T_\w+_row0_col3" class="data row0 col3 status"', markup)
    assert "@media screen{table.bpwb-table td.status{white-space:nowrap}}" in markup
    assert 'class="bpwb-table"' in markup
    assert markup.startswith(display.notebook_css("table"))
    assert (
        "status" not in display.styled(frame.drop(columns="status")).to_html().split("</style>")[-1]
    )


def test_table_of_a_data_function_names_the_standard(ctx):
    from analysis.report import sections

    data = sections.trends_data(ctx)
    markup = explore.table(data, "vi").to_html()
    assert "ND07_2021" not in markup and "<NA>" not in markup
    last = data.iloc[-1]
    assert format_number(last["poor"], "vi") in markup
    assert format_percent(last["poverty_rate"], "vi") in markup
    assert format_percent(last["escape_rate"], "vi") in markup
    assert label("series.escape_rate", "vi") in markup and "escape_rate" not in markup
    assert not re.search(r">\s*\d+\.\d{4,}\s*<", markup)  # no raw float (26.612356)


# -- compare districts ---------------------------------------------------------------------------
def test_compare_data_computes_every_district_by_name(ctx):
    got = explore.compare_data(ctx, "rate")
    s = ctx.summary
    rows = s[(s["area_level"] == "district") & (s["zone"] == "all") & (s["year"] == 2024)]
    names = ctx.geography.districts.set_index("district_code")["bare_name"]
    expected = (
        pd.DataFrame(
            {
                "district": rows["area_code"].map(names).to_numpy(),
                "rate": (100 * rows["poor_end"] / rows["total_households"]).to_numpy(float),
            }
        )
        .sort_values("rate", ascending=False)
        .reset_index(drop=True)
    )
    assert (
        len(got) == 11
        and "Bù Đăng" in set(got["district"])
        and "Bù Gia Mập" in set(got["district"])
    )
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9)
    poor = explore.compare_data(ctx, "poor")
    assert poor["poor"].sum() == rows["poor_end"].sum()
    assert poor["poor"].is_monotonic_decreasing


def test_compare_refuses_an_unknown_indicator_in_words(ctx):
    with pytest.raises(WorkbookError, match="choose one of: rate, poor"):
        explore.compare_data(context.load("Bù Đăng", 2024, "en"), "sparkle")
    with pytest.raises(WorkbookError, match="Không so sánh được"):
        explore.compare_data(ctx, "sparkle")


def test_compare_districts_view_has_chart_and_table_with_names(ctx):
    view = explore.compare_districts(ctx, "near_poor")
    assert "<svg" in view.html and 'class="bpwb-table"' in view.html
    cells = cells_text(view.html)
    for name, value in zip(view.table["district"], view.table["near_poor"], strict=True):
        i = cells.index(name)
        assert cells[i + 1] == format_number(value, "vi")
    alt = re.search(r'aria-label="([^"]*)"', view.html).group(1)
    assert label("col.near_poor", "vi") in alt and "Bù Đăng đứng thứ" in alt
    assert view._repr_html_() == view.html


# -- the chosen area -----------------------------------------------------------------------------
def test_alkire_foster_follows_the_area(ctx):
    hh = ctx.data.households
    for area, code in (("Bù Đăng", "696"), ("Lộc Ninh", "692")):
        view = explore.alkire_foster(context.load(area, 2024, "en"))
        district_of = ctx.geography.commune_district()
        own = hh[(hh["year"] == 2024) & (hh["commune_code"].map(district_of) == code)]
        alone = deprivation.alkire_foster(own, year=2024)  # the district on its own
        row = view.table.iloc[0]
        assert row["area"] == area
        assert row["H"] == pytest.approx(100 * alone.H) and row["M0"] == pytest.approx(alone.M0)
        assert format_number(row["M0"], "en", 4) in view.html


def test_alkire_foster_says_why_there_are_no_measures(summary_only):
    view = explore.alkire_foster(context.load("Bù Đăng", 2024, "vi", summary_only))
    assert view.table is None
    assert label("explore.no_households", "vi", area="Bù Đăng") in html_text(view.html)
    later = explore.alkire_foster(context.load("Bù Đăng", 2025, "en"))  # no records of 2025
    assert later.table is None
    assert "no household records for 2025" in html_text(later.html)


def test_update_is_the_controls_callback(ctx):
    view = explore.update("Lộc Ninh", 2024, "em_rate", "en")
    text = html_text(view.html)
    assert text.startswith("Lộc Ninh, 2024")
    assert label("col.em_rate", "en") in view.html and label("explore.figures", "en") in text
    assert list(view.table.columns) == ["district", "em_rate"]
    vi = explore.update("692", 2024, "em_rate", "vi")
    assert html_text(vi.html).startswith("Lộc Ninh, năm 2024")


def test_controls_offer_names_and_call_update(ctx, monkeypatch):
    calls = []
    monkeypatch.setattr(explore, "_show", lambda **values: calls.append(values))
    box = explore.controls(ctx, "poor")
    area, year, indicator, lang = box.children[0].children
    assert (area.value, year.value, indicator.value, lang.value) == ("696", 2024, "poor", "vi")
    names = [n for n, _ in area.options]
    assert "Bù Đăng" in names and label("area.province", "vi") in names
    assert not any(re.fullmatch(r"\d+", n) for n in names)  # names, not codes
    assert calls[-1] == {"area": "696", "year": 2024, "indicator": "poor", "lang": "vi",
                         "data_source": "", "min_households": 50}  # fmt: skip
    year.value = 2022
    assert calls[-1]["year"] == 2022
    before = len(calls)
    lang.value = "en"
    assert area.description == label("explore.area", "en") and area.value == "696"
    assert calls[before:] == [calls[before - 1] | {"lang": "en"}]  # one view, nothing between
    assert dict(indicator.options)[label("col.poor", "en")] == "poor"
    import ipywidgets

    ipywidgets.Widget.close_all()  # no kernel to close them at exit


# -- the notebooks as JupyterLab writes them -----------------------------------------------------
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_metadata_is_what_jupyterlab_writes(path):
    """Opening a notebook in JupyterLab leaves `git diff` empty: the kernel metadata the front
    end writes on connecting (the kernel spec and the kernel's language_info), and the file as
    the server saves it (nbformat.writes: indent 1, sorted keys, a final newline)."""
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_client.kernelspec import KernelSpecManager

    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert nb.metadata.kernelspec == {
        "display_name": spec.display_name, "language": spec.language, "name": "python3",
    }  # fmt: skip
    info = dict(IPythonKernel.language_info)
    committed = dict(nb.metadata.language_info)
    # the patch release is the machine's; the language and the minor version are the project's
    assert committed.pop("version").split(".")[:2] == info.pop("version").split(".")[:2]
    assert committed == info
    assert (nb.nbformat, nb.nbformat_minor) == (4, nbformat.current_nbformat_minor)
    assert text == nbformat.writes(nb) + "\n"
    assert sys.version_info[:2] >= (3, 11)


# -- the notebook runs headless ------------------------------------------------------------------
def run_explore(tmp_path, **parameters):
    out = tmp_path / "explore.ipynb"
    execute_in_kernel(EXPLORE, out, parameters)
    executed = json.loads(out.read_text(encoding="utf-8"))
    errors = [
        o for c in executed["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"
    ]
    assert errors == []
    htmls = [
        "".join(o["data"]["text/html"])
        for c in executed["cells"]
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]
    return executed, "\n".join(htmls)


@pytest.mark.slow
def test_explore_runs_headless_with_the_bundled_data(tmp_path):
    executed, shown = run_explore(tmp_path, area="Lộc Ninh", year=2024, lang="en")
    widget = [o for c in executed["cells"] for o in c.get("outputs", [])
              if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]  # fmt: skip
    assert widget, "the controls are a widget"
    assert "Lộc Ninh" in shown and "Bù Gia Mập" in shown
    assert "<NA>" not in shown and "rows ×" not in shown and ">692<" not in shown
    assert label("explore.alkire_foster", "en") in shown and "H (%)" in shown
    assert shown.count("<svg") >= 2  # the comparison and the trend chart


@pytest.mark.slow
def test_explore_runs_headless_with_a_summary_only_file(tmp_path, summary_only):
    _, shown = run_explore(tmp_path, area="Bù Đăng", year=2024, data_source=summary_only)
    assert "Bù Đăng" in shown and "<NA>" not in shown
    assert html_text(label("explore.no_households", "vi", area="Bù Đăng")) in html_text(shown)
