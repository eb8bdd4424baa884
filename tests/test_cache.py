"""Cache keys and the manifest (analysis.build.cache)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from analysis.build import cache
from analysis.build.jobs import ReportJob, ReportResult

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
REPORT_NB = FIXTURES / "report.ipynb"


def test_cache_key_changes_with_each_input(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a\n1\n")
    job = ReportJob("696", REPORT_NB, {}, "bu-dang")
    lib = cache.library_fingerprint()
    base = cache.cache_key(job, {"year": 2024}, [data], lib)
    assert base == cache.cache_key(job, {"year": 2024}, [data], lib)
    assert base["key"] != cache.cache_key(job, {"year": 2025}, [data], lib)["key"]
    assert base["key"] != cache.cache_key(job, {"year": 2024}, [data], lib + "x")["key"]
    os.utime(data, ns=(1, 1))
    data.write_text("a\n2\n")
    assert base["key"] != cache.cache_key(job, {"year": 2024}, [data], lib)["key"]


def test_parameter_naming_a_file_enters_the_key(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a\n1\n")
    job = ReportJob("696", REPORT_NB, {}, "bu-dang")
    key = cache.cache_key(job, {"data_source": str(data)}, [], "lib")
    data.write_text("a\n22\n")
    assert cache.cache_key(job, {"data_source": str(data)}, [], "lib") != key


def test_manifest_round_trip_and_current_entries(tmp_path):
    empty = cache.load_manifest(tmp_path, 2024, "vi")
    assert empty == {"schema": 1, "year": 2024, "lang": "vi", "reports": {}, "last_batch": None}
    (tmp_path / "manifest.json").write_text("{not json")
    assert cache.load_manifest(tmp_path, 2024, "vi") == empty
    spec = {"area_name": "Bù Đăng", "notebook": "nb.ipynb", "parameters": {"area": "696"},
            "engine": "inprocess", "key": {"key": "k1", "parts": {"data": "d"}}}  # fmt: skip
    files = {"ipynb": "x.ipynb", "html": "x.html"}
    entry = cache.manifest_entry(spec, ReportResult("x", "696", "ok", files))
    assert entry["key"] == "k1" and entry["key_parts"] == {"data": "d"}
    failed = cache.manifest_entry(spec, ReportResult("x", "696", "failed"))
    assert failed["key"] is None  # a failure is never current
    manifest = {**empty, "reports": {"x": entry}}
    (tmp_path / "manifest.json").write_text(cache.dumps(manifest), encoding="utf-8")
    assert json.loads((tmp_path / "manifest.json").read_text("utf-8"))["reports"]["x"] == entry
    assert not cache.is_current(entry, "k1", ("html",), tmp_path)  # files missing
    for name in files.values():
        (tmp_path / name).write_text("x")
    assert cache.is_current(entry, "k1", ("html",), tmp_path)
    assert not cache.is_current(entry, "k2", ("html",), tmp_path)
    assert not cache.is_current(entry, "k1", ("html", "pdf"), tmp_path)
    assert not cache.is_current(failed, "k1", ("html",), tmp_path)
