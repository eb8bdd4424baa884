"""The notebooks follow the project's rules: committed without outputs, thin, one parameters cell
whose every line is a typed literal with a comment and is understood by papermill."""

import ast
import json
from pathlib import Path

import papermill
import pytest
from kernel_run import execute_in_kernel

from analysis.core.i18n import label

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
REPORTS = [p for p in NOTEBOOKS if p.stem in ("district_report", "province_overview")]


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def code_cells(path):
    return [c for c in cells(path) if c["cell_type"] == "code"]


def source(cell):
    return "".join(cell["source"])


def test_the_three_notebooks_exist():
    assert {p.stem for p in NOTEBOOKS} == {"district_report", "province_overview", "explore"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    for cell in code_cells(path):
        assert cell.get("outputs") == [], f"{path.name}: a code cell has outputs"
        assert cell.get("execution_count") is None, f"{path.name}: execution count left"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_parameters_cell_of_typed_literals_with_comments(path):
    tagged = [c for c in code_cells(path) if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    lines = [line for line in source(tagged[0]).splitlines() if line.strip()]
    tree = ast.parse(source(tagged[0]))
    assert all(isinstance(node, ast.AnnAssign) for node in tree.body), "only `name: type = value`"
    for node in tree.body:
        ast.literal_eval(node.value)  # literal default, nothing computed
        assert isinstance(node.annotation, ast.Name)
    assert all("  # " in line for line in lines), "every parameter has a comment"
    # papermill silently skips lines it cannot parse: every parameter must be seen.
    assert len(papermill.inspect_notebook(str(path))) == len(tree.body)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_thin_notebook(path):
    for cell in code_cells(path):
        tree = ast.parse(source(cell))
        for node in ast.walk(tree):
            assert not isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Lambda), "no def"
            assert not isinstance(node, ast.If | ast.For | ast.While), "no branching or loops"
            if isinstance(node, ast.ImportFrom):
                assert node.module.split(".")[0] == "analysis", "notebooks import only the library"
            assert not isinstance(node, ast.Import), "notebooks import only the library"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert "/" not in node.value or " " in node.value, f"hard-coded path {node.value!r}"


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.stem)
def test_report_notebooks_share_the_signature(path):
    names = set(papermill.inspect_notebook(str(path)))
    assert names == {"area", "year", "lang", "data_source", "min_households", "geojson"}


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.stem)
def test_one_data_loading_call_then_one_call_per_section(path):
    body = [source(c) for c in code_cells(path)]
    assert sum("context.load(" in s for s in body) == 1
    sections = body[3:]
    assert sections and all(s.startswith("sections.") and s.count("\n") == 0 for s in sections)


@pytest.mark.slow
def test_explore_notebook_runs_in_a_kernel(tmp_path):
    out = tmp_path / "explore.ipynb"
    explore = NOTEBOOKS[[p.stem for p in NOTEBOOKS].index("explore")]
    execute_in_kernel(explore, out, {"area": "Lộc Ninh", "lang": "en"})
    executed = json.loads(out.read_text(encoding="utf-8"))
    errors = [
        o for c in executed["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"
    ]
    assert errors == []
    texts = json.dumps(executed["cells"], ensure_ascii=False)
    # names and localised headers (the trend table's), not codes and column names
    assert "Lộc Ninh" in texts and label("col.poverty_rate", "en") in texts
    assert "poverty_rate" not in texts.replace("sections.trends_data", "")
