"""Executed notebook to one self-contained, print-friendly HTML page.

`notebook_to_html` gives a page with no code cells (only outputs), charts embedded (SVG inline,
PNG/JPEG as ``data:`` URIs), a table of contents built from the headings, ``<html lang="vi">`` or
``"en"``, no ``<script>`` and no external URL in any ``src``/``href`` (external links become plain
text, see `analysis.build.sanitize`), so the file reads the same from disk, an e-mail or a chat
attachment. The nbconvert template is ``templates/bpwb`` and the style sheet
``templates/report.css``. The output is deterministic: the same notebook gives the same bytes
(SVG ids are renumbered, SVG metadata with its date is dropped, object reprs with memory
addresses are left out).

Every page (and the index page, `analysis.build.index`) also carries a Content-Security-Policy
meta tag, `CONTENT_SECURITY_POLICY`, as defence in depth: should anything active slip past the
sanitiser, a browser still runs no script, loads nothing from the network and submits no form.
The pages need only inline styles (the style sheet, ``style`` attributes, matplotlib's SVG
``<style>``) and ``data:`` images (PNG outputs, images inside SVG); inline SVG and its ``#id``
references are part of the page, not fetched. WeasyPrint ignores the tag (the PDF is unchanged).
"""

from __future__ import annotations

import html as html_lib
import json
import re
from functools import lru_cache

import nbformat

from analysis.build.sanitize import clean_html
from analysis.core import paths
from analysis.core.i18n import check_lang, label

#: Output types shown in HTML, most preferred first (no JavaScript, no widgets).
DISPLAY_PRIORITY = [
    "text/html",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/markdown",
    "text/latex",
    "text/plain",
]

_TOC_PLACEHOLDER = "<!--bpwb:toc-->"

#: The pages' Content-Security-Policy: no script, no network fetch, no form, no ``<base>``;
#: inline styles and ``data:`` images only (fonts are the reader's: none is embedded).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)


@lru_cache(maxsize=1)
def _exporter():
    """The nbconvert exporter with our template (built once per process)."""
    from nbconvert.exporters import TemplateExporter
    from traitlets.config import Config

    class ReportExporter(TemplateExporter):
        """TemplateExporter producing the workbook's report HTML."""

        output_mimetype = "text/html"

        def _file_extension_default(self):
            return ".html"

    cfg = Config()
    cfg.NbConvertBase.display_data_priority = DISPLAY_PRIORITY
    cfg.TemplateExporter.exclude_input = True
    # Markdown cells are notes for the analyst reading the notebook (in English); the report
    # itself is the outputs, whose headings come from the library in the report language.
    cfg.TemplateExporter.exclude_markdown = True
    cfg.TemplateExporter.exclude_input_prompt = True
    cfg.TemplateExporter.exclude_output_prompt = True
    cfg.TagRemovePreprocessor.remove_cell_tags = {"remove-cell", "remove_cell", "hide"}
    cfg.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output", "remove_output"}
    cfg.TagRemovePreprocessor.enabled = True
    return ReportExporter(
        config=cfg,
        extra_template_basedirs=[str(paths.templates_dir())],
        template_name="bpwb",
    )


@lru_cache(maxsize=4)
def template_text(name: str) -> str:
    """The text of a file of the templates folder (cached).

    Parameters
    ----------
    name : str
        File name inside ``templates/``, e.g. ``"report.css"`` or ``"pdf.css"``.

    Returns
    -------
    str
    """
    return (paths.templates_dir() / name).read_text(encoding="utf-8")


def notebook_to_html(
    nb: nbformat.NotebookNode, title: str, lang: str = "vi", subtitle: str | None = None
) -> str:
    """Render an executed notebook as one self-contained, print-friendly HTML page.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook (not modified).
    title : str
        Page title (``<title>`` and the heading at the top).
    lang : {"vi", "en"}
        Language of the page (``<html lang>``, table-of-contents label).
    subtitle : str, optional
        A line under the title (e.g. "Bình Phước · 2024").

    Returns
    -------
    str
        The HTML document (deterministic for a given notebook and arguments).
    """
    toc_label = label("report.contents", check_lang(lang))
    title = keep_names_together(title)
    subtitle = keep_names_together(subtitle) if subtitle else subtitle
    nb = _drop_noise(nbformat.from_dict(json.loads(json.dumps(nb))))  # copy: exporters mutate
    resources = {
        "bpwb": {
            "title": title,
            "subtitle": subtitle,
            "lang": lang,
            "css": template_text("report.css"),
            "csp": CONTENT_SECURITY_POLICY,
            "toc_placeholder": _TOC_PLACEHOLDER,
        }
    }
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    body = _clean_outputs(body)
    body = _rewrite_svgs(body)
    body, toc = _build_toc(body, toc_label)
    return _place_toc(body, toc)


def keep_names_together(text: str) -> str:
    """Join the words of a proper name with no-break spaces, so that a title never breaks
    inside one ("Bù Đăng", "Bình Phước"): a space between a word and a capitalised word.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Examples
    --------
    >>> keep_names_together("Báo cáo: Bù Đăng (huyện cũ)")
    'Báo cáo: Bù\xa0Đăng (huyện cũ)'
    """
    out = []
    words = text.split(" ")
    for i, word in enumerate(words):
        out.append(word)
        if i + 1 < len(words):
            nxt = words[i + 1]
            joined = word[:1].isupper() and nxt[:1].isupper() and word[-1:].isalpha()
            out.append("\u00a0" if joined else " ")
    return "".join(out)


#: The start tag of a report's first page (`analysis.report.first_page`).
FIRST_PAGE_START = '<section class="first-page">'


def _place_toc(page: str, toc: str) -> str:
    """Put the table of contents after the report's first page when it has one (the summary
    comes first, on screen and on page 1 of the PDF), else where the template placed it."""
    start = page.find(FIRST_PAGE_START)
    end = page.find("</section>", start) if start >= 0 else -1
    if end < 0:
        return page.replace(_TOC_PLACEHOLDER, toc, 1)
    end += len("</section>")
    page = page[:end] + toc + page[end:]
    return page.replace(_TOC_PLACEHOLDER, "", 1)


_BODY_START = '<main class="report-body">'
_BODY_END = "</main>"


def _clean_outputs(page: str) -> str:
    """Sanitise the report body, everything the notebook's outputs put on the page.

    The template writes the page head, the title block and the ``<main>`` element; all that
    comes from the notebook is inside ``<main>``, from its start tag (the first: the title and
    subtitle are escaped) to the template's end tag (the last: after every output).
    """
    start = page.index(_BODY_START) + len(_BODY_START)
    end = page.rindex(_BODY_END)
    return page[:start] + clean_html(page[start:end]) + page[end:]


_OBJECT_REPR_RE = re.compile(
    r"^\s*[\[(]?\s*<[^>]* at 0x[0-9a-fA-F]+>|^<Figure size [^>]*>\s*$", re.S
)


def _drop_noise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop outputs that only carry an object repr (``<Figure size ...>``, ``[<Line2D at 0x..>]``).

    Such reprs are noise in a report, and their memory addresses would make the HTML differ
    from run to run.
    """
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if (
                out.get("output_type") in ("execute_result", "display_data")
                and set(data) == {"text/plain"}
                and _OBJECT_REPR_RE.match(data["text/plain"])
            ):
                continue
            kept.append(out)
        cell.outputs = kept
    return nb


#: One inline SVG of a page (also used by `analysis.build.pdf_report`).
SVG_BLOCK_RE = re.compile(r"<svg\b.*?</svg\s*>", re.S | re.I)
_SVG_PROLOG_RE = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE\s+svg[^>]*>\s*", re.I)
_SVG_META_RE = re.compile(r"<metadata\b.*?</metadata\s*>", re.S | re.I)
_SVG_ID_RE = re.compile(r"""\bid\s*=\s*(["'])([^"']+)\1""")


def _rewrite_svgs(html: str) -> str:
    """Make inline SVGs safe to share one page: drop prolog and metadata, renumber ids."""
    html = _SVG_PROLOG_RE.sub("", html)
    counter = 0

    def _one(match: re.Match) -> str:
        nonlocal counter
        counter += 1
        svg = _SVG_META_RE.sub("", match.group(0))
        ids = {}
        for m in _SVG_ID_RE.finditer(svg):
            ids.setdefault(m.group(2), f"s{counter}-{len(ids) + 1}")
        if not ids:
            return svg

        def _ref(m: re.Match) -> str:
            new = ids.get(m.group(2))
            return m.group(0) if new is None else m.group(1) + new + m.group(3)

        svg = _SVG_ID_RE.sub(lambda m: f"id={m.group(1)}{ids[m.group(2)]}{m.group(1)}", svg)
        svg = re.sub(r"""(href\s*=\s*["']#)([^"']+)(["'])""", _ref, svg)
        svg = re.sub(r"""(url\(\s*#)([^)\s]+)(\s*\))""", _ref, svg)
        return svg

    return SVG_BLOCK_RE.sub(_one, html)


_HEADING_RE = re.compile(r"<h([1-3])\b([^>]*)>(.*?)</h\1\s*>", re.S | re.I)
_ANCHOR_LINK_RE = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>', re.S)
_TAG_RE = re.compile(r"<[^>]+>")


def _build_toc(html: str, toc_label: str) -> tuple[str, str]:
    """Give every h1-h3 of the body a unique id and return (html, table-of-contents HTML)."""
    html = _ANCHOR_LINK_RE.sub("", html)
    start = html.find('<main class="report-body">')
    if start < 0:
        start = 0
    head, body = html[:start], html[start:]
    entries: list[tuple[int, str, str]] = []
    used: set[str] = set()

    def _one(match: re.Match) -> str:
        level, attrs, inner = int(match.group(1)), match.group(2), match.group(3)
        text = html_lib.unescape(_TAG_RE.sub("", inner)).strip()
        if not text:
            return match.group(0)
        base = re.sub(r"[^\w\-]+", "-", text, flags=re.U).strip("-").lower() or "section"
        ident, n = base, 2
        while ident in used:
            ident, n = f"{base}-{n}", n + 1
        used.add(ident)
        attrs = re.sub(r"""\s*\bid\s*=\s*(["']).*?\1""", "", attrs)
        entries.append((level, ident, text))
        return f'<h{level}{attrs} id="{ident}">{inner}</h{level}>'

    body = _HEADING_RE.sub(_one, body)
    if not entries:
        return head + body, ""
    top = min(level for level, _, _ in entries)
    items = "\n".join(
        f'<li class="toc-l{level - top + 1}"><a href="#{ident}">{html_lib.escape(text)}</a></li>'
        for level, ident, text in entries
    )
    toc = (
        f'<nav class="toc" aria-label="{html_lib.escape(toc_label)}">'
        f'<p class="toc-title">{html_lib.escape(toc_label)}</p>\n<ul>\n{items}\n</ul></nav>'
    )
    return head + body, toc


def notebook_title(nb: nbformat.NotebookNode) -> str | None:
    """Return the text of the first level-1 markdown heading of a notebook, if any.

    Parameters
    ----------
    nb : nbformat.NotebookNode

    Returns
    -------
    str or None
    """
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            m = re.match(r"^#\s+(.+?)\s*#*\s*$", line)
            if m:
                return m.group(1)
    return None


def warm_up() -> None:
    """Build the HTML exporter and export a tiny page, so that later exports start warm.

    Called by the runner's warm process before it forks one child per report.
    """
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Khởi động\n\n## Mục")]
    notebook_to_html(nb, "Khởi động", "vi")
