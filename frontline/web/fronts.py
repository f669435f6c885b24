"""Front lines over a whole history, each unchanged stretch stored once.

:func:`frontline.topology.front_lines` gives the front lines of one date. A web map of
hundreds of dates would repeat most of each front on every date, so the lines of every date
are cut into segments on the web grid (``10**-precision`` degrees); a segment present on
consecutive dates is one run, and segments with the same hostile pair and the same run are
merged back into lines (:class:`FrontPiece`). A date whose areas did not change reuses the
previous date's lines without computing them again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.control import ControlSnapshot
from frontline.topology import front_lines

if TYPE_CHECKING:
    from frontline.factions import FactionRegistry
    from frontline.theatre import Theatre

__all__ = ["FrontPiece", "front_history"]

Segment = tuple[int, int, int, int]


@dataclass(frozen=True)
class FrontPiece:
    """Stretches of front between two hostile factions over an unbroken range of dates.

    Attributes
    ----------
    pair : (str, str)
        The two factions, in registry order.
    start : int
        Index of the first date the stretches are a front.
    end : int or None
        Index of the first date they are not (None: still on the last date).
    geometry : shapely.MultiLineString
        Lon/lat, on the web grid.
    """

    pair: tuple[str, str]
    start: int
    end: int | None
    geometry: Any


def _segments(geom: Any, scale: float) -> set[Segment]:
    """Cut a line geometry into segments on the integer grid, each with its ends in order."""
    out: set[Segment] = set()
    for line in shapely.get_parts(geom):
        q = np.round(shapely.get_coordinates(line) * scale).astype(np.int64)
        a, b = q[:-1], q[1:]
        keep = np.any(a != b, axis=1)
        a, b = a[keep], b[keep]
        swap = ((a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1])))[:, None]
        rows = np.hstack([np.where(swap, b, a), np.where(swap, a, b)])
        out.update(map(tuple, rows.tolist()))
    return out


def _by_faction(snapshot: ControlSnapshot) -> ControlSnapshot:
    """Return the snapshot with one row per faction (observed and inferred ground dissolved)."""
    factions = [str(f) for f in snapshot.areas["faction"]]
    if len(set(factions)) == len(factions):
        return snapshot
    parts: dict[str, list[Any]] = {}
    for faction, geom in zip(factions, snapshot.areas.geometry.values, strict=True):
        parts.setdefault(faction, []).append(geom)
    return ControlSnapshot.from_areas(
        snapshot.date, {f: shapely.union_all(g) for f, g in parts.items()}, snapshot.theatre
    )


def _same_areas(a: ControlSnapshot, b: ControlSnapshot) -> bool:
    if sorted(a.areas["faction"]) != sorted(b.areas["faction"]):
        return False
    ga = dict(zip(a.areas["faction"], a.areas.geometry.values, strict=True))
    gb = dict(zip(b.areas["faction"], b.areas.geometry.values, strict=True))
    return all(shapely.equals_exact(ga[f], gb[f], 0.0) for f in ga)


def front_history(
    snapshots: Iterable[ControlSnapshot],
    registry: FactionRegistry,
    theatre: Theatre | None = None,
    precision: int = 4,
) -> list[FrontPiece]:
    """Front lines of every snapshot, as pieces with valid-from/valid-to date indexes.

    Parameters
    ----------
    snapshots : iterable of ControlSnapshot
        In date order.
    registry : FactionRegistry
        Decides which pairs are hostile on each date.
    theatre : Theatre, optional
        Passed to :func:`frontline.topology.front_lines`.
    precision : int, default 4
        Decimal places of the grid the lines are cut on.

    Returns
    -------
    list of FrontPiece
        Sorted by pair, start and end.
    """
    scale = 10.0**precision
    open_runs: dict[tuple[tuple[str, str], Segment], int] = {}
    closed: dict[tuple[tuple[str, str], int, int | None], list[Segment]] = {}
    previous: ControlSnapshot | None = None
    current: set[tuple[tuple[str, str], Segment]] = set()
    index = -1
    for index, snapshot in enumerate(_by_faction(s) for s in snapshots):
        if previous is None or not _same_areas(previous, snapshot):
            frame = front_lines(snapshot, registry, theatre=theatre)
            current = set()
            for fa, fb, geom in zip(
                frame["faction_a"], frame["faction_b"], frame.geometry.values, strict=True
            ):
                pair = (str(fa), str(fb))
                current.update((pair, s) for s in _segments(geom, scale))
        previous = snapshot
        for item in [k for k in open_runs if k not in current]:
            start = open_runs.pop(item)
            closed.setdefault((item[0], start, index), []).append(item[1])
        for item in current:
            open_runs.setdefault(item, index)
    for (pair, seg), start in open_runs.items():
        closed.setdefault((pair, start, None), []).append(seg)
    pieces = []
    for (pair, start, end), segs in closed.items():
        lines = shapely.line_merge(
            shapely.MultiLineString(
                [[(s[0] / scale, s[1] / scale), (s[2] / scale, s[3] / scale)] for s in sorted(segs)]
            )
        )
        pieces.append(FrontPiece(pair, start, end, lines))
    pieces.sort(
        key=lambda p: (p.pair, p.start, p.end if p.end is not None else len(pieces) + 10**9)
    )
    return pieces
