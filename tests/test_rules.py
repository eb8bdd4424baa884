"""The row-wise validation rules: names unique (they are pandera check names), columns known."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

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


# -- the columns each rule reads (a row with an unreadable cell there is not checked) -------------
def random_table(seed: int, columns: list[str], geo) -> pd.DataFrame:
    """Rows of random values, some empty, for every column the rules may read."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = 6
    codes = list(geo.district_codes()) + list(geo.communes["commune_code"][:5])
    choices = {
        "year": [2016, 2020, 2022, 2025, None],
        "area_code": codes,
        "commune_code": codes,
        "area_level": ["district", "commune", None],
        "especially_difficult": [True, False, None],
        "credit_need": [True, False, None],
        "credit_received": [True, False, None],
        "unit_system": [None, "former-communes", "communes-2025", "other"],
    }
    data = {}
    for col in columns:
        if col in choices:
            values = choices[col]
            data[col] = [values[k] for k in rng.integers(0, len(values), n)]
        else:
            numbers = rng.integers(-5, 60, n).astype(float)
            numbers[rng.random(n) < 0.25] = np.nan
            data[col] = numbers
    return pd.DataFrame(data)


@settings(max_examples=25, deadline=None, database=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_a_rule_reads_only_its_inputs(seed, other_seed):
    # redrawing every column outside a rule's inputs never changes which rows pass
    from analysis.intake.rules import unit_system_rules

    geo = load_geography()
    tables = {
        "summary": summary_rules() + level_rules(geo) + unit_system_rules(geo, "area_code"),
        "household": household_rules() + unit_system_rules(geo, "commune_code"),
    }
    for table, rules in tables.items():
        columns = [*column_headers(table)["column"], "unit_system"]
        frame = random_table(seed, columns, geo)
        redrawn = random_table(other_seed, columns, geo)
        for rule in rules:
            assert set(rule.reads) <= set(columns), rule.name
            assert rule.column in rule.reads, rule.name
            mixed = redrawn.copy()
            mixed[list(rule.reads)] = frame[list(rule.reads)]
            before = rule.passes(frame).fillna(True).astype(bool)
            after = rule.passes(mixed).fillna(True).astype(bool)
            pd.testing.assert_series_equal(before, after, check_names=False, obj=rule.name)
