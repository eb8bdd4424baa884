"""The project's data files: provenance, checksums, and the bundled synthetic dataset.

``data/manifest.csv`` records for every file under ``data/`` its source, date, licence, whether it
is synthetic, and its SHA-256. Files are read-only: an update is a new file with a new manifest
row, never an overwrite. Generated files (the synthetic household panel) are re-created by the
set-up step from their seed and must reproduce the recorded checksum byte for byte.
"""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path

import pandas as pd

from analysis.core import paths
from analysis.core.errors import WorkbookError

MANIFEST_COLUMNS = [
    "path",
    "description",
    "source",
    "date",
    "licence",
    "synthetic",
    "generated_by",
    "sha256",
]


class DataIntegrityError(WorkbookError, RuntimeError):
    """A data file is missing or differs from its recorded checksum."""


def sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def load_manifest() -> pd.DataFrame:
    """Read ``data/manifest.csv`` (all columns as strings)."""
    return pd.read_csv(paths.manifest_path(), dtype=str, keep_default_na=False)


def check(manifest: pd.DataFrame | None = None) -> list[str]:
    """Compare every file with its recorded checksum.

    Returns
    -------
    list of str
        One message per missing or changed file; empty when all match.
    """
    manifest = load_manifest() if manifest is None else manifest
    problems = []
    for _, row in manifest.iterrows():
        path = paths.data_dir() / row["path"]
        if not path.exists():
            problems.append(f"data/{row['path']}: missing")
        elif sha256(path) != row["sha256"]:
            problems.append(
                f"data/{row['path']}: checksum differs from data/manifest.csv "
                f"(recorded {row['sha256'][:12]}…, found {sha256(path)[:12]}…); data files are "
                "read-only: add a new file and a manifest row instead of overwriting"
            )
    return problems


# Writers a manifest row's ``generated_by`` may name; each is called with ``data/synthetic/``
# and writes all the files of its bundle (the committed ones with the same bytes).
GENERATORS = (
    "analysis.bundled.synthetic.write_bundled",
    "analysis.bundled.synthetic_extended.write_bundled_2025",
)


def ensure() -> list[Path]:
    """Generate missing generated files, then verify every checksum.

    A missing file is re-made by the writer its manifest row names (``generated_by``, one of
    ``GENERATORS``); a writer runs once however many of its files are missing, and writers whose
    files are all present do not run.

    Returns
    -------
    list of Path
        Files that were generated now.

    Raises
    ------
    DataIntegrityError
        If a missing file has no known writer, or if any file is missing or differs from the
        manifest after generation.
    """
    manifest = load_manifest()
    made: list[Path] = []
    pending = manifest[manifest["generated_by"] != ""]
    missing = [r for _, r in pending.iterrows() if not (paths.data_dir() / r["path"]).exists()]
    writers = list(dict.fromkeys(r["generated_by"] for r in missing))
    unknown = [w for w in writers if w not in GENERATORS]
    if unknown:
        raise DataIntegrityError(
            f"data/manifest.csv names an unknown generator {unknown[0]!r} (known: "
            f"{', '.join(GENERATORS)})"
        )
    for writer in writers:
        module, name = writer.rsplit(".", 1)
        write = getattr(importlib.import_module(module), name)
        made.extend(write(paths.synthetic_dir()).values())
    problems = check(manifest)
    if problems:
        raise DataIntegrityError("data check failed:\n  " + "\n  ".join(problems))
    return made


def record(path: str | Path, **fields: str) -> None:
    """Add or update a file's manifest row with its current checksum (maintainers only)."""
    path = Path(path).resolve()
    rel = path.relative_to(paths.data_dir()).as_posix()
    manifest = (
        load_manifest()
        if paths.manifest_path().exists()
        else pd.DataFrame(columns=MANIFEST_COLUMNS)
    )
    row = {c: "" for c in MANIFEST_COLUMNS}
    if rel in set(manifest["path"]):
        row.update(manifest.loc[manifest["path"] == rel].iloc[0].to_dict())
        manifest = manifest[manifest["path"] != rel]
    row.update(fields)
    row["path"] = rel
    row["sha256"] = sha256(path)
    manifest = pd.concat([manifest, pd.DataFrame([row])], ignore_index=True)
    manifest.sort_values("path").to_csv(paths.manifest_path(), index=False, lineterminator="\n")


def load_published(scope: str | None = None) -> pd.DataFrame:
    """Real published figures with their sources (``data/published/published-figures.csv``).

    Parameters
    ----------
    scope : {"province", "district", "commune", "national", "region"}, optional
        Keep one scope only.
    """
    frame = pd.read_csv(
        paths.published_dir() / "published-figures.csv",
        dtype={"area_code": str, "review_year": "Int64", "source_date": str},
        keep_default_na=False,
        na_values={"review_year": [""]},
    )
    frame["value"] = frame["value"].astype(float)
    if scope is not None:
        frame = frame[frame["scope"] == scope].reset_index(drop=True)
    return frame
