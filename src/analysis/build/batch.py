"""The ``report`` command: the run's configuration, which reports to build, then
`analysis.build.runner.run_reports` builds them.

`make_config` turns the command's options into one `RunConfig` (the review year resolved, the data
files of the cache key, the reports folder); `jobs_for` lists its reports (`plan_jobs` of
``--areas``) with their notebook parameters (year, language, data source...) taken from it.
`check_formats` and `check_languages` check ``--formats`` and ``--lang`` (the command line's
parser uses them too, so that a bad value is a usage error naming the allowed ones).

``--areas all`` is the province overview (slug ``province``) plus one report per district of the
reference geography (slug = the district's ASCII slug); names and codes in any spelling that
`Geography.resolve_district` accepts can be listed instead, comma-separated.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.build.config import FORMATS, RunConfig
from analysis.core import paths
from analysis.core.errors import WorkbookError
from analysis.core.i18n import LANGS, label
from analysis.core.messages import Message
from analysis.reference.geography import load_geography

PROVINCE_SLUG = "province"


def plan_jobs(
    areas: str = "all",
    data_source: str = "",
    min_households: int = 50,
    geojson: str = "",
    lang: str = "vi",
    year: int | None = None,
) -> list:
    """Report jobs for an ``--areas`` value.

    Parameters
    ----------
    areas : str
        ``"all"``, ``"province"``, ``"districts"`` or comma-separated district names or codes.
    data_source, min_households, geojson
        Passed to every notebook's parameters.
    lang : {"vi", "en"}
        Language of the report titles; with ``year``, also the notebooks' ``lang``.
    year : int, optional
        The review year, passed to every notebook's parameters with ``lang`` (`main` passes
        its configuration's); without it the runner gives the notebooks the batch's year and
        language.

    Returns
    -------
    list of analysis.build.jobs.ReportJob
        The province overview first, then districts in code order.
    """
    from analysis.build.jobs import ReportJob

    geo = load_geography()
    wanted = [a.strip() for a in str(areas).split(",") if a.strip()]
    if not wanted:
        raise WorkbookError(Message("batch.areas_empty"))
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
    if year is not None:
        common.update(year=int(year), lang=lang)
    from analysis.reference.geography import area_title

    def shown(name: str, level: str) -> str:  # after 1 July 2025: former districts...
        return name if year is None else area_title(geo, name, level, int(year), lang)

    province_name = shown(geo.province["bare_name"], "province")
    jobs = []
    if include_province:
        jobs.append(
            ReportJob(
                area=str(geo.province["province_code"]),
                notebook=paths.notebooks_dir() / "province_overview.ipynb",
                parameters={"area": PROVINCE_SLUG, **common},
                slug=PROVINCE_SLUG,
                title=label("report.province_title", lang, province=province_name),
                area_name=province_name,
            )
        )
    for code in codes:
        jobs.append(
            ReportJob(
                area=code,
                notebook=paths.notebooks_dir() / "district_report.ipynb",
                parameters={"area": code, **common},
                slug=geo.district_slug(code),
                title=label(
                    "report.district_title",
                    lang,
                    area=shown(geo.district_name(code), "district"),
                ),
                area_name=shown(geo.district_name(code), "district"),
            )
        )
    return jobs


def jobs_for(config: RunConfig, lang: str) -> list:
    """The report jobs of a run in one language: `plan_jobs` with the configuration's values.

    Parameters
    ----------
    config : RunConfig
        The run (``areas``, ``data_source``, ``min_households``, ``geojson``, ``year``).
    lang : {"vi", "en"}

    Returns
    -------
    list of analysis.build.jobs.ReportJob
        Their parameters carry the run's year and ``lang`` explicitly.
    """
    return plan_jobs(
        config.areas, config.data_source, config.min_households, config.geojson, lang,
        year=config.year,
    )  # fmt: skip


def resolve_year(year: str | int, data_source: str = "") -> int:
    """``"latest"`` (or 0) becomes the latest review year in the data; a year must be in it."""
    if data_source:
        from analysis.report.context import load_data

        years = sorted(int(y) for y in load_data(data_source).summary["year"].unique())
    else:  # the bundled data: read one column only (the warm report process loads the rest)
        import pandas as pd

        files = [paths.default_summary(), paths.synthetic_dir() / "summary-2025.csv"]
        years = sorted(
            {int(y) for f in files if f.exists() for y in pd.read_csv(f, usecols=["year"])["year"]}
        )
    if str(year).lower() in ("latest", "0", ""):
        return years[-1]
    try:
        value = int(year)
    except ValueError:
        raise WorkbookError(Message("batch.year_bad", year=repr(year))) from None
    if value not in years:
        raise WorkbookError(
            Message("batch.year_missing", year=value, first=years[0], last=years[-1])
        )
    return value


def check_formats(formats: str) -> tuple[str, ...]:
    """The report formats of a ``--formats`` value, checked.

    Parameters
    ----------
    formats : str
        Comma-separated formats, e.g. ``"html,pdf"`` (case and spaces do not matter).

    Returns
    -------
    tuple of str
        The formats in the order given, each once.

    Raises
    ------
    WorkbookError
        An unknown format, or none at all; the message names the allowed ones.
    """
    allowed = ", ".join(FORMATS)
    given = [f.strip() for f in str(formats).split(",") if f.strip()]
    if not given:
        raise WorkbookError(Message("batch.formats_none", allowed=allowed))
    bad = [f for f in given if f.lower() not in FORMATS]
    if bad:
        names = ", ".join(repr(f) for f in dict.fromkeys(bad))
        raise WorkbookError(Message("batch.formats_bad", names=names, allowed=allowed))
    return tuple(dict.fromkeys(f.lower() for f in given))


def check_languages(lang: str) -> tuple[str, ...]:
    """The report languages of a ``--lang`` value, checked.

    Parameters
    ----------
    lang : str
        ``"vi"``, ``"en"`` or ``"vi,en"`` (case and spaces do not matter).

    Returns
    -------
    tuple of str
        The languages in the order given, each once.

    Raises
    ------
    WorkbookError
        An unknown language, or none at all; the message names the allowed ones.
    """
    given = [x.strip() for x in str(lang).split(",") if x.strip()]
    bad = [x for x in given if x.lower() not in LANGS]
    if bad or not given:
        if bad:
            raise WorkbookError(Message("batch.lang_bad", lang=repr(bad[0])))
        raise WorkbookError(Message("batch.lang_none"))
    return tuple(dict.fromkeys(x.lower() for x in given))


def _is_synthetic(data_source: str) -> bool:
    """Whether the data are the synthetic kind (the index page then says so)."""
    if data_source:
        from analysis.report.context import load_data

        return load_data(data_source).synthetic
    from analysis.bundled.datasets import load_manifest

    manifest = load_manifest().set_index("path")
    rel = paths.default_summary().relative_to(paths.data_dir()).as_posix()
    return manifest.loc[rel, "synthetic"] == "True"


def make_config(
    year: str | int = "latest",
    areas: str = "all",
    lang: str = "vi",
    formats: str = "html,pdf,xlsx",
    data: str | None = None,
    min_households: int = 50,
    geojson: str | None = None,
    workers: int | None = None,
    engine: str = "fork",
    executor: str = "local",
    scheduler: str | None = None,
    force: bool = False,
    progress: bool = True,
) -> RunConfig:
    """The run configuration of the ``report`` command's options.

    Parameters
    ----------
    year : str or int
        Review year, or ``"latest"`` (`resolve_year`).
    areas : str
        ``--areas`` (see `plan_jobs`).
    lang : str
        ``vi``, ``en`` or ``vi,en``.
    formats : str
        Comma-separated formats (``html,pdf,xlsx``).
    data : str, optional
        Data file; None for the bundled synthetic data.
    min_households : int
        Rates on fewer households are flagged.
    geojson : str, optional
        District boundaries for a real choropleth.
    workers : int, optional
        Reports running at once (default: cores).
    engine : {"fork", "kernel"}
        ``fork``: the in-process engine in forked warm processes; ``kernel``: Jupyter kernels.
    executor : {"local", "dask"}
    scheduler : str, optional
        Dask scheduler address.
    force : bool
        Rebuild even if inputs are unchanged.
    progress : bool
        Progress bar and summary on stderr.

    Returns
    -------
    RunConfig
        With the shared report data preloaded in the warm process (``preload=True``), the
        reports folder resolved (``BPWB_REPORTS``) and, for the bundled data, its two files as
        the cache key's data files.

    Raises
    ------
    WorkbookError
        A year not in the data, an unknown language or format, a negative ``min_households``,
        a ``geojson`` file that does not exist.
    """
    data_source = data or ""
    langs = check_languages(lang)
    chosen = check_formats(formats)
    if int(min_households) < 0:
        raise WorkbookError(Message("batch.min_households", value=min_households))
    if geojson and not Path(geojson).is_file():
        raise WorkbookError(Message("batch.no_geojson", path=repr(str(geojson))))
    resolved = resolve_year(year, data_source)
    data_files = (paths.default_summary(), paths.default_households()) if not data_source else None
    return RunConfig(
        year=resolved,
        languages=langs,
        formats=chosen,
        areas=areas,
        data_source=data_source,
        min_households=int(min_households),
        geojson=geojson or "",
        data_files=data_files,
        reports_dir=paths.reports_dir(),
        engine="inprocess" if engine == "fork" else "kernel",
        executor=executor,
        scheduler=scheduler,
        workers=workers,
        force=force,
        preload=True,
        progress=progress,
    )


def main(args: argparse.Namespace) -> int:
    """Run the ``report`` command; returns the exit code (1 if any report failed)."""
    from analysis.build.runner import run_reports

    config = make_config(
        year=args.year,
        areas=args.areas,
        lang=args.lang,
        formats=args.formats,
        data=args.data,
        min_households=args.min_households,
        geojson=args.geojson,
        workers=args.workers,
        engine=args.engine,
        executor=args.executor,
        scheduler=args.scheduler,
        force=args.force,
    )
    synthetic = _is_synthetic(config.data_source)
    exit_code = 0
    for lang in config.languages:
        jobs = jobs_for(config, lang)
        result = run_reports(
            config,
            jobs,
            lang,
            notice=label("report.synthetic_banner", lang) if synthetic else None,
        )
        print(Message("batch.index", path=result.index_path).text())
        exit_code = max(exit_code, result.exit_code)
    if exit_code:
        print(Message("batch.failed").text(), file=sys.stderr)
    return exit_code
