"""The run configuration (analysis.build.config.RunConfig)."""

from __future__ import annotations

import pytest

from analysis.build.config import FORMATS, RunConfig


def test_defaults_and_normalisation(tmp_path):
    config = RunConfig(year="2024", languages="en", formats=["html", "pdf", "html"],
                       data_files=[str(tmp_path / "a.csv")], reports_dir=str(tmp_path))  # fmt: skip
    assert config.year == 2024 and config.languages == ("en",)
    assert config.formats == ("html", "pdf")
    assert config.data_files == (tmp_path / "a.csv",)
    assert config.folder("en") == tmp_path / "2024" / "en"
    assert RunConfig(year=2024).formats == FORMATS
    assert RunConfig(year=2024, workers=3).worker_count() == 3
    assert RunConfig(year=2024).worker_count() >= 1


def test_reports_dir_defaults_to_bpwb_reports(tmp_path, monkeypatch):
    monkeypatch.setenv("BPWB_REPORTS", str(tmp_path / "r"))
    assert RunConfig(year=2023).folder("vi") == tmp_path / "r" / "2023" / "vi"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"languages": ("fr",)}, "lang must be one of"),
        ({"languages": ("../vi",)}, "lang must be one of"),
        ({"formats": ("docx",)}, "unknown format"),
        ({"engine": "thread"}, "engine must be one of"),
        ({"executor": "slurm"}, "executor must be one of"),
        ({"year": "../2024"}, "invalid literal"),
        ({"warm_modules": ("analysis.report.context:preload",)}, "preload=True"),
    ],
)
def test_bad_values_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        RunConfig(**{"year": 2024, **changes})


def test_json_round_trip_leaves_the_scheduler_out(tmp_path):
    config = RunConfig(
        year=2024, languages=("vi", "en"), data_source="x.csv", min_households=30,
        data_files=(tmp_path / "a.csv",), reports_dir=tmp_path, scheduler=object(),
        preload=True, warm_modules=("json",),
    )  # fmt: skip
    back = RunConfig.from_json(config.to_json())
    assert back.scheduler is None
    assert back == RunConfig(**{**config.__dict__, "scheduler": None})


def test_warm_key_and_preload_arguments():
    plain = RunConfig(year=2024)
    assert plain.preload_arguments() is None
    shared = RunConfig(year=2024, data_source="x.csv", min_households=30, preload=True)
    assert shared.preload_arguments() == {"year": 2024, "data_source": "x.csv",
                                          "min_households": 30}  # fmt: skip
    # what a warm process depends on, and nothing else (languages, formats, force...)
    assert plain.warm_key() == RunConfig(year=2020, languages=("en",), force=True).warm_key()
    assert shared.warm_key() != RunConfig(year=2023, preload=True).warm_key()
    assert plain.warm_key() != RunConfig(year=2024, engine="kernel").warm_key()
