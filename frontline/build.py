"""Build control snapshots from sourced observations ("town X held by Y on date D, source S").

Method
------
For each snapshot date:

1. **Latest observation per place.** Every place's most recent observation on or before
   the date decides who holds it. Two observations of one place on one day that disagree
   are settled by the higher confidence; a tie is an error (mark the place contested with
   the faction ``unknown`` instead).
2. **Fill** by the theatre's ``fill`` policy (:class:`frontline.theatre.FillPolicy`,
   :mod:`frontline.fill`). ``nearest`` (the default): the observed places of each theatre
   country are tessellated (:func:`shapely.voronoi_polygons`, in the theatre's equal-area
   CRS :attr:`Theatre.area_crs`) and clipped to that country's land (Natural Earth 10 m), so
   every piece of land goes to the holder of the nearest observed place in the same country.
   ``radius``: each cell reaches no further than a radius around its place by the place's
   kind (:data:`DEFAULT_RADIUS_KM`, the theatre's ``default_radius_km``, the ``radius_km``
   argument); ground beyond every radius stays unknown. ``complement``: ``radius`` cells,
   and every other piece of land goes to the policy's faction. Places observed as
   ``unknown`` (contested) take part in the tessellation but their cells stay unknown.
3. **Basis.** Ground within ``fill.observed_km`` of the place whose cell it is in is
   ``observed``; the rest is ``inferred``. The snapshot's :class:`~frontline.control.Support`
   gives the share of held land whose place is more than ``fill.far_km`` away or whose
   observation is more than ``fill.stale_days`` old.
4. **Hand-drawn overrides** (imported from QGIS into
   ``<data>/control/<theatre>/overrides/<YYYY-MM-DD>.geojson``) apply from their date on,
   as of the snapshot date (the latest override file on or before it): each override area
   is cut from every derived area and given to its faction as observed ground (``unknown``
   only cuts). An empty override file ends the previous override.
5. **Dissolve per faction and basis.** Each feature keeps the sources of the observations
   whose cells form it; its confidence is the area-weighted mean of their confidences.

Limits: a Voronoi cell is a geometric guess, not a front line. Control follows roads,
rivers and ridges that the method does not see; it is as good as the density of
observations, and a place observed long ago keeps its last known controller (the support
report says how much of the map rests on such places). Distances are measured in the
equal-area projection, which is true to within about 1 % across a theatre a few hundred
km wide.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.control import INFERRED, OBSERVED, ControlSnapshot, parse_sources
from frontline.dates import parse_date
from frontline.errors import (
    InputError,
    SnapshotNotFoundError,
)
from frontline.factions import UNKNOWN, FactionRegistry
from frontline.fill import DENSIFY_M as DENSIFY_M  # re-exported
from frontline.fill import (
    LandLayers,
    country_of,
    land_layers,
    project,
    split_basis,
    support_of,
    tessellate,
    to_lonlat,
)
from frontline.gazetteer import Gazetteer
from frontline.geojson import normalise_geometry, to_multipolygon
from frontline.history import History
from frontline.observations import DEFAULT_CONFIDENCE as DEFAULT_CONFIDENCE  # re-exported
from frontline.observations import DERIVED_KIND as DERIVED_KIND  # re-exported
from frontline.observations import MAX_LISTED_PROBLEMS as MAX_LISTED_PROBLEMS  # re-exported
from frontline.observations import OPTIONAL_COLUMNS as OPTIONAL_COLUMNS  # re-exported
from frontline.observations import REQUIRED_COLUMNS as REQUIRED_COLUMNS  # re-exported
from frontline.observations import DerivedPlace as DerivedPlace  # re-exported
from frontline.observations import PlaceLike as PlaceLike  # re-exported
from frontline.observations import PlaceResolver, read_observations, snapshot_dates_for
from frontline.observations import change_dates as change_dates  # re-exported
from frontline.observations import resolve_place as resolve_place  # re-exported
from frontline.store import ControlHistory
from frontline.theatre import FillPolicy, Theatre

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
        ["place_id", "place", "faction", "kind", "country", "date", "confidence", "geometry"]
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
    fill: FillPolicy | str | None = None,
    simplify_m: float | None = None,
) -> ControlSnapshot:
    """Derive the control snapshot of one date from observations (see the module docstring).

    Parameters
    ----------
    observations : GeoDataFrame
        As returned by :func:`read_observations`.
    date : date or str
        The snapshot date; observations after it are ignored.
    theatre : Theatre
        Gives the equal-area CRS, the land, the fill policy and the default radii.
    gazetteer : Gazetteer, optional
        Names locations in validation messages.
    registry : FactionRegistry, optional
        Validates the factions of the result.
    radius_km : float or mapping of kind to km, optional
        Reach of a place's cell in ``radius`` mode (see :func:`radius_table`). Given without
        *fill*, it selects the ``radius`` mode.
    overrides : ControlSnapshot or GeoDataFrame, optional
        Hand-drawn areas (EPSG:4326, column ``faction``) that replace derived control; they
        count as observed. Default: none (:func:`build_history` passes the override in force
        on the date).
    clip_to_country : bool, default True
        Share each country's land among the places in that country only.
    fill : FillPolicy or str, optional
        The fill policy, or a mode of the theatre's (default: the theatre's ``fill``).
    simplify_m : float, optional
        Simplify the areas' shared edges to within this many metres (default: the theatre's
        ``simplify_m``, else none; see :func:`simplify_on_grid`).

    Returns
    -------
    ControlSnapshot
        Validated; one feature per faction and basis, no feature for unknown ground; its
        :attr:`~ControlSnapshot.support` gives the share of held land on far or old support.
    """
    import geopandas as gpd

    day = parse_date(date)
    policy = _policy(theatre, fill, radius_km)
    layers = land_layers(theatre)
    latest, pts, cells = _place_cells(
        observations, day, theatre, policy, radius_km, clip_to_country, layers
    )
    n = len(latest)
    fac = latest["faction"].to_numpy(dtype=object) if n else np.array([], dtype=object)
    conf = latest["confidence"].to_numpy(dtype=float) if n else np.array([], dtype=float)
    srcs: list[list[str]] = list(latest["sources"]) if n else []
    drawn = _drawn(overrides, layers)
    if drawn is not None and n:
        cells = shapely.difference(cells, drawn[1])
    held = fac != UNKNOWN
    # the land nobody claims, for the complement mode: all but the cells and drawn areas
    rest: Any = shapely.Polygon()
    if policy.mode == "complement":
        taken = [*cells[shapely.area(cells) > 0]] if n else []
        if drawn is not None:
            taken.append(drawn[1])
        rest = shapely.difference(layers.land, shapely.union_all(taken)) if taken else layers.land
    support = support_of(
        cells[held] if n else cells,
        pts[held] if n else pts,
        list(latest["date"][held]) if n else [],
        day,
        policy,
        unsupported=float(shapely.area(rest)),
        supported=float(shapely.area(shapely.intersection(drawn[1], layers.land)))
        if drawn is not None
        else 0.0,
    )
    observed, inferred = split_basis(cells[held], pts[held], policy.observed_km) if n else (
        cells, cells
    )  # fmt: skip
    pieces = _Pieces()
    for part, basis in ((observed, OBSERVED), (inferred, INFERRED)):
        pieces.add(
            fac[held], part, basis, conf[held], [s for s, h in zip(srcs, held, strict=True) if h]
        )
    if drawn is not None:
        areas = drawn[0]
        dconf = (
            areas["confidence"].to_numpy(dtype=float)
            if "confidence" in areas.columns
            else np.ones(len(areas))
        )
        dsrc = (
            [parse_sources(v) for v in areas["sources"]]
            if "sources" in areas.columns
            else [[] for _ in range(len(areas))]
        )
        dfac = areas["faction"].astype(str).to_numpy(dtype=object)
        mine = dfac != UNKNOWN
        pieces.add(
            dfac[mine],
            drawn[2][mine],
            OBSERVED,
            dconf[mine],
            [s for s, m in zip(dsrc, mine, strict=True) if m],
        )
    if policy.mode == "complement" and not shapely.is_empty(rest) and shapely.area(rest) > 0:
        assert policy.faction is not None  # FillPolicy checks it
        pieces.add(
            np.array([policy.faction], dtype=object),
            np.array([rest], dtype=object),
            INFERRED,
            np.ones(1),
            [[]],
        )
    rows = pieces.dissolve(policy)
    out_geoms = to_lonlat(np.array([r[4] for r in rows], dtype=object), layers)
    # on the storage grid already: neighbours then share their vertices exactly, so the
    # overlap check finds touching areas without overlaying them, and the snapshot is
    # what its file will hold
    grid = [normalise_geometry(g) for g in out_geoms]
    tolerance = simplify_m if simplify_m is not None else theatre.simplify_m
    if tolerance:
        grid = simplify_on_grid(grid, tolerance)
    gdf = gpd.GeoDataFrame(
        {
            "faction": [r[0] for r in rows],
            "basis": [r[1] for r in rows],
            "sources": [r[2] for r in rows],
            "confidence": [r[3] for r in rows],
            "note": [r[5] for r in rows],
        },
        geometry=grid,
        crs="EPSG:4326",
    )
    snap = ControlSnapshot.from_areas(day, gdf, theatre=theatre.id, support=support)
    describe = getattr(gazetteer, "describe", None)
    return snap.validate(registry, theatre, describe=describe)


#: Metres per degree of latitude, for :func:`simplify_on_grid`'s tolerance in degrees.
M_PER_DEG = 111_320.0


def simplify_on_grid(areas: Sequence[Any], tolerance_m: float) -> list[Any]:
    """Simplify a snapshot's areas together: shared edges stay shared, the outline stays.

    The areas (lon/lat, on the storage grid, so that neighbours share their vertices
    exactly) are simplified as one coverage with :func:`shapely.coverage_simplify` at
    *tolerance_m* metres (converted at one degree of latitude, so at most that far in
    latitude and less in longitude), keeping the coverage's outer boundary, then snapped
    back to the grid. No gap or overlap opens between neighbours.

    Parameters
    ----------
    areas : sequence of (Multi)Polygon
        One snapshot's areas, on the storage grid (:func:`frontline.geojson.normalise_geometry`).
    tolerance_m : float
        Largest displacement of an edge, metres.

    Returns
    -------
    list of MultiPolygon
        Aligned with *areas*, on the storage grid.
    """
    if not len(areas):
        return []
    out = shapely.coverage_simplify(
        np.asarray(areas, dtype=object), tolerance_m / M_PER_DEG, simplify_boundary=False
    )
    return [normalise_geometry(g) for g in out]


def _place_cells(
    observations: gpd.GeoDataFrame,
    day: _dt.date,
    theatre: Theatre,
    policy: FillPolicy,
    radius_km: Any,
    clip_to_country: bool,
    layers: LandLayers,
) -> tuple[Any, np.ndarray, np.ndarray]:
    """Latest observation per distinct point, the points and their cells (projected)."""
    latest = _latest(observations, day)
    if not len(latest):
        return latest, np.array([], dtype=object), np.array([], dtype=object)
    # several places at one point: the most recent report there wins
    lonlat = np.array([(g.x, g.y) for g in latest["geometry"]])
    order = np.lexsort((latest["place_id"].to_numpy(), [d.toordinal() for d in latest["date"]]))[
        ::-1
    ]
    _, first = np.unique(np.round(lonlat[order], 6), axis=0, return_index=True)
    keep = np.sort(order[first])
    latest = latest.iloc[keep].reset_index(drop=True)
    lonlat = lonlat[keep]
    x, y = layers.fwd.transform(lonlat[:, 0], lonlat[:, 1])
    pts = np.asarray(shapely.points(np.asarray(x), np.asarray(y)), dtype=object)
    radii = (
        radii_for(latest["kind"], radius_table(theatre, radius_km)) * 1000.0
        if policy.mode != "nearest"
        else None
    )
    cells = tessellate(
        pts,
        country_of(pts, layers, [str(c) for c in latest["country"]]),
        layers,
        per_country=clip_to_country,
        radii_m=radii,
    )
    return latest, pts, cells


def place_cells(
    observations: gpd.GeoDataFrame,
    date: _dt.date | str,
    theatre: Theatre,
    *,
    fill: FillPolicy | str | None = None,
    radius_km: float | Mapping[str, float] | None = None,
    clip_to_country: bool = True,
) -> gpd.GeoDataFrame:
    """Each observed place's share of the land on a date: the ground its observation decides.

    The cells :func:`build_snapshot` dissolves (before overrides): which observation supports
    which ground, for checks and for readers who ask "why is this ground theirs?".

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per observed point: ``place_id``, ``place``, ``faction``,
        ``date`` (of the observation that decides it), ``geometry`` (its cell; empty for a
        place outside the theatre's countries).
    """
    import geopandas as gpd

    day = parse_date(date)
    policy = _policy(theatre, fill, radius_km)
    layers = land_layers(theatre)
    latest, _, cells = _place_cells(
        observations, day, theatre, policy, radius_km, clip_to_country, layers
    )
    cols = ["place_id", "place", "faction", "date"]
    if not len(latest):
        return gpd.GeoDataFrame(
            {c: [] for c in cols}, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326"
        )
    place = latest["place_id"] if "place" not in latest.columns else latest["place"]
    return gpd.GeoDataFrame(
        {
            "place_id": latest["place_id"].to_numpy(),
            "place": np.asarray(place),
            "faction": latest["faction"].to_numpy(),
            "date": list(latest["date"]),
        },
        geometry=[to_multipolygon(g) for g in to_lonlat(cells, layers)],
        crs="EPSG:4326",
    )


def _policy(theatre: Theatre, fill: FillPolicy | str | None, radius_km: Any) -> FillPolicy:
    """Return the fill policy of a build: *fill*, else the theatre's (a radius alone: radius)."""
    if isinstance(fill, FillPolicy):
        return fill
    if fill is None and radius_km is not None:
        return theatre.fill.with_mode("radius")
    return theatre.fill.with_mode(fill)


class _Pieces:
    """Projected pieces of ground with their faction, basis, confidence and sources."""

    def __init__(self) -> None:
        self.faction: list[np.ndarray] = []
        self.geoms: list[np.ndarray] = []
        self.basis: list[str] = []
        self.conf: list[np.ndarray] = []
        self.sources: list[list[str]] = []

    def add(
        self,
        faction: np.ndarray,
        geoms: np.ndarray,
        basis: str,
        conf: np.ndarray,
        sources: list[list[str]],
    ) -> None:
        self.faction.append(np.asarray(faction, dtype=object))
        self.geoms.append(np.asarray(geoms, dtype=object))
        self.basis += [basis] * len(faction)
        self.conf.append(np.asarray(conf, dtype=float))
        self.sources += sources

    def dissolve(self, policy: FillPolicy) -> list[tuple]:
        """One row per faction and basis: (faction, basis, sources, confidence, geometry, note).

        Sources are those of the observations whose pieces form the area; the confidence is
        their area-weighted mean.
        """
        if not self.faction:
            return []
        fac = np.concatenate(self.faction)
        geoms = np.concatenate(self.geoms)
        conf = np.concatenate(self.conf)
        basis = np.asarray(self.basis, dtype=object)
        areas = shapely.area(geoms) if len(geoms) else np.zeros(0)
        rows = []
        for f in sorted(set(fac) - {UNKNOWN}):
            for b in (INFERRED, OBSERVED):
                mask = (fac == f) & (basis == b) & (areas > 0)
                if not mask.any():
                    continue
                geom = shapely.union_all(geoms[mask])
                sources = sorted({s for i in np.flatnonzero(mask) for s in self.sources[i]})
                note = (
                    _INFERRED_NOTE[policy.mode].format(km=policy.observed_km)
                    if b == INFERRED
                    else ""
                )
                rows.append((f, b, sources, _weighted(conf[mask], areas[mask]), geom, note))
        return rows


#: The note of inferred features, per fill mode.
_INFERRED_NOTE = {
    "nearest": "inferred: more than {km:g} km from the observed place nearest to it in its "
    "country (fill: nearest)",
    "radius": "inferred: more than {km:g} km from the observed place, within its radius "
    "(fill: radius)",
    "complement": "inferred: more than {km:g} km from an observed place, or land no source "
    "claims (fill: complement)",
}


def _drawn(
    overrides: ControlSnapshot | gpd.GeoDataFrame | None, layers: LandLayers
) -> tuple[gpd.GeoDataFrame, shapely.Geometry, np.ndarray] | None:
    """Hand-drawn areas: (their rows in lon/lat, their union projected, each one projected)."""
    if overrides is None:
        return None
    areas = overrides.areas if isinstance(overrides, ControlSnapshot) else overrides
    if areas is None or not len(areas):
        return None
    if areas.crs is not None and not areas.crs.equals("EPSG:4326"):
        areas = areas.to_crs("EPSG:4326")
    each = shapely.intersection(
        project(np.asarray(areas.geometry.values, dtype=object), layers.fwd), layers.extent
    )
    return areas, shapely.union_all(each), each


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


def snapshot_dates(
    theatre: Theatre, observations: gpd.GeoDataFrame, max_lag_days: int | None = None
) -> list[_dt.date]:
    """Return the dates a build writes by default: the theatre's, or chosen from observations.

    With ``snapshot_dates: auto`` in the theatre file (or *max_lag_days*), the dates come
    from :func:`frontline.observations.snapshot_dates_for` over the theatre's period: every
    change of hands is on a map at most that many days after its date, and the theatre's
    listed dates are kept. Otherwise the theatre's ``snapshot_dates``, else every
    observation date.

    Parameters
    ----------
    theatre : Theatre
    observations : GeoDataFrame
        As :func:`read_observations` returns them.
    max_lag_days : int, optional
        Overrides the theatre's setting.

    Returns
    -------
    list of datetime.date
    """
    lag = max_lag_days if max_lag_days is not None else theatre.snapshot_lag_days
    if lag is not None:
        start, end = theatre.period if theatre.period else (None, None)
        return snapshot_dates_for(
            observations, lag, start=start, end=end, include=theatre.snapshot_dates
        )
    return list(theatre.snapshot_dates) or sorted(set(observations["date"]))


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
    fill: FillPolicy | str | None = None,
    max_lag_days: int | None = None,
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
        Default: loaded from the theatre's data directory (``observations/<theatre>.csv``,
        or the folder ``observations/<theatre>/``).
    dates : sequence of dates, optional
        Default: the theatre's ``snapshot_dates`` (chosen from the observations when the
        theatre says ``snapshot_dates: auto``, see :func:`snapshot_dates`), else every
        observation date.
    overwrite : bool, default False
        Replace existing snapshots; without it, any existing date is an error.
    radius_km, clip_to_country, fill
        See :func:`build_snapshot`.
    use_overrides : bool, default True
        Apply hand-drawn overrides from :func:`overrides_dir`.
    history : History, optional
        Where to store the snapshots (default: the theatre's file store,
        ``<data>/control/<theatre>/``); any store from :func:`frontline.backends.open_history`.
    max_lag_days : int, optional
        Choose the dates from the observations so that no change of hands reaches the maps
        more than this many days after its date (instead of the theatre's setting; ignored
        when *dates* are given).

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
        dates = snapshot_dates(th, observations, max_lag_days)
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
            clip_to_country=clip_to_country, fill=fill,
        )
        for d in days
    ]  # fmt: skip
    return list(
        history.add_many(
            snapshots, overwrite=overwrite, describe=getattr(gazetteer, "describe", None)
        )
    )
