"""Boundaries as edge arrays: hashing, matching and nearness of polygon edges (shared kernels).

Two maps of nearby dates, and two factions cut from one another, share most of their
boundary edges exactly. An edge is identified by an undirected hash key of its two end
points (:func:`edge_keys`, the one edge-hashing kernel), so shared edges are found by binary
search in sorted keys (:func:`member`) without any geometry operation. :func:`polygon_edges`
lists a polygon's edges with their keys (used by :func:`frontline.overlay.dirty_rectangles`);
:class:`Edges` holds a densified, projected boundary and answers which of its edges lie
within a tolerance of another area (used by :mod:`frontline.topology` for front lines,
link-ups and pockets); :class:`EdgeLengths` caches geodesic edge lengths.

The vertex test (:meth:`Edges.within`) first compares boxes: the other boundary in chunks of
:data:`CHUNK` consecutive vertices, the tested vertices in short paths along their own
boundary; a path farther than the tolerance from every chunk is near no vertex and lies
wholly inside or outside the other area (one point-in-polygon test), and only the remaining
vertices get the exact nearest-vertex query (an STRtree over the nearby chunks' vertices).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyproj
import shapely

from frontline.geo import GEOD, bounds_of, equal_area_crs, lonlat_transformer

if TYPE_CHECKING:
    from frontline.theatre import Theatre

#: Vertices per chunk (and per query path) in :meth:`Edges.within`.
CHUNK = 64

_H = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)


# -- the edge kernels ------------------------------------------------------------------------------
def edge_keys(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Undirected hash keys of the edges from ``p[i]`` to ``q[i]`` ((n, 2) lon/lat arrays).

    The key hashes the exact bits of the lower and the upper end point (ends ordered by x,
    then y), so an edge has the same key in either direction and in any boundary it belongs
    to. Equal keys of different edges are possible but vanishingly rare (64-bit hash); the
    callers compare end points where a false match would matter.

    Examples
    --------
    >>> import numpy as np
    >>> p, q = np.array([[38.0, 33.0]]), np.array([[38.5, 33.5]])
    >>> bool(edge_keys(p, q)[0] == edge_keys(q, p)[0])
    True
    """
    return _hash(*_ordered(p, q))


def _ordered(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the lower and the upper end of every edge (ends ordered by x, then y)."""
    swap = ((p[:, 0] > q[:, 0]) | ((p[:, 0] == q[:, 0]) & (p[:, 1] > q[:, 1])))[:, None]
    return np.where(swap, q, p), np.where(swap, p, q)


def _hash(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    lo = np.ascontiguousarray(lo, dtype=np.float64).view(np.uint64)
    hi = np.ascontiguousarray(hi, dtype=np.float64).view(np.uint64)
    with np.errstate(over="ignore"):
        keys = lo[:, 0] * _H[0] + lo[:, 1] * _H[1] + hi[:, 0] * _H[2] + hi[:, 1] * _H[3]
        return keys ^ (keys >> np.uint64(31))


def polygon_edges(geom: shapely.Geometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges of a polygonal geometry, ring by ring: keys, (n, 4) end points and ring index.

    Returns
    -------
    keys : ndarray of uint64
        :func:`edge_keys` of every edge.
    ends : ndarray (n, 4)
        ``(x0, y0, x1, y1)`` of every edge (lower end first, as :func:`edge_keys` orders
        them), in ring order.
    ring : ndarray of int
        The ring each edge belongs to.
    """
    rings, _ = shapely.get_rings(shapely.get_parts(geom), return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    s = np.flatnonzero(ring[:-1] == ring[1:])
    lo, hi = _ordered(xy[s], xy[s + 1])
    return _hash(lo, hi), np.hstack([lo, hi]), ring[s]


def member(values: np.ndarray, pool_sorted: np.ndarray) -> np.ndarray:
    """``np.isin(values, pool)`` for a sorted *pool*, by binary search (faster than hashing).

    Examples
    --------
    >>> import numpy as np
    >>> member(np.array([3, 1, 7]), np.array([1, 2, 3])).tolist()
    [True, True, False]
    """
    if not len(pool_sorted) or not len(values):
        return np.zeros(len(values), dtype=bool)
    i = np.searchsorted(pool_sorted, values)
    i[i == len(pool_sorted)] = 0
    return pool_sorted[i] == values


def _run_boxes(xy: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Bounding boxes ``(minx, miny, maxx, maxy)`` of the rows ``lo[k]:hi[k]`` of *xy*.

    Runs must be non-empty and sorted; they may overlap by one row (as chunks do).
    """
    if not len(lo):
        return np.zeros((0, 4))
    # reduceat over disjoint runs, then fold in the one extra row of overlapping runs
    ends = np.append(lo[1:], len(xy))
    mn = np.minimum.reduceat(xy, lo, axis=0)
    mx = np.maximum.reduceat(xy, lo, axis=0)
    over = np.flatnonzero(hi > ends)
    if len(over):
        extra = xy[ends[over]]
        mn[over] = np.minimum(mn[over], extra)
        mx[over] = np.maximum(mx[over], extra)
    short = np.flatnonzero(hi < ends)
    for k in short.tolist():  # only the last run can be shorter than the gap to the next
        mn[k], mx[k] = xy[lo[k] : hi[k]].min(axis=0), xy[lo[k] : hi[k]].max(axis=0)
    return np.hstack([mn, mx])


def _geodesic_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # the distance does not depend on the back azimuth; skipping its flip saves ~25 %
    dist = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1], return_back_azimuth=False)[2]
    return np.asarray(dist) / 1e3


# -- projection ------------------------------------------------------------------------------------
class Projector:
    """Forward projection of lon/lat geometries to an equal-area CRS in metres (vectorised).

    Parameters
    ----------
    crs : pyproj.CRS
        Target CRS (metres), usually :attr:`frontline.theatre.Theatre.area_crs`.
    """

    def __init__(self, crs: pyproj.CRS) -> None:
        self.crs = crs
        self._tr = lonlat_transformer(crs)

    @classmethod
    def for_geometries(
        cls, geoms: Sequence[shapely.Geometry], theatre: Theatre | None = None
    ) -> Projector:
        """Use the theatre's equal-area projection, or one centred on the geometries' bounds."""
        if theatre is not None:
            return cls(theatre.area_crs)
        return cls(equal_area_crs(bounds_of(geoms)))

    def coords(self, xy: np.ndarray) -> np.ndarray:
        """Project an (n, 2) array of lon/lat coordinates."""
        if len(xy) == 0:
            return xy.astype(float)
        x, y = self._tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    def geometry(self, geom: shapely.Geometry | np.ndarray) -> shapely.Geometry | np.ndarray:
        """Project a geometry (or an array of geometries)."""
        return shapely.transform(geom, self.coords)


# -- boundaries ------------------------------------------------------------------------------------
class EdgeLengths:
    """Cache of geodesic edge lengths (km), keyed by the exact directed end points.

    Two maps of nearby dates share most of their edges exactly; a cache shared by the
    boundaries of both (as :func:`frontline.diff.diff` does) measures each edge once. A
    cached value is the one :meth:`pyproj.Geod.inv` gives for the same end points in the
    same direction, so results do not depend on the cache.
    """

    def __init__(self) -> None:
        # blocks of (sorted undirected edge keys, directed end points, km)
        self._blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def __call__(self, keys: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Geodesic length (km) of the edges from ``a[i]`` to ``b[i]`` (lon/lat arrays).

        *keys* are the edges' undirected hash keys (:attr:`Edges.keys`); a cached length
        is used only when both end points match exactly, in the same order.
        """
        out = np.full(len(keys), np.nan)
        ends = np.hstack([a, b])
        for bkeys, bends, bkm in self._blocks:
            todo = np.flatnonzero(np.isnan(out))
            if not len(todo):
                break
            i = np.searchsorted(bkeys, keys[todo])
            i[i == len(bkeys)] = 0
            cand = bkeys[i] == keys[todo]
            cand[cand] = np.all(bends[i[cand]] == ends[todo[cand]], axis=1)
            out[todo[cand]] = bkm[i[cand]]
        miss = np.flatnonzero(np.isnan(out))
        if len(miss):
            out[miss] = _geodesic_km(a[miss], b[miss])
            order = miss[np.argsort(keys[miss], kind="stable")]
            self._blocks.append((keys[order], ends[order], out[order]))
        return out


class Edges:
    """The boundary of one faction's area as vertex and edge arrays (no Python loop over vertices).

    The boundary is densified so that no edge is longer than about *max_km*; vertices are
    kept in lon/lat and in the projection (metres). Edge *i* joins vertex ``start[i]`` and
    ``start[i] + 1``.

    Parameters
    ----------
    geom : shapely geometry
        Polygonal area (lon/lat).
    proj : Projector
        Equal-area projection in metres.
    max_km : float
        Longest edge (approximately; measured along latitude).
    lengths : EdgeLengths, optional
        Cache of geodesic edge lengths shared with other boundaries (e.g. the other date's).
    """

    def __init__(
        self,
        geom: shapely.Geometry,
        proj: Projector,
        max_km: float,
        lengths: EdgeLengths | None = None,
    ) -> None:
        self.geom = geom
        dense = shapely.segmentize(geom, max_km / 111.32)
        polys = shapely.get_parts(dense)
        rings, ring_poly = shapely.get_rings(polys, return_index=True)
        first = np.ones(len(rings), dtype=bool)
        first[1:] = ring_poly[1:] != ring_poly[:-1]
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        self.polys = polys
        self.xy = xy
        self.pxy = proj.coords(xy)
        self.vertex_ring = ring
        self.start = (
            np.flatnonzero(ring[:-1] == ring[1:]) if len(ring) > 1 else np.zeros(0, dtype=int)
        )
        self.ring = ring[self.start]
        self.part = ring_poly[self.ring] if len(rings) else np.zeros(0, dtype=int)
        self.exterior = first[self.ring] if len(rings) else np.zeros(0, dtype=bool)
        self.keys = edge_keys(xy[self.start], xy[self.start + 1])
        if len(self.pxy):
            px, py = self.pxy[:, 0], self.pxy[:, 1]
            self.bounds = np.array([px.min(), py.min(), px.max(), py.max()])
        else:
            self.bounds = np.array([np.inf, np.inf, -np.inf, -np.inf])
        self.lengths = lengths
        self._sorted_keys: tuple[np.ndarray, np.ndarray] | None = None
        self._chunks: tuple[np.ndarray, shapely.STRtree] | None = None
        self._prepared = False

    def km(self, idx: np.ndarray) -> np.ndarray:
        """Geodesic length (km) of the edges *idx* (looked up in the shared cache first)."""
        if not len(idx):
            return np.zeros(0)
        a, b = self.xy[self.start[idx]], self.xy[self.start[idx] + 1]
        if self.lengths is not None:
            return self.lengths(self.keys[idx], a, b)
        return _geodesic_km(a, b)

    def sorted_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the edge keys sorted, and the order that sorts them (built once)."""
        if self._sorted_keys is None:
            order = np.argsort(self.keys)
            self._sorted_keys = (self.keys[order], order)
        return self._sorted_keys

    def shared(self, other: Edges) -> np.ndarray:
        """Which of this boundary's edges are also edges of *other* (same end points).

        Both key lists are sorted once per boundary, so the binary search walks both in
        order (much faster than searching keys in random order).
        """
        mine, order = self.sorted_keys()
        out = np.empty(len(mine), dtype=bool)
        out[order] = member(mine, other.sorted_keys()[0])
        return out

    def _prepare(self) -> None:
        if not self._prepared:
            shapely.prepare(self.geom)
            self._prepared = True

    def _chunk_index(self) -> tuple[np.ndarray, shapely.STRtree]:
        """Boxes (projected) of runs of :data:`CHUNK` consecutive vertices, and their STRtree.

        Chunk *k* holds vertices ``k·CHUNK … (k+1)·CHUNK`` (one shared with the next chunk),
        so every edge of the boundary lies inside some chunk's box.
        """
        if self._chunks is None:
            n = len(self.pxy)
            lo = np.arange(0, max(n - 1, 1), CHUNK)
            hi = np.minimum(lo + CHUNK + 1, n)
            boxes = _run_boxes(self.pxy, lo, hi)
            tree = shapely.STRtree(shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]))
            self._chunks = (np.column_stack([lo, hi]), tree)
        return self._chunks

    def within(self, query: Edges, verts: np.ndarray, tolerance_m: float) -> np.ndarray:
        """Say which vertices *verts* of *query* are near this boundary's vertices or inside it.

        Near means within *tolerance_m* (projected). Vectorised, with no tree over all
        vertices: the query vertices are grouped into short paths along their boundary
        (consecutive vertices of one ring, at most :data:`CHUNK` long). A path whose box is
        farther than the tolerance from every chunk box of this boundary cannot come near
        this boundary nor cross it: its vertices are near none of its vertices and all lie on
        the same side, so one containment test answers for the whole path. Only the other
        paths are tested vertex by vertex, against the vertices of the chunks near them
        (STRtree nearest neighbour bounded by the tolerance, then containment): exactly the
        test of every vertex against every vertex, done where it can matter.
        """
        out = np.zeros(len(verts), dtype=bool)
        if not len(verts) or not len(self.pxy):
            return out
        ring = query.vertex_ring[verts]
        new = np.ones(len(verts), dtype=bool)
        new[1:] = (np.diff(verts) != 1) | (np.diff(ring) != 0)
        start = np.flatnonzero(new)
        pos = np.arange(len(verts)) - start[np.cumsum(new) - 1]
        first = np.flatnonzero(new | (pos % CHUNK == 0))  # paths of at most CHUNK vertices
        last = np.append(first[1:], len(verts))
        pts = query.pxy[verts]
        boxes = _run_boxes(pts, first, last)
        ranges, tree = self._chunk_index()
        grp, chunk = tree.query(
            shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]),
            predicate="dwithin",
            distance=tolerance_m,
        )
        group_of = np.repeat(np.arange(len(first)), last - first)
        close = np.zeros(len(first), dtype=bool)
        close[grp] = True
        self._prepare()
        far = np.flatnonzero(~close)
        if len(far):
            v0 = verts[first[far]]
            inside = np.zeros(len(first), dtype=bool)
            inside[far] = shapely.contains_xy(self.geom, query.xy[v0, 0], query.xy[v0, 1])
            out = inside[group_of] & ~close[group_of]
        todo = np.flatnonzero(close[group_of])
        if not len(todo):
            return out
        lo, hi = ranges[np.unique(chunk), 0], ranges[np.unique(chunk), 1]
        cand = np.unique(
            np.concatenate([np.arange(a, b) for a, b in zip(lo.tolist(), hi.tolist(), strict=True)])
        )
        hit, _ = shapely.STRtree(shapely.points(self.pxy[cand])).query_nearest(
            shapely.points(pts[todo]), max_distance=tolerance_m, all_matches=False
        )
        out[todo[hit]] = True
        rest = todo[~out[todo]]
        if len(rest):
            v = verts[rest]
            out[rest] = shapely.contains_xy(self.geom, query.xy[v, 0], query.xy[v, 1])
        return out

    def near_box(self, other: Edges, tolerance_m: float) -> bool:
        """Whether the two boundaries' envelopes come within the tolerance."""
        a, b = self.bounds, other.bounds
        return bool(
            a[0] - tolerance_m <= b[2] and b[0] - tolerance_m <= a[2]
            and a[1] - tolerance_m <= b[3] and b[1] - tolerance_m <= a[3]
        )  # fmt: skip

    def near(self, others: Sequence[Edges], tolerance_m: float) -> np.ndarray:
        """Which of this boundary's edges lie within *tolerance_m* of the *others*' areas.

        An edge is near when it is also an edge of another boundary (exact match), or when
        both its end points are within the tolerance of another boundary's vertices (all
        boundaries are densified to about half the tolerance) or inside another area.
        """
        near = np.zeros(len(self.start), dtype=bool)
        others = [o for o in others if len(o.start) and self.near_box(o, tolerance_m)]
        if not others or not len(near):
            return near
        for o in others:
            near |= self.shared(o)
        rest = np.flatnonzero(~near)
        if not len(rest):
            return near
        verts = np.unique(np.concatenate([self.start[rest], self.start[rest] + 1]))
        vnear = np.zeros(len(self.xy), dtype=bool)
        for o in others:
            todo = verts[~vnear[verts]]
            if not len(todo):
                break
            vnear[todo] = o.within(self, todo, tolerance_m)
        near[rest] = vnear[self.start[rest]] & vnear[self.start[rest] + 1]
        return near

    def lines(self, mask: np.ndarray) -> tuple[list[shapely.LineString], np.ndarray]:
        """Continuous lon/lat lines made of the selected edges, and their lengths (km)."""
        idx = np.flatnonzero(mask)
        if not len(idx):
            return [], np.zeros(0)
        brk = np.flatnonzero((np.diff(idx) != 1) | (np.diff(self.ring[idx]) != 0)) + 1
        first = np.concatenate([[0], brk])
        last = np.concatenate([brk - 1, [len(idx) - 1]])
        e0, e1 = idx[first].tolist(), idx[last].tolist()
        km = np.add.reduceat(self.km(idx), first).tolist()
        # edges are stored ring by ring: first and last edge of every ring
        rings, ring_first = np.unique(self.ring, return_index=True)
        ring_last = np.append(ring_first[1:] - 1, len(self.ring) - 1)
        first_of = dict(zip(rings.tolist(), ring_first.tolist(), strict=True))
        last_of = dict(zip(rings.tolist(), ring_last.tolist(), strict=True))
        run_at = {e: k for k, e in enumerate(e0)}
        # a run that ends a closed ring continues with the run that starts it
        partner = {}
        for k in range(len(e0)):
            r = int(self.ring[e0[k]])
            if e1[k] == last_of[r]:
                j = run_at.get(first_of[r])
                if j is not None and j != k:
                    partner[k] = j
        absorbed = set(partner.values())
        out, lengths = [], []
        for k in range(len(e0)):
            if k in absorbed:
                continue
            coords = self.xy[self.start[e0[k]] : self.start[e1[k]] + 2]
            length = km[k]
            if k in partner:
                j = partner[k]
                coords = np.vstack([coords, self.xy[self.start[e0[j]] + 1 : self.start[e1[j]] + 2]])
                length += km[j]
            out.append(shapely.LineString(coords))
            lengths.append(length)
        return out, np.asarray(lengths)
