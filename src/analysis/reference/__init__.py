"""Reference data: the province's geography (districts, communes, tolerant name matching,
`geography`), the 2025 commune crosswalk (`crosswalk`), the poverty standards and their
classifier (`standards`) and the column contracts of the input tables (`schema`), all read from
`data/`.

May import: `analysis.core`.
"""
