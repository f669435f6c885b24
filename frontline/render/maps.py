"""Dated control maps: faction areas, front lines and place names over the basemap.

:func:`render_map` draws one :class:`~frontline.render.scene.MapScene` with one
:class:`~frontline.render.options.MapOptions`. The steps every map shares — the frame and
basemap (:func:`start_map`) and the borders, names and furniture on top (:func:`finish_map`)
— are used by change maps too (:mod:`frontline.render.change`).

Examples
--------
>>> from frontline.store import ControlHistory               # doctest: +SKIP
>>> history = ControlHistory.load("syria-iraq-2017")         # doctest: +SKIP
>>> ax = render_map(history, "2017-06-09")                   # doctest: +SKIP
>>> scene = load_scene(history, "2017-06-09")                # doctest: +SKIP
>>> ax = render_map(scene, options=MapOptions(size="a4"))    # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.control import INFERRED, OBSERVED, ControlSnapshot
from frontline.factions import UNKNOWN
from frontline.render.artists import add_lines, add_polygons
from frontline.render.basemap import draw_basemap, draw_borders, draw_water_labels
from frontline.render.furniture import (
    LegendItem,
    attribution_text,
    border_item,
    draw_attribution,
    draw_date_stamp,
    draw_legend,
    draw_north_arrow,
    draw_scale_bar,
    draw_titles,
    format_date,
    front_line_item,
    inferred_item,
    legend_items,
    sources_of,
)
from frontline.render.labels import (
    check_arabic_font,
    draw_country_labels,
    draw_place_markers,
    drop_crowded,
    place_labels,
    place_requests,
)
from frontline.render.layout import Frame, fit_bbox, map_extent, new_frame
from frontline.render.options import MapOptions, map_options
from frontline.render.scene import MapScene, load_scene
from frontline.render.style import (
    AREA_ALPHA,
    FRONT_COLOUR,
    UNKNOWN_ALPHA,
    BBox,
    darker,
    lighter,
    map_style,
    renderer_of,
)
from frontline.topology import front_lines as topology_front_lines

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

    from frontline.factions import FactionRegistry
    from frontline.theatre import Theatre


# -- the steps every map shares -------------------------------------------------------------------
@dataclass
class MapContext:
    """A map being drawn: its frame, the extent shown, and what the basemap reported."""

    frame: Frame
    bbox: BBox
    aspect: float
    #: the extent asked for, before it was grown to fill the figure
    core: BBox | None = None
    attribution: list[str] = field(default_factory=list)
    country_labels: list = field(default_factory=list)


def start_map(scene: MapScene, options: MapOptions, ax: Axes | None, legend: bool) -> MapContext:
    """Start a map: its frame, extent and basemap (see :class:`MapContext`)."""
    frame = new_frame(ax, options.size, options.dpi, legend)
    core = map_extent(options.bbox, scene.theatre, scene.snapshot)
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
    bm = draw_basemap(a, box, options.basemap, scene.theatre)
    a.set_xlim(box[0], box[2])
    a.set_ylim(box[1], box[3])
    return MapContext(frame, box, aspect, core, bm.attribution, bm.country_labels)


def finish_map(
    ctx: MapContext,
    scene: MapScene,
    options: MapOptions,
    title: str,
    subtitle: str,
    factions: Sequence[str],
    extra_legend: Sequence[LegendItem],
    sources: Sequence[str],
    extra_labels: Sequence[Any] = (),
    reserved_boxes: Sequence[Any] = (),
) -> None:
    """Borders, river names, titles, legend, scale bar, north arrow, attribution and names.

    Place names are placed last, around everything else (*reserved_boxes*: display boxes
    they must keep off); *extra_labels* are label requests of the map's own (change maps).
    """
    labels, arabic, legend = options.labels, options.arabic, options.legend
    frame, box = ctx.frame, ctx.bbox
    ax = frame.ax
    s = frame.scale
    draw_borders(ax, box, zorder=5, scale=s)
    ax.set_xlabel("")
    ax.set_ylabel("")
    slide = [k * 14 * s * frame.fig.dpi / 72 for k in (0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6)]
    water = draw_water_labels(ax, box, s, ctx.aspect, slide)
    draw_titles(frame, title, subtitle)
    leg = (
        draw_legend(frame, legend_items(factions, scene.registry, extra_legend)) if legend else None
    )
    sb = draw_scale_bar(ax, box, s)
    na = draw_north_arrow(ax, box, s)
    has_places = scene.places is not None and len(scene.places) > 0
    draw_attribution(frame, attribution_text(sources, ctx.attribution, has_places and labels))
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    from matplotlib.transforms import Bbox

    renderer = renderer_of(frame.fig)
    reserved = [a.get_window_extent(renderer) for a in (sb, na)] + list(reserved_boxes)
    for gid in ("scalebar-background", "north-arrow", "north-arrow-right"):
        reserved += [p.get_window_extent(renderer) for p in ax.patches if p.get_gid() == gid]
    if leg is not None and not frame.owned:
        reserved.append(leg.get_window_extent(renderer))
    avoid = list(reserved)
    if labels or extra_labels:
        if arabic and labels:
            arabic = check_arabic_font()
        reqs = place_requests(
            scene.places if labels else None, box, arabic, s, extra_labels, ctx.core
        )
        max_labels = int(frame.width_in * frame.height_in * 2.6)
        kept = place_labels(
            ax, reqs, reserved, max_labels=max_labels, marker_px=2.2 * s * frame.fig.dpi / 72
        )
        draw_place_markers(ax, kept, reqs, s)
        # river names and country names last, off the place names and their dots
        r = 2.2 * s * frame.fig.dpi / 72
        avoid += [t.get_window_extent(renderer) for t in kept]
        for t in kept:
            px, py = ax.transData.transform(t.xy)
            avoid.append(Bbox.from_extents(px - r, py - r, px + r, py + r))
    avoid += drop_crowded(ax, water, avoid)
    draw_country_labels(ax, ctx.country_labels, s, avoid)


def default_title(theatre: Theatre | None) -> str:
    """Title a map by the theatre's ``map.title`` (or its name), else "Territorial control"."""
    if theatre is not None:
        return str((theatre.settings.get("map") or {}).get("title") or theatre.name)
    return "Territorial control"


# -- map content ----------------------------------------------------------------------------------
def draw_areas(
    ax: Axes, areas: gpd.GeoDataFrame, registry: FactionRegistry, alpha: float = AREA_ALPHA
) -> list[str]:
    """Faction fills, semi-transparent, with a thin darker outline. Returns factions drawn.

    Observed ground is filled in the faction's colour, inferred ground (``basis`` inferred)
    in a lighter tint of it (:func:`~frontline.render.style.lighter`); the outline follows the
    faction's whole area, not the line between its observed and inferred parts.
    """
    drawn: list[str] = []
    basis = areas["basis"] if "basis" in areas.columns else [OBSERVED] * len(areas)
    whole: dict[str, list[Any]] = {}
    for faction, b, geom in zip(areas["faction"], basis, areas.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        colour = registry.colour(faction)
        a = UNKNOWN_ALPHA if faction == UNKNOWN else alpha
        inferred = b == INFERRED and faction != UNKNOWN
        add_polygons(
            ax,
            geom,
            facecolor=lighter(colour) if inferred else colour,
            alpha=a,
            edgecolor="none",
            linewidth=0,
            zorder=3,
            gid=f"area-{faction}" + ("-inferred" if inferred else ""),
        )
        whole.setdefault(faction, []).append(geom)
        if faction not in drawn:
            drawn.append(faction)
    for faction, geoms in whole.items():
        if faction == UNKNOWN:
            continue
        outline = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
        add_lines(
            ax,
            outline,
            colors=[darker(registry.colour(faction))],
            linewidths=0.45,
            alpha=0.9,
            zorder=3.2,
        )
    return drawn


def has_inferred(areas: gpd.GeoDataFrame) -> bool:
    """Return True when some faction's ground on the map is inferred (the legend explains it)."""
    if "basis" not in areas.columns or not len(areas):
        return False
    keep = (areas["basis"] == INFERRED) & (areas["faction"] != UNKNOWN)
    return bool(keep.any() and not areas.geometry[keep].is_empty.all())


def front_lines_of(snapshot: ControlSnapshot, registry: FactionRegistry) -> gpd.GeoDataFrame:
    """Front lines of a snapshot: :func:`frontline.topology.front_lines` with its defaults."""
    return topology_front_lines(snapshot, registry)


def draw_front_lines(ax: Axes, lines: gpd.GeoDataFrame | None, scale: float) -> bool:
    """Front lines, bold red over a white halo; False when there are none."""
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


def clip_areas(
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


def display_snapshot(snap: ControlSnapshot, ctx: MapContext) -> ControlSnapshot:
    """Clip the snapshot to the map and simplify it to half a pixel, as it is drawn."""
    deg_per_px = (ctx.bbox[2] - ctx.bbox[0]) / (ctx.frame.width_in * ctx.frame.fig.dpi)
    areas = clip_areas(snap.areas, ctx.bbox, tolerance=0.5 * deg_per_px)
    return ControlSnapshot(snap.date, areas.reset_index(drop=True), snap.theatre)


# -- the dated map --------------------------------------------------------------------------------
def draw_map(scene: MapScene, options: MapOptions, ax: Axes | None = None) -> Axes:
    """Draw the control map of a scene (see :func:`render_map`, which also loads scenes)."""
    snap = scene.snapshot
    with map_style():
        ctx = start_map(scene, options, ax, options.legend)
        a = ctx.frame.ax
        shown = display_snapshot(snap, ctx)
        factions = draw_areas(a, shown.areas, scene.registry)
        extra = []
        if has_inferred(shown.areas):
            extra.append(inferred_item(snap))
        if options.front_lines:
            lines = (
                scene.front_lines
                if scene.front_lines is not None
                else front_lines_of(shown, scene.registry)
            )
            if draw_front_lines(a, lines, ctx.frame.scale):
                extra.append(front_line_item(ctx.frame.scale))
        extra.append(border_item())
        as_of = scene.as_of
        sub = options.subtitle or f"Territorial control as of {format_date(as_of)}" + (
            f" (latest report: {format_date(snap.date)})" if snap.date != as_of else ""
        )
        stamp = [draw_date_stamp(ctx.frame, as_of)] if options.date_stamp else []
        finish_map(
            ctx,
            scene,
            options,
            options.title or default_title(scene.theatre),
            sub,
            factions,
            extra,
            sources_of(snap),
            reserved_boxes=stamp,
        )
    return a


def render_map(
    source: Any,
    date: _dt.date | str | None = None,
    options: MapOptions | None = None,
    *,
    ax: Axes | None = None,
    registry: FactionRegistry | None = None,
    gazetteer: Any = None,
    theatre: Theatre | None = None,
    **overrides: Any,
) -> Axes:
    """Render the control map of one date.

    Parameters
    ----------
    source : MapScene, ControlSnapshot or history
        A scene (:func:`frontline.render.scene.load_scene`: a snapshot with its registry,
        theatre and places), or a snapshot or history, whose scene is loaded here with
        *registry*, *gazetteer* and *theatre* (the snapshot in force on *date* is drawn).
    date : date or str, optional
        The "as of" date (default: the snapshot's date, or the history's last date). Not
        with a scene (its date is used).
    options : MapOptions, optional
        How to draw (size, extent, basemap, titles, labels …; default ``MapOptions()``).
    ax : matplotlib Axes, optional
        Draw into these axes (the legend then sits inside the map); otherwise a new figure.
    registry, gazetteer, theatre : optional
        Passed to :func:`~frontline.render.scene.load_scene` (not with a scene): colours and
        names (default: the history's), places to label (default: the theatre's gazetteer;
        False: none), default extent and title (default: the history's or the snapshot's).
    **overrides
        Any :class:`MapOptions` field (``size="a4"``, ``labels=False`` …), replacing that
        of *options*. ``front_lines`` may also be a GeoDataFrame of lines to draw.

    Returns
    -------
    matplotlib.axes.Axes
        The map axes; ``ax.figure`` is the figure to save with
        :func:`frontline.render.output.save_map`.
    """
    lines = _front_lines_override(overrides)
    opts = map_options(options, **overrides)
    if isinstance(source, MapScene):
        if date is not None or registry is not None or gazetteer is not None or theatre is not None:
            raise TypeError("a MapScene has its date, registry, places and theatre already")
        scene = source
    else:
        scene = load_scene(
            source,
            date,
            registry=registry,
            gazetteer=gazetteer,
            theatre=theatre,
            labels=opts.labels,
        )
    if lines is not None:
        scene = replace(scene, front_lines=lines)
    return draw_map(scene, opts, ax)


def _front_lines_override(overrides: dict[str, Any]) -> gpd.GeoDataFrame | None:
    """Split ``front_lines=<GeoDataFrame>`` into lines to draw and ``front_lines=True``."""
    value = overrides.get("front_lines", True)
    if value is None:
        overrides["front_lines"] = False
    elif not isinstance(value, bool):
        overrides["front_lines"] = True
        return value
    return None
