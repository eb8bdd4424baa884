"""Batch runner: execute report notebooks per area and write the reports (the only writer of reports/).

Layout
------
``run_batch(jobs, year, lang)`` writes, in ``paths.reports_dir() / <year> / <lang>``::

    <slug>.ipynb   executed notebook (kept also when it failed, with papermill's error marker)
    <slug>.html    self-contained report page (`analysis.build.html_report.notebook_to_html`)
    <slug>.pdf     A4 PDF of that page (`analysis.build.pdf_report.html_to_pdf`)
    <slug>.xlsx    the report tables, one sheet each (`analysis.build.xlsx_report.tables_to_xlsx`)
    <slug>.log     what happened: parameters, timings, notebook output, the traceback on failure
    index.html     every report of the folder with its links and status; failures listed first
    manifest.json  per report: cache key and its parts, status, files, timing split; last batch

A job is ``(area, notebook, parameters, slug)`` (a `ReportJob` or a plain tuple, optionally with
``title`` and ``area_name``). ``year`` and ``lang`` are added to the parameters when the notebook
declares them.

Guarantees
----------
* Parameters are checked against the notebook's ``parameters`` cell before anything runs:
  unknown names are refused with the list of valid names; values must have the type of the
  default (`ParameterError`).
* One failing area does not stop the others. Failures are listed at the end of the batch, on the
  index page and in `BatchResult.failures`; ``result.exit_code`` is 1 (``raise_on_failure=True``
  raises `BatchFailedError` after everything has been written). Stale HTML/PDF/xlsx of a failed
  report are removed so that nobody shares an out-of-date page.
* Every file is written under a temporary name in the same folder and renamed with
  ``os.replace``: a reader never sees half a file.
* A lock file (``.lock``, ``flock``) lets one batch at a time write a folder; a second batch
  waits up to ``lock_timeout`` seconds, then refuses with `BatchLockedError` naming the holder.
* Reports whose inputs did not change are skipped (``force=True`` re-runs them). The cache key
  hashes: the data files (all files under ``paths.data_dir()`` plus any parameter naming an
  existing file, or ``data_files``), the notebook file, the library (``analysis.__version__`` and
  the sources and templates of ``src/analysis``) and the parameters.

Speed: warm workers and forked children
---------------------------------------
A kernel per report costs ~3 s of start-up for ~0.3 s of cells, so the default engine
(``engine="inprocess"``) avoids kernels altogether:

1. A worker process is started and *warmed*: it imports pandas, matplotlib, IPython,
   papermill, nbconvert, WeasyPrint, openpyxl and every ``analysis`` module, and renders a small
   report once.
2. For every report, it forks a child (``workers`` children at a time, default: the number of
   cores). The child executes the notebook in-process
   (`analysis.build.engine`, a papermill engine on an IPython shell created in the child), then renders
   HTML, PDF and xlsx, writes the files and sends its result (timings, errors) through a pipe.
3. The child exits; the next report starts from a fresh fork of the warm process, so no state
   of one report (globals, module attributes, matplotlib settings) can reach the next.

The warm process is one plain subprocess (not multiprocessing, so the caller's ``__main__`` is
never re-imported: run_batch works from scripts, the CLI and JupyterLab). It starts warming as
soon as `run_batch` is called, while the caller checks parameters and hashes inputs, and with
``keep_warm=True`` (default) it serves the next batches of the same Python process too (e.g.
``vi`` then ``en``); it is replaced when the library's sources change.

``engine="kernel"`` runs plain papermill with a real Jupyter kernel (fidelity, debugging); it
uses the same children and rendering. ``executor="dask"`` sends the same job functions to a
``dask.distributed`` scheduler (``scheduler=`` an address or a ``Client``); the reports folder
must then be shared by the workers. A child that runs longer than ``timeout`` seconds is killed
with its process group (kernels included) and reported as failed.

The manifest records each report's timing split: ``startup`` (fork to first cell, papermill
overhead, kernel start), ``execute`` (cells), ``html``, ``pdf``, ``xlsx``, ``write`` and
``total`` (wall seconds), and ``cpu`` (CPU seconds of the report process); and for the batch:
wall time, worker warm-up, counts.

Tables for Excel: see `analysis.build.xlsx_report` (notebooks call
``report_table(df, name, caption)``).
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import select
import signal
import socket
import sys
import time
import traceback
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis import __version__
from analysis.build.files import TMP_SUFFIX, atomic_write, tmp_name
from analysis.core import paths
from analysis.core.errors import WorkbookError

FORMATS = ("html", "pdf", "xlsx")
ENGINES = ("inprocess", "kernel")
EXECUTORS = ("local", "dask")
MANIFEST_NAME = "manifest.json"
INDEX_NAME = "index.html"
LOCK_NAME = ".lock"
# \Z, not $ (which also matches before a final newline); a name, never a path, at most 100 chars
_SLUG_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}\Z")
_RESERVED_SLUGS = {"index", "manifest"}  # index.html is the folder's index page
CHILD_ENV = "BPWB_REPORT_CHILD"  # same as analysis.engine.CHILD_ENV (not imported: it is heavy)


# -- errors and results ----------------------------------------------------------------------------
class ParameterError(WorkbookError, ValueError):
    """Job parameters that do not match the notebook's ``parameters`` cell."""


class BatchLockedError(WorkbookError, RuntimeError):
    """Another batch is writing the same reports folder."""


class BatchFailedError(RuntimeError):
    """At least one report of a batch failed (raised only with ``raise_on_failure=True``)."""

    def __init__(self, result: BatchResult) -> None:
        self.result = result
        names = ", ".join(r.slug for r in result.failures)
        super().__init__(f"{len(result.failures)} report(s) failed: {names}")


@dataclass(frozen=True)
class ReportJob:
    """One report to produce.

    Attributes
    ----------
    area : str
        Area key (district or province code, e.g. ``"696"``).
    notebook : Path
        The report notebook.
    parameters : dict
        Values for the notebook's ``parameters`` cell.
    slug : str
        Output file stem (``bu-dang`` gives ``bu-dang.html``...): lower-case ASCII, digits,
        ``.``, ``_`` and ``-``.
    title : str, optional
        Report title; by default the notebook's first ``#`` heading.
    area_name : str, optional
        Display name of the area; by default the ``area_name`` parameter, else the reference
        geography's name of ``area``, else ``area`` itself.
    """

    area: str
    notebook: Path
    parameters: dict = field(default_factory=dict)
    slug: str = ""
    title: str | None = None
    area_name: str | None = None


@dataclass
class ReportResult:
    """Outcome of one report.

    Attributes
    ----------
    slug, area : str
        As in the job.
    status : {"ok", "cached", "failed"}
        ``cached``: inputs unchanged, the existing files were kept.
    files : dict
        Format (``ipynb``, ``html``, ``pdf``, ``xlsx``, ``log``) to file name in the folder.
    timings : dict
        Seconds per step (see the module docstring).
    error : str or None
        One-line error summary of a failed report.
    key : str or None
        Cache key of the inputs.
    """

    slug: str
    area: str
    status: str
    files: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    error: str | None = None
    key: str | None = None


@dataclass
class BatchResult:
    """Outcome of `run_batch`.

    Attributes
    ----------
    year : int
    lang : str
    folder : Path
        The reports folder written.
    results : list of ReportResult
        One per job, in job order.
    wall_seconds : float
        Duration of the whole batch.
    """

    year: int
    lang: str
    folder: Path
    results: list[ReportResult]
    wall_seconds: float = 0.0

    @property
    def failures(self) -> list[ReportResult]:
        """Reports that failed."""
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        """True if no report failed."""
        return not self.failures

    @property
    def exit_code(self) -> int:
        """Process exit code for a CLI: 0 if all reports succeeded, else 1."""
        return 0 if self.ok else 1

    @property
    def index_path(self) -> Path:
        """The batch's index page."""
        return self.folder / INDEX_NAME

    @property
    def manifest_path(self) -> Path:
        """The batch's manifest."""
        return self.folder / MANIFEST_NAME

    def raise_for_failures(self) -> None:
        """Raise `BatchFailedError` if any report failed."""
        if self.failures:
            raise BatchFailedError(self)

    def summary(self) -> str:
        """A few lines for the terminal: counts, wall time, then each failure."""
        counts = {s: sum(r.status == s for r in self.results) for s in ("ok", "cached", "failed")}
        lines = [
            f"{self.folder}: {counts['ok']} built, {counts['cached']} unchanged, "
            f"{counts['failed']} failed in {self.wall_seconds:.1f} s"
        ]
        lines += [
            f"  FAILED {r.slug} ({r.area}): {r.error}  -> {r.slug}.log" for r in self.failures
        ]
        return "\n".join(lines)


# -- atomic files and the folder lock ------------------------------------------------------------
class FolderLock:
    """Exclusive lock of a reports folder (``flock`` on ``<folder>/.lock``).

    The lock is released when the holder exits, even if it crashes. The lock file is removed on
    release; acquisition checks that the file it locked is still the one in the folder.

    Parameters
    ----------
    folder : Path
        The folder to lock.
    timeout : float
        Seconds to wait for another batch to finish; 0 refuses at once.
    """

    def __init__(self, folder: Path, timeout: float = 0.0) -> None:
        self.path = Path(folder) / LOCK_NAME
        self.timeout = timeout
        self._fd: int | None = None

    def _holder(self) -> str:
        try:
            info = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return "another process"
        return f"pid {info.get('pid')} on {info.get('host')} since {info.get('since')}"

    def acquire(self) -> None:
        """Take the lock or raise `BatchLockedError` after ``timeout`` seconds."""
        deadline = time.monotonic() + self.timeout
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise BatchLockedError(
                        f"reports folder {self.path.parent} is being written by another batch "
                        f"({self._holder()}); wait for it to finish, or pass lock_timeout= to wait"
                    ) from None
                time.sleep(0.1)
                continue
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # the previous holder removed the file meanwhile: lock the new one
                os.close(fd)
                continue
            info = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "since": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps(info).encode())
            self._fd = fd
            return

    def release(self) -> None:
        """Remove the lock file and release the lock."""
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


# -- parameters ---------------------------------------------------------------------------------
_TYPE_NAMES = {"int": int, "float": float, "str": str, "bool": bool, "list": list, "dict": dict}


def notebook_parameters(notebook: str | Path) -> dict[str, dict]:
    """Read the ``parameters`` cell of a notebook.

    Parameters
    ----------
    notebook : str or Path
        The notebook file.

    Returns
    -------
    dict
        Name to ``{"default": source text, "value": default value or None, "type": type or
        None}``; ``type`` is None when the default is not a literal and has no annotation.
    """
    _skip_iri_grammar()
    import papermill

    info = papermill.inspect_notebook(str(notebook))
    out = {}
    for name, spec in info.items():
        source = spec.get("default")
        value, typ = None, None
        try:
            value = ast.literal_eval(source) if source is not None else None
            typ = type(value) if value is not None else None
        except (ValueError, SyntaxError):
            typ = _TYPE_NAMES.get(str(spec.get("inferred_type_name", "")).lower())
        out[name] = {"default": source, "value": value, "type": typ}
    return out


def _skip_iri_grammar() -> None:
    """Do not let nbformat's jsonschema build the ``rfc3987_syntax`` grammars (~1 s at import).

    jsonschema imports that package only for the optional "iri" format checks, which nbformat
    never uses. Applied before the first import of jsonschema only (the batch's process and the
    warm report process); a process that already imported jsonschema is left as it is.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def _type_ok(value: Any, typ: type | None) -> bool:
    if typ is None:
        return True
    if typ is bool:
        return isinstance(value, bool)
    if typ is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if typ is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if typ in (list, tuple):
        return isinstance(value, list | tuple)
    return isinstance(value, typ)


def check_parameters(
    notebook: str | Path, parameters: dict, declared: dict | None = None
) -> list[str]:
    """Check parameter names and value types against a notebook's ``parameters`` cell.

    Parameters
    ----------
    notebook : str or Path
        The notebook file.
    parameters : dict
        Proposed values.
    declared : dict, optional
        The result of `notebook_parameters` (read from the notebook if omitted).

    Returns
    -------
    list of str
        Problems, empty if the parameters are acceptable.
    """
    declared = notebook_parameters(notebook) if declared is None else declared
    name = Path(notebook).name
    problems = []
    valid = ", ".join(sorted(declared)) or "(none: the notebook has no cell tagged 'parameters')"
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        problems.append(
            f"{name}: unknown parameter(s) {', '.join(map(repr, unknown))}; valid names: {valid}"
        )
    for key, value in parameters.items():
        spec = declared.get(key)
        if spec is None:
            continue
        if not _type_ok(value, spec["type"]):
            problems.append(
                f"{name}: parameter {key!r} must be {spec['type'].__name__} like its default "
                f"{spec['default']}, got {type(value).__name__} {value!r}"
            )
    return problems


# -- cache keys ---------------------------------------------------------------------------------
_HASH_CACHE: dict[tuple, str] = {}


def file_sha256(path: Path) -> str:
    """SHA-256 of a file (memoised on path, size and modification time)."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _HASH_CACHE:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        _HASH_CACHE[key] = h.hexdigest()
    return _HASH_CACHE[key]


def _tree_files(folder: Path, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    if not folder.is_dir():
        return []
    files = []
    for p in folder.rglob("*"):
        rel = p.relative_to(folder).parts
        if any(part.startswith(".") or part == "__pycache__" for part in rel) or not p.is_file():
            continue
        if suffixes is None or p.suffix in suffixes:
            files.append(p)
    return sorted(files)


def library_fingerprint() -> str:
    """``analysis.__version__`` plus a hash of the package's sources and templates."""
    package = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for p in _tree_files(package, (".py", ".j2", ".css", ".json", ".html")):
        h.update(str(p.relative_to(package)).encode() + b"\0" + file_sha256(p).encode())
    return f"{__version__}+{h.hexdigest()[:16]}"


def _data_digest(files: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted({Path(f).resolve() for f in files}):
        h.update(str(p).encode() + b"\0" + file_sha256(p).encode())
    return h.hexdigest()


def _param_files(parameters: dict) -> list[Path]:
    out = []
    for value in parameters.values():
        if isinstance(value, str | os.PathLike) and len(str(value)) < 4096:
            p = Path(value)
            with contextlib.suppress(OSError):
                if p.is_file():
                    out.append(p)
    return out


def cache_key(job: ReportJob, parameters: dict, data_files: list[Path], library: str) -> dict:
    """Cache key of one report and its parts.

    Returns
    -------
    dict
        ``{"key": hex, "parts": {"data", "notebook", "library", "parameters"}}``.
    """
    parts = {
        "data": _data_digest([*data_files, *_param_files(parameters)]),
        "notebook": file_sha256(Path(job.notebook)),
        "library": library,
        "parameters": hashlib.sha256(
            json.dumps(parameters, sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest(),
    }
    key = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return {"key": key, "parts": parts}


# -- the work of one report (runs in a forked child) ---------------------------------------------
_STRINGS = {
    "vi": {"year": "Năm", "report": "Báo cáo", "area": "Khu vực", "code": "Mã", "params": "Tham số",
           "library": "Thư viện", "default_title": "Báo cáo giảm nghèo bền vững"},
    "en": {"year": "Year", "report": "Report", "area": "Area", "code": "Code", "params": "Parameters",
           "library": "Library", "default_title": "Sustainable poverty reduction report"},
}  # fmt: skip


def _execute_notebook(spec: dict, log) -> tuple[Any, str | None, dict]:
    """Parameterise and execute the notebook; return (notebook, error summary, timings)."""
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import (
        prepare_notebook_metadata,
        raise_for_execution_errors,
        remove_error_markers,
    )
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from analysis.build import engine as inprocess

    t0 = time.perf_counter()
    notebook = spec["notebook"]
    nb = load_notebook_node(notebook)
    kernel_name = spec.get("kernel_name") or nb.metadata.get("kernelspec", {}).get(
        "name", "python3"
    )
    engine_name = inprocess.ENGINE_NAME if spec["engine"] == "inprocess" else "nbclient"
    if spec["parameters"]:
        nb = parameterize_notebook(
            nb, spec["parameters"], kernel_name=kernel_name, engine_name=engine_name
        )
    nb = remove_error_markers(prepare_notebook_metadata(nb, notebook, None))
    kwargs: dict[str, Any] = {"input_path": notebook, "output_path": None}
    if spec["engine"] == "inprocess":
        kwargs["tee"] = log
    else:
        kwargs.update(start_timeout=60, execution_timeout=spec.get("timeout"))
    error = None
    try:
        nb = papermill_engines.execute_notebook_with_engine(
            engine_name, nb, kernel_name=kernel_name, progress_bar=False, log_output=False, **kwargs
        )
        raise_for_execution_errors(nb, None)
    except PapermillExecutionError as exc:  # nb already carries the error and its markers
        error = f"{exc.ename}: {exc.evalue} (cell {exc.exec_count})"
        if spec["engine"] != "inprocess":  # the in-process engine already wrote it to the log
            log.write("\n".join(_strip_ansi(line) for line in exc.traceback) + "\n")
    elapsed = time.perf_counter() - t0
    cells = sum(
        float(c.metadata.get("papermill", {}).get("duration") or 0.0)
        for c in nb.cells
        if c.cell_type == "code"
    )
    return nb, error, {"execute": cells, "papermill": elapsed}


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


def _report_files(out_dir: Path, slug: str, formats: Sequence[str]) -> dict[str, Path]:
    files = {"ipynb": out_dir / f"{slug}.ipynb", "log": out_dir / f"{slug}.log"}
    files.update({fmt: out_dir / f"{slug}.{fmt}" for fmt in formats})
    return files


def _child_main(spec: dict, t_fork: float, log) -> dict:
    """Run one report in the current (forked) process; return the result record."""
    import nbformat

    from analysis.build import html_report, pdf_report, xlsx_report

    timings: dict[str, float] = {}
    out_dir = Path(spec["out_dir"])
    slug, lang = spec["slug"], spec["lang"]
    files = _report_files(out_dir, slug, spec["formats"])
    strings = _STRINGS[lang]
    log.write(
        f"report {slug} (area {spec['area']}, {spec['area_name']}), year {spec['year']}, "
        f"lang {lang}, engine {spec['engine']}, pid {os.getpid()}\n"
        f"notebook {spec['notebook']}\nparameters "
        f"{json.dumps(spec['parameters'], ensure_ascii=False, default=str)}\n"
        f"started {datetime.now(UTC).isoformat(timespec='seconds')}\n--- notebook output\n"
    )
    os.chdir(Path(spec["notebook"]).parent)
    nb, error, t = _execute_notebook(spec, log)
    timings["startup"] = (time.perf_counter() - t_fork) - t["execute"]
    timings["execute"] = t["execute"]
    t0 = time.perf_counter()
    atomic_write(files["ipynb"], nbformat.writes(nb))
    write_time = time.perf_counter() - t0
    if error is not None:
        for fmt in FORMATS:  # never leave an out-of-date report beside a failure
            with contextlib.suppress(FileNotFoundError):
                (out_dir / f"{slug}.{fmt}").unlink()
        timings["write"] = write_time
        return {"status": "failed", "error": error, "timings": timings,
                "files": {"ipynb": files["ipynb"].name, "log": files["log"].name}}  # fmt: skip

    title = spec.get("title") or html_report.notebook_title(nb) or strings["default_title"]
    subtitle = f"{spec['area_name']} · {strings['year'].lower()} {spec['year']}"
    area_part = "" if spec["area_name"] in title else f" — {spec['area_name']}"
    header = f"{title}{area_part} · {strings['year']} {spec['year']}"
    html = None
    if "html" in spec["formats"] or "pdf" in spec["formats"]:
        t0 = time.perf_counter()
        html = html_report.notebook_to_html(nb, title, lang, subtitle=subtitle)
        timings["html"] = time.perf_counter() - t0
        if "html" in spec["formats"]:
            t0 = time.perf_counter()
            atomic_write(files["html"], html)
            write_time += time.perf_counter() - t0
    if "pdf" in spec["formats"]:
        t0 = time.perf_counter()
        pdf = pdf_report.html_to_pdf(html, None, header, lang=lang)
        timings["pdf"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        atomic_write(files["pdf"], pdf)
        write_time += time.perf_counter() - t0
    if "xlsx" in spec["formats"]:
        t0 = time.perf_counter()
        about = {
            strings["report"]: title,
            strings["area"]: spec["area_name"],
            strings["code"]: spec["area"],
            strings["year"]: spec["year"],
            strings["params"]: json.dumps(spec["parameters"], ensure_ascii=False, default=str),
            strings["library"]: f"analysis {__version__}",
        }
        data = xlsx_report.tables_to_xlsx(xlsx_report.notebook_tables(nb), about, lang=lang)
        timings["xlsx"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        atomic_write(files["xlsx"], data)
        write_time += time.perf_counter() - t0
    timings["write"] = write_time
    # CPU seconds of this report process since its fork (wall times depend on the machine's load)
    timings["cpu"] = time.process_time()
    return {"status": "ok", "error": None, "timings": timings,
            "files": {k: v.name for k, v in files.items()}}  # fmt: skip


# -- warm workers and the fork per report ----------------------------------------------------------
_WARM: dict[str, Any] = {}


# Modules no report notebook uses (command line, benchmarks, data generation): not pre-imported.
_NOT_IN_REPORTS = {
    "analysis.benchmarks",
    "analysis.build.batch",
    "analysis.cli",
    "analysis.bundled.synthetic",
    "analysis.intake.template",
}


def warm_worker(engine: str = "inprocess", modules: Sequence[str] = ()) -> float:
    """Import and exercise everything a report needs, once per worker process.

    Parameters
    ----------
    engine : {"inprocess", "kernel"}
        The engine the worker's children will use.
    modules : sequence of str
        Extra modules to import (e.g. heavy dependencies of the notebooks); ``"module:function"``
        also calls that function with no arguments (e.g. to load the data once, shared by every
        forked report).

    Returns
    -------
    float
        Seconds spent (0 if the worker was already warm).
    """
    if _WARM.get("engine") == engine:
        return 0.0
    t0 = time.perf_counter()
    os.environ.setdefault("MPLBACKEND", "agg")
    import gc
    import importlib
    import pkgutil

    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot  # noqa: F401
    import nbformat  # noqa: F401
    import numpy  # noqa: F401
    import openpyxl  # noqa: F401
    import pandas  # noqa: F401
    import papermill  # noqa: F401

    from analysis.build import engine as inprocess
    from analysis.build import pdf_report

    if engine == "inprocess":
        inprocess.warm_imports()
    else:
        import jupyter_client  # noqa: F401
        import nbclient  # noqa: F401
    import analysis

    for info in pkgutil.walk_packages(analysis.__path__, "analysis."):
        if info.name.endswith("__main__") or info.name.startswith(tuple(_NOT_IN_REPORTS)):
            continue
        with contextlib.suppress(Exception):
            importlib.import_module(info.name)
    for name in modules:
        module_name, _, func = name.partition(":")
        module = importlib.import_module(module_name)
        if func:
            getattr(module, func)()
    pdf_report.warm_up()
    gc.collect()
    gc.freeze()  # keep the warm heap shared with the forked children
    _WARM["engine"] = engine
    _WARM["seconds"] = time.perf_counter() - t0
    return _WARM["seconds"]


class _ReportChild:
    """One report running in a forked child of this (warm) process.

    The child writes the report files and sends its result record through a pipe; this side
    collects it, enforces the timeout (killing the child's process group, kernels included)
    and turns a child that died without a result into a failure record.
    """

    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.out_dir = Path(spec["out_dir"])
        self.log_target = self.out_dir / f"{spec['slug']}.log"
        self.deadline = time.monotonic() + float(spec.get("timeout") or 1e9)
        self.chunks: list[bytes] = []
        read_fd, write_fd = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        self.t_fork = time.perf_counter()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # ---- child: never returns
            status = 0
            try:
                os.close(read_fd)
                os.setpgid(0, 0)
                _die_with_parent(parent)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.environ[CHILD_ENV] = str(
                    os.getpid()
                )  # lets analysis.build.engine make its shell
                # One run time for the whole batch (reports and PDF metadata show it); a
                # SOURCE_DATE_EPOCH set by the user fixes it, for byte-identical reports.
                os.environ["SOURCE_DATE_EPOCH"] = str(spec.get("source_date_epoch") or 0)
                record = _child_process(spec, self.t_fork, self.log_target)
            except BaseException as exc:  # noqa: BLE001 - report anything to the parent
                record = {"status": "failed", "error": f"{type(exc).__name__}: {exc}",
                          "timings": {}, "files": {}}  # fmt: skip
                status = 1
            try:
                view = memoryview(json.dumps(record, default=str).encode())
                while view:
                    view = view[os.write(write_fd, view) :]
            finally:
                os._exit(status)
        os.close(write_fd)
        self.pid = pid
        self.fd = read_fd

    def read(self) -> bool:
        """Read what the child sent; return True at end of output (the child is done)."""
        chunk = os.read(self.fd, 1 << 16)
        if chunk:
            self.chunks.append(chunk)
        return not chunk

    def finish(self, timed_out: bool = False) -> dict:
        """Reap the child and return its record (a failure record if it gave none)."""
        if timed_out:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
        os.close(self.fd)
        _, wait_status = os.waitpid(self.pid, 0)
        record = None
        if self.chunks and not timed_out:
            with contextlib.suppress(ValueError):
                record = json.loads(b"".join(self.chunks))
        if record is None:
            if timed_out:
                why = f"timed out after {self.spec.get('timeout')} s (report process killed)"
            elif os.WIFSIGNALED(wait_status):
                why = f"report process died with signal {os.WTERMSIG(wait_status)}"
            else:
                why = f"report process exited with status {os.waitstatus_to_exitcode(wait_status)}"
            record = {"status": "failed", "error": why, "timings": {}, "files": {}}
            _salvage_log(self.pid, self.log_target, why)
            _discard_outputs(self.out_dir, self.spec["slug"])  # stale outputs and leftovers
            if self.log_target.exists():
                record["files"]["log"] = self.log_target.name
        record["timings"]["total"] = time.perf_counter() - self.t_fork
        record["slug"] = self.spec["slug"]
        record["worker"] = os.getpid()
        record["warmup"] = _WARM.get("seconds", 0.0)
        return record


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this (forked) report process if its parent dies (Linux).

    A report whose warm worker was killed must not go on writing into the folder after the
    batch has recorded it as failed (and it would hold the result pipe open, stalling the batch).
    """
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _discard_outputs(
    out_dir: Path, slug: str, why: str | None = None, pid: int | None = None
) -> bool:
    """After a failed report: remove its HTML/PDF/xlsx (never a stale report beside a failure)
    and its temporary files; keep a partial log (with ``why`` appended) if there is one."""
    for fmt in FORMATS:
        with contextlib.suppress(FileNotFoundError):
            (out_dir / f"{slug}.{fmt}").unlink()
    log_target = out_dir / f"{slug}.log"
    salvaged = False
    for tmp in sorted(out_dir.glob(f".{slug}.*{TMP_SUFFIX}")):
        is_log = tmp.name.startswith(f".{slug}.log.")
        if why is not None and is_log and (pid is None or tmp == tmp_name(log_target, pid)):
            with contextlib.suppress(OSError):
                with open(tmp, "a", encoding="utf-8") as fh:
                    fh.write(f"\n--- failed: {why}\n")
                os.replace(tmp, log_target)
                salvaged = True
                continue
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return salvaged


def run_children(specs: Sequence[dict], max_children: int) -> Iterator[dict]:
    """Run reports in forked children of this warm process, ``max_children`` at a time.

    Parameters
    ----------
    specs : sequence of dict
        Job descriptions built by `run_batch`.
    max_children : int
        Reports running at once.

    Yields
    ------
    dict
        Result records (with ``slug``), as reports finish.
    """
    queue = list(reversed(specs))
    running: dict[int, _ReportChild] = {}
    try:
        while queue or running:
            while queue and len(running) < max_children:
                child = _ReportChild(queue.pop())
                running[child.fd] = child
            wait = max(0.0, min(c.deadline for c in running.values()) - time.monotonic())
            ready, _, _ = select.select(list(running), [], [], min(wait, 5.0))
            for fd in ready:
                if running[fd].read():
                    yield running.pop(fd).finish()
            now = time.monotonic()
            for fd in [fd for fd, c in running.items() if c.deadline <= now]:
                yield running.pop(fd).finish(timed_out=True)
    finally:
        for child in running.values():  # interrupted: do not leave orphans
            child.finish(timed_out=True)


def run_job(spec: dict) -> dict:
    """Produce one report in a forked child of this process (warming it first) and return its record.

    This is the function sent to dask workers.

    Parameters
    ----------
    spec : dict
        Job description built by `run_batch`.

    Returns
    -------
    dict
        ``status``, ``error``, ``timings``, ``files``, ``slug``, ``worker`` (pid), ``warmup``.
    """
    os.environ.update(spec.get("env") or {})  # the batch's BPWB_* settings (dask workers)
    warm_worker(spec["engine"], spec.get("warm_modules", ()))
    return next(iter(run_children([spec], 1)))


def _batch_env() -> dict[str, str]:
    """The caller's ``BPWB_*`` settings (year, data source, folders) for remote workers."""
    return {k: v for k, v in os.environ.items() if k.startswith("BPWB_") and k != CHILD_ENV}


def _warm_dask_worker(engine: str, modules: Sequence[str], env: dict[str, str]) -> float:
    """`warm_worker` on a dask worker, with the batch's settings (``report.preload`` reads them)."""
    os.environ.update(env)
    return warm_worker(engine, modules)


def _child_process(spec: dict, t_fork: float, log_target: Path) -> dict:
    """Child side of `run_job`: route all output to the log, run, rename the log into place."""
    log_tmp = tmp_name(log_target)
    fd = os.open(log_tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(fd, 1)  # stray output of C libraries and subprocesses goes to the log
    os.dup2(fd, 2)
    os.close(devnull)
    log = open(fd, "w", encoding="utf-8", buffering=1)  # noqa: SIM115
    sys.stdout = sys.stderr = log
    try:
        record = _child_main(spec, t_fork, log)
    except BaseException as exc:
        log.write("\n--- runner error\n" + traceback.format_exc())
        record = {"status": "failed", "error": f"{type(exc).__name__}: {exc}",
                  "timings": {}, "files": {}}  # fmt: skip
        # e.g. the disk filled up after the HTML was written: no half set of outputs
        for fmt in FORMATS:
            with contextlib.suppress(FileNotFoundError):
                (Path(spec["out_dir"]) / f"{spec['slug']}.{fmt}").unlink()
        ipynb = Path(spec["out_dir"]) / f"{spec['slug']}.ipynb"
        if ipynb.exists():
            record["files"]["ipynb"] = ipynb.name
    timings = {k: round(v, 4) for k, v in record["timings"].items()}
    log.write(f"\n--- {record['status']}")
    log.write(f": {record['error']}\n" if record["error"] else "\n")
    log.write(f"timings (s): {json.dumps(timings)}\n")
    log.flush()
    os.fsync(log.fileno())
    os.replace(log_tmp, log_target)
    record.setdefault("files", {})["log"] = log_target.name
    return record


def _salvage_log(pid: int, log_target: Path, why: str) -> None:
    """Keep the partial log of a child that died, with the reason appended."""
    tmp = tmp_name(log_target, pid)
    if not tmp.exists():
        return
    with open(tmp, "a", encoding="utf-8") as fh:
        fh.write(f"\n--- failed: {why}\n")
    os.replace(tmp, log_target)


# -- executors -----------------------------------------------------------------------------------
def _zygote_main(request_fd: int, result_fd: int, engine: str, modules_json: str, n: int) -> None:
    """Main of the warm process that forks the report children (the "zygote").

    Warms up while the caller prepares the jobs, then serves batches: it reads job specs (one
    JSON per line; an empty line ends a batch), forks one child per report, ``n`` at a time,
    writes one JSON record per line as reports finish, then ``{"batch_done": true}``. It exits
    at end of input.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    # On SIGTERM (batch interrupted) unwind, so that run_children kills the running reports.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    _skip_iri_grammar()  # ~0.9 s of warm-up otherwise
    warm_worker(engine, json.loads(modules_json))
    with (
        open(request_fd, encoding="utf-8") as requests,
        open(result_fd, "w", encoding="utf-8") as out,
    ):
        specs: list[dict] = []
        for line in requests:
            if line.strip():
                specs.append(json.loads(line))
                continue
            for record in run_children(specs, n):  # an empty line ends a batch
                out.write(json.dumps(record, default=str) + "\n")
                out.flush()
            out.write(json.dumps({"batch_done": True}) + "\n")
            out.flush()
            specs = []


class _Zygote:
    """The warm process that forks the report children, fed through pipes.

    A plain subprocess (not multiprocessing): nothing re-imports the caller's ``__main__``, and
    it works the same from a script, the CLI or a JupyterLab kernel.
    """

    def __init__(self, engine: str, modules: Sequence[str], n: int) -> None:
        import subprocess

        req_r, req_w = os.pipe()
        res_r, res_w = os.pipe()
        env = dict(os.environ)
        src = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
        env.pop(CHILD_ENV, None)
        code = (
            "import sys; from analysis.build.runner import _zygote_main; "
            "_zygote_main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], "
            "int(sys.argv[5]))"
        )
        argv = [str(req_r), str(res_w), engine, json.dumps(list(modules)), str(n)]
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, *argv], pass_fds=(req_r, res_w),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env,
            start_new_session=True,
        )  # fmt: skip
        os.close(req_r)
        os.close(res_w)
        self.requests = open(req_w, "w", encoding="utf-8")  # noqa: SIM115
        self.results = open(res_r, encoding="utf-8")  # noqa: SIM115
        self.used = False  # True once a batch was sent (then an interrupted run is suspect)
        self.cache_key: tuple = ()

    def alive(self) -> bool:
        """True while the process runs."""
        return self.proc.poll() is None

    def run(self, specs: list[dict]) -> Iterator[tuple[dict, dict]]:
        """Send one batch of specs and yield (spec, record) as reports finish."""
        by_slug = {spec["slug"]: spec for spec in specs}
        try:
            self.requests.write("".join(json.dumps(s, default=str) + "\n" for s in specs) + "\n")
            self.requests.flush()
        except BrokenPipeError:
            pass
        for line in self.results:
            record = json.loads(line)
            if record.get("batch_done"):
                break
            yield by_slug.pop(record["slug"]), record
        else:
            code = self.proc.wait()
            for spec in by_slug.values():  # the process died before finishing
                why = f"report worker process died (exit status {code})"
                # its report processes died with it (_die_with_parent): clear what they left
                salvaged = _discard_outputs(Path(spec["out_dir"]), spec["slug"], why)
                files = {"log": f"{spec['slug']}.log"} if salvaged else {}
                yield spec, {"status": "failed", "timings": {}, "files": files, "error": why}

    def close(self) -> None:
        """Stop the process (if still running) and close the pipes."""
        with contextlib.suppress(OSError):
            self.requests.close()
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except Exception:  # noqa: BLE001
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.results.close()


_ZYGOTES: dict[tuple, _Zygote] = {}


def _get_zygote(engine: str, modules: Sequence[str], n: int, keep_warm: bool) -> _Zygote:
    """A warm report process for this configuration, reused across batches if ``keep_warm``.

    A kept process is replaced when the library's sources change (its imports would be stale)
    or when it has died.
    """
    key = (engine, tuple(modules), n, library_fingerprint(), sys.executable)
    zygote = _ZYGOTES.pop(key, None)
    if zygote is not None and not zygote.alive():
        zygote.close()
        zygote = None
    if not keep_warm:
        return zygote or _Zygote(engine, modules, n)
    for old in list(_ZYGOTES):  # one kept process at a time
        _ZYGOTES.pop(old).close()
    zygote = zygote or _Zygote(engine, modules, n)
    zygote.cache_key = key
    zygote.used = False
    return zygote


def shutdown_workers() -> None:
    """Stop the warm report processes kept by ``run_batch(..., keep_warm=True)``."""
    while _ZYGOTES:
        _ZYGOTES.popitem()[1].close()


atexit.register(shutdown_workers)


def _run_dask(specs: list[dict], scheduler: Any) -> Iterator[tuple[dict, dict]]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise RuntimeError(
            "executor='dask' needs dask.distributed, which is not installed; install it with "
            "`.venv/bin/pip install -c requirements.lock dask distributed`"
        ) from exc
    if scheduler is None:
        scheduler = os.environ.get("DASK_SCHEDULER_ADDRESS")
    if scheduler is None:
        raise ValueError("executor='dask' needs scheduler= (an address like 'tcp://host:8786')")
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        # Warm every worker first (imports, preload), so that each report is a fork of a warm
        # process as with the local executor; run_job warms a worker that joins later.
        env = _batch_env()
        client.run(
            _warm_dask_worker, specs[0]["engine"], tuple(specs[0].get("warm_modules", ())), env
        )
        futures = {client.submit(run_job, {**spec, "env": env}, pure=False): spec for spec in specs}
        for fut in as_completed(futures):
            spec = futures[fut]
            try:
                yield spec, fut.result()
            except Exception as exc:
                yield spec, {"status": "failed", "error": f"dask task failed: {exc!r}",
                             "timings": {}, "files": {}}  # fmt: skip
    finally:
        if client is not scheduler:
            client.close()


# -- the batch ----------------------------------------------------------------------------------
def _as_job(job: Any) -> ReportJob:
    if isinstance(job, ReportJob):
        return job
    if isinstance(job, dict):
        return ReportJob(**job)
    if isinstance(job, tuple | list) and 4 <= len(job) <= 6:
        return ReportJob(*job)
    raise TypeError(f"a job is (area, notebook, parameters, slug[, title[, area_name]]): {job!r}")


def _area_name(job: ReportJob, parameters: dict) -> str:
    if job.area_name:
        return job.area_name
    if isinstance(parameters.get("area_name"), str):
        return parameters["area_name"]
    try:
        from analysis.reference.geography import load_geography

        return str(load_geography().area_name(str(job.area)))
    except Exception:
        return str(job.area)


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, os.PathLike) else value


def prepare_jobs(jobs: Iterable[Any], year: int, lang: str) -> list[tuple[ReportJob, dict, dict]]:
    """Normalise jobs and check their parameters against the notebooks, before running anything.

    Parameters
    ----------
    jobs : iterable
        `ReportJob` objects or tuples ``(area, notebook, parameters, slug)``.
    year : int
        Report year (added as parameter ``year`` when the notebook declares it).
    lang : {"vi", "en"}
        Report language (added as parameter ``lang`` when the notebook declares it).

    Returns
    -------
    list of (ReportJob, parameters, declared parameters)

    Raises
    ------
    ParameterError
        Listing every problem of every job (unknown names, wrong types, bad or duplicate slugs).
    """
    prepared, problems, seen = [], [], set()
    declared_cache: dict[Path, dict] = {}
    for raw in jobs:
        job = _as_job(raw)
        notebook = Path(job.notebook).resolve()
        job = ReportJob(job.area, notebook, dict(job.parameters or {}), job.slug or "",
                        job.title, job.area_name)  # fmt: skip
        if not isinstance(job.slug, str) or not _SLUG_RE.match(job.slug):
            problems.append(
                f"bad slug {job.slug!r} for area {job.area}: use a-z, 0-9, '.', '_', '-' "
                "(at most 100 characters, starting with a letter or digit)"
            )
        elif job.slug in _RESERVED_SLUGS:
            problems.append(f"slug {job.slug!r} is reserved (the folder's {job.slug} file)")
        elif job.slug in seen:
            problems.append(f"duplicate slug {job.slug!r}")
        seen.add(job.slug)
        if not notebook.is_file():
            problems.append(f"notebook not found: {notebook}")
            continue
        if notebook not in declared_cache:
            declared_cache[notebook] = notebook_parameters(notebook)
        declared = declared_cache[notebook]
        params = {k: _plain(v) for k, v in job.parameters.items()}
        for name, value in (("year", year), ("lang", lang)):
            if name in declared:
                if name in params and params[name] != value:
                    problems.append(
                        f"area {job.area}: parameter {name}={params[name]!r} conflicts with the "
                        f"batch's {name} {value!r}"
                    )
                params.setdefault(name, value)
        problems += [f"area {job.area}: {p}" for p in check_parameters(notebook, params, declared)]
        prepared.append((job, params, declared))
    if problems:
        raise ParameterError("refused before running:\n  " + "\n  ".join(problems))
    return prepared


def _load_manifest(folder: Path, year: int, lang: str) -> dict:
    path = folder / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest.get("schema") == 1:
            return manifest
    except (OSError, ValueError):
        pass
    return {"schema": 1, "year": year, "lang": lang, "reports": {}, "last_batch": None}


def _is_current(entry: dict | None, key: str, formats: Sequence[str], folder: Path) -> bool:
    if not entry or entry.get("status") != "ok" or entry.get("key") != key:
        return False
    files = entry.get("files", {})
    return all(fmt in files and (folder / files[fmt]).is_file() for fmt in ("ipynb", *formats))


def run_batch(
    notebook_jobs: Iterable[Any],
    year: int,
    lang: str,
    formats: Sequence[str] = FORMATS,
    workers: int | None = None,
    force: bool = False,
    executor: str = "local",
    *,
    engine: str = "inprocess",
    scheduler: Any = None,
    timeout: float = 900.0,
    lock_timeout: float = 0.0,
    data_files: Iterable[str | Path] | None = None,
    warm_modules: Sequence[str] = (),
    progress: bool = True,
    raise_on_failure: bool = False,
    keep_warm: bool = True,
    notice: str | None = None,
) -> BatchResult:
    """Execute report notebooks and write HTML, PDF and xlsx reports for one year and language.

    Parameters
    ----------
    notebook_jobs : iterable
        `ReportJob` objects or tuples ``(area, notebook, parameters, slug)``.
    year : int
        Report year; output goes to ``paths.reports_dir() / str(year) / lang``.
    lang : {"vi", "en"}
        Report language.
    formats : sequence of {"html", "pdf", "xlsx"}
        Formats to produce (the executed notebook and the log are always written).
    workers : int, optional
        Parallel worker processes (default: number of usable cores).
    force : bool
        Re-run reports whose inputs did not change.
    executor : {"local", "dask"}
        Local process pool, or a dask.distributed cluster (see ``scheduler``).
    engine : {"inprocess", "kernel"}
        Cells run in a forked warm process (fast) or in a Jupyter kernel via papermill.
    scheduler : str or distributed.Client, optional
        Dask scheduler address or client (``executor="dask"``; default
        ``$DASK_SCHEDULER_ADDRESS``).
    timeout : float
        Seconds after which a report is killed and counted as failed.
    lock_timeout : float
        Seconds to wait for another batch writing the same folder (0: refuse at once).
    data_files : iterable of path, optional
        Input files whose checksums enter the cache key (default: every file under
        ``paths.data_dir()``); parameters naming existing files are always included.
    warm_modules : sequence of str
        Extra modules the workers import before forking.
    progress : bool
        Show a progress bar (tqdm, on stderr).
    raise_on_failure : bool
        Raise `BatchFailedError` (after writing everything) if a report failed.
    notice : str, optional
        A line shown at the top of the index page (e.g. that the data are synthetic).
    keep_warm : bool
        Keep the warm report process for the next batch of this Python process (e.g. the other
        language); it is replaced when the library changes and stopped at exit
        (`shutdown_workers`).

    Returns
    -------
    BatchResult
        Per-report status, files and timings; ``exit_code`` is 1 if any report failed.

    Raises
    ------
    ParameterError
        Parameters do not match a notebook (nothing has run).
    BatchLockedError
        Another batch holds the folder.
    """
    t_start = time.perf_counter()
    if lang not in _STRINGS:
        raise ValueError(f"lang must be one of {sorted(_STRINGS)}, got {lang!r}")
    formats = tuple(dict.fromkeys(formats))
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"unknown format(s) {bad}; choose from {FORMATS}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {EXECUTORS}, got {executor!r}")
    year = int(year)
    n_workers = max(1, workers or _cpu_count())
    # Start (or reuse) the warm report process now: it imports while this one checks the jobs.
    zygote = None
    if executor == "local":
        zygote = _get_zygote(engine, tuple(warm_modules), n_workers, keep_warm)
    completed = False
    try:
        result = _run_batch(
            zygote, notebook_jobs, year, lang, formats, n_workers, force, executor, engine,
            scheduler, timeout, lock_timeout, data_files, warm_modules, progress, t_start, notice,
        )  # fmt: skip
        completed = True
    finally:
        if zygote is not None:
            if keep_warm and (completed or not zygote.used) and zygote.alive():
                _ZYGOTES[zygote.cache_key] = zygote
            else:
                zygote.close()
    if raise_on_failure:
        result.raise_for_failures()
    return result


def _run_batch(
    zygote, notebook_jobs, year, lang, formats, n_workers, force, executor, engine, scheduler,
    timeout, lock_timeout, data_files, warm_modules, progress, t_start, notice,
) -> BatchResult:  # fmt: skip
    """Body of `run_batch` (arguments already validated)."""
    prepared = prepare_jobs(notebook_jobs, year, lang)
    folder = paths.reports_dir() / str(year) / lang
    folder.mkdir(parents=True, exist_ok=True)
    data = (
        [Path(p) for p in data_files] if data_files is not None else _tree_files(paths.data_dir())
    )
    library = library_fingerprint()
    source_date_epoch = os.environ.get("SOURCE_DATE_EPOCH") or str(int(time.time()))

    with FolderLock(folder, lock_timeout):
        manifest = _load_manifest(folder, year, lang)
        results: dict[str, ReportResult] = {}
        specs = []
        for job, params, _ in prepared:
            key = cache_key(job, params, data, library)
            entry = manifest["reports"].get(job.slug)
            if not force and _is_current(entry, key["key"], formats, folder):
                results[job.slug] = ReportResult(
                    job.slug, job.area, "cached", dict(entry["files"]), {}, None, key["key"]
                )
                continue
            specs.append({
                "slug": job.slug, "area": str(job.area), "area_name": _area_name(job, params),
                "title": job.title, "notebook": str(job.notebook), "parameters": params,
                "year": year, "lang": lang, "formats": list(formats), "out_dir": str(folder),
                "engine": engine, "timeout": timeout, "warm_modules": list(warm_modules),
                "key": key, "source_date_epoch": source_date_epoch,
            })  # fmt: skip
        warmups: dict[int, float] = {}
        if specs:
            if zygote is not None:
                zygote.used = True
            stream = zygote.run(specs) if executor == "local" else _run_dask(specs, scheduler)
            from tqdm.auto import tqdm

            with tqdm(total=len(specs), unit="report", desc=f"reports {year}/{lang}",
                      disable=not progress, file=sys.stderr) as bar:  # fmt: skip
                for spec, record in stream:
                    result = ReportResult(
                        spec["slug"], spec["area"], record["status"], record.get("files", {}),
                        {k: round(v, 4) for k, v in record.get("timings", {}).items()},
                        record.get("error"), spec["key"]["key"],
                    )  # fmt: skip
                    results[spec["slug"]] = result
                    if record.get("worker"):
                        warmups[record["worker"]] = record.get("warmup", 0.0)
                    manifest["reports"][spec["slug"]] = _manifest_entry(spec, result)
                    atomic_write(folder / MANIFEST_NAME, _dumps(manifest))
                    bar.set_postfix_str(f"{spec['slug']}: {result.status}")
                    bar.update(1)
        ordered = [results[job.slug] for job, _, _ in prepared]
        batch = BatchResult(year, lang, folder, ordered, time.perf_counter() - t_start)
        manifest["last_batch"] = {
            "finished_at": _now(),
            "wall_seconds": round(batch.wall_seconds, 4),
            "engine": engine,
            "executor": executor,
            "workers": min(n_workers, len(specs)),
            "worker_warmup_seconds": round(max(warmups.values(), default=0.0), 4),
            "formats": list(formats),
            "built": sum(r.status == "ok" for r in ordered),
            "unchanged": sum(r.status == "cached" for r in ordered),
            "failed": [r.slug for r in batch.failures],
            "library": library,
            "notice": notice,
        }
        atomic_write(folder / MANIFEST_NAME, _dumps(manifest))
        atomic_write(folder / INDEX_NAME, render_index(manifest, [j.slug for j, _, _ in prepared]))
    if progress:
        print(batch.summary(), file=sys.stderr)
    return batch


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1, default=str) + "\n"


def _manifest_entry(spec: dict, result: ReportResult) -> dict:
    entry = asdict(result)
    entry.update({
        "area_name": spec["area_name"], "notebook": spec["notebook"],
        "parameters": spec["parameters"], "engine": spec["engine"],
        "key": spec["key"]["key"] if result.status == "ok" else None,
        "key_parts": spec["key"]["parts"], "finished_at": _now(),
    })  # fmt: skip
    return entry


# -- index page -----------------------------------------------------------------------------------
_INDEX_STRINGS = {
    "vi": {"title": "Báo cáo giảm nghèo bền vững", "year": "Năm", "area": "Khu vực",
           "files": "Tệp", "status": "Trạng thái", "time": "Thời gian (giây)",
           "updated": "Cập nhật", "ok": "hoàn tất", "failed": "lỗi",
           "failures": "Báo cáo bị lỗi", "log": "nhật ký", "notebook": "sổ tay",
           "none_failed": "Tất cả báo cáo đã hoàn tất.", "excel": "Excel"},
    "en": {"title": "Sustainable poverty reduction reports", "year": "Year", "area": "Area",
           "files": "Files", "status": "Status", "time": "Time (s)", "updated": "Updated",
           "ok": "done", "failed": "failed", "failures": "Failed reports", "log": "log",
           "notebook": "notebook", "none_failed": "All reports completed.", "excel": "Excel"},
}  # fmt: skip


def render_index(manifest: dict, order: Sequence[str] = ()) -> str:
    """Render the index page of a reports folder from its manifest.

    Parameters
    ----------
    manifest : dict
        The folder's manifest (``reports`` entries with status, files, timings, error).
    order : sequence of str
        Slugs to list first (the current batch's job order); others follow by slug.

    Returns
    -------
    str
        Self-contained HTML (no scripts, relative links only).
    """
    import jinja2

    lang = manifest.get("lang", "vi")
    reports = manifest.get("reports", {})
    slugs = [s for s in order if s in reports]
    slugs += sorted(s for s in reports if s not in slugs)
    rows = []
    for slug in slugs:
        entry = reports[slug]
        files = entry.get("files", {})
        rows.append({
            "slug": slug, "area": entry.get("area"), "area_name": entry.get("area_name") or entry.get("area"),
            "status": entry.get("status"), "error": entry.get("error"),
            "files": [(fmt, files[fmt]) for fmt in ("html", "pdf", "xlsx", "ipynb", "log") if fmt in files],
            "total": entry.get("timings", {}).get("total"), "finished_at": entry.get("finished_at"),
        })  # fmt: skip
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(paths.templates_dir())),
        autoescape=True,
        keep_trailing_newline=True,
    )
    template = env.get_template("batch_index.html.j2")
    return template.render(
        lang=lang,
        year=manifest.get("year"),
        s=_INDEX_STRINGS.get(lang, _INDEX_STRINGS["en"]),
        rows=rows,
        failures=[r for r in rows if r["status"] == "failed"],
        batch=manifest.get("last_batch") or {},
        css=(paths.templates_dir() / "report.css").read_text(encoding="utf-8"),
    )
