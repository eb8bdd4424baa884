"""The 2021-2025 final assessment, on data that hold the 2025 review (the synthetic panel
continued to 2025, by former commune), checked against sums of the file's own rows."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.bundled.synthetic_extended import holdout_summary
from analysis.core import paths
from analysis.projection import verdicts as vd
from analysis.report import context, overview_data

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    summary = pd.read_csv(paths.synthetic_dir() / "summary.csv", dtype={"area_code": str})
    later = holdout_summary(years=(2025,))
    path = tmp_path_factory.mktemp("data") / "review-2016-2025.csv"
    # the 2025 rows are by former commune here: the file says so (else they are refused)
    frame = pd.concat([summary, later[summary.columns]]).assign(unit_system="former-communes")
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def rows(data_file):
    return pd.read_csv(data_file, dtype={"area_code": str})


def test_province_final_assessment_on_actual_values(data_file, rows):
    ctx = context.load("province", 2025, "en", str(data_file))
    final = overview_data.final_assessment_data(ctx).set_index("target_id")
    # T1: the net fall of every review 2021-2025 added up (each under its own standard)
    years = rows[rows["year"].between(2021, 2025)]
    net = (years["poor_start"] - years["poor_end"]).sum()
    t1 = final.loc["T1"]
    assert t1["result"] == net and t1["target_value"] == 10_000
    assert t1["shortfall"] == 10_000 - net
    assert t1["status"] == (vd.ACHIEVED if net >= 10_000 else vd.NOT_ACHIEVED)
    assert t1["period"] == "2021–2025"
    # T3: health-insurance coverage in 2025 against 100%
    y25 = rows[rows["year"] == 2025]
    cover = 100 * y25["people_health_insured"].sum() / y25["people_poor_near"].sum()
    t3 = final.loc["T3"]
    assert t3["result"] == pytest.approx(cover)
    assert t3["status"] == (vd.ACHIEVED if cover >= 100 - 1e-9 else vd.NOT_ACHIEVED)
    # only targets whose year has come, none of the annual plans, T6 (2030) still open
    assert "T6" not in final.index and "T1-2022" not in final.index
    assert set(final["status"]) <= {vd.ACHIEVED, vd.NOT_ACHIEVED, vd.NOT_APPLICABLE, vd.TOO_LITTLE}
    matrix = overview_data.final_matrix_data(ctx)
    assert list(matrix.columns[:2]) == ["target", "province"] and len(matrix.columns) == 13


def test_no_final_assessment_before_the_target_year():
    ctx = context.load("Bù Đăng", 2024, "en")
    assert overview_data.final_assessment_data(ctx) is None


def test_a_2025_file_by_former_commune_keeps_its_commune_table(data_file, monkeypatch):
    """The new-commune table is for data kept by new commune; this file's 2025 rows are by
    former commune (it says so), so the district report shows them by former commune."""
    import IPython.display

    from analysis.report import section_data, sections
    from analysis.report.tables import TABLE_MIME

    shown: list = []
    monkeypatch.setattr(IPython.display, "display", lambda *o, raw=False, **k: shown.extend(o))
    ctx = context.load("Bù Đăng", 2025, "en", str(data_file))
    assert section_data.new_communes_data(ctx) is None
    sections.communes(ctx)
    names = [s[TABLE_MIME]["name"] for s in shown if isinstance(s, dict) and TABLE_MIME in s]
    assert names == ["communes"]
    assert len(section_data.communes_data(ctx).communes) == 16  # Bù Đăng's former communes
