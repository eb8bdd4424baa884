"""User errors in a notebook (analysis.report.notebook_errors): one clear message, no traceback.

The handler is tested directly on a stand-in shell, then in real notebooks: executed by nbclient
in a Jupyter kernel (what JupyterLab and ``--engine kernel`` do) and by the batch's in-process
engine (in a subprocess, so that no IPython shell is left in the test process).
"""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest

from analysis.core.errors import WorkbookError
from analysis.reference.geography import UnknownAreaError
from analysis.report import notebook_errors


class Shell:
    """What the handler needs of an IPython shell: `set_custom_exc` and `_showtraceback`."""

    def __init__(self, custom_exceptions=()):
        self.custom_exceptions = custom_exceptions
        self.handler = None
        self.shown = []

    def set_custom_exc(self, exc_tuple, handler):
        self.custom_exceptions, self.handler = exc_tuple, handler

    def _showtraceback(self, etype, evalue, stb):
        self.shown.append((etype, evalue, stb))


def raised(exc):
    try:
        raise exc
    except Exception as caught:  # noqa: BLE001 - the test wants the raised exception
        return type(caught), caught, caught.__traceback__


@pytest.mark.parametrize(("lang", "prefix"), [("vi", "Lỗi: "), ("en", "Error: "), ("fr", "Lỗi: ")])
def test_the_handler_shows_the_message_only(lang, prefix, monkeypatch):
    for name in ("last_type", "last_value", "last_traceback"):
        monkeypatch.delattr(sys, name, raising=False)
    shell = Shell()
    assert notebook_errors.register(lang, shell=shell)
    assert shell.custom_exceptions == (WorkbookError,)
    etype, value, tb = raised(UnknownAreaError("unknown district 'Xyz'"))
    stb = shell.handler(shell, etype, value, tb)
    assert stb == [prefix + "unknown district 'Xyz'"]
    assert shell.shown == [(UnknownAreaError, value, stb)]  # one error output, one line
    assert (sys.last_type, sys.last_value, sys.last_traceback) == (etype, value, tb)  # for %tb


def test_register_again_replaces_the_language_and_leaves_other_handlers_alone():
    shell = Shell()
    notebook_errors.register("vi", shell=shell)
    notebook_errors.register("en", shell=shell)
    etype, value, tb = raised(WorkbookError("review year 1990 is not in the data"))
    assert shell.handler(shell, etype, value, tb) == ["Error: review year 1990 is not in the data"]
    theirs = Shell(custom_exceptions=(ZeroDivisionError,))
    assert not notebook_errors.register("vi", shell=theirs)
    assert theirs.custom_exceptions == (ZeroDivisionError,) and theirs.handler is None


def test_outside_ipython_nothing_is_registered(monkeypatch):
    monkeypatch.setitem(sys.modules, "IPython", None)
    assert notebook_errors.current_shell() is None
    assert not notebook_errors.register("vi")


def test_message():
    error = WorkbookError("1 problem in x.csv:\n  - x.csv: row 3")
    assert notebook_errors.message(error, "en") == "Error: 1 problem in x.csv:\n  - x.csv: row 3"


# -- real notebooks ------------------------------------------------------------------------------
CELLS = [
    "from analysis.report import context",
    'context.load(area="Xyz")',
    'context.load(area="Bù Đăng", year=1990, lang="en")',
    "%tb",
    "1 / 0",
]


def notebook() -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in CELLS])


def check_outputs(cells: list) -> None:
    """The outputs of `CELLS`: one line for each user error, tracebacks for the rest."""

    def error(cell):
        (out,) = [o for o in cell["outputs"] if o["output_type"] == "error"]
        return out

    unknown, year = error(cells[1]), error(cells[2])
    assert unknown["ename"] == "UnknownAreaError"
    (line,) = unknown["traceback"]
    # a Vietnamese report (the default): the message in Vietnamese, whatever BPWB_LANG says
    assert line.startswith("Lỗi: không tìm thấy huyện 'Xyz': không thuộc tỉnh này")
    assert "gần giống" in line and "closest" not in line and "\n" not in line
    assert year["ename"] == "WorkbookError"
    (line,) = year["traceback"]
    assert line.startswith("Error: review year 1990 is not in the data (years ")
    # %tb still shows where the last user error came from
    shown = json.dumps(cells[3]["outputs"], ensure_ascii=False)
    assert "Traceback" in shown and "review year 1990" in shown
    # other errors keep their traceback
    other = error(cells[4])
    assert other["ename"] == "ZeroDivisionError" and len(other["traceback"]) > 1
    assert "Traceback" in "".join(other["traceback"])


@pytest.mark.slow
def test_in_a_jupyter_kernel():
    from nbclient import NotebookClient

    nb = notebook()
    NotebookClient(nb, kernel_name="python3", timeout=300, allow_errors=True).execute()
    check_outputs(nb.cells)


@pytest.mark.slow
def test_in_the_batch_engine(tmp_path):
    path = tmp_path / "errors.ipynb"
    nbformat.write(notebook(), path)
    code = (
        "import json, sys, nbformat\n"
        "from analysis.build import engine\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "for cell in nb.cells:\n"
        "    cell.metadata['tags'] = ['raises-exception']  # run every cell\n"
        "engine.run_cells(nb, allow_unisolated=True)\n"
        "print(json.dumps([dict(outputs=c.outputs) for c in nb.cells]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    check_outputs(json.loads(result.stdout.splitlines()[-1]))
