"""Make the outputs of a report page inert: an allowlist applied to parsed HTML (nh3).

`clean_html` parses a fragment of HTML the way a browser does (nh3: the html5ever parser and the
ammonia sanitiser) and writes it back keeping only what the reports use:

* elements: text structure (headings, paragraphs, lists, tables, figures, ``<pre>``, ...),
  ``<img>``, ``<style>`` and inline SVG charts (shapes, paths, text, ``<use>``, clip paths,
  patterns, gradients, ``<image>``); ``<script>`` and SVG ``<metadata>`` go with their content,
  any other element (frames, objects, forms, ``<link>``, ``<meta>``, ``<base>``, SVG animation
  and ``<foreignObject>``...) is dropped and its text kept;
* attributes: layout, accessibility (``role``, ``aria-*``) and SVG presentation attributes;
  no event handler;
* URLs: ``#fragment`` and relative paths, ``data:`` images in ``<img>`` and SVG ``<image>``;
  a link to another site becomes its text followed by the URL as text, an image from another
  site becomes ``[alt]``, any other external or active URL (``javascript:``, ``//host``...) is
  removed;
* CSS (``style`` attributes and elements): nothing that fetches or runs anything (``url()``
  other than ``url(#id)``, ``@import``, ``expression(``, escapes) is kept.

The result is serialised by html5ever: attributes in double quotes, empty SVG elements written
as ``<path ...></path>``, text escaped minimally (``&amp; &lt; &gt; &nbsp;``).
"""

from __future__ import annotations

import html as html_lib
import re

import nh3

#: Elements kept (their attributes are filtered); others are dropped, their text kept.
ALLOWED_TAGS = frozenset(
    {
        # text and structure
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd",
        "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
        "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
        "s", "samp", "section", "small", "span", "strong", "style", "sub", "summary", "sup",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
        # inline SVG charts (no animation, no foreignObject, no script)
        "svg", "circle", "clipPath", "defs", "desc", "ellipse", "g", "image", "line",
        "linearGradient", "marker", "mask", "path", "pattern", "polygon", "polyline",
        "radialGradient", "rect", "stop", "symbol", "text", "title", "tspan", "use",
    }
)  # fmt: skip

#: Elements removed with everything inside them.
REMOVED_WITH_CONTENT = frozenset({"script", "metadata"})

#: Attributes kept on any allowed element (SVG names as the HTML parser spells them).
ALLOWED_ATTRIBUTES = frozenset(
    {
        # HTML
        "align", "alt", "border", "class", "colspan", "dir", "headers", "height", "href",
        "id", "lang", "role", "rowspan", "scope", "span", "src", "start", "style", "tabindex",
        "title", "type", "valign", "width",
        # SVG: document, geometry, references, presentation
        "xmlns", "xlink", "version", "viewBox", "preserveAspectRatio", "x", "y", "x1", "y1",
        "x2", "y2", "cx", "cy", "r", "rx", "ry", "d", "points", "dx", "dy", "transform",
        "textLength", "lengthAdjust", "clip-path", "clip-rule", "clipPathUnits", "mask",
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-dasharray", "stroke-dashoffset",
        "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-opacity",
        "stroke-width", "opacity", "font-family", "font-size", "font-style", "font-weight",
        "text-anchor", "dominant-baseline", "patternUnits", "patternContentUnits",
        "patternTransform", "gradientUnits", "gradientTransform", "offset", "stop-color",
        "stop-opacity", "markerWidth", "markerHeight", "markerUnits", "refX", "refY",
        "orient", "visibility", "display",
    }
)  # fmt: skip

_URL_ATTRS = {"href", "src"}  # xlink:href reaches the filter as "href"
_DATA_IMAGE_RE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]*\Z", re.I)
_EXTERNAL_RE = re.compile(r"https?:|[/\\]{2}", re.I)  # "//host" and "\\host" too
_CSS_ACTIVE_RE = re.compile(r"@import|expression\s*\(|\\|url\(\s*['\"]?\s*(?!#)", re.I)
_STYLE_ELEMENT_RE = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", re.S | re.I)
# a start tag's attributes as html5ever writes them: name="value", no '"' inside a value
_ATTRS = r"""((?:\s[^\s=>]+="[^"]*")*)"""
_LINK_RE = re.compile(rf"<a{_ATTRS}>(.*?)</a>", re.S)
_IMG_RE = re.compile(rf"<img{_ATTRS}>")
_HREF_RE = re.compile(r"""\shref="([^"]*)\"""")
_SRC_RE = re.compile(r"""\ssrc="([^"]*)\"""")
_ALT_RE = re.compile(r"""\salt="([^"]*)\"""")


def _plain(url: str) -> str:
    """A URL as a browser reads it: no spaces, tabs, line breaks or control characters."""
    return re.sub(r"[\x00-\x20]+", "", url)


def _external(url: str) -> bool:
    """Whether a URL (as the parser read it) points to another site."""
    return bool(_EXTERNAL_RE.match(_plain(url)))


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Keep an allowed attribute's value, or None to drop the attribute.

    Called by nh3 for every allowed attribute (URLs with a scheme other than ``http``,
    ``https``, ``mailto`` and ``data`` are already gone); relative URLs, ``//host`` included,
    are judged here. Links and images to other sites are kept here and turned into text by
    `clean_html`.
    """
    if attribute in _URL_ATTRS:
        url = _plain(value)
        if url.lower().startswith("data:"):
            return value if tag in ("img", "image") and _DATA_IMAGE_RE.match(url) else None
        if _external(url):
            return value if (tag, attribute) in (("a", "href"), ("img", "src")) else None
        return value
    if attribute == "style" or "url(" in value.lower():
        return None if _CSS_ACTIVE_RE.search(value) else value
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(REMOVED_WITH_CONTENT),
    attributes={"*": set(ALLOWED_ATTRIBUTES)},
    generic_attribute_prefixes={"aria-"},
    attribute_filter=_filter_attribute,
    strip_comments=True,
    link_rel=None,
    url_schemes={"http", "https", "mailto", "data"},
)


def _link_as_text(match: re.Match) -> str:
    """A link to another site as its text and its URL (as text)."""
    href = _HREF_RE.search(match.group(1))
    if href is None or not _external(html_lib.unescape(href.group(1))):
        return match.group(0)
    url = html_lib.escape(html_lib.unescape(href.group(1)))
    return f'{match.group(2)} (<span class="url">{url}</span>)'


def _image_as_text(match: re.Match) -> str:
    """An image from another site as its text alternative in brackets."""
    src = _SRC_RE.search(match.group(1))
    if src is None or not _external(html_lib.unescape(src.group(1))):
        return match.group(0)
    alt = _ALT_RE.search(match.group(1))
    text = html_lib.escape(html_lib.unescape(alt.group(1))) if alt else "image"
    return f'<span class="missing-image">[{text}]</span>'


def _inert_css(match: re.Match) -> str:
    """A ``<style>`` element, emptied if its CSS could fetch or run anything."""
    if _CSS_ACTIVE_RE.search(match.group(2)):
        return match.group(1) + match.group(3)
    return match.group(0)


def clean_html(fragment: str) -> str:
    """Sanitise a fragment of HTML (the outputs of a report) with the allowlist of this module.

    Parameters
    ----------
    fragment : str
        HTML as notebook outputs hold it (tables, charts, text); never a whole page (the
        parser drops ``<html>``, ``<head>`` and ``<body>``).

    Returns
    -------
    str
        The fragment re-serialised from its parsed tree with only allowed elements, attributes,
        URLs and CSS; links and images to other sites become text.
    """
    html = _CLEANER.clean(fragment)
    html = _LINK_RE.sub(_link_as_text, html)
    html = _IMG_RE.sub(_image_as_text, html)
    return _STYLE_ELEMENT_RE.sub(_inert_css, html)
