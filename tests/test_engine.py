"""Tests of the in-process notebook engine (analysis.build.engine)."""

from __future__ import annotations

import pytest
from test_html_report import executed  # noqa: F401 - fixture


@pytest.mark.slow
def test_engine_captures_outputs_like_a_kernel(executed):  # noqa: F811
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    types = {o.output_type for o in outputs}
    assert {"stream", "display_data", "execute_result"} <= types
    svg = [o for o in outputs if "image/svg+xml" in o.get("data", {})]
    assert svg and svg[0].data["image/svg+xml"].lstrip().startswith("<?xml")
    result = next(o for o in outputs if o.output_type == "execute_result")
    assert "text/html" in result.data and result.execution_count
    assert executed.metadata.papermill.parameters["area_name"] == "Bù Đăng"


def test_engine_refuses_to_run_outside_a_report_child(monkeypatch):
    from analysis.build import engine

    monkeypatch.delenv(engine.CHILD_ENV, raising=False)
    monkeypatch.setattr(engine, "_SHELL", None)
    with pytest.raises(RuntimeError, match="forked report child"):
        engine.get_shell()
