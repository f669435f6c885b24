"""Shapely geometries as matplotlib artists: one collection per layer, no pyplot, no redraws.

Every layer of a map (basemap, faction areas, changes, front lines) is drawn with
:func:`add_polygons` or :func:`add_lines`, in lon/lat data coordinates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from shapely.geometry.base import BaseGeometry


def polygon_path(geom: BaseGeometry):
    """Make a matplotlib Path of the polygons in *geom* (holes included), or None when empty."""
    from matplotlib.path import Path as MplPath

    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    if not polys:
        return None
    verts, codes = [], []
    for poly in polys:
        for ring in (poly.exterior, *poly.interiors):
            c = np.asarray(ring.coords)[:, :2]
            if len(c) < 3:
                continue
            k = np.full(len(c), MplPath.LINETO, dtype=np.uint8)
            k[0], k[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            verts.append(c)
            codes.append(k)
    if not verts:
        return None
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def line_arrays(geom: BaseGeometry) -> list[np.ndarray]:
    """Coordinate arrays of every line (and polygon ring) in *geom*, for a LineCollection."""
    if geom is None or geom.is_empty:
        return []
    lines: Any = (
        shapely.get_parts(shapely.boundary(geom))
        if geom.geom_type in ("Polygon", "MultiPolygon")
        else []
    )
    if not len(lines):
        parts = shapely.get_parts(geom)
        lines = [p for p in parts if p.geom_type in ("LineString", "LinearRing")]
        for p in parts:
            if p.geom_type in ("MultiLineString", "GeometryCollection"):
                lines += list(shapely.get_parts(p))
            elif p.geom_type in ("Polygon", "MultiPolygon"):
                lines += list(shapely.get_parts(shapely.boundary(p)))
    out = []
    for ln in shapely.get_parts(np.array(lines, dtype=object)) if len(lines) else []:
        if ln.geom_type in ("LineString", "LinearRing") and not ln.is_empty:
            out.append(np.asarray(ln.coords)[:, :2])
    return out


def add_polygons(ax: Axes, geoms, *, zorder: float, gid: str | None = None, **kw: Any):
    """Draw (multi)polygons as one PathCollection (no pyplot, no redraws). Returns it or None."""
    from matplotlib.collections import PathCollection

    if isinstance(geoms, shapely.Geometry):
        geoms = [geoms]
    paths = [p for p in (polygon_path(g) for g in geoms if g is not None) if p is not None]
    if not paths:
        return None
    coll = PathCollection(paths, zorder=zorder, **kw)
    if gid:
        coll.set_gid(gid)
    ax.add_collection(coll, autolim=False)
    return coll


def add_lines(ax: Axes, geoms, *, zorder: float, gid: str | None = None, **kw: Any):
    """Draw lines (or polygon outlines) as one LineCollection. Returns it or None."""
    from matplotlib.collections import LineCollection

    if isinstance(geoms, shapely.Geometry):
        geoms = [geoms]
    segs = [a for g in geoms for a in line_arrays(g)]
    if not segs:
        return None
    coll = LineCollection(segs, zorder=zorder, **kw)
    if gid:
        coll.set_gid(gid)
    ax.add_collection(coll, autolim=False)
    return coll
