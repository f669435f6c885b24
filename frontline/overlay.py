"""Changed regions between two control maps: the overlay shared by diffs and timelines.

Method
------
For every faction *f* held on either date, one overlay of its two areas (a symmetric
difference, split into the ground it lost, ``A_f − B_f``, and the ground it gained,
``B_f − A_f``, by testing one interior point of each part) finds what changed; factions
whose area did not change at all are skipped. A lost and a gained part that share an edge
come out of that overlay merged, which one point cannot split, so the split is checked
against ``A_f − lost + gained = B_f`` in planar area and first moments (two differences
are the fallback). Day-to-day maps share most of their edges exactly, so the overlay runs
only inside the rectangles around the chains of edges that differ (:func:`dirty_rectangles`,
found with the edge keys of :mod:`frontline.edges`), and the result is checked by area (a
plain overlay of the whole areas is the fallback). The lost and gained pieces are small, so
who got what is then read from their pairwise intersections, only for pairs an STRtree says
intersect (a lost piece that is exactly another faction's gained piece needs no overlay at
all). Ground that no faction holds is the explicit side ``"unknown"``
(:data:`frontline.factions.UNKNOWN`): ground lost to nobody goes to ``unknown`` and ground
taken from nobody comes from it, so every change has a from and a to.

Overlays run directly on lon/lat coordinates (the stored coordinates, so nothing is
reprojected and no vertex moves). Areas are measured by :class:`frontline.geo.AreaMeter`
(the one area definition: equal-area projection of the WGS84 ellipsoid, edges straight in
lon/lat), so the areas of the pieces add up to the area of the whole.

The changed pieces partition the ground whose controller differs between the two maps;
``overlay(a, a)`` is empty and ``overlay(b, a)`` mirrors ``overlay(a, b)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
import shapely

from frontline.control import GRID
from frontline.edges import member, polygon_edges
from frontline.factions import UNKNOWN
from frontline.geo import AreaMeter, bounds_of

if TYPE_CHECKING:
    import pandas as pd

    from frontline.control import ControlSnapshot

SUMMARY_COLUMNS = [
    "faction",
    "area_a_km2",
    "area_b_km2",
    "gained_km2",
    "lost_km2",
    "net_km2",
    "net_pct",
]
_EMPTY = shapely.MultiPolygon()


# -- the overlay ----------------------------------------------------------------------------------
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

    def at_least(self, min_km2: float) -> Overlay:
        """Return this overlay without the changed pieces smaller than *min_km2* (slivers)."""
        if min_km2 <= 0:
            return self
        keep = self.area_km2 >= min_km2
        if keep.all():
            return self
        return Overlay(
            self.factions,
            self.area_a,
            self.area_b,
            self.from_faction[keep],
            self.to_faction[keep],
            self.pieces[keep],
            self.area_km2[keep],
        )


def faction_geometries(
    snapshot: ControlSnapshot, include_unknown: bool = False
) -> dict[str, shapely.Geometry]:
    """Return a snapshot's areas as ``faction -> geometry`` (faction order, no empty areas).

    A faction's geometry is its whole area: the union of its observed and inferred features
    (:attr:`ControlSnapshot.faction_areas`, computed once per snapshot).

    Parameters
    ----------
    snapshot : ControlSnapshot
        The map.
    include_unknown : bool, default False
        Keep an area explicitly marked ``"unknown"`` (by default it counts as nobody's
        ground, like ground outside every area).
    """
    areas = snapshot.faction_areas
    return {f: g for f, g in areas.items() if include_unknown or f != UNKNOWN}


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


# -- local differences ----------------------------------------------------------------------------
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
    ka, ea, ra = polygon_edges(a)
    kb, eb, rb = polygon_edges(b)
    da = ~member(ka, np.sort(kb))
    db = ~member(kb, np.sort(ka))
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
    which. But a lost and a gained part that share an edge (ground *a* held on one side of a
    line and *b* on the other) come out of the overlay merged into one part, which one point
    cannot classify. Such a split is caught by the identity ``a − lost + gained = b``, checked
    for the planar area and both first moments (a merged part puts a whole lost or gained
    piece on the wrong side; two such errors cancel in the area alone when the pieces have
    equal areas, as cells of one row of a grid do, but not also in their centroids). Returns
    None when the identity does not hold, so the caller falls back to two differences.
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
    a_, b_ = np.atleast_1d(a), np.atleast_1d(b)
    # planar area and first moments (about a corner of a part), in degrees: exact identities,
    # no projection needed; one vectorised pass over a, b, lost and gained
    geoms = np.concatenate([a_, b_, lost, gained])
    sign = np.repeat([1.0, -1.0, -1.0, 1.0], [len(a_), len(b_), len(lost), len(gained)])
    area = shapely.area(geoms)
    xy, idx = shapely.get_coordinates(shapely.centroid(geoms), return_index=True)
    arm = np.zeros((len(geoms), 2))  # empty geometries have an empty centroid and no area
    arm[idx] = xy - shapely.get_coordinates(parts[0])[0]
    residual = np.abs(sign @ np.column_stack([area, area * arm[:, 0], area * arm[:, 1]]))
    scale = 1e-9 * max(
        float(area[: len(a_)].sum()), float(area[len(a_) : len(a_) + len(b_)].sum()), 1e-12
    )
    lever = max(float(np.abs(arm).max()), 1e-12)
    if residual[0] > scale or max(residual[1], residual[2]) > scale * lever:
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
    if shapely.is_empty(a) or shapely.is_empty(b):
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
    crs: pyproj.CRS | None = None,
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

    Examples
    --------
    >>> from shapely import box
    >>> ov = overlay({"isis": box(38, 33, 39, 34)}, {"isis": box(38.5, 33, 39, 34)})
    >>> ov.from_faction.tolist(), ov.to_faction.tolist(), [round(float(k)) for k in ov.area_km2]
    (['isis'], ['unknown'], [5153])
    """
    ga = a if isinstance(a, dict) else faction_geometries(a)
    gb = b if isinstance(b, dict) else faction_geometries(b)
    factions = sorted(set(ga) | set(gb))
    n = len(factions)
    A = np.array([ga.get(f, _EMPTY) for f in factions], dtype=object).reshape(n)
    B = np.array([gb.get(f, _EMPTY) for f in factions], dtype=object).reshape(n)
    meter = AreaMeter(crs, None if crs is not None else bounds_of([*A, *B]))
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
        lost_p.append(lp)
        lost_k.append(lk)
        lost_o.append(np.full(len(lp), i))
        gain_p.append(gp)
        gain_k.append(gk)
        gain_o.append(np.full(len(gp), i))
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
        close = np.abs(lk[ql] - gk[qg]) <= 1e-9 * np.maximum(np.maximum(lk[ql], gk[qg]), 1.0)
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
        covered_l: np.ndarray = np.bincount(ql[which], weights=km2, minlength=len(lp))
        covered_g: np.ndarray = np.bincount(qg[which], weights=km2, minlength=len(gp))
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


def _safe(op: Callable[..., Any], x: Any, y: Any) -> Any:
    """Run a vectorised overlay; on a GEOS topology error, retry on the 10⁻⁵° storage grid."""
    try:
        return op(x, y)
    except shapely.errors.GEOSException:
        return op(x, y, grid_size=GRID)


def balance(ov: Overlay) -> pd.DataFrame:
    """Per-faction summary of an overlay (``unknown`` last, only when it gained or lost).

    Returns
    -------
    pandas.DataFrame
        :data:`SUMMARY_COLUMNS`: ``faction``, ``area_a_km2``, ``area_b_km2``,
        ``gained_km2``, ``lost_km2``, ``net_km2``, ``net_pct`` (net as % of the area held
        on *a*).
    """
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
