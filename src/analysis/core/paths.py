"""The one place that knows where the project's folders are.

Every other module asks this one for a path; nothing else joins folder names by hand.
The repository root is found from this file's location (``src/analysis/core/paths.py``) and can be
overridden with the ``BPWB_ROOT`` environment variable (tests use it to point at a fixture tree).
"""

from __future__ import annotations

import os
from pathlib import Path

_DEFAULT_ROOT = Path(__file__).resolve().parents[3]


def root() -> Path:
    """Return the project root (``BPWB_ROOT`` if set)."""
    env = os.environ.get("BPWB_ROOT")
    return Path(env).resolve() if env else _DEFAULT_ROOT


def data_dir() -> Path:
    """Return ``data/``."""
    return root() / "data"


def reference_dir(province: str | None = None) -> Path:
    """Return the reference folder of one province (``data/reference/<province>``).

    The province defaults to ``BPWB_PROVINCE`` if set, else the bundled ``binh-phuoc``; another
    province is another reference folder, with no code change.
    """
    return data_dir() / "reference" / (province or os.environ.get("BPWB_PROVINCE", "binh-phuoc"))


def standards_dir() -> Path:
    """Return ``data/standards/`` (poverty standards and indicators)."""
    return data_dir() / "standards"


def published_dir() -> Path:
    """Return ``data/published/`` (real published figures with sources)."""
    return data_dir() / "published"


def synthetic_dir() -> Path:
    """Return ``data/synthetic/`` (the seeded synthetic dataset)."""
    return data_dir() / "synthetic"


def targets_dir() -> Path:
    """Return ``data/targets/`` (plan targets and district allocations)."""
    return data_dir() / "targets"


def manifest_path() -> Path:
    """Return the data manifest (source, date, licence, checksum of each data file)."""
    return data_dir() / "manifest.csv"


def default_households() -> Path:
    """Return the bundled synthetic household panel."""
    return synthetic_dir() / "households.parquet"


def default_summary() -> Path:
    """Return the bundled synthetic area-year summary table."""
    return synthetic_dir() / "summary.csv"


def notebooks_dir() -> Path:
    """Return ``notebooks/``."""
    return root() / "notebooks"


def reports_dir() -> Path:
    """Return ``reports/`` (``BPWB_REPORTS`` overrides it, e.g. for tests)."""
    env = os.environ.get("BPWB_REPORTS")
    return Path(env).resolve() if env else root() / "reports"


def templates_dir() -> Path:
    """Return the package's templates folder (HTML report template, CSS)."""
    return Path(__file__).resolve().parents[1] / "build" / "templates"
