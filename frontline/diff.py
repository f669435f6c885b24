"""What changed between two dates: ground, balance, places, front lines and link-ups.

Method
------
For every faction *f* held on either date, one overlay of its two areas (a symmetric
difference, split into the ground it lost, ``A_f − B_f``, and the ground it gained,
``B_f − A_f``, by testing one interior point of each part) finds what changed; factions
whose area did not change at all are skipped. Day-to-day maps share most of their edges
exactly, so the overlay runs only inside the rectangles around the chains of edges that
differ (:func:`dirty_rectangles`), and the result is checked by area (a plain overlay of the
whole areas is the fallback). The lost and gained pieces are small, so who got what is then
read from their pairwise intersections, only for pairs an STRtree says intersect (a lost
piece that is exactly another faction's gained piece needs no overlay at all). Ground that
no faction holds is the explicit side ``"unknown"`` (:data:`frontline.factions.UNKNOWN`):
ground lost to nobody goes to ``unknown`` and ground taken from nobody comes from it, so
every change has a from and a to.

Overlays run directly on lon/lat coordinates (the stored coordinates, so nothing is
reprojected and no vertex moves). Areas are measured in a Lambert azimuthal equal-area
projection of the WGS84 ellipsoid (:class:`AreaMeter`, vectorised), with edges longer than
0.01° densified so that edges count as straight in lon/lat (as RFC 7946 has them) and the
areas of the pieces add up to the area of the whole; they agree with
``pyproj.Geod.geometry_area_perimeter`` to better than 0.01 %.

The changed pieces partition the ground whose controller differs between the two maps;
``diff(a, a)`` is empty and ``diff(b, a)`` mirrors ``diff(a, b)``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.factions import UNKNOWN
from frontline.topology import _member  # sorted-array membership, shared with topology

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from frontline.control import ControlSnapshot
    from frontline.factions import FactionRegistry
    from frontline.gazetteer import Gazetteer
    from frontline.store import ControlHistory
    from frontline.theatre import Theatre

CHANGE_COLUMNS = ["from_faction", "to_faction", "area_km2", "location", "geometry"]
SUMMARY_COLUMNS = [
    "faction",
    "area_a_km2",
    "area_b_km2",
    "gained_km2",
    "lost_km2",
    "net_km2",
    "net_pct",
]
PLACE_COLUMNS = ["place_id", "name", "kind", "importance", "from_faction", "to_faction", "geometry"]
#: Changed pieces beyond this many (smallest first) get coordinates instead of gazetteer words.
MAX_DESCRIBED = 500
#: Edges longer than this (degrees) are densified before measuring areas (~1 km).
DENSIFY_DEG = 0.01
_EMPTY = shapely.MultiPolygon()


# -- the overlay --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Overlay:
    """The raw result of overlaying two maps (no words, no topology); used by timelines.

    Attributes
    ----------
    factions : list of str
        Factions held on either date (sorted).
    area_a, area_b : ndarray
        Geodesic km² held by each faction on each date.
    from_faction, to_faction : ndarray of str
        Sides of each changed piece.
    pieces : ndarray of Polygon
        The changed pieces (lon/lat).
    area_km2 : ndarray
        Geodesic area of each piece.
    """

    factions: list[str]
    area_a: np.ndarray
    area_b: np.ndarray
    from_faction: np.ndarray
    to_faction: np.ndarray
    pieces: np.ndarray
    area_km2: np.ndarray


def _geoms(snapshot: ControlSnapshot) -> dict[str, shapely.Geometry]:
    areas = snapshot.areas
    return {
        str(f): g
        for f, g in zip(areas["faction"], areas.geometry.values, strict=True)
        if g is not None and not g.is_empty and str(f) != UNKNOWN
    }


def _polygons(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Explode (multi)polygons and collections into Polygons, with the input index of each."""
    idx = np.arange(len(geoms))
    for _ in range(3):
        parts, sub = shapely.get_parts(geoms, return_index=True)
        idx = idx[sub]
        geoms = parts
        multi = shapely.get_type_id(geoms) >= 4
        if not multi.any():
            break
    keep = (shapely.get_type_id(geoms) == 3) & ~shapely.is_empty(geoms)
    return geoms[keep], idx[keep]


class AreaMeter:
    """Areas of lon/lat polygons in km², in an equal-area projection (vectorised).

    Edges longer than :data:`DENSIFY_DEG` are densified first, so that edges count as
    straight in lon/lat (as RFC 7946 has them) and the area of a whole equals the sum of the
    areas of its pieces. The projection is Lambert azimuthal equal-area on the WGS84
    ellipsoid (:func:`frontline.geo.equal_area_crs`), so areas are true on the ellipsoid;
    they agree with :meth:`pyproj.Geod.geometry_area_perimeter` to better than 0.01 %.

    Parameters
    ----------
    crs : pyproj.CRS, optional
        The equal-area CRS (e.g. ``theatre.area_crs``); by default one centred on *bounds*.
    bounds : sequence of float, optional
        ``(minlon, minlat, maxlon, maxlat)`` of the data.
    """

    def __init__(self, crs=None, bounds=None) -> None:
        if crs is None:
            # equal-area everywhere: the centre only needs to be near the data (rounded to 1°
            # so that the projection is built once per region)
            b = np.asarray(bounds if bounds is not None else (0.0, 0.0, 1.0, 1.0), dtype=float)
            if not np.all(np.isfinite(b)):
                b = np.array([0.0, 0.0, 1.0, 1.0])
            self._tr = _laea(round((b[0] + b[2]) / 2), round((b[1] + b[3]) / 2))
        else:
            self._tr = _transformer(crs)
        self.crs = self._tr.target_crs

    def __call__(self, geoms: np.ndarray) -> np.ndarray:
        """Areas (km²) of an array of (multi)polygons (0 for empty or missing ones)."""
        geoms = np.asarray(geoms, dtype=object).reshape(-1)
        out = np.zeros(len(geoms))
        if not len(geoms):
            return out
        polys, owner = shapely.get_parts(geoms, return_index=True)
        if not len(polys):
            return out
        rings, ring_poly = shapely.get_rings(polys, return_index=True)
        xy, ring_of = shapely.get_coordinates(rings, return_index=True)
        if len(xy) < 2:
            return out
        x, y = self._tr.transform(xy[:, 0], xy[:, 1])
        # shoelace per ring (rings are closed: the last vertex repeats the first)
        cross = x[:-1] * y[1:] - x[1:] * y[:-1]
        same = ring_of[:-1] == ring_of[1:]
        # edges longer than DENSIFY_DEG count as straight in lon/lat: replace their term by
        # the sum over the densified edge (no geometry is copied)
        d = xy[1:] - xy[:-1]
        step = np.abs(d).max(axis=1)
        long = np.flatnonzero(same & (step > DENSIFY_DEG))
        if len(long):
            k = np.ceil(step[long] / DENSIFY_DEG).astype(int)
            edge = np.repeat(np.arange(len(long)), k + 1)
            start = np.repeat(np.cumsum(k + 1) - (k + 1), k + 1)
            t = (np.arange(len(edge)) - start) / np.repeat(k, k + 1)
            p = xy[long][edge] + t[:, None] * d[long][edge]
            px, py = self._tr.transform(p[:, 0], p[:, 1])
            sub = px[:-1] * py[1:] - px[1:] * py[:-1]
            ok = edge[:-1] == edge[1:]
            cross[long] = np.bincount(edge[:-1][ok], weights=sub[ok], minlength=len(long))
        ring_area = (
            np.abs(np.bincount(ring_of[:-1][same], weights=cross[same], minlength=len(rings))) / 2.0
        )
        first = np.ones(len(rings), dtype=bool)
        first[1:] = ring_poly[1:] != ring_poly[:-1]
        signed = np.where(first, ring_area, -ring_area)  # exterior minus holes
        poly_area = np.bincount(ring_poly, weights=signed, minlength=len(polys))
        return np.bincount(owner, weights=poly_area, minlength=len(geoms)) / 1e6


@functools.lru_cache(maxsize=64)
def _laea(lon0: float, lat0: float):
    from frontline.geo import equal_area_crs

    return _transformer(equal_area_crs((lon0, lat0, lon0, lat0)))


@functools.lru_cache(maxsize=16)
def _transformer(crs):
    import pyproj

    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _areas_km2(geoms: np.ndarray) -> np.ndarray:
    """Areas (km²) with an equal-area projection centred on the geometries."""
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return np.zeros(0)
    return AreaMeter(bounds=_bounds(geoms))(geoms)


def _bounds(geoms) -> np.ndarray:
    arr = np.asarray([g for g in geoms if g is not None and not g.is_empty], dtype=object)
    return shapely.total_bounds(arr) if len(arr) else np.array([0.0, 0.0, 1.0, 1.0])


# -- local differences ----------------------------------------------------------------------------
_H = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)


def _edges(geom: shapely.Geometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undirected edges of a polygonal geometry: hash keys, (n, 4) end points, ring index."""
    rings, _ = shapely.get_rings(shapely.get_parts(geom), return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    s = np.flatnonzero(ring[:-1] == ring[1:])
    e = np.hstack([xy[s], xy[s + 1]])
    swap = (e[:, 0] > e[:, 2]) | ((e[:, 0] == e[:, 2]) & (e[:, 1] > e[:, 3]))
    e[swap] = e[swap][:, [2, 3, 0, 1]]
    bits = np.ascontiguousarray(e).view(np.uint64)
    with np.errstate(over="ignore"):
        keys = (bits * _H).sum(axis=1)
        keys ^= keys >> np.uint64(31)
    return keys, e, ring[s]


def _runs(dirty: np.ndarray, e: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """Bounding boxes (m, 4) of runs of consecutive dirty edges along each ring."""
    idx = np.flatnonzero(dirty)
    if not len(idx):
        return np.zeros((0, 4))
    brk = np.flatnonzero((np.diff(idx) != 1) | (np.diff(ring[idx]) != 0)) + 1
    starts = np.concatenate([[0], brk])
    sub = e[idx]
    xmin = np.minimum.reduceat(np.minimum(sub[:, 0], sub[:, 2]), starts)
    xmax = np.maximum.reduceat(np.maximum(sub[:, 0], sub[:, 2]), starts)
    ymin = np.minimum.reduceat(np.minimum(sub[:, 1], sub[:, 3]), starts)
    ymax = np.maximum.reduceat(np.maximum(sub[:, 1], sub[:, 3]), starts)
    return np.column_stack([xmin, ymin, xmax, ymax])


def _merge_boxes(boxes: np.ndarray) -> np.ndarray:
    """Merge boxes that touch or overlap until the remaining envelopes are disjoint."""
    while len(boxes) > 1:
        geoms = shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3])
        left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        label = np.arange(len(boxes))
        while True:  # connected components by label propagation with pointer jumping
            new = label.copy()
            np.minimum.at(new, left, label[right])
            new = new[new]
            if np.array_equal(new, label):
                break
            label = new
        comps, inv = np.unique(label, return_inverse=True)
        if len(comps) == len(boxes):
            break
        merged = np.empty((len(comps), 4))
        merged[:, 0] = np.full(len(comps), np.inf)
        merged[:, 1] = np.full(len(comps), np.inf)
        merged[:, 2] = np.full(len(comps), -np.inf)
        merged[:, 3] = np.full(len(comps), -np.inf)
        np.minimum.at(merged[:, 0], inv, boxes[:, 0])
        np.minimum.at(merged[:, 1], inv, boxes[:, 1])
        np.maximum.at(merged[:, 2], inv, boxes[:, 2])
        np.maximum.at(merged[:, 3], inv, boxes[:, 3])
        boxes = merged
    return boxes


def dirty_rectangles(
    a: shapely.Geometry, b: shapely.Geometry, max_share: float = 0.3
) -> np.ndarray | None:
    """Disjoint rectangles that contain every piece of ``a − b`` and ``b − a``.

    Two versions of a faction's area usually share most of their edges exactly; the ground
    that changed is bounded by the edges that are not shared, so it lies inside the filled
    envelopes of the chains of unshared edges (merged until disjoint).

    Returns
    -------
    ndarray (m, 4) or None
        ``(minx, miny, maxx, maxy)`` rows (none when the boundaries are identical), or None
        when the rectangles hold more than *max_share* of the edges (a plain overlay is then
        as fast).
    """
    # quick look first: when many sampled vertices of *a* are not vertices of *b*, most of the
    # boundary changed and a plain overlay is as fast
    xa, xb = shapely.get_coordinates(a), shapely.get_coordinates(b)
    step = max(len(xa) // 2000, 1)
    sample = np.ascontiguousarray(xa[::step]).view(np.complex128).ravel()
    # which sampled vertices are vertices of b: look b's vertices up in the (small) sorted sample
    sample = np.sort(sample)
    found = np.zeros(len(sample), dtype=bool)
    if len(sample):
        vb = np.ascontiguousarray(xb).view(np.complex128).ravel()
        i = np.searchsorted(sample, vb)
        i[i == len(sample)] = 0
        found[i[sample[i] == vb]] = True
        # duplicates in the sample share the found flag of their first copy
        found = found[np.searchsorted(sample, sample)]
    if 1.0 - found.mean() > max_share:
        return None
    ka, ea, ra = _edges(a)
    kb, eb, rb = _edges(b)
    da = ~_member(ka, np.sort(kb))
    db = ~_member(kb, np.sort(ka))
    if da.sum() + db.sum() > 2 * max_share * (len(ka) + len(kb)):
        return None
    boxes = np.vstack([_runs(da, ea, ra), _runs(db, eb, rb)])
    if not len(boxes):
        return boxes
    pad = 1e-9 * max(1.0, float(np.abs(boxes).max()))
    rects = _merge_boxes(boxes + np.array([-pad, -pad, pad, pad]))
    if len(rects) > 256:
        return None
    # share of all edges (by first end point) that fall in some rectangle
    pts = np.vstack([ea[:, :2], eb[:, :2]])
    inside = np.zeros(len(pts), dtype=bool)
    for r in rects:
        inside |= (
            (pts[:, 0] >= r[0]) & (pts[:, 0] <= r[2]) & (pts[:, 1] >= r[1]) & (pts[:, 1] <= r[3])
        )
    return None if inside.mean() > max_share else rects


def _split_symmetric_difference(a, b) -> tuple[np.ndarray, np.ndarray] | None:
    """Split ``a − b`` and ``b − a`` from ONE overlay (a symmetric difference).

    Each part of the symmetric difference lies in *a* or in *b*; a point inside it says
    which. Returns None when the split does not add up (a lost and a gained part touching
    along an edge get merged by the overlay), so the caller falls back to two differences.
    """
    parts, _ = _polygons(np.atleast_1d(_safe(shapely.symmetric_difference, a, b)))
    if not len(parts):
        return parts, parts
    pts = shapely.point_on_surface(parts)
    in_a = np.zeros(len(parts), dtype=bool)
    for g in np.atleast_1d(a):
        shapely.prepare(g)
        in_a |= shapely.contains_xy(g, shapely.get_x(pts), shapely.get_y(pts))
    lost, gained = parts[in_a], parts[~in_a]
    area = shapely.area  # planar, in degrees²: an exact identity, no projection needed
    left = (
        float(np.sum(area(np.atleast_1d(a)))) - float(area(lost).sum()) + float(area(gained).sum())
    )
    right = float(np.sum(area(np.atleast_1d(b))))
    if abs(left - right) > 1e-9 * max(abs(right), 1e-12):
        return None
    return lost, gained


def _difference_parts(
    a: shapely.Geometry, b: shapely.Geometry, meter: AreaMeter
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Polygons (and km²) of ``a − b`` and ``b − a``, computed locally where possible.

    Overlays run only inside :func:`dirty_rectangles` (clipped with shapely's rectangle-aware
    intersection). The result is checked: outside the rectangles *a* and *b* must have the same
    area; otherwise the whole areas are overlaid. Either way one symmetric difference gives
    both sides (:func:`_split_symmetric_difference`), with two differences as the fallback.
    """
    if a.is_empty or b.is_empty:
        lost, _ = _polygons(np.array([a], dtype=object))
        gained, _ = _polygons(np.array([b], dtype=object))
        return lost, meter(lost), gained, meter(gained)
    rects = dirty_rectangles(a, b)
    split = None
    if rects is not None:
        if not len(rects):
            empty = np.empty(0, dtype=object)
            return empty, np.zeros(0), empty, np.zeros(0)
        boxes = shapely.box(rects[:, 0], rects[:, 1], rects[:, 2], rects[:, 3])
        ac = _safe(shapely.intersection, a, boxes)
        bc = _safe(shapely.intersection, b, boxes)
        outside_a = shapely.area(a) - shapely.area(ac).sum()
        outside_b = shapely.area(b) - shapely.area(bc).sum()
        if abs(outside_a - outside_b) <= 1e-9 * max(shapely.area(a), shapely.area(b), 1e-12):
            split = _split_symmetric_difference(ac, bc)
            if split is None:
                lost, _ = _polygons(_safe(shapely.difference, ac, bc))
                gained, _ = _polygons(_safe(shapely.difference, bc, ac))
                split = lost, gained
    if split is None:
        split = _split_symmetric_difference(a, b)
    if split is None:
        lost, _ = _polygons(np.atleast_1d(_safe(shapely.difference, a, b)))
        gained, _ = _polygons(np.atleast_1d(_safe(shapely.difference, b, a)))
        split = lost, gained
    lost, gained = split
    return lost, meter(lost), gained, meter(gained)


def overlay(
    a: ControlSnapshot | dict[str, shapely.Geometry],
    b: ControlSnapshot | dict[str, shapely.Geometry],
    area_a: dict[str, float] | None = None,
    crs=None,
) -> Overlay:
    """Overlay two maps: every piece of ground whose controller differs, with both sides.

    Parameters
    ----------
    a, b : ControlSnapshot or mapping faction -> geometry
        The two maps (lon/lat).
    area_a : dict, optional
        Known areas (km²) of *a*'s factions (a timeline passes the previous step's).
    crs : pyproj.CRS, optional
        Equal-area CRS for areas (default: one centred on the maps).

    Returns
    -------
    Overlay
    """
    ga = a if isinstance(a, dict) else _geoms(a)
    gb = b if isinstance(b, dict) else _geoms(b)
    factions = sorted(set(ga) | set(gb))
    n = len(factions)
    A = np.array([ga.get(f, _EMPTY) for f in factions], dtype=object).reshape(n)
    B = np.array([gb.get(f, _EMPTY) for f in factions], dtype=object).reshape(n)
    meter = AreaMeter(crs, None if crs is not None else _bounds([*A, *B]))
    if area_a is not None and all(f in area_a for f in ga):
        aa = np.array([area_a.get(f, 0.0) for f in factions], dtype=float)
    else:
        aa = meter(A)
    same = np.array([x is y for x, y in zip(A, B, strict=True)], dtype=bool) | shapely.equals_exact(
        A, B, 0.0
    )
    ab = aa.copy()
    lost_p, lost_o, lost_k, gain_p, gain_o, gain_k = [], [], [], [], [], []
    for i in np.flatnonzero(~same):
        lp, lk, gp, gk = _difference_parts(A[i], B[i], meter)
        lost_p.append(lp), lost_k.append(lk), lost_o.append(np.full(len(lp), i))
        gain_p.append(gp), gain_k.append(gk), gain_o.append(np.full(len(gp), i))
        ab[i] = max(aa[i] - lk.sum() + gk.sum(), 0.0)  # area of b, consistent with the pieces

    def cat(xs, dtype):
        return np.concatenate(xs) if xs else np.zeros(0, dtype=dtype)

    lp, lo, lk = cat(lost_p, object), cat(lost_o, int), cat(lost_k, float)
    gp, go, gk = cat(gain_p, object), cat(gain_o, int), cat(gain_k, float)
    froms: list[np.ndarray] = []
    tos: list[np.ndarray] = []
    geoms: list[np.ndarray] = []
    # who took what: intersections of the (small) lost and gained pieces of different factions
    ql = qg = np.zeros(0, dtype=int)
    if len(lp) and len(gp):
        ql, qg = shapely.STRtree(gp).query(lp, predicate="intersects")
        keep = lo[ql] != go[qg]
        ql, qg = ql[keep], qg[keep]
    if len(ql):
        # most lost pieces are exactly a gained piece of another faction: no overlay needed
        same_piece = np.zeros(len(ql), dtype=bool)
        close = np.abs(lk[ql] - gk[qg]) <= 1e-9 * np.maximum(lk[ql], 1.0)
        if close.any():
            same_piece[close] = shapely.equals_exact(
                shapely.normalize(lp[ql[close]]), shapely.normalize(gp[qg[close]]), 0.0
            )
        inter = np.empty(len(ql), dtype=object)
        inter[same_piece] = lp[ql[same_piece]]
        if (~same_piece).any():
            inter[~same_piece] = _safe(
                shapely.intersection, lp[ql[~same_piece]], gp[qg[~same_piece]]
            )
        pieces, which = _polygons(inter)
        km2 = np.empty(len(pieces))
        exact = same_piece[which]
        km2[exact] = lk[ql[which[exact]]]
        km2[~exact] = meter(pieces[~exact])
        froms.append(lo[ql][which])
        tos.append(go[qg][which])
        geoms.append(pieces)
        covered_l = np.bincount(ql[which], weights=km2, minlength=len(lp))
        covered_g = np.bincount(qg[which], weights=km2, minlength=len(gp))
        pre = [(pieces, km2)]
    else:
        covered_l, covered_g = np.zeros(len(lp)), np.zeros(len(gp))
        pre = []
    # ground lost to nobody / taken from nobody: what the intersections did not cover
    for parts, owner, km2_parts, covered, hits_self, hits_other, others, to_unknown in (
        (lp, lo, lk, covered_l, ql, qg, gp, True),
        (gp, go, gk, covered_g, qg, ql, lp, False),
    ):
        rest_idx = np.flatnonzero(km2_parts - covered > 1e-8 + 1e-7 * km2_parts)
        if not len(rest_idx):
            continue
        rest = np.empty(len(rest_idx), dtype=object)
        for k, i in enumerate(rest_idx):
            partners = hits_other[hits_self == i]
            if len(partners):
                rest[k] = _safe(shapely.difference, parts[i], shapely.union_all(others[partners]))
            else:
                rest[k] = parts[i]
        pieces, which = _polygons(rest)
        km2 = meter(pieces)
        side = owner[rest_idx][which]
        unknown = np.full(len(pieces), n)
        froms.append(side if to_unknown else unknown)
        tos.append(unknown if to_unknown else side)
        geoms.append(pieces)
        pre.append((pieces, km2))
    if geoms:
        pieces = np.concatenate(geoms)
        km2 = np.concatenate([k for _, k in pre])
        f_idx, t_idx = np.concatenate(froms), np.concatenate(tos)
    else:
        pieces = np.empty(0, dtype=object)
        km2 = np.zeros(0)
        f_idx = t_idx = np.zeros(0, dtype=int)
    names = np.array(factions + [UNKNOWN], dtype=object)
    nonzero = km2 > 0
    pieces, f_idx, t_idx, km2 = pieces[nonzero], f_idx[nonzero], t_idx[nonzero], km2[nonzero]
    order = np.lexsort((names[t_idx].astype(str), names[f_idx].astype(str), -km2))
    return Overlay(
        factions=factions,
        area_a=aa,
        area_b=ab,
        from_faction=names[f_idx][order].astype(str),
        to_faction=names[t_idx][order].astype(str),
        pieces=pieces[order],
        area_km2=km2[order],
    )


def _safe(op, x, y):
    """Run a vectorised overlay; on a GEOS topology error, retry on the 10⁻⁵° storage grid."""
    try:
        return op(x, y)
    except shapely.errors.GEOSException:
        from frontline.control import GRID

        return op(x, y, grid_size=GRID)


def balance(ov: Overlay) -> pd.DataFrame:
    """Per-faction summary of an overlay (``unknown`` last, only when it gained or lost)."""
    import pandas as pd

    gained = {f: 0.0 for f in [*ov.factions, UNKNOWN]}
    lost = dict(gained)
    for f, t, km2 in zip(ov.from_faction, ov.to_faction, ov.area_km2, strict=True):
        lost[f] += float(km2)
        gained[t] += float(km2)
    rows = []
    for i, f in enumerate(ov.factions):
        aa, ab = float(ov.area_a[i]), float(ov.area_b[i])
        net = gained[f] - lost[f]
        rows.append((f, aa, ab, gained[f], lost[f], net, 100.0 * net / aa if aa > 0 else np.nan))
    if gained[UNKNOWN] or lost[UNKNOWN]:
        net = gained[UNKNOWN] - lost[UNKNOWN]
        rows.append((UNKNOWN, np.nan, np.nan, gained[UNKNOWN], lost[UNKNOWN], net, np.nan))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


# -- the change set -----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ChangeSet:
    """What changed between two dates.

    Attributes
    ----------
    date_a, date_b : datetime.date
        The dates compared (as asked; see ``snapshot_a``/``snapshot_b`` for the maps used).
    changes : geopandas.GeoDataFrame
        EPSG:4326, one row per connected piece of ground that changed hands, largest first:
        ``from_faction``, ``to_faction`` (``"unknown"`` for ground nobody holds),
        ``area_km2`` (geodesic), ``location`` (words, e.g. "12 km N of At Tanf"), geometry.
    summary : pandas.DataFrame
        Per faction: ``area_a_km2``, ``area_b_km2``, ``gained_km2``, ``lost_km2``,
        ``net_km2``, ``net_pct`` (net as % of the area held on *a*).
    places_changed : geopandas.GeoDataFrame
        Gazetteer places whose controller changed: ``place_id``, ``name``, ``kind``,
        ``importance``, ``from_faction``, ``to_faction``, geometry (Point).
    front_lines_a, front_lines_b : geopandas.GeoDataFrame
        Front lines on each date (see :func:`frontline.topology.front_lines`).
    link_ups : geopandas.GeoDataFrame
        Link-ups and cuts between allied factions (see :func:`frontline.topology.link_ups`).
    encirclements : geopandas.GeoDataFrame
        Pockets on *b* (see :func:`frontline.topology.encirclements`), with ``new`` True
        for pockets that did not exist on *a*.
    """

    date_a: _dt.date
    date_b: _dt.date
    changes: gpd.GeoDataFrame
    summary: pd.DataFrame
    places_changed: gpd.GeoDataFrame
    front_lines_a: gpd.GeoDataFrame
    front_lines_b: gpd.GeoDataFrame
    link_ups: gpd.GeoDataFrame
    encirclements: gpd.GeoDataFrame = None  # type: ignore[assignment]
    snapshot_a: _dt.date | None = None
    snapshot_b: _dt.date | None = None
    theatre: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        """True when no ground changed hands."""
        return len(self.changes) == 0

    def name(self, faction: str) -> str:
        """Display name of a faction (its id when the registry was not given)."""
        return self.names.get(faction, faction)

    def label(self, faction: str) -> str:
        """Name of a faction for sentences."""
        return self.labels.get(faction, self.names.get(faction, faction))

    # -- plain data ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of every table.

        Dates, summary, changes (with a representative lon/lat), places, front lines, link-ups
        and encirclements; geometries become lon/lat points or are omitted (use
        :meth:`to_geojson` for shapes).
        """

        def records(df, drop_geometry: bool = True, point: bool = False) -> list[dict[str, Any]]:
            if df is None or not len(df):
                return []
            out = []
            cols = [c for c in df.columns if c != "geometry"]
            pts = (
                shapely.point_on_surface(df.geometry.values) if point and "geometry" in df else None
            )
            for k, row in enumerate(df[cols].itertuples(index=False)):
                rec = {c: _plain(v) for c, v in zip(cols, row, strict=True)}
                if pts is not None:
                    rec["lon"], rec["lat"] = round(float(pts[k].x), 5), round(float(pts[k].y), 5)
                out.append(rec)
            return out

        return {
            "date_a": self.date_a.isoformat(),
            "date_b": self.date_b.isoformat(),
            "snapshot_a": (self.snapshot_a or self.date_a).isoformat(),
            "snapshot_b": (self.snapshot_b or self.date_b).isoformat(),
            "theatre": self.theatre,
            "summary": records(self.summary),
            "changes": records(self.changes, point=True),
            "places_changed": records(self.places_changed, point=True),
            "front_lines_a": records(self.front_lines_a),
            "front_lines_b": records(self.front_lines_b),
            "link_ups": records(self.link_ups, point=True),
            "encirclements": records(self.encirclements, point=True),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False) + "\n"

    def to_geojson(self) -> str:
        """Write every layer as one RFC 7946 FeatureCollection, for QGIS or a web map.

        Each feature has a ``layer`` property: ``changes`` (polygons), ``front_lines_a`` /
        ``front_lines_b`` (lines), ``link_ups`` (points), ``places_changed`` (points),
        ``encirclements`` (polygons); plus ``date_a``/``date_b`` on the collection.
        Coordinates are rounded to 10⁻⁵° and polygons oriented counter-clockwise.
        """
        from frontline.control import geometry_json, normalise_geometry

        layers = [
            ("changes", self.changes, None),
            ("front_lines_a", self.front_lines_a, self.snapshot_a or self.date_a),
            ("front_lines_b", self.front_lines_b, self.snapshot_b or self.date_b),
            ("link_ups", self.link_ups, None),
            ("encirclements", self.encirclements, self.snapshot_b or self.date_b),
            ("places_changed", self.places_changed, None),
        ]
        lines = []
        for layer, df, day in layers:
            if df is None or not len(df):
                continue
            cols = [c for c in df.columns if c != "geometry"]
            for row, geom in zip(df[cols].itertuples(index=False), df.geometry.values, strict=True):
                props = {c: _plain(v) for c, v in zip(cols, row, strict=True)}
                props["layer"] = layer
                if day is not None:
                    props["date"] = day.isoformat()
                if isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
                    # snapped to the 10⁻⁵° grid and oriented as RFC 7946 wants, kept valid
                    geom = normalise_geometry(geom)
                    if geom.is_empty:  # a sliver narrower than the grid
                        continue
                lines.append(
                    '{"type": "Feature", "properties": '
                    + json.dumps(props, sort_keys=True, ensure_ascii=False, allow_nan=False)
                    + ', "geometry": '
                    + geometry_json(geom)
                    + "}"
                )
        head = json.dumps(
            {
                "type": "FeatureCollection",
                "date_a": self.date_a.isoformat(),
                "date_b": self.date_b.isoformat(),
                **({"theatre": self.theatre} if self.theatre else {}),
            },
            ensure_ascii=False,
        )[:-1]
        return head + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"

    def to_markdown(self, max_changes: int = 15, max_places: int = 30) -> str:
        """Write a situation report in Markdown: headline, link-ups, places, balance, changes, fronts."""
        return _markdown(self, max_changes=max_changes, max_places=max_places)


def _km2(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) < 0.01:
        return "<0.01"
    return f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.1f}" if abs(v) >= 0.1 else f"{v:,.2f}"


def _pct(v: float) -> str:
    return f"{v:+.1f}".replace("-", "−")


def _signed(v: float) -> str:
    return ("+" if v > 0 else "−" if v < 0 else "±") + _km2(abs(v))


def _markdown(cs: ChangeSet, max_changes: int, max_places: int) -> str:
    sa, sb = cs.snapshot_a or cs.date_a, cs.snapshot_b or cs.date_b
    title = f"# Control changes, {cs.date_a.isoformat()} → {cs.date_b.isoformat()}"
    out = [title + (f" ({cs.theatre})" if cs.theatre else ""), ""]
    if (sa, sb) != (cs.date_a, cs.date_b):
        out += [f"_As of those dates: maps of {sa.isoformat()} and {sb.isoformat()}._", ""]
    if cs.is_empty:
        out += ["No ground changed hands.", ""]
    else:
        s = cs.summary.copy()
        s = s[(s.gained_km2 > 0) | (s.lost_km2 > 0)]
        s = s.reindex(s.net_km2.abs().sort_values(ascending=False).index)
        total = float(cs.changes.area_km2.sum())
        out.append(f"**{_km2(total)} km² changed hands** in {len(cs.changes)} pieces.")
        out.append("")
        for r in s.itertuples(index=False):
            if r.faction == UNKNOWN:
                continue
            bits = []
            if r.gained_km2 >= 0.5 or r.lost_km2 < 0.5:
                bits.append(f"gained {_km2(r.gained_km2)} km²")
            if r.lost_km2 >= 0.5 or not bits:
                bits.append(f"lost {_km2(r.lost_km2)} km²")
            pct = f", {_pct(r.net_pct)} %" if r.net_pct == r.net_pct else ""
            out.append(
                f"- **{cs.label(r.faction)}** {' and '.join(bits)} (net {_signed(r.net_km2)} km²{pct})."
            )
        out.append("")
    if len(cs.link_ups):
        out += ["## Link-ups and cuts", ""]
        out += [f"- {t}." for t in cs.link_ups["text"]]
        out.append("")
    if cs.encirclements is not None and len(cs.encirclements):
        new = cs.encirclements[cs.encirclements["new"]]
        if len(new):
            out += ["## New pockets", ""]
            out += [f"- {t}." for t in new["text"]]
            out.append("")
    if len(cs.places_changed):
        out += ["## Places that changed hands", ""]
        for r in cs.places_changed.head(max_places).itertuples(index=False):
            out.append(
                f"- {r.name} ({r.kind.replace('_', ' ')}): {cs.label(r.from_faction)} → {cs.label(r.to_faction)}"
            )
        if len(cs.places_changed) > max_places:
            out.append(f"- … and {len(cs.places_changed) - max_places} more")
        out.append("")
    out += [
        "## Balance",
        "",
        f"| Faction | Held {sa.isoformat()} (km²) | Held {sb.isoformat()} (km²) | Gained | Lost | Net | Net % |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in cs.summary.itertuples(index=False):
        held = [_km2(v) if v == v else "–" for v in (r.area_a_km2, r.area_b_km2)]
        pct = _pct(r.net_pct) if r.net_pct == r.net_pct else "–"
        out.append(
            f"| {cs.name(r.faction)} | {held[0]} | {held[1]} | {_km2(r.gained_km2)} | {_km2(r.lost_km2)} "
            f"| {_signed(r.net_km2)} | {pct} |"
        )
    out.append("")
    if not cs.is_empty:
        out += ["## Largest changes", "", "| From | To | km² | Where |", "|---|---|---:|---|"]
        # pieces under 0.1 km² (digitising slivers) are only counted, not listed
        listed = cs.changes[cs.changes.area_km2 >= 0.1].head(max_changes)
        for r in listed.itertuples(index=False):
            out.append(
                f"| {cs.name(r.from_faction)} | {cs.name(r.to_faction)} | {_km2(r.area_km2)} | {r.location} |"
            )
        if len(cs.changes) > len(listed):
            rest = cs.changes.drop(index=listed.index)
            out.append(f"| … {len(rest)} smaller pieces | | {_km2(float(rest.area_km2.sum()))} | |")
        out.append("")
    if len(cs.front_lines_a) or len(cs.front_lines_b):
        out += [
            "## Front lines",
            "",
            f"| Between | {sa.isoformat()} (km) | {sb.isoformat()} (km) |",
            "|---|---:|---:|",
        ]
        ka = {
            (r.faction_a, r.faction_b): r.length_km
            for r in cs.front_lines_a.itertuples(index=False)
        }
        kb = {
            (r.faction_a, r.faction_b): r.length_km
            for r in cs.front_lines_b.itertuples(index=False)
        }
        for pair in sorted(set(ka) | set(kb)):
            la = f"{ka[pair]:,.0f}" if pair in ka else "–"
            lb = f"{kb[pair]:,.0f}" if pair in kb else "–"
            out.append(f"| {cs.name(pair[0])} – {cs.name(pair[1])} | {la} | {lb} |")
        out.append("")
    out.append("_Areas are geodesic (WGS84). Unknown: ground no faction is recorded as holding._")
    return "\n".join(out) + "\n"


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        return None if v != v else round(v, 3)
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, list | tuple | np.ndarray):
        return [_plain(x) for x in v]
    return v


# -- public entry points -------------------------------------------------------------------------
def diff(
    a: ControlSnapshot | ControlHistory,
    b: ControlSnapshot | _dt.date | str,
    registry: FactionRegistry | _dt.date | str | None = None,
    gazetteer: Gazetteer | None = None,
    theatre: Theatre | None = None,
    *,
    tolerance_km: float | None = None,
    min_area_km2: float = 0.0,
    topology: bool = True,
) -> ChangeSet:
    """Compare two control snapshots: what changed hands, where, and how much.

    Parameters
    ----------
    a, b : ControlSnapshot
        The earlier and the later map. ``diff(history, date_a, date_b, gazetteer=…)`` also
        works: it is :func:`diff_dates` (maps as of each date, the history's registry and
        theatre).
    registry : FactionRegistry, optional
        Names factions in words and decides front lines (hostile pairs) and link-ups
        (allied pairs). Without it, front lines and link-ups are empty.
    gazetteer : Gazetteer, optional
        Names locations ("12 km N of At Tanf") and finds the places that changed hands.
        Without it, locations are given as coordinates and ``places_changed`` is empty.
    theatre : Theatre, optional
        Its equal-area projection measures the front-line tolerance.
    tolerance_km : float, optional
        Front-line / contact tolerance (default :data:`frontline.topology.DEFAULT_TOLERANCE_KM`).
    min_area_km2 : float, default 0
        Drop changed pieces smaller than this (digitising slivers). With the default, the
        changes partition exactly the ground whose controller differs.
    topology : bool, default True
        Compute front lines, link-ups and encirclements (the costlier part on large maps).

    Returns
    -------
    ChangeSet

    Examples
    --------
    >>> from shapely import box
    >>> from frontline.control import ControlSnapshot
    >>> a = ControlSnapshot.from_areas("2017-06-01", {"isis": box(38, 33, 39, 34)})
    >>> b = ControlSnapshot.from_areas("2017-06-09", {"isis": box(38.5, 33, 39, 34), "syrian-government": box(38, 33, 38.5, 34)})
    >>> cs = diff(a, b)
    >>> cs.changes[["from_faction", "to_faction"]].values.tolist()
    [['isis', 'syrian-government']]
    >>> round(float(cs.changes.area_km2.sum()))
    5153
    """
    from frontline import topology as topo

    if hasattr(a, "at") and hasattr(a, "dates"):  # diff(history, date_a, date_b)
        return diff_dates(
            a, b, registry, gazetteer,  # type: ignore[arg-type]
            tolerance_km=tolerance_km, min_area_km2=min_area_km2, topology=topology,
        )  # fmt: skip
    tol = topo.DEFAULT_TOLERANCE_KM if tolerance_km is None else float(tolerance_km)
    ov = overlay(a, b, crs=theatre.area_crs if theatre is not None else None)
    where = topo.locator(gazetteer)
    keep = (
        ov.area_km2 >= min_area_km2 if min_area_km2 > 0 else np.ones(len(ov.area_km2), dtype=bool)
    )
    pieces, km2 = ov.pieces[keep], ov.area_km2[keep]
    pts = shapely.point_on_surface(pieces) if len(pieces) else np.empty(0, dtype=object)
    locations = [
        where(p.x, p.y) if k < MAX_DESCRIBED else topo.lonlat_text(p.x, p.y)
        for k, p in enumerate(pts)
    ]
    import geopandas as gpd

    changes = gpd.GeoDataFrame(
        {
            "from_faction": ov.from_faction[keep].astype(str),
            "to_faction": ov.to_faction[keep].astype(str),
            "area_km2": km2.astype(float),
            "location": np.asarray(locations, dtype=object),
        },
        geometry=gpd.GeoSeries(pieces, crs="EPSG:4326"),
        crs="EPSG:4326",
    )
    summary = _summary_from(ov, keep)
    places = places_changed(a, b, gazetteer) if gazetteer is not None else _empty(PLACE_COLUMNS)
    if registry is not None and topology:
        # boundaries prepared once per snapshot (and kept for the next diff of either map);
        # edges both maps share are measured once
        ta = topo._topology(a, tol, theatre, None)
        tb = topo._topology(b, tol, theatre, None, ta.lengths)
        fl_a = topo.front_lines(a, registry, tolerance_km=tol, theatre=theatre, cache=ta)
        fl_b = topo.front_lines(b, registry, tolerance_km=tol, theatre=theatre, cache=tb)
        links = topo.link_ups(
            a, b, registry, gazetteer, tolerance_km=tol, theatre=theatre, caches=(ta, tb)
        )
        enc = _new_pockets(
            topo.encirclements(a, registry, None, tolerance_km=tol, theatre=theatre, cache=ta),
            topo.encirclements(b, registry, gazetteer, tolerance_km=tol, theatre=theatre, cache=tb),
        )
    else:
        fl_a = fl_b = topo._empty(topo.FRONT_COLUMNS)
        links = topo._empty(topo.LINK_COLUMNS)
        enc = topo._empty([*topo.ENCIRCLEMENT_COLUMNS[:-1], "new", "geometry"])
    names, labels = {}, {}
    if registry is not None:
        for f in {*ov.factions, UNKNOWN}:
            try:
                fac = registry.get(f)
            except Exception:  # noqa: BLE001 - an unregistered id is shown as is
                continue
            names[f], labels[f] = fac.name, fac.label
    return ChangeSet(
        date_a=a.date,
        date_b=b.date,
        changes=changes,
        summary=summary,
        places_changed=places,
        front_lines_a=fl_a,
        front_lines_b=fl_b,
        link_ups=links,
        encirclements=enc,
        snapshot_a=a.date,
        snapshot_b=b.date,
        theatre=b.theatre or a.theatre or (theatre.id if theatre is not None else None),
        names=names,
        labels=labels,
    )


def _summary_from(ov: Overlay, keep: np.ndarray) -> pd.DataFrame:
    if keep.all():
        return balance(ov)
    return balance(
        Overlay(
            ov.factions,
            ov.area_a,
            ov.area_b,
            ov.from_faction[keep],
            ov.to_faction[keep],
            ov.pieces[keep],
            ov.area_km2[keep],
        )
    )


def _new_pockets(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    after = after.copy()
    if not len(after):
        after["new"] = np.zeros(0, dtype=bool)
    elif not len(before):
        after["new"] = True
    else:
        old = shapely.union_all(before.geometry.values)
        after["new"] = ~shapely.intersects(shapely.point_on_surface(after.geometry.values), old)
    return after[[c for c in after.columns if c != "geometry"] + ["geometry"]]


def _empty(columns: list[str]) -> gpd.GeoDataFrame:
    from frontline.topology import _empty as empty

    return empty(columns)


def places_changed(
    a: ControlSnapshot, b: ControlSnapshot, gazetteer: Gazetteer
) -> gpd.GeoDataFrame:
    """Gazetteer places whose controller differs between two snapshots, most important first."""
    import geopandas as gpd

    places = gazetteer.to_geodataframe()
    if not len(places):
        return _empty(PLACE_COLUMNS)
    bounds = [
        g
        for g in (*a.areas.geometry.values, *b.areas.geometry.values)
        if g is not None and not g.is_empty
    ]
    if not bounds:
        return _empty(PLACE_COLUMNS)
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(bounds, dtype=object))
    xs, ys = shapely.get_x(places.geometry.values), shapely.get_y(places.geometry.values)
    inside = (xs >= minx) & (xs <= maxx) & (ys >= miny) & (ys <= maxy)
    places = places[inside]
    if not len(places):
        return _empty(PLACE_COLUMNS)
    fa = np.asarray(a.faction_at(xs[inside], ys[inside]), dtype=object)
    fb = np.asarray(b.faction_at(xs[inside], ys[inside]), dtype=object)
    moved = fa != fb
    sel = places[moved]
    out = gpd.GeoDataFrame(
        {
            "place_id": sel["id"].astype(str).values,
            "name": sel["name"].astype(str).values,
            "kind": sel["kind"].astype(str).values,
            "importance": sel["importance"].astype(int).values,
            "from_faction": fa[moved].astype(str),
            "to_faction": fb[moved].astype(str),
        },
        geometry=sel.geometry.values,
        crs="EPSG:4326",
    )
    return out.sort_values(
        ["importance", "name"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def diff_dates(
    history: ControlHistory,
    date_a: _dt.date | str,
    date_b: _dt.date | str,
    gazetteer: Gazetteer | None = None,
    **kwargs: Any,
) -> ChangeSet:
    """:func:`diff` of a history between two dates, each taken *as of* that date.

    The maps used are the latest snapshots on or before each date
    (:meth:`frontline.store.ControlHistory.at`); the ChangeSet keeps the dates asked for
    in ``date_a``/``date_b`` and the snapshots' own dates in ``snapshot_a``/``snapshot_b``.

    Raises
    ------
    InvalidDateError
        When a date is not ``YYYY-MM-DD``.
    SnapshotNotFoundError
        When the history has no snapshot on or before a date.
    """
    import dataclasses

    from frontline.dates import parse_date

    day_a, day_b = parse_date(date_a), parse_date(date_b)
    a, b = history.at(day_a), history.at(day_b)
    cs = diff(a, b, history.registry, gazetteer, history.theatre, **kwargs)
    return dataclasses.replace(cs, date_a=day_a, date_b=day_b)


def timeline(
    history: ControlHistory, gazetteer: Gazetteer | None = None, **kwargs: Any
) -> pd.DataFrame:
    """Area, gains and losses per faction at every date of a history (see :mod:`frontline.timeline`)."""
    from frontline.timeline import timeline as _timeline

    return _timeline(history, gazetteer, **kwargs)
