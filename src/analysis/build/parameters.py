"""Notebook parameters: read a notebook's ``parameters`` cell and check proposed values against it.

Checked before anything runs: unknown names are refused with the list of valid names, and values
must have the type of the default (`ParameterError`). A notebook that declares ``year`` or
``lang`` runs with the batch's values (`batch_parameters`).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Any

from analysis.core.errors import WorkbookError
from analysis.core.messages import Message

_TYPE_NAMES = {"int": int, "float": float, "str": str, "bool": bool, "list": list, "dict": dict}


class ParameterError(WorkbookError, ValueError):
    """Job parameters that do not match the notebook's ``parameters`` cell."""


def skip_iri_grammar() -> None:
    """Do not let nbformat's jsonschema build the ``rfc3987_syntax`` grammars (~1 s at import).

    jsonschema imports that package only for the optional "iri" format checks, which nbformat
    never uses. Applied before the first import of jsonschema only (the batch's process and the
    warm report process); a process that already imported jsonschema is left as it is.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def notebook_parameters(notebook: str | Path) -> dict[str, dict]:
    """Read the ``parameters`` cell of a notebook.

    The cell (the code cell tagged ``parameters``) is read with Python's own parser: one
    ``name: type = default  # help`` or ``name = default`` per line, as papermill reads it
    (a cell it cannot parse goes to ``papermill.inspect_notebook``). Reading it this way keeps
    papermill's execution machinery out of a batch that only checks its cache (~0.2 s).

    Parameters
    ----------
    notebook : str or Path
        The notebook file.

    Returns
    -------
    dict
        Name to ``{"default": source text, "value": default value or None, "type": type or
        None}``; ``type`` is None when the default is not a literal and has no annotation.
    """
    import json

    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"
             and "parameters" in c.get("metadata", {}).get("tags", [])]  # fmt: skip
    if not cells:
        return {}
    source = cells[0].get("source", "")
    source = "".join(source) if isinstance(source, list) else str(source)
    try:
        declared = _declared(source)
    except SyntaxError:
        declared = _declared_by_papermill(notebook)
    out = {}
    for name, (source, type_name) in declared.items():
        value, typ = None, None
        try:
            value = ast.literal_eval(source) if source is not None else None
            typ = type(value) if value is not None else None
        except (ValueError, SyntaxError):
            typ = _TYPE_NAMES.get(str(type_name or "").lower())
        out[name] = {"default": source, "value": value, "type": typ}
    return out


def _declared(source: str) -> dict[str, tuple[str | None, str | None]]:
    """``{name: (default source text, annotation)}`` of the assignments of a parameters cell."""
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            target, value, annotation = node.target, node.value, ast.unparse(node.annotation)
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1
              and isinstance(node.targets[0], ast.Name)):  # fmt: skip
            target, value, annotation = node.targets[0], node.value, None
        else:
            continue
        default = ast.get_source_segment(source, value) if value is not None else None
        out[target.id] = (default, annotation)
    return out


def _declared_by_papermill(notebook: str | Path) -> dict[str, tuple[str | None, str | None]]:
    skip_iri_grammar()
    import papermill

    info = papermill.inspect_notebook(str(notebook))
    return {
        name: (spec.get("default"), spec.get("inferred_type_name")) for name, spec in info.items()
    }


def _type_ok(value: Any, typ: type | None) -> bool:
    if typ is None:
        return True
    if typ is bool:
        return isinstance(value, bool)
    if typ is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if typ is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if typ in (list, tuple):
        return isinstance(value, list | tuple)
    return isinstance(value, typ)


def check_parameters(
    notebook: str | Path, parameters: dict, declared: dict | None = None
) -> list[str]:
    """Check parameter names and value types against a notebook's ``parameters`` cell.

    Parameters
    ----------
    notebook : str or Path
        The notebook file.
    parameters : dict
        Proposed values.
    declared : dict, optional
        The result of `notebook_parameters` (read from the notebook if omitted).

    Returns
    -------
    list of str
        Problems, empty if the parameters are acceptable.
    """
    declared = notebook_parameters(notebook) if declared is None else declared
    name = Path(notebook).name
    problems = []
    valid = ", ".join(sorted(declared)) or Message("params.none")
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        names = ", ".join(map(repr, unknown))
        problems.append(Message("params.unknown", notebook=name, names=names, valid=valid))
    for key, value in parameters.items():
        spec = declared.get(key)
        if spec is None:
            continue
        if not _type_ok(value, spec["type"]):
            problems.append(
                Message(
                    "params.type",
                    notebook=name,
                    parameter=repr(key),
                    type=spec["type"].__name__,
                    default=spec["default"],
                    got=type(value).__name__,
                    value=repr(value),
                )
            )
    return problems


def batch_parameters(
    parameters: dict, declared: dict, year: int, lang: str
) -> tuple[dict, list[str]]:
    """The parameters a notebook runs with in a batch of one year and language.

    A notebook that declares ``year`` or ``lang`` gets the batch's value: a job may state it
    (`analysis.build.batch.plan_jobs` does), but not contradict it; a job that leaves it out
    (a hand-written job) has it added, after its own parameters.

    Parameters
    ----------
    parameters : dict
        The job's parameters.
    declared : dict
        The notebook's parameters (`notebook_parameters`).
    year : int
        The batch's year.
    lang : str
        The batch's language.

    Returns
    -------
    tuple of (dict, list of str)
        The parameters, and problems (a contradicting ``year`` or ``lang``).
    """
    params = dict(parameters)
    problems = []
    for name, value in (("year", year), ("lang", lang)):
        if name not in declared:
            continue
        if name not in params:
            params[name] = value
        elif params[name] != value:
            problems.append(
                Message("params.conflict", name=name, given=repr(params[name]), value=repr(value))
            )
    return params, problems
