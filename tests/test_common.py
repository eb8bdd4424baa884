"""Tests of analysis.compute.common: the checks, keys, ratios and flags the measures share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.compute import common
from analysis.reference.standards import StandardError


def test_ratio_is_nan_for_zero_negative_or_missing_denominators():
    out = common.ratio([1, 1, 1, 1, 3], [4, 0, -2, np.nan, 6])
    np.testing.assert_allclose(out, [25.0, np.nan, np.nan, np.nan, 50.0])
    assert not np.isinf(out).any()
    # per thousand and as a proportion
    assert common.ratio(2, 400, 1000.0) == pytest.approx(5.0)
    assert common.ratio(1, 4, 1.0) == pytest.approx(0.25)


def test_small_flags_any_denominator_small_or_missing():
    flags = common.small_flags(
        np.array([50, 49, 100, np.nan]), np.array([60, 60, 10, 60]), min_households=50
    )
    assert flags.tolist() == [False, True, True, True]


def test_check_min_households():
    assert common.check_min_households(0) == 0.0
    assert common.check_min_households(50) == 50.0
    for bad in (-1, float("nan")):
        with pytest.raises(common.MeasureError, match="min_households must be >= 0"):
            common.check_min_households(bad)
    for bad in ("50", True, None):
        with pytest.raises(common.MeasureError, match="min_households must be a number"):
            common.check_min_households(bad)


def test_require_columns_names_the_missing_ones():
    frame = pd.DataFrame({"a": [1]})
    common.require_columns(frame, ["a"], "here")
    with pytest.raises(ValueError, match="here: input is missing columns: b, c"):
        common.require_columns(frame, ["a", "b", "c"], "here")
    with pytest.raises(common.MeasureError, match="expected a pandas DataFrame, got list"):
        common.require_columns([1], [], "here")


def test_key_frame_orders_keys_and_adds_the_standard():
    summary = pd.DataFrame(
        {
            "zone": ["all", "rural"],
            "poor_end": [1, 2],
            "area_code": ["689", "690"],
            "year": ["2021", 2022],
        },
        index=[7, 3],
    )
    assert common.key_columns(summary) == ["year", "area_code", "zone"]
    keys = common.key_frame(summary, "test")
    assert list(keys.columns) == ["year", "area_code", "zone", "standard"]
    assert list(keys.index) == [7, 3]
    assert keys["year"].tolist() == [2021, 2022]
    assert keys["standard"].tolist() == ["QD59_2015", "ND07_2021"]
    with pytest.raises(common.MeasureError, match="column 'year' has missing"):
        common.key_frame(summary.assign(year=[2021, None]), "test")
    with pytest.raises(StandardError):
        common.key_frame(summary.assign(year=[2015, 2022]), "test")


def test_as_float_coerces_to_nan():
    frame = pd.DataFrame({"x": ["1", None, "a", 4]})
    np.testing.assert_array_equal(common.as_float(frame, "x"), [1.0, np.nan, np.nan, 4.0])
