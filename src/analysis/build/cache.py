"""What a report depends on (its cache key) and what a folder holds (its manifest).

Reports whose inputs did not change are skipped. The cache key hashes: the data files (all files
under ``paths.data_dir()`` plus any parameter naming an existing file, or the run's
``data_files``), the notebook file, the library (``analysis.__version__`` and the sources and
templates of ``src/analysis``: `library_fingerprint`) and the parameters.

The manifest (``manifest.json`` in each reports folder) records per report: the cache key and
its parts, status, files, timing split; and the last batch.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis import __version__
from analysis.build.files import MANIFEST_NAME
from analysis.build.jobs import ReportJob, ReportResult

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


def tree_files(folder: Path, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    """Files under ``folder``, sorted, without hidden files and ``__pycache__``.

    Parameters
    ----------
    folder : Path
        The folder (none is fine: no files).
    suffixes : tuple of str, optional
        Keep only files with these suffixes (``".py"``...).

    Returns
    -------
    list of Path
    """
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
    for p in tree_files(package, (".py", ".j2", ".css", ".json", ".html")):
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

    Parameters
    ----------
    job : ReportJob
        The report (its notebook enters the key).
    parameters : dict
        The parameters it runs with.
    data_files : list of Path
        The run's data files.
    library : str
        `library_fingerprint`.

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


# -- the manifest ---------------------------------------------------------------------------------
def now() -> str:
    """The current time, UTC, to the second (ISO 8601), as the manifest records it."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def dumps(obj: Any) -> str:
    """JSON as the manifest is written (UTF-8 text, indented, one final newline)."""
    return json.dumps(obj, ensure_ascii=False, indent=1, default=str) + "\n"


def load_manifest(folder: Path, year: int, lang: str) -> dict:
    """The manifest of a reports folder, or an empty one (none yet, or unreadable).

    Parameters
    ----------
    folder : Path
        The reports folder.
    year : int
    lang : str

    Returns
    -------
    dict
        ``{"schema": 1, "year", "lang", "reports": {slug: entry}, "last_batch"}``.
    """
    path = folder / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest.get("schema") == 1:
            return manifest
    except (OSError, ValueError):
        pass
    return {"schema": 1, "year": year, "lang": lang, "reports": {}, "last_batch": None}


def is_current(entry: dict | None, key: str, formats: Sequence[str], folder: Path) -> bool:
    """Whether a manifest entry is a finished report of cache key ``key`` with all its files.

    Parameters
    ----------
    entry : dict or None
        The report's manifest entry.
    key : str
        The report's cache key now.
    formats : sequence of str
        Formats the batch produces.
    folder : Path
        The reports folder.

    Returns
    -------
    bool
    """
    if not entry or entry.get("status") != "ok" or entry.get("key") != key:
        return False
    files = entry.get("files", {})
    return all(fmt in files and (folder / files[fmt]).is_file() for fmt in ("ipynb", *formats))


def manifest_entry(spec: dict, result: ReportResult) -> dict:
    """The manifest entry of a report just run.

    Parameters
    ----------
    spec : dict
        The report's task (``area_name``, ``notebook``, ``parameters``, ``engine``, ``key``).
    result : ReportResult
        What happened.

    Returns
    -------
    dict
        The result's fields, plus the task's and ``key_parts`` and ``finished_at``; the key only
        for a report that succeeded (a failure is never current).
    """
    entry = asdict(result)
    entry.update({
        "area_name": spec["area_name"], "notebook": spec["notebook"],
        "parameters": spec["parameters"], "engine": spec["engine"],
        "key": spec["key"]["key"] if result.status == "ok" else None,
        "key_parts": spec["key"]["parts"], "finished_at": now(),
    })  # fmt: skip
    return entry
