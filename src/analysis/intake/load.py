"""Loading a file of either kind: :func:`read_any`, and the ``validate`` command built on it.

Whether a file holds a summary table or household records is recognised from its headers (a
household id column makes it household records).
"""

from __future__ import annotations

import os
from pathlib import Path

from analysis.core.messages import Message, Number, localize
from analysis.intake.headers import all_header_keys, header_key, header_lookup
from analysis.intake.household_chunks import read_head
from analysis.intake.household_stream import scan_households
from analysis.intake.households import read_households
from analysis.intake.problems import IntakeError
from analysis.intake.readers import read_raw
from analysis.intake.summary import read_summary
from analysis.reference.geography import Geography


def read_any(path, sheet: str | None = None, geography: Geography | None = None):
    """Read a summary table or household records, recognising which from the headers.

    Parameters
    ----------
    path : str or Path
    sheet : str, optional
    geography : Geography, optional

    Returns
    -------
    (pandas.DataFrame, str)
        The validated table and ``"summary"`` or ``"households"``.

    Raises
    ------
    IntakeError
    """
    if _kind(path, sheet) == "households":
        return read_households(path, sheet, geography), "households"
    return read_summary(path, sheet, geography), "summary"


def _kind(path, sheet: str | None) -> str:
    """``"households"`` or ``"summary"`` from the headers (a CSV or Parquet file's first lines
    only: a national household list is not read twice)."""
    raw = read_head(Path(path), all_header_keys())
    if raw is None:
        raw = read_raw(path, sheet, all_header_keys(), require_known=False)
    household = header_lookup("household")
    summary = header_lookup("summary")
    keys = [header_key(h) for h in raw.header]
    is_household = any(household.get(k) == "household_id" for k in keys)
    if not is_household and not any(k in summary for k in keys):
        raise IntakeError(Message("intake.no_header"), raw.source)
    return "households" if is_household else "summary"


#: Household files larger than this are checked by two worker processes.
PARALLEL_BYTES = 200 * 1024**2


def main_validate(paths: list[str]) -> int:
    """Validate files and print what is wrong with each (``python -m analysis validate``).

    Everything is printed in the message language (:mod:`analysis.core.messages`).

    Parameters
    ----------
    paths : list of str
        Summary or household files (.csv, .xlsx, .parquet); the kind is recognised from the
        headers.

    Returns
    -------
    int
        0 when every file is valid, 1 otherwise.
    """
    status = 0
    for path in paths:
        try:
            kind = _kind(path, None)
            if kind == "households":
                workers = 2 if _size(path) > PARALLEL_BYTES and (os.cpu_count() or 1) > 1 else 1
                scan = scan_households(path, workers=workers)
                if scan.problems:
                    err = IntakeError(scan.problems)
                    status = 1
                    print(str(err))
                    listed = sum(1 for p in scan.problems if not p.message.startswith("and "))
                    if scan.total_problems > listed:
                        total = Message(
                            "validate.capped", n=Number(scan.total_problems), rows=Number(scan.rows)
                        )
                        print(total.text())
                    continue
                rows, notes = scan.rows, scan.notes
            else:
                frame = read_summary(path)
                rows, notes = len(frame), frame.attrs.get("notes", [])
        except IntakeError as err:
            status = 1
            print(str(err))
        else:
            kind_text = Message(f"kind.{kind}")
            print(Message("validate.ok", n=Number(rows), kind=kind_text, path=path).text())
            for note in notes:
                print(localize(Message("validate.note", note=note)))
    return status


def _size(path) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0
