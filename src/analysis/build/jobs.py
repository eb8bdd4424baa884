"""Report jobs and results: what to build (`ReportJob`), what happened (`ReportResult`,
`BatchResult`), and the checks of a batch's jobs before anything runs (`prepare_jobs`).

A job is ``(area, notebook, parameters, slug)`` (a `ReportJob`, a dict or a plain tuple,
optionally with ``title`` and ``area_name``). The slug names the report's files: lower-case
ASCII letters, digits, ``.``, ``_`` and ``-``, never a path, never ``index`` or ``manifest``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.build.files import INDEX_NAME, MANIFEST_NAME
from analysis.build.parameters import (
    ParameterError,
    batch_parameters,
    check_parameters,
    notebook_parameters,
)
from analysis.core.messages import Joined, Message, Number

# \Z, not $ (which also matches before a final newline); a name, never a path, at most 100 chars
_SLUG_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}\Z")
_RESERVED_SLUGS = {"index", "manifest"}  # index.html is the folder's index page


class BatchFailedError(RuntimeError):
    """At least one report of a batch failed (raised only with ``raise_on_failure=True``)."""

    def __init__(self, result: BatchResult) -> None:
        self.result = result
        names = ", ".join(r.slug for r in result.failures)
        super().__init__(Message("jobs.failed", n=Number(len(result.failures)), names=names))


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
        Seconds per step (see `analysis.build.runner`).
    error : str or None
        One-line error summary of a failed report.
    key : str or None
        Cache key of the inputs.
    facts : dict or None
        What the index page shows of the report (figures, worst verdict, data file), taken by
        the report job from the executed notebook's context
        (`analysis.report.job_facts.job_facts`); None for a failure or the kernel engine.
    """

    slug: str
    area: str
    status: str
    files: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    error: str | None = None
    key: str | None = None
    facts: dict | None = None


@dataclass
class BatchResult:
    """Outcome of a batch (`analysis.build.runner.run_batch`).

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
        """A few lines for the terminal: counts, wall time, then each failure (message language)."""
        counts = {s: sum(r.status == s for r in self.results) for s in ("ok", "cached", "failed")}
        seconds = Number(self.wall_seconds, decimals=1)
        lines = [Message("batch.counts", folder=self.folder, **counts, seconds=seconds).text()]
        lines += [
            Message("batch.failure", slug=r.slug, area=r.area, error=r.error).text()
            for r in self.failures
        ]
        return "\n".join(lines)


def _as_job(job: Any) -> ReportJob:
    if isinstance(job, ReportJob):
        return job
    if isinstance(job, dict):
        return ReportJob(**job)
    if isinstance(job, tuple | list) and 4 <= len(job) <= 6:
        return ReportJob(*job)
    raise TypeError(f"a job is (area, notebook, parameters, slug[, title[, area_name]]): {job!r}")


def area_name(job: ReportJob, parameters: dict) -> str:
    """Display name of a job's area.

    Parameters
    ----------
    job : ReportJob
    parameters : dict
        The job's parameters.

    Returns
    -------
    str
        ``job.area_name``, else the ``area_name`` parameter, else the reference geography's
        name of ``job.area``, else ``job.area`` itself.
    """
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


def _slug_problem(slug: Any, area: str, seen: set) -> Message | None:
    if not isinstance(slug, str) or not _SLUG_RE.match(slug):
        return Message("jobs.bad_slug", slug=repr(slug), area=area)
    if slug in _RESERVED_SLUGS:
        return Message("jobs.reserved_slug", slug=repr(slug), name=slug)
    if slug in seen:
        return Message("jobs.duplicate_slug", slug=repr(slug))
    return None


def prepare_jobs(jobs: Iterable[Any], year: int, lang: str) -> list[tuple[ReportJob, dict, dict]]:
    """Normalise jobs and check their parameters against the notebooks, before running anything.

    Parameters
    ----------
    jobs : iterable
        `ReportJob` objects or tuples ``(area, notebook, parameters, slug)``.
    year : int
        Report year (the parameter ``year`` of a notebook that declares it; see
        `analysis.build.parameters.batch_parameters`).
    lang : {"vi", "en"}
        Report language (the parameter ``lang``, likewise).

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
        problem = _slug_problem(job.slug, job.area, seen)
        if problem:
            problems.append(problem)
        seen.add(job.slug)
        if not notebook.is_file():
            problems.append(Message("jobs.no_notebook", notebook=notebook))
            continue
        if notebook not in declared_cache:
            declared_cache[notebook] = notebook_parameters(notebook)
        declared = declared_cache[notebook]
        params = {k: _plain(v) for k, v in job.parameters.items()}
        params, conflicts = batch_parameters(params, declared, year, lang)
        checked = conflicts + check_parameters(notebook, params, declared)
        problems += [Message("jobs.area", area=job.area, problem=p) for p in checked]
        prepared.append((job, params, declared))
    if problems:
        raise ParameterError(Message("jobs.refused", problems=Joined(problems, "\n  ")))
    return prepared
