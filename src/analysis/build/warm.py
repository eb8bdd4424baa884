"""Warming a report process: import and exercise everything a report needs, once, before forking.

A kernel per report costs ~3 s of start-up for ~0.3 s of cells. The warm process imports pandas,
matplotlib, IPython, papermill, nbconvert, WeasyPrint, openpyxl and every ``analysis`` module a
report uses, renders a small report once and, with the run's ``preload``, loads the data and the
computations every report shares (`analysis.report.context.preload` with the run's year, data
source and minimum households). Each report then starts as a fork of this warm process
(`analysis.build.pool`), sharing its memory pages.
"""

from __future__ import annotations

import contextlib
import os
import time

from analysis.build.config import RunConfig

_WARM: dict[str, float | tuple] = {}

# Modules no report notebook uses (command line, benchmarks, data generation): not pre-imported.
_NOT_IN_REPORTS = {
    "analysis.benchmarks",
    "analysis.build.batch",
    "analysis.cli",
    "analysis.bundled.synthetic",
    "analysis.intake.template",
}


def warmup_seconds() -> float:
    """Seconds this process spent warming up (0 if it did not)."""
    return float(_WARM.get("seconds", 0.0))


def warm_worker(config: RunConfig) -> float:
    """Import and exercise everything a report needs, once per worker process.

    Parameters
    ----------
    config : RunConfig
        The run; its ``engine`` (the engine the worker's children will use), ``warm_modules``
        (extra modules to import, e.g. heavy dependencies of the notebooks) and ``preload``
        (load the shared report data, see `RunConfig.preload_arguments`) are used.

    Returns
    -------
    float
        Seconds spent (0 if the worker was already warm for this configuration).
    """
    if _WARM.get("key") == config.warm_key():
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
    from analysis.build import html_report, typst_pdf

    if config.engine == "inprocess":
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
    for name in config.warm_modules:
        importlib.import_module(name)
    shared = config.preload_arguments()
    if shared is not None:
        from analysis.report.context import preload

        preload(**shared)
    html_report.warm_up()
    typst_pdf.warm_up()  # fonts only: a process that compiled Typst must not fork compilers
    gc.collect()
    gc.freeze()  # keep the warm heap shared with the forked children
    _WARM["key"] = config.warm_key()
    _WARM["seconds"] = time.perf_counter() - t0
    return float(_WARM["seconds"])
