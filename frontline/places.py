"""Places: the value types of the gazetteer (Place, Match, Reverse) and its curated layer.

The curated layer is ``<data_dir>/gazetteer/places.csv``: the places a theatre's reports
name (towns, border crossings, bases), each with alternate spellings, Arabic script, a
precision and the public source of its coordinates (:func:`read_places_csv`).

Importance (used by renderers to choose labels): 3 = capital or city (curated kind
``city``; bulk population >= 100,000 or a national capital), 2 = town (kind ``town``;
population >= 10,000), 1 = anything else (village, border crossing, base, area).
"""

from __future__ import annotations

import csv
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline.errors import DataFileError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas

__all__ = [
    "CURATED_COLUMNS",
    "Match",
    "Place",
    "Reverse",
    "importance_for",
    "places_frame",
    "read_places_csv",
]

#: Columns of ``gazetteer/places.csv``, in order.
CURATED_COLUMNS = (
    "id",
    "name",
    "alt_names",
    "kind",
    "country",
    "lat",
    "lon",
    "precision_m",
    "source",
)


_KIND_IMPORTANCE = {"capital": 3, "city": 3, "town": 2}
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Place:
    """A named place.

    Attributes
    ----------
    id : str
        Stable identifier: a slug for curated places (``"at-tanf"``), ``"gn-<geonameid>"``
        for GeoNames places.
    name : str
        Conventional English name.
    alt_names : tuple of str
        Alternate spellings and names, Arabic script included.
    kind : str
        ``city``, ``town``, ``village``, ``border_crossing``, ``military_base``, ``area`` …
    country : str
        ISO 3166-1 alpha-2 code.
    lat, lon : float
        WGS84 coordinates in degrees.
    precision_m : float
        Radius (m) within which the coordinates locate the place.
    source : str
        Where the coordinates come from.
    population : int or None
        Population from GeoNames, when known.
    importance : int
        3 capital/city, 2 town, 1 village, crossing, base, area (higher = bigger).
    """

    id: str
    name: str
    alt_names: tuple[str, ...]
    kind: str
    country: str
    lat: float
    lon: float
    precision_m: float
    source: str
    population: int | None = None
    importance: int = 1

    @property
    def curated(self) -> bool:
        """True for places from the curated layer (not GeoNames)."""
        return not self.id.startswith("gn-")

    @property
    def names(self) -> tuple[str, ...]:
        """The name followed by the alternate names."""
        return (self.name, *self.alt_names)

    def describe(self) -> str:
        """One-line description: ``"at-tanf: At Tanf (military_base, SY, 33.5058, 38.6178)"``."""
        return (
            f"{self.id}: {self.name} ({self.kind}, {self.country}, {self.lat:.4f}, {self.lon:.4f})"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (JSON-ready)."""
        return {
            "id": self.id,
            "name": self.name,
            "alt_names": list(self.alt_names),
            "kind": self.kind,
            "country": self.country,
            "lat": self.lat,
            "lon": self.lon,
            "precision_m": self.precision_m,
            "source": self.source,
            "population": self.population,
            "importance": self.importance,
        }

    @property
    def __geo_interface__(self) -> dict[str, Any]:
        """The place as a GeoJSON Feature (Point), for shapely, geopandas and folium.

        Examples
        --------
        >>> p = Place("mosul", "Mosul", (), "city", "IQ", 36.335, 43.119, 3000, "s", None, 3)
        >>> p.__geo_interface__["geometry"]
        {'type': 'Point', 'coordinates': [43.119, 36.335]}
        """
        props = self.to_dict()
        del props["lat"], props["lon"]
        return {
            "type": "Feature",
            "id": self.id,
            "properties": props,
            "geometry": {"type": "Point", "coordinates": [self.lon, self.lat]},
        }

    def __repr__(self) -> str:
        return (
            f"Place(id={self.id!r}, name={self.name!r}, kind={self.kind!r}, "
            f"country={self.country!r}, lat={self.lat:.4f}, lon={self.lon:.4f})"
        )


@dataclass(frozen=True)
class Match:
    """A geocoding candidate: the place, how well and why it matched."""

    place: Place
    score: float
    reason: str
    distance_km: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (JSON-ready)."""
        d = {"score": round(self.score, 1), "reason": self.reason, **self.place.to_dict()}
        if self.distance_km is not None:
            d["distance_km"] = round(self.distance_km, 3)
        return d

    def __repr__(self) -> str:
        far = "" if self.distance_km is None else f", distance_km={self.distance_km:.1f}"
        return (
            f"Match(place={self.place.id!r}, name={self.place.name!r}, score={self.score:.1f}, "
            f"reason={self.reason!r}{far})"
        )


@dataclass(frozen=True)
class Reverse:
    """The nearest named place to a point, and the words for the offset."""

    place: Place
    distance_km: float
    azimuth: float
    text: str


def places_frame(places: Iterable[Place]) -> geopandas.GeoDataFrame:
    """Places as a GeoDataFrame in EPSG:4326.

    Columns: id, name, alt_names (``|``-joined), kind, country, precision_m, source,
    population, importance, geometry (Point).
    """
    import geopandas
    import shapely

    ps = list(places)
    return geopandas.GeoDataFrame(
        {
            "id": [p.id for p in ps],
            "name": [p.name for p in ps],
            "alt_names": ["|".join(p.alt_names) for p in ps],
            "kind": [p.kind for p in ps],
            "country": [p.country for p in ps],
            "precision_m": [float(p.precision_m) for p in ps],
            "source": [p.source for p in ps],
            "population": np.array(
                [p.population if p.population else np.nan for p in ps], dtype=float
            ),
            "importance": np.array([p.importance for p in ps], dtype=np.int64),
        },
        geometry=shapely.points(
            np.array([p.lon for p in ps], dtype=float),
            np.array([p.lat for p in ps], dtype=float),
        )
        if ps
        else [],
        crs="EPSG:4326",
    )


def importance_for(kind: str, population: int | None = None) -> int:
    """Return the importance class of a place from its kind and population (see module doc)."""
    imp = _KIND_IMPORTANCE.get(kind, 1)
    if population:
        if population >= 100_000:
            imp = max(imp, 3) if kind in ("city", "town", "village", "capital") else imp
        elif population >= 10_000:
            imp = max(imp, 2) if kind in ("town", "village") else imp
    return imp


def read_places_csv(path: str | os.PathLike[str]) -> list[Place]:
    """Read a curated ``places.csv``.

    Parameters
    ----------
    path : path-like
        A UTF-8 CSV with the columns :data:`CURATED_COLUMNS`; ``alt_names`` is
        ``|``-separated.

    Returns
    -------
    list of Place

    Raises
    ------
    DataFileError
        When the file is missing, not UTF-8, lacks a column, or a row is invalid (the
        message names the line and the field).
    """
    p = Path(path)
    if not p.is_file():
        raise DataFileError(f"{p}: gazetteer file not found")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataFileError(f"{p}: not UTF-8 text") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in CURATED_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise DataFileError(
            f"{p}: missing column(s) {', '.join(missing)}; expected {','.join(CURATED_COLUMNS)}"
        )
    places: list[Place] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        where = f"{p}:{line}"
        pid = (row["id"] or "").strip()
        if not _ID_RE.match(pid):
            raise DataFileError(f"{where}: id {pid!r} must be a lower-case slug (a-z, 0-9, -)")
        if pid in seen:
            raise DataFileError(f"{where}: duplicate id {pid!r}")
        seen.add(pid)
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
            precision = float(row["precision_m"] or 1000)
        except (TypeError, ValueError):
            raise DataFileError(
                f"{where}: lat, lon and precision_m must be numbers ({pid})"
            ) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not (
            math.isfinite(lat) and math.isfinite(lon)
        ):
            raise DataFileError(f"{where}: lat/lon {lat}, {lon} out of range ({pid})")
        country = (row["country"] or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise DataFileError(
                f"{where}: country {country!r} must be an ISO 3166 alpha-2 code ({pid})"
            )
        name = (row["name"] or "").strip()
        kind = (row["kind"] or "").strip()
        if not name or not kind:
            raise DataFileError(f"{where}: name and kind are required ({pid})")
        alts = tuple(a.strip() for a in (row["alt_names"] or "").split("|") if a.strip())
        places.append(
            Place(
                id=pid,
                name=name,
                alt_names=alts,
                kind=kind,
                country=country,
                lat=lat,
                lon=lon,
                precision_m=precision,
                source=(row["source"] or "").strip(),
                population=None,
                importance=importance_for(kind),
            )
        )
    return places
