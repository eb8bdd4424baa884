"""The dates written into report files, fixed by ``SOURCE_DATE_EPOCH`` for reproducible builds.

The runner sets ``SOURCE_DATE_EPOCH`` to the batch's run time (or keeps the user's value), so the
same inputs give the same bytes: the PDF's creation and modification dates
(`analysis.build.pdf_report`) and the xlsx document properties and zip entry times
(`date_zip_entries`, used by `analysis.build.xlsx_report`) all carry that time. Without it the
files keep the dates their writers give them (PDF: none).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile


def source_date() -> dt.datetime | None:
    """The build time fixed by ``SOURCE_DATE_EPOCH`` (UTC), or None when it is not set.

    Returns
    -------
    datetime or None
        Never before 1980-01-01 (zip entries cannot be dated earlier).
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit():
        return None
    # zip entries cannot be dated before 1980
    return max(
        dt.datetime.fromtimestamp(int(epoch), dt.UTC), dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
    )


def iso_stamp(when: dt.datetime) -> str:
    """``when`` as written in document metadata: ``"2023-11-14T22:13:20Z"``."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def date_zip_entries(xlsx: bytes) -> bytes:
    """Date an xlsx by ``SOURCE_DATE_EPOCH``: document created/modified and every zip entry.

    openpyxl stamps the save time in ``docProps/core.xml`` and the zip entries; with
    ``SOURCE_DATE_EPOCH`` set the same tables give the same bytes.

    Parameters
    ----------
    xlsx : bytes
        An xlsx file (a zip archive).

    Returns
    -------
    bytes
        The file with fixed dates, or ``xlsx`` unchanged when ``SOURCE_DATE_EPOCH`` is not set.
    """
    when = source_date()
    if when is None:
        return xlsx
    stamp = iso_stamp(when).encode()
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*", rb"\g<1>" + stamp, content
                )
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = info.compress_type
            entry.external_attr = info.external_attr
            entry.create_system = info.create_system
            dst.writestr(entry, content)
    return out.getvalue()
