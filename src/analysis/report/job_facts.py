"""The facts of one report that the reports folder's index page shows, taken from its context.

A report job (`analysis.build.task`) calls `job_facts` with the context of the notebook it has
just executed, and returns the record to the runner, which keeps it in the folder's manifest;
the index page (`analysis.build.index`) shows it. Nothing is computed again for the index: the
numbers are those of the report's own data functions (`section_data.headline_data`, and the
verdicts of `overview_data.projections_data`, cached by the report process), and the data file
is the one the report read.

The record is plain JSON: numbers (households, rates in percent, changes in households and
percentage points), status codes (`analysis.projection.verdicts`), file name, date and checksum.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from analysis.core import paths
from analysis.report.context import PROVINCE, ReportContext, status_table
from analysis.report.section_data import headline_data


def _number(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if value != value else value  # NaN -> None


def data_files(ctx: ReportContext) -> list[Path]:
    """The files the report's data were read from.

    Parameters
    ----------
    ctx : ReportContext

    Returns
    -------
    list of Path
        The ``data_source`` file, or the bundled summaries (the 2025 review's file too when
        it is there).
    """
    source = ctx.params.get("data_source")
    if source:
        return [Path(source)]
    files = [paths.default_summary(), paths.synthetic_dir() / "summary-2025.csv"]
    return [p for p in files if p.exists()]


def worst_status(status) -> tuple[str | None, list[str]]:
    """The worst verdict of an area's targets and the targets that have it.

    Parameters
    ----------
    status : pandas.DataFrame
        `analysis.projection.status.target_status` rows of one area (``target_id``,
        ``status``, optionally ``scope``).

    Returns
    -------
    tuple of (str or None, list of str)
        The status code of highest `analysis.projection.verdicts.SEVERITY` (targets that do
        not apply are ignored; None if no target applies) and the ids of its targets. Past
        years' annual plans (scope ``"annual plan"``) are left out when the table says the
        scope: they are settled history, and the index shows where the plan and the national
        targets stand (the report lists the annual plans).
    """
    from analysis.projection.verdicts import SEVERITY

    if "scope" in status.columns:
        status = status[status["scope"] != "annual plan"]
    ranked = [(SEVERITY.get(s, -1), s) for s in status["status"]]
    applicable = [r for r in ranked if r[0] >= 0]
    if not applicable:
        return None, []
    worst = max(applicable)[1]
    return worst, [str(t) for t, s in zip(status["target_id"], status["status"], strict=True)
                   if s == worst]  # fmt: skip


def job_facts(ctx: ReportContext) -> dict:
    """The index page's facts of one report.

    Parameters
    ----------
    ctx : ReportContext
        The context of the executed report notebook.

    Returns
    -------
    dict
        ``area_code``, ``level``, ``area_name``, ``year``, ``lang``; ``poor`` (households),
        ``rate`` (percent), ``prev_year``, ``comparable``, ``change_households`` and
        ``change_points`` (since the previous review; None without one or across a change of
        standard), ``em_poor`` and ``em_rate`` (ethnic-minority poor households and rate);
        ``worst_status`` (status code), ``worst_targets`` (their ids), ``targets`` (status code
        per target id); ``data``: ``name`` (the report's file label), ``files`` (file names),
        ``date`` (latest modification date of the files, ``YYYY-MM-DD`` UTC), ``sha256`` (the
        checksum prefix the report shows) and ``synthetic``.
    """
    headline = headline_data(ctx)
    f = headline.facts
    figures = headline.figures.set_index("figure")
    change_households = change_points = None
    if "change" in figures.index:
        change_households = _number(figures.loc["change", "households"])
        change_points = _number(figures.loc["change", "percent"])
    # the verdicts of `overview_data.projections_data` (cached: the report computed them already)
    status = status_table(ctx, ["province" if ctx.level == PROVINCE else ctx.area_code])
    worst, worst_targets = worst_status(status)
    files = data_files(ctx)
    mtimes = [p.stat().st_mtime for p in files if p.exists()]
    date = dt.datetime.fromtimestamp(max(mtimes), tz=dt.UTC).date().isoformat() if mtimes else None
    return {
        "area_code": ctx.area_code,
        "level": "province" if ctx.level == PROVINCE else "district",
        "area_name": ctx.area_name,
        "year": int(ctx.year),
        "lang": ctx.lang,
        "poor": _number(f["poor"]),
        "rate": _number(f["rate"]),
        "prev_year": f.get("prev_year"),
        "comparable": bool(headline.comparable),
        "change_households": change_households,
        "change_points": change_points,
        "em_poor": _number(f["em_poor"]),
        "em_rate": _number(f["em_rate"]),
        "worst_status": worst,
        "worst_targets": worst_targets,
        "targets": {
            str(t): str(s) for t, s in zip(status["target_id"], status["status"], strict=True)
        },  # fmt: skip
        "data": {
            "name": ctx.data.label,
            "files": [p.name for p in files],
            "date": date,
            "sha256": ctx.data.checksum,
            "synthetic": bool(ctx.data.synthetic),
        },
    }
