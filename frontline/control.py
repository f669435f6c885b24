"""Control snapshots: who holds which ground on one date.

A :class:`ControlSnapshot` is a date plus a GeoDataFrame of faction areas (EPSG:4326, one
row per faction and *basis*). The basis says how the ground is known: ``observed`` (within
the theatre's ``fill.observed_km`` of an observation that supports it, or drawn by hand) or
``inferred`` (decided by the fill convention, see :mod:`frontline.fill`). A faction's area is
the union of its features. A snapshot built from observations also carries its
:class:`Support`: the share of its held land whose supporting observation is far or old.

On disk it is a deterministic GeoJSON FeatureCollection (:mod:`frontline.snapshotfile`);
the basis, sources and support report are defined in :mod:`frontline.provenance`; areas
drawn in a GIS are read by :mod:`frontline.gisimport` (:func:`read_areas` here); the checks
of :meth:`ControlSnapshot.validate` live in :mod:`frontline.areacheck`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.areacheck import (
    DEFAULT_OVERLAP_TOLERANCE_KM2,
    Describe,
    check_areas,
    check_frame,
    check_lonlat,
    to_lonlat,
)
from frontline.areacheck import OUTSIDE_TOLERANCE_KM2 as OUTSIDE_TOLERANCE_KM2  # re-exported
from frontline.dates import parse_date
from frontline.errors import DataFileError, InvalidGeometryError
from frontline.factions import UNKNOWN
from frontline.geo import geodesic_area_km2
from frontline.geojson import COORD_DECIMALS as COORD_DECIMALS  # re-exported
from frontline.geojson import GRID as GRID  # re-exported
from frontline.geojson import geometry_json as geometry_json  # re-exported
from frontline.geojson import normalise_geometry as normalise_geometry  # re-exported
from frontline.geojson import to_multipolygon
from frontline.gisimport import DATE_FIELDS as DATE_FIELDS  # re-exported
from frontline.gisimport import read_dated_areas
from frontline.gisimport import support_in as support_in  # re-exported
from frontline.provenance import BASES as BASES  # re-exported
from frontline.provenance import INFERRED as INFERRED  # re-exported
from frontline.provenance import OBSERVED as OBSERVED  # re-exported
from frontline.provenance import Support as Support  # re-exported
from frontline.provenance import check_basis as check_basis  # re-exported
from frontline.provenance import parse_sources as parse_sources  # re-exported
from frontline.snapshotfile import read_snapshot_file, snapshot_text

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely.geometry.base import BaseGeometry

    from frontline.factions import FactionRegistry
    from frontline.theatre import Theatre

COLUMNS = ["faction", "basis", "sources", "confidence", "note", "geometry"]
#: Points tested against one area from which preparing it first pays (a prepared polygon
#: answers each point in log time; preparing costs about one unprepared test per vertex).
_PREPARE_FROM = 32


@functools.cache
def _wgs84() -> Any:
    """Return the EPSG:4326 CRS object, made once (parsing the text costs a database lookup)."""
    import pyproj

    return pyproj.CRS.from_user_input("EPSG:4326")


def _empty_areas() -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.GeoDataFrame(
        {"faction": [], "basis": [], "sources": [], "confidence": [], "note": []},
        geometry=gpd.GeoSeries([], crs="EPSG:4326"),
        crs="EPSG:4326",
    )


@dataclass(frozen=True)
class _StoredParts:
    """Areas in stored form (see :meth:`ControlSnapshot.from_parts`), not yet a frame."""

    columns: Mapping[str, Any]
    geometries: np.ndarray


class _AreasField:
    """The ``areas`` field of :class:`ControlSnapshot`: a GeoDataFrame, built on first use.

    A snapshot read from the store is given its areas in stored form (plain columns and a
    geometry array); the GeoDataFrame is made from them the first time ``areas`` is read, so
    that what needs only faction ids and geometries (overlays, areas, place lookups) costs
    no pandas. Assigning a frame (or stored parts) replaces both.
    """

    def __get__(self, obj: ControlSnapshot | None, owner: type | None = None) -> gpd.GeoDataFrame:
        if obj is None:  # class access: the dataclass field has no default
            raise AttributeError("areas")
        state = obj.__dict__
        if "_areas" not in state:
            parts = state["_parts"]
            state["_areas"] = _frame(parts.columns, parts.geometries)
        return state["_areas"]

    def __set__(self, obj: ControlSnapshot, value: gpd.GeoDataFrame | _StoredParts) -> None:
        state = obj.__dict__
        state.pop("_areas", None)
        state.pop("_parts", None)
        state["_parts" if isinstance(value, _StoredParts) else "_areas"] = value


def _frame(columns: Mapping[str, Any], geometries: np.ndarray) -> gpd.GeoDataFrame:
    """Return the GeoDataFrame of areas in stored form (rows as given)."""
    import geopandas as gpd
    import pandas as pd
    from geopandas.array import GeometryArray

    if not len(columns["faction"]):
        return _empty_areas()
    # a GeometryArray with a ready CRS object: half the cost of GeoDataFrame(geometry=list)
    data: dict[str, Any] = {c: list(columns[c]) for c in COLUMNS if c != "geometry"}
    data["geometry"] = GeometryArray(np.array(list(geometries), dtype=object), crs=_wgs84())
    return gpd.GeoDataFrame(pd.DataFrame(data), geometry="geometry")


@dataclass(frozen=True, eq=False)
class ControlSnapshot:
    """Who controls which ground on one date.

    Parameters
    ----------
    date : datetime.date
        The date the snapshot describes.
    areas : geopandas.GeoDataFrame
        EPSG:4326, one row per faction and basis, columns ``faction`` (str), ``basis``
        (``observed`` or ``inferred``), ``sources`` (list of str), ``confidence`` (float in
        [0, 1]), ``note`` (str) and ``geometry`` (MultiPolygon). Use :meth:`from_areas` to
        build one from anything looser.
    theatre : str, optional
        Theatre id.
    support : Support, optional
        The build's report of far and old support (None for imported or drawn snapshots).
    """

    date: _dt.date
    areas: _AreasField = _AreasField()
    theatre: str | None = None
    support: Support | None = None

    def __post_init__(self) -> None:
        """Give areas without a ``basis`` column one (``observed``: what older files meant)."""
        if "_parts" in self.__dict__:  # stored form always has one
            return
        if self.areas is not None and "basis" not in self.areas.columns:
            areas = self.areas.copy()
            areas.insert(1 if "faction" in areas.columns else 0, "basis", OBSERVED)
            object.__setattr__(self, "areas", areas)

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_areas(
        cls,
        date: _dt.date | str,
        areas: gpd.GeoDataFrame | Mapping[str, shapely.Geometry],
        theatre: str | None = None,
        faction_column: str = "faction",
        sources: list[str] | None = None,
        confidence: float = 1.0,
        note: str = "",
        support: Support | None = None,
    ) -> ControlSnapshot:
        """Build a snapshot from faction areas, dissolving several rows of one faction and basis.

        Parameters
        ----------
        date : date or str
            ISO date.
        areas : GeoDataFrame or mapping of faction id to geometry
            A GeoDataFrame in any CRS (reprojected to EPSG:4326) with a faction column,
            or a ``{faction: geometry}`` mapping in lon/lat.
        faction_column : str, default "faction"
            Column naming the faction of each row.
        sources, confidence, note
            Defaults for rows that do not carry these columns.
        support : Support, optional
            The build's support report.

        Rows without a ``basis`` column (or with an empty one) are ``observed``.

        Raises
        ------
        DataFileError
            When a basis is neither ``observed`` nor ``inferred``.
        CRSError
            When a GeoDataFrame has no CRS and its coordinates are not lon/lat.
        InvalidGeometryError
            When a geometry is not polygonal.
        """
        import geopandas as gpd

        day = parse_date(date)
        if isinstance(areas, Mapping):
            gdf = gpd.GeoDataFrame(
                {"faction": list(areas)}, geometry=list(areas.values()), crs="EPSG:4326"
            )
        else:
            if faction_column not in areas.columns:
                raise DataFileError(
                    f"no column {faction_column!r} naming the faction; columns are "
                    f"{[c for c in areas.columns if c != areas.geometry.name]} "
                    "(choose one with --faction-field)"
                )
            gdf = areas.rename(columns={faction_column: "faction"}).set_geometry(
                areas.geometry.name
            )
            gdf = to_lonlat(gdf)
        gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
        types = set(gdf.geometry.geom_type)
        if types - {"Polygon", "MultiPolygon"}:
            raise InvalidGeometryError(
                "control areas must be polygons; found "
                f"{sorted(types - {'Polygon', 'MultiPolygon'})} "
                f"on {day.isoformat()} (draw areas as polygons)"
            )
        basis = check_basis(gdf["basis"] if "basis" in gdf.columns else [None] * len(gdf), str(day))
        gdf = gdf.assign(basis=basis)
        rows = []
        for (faction, basis_of), group in gdf.groupby(
            [gdf["faction"].astype(str), gdf["basis"]], sort=True
        ):
            src: set[str] = set()
            if "sources" in group.columns:
                for v in group["sources"]:
                    src.update(parse_sources(v))
            if not src and sources:
                src.update(sources)
            conf = (
                float(group["confidence"].astype(float).min())
                if "confidence" in group.columns
                else confidence
            )
            notes = (
                sorted({str(n) for n in group["note"] if isinstance(n, str) and n})
                if "note" in group.columns
                else []
            )
            geom = (
                group.geometry.values[0]
                if len(group) == 1
                else shapely.union_all(group.geometry.values)
            )
            rows.append(
                (
                    faction,
                    basis_of,
                    sorted(src),
                    conf,
                    "; ".join(notes) or note,
                    to_multipolygon(geom),
                )
            )
        out = gpd.GeoDataFrame(
            {
                "faction": [r[0] for r in rows],
                "basis": [r[1] for r in rows],
                "sources": [r[2] for r in rows],
                "confidence": [r[3] for r in rows],
                "note": [r[4] for r in rows],
            },
            geometry=[r[5] for r in rows],
            crs="EPSG:4326",
        )
        return cls(day, out if rows else _empty_areas(), theatre, support)

    @classmethod
    def from_geojson(
        cls,
        source: str | os.PathLike[str],
        date: _dt.date | str | None = None,
        theatre: str | None = None,
        *,
        label: str | None = None,
    ) -> ControlSnapshot:
        """Read a snapshot from a GeoJSON file path (or GeoJSON text).

        The date comes from the FeatureCollection's ``date`` member, the features' ``date``
        property, or the file name (``YYYY-MM-DD.geojson``), in that order, unless given.
        *label* names GeoJSON text in messages (and gives the file name for the date): the
        path it was read from.

        Raises
        ------
        DataFileError
            When the file is missing, not UTF-8 or not a GeoJSON FeatureCollection.
        CRSError
            When a ``crs`` member names something other than lon/lat WGS84, or coordinates
            are outside lon/lat ranges.
        InvalidGeometryError
            When a geometry cannot be parsed.
        InvalidDateError
            When the date is missing or not a real ``YYYY-MM-DD`` date.
        """
        f = read_snapshot_file(source, date, theatre, label=label)
        if f.canonical is not None:  # one feature per faction and basis: nothing to dissolve
            columns, geoms = f.canonical
            if geoms.size:
                check_lonlat(shapely.total_bounds(geoms), f.label)
            return cls.from_parts(f.date, columns, geoms, f.theatre, f.support)
        import geopandas as gpd

        gdf = gpd.GeoDataFrame(f.columns, geometry=f.geometries, crs="EPSG:4326")
        if len(gdf):
            check_lonlat(gdf.total_bounds, f.label)
        snap = cls.from_areas(f.date, gdf, theatre=f.theatre, support=f.support)
        return snap

    @classmethod
    def from_parts(
        cls,
        date: _dt.date | str,
        columns: Mapping[str, Any],
        geometries: Any,
        theatre: str | None = None,
        support: Support | None = None,
    ) -> ControlSnapshot:
        """Build a snapshot from areas already in stored form, without dissolving or checking.

        The inverse of :meth:`to_parts`: *columns* has ``faction``, ``basis``, ``sources``
        (lists of str, sorted), ``confidence`` and ``note``, one value per row, rows sorted by
        faction then basis with one row per pair; *geometries* are their MultiPolygons.
        Use :meth:`from_areas` for anything looser.
        """
        geoms = np.array(list(geometries), dtype=object)
        parts = _StoredParts({c: list(columns[c]) for c in COLUMNS if c != "geometry"}, geoms)
        return cls(parse_date(date), parts, theatre, support)

    def to_parts(self) -> tuple[dict[str, list], np.ndarray]:
        """Return the areas as plain columns and a geometry array (see :meth:`from_parts`)."""
        parts = self.__dict__.get("_parts")
        if parts is not None:
            return {c: list(v) for c, v in parts.columns.items()}, parts.geometries
        areas = self.areas
        columns: dict[str, list] = {
            "faction": [str(v) for v in areas["faction"]],
            "basis": [str(v) for v in areas["basis"]],
            "sources": [list(parse_sources(v)) for v in areas["sources"]],
            "confidence": [float(v) for v in areas["confidence"]],
            "note": [str(v) if v is not None else "" for v in areas["note"]],
        }
        return columns, np.asarray(areas.geometry.values, dtype=object)

    def _rows(self) -> tuple[list[str], list[str], np.ndarray]:
        """Faction, basis and geometry of each row, in row order (no frame is built)."""
        parts = self.__dict__.get("_parts")
        if parts is not None:
            return parts.columns["faction"], parts.columns["basis"], parts.geometries
        areas = self.areas
        basis = areas["basis"] if "basis" in areas.columns else [OBSERVED] * len(areas)
        return (
            [str(f) for f in areas["faction"]],
            [str(b) for b in basis],
            np.asarray(areas.geometry.values, dtype=object),
        )

    @classmethod
    def read_file(
        cls,
        path: str | os.PathLike[str],
        date: _dt.date | str | None = None,
        faction_field: str = "faction",
        layer: str | int | None = None,
        registry: FactionRegistry | None = None,
        theatre: Theatre | None = None,
        repair: bool = False,
    ) -> ControlSnapshot:
        """Import one snapshot from a GIS file in any CRS (see :func:`read_areas`).

        Raises
        ------
        DataFileError
            When the file holds several dates and *date* does not pick one.
        """
        snaps = read_areas(path, date, faction_field, layer, registry, theatre, repair)
        if len(snaps) > 1:
            raise DataFileError(
                f"{path}: holds {len(snaps)} dates "
                f"({', '.join(s.date.isoformat() for s in snaps)}); give "
                "date= (--date), or import them all with read_areas()"
            )
        return snaps[0]

    # -- output ----------------------------------------------------------------------------
    def to_geojson(self) -> str:
        """Deterministic RFC 7946 GeoJSON text: sorted, rounded, one feature per line."""
        parts = self.__dict__.get("_parts")
        if parts is not None:  # stored form: already in file order
            c = parts.columns
            rows = zip(
                c["faction"], c["basis"], c["sources"], c["confidence"], c["note"],
                parts.geometries, strict=True,
            )  # fmt: skip
            return snapshot_text(self.date, rows, self.support, self.theatre)
        areas = self.sorted_areas()
        rows = zip(
            areas["faction"].values,
            areas["basis"].values,
            areas["sources"].values,
            areas["confidence"].values,
            areas["note"].values,
            np.asarray(areas.geometry.values, dtype=object),
            strict=True,
        )  # plain values: no namedtuple class per call as itertuples makes
        return snapshot_text(self.date, rows, self.support, self.theatre)

    # -- queries ---------------------------------------------------------------------------
    def sorted_areas(self) -> gpd.GeoDataFrame:
        """Return the areas in file order: by faction, then basis (a ``basis`` column always)."""
        areas = self.areas
        if "basis" not in areas.columns:
            areas = areas.assign(basis=OBSERVED)
        keys = list(zip(areas["faction"], areas["basis"], strict=True))
        try:
            if all(a <= b for a, b in zip(keys, keys[1:], strict=False)):
                return areas  # already in file order (as built): no pandas sort
        except TypeError:  # values that do not compare (a missing basis): let pandas sort
            pass
        return areas.sort_values(["faction", "basis"], kind="stable")

    @property
    def factions(self) -> list[str]:
        """Faction ids present, sorted."""
        return sorted(set(self._rows()[0]))

    @property
    def faction_areas(self) -> dict[str, BaseGeometry]:
        """Return each faction's whole area (the union of its features), in faction order.

        Computed once per snapshot object (again if its areas are replaced); a faction with
        one feature keeps its geometry object. Empty areas are left out.
        """
        factions, _, geoms = self._rows()
        key = (tuple(factions), tuple(id(g) for g in geoms))
        cached = self.__dict__.get("_faction_areas")
        if cached is not None and cached[0] == key:
            return cached[1]
        parts: dict[str, list[BaseGeometry]] = {}
        for f, g in zip(key[0], geoms, strict=True):
            if g is not None and not g.is_empty:
                parts.setdefault(f, []).append(g)
        out = {
            f: gs[0] if len(gs) == 1 else to_multipolygon(shapely.union_all(gs))
            for f, gs in sorted(parts.items())
        }
        self.__dict__["_faction_areas"] = (key, out)  # a cache, not a field: frozen stays true
        return out

    @property
    def observed_area(self) -> BaseGeometry:
        """Return the ground of every faction that is ``observed`` (one geometry, cached)."""
        key = tuple(id(g) for g in self._rows()[2])
        cached = self.__dict__.get("_observed_area")
        if cached is not None and cached[0] == key:
            return cached[1]
        out = self._observed_union()
        self.__dict__["_observed_area"] = (key, out)
        return out

    def _observed_union(self) -> BaseGeometry:
        factions, basis, rows = self._rows()
        geoms = [
            g
            for f, b, g in zip(factions, basis, rows, strict=True)
            if b == OBSERVED and f != UNKNOWN and g is not None and not g.is_empty
        ]
        if not geoms:
            return shapely.MultiPolygon()
        return geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)

    def geometry_of(self, faction: str, basis: str | None = None) -> shapely.MultiPolygon:
        """Return the area of one faction (empty MultiPolygon when it holds nothing).

        With *basis* (``observed`` or ``inferred``), only that part of it.
        """
        if basis is None:
            return to_multipolygon(self.faction_areas.get(faction))
        for f, b, g in zip(*self._rows(), strict=True):
            if f == faction and b == basis:
                return to_multipolygon(g)
        return shapely.MultiPolygon()

    def faction_at(self, lon: float | np.ndarray, lat: float | np.ndarray) -> str | np.ndarray:
        """Return the faction controlling the given point(s).

        :data:`~frontline.factions.UNKNOWN` where nobody does.
        """
        scalar = np.ndim(lon) == 0
        xs = np.atleast_1d(np.asarray(lon, dtype=float))
        ys = np.atleast_1d(np.asarray(lat, dtype=float))
        out: Any = np.full(len(xs), UNKNOWN, dtype=object)
        factions, _, geoms = self._rows()
        # one prepared point-in-polygon test per area, on the points inside its bounds (an
        # unprepared polygon costs a walk over all its vertices per point); where areas
        # overlap (slivers within the tolerance) the later row wins
        for faction, geom in zip(factions, geoms, strict=True):
            if geom is None or geom.is_empty:
                continue
            minx, miny, maxx, maxy = geom.bounds
            near = np.flatnonzero((xs >= minx) & (xs <= maxx) & (ys >= miny) & (ys <= maxy))
            if len(near):
                if len(near) > _PREPARE_FROM:
                    shapely.prepare(geom)
                out[near[shapely.intersects_xy(geom, xs[near], ys[near])]] = faction
        return str(out[0]) if scalar else out

    def area_km2(self) -> dict[str, float]:
        """Geodesic area held per faction, km² (observed and inferred together)."""
        out: dict[str, float] = {}
        for (f, _), km2 in self.area_by_basis().items():
            out[f] = out.get(f, 0.0) + km2
        return out

    def area_by_basis(self) -> dict[tuple[str, str], float]:
        """Geodesic area per faction and basis, km²: ``{(faction, basis): km2}``, sorted."""
        factions, basis, geoms = self._rows()
        km2 = geodesic_area_km2(geoms).tolist() if len(geoms) else []
        return dict(sorted(zip(zip(factions, basis, strict=True), km2, strict=True)))

    def inferred_km2(self) -> dict[str, float]:
        """Geodesic area per faction that is ``inferred``, km² (0 for factions with none)."""
        out = {f: 0.0 for f in self.factions}
        for (f, b), km2 in self.area_by_basis().items():
            if b == INFERRED:
                out[f] += km2
        return out

    def __repr__(self) -> str:
        return (
            f"ControlSnapshot({self.date.isoformat()}, theatre={self.theatre!r}, "
            f"factions={self.factions})"
        )

    def replace(self, **changes: Any) -> ControlSnapshot:
        """Return a copy with some fields changed (the support report is kept unless given)."""
        return dataclasses.replace(self, **changes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ControlSnapshot) and self.to_geojson() == other.to_geojson()

    # -- validation ------------------------------------------------------------------------
    def validate(
        self,
        registry: FactionRegistry | None = None,
        theatre: Theatre | None = None,
        overlap_tolerance_km2: float = DEFAULT_OVERLAP_TOLERANCE_KM2,
        repair: bool = False,
        describe: Describe | None = None,
        *,
        geometry_valid: bool = False,
    ) -> ControlSnapshot:
        """Check the snapshot; return it (repaired when asked) or raise a specific error.

        Parameters
        ----------
        registry : FactionRegistry, optional
            Every faction must be known to it (ids or aliases; aliases are resolved to ids).
        theatre : Theatre, optional
            Areas must lie inside its extent (within :data:`OUTSIDE_TOLERANCE_KM2`).
        overlap_tolerance_km2 : float
            Largest overlap between two factions' areas that is accepted (digitising slivers).
        repair : bool, default False
            Repair invalid geometries with :func:`shapely.make_valid` instead of raising.
        describe : callable, optional
            ``describe(lon, lat) -> str`` used to name locations in messages (e.g.
            :meth:`frontline.gazetteer.Gazetteer.describe`).
        geometry_valid : bool, default False
            The caller checked every geometry's validity (an importer that checks each
            feature as it reads it, naming the file): not checked again.

        Raises
        ------
        UnknownFactionError, InvalidGeometryError, OverlapError, OutsideTheatreError, CRSError
            Each message names the date, the faction(s) and the location.

        The checks of the areas themselves are :func:`frontline.areacheck.check_frame` and
        :func:`frontline.areacheck.check_areas`; faction ids are resolved here.
        """
        day = self.date.isoformat()
        areas = self.areas
        check_frame(areas, day)
        if registry is not None:
            resolved = [registry.get(f).id for f in areas["faction"]]
            if UNKNOWN in resolved:
                raise InvalidGeometryError(
                    f"{day}: a feature is marked {UNKNOWN!r}; unknown ground is "
                    "whatever no faction holds, so delete that feature instead"
                )
            if resolved != list(areas["faction"]):
                areas = areas.assign(faction=resolved)
                keys = areas[["faction", "basis"]] if "basis" in areas.columns else areas["faction"]
                if keys.duplicated().any():
                    return ControlSnapshot.from_areas(
                        self.date, areas, self.theatre, support=self.support
                    ).validate(registry, theatre, overlap_tolerance_km2, repair, describe)
        areas = check_areas(
            areas, day, theatre, overlap_tolerance_km2, repair, describe, geometry_valid
        )
        if areas is self.areas:
            return self
        return self.replace(areas=areas)


# -- import of areas drawn or edited in a GIS ---------------------------------------------------
def read_areas(
    path: str | os.PathLike[str],
    date: _dt.date | str | None = None,
    faction_field: str = "faction",
    layer: str | int | None = None,
    registry: FactionRegistry | None = None,
    theatre: Theatre | None = None,
    repair: bool = False,
    date_field: str | None = None,
    allow_unknown: bool = False,
) -> list[ControlSnapshot]:
    """Import faction areas drawn or edited in QGIS (GeoJSON, GeoPackage, Shapefile, …).

    The file may be in any CRS; it is reprojected to EPSG:4326. Rows are mapped to faction
    ids through the registry's aliases, dissolved per faction and validated. A file with a
    date column (``date`` or ``valid_from``, as ``frontline export`` writes) gives one
    snapshot per date. The file is read and checked feature by feature by
    :func:`frontline.gisimport.read_dated_areas`; each date's rows become a snapshot here.

    Parameters
    ----------
    path : path-like
        Any vector file GDAL reads (through pyogrio).
    date : date or str, optional
        The snapshot date. Required when the file has no date column; when it has one,
        only that date's rows are imported.
    faction_field : str, default "faction"
        Column naming each row's faction (id, name or alias).
    layer : str or int, optional
        Layer of a multi-layer file (GeoPackage). Default: the only layer, else ``control``.
    registry : FactionRegistry, optional
        Maps names and aliases to faction ids and rejects unknown factions.
    theatre : Theatre, optional
        Areas must lie inside its extent; snapshots carry its id.
    repair : bool, default False
        Repair invalid geometries with :func:`shapely.make_valid` instead of raising.
    date_field : str, optional
        Column holding the date (default: the first of :data:`DATE_FIELDS` present).
    allow_unknown : bool, default False
        Keep areas marked ``unknown`` (used for hand-drawn overrides that blank ground).

    Returns
    -------
    list of ControlSnapshot
        In date order, each validated.

    Raises
    ------
    DataFileError
        Missing or unreadable file, missing faction column, several layers and none chosen,
        no rows for the date.
    CRSError
        No CRS and coordinates that are not lon/lat, or a CRS that does not match the coordinates.
    InvalidGeometryError
        Non-polygonal or invalid geometry (unless *repair*).
    UnknownFactionError, OverlapError, OutsideTheatreError, InvalidDateError
        From validation.
    """
    tid = theatre.id if theatre is not None else None
    out = []
    for group in read_dated_areas(
        path, date, faction_field, layer, registry, repair, date_field, allow_unknown
    ):
        snap = ControlSnapshot.from_areas(
            group.date,
            group.areas,
            theatre=tid,
            support=support_in(group.areas, group.label),
        )
        out.append(snap.validate(None if allow_unknown else registry, theatre, repair=repair))
    return out
