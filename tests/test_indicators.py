"""Tests of analysis.projection.indicators: the definitions file and its reader."""

from __future__ import annotations

import pytest

from analysis.projection import indicators


def test_bundled_definitions():
    inds = indicators.INDICATORS
    assert len(inds) == 19
    assert inds["poor_households"] == indicators.Indicator(
        "poor_households", "stock", "lower", True, 0.0, None, True, "poor", "stock", "poor_start"
    )
    spread = inds["poverty_rate_spread_points"]
    assert (spread.district, spread.unit, spread.lower, spread.upper) == (False, "points", 0, 100)
    change = inds["em_poverty_rate_change_points"]
    assert (change.lower, change.flow_prefix, change.flow_output) == (-100, "em_poor", "change")
    count = inds["especially_difficult_communes"]
    assert count.base_column is None and count.rebase_scales is False
    assert {i.kind for i in inds.values()} == set(indicators.KINDS)
    assert all(i.name == code for code, i in inds.items())


def test_get_indicator():
    assert indicators.get_indicator("poverty_rate_pct").unit == "%"
    with pytest.raises(ValueError, match="unknown indicator 'nope'; known: credit_coverage_pct"):
        indicators.get_indicator("nope")


def test_read_indicators_checks_the_file(tmp_path):
    header = ",".join(indicators.COLUMNS)
    good = "x,stock,lower,true,0,,true,,,,true,households"
    path = tmp_path / "ind.csv"
    path.write_text(f"{header}\n{good}\n", encoding="utf-8")
    assert indicators.read_indicators(path)["x"].lower == 0.0
    cases = {
        "name,kind\nx,stock\n": "lacks the columns",
        f"{header}\n{good}\n{good}\n": "defined twice",
        f"{header}\n{good.replace('stock', 'level')}\n": "unknown kind",
        f"{header}\n{good.replace('true,0', 'yes,0')}\n": "must be true or false",
        f"{header}\n{good.replace('lower', 'down')}\n": "lower or higher",
    }
    for text, message in cases.items():
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=message):
            indicators.read_indicators(path)
