"""A papermill engine that executes a notebook inside the current Python process.

Why
---
Starting a Jupyter kernel for every report costs ~3 s (process start, kernel handshake,
imports), while the cells of a report take ~0.3 s. The process pool (`analysis.build.pool`) keeps a
*warm* worker process that has already imported pandas, matplotlib, IPython, nbconvert and
WeasyPrint, and forks one child per report. The child executes the notebook with this engine:
an IPython ``InteractiveShell`` runs each code cell in the child itself, and everything the
cell shows is captured into the notebook exactly as a kernel would report it:

* ``stream`` outputs (``stdout``/``stderr``, consecutive writes merged as nbclient does),
* ``display_data`` (``display(...)``, matplotlib's inline backend, ``update_display``,
  ``clear_output``), with all MIME bundles (``image/svg+xml``, ``image/png`` as base64,
  ``text/html``, custom types...),
* ``execute_result`` with the execution count,
* ``error`` outputs with ``ename``, ``evalue`` and the traceback lines.

The result is an ordinary executed notebook: papermill adds its metadata, error-marker cells and
raises `papermill.exceptions.PapermillExecutionError` as usual, and nbconvert renders it as usual.

Isolation
---------
The shell is created lazily *in the process that executes* (11 ms), never in the warm parent,
and the runner executes every report in a freshly forked child that exits afterwards. No state
(user namespace, imported-module globals, matplotlib ``rcParams``, open figures) can therefore
carry over from one report to the next. Running this engine directly in a long-lived process
(e.g. a JupyterLab kernel) is refused, because it would replace that process's display hooks.

Usage
-----
The engine registers itself with papermill under the name ``"bpwb-inprocess"`` when this module
is imported::

    import papermill as pm
    from analysis.build import engine
    nb = pm.execute_notebook(src, None, parameters={...}, engine_name=engine.ENGINE_NAME,
                             kernel_name="python3", progress_bar=False)
"""

from __future__ import annotations

import base64
import io
import os
import sys
import time
from collections.abc import Iterable
from typing import Any

import nbformat
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from papermill.engines import Engine, papermill_engines
from traitlets.config import Config

ENGINE_NAME = "bpwb-inprocess"

#: Environment variable set by the runner in each forked child; the engine refuses to run
#: without it unless ``allow_unisolated=True`` is passed (tests of the engine itself).
CHILD_ENV = "BPWB_REPORT_CHILD"


# -- output capture ------------------------------------------------------------------------------
class _Sink:
    """Collects the outputs of the cell that is currently executing."""

    def __init__(self) -> None:
        self.outputs: list | None = None
        self.execution_count: int | None = None
        self._clear_pending = False
        self._displays: dict[str, list] = {}
        self.tee: io.TextIOBase | None = None

    def start(self, outputs: list, execution_count: int) -> None:
        self.outputs = outputs
        self.execution_count = execution_count
        self._clear_pending = False

    def stop(self) -> None:
        self.outputs = None

    def _append(self, output: dict) -> None:
        if self.outputs is None:  # output outside a cell (e.g. at shell start): drop it
            return
        if self._clear_pending:
            self.outputs.clear()
            self._clear_pending = False
        self.outputs.append(output)

    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        if self.tee is not None:
            self.tee.write(text)
        if self.outputs is None:
            return
        if self._clear_pending:
            self.outputs.clear()
            self._clear_pending = False
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last.output_type == "stream" and last.name == name:
            last.text += text
        else:
            self.outputs.append(nbformat.v4.new_output("stream", name=name, text=text))

    def display(self, data: dict, metadata: dict | None, transient: dict | None, update: bool):
        data, metadata = _json_bundle(data), _json_clean(metadata or {})
        display_id = (transient or {}).get("display_id")
        if update:
            for out in self._displays.get(display_id, []):
                out.data = data
                out.metadata = metadata
            return
        out = nbformat.v4.new_output("display_data", data=data, metadata=metadata)
        if display_id:
            self._displays.setdefault(display_id, []).append(out)
        self._append(out)

    def result(self, data: dict, metadata: dict | None) -> None:
        out = nbformat.v4.new_output(
            "execute_result",
            data=_json_bundle(data),
            metadata=_json_clean(metadata or {}),
            execution_count=self.execution_count,
        )
        self._append(out)

    def error(self, ename: str, evalue: str, traceback: list[str]) -> None:
        if self.tee is not None:
            self.tee.write("\n".join(traceback) + "\n")
        self._append(
            nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=list(traceback))
        )

    def clear(self, wait: bool) -> None:
        if self.outputs is None:
            return
        if wait:
            self._clear_pending = True
        else:
            self.outputs.clear()


def _json_clean(obj: Any) -> Any:
    """Make a display payload JSON-serialisable (bytes become base64 text)."""
    if isinstance(obj, bytes):
        return base64.b64encode(obj).decode("ascii")
    if isinstance(obj, dict):
        return {str(k): _json_clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_clean(v) for v in obj]
    return obj


def _json_bundle(data: dict) -> dict:
    """Clean a MIME bundle; text types become plain strings as in a saved notebook."""
    out = {}
    for mime, value in data.items():
        if isinstance(value, bytes) and (mime.startswith("text/") or mime.endswith("+xml")):
            value = value.decode("utf-8")
        out[mime] = _json_clean(value)
    return out


class _CapturingDisplayPublisher(DisplayPublisher):
    """Display publisher that records ``display_data`` outputs into the current cell."""

    sink: _Sink | None = None

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
        """Record one display bundle (see `IPython.core.displaypub.DisplayPublisher.publish`)."""
        if self.sink is not None:
            self.sink.display(data, metadata, transient, update)

    def clear_output(self, wait=False):
        """Clear the current cell's outputs (now, or before the next output if ``wait``)."""
        if self.sink is not None:
            self.sink.clear(wait)


class _CapturingDisplayHook(DisplayHook):
    """Display hook that records the value of a cell's last expression as ``execute_result``."""

    sink: _Sink | None = None

    def write_output_prompt(self):
        """No prompt: the result goes into the notebook."""

    def write_format_data(self, format_dict, md_dict=None) -> None:
        """Record the formatted result."""
        if self.sink is not None:
            self.sink.result(format_dict, md_dict)

    def finish_displayhook(self):
        """End of one result (nothing to flush)."""
        self._is_active = False


class NotebookShell(InteractiveShell):
    """An IPython shell whose display hooks and tracebacks feed notebook outputs."""

    displayhook_class = _CapturingDisplayHook
    display_pub_class = _CapturingDisplayPublisher

    def enable_gui(self, gui=None):
        """No GUI event loops in a batch child (the inline backend needs none)."""

    def _showtraceback(self, etype, evalue, stb):
        sink = getattr(self, "_bpwb_sink", None)
        if sink is None:
            return super()._showtraceback(etype, evalue, stb)
        sink.error(getattr(etype, "__name__", str(etype)), str(evalue), stb)
        return None


class _StreamWriter(io.TextIOBase):
    """Replacement for ``sys.stdout``/``sys.stderr`` that writes ``stream`` outputs."""

    def __init__(self, name: str, sink: _Sink) -> None:
        super().__init__()
        self.name_ = name
        self.sink = sink

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.sink.stream(self.name_, text)
        return len(text)

    def flush(self) -> None:
        return None


_SHELL: NotebookShell | None = None
_SINK: _Sink | None = None


def get_shell(allow_unisolated: bool = False) -> tuple[NotebookShell, _Sink]:
    """Return the process's notebook shell and its output sink, creating them on first use.

    Parameters
    ----------
    allow_unisolated : bool
        Allow creating the shell outside a runner child (for tests of this module).

    Returns
    -------
    tuple of (NotebookShell, _Sink)

    Raises
    ------
    RuntimeError
        If another IPython shell already runs in this process (e.g. inside JupyterLab), or the
        process is not a runner child and ``allow_unisolated`` is false.
    """
    global _SHELL, _SINK
    if _SHELL is not None:
        return _SHELL, _SINK  # type: ignore[return-value]
    if not allow_unisolated and os.environ.get(CHILD_ENV) != str(os.getpid()):
        raise RuntimeError(
            f"the {ENGINE_NAME!r} engine runs only in a forked report child "
            "(use analysis.build.runner.run_batch, or engine='kernel')"
        )
    if InteractiveShell.initialized() and not isinstance(
        InteractiveShell.instance(), NotebookShell
    ):
        raise RuntimeError(
            f"an IPython shell already runs in this process; {ENGINE_NAME!r} needs its own"
        )
    cfg = Config()
    cfg.HistoryManager.enabled = False  # no sqlite history file
    cfg.InteractiveShell.colors = "nocolor"
    cfg.InteractiveShell.autoindent = False
    shell = NotebookShell.instance(config=cfg)
    sink = _Sink()
    shell.display_pub.sink = sink
    shell.displayhook.sink = sink
    shell._bpwb_sink = sink
    # Same default as ipykernel: matplotlib's inline backend (figures shown at the end of a cell).
    shell.enable_matplotlib("inline")
    _SHELL, _SINK = shell, sink
    return shell, sink


def user_namespace() -> dict:
    """The variables of the notebook this process executed (empty if it executed none).

    The report job (`analysis.build.task`) reads the report's context from it after the cells
    ran, for the index page's facts.

    Returns
    -------
    dict
        The shell's user namespace (not a copy).
    """
    return _SHELL.user_ns if _SHELL is not None else {}


def warm_imports() -> None:
    """Import what the engine needs, so that a forked child does not pay for it.

    Besides the inline backend, the modules that creating the shell (magics, completer) and
    showing report outputs (SVG figures, pandas Styler tables) import on first use: measured as
    the modules a report child imported after the warm-up.
    """
    import contextlib
    import importlib

    import matplotlib_inline.backend_inline  # noqa: F401
    from IPython.core import pylabtools  # noqa: F401

    for name in (
        "IPython.core.magics",
        "IPython.core.magics.execution",
        "IPython.core.magics.ast_mod",
        "IPython.core.oinspect",
        "IPython.core.completer",
        "IPython.core.completerlib",
        "IPython.core.application",
        "IPython.core.crashhandler",
        "IPython.core.logger",
        "matplotlib.backends.backend_svg",
        "pandas.io.formats.style",
        "pandas.io.formats.excel",
        "pandas.io.formats.string",
        "openpyxl.packaging.extended",
        "email.policy",
        "babel.dates",
    ):
        with contextlib.suppress(ImportError):  # optional: the child imports what it needs
            importlib.import_module(name)
    with contextlib.suppress(ImportError):
        from PIL import Image

        Image.init()  # the image plugins, loaded on the first image otherwise


def run_cells(
    nb: nbformat.NotebookNode,
    nb_man: Any = None,
    tee: io.TextIOBase | None = None,
    allow_unisolated: bool = False,
) -> list[float]:
    """Execute the code cells of ``nb`` in order, in this process, filling their outputs.

    Execution stops at the first cell that raises (unless the cell is tagged
    ``raises-exception``), as nbclient does.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The (parameterised) notebook; modified in place.
    nb_man : papermill.engines.NotebookExecutionManager, optional
        Receives ``cell_start``/``cell_exception``/``cell_complete`` callbacks (timing metadata).
    tee : io.TextIOBase, optional
        Also write stream output and tracebacks here (the report's log).
    allow_unisolated : bool
        See `get_shell`.

    Returns
    -------
    list of float
        Seconds spent in each code cell.
    """
    shell, sink = get_shell(allow_unisolated=allow_unisolated)
    sink.tee = tee
    durations = []
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _StreamWriter("stdout", sink), _StreamWriter("stderr", sink)
    try:
        for index, cell in enumerate(nb.cells):
            if nb_man is not None:
                nb_man.cell_start(cell, index)
            failed = False
            try:
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                cell.outputs = []
                count = shell.execution_count
                cell.execution_count = count
                sink.start(cell.outputs, count)
                t0 = time.perf_counter()
                result = shell.run_cell(cell.source, store_history=True, cell_id=cell.get("id"))
                durations.append(time.perf_counter() - t0)
                sink.stop()
                tags = cell.metadata.get("tags", [])
                if not result.success and "raises-exception" not in tags:
                    if not any(o.output_type == "error" for o in cell.outputs):
                        exc = result.error_in_exec or result.error_before_exec
                        sink.start(cell.outputs, count)
                        sink.error(type(exc).__name__, str(exc), [repr(exc)])
                        sink.stop()
                    if _is_clean_exit(cell.outputs):
                        break
                    failed = True
                    if nb_man is not None:
                        nb_man.cell_exception(cell, cell_index=index)
            finally:
                if nb_man is not None:
                    nb_man.cell_complete(cell, cell_index=index)
            if failed:
                break
    finally:
        sys.stdout, sys.stderr = saved
        sink.stop()
        sink.tee = None
    return durations


def _is_clean_exit(outputs: Iterable) -> bool:
    """True if a cell ended with ``sys.exit()``/``sys.exit(0)`` (papermill's convention)."""
    errors = [o for o in outputs if o.output_type == "error"]
    return bool(errors) and all(
        o.ename == "SystemExit" and o.evalue in ("", "0", "None") for o in errors
    )


class InProcessEngine(Engine):
    """papermill engine running the cells with `run_cells` in the current (forked) process."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, **kwargs):
        """Execute ``nb_man.nb`` in this process (see the module docstring).

        Parameters
        ----------
        nb_man : papermill.engines.NotebookExecutionManager
            papermill's wrapper of the notebook being executed.
        kernel_name : str
            Ignored (must name a Python kernel; the cells run in this interpreter).
        log_output : bool
            Ignored; pass ``tee`` to copy outputs to a log.
        **kwargs
            ``tee`` (a text stream) and ``allow_unisolated`` are used; papermill's other
            arguments (timeouts, stdout_file...) are accepted and ignored: the runner enforces
            timeouts by killing the child.
        """
        run_cells(
            nb_man.nb,
            nb_man=nb_man,
            tee=kwargs.get("tee"),
            allow_unisolated=kwargs.get("allow_unisolated", False),
        )


papermill_engines.register(ENGINE_NAME, InProcessEngine)
