"""Tests of the Typst PDF renderer (analysis.build.typst_pdf): the page's text arrives as text
(nothing read as Typst markup), tables keep their alignment and fill the column, charts stay
vector, page set-up and dates, the WeasyPrint fallback, and fork safety. The printed reports
themselves: test_pdf_layout.py (slow)."""

from __future__ import annotations

import io
import multiprocessing
import re

import pytest

from analysis.build import task, typst_pdf

pypdf = pytest.importorskip("pypdf")

EPOCH = 1_700_000_000


def page(body: str, lang: str = "vi", style: str = "") -> str:
    return (f'<html lang="{lang}"><head><title>Tiêu đề</title><style>{style}</style></head>'
            f"<body>{body}</body></html>")  # fmt: skip


def pdf_text(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200pt" height="100pt" viewBox="0 0 200 100">'
    "<title>Biểu đồ thử</title>"
    '<rect x="0" y="0" width="200" height="100" style="fill: #0d5c8c"/></svg>'
)


def test_text_is_never_read_as_markup():
    tricky = [
        "1. Năm 2025: 289 hộ",  # would start a numbered list
        "= không phải tiêu đề",  # a heading
        "- không phải danh sách",
        '#let x = 1 *đậm* _nghiêng_ `mã` $x$ @nhãn <nhãn> [ngoặc] "trích" \\ // chú thích ~',
    ]
    body = "".join(f"<p>{t.replace('<', '&lt;').replace('>', '&gt;')}</p>" for t in tricky)
    text = " ".join(" ".join(pdf_text(typst_pdf.html_to_pdf(page(body), "Đầu trang"))).split())
    for t in tricky:
        assert t in text


def test_page_is_a4_with_header_page_numbers_and_vietnamese_text():
    body = "<h2>Phần một</h2><p>Bù Đăng còn 289 hộ nghèo.</p>" + "<p>Dòng.</p>" * 200
    pdf = typst_pdf.html_to_pdf(page(body), "Bù Đăng · Năm 2025")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    pages = pdf_text(pdf)
    assert len(pages) >= 2
    for i, text in enumerate(pages, 1):
        assert "Bù Đăng · Năm 2025" in text
        assert f"Trang {i}/{len(pages)}" in text
    assert "Bù Đăng còn 289 hộ nghèo." in pages[0]
    english = pdf_text(typst_pdf.html_to_pdf(page("<p>x</p>", lang="en"), "h"))
    assert "Page 1 of 1" in english[0]
    assert reader.outline and reader.outline[0].title == "Phần một"  # bookmarks from headings


def test_table_alignment_header_and_spans():
    style = "#T_t td.col1 {\n  text-align: left;\n}"
    table = (
        '<table id="T_t" class="bpwb-table"><thead><tr><th>Năm</th><th>Tên</th><th>Số hộ</th>'
        "</tr></thead><tbody><tr><td>2024</td><td>Bom Bo</td><td>63</td></tr>"
        '<tr><td colspan="2">Cộng</td><td>1.234</td></tr></tbody></table>'
    )
    doc = typst_pdf.html_to_typst(page(table, style=style), "h")
    call = doc.source[doc.source.index("#report-table(") :]
    assert "aligns: (left, left, right,)" in call  # first column and the CSS rule: left
    assert 'table.header([#strong[#"Năm"]]' in call
    assert 'table.cell(colspan: 2)[#"Cộng"]' in call
    text = pdf_text(typst_pdf.compile_pdf(doc))[0]
    for value in ("Năm", "Bom Bo", "63", "Cộng", "1.234"):
        assert value in text


def test_column_widths_follow_the_browser_rule():
    def rows_of(html):
        doc, _ = typst_pdf.parse_page(html)
        return [(tr, list(tr)) for tr in doc.iter("tr")]

    # maxima fit: widened in proportion to each column's widest cell (+ padding); by hand:
    # "Năm" 3 x 1.08 (header, bold) vs "2024" 4 -> 4; "Số hộ nghèo" 11 x 1.08 = 11.88
    rows = rows_of(
        "<table><tr><th>Năm</th><th>Số hộ nghèo</th></tr><tr><td>2024</td><td>63</td></tr></table>"
    )
    room = typst_pdf.COLUMN_PT / (0.62 * 7.5) - 2 * 1.6  # the column in characters
    expected = [4 * room / 15.88 + 1.6, 11.88 * room / 15.88 + 1.6]
    assert typst_pdf.column_widths(rows, 2, 7.5) == f"({expected[0]:.1f}fr, {expected[1]:.1f}fr,)"
    # too wide: the short value keeps its length, the long text takes the rest
    long = " ".join(["chữ"] * 200)
    rows = rows_of(f"<table><tr><td>Không đạt</td><td>{long}</td></tr></table>")
    widths = [float(w) for w in re.findall(r"([\d.]+)fr", typst_pdf.column_widths(rows, 2, 7.5))]
    room = typst_pdf.COLUMN_PT / (0.62 * 7.5) - 2 * 1.6
    least = [9, 3]
    most = [9, len(long)]
    extra = (room - sum(least)) / (sum(most) - sum(least))
    expected = [lo + (hi - lo) * extra + 1.6 for lo, hi in zip(least, most, strict=True)]
    assert widths == pytest.approx(expected, abs=0.06)
    assert widths[0] == pytest.approx(9 + 1.6)


def test_parse_page_keeps_text_entities_void_elements_and_svg_as_written():
    html = page(f"<p>A &amp; B<br>C &lt;D&gt;<img src='x'>E</p><div>{SVG}</div>")
    doc, svgs = typst_pdf.parse_page(html)
    p = doc.find(".//p")
    assert "".join(p.itertext()) == "A & BC <D>E"
    assert [c.tag for c in p] == ["br", "img"]
    assert svgs == {"svg1": SVG}
    chart = doc.find(".//svg-chart")
    assert (chart.get("key"), chart.get("width"), chart.get("title")) == (
        "svg1",
        "200pt",
        "Biểu đồ thử",
    )


def test_charts_go_to_typst_as_svg_at_their_width():
    body = f'<figure class="chart"><div role="img" aria-label="Mô tả">{SVG}</div></figure>'
    doc = typst_pdf.html_to_typst(page(body), "h")
    assert list(doc.inputs) == ["svg1"] and "<rect" in doc.inputs["svg1"]
    assert '#chart("svg1", 200.00pt, "Mô tả")' in doc.source
    wide = SVG.replace('width="200pt"', 'width="900pt"')
    doc = typst_pdf.html_to_typst(page(wide), "h")
    assert f"{typst_pdf.COLUMN_PT:.2f}pt" in doc.source  # never wider than the column
    pdf = typst_pdf.compile_pdf(doc)
    assert b"/Subtype /Image" not in pdf  # vector: no raster image in the PDF


def test_first_page_parts():
    body = (
        '<section class="first-page"><div class="headline fp-cards">'
        '<div class="card"><div class="card-label">Số hộ nghèo</div>'
        '<div class="card-value">289 <span class="card-sub">0,72%</span></div></div></div>'
        '<table class="fp-verdicts"><tbody><tr class="fp-group"><th colspan="3">Nhóm</th></tr>'
        '<tr><td class="fp-code">T1</td><td>Giảm</td><td class="fp-status">'
        '<span class="chip chip-bad">Không đạt</span></td></tr></tbody></table></section>'
        '<div class="headline"><div class="card">chỉ trên màn hình</div></div><h2>Sau</h2>'
    )
    doc = typst_pdf.html_to_typst(page(body), "h")
    assert '#cards([#card-label[#"Số hộ nghèo"]' in doc.source
    assert 'group-row(3, [#"Nhóm"])' in doc.source
    assert '#chip("bad")[#"Không đạt"]' in doc.source
    pages = pdf_text(typst_pdf.compile_pdf(doc))
    assert "Không đạt" in pages[0] and "Sau" in pages[1]  # the first page is a page of its own
    assert "chỉ trên màn hình" not in "".join(pages)  # print hides the repeated cards


def test_dates_follow_source_date_epoch(monkeypatch):
    from test_reproducible import _pdf_dates

    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    pdf = typst_pdf.html_to_pdf(page("<p>Xin chào</p>"), "Bù Đăng · 2024")
    assert _pdf_dates(pdf) == [b"D:20231114221320Z"] * 2
    assert pdf == typst_pdf.html_to_pdf(page("<p>Xin chào</p>"), "Bù Đăng · 2024")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert _pdf_dates(typst_pdf.html_to_pdf(page("<p>Xin chào</p>"), "x")) == []


def test_a_page_typst_cannot_print_falls_back_to_weasyprint(monkeypatch):
    log = io.StringIO()
    bad = page(SVG.replace("<rect", "<rect broken=").replace("/></svg>", "></svg>"))

    def fail(*args, **kwargs):
        raise typst_pdf.TypstConversionError("a made-up failure")

    monkeypatch.setattr(typst_pdf, "html_to_pdf", fail)
    pdf = task._print_pdf(bad, "Bù Đăng · 2025", "vi", log)
    assert pdf.startswith(b"%PDF")
    assert "Bù Đăng · 2025" in pdf_text(pdf)[0]
    assert "printed with WeasyPrint instead" in log.getvalue()
    assert "a made-up failure" in log.getvalue()


def _child_compiles(queue):
    queue.put(typst_pdf.html_to_pdf(page("<p>con</p>"), "h")[:4])


def test_warm_up_leaves_the_process_safe_to_fork():
    # the runner's pattern: the warm process loads the fonts (no compilation), then forks
    # children that compile; run in a fresh interpreter (this test process compiled already)
    import subprocess
    import sys

    code = (
        "import os, sys\n"
        "from analysis.build import typst_pdf\n"
        "typst_pdf.warm_up()\n"
        "assert typst_pdf._COMPILED_IN is None\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    pdf = typst_pdf.html_to_pdf('<html><body><p>x</p></body></html>', 'h')\n"
        "    os._exit(0 if pdf.startswith(b'%PDF') and typst_pdf._COMPILED_IN == os.getpid() else 1)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "sys.exit(os.waitstatus_to_exitcode(status))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], timeout=120, check=False)
    assert done.returncode == 0


def test_a_fork_of_a_process_that_compiled_still_prints():
    typst_pdf.html_to_pdf(page("<p>cha</p>"), "h")  # this process has compiled
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child_compiles, args=(queue,))
    child.start()
    child.join(120)
    assert child.exitcode == 0, "the forked child did not finish"
    assert queue.get(timeout=5) == b"%PDF"  # compiled in a fresh process (_compile_elsewhere)


def test_long_words_may_break_and_do_not_widen_their_column():
    path = "/du-lieu/ra-soat-2025/tong-hop-ho-ngheo-theo-xa-phuong-moi.xlsx"  # 62 characters
    assert typst_pdf._breakable("Bù Đăng 2021–2025") == "Bù Đăng 2021–2025"  # short: unchanged
    broken = typst_pdf._breakable(f"tệp {path}")
    assert broken.replace("\u200b", "") == f"tệp {path}"
    assert broken.startswith("tệp /\u200bdu-\u200blieu/\u200bra-\u200bsoat-\u200b2025/")
    checksum = "ab" * 40
    assert typst_pdf._breakable(checksum).split("\u200b") == [checksum[:30], checksum[30:60],
                                                               checksum[60:]]  # fmt: skip
    # in a table: the long word counts 30 characters as its column's minimum, not 62
    doc, _ = typst_pdf.parse_page(f"<table><tr><td>{path}</td><td>{'chữ ' * 60}</td></tr></table>")
    rows = [(tr, list(tr)) for tr in doc.iter("tr")]
    widths = [float(w) for w in re.findall(r"([\d.]+)fr", typst_pdf.column_widths(rows, 2, 7.5))]
    room = typst_pdf.COLUMN_PT / (0.62 * 7.5) - 2 * 1.6
    least, most = [30, 3], [len(path), len("chữ " * 60) - 1]
    extra = (room - sum(least)) / (sum(most) - sum(least))
    expected = [lo + (hi - lo) * extra + 1.6 for lo, hi in zip(least, most, strict=True)]
    assert widths == pytest.approx(expected, abs=0.06)
