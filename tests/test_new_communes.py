"""The 2025 review by new commune in the reports: `section_data.new_communes_data`, the section
`sections.new_communes` (also shown by `sections.communes` from 2025), and the mark of the
merger of 1 July 2025 on trend charts (`charts.lines`).

Expectations are computed from the files themselves: the bundled 2025 summary by new commune
(``data/synthetic/summary-2025.csv``, urban and rural rows added up here), the crosswalk and the
unit lists of ``data/reference/binh-phuoc``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import charts
from analysis.charts.lines import UNIT_CHANGE_ID, unit_change_years
from analysis.report import context, section_data, sections
from analysis.report.tables import TABLE_MIME

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "data/reference/binh-phuoc"
BU_DANG, PHUOC_LONG = "696", "688"


@pytest.fixture(scope="module")
def review():
    """The 2025 rows of the bundled file, both zones added up, one row per new commune."""
    rows = pd.read_csv(ROOT / "data/synthetic/summary-2025.csv", dtype={"area_code": str})
    counts = ["total_households", "poor_end", "near_poor_end", "em_poor_end",
              "em_total_households", "poor_escaped"]  # fmt: skip
    return rows.groupby("area_code")[counts].sum()


@pytest.fixture(scope="module")
def crosswalk():
    return pd.read_csv(REF / "crosswalk-2025-07-01.csv", dtype=str)


@pytest.fixture(scope="module")
def new_names():
    return pd.read_csv(REF / "communes-2025-07-01.csv", dtype=str).set_index("commune_code")


@pytest.fixture(scope="module")
def former_names():
    """Former commune code -> its name without its type (``Phường Thác Mơ`` -> ``Thác Mơ``)."""
    units = pd.read_csv(REF / "units-2025-03-01.csv", dtype=str)
    pairs = zip(units["commune_name"], units["commune_type"], strict=True)
    bare = [n[len(t) + 1 :] for n, t in pairs]
    return pd.Series(bare, index=units["commune_code"])


def expected(district, review, crosswalk, new_names, former_names) -> pd.DataFrame:
    """The new-commune table of a former district (all of them with ``None``), by hand."""
    links = crosswalk if district is None else crosswalk[crosswalk["old_district_code"] == district]
    codes = sorted(set(links["new_commune_code"]))
    out = review.loc[codes].copy()
    out["commune"] = new_names.loc[codes, "commune_name"].to_numpy()
    mine = crosswalk[crosswalk["new_commune_code"].isin(codes)]
    out["former_communes"] = [
        ", ".join(former_names[mine.loc[mine["new_commune_code"] == c, "old_commune_code"]])
        for c in codes
    ]
    out["split"] = [mine.loc[mine["new_commune_code"] == c, "old_district_code"].nunique() > 1
                    for c in codes]  # fmt: skip
    out["rate"] = 100 * out["poor_end"] / out["total_households"]
    return out


def by_code(data) -> pd.DataFrame:
    return data.communes.set_index("code").sort_index()


def test_bu_dang_new_communes_are_the_files_rows(review, crosswalk, new_names, former_names):
    ctx = context.load("Bù Đăng", 2025, "en")
    data = section_data.new_communes_data(ctx)
    got = by_code(data)
    want = expected(BU_DANG, review, crosswalk, new_names, former_names)
    assert got.index.tolist() == want.index.tolist()
    assert len(got) == 6  # Bù Đăng's 16 former communes became 6 new communes
    assert got["commune"].tolist() == want["commune"].tolist()
    assert got["commune"].str.startswith(("Xã ", "Phường ")).all()
    assert got["former_communes"].tolist() == want["former_communes"].tolist()
    assert got["poor"].tolist() == want["poor_end"].tolist()
    assert got["total"].tolist() == want["total_households"].tolist()
    assert got["near_poor"].tolist() == want["near_poor_end"].tolist()
    assert got["em_poor"].tolist() == want["em_poor_end"].tolist()
    assert got["escaped"].tolist() == want["poor_escaped"].tolist()
    assert got["rate"].to_numpy() == pytest.approx(want["rate"].to_numpy())
    em_rate = 100 * want["em_poor_end"] / want["em_total_households"]
    assert got["em_rate"].to_numpy() == pytest.approx(em_rate.to_numpy())
    assert not got["split"].any()  # every new commune of Bù Đăng lies within it
    assert data.communes["rate"].is_monotonic_decreasing
    # the chart's reference: the former district's rate, from its share of the new communes
    rows = ctx.rows()
    now = rows[rows["year"] == 2025].iloc[0]
    assert data.area_rate == pytest.approx(100 * now["poor_end"] / now["total_households"])


def test_a_commune_on_two_former_districts_is_marked(review, crosswalk, new_names, former_names):
    data = section_data.new_communes_data(context.load("Phước Long", 2025, "vi"))
    got = by_code(data)
    want = expected(PHUOC_LONG, review, crosswalk, new_names, former_names)
    assert got["split"].tolist() == want["split"].tolist() == [False, True]
    split = got[got["split"]].iloc[0]
    assert split["commune"] == "Phường Phước Bình"
    assert split["former_districts"] == "Phước Long, Phú Riềng"
    # the whole new commune's figures, not the share put back onto Phước Long
    assert split["poor"] == review.loc["25220", "poor_end"]
    district = context.load("Phước Long", 2025, "vi").rows()
    own = district[district["year"] == 2025].iloc[0]
    assert own["poor_end"] < got["poor"].sum()


def test_province_lists_all_new_communes(review, crosswalk, new_names, former_names):
    data = section_data.new_communes_data(context.load("province", 2025, "en"))
    got = by_code(data)
    want = expected(None, review, crosswalk, new_names, former_names)
    assert len(got) == 40 and got.index.tolist() == want.index.tolist()
    assert got["poor"].sum() == review["poor_end"].sum()
    assert got["split"].tolist() == want["split"].tolist()
    assert got["split"].sum() == 4


def test_no_former_commune_name_labels_a_2025_figure(displayed, new_names, former_names):
    """Every new commune's code is also a former commune's code: the names must be the new
    ones, in the data and in the table the report shows (and sends to Excel)."""
    ctx = context.load("province", 2025, "vi")
    data = section_data.new_communes_data(ctx)
    assert data.communes["commune"].tolist() == [
        new_names.loc[c, "commune_name"] for c in data.communes["code"]
    ]
    renamed = {c for c in data.communes["code"] if former_names[c] != new_names.loc[c, "bare_name"]}
    assert len(renamed) > 20  # e.g. 25195: former Tân Phú, new Bình Phước
    sections.new_communes(ctx)
    table = next(s[TABLE_MIME] for s in displayed if isinstance(s, dict) and TABLE_MIME in s)
    assert table["name"] == "new_communes" and len(table["rows"]) == 40
    labels = [row[0] for row in table["rows"]]
    for code in renamed:
        assert not any(former_names[code] in name for name in labels), code
    assert sum("(*)" in name for name in labels) == 4


def test_district_section_from_2025_is_by_new_commune(displayed):
    sections.communes(context.load("Phước Long", 2025, "en"))
    html = " ".join(str(s.get("text/html", s)) if isinstance(s, dict) else str(s)
                    for s in displayed)  # fmt: skip
    names = [s[TABLE_MIME]["name"] for s in displayed if isinstance(s, dict) and TABLE_MIME in s]
    assert names == ["new_communes"]
    assert "New communes and wards" in html and "Phú Riềng" in html  # the split note
    assert "Thác Mơ" in html  # a former commune, only in the column of former communes


def test_2024_and_earlier_are_by_former_commune(displayed):
    ctx = context.load("Bù Đăng", 2024, "en")
    assert section_data.new_communes_data(ctx) is None
    sections.new_communes(ctx)  # the province overview's section: nothing before 2025
    assert displayed == []
    sections.communes(ctx)
    names = [s[TABLE_MIME]["name"] for s in displayed if isinstance(s, dict) and TABLE_MIME in s]
    assert names == ["communes"]


@pytest.fixture()
def displayed(monkeypatch):
    """What the sections display (HTML and raw bundles), without a notebook."""
    import IPython.display

    shown: list = []

    def display(*objs, raw=False, **kw):
        for obj in objs:
            shown.append(obj if raw else getattr(obj, "data", obj))

    monkeypatch.setattr(IPython.display, "display", display)
    return shown


# --------------------------------------------------------------------------------------------
# The merger on trend charts
# --------------------------------------------------------------------------------------------
def test_unit_change_years():
    assert unit_change_years(range(2016, 2026)) == [2025]
    assert unit_change_years(range(2016, 2025)) == []
    assert unit_change_years([2025, 2026]) == []  # nothing to cross: all in new units
    assert unit_change_years([]) == []


@pytest.mark.parametrize("lang, text", [("vi", "Sáp nhập 1/7/2025"), ("en", "Merger 1 Jul 2025")])
def test_merger_marked_on_2025_trend_chart_not_on_2024(lang, text):
    svgs = {}
    for year in (2024, 2025):
        ctx = context.load("Bù Đăng", year, lang)
        fig = charts.trend_chart(section_data.trends_data(ctx), lang, ctx.source, True)
        svgs[year] = (charts.figure_to_svg(fig), fig.alt_text)
    svg, alt = svgs[2025]
    assert f'id="{UNIT_CHANGE_ID}' in svg and text in svg and "2025" in alt
    svg, alt = svgs[2024]
    assert UNIT_CHANGE_ID not in svg and text not in svg
    assert "Decree 07" in svg or "NĐ 07" in svg  # the standard's break is drawn in both


def test_fan_chart_marks_observed_years_only():
    hist = pd.DataFrame({"year": range(2022, 2025), "value": [1.0, 0.8, 0.6]})
    proj = pd.DataFrame({"year": range(2025, 2031), "mean": 0.5, "lo80": 0.4, "hi80": 0.6,
                         "lo95": 0.3, "hi95": 0.7})  # fmt: skip
    plain = charts.figure_to_svg(charts.fan_chart(hist, proj, lang="en"))
    assert UNIT_CHANGE_ID not in plain  # a projection does not cross the merger
    hist = pd.DataFrame({"year": range(2022, 2026), "value": [1.0, 0.8, 0.6, 0.5]})
    marked = charts.figure_to_svg(charts.fan_chart(hist, proj[proj["year"] > 2025], lang="en"))
    assert UNIT_CHANGE_ID in marked


# --------------------------------------------------------------------------------------------
# The 2025 district report in Vietnamese (the English one: tests/test_every_year.py)
# --------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_2025_district_report_in_vietnamese(tmp_path, review, crosswalk):
    import os
    import subprocess
    import sys

    import openpyxl

    env = dict(os.environ, BPWB_REPORTS=str(tmp_path))
    cmd = [sys.executable, "-m", "analysis", "report", "--areas", "Bù Đăng", "--year", "2025",
           "--lang", "vi", "--formats", "html,xlsx", "--force"]  # fmt: skip
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    page = (tmp_path / "2025/vi/bu-dang.html").read_text(encoding="utf-8")
    assert "Các xã, phường mới (từ ngày 01/7/2025)" in page and "Sáp nhập 1/7/2025" in page
    sheet = openpyxl.load_workbook(tmp_path / "2025/vi/bu-dang.xlsx")["Các xã, phường mới"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r and r[0] == "Xã"))
    body = [r for r in rows[header + 1 :] if r and r[0]]
    mine = set(crosswalk.loc[crosswalk["old_district_code"] == "696", "new_commune_code"])
    assert len(body) == len(mine) == 6
    poor = rows[header].index("Hộ nghèo")
    assert sum(r[poor] for r in body) == review.loc[sorted(mine), "poor_end"].sum()
    assert {r[0].removesuffix(" (ĐBKK)") for r in body} == {
        n for n in pd.read_csv(REF / "communes-2025-07-01.csv", dtype=str)
        .set_index("commune_code").loc[sorted(mine), "commune_name"]
    }  # fmt: skip
