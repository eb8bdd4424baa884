"""Unit systems at intake: former communes to 2024, new communes of 1 July 2025 from 2025.

Issue 11: a summary by new commune used to validate and be read as former communes (every new
commune code is also a former commune's). Now a row's review year decides which units its
codes and names are, a ``unit_system`` column may override it, and a unit of the other system
is refused with the file, row, column and what to do.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.core import paths
from analysis.intake import systems
from analysis.intake.households import read_households
from analysis.intake.load import read_any
from analysis.intake.problems import IntakeError
from analysis.intake.summary import read_summary
from analysis.intake.validate import validate_summary
from analysis.reference.geography import load_geography

SYNTHETIC = paths.synthetic_dir()


@pytest.fixture(scope="module")
def geo():
    return load_geography()


@pytest.fixture(scope="module")
def former_2024() -> pd.DataFrame:
    """The bundled 2024 rows by former commune, as text (as a file holds them)."""
    frame = pd.read_csv(SYNTHETIC / "summary.csv", dtype=str, keep_default_na=False)
    return frame[frame["year"] == "2024"].reset_index(drop=True)


@pytest.fixture(scope="module")
def new_2025() -> pd.DataFrame:
    return pd.read_csv(SYNTHETIC / "summary-2025.csv", dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _problems(path: Path, reader=read_summary) -> list:
    with pytest.raises(IntakeError) as info:
        reader(path)
    return info.value.problems


# -- the bundled 2025 files ----------------------------------------------------------------------
def test_bundled_summary_2025_loads_by_new_commune(geo):
    table = read_summary(SYNTHETIC / "summary-2025.csv")
    assert len(table) == 51
    assert set(table["area_code"]) == geo.new_commune_codes()
    assert set(table["unit_system"]) == {"communes-2025"}
    assert (table["area_level"] == "commune").all()
    assert table.attrs["notes"] == []  # the unit_system column is known, not ignored


def test_bundled_household_list_2025_loads(geo):
    frame, kind = read_any(SYNTHETIC / "households-2025.parquet")
    assert kind == "households"
    assert set(frame["commune_code"]) == geo.new_commune_codes()
    assert set(frame["unit_system"]) == {"communes-2025"}
    assert (frame["year"] == 2025).all()


def test_former_files_are_read_as_before(former_2024):
    table = read_summary(SYNTHETIC / "summary.csv")
    assert "unit_system" not in table
    assert table.attrs["notes"] == []
    assert len(table) == 999


# -- refusals ------------------------------------------------------------------------------------
def test_2025_file_by_former_commune_is_refused(former_2024, tmp_path):
    frame = former_2024.assign(year="2025")
    problems = _problems(_write(frame, tmp_path, "former-2025.csv"))
    # the 71 former communes whose code is not also a new commune's
    assert len(problems) == 71
    first = problems[0]
    assert (first.file, first.row, first.column) == ("former-2025.csv", 3, "area_code")
    assert "former commune Phường Tân Đồng (25198)" in first.message
    assert "became part of Phường Bình Phước (25195)" in first.message
    assert "add a column 'unit_system' filled with 'former-communes'" in first.message


def test_a_unit_system_column_overrides_the_year(former_2024, tmp_path):
    frame = former_2024.assign(year="2025", unit_system="xã cũ")
    table = read_summary(_write(frame, tmp_path, "marked.csv"))
    assert len(table) == 111
    assert set(table["unit_system"]) == {"former-communes"}


def test_rows_of_one_year_in_two_systems_are_refused(new_2025, tmp_path):
    frame = new_2025.copy()
    frame.loc[3, "unit_system"] = "former-communes"
    (problem,) = _problems(_write(frame, tmp_path, "mixed.csv"))
    assert (problem.row, problem.column) == (5, "unit_system")
    assert "rows 2-4, 6-52 of 2025 are in 'communes-2025'" in problem.message
    assert "correct the unit_system cell" in problem.message
    assert "các dòng 2-4, 6-52 của năm 2025 ghi theo 'communes-2025'" in problem.text("vi")


def test_two_years_in_two_systems_are_fine(former_2024, new_2025, tmp_path):
    both = pd.concat([former_2024, new_2025.drop(columns="unit_system")], ignore_index=True)
    table = read_summary(_write(both, tmp_path, "both.csv"))
    assert table.groupby("year")["unit_system"].unique().map(list).to_dict() == {
        2024: ["former-communes"],
        2025: ["communes-2025"],
    }


def test_unknown_unit_system_value(new_2025, tmp_path):
    frame = new_2025.copy()
    frame.loc[0, "unit_system"] = "huyện"
    (problem,) = _problems(_write(frame, tmp_path, "bad-system.csv"))
    assert (problem.row, problem.column) == (2, "unit_system")
    assert "write 'former-communes' or 'communes-2025'" in problem.message


def test_districts_and_former_names_in_2025_are_refused(new_2025, tmp_path):
    frame = new_2025.drop(columns="unit_system")
    frame.loc[3, "area_code"] = "Huyện Bù Đăng"
    frame.loc[4, "area_code"] = "Phường Tân Đồng"
    frame.loc[5, "area_code"] = "696"
    problems = _problems(_write(frame, tmp_path, "contra.csv"))
    messages = {p.row: p.message for p in problems}
    assert "former district Huyện Bù Đăng" in messages[5]
    assert "district-level units ended on 30 June 2025" in messages[5]
    assert "former commune Phường Tân Đồng (25198)" in messages[6]
    assert "former district Huyện Bù Đăng" in messages[7]
    assert all(p.column == "area_code" for p in problems)
    vi = {p.row: p.text("vi") for p in problems}
    assert "'Huyện Bù Đăng' là huyện cũ Huyện Bù Đăng, nhưng cấp huyện đã kết thúc" in vi[5]
    assert "các kỳ rà soát từ năm 2025 được ghi theo xã, phường mới" in vi[5]
    assert "là xã cũ Phường Tân Đồng (25198)" in vi[6]
    assert vi[5].startswith("contra.csv, dòng 5, cột 'area_code'")


def test_new_commune_name_in_2024_data_is_refused(former_2024, tmp_path):
    frame = former_2024.head(3).copy()
    frame.insert(2, "Tên địa bàn", ["Phường Tân Phú", "Phường Bình Phước", "Phường Phước Long"])
    frame.loc[1, "area_code"] = ""
    frame.loc[2, "area_code"] = "25217"
    problems = _problems(_write(frame, tmp_path, "new-2024.csv"))
    assert [(p.row, p.column) for p in problems] == [(3, "area_code"), (4, "area_code")]
    assert "new commune Phường Bình Phước (25195) of 1 July 2025" in problems[0].message
    assert "filled with 'communes-2025'" in problems[0].message
    # the case: a code shared by both systems, the name of the new ward
    assert "code 25217 is Phường Long Thủy in 'former-communes'" in problems[1].message
    assert "the new commune Phường Phước Long (25217)" in problems[1].message


def test_former_name_beside_a_shared_code_in_2025_is_refused(new_2025, tmp_path):
    frame = new_2025.head(2).drop(columns="unit_system")
    frame.insert(2, "Tên địa bàn", ["Phường Tân Phú", "Phường Bình Phước"])
    (problem,) = _problems(_write(frame, tmp_path, "former-name-2025.csv"))
    assert (problem.row, problem.column) == (2, "area_code")
    assert "code 25195 is Phường Bình Phước in 'communes-2025'" in problem.message
    assert "former commune Phường Tân Phú (25195)" in problem.message


def test_household_with_former_commune_in_2025_is_refused(tmp_path):
    frame = pd.DataFrame(
        {
            "household_id": ["a", "b", "c"],
            "year": [2025, 2025, 2025],
            "commune_code": ["25195", "25198", "Phường Phước Bình"],
            "zone": ["urban", "urban", "urban"],
            "members": [3, 4, 2],
        }
    )
    (problem,) = _problems(_write(frame, tmp_path, "hh.csv"), read_households)
    assert (problem.row, problem.column) == (3, "commune_code")
    assert "former commune Phường Tân Đồng (25198)" in problem.message
    frame["unit_system"] = ["former-communes"] * 3
    frame.loc[2, "commune_code"] = "25201"
    table = read_households(_write(frame, tmp_path, "hh-former.csv"))
    assert list(table["commune_code"]) == ["25195", "25198", "25201"]


# -- names of the new communes -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Phường Bình Phước", "25195"),
        ("P. Bình Phước", "25195"),
        ("Binh Phuoc", "25195"),
        ("xã Tân Hưng", "25345"),
        ("TAN HUNG", "25345"),
        ("Phuong Phuoc Binh", "25220"),
        ("Xã Lộc Thạnh", "25280"),
        ("Lộc Thành", "25294"),
        ("25217", "25217"),
    ],
)
def test_new_commune_names_in_a_2025_file(new_2025, tmp_path, text, code):
    frame = new_2025.head(1).drop(columns="unit_system").assign(area_code="")
    frame.insert(2, "Tên địa bàn", [text])
    table = read_summary(_write(frame, tmp_path, "names.csv"))
    assert list(table["area_code"]) == [code]


def test_bare_province_name_is_the_ward_in_2025_and_a_total_row_before(new_2025, tmp_path):
    frame = new_2025.head(1).drop(columns="unit_system").assign(area_code="Bình Phước")
    total = frame.assign(area_code="Tỉnh Bình Phước")
    table = read_summary(_write(pd.concat([frame, total]), tmp_path, "ward.csv"))
    assert list(table["area_code"]) == ["25195"]
    assert "row 3 is a total row (Tỉnh Bình Phước)" in table.attrs["notes"][0]
    old = frame.assign(year="2024")
    with pytest.raises(IntakeError, match="no data rows"):
        read_summary(_write(old, tmp_path, "province-2024.csv"))


def test_ambiguous_name_without_diacritics(new_2025, tmp_path):
    frame = new_2025.head(1).drop(columns="unit_system").assign(area_code="Loc Thanh")
    (problem,) = _problems(_write(frame, tmp_path, "ambiguous.csv"))
    assert "ambiguous" in problem.message
    assert "write the name with its diacritics" in problem.message


def test_zone_of_a_new_commune_from_its_type(new_2025, tmp_path):
    frame = new_2025.iloc[[1, 26]].drop(columns=["unit_system", "zone"])  # 25195, 25318
    table = read_summary(_write(frame, tmp_path, "nozone.csv"))
    assert list(table["zone"]) == ["urban", "rural"]
    assert any("each new commune's zone" in n for n in table.attrs["notes"])


# -- a 2024 file by new commune: read as former communes, with a note ---------------------------
def test_note_when_every_2024_code_is_a_new_communes(new_2025, tmp_path):
    frame = new_2025.drop(columns="unit_system").assign(year="2024")
    frame = frame.drop_duplicates("area_code")
    table = read_summary(_write(frame, tmp_path, "new-as-2024.csv"))
    assert "unit_system" not in table
    (note,) = table.attrs["notes"]
    assert "every commune code of 2024 (40) is also the code of a new commune" in note


# -- validation of frames built in code ----------------------------------------------------------
def test_validate_summary_checks_a_unit_system_column(geo):
    table = read_summary(SYNTHETIC / "summary-2025.csv")
    assert validate_summary(table, "frame") == []
    bad = table.head(3).copy()
    bad.loc[0, "area_code"] = "25198"
    bad.loc[1, "unit_system"] = "former-communes"
    problems = validate_summary(bad, "frame")
    columns = sorted((p.row, p.column) for p in problems)
    assert columns == [(2, "area_code"), (3, "unit_system")]
    assert "not one of the new communes" in problems[0].message


def test_row_systems_and_reasons(geo):
    found, why = systems.row_systems([2024, 2025, None, 2024], [None, None, None, "x"], geo)
    assert found == ["former-communes", "communes-2025", "former-communes", "x"]
    assert why[0] == "the reviews up to 2024 are kept by district and former commune"
    assert why[1] == "the reviews from 2025 are kept by new commune"
    assert why[2] == "its year is not known"
    assert why[3] == "its unit_system cell says 'x'"


def test_is_province_cell(geo):
    former, new = geo.former_system, geo.new_system
    assert systems.is_province_cell("Bình Phước", geo, former)
    assert systems.is_province_cell("TỈNH BÌNH PHƯỚC", geo, new)
    assert systems.is_province_cell("Tỉnh Đồng Nai", geo, new)
    assert not systems.is_province_cell("Bình Phước", geo, new)
    assert not systems.is_province_cell("Phường Bình Phước", geo, former)


def test_the_message_language_does_not_change_what_is_found(new_2025, tmp_path):
    from analysis.core.messages import messages_in

    frame = new_2025.head(1).drop(columns="unit_system").assign(area_code="Loc Thanh")
    path = _write(frame, tmp_path, "ambiguous.csv")
    (english,) = _problems(path)
    with messages_in("vi"):
        (vietnamese,) = _problems(path)
        shown = vietnamese.text()
    assert vietnamese.message == english.message  # the same message (compared in English)
    assert "tên xã, phường mới 'Loc Thanh' không rõ ràng" in shown
    assert "ghi tên có đủ dấu" in shown
