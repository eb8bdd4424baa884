"""Benchmarks (`./run.sh bench`) and the national-scale household generator. Outside what a
report process imports: only the CLI imports this package.

May import: any stage.
"""
