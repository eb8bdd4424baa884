"""Report HTML to an A4 PDF with Typst, in-process: the reports' PDF renderer.

The HTML report (`analysis.build.html_report`) is the one document model: this module reads
that page (`parse_page`: Python's own HTML parser into an element tree; the charts' SVG are
taken as they are written) and writes the same content as Typst markup, one Typst function per
element class of the page (``templates/report.typ``: headings, cards, verdict chips, tables,
charts, notes), then compiles it with the Python binding of Typst. Nothing is computed again and no
number is formatted again: the PDF holds the HTML's own text. Charts stay vector (the SVG of the
page, given to Typst through ``sys.inputs``); tables repeat their header row on each page and
keep their rows whole; headings and captions stay with what follows; the first page is a page
of its own; the contents list has page numbers.

Why Typst and not WeasyPrint (issue 13): on the same pages Typst needs ~0.1-0.2 CPU-seconds per
report against 1.3-1.9 for WeasyPrint (bench/README.md). WeasyPrint (`analysis.build.pdf_report`)
stays as the fallback for a page this converter or Typst cannot print: the report is then
printed by WeasyPrint and the report's log says why.

Fork safety: Typst starts worker threads when it compiles. A process that compiled once must not
fork children that compile (a child would wait for threads that do not exist in it), so the
runner's warm process only loads the fonts (`warm_up`), and each report process compiles. A
process forked from one that had compiled compiles in a fresh Python process instead
(`compile_pdf`).
"""

from __future__ import annotations

import html as html_lib
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from analysis.build.dates import source_date
from analysis.build.html_report import SVG_BLOCK_RE, template_text
from analysis.core.i18n import LANGS, check_lang, label

#: Page margins (top, right, bottom, left) in millimetres; the text column is A4 less these.
MARGINS_MM = (15.0, 14.0, 13.0, 16.0)
#: Width of the text column in points (charts wider than it are scaled down to it).
COLUMN_PT = (210.0 - MARGINS_MM[1] - MARGINS_MM[3]) * 72 / 25.4

_SKIP = {"style", "script", "head", "title", "meta", "link", "template", "noscript", "button"}
_BLOCK = {"div", "section", "main", "header", "footer", "nav", "article", "aside", "figure",
          "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "pre", "blockquote",
          "hr", "figcaption", "dl", "svg", "svg-chart", "img", "details", "summary"}  # fmt: skip
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr", "svg-chart"}  # fmt: skip
_CLASS_BLOCKS = ("banner", "note", "fp-heading", "report-subtitle", "card-label", "card-value",
                 "card-change", "card-sub")  # fmt: skip
_WHOLE_ROWS = 15  # a table of at most this many rows is kept on one page
_SHORT = 12  # a cell of at most this many characters is not broken over lines
_SMALL_TABLES = {"T_verdicts", "T_final", "T_projections"}  # 7 pt, as report.css prints them
_LEFT_RULE_RE = re.compile(r"#(T_[\w-]+)\s+td\.col(\d+)\s*\{\s*text-align:\s*left;?\s*\}")
_WS_RE = re.compile(r"\s+")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class TypstConversionError(ValueError):
    """The page holds something this converter cannot write as Typst."""


def _string(text: str) -> str:
    """A Typst string literal (control characters written as escapes)."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _CONTROL_RE.sub(lambda m: f"\\u{{{ord(m.group(0)):x}}}", text) + '"'


_LONG = 30  # a "word" longer than this (a file path, a checksum) may break inside
_LONG_WORD_RE = re.compile(rf"\S{{{_LONG + 1},}}")
_AFTER_RE = re.compile(r"([/\\_.,;:=&?-])(?=\S)")
_CHUNK_RE = re.compile(rf"([^\u200b]{{{_LONG}}})(?=[^\u200b])")


def _breakable(text: str) -> str:
    """Text with break opportunities (zero-width spaces) inside words longer than 30
    characters: after path and punctuation characters, else every 30 characters (as the HTML
    report's ``overflow-wrap: anywhere``). Shorter words are left as they are."""

    def split(m: re.Match) -> str:
        return _CHUNK_RE.sub("\\1\u200b", _AFTER_RE.sub("\\1\u200b", m.group(0)))

    return _LONG_WORD_RE.sub(split, text) if len(text) > _LONG else text


def _classes(el) -> list[str]:
    return (el.get("class") or "").split()


def _words(el) -> str:
    """The text of an element, whitespace collapsed."""
    return _WS_RE.sub(" ", "".join(el.itertext())).strip()


@dataclass
class TypstDocument:
    """A report as Typst: the markup, the chart SVGs it refers to, raster images by file name."""

    source: str
    inputs: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    title: str = ""
    lang: str = "vi"


class _Writer:
    """Walks a report page and writes Typst markup (one instance per page)."""

    def __init__(self, left_columns: dict[str, set[int]], svgs: dict[str, str]):
        self.left_columns = left_columns
        self.svgs = svgs
        self.inputs: dict[str, str] = {}
        self.files: dict[str, bytes] = {}
        self.wide_chips = False

    # -- inline content: every piece starts with "#", so no text is read as markup -------------
    def inline(self, el, strip: bool = True) -> str:
        texts = [_WS_RE.sub(" ", el.text or "")]  # text pieces; code between them
        codes: list[str] = []
        for child in el:
            if isinstance(child.tag, str) and child.tag not in _SKIP:
                codes.append(self.inline_element(child))
                texts.append("")
            texts[-1] += _WS_RE.sub(" ", child.tail or "")
        if strip:
            texts[0], texts[-1] = texts[0].lstrip(), texts[-1].rstrip()
        out = [f"#{_string(_breakable(texts[0]))}" if texts[0] else ""]
        for code, text in zip(codes, texts[1:], strict=True):
            out.append(code)
            out.append(f"#{_string(_breakable(text))}" if text else "")
        return "".join(out)

    def inline_element(self, el) -> str:
        tag, classes = el.tag, _classes(el)
        body = self.inline(el, strip=False)
        if tag in ("b", "strong", "th"):
            return f"#strong[{body}]"
        if tag in ("i", "em"):
            return f"#emph[{body}]"
        if tag in ("sup", "sub"):
            return f"#{'super' if tag == 'sup' else 'sub'}[{body}]"
        if tag == "br":
            return "#linebreak()"
        if tag == "code":
            return f"#raw({_string(''.join(el.itertext()))})"
        if "chip" in classes:
            kind = next((c[5:] for c in classes if c.startswith("chip-")), "none")
            wide = ", wide: true" if self.wide_chips else ""
            return f"#chip({_string(kind)}{wide})[{self.inline(el)}]"
        if "card-sub" in classes:
            return f"#card-sub[{body}]"
        if tag == "a" and re.match(r"(?i)https?://", el.get("href") or ""):
            return f"#link({_string(el.get('href'))})[{body}]"
        if tag in ("svg-chart", "img"):
            return self.block(el)
        return body

    # -- blocks -------------------------------------------------------------------------------
    def blocks(self, el) -> list[str]:
        """The blocks of an element's children (loose text between them becomes paragraphs)."""
        out: list[str] = []
        loose = [_WS_RE.sub(" ", el.text or "")]

        def flush() -> None:
            text = "".join(loose).strip()
            if text:
                out.append(f"#{_string(text)}")
            loose.clear()

        for child in el:
            if not isinstance(child.tag, str) or child.tag in _SKIP:
                loose.append(_WS_RE.sub(" ", child.tail or ""))
                continue
            if child.tag in _BLOCK:
                flush()
                block = self.block(child)
                if block:
                    out.append(block)
            else:
                flush()
                out.append(self.inline_element(child))
            loose.append(_WS_RE.sub(" ", child.tail or ""))
        flush()
        return out

    def content(self, el) -> str:
        """An element as one Typst content block ``[...]``."""
        if any(isinstance(c.tag, str) and c.tag in _BLOCK for c in el):
            return "[" + "\n\n".join(self.blocks(el)) + "]"
        return "[" + self.inline(el) + "]"

    def block(self, el) -> str:
        tag, classes = el.tag, _classes(el)
        if tag in _SKIP:
            return ""
        if tag == "svg-chart" or (
            tag == "div" and el.get("role") == "img" and el.find(".//svg-chart") is not None
        ):
            return self.chart(el)
        if tag == "img":
            return self.image(el)
        if tag == "h1" and "report-title" in classes:
            return f"#report-title[{self.inline(el)}]"
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            level = {"h1": 1, "h2": 1, "h3": 2}.get(tag, 3)
            return f"#heading(level: {level})[{self.inline(el)}]"
        if tag == "header" and "report-header" in classes:
            return "#report-header[" + "\n\n".join(self.blocks(el)) + "]"
        if tag == "nav" and "toc" in classes:
            title = el.find(".//p")
            return f"#toc({_string(_words(title) if title is not None else '')})"
        for name in _CLASS_BLOCKS:
            if name in classes:
                return f"#{name}{self.content(el)}"
        if tag == "section" and "first-page" in classes:
            return "\n\n".join([*self.blocks(el), "#pagebreak(weak: true)"])
        if "headline" in classes:  # the cards; on paper only the first page's (report.css)
            if "fp-cards" not in classes:
                return ""
            cards = [self.content(c) for c in el if isinstance(c.tag, str)]
            return "#cards(" + ", ".join(cards) + ")"
        if "fp-top" in classes:
            # the sentences beside the small trend chart, which keeps its own width
            kids = [c for c in el if isinstance(c.tag, str) and c.tag not in _SKIP]
            svgs = [c if c.tag == "svg-chart" else c.find(".//svg-chart") for c in kids]
            widths = ", ".join("1fr" if svg is None else self.width(svg.get("width"), narrow=True)
                               for svg in svgs)  # fmt: skip
            cells = ", ".join(self.content(c) for c in kids)
            return f"#grid(columns: ({widths},), column-gutter: 4mm, {cells})"
        if tag == "figcaption":
            return f"#caption[{self.inline(el)}]"
        if tag == "p":
            return self.inline(el)
        if tag == "table":
            return self.table(el)
        if tag in ("ul", "ol"):
            items = [self.content(li) for li in el if li.tag == "li"]
            if "fp-legend" in classes:
                return "#legend(" + ", ".join(items) + ")"
            return f"#{'list' if tag == 'ul' else 'enum'}(" + ", ".join(items) + ")"
        if tag == "pre":
            code = _string("".join(el.itertext()))
            return f"#block(fill: band, inset: 0.5em, width: 100%, text(7.5pt, raw(block: true, {code})))"
        if tag == "blockquote":
            return f"#quote(block: true){self.content(el)}"
        if tag == "hr":
            return "#line(length: 100%, stroke: 0.5pt + rule)"
        return "\n\n".join(self.blocks(el))

    # -- charts and images --------------------------------------------------------------------
    def chart(self, el) -> str:
        svg_el = el if el.tag == "svg-chart" else el.find(".//svg-chart")
        alt = el.get("aria-label") or svg_el.get("title") or ""
        key = svg_el.get("key")
        self.inputs[key] = self.svgs[key]
        return f"#chart({_string(key)}, {self.width(svg_el.get('width'))}, {_string(alt)})"

    @staticmethod
    def width(attr: str | None, narrow: bool = False) -> str:
        """The printed width: the chart's own width unless wider than its column (or, beside
        the first page's sentences, than 62% of it)."""
        m = re.fullmatch(r"\s*([\d.]+)\s*(pt|px)?\s*", attr or "")
        if not m:
            return "100%"
        points = float(m.group(1)) * (0.75 if m.group(2) == "px" else 1.0)
        limit = COLUMN_PT * (0.62 if narrow else 1.0)
        return f"{min(points, limit):.2f}pt"

    def image(self, el) -> str:
        import base64

        src = el.get("src") or ""
        m = re.match(r"data:image/(png|jpeg|jpg|gif|svg\+xml);base64,(.*)", src, re.S)
        if not m:
            return ""  # only embedded images: a report never fetches anything
        data = base64.b64decode(m.group(2))
        alt = _string(el.get("alt") or "")
        if m.group(1) == "svg+xml":
            key = f"svg{len(self.inputs) + 1}"
            self.inputs[key] = data.decode("utf-8")
            return f"#chart({_string(key)}, 100%, {alt})"
        name = f"image{len(self.files) + 1}.{m.group(1).replace('jpeg', 'jpg')}"
        self.files[name] = data
        return f'#block(breakable: false, align(center, image("{name}", width: 100%, alt: {alt})))'

    # -- tables -------------------------------------------------------------------------------
    def table(self, el) -> str:
        classes, tid = _classes(el), el.get("id") or ""
        head, body = [], []
        for part in el:
            trs = [part] if part.tag == "tr" else [tr for tr in part if tr.tag == "tr"]
            rows_of = head if part.tag == "thead" else body
            rows_of.extend((tr, [c for c in tr if c.tag in ("td", "th")]) for tr in trs)
        rows = head + body
        n = max((sum(_span(c, "colspan") for c in cells) for _, cells in rows), default=0)
        if n == 0 or not (head or body):
            return ""
        matrix, verdicts = "fp-matrix" in classes, "fp-verdicts" in classes
        all_left = verdicts or "data-note" in classes or tid in ("T_data_note", "T_verdicts")
        left = self.left_columns.get(tid, set())
        aligns = []
        for i in range(n):
            if i == 0 or all_left or i in left:
                aligns.append("left")
            else:
                aligns.append("center" if matrix else "right")
        size = 7.0 if (matrix or verdicts or tid in _SMALL_TABLES) else 7.5
        columns = "(14%, " + "1fr, " * (n - 1) + ")" if matrix else column_widths(rows, n, size)
        out = []
        if head:
            cells = [self.cell(c, header=True) for _, row in head for c in row]
            out.append("table.header(" + ", ".join(cells) + ")")
        self.wide_chips = matrix
        try:
            for k, (tr, cells) in enumerate(body):
                if "fp-group" in _classes(tr) and len(cells) == 1:
                    out.append(f"group-row({n}, [{self.inline(cells[0])}])")
                    continue
                out.extend(self.cell(c, bold=matrix and k == 0) for c in cells)
                if matrix and k == 0:
                    out.append("table.hline(stroke: 1pt + ink)")
        finally:
            self.wide_chips = False
        aligns_code = "(" + ", ".join(aligns) + ",)"
        whole = "true" if len(body) <= _WHOLE_ROWS else "false"
        return (f"#report-table(size: {size}pt, columns: {columns}, aligns: {aligns_code}, "
                f"whole: {whole},\n  "
                + ",\n  ".join(out) + ")")  # fmt: skip

    def cell(self, c, header: bool = False, bold: bool = False) -> str:
        content = self.inline(c)
        if header or bold or c.tag == "th":
            content = f"#strong[{content}]"
        spans = [f"{k}: {_span(c, k)}" for k in ("colspan", "rowspan") if _span(c, k) > 1]
        if spans:
            return f"table.cell({', '.join(spans)})[{content}]"
        return f"[{content}]"


def column_widths(rows: list, n: int, size_pt: float) -> str:
    """Column widths as a browser lays out a full-width table (CSS automatic table layout).

    Each column's widest cell on one line (its maximum) and its longest word (its
    minimum; the whole text for a verdict chip or a value of at most 12 characters, such
    as "2021–2025" or "Không đạt", which are not broken) are measured in
    characters; if the maxima fit the text column they are widened in proportion,
    otherwise each column gets its minimum plus a share of the rest in proportion to what
    it lacks. The widths are written as fractions, so the table fills the column.
    """
    most = [1.0] * n
    least = [1.0] * n
    for _, cells in rows:
        i = 0
        for c in cells:
            span = _span(c, "colspan")
            if span == 1 and i < n:
                text = _words(c)
                chip = any("chip" in _classes(x) for x in c.iter())
                bold = 1.08 if c.tag == "th" or chip else 1.0
                longest_word = min(max((len(w) for w in text.split()), default=0), _LONG)
                chars = len(text) + (2 if chip else 0)  # a chip's own padding
                most[i] = max(most[i], chars * bold)
                whole = chip or len(text) <= _SHORT  # short values stay on one line
                least[i] = max(least[i], (chars if whole else longest_word) * bold)
            i += span
    pad = 1.6  # cell padding, in characters
    room = COLUMN_PT / (0.62 * size_pt) - pad * n  # DejaVu Sans: digits are 0.64 em
    if sum(most) <= room:
        widths = [m * room / sum(most) for m in most]
    elif sum(least) >= room:
        widths = least
    else:
        extra = (room - sum(least)) / (sum(most) - sum(least))
        widths = [lo + (hi - lo) * extra for lo, hi in zip(least, most, strict=True)]
    return "(" + ", ".join(f"{w + pad:.1f}fr" for w in widths) + ",)"


def _span(cell, attr: str) -> int:
    """A cell's ``colspan`` or ``rowspan`` (1 when missing or not a number)."""
    value = (cell.get(attr) or "").strip()
    return max(int(value), 1) if value.isdigit() else 1


def _left_columns(doc) -> dict[str, set[int]]:
    """``{table id: {column}}`` of the page's ``#T_x td.colN { text-align: left }`` rules."""
    out: dict[str, set[int]] = {}
    for style in doc.iter("style"):
        for tid, col in _LEFT_RULE_RE.findall(style.text or ""):
            out.setdefault(tid, set()).add(int(col))
    return out


def _page_setup(title: str, header_text: str, lang: str) -> str:
    """Document metadata, A4 page, running header and page numbers (label ``pdf.page_number``).

    The PDF's dates are ``SOURCE_DATE_EPOCH`` when it is set (`compile_pdf`), else none: no
    date rather than one that makes every build differ.
    """
    parts = re.split(r"\{(page|pages)\}", label("pdf.page_number", lang))
    number = "".join(
        ("#counter(page).display()" if part == "page" else "#str(counter(page).final().first())")
        if i % 2
        else f"#{_string(part)}"
        for i, part in enumerate(parts)
        if part
    )
    top, right, bottom, left = MARGINS_MM
    return (
        f"#set document(title: {_string(title)}"
        + ("" if source_date() is not None else ", date: none")
        + ")\n"
        f'#set text(lang: "{lang}")\n'
        f'#set page(paper: "a4", margin: (top: {top}mm, right: {right}mm, bottom: {bottom}mm, '
        f"left: {left}mm),\n"
        f"  header: block(width: 100%, stroke: (bottom: 0.5pt + rule), inset: (bottom: 2mm), "
        f"text(8pt, fill: muted, {_string(header_text)})),\n"
        f"  footer: context align(center, text(8pt, fill: muted)[{number}]))\n"
    )


class _TreeParser(HTMLParser):
    """HTML to an element tree (`xml.etree`): every start tag opens an element, except void
    ones; an end tag closes the innermost open element of its name (the pages are written by
    the workbook's templates and sanitiser, so their tags are balanced)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = ET.Element("document")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        el = ET.SubElement(self.stack[-1], tag, {k: v or "" for k, v in attrs})
        if tag not in _VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag, attrs):
        ET.SubElement(self.stack[-1], tag, {k: v or "" for k, v in attrs})

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data


def parse_page(html: str) -> tuple[ET.Element, dict[str, str]]:
    """A report page as an element tree, and its charts' SVG documents by key.

    Each ``<svg>...</svg>`` of the page becomes an empty ``<svg-chart key="svgN">`` element (with
    the chart's ``width`` and ``title``) and its text is kept as written, with the namespace
    declarations an SVG file needs.

    Parameters
    ----------
    html : str

    Returns
    -------
    (xml.etree.ElementTree.Element, dict)
        The root (a ``document`` element holding ``<html>``) and ``{key: SVG text}``.
    """
    svgs: dict[str, str] = {}

    def keep(m: re.Match) -> str:
        svg = m.group(0)
        head = svg[: svg.find(">")]
        if "xmlns=" not in head:
            svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
        if "xlink:" in svg and "xmlns:xlink" not in head:
            svg = svg.replace("<svg", '<svg xmlns:xlink="http://www.w3.org/1999/xlink"', 1)
        key = f"svg{len(svgs) + 1}"
        svgs[key] = svg
        width = re.search(r"""\swidth\s*=\s*["']([^"']*)["']""", head)
        title = re.search(r"<title>(.*?)</title>", svg, re.S)
        attrs = {"key": key, "width": width.group(1) if width else "",
                 "title": html_lib.unescape(title.group(1)).strip() if title else ""}  # fmt: skip
        return "<svg-chart " + " ".join(
            f'{k}="{html_lib.escape(v)}"' for k, v in attrs.items()) + ">"  # fmt: skip

    parser = _TreeParser()
    parser.feed(SVG_BLOCK_RE.sub(keep, html))
    parser.close()
    return parser.root, svgs


def html_to_typst(html: str, header_text: str = "", lang: str | None = None) -> TypstDocument:
    """Write a report page as a Typst document (see the module docstring).

    Parameters
    ----------
    html : str
        A page of `analysis.build.html_report.notebook_to_html`.
    header_text : str
        Running header of every page.
    lang : {"vi", "en"}, optional
        Language of the page numbers; by default the ``lang`` of the ``<html>`` element.

    Returns
    -------
    TypstDocument
    """
    doc, svgs = parse_page(html)
    root = doc.find("html")
    page_lang = ((root.get("lang") if root is not None else "") or "").lower()
    lang = lang or (page_lang if page_lang in LANGS else "vi")
    check_lang(lang)
    title_el = doc.find(".//title")
    title = _words(title_el) if title_el is not None else header_text
    body = doc.find(".//body")
    if body is None:
        raise TypstConversionError("the page has no <body>")
    writer = _Writer(_left_columns(doc), svgs)
    text = "\n\n".join(writer.blocks(body))
    source = (
        template_text("report.typ") + "\n" + _page_setup(title, header_text, lang) + "\n" + text
    )
    return TypstDocument(source, writer.inputs, writer.files, title, lang)


@lru_cache(maxsize=1)
def fonts():
    """DejaVu Sans (full Vietnamese coverage), as matplotlib ships it: the charts' own font.

    Loading fonts starts no thread, so the warm process may do it before forking (`warm_up`).
    """
    import matplotlib
    import typst

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                       font_paths=[str(folder)])  # fmt: skip


#: Process id of the process that compiled Typst (and so started Typst's threads), if any.
_COMPILED_IN: int | None = None


def compile_pdf(document: TypstDocument) -> bytes:
    """Compile a Typst document to PDF bytes (dates from ``SOURCE_DATE_EPOCH`` when set).

    In a process forked from one that had compiled already (whose Typst threads it lacks), the
    document is compiled in a fresh Python process instead (`_compile_elsewhere`): slower, but
    it cannot wait forever.
    """
    import typst

    global _COMPILED_IN
    if _COMPILED_IN not in (None, os.getpid()):
        return _compile_elsewhere(document)
    when = source_date()
    timestamp = int(when.timestamp()) if when is not None else None
    with tempfile.TemporaryDirectory(prefix="bpwb-typst-") as root:
        for name, data in document.files.items():
            Path(root, name).write_bytes(data)
        compiler = typst.Compiler(root=root, font_paths=fonts(), ignore_system_fonts=True)
        _COMPILED_IN = os.getpid()
        return compiler.compile(input=document.source.encode("utf-8"), format="pdf",
                                sys_inputs=document.inputs, timestamp=timestamp)  # fmt: skip


def _compile_elsewhere(document: TypstDocument) -> bytes:
    """`compile_pdf` in a new Python process (``python -m analysis.build.typst_pdf``)."""
    import base64
    import json
    import subprocess
    import sys

    job = {"source": document.source, "inputs": document.inputs,
           "files": {k: base64.b64encode(v).decode("ascii") for k, v in document.files.items()}}  # fmt: skip
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [sys.executable, "-m", "analysis.build.typst_pdf"], input=json.dumps(job).encode("utf-8"),
        capture_output=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF"):
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise TypstConversionError(f"Typst failed in a separate process: {' '.join(tail)}")
    return done.stdout


def _main() -> None:
    """Compile the document given as JSON on standard input; write the PDF to standard output."""
    import base64
    import json
    import sys

    job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    files = {k: base64.b64decode(v) for k, v in job["files"].items()}
    pdf = compile_pdf(TypstDocument(job["source"], job["inputs"], files))
    sys.stdout.buffer.write(pdf)


def html_to_pdf(html: str, header_text: str = "", lang: str | None = None) -> bytes:
    """Print report HTML to an A4 PDF with Typst (in this process): `html_to_typst`, then
    `compile_pdf`. The parameters are those of `html_to_typst`; returns the PDF's bytes.

    Raises
    ------
    TypstConversionError
        The page cannot be read.
    typst.TypstError
        Typst could not compile the document (e.g. an SVG it cannot read).
    """
    return compile_pdf(html_to_typst(html, header_text, lang))


def warm_up() -> None:
    """Import Typst and load the fonts, without compiling (see "Fork safety" above)."""
    fonts()


if __name__ == "__main__":
    _main()
