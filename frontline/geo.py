"""Geodesy on the WGS84 ellipsoid: areas, lengths, distances, bearings and their wording.

All measurements use :class:`pyproj.Geod` on WGS84 so that km and km² are true on the
ground at any latitude. Functions accept scalars or numpy arrays.
"""

from __future__ import annotations

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


def geodesic_area_km2(geoms: shapely.Geometry | Iterable[shapely.Geometry | None]) -> np.ndarray:
    """Area of lon/lat (multi)polygons on the WGS84 ellipsoid, in km².

    Parameters
    ----------
    geoms : geometry or array-like of geometries
        Polygons in lon/lat degrees (EPSG:4326). Missing or empty geometries give 0.

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
    out = np.zeros(flat.shape, dtype=float)
    for i, g in enumerate(flat):
        if g is not None and not g.is_empty:
            out[i] = abs(GEOD.geometry_area_perimeter(g)[0]) / 1e6
    return out.reshape(arr.shape)


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
    """The point *km* kilometres from (lon, lat) along *azimuth* degrees.

    Examples
    --------
    >>> lon, lat = destination(38.0, 33.0, 90.0, 10.0)
    >>> round(lon, 3), round(lat, 3)
    (38.107, 33.0)
    """
    lon2, lat2, _ = GEOD.fwd(lon, lat, azimuth, km * 1e3)
    return float(lon2), float(lat2)


def compass_point(azimuth: float) -> str:
    """The 8-point compass abbreviation for an azimuth in degrees ("N", "NE", …).

    Examples
    --------
    >>> compass_point(40), compass_point(350), compass_point(180)
    ('NE', 'N', 'S')
    """
    return _COMPASS_8[int(((float(azimuth) % 360) + 22.5) // 45) % 8]


def compass_word(azimuth: float) -> str:
    """The compass direction as a word: "north-east"."""
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


def equal_area_crs(bounds: Sequence[float]) -> pyproj.CRS:
    """A Lambert azimuthal equal-area CRS centred on a lon/lat bbox.

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
        f"+proj=laea +lat_0={lat0:.4f} +lon_0={lon0:.4f} +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
    )


def looks_like_lonlat(bounds: Sequence[float]) -> bool:
    """True when a bbox could be lon/lat degrees (|x| ≤ 180 and |y| ≤ 90)."""
    minx, miny, maxx, maxy = bounds
    return -180.0 <= minx <= maxx <= 180.0 and -90.0 <= miny <= maxy <= 90.0
