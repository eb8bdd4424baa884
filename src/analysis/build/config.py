"""One run of the report builder, stated once: `RunConfig`.

The command line (`analysis.build.batch.make_config`) builds one `RunConfig` from its options and
passes it down: to the runner (`analysis.build.runner.run_reports`), to the warm report process
(`analysis.build.warm.warm_worker`, which hands the year, data source and minimum households to
`analysis.report.context.preload`), and to the notebooks' parameters (`batch.plan_jobs` puts the
year, language, data source... into every job). Nothing travels through environment variables.

Environment variables remain user overrides only, read where they apply:

``BPWB_ROOT``
    Project root (data, notebooks, reports); `analysis.core.paths`.
``BPWB_REPORTS``
    Reports folder (default ``<root>/reports``); read once by the command line into
    `RunConfig.reports_dir`, or by `run_batch` when ``reports_dir`` is not given.
``BPWB_PROVINCE``
    Reference geography folder (default ``binh-phuoc``); `analysis.core.paths`.
``SOURCE_DATE_EPOCH``
    Fixed run time for byte-identical reports (PDF metadata, report date); read once per batch.
``DASK_SCHEDULER_ADDRESS``
    Dask scheduler when ``executor="dask"`` and no ``scheduler`` is given.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from analysis.core import paths
from analysis.core.i18n import LANGS
from analysis.core.messages import Message

FORMATS = ("html", "pdf", "xlsx")
ENGINES = ("inprocess", "kernel")
EXECUTORS = ("local", "dask")


@dataclass(frozen=True)
class RunConfig:
    """Everything one run of the report builder depends on.

    Attributes
    ----------
    year : int
        Review year of the reports; output goes to ``reports_dir / str(year) / lang``.
    languages : tuple of {"vi", "en"}
        Report languages, one batch each.
    formats : tuple of {"html", "pdf", "xlsx"}
        Formats to produce (the executed notebook and the log are always written).
    areas : str
        ``"all"``, ``"province"``, ``"districts"`` or district names or codes, comma-separated
        (see `analysis.build.batch.plan_jobs`).
    data_source : str
        Summary or household file; empty for the bundled synthetic data.
    min_households : int
        Rates on fewer households are flagged and not shown.
    geojson : str
        District boundaries for a real choropleth; empty for the tile map.
    data_files : tuple of Path, optional
        Input files whose checksums enter the cache key (default: every file under
        ``paths.data_dir()``); parameters naming existing files are always included.
    reports_dir : Path, optional
        Root of the reports folders (default: ``paths.reports_dir()`` when the batch runs).
    engine : {"inprocess", "kernel"}
        Cells run in a forked warm process (fast) or in a Jupyter kernel via papermill.
    executor : {"local", "dask"}
        Local process pool, or a dask.distributed cluster (see ``scheduler``).
    scheduler : str or distributed.Client, optional
        Dask scheduler address or client (default ``$DASK_SCHEDULER_ADDRESS``).
    workers : int, optional
        Reports running at once (default: number of usable cores).
    timeout : float
        Seconds after which a report is killed and counted as failed.
    lock_timeout : float
        Seconds to wait for another batch writing the same folder (0: refuse at once).
    force : bool
        Re-run reports whose inputs did not change.
    preload : bool
        Load the data and the computations every report shares once in the warm report process
        (`analysis.report.context.preload` with ``year``, ``data_source`` and
        ``min_households``), before it forks the reports.
    warm_modules : tuple of str
        Extra modules the warm process imports before forking (module names).
    keep_warm : bool
        Keep the warm report process for the next batch of this Python process (e.g. the other
        language); it is replaced when the library or the warm-up settings change.
    progress : bool
        Show a progress bar and the summary (on stderr).
    """

    year: int
    languages: tuple[str, ...] = ("vi",)
    formats: tuple[str, ...] = FORMATS
    areas: str = "all"
    data_source: str = ""
    min_households: int = 50
    geojson: str = ""
    data_files: tuple[Path, ...] | None = None
    reports_dir: Path | None = None
    engine: str = "inprocess"
    executor: str = "local"
    scheduler: Any = None
    workers: int | None = None
    timeout: float = 900.0
    lock_timeout: float = 0.0
    force: bool = False
    preload: bool = False
    warm_modules: tuple[str, ...] = ()
    keep_warm: bool = True
    progress: bool = True

    def __post_init__(self) -> None:
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        languages = (self.languages,) if isinstance(self.languages, str) else self.languages
        put("languages", tuple(languages))
        for lang in self.languages:
            if lang not in LANGS:
                raise ValueError(
                    Message(
                        "param.one_of_got", name="lang", allowed=sorted(LANGS), value=repr(lang)
                    )
                )
        put("formats", tuple(dict.fromkeys(self.formats)))
        bad = [f for f in self.formats if f not in FORMATS]
        if bad:
            raise ValueError(Message("config.formats", bad=bad, allowed=FORMATS))
        if self.engine not in ENGINES:
            raise ValueError(
                Message("param.one_of_got", name="engine", allowed=ENGINES, value=repr(self.engine))
            )
        if self.executor not in EXECUTORS:
            raise ValueError(
                Message(
                    "param.one_of_got",
                    name="executor",
                    allowed=EXECUTORS,
                    value=repr(self.executor),
                )
            )
        put("year", int(self.year))
        put("min_households", int(self.min_households))
        if self.data_files is not None:
            put("data_files", tuple(Path(p) for p in self.data_files))
        if self.reports_dir is not None:
            put("reports_dir", Path(self.reports_dir))
        put("warm_modules", tuple(self.warm_modules))
        hooks = [m for m in self.warm_modules if ":" in m]
        if hooks:
            raise ValueError(Message("config.warm_modules", hooks=hooks))

    def folder(self, lang: str) -> Path:
        """The reports folder of one language: ``reports_dir / year / lang``."""
        return (self.reports_dir or paths.reports_dir()) / str(self.year) / lang

    def worker_count(self) -> int:
        """Reports running at once: ``workers``, else the number of usable cores."""
        if self.workers:
            return max(1, int(self.workers))
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:
            return os.cpu_count() or 1

    def preload_arguments(self) -> dict | None:
        """Keyword arguments of `analysis.report.context.preload`, or None without ``preload``."""
        if not self.preload:
            return None
        return {
            "year": self.year,
            "data_source": self.data_source,
            "min_households": self.min_households,
        }

    def warm_key(self) -> tuple:
        """What a warm report process depends on: it is reused only for the same key."""
        shared = self.preload_arguments()
        return (self.engine, self.warm_modules, tuple(sorted(shared.items())) if shared else None)

    def to_json(self) -> str:
        """The configuration as JSON, for another process (``scheduler`` is left out)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "scheduler":
                continue
            if isinstance(value, Path):
                value = str(value)
            elif f.name == "data_files" and value is not None:
                value = [str(p) for p in value]
            out[f.name] = value
        return json.dumps(out, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        """Read `to_json`'s output back.

        Parameters
        ----------
        text : str
            JSON written by `to_json`.

        Returns
        -------
        RunConfig
        """
        values = json.loads(text)
        for name in ("languages", "formats", "warm_modules"):
            values[name] = tuple(values.get(name) or ())
        return cls(**values)
