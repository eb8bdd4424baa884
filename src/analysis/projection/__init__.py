"""Projection: indicator series, forecasting models and their combination to 2025 and 2030,
rolling-origin backtests and calibration, the bridge to the next poverty standard, and the
verdict on each plan target.

Modules: `indicators` (definitions, from ``indicators.csv``), `series` (an area's yearly series,
standard segments), `context` (`ProjectionContext`: the shared tables and caches of one summary),
`bounds` (what simulated paths may not cross), `models` (OLS, ETS), `flow` (stock-flow model,
empirical-Bayes pooling), `fitting` (runs the models, seeds), `calibration` (interval factors per
indicator group, ``calibration.csv``), `backtest`, `evaluation`, `scoring` and
`calibration_tables` (rolling-origin scores, coverage, reliability, Brier), `combine`
(`project`, `simulate_paths`), `bridge` (NĐ 07 -> NĐ 351 factors from household records),
`outlook` (the forecasts stated per year), `targets` (targets as data, allocation), `verdicts`
(the rules: status, pace, reason) and `status` (`target_status`).

May import: the stages below it (`core`, `reference`, `intake`, `compute`, `bundled`).
"""
