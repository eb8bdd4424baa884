"""Warming a report process: import and exercise everything a report needs, once, before forking.

A kernel per report costs ~3 s of start-up for ~0.3 s of cells. The warm process imports pandas,
matplotlib, IPython, papermill, nbconvert, openpyxl and every ``analysis`` module a report uses,
exports a small page once, loads Typst's fonts (without compiling: see `analysis.build.typst_pdf`)
and, with the run's ``preload``, loads the data and the computations every report shares
(`analysis.report.context.preload` with the run's year, data source and minimum households; the
backtest's model weights in a forked helper on another core meanwhile, `_aside`). Each report
then starts as a fork of this warm process (`analysis.build.pool`), sharing its memory pages.
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


def _aside(compute):
    """Run ``compute()`` in a forked child (on another core); return a function waiting for it.

    The result comes back pickled through a pipe. If the child fails, the waiting function
    computes the result here instead (the warm-up never depends on the helper).
    """
    import pickle

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the helper: compute, send, leave without running any cleanup of the parent
        os.close(read_end)
        status = 0
        try:
            data = pickle.dumps(compute())
        except BaseException:  # noqa: BLE001 - the parent computes it again
            data, status = b"", 1
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
        os._exit(status)
    os.close(write_end)

    def wait():
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        return pickle.loads(data) if status == 0 and data else compute()

    return wait


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
    import numpy  # noqa: F401
    import pandas  # noqa: F401

    # the shared data first: the model weights then run in a forked helper on the other core
    # while this process imports and exercises the rest
    finish_preload = None
    shared = config.preload_arguments()
    if shared is not None:
        import analysis.projection.backtest  # noqa: F401 - the helper's modules, imported once
        from analysis.report.context import preload

        finish_preload = preload(**shared, aside=_aside)
    import nbformat  # noqa: F401
    import openpyxl  # noqa: F401
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
    html_report.warm_up()
    typst_pdf.warm_up()  # fonts only: a process that compiled Typst must not fork compilers
    if finish_preload is not None:
        finish_preload()
    gc.collect()
    gc.freeze()  # keep the warm heap shared with the forked children
    _WARM["key"] = config.warm_key()
    _WARM["seconds"] = time.perf_counter() - t0
    return float(_WARM["seconds"])
