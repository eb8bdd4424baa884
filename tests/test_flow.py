"""Tests of analysis.projection.flow: the stock-flow simulation and empirical-Bayes pooling."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.projection import flow


def test_flow_model_mean_matches_hand_computed_path():
    # S0 = 1000 poor of T = 20000 households; e = 0.3, r = 0.002, n = 0.003, no growth.
    # E[S1] = 1000 * 0.7 + 19000 * 0.005 = 795
    # E[S2] = 795 * 0.7 + 19205 * 0.005 = 556.5 + 96.025 = 652.525
    # E[S3] = 652.525 * 0.7 + 19347.475 * 0.005 = 456.7675 + 96.737375 = 553.504875
    out = flow.flow_paths(
        1000, 20000, 0.3, 0.002, 0.003, 3, n_paths=4000, rng=np.random.default_rng(5)
    )
    expected = np.array([795.0, 652.525, 553.504875])
    mean = out["end"].mean(axis=0)
    assert mean == pytest.approx(expected, rel=0.01)
    # stock identity holds path by path
    assert np.array_equal(out["end"], out["start"] - out["escaped"] + out["repoverty"] + out["new"])


def test_eb_shrinks_small_districts_more():
    k = np.array([30, 300, 5, 40])
    n = np.array([100, 1000, 10, 200])
    a, b = flow.beta_binomial_mom(k, n)
    pooled = k.sum() / n.sum()
    assert a / (a + b) == pytest.approx(pooled)
    post = (a + k) / (a + b + n)
    raw = k / n
    # each posterior lies between its raw rate and the pooled rate
    assert np.all((post - raw) * (pooled - raw) >= 0)
    assert np.all(np.abs(post - pooled) <= np.abs(raw - pooled) + 1e-12)
    # the 10-household district moves further (relative to its gap) than the 1000-household one
    frac = np.abs(post - raw) / np.abs(pooled - raw)
    assert frac[2] > frac[1]
    # identical rates: no spread, (near) full pooling
    a2, b2 = flow.beta_binomial_mom([10, 20, 30], [100, 200, 300])
    assert a2 + b2 > 1e5


def test_departures_lower_the_stock_as_computed_by_hand():
    # as above with d = 0.1 of the poor who did not escape leaving the list:
    # E[S1] = 1000 * 0.7 * 0.9 + 19000 * 0.005 = 630 + 95 = 725
    # E[S2] = 725 * 0.63 + 19275 * 0.005 = 456.75 + 96.375 = 553.125
    out = flow.flow_paths(
        1000, 20000, 0.3, 0.002, 0.003, 2, n_paths=4000, rng=np.random.default_rng(5), left=0.1
    )
    assert out["end"].mean(axis=0) == pytest.approx([725.0, 553.125], rel=0.01)
    assert np.array_equal(
        out["end"],
        out["start"] - out["escaped"] - out["left"] + out["repoverty"] + out["new"],
    )
    assert (out["left"] <= out["start"] - out["escaped"]).all()


def test_with_departures_reads_the_other_changes():
    d = {
        "start": np.array([100.0, 80.0]),
        "escaped": np.array([20.0, 10.0]),
        "repoverty": np.array([1.0, 0.0]),
        "new": np.array([2.0, 1.0]),
        "end": np.array([80.0, 75.0]),
    }
    out = flow.with_departures(d)
    # implied end without other changes: 83 and 71; end 80 (3 left) and 75 (arrivals: 0 left)
    assert out["left"].tolist() == [3.0, 0.0]
    assert out["remaining"].tolist() == [80.0, 70.0]
