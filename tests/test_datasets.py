"""Tests for analysis.bundled.datasets: every data file documented and checksummed; published figures
carry their sources."""

import shutil

import pytest

from analysis.bundled import datasets, synthetic, synthetic_extended
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


def _data_copy(tmp_path, monkeypatch, skip=("*.parquet",)):
    shutil.copytree(paths.data_dir(), tmp_path / "data", ignore=shutil.ignore_patterns(*skip))
    monkeypatch.setenv("BPWB_ROOT", str(tmp_path))
    return tmp_path / "data"


def test_ensure_runs_only_the_writer_of_missing_files(tmp_path, monkeypatch):
    # households-2025.parquet missing, households.parquet present: only the 2025 writer runs.
    real = paths.synthetic_dir()
    data = _data_copy(tmp_path, monkeypatch, skip=("households-2025.parquet",))
    calls = []

    def fake_2025(folder):
        calls.append("2025")
        target = folder / "households-2025.parquet"
        shutil.copyfile(real / "households-2025.parquet", target)
        return {"households_2025": target}

    def fake_main(folder):
        calls.append("main")
        return {}

    monkeypatch.setattr(synthetic_extended, "write_bundled_2025", fake_2025)
    monkeypatch.setattr(synthetic, "write_bundled", fake_main)
    made = datasets.ensure()
    assert calls == ["2025"]
    assert made == [data / "synthetic" / "households-2025.parquet"]


def test_ensure_refuses_an_unknown_generator(tmp_path, monkeypatch):
    data = _data_copy(tmp_path, monkeypatch)
    manifest = datasets.load_manifest()
    manifest.loc[manifest["path"] == "synthetic/households.parquet", "generated_by"] = "os.system"
    manifest.to_csv(data / "manifest.csv", index=False, lineterminator="\n")
    with pytest.raises(datasets.DataIntegrityError, match="unknown generator 'os.system'"):
        datasets.ensure()


def test_2025_files_are_recorded_and_marked_synthetic():
    m = datasets.load_manifest().set_index("path")
    for rel in ("synthetic/summary-2025.csv", "synthetic/households-2025.parquet"):
        assert m.loc[rel, "synthetic"] == "True"
        assert m.loc[rel, "generated_by"] in datasets.GENERATORS
    assert (paths.synthetic_dir() / "summary-2025.csv").stat().st_size < 50_000  # committed
