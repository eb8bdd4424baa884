"""Projection: indicator series, forecasting models and their combination to 2025 and 2030,
rolling-origin backtests, and the status of each plan target.

May import: the stages below it (`core`, `reference`, `intake`, `compute`, `bundled`).
"""
