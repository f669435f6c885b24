"""Map furniture: titles, legend, scale bar, north arrow, date stamp and attribution line.

Every map carries a title and "as of" subtitle, a legend grouped by side, a scale bar true at
the map's centre latitude, a north arrow and an attribution line (control sources, Natural
Earth, GeoNames, basemap credits). Each piece has a fixed gid, so tests and SVG readers find it.
"""

from __future__ import annotations

import datetime as _dt
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline.factions import UNKNOWN
from frontline.fill import inferred_meaning
from frontline.gazetteer import GEONAMES_ATTRIBUTION
from frontline.geo import GEOD
from frontline.render.layout import Frame, fit_fontsize, text_width, wrap_to_width
from frontline.render.style import (
    AREA_ALPHA,
    FRONT_COLOUR,
    STYLE,
    UNKNOWN_ALPHA,
    BBox,
    darker,
    lighter,
    renderer_of,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from frontline.control import ControlSnapshot
    from frontline.factions import FactionRegistry

#: Longest attribution text before sources are summarised.
MAX_SOURCES_CHARS = 240


# -- scale bar and north arrow --------------------------------------------------------------------
def km_per_degree_lon(lat: float) -> float:
    """Geodesic length of one degree of longitude at *lat* (WGS84), in km.

    Examples
    --------
    >>> round(km_per_degree_lon(0.0), 1), round(km_per_degree_lon(34.0), 1)
    (111.3, 92.4)
    """
    _, _, d = GEOD.inv(0.0, lat, 1.0, lat)
    return float(d) / 1000.0


def nice_length(km: float) -> float:
    """Round *km* down to a 1-2-5 number (>= 1 m): the length of a scale bar.

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
    """Draw a scale bar (alternating segments) lower left, true at the centre latitude.

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
    h = min(maxy - miny, (maxx - minx) * math.cos(math.radians(lat0))) * 0.012
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

    renderer = renderer_of(ax.figure)
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
    """Draw a north arrow in the upper-left corner (north is up in lon/lat); return the "N"."""
    from matplotlib.patches import Polygon

    minx, miny, maxx, maxy = bbox
    lat0 = (miny + maxy) / 2
    aspect = 1.0 / math.cos(math.radians(lat0))
    # sized by the map's shorter side, so a portrait map does not get a giant arrow
    h = min(maxy - miny, (maxx - minx) / aspect) * 0.07 * scale
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


# -- titles and dates -----------------------------------------------------------------------------
def format_date(day: _dt.date) -> str:
    """Write a date as newsrooms do: "9 June 2017"."""
    return f"{day.day} {day.strftime('%B')} {day.year}"


def period_text(a: _dt.date, b: _dt.date) -> str:
    """Write a period in words: "1–9 June 2017", "29 May – 9 June 2017".

    Examples
    --------
    >>> period_text(_dt.date(2017, 5, 29), _dt.date(2017, 6, 9))
    '29 May – 9 June 2017'
    """
    if a.year == b.year and a.month == b.month:
        return f"{a.day}–{format_date(b)}"
    if a.year == b.year:
        return f"{a.day} {a.strftime('%B')} – {format_date(b)}"
    return f"{format_date(a)} – {format_date(b)}"


def draw_titles(frame: Frame, title: str, subtitle: str) -> tuple[Any, Any]:
    """Title and subtitle: above the map (own figure) or at the top of the axes.

    A title or subtitle too long for the width of the map is set smaller until it fits.
    """
    ax, fig = frame.ax, frame.fig
    pos = ax.get_position()
    s = frame.scale
    renderer = renderer_of(fig)
    if frame.owned:
        h = fig.get_size_inches()[1]
        room = (1 - 2 * pos.x0) * fig.bbox.width
        t = fig.text(
            pos.x0,
            1 - 0.1 * s / h,
            title,
            fontsize=fit_fontsize(title, room, 13 * s, renderer, "bold"),
            fontweight="bold",
            ha="left",
            va="top",
            color="#111111",
        )
        st = fig.text(
            pos.x0,
            1 - 0.38 * s / h,
            subtitle,
            fontsize=fit_fontsize(subtitle, room, 9 * s, renderer),
            ha="left",
            va="top",
            color="#333333",
        )
    else:
        room = ax.get_window_extent(renderer).width
        t = ax.text(
            0.0,
            1.06,
            title,
            transform=ax.transAxes,
            fontsize=fit_fontsize(title, room, 11 * s, renderer, "bold"),
            fontweight="bold",
            ha="left",
            va="bottom",
        )
        st = ax.text(
            0.0,
            1.01,
            subtitle,
            transform=ax.transAxes,
            fontsize=fit_fontsize(subtitle, room, 8 * s, renderer),
            ha="left",
            va="bottom",
            color="#333333",
        )
    t.set_gid("title")
    st.set_gid("subtitle")
    return t, st


def wrap_text(text: str, width: int) -> str:
    """*text* wrapped at *width* characters (words never broken), as one string with newlines."""
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def draw_date_stamp(frame: Frame, day: _dt.date) -> Any:
    """Print the date large in the map's upper-right corner; returns its display box."""
    import matplotlib.patheffects as pe

    ax = frame.ax
    t = ax.text(
        0.985,
        0.975,
        format_date(day),
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=15 * frame.scale,
        fontweight="bold",
        color="#111111",
        zorder=12,
        path_effects=[pe.withStroke(linewidth=3, foreground="white", alpha=0.9)],
    )
    t.set_gid("date-stamp")
    return t.get_window_extent(renderer_of(frame.fig)).padded(4)


# -- legend ---------------------------------------------------------------------------------------
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
        if len(members) > 1:  # a side with one faction on the map: no header needed
            items.append(LegendItem(wrap_text(side_name, width), header=True))
        for f in members:
            items.append(
                LegendItem(
                    wrap_text(f.name, width),
                    Patch(
                        facecolor=f.colour,
                        alpha=AREA_ALPHA,
                        edgecolor=darker(f.colour),
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
        items.append(
            LegendItem(
                "No reported control",
                Patch(facecolor=STYLE["land"], edgecolor="#999999", linewidth=0.5),
            )
        )
    items.extend(extra)
    return items


def draw_legend(frame: Frame, items: Sequence[LegendItem]) -> Any:
    """Draw the legend in the side panel (own figure) or inside the map, shrunk until it fits."""
    from matplotlib.patches import Patch

    handles = [it.handle if it.handle is not None else Patch(visible=False) for it in items]
    labels = [it.label for it in items]
    s = frame.scale
    renderer = renderer_of(frame.fig)
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
            room_w = (1 - x0) * frame.fig.bbox.width - 4
        else:
            kw["frameon"] = True
            leg = frame.ax.legend(
                handles, labels, loc="upper right", title="Who holds the ground", **kw
            )
            leg.get_frame().set_alpha(0.85)
            leg.set_zorder(12)
            room = 0.9 * frame.ax.bbox.height
            room_w = 0.9 * frame.ax.bbox.width
        for it, text in zip(items, leg.get_texts(), strict=True):
            if it.header:
                text.set_fontweight("bold")
                text.set_fontsize(6.0 * f)
                text.set_color("#333333")
        box = leg.get_window_extent(renderer)
        if box.height <= room and box.width <= room_w:
            break
    assert leg is not None  # the loop above runs at least once
    leg.set_gid("legend")
    return leg


def front_line_item(scale: float) -> LegendItem:
    """Make the legend row of front lines."""
    from matplotlib.lines import Line2D

    return LegendItem("Front line", Line2D([], [], color=FRONT_COLOUR, linewidth=2.0 * scale))


def inferred_item(snapshot: ControlSnapshot) -> LegendItem:
    """Make the legend row that explains the lighter tint of inferred ground.

    The wording follows how the snapshot's inferred ground was given: to the land no source
    claims (``fill: complement``, a one-sided series), or to the holder of the nearest
    reported place, more than the theatre's ``fill.observed_km`` from it (quoted from the
    snapshot's support report).

    Parameters
    ----------
    snapshot : ControlSnapshot
        The snapshot drawn.
    """
    from matplotlib.patches import Patch

    meaning = inferred_meaning(snapshot)
    if "complement" in meaning:
        label = "Lighter shade: inferred, land the source marks as nobody else's"
    else:
        observed_km = snapshot.support.observed_km if snapshot.support else None
        far = f"more than {observed_km:g} km" if observed_km else "far"
        label = (
            f"Lighter shade: inferred, {far} from a reported place; given to the holder of "
            "the nearest one"
        )
    return LegendItem(
        wrap_text(label, 30),
        Patch(facecolor=lighter("#555555"), alpha=AREA_ALPHA, edgecolor="#777777", linewidth=0.5),
    )


def border_item() -> LegendItem:
    """Make the legend row of international borders (drawn by :func:`.basemap.draw_borders`)."""
    from matplotlib.lines import Line2D

    return LegendItem(
        "International border",
        Line2D([], [], color=STYLE["border"], linewidth=0.9, linestyle=(0, (6, 1.5, 1.5, 1.5))),
    )


# -- attribution ----------------------------------------------------------------------------------
def sources_of(*snapshots: ControlSnapshot) -> list[str]:
    """List the sources the snapshots cite, most cited first (ties by name)."""
    seen: dict[str, int] = {}
    for snap in snapshots:
        for srcs in snap.areas.get("sources", []):
            for s in srcs if isinstance(srcs, list | tuple | np.ndarray) else [srcs]:
                if s and str(s).strip():
                    seen[str(s).strip()] = seen.get(str(s).strip(), 0) + 1
    return sorted(seen, key=lambda s: (-seen[s], s))


def attribution_text(sources: Sequence[str], basemap_credits: Sequence[str], places: bool) -> str:
    """Write the attribution line: control sources (summarised when long) and data credits."""
    parts = []
    if sources:
        shown: list[str] = []
        n = 0
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
        credits.append(GEONAMES_ATTRIBUTION)
    parts.append(". ".join(credits) + ". Map: frontline.")
    return " ".join(parts)


#: Height of an attribution line as a multiple of its font size
#: (matplotlib's 1.2 spacing + descent).
ATTRIBUTION_LINE_HEIGHT = 1.3


def attribution_lines(text: str, width_in: float, fontsize: float) -> list[str]:
    """Wrap the attribution to lines that fit *width_in* inches at *fontsize* points."""
    return textwrap.wrap(text, max(20, int(width_in * 72 / (fontsize * 0.55))))


def draw_attribution(frame: Frame, text: str) -> Any:
    """Draw the attribution under the map (own figure, shrunk to fit) or inside it.

    Lines are wrapped at the width the renderer measures, so no line leaves the figure; when
    even the smallest font (70 %) needs more lines than the band under the map holds, the last
    line ends in " …".
    """
    s = frame.scale
    fs = 5.2 * s
    renderer = renderer_of(frame.fig)
    if frame.owned:
        fig = frame.fig
        w, h = fig.get_size_inches()
        bottom = 0.04 * s
        x0 = frame.ax.get_position().x0
        width_px = (1 - 2 * x0) * fig.bbox.width  # the same margin on the right as on the left
        # the band under the map: the text shrinks (to 70 %) until it fits, never covering the map
        room_pt = (frame.ax.get_position().y0 * h - bottom - 0.02 * s) * 72
        lines = wrap_to_width(text, width_px, fs, renderer)
        while len(lines) * fs * ATTRIBUTION_LINE_HEIGHT > room_pt and fs > 0.7 * 5.2 * s:
            fs *= 0.93
            lines = wrap_to_width(text, width_px, fs, renderer)
        fit = max(1, int(room_pt // (fs * ATTRIBUTION_LINE_HEIGHT)))
        if len(lines) > fit:
            rest = " ".join(lines[fit - 1 :])
            last = textwrap.shorten(rest, len(lines[fit - 1]), placeholder=" …")
            while len(last) > 3 and text_width(renderer, last, fs) > width_px:
                last = textwrap.shorten(rest, len(last) - 3, placeholder=" …")
            lines = lines[: fit - 1] + [last]
        t = fig.text(
            x0,
            bottom / h,
            "\n".join(lines),
            fontsize=fs,
            color="#555555",
            ha="left",
            va="bottom",
        )
    else:
        axbox = frame.ax.get_window_extent(renderer)
        lines = wrap_to_width(text, 0.99 * axbox.width - 4, fs, renderer)
        if len(lines) > 3:
            rest = " ".join(lines[2:])
            lines = lines[:2] + [textwrap.shorten(rest, len(lines[2]), placeholder=" …")]
        t = frame.ax.text(
            0.005,
            0.005,
            "\n".join(lines),
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
