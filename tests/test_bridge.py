"""Tests for analysis.projection.bridge: re-classification under NĐ 351/2025 and bridged paths.

The hand table: seven households of the 2024 review (NĐ 07/2021) in Phước Long (688) and Đồng
Xoài (689). Lines, VND per person per month: NĐ 07 rural 1,500,000 / urban 2,000,000; NĐ 351
rural 2,200,000 / urban 2,800,000; poor = at or below the line with 3 or more of the standard's
deprivations, near-poor = at or below the line with fewer. NĐ 351 drops ``info_access`` and adds
``digital_services`` and ``waste``.

== ======== ===== ========= === ======================================= ========== ==========
#  commune  zone  income    EM  deprived on                             NĐ 07      NĐ 351
== ======== ===== ========= === ======================================= ========== ==========
1  688      rural 1,200,000 yes employment, nutrition, latrine (3; 3)   poor       poor
2  688      rural 1,400,000 no  info_access, telecom, latrine (3; 2)    poor       near-poor
3  688      rural 1,800,000 yes digital_services, waste, latrine (1; 3) not poor   poor
4  688      urban 2,500,000 no  none                                    not poor   near-poor
5  689      urban 1,900,000 no  housing_quality, floor_area, waste (2;3) near-poor  poor
6  689      rural 3,000,000 no  all sixteen                             not poor   not poor
7  689      rural 1,000,000 no  employment, dependants, nutrition (3;3) poor       poor
== ======== ===== ========= === ======================================= ========== ==========
"""

import time

import numpy as np
import pandas as pd
import pytest

from analysis.core import paths
from analysis.projection import bridge
from analysis.reference.standards import all_indicators

NO_GROWTH = pd.DataFrame({"year": range(2025, 2031), "nominal_income_growth": 0.0})
HAND = [
    ("25245", "rural", 1_200_000, True, ["employment", "nutrition", "latrine"]),
    ("25249", "rural", 1_400_000, False, ["info_access", "telecom", "latrine"]),
    ("25245", "rural", 1_800_000, True, ["digital_services", "waste", "latrine"]),
    ("25216", "urban", 2_500_000, False, []),
    ("25195", "urban", 1_900_000, False, ["housing_quality", "floor_area", "waste"]),
    ("25207", "rural", 3_000_000, False, all_indicators()),
    ("25213", "rural", 1_000_000, False, ["employment", "dependants", "nutrition"]),
]


def hand_table() -> pd.DataFrame:
    rows = []
    for i, (commune, zone, income, em, deprived) in enumerate(HAND, start=1):
        row = {
            "household_id": f"h{i}",
            "year": 2024,
            "commune_code": commune,
            "zone": zone,
            "ethnic_minority": em,
            "members": 4,
            "income_pc": income,
        }
        row.update({f"d_{ind}": ind in deprived for ind in all_indicators()})
        rows.append(row)
    return pd.DataFrame(rows)


def value(table, area, measure, column="factor"):
    row = table[(table["area_code"] == area) & (table["measure"] == measure)]
    assert len(row) == 1, (area, measure)
    return row[column].iloc[0]


def test_factors_exact_on_the_hand_table():
    t = bridge.bridge_factors(hand_table(), 2024, assumptions=NO_GROWTH, n_boot=200)
    assert list(t.columns) == list(bridge.COLUMNS)
    assert list(t["area_code"].unique()) == ["688", "689", "province"]
    assert (t["from_standard"] == "ND07_2021").all() and (t["to_standard"] == "ND351_2025").all()
    assert (t["reference_year"] == 2027).all() and (t["income_uprating"] == 1.0).all()
    # Phước Long: NĐ 07 poor {1, 2}, near none, EM poor {1}; NĐ 351 poor {1, 3}, near {2, 4}.
    assert value(t, "688", "poor_households", "value_from") == 2
    assert value(t, "688", "poor_households", "value_to") == 2
    assert value(t, "688", "poor_households") == 1.0
    assert np.isnan(value(t, "688", "near_poor_households"))  # 2 / 0: undefined
    assert value(t, "688", "poor_near_poor_households") == 2.0
    assert value(t, "688", "em_poor_households") == 2.0
    assert value(t, "688", "poverty_rate_pct", "value_from") == 50.0
    assert value(t, "688", "poverty_rate_pct") == 1.0
    assert value(t, "688", "em_poverty_rate_pct", "value_to") == 100.0
    # Đồng Xoài: NĐ 07 poor {7}, near {5}; NĐ 351 poor {5, 7}, near none; no EM households.
    assert value(t, "689", "poor_households") == 2.0
    assert value(t, "689", "near_poor_households") == 0.0
    assert value(t, "689", "poor_near_poor_households") == 1.0
    assert np.isnan(value(t, "689", "em_poor_households"))
    assert np.isnan(value(t, "689", "em_poverty_rate_pct", "value_from"))
    assert value(t, "689", "poverty_rate_pct", "value_to") == pytest.approx(200 / 3)
    # Province
    assert value(t, "province", "poor_households") == pytest.approx(4 / 3)
    assert value(t, "province", "near_poor_households") == 2.0
    assert value(t, "province", "poor_near_poor_households") == 1.5
    assert value(t, "province", "em_poor_households") == 2.0
    assert value(t, "province", "poor_households", "households") == 7
    # without uprating the review's own classification is the from classification
    assert (t["value_review"].fillna(-1) == t["value_from"].fillna(-1)).all()
    assert not t["synthetic"].any()


def test_province_factor_is_the_ratio_of_sums():
    t = bridge.bridge_factors(hand_table(), 2024, assumptions=NO_GROWTH, n_boot=50)
    for measure in ("poor_households", "near_poor_households", "em_poor_households"):
        rows = t[(t["measure"] == measure) & (t["level"] == "district")]
        expected = rows["value_to"].sum() / rows["value_from"].sum()
        assert value(t, "province", measure) == pytest.approx(expected)


def test_incomes_are_uprated_to_the_first_year_of_the_new_standard():
    growth = NO_GROWTH.assign(nominal_income_growth=0.10)
    t = bridge.bridge_factors(hand_table(), 2024, assumptions=growth, n_boot=50)
    assert value(t, "province", "poor_households", "income_uprating") == pytest.approx(1.331)
    # x 1.331: households 1, 2, 5 rise above the NĐ 07 line (1.597, 1.863 rural; 2.529 urban),
    # 3 and 4 above the NĐ 351 line (2.396 rural, 3.328 urban): NĐ 07 poor {7},
    # NĐ 351 poor {1, 5, 7}, near-poor {2}.
    assert value(t, "province", "poor_households", "value_review") == 3
    assert value(t, "province", "poor_households", "value_from") == 1
    assert value(t, "province", "poor_households", "value_to") == 3
    assert value(t, "province", "poor_households") == 3.0
    assert value(t, "province", "near_poor_households", "value_to") == 1


def test_income_uprating_reads_the_data_file():
    table = bridge.load_bridge_assumptions()
    assert {"year", "nominal_income_growth", "source"} <= set(table.columns)
    g = table.set_index("year")["nominal_income_growth"]
    expected = (1 + g[2025]) * (1 + g[2026]) * (1 + g[2027])
    assert bridge.income_uprating(2024, 2027) == pytest.approx(expected)
    assert bridge.income_uprating(2027, 2027) == 1.0
    with pytest.raises(bridge.BridgeError, match="no nominal_income_growth for 2024"):
        bridge.income_uprating(2023, 2027, NO_GROWTH)


@pytest.mark.parametrize("resample", bridge.RESAMPLING)
def test_bootstrap_intervals_contain_the_point_and_repeat_with_the_seed(resample):
    hh = pd.concat([hand_table()] * 30, ignore_index=True)
    kw = dict(assumptions=NO_GROWTH, n_boot=400, resample=resample)
    t = bridge.bridge_factors(hh, 2024, seed=5, **kw)
    ok = t["factor"].notna()
    assert (t.loc[ok, "lo95"] <= t.loc[ok, "lo80"]).all()
    assert (t.loc[ok, "lo80"] <= t.loc[ok, "factor"] + 1e-12).all()
    assert (t.loc[ok, "factor"] <= t.loc[ok, "hi80"] + 1e-12).all()
    assert (t.loc[ok, "hi80"] <= t.loc[ok, "hi95"]).all()
    pd.testing.assert_frame_equal(t, bridge.bridge_factors(hh, 2024, seed=5, **kw))
    draws = bridge.estimate_bridge(hh, 2024, seed=5, **kw).draws
    other = bridge.estimate_bridge(hh, 2024, seed=6, **kw).draws
    assert not np.array_equal(draws, other, equal_nan=True)
    # the province has width when households are resampled, or when its communes differ
    prov = t[(t["area_code"] == "province") & (t["measure"] == "poor_households")].iloc[0]
    assert prov["hi95"] > prov["lo95"]


def test_bridge_keeps_the_draws_behind_the_intervals():
    est = bridge.estimate_bridge(hand_table(), 2024, assumptions=NO_GROWTH, n_boot=300, seed=1)
    assert est.areas == ("688", "689", "province")
    assert est.draws.shape == (3, len(bridge.MEASURES), 300)
    draws = est.factor_draws("province")
    row = est.table[
        (est.table["area_code"] == "province") & (est.table["measure"] == "poor_households")
    ].iloc[0]
    assert np.quantile(draws, 0.1) == pytest.approx(row["lo80"])
    assert len(draws) == round(300 * (1 - row["undefined_share"]))
    with pytest.raises(bridge.BridgeError, match="no bridge factor for area"):
        est.factor_draws("999")


def test_missing_flags_are_named():
    hh = hand_table().drop(columns=["d_digital_services", "d_waste"])
    with pytest.raises(bridge.BridgeError) as err:
        bridge.bridge_factors(hh, 2024, assumptions=NO_GROWTH)
    msg = str(err.value)
    assert "d_digital_services, d_waste" in msg and "351/2025" in msg
    # an empty column is no better than a missing one
    hh = hand_table().assign(d_waste=pd.Series([pd.NA] * 7, dtype="boolean"))
    with pytest.raises(bridge.BridgeError, match="lack: d_waste"):
        bridge.bridge_factors(hh, 2024, assumptions=NO_GROWTH)
    # and the year's own standard needs its flags too
    with pytest.raises(bridge.BridgeError, match="07/2021.*d_info_access"):
        bridge.bridge_factors(hand_table().drop(columns="d_info_access"), 2024)


def test_other_bad_inputs_are_explained():
    with pytest.raises(bridge.BridgeError, match="no household records of the 2023 review"):
        bridge.bridge_factors(hand_table(), 2023)
    bad = hand_table()
    bad.loc[0, "commune_code"] = "99999"
    with pytest.raises(bridge.BridgeError, match="99999"):
        bridge.bridge_factors(bad, 2024)
    with pytest.raises(bridge.BridgeError, match="resample"):
        bridge.bridge_factors(hand_table(), 2024, resample="district")
    with pytest.raises(bridge.BridgeError, match="unknown poverty standard"):
        bridge.bridge_factors(hand_table(), 2024, to_standard="ND99")


def test_bridge_paths_converts_the_years_of_the_new_standard():
    years = np.arange(2025, 2031)
    values = np.tile(np.array([100.0, 90, 80, 70, 60, 50]), (4, 1))
    out = bridge.bridge_paths(values, 2.0, years=years)
    assert out.basis == ("ND07_2021",) * 2 + ("ND351_2025",) * 4
    assert out.bridged.tolist() == [False, False, True, True, True, True]
    np.testing.assert_allclose(out.values[0], [100, 90, 160, 140, 120, 100])
    summary = out.summary()
    assert list(summary.columns) == [
        "year", "standard_basis", "bridged", "median", "lo80", "hi80", "lo95", "hi95",
    ]  # fmt: skip
    assert summary["median"].tolist() == [100, 90, 160, 140, 120, 100]


def test_bridge_paths_pairs_one_factor_draw_per_path():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(100, 5, (1000, 4)), columns=[2026, 2027, 2028, 2029])
    draws = np.array([2.0, 3.0, np.nan])  # NaN draws are dropped
    a = bridge.bridge_paths(frame, draws, seed=3)
    b = bridge.bridge_paths(frame, draws, seed=3)
    np.testing.assert_array_equal(a.values, b.values)
    assert set(np.unique(a.factors[:, 1:])) == {2.0, 3.0} and (a.factors[:, 0] == 1).all()
    assert (a.factors[:, 1:] == a.factors[:, [1]]).all()  # one draw per path, for all its years
    np.testing.assert_allclose(a.values, frame.to_numpy() * a.factors)
    np.testing.assert_array_equal(a.values[:, 0], frame[2026].to_numpy())
    s = a.summary().set_index("year")
    assert s.loc[2027, "lo95"] < 200 < 300 < s.loc[2027, "hi95"]
    assert s.loc[2026, "standard_basis"] == "ND07_2021"
    with pytest.raises(bridge.BridgeError, match="finite"):
        bridge.bridge_paths(frame, [np.nan])


def test_bundled_2024_households_several_times_more_poor_under_nd351():
    path = paths.default_households()
    if not path.exists():
        pytest.skip("bundled households not generated (python -m analysis data ensure)")
    hh = pd.read_parquet(path)
    hh = hh[hh["year"] == 2024].reset_index(drop=True)
    start = time.perf_counter()
    t = bridge.bridge_factors(hh, 2024)
    elapsed = time.perf_counter() - start
    poor = t[t["measure"] == "poor_households"].set_index("area_code")
    cols = ["area_name", "value_review", "value_from", "value_to", "factor", "lo80", "hi80"]
    print(f"\n{len(hh)} households, {elapsed:.2f} s\n{poor[cols].round(2).to_string()}")
    prov = poor.loc["province"]
    assert prov["value_to"] > 2 * prov["value_review"]  # the issue measured about x4
    assert 2 < prov["factor"] < 20 and prov["lo80"] <= prov["factor"] <= prov["hi80"]
    no_growth = bridge.bridge_factors(hh, 2024, assumptions=NO_GROWTH, n_boot=100)
    flat = no_growth.set_index(["area_code", "measure"]).loc[("province", "poor_households")]
    assert 2 < flat["value_to"] / flat["value_from"] < 10
    assert (poor["factor"] > 1).all() and poor["synthetic"].all()
    # the review's own classification is the one the synthetic generator recorded
    assert prov["value_review"] == (hh["recorded_class"] == "poor").sum()
    assert poor.loc["province", "value_to"] == poor.drop("province")["value_to"].sum()


def test_bridge_paths_takes_one_replicate_per_path_from_per_year_draws():
    values = np.full((500, 3), 10.0)
    draws = {2027: [2.0, 3.0, np.nan, 5.0], 2028: [4.0, 6.0, 1.0, 10.0]}  # replicate k: 2 x k
    out = bridge.bridge_paths(values, draws, years=[2026, 2027, 2028], seed=1)
    f = out.factors
    assert set(f[:, 1]) == {2.0, 3.0, 5.0}  # replicate 2 is undefined in 2027: never taken
    np.testing.assert_array_equal(f[:, 2], 2 * f[:, 1])
    with pytest.raises(bridge.BridgeError, match="no bridge factor draws for 2028"):
        bridge.bridge_paths(values, {2027: [2.0]}, years=[2026, 2027, 2028])
    with pytest.raises(bridge.BridgeError, match="equal number"):
        bridge.bridge_paths(values, {2027: [2.0], 2028: [1.0, 2.0]}, years=[2026, 2027, 2028])


def test_per_year_factors_from_the_same_seed_are_the_same_resamples():
    hh = pd.concat([hand_table()] * 10, ignore_index=True)
    kw = dict(n_boot=200, seed=2)
    early = bridge.estimate_bridge(hh, 2024, reference_year=2025, assumptions=NO_GROWTH, **kw)
    late = bridge.estimate_bridge(hh, 2024, reference_year=2027, assumptions=NO_GROWTH, **kw)
    # replicate k is the same resample of communes whatever the reference year
    np.testing.assert_array_equal(early.draws, late.draws)
    growth = NO_GROWTH.assign(nominal_income_growth=0.1)
    grown = bridge.estimate_bridge(hh, 2024, reference_year=2027, assumptions=growth, **kw)
    assert grown.table["income_uprating"].iloc[0] == pytest.approx(1.331)
    assert not np.array_equal(grown.draws, late.draws, equal_nan=True)
