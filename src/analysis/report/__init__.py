"""Report: what one report shows. The report context (one area, one year, one language: the data
loaded once, shared facts, cached computations), the section functions the notebooks call, the
generated narrative, and report tables (which also carry their data to the Excel export).

May import: every stage below it (`core` to `charts`); never `analysis.build` or the CLI.
"""
