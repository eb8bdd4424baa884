"""Reading household records: commune names told apart by district, flags, Parquet columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.intake.households import read_households

GOOD = Path(__file__).parent / "fixtures" / "intake" / "good"


def test_households_vi():
    df = read_households(GOOD / "households_vi.csv")
    assert list(df["household_id"]) == ["BD-0001", "BD-0002", "DX-0001", "BDP-0001"]
    # 'Tân Thành' is told apart by the district column: Đồng Xoài 25207, Bù Đốp 25318
    assert list(df["commune_code"]) == ["25405", "25408", "25207", "25318"]
    assert list(df["recorded_class"]) == ["poor", "not_poor", "near_poor", "poor"]
    assert list(df["income_pc"]) == [1200000.0, 1800000.0, 1450000.0, 1100000.0]
    assert list(df["ethnic_minority"]) == [True, False, False, True]
    assert list(df["credit_received"]) == [True, False, False, False]
    assert list(df["d_employment"]) == [True, False, False, True]
    assert "d_nutrition" not in df  # absent indicators are not invented
    assert df["members"].dtype == "int64"


def test_parquet_households_numeric_columns(tmp_path):
    frame = pd.DataFrame(
        {
            "household_id": ["A", "B"],
            "year": [2023, 2023],
            "commune_code": ["25405", "25405"],
            "zone": ["rural", "urban"],
            "members": [3, 2],
            "income_pc": [1_000_000.0, 2_500_000.0],
            "credit_need": [True, False],
        }
    )
    frame.to_parquet(tmp_path / "hh.parquet")
    df = read_households(tmp_path / "hh.parquet")
    assert df["income_pc"].tolist() == [1_000_000.0, 2_500_000.0]
    assert df["credit_need"].tolist() == [True, False]
