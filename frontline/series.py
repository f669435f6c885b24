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

Published files drift in their shape over the years. What :func:`read_series` meets is
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
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.areacheck import import_crs, looks_like_lonlat, reason_point
from frontline.control import ControlSnapshot, support_in
from frontline.dates import column_dates, parse_date
from frontline.errors import (
    DataFileError,
    InvalidDateError,
    InvalidGeometryError,
    UnknownFactionError,
)
from frontline.factions import UNKNOWN, FactionRegistry
from frontline.files import content_hash
from frontline.geojson import to_multipolygon
from frontline.theatre import load_yaml

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "Drift",
    "SeriesDay",
    "date_from_name",
    "discover",
    "make_reader",
    "read_mapping",
    "read_series",
]

#: File name endings a folder of a series is searched for.
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".fgb", ".shp", ".gml", ".kml", ".sqlite")
#: A date in a file name by default: ``YYYYMMDD`` or ``YYYY-MM-DD`` (also ``_`` or ``.``).
DEFAULT_NAME_DATE = r"(?<!\d)(?P<Y>\d{4})[-_.]?(?P<m>\d{2})[-_.]?(?P<d>\d{2})(?!\d)"
#: A mapping value that leaves the rows out (``--map 'Liberated=-'``).
IGNORE = "-"
#: Columns carried from a layer into the snapshot when present (as ``frontline export`` writes).
CARRIED = ("basis", "sources", "confidence", "note", "support")
_STRFTIME = {"%Y": r"(?P<Y>\d{4})", "%m": r"(?P<m>\d{2})", "%d": r"(?P<d>\d{2})", "%%": "%"}
_LONLAT = ("EPSG:4326", "OGC:CRS84")

#: ``progress(done, total, what)`` after each file read.
Progress = Callable[[int, int, str], None]


# -- drift ----------------------------------------------------------------------------------
#: What each kind of drift means, in the report.
DRIFT_KINDS = {
    "z": "3D coordinates (Z dropped)",
    "collection": "geometry collections (polygonal parts kept)",
    "not_polygon": "points or lines (dropped)",
    "no_geometry": "features without geometry (dropped)",
    "renamed": "renamed keys (a later candidate column used)",
    "crs": "other CRS (reprojected to lon/lat)",
    "repaired": "invalid geometries (repaired, --repair)",
    "no_date": "rows or files without a date (skipped, --skip-bad)",
    "no_faction": "rows without a faction value (skipped, --skip-bad)",
    "ignored": f"rows whose value is mapped to {IGNORE!r} (left out)",
}


@dataclass
class Drift:
    """Schema drift met while reading a series: per kind, the files and how many features.

    ``str(drift)`` gives one line per kind, e.g. ``3D coordinates (Z dropped): 4 feature(s)
    in 2 file(s) (first: a.geojson feature 1)``.
    """

    counts: Counter = field(default_factory=Counter)
    files: dict[str, list[str]] = field(default_factory=dict)
    first: dict[str, str] = field(default_factory=dict)

    def note(self, kind: str, label: str, n: int = 1, where: str = "") -> None:
        """Record *n* features of *kind* in the file *label* (*where*: the first one)."""
        if n <= 0:
            return
        self.counts[kind] += n
        files = self.files.setdefault(kind, [])
        if not files or files[-1] != label:
            files.append(label)
        self.first.setdefault(kind, f"{label}{' ' + where if where else ''}")

    def lines(self) -> list[str]:
        """One line per kind met, in the order of :data:`DRIFT_KINDS`."""
        return [
            f"{DRIFT_KINDS[k]}: {self.counts[k]} feature(s) in {len(self.files[k])} file(s) "
            f"(first: {self.first[k]})"
            for k in DRIFT_KINDS
            if self.counts[k]
        ]

    def __bool__(self) -> bool:
        return bool(self.counts)

    def __str__(self) -> str:
        return "\n".join(self.lines()) or "no schema drift"


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
@dataclass(frozen=True)
class SeriesDay:
    """One date of a series: its areas (lon/lat, a ``faction`` column) and where they came from.

    Attributes
    ----------
    date : datetime.date
    areas : geopandas.GeoDataFrame
        EPSG:4326, column ``faction`` (ids) plus any of ``basis``, ``sources``,
        ``confidence``, ``note`` the source carries; polygons only.
    source : str
        The file (and layer) it was read from.
    key : str
        Content hash of the source file and the options that read it (for incremental imports).
    checked : bool
        Every geometry was checked valid as read (False when it was reprojected since).
    """

    date: _dt.date
    areas: gpd.GeoDataFrame
    source: str
    key: str
    checked: bool = False

    def snapshot(
        self, theatre: str | None = None, sources: list[str] | None = None
    ) -> ControlSnapshot:
        """Return the (unvalidated) snapshot of this date, one feature per faction and basis.

        *sources* are given to areas whose rows carry none (default: the file's name).
        """
        areas = self.areas
        default = sources if sources is not None else [Path(self.source.split(" layer ")[0]).name]
        if set(areas.columns) - {"faction", "geometry"}:  # carried columns: the general path
            return ControlSnapshot.from_areas(
                self.date,
                areas.drop(columns=["support"], errors="ignore"),
                theatre=theatre,
                sources=None if "sources" in areas.columns else default,
                support=support_in(areas, self.source),
            )
        return _dissolved(self.date, areas, theatre, default)


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
    """Reads the files of one series with fixed options (made by :func:`make_reader`)."""

    faction: str | None
    faction_fields: tuple[str, ...]
    mapping: dict[str, str] | None
    registry: FactionRegistry | None
    date_fields: tuple[str, ...]
    valid_to_field: str | None
    name_rx: re.Pattern[str]
    layer: str | int | None
    repair: bool
    skip_bad: bool
    drift: Drift
    fingerprint: str
    resolved: dict[str, str] = field(default_factory=dict)

    # -- one file --------------------------------------------------------------------------
    def read(self, path: Path) -> list[SeriesDay]:
        """Read one file of the series: its dates (one, or one per date in its date column)."""
        import pyogrio

        name_day = None
        if not self.date_fields:
            name_day = date_from_name(path.name, self.name_rx)
            if name_day is None:
                msg = (
                    f"{path}: no date in the file name (pattern {self.name_rx.pattern!r}); "
                    "rename it, give the pattern with --date-from-name, or the date column "
                    "with --date-field"
                )
                if not self.skip_bad:
                    raise InvalidDateError(msg)
                self.drift.note("no_date", path.name)
                return []
        layer = self.layer
        if layer is None and not path.name.lower().endswith((".geojson", ".json")):
            layers = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
            if len(layers) > 1:
                if "control" not in layers:
                    raise DataFileError(f"{path}: has layers {layers}; choose one with --layer")
                layer = "control"
        label = f"{path.name}" + (f" layer {layer}" if layer is not None else "")
        data = path.read_bytes()
        key = content_hash(data + self.fingerprint.encode())
        try:
            meta, _, wkb, fields = pyogrio.raw.read(path, layer=layer)
        except Exception as exc:  # noqa: BLE001 - GDAL errors come in several types
            raise DataFileError(f"{path}: not a vector file GDAL can read ({exc})") from None
        columns = {str(c): v for c, v in zip(meta["fields"], fields, strict=True)}
        geoms = shapely.from_wkb(wkb) if wkb is not None else np.array([], dtype=object)
        keep = self._geometries(geoms, label)
        frame = self._frame(geoms, keep, columns, meta.get("crs"), label)
        if not len(frame):
            return []
        checked = frame.attrs.pop("lonlat", False)
        if name_day is not None:
            return [SeriesDay(name_day, frame, label, key, checked)]
        return [SeriesDay(d, p, label, key, checked) for d, p in self._by_date(frame, label)]

    def _geometries(self, geoms: np.ndarray, label: str) -> np.ndarray:
        """Clean the geometries in place; return which features to keep."""
        missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        self._note("no_geometry", label, missing)
        z = ~missing & shapely.has_z(geoms)
        if z.any():
            self._note("z", label, z)
            geoms[z] = shapely.force_2d(geoms[z])
        types = shapely.get_type_id(geoms)
        coll = ~missing & (types == 7)
        if coll.any():
            self._note("collection", label, coll)
            geoms[coll] = [to_multipolygon(g) for g in geoms[coll]]
            types = shapely.get_type_id(geoms)
        polygonal = np.isin(types, (3, 6)) & ~shapely.is_empty(geoms)
        self._note("not_polygon", label, ~missing & ~polygonal)
        keep = polygonal
        valid = shapely.is_valid(geoms)
        bad = keep & ~valid
        if bad.any():
            if not self.repair:
                i = int(np.flatnonzero(bad)[0])
                reason = shapely.is_valid_reason(geoms[i])
                pt = reason_point(reason) or shapely.point_on_surface(geoms[i])
                raise InvalidGeometryError(
                    f"{label}: feature {i + 1} is invalid ({reason}) near lon/lat "
                    f"({pt.x:.4f}, {pt.y:.4f}); {int(bad.sum())} invalid feature(s) in this "
                    "file. Fix the file, or import with --repair"
                )
            self._note("repaired", label, bad)
            geoms[bad] = [to_multipolygon(shapely.make_valid(g)) for g in geoms[bad]]
        return keep

    def _note(self, kind: str, label: str, mask: np.ndarray) -> None:
        if mask.any():
            self.drift.note(
                kind, label, int(mask.sum()), f"feature {int(np.flatnonzero(mask)[0]) + 1}"
            )

    def _column(self, columns: Mapping[str, Any], wanted: Sequence[str], label: str) -> str | None:
        lower = {c.lower(): c for c in columns}
        for i, name in enumerate(wanted):
            col = name if name in columns else lower.get(name.lower())
            if col is not None:
                if i:
                    self.drift.note("renamed", label, 1, f"({col!r} for {wanted[0]!r})")
                return col
        return None

    def _frame(
        self,
        geoms: np.ndarray,
        keep: np.ndarray,
        columns: dict[str, np.ndarray],
        crs: str | None,
        label: str,
    ) -> gpd.GeoDataFrame:
        import geopandas as gpd

        n = len(geoms)
        if self.faction is not None:
            factions = np.full(n, self.faction, dtype=object)
        else:
            col = self._column(columns, self.faction_fields, label)
            if col is None:
                raise DataFileError(
                    f"{label}: no column {' or '.join(map(repr, self.faction_fields))} naming "
                    f"the faction; columns are {list(columns)} (choose with --faction-field, or "
                    "give one faction for all areas with --faction)"
                )
            factions = self._factions(columns[col], keep, label, col)
        keep = keep & (factions != IGNORE) & np.array([f is not None for f in factions])
        data: dict[str, Any] = {"faction": factions[keep]}
        for c in CARRIED:
            col = next((k for k in columns if k.lower() == c), None)
            if col is not None:
                data[c] = columns[col][keep]
        for c in (*self.date_fields, *((self.valid_to_field,) if self.valid_to_field else ())):
            col = self._column(columns, [c], label)
            if col is not None:
                data[f"__{c}"] = columns[col][keep]
        if crs is not None and crs in _LONLAT:
            frame = gpd.GeoDataFrame(data, geometry=geoms[keep], crs="EPSG:4326")
            frame.attrs["lonlat"] = True  # the geometries checked are the ones kept
            return frame
        frame = gpd.GeoDataFrame(data, geometry=geoms[keep], crs=crs)
        if crs is None and len(frame) and looks_like_lonlat(frame.total_bounds):
            frame = frame.set_crs("EPSG:4326")
            frame.attrs["lonlat"] = True
            return frame
        self.drift.note("crs", label, len(frame), f"({crs})")
        return import_crs(frame, label)

    def _factions(self, values: np.ndarray, keep: np.ndarray, label: str, col: str) -> np.ndarray:
        out = np.empty(len(values), dtype=object)
        unmapped: dict[str, int] = {}
        for i, v in enumerate(values):
            if not keep[i]:
                continue
            if v is None or (isinstance(v, float) and v != v) or str(v).strip() == "":
                if not self.skip_bad:
                    raise DataFileError(
                        f"{label}: feature {i + 1} has no {col!r}; fill it, or skip such rows "
                        "with --skip-bad"
                    )
                self.drift.note("no_faction", label, 1, f"feature {i + 1}")
                continue
            text = str(v).strip()
            got = self.resolved.get(text)
            if got is None:
                if self.mapping is not None:
                    got = self.mapping.get(text)
                    if got is None:
                        got = next(
                            (f for k, f in self.mapping.items() if k.lower() == text.lower()), None
                        )
                    if got is None:
                        unmapped[text] = unmapped.get(text, i + 1)
                        continue
                    if got != IGNORE and self.registry is not None:
                        got = self.registry.get(got).id
                else:
                    got = self.registry.get(text).id if self.registry is not None else text
                if got == UNKNOWN:
                    raise InvalidGeometryError(
                        f"{label}: feature {i + 1} is marked {UNKNOWN!r}; unknown ground is "
                        "whatever no faction holds, so map that value to '-'"
                    )
                self.resolved[text] = got
            if got == IGNORE:
                self.drift.note("ignored", label, 1, f"({text!r})")
            out[i] = got
        if unmapped:
            shown = ", ".join(f"{k!r} (feature {n})" for k, n in sorted(unmapped.items()))
            raise UnknownFactionError(
                f"{label}: {col!r} has value(s) the mapping does not name: {shown}; add them "
                f"to --map (VALUE=FACTION, or VALUE={IGNORE} to leave those rows out)"
            )
        return out

    def _by_date(
        self, frame: gpd.GeoDataFrame, label: str
    ) -> Iterator[tuple[_dt.date, gpd.GeoDataFrame]]:
        col = next((f"__{c}" for c in self.date_fields if f"__{c}" in frame.columns), None)
        if col is None:
            raise DataFileError(
                f"{label}: no date column {' or '.join(map(repr, self.date_fields))}; columns "
                f"are {[c for c in frame.columns if not c.startswith('__')]}"
            )
        starts = column_dates(frame[col].to_numpy(), f"{label}: column {col[2:]!r}")
        bad = np.array([d is None for d in starts])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            if not self.skip_bad:
                raise InvalidDateError(
                    f"{label}: feature {i + 1} has no {col[2:]!r} ({int(bad.sum())} such "
                    "feature(s)); fill the dates, or skip such rows with --skip-bad"
                )
            self.drift.note("no_date", label, int(bad.sum()), f"feature {i + 1}")
        vt = f"__{self.valid_to_field}" if self.valid_to_field else None
        ends = (
            column_dates(frame[vt].to_numpy(), f"{label}: column {vt[2:]!r}")
            if vt is not None and vt in frame.columns
            else [None] * len(frame)
        )
        plain = frame[[c for c in frame.columns if not c.startswith("__")]]
        days = sorted({d for d in starts if d is not None})
        start_arr = np.array([d or _dt.date.max for d in starts], dtype=object)
        end_arr = np.array([e or _dt.date.max for e in ends], dtype=object)
        for day in days:
            if vt is None:
                mask = start_arr == day
            else:
                mask = np.array(
                    [s <= day < e for s, e in zip(start_arr, end_arr, strict=True)], dtype=bool
                )
            yield day, plain[mask]


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
        faction=faction,
        faction_fields=tuple(f.strip() for f in fields if f.strip()),
        mapping=table,
        registry=registry,
        date_fields=tuple(f.strip() for f in dfields if f.strip()),
        valid_to_field=valid_to_field,
        name_rx=name_pattern(date_from_name),
        layer=layer,
        repair=repair,
        skip_bad=skip_bad,
        drift=drift,
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
) -> Iterator[SeriesDay]:
    """Read a series of dated control maps, one :class:`SeriesDay` per date, in file order.

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
    SeriesDay

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
