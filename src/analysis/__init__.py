"""Poverty-reduction monitoring workbook for Bình Phước province (Plan 47-KH/TU)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("analysis")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"
