"""Tests of analysis.projection.forecast on small synthetic summaries (no bundled data needed).

`make_summary` builds a seeded district x zone x year summary with a jump in the poor stock at
2022 (the new standard); the other test modules import it from here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.projection import forecast as fc

DISTRICTS = {"688": 1.0, "691": 2.5, "693": 1.8, "696": 0.6}


def make_summary(seed: int = 7, districts=DISTRICTS, years=range(2016, 2025)) -> pd.DataFrame:
    """Seeded synthetic summary: binomial flows with fixed rates, stocks x 2.2 at 2022."""
    rng = np.random.default_rng(seed)
    years = list(years)
    rows = []
    for code, scale in districts.items():
        for zone, share in (("rural", 0.7), ("urban", 0.3)):
            total = int(8000 * share * (1 + 0.3 * scale))
            poor, near = int(total * 0.05 * scale), int(total * 0.04 * scale)
            em_total, em_poor = int(total * 0.25), int(total * 0.025 * scale)
            cov = 90.0
            for y in years:
                first = y == years[0]
                if y == 2022:
                    poor, near, em_poor = int(poor * 2.2), int(near * 1.8), int(em_poor * 2.2)
                esc = rng.binomial(poor, 0.30)
                rep = rng.binomial(total - poor, 0.002)
                new = rng.binomial(total - poor, 0.004)
                end = poor - esc + rep + new
                em_esc = rng.binomial(em_poor, 0.28)
                em_new = rng.binomial(em_total - em_poor, 0.004)
                em_end = em_poor - em_esc + em_new
                n_esc = rng.binomial(near, 0.25)
                n_new = rng.binomial(total - poor - near, 0.003)
                near_end = near - n_esc + n_new
                people = 4 * (end + near_end)
                cov = min(cov + 1.0, 99.5)

                def flow(v, first=first):
                    return np.nan if first else v

                rows.append(
                    {
                        "year": y,
                        "area_code": code,
                        "area_level": "district",
                        "zone": zone,
                        "total_households": total,
                        "poor_start": poor,
                        "poor_escaped": flow(esc),
                        "poor_repoverty": flow(rep),
                        "poor_new": flow(new),
                        "poor_other": flow(0),
                        "poor_end": end,
                        "near_poor_start": near,
                        "near_poor_escaped": flow(n_esc),
                        "near_poor_new": flow(n_new),
                        "near_poor_other": flow(0),
                        "near_poor_end": near_end,
                        "em_total_households": em_total,
                        "em_poor_start": em_poor,
                        "em_poor_escaped": flow(em_esc),
                        "em_poor_repoverty": flow(0),
                        "em_poor_new": flow(em_new),
                        "em_poor_other": flow(0),
                        "em_poor_end": em_end,
                        "people_poor_near": people,
                        "people_health_insured": int(people * cov / 100),
                        "households_credit_need": 100,
                        "households_credit_received": 80 + (y - 2016) * 2,
                        "people_training_need": 50,
                        "people_training_received": 40,
                        "especially_difficult_communes": (
                            max(0, 3 - (y - 2016) // 3) if code == "691" and zone == "rural" else 0
                        ),
                        "synthetic": True,
                    }
                )
                poor, near, em_poor = end, near_end, em_end
                total, em_total = int(total * 1.01), int(em_total * 1.01)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def summary():
    return make_summary()


# -- series -----------------------------------------------------------------------------------
def test_series_sums_zones_and_labels_standards(summary):
    s = fc.indicator_series(summary, "691", "poor_households")
    rows = summary[(summary.area_code == "691") & (summary.year == 2023)]
    assert s.loc[s.year == 2023, "value"].item() == rows["poor_end"].sum()
    assert s.loc[s.year == 2021, "standard"].item() == "QD59_2015"
    assert s.loc[s.year == 2022, "standard"].item() == "ND07_2021"
    rep = fc.indicator_series(summary, "province", "repoverty_households")
    assert np.isnan(rep.loc[rep.year == 2016, "value"].item())  # first-year flows are NaN
    prov = fc.indicator_series(summary, "province", "poor_reduction_households")
    y23 = summary[summary.year == 2023]
    assert prov.loc[prov.year == 2023, "value"].item() == (y23.poor_start - y23.poor_end).sum()


def test_unknown_indicator_and_area(summary):
    with pytest.raises(ValueError, match="unknown indicator 'poverty_gap'"):
        fc.project(summary, "691", "poverty_gap")
    with pytest.raises(ValueError, match="unknown area '999'"):
        fc.project(summary, "999", "poor_households")
    with pytest.raises(ValueError, match="unknown model"):
        fc.project(summary, "691", "poor_households", models=("arima",))
    with pytest.raises(ValueError, match="rebase must be"):
        fc.project(summary, "691", "poor_households", rebase="double")


# -- OLS and ETS recover known trends ---------------------------------------------------------
def test_ols_recovers_slope_and_level():
    rng = np.random.default_rng(1)
    years = np.arange(2010, 2025)
    values = 500.0 - 12.0 * (years - 2010) + rng.normal(0, 3, len(years))
    f = fc.ols_forecast(years, values, [2025, 2030], n_paths=500, rng=rng)
    assert f.params["slope"] == pytest.approx(-12.0, abs=1.0)
    # true value at 2024 is 332, at 2030 260
    assert f.params["intercept"] == pytest.approx(332.0, abs=4.0)
    assert f.mean[1] == pytest.approx(260.0, abs=10.0)
    assert f.lo95[1] < f.lo80[1] < f.mean[1] < f.hi80[1] < f.hi95[1]
    assert f.paths.shape == (500, 2)


def test_ols_on_logs_recovers_growth_rate():
    years = np.arange(2016, 2022)
    values = 1000.0 * 0.8 ** (years - 2016)
    f = fc.ols_forecast(years, values, [2022], log=True, n_paths=0)
    assert np.exp(f.params["slope"]) == pytest.approx(0.8, rel=1e-9)
    assert f.mean[0] == pytest.approx(1000.0 * 0.8**6, rel=1e-9)


def test_ets_estimated_recovers_level_and_slope():
    rng = np.random.default_rng(2)
    years = np.arange(2001, 2025)
    values = 100.0 + 5.0 * (years - 2001) + rng.normal(0, 1.0, len(years))
    f = fc.ets_forecast(years, values, [2025, 2026], n_paths=400, rng=np.random.default_rng(3))
    assert f.params["estimated"] is True
    true_2024 = 100.0 + 5.0 * 23
    assert f.params["level"] == pytest.approx(true_2024, abs=3.0)
    assert f.params["trend"] == pytest.approx(5.0, abs=1.0)
    # damped: one step ahead grows by phi * trend, within 1.5 of the true slope
    assert f.mean[0] - f.params["level"] == pytest.approx(5.0, abs=1.5)
    assert f.lo95[0] < f.mean[0] < f.hi95[0]


def test_ets_with_three_points_uses_fixed_parameters():
    f = fc.ets_forecast([2022, 2023, 2024], [300.0, 270.0, 240.0], [2025], n_paths=200)
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
    with pytest.raises(fc.InsufficientDataError, match="too few points for ols: 2"):
        fc.ols_forecast([2023, 2024], [10.0, 9.0], [2025])
    with pytest.raises(fc.InsufficientDataError, match="too few points for ets"):
        fc.ets_forecast([2024], [10.0], [2025])


def test_project_with_too_few_points_in_segment(summary):
    cut = summary[summary.year <= 2023]  # only 2022-2023 under NĐ07
    with pytest.raises(fc.InsufficientDataError, match="too few points"):
        fc.project(cut, "691", "poor_households")


# -- flow model -------------------------------------------------------------------------------
def test_flow_model_mean_matches_hand_computed_path():
    # S0 = 1000 poor of T = 20000 households; e = 0.3, r = 0.002, n = 0.003, no growth.
    # E[S1] = 1000 * 0.7 + 19000 * 0.005 = 795
    # E[S2] = 795 * 0.7 + 19205 * 0.005 = 556.5 + 96.025 = 652.525
    # E[S3] = 652.525 * 0.7 + 19347.475 * 0.005 = 456.7675 + 96.737375 = 553.504875
    out = fc.flow_paths(
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
    a, b = fc.beta_binomial_mom(k, n)
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
    a2, b2 = fc.beta_binomial_mom([10, 20, 30], [100, 200, 300])
    assert a2 + b2 > 1e5


# -- standards: never across a change, always labelled ----------------------------------------
def test_fit_never_spans_2021_to_2022():
    # series that jumps at 2022: QĐ59 falls 1000 -> 500, NĐ07 flat at 2000
    s = make_summary()
    out = fc.project(s, "province", "poor_households", models=("ols",), horizon=2026, n_paths=0)
    assert set(out["fit_years"]) == {"2022-2024"}
    assert set(out["fit_standard"]) == {"ND07_2021"}
    seg = fc.latest_segment(fc.indicator_series(s, "province", "poor_households"))
    assert seg["year"].tolist() == [2022, 2023, 2024]
    # the OLS trend equals a fit on 2022-2024 alone
    direct = fc.ols_forecast(seg["year"], seg["value"], [2025, 2026], log=True, n_paths=0)
    assert out["mean"].to_numpy() == pytest.approx(direct.mean)


def test_projection_across_2027_is_labelled(summary):
    out = fc.project(summary, "691", "poverty_rate_pct", horizon=2030, n_paths=300)
    assert out["standard_basis"].notna().all() and out["note"].notna().all()
    early = out[out.year <= 2026]
    late = out[out.year >= 2027]
    assert set(early["standard_basis"]) == {"ND07_2021"}
    assert late["standard_basis"].str.contains("ND351_2025").all()
    assert late["note"].str.contains("not comparable").all()
    scen = fc.project(summary, "691", "poverty_rate_pct", horizon=2030, rebase=1.5, n_paths=300)
    m0 = out.set_index(["model", "year"])["mean"]
    m1 = scen.set_index(["model", "year"])["mean"]
    assert m1[("ols", 2027)] == pytest.approx(1.5 * m0[("ols", 2027)])
    assert m1[("ols", 2026)] == pytest.approx(m0[("ols", 2026)])
    assert scen[scen.year >= 2027]["standard_basis"].str.contains("scenario").all()


def test_project_columns_models_and_reproducibility(summary):
    a = fc.project(summary, "693", "poor_households", horizon=2030, seed=11, n_paths=400)
    b = fc.project(summary, "693", "poor_households", horizon=2030, seed=11, n_paths=400)
    pd.testing.assert_frame_equal(a, b)
    for col in ("year", "model", "mean", "lo80", "hi80", "lo95", "hi95", "standard_basis", "note"):
        assert col in a
    assert set(a["model"]) == {"ols", "ets", "flow", "combined"}
    assert a["year"].min() == 2025 and a["year"].max() == 2030
    assert (a["lo95"] <= a["hi95"]).all()
    comb = a[a.model == "combined"].set_index("year")["mean"]
    parts = a[a.model != "combined"].pivot(index="year", columns="model", values="mean")
    assert comb.to_numpy() == pytest.approx(parts.mean(axis=1).to_numpy())


def test_flow_not_applicable_is_noted_or_raises(summary):
    out = fc.project(
        summary, "province", "health_insurance_coverage_pct", horizon=2025, n_paths=200
    )
    assert "flow" not in set(out["model"])
    assert out.loc[out.model == "combined", "note"].str.contains("left out: flow").all()
    with pytest.raises(ValueError, match="flow model does not apply"):
        fc.project(summary, "province", "health_insurance_coverage_pct", models=("flow",))


def test_simulate_paths_shape_and_weights(summary):
    p = fc.simulate_paths(summary, "688", "poor_households", horizon=2030, n_paths=600, seed=3)
    assert np.asarray(p).shape == (600, 6)
    assert p.years.tolist() == list(range(2025, 2031))
    assert p.standard_basis[-1].startswith("ND07_2021 (continued")
    only_flow = fc.project(
        summary, "688", "poor_households", horizon=2026, weights={"flow": 1.0}, n_paths=300
    )
    comb = only_flow[only_flow.model == "combined"]["mean"].to_numpy()
    flow = only_flow[only_flow.model == "flow"]["mean"].to_numpy()
    assert comb == pytest.approx(flow)
