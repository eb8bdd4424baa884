"""Computation on validated tables: household flows (escaped, re-poverty, new poverty) and the
summary built from household records (`flows`); rates, changes within one standard, coverage,
deprivation profiles and Alkire-Foster measures (`measures`).

May import: `analysis.core`, `analysis.reference`, `analysis.intake`.
"""
