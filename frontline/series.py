"""Import a published series of dated control maps (a folder of daily files, or one dated layer).

A *series* is either

* a folder or glob of files, one date each: the date comes from the file name
  (``deepstatemap_data_20240708.geojson``; any ``YYYYMMDD`` or ``YYYY-MM-DD`` by default, or a
  pattern such as ``deepstatemap_data_%Y%m%d`` or a regular expression with groups ``Y``,
  ``m`` and ``d``) or from a date column in the file;
* or one layer with a date column (``valid_from``, optionally ``valid_to``), such as the
  GeoPackage ``frontline export`` writes: a row belongs to every snapshot date from its
  ``valid_from`` up to (not including) its ``valid_to``.

Each area's faction is a constant (``faction="russia"``), or the value of a column mapped
to faction ids (``faction_field="name", mapping={"Russia": "russia"}``; without a mapping
the values go through the faction registry's aliases). Several candidate column names may
be given: the first one present is used and a file that uses a later one is reported.

Published files drift in their shape over the years. Each file is read by the one reader of
GIS layers, :class:`frontline.gisimport.AreaReader`, in its series mode: what it meets is
handled and reported in a :class:`Drift` (never silently): 3D coordinates lose their Z, a
geometry collection keeps its polygonal parts, points and lines are dropped, features
without geometry are dropped, invalid rings are repaired only with ``repair=True``
(otherwise an :class:`~frontline.errors.InvalidGeometryError` names the file, feature and
location), a row or file without a date is refused (or, with ``skip_bad=True``, skipped and
reported), a faction value mapped to ``-`` is left out.

:func:`frontline.seriesimport.import_series` writes a series into a history.
"""

from __future__ import annotations

import datetime as _dt
import glob
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

from frontline.control import ControlSnapshot
from frontline.dates import parse_date
from frontline.errors import DataFileError, InvalidDateError
from frontline.factions import FactionRegistry
from frontline.geojson import to_multipolygon
from frontline.gisimport import AreaReader, DatedAreas, Drift, support_in
from frontline.theatre import load_yaml

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "Drift",
    "date_from_name",
    "day_snapshot",
    "discover",
    "make_reader",
    "read_mapping",
    "read_series",
]

#: File name endings a folder of a series is searched for.
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".fgb", ".shp", ".gml", ".kml", ".sqlite")
#: A date in a file name by default: ``YYYYMMDD`` or ``YYYY-MM-DD`` (also ``_`` or ``.``).
DEFAULT_NAME_DATE = r"(?<!\d)(?P<Y>\d{4})[-_.]?(?P<m>\d{2})[-_.]?(?P<d>\d{2})(?!\d)"
_STRFTIME = {"%Y": r"(?P<Y>\d{4})", "%m": r"(?P<m>\d{2})", "%d": r"(?P<d>\d{2})", "%%": "%"}

#: ``progress(done, total, what)`` after each file read.
Progress = Callable[[int, int, str], None]


# -- finding files and dates -----------------------------------------------------------------
def name_pattern(pattern: str | None) -> re.Pattern[str]:
    """Compile a file-name date pattern: strftime-like (``%Y%m%d``) or a regular expression.

    A pattern with ``%`` is matched literally except ``%Y``, ``%m`` and ``%d``; otherwise it
    is a regular expression with named groups ``Y``, ``m``, ``d`` (or one group holding an
    ISO or ``YYYYMMDD`` date). None gives :data:`DEFAULT_NAME_DATE`.
    """
    if pattern is None:
        return re.compile(DEFAULT_NAME_DATE)
    if "%" in pattern:
        parts = re.split(r"(%[Ymd%])", pattern)
        return re.compile("".join(_STRFTIME.get(p, re.escape(p)) for p in parts))
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise DataFileError(f"file-name date pattern {pattern!r} is not valid: {exc}") from None


def date_from_name(name: str, pattern: str | re.Pattern[str] | None = None) -> _dt.date | None:
    """Return the date in a file name (its stem), or None when the pattern does not match.

    Examples
    --------
    >>> date_from_name("deepstatemap_data_20240708.geojson")
    datetime.date(2024, 7, 8)
    >>> date_from_name("map-2017-06-01.gpkg", "map-%Y-%m-%d")
    datetime.date(2017, 6, 1)
    """
    rx = pattern if isinstance(pattern, re.Pattern) else name_pattern(pattern)
    stem = Path(name).name
    for suffix in VECTOR_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    m = rx.search(stem)
    if not m:
        return None
    groups = m.groupdict()
    try:
        if {"Y", "m", "d"} <= set(groups):
            return _dt.date(int(groups["Y"]), int(groups["m"]), int(groups["d"]))
        text = next((g for g in m.groups() if g), m.group(0))
        text = text if "-" in text else f"{text[:4]}-{text[4:6]}-{text[6:8]}"
        return parse_date(text)
    except (ValueError, InvalidDateError):
        raise InvalidDateError(
            f"{name}: {m.group(0)!r} is not a real date (file-name pattern {rx.pattern!r})"
        ) from None


def discover(source: str | Path | Sequence[str | Path]) -> list[Path]:
    """Return the files of a series, sorted: a folder (its vector files), a glob, or files.

    Raises
    ------
    DataFileError
        When nothing matches.
    """
    if not isinstance(source, str | Path):
        out = [Path(p) for p in source]
    else:
        p = Path(source)
        if p.is_dir():
            out = [
                f for f in p.iterdir() if f.is_file() and f.name.lower().endswith(VECTOR_SUFFIXES)
            ]
        elif p.is_file():
            out = [p]
        elif glob.has_magic(str(source)):
            out = [Path(f) for f in glob.glob(str(source)) if Path(f).is_file()]
        else:
            raise DataFileError(f"{source}: no such file or folder")
    if not out:
        raise DataFileError(
            f"{source}: no vector files ({', '.join(VECTOR_SUFFIXES)}) in the series"
        )
    return sorted(out)


def read_mapping(value: str | Path | Mapping[str, str] | None) -> dict[str, str] | None:
    """Read a value-to-faction mapping: ``'A=x,B=y'``, a YAML file, or a CSV file (value,faction).

    A faction of ``-`` leaves the rows with that value out.
    """
    if value is None or isinstance(value, Mapping):
        return None if value is None else {str(k): str(v) for k, v in value.items()}
    p = Path(value)
    if p.suffix.lower() in (".yaml", ".yml") and p.is_file():
        doc = load_yaml(p)
        if not isinstance(doc, dict):
            raise DataFileError(f"{p}: expected a mapping of property values to faction ids")
        return {str(k): str(v) for k, v in doc.items()}
    if p.suffix.lower() == ".csv" and p.is_file():
        import csv

        with p.open(encoding="utf-8", newline="") as fh:
            rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
        if rows and [c.strip().lower() for c in rows[0][:2]] == ["value", "faction"]:
            rows = rows[1:]
        if any(len(r) < 2 for r in rows):
            raise DataFileError(f"{p}: each row needs two columns, value and faction")
        return {r[0].strip(): r[1].strip() for r in rows}
    out = {}
    for item in str(value).split(","):
        if not item.strip():
            continue
        if "=" not in item:
            raise DataFileError(
                f"--map {value!r}: {item!r} is not VALUE=FACTION (or give a .yaml/.csv file)"
            )
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


# -- reading ---------------------------------------------------------------------------------
def day_snapshot(
    day: DatedAreas, theatre: str | None = None, sources: list[str] | None = None
) -> ControlSnapshot:
    """Return the (unvalidated) snapshot of one date of a series, one feature per faction and basis.

    *sources* are given to areas whose rows carry none (default: the file's name).
    """
    areas = day.areas
    default = sources if sources is not None else [Path(day.label.split(" layer ")[0]).name]
    if set(areas.columns) - {"faction", "geometry"}:  # carried columns: the general path
        return ControlSnapshot.from_areas(
            day.date,
            areas.drop(columns=["support"], errors="ignore"),
            theatre=theatre,
            sources=None if "sources" in areas.columns else default,
            support=support_in(areas, day.label),
        )
    return _dissolved(day.date, areas, theatre, default)


def _dissolved(
    day: _dt.date, areas: gpd.GeoDataFrame, theatre: str | None, sources: list[str]
) -> ControlSnapshot:
    """Build what :meth:`ControlSnapshot.from_areas` gives for faction-only areas, faster."""
    import geopandas as gpd

    factions = np.asarray(areas["faction"].astype(str))
    geoms = np.asarray(areas.geometry.values, dtype=object)
    names = sorted(set(factions))
    merged = []
    for f in names:
        part = geoms[factions == f]
        merged.append(to_multipolygon(part[0] if len(part) == 1 else shapely.union_all(part)))
    frame = gpd.GeoDataFrame(
        {
            "faction": names,
            "basis": ["observed"] * len(names),
            "sources": [sorted(set(sources)) for _ in names],
            "confidence": [1.0] * len(names),
            "note": [""] * len(names),
        },
        geometry=merged,
        crs=areas.crs,
    )
    return ControlSnapshot(day, frame, theatre)


@dataclass
class SeriesReader:
    """Reads the files of one series with fixed options (made by :func:`make_reader`).

    The date of a file without a date column comes from its name; the rest is
    :class:`~frontline.gisimport.AreaReader`'s, in its series mode (drift reported).
    """

    areas: AreaReader
    name_rx: re.Pattern[str]
    fingerprint: str

    def read(self, path: Path) -> list[DatedAreas]:
        """Read one file of the series: its dates (one, or one per date in its date column)."""
        name_day = None
        if not self.areas.date_fields:
            name_day = date_from_name(path.name, self.name_rx)
            if name_day is None:
                msg = (
                    f"{path}: no date in the file name (pattern {self.name_rx.pattern!r}); "
                    "rename it, give the pattern with --date-from-name, or the date column "
                    "with --date-field"
                )
                if not self.areas.skip_bad:
                    raise InvalidDateError(msg)
                assert self.areas.drift is not None
                self.areas.drift.note("no_date", path.name)
                return []
        return self.areas.read(path, name_day, path.name)


def make_reader(
    faction: str | None,
    faction_field: str | Sequence[str] | None,
    mapping: str | Path | Mapping[str, str] | None,
    registry: FactionRegistry | None,
    date_from_name: str | None,
    date_field: str | Sequence[str] | None,
    valid_to_field: str | None,
    layer: str | int | None,
    repair: bool,
    skip_bad: bool,
    drift: Drift,
) -> SeriesReader:
    """Return a reader with the options of :func:`read_series` (checked and parsed once)."""
    if (faction is None) == (faction_field is None):
        raise DataFileError("give one of faction (one for all areas) and faction_field")
    fields = tuple(
        faction_field.split(",") if isinstance(faction_field, str) else faction_field or ()
    )
    dfields = tuple(date_field.split(",") if isinstance(date_field, str) else date_field or ())
    table = read_mapping(mapping)
    if faction is not None and registry is not None:
        faction = registry.get(faction).id
    fingerprint = json.dumps(
        [faction, fields, sorted((table or {}).items()), dfields, valid_to_field, layer, repair,
         date_from_name],
        default=str,
    )  # fmt: skip
    return SeriesReader(
        areas=AreaReader(
            faction=faction,
            faction_fields=tuple(f.strip() for f in fields if f.strip()),
            mapping=table,
            registry=registry,
            date_fields=tuple(f.strip() for f in dfields if f.strip()),
            valid_to_field=valid_to_field,
            layer=layer,
            repair=repair,
            skip_bad=skip_bad,
            drift=drift,
        ),
        name_rx=name_pattern(date_from_name),
        fingerprint=fingerprint,
    )


def read_series(
    source: str | Path | Sequence[str | Path],
    *,
    faction: str | None = None,
    faction_field: str | Sequence[str] = "faction",
    mapping: str | Path | Mapping[str, str] | None = None,
    registry: FactionRegistry | None = None,
    date_from_name: str | None = None,
    date_field: str | Sequence[str] | None = None,
    valid_to_field: str | None = None,
    layer: str | int | None = None,
    repair: bool = False,
    skip_bad: bool = False,
    drift: Drift | None = None,
    progress: Progress | None = None,
) -> Iterator[DatedAreas]:
    """Read a series of dated control maps, one :class:`DatedAreas` per date, in file order.

    Parameters
    ----------
    source : path, glob or list of paths
        A folder (its vector files), a glob (``'maps/*.geojson'``), one file, or files.
    faction : str, optional
        The faction of every area (a one-sided series such as DeepState's occupied areas).
    faction_field : str or list of str, default "faction"
        Column naming each area's faction; several candidates (``"name,Name,status"`` or a
        list) for a series whose key was renamed: the first present is used.
    mapping : str, path or mapping, optional
        Values of the faction column to faction ids (:func:`read_mapping`); ``-`` leaves
        rows out. Without it, values are faction ids or aliases of the registry.
    registry : FactionRegistry, optional
        Resolves faction names and aliases (and rejects unknown factions).
    date_from_name : str, optional
        Pattern of the date in file names (:func:`name_pattern`); default ``YYYYMMDD`` or
        ``YYYY-MM-DD`` anywhere in the name. Not used with *date_field*.
    date_field : str or list of str, optional
        Column holding each row's date (``valid_from``); then a file may hold many dates.
    valid_to_field : str, optional
        Column holding the exclusive end of each row's validity: the row belongs to every
        date of the series from its *date_field* up to that day.
    layer : str or int, optional
        Layer of multi-layer files (default: the only one, else ``control``).
    repair : bool, default False
        Repair invalid geometries (reported) instead of raising.
    skip_bad : bool, default False
        Skip rows and files without a date or faction (reported) instead of raising.
    drift : Drift, optional
        Collects the schema drift met (a new one is made when not given).
    progress : callable, optional
        ``progress(done, total, file_name)`` after each file.

    Yields
    ------
    DatedAreas
        Its areas (a ``faction`` column of ids, any carried columns); :func:`day_snapshot`
        makes it a snapshot.

    Raises
    ------
    DataFileError, InvalidDateError, InvalidGeometryError, UnknownFactionError, CRSError
        Each naming the file (and feature) concerned.
    """
    reader = make_reader(
        faction, faction_field, mapping, registry, date_from_name, date_field, valid_to_field,
        layer, repair, skip_bad, drift if drift is not None else Drift(),
    )  # fmt: skip
    files = discover(source)
    for i, path in enumerate(files):
        yield from reader.read(path)
        if progress is not None:
            progress(i + 1, len(files), path.name)
