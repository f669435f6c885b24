"""Areas drawn in a GIS or published as a series, read from a file: checked, mapped, dated.

:class:`AreaReader` is the one reader of a GIS layer (any vector file GDAL reads: GeoJSON,
GeoPackage, Shapefile …; any CRS, reprojected to EPSG:4326): it picks the layer, finds the
faction column, checks each feature's geometry (naming the file and the feature), maps
faction values to ids (a mapping, the registry's aliases, or one faction for all) and splits
the rows by their date column (or gives them one date). It reads in one of two modes:

* a file drawn by hand (``drift=None``, :func:`read_dated_areas`, what ``frontline control
  import FILE`` and :func:`frontline.control.read_areas` use): anything but a polygon is
  refused, naming the feature and its faction, and a missing date may come from ``--date``;
* a file of a published series (a :class:`Drift` given, :func:`frontline.series.read_series`):
  what published files drift into over the years is handled and reported in the drift (3D
  coordinates, geometry collections, points and lines, features without geometry, renamed
  keys, another CRS, repaired rings, rows skipped with ``skip_bad``), never silently.

:func:`support_in` reads the build's support report a layer carries.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.areacheck import import_crs, looks_like_lonlat, reason_point
from frontline.dates import column_dates, parse_date
from frontline.errors import (
    DataFileError,
    InvalidDateError,
    InvalidGeometryError,
    UnknownFactionError,
)
from frontline.factions import UNKNOWN
from frontline.geojson import to_multipolygon
from frontline.provenance import Support

if TYPE_CHECKING:
    import geopandas as gpd

    from frontline.factions import FactionRegistry

#: Columns that give a feature's date in a file drawn by hand, in order of preference
#: (``valid_from`` is what ``frontline export`` writes).
DATE_FIELDS = ("date", "valid_from")
#: A mapping value that leaves the rows out (``--map 'Liberated=-'``).
IGNORE = "-"
#: Columns carried from a layer into the snapshot when present (as ``frontline export`` writes).
CARRIED = ("basis", "sources", "confidence", "note", "support")
_LONLAT = ("EPSG:4326", "OGC:CRS84")

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


# -- reading ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DatedAreas:
    """The areas of a file for one date (what :meth:`AreaReader.read` returns).

    Attributes
    ----------
    date : datetime.date
    areas : geopandas.GeoDataFrame
        EPSG:4326, valid polygons only, a ``faction`` column (ids, or the file's values
        without a registry or mapping) plus any of :data:`CARRIED` the file has.
    label : str
        The file (and layer) it was read from, for messages.
    """

    date: _dt.date
    areas: gpd.GeoDataFrame
    label: str


@dataclass
class AreaReader:
    """Reads GIS layers into checked, faction-mapped, dated areas with fixed options.

    Attributes
    ----------
    faction : str, optional
        The faction id of every area (then no faction column is read).
    faction_fields : tuple of str
        Candidate columns naming each area's faction (the first present is used; exact
        name, else case-insensitive).
    mapping : dict, optional
        Values of the faction column to faction ids (:data:`IGNORE` leaves rows out);
        without it, values are faction ids or aliases of *registry*.
    registry : FactionRegistry, optional
        Resolves faction ids and aliases (and rejects unknown factions).
    date_fields : tuple of str
        Candidate columns holding each row's date. Empty: a file drawn by hand uses the first
        of :data:`DATE_FIELDS` present; a series file takes the date :meth:`read` is given.
    valid_to_field : str, optional
        Column holding the exclusive end of each row's validity: the row belongs to every
        date of the file from its date up to that day.
    layer : str or int, optional
        Layer of multi-layer files (default: the only one, else ``control``).
    repair : bool
        Repair invalid geometries (:func:`shapely.make_valid`) instead of raising.
    skip_bad : bool
        Series: skip rows without a date or faction (reported) instead of raising.
    allow_unknown : bool
        Keep areas marked ``unknown`` (hand-drawn overrides that blank ground).
    drift : Drift, optional
        Read as a file of a published series: schema drift is handled and recorded here.
        None: a file drawn by hand, where anything but a polygon is refused.
    """

    faction: str | None = None
    faction_fields: tuple[str, ...] = ("faction",)
    mapping: dict[str, str] | None = None
    registry: FactionRegistry | None = None
    date_fields: tuple[str, ...] = ()
    valid_to_field: str | None = None
    layer: str | int | None = None
    repair: bool = False
    skip_bad: bool = False
    allow_unknown: bool = False
    drift: Drift | None = None
    resolved: dict[str, str] = field(default_factory=dict)

    def read(
        self, path: str | os.PathLike[str], day: _dt.date | None = None, name: str | None = None
    ) -> list[DatedAreas]:
        """Read one file: its areas per date, in date order.

        Parameters
        ----------
        path : path-like
            Any vector file GDAL reads.
        day : date, optional
            The date of rows without one: of every row when the file has no date column (a
            series' file-name date, ``--date``); with a date column, the only date kept.
        name : str, optional
            The file in messages (default: *path* as given).

        Raises
        ------
        DataFileError, CRSError, InvalidGeometryError, UnknownFactionError, InvalidDateError
            Each naming the file (and the feature) concerned.
        """
        import pyogrio

        p = Path(path)
        if not p.exists():
            raise DataFileError(f"{p}: file not found")
        layer = self.layer
        if layer is None and not p.name.lower().endswith((".geojson", ".json")):
            try:
                layers = [str(n) for n in pyogrio.list_layers(p)[:, 0]]
            except Exception as exc:  # noqa: BLE001 - GDAL errors come in several types
                raise DataFileError(f"{p}: not a vector file GDAL can read ({exc})") from None
            if len(layers) > 1:
                if "control" not in layers:
                    raise DataFileError(f"{p}: has layers {layers}; choose one with --layer")
                layer = "control"
        label = f"{name or p}" + (f" layer {layer}" if layer is not None else "")
        try:
            meta, _, wkb, fields = pyogrio.raw.read(p, layer=layer)
        except Exception as exc:  # noqa: BLE001
            what = (
                "not a vector file GDAL can read"
                if layer is None
                else f"cannot read layer {layer!r}"
            )
            raise DataFileError(f"{p}: {what} ({exc})") from None
        columns = {str(c): v for c, v in zip(meta["fields"], fields, strict=True)}
        geoms = shapely.from_wkb(wkb) if wkb is not None else np.array([], dtype=object)
        if not len(geoms):
            if self.drift is None:
                raise DataFileError(f"{label}: no features")
            return []
        col, values = self._faction_values(columns, len(geoms), label)
        geoms = self._lonlat(geoms, meta.get("crs"), label)
        keep = self._geometries(geoms, values, label)
        factions = self._factions(values, keep, label, col)
        keep &= np.array([f is not None and f != IGNORE for f in factions], dtype=bool)
        data: dict[str, Any] = {"faction": factions[keep]}
        for c in CARRIED:
            carried = next((k for k in columns if k.lower() == c), None)
            if carried is not None:
                data[c] = columns[carried][keep]
        groups = self._by_date(columns, keep, day, label)
        if not groups:
            return []
        import geopandas as gpd

        frame = gpd.GeoDataFrame(data, geometry=geoms[keep], crs="EPSG:4326")
        return [
            DatedAreas(d, frame[mask] if mask is not None else frame, label) for d, mask in groups
        ]

    # -- steps -----------------------------------------------------------------------------
    def _note(self, kind: str, label: str, mask: np.ndarray) -> None:
        if self.drift is not None and mask.any():
            self.drift.note(
                kind, label, int(mask.sum()), f"feature {int(np.flatnonzero(mask)[0]) + 1}"
            )

    def _column(self, columns: Mapping[str, Any], wanted: Sequence[str], label: str) -> str | None:
        lower = {c.lower(): c for c in columns}
        for i, name in enumerate(wanted):
            col = name if name in columns else lower.get(name.lower())
            if col is not None:
                if i and self.drift is not None:
                    self.drift.note("renamed", label, 1, f"({col!r} for {wanted[0]!r})")
                return col
        return None

    def _faction_values(
        self, columns: dict[str, np.ndarray], n: int, label: str
    ) -> tuple[str, np.ndarray]:
        """Return the faction column and its values (or the one faction, repeated)."""
        if self.faction is not None:
            return "faction", np.full(n, self.faction, dtype=object)
        col = self._column(columns, self.faction_fields, label)
        if col is None:
            raise DataFileError(
                f"{label}: no column {' or '.join(map(repr, self.faction_fields))} naming the "
                f"faction; columns are {list(columns)} (choose one with --faction-field, or give "
                "one faction for every area with --faction ID)"
            )
        return col, columns[col]

    def _feature(self, i: int, values: np.ndarray) -> str:
        """Feature *i* in messages: a hand-drawn file's also names its faction."""
        return f"feature {i + 1}" + (f" ({values[i]})" if self.drift is None else "")

    def _lonlat(self, geoms: np.ndarray, crs: str | None, label: str) -> np.ndarray:
        """Return the geometries in EPSG:4326 (reprojected if needed; lon/lat checked)."""
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        if not present.any() and self.drift is not None:
            return geoms  # nothing to place: every feature is dropped as without geometry
        if (crs is None or crs in _LONLAT) and present.any():
            if looks_like_lonlat(shapely.total_bounds(geoms[present]).tolist()):
                return geoms
        import geopandas as gpd

        frame = gpd.GeoDataFrame(geometry=geoms, crs=crs)
        if crs is not None and not frame.crs.equals("EPSG:4326"):
            if self.drift is not None:
                self.drift.note("crs", label, int(present.sum()), f"({crs})")
        return np.asarray(import_crs(frame, label).geometry.values, dtype=object)

    def _geometries(self, geoms: np.ndarray, values: np.ndarray, label: str) -> np.ndarray:
        """Clean the geometries in place; return which features to keep.

        A series file's drift is repaired and reported; a hand-drawn file's is refused.
        """
        strict = self.drift is None
        missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        if strict and missing.any():
            i = int(np.flatnonzero(missing)[0])
            raise InvalidGeometryError(
                f"{label}: {self._feature(i, values)} has no geometry; draw it or delete the row"
            )
        self._note("no_geometry", label, missing)
        z = ~missing & shapely.has_z(geoms)
        if z.any():
            self._note("z", label, z)
            geoms[z] = shapely.force_2d(geoms[z])
        types = shapely.get_type_id(geoms)
        polygonal = np.isin(types, (3, 6))
        if strict and not polygonal.all():
            i = int(np.flatnonzero(~polygonal)[0])
            raise InvalidGeometryError(
                f"{label}: {self._feature(i, values)} is a {geoms[i].geom_type}; "
                "control areas must be polygons"
            )
        coll = ~missing & (types == 7)
        if coll.any():
            self._note("collection", label, coll)
            geoms[coll] = [to_multipolygon(g) for g in geoms[coll]]
            types = shapely.get_type_id(geoms)
        keep = np.isin(types, (3, 6)) & ~shapely.is_empty(geoms)
        self._note("not_polygon", label, ~missing & ~keep)
        bad = keep & ~shapely.is_valid(geoms)
        if bad.any():
            if not self.repair:
                i = int(np.flatnonzero(bad)[0])
                reason = shapely.is_valid_reason(geoms[i])
                pt = reason_point(reason) or shapely.point_on_surface(geoms[i])
                raise InvalidGeometryError(
                    f"{label}: {self._feature(i, values)} is invalid ({reason}) near lon/lat "
                    f"({pt.x:.4f}, {pt.y:.4f}); {int(bad.sum())} invalid feature(s) in this "
                    "file. Fix them (QGIS: Vector > Geometry Tools > Check Validity), or import "
                    "with --repair"
                )
            self._note("repaired", label, bad)
            geoms[bad] = [to_multipolygon(g) for g in shapely.make_valid(geoms[bad])]
        return keep

    def _factions(self, values: np.ndarray, keep: np.ndarray, label: str, col: str) -> np.ndarray:
        """Each kept row's faction id (None: skipped; :data:`IGNORE`: left out)."""
        out = np.empty(len(values), dtype=object)
        unmapped: dict[str, int] = {}
        for i in np.flatnonzero(keep).tolist():
            v = values[i]
            if v is None or (isinstance(v, float) and v != v) or str(v).strip() == "":
                if self.drift is None or not self.skip_bad:
                    fix = (
                        "delete the row" if self.drift is None else "skip such rows with --skip-bad"
                    )
                    raise DataFileError(
                        f"{label}: feature {i + 1} has no {col!r}; fill it, or {fix}"
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
                self.resolved[text] = got
            if got == IGNORE and self.drift is not None:
                self.drift.note("ignored", label, 1, f"({text!r})")
            out[i] = got
        if unmapped:
            shown = ", ".join(f"{k!r} (feature {n})" for k, n in sorted(unmapped.items()))
            raise UnknownFactionError(
                f"{label}: {col!r} has value(s) the mapping does not name: {shown}; add them "
                f"to --map (VALUE=FACTION, or VALUE={IGNORE} to leave those rows out)"
            )
        unknown = out == UNKNOWN
        if unknown.any() and not self.allow_unknown:
            fix = (
                "delete those features" if self.mapping is None else f"map that value to {IGNORE!r}"
            )
            raise InvalidGeometryError(
                f"{label}: {int(unknown.sum())} feature(s) are marked {UNKNOWN!r} (first: feature "
                f"{int(np.flatnonzero(unknown)[0]) + 1}); unknown ground is whatever no faction "
                f"holds, so {fix}"
            )
        return out

    def _by_date(
        self, columns: dict[str, np.ndarray], keep: np.ndarray, day: _dt.date | None, label: str
    ) -> list[tuple[_dt.date, np.ndarray | None]]:
        """Return the dates of the kept rows, each with its rows (a mask of them; None: all).

        Rows without a date take *day*, else are refused (or skipped with ``skip_bad``).
        With a date column and *day*, only the rows of *day* are kept.
        """
        candidates = self.date_fields or (DATE_FIELDS if self.drift is None else ())
        col = self._column(columns, candidates, label) if candidates else None
        if col is None:
            if day is None or self.date_fields:
                raise DataFileError(
                    f"{label}: no date column {' or '.join(map(repr, candidates))}; columns are "
                    f"{list(columns)}" + ("; give --date" if self.drift is None else "")
                )
            return [(day, None)] if keep.any() else []
        rows = np.flatnonzero(keep)
        starts = np.array(
            column_dates(columns[col][rows], f"{label}: column {col!r}"), dtype=object
        )
        bad = np.array([d is None for d in starts], dtype=bool)
        if bad.any():
            i = int(rows[bad][0])
            if day is not None:
                starts[bad] = day
            elif self.drift is not None and self.skip_bad:
                self.drift.note("no_date", label, int(bad.sum()), f"feature {i + 1}")
            else:
                fix = "give --date" if self.drift is None else "skip such rows with --skip-bad"
                raise InvalidDateError(
                    f"{label}: feature {i + 1} has no {col!r} ({int(bad.sum())} such "
                    f"feature(s)); fill the dates, or {fix}"
                )
        vt = self._column(columns, [self.valid_to_field], label) if self.valid_to_field else None
        start = np.array([d or _dt.date.max for d in starts], dtype=object)
        if vt is None:
            end = None
        else:
            ends = column_dates(columns[vt][rows], f"{label}: column {vt!r}")
            end = np.array([e or _dt.date.max for e in ends], dtype=object)

        def rows_of(d: _dt.date) -> np.ndarray:
            if end is None:
                return np.asarray(start == d, dtype=bool)
            return np.array([s <= d < e for s, e in zip(start, end, strict=True)], dtype=bool)

        days = sorted({d for d in starts if d is not None})
        if day is not None:
            mask = rows_of(day)
            if not mask.any():
                have = ", ".join(d.isoformat() for d in days)
                raise DataFileError(
                    f"{label}: no features dated {day} in {col!r}; the file has {have}"
                )
            return [(day, mask)]
        return [(d, rows_of(d)) for d in days]


def read_dated_areas(
    path: str | os.PathLike[str],
    date: _dt.date | str | None = None,
    faction_field: str = "faction",
    layer: str | int | None = None,
    registry: FactionRegistry | None = None,
    repair: bool = False,
    date_field: str | None = None,
    allow_unknown: bool = False,
) -> list[DatedAreas]:
    """Read the faction areas of a file drawn by hand, checked feature by feature, by date.

    An :class:`AreaReader` with ``drift=None``; the parameters are those of
    :func:`frontline.control.read_areas` (which validates each group as a snapshot).

    Returns
    -------
    list of DatedAreas
        In date order (one group when *date* is given or the file has no date column).

    Raises
    ------
    DataFileError
        Missing or unreadable file, missing faction column, several layers and none chosen,
        no rows for the date.
    CRSError
        No CRS and coordinates that are not lon/lat, or a CRS that does not match the coordinates.
    InvalidGeometryError
        Non-polygonal or invalid geometry (unless *repair*), or areas marked ``unknown``
        (unless *allow_unknown*).
    UnknownFactionError, InvalidDateError
        A faction the registry does not know; a date cell that is not a date.
    """
    reader = AreaReader(
        faction_fields=(faction_field,),
        registry=registry,
        date_fields=(date_field,) if date_field else (),
        layer=layer,
        repair=repair,
        allow_unknown=allow_unknown,
    )
    return reader.read(path, parse_date(date) if date is not None else None)


def support_in(areas: gpd.GeoDataFrame, label: str = "support") -> Support | None:
    """Return the support report a layer's ``support`` column carries (JSON text), if any.

    ``frontline export`` writes the build's report on every row of a date; the first
    non-empty value of *areas* is read.
    """
    col = next((c for c in areas.columns if str(c).lower() == "support"), None)
    if col is None:
        return None
    for value in areas[col]:
        if isinstance(value, str) and value.strip():
            try:
                return Support.from_dict(json.loads(value), label)
            except json.JSONDecodeError:
                raise DataFileError(f"{label}: 'support' is not JSON: {value[:60]!r}") from None
    return None
