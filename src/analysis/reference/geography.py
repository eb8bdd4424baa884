"""Administrative geography as data: province, districts, communes, the 2025 crosswalk.

Everything province-specific lives in ``data/reference/<province>/``; this module only reads it.
Codes are strings with their leading zeros. Names are matched tolerantly: composed or
decomposed Unicode, any case, with or without diacritics, with or without a unit prefix
("Huyện", "H.", "TX.", "TP.", "Xã", "P."...), with stray spaces.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.core import paths
from analysis.core.errors import WorkbookError

# Unit prefixes as written in spreadsheets, longest first, already normalised (see `fold`).
_PREFIXES = (
    "thanh pho",
    "thi xa",
    "thi tran",
    "huyen",
    "phuong",
    "tinh",
    "xa",
    "tp.",
    "tp",
    "tx.",
    "tx",
    "tt.",
    "tt",
    "h.",
    "x.",
    "p.",
)


class UnknownAreaError(WorkbookError, ValueError):
    """An area name or code that the reference data does not know."""


def fold(text: str) -> str:
    """Fold a name to a matching key: NFC, lower case, no diacritics, single spaces.

    Parameters
    ----------
    text : str
        A name as typed in a spreadsheet.

    Returns
    -------
    str
        The key, e.g. ``"Huyện  Bù Đăng"`` and ``"huyen bu dang"`` both give ``"huyen bu dang"``.
    """
    text = unicodedata.normalize("NFC", str(text)).strip().lower()
    text = text.replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", stripped).strip()


def bare_key(text: str) -> str:
    """Fold a name and drop a leading unit prefix (``"TX. Bình Long"`` -> ``"binh long"``)."""
    key = fold(text)
    for prefix in _PREFIXES:
        if key.startswith(prefix + " ") or (prefix.endswith(".") and key.startswith(prefix)):
            rest = key[len(prefix) :].strip()
            if rest:
                return rest
    return key


def slugify(text: str) -> str:
    """ASCII slug of a name (``"Bù Đăng"`` -> ``"bu-dang"``)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


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
    folder : Path
        Where the files were read from (recorded in reports).
    """

    province: pd.Series
    districts: pd.DataFrame
    communes: pd.DataFrame
    crosswalk: pd.DataFrame
    folder: Path
    unit_types: pd.DataFrame = field(default_factory=pd.DataFrame)
    _district_keys: dict = field(default_factory=dict, repr=False)
    _commune_keys: dict = field(default_factory=dict, repr=False)

    # -- lookups -----------------------------------------------------------------------------
    def district_codes(self) -> list[str]:
        """Codes of all district-level units, in code order."""
        return list(self.districts["district_code"])

    def district_name(self, code: str, bare: bool = True) -> str:
        """Vietnamese name of a district (bare, e.g. ``"Bù Đăng"``, or full)."""
        row = self.districts.loc[self.districts["district_code"] == code]
        if row.empty:
            raise UnknownAreaError(f"unknown district code {code!r}")
        return row.iloc[0]["bare_name" if bare else "district_name"]

    def district_slug(self, code: str) -> str:
        """ASCII slug of a district (used in report file names)."""
        return self.districts.set_index("district_code").loc[code, "slug"]

    def area_name(self, code: str, bare: bool = True) -> str:
        """Name of any area code: the province, a district or a commune."""
        if code == self.province["province_code"]:
            return self.province["bare_name" if bare else "province_name"]
        if code in set(self.districts["district_code"]):
            return self.district_name(code, bare)
        row = self.communes.loc[self.communes["commune_code"] == code]
        if row.empty:
            raise UnknownAreaError(f"unknown area code {code!r}")
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
        return _resolve(text, self._district_keys, "district", self.districts["bare_name"])

    def resolve_commune(self, text: str, district: str | None = None) -> str:
        """Resolve a (former) commune name or code to its code.

        A commune name can repeat across districts; give ``district`` (name or code) to choose.
        """
        text = str(text).strip()
        if text in self._commune_keys.get("__codes__", set()):
            return text
        frame = self.communes
        if district is not None:
            frame = frame[frame["district_code"] == self.resolve_district(district)]
        keys = _keys_for(frame, "commune_code", ["commune_name", "bare_name"])
        return _resolve(text, keys, "commune", frame["bare_name"])

    def commune_district(self) -> pd.Series:
        """Map former commune code -> district code."""
        return self.communes.set_index("commune_code")["district_code"]

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


def _keys_for(frame: pd.DataFrame, code_col: str, name_cols: list[str]) -> dict:
    keys: dict[str, set[str]] = {}
    for _, row in frame.iterrows():
        code = row[code_col]
        for col in name_cols:
            for key in {fold(row[col]), bare_key(row[col])}:
                keys.setdefault(key, set()).add(code)
        if "slug" in row:
            keys.setdefault(row["slug"], set()).add(code)
    keys["__codes__"] = set(frame[code_col])
    return keys


def _resolve(text: str, keys: dict, kind: str, names: pd.Series) -> str:
    raw = str(text).strip()
    if raw in keys["__codes__"]:
        return raw
    if raw.isdigit() and raw.zfill(5 if kind == "commune" else 3) in keys["__codes__"]:
        return raw.zfill(5 if kind == "commune" else 3)
    for key in (fold(raw), bare_key(raw)):
        hits = keys.get(key)
        if hits and len(hits) == 1:
            return next(iter(hits))
        if hits:
            raise UnknownAreaError(
                f"{kind} name {raw!r} is ambiguous: it matches codes {sorted(hits)}; "
                f"give the code or the district"
            )
    folded = {bare_key(n): n for n in names}
    close = difflib.get_close_matches(bare_key(raw), list(folded), n=3, cutoff=0.5)
    hint = ", ".join(folded[c] for c in close) if close else ", ".join(sorted(names)[:5])
    raise UnknownAreaError(f"unknown {kind} {raw!r}; closest known names: {hint}")


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
    geo = Geography(
        province=province,
        districts=districts.reset_index(drop=True),
        communes=communes.reset_index(drop=True),
        crosswalk=crosswalk,
        folder=folder,
        unit_types=unit_types,
    )
    geo._district_keys.update(_keys_for(districts, "district_code", ["district_name", "bare_name"]))
    geo._commune_keys.update(_keys_for(communes, "commune_code", ["commune_name", "bare_name"]))
    return geo


def _strip_unit_prefix(name: str) -> str:
    for prefix in ("Thành phố ", "Thị xã ", "Thị trấn ", "Huyện ", "Phường ", "Xã "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name
