"""Tests of analysis.projection.backtest: rolling origins within standard segments, reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from projection_summary import make_summary

from analysis.projection import backtest as bt


@pytest.fixture(scope="module")
def summary():
    return make_summary(seed=3)


def test_backtest_reproducible_with_seed(summary):
    a = bt.backtest_table(summary, seed=9)
    b = bt.backtest_table(summary, seed=9)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == bt.TABLE_COLUMNS
    assert set(a["model"]) == {"ols", "ets", "flow"}
    assert set(a["segment"]) == {"QD59_2015", "ND07_2021"}


def test_origins_and_targets_stay_in_one_segment(summary):
    err = bt.backtest_errors(summary, seed=1, indicators=("poor_households",))
    assert (err["origin"] + err["horizon"] == err["year"]).all()
    q = err[err.segment == "QD59_2015"]
    n = err[err.segment == "ND07_2021"]
    assert q["year"].max() <= 2021 and q["origin"].min() >= 2017  # 2 training points at least
    assert n["origin"].min() >= 2023 and n["year"].min() >= 2024  # 2022-2023 -> 2024 only
    assert sorted(q["horizon"].unique()) == [1, 2, 3]
    # 4 districts x origins 2017..2020 with targets inside 2016-2021
    ols_h1 = q[(q.model == "ols") & (q.horizon == 1)]
    assert len(ols_h1) == 4 * 4


def test_mae_is_pooled_mean_absolute_error(summary):
    err = bt.backtest_errors(summary, seed=2, indicators=("poor_households",), models=("ols",))
    table = bt.backtest_table(summary, seed=2, indicators=("poor_households",), models=("ols",))
    row = table[(table.segment == "QD59_2015") & (table.horizon == 2)].iloc[0]
    part = err[(err.segment == "QD59_2015") & (err.horizon == 2)]
    assert row["mae"] == pytest.approx(part["error"].abs().mean())
    assert row["mape"] == pytest.approx((100 * part["error"].abs() / part["actual"].abs()).mean())
    assert row["n"] == len(part)


def test_model_weights_inverse_mae():
    table = pd.DataFrame(
        {
            "segment": ["S"] * 2,
            "indicator": ["x"] * 2,
            "model": ["ols", "flow"],
            "horizon": [1, 1],
            "n": [4, 4],
            "mae": [10.0, 30.0],
            "mape": [np.nan, np.nan],
            "n_mape": [0, 0],
        }
    )
    w = bt.model_weights(table)
    # 1/10 : 1/30 = 3 : 1, ets absent
    assert w["ols"] == pytest.approx(0.75) and w["flow"] == pytest.approx(0.25) and w["ets"] == 0
    assert bt.model_weights(table.iloc[0:0]) == pytest.approx(
        {"ols": 1 / 3, "ets": 1 / 3, "flow": 1 / 3}
    )


def test_format_and_project_with_backtest_weights(summary):
    table = bt.backtest_table(summary, seed=5)
    text = bt.format_backtest(table)
    assert "QD59_2015 - poor_households" in text and "inverse-MAE weights" in text
    from analysis.projection.combine import project

    out = project(
        summary, "691", "poor_households", horizon=2026, weights="backtest", seed=5, n_paths=200
    )
    w = bt.model_weights(table)
    got = out[out.model != "combined"].groupby("model")["weight"].first()
    assert got.to_dict() == pytest.approx(w)


def test_bad_input():
    with pytest.raises(ValueError, match="unknown indicator"):
        bt.backtest_table(make_summary(), indicators=("nope",))
    with pytest.raises(ValueError, match="min_train must be at least 2"):
        bt.backtest_errors(make_summary(), min_train=1)
