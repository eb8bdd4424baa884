"""Chart output: deterministic SVG text (one-pass canvas with shared text measurements,
byte-identical to ``Figure.savefig``) and PNG bytes.
"""

from __future__ import annotations

import codecs
import io

import matplotlib as mpl
import matplotlib.cbook as cbook
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
from matplotlib.figure import Figure

from analysis.charts.style import SVG_HASH_SALT


def svg_metadata(fig: Figure) -> dict:
    """The SVG metadata of a chart: no date, its title, ``fig.alt_text`` as the description and
    ``fig.chart_lang`` as the language (each when set)."""
    title = fig._suptitle.get_text() if fig._suptitle is not None else ""
    metadata = {"Date": None, "Title": title}
    if getattr(fig, "alt_text", ""):
        metadata["Description"] = fig.alt_text
    if getattr(fig, "chart_lang", ""):
        metadata["Language"] = fig.chart_lang
    return metadata


def figure_to_svg(fig: Figure) -> str:
    """Render a figure as SVG text, deterministically (fixed hash salt, no date).

    The title and ``fig.alt_text`` are written into the SVG metadata (``<title>``-like Dublin
    Core fields and ``<desc>``), so the text alternative travels with the image.
    """
    metadata = svg_metadata(fig)
    buf = io.StringIO()
    canvas, dpi = fig.canvas, fig.dpi
    with mpl.rc_context({"svg.hashsalt": SVG_HASH_SALT, "svg.fonttype": "none"}):
        try:
            _SVGCanvas(fig).print_svg(buf, metadata=metadata)
        finally:
            fig.dpi = dpi
            fig.set_canvas(canvas)
    return buf.getvalue()


# Text measurements (width, height, descent) of the SVG renderer depend only on the string, the
# font properties and these settings; they are shared by every figure of the process.
_FONT_RC = (
    "font.family",
    "font.sans-serif",
    "font.serif",
    "font.monospace",
    "font.cursive",
    "font.fantasy",
    "font.enable_last_resort",
    "text.kerning_factor",
)
_TEXT_METRICS: dict = {}


class _SVGRenderer(RendererSVG):
    """`RendererSVG` that measures each text once per process (not once per figure and pass)."""

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        rc = mpl.rcParams
        key = (s, prop.copy(), tuple(str(rc[k]) for k in _FONT_RC))
        metrics = _TEXT_METRICS.get(key)
        if metrics is None:
            metrics = super().get_text_width_height_descent(s, prop, ismath)
            if len(_TEXT_METRICS) < 50_000:
                _TEXT_METRICS[key] = metrics
        return metrics


class _SVGCanvas(FigureCanvasSVG):
    """SVG canvas drawing a figure in one pass.

    ``Figure.savefig`` draws a figure with a layout engine twice: once with drawing disabled to
    run the (constrained) layout, then again for output with the layout engine switched off. Here
    the layout engine runs at the start of the one output draw, on the same, not yet drawn,
    figure, so the SVG is byte-identical to ``savefig``'s at about half the cost. It is what
    ``FigureCanvasSVG.print_svg`` does, with `_SVGRenderer`.
    """

    def print_svg(self, filename, *, bbox_inches_restore=None, metadata=None):
        with cbook.open_file_cm(filename, "w", encoding="utf-8") as fh:
            if not cbook.file_requires_unicode(fh):
                fh = codecs.getwriter("utf-8")(fh)
            dpi = self.figure.dpi
            self.figure.dpi = 72
            width, height = self.figure.get_size_inches()
            renderer = MixedModeRenderer(
                self.figure,
                width,
                height,
                dpi,
                _SVGRenderer(width * 72, height * 72, fh, image_dpi=dpi, metadata=metadata),
                bbox_inches_restore=bbox_inches_restore,
            )
            self.figure.draw(renderer)
            renderer.finalize()


def figure_to_png(fig: Figure, dpi: int = 200) -> bytes:
    """Render a figure as PNG bytes without a software/date stamp."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()
