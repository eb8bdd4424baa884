"""Typst probe (issue 13 item 11): how fast would a Typst PDF route print a report?

Not part of the workbook: a measurement for `bench/README.md`. It turns a built report page
(``reports/<year>/vi/<slug>.html``) into a Typst document holding the same content (headings,
paragraphs, list items, every chart SVG, every table with its header row; not the table of
contents, the headline cards or the running-header layout), compiles it with the Python binding
of Typst and prints the CPU seconds, cold (a fresh compiler: fonts loaded) and warm (the same
compiler again), and the page count. It needs ``typst`` and ``lxml`` in a separate environment
(neither is a dependency of the workbook)::

    python3 -m venv /tmp/typst-venv && /tmp/typst-venv/bin/pip install typst lxml
    /tmp/typst-venv/bin/python bench/typst_probe.py reports/2025/vi/bu-dang.html /tmp/typst-bu-dang
"""

from __future__ import annotations

import re
import resource
import sys
import time
from pathlib import Path

import lxml.html
import typst

FONTS = ["/usr/share/fonts/truetype/dejavu"]
PAGE = """#set page(paper: "a4", margin: (top: 20mm, right: 16mm, bottom: 18mm, left: 18mm),
  header: text(8pt, fill: rgb("#5b6673"))[HEADER],
  footer: context align(center, text(8pt)[Trang #counter(page).display() / #counter(page).final().first()]))
#set text(font: "DejaVu Sans", size: 10pt, lang: "vi")
#show heading: set text(fill: rgb("#0d5c8c"))
"""


def escape(text: str) -> str:
    """Typst markup with the characters that mean something in Typst escaped."""
    return re.sub(r"([\\#*_`$<>@\[\]=\-+/~])", r"\\\1", text or "")


def words(el) -> str:
    """The text of an element, whitespace collapsed."""
    return " ".join((el.text_content() or "").split())


def svg_bytes(el) -> bytes:
    """An inline chart as a stand-alone SVG file."""
    svg = lxml.html.tostring(el, encoding="utf-8")
    if b"xmlns=" not in svg[:300]:
        svg = svg.replace(b"<svg", b'<svg xmlns="http://www.w3.org/2000/svg"', 1)
    return svg


def table(el) -> str:
    """A report table as a Typst table: header row, first column left, the others right."""
    rows = [[c for c in r if c.tag in ("td", "th")] for r in el.iter("tr")]
    columns = max(len(r) for r in rows)
    head = ", ".join(f"[*{escape(words(c))}*]" for c in rows[0])
    body = ", ".join(f"[{escape(words(c))}]" for r in rows[1:] for c in r)
    return (
        f'#table(columns: {columns}, stroke: 0.5pt + rgb("#d5dbe1"), inset: (x: 4pt, y: 2pt),\n'
        "  align: (x, y) => if x == 0 { left } else { right },\n"
        f"  table.header({head}),\n  {body})\n"
    )


def to_typst(page: Path, out: Path) -> tuple[str, int, int]:
    """Write the chart files into ``out``; return the Typst source and the chart and table counts."""
    doc = lxml.html.fromstring(page.read_bytes())
    body = doc.find(".//main")
    body = body if body is not None else doc.find(".//body")
    h1 = doc.find(".//h1")
    parts, charts, tables = [], 0, 0
    for el in body.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("h1", "h2", "h3"):
            parts.append("=" * int(tag[1]) + " " + escape(words(el)) + "\n")
        elif tag == "p" and el.getparent().tag not in ("td", "th", "li", "figcaption"):
            parts.append(escape(words(el)) + "\n")
        elif tag == "li":
            parts.append("- " + escape(words(el)) + "\n")
        elif tag == "svg":
            charts += 1
            (out / f"chart{charts}.svg").write_bytes(svg_bytes(el))
            parts.append(f'#figure(image("chart{charts}.svg", width: 100%))\n')
        elif tag == "table":
            tables += 1
            parts.append(table(el))
    header = escape(words(h1)) if h1 is not None else ""
    return PAGE.replace("HEADER", header) + "\n".join(parts), charts, tables


def cpu() -> float:
    """CPU seconds of this process, all threads (Typst compiles on several)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(page: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    source, charts, tables = to_typst(page, out)
    main_typ = out / "main.typ"
    main_typ.write_text(source, encoding="utf-8")
    c0, t0 = cpu(), time.perf_counter()
    compiler = typst.Compiler(str(main_typ), root=str(out), font_paths=FONTS)
    pdf = compiler.compile()
    cold = cpu() - c0, time.perf_counter() - t0
    warm = []
    for _ in range(5):
        c0 = cpu()
        pdf = compiler.compile()
        warm.append(cpu() - c0)
    (out / "report.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    print(
        f"{page.name}: {charts} charts, {tables} tables; {pages} pages, {len(pdf):,} bytes; "
        f"cold {cold[0]:.3f} CPU-s ({cold[1]:.3f} s wall), warm {sorted(warm)[2]:.3f} CPU-s"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
