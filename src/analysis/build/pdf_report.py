"""Report HTML to an A4 PDF with WeasyPrint, in-process: the fallback printer.

The reports' PDFs are printed by Typst (`analysis.build.typst_pdf`, ~10× cheaper); a page Typst
cannot print is printed here instead (`analysis.build.task`), with the print rules of
``report.css`` (``@media print``) and ``templates/pdf.css``.

`html_to_pdf` prints the page of `analysis.build.html_report` with a running header (area and
year) and page numbers ("Trang 3/12", "Page 3 of 12", from the label ``pdf.page_number``) in the
page margin boxes (``templates/pdf.css``), DejaVu Sans for full Vietnamese coverage; SVG charts
stay vector. Only ``data:`` URLs are fetched (nothing from the network). With
``SOURCE_DATE_EPOCH`` set, the PDF's dates are that time (`analysis.build.dates`).

Rewrites of the page make WeasyPrint faster without changing the PDF (PDF input only, the
HTML report is not affected): each inline chart goes in as an ``<img>`` of its SVG
(`_svgs_as_images`, with `_flatten_svg_groups`), the page's CSS custom properties are written
into the rules that use them (`_resolve_css_variables`), and table cells lose the ids and
classes no rule uses (`_drop_unused_cell_attributes`).
"""

from __future__ import annotations

import gc
import html as html_lib
import re
from pathlib import Path

from analysis.build.dates import iso_stamp, source_date
from analysis.build.html_report import SVG_BLOCK_RE, template_text
from analysis.core.i18n import LANGS, check_lang, label


def _css_string(text: str) -> str:
    """Quote text as a CSS string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ")
    return f'"{escaped}"'


def _page_number_css(lang: str) -> str:
    """The ``content`` declaration of the page-number box, from the label ``pdf.page_number``.

    ``"Trang {page}/{pages}"`` gives ``content: "Trang " counter(page) "/" counter(pages);``.
    """
    parts = re.split(r"\{(page|pages)\}", label("pdf.page_number", lang))
    items = [
        f"counter({part})" if i % 2 else _css_string(part) for i, part in enumerate(parts) if part
    ]
    return f"content: {' '.join(items)};"


def _page_css(header_text: str, lang: str) -> str:
    """The page set-up style sheet with its running header and page numbers filled in."""
    return (
        template_text("pdf.css")
        .replace("/*HEADER*/", f"content: {_css_string(header_text)};")
        .replace("/*PAGE*/", _page_number_css(lang))
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

    Parameters
    ----------
    svg : str
        One SVG document.

    Returns
    -------
    str
        The SVG without those groups (unchanged if its ``<g>`` tags do not balance).
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

    Parameters
    ----------
    html : str
        A report page.

    Returns
    -------
    str
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

    return SVG_BLOCK_RE.sub(_one, html)


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

    Parameters
    ----------
    html : str
        A report page.

    Returns
    -------
    str
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


_CELL_TAG_RE = re.compile(r"<(td|th)\b([^<>]*)>", re.I)
# one attribute after another (a match never starts inside a quoted value)
_CELL_ATTR_RE = re.compile(r"""\s+([^\s=/>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_CSS_ID_RE = re.compile(r"#(-?[_a-zA-Z][\w-]*)")
_CSS_CLASS_RE = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")


def _drop_unused_cell_attributes(html: str, extra_css: str = "") -> str:
    """Remove the ``id`` and ``class`` of table cells that no style rule or link refers to (PDF only).

    pandas' Styler gives every cell an id and three classes (``id="T_flows_row0_col1"
    class="data row0 col1"``); the report's style sheets use none of them, but WeasyPrint
    matches every selector of the page against each of them (~15% of a report's PDF time). An id
    is kept when ``#id`` appears in any style block of the page, in ``extra_css`` or in an
    ``href``; a class when ``.class`` appears in the style. Styles or links that use them
    therefore keep working; nothing else of the page changes.

    Parameters
    ----------
    html : str
        A report page.
    extra_css : str
        Other style sheets the page is printed with (the page set-up).

    Returns
    -------
    str
    """
    css = "".join(b[1] for b in _STYLE_BLOCK_RE.findall(html)) + extra_css
    ids = set(_CSS_ID_RE.findall(css)) | set(re.findall(r"""href\s*=\s*["']#([^"']+)""", html))
    classes = set(_CSS_CLASS_RE.findall(css))

    def _attr(m: re.Match) -> str:
        name, value = m.group(1).lower(), m.group(2) or ""
        if name not in ("id", "class"):
            return m.group(0)
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        if name == "id":
            return m.group(0) if value in ids else ""
        kept = [c for c in value.split() if c in classes]
        return f' class="{" ".join(kept)}"' if kept else ""

    def _cell(m: re.Match) -> str:
        return f"<{m.group(1)}{_CELL_ATTR_RE.sub(_attr, m.group(2))}>"

    return _CELL_TAG_RE.sub(_cell, html)


def html_to_pdf(
    html: str, path: str | Path | None = None, header_text: str = "", lang: str | None = None
) -> bytes:
    """Print report HTML to an A4 PDF with WeasyPrint (in this process).

    Parameters
    ----------
    html : str
        HTML from `analysis.build.html_report.notebook_to_html`.
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
    check_lang(lang)
    fetcher = URLFetcher(allowed_protocols={"data"})
    page_css = _page_css(header_text, lang)
    html = _resolve_css_variables(_svgs_as_images(html))
    html = _drop_unused_cell_attributes(html, page_css)
    # WeasyPrint allocates ~10^6 short-lived objects per report, which trigger collections that
    # scan everything the process holds (the notebook's data too): collect only after printing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
        stylesheet = weasyprint.CSS(string=page_css, url_fetcher=fetcher)
        rendered = document.render(stylesheets=[stylesheet])
        when = source_date()
        if when is not None:  # the batch's run time (SOURCE_DATE_EPOCH) as the PDF's dates
            rendered.metadata.created = rendered.metadata.modified = iso_stamp(when)
        pdf = rendered.write_pdf()
    finally:
        if collecting:
            gc.enable()
    if path is not None:
        from analysis.build.files import atomic_write

        atomic_write(Path(path), pdf)
    return pdf
