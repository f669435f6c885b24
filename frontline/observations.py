"""Observations: dated, sourced reports of who holds a place ("town X held by Y on date D").

An observations CSV (``<data>/observations/<theatre>.csv``) has the columns
:data:`REQUIRED_COLUMNS` and optionally :data:`OPTIONAL_COLUMNS` and :data:`RECORD_COLUMNS`.
A theatre may instead keep a folder of them, ``<data>/observations/<theatre>/*.csv`` (one per
region, say): each file is checked on its own, then the rows of all files are merged and
checked together (:func:`observation_files`). :func:`read_observations` reads either into a
GeoDataFrame of points, resolving each place through the gazetteer, or a relative phrase such
as "70 km NE of At Tanf" into a :class:`DerivedPlace` (:func:`resolve_place`), and lists every
problem in one error.
:mod:`frontline.build` turns the observations into control snapshots.
"""

from __future__ import annotations

import bisect
import csv
import datetime as _dt
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import shapely

from frontline.dates import parse_date
from frontline.errors import DataFileError, InputError, UnknownPlaceError
from frontline.extract import extract_places
from frontline.factions import UNKNOWN, FactionRegistry
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
    "EVENTS",
    "RECORD_COLUMNS",
    "DerivedPlace",
    "PlaceLike",
    "PlaceResolver",
    "change_dates",
    "observation_files",
    "read_observations",
    "resolve_place",
    "snapshot_dates_for",
]

#: Confidence of an observation whose ``confidence`` cell is empty.
DEFAULT_CONFIDENCE = 1.0


#: Columns an observations CSV must have; ``note`` and ``country`` are optional. ``confidence``
#: is required so that no observation is taken as certain by default (an empty cell is 1.0).
REQUIRED_COLUMNS = ("date", "place", "faction", "source", "confidence")
OPTIONAL_COLUMNS = ("note", "country")
#: Further columns an observations CSV may carry (the event model of ``frontline observe``).
EXTRA_COLUMNS = ("event", "from_faction", "url", "evidence", "date_precision", "reviewed")
#: Optional columns kept in the frame :func:`read_observations` returns (empty when absent):
#: the ``event`` (:data:`EVENTS`), the previous holder and the report's URL.
RECORD_COLUMNS = ("event", "from_faction", "url")
#: What a row's ``event`` may say; ``faction`` is always the holder after it, and a
#: ``contested`` row holds ``unknown``.
EVENTS = ("captured", "held", "lost", "contested")


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


def observation_files(path: str | os.PathLike[str]) -> list[Path]:
    """Return the CSV files an observations path stands for.

    Parameters
    ----------
    path : path-like
        An observations CSV, or a folder of them (``<data>/observations/<theatre>/``).

    Returns
    -------
    list of Path
        The file itself, or the folder's ``*.csv`` files in name order.

    Raises
    ------
    DataFileError
        When the path does not exist, or the folder holds no CSV file.
    """
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.glob("*.csv") if f.is_file())
        if not files:
            raise DataFileError(
                f"{p}: the observations folder holds no .csv file; add one with the columns "
                f"{','.join(REQUIRED_COLUMNS)}"
            )
        return files
    if not p.is_file():
        raise DataFileError(
            f"{p}: observations file not found; create it "
            f"with the columns {','.join(REQUIRED_COLUMNS)}"
        )
    return [p]


def read_observations(
    path: str | os.PathLike[str],
    registry: FactionRegistry,
    gazetteer: PlaceResolver,
    theatre: Theatre | None = None,
) -> gpd.GeoDataFrame:
    """Read and check an observations CSV, or a folder of them.

    The CSV has the columns ``date,place,faction,source,confidence`` (0–1; an empty cell is
    1), optionally ``note``, ``country`` (ISO2, to tell apart places of the same name) and
    the columns of :data:`EXTRA_COLUMNS`: ``event`` (one of :data:`EVENTS`), ``from_faction``
    and ``url`` are kept; ``evidence``, ``date_precision`` and ``reviewed`` are allowed and
    not kept. Any other column is an error (a typo would otherwise be ignored). ``place`` is a
    gazetteer id or name, ``faction`` a registry id or alias (``unknown`` marks a contested
    place). Lines starting with ``#`` are comments.

    A folder's CSV files (:func:`observation_files`) are each checked on their own, then
    merged: same-day reports of one place in different files must agree as in one file.

    Parameters
    ----------
    path : path-like
        The CSV file, or a folder of CSV files.
    registry : FactionRegistry
        Resolves faction names and aliases to ids.
    gazetteer : Gazetteer
        Resolves place names and ids to places.
    theatre : Theatre, optional
        When given, places outside its extent are errors.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 points, one row per observation, sorted by date, place, file and line,
        with columns ``file`` (the CSV's name), ``line``, ``date`` (datetime.date),
        ``place_id``, ``place``, ``kind``, ``country``, ``faction`` (id), ``source``,
        ``confidence``, ``note``, ``event``, ``from_faction``, ``url``, ``geometry``.

    Raises
    ------
    DataFileError
        Listing *every* problem of every file, each with its file and line number: bad
        dates, unknown factions (with suggestions), unknown or ambiguous places, bad
        confidences or events, missing sources, places outside the theatre and conflicting
        same-day observations (within a file, and between the files of a folder).
        The problems are also in the error's ``problems`` attribute.
    """
    import geopandas as gpd

    p = Path(path)
    files = observation_files(p)
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    place_cache: dict[tuple[str, str], Any] = {}
    for f in files:
        mine: list[dict[str, Any]] = []
        mine_problems: list[str] = []
        _read_file(f, registry, gazetteer, theatre, place_cache, mine, mine_problems)
        _check_conflicts(mine, mine_problems)  # each file on its own
        problems += mine_problems
        rows += mine
    if len(files) > 1:
        _check_conflicts(rows, problems, across_files=True)  # the merge
    if problems:
        _raise_problems(p, problems)
    rows.sort(key=lambda r: (r["date"], r["place_id"], r["file"], r["line"]))
    cols = [
        "file",
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
        *RECORD_COLUMNS,
    ]
    return gpd.GeoDataFrame(
        {c: [r[c] for r in rows] for c in cols},
        geometry=shapely.points([r["lon"] for r in rows], [r["lat"] for r in rows]) if rows else [],
        crs="EPSG:4326",
    )


def _read_file(
    p: Path,
    registry: FactionRegistry,
    gazetteer: PlaceResolver,
    theatre: Theatre | None,
    place_cache: dict[tuple[str, str], Any],
    rows: list[dict[str, Any]],
    problems: list[str],
) -> None:
    """Parse one observations CSV into *rows*, adding every problem to *problems*."""
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        problems.append(f"{p}: not UTF-8 text; save it as UTF-8")
        return
    if "\x00" in text:  # GIS formats and databases cut text at a NUL: refuse it, do not lose text
        line = text.count("\n", 0, text.index("\x00")) + 1
        problems.append(
            f"{p}:{line}: contains a NUL character (\\0), which GeoPackage and PostGIS would cut "
            "the text at; remove it (a binary file saved as CSV?)"
        )
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
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
                problems.append(
                    f"{p}:{line}: header lacks column(s) {', '.join(missing)}{why}; "
                    f"expected {','.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}"
                )
                return
            known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS + EXTRA_COLUMNS
            unknown = [c for c in header if c not in known]
            if unknown:
                problems.append(
                    f"{p}:{line}: unknown column(s) {', '.join(repr(c) for c in unknown)} (a typo "
                    f"would be ignored); the columns are {', '.join(known)}"
                )
                return
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
        problems.append(
            f"{p}: the file is empty; it needs a header "
            f"{','.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}"
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
    event = row.get("event", "").lower()
    if event and event not in EVENTS:
        problems.append(f"{where}: event {row['event']!r} is not one of {', '.join(EVENTS)}")
    elif event == "contested" and faction not in (None, UNKNOWN):
        problems.append(
            f"{where}: a contested row holds the faction 'unknown', not {faction!r} (a place "
            "under attack whose holder is known is 'held')"
        )
    elif event in ("captured", "held") and faction == UNKNOWN:
        problems.append(f"{where}: a {event} row names its holder, not 'unknown'")
    from_faction = row.get("from_faction", "")
    if from_faction:
        try:
            from_faction = registry.get(from_faction).id
        except InputError as exc:
            problems.append(f"{where}: from_faction: {exc}")
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
        "file": path.name, "path": str(path), "line": line, "date": day, "place_id": place.id,
        "place": place.name, "kind": place.kind, "country": place.country, "faction": faction,
        "source": row["source"], "confidence": conf, "note": row.get("note", ""),
        "event": event, "from_faction": from_faction, "url": row.get("url", ""),
        "lon": float(place.lon), "lat": float(place.lat),
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


def _check_conflicts(
    rows: list[dict[str, Any]], problems: list[str], across_files: bool = False
) -> None:
    """Report rows of one place and day with different factions and the same confidence.

    With *across_files*, only groups whose rows come from more than one file (the merge of
    a folder; each file was checked on its own before).
    """
    seen: dict[tuple[Any, str], list[dict[str, Any]]] = {}
    for r in rows:
        seen.setdefault((r["date"], r["place_id"]), []).append(r)
    for (day, _pid), group in seen.items():
        if len({r["faction"] for r in group}) < 2:
            continue
        if across_files and len({r["path"] for r in group}) < 2:
            continue
        top = max(r["confidence"] for r in group)
        winners = {r["faction"] for r in group if r["confidence"] == top}
        if len(winners) > 1:
            if across_files:
                lines = ", ".join(f"{r['file']}:{r['line']}" for r in group)
            else:
                lines = "lines " + ", ".join(str(r["line"]) for r in group)
            problems.append(
                f"{group[0]['path']}:{group[0]['line']}: {lines} say {group[0]['place']} "
                f"was held by {' and '.join(sorted(winners))} on {day} with the "
                "same confidence; lower the confidence of the weaker report, or "
                "record the place as contested (faction 'unknown')"
            )


# -- when the map changes ------------------------------------------------------------------------
#: Events that report a change of hands (or the end of a holding).
CHANGE_EVENTS = ("captured", "lost", "contested")


def change_dates(observations: gpd.GeoDataFrame) -> list[_dt.date]:
    """Return the dates on which some place changed hands, by the observations.

    A date counts when a row on it reports a change (``event`` captured, lost or contested),
    or when a place's holder on it (the same-day report of highest confidence) differs from
    its holder before (the first observation of a place is not a change).

    Parameters
    ----------
    observations : GeoDataFrame
        As :func:`read_observations` returns them.

    Returns
    -------
    list of datetime.date
        Sorted, without repeats.
    """
    if not len(observations):
        return []
    out: set[_dt.date] = set()
    if "event" in observations.columns:
        events = observations["event"].astype(str).str.lower()
        out.update(observations.loc[events.isin(CHANGE_EVENTS), "date"])
    frame = observations.sort_values(["place_id", "date", "confidence"], kind="stable")
    winners = frame.drop_duplicates(["place_id", "date"], keep="last")
    same_place = winners["place_id"].eq(winners["place_id"].shift())
    changed = same_place & winners["faction"].ne(winners["faction"].shift())
    out.update(winners.loc[changed, "date"])
    return sorted(out)


def snapshot_dates_for(
    observations: gpd.GeoDataFrame,
    max_lag_days: int = 7,
    *,
    start: _dt.date | str | None = None,
    end: _dt.date | str | None = None,
    include: Iterable[_dt.date | str] = (),
) -> list[_dt.date]:
    """Choose snapshot dates so that every change of hands is mapped within *max_lag_days*.

    Every date of :func:`change_dates` between *start* and *end* gets a snapshot on it or at
    most *max_lag_days* after it. Greedily, in date order: a change no chosen date covers yet
    gets a snapshot on the latest change date within its window, so that every snapshot is
    the date of a reported change and few are needed (the least number when *include* is
    empty).

    Parameters
    ----------
    observations : GeoDataFrame
        As :func:`read_observations` returns them.
    max_lag_days : int, default 7
        Longest delay, in days, between a change and the first snapshot that shows it.
    start, end : date or str, optional
        The period (default: the first and last observation date). Both are snapshot dates.
    include : iterable of date or str
        Dates that must be snapshots as well (the ones a text or a test refers to).

    Returns
    -------
    list of datetime.date
        Sorted, without repeats.

    Raises
    ------
    InputError
        When *max_lag_days* is negative, or there is nothing to choose from.

    Examples
    --------
    >>> import datetime as dt, pandas as pd
    >>> d = [dt.date(2017, 1, 1), dt.date(2017, 1, 3), dt.date(2017, 1, 9), dt.date(2017, 1, 20)]
    >>> obs = pd.DataFrame({"place_id": ["a", "a", "a", "b"], "date": d[:3] + [d[3]],
    ...     "faction": ["x", "y", "x", "y"], "confidence": 1.0, "event": ["held", "captured",
    ...     "captured", "held"]})
    >>> [str(x) for x in snapshot_dates_for(obs, 7)]
    ['2017-01-01', '2017-01-09', '2017-01-20']
    """
    if max_lag_days < 0:
        raise InputError(f"max_lag_days must be 0 or more, not {max_lag_days}")
    days = sorted(set(observations["date"])) if len(observations) else []
    first = parse_date(start) if start is not None else (days[0] if days else None)
    last = parse_date(end) if end is not None else (days[-1] if days else None)
    if first is None or last is None:
        raise InputError("no observations and no period: no snapshot dates to choose")
    chosen = {first, last} | {parse_date(d) for d in include}
    chosen = {d for d in chosen if first <= d <= last}
    changes = [d for d in change_dates(observations) if first <= d <= last]
    lag = _dt.timedelta(days=max_lag_days)
    for day in changes:
        ordered = sorted(chosen)
        k = bisect.bisect_left(ordered, day)
        if k < len(ordered) and ordered[k] <= day + lag:
            continue  # already shown in time
        limit = min(day + lag, last)
        chosen.add(changes[bisect.bisect_right(changes, limit) - 1])
    return sorted(chosen)


def _raise_problems(path: Path, problems: list[str]) -> None:
    shown = problems[:MAX_LISTED_PROBLEMS]
    more = len(problems) - len(shown)
    msg = f"{path}: {len(problems)} problem(s):\n  " + "\n  ".join(shown)
    if more:
        msg += f"\n  … and {more} more"
    err = DataFileError(msg)
    err.problems = list(problems)  # type: ignore[attr-defined]
    raise err
