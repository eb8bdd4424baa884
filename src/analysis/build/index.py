"""The index page of a reports folder (``index.html``): every report with its links and status,
failures listed first. Rendered from the folder's manifest with ``templates/batch_index.html.j2``;
its words come from the i18n catalogue (``index.*`` keys of ``labels.csv``). It carries the
report pages' Content-Security-Policy (`analysis.build.html_report.CONTENT_SECURITY_POLICY`).
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis.core import paths
from analysis.core.i18n import LANGS, label


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
    return {
        "title": label("index.title", lang),
        "year": label("index.year", lang),
        "area": label("index.area", lang),
        "files": label("index.files", lang),
        "status": label("index.status", lang),
        "time": label("index.time", lang),
        "updated": label("index.updated", lang),
        "ok": label("index.ok", lang),
        "failed": label("index.failed", lang),
        "failures": label("index.failures", lang),
        "log": label("index.log", lang),
        "notebook": label("index.notebook", lang),
        "none_failed": label("index.none_failed", lang),
        "excel": label("index.excel", lang),
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
    reports = manifest.get("reports", {})
    slugs = [s for s in order if s in reports]
    slugs += sorted(s for s in reports if s not in slugs)
    rows = []
    for slug in slugs:
        entry = reports[slug]
        files = entry.get("files", {})
        rows.append({
            "slug": slug, "area": entry.get("area"), "area_name": entry.get("area_name") or entry.get("area"),
            "status": entry.get("status"), "error": entry.get("error"),
            "files": [(fmt, files[fmt]) for fmt in ("html", "pdf", "xlsx", "ipynb", "log") if fmt in files],
            "total": entry.get("timings", {}).get("total"), "finished_at": entry.get("finished_at"),
        })  # fmt: skip
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
        batch=manifest.get("last_batch") or {},
        css=(paths.templates_dir() / "report.css").read_text(encoding="utf-8"),
        csp=CONTENT_SECURITY_POLICY,
    )
