"""Benchmarks (`./run.sh bench`), the national-scale household generator and B5's household
files (`households_bench`). Outside what a
report process imports: only the CLI imports this package.

May import: any stage.
"""
