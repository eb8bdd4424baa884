"""The index page of a reports folder (analysis.build.index)."""

from __future__ import annotations

import argparse
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from analysis.build import index

#: The report pages' policy: no script, no fetch, no form; inline styles and data: images.
POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)


def _manifest(lang: str) -> dict:
    return {
        "schema": 1, "year": 2024, "lang": lang,
        "reports": {
            "b": {"area": "1", "area_name": "Bù Đăng", "status": "ok", "error": None,
                  "files": {"html": "b.html", "xlsx": "b.xlsx", "log": "b.log"},
                  "timings": {"total": 1.25}, "finished_at": "2024-01-01T00:00:00+00:00"},
            "a": {"area": "2", "area_name": "Lộc Ninh", "status": "failed", "error": "boom",
                  "files": {"ipynb": "a.ipynb", "log": "a.log"}, "timings": {}},
        },
        "last_batch": {"finished_at": "2024-01-01T00:00:01+00:00", "notice": "Synthetic"},
    }  # fmt: skip


def test_index_lists_failures_first_in_the_folders_language():
    vi = index.render_index(_manifest("vi"), order=["b"])
    assert '<html lang="vi">' in vi and "<title>Báo cáo giảm nghèo bền vững · 2024</title>" in vi
    assert "Báo cáo bị lỗi (1)" in vi and "hoàn tất" in vi and ">lỗi<" in vi
    assert vi.index('<tr id="b">') < vi.index('<tr id="a">')  # the batch's order first
    assert '<p class="banner">Synthetic</p>' in vi
    assert "<td>1,3</td>" in vi  # seconds in the build details, written the Vietnamese way
    en = index.render_index(_manifest("en"))
    assert "Sustainable poverty reduction reports" in en and "Failed reports (1)" in en
    assert en.index('<tr id="a">') < en.index('<tr id="b">')  # then by slug
    assert "<td>1.3</td>" in en
    assert ">Excel<" in en and ">log<" in en and ">notebook<" in en


def test_index_words_come_from_the_catalogue():
    assert index.index_strings("vi")["time"] == "Thời gian (giây)"
    assert index.index_strings("en")["none_failed"] == "All reports completed."
    assert index.index_strings("fr") == index.index_strings("en")
    assert index.index_strings("vi")["worst"] == "Mục tiêu kém nhất"
    assert set(index.index_strings("vi")) == {
        "title", "year", "area", "files", "status", "time", "updated", "ok", "failed",
        "failures", "log", "notebook", "none_failed", "excel", "dashboard", "poor", "rate",
        "change", "em_rate", "worst", "reports", "data", "households", "not_comparable",
        "details", "error", "no_facts",
    }  # fmt: skip


class Policies(HTMLParser):
    """The Content-Security-Policy meta tags of a page and the tags before each."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.found: list[tuple[list[str], str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "content-security-policy":
            self.found.append((list(self.tags), attrs.get("content")))
        self.tags.append(tag)


def test_index_carries_the_reports_content_security_policy():
    page = index.render_index(_manifest("vi"), order=["b"])
    parser = Policies()
    parser.feed(page)
    ((before, policy),) = parser.found
    assert policy == POLICY
    assert before == ["html", "head", "meta"]  # right after the charset, before the style
    assert "<script" not in page
    links = page.split('href="')[1:]
    assert links and all(not a.startswith(("http:", "https:", "//")) for a in links)


# -- the dashboard -----------------------------------------------------------------------------
def _facts(poor, rate, change, points, em_rate, worst, targets, name, sha, date="2025-07-01"):
    return {
        "poor": poor, "rate": rate, "prev_year": 2023, "comparable": True,
        "change_households": change, "change_points": points, "em_poor": 10.0, "em_rate": em_rate,
        "worst_status": worst, "worst_targets": targets,
        "data": {"name": name, "date": date, "sha256": sha, "synthetic": False},
    }  # fmt: skip


def _dashboard_manifest(lang: str) -> dict:
    manifest = _manifest(lang)
    manifest["reports"]["b"]["facts"] = _facts(
        2879.0, 1.0349, -903.0, -0.456, 3.5, "off track", ["T1", "T3", "T4", "T5"],
        "review-a.xlsx", "0123456789abcdef",
    )  # fmt: skip
    manifest["reports"]["c"] = {
        "area": "3", "area_name": "Đồng Xoài", "status": "ok", "error": None,
        "files": {"html": "c.html", "pdf": "c.pdf", "xlsx": "c.xlsx"}, "timings": {"total": 2.0},
        "facts": _facts(12.0, 0.2, 0.0, 0.001, None, "achieved", ["T1"], "review-b.csv",
                        "fedcba9876543210", "2025-08-02"),
    }  # fmt: skip
    return manifest


def _row(page: str, slug: str) -> dict[str, str]:
    """The dashboard cells of one report's row, by class, tags removed."""
    row = page.split(f'<tr id="{slug}">', 1)[1].split("</tr>", 1)[0]
    cells = {}
    for cls, body in re.findall(r'<td class="([^"]*)">(.*?)</td>', row, flags=re.S):
        cells[cls.split()[-1]] = re.sub(r"<[^>]+>", " ", body).split()
    return {k: " ".join(v) for k, v in cells.items()}


def test_dashboard_writes_each_reports_facts_in_the_folders_language():
    vi = index.render_index(_dashboard_manifest("vi"), order=["b", "c"])
    b = _row(vi, "b")
    assert b["area"] == "Bù Đăng" and b["poor"] == "2.879" and b["rate"] == "1,03%"
    assert b["change"] == "-903 hộ -0,46 điểm %" and b["em-rate"] == "3,50%"
    assert b["worst"] == "Chậm tiến độ T1, T3, T4 +1"
    assert b["files"] == "HTML Excel"
    c = _row(vi, "c")
    assert c["change"] == "0 hộ 0,00 điểm %" and c["em-rate"] == "–"  # no "-0", no sign for 0
    assert c["worst"] == "Đã đạt T1" and c["files"] == "HTML PDF Excel"
    failed = _row(vi, "a")
    assert failed["poor"] == failed["rate"] == failed["worst"] == failed["data"] == "–"
    assert "lỗi" in failed["files"]
    en = index.render_index(_dashboard_manifest("en"))
    b = _row(en, "b")
    assert (b["poor"], b["rate"], b["change"]) == ("2,879", "1.03%", "-903 households -0.46 pp")
    assert b["worst"] == "Off track T1, T3, T4 +1"
    assert '<span class="chip bad">Off track</span>' in en
    assert '<span class="chip good">Achieved</span>' in en


def test_dashboard_says_which_data_file_each_report_used():
    vi = index.render_index(_dashboard_manifest("vi"), order=["b", "c"])
    assert _row(vi, "b")["data"] == "review-a.xlsx, ngày 01/07/2025, SHA-256 0123456789ab…"
    assert _row(vi, "c")["data"] == "review-b.csv, ngày 02/08/2025, SHA-256 fedcba987654…"
    assert "được lập từ 2 tệp dữ liệu khác nhau" in vi  # two files side by side: said at the top
    one = _dashboard_manifest("en")
    one["reports"]["c"]["facts"]["data"] = one["reports"]["b"]["facts"]["data"]
    en = index.render_index(one)
    assert "different data files" not in en
    assert 'class="data"' not in en  # one file: named once above the table, not in every row
    assert (
        '<p class="data-used">Data: review-a.xlsx, dated 2025-07-01, SHA-256 0123456789ab…</p>'
        in en
    )


class Details(HTMLParser):
    """The ``<details>`` elements of a page (their attributes) and the tables inside them."""

    def __init__(self) -> None:
        super().__init__()
        self.details: list[dict] = []
        self.depth = 0
        self.inside: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "details":
            self.details.append(dict(attrs))
            self.depth += 1
        elif self.depth and tag in ("table", "summary"):
            self.inside.append(tag)

    def handle_endtag(self, tag):
        if tag == "details":
            self.depth -= 1


def test_build_details_are_collapsed_and_the_page_has_no_script():
    page = index.render_index(_dashboard_manifest("vi"), order=["b"])
    parser = Details()
    parser.feed(page)
    assert len(parser.details) == 1 and "open" not in parser.details[0]
    assert "summary" in parser.inside and "table" in parser.inside
    details = page.split("<details", 1)[1].split("</details>", 1)[0]
    dashboard = page.split("<details", 1)[0]
    assert "Thời gian (giây)" in details and "Thời gian (giây)" not in dashboard
    assert 'href="b.log"' in details and 'href="b.log"' not in dashboard.split("Tình hình")[1]
    assert "<script" not in page.lower() and "javascript:" not in page.lower()
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", page, flags=re.I)  # no event handlers


# -- end to end: the facts come from the report job --------------------------------------------
FIXTURE = Path(__file__).parent / "fixtures" / "two_districts_summary.csv"


@pytest.mark.slow
def test_index_values_equal_the_reports_data_functions(tmp_path, monkeypatch):
    """Bù Đăng 2024 from the two-district fixture, then Lộc Ninh from a second file: the index
    shows the figures of the report's data functions and each report's own data file."""
    from analysis.build import batch
    from analysis.core.i18n import status_name
    from analysis.core.numbers import format_number, format_percent, format_points
    from analysis.report import context, overview_data, section_data

    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "reports"))
    second = tmp_path / "review-second.csv"
    second.write_bytes(FIXTURE.read_bytes() + b"\n")  # same figures, another file and checksum

    def run(areas: str, data: Path) -> int:
        args = argparse.Namespace(
            year="2024", areas=areas, lang="vi", formats="html", data=str(data),
            min_households=50, workers=1, engine="fork", executor="local", scheduler=None,
            force=False, geojson=None,
        )  # fmt: skip
        return batch.main(args)

    assert run("Bù Đăng", FIXTURE) == 0
    assert run("Lộc Ninh", second) == 0
    page = (tmp_path / "reports" / "2024" / "vi" / "index.html").read_text(encoding="utf-8")

    ctx = context.load("Bù Đăng", 2024, "vi", data_source=str(FIXTURE))
    headline = section_data.headline_data(ctx).figures.set_index("figure")
    status = overview_data.projections_data(ctx).status
    # by hand from the fixture: Bù Đăng's commune rows of 2024 and 2023
    s = pd.read_csv(FIXTURE, dtype={"area_code": str})
    units = pd.read_csv(
        Path(__file__).resolve().parents[1] / "data/reference/binh-phuoc/units-2025-03-01.csv",
        dtype=str,
    )
    communes = set(units.loc[units["district_code"] == "696", "commune_code"])
    mine = (
        s[s["area_code"].isin(communes)]
        .groupby("year")[["poor_end", "total_households", "em_poor_end", "em_total_households"]]
        .sum()
    )
    poor, rate = (
        mine.loc[2024, "poor_end"],
        100 * mine.loc[2024, "poor_end"] / mine.loc[2024, "total_households"],
    )
    assert poor == headline.loc["poor", "households"]
    assert rate == pytest.approx(headline.loc["poor", "percent"])
    em_rate = 100 * mine.loc[2024, "em_poor_end"] / mine.loc[2024, "em_total_households"]
    change = poor - mine.loc[2023, "poor_end"]
    prev_rate = 100 * mine.loc[2023, "poor_end"] / mine.loc[2023, "total_households"]
    order = [
        "not applicable",
        "achieved",
        "on track",
        "needs acceleration",
        "too little data",
        "off track",
        "regressing",
        "unattainable",
        "not achieved",
    ]  # worst last
    # past years' annual plans are settled history: the index leaves them out
    current = status.loc[status["scope"] != "annual plan", "status"]
    worst = max((s for s in current if s != "not applicable"), key=order.index)

    row = _row(page, "bu-dang")
    assert row["poor"] == format_number(poor, "vi")
    assert row["rate"] == format_percent(rate, "vi")
    assert (
        row["change"] == f"{format_number(change, 'vi')} hộ {format_points(rate - prev_rate, 'vi')}"
    )
    assert row["em-rate"] == format_percent(em_rate, "vi")
    assert row["worst"].startswith(status_name(worst, "vi"))
    worst_ids = [
        t for t, s in zip(status["target_id"], status["status"], strict=True) if s == worst
    ]
    assert row["worst"].split(status_name(worst, "vi"), 1)[1].strip().startswith(worst_ids[0])

    sha = {p: hashlib.sha256(p.read_bytes()).hexdigest()[:12] for p in (FIXTURE, second)}
    assert (
        row["data"].startswith(f"{FIXTURE.name}, ngày ")
        and f"SHA-256 {sha[FIXTURE]}…" in row["data"]
    )
    other = _row(page, "loc-ninh")
    assert (
        other["data"].startswith(f"{second.name}, ngày ")
        and f"SHA-256 {sha[second]}…" in other["data"]
    )
    assert sha[FIXTURE] != sha[second] and "được lập từ 2 tệp dữ liệu khác nhau" in page
    assert "<script" not in page.lower()
    parser = Details()
    parser.feed(page)
    assert parser.details and all("open" not in d for d in parser.details)


def test_dashboard_escapes_what_the_facts_carry_and_survives_unknown_codes():
    manifest = _dashboard_manifest("vi")
    facts = manifest["reports"]["b"]["facts"]
    facts["data"]["name"] = '<script>alert(1)</script>".csv'
    facts["data"]["date"] = "<b>not a date</b>"
    facts["worst_status"] = "<i>future status</i>"
    page = index.render_index(manifest)
    assert "<script>" not in page and "<b>not" not in page and "<i>future" not in page
    row = _row(page, "b")
    assert row["data"].startswith("&lt;script&gt;alert(1)&lt;/script&gt;&#34;.csv, ngày &lt;b&gt;")
    assert row["worst"].startswith("&lt;i&gt;future status&lt;/i&gt;")
