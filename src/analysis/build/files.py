"""Atomic file writes: a reader never sees half a file.

Every file under ``reports/`` is written under a temporary name in the same folder (see
`tmp_name`, suffix `TMP_SUFFIX`) and renamed into place with ``os.replace``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

#: Suffix of files being written (cleaned up after a crash).
TMP_SUFFIX = ".tmp"


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
