"""Reference data: the province's geography (districts, communes, the official 2025 commune
crosswalk table, tolerant name matching, `geography`), the poverty standards and their
classifier (`standards`) and the column contracts of the input tables (`schema`), all read from
`data/`.

May import: `analysis.core`.
"""
