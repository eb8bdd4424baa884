"""A seeded, clearly labelled SYNTHETIC household panel for Bình Phước, calibrated to fragments.

No per-district or per-household poverty data for the province are public. This module invents
a household panel on the real geography (11 districts, 111 former communes) for the reviews
2016-2024 (Decision 59/2015 for 2016-2021, Decree 07/2021 for 2022-2024), the bundled years, and
continues the same panel to 2030 (Decree 07/2021 for 2025-2026, Decree 351/2025 for 2027-2030)
for held-out data (:mod:`analysis.bundled.synthetic_extended`); every household is classified
with :func:`analysis.reference.standards.classify` under its year's standard. Every row is
marked ``synthetic = True``. Province totals are tuned to land near the published fragments
(:func:`analysis.bundled.synthetic.calibration_table`); nothing below the province is calibrated
to any real figure. :mod:`analysis.bundled.synthetic` aggregates the panel into the summary table
and writes the bundled files.

Model (all parameters are the module-level constants below, each commented):

* households: ``HOUSEHOLDS_2016`` split over districts (``DISTRICT_HOUSEHOLD_WEIGHT``) and over
  communes (random weights, urban wards larger); every year a share leaves the panel
  (``EXIT_RATE``: dissolution, moving away) and new households form (``ENTRY_RATE``);
* ethnic minority: a household is ethnic-minority with its commune's probability, drawn around the
  district share (``DISTRICT_EM_SHARE``), lower in urban wards;
* income per person per month: log-normal, ``log y = base + district + zone + EM + commune +
  size + a_i + u_it + growth_t`` with a persistent household effect ``a_i`` (its negative part
  shrinking with ``CATCH_UP`` a year: poverty programmes), an AR(1) transitory shock ``u_it``,
  and nominal growth ``NOMINAL_GROWTH`` (COVID slowdown in 2020-2021);
* deprivations: one latent variable per household and indicator, loading on a household
  propensity that rises with low persistent income, ethnic minority and rural residence;
  prevalences fall every year (``DEPRIVATION_DECLINE``) and a small yearly noise lets flags change;
* coverage fields (health insurance, credit, training) by class, improving over time.

Continuing past 2024. All draws are made year by year in order, on four independent streams, so
generating 2016-2030 gives exactly the 2016-2024 households of generating 2016-2024 (the later
years only append draws); :func:`select_years` cuts an extended panel back to the bundled frame.
Every year-dependent parameter has values for 2025-2030, chosen to continue the fall of the
province's poverty rate seen in the published fragments (the comments beside them say why);
the change to Decree 351/2025 in 2027 (higher lines, two new indicators) is a step up in level,
not a trend. The ``DEFAULT_*`` fallbacks apply to no year up to 2030.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from analysis.reference import schema
from analysis.reference.geography import Geography, load_geography
from analysis.reference.standards import NEAR_POOR, NOT_POOR, POOR, all_indicators, classify

DEFAULT_SEED = 47
DEFAULT_YEARS = range(2016, 2025)  # the bundled years (data/synthetic/summary.csv)
LAST_YEAR = 2030  # every year-dependent parameter has a value up to this review year

# -- households -------------------------------------------------------------------------------
HOUSEHOLDS_2016 = 265_000  # households in the 2016 review (about 1.0 million people)
# Both rates stay the same after 2024: the merger of 2025 moves no household.
ENTRY_RATE = 0.027  # new households a year, share of last year's households (splits, in-migration)
EXIT_RATE = 0.018  # households leaving the panel a year (dissolution, moving out of the province)
# Relative household counts by district (roughly the 2019 census population).
DISTRICT_HOUSEHOLD_WEIGHT = {
    "688": 0.052,  # Phước Long
    "689": 0.108,  # Đồng Xoài
    "690": 0.062,  # Bình Long
    "691": 0.085,  # Bù Gia Mập
    "692": 0.118,  # Lộc Ninh
    "693": 0.056,  # Bù Đốp
    "694": 0.098,  # Hớn Quản
    "695": 0.098,  # Đồng Phú
    "696": 0.140,  # Bù Đăng
    "697": 0.082,  # Chơn Thành
    "698": 0.101,  # Phú Riềng
}
URBAN_COMMUNE_WEIGHT = 1.8  # an urban ward holds this many times the households of a rural commune
COMMUNE_WEIGHT_SHAPE = 6.0  # gamma shape of commune size weights (larger = more equal sizes)
# Share of ethnic-minority (DTTS) households by district; province about 15 %.
DISTRICT_EM_SHARE = {
    "688": 0.085,
    "689": 0.038,
    "690": 0.094,
    "691": 0.29,
    "692": 0.225,
    "693": 0.20,
    "694": 0.14,
    "695": 0.13,
    "696": 0.245,
    "697": 0.047,
    "698": 0.15,
}
EM_COMMUNE_CONCENTRATION = 6.0  # beta concentration of commune EM shares around the district's
URBAN_EM_FACTOR = 0.4  # urban wards have this fraction of their district's EM share
MEAN_EXTRA_MEMBERS = {False: 2.6, True: 3.4}  # members = 1 + Poisson(mean), by EM; max 12

# -- income (VND per person per month) ---------------------------------------------------------
LOG_BASE_2016 = math.log(2_710_000)  # median of a non-EM rural household of 4 in 2016
DISTRICT_INCOME_EFFECT = {  # log points; border and EM districts poorer
    "688": 0.07,
    "689": 0.21,
    "690": 0.08,
    "691": -0.26,
    "692": -0.15,
    "693": -0.19,
    "694": 0.00,
    "695": 0.03,
    "696": -0.09,
    "697": 0.18,
    "698": -0.03,
}
URBAN_INCOME_EFFECT = 0.25  # log points
EM_INCOME_EFFECT = -0.32  # log points for ethnic-minority households
COMMUNE_INCOME_SD = 0.10  # commune effect, log points
SIZE_INCOME_EFFECT = -0.05  # log points per member above four
PERSISTENT_SD = 0.55  # persistent household effect a_i (normal part)
# A minority of households is persistently far below the others (no land, sickness, remote
# hamlets): share by ethnic minority, and the shift of their persistent effect (log points).
DEEP_POOR_SHARE = {False: 0.03, True: 0.07}
DEEP_POOR_SHIFT = -0.8
# Yearly shrinkage of negative persistent effects (targeted support), stronger in the first
# years of the 2021-2025 national target programme (2022-2023).
CATCH_UP = {
    2017: 0.035,
    2018: 0.035,
    2019: 0.02,
    2020: 0.025,
    2021: 0.02,
    2022: 0.10,
    2023: 0.06,
    2024: 0.02,
    # 2025: last year of the 2021-2025 programme, carried out through the merger of provinces
    # and communes (1 July 2025): half the catch-up of 2024. 2026: no programme yet (Decree
    # 351/2025 extends the old standard to 2026 while the 2026-2030 programme starts), the same.
    # Together with the deprivation decline and growth below, the poor fall by about 30 % a year
    # in 2025-2026 (2023-2024: -33 %; country, same standard: 2.93 % in 2023 -> 1.3 % in 2025,
    # about -33 % a year; government report of November 2025 quoted at
    # vietnamplus.vn/ket-qua-giam-ngheo-giai-doan-2021-2025-tao-tien-de-xay-dung-chuan-ngheo-moi-post1078887.vnp).
    2025: 0.01,
    2026: 0.01,
    # 2027-2030: the 2026-2030 programme at the pace of 2019-2021 and 2024 (between campaigns).
    **dict.fromkeys(range(2027, LAST_YEAR + 1), 0.02),
}
DEFAULT_CATCH_UP = 0.02  # years not listed above (none up to 2030)
# Extra catch-up of ethnic-minority households (the 1,000-DTTS-households-a-year programme,
# from 2019; 2020: 1,250 EM households escaped under it). Keeps the EM share of the poor near
# 58 % in 2022-2023 (published 58.09 % and 58.7 %).
# 2025-2030: the programme for ethnic-minority and mountain areas goes on, smaller than in
# 2023-2024 (0.02; 0.01 in the between-programme year 2026): the EM share of the poor stays
# within 55-60 % instead of drifting away from the published 58-59 %.
EM_CATCH_UP_BONUS = {2019: 0.01, 2020: 0.03, 2021: 0.02, 2023: 0.10, 2024: 0.04}
EM_CATCH_UP_BONUS |= {2025: 0.02, 2026: 0.01, **dict.fromkeys(range(2027, LAST_YEAR + 1), 0.02)}
TRANSITORY_SD = 0.10  # stationary sd of the AR(1) transitory shock
TRANSITORY_RHO = 0.5  # its autocorrelation
NOMINAL_GROWTH = {  # growth of incomes in the year to the review, all households
    2017: 0.07,
    2018: 0.07,
    2019: 0.09,
    2020: 0.08,  # COVID-19
    2021: 0.05,  # COVID-19
    2022: 0.12,  # recovery
    2023: 0.08,
    2024: 0.05,
    # 2025-2030: 6.5 % a year, the mean of 2023-2024; below the 8 % a year of workers' average
    # monthly income in the country (5.5 million VND in 2020 -> 8.3 million in 2025), as the
    # incomes near the line are mostly farm incomes. The lines are fixed in nominal VND within a
    # standard, so this growth alone lowers the poverty rate every year.
    **dict.fromkeys(range(2025, LAST_YEAR + 1), 0.065),
}
DEFAULT_GROWTH = 0.07  # for years not listed above (none up to 2030)

# -- deprivations -------------------------------------------------------------------------------
# Prevalence among all households in 2016, per indicator. The two indicators of Decision 59 only
# (health care access, assets for information access) are the most common, and those of Decree
# 07 only are rare, so that the 2021 records re-classified under Decree 07 (the start of 2022)
# hold about 7,000-7,500 poor households (about 2,800 escapes in 2022, as the province planned)
# while Decision 59 still finds about 3,500 in 2021.
DEPRIVATION_PREVALENCE_2016 = {
    "health_access": 0.12,
    "health_insurance": 0.048,
    "adult_education": 0.054,
    "child_school": 0.024,
    "housing_quality": 0.036,
    "floor_area": 0.036,
    "drinking_water": 0.048,
    "latrine": 0.072,
    "telecom": 0.024,
    "info_assets": 0.20,
    "employment": 0.01,
    "dependants": 0.015,
    "nutrition": 0.008,
    "info_access": 0.015,
    "digital_services": 0.25,
    "waste": 0.30,
}
# Relative fall of every prevalence in the year to the review (faster under the 2021-2025
# programme: housing, sanitation, health insurance support). Under Decree 07 a household below
# the income line with fewer than 3 deprivations is near-poor, so the fast fall of 2023-2024
# turns poor households into near-poor ones (near-poor / poor 0.7-0.9; region 0.6, country 0.9).
DEPRIVATION_DECLINE = {
    2017: 0.06,
    2018: 0.06,
    2019: 0.06,
    2020: 0.10,
    2021: 0.06,
    2022: 0.10,
    2023: 0.25,
    2024: 0.23,
    # 2025: the campaign to remove temporary and dilapidated houses ends (completed in 2025),
    # about half the fall of 2023-2024. 2026: between programmes, slower still. 2027-2030: the
    # 2026-2030 programme, as in the Decision-59 years 2017-2021 (0.06-0.10). The same factor
    # applies to the two indicators Decree 351/2025 adds (digital services, waste handling),
    # which start from the highest prevalences: with the higher income lines they make the
    # start of 2027 (the 2026 records re-classified) about five times the poor of the end of
    # 2026, and about 1.3 % of households poor at the end of 2027 (2022, Decree 07: 1.8 %).
    2025: 0.12,
    2026: 0.08,
    **dict.fromkeys(range(2027, LAST_YEAR + 1), 0.10),
}
DEFAULT_DEPRIVATION_DECLINE = 0.20  # years not listed above (none up to 2030)
DEPRIVATION_LOADING = 0.86  # loading of each indicator's latent on the household propensity
PROPENSITY_INCOME = 0.90  # weight of (low) persistent income in the propensity
PROPENSITY_EM = 0.70  # extra propensity of ethnic-minority households (sd units)
PROPENSITY_RURAL = 0.25  # extra propensity of rural households (sd units)
DEPRIVATION_NOISE_SD = 0.15  # yearly noise on the latents (lets flags change)

# -- coverage fields ----------------------------------------------------------------------------
# Schedules are values in (2016, 2024, 2030), linear in between (see `_lerp`). After 2024 each
# keeps improving at a slower pace than in 2016-2024 (the last points of a saturating path):
# the poor were nearly all insured by 2024 (the state buys their cards), so their share stays;
# near-poor and other households gain about a third of the 2016-2024 gain; loans and training
# close part of the remaining gap to the plan's 100 % (targets T3-T5 are not reached in full).
UNINSURED_SHARE = {  # share of members without a card
    POOR: (0.04, 0.005, 0.005),
    NEAR_POOR: (0.12, 0.03, 0.02),
    NOT_POOR: (0.18, 0.08, 0.06),
}
CREDIT_NEED = {POOR: 0.35, NEAR_POOR: 0.25, "recent": 0.18, NOT_POOR: 0.03}
CREDIT_RECEIVED = (0.78, 0.95, 0.97)  # share of needs met
TRAINING_NEED = {POOR: 0.25, NEAR_POOR: 0.10}  # per working-age member
WORKING_AGE_SHARE = 0.6  # working-age members per member
TRAINING_RECEIVED = (0.55, 0.85, 0.90)  # share of training needs met


# -- helpers ------------------------------------------------------------------------------------
def _lerp(path: tuple[float, ...], year: int) -> float:
    """Piecewise-linear schedule through its values of 2016, 2024 and 2030 (clamped).

    Up to 2024 the arithmetic is that of the two-point schedules the bundled years were made
    with, so their values (and the bundled files) do not change.
    """
    if year <= 2024 or len(path) < 3:
        t = min(max((year - 2016) / 8, 0.0), 1.0)
        return path[0] + (path[1] - path[0]) * t
    t = min((year - 2024) / 6, 1.0)
    return path[1] + (path[2] - path[1]) * t


def _communes(geography: Geography, rng: np.random.Generator) -> pd.DataFrame:
    """Commune frame with household weights and EM probabilities."""
    com = geography.communes[["commune_code", "district_code", "zone"]].copy()
    com = com.sort_values("commune_code").reset_index(drop=True)
    unknown = sorted(set(com["district_code"]) - set(DISTRICT_HOUSEHOLD_WEIGHT))
    if unknown:
        raise ValueError(f"no synthetic parameters for district code(s) {unknown}")
    urban = (com["zone"] == "urban").to_numpy()
    raw = rng.gamma(COMMUNE_WEIGHT_SHAPE, 1.0, len(com)) * np.where(urban, URBAN_COMMUNE_WEIGHT, 1)
    district_total = pd.Series(raw).groupby(com["district_code"]).transform("sum").to_numpy()
    dist_w = com["district_code"].map(DISTRICT_HOUSEHOLD_WEIGHT).to_numpy(dtype=float)
    com["weight"] = raw / district_total * dist_w / sum(DISTRICT_HOUSEHOLD_WEIGHT.values())
    mean = com["district_code"].map(DISTRICT_EM_SHARE).to_numpy(dtype=float)
    mean = np.where(urban, mean * URBAN_EM_FACTOR, mean)
    k = EM_COMMUNE_CONCENTRATION
    draw = rng.beta(mean * k, (1 - mean) * k)
    # Rescale so that each district's expected share is its DISTRICT_EM_SHARE exactly.
    weighted = pd.Series(draw * com["weight"].to_numpy()).groupby(com["district_code"]).transform(
        "sum"
    ) / pd.Series(com["weight"].to_numpy()).groupby(com["district_code"]).transform("sum")
    target = com["district_code"].map(DISTRICT_EM_SHARE).to_numpy(dtype=float)
    com["em_share"] = np.clip(draw * target / weighted.to_numpy(), 0.0, 0.95)
    com["income_effect"] = com["district_code"].map(DISTRICT_INCOME_EFFECT).to_numpy(
        dtype=float
    ) + rng.normal(0, COMMUNE_INCOME_SD, len(com))
    return com


def _new_households(n: int, com: pd.DataFrame, rng: np.random.Generator) -> dict:
    """Static attributes of ``n`` new households."""
    commune = rng.choice(len(com), size=n, p=com["weight"].to_numpy())
    em = rng.random(n) < com["em_share"].to_numpy()[commune]
    lam = np.where(em, MEAN_EXTRA_MEMBERS[True], MEAN_EXTRA_MEMBERS[False])
    members = np.minimum(1 + rng.poisson(lam), 12)
    return {
        "commune": commune,
        "em": em,
        "members": members,
        "persistent": rng.normal(0, PERSISTENT_SD, n)
        + DEEP_POOR_SHIFT
        * (rng.random(n) < np.where(em, DEEP_POOR_SHARE[True], DEEP_POOR_SHARE[False])),
        "transitory": rng.normal(0, TRANSITORY_SD, n),
        "dep_noise": rng.normal(0, 1, (n, len(all_indicators()))),
        "prop_noise": rng.normal(0, 1, n),
    }


def _turn_over(
    attrs: dict,
    entry: np.ndarray,
    exit_year: np.ndarray,
    year: int,
    com: pd.DataFrame,
    rng: np.random.Generator,
    shock_rng: np.random.Generator,
) -> tuple[dict, np.ndarray, np.ndarray]:
    """Exits and entries in the year to ``year``'s review, and the AR(1) update of the shocks."""
    active_prev = (entry <= year - 1) & (exit_year > year - 1)
    leaving = active_prev & (rng.random(len(entry)) < EXIT_RATE)
    exit_year = np.where(leaving, year, exit_year)
    n_new = int(round(ENTRY_RATE * active_prev.sum()))
    new = _new_households(n_new, com, rng)
    attrs = {k: np.concatenate([attrs[k], new[k]]) for k in attrs}
    entry = np.concatenate([entry, np.full(n_new, year)])
    exit_year = np.concatenate([exit_year, np.full(n_new, 10_000)])
    # AR(1) update of the transitory shock of households already there.
    old = len(entry) - n_new
    shock = shock_rng.normal(0, TRANSITORY_SD * math.sqrt(1 - TRANSITORY_RHO**2), old)
    attrs["transitory"][:old] = TRANSITORY_RHO * attrs["transitory"][:old] + shock
    return attrs, entry, exit_year


def _deprivation_flags(
    persistent: np.ndarray,
    persistent_sd: float,
    em: np.ndarray,
    urban: np.ndarray,
    prop_noise: np.ndarray,
    dep_noise: np.ndarray,
    dep_factor: float,
    dep_rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """``d_<indicator>`` flags of one year's households.

    Propensity from low persistent income, EM and rural residence; the thresholds fall with the
    prevalences (``dep_factor``: prevalence relative to the first year).
    """
    nd = NormalDist()
    propensity = (
        -PROPENSITY_INCOME * persistent / persistent_sd
        + PROPENSITY_EM * em
        + PROPENSITY_RURAL * ~urban
        + math.sqrt(max(1 - PROPENSITY_INCOME**2, 0.0)) * prop_noise
    )
    propensity = (propensity - propensity.mean()) / propensity.std()
    latent = (
        DEPRIVATION_LOADING * propensity[:, None]
        + math.sqrt(1 - DEPRIVATION_LOADING**2) * dep_noise
    )
    latent = latent + dep_rng.normal(0, DEPRIVATION_NOISE_SD, latent.shape)
    flags = {}
    for k, ind in enumerate(all_indicators()):
        prevalence = DEPRIVATION_PREVALENCE_2016[ind] * dep_factor
        threshold = nd.inv_cdf(1 - prevalence) * math.sqrt(1 + DEPRIVATION_NOISE_SD**2)
        flags[f"d_{ind}"] = latent[:, k] > threshold
    return flags


def _add_coverage(
    frame: pd.DataFrame,
    klass: np.ndarray,
    was_poor: np.ndarray,
    members: np.ndarray,
    year: int,
    cov_rng: np.random.Generator,
) -> None:
    """Add the coverage fields (health insurance, credit, training) of one year, by class."""
    poor = klass == POOR
    near = klass == NEAR_POOR
    recent = ~poor & ~near & was_poor
    n = len(frame)
    miss = np.select(
        [poor, near],
        [_lerp(UNINSURED_SHARE[POOR], year), _lerp(UNINSURED_SHARE[NEAR_POOR], year)],
        _lerp(UNINSURED_SHARE[NOT_POOR], year),
    )
    frame["health_insured"] = (members - cov_rng.binomial(members, miss)).astype(np.int8)
    need_p = np.select(
        [poor, near, recent],
        [CREDIT_NEED[POOR], CREDIT_NEED[NEAR_POOR], CREDIT_NEED["recent"]],
        CREDIT_NEED[NOT_POOR],
    )
    credit_need = cov_rng.random(n) < need_p
    frame["credit_need"] = credit_need
    frame["credit_received"] = credit_need & (cov_rng.random(n) < _lerp(CREDIT_RECEIVED, year))
    working = cov_rng.binomial(members, WORKING_AGE_SHARE)
    train_p = np.select([poor, near], [TRAINING_NEED[POOR], TRAINING_NEED[NEAR_POOR]], 0.0)
    training_need = cov_rng.binomial(working, train_p)
    frame["training_need"] = training_need.astype(np.int8)
    frame["training_received"] = cov_rng.binomial(
        training_need, _lerp(TRAINING_RECEIVED, year)
    ).astype(np.int8)


def _tidy_panel(
    panel: pd.DataFrame, hh_commune: np.ndarray, entry: np.ndarray, com: pd.DataFrame
) -> pd.DataFrame:
    """The generated rows with household ids, compact dtypes, sorted by household and year."""
    # Household ids: commune code + serial in order of entry within the commune.
    order = np.lexsort((np.arange(len(entry)), entry, hh_commune))
    serial = np.empty(len(entry), dtype=np.int64)
    sorted_communes = hh_commune[order]
    first = np.r_[True, sorted_communes[1:] != sorted_communes[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    serial[order] = np.arange(len(order)) - group_start + 1
    codes = com["commune_code"].to_numpy(dtype=str)
    ids = np.char.add(np.char.add(codes[hh_commune], "-"), np.char.zfill(serial.astype(str), 6))
    id_cat = pd.Categorical.from_codes(
        np.argsort(np.argsort(ids, kind="stable"), kind="stable"), categories=np.sort(ids)
    )

    out = pd.DataFrame(
        {
            "household_id": pd.Categorical.from_codes(
                id_cat.codes[panel["hh"].to_numpy()], categories=id_cat.categories
            ),
            "year": panel["year"].to_numpy(dtype=np.int16),
            "commune_code": pd.Categorical.from_codes(
                panel["commune"].to_numpy(), categories=list(codes)
            ),
            "zone": pd.Categorical(panel["zone"].to_numpy(), categories=list(schema.ZONES)),
            "ethnic_minority": panel["ethnic_minority"].to_numpy(dtype=bool),
            "members": panel["members"].to_numpy(dtype=np.int8),
            "income_pc": panel["income_pc"].to_numpy(dtype=np.int32),
        }
    )
    for ind in all_indicators():
        out[f"d_{ind}"] = panel[f"d_{ind}"].to_numpy(dtype=bool)
    out["recorded_class"] = pd.Categorical(
        panel["recorded_class"].to_numpy(), categories=[POOR, NEAR_POOR, NOT_POOR]
    )
    for col in ["health_insured", "credit_need", "credit_received", "training_need"]:
        out[col] = panel[col].to_numpy()
    out["training_received"] = panel["training_received"].to_numpy()
    out["synthetic"] = True
    # Household by household (then year): runs of repeated ids and attributes compress well.
    out = out.sort_values(["household_id", "year"], kind="stable").reset_index(drop=True)
    return out


def generate_panel(
    seed: int = DEFAULT_SEED,
    years=DEFAULT_YEARS,
    geography: Geography | None = None,
) -> pd.DataFrame:
    """Generate the synthetic household panel.

    Parameters
    ----------
    seed : int, default 47
        Seed of the random generator; the same seed gives the same panel.
    years : iterable of int, default 2016-2024
        Consecutive review years up to ``LAST_YEAR`` (2030); each is classified under its own
        standard. Years after 2024 continue the same panel: the rows of 2016-2024 do not
        depend on how far the panel runs (compare with :func:`select_years`).
    geography : Geography, optional
        Defaults to :func:`analysis.reference.geography.load_geography` (Bình Phước).

    Returns
    -------
    pandas.DataFrame
        One row per household and review year, sorted by ``household_id`` and year:
        ``household_id`` (``"<commune>-<serial>"``, categorical), ``year`` (int16),
        ``commune_code`` (categorical), ``zone`` (categorical), ``ethnic_minority`` (bool),
        ``members`` (int8), ``income_pc`` (int32, VND per person per month, rounded to 1,000),
        ``d_<indicator>`` (bool, every indicator of every standard, every year),
        ``recorded_class`` (categorical, the year's standard), ``health_insured`` (int8, members
        with a card), ``credit_need``, ``credit_received`` (bool), ``training_need``,
        ``training_received`` (int8, people) and ``synthetic`` (True).
    """
    # One loop over the review years that carries the panel's state (households, growth,
    # catch-up, poverty history) from year to year; the per-year pieces are the helpers above.
    years = [int(y) for y in years]
    if not years or years != list(range(years[0], years[0] + len(years))):
        raise ValueError(f"years must be consecutive review years, got {years}")
    if years[-1] > LAST_YEAR:
        raise ValueError(f"the synthetic model has parameters up to {LAST_YEAR}, not {years[-1]}")
    geography = geography if geography is not None else load_geography()
    # Independent streams, so that e.g. coverage draws do not shift the population's draws.
    rng, shock_rng, dep_rng, cov_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)
    )
    com = _communes(geography, rng)
    com_urban = (com["zone"] == "urban").to_numpy()
    persistent_sd = None  # of the first year's households, scales the deprivation propensity

    # Households: initial stock, then entries year by year (attributes stored in growing arrays).
    attrs = _new_households(HOUSEHOLDS_2016, com, rng)
    entry = np.full(HOUSEHOLDS_2016, years[0])
    exit_year = np.full(HOUSEHOLDS_2016, 10_000)
    growth_log = 0.0
    dep_factor = 1.0  # prevalence of deprivations relative to the first year
    shrink = 1.0  # remaining share of negative persistent effects
    shrink_em = 1.0  # the same for ethnic-minority households
    frames = []
    poor_hist = {}  # year -> bool array over households known that year
    for t, year in enumerate(years):
        if t > 0:
            attrs, entry, exit_year = _turn_over(attrs, entry, exit_year, year, com, rng, shock_rng)
            growth_log += math.log1p(NOMINAL_GROWTH.get(year, DEFAULT_GROWTH))
            dep_factor *= 1 - DEPRIVATION_DECLINE.get(year, DEFAULT_DEPRIVATION_DECLINE)
            catch = CATCH_UP.get(year, DEFAULT_CATCH_UP)
            shrink *= 1 - catch
            shrink_em *= 1 - min(catch + EM_CATCH_UP_BONUS.get(year, 0.0), 1.0)
        n_all = len(entry)
        active = (entry <= year) & (exit_year > year)
        idx = np.flatnonzero(active)
        commune = attrs["commune"][idx]
        urban = com_urban[commune]
        em = attrs["em"][idx]
        members = attrs["members"][idx]
        persistent = attrs["persistent"][idx]
        if persistent_sd is None:
            persistent_sd = float(persistent.std())
        a_eff = np.where(persistent < 0, persistent * np.where(em, shrink_em, shrink), persistent)
        log_income = (
            LOG_BASE_2016
            + com["income_effect"].to_numpy()[commune]
            + URBAN_INCOME_EFFECT * urban
            + EM_INCOME_EFFECT * em
            + SIZE_INCOME_EFFECT * (members - 4)
            + a_eff
            + attrs["transitory"][idx]
            + growth_log
        )
        income = (np.round(np.exp(log_income) / 1000) * 1000).astype(np.int32)
        flags = _deprivation_flags(
            persistent,
            persistent_sd,
            em,
            urban,
            attrs["prop_noise"][idx],
            attrs["dep_noise"][idx],
            dep_factor,
            dep_rng,
        )
        frame = pd.DataFrame(
            {
                "hh": idx,
                "year": np.full(len(idx), year, dtype=np.int16),
                "commune": commune,
                "zone": np.where(urban, "urban", "rural"),
                "ethnic_minority": em,
                "members": members.astype(np.int8),
                "income_pc": income,
                **flags,
            }
        )
        klass = classify(frame, year).to_numpy(dtype=object)
        frame["recorded_class"] = klass

        # Poor in one of the three previous reviews (for the credit needs of recent escapers).
        was_poor = np.zeros(len(idx), dtype=bool)
        for back in range(1, 4):
            hist = poor_hist.get(year - back)
            if hist is not None:
                known = idx < len(hist)
                was_poor[known] |= hist[idx[known]]
        hist_now = np.zeros(n_all, dtype=bool)
        hist_now[idx] = klass == POOR
        poor_hist[year] = hist_now
        _add_coverage(frame, klass, was_poor, members, year, cov_rng)
        frames.append(frame)

    panel = pd.concat(frames, ignore_index=True)
    return _tidy_panel(panel, attrs["commune"], entry, com)


def select_years(panel: pd.DataFrame, years) -> pd.DataFrame:
    """The rows of some review years of a panel, as :func:`generate_panel` makes them.

    Household ids that no longer occur are dropped from the categories, so that the rows of
    2016-2024 cut from a longer panel are the very frame (and parquet bytes) that generating
    2016-2024 gives.

    Parameters
    ----------
    panel : pandas.DataFrame
        From :func:`generate_panel`.
    years : iterable of int

    Returns
    -------
    pandas.DataFrame
        The selected rows, index reset, same columns and dtypes.
    """
    wanted = [int(y) for y in years]
    out = panel[panel["year"].isin(wanted)].reset_index(drop=True)
    out["household_id"] = out["household_id"].cat.remove_unused_categories()
    return out
