"""Geodesy on the WGS84 ellipsoid: areas, lengths, distances, bearings and their wording.

Measurements are true on the WGS84 ellipsoid at any latitude: lengths and distances come
from :class:`pyproj.Geod`; areas from one vectorised kernel (:class:`AreaMeter`) that
projects to a Lambert azimuthal equal-area CRS of the ellipsoid, with polygon edges taken as
straight in lon/lat (as RFC 7946 has them). Functions accept scalars or numpy arrays.
This module also holds the one cached lon/lat → CRS transformer (:func:`lonlat_transformer`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import numpy as np
import pyproj
import shapely

#: The WGS84 ellipsoid used for every measurement.
GEOD = pyproj.Geod(ellps="WGS84")

_COMPASS_8 = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
_COMPASS_WORDS = {
    "N": "north", "NE": "north-east", "E": "east", "SE": "south-east",
    "S": "south", "SW": "south-west", "W": "west", "NW": "north-west",
}  # fmt: skip


def geodesic_area_km2(
    geoms: shapely.Geometry | Iterable[shapely.Geometry | None], crs: pyproj.CRS | None = None
) -> np.ndarray:
    """Area of lon/lat (multi)polygons on the WGS84 ellipsoid, in km².

    Edges are straight in lon/lat (RFC 7946), so the area of a whole equals the sum of the
    areas of its pieces; measured by :class:`AreaMeter` (vectorised), which agrees with
    :meth:`pyproj.Geod.geometry_area_perimeter` of the densified polygons to better than
    0.01 %.

    Parameters
    ----------
    geoms : geometry or array-like of geometries
        Polygons in lon/lat degrees (EPSG:4326). Missing or empty geometries give 0.
    crs : pyproj.CRS, optional
        The equal-area CRS to measure in (e.g. ``theatre.area_crs``); by default one centred
        on the geometries.

    Returns
    -------
    numpy.ndarray
        Absolute areas in km² (a 0-d array for a single geometry).

    Examples
    --------
    >>> from shapely import box
    >>> round(float(geodesic_area_km2(box(38, 33, 39, 34))), 0)
    10306.0
    """
    arr = np.asarray(geoms, dtype=object)
    flat = arr.reshape(-1)
    if not len(flat):
        return np.zeros(arr.shape)
    meter = AreaMeter(crs, None if crs is not None else bounds_of(flat))
    return meter(flat).reshape(arr.shape)


def geodesic_length_km(geoms: shapely.Geometry | Iterable[shapely.Geometry | None]) -> np.ndarray:
    """Length of lon/lat lines (or polygon perimeters) on the WGS84 ellipsoid, in km."""
    arr = np.asarray(geoms, dtype=object)
    flat = arr.reshape(-1)
    out = np.zeros(flat.shape, dtype=float)
    for i, g in enumerate(flat):
        if g is not None and not g.is_empty:
            out[i] = GEOD.geometry_length(g) / 1e3
    return out.reshape(arr.shape)


def distance_km(lon1, lat1, lon2, lat2) -> np.ndarray | float:
    """Geodesic distance between points, in km (vectorised over arrays)."""
    _, _, d = GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(d) / 1e3 if np.ndim(d) else float(d) / 1e3


def azimuth_deg(lon1, lat1, lon2, lat2) -> np.ndarray | float:
    """Forward azimuth from point 1 to point 2, degrees clockwise from north in [0, 360)."""
    az, _, _ = GEOD.inv(lon1, lat1, lon2, lat2)
    az = np.mod(az, 360.0)
    return az if np.ndim(az) else float(az)


def destination(lon: float, lat: float, azimuth: float, km: float) -> tuple[float, float]:
    """Return the point *km* kilometres from (lon, lat) along *azimuth* degrees.

    Examples
    --------
    >>> lon, lat = destination(38.0, 33.0, 90.0, 10.0)
    >>> round(lon, 3), round(lat, 3)
    (38.107, 33.0)
    """
    lon2, lat2, _ = GEOD.fwd(lon, lat, azimuth, km * 1e3)
    return float(lon2), float(lat2)


def compass_point(azimuth: float) -> str:
    """Return the 8-point compass abbreviation for an azimuth in degrees ("N", "NE", …).

    Examples
    --------
    >>> compass_point(40), compass_point(350), compass_point(180)
    ('NE', 'N', 'S')
    """
    return _COMPASS_8[int(((float(azimuth) % 360) + 22.5) // 45) % 8]


def compass_word(azimuth: float) -> str:
    """Return the compass direction as a word: "north-east"."""
    return _COMPASS_WORDS[compass_point(azimuth)]


def format_km(km: float) -> str:
    """Round a distance the way a report would: "800 m", "8 km", "12 km", "120 km"."""
    if km < 1:
        return f"{int(round(km * 1000, -2)) or 100} m"
    if km < 20:
        return f"{km:.0f} km"
    return f"{round(km, -1):.0f} km" if km >= 100 else f"{5 * round(km / 5):.0f} km"


def describe_offset(km: float, azimuth: float, name: str, at_km: float = 1.0) -> str:
    """Word an offset from a named place as a report would.

    Parameters
    ----------
    km : float
        Distance from the place, in km.
    azimuth : float
        Direction *from the place to the point*, degrees clockwise from north.
    name : str
        The place's name.
    at_km : float, default 1.0
        Closer than this the point is "at" the place.

    Examples
    --------
    >>> describe_offset(8.2, 45, "At Tanf")
    '8 km NE of At Tanf'
    >>> describe_offset(0.4, 45, "At Tanf")
    'at At Tanf'
    """
    if km < at_km:
        return f"at {name}"
    return f"{format_km(km)} {compass_point(azimuth)} of {name}"


def equal_area_crs(bounds: Sequence[float] | np.ndarray) -> pyproj.CRS:
    """Return a Lambert azimuthal equal-area CRS centred on a lon/lat bbox.

    Parameters
    ----------
    bounds : sequence of float
        ``(minlon, minlat, maxlon, maxlat)``.

    Returns
    -------
    pyproj.CRS
    """
    minx, miny, maxx, maxy = bounds
    lon0, lat0 = (minx + maxx) / 2, (miny + maxy) / 2
    return pyproj.CRS.from_proj4(
        f"+proj=laea +lat_0={lat0:.4f} +lon_0={lon0:.4f} "
        "+x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
    )


def looks_like_lonlat(bounds: Sequence[float]) -> bool:
    """Tell whether a bbox could be lon/lat degrees (|x| ≤ 180 and |y| ≤ 90)."""
    minx, miny, maxx, maxy = bounds
    return -180.0 <= minx <= maxx <= 180.0 and -90.0 <= miny <= maxy <= 90.0


# -- the one lon/lat → equal-area kernel -----------------------------------------------------------
#: Edges longer than this (degrees) are densified before measuring areas (~1 km).
DENSIFY_DEG = 0.01


@functools.lru_cache(maxsize=16)
def lonlat_transformer(crs: pyproj.CRS) -> pyproj.Transformer:
    """Return the lon/lat (EPSG:4326) → *crs* transformer, built once per CRS (one takes ~15 ms).

    Parameters
    ----------
    crs : pyproj.CRS
        Target CRS.

    Returns
    -------
    pyproj.Transformer
        With ``always_xy=True`` (lon, lat order).
    """
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


@functools.lru_cache(maxsize=64)
def _laea(lon0: float, lat0: float) -> pyproj.Transformer:
    return lonlat_transformer(equal_area_crs((lon0, lat0, lon0, lat0)))


def bounds_of(geoms: Iterable[shapely.Geometry | None]) -> np.ndarray:
    """Total ``(minx, miny, maxx, maxy)`` of the non-empty geometries; ``(0, 0, 1, 1)`` for none.

    Examples
    --------
    >>> from shapely import box
    >>> bounds_of([box(38, 33, 39, 34), None, box(40, 32, 41, 33)]).tolist()
    [38.0, 32.0, 41.0, 34.0]
    """
    kept = [g for g in geoms if g is not None]
    arr = np.asarray(kept, dtype=object)
    arr = arr[~shapely.is_empty(arr)] if len(arr) else arr
    bounds = shapely.total_bounds(arr) if len(arr) else np.array([0.0, 0.0, 1.0, 1.0])
    return bounds if np.all(np.isfinite(bounds)) else np.array([0.0, 0.0, 1.0, 1.0])


class AreaMeter:
    """Areas of lon/lat polygons in km², in an equal-area projection (vectorised).

    Edges longer than :data:`DENSIFY_DEG` are densified first, so that edges count as
    straight in lon/lat (as RFC 7946 has them) and the area of a whole equals the sum of the
    areas of its pieces. The projection is Lambert azimuthal equal-area on the WGS84
    ellipsoid (:func:`equal_area_crs`), so areas are true on the ellipsoid; they agree with
    :meth:`pyproj.Geod.geometry_area_perimeter` of the densified polygons to better than
    0.01 %.

    Parameters
    ----------
    crs : pyproj.CRS, optional
        The equal-area CRS (e.g. ``theatre.area_crs``); by default one centred on *bounds*.
    bounds : sequence of float, optional
        ``(minlon, minlat, maxlon, maxlat)`` of the data.

    Examples
    --------
    >>> from shapely import box
    >>> meter = AreaMeter(bounds=(38, 33, 39, 34))
    >>> [round(float(v)) for v in meter([box(38, 33, 38.5, 34), box(38.5, 33, 39, 34)])]
    [5153, 5153]
    """

    def __init__(
        self, crs: pyproj.CRS | None = None, bounds: Sequence[float] | np.ndarray | None = None
    ) -> None:
        if crs is None:
            # equal-area everywhere: the centre only needs to be near the data (rounded to 1°
            # so that the projection is built once per region)
            b = np.asarray(bounds if bounds is not None else (0.0, 0.0, 1.0, 1.0), dtype=float)
            if not np.all(np.isfinite(b)):
                b = np.array([0.0, 0.0, 1.0, 1.0])
            self._tr = _laea(round((b[0] + b[2]) / 2), round((b[1] + b[3]) / 2))
        else:
            self._tr = lonlat_transformer(crs)
        self.crs = self._tr.target_crs

    def __call__(self, geoms: Iterable[shapely.Geometry | None]) -> np.ndarray:
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
