"""A report for every review year of the bundled data and for a file holding a single review.

With fewer than three reviews under the year's standard (2016-2017 under QĐ 59, 2022-2023 under
NĐ 07, a one-year file) the projection section says so and the verdicts rest on actual values;
every other section works. From 2025 (the first review by the new communes of 1 July 2025) the
reports show the new communes and mark the merger on their trend charts; before, neither.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
YEARS = range(2016, 2026)


def build(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, BPWB_REPORTS=str(tmp_path))
    cmd = [sys.executable, "-m", "analysis", "report", "--areas", "Bù Đăng,province",
           "--formats", "html", "--force", "--lang", "en", *args]  # fmt: skip
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("year", YEARS)
def test_every_review_year_builds(tmp_path, year):
    run = build(tmp_path, "--year", str(year))
    assert run.returncode == 0, run.stdout + run.stderr
    page = (tmp_path / str(year) / "en" / "bu-dang.html").read_text(encoding="utf-8")
    assert "Progress towards the targets" in page or year < 2021
    if year in (2016, 2017, 2022, 2023):  # fewer than 3 reviews under the year's standard
        assert "no projection yet" in page
    else:
        assert "Outlook to 2030" in page and "no projection yet" not in page
    province = (tmp_path / str(year) / "en" / "province.html").read_text(encoding="utf-8")
    for html in (page, province):
        assert ("New communes and wards" in html) == (year >= 2025)
        assert ("Merger 1 Jul 2025" in html) == (year >= 2025)


def test_a_single_review_file_builds(tmp_path):
    summary = pd.read_csv(ROOT / "data/synthetic/summary.csv", dtype={"area_code": str})
    one = tmp_path / "review-2024.csv"
    summary[summary["year"] == 2024].to_csv(one, index=False)
    run = build(tmp_path / "reports", "--data", str(one))
    assert run.returncode == 0, run.stdout + run.stderr
    page = (tmp_path / "reports/2024/en/bu-dang.html").read_text(encoding="utf-8")
    assert "no projection yet" in page
    # T1 needs the reviews 2021-2023, which the file does not hold: no guess
    assert "The data hold no review of 2021, 2022, 2023" in page
