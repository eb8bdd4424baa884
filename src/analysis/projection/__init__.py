"""Projection: indicator series, forecasting models and their combination to 2025 and 2030,
rolling-origin backtests, and the status of each plan target.

Modules, each importing only those listed before it: `indicators` (definitions, from
``indicators.csv``), `series` (an area's yearly series, standard segments), `context`
(`ProjectionContext`: the shared tables and caches of one summary), `models` (OLS, ETS),
`flow` (stock-flow model, empirical-Bayes pooling), `fitting` (runs the models, seeds),
`backtest`, `combine` (`project`, `simulate_paths`), `targets` (targets as data, allocation)
and `status` (`target_status`).

May import: the stages below it (`core`, `reference`, `intake`, `compute`, `bundled`).
"""
