"""Tests of the calibration pieces: scores (coverage, reliability, Brier, conformal factors),
recalibration of paths, bounds of simulated paths, and the study on a small summary."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from projection_summary import make_summary

from analysis.projection import calibration as cal
from analysis.projection import scoring
from analysis.projection.bounds import PathBounds, apply_bounds, path_bounds
from analysis.projection.combine import simulate_paths
from analysis.projection.context import ProjectionContext
from analysis.projection.indicators import get_indicator


@pytest.fixture(scope="module")
def summary():
    return make_summary(seed=4)


# -- scores ---------------------------------------------------------------------------------------
def test_coverage_of_a_known_interval_set():
    actual = [5.0, 10.0, 0.0, 7.0, np.nan]
    lo = [4.0, 10.0, 1.0, 0.0, 0.0]
    hi = [6.0, 12.0, 2.0, 6.9, 1.0]
    # inside, on the lower limit, below, above, missing
    hits = scoring.covered(actual, lo, hi)
    assert hits.tolist() == [True, True, False, False, False]
    assert hits.mean() == pytest.approx(0.4)


def test_reliability_binning_by_hand():
    prob = [0.05, 0.05, 0.15, 0.95, 1.0, 0.55, 0.5, np.nan]
    outcome = [False, True, False, True, True, False, True, True]
    table = scoring.reliability_table(prob, outcome)
    assert table["bin"].tolist()[:2] == ["0.0-0.1", "0.1-0.2"] and len(table) == 10
    by_bin = table.set_index("bin")
    # bin 0.0-0.1: two cases at 0.05, one event
    assert by_bin.loc["0.0-0.1", "n"] == 2
    assert by_bin.loc["0.0-0.1", "predicted"] == pytest.approx(0.05)
    assert by_bin.loc["0.0-0.1", "observed"] == pytest.approx(0.5)
    assert by_bin.loc["0.0-0.1", "difference"] == pytest.approx(0.45)
    # 0.5 and 0.55 share the bin 0.5-0.6; 1.0 falls in the last bin with 0.95
    assert by_bin.loc["0.5-0.6", "n"] == 2 and by_bin.loc["0.5-0.6", "observed"] == 0.5
    assert by_bin.loc["0.9-1.0", "n"] == 2 and by_bin.loc["0.9-1.0", "predicted"] == 0.975
    assert by_bin.loc["0.3-0.4", "n"] == 0 and math.isnan(by_bin.loc["0.3-0.4", "observed"])
    assert table["n"].sum() == 7  # the NaN probability is left out


def test_brier_score_and_skill_by_hand():
    prob = [0.9, 0.2, 0.6, 0.0]
    outcome = [True, False, False, True]
    # (0.1^2 + 0.2^2 + 0.6^2 + 1^2) / 4 = (0.01 + 0.04 + 0.36 + 1) / 4 = 0.3525
    assert scoring.brier(prob, outcome) == pytest.approx(0.3525)
    # base rate 0.5: every squared difference 0.25
    score, ref, skill = scoring.brier_skill(prob, outcome)
    assert (score, ref) == pytest.approx((0.3525, 0.25))
    assert skill == pytest.approx(1 - 0.3525 / 0.25)
    assert scoring.brier_skill(prob, outcome, base_rate=1.0)[1] == pytest.approx(0.5)


def test_conformal_quantile():
    scores = [5.0, 1.0, 3.0, 2.0, 4.0]
    # n = 5: ceil(6 * 0.5) = 3rd smallest; ceil(6 * 0.8) = 5th; 0.95 -> beyond n: the largest
    assert scoring.conformal_quantile(scores, 0.5) == 3.0
    assert scoring.conformal_quantile(scores, 0.8) == 5.0
    assert scoring.conformal_quantile(scores, 0.95) == 5.0
    assert math.isnan(scoring.conformal_quantile([], 0.8))


def test_events_and_probabilities_by_hand():
    rate = get_indicator("poverty_rate_pct")
    events = dict(scoring.event_thresholds(rate, "level", 10.0, 2))
    assert events["latest"] == 10.0
    assert events["-20%/yr"] == pytest.approx(10.0 * 0.8**2)
    assert events["-1.5pt/yr"] == pytest.approx(7.0)
    reduction = get_indicator("poor_reduction_households")  # more is better
    flows = dict(scoring.event_thresholds(reduction, "flow", 200.0, 1))
    assert flows == {"latest-25%": 150.0, "latest+0%": 200.0, "latest+25%": 250.0}
    cover = dict(scoring.event_thresholds(get_indicator("credit_coverage_pct"), "coverage", 90, 3))
    assert cover == {"latest": 90.0, "+1pt/yr": 93.0, "+2pt/yr": 96.0}
    samples = np.array([5.0, 6.0, 7.0, 8.0, np.nan])
    assert scoring.event_probability(samples, 6.0, "lower") == 0.5  # 5 and 6 of 4 values
    assert scoring.event_probability(samples, 6.0, "higher") == 0.75


def _normal_samples(n=4001):
    """Evenly spread standard normal quantiles: median 0, 80% limits -+1.2816."""
    from scipy.stats import norm

    return norm.ppf((np.arange(n) + 0.5) / n)


def test_fit_scales_by_hand():
    flow = get_indicator("poor_reduction_households")  # raw scale
    z80 = 1.2815516
    samples = 100.0 + 10.0 * _normal_samples()
    # actual values at 0.5, 1, 1.5, 2 and 3 half-widths of the 80% interval (above and below)
    ks = [0.5, -1.0, 1.5, -2.0, 3.0]
    cases = [(samples, 100.0 + k * 10.0 * z80, flow) for k in ks]
    # around the median: ratios 0.5, 1, 1.5, 2, 3; n = 5: ceil(6 * 0.8) = 5 -> the largest, 3
    s = scoring.fit_scales(cases, centre=False)
    assert s.shift == 0.0
    assert s.s80 == pytest.approx(3.0, rel=1e-3)
    # the bias is the median position, 0.5; around it: 0, 1.5, 1, 2.5, 2.5 -> 2.5, not applied
    spread = scoring.fit_scales(cases)
    assert spread.shift == 0.0 and spread.s80 == pytest.approx(2.5, rel=1e-3)
    with_shift = scoring.fit_scales(cases, shift=True)
    assert with_shift.shift == pytest.approx(0.5, rel=1e-3)
    assert with_shift.s80 == pytest.approx(2.5, rel=1e-3)
    assert scoring.fit_scales([]) == cal.Scales()


# -- recalibration -------------------------------------------------------------------------------
def test_recalibrate_scales_the_limits_exactly_and_keeps_order():
    flow = get_indicator("poor_reduction_households")
    rng = np.random.default_rng(1)
    samples = np.column_stack([rng.gamma(4.0, 25.0, 5000), rng.normal(50, 20, 5000)])
    out = cal.recalibrate(samples, flow, cal.Scales(0.0, 2.0, 1.5))
    m, a80, b80, a95, b95 = cal.band_widths(samples)
    m2, c80, d80, c95, d95 = cal.band_widths(out)
    assert m2 == pytest.approx(m)
    assert c80 == pytest.approx(2.0 * a80, rel=1e-3) and d80 == pytest.approx(2.0 * b80, rel=1e-3)
    assert c95 == pytest.approx(1.5 * a95, rel=1e-3) and d95 == pytest.approx(1.5 * b95, rel=1e-3)
    # a monotone map of each year: the paths keep their order
    for j in range(2):
        assert np.array_equal(np.argsort(samples[:, j], kind="stable"),
                              np.argsort(out[:, j], kind="stable"))  # fmt: skip
    # a shift of one 80% half-width moves the median by it
    moved = cal.recalibrate(samples, flow, cal.Scales(1.0, 1.0, 1.0))
    assert np.median(moved, axis=0) == pytest.approx(m + (a80 + b80) / 2, rel=1e-3)
    assert np.array_equal(cal.recalibrate(samples, flow, cal.IDENTITY), samples)


def test_recalibrate_on_logs_keeps_stocks_positive():
    stock = get_indicator("poor_households")
    samples = np.exp(np.random.default_rng(2).normal(np.log(200.0), 0.3, 3000))
    out = cal.recalibrate(samples, stock, cal.Scales(0.0, 3.0, 3.0))
    assert (out > -0.5).all()  # log(x + 0.5): at worst the offset
    ratio = np.quantile(out, 0.9) / np.median(out)
    assert np.log(ratio) == pytest.approx(3 * np.log(np.quantile(samples, 0.9) / 200.0), rel=0.05)


def test_scales_file_round_trip(tmp_path):
    path = tmp_path / "calibration.csv"
    scales = {"level": cal.Scales(0.0, 2.5, 2.25), "flow": cal.Scales(-0.1, 0.75, 0.8)}
    cal.write_scales(scales, path, counts={"level": 10}, note="test")
    assert cal.read_scales(path) == scales
    assert cal.read_scales(tmp_path / "none.csv") == {}
    bundled = cal.read_scales()
    assert set(bundled) == {"level", "flow", "coverage"}
    assert cal.indicator_group("em_poverty_rate_pct") == "level"
    assert cal.indicator_group("poverty_rate_change_points") == "flow"
    assert cal.indicator_group("especially_difficult_communes") == "other"


# -- bounds --------------------------------------------------------------------------------------
def test_apply_bounds_caps_running_reductions_at_the_stock():
    b = PathBounds(upper=100.0, cum_upper=100.0)
    paths = np.array([[60.0, 60.0, 10.0], [150.0, -20.0, 30.0], [10.0, 20.0, 30.0]])
    out = apply_bounds(paths, b)
    # running sums 60, 120 -> 100 (the second year removes what is left, 40), then 0 net
    assert out[0].tolist() == [60.0, 40.0, 0.0]
    # 150 clipped to 100 in its year; then -20 (20 households back), then 20 more removed
    assert out[1].tolist() == [100.0, -20.0, 20.0]
    assert out[2].tolist() == [10.0, 20.0, 30.0]
    assert (np.cumsum(out, axis=1) <= 100.0 + 1e-9).all()


def test_path_bounds(summary):
    ctx = ProjectionContext(summary)
    stock = ctx.table("691").loc[2024, "poor_end"]
    total = ctx.table("691").loc[2024, "total_households"]
    red = path_bounds(ctx, "691", "poor_reduction_households")
    assert red.cum_upper == stock and red.upper == stock
    assert path_bounds(ctx, "691", "poor_households") == PathBounds(0.0, total)
    change = path_bounds(ctx, "691", "poverty_rate_change_points")
    assert change.cum_lower == pytest.approx(-100 * stock / total)
    assert path_bounds(ctx, "691", "credit_coverage_pct") == PathBounds(0.0, 100.0)


@pytest.mark.parametrize(
    "indicator",
    ["poor_households", "poverty_rate_pct", "poor_reduction_households", "credit_coverage_pct"],
)
def test_simulated_paths_never_break_the_bounds(summary, indicator):
    ctx = ProjectionContext(summary)
    for area in ("province", "696"):
        paths = np.asarray(
            simulate_paths(None, area, indicator, horizon=2030, seed=8, n_paths=500, context=ctx)
        )
        assert np.isfinite(paths).all()
        t = ctx.table(area)
        if indicator == "poor_reduction_households":
            assert (np.cumsum(paths, axis=1) <= t.loc[2024, "poor_end"] + 1e-6).all()
        elif indicator == "poor_households":
            assert (paths >= 0).all() and (paths <= t.loc[2024, "total_households"]).all()
        else:
            assert (paths >= 0).all() and (paths <= 100).all()


# -- the study -----------------------------------------------------------------------------------
def test_study_on_a_small_summary():
    from analysis.projection import calibration_tables, evaluation

    data = make_summary(seed=5)
    base = data[data["year"] <= 2024]
    later = make_summary(seed=5, years=range(2016, 2027))
    holdout = later[later["year"] > 2024]
    ev = evaluation.evaluate(
        base, 3, holdout=holdout, n_paths=200, indicators=("poor_households", "escaped_households")
    )
    cases = ev.cases
    assert set(cases["split"]) == {"training", "holdout"}
    assert cases.loc[cases["split"] == "holdout", "year"].isin([2025, 2026]).all()
    nochange = cases[cases["forecaster"] == "no_change"]
    assert (nochange["point"] == nochange["last"]).all()
    assert set(ev.scales) == {"level", "flow", "coverage"} and ev.counts["level"] == 4 * 6
    tables = calibration_tables.study_tables(ev)
    for name in ("mae", "relative", "coverage", "brier", "scales", "weights"):
        assert not tables[name].empty
    assert len(tables["reliability holdout recalibrated"]) == 10
    cover = tables["coverage"]
    row = cover[(cover.segment == "QD59_2015 training") & (cover.group == "level")
                & (cover.forecaster == "combined raw") & (cover.horizon == "all")]  # fmt: skip
    part = cases[(cases.split == "training") & (cases.group == "level")
                 & (cases.forecaster == "combined raw")]  # fmt: skip
    expected = scoring.covered(part["actual"], part["lo80"], part["hi80"]).mean()
    assert row["cover80"].iloc[0] == pytest.approx(expected)
    text = calibration_tables.render(tables)
    assert "Coverage of the 80% and 95% intervals" in text
    assert "| segment |" in calibration_tables.render(tables, markdown=True)
    assert isinstance(tables["mae"], pd.DataFrame)
