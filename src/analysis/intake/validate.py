"""Validation of the area-year summary table and the household records.

The rules are pandera schemas (:func:`summary_schema`, :func:`household_schema`): column types,
allowed values and known codes, plus the row-wise rules of :mod:`analysis.intake.rules`, run
lazily so that every failure in a table is found in one pass; pandera's failure cases are then
translated into :class:`~analysis.intake.problems.Problem` objects that name the file, the row
the analyst sees in the file, the column and, in plain English, what is wrong and how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from analysis.core.messages import Joined, Message
from analysis.intake.headers import header_label
from analysis.intake.problems import Problem, column_text, number_text, sort_problems
from analysis.intake.rules import (
    Rule,
    household_rules,
    level_rules,
    standard_indicators,
    summary_rules,
    unit_system_rules,
)
from analysis.reference import schema
from analysis.reference.geography import Geography, load_geography
from analysis.reference.standards import CLASSES, all_indicators, load_standards

#: Columns a summary table must have.
REQUIRED_SUMMARY = ["year", "area_code", "zone", "total_households", "poor_end", "near_poor_end"]
#: Columns household records must have.
REQUIRED_HOUSEHOLD = ["household_id", "year", "commune_code", "zone", "members"]


def _standard_years() -> list[int]:
    """Every review year that some poverty standard governs."""
    return sorted(standard_indicators())


def _year_message(value) -> Message:
    spans = ", ".join(f"{s.legal_ref} {s.first_year}-{s.last_year}" for s in load_standards())
    return Message("validate.year_outside", year=value, spans=spans)


# -- schemas -----------------------------------------------------------------------------------
def _non_negative() -> pa.Check:
    return pa.Check(lambda s: s >= 0, name="non_negative")


def summary_schema(geography: Geography | None = None) -> pa.DataFrameSchema:
    """The pandera schema of the area-year summary table.

    Parameters
    ----------
    geography : Geography, optional
        Known area codes; defaults to :func:`~analysis.reference.geography.load_geography`.

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
    rules = summary_rules() + level_rules(geo) + unit_system_rules(geo, "area_code")
    return pa.DataFrameSchema(
        columns,
        checks=[r.check() for r in rules],
        unique=schema.KEYS,
        report_duplicates="all",
        coerce=True,
        strict=False,
        name="summary",
    )


def household_schema(geography: Geography | None = None) -> pa.DataFrameSchema:
    """The pandera schema of household records.

    Parameters
    ----------
    geography : Geography, optional
        Known commune codes; defaults to :func:`~analysis.reference.geography.load_geography`.

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
        checks=[r.check() for r in household_rules() + unit_system_rules(geo, "commune_code")],
        unique=["household_id", "year"],
        report_duplicates="all",
        coerce=True,
        strict=False,
        name="household",
    )


# -- translating pandera's failure cases -------------------------------------------------------
_KIND_WORDS = {
    "Int64": "validate.kind.Int64",  # a whole number
    "Float64": "validate.kind.Float64",  # a number
    "boolean": "validate.kind.boolean",  # yes or no (x/có or empty/không)
    "str": "validate.kind.str",  # text
}


def _kind_words(wanted: str, default: str | None = None):
    """The words for a column type (``Int64`` -> "a whole number"), or ``default``/``wanted``."""
    if wanted in _KIND_WORDS:
        return Message(_KIND_WORDS[wanted])
    return Message("validate.kind.unknown") if default is None else default


def _column_message(check: str, column: str, value, geography: Geography) -> Message:
    """Message for a failed column-level check (one cell)."""
    if check == "non_negative" and column not in schema.count_columns():
        return Message("validate.negative", value=number_text(value))
    if check == "non_negative":
        return Message("validate.negative_count", value=number_text(value))
    if check == "members_min":
        return Message("validate.members_min", value=number_text(value))
    if check == "year_in_standard":
        return _year_message(value)
    province = geography.province["bare_name"]
    if check == "area_known":
        return Message("validate.area_unknown", code=repr(value), province=province)
    if check == "commune_known":
        return Message("validate.commune_unknown", code=repr(value), province=province)
    if check == "zone_values":
        return Message("cells.not_zone", value=repr(value))
    if check == "level_values":
        return Message("cells.not_level", value=repr(value))
    if check == "class_values":
        return Message("cells.not_class", value=repr(value))
    if check == "not_nullable":
        return Message("validate.empty_cell", column=column_text(column))
    if check.startswith(("coerce_dtype", "dtype")):
        wanted = check[check.find("(") + 2 : -2]
        return Message("validate.wrong_type", value=repr(value), kind=_kind_words(wanted, wanted))
    return Message("validate.fails", value=repr(value), check=check)


def _translate(
    err: SchemaErrors,
    work: pd.DataFrame,
    source: str,
    rows: list[int | None],
    rules: dict[str, Rule],
    keys: list[str],
    geography: Geography,
    unreadable: frozenset = frozenset(),
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
                Message(
                    "validate.missing_column",
                    column=column_text(str(value)),
                    header=header_label(str(value)),
                ),
            )
        elif check == "multiple_fields_uniqueness":
            if i is not None:
                duplicate_positions.add(i)
        elif check in rules:
            if i is None:
                continue
            rule = rules[check]
            if any((rows[i], c) in unreadable for c in rule.reads):
                continue  # the unreadable cell is reported once, by itself
            add(rows[i], rule.column, rule.message(work.iloc[i]))
        elif check.startswith(("coerce_dtype", "dtype")):
            if i is None:
                add(
                    None,
                    column,
                    Message(
                        "validate.column_type",
                        type=value,
                        kind=_kind_words(check[check.find("(") + 2 : -2]),
                    ),
                )
            elif (rows[i], column) in unreadable:
                continue
            elif (column, i) not in type_cells:
                type_cells.add((column, i))
                add(rows[i], column, _column_message(check, column, value, geography))
        elif i is None:
            # a check that could not run because the column has the wrong type
            if column in typed_bad:
                continue
            add(None, column, Message("validate.not_checked", check=check, value=value))
        elif (rows[i], column) not in unreadable:
            add(rows[i], column, _column_message(check, column, value, geography))

    if duplicate_positions and all(k in work for k in keys):
        key_frame = work.loc[sorted(duplicate_positions), keys].astype(object)
        key_frame = key_frame.dropna()
        for _, group in key_frame.groupby(keys, sort=False):
            positions = list(group.index)
            first = positions[0]
            system = work.at[first, "unit_system"] if "unit_system" in work else None
            names = Joined([_key_text(k, work.at[first, k], geography, system) for k in keys], ", ")
            for other in positions[1:]:
                add(
                    rows[other],
                    None,
                    Message("validate.duplicate", first=rows[first], row=rows[other], names=names),
                )
    return problems


def _key_text(column: str, value, geography: Geography, system=None) -> Message:
    if column in ("area_code", "commune_code"):
        try:
            system = None if system is None or pd.isna(system) else str(system)
            name = geography.area_name(str(value), unit_system=system)
            return Message("validate.key.area_named", value=value, name=name)
        except Exception:  # noqa: BLE001 - an unknown code is reported elsewhere
            return Message("validate.key.area", value=value)
    return Message(f"validate.key.{column}", value=value)


def _validate(
    df: pd.DataFrame,
    source: str,
    row_numbers: Sequence[int] | None,
    frame_schema: pa.DataFrameSchema,
    rules: list[Rule],
    keys: list[str],
    geography: Geography,
    unreadable: Iterable[tuple[int, str]] | None = None,
) -> list[Problem]:
    work = df.reset_index(drop=True)
    masked = frozenset(unreadable or ())
    if row_numbers is None:
        rows = list(range(2, len(work) + 2))
    else:
        rows = [None if r is None else int(r) for r in row_numbers]
        if len(rows) != len(work):
            raise ValueError(f"row_numbers has {len(rows)} entries for {len(work)} rows")
    try:
        frame_schema.validate(work, lazy=True)
    except SchemaErrors as err:
        named = {r.name: r for r in rules}
        problems = _translate(err, work, source, rows, named, keys, geography, masked)
    except SchemaError as err:  # pragma: no cover - lazy=True collects everything
        problems = [Problem(source, None, None, str(err))]
    else:
        problems = []
    return sort_problems(problems)


def validate_summary(
    df: pd.DataFrame,
    source: str,
    row_numbers: Sequence[int] | None = None,
    geography: Geography | None = None,
    unreadable: Iterable[tuple[int, str]] | None = None,
) -> list[Problem]:
    """Check an area-year summary table against every rule.

    Parameters
    ----------
    df : pandas.DataFrame
        The table with schema column names (as returned by
        :func:`~analysis.intake.summary.read_summary`, or built in code). Values are coerced to
        the schema's types; cells that cannot be are reported. With a ``unit_system`` column,
        its values, the codes of rows by new commune and one system per year are checked too
        (:func:`~analysis.intake.rules.unit_system_rules`).
    source : str
        File name used in the problems.
    row_numbers : sequence of int, optional
        For each row of ``df``, its row number in the file. Defaults to the position plus 2,
        i.e. the line in a CSV written with a one-line header and no index.
    geography : Geography, optional
    unreadable : iterable of (int, str), optional
        The cells that could not be read, as (file row, column): each was reported once
        already, so nothing is said about it again, and no rule that reads it is run on its
        row (a count that is not a number is not taken as 0 in the sums that use it).

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
        summary_rules() + level_rules(geo) + unit_system_rules(geo, "area_code"),
        schema.KEYS,
        geo,
        unreadable,
    )


def validate_households(
    df: pd.DataFrame,
    source: str,
    row_numbers: Sequence[int] | None = None,
    geography: Geography | None = None,
    unreadable: Iterable[tuple[int, str]] | None = None,
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
    unreadable : iterable of (int, str), optional
        The cells that could not be read, as (file row, column): each was reported once
        already, so nothing is said about it again, and no rule that reads it is run on its
        row (a count that is not a number is not taken as 0 in the sums that use it).

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
        household_rules() + unit_system_rules(geo, "commune_code"),
        ["household_id", "year"],
        geo,
        unreadable,
    )
