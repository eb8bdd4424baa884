"""The verdict on one target for one area: pure rules on a few facts, with a reason.

`assess` turns the facts of a target (`Facts`: base, latest value, target, what can still be
attained, the projection and its probability) into a `Verdict`: a status, the pace figures and a
one-sentence reason in Vietnamese and English. Nothing here reads data or runs a model:
:mod:`analysis.projection.status` gathers the facts. The rules are written out here so that an
analyst can check every verdict by hand.

Measures
--------
``cumulative``
    a total to reach over a window of review years (e.g. 10,000 fewer poor households over
    2021-2025): ``latest_value`` is the total achieved so far (sum of the within-year figures),
    ``target_value`` the total; ``max_attainable`` is what can still be reached at most (the total
    achieved plus the stock left, since a net reduction cannot remove more households than exist).
``level``
    a level to reach by the target year (a rate, a ratio, a coverage, a count), from
    ``base_value`` in ``base_year``. ``max_attainable`` is the best level physically possible (0
    for a stock or a rate, 100 for a coverage) when that bounds the target.
``trend``
    a "limit" target without a number (re-poverty, new poverty, the spread of district rates):
    the value should not rise above its level at the start of the period (``base_value``).

Pace (UN ESCAP's anticipated progress, measured from the base year)
------------------------------------------------------------------
With ``s = +1`` when higher is better and ``-1`` when lower is better:

- required progress ``R = s (target - base)`` (cumulative: ``R = target``);
- actual progress so far ``A = s (latest - base)`` (cumulative: the total achieved);
- ``actual_pace = A / years elapsed`` and ``required_pace = R / years of the window``, both per
  year and positive toward the target (years elapsed: ``latest_year - base_year``; for a
  cumulative target, the reviews counted so far);
- ``pace_ratio = s (projected - base) / R`` (cumulative: ``projected / target``, the projected
  total by the target year): the share of the required progress expected by the target year. A
  target 80% done that then stalls scores about 0.8, not the ratio of the remaining paces.

Status (in this order; thresholds are the module constants)
-----------------------------------------------------------
1. **not applicable**: the target does not apply to the area (``applicable`` is False), e.g. a
   fall of 1 point a year for an area whose rate is already below 1 point.
2. The target year has data (``latest_year >= target_year``): **achieved** or **not achieved**,
   on the actual value (by how much).
3. **achieved**: the target is already met before the target year (total reached, or the level
   already at or beyond the target).
4. **unattainable as written**: the target needs more than can be attained (a cumulative total
   above ``max_attainable``; a level beyond the physical bound). The reason says by how much and
   the closest attainable reading is the share of the base stock removed.
5. **too little data**: the data lack a review the target needs (its base year, or a year of a
   cumulative window: checked first, after rule 1), fewer than `MIN_POINTS` reviews under the current standard, or fewer than
   `MIN_BASE` households behind the figure, or no projection.
6. ``trend``: latest at or below the base and not rising: **on track**; at or below but rising:
   **needs acceleration**; above the base and falling: **off track**; above and rising:
   **regressing**. Rising means an upward OLS slope over the reviews since the base, or a rise
   in the latest review when the base is at least `MIN_BASE` households (smaller counts move by
   chance: 1 -> 2 households is not a rise worth a warning).
7. Otherwise from the pace ratio ``r`` and the probability ``P`` of meeting the target:
   ``r >= 1`` and ``P >= 0.5``: **on track**; ``r >= 1`` and ``P < 0.5``, or ``0.5 <= r < 1``:
   **needs acceleration**; ``0 <= r < 0.5``: **off track**; ``r < 0``: **regressing**, but only
   when the actual values have also moved away from the target since the base (an improving
   area whose projection dips is off track, not regressing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from analysis.core.i18n import label
from analysis.core.numbers import format_number

ACHIEVED = "achieved"
NOT_ACHIEVED = "not achieved"
ON_TRACK = "on track"
ACCELERATE = "needs acceleration"
OFF_TRACK = "off track"
REGRESSING = "regressing"
UNATTAINABLE = "unattainable"
NOT_APPLICABLE = "not applicable"
TOO_LITTLE = "too little data"
#: Every status, best first (the order of the verdict tables' legends).
STATUSES = (
    ACHIEVED,
    ON_TRACK,
    ACCELERATE,
    OFF_TRACK,
    REGRESSING,
    NOT_ACHIEVED,
    UNATTAINABLE,
    NOT_APPLICABLE,
    TOO_LITTLE,
)
#: Severity used to pick an area's worst status (higher is worse; not applicable is ignored).
SEVERITY = {
    ACHIEVED: 0,
    ON_TRACK: 1,
    ACCELERATE: 2,
    TOO_LITTLE: 3,
    OFF_TRACK: 4,
    REGRESSING: 5,
    UNATTAINABLE: 6,
    NOT_ACHIEVED: 7,
    NOT_APPLICABLE: -1,
}

PACE_ON_TRACK = 1.0
PACE_ACCELERATE = 0.5
PACE_OFF_TRACK = 0.0
PROB_ON_TRACK = 0.5
MIN_POINTS = 3
MIN_BASE = 20
MEASURES = ("cumulative", "level", "trend")


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about one target in one area.

    Attributes
    ----------
    measure : {"cumulative", "level", "trend"}
    better : {"higher", "lower"}
        Direction of improvement of the value.
    unit : {"households", "percent", "points", "ratio", "communes"}
        Unit of the values (decides how numbers are written in the reason).
    base_year, base_value : int, float
        The reference (start of the period in the current standard); 0 for a cumulative target.
    latest_year, latest_value : int, float
        The last review used and its value (cumulative: total achieved so far).
    target_year, target_value : int, float
        The target (cumulative: the total; trend: the base level not to exceed).
    window_years : int
        Reviews in the target window (cumulative targets) or years from base to target (levels).
    max_attainable : float, optional
        Cumulative: total achieved plus the stock left; level: the physical bound (0 or 100).
    points : int
        Reviews under the current standard up to ``latest_year``.
    base_size : float, optional
        Households (or people) behind the figure; small bases are too little data.
    applicable : bool
        False when the target does not apply to the area (``not_applicable_reason`` says why).
    not_applicable_reason : str
        Label key suffix of the reason (``reason.not_applicable.<key>``).
    projected, lo80, hi80 : float
        Projected value at the target year (cumulative: projected total) and its 80% interval.
    probability : float
        Probability of meeting the target by the target year (NaN if unknown).
    slope : float
        Trend of the value per year over the current standard segment (trend targets).
    previous_value : float
        The value one review before ``latest_year`` (trend targets: the latest change is stated).
    missing_years : tuple of int
        Review years the target needs (its base, or years of a cumulative window up to the
        report) that the data do not hold: the verdict is then too little data, never a guess.
    base_at_start : bool
        True when the base is the value at the start of review ``base_year + 1`` (stocks
        re-classified under that year's standard) rather than at the end of ``base_year``:
        sentences then name ``base_year + 1``.
    removed_since_base : float, optional
        Unattainable cumulative targets: households removed since ``base_stock`` was counted
        (default: ``latest_value``), for the share of the stock removed.
    stock_now : float, optional
        Stock left in the latest year (cumulative targets: households still poor).
    base_stock : float, optional
        Stock at the start of the current standard (for the attainable reading).
    """

    measure: str
    better: str
    unit: str
    base_year: int
    base_value: float
    latest_year: int
    latest_value: float
    target_year: int
    target_value: float
    window_years: int = 1
    max_attainable: float | None = None
    points: int = 0
    base_size: float | None = None
    applicable: bool = True
    not_applicable_reason: str = ""
    projected: float = math.nan
    lo80: float = math.nan
    hi80: float = math.nan
    probability: float = math.nan
    slope: float = math.nan
    stock_now: float | None = None
    base_stock: float | None = None
    previous_value: float = math.nan
    removed_since_base: float | None = None
    base_at_start: bool = False
    missing_years: tuple = ()


@dataclass(frozen=True)
class Verdict:
    """A status with its pace figures and the reason.

    Attributes
    ----------
    status : str
        One of `STATUSES`.
    reason_key : str
        Label key of the reason sentence (``reason.<...>`` in the i18n catalogue).
    args : dict
        Values the sentence needs (numbers, already rounded for display by `reason`).
    actual_pace, required_pace, pace_ratio : float
        See the module docstring (NaN where not defined).
    gap : float
        Signed distance to the target in the value's unit (positive = short of the target).
    attainable_share : float
        Unattainable targets: share (0-1) of the base stock removed so far.
    """

    status: str
    reason_key: str
    args: dict = field(default_factory=dict)
    actual_pace: float = math.nan
    required_pace: float = math.nan
    pace_ratio: float = math.nan
    gap: float = math.nan
    attainable_share: float = math.nan

    def reason(self, lang: str = "vi") -> str:
        """The one-sentence reason in ``lang``, numbers written the report's way."""
        unit = self.args.get("unit", "households")
        fields = {}
        for key, value in self.args.items():
            if isinstance(value, bool) or not isinstance(value, float | int):
                fields[key] = value
            elif key in _YEARS:
                fields[key] = str(int(value))
            elif key in _PLAIN:
                fields[key] = format_value(value, "plain", lang)
            elif key in _SIGNED_PERCENT:
                fields[key] = _signed_percent(value, lang)
            elif key in ("size", "min_size"):
                fields[key] = format_value(value, "households", lang)
            elif unit == "percent" and key in _DIFFERENCES:  # a difference of rates: points
                fields[key] = f"{format_value(value, 'points', lang)} {label('unit.points', lang)}"
            elif key == "probability":
                fields[key] = format_probability(value, lang)
            else:
                fields[key] = format_value(value, unit, lang)
        fields["unit_word"] = label(f"unit.{unit}", lang)
        # after a value in running text: "24 hộ", "1,07 điểm %" (a rate carries its own "%")
        fields["unit_suffix"] = "" if unit == "percent" else " " + fields["unit_word"]
        return label(self.reason_key, lang, **fields)


# Arguments that are plain numbers whatever the unit (years, counts of reviews, whole percents).
_YEARS = {"base_year", "latest_year", "previous_year", "target_year"}
_PLAIN = {
    "points",
    "min_points",
    "ratio_pct",
    "removed_pct",
}
# Differences of two values: for rates they are percentage points, not percents.
_DIFFERENCES = {"gap", "short", "need", "change"}
# Whole-percent changes written with their sign ("+40%", "-5%").
_SIGNED_PERCENT = {"share", "latest_change"}


def _signed_percent(value: float, lang: str) -> str:
    if not math.isfinite(value):
        return "–"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{format_number(abs(round(value)), lang, 0)}%"


def format_probability(p: float, lang: str = "vi") -> str:
    """A probability as a whole percent: ``"3%"``, ``"<1%"``, ``">99%"``; ``"–"`` if unknown."""
    if p is None or not math.isfinite(p):
        return "–"
    pct = 100 * p
    if pct < 0.5:
        return "<1%"
    if pct > 99.5:
        return ">99%"
    return format_number(round(pct), lang, 0) + "%"


def format_value(value: float, unit: str, lang: str = "vi") -> str:
    """Write a value of ``unit`` for a sentence: households and communes whole, rates with 2
    decimals and a percent sign, points and ratios with 2 decimals; ``plain`` as is (years, and
    shares already in percent are whole numbers)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if unit in ("households", "communes", "people"):
        return format_number(round(value), lang, 0)
    if unit == "percent":
        return format_number(value, lang, 2) + "%"
    if unit in ("points", "ratio"):
        return format_number(value, lang, 2)
    return format_number(round(value), lang, 0) if unit == "plain" else str(value)


def _sign(better: str) -> float:
    return 1.0 if better == "higher" else -1.0


def _finite(x) -> bool:
    return x is not None and isinstance(x, int | float) and math.isfinite(x)


def paces(f: Facts) -> tuple[float, float, float]:
    """``(actual_pace, required_pace, pace_ratio)`` of the module docstring."""
    s = _sign(f.better)
    if f.measure == "cumulative":
        done_years = max(f.latest_year - f.target_year + f.window_years, 0)
        required = f.target_value
        actual_pace = f.latest_value / done_years if done_years else math.nan
        required_pace = required / f.window_years if f.window_years else math.nan
        ratio = f.projected / required if required > 0 and _finite(f.projected) else math.nan
        return actual_pace, required_pace, ratio
    if f.measure == "trend":  # a limit, not a distance to cover: no paces
        return math.nan, math.nan, math.nan
    required = s * (f.target_value - f.base_value)
    elapsed = f.latest_year - f.base_year
    span = f.target_year - f.base_year
    actual_pace = s * (f.latest_value - f.base_value) / elapsed if elapsed > 0 else math.nan
    required_pace = required / span if span > 0 else math.nan
    ratio = (
        s * (f.projected - f.base_value) / required
        if required > 0 and _finite(f.projected)
        else math.nan
    )
    # no spurious "regressing" from a flat projection 1e-12 off the base
    return actual_pace, required_pace, round(ratio, 9) if _finite(ratio) else ratio


def status_from_pace(ratio: float, probability: float = math.nan) -> str:
    """Status from the pace ratio and the probability (rule 7 of the module docstring)."""
    if not _finite(ratio):
        return TOO_LITTLE
    if ratio >= PACE_ON_TRACK:
        if _finite(probability) and probability < PROB_ON_TRACK:
            return ACCELERATE
        return ON_TRACK
    if ratio >= PACE_ACCELERATE:
        return ACCELERATE
    if ratio >= PACE_OFF_TRACK:
        return OFF_TRACK
    return REGRESSING


def _met(f: Facts, value: float) -> bool:
    if f.measure == "cumulative":
        return value >= f.target_value
    if f.measure == "trend":
        return value <= f.base_value if f.better == "lower" else value >= f.base_value
    return _sign(f.better) * (value - f.target_value) >= -1e-9


def assess(f: Facts) -> Verdict:
    """The verdict on one target (rules of the module docstring).

    Parameters
    ----------
    f : Facts

    Returns
    -------
    Verdict
    """
    if f.measure not in MEASURES:
        raise ValueError(f"unknown measure {f.measure!r}; expected one of {MEASURES}")
    s = _sign(f.better)
    actual_pace, required_pace, ratio = paces(f)
    first = f.target_year - f.window_years + 1
    common = {
        "unit": f.unit,
        "period": str(f.target_year) if first >= f.target_year else f"{first}–{f.target_year}",
        "base_year": f.base_year + 1 if f.base_at_start else f.base_year,
        "base": f.base_value,
        "latest_year": f.latest_year,
        "latest": f.latest_value,
        "target_year": f.target_year,
        "target": f.target_value,
        "projected": f.projected,
        "lo80": f.lo80,
        "hi80": f.hi80,
        "probability": f.probability,
        "ratio_pct": round(100 * ratio) if _finite(ratio) else math.nan,
    }
    if f.measure == "trend":
        common["change"] = abs(f.latest_value - f.base_value)
        common["share"] = _percent_change(f.base_value, f.latest_value)
        common["previous_year"] = f.latest_year - 1
        common["previous"] = f.previous_value
        common["latest_change"] = _percent_change(f.previous_value, f.latest_value)
    else:
        gap = (
            f.target_value - f.latest_value
            if f.measure == "cumulative"
            else s * (f.target_value - f.latest_value)
        )
        common["gap"] = abs(gap)

    def verdict(status, key, share=math.nan, **extra):
        gap = math.nan
        if f.measure == "cumulative":
            gap = f.target_value - f.latest_value
        elif f.measure == "level":
            gap = s * (f.target_value - f.latest_value)
        return Verdict(
            status,
            f"reason.{key}",
            {**common, **extra},
            actual_pace,
            required_pace,
            ratio,
            gap,
            share,
        )

    # 1. not applicable
    if not f.applicable:
        return verdict(NOT_APPLICABLE, f"not_applicable.{f.not_applicable_reason or 'scope'}")
    # 1b. the data lack a year the target needs
    if f.missing_years:
        years = ", ".join(str(y) for y in sorted(f.missing_years))
        return verdict(TOO_LITTLE, "too_little.missing", years=years)
    # 2. the target year has data: judged on the actual value
    if f.latest_year >= f.target_year:
        if _met(f, f.latest_value):
            return verdict(ACHIEVED, f"final_met.{f.measure}")
        return verdict(NOT_ACHIEVED, f"final_missed.{f.measure}")
    # 3. already met
    if f.measure != "trend" and _met(f, f.latest_value):
        if f.measure == "level" and _finite(f.probability) and f.probability < PROB_ON_TRACK:
            return verdict(ACHIEVED, "met_at_risk")
        return verdict(ACHIEVED, f"met_early.{f.measure}")
    # 4. unattainable as written
    if f.measure != "trend" and _finite(f.max_attainable):
        short = (
            f.target_value - f.max_attainable
            if f.measure == "cumulative"
            else s * (f.target_value - f.max_attainable)
        )
        if short > 1e-9:
            share = math.nan
            if _finite(f.base_stock) and f.base_stock > 0:
                if f.measure != "cumulative":
                    removed = s * (f.latest_value - f.base_value)
                elif f.removed_since_base is not None:
                    removed = f.removed_since_base
                else:
                    removed = f.latest_value
                share = max(removed, 0.0) / f.base_stock
            need = (
                f.target_value - f.latest_value
                if f.measure == "cumulative"
                else s * (f.target_value - f.latest_value)
            )
            return verdict(
                UNATTAINABLE,
                f"unattainable.{f.measure}",
                need=need,
                left=f.stock_now if f.measure == "cumulative" else abs(f.latest_value),
                short=short,
                base_stock=f.base_stock if f.base_stock is not None else math.nan,
                share=share,
                removed_pct=round(100 * share) if _finite(share) else math.nan,
            )
    # 5. too little data
    if f.points < MIN_POINTS:
        return verdict(TOO_LITTLE, "too_little.points", points=f.points, min_points=MIN_POINTS)
    if f.base_size is not None and _finite(f.base_size) and f.base_size < MIN_BASE:
        return verdict(TOO_LITTLE, "too_little.base", size=f.base_size, min_size=MIN_BASE)
    # 6. trend targets
    if f.measure == "trend":
        rose = (
            _finite(f.previous_value)
            and s * (f.latest_value - f.previous_value) < 0
            and abs(f.base_value) >= MIN_BASE
        )
        rising = (_finite(f.slope) and s * f.slope < 0) or rose
        if _met(f, f.latest_value):
            status = ACCELERATE if rising else ON_TRACK
            return verdict(status, "trend.below_rising" if rising else "trend.below")
        return verdict(
            REGRESSING if rising else OFF_TRACK,
            "trend.above_rising" if rising else "trend.above",
        )
    if not _finite(f.projected):
        return verdict(TOO_LITTLE, "too_little.no_projection")
    # 7. pace and probability; "regressing" also needs the actual values to have moved away
    status = status_from_pace(ratio, f.probability)
    if status == REGRESSING and _finite(actual_pace) and actual_pace > 0:
        status = OFF_TRACK
    return verdict(status, f"pace.{f.measure}")


def _percent_change(old: float, new: float) -> float:
    if not (_finite(old) and _finite(new)) or old == 0:
        return math.nan
    return round(100 * (new - old) / old)
