"""Intake: reading the files analysts hold (summary forms and household lists as Excel, CSV or
Parquet), parsing their cells, validating them with every problem named by file, row and column,
and the blank Excel form.

May import: `analysis.core`, `analysis.reference`.
"""
