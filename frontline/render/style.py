"""The maps' fixed style: size presets, colours, opacities and matplotlib settings.

Everything a map's look depends on and that more than one part of :mod:`frontline.render`
uses lives here, so that a change of colour or font is one edit. Output is deterministic:
:data:`RC` keeps SVG text as text (``svg.fonttype: none``) and salts element ids with a fixed
string, so two renders of the same input are byte-identical.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure

BBox = tuple[float, float, float, float]

#: Size presets: (width px, height px, default dpi).
SIZES: dict[str, tuple[int, int, int]] = {
    "social": (1200, 675, 150),
    "a4": (3508, 2480, 300),  # A4 landscape, 297 × 210 mm at 300 dpi
    "a4-portrait": (2480, 3508, 300),
}
DEFAULT_DPI = 150
FRONT_COLOUR = "#b00020"
#: Fill opacity of faction areas over the basemap.
AREA_ALPHA = 0.55
UNKNOWN_ALPHA = 0.25
#: How much of a faction's colour the fill of its *inferred* ground keeps (the rest is white):
#: ground the fill convention decides is drawn in a lighter tint of the faction's colour.
INFERRED_TINT = 0.5

#: Colours of the vector basemap (light, so that faction fills read on top).
STYLE = {
    "sea": "#dde8ee",
    "land": "#f3f1ec",
    "land_outside": "#e4e2dd",
    "border": "#4d4d4d",
    "border_halo": "#ffffff",
    "coast": "#5b7a99",
    "river": "#7fa7c9",
    "lake": "#c4d9e8",
    "country_label": "#8a8a8a",
    "water_label": "#4f7fa8",
}

#: Fixed style: same pixels on every machine with the same matplotlib and fonts.
RC = {
    "font.family": "DejaVu Sans",
    "font.size": 7.0,
    "svg.fonttype": "none",
    "svg.hashsalt": "frontline",
    "svg.image_inline": True,
    "path.simplify": True,
    "axes.unicode_minus": False,
    "hatch.linewidth": 0.8,
    "legend.frameon": False,
    "text.hinting": "default",
    "text.antialiased": True,
    "image.resample": True,
}


@contextlib.contextmanager
def map_style() -> Iterator[None]:
    """Matplotlib settings used for every map (fonts, SVG determinism), as a context."""
    import matplotlib as mpl

    with mpl.rc_context(RC):  # type: ignore[arg-type]  # RC's values are of several types
        yield


def renderer_of(fig: Any) -> RendererBase:
    """Return the renderer of *fig*'s canvas (maps are drawn on Agg canvases, which have one)."""
    return fig.canvas.get_renderer()


def figure_of(ax: Axes) -> Figure:
    """Return the figure an Axes is drawn in (frontline never draws maps into subfigures)."""
    return ax.figure  # type: ignore[return-value]  # Figure | SubFigure; maps use no SubFigure


def rgb(colour: str) -> tuple[float, float, float]:
    """Convert a matplotlib colour to an (r, g, b) tuple of floats in [0, 1].

    Examples
    --------
    >>> rgb("#ff0000")
    (1.0, 0.0, 0.0)
    """
    from matplotlib.colors import to_rgb

    return to_rgb(colour)


def lighter(colour: str, f: float = INFERRED_TINT) -> tuple[float, float, float]:
    """*colour* mixed with white, keeping the share *f* of it (fills of inferred ground).

    Examples
    --------
    >>> lighter("#000000", 0.25)
    (0.75, 0.75, 0.75)
    """
    r, g, b = rgb(colour)
    return (1 - f + r * f, 1 - f + g * f, 1 - f + b * f)


def darker(colour: str, f: float = 0.7) -> tuple[float, float, float]:
    """*colour* with each channel scaled by *f* (outlines of faction areas).

    Examples
    --------
    >>> darker("#ffffff", 0.5)
    (0.5, 0.5, 0.5)
    """
    r, g, b = rgb(colour)
    return (r * f, g * f, b * f)
