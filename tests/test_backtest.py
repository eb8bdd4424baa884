"""Tests of analysis.projection.backtest: 3-point rolling origins within one standard, the
no-change benchmark, per-group weights, reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from projection_summary import make_summary

from analysis.projection import backtest as bt
from analysis.projection.bounds import PathBounds
from analysis.projection.models import ModelForecast


@pytest.fixture(scope="module")
def summary():
    return make_summary(seed=3)


def test_backtest_reproducible_with_seed(summary):
    a = bt.backtest_table(summary, seed=9)
    b = bt.backtest_table(summary, seed=9)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == bt.TABLE_COLUMNS
    assert set(a["model"]) == {"ols", "ets", "flow", "no_change"}
    # 2016-2024 only: no Decree 07 origin has 3 points and a later year
    assert set(a["segment"]) == {"QD59_2015"}
    assert set(a["group"]) == {"level", "flow", "coverage"}


def test_windows_have_three_points_and_stay_in_one_segment(summary):
    runs = bt.backtest_runs(summary, 1, indicators=("poor_households",), models=("ols",), n_paths=0)
    assert {r.origin for r in runs} == {2018, 2019, 2020}
    for r in runs:
        assert r.fit_years == (r.origin - 2, r.origin - 1, r.origin)
        assert r.years.tolist() == list(range(r.origin + 1, min(r.origin + 3, 2021) + 1))
    # 4 districts x origins 2018 (-> 2019-2021), 2019 (-> 2020-2021), 2020 (-> 2021)
    assert len(runs) == 4 * 3 and sum(len(r.years) for r in runs) == 4 * 6
    # escapes start in 2017: the first 3-point window ends in 2019
    flows = bt.backtest_runs(
        summary, 1, indicators=("escaped_households",), models=("ols",), n_paths=0
    )
    assert {r.origin for r in flows} == {2019, 2020}
    assert {r.fit_years for r in flows} == {(2017, 2018, 2019), (2018, 2019, 2020)}
    # with two more Decree 07 years appended, origin 2024 is fitted on 2022-2024
    later = make_summary(seed=3, years=range(2016, 2027))
    runs = bt.backtest_runs(
        later, 1, indicators=("poor_households",), models=("ols",), n_paths=0, max_origin=2024
    )
    nd07 = [r for r in runs if r.segment == "ND07_2021"]
    assert {r.origin for r in nd07} == {2024}
    assert all(r.fit_years == (2022, 2023, 2024) and r.years.tolist() == [2025, 2026] for r in nd07)


def test_no_change_forecast_is_the_last_value():
    run = bt.Run(
        segment="S", group="level", indicator="poor_households", area_code="1", origin=2020,
        fit_years=(2018, 2019, 2020), years=np.array([2021, 2022]),
        actual=np.array([90.0, 70.0]), last=100.0, forecasts={}, bounds=PathBounds(),
    )  # fmt: skip
    err = bt.errors_frame([run])
    assert err["model"].tolist() == ["no_change", "no_change"]
    assert err["forecast"].tolist() == [100.0, 100.0]
    # errors by hand: 100 - 90 = 10 at one year, 100 - 70 = 30 at two
    assert err["error"].tolist() == [10.0, 30.0] and err["horizon"].tolist() == [1, 2]
    table = bt.score_errors(err)
    assert table["mae"].tolist() == [10.0, 30.0] and table["bias"].tolist() == [10.0, 30.0]
    # a model's point is its mean
    f = ModelForecast("ols", run.years, np.array([95.0, 60.0]), *[np.full(2, np.nan)] * 4, None)
    run.forecasts = {"ols": f}
    err = bt.errors_frame([run], models=("ols",))
    ols = err[err["model"] == "ols"]
    assert ols["error"].tolist() == [5.0, -10.0]


def test_mae_is_pooled_mean_absolute_error(summary):
    err = bt.backtest_errors(summary, seed=2, indicators=("poor_households",), models=("ols",))
    table = bt.score_errors(err)
    row = table[(table.model == "ols") & (table.horizon == 2)].iloc[0]
    part = err[(err.model == "ols") & (err.horizon == 2)]
    assert row["mae"] == pytest.approx(part["error"].abs().mean())
    assert row["mape"] == pytest.approx((100 * part["error"].abs() / part["actual"].abs()).mean())
    assert row["bias"] == pytest.approx(part["error"].mean())
    assert row["n"] == len(part) == 4 * 2  # origins 2018 and 2019 reach two years ahead


def _table(rows):
    frame = pd.DataFrame(rows, columns=["segment", "group", "indicator", "model", "horizon", "mae"])
    return frame.assign(n=4, mape=np.nan, n_mape=0, bias=0.0)


def test_model_weights_inverse_mae_per_group():
    table = _table(
        [
            ("S", "level", "poor_households", "ols", 1, 10.0),
            ("S", "level", "poor_households", "flow", 1, 30.0),
            ("S", "level", "poor_households", "no_change", 1, 5.0),
            ("S", "flow", "poor_reduction_households", "ols", 1, 20.0),
            ("S", "flow", "poor_reduction_households", "flow", 1, 20.0),
        ]
    )
    w = bt.model_weights(table)
    # level: 1/10 : 1/30 = 3 : 1; flow: 1 : 1; no-change is not a model; ets absent
    assert w.groups["level"] == pytest.approx({"ols": 0.75, "ets": 0.0, "flow": 0.25})
    assert w.groups["flow"] == pytest.approx({"ols": 0.5, "ets": 0.0, "flow": 0.5})
    # overall: the mean of the two rows' weights
    assert dict(w) == pytest.approx({"ols": 0.625, "ets": 0.0, "flow": 0.375})
    assert w.for_indicator("em_poverty_rate_pct") == w.groups["level"]
    assert w.for_indicator("credit_coverage_pct") == dict(w)  # coverage not backtested here
    assert bt.model_weights(table.iloc[0:0]) == pytest.approx(
        {"ols": 1 / 3, "ets": 1 / 3, "flow": 1 / 3}
    )


def test_format_and_project_with_backtest_weights(summary):
    table = bt.backtest_table(summary, seed=5)
    text = bt.format_backtest(table)
    assert "QD59_2015 - poor_households (MAE)" in text and "no_change" in text
    assert "inverse-MAE weights, stocks and rates" in text
    from analysis.projection.combine import project

    out = project(
        summary, "691", "poor_households", horizon=2026, weights="backtest", seed=5, n_paths=200
    )
    w = bt.model_weights(table).groups["level"]
    got = out[out.model != "combined"].groupby("model")["weight"].first()
    # fixed-parameter ETS is left out; the others keep their ratio
    assert set(got.index) == {"ols", "flow"}
    assert got["ols"] / got["flow"] == pytest.approx(w["ols"] / w["flow"])
    assert got.sum() == pytest.approx(1.0)


def test_bad_input():
    with pytest.raises(ValueError, match="unknown indicator"):
        bt.backtest_table(make_summary(), indicators=("nope",))
    with pytest.raises(ValueError, match="window must be at least 2"):
        bt.backtest_errors(make_summary(), window=1)
