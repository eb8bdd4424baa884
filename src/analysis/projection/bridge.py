"""Bridge between poverty standards: 2027-2030 projections on the NĐ 351/2025 basis.

Projections are fitted on the latest standard segment (NĐ 07/2021, reviews 2022-2024 in the
bundled data) and, without more, continue on that basis past 2027, when Decree 351/2025 governs
the review with higher lines and another indicator set. A 2030 value on the NĐ 07 basis cannot be
compared with anything measured in 2030. This module builds the bridge from household records.

Bridge factors (`estimate_bridge`, `bridge_factors`)
----------------------------------------------------
The households of the latest review are classified twice with
:func:`analysis.reference.standards.classify`: under the review year's own standard (the *from*
standard) and under the target standard (``ND351_2025``), both on the same incomes, and counted
per district (commune -> district from :func:`analysis.reference.geography.load_geography`) and
for the province. For each stock and rate indicator of :mod:`analysis.projection.forecast` that
depends on the poverty line (poor, near-poor, poor plus near-poor, ethnic-minority poor
households; poverty rate; ethnic-minority poverty rate) the **factor** is the target-standard
value divided by the from-standard value of the same households. It converts a projected value on
the from basis into one on the target basis, for the same year.

Incomes are uprated (an assumption, kept in data)
    The NĐ 351 lines are nominal lines for the reviews of 2027-2030, while the latest incomes are
    those of an earlier review. Comparing 2024 incomes with 2027 lines would overstate poverty
    under the new standard; and a factor must compare the two standards *at the same date*,
    since it multiplies a projection that already contains the income growth to that date. So
    every household's income is multiplied by ``prod(1 + g_y)`` over the review years after its
    own up to the reference year (by default the target standard's first year, 2027), with
    ``g_y`` the ``nominal_income_growth`` of ``data/standards/bridge-assumptions.csv`` (7% a year,
    the national 2016-2024 average; an analyst can set it to 0), and **both** classifications use
    the uprated incomes. Growth is uniform across households, and deprivation flags stay as the
    latest review recorded them. ``value_review`` keeps the classification of the review itself
    (its own standard, its own incomes) for orientation.

Deprivation flags
    Both standards' ``d_<indicator>`` flags are required; NĐ 351 needs ``d_digital_services`` and
    ``d_waste``, which a review under NĐ 07 did not collect. A table without them (or with them
    entirely empty) raises `BridgeError` naming the columns: there is no honest default. The
    bundled synthetic households carry all 16 flags (see ``data/README.md``). The review's
    ``score_b`` is never used: it counts the from-standard's indicators only.

Uncertainty: a commune bootstrap, stratified by district (default)
    Each replicate draws, within every district, as many communes as it has (with records), with
    replacement (multinomial weights), and sums their counts; the province replicate is the sum of
    its districts' replicates. Communes, not households, are resampled because incomes and
    deprivations are correlated within a commune (local economy, infrastructure, and the
    commune steering committee that runs the review), so independent households would understate
    the uncertainty; and the factor is carried to future years in which the poor will sit in
    other proportions across communes, a variation that commune resampling expresses. With 6-16
    communes per district the percentile intervals are somewhat narrow (variance about
    ``(m - 1) / m`` of the true one), and a district with one commune gets no width.
    ``resample="household"`` gives the Poisson bootstrap (independent Poisson(1) weights per
    household); it is computed exactly and fast from cell counts, since a sum of independent
    Poisson(1) weights over ``n`` households is Poisson(``n``). Both are vectorised: a commune
    (or cell) by indicator count matrix is built once and each replicate is a matrix product, so
    the cost does not grow with the number of households.
    Not captured: the income-growth assumption, the unverified indicator cut-offs, the
    deprivation flags' own change after the review, and the change of the factor over the
    period.

One factor for 2027-2030, or one per year
    By default the factor is measured at the target standard's first year and held constant
    over its years. With fixed nominal lines and growing incomes, the lower line loses
    households faster than the higher one, so the true ratio tends to rise during the period
    (bundled 2024 households, 7% growth: about 6 at 2027, about 10 at 2030): a constant factor
    then understates the later NĐ 351 values. ``reference_year`` estimates the factor of any
    year, and `bridge_paths` accepts one set of draws per year.

Bridged paths (`bridge_paths`)
------------------------------
Simulated paths (``n_paths x years``) on the from basis are multiplied, for years from the target
standard's first year on, by one bootstrap replicate per path (drawn with its own seed,
independent of the paths; the same replicate for every year of a path, since the factor is a
level ratio and must not add year-to-year noise), which gives the median and the 80% and 95%
intervals on the new basis and says which basis each year is on (the point: the from-basis point
times the point factor). For stock and rate
indicators only: a flow into the first bridged year (2027 against 2026) crosses the change of
standard and has no meaning.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core import paths as project_paths
from analysis.core.errors import WorkbookError
from analysis.reference import standards
from analysis.reference.geography import Geography, load_geography
from analysis.reference.standards import Standard

PROVINCE = "province"  # area code of the province, as in analysis.projection.forecast
TARGET_STANDARD = "ND351_2025"
DEFAULT_BOOT = 2000
DEFAULT_SEED = 20211126
ASSUMPTIONS_FILE = "bridge-assumptions.csv"
MEASURES = (
    "poor_households", "near_poor_households", "poor_near_poor_households", "em_poor_households",
    "poverty_rate_pct", "em_poverty_rate_pct",
)  # fmt: skip
RESAMPLING = ("commune", "household")
# Base counts per commune: households, EM households, then (poor, near-poor, EM poor) under each
# of three classifications: the review's own (0), the from standard (1), the target standard (2).
_N_BASE = 2 + 3 * 3
_N_CELLS = 3 * 3 * 3 * 2  # review class x from class x target class x EM
_SCREENED_RULES = ("income_and_deprivations", "income_or_upper_with_deprivations")

COLUMNS = (
    "area_code", "area_name", "level", "measure", "year", "reference_year", "from_standard",
    "to_standard", "income_uprating", "households", "value_review", "value_from", "value_to",
    "factor", "lo80", "hi80", "lo95", "hi95", "undefined_share", "resample", "n_boot", "synthetic",
)  # fmt: skip


class BridgeError(WorkbookError, ValueError):
    """Household records that cannot be re-classified, or a bridge that cannot be applied."""


def load_bridge_assumptions(path: str | Path | None = None) -> pd.DataFrame:
    """Read the bridge's assumptions (``data/standards/bridge-assumptions.csv``).

    Parameters
    ----------
    path : str or Path, optional
        Another file with the same columns.

    Returns
    -------
    pandas.DataFrame
        ``year`` (int), ``nominal_income_growth`` (float: growth of nominal income per person in
        the year to that review), ``kind``, ``source``, ``note``.
    """
    path = Path(path) if path is not None else project_paths.standards_dir() / ASSUMPTIONS_FILE
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["year"] = frame["year"].astype(int)
    frame["nominal_income_growth"] = frame["nominal_income_growth"].astype(float)
    return frame


def income_uprating(year: int, reference_year: int, assumptions: pd.DataFrame | None = None):
    """Multiplier bringing incomes of review ``year`` to review ``reference_year``.

    Parameters
    ----------
    year, reference_year : int
        Review years; no uprating (1.0) when ``reference_year <= year``.
    assumptions : pandas.DataFrame, optional
        As returned by `load_bridge_assumptions` (read from ``data/`` by default).

    Returns
    -------
    float
        ``prod(1 + nominal_income_growth)`` over the years ``year + 1 .. reference_year``.

    Raises
    ------
    BridgeError
        If a year in that range has no growth in the assumptions.
    """
    table = load_bridge_assumptions() if assumptions is None else assumptions
    growth = dict(zip(table["year"].astype(int), table["nominal_income_growth"], strict=True))
    needed = range(int(year) + 1, int(reference_year) + 1)
    missing = [y for y in needed if y not in growth]
    if missing:
        raise BridgeError(
            f"data/standards/{ASSUMPTIONS_FILE} has no nominal_income_growth for "
            f"{', '.join(map(str, missing))}: add a row per year (0 for no uprating)"
        )
    return float(np.prod([1.0 + float(growth[y]) for y in needed]))


def _standard(code: str) -> Standard:
    for std in standards.load_standards():
        if std.code == code:
            return std
    known = ", ".join(s.code for s in standards.load_standards())
    raise BridgeError(f"unknown poverty standard {code!r} (known: {known})")


def _check_columns(frame: pd.DataFrame, year: int, source: Standard, target: Standard) -> None:
    base = ["commune_code", "zone", "income_pc", "ethnic_minority"]
    missing_base = [c for c in base if c not in frame]
    if missing_base:
        raise BridgeError(f"household records need columns: {', '.join(missing_base)}")
    if frame["income_pc"].isna().any():
        raise BridgeError(
            f"{int(frame['income_pc'].isna().sum())} households of {year} have no income_pc: "
            "re-classification under another standard needs income per person for every household"
        )
    for std in (source, target):
        flags = [f"d_{i}" for i in std.indicators]
        missing = [c for c in flags if c not in frame or frame[c].isna().all()]
        if missing:
            raise BridgeError(
                f"re-classifying the {year} households under {std.legal_ref} ({std.code}) needs "
                f"deprivation flags that the records lack: {', '.join(missing)}. Add them to the "
                "household list (x for deprived); without them the bridge cannot be estimated "
                "and projections stay on the basis of the latest review"
            )


def _class_codes(frame: pd.DataFrame, income: np.ndarray, std: Standard) -> np.ndarray:
    """0 poor, 1 near-poor, 2 not poor under ``std``, incomes ``income``.

    Households above every line of the standard (and its upper line) are not poor under both
    rules of ``standards.csv``; only the others are passed to `classify` (same result, faster).
    """
    codes = np.full(len(frame), 2, dtype=np.int8)
    lines = [v for d in (std.income_line, std.upper_line) for v in d.values() if v is not None]
    screen = (
        income <= max(lines) if std.rule in _SCREENED_RULES else np.ones(len(frame), dtype=bool)
    )
    if not screen.any():
        return codes
    cols = ["zone"] + [f"d_{i}" for i in std.indicators]
    sub = frame.loc[screen, cols]
    sub = sub.assign(income_pc=income[screen], zone=sub["zone"].astype(str))
    klass = standards.classify(sub, standard=std)
    lookup = np.array(
        [{standards.POOR: 0, standards.NEAR_POOR: 1}.get(c, 2) for c in klass.cat.categories],
        np.int8,
    )
    codes[screen] = lookup[klass.cat.codes.to_numpy()]
    return codes


def _positions(values: pd.Series, known: list[str]) -> np.ndarray:
    """Position of each value (as text) in ``known``; -1 if absent."""
    index = pd.Index(known)
    if isinstance(values.dtype, pd.CategoricalDtype):  # bundled data: map the few categories
        where = index.get_indexer(values.cat.categories.astype(str))
        codes = values.cat.codes.to_numpy()
        return np.where(codes >= 0, where[codes], -1)
    return index.get_indexer(values.astype(str))


def _cell_matrix() -> np.ndarray:
    """``_N_CELLS x _N_BASE`` indicator matrix from household cells to base counts."""
    r, f, t, e = (x.ravel() for x in np.indices((3, 3, 3, 2)))  # cell ((r*3 + f)*3 + t)*2 + e
    per_class = [x for c in (r, f, t) for x in (c == 0, c == 1, (c == 0) & (e == 1))]
    return np.stack([np.ones_like(r), e, *per_class], axis=1).astype(float)


def _measures(base: np.ndarray, b: int) -> np.ndarray:
    """The `MEASURES` (last axis) from base counts ``base[..., _N_BASE]`` of classification ``b``."""
    poor, near, em = (base[..., 2 + 3 * b + k] for k in range(3))
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(base[..., 0] > 0, 100.0 * poor / base[..., 0], np.nan)
        em_rate = np.where(base[..., 1] > 0, 100.0 * em / base[..., 1], np.nan)
    return np.stack([poor, near, poor + near, em, rate, em_rate], axis=-1)


def _factor(base: np.ndarray) -> np.ndarray:
    num, den = _measures(base, 2), _measures(base, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _replicates(counts, district, n_districts, n_boot, rng, resample) -> np.ndarray:
    """Bootstrap base counts, ``n_districts x n_boot x _N_BASE``."""
    a = _cell_matrix()
    out = np.zeros((n_districts, n_boot, _N_BASE))
    filled = counts.sum(axis=1) > 0
    for d in range(n_districts):
        idx = np.flatnonzero((district == d) & filled)
        if not len(idx):
            continue
        if resample == "commune":
            m = len(idx)
            weights = rng.multinomial(m, np.full(m, 1.0 / m), size=n_boot)
            out[d] = weights @ (counts[idx] @ a)
        else:
            cells = counts[idx].sum(axis=0)
            nz = np.flatnonzero(cells)  # empty cells stay empty: draw only the others
            out[d] = rng.poisson(cells[nz], size=(n_boot, len(nz))) @ a[nz]
    return out


@dataclass(frozen=True)
class Bridge:
    """Bridge factors with their bootstrap replicates.

    Attributes
    ----------
    table : pandas.DataFrame
        The table of `bridge_factors`.
    draws : numpy.ndarray
        Factor replicates, ``len(areas) x len(MEASURES) x n_boot`` (NaN where undefined).
    areas : tuple of str
        Area codes of the first axis (districts, then ``"province"``).
    """

    table: pd.DataFrame
    draws: np.ndarray
    areas: tuple

    def factor_draws(
        self, area_code: str, measure: str = "poor_households", dropna: bool = True
    ) -> np.ndarray:
        """Bootstrap replicates of one factor (undefined ones dropped unless ``dropna=False``)."""
        if str(area_code) not in self.areas:
            raise BridgeError(f"no bridge factor for area {area_code!r}")
        if measure not in MEASURES:
            raise BridgeError(f"no bridge factor for {measure!r}; one of {', '.join(MEASURES)}")
        row = self.draws[self.areas.index(str(area_code)), MEASURES.index(measure)]
        return row[np.isfinite(row)] if dropna else row.copy()


def estimate_bridge(
    households: pd.DataFrame,
    year: int,
    *,
    to_standard: str = TARGET_STANDARD,
    reference_year: int | None = None,
    n_boot: int = DEFAULT_BOOT,
    seed: int = DEFAULT_SEED,
    resample: str = "commune",
    assumptions: pd.DataFrame | None = None,
    geography: Geography | None = None,
) -> Bridge:
    """Estimate bridge factors and keep their bootstrap replicates (see `bridge_factors`).

    Returns
    -------
    Bridge
    """
    if resample not in RESAMPLING:
        raise BridgeError(f"resample must be one of {', '.join(RESAMPLING)}, not {resample!r}")
    if int(n_boot) < 1:
        raise BridgeError("n_boot must be at least 1")
    year = int(year)
    source, target = standards.standard_for_year(year), _standard(to_standard)
    reference_year = target.first_year if reference_year is None else int(reference_year)
    frame = households
    if "year" in frame:
        frame = frame[frame["year"].to_numpy() == year]
    if frame.empty:
        raise BridgeError(f"no household records of the {year} review")
    _check_columns(frame, year, source, target)
    geo = geography if geography is not None else load_geography()

    commune_codes = geo.communes["commune_code"].astype(str).tolist()
    commune = _positions(frame["commune_code"], commune_codes)
    if (commune < 0).any():
        unknown = sorted(set(frame["commune_code"].astype(str).to_numpy()[commune < 0]))
        raise BridgeError(
            f"{int((commune < 0).sum())} households have commune codes the reference geography "
            f"does not know: {', '.join(unknown[:5])}"
        )
    district_codes = geo.district_codes()
    district = _positions(geo.communes["district_code"], district_codes)

    uprating = income_uprating(year, reference_year, assumptions)
    raw_income = frame["income_pc"].to_numpy(dtype=float)
    income = raw_income * uprating
    review = _class_codes(frame, raw_income, source)
    before = _class_codes(frame, income, source)
    after = _class_codes(frame, income, target)
    em = frame["ethnic_minority"].fillna(False).to_numpy(dtype=bool)
    cell = ((review.astype(np.int64) * 3 + before) * 3 + after) * 2 + em
    counts = np.bincount(
        commune.astype(np.int64) * _N_CELLS + cell, minlength=len(commune_codes) * _N_CELLS
    ).reshape(len(commune_codes), _N_CELLS)

    a = _cell_matrix()
    point_d = np.zeros((len(district_codes), _N_BASE))
    np.add.at(point_d, district, counts @ a)
    rng = np.random.default_rng([int(seed), 0x62726964])  # "brid": own stream
    reps_d = _replicates(counts, district, len(district_codes), int(n_boot), rng, resample)
    present = point_d[:, 0] > 0
    areas = [c for c, p in zip(district_codes, present, strict=True) if p] + [PROVINCE]
    point = np.vstack([point_d[present], point_d.sum(axis=0, keepdims=True)])
    reps = np.concatenate([reps_d[present], reps_d.sum(axis=0, keepdims=True)])
    draws = np.moveaxis(_factor(reps), 1, 2)  # areas x measures x n_boot

    factor = _factor(point)
    values = [_measures(point, b) for b in range(3)]
    with warnings.catch_warnings():  # all-NaN replicates (no poor under the from standard)
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.nanquantile(draws, [0.1, 0.9, 0.025, 0.975], axis=2)
    undefined = (~np.isfinite(draws)).mean(axis=2)
    synthetic = bool("synthetic" in frame and frame["synthetic"].fillna(False).astype(bool).any())
    names = [geo.area_name(c) if c != PROVINCE else geo.province["bare_name"] for c in areas]
    rows = [
        (code, names[i], PROVINCE if code == PROVINCE else "district", measure, year)
        + (reference_year, source.code, target.code, uprating, int(point[i, 0]))
        + tuple(v[i, j] for v in values)
        + (factor[i, j], *q[:, i, j], undefined[i, j], resample, int(n_boot), synthetic)
        for i, code in enumerate(areas)
        for j, measure in enumerate(MEASURES)
    ]
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return Bridge(table=table, draws=draws, areas=tuple(areas))


def bridge_factors(
    households: pd.DataFrame,
    year: int,
    *,
    to_standard: str = TARGET_STANDARD,
    reference_year: int | None = None,
    n_boot: int = DEFAULT_BOOT,
    seed: int = DEFAULT_SEED,
    resample: str = "commune",
    assumptions: pd.DataFrame | None = None,
    geography: Geography | None = None,
) -> pd.DataFrame:
    """Bridge factors per district and for the province, from one review's household records.

    Parameters
    ----------
    households : pandas.DataFrame
        Household records with the columns of ``data/schema/household-columns.csv``:
        ``commune_code``, ``zone``, ``ethnic_minority``, ``income_pc`` and the ``d_<indicator>``
        flags of both standards. With a ``year`` column only the rows of ``year`` are used (the
        whole panel can be passed); without one, all rows are taken as of ``year``.
    year : int
        Review year of the households; its own standard is the *from* standard.
    to_standard : str
        Code of the target standard in ``data/standards/standards.csv``.
    reference_year : int, optional
        Review year the incomes are uprated to; the target standard's first year by default.
    n_boot : int
        Bootstrap replicates.
    seed : int
        Seed of the bootstrap (its own stream, independent of the projections' draws).
    resample : {"commune", "household"}
        Bootstrap units (module docstring: communes within districts, or households by Poisson
        weights).
    assumptions : pandas.DataFrame, optional
        Income growth by year (`load_bridge_assumptions` by default).
    geography : Geography, optional
        Reference geography (Bình Phước by default).

    Returns
    -------
    pandas.DataFrame
        One row per area and measure (districts with records in code order, then the province):

        ``area_code``, ``area_name``, ``level``
            district code or ``"province"``; bare name; ``"district"`` or ``"province"``.
        ``measure``
            one of `MEASURES` (indicator names of :mod:`analysis.projection.forecast`).
        ``year``, ``reference_year``, ``from_standard``, ``to_standard``, ``income_uprating``
            review year; year the incomes are brought to; the two standards; the income multiplier.
        ``households``
            households of the area in the review.
        ``value_review``
            the measure as the review classifies (its own standard, its own incomes).
        ``value_from``, ``value_to``
            the measure under the from and the target standard, both on the uprated incomes.
        ``factor``
            ``value_to / value_from`` (NaN when ``value_from`` is 0).
        ``lo80``, ``hi80``, ``lo95``, ``hi95``
            bootstrap percentile intervals of the factor (undefined replicates left out).
        ``undefined_share``
            share of replicates in which the from value was 0.
        ``resample``, ``n_boot``, ``synthetic``
            bootstrap units and replicates; whether the records are synthetic.

    Raises
    ------
    BridgeError
        Missing columns (the message names the deprivation flags the standards need), missing
        incomes, unknown communes, no records of ``year``, or no income growth for a year.
    """
    options = dict(reference_year=reference_year, n_boot=n_boot, seed=seed, resample=resample)
    options.update(assumptions=assumptions, geography=geography)
    return estimate_bridge(households, year, to_standard=to_standard, **options).table


@dataclass(frozen=True)
class BridgedPaths:
    """Paths with the years under the target standard converted to its basis.

    Attributes
    ----------
    values : numpy.ndarray
        ``n_paths x len(years)``.
    years : numpy.ndarray
        Projected years.
    basis : tuple of str
        Standard code each year's values are on.
    bridged : numpy.ndarray
        Boolean per year: multiplied by a bridge factor.
    factors : numpy.ndarray
        ``n_paths x len(years)``: the factor applied to each path and year (1 where not bridged).
    """

    values: np.ndarray
    years: np.ndarray
    basis: tuple
    bridged: np.ndarray
    factors: np.ndarray

    def summary(self) -> pd.DataFrame:
        """Median and percentile intervals per year, with the basis.

        No mean: paths of short segments can have heavy tails (OLS with 1-2 degrees of
        freedom), so a path mean is unreliable. The point on the new basis is the from-basis
        point (e.g. ``project``'s ``mean``) times the point factor of `bridge_factors`.

        Returns
        -------
        pandas.DataFrame
            ``year, standard_basis, bridged, median, lo80, hi80, lo95, hi95``.
        """
        frame = pd.DataFrame({"year": self.years.astype(int), "standard_basis": list(self.basis)})
        frame["bridged"] = self.bridged
        q = np.nanquantile(self.values, [0.5, 0.1, 0.9, 0.025, 0.975], axis=0)
        frame[["median", "lo80", "hi80", "lo95", "hi95"]] = q.T
        return frame


def bridge_paths(
    paths,
    factors,
    *,
    years=None,
    first_year: int | None = None,
    from_standard: str = "ND07_2021",
    to_standard: str = TARGET_STANDARD,
    seed: int = DEFAULT_SEED,
) -> BridgedPaths:
    """Convert simulated paths on the from basis to the target basis for its years.

    Parameters
    ----------
    paths : analysis.projection.forecast.Paths, pandas.DataFrame or numpy.ndarray
        ``n_paths x years`` of a stock or rate indicator on the ``from_standard`` basis. A
        DataFrame has the years as columns; an array needs ``years``.
    factors : float, array-like or mapping
        One factor (no uncertainty); bootstrap draws of one factor (``Bridge.factor_draws``),
        held constant over the bridged years (NaN draws are dropped); or a mapping from each
        bridged year to draws of that year's factor (estimates with ``reference_year`` = that
        year, same ``seed`` and ``n_boot``, undropped: replicate ``k`` of every year is then the
        same resample of communes, and a path takes replicate ``k`` for all its years).
    years : array-like, optional
        Years of the columns (taken from ``paths`` otherwise).
    first_year : int, optional
        First year on the target basis; the target standard's first year by default (2027).
    from_standard, to_standard : str
        Standard codes, for the ``basis`` labels.
    seed : int
        Seed pairing factor draws with paths (one replicate per path, with replacement; its own
        stream, independent of the paths' draws).

    Returns
    -------
    BridgedPaths
        ``summary()`` gives the point and intervals per year with its basis.

    Raises
    ------
    BridgeError
        Paths and years that do not match, no usable factor, a bridged year missing from a
        mapping, or draws of unequal length in a mapping.
    """
    if isinstance(paths, pd.DataFrame):
        values, cols = paths.to_numpy(dtype=float), paths.columns
    elif hasattr(paths, "values") and hasattr(paths, "years"):
        values, cols = np.asarray(paths.values, dtype=float), paths.years
    else:
        values, cols = np.asarray(paths, dtype=float), None
    if cols is None and years is None:
        raise BridgeError("give the years of the paths' columns")
    years = np.asarray(cols if years is None else years).astype(int)
    if values.ndim != 2 or years.shape != (values.shape[1],):
        raise BridgeError("paths must be n_paths x years, with one year per column")
    first = _standard(to_standard).first_year if first_year is None else int(first_year)
    bridged = years >= first
    rng = np.random.default_rng([int(seed), 0x70617468])  # "path": own stream
    if isinstance(factors, Mapping):
        by_year = {int(y): np.atleast_1d(np.asarray(v, dtype=float)) for y, v in factors.items()}
        missing = [int(y) for y in years[bridged] if int(y) not in by_year]
        if missing:
            raise BridgeError(f"no bridge factor draws for {', '.join(map(str, missing))}")
        if len({len(by_year[int(y)]) for y in years[bridged]}) > 1:
            raise BridgeError("per-year factor draws must be replicates of equal number")
        stack = np.array([by_year[int(y)] for y in years[bridged]]).reshape(bridged.sum(), -1)
    else:
        stack = np.atleast_1d(np.asarray(factors, dtype=float))[None, :]
    usable = np.flatnonzero(np.isfinite(stack).all(axis=0) & (stack >= 0).all(axis=0))
    if not len(usable):
        raise BridgeError("bridge factors must be finite, non-negative numbers")
    pick = usable if len(usable) == 1 else rng.choice(usable, size=len(values))
    applied = np.ones_like(values)
    applied[:, bridged] = np.broadcast_to(stack[:, pick].T, (len(values), stack.shape[0]))
    basis = tuple(to_standard if b else from_standard for b in bridged)
    return BridgedPaths(
        values=values * applied, years=years, basis=basis, bridged=bridged, factors=applied
    )
