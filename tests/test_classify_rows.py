"""Per-row classification (issue 13, item 4): each household by its own income and deprivation
flags or its scores A and B, the method per row, mixed tables, refusals and zone spellings.

Expectations by hand under Decree 07/2021 (review 2023): rural income line 1,500,000 VND and
score-A line 140; urban 2,000,000 and 175; poor = at or below the line and 3+ deprivations
(score B >= 30), near-poor = at or below the line with fewer.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest

from analysis.reference.standards import (
    StandardError,
    classify,
    classify_rows,
    normalise_zone,
    standard_for_year,
)

NAN = np.nan
ND07 = list(standard_for_year(2023).indicators)


def flags(n: int | None) -> dict:
    """The first ``n`` Decree 07 indicators deprived; ``None``: every flag missing."""
    if n is None:
        return {f"d_{i}": None for i in ND07}
    return {f"d_{i}": j < n for j, i in enumerate(ND07)}


def table(rows: list[dict], ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, index=pd.Index(ids, name="household_id"))


def test_issue_example_missing_income_elsewhere_does_not_switch_the_table():
    # h1: rural, income 1.2M (<= 1.5M), A = 200, B = 30. h2 has no income, so the old
    # whole-table rule scored every row and h1 (A 200 > 140) came out not poor.
    frame = table(
        [
            dict(zone="rural", income_pc=1_200_000, score_a=200, score_b=30),
            dict(zone="rural", income_pc=NAN, score_a=130, score_b=20),
        ],
        ["h1", "h2"],
    )
    got = classify_rows(frame, 2023)
    # h1: by income 1.2M <= 1.5M; no flags, so B 30 -> 3 deprivations -> poor
    # h2: by scores A 130 <= 140, B 20 -> 2 -> near-poor
    assert got["klass"].tolist() == ["poor", "near_poor"]
    assert got["method"].tolist() == ["income", "scores"]
    assert got["deprivations"].tolist() == [3, 2]
    assert got["deprivations_from"].tolist() == ["score_b", "score_b"]
    assert list(got.index) == ["h1", "h2"]
    # the same household with its 3 deprivation flags: income and flags
    with_flags = frame.assign(**{k: [v, None] for k, v in flags(3).items()})
    got = classify_rows(with_flags, 2023)
    assert got["klass"].tolist() == ["poor", "near_poor"]
    assert got["deprivations_from"].tolist() == ["flags", "score_b"]
    assert classify(with_flags, 2023).tolist() == ["poor", "near_poor"]


def test_mixed_table_income_rows_and_score_rows():
    rows = [
        dict(zone="rural", income_pc=1_400_000, **flags(3)),  # <= 1.5M, 3 -> poor
        dict(zone="urban", income_pc=2_100_000, **flags(5)),  # > 2.0M -> not poor
        dict(zone="rural", income_pc=1_500_000, **flags(2)),  # at the line, 2 -> near-poor
        dict(zone="rural", score_a=140, score_b=30, **flags(None)),  # at 140, B 30 -> poor
        dict(zone="urban", score_a=175, score_b=20, **flags(None)),  # at 175, B 20 -> near-poor
        dict(zone="urban", score_a=176, score_b=40, **flags(None)),  # > 175 -> not poor
        dict(zone="urban", income_pc=0, **flags(12)),  # income 0 is an income -> poor
    ]
    frame = table(rows, [f"h{n}" for n in range(1, 8)])
    got = classify_rows(frame, 2023)
    assert got["klass"].tolist() == [
        "poor",
        "not_poor",
        "near_poor",
        "poor",
        "near_poor",
        "not_poor",
        "poor",
    ]
    assert got["method"].tolist() == ["income"] * 3 + ["scores"] * 3 + ["income"]
    assert got["deprivations"].tolist() == [3, 5, 2, 3, 2, 4, 12]
    assert got["deprivations_from"].tolist() == ["flags"] * 3 + ["score_b"] * 3 + ["flags"]
    assert list(got["klass"].cat.categories) == ["poor", "near_poor", "not_poor"]
    assert list(got["method"].cat.categories) == ["income", "scores"]
    # classify gives the same classes, as the categorical Series it always returned
    klass = classify(frame, 2023)
    assert klass.name == "klass" and list(klass.index) == list(frame.index)
    assert klass.tolist() == got["klass"].tolist()


def test_precedence_when_a_row_has_both():
    rows = [
        # income 1.6M > 1.5M wins over A 100 <= 140: income and flags -> not poor
        dict(zone="rural", income_pc=1_600_000, score_a=100, score_b=40, **flags(4)),
        # income 1.4M with flags (2) and B 40: income rows count their flags -> near-poor
        dict(zone="rural", income_pc=1_400_000, score_a=200, score_b=40, **flags(2)),
        # no income: score A 130 and score B 20 win over the 3 flags -> near-poor
        dict(zone="rural", income_pc=NAN, score_a=130, score_b=20, **flags(3)),
        # no income, no score B: score A 130 with its 3 flags (household-list form) -> poor
        dict(zone="rural", income_pc=NAN, score_a=130, score_b=NAN, **flags(3)),
    ]
    got = classify_rows(table(rows, ["a", "b", "c", "d"]), 2023)
    assert got["klass"].tolist() == ["not_poor", "near_poor", "near_poor", "poor"]
    assert got["method"].tolist() == ["income", "income", "scores", "scores"]
    assert got["deprivations"].tolist() == [4, 2, 2, 3]
    assert got["deprivations_from"].tolist() == ["flags", "flags", "score_b", "flags"]


def test_missing_flags_in_a_row_count_as_not_deprived():
    row = flags(3) | {"d_latrine": None, "d_telecom": None}  # 3 deprived, 2 missing, 7 False
    got = classify_rows(table([dict(zone="rural", income_pc=1_000_000, **row)], ["h"]), 2023)
    assert got["klass"].tolist() == ["poor"]
    assert got["deprivations"].tolist() == [3]


def test_refuses_rows_with_neither_and_names_them():
    rows = [
        dict(zone="rural", income_pc=1_000_000, score_a=NAN, score_b=NAN, **flags(3)),  # ok
        dict(zone="rural", income_pc=NAN, score_a=NAN, score_b=30, **flags(None)),  # no line
        dict(zone="urban", income_pc=NAN, score_a=150, score_b=NAN, **flags(None)),  # no dep
        dict(zone="urban", income_pc=1_000_000, score_a=NAN, score_b=NAN, **flags(None)),
    ]
    frame = table(rows, ["h1", "h2", "h3", "h4"])
    with pytest.raises(StandardError) as err:
        classify(frame, 2023)
    msg = str(err.value)
    assert "3 households cannot be classified" in msg
    assert "row 'h2' has neither 'income_pc' nor 'score_a'" in msg
    assert "rows 'h3', 'h4' have neither deprivation flags 'd_<indicator>' nor 'score_b'" in msg
    assert "'h1'" not in msg
    # without the flag columns at all, the message names the missing columns
    bare = pd.DataFrame({"zone": ["rural", "urban"], "income_pc": [1, 2]})
    with pytest.raises(StandardError, match=r"rows 0, 1 have .*missing: d_employment"):
        classify(bare, 2023)
    # Decision 59/2015 has no score-A line: a row with scores only is refused
    qd59 = pd.DataFrame({"zone": ["rural"], "score_a": [100], "score_b": [40]}, index=[7])
    with pytest.raises(
        StandardError, match=r"row 7 has no 'income_pc' \(this standard classifies by income"
    ):
        classify(qd59, 2018)


ZONE_FORMS = [
    ("thành thị", "urban"),
    ("Thành thị", "urban"),
    ("THÀNH THỊ", "urban"),
    ("thanh thi", "urban"),
    ("  Thành thị ", "urban"),
    (unicodedata.normalize("NFD", "Thành thị"), "urban"),
    ("urban", "urban"),
    ("Urban", "urban"),
    (" URBAN", "urban"),
    ("nông thôn", "rural"),
    ("Nông thôn", "rural"),
    ("Nong thon", "rural"),
    ("nông  thôn\t", "rural"),
    ("rural", "rural"),
    ("RURAL", "rural"),
    ("Rural ", "rural"),
]


@pytest.mark.parametrize(("written", "zone"), ZONE_FORMS)
def test_zone_as_analysts_write_it(written, zone):
    frame = pd.DataFrame({"zone": [written], "income_pc": [1_800_000], **flags(3)})
    assert normalise_zone(frame["zone"]).tolist() == [zone]
    # 1.8M is above the rural line (1.5M) and below the urban one (2.0M)
    assert classify(frame, 2023).tolist() == ["poor" if zone == "urban" else "not_poor"]


def test_zone_categorical_and_bad_zones():
    zones = pd.Series(["Thành thị", "nông thôn", "Thành thị"], dtype="category")
    assert normalise_zone(zones).tolist() == ["urban", "rural", "urban"]
    frame = pd.DataFrame(
        {"zone": ["rural", "town", None, "urban"], "income_pc": [1, 1, 1, 1], **flags(0)},
        index=["h1", "h2", "h3", "h4"],
    )
    with pytest.raises(
        StandardError,
        match=r"zone must be 'urban' or 'rural'.*found 'town', missing in rows 'h2', 'h3'$",
    ):
        classify(frame, 2023)
    with pytest.raises(StandardError, match="needs a 'zone' column"):
        classify(frame.drop(columns="zone"), 2023)
