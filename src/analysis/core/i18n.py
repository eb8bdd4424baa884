"""User-visible words in Vietnamese (default) and English, read from data files.

Every label, title, axis unit, legend entry and text-alternative template shown to a reader lives
in ``src/analysis/core/locale/labels.csv`` (columns ``key,vi,en``); indicator names come from
``data/standards/indicators.csv`` (``name_vi``, ``name_en``). A translation fix is a data edit,
never a code change.

Examples
--------
>>> label("series.poor")
'Hộ nghèo'
>>> label("series.poor", "en")
'Poor households'
>>> status_name("needs acceleration")
'Cần tăng tốc'
"""

from __future__ import annotations

import csv
import unicodedata
from functools import lru_cache
from pathlib import Path

from analysis.core import paths

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LABELS_PATH = LOCALE_DIR / "labels.csv"

# Accepted spellings of the progress statuses -> canonical code (the label key suffix).
_STATUS_ALIASES = {
    "on_track": "on_track",
    "needs_acceleration": "needs_acceleration",
    "need_acceleration": "needs_acceleration",
    "accelerate": "needs_acceleration",
    "off_track": "off_track",
    "regressing": "regressing",
    "regression": "regressing",
    "too_little_data": "too_little_data",
    "insufficient_data": "too_little_data",
    "no_data": "too_little_data",
    "achieved": "achieved",
    "met": "achieved",
    "not_achieved": "not_achieved",
    "missed": "not_achieved",
    "unattainable": "unattainable",
    "not_applicable": "not_applicable",
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported report language.

    Raises
    ------
    ValueError
        Naming the supported languages.
    """
    if lang not in LANGS:
        raise ValueError(f"language must be one of {list(LANGS)}, not {lang!r}")
    return lang


@lru_cache(maxsize=8)
def read_table(path: str | Path) -> dict[str, dict[str, str]]:
    """Read a ``key,vi,en`` file into ``{key: {"vi": ..., "en": ...}}`` (cached, NFC).

    Parameters
    ----------
    path : str or Path
        A UTF-8 CSV file with a header ``key,vi,en``.

    Raises
    ------
    ValueError
        If a key repeats or the header is wrong.
    """
    path = Path(path)
    table: dict[str, dict[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or list(reader.fieldnames)[:3] != ["key", *LANGS]:
            raise ValueError(f"{path.name}: header must be 'key,vi,en', not {reader.fieldnames}")
        for row in reader:
            key = (row["key"] or "").strip()
            if not key:
                continue
            if key in table:
                raise ValueError(f"{path.name}: key {key!r} appears twice")
            table[key] = {lang: unicodedata.normalize("NFC", row.get(lang) or "") for lang in LANGS}
    return table


def labels() -> dict[str, dict[str, str]]:
    """All labels of ``labels.csv`` as ``{key: {"vi": ..., "en": ...}}``."""
    return read_table(LABELS_PATH)


def lookup(table: dict[str, dict[str, str]], key: str, lang: str, source: str) -> str:
    """Look a key up in a ``read_table`` result, with errors that name the key and file."""
    check_lang(lang)
    try:
        text = table[key][lang]
    except KeyError:
        raise KeyError(f"no label {key!r} in {source}") from None
    if not text:
        raise KeyError(f"label {key!r} has no {lang!r} text in {source}")
    return text


def label(key: str, lang: str = DEFAULT_LANG, **fields) -> str:
    """Return the label ``key`` in ``lang``, filled with ``fields`` (``str.format``) if given.

    Parameters
    ----------
    key : str
        A key of ``labels.csv``, e.g. ``"series.poor"``.
    lang : {"vi", "en"}
    **fields
        Values for ``{placeholders}`` in the label.

    Raises
    ------
    KeyError
        Naming the key when it is missing (or empty in that language).
    """
    text = lookup(labels(), key, lang, LABELS_PATH.name)
    return text.format(**fields) if fields else text


@lru_cache(maxsize=2)
def _indicators(folder: str) -> list[dict[str, str]]:
    with (Path(folder) / "indicators.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def indicator_name(code: str, lang: str = DEFAULT_LANG, standard: str | None = None) -> str:
    """Name of a deprivation indicator, from ``data/standards/indicators.csv``.

    Parameters
    ----------
    code : str
        Indicator code (``"health_insurance"``); a ``dep_`` prefix is accepted.
    lang : {"vi", "en"}
    standard : str, optional
        Standard code (``"ND07_2021"``). Names can differ slightly between standards; by default
        the most recent standard that has the indicator gives the name.

    Raises
    ------
    KeyError
        If the indicator is unknown (for that standard).
    """
    check_lang(lang)
    code = code.removeprefix("dep_")
    rows = [r for r in _indicators(str(paths.standards_dir())) if r["indicator"] == code]
    if standard is not None:
        rows = [r for r in rows if r["standard"] == standard]
    if not rows:
        where = f" of standard {standard}" if standard else ""
        raise KeyError(f"unknown indicator {code!r}{where} in indicators.csv")
    return unicodedata.normalize("NFC", rows[-1][f"name_{lang}"])


def is_indicator(code: str) -> bool:
    """Whether ``code`` (with or without ``dep_``) is a known indicator code."""
    code = str(code).removeprefix("dep_")
    return any(r["indicator"] == code for r in _indicators(str(paths.standards_dir())))


def dimension_order() -> list[str]:
    """Dimension codes in the order they first appear in ``indicators.csv`` (newest standard)."""
    rows = _indicators(str(paths.standards_dir()))
    last = rows[-1]["standard"] if rows else None
    out: list[str] = []
    for r in [r for r in rows if r["standard"] == last] + rows:
        if r["dimension"] not in out:
            out.append(r["dimension"])
    return out


def dimension_name(code: str, lang: str = DEFAULT_LANG) -> str:
    """Name of a deprivation dimension (``"water_sanitation"`` -> ``"Nước sinh hoạt và vệ sinh"``)."""
    return label(f"dimension.{code}", lang)


def zone_name(zone: str, lang: str = DEFAULT_LANG) -> str:
    """Name of a zone: ``urban`` -> ``"Thành thị"``, ``rural`` -> ``"Nông thôn"``, ``total``."""
    return label(f"zone.{str(zone).strip().lower()}", lang)


def status_code(status: str) -> str:
    """Canonical code of a progress status written in any accepted way.

    ``"On track"``, ``"on-track"`` and ``"on_track"`` all give ``"on_track"``; ``"too little
    data"`` and ``"insufficient_data"`` give ``"too_little_data"``.

    Raises
    ------
    KeyError
        Naming the status and the accepted codes.
    """
    key = "_".join(str(status).strip().lower().replace("-", " ").split())
    try:
        return _STATUS_ALIASES[key]
    except KeyError:
        codes = sorted(set(_STATUS_ALIASES.values()))
        raise KeyError(f"unknown progress status {status!r}; expected one of {codes}") from None


def status_name(status: str, lang: str = DEFAULT_LANG) -> str:
    """Name of a progress status.

    Parameters
    ----------
    status : str
        ``on_track``, ``needs_acceleration``, ``off_track``, ``regressing`` or
        ``too_little_data`` (spaces, hyphens and case are tolerated).
    lang : {"vi", "en"}

    Examples
    --------
    >>> status_name("off_track"), status_name("too little data", "en")
    ('Chậm tiến độ', 'Too little data')
    """
    return label(f"status.{status_code(status)}", lang)


def standard_label(code: str, lang: str = DEFAULT_LANG, short: bool = True) -> str:
    """Name of a poverty standard: short (``"NĐ 07/2021"``) or full."""
    return label(f"standard.{code}.{'short' if short else 'full'}", lang)
