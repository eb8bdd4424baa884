"""Tests of analysis.projection.verdicts: every status and edge case, expectations by hand."""

from __future__ import annotations

import math

import pytest

from analysis.projection import verdicts as v
from analysis.projection.verdicts import Facts, assess, format_probability, paces


def cumulative(**kw) -> Facts:
    """T1-like: 2,000 a year over 2021-2025 = 10,000; 2024 review; defaults on track."""
    base = dict(
        measure="cumulative",
        better="higher",
        unit="households",
        base_year=2021,
        base_value=0.0,
        latest_year=2024,
        latest_value=8_000.0,
        target_year=2025,
        target_value=10_000.0,
        window_years=5,
        max_attainable=8_000.0 + 3_000.0,
        points=3,
        base_size=7_000,
        projected=10_400.0,
        lo80=9_900.0,
        hi80=10_900.0,
        probability=0.8,
        stock_now=3_000.0,
        base_stock=7_381.0,
    )
    base.update(kw)
    return Facts(**base)


def level(**kw) -> Facts:
    """A poverty rate from 4.0% (2022) to 1.0% by 2025, lower is better."""
    base = dict(
        measure="level",
        better="lower",
        unit="percent",
        base_year=2022,
        base_value=4.0,
        latest_year=2024,
        latest_value=2.0,
        target_year=2025,
        target_value=1.0,
        max_attainable=0.0,
        points=3,
        base_size=1_000,
        projected=0.9,
        lo80=0.5,
        hi80=1.4,
        probability=0.6,
    )
    base.update(kw)
    return Facts(**base)


def trend(**kw) -> Facts:
    """Re-poverty: 80 households in 2022 should not be exceeded."""
    base = dict(
        measure="trend",
        better="lower",
        unit="households",
        base_year=2022,
        base_value=80.0,
        latest_year=2024,
        latest_value=102.0,
        previous_value=73.0,
        target_year=2025,
        target_value=80.0,
        points=3,
        slope=11.0,
    )
    base.update(kw)
    return Facts(**base)


def test_paces_follow_the_escap_definition_from_the_base_year():
    # level: required 3 points over 3 years; done 2 points in 2 years; projected 0.9 -> 3.1/3
    actual, required, ratio = paces(level())
    assert actual == pytest.approx(1.0)
    assert required == pytest.approx(1.0)
    assert ratio == pytest.approx(3.1 / 3.0)
    # a target 80% done that then stalls: ratio ~0.8 (not the ratio of the remaining paces)
    stalled = level(base_value=10.0, latest_value=2.0, target_value=0.0, projected=1.8)
    assert paces(stalled)[2] == pytest.approx(8.2 / 10.0)
    # cumulative: 8,000 in 4 reviews (2021-2024), 10,000 over 5; projected total 10,400
    actual, required, ratio = paces(cumulative())
    assert (actual, required, ratio) == pytest.approx((2_000.0, 2_000.0, 1.04))


def test_on_track_needs_pace_and_probability():
    assert assess(level()).status == v.ON_TRACK
    assert assess(level(probability=0.4)).status == v.ACCELERATE
    # ratio (4 - 2.5) / 3 = 0.5 -> needs acceleration; 0.2 / 3 -> off track; above base: regressing
    assert assess(level(projected=2.5)).status == v.ACCELERATE
    assert assess(level(projected=3.8)).status == v.OFF_TRACK
    # regressing: projected beyond the base *and* the actual values moved away from the target
    assert assess(level(latest_value=4.5, projected=4.3)).status == v.REGRESSING
    assert assess(level(projected=4.3)).status == v.OFF_TRACK  # improving so far: not regressing


def test_target_larger_than_the_stock_is_unattainable():
    # Bù Đăng-like: 844 still needed, 416 poor households left
    f = cumulative(
        latest_value=1_000.0,
        target_value=1_844.0,
        max_attainable=1_000.0 + 416.0,
        stock_now=416.0,
        base_stock=1_400.0,
        probability=0.034,
    )
    out = assess(f)
    assert out.status == v.UNATTAINABLE
    assert out.args["need"] == 844.0 and out.args["left"] == 416.0
    assert out.args["short"] == 844.0 - 416.0
    assert out.attainable_share == pytest.approx(1_000.0 / 1_400.0)
    text = out.reason("vi")
    assert "844" in text and "416" in text and "428" in text and "71%" in text
    assert "Unattainable as written" in v.Verdict(out.status, "status.unattainable").reason("en")


def test_rate_target_beyond_zero_is_unattainable():
    # 1.31 points still to fall on a 1.04% rate: target -0.27% is below the bound 0
    f = level(base_value=2.35, latest_value=1.04, target_value=2.35 - 2.62, projected=0.8)
    out = assess(f)
    assert out.status == v.UNATTAINABLE
    assert out.args["short"] == pytest.approx(0.27)


def test_target_already_met_is_achieved():
    # halving: 0.19 against 0.50
    f = level(
        unit="ratio", base_value=1.0, base_year=2021, latest_value=0.19, target_value=0.5,
        projected=0.12, lo80=0.08, hi80=0.17, probability=0.99,
    )  # fmt: skip
    out = assess(f)
    assert out.status == v.ACHIEVED and out.reason_key == "reason.met_early.level"
    assert out.gap == pytest.approx(-0.31)  # beyond the target: negative gap
    cum = assess(cumulative(latest_value=10_500.0))
    assert cum.status == v.ACHIEVED and cum.reason_key == "reason.met_early.cumulative"


def test_met_now_but_projected_to_slip_is_achieved_with_a_warning():
    out = assess(level(latest_value=0.9, projected=1.3, probability=0.3))
    assert out.status == v.ACHIEVED and out.reason_key == "reason.met_at_risk"
    assert "30%" in out.reason("vi")


def test_zero_poor_households():
    # nothing left to reduce and the target not reached: unattainable, not a probability
    out = assess(cumulative(latest_value=500.0, target_value=800.0, max_attainable=500.0,
                            stock_now=0.0, base_stock=500.0))  # fmt: skip
    assert out.status == v.UNATTAINABLE and out.attainable_share == pytest.approx(1.0)
    # a rate of 0 against a level target of 1%: achieved
    assert assess(level(latest_value=0.0, projected=0.0)).status == v.ACHIEVED


def test_rate_below_the_annual_reduction_is_not_applicable():
    f = level(base_value=1.2, latest_value=0.6, applicable=False,
              not_applicable_reason="rate_below_annual")  # fmt: skip
    out = assess(f)
    assert out.status == v.NOT_APPLICABLE
    assert "0,60%" in out.reason("vi") and "0.60%" in out.reason("en")


def test_coverage_at_100_is_achieved():
    f = level(better="higher", base_value=85.3, latest_value=100.0, target_value=100.0,
              max_attainable=100.0, projected=100.0, probability=1.0)  # fmt: skip
    assert assess(f).status == v.ACHIEVED
    # rising coverage short of 100: judged on pace (from 85.3 in 2022 to 92.9 in 2024)
    f = level(better="higher", base_value=85.3, latest_value=92.9, target_value=100.0,
              max_attainable=100.0, projected=96.6, probability=0.2)  # fmt: skip
    out = assess(f)
    assert out.pace_ratio == pytest.approx((96.6 - 85.3) / 14.7)
    assert out.status == v.ACCELERATE  # ratio 0.77


def test_trend_rising_and_falling():
    up = assess(trend())
    assert up.status == v.REGRESSING
    en = up.reason("en")
    assert "Rose from 73 (2023) to 102 households in 2024 (+40%)" in en and "+28%" in en
    assert assess(trend(slope=-3.0, previous_value=110.0)).status == v.OFF_TRACK
    # a rise in the latest review is a rise, even when the trend since the base is down
    below = assess(trend(latest_value=60.0, previous_value=40.0, slope=-5.0))
    assert below.status == v.ACCELERATE
    assert "Rose from 40 (2023) to 60 households in 2024 (+50%)" in below.reason("en")
    # ... but not on a base of fewer than MIN_BASE households (noise)
    tiny = trend(base_value=4.0, latest_value=2.0, previous_value=1.0, slope=-1.0)
    assert assess(tiny).status == v.ON_TRACK
    assert assess(trend(latest_value=60.0, previous_value=70.0, slope=-5.0)).status == v.ON_TRACK
    assert assess(trend(latest_value=78.0, previous_value=60.0, slope=4.0)).status == v.ACCELERATE


def test_target_year_with_actual_data_is_judged_on_the_actual_value():
    done = cumulative(latest_year=2025, latest_value=9_000.0, projected=math.nan)
    out = assess(done)
    assert out.status == v.NOT_ACHIEVED and out.gap == 1_000.0
    assert "1.000" in out.reason("vi")
    assert assess(cumulative(latest_year=2025, latest_value=10_000.0)).status == v.ACHIEVED
    assert assess(level(latest_year=2025, latest_value=1.0)).status == v.ACHIEVED
    assert assess(trend(latest_year=2025, latest_value=80.0)).status == v.ACHIEVED
    assert assess(trend(latest_year=2025)).status == v.NOT_ACHIEVED


def test_too_little_data():
    out = assess(level(points=2))
    assert out.status == v.TOO_LITTLE and "2" in out.reason("en")
    assert assess(level(base_size=12)).status == v.TOO_LITTLE
    assert assess(level(projected=math.nan)).reason_key == "reason.too_little.no_projection"
    # unattainability is a fact that needs no projection: it comes before too little data
    assert assess(cumulative(points=1, target_value=20_000.0)).status == v.UNATTAINABLE


def test_probabilities_are_whole_percents():
    assert format_probability(0.034) == "3%"
    assert format_probability(0.001) == "<1%"
    assert format_probability(0.999) == ">99%"
    assert format_probability(math.nan) == "–"


def test_every_reason_key_has_both_languages():
    cases = [
        level(), level(probability=0.4), level(points=2), level(base_size=5),
        level(projected=math.nan), level(latest_value=0.5), level(latest_value=0.9, probability=0.2),
        level(target_value=-1.0), level(applicable=False), level(latest_year=2025),
        level(latest_year=2025, latest_value=0.5), cumulative(), cumulative(target_value=50_000),
        cumulative(latest_value=20_000), cumulative(latest_year=2025), trend(), trend(slope=-1),
        trend(latest_value=10, slope=-1), trend(latest_value=10), trend(latest_year=2025),
        trend(latest_year=2025, latest_value=10),
    ]  # fmt: skip
    keys = set()
    for f in cases:
        out = assess(f)
        keys.add(out.reason_key)
        for lang in ("vi", "en"):
            text = out.reason(lang)
            assert "{" not in text and "nan" not in text.lower(), (out.reason_key, text)
    assert len(keys) >= 15
