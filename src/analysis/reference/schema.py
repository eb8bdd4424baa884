"""Column contracts of the two data tables every module shares.

Area-year summary (the review's summary form), one row per review year x area x zone:

============================  ==============================================================
column                        meaning
============================  ==============================================================
year                          review year (int)
area_code                     district or (former) commune code, string with leading zeros
area_level                    ``district`` or ``commune``
zone                          ``urban`` or ``rural``
total_households              households in the area and zone
poor_start                    poor households at the start of the year (under the year's standard)
poor_escaped                  poor at the start, not poor at the end (thoát nghèo)
poor_repoverty                poor at the end, not poor at the start, poor in an earlier year
poor_new                      poor at the end, never poor before (phát sinh nghèo mới)
poor_other                    other changes, signed (moves, deaths, splits, reclassification)
poor_end                      poor households at the end of the year
near_poor_start ... _end      the same for near-poor households: start, escaped (left near-poverty
                              for not poor), new (entered near-poverty), other (signed), end
em_total_households           ethnic-minority (DTTS) households
em_poor_* / em_near_poor_*    the same stocks and flows for ethnic-minority households
dep_<indicator>               poor and near-poor households deprived on the indicator (end of year;
                              empty where the year's standard does not have the indicator)
people_poor_near              people in poor and near-poor households
people_health_insured         of whom holding a health-insurance card (T3)
households_credit_need        poor, near-poor and recently-escaped households needing a loan (T4)
households_credit_received    of whom received one
people_training_need          poor working-age people needing vocational training (T5)
people_training_received      of whom received it
especially_difficult          commune on the especially-difficult (ĐBKK) list (commune rows only)
synthetic                     True when the row comes from the synthetic generator
============================  ==============================================================

Optional column ``unit_system`` (both tables): ``former-communes`` (districts and the 111
former communes) or ``communes-2025`` (the 40 new communes of 1 July 2025); without it, a
row's codes are those of its review year's unit system
(:meth:`analysis.reference.geography.Geography.unit_system_for_year`). Every new commune code
is also a former commune's code.

Flow identity: ``end = start - escaped + repoverty + new + other`` (near-poor: no re-poverty term).

Household records (optional, richer), one row per household x review year:
``household_id, year, commune_code, zone, ethnic_minority, members``, income per person
(``income_pc``, VND/month) and/or ``score_a``, one boolean ``d_<indicator>`` per indicator,
``recorded_class`` (poor / near_poor / not_poor), and the coverage fields
``health_insured`` (members with a card), ``credit_need``, ``credit_received`` (booleans),
``training_need``, ``training_received`` (people).
"""

from __future__ import annotations

from analysis.reference.standards import all_indicators

KEYS = ["year", "area_code", "zone"]
ZONES = ("urban", "rural")
LEVELS = ("district", "commune")

POOR_FLOWS = ["start", "escaped", "repoverty", "new", "other", "end"]
NEAR_FLOWS = ["start", "escaped", "new", "other", "end"]


def stock_flow_columns(prefix: str) -> list[str]:
    """Flow columns for a prefix: ``poor``, ``near_poor``, ``em_poor``, ``em_near_poor``."""
    flows = NEAR_FLOWS if prefix.endswith("near_poor") else POOR_FLOWS
    return [f"{prefix}_{f}" for f in flows]


POOR_COLUMNS = stock_flow_columns("poor")
NEAR_POOR_COLUMNS = stock_flow_columns("near_poor")
EM_POOR_COLUMNS = stock_flow_columns("em_poor")
EM_NEAR_POOR_COLUMNS = stock_flow_columns("em_near_poor")

COVERAGE_COLUMNS = [
    "people_poor_near",
    "people_health_insured",
    "households_credit_need",
    "households_credit_received",
    "people_training_need",
    "people_training_received",
]

# Coverage targets T3-T5: (numerator, denominator).
COVERAGE_RATIOS = {
    "health_insurance": ("people_health_insured", "people_poor_near"),
    "credit": ("households_credit_received", "households_credit_need"),
    "training": ("people_training_received", "people_training_need"),
}


def deprivation_columns() -> list[str]:
    """``dep_<indicator>`` for every indicator of every standard."""
    return [f"dep_{i}" for i in all_indicators()]


def count_columns() -> list[str]:
    """All non-negative integer count columns of the summary table."""
    return (
        ["total_households"]
        + POOR_COLUMNS
        + NEAR_POOR_COLUMNS
        + ["em_total_households"]
        + EM_POOR_COLUMNS
        + EM_NEAR_POOR_COLUMNS
        + deprivation_columns()
        + COVERAGE_COLUMNS
    )


def summary_columns() -> list[str]:
    """All summary columns in their canonical order."""
    return (
        ["year", "area_code", "area_level", "zone"]
        + count_columns()
        + [
            "especially_difficult",
            "synthetic",
        ]
    )


# Signed columns: "other changes" can be negative.
SIGNED_COLUMNS = {c for c in summary_columns() if c.endswith("_other")}

HOUSEHOLD_BASE_COLUMNS = [
    "household_id",
    "year",
    "commune_code",
    "zone",
    "ethnic_minority",
    "members",
]
HOUSEHOLD_OPTIONAL_COLUMNS = [
    "income_pc",
    "score_a",
    "recorded_class",
    "health_insured",
    "credit_need",
    "credit_received",
    "training_need",
    "training_received",
    "synthetic",
]
