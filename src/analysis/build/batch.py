"""The ``report`` command: which reports to build, then `analysis.build.runner.run_batch` builds them.

``--areas all`` is the province overview (slug ``province``) plus one report per district of the
reference geography (slug = the district's ASCII slug); names and codes in any spelling that
`Geography.resolve_district` accepts can be listed instead, comma-separated.
"""

from __future__ import annotations

import argparse
import os
import sys

from analysis.core import paths
from analysis.core.errors import WorkbookError
from analysis.core.i18n import label
from analysis.reference.geography import load_geography

PROVINCE_SLUG = "province"


def plan_jobs(
    areas: str = "all",
    data_source: str = "",
    min_households: int = 50,
    geojson: str = "",
    lang: str = "vi",
) -> list:
    """Report jobs for an ``--areas`` value.

    Parameters
    ----------
    areas : str
        ``"all"``, ``"province"``, ``"districts"`` or comma-separated district names or codes.
    data_source, min_households, geojson
        Passed to every notebook's parameters.
    lang : {"vi", "en"}
        Language of the report titles.

    Returns
    -------
    list of analysis.build.runner.ReportJob
        The province overview first, then districts in code order.
    """
    from analysis.build.runner import ReportJob

    geo = load_geography()
    wanted = [a.strip() for a in str(areas).split(",") if a.strip()]
    if not wanted:
        raise WorkbookError("--areas is empty; give 'all', 'province' or district names")
    include_province = any(a.lower() in ("all", PROVINCE_SLUG) for a in wanted)
    if any(a.lower() in ("all", "districts") for a in wanted):
        codes = geo.district_codes()
    else:
        codes = sorted({geo.resolve_district(a) for a in wanted if a.lower() != PROVINCE_SLUG})
    common = {
        "data_source": data_source,
        "min_households": int(min_households),
        "geojson": geojson,
    }
    jobs = []
    if include_province:
        jobs.append(
            ReportJob(
                area=str(geo.province["province_code"]),
                notebook=paths.notebooks_dir() / "province_overview.ipynb",
                parameters={"area": PROVINCE_SLUG, **common},
                slug=PROVINCE_SLUG,
                title=label("report.province_title", lang, province=geo.province["bare_name"]),
                area_name=geo.province["bare_name"],
            )
        )
    for code in codes:
        jobs.append(
            ReportJob(
                area=code,
                notebook=paths.notebooks_dir() / "district_report.ipynb",
                parameters={"area": code, **common},
                slug=geo.district_slug(code),
                title=label("report.district_title", lang, area=geo.district_name(code)),
                area_name=geo.district_name(code),
            )
        )
    return jobs


def resolve_year(year: str | int, data_source: str = "") -> int:
    """``"latest"`` (or 0) becomes the latest review year in the data; a year must be in it."""
    if data_source:
        from analysis.report.context import load_data

        years = sorted(int(y) for y in load_data(data_source).summary["year"].unique())
    else:  # the bundled data: read one column only (the warm report process loads the rest)
        import pandas as pd

        years = sorted(
            int(y) for y in pd.read_csv(paths.default_summary(), usecols=["year"])["year"].unique()
        )
    if str(year).lower() in ("latest", "0", ""):
        return years[-1]
    try:
        value = int(year)
    except ValueError:
        raise WorkbookError(f"--year must be a review year or 'latest', not {year!r}") from None
    if value not in years:
        raise WorkbookError(
            f"review year {value} is not in the data (years {years[0]}-{years[-1]})"
        )
    return value


def _is_synthetic(data_source: str) -> bool:
    """Whether the data are the synthetic kind (the index page then says so)."""
    if data_source:
        from analysis.report.context import load_data

        return load_data(data_source).synthetic
    from analysis.bundled.datasets import load_manifest

    manifest = load_manifest().set_index("path")
    rel = paths.default_summary().relative_to(paths.data_dir()).as_posix()
    return manifest.loc[rel, "synthetic"] == "True"


def main(args: argparse.Namespace) -> int:
    """Run the ``report`` command; returns the exit code (1 if any report failed)."""
    from analysis.build.runner import run_batch

    data_source = args.data or ""
    year = resolve_year(args.year, data_source)
    langs = [x.strip() for x in args.lang.split(",") if x.strip()]
    for lang in langs:
        if lang not in ("vi", "en"):
            raise WorkbookError(f"--lang must be vi, en or vi,en; not {lang!r}")
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    data_files = [paths.default_summary(), paths.default_households()] if not data_source else []
    # Read by report.preload in the warm report process (shared data and computations).
    os.environ["BPWB_DATA_SOURCE"] = data_source
    os.environ["BPWB_YEAR"] = str(year)
    synthetic = _is_synthetic(data_source)
    exit_code = 0
    for lang in langs:
        jobs = plan_jobs(args.areas, data_source, args.min_households, args.geojson or "", lang)
        result = run_batch(
            jobs,
            year,
            lang,
            formats=formats,
            workers=args.workers,
            force=args.force,
            executor=args.executor,
            engine="inprocess" if args.engine == "fork" else "kernel",
            scheduler=args.scheduler,
            data_files=data_files or None,
            warm_modules=("analysis.report.context:preload",),
            notice=label("report.synthetic_banner", lang) if synthetic else None,
        )
        print(f"index: {result.index_path}")
        exit_code = max(exit_code, result.exit_code)
    if exit_code:
        print("some reports failed: see the index page and the .log files", file=sys.stderr)
    return exit_code
