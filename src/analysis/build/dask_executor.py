"""The Dask executor: the same report tasks on a ``dask.distributed`` cluster.

``executor="dask"`` sends each report (`analysis.build.pool.run_job`: a fresh fork of a warm
worker process, as with the local pool) to a scheduler (``scheduler=`` an address or a
``Client``; default ``$DASK_SCHEDULER_ADDRESS``). Every worker is warmed first with the run's
configuration; the reports folder must be shared by the workers. The caller's ``BPWB_*`` user
overrides (``BPWB_ROOT``, ``BPWB_PROVINCE``...) are set on the workers too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from analysis.build.config import RunConfig
from analysis.build.pool import CHILD_ENV, run_job
from analysis.build.warm import warm_worker


def _batch_env() -> dict[str, str]:
    """The caller's ``BPWB_*`` settings (folders, province) for remote workers."""
    return {k: v for k, v in os.environ.items() if k.startswith("BPWB_") and k != CHILD_ENV}


def _warm_remote(config_json: str, env: dict[str, str]) -> float:
    """`warm_worker` on a dask worker, with the caller's ``BPWB_*`` settings."""
    os.environ.update(env)
    return warm_worker(RunConfig.from_json(config_json))


def _run_remote(spec: dict, config_json: str, env: dict[str, str]) -> dict:
    """`run_job` on a dask worker (warming it first if it joined after the batch started)."""
    os.environ.update(env)
    return run_job(spec, RunConfig.from_json(config_json))


def run_dask(specs: list[dict], config: RunConfig) -> Iterator[tuple[dict, dict]]:
    """Run reports on a dask.distributed cluster; yield ``(spec, record)`` as they finish.

    Parameters
    ----------
    specs : list of dict
        The reports (see `analysis.build.task`).
    config : RunConfig
        The run (``scheduler``; the rest warms the workers).

    Yields
    ------
    tuple of (dict, dict)
        The spec and its result record (a failure record if the dask task failed).

    Raises
    ------
    RuntimeError
        dask.distributed is not installed.
    ValueError
        No scheduler given.
    """
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise RuntimeError(
            "executor='dask' needs dask.distributed, which is not installed; install it with "
            "`.venv/bin/pip install -c requirements.lock dask distributed`"
        ) from exc
    scheduler = config.scheduler
    if scheduler is None:
        scheduler = os.environ.get("DASK_SCHEDULER_ADDRESS")
    if scheduler is None:
        raise ValueError("executor='dask' needs scheduler= (an address like 'tcp://host:8786')")
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        # Warm every worker first (imports, preload), so that each report is a fork of a warm
        # process as with the local executor; run_job warms a worker that joins later.
        env = _batch_env()
        config_json = config.to_json()
        client.run(_warm_remote, config_json, env)
        futures = {
            client.submit(_run_remote, spec, config_json, env, pure=False): spec for spec in specs
        }
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
