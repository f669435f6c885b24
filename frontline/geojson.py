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


#: Most digits before the point the vectorised writer handles (beyond: :func:`_coords_json`).
_MAX_INT_DIGITS = 9
_SCALE = 10**COORD_DECIMALS


def _rings_json(coords: np.ndarray, ends: np.ndarray) -> list[str] | None:
    """JSON text of each ring of an (n, 2) array cut at *ends*, all at once (numpy, no floats).

    The text is what :func:`_coords_json` gives ring by ring: a value rounded to
    ``k / 10**5`` prints as Python's shortest float text, which for 5 decimals is the decimal
    ``k / 10**5`` without trailing zeros (``38`` for 38.0, ``0`` for -0.0). Returns None when
    a value needs the general path: not finite, ``0 < |x| < 10**-4`` (Python writes
    ``1e-05``) or ``|x| >= 10**9``.
    """
    arr = np.asarray(coords, dtype=float)[:, :2]
    if not len(arr) or not np.isfinite(arr).all():
        return None
    k = np.rint(arr * _SCALE).ravel()  # np.round(arr, COORD_DECIMALS) is k / 10**5
    mag = np.abs(k).astype(np.int64)
    top = int(mag.max())
    if ((mag > 0) & (mag < 10)).any() or top >= 10 ** (_MAX_INT_DIGITS + COORD_DECIMALS):
        return None
    ipart = max(1, len(str(top // _SCALE)))
    width = ipart + COORD_DECIMALS
    pow10 = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = ((mag[:, None] // pow10[None, :]) % 10).astype(np.uint8)  # most significant first
    m = len(mag)
    # one row per value: sign, integer digits, ".", fraction digits, then "," after x and
    # "],[" after y (each ring's outer brackets are added around its run of vertices)
    chars = np.empty((m, width + 5), dtype=np.uint8)
    keep = np.zeros((m, width + 5), dtype=bool)
    chars[:, 0] = ord("-")
    keep[:, 0] = k < 0
    chars[:, 1 : ipart + 1] = digits[:, :ipart] + ord("0")
    nonzero = digits[:, :ipart] != 0  # integer part: no leading zeros, but at least one digit
    first = np.where(nonzero.any(axis=1), nonzero.argmax(axis=1), ipart - 1)
    keep[:, 1 : ipart + 1] = np.arange(ipart)[None, :] >= first[:, None]
    frac = digits[:, ipart:]
    fnz = frac != 0  # fraction: no trailing zeros, no point when nothing is left
    last = np.where(fnz.any(axis=1), COORD_DECIMALS - 1 - fnz[:, ::-1].argmax(axis=1), -1)
    chars[:, ipart + 1] = ord(".")
    keep[:, ipart + 1] = last >= 0
    chars[:, ipart + 2 : width + 2] = frac + ord("0")
    keep[:, ipart + 2 : width + 2] = np.arange(COORD_DECIMALS)[None, :] <= last[:, None]
    chars[0::2, width + 2] = ord(",")
    keep[0::2, width + 2] = True
    chars[1::2, width + 2 :] = np.frombuffer(b"],[", dtype=np.uint8)
    keep[1::2, width + 2 :] = True
    text = chars[keep].tobytes().decode("ascii")
    per_vertex = keep.sum(axis=1).reshape(-1, 2).sum(axis=1)
    off = np.concatenate([[0], np.cumsum(per_vertex)])
    bounds = off[np.concatenate([[0], np.asarray(ends, dtype=np.int64)])]
    return ["[[" + text[s : e - 3] + "]]" for s, e in zip(bounds[:-1], bounds[1:], strict=True)]


def _polygon_rings(geom: shapely.Polygon | shapely.MultiPolygon) -> list[list[str]]:
    """Ring texts of each polygon of a (Multi)Polygon, formatted in one vectorised pass."""
    polys: list[shapely.Polygon] = (
        list(geom.geoms) if isinstance(geom, shapely.MultiPolygon) else [geom]
    )
    rings = [r for p in polys for r in (p.exterior, *p.interiors)]
    counts = [len(p.interiors) + 1 for p in polys]
    texts: list[str] | None = None
    if rings:
        coords, index = shapely.get_coordinates(rings, return_index=True)
        ends = np.cumsum(np.bincount(index, minlength=len(rings)))
        if (np.diff(np.concatenate([[0], ends])) > 0).all():
            texts = _rings_json(coords, ends)
    if texts is None:
        texts = [_ring(np.asarray(r.coords)) for r in rings]
    out, i = [], 0
    for c in counts:
        out.append(texts[i : i + c])
        i += c
    return out


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
        polys = ["[" + ",".join(rings) + "]" for rings in _polygon_rings(geom)]
        return '{"type": "MultiPolygon", "coordinates": [' + ",".join(polys) + "]}"
    if isinstance(geom, shapely.Polygon):
        rings = ",".join(_polygon_rings(geom)[0])
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
