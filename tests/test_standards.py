"""Tests for analysis.reference.standards: standards as data and the household classifier."""

import pandas as pd
import pytest

from analysis.reference.standards import (
    StandardError,
    all_indicators,
    classify,
    load_standards,
    standard_for_year,
    standard_segments,
)

ND07 = [
    "employment",
    "dependants",
    "nutrition",
    "health_insurance",
    "adult_education",
    "child_school",
    "housing_quality",
    "floor_area",
    "drinking_water",
    "latrine",
    "telecom",
    "info_access",
]


def households(rows, indicators):
    """rows: (zone, income, number of deprived indicators)."""
    frame = pd.DataFrame({"zone": [r[0] for r in rows], "income_pc": [r[1] for r in rows]})
    for j, ind in enumerate(indicators):
        frame[f"d_{ind}"] = [j < r[2] for r in rows]
    return frame


@pytest.mark.parametrize(
    ("year", "code"),
    [
        (2016, "QD59_2015"),
        (2021, "QD59_2015"),
        (2022, "ND07_2021"),
        (2026, "ND07_2021"),
        (2027, "ND351_2025"),
        (2030, "ND351_2025"),
    ],
)
def test_standard_for_year(year, code):
    assert standard_for_year(year).code == code


@pytest.mark.parametrize("year", [2015, 2031])
def test_year_outside_every_standard(year):
    with pytest.raises(
        StandardError, match=f"review year {year} is outside every poverty standard"
    ):
        standard_for_year(year)


def test_standards_do_not_overlap_and_have_their_indicators():
    stds = load_standards()
    for a, b in zip(stds, stds[1:], strict=False):
        assert a.last_year + 1 == b.first_year
    nd07 = standard_for_year(2023)
    assert list(nd07.indicators) == ND07
    assert len(set(nd07.dimensions.values())) == 6
    nd351 = standard_for_year(2028)
    assert "info_access" not in nd351.indicators
    assert {"digital_services", "waste"} <= set(nd351.indicators)
    assert len(standard_for_year(2018).indicators) == 10
    # 10 (QĐ 59) + employment, dependants, nutrition, info_access (NĐ 07) + 2 (NĐ 351)
    assert len(all_indicators()) == 16


def test_lines_from_brief():
    assert standard_for_year(2018).income_line == {"rural": 700_000, "urban": 900_000}
    assert standard_for_year(2018).upper_line == {"rural": 1_000_000, "urban": 1_300_000}
    assert standard_for_year(2023).income_line == {"rural": 1_500_000, "urban": 2_000_000}
    assert standard_for_year(2023).score_a_line == {"rural": 140, "urban": 175}
    assert standard_for_year(2028).income_line == {"rural": 2_200_000, "urban": 2_800_000}


def test_classify_nd07_by_income():
    # NĐ 07: poor = income <= line and >= 3 deprivations; near-poor = income <= line and < 3.
    rows = [
        ("rural", 1_500_000, 3),  # at the line, 3 deprivations -> poor
        ("rural", 1_500_000, 2),  # at the line, 2 -> near-poor
        ("rural", 1_500_001, 12),  # above the line -> not poor whatever the deprivations
        ("urban", 1_900_000, 4),  # urban line 2,000,000 -> poor
        ("urban", 2_000_000, 0),  # at urban line, none -> near-poor
        ("urban", 2_100_000, 5),  # above -> not poor
    ]
    got = classify(households(rows, ND07), 2023).tolist()
    assert got == ["poor", "near_poor", "not_poor", "poor", "near_poor", "not_poor"]


def test_classify_nd07_by_scores():
    # Score A at or below 140 (rural) / 175 (urban); score B >= 30 -> poor.
    frame = pd.DataFrame(
        {
            "zone": ["rural", "rural", "urban", "urban"],
            "score_a": [140, 120, 176, 175],
            "score_b": [30, 20, 50, 40],
        }
    )
    assert classify(frame, 2024).tolist() == ["poor", "near_poor", "not_poor", "poor"]


def test_classify_qd59_upper_line_rule():
    qd59 = list(standard_for_year(2018).indicators)
    rows = [
        ("rural", 700_000, 0),  # at the income line -> poor whatever the deprivations
        ("rural", 900_000, 3),  # between 700k and 1m with 3 deprivations -> poor
        ("rural", 900_000, 2),  # between with 2 -> near-poor
        ("rural", 1_000_001, 9),  # above the upper line -> not poor
        ("urban", 1_300_000, 1),  # urban upper line 1.3m, 1 deprivation -> near-poor
        ("urban", 850_000, 0),  # below urban line 900k -> poor
    ]
    got = classify(households(rows, qd59), 2018).tolist()
    assert got == ["poor", "poor", "near_poor", "not_poor", "near_poor", "poor"]


def test_reclassify_under_another_standard():
    # The same 2021 household classified under NĐ 07 (the 2022 basis).
    frame = households([("rural", 1_200_000, 4)], ND07 + ["health_access", "info_assets"])
    assert classify(frame, 2021).tolist() == ["not_poor"]
    assert classify(frame, standard=standard_for_year(2022)).tolist() == ["poor"]


def test_classify_errors():
    frame = pd.DataFrame({"zone": ["rural"], "income_pc": [1]})
    with pytest.raises(StandardError, match="missing: d_employment"):
        classify(frame, 2023)
    bad_zone = households([("town", 1, 0)], ND07)
    with pytest.raises(StandardError, match="zone must be 'urban' or 'rural'"):
        classify(bad_zone, 2023)


def test_standard_segments():
    assert standard_segments([2019, 2020, 2021, 2022, 2023, 2027]) == [
        ("QD59_2015", [2019, 2020, 2021]),
        ("ND07_2021", [2022, 2023]),
        ("ND351_2025", [2027]),
    ]
