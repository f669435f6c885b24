"""Place names on maps: which places to name, greedy placement without overlaps, Arabic shaping.

Placement works in display space: each candidate label is drawn at up to eight positions
around its point, its text bounding box is measured with the figure's renderer, and the
first position that overlaps no earlier label, no reserved box (legend, title, scale bar),
no point of a comparably important place, and stays inside the axes is kept. Labels are
offered most important first, so a village never pushes a city off the map.

Arabic script is shaped (contextual letter forms, with ``arabic_reshaper``) and put in visual
order (``python-bidi``) before matplotlib draws it, which matplotlib cannot do by itself.

:func:`place_requests` turns a gazetteer's places into ranked label requests (cities first,
then the named places of the area asked for); country names are drawn here too, last, so
that they give way to place names (river names belong to the basemap:
:func:`frontline.render.basemap.draw_water_labels`).
"""

from __future__ import annotations

import functools
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline.render.style import STYLE, BBox, renderer_of

if TYPE_CHECKING:
    import geopandas as gpd
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
    """Find a font family installed for matplotlib that has Arabic glyphs (None when none has)."""
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
    """Pick the first Arabic-script name of a place's alternate names (``|``-joined or a list)."""
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
    """Check that a font with Arabic glyphs exists; warn and return False otherwise."""
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
    renderer = renderer_of(fig)
    axbox = ax.get_window_extent(renderer)
    taken = list(reserved)
    kept: list[Any] = []
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


# -- which places to name -------------------------------------------------------------------------
#: Place kinds labelled before ordinary places of the same rank (and in italics).
STRATEGIC_KINDS = ("border_crossing", "military_base", "airport", "airbase", "dam")


def plain_latin(name: str) -> str:
    """Strip diacritics from a Latin-script name, as newsrooms print it ("Ḩamāh" → "Hamah").

    Examples
    --------
    >>> plain_latin("Ţarţūs"), plain_latin("Al Mawşil")
    ('Tartus', 'Al Mawsil')
    """
    if contains_arabic(name):
        return name
    decomposed = unicodedata.normalize("NFKD", name)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def curated_mask(places: gpd.GeoDataFrame) -> np.ndarray:
    """Rows of the curated layer (the theatre's key places), labelled before bulk GeoNames rows.

    Uses a boolean ``curated`` column when the frame has one; otherwise bulk rows are the
    ones whose id starts with ``gn-`` (the gazetteer's GeoNames ids).
    """
    if "curated" in places:
        return places["curated"].fillna(False).astype(bool).values
    return ~places["id"].astype(str).str.startswith("gn-").values


def place_requests(
    places: gpd.GeoDataFrame | None,
    bbox: BBox,
    arabic: bool,
    scale: float,
    extra=(),
    core: BBox | None = None,
) -> list:
    """Label requests for the places on the map, most important first.

    Rank: cities (of the curated layer, or inside *core*: the extent asked for, before it
    was grown to fill the figure), then places inside *core* before those outside, the
    curated layer before bulk GeoNames places, strategic kinds (crossings, bases) first,
    then importance (curated villages count as towns) and population.
    """
    if places is None or not len(places):
        return list(extra)
    minx, miny, maxx, maxy = bbox
    span = max(maxx - minx, maxy - miny)
    min_importance = 1 if span <= 4.5 else 2
    xs, ys = places.geometry.x.values, places.geometry.y.values
    curated = curated_mask(places)
    importance = places["importance"].values.astype(int)
    strategic = places["kind"].astype(str).isin(STRATEGIC_KINDS).values
    # curated villages, crossings and bases count as towns: they are the theatre's named places
    tier = np.where(curated & (importance < 2), 2, importance)
    inside = (xs >= minx) & (xs <= maxx) & (ys >= miny) & (ys <= maxy) & (tier >= min_importance)
    population = places["population"].fillna(0).values.astype(float)
    in_core = (
        (xs >= core[0]) & (xs <= core[2]) & (ys >= core[1]) & (ys <= core[3])
        if core is not None
        else np.ones(len(xs), bool)
    )
    # cities frame the map; then the named places of the area asked for; then the rest
    major = (importance >= 3) & (curated | in_core)
    rest = (
        in_core * 2e9 + curated * 1e9 + strategic * 4e8 + tier * 1e8 + np.minimum(population, 9.9e7)
    )
    priority = np.where(major, 8e9 + curated * 1e9 + np.minimum(population, 9.9e8), rest)
    reqs = list(extra)
    sizes = {3: 7.6, 2: 6.6, 1: 5.8}
    for i in np.flatnonzero(inside):
        row = places.iloc[i]
        imp = int(tier[i])
        text = plain_latin(str(row["name"]))
        in_arabic = False
        if arabic:
            ar = arabic_name(row.get("alt_names"))
            if ar:
                text, in_arabic = shape_arabic(ar), True
        kind = str(row.get("kind", ""))
        reqs.append(
            LabelRequest(
                text,
                float(xs[i]),
                float(ys[i]),
                priority=float(priority[i]),
                fontsize=sizes.get(imp, 5.8) * scale,
                weight="bold" if imp >= 3 else "normal",
                # DejaVu Sans Oblique has no Arabic glyphs: Arabic labels stay upright
                style="italic" if kind in STRATEGIC_KINDS and not in_arabic else "normal",
                key=str(row.get("id", text)),
            )
        )
    return reqs


# -- markers and country names -------------------------------------------------------------
def draw_place_markers(
    ax: Axes, kept: Sequence[Any], requests: Sequence[Any], scale: float
) -> None:
    """Dots for the places whose label was kept (so no dot is left unnamed)."""
    by_key = {f"label-{r.key}": r for r in requests}
    for t in kept:
        r = by_key.get(t.get_gid())
        if r is None or r.key.startswith("_"):
            continue
        big = r.weight == "bold"
        ax.plot(
            [r.x],
            [r.y],
            marker="s" if big else "o",
            markersize=(4.0 if big else 2.8) * scale,
            markerfacecolor="white" if big else "#1a1a1a",
            markeredgecolor="#1a1a1a",
            markeredgewidth=0.9 * scale,
            zorder=8,
            linestyle="none",
        )


def draw_country_labels(
    ax: Axes, labels: Sequence[tuple[str, float, float]], scale: float, avoid: Sequence[Any] = ()
) -> list[Any]:
    """Name each country at its first candidate point whose text overlaps nothing in *avoid*.

    *labels* holds ``(NAME, lon, lat)`` candidates, best first, a name repeating once per
    candidate (see :func:`frontline.render.basemap.country_label_points`); *avoid* holds
    display-space boxes (place labels, their markers, scale bar, legend). A country whose
    every candidate collides is left unnamed rather than printed over a place name.
    """
    import matplotlib.patheffects as pe

    renderer = renderer_of(ax.figure) if avoid else None
    axbox = ax.get_window_extent(renderer) if renderer is not None else None
    taken = list(avoid)
    done: set[str] = set()
    drawn = []
    for name, x, y in labels:
        if name in done:
            continue
        t = ax.text(
            x,
            y,
            " ".join(name),
            fontsize=8.5 * scale,
            color=STYLE["country_label"],
            ha="center",
            va="center",
            zorder=4.5,
            alpha=0.95,
            fontweight="bold",
            clip_on=True,
            path_effects=[pe.withStroke(linewidth=2.0, foreground="white", alpha=0.6)],
        )
        if renderer is not None:
            box = t.get_window_extent(renderer)
            assert axbox is not None  # set together with renderer
            outside = (
                box.x0 < axbox.x0 or box.x1 > axbox.x1 or box.y0 < axbox.y0 or box.y1 > axbox.y1
            )
            if outside or any(box.overlaps(o) for o in taken):
                t.remove()
                continue
            taken.append(box)
        t.set_gid(f"country-{name.lower().replace(' ', '-')}")
        done.add(name)
        drawn.append(t)
    return drawn


def drop_crowded(
    ax: Axes,
    texts: Sequence[tuple[Any, Sequence[tuple[float, float, float]]]],
    avoid: Sequence[Any] = (),
) -> list[Any]:
    """Keep texts clear of the axes' edge, of the boxes in *avoid* and of each other.

    For names of lower rank than the place names (rivers, lakes): each text comes with its
    candidate positions ``(x, y, rotation)``, best first (a river's name along its river);
    it takes the first that fits, and is removed when none does. Returns the display boxes
    of the texts kept, in order.
    """
    renderer = renderer_of(ax.figure)
    axbox = ax.get_window_extent(renderer)
    taken = list(avoid)
    kept = []
    for t, candidates in texts:
        for x, y, angle in candidates:
            t.set_position((x, y))
            t.set_rotation(angle)
            box = t.get_window_extent(renderer)
            inside = (
                box.x0 >= axbox.x0
                and box.x1 <= axbox.x1
                and box.y0 >= axbox.y0
                and box.y1 <= axbox.y1
            )
            if inside and not _overlaps(box, taken):
                taken.append(box)
                kept.append(box)
                break
        else:
            t.remove()
    return kept
