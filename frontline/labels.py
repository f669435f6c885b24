"""Map labels: greedy placement without overlaps, and Arabic-script shaping.

Placement works in display space: each candidate label is drawn at up to eight positions
around its point, its text bounding box is measured with the figure's renderer, and the
first position that overlaps no earlier label, no reserved box (legend, title, scale bar),
no point of a comparably important place, and stays inside the axes is kept. Labels are
offered most important first, so a village never pushes a city off the map.

Arabic script is shaped (contextual letter forms, with ``arabic_reshaper``) and put in visual
order (``python-bidi``) before matplotlib draws it, which matplotlib cannot do by itself.
"""

from __future__ import annotations

import functools
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.transforms import Bbox

#: (dx, dy, ha, va) in points: right, left, above, below, then the diagonals.
POSITIONS = (
    (5, 1, "left", "bottom"),
    (-5, 1, "right", "bottom"),
    (5, -1, "left", "top"),
    (-5, -1, "right", "top"),
    (0, 5, "center", "bottom"),
    (0, -5, "center", "top"),
    (6, 0, "left", "center"),
    (-6, 0, "right", "center"),
)


#: A label may not cover the point of a place whose priority is at least this share of its own.
COVER_RATIO = 0.75


@dataclass
class LabelRequest:
    """A label to place: text at a lon/lat point with a priority (higher first)."""

    text: str
    x: float
    y: float
    priority: float = 0.0
    fontsize: float = 7.0
    weight: str = "normal"
    style: str = "normal"
    color: str = "#1a1a1a"
    halo: str = "white"
    key: str = ""
    #: skip the label when its point is already covered (False: marked points, e.g. under a ring)
    check_point: bool = True


def contains_arabic(text: str) -> bool:
    """Whether *text* contains Arabic-script letters."""
    return any("ARABIC" in unicodedata.name(ch, "") for ch in text)


@functools.lru_cache(maxsize=1)
def arabic_font() -> str | None:
    """A font family installed for matplotlib that has Arabic glyphs (None when there is none)."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    preferred = (
        "DejaVu Sans",
        "Noto Sans Arabic",
        "Noto Naskh Arabic",
        "Amiri",
        "Arial",
        "FreeSans",
    )
    fonts = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for name in (*preferred, *sorted(fonts)):
        path = fonts.get(name)
        if not path:
            continue
        try:
            charmap = FT2Font(path).get_charmap()
        except Exception:  # noqa: BLE001 - an unreadable font is just skipped
            continue
        if all(ord(c) in charmap for c in "\u0627\u0644\u0645\ufefb\ufe8e"):
            return name
    return None


def shape_arabic(text: str) -> str:
    """Shape Arabic-script text and reorder it for display (left-to-right renderers).

    Examples
    --------
    >>> shape_arabic("Mosul")
    'Mosul'
    >>> shaped = shape_arabic("الموصل")
    >>> shaped != "الموصل" and len(shaped) <= len("الموصل")
    True
    """
    if not contains_arabic(text):
        return text
    import arabic_reshaper
    from bidi.algorithm import get_display

    return get_display(arabic_reshaper.reshape(text))


def arabic_name(alt_names: Iterable[str] | str | None) -> str | None:
    """The first Arabic-script name among a place's alternate names (``|``-separated or a list)."""
    if alt_names is None:
        return None
    if isinstance(alt_names, str):
        alt_names = alt_names.split("|")
    for name in alt_names:
        name = str(name).strip()
        if (
            name
            and contains_arabic(name)
            and all(contains_arabic(c) or not c.isalpha() for c in name)
        ):
            return name
    return None


def check_arabic_font() -> bool:
    """True when a font with Arabic glyphs exists; warns and returns False otherwise."""
    if arabic_font() is None:
        warnings.warn(
            "no installed font has Arabic glyphs: labels stay in Latin script", stacklevel=3
        )
        return False
    return True


def _overlaps(box: Bbox, others: Sequence[Bbox]) -> bool:
    return any(box.overlaps(o) for o in others)


def place_labels(
    ax: Axes,
    requests: Sequence[LabelRequest],
    reserved: Sequence[Bbox] = (),
    max_labels: int | None = None,
    pad: float = 1.5,
    marker_px: float = 3.0,
) -> list[Any]:
    """Place labels greedily (highest priority first) so that none overlaps another.

    Parameters
    ----------
    ax : matplotlib Axes
        The map; its figure must have a renderer (``fig.canvas.get_renderer()``).
    requests : sequence of LabelRequest
    reserved : sequence of Bbox
        Display-space boxes no label may cover (legend, title, scale bar, earlier labels).
    max_labels : int, optional
        Stop after this many labels.
    pad : float, default 1.5
        Extra clearance around each label, in pixels.
    marker_px : float, default 3.0
        Half-size of the point marker, in pixels: a kept label also reserves its point, and
        a request whose point is already covered is skipped.

    Returns
    -------
    list of matplotlib.text.Text
        The labels kept; each has ``get_gid() == "label-<key>"``. Requests that found no
        free position are not drawn.
    """
    import matplotlib.patheffects as pe

    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    axbox = ax.get_window_extent(renderer)
    taken = list(reserved)
    kept = []
    from matplotlib.transforms import Bbox as _Bbox

    order = sorted(range(len(requests)), key=lambda i: (-requests[i].priority, i))
    # the points of the places that may get a label: no label may cover another's point
    considered = order[: (max_labels or len(order)) * 2]
    pts = (
        ax.transData.transform([(requests[i].x, requests[i].y) for i in considered])
        if considered
        else np.zeros((0, 2))
    )
    owner = np.array(considered)
    weight = np.array([requests[i].priority for i in considered], dtype=float)
    for i in order:
        req = requests[i]
        if max_labels is not None and len(kept) >= max_labels:
            break
        px, py = ax.transData.transform((req.x, req.y))
        r = marker_px
        dot = _Bbox.from_extents(px - r, py - r, px + r, py + r)
        if r > 0 and req.check_point and _overlaps(dot, taken):
            continue  # its point is under an earlier label: leave it out
        for dx, dy, ha, va in POSITIONS:
            t = ax.annotate(
                req.text,
                (req.x, req.y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=req.fontsize,
                fontweight=req.weight,
                fontstyle=req.style,
                color=req.color,
                zorder=9,
                annotation_clip=True,
                path_effects=[pe.withStroke(linewidth=2.2, foreground=req.halo, alpha=0.9)],
            )
            box = t.get_window_extent(renderer).expanded(1.0, 1.0).padded(pad)
            inside = (
                box.x0 >= axbox.x0
                and box.x1 <= axbox.x1
                and box.y0 >= axbox.y0
                and box.y1 <= axbox.y1
            )
            covers = (
                (pts[:, 0] + r >= box.x0)
                & (pts[:, 0] - r <= box.x1)
                & (pts[:, 1] + r >= box.y0)
                & (pts[:, 1] - r <= box.y1)
                & (owner != i)
                & (weight >= COVER_RATIO * req.priority)
            )
            if inside and not covers.any() and not _overlaps(box, taken):
                t.set_gid(f"label-{req.key or i}")
                taken.append(box)
                if r > 0:
                    taken.append(dot)
                kept.append(t)
                break
            t.remove()
    return kept
