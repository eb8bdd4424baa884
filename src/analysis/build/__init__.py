"""Build: turning notebooks into reports. Jobs and their parameters, the cache key and manifest,
atomic file writes, the process pool that forks one warm process per report, the in-process
notebook engine, HTML/PDF/xlsx rendering, the index page, the Dask executor, and the batch
runner: the only writer of `reports/`.

May import: every stage below it (`core` to `report`); never the CLI or the benchmarks.
"""

from analysis.build.parameters import skip_iri_grammar

# before any build module imports nbformat (and with it jsonschema): ~0.8 s saved per process
skip_iri_grammar()
