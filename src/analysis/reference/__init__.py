"""Reference data: the province's geography (districts, communes, the official 2025 commune
crosswalk table, the new communes of 1 July 2025 and the unit system of each review year,
tolerant name matching, `geography` and `names`), the poverty standards and their
classifier (`standards`) and the column contracts of the input tables (`schema`), all read from
`data/`.

May import: `analysis.core`.
"""
