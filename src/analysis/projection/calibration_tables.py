"""The tables of the calibration study, as data frames, plain text and Markdown.

`study_tables` turns an :class:`analysis.projection.evaluation.Evaluation` into the tables that
``python -m analysis backtest`` prints and writes to ``bench/calibration.md``:

``mae``
    MAE per segment, indicator, horizon and forecaster (each model, ``combined`` - the median of
    the recalibrated combined paths, the point the reports state - and ``no_change``).
``relative``
    Per segment, group, horizon and forecaster: MAE relative to the no-change benchmark (the mean
    over the group's indicators of ``MAE / MAE(no change)``: below 1 beats it), the median
    relative error in % (positive: forecasts too high) and the share of over-forecasts.
``coverage``
    Empirical coverage of the 80% and 95% intervals per segment, group and horizon (and all
    horizons): each model, the combined forecast before recalibration (``combined raw``) and
    after (``combined``: cross-validated factors for training cases, factors fitted on all
    training cases for holdout cases).
``reliability``
    Per split, predicted-probability decile: events, mean prediction, observed frequency and
    their difference, before (``raw``) and after recalibration.
``brier``
    Brier scores per split and group, of the raw and recalibrated probabilities and of the
    constant base-rate forecast, with the skill score.
``reliability goal``
    Per split, group and variant: the deciles with 20 events or more, how many are within 10
    points of the observed frequency, and the worst miss.
``scales``, ``weights``
    The recalibration factors per group and the combination weights per group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.projection.backtest import NO_CHANGE
from analysis.projection.calibration import GROUPS
from analysis.projection.fitting import MODELS
from analysis.projection.scoring import brier_skill, covered, reliability_table

FORECASTERS = (*MODELS, "combined raw", "combined", NO_CHANGE)
_CALIBRATED = "combined cross-validated"
_SPLIT_LABEL = {"training": "training", "holdout": "holdout"}


def _cases(ev) -> pd.DataFrame:
    """Cases with the calibrated combined renamed ``combined`` (cross-validated variant)."""
    c = ev.cases[ev.cases["forecaster"] != "combined in-sample"].copy()
    c["forecaster"] = c["forecaster"].replace({_CALIBRATED: "combined"})
    c["ae"] = (c["point"] - c["actual"]).abs()
    c["c80"] = covered(c["actual"], c["lo80"], c["hi80"])
    c["c95"] = covered(c["actual"], c["lo95"], c["hi95"])
    actual = c["actual"].abs().where(c["actual"] != 0)
    c["rel"] = 100.0 * (c["point"] - c["actual"]) / actual
    c["over"] = c["point"] > c["actual"]
    c["segment"] = c["segment"] + " " + c["split"]
    return c


def _order(frame: pd.DataFrame, column: str = "forecaster") -> pd.DataFrame:
    rank = {f: i for i, f in enumerate(FORECASTERS)}
    return frame.sort_values(column, key=lambda s: s.map(lambda v: rank.get(v, 99)), kind="stable")


def mae_table(ev) -> pd.DataFrame:
    """MAE per segment, group, indicator, horizon (rows) and forecaster (columns), with ``n``."""
    c = _cases(ev)
    c = c[c["forecaster"] != "combined raw"]
    keys = ["segment", "group", "indicator", "horizon"]
    wide = c.pivot_table(index=keys, columns="forecaster", values="ae", aggfunc="mean", sort=False)
    wide = wide[[f for f in FORECASTERS if f in wide.columns]]
    n = c[c["forecaster"] == NO_CHANGE].groupby(keys, sort=False).size().rename("n")
    return wide.join(n).reset_index()


def relative_table(ev) -> pd.DataFrame:
    """Relative MAE (vs no change), median relative error % and share over-forecast."""
    c = _cases(ev)
    c = c[c["forecaster"] != "combined raw"]
    keys = ["segment", "group", "horizon"]
    per = c.groupby([*keys, "indicator", "forecaster"], sort=False)["ae"].mean().reset_index()
    base = per[per["forecaster"] == NO_CHANGE].set_index([*keys, "indicator"])["ae"]
    per["ratio"] = (
        per["ae"].to_numpy()
        / base.reindex(pd.MultiIndex.from_frame(per[[*keys, "indicator"]])).to_numpy()
    )
    out = per.groupby([*keys, "forecaster"], sort=False)["ratio"].mean().rename("mae_vs_no_change")
    bias = c.groupby([*keys, "forecaster"], sort=False).agg(
        median_error_pct=("rel", "median"), over_forecast=("over", "mean"), n=("ae", "size")
    )
    table = pd.concat([out, bias], axis=1).reset_index()
    table = _order(table).sort_values(["segment", "group", "horizon"], kind="stable")
    return table.reset_index(drop=True)


def coverage_table(ev) -> pd.DataFrame:
    """Coverage of the 80% and 95% intervals per segment, group, forecaster and horizon."""
    c = _cases(ev)
    c = c[c["forecaster"] != NO_CHANGE]
    keys = ["segment", "group", "forecaster"]
    by_h = c.groupby([*keys, "horizon"], sort=False).agg(
        n=("c80", "size"), cover80=("c80", "mean"), cover95=("c95", "mean")
    )
    every = c.groupby(keys, sort=False).agg(
        n=("c80", "size"), cover80=("c80", "mean"), cover95=("c95", "mean")
    )
    every = every.assign(horizon="all").set_index("horizon", append=True)
    table = pd.concat([by_h, every]).reset_index()
    table["horizon"] = table["horizon"].astype(str)
    table = _order(table).sort_values(["segment", "group", "horizon"], kind="stable")
    return table.reset_index(drop=True)


def reliability(ev, split: str, variant: str) -> pd.DataFrame:
    """Reliability table of the target events of one split and variant (``raw``...)."""
    e = ev.events[(ev.events["split"] == split) & (ev.events["variant"] == variant)]
    return reliability_table(e["probability"], e["outcome"])


def reliability_goal(ev, min_cases: int = 20, tolerance: float = 0.10) -> pd.DataFrame:
    """Per split, group and variant: how many deciles with ``min_cases`` events or more are
    within ``tolerance`` of the observed frequency, and the largest miss among them."""
    rows = []
    for (split, variant), part in ev.events.groupby(["split", "variant"], sort=False):
        if variant not in ("raw", "cross-validated"):
            continue
        label = "raw" if variant == "raw" else "recalibrated"
        for group in [*GROUPS, "all"]:
            sel = part if group == "all" else part[part["group"] == group]
            table = reliability_table(sel["probability"], sel["outcome"])
            big = table[table["n"] >= min_cases]
            misses = big["difference"].abs()
            rows.append(
                (split, group, label, len(big), int((misses <= tolerance).sum()),
                 float(misses.max()) if len(big) else np.nan)
            )  # fmt: skip
    return pd.DataFrame(
        rows,
        columns=["split", "group", "probabilities", "deciles_20plus", "within_10pt", "worst"],
    )


def brier_table(ev) -> pd.DataFrame:
    """Brier scores per split, group and variant, with the base-rate forecast's and the skill."""
    rows = []
    events = ev.events[ev.events["variant"].isin(["raw", "cross-validated"])]
    for (split, variant), part in events.groupby(["split", "variant"], sort=False):
        groups = [(g, part[part["group"] == g]) for g in GROUPS] + [("all", part)]
        for group, sel in groups:
            if len(sel):
                score, ref, skill = brier_skill(sel["probability"], sel["outcome"])
                label = "raw" if variant == "raw" else "recalibrated"
                rows.append((split, group, label, len(sel), score, ref, skill))
    return pd.DataFrame(
        rows, columns=["split", "group", "probabilities", "events", "brier", "base_rate", "skill"]
    )


def study_tables(ev) -> dict[str, pd.DataFrame]:
    """Every table of the study (module docstring), by name."""
    splits = [s for s in ("training", "holdout") if (ev.events["split"] == s).any()]
    scales = pd.DataFrame(
        [(g, GROUPS[g], s.shift, s.s80, s.s95, ev.counts.get(g, 0)) for g, s in ev.scales.items()],
        columns=["group", "label", "shift", "s80", "s95", "n"],
    )
    groups = getattr(ev.weights, "groups", {})
    weights = pd.DataFrame(
        [(g, *(w.get(m, 0.0) for m in MODELS)) for g, w in groups.items()],
        columns=["group", *MODELS],
    )
    tables = {
        "mae": mae_table(ev),
        "relative": relative_table(ev),
        "coverage": coverage_table(ev),
        "brier": brier_table(ev),
        "reliability goal": reliability_goal(ev),
        "scales": scales,
        "weights": weights,
    }
    for split in splits:
        for variant, label in (("raw", "raw"), ("cross-validated", "recalibrated")):
            tables[f"reliability {split} {label}"] = reliability(ev, split, variant)
    return tables


def _cell(value) -> str:
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return "-"
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def text_table(frame: pd.DataFrame) -> str:
    """A data frame as aligned plain text (floats to 3 decimals, or 1 from 10 on)."""
    header = [str(c) for c in frame.columns]
    body = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *body]]
    return "\n".join(lines)


def markdown_table(frame: pd.DataFrame) -> str:
    """A data frame as a Markdown pipe table."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = [
        "| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)
    ]
    return "\n".join([header, rule, *body])


TITLES = {
    "mae": "MAE per segment, indicator, horizon and forecaster (indicator units)",
    "relative": "MAE relative to no change (mean over the group's indicators) and bias",
    "coverage": "Coverage of the 80% and 95% intervals",
    "brier": "Brier scores of target probabilities (base rate: a constant forecast)",
    "reliability goal": "Reliability goal: deciles with 20+ events within 10 points (worst miss)",
    "scales": "Recalibration factors per group (calibration.csv)",
    "weights": "Combination weights per group (inverse backtest MAE)",
}


def render(tables: dict[str, pd.DataFrame], markdown: bool = False) -> str:
    """All tables, titled, as plain text (the CLI) or Markdown (``bench/calibration.md``)."""
    out = []
    for name, frame in tables.items():
        title = TITLES.get(name, f"Reliability of target probabilities: {name[12:]}")
        if markdown:
            out += [f"### {title}", "", markdown_table(frame), ""]
        else:
            out += [title, "", text_table(frame), ""]
    return "\n".join(out)


def calibration_markdown(tables: dict[str, pd.DataFrame], args, timing: str) -> str:
    """The results file ``bench/calibration.md``: how it was made, then every table.

    Parameters
    ----------
    tables : dict
        `study_tables`.
    args : argparse.Namespace
        The ``backtest`` command's arguments (seed, paths, data, holdout).
    timing : str
        How long the study took.

    Returns
    -------
    str
    """
    data = args.data or "bundled synthetic data (data/synthetic/summary.csv)"
    holdout = (
        "no"
        if args.data or args.no_holdout
        else "2025-2026 from analysis.bundled.synthetic_extended.holdout_summary (seed 47)"
    )
    lines = [
        "# Forecast calibration (issue 10)",
        "",
        "Regenerate: `.venv/bin/python -m analysis backtest --out bench/calibration.md` "
        "(add `--write-calibration` to refit `src/analysis/projection/calibration.csv`). "
        "How the study works: `analysis.projection.evaluation`; the tables: "
        "`analysis.projection.calibration_tables`; the discussion: `bench/README.md`.",
        "",
        f"- data: {data}; held-out years: {holdout}",
        f"- seed {args.seed}, {args.paths} simulated paths per model and fit; {timing}",
        "- segments: `QD59_2015 training` = Decision 59 origins 2018-2020 (fits on 3 reviews), "
        "scored on 2019-2021; `ND07_2021 holdout` = origin 2024 (fit on 2022-2024, as the "
        "reports), scored on 2025-2026 with weights and factors fitted on the training cases",
        "- `combined` = the median and limits of the recalibrated combined paths "
        "(training: factors fitted without the case's target year); `combined raw` = before "
        "recalibration",
        "",
        render(tables, markdown=True),
    ]
    return "\n".join(lines)
