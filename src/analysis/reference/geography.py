"""Administrative geography as data: province, districts, communes, the 2025 crosswalk.

Everything province-specific lives in ``data/reference/<province>/``; this module only reads it.
Codes are strings with their leading zeros. Names are matched tolerantly
(:mod:`analysis.reference.names`): composed or decomposed Unicode, any case, with or without
diacritics, with or without a unit prefix ("Huyện", "H.", "TX.", "TP.", "Xã", "P."...), with
stray spaces; a name written with its diacritics wins over one that matches only without them.

Two unit systems (``unit-systems.csv``): the former districts and communes, used by the reviews
up to 2024, and the new communes of 1 July 2025 (``communes-2025-07-01.csv``), used from the
review of 2025. Every new commune code is also the code of one of the former communes it
absorbed, so a code alone does not say which unit it means: the review year does
(:meth:`Geography.unit_system_for_year`), unless a file says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd

from analysis.core import paths
from analysis.core.messages import Joined, Message
from analysis.reference.names import (
    COMMUNE_PREFIXES,
    DISTRICT_PREFIXES,
    NameIndex,
    UnknownAreaError,
    bare_key,
    bare_key_text,
    fold,
    slugify,
    unit_prefix,
)

__all__ = [
    "COMMUNE_PREFIXES",
    "DISTRICT_PREFIXES",
    "Geography",
    "NameIndex",
    "UnknownAreaError",
    "bare_key",
    "bare_key_text",
    "fold",
    "load_geography",
    "slugify",
    "unit_prefix",
]


@dataclass(frozen=True)
class Geography:
    """The reference geography of one province.

    Attributes
    ----------
    province : pandas.Series
        One row: code, name, successor.
    districts : pandas.DataFrame
        One row per district-level unit (code, name, bare name, slug, unit type, border flag,
        validity, centroid).
    communes : pandas.DataFrame
        One row per former commune (code, name, type, zone, district code).
    crosswalk : pandas.DataFrame
        Former commune -> new commune of 1 July 2025.
    unit_types : pandas.DataFrame
        Changes of district unit type over time (``unit-type-history.csv``).
    new_communes : pandas.DataFrame
        One row per new commune of 1 July 2025 (``communes-2025-07-01.csv``: code, name, bare
        name, slug, type, successor province, the former districts it spans); empty for a
        province folder without it.
    unit_systems : pandas.DataFrame
        The unit systems and the review years each one serves (``unit-systems.csv``); without
        that file, one system (the former units) for every year.
    folder : Path
        Where the files were read from (recorded in reports).
    names : dict of str to NameIndex
        The names of the ``"district"``, ``"commune"`` and ``"new commune"`` units, for
        :meth:`resolve_district`, :meth:`resolve_commune` and :meth:`resolve_new_commune`.
    """

    province: pd.Series
    districts: pd.DataFrame
    communes: pd.DataFrame
    crosswalk: pd.DataFrame
    folder: Path
    unit_types: pd.DataFrame = field(default_factory=pd.DataFrame)
    new_communes: pd.DataFrame = field(default_factory=pd.DataFrame)
    unit_systems: pd.DataFrame = field(default_factory=pd.DataFrame)
    names: dict = field(default_factory=dict, repr=False)

    # -- lookups -----------------------------------------------------------------------------
    def district_codes(self) -> list[str]:
        """Codes of all district-level units, in code order."""
        return list(self.districts["district_code"])

    def district_name(self, code: str, bare: bool = True) -> str:
        """Vietnamese name of a district (bare, e.g. ``"Bù Đăng"``, or full)."""
        row = self.districts.loc[self.districts["district_code"] == code]
        if row.empty:
            raise UnknownAreaError(Message("geo.unknown_district_code", code=repr(code)))
        return row.iloc[0]["bare_name" if bare else "district_name"]

    def district_slug(self, code: str) -> str:
        """ASCII slug of a district (used in report file names)."""
        return self.districts.set_index("district_code").loc[code, "slug"]

    def area_name(self, code: str, bare: bool = True, unit_system: str | None = None) -> str:
        """Name of any area code: the province, a district or a commune.

        ``unit_system`` chooses between a former commune and the new commune of the same code
        (default: the former units).
        """
        if unit_system is not None and unit_system == self.new_system:
            return self.new_commune_name(code, bare)
        if code == self.province["province_code"]:
            return self.province["bare_name" if bare else "province_name"]
        if code in set(self.districts["district_code"]):
            return self.district_name(code, bare)
        row = self.communes.loc[self.communes["commune_code"] == code]
        if row.empty:
            raise UnknownAreaError(Message("geo.unknown_area_code", code=repr(code)))
        return row.iloc[0]["bare_name" if bare else "commune_name"]

    def resolve_district(self, text: str) -> str:
        """Resolve a district name or code to its code.

        Parameters
        ----------
        text : str
            A code (``"696"``), a slug (``"bu-dang"``) or a name in any of the tolerated spellings.

        Returns
        -------
        str
            The district code.

        Raises
        ------
        UnknownAreaError
            With the closest known names when nothing matches.
        """
        return self.names["district"].resolve(text)

    def resolve_commune(self, text: str, district: str | None = None) -> str:
        """Resolve a (former) commune name or code to its code.

        A commune name can repeat across districts; give ``district`` (name or code) to choose.
        A code or name of a commune of another district than ``district`` is refused, naming
        both.

        Raises
        ------
        UnknownAreaError
            See :meth:`~analysis.reference.names.NameIndex.resolve`; also for a commune outside
            ``district``.
        """
        index = self.names["commune"]
        if district is None:
            return index.resolve(text)
        code = self.resolve_district(district)
        within = frozenset(
            self.communes.loc[self.communes["district_code"] == code, "commune_code"]
        )
        found = index.resolve(text, within, self.district_name(code, bare=False))
        if found not in within:  # a code names its commune whatever the district says
            home = self.communes.set_index("commune_code").at[found, "district_code"]
            raise UnknownAreaError(
                Message(
                    "geo.commune_elsewhere",
                    text=repr(str(text).strip()),
                    full=index.units[found][0],
                    found=found,
                    home=self.district_name(home, bare=False),
                    district=repr(str(district).strip()),
                    district_name=self.district_name(code, bare=False),
                    code=code,
                )
            )
        return found

    def commune_district(self) -> pd.Series:
        """Map former commune code -> district code."""
        return self.communes.set_index("commune_code")["district_code"]

    # -- unit systems: former units (to the 2024 review) and new communes (from 2025) -----------
    @cached_property
    def former_system(self) -> str:
        """Name of the unit system of the former districts and communes (``former-communes``)."""
        levels = self.unit_systems["levels"].str.contains("district")
        return str(self.unit_systems.loc[levels, "unit_system"].iloc[0])

    @cached_property
    def new_system(self) -> str | None:
        """Name of the unit system of the new communes (``communes-2025``), if there is one."""
        other = self.unit_systems[self.unit_systems["unit_system"] != self.former_system]
        return None if other.empty else str(other["unit_system"].iloc[0])

    def unit_system_for_year(self, year: int) -> str:
        """The unit system a review year's data are kept in by default.

        Parameters
        ----------
        year : int
            Review year.

        Returns
        -------
        str
            ``former-communes`` through the review of 2024, ``communes-2025`` from 2025 (from
            ``unit-systems.csv``); the former units for a year no row covers.
        """
        for row in self.unit_systems.itertuples(index=False):
            first, last = row.first_review_year, row.last_review_year
            if (first == "" or int(first) <= int(year)) and (last == "" or int(year) <= int(last)):
                return str(row.unit_system)
        return self.former_system

    def unit_system_years(self, unit_system: str) -> str:
        """The review years of a unit system as text (``"up to 2024"``, ``"from 2025"``)."""
        row = self.unit_systems.set_index("unit_system").loc[unit_system]
        first, last = row["first_review_year"], row["last_review_year"]
        if first and last:
            return f"{first}-{last}"
        return f"up to {last}" if last else f"from {first}"

    def resolve_unit_system(self, text: str) -> str:
        """A unit system as written in a file (its name or an alias, any case) to its name.

        Raises
        ------
        UnknownAreaError
            For an unknown value, listing the known names.
        """
        key = fold(text)
        for row in self.unit_systems.itertuples(index=False):
            names = [row.unit_system, *str(row.aliases).split("|")]
            if key in {fold(n) for n in names if n.strip()}:
                return str(row.unit_system)
        known = Joined([f"'{n}'" for n in self.unit_systems["unit_system"]], Message("words.or"))
        raise UnknownAreaError(
            Message("rule.unit_system.unknown", value=repr(str(text)), known=known)
        )

    def new_commune_codes(self) -> set[str]:
        """Codes of the new communes of 1 July 2025."""
        return set(self.new_communes.get("commune_code", []))

    def new_commune_name(self, code: str, bare: bool = True) -> str:
        """Vietnamese name of a new commune (bare, e.g. ``"Phước Bình"``, or full)."""
        row = self.new_communes.loc[self.new_communes["commune_code"] == code]
        if row.empty:
            raise UnknownAreaError(Message("geo.unknown_new_code", code=repr(code)))
        return row.iloc[0]["bare_name" if bare else "commune_name"]

    def resolve_new_commune(self, text: str) -> str:
        """Resolve a new commune's name or code (1 July 2025) to its code.

        Accepts the spellings :meth:`resolve_commune` accepts (``"Phường Bình Phước"``,
        ``"P. Bình Phước"``, ``"Binh Phuoc"``, ``"xã Tân Hưng"``...). Two names that differ only
        by their diacritics (Lộc Thạnh, Lộc Thành) need them, or the code.
        """
        return self.names["new commune"].resolve(text)

    def new_commune_of(self) -> pd.Series:
        """Map former commune code -> the new commune code it became part of (1 July 2025)."""
        return self.crosswalk.set_index("old_commune_code")["new_commune_code"]

    def new_commune_districts(self) -> pd.DataFrame:
        """Each new commune with the former districts its former communes belonged to.

        Returns
        -------
        pandas.DataFrame
            ``new_commune_code``, ``district_code``, ``old_commune_code`` (one row per former
            commune, from the crosswalk).
        """
        cw = self.crosswalk
        return cw[["new_commune_code", "old_district_code", "old_commune_code"]].rename(
            columns={"old_district_code": "district_code"}
        )

    def unit_type(self, code: str, year: int) -> str:
        """A district's unit type (city / town / district) in a given year.

        ``unit-type-history.csv`` holds the changes (Chơn Thành: a district until 2021, a town
        from 2022); other districts keep the type of ``districts.csv``.
        """
        history = self.unit_types[self.unit_types["district_code"] == code]
        for _, row in history.iterrows():
            if int(row["from_year"]) <= int(year) <= int(row["to_year"]):
                return row["unit_type"]
        return self.districts.set_index("district_code").loc[code, "unit_type"]


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@lru_cache(maxsize=8)
def load_geography(folder: str | Path | None = None) -> Geography:
    """Load a province's reference folder.

    Parameters
    ----------
    folder : str or Path, optional
        Defaults to ``paths.reference_dir()`` (Bình Phước).

    Returns
    -------
    Geography
    """
    folder = Path(folder) if folder is not None else paths.reference_dir()
    province = _read_csv(folder / "province.csv").iloc[0]
    districts = _read_csv(folder / "districts.csv")
    districts["border"] = districts["border"].str.lower().eq("true")
    centroids = _read_csv(folder / "district-centroids.csv")[
        ["district_code", "centroid_lon", "centroid_lat"]
    ].astype({"centroid_lon": float, "centroid_lat": float})
    districts = districts.merge(centroids, on="district_code", how="left")
    units = _read_csv(folder / "units-2025-03-01.csv")
    communes = units[["commune_code", "commune_name", "commune_type", "district_code"]].copy()
    communes["bare_name"] = communes["commune_name"].map(_strip_unit_prefix)
    communes["zone"] = communes["commune_type"].map(
        lambda t: "rural" if fold(t) == "xa" else "urban"
    )
    crosswalk = _read_csv(folder / "crosswalk-2025-07-01.csv")
    history = folder / "unit-type-history.csv"
    unit_types = (
        _read_csv(history)
        if history.exists()
        else pd.DataFrame(columns=["district_code", "unit_type", "from_year", "to_year"])
    )
    systems_path = folder / "unit-systems.csv"
    systems = _read_csv(systems_path) if systems_path.exists() else _one_unit_system(province)
    new_path = folder / "communes-2025-07-01.csv"
    new_communes = (
        _read_csv(new_path)
        if new_path.exists()
        else pd.DataFrame(columns=["commune_code", "commune_name", "bare_name"])
    )
    geo = Geography(
        province=province,
        districts=districts.reset_index(drop=True),
        communes=communes.reset_index(drop=True),
        crosswalk=crosswalk,
        folder=folder,
        unit_types=unit_types,
        new_communes=new_communes.reset_index(drop=True),
        unit_systems=systems,
        names=_name_indexes(province, districts, communes, new_communes),
    )
    return geo


def _name_indexes(
    province: pd.Series,
    districts: pd.DataFrame,
    communes: pd.DataFrame,
    new_communes: pd.DataFrame,
) -> dict[str, NameIndex]:
    """The name indexes of :attr:`Geography.names`."""
    place = str(province["bare_name"])
    district_of = districts.set_index("district_code")["bare_name"]
    return {
        "district": NameIndex.build(districts, "district", place, "district_code"),
        "commune": NameIndex.build(
            communes,
            "commune",
            place,
            "commune_code",
            communes["district_code"].map(district_of).fillna(""),
        ),
        "new commune": NameIndex.build(new_communes, "new commune", place, "commune_code"),
    }


def _one_unit_system(province: pd.Series) -> pd.DataFrame:
    """The unit-system table of a province folder without ``unit-systems.csv``: one system."""
    row = {
        "unit_system": "former-communes",
        "name": f"{province['bare_name']}: districts and communes",
        "levels": "district|commune",
        "first_review_year": "",
        "last_review_year": "",
        "aliases": "former",
    }
    return pd.DataFrame([row])


def _strip_unit_prefix(name: str) -> str:
    for prefix in ("Thành phố ", "Thị xã ", "Thị trấn ", "Huyện ", "Phường ", "Xã "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def area_title(geo: Geography, name: str, level: str, year: int, lang: str) -> str:
    """An area's name as reports of review ``year`` write it: after the merger of 1 July 2025
    a district is a former district ("Bù Đăng (huyện cũ)") and the province is now part of
    Đồng Nai; before, the name as it is.

    Parameters
    ----------
    geo : Geography
    name : str
        The area's name.
    level : {"district", "province"}
    year : int
        Review year.
    lang : {"vi", "en"}
    """
    from analysis.core.i18n import label

    if geo.unit_system_for_year(int(year)) == geo.former_system:
        return name
    key = "area.former_district" if level == "district" else "area.former_province"
    return label(key, lang, name=name)
