"""The stock-flow model of the poor, and the empirical-Bayes pooling of its rates across areas.

``flow``
    A stock-flow model of the poor (or ethnic-minority poor) stock:
    ``stock[t+1] = stock[t] - Escaped - Left + Repoverty + New`` with
    ``Escaped ~ Binomial(stock, e)``, ``Repoverty ~ Binomial(non-poor, r)`` and
    ``New ~ Binomial(non-poor, n)``, and poor households that leave the list for other reasons
    (moved away, merged, died: the net "other changes" when negative)
    ``Left ~ Binomial(stock - Escaped, d)``; each rate is drawn per path and year
    from a Beta distribution (so each count is beta-binomial), whose mean is itself drawn per
    path from the area's posterior (parameter uncertainty) and whose year-to-year concentration
    is estimated from the segment. Households grow at the segment's average growth rate. It
    yields every stock- and flow-derived indicator (stock, rate, reduction, escaped, re-poverty,
    new poverty, rate change), but not coverage, ĐBKK communes, the halving ratio or the spread.

    The other changes are ``end - (start - escaped + repoverty + new)`` of each year; their
    departures (the negative part) are modelled, net arrivals are left out (assumed zero). On the
    bundled data 2.4-3.6% of the poor who did not escape leave the list each year this way
    (-1.8% to -2.1% of the start stock in every year 2017-2024). Leaving them out, as before,
    biased the flow model: on the backtests of ``bench/calibration.md`` (Decision 59 origins
    2018-2020, 3 points per fit) its median error on stocks and rates fell from +16.7%, +49.4%,
    +77.6% to +14.1%, +44.3%, +67.6% at 1, 2, 3 years (MAE from 0.43-0.47 to 0.36-0.40 of the
    no-change forecast's), and on the 2025-2026 holdout from +11.9%, +32.3% to +9.5%, +27.0%.
    What remains of the bias comes from escape rates that rose year after year in 2016-2021
    (0.24 to 0.33), which a constant-rate model cannot follow.

Pooling across districts: empirical Bayes, not a mixed model
------------------------------------------------------------
With three NĐ07 years per district, district rates are noisy. The flow model's rates are shrunk
toward the peer group (the other areas at the same level, i.e. all districts; their pooled rate is
the province rate) by **empirical Bayes with a beta-binomial prior fitted by the method of
moments** (Kleinman's weighted estimator over the peers' segment totals): the district's posterior
is ``Beta(alpha + k, beta + n - k)``, where ``k`` escaped (re-entered, newly poor) out of ``n``
exposed households. Reasons for this choice over a ``MixedLM`` on log-rates with random
intercepts and slopes: (1) 3 points per district x 11 districts cannot identify a random slope
variance (MixedLM then stops on the boundary with convergence warnings); (2) log-rates fail on
zero counts, which small districts have for re-poverty and new poverty, while the binomial
likelihood handles zeros; (3) the shrinkage weight follows from the household counts (large
districts keep their own rate, small ones borrow from the province), which is what the flow model
needs, in closed form and reproducibly. The province itself is not shrunk (Jeffreys prior). OLS
and ETS are fitted to each area's own series.
"""

from __future__ import annotations

import numpy as np

from analysis.projection.context import PROVINCE, ProjectionContext
from analysis.projection.indicators import Indicator
from analysis.projection.models import (
    DEFAULT_PATHS,
    InsufficientDataError,
    ModelForecast,
    clip,
    interval_quantiles,
)
from analysis.reference.standards import standard_segments

# A MoM intra-class correlation at or below this is treated as "no extra-binomial dispersion".
_MIN_RHO = 1e-6
_MAX_CONCENTRATION = 1.0 / _MIN_RHO - 1.0
# flow, exposure: "left" are departures for other reasons, out of the poor who did not escape
FLOWS = (
    ("escaped", "start"),
    ("repoverty", "nonpoor"),
    ("new", "nonpoor"),
    ("left", "remaining"),
)


def beta_binomial_mom(k, n) -> tuple[float, float] | None:
    """Beta prior of a beta-binomial by the method of moments (Kleinman's weighted estimator).

    Parameters
    ----------
    k, n : array-like
        Events and exposures per group (e.g. households escaping and poor households per
        district, summed over the segment's years).

    Returns
    -------
    tuple of float or None
        ``(alpha, beta)``; ``alpha + beta`` is capped at about 1e6 when the groups show no
        extra-binomial spread (full pooling). None with fewer than 2 groups or a pooled rate of
        0 or 1 (no usable prior).
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    keep = n > 0
    k, n = k[keep], n[keep]
    m = len(n)
    if m < 2:
        return None
    total = n.sum()
    p = k.sum() / total
    if p <= 0 or p >= 1:
        return None
    s = np.sum(n * (k / n - p) ** 2)
    denom = total - np.sum(n**2) / total - (m - 1)
    if denom <= 0:
        return None
    rho = (s / (p * (1 - p)) - (m - 1)) / denom
    rho = float(np.clip(rho, _MIN_RHO, 0.999))
    concentration = min(1.0 / rho - 1.0, _MAX_CONCENTRATION)
    return p * concentration, (1 - p) * concentration


def time_concentration(groups) -> float | None:
    """Concentration of year-to-year Beta variation of a rate, pooled over areas.

    Parameters
    ----------
    groups : iterable of (k, n)
        Per area, arrays of yearly events and exposures.

    Returns
    -------
    float or None
        ``kappa`` such that a year's rate is ``Beta(mu * kappa, (1 - mu) * kappa)`` around the
        area's mean ``mu``; None when no area has two usable years or no extra-binomial spread
        is detectable (then years vary binomially only).
    """
    num = den = 0.0
    for k, n in groups:
        k = np.asarray(k, dtype=float)
        n = np.asarray(n, dtype=float)
        keep = n > 0
        k, n = k[keep], n[keep]
        m = len(n)
        if m < 2:
            continue
        total = n.sum()
        p = k.sum() / total
        if p <= 0 or p >= 1:
            continue
        num += np.sum(n * (k / n - p) ** 2) - p * (1 - p) * (m - 1)
        den += p * (1 - p) * (total - np.sum(n**2) / total - (m - 1))
    if den <= 0 or num <= 0:
        return None
    rho = float(np.clip(num / den, _MIN_RHO, 0.999))
    return 1.0 / rho - 1.0


def _draw_mean(spec, n_paths, rng) -> np.ndarray:
    if isinstance(spec, tuple):
        a, b = spec
        return rng.beta(a, b, size=n_paths)
    rate = float(spec)
    if not 0 <= rate <= 1:
        raise ValueError(f"a rate must lie in [0, 1], not {rate}")
    return np.full(n_paths, rate)


def _draw_rate(mu, kappa, rng) -> np.ndarray:
    if kappa is None or not np.isfinite(kappa):
        return mu
    inner = np.clip(mu, 1e-12, 1 - 1e-12)
    return rng.beta(inner * kappa, (1 - inner) * kappa)


def flow_paths(
    stock0: float,
    total0: float,
    escape,
    repoverty,
    new,
    n_years: int,
    *,
    n_paths: int = DEFAULT_PATHS,
    rng: np.random.Generator | None = None,
    concentration: dict | float | None = None,
    total_growth: float = 0.0,
    left=0.0,
) -> dict[str, np.ndarray]:
    """Monte Carlo paths of the stock-flow model.

    Each year: ``escaped ~ Binomial(stock, e)``, ``left ~ Binomial(stock - escaped, d)``,
    ``repoverty ~ Binomial(total - stock, r)``, ``new ~ Binomial(total - stock, n)``,
    ``stock <- stock - escaped - left + repoverty + new``, and the total grows by
    ``total_growth``. The expected stock follows
    ``E[S(t+1)] = E[S(t)] (1 - e) (1 - d) + (T(t) - E[S(t)]) (r + n)`` when the rates are fixed.

    Parameters
    ----------
    stock0, total0 : float
        Poor and all households at the end of the last observed year.
    escape, repoverty, new : float or tuple
        A known rate, or ``(alpha, beta)`` of a Beta distribution of the mean rate (drawn once
        per path: parameter uncertainty).
    n_years : int
        Years to simulate.
    n_paths : int
    rng : numpy.random.Generator, optional
    concentration : float or dict, optional
        Year-to-year Beta concentration (per flow name ``escaped``/``repoverty``/``new``/``left``
        when a dict); None for rates fixed within a path (pure binomial counts).
    total_growth : float
        Annual growth of the number of households.
    left : float or tuple
        Rate of departures of the poor who did not escape (as ``escape``; 0 for none).

    Returns
    -------
    dict of numpy.ndarray
        ``start, escaped, left, repoverty, new, end, total``, each ``n_paths x n_years``.
    """
    if n_years < 1:
        raise ValueError("n_years must be at least 1")
    if stock0 < 0 or total0 < stock0:
        raise ValueError("need 0 <= stock0 <= total0")
    rng = rng if rng is not None else np.random.default_rng(0)
    kappa = (
        concentration
        if isinstance(concentration, dict)
        else dict.fromkeys(("escaped", "repoverty", "new", "left"), concentration)
    )
    mu = {
        "escaped": _draw_mean(escape, n_paths, rng),
        "repoverty": _draw_mean(repoverty, n_paths, rng),
        "new": _draw_mean(new, n_paths, rng),
    }
    departures = not (np.isscalar(left) and float(left) == 0.0)
    if departures:  # drawn after the others: runs without departures keep their draws
        mu["left"] = _draw_mean(left, n_paths, rng)
    out = {
        k: np.zeros((n_paths, n_years))
        for k in ("start", "escaped", "left", "repoverty", "new", "end", "total")
    }
    stock = np.full(n_paths, int(round(stock0)), dtype=np.int64)
    for t in range(n_years):
        total = int(round(total0 * (1.0 + total_growth) ** (t + 1)))
        nonpoor = np.maximum(total - stock, 0)
        esc = rng.binomial(stock, _draw_rate(mu["escaped"], kappa.get("escaped"), rng))
        rep = rng.binomial(nonpoor, _draw_rate(mu["repoverty"], kappa.get("repoverty"), rng))
        nw = rng.binomial(nonpoor, _draw_rate(mu["new"], kappa.get("new"), rng))
        gone = (
            rng.binomial(stock - esc, _draw_rate(mu["left"], kappa.get("left"), rng))
            if departures
            else np.zeros_like(stock)
        )
        out["start"][:, t] = stock
        stock = np.minimum(stock - esc - gone + rep + nw, total)
        out["escaped"][:, t], out["repoverty"][:, t], out["new"][:, t] = esc, rep, nw
        out["left"][:, t] = gone
        out["end"][:, t] = stock
        out["total"][:, t] = total
    return out


def _flow_output(paths: dict, output: str) -> np.ndarray:
    total = np.where(paths["total"] > 0, paths["total"], np.nan)
    if output == "stock":
        return paths["end"]
    if output == "rate":
        return 100.0 * paths["end"] / total
    if output == "reduction":
        return paths["start"] - paths["end"]
    if output == "change":
        return 100.0 * (paths["end"] - paths["start"]) / total
    return paths[output]


def with_departures(inputs: dict) -> dict:
    """Flow inputs (`ProjectionContext.flow_inputs`) with the departures of the poor added.

    Parameters
    ----------
    inputs : dict
        Arrays ``start, escaped, repoverty, new, end`` (one value per year).

    Returns
    -------
    dict
        A copy with ``left`` (the negative part of the other changes,
        ``start - escaped + repoverty + new - end`` when positive) and ``remaining``
        (``start - escaped``, at least 0).
    """
    out = dict(inputs)
    implied = inputs["start"] - inputs["escaped"] + inputs["repoverty"] + inputs["new"]
    out["left"] = np.maximum(implied - inputs["end"], 0.0)
    out["remaining"] = np.maximum(inputs["start"] - inputs["escaped"], 0.0)
    return out


def flow_priors(ctx: ProjectionContext, level: str, prefix: str, years: tuple[int, ...]) -> dict:
    """Empirical-Bayes priors and year-to-year concentrations over the peers at ``level``.

    Parameters
    ----------
    ctx : ProjectionContext
    level : str
        Area level of the peers (``"district"``); ``"province"`` has no peers.
    prefix : str
        ``"poor"`` or ``"em_poor"``.
    years : tuple of int
        The years of flows to pool over.

    Returns
    -------
    dict
        Per flow (``escaped``, ``repoverty``, ``new``, ``left``): ``{"prior": (alpha, beta) or None,
        "concentration": float or None}`` (`beta_binomial_mom` over the peers' totals, with at
        least 3 peers; `time_concentration` of their yearly rates). Cached in the context.
    """

    def compute():
        peers = ctx.peers(level) if level != PROVINCE else []
        ctx.fill_tables(peers)
        data = [with_departures(ctx.flow_inputs(code, prefix, list(years))) for code in peers]
        data = [d for d in data if len(d["years"])]
        out = {}
        for flow, exposure in FLOWS:
            k = np.array([d[flow].sum() for d in data])
            n = np.array([d[exposure].sum() for d in data])
            prior = beta_binomial_mom(k, n) if len(data) >= 3 else None
            groups = [(d[flow], d[exposure]) for d in data]
            out[flow] = {"prior": prior, "concentration": time_concentration(groups)}
        return out

    return ctx.memo(("flow_priors", level, prefix, years), compute)


def _posteriors(own: dict, priors: dict | None) -> tuple[dict, dict]:
    """Per flow, the Beta posterior ``(a, b)`` of the area's mean rate and its concentration.

    The peers' prior when there is one, else Jeffreys; the peers' year-to-year concentration,
    else the area's own.
    """
    specs, kappas = {}, {}
    for flow, exposure in FLOWS:
        k, n = own[flow].sum(), own[exposure].sum()
        prior = priors[flow]["prior"] if priors else None
        if prior is not None:
            a, b = prior[0] + k, prior[1] + max(n - k, 0)
        else:
            a, b = k + 0.5, max(n - k, 0) + 0.5
        specs[flow] = (a, b)
        kappas[flow] = priors[flow]["concentration"] if priors else None
        if kappas[flow] is None:
            kappas[flow] = time_concentration([(own[flow], own[exposure])])
    return specs, kappas


def fit_flow_model(
    ctx: ProjectionContext,
    area_code: str,
    ind: Indicator,
    future,
    n_paths: int,
    rng: np.random.Generator,
    min_points: int,
) -> ModelForecast:
    """Fit the flow model for one area on its latest segment and simulate ``future`` years.

    Parameters
    ----------
    ctx : ProjectionContext
    area_code : str
    ind : Indicator
        An indicator with a ``flow_prefix`` and ``flow_output``.
    future : array-like of int
        Years after the last observed year.
    n_paths : int
        Paths to return (0 for none; at least 200 are simulated for the mean and intervals).
    rng : numpy.random.Generator
    min_points : int
        Points a model needs: the flow model needs ``min_points - 1`` years of flows (at least 1).

    Returns
    -------
    ModelForecast
        ``params`` holds the posterior mean rates, concentrations and household growth.

    Raises
    ------
    InsufficientDataError
        No stock to start from, or too few years of flows in the latest segment.
    ValueError
        A column is missing, or a future year is not after the last observed one.
    """
    prefix = ind.flow_prefix
    t = ctx.table(area_code)
    end_col = f"{prefix}_end"
    if end_col not in t or t[end_col].dropna().empty:
        raise InsufficientDataError(f"no {end_col} to start the flow model from")
    last_year = int(t[end_col].dropna().index.max())
    seg_code, seg_years = standard_segments([y for y in t.index if y <= last_year])[-1]
    own = with_departures(ctx.flow_inputs(area_code, prefix, seg_years))
    n_flow_years = len(own["years"])
    need = max(1, min_points - 1)
    if n_flow_years < need:
        raise InsufficientDataError(
            f"too few points for flow: {n_flow_years} years of flows in the {seg_code} segment, need {need}"
        )
    level = ctx.level_of(area_code)
    priors = flow_priors(ctx, level, prefix, tuple(own["years"])) if level != PROVINCE else None
    specs, kappas = _posteriors(own, priors)
    pooling = (
        "rates shrunk to the peers by empirical Bayes" if priors else "own rates (Jeffreys prior)"
    )
    note = (
        f"flow model on {own['years'][0]}-{own['years'][-1]} ({seg_code}); {pooling}; "
        "departures for other reasons modelled, net arrivals assumed zero"
    )
    totals = own["total"]
    growth = (
        (totals[-1] / totals[0]) ** (1.0 / (len(totals) - 1)) - 1.0
        if len(totals) >= 2 and totals[0] > 0
        else 0.0
    )
    total_col = "em_total_households" if prefix.startswith("em") else "total_households"
    stock0 = float(t.loc[last_year, end_col])
    total0 = float(t.loc[last_year, total_col])
    future = np.asarray(future, dtype=int)
    steps = future - last_year
    if np.any(steps < 1):
        raise ValueError("the flow model forecasts only years after the last observed year")
    raw = flow_paths(
        stock0, total0, specs["escaped"], specs["repoverty"], specs["new"], int(steps.max()),
        n_paths=max(n_paths, 200), rng=rng, concentration=kappas, total_growth=growth,
        left=specs["left"],
    )  # fmt: skip
    values = _flow_output(raw, ind.flow_output)[:, steps - 1]
    values = clip(values, ind.lower, ind.upper)
    lo80, hi80, lo95, hi95 = interval_quantiles(values)
    params = {f"{f}_rate": specs[f][0] / (specs[f][0] + specs[f][1]) for f in specs}
    params.update({f"{f}_concentration": kappas[f] for f in kappas}, total_growth=growth)
    return ModelForecast(
        "flow",
        future,
        values.mean(axis=0),
        lo80,
        hi80,
        lo95,
        hi95,
        values if n_paths > 0 else None,
        note,
        params,
    )
