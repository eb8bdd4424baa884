"""Make a rendered report page inert: no script, no event handler, nothing fetched from outside.

`sanitize_html` runs on the whole page that nbconvert produced from an executed notebook (see
`analysis.build.html_report`). Notebook outputs are HTML written by the library (tables, charts,
text) but may hold text from data files, so the page is filtered before it is written:

* ``<script>``, ``<iframe>``, ``<object>``, ``<embed>``, ``<link>``, ``<meta>`` and ``<base>``
  elements are removed (the template's own ``<meta data-bpwb ...>`` tags are kept, without the
  marker attribute);
* a link to an external URL becomes its text followed by the URL as text, an external image
  becomes ``[alt]``;
* every start tag loses its event handlers (``on*``), ``javascript:``-like URLs, URLs that would
  leave the page, and ``style`` values that import or fetch anything;
* ``@import``, ``url(...)`` to another site and ``expression(`` are cut from the page's CSS.
"""

from __future__ import annotations

import html as html_lib
import re

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
_KEEP_META_RE = re.compile(r"<meta data-bpwb[^>]*>")


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


def _img_alt(match: re.Match) -> str:
    """An external image as its text alternative in brackets."""
    alt = _ALT_RE.search(match.group(0))
    return f'<span class="missing-image">[{alt.group(1) if alt else "image"}]</span>'


def sanitize_html(html: str) -> str:
    """Remove scripts, event handlers, frames and every external src/href (links become text).

    Parameters
    ----------
    html : str
        A report page (or part of one).

    Returns
    -------
    str
        The page with no active content and nothing fetched from another site; the template's
        ``<meta data-bpwb ...>`` tags are kept without the ``data-bpwb`` marker.
    """
    html = _SCRIPT_RE.sub("", html)
    # keep our own <meta charset> and viewport: they are emitted by the template as
    # <meta data-bpwb ...>; outputs' meta/link tags go.
    kept = {}

    def _keep(match: re.Match) -> str:
        key = f"<!--bpwb:keep{len(kept)}-->"
        kept[key] = match.group(0)
        return key

    html = _KEEP_META_RE.sub(_keep, html)
    html = _DROP_TAG_RE.sub("", html)
    for key, value in kept.items():
        html = html.replace(key, value.replace(" data-bpwb", ""), 1)
    html = _EXT_LINK_RE.sub(
        lambda m: f'{m.group(2)} (<span class="url">{html_lib.escape(m.group(1))}</span>)', html
    )
    html = _EXT_IMG_RE.sub(_img_alt, html)
    html = _START_TAG_RE.sub(_safe_attrs, html)
    return _CSS_EXT_RE.sub("", html)
