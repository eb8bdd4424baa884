"""Loading a file of either kind: :func:`read_any`, and the ``validate`` command built on it.

Whether a file holds a summary table or household records is recognised from its headers (a
household id column makes it household records).
"""

from __future__ import annotations

from analysis.core.messages import Message, Number, localize
from analysis.intake.headers import all_header_keys, header_key, header_lookup
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
    raw = read_raw(path, sheet, all_header_keys(), require_known=False)
    household = header_lookup("household")
    summary = header_lookup("summary")
    keys = [header_key(h) for h in raw.header]
    is_household = any(household.get(k) == "household_id" for k in keys)
    if not is_household and not any(k in summary for k in keys):
        raise IntakeError(Message("intake.no_header"), raw.source)
    if is_household:
        return read_households(path, sheet, geography), "households"
    return read_summary(path, sheet, geography), "summary"


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
            frame, kind = read_any(path)
        except IntakeError as err:
            status = 1
            print(str(err))
        else:
            kind_text = Message(f"kind.{kind}")
            print(Message("validate.ok", n=Number(len(frame)), kind=kind_text, path=path).text())
            for note in frame.attrs.get("notes", []):
                print(localize(Message("validate.note", note=note)))
    return status
