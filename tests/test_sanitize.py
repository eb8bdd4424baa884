"""Tests of the output sanitiser (analysis.build.sanitize); whole report pages: test_injection.py."""

from __future__ import annotations

import pytest

from analysis.build.sanitize import clean_html


@pytest.mark.parametrize(
    "hostile, gone",
    [
        ('<svg><use href="/\\evil.example/s.svg#a"/></svg>', "evil"),
        ('<img src="\\\\evil.example\\p.png" alt="a">', "evil"),
        ('<a href="data:text/html,&lt;script&gt;">x</a>', "data:"),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "data:"),
        ('<p style="background: u\\72l(//evil.example/b.png)">x</p>', "evil"),
        ('<p style="behavior: expression(alert(1))">x</p>', "expression"),
        ("<style>@import 'https://evil.example/s.css'; p { color: red }</style>", "evil"),
        ('<style>p { background: url(//evil.example/b.png) }</style>', "evil"),
        ('<svg><rect fill="url(https://evil.example/f.svg#p)"/></svg>', "evil"),
        ('<svg><a xlink:href="javascript:alert(1)"><text>t</text></a></svg>', "javascript"),
        ('<svg><a><set attributeName="href" to="javascript:alert(1)"/>t</a></svg>', "javascript"),
        ('<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>', "javascript"),
        ('<svg><foreignObject><iframe src="https://evil.example/"></iframe></foreignObject></svg>',
         "evil"),
        ('<svg><image href="https://evil.example/i.png"/></svg>', "evil"),
        ("<svg><metadata><dc:date>2024-01-01T10:00:00</dc:date></metadata></svg>", "2024"),
        ('<math><mi xlink:href="javascript:alert(1)">x</mi></math>', "javascript"),
        ('<p onclick="alert(1)" onmouseover="alert(2)">x</p>', "alert"),
        ("<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>", "onerror"),
    ],
)  # fmt: skip
def test_active_or_external_content_is_removed(hostile, gone):
    assert gone not in clean_html(hostile)


def test_external_links_and_images_become_text():
    out = clean_html(
        '<a href="https://example.org/a?b=1&amp;c=&lt;2&gt;">site</a>'
        '<img src="//example.org/p.png" alt="&lt;script&gt;alert(1)&lt;/script&gt;">'
        '<img src="https:example.org/q.png"><a href="/\\example.org/">x</a>'
    )
    assert out == (
        'site (<span class="url">https://example.org/a?b=1&amp;c=&lt;2&gt;</span>)'
        '<span class="missing-image">[&lt;script&gt;alert(1)&lt;/script&gt;]</span>'
        '<span class="missing-image">[image]</span>x (<span class="url">/\\example.org/</span>)'
    )


def test_report_markup_is_kept():
    chart = (
        '<figure class="chart"><div role="img" aria-label="Biểu đồ"><svg xmlns:xlink='
        '"http://www.w3.org/1999/xlink" width="10pt" viewBox="0 0 10 10" xmlns='
        '"http://www.w3.org/2000/svg" version="1.1"><title>Hộ nghèo</title><defs><style '
        'type="text/css">*{stroke-linejoin: round}</style><path id="m1" d="M 0 0 L 1 1" '
        'style="stroke: #000000"></path></defs><g clip-path="url(#p1)"><use xlink:href="#m1" '
        'x="1" y="2"></use><image xlink:href="data:image/png;base64,iVBORw0KGgo=" width="2">'
        '</image></g><clipPath id="p1"><rect x="0" y="0" width="5" height="5"></rect>'
        "</clipPath></svg></div></figure>"
    )
    table = (
        '<figure class="report-table-figure"><figcaption>Bảng 1 — Dữ liệu</figcaption>'
        '<table id="T_t"><thead><tr><th id="T_t_l0" class="col_heading level0 col0">Năm</th>'
        '</tr></thead><tbody><tr><td class="data row0 col0" colspan="2">1.234 &amp; 5</td>'
        '</tr></tbody></table></figure><h2>Tổng quan</h2><p class="note">a <b>b</b></p>'
        '<a href="#tong-quan">in page</a><img src="data:image/png;base64,iVBORw0KGgo=" alt="x">'
    )
    assert clean_html(chart) == chart
    assert clean_html(table) == table
