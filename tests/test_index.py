"""The index page of a reports folder (analysis.build.index)."""

from __future__ import annotations

from html.parser import HTMLParser

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
    assert "<td>1.2</td>" in vi or "<td>1.3</td>" in vi
    en = index.render_index(_manifest("en"))
    assert "Sustainable poverty reduction reports" in en and "Failed reports (1)" in en
    assert en.index('<tr id="a">') < en.index('<tr id="b">')  # then by slug
    assert ">Excel<" in en and ">log<" in en and ">notebook<" in en


def test_index_words_come_from_the_catalogue():
    assert index.index_strings("vi")["time"] == "Thời gian (giây)"
    assert index.index_strings("en")["none_failed"] == "All reports completed."
    assert index.index_strings("fr") == index.index_strings("en")
    assert set(index.index_strings("vi")) == {
        "title", "year", "area", "files", "status", "time", "updated", "ok", "failed",
        "failures", "log", "notebook", "none_failed", "excel",
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
