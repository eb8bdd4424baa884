"""The row-wise rules of the summary table and the household records.

Each :class:`Rule` says which rows pass (``passes(frame)``, vectorised) and, for a row that
fails, what is wrong and how to fix it (``message(row)``), with the figures worked out: a flow
identity that does not hold shows the sum. :mod:`analysis.intake.validate` turns the rules into
pandera checks and their failures into problems. The order of the rules is the order in which
two problems of one cell are listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from analysis.core.messages import Joined, Message, Number
from analysis.intake.problems import Column
from analysis.reference import schema
from analysis.reference.geography import Geography
from analysis.reference.standards import all_indicators, load_standards, standard_for_year


def _num(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as float (NaN for empty, missing or unreadable)."""
    if column not in frame:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def _present(frame: pd.DataFrame, column: str) -> pd.Series:
    return _num(frame, column).notna()


def _present_obj(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(False, index=frame.index)
    return frame[column].notna()


def _val(row: pd.Series, col: str):
    """One cell of a row as a number (NaN for empty or unreadable)."""
    return pd.to_numeric(pd.Series([row.get(col)]), errors="coerce").iloc[0]


@dataclass(frozen=True)
class Rule:
    """A row-wise rule: ``passes(frame)`` is True where the row is fine.

    Attributes
    ----------
    name : str
        The name of its pandera check (unique among the rules of a table).
    column : str
        The column a failure is reported on.
    passes : callable
        ``passes(frame) -> boolean Series``; NaN counts as passing.
    message : callable
        ``message(row) -> Message``: what is wrong with a failing row and how to fix it (a
        :class:`~analysis.core.messages.Message`, shown in the message language).
    inputs : tuple of str
        Every column ``passes`` reads (default: ``column``). A row whose cell in one of them
        could not be read is not checked by the rule (the unreadable cell is reported once).
    """

    name: str
    column: str
    passes: Callable[[pd.DataFrame], pd.Series]
    message: Callable[[pd.Series], Message]
    inputs: tuple[str, ...] = ()

    @property
    def reads(self) -> tuple[str, ...]:
        """The columns the rule reads: :attr:`inputs`, or :attr:`column` when none are given."""
        return self.inputs or (self.column,)

    def check(self) -> pa.Check:
        """The rule as a pandera check named :attr:`name`.

        Returns
        -------
        pandera.Check
        """

        def run(frame: pd.DataFrame) -> pd.Series:
            return self.passes(frame).fillna(True).astype(bool)

        return pa.Check(run, name=self.name)


def _le_rule(name, small, big, message) -> Rule:
    def passes(f):
        a, b = _num(f, small), _num(f, big)
        return ~(a > b)

    return Rule(name, small, passes, message, (small, big))


def standard_indicators() -> dict[int, set[str]]:
    """The indicators of the standard governing each review year.

    Returns
    -------
    dict of int to set of str
        Every year some standard governs -> that standard's indicator codes.
    """
    out: dict[int, set[str]] = {}
    for std in load_standards():
        for year in range(std.first_year, std.last_year + 1):
            out[year] = set(std.indicators)
    return out


# -- summary rules ----------------------------------------------------------------------------
def _flow_rules(prefix: str) -> list[Rule]:
    """The flow identity of one stock: start - escaped + re-poverty + new + other = end."""
    cols = schema.stock_flow_columns(prefix)
    start, end = cols[0], cols[-1]
    flows = cols[1:-1]
    signs = {c: (-1 if c.endswith("_escaped") else 1) for c in flows}
    near = prefix.endswith("near_poor")
    words = {
        "escaped": "rule.flow.word.escaped_near" if near else "rule.flow.word.escaped",
        "repoverty": "rule.flow.word.repoverty",
        "new": "rule.flow.word.new",
        "other": "rule.flow.word.other",
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
        return Message("rule.flow.fill_start", column=Column(start))

    def passes(f):
        check = any_flow(f) & _present(f, start)
        e, x = _num(f, end), expected(f)
        return ~(check & (e.isna() | (e != x)))

    def message(row):
        s = _num(row.to_frame().T, start).iloc[0]
        terms: list = [Message("rule.flow.word.start"), Number(s)]
        value = s
        for c in flows:
            v = pd.to_numeric(pd.Series([row.get(c)]), errors="coerce").fillna(0).iloc[0]
            word = Message(words[c[len(prefix) + 1 :]])
            sign = "−" if signs[c] < 0 else "+"
            if signs[c] > 0 and v < 0:
                terms += ["−", word, Number(-v)]
            else:
                terms += [sign, word, Number(v)]
            value += signs[c] * v
        e = pd.to_numeric(pd.Series([row.get(end)]), errors="coerce").iloc[0]
        calc = Joined([*terms, "=", Number(value)])
        if pd.isna(e):
            return Message("rule.flow.end_empty", calc=calc)
        residual = e - value
        return Message(
            "rule.flow.mismatch",
            end=Number(e),
            calc=calc,
            sign="+" if residual > 0 else "−",
            difference=Number(abs(residual)),
            other=Column(prefix + "_other"),
        )

    return [
        Rule(f"flow_start:{prefix}", start, start_passes, start_message, tuple(cols[:-1])),
        Rule(f"flow:{prefix}", end, passes, message, tuple(cols)),
    ]


def _stock_rules() -> list[Rule]:
    """Poor and near-poor households against all households."""
    rules: list[Rule] = []
    for col, key in (
        ("poor_end", "rule.le_total.poor"),
        ("near_poor_end", "rule.le_total.near_poor"),
    ):

        def msg(row, col=col, key=key):
            return Message(
                key, value=Number(_val(row, col)), total=Number(_val(row, "total_households"))
            )

        rules.append(_le_rule(f"le_total:{col}", col, "total_households", msg))

    def both_passes(f):
        p, n, t = _num(f, "poor_end"), _num(f, "near_poor_end"), _num(f, "total_households")
        individually_ok = ~(p > t) & ~(n > t)
        return ~(individually_ok & (p + n > t))

    def both_msg(row):
        p, n = _val(row, "poor_end"), _val(row, "near_poor_end")
        return Message(
            "rule.le_total.both",
            poor=Number(p),
            near=Number(n),
            sum=Number(p + n),
            total=Number(_val(row, "total_households")),
        )

    both = ("poor_end", "near_poor_end", "total_households")
    rules.append(Rule("le_total:poor_near", "near_poor_end", both_passes, both_msg, both))
    return rules


def _ethnic_minority_rules() -> list[Rule]:
    """Ethnic-minority figures against the same figures for all households."""
    rules: list[Rule] = []
    pairs = [("em_total_households", "total_households")] + [
        (f"em_{c}", c)
        for c in schema.POOR_COLUMNS + schema.NEAR_POOR_COLUMNS
        if not c.endswith("_other")
    ]
    for em, allcol in pairs:

        def msg(row, em=em, allcol=allcol):
            return Message(
                "rule.em_le",
                value=Number(_val(row, em)),
                total=Number(_val(row, allcol)),
                column=Column(allcol),
            )

        rules.append(_le_rule(f"em_le:{em}", em, allcol, msg))

    def em_both_passes(f):
        p, n = _num(f, "em_poor_end"), _num(f, "em_near_poor_end")
        t = _num(f, "em_total_households")
        return ~((p.fillna(0) + n.fillna(0) > t) & (p.notna() | n.notna()))

    def em_both_msg(row):
        p = _val(row, "em_poor_end")
        n = _val(row, "em_near_poor_end")
        total = (0 if pd.isna(p) else p) + (0 if pd.isna(n) else n)
        return Message(
            "rule.em_both",
            poor=Number(p),
            near=Number(n),
            sum=Number(total),
            total=Number(_val(row, "em_total_households")),
        )

    em = ("em_poor_end", "em_near_poor_end", "em_total_households")
    rules.append(Rule("em_le:em_poor_near", "em_near_poor_end", em_both_passes, em_both_msg, em))
    return rules


def _deprivation_rules() -> list[Rule]:
    """Deprived households within the poor and near-poor, and only on the year's indicators."""
    rules: list[Rule] = []
    by_year = standard_indicators()
    for ind in all_indicators():
        col = f"dep_{ind}"

        def dep_passes(f, col=col):
            d = _num(f, col)
            pn = _num(f, "poor_end").fillna(0) + _num(f, "near_poor_end").fillna(0)
            has = _present(f, "poor_end") | _present(f, "near_poor_end")
            return ~(has & (d > pn))

        def dep_msg(row, col=col):
            pn = np.nansum([_val(row, "poor_end"), _val(row, "near_poor_end")])
            return Message("rule.dep_le", value=Number(_val(row, col)), total=Number(pn))

        def std_passes(f, ind=ind, col=col):
            years = _num(f, "year")
            lacks = years.map(
                lambda y: not pd.isna(y) and int(y) in by_year and ind not in by_year[int(y)]
            )
            return ~(lacks.astype(bool) & _present(f, col))

        def std_msg(row, ind=ind):
            year = int(_val(row, "year"))
            std = standard_for_year(year)
            return Message("rule.dep_std", year=year, standard=std.legal_ref, indicator=ind)

        stocks = (col, "poor_end", "near_poor_end")
        rules.append(Rule(f"dep_le:{col}", col, dep_passes, dep_msg, stocks))
        rules.append(Rule(f"dep_std:{col}", col, std_passes, std_msg, (col, "year")))
    return rules


def _coverage_rules() -> list[Rule]:
    """Coverage ratios (T3-T5) at most 100%."""
    rules: list[Rule] = []
    for key, (num, den) in schema.COVERAGE_RATIOS.items():

        def cov_msg(row, num=num, den=den, key=key):
            return Message(
                "rule.coverage",
                value=Number(_val(row, num)),
                column=Column(num),
                total=Number(_val(row, den)),
                total_column=Column(den),
                what=Message(f"rule.coverage.{key}"),
            )

        rules.append(_le_rule(f"coverage:{key}", num, den, cov_msg))
    return rules


def summary_rules() -> list[Rule]:
    """The row-wise rules of the area-year summary table that need no geography.

    Returns
    -------
    list of Rule
        Stocks within the total, ethnic-minority figures within all households, the flow
        identities of the four stocks, deprivations within the poor and near-poor and on the
        year's indicators only, coverage at most 100%.
    """
    rules = _stock_rules() + _ethnic_minority_rules()
    for prefix in ("poor", "near_poor", "em_poor", "em_near_poor"):
        rules.extend(_flow_rules(prefix))
    return rules + _deprivation_rules() + _coverage_rules()


def level_rules(geography: Geography) -> list[Rule]:
    """The rules of the summary table that need the geography.

    Parameters
    ----------
    geography : Geography

    Returns
    -------
    list of Rule
        The level matches the code; the ĐBKK flag only on commune rows.
    """
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
        return Message(
            "rule.level",
            code=code,
            name=geography.area_name(code),
            actual=Message(f"level.{actual}"),
            level=level,
        )

    def ddk_passes(f):
        if "especially_difficult" not in f or "area_code" not in f:
            return pd.Series(True, index=f.index)
        flag = f["especially_difficult"].astype(object)
        return ~(f["area_code"].astype(object).isin(districts) & (flag == True))  # noqa: E712

    def ddk_msg(row):
        return Message("rule.ddk", code=row.get("area_code"))

    return [
        Rule(
            "level_matches_code", "area_level", level_passes, level_msg, ("area_level", "area_code")
        ),
        Rule(
            "ddk_commune_only",
            "especially_difficult",
            ddk_passes,
            ddk_msg,
            ("especially_difficult", "area_code"),
        ),
    ]


# -- household rules ---------------------------------------------------------------------------
def household_rules() -> list[Rule]:
    """The row-wise rules of household records.

    Returns
    -------
    list of Rule
        Insured and trained members within the household; trained within those needing it;
        a loan received only when one was needed.
    """

    def flag(f, col):
        if col not in f:
            return pd.Series(False, index=f.index)
        return f[col].astype(object).map(lambda v: v is True or v == 1 or v == "True")

    def credit_passes(f):
        return ~(
            flag(f, "credit_received") & ~flag(f, "credit_need") & _present_obj(f, "credit_need")
        )

    def credit_msg(row):
        return Message(
            "rule.credit", need=Column("credit_need"), received=Column("credit_received")
        )

    def ins_msg(row):
        return Message(
            "rule.insured",
            value=Number(_val(row, "health_insured")),
            members=Number(_val(row, "members")),
        )

    def train_msg(row):
        return Message(
            "rule.trained",
            value=Number(_val(row, "training_received")),
            need=Number(_val(row, "training_need")),
        )

    def need_msg(row):
        return Message(
            "rule.training_need",
            value=Number(_val(row, "training_need")),
            members=Number(_val(row, "members")),
        )

    return [
        _le_rule("le_members:health_insured", "health_insured", "members", ins_msg),
        _le_rule("le_members:training_need", "training_need", "members", need_msg),
        _le_rule("coverage:training", "training_received", "training_need", train_msg),
        Rule(
            "coverage:credit",
            "credit_received",
            credit_passes,
            credit_msg,
            ("credit_received", "credit_need"),
        ),
    ]


# -- unit systems ------------------------------------------------------------------------------
def unit_system_rules(geography: Geography, code_column: str) -> list[Rule]:
    """The rules of a table's ``unit_system`` column (they pass when there is no such column).

    Parameters
    ----------
    geography : Geography
    code_column : {"area_code", "commune_code"}
        The column of the area codes.

    Returns
    -------
    list of Rule
        The value is a known unit system; a row kept in the new communes has a new commune's
        code; the rows of one review year are kept in one unit system.
    """
    names = set(geography.unit_systems["unit_system"])
    new_codes = geography.new_commune_codes()
    column = "unit_system"
    known_text = Joined([f"'{n}'" for n in sorted(names)], sep=Message("words.or"))

    def system(f):
        if column not in f:
            return pd.Series(np.nan, index=f.index, dtype=object)
        return f[column].astype(object).where(f[column].notna(), np.nan)

    def known_passes(f):
        s = system(f)
        return s.isna() | s.isin(names)

    def known_msg(row):
        return Message("rule.unit_system.unknown", value=repr(row.get(column)), known=known_text)

    def code_passes(f):
        if code_column not in f:
            return pd.Series(True, index=f.index)
        new = system(f) == geography.new_system
        return ~(new & ~f[code_column].astype(object).isin(new_codes))

    def code_msg(row):
        return Message(
            "rule.unit_system.code", code=row.get(code_column), system=geography.new_system
        )

    def year_passes(f):
        s = system(f)
        if "year" not in f or s.isna().all():
            return pd.Series(True, index=f.index)
        years = _num(f, "year")
        main = (
            pd.DataFrame({"year": years, "system": s})
            .dropna()
            .groupby("year")["system"]
            .agg(lambda v: v.mode().iloc[0] if v.nunique() > 1 else v.iloc[0])
        )
        expected = years.map(main)
        return s.isna() | expected.isna() | (s == expected)

    def year_msg(row):
        year = _val(row, "year")
        return Message(
            "rule.unit_system.year",
            year="?" if pd.isna(year) else int(year),
            system=row.get(column),
        )

    return [
        Rule("unit_system_known", column, known_passes, known_msg),
        Rule(
            f"unit_system_code:{code_column}",
            code_column,
            code_passes,
            code_msg,
            (code_column, column),
        ),
        Rule("unit_system_year", column, year_passes, year_msg, (column, "year")),
    ]
