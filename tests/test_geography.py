"""Tests for analysis.reference.geography: reference data and tolerant name matching."""

import unicodedata

import pytest

from analysis.reference.geography import (
    UnknownAreaError,
    bare_key,
    fold,
    load_geography,
    slugify,
    unit_prefix,
)


@pytest.fixture(scope="module")
def geo():
    return load_geography()


def test_reference_counts(geo):
    # The brief: 11 district-level units, 111 communes, 40 new communes of 1 July 2025.
    assert len(geo.districts) == 11
    assert len(geo.communes) == 111
    assert geo.crosswalk["new_commune_code"].nunique() == 40
    assert geo.crosswalk["old_commune_code"].nunique() == 111


def test_codes_are_strings_with_leading_zeros(geo):
    assert geo.communes["commune_code"].map(len).eq(5).all()
    assert set(geo.districts["district_code"]) == {str(c) for c in range(688, 699)}
    assert geo.province["province_code"] == "70"


def test_border_districts(geo):
    border = set(geo.districts.loc[geo.districts["border"], "bare_name"])
    assert border == {"Lộc Ninh", "Bù Gia Mập", "Bù Đốp"}


def test_unit_types(geo):
    types = dict(zip(geo.districts["bare_name"], geo.districts["unit_type"], strict=True))
    assert types["Đồng Xoài"] == "city"
    assert {k for k, v in types.items() if v == "town"} == {"Bình Long", "Phước Long", "Chơn Thành"}


def test_commune_zone_from_unit_type(geo):
    zones = geo.communes.groupby("commune_type")["zone"].unique()
    assert list(zones["Xã"]) == ["rural"]
    assert list(zones["Phường"]) == ["urban"]
    assert list(zones["Thị trấn"]) == ["urban"]


@pytest.mark.parametrize(
    "text",
    [
        "Bù Đăng",
        "Huyện Bù Đăng",
        "huyện bù đăng",
        "HUYỆN BÙ ĐĂNG",
        "H. Bù Đăng",
        "Bu Dang",
        "bu dang",
        "  Bù   Đăng ",
        "bu-dang",
        "696",
        unicodedata.normalize("NFD", "Huyện Bù Đăng"),
    ],
)
def test_resolve_district_tolerates_spreadsheet_spellings(geo, text):
    assert geo.resolve_district(text) == "696"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("TX. Bình Long", "690"),
        ("TP. Đồng Xoài", "689"),
        ("Thị xã Chơn Thành", "697"),
        ("TX Phước Long", "688"),
        ("dong phu", "695"),
    ],
)
def test_resolve_district_prefixes(geo, text, code):
    assert geo.resolve_district(text) == code


def test_unknown_district_lists_closest_names(geo):
    with pytest.raises(UnknownAreaError, match=r"unknown district 'Bu Dan'.*Bù Đăng"):
        geo.resolve_district("Bu Dan")


def test_resolve_commune_with_and_without_district(geo):
    code = geo.resolve_commune("Xã Thanh Hòa", district="Bù Đốp")
    row = geo.communes.set_index("commune_code").loc[code]
    assert row["commune_name"] == "Xã Thanh Hòa"
    assert row["district_code"] == "693"


def test_fold_and_bare_key():
    assert fold("Đồng  Xoài") == "dong xoai"
    assert bare_key("TP. Đồng Xoài") == "dong xoai"
    assert bare_key("Thị trấn Tân Phú") == "tan phu"
    assert slugify("Bù Gia Mập") == "bu-gia-map"


def test_slugs_are_unique_ascii(geo):
    slugs = list(geo.districts["slug"])
    assert len(set(slugs)) == 11
    assert all(s.isascii() for s in slugs)
    assert all(slugify(n) == s for n, s in zip(geo.districts["bare_name"], slugs, strict=True))


def test_area_name(geo):
    assert geo.area_name("70") == "Bình Phước"
    assert geo.area_name("692") == "Lộc Ninh"
    with pytest.raises(UnknownAreaError, match="unknown area code '999'"):
        geo.area_name("999")


def test_ambiguous_commune_name_needs_district(geo):
    # "Tân Phú" is a ward of Đồng Xoài and the township of Đồng Phú.
    with pytest.raises(UnknownAreaError, match="ambiguous"):
        geo.resolve_commune("Tân Phú")
    assert geo.resolve_commune("Tân Phú", district="Đồng Phú") == "25363"
    assert geo.resolve_commune("Thị trấn Tân Phú") == "25363"


def test_unit_type_over_time(geo):
    # Brief: Chơn Thành became a town in 2022 (the only change the reference data record).
    assert geo.unit_type("697", 2021) == "district"
    assert geo.unit_type("697", 2022) == "town"
    assert geo.unit_type("689", 2024) == "city"


# -- the two unit systems: former units to 2024, new communes of 1 July 2025 -------------------
def test_new_communes(geo):
    new = geo.new_communes
    assert len(new) == 40
    assert set(new["commune_code"]) == set(geo.crosswalk["new_commune_code"])
    # every new commune code is also the code of a former commune it absorbed (issue 11)
    assert geo.new_commune_codes() <= set(geo.communes["commune_code"])
    assert set(new["province_code"]) == {"75"}
    assert set(new["unit_type"]) == {"ward", "commune"}
    assert new["slug"].is_unique


def test_communes_spanning_two_former_districts(geo):
    spans = geo.new_commune_districts().groupby("new_commune_code")["district_code"].unique()
    split = {c: sorted(d) for c, d in spans.items() if len(d) > 1}
    assert split == {
        "25220": ["688", "698"],
        "25318": ["692", "693"],
        "25326": ["690", "694"],
        "25351": ["694", "697"],
    }


def test_unit_system_of_each_review_year(geo):
    assert geo.former_system == "former-communes"
    assert geo.new_system == "communes-2025"
    assert {geo.unit_system_for_year(y) for y in range(2016, 2025)} == {"former-communes"}
    assert geo.unit_system_for_year(2025) == "communes-2025"
    assert geo.unit_system_for_year(2030) == "communes-2025"
    assert geo.unit_system_years("former-communes") == "up to 2024"


@pytest.mark.parametrize(
    ("text", "system"),
    [
        ("communes-2025", "communes-2025"),
        ("XÃ MỚI", "communes-2025"),
        ("former", "former-communes"),
    ],
)
def test_resolve_unit_system(geo, text, system):
    assert geo.resolve_unit_system(text) == system


def test_unknown_unit_system(geo):
    with pytest.raises(UnknownAreaError, match="write 'former-communes' or 'communes-2025'"):
        geo.resolve_unit_system("huyện")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Phường Bình Phước", "25195"),
        ("P. Bình Phước", "25195"),
        ("P.Bình Phước", "25195"),
        ("Binh Phuoc", "25195"),
        ("binh-phuoc", "25195"),
        ("xã Tân Hưng", "25345"),
        ("X. Tân Hưng", "25345"),
        ("Bù Gia Mập", "25222"),
        (unicodedata.normalize("NFD", "Xã Lộc Thạnh"), "25280"),
        ("Xã Lộc Thành", "25294"),
        ("25195", "25195"),
    ],
)
def test_resolve_new_commune_spellings(geo, text, code):
    assert geo.resolve_new_commune(text) == code


def test_new_commune_names_differing_by_diacritics_only(geo):
    with pytest.raises(UnknownAreaError, match="ambiguous.*diacritics"):
        geo.resolve_new_commune("Loc Thanh")
    with pytest.raises(UnknownAreaError, match="unknown new commune 'Phường Tân Đồng'"):
        geo.resolve_new_commune("Phường Tân Đồng")


def test_area_name_in_either_system(geo):
    assert geo.area_name("25217") == "Long Thủy"
    assert geo.area_name("25217", unit_system="communes-2025") == "Phước Long"
    assert geo.area_name("25217", bare=False, unit_system="former-communes") == "Phường Long Thủy"
    assert geo.new_commune_of()["25216"] == "25217"


def test_unit_prefix():
    assert unit_prefix("P. Bình Phước") == "p."
    assert unit_prefix("Tỉnh Bình Phước") == "tinh"
    assert unit_prefix("Thị xã Phước Long") == "thi xa"
    assert unit_prefix("Bình Phước") is None
