"""The tables of the plan-target section (`analysis.report.sections.projections`): the verdict
on every target with its figures and its reason, and the forecasts stated year by year.

Both display through `analysis.report.display.table`, so they also reach the Excel file.
"""

from __future__ import annotations

import pandas as pd

from analysis.core.i18n import label, standard_label, status_name
from analysis.core.numbers import format_number
from analysis.report.context import ReportContext
from analysis.report.display import formatter as display_formatter
from analysis.report.display import note, table


def verdicts(ctx: ReportContext, status: pd.DataFrame) -> None:
    """The verdict table (one row per target, mixed units written row by row) and one sentence
    per target: its status and the reason."""
    units = status["unit"].tolist()
    value_kind = {"households": "count", "communes": "count", "percent": "rate"}
    pace_kind = {"households": "count", "communes": "ratio", "percent": "points"}
    fmt = {u: display_formatter(value_kind.get(u, "ratio"), ctx.lang) for u in set(units)}
    ranges = [
        f"{fmt[u](lo)}–{fmt[u](hi)}" if pd.notna(lo) and pd.notna(hi) else "–"
        for u, lo, hi in zip(units, status["projected_lo80"], status["projected_hi80"], strict=True)
    ]
    shown = pd.DataFrame(
        {
            "target": status["target_id"].to_numpy(),
            "latest_value": status["latest_value"].to_numpy(float),
            "target_value": status["target_value"].to_numpy(float),
            "actual_pace": status["actual_pace"].to_numpy(float),
            "required_pace": status["required_pace"].to_numpy(float),
            "projected_value": status["projected_value"].to_numpy(float),
            "range80": ranges,
            "probability": status["probability"].to_numpy(float),
            "status": [status_name(s, ctx.lang) for s in status["status"]],
        }
    )
    table(
        ctx,
        shown,
        "targets",
        "report.section.targets",
        {"probability": "probability"},
        row_kinds=[
            (["latest_value", "target_value", "projected_value"],
             [value_kind.get(u, "ratio") for u in units]),
            (["actual_pace", "required_pace"], [pace_kind.get(u, "ratio") for u in units]),
        ],
    )  # fmt: skip
    names = [
        label(f"target.plan.{t.split('-')[0]}", ctx.lang, year=t.split("-")[1])
        if "-" in t
        else label(f"target.{t}", ctx.lang)
        for t in status["target_id"]
    ]
    reasons = pd.DataFrame(
        {
            "target": [f"{t}: {n}" for t, n in zip(status["target_id"], names, strict=True)],
            "verdict_on": [label(f"indicator.{i}", ctx.lang) for i in status["indicator"]],
            "status": [status_name(s, ctx.lang) for s in status["status"]],
            "reason": status[f"reason_{ctx.lang}"].to_numpy(),
        }
    )
    table(ctx, reasons, "verdicts", "report.verdict_reasons", {})
    escapes = status[
        (status["also_report"] == "escaped_households") & (status["target_id"] == "T1")
    ]
    for r in escapes.itertuples():
        note(ctx, label("note.net_and_escapes", ctx.lang, target=r.target_id,
                        net=format_number(r.latest_value, ctx.lang),
                        escaped=format_number(r.also_report_value, ctx.lang)))  # fmt: skip
    note(ctx, label("note.verdict_rules", ctx.lang))
    if bool(status["allocation_source"].astype(str).str.startswith("default").any()):
        note(ctx, label("card.target_default", ctx.lang))


def outlook_table(ctx: ReportContext, outlook: pd.DataFrame) -> None:
    """The forecasts stated: each headline indicator, each year to 2030, point with its 80% and
    95% intervals and the standard basis."""
    shown = pd.DataFrame(
        {
            "indicator": [label(f"indicator.{i}", ctx.lang) for i in outlook["indicator"]],
            "year": outlook["year"].astype(int).to_numpy(),
            "basis": [_basis_name(b, ctx.lang) for b in outlook["basis"]],
            "point": outlook["point"].to_numpy(float),
            "lo80": outlook["lo80"].to_numpy(float),
            "hi80": outlook["hi80"].to_numpy(float),
            "lo95": outlook["lo95"].to_numpy(float),
            "hi95": outlook["hi95"].to_numpy(float),
        }
    )
    kinds = ["count" if i.endswith("_households") else "rate" for i in outlook["indicator"]]
    table(ctx, shown, "projections", "report.section.outlook", {},
          row_kinds=(["point", "lo80", "hi80", "lo95", "hi95"], kinds))  # fmt: skip


def _basis_name(basis: str, lang: str) -> str:
    code, _, rest = basis.partition(" ")
    name = standard_label(code, lang)
    return label("basis.continued", lang, standard=name) if rest else name
