"""Report: what one report shows. The report context (one area, one year, one language: the data
loaded once, shared facts, cached computations), the data behind each section (`section_data`,
`overview_data`: DataFrames an analyst can use), the section functions the notebooks call
(`sections`, which display that data through `display`), the generated narrative, and report
tables (which also carry their data to the Excel export).

May import: every stage below it (`core` to `charts`); never `analysis.build` or the CLI.
"""
