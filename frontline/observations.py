"""Observations: dated, sourced reports of who holds a place ("town X held by Y on date D").

An observations CSV (``<data>/observations/<theatre>.csv``) has the columns
:data:`REQUIRED_COLUMNS` and optionally :data:`OPTIONAL_COLUMNS`. :func:`read_observations`
reads it into a GeoDataFrame of points, resolving each place through the gazetteer, or a
relative phrase such as "70 km NE of At Tanf" into a :class:`DerivedPlace`
(:func:`resolve_place`), and lists every problem of the file in one error.
:mod:`frontline.build` turns the observations into control snapshots.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import shapely

from frontline.dates import parse_date
from frontline.errors import DataFileError, InputError, UnknownPlaceError
from frontline.extract import extract_places
from frontline.factions import FactionRegistry
from frontline.gazetteer import Gazetteer
from frontline.theatre import Theatre

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "DEFAULT_CONFIDENCE",
    "DERIVED_KIND",
    "MAX_LISTED_PROBLEMS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "DerivedPlace",
    "PlaceLike",
    "PlaceResolver",
    "read_observations",
    "resolve_place",
]

#: Confidence of an observation whose ``confidence`` cell is empty.
DEFAULT_CONFIDENCE = 1.0


#: Columns an observations CSV must have; ``note`` and ``country`` are optional. ``confidence``
#: is required so that no observation is taken as certain by default (an empty cell is 1.0).
REQUIRED_COLUMNS = ("date", "place", "faction", "source", "confidence")
OPTIONAL_COLUMNS = ("note", "country")
#: Further columns an observations CSV may carry (the event model of ``frontline observe``).
EXTRA_COLUMNS = ("event", "from_faction", "url", "evidence", "date_precision", "reviewed")


#: Most problems listed in one error message.
MAX_LISTED_PROBLEMS = 40


class PlaceLike(Protocol):
    """What the builder needs of a gazetteer place."""

    # read-only properties, so that frozen dataclasses (Place, DerivedPlace) satisfy it
    @property
    def id(self) -> str:
        """Stable id."""
        ...

    @property
    def name(self) -> str:
        """Display name."""
        ...

    @property
    def kind(self) -> str:
        """Place kind (city, town, village…)."""
        ...

    @property
    def country(self) -> str:
        """ISO 3166 alpha-2 country code."""
        ...

    @property
    def lat(self) -> float:
        """Latitude, degrees."""
        ...

    @property
    def lon(self) -> float:
        """Longitude, degrees."""
        ...


@dataclass(frozen=True)
class DerivedPlace:
    """A point an observation names relative to a gazetteer place ("70 km NE of At Tanf")."""

    id: str
    name: str
    kind: str
    country: str
    lat: float
    lon: float
    base_id: str = ""
    uncertainty_km: float = 0.0


#: Kind given to points derived from relative phrases; its reach defaults to the fallback radius.
DERIVED_KIND = "derived_point"


class PlaceResolver(Protocol):
    """What the builder needs of a gazetteer (:class:`frontline.gazetteer.Gazetteer`)."""

    def resolve(
        self, name: str, country: Any = None, near: Any = None, kinds: Any = None
    ) -> PlaceLike:
        """Return the one place a name or id means (raise Unknown/AmbiguousPlaceError)."""
        ...

    def describe(self, lon: float, lat: float) -> str:
        """Word a point relative to the nearest place: "8 km NE of At Tanf"."""
        ...


def read_observations(
    path: str | os.PathLike[str],
    registry: FactionRegistry,
    gazetteer: PlaceResolver,
    theatre: Theatre | None = None,
) -> gpd.GeoDataFrame:
    """Read and check an observations CSV.

    The CSV has the columns ``date,place,faction,source`` and optionally ``confidence``
    (0–1, default 1), ``note`` and ``country`` (ISO2, to tell apart places of the same
    name). ``place`` is a gazetteer id or name, ``faction`` a registry id or alias
    (``unknown`` marks a contested place). Lines starting with ``#`` are comments.

    Parameters
    ----------
    path : path-like
        The CSV file.
    registry : FactionRegistry
        Resolves faction names and aliases to ids.
    gazetteer : Gazetteer
        Resolves place names and ids to places.
    theatre : Theatre, optional
        When given, places outside its extent are errors.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 points, one row per observation, sorted by date, place and line, with
        columns ``line``, ``date`` (datetime.date), ``place_id``, ``place``, ``kind``,
        ``country``, ``faction`` (id), ``source``, ``confidence``, ``note``, ``geometry``.

    Raises
    ------
    DataFileError
        Listing *every* problem of the file, each with its line number: bad dates, unknown
        factions (with suggestions), unknown or ambiguous places, bad confidences, missing
        sources, places outside the theatre and conflicting same-day observations.
        The problems are also in the error's ``problems`` attribute.
    """
    import geopandas as gpd

    p = Path(path)
    if not p.is_file():
        raise DataFileError(
            f"{p}: observations file not found; create it "
            f"with the columns {','.join(REQUIRED_COLUMNS)}"
        )
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataFileError(f"{p}: not UTF-8 text; save it as UTF-8") from None
    if "\x00" in text:  # GIS formats and databases cut text at a NUL: refuse it, do not lose text
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise DataFileError(
            f"{p}:{line}: contains a NUL character (\\0), which GeoPackage and PostGIS would cut "
            "the text at; remove it (a binary file saved as CSV?)"
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    place_cache: dict[tuple[str, str], Any] = {}
    start = 1
    for record in reader:
        line, start = start, reader.line_num + 1
        if not record or not any(c.strip() for c in record) or record[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [c.strip().lower() for c in record]
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                why = (
                    " (confidence: how sure the source is, 0 to 1; write 1 for certain)"
                    if "confidence" in missing
                    else ""
                )
                raise DataFileError(
                    f"{p}:{line}: header lacks column(s) {', '.join(missing)}{why}; "
                    f"expected {','.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}"
                )
            known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS + EXTRA_COLUMNS
            unknown = [c for c in header if c not in known]
            if unknown:
                raise DataFileError(
                    f"{p}:{line}: unknown column(s) {', '.join(repr(c) for c in unknown)} (a typo "
                    f"would be ignored); the columns are {', '.join(known)}"
                )
            continue
        if len(record) != len(header):
            problems.append(
                f"{p}:{line}: {len(record)} fields, the header "
                f"has {len(header)} (quote fields with commas)"
            )
            continue
        row = {k: v.strip() for k, v in zip(header, record, strict=True)}
        parsed = _parse_row(row, line, p, registry, gazetteer, theatre, place_cache, problems)
        if parsed is not None:
            rows.append(parsed)
    if header is None:
        raise DataFileError(
            f"{p}: the file is empty; it needs a header "
            f"{','.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}"
        )
    _check_conflicts(rows, p, problems)
    if problems:
        _raise_problems(p, problems)
    rows.sort(key=lambda r: (r["date"], r["place_id"], r["line"]))
    cols = [
        "line",
        "date",
        "place_id",
        "place",
        "kind",
        "country",
        "faction",
        "source",
        "confidence",
        "note",
    ]
    return gpd.GeoDataFrame(
        {c: [r[c] for r in rows] for c in cols},
        geometry=shapely.points([r["lon"] for r in rows], [r["lat"] for r in rows]) if rows else [],
        crs="EPSG:4326",
    )


def _parse_row(
    row: dict[str, str],
    line: int,
    path: Path,
    registry: FactionRegistry,
    gazetteer: PlaceResolver,
    theatre: Theatre | None,
    cache: dict[tuple[str, str], Any],
    problems: list[str],
) -> dict[str, Any] | None:
    where = f"{path}:{line}"
    before = len(problems)
    try:
        day = parse_date(row["date"])
    except InputError as exc:
        problems.append(f"{where}: {exc}")
        day = None
    try:
        faction = registry.get(row["faction"]).id if row["faction"] else None
        if faction is None:
            problems.append(f"{where}: the faction is empty")
    except InputError as exc:
        problems.append(f"{where}: {exc}")
        faction = None
    conf_text = row.get("confidence", "")
    try:
        conf = float(conf_text) if conf_text else DEFAULT_CONFIDENCE
        if not 0.0 <= conf <= 1.0:
            raise ValueError
    except ValueError:
        problems.append(f"{where}: confidence {conf_text!r} is not a number from 0 to 1")
        conf = None
    if not row["source"]:
        problems.append(
            f"{where}: the source is empty; every observation "
            "cites a public report (outlet, date, headline)"
        )
    place = None
    key = (row["place"], row.get("country", "").upper())
    if not row["place"]:
        problems.append(f"{where}: the place is empty")
    elif key in cache:
        place = cache[key]
        if isinstance(place, Exception):
            problems.append(f"{where}: {place}")
            place = None
    else:
        try:
            place = resolve_place(gazetteer, row["place"], key[1] or None, theatre)
            cache[key] = place
        except InputError as exc:
            cache[key] = exc
            problems.append(f"{where}: {exc}")
    if place is not None and theatre is not None:
        minx, miny, maxx, maxy = theatre.extent
        if not (minx <= place.lon <= maxx and miny <= place.lat <= maxy):
            problems.append(
                f"{where}: {place.name} ({place.lon:.4f}, {place.lat:.4f}) lies outside theatre "
                f"{theatre.id!r} extent {list(theatre.extent)}"
            )
    if place is None or len(problems) > before:
        return None
    return {
        "line": line, "date": day, "place_id": place.id, "place": place.name, "kind": place.kind,
        "country": place.country, "faction": faction, "source": row["source"], "confidence": conf,
        "note": row.get("note", ""), "lon": float(place.lon), "lat": float(place.lat),
    }  # fmt: skip


def resolve_place(
    gazetteer: PlaceResolver, text: str, country: str | None = None, theatre: Theatre | None = None
) -> PlaceLike:
    """Resolve an observation's place: a gazetteer id or name, or a relative phrase.

    Relative phrases such as "70 km NE of At Tanf" or "west of Mosul" (whatever
    :func:`frontline.extract.extract_places` understands, covering the whole text) give a
    :class:`DerivedPlace` at the derived point, of kind :data:`DERIVED_KIND`, in the
    country that contains the point (the base place's country when none does).

    Raises
    ------
    UnknownPlaceError, AmbiguousPlaceError
        From the gazetteer, when the text is neither a place nor a relative phrase.
    """
    try:
        return gazetteer.resolve(text, country=country)
    except UnknownPlaceError:
        derived = _relative_place(gazetteer, text, theatre)
        if derived is None:
            raise
        return derived


def _relative_place(gazetteer: Any, text: str, theatre: Theatre | None) -> DerivedPlace | None:
    import re

    if not isinstance(gazetteer, Gazetteer):
        return None
    stripped = text.strip()
    mentions = [m for m in extract_places(stripped, gazetteer) if m.relation is not None]
    whole = [m for m in mentions if m.phrase[0] == 0 and m.phrase[1] == len(stripped)]
    if len(whole) != 1:
        return None
    m = whole[0]
    country = m.place.country
    if theatre is not None:
        countries = theatre.countries_gdf()
        hit = countries[countries.contains(shapely.Point(m.lon, m.lat))]
        if len(hit):
            country = str(hit["iso_a2"].iloc[0])
    slug = re.sub(r"[^a-z0-9]+", "-", stripped.casefold()).strip("-")
    return DerivedPlace(
        id=f"~{slug}", name=stripped, kind=DERIVED_KIND, country=country,
        lat=float(m.lat), lon=float(m.lon), base_id=m.place.id,
        uncertainty_km=float(m.uncertainty_km),
    )  # fmt: skip


def _check_conflicts(rows: list[dict[str, Any]], path: Path, problems: list[str]) -> None:
    """Report rows of one place and day with different factions and the same confidence."""
    seen: dict[tuple[Any, str], list[dict[str, Any]]] = {}
    for r in rows:
        seen.setdefault((r["date"], r["place_id"]), []).append(r)
    for (day, _pid), group in seen.items():
        if len({r["faction"] for r in group}) < 2:
            continue
        top = max(r["confidence"] for r in group)
        winners = {r["faction"] for r in group if r["confidence"] == top}
        if len(winners) > 1:
            lines = ", ".join(str(r["line"]) for r in group)
            problems.append(
                f"{path}:{group[0]['line']}: lines {lines} say {group[0]['place']} "
                f"was held by {' and '.join(sorted(winners))} on {day} with the "
                "same confidence; lower the confidence of the weaker report, or "
                "record the place as contested (faction 'unknown')"
            )


def _raise_problems(path: Path, problems: list[str]) -> None:
    shown = problems[:MAX_LISTED_PROBLEMS]
    more = len(problems) - len(shown)
    msg = f"{path}: {len(problems)} problem(s):\n  " + "\n  ".join(shown)
    if more:
        msg += f"\n  … and {more} more"
    err = DataFileError(msg)
    err.problems = list(problems)  # type: ignore[attr-defined]
    raise err
