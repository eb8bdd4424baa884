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
