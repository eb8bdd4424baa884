"""Turn executed report notebooks into shareable files: HTML, PDF and Excel tables.

HTML (`notebook_to_html`)
    One self-contained, print-friendly file: no code cells (only markdown and outputs), charts
    embedded (SVG inline, PNG/JPEG as ``data:`` URIs), a table of contents built from the
    headings, ``<html lang="vi">`` or ``"en"``, no ``<script>`` and no external URL in any
    ``src``/``href`` (external links become plain text), so the file reads the same from disk,
    an e-mail or a chat attachment. The nbconvert template is ``templates/bpwb`` and the style
    sheet ``templates/report.css``. The output is deterministic: the same notebook gives the same
    bytes (SVG ids are renumbered, SVG metadata with its date is dropped).

PDF (`html_to_pdf`)
    WeasyPrint, in-process, A4, running header (area and year) and page numbers ("Trang 3/12",
    "Page 3 of 12") in the page margin boxes, DejaVu Sans for full Vietnamese coverage, SVG
    charts stay vector. Only ``data:`` URLs are fetched (nothing from the network).

Tables for Excel (`report_table`, `notebook_tables`, `tables_to_xlsx`)
    The convention that keeps notebooks thin: a notebook shows each report table with
    ``report_table(df, "name", "caption")``. That one call displays the table (HTML, for the
    HTML/PDF report) and attaches the data to the same output under the MIME type
    `TABLE_MIME` (``application/vnd.bpwb.table+json``). Renderers that do not know the type
    ignore it; `notebook_tables` collects the tables from an executed notebook, in order, and
    `tables_to_xlsx` writes one sheet per table (with a first sheet describing the report).
    Text cells that a spreadsheet would read as a formula (starting with ``= + - @``, tab or
    carriage return) are prefixed with an apostrophe.
"""

from __future__ import annotations

import html as html_lib
import io
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat

from analysis.core import paths
from analysis.report.tables import TABLE_MIME, ReportTable

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

LANGS = ("vi", "en")

_STRINGS = {
    "vi": {
        "toc": "Mục lục",
        "page": 'content: "Trang " counter(page) "/" counter(pages);',
        "about": "Thông tin",
        "field": "Mục",
        "value": "Giá trị",
        "tables": "Các bảng",
    },
    "en": {
        "toc": "Contents",
        "page": 'content: "Page " counter(page) " of " counter(pages);',
        "about": "About",
        "field": "Item",
        "value": "Value",
        "tables": "Tables",
    },
}

_TOC_PLACEHOLDER = "<!--bpwb:toc-->"


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGS)}")
    return lang


def notebook_tables(nb: nbformat.NotebookNode) -> list[ReportTable]:
    """Collect the tables registered with `report_table` in an executed notebook, in order.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook.

    Returns
    -------
    list of ReportTable
    """
    tables = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(TABLE_MIME)
            if payload is None:
                continue
            if isinstance(payload, str):
                payload = json.loads(payload)
            tables.append(
                ReportTable(
                    name=str(payload.get("name") or f"table{len(tables) + 1}"),
                    caption=payload.get("caption"),
                    columns=[str(c) for c in payload.get("columns", [])],
                    rows=[list(r) for r in payload.get("rows", [])],
                )
            )
    return tables


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """Prefix text that a spreadsheet would evaluate as a formula with an apostrophe.

    Parameters
    ----------
    value : Any
        A cell value.

    Returns
    -------
    Any
        ``"'=1+1"`` for ``"=1+1"``; numbers and other text unchanged.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "_", name).strip() or "table"
    base = base[:31]
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f"~{n}"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(candidate.lower())
    return candidate


def tables_to_xlsx(
    tables: list[ReportTable], about: dict[str, Any] | None = None, lang: str = "vi"
) -> bytes:
    """Write report tables to an Excel workbook, one sheet per table.

    Parameters
    ----------
    tables : list of ReportTable
        From `notebook_tables`.
    about : dict, optional
        Rows of the first sheet (e.g. title, area, year, generated by); the sheet also lists
        the tables.
    lang : {"vi", "en"}
        Language of the first sheet's labels.

    Returns
    -------
    bytes
        The ``.xlsx`` file content.
    """
    import pandas as pd
    from openpyxl.styles import Font

    strings = _STRINGS[_check_lang(lang)]
    buffer = io.BytesIO()
    used: set[str] = set()
    about_rows = [(k, v) for k, v in (about or {}).items()]
    about_sheet = _sheet_name(strings["about"], used)
    names = [_sheet_name(t.name, used) for t in tables]
    about_rows += [(strings["tables"], "")] + [
        (sheet, t.caption or "") for sheet, t in zip(names, tables, strict=True)
    ]
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        about_df = pd.DataFrame(
            [[neutralise_cell(str(k)), neutralise_cell(v)] for k, v in about_rows],
            columns=[strings["field"], strings["value"]],
        )
        about_df.to_excel(writer, sheet_name=about_sheet, index=False)
        _autosize(writer.sheets[about_sheet])
        for sheet, table in zip(names, tables, strict=True):
            frame = pd.DataFrame(
                [[neutralise_cell(v) for v in row] for row in table.rows],
                columns=[neutralise_cell(c) for c in table.columns],
            )
            start = 2 if table.caption else 0
            frame.to_excel(writer, sheet_name=sheet, index=False, startrow=start)
            ws = writer.sheets[sheet]
            if table.caption:
                ws.cell(row=1, column=1, value=neutralise_cell(table.caption)).font = Font(
                    bold=True
                )
            ws.freeze_panes = ws.cell(row=start + 2, column=1)
            _autosize(ws)
    return _fixed_times(buffer.getvalue())


def _source_date():
    """The build time fixed by ``SOURCE_DATE_EPOCH`` (UTC), or None when it is not set."""
    import datetime as dt
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit():
        return None
    # zip entries cannot be dated before 1980
    return max(
        dt.datetime.fromtimestamp(int(epoch), dt.UTC), dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
    )


def _fixed_times(xlsx: bytes) -> bytes:
    """Date an xlsx by ``SOURCE_DATE_EPOCH``: document created/modified and every zip entry.

    openpyxl stamps the save time in ``docProps/core.xml`` and the zip entries; with
    ``SOURCE_DATE_EPOCH`` set (the runner sets it to the batch's run time) the same tables give
    the same bytes. Without it the workbook is returned unchanged.
    """
    import zipfile

    when = _source_date()
    if when is None:
        return xlsx
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*", rb"\g<1>" + stamp, content
                )
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = info.compress_type
            entry.external_attr = info.external_attr
            entry.create_system = info.create_system
            dst.writestr(entry, content)
    return out.getvalue()


def _autosize(ws) -> None:
    widths: dict[str, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                widths[cell.column_letter] = max(
                    widths.get(cell.column_letter, 0), min(len(str(cell.value)), 60)
                )
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = max(8, width + 2)


# -- HTML ------------------------------------------------------------------------------------------
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
def _read_template_file(name: str) -> str:
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
    strings = _STRINGS[_check_lang(lang)]
    nb = _drop_noise(nbformat.from_dict(json.loads(json.dumps(nb))))  # copy: exporters mutate
    resources = {
        "bpwb": {
            "title": title,
            "subtitle": subtitle,
            "lang": lang,
            "css": _read_template_file("report.css"),
            "toc_placeholder": _TOC_PLACEHOLDER,
        }
    }
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    body = _sanitize(body)
    body = _rewrite_svgs(body)
    body, toc = _build_toc(body, strings["toc"])
    return body.replace(_TOC_PLACEHOLDER, toc, 1)


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


_SCRIPT_RE = re.compile(r"<script\b.*?</script\s*>|<script\b[^>]*/>", re.I | re.S)
_DROP_TAG_RE = re.compile(
    r"<(iframe|object|embed)\b.*?</\1\s*>|<(link|meta|base|iframe|embed)\b[^>]*>", re.I | re.S
)
_EXT_LINK_RE = re.compile(
    r"""<a\b[^>]*\bhref\s*=\s*["']((?:https?:)?//[^"']*)["'][^>]*>(.*?)</a\s*>""", re.I | re.S
)
_EXT_IMG_RE = re.compile(r"""<img\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//[^>]*>""", re.I | re.S)
_ALT_RE = re.compile(r"""\balt\s*=\s*["']([^"']*)["']""", re.I)
_CSS_EXT_RE = re.compile(
    r"@import[^;]*;|url\(\s*['\"]?\s*(?:(?:https?|ftp):|//|\\\\)[^)]*\)|expression\s*\(", re.I
)
# a start tag with its attributes (quoted values may hold '>')
_START_TAG_RE = re.compile(
    r"""<([a-zA-Z][^\s/>]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+))?|\s*/)*)\s*>"""
)
_ATTR_RE = re.compile(r"""\s*([^\s=/>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?|\s*/""")
_URL_ATTRS = {"src", "href", "xlink:href", "srcset", "action", "formaction", "poster", "data",
              "background", "cite", "longdesc", "ping", "manifest", "lowsrc", "dynsrc", "icon",
              "codebase", "archive", "usemap"}  # fmt: skip
_EXTERNAL_URL_RE = re.compile(r"(?:https?|ftp|wss?|file):|//|\\\\", re.I)
_ACTIVE_URL_RE = re.compile(
    r"(?:javascript|vbscript|livescript|data:text/html|data:image/svg)", re.I
)


def _safe_attrs(match: re.Match) -> str:
    """One start tag without event handlers, active URLs or URLs that would leave the page."""
    tag, attrs = match.group(1), match.group(2)
    if not attrs.strip():
        return match.group(0)
    kept = []
    for a in _ATTR_RE.finditer(attrs):
        name, raw = a.group(1), a.group(2)
        if name is None:  # the '/' of a self-closing tag
            kept.append(" /")
            continue
        low = name.lower()
        value = "" if raw is None else html_lib.unescape(raw.strip("\"'"))
        plain = re.sub(r"[\x00-\x20]+", "", value)  # 'java\tscript:' is javascript:
        if low.startswith("on"):
            continue
        if low in _URL_ATTRS or low.endswith(":href"):
            if _ACTIVE_URL_RE.match(plain):
                continue
            parts = [p.strip() for p in plain.split(",")] if low == "srcset" else [plain]
            if any(_EXTERNAL_URL_RE.match(p) for p in parts):
                continue
        if low == "style" and _CSS_EXT_RE.search(plain):
            continue
        kept.append(f" {name}" if raw is None else f" {name}={raw}")
    return f"<{tag}{''.join(kept)}>"


def _sanitize(html: str) -> str:
    """Remove scripts, event handlers, frames and every external src/href (links become text)."""
    html = _SCRIPT_RE.sub("", html)
    # keep our own <meta charset> and viewport: they are emitted by the template as
    # <meta data-bpwb ...>; outputs' meta/link tags go.
    kept = {}

    def _keep(match: re.Match) -> str:
        key = f"<!--bpwb:keep{len(kept)}-->"
        kept[key] = match.group(0)
        return key

    html = re.sub(r"<meta data-bpwb[^>]*>", _keep, html)
    html = _DROP_TAG_RE.sub("", html)
    for key, value in kept.items():
        html = html.replace(key, value.replace(" data-bpwb", ""), 1)
    html = _EXT_LINK_RE.sub(
        lambda m: f'{m.group(2)} (<span class="url">{html_lib.escape(m.group(1))}</span>)', html
    )

    def _img_alt(match: re.Match) -> str:
        alt = _ALT_RE.search(match.group(0))
        return f'<span class="missing-image">[{alt.group(1) if alt else "image"}]</span>'

    html = _EXT_IMG_RE.sub(_img_alt, html)
    html = _START_TAG_RE.sub(_safe_attrs, html)
    return _CSS_EXT_RE.sub("", html)


_SVG_BLOCK_RE = re.compile(r"<svg\b.*?</svg\s*>", re.S | re.I)
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

    return _SVG_BLOCK_RE.sub(_one, html)


_HEADING_RE = re.compile(r"<h([1-3])\b([^>]*)>(.*?)</h\1\s*>", re.S | re.I)
_ANCHOR_LINK_RE = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>', re.S)
_TAG_RE = re.compile(r"<[^>]+>")


def _build_toc(html: str, label: str) -> tuple[str, str]:
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
        f'<nav class="toc" aria-label="{html_lib.escape(label)}">'
        f'<p class="toc-title">{html_lib.escape(label)}</p>\n<ul>\n{items}\n</ul></nav>'
    )
    return head + body, toc


def notebook_title(nb: nbformat.NotebookNode) -> str | None:
    """Return the text of the first level-1 markdown heading of a notebook, if any."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            m = re.match(r"^#\s+(.+?)\s*#*\s*$", line)
            if m:
                return m.group(1)
    return None


# -- PDF -------------------------------------------------------------------------------------------
def _css_string(text: str) -> str:
    """Quote text as a CSS string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ")
    return f'"{escaped}"'


def _page_css(header_text: str, lang: str) -> str:
    template = _read_template_file("pdf.css")
    return template.replace("/*HEADER*/", f"content: {_css_string(header_text)};").replace(
        "/*PAGE*/", _STRINGS[lang]["page"]
    )


_LANG_RE = re.compile(r"""<html\b[^>]*\blang\s*=\s*["']([a-zA-Z-]+)["']""")
_SVG_TITLE_RE = re.compile(r"<title>(.*?)</title>", re.S)
_SVG_ATTRS_RE = re.compile(r"^<svg\b([^>]*)>")
_KEEP_ATTR_RE = re.compile(r"""\s(class|style|id)\s*=\s*("[^"]*"|'[^']*')""")


_SVG_GROUP_TAG_RE = re.compile(r"<(/?)g\b([^>]*)>")
_SVG_BARE_GROUP_RE = re.compile(r"""\s*(?:id\s*=\s*(["'])([^"']*)\1\s*)?""")
_SVG_REF_RE = re.compile(r"""#([^\s"'()#;,{}<>]+)""")  # any "#name": links, url(), CSS


def _flatten_svg_groups(svg: str) -> str:
    """Drop the ``<g>`` wrappers that carry nothing but an id nobody refers to.

    Matplotlib wraps every artist in such a group (about half the elements of a chart). They
    change nothing in the drawing (no presentation attribute to inherit, no transform, clip or
    opacity), but WeasyPrint spends as much on each as on a real element (cascade, graphics
    state save/restore). Groups with any other attribute, or an id written anywhere as
    ``#id``, are kept; an SVG with comments, CDATA or processing instructions is left alone.
    """
    if "<!" in svg or "<?" in svg:
        return svg
    referenced = set(_SVG_REF_RE.findall(svg))
    out: list[str] = []
    dropped: list[bool] = []  # one entry per open <g>: was its start tag dropped?
    pos = 0
    for m in _SVG_GROUP_TAG_RE.finditer(svg):
        closing, attrs = m.group(1), m.group(2)
        if closing:
            if not dropped:
                return svg  # unbalanced: leave the SVG as it is
            drop = dropped.pop()
        elif attrs.rstrip().endswith("/"):
            continue
        else:
            bare = _SVG_BARE_GROUP_RE.fullmatch(attrs)
            drop = bare is not None and bare.group(2) not in referenced
            dropped.append(drop)
        if drop:
            out.append(svg[pos : m.start()])
            pos = m.end()
    if dropped:
        return svg
    out.append(svg[pos:])
    return "".join(out)


def _svgs_as_images(html: str) -> str:
    """Turn each inline ``<svg>`` into ``<img src="data:image/svg+xml;base64,...">`` (PDF only).

    WeasyPrint draws both the same way (vector, same size: the PDFs are pixel-identical), but an
    inline SVG's elements (~2,000 per report) also go through the HTML style cascade and box
    building, which costs ~40% of the PDF time. An SVG that is not well-formed XML on its own
    (or contains another ``<svg>``) stays inline. The title becomes the image's ``alt``.
    """
    import base64
    import xml.etree.ElementTree as ET

    def _one(match: re.Match) -> str:
        svg = match.group(0)
        if svg.count("<svg") != 1:
            return svg
        head = _SVG_ATTRS_RE.match(svg)
        if head is None:
            return svg
        if "xmlns=" not in head.group(1):
            svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
        try:
            ET.fromstring(svg)
        except ET.ParseError:
            return svg
        title = _SVG_TITLE_RE.search(svg)
        alt = html_lib.escape(html_lib.unescape(title.group(1)).strip()) if title else ""
        keep = "".join(m.group(0) for m in _KEEP_ATTR_RE.finditer(head.group(1)))
        svg = _flatten_svg_groups(svg)
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return f'<img{keep} alt="{alt}" src="data:image/svg+xml;base64,{data}">'

    return _SVG_BLOCK_RE.sub(_one, html)


_STYLE_BLOCK_RE = re.compile(r"(<style\b[^>]*>)(.*?)(</style\s*>)", re.S | re.I)
_CSS_VAR_DEF_RE = re.compile(r"(--[\w-]+)\s*:\s*([^;{}]+?)\s*(?=;|})")
_CSS_VAR_USE_RE = re.compile(r"var\(\s*(--[\w-]+)\s*\)")
_ROOT_RULE_RE = re.compile(r":root\s*\{([^{}]*)\}")
_STYLE_ATTR_VAR_RE = re.compile(r"""\sstyle\s*=\s*["'][^"']*?(--[\w-]+)\s*:""")


def _resolve_css_variables(html: str) -> str:
    """Write the page's ``:root`` custom properties into the rules that use them (PDF only).

    WeasyPrint re-validates a declaration holding ``var()`` for every element it applies to
    (``th, td { border: 1px solid var(--rule) }`` costs ~10% of a report's PDF). A property
    defined once, on ``:root`` only, and never elsewhere (no other rule or ``style``
    attribute sets it) has the same value on every element, so its uses are replaced by the
    value; anything else is left as it is.
    """
    blocks = _STYLE_BLOCK_RE.findall(html)
    if not blocks:
        return html
    css = "".join(b[1] for b in blocks)
    defs = _CSS_VAR_DEF_RE.findall(css)
    counts: dict[str, int] = {}
    for name, _ in defs:
        counts[name] = counts.get(name, 0) + 1
    roots = "".join(_ROOT_RULE_RE.findall(css))
    inline = set(_STYLE_ATTR_VAR_RE.findall(html))  # set in a style attribute somewhere
    values = {
        name: value
        for name, value in _CSS_VAR_DEF_RE.findall(roots)
        if counts[name] == 1 and "var(" not in value and "!" not in value and name not in inline
    }
    if not values:
        return html

    def _use(m: re.Match) -> str:
        return values.get(m.group(1), m.group(0))

    return _STYLE_BLOCK_RE.sub(
        lambda m: m.group(1) + _CSS_VAR_USE_RE.sub(_use, m.group(2)) + m.group(3), html
    )


def html_to_pdf(
    html: str, path: str | Path | None = None, header_text: str = "", lang: str | None = None
) -> bytes:
    """Print report HTML to an A4 PDF with WeasyPrint (in this process).

    Parameters
    ----------
    html : str
        HTML from `notebook_to_html`.
    path : str or Path, optional
        Where to write the PDF (written to a temporary name beside it, then renamed).
        Reports are written by `analysis.build.runner`, which passes ``None`` and writes the bytes.
    header_text : str
        Running header of every page (e.g. "Bù Đăng · 2024").
    lang : {"vi", "en"}, optional
        Language of the page numbers; by default the ``lang`` of the ``<html>`` element.

    Returns
    -------
    bytes
        The PDF.
    """
    import weasyprint
    from weasyprint.urls import URLFetcher

    if lang is None:
        m = _LANG_RE.search(html)
        lang = m.group(1).lower() if m and m.group(1).lower() in LANGS else "vi"
    _check_lang(lang)
    fetcher = URLFetcher(allowed_protocols={"data"})
    html = _resolve_css_variables(_svgs_as_images(html))
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
    stylesheet = weasyprint.CSS(string=_page_css(header_text, lang), url_fetcher=fetcher)
    rendered = document.render(stylesheets=[stylesheet])
    when = _source_date()
    if when is not None:  # the batch's run time (SOURCE_DATE_EPOCH) as the PDF's dates
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        rendered.metadata.created = rendered.metadata.modified = stamp
    pdf = rendered.write_pdf()
    if path is not None:
        from analysis.build.files import atomic_write

        atomic_write(Path(path), pdf)
    return pdf


# -- warm-up ---------------------------------------------------------------------------------------
def warm_up() -> None:
    """Build the exporter and render a tiny report, so that later renders start warm.

    Called by the runner's worker processes before they fork one child per report.
    """
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Khởi động\n\n## Mục")]
    html = notebook_to_html(nb, "Khởi động", "vi")
    html_to_pdf(html, None, "Khởi động")
