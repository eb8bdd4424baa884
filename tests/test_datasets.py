"""Tests for analysis.bundled.datasets: every data file documented and checksummed; published figures
carry their sources."""

import shutil

import pytest

from analysis.bundled import datasets
from analysis.core import paths


def test_every_data_file_is_in_the_manifest():
    manifest = set(datasets.load_manifest()["path"])
    on_disk = {
        p.relative_to(paths.data_dir()).as_posix()
        for p in paths.data_dir().rglob("*")
        if p.is_file() and p.name not in ("README.md", "manifest.csv")
    }
    assert on_disk <= manifest, f"undocumented data files: {sorted(on_disk - manifest)}"
    for _, row in datasets.load_manifest().iterrows():
        assert row["source"] and row["date"] and row["licence"] and len(row["sha256"]) == 64


def test_checksums_match():
    assert datasets.check() == []


def test_a_changed_file_is_reported(tmp_path, monkeypatch):
    shutil.copytree(paths.data_dir(), tmp_path / "data", ignore=shutil.ignore_patterns("*.parquet"))
    monkeypatch.setenv("BPWB_ROOT", str(tmp_path))
    target = tmp_path / "data" / "standards" / "standards.csv"
    target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    problems = datasets.check()
    assert any("standards/standards.csv: checksum differs" in p for p in problems)
    assert any("synthetic/households.parquet: missing" in p for p in problems)


def test_synthetic_files_are_marked_synthetic():
    m = datasets.load_manifest().set_index("path")
    assert m.loc["synthetic/summary.csv", "synthetic"] == "True"
    assert m.loc["published/published-figures.csv", "synthetic"] == "False"


def test_published_figures_carry_source_trust_and_standard():
    pub = datasets.load_published()
    assert len(pub) >= 40
    assert pub["source_url"].str.len().gt(0).all()
    assert set(pub["trust"]) <= {"A", "B", "A/B"}
    province = datasets.load_published("province")
    row = province[(province["review_year"] == 2023) & (province["indicator"] == "poor_households")]
    assert row["value"].tolist() == [2879.0]
    assert row["standard"].tolist() == ["ND07_2021"]


@pytest.mark.parametrize("figure", ["bp-2017-poor", "bp-2020-rate", "vn-2022-poor"])
def test_published_rows_quote_their_figure(figure):
    pub = datasets.load_published().set_index("figure_id")
    value = pub.loc[figure, "value"]
    digits = f"{value:g}".replace(".", "")
    assert digits[:3] in pub.loc[figure, "quote"].replace(".", "").replace(",", "")
