"""The bundled dataset: the data manifest with checksums and the published figures
(`datasets`), the seeded synthetic household panel (`synthetic_panel`), the summary table,
files and calibration table built from it (`synthetic`), and the panel continued past 2024:
held-out summaries for backtests and the 2025 review by new commune (`synthetic_extended`).

May import: `analysis.core`, `analysis.reference`, `analysis.intake`, `analysis.compute`.
"""
