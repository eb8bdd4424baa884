"""Matching the names of areas as analysts write them.

:func:`fold` and :func:`bare_key` give the keys names are matched on (no case, no diacritics,
no unit prefix); :class:`NameIndex` holds the names of one kind of unit and resolves a code or a
name to a code: a name written with its diacritics wins over one that matches only without
them ("Xã Lộc Thạnh" and "Xã Lộc Thành", both in Lộc Ninh, are told apart; "Loc Thanh" is
ambiguous, and the message says how to tell them apart); an unknown name gets the names a few
edits away (on folded names, without prefixes), or "not in this province" when none is close.
:class:`~analysis.reference.geography.Geography` keeps one index per kind of unit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd
from rapidfuzz.distance import OSA

from analysis.core.errors import WorkbookError
from analysis.core.messages import Joined, Message

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


#: Prefixes (as :func:`unit_prefix` gives them) that make a name a commune, ward or township.
COMMUNE_PREFIXES = frozenset({"xa", "phuong", "thi tran", "x.", "p.", "tt.", "tt"})
#: Prefixes that make a name a district, town or city.
DISTRICT_PREFIXES = frozenset({"huyen", "thi xa", "thanh pho", "h.", "tx.", "tp.", "tx", "tp"})


class UnknownAreaError(WorkbookError, ValueError):
    """An area name or code that the reference data does not know, or that is ambiguous.

    Parameters
    ----------
    message : str
    candidates : iterable of str, optional
        The codes the name may mean: those of an ambiguous name, or of a name of units
        outside the district given (empty for an unknown name).
    """

    def __init__(self, message: str, candidates=()):
        super().__init__(message)
        self.candidates = tuple(sorted(candidates))

    @property
    def ambiguous(self) -> bool:
        """Whether the name matches several units (whatever language the message is shown in)."""
        said = self.args[0] if self.args else ""
        if isinstance(said, Message):
            return said.key == "names.ambiguous"
        return "ambiguous" in str(said)


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


def unit_prefix(text: str) -> str | None:
    """The unit prefix a name starts with, folded (``"P. Tân Phú"`` -> ``"p."``), or None.

    Parameters
    ----------
    text : str

    Returns
    -------
    str or None
        One of the prefixes :func:`bare_key` drops (``"xa"``, ``"huyen"``, ``"tinh"``...).
    """
    key = fold(text)
    for prefix in _PREFIXES:
        starts = key.startswith(prefix + " ") or (prefix.endswith(".") and key.startswith(prefix))
        if starts and key[len(prefix) :].strip():
            return prefix
    return None


def slugify(text: str) -> str:
    """ASCII slug of a name (``"Bù Đăng"`` -> ``"bu-dang"``)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def _limit(query: str) -> int:
    """How many edits a name may be from the one written to be offered as a close name."""
    return 1 if len(query) <= 8 else 2 if len(query) <= 14 else 3


@dataclass(frozen=True)
class NameIndex:
    """The names of one kind of unit, for matching (see :meth:`NameIndex.resolve`).

    Attributes
    ----------
    kind : str
        ``"district"``, ``"commune"`` or ``"new commune"`` (in messages).
    place : str
        The province's name (in messages).
    width : int
        Digits of a code (3 for districts, 5 for communes): ``"696"``, ``"25280"``.
    codes : frozenset of str
        Every code of the kind (kept apart from the names: no name can be mistaken for them).
    folded : dict of str to frozenset of str
        Name without diacritics (:func:`fold`, :func:`bare_key`, the slug) -> codes.
    exact : dict of str to frozenset of str
        Name with its diacritics, lower case (full and without its unit prefix) -> codes.
    units : dict of str to tuple of str
        Code -> (full name, bare name, district name or ''), for messages.
    """

    kind: str
    place: str
    width: int
    codes: frozenset
    folded: dict
    exact: dict
    units: dict

    @classmethod
    def build(
        cls,
        frame: pd.DataFrame,
        kind: str,
        place: str,
        code_col: str,
        districts: pd.Series | None = None,
    ) -> NameIndex:
        """The index of a reference table.

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per unit, with ``code_col``, a full name (``district_name`` or
            ``commune_name``), ``bare_name`` and optionally ``slug``.
        kind, place : str
            See the attributes.
        code_col : str
        districts : pandas.Series, optional
            Each row's district name (communes), shown in messages.

        Returns
        -------
        NameIndex
        """
        full_col = "district_name" if "district_name" in frame else "commune_name"
        folded: dict[str, set[str]] = {}
        exact: dict[str, set[str]] = {}
        units = {}
        for i, row in enumerate(frame.itertuples(index=False)):
            code = str(getattr(row, code_col))
            full, bare = str(getattr(row, full_col)), str(row.bare_name)
            for name in (full, bare):
                for key in (fold(name), bare_key(name)):
                    folded.setdefault(key, set()).add(code)
                for key in (_exact_key(name), bare_key_text(name)):
                    exact.setdefault(key, set()).add(code)
            slug = getattr(row, "slug", None)
            if isinstance(slug, str) and slug:
                folded.setdefault(slug, set()).add(code)
            district = "" if districts is None else str(districts.iloc[i])
            units[code] = (full, bare, district)
        return cls(
            kind=kind,
            place=place,
            width=3 if kind == "district" else 5,
            codes=frozenset(units),
            folded={k: frozenset(v) for k, v in folded.items()},
            exact={k: frozenset(v) for k, v in exact.items()},
            units=units,
        )

    def label(self, code: str) -> str:
        """``"Xã Lộc Thạnh (25280, Lộc Ninh)"``: a unit as messages name it."""
        full, _, district = self.units[code]
        return f"{full} ({code}, {district})" if district else f"{full} ({code})"

    def resolve(self, text: str, within: frozenset | None = None, where: str = "") -> str:
        """The code of a unit written as a code or a name.

        A code is taken as it is (with or without its leading zeros). A name is matched first
        as written, then without its unit prefix; without diacritics, and when several units
        share that form, with its diacritics: "Xã Lộc Thạnh" and "Xã Lộc Thành" are told
        apart, "Loc Thanh" is ambiguous.

        Parameters
        ----------
        text : str
        within : frozenset of str, optional
            The codes to choose among (the communes of a district); codes are not limited.
        where : str
            What ``within`` is, for messages (``"Huyện Lộc Ninh"``).

        Returns
        -------
        str

        Raises
        ------
        UnknownAreaError
            For an ambiguous name (the units it matches and how to tell them apart), a name of
            a unit outside ``within``, or an unknown name: the close names (:meth:`closest`)
            or, when none is close, that the name is not in this province.
        """
        raw = str(text).strip()
        if raw in self.codes:
            return raw
        if raw.isdigit() and raw.zfill(self.width) in self.codes:
            return raw.zfill(self.width)
        kind = self._kind()
        if not raw:
            raise UnknownAreaError(Message("names.empty", kind=kind))
        outside: set[str] = set()
        ambiguous: frozenset = frozenset()
        for exact_key, folded_key in (
            (_exact_key(raw), fold(raw)),
            (bare_key_text(raw), bare_key(raw)),
        ):
            found = self.folded.get(folded_key, frozenset())
            hits = found if within is None else found & within
            outside |= found - hits
            if len(hits) == 1:
                return next(iter(hits))
            if hits:
                spelled = self.exact.get(exact_key, frozenset()) & hits
                if len(spelled) == 1:
                    return next(iter(spelled))
                ambiguous = ambiguous or spelled or hits  # the prefix may be plain: "Xa Lộc Thạnh"
        if ambiguous:
            raise UnknownAreaError(self._ambiguous(raw, ambiguous, within is not None), ambiguous)
        if outside:
            named = Joined([self.label(c) for c in sorted(outside)], Message("words.and"))
            key = "names.outside.one" if len(outside) == 1 else "names.outside.many"
            raise UnknownAreaError(
                Message(key, kind=kind, text=repr(raw), where=where, named=named), outside
            )
        close = self.closest(raw, within)
        if close:
            names = ", ".join(self._shown(close))
            raise UnknownAreaError(Message("names.closest", kind=kind, text=repr(raw), names=names))
        scope = where or self.place
        raise UnknownAreaError(
            Message(
                "names.not_in_province", kind=kind, text=repr(raw), scope=scope, place=self.place
            )
        )

    def _kind(self) -> Message:
        """The kind of unit as messages name it ("district", "huyện"...)."""
        return Message(f"names.kind.{self.kind.replace(' ', '_')}")

    def closest(self, text: str, within: frozenset | None = None, n: int = 3) -> list[str]:
        """The codes of the names closest to ``text``, closest first (at most ``n``).

        Names are compared without their unit prefixes by the number of edits (insertions,
        deletions, substitutions, swaps of neighbours: optimal string alignment): with their
        diacritics when ``text`` is written with diacritics, else without. A name is close
        within 1 edit for up to 8 letters, 2 up to 14, else 3: "Bu Dangg" is close to Bù Đăng,
        "Thủ Đức" is not close to Phú Đức (2 edits).

        Parameters
        ----------
        text : str
        within : frozenset of str, optional
        n : int

        Returns
        -------
        list of str
            Empty when nothing is close.
        """
        query, key = bare_key_text(text), bare_key
        if query == bare_key(text):  # written without diacritics
            query = bare_key(text)
        else:
            key = bare_key_text
        limit = _limit(query)
        scored = []
        for code in sorted(self.codes if within is None else self.codes & within):
            bare = self.units[code][1]
            distance = OSA.distance(query, key(bare))
            if distance <= limit:
                scored.append((distance, fold(bare), code))
        return [code for _, _, code in sorted(scored)[:n]]

    def _shown(self, codes: list[str]) -> list[str]:
        bare = [self.units[c][1] for c in codes]
        return [f"{b} ({c})" if bare.count(b) > 1 else b for b, c in zip(bare, codes, strict=True)]

    def _ambiguous(self, raw: str, codes: frozenset, within: bool) -> Message:
        codes_sorted = sorted(codes)
        units = [self.units[c] for c in codes_sorted]
        fixes: list = []
        bare = {b for _, b, _ in units}
        either = Message("words.or")
        if len({_exact_key(b) for b in bare}) > 1:
            spelled = Joined([f"'{b}'" for b in sorted(bare)], either)
            fixes.append(Message("names.fix.diacritics", spelled=spelled))
        if len({f for f, _, _ in units}) > 1 and len({fold(f) for f, _, _ in units}) > 1:
            full = Joined([f"'{f}'" for f in sorted({f for f, _, _ in units})], either)
            fixes.append(Message("names.fix.full", full=full))
        if not within and len({d for _, _, d in units}) > 1:
            fixes.append(Message("names.fix.district"))
        fixes.append(Message("names.fix.code"))
        how = fixes[0] if len(fixes) == 1 else Joined([Joined(fixes[:-1], ", "), fixes[-1]], either)
        named = Joined([self.label(c) for c in codes_sorted], Message("words.and"))
        return Message("names.ambiguous", kind=self._kind(), text=repr(raw), named=named, how=how)


def _exact_key(text: str) -> str:
    """A name with its diacritics: NFC, lower case, single spaces."""
    text = unicodedata.normalize("NFC", str(text)).strip().lower()
    return re.sub(r"\s+", " ", text)


def bare_key_text(text: str) -> str:
    """A name without its unit prefix, diacritics kept (``"P. Lộc Thạnh"`` -> ``"lộc thạnh"``).

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    exact = _exact_key(text)
    bare = bare_key(exact)
    if bare == fold(exact):
        return exact
    # the folded prefix usually has the length of the prefix written with diacritics
    guess = exact[len(exact) - len(bare) :].strip()
    if fold(guess) == bare:
        return guess
    for start in range(len(exact)):
        if fold(exact[start:]) == bare:
            return exact[start:].strip()
    return bare
