"""Reproducible reports: the same inputs and library version give byte-identical HTML, PDF and
xlsx when the run time is fixed with SOURCE_DATE_EPOCH.

A one-area batch (the real district notebook on the bundled synthetic data) runs twice, each time
in a fresh warm worker (so with a different Python hash seed), into two temporary report folders.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import zipfile
import zlib

import pytest

from analysis.build import batch, pdf_report, runner, xlsx_report
from analysis.report.tables import ReportTable

pytestmark = pytest.mark.slow

EPOCH = 1_700_000_000  # 2023-11-14 22:13:20 UTC
FORMATS = ("html", "pdf", "xlsx")


def _pdf_dates(pdf: bytes) -> list[bytes]:
    """CreationDate and ModDate of a PDF (in a compressed object stream or not; with or without
    a space before the value, as WeasyPrint and Typst write them)."""
    text = pdf
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            text += zlib.decompress(m.group(1))
    return re.findall(rb"/(?:CreationDate|ModDate)\s*\(([^)]*)\)", text)


def _build(root, monkeypatch):
    monkeypatch.setenv("BPWB_REPORTS", str(root))
    year = batch.resolve_year("latest")
    jobs = batch.plan_jobs("Bù Đăng", lang="vi")
    runner.shutdown_workers()
    result = runner.run_batch(jobs, year, "vi", formats=FORMATS, progress=False, keep_warm=False)
    assert result.ok, result.summary()
    return {fmt: (result.folder / f"bu-dang.{fmt}").read_bytes() for fmt in FORMATS}


def test_same_inputs_give_identical_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    first = _build(tmp_path / "a", monkeypatch)
    second = _build(tmp_path / "b", monkeypatch)
    different = [fmt for fmt in FORMATS if first[fmt] != second[fmt]]
    assert not different, f"not reproducible: {different}"

    # the fixed time is the one the files carry
    when = dt.datetime.fromtimestamp(EPOCH, dt.UTC)
    assert _pdf_dates(first["pdf"]) == [b"D:20231114221320Z"] * 2
    with zipfile.ZipFile(io.BytesIO(first["xlsx"])) as z:
        core = z.read("docProps/core.xml").decode()
        assert {i.date_time for i in z.infolist()} == {when.timetuple()[:6]}
    assert (
        re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core)
        == ["2023-11-14T22:13:20Z"] * 2
    )
    html = first["html"].decode("utf-8")
    assert "2023-11-14" in html  # the run time shown in the data notes
    assert "<dc:date>" not in html and " at 0x" not in html


def test_xlsx_dates_follow_source_date_epoch(monkeypatch):
    tables = [ReportTable("t", "caption", ["a"], [[1]])]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # before zip time: clamped to 1980
    early = xlsx_report.tables_to_xlsx(tables)
    with zipfile.ZipFile(io.BytesIO(early)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    assert xlsx_report.tables_to_xlsx(tables) == xlsx_report.tables_to_xlsx(tables)
    assert xlsx_report.tables_to_xlsx(tables) != early


def test_pdf_dates_follow_source_date_epoch(monkeypatch):
    page = '<html lang="vi"><head><title>T</title></head><body><p>Xin chào</p></body></html>'
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    pdf = pdf_report.html_to_pdf(page, None, "Bù Đăng · 2024")
    assert _pdf_dates(pdf) == [b"D:20231114221320Z"] * 2
    assert pdf == pdf_report.html_to_pdf(page, None, "Bù Đăng · 2024")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    # no date rather than a random one
    assert _pdf_dates(pdf_report.html_to_pdf(page, None, "x")) == []
