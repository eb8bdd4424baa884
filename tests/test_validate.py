"""Validation rules: one broken fixture per rule, each with its message, row and column.

Fixtures are in tests/fixtures/intake/bad/; in the CSVs line 1 is the header, so the first data
row is row 2. Expected numbers in the messages are worked out by hand in the comments.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.intake.headers import column_headers
from analysis.intake.households import read_households
from analysis.intake.problems import IntakeError, Problem
from analysis.intake.summary import read_summary
from analysis.intake.validate import validate_households, validate_summary

BAD = Path(__file__).parent / "fixtures" / "intake" / "bad"
GOOD = Path(__file__).parent / "fixtures" / "intake" / "good"


def problems_of(name: str, reader=read_summary, match: str | None = None) -> list[Problem]:
    """Read a bad fixture, assert it raises (matching ``match``) and return its problems."""
    with pytest.raises(IntakeError, match=match) as info:
        reader(BAD / name)
    return info.value.problems


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


# -- one fixture per rule ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "row", "column", "match"),
    [
        # counts are never negative (except the 'other changes' columns)
        ("negative_count.csv", 3, "poor_new", r"-1 is negative; only the 'other changes'"),
        # 3.120 poor households against 2.900 in total
        (
            "poor_gt_total.csv",
            3,
            "poor_end",
            r"3,120 poor households is more than the 2,900 households in total",
        ),
        (
            "near_gt_total.csv",
            3,
            "near_poor_end",
            r"1,150 near-poor households is more than the 1,000",
        ),
        # 950 + 1.420 = 2.370 > 2.000, each alone below the total
        (
            "poor_near_gt_total.csv",
            3,
            "near_poor_end",
            r"poor \(950\) plus near-poor \(1,420\) households make 2,370, more than the 2,000",
        ),
        ("em_gt_all.csv", 3, "em_poor_end", r"990 ethnic-minority households is more than the 950"),
        (
            "em_total_gt_total.csv",
            3,
            "em_total_households",
            r"40,000 ethnic-minority households is more than the 32,150",
        ),
        # 600 + 700 = 1.300 > 1.000 ethnic-minority households
        (
            "em_poor_near_gt_em_total.csv",
            3,
            "em_near_poor_end",
            r"make 1,300, more than the 1,000 ethnic-minority households",
        ),
        # 1.210 - 300 + 5 + 40 - 5 = 950, file says 951
        (
            "flow_poor.csv",
            3,
            "poor_end",
            r"end of year is 951 but start 1,210 − escaped 300 \+ re-poverty 5 \+ new 40 − other 5 "
            r"= 950 \(difference \+1\)",
        ),
        # 1.500 - 200 + 120 + 0 = 1.420, file says 1.400
        (
            "flow_near_poor.csv",
            3,
            "near_poor_end",
            r"end of year is 1,400 but start 1,500 − escaped 200 \+ new 120 \+ other 0 = 1,420 "
            r"\(difference −20\)",
        ),
        # 700 - 150 + 2 + 20 + 0 = 572, file says 600
        (
            "flow_em_poor.csv",
            3,
            "em_poor_end",
            r"end of year is 600 but .* = 572 \(difference \+28\)",
        ),
        (
            "flow_start_missing.csv",
            3,
            "poor_start",
            r"changes during the year are filled in but 'Poor households, start of year' \(poor_start\) is empty",
        ),
        (
            "year_outside_standard.csv",
            3,
            "year",
            r"review year 2015 is outside every poverty standard",
        ),
        ("unknown_area_code.csv", 3, "area_code", r"area code '999' is not a district or commune"),
        (
            "unknown_area_name.csv",
            3,
            "area_code",
            r"unknown district 'Bu Dangg'; closest known names: Bù Đăng",
        ),
        # 2.500 deprived against 950 + 1.420 = 2.370 poor and near-poor
        (
            "dep_gt_poor_near.csv",
            3,
            "dep_employment",
            r"2,500 deprived households is more than the 2,370 poor and near-poor",
        ),
        (
            "dep_not_in_standard.csv",
            3,
            "dep_nutrition",
            r"standard of 2020 \(Decision 59/2015/QĐ-TTg\) has no indicator 'nutrition'",
        ),
        (
            "coverage_health.csv",
            3,
            "people_health_insured",
            r"9,500 in 'People holding a health-insurance card' .* more than the 9,480 .* cannot exceed 100%",
        ),
        ("coverage_credit.csv", 3, "households_credit_received", r"812 in .* more than the 800"),
        ("coverage_training.csv", 3, "people_training_received", r"301 in .* more than the 300"),
        (
            "not_a_number.csv",
            3,
            "total_households",
            r"'32\.15O' is not a whole number of households",
        ),
        (
            "bad_zone.csv",
            3,
            "zone",
            r"'ven đô' is not a zone; write thành thị \(urban\) or nông thôn",
        ),
        ("empty_required.csv", 3, "total_households", r"the cell is empty; 'Tổng số hộ'"),
        (
            "level_mismatch.csv",
            3,
            "area_level",
            r"area code 696 \(Bù Đăng\) is a district-level unit but the row says 'commune'",
        ),
        ("ddk_district.csv", 3, "especially_difficult", r"only communes are on the .*ĐBKK"),
    ],
)
def test_summary_rule(name, row, column, match):
    problem = only(problems_of(name, match=match))
    assert (problem.file, problem.row, problem.column) == (name, row, column)


def test_duplicate_key_names_both_rows():
    problem = only(problems_of("duplicate_key.csv", match="rows 2 and 4 both hold"))
    assert (problem.row, problem.column) == (4, None)
    assert "year 2023, area 696 (Bù Đăng), zone rural" in problem.message
    assert "keep one row" in problem.message


def test_missing_required_column():
    problem = only(problems_of("missing_column.csv", match="required column"))
    assert (problem.row, problem.column) == (None, "poor_end")
    assert "add a column headed 'Hộ nghèo cuối năm'" in problem.message


def test_duplicate_header():
    problem = only(problems_of("duplicate_header.csv", match="both hold this column"))
    assert (problem.row, problem.column) == (1, "poor_end")
    assert "columns E ('poor_end') and F ('Hộ nghèo cuối năm')" in problem.message


def test_multi_error_file_reports_everything_at_once():
    problems = problems_of("multi_error.csv")
    found = [(p.row, p.column) for p in problems]
    assert found == [
        (2, "poor_end"),  # 3.120 > 2.900
        (3, "area_code"),  # 'Bu Dangg'
        (4, "year"),  # 2015
        (5, "poor_end"),  # 150 - 60 + 2 + 10 - 2 = 100, not 101
        (6, "total_households"),  # 'abc'
    ]
    assert "difference +1" in problems[3].message


# -- households --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "row", "column", "match"),
    [
        ("households_bad_class.csv", 3, "recorded_class", r"'giàu' is not a class; write nghèo"),
        ("households_members_zero.csv", 3, "members", r"at least one member, not 0"),
        ("households_negative_income.csv", 3, "income_pc", r"-1\.400\.000 is negative"),
        ("households_unknown_commune.csv", 3, "commune_code", r"unknown commune '99999'"),
        (
            "households_insured_gt_members.csv",
            3,
            "health_insured",
            r"5 members with a health-insurance card is more than the 3 members",
        ),
    ],
)
def test_household_rule(name, row, column, match):
    problem = only(problems_of(name, read_households, match=match))
    assert (problem.file, problem.row, problem.column) == (name, row, column)


def test_household_duplicate():
    problem = only(problems_of("households_duplicate.csv", read_households))
    assert problem.row == 4
    assert "rows 2 and 4 both hold household id BD-0001, year 2023" in problem.message


# -- validating frames built in code -----------------------------------------------------------
def _frame(**overrides) -> pd.DataFrame:
    row = {
        "year": 2023,
        "area_code": "696",
        "zone": "rural",
        "total_households": 32150,
        "poor_start": 1210,
        "poor_escaped": 300,
        "poor_repoverty": 5,
        "poor_new": 40,
        "poor_other": -5,
        "poor_end": 950,
        "near_poor_end": 1420,
    }
    row.update(overrides)
    return pd.DataFrame([row])


def test_validate_summary_on_a_frame_ok():
    assert validate_summary(_frame(), "frame") == []


def test_validate_summary_default_row_numbers_and_given_ones():
    df = pd.concat([_frame(), _frame(zone="urban", total_households=900)], ignore_index=True)
    # row 2 (second data row) has 950 poor of 900 households
    (problem,) = [p for p in validate_summary(df, "frame") if p.column == "poor_end"][:1]
    assert problem.row == 3
    (problem,) = [
        p for p in validate_summary(df, "frame", row_numbers=[10, 11]) if p.column == "poor_end"
    ][:1]
    assert problem.row == 11


def test_validate_summary_reports_bad_types_per_cell():
    df = _frame(total_households="many")
    problem = only(validate_summary(df, "frame"))
    assert (problem.row, problem.column) == (2, "total_households")
    assert "'many' is not a whole number" in problem.message


def test_flows_all_empty_are_allowed():
    df = _frame(
        poor_start=None, poor_escaped=None, poor_repoverty=None, poor_new=None, poor_other=None
    )
    assert validate_summary(df, "frame") == []


def test_empty_dep_outside_standard_allowed():
    df = _frame(year=2020, dep_nutrition=None, dep_health_access=12)
    assert validate_summary(df, "frame") == []


def test_validate_households_frame():
    df = pd.DataFrame(
        {
            "household_id": ["A", "B"],
            "year": [2023, 2023],
            "commune_code": ["25405", "25405"],
            "zone": ["rural", "rural"],
            "members": [3, 2],
            "training_need": [1, 1],
            "training_received": [1, 2],
        }
    )
    problem = only(validate_households(df, "hh"))
    assert (problem.row, problem.column) == (3, "training_received")
    assert "2 members trained is more than the 1 who needed training" in problem.message


# -- schema tables -----------------------------------------------------------------------------
def test_every_rule_message_names_a_known_column():
    columns = set(column_headers("summary")["column"]) | set(column_headers("household")["column"])
    for name in [p.name for p in BAD.glob("*.csv") if not p.name.startswith("households")]:
        try:
            read_summary(BAD / name)
        except IntakeError as err:
            assert all(p.column is None or p.column in columns for p in err.problems), name


# -- an unreadable cell is reported once, and no rule that reads it runs on its row ----------------
SYNTHETIC = Path(__file__).resolve().parents[1] / "data" / "synthetic" / "summary.csv"


def _rows_with_flows() -> pd.DataFrame:
    table = pd.read_csv(SYNTHETIC, dtype=str, keep_default_na=False)
    flows = table[(table["poor_escaped"] != "") & (table["em_poor_escaped"] != "")]
    return flows.head(3).reset_index(drop=True)


_SPEC = column_headers("summary")
COUNT_COLUMNS = list(_SPEC.loc[_SPEC["kind"].isin(["count", "signed"]), "column"])


@pytest.mark.parametrize("column", COUNT_COLUMNS)
def test_one_unreadable_count_is_exactly_one_problem(tmp_path, column):
    # '12,5' where a count is expected: before, it counted as 0 in the flow identities and
    # the deprivation rules (one '12,5' in poor_end gave 10 problems)
    table = _rows_with_flows()  # valid as they are: see the test below
    table.loc[1, column] = "12,5"
    problem = only(problems_in(_write(tmp_path, table)))
    assert (problem.row, problem.column) == (3, column)
    assert "'12,5' is not a whole number" in problem.message


def test_the_rows_with_flows_are_valid(tmp_path):
    assert len(read_summary(_write(tmp_path, _rows_with_flows()))) == 3


def _write(tmp_path, table: pd.DataFrame) -> Path:
    path = tmp_path / "summary.csv"
    table.to_csv(path, index=False)
    return path


def problems_in(path: Path, reader=read_summary) -> list[Problem]:
    with pytest.raises(IntakeError) as info:
        reader(path)
    return info.value.problems


def test_one_unreadable_member_count_is_exactly_one_problem(tmp_path):
    # members is read by three household rules (insured, training need, loans do not)
    path = tmp_path / "households.csv"
    text = (GOOD / "households_vi.csv").read_text(encoding="utf-8").splitlines()
    header, first = text[0], text[1].split(",")
    first[header.split(",").index("Số nhân khẩu")] = '"4,5"'
    path.write_text("\n".join([header, ",".join(first), *text[2:]]) + "\n", encoding="utf-8")
    problem = only(problems_in(path, read_households))
    assert (problem.row, problem.column) == (2, "members")


def test_validate_skips_the_rules_that_read_an_unreadable_cell():
    # poor_end empty because it could not be read: the deprivation counts (12 > 0 + 3 near-poor)
    # are not compared with it
    df = _frame(poor_end=None, near_poor_end=3, dep_health_insurance=12)
    assert {p.column for p in validate_summary(df, "frame")} >= {"poor_end", "dep_health_insurance"}
    assert validate_summary(df, "frame", unreadable={(2, "poor_end")}) == []
    # another row's unreadable cell does not hide this row's problems
    assert validate_summary(df, "frame", unreadable={(3, "poor_end")}) != []


# -- names beside codes --------------------------------------------------------------------------
HOUSEHOLD_HEADER = "Mã hộ,Năm rà soát,Xã,Huyện,Khu vực,Số nhân khẩu\n"


def test_a_commune_code_beside_another_district_is_one_problem_naming_both(tmp_path):
    path = tmp_path / "households.csv"
    path.write_text(
        HOUSEHOLD_HEADER + "A1,2023,25280,Bù Đăng,nông thôn,4\n"  # 25280: Xã Lộc Thạnh, Lộc Ninh
        "A2,2023,Xã Lộc Thạnh,Lộc Ninh,nông thôn,4\nA3,2023,Xã Lộc Thành,,nông thôn,4\n",
        encoding="utf-8",
    )
    problem = only(problems_in(path, read_households))
    assert (problem.row, problem.column) == (2, "commune_code")
    assert "Xã Lộc Thạnh (25280) of Huyện Lộc Ninh" in problem.message
    assert "the district given is 'Bù Đăng' (Huyện Bù Đăng, 696)" in problem.message


def test_a_commune_name_of_another_district_is_not_taken_for_a_new_commune(tmp_path):
    # Bom Bo is a former commune of Bù Đăng (and a new commune's name): in Lộc Ninh it is wrong
    path = tmp_path / "households.csv"
    path.write_text(HOUSEHOLD_HEADER + "A1,2023,Bom Bo,Lộc Ninh,nông thôn,4\n", encoding="utf-8")
    problem = only(problems_in(path, read_households))
    assert "unknown commune 'Bom Bo' in Huyện Lộc Ninh: Xã Bom Bo (25405, Bù Đăng)" in (
        problem.message
    )


SUMMARY_HEADER = "Năm rà soát,Mã địa bàn,Tên địa bàn,Khu vực,Tổng số hộ,Hộ nghèo cuối năm,"
SUMMARY_HEADER += "Hộ cận nghèo cuối năm\n"


@pytest.mark.parametrize(
    ("year", "code", "name", "says"),
    [
        (2023, "692", "Bù Đăng", "code 692 is Lộc Ninh but the name column says 'Bù Đăng' (696)"),
        (2023, "25280", "Xã Lộc Thành", "code 25280 is Lộc Thạnh but the name column says "
         "'Xã Lộc Thành' (25294)"),
        (2023, "25195", "Loc Thanh", "code 25195 is Tân Phú but the name column says 'Loc Thanh', "
         "which is Xã Lộc Thạnh (25280) or Xã Lộc Thành (25294)"),
        (2023, "25280", "Quận 1", "the name column says 'Quận 1', which is not an area of Bình "
         "Phước"),
        (2025, "25195", "Xã Lộc Thành", "code 25195 is Bình Phước but the name column says "
         "'Xã Lộc Thành' (25294)"),
    ],
)  # fmt: skip
def test_a_name_that_contradicts_its_code_is_an_error_naming_both(tmp_path, year, code, name, says):
    path = tmp_path / "summary.csv"
    path.write_text(
        SUMMARY_HEADER + f"{year},{code},{name},nông thôn,100,10,20\n", encoding="utf-8"
    )
    problem = only(problems_in(path))
    assert (problem.row, problem.column) == (2, "area_code")
    assert says in problem.message


@pytest.mark.parametrize(
    ("year", "code", "name"),
    [(2023, "25280", "Loc Thanh"), (2023, "25280", "Xã Lộc Thạnh"), (2025, "25294", "Loc Thanh"),
     (2023, "692", "H. Lộc Ninh")],
)  # fmt: skip
def test_a_name_that_agrees_with_its_code_is_accepted(tmp_path, year, code, name):
    # "Loc Thanh" is ambiguous alone, but one of the two it may mean is the code's
    path = tmp_path / "summary.csv"
    path.write_text(
        SUMMARY_HEADER + f"{year},{code},{name},nông thôn,100,10,20\n", encoding="utf-8"
    )
    assert list(read_summary(path)["area_code"]) == [code]


def test_household_problems_in_vietnamese():
    from analysis.core.messages import messages_in

    problem = only(problems_of("households_duplicate.csv", read_households))
    with messages_in("vi"):
        text = problem.text()
    assert "dòng 2 và dòng 4 cùng có mã hộ BD-0001, năm 2023" in text
    assert "giữ lại một dòng và xóa dòng kia" in text
    zero = only(problems_of("households_members_zero.csv", read_households))
    assert "mỗi hộ có ít nhất một thành viên, không phải 0" in zero.text("vi")
