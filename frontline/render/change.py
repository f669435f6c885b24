"""Change maps: what changed between two dates, over the map of the later date.

Ground gained is hatched in the gainer's colour, ground lost is outlined in the loser's
colour, places that changed hands are marked (diamond in the new holder's colour) and
labelled, link-ups are marked and annotated with the diff's words. Changes too small to see
at the map's scale (a few pixels) are circled.

Unless a bbox is given or ``full`` is set, the map zooms to the ground that changed (the
changes, the places that changed hands and the link-ups, padded) and shows where that is in a
locator map of the theatre, in a corner; when the changes span most of the theatre anyway,
the whole theatre is shown.
:func:`render_change` draws a :class:`~frontline.render.scene.ChangeScene` (a ChangeSet with
the snapshots it compares) with one :class:`~frontline.render.options.MapOptions`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.control import INFERRED
from frontline.factions import UNKNOWN
from frontline.render.artists import add_lines, add_polygons
from frontline.render.basemap import border_lines
from frontline.render.furniture import (
    LegendItem,
    border_item,
    front_line_item,
    inferred_item,
    period_text,
    sources_of,
    wrap_text,
)
from frontline.render.labels import LabelRequest
from frontline.render.layout import fit_bbox, map_extent
from frontline.render.maps import (
    MapContext,
    default_title,
    display_snapshot,
    draw_areas,
    draw_front_lines,
    finish_map,
    front_lines_of,
    has_inferred,
    start_map,
)
from frontline.render.options import MapOptions, map_options
from frontline.render.scene import ChangeScene, load_change_scene
from frontline.render.style import (
    AREA_ALPHA,
    STYLE,
    BBox,
    darker,
    lighter,
    map_style,
    renderer_of,
    rgb,
)
from frontline.theatre import countries_in

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

    from frontline.factions import FactionRegistry
    from frontline.theatre import Theatre

#: Link-ups annotated with their words (the others get only a ring marker).
MAX_LINK_UP_CALLOUTS = 4
#: A change map zooms to the changed ground unless the zoom would still show this share of
#: the theatre's width or height (then the whole theatre is shown).
ZOOM_MAX_SHARE = 0.7
#: Padding around the changed ground when zooming, as a share of its size.
ZOOM_PAD = 0.15
#: The smallest zoomed map, in degrees of latitude (about 110 km), so that a single small
#: change still has the places around it on the map.
ZOOM_MIN_SPAN_DEG = 1.0
#: A change whose area on the map is smaller than a square of this many pixels is circled.
SMALL_CHANGE_PX = 8.0


def records(frame: Any) -> list[dict]:
    """Rows of a (Geo)DataFrame, or of a sequence of objects, as dicts (none for None)."""
    if frame is None:
        return []
    if hasattr(frame, "to_dict"):
        return frame.to_dict("records")
    return [dict(getattr(x, "__dict__", x)) for x in frame]


def render_change(
    source: Any,
    date_a: _dt.date | str | None = None,
    date_b: _dt.date | str | None = None,
    options: MapOptions | None = None,
    *,
    changes: Any = None,
    ax: Axes | None = None,
    registry: FactionRegistry | None = None,
    gazetteer: Any = None,
    theatre: Theatre | None = None,
    **overrides: Any,
) -> Axes:
    """Render what changed between two dates over the map of the later date.

    Parameters
    ----------
    source : ChangeScene, history or (ControlSnapshot, ControlSnapshot)
        A scene (:func:`frontline.render.scene.load_change_scene`: a ChangeSet with the
        snapshots it compares, registry, theatre and places), or a history or pair of
        snapshots whose scene is loaded here.
    date_a, date_b : date or str, optional
        The two "as of" dates (default: those of *changes*). Not with a scene.
    options : MapOptions, optional
        How to draw (default ``MapOptions()``); ``min_change_km2`` (default 2.0) leaves out
        smaller changes (slivers of redrawn outlines).
    changes : ChangeSet, optional
        A diff already computed (:func:`frontline.diff.diff` of the two snapshots), so a
        caller that also writes the diff's report does not compute it twice. Anything with
        ``changes``, ``places_changed``, ``link_ups`` and ``front_lines_b`` works.
    ax : matplotlib Axes, optional
        Draw into these axes; otherwise a new figure.
    registry, gazetteer, theatre : optional
        As in :func:`frontline.render.maps.render_map` (not with a scene).
    **overrides
        Any :class:`MapOptions` field, replacing that of *options*.

    Returns
    -------
    matplotlib.axes.Axes
    """
    opts = map_options(options, **overrides)
    if isinstance(source, ChangeScene):
        given = (date_a, date_b, changes, registry, gazetteer, theatre)
        if any(v is not None for v in given):
            raise TypeError("a ChangeScene has its dates, changes, registry, places and theatre")
        scene = source
    else:
        scene = load_change_scene(
            source,
            date_a,
            date_b,
            changes=changes,
            registry=registry,
            gazetteer=gazetteer,
            theatre=theatre,
            labels=opts.labels,
        )
    return draw_change(scene, opts, ax)


def draw_change(scene: ChangeScene, options: MapOptions, ax: Axes | None = None) -> Axes:
    """Draw a change map (see :func:`render_change`, which also loads scenes)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    after = scene.after
    snap_a, snap_b = scene.before, after.snapshot
    day_a, day_b = scene.date_a, after.as_of
    reg = after.registry
    ch = scene.changes
    changes = ch.changes
    if changes is not None and len(changes):
        changes = changes[changes["area_km2"] >= options.min_change_km2]
    full = map_extent(options.bbox, after.theatre, snap_b)
    zoom = extent = None
    if options.bbox is None:
        changed = changed_bounds(changes, ch)
        zoom = None if options.full else zoom_extent(changed, full)
        extent = zoom or covering_extent(full, changed)
    with map_style():
        ctx = start_map(after, options.replace(bbox=extent), ax, options.legend)
        a = ctx.frame.ax
        s = ctx.frame.scale
        shown = display_snapshot(snap_b, ctx).areas
        factions = draw_areas(a, shown, reg, alpha=0.42)
        locator = []
        if zoom is not None:
            locator.append(draw_locator(ctx, full, snap_b.areas, reg, after.theatre, changes, ch))
        gained_any = lost_any = False
        circled: list[Any] = []  # display boxes of the circles round small changes
        for i, row in enumerate(records(changes)):
            g = row["geometry"]
            ring = mark_if_small(a, g, reg.colour(_holder(row)), s, f"small-change-{i}")
            if ring is not None:
                circled.append(ring)
            if row["to_faction"] != UNKNOWN:
                col = reg.colour(row["to_faction"])
                add_polygons(
                    a,
                    g,
                    facecolor=(*rgb(col), 0.35),
                    edgecolor=darker(col, 0.8),
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
                    colors=[darker(col, 0.75)],
                    linewidths=1.1 * s,
                    linestyles=[(0, (3, 1.5))],
                    zorder=3.8,
                    gid=f"lost-{i}",
                )
                lost_any = True
        extra: list[LegendItem] = []
        if has_inferred(shown):
            extra.append(inferred_item(snap_b))
        if options.front_lines:
            lines = getattr(ch, "front_lines_b", None)
            if lines is None:
                lines = front_lines_of(snap_b, reg)
            if draw_front_lines(a, lines, s):
                extra.append(front_line_item(s))
        extra.append(border_item())
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
        if circled:
            extra.append(
                LegendItem(
                    "Change too small to see at this scale (circled)",
                    Line2D(
                        [],
                        [],
                        marker="o",
                        linestyle="none",
                        markerfacecolor="none",
                        markeredgecolor="#555555",
                        markeredgewidth=1.5,
                        markersize=7,
                    ),
                )
            )
        # places that changed hands
        label_reqs = []
        pcs = records(getattr(ch, "places_changed", None))
        minx, miny, maxx, maxy = ctx.bbox
        for i, p in enumerate(pcs):
            g = p.get("geometry")
            if g is None or not (minx <= g.x <= maxx and miny <= g.y <= maxy):
                continue
            if p.get("inferred"):  # moved by the fill convention, not by a report
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
        link_ups = records(getattr(ch, "link_ups", None))
        marked, _callouts, reserved = draw_link_ups(a, link_ups, ctx.bbox, s, locator + circled)
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
            options.subtitle
            or f"What changed, {period_text(snap_a.date if snap_a.date > day_a else day_a, day_b)}"
        )
        finish_map(
            ctx,
            after,
            options,
            options.title or default_title(after.theatre),
            sub,
            sorted(set(factions)),
            extra,
            sources_of(snap_a, snap_b),
            extra_labels=label_reqs,
            reserved_boxes=reserved + locator + circled,
        )
    return a


def _holder(row: dict) -> str:
    """Name the faction whose colour marks a change: the gainer, else the loser."""
    return row["to_faction"] if row["to_faction"] != UNKNOWN else row["from_faction"]


# -- zoom and locator -----------------------------------------------------------------------------
def changed_bounds(changes: gpd.GeoDataFrame | None, changeset: Any = None) -> BBox | None:
    """Give the bounds of what a change map marks (None when there is nothing).

    That is the changes drawn, the places that changed hands (observed ones) and link-ups.

    Parameters
    ----------
    changes : GeoDataFrame, optional
        The changes drawn (already filtered by ``min_change_km2``).
    changeset : ChangeSet, optional
        Its ``places_changed`` and ``link_ups`` count too.
    """
    geoms: list[Any] = []
    if changes is not None and len(changes):
        geoms += list(changes.geometry.values)
    for p in records(getattr(changeset, "places_changed", None)):
        if not p.get("inferred"):
            geoms.append(p.get("geometry"))
    geoms += [lu.get("geometry") for lu in records(getattr(changeset, "link_ups", None))]
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return None
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(geoms, dtype=object))
    return (float(minx), float(miny), float(maxx), float(maxy))


def zoom_extent(changed: BBox | None, full: BBox) -> BBox | None:
    """Give the extent a change map zooms to: *changed* padded, at least one degree tall.

    The smallest span is :data:`ZOOM_MIN_SPAN_DEG` (degrees of latitude).

    None (show *full*, the theatre) when nothing changed, or when the zoom would still show
    :data:`ZOOM_MAX_SHARE` of the theatre's width or height.

    Examples
    --------
    >>> zoom_extent((40.0, 34.0, 40.1, 34.1), (36.0, 32.0, 44.0, 37.0))
    (39.44..., 33.55, 40.65..., 34.55)
    >>> zoom_extent((36.5, 32.5, 43.0, 36.0), (36.0, 32.0, 44.0, 37.0)) is None
    True
    """
    if changed is None:
        return None
    minx, miny, maxx, maxy = changed
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    aspect = 1.0 / np.cos(np.radians(cy))
    half_h = max((maxy - miny) * (1 + 2 * ZOOM_PAD), ZOOM_MIN_SPAN_DEG) / 2
    half_w = max((maxx - minx) * (1 + 2 * ZOOM_PAD), ZOOM_MIN_SPAN_DEG * aspect) / 2
    box = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    share = max((box[2] - box[0]) / (full[2] - full[0]), (box[3] - box[1]) / (full[3] - full[1]))
    if share >= ZOOM_MAX_SHARE:
        return None
    return tuple(float(v) for v in box)  # type: ignore[return-value]  # 4 numbers


def covering_extent(full: BBox, changed: BBox | None, pad: float = 0.05) -> BBox:
    """*full* grown, when needed, to show all of *changed* (padded by *pad* of its size).

    Examples
    --------
    >>> covering_extent((36.0, 32.0, 44.0, 37.0), (43.0, 33.0, 45.0, 34.0))
    (36.0, 32.0, 45.1, 37.0)
    """
    if changed is None:
        return full
    px = (changed[2] - changed[0]) * pad
    py = (changed[3] - changed[1]) * pad
    return (
        min(full[0], changed[0] - px),
        min(full[1], changed[1] - py),
        max(full[2], changed[2] + px),
        max(full[3], changed[3] + py),
    )


def draw_locator(
    ctx: MapContext,
    full: BBox,
    areas: gpd.GeoDataFrame,
    registry: FactionRegistry,
    theatre: Theatre | None,
    changes: gpd.GeoDataFrame | None = None,
    changeset: Any = None,
) -> Any:
    """Draw a locator map of *full* (the theatre) in a corner, with the map's extent boxed.

    The corner (upper or lower right) is the one that hides least of the changes; the
    locator shows land, the faction areas (lighter where inferred) and borders, simplified
    to its size. Returns its display box (labels keep off it); its axes has gid ``locator``
    and the box gid ``locator-box``.
    """
    from matplotlib.patches import Rectangle

    frame, ax = ctx.frame, ctx.frame.ax
    renderer = renderer_of(frame.fig)
    lat0 = (full[1] + full[3]) / 2
    ratio = (full[2] - full[0]) * np.cos(np.radians(lat0)) / (full[3] - full[1])
    w_in = min(0.26 * frame.width_in, 0.4 * frame.height_in * ratio)
    h_in = w_in / ratio
    margin = 0.08 * frame.scale
    fw, fh = w_in / frame.width_in, h_in / frame.height_in
    mx, my = margin / frame.width_in, margin / frame.height_in
    # the attribution sits inside the map's foot when the map is drawn into given axes
    foot = 0.0 if frame.owned else 3 * 5.2 * frame.scale * 1.3 / 72 / frame.height_in
    corners = [(1 - mx - fw, 1 - my - fh), (1 - mx - fw, my + foot)]
    if not frame.owned:
        corners = corners[1:]  # the legend sits in the upper right
    x0, x1, y0, y1 = ctx.bbox[0], ctx.bbox[2], ctx.bbox[1], ctx.bbox[3]
    marks = []
    if changes is not None and len(changes):
        marks += list(changes.geometry.values)
    marks += [p.get("geometry") for p in records(getattr(changeset, "places_changed", None))]
    marks += [lu.get("geometry") for lu in records(getattr(changeset, "link_ups", None))]
    marks = [g for g in marks if g is not None and not g.is_empty]

    def hidden(corner: tuple[float, float]) -> float:
        cx, cy = corner
        cover = shapely.box(
            x0 + cx * (x1 - x0), y0 + cy * (y1 - y0),
            x0 + (cx + fw) * (x1 - x0), y0 + (cy + fh) * (y1 - y0),
        )  # fmt: skip
        if not marks:
            return 0.0
        hit = shapely.intersection(np.asarray(marks, dtype=object), cover)
        return float(shapely.area(hit).sum() / cover.area + shapely.intersects(hit, cover).sum())

    cx, cy = min(corners, key=hidden)
    inset = ax.inset_axes((cx, cy, fw, fh))
    inset.set_gid("locator")
    inset.set_zorder(14)
    box, aspect = fit_bbox(full, w_in, h_in)
    inset.set_xlim(box[0], box[2])
    inset.set_ylim(box[1], box[3])
    inset.set_aspect(aspect, adjustable="box")
    inset.set_xticks([])
    inset.set_yticks([])
    for spine in inset.spines.values():
        spine.set_linewidth(0.8)
        spine.set_color("#333333")
    inset.set_facecolor(STYLE["sea"])
    tol = (box[2] - box[0]) / (w_in * frame.fig.dpi) * 0.7  # below a pixel of the locator
    frame_geom = shapely.box(*box)
    countries = countries_in(box)
    inside = (
        countries["iso_a2"].isin(theatre.countries).to_numpy()
        if theatre is not None and theatre.countries
        else np.ones(len(countries), bool)
    )
    land = shapely.simplify(shapely.intersection(countries.geometry.values, frame_geom), tol)
    for mask, colour in ((inside, STYLE["land"]), (~inside, STYLE["land_outside"])):
        add_polygons(inset, list(land[mask]), facecolor=colour, edgecolor="none", zorder=1)
    basis = areas["basis"] if "basis" in areas.columns else [None] * len(areas)
    geoms = shapely.simplify(shapely.intersection(areas.geometry.values, frame_geom), tol)
    for faction, b, geom in zip(areas["faction"], basis, geoms, strict=True):
        if geom is None or geom.is_empty or faction == UNKNOWN:
            continue
        colour = registry.colour(faction)
        add_polygons(
            inset,
            geom,
            facecolor=lighter(colour) if b == INFERRED else colour,
            alpha=AREA_ALPHA,
            edgecolor="none",
            zorder=2,
        )
    add_lines(
        inset,
        border_lines(tuple(round(v, 3) for v in box)),
        colors=STYLE["border"],
        linewidths=0.5,
        zorder=3,
    )
    zx0, zy0, zx1, zy1 = ctx.bbox
    halo = Rectangle(
        (zx0, zy0), zx1 - zx0, zy1 - zy0, fill=False, edgecolor="white", linewidth=3.0, zorder=4
    )
    rect = Rectangle(
        (zx0, zy0), zx1 - zx0, zy1 - zy0, fill=False, edgecolor="#111111", linewidth=1.4, zorder=5
    )
    rect.set_gid("locator-box")
    inset.add_patch(halo)
    inset.add_patch(rect)
    return inset.get_window_extent(renderer).padded(3 * frame.scale)


def mark_if_small(ax: Axes, geom: Any, colour: str, scale: float, gid: str) -> Any:
    """Circle a change too small to see on the map (smaller than :data:`SMALL_CHANGE_PX`).

    The circle sits on the change's largest part, in the darker *colour* over a white halo.
    Returns the circle's display box, or None when the change is big enough to see.
    """
    if geom is None or geom.is_empty:
        return None
    (x0, y0), (x1, y1) = ax.transData.transform([(0.0, 0.0), (1.0, 1.0)])
    px_area = float(shapely.area(geom)) * abs(x1 - x0) * abs(y1 - y0)
    gx0, gy0, gx1, gy1 = geom.bounds
    extent_px = max((gx1 - gx0) * abs(x1 - x0), (gy1 - gy0) * abs(y1 - y0))
    if px_area >= SMALL_CHANGE_PX**2 and extent_px >= SMALL_CHANGE_PX:
        return None
    parts = list(getattr(geom, "geoms", [geom]))
    pt = shapely.point_on_surface(max(parts, key=lambda p: p.area))
    for colour_, width, size, z in (("white", 3.4, 10.5, 8.3), (darker(colour, 0.8), 1.7, 10, 8.4)):
        line = ax.plot(
            [pt.x],
            [pt.y],
            marker="o",
            markersize=size * scale,
            markerfacecolor="none",
            markeredgecolor=colour_,
            markeredgewidth=width * scale,
            linestyle="none",
            zorder=z,
        )[0]
    line.set_gid(gid)
    from matplotlib.transforms import Bbox

    px, py = ax.transData.transform((pt.x, pt.y))
    r = 6.5 * scale * ax.figure.dpi / 72
    return Bbox.from_extents(px - r, py - r, px + r, py + r)


def draw_link_ups(
    ax: Axes,
    link_ups: Sequence[dict],
    bbox: BBox,
    scale: float,
    reserved: Sequence[Any] = (),
) -> tuple[int, list[Any], list[Any]]:
    """Mark link-ups with rings, and put the diff's words in callouts.

    Callouts overlap neither each other, nor the display boxes of *reserved* (a locator
    map), nor the map's edge; at most :data:`MAX_LINK_UP_CALLOUTS` are written. Returns the
    number marked, the callouts and the display boxes they (and the rings) take.
    """
    minx, miny, maxx, maxy = bbox
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    renderer = renderer_of(ax.figure)
    axbox = ax.get_window_extent(renderer)
    taken: list[Any] = list(reserved)
    out: list[Any] = []
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
        text = wrap_text(str(lu.get("text") or lu.get("kind", "link-up")), 32)
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
            # the text, its rounded box (pad 0.35 em) and a margin, in pixels at any dpi
            pad_px = (0.35 * 6.4 + 1.5) * scale * ax.figure.dpi / 72
            box = Text.get_window_extent(ann, renderer).padded(pad_px)
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
    return marked, out, taken[len(reserved) :]
