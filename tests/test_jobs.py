"""Report jobs (analysis.build.jobs): normalised and checked before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.build import jobs, parameters, runner

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
REPORT_NB = FIXTURES / "report.ipynb"
YEAR, LANG = 2024, "vi"


def _job(area: str, name: str, slug: str, **params):
    return (area, REPORT_NB, {"area": area, "area_name": name, **params}, slug)


def test_bad_and_duplicate_slugs_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "reports"))
    data = tmp_path / "data.csv"
    data.write_text("area,poor\n696,1200\n", encoding="utf-8")
    batch = [_job("696", "Bù Đăng", "Bu Dang"), _job("689", "Đồng Xoài", "x"), _job("1", "A", "x")]
    with pytest.raises(parameters.ParameterError) as err:
        runner.run_batch(batch, YEAR, LANG, data_files=[data], progress=False)
    assert "bad slug 'Bu Dang'" in str(err.value)
    assert "duplicate slug 'x'" in str(err.value)


def test_prepare_jobs_normalises_tuples_and_dicts():
    prepared = jobs.prepare_jobs(
        [_job("696", "Bù Đăng", "bu-dang"),
         {"area": "689", "notebook": REPORT_NB, "parameters": {"area": "689"}, "slug": "x"}],
        YEAR, LANG,
    )  # fmt: skip
    (job, params, declared), (other, _, _) = prepared
    assert isinstance(job, jobs.ReportJob) and job.notebook == REPORT_NB.resolve()
    assert params == {"area": "696", "area_name": "Bù Đăng", "year": YEAR, "lang": LANG}
    assert "poor_households" in declared and other.slug == "x"
    with pytest.raises(TypeError, match="a job is"):
        jobs.prepare_jobs([("696", REPORT_NB)], YEAR, LANG)


def test_area_name_falls_back_to_parameters_then_area():
    job = jobs.ReportJob("696", REPORT_NB, {}, "bu-dang")
    assert jobs.area_name(job, {"area_name": "Bù Đăng"}) == "Bù Đăng"
    assert jobs.area_name(jobs.ReportJob("696", REPORT_NB, {}, "x", None, "B"), {}) == "B"
    assert jobs.area_name(jobs.ReportJob("nowhere", REPORT_NB, {}, "x"), {}) == "nowhere"


def test_refused_jobs_are_explained_in_vietnamese(tmp_path, monkeypatch):
    from analysis.core.messages import messages_in

    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "reports"))
    batch = [_job("696", "Bù Đăng", "x"), _job("689", "Đồng Xoài", "x", colour=1)]
    with pytest.raises(parameters.ParameterError) as err:
        jobs.prepare_jobs(batch, YEAR, LANG)
    with messages_in("vi"):
        text = str(err.value)
    assert text.startswith("từ chối trước khi chạy:\n  ")
    assert "tên tệp (slug) 'x' bị trùng" in text
    assert "địa bàn 689: report.ipynb: tham số không xác định 'colour'" in text
