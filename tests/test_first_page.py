"""Tests for analysis.report.first_page: the data of the first page (on tiny hand-made cases and
against the definitions) and what it displays. The printed page itself: test_pdf_layout.py."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis.core.i18n import label, status_name
from analysis.report import context, first_page, sections
from analysis.report.context import status_table


@pytest.fixture()
def displayed(monkeypatch):
    """The HTML the functions display, without a notebook."""
    import IPython.display

    shown: list[str] = []

    def display(*objs, raw=False, **kw):
        shown.extend(getattr(o, "data", o) for o in objs)

    monkeypatch.setattr(IPython.display, "display", display)
    return shown


# -- small pieces, by hand ----------------------------------------------------------------------
def test_first_sentence_keeps_decimals_and_parentheses():
    text = "Giảm 1.407 hộ (huyện cũ), còn 0,72%. Mục tiêu được đặt trước kỳ rà soát."
    assert first_page.first_sentence(text) == "Giảm 1.407 hộ (huyện cũ), còn 0,72%."
    assert first_page.first_sentence("0.12 in 2025. Then 3.5 more.") == "0.12 in 2025."
    assert first_page.first_sentence("No full stop") == "No full stop"


def test_one_line_drops_trailing_clauses_outside_parentheses():
    long = "From 3 (2021) to 3 (2024); projected 2030: 3 (80% range; 3–3) against 0; p <1%."
    assert first_page.one_line(long, limit=200) == long
    # over the limit: the last clause goes first, never a break inside the parentheses
    assert first_page.one_line(long, limit=75) == (
        "From 3 (2021) to 3 (2024); projected 2030: 3 (80% range; 3–3) against 0."
    )
    assert first_page.one_line(long, limit=70) == "From 3 (2021) to 3 (2024)."
    assert first_page.one_line("A sentence with no clause: at all.", limit=5) == (
        "A sentence with no clause: at all."
    )


def test_verdict_rows_on_a_tiny_status_table():
    status = pd.DataFrame(
        {
            "target_id": ["T1", "T1-2022", "T6", "T7", "T7"],
            "indicator": [
                "poor_reduction_households",
                "poor_reduction_households",
                "especially_difficult_communes",
                "repoverty_households",
                "new_poverty_households",
            ],  # fmt: skip
            "first_year": [2021, 2022, 2021, 2022, 2022],
            "target_year": [2025, 2022, 2030, 2025, 2025],
            "status": ["not achieved", "achieved", "off track", "achieved", "achieved"],
            "reason_vi": ["Thiếu 726. Câu hai.", "Đạt.", "Chậm.", "Thấp.", "Thấp."],
            "reason_en": ["726 short. Second.", "Met.", "Slow.", "Low.", "Low."],
        }
    )
    rows = first_page.verdict_rows(status, 2025, "en")
    assert rows["target_id"].tolist() == ["T1", "T1-2022", "T6", "T7", "T7"]
    assert rows["final"].tolist() == [True, True, False, True, True]  # T6 is due in 2030
    assert rows["reason"].tolist() == ["726 short.", "Met.", "Slow.", "Low.", "Low."]
    assert rows["target"][1] == label("target_short.plan.T1", "en", year="2022")
    assert rows["target"][0] == label("target_short.T1", "en")
    assert first_page.verdict_rows(status, 2024, "vi")["final"].tolist() == [
        False, True, False, False, False,
    ]  # fmt: skip


def test_every_short_status_and_target_name_exists_in_both_languages():
    codes = ["achieved", "not achieved", "on track", "needs acceleration", "off track",
             "regressing", "unattainable", "not applicable", "too little data"]  # fmt: skip
    for lang in ("vi", "en"):
        for code in codes:
            assert label(f"status_short.{code.replace(' ', '_')}", lang)
        for t in ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "N1", "N2", "N3", "N4"]:
            assert first_page.target_name(t, lang, short=True)
            assert first_page.target_name(t, lang) == label(f"target.{t}", lang)


# -- against the data ---------------------------------------------------------------------------
def test_key_figures_are_the_differences_of_two_reviews():
    ctx = context.load("Bù Đăng", 2024, "vi")
    figures, prev = first_page.key_figures(ctx)
    assert prev == 2023
    s = ctx.summary
    rows = s[(s["area_code"] == ctx.area_code) & (s["zone"] == "all")].set_index("year")
    now, before = rows.loc[2024], rows.loc[2023]
    got = figures.set_index("figure")
    assert got.loc["poor", "households"] == now["poor_end"]
    assert got.loc["poor", "change_households"] == now["poor_end"] - before["poor_end"]
    assert got.loc["near_poor", "change_households"] == (
        now["near_poor_end"] - before["near_poor_end"]
    )
    assert got.loc["em_poor", "change_households"] == now["em_poor_end"] - before["em_poor_end"]
    rate = 100 * now["poor_end"] / now["total_households"]
    rate_before = 100 * before["poor_end"] / before["total_households"]
    assert got.loc["poor", "percent"] == pytest.approx(rate)
    assert got.loc["poor", "change_points"] == pytest.approx(rate - rate_before)
    em_rate = 100 * now["em_poor_end"] / now["em_total_households"]
    em_before = 100 * before["em_poor_end"] / before["em_total_households"]
    assert got.loc["em_poor", "change_points"] == pytest.approx(em_rate - em_before)
    assert np.isnan(got.loc["year_target", "change_households"])


def test_no_change_across_a_change_of_standard():
    ctx = context.load("Bù Đăng", 2022, "vi")  # 2022: first review under Decree 07/2021
    figures, prev = first_page.key_figures(ctx)
    assert prev is None
    assert figures["change_households"].isna().all()


def test_first_page_data_2025_final_verdicts_and_2030_outlook():
    ctx = context.load("Bù Đăng", 2025, "vi")
    data = sections.first_page_data(ctx)
    status = status_table(ctx, [ctx.area_code])
    assert data.verdicts["target_id"].tolist() == status["target_id"].tolist()
    assert data.verdicts["status"].tolist() == status["status"].tolist()
    due = data.verdicts[data.verdicts["final"]]
    assert (due["target_year"] <= 2025).all() and "T1" in set(due["target_id"])
    assert set(data.verdicts.loc[~data.verdicts["final"], "target_year"]) == {2030}
    assert len(data.sentences) == 3
    assert "2030" in data.sentences[2]
    assert data.trend["year"].min() == 2021 and data.trend["year"].max() == 2025
    assert data.matrix is None


def test_verdict_matrix_holds_each_areas_verdicts():
    ctx = context.load("province", 2024, "en")
    m = first_page.verdict_matrix_data(ctx)
    codes = list(ctx.geography.district_codes())
    assert len(m) == 1 + len(codes) and m["area"].iloc[0] == label("area.province", "en")
    status = status_table(ctx, ["province", *codes])
    for col in m.columns[1:]:
        target, _, indicator = col.partition(":")
        for area, row in zip(["province", *codes], m.itertuples(index=False), strict=True):
            s = status[(status["area_code"] == area) & (status["target_id"] == target)]
            if indicator:
                s = s[s["indicator"] == indicator]
            cell = getattr(row, col) if col.isidentifier() else row[m.columns.get_loc(col)]
            assert cell == (s["status"].iloc[0] if len(s) else None), (area, col)
    assert "T1-2022" not in m.columns  # annual plans are the districts' own pages


# -- what is displayed --------------------------------------------------------------------------
@pytest.mark.parametrize("year", [2024, 2025])
def test_first_page_shows_every_verdict(displayed, year):
    ctx = context.load("Bù Đăng", year, "en")
    assert sections.first_page(ctx) is None
    (page,) = [s for s in displayed if isinstance(s, str) and "first-page" in s]
    page = page[page.index('<section class="first-page">') :]  # after any <style> block
    assert page.endswith("</section>")
    assert not re.search(r"<h[1-6]\b", page)  # no heading: not in the table of contents
    assert label("report.synthetic_banner", "en") in page
    status = status_table(ctx, [ctx.area_code])
    for target_id, code in zip(status["target_id"], status["status"], strict=True):
        assert f'<td class="fp-code">{target_id}</td>' in page
        assert status_name(code, "en") in page
    assert page.count("<svg") == 1 and page.count("<p>") == 3


def test_province_first_page_is_the_matrix(displayed):
    ctx = context.load("province", 2025, "vi")
    sections.first_page(ctx)
    (page,) = [s for s in displayed if isinstance(s, str) and "first-page" in s]
    assert 'class="fp-matrix"' in page and "<svg" not in page
    for name in ctx.geography.districts["bare_name"]:
        assert f"<td>{name}</td>" in page
