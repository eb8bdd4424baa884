"""Tests of analysis.projection.combine on small synthetic summaries (no bundled data needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from projection_summary import make_summary

from analysis.projection import combine
from analysis.projection.context import indicator_series
from analysis.projection.models import InsufficientDataError, ols_forecast
from analysis.projection.series import latest_segment


@pytest.fixture(scope="module")
def summary():
    return make_summary()


def test_unknown_indicator_and_area(summary):
    with pytest.raises(ValueError, match="unknown indicator 'poverty_gap'"):
        combine.project(summary, "691", "poverty_gap")
    with pytest.raises(ValueError, match="unknown area '999'"):
        combine.project(summary, "999", "poor_households")
    with pytest.raises(ValueError, match="unknown model"):
        combine.project(summary, "691", "poor_households", models=("arima",))
    with pytest.raises(ValueError, match="rebase must be"):
        combine.project(summary, "691", "poor_households", rebase="double")


def test_project_with_too_few_points_in_segment(summary):
    cut = summary[summary.year <= 2023]  # only 2022-2023 under NĐ07
    with pytest.raises(InsufficientDataError, match="too few points"):
        combine.project(cut, "691", "poor_households")


def test_fit_never_spans_2021_to_2022():
    # series that jumps at 2022: QĐ59 falls 1000 -> 500, NĐ07 flat at 2000
    s = make_summary()
    out = combine.project(
        s, "province", "poor_households", models=("ols",), horizon=2026, n_paths=0
    )
    assert set(out["fit_years"]) == {"2022-2024"}
    assert set(out["fit_standard"]) == {"ND07_2021"}
    seg = latest_segment(indicator_series(s, "province", "poor_households"))
    assert seg["year"].tolist() == [2022, 2023, 2024]
    # the OLS trend equals a fit on 2022-2024 alone
    direct = ols_forecast(seg["year"], seg["value"], [2025, 2026], log=True, n_paths=0)
    assert out["mean"].to_numpy() == pytest.approx(direct.mean)


def test_projection_across_2027_is_labelled(summary):
    out = combine.project(summary, "691", "poverty_rate_pct", horizon=2030, n_paths=300)
    assert out["standard_basis"].notna().all() and out["note"].notna().all()
    early = out[out.year <= 2026]
    late = out[out.year >= 2027]
    assert set(early["standard_basis"]) == {"ND07_2021"}
    assert late["standard_basis"].str.contains("ND351_2025").all()
    assert late["note"].str.contains("not comparable").all()
    scen = combine.project(
        summary, "691", "poverty_rate_pct", horizon=2030, rebase=1.5, n_paths=300
    )
    m0 = out.set_index(["model", "year"])["mean"]
    m1 = scen.set_index(["model", "year"])["mean"]
    assert m1[("ols", 2027)] == pytest.approx(1.5 * m0[("ols", 2027)])
    assert m1[("ols", 2026)] == pytest.approx(m0[("ols", 2026)])
    assert scen[scen.year >= 2027]["standard_basis"].str.contains("scenario").all()


def test_project_columns_models_and_reproducibility(summary):
    a = combine.project(summary, "693", "poor_households", horizon=2030, seed=11, n_paths=400)
    b = combine.project(summary, "693", "poor_households", horizon=2030, seed=11, n_paths=400)
    pd.testing.assert_frame_equal(a, b)
    cols = ("year", "model", "mean", "median", "lo80", "hi80", "lo95", "hi95", "standard_basis")
    for col in (*cols, "note"):
        assert col in a
    # fixed-parameter ETS (3 points) is left out of the combination, and the note says so
    assert set(a["model"]) == {"ols", "flow", "combined"}
    assert a.loc[a.model == "combined", "note"].str.contains("left out: ets").all()
    assert a["year"].min() == 2025 and a["year"].max() == 2030
    assert (a["lo95"] <= a["lo80"]).all() and (a["lo80"] <= a["median"]).all()
    assert (a["median"] <= a["hi80"]).all() and (a["hi80"] <= a["hi95"]).all()
    assert (a["lo95"] >= 0).all()  # stocks are bounded below by 0
    # the combined rows describe the combined paths (simulate_paths with the same settings)
    paths = combine.simulate_paths(summary, "693", "poor_households", horizon=2030, seed=11,
                                   n_paths=400)  # fmt: skip
    comb = a[a.model == "combined"].set_index("year")
    assert comb["mean"].to_numpy() == pytest.approx(np.asarray(paths).mean(axis=0))
    assert comb["median"].to_numpy() == pytest.approx(np.median(np.asarray(paths), axis=0))


def test_flow_not_applicable_is_noted_or_raises(summary):
    out = combine.project(
        summary, "province", "health_insurance_coverage_pct", horizon=2025, n_paths=200
    )
    assert "flow" not in set(out["model"])
    assert out.loc[out.model == "combined", "note"].str.contains("left out:.*flow").all()
    assert (out["hi95"] <= 100).all()
    with pytest.raises(ValueError, match="flow model does not apply"):
        combine.project(summary, "province", "health_insurance_coverage_pct", models=("flow",))


def test_simulate_paths_shape_and_weights(summary):
    p = combine.simulate_paths(summary, "688", "poor_households", horizon=2030, n_paths=600, seed=3)
    assert np.asarray(p).shape == (600, 6)
    assert p.years.tolist() == list(range(2025, 2031))
    assert p.standard_basis[-1].startswith("ND07_2021 (continued")
    only_flow = combine.project(
        summary, "688", "poor_households", horizon=2026, weights={"flow": 1.0}, n_paths=300
    )
    raw = combine.project(
        summary, "688", "poor_households", horizon=2026, weights={"flow": 1.0}, n_paths=300,
        calibrate=False,
    )  # fmt: skip
    # without recalibration, a combination of the flow model alone is the flow model's paths
    comb = raw[raw.model == "combined"]["mean"].to_numpy()
    flow = raw[raw.model == "flow"]["mean"].to_numpy()
    assert comb == pytest.approx(flow, rel=0.02)
    weights = only_flow[only_flow.model != "combined"].groupby("model")["weight"].first()
    assert weights.to_dict() == {"flow": 1.0, "ols": 0.0}
