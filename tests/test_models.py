"""Tests of analysis.projection.models: OLS and ETS recover known trends."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.projection import models


def test_ols_recovers_slope_and_level():
    rng = np.random.default_rng(1)
    years = np.arange(2010, 2025)
    values = 500.0 - 12.0 * (years - 2010) + rng.normal(0, 3, len(years))
    f = models.ols_forecast(years, values, [2025, 2030], n_paths=500, rng=rng)
    assert f.params["slope"] == pytest.approx(-12.0, abs=1.0)
    # true value at 2024 is 332, at 2030 260
    assert f.params["intercept"] == pytest.approx(332.0, abs=4.0)
    assert f.mean[1] == pytest.approx(260.0, abs=10.0)
    assert f.lo95[1] < f.lo80[1] < f.mean[1] < f.hi80[1] < f.hi95[1]
    assert f.paths.shape == (500, 2)


def test_ols_on_logs_recovers_growth_rate():
    years = np.arange(2016, 2022)
    values = 1000.0 * 0.8 ** (years - 2016)
    f = models.ols_forecast(years, values, [2022], log=True, n_paths=0)
    assert np.exp(f.params["slope"]) == pytest.approx(0.8, rel=1e-9)
    assert f.mean[0] == pytest.approx(1000.0 * 0.8**6, rel=1e-9)


def test_ets_estimated_recovers_level_and_slope():
    rng = np.random.default_rng(2)
    years = np.arange(2001, 2025)
    values = 100.0 + 5.0 * (years - 2001) + rng.normal(0, 1.0, len(years))
    f = models.ets_forecast(years, values, [2025, 2026], n_paths=400, rng=np.random.default_rng(3))
    assert f.params["estimated"] is True
    true_2024 = 100.0 + 5.0 * 23
    assert f.params["level"] == pytest.approx(true_2024, abs=3.0)
    assert f.params["trend"] == pytest.approx(5.0, abs=1.0)
    # damped: one step ahead grows by phi * trend, within 1.5 of the true slope
    assert f.mean[0] - f.params["level"] == pytest.approx(5.0, abs=1.5)
    assert f.lo95[0] < f.mean[0] < f.hi95[0]


def test_ets_with_three_points_uses_fixed_parameters():
    f = models.ets_forecast([2022, 2023, 2024], [300.0, 270.0, 240.0], [2025], n_paths=200)
    assert f.params["estimated"] is False
    assert f.params["smoothing_level"] == 0.5 and f.params["damping_trend"] == 0.9
    assert "fixed" in f.note
    # By hand: OLS line gives b0 = -30, l0 = 300 + 0.9 * 30 = 327. With alpha 0.5, beta 0.2,
    # phi 0.9 and e = y - (l + phi b), l' = l + phi b + alpha e, b' = phi b + beta e:
    # 2022: yhat 300, e 0, l 300, b -27
    # 2023: yhat 275.7, e -5.7, l 272.85, b -25.44
    # 2024: yhat 249.954, e -9.954, l 244.977, b -24.8868
    # 2025: 244.977 + 0.9 * -24.8868 = 222.57888 (damping keeps it above the line's 210)
    assert f.mean[0] == pytest.approx(222.57888, abs=1e-6)
    assert f.params["level"] == pytest.approx(244.977, abs=1e-6)


def test_too_few_points_raise():
    with pytest.raises(models.InsufficientDataError, match="too few points for ols: 2"):
        models.ols_forecast([2023, 2024], [10.0, 9.0], [2025])
    with pytest.raises(models.InsufficientDataError, match="too few points for ets"):
        models.ets_forecast([2024], [10.0], [2025])


def test_ols_moderated_variance_by_hand():
    # residuals of a line through (0, 1), (1, 0), (2, 1): fitted 2/3 each, RSS 2/3, s^2 = 2/3
    years, values = [2022, 2023, 2024], [1.0, 0.0, 1.0]
    own = models.ols_forecast(years, values, [2025], n_paths=0)
    assert own.params["sigma"] ** 2 == pytest.approx(2 / 3) and own.params["df"] == 1
    # prior s0^2 = 0.1 with 9 df: (9 * 0.1 + 1 * 2/3) / 10 = 0.15666..., t with 10 df
    f = models.ols_forecast(years, values, [2025], n_paths=0, prior=(0.1, 9.0))
    assert f.params["sigma"] ** 2 == pytest.approx((0.9 + 2 / 3) / 10)
    assert f.params["df"] == 10
    # x = 2 years after the mean year: 1 + 1/3 + 2^2 / 2 = 3.3333 (leverage of a 3-point line)
    se = np.sqrt(f.params["sigma"] ** 2 * (1 + 1 / 3 + 4 / 2))
    from scipy.stats import t

    assert f.hi80[0] - f.mean[0] == pytest.approx(t.ppf(0.9, 10) * se)
    assert f.hi95[0] - f.mean[0] == pytest.approx(t.ppf(0.975, 10) * se)


def test_variance_prior_and_trigamma_inverse():
    from scipy.special import polygamma

    for x in (0.05, 1.0, 7.0):
        assert float(polygamma(1, models.trigamma_inverse(x))) == pytest.approx(x, rel=1e-6)
    # equal variances: no spread beyond chance, full pooling (d0 at its cap) at that variance
    s0, d0 = models.variance_prior([0.5] * 6, [20] * 6)
    assert d0 == models.PRIOR_DF_MAX and s0 == pytest.approx(0.5, rel=0.05)
    assert models.variance_prior([0.5, 0.2], [1, 1]) is None  # fewer than 3


def test_ols_on_logits_stays_below_100():
    years = np.arange(2018, 2025)
    values = 100.0 / (1.0 + np.exp(-(0.5 * (years - 2018) - 1.0)))  # logistic: a logit line
    f = models.ols_forecast(years, values, [2030, 2040], logit=True, n_paths=300)
    assert f.params["slope"] == pytest.approx(0.5)
    assert (f.paths < 100).all() and (f.hi95 < 100).all()
    assert "on logits" in f.note


def test_ols_on_a_constant_series_projects_it_flat():
    # a count fixed by an official list (5 especially difficult communes every year): an exact
    # fit, zero residual variance, so every path stays at 5 (no failed Cholesky)
    f = models.ols_forecast([2022, 2023, 2024], [5.0, 5.0, 5.0], [2025, 2030], n_paths=200,
                            rng=np.random.default_rng(1))  # fmt: skip
    assert np.allclose(f.mean, 5.0) and np.allclose(f.paths, 5.0)
