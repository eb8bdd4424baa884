"""The work of one report, in its own (forked) report process: execute the notebook, render HTML,
PDF and xlsx, write the files, keep a log.

`run_report` is what the process pool (`analysis.build.pool`) calls in each fresh child. A report
is described by a *spec* (a JSON-able dict built by `analysis.build.runner`):

``slug``, ``area``, ``area_name``, ``title``
    Which report (``title`` None: the notebook's first heading).
``notebook``, ``parameters``, ``engine``, ``timeout``, ``kernel_name`` (optional)
    What to execute and how (``engine``: ``"inprocess"`` or ``"kernel"``).
``year``, ``lang``, ``formats``, ``out_dir``
    What to write, and where.
``key``, ``source_date_epoch``
    The cache key and its parts (for the manifest); the run time of the whole batch.
``local_parameters`` (optional)
    Parameters that replace ``parameters`` for the notebook only: on a dask worker, the paths
    of its own copies of the files the client's parameters name (`analysis.build.dask_executor`);
    the log and the about sheet show the client's values.

Everything the child prints goes to ``<slug>.log`` (written under a temporary name, renamed at
the end; the pool keeps a partial log when the child dies). A report that fails leaves its
executed notebook (with papermill's error marker) and its log, never a stale HTML/PDF/xlsx.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis import __version__
from analysis.build.files import atomic_write, remove_reports, report_files, tmp_name
from analysis.core.i18n import label


def execute_notebook(spec: dict, log) -> tuple[Any, str | None, dict]:
    """Parameterise and execute a report's notebook.

    Parameters
    ----------
    spec : dict
        The report (``notebook``, ``parameters``, ``engine``; ``timeout`` and ``kernel_name``
        for the kernel engine).
    log : text stream
        The report's log (the in-process engine copies the notebook's output to it).

    Returns
    -------
    tuple of (notebook, error, timings)
        The executed notebook (with papermill's error markers if a cell raised), a one-line
        error summary or None, and ``{"execute": cell seconds, "papermill": wall seconds}``.
    """
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
    # a dask worker runs on its own copies of the files the parameters name (dask_executor)
    parameters = {**spec["parameters"], **(spec.get("local_parameters") or {})}
    if parameters:
        nb = parameterize_notebook(nb, parameters, kernel_name=kernel_name, engine_name=engine_name)
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


class _Stage:
    """Time one stage of a report: wall seconds into ``timings[name]``, CPU seconds of this
    process into ``timings["cpu_" + name]`` (both added to what the stage already has)."""

    def __init__(self, timings: dict[str, float], name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> _Stage:
        self.t0, self.c0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        t = self.timings
        t[self.name] = t.get(self.name, 0.0) + time.perf_counter() - self.t0
        cpu = "cpu_" + self.name
        t[cpu] = t.get(cpu, 0.0) + time.process_time() - self.c0


def _print_pdf(html: str, header: str, lang: str, log) -> bytes:
    """The report's PDF: Typst (`typst_pdf`); WeasyPrint (`pdf_report`) if Typst cannot print it.

    The fallback is written to the report's log with the reason (the PDF then has WeasyPrint's
    layout of the same page).
    """
    from analysis.build import pdf_report, typst_pdf

    try:
        return typst_pdf.html_to_pdf(html, header, lang=lang)
    except Exception as exc:  # noqa: BLE001 - any failure of the fast route: print the slow way
        detail = getattr(exc, "diagnostic", "") or str(exc)
        log.write(
            "\n--- PDF: Typst could not print this page; printed with WeasyPrint instead\n"
            f"{type(exc).__name__}: {detail}\n"
        )
        return pdf_report.html_to_pdf(html, None, header, lang=lang)


def _render(spec: dict, nb, files: dict[str, Path], timings: dict[str, float], log) -> None:
    """Render and write the HTML, PDF and xlsx of an executed notebook (timings per stage)."""
    from analysis.build import html_report, xlsx_report

    lang, year, area_name = spec["lang"], spec["year"], spec["area_name"]
    year_word = label("report.year", lang)
    title = (
        spec.get("title") or html_report.notebook_title(nb) or label("report.default_title", lang)
    )
    subtitle = f"{area_name} · {year_word.lower()} {year}"
    area_part = "" if area_name in title else f" — {area_name}"
    header = f"{title}{area_part} · {year_word} {year}"
    html = None
    if "html" in spec["formats"] or "pdf" in spec["formats"]:
        with _Stage(timings, "html"):
            html = html_report.notebook_to_html(nb, title, lang, subtitle=subtitle)
        if "html" in spec["formats"]:
            with _Stage(timings, "write"):
                atomic_write(files["html"], html)
    if "pdf" in spec["formats"]:
        with _Stage(timings, "pdf"):
            pdf = _print_pdf(html, header, lang, log)
        with _Stage(timings, "write"):
            atomic_write(files["pdf"], pdf)
    if "xlsx" in spec["formats"]:
        with _Stage(timings, "xlsx"):
            about = {
                label("about.report", lang): title,
                label("about.area", lang): area_name,
                label("about.code", lang): spec["area"],
                year_word: year,
                label("about.params", lang): json.dumps(
                    spec["parameters"], ensure_ascii=False, default=str
                ),
                label("about.library", lang): f"analysis {__version__}",
            }
            data = xlsx_report.tables_to_xlsx(xlsx_report.notebook_tables(nb), about, lang=lang)
        with _Stage(timings, "write"):
            atomic_write(files["xlsx"], data)


def produce_report(spec: dict, t_fork: float, log) -> dict:
    """Execute, render and write one report in this process; return its result record.

    Parameters
    ----------
    spec : dict
        The report (see the module docstring).
    t_fork : float
        ``time.perf_counter()`` when the report process was forked (start-up time).
    log : text stream
        The report's log.

    Returns
    -------
    dict
        ``status`` (``"ok"`` or ``"failed"``), ``error``, ``timings``, ``files`` and, for a
        report that succeeded, ``facts`` (`notebook_facts`: what the index page shows).
    """
    import nbformat

    timings: dict[str, float] = {}
    out_dir = Path(spec["out_dir"])
    slug = spec["slug"]
    files = report_files(out_dir, slug, spec["formats"])
    log.write(
        f"report {slug} (area {spec['area']}, {spec['area_name']}), year {spec['year']}, "
        f"lang {spec['lang']}, engine {spec['engine']}, pid {os.getpid()}\n"
        f"notebook {spec['notebook']}\nparameters "
        f"{json.dumps(spec['parameters'], ensure_ascii=False, default=str)}\n"
        f"started {datetime.now(UTC).isoformat(timespec='seconds')}\n--- notebook output\n"
    )
    os.chdir(Path(spec["notebook"]).parent)
    # CPU seconds of this (forked) process: its clock starts at the fork. Wall times depend on
    # the machine's load; the ``cpu_*`` timings (and ``cpu``, the whole report) do not.
    cpu0 = time.process_time()
    nb, error, t = execute_notebook(spec, log)
    timings["startup"] = (time.perf_counter() - t_fork) - t["execute"]
    timings["execute"] = t["execute"]
    timings["cpu_execute"] = time.process_time() - cpu0  # papermill's own work included
    timings["cpu_startup"] = cpu0
    with _Stage(timings, "write"):
        atomic_write(files["ipynb"], nbformat.writes(nb))
    if error is not None:
        remove_reports(out_dir, slug)  # never leave an out-of-date report beside a failure
        return {"status": "failed", "error": error, "timings": timings,
                "files": {"ipynb": files["ipynb"].name, "log": files["log"].name}}  # fmt: skip
    with _Stage(timings, "facts"):
        facts = notebook_facts(spec, log)
    _render(spec, nb, files, timings, log)
    timings["cpu"] = time.process_time()
    return {"status": "ok", "error": None, "timings": timings, "facts": facts,
            "files": {k: v.name for k, v in files.items()}}  # fmt: skip


def notebook_facts(spec: dict, log) -> dict | None:
    """The index page's facts of the report just executed, from the notebook's own context.

    With the in-process engine the notebook ran in this process: its report context (the
    variable ``ctx``, else the one `analysis.report.context.ReportContext` among its variables)
    gives `analysis.report.job_facts.job_facts`. The kernel engine leaves no context here: None.

    Parameters
    ----------
    spec : dict
        The report (its ``engine``).
    log : text stream
        The report's log (a failure to gather the facts is written there; the report stands).

    Returns
    -------
    dict or None
    """
    if spec["engine"] != "inprocess":
        return None
    from analysis.build.engine import user_namespace
    from analysis.report.context import ReportContext

    namespace = user_namespace()
    found = [v for v in namespace.values() if isinstance(v, ReportContext)]
    ctx = namespace.get("ctx") if isinstance(namespace.get("ctx"), ReportContext) else None
    ctx = ctx or (found[0] if len(found) == 1 else None)
    if ctx is None:
        return None
    try:
        from analysis.report.job_facts import job_facts

        return job_facts(ctx)
    except Exception:  # noqa: BLE001 - the index shows dashes; the report itself is fine
        log.write("\n--- facts for the index page could not be gathered\n" + traceback.format_exc())
        return None


def run_report(spec: dict, t_fork: float, log_target: Path) -> dict:
    """Produce one report in this (forked) process, all its output going to its log.

    Standard input is closed, standard output and error (also of C libraries and subprocesses)
    go to the log, written under a temporary name and renamed to ``log_target`` at the end.

    Parameters
    ----------
    spec : dict
        The report (see the module docstring).
    t_fork : float
        ``time.perf_counter()`` at the fork.
    log_target : Path
        The report's log file.

    Returns
    -------
    dict
        The result record (`produce_report`), also when the runner itself failed (e.g. the disk
        filled up), with ``files`` naming the log.
    """
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
        record = produce_report(spec, t_fork, log)
    except BaseException as exc:
        log.write("\n--- runner error\n" + traceback.format_exc())
        record = {"status": "failed", "error": f"{type(exc).__name__}: {exc}",
                  "timings": {}, "files": {}}  # fmt: skip
        # e.g. the disk filled up after the HTML was written: no half set of outputs
        remove_reports(Path(spec["out_dir"]), spec["slug"])
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
