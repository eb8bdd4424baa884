"""Labels in both languages: complete, NFC, and every key the code asks for exists."""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import pytest

from analysis import charts
from analysis.core import i18n
from analysis.reference.standards import load_standards
from analysis.report import narrative

SRC = Path(i18n.__file__).resolve().parents[1]  # the analysis package
FILES = [i18n.LABELS_PATH, narrative.NARRATIVE_PATH]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_empty_cells_no_duplicate_keys(path):
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["key", "vi", "en"]
    keys = [r[0] for r in rows[1:]]
    assert len(keys) == len(set(keys)), "duplicate keys"
    for r in rows[1:]:
        assert len(r) == 3, f"row {r[0]!r} has {len(r)} cells"
        assert r[1].strip() and r[2].strip(), f"{path.name}: {r[0]!r} has an empty cell"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_files_are_nfc(path):
    text = path.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_placeholders_match_between_languages(path):
    table = i18n.read_table(path)
    for key, texts in table.items():
        vi = set(re.findall(r"{(\w+)}", texts["vi"]))
        en = set(re.findall(r"{(\w+)}", texts["en"]))
        assert vi == en, f"{key}: placeholders differ {vi ^ en}"


def test_label_languages_and_diacritics():
    assert i18n.label("series.poor") == "Hộ nghèo"
    assert i18n.label("series.near_poor", "vi") == "Hộ cận nghèo"
    assert i18n.label("axis.poverty_rate_pct") == "Tỷ lệ hộ nghèo (%)"
    assert i18n.label("flow.escaped") == "Thoát nghèo"
    assert i18n.label("flow.repoverty") == "Tái nghèo"
    assert i18n.label("flow.new") == "Phát sinh mới"
    assert i18n.label("group.em") == "Dân tộc thiểu số"
    assert i18n.label("source.synthetic_long") == (
        "Dữ liệu mô phỏng (không phải số liệu chính thức)"
    )
    assert i18n.label("source.line", source="X") == "Nguồn: X."
    assert i18n.label("series.poor", "en") == "Poor households"


def test_missing_key_names_the_key():
    with pytest.raises(KeyError, match="no.such.key"):
        i18n.label("no.such.key")


def test_bad_language():
    with pytest.raises(ValueError, match="language"):
        i18n.label("series.poor", "fr")


def test_status_names():
    expected = {
        "on_track": ("Đúng tiến độ", "On track"),
        "needs_acceleration": ("Cần tăng tốc", "Needs acceleration"),
        "off_track": ("Chậm tiến độ", "Off track"),
        "regressing": ("Đi lùi", "Regressing"),
        "too_little_data": ("Không đủ dữ liệu", "Too little data"),
    }
    for code, (vi, en) in expected.items():
        assert i18n.status_name(code) == vi
        assert i18n.status_name(code, "en") == en
    assert i18n.status_name("On track") == "Đúng tiến độ"
    assert i18n.status_name("needs-acceleration") == "Cần tăng tốc"
    assert i18n.status_name("too little data") == "Không đủ dữ liệu"
    assert i18n.status_name("insufficient_data", "en") == "Too little data"
    with pytest.raises(KeyError, match="unknown progress status"):
        i18n.status_name("great")


def test_zone_and_indicator_names():
    assert i18n.zone_name("urban") == "Thành thị"
    assert i18n.zone_name("rural") == "Nông thôn"
    assert i18n.zone_name("rural", "en") == "Rural"
    assert i18n.indicator_name("health_insurance") == "Bảo hiểm y tế"
    assert i18n.indicator_name("dep_health_insurance", "en") == "Health insurance"
    assert i18n.indicator_name("latrine", "vi", "QD59_2015") == "Hố xí/nhà tiêu hợp vệ sinh"
    assert i18n.indicator_name("latrine", "vi") == "Nhà tiêu hợp vệ sinh"
    with pytest.raises(KeyError, match="unknown indicator"):
        i18n.indicator_name("nope")
    with pytest.raises(KeyError, match="info_access"):
        i18n.indicator_name("info_access", "vi", "ND351_2025")


def test_every_dimension_and_standard_has_labels():
    for std in load_standards():
        for lang in i18n.LANGS:
            assert i18n.standard_label(std.code, lang)
            assert i18n.standard_label(std.code, lang, short=False)
        for dim in set(std.dimensions.values()):
            assert i18n.dimension_name(dim, "vi") and i18n.dimension_name(dim, "en")


def _literal_keys(package: Path, func: str) -> set[str]:
    """Literal keys passed to ``func`` anywhere in the package's modules."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(package.rglob("*.py")))
    return set(re.findall(rf"\b{func}\(\s*\"([a-z0-9_.]+)\"", text))


def test_every_label_key_used_by_the_code_exists():
    labels = i18n.labels()
    used = _literal_keys(SRC, "label")
    # keys built at run time
    used |= {f"flow.{k}" for k in charts.FLOW_KEYS}
    used |= {f"series.{c}" for c in ("escape_rate", "repoverty_rate", "new_poverty_rate")}
    used |= {f"status.{s}" for s in ("on_track", "needs_acceleration", "off_track")}
    used |= {"status.regressing", "status.too_little_data", "zone.urban", "zone.rural"}
    assert len(used) > 40
    missing = sorted(k for k in used if k not in labels)
    assert not missing, f"labels.csv lacks {missing}"
    for key in used:
        assert labels[key]["vi"] and labels[key]["en"]


def test_every_sentence_key_used_by_the_code_exists():
    table = i18n.read_table(narrative.NARRATIVE_PATH)
    used = _literal_keys(SRC, "sentence")
    for stem, words in {
        "headline.change": ("decrease", "increase", "unchanged", "none"),
        "headline.rate": ("decrease", "increase", "unchanged"),
        "flows.net": ("decrease", "increase", "unchanged"),
        "ethnic.gap": ("narrowed", "widened", "unchanged", "not_comparable"),
        "ethnic.reduction": ("decrease", "increase", "unchanged"),
        "deprivation.compare": ("higher", "lower", "same"),
        "ranking.vs_province": ("above", "below", "same"),
        "noun.household": ("one", "other"),
        "noun.poor_household": ("one", "other"),
        "noun.near_poor_household": ("one", "other"),
    }.items():
        used |= {f"{stem}.{w}" for w in words}
    missing = sorted(k for k in used if k not in table)
    assert not missing, f"narrative.csv lacks {missing}"
