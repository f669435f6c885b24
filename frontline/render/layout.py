"""Figure layout: size presets, the map's axes and side panel, and the extent that fills them.

Projection: maps are drawn in lon/lat (plate carrée) with the axes' aspect set to
``1 / cos(centre latitude)``, so that a kilometre is as long east–west as north–south at
the centre of the map (locally conformal, like an equirectangular projection with its
standard parallel at the centre). :func:`fit_bbox` grows the extent asked for until it fills
the axes at that aspect.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

from frontline.errors import InputError
from frontline.render.style import DEFAULT_DPI, RC, SIZES, BBox, figure_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure

    from frontline.control import ControlSnapshot
    from frontline.theatre import Theatre


@dataclass
class Frame:
    """A map's figure and axes, their size in inches, and the font scale."""

    fig: Figure
    ax: Axes
    owned: bool
    width_in: float
    height_in: float
    scale: float  # font scale relative to the social preset
    panel: tuple[float, float, float, float] | None = None  # legend panel, figure fraction


def figure_size(size: str | tuple[float, float], dpi: float | None) -> tuple[float, float, float]:
    """Give the figure width and height in inches and the dpi of a size preset or (w, h) pixels.

    Examples
    --------
    >>> figure_size("social", None)
    (8.0, 4.5, 150)
    >>> figure_size((600, 340), 75)
    (8.0, 4.533333333333333, 75)
    """
    if isinstance(size, str):
        if size not in SIZES:
            raise InputError(
                f"unknown size {size!r}: use one of {', '.join(SIZES)} or (width_px, height_px)"
            )
        w, h, d = SIZES[size]
        dpi = dpi or d
        return w / d, h / d, dpi
    try:
        wf, hf = (float(v) for v in size)
    except (TypeError, ValueError):
        raise InputError(
            f"size must be a preset name or (width_px, height_px), not {size!r}"
        ) from None
    if wf < 100 or hf < 100:
        raise InputError(f"size {size!r} is too small: give pixels, at least 100 × 100")
    dpi = dpi or DEFAULT_DPI
    return wf / dpi, hf / dpi, dpi


def new_frame(
    ax: Axes | None, size: str | tuple[float, float], dpi: float | None, legend: bool
) -> Frame:
    """Make the frame of a map: *ax* (the legend then sits inside the map), or a new figure.

    A new figure (no pyplot) has a band on top for the titles, one below for the
    attribution and, with *legend*, a panel on the right for the legend.
    """
    if ax is not None:
        fig = figure_of(ax)
        w, h = fig.get_size_inches()
        pos = ax.get_position()
        return Frame(
            fig, ax, False, w * pos.width, h * pos.height, max(0.6, min(1.0, w * pos.width / 8.0))
        )
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    w, h, dpi = figure_size(size, dpi)
    fig = Figure(figsize=(w, h), dpi=dpi)
    FigureCanvasAgg(fig)
    scale = max(0.75, min(w / 8.0, h / 4.5) ** 0.75)
    margin = 0.1 / w
    top_band = 0.62 * scale / h
    bottom_band = 0.3 * scale / h
    panel_w = (2.05 * scale / w) if legend else 0.0
    rect = (margin, bottom_band, 1 - 2 * margin - panel_w, 1 - top_band - bottom_band)
    ax = fig.add_axes(rect)
    panel = (rect[0] + rect[2] + 0.012, rect[1], panel_w - 0.012, rect[3]) if legend else None
    return Frame(fig, ax, True, w * rect[2], h * rect[3], scale, panel)


def fit_bbox(bbox: BBox, width_in: float, height_in: float) -> tuple[BBox, float]:
    """Grow *bbox* so that it fills an axes of the given size at the conformal aspect.

    Returns
    -------
    bbox : (minlon, minlat, maxlon, maxlat)
    aspect : float
        ``1 / cos(centre latitude)``, for ``ax.set_aspect``.
    """
    minx, miny, maxx, maxy = bbox
    lat0 = (miny + maxy) / 2
    aspect = 1.0 / math.cos(math.radians(lat0))
    w_units, h_units = maxx - minx, (maxy - miny) * aspect
    target = width_in / height_in
    if w_units / h_units < target:
        grow = (h_units * target - w_units) / 2
        minx, maxx = minx - grow, maxx + grow
    else:
        grow = (w_units / target - h_units) / aspect / 2
        miny, maxy = miny - grow, maxy + grow
    return (minx, miny, maxx, maxy), aspect


def map_extent(bbox: BBox | None, theatre: Theatre | None, snapshot: ControlSnapshot) -> BBox:
    """Choose the extent asked for: *bbox* (checked), else the theatre's focus or extent.

    Without a bbox or theatre, the areas' bounds (padded by 5 %).

    Raises
    ------
    InputError
        For a malformed bbox, one outside the theatre, or nothing to map.
    """
    if bbox is not None:
        b = tuple(float(v) for v in bbox)
        if len(b) != 4 or not (b[0] < b[2] and b[1] < b[3]):
            raise InputError(
                f"bbox must be (minlon, minlat, maxlon, maxlat) with min < max, not {bbox!r}"
            )
        th = theatre
        if th is not None:
            e = th.extent
            if b[2] <= e[0] or b[0] >= e[2] or b[3] <= e[1] or b[1] >= e[3]:
                raise InputError(
                    f"bbox {list(b)} does not overlap theatre {th.id!r} (extent {list(e)}); "
                    "give a bbox inside the theatre"
                )
        return b
    th = theatre
    if th is not None:
        focus = (th.settings.get("map") or {}).get("focus_extent")
        extent = focus or th.extent  # (minlon, minlat, maxlon, maxlat) in the theatre file
        return tuple(float(v) for v in extent)  # type: ignore[return-value]  # 4 numbers
    areas = snapshot.areas
    if len(areas):
        minx, miny, maxx, maxy = areas.total_bounds
        padx, pady = (maxx - minx) * 0.05, (maxy - miny) * 0.05
        return (minx - padx, miny - pady, maxx + padx, maxy + pady)
    raise InputError("nothing to map: give a bbox or a snapshot with areas")


# -- text that fits -------------------------------------------------------------------------------
def text_width(renderer: RendererBase, text: str, fontsize: float, weight: str = "normal") -> float:
    """Width in pixels of one line of *text* as the renderer draws it (the map's font)."""
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family=str(RC["font.family"]), size=fontsize, weight=weight)
    w, _h, _d = renderer.get_text_width_height_descent(text, prop, ismath=False)
    return float(w)


def wrap_to_width(
    text: str, width_px: float, fontsize: float, renderer: RendererBase, weight: str = "normal"
) -> list[str]:
    """Wrap *text* into lines no wider than *width_px* pixels, measured with the renderer.

    Words are never broken; a single word wider than the room stays on its own line (the
    caller shrinks the font when that matters).

    Examples
    --------
    >>> from matplotlib.backends.backend_agg import RendererAgg
    >>> lines = wrap_to_width("a few words " * 20, 300, 7.0, RendererAgg(600, 400, 100))
    >>> len(lines) > 1 and all(len(line) < 80 for line in lines)
    True
    """
    dpi = float(getattr(renderer, "dpi", 72.0))
    chars = max(8, int(width_px / (fontsize * dpi / 72 * 0.55)))
    lines = textwrap.wrap(text, chars, break_long_words=False) or [text]
    for _ in range(12):
        widest = max(text_width(renderer, line, fontsize, weight) for line in lines)
        if widest <= width_px or chars <= 8:
            break
        chars = max(8, min(chars - 1, int(chars * width_px / widest)))
        lines = textwrap.wrap(text, chars, break_long_words=False) or [text]
    return lines


def fit_fontsize(
    text: str,
    width_px: float,
    fontsize: float,
    renderer: RendererBase,
    weight: str = "normal",
    floor: float = 0.0,
) -> float:
    """Give the largest font size up to *fontsize* at which *text* fits *width_px* pixels.

    Never below *floor* (points); 0 for no floor.
    """
    size = fontsize
    for _ in range(8):  # glyph widths do not scale exactly with the size (hinting): measure again
        widest = max(text_width(renderer, line, size, weight) for line in text.split("\n"))
        if widest <= width_px or size <= floor:
            break
        size = max(floor, size * min(0.98, width_px / widest * 0.99))
    return size
