"""Validation of the area-year summary table and the household records.

The rules are pandera schemas (:func:`summary_schema`, :func:`household_schema`) run lazily,
so that every failure in a table is found in one pass; pandera's failure cases are then
translated into :class:`Problem` objects that name the file, the row the analyst sees in the
file, the column and, in plain English, what is wrong and how to fix it.

Column headers (Vietnamese and English) and descriptions are data, read from
``data/schema/summary-columns.csv`` and ``data/schema/household-columns.csv``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from analysis.core import paths
from analysis.core.errors import WorkbookError
from analysis.core.numbers import format_number
from analysis.reference import schema
from analysis.reference.geography import Geography, load_geography
from analysis.reference.standards import CLASSES, all_indicators, load_standards, standard_for_year

TABLES = ("summary", "household")


# -- problems ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    Attributes
    ----------
    file : str
        The file's name as the analyst knows it.
    row : int or None
        The row number the analyst sees: the spreadsheet row (1-based, counting title and header
        rows) or the CSV line; None for a problem with the whole file or a whole column.
    column : str or None
        The schema column (e.g. ``"poor_end"``), or the header text for a column the schema
        does not know; None for a problem with a whole row or the whole file.
    message : str
        What is wrong and how to fix it.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        parts = [str(self.file)]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            label = header_label(self.column)
            parts.append(f"column '{self.column}'" + (f" ({label})" if label else ""))
        return ", ".join(parts) + ": " + self.message


class IntakeError(WorkbookError):
    """A file that cannot be loaded; nothing from it was loaded.

    Attributes
    ----------
    problems : list of Problem
        Every problem found, in file and row order.
    """

    def __init__(self, problems: Sequence[Problem] | Problem | str, file: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(file or "?", None, None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__(self._text())

    def _text(self) -> str:
        files = list(dict.fromkeys(p.file for p in self.problems))
        n = len(self.problems)
        head = (
            f"{n} problem{'s' if n != 1 else ''} in {', '.join(files)}; nothing was loaded. "
            "Correct the file and load it again:"
        )
        return "\n".join([head] + [f"  - {p}" for p in self.problems])

    def __str__(self) -> str:
        return self._text()


# -- column headers (data/schema) -------------------------------------------------------------
@lru_cache(maxsize=8)
def _column_table(path: str) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@lru_cache(maxsize=8)
def _labels(path_summary: str, path_household: str) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for path in (path_household, path_summary):  # summary wins for shared names
        for r in _column_table(path).itertuples(index=False):
            out[r.column] = (r.header_vi, r.header_en)
    return out


def _table_path(table: str) -> str:
    return str(paths.data_dir() / "schema" / f"{table}-columns.csv")


def column_headers(table: str = "summary") -> pd.DataFrame:
    """The column table of ``summary`` or ``household`` records, from ``data/schema/``.

    Parameters
    ----------
    table : {"summary", "household"}

    Returns
    -------
    pandas.DataFrame
        Columns ``column, header_vi, header_en, kind, description, aliases`` (``aliases`` holds
        other accepted headers separated by ``|``), one row per column in canonical order.
    """
    if table not in TABLES:
        raise ValueError(f"table must be one of {TABLES}, not {table!r}")
    return _column_table(_table_path(table)).copy()


def header_label(column: str, table: str | None = None, lang: str = "vi") -> str:
    """The header of a schema column (``"poor_end"`` -> ``"Hộ nghèo cuối năm"``); '' if unknown.

    Parameters
    ----------
    column : str
        Schema column name.
    table : {"summary", "household"}, optional
        Look only in this table (a few names, such as ``year``, are in both).
    lang : {"vi", "en"}
    """
    if table is not None:
        frame = _column_table(_table_path(table))
        hit = frame.loc[frame["column"] == column]
        if hit.empty:
            return ""
        return hit.iloc[0]["header_vi" if lang == "vi" else "header_en"]
    labels = _labels(_table_path("summary"), _table_path("household"))
    if column not in labels:
        return ""
    return labels[column][0 if lang == "vi" else 1]


def _hl(column: str) -> str:
    """Column named for a message: ``'Hộ nghèo cuối năm' (poor_end)``."""
    label = header_label(column)
    return f"'{label}' ({column})" if label else f"'{column}'"


def _n(value) -> str:
    """A number in a message, Vietnamese style."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "(empty)"
    value = float(value)
    return format_number(value, "vi", 0 if value == int(value) else 2)


# -- helpers for checks ------------------------------------------------------------------------
def _num(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as float (NaN for empty, missing or unreadable)."""
    if column not in frame:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def _present(frame: pd.DataFrame, column: str) -> pd.Series:
    return _num(frame, column).notna()


@dataclass(frozen=True)
class _Rule:
    """A row-wise rule: ``passes(frame)`` is True where the row is fine."""

    name: str
    column: str
    passes: Callable[[pd.DataFrame], pd.Series]
    message: Callable[[pd.Series], str]

    def check(self) -> pa.Check:
        def run(frame: pd.DataFrame) -> pd.Series:
            return self.passes(frame).fillna(True).astype(bool)

        return pa.Check(run, name=self.name)


def _le_rule(name, small, big, message) -> _Rule:
    def passes(f):
        a, b = _num(f, small), _num(f, big)
        return ~(a > b)

    return _Rule(name, small, passes, message)


def _standard_indicators() -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for std in load_standards():
        for year in range(std.first_year, std.last_year + 1):
            out[year] = set(std.indicators)
    return out


def _standard_years() -> list[int]:
    """Every review year that some poverty standard governs."""
    return sorted(_standard_indicators())


def _year_message(value) -> str:
    spans = ", ".join(f"{s.legal_ref} {s.first_year}-{s.last_year}" for s in load_standards())
    return (
        f"review year {value} is outside every poverty standard ({spans}); "
        "check the year (it is the year of the review, not of the report)"
    )


# -- summary rules ----------------------------------------------------------------------------
def _flow_rules(prefix: str) -> list[_Rule]:
    cols = schema.stock_flow_columns(prefix)
    start, end = cols[0], cols[-1]
    flows = cols[1:-1]
    signs = {c: (-1 if c.endswith("_escaped") else 1) for c in flows}
    words = {
        "escaped": "escaped",
        "repoverty": "re-poverty",
        "new": "new",
        "other": "other",
    }

    def any_flow(f):
        return pd.concat([_present(f, c) for c in flows], axis=1).any(axis=1)

    def expected(f):
        total = _num(f, start)
        for c in flows:
            total = total + signs[c] * _num(f, c).fillna(0)
        return total

    def start_passes(f):
        return ~(any_flow(f) & ~_present(f, start))

    def start_message(row):
        return (
            f"the changes during the year are filled in but {_hl(start)} is empty; "
            "fill in the start-of-year figure so that the changes can be checked"
        )

    def passes(f):
        check = any_flow(f) & _present(f, start)
        e, x = _num(f, end), expected(f)
        return ~(check & (e.isna() | (e != x)))

    def message(row):
        s = _num(row.to_frame().T, start).iloc[0]
        terms = [f"start {_n(s)}"]
        value = s
        for c in flows:
            v = pd.to_numeric(pd.Series([row.get(c)]), errors="coerce").fillna(0).iloc[0]
            word = words[c[len(prefix) + 1 :]]
            sign = "−" if signs[c] < 0 else "+"
            if signs[c] > 0 and v < 0:
                terms.append(f"− {word} {_n(-v)}")
            else:
                terms.append(f"{sign} {word} {_n(v)}")
            value += signs[c] * v
        e = pd.to_numeric(pd.Series([row.get(end)]), errors="coerce").iloc[0]
        calc = " ".join(terms) + f" = {_n(value)}"
        if pd.isna(e):
            return (
                f"the end-of-year figure is empty but the changes give {calc}; "
                "fill in the end-of-year figure"
            )
        residual = e - value
        sign = "+" if residual > 0 else "−"
        return (
            f"end of year is {_n(e)} but {calc} (difference {sign}{_n(abs(residual))}); "
            f"correct one of the cells, or record the difference in {_hl(prefix + '_other')}"
        )

    return [
        _Rule(f"flow_start:{prefix}", start, start_passes, start_message),
        _Rule(f"flow:{prefix}", end, passes, message),
    ]


def _summary_rules() -> list[_Rule]:
    rules: list[_Rule] = []

    def val(row, col):
        return pd.to_numeric(pd.Series([row.get(col)]), errors="coerce").iloc[0]

    # stocks against the total
    for col, what in (("poor_end", "poor"), ("near_poor_end", "near-poor")):

        def msg(row, col=col, what=what):
            return (
                f"{_n(val(row, col))} {what} households is more than the "
                f"{_n(val(row, 'total_households'))} households in total; check the two cells"
            )

        rules.append(_le_rule(f"le_total:{col}", col, "total_households", msg))

    def both_passes(f):
        p, n, t = _num(f, "poor_end"), _num(f, "near_poor_end"), _num(f, "total_households")
        individually_ok = ~(p > t) & ~(n > t)
        return ~(individually_ok & (p + n > t))

    def both_msg(row):
        p, n = val(row, "poor_end"), val(row, "near_poor_end")
        return (
            f"poor ({_n(p)}) plus near-poor ({_n(n)}) households make {_n(p + n)}, more than "
            f"the {_n(val(row, 'total_households'))} households in total; check the three cells"
        )

    rules.append(_Rule("le_total:poor_near", "near_poor_end", both_passes, both_msg))

    # ethnic-minority figures against all households
    pairs = [("em_total_households", "total_households")] + [
        (f"em_{c}", c)
        for c in schema.POOR_COLUMNS + schema.NEAR_POOR_COLUMNS
        if not c.endswith("_other")
    ]
    for em, allcol in pairs:

        def msg(row, em=em, allcol=allcol):
            return (
                f"{_n(val(row, em))} ethnic-minority households is more than the "
                f"{_n(val(row, allcol))} in {_hl(allcol)}, which counts all households; "
                "check the two cells"
            )

        rules.append(_le_rule(f"em_le:{em}", em, allcol, msg))

    def em_both_passes(f):
        p, n = _num(f, "em_poor_end"), _num(f, "em_near_poor_end")
        t = _num(f, "em_total_households")
        return ~((p.fillna(0) + n.fillna(0) > t) & (p.notna() | n.notna()))

    def em_both_msg(row):
        p = val(row, "em_poor_end")
        n = val(row, "em_near_poor_end")
        total = (0 if pd.isna(p) else p) + (0 if pd.isna(n) else n)
        return (
            f"ethnic-minority poor ({_n(p)}) plus near-poor ({_n(n)}) households make "
            f"{_n(total)}, more than the {_n(val(row, 'em_total_households'))} "
            "ethnic-minority households; check the cells"
        )

    rules.append(_Rule("em_le:em_poor_near", "em_near_poor_end", em_both_passes, em_both_msg))

    for prefix in ("poor", "near_poor", "em_poor", "em_near_poor"):
        rules.extend(_flow_rules(prefix))

    # deprivations
    by_year = _standard_indicators()
    for ind in all_indicators():
        col = f"dep_{ind}"

        def dep_passes(f, col=col):
            d = _num(f, col)
            pn = _num(f, "poor_end").fillna(0) + _num(f, "near_poor_end").fillna(0)
            has = _present(f, "poor_end") | _present(f, "near_poor_end")
            return ~(has & (d > pn))

        def dep_msg(row, col=col):
            pn = np.nansum([val(row, "poor_end"), val(row, "near_poor_end")])
            return (
                f"{_n(val(row, col))} deprived households is more than the {_n(pn)} poor and "
                "near-poor households at the end of the year (only they are counted); "
                "check the cell"
            )

        def std_passes(f, ind=ind, col=col):
            years = _num(f, "year")
            lacks = years.map(
                lambda y: not pd.isna(y) and int(y) in by_year and ind not in by_year[int(y)]
            )
            return ~(lacks.astype(bool) & _present(f, col))

        def std_msg(row, ind=ind):
            year = int(val(row, "year"))
            std = standard_for_year(year)
            return (
                f"the standard of {year} ({std.legal_ref}) has no indicator '{ind}'; "
                "leave this cell empty (or check the year)"
            )

        rules.append(_Rule(f"dep_le:{col}", col, dep_passes, dep_msg))
        rules.append(_Rule(f"dep_std:{col}", col, std_passes, std_msg))

    # coverage ratios
    for key, (num, den) in schema.COVERAGE_RATIOS.items():

        def cov_msg(row, num=num, den=den, key=key):
            return (
                f"{_n(val(row, num))} in {_hl(num)} is more than the {_n(val(row, den))} in "
                f"{_hl(den)}; coverage ({key.replace('_', ' ')}) cannot exceed 100%, "
                "check the two cells"
            )

        rules.append(_le_rule(f"coverage:{key}", num, den, cov_msg))
    return rules


def _level_rules(geography: Geography) -> list[_Rule]:
    districts = set(geography.district_codes())
    communes = set(geography.communes["commune_code"])

    def level_passes(f):
        if "area_level" not in f or "area_code" not in f:
            return pd.Series(True, index=f.index)
        code = f["area_code"].astype(object)
        level = f["area_level"].astype(object)
        wrong = (code.isin(districts) & (level == "commune")) | (
            code.isin(communes) & (level == "district")
        )
        return ~wrong

    def level_msg(row):
        code, level = row.get("area_code"), row.get("area_level")
        actual = "district" if level == "commune" else "commune"
        return (
            f"area code {code} ({geography.area_name(code)}) is a {actual}-level unit but the "
            f"row says '{level}'; correct the level or the code"
        )

    def ddk_passes(f):
        if "especially_difficult" not in f or "area_code" not in f:
            return pd.Series(True, index=f.index)
        flag = f["especially_difficult"].astype(object)
        return ~(f["area_code"].astype(object).isin(districts) & (flag == True))  # noqa: E712

    def ddk_msg(row):
        return (
            "only communes are on the especially-difficult (ĐBKK) list, and this is a "
            f"district row ({row.get('area_code')}); leave the cell empty"
        )

    return [
        _Rule("level_matches_code", "area_level", level_passes, level_msg),
        _Rule("ddk_commune_only", "especially_difficult", ddk_passes, ddk_msg),
    ]


# -- schemas -----------------------------------------------------------------------------------
REQUIRED_SUMMARY = ["year", "area_code", "zone", "total_households", "poor_end", "near_poor_end"]
REQUIRED_HOUSEHOLD = ["household_id", "year", "commune_code", "zone", "members"]


def _non_negative() -> pa.Check:
    return pa.Check(lambda s: s >= 0, name="non_negative")


def summary_schema(geography: Geography | None = None) -> pa.DataFrameSchema:
    """The pandera schema of the area-year summary table.

    Parameters
    ----------
    geography : Geography, optional
        Known area codes; defaults to :func:`analysis.geography.load_geography`.

    Returns
    -------
    pandera.DataFrameSchema
        Coercing, with one named check per rule; run it with ``lazy=True``.
    """
    geo = geography or load_geography()
    known = set(geo.district_codes()) | set(geo.communes["commune_code"])
    columns: dict[str, pa.Column] = {
        "year": pa.Column(
            "Int64",
            pa.Check(lambda s: s.isin(_standard_years()), name="year_in_standard"),
            nullable=False,
            required=True,
        ),
        "area_code": pa.Column(
            str, pa.Check(lambda s: s.isin(known), name="area_known"), nullable=False
        ),
        "area_level": pa.Column(
            str,
            pa.Check(lambda s: s.isin(schema.LEVELS), name="level_values"),
            nullable=True,
            required=False,
        ),
        "zone": pa.Column(
            str, pa.Check(lambda s: s.isin(schema.ZONES), name="zone_values"), nullable=False
        ),
    }
    for col in schema.count_columns():
        checks = [] if col in schema.SIGNED_COLUMNS else [_non_negative()]
        columns[col] = pa.Column(
            "Int64", checks, nullable=col not in REQUIRED_SUMMARY, required=col in REQUIRED_SUMMARY
        )
    for col in schema.SIGNED_COLUMNS:
        columns[col] = pa.Column("Int64", nullable=True, required=False)
    columns["especially_difficult"] = pa.Column("boolean", nullable=True, required=False)
    columns["synthetic"] = pa.Column("boolean", nullable=True, required=False)
    rules = _summary_rules() + _level_rules(geo)
    return pa.DataFrameSchema(
        columns,
        checks=[r.check() for r in rules],
        unique=schema.KEYS,
        report_duplicates="all",
        coerce=True,
        strict=False,
        name="summary",
    )


def _household_rules() -> list[_Rule]:
    def val(row, col):
        return pd.to_numeric(pd.Series([row.get(col)]), errors="coerce").iloc[0]

    def flag(f, col):
        if col not in f:
            return pd.Series(False, index=f.index)
        return f[col].astype(object).map(lambda v: v is True or v == 1 or v == "True")

    def credit_passes(f):
        return ~(
            flag(f, "credit_received") & ~flag(f, "credit_need") & _present_obj(f, "credit_need")
        )

    def credit_msg(row):
        return (
            "the household received a loan but is recorded as not needing one; "
            f"mark {_hl('credit_need')} as yes or correct {_hl('credit_received')}"
        )

    def ins_msg(row):
        return (
            f"{_n(val(row, 'health_insured'))} members with a health-insurance card is more than "
            f"the {_n(val(row, 'members'))} members of the household; check the two cells"
        )

    def train_msg(row):
        return (
            f"{_n(val(row, 'training_received'))} members trained is more than the "
            f"{_n(val(row, 'training_need'))} who needed training; check the two cells"
        )

    def need_msg(row):
        return (
            f"{_n(val(row, 'training_need'))} members needing training is more than the "
            f"{_n(val(row, 'members'))} members of the household; check the two cells"
        )

    return [
        _le_rule("le_members:health_insured", "health_insured", "members", ins_msg),
        _le_rule("le_members:training_need", "training_need", "members", need_msg),
        _le_rule("coverage:training", "training_received", "training_need", train_msg),
        _Rule("coverage:credit", "credit_received", credit_passes, credit_msg),
    ]


def _present_obj(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(False, index=frame.index)
    return frame[column].notna()


def household_schema(geography: Geography | None = None) -> pa.DataFrameSchema:
    """The pandera schema of household records.

    Parameters
    ----------
    geography : Geography, optional
        Known commune codes; defaults to :func:`analysis.geography.load_geography`.

    Returns
    -------
    pandera.DataFrameSchema
    """
    geo = geography or load_geography()
    communes = set(geo.communes["commune_code"])
    columns: dict[str, pa.Column] = {
        "household_id": pa.Column(str, nullable=False),
        "year": pa.Column(
            "Int64",
            pa.Check(lambda s: s.isin(_standard_years()), name="year_in_standard"),
            nullable=False,
        ),
        "commune_code": pa.Column(
            str, pa.Check(lambda s: s.isin(communes), name="commune_known"), nullable=False
        ),
        "zone": pa.Column(
            str, pa.Check(lambda s: s.isin(schema.ZONES), name="zone_values"), nullable=False
        ),
        "ethnic_minority": pa.Column("boolean", nullable=True, required=False),
        "members": pa.Column(
            "Int64", pa.Check(lambda s: s >= 1, name="members_min"), nullable=False
        ),
        "income_pc": pa.Column("Float64", _non_negative(), nullable=True, required=False),
        "score_a": pa.Column("Float64", _non_negative(), nullable=True, required=False),
    }
    for ind in all_indicators():
        columns[f"d_{ind}"] = pa.Column("boolean", nullable=True, required=False)
    columns["recorded_class"] = pa.Column(
        str,
        pa.Check(lambda s: s.isin(CLASSES), name="class_values"),
        nullable=True,
        required=False,
    )
    for col in ("health_insured", "training_need", "training_received"):
        columns[col] = pa.Column("Int64", _non_negative(), nullable=True, required=False)
    for col in ("credit_need", "credit_received", "synthetic"):
        columns[col] = pa.Column("boolean", nullable=True, required=False)
    return pa.DataFrameSchema(
        columns,
        checks=[r.check() for r in _household_rules()],
        unique=["household_id", "year"],
        report_duplicates="all",
        coerce=True,
        strict=False,
        name="household",
    )


# -- translating pandera's failure cases -------------------------------------------------------
_KIND_WORDS = {
    "Int64": "a whole number",
    "Float64": "a number",
    "boolean": "yes or no (x/có or empty/không)",
    "str": "text",
}


def _column_message(check: str, column: str, value, geography: Geography) -> str:
    """Message for a failed column-level check (one cell)."""
    if check == "non_negative" and column not in schema.count_columns():
        return f"{_n(value)} is negative, which is impossible here; check the sign and the cell"
    if check == "non_negative":
        return (
            f"{_n(value)} is negative; only the 'other changes' columns may be negative, "
            "so check the sign"
        )
    if check == "members_min":
        return f"a household has at least one member, not {_n(value)}; check the cell"
    if check == "year_in_standard":
        return _year_message(value)
    if check == "area_known":
        return (
            f"area code {value!r} is not a district or commune of "
            f"{geography.province['bare_name']}; check the code (codes keep their leading "
            "zeros: write them as text)"
        )
    if check == "commune_known":
        return (
            f"commune code {value!r} is not a commune of {geography.province['bare_name']}; "
            "check the code or write the commune's name"
        )
    if check == "zone_values":
        return f"{value!r} is not a zone; write thành thị (urban) or nông thôn (rural)"
    if check == "level_values":
        return f"{value!r} is not an area level; write huyện (district) or xã (commune)"
    if check == "class_values":
        return (
            f"{value!r} is not a class; write nghèo (poor), cận nghèo (near-poor) "
            "or không nghèo (not poor)"
        )
    if check == "not_nullable":
        return f"the cell is empty; {_hl(column)} must be filled in on every row"
    if check.startswith(("coerce_dtype", "dtype")):
        wanted = check[check.find("(") + 2 : -2]
        return f"{value!r} is not {_KIND_WORDS.get(wanted, wanted)}; correct the cell"
    return f"{value!r} fails check {check}"


def _translate(
    err: SchemaErrors,
    work: pd.DataFrame,
    source: str,
    rows: list[int | None],
    rules: dict[str, _Rule],
    keys: list[str],
    geography: Geography,
) -> list[Problem]:
    cases = err.failure_cases
    problems: list[Problem] = []
    seen: set[tuple] = set()
    typed_bad: set[str] = set()

    def add(row, column, message):
        key = (row, column, message)
        if key not in seen:
            seen.add(key)
            problems.append(Problem(source, row, column, message))

    def pos(index):
        return None if index is None or pd.isna(index) else int(index)

    # types first, so that failures of checks on badly typed columns can be dropped
    for case in cases.itertuples(index=False):
        if str(case.check).startswith(("coerce_dtype", "dtype")):
            typed_bad.add(case.column)
    duplicate_positions: set[int] = set()
    type_cells: set[tuple] = set()
    for case in cases.itertuples(index=False):
        check, column, value, i = str(case.check), case.column, case.failure_case, pos(case.index)
        if check == "column_in_dataframe":
            add(
                None,
                value,
                f"required column {_hl(str(value))} is missing; add a column headed "
                f"'{header_label(str(value))}'",
            )
        elif check == "multiple_fields_uniqueness":
            if i is not None:
                duplicate_positions.add(i)
        elif check in rules:
            if i is None:
                continue
            rule = rules[check]
            add(rows[i], rule.column, rule.message(work.iloc[i]))
        elif check.startswith(("coerce_dtype", "dtype")):
            if i is None:
                add(
                    None,
                    column,
                    f"the column holds {value} values, not "
                    f"{_KIND_WORDS.get(check[check.find('(') + 2 : -2], 'the expected type')}",
                )
            elif (column, i) not in type_cells:
                type_cells.add((column, i))
                add(rows[i], column, _column_message(check, column, value, geography))
        elif i is None:
            # a check that could not run because the column has the wrong type
            if column in typed_bad:
                continue
            add(None, column, f"could not check {check}: {value}")
        else:
            add(rows[i], column, _column_message(check, column, value, geography))

    if duplicate_positions and all(k in work for k in keys):
        key_frame = work.loc[sorted(duplicate_positions), keys].astype(object)
        key_frame = key_frame.dropna()
        for _, group in key_frame.groupby(keys, sort=False):
            positions = list(group.index)
            first = positions[0]
            names = ", ".join(_key_text(k, work.at[first, k], geography) for k in keys)
            for other in positions[1:]:
                add(
                    rows[other],
                    None,
                    f"rows {rows[first]} and {rows[other]} both hold {names}; "
                    "each key must appear once, so keep one row and delete the other",
                )
    return problems


def _key_text(column: str, value, geography: Geography) -> str:
    if column in ("area_code", "commune_code"):
        try:
            return f"area {value} ({geography.area_name(str(value))})"
        except Exception:  # noqa: BLE001 - an unknown code is reported elsewhere
            return f"area {value}"
    return f"{column.replace('_', ' ')} {value}"


def _validate(
    df: pd.DataFrame,
    source: str,
    row_numbers: Sequence[int] | None,
    frame_schema: pa.DataFrameSchema,
    rules: list[_Rule],
    keys: list[str],
    geography: Geography,
) -> list[Problem]:
    work = df.reset_index(drop=True)
    if row_numbers is None:
        rows = list(range(2, len(work) + 2))
    else:
        rows = [None if r is None else int(r) for r in row_numbers]
        if len(rows) != len(work):
            raise ValueError(f"row_numbers has {len(rows)} entries for {len(work)} rows")
    try:
        frame_schema.validate(work, lazy=True)
    except SchemaErrors as err:
        problems = _translate(err, work, source, rows, {r.name: r for r in rules}, keys, geography)
    except SchemaError as err:  # pragma: no cover - lazy=True collects everything
        problems = [Problem(source, None, None, str(err))]
    else:
        problems = []
    return sort_problems(problems)


def sort_problems(problems: Sequence[Problem], order: Sequence[str] | None = None) -> list[Problem]:
    """Problems in file order: file-level first, then by row, then by column order."""
    order = (
        list(order)
        if order is not None
        else schema.summary_columns() + list(column_headers("household")["column"])
    )
    rank: dict[str, int] = {}
    for i, c in enumerate(order):
        rank.setdefault(c, i)
    return sorted(
        problems,
        key=lambda p: (
            p.file,
            -1 if p.row is None else p.row,
            rank.get(p.column, len(rank)) if p.column else -1,
        ),
    )


def validate_summary(
    df: pd.DataFrame,
    source: str,
    row_numbers: Sequence[int] | None = None,
    geography: Geography | None = None,
) -> list[Problem]:
    """Check an area-year summary table against every rule.

    Parameters
    ----------
    df : pandas.DataFrame
        The table with schema column names (as returned by ``io.read_summary``, or built in
        code). Values are coerced to the schema's types; cells that cannot be are reported.
    source : str
        File name used in the problems.
    row_numbers : sequence of int, optional
        For each row of ``df``, its row number in the file. Defaults to the position plus 2,
        i.e. the line in a CSV written with a one-line header and no index.
    geography : Geography, optional

    Returns
    -------
    list of Problem
        Empty when the table is valid.
    """
    geo = geography or load_geography()
    return _validate(
        df,
        source,
        row_numbers,
        summary_schema(geo),
        _summary_rules() + _level_rules(geo),
        schema.KEYS,
        geo,
    )


def validate_households(
    df: pd.DataFrame,
    source: str,
    row_numbers: Sequence[int] | None = None,
    geography: Geography | None = None,
) -> list[Problem]:
    """Check household records against every rule.

    Parameters
    ----------
    df : pandas.DataFrame
        Household records with schema column names.
    source : str
        File name used in the problems.
    row_numbers : sequence of int, optional
        Row number in the file of each record (default: position plus 2).
    geography : Geography, optional

    Returns
    -------
    list of Problem
    """
    geo = geography or load_geography()
    return _validate(
        df,
        source,
        row_numbers,
        household_schema(geo),
        _household_rules(),
        ["household_id", "year"],
        geo,
    )


def main_validate(paths: list[str]) -> int:
    """Validate files and print what is wrong with each (``python -m analysis validate``).

    Parameters
    ----------
    paths : list of str
        Summary or household files (.csv, .xlsx, .parquet); the kind is recognised from the
        headers.

    Returns
    -------
    int
        0 when every file is valid, 1 otherwise.
    """
    from analysis.intake.io import read_any

    status = 0
    for path in paths:
        try:
            frame, kind = read_any(path)
        except IntakeError as err:
            status = 1
            print(str(err))
        else:
            print(f"OK: {len(frame)} rows ({kind}) in {path}")
            for note in frame.attrs.get("notes", []):
                print(f"  note: {note}")
    return status
