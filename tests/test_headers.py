"""Header tables of data/schema and header matching."""

from __future__ import annotations

from analysis.intake.headers import column_headers, header_key
from analysis.reference import schema


def test_header_key():
    assert header_key("Hộ nghèo\ncuối năm") == "ho ngheo cuoi nam"
    assert header_key("poor_end") == "poor end"
    assert header_key("Số hộ thiếu hụt: Việc làm") == "so ho thieu hut viec lam"


def test_headers_are_unique_after_folding():
    for table in ("summary", "household"):
        spec = column_headers(table)
        keys = [header_key(t) for t in list(spec["header_vi"]) + list(spec["header_en"])]
        assert len(keys) == len(set(keys)), table


def test_summary_schema_table_matches_schema_module():
    from analysis.reference.standards import load_standards

    spec = column_headers("summary")
    assert list(spec["column"]) == schema.summary_columns()
    kinds = dict(zip(spec["column"], spec["kind"], strict=True))
    assert {c for c, k in kinds.items() if k == "signed"} == schema.SIGNED_COLUMNS
    assert kinds["year"] == "key" and kinds["especially_difficult"] == "flag"
    # deprivation headers use the indicator names of data/standards/indicators.csv
    nd07 = next(s for s in load_standards() if s.code == "ND07_2021")
    assert "employment" in nd07.indicators
    assert spec.set_index("column").at["dep_employment", "header_vi"] == "Số hộ thiếu hụt: Việc làm"
    hh = column_headers("household")
    assert set(schema.HOUSEHOLD_BASE_COLUMNS + schema.HOUSEHOLD_OPTIONAL_COLUMNS) <= set(
        hh["column"]
    )
