"""The row-wise validation rules: names unique (they are pandera check names), columns known."""

from __future__ import annotations

import pandas as pd

from analysis.intake.headers import column_headers
from analysis.intake.rules import household_rules, level_rules, standard_indicators, summary_rules
from analysis.reference.geography import load_geography


def test_rule_names_are_unique_and_columns_known():
    summary = summary_rules() + level_rules(load_geography())
    household = household_rules()
    for rules, table in ((summary, "summary"), (household, "household")):
        names = [r.name for r in rules]
        assert len(names) == len(set(names)), table
        assert {r.column for r in rules} <= set(column_headers(table)["column"]), table


def test_flow_rule_shows_the_sum():
    (rule,) = [r for r in summary_rules() if r.name == "flow:poor"]
    frame = pd.DataFrame(
        [
            {
                "poor_start": 1210,
                "poor_escaped": 300,
                "poor_repoverty": 5,
                "poor_new": 40,
                "poor_other": -5,
                "poor_end": 951,
            }
        ]
    )
    assert not rule.passes(frame).iloc[0]
    message = rule.message(frame.iloc[0])
    # 1210 - 300 + 5 + 40 + (-5) = 950, one less than the 951 written
    assert message.startswith(
        "end of year is 951 but start 1,210 − escaped 300 + re-poverty 5 + new 40 − other 5 "
        "= 950 (difference +1)"
    )
    assert message.text("vi").startswith(
        "số cuối năm là 951 nhưng đầu năm 1.210 − thoát nghèo 300 + tái nghèo 5 + phát sinh mới "
        "40 − biến động khác 5 = 950 (chênh lệch +1)"
    )
    assert message.text("vi").endswith(
        "ghi phần chênh lệch vào 'Biến động khác (hộ nghèo)' (poor_other)"
    )


def test_standard_indicators_cover_every_review_year():
    years = standard_indicators()
    assert {2016, 2021, 2022, 2026} <= set(years)
    assert "nutrition" not in years[2020] and "nutrition" in years[2023]
