"""Narrative sentences: numbers taken from the facts, written each language's way."""

from __future__ import annotations

import pytest

from analysis.report import narrative as nar

BASE = {
    "area_name": "Bù Đăng",
    "year": 2024,
    "poor": 2879,
    "rate": 1.03,
    "prev_year": 2023,
    "prev_poor": 2999,
    "prev_rate": 1.33,
}


def test_headline_vi_matches_house_style():
    text = nar.headline_paragraph(BASE, "vi")
    assert text.startswith(
        "Năm 2024, Bù Đăng còn 2.879 hộ nghèo, chiếm 1,03% tổng số hộ, giảm 120 hộ so với năm 2023."
    )
    assert "Tỷ lệ hộ nghèo giảm 0,30 điểm phần trăm, từ 1,33% xuống 1,03%." in text


def test_headline_en_numbers():
    text = nar.headline_paragraph(BASE, "en")
    assert text.startswith(
        "In 2024, Bù Đăng had 2,879 poor households, 1.03% of all households, "
        "120 fewer than in 2023."
    )
    assert "fell by 0.30 percentage points, from 1.33% to 1.03%" in text


def test_headline_increase_and_unchanged():
    up = dict(BASE, poor=3100, rate=1.40)
    assert "tăng 101 hộ so với năm 2023" in nar.headline_paragraph(up, "vi")
    assert "Tỷ lệ hộ nghèo tăng 0,07 điểm phần trăm" in nar.headline_paragraph(up, "vi")
    assert "101 more than in 2023" in nar.headline_paragraph(up, "en")
    assert "rose by 0.07 percentage points" in nar.headline_paragraph(up, "en")
    same = dict(BASE, poor=2999, rate=1.33)
    assert "không thay đổi so với năm 2023" in nar.headline_paragraph(same, "vi")
    assert "Tỷ lệ hộ nghèo không đổi ở mức 1,33%." in nar.headline_paragraph(same, "vi")
    assert "unchanged from 2023" in nar.headline_paragraph(same, "en")
    assert "was unchanged at 1.33%" in nar.headline_paragraph(same, "en")


def test_headline_not_comparable_across_standards():
    facts = dict(BASE, year=2022, prev_year=2021)  # comparable flag looked up from the years
    vi = nar.headline_paragraph(facts, "vi")
    assert "không so sánh trực tiếp được với năm 2021" in vi
    assert "Nghị định 07/2021/NĐ-CP" in vi
    assert "giảm" not in vi and "tăng" not in vi
    en = nar.headline_paragraph(facts, "en")
    assert "cannot be compared directly with 2021" in en
    assert "fewer" not in en and "fell" not in en
    # an explicit flag wins
    assert "không so sánh" in nar.headline_paragraph(dict(BASE, comparable=False), "vi")


def test_headline_optional_sentences():
    facts = dict(
        BASE,
        near_poor=1,
        near_rate=0.5,
        target=2500,
        achieved=1800,
        base_year=2021,
        target_period="2021–2025",
        status="needs_acceleration",
    )
    vi = nar.headline_paragraph(facts, "vi")
    assert "Ngoài ra còn 1 hộ cận nghèo, chiếm 0,50% tổng số hộ." in vi
    assert "đã giảm 1.800 hộ, đạt 72,0% mục tiêu giảm 2.500 hộ giai đoạn 2021–2025" in vi
    assert "Đánh giá tiến độ: Cần tăng tốc." in vi
    en = nar.headline_paragraph(facts, "en")
    assert "There were also 1 near-poor household," in en
    assert "fallen by 1,800, 72.0% of the target reduction of 2,500" in en
    assert "Needs acceleration" in en
    neg = nar.headline_paragraph(dict(facts, achieved=-40), "vi")
    assert "số hộ nghèo tăng 40 hộ, chưa đóng góp" in neg


def test_headline_requires_core_facts():
    with pytest.raises(ValueError, match="poor"):
        nar.headline_paragraph({"area_name": "X", "year": 2024, "rate": 1.0})


def test_plural_wording_in_english():
    text = nar.headline_paragraph({"area_name": "A", "year": 2024, "poor": 1, "rate": 0.1}, "en")
    assert "had 1 poor household," in text
    text = nar.flows_paragraph(
        {"area_name": "A", "year": 2024, "escaped": 1, "repoverty": 0, "new": 2}, "en"
    )
    assert "1 household in A escaped" in text
    assert "0 households fell back" in text and "2 households became poor" in text


FLOWS = {
    "area_name": "Bù Đăng",
    "year": 2024,
    "start": 3300,
    "escaped": 620,
    "repoverty": 45,
    "new": 160,
    "other": -6,
    "end": 2879,
}


def test_flows_paragraph():
    vi = nar.flows_paragraph(FLOWS, "vi")
    assert "620 hộ thoát nghèo, 45 hộ tái nghèo và 160 hộ nghèo phát sinh mới" in vi
    assert "số hộ nghèo giảm 421 hộ, từ 3.300 xuống 2.879 hộ" in vi
    assert "Cứ 100 hộ thoát nghèo thì có 33 hộ" in vi  # (45 + 160) / 620 = 33.06
    assert "-6 hộ" in vi
    en = nar.flows_paragraph(FLOWS, "en")
    assert "poor households fell by 421, from 3,300 to 2,879" in en
    rising = dict(FLOWS, escaped=100, end=3399)
    assert "tăng 99 hộ, từ 3.300 lên 3.399 hộ" in nar.flows_paragraph(rising, "vi")
    flat = dict(FLOWS, escaped=199, end=3300)
    assert "không thay đổi (3.300 hộ)" in nar.flows_paragraph(flat, "vi")
    none = dict(FLOWS, escaped=0)
    assert "không có hộ nào thoát nghèo" in nar.flows_paragraph(none, "vi")


ETHNIC = {
    "area_name": "Bù Đăng",
    "year": 2024,
    "prev_year": 2023,
    "em_rate": 6.0,
    "non_em_rate": 0.8,
    "prev_gap": 6.5,
    "em_poor": 1234,
    "em_share_of_poor": 42.86,
}


def test_ethnic_paragraph():
    vi = nar.ethnic_paragraph(ETHNIC, "vi")
    assert "tỷ lệ hộ nghèo dân tộc thiểu số ở Bù Đăng là 6,00%, so với 0,80%" in vi
    assert "chênh lệch 5,20 điểm phần trăm" in vi
    assert "chiếm 42,9% số hộ nghèo (1.234 hộ)" in vi
    assert "Khoảng cách thu hẹp 1,30 điểm phần trăm so với năm 2023." in vi
    en = nar.ethnic_paragraph(ETHNIC, "en")
    assert "a gap of 5.20 percentage points" in en and "(1,234 households)" in en
    assert "narrowed by 1.30" in en
    wider = nar.ethnic_paragraph(dict(ETHNIC, prev_gap=4.0), "en")
    assert "widened by 1.20 percentage points" in wider
    same = nar.ethnic_paragraph(dict(ETHNIC, prev_gap=5.2), "vi")
    assert "Khoảng cách không đổi" in same
    nc = nar.ethnic_paragraph(dict(ETHNIC, year=2022, prev_year=2021), "vi")
    assert "hai chuẩn nghèo khác nhau" in nc and "thu hẹp" not in nc
    none = nar.ethnic_paragraph({"area_name": "Đồng Xoài", "year": 2024, "em_rate": None}, "vi")
    assert "không có đủ hộ dân tộc thiểu số" in none


def test_ethnic_reduction_against_target():
    facts = dict(ETHNIC, em_reduction=1100, em_target=1000)
    assert "giảm 1.100 hộ (mục tiêu: giảm 1.000 hộ mỗi năm)" in nar.ethnic_paragraph(facts, "vi")
    facts = dict(ETHNIC, em_reduction=-12, em_target=1000)
    assert "rose by 12 during the year" in nar.ethnic_paragraph(facts, "en")


def test_deprivation_paragraph():
    facts = {
        "area_name": "Bù Đăng",
        "year": 2024,
        "standard": "ND07_2021",
        "top": [
            {"indicator": "health_insurance", "share": 45.26, "share_province": 30.1},
            {"indicator": "latrine", "share": 30.0},
            {"indicator": "employment", "share": 12.0},
        ],
        "top_dimension": "health",
        "top_dimension_share": 35.5,
    }
    vi = nar.deprivation_paragraph(facts, "vi")
    assert "bảo hiểm y tế (45,3%), nhà tiêu hợp vệ sinh (30,0%) và việc làm (12,0%)" in vi
    assert "cao hơn mức chung toàn tỉnh (30,1%)" in vi
    assert "Chiều y tế đóng góp nhiều nhất vào tổng thiếu hụt (35,5%)." in vi
    en = nar.deprivation_paragraph(facts, "en")
    assert "health insurance (45.3%), hygienic latrine (30.0%) and employment (12.0%)" in en
    assert "higher than in the province" in en
    one = dict(facts, top=[{"indicator": "Việc làm", "share": 5, "share_province": 9}])
    text = nar.deprivation_paragraph(one, "en")
    assert "deprivation among" in text and "was Việc làm (5.0%)" in text and "lower" in text
    assert "không có số liệu" in nar.deprivation_paragraph(dict(facts, top=[]), "vi").lower()


def test_ranking_paragraph():
    facts = {
        "area_name": "Bù Đăng",
        "year": 2024,
        "rate": 1.03,
        "rank": 3,
        "n": 11,
        "province_rate": 1.5,
        "min_rate": 0.3,
        "min_area": "Đồng Xoài",
        "max_rate": 4.2,
        "max_area": "Bù Gia Mập",
    }
    vi = nar.ranking_paragraph(facts, "vi")
    assert "(1,03%) đứng thứ 3/11" in vi
    assert "thấp hơn mức chung của tỉnh (1,50%) 0,47 điểm phần trăm" in vi
    assert "từ 0,30% (Đồng Xoài) đến 4,20% (Bù Gia Mập)" in vi
    en = nar.ranking_paragraph(facts, "en")
    assert "was the 3rd highest of 11 districts" in en
    assert "0.47 percentage points below" in en
    assert "cao nhất" in nar.ranking_paragraph(dict(facts, rank=1), "vi")
    assert "lowest" in nar.ranking_paragraph(dict(facts, rank=11), "en")
    assert "above" in nar.ranking_paragraph(dict(facts, rate=2.0), "en")
    assert "equals" in nar.ranking_paragraph(dict(facts, rate=1.5), "en")


def test_ordinals():
    assert [nar.ordinal(i) for i in (1, 2, 3, 4, 11, 12, 13, 21, 22)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
    ]
    assert nar.ordinal(3, "vi") == "3"


def test_missing_template_key():
    with pytest.raises(KeyError, match="nope"):
        nar.sentence("nope", "vi")
