"""Computation on validated tables: household flows (escaped, re-poverty, new poverty) and the
summary built from household records (`flows`); household lists of any size summed chunk by
chunk into commune-zone rows (`household_sums`); rates, changes within one standard, flow rates
and coverage per area-year row (`area_rates`); deprivation profiles and Alkire-Foster measures
(`deprivation`); the checks, keys, ratios and small-count flags they share (`common`).

May import: `analysis.core`, `analysis.reference`, `analysis.intake`.
"""
