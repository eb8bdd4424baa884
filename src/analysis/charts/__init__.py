"""Charts: the accessible, deterministic matplotlib figures of the reports (trend, flow, bar and
ranking charts, tile map and choropleth) and their SVG output.

May import: the stages below it (`core`, `reference`, `intake`, `compute`, `bundled`,
`projection`).

Modules: `style` (the package style, the design rules every chart follows, and the figure
set-up, formatters, legends and source line they share), `lines` (trend, flow rates, ethnic gap,
fan chart), `bars` (waterfall, deprivation, contribution), `ranking` (commune ranking, district
league), `maps` (tile map, choropleth, GeoJSON reading) and `svg` (SVG and PNG output). Callers
use the names re-exported here: ``from analysis import charts``, ``charts.trend_chart(...)``.
"""

from analysis.charts.bars import (
    FLOW_KEYS,
    contribution_chart,
    deprivation_chart,
    waterfall_chart,
    waterfall_steps,
)
from analysis.charts.lines import (
    cumulative_chart,
    ethnic_gap_chart,
    fan_chart,
    flow_rates_chart,
    trend_chart,
)
from analysis.charts.maps import choropleth, read_district_shapes, tile_layout, tile_map
from analysis.charts.ranking import commune_ranking_chart, rank_chart
from analysis.charts.style import (
    DIMENSION_STYLE,
    MISSING_COLOUR,
    OKABE_ITO,
    SEQUENTIAL_CMAP,
    SERIES_STYLE,
    STYLE,
    SVG_HASH_SALT,
    number_formatter,
    source_line,
    standard_runs,
)
from analysis.charts.svg import figure_to_png, figure_to_svg

__all__ = [
    "DIMENSION_STYLE",
    "FLOW_KEYS",
    "MISSING_COLOUR",
    "OKABE_ITO",
    "SEQUENTIAL_CMAP",
    "SERIES_STYLE",
    "STYLE",
    "SVG_HASH_SALT",
    "choropleth",
    "commune_ranking_chart",
    "contribution_chart",
    "deprivation_chart",
    "ethnic_gap_chart",
    "cumulative_chart",
    "fan_chart",
    "figure_to_png",
    "figure_to_svg",
    "flow_rates_chart",
    "number_formatter",
    "rank_chart",
    "read_district_shapes",
    "source_line",
    "standard_runs",
    "tile_layout",
    "tile_map",
    "trend_chart",
    "waterfall_chart",
    "waterfall_steps",
]
