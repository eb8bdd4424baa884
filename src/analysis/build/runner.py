"""Batch runner: execute report notebooks per area and write the reports (the only writer of reports/).

Layout
------
A batch of one year and language writes, in ``reports_dir / <year> / <lang>``::

    <slug>.ipynb   executed notebook (kept also when it failed, with papermill's error marker)
    <slug>.html    self-contained report page (`analysis.build.html_report.notebook_to_html`)
    <slug>.pdf     A4 PDF of that page (`analysis.build.pdf_report.html_to_pdf`)
    <slug>.xlsx    the report tables, one sheet each (`analysis.build.xlsx_report.tables_to_xlsx`)
    <slug>.log     what happened: parameters, timings, notebook output, the traceback on failure
    index.html     a dashboard: failures first, then per report its key figures, worst verdict,
                   links and data file (the facts its job kept); build details collapsed
    manifest.json  per report: cache key and its parts, status, files, timing split, facts;
                   last batch

Entry points: `run_reports` (a `RunConfig`, the jobs, a language: what the command line calls)
and `run_batch` (the same with keyword options, for scripts and notebooks). A job is
``(area, notebook, parameters, slug)`` (see `analysis.build.jobs`); a notebook that declares
``year`` and ``lang`` runs with the batch's.

Guarantees
----------
* Parameters are checked against the notebook's ``parameters`` cell before anything runs
  (`analysis.build.parameters`, `ParameterError`).
* One failing area does not stop the others. Failures are listed at the end of the batch, on the
  index page and in `BatchResult.failures`; ``result.exit_code`` is 1 (``raise_on_failure=True``
  raises `BatchFailedError` after everything has been written). Stale HTML/PDF/xlsx of a failed
  report are removed so that nobody shares an out-of-date page.
* Every file is written atomically; one batch at a time writes a folder, a second one waits up
  to ``lock_timeout`` seconds, then refuses with `BatchLockedError` (`analysis.build.files`).
* Reports whose inputs did not change are skipped (``force=True`` re-runs them; the cache key:
  `analysis.build.cache`).

Speed
-----
Each report runs in a fresh fork of a warm process (`analysis.build.pool`, warmed by
`analysis.build.warm`) that starts warming as soon as the batch is called, while the caller
checks parameters and hashes inputs; with ``keep_warm`` it serves the next batches of the same
Python process too (e.g. ``vi`` then ``en``). ``engine="kernel"`` runs plain papermill with a
Jupyter kernel in the same children; ``executor="dask"`` sends the same tasks to a
dask.distributed cluster (`analysis.build.dask_executor`).

The manifest records each report's timing split: ``startup`` (fork to first cell, papermill
overhead, kernel start), ``execute`` (cells), ``facts`` (the index page's facts, taken from the
notebook's context), ``html``, ``pdf``, ``xlsx``, ``write`` and ``total`` (wall seconds), and
``cpu`` (CPU seconds of the report process); and for the batch: wall time, worker warm-up,
counts. With each report it keeps its ``facts`` (`analysis.report.job_facts`) for the index.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from analysis.build.cache import (
    cache_key,
    dumps,
    is_current,
    library_fingerprint,
    load_manifest,
    manifest_entry,
    now,
    tree_files,
)
from analysis.build.config import FORMATS, RunConfig
from analysis.build.files import (
    INDEX_NAME,
    MANIFEST_NAME,
    BatchLockedError,
    FolderLock,
    atomic_write,
)
from analysis.build.index import render_index
from analysis.build.jobs import (
    BatchFailedError,
    BatchResult,
    ReportJob,
    ReportResult,
    area_name,
    prepare_jobs,
)
from analysis.build.parameters import ParameterError
from analysis.build.pool import ReportPool, get_pool, shutdown_workers
from analysis.core import paths
from analysis.core.messages import Message

__all__ = [
    "FORMATS",
    "BatchFailedError",
    "BatchLockedError",
    "BatchResult",
    "ParameterError",
    "ReportJob",
    "ReportResult",
    "RunConfig",
    "run_batch",
    "run_reports",
    "shutdown_workers",
]


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

    The options are those of `RunConfig` (see there); this builds the configuration and calls
    `run_reports`.

    Parameters
    ----------
    notebook_jobs : iterable
        `ReportJob` objects or tuples ``(area, notebook, parameters, slug)``.
    year : int
        Report year; output goes to ``paths.reports_dir() / str(year) / lang``.
    lang : {"vi", "en"}
        Report language.
    formats, workers, force, executor, engine, scheduler, timeout, lock_timeout, data_files, \
warm_modules, progress, keep_warm
        As in `RunConfig`.
    raise_on_failure : bool
        Raise `BatchFailedError` (after writing everything) if a report failed.
    notice : str, optional
        A line shown at the top of the index page (e.g. that the data are synthetic).

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
    config = RunConfig(
        year=year,
        languages=(lang,),
        formats=tuple(formats),
        data_files=None if data_files is None else tuple(Path(p) for p in data_files),
        engine=engine,
        executor=executor,
        scheduler=scheduler,
        workers=workers,
        timeout=timeout,
        lock_timeout=lock_timeout,
        force=force,
        warm_modules=tuple(warm_modules),
        keep_warm=keep_warm,
        progress=progress,
    )
    return run_reports(
        config, notebook_jobs, lang, notice=notice, raise_on_failure=raise_on_failure
    )


def run_reports(
    config: RunConfig,
    notebook_jobs: Iterable[Any],
    lang: str,
    *,
    notice: str | None = None,
    raise_on_failure: bool = False,
) -> BatchResult:
    """Run one batch of a run: the jobs of one language.

    Parameters
    ----------
    config : RunConfig
        The run (year, formats, engine, executor, workers, warm-up...).
    notebook_jobs : iterable
        `ReportJob` objects or tuples ``(area, notebook, parameters, slug)``.
    lang : {"vi", "en"}
        The batch's language, one of ``config.languages``.
    notice : str, optional
        A line shown at the top of the index page (e.g. that the data are synthetic).
    raise_on_failure : bool
        Raise `BatchFailedError` (after writing everything) if a report failed.

    Returns
    -------
    BatchResult

    Raises
    ------
    ParameterError
        Parameters do not match a notebook (nothing has run).
    BatchLockedError
        Another batch holds the folder.
    """
    t_start = time.perf_counter()
    if lang not in config.languages:
        raise ValueError(Message("runner.lang", lang=repr(lang), languages=config.languages))
    # Start (or reuse) the warm report process now: it imports while this one checks the jobs.
    pool = get_pool(config, config.worker_count()) if config.executor == "local" else None
    completed = False
    try:
        result = _run_batch(config, lang, notebook_jobs, pool, notice, t_start)
        completed = True
    finally:
        if pool is not None:
            pool.release(completed)
    if raise_on_failure:
        result.raise_for_failures()
    return result


def _report_spec(config: RunConfig, lang: str, job: ReportJob, params: dict, key: dict,
                 folder: Path, source_date_epoch: str) -> dict:  # fmt: skip
    """The task of one report, as the pool and `analysis.build.task` read it."""
    return {
        "slug": job.slug, "area": str(job.area), "area_name": area_name(job, params),
        "title": job.title, "notebook": str(job.notebook), "parameters": params,
        "year": config.year, "lang": lang, "formats": list(config.formats), "out_dir": str(folder),
        "engine": config.engine, "timeout": config.timeout, "key": key,
        "source_date_epoch": source_date_epoch,
    }  # fmt: skip


def _stream(config: RunConfig, pool: ReportPool | None, specs: list[dict]) -> Iterator:
    """Run the reports: on the local pool, or on the dask cluster."""
    if pool is None:
        from analysis.build.dask_executor import run_dask

        return run_dask(specs, config)
    for spec in specs:
        pool.submit(spec)
    return pool.results()


def _run_batch(config: RunConfig, lang: str, notebook_jobs: Iterable[Any],
               pool: ReportPool | None, notice: str | None, t_start: float) -> BatchResult:  # fmt: skip
    """Body of `run_reports`: check, skip what is current, run the rest, write manifest and index."""
    prepared = prepare_jobs(notebook_jobs, config.year, lang)
    folder = config.folder(lang)
    folder.mkdir(parents=True, exist_ok=True)
    data = (
        list(config.data_files) if config.data_files is not None else tree_files(paths.data_dir())
    )
    library = library_fingerprint()
    source_date_epoch = os.environ.get("SOURCE_DATE_EPOCH") or str(int(time.time()))

    with FolderLock(folder, config.lock_timeout):
        manifest = load_manifest(folder, config.year, lang)
        results: dict[str, ReportResult] = {}
        specs = []
        for job, params, _ in prepared:
            key = cache_key(job, params, data, library)
            entry = manifest["reports"].get(job.slug)
            if not config.force and is_current(entry, key["key"], config.formats, folder):
                results[job.slug] = ReportResult(
                    job.slug, job.area, "cached", dict(entry["files"]), {}, None, key["key"],
                    entry.get("facts"),
                )  # fmt: skip
                continue
            specs.append(_report_spec(config, lang, job, params, key, folder, source_date_epoch))
        warmups: dict[int, float] = {}
        if specs:
            from tqdm.auto import tqdm

            with tqdm(total=len(specs), unit="report", desc=f"reports {config.year}/{lang}",
                      disable=not config.progress, file=sys.stderr) as bar:  # fmt: skip
                for spec, record in _stream(config, pool, specs):
                    result = ReportResult(
                        spec["slug"], spec["area"], record["status"], record.get("files", {}),
                        {k: round(v, 4) for k, v in record.get("timings", {}).items()},
                        record.get("error"), spec["key"]["key"], record.get("facts"),
                    )  # fmt: skip
                    results[spec["slug"]] = result
                    if record.get("worker"):
                        warmups[record["worker"]] = record.get("warmup", 0.0)
                    manifest["reports"][spec["slug"]] = manifest_entry(spec, result)
                    atomic_write(folder / MANIFEST_NAME, dumps(manifest))
                    bar.set_postfix_str(f"{spec['slug']}: {result.status}")
                    bar.update(1)
        ordered = [results[job.slug] for job, _, _ in prepared]
        batch = BatchResult(config.year, lang, folder, ordered, time.perf_counter() - t_start)
        manifest["last_batch"] = {
            "finished_at": now(),
            "wall_seconds": round(batch.wall_seconds, 4),
            "engine": config.engine,
            "executor": config.executor,
            "workers": min(config.worker_count(), len(specs)),
            "worker_warmup_seconds": round(max(warmups.values(), default=0.0), 4),
            "formats": list(config.formats),
            "built": sum(r.status == "ok" for r in ordered),
            "unchanged": sum(r.status == "cached" for r in ordered),
            "failed": [r.slug for r in batch.failures],
            "library": library,
            "notice": notice,
        }
        atomic_write(folder / MANIFEST_NAME, dumps(manifest))
        atomic_write(folder / INDEX_NAME, render_index(manifest, [j.slug for j, _, _ in prepared]))
    if config.progress:
        print(batch.summary(), file=sys.stderr)
    return batch
