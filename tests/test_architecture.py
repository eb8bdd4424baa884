"""The shape of the package: stages, module size, no private names across modules.

The import direction between stages is checked by import-linter (contracts in pyproject.toml,
run by ``.ci/run``); this file checks what import-linter does not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import analysis

PACKAGE = Path(analysis.__file__).resolve().parent
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))
MAX_LINES = 650  # "no module over ~600 lines"
STAGES = (
    "core",
    "reference",
    "intake",
    "compute",
    "bundled",
    "projection",
    "charts",
    "report",
    "build",
    "benchmarks",
)


def _module_name(path: Path) -> str:
    if not path.is_relative_to(PACKAGE.parent):
        return path.stem
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(path: Path) -> list[str]:
    """Private names of other analysis modules that ``path`` imports or reaches by attribute."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = _module_name(path)
    modules: dict[str, str] = {}  # local name -> analysis module it is bound to
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith("analysis"):
                continue
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                if _private(alias.name) and node.module != own:
                    found.append(f"{path.name}:{node.lineno} imports {target}")
                modules[alias.asname or alias.name] = target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("analysis"):
                    modules[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and _private(node.attr)
            and modules[node.value.id] != own
        ):
            found.append(f"{path.name}:{node.lineno} uses {modules[node.value.id]}.{node.attr}")
    return found


def test_every_stage_is_a_documented_package():
    for stage in STAGES:
        init = PACKAGE / stage / "__init__.py"
        assert init.is_file(), f"missing package {stage}"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "import" in doc, (
            f"{stage}/__init__.py must say what it is for and may import"
        )
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "cli.py"], top


@pytest.mark.parametrize("path", MODULES, ids=_module_name)
def test_module_is_small_enough_to_read(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{_module_name(path)} has {lines} lines (limit {MAX_LINES})"


@pytest.mark.parametrize("path", MODULES, ids=_module_name)
def test_no_private_name_crosses_a_module(path):
    assert not private_uses(path)


def test_private_use_detector_finds_both_forms(tmp_path):
    # the detector itself, on a hand-written module
    src = tmp_path / "mod.py"
    src.write_text(
        "from analysis.projection.forecast import _Context, project\n"
        "from analysis.core import numbers\n"
        "x = numbers._locale('vi')\n"
        "y = numbers.format_number(1)\n"
        "z = project.__doc__\n"
    )
    found = private_uses(src)
    assert found == [
        "mod.py:1 imports analysis.projection.forecast._Context",
        "mod.py:3 uses analysis.core.numbers._locale",
    ]
