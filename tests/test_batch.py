"""End to end: the report command on a two-district fixture, in Vietnamese and English.

Expected figures are computed here straight from the fixture CSV with plain pandas (sums over the
district's commune rows), not through the library's roll-ups or measures.
"""

import argparse
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from analysis.build import batch
from analysis.core.errors import WorkbookError
from analysis.core.i18n import label

FIXTURE = Path(__file__).parent / "fixtures" / "two_districts_summary.csv"
BU_DANG_COMMUNES = None  # filled from the reference list below


def expected(year: int, district: str) -> dict:
    units = pd.read_csv(
        Path(__file__).resolve().parents[1] / "data/reference/binh-phuoc/units-2025-03-01.csv",
        dtype=str,
    )
    communes = set(units.loc[units["district_code"] == district, "commune_code"])
    s = pd.read_csv(FIXTURE, dtype={"area_code": str})
    rows = s[(s["year"] == year) & s["area_code"].isin(communes)]
    poor, total = int(rows["poor_end"].sum()), int(rows["total_households"].sum())
    return {
        "poor": poor,
        "total": total,
        "rate": 100 * poor / total,
        "near_poor": int(rows["near_poor_end"].sum()),
    }


def run(tmp_path, monkeypatch, lang, areas="Bù Đăng,Lộc Ninh", formats="html,pdf,xlsx"):
    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "reports"))
    args = argparse.Namespace(
        year="2024",
        areas=areas,
        lang=lang,
        formats=formats,
        data=str(FIXTURE),
        min_households=50,
        workers=2,
        engine="fork",
        executor="local",
        scheduler=None,
        force=False,
        geojson=None,
    )
    return batch.main(args)


def test_config_carries_the_options_and_the_year_reaches_the_notebook(tmp_path, monkeypatch):
    """The year traced from the command's options to every notebook's parameters."""
    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "reports"))
    config = batch.make_config(
        year="2024", areas="Bù Đăng,province", lang="vi,en", formats="html", data=str(FIXTURE),
        min_households=30, engine="kernel",
    )  # fmt: skip
    assert (config.year, config.languages, config.formats) == (2024, ("vi", "en"), ("html",))
    assert config.data_source == str(FIXTURE) and config.min_households == 30
    assert config.engine == "kernel" and config.preload and config.data_files is None
    assert config.reports_dir == tmp_path / "reports"
    assert config.preload_arguments() == {
        "year": 2024, "data_source": str(FIXTURE), "min_households": 30
    }  # fmt: skip
    jobs = batch.jobs_for(config, "en")
    assert [j.slug for j in jobs] == ["province", "bu-dang"]
    assert jobs[1].parameters == {
        "area": "696", "data_source": str(FIXTURE), "min_households": 30, "geojson": "",
        "year": 2024, "lang": "en",
    }  # fmt: skip
    latest = batch.make_config()
    assert latest.year == batch.resolve_year("latest") and latest.languages == ("vi",)
    assert latest.data_files and latest.engine == "inprocess"
    with pytest.raises(WorkbookError, match="--lang"):
        batch.make_config(lang="vi,fr")


def vn(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def vn_pct(x: float) -> str:
    return f"{x:.2f}".replace(".", ",") + "%"


@pytest.mark.slow
def test_two_district_batch_vi_and_en(tmp_path, monkeypatch):
    assert run(tmp_path, monkeypatch, "vi,en") == 0
    out = tmp_path / "reports" / "2024"
    exp = expected(2024, "696")
    for lang in ("vi", "en"):
        folder = out / lang
        for slug in ("bu-dang", "loc-ninh"):
            for ext in ("html", "pdf", "xlsx", "ipynb", "log"):
                assert (folder / f"{slug}.{ext}").stat().st_size > 0
        index = (folder / "index.html").read_text(encoding="utf-8")
        assert "bu-dang.html" in index and "loc-ninh.pdf" in index
        assert not list(folder.glob("*.tmp*"))

    html_vi = (out / "vi" / "bu-dang.html").read_text(encoding="utf-8")
    assert '<html lang="vi">' in html_vi
    assert "Bù Đăng" in html_vi
    assert vn(exp["poor"]) in html_vi and vn_pct(exp["rate"]) in html_vi
    assert "Dữ liệu mô phỏng" in html_vi  # synthetic data is labelled
    assert "<script" not in html_vi

    html_en = (out / "en" / "bu-dang.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html_en
    assert f"{exp['rate']:.2f}%" in html_en and f"{exp['poor']:,}" in html_en
    assert "Synthetic data" in html_en

    reader = PdfReader(out / "vi" / "bu-dang.pdf")
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Bù Đăng" in text
    assert vn(exp["poor"]) in text and vn_pct(exp["rate"]) in text
    assert f"Trang 1/{len(reader.pages)}" in text

    book = openpyxl.load_workbook(out / "vi" / "bu-dang.xlsx")
    assert len(book.sheetnames) >= 5
    trend = book[label("sheet.trend", "vi")]  # sheet names in the report's language
    values = [c for row in trend.iter_rows(values_only=True) for c in row]
    assert exp["poor"] in values  # the numbers themselves, not formatted text


@pytest.mark.slow
def test_unknown_area_is_refused_with_suggestions(tmp_path, monkeypatch):
    with pytest.raises(Exception, match=r"unknown district 'Bu Dan'.*Bù Đăng"):
        run(tmp_path, monkeypatch, "vi", areas="Bu Dan")
    assert not (tmp_path / "reports").exists() or not list((tmp_path / "reports").rglob("*.html"))


@pytest.mark.slow
def test_unchanged_rerun_is_skipped(tmp_path, monkeypatch):
    assert run(tmp_path, monkeypatch, "vi", areas="Bù Đăng", formats="html") == 0
    manifest = tmp_path / "reports" / "2024" / "vi" / "manifest.json"
    first = json.loads(manifest.read_text())["reports"]["bu-dang"]["key"]
    assert run(tmp_path, monkeypatch, "vi", areas="Bù Đăng", formats="html") == 0
    last = json.loads(manifest.read_text())["last_batch"]
    assert last["built"] == 0 and last["unchanged"] == 1
    assert json.loads(manifest.read_text())["reports"]["bu-dang"]["key"] == first


@pytest.mark.slow
def test_index_of_synthetic_data_says_so(tmp_path, monkeypatch):
    assert run(tmp_path, monkeypatch, "en", areas="Lộc Ninh", formats="html") == 0
    index = (tmp_path / "reports" / "2024" / "en" / "index.html").read_text(encoding="utf-8")
    assert "Synthetic data (not official figures)" in index
