"""The bundled dataset: the data manifest with checksums and the published figures
(`datasets`), the seeded synthetic household panel (`synthetic_panel`), and the summary table,
files and calibration table built from it (`synthetic`).

May import: `analysis.core`, `analysis.reference`, `analysis.intake`, `analysis.compute`.
"""
