"""Notebook parameters (analysis.build.parameters): checked before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.build import parameters, runner
from analysis.core import paths

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
REPORT_NB = FIXTURES / "report.ipynb"
YEAR, LANG = 2024, "vi"


@pytest.fixture()
def reports(tmp_path, monkeypatch):
    """A temporary reports folder (BPWB_REPORTS) and a tiny data file for the cache key."""
    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "reports"))
    data = tmp_path / "data.csv"
    data.write_text("area,poor\n696,1200\n", encoding="utf-8")
    return tmp_path / "reports", data


def _job(area: str, name: str, slug: str, **params):
    return (area, REPORT_NB, {"area": area, "area_name": name, **params}, slug)


def _folder(root: Path) -> Path:
    return root / str(YEAR) / LANG


def _run(jobs, data, **kw):
    kw.setdefault("progress", False)
    return runner.run_batch(jobs, YEAR, LANG, data_files=[data], **kw)


def test_unknown_parameter_refused_before_running(reports):
    root, data = reports
    jobs = [_job("696", "Bù Đăng", "bu-dang", househlds=3)]
    with pytest.raises(parameters.ParameterError) as err:
        _run(jobs, data)
    message = str(err.value)
    assert "'househlds'" in message
    assert "valid names: area, area_name, fail_on, lang, poor_households, year" in message
    assert not _folder(root).exists() or not any(_folder(root).iterdir())


def test_parameter_type_checked_against_default(reports):
    root, data = reports
    with pytest.raises(parameters.ParameterError, match="'poor_households' must be int"):
        _run([_job("696", "Bù Đăng", "bu-dang", poor_households="1200")], data)
    with pytest.raises(parameters.ParameterError, match="conflicts with the batch's year"):
        _run([_job("696", "Bù Đăng", "bu-dang", year=2023)], data)


def test_parameter_checks_accept_good_values():
    declared = parameters.notebook_parameters(REPORT_NB)
    assert declared["year"]["type"] is int
    assert parameters.check_parameters(REPORT_NB, {"year": 2025, "area": "689"}) == []
    assert parameters.check_parameters(REPORT_NB, {"poor_households": True}) != []


def test_batch_parameters_add_year_and_lang_after_the_jobs_own():
    declared = parameters.notebook_parameters(REPORT_NB)
    params, problems = parameters.batch_parameters({"area": "696"}, declared, 2024, "en")
    assert list(params.items()) == [("area", "696"), ("year", 2024), ("lang", "en")]
    assert problems == []
    stated = {"area": "696", "year": 2024, "lang": "en"}  # as batch.plan_jobs states them
    assert parameters.batch_parameters(stated, declared, 2024, "en") == (stated, [])
    _, problems = parameters.batch_parameters({"lang": "vi"}, declared, 2024, "en")
    assert problems == ["parameter lang='vi' conflicts with the batch's lang 'en'"]
    undeclared, _ = parameters.batch_parameters({}, {"area": {}}, 2024, "en")
    assert undeclared == {}  # a notebook without year and lang gets neither


@pytest.mark.parametrize("name", ["district_report", "province_overview", "explore"])
def test_parameters_are_read_as_papermill_reads_them(name):
    import papermill

    notebook = paths.notebooks_dir() / f"{name}.ipynb"
    expected = papermill.inspect_notebook(str(notebook))
    declared = parameters.notebook_parameters(notebook)
    assert list(declared) == list(expected)
    for key, spec in expected.items():
        assert declared[key]["default"] == spec["default"]
        assert declared[key]["type"].__name__ == spec["inferred_type_name"]


def test_parameters_cell_forms(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        'a: int = 3  # help\nb = "x"\nc: str = f"{b}"\nd, e = 1, 2\nprint(a)\n'
    )
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_code_cell("z = 1"), cell]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    declared = parameters.notebook_parameters(path)
    assert declared == {
        "a": {"default": "3", "value": 3, "type": int},
        "b": {"default": '"x"', "value": "x", "type": str},
        "c": {"default": 'f"{b}"', "value": None, "type": str},  # not a literal: its annotation
    }
    # a cell Python cannot parse is read by papermill (line by line)
    broken = nbformat.v4.new_code_cell("a = (\nb = 2")
    broken.metadata["tags"] = ["parameters"]
    nb.cells = [broken]
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    nbformat.write(nb, path)
    assert parameters.notebook_parameters(path) == {
        "a": {"default": "(", "value": None, "type": None},
        "b": {"default": "2", "value": 2, "type": int},
    }
