"""Polygons in storage form: the coordinate grid and deterministic GeoJSON geometry text.

Stored coordinates are snapped to a grid of 10⁻⁵ degrees (about 1.1 m;
:data:`COORD_DECIMALS`) with :func:`shapely.set_precision`, so the geometry stays valid,
and exterior rings are counter-clockwise (:func:`normalise_geometry`). Geometry text is
written compactly with coordinates rounded to the grid (:func:`geometry_json`) and read
back quickly (:func:`geometry_from_mapping`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "COORD_DECIMALS",
    "GRID",
    "geometry_from_mapping",
    "geometry_json",
    "normalise_geometry",
    "to_multipolygon",
]

#: Decimal places of stored coordinates (10⁻⁵° ≈ 1.1 m).
COORD_DECIMALS = 5
#: Size of the storage grid, degrees.
GRID = 10.0**-COORD_DECIMALS


def to_multipolygon(geom: BaseGeometry | None) -> shapely.MultiPolygon:
    """Return the polygonal part of *geom* as a MultiPolygon (empty when there is none)."""
    if geom is None or geom.is_empty:
        return shapely.MultiPolygon()
    if isinstance(geom, shapely.MultiPolygon):
        return geom
    if isinstance(geom, shapely.Polygon):
        return shapely.MultiPolygon([geom])
    parts = [
        g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon | shapely.MultiPolygon)
    ]
    polys = [p for g in parts for p in (g.geoms if isinstance(g, shapely.MultiPolygon) else [g])]
    return shapely.MultiPolygon(polys)


def normalise_geometry(geom: BaseGeometry) -> shapely.MultiPolygon:
    """Snap to the storage grid, put in canonical order, orient as RFC 7946 wants (exterior CCW).

    Coordinates are rounded point-wise to :data:`GRID` (fast); only when that makes the
    geometry invalid (a vertex snapped across an edge, a sliver collapsing) does GEOS's
    topology-preserving snap rounding run. The result does not depend on the input's
    vertex order, so writing is idempotent. A geometry collection (an overlay's polygons with
    stray lines or points) keeps its polygons, merged first, so that parts sharing an edge do
    not make an invalid MultiPolygon.
    """
    if shapely.get_type_id(geom) == 7:  # GeometryCollection
        polygonal = [g for g in shapely.get_parts(geom) if shapely.get_type_id(g) in (3, 6)]
        geom = shapely.union_all(polygonal) if polygonal else shapely.MultiPolygon()
    try:
        snapped = shapely.remove_repeated_points(
            shapely.set_precision(geom, GRID, mode="pointwise"), 0.0
        )
        fast = bool(shapely.is_valid(snapped))
    except shapely.errors.GEOSException:  # a ring collapsed to < 3 points on the grid
        fast = False
    if not fast:
        snapped = shapely.set_precision(geom, GRID)
    snapped = shapely.normalize(snapped)
    return to_multipolygon(shapely.orient_polygons(snapped, exterior_cw=False))


_TRAILING_ZERO = re.compile(r"\.0(?=[,\]])")


def _coords_json(coords: np.ndarray) -> str:
    """JSON text of an (n, 2) coordinate array rounded to :data:`COORD_DECIMALS` (vectorised).

    ``38.0`` is written ``38`` and ``-0.0`` as ``0``; everything else is Python's shortest
    round-tripping float text of the rounded value, e.g. ``38.12345``.
    """
    arr = np.round(np.asarray(coords, dtype=float)[:, :2], COORD_DECIMALS) + 0.0
    return _TRAILING_ZERO.sub("", json.dumps(arr.tolist(), separators=(",", ":")))


def _ring(coords: np.ndarray) -> str:
    return _coords_json(coords)


def geometry_from_mapping(geometry: Mapping[str, Any]) -> BaseGeometry:
    """Return a shapely geometry from a parsed GeoJSON geometry object.

    Polygons and MultiPolygons go straight from the nested coordinate lists to numpy arrays
    and :func:`shapely.polygons` (several times faster than :func:`shapely.geometry.shape`,
    which builds every ring through Python); other types use ``shape``.
    """

    def polygon(rings: list) -> shapely.Polygon:
        if not rings:
            return shapely.Polygon()
        shell: Any = shapely.linearrings(np.asarray(rings[0], dtype=float)[:, :2])
        holes: Any = [shapely.linearrings(np.asarray(r, dtype=float)[:, :2]) for r in rings[1:]]
        return shapely.polygons(shell, holes or None)

    kind = geometry.get("type")
    if kind == "Polygon":
        return polygon(geometry["coordinates"])
    if kind == "MultiPolygon":
        return shapely.multipolygons([polygon(p) for p in geometry["coordinates"]])
    return shapely.geometry.shape(dict(geometry))


def geometry_json(geom: BaseGeometry) -> str:
    """Compact GeoJSON text for a (Multi)Polygon/(Multi)LineString/Point, coordinates rounded."""
    if isinstance(geom, shapely.MultiPolygon):
        polys = [
            "[" + ",".join(_ring(np.asarray(r.coords)) for r in (p.exterior, *p.interiors)) + "]"
            for p in geom.geoms
        ]
        return '{"type": "MultiPolygon", "coordinates": [' + ",".join(polys) + "]}"
    if isinstance(geom, shapely.Polygon):
        rings = ",".join(_ring(np.asarray(r.coords)) for r in (geom.exterior, *geom.interiors))
        return '{"type": "Polygon", "coordinates": [' + rings + "]}"
    if isinstance(geom, shapely.LineString):
        return '{"type": "LineString", "coordinates": ' + _ring(np.asarray(geom.coords)) + "}"
    if isinstance(geom, shapely.MultiLineString):
        return (
            '{"type": "MultiLineString", "coordinates": ['
            + ",".join(_ring(np.asarray(g.coords)) for g in geom.geoms)
            + "]}"
        )
    if isinstance(geom, shapely.Point):
        return (
            '{"type": "Point", "coordinates": '
            + _coords_json(np.array([[geom.x, geom.y]]))[1:-1]
            + "}"
        )
    return shapely.to_geojson(geom)
