"""Charts: the accessible, deterministic matplotlib figures of the reports (trend, flow, bar and
ranking charts, tile map and choropleth) and their SVG output.

May import: the stages below it (`core`, `reference`, `intake`, `compute`, `bundled`,
`projection`).
"""
