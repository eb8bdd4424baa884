"""Generated report narrative: short paragraphs whose every number comes from a dict of facts.

The sentences are ``str.format`` templates in ``src/analysis/locale/narrative.csv``
(``key,vi,en``), so a wording or translation fix needs no code change. This module only chooses
the template (fell / rose / unchanged / not comparable, singular / plural) and writes the numbers
the report language's way (``2.879 hộ``, ``1,03%`` in Vietnamese; ``2,879``, ``1.03%`` in English).

Facts
-----
Every paragraph function takes a plain ``dict``; keys not listed as required may be omitted (or
``None``) and the sentence that needs them is then left out. Counts are households; rates and
shares are in percent (``1.03`` means 1.03%); ``year`` keys are review years.

Common
    ``area_name`` (str, required): ``"Bù Đăng"``, ``"tỉnh Bình Phước"``...; ``year`` (int,
    required); ``prev_year`` (int): the year compared with; ``comparable`` (bool): whether
    ``year`` and ``prev_year`` are under the same poverty standard (looked up from the years
    when absent).
:func:`headline_paragraph`
    ``poor``, ``rate`` (required); ``prev_poor``, ``prev_rate``; ``near_poor``,
    ``near_rate``; ``target`` (cumulative reduction target, households), ``achieved``
    (cumulative reduction so far, positive = fewer poor), ``share_achieved`` (percent of the
    target; computed when absent), ``base_year`` (start of the cumulation), ``target_period``
    (``"2021–2025"``); ``status`` (progress status code, see :func:`analysis.i18n.status_name`).
:func:`flows_paragraph`
    ``escaped``, ``repoverty``, ``new`` (required); ``start``, ``end``, ``other``.
:func:`ethnic_paragraph`
    ``em_rate``, ``non_em_rate`` (``None`` when too few ethnic-minority households);
    ``gap`` (points, computed when absent); ``prev_gap``; ``em_poor``; ``em_share_of_poor``
    (percent of poor households that are ethnic-minority); ``em_reduction`` (fall in
    ethnic-minority poor households in the year, negative = rise) with ``em_target`` (per year).
:func:`deprivation_paragraph`
    ``top`` (list of up to 3 dicts ``{"indicator": code or name, "share": percent,
    "share_province": percent or None}``, most common first); ``standard`` (code, to name the
    indicators); ``top_dimension`` (code or name) with ``top_dimension_share`` (percent of all
    deprivations).
:func:`ranking_paragraph`
    ``rate``; ``rank`` and ``n`` (rank 1 = highest poverty rate); ``province_rate``;
    ``min_rate``, ``min_area``, ``max_rate``, ``max_area`` (spread across districts).
"""

from __future__ import annotations

import math
from pathlib import Path

from analysis.core.i18n import (
    LOCALE_DIR,
    check_lang,
    dimension_name,
    indicator_name,
    is_indicator,
    lookup,
    read_table,
    standard_label,
    status_name,
)
from analysis.core.numbers import format_number, format_percent
from analysis.reference.standards import StandardError, standard_for_year

NARRATIVE_PATH: Path = LOCALE_DIR / "narrative.csv"

RATE_DECIMALS = 2
POINT_DECIMALS = 2


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def sentence(key: str, lang: str = "vi", **fields) -> str:
    """Fill the template ``key`` of ``narrative.csv`` in ``lang``.

    Raises
    ------
    KeyError
        Naming the key when it is missing, or the placeholder when a field is missing.
    """
    template = lookup(read_table(NARRATIVE_PATH), key, lang, NARRATIVE_PATH.name)
    try:
        return template.format(**fields)
    except KeyError as err:
        raise KeyError(f"template {key!r} needs field {err.args[0]!r}") from None


def _has(facts: dict, *keys: str) -> bool:
    for k in keys:
        v = facts.get(k)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return False
    return True


def _require(facts: dict, keys: tuple[str, ...], what: str) -> None:
    missing = [k for k in keys if not _has(facts, k)]
    if missing:
        raise ValueError(f"{what}: missing facts {missing}")


def _count(value, lang: str) -> str:
    return format_number(round(float(value)), lang)


def _rate(value, lang: str) -> str:
    return format_percent(float(value), lang, RATE_DECIMALS)


def _points(value, lang: str) -> str:
    return format_number(abs(float(value)), lang, POINT_DECIMALS)


def _noun(kind: str, n, lang: str) -> str:
    """``"412 hộ nghèo"`` / ``"412 poor households"`` / ``"1 poor household"``."""
    n = round(float(n))
    form = "one" if abs(n) == 1 else "other"
    return sentence(f"noun.{kind}.{form}", lang, n=format_number(n, lang))


def _direction(delta: float, decimals: int = 0) -> str:
    """``decrease``, ``increase`` or ``unchanged`` after rounding to the displayed precision."""
    r = round(float(delta), decimals)
    if r < 0:
        return "decrease"
    if r > 0:
        return "increase"
    return "unchanged"


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return sentence("list.sep", lang).join(items[:-1]) + sentence("list.and", lang) + items[-1]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def ordinal(n: int, lang: str = "en") -> str:
    """``1st``, ``2nd``, ``3rd``, ``11th`` in English; the bare number in Vietnamese."""
    if lang == "vi":
        return str(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def comparable(facts: dict) -> bool | None:
    """Whether ``year`` and ``prev_year`` fall under the same poverty standard.

    Uses ``facts["comparable"]`` when given; otherwise looks the standards up. ``None`` when
    there is no previous year.
    """
    if facts.get("comparable") is not None:
        return bool(facts["comparable"])
    if not _has(facts, "year", "prev_year"):
        return None
    try:
        return standard_for_year(facts["year"]).code == standard_for_year(facts["prev_year"]).code
    except StandardError:
        return False


def _standard_text(year: int, lang: str) -> str:
    try:
        return _lower_first(standard_label(standard_for_year(year).code, lang, short=False))
    except (StandardError, KeyError):
        return str(year)


# ---------------------------------------------------------------------------------------------
# paragraphs
# ---------------------------------------------------------------------------------------------
def headline_paragraph(facts: dict, lang: str = "vi") -> str:
    """Level of poverty, change from the previous year, near-poverty, target and status.

    Example (vi): "Năm 2024, Bù Đăng còn 412 hộ nghèo, chiếm 1,03% tổng số hộ, giảm 120 hộ so
    với năm 2023. Tỷ lệ hộ nghèo giảm 0,30 điểm phần trăm, từ 1,33% xuống 1,03%."

    Parameters
    ----------
    facts : dict
        See the module docstring: ``area_name``, ``year``, ``poor``, ``rate`` required.
    lang : {"vi", "en"}

    Returns
    -------
    str
    """
    # One function, long: the sentences are appended in reading order, each guarded by the
    # facts it needs, so the paragraph reads top to bottom as the code does.
    check_lang(lang)
    _require(facts, ("area_name", "year", "poor", "rate"), "headline paragraph")
    year = int(facts["year"])
    out = []
    level = sentence(
        "headline.level",
        lang,
        year=year,
        area=facts["area_name"],
        poor_hh=_noun("poor_household", facts["poor"], lang),
        rate=_rate(facts["rate"], lang),
    )
    comp = comparable(facts)
    has_prev = _has(facts, "prev_year")
    if has_prev and comp is False:
        prev_year = int(facts["prev_year"])
        out.append(
            level
            + sentence(
                "headline.not_comparable",
                lang,
                year=year,
                prev_year=prev_year,
                standard=_standard_text(year, lang),
                prev_standard=_standard_text(prev_year, lang),
            )
        )
    elif has_prev and _has(facts, "prev_poor"):
        change = round(float(facts["poor"])) - round(float(facts["prev_poor"]))
        out.append(
            level
            + sentence(
                f"headline.change.{_direction(change)}",
                lang,
                change=format_number(abs(change), lang),
                prev_year=int(facts["prev_year"]),
            )
        )
    else:
        out.append(level + sentence("headline.change.none", lang))
    if has_prev and comp is not False and _has(facts, "prev_rate"):
        diff = float(facts["rate"]) - float(facts["prev_rate"])
        out.append(
            sentence(
                f"headline.rate.{_direction(diff, POINT_DECIMALS)}",
                lang,
                points=_points(diff, lang),
                prev_rate=_rate(facts["prev_rate"], lang),
                rate=_rate(facts["rate"], lang),
            )
        )
    if _has(facts, "near_poor", "near_rate"):
        out.append(
            sentence(
                "headline.near_poor",
                lang,
                near_hh=_noun("near_poor_household", facts["near_poor"], lang),
                near_rate=_rate(facts["near_rate"], lang),
            )
        )
    if _has(facts, "target", "achieved") and float(facts["target"]) > 0:
        achieved = float(facts["achieved"])
        share = facts.get("share_achieved")
        if share is None:
            share = 100.0 * achieved / float(facts["target"])
        key = "headline.target" if achieved >= 0 else "headline.target_negative"
        out.append(
            sentence(
                key,
                lang,
                base_year=facts.get("base_year", ""),
                achieved=_count(abs(achieved), lang),
                share=format_percent(float(share), lang, 1),
                target=_count(facts["target"], lang),
                period=facts.get("target_period", ""),
            )
        )
    if _has(facts, "status"):
        out.append(sentence("headline.status", lang, status=status_name(facts["status"], lang)))
    return " ".join(out)


def flows_paragraph(facts: dict, lang: str = "vi") -> str:
    """Escaped, re-poverty and new poverty in the year, the net change and the inflow ratio.

    Parameters
    ----------
    facts : dict
        ``area_name``, ``year``, ``escaped``, ``repoverty``, ``new`` required; ``start``,
        ``end``, ``other`` optional.
    lang : {"vi", "en"}
    """
    check_lang(lang)
    _require(facts, ("area_name", "year", "escaped", "repoverty", "new"), "flows paragraph")
    out = [
        sentence(
            "flows.main",
            lang,
            year=int(facts["year"]),
            area=facts["area_name"],
            escaped_hh=_noun("household", facts["escaped"], lang),
            repoverty_hh=_noun("household", facts["repoverty"], lang),
            new_hh=_noun("household", facts["new"], lang),
        )
    ]
    if _has(facts, "other") and round(float(facts["other"])) != 0:
        other = round(float(facts["other"]))
        out.append(
            sentence("flows.other", lang, other=("+" if other > 0 else "") + _count(other, lang))
        )
    if _has(facts, "start", "end"):
        net = round(float(facts["end"])) - round(float(facts["start"]))
        out.append(
            sentence(
                f"flows.net.{_direction(net)}",
                lang,
                net=format_number(abs(net), lang),
                start=_count(facts["start"], lang),
                end=_count(facts["end"], lang),
            )
        )
    escaped = float(facts["escaped"])
    if escaped > 0:
        per100 = 100.0 * (float(facts["repoverty"]) + float(facts["new"])) / escaped
        out.append(sentence("flows.inflow_ratio", lang, per100=format_number(per100, lang)))
    else:
        out.append(sentence("flows.no_escape", lang))
    return " ".join(out)


def ethnic_paragraph(facts: dict, lang: str = "vi") -> str:
    """Ethnic-minority poverty rate, the gap with other households and how it moved.

    Parameters
    ----------
    facts : dict
        ``area_name``, ``year`` required; ``em_rate``, ``non_em_rate``, ``gap``, ``prev_gap``,
        ``prev_year``, ``comparable``, ``em_poor``, ``em_share_of_poor``, ``em_reduction``,
        ``em_target`` optional.
    lang : {"vi", "en"}
    """
    check_lang(lang)
    _require(facts, ("area_name", "year"), "ethnic paragraph")
    year = int(facts["year"])
    if not _has(facts, "em_rate", "non_em_rate"):
        return sentence("ethnic.none", lang, year=year, area=facts["area_name"])
    gap = facts.get("gap")
    if gap is None:
        gap = float(facts["em_rate"]) - float(facts["non_em_rate"])
    out = [
        sentence(
            "ethnic.rates",
            lang,
            year=year,
            area=facts["area_name"],
            em_rate=_rate(facts["em_rate"], lang),
            non_em_rate=_rate(facts["non_em_rate"], lang),
            gap=_points(gap, lang),
        )
    ]
    if _has(facts, "em_share_of_poor", "em_poor"):
        out.append(
            sentence(
                "ethnic.share",
                lang,
                share=format_percent(float(facts["em_share_of_poor"]), lang, 1),
                em_poor_hh=_noun("household", facts["em_poor"], lang),
            )
        )
    if _has(facts, "prev_year", "prev_gap"):
        prev_year = int(facts["prev_year"])
        if comparable(facts) is False:
            out.append(sentence("ethnic.gap.not_comparable", lang, year=year, prev_year=prev_year))
        else:
            # narrowing = the absolute gap got smaller
            d = abs(float(gap)) - abs(float(facts["prev_gap"]))
            word = {"decrease": "narrowed", "increase": "widened", "unchanged": "unchanged"}[
                _direction(d, POINT_DECIMALS)
            ]
            out.append(
                sentence(f"ethnic.gap.{word}", lang, points=_points(d, lang), prev_year=prev_year)
            )
    if _has(facts, "em_reduction", "em_target"):
        fall = round(float(facts["em_reduction"]))
        direction = {"increase": "decrease", "decrease": "increase", "unchanged": "unchanged"}[
            _direction(fall)
        ]
        out.append(
            sentence(
                f"ethnic.reduction.{direction}",
                lang,
                n=format_number(abs(fall), lang),
                target=_count(facts["em_target"], lang),
            )
        )
    return " ".join(out)


def _indicator_text(item: dict, lang: str, standard: str | None) -> str:
    code = str(item["indicator"])
    if not is_indicator(code):
        return code
    try:
        name = indicator_name(code, lang, standard)
    except KeyError:
        name = indicator_name(code, lang)
    return _lower_first(name)


def deprivation_paragraph(facts: dict, lang: str = "vi") -> str:
    """The three most common deprivations, the top one against the province, the top dimension.

    Parameters
    ----------
    facts : dict
        ``area_name``, ``year`` required; ``top`` (list of ``{"indicator", "share",
        "share_province"}``), ``standard``, ``top_dimension``, ``top_dimension_share``.
    lang : {"vi", "en"}
    """
    check_lang(lang)
    _require(facts, ("area_name", "year"), "deprivation paragraph")
    top = [t for t in (facts.get("top") or []) if _has(t, "indicator", "share")][:3]
    if not top:
        return sentence("deprivation.none", lang, area=facts["area_name"], year=int(facts["year"]))
    standard = facts.get("standard")
    names = [_indicator_text(t, lang, standard) for t in top]
    items = [
        sentence("deprivation.item", lang, name=n, share=format_percent(float(t["share"]), lang, 1))
        for n, t in zip(names, top, strict=True)
    ]
    out = [
        sentence(
            "deprivation.top" if len(items) > 1 else "deprivation.top_single",
            lang,
            year=int(facts["year"]),
            area=facts["area_name"],
            items=_join(items, lang),
        )
    ]
    first = top[0]
    if _has(first, "share_province"):
        diff = float(first["share"]) - float(first["share_province"])
        word = {"increase": "higher", "decrease": "lower", "unchanged": "same"}[_direction(diff, 1)]
        out.append(
            sentence(
                f"deprivation.compare.{word}",
                lang,
                name=names[0],
                share=format_percent(float(first["share"]), lang, 1),
                province=format_percent(float(first["share_province"]), lang, 1),
            )
        )
    if _has(facts, "top_dimension", "top_dimension_share"):
        dim = str(facts["top_dimension"])
        try:
            dim_text = dimension_name(dim, lang)
        except KeyError:
            dim_text = dim
        out.append(
            sentence(
                "deprivation.dimension",
                lang,
                dimension=_lower_first(dim_text),
                share=format_percent(float(facts["top_dimension_share"]), lang, 1),
            )
        )
    return " ".join(out)


def ranking_paragraph(facts: dict, lang: str = "vi") -> str:
    """Rank of the area among the districts, comparison with the province and the spread.

    Parameters
    ----------
    facts : dict
        ``area_name``, ``year`` required; ``rate``, ``rank``, ``n`` (rank 1 = highest rate),
        ``province_rate``, ``min_rate``, ``min_area``, ``max_rate``, ``max_area``.
    lang : {"vi", "en"}
    """
    check_lang(lang)
    _require(facts, ("area_name", "year"), "ranking paragraph")
    out = []
    if _has(facts, "rate", "rank", "n"):
        rank, n = int(facts["rank"]), int(facts["n"])
        key = "ranking.rank"
        if rank == 1 and n > 1:
            key = "ranking.rank_first"
        elif rank == n and n > 1:
            key = "ranking.rank_last"
        out.append(
            sentence(
                key,
                lang,
                year=int(facts["year"]),
                area=facts["area_name"],
                rate=_rate(facts["rate"], lang),
                rank=rank,
                rank_ordinal=ordinal(rank, lang),
                n=n,
            )
        )
    if _has(facts, "rate", "province_rate"):
        diff = float(facts["rate"]) - float(facts["province_rate"])
        word = {"increase": "above", "decrease": "below", "unchanged": "same"}[
            _direction(diff, POINT_DECIMALS)
        ]
        out.append(
            sentence(
                f"ranking.vs_province.{word}",
                lang,
                province_rate=_rate(facts["province_rate"], lang),
                points=_points(diff, lang),
            )
        )
    if _has(facts, "min_rate", "min_area", "max_rate", "max_area"):
        out.append(
            sentence(
                "ranking.spread",
                lang,
                min_rate=_rate(facts["min_rate"], lang),
                min_area=facts["min_area"],
                max_rate=_rate(facts["max_rate"], lang),
                max_area=facts["max_area"],
            )
        )
    return " ".join(out)


def outlook_sentences(outlook, area_name: str, lang: str = "vi") -> list[str]:
    """The forecasts in words: one sentence for 2025 and one for 2030.

    Parameters
    ----------
    outlook : pandas.DataFrame
        `analysis.projection.outlook.outlook_table` of the area.
    area_name : str
    lang : {"vi", "en"}

    Returns
    -------
    list of str
        For 2025 (when projected): poor households with their 80% interval and the poverty
        rate; for 2030: poor households on the continued basis, and on the NĐ 351/2025 basis
        when the outlook has bridged rows.
    """
    import math

    def row(indicator, year, bridged=False):
        hit = outlook[(outlook["indicator"] == indicator) & (outlook["year"] == year)
                      & (outlook["bridged"] == bridged)]  # fmt: skip
        return None if hit.empty or not math.isfinite(hit["point"].iloc[0]) else hit.iloc[0]

    out = []
    for year, key in ((2025, "outlook.2025"), (2030, "outlook.2030")):
        poor, rate = row("poor_households", year), row("poverty_rate_pct", year)
        if poor is None:
            continue
        bridged = row("poor_households", year, True)
        extra = ""
        if bridged is not None:
            extra = sentence("outlook.bridged", lang, poor=_count(bridged["point"], lang),
                             lo=_count(bridged["lo80"], lang), hi=_count(bridged["hi80"], lang))  # fmt: skip
        out.append(
            sentence(
                key,
                lang,
                area=area_name,
                year=year,
                poor=_count(poor["point"], lang),
                lo=_count(poor["lo80"], lang),
                hi=_count(poor["hi80"], lang),
                rate=_rate(rate["point"], lang) if rate is not None else "–",
                bridged=extra,
            )  # fmt: skip
        )
    return out
