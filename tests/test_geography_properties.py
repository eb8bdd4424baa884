"""Property-based tests (Hypothesis) of name matching in reference.geography.

Names are written the ways spreadsheets hold them: composed or decomposed Unicode, any case,
with or without diacritics, with or without a unit prefix ("Huyện", "H.", "TX.", "TP.", "Xã",
"P."...), with stray spaces. The expected codes come from the reference CSV files, read here
with the standard library.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.core import paths
from analysis.core.errors import WorkbookError
from analysis.reference.geography import (
    UnknownAreaError,
    bare_key,
    fold,
    load_geography,
    slugify,
)

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def read_rows(name: str) -> list[dict[str, str]]:
    with open(paths.reference_dir() / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


DISTRICTS = read_rows("districts.csv")
COMMUNES = read_rows("units-2025-03-01.csv")
DISTRICT_CODES = {d["district_code"] for d in DISTRICTS}
COMMUNE_CODES = {c["commune_code"] for c in COMMUNES}

# -- Vietnamese letters with their base ASCII letter, built from combining marks -------------------
TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]  # huyền, sắc, ngã, hỏi, nặng
VOWELS = [("a", ""), ("a", "\u0306"), ("a", "\u0302"), ("e", ""), ("e", "\u0302"), ("i", "")]
VOWELS += [("o", ""), ("o", "\u0302"), ("o", "\u031b"), ("u", ""), ("u", "\u031b"), ("y", "")]
LETTERS = [
    (unicodedata.normalize("NFC", base + shape + tone), base)
    for base, shape in VOWELS
    for tone in TONES
]
LETTERS += [(c, c) for c in "bcdghklmnpqrstvx"] + [("đ", "d")]

# unit prefixes as typed, by unit type
DISTRICT_PREFIXES = {
    "district": ["", "Huyện ", "huyện ", "HUYỆN ", "H. ", "H.", "Huyen "],
    "town": ["", "Thị xã ", "thị xã ", "TX. ", "TX.", "TX ", "Tx. ", "Thi xa "],
    "city": ["", "Thành phố ", "thành phố ", "TP. ", "TP.", "TP ", "Tp. ", "Thanh pho "],
}
COMMUNE_PREFIXES = {
    "Xã": ["", "Xã ", "xã ", "X. ", "X.", "Xa "],
    "Phường": ["", "Phường ", "phường ", "P. ", "P.", "Phuong "],
    "Thị trấn": ["", "Thị trấn ", "thị trấn ", "TT. ", "TT.", "TT ", "Thi tran "],
}
SPACES = [" ", "  ", "\u00a0", " \t", "\u2003"]


def strip_marks(text: str) -> str:
    """Vietnamese text without its diacritics (đ -> d), as analysts type without accents."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@st.composite
def typed(draw, name: str) -> str:
    """``name`` as someone may have typed it: case, Unicode form, diacritics and spaces."""
    text = draw(st.sampled_from([name, strip_marks(name)]))
    case = draw(st.sampled_from([str, str.upper, str.lower, str.title]))
    text = case(text)
    words = text.split(" ")
    gaps = draw(st.lists(st.sampled_from(SPACES), min_size=len(words), max_size=len(words)))
    text = "".join(w + g for w, g in zip(words, gaps, strict=True))
    text = draw(st.sampled_from(["", " ", "\u00a0"])) + text
    return unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), text)


@st.composite
def vietnamese_words(draw):
    """Words of Vietnamese letters, and the fold of them worked out from their base letters."""
    words = draw(
        st.lists(st.lists(st.sampled_from(LETTERS), min_size=1, max_size=6), min_size=1, max_size=4)
    )
    text = " ".join("".join(ch for ch, _ in w) for w in words)
    key = " ".join("".join(base for _, base in w) for w in words)
    return text, key


# -- fold and bare_key ----------------------------------------------------------------------------
@PROPERTY
@given(vietnamese_words(), st.data())
def test_fold_is_the_base_letters_whatever_the_writing(words, data):
    text, key = words
    assert fold(text) == key
    assert fold(data.draw(typed(text))) == key


@PROPERTY
@given(st.text(max_size=30))
def test_fold_of_any_text_is_single_spaced_and_stable(text):
    key = fold(text)
    assert key == key.strip()
    assert "  " not in key
    assert not any(unicodedata.category(ch) == "Mn" for ch in key)
    assert bare_key(key) == bare_key(text)


@PROPERTY
@given(vietnamese_words(), st.data())
def test_bare_key_drops_one_unit_prefix(words, data):
    text, key = words
    prefixes = [*DISTRICT_PREFIXES.values(), *COMMUNE_PREFIXES.values()]
    prefix = data.draw(st.sampled_from([p for ps in prefixes for p in ps if p]))
    # one prefix is dropped, even when the name itself starts with a unit word
    assert bare_key(prefix + text) == key


# -- districts -------------------------------------------------------------------------------------
@PROPERTY
@given(st.sampled_from(DISTRICTS), st.data())
def test_every_way_of_writing_a_district_finds_it(district, data):
    geo = load_geography()
    prefix = data.draw(st.sampled_from(DISTRICT_PREFIXES[district["unit_type"]]))
    name = data.draw(typed(prefix + district["bare_name"]))
    assert geo.resolve_district(name) == district["district_code"]


@pytest.mark.parametrize("district", DISTRICTS, ids=lambda d: d["slug"])
def test_full_name_slug_and_code_find_each_district(district):
    geo = load_geography()
    code = district["district_code"]
    for text in (district["district_name"], district["slug"], code, f" {code} "):
        assert geo.resolve_district(text) == code
    assert slugify(district["bare_name"]) == district["slug"]


@PROPERTY
@given(st.one_of(st.text(max_size=25), st.sampled_from(["", " ", "0", "H.", "TP.", "Huyện"])))
def test_any_text_is_a_district_or_an_unknown_area(text):
    geo = load_geography()
    try:
        code = geo.resolve_district(text)
    except UnknownAreaError as err:
        assert isinstance(err, WorkbookError)
        assert re.search(r"unknown district|is ambiguous", str(err))
        return
    assert code in DISTRICT_CODES


# -- communes ---------------------------------------------------------------------------------------
def bare_commune_name(commune: dict[str, str]) -> str:
    return commune["commune_name"].removeprefix(commune["commune_type"] + " ")


def plain(name: str) -> str:
    return strip_marks(name).lower()


#: How many communes share a name once diacritics are dropped (province, and per district).
BARE_NAMES = Counter(plain(bare_commune_name(c)) for c in COMMUNES)
FULL_NAMES = Counter(plain(c["commune_name"]) for c in COMMUNES)
BARE_IN_DISTRICT = Counter((c["district_code"], plain(bare_commune_name(c))) for c in COMMUNES)
#: The same with diacritics (Lộc Thạnh and Lộc Thành are two names).
SPELLED_BARE = Counter(bare_commune_name(c).lower() for c in COMMUNES)
SPELLED_FULL = Counter(c["commune_name"].lower() for c in COMMUNES)


@PROPERTY
@given(st.sampled_from(COMMUNES), st.data())
def test_every_way_of_writing_a_commune_finds_it_in_its_district(commune, data):
    geo = load_geography()
    bare = bare_commune_name(commune)
    prefix = data.draw(st.sampled_from(COMMUNE_PREFIXES[commune["commune_type"]]))
    name = data.draw(typed(prefix + bare))
    district = next(d for d in DISTRICTS if d["district_code"] == commune["district_code"])
    within = data.draw(st.sampled_from([district["district_code"], district["district_name"]]))
    spelled = strip_marks(name) != name  # typed with the diacritics of the name
    if BARE_IN_DISTRICT[(commune["district_code"], plain(bare))] == 1 or spelled:
        assert geo.resolve_commune(name, district=within) == commune["commune_code"]
    else:  # Lộc Thạnh and Lộc Thành (Lộc Ninh) without diacritics
        with pytest.raises(UnknownAreaError, match="is ambiguous.*with its diacritics"):
            geo.resolve_commune(name, district=within)


@settings(PROPERTY, max_examples=80)  # each lookup without a district takes ~15 ms
@given(st.sampled_from(COMMUNES), st.booleans(), st.data())
def test_a_commune_name_alone_finds_it_or_says_ambiguous(commune, full, data):
    # the full name ("Phường Tân Phú") tells apart communes of different types with one name
    geo = load_geography()
    written = commune["commune_name"] if full else bare_commune_name(commune)
    name = data.draw(typed(written))
    shared = (FULL_NAMES if full else BARE_NAMES)[plain(written)]
    spelled = (
        strip_marks(name) != name and (SPELLED_FULL if full else SPELLED_BARE)[written.lower()] == 1
    )
    if shared == 1 or spelled:
        assert geo.resolve_commune(name) == commune["commune_code"]
    else:
        with pytest.raises(UnknownAreaError, match="is ambiguous"):
            geo.resolve_commune(name)


@PROPERTY
@given(
    st.one_of(st.text(max_size=25), st.sampled_from(["", "Xã", "P.", "25216", "0"])),
    st.sampled_from([None, *sorted(DISTRICT_CODES)[:3], "Bù Đăng"]),
)
def test_any_text_is_a_commune_or_an_unknown_area(text, district):
    geo = load_geography()
    try:
        code = geo.resolve_commune(text, district=district)
    except UnknownAreaError as err:
        if "the district given is" in str(err):  # a commune code of another district
            home = {c["commune_code"]: c["district_code"] for c in COMMUNES}
            assert home[text.strip()] != geo.resolve_district(district)
            return
        assert re.search(r"unknown commune|is ambiguous", str(err))
        return
    assert code in COMMUNE_CODES


# -- regressions ------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["__codes__", " __CODES__ ", "__exact__"])
def test_the_codes_sentinel_is_not_a_name(text):
    # the codes were kept under the key '__codes__' among the names: that text matched them all
    with pytest.raises(UnknownAreaError, match="unknown district"):
        load_geography().resolve_district(text)


@pytest.mark.parametrize(
    ("name", "code"),
    [("Lộc Thạnh", "25280"), ("Xã Lộc Thành", "25294"), ("lộc thạnh", "25280")],
)
def test_names_that_differ_only_in_diacritics_are_told_apart(name, code):
    assert load_geography().resolve_commune(name, district="692") == code
    assert load_geography().resolve_commune(name) == code
