"""Property-based tests (Hypothesis) of intake.summary.read_summary on generated files.

Valid summary tables, written the ways analysts write them (CSV in several encodings and
separators, or xlsx; Vietnamese, English or plain numbers; area codes or names with their
prefixes; title, total and signature rows), read back to the figures they were made from.
Tables of random cells either load, and then keep the summary rules, or raise the project's own
:class:`~analysis.intake.problems.IntakeError`: no other exception may escape.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
import zipfile

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from analysis.core import paths
from analysis.core.errors import WorkbookError
from analysis.core.numbers import format_number
from analysis.intake.problems import IntakeError
from analysis.intake.summary import read_summary

PROPERTY = settings(
    max_examples=25,  # each table written, read and validated takes 0.1-0.4 s
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def read_rows(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


DISTRICTS = read_rows(paths.reference_dir() / "districts.csv")
COMMUNES = read_rows(paths.reference_dir() / "units-2025-03-01.csv")
KNOWN_CODES = {d["district_code"] for d in DISTRICTS} | {c["commune_code"] for c in COMMUNES}
SCHEMA = {r["column"]: r for r in read_rows(paths.data_dir() / "schema" / "summary-columns.csv")}
# district rows are valid only in the reviews kept by former units (through 2024: from the 2025
# review the data are kept by the new communes of 1 July 2025, and district rows are refused)
LAST_FORMER = int(
    next(
        r["last_review_year"]
        for r in read_rows(paths.reference_dir() / "unit-systems.csv")
        if r["unit_system"] == "former-communes"
    )
)
YEARS = sorted(
    {
        year
        for s in read_rows(paths.standards_dir() / "standards.csv")
        for year in range(int(s["first_year"]), int(s["last_year"]) + 1)
        if year <= LAST_FORMER
    }
)
COLUMNS = ["year", "area_code", "zone", "total_households", "poor_end", "near_poor_end"]
COUNTS = COLUMNS[3:]
PREFIXES = {
    "district": ["", "Huyện ", "H. ", "H."],
    "town": ["", "Thị xã ", "TX. ", "TX."],
    "city": ["", "Thành phố ", "TP. ", "TP."],
}
ZONES = {"rural": ["nông thôn", "Nông thôn", "NÔNG THÔN", "nong thon", "rural"],
         "urban": ["thành thị", "Thành thị", "THÀNH THỊ", "thanh thi", "urban"]}  # fmt: skip


def strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def outcome(path, **kwargs):
    """read_summary's table, or None when it refused the file with an IntakeError."""
    try:
        table = read_summary(path, **kwargs)
    except IntakeError as err:
        assert isinstance(err, WorkbookError) and err.problems
        if currently_in_test_context():
            event("refused: " + err.problems[0].message[:40])
        return None
    if currently_in_test_context():
        event("read")
    return table


# -- valid tables ---------------------------------------------------------------------------------
@st.composite
def summaries(draw):
    """Rows of a valid summary (one year, distinct district and zone) as plain Python values."""
    year = draw(st.sampled_from(YEARS))
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(DISTRICTS), st.sampled_from(["rural", "urban"])),
            min_size=1,
            max_size=5,
            unique_by=lambda k: (k[0]["district_code"], k[1]),
        )
    )
    rows = []
    for district, zone in keys:
        total = draw(st.integers(0, 10**7))
        poor = draw(st.integers(0, total))
        near = draw(st.integers(0, total - poor))
        rows.append(
            {
                "year": year,
                "district": district,
                "zone": zone,
                "total_households": total,
                "poor_end": poor,
                "near_poor_end": near,
            }
        )
    return rows


@st.composite
def headers(draw):
    """The header of each column: Vietnamese, English or schema name, in some case."""
    out = []
    for col in COLUMNS:
        text = draw(st.sampled_from([SCHEMA[col]["header_vi"], SCHEMA[col]["header_en"], col]))
        out.append(draw(st.sampled_from([text, text.upper(), strip_marks(text)])))
    return out


def count_text(n: int, style: str) -> str:
    """A count as analysts type it."""
    if style == "vi":
        return format_number(n, "vi")
    if style == "en":
        return format_number(n, "en")
    if style == "spaced":
        return f"{n:,}".replace(",", "\u00a0")
    return str(n)


@st.composite
def area_text(draw, district: dict[str, str]) -> str:
    """A district's code or its name with a prefix, in some case and Unicode form."""
    if draw(st.booleans()):
        return district["district_code"]
    name = draw(st.sampled_from(PREFIXES[district["unit_type"]])) + district["bare_name"]
    name = draw(st.sampled_from([name, name.upper(), strip_marks(name)]))
    return unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), name)


def check_read_back(table, rows):
    assert len(table) == len(rows)
    for i, row in enumerate(rows):
        got = table.iloc[i]
        assert got["year"] == row["year"]
        assert got["area_code"] == row["district"]["district_code"]
        assert got["area_level"] == "district"
        assert got["zone"] == row["zone"]
        for col in COUNTS:
            assert got[col] == row[col], col


@PROPERTY
@given(
    summaries(),
    headers(),
    st.data(),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    st.booleans(),
)
def test_valid_csv_reads_back(tmp_path, rows, header, data, delimiter, encoding, extras):
    # any separator with English counts ("1,000"), a title, a total and a signature row
    style = data.draw(st.sampled_from(["vi", "en", "plain", "spaced"]))
    lines = []
    if extras:
        lines.append([f"BÁO CÁO KẾT QUẢ RÀ SOÁT HỘ NGHÈO, CẬN NGHÈO NĂM {rows[0]['year']}"])
    lines.append(header)
    for row in rows:
        zone = data.draw(st.sampled_from(ZONES[row["zone"]]))
        area = data.draw(area_text(row["district"]))
        lines.append([str(row["year"]), area, zone] + [count_text(row[c], style) for c in COUNTS])
    if extras:  # a total row and a signature below are left out
        totals = [count_text(sum(r[c] for r in rows), style) for c in COUNTS]
        lines.append(["", "Tổng cộng", ""] + totals)
        lines.append(["Người lập biểu"])
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(lines)
    path = tmp_path / "summary.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    check_read_back(read_summary(path), rows)


@PROPERTY
@given(summaries(), headers(), st.data(), st.booleans())
def test_valid_xlsx_reads_back(tmp_path, rows, header, data, title):
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([f"BÁO CÁO KẾT QUẢ RÀ SOÁT HỘ NGHÈO NĂM {rows[0]['year']}"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for row in rows:
        zone = data.draw(st.sampled_from(ZONES[row["zone"]]))
        area = data.draw(st.one_of(area_text(row["district"]), st.just(row["district"])))
        if isinstance(area, dict):  # the code as an Excel number
            area = int(area["district_code"])
        counts = [
            data.draw(st.sampled_from([row[c], float(row[c]), format_number(row[c])]))
            for c in COUNTS
        ]
        ws.append([row["year"], area, zone, *counts])
    path = tmp_path / "summary.xlsx"
    wb.save(path)
    check_read_back(read_summary(path), rows)


# -- random cells -----------------------------------------------------------------------------------
any_text = st.text(max_size=10).map(lambda t: ILLEGAL_CHARACTERS_RE.sub("", t))  # xlsx-safe
odd_text = st.sampled_from(
    ["#N/A", "#DIV/0!", "=SUM(D3:D9)", "01/02/2023", "1e5", "-", "–", "1" * 400, "x", "Tổng cộng",
     "Bình Phước", "0.500", "2,5", "12,5%"]
)  # fmt: skip
number_text = st.one_of(
    st.integers(-(10**6), 10**8).map(format_number),
    st.integers(0, 10**6).map(str),
    st.from_regex(r"[+\-\u2212]?[0-9]{1,4}([.,][0-9]{1,4}){0,3}%?", fullmatch=True),
)
typed_values = st.one_of(
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.sampled_from([2**53, -(2**53), 0, 1, 2023]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
)
#: Cells that suit their column (not always valid: unknown areas, ambiguous names, odd years).
SUITED = {
    "year": st.sampled_from(["2023", "2016", "2030", "2.023", " 2024 ", "2015", "2031"]),
    "area_code": st.sampled_from(
        ["696", "0696", "692", "25216", "Bù Đăng", "H. Lộc Ninh", "TX. Bình Long", "Xã Lộc Thạnh",
         "Phường Tân Phú", "Tân Phú", "Minh Hưng", "Bu Dang", "Đồng Xoài", "999"]
    ),
    "zone": st.sampled_from(["nông thôn", "thành thị", "urban", "Rural", "NT", "ngoại ô"]),
}  # fmt: skip
counts = st.one_of(
    st.integers(0, 10**6).map(str), st.integers(0, 10**8).map(format_number), st.just(None)
)


def other_cells(typed: bool):
    return st.one_of(st.none(), any_text, odd_text, number_text, *([typed_values] if typed else []))


def check_loaded(table):
    """A table that loads keeps the summary rules."""
    if table is None:
        return
    assert table["year"].between(YEARS[0], YEARS[-1]).all()
    assert table["area_code"].isin(KNOWN_CODES).all()
    assert table["zone"].isin(["urban", "rural"]).all()
    assert (table[COUNTS] >= 0).all().all()
    assert (table["poor_end"] + table["near_poor_end"] <= table["total_households"]).all()


@st.composite
def random_tables(draw, typed: bool):
    """The required columns (and a few others) over rows of cells that suit them, a few not."""
    extra = draw(st.lists(st.sampled_from(sorted(SCHEMA)), max_size=3))
    columns = list(dict.fromkeys(COLUMNS + extra))
    suited = st.tuples(*(SUITED.get(c, counts) for c in columns)).map(list)
    rows = draw(st.lists(suited, min_size=1, max_size=5))
    for _ in range(draw(st.integers(0, 3))):  # a few cells of anything
        i, j = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, len(columns) - 1))
        rows[i][j] = draw(other_cells(typed))
    return [SCHEMA[c]["header_vi"] for c in columns], rows


@PROPERTY
@given(random_tables(typed=False))
def test_random_cells_in_csv_load_valid_or_are_refused(tmp_path, table):
    header, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([header] + [["" if c is None else c for c in row] for row in rows])
    path = tmp_path / "random.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8", errors="replace"))
    check_loaded(outcome(path))


@PROPERTY
@given(random_tables(typed=True))
def test_random_cells_in_xlsx_load_valid_or_are_refused(tmp_path, table):
    header, rows = table
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    path = tmp_path / "random.xlsx"
    wb.save(path)
    check_loaded(outcome(path))


# -- regressions found by the properties ------------------------------------------------------------
HEADER = ["Năm rà soát", "Mã địa bàn", "Khu vực", "Tổng số hộ", "Hộ nghèo cuối năm",
          "Hộ cận nghèo cuối năm"]  # fmt: skip
PLACEHOLDER = 123456789


def xlsx_with_digits(path, rows, digits: str) -> None:
    """An xlsx of ``rows`` whose number cell PLACEHOLDER holds ``digits`` (openpyxl cannot)."""
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    with (
        zipfile.ZipFile(buffer) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for name in src.namelist():
            data = src.read(name)
            if name.startswith("xl/worksheets/"):
                data = data.replace(f"<v>{PLACEHOLDER}</v>".encode(), f"<v>{digits}</v>".encode())
            dst.writestr(name, data)


@pytest.mark.parametrize("ext", [".csv", ".xlsx"])
def test_a_count_beyond_any_float_is_a_problem_of_its_cell(tmp_path, ext):
    # an OverflowError escaped read_summary (core.numbers.parse_number called int(inf))
    path = tmp_path / f"huge{ext}"
    digits = "1" * 400
    if ext == ".csv":
        rows = [HEADER, [2023, "696", "nông thôn", digits, 10, 20]]
        path.write_text("\n".join(",".join(str(c) for c in r) for r in rows) + "\n")
    else:
        xlsx_with_digits(path, [HEADER, [2023, "696", "nông thôn", PLACEHOLDER, 10, 20]], digits)
    with pytest.raises(IntakeError, match=r"row 2, column 'total_households'.*far too large"):
        read_summary(path)


@pytest.mark.parametrize("delimiter", [";", "\t"], ids=["semicolon", "tab"])
@pytest.mark.parametrize("extra", ["title", "signature", "comma in every line"])
def test_semicolon_or_tab_csv_that_the_sniffer_misreads(tmp_path, delimiter, extra):
    # what Excel saves as CSV under Vietnamese regional settings (list separator ';')
    header = list(HEADER)
    rows = [["2023", code, "nông thôn", "32.150", "950", "1.420"] for code in ("696", "692")]
    if extra == "comma in every line":  # an English header with a comma, one English count
        header[-1] = "Near-poor households, end of year"
        rows = [[*r[:3], "32,150", "950", "420"] for r in rows]
    lines = [header, *rows]
    if extra == "title":
        lines.insert(0, ["BÁO CÁO KẾT QUẢ RÀ SOÁT HỘ NGHÈO NĂM 2023"])
    elif extra == "signature":
        lines.append(["Người lập biểu"])
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(lines)
    path = tmp_path / "form.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    assert list(read_summary(path)["area_code"]) == ["696", "692"]
