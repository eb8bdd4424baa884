"""Tests for analysis.report.context: the numbers the report sections show, computed independently."""

from pathlib import Path

import pandas as pd
import pytest

from analysis.core.errors import WorkbookError
from analysis.reference.geography import UnknownAreaError
from analysis.report import context as report

FIXTURE = Path(__file__).parent / "fixtures" / "two_districts_summary.csv"


@pytest.fixture(scope="module")
def communes():
    units = pd.read_csv(
        Path(__file__).resolve().parents[1] / "data/reference/binh-phuoc/units-2025-03-01.csv",
        dtype=str,
    )
    return units.groupby("district_code")["commune_code"].apply(set)


def sums(year, codes):
    s = pd.read_csv(FIXTURE, dtype={"area_code": str})
    return s[(s["year"] == year) & s["area_code"].isin(codes)].sum(numeric_only=True)


def test_facts_match_sums_of_the_communes(communes):
    ctx = report.load("Lộc Ninh", 2023, "vi", str(FIXTURE))
    f = report.facts(ctx)
    now, prev = sums(2023, communes["692"]), sums(2022, communes["692"])
    assert f["poor"] == now["poor_end"]
    assert f["rate"] == pytest.approx(100 * now["poor_end"] / now["total_households"])
    assert f["em_rate"] == pytest.approx(100 * now["em_poor_end"] / now["em_total_households"])
    assert f["escaped"] == now["poor_escaped"]
    assert f["reduction"] == now["poor_start"] - now["poor_end"]
    assert f["prev_poor"] == prev["poor_end"] and f["comparable"] is True


def test_no_comparison_across_the_2022_change_of_standard():
    ctx = report.load("Lộc Ninh", 2022, "en", str(FIXTURE))
    f = report.facts(ctx)
    assert f["prev_year"] == 2021 and f["comparable"] is False


def test_province_rows_sum_the_districts(communes):
    ctx = report.load("province", 2024, "vi", str(FIXTURE))
    both = communes["692"] | communes["696"]
    assert report.facts(ctx)["poor"] == sums(2024, both)["poor_end"]


def test_a_districts_target_status_does_not_depend_on_the_others():
    # Each report process computes only its own district: the rows must be the same.
    ctx = report.load("Bù Đăng", 2024, "vi", str(FIXTURE))
    alone = report.status_table(ctx, ["696"])
    from analysis.projection import status

    rows = ctx.data.summary[ctx.data.summary["zone"] != "all"]
    together = status.target_status(
        rows, ctx.year, area_codes=["province", "692", "696"], seed=report.SEED,
        weights=report.model_weights(ctx.data, ctx.year), n_paths=report.STATUS_PATHS,
    )  # fmt: skip
    together = together[together["area_code"] == "696"].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, together)


def test_unknown_area_and_year_are_clear_errors():
    with pytest.raises(UnknownAreaError, match="closest known names: Lộc Ninh"):
        report.load("Loc Nin", 2024, "vi", str(FIXTURE))
    with pytest.raises(
        WorkbookError, match=r"review year 2019 is not in the data \(years 2021-2024\)"
    ):
        report.load("Lộc Ninh", 2019, "vi", str(FIXTURE))


def test_household_file_feeds_the_same_report(tmp_path, communes):
    """A household list (here: two years of the bundled panel for Bù Đốp) is summarised by the
    library; the report's headline counts equal direct counts of the records."""
    hh = pd.read_parquet(Path(__file__).resolve().parents[1] / "data/synthetic/households.parquet")
    mine = hh[hh["commune_code"].astype(str).isin(communes["693"]) & hh["year"].isin([2023, 2024])]
    path = tmp_path / "bu_dop_households.parquet"
    mine.to_parquet(path, index=False)
    ctx = report.load("Bù Đốp", 2024, "vi", str(path))
    f = report.facts(ctx)
    y24 = mine[mine["year"] == 2024]
    assert f["poor"] == (y24["recorded_class"] == "poor").sum()
    assert f["near_poor"] == (y24["recorded_class"] == "near_poor").sum()
    assert f["total"] == len(y24)
    assert f["em_poor"] == ((y24["recorded_class"] == "poor") & y24["ethnic_minority"]).sum()
    assert ctx.data.households is not None and ctx.data.synthetic


def test_area_title_after_the_merger():
    from analysis.reference.geography import load_geography

    geo = load_geography()
    assert report.area_title(geo, "Bù Đăng", "district", 2024, "vi") == "Bù Đăng"
    assert report.area_title(geo, "Bù Đăng", "district", 2025, "vi") == "Bù Đăng (huyện cũ)"
    assert report.area_title(geo, "Bình Phước", "province", 2025, "en") == (
        "Bình Phước (now part of Đồng Nai province)"
    )


def test_status_of_areas_computed_before_with_others_is_their_own_status():
    # the province overview asks for every area, then for subsets: the subset, cut from the
    # first table, must be what target_status gives for it alone (each area seeded alone)
    from analysis.projection import status
    from analysis.report import context as report_context

    ctx = report_context.load("province", 2025, "vi")
    districts = list(ctx.geography.district_codes())
    report_context.status_table(ctx, ["province", *districts])
    rows = ctx.data.summary[ctx.data.summary["zone"] != "all"]
    weights = report_context.model_weights(ctx.data, ctx.year)
    for codes in (list(reversed(districts[:3])), ["province"]):
        expected = status.target_status(
            rows, ctx.year, area_codes=codes, seed=report_context.SEED, weights=weights,
            n_paths=report_context.STATUS_PATHS,
        )  # fmt: skip
        pd.testing.assert_frame_equal(report_context.status_table(ctx, codes), expected)
