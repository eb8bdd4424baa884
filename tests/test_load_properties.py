"""Property-based tests (Hypothesis) of intake.load.read_any on damaged and random files.

Whatever bytes a file holds (random bytes named .csv or .xlsx, a real workbook with bytes
overwritten, cut short or with broken XML inside an intact zip, CSV text with known headers
over random cells) reading it either gives a table or raises the project's own
:class:`~analysis.intake.problems.IntakeError` (a ``WorkbookError``): no other exception may
escape.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from analysis.core import paths
from analysis.core.errors import WorkbookError
from analysis.intake.load import read_any
from analysis.intake.problems import IntakeError

PROPERTY = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def read_or_refuse(path):
    """read_any's table kind, or None when it refused the file with an IntakeError."""
    try:
        frame, kind = read_any(path)
    except IntakeError as err:
        assert isinstance(err, WorkbookError)
        assert err.problems, "an IntakeError names at least one problem"
        assert re.match(r"\d+ problems? in ", str(err)), str(err)
        if currently_in_test_context():
            event("refused: " + err.problems[0].message[:40])
        return None
    if currently_in_test_context():
        event(f"read: {kind}")
    assert kind in ("summary", "households")
    assert len(frame) > 0
    return kind


def workbook_bytes() -> bytes:
    """A small valid summary workbook, with a title row and a merged title cell."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    ws.append(["BÁO CÁO KẾT QUẢ RÀ SOÁT HỘ NGHÈO NĂM 2023"])
    ws.merge_cells("A1:F1")
    ws.append(["Năm rà soát", "Mã địa bàn", "Khu vực", "Tổng số hộ", "Hộ nghèo cuối năm",
               "Hộ cận nghèo cuối năm"])  # fmt: skip
    ws.append([2023, "696", "nông thôn", 32150, 950, 1420])
    ws.append([2023, "Huyện Bù Đăng", "thành thị", "3.100", 16, 35])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


VALID_XLSX = workbook_bytes()


def test_the_damaged_workbooks_start_from_a_valid_one(tmp_path):
    path = tmp_path / "valid.xlsx"
    path.write_bytes(VALID_XLSX)
    assert read_or_refuse(path) == "summary"


# -- random bytes ----------------------------------------------------------------------------------
text_like = st.one_of(
    st.text(max_size=300).map(lambda t: t.encode("utf-8")),
    st.text(max_size=200).map(lambda t: t.encode("utf-16")),
    st.text(max_size=200).map(lambda t: t.encode("utf-16-le")),
    st.text(max_size=200).map(lambda t: t.encode("cp1258", errors="ignore")),
)


@PROPERTY
@given(st.one_of(st.binary(max_size=2000), text_like), st.sampled_from([".csv", ".txt", ".tsv"]))
def test_random_bytes_as_csv(tmp_path, data, ext):
    path = tmp_path / f"random{ext}"
    path.write_bytes(data)
    read_or_refuse(path)


@PROPERTY
@given(st.binary(max_size=2000), st.sampled_from([".xlsx", ".xlsm", ".parquet"]))
def test_random_bytes_as_a_workbook_or_parquet(tmp_path, data, ext):
    path = tmp_path / f"random{ext}"
    path.write_bytes(data)
    assert read_or_refuse(path) is None


# -- a real workbook, damaged ---------------------------------------------------------------------
@settings(PROPERTY, max_examples=50)  # openpyxl parses each workbook twice
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=len(VALID_XLSX) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=20,
    )
)
def test_workbook_with_bytes_overwritten(tmp_path, changes):
    data = bytearray(VALID_XLSX)
    for at, byte in changes:
        data[at] = byte
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(data))
    read_or_refuse(path)


@PROPERTY
@given(st.integers(min_value=0, max_value=len(VALID_XLSX) - 1))
def test_workbook_cut_short(tmp_path, size):
    path = tmp_path / "cut.xlsx"
    path.write_bytes(VALID_XLSX[:size])
    assert read_or_refuse(path) is None


MEMBERS = zipfile.ZipFile(io.BytesIO(VALID_XLSX)).namelist()


@st.composite
def broken_member(draw):
    """A member of the valid workbook and damaged bytes for it (re-zipped: the zip is intact)."""
    name = draw(st.sampled_from(MEMBERS))
    original = zipfile.ZipFile(io.BytesIO(VALID_XLSX)).read(name)
    how = draw(st.sampled_from(["cut", "overwrite", "insert", "replace"]))
    if how == "cut":
        new = original[: draw(st.integers(0, len(original)))]
    elif how == "replace":
        new = draw(st.binary(max_size=500))
    else:
        at = draw(st.integers(0, len(original)))
        piece = draw(
            st.one_of(
                st.binary(min_size=1, max_size=20),
                st.sampled_from([b"<", b">", b"&", b'"', b"<c r=", b"</row>", b"<v>x</v>"]),
            )
        )
        end = at + len(piece) if how == "overwrite" else at
        new = original[:at] + piece + original[end:]
    return name, new


@pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl on damaged parts
@settings(PROPERTY, max_examples=50)  # openpyxl parses each workbook twice
@given(broken_member())
def test_workbook_with_a_damaged_part_inside_an_intact_zip(tmp_path, change):
    name, new = change
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(VALID_XLSX)) as src,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for member in src.namelist():
            dst.writestr(member, new if member == name else src.read(member))
    path = tmp_path / "parts.xlsx"
    path.write_bytes(buffer.getvalue())
    read_or_refuse(path)


# -- CSV text with known headers over random cells ----------------------------------------------------
def schema_rows(table: str) -> dict[str, list[str]]:
    """Schema column -> its headers (Vietnamese, English, column name)."""
    with open(paths.data_dir() / "schema" / f"{table}-columns.csv", encoding="utf-8") as f:
        return {
            r["column"]: [r["header_vi"], r["header_en"], r["column"]] for r in csv.DictReader(f)
        }


SUMMARY, HOUSEHOLD = schema_rows("summary"), schema_rows("household")
REQUIRED = {
    "summary": ["year", "area_code", "zone", "total_households", "poor_end", "near_poor_end"],
    "household": ["household_id", "year", "commune_code", "zone", "members"],
}

cells = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(
        ["2023", "2016", "696", "25216", "Bù Đăng", "Xã Lộc Thạnh", "TX. Bình Long", "Tổng cộng",
         "x", "không", "nông thôn", "urban", "nghèo", "#N/A", "=A1+B2", "01/02/2023", "1e5"]
    ),
    st.integers(-(10**30), 10**30).map(str),
    st.from_regex(r"[+\-\u2212]?[0-9]{1,4}([.,][0-9]{1,4}){0,3}%?", fullmatch=True),
)  # fmt: skip


@st.composite
def known_table(draw):
    """A header of schema columns (the required ones, mostly) and full-width rows of cells."""
    table = draw(st.sampled_from(["summary", "household"]))
    spec = SUMMARY if table == "summary" else HOUSEHOLD
    columns = [c for c in REQUIRED[table] if draw(st.integers(0, 9)) > 0]
    columns += draw(st.lists(st.sampled_from(sorted(spec)), max_size=5))
    header = [draw(st.sampled_from(spec[c])) for c in columns] or ["Ghi chú"]
    width = len(header)
    rows = draw(st.lists(st.lists(cells, min_size=width, max_size=width), max_size=6))
    return header, rows


@settings(PROPERTY, max_examples=25)  # a table that reaches validation takes ~0.3 s
@given(known_table(), st.sampled_from([",", ";", "\t"]), st.sampled_from(["utf-8", "utf-16"]))
def test_known_headers_over_random_cells(tmp_path, table, delimiter, encoding):
    header, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if c is None else c for c in row] for row in rows])
    path = tmp_path / "fuzz.csv"
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
    read_or_refuse(path)


@pytest.mark.parametrize("ext", [".csv", ".xlsx"])
def test_an_empty_file_is_refused(tmp_path, ext):
    path = tmp_path / f"empty{ext}"
    path.write_bytes(b"")
    with pytest.raises(IntakeError, match="the file is empty"):
        read_any(path)
