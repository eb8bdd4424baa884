"""The bundled dataset: the data manifest with checksums and the published figures
(`datasets`), and the seeded synthetic household panel calibrated to them (`synthetic`).

May import: `analysis.core`, `analysis.reference`, `analysis.intake`, `analysis.compute`.
"""
