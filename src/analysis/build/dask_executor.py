"""The Dask executor: the same report tasks on a ``dask.distributed`` cluster, no shared disk.

``executor="dask"`` sends each report (`analysis.build.pool.run_job`: a fresh fork of a warm
worker process, as with the local pool) to a scheduler (``scheduler=`` an address or a
``Client``; default ``$DASK_SCHEDULER_ADDRESS``). Workers need the ``analysis`` package (the
same version: checked) but no path of the client's machine:

* **Inputs travel as bytes.** The client reads the report notebook and every file a job's
  parameters name (the ``--data`` file, the GeoJSON) and sends their bytes (scattered once per
  file); a worker writes them into its own temporary folder (``<tmp>/bpwb-dask/<sha256>/<name>``,
  checked against their SHA-256, modification time kept) and runs the report on those copies.
  The notebook's parameters keep the client's values for everything the report shows (the
  about sheet, the data note names files by their names), so reports are the same bytes as a
  local run. With the bundled data the worker reads its own installed copy, after checking
  that its checksums are the client's.
* **Outputs travel back as bytes.** A worker writes the report into a temporary folder of its
  own, returns every file of the report (HTML, PDF, xlsx, executed notebook, log) as bytes with
  the result record, and removes the folder. The client writes them atomically
  (`analysis.build.files.atomic_write`) into its reports folder, where the runner writes the
  manifest and the index as for a local run; a failed report's stale HTML/PDF/xlsx are removed.

Every worker is warmed first with the run's configuration (its data file written there first).
The caller's ``BPWB_*`` user overrides (``BPWB_ROOT``, ``BPWB_PROVINCE``...) are set on the
workers too, except ``BPWB_REPORTS``: workers never write the client's reports folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from analysis.build.config import RunConfig
from analysis.build.files import atomic_write, remove_reports
from analysis.build.pool import CHILD_ENV, run_job
from analysis.build.warm import warm_worker

#: Parameters that may name an input file the worker must receive.
FILE_PARAMETERS = ("data_source", "geojson")
#: Environment variables of the caller that are not sent to workers.
LOCAL_ONLY_ENV = (CHILD_ENV, "BPWB_REPORTS")


def _batch_env() -> dict[str, str]:
    """The caller's ``BPWB_*`` settings (data root, province) for remote workers."""
    return {
        k: v for k, v in os.environ.items() if k.startswith("BPWB_") and k not in LOCAL_ONLY_ENV
    }


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- on the worker ---------------------------------------------------------------------------------
def worker_copy(name: str, sha256: str, mtime: float, data: bytes | None) -> Path:
    """Write a file received from the client into this worker's temporary folder (once).

    Parameters
    ----------
    name : str
        The file's name on the client (kept: reports show it).
    sha256 : str
        Its checksum; the copy lives in a folder of that name.
    mtime : float
        Its modification time on the client (kept: the index shows its date).
    data : bytes or None
        Its content; None if the worker should already hold it.

    Returns
    -------
    Path
        ``<tmp>/bpwb-dask/<sha256>/<name>``.

    Raises
    ------
    ValueError
        The bytes do not have the checksum, or the worker does not hold the file.
    """
    target = Path(tempfile.gettempdir()) / "bpwb-dask" / sha256 / Path(name).name
    if target.is_file() and _sha256(target.read_bytes()) == sha256:
        return target
    if data is None or _sha256(data) != sha256:
        raise ValueError(f"{name}: the bytes received do not have the checksum {sha256[:12]}…")
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, data)
    os.utime(target, (mtime, mtime))
    return target


def _localise(spec: dict | None, config: RunConfig, inputs: dict) -> tuple[dict | None, RunConfig]:
    """The spec and configuration with the client's file paths replaced by this worker's copies."""
    local = {key: str(worker_copy(**item)) for key, item in inputs.items()}
    values = json.loads(config.to_json())
    for key in ("data_source", "geojson"):
        if values.get(key) and key in local:
            values[key] = local[key]
    config = RunConfig.from_json(json.dumps(values))
    if spec is not None:
        spec = dict(spec)
        if "notebook" in local:
            spec["notebook"] = local["notebook"]
        spec["local_parameters"] = {
            k: v for k, v in local.items() if k in FILE_PARAMETERS and k in spec["parameters"]
        }
    return spec, config


def _check_installation(expected: dict) -> None:
    """Refuse to run where the library or the bundled data differ from the client's."""
    from analysis.build.cache import library_fingerprint

    mine = library_fingerprint()
    if expected.get("library") and expected["library"] != mine:
        raise RuntimeError(
            f"this worker's analysis library ({mine}) is not the client's "
            f"({expected['library']}): install the same version on every worker"
        )
    for name, sha in (expected.get("bundled") or {}).items():
        path = bundled_path(name)
        got = _sha256(path.read_bytes()) if path.is_file() else None
        if got != sha:
            state = "is missing" if got is None else "differs from the client's"
            raise RuntimeError(
                f"this worker's bundled data file {name} {state}: install the same version of "
                "the workbook (with its data) on every worker"
            )


def _warm_remote(config_json: str, env: dict[str, str], inputs: dict, expected: dict) -> float:
    """`warm_worker` on a dask worker, with the caller's settings and inputs."""
    os.environ.update(env)
    _check_installation(expected)
    _, config = _localise(None, RunConfig.from_json(config_json), inputs)
    return warm_worker(config)


def _run_remote(spec: dict, config_json: str, env: dict[str, str], inputs: dict,
                expected: dict) -> dict:  # fmt: skip
    """`run_job` on a dask worker, in a folder of its own; return the record and the files."""
    os.environ.update(env)
    _check_installation(expected)
    spec, config = _localise(spec, RunConfig.from_json(config_json), inputs)
    out_dir = Path(tempfile.mkdtemp(prefix=f"bpwb-report-{spec['slug']}-"))
    try:
        spec["out_dir"] = str(out_dir)
        record = run_job(spec, config)
        record["payload"] = {
            name: (out_dir / name).read_bytes()
            for name in (record.get("files") or {}).values()
            if (out_dir / name).is_file()
        }
        return record
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


# -- on the client ---------------------------------------------------------------------------------
def bundled_path(name: str) -> Path:
    """A bundled data file by its path relative to the data folder."""
    from analysis.core import paths

    return paths.data_dir() / name


def bundled_checksums() -> dict[str, str]:
    """SHA-256 of the bundled data files the reports read, by path relative to the data folder."""
    from analysis.core import paths

    files = [paths.default_summary(), paths.synthetic_dir() / "summary-2025.csv",
             paths.default_households()]  # fmt: skip
    out = {}
    for path in files:
        if path.is_file():
            out[str(path.relative_to(paths.data_dir()))] = _sha256(path.read_bytes())
    return out


def _describe(path: Path) -> dict:
    data = path.read_bytes()
    return {"name": path.name, "sha256": _sha256(data), "mtime": path.stat().st_mtime,
            "data": data}  # fmt: skip


def input_files(spec: dict | None, config: RunConfig) -> dict[str, dict]:
    """The client's files a job reads: its notebook and the files its parameters name.

    Parameters
    ----------
    spec : dict or None
        A report (its ``notebook`` and ``parameters``); None for the run's own files only.
    config : RunConfig
        The run (``data_source`` and ``geojson`` for the warm-up).

    Returns
    -------
    dict
        ``notebook``, ``data_source``, ``geojson`` (those present) to ``{"name", "sha256",
        "mtime", "data"}`` (`worker_copy`'s arguments).
    """
    named = {"data_source": config.data_source, "geojson": config.geojson}
    if spec is not None:
        named.update({k: spec["parameters"][k] for k in FILE_PARAMETERS if k in spec["parameters"]})
        named["notebook"] = spec["notebook"]
    out = {}
    for key, value in named.items():
        if isinstance(value, str | os.PathLike) and str(value) and Path(value).is_file():
            out[key] = _describe(Path(value))
    return out


def receive(folder: Path, spec: dict, record: dict) -> dict:
    """Write the files a worker returned into the client's reports folder.

    Parameters
    ----------
    folder : Path
        The client's reports folder.
    spec : dict
        The report.
    record : dict
        The worker's record, with ``payload`` (file name to bytes).

    Returns
    -------
    dict
        The record without its payload, ``files`` naming only what was written.

    Raises
    ------
    ValueError
        A returned file name that is not one of this report's files (``<slug>.<ext>``).
    """
    payload = record.pop("payload", None) or {}
    slug = spec["slug"]
    if record.get("status") != "ok":
        remove_reports(folder, slug)  # never an out-of-date report beside a failure
    for name in payload:
        if Path(name).name != name or not name.startswith(f"{slug}.") or "/" in name:
            raise ValueError(f"a dask worker returned a file {name!r} for report {slug!r}")
    for name, data in payload.items():
        atomic_write(folder / name, data)
    record["files"] = {k: v for k, v in (record.get("files") or {}).items() if v in payload}
    return record


def run_dask(specs: list[dict], config: RunConfig) -> Iterator[tuple[dict, dict]]:
    """Run reports on a dask.distributed cluster; yield ``(spec, record)`` as they finish.

    Parameters
    ----------
    specs : list of dict
        The reports (see `analysis.build.task`); their ``out_dir`` is the client's folder,
        where the returned files are written.
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
    from analysis.build.cache import library_fingerprint

    scheduler = config.scheduler
    if scheduler is None:
        scheduler = os.environ.get("DASK_SCHEDULER_ADDRESS")
    if scheduler is None:
        raise ValueError("executor='dask' needs scheduler= (an address like 'tcp://host:8786')")
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        env = _batch_env()
        config_json = config.to_json()
        expected = {"library": library_fingerprint()}
        if not config.data_source:
            expected["bundled"] = bundled_checksums()
        # Warm every worker first (imports, preload on its copy of the data), so that each
        # report is a fork of a warm process as with the local executor; run_job warms a
        # worker that joins later.
        client.run(_warm_remote, config_json, env, input_files(None, config), expected)
        scattered: dict[str, object] = {}  # sha256 -> future of the bytes, sent once

        def remote_inputs(spec: dict) -> dict:
            out = {}
            for key, item in input_files(spec, config).items():
                data = item.pop("data")
                if item["sha256"] not in scattered:
                    scattered[item["sha256"]] = client.scatter(data, hash=False)
                out[key] = {**item, "data": scattered[item["sha256"]]}
            return out

        futures = {
            client.submit(
                _run_remote, spec, config_json, env, remote_inputs(spec), expected, pure=False
            ): spec
            for spec in specs
        }
        for fut in as_completed(futures):
            spec = futures[fut]
            folder = Path(spec["out_dir"])
            try:
                record = fut.result()
            except Exception as exc:
                remove_reports(folder, spec["slug"])
                yield spec, {"status": "failed", "error": f"dask task failed: {exc!r}",
                             "timings": {}, "files": {}}  # fmt: skip
                continue
            try:
                yield spec, receive(folder, spec, record)
            except (OSError, ValueError) as exc:
                remove_reports(folder, spec["slug"])
                yield spec, {"status": "failed", "error": f"report files not written: {exc}",
                             "timings": record.get("timings", {}), "files": {}}  # fmt: skip
    finally:
        if client is not scheduler:
            with contextlib.suppress(Exception):
                client.close()
