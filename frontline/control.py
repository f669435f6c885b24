"""Control snapshots: who holds which ground on one date.

A :class:`ControlSnapshot` is a date plus a GeoDataFrame of faction areas (EPSG:4326, one
row per faction and *basis*). The basis says how the ground is known: ``observed`` (within
the theatre's ``fill.observed_km`` of an observation that supports it, or drawn by hand) or
``inferred`` (decided by the fill convention, see :mod:`frontline.fill`). A faction's area is
the union of its features. A snapshot built from observations also carries its
:class:`Support`: the share of its held land whose supporting observation is far or old.

On disk it is an RFC 7946 GeoJSON FeatureCollection written deterministically so that
``git diff`` of two versions shows only what changed:

* one feature per faction and basis, sorted by faction id then basis, one feature per line;
* property keys sorted; properties ``faction``, ``basis``, ``date``, ``sources`` (list),
  ``confidence``, ``note`` (a file without ``basis`` reads as ``observed``);
* the support report, when there is one, as the collection's ``support`` member;
* coordinates snapped to a grid of 10⁻⁵ degrees (about 1.1 m; :data:`COORD_DECIMALS`) with
  :func:`shapely.set_precision`, so the geometry stays valid, and exterior rings
  counter-clockwise.

Reading a file and writing it back gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.areacheck import (
    Describe,
    check_lonlat,
    check_overlaps,
    import_crs,
    reason_point,
    to_lonlat,
    where,
)
from frontline.dates import parse_date
from frontline.errors import (
    CRSError,
    DataFileError,
    InvalidDateError,
    InvalidGeometryError,
    OutsideTheatreError,
)
from frontline.factions import UNKNOWN
from frontline.geo import geodesic_area_km2
from frontline.geojson import COORD_DECIMALS as COORD_DECIMALS  # re-exported
from frontline.geojson import GRID as GRID  # re-exported
from frontline.geojson import (
    geometry_from_mapping,
    geometry_json,
    normalise_geometry,
    to_multipolygon,
)

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely.geometry.base import BaseGeometry

    from frontline.factions import FactionRegistry
    from frontline.theatre import Theatre

#: Overlap between two factions' areas tolerated before it is an error, km².
DEFAULT_OVERLAP_TOLERANCE_KM2 = 0.5
#: Area a snapshot may reach outside its theatre's extent before it is an error, km².
OUTSIDE_TOLERANCE_KM2 = 1.0
COLUMNS = ["faction", "basis", "sources", "confidence", "note", "geometry"]
#: Ground within the theatre's ``fill.observed_km`` of a supporting observation (or drawn).
OBSERVED = "observed"
#: Ground the fill convention gives to the holder of the nearest observed place.
INFERRED = "inferred"
#: The values of a feature's ``basis``, in the order features are written.
BASES = (INFERRED, OBSERVED)


def _empty_areas() -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.GeoDataFrame(
        {"faction": [], "basis": [], "sources": [], "confidence": [], "note": []},
        geometry=gpd.GeoSeries([], crs="EPSG:4326"),
        crs="EPSG:4326",
    )


def check_basis(values: Any, label: str) -> list[str]:
    """Return the basis values as str, ``observed`` for missing ones; refuse anything else.

    Raises
    ------
    DataFileError
        When a value is not ``observed`` or ``inferred`` (the message names *label*).

    Examples
    --------
    >>> check_basis(["inferred", None, ""], "test")
    ['inferred', 'observed', 'observed']
    """
    out = []
    for v in values:
        b = OBSERVED if v is None or v != v or str(v).strip() == "" else str(v).strip().lower()
        if b not in BASES:
            raise DataFileError(
                f"{label}: basis {v!r} is neither {OBSERVED!r} nor {INFERRED!r} "
                "(observed: near a supporting observation or drawn; inferred: filled by convention)"
            )
        out.append(b)
    return out


@dataclass(frozen=True)
class Support:
    """How well a snapshot's held land is supported by its observations (from the build).

    Shares are of the land the snapshot gives to factions (``unknown`` excluded), measured in
    the theatre's equal-area projection.

    Attributes
    ----------
    observed_km : float
        Ground within this distance of its supporting observed place is ``observed``.
    far_km : float
        Support farther than this is *far*.
    stale_days : int
        Support older than this many days (before the snapshot date) is *old*.
    far_share : float
        Share of held land more than *far_km* from its supporting observed place.
    stale_share : float
        Share of held land whose supporting observation is older than *stale_days*.
    share : float
        Share of held land whose support is far or old (or both).
    """

    observed_km: float
    far_km: float
    stale_days: int
    far_share: float
    stale_share: float
    share: float

    def to_dict(self) -> dict[str, float | int]:
        """Return the plain, rounded values written to files (keys sorted by json.dumps)."""
        return {
            "far_km": _num(self.far_km),
            "far_share": round(float(self.far_share), 4),
            "observed_km": _num(self.observed_km),
            "share": round(float(self.share), 4),
            "stale_days": int(self.stale_days),
            "stale_share": round(float(self.stale_share), 4),
        }

    @classmethod
    def from_dict(cls, value: Any, label: str = "support") -> Support:
        """Read what :meth:`to_dict` wrote (DataFileError when a value is missing or wrong)."""
        try:
            return cls(
                observed_km=float(value["observed_km"]),
                far_km=float(value["far_km"]),
                stale_days=int(value["stale_days"]),
                far_share=float(value["far_share"]),
                stale_share=float(value["stale_share"]),
                share=float(value["share"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataFileError(
                f"{label}: the support member needs observed_km, far_km, stale_days, far_share, "
                f"stale_share and share ({exc})"
            ) from None

    def text(self) -> str:
        """One line for people: "32 % of held land rests on support > 50 km away or > 90 days old".

        Examples
        --------
        >>> Support(15, 50, 90, 0.2, 0.15, 0.3).text()
        '30 % of held land rests on observations > 50 km away or > 90 days old (far 20 %, old 15 %)'
        """
        return (
            f"{100 * self.share:.0f} % of held land rests on observations > {_num(self.far_km)} km "
            f"away or > {self.stale_days} days old (far {100 * self.far_share:.0f} %, "
            f"old {100 * self.stale_share:.0f} %)"
        )


def _num(v: float) -> float | int:
    f = float(v)
    return int(f) if f == int(f) else round(f, 3)


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
    areas: gpd.GeoDataFrame
    theatre: str | None = None
    support: Support | None = None

    def __post_init__(self) -> None:
        """Give areas without a ``basis`` column one (``observed``: what older files meant)."""
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
    ) -> ControlSnapshot:
        """Read a snapshot from a GeoJSON file path (or GeoJSON text).

        The date comes from the FeatureCollection's ``date`` member, the features' ``date``
        property, or the file name (``YYYY-MM-DD.geojson``), in that order, unless given.

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
        label, text = _read_text(source)
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataFileError(f"{label}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            raise DataFileError(f"{label}: expected a GeoJSON FeatureCollection")
        crs_name = ((doc.get("crs") or {}).get("properties") or {}).get("name")
        if crs_name and not any(k in str(crs_name) for k in ("CRS84", "4326")):
            raise CRSError(
                f"{label}: coordinates are in {crs_name}; control snapshots are lon/lat WGS84 "
                "(RFC 7946). Import the file with `frontline control import`, which reprojects."
            )
        features = doc.get("features") or []
        support = Support.from_dict(doc["support"], label) if doc.get("support") else None
        factions, geoms, sources, confs, notes, dates = [], [], [], [], [], set()
        bases: list[Any] = []
        for i, feat in enumerate(features):
            props = feat.get("properties") or {}
            if "faction" not in props:
                raise DataFileError(f"{label}: feature {i + 1} has no 'faction' property")
            try:
                geom = geometry_from_mapping(feat["geometry"])
            except Exception as exc:  # noqa: BLE001 - shapely raises several types
                raise InvalidGeometryError(
                    f"{label}: feature {i + 1} ({props.get('faction')}) "
                    f"has a malformed geometry: {exc}"
                ) from None
            factions.append(str(props["faction"]))
            bases.append(props.get("basis"))
            geoms.append(geom)
            sources.append(parse_sources(props.get("sources", [])))
            confs.append(float(props.get("confidence", 1.0)))
            notes.append(str(props.get("note") or ""))
            if props.get("date"):
                dates.add(str(props["date"]))
        if date is None:
            date = doc.get("date") or (dates.pop() if len(dates) == 1 else None) or Path(label).stem
        day = parse_date(date)
        import geopandas as gpd

        gdf = gpd.GeoDataFrame(
            {
                "faction": factions,
                "basis": check_basis(bases, label),
                "sources": sources,
                "confidence": confs,
                "note": notes,
            },
            geometry=geoms,
            crs="EPSG:4326",
        )
        if len(gdf):
            check_lonlat(gdf.total_bounds, label)
        snap = cls.from_areas(day, gdf, theatre=theatre or doc.get("theatre"), support=support)
        return snap

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
        lines = []
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
        for faction, basis, sources, confidence, note, geometry in rows:
            geom = normalise_geometry(geometry)
            if geom.is_empty:
                continue
            props = {
                "basis": basis,
                "confidence": round(float(confidence), 3),
                "date": self.date.isoformat(),
                "faction": faction,
                "note": note or "",
                "sources": sorted(parse_sources(sources)),
            }
            lines.append(
                '{"type": "Feature", "properties": '
                + json.dumps(props, sort_keys=True, ensure_ascii=False)
                + ', "geometry": '
                + geometry_json(geom)
                + "}"
            )
        head: dict[str, Any] = {"type": "FeatureCollection", "date": self.date.isoformat()}
        if self.support is not None:
            head["support"] = self.support.to_dict()
        if self.theatre:
            head["theatre"] = self.theatre
        header = json.dumps(head, ensure_ascii=False)[:-1]
        return header + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"

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
        return sorted(set(self.areas["faction"].astype(str)))

    @property
    def faction_areas(self) -> dict[str, BaseGeometry]:
        """Return each faction's whole area (the union of its features), in faction order.

        Computed once per snapshot object (again if its areas are replaced); a faction with
        one feature keeps its geometry object. Empty areas are left out.
        """
        areas = self.areas
        key = (tuple(areas["faction"].astype(str)), tuple(id(g) for g in areas.geometry.values))
        cached = self.__dict__.get("_faction_areas")
        if cached is not None and cached[0] == key:
            return cached[1]
        parts: dict[str, list[BaseGeometry]] = {}
        for f, g in zip(key[0], areas.geometry.values, strict=True):
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
        areas = self.areas
        key = tuple(id(g) for g in areas.geometry.values)
        cached = self.__dict__.get("_observed_area")
        if cached is not None and cached[0] == key:
            return cached[1]
        out = self._observed_union()
        self.__dict__["_observed_area"] = (key, out)
        return out

    def _observed_union(self) -> BaseGeometry:
        areas = self.areas
        keep = (areas["basis"] == OBSERVED).to_numpy() & (areas["faction"] != UNKNOWN).to_numpy()
        geoms = [g for g in areas.geometry.values[keep] if g is not None and not g.is_empty]
        if not geoms:
            return shapely.MultiPolygon()
        return geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)

    def geometry_of(self, faction: str, basis: str | None = None) -> shapely.MultiPolygon:
        """Return the area of one faction (empty MultiPolygon when it holds nothing).

        With *basis* (``observed`` or ``inferred``), only that part of it.
        """
        if basis is None:
            return to_multipolygon(self.faction_areas.get(faction))
        areas = self.sorted_areas()
        sel = areas[(areas["faction"] == faction) & (areas["basis"] == basis)]
        return to_multipolygon(sel.geometry.values[0]) if len(sel) else shapely.MultiPolygon()

    def faction_at(self, lon: float | np.ndarray, lat: float | np.ndarray) -> str | np.ndarray:
        """Return the faction controlling the given point(s).

        :data:`~frontline.factions.UNKNOWN` where nobody does.
        """
        scalar = np.ndim(lon) == 0
        pts: Any = shapely.points(np.atleast_1d(lon), np.atleast_1d(lat))  # an array
        out: Any = np.full(len(pts), UNKNOWN, dtype=object)
        if len(self.areas):
            pidx, aidx = self.areas.sindex.query(pts, predicate="intersects")
            out[pidx] = self.areas["faction"].values[aidx]
        return str(out[0]) if scalar else out

    def area_km2(self) -> dict[str, float]:
        """Geodesic area held per faction, km² (observed and inferred together)."""
        out: dict[str, float] = {}
        for (f, _), km2 in self.area_by_basis().items():
            out[f] = out.get(f, 0.0) + km2
        return out

    def area_by_basis(self) -> dict[tuple[str, str], float]:
        """Geodesic area per faction and basis, km²: ``{(faction, basis): km2}``, sorted."""
        areas = self.sorted_areas()
        km2 = geodesic_area_km2(areas.geometry.values).tolist() if len(areas) else []
        return dict(
            zip(
                zip(areas["faction"].astype(str), areas["basis"].astype(str), strict=True),
                km2,
                strict=True,
            )
        )

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
        """
        day = self.date.isoformat()
        areas = self.areas
        if areas.crs is None or not areas.crs.equals("EPSG:4326"):
            raise CRSError(f"{day}: snapshot areas must be in EPSG:4326, not {areas.crs}")
        if len(areas):
            check_lonlat(areas.total_bounds, day)
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
        confs = np.asarray(areas["confidence"], dtype=float)
        bad_conf = ~((confs >= 0.0) & (confs <= 1.0))  # NaN too
        if bad_conf.any():
            i = int(np.flatnonzero(bad_conf)[0])
            raise DataFileError(
                f"{day}: {areas['faction'].values[i]} confidence {confs[i]} is not in [0, 1]"
            )
        geoms = np.asarray(areas.geometry.values, dtype=object)  # plain array: no pandas ufunc
        valid = np.ones(len(geoms), dtype=bool) if geometry_valid else shapely.is_valid(geoms)
        if not valid.all():
            if repair:
                fixed = [
                    to_multipolygon(shapely.make_valid(g)) if not ok else g
                    for g, ok in zip(geoms, valid, strict=True)
                ]
                areas = areas.set_geometry(fixed, crs="EPSG:4326")
                geoms = np.asarray(areas.geometry.values, dtype=object)
            else:
                i = int(np.flatnonzero(~valid)[0])
                reason = shapely.is_valid_reason(geoms[i])
                pt = reason_point(reason) or shapely.point_on_surface(geoms[i])
                raise InvalidGeometryError(
                    f"{day}: the area of {areas['faction'].values[i]} is invalid ({reason}) "
                    f"{where(pt, describe)}; fix it in QGIS, or repair with --repair / repair=True"
                )
        if len(geoms) > 1:
            check_overlaps(areas, overlap_tolerance_km2, day, describe)
        if theatre is not None and len(geoms):
            extent = theatre.extent_geometry()
            inside = shapely.covered_by(geoms, extent)  # the usual case: no overlay needed
            outside = np.asarray(geoms, dtype=object).copy()
            outside[inside] = shapely.Polygon()
            outside[~inside] = shapely.difference(outside[~inside], extent)
            km2 = geodesic_area_km2(outside)
            if (km2 > OUTSIDE_TOLERANCE_KM2).any():
                i = int(np.argmax(km2))
                raise OutsideTheatreError(
                    f"{day}: {km2[i]:.1f} km² of {areas['faction'].values[i]}'s area "
                    f"lies outside theatre {theatre.id!r} extent {list(theatre.extent)} "
                    f"{where(shapely.point_on_surface(outside[i]), None)}; clip it, or "
                    "widen the theatre's extent"
                )
        if areas is self.areas:
            return self
        return self.replace(areas=areas)


def parse_sources(value: Any) -> list[str]:
    """Read the list of sources in a ``sources`` value as files and layers hold it.

    Parameters
    ----------
    value : list, str or None
        A list (of anything, turned into str), JSON list text (``'["a", "b"]'``),
        ``|``-separated text (``"a | b"``), or None / NaN / empty text (no sources).

    Returns
    -------
    list of str

    Examples
    --------
    >>> parse_sources('["ISW", "Liveuamap"]'), parse_sources("ISW | BBC"), parse_sources(None)
    (['ISW', 'Liveuamap'], ['ISW', 'BBC'], [])
    """
    if value is None or (isinstance(value, float) and value != value):
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                return [str(v) for v in json.loads(text)]
            except json.JSONDecodeError:
                pass
        return [s.strip() for s in text.split("|") if s.strip()] if text else []
    return [str(v) for v in value]


def _read_text(source: str | os.PathLike[str]) -> tuple[str, str]:
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return "<geojson text>", source
    path = Path(source)
    if not path.is_file():
        raise DataFileError(f"{path}: file not found")
    try:
        return str(path), path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: not UTF-8 text") from None


# -- import of areas drawn or edited in a GIS ---------------------------------------------------
#: Columns that give a feature's date in imported files, in order of preference
#: (``valid_from`` is what ``frontline export`` writes).
DATE_FIELDS = ("date", "valid_from")


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
    snapshot per date.

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
    import geopandas as gpd
    import pyogrio

    p = Path(path)
    if not p.exists():
        raise DataFileError(f"{p}: file not found")
    try:
        layers = pyogrio.list_layers(p)
    except Exception as exc:  # noqa: BLE001 - GDAL errors come in several types
        raise DataFileError(f"{p}: not a vector file GDAL can read ({exc})") from None
    if layer is None and len(layers) > 1:
        names = [str(n) for n in layers[:, 0]]
        if "control" not in names:
            raise DataFileError(f"{p}: has layers {names}; choose one with --layer")
        layer = "control"
    try:
        gdf = gpd.read_file(p, layer=layer, engine="pyogrio")
    except Exception as exc:  # noqa: BLE001
        raise DataFileError(f"{p}: cannot read layer {layer!r} ({exc})") from None
    label = f"{p}" + (f" layer {layer}" if layer is not None else "")
    if not len(gdf):
        raise DataFileError(f"{label}: no features")
    cols = {c.lower(): c for c in gdf.columns if c != gdf.geometry.name}
    if faction_field not in gdf.columns:
        if faction_field.lower() in cols:
            faction_field = cols[faction_field.lower()]
        else:
            raise DataFileError(
                f"{label}: no column {faction_field!r} naming the faction; columns "
                f"are {list(cols.values())} (choose one with --faction-field, or give one "
                "faction for every area with --faction ID)"
            )
    gdf = import_crs(gdf, label)
    geoms = gdf.geometry.values
    missing = gdf.geometry.isna().to_numpy() | shapely.is_empty(np.asarray(geoms, dtype=object))
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise InvalidGeometryError(
            f"{label}: feature {i + 1} ({gdf[faction_field].iloc[i]}) "
            "has no geometry; draw it or delete the row"
        )
    types = np.asarray(gdf.geom_type)
    bad_type = ~np.isin(types, ["Polygon", "MultiPolygon"])
    if bad_type.any():
        i = int(np.flatnonzero(bad_type)[0])
        raise InvalidGeometryError(
            f"{label}: feature {i + 1} ({gdf[faction_field].iloc[i]}) "
            f"is a {types[i]}; control areas must be polygons"
        )
    valid = shapely.is_valid(np.asarray(geoms, dtype=object))
    if not valid.all():
        bad = np.flatnonzero(~valid)
        if not repair:
            i = int(bad[0])
            reason = shapely.is_valid_reason(geoms[i])
            pt = reason_point(reason) or shapely.point_on_surface(geoms[i])
            raise InvalidGeometryError(
                f"{label}: feature {i + 1} ({gdf[faction_field].iloc[i]}) is invalid ({reason}) "
                f"near lon/lat ({pt.x:.4f}, {pt.y:.4f}); {len(bad)} invalid feature(s) in all. Fix "
                "them in QGIS (Vector > Geometry Tools > Check Validity) or import with --repair"
            )
        fixed = np.asarray(geoms, dtype=object).copy()
        fixed[bad] = [to_multipolygon(g) for g in shapely.make_valid(fixed[bad])]
        gdf = gdf.set_geometry(gpd.GeoSeries(fixed, index=gdf.index, crs="EPSG:4326"))
    # factions: resolve each distinct name once
    names = gdf[faction_field].astype(str).str.strip()
    if registry is not None:
        mapping = {n: registry.get(n).id for n in sorted(set(names))}
        names = names.map(mapping)
    gdf = gdf.assign(**{faction_field: names})
    if allow_unknown:
        pass
    elif (names == UNKNOWN).any():
        raise InvalidGeometryError(
            f"{label}: {int((names == UNKNOWN).sum())} feature(s) are marked {UNKNOWN!r}; "
            "unknown ground is whatever no faction holds, so delete those features"
        )
    # dates
    dcol = date_field or next((cols[f] for f in DATE_FIELDS if f in cols), None)
    if date_field is not None and date_field not in gdf.columns:
        raise DataFileError(
            f"{label}: no date column {date_field!r}; columns are {list(cols.values())}"
        )
    want = parse_date(date) if date is not None else None
    if dcol is None:
        if want is None:
            raise DataFileError(
                f"{label}: the file has no date column ({', '.join(DATE_FIELDS)}); give --date"
            )
        groups = [(want, gdf)]
    else:
        raw = gdf[dcol]
        uniq = {v: _cell_date(v, label, dcol) for v in raw.dropna().unique()}
        if raw.isna().any():
            if want is None:
                raise DataFileError(
                    f"{label}: {int(raw.isna().sum())} feature(s) "
                    f"have no {dcol}; fill it or give --date"
                )
            days = raw.map(lambda v: want if v is None or v != v else uniq[v])
        else:
            days = raw.map(uniq)
        if want is not None:
            sel = gdf[(days == want).to_numpy()]
            if not len(sel):
                avail = ", ".join(sorted({d.isoformat() for d in uniq.values()}))
                raise DataFileError(
                    f"{label}: no features dated {want} in {dcol!r}; the file has {avail}"
                )
            groups = [(want, sel)]
        else:
            groups = [(d, gdf[(days == d).to_numpy()]) for d in sorted(set(days))]
    tid = theatre.id if theatre is not None else None
    out = []
    for day, part in groups:
        snap = ControlSnapshot.from_areas(
            day, part, theatre=tid, faction_column=faction_field, support=support_in(part, label)
        )
        out.append(snap.validate(None if allow_unknown else registry, theatre, repair=repair))
    return out


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


def _cell_date(value: Any, label: str, column: str) -> _dt.date:
    if isinstance(value, np.datetime64):
        import pandas as pd

        value = pd.Timestamp(value)
    try:
        return parse_date(value)
    except InvalidDateError as exc:
        raise InvalidDateError(f"{label}: column {column!r}: {exc}") from None
