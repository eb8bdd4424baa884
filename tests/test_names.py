"""Tests for analysis.reference.names: exact names first, close names by edit distance.

Expectations are worked out here: edit distances by a textbook dynamic programme (optimal string
alignment), names and codes from the reference CSV files or a small table made in the test.
"""

from __future__ import annotations

import csv
import unicodedata

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.core import paths
from analysis.reference.geography import load_geography
from analysis.reference.names import NameIndex, UnknownAreaError, bare_key, bare_key_text


def osa(a: str, b: str) -> int:
    """Edits from a to b: insert, delete, substitute, swap two neighbours (each edit once)."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def test_the_textbook_distance():
    assert osa("bu dan", "bu dang") == 1
    assert osa("thnah", "thanh") == 1  # one swap
    assert osa("", "abc") == 3
    assert osa("kitten", "sitting") == 3


# a small table: two names that differ only by diacritics, two wards of one name in two
# districts, and a name that is a prefix word
SMALL = pd.DataFrame(
    {
        "commune_code": ["00001", "00002", "00003", "00004", "00005"],
        "commune_name": ["Xã Lộc Thạnh", "Xã Lộc Thành", "Phường Tân Phú", "Xã Tân Phú", "Xã An"],
        "bare_name": ["Lộc Thạnh", "Lộc Thành", "Tân Phú", "Tân Phú", "An"],
    }
)
DISTRICT_OF = pd.Series(["Lộc Ninh", "Lộc Ninh", "Đồng Xoài", "Đồng Phú", "Bù Đăng"])


@pytest.fixture(scope="module")
def small():
    return NameIndex.build(SMALL, "commune", "Bình Phước", "commune_code", DISTRICT_OF)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Xã Lộc Thạnh", "00001"),
        ("lộc thành", "00002"),
        ("X. Lộc Thạnh", "00001"),
        ("Xa Lộc Thạnh", "00001"),  # a prefix typed plain, the name with its diacritics
        (unicodedata.normalize("NFD", "LỘC THÀNH"), "00002"),
        ("Phường Tân Phú", "00003"),
        ("xa tan phu", "00004"),  # the full name tells the two apart, even without diacritics
        ("1", "00001"),
        ("00005", "00005"),
    ],
)
def test_a_name_written_exactly_wins(small, text, code):
    assert small.resolve(text) == code


def test_a_name_without_its_diacritics_is_ambiguous_and_says_how_to_tell(small):
    with pytest.raises(UnknownAreaError) as caught:
        small.resolve("Loc Thanh")
    message = str(caught.value)
    assert "is ambiguous" in message
    assert "Xã Lộc Thạnh (00001, Lộc Ninh) and Xã Lộc Thành (00002, Lộc Ninh)" in message
    assert "write the name with its diacritics ('Lộc Thành' or 'Lộc Thạnh')" in message
    assert "give the district" not in message  # both are in Lộc Ninh
    assert caught.value.candidates == ("00001", "00002")


def test_one_name_in_two_districts_asks_for_the_district_or_full_name(small):
    with pytest.raises(UnknownAreaError) as caught:
        small.resolve("Tân Phú")
    message = str(caught.value)
    assert "write the full name ('Phường Tân Phú' or 'Xã Tân Phú')" in message
    assert "give the district" in message and "give the code" in message
    assert caught.value.candidates == ("00003", "00004")


def test_a_name_of_another_district_names_where_it_is(small):
    with pytest.raises(UnknownAreaError, match=r"in Huyện Lộc Ninh: Xã An \(00005, Bù Đăng\) is"):
        small.resolve("An", within=frozenset({"00001", "00002"}), where="Huyện Lộc Ninh")


@pytest.mark.parametrize("text", ["__codes__", "__exact__", " __CODES__ "])
def test_no_internal_key_is_a_name(small, text):
    with pytest.raises(UnknownAreaError, match="not in this province"):
        small.resolve(text)


def test_an_empty_name():
    with pytest.raises(UnknownAreaError, match="unknown district: the name is empty"):
        load_geography().resolve_district("  ")


# -- close names -----------------------------------------------------------------------------------
def limit(query: str) -> int:
    # the documented threshold: 1 edit up to 8 letters, 2 up to 14, else 3
    return 1 if len(query) <= 8 else 2 if len(query) <= 14 else 3


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(alphabet="abcdeghiklmnoptuxy .ạàđ", max_size=14))
def test_close_names_are_those_within_the_threshold(text):
    index = NameIndex.build(SMALL, "commune", "Bình Phước", "commune_code", DISTRICT_OF)
    # with diacritics when the text has some, else without
    plain = bare_key_text(text) == bare_key(text)
    key = bare_key if plain else bare_key_text
    query = key(text)
    expected = sorted(
        (osa(query, key(bare)), bare_key(bare), code)
        for code, _, bare in SMALL.itertuples(index=False)
    )
    expected = [code for d, _, code in expected if d <= limit(query)][:3]
    assert index.closest(text) == expected


def read_rows(name: str) -> list[dict[str, str]]:
    with open(paths.reference_dir() / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize(
    ("text", "first"),
    [("Bu Dangg", "Bù Đăng"), ("Loc Nin", "Lộc Ninh"), ("Dong Xoay", "Đồng Xoài"),
     ("H. Phu Rieg", "Phú Riềng"), ("Chon Tanh", "Chơn Thành"), ("Bù Đăg", "Bù Đăng"),
     ("Huyện Lộc Nin", "Lộc Ninh")],
)  # fmt: skip
def test_a_misspelt_district_is_offered_the_close_names_closest_first(text, first):
    with pytest.raises(UnknownAreaError, match="closest known names: ") as caught:
        load_geography().resolve_district(text)
    shown = str(caught.value).split("closest known names: ")[1].split(", ")
    assert shown[0] == first
    districts = {d["bare_name"] for d in read_rows("districts.csv")}
    for name in shown:
        assert name in districts
        assert osa(bare_key(text), bare_key(name)) <= limit(bare_key(text))


def test_thu_duc_is_not_close_to_phu_duc_when_written_with_diacritics():
    geo = load_geography()
    with pytest.raises(UnknownAreaError, match="not in this province"):
        geo.resolve_commune("Thủ Đức")
    with pytest.raises(UnknownAreaError, match="closest known names: Phú Đức"):
        geo.resolve_commune("Thu Duc")  # one letter from phu duc


@pytest.mark.parametrize(
    "text", ["Quận 1", "Huyện Củ Chi", "Thành phố Thủ Đức", "Xyz", "Huyện Cát Tiên", "Hà Nội"]
)
def test_a_name_from_elsewhere_is_not_in_this_province(text):
    geo = load_geography()
    for resolve in (geo.resolve_district, geo.resolve_commune, geo.resolve_new_commune):
        with pytest.raises(UnknownAreaError, match="not in this province") as caught:
            resolve(text)
        assert "closest" not in str(caught.value)


def test_a_commune_code_beside_a_district_it_is_not_in_names_both():
    geo = load_geography()
    loc_ninh = {c["commune_code"] for c in read_rows("units-2025-03-01.csv")
                if c["district_code"] == "692"}  # fmt: skip
    code = sorted(loc_ninh)[0]
    assert geo.resolve_commune(code, district="Lộc Ninh") == code
    with pytest.raises(UnknownAreaError) as caught:
        geo.resolve_commune(code, district="Bù Đăng")
    message = str(caught.value)
    assert f"commune '{code}' is " in message and "of Huyện Lộc Ninh" in message
    assert "the district given is 'Bù Đăng' (Huyện Bù Đăng, 696)" in message


@pytest.mark.parametrize(
    ("text", "bare"),
    [("P. Lộc Thạnh", "lộc thạnh"), ("X.Lộc Thành", "lộc thành"), ("Huyện  Bù Đăng", "bù đăng"),
     (unicodedata.normalize("NFD", "Thị trấn Tân Phú"), "tân phú"), ("Lộc Ninh", "lộc ninh")],
)  # fmt: skip
def test_bare_key_text_keeps_the_diacritics(text, bare):
    assert bare_key_text(text) == bare


def test_an_ambiguous_name_is_explained_in_vietnamese(small):
    from analysis.core.messages import messages_in

    with pytest.raises(UnknownAreaError) as caught:
        small.resolve("Tân Phú")
    with messages_in("vi"):
        message = str(caught.value)
    assert message == (
        "tên xã 'Tân Phú' không rõ ràng: khớp với Phường Tân Phú (00003, Đồng Xoài) và "
        "Xã Tân Phú (00004, Đồng Phú); để phân biệt, ghi tên đầy đủ ('Phường Tân Phú' hoặc "
        "'Xã Tân Phú'), ghi rõ huyện hoặc ghi mã"
    )
