"""Publication maps: dated control maps, change maps and timelapses (PNG, SVG, GIF).

One call gives a finished map: faction areas in the registry's colours over an offline
basemap, international borders, bold front lines, named places labelled by importance
without overlaps, title and "as of" date, a legend grouped by side, a scale bar true at
the map's centre latitude, a north arrow and an attribution line (control sources,
Natural Earth, GeoNames, basemap credits).

Projection: maps are drawn in lon/lat (plate carrée) with the axes' aspect set to
``1 / cos(centre latitude)``, so that a kilometre is as long east–west as north–south at
the centre of the map (locally conformal, like an equirectangular projection with its
standard parallel at the centre). Over a theatre a few hundred kilometres tall the scale
changes by a few per cent from top to bottom; the scale bar says at which latitude it holds.

Output is deterministic: SVG keeps text as text (``svg.fonttype: none``), uses a fixed hash
salt for element ids and writes no date, so two renders of the same input are
byte-identical.

Examples
--------
>>> from frontline.store import ControlHistory               # doctest: +SKIP
>>> history = ControlHistory.load("syria-iraq-2017")         # doctest: +SKIP
>>> ax = render_map(history, "2017-06-09")                   # doctest: +SKIP
>>> save_map(ax, "out/2017-06-09.png")                       # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
import logging
import math
import os
import shutil
import subprocess
import tempfile
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.dates import parse_date
from frontline.errors import InputError, OutputExistsError
from frontline.factions import UNKNOWN

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from frontline.control import ControlSnapshot
    from frontline.factions import FactionRegistry
    from frontline.theatre import Theatre

log = logging.getLogger(__name__)

BBox = tuple[float, float, float, float]

#: Size presets: (width px, height px, default dpi).
SIZES: dict[str, tuple[int, int, int]] = {
    "social": (1200, 675, 150),
    "a4": (3508, 2480, 300),  # A4 landscape, 297 × 210 mm at 300 dpi
    "a4-portrait": (2480, 3508, 300),
}
DEFAULT_DPI = 150
GEONAMES_ATTRIBUTION = "Places: GeoNames (geonames.org), CC BY 4.0"
FRONT_COLOUR = "#b00020"
#: Fill opacity of faction areas over the basemap.
AREA_ALPHA = 0.55
UNKNOWN_ALPHA = 0.25
#: Changes smaller than this (km²) are not drawn on change maps (slivers of redrawn borders).
MIN_CHANGE_KM2 = 2.0
#: Longest attribution text before sources are summarised.
MAX_SOURCES_CHARS = 240

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

    with mpl.rc_context(RC):
        yield


# -- inputs --------------------------------------------------------------------------------------
@dataclass
class _Inputs:
    snapshot: ControlSnapshot
    registry: FactionRegistry
    theatre: Theatre | None
    places: gpd.GeoDataFrame | None
    requested: _dt.date
    history: Any = None
    gazetteer: Any = None  # an object with reverse() (a Gazetteer), for diffs


def _load_registry(theatre: Theatre | None) -> FactionRegistry:
    from frontline.factions import FactionRegistry

    return FactionRegistry.load(theatre.data_dir if theatre is not None else None)


def _load_theatre(snapshot: ControlSnapshot) -> Theatre | None:
    if not snapshot.theatre:
        return None
    from frontline.errors import FrontlineError
    from frontline.theatre import Theatre

    try:
        return Theatre.load(snapshot.theatre)
    except FrontlineError:
        return None


def load_gazetteer(
    gazetteer: Any, theatre: Theatre | None = None
) -> tuple[Any, gpd.GeoDataFrame | None]:
    """The gazetteer object (or None) and its places as a GeoDataFrame (or None).

    Parameters
    ----------
    gazetteer : Gazetteer, GeoDataFrame, False or None
        A :class:`frontline.gazetteer.Gazetteer` (its ``to_geodataframe()``), a ready
        GeoDataFrame (id, name, kind, importance, population, alt_names, geometry),
        ``False`` for no places, or None to load the theatre's gazetteer (no places, with
        a log message, when it cannot be loaded).
    """
    if gazetteer is False:
        return None, None
    if gazetteer is None:
        try:
            from frontline.gazetteer import Gazetteer
        except ImportError:
            log.info("no gazetteer module: the map has no place names")
            return None
        from frontline.errors import FrontlineError

        try:
            gazetteer = _cached_gazetteer(Gazetteer, theatre)
        except (FrontlineError, OSError) as exc:
            log.info("gazetteer not loaded (%s): the map has no place names", exc)
            return None, None
    obj = (
        gazetteer
        if hasattr(gazetteer, "reverse") and hasattr(gazetteer, "to_geodataframe")
        else None
    )
    gdf = _places_cache(gazetteer) if obj is not None else gazetteer.copy()
    if "importance" not in gdf:
        gdf["importance"] = 1
    if "population" not in gdf:
        gdf["population"] = 0
    if "kind" not in gdf:
        gdf["kind"] = ""
    if "id" not in gdf:
        gdf["id"] = gdf["name"]
    gdf["importance"] = gdf["importance"].fillna(1).astype(int)
    gdf["population"] = gdf["population"].fillna(0).astype(float)
    return obj, gdf


_PLACES: dict[int, tuple[Any, Any]] = {}
_GAZETTEERS: dict[tuple, Any] = {}


def _cached_gazetteer(cls: Any, theatre: Theatre | None) -> Any:
    """``Gazetteer.load`` once per data directory, theatre and version of places.csv."""
    from frontline.theatre import resolve_data_dir

    root = theatre.data_dir if theatre is not None else resolve_data_dir()
    csv_path = Path(root) / "gazetteer" / "places.csv"
    stamp = csv_path.stat().st_mtime_ns if csv_path.exists() else 0
    key = (str(Path(root).resolve()), theatre.id if theatre is not None else None, stamp)
    if key not in _GAZETTEERS:
        _GAZETTEERS.clear()
        _GAZETTEERS[key] = cls.load(root, theatre)
    return _GAZETTEERS[key]


def _places_cache(gazetteer: Any) -> gpd.GeoDataFrame:
    """``gazetteer.to_geodataframe()``, computed once per gazetteer object (animations)."""
    hit = _PLACES.get(id(gazetteer))
    if hit is None or hit[0] is not gazetteer:
        _PLACES.clear()
        hit = _PLACES[id(gazetteer)] = (gazetteer, gazetteer.to_geodataframe())
    return hit[1].copy()


def _inputs(source: Any, date: Any, registry, gazetteer, theatre, labels: bool) -> _Inputs:
    from frontline.control import ControlSnapshot

    history = None
    if isinstance(source, ControlSnapshot):
        snapshot = source
        requested = parse_date(date) if date is not None else snapshot.date
    else:
        if date is None:
            dates = source.dates()
            if not dates:
                raise InputError("the history is empty: build or import snapshots first")
            date = dates[-1]
        requested = parse_date(date)
        history = source
        snapshot = source.at(requested)
        theatre = theatre or getattr(source, "theatre", None)
        registry = registry or getattr(source, "registry", None)
    theatre = theatre or _load_theatre(snapshot)
    registry = registry or _load_registry(theatre)
    obj, places = (
        load_gazetteer(gazetteer, theatre) if labels or gazetteer is not None else (None, None)
    )
    return _Inputs(snapshot, registry, theatre, places, requested, history, obj)


# -- figure layout -------------------------------------------------------------------------------
@dataclass
class _Frame:
    fig: Figure
    ax: Axes
    owned: bool
    width_in: float
    height_in: float
    scale: float  # font scale relative to the social preset
    panel: tuple[float, float, float, float] | None = None  # legend panel, figure fraction


def figure_size(size: str | tuple[float, float], dpi: float | None) -> tuple[float, float, float]:
    """Figure width and height in inches and the dpi for a size preset or ``(width_px, height_px)``.

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
        w, h = (float(v) for v in size)
    except (TypeError, ValueError):
        raise InputError(
            f"size must be a preset name or (width_px, height_px), not {size!r}"
        ) from None
    if w < 100 or h < 100:
        raise InputError(f"size {size!r} is too small: give pixels, at least 100 × 100")
    dpi = dpi or DEFAULT_DPI
    return w / dpi, h / dpi, dpi


def _frame(ax: Axes | None, size, dpi, legend: bool) -> _Frame:
    if ax is not None:
        fig = ax.figure
        w, h = fig.get_size_inches()
        pos = ax.get_position()
        return _Frame(
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
    return _Frame(fig, ax, True, w * rect[2], h * rect[3], scale, panel)


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


def _default_bbox(inputs: _Inputs, bbox: BBox | None) -> BBox:
    if bbox is not None:
        b = tuple(float(v) for v in bbox)
        if len(b) != 4 or not (b[0] < b[2] and b[1] < b[3]):
            raise InputError(
                f"bbox must be (minlon, minlat, maxlon, maxlat) with min < max, not {bbox!r}"
            )
        th = inputs.theatre
        if th is not None:
            e = th.extent
            if b[2] <= e[0] or b[0] >= e[2] or b[3] <= e[1] or b[1] >= e[3]:
                raise InputError(
                    f"bbox {list(b)} does not overlap theatre {th.id!r} (extent {list(e)}); "
                    "give a bbox inside the theatre"
                )
        return b  # type: ignore[return-value]
    th = inputs.theatre
    if th is not None:
        focus = (th.settings.get("map") or {}).get("focus_extent")
        return tuple(float(v) for v in (focus or th.extent))  # type: ignore[return-value]
    areas = inputs.snapshot.areas
    if len(areas):
        minx, miny, maxx, maxy = areas.total_bounds
        padx, pady = (maxx - minx) * 0.05, (maxy - miny) * 0.05
        return (minx - padx, miny - pady, maxx + padx, maxy + pady)
    raise InputError("nothing to map: give a bbox or a snapshot with areas")


# -- map content ---------------------------------------------------------------------------------
def _darker(colour: str, f: float = 0.7) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return (r * f, g * f, b * f)


def _draw_areas(
    ax: Axes, areas: gpd.GeoDataFrame, registry: FactionRegistry, alpha: float = AREA_ALPHA
) -> list[str]:
    """Faction fills, semi-transparent, with a thin darker outline. Returns factions drawn."""
    from frontline.basemap import add_lines, add_polygons

    drawn = []
    for faction, geom in zip(areas["faction"], areas.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        colour = registry.colour(faction)
        a = UNKNOWN_ALPHA if faction == UNKNOWN else alpha
        add_polygons(
            ax,
            geom,
            facecolor=colour,
            alpha=a,
            edgecolor="none",
            linewidth=0,
            zorder=3,
            gid=f"area-{faction}",
        )
        if faction != UNKNOWN:
            add_lines(ax, geom, colors=[_darker(colour)], linewidths=0.45, alpha=0.9, zorder=3.2)
        drawn.append(faction)
    return drawn


def front_lines_of(snapshot: ControlSnapshot, registry: FactionRegistry) -> gpd.GeoDataFrame:
    """Front lines of a snapshot: :func:`frontline.topology.front_lines` when present.

    Falls back to the shared boundaries between hostile factions' areas (a 0.01° snap).
    """
    try:
        from frontline.topology import front_lines

        return front_lines(snapshot, registry)
    except ImportError:
        pass
    import geopandas as gpd

    areas = snapshot.areas
    rows = []
    day = snapshot.date
    facs = list(areas["faction"])
    geoms = list(areas.geometry)
    for i in range(len(facs)):
        for j in range(i + 1, len(facs)):
            if UNKNOWN in (facs[i], facs[j]) or not registry.is_hostile(facs[i], facs[j], day):
                continue
            line = shapely.intersection(shapely.boundary(geoms[i]), shapely.buffer(geoms[j], 0.01))
            line = shapely.line_merge(shapely.union_all(shapely.get_parts(line)))
            if not line.is_empty and line.length > 0:
                rows.append((facs[i], facs[j], line))
    return gpd.GeoDataFrame(
        {"faction_a": [r[0] for r in rows], "faction_b": [r[1] for r in rows]},
        geometry=gpd.GeoSeries([r[2] for r in rows], crs="EPSG:4326"),
        crs="EPSG:4326",
    )


def _draw_front_lines(ax: Axes, lines: gpd.GeoDataFrame | None, scale: float) -> bool:
    from frontline.basemap import add_lines

    if lines is None or not len(lines):
        return False
    geoms = list(lines.geometry.values)
    add_lines(
        ax, geoms, colors="white", linewidths=3.8 * scale, alpha=0.85, zorder=6, capstyle="round"
    )
    add_lines(
        ax,
        geoms,
        colors=FRONT_COLOUR,
        linewidths=2.0 * scale,
        zorder=6.01,
        capstyle="round",
        gid="front-lines",
    )
    return True


def _place_requests(
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
    from frontline.labels import LabelRequest, arabic_name, shape_arabic

    if places is None or not len(places):
        return list(extra)
    minx, miny, maxx, maxy = bbox
    span = max(maxx - minx, maxy - miny)
    min_importance = 1 if span <= 4.5 else 2
    xs, ys = places.geometry.x.values, places.geometry.y.values
    curated = _curated_mask(places)
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


#: Place kinds labelled before ordinary places of the same rank (and in italics).
STRATEGIC_KINDS = ("border_crossing", "military_base", "airport", "airbase", "dam")


def plain_latin(name: str) -> str:
    """A Latin-script name without diacritics, as newsrooms print it ("Ḩamāh" → "Hamah").

    Examples
    --------
    >>> plain_latin("Ţarţūs"), plain_latin("Al Mawşil")
    ('Tartus', 'Al Mawsil')
    """
    import unicodedata

    from frontline.labels import contains_arabic

    if contains_arabic(name):
        return name
    decomposed = unicodedata.normalize("NFKD", name)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def _curated_mask(places: gpd.GeoDataFrame) -> np.ndarray:
    """Rows of the curated layer (the theatre's key places), labelled before bulk GeoNames rows.

    Uses a boolean ``curated`` column when the frame has one; otherwise bulk rows are the
    ones whose id starts with ``gn-`` (the gazetteer's GeoNames ids).
    """
    if "curated" in places:
        return places["curated"].fillna(False).astype(bool).values
    return ~places["id"].astype(str).str.startswith("gn-").values


def _draw_place_markers(
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


def _draw_country_labels(
    ax: Axes, labels: Sequence[tuple[str, float, float]], scale: float, avoid: Sequence[Any] = ()
) -> list[Any]:
    """Name each country at its first candidate point whose text overlaps nothing in *avoid*.

    *labels* holds ``(NAME, lon, lat)`` candidates, best first, a name repeating once per
    candidate (see :func:`frontline.basemap._country_label_points`); *avoid* holds display-space
    boxes (place labels, their markers, scale bar, legend). A country whose every candidate
    collides is left unnamed rather than printed over a place name.
    """
    import matplotlib.patheffects as pe

    from frontline.basemap import STYLE

    renderer = ax.figure.canvas.get_renderer() if avoid else None
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
            outside = box.x0 < axbox.x0 or box.x1 > axbox.x1 or box.y0 < axbox.y0 or box.y1 > axbox.y1
            if outside or any(box.overlaps(o) for o in taken):
                t.remove()
                continue
            taken.append(box)
        t.set_gid(f"country-{name.lower().replace(' ', '-')}")
        done.add(name)
        drawn.append(t)
    return drawn


def _draw_water_labels(ax: Axes, bbox: BBox, scale: float, aspect: float) -> None:
    import matplotlib.patheffects as pe

    from frontline.basemap import STYLE, water_labels

    for w in water_labels(bbox):
        ax.text(
            w.lon,
            w.lat,
            w.name,
            fontsize=6.2 * scale,
            color=STYLE["water_label"],
            style="italic",
            rotation=w.angle,
            rotation_mode="anchor",
            ha="center",
            va="center",
            zorder=2.6,
            clip_on=True,
            path_effects=[pe.withStroke(linewidth=1.8, foreground="white", alpha=0.7)],
        )


# -- furniture: scale bar, north arrow, title, legend, attribution -------------------------------
def km_per_degree_lon(lat: float) -> float:
    """Geodesic length of one degree of longitude at *lat* (WGS84), in km.

    Examples
    --------
    >>> round(km_per_degree_lon(0.0), 1), round(km_per_degree_lon(34.0), 1)
    (111.3, 92.4)
    """
    from frontline.geo import GEOD

    _, _, d = GEOD.inv(0.0, lat, 1.0, lat)
    return float(d) / 1000.0


def nice_length(km: float) -> float:
    """The largest 1-2-5 number not above *km* (>= 1 m).

    Examples
    --------
    >>> nice_length(137), nice_length(48), nice_length(0.7)
    (100.0, 40.0, 0.5)
    """
    km = max(float(km), 0.001)
    exp = 10 ** math.floor(math.log10(km))
    for m in (10, 5, 4, 2, 1):
        if m * exp <= km:
            return float(m * exp)
    return float(exp)


def draw_scale_bar(ax: Axes, bbox: BBox, scale: float = 1.0, fraction: float = 0.2) -> Any:
    """A scale bar (alternating segments) in the lower-left corner, true at the centre latitude.

    Returns the label Text (gid ``scalebar-label``), e.g. "100 km".
    """
    from matplotlib.patches import FancyBboxPatch, Rectangle

    minx, miny, maxx, maxy = bbox
    lat0 = (miny + maxy) / 2
    kpd = km_per_degree_lon(lat0)
    length = nice_length((maxx - minx) * fraction * kpd)
    deg = length / kpd
    x0 = minx + (maxx - minx) * 0.03
    y0 = miny + (maxy - miny) * 0.06
    h = (maxy - miny) * 0.012
    nseg = 4 if length / 4 == int(length / 4) or length < 4 else 2
    bg = FancyBboxPatch(
        (x0 - deg * 0.06, y0 - h * 3.6),
        deg * 1.12 + (maxx - minx) * 0.025,
        h * 7.8,
        boxstyle="round,pad=0,rounding_size=0.02",
        facecolor="white",
        edgecolor="none",
        alpha=0.75,
        zorder=10,
    )
    bg.set_gid("scalebar-background")
    ax.add_patch(bg)
    for i in range(nseg):
        ax.add_patch(
            Rectangle(
                (x0 + deg * i / nseg, y0),
                deg / nseg,
                h,
                facecolor="#1a1a1a" if i % 2 == 0 else "white",
                edgecolor="#1a1a1a",
                linewidth=0.6,
                zorder=11,
            )
        )
    fs = 6.0 * scale
    ax.text(x0, y0 + h * 1.6, "0", fontsize=fs, ha="center", va="bottom", zorder=11)
    ax.text(
        x0 + deg / 2,
        y0 + h * 1.6,
        f"{length / 2:g}",
        fontsize=fs,
        ha="center",
        va="bottom",
        zorder=11,
    )
    label = ax.text(
        x0 + deg, y0 + h * 1.6, f"{length:g} km", fontsize=fs, ha="left", va="bottom", zorder=11
    )
    label.set_gid("scalebar-label")
    note = ax.text(
        x0,
        y0 - h * 0.8,
        f"scale true at {abs(lat0):.1f}°{'N' if lat0 >= 0 else 'S'}",
        fontsize=fs * 0.8,
        color="#555555",
        ha="left",
        va="top",
        zorder=11,
    )
    note.set_gid("scalebar-note")
    # the white background fits what was drawn: bar, numbers and note
    from matplotlib.transforms import Bbox

    renderer = ax.figure.canvas.get_renderer()
    bar = Bbox.from_extents(
        *ax.transData.transform((x0, y0)), *ax.transData.transform((x0 + deg, y0 + h))
    )
    boxes = [bar] + [t.get_window_extent(renderer) for t in (label, note)]
    zero = ax.transData.transform((x0, y0))
    disp = Bbox.union(boxes).expanded(1.0, 1.0)
    pad = 5 * scale * ax.figure.dpi / 72
    disp = Bbox.from_extents(
        min(disp.x0, zero[0] - pad) - pad, disp.y0 - pad, disp.x1 + pad, disp.y1 + pad
    )
    (bx0, by0), (bx1, by1) = ax.transData.inverted().transform(disp.get_points())
    bg.set_bounds(bx0, by0, bx1 - bx0, by1 - by0)
    return label


def draw_north_arrow(ax: Axes, bbox: BBox, scale: float = 1.0) -> Any:
    """A north arrow in the upper-left corner (north is up in lon/lat). Returns the "N" Text."""
    from matplotlib.patches import Polygon

    minx, miny, maxx, maxy = bbox
    lat0 = (miny + maxy) / 2
    aspect = 1.0 / math.cos(math.radians(lat0))
    h = (maxy - miny) * 0.07 * scale
    w = h * aspect * 0.45
    cx = minx + (maxx - minx) * 0.035
    top = maxy - (maxy - miny) * 0.05
    base = top - h
    left = Polygon(
        [(cx, top), (cx - w / 2, base), (cx, base + h * 0.28)],
        closed=True,
        facecolor="#1a1a1a",
        edgecolor="#1a1a1a",
        linewidth=0.6,
        zorder=11,
    )
    right = Polygon(
        [(cx, top), (cx + w / 2, base), (cx, base + h * 0.28)],
        closed=True,
        facecolor="white",
        edgecolor="#1a1a1a",
        linewidth=0.6,
        zorder=11,
    )
    left.set_gid("north-arrow")
    right.set_gid("north-arrow-right")
    ax.add_patch(left)
    ax.add_patch(right)
    import matplotlib.patheffects as pe

    n = ax.text(
        cx,
        base - h * 0.08,
        "N",
        fontsize=7.5 * scale,
        fontweight="bold",
        ha="center",
        va="top",
        zorder=11,
        path_effects=[pe.withStroke(linewidth=2, foreground="white")],
    )
    n.set_gid("north-arrow-label")
    return n


def format_date(day: _dt.date) -> str:
    """Newsroom date: "9 June 2017"."""
    return f"{day.day} {day.strftime('%B')} {day.year}"


def _period_text(a: _dt.date, b: _dt.date) -> str:
    if a.year == b.year and a.month == b.month:
        return f"{a.day}–{format_date(b)}"
    if a.year == b.year:
        return f"{a.day} {a.strftime('%B')} – {format_date(b)}"
    return f"{format_date(a)} – {format_date(b)}"


def _draw_titles(frame: _Frame, title: str, subtitle: str) -> tuple[Any, Any]:
    ax, fig = frame.ax, frame.fig
    pos = ax.get_position()
    s = frame.scale
    if frame.owned:
        h = fig.get_size_inches()[1]
        t = fig.text(
            pos.x0,
            1 - 0.1 * s / h,
            title,
            fontsize=13 * s,
            fontweight="bold",
            ha="left",
            va="top",
            color="#111111",
        )
        st = fig.text(
            pos.x0, 1 - 0.38 * s / h, subtitle, fontsize=9 * s, ha="left", va="top", color="#333333"
        )
    else:
        t = ax.text(
            0.0,
            1.06,
            title,
            transform=ax.transAxes,
            fontsize=11 * s,
            fontweight="bold",
            ha="left",
            va="bottom",
        )
        st = ax.text(
            0.0,
            1.01,
            subtitle,
            transform=ax.transAxes,
            fontsize=8 * s,
            ha="left",
            va="bottom",
            color="#333333",
        )
    t.set_gid("title")
    st.set_gid("subtitle")
    return t, st


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


@dataclass
class LegendItem:
    """One legend row: a handle (patch/line) and its label; headers have no handle."""

    label: str
    handle: Any = None
    header: bool = False


def legend_items(
    factions: Sequence[str],
    registry: FactionRegistry,
    extra: Sequence[LegendItem] = (),
    width: int = 30,
) -> list[LegendItem]:
    """Legend rows grouped by side: a bold side header, then its factions on the map."""
    from matplotlib.patches import Patch

    present = set(factions)
    items: list[LegendItem] = []
    side_order = list(registry.sides) + sorted({f.side for f in registry} - set(registry.sides))
    for side in side_order:
        members = [f for f in registry if f.side == side and f.id in present]
        if not members:
            continue
        side_name = registry.sides.get(side, side)
        if len(members) == 1:  # a side with one faction on the map: no header needed
            f = members[0]
            items.append(
                LegendItem(
                    _wrap(f.name, width),
                    Patch(
                        facecolor=f.colour,
                        alpha=AREA_ALPHA,
                        edgecolor=_darker(f.colour),
                        linewidth=0.5,
                    ),
                )
            )
            continue
        items.append(LegendItem(_wrap(side_name, width), header=True))
        for f in members:
            items.append(
                LegendItem(
                    _wrap(f.name, width),
                    Patch(
                        facecolor=f.colour,
                        alpha=AREA_ALPHA,
                        edgecolor=_darker(f.colour),
                        linewidth=0.5,
                    ),
                )
            )
    if UNKNOWN in present:
        items.append(
            LegendItem(
                "Unknown / uncontrolled",
                Patch(
                    facecolor=registry.colour(UNKNOWN),
                    alpha=UNKNOWN_ALPHA * 2,
                    edgecolor="#999999",
                    linewidth=0.5,
                ),
            )
        )
    else:  # ground no area covers is not "nobody's": say what blank means
        from frontline.basemap import STYLE

        items.append(
            LegendItem(
                "No reported control",
                Patch(facecolor=STYLE["land"], edgecolor="#999999", linewidth=0.5),
            )
        )
    items.extend(extra)
    return items


def _draw_legend(frame: _Frame, items: Sequence[LegendItem]) -> Any:
    """The legend, in the side panel (own figure) or inside the map; shrunk until it fits."""
    from matplotlib.patches import Patch

    handles = [it.handle if it.handle is not None else Patch(visible=False) for it in items]
    labels = [it.label for it in items]
    s = frame.scale
    renderer = frame.fig.canvas.get_renderer()
    leg = None
    for shrink in (1.0, 0.9, 0.8, 0.7, 0.62, 0.55):
        if leg is not None:
            leg.remove()
        f = s * shrink
        kw = dict(
            fontsize=6.2 * f,
            handlelength=1.6,
            handleheight=1.0,
            labelspacing=0.45,
            borderaxespad=0.0,
            frameon=False,
            alignment="left",
            title_fontproperties={"weight": "bold", "size": 7.2 * f},
        )
        if frame.owned and frame.panel is not None:
            x0, y0, w, h = frame.panel
            leg = frame.fig.legend(
                handles,
                labels,
                loc="upper left",
                bbox_to_anchor=(x0, y0 + h),
                title="Who holds the ground",
                **kw,
            )
            room = h * frame.fig.bbox.height
        else:
            kw["frameon"] = True
            leg = frame.ax.legend(
                handles, labels, loc="upper right", title="Who holds the ground", **kw
            )
            leg.get_frame().set_alpha(0.85)
            leg.set_zorder(12)
            room = 0.9 * frame.ax.bbox.height
        for it, text in zip(items, leg.get_texts(), strict=True):
            if it.header:
                text.set_fontweight("bold")
                text.set_fontsize(6.0 * f)
                text.set_color("#333333")
        if leg.get_window_extent(renderer).height <= room:
            break
    leg.set_gid("legend")
    return leg


def _sources_of(*snapshots: ControlSnapshot) -> list[str]:
    seen: dict[str, int] = {}
    for snap in snapshots:
        for srcs in snap.areas.get("sources", []):
            for s in srcs if isinstance(srcs, list | tuple | np.ndarray) else [srcs]:
                if s and str(s).strip():
                    seen[str(s).strip()] = seen.get(str(s).strip(), 0) + 1
    return sorted(seen, key=lambda s: (-seen[s], s))


def attribution_text(sources: Sequence[str], basemap_credits: Sequence[str], places: bool) -> str:
    """The attribution line: control sources (summarised when long) and data credits."""
    parts = []
    if sources:
        shown, n = [], 0
        for s in sources:
            if n + len(s) > MAX_SOURCES_CHARS and shown:
                break
            shown.append(s)
            n += len(s) + 2
        more = len(sources) - len(shown)
        text = "; ".join(shown)
        if more:
            text += f"; and {more} more (see the snapshot's sources)"
        parts.append(f"Control: {text}.")
    credits = list(dict.fromkeys(basemap_credits))
    if places:
        try:  # the gazetteer's own credit line
            from frontline.gazetteer import GEONAMES_ATTRIBUTION as credit
        except ImportError:  # pragma: no cover
            credit = GEONAMES_ATTRIBUTION
        credits.append(credit)
    parts.append(". ".join(credits) + ". Map: frontline.")
    return " ".join(parts)


#: Height of an attribution line as a multiple of its font size (matplotlib's 1.2 spacing + descent).
ATTRIBUTION_LINE_HEIGHT = 1.3


def attribution_lines(text: str, width_in: float, fontsize: float) -> list[str]:
    """The attribution wrapped to lines that fit *width_in* inches at *fontsize* points."""
    return textwrap.wrap(text, max(20, int(width_in * 72 / (fontsize * 0.55))))


def _draw_attribution(frame: _Frame, text: str) -> Any:
    s = frame.scale
    fs = 5.2 * s
    if frame.owned:
        fig = frame.fig
        w, h = fig.get_size_inches()
        bottom = 0.04 * s
        # the band under the map: the text shrinks (to 70 %) until it fits, never covering the map
        room_pt = (frame.ax.get_position().y0 * h - bottom - 0.02 * s) * 72
        lines = attribution_lines(text, w, fs)
        while len(lines) * fs * ATTRIBUTION_LINE_HEIGHT > room_pt and fs > 0.7 * 5.2 * s:
            fs *= 0.93
            lines = attribution_lines(text, w, fs)
        fit = max(1, int(room_pt // (fs * ATTRIBUTION_LINE_HEIGHT)))
        if len(lines) > fit:
            lines = lines[: fit - 1] + [textwrap.shorten(" ".join(lines[fit - 1 :]), len(lines[fit - 1]), placeholder=" …")]
        wrapped = "\n".join(lines)
        t = fig.text(
            frame.ax.get_position().x0,
            bottom / h,
            wrapped,
            fontsize=fs,
            color="#555555",
            ha="left",
            va="bottom",
        )
    else:
        width_in = frame.width_in
        chars = int(width_in * 72 / (fs * 0.55))
        wrapped = "\n".join(textwrap.wrap(text, chars)[:3])
        t = frame.ax.text(
            0.005,
            0.005,
            wrapped,
            transform=frame.ax.transAxes,
            fontsize=fs,
            color="#444444",
            ha="left",
            va="bottom",
            zorder=12,
            bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1},
        )
    t.set_gid("attribution")
    return t


# -- the maps --------------------------------------------------------------------------------------
@dataclass
class _MapContext:
    frame: _Frame
    bbox: BBox
    aspect: float
    core: BBox | None = None
    attribution: list[str] = field(default_factory=list)
    country_labels: list = field(default_factory=list)


def _start_map(inputs: _Inputs, ax, size, dpi, bbox, basemap, legend: bool) -> _MapContext:
    from frontline.basemap import draw_basemap

    frame = _frame(ax, size, dpi, legend)
    core = _default_bbox(inputs, bbox)
    box, aspect = fit_bbox(core, frame.width_in, frame.height_in)
    a = frame.ax
    a.set_xlim(box[0], box[2])
    a.set_ylim(box[1], box[3])
    a.set_aspect(aspect, adjustable="box")
    a.set_xticks([])
    a.set_yticks([])
    for spine in a.spines.values():
        spine.set_linewidth(0.6)
        spine.set_color("#666666")
    bm = draw_basemap(a, box, basemap, inputs.theatre)
    a.set_xlim(box[0], box[2])
    a.set_ylim(box[1], box[3])
    return _MapContext(frame, box, aspect, core, bm.attribution, bm.country_labels)


def _finish_map(
    ctx: _MapContext,
    inputs: _Inputs,
    title: str,
    subtitle: str,
    factions: Sequence[str],
    extra_legend,
    sources,
    labels: bool,
    arabic: bool,
    extra_labels=(),
    reserved_boxes=(),
    legend: bool = True,
) -> None:
    from frontline.basemap import draw_borders

    frame, box = ctx.frame, ctx.bbox
    ax = frame.ax
    s = frame.scale
    draw_borders(ax, box, zorder=5, scale=s)
    ax.set_xlabel("")
    ax.set_ylabel("")
    _draw_water_labels(ax, box, s, ctx.aspect)
    _draw_titles(frame, title, subtitle)
    leg = (
        _draw_legend(frame, legend_items(factions, inputs.registry, extra_legend))
        if legend
        else None
    )
    sb = draw_scale_bar(ax, box, s)
    na = draw_north_arrow(ax, box, s)
    has_places = inputs.places is not None and len(inputs.places) > 0
    _draw_attribution(frame, attribution_text(sources, ctx.attribution, has_places and labels))
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    if labels or extra_labels:
        from matplotlib.transforms import Bbox

        from frontline.labels import check_arabic_font, place_labels

        if arabic and labels:
            arabic = check_arabic_font()
        renderer = frame.fig.canvas.get_renderer()
        reserved = [a.get_window_extent(renderer) for a in (sb, na)] + list(reserved_boxes)
        for gid in ("scalebar-background", "north-arrow", "north-arrow-right"):
            reserved += [p.get_window_extent(renderer) for p in ax.patches if p.get_gid() == gid]
        if leg is not None and not frame.owned:
            reserved.append(leg.get_window_extent(renderer))
        reqs = _place_requests(
            inputs.places if labels else None, box, arabic, s, extra_labels, ctx.core
        )
        max_labels = int(frame.width_in * frame.height_in * 2.6)
        kept = place_labels(
            ax, reqs, reserved, max_labels=max_labels, marker_px=2.2 * s * frame.fig.dpi / 72
        )
        _draw_place_markers(ax, kept, reqs, s)
        # country names last, off the place names and their dots
        r = 2.2 * s * frame.fig.dpi / 72
        avoid = list(reserved) + [t.get_window_extent(renderer) for t in kept]
        for t in kept:
            px, py = ax.transData.transform(t.xy)
            avoid.append(Bbox.from_extents(px - r, py - r, px + r, py + r))
        _draw_country_labels(ax, ctx.country_labels, s, avoid)
    else:
        _draw_country_labels(ax, ctx.country_labels, s, [])


def render_map(
    history_or_snapshot: Any,
    date: _dt.date | str | None = None,
    *,
    registry: FactionRegistry | None = None,
    gazetteer: Any = None,
    theatre: Theatre | None = None,
    bbox: BBox | None = None,
    ax: Axes | None = None,
    basemap: str | os.PathLike[str] = "relief",
    size: str | tuple[float, float] = "social",
    dpi: float | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    labels: bool = True,
    arabic: bool = False,
    front_lines: bool | gpd.GeoDataFrame = True,
    legend: bool = True,
    date_stamp: bool = False,
) -> Axes:
    """Render the control map of one date.

    Parameters
    ----------
    history_or_snapshot : ControlHistory or ControlSnapshot
        A history (the snapshot in force on *date* is drawn) or one snapshot.
    date : date or str, optional
        The "as of" date (default: the snapshot's date, or the history's last date).
    registry : FactionRegistry, optional
        Colours, names and sides (default: the history's, or the data directory's).
    gazetteer : Gazetteer or GeoDataFrame or False, optional
        Places to label (default: the theatre's gazetteer when available; False: none).
    theatre : Theatre, optional
        Default extent and title (default: the history's or the snapshot's).
    bbox : (minlon, minlat, maxlon, maxlat), optional
        Map extent; grown to fill the figure (default: the theatre's ``map.focus_extent``).
    ax : matplotlib Axes, optional
        Draw into these axes (the legend then sits inside the map); otherwise a new figure.
    basemap : str or path, default "relief"
        ``"relief"``, ``"vector"``, ``"none"``, an xyzservices provider name (falls back to
        ``"vector"`` offline, with a warning) or a georeferenced raster file.
    size : "social", "a4", "a4-portrait" or (width_px, height_px), default "social"
        Figure size (social: 1200×675 px at 150 dpi).
    dpi : float, optional
        Resolution (default: the preset's).
    title, subtitle : str, optional
        Default: the theatre's ``map.title`` (or name) and "Territorial control as of <date>".
    labels : bool, default True
        Label named places (most important first, never overlapping).
    arabic : bool, default False
        Label places with their Arabic-script names (shaped and in visual order).
    front_lines : bool or GeoDataFrame, default True
        Draw the front lines between hostile factions (computed with
        :func:`frontline.topology.front_lines`, or these lines when a GeoDataFrame is given).
    legend : bool, default True
    date_stamp : bool, default False
        Also print the date large in the map's upper-right corner (timelapse frames).

    Returns
    -------
    matplotlib.axes.Axes
        The map axes; ``ax.figure`` is the figure to save with :func:`save_map`.
    """
    inputs = _inputs(history_or_snapshot, date, registry, gazetteer, theatre, labels)
    snap = inputs.snapshot
    with map_style():
        ctx = _start_map(inputs, ax, size, dpi, bbox, basemap, legend)
        a = ctx.frame.ax
        shown = _display_snapshot(snap, ctx)
        factions = _draw_areas(a, shown.areas, inputs.registry)
        extra = []
        if front_lines is not False and front_lines is not None:
            lines = (
                front_lines
                if not isinstance(front_lines, bool)
                else front_lines_of(shown, inputs.registry)
            )
            if _draw_front_lines(a, lines, ctx.frame.scale):
                extra.append(_front_line_item(ctx.frame.scale))
        extra.append(_border_item())
        asof = format_date(inputs.requested)
        sub = subtitle or f"Territorial control as of {asof}" + (
            f" (latest report: {format_date(snap.date)})" if snap.date != inputs.requested else ""
        )
        stamp = [_draw_date_stamp(ctx, inputs.requested)] if date_stamp else []
        _finish_map(
            ctx,
            inputs,
            title or _default_title(inputs),
            sub,
            factions,
            extra,
            _sources_of(snap),
            labels,
            arabic,
            legend=legend,
            reserved_boxes=stamp,
        )
    return a


def _draw_date_stamp(ctx: _MapContext, day: _dt.date) -> Any:
    """The date, large, in the map's upper-right corner; returns its display box."""
    import matplotlib.patheffects as pe

    ax = ctx.frame.ax
    t = ax.text(
        0.985,
        0.975,
        format_date(day),
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=15 * ctx.frame.scale,
        fontweight="bold",
        color="#111111",
        zorder=12,
        path_effects=[pe.withStroke(linewidth=3, foreground="white", alpha=0.9)],
    )
    t.set_gid("date-stamp")
    return t.get_window_extent(ctx.frame.fig.canvas.get_renderer()).padded(4)


def _default_title(inputs: _Inputs) -> str:
    th = inputs.theatre
    if th is not None:
        return str((th.settings.get("map") or {}).get("title") or th.name)
    return "Territorial control"


def _clip_areas(
    areas: gpd.GeoDataFrame, bbox: BBox, pad: float = 0.3, tolerance: float = 0.0
) -> gpd.GeoDataFrame:
    """Areas cut to (a little more than) the map, simplified to the display's resolution.

    Simplification is topological (:func:`shapely.coverage_simplify`): edges shared by two
    factions stay shared, so no slivers or gaps appear between neighbours.
    """
    box = shapely.box(bbox[0] - pad, bbox[1] - pad, bbox[2] + pad, bbox[3] + pad)
    out = areas.copy()
    geoms = shapely.intersection(areas.geometry.values, box)
    if tolerance > 0 and len(geoms):
        try:
            simple = shapely.coverage_simplify(geoms, tolerance)
            if np.all(shapely.is_valid(simple)):
                geoms = simple
        except (AttributeError, shapely.errors.GEOSException):  # older GEOS, or not a coverage
            pass
    out["geometry"] = geoms
    return out[~out.geometry.is_empty]


def _display_snapshot(snap: ControlSnapshot, ctx: _MapContext) -> ControlSnapshot:
    """The snapshot as drawn: clipped to the map and simplified to half a pixel."""
    from frontline.control import ControlSnapshot

    deg_per_px = (ctx.bbox[2] - ctx.bbox[0]) / (ctx.frame.width_in * ctx.frame.fig.dpi)
    areas = _clip_areas(snap.areas, ctx.bbox, tolerance=0.5 * deg_per_px)
    return ControlSnapshot(snap.date, areas.reset_index(drop=True), snap.theatre)


def _front_line_item(scale: float) -> LegendItem:
    from matplotlib.lines import Line2D

    return LegendItem("Front line", Line2D([], [], color=FRONT_COLOUR, linewidth=2.0 * scale))


def _border_item() -> LegendItem:
    from matplotlib.lines import Line2D

    from frontline.basemap import STYLE

    return LegendItem(
        "International border",
        Line2D([], [], color=STYLE["border"], linewidth=0.9, linestyle=(0, (6, 1.5, 1.5, 1.5))),
    )


# -- change maps -----------------------------------------------------------------------------------
@dataclass
class _Changes:
    changes: gpd.GeoDataFrame
    places_changed: Any
    link_ups: Any
    front_lines_b: Any


def _fallback_changes(a: ControlSnapshot, b: ControlSnapshot, places) -> _Changes:
    import geopandas as gpd
    import pandas as pd

    from frontline.geo import geodesic_area_km2

    ga = a.areas[["faction", "geometry"]]
    gb = b.areas[["faction", "geometry"]]
    rows = []
    if len(ga) and len(gb):
        ov = gpd.overlay(ga, gb, how="intersection", keep_geom_type=True)
        ov = ov[ov["faction_1"] != ov["faction_2"]]
        rows += [
            (f1, f2, g)
            for f1, f2, g in zip(ov["faction_1"], ov["faction_2"], ov.geometry, strict=True)
        ]
    ua, ub = shapely.union_all(ga.geometry.values), shapely.union_all(gb.geometry.values)
    for f, g in zip(gb["faction"], gb.geometry, strict=True):
        rows.append((UNKNOWN, f, shapely.difference(g, ua)))
    for f, g in zip(ga["faction"], ga.geometry, strict=True):
        rows.append((f, UNKNOWN, shapely.difference(g, ub)))
    rows = [r for r in rows if r[0] != r[1] and not r[2].is_empty]
    geoms = [r[2] for r in rows]
    changes = gpd.GeoDataFrame(
        {
            "from_faction": [r[0] for r in rows],
            "to_faction": [r[1] for r in rows],
            "area_km2": geodesic_area_km2(geoms) if geoms else [],
        },
        geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"),
        crs="EPSG:4326",
    )
    pc = pd.DataFrame(columns=["name", "from_faction", "to_faction", "geometry"])
    if places is not None and len(places):
        fa = a.faction_at(places.geometry.x.values, places.geometry.y.values)
        fb = b.faction_at(places.geometry.x.values, places.geometry.y.values)
        mask = np.asarray(fa) != np.asarray(fb)
        pc = gpd.GeoDataFrame(
            {
                "name": places["name"].values[mask],
                "from_faction": np.asarray(fa)[mask],
                "to_faction": np.asarray(fb)[mask],
            },
            geometry=places.geometry.values[mask],
            crs="EPSG:4326",
        )
    return _Changes(changes, pc, None, None)


def _diff(a: ControlSnapshot, b: ControlSnapshot, inputs: _Inputs) -> _Changes:
    try:
        from frontline.diff import diff
    except ImportError:
        return _fallback_changes(a, b, inputs.places)
    cs = diff(a, b, registry=inputs.registry, gazetteer=inputs.gazetteer, theatre=inputs.theatre)
    places_changed = getattr(cs, "places_changed", None)
    if inputs.gazetteer is None and inputs.places is not None:
        places_changed = _fallback_changes(a, b, inputs.places).places_changed
    return _Changes(
        cs.changes,
        places_changed,
        getattr(cs, "link_ups", None),
        getattr(cs, "front_lines_b", None),
    )


def _records(frame: Any) -> list[dict]:
    if frame is None:
        return []
    if hasattr(frame, "to_dict"):
        return frame.to_dict("records")
    return [dict(getattr(x, "__dict__", x)) for x in frame]


def render_change(
    history: Any,
    date_a: _dt.date | str,
    date_b: _dt.date | str,
    *,
    registry: FactionRegistry | None = None,
    gazetteer: Any = None,
    theatre: Theatre | None = None,
    bbox: BBox | None = None,
    ax: Axes | None = None,
    basemap: str | os.PathLike[str] = "relief",
    size: str | tuple[float, float] = "social",
    dpi: float | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    labels: bool = True,
    arabic: bool = False,
    min_change_km2: float = MIN_CHANGE_KM2,
    changes: Any = None,
) -> Axes:
    """Render what changed between two dates over the map of the later date.

    Ground gained is hatched in the gainer's colour, ground lost is outlined in the loser's
    colour, places that changed hands are marked (diamond in the new holder's colour) and
    labelled, link-ups are marked and annotated with the diff's words.

    Parameters
    ----------
    history : ControlHistory
        Or a pair ``(snapshot_a, snapshot_b)``.
    date_a, date_b : date or str
        The two "as of" dates.
    min_change_km2 : float, default 2.0
        Changes smaller than this are not drawn (slivers of redrawn outlines).
    changes : ChangeSet, optional
        A diff already computed (:func:`frontline.diff.diff` of the two snapshots), so a
        caller that also writes the diff's report does not compute it twice. Anything with
        ``changes``, ``places_changed``, ``link_ups`` and ``front_lines_b`` works.

    Other parameters are as in :func:`render_map`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    day_a, day_b = parse_date(date_a), parse_date(date_b)
    if day_b <= day_a:
        raise InputError(f"the second date ({day_b}) must be after the first ({day_a})")
    if isinstance(history, tuple):
        snap_a, snap_b = history
        inputs = _inputs(snap_b, day_b, registry, gazetteer, theatre, labels)
    else:
        inputs = _inputs(history, day_b, registry, gazetteer, theatre, labels)
        snap_a = history.at(day_a)
    snap_b = inputs.snapshot
    reg = inputs.registry
    if changes is not None:
        ch = _Changes(
            changes.changes,
            getattr(changes, "places_changed", None),
            getattr(changes, "link_ups", None),
            getattr(changes, "front_lines_b", None),
        )
    else:
        ch = _diff(snap_a, snap_b, inputs)
    with map_style():
        ctx = _start_map(inputs, ax, size, dpi, bbox, basemap, True)
        a = ctx.frame.ax
        s = ctx.frame.scale
        factions = _draw_areas(a, _display_snapshot(snap_b, ctx).areas, reg, alpha=0.42)
        changes = ch.changes
        if changes is not None and len(changes):
            changes = changes[changes["area_km2"] >= min_change_km2]
        gained_any = lost_any = False
        from frontline.basemap import add_lines, add_polygons

        for i, row in enumerate(_records(changes)):
            g = row["geometry"]
            if row["to_faction"] != UNKNOWN:
                col = reg.colour(row["to_faction"])
                add_polygons(
                    a,
                    g,
                    facecolor=(*_rgb(col), 0.35),
                    edgecolor=_darker(col, 0.8),
                    hatch="/////",
                    linewidth=0,
                    zorder=3.6,
                    gid=f"gained-{i}",
                )
                gained_any = True
            if row["from_faction"] != UNKNOWN:
                col = reg.colour(row["from_faction"])
                add_lines(
                    a,
                    g,
                    colors=[_darker(col, 0.75)],
                    linewidths=1.1 * s,
                    linestyles=[(0, (3, 1.5))],
                    zorder=3.8,
                    gid=f"lost-{i}",
                )
                lost_any = True
        extra: list[LegendItem] = []
        lines = ch.front_lines_b if ch.front_lines_b is not None else front_lines_of(snap_b, reg)
        if _draw_front_lines(a, lines, s):
            extra.append(_front_line_item(s))
        extra.append(_border_item())
        if gained_any:
            extra.append(
                LegendItem(
                    "Ground gained (hatched)",
                    Patch(
                        facecolor=(0.5, 0.5, 0.5, 0.3),
                        edgecolor="#555555",
                        hatch="/////",
                        linewidth=0,
                    ),
                )
            )
        if lost_any:
            extra.append(
                LegendItem(
                    "Ground lost (dashed outline)",
                    Patch(facecolor="none", edgecolor="#555555", linestyle="--", linewidth=1.0),
                )
            )
        # places that changed hands
        from frontline.labels import LabelRequest

        label_reqs = []
        pcs = _records(ch.places_changed)
        minx, miny, maxx, maxy = ctx.bbox
        for i, p in enumerate(pcs):
            g = p.get("geometry")
            if g is None or not (minx <= g.x <= maxx and miny <= g.y <= maxy):
                continue
            to = reg.get(p["to_faction"])
            a.plot(
                [g.x],
                [g.y],
                marker="D",
                markersize=5.5 * s,
                markerfacecolor=to.colour,
                markeredgecolor="#111111",
                markeredgewidth=0.9,
                linestyle="none",
                zorder=8.5,
                gid=f"changed-{i}",
            )
            label_reqs.append(
                LabelRequest(
                    f"{p.get('name', '')} ({to.label})",
                    g.x,
                    g.y,
                    priority=1e12 - i,
                    fontsize=6.6 * s,
                    weight="bold",
                    key=f"_changed-{i}",
                    check_point=False,
                )
            )
        if label_reqs:
            extra.append(
                LegendItem(
                    "Place changed hands",
                    Line2D(
                        [],
                        [],
                        marker="D",
                        linestyle="none",
                        markerfacecolor="#bbbbbb",
                        markeredgecolor="#111111",
                        markersize=5,
                    ),
                )
            )
        marked, _callouts, reserved = _draw_link_ups(a, _records(ch.link_ups), ctx.bbox, s)
        if marked:
            extra.append(
                LegendItem(
                    "Link-up of allied forces",
                    Line2D(
                        [],
                        [],
                        marker="o",
                        linestyle="none",
                        markerfacecolor="none",
                        markeredgecolor="#111111",
                        markeredgewidth=1.8,
                        markersize=8,
                    ),
                )
            )
        sub = (
            subtitle
            or f"What changed, {_period_text(snap_a.date if snap_a.date > day_a else day_a, day_b)}"
        )
        _finish_map(
            ctx,
            inputs,
            title or _default_title(inputs),
            sub,
            sorted(set(factions)),
            extra,
            _sources_of(snap_a, snap_b),
            labels,
            arabic,
            extra_labels=label_reqs,
            reserved_boxes=reserved,
        )
    return a


def _rgb(colour: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb(colour)


#: Link-ups annotated with their words (the others get only a ring marker).
MAX_LINK_UP_CALLOUTS = 4


def _draw_link_ups(
    ax: Axes, link_ups: Sequence[dict], bbox: BBox, scale: float
) -> tuple[int, list[Any], list[Any]]:
    """Ring markers, and the diff's words in callouts that overlap neither each other nor the map edge."""
    minx, miny, maxx, maxy = bbox
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    renderer = ax.figure.canvas.get_renderer()
    axbox = ax.get_window_extent(renderer)
    taken: list[Any] = []
    out = []
    marked = 0
    for i, lu in enumerate(link_ups):
        g = lu.get("geometry")
        if g is None or g.is_empty:
            continue
        pt = g if g.geom_type == "Point" else g.centroid
        if not (minx <= pt.x <= maxx and miny <= pt.y <= maxy):
            continue
        ax.plot(
            [pt.x],
            [pt.y],
            marker="o",
            markersize=13 * scale,
            markerfacecolor="none",
            markeredgecolor="#111111",
            markeredgewidth=2.0 * scale,
            zorder=9.5,
            linestyle="none",
            gid=f"link-up-{i}",
        )
        marked += 1
        px, py = ax.transData.transform((pt.x, pt.y))
        rad = 6.5 * scale * ax.figure.dpi / 72
        from matplotlib.transforms import Bbox

        taken.append(Bbox.from_extents(px - rad, py - rad, px + rad, py + rad))
        if len(out) >= MAX_LINK_UP_CALLOUTS:
            continue
        text = _wrap(str(lu.get("text") or lu.get("kind", "link-up")), 32)
        toward_x = 1 if pt.x < cx else -1
        toward_y = 1 if pt.y < cy else -1
        candidates = [
            (toward_x * dx, toward_y * dy)
            for dx, dy in ((40, 28), (70, 10), (40, 70), (100, 45), (20, 110))
        ]
        candidates += [(-x, y) for x, y in candidates] + [(x, -y) for x, y in candidates]
        for dx, dy in candidates:
            ann = ax.annotate(
                text,
                (pt.x, pt.y),
                xytext=(dx * scale, dy * scale),
                textcoords="offset points",
                ha="left" if dx > 0 else "right",
                va="bottom" if dy > 0 else "top",
                fontsize=6.4 * scale,
                zorder=13,
                bbox={
                    "boxstyle": "round,pad=0.35",
                    "facecolor": "white",
                    "edgecolor": "#111111",
                    "linewidth": 0.7,
                    "alpha": 0.95,
                },
                arrowprops={
                    "arrowstyle": "-",
                    "color": "#111111",
                    "linewidth": 0.8,
                    "shrinkA": 0,
                    "shrinkB": 6.5 * scale,
                },
            )
            from matplotlib.text import Text

            ann.update_positions(renderer)
            box = Text.get_window_extent(ann, renderer).padded(6 * scale)
            inside = (
                box.x0 >= axbox.x0
                and box.x1 <= axbox.x1
                and box.y0 >= axbox.y0
                and box.y1 <= axbox.y1
            )
            if inside and not any(box.overlaps(t) for t in taken):
                ann.set_gid(f"link-up-text-{i}")
                taken.append(box)
                out.append(ann)
                break
            ann.remove()
    return marked, out, taken


# -- saving ----------------------------------------------------------------------------------------
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def _figure_of(fig_or_ax: Any) -> Figure:
    fig = getattr(fig_or_ax, "figure", None)
    if fig is not None and fig is not fig_or_ax and hasattr(fig, "savefig"):
        return fig
    if hasattr(fig_or_ax, "savefig"):
        return fig_or_ax
    raise TypeError("save_map needs a matplotlib Figure or Axes")


def figure_bytes(fig_or_ax: Any, fmt: str = "png", dpi: float | None = None) -> bytes:
    """The map encoded as PNG, SVG or PDF bytes, deterministically (no dates, fixed ids)."""
    fig = _figure_of(fig_or_ax)
    buf = io.BytesIO()
    meta = {
        "png": {"Software": "frontline"},
        "svg": {"Date": None, "Creator": "frontline"},
        "pdf": {
            "CreationDate": None,
            "ModDate": None,
            "Creator": "frontline",
            "Producer": "frontline",
        },
    }[fmt]
    extra = {"pil_kwargs": {"compress_level": 4}} if fmt == "png" else {}
    with map_style():
        fig.savefig(buf, format=fmt, dpi=dpi or fig.dpi, metadata=meta, facecolor="white", **extra)
    return buf.getvalue()


def save_map(
    fig_or_ax: Any,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    dpi: float | None = None,
) -> Path:
    """Write a map to PNG, SVG or PDF (chosen by the suffix), atomically.

    Parameters
    ----------
    fig_or_ax : Figure or Axes
        What :func:`render_map` or :func:`render_change` returned.
    path : path-like
        ``.png``, ``.svg`` or ``.pdf``.
    overwrite : bool, default False
        Replace an existing file; otherwise :class:`OutputExistsError`.
    dpi : float, optional
        Override the figure's dpi (PNG).

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown map format; use .png, .svg or .pdf")
    if not overwrite and path.exists():
        raise OutputExistsError(f"{path} exists; pass overwrite=True (--overwrite) to replace it")
    from frontline.files import atomic_write_bytes

    return atomic_write_bytes(path, figure_bytes(fig_or_ax, fmt, dpi), overwrite)


def close(fig_or_ax: Any) -> None:
    """Release a map's figure (figures made here are not registered with pyplot)."""
    fig = _figure_of(fig_or_ax)
    fig.clear()


# -- timelapse -------------------------------------------------------------------------------------
ProgressCallback = Callable[[int, int, _dt.date], None]


def animate(
    history: Any,
    date_a: _dt.date | str | None,
    date_b: _dt.date | str | None,
    out: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    frame_seconds: float = 1.2,
    hold_last: float = 2.5,
    size: str | tuple[float, float] = "social",
    dpi: float | None = 100,
    **render_kwargs: Any,
) -> Path:
    """A timelapse: one frame per snapshot between two dates, the date on every frame.

    Parameters
    ----------
    history : ControlHistory
    date_a, date_b : date or str, optional
        First and last dates (default: the whole history). The snapshot in force on
        *date_a* is the first frame.
    out : path-like
        ``.gif`` (Pillow) or ``.mp4`` (needs ``ffmpeg`` on PATH).
    overwrite : bool, default False
    progress : callable, optional
        Called as ``progress(done, total, date)`` after each frame.
    frame_seconds, hold_last : float
        How long each frame shows, and the last one.
    size, dpi, **render_kwargs
        Passed to :func:`render_map` (``labels``, ``basemap``, ``bbox`` …).

    Returns
    -------
    pathlib.Path
    """
    from PIL import Image

    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise InputError(f"{out}: a timelapse is .gif or .mp4")
    if suffix == ".mp4" and shutil.which("ffmpeg") is None:
        raise InputError("MP4 needs ffmpeg on PATH (apt-get install ffmpeg); write a .gif instead")
    if not overwrite and out.exists():
        raise OutputExistsError(f"{out} exists; pass overwrite=True (--overwrite) to replace it")
    all_dates = history.dates()
    if not all_dates:
        raise InputError("the history is empty: build or import snapshots first")
    first = parse_date(date_a) if date_a is not None else all_dates[0]
    last = parse_date(date_b) if date_b is not None else all_dates[-1]
    if last < first:
        raise InputError(f"the last date ({last}) is before the first ({first})")
    start = [d for d in all_dates if d <= first]
    dates = ([start[-1]] if start else []) + [d for d in all_dates if first < d <= last]
    if not dates:
        raise InputError(f"no snapshot between {first} and {last}")
    # the places frame is loaded once, not per frame
    if "gazetteer" not in render_kwargs and render_kwargs.get("labels", True):
        obj, frame = load_gazetteer(None, getattr(history, "theatre", None))
        render_kwargs["gazetteer"] = (
            obj if obj is not None else (frame if frame is not None else False)
        )
    frames = []
    for i, day in enumerate(dates):
        shown = max(day, first)
        ax = render_map(history, shown, size=size, dpi=dpi, date_stamp=True, **render_kwargs)
        png = figure_bytes(ax, "png")
        close(ax)
        frames.append(Image.open(io.BytesIO(png)).convert("RGB"))
        if progress is not None:
            progress(i + 1, len(dates), day)
    data = (
        _encode_gif(frames, frame_seconds, hold_last)
        if suffix == ".gif"
        else _encode_mp4(frames, frame_seconds, hold_last)
    )
    from frontline.files import atomic_write_bytes

    return atomic_write_bytes(out, data, overwrite)


def _encode_gif(frames: list, frame_seconds: float, hold_last: float) -> bytes:
    pal = [f.quantize(colors=255, method=2, dither=0) for f in frames]
    durations = [int(frame_seconds * 1000)] * len(pal)
    durations[-1] = int(hold_last * 1000)
    buf = io.BytesIO()
    pal[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=pal[1:],
        duration=durations,
        loop=0,
        optimize=False,
    )
    return buf.getvalue()


def _encode_mp4(
    frames: list, frame_seconds: float, hold_last: float
) -> bytes:  # pragma: no cover - needs ffmpeg
    fps = 10
    with tempfile.TemporaryDirectory() as tmp:
        n = 0
        for i, f in enumerate(frames):
            reps = max(1, int(round((hold_last if i == len(frames) - 1 else frame_seconds) * fps)))
            w, h = f.size
            f = f.crop((0, 0, w - w % 2, h - h % 2))
            for _ in range(reps):
                f.save(Path(tmp) / f"f{n:05d}.png")
                n += 1
        out = Path(tmp) / "out.mp4"
        subprocess.run(
            [
                "ffmpeg",
                "-loglevel",
                "error",
                "-y",
                "-framerate",
                str(fps),
                "-i",
                str(Path(tmp) / "f%05d.png"),
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                str(out),
            ],
            check=True,
        )
        return out.read_bytes()
