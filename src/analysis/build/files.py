"""The files of a reports folder: their names, atomic writes, the folder lock, cleanup after a failure.

A reports folder (``reports/<year>/<lang>``) holds, per report ``<slug>``: ``.ipynb``, ``.html``,
``.pdf``, ``.xlsx`` and ``.log`` (`report_files`); and `INDEX_NAME`, `MANIFEST_NAME` and, while a
batch writes it, `LOCK_NAME`.

* Every file is written under a temporary name in the same folder (`tmp_name`, suffix
  `TMP_SUFFIX`) and renamed into place with ``os.replace``: a reader never sees half a file.
* One batch at a time writes a folder (`FolderLock`, ``flock``).
* A failed report leaves no HTML/PDF/xlsx beside its failure, and no temporary file
  (`discard_outputs`); its partial log is kept with the reason appended (`salvage_log`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from analysis.build.config import FORMATS
from analysis.core.errors import WorkbookError
from analysis.core.messages import Message

#: Suffix of files being written (cleaned up after a crash).
TMP_SUFFIX = ".tmp"
MANIFEST_NAME = "manifest.json"
INDEX_NAME = "index.html"
LOCK_NAME = ".lock"


class BatchLockedError(WorkbookError, RuntimeError):
    """Another batch is writing the same reports folder."""


def tmp_name(target: Path, tag: str | int | None = None) -> Path:
    """The temporary name of ``target`` while it is written: ``.<name>.<tag>.tmp`` beside it.

    ``tag`` defaults to the writing process id, so a crashed writer's leftovers can be told apart.
    """
    tag = os.getpid() if tag is None else tag
    return target.with_name(f".{target.name}.{tag}{TMP_SUFFIX}")


def atomic_write(target: Path, data: bytes | str) -> None:
    """Write a file under a temporary name in the same folder, then rename it into place.

    Parameters
    ----------
    target : Path
        Final path.
    data : bytes or str
        Content (str is written as UTF-8).
    """
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def report_files(out_dir: Path, slug: str, formats: Sequence[str]) -> dict[str, Path]:
    """The files of one report: format (``ipynb``, ``log`` and ``formats``) to path."""
    files = {"ipynb": out_dir / f"{slug}.ipynb", "log": out_dir / f"{slug}.log"}
    files.update({fmt: out_dir / f"{slug}.{fmt}" for fmt in formats})
    return files


def remove_reports(out_dir: Path, slug: str) -> None:
    """Remove the HTML, PDF and xlsx of a report (never an out-of-date report beside a failure)."""
    for fmt in FORMATS:
        with contextlib.suppress(FileNotFoundError):
            (out_dir / f"{slug}.{fmt}").unlink()


def discard_outputs(
    out_dir: Path, slug: str, why: str | None = None, pid: int | None = None
) -> bool:
    """Clean up after a report whose process died.

    Parameters
    ----------
    out_dir : Path
        The reports folder.
    slug : str
        The report.
    why : str, optional
        Reason of the failure: a partial log (of process ``pid`` if given) is kept, with the
        reason appended; without it every temporary file of the report is removed.
    pid : int, optional
        The report process (its temporary log carries its pid).

    Returns
    -------
    bool
        True if a partial log was kept as ``<slug>.log``.
    """
    remove_reports(out_dir, slug)
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


def salvage_log(pid: int, log_target: Path, why: str) -> None:
    """Keep the partial log of a report process ``pid`` that died, with the reason appended."""
    tmp = tmp_name(log_target, pid)
    if not tmp.exists():
        return
    with open(tmp, "a", encoding="utf-8") as fh:
        fh.write(f"\n--- failed: {why}\n")
    os.replace(tmp, log_target)


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
                    folder, holder = self.path.parent, self._holder()
                    raise BatchLockedError(
                        Message("build.locked", folder=folder, holder=holder)
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
