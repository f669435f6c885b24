"""Build control snapshots from sourced observations ("town X held by Y on date D, source S").

Method
------
For each snapshot date:

1. **Latest observation per place.** Every place's most recent observation on or before
   the date decides who holds it. Two observations of one place on one day that disagree
   are settled by the higher confidence; a tie is an error (mark the place contested with
   the faction ``unknown`` instead).
2. **Voronoi tessellation** (:func:`shapely.voronoi_polygons`) of the observed places,
   computed in the theatre's equal-area CRS (:attr:`Theatre.area_crs`), so each piece of
   ground goes to the nearest observed place.
3. **Reach.** A cell reaches no further than a radius around its place, chosen by the
   place's gazetteer kind (:data:`DEFAULT_RADIUS_KM`, overridden by the theatre's
   ``default_radius_km`` and by the ``radius_km`` argument). Empty desert is not handed to
   the nearest town: ground beyond every radius stays unknown (no feature).
4. **Clip** to the theatre's land (:meth:`Theatre.land`, Natural Earth 10 m) and, by
   default, to the country of the place, so a cell does not spill across an international
   border (``clip_to_country=False`` turns that off).
5. **Dissolve per faction.** Each faction area keeps the sources of the observations whose
   cells form it; its confidence is the area-weighted mean of their confidences. Places
   observed as ``unknown`` (contested) take part in the tessellation but their cells stay
   unknown.
6. **Hand-drawn overrides** (imported from QGIS into
   ``<data>/control/<theatre>/overrides/<YYYY-MM-DD>.geojson``) apply from their date on,
   as of the snapshot date (the latest override file on or before it): each override area
   is cut from every derived area and given to its faction (``unknown`` only cuts). An
   empty override file ends the previous override.

Limits: a Voronoi cell is a geometric guess, not a front line. Control follows roads,
rivers and ridges that the method does not see; it is as good as the density of
observations, and a place observed long ago keeps its last known controller (check the
``sources`` dates). Radii are measured in the equal-area projection, which is true to
within about 1 % across a theatre a few hundred km wide.
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.control import ControlSnapshot, parse_sources
from frontline.dates import parse_date
from frontline.errors import (
    InputError,
    SnapshotNotFoundError,
)
from frontline.factions import UNKNOWN, FactionRegistry
from frontline.gazetteer import Gazetteer
from frontline.geojson import to_multipolygon
from frontline.observations import DEFAULT_CONFIDENCE as DEFAULT_CONFIDENCE  # re-exported
from frontline.observations import DERIVED_KIND as DERIVED_KIND  # re-exported
from frontline.observations import MAX_LISTED_PROBLEMS as MAX_LISTED_PROBLEMS  # re-exported
from frontline.observations import OPTIONAL_COLUMNS as OPTIONAL_COLUMNS  # re-exported
from frontline.observations import REQUIRED_COLUMNS as REQUIRED_COLUMNS  # re-exported
from frontline.observations import DerivedPlace as DerivedPlace  # re-exported
from frontline.observations import PlaceLike as PlaceLike  # re-exported
from frontline.observations import PlaceResolver, read_observations
from frontline.observations import resolve_place as resolve_place  # re-exported
from frontline.store import ControlHistory, History
from frontline.theatre import Theatre

if TYPE_CHECKING:
    import geopandas as gpd

#: Largest reach of a place's cell in km, per gazetteer kind, unless the theatre or the
#: caller says otherwise. Kinds not listed use :data:`FALLBACK_RADIUS_KM`.
DEFAULT_RADIUS_KM: dict[str, float] = {
    "capital": 40.0,
    "city": 30.0,
    "town": 20.0,
    "village": 12.0,
    "hamlet": 8.0,
    "border_crossing": 15.0,
    "military_base": 20.0,
    "airbase": 15.0,
    "oil_field": 15.0,
    "dam": 10.0,
    "area": 40.0,
}
#: Reach of places of a kind that no table lists, km.
FALLBACK_RADIUS_KM = 15.0
#: Name of the folder (inside a theatre's control folder) holding hand-drawn overrides.
OVERRIDES_DIR = "overrides"
#: Longest edge (m) of derived areas before they are projected back to lon/lat; keeps a
#: projected straight edge within a fraction of a metre of its lon/lat image.
DENSIFY_M = 5000.0


# -- radii ------------------------------------------------------------------------------------
def radius_table(
    theatre: Theatre | None = None, radius_km: float | Mapping[str, float] | None = None
) -> dict[str, float]:
    """Return the reach per place kind, km: defaults, then the theatre's, then *radius_km*.

    A single number for *radius_km* applies to every kind (key ``"*"``).

    Examples
    --------
    >>> radius_table(radius_km={"town": 25})["town"], radius_table()["village"]
    (25.0, 12.0)
    """
    table = dict(DEFAULT_RADIUS_KM)
    table["*"] = FALLBACK_RADIUS_KM
    if theatre is not None:
        table.update({k: float(v) for k, v in theatre.default_radius_km.items()})
    if isinstance(radius_km, Mapping):
        table.update({str(k): float(v) for k, v in radius_km.items()})
    elif radius_km is not None:
        table = {k: float(radius_km) for k in table}
    for k, v in table.items():
        if not v > 0:
            raise InputError(f"radius for {k!r} is {v} km; radii must be positive")
    return table


def radii_for(kinds: Iterable[str], table: Mapping[str, float]) -> np.ndarray:
    """Reach in km for each place kind (the ``"*"`` entry for kinds not in *table*)."""
    fallback = table.get("*", FALLBACK_RADIUS_KM)
    return np.array([table.get(k, fallback) for k in kinds], dtype=float)


# -- geometry helpers ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _clip_layers(
    theatre: Theatre,
) -> tuple[Any, Any, shapely.Geometry, shapely.Geometry, dict[str, shapely.Geometry]]:
    """Projectors and the projected land, extent and per-country land of a theatre (cached)."""
    import pyproj

    crs = theatre.area_crs
    fwd = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    inv = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    extent = theatre.extent_geometry()
    land = theatre.land()
    countries = theatre.countries_gdf()
    per_country = {}
    for iso, geom in zip(countries["iso_a2"], countries.geometry.values, strict=True):
        g = shapely.intersection(geom, land)
        if not g.is_empty:
            per_country[iso] = _project(shapely.make_valid(g), fwd)
    ext = shapely.segmentize(extent, 0.05)
    land_p = _project(land, fwd)
    shapely.prepare([land_p, *per_country.values()])
    return fwd, inv, land_p, _project(ext, fwd), per_country


def _project(geom: Any, transformer: Any) -> Any:
    """Vectorised reprojection of geometries with a pyproj Transformer (always_xy)."""
    return shapely.transform(
        geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def _latest(obs: gpd.GeoDataFrame, day: _dt.date) -> Any:
    """One row per place: its controller as of *day*, with the merged sources of that report day.

    The latest date wins; among reports of that day the highest confidence wins (ties
    between factions are rejected on read); agreeing reports of that day and confidence
    pool their sources.
    """
    cur = obs[obs["date"] <= day]
    if not len(cur):
        return cur
    cur = cur.sort_values(["place_id", "date", "confidence", "line"], kind="stable")
    win = cur.drop_duplicates("place_id", keep="last")
    keys = ["place_id", "date", "faction", "confidence"]
    agree = cur[keys + ["source"]].merge(win[keys], on=keys)
    agree = agree.drop_duplicates(["place_id", "source"]).sort_values(["place_id", "source"])
    pids, srcs = agree["place_id"].to_numpy(), agree["source"].to_numpy()
    starts = (
        np.flatnonzero(np.r_[True, pids[1:] != pids[:-1]]) if len(pids) else np.array([], dtype=int)
    )
    pooled = dict(zip(pids[starts], (list(g) for g in np.split(srcs, starts[1:])), strict=True))
    out = win[
        ["place_id", "faction", "kind", "country", "date", "confidence", "geometry"]
    ].reset_index(drop=True)
    out["sources"] = [pooled[pid] for pid in out["place_id"]]
    return out


def _weighted(values: np.ndarray, weights: np.ndarray) -> float:
    w = weights.sum()
    return float(np.round((values * weights).sum() / w, 3)) if w > 0 else float(values.min())


def build_snapshot(
    observations: gpd.GeoDataFrame,
    date: _dt.date | str,
    theatre: Theatre,
    gazetteer: PlaceResolver | None = None,
    registry: FactionRegistry | None = None,
    radius_km: float | Mapping[str, float] | None = None,
    overrides: ControlSnapshot | gpd.GeoDataFrame | None = None,
    clip_to_country: bool = True,
) -> ControlSnapshot:
    """Derive the control snapshot of one date from observations (see the module docstring).

    Parameters
    ----------
    observations : GeoDataFrame
        As returned by :func:`read_observations`.
    date : date or str
        The snapshot date; observations after it are ignored.
    theatre : Theatre
        Gives the equal-area CRS, the land to clip to and the default radii.
    gazetteer : Gazetteer, optional
        Names locations in validation messages.
    registry : FactionRegistry, optional
        Validates the factions of the result.
    radius_km : float or mapping of kind to km, optional
        Reach of a place's cell (see :func:`radius_table`).
    overrides : ControlSnapshot or GeoDataFrame, optional
        Hand-drawn areas (EPSG:4326, column ``faction``) that replace derived control.
        Default: none (:func:`build_history` passes the override in force on the date).
    clip_to_country : bool, default True
        Keep each cell inside its place's country.

    Returns
    -------
    ControlSnapshot
        Validated; one feature per faction, no feature for unknown ground.
    """
    import geopandas as gpd

    day = parse_date(date)
    fwd, inv, land_p, extent_p, countries_p = _clip_layers(theatre)
    latest = _latest(observations, day)
    factions: list[np.ndarray] = []
    geoms: list[np.ndarray] = []
    confs: list[np.ndarray] = []
    srcs: list[list[list[str]]] = []
    if len(latest):
        # several places at one point: the most recent report there wins
        lonlat = np.array([(g.x, g.y) for g in latest["geometry"]])
        order = np.lexsort(
            (latest["place_id"].to_numpy(), [d.toordinal() for d in latest["date"]])
        )[::-1]
        _, first = np.unique(np.round(lonlat[order], 6), axis=0, return_index=True)
        keep = np.sort(order[first])
        latest = latest.iloc[keep].reset_index(drop=True)
        lonlat = lonlat[keep]
        x, y = fwd.transform(lonlat[:, 0], lonlat[:, 1])
        pts: Any = shapely.points(np.asarray(x), np.asarray(y))  # an array of points
        if len(pts) == 1:
            cells = np.array([extent_p])
        else:
            vor = shapely.voronoi_polygons(
                shapely.multipoints(pts), extend_to=extent_p, ordered=True
            )
            cells = np.asarray(shapely.get_parts(vor))
        radii = radii_for(latest["kind"], radius_table(theatre, radius_km)) * 1000.0
        cells = shapely.intersection(cells, shapely.buffer(pts, radii, quad_segs=16))
        if clip_to_country:
            clip = np.array(
                [countries_p.get(str(c), land_p) for c in latest["country"]], dtype=object
            )
        else:
            clip = np.full(len(cells), land_p, dtype=object)
        # most cells lie well inside their country: overlay only those that cross its edge
        edge = ~shapely.contains_properly(clip, cells)
        cells[edge] = shapely.intersection(cells[edge], clip[edge])
        fac = latest["faction"].to_numpy()
        factions.append(fac)
        geoms.append(cells)
        confs.append(latest["confidence"].to_numpy(dtype=float))
        srcs.append(list(latest["sources"]))
    if overrides is not None:
        factions, geoms, confs, srcs = _apply_overrides(
            factions, geoms, confs, srcs, overrides, fwd, extent_p
        )
    fac = np.concatenate(factions) if factions else np.array([], dtype=object)
    cells = np.concatenate(geoms) if geoms else np.array([], dtype=object)
    conf = np.concatenate(confs) if confs else np.array([], dtype=float)
    src = [s for group in srcs for s in group]
    rows = []
    areas = shapely.area(cells) if len(cells) else np.array([])
    for f in sorted(set(fac) - {UNKNOWN}):
        mask = (fac == f) & (areas > 0)
        if not mask.any():
            continue
        geom = shapely.union_all(cells[mask])
        sources = sorted({s for i in np.flatnonzero(mask) for s in src[i]})
        rows.append((f, sources, _weighted(conf[mask], areas[mask]), geom))
    # densify before going back to lon/lat: a straight edge in the projection is a curve in
    # lon/lat, and two neighbours must bend the same way or they overlap in slivers
    out_geoms = (
        _project(shapely.segmentize(np.array([r[3] for r in rows], dtype=object), DENSIFY_M), inv)
        if rows
        else np.array([], dtype=object)
    )
    # reprojection can pinch nearly-touching vertices into self-intersections: mend them
    bad: Any = np.flatnonzero(~shapely.is_valid(out_geoms)) if len(out_geoms) else []
    if len(bad):
        mended = shapely.buffer(out_geoms[bad], 0)  # fast, exact for pinches
        lost = np.abs(shapely.area(mended) - shapely.area(out_geoms[bad])) > 1e-6 * shapely.area(
            out_geoms[bad]
        )
        mended[lost] = shapely.make_valid(
            out_geoms[bad][lost], method="structure", keep_collapsed=False
        )
        out_geoms[bad] = mended
    gdf = gpd.GeoDataFrame(
        {
            "faction": [r[0] for r in rows],
            "sources": [r[1] for r in rows],
            "confidence": [r[2] for r in rows],
            "note": ["" for _ in rows],
        },
        geometry=[to_multipolygon(g) for g in out_geoms],
        crs="EPSG:4326",
    )
    snap = ControlSnapshot.from_areas(day, gdf, theatre=theatre.id)
    describe = getattr(gazetteer, "describe", None)
    return snap.validate(registry, theatre, describe=describe)


def _apply_overrides(factions, geoms, confs, srcs, overrides, fwd, extent_p):
    """Cut hand-drawn areas from every derived cell and add them as cells of their own."""
    areas = overrides.areas if isinstance(overrides, ControlSnapshot) else overrides
    if areas is None or not len(areas):
        return factions, geoms, confs, srcs
    if areas.crs is not None and not areas.crs.equals("EPSG:4326"):
        areas = areas.to_crs("EPSG:4326")
    drawn = shapely.intersection(
        _project(np.asarray(areas.geometry.values, dtype=object), fwd), extent_p
    )
    cut = shapely.union_all(drawn)
    geoms = [shapely.difference(g, cut) for g in geoms]
    conf = (
        areas["confidence"].to_numpy(dtype=float)
        if "confidence" in areas.columns
        else np.ones(len(areas))
    )
    if "sources" in areas.columns:
        src = [parse_sources(v) for v in areas["sources"]]
    else:
        src = [[] for _ in range(len(areas))]
    return (
        [*factions, areas["faction"].astype(str).to_numpy()],
        [*geoms, drawn],
        [*confs, conf],
        [*srcs, src],
    )


# -- overrides and whole histories --------------------------------------------------------------
def overrides_dir(theatre: Theatre) -> Path:
    """Folder of hand-drawn override snapshots: ``<data>/control/<theatre>/overrides/``."""
    return theatre.control_dir / OVERRIDES_DIR


def override_at(
    theatre: Theatre, date: _dt.date | str, registry: FactionRegistry | None = None
) -> ControlSnapshot | None:
    """Return the hand-drawn override in force on *date* (latest file up to it), or None.

    Factions are resolved through *registry*; ``unknown`` areas are allowed (they blank
    derived control). Geometry validity and overlaps are checked.
    """
    hist = ControlHistory(overrides_dir(theatre), theatre, None, validate=False)
    try:
        snap = hist.at(date)
    except SnapshotNotFoundError:
        return None
    if registry is not None and len(snap.areas):
        ids = [registry.get(f).id for f in snap.areas["faction"]]
        snap = ControlSnapshot.from_areas(
            snap.date, snap.areas.assign(faction=ids), theatre=theatre.id
        )
    return snap.validate(None, theatre)


def build_history(
    theatre: Theatre | str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    registry: FactionRegistry | None = None,
    gazetteer: PlaceResolver | None = None,
    observations: gpd.GeoDataFrame | None = None,
    dates: Sequence[_dt.date | str] | None = None,
    overwrite: bool = False,
    radius_km: float | Mapping[str, float] | None = None,
    clip_to_country: bool = True,
    use_overrides: bool = True,
    history: History | None = None,
) -> list[Any]:
    """Build and store the snapshots of a theatre, all or nothing.

    Every snapshot is computed and validated first; only then are the files written
    (atomically, see :meth:`frontline.store.ControlHistory.add_many`). Any failure leaves
    the history as it was.

    Parameters
    ----------
    theatre : Theatre or str, optional
        The theatre (or its id; default: the data directory's default theatre).
    data_dir : path-like, optional
        Data directory when *theatre* is an id.
    registry, gazetteer, observations : optional
        Default: loaded from the theatre's data directory (``observations/<theatre>.csv``).
    dates : sequence of dates, optional
        Default: the theatre's ``snapshot_dates``, else every observation date.
    overwrite : bool, default False
        Replace existing snapshots; without it, any existing date is an error.
    radius_km, clip_to_country
        See :func:`build_snapshot`.
    use_overrides : bool, default True
        Apply hand-drawn overrides from :func:`overrides_dir`.
    history : History, optional
        Where to store the snapshots (default: the theatre's file store,
        ``<data>/control/<theatre>/``); any store from :func:`frontline.backends.open_history`.

    Returns
    -------
    list
        What the store's ``add_many`` returns, in date order: the files written
        (:class:`pathlib.Path`) for a file store, the new revision numbers for PostGIS.

    Raises
    ------
    SnapshotExistsError
        When a date exists and *overwrite* is False (nothing is written).
    """
    th = theatre if isinstance(theatre, Theatre) else Theatre.load(theatre, data_dir)
    if clip_to_country:
        th.check_countries()  # before geocoding: an unknown code would make every place unknown
    registry = registry or FactionRegistry.load(th.data_dir)
    if gazetteer is None:
        gazetteer = Gazetteer.load(th.data_dir, th)
    if observations is None:
        observations = read_observations(th.observations_path, registry, gazetteer, th)
    if dates is None:
        dates = th.snapshot_dates or sorted(set(observations["date"]))
    days = sorted({parse_date(d) for d in dates})
    if not days:
        raise InputError(
            f"nothing to build for {th.id}: no snapshot_dates "
            "in the theatre file and no observations"
        )
    if not len(observations) and not (use_overrides and any(overrides_dir(th).glob("*.geojson"))):
        raise InputError(
            f"nothing to build for {th.id}: {th.observations_path} has no "
            "observations (and there are no overrides); add rows "
            "date,place,faction,source or draw areas and `control import` them"
        )
    if history is None:
        history = ControlHistory(th.control_dir, th, registry)
    history.check_writable(days, overwrite=overwrite)
    snapshots = [
        build_snapshot(
            observations, d, th, gazetteer, registry, radius_km,
            overrides=override_at(th, d, registry) if use_overrides else None,
            clip_to_country=clip_to_country,
        )
        for d in days
    ]  # fmt: skip
    return list(
        history.add_many(
            snapshots, overwrite=overwrite, describe=getattr(gazetteer, "describe", None)
        )
    )
