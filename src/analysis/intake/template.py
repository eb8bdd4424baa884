"""A blank Excel template of the review's summary form, which
:func:`analysis.intake.summary.read_summary` reads back once it is filled in.

Headers, their translations and descriptions come from ``data/schema/summary-columns.csv``;
the deprivation columns are those of the year's poverty standard.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from analysis.core.messages import Message
from analysis.intake.headers import AREA_NAME_HEADERS, column_headers
from analysis.reference import schema
from analysis.reference.geography import Geography, load_geography
from analysis.reference.standards import standard_for_year

_TEXT = {
    "vi": {
        "sheet": "Biểu tổng hợp",
        "notes": "Ghi chú",
        "title": "KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM {year} - {province}",
        "subtitle": "Chuẩn nghèo: {std}. Cấp: {level}. Mỗi dòng là một địa bàn và khu vực; "
        "không sửa cột mã, tên, năm, khu vực.",
        "area_name": AREA_NAME_HEADERS[0],
        "district": "huyện",
        "commune": "xã",
        "urban": "thành thị",
        "rural": "nông thôn",
        "yes": "x",
    },
    "en": {
        "sheet": "Summary form",
        "notes": "Notes",
        "title": "POOR AND NEAR-POOR HOUSEHOLD REVIEW {year} - {province}",
        "subtitle": "Poverty standard: {std}. Level: {level}. One row per area and zone; "
        "do not change the code, name, year or zone columns.",
        "area_name": "Area name",
        "district": "district",
        "commune": "commune",
        "urban": "urban",
        "rural": "rural",
        "yes": "x",
    },
}

_NOTES = {
    "vi": [
        "Cách điền biểu",
        "Mỗi dòng là một địa bàn (mã và tên đã điền sẵn) và một khu vực (thành thị/nông thôn).",
        "Điền số hộ (số người ở các cột về người) là số nguyên, ví dụ 2879 hoặc 2.879.",
        "Hộ nghèo cuối năm = đầu năm - thoát nghèo + tái nghèo + phát sinh mới + biến động khác; "
        "hộ cận nghèo: không có tái nghèo.",
        "Biến động khác có thể âm (chuyển đi, chết, tách hộ, điều chỉnh).",
        "Số hộ DTTS không lớn hơn số tương ứng của tất cả các hộ.",
        "Số hộ thiếu hụt: chỉ tính hộ nghèo và cận nghèo cuối năm; "
        "chỉ có các chỉ số của chuẩn nghèo năm rà soát.",
        "Dòng để trống hoàn toàn sẽ được bỏ qua. Không thêm dòng tổng cộng (sẽ được tự tính).",
        "Mã địa bàn là văn bản (giữ số 0 ở đầu); không đổi sang số.",
    ],
    "en": [
        "How to fill in the form",
        "Each row is one area (code and name pre-filled) and one zone (urban/rural).",
        "Enter households (people in the 'people' columns) as whole numbers, e.g. 2879 or 2.879.",
        "Poor at end of year = start - escaped + re-poverty + new + other changes; "
        "near-poor: no re-poverty term.",
        "Other changes may be negative (moves, deaths, household splits, reclassification).",
        "Ethnic-minority figures cannot exceed the matching figure for all households.",
        "Deprived households: poor and near-poor households at the end of the year only; "
        "only the indicators of the review year's standard are listed.",
        "Rows left entirely blank are skipped. Do not add a total row (totals are computed).",
        "Area codes are text (leading zeros kept); do not turn them into numbers.",
    ],
}

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_KEY_FILL = PatternFill("solid", fgColor="F2F2F2")
_TITLE_ROW, _SUBTITLE_ROW, _HEADER_ROW = 1, 2, 4


def template_columns(year: int, level: str = "district") -> list[str]:
    """Schema columns of the template for a review year and level.

    Parameters
    ----------
    year : int
        Review year; chooses the deprivation indicators (raises ``StandardError`` outside every
        standard).
    level : {"district", "commune"}

    Returns
    -------
    list of str
        Key columns, counts, the year's ``dep_*`` columns, coverage and (commune level) the
        especially-difficult flag; ``synthetic`` is never in a template.
    """
    if level not in schema.LEVELS:
        raise ValueError(
            Message("param.one_of", name="level", allowed=schema.LEVELS, value=repr(level))
        )
    std = standard_for_year(year)
    keep_dep = {f"dep_{i}" for i in std.indicators}
    cols = []
    for col in schema.summary_columns():
        if col == "synthetic" or (col == "especially_difficult" and level != "commune"):
            continue
        if col.startswith("dep_") and col not in keep_dep:
            continue
        cols.append(col)
    return cols


def _areas(geo: Geography, level: str) -> list[tuple[str, str, str]]:
    """(code, name, zone) for each area and zone it has."""
    communes = geo.communes
    out = []
    if level == "district":
        for code in geo.district_codes():
            zones = set(communes.loc[communes["district_code"] == code, "zone"])
            for zone in ("urban", "rural"):
                if zone in zones:
                    out.append((code, geo.district_name(code, bare=False), zone))
    else:
        for row in communes.sort_values(["district_code", "commune_code"]).itertuples():
            out.append((row.commune_code, row.commune_name, row.zone))
    return out


def write_summary_template(
    path,
    year: int,
    level: str = "district",
    lang: str = "vi",
    geography: Geography | None = None,
) -> Path:
    """Write a blank Excel template of the summary form.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file to write (its folder must exist).
    year : int
        Review year, pre-filled on every row; also picks the deprivation indicators.
    level : {"district", "commune"}
        One row per district and zone it has, or one row per (former) commune.
    lang : {"vi", "en"}
        Language of the headers; the other language's header and the column's description go
        in a cell comment. Both read back with :func:`analysis.intake.summary.read_summary`.
    geography : Geography, optional

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    analysis.reference.standards.StandardError
        If the year is outside every poverty standard.
    """
    if lang not in _TEXT:
        raise ValueError(
            Message("param.one_of", name="lang", allowed=sorted(_TEXT), value=repr(lang))
        )
    geo = geography or load_geography()
    text = _TEXT[lang]
    std = standard_for_year(year)
    cols = template_columns(year, level)
    spec = column_headers("summary").set_index("column")

    # the area name goes right after the code
    layout = []
    for col in cols:
        layout.append(col)
        if col == "area_code":
            layout.append("__name__")

    wb = Workbook()
    ws = wb.active
    ws.title = text["sheet"]
    last = get_column_letter(len(layout))
    ws.cell(_TITLE_ROW, 1, text["title"].format(year=year, province=geo.province["province_name"]))
    ws.cell(_TITLE_ROW, 1).font = Font(bold=True, size=13)
    ws.merge_cells(f"A{_TITLE_ROW}:{last}{_TITLE_ROW}")
    ws.cell(
        _SUBTITLE_ROW,
        1,
        text["subtitle"].format(std=std.legal_ref, level=text[level]),
    ).font = Font(italic=True)
    ws.merge_cells(f"A{_SUBTITLE_ROW}:{last}{_SUBTITLE_ROW}")
    _write_header(ws, layout, spec, lang)
    _write_areas(ws, layout, spec, _areas(geo, level), year, level, text)
    _write_notes(wb.create_sheet(text["notes"]), cols, spec, lang)

    path = Path(path)
    wb.save(path)
    return path


def _languages(lang: str) -> tuple[str, str]:
    """The header column of the form's language and of the other language."""
    return ("header_vi", "header_en") if lang == "vi" else ("header_en", "header_vi")


def _write_header(ws, layout: list[str], spec, lang: str) -> None:
    """The header row: one header per column, the other language and description in a comment."""
    text = _TEXT[lang]
    own, other = _languages(lang)
    for j, col in enumerate(layout, start=1):
        cell = ws.cell(_HEADER_ROW, j)
        if col == "__name__":
            cell.value = text["area_name"]
            note = "Area name" if lang == "vi" else "Tên địa bàn"
        else:
            cell.value = spec.at[col, own]
            note = f"{spec.at[col, other]} ({col})\n{spec.at[col, 'description']}"
        cell.comment = Comment(note, "analysis", width=320, height=140)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = _BORDER
        width = 10 if col not in ("__name__",) else 26
        if col.startswith("dep_") or col.startswith("people") or col.startswith("households"):
            width = 16
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.row_dimensions[_HEADER_ROW].height = 75


def _write_areas(
    ws, layout: list[str], spec, areas: list[tuple[str, str, str]], year: int, level: str, text
) -> None:
    """One row per area and zone, key cells filled in; drop-down lists for zone and ĐBKK."""
    kinds = spec["kind"].to_dict()
    for i, (code, name, zone) in enumerate(areas, start=_HEADER_ROW + 1):
        for j, col in enumerate(layout, start=1):
            cell = ws.cell(i, j)
            cell.border = _BORDER
            if col == "year":
                cell.value, cell.number_format = year, "0"
            elif col == "area_code":
                cell.value, cell.number_format = str(code), "@"
            elif col == "__name__":
                cell.value = name
            elif col == "area_level":
                cell.value = text[level]
            elif col == "zone":
                cell.value = text[zone]
            elif kinds.get(col) in ("count", "signed"):
                cell.number_format = "#,##0" if kinds[col] == "count" else "+#,##0;-#,##0;0"
                continue
            else:
                continue
            cell.fill = _KEY_FILL
    first_data, last_data = _HEADER_ROW + 1, _HEADER_ROW + len(areas)
    zone_col = get_column_letter(layout.index("zone") + 1)
    zones = DataValidation(
        type="list", formula1=f'"{text["urban"]},{text["rural"]}"', allow_blank=False
    )
    zones.add(f"{zone_col}{first_data}:{zone_col}{last_data}")
    ws.add_data_validation(zones)
    if "especially_difficult" in layout:
        flag_col = get_column_letter(layout.index("especially_difficult") + 1)
        flags = DataValidation(type="list", formula1='"x"', allow_blank=True)
        flags.add(f"{flag_col}{first_data}:{flag_col}{last_data}")
        ws.add_data_validation(flags)
    ws.freeze_panes = ws.cell(first_data, layout.index("zone") + 2)


def _write_notes(notes, cols: list[str], spec, lang: str) -> None:
    """The notes sheet: how to fill in the form, then every column in both languages."""
    own, other = _languages(lang)
    lines = _NOTES[lang]
    notes.cell(1, 1, lines[0]).font = Font(bold=True, size=13)
    for r, line in enumerate(lines[1:], start=2):
        notes.cell(r, 1, f"{r - 1}. {line}")
    r = len(lines) + 2
    heads = (
        ("Cột", "Tiếng Anh", "Tên trong dữ liệu", "Giải thích")
        if lang == "vi"
        else ("Column", "Vietnamese", "Data name", "Explanation")
    )
    for j, head in enumerate(heads, start=1):
        notes.cell(r, j, head).font = Font(bold=True)
    for col in cols:
        r += 1
        notes.cell(r, 1, spec.at[col, own])
        notes.cell(r, 2, spec.at[col, other])
        notes.cell(r, 3, col)
        notes.cell(r, 4, spec.at[col, "description"])
    for letter, width in zip("ABCD", (38, 38, 24, 90), strict=True):
        notes.column_dimensions[letter].width = width
