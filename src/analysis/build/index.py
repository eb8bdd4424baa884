"""The index page of a reports folder (``index.html``): a dashboard of the folder's reports.

Failures first; then one row per area with its poor households, poverty rate, change since the
previous review, ethnic-minority poverty rate, worst target verdict (the status words of the
reports), links to the HTML, PDF and Excel files, and the data file the report was built from
(name, date, SHA-256 prefix; a folder holding reports of different data files says so); the
build details (status, times, notebooks, logs, the last run) in a collapsed ``<details>``.

The figures are the *facts* each report job took from its executed notebook's context
(`analysis.report.job_facts`, kept in the manifest): nothing is computed again here. Rendered
from the manifest with ``templates/batch_index.html.j2``; every word comes from the i18n
catalogue (``index.*`` keys of ``labels.csv``), numbers are written the language's way
(`analysis.core.numbers`). One self-contained file without scripts, with the report pages'
Content-Security-Policy (`analysis.build.html_report.CONTENT_SECURITY_POLICY`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from analysis.core import paths
from analysis.core.i18n import LANGS, label, status_name
from analysis.core.numbers import format_number, format_percent, format_points, format_signed

#: Index keys of ``labels.csv`` the page uses (``index.<key>``).
INDEX_KEYS = (
    "title", "year", "area", "files", "status", "time", "updated", "ok", "failed", "failures",
    "log", "notebook", "none_failed", "excel", "dashboard", "poor", "rate", "change", "em_rate",
    "worst", "reports", "data", "households", "not_comparable", "details", "error", "no_facts",
)  # fmt: skip
#: Status code to the class of its chip (colour): good, watch, bad, none.
STATUS_TONE = {
    "achieved": "good", "on track": "good", "needs acceleration": "watch",
    "too little data": "none", "not applicable": "none", "off track": "bad", "regressing": "bad",
    "unattainable": "bad", "not achieved": "bad",
}  # fmt: skip
#: Target ids shown beside the worst verdict (more are counted).
SHOWN_TARGETS = 3


def index_strings(lang: str) -> dict[str, str]:
    """The words of the index page in ``lang`` (English for a language without labels).

    Parameters
    ----------
    lang : str
        The folder's language.

    Returns
    -------
    dict
        Template name (``title``, ``year``, ``ok``, ``failed``...) to text.
    """
    lang = lang if lang in LANGS else "en"
    return {key: label(f"index.{key}", lang) for key in INDEX_KEYS}


def format_date(iso: str | None, lang: str) -> str:
    """A ``YYYY-MM-DD`` date as the language writes it (``29/11/2026`` in Vietnamese).

    Examples
    --------
    >>> format_date("2026-11-29", "vi"), format_date("2026-11-29", "en"), format_date(None, "vi")
    ('29/11/2026', '2026-11-29', '–')
    """
    if not iso:
        return "–"
    try:
        day = date.fromisoformat(str(iso)[:10])
    except ValueError:  # not a date (a hand-edited manifest): shown as it is, escaped
        return str(iso)
    return day.strftime("%d/%m/%Y") if lang == "vi" else day.isoformat()


def format_time(iso: str | None, lang: str) -> str:
    """A manifest time stamp (ISO 8601, UTC) as the language writes it, to the minute.

    Examples
    --------
    >>> format_time("2026-11-29T05:00:50+00:00", "vi"), format_time("2026-11-29T05:00:50+00:00", "en")
    ('29/11/2026 05:00 UTC', '2026-11-29 05:00 UTC')
    """
    if not iso:
        return ""
    try:
        stamp = datetime.fromisoformat(str(iso)).astimezone(UTC)
    except ValueError:  # not a time stamp (a hand-edited manifest): shown as it is, escaped
        return str(iso)
    return f"{format_date(stamp.date().isoformat(), lang)} {stamp:%H:%M} UTC"


def data_line(data: dict | None, lang: str) -> str:
    """The data file of a report in one line: name, date and SHA-256 prefix ("–" if unknown)."""
    if not data:
        return "–"
    return label("index.data_line", lang, name=data.get("name") or "–",
                 date=format_date(data.get("date"), lang), sha=(data.get("sha256") or "")[:12])  # fmt: skip


def _status_words(code: str, lang: str) -> str:
    """The reports' words for a status code (the code itself if unknown: a newer library's)."""
    try:
        return status_name(code, lang)
    except KeyError:
        return str(code)


def dashboard_cells(facts: dict | None, lang: str) -> dict:
    """The dashboard cells of one report, written in ``lang``.

    Parameters
    ----------
    facts : dict or None
        The report's facts (`analysis.report.job_facts.job_facts`); None: every cell "–".
    lang : {"vi", "en"}

    Returns
    -------
    dict
        ``poor``, ``rate``, ``change`` (households), ``change_points``, ``em_rate``,
        ``worst`` (status words), ``tone`` (chip class), ``worst_targets`` (shown ids, with
        "+n" for the others), ``data`` (`data_line`) and ``data_key`` (what tells data files
        apart: name and checksum).
    """
    if not facts:
        return {"poor": "–", "rate": "–", "change": "–", "change_points": "", "em_rate": "–",
                "worst": None, "tone": "none", "worst_targets": "", "data": "–", "data_key": None}  # fmt: skip
    if facts.get("prev_year") and not facts.get("comparable"):
        change, points = label("index.not_comparable", lang), ""
    elif facts.get("change_households") is None:
        change, points = "–", ""
    else:
        change = (
            f"{format_signed(facts['change_households'], lang)} {label('index.households', lang)}"
        )
        points = format_points(facts.get("change_points"), lang)
    worst = facts.get("worst_status")
    targets = list(facts.get("worst_targets") or [])
    shown = ", ".join(targets[:SHOWN_TARGETS])
    if len(targets) > SHOWN_TARGETS:
        shown += f" +{len(targets) - SHOWN_TARGETS}"
    data = facts.get("data") or {}
    return {
        "poor": format_number(facts.get("poor"), lang),
        "rate": format_percent(facts.get("rate"), lang),
        "change": change,
        "change_points": points,
        "em_rate": format_percent(facts.get("em_rate"), lang),
        "worst": _status_words(worst, lang) if worst else None,
        "tone": STATUS_TONE.get(worst, "none"),
        "worst_targets": shown,
        "data": data_line(data, lang),
        "data_key": (data.get("name"), data.get("sha256")) if data else None,
    }


def render_index(manifest: dict, order: Sequence[str] = ()) -> str:
    """Render the index page of a reports folder from its manifest.

    Parameters
    ----------
    manifest : dict
        The folder's manifest (``reports`` entries with status, files, timings, error).
    order : sequence of str
        Slugs to list first (the current batch's job order); others follow by slug.

    Returns
    -------
    str
        Self-contained HTML (no scripts, relative links only, the reports' CSP).
    """
    import jinja2

    # here, not at the top: the runner imports this module, and html_report's imports are heavy
    from analysis.build.html_report import CONTENT_SECURITY_POLICY

    lang = manifest.get("lang", "vi")
    lang = lang if lang in LANGS else "en"
    reports = manifest.get("reports", {})
    slugs = [s for s in order if s in reports]
    slugs += sorted(s for s in reports if s not in slugs)
    rows = []
    for slug in slugs:
        entry = reports[slug]
        files = entry.get("files", {})
        total = entry.get("timings", {}).get("total")
        rows.append({
            "slug": slug, "area": entry.get("area"), "area_name": entry.get("area_name") or entry.get("area"),
            "status": entry.get("status"), "error": entry.get("error"),
            "files": [(fmt, files[fmt]) for fmt in ("html", "pdf", "xlsx", "ipynb", "log") if fmt in files],
            "reports": [(fmt, files[fmt]) for fmt in ("html", "pdf", "xlsx") if fmt in files],
            "total": None if total is None else format_number(total, lang, 1),
            "finished_at": format_time(entry.get("finished_at"), lang),
            "cells": dashboard_cells(entry.get("facts") if entry.get("status") != "failed" else None, lang),
        })  # fmt: skip
    sources = {r["cells"]["data_key"]: r["cells"]["data"] for r in rows if r["cells"]["data_key"]}
    batch = manifest.get("last_batch") or {}
    batch_line = None
    if batch.get("finished_at"):
        batch_line = label(
            "index.batch", lang, built=batch.get("built", 0), unchanged=batch.get("unchanged", 0),
            failed=len(batch.get("failed") or []), executor=batch.get("executor", "–"),
            seconds=format_number(batch.get("wall_seconds"), lang, 1),
            workers=batch.get("workers", "–"), engine=batch.get("engine", "–"),
        )  # fmt: skip
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(paths.templates_dir())),
        autoescape=True,
        keep_trailing_newline=True,
    )
    template = env.get_template("batch_index.html.j2")
    return template.render(
        lang=lang,
        year=manifest.get("year"),
        s=index_strings(lang),
        rows=rows,
        failures=[r for r in rows if r["status"] == "failed"],
        batch=batch,
        updated=format_time(batch.get("finished_at"), lang),
        batch_line=batch_line,
        sources=list(sources.values()),
        data_used=label("index.data_used", lang, files="; ".join(sources.values())),
        mixed=label("index.mixed_data", lang, count=len(sources)) if len(sources) > 1 else None,
        missing_facts=any(r["cells"]["data_key"] is None for r in rows),
        css=(paths.templates_dir() / "report.css").read_text(encoding="utf-8"),
        csp=CONTENT_SECURITY_POLICY,
    )
