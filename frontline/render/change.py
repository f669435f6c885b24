"""Change maps: what changed between two dates, over the map of the later date.

Ground gained is hatched in the gainer's colour, ground lost is outlined in the loser's
colour, places that changed hands are marked (diamond in the new holder's colour) and
labelled, link-ups are marked and annotated with the diff's words.
:func:`render_change` draws a :class:`~frontline.render.scene.ChangeScene` (a ChangeSet with
the snapshots it compares) with one :class:`~frontline.render.options.MapOptions`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from frontline.factions import UNKNOWN
from frontline.render.artists import add_lines, add_polygons
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
from frontline.render.maps import (
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
from frontline.render.style import BBox, darker, map_style, renderer_of, rgb

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from frontline.factions import FactionRegistry
    from frontline.theatre import Theatre

#: Link-ups annotated with their words (the others get only a ring marker).
MAX_LINK_UP_CALLOUTS = 4


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
    with map_style():
        ctx = start_map(after, options, ax, options.legend)
        a = ctx.frame.ax
        s = ctx.frame.scale
        shown = display_snapshot(snap_b, ctx).areas
        factions = draw_areas(a, shown, reg, alpha=0.42)
        changes = ch.changes
        if changes is not None and len(changes):
            changes = changes[changes["area_km2"] >= options.min_change_km2]
        gained_any = lost_any = False
        for i, row in enumerate(records(changes)):
            g = row["geometry"]
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
            extra.append(inferred_item(snap_b.support.observed_km if snap_b.support else None))
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
        marked, _callouts, reserved = draw_link_ups(a, link_ups, ctx.bbox, s)
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
            reserved_boxes=reserved,
        )
    return a


def draw_link_ups(
    ax: Axes, link_ups: Sequence[dict], bbox: BBox, scale: float
) -> tuple[int, list[Any], list[Any]]:
    """Mark link-ups with rings, and put the diff's words in callouts.

    Callouts overlap neither each other nor the map's edge; at most
    :data:`MAX_LINK_UP_CALLOUTS` are written. Returns the number marked, the callouts and
    the display boxes they (and the rings) take.
    """
    minx, miny, maxx, maxy = bbox
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    renderer = renderer_of(ax.figure)
    axbox = ax.get_window_extent(renderer)
    taken: list[Any] = []
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
