"""The nearest place to a point, in words ("8 km NE of At Tanf"): one lookup for every place table.

:class:`frontline.gazetteer.Gazetteer` and :class:`frontline.placepoints.PlacePoints` keep their
places' coordinates, kinds, importance and curated flags as arrays and answer ``reverse`` and
``describe`` through :func:`nearest_place` and :func:`describe_point`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from frontline.geo import azimuth_deg, describe_offset, distance_km
from frontline.places import Place, Reverse

__all__ = ["describe_point", "nearest_place"]


def nearest_place(
    lon: float,
    lat: float,
    columns: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    place_of: Callable[[int], Place],
    max_km: float | None = None,
    kinds: str | Iterable[str] | None = None,
    min_importance: int | None = None,
    curated_only: bool = False,
) -> Reverse | None:
    """Find the nearest place to a point, with distance, direction and words.

    Parameters
    ----------
    lon, lat : float
        The point (WGS84 degrees).
    columns : tuple of arrays
        The places' ``lon``, ``lat``, ``kind``, ``importance`` and ``curated`` columns.
    place_of : callable
        The :class:`~frontline.places.Place` of a row number.
    max_km : float, optional
        Ignore places farther than this; None when nothing is that close.
    kinds : str or iterable of str, optional
        Only places of these kinds.
    min_importance : int, optional
        Only places at least this important (2: towns and cities).
    curated_only : bool, default False
        Only curated places (skip GeoNames villages).

    Returns
    -------
    Reverse or None
        ``text`` reads "8 km NE of At Tanf" ("at At Tanf" within 1 km).

    Examples
    --------
    >>> p = Place("x", "Al-Qa'im", (), "town", "IQ", 34.39, 40.99, 1000, "example", None, 2)
    >>> cols = (np.array([p.lon]), np.array([p.lat]), np.array([p.kind], dtype=object),
    ...         np.array([2]), np.array([True]))
    >>> nearest_place(41.0, 34.45, cols, lambda i: p).text
    "7 km N of Al-Qa'im"
    """
    lons, lats, kind, importance, curated = columns
    mask = np.ones(len(lons), dtype=bool)
    if kinds:
        kset = {kinds} if isinstance(kinds, str) else set(kinds)
        mask &= np.isin(kind, list(kset))
    if min_importance is not None:
        mask &= importance >= min_importance
    if curated_only:
        mask &= curated
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return None
    d = np.atleast_1d(
        distance_km(
            np.full(idx.size, float(lon)), np.full(idx.size, float(lat)), lons[idx], lats[idx]
        )
    )
    j = int(np.argmin(d))
    km = float(d[j])
    if max_km is not None and km > max_km:
        return None
    place = place_of(int(idx[j]))
    az = float(azimuth_deg(place.lon, place.lat, float(lon), float(lat))) if km > 0 else 0.0
    return Reverse(place, km, az, describe_offset(km, az, place.name))


def describe_point(found: Reverse | None, lon: float, lat: float) -> str:
    """Words for a point: the nearest place's text, else the coordinates ("34.450°N 41.000°E")."""
    if found is None:
        ns, ew = ("N" if lat >= 0 else "S"), ("E" if lon >= 0 else "W")
        return f"{abs(lat):.3f}°{ns} {abs(lon):.3f}°{ew}"
    return found.text
