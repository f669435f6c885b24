"""Timelines: area, gains and losses per faction across a whole control history.

The history is streamed: each snapshot is read once, overlaid with the one before it
(:func:`frontline.overlay.overlay`) and dropped, so memory stays flat however long the history
is and the time grows linearly with the number of snapshots. A faction's area on one date is
reused as its "before" area for the next step, and factions whose area did not change are not
overlaid at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.control import INFERRED
from frontline.factions import UNKNOWN
from frontline.geo import geodesic_area_km2
from frontline.overlay import balance, faction_geometries, overlay
from frontline.sitrep import md_text

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from frontline.control import ControlSnapshot
    from frontline.factions import FactionRegistry
    from frontline.gazetteer import Gazetteer
    from frontline.history import History

TIMELINE_COLUMNS = [
    "date", "faction", "area_km2", "gained_km2", "lost_km2", "net_km2",
    "places_changed", "places_gained", "places_lost", "inferred_km2",
]  # fmt: skip


def timeline(
    history: History | Iterable[ControlSnapshot],
    gazetteer: Gazetteer | None = None,
    progress: Any = None,
) -> pd.DataFrame:
    """Area held, gained and lost per faction at every date of a history.

    Parameters
    ----------
    history : history or iterable of ControlSnapshot
        Snapshots in date order: anything that iterates over them (a history streams them
        from its store); its ``theatre``, when it has one, gives the equal-area projection.
    gazetteer : Gazetteer, optional
        Count the places each faction took or lost at each step.
    progress : callable, optional
        Called with each later snapshot's date as the timeline advances.

    Returns
    -------
    pandas.DataFrame
        One row per date and faction held on that date (plus ``unknown`` when ground went
        to or came from nobody): ``date`` (datetime.date), ``faction``, ``area_km2`` (held on
        that date; NaN for unknown), ``gained_km2``, ``lost_km2``, ``net_km2`` (since the
        previous snapshot; 0 on the first date), ``places_changed`` (= places_gained +
        places_lost), ``places_gained``, ``places_lost``, ``inferred_km2`` (the part of
        the area held that is inferred ground; NaN for unknown).
    """
    import pandas as pd

    theatre = getattr(history, "theatre", None)
    crs = theatre.area_crs if theatre is not None else None

    rows: list[tuple] = []
    prev_area: dict[str, float] | None = None
    prev_geoms: dict[str, Any] | None = None
    places_xy = _place_points(gazetteer, history) if gazetteer is not None else None
    places_tree = (
        shapely.STRtree(np.asarray(shapely.points(*places_xy), dtype=object))
        if places_xy is not None
        else None
    )
    prev_places: np.ndarray | None = None
    for snap in history:  # a history streams: one snapshot read per step
        gb = faction_geometries(snap)
        pb = None
        if places_xy is not None and prev_geoms is None:
            pb = np.asarray(snap.faction_at(*places_xy), dtype=object)
        inferred = _inferred_of(snap, crs)
        if prev_geoms is None:
            names = sorted(gb)
            km2 = geodesic_area_km2(np.array([gb[f] for f in names], dtype=object), crs=crs)
            prev_area = dict(zip(names, km2.tolist(), strict=True))
            for f in sorted(gb):
                rows.append(
                    (snap.date, f, prev_area[f], 0.0, 0.0, 0.0, 0, 0, 0, inferred.get(f, 0.0))
                )
        else:
            ov = overlay(prev_geoms, gb, area_a=prev_area, crs=crs)
            if places_xy is not None and places_tree is not None and prev_places is not None:
                pb = _places_after(snap, ov.pieces, places_xy, places_tree, prev_places)
            summary = balance(ov)
            gained_p: dict[str, int] = {}
            lost_p: dict[str, int] = {}
            if pb is not None and prev_places is not None:
                moved = prev_places != pb
                for f, t in zip(prev_places[moved], pb[moved], strict=True):
                    lost_p[f] = lost_p.get(f, 0) + 1
                    gained_p[t] = gained_p.get(t, 0) + 1
            for r in summary.itertuples(index=False):
                if r.faction not in gb and r.lost_km2 == 0 and r.gained_km2 == 0:
                    continue
                g, lo = gained_p.get(r.faction, 0), lost_p.get(r.faction, 0)
                area = (
                    float(r.area_b_km2)
                    if r.faction in gb
                    else (np.nan if r.faction == UNKNOWN else 0.0)
                )
                inf = np.nan if r.faction == UNKNOWN else inferred.get(r.faction, 0.0)
                rows.append(
                    (snap.date, r.faction, area, r.gained_km2, r.lost_km2, r.net_km2,
                     g + lo, g, lo, inf)
                )  # fmt: skip
            prev_area = dict(zip(ov.factions, ov.area_b.tolist(), strict=True))
            if progress is not None:
                progress(snap.date)
        prev_geoms, prev_places = gb, pb
    df = pd.DataFrame(rows, columns=TIMELINE_COLUMNS)
    for c in ("places_changed", "places_gained", "places_lost"):
        df[c] = df[c].astype("int64")
    return df


def _places_after(
    snap: ControlSnapshot,
    pieces: np.ndarray,
    places_xy: tuple[np.ndarray, np.ndarray],
    tree: shapely.STRtree,
    before: np.ndarray,
) -> np.ndarray:
    """Holder of every place on *snap*'s date, testing only places near the changed pieces.

    A place outside the closure of every piece that changed hands is held by the same
    faction (or nobody) on both dates, so only the places inside the pieces' envelopes
    (padded by :data:`_PAD_DEG`) are looked up in *snap* (:meth:`ControlSnapshot.faction_at`,
    the same test as for the first date).
    """
    after = before.copy()
    if not len(pieces):
        return after
    bounds = shapely.bounds(pieces) + np.array([-_PAD_DEG, -_PAD_DEG, _PAD_DEG, _PAD_DEG])
    boxes = shapely.box(bounds[:, 0], bounds[:, 1], bounds[:, 2], bounds[:, 3])
    idx = np.unique(tree.query(boxes)[1])
    if len(idx):
        xs, ys = places_xy
        after[idx] = np.asarray(snap.faction_at(xs[idx], ys[idx]), dtype=object)
    return after


#: Margin around changed pieces within which places are looked up again, degrees (~11 m):
#: far above the rounding of an overlay's edges, far below any distance between places.
_PAD_DEG = 1e-4


def _inferred_of(snap: ControlSnapshot, crs: Any) -> dict[str, float]:
    """Inferred area per faction of one snapshot, km² (factions without inferred ground: 0)."""
    columns, geoms = snap.to_parts()  # plain columns: no frame is built for this
    keep = np.array([b == INFERRED for b in columns["basis"]], dtype=bool)
    if not keep.any():
        return {}
    km2 = geodesic_area_km2(np.asarray(geoms, dtype=object)[keep], crs=crs)
    out: dict[str, float] = {}
    factions = np.asarray(columns["faction"], dtype=object)[keep]
    for f, v in zip(factions, km2.tolist(), strict=True):
        out[str(f)] = out.get(str(f), 0.0) + v
    return out


def _place_points(gazetteer: Gazetteer, history: Any) -> tuple[np.ndarray, np.ndarray]:
    places = gazetteer.to_geodataframe()
    xs, ys = shapely.get_x(places.geometry.values), shapely.get_y(places.geometry.values)
    theatre = getattr(history, "theatre", None)
    if theatre is not None:
        minx, miny, maxx, maxy = theatre.extent
        keep = (xs >= minx) & (xs <= maxx) & (ys >= miny) & (ys <= maxy)
        xs, ys = xs[keep], ys[keep]
    return xs, ys


def timeline_markdown(df: pd.DataFrame, registry: FactionRegistry | None = None) -> str:
    """Format a timeline as a Markdown table: a row per date, km² per faction.

    Each cell gives the area held and, in brackets, how much of it is inferred.
    """
    if not len(df):
        return "_The history is empty._\n"
    held = df[df["faction"] != UNKNOWN].pivot_table(
        index="date", columns="faction", values="area_km2", aggfunc="sum"
    )
    inferred = (
        df[df["faction"] != UNKNOWN].pivot_table(
            index="date", columns="faction", values="inferred_km2", aggfunc="sum"
        )
        if "inferred_km2" in df.columns
        else None
    )
    changed = df.groupby("date")["gained_km2"].sum()
    names = {
        f: (registry.get(f).name if registry is not None and f in registry else f)
        for f in held.columns
    }
    any_inferred = inferred is not None and bool((inferred.fillna(0.0) >= 0.5).to_numpy().any())
    unit = " (km², inferred)" if any_inferred else " (km²)"
    head = (
        "| Date | "
        + " | ".join(md_text(names[f]) + unit for f in held.columns)
        + " | Changed hands (km²) |"
    )
    out = [head, "|---|" + "---:|" * (len(held.columns) + 1)]
    for day, row in held.iterrows():
        cells = []
        for f, v in zip(held.columns, row.values, strict=True):
            if v != v:
                cells.append("–")
                continue
            inf = inferred.at[day, f] if inferred is not None and f in inferred.columns else 0.0
            cells.append(f"{v:,.0f}" + (f" ({inf:,.0f})" if inf == inf and inf >= 0.5 else ""))
        out.append(f"| {day} | " + " | ".join(cells) + f" | {changed.get(day, 0.0):,.0f} |")
    return "\n".join(out) + "\n"


def plot_timeline(
    df: pd.DataFrame,
    ax: Axes | None = None,
    registry: FactionRegistry | None = None,
    factions: Iterable[str] | None = None,
    basis: bool | None = None,
) -> Axes:
    """Plot area held per faction over time (one line per faction, in registry colours).

    The legend sits outside the axes, right of the plot, with the factions' full names; a
    new figure makes room for it (constrained layout), so a saved image never cuts it.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`timeline` table.
    ax : matplotlib Axes, optional
        Where to draw; a new figure otherwise.
    registry : FactionRegistry, optional
        Colours and display names.
    factions : iterable of str, optional
        Only these factions.
    basis : bool, optional
        Show observed and inferred area apart. In a new figure a second panel under the
        first plots each faction's observed area (near a reported place; the rest of its
        area is inferred); in given axes a dashed line of the faction's colour does. Default:
        when the table has an ``inferred_km2`` column with some inferred ground.

    Returns
    -------
    matplotlib.axes.Axes
        The axes of the area held (the first panel).
    """
    import matplotlib.pyplot as plt
    import pandas as pd
    from matplotlib.lines import Line2D

    data = df[df["faction"] != UNKNOWN]
    if factions is not None:
        data = data[data["faction"].isin(list(factions))]
    held = data.pivot_table(index="date", columns="faction", values="area_km2", aggfunc="sum")
    inferred = None
    if "inferred_km2" in data.columns and len(data):
        inferred = data.pivot_table(
            index="date", columns="faction", values="inferred_km2", aggfunc="sum"
        ).reindex(index=held.index, columns=held.columns)
        inferred = inferred.fillna(0.0)
    held.index = pd.to_datetime(held.index)
    if basis is None:
        basis = inferred is not None and bool((inferred >= 0.5).to_numpy().any())
    basis = bool(basis) and inferred is not None
    below = None
    if ax is None:
        if basis:
            fig, (ax, below) = plt.subplots(
                2, 1, figsize=(10, 7), sharex=True, layout="constrained",
                gridspec_kw={"height_ratios": [2, 1.2]},
            )  # fmt: skip
        else:
            fig, ax = plt.subplots(figsize=(10, 5), layout="constrained")
    order = list(held.columns)
    if registry is not None:
        rank = {f: i for i, f in enumerate(registry.ids)}
        order.sort(key=lambda f: (rank.get(f, len(rank)), f))
    for f in order:
        colour = registry.colour(f) if registry is not None and f in registry else None
        label = registry.get(f).name if registry is not None and f in registry else f
        # markers show the value at every snapshot, so a faction seen only on the last date
        # shows too
        (line,) = ax.plot(held.index, held[f].values, label=label, color=colour, lw=2,
                          drawstyle="steps-post", marker="o", markersize=3)  # fmt: skip
        if basis and inferred is not None:
            observed = held[f].values - inferred[f].values
            on = below if below is not None else ax
            style = "-" if below is not None else (0, (3, 2))
            on.plot(held.index, observed, color=line.get_color(), lw=1.6 if below else 1.1,
                    ls=style, drawstyle="steps-post")  # fmt: skip
    for a in (ax, below):
        if a is None:
            continue
        a.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        a.grid(True, alpha=0.3)
    ax.set_ylabel("Area held (km²)")
    ax.set_title("Area held per faction")
    if below is not None:
        below.set_ylabel("Observed (km²)")
        below.set_title(
            "of which observed: near a reported place (the rest is inferred by the fill "
            "convention)",
            fontsize="medium",
        )
    if order:
        kw = dict(fontsize="small", frameon=False, alignment="left")
        # constrained layout (a new figure) makes room for a legend outside the axes
        leg = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="Faction", **kw)
        leg.set_gid("timeline-legend")
        if basis and below is None:
            ax.add_artist(leg)  # a second legend on the same axes would replace the first
            key = [
                Line2D([], [], color="#333333", lw=2, marker="o", markersize=3),
                Line2D([], [], color="#333333", lw=1.1, ls=(0, (3, 2))),
            ]
            words = ["Area held (observed + inferred)", "Observed: near a reported place"]
            note = ax.legend(key, words, loc="lower left", bbox_to_anchor=(1.01, 0.0), **kw)
            note.set_gid("timeline-basis-legend")
    last = below if below is not None else ax
    for label in last.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")
    return ax
