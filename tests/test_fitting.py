"""Tests of analysis.projection.fitting: running the models of one series, reproducibly."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from projection_summary import make_summary

from analysis.projection import fitting
from analysis.projection.context import ProjectionContext
from analysis.projection.models import InsufficientDataError


@pytest.fixture(scope="module")
def summary():
    return make_summary()


def test_stable_seed_is_crc32_of_the_text():
    assert fitting.stable_seed("691", 2024) == [zlib.crc32(b"691"), zlib.crc32(b"2024")]
    a = fitting.model_rng(5, "691", "poor_households", "ols").random(3)
    b = fitting.model_rng(5, "691", "poor_households", "ols").random(3)
    c = fitting.model_rng(5, "691", "poor_households", "ets").random(3)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_run_models_independent_of_order_and_skips(summary):
    ctx = ProjectionContext(summary)
    future = np.array([2025, 2026])
    one, skipped, seg = fitting.run_models(ctx, "691", "poor_households", future, ("flow",), 3, 100)
    both, _, _ = fitting.run_models(ctx, "691", "poor_households", future, ("ols", "flow"), 3, 100)
    assert not skipped and seg["year"].tolist() == [2022, 2023, 2024]
    np.testing.assert_array_equal(one["flow"].paths, both["flow"].paths)
    out, skipped, _ = fitting.run_models(
        ctx, "province", "credit_coverage_pct", future, fitting.MODELS, 3, 0
    )
    # 3 points: fixed-parameter ETS is not combined; the flow model does not apply
    assert set(out) == {"ols"} and "does not apply" in skipped["flow"]
    assert "not combined" in skipped["ets"]
    out, _, _ = fitting.run_models(
        ctx, "province", "credit_coverage_pct", future, fitting.MODELS, 3, 0, fixed_ets=True
    )
    assert set(out) == {"ols", "ets"} and set(fitting.combinable(out)) == {"ols"}
    alone, _, _ = fitting.run_models(ctx, "province", "credit_coverage_pct", future, ("ets",), 3, 0)
    assert alone["ets"].params["estimated"] is False
    with pytest.raises(ValueError, match="does not apply"):
        fitting.run_models(ctx, "province", "credit_coverage_pct", future, ("flow",), 3, 0)
    with pytest.raises(InsufficientDataError, match="too few points"):
        fitting.run_models(ctx.truncate(2023), "691", "poor_households", future, ("ols",), 3, 0)


def test_ols_prior_pools_the_peers_residual_variances(summary):
    ctx = ProjectionContext(summary)
    years = [2022, 2023, 2024]
    prior = fitting.ols_prior(ctx, "691", "poor_households", years)
    assert prior is not None
    s0, d0 = prior
    assert s0 > 0 and 0 < d0 <= 100
    # the province borrows the districts' prior
    assert fitting.ols_prior(ctx, "province", "poor_households", years) == prior
    # the OLS fit uses it: t intervals with d0 + 1 degrees of freedom
    out, _, _ = fitting.run_models(ctx, "691", "poor_households", [2025], ("ols",), 3, 0)
    assert out["ols"].params["df"] == pytest.approx(d0 + 1)
    assert "pooled with the peers" in out["ols"].note
    # coverage ratios are fitted on logits
    cov, _, _ = fitting.run_models(ctx, "691", "credit_coverage_pct", [2025], ("ols",), 3, 0)
    assert "on logits" in cov["ols"].note
