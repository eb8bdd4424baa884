"""The indicators the projection stage can project, read from ``indicators.csv`` beside this file.

``src/analysis/projection/indicators.csv`` has one row per indicator (not to be confused with
``data/standards/indicators.csv``, the deprivation indicators of the poverty standards). It is
read once, when this module is imported, into `INDICATORS` (code -> `Indicator`). Columns:

``name``
    Indicator code, unique (``poor_households``, ``poverty_rate_pct``...).
``kind``
    ``stock``, ``rate``, ``flow``, ``change``, ``coverage``, ``count``, ``ratio`` or ``spread``:
    how the yearly series is computed from the summary (see :mod:`analysis.projection.series`).
``better``
    ``lower`` or ``higher``: which direction is progress.
``log``
    ``true`` or ``false``: fit OLS and ETS on the log scale (strictly positive level-type series).
``lower``, ``upper``
    Numbers the projections are clipped to; empty for no bound.
``rebase_scales``
    ``true`` or ``false``: whether a re-basing factor for a new poverty line applies to the values.
``flow_prefix``
    ``poor`` or ``em_poor`` when the flow model can produce the indicator (and the population whose
    summary columns the series is made of); empty otherwise.
``flow_output``
    Which flow-model quantity the indicator is (``stock``, ``rate``, ``reduction``, ``escaped``,
    ``repoverty``, ``new``, ``change``); empty when ``flow_prefix`` is.
``base_column``
    Summary column whose size at the start of the segment decides "too little data" for a
    target (:mod:`analysis.projection.status`); empty for none.
``district``
    ``true`` or ``false``: whether the indicator is meaningful for one district (the spread of
    district rates is province-only).
``unit``
    Unit for reports (``households``, ``%``, ``points``, ``communes``, ``ratio``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

INDICATORS_CSV = Path(__file__).resolve().parent / "indicators.csv"
KINDS = ("stock", "rate", "flow", "change", "coverage", "count", "ratio", "spread")
COLUMNS = (
    "name",
    "kind",
    "better",
    "log",
    "lower",
    "upper",
    "rebase_scales",
    "flow_prefix",
    "flow_output",
    "base_column",
    "district",
    "unit",
)


@dataclass(frozen=True)
class Indicator:
    """What an indicator is and how it is modelled (one row of ``indicators.csv``).

    Attributes
    ----------
    name : str
        Indicator code (key of `INDICATORS`).
    kind : str
        ``stock``, ``rate``, ``flow``, ``change``, ``coverage``, ``count``, ``ratio`` or ``spread``.
    better : str
        ``"lower"`` or ``"higher"``: which direction is progress.
    log : bool
        Fit OLS/ETS on the log scale (strictly positive level-type series).
    lower, upper : float or None
        Bounds the projections are clipped to.
    rebase_scales : bool
        Whether a re-basing factor for a new poverty line applies to the values.
    flow_prefix : str or None
        ``poor`` or ``em_poor`` when the flow model can produce the indicator.
    flow_output : str or None
        Which flow-model quantity the indicator is (``stock``, ``rate``, ``reduction``,
        ``escaped``, ``repoverty``, ``new``, ``change``).
    base_column : str or None
        Summary column whose size at the start of the segment decides "too little data".
    district : bool
        Whether the indicator is meaningful for one district (the spread is province-only).
    unit : str
        Unit for reports.
    """

    name: str
    kind: str
    better: str
    log: bool
    lower: float | None
    upper: float | None
    rebase_scales: bool
    flow_prefix: str | None
    flow_output: str | None
    base_column: str | None
    district: bool = True
    unit: str = "households"


def _flag(text: str, column: str, name: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"indicators.csv: {column} of {name} must be true or false, not {text!r}")
    return text == "true"


def _bound(text: str) -> float | None:
    return float(text) if text else None


def _indicator(row: dict[str, str]) -> Indicator:
    name = row["name"]
    if row["kind"] not in KINDS:
        raise ValueError(f"indicators.csv: unknown kind {row['kind']!r} of {name}")
    if row["better"] not in ("lower", "higher"):
        raise ValueError(f"indicators.csv: better of {name} must be lower or higher")
    return Indicator(
        name=name,
        kind=row["kind"],
        better=row["better"],
        log=_flag(row["log"], "log", name),
        lower=_bound(row["lower"]),
        upper=_bound(row["upper"]),
        rebase_scales=_flag(row["rebase_scales"], "rebase_scales", name),
        flow_prefix=row["flow_prefix"] or None,
        flow_output=row["flow_output"] or None,
        base_column=row["base_column"] or None,
        district=_flag(row["district"], "district", name),
        unit=row["unit"],
    )


def read_indicators(path: str | Path = INDICATORS_CSV) -> dict[str, Indicator]:
    """Read and check an indicator definitions file.

    Parameters
    ----------
    path : str or pathlib.Path
        A CSV with the columns `COLUMNS` (default: the bundled ``indicators.csv``).

    Returns
    -------
    dict
        Indicator code -> `Indicator`, in file order.

    Raises
    ------
    ValueError
        Missing columns, an unknown kind, a malformed flag or bound, a duplicate code.
    """
    with Path(path).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{Path(path).name} lacks the columns {missing}")
        out: dict[str, Indicator] = {}
        for row in reader:
            ind = _indicator({c: (row[c] or "").strip() for c in COLUMNS})
            if ind.name in out:
                raise ValueError(f"{Path(path).name}: indicator {ind.name} defined twice")
            out[ind.name] = ind
    return out


INDICATORS: dict[str, Indicator] = read_indicators()


def get_indicator(indicator: str) -> Indicator:
    """Look up an indicator.

    Parameters
    ----------
    indicator : str
        A key of `INDICATORS`.

    Returns
    -------
    Indicator

    Raises
    ------
    ValueError
        ``unknown indicator`` with the known codes.
    """
    try:
        return INDICATORS[indicator]
    except KeyError:
        raise ValueError(
            f"unknown indicator {indicator!r}; known: {', '.join(sorted(INDICATORS))}"
        ) from None
