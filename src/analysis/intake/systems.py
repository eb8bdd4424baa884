"""Unit systems at intake: which units a row's area code or name refers to.

Up to the review of 2024 the data are kept by district and former commune; from the review of
2025 by the new communes of 1 July 2025 (``data/reference/<province>/unit-systems.csv``). Every
new commune code is also the code of one of the former communes it absorbed, so a code alone
does not say which unit it means. A row's unit system is therefore its review year's
(:meth:`~analysis.reference.geography.Geography.unit_system_for_year`), unless the file has a
``unit_system`` column (headers in :data:`analysis.intake.headers.UNIT_SYSTEM_HEADERS`) that
says otherwise. A name or code that belongs to the other system only (a former commune in 2025
data, a new commune in 2024 data, a district after June 2025) is refused with what to do, and so
are rows of one year kept in two systems.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from analysis.core.messages import Message
from analysis.intake.problems import Problem, row_ranges
from analysis.reference.geography import (
    COMMUNE_PREFIXES,
    DISTRICT_PREFIXES,
    Geography,
    UnknownAreaError,
    bare_key,
    fold,
    unit_prefix,
)

#: Column name of the unit system in tables, and of the problems about it.
UNIT_SYSTEM = "unit_system"

#: ``resolve(text, level, system, why) -> code``: see :func:`area_resolver`.
Resolver = Callable[[str, "str | None", str, str], str]


def row_systems(
    years: Sequence, cells: Sequence | None, geo: Geography
) -> tuple[list[str], list[str]]:
    """The unit system of each row, and why (for the messages).

    Parameters
    ----------
    years : sequence
        Each row's review year (None where unknown).
    cells : sequence, optional
        Each row's ``unit_system`` cell as a unit system's name (see
        :meth:`~analysis.reference.geography.Geography.resolve_unit_system`; None when empty
        or unreadable); None without such a column.
    geo : Geography

    Returns
    -------
    systems : list of str
        The cell's system when it is filled in, else the year's (the former units when the
        year is unknown).
    reasons : list of str
        Why, as a clause: "its unit_system cell says 'communes-2025'" or "the reviews from
        2025 are kept by new commune" (a few distinct values).
    """
    codes, uniques = pd.factorize(np.asarray(list(years), dtype=object), use_na_sentinel=True)
    # one entry per distinct year, then one for an unknown year (code -1 picks the last entry)
    system_of = [geo.unit_system_for_year(int(y)) for y in uniques] + [geo.former_system]
    reason_of = [_default_reason(geo, s) for s in system_of[:-1]]
    reason_of.append(Message("systems.reason.unknown_year"))
    systems = np.array(system_of, dtype=object)[codes]
    reasons = np.array(reason_of, dtype=object)[codes]
    if cells is not None:
        given = np.asarray(list(cells), dtype=object)
        filled = np.array([c is not None for c in given], dtype=bool)
        systems[filled] = given[filled]
        reasons[filled] = [
            Message("systems.reason.cell", column=UNIT_SYSTEM, value=c) for c in given[filled]
        ]
    return systems.tolist(), reasons.tolist()


def _default_reason(geo: Geography, system: str) -> Message:
    kept = Message("systems.kept.new" if system == geo.new_system else "systems.kept.former")
    years = geo.unit_system_years(system)  # "2016-2024", "up to 2024" or "from 2025"
    for prefix, key in (("from ", "years.from"), ("up to ", "years.up_to")):
        if years.startswith(prefix):
            years = Message(key, year=years.removeprefix(prefix))
    return Message("systems.reason.default", years=years, kept=kept)


def mixed_year_problems(
    years: Sequence, systems: Sequence[str], rows: list[int], source: str, geo: Geography
) -> list[Problem]:
    """Rows whose unit system differs from that of the other rows of the same review year.

    Parameters
    ----------
    years, systems : sequence
        Each row's year and unit system (:func:`row_systems`).
    rows : list of int
    source : str
    geo : Geography

    Returns
    -------
    list of Problem
        One per row outside its year's system (the year's default system when some rows use
        it, else the most common one), on the ``unit_system`` column.
    """
    if len(set(systems)) < 2:
        return []
    table = pd.DataFrame(
        {"year": pd.array(list(years), dtype="Int64"), "system": list(systems), "row": rows}
    ).dropna(subset=["year"])
    counts = table.groupby("year")["system"].nunique()
    problems = []
    for year in counts.index[counts > 1]:
        groups = {
            system: list(part["row"])
            for system, part in table[table["year"] == year].groupby("system", sort=False)
        }
        default = geo.unit_system_for_year(int(year))
        main = default if default in groups else max(groups, key=lambda s: len(groups[s]))
        for system, system_rows in groups.items():
            if system == main:
                continue
            for row in system_rows:
                problems.append(
                    Problem(
                        source,
                        row,
                        UNIT_SYSTEM,
                        Message(
                            "systems.year_mixed",
                            year=year,
                            system=system,
                            rows=row_ranges(groups[main]),
                            main=main,
                            column=UNIT_SYSTEM,
                        ),
                    )
                )
    return problems


def province_keys(geo: Geography, system: str) -> set[str]:
    """Cells that name the province itself in a row of ``system`` (a total row).

    Parameters
    ----------
    geo : Geography
    system : str

    Returns
    -------
    set of str
        Folded names and codes. In rows by new commune the bare province name is not among
        them: "Bình Phước" is then the ward Phường Bình Phước; the successor province
        ("Tỉnh Đồng Nai", its code) is.
    """
    province = geo.province
    keys = {fold(province["province_name"]), str(province["province_code"])}
    if system == geo.new_system:
        name = str(province.get("successor_province_name", "") or "")
        code = str(province.get("successor_province_code", "") or "")
        keys |= {k for k in (fold(name), bare_key(name), code) if k}
    else:
        keys.add(bare_key(province["province_name"]))
    return keys


def is_province_cell(text: str, geo: Geography, system: str) -> bool:
    """Whether an area cell names the province (then its row is a total row).

    A name with a commune or district prefix ("Phường Bình Phước") never does.

    Parameters
    ----------
    text : str
    geo : Geography
    system : str
        The row's unit system.

    Returns
    -------
    bool
    """
    prefix = unit_prefix(text)
    if prefix is not None and prefix != "tinh":
        return False
    keys = province_keys(geo, system)
    return fold(text) in keys or (prefix == "tinh" and bare_key(text) in keys)


def area_resolver(geo: Geography, former: Callable[[str, str | None], str]) -> Resolver:
    """A function from an area as written, its level and its row's unit system to its code.

    Parameters
    ----------
    geo : Geography
    former : callable
        ``former(text, level) -> code`` among the former districts and communes (the resolver
        of :func:`analysis.intake.cells.area_resolver`).

    Returns
    -------
    callable
        ``resolve(text, level, system, why) -> code``; ``why`` is the clause of
        :func:`row_systems` used in messages. In rows by new commune a code or name is one of
        the new communes; a former commune or a district there (or a new commune's name in a
        row by former units) raises :class:`~analysis.reference.geography.UnknownAreaError`
        saying so and what to do.
    """

    return _two_system_resolver(geo, former, lambda level: level)


def commune_resolver(geo: Geography) -> Callable[[str, str | None, str, str], str]:
    """Like :func:`area_resolver` for the commune of a household record.

    Parameters
    ----------
    geo : Geography

    Returns
    -------
    callable
        ``resolve(commune, district, system, why) -> code``; ``district`` (name or code, may
        be None) picks among former communes of the same name and is not used for new
        communes.
    """

    def former(text: str, district: str | None) -> str:
        return geo.resolve_commune(text, district=district)

    return _two_system_resolver(geo, former, lambda district: "commune")


def _two_system_resolver(geo: Geography, former, new_level) -> Resolver:
    """``resolve(text, extra, system, why)``: ``former(text, extra)`` in rows by former units
    (a new commune's name there gets a hint that says so), the new commune of ``text`` at level
    ``new_level(extra)`` in rows by new commune."""

    def resolve(text: str, extra: str | None, system: str, why: str) -> str:
        if system != geo.new_system:
            try:
                return former(text, extra)
            except UnknownAreaError as err:
                known = err.ambiguous or err.candidates  # a former commune's name
                hint = None if known else _new_commune_hint(geo, text, why)
                if hint is None:
                    raise
                raise UnknownAreaError(hint) from err
        return _resolve_new(geo, text, new_level(extra), why)

    return resolve


def name_conflict(geo: Geography, code: str, name: str, system: str, why: str) -> Message | None:
    """A message when a name column names a unit of the other unit system only.

    The case of a file by new commune read as former units: code 25217 with the name
    "Phường Phước Long" (the new ward; former commune 25217 is Long Thủy), or a former
    commune's name in 2025 data.

    Parameters
    ----------
    geo : Geography
    code : str
        The row's resolved code.
    name : str
        The name cell, which does not name a unit of ``system``.
    system : str
        The row's unit system.
    why : str
        The clause of :func:`row_systems`.

    Returns
    -------
    Message or None
        None when the name is not a unit of the other system either.
    """
    new = system != geo.new_system
    other = geo.new_system if new else geo.former_system
    if other is None:
        return None
    try:
        named = geo.resolve_new_commune(name) if new else geo.resolve_commune(name)
    except UnknownAreaError:
        return None
    what = Message("systems.what.new_commune" if new else "systems.what.former_commune")
    fix = (
        Message("systems.fix.add_column", other=other, column=UNIT_SYSTEM)
        if named == code
        else Message("systems.fix.name_or_code")
    )
    return Message(
        "systems.name_conflict",
        code=code,
        name=geo.area_name(code, bare=False, unit_system=system),
        system=system,
        why=why,
        given=repr(name),
        what=what,
        named_name=geo.area_name(named, bare=False, unit_system=other),
        named=named,
        other=other,
        fix=fix,
    )


def _resolve_new(geo: Geography, text: str, level: str | None, why: str) -> str:
    """A new commune's code from a code or name; a former unit is refused with the fix."""
    if text.isdigit():
        if text.zfill(5) in geo.new_commune_codes():
            return text.zfill(5)
        if text.zfill(5) in set(geo.communes["commune_code"]):
            raise UnknownAreaError(_former_commune_message(geo, text, text.zfill(5), why))
        if text.zfill(3) in set(geo.district_codes()):
            raise UnknownAreaError(_district_message(geo, text, text.zfill(3), why))
        raise UnknownAreaError(Message("systems.not_new_code", code=repr(text)))
    if level == "district" or unit_prefix(text) in DISTRICT_PREFIXES:
        raise UnknownAreaError(_district_message(geo, text, _district_or_none(geo, text), why))
    try:
        return geo.resolve_new_commune(text)
    except UnknownAreaError as err:
        if err.ambiguous:
            raise
        first = err
    try:
        code = geo.resolve_commune(text)
    except UnknownAreaError as err:
        if err.ambiguous:  # several former communes of this name, none a new one
            raise UnknownAreaError(
                Message(
                    "systems.former_names",
                    text=repr(text),
                    why=why,
                    column=UNIT_SYSTEM,
                    former=geo.former_system,
                )
            ) from None
        district = _district_or_none(geo, text)
        if district is None:
            raise first from None
        raise UnknownAreaError(_district_message(geo, text, district, why)) from None
    raise UnknownAreaError(_former_commune_message(geo, text, code, why))


def _district_or_none(geo: Geography, text: str) -> str | None:
    try:
        return geo.resolve_district(text)
    except UnknownAreaError:
        return None


def _former_commune_message(geo: Geography, text: str, code: str, why: str) -> Message:
    new = geo.new_commune_of().get(code)
    became = (
        Message("systems.became", name=geo.new_commune_name(new, bare=False), code=new)
        if new is not None
        else ""
    )
    return Message(
        "systems.former_commune",
        text=repr(text),
        name=geo.area_name(code, bare=False),
        code=code,
        became=became,
        why=why,
        column=UNIT_SYSTEM,
        former=geo.former_system,
    )


def _district_message(geo: Geography, text: str, code: str | None, why: str) -> Message:
    what = (
        Message("systems.what.former_district", name=geo.district_name(code, bare=False))
        if code
        else Message("systems.what.a_district")
    )
    return Message(
        "systems.district",
        text=repr(text),
        what=what,
        why=why,
        column=UNIT_SYSTEM,
        former=geo.former_system,
    )


def _new_commune_hint(geo: Geography, text: str, why: str) -> Message | None:
    """The message for a new commune's name in a row kept in the former units, if it is one."""
    if geo.new_system is None or text.isdigit():
        return None
    if unit_prefix(text) is not None and unit_prefix(text) not in COMMUNE_PREFIXES:
        return None
    try:
        code = geo.resolve_new_commune(text)
    except UnknownAreaError:
        return None
    return Message(
        "systems.new_commune_hint",
        text=repr(text),
        name=geo.new_commune_name(code, bare=False),
        code=code,
        why=why,
        column=UNIT_SYSTEM,
        new=geo.new_system,
    )


def shared_code_notes(
    years: Sequence, codes: Sequence, systems: Sequence[str], geo: Geography
) -> list[str]:
    """Notes for years read as former communes whose codes all are new communes' codes too.

    A file by new commune whose rows carry a review year kept by former commune (2024 or
    earlier) is read as former communes; when every commune code of such a year is also a new
    commune's (at least five of them), a note says how to read it as new communes instead.

    Parameters
    ----------
    years, codes, systems : sequence
        Each row's year, resolved area code and unit system.
    geo : Geography

    Returns
    -------
    list of str
    """
    new_codes = geo.new_commune_codes()
    communes = set(geo.communes["commune_code"])
    by_year: dict[int, set[str]] = {}
    for year, code, system in zip(years, codes, systems, strict=True):
        if year is not None and code is not None and system == geo.former_system:
            by_year.setdefault(int(year), set()).add(code)
    notes = []
    for year, found in sorted(by_year.items()):
        found_communes = found & communes
        if len(found_communes) >= 5 and found_communes == found and found <= new_codes:
            notes.append(
                Message(
                    "systems.shared_codes",
                    year=year,
                    n=len(found),
                    column=UNIT_SYSTEM,
                    new=geo.new_system,
                )
            )
    return notes
