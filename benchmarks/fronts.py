"""Synthetic but realistic jagged fronts, for benchmarks (no real places, no real claims).

A theatre box is split into strips held by alternating hostile factions; each boundary
between two strips is a *front*: a north–south line with the texture of digitised fronts
(a smooth meander, a detrended random walk and fine jitter), sharing its vertices exactly
between the two sides, as areas cut from one another do. The last strip ends at a jagged
edge with unknown ground beyond. Small enclaves of the western faction sit behind each front.

Between two dates, fronts move only in a few sectors (compact bumps), elsewhere keeping
their vertices, as real day-to-day control maps do; moved sectors are re-jittered.

Examples
--------
>>> a, b = jagged_pair(vertices=20_000, seed=1)
>>> vertex_count(a) >= 20_000
True
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator

import numpy as np
import shapely

from frontline.control import ControlSnapshot

#: Default theatre box: (minlon, minlat, maxlon, maxlat). Synthetic; any box works.
BOX = (36.0, 46.5, 40.0, 50.0)
FACTIONS = ("west", "east", "west-2", "east-2", "west-3")


def _front(
    rng: np.random.Generator, n: int, x0: float, y0: float, y1: float, amp: float
) -> np.ndarray:
    """One jagged north–south front of *n* vertices around longitude *x0*."""
    t = np.linspace(0.0, 1.0, n)
    step = (y1 - y0) / n  # vertex spacing along the front
    smooth = sum(
        rng.uniform(0.3, 1.0) * amp / k * np.sin(2 * np.pi * k * t + rng.uniform(0, 2 * np.pi))
        for k in range(1, 8)
    )
    # a random walk with some persistence (salients and re-entrants a few km across)
    walk = np.cumsum(np.convolve(rng.normal(0.0, step * 0.6, n), np.ones(25) / 5, mode="same"))
    walk -= np.linspace(walk[0], walk[-1], n)
    jitter = rng.normal(0.0, step * 0.25, n)
    x = x0 + smooth + walk + jitter
    return np.column_stack([x, y0 + (y1 - y0) * t])


def _bumps(rng: np.random.Generator, n: int, sectors: int, shift: float) -> np.ndarray:
    """Displacement that is exactly zero outside a few sectors (compactly supported bumps)."""
    d = np.zeros(n)
    for _ in range(sectors):
        c = rng.integers(0, n)
        w = int(rng.integers(max(n // 200, 3), max(n // 25, 6)))
        lo, hi = max(c - w, 1), min(c + w, n - 1)
        k = np.arange(lo, hi)
        d[k] += rng.normal(0.0, shift) * np.cos(0.5 * np.pi * (k - c) / w) ** 2
    return d


class JaggedTheatre:
    """A sequence of jagged-front maps: ``next()`` moves the fronts in a few sectors.

    Parameters
    ----------
    vertices : int
        Approximate number of vertices of one snapshot (all faction areas together).
    fronts : int
        Number of fronts (factions = fronts + 1, alternately hostile).
    seed : int
        Random seed (the sequence is reproducible).
    sectors : int
        Sectors that move per step.
    shift_deg : float
        Typical displacement of a moving sector, degrees of longitude.
    """

    def __init__(
        self,
        vertices: int = 120_000,
        fronts: int = 3,
        seed: int = 0,
        sectors: int = 6,
        shift_deg: float = 0.03,
    ) -> None:
        self.rng = np.random.default_rng(seed)
        minx, miny, maxx, maxy = BOX
        self.box = BOX
        # each inner front bounds two areas, the last one only the last area
        self.n = max(vertices // (2 * fronts - 1), 50)
        self.spacing = (maxy - miny) / self.n
        width = (maxx - minx) / (fronts + 1)
        self.fronts = [
            _front(self.rng, self.n, minx + width * (i + 1), miny, maxy, width * 0.18)
            for i in range(fronts + 1)
        ]
        self.factions = [*FACTIONS[: fronts + 1]]
        self.sectors = sectors
        self.shift = shift_deg
        self.enclaves = [self._enclave(f) for f in self.fronts[:-1]]
        self.date = _dt.date(2024, 1, 1)

    def _enclave(self, front: np.ndarray) -> shapely.Polygon:
        k = int(self.rng.integers(self.n // 4, 3 * self.n // 4))
        x, y = front[k]
        ang = np.linspace(0, 2 * np.pi, 64, endpoint=False)
        r = 0.02 * (1 + 0.3 * self.rng.random(64))
        return shapely.Polygon(np.column_stack([x + 0.08 + r * np.cos(ang), y + r * np.sin(ang)]))

    def snapshot(self) -> ControlSnapshot:
        """The current map."""
        minx, miny, maxx, maxy = self.box
        areas: dict[str, shapely.Geometry] = {}
        west_edge = np.array([[minx, miny], [minx, maxy]])
        left = west_edge
        for i, front in enumerate(self.fronts):
            ring = np.vstack([left, front[::-1]]) if i else np.vstack([front, west_edge[::-1]])
            poly = shapely.Polygon(ring)
            if not poly.is_valid:
                poly = shapely.make_valid(poly)
            areas[self.factions[i]] = poly
            left = front
        # enclaves of each western faction behind the front to its east
        for i, enc in enumerate(self.enclaves):
            east = self.factions[i + 1]
            if i + 1 < len(self.fronts):
                areas[east] = shapely.difference(areas[east], enc)
                areas[self.factions[i]] = shapely.union(areas[self.factions[i]], enc)
        # the last faction's east edge is the last "front" (unknown ground beyond): drop its
        # own strip
        last = self.factions[-1]
        del areas[last]
        return ControlSnapshot.from_areas(self.date, areas)

    def step(self, days: int = 1) -> None:
        """Move the fronts in a few sectors, keep them apart, advance the date."""
        for i, f in enumerate(self.fronts):
            d = _bumps(self.rng, self.n, self.sectors, self.shift)
            moved = d != 0
            # moved sectors are re-digitised: fresh jitter at the scale of the vertex spacing
            f[moved, 0] += d[moved] + self.rng.normal(0.0, self.spacing * 0.25, int(moved.sum()))
            if i:
                f[:, 0] = np.maximum(f[:, 0], self.fronts[i - 1][:, 0] + 0.05)
        self.fronts[0][:, 0] = np.maximum(self.fronts[0][:, 0], self.box[0] + 0.05)
        self.date += _dt.timedelta(days=days)

    def series(self, count: int) -> Iterator[ControlSnapshot]:
        """*count* daily snapshots."""
        for k in range(count):
            if k:
                self.step()
            yield self.snapshot()


def jagged_pair(
    vertices: int = 120_000, seed: int = 0, days: int = 7
) -> tuple[ControlSnapshot, ControlSnapshot]:
    """Two maps a week apart, each with about *vertices* vertices."""
    th = JaggedTheatre(vertices=vertices, seed=seed, sectors=8)
    a = th.snapshot()
    for _ in range(days):
        th.step()
    return a, th.snapshot()


def vertex_count(snapshot: ControlSnapshot) -> int:
    """Total vertices of a snapshot's areas."""
    return int(shapely.get_num_coordinates(snapshot.areas.geometry.values).sum())


def registry():
    """Faction registry of the synthetic theatre: west* factions allied, east* hostile to them."""
    from frontline.factions import Faction, FactionRegistry, SideRelation

    colours = ["#0072B2", "#D55E00", "#56B4E9", "#E69F00", "#009E73"]
    facs = [
        Faction(f, f.title(), colours[i], "W" if f.startswith("west") else "E")
        for i, f in enumerate(FACTIONS)
    ]
    return FactionRegistry(facs, [SideRelation("W", "E", "hostile")])
