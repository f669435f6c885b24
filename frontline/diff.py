"""What changed between two dates: ground, balance, places, front lines and link-ups.

A :class:`ChangeSet` puts into words what :func:`frontline.overlay.overlay` finds (every
piece of ground whose controller differs, with both sides, and the balance per faction):
where each piece lies ("12 km N of At Tanf", from a gazetteer), which places changed hands,
and, from :mod:`frontline.topology`, the front lines on both dates, link-ups and cuts
between allied factions and new pockets. Ground that no faction holds is the explicit side
``"unknown"`` (:data:`frontline.factions.UNKNOWN`), so every change has a from and a to.

Areas are measured on the WGS84 ellipsoid with edges straight in lon/lat
(:class:`frontline.geo.AreaMeter`); they agree with ``pyproj.Geod.geometry_area_perimeter``
of the densified pieces to better than 0.01 %.

The changed pieces partition the ground whose controller differs between the two maps;
``diff(a, a)`` is empty and ``diff(b, a)`` mirrors ``diff(a, b)``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.control import ControlSnapshot, geometry_json, normalise_geometry
from frontline.dates import parse_date
from frontline.factions import UNKNOWN, FactionRegistry
from frontline.fill import inferred_meaning
from frontline.geo import DENSIFY_DEG, AreaMeter, bounds_of
from frontline.overlay import SUMMARY_COLUMNS, Overlay, balance, dirty_rectangles, overlay
from frontline.sitrep import situation_report
from frontline.timeline import timeline
from frontline.topology import (
    DEFAULT_TOLERANCE_KM,
    ENCIRCLEMENT_COLUMNS,
    FRONT_COLUMNS,
    LINK_COLUMNS,
    empty_frame,
    encirclements,
    front_lines,
    link_ups,
    locator,
    lonlat_text,
    snapshot_topology,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from frontline.gazetteer import Gazetteer
    from frontline.history import History
    from frontline.placepoints import PlacePoints
    from frontline.theatre import Theatre

__all__ = [
    # defined here
    "CHANGE_COLUMNS", "INFERRED_COLUMNS", "MAX_DESCRIBED", "PLACE_COLUMNS",
    "ChangeSet", "changed_pieces", "changes_between", "diff", "diff_dates", "inferred_km2",
    "places_changed",
    # kept importable from here: they live in frontline.overlay, frontline.geo, frontline.timeline
    "DENSIFY_DEG", "SUMMARY_COLUMNS", "AreaMeter", "Overlay", "balance", "dirty_rectangles",
    "overlay", "timeline",
]  # fmt: skip

CHANGE_COLUMNS = ["from_faction", "to_faction", "area_km2", "inferred_km2", "location", "geometry"]
#: Columns :func:`diff` adds to the overlay's balance: of the ground gained and lost, how much
#: is inferred (observed on neither date).
INFERRED_COLUMNS = ["gained_inferred_km2", "lost_inferred_km2"]
PLACE_COLUMNS = [
    "place_id", "name", "kind", "importance", "from_faction", "to_faction", "inferred", "geometry",
]  # fmt: skip
#: Changed pieces beyond this many (smallest first) get coordinates instead of gazetteer words.
MAX_DESCRIBED = 500


# -- the change set -----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ChangeSet:
    """What changed between two dates.

    Attributes
    ----------
    date_a, date_b : datetime.date
        The dates compared (as asked; see ``snapshot_a``/``snapshot_b`` for the maps used).
    changes : geopandas.GeoDataFrame
        EPSG:4326, one row per connected piece of ground that changed hands, largest first:
        ``from_faction``, ``to_faction`` (``"unknown"`` for ground nobody holds),
        ``area_km2`` (geodesic), ``inferred_km2`` (the part of it that is inferred on both
        dates: no observation within the fill's ``observed_km`` on either), ``location``
        (words, e.g. "12 km N of At Tanf"), geometry.
    summary : pandas.DataFrame
        Per faction: ``area_a_km2``, ``area_b_km2``, ``gained_km2``, ``lost_km2``,
        ``net_km2``, ``net_pct`` (net as % of the area held on *a*), and
        ``gained_inferred_km2``, ``lost_inferred_km2`` (how much of the gains and losses
        is inferred ground).
    places_changed : geopandas.GeoDataFrame
        Gazetteer places whose controller changed: ``place_id``, ``name``, ``kind``,
        ``importance``, ``from_faction``, ``to_faction``, ``inferred`` (True when the place
        lies on inferred ground on both dates: the fill convention moved it, no report did),
        geometry (Point). Observed changes come first.
    front_lines_a, front_lines_b : geopandas.GeoDataFrame
        Front lines on each date (see :func:`frontline.topology.front_lines`).
    link_ups : geopandas.GeoDataFrame
        Link-ups and cuts between allied factions (see :func:`frontline.topology.link_ups`).
    encirclements : geopandas.GeoDataFrame
        Pockets on *b* (see :func:`frontline.topology.encirclements`), with ``new`` True
        for pockets that did not exist on *a*.
    inferred : str
        What inferred ground is on these maps, in words (:func:`frontline.fill.inferred_meaning`).
    """

    date_a: _dt.date
    date_b: _dt.date
    changes: gpd.GeoDataFrame
    summary: pd.DataFrame
    places_changed: gpd.GeoDataFrame
    front_lines_a: gpd.GeoDataFrame
    front_lines_b: gpd.GeoDataFrame
    link_ups: gpd.GeoDataFrame
    encirclements: gpd.GeoDataFrame | None = None
    snapshot_a: _dt.date | None = None
    snapshot_b: _dt.date | None = None
    theatre: str | None = None
    inferred: str = "ground the fill convention gives to the holder of the nearest observed place"
    names: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        """True when no ground changed hands."""
        return len(self.changes) == 0

    def name(self, faction: str) -> str:
        """Display name of a faction (its id when the registry was not given)."""
        return self.names.get(faction, faction)

    def label(self, faction: str) -> str:
        """Name of a faction for sentences."""
        return self.labels.get(faction, self.names.get(faction, faction))

    # -- plain data ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of every table.

        Dates, summary, changes (with a representative lon/lat), places, front lines, link-ups
        and encirclements; geometries become lon/lat points or are omitted (use
        :meth:`to_geojson` for shapes).
        """

        def records(df, drop_geometry: bool = True, point: bool = False) -> list[dict[str, Any]]:
            if df is None or not len(df):
                return []
            out = []
            cols = [c for c in df.columns if c != "geometry"]
            pts = (
                shapely.point_on_surface(df.geometry.values) if point and "geometry" in df else None
            )
            for k, row in enumerate(df[cols].itertuples(index=False)):
                rec = {c: _plain(v) for c, v in zip(cols, row, strict=True)}
                if pts is not None:
                    rec["lon"], rec["lat"] = round(float(pts[k].x), 5), round(float(pts[k].y), 5)
                out.append(rec)
            return out

        return {
            "date_a": self.date_a.isoformat(),
            "date_b": self.date_b.isoformat(),
            "snapshot_a": (self.snapshot_a or self.date_a).isoformat(),
            "snapshot_b": (self.snapshot_b or self.date_b).isoformat(),
            "theatre": self.theatre,
            "summary": records(self.summary),
            "changes": records(self.changes, point=True),
            "places_changed": records(self.places_changed, point=True),
            "front_lines_a": records(self.front_lines_a),
            "front_lines_b": records(self.front_lines_b),
            "link_ups": records(self.link_ups, point=True),
            "encirclements": records(self.encirclements, point=True),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False) + "\n"

    def to_geojson(self) -> str:
        """Write every layer as one RFC 7946 FeatureCollection, for QGIS or a web map.

        Each feature has a ``layer`` property: ``changes`` (polygons), ``front_lines_a`` /
        ``front_lines_b`` (lines), ``link_ups`` (points), ``places_changed`` (points),
        ``encirclements`` (polygons); plus ``date_a``/``date_b`` on the collection.
        Coordinates are rounded to 10⁻⁵° and polygons oriented counter-clockwise.
        """
        layers = [
            ("changes", self.changes, None),
            ("front_lines_a", self.front_lines_a, self.snapshot_a or self.date_a),
            ("front_lines_b", self.front_lines_b, self.snapshot_b or self.date_b),
            ("link_ups", self.link_ups, None),
            ("encirclements", self.encirclements, self.snapshot_b or self.date_b),
            ("places_changed", self.places_changed, None),
        ]
        lines = []
        for layer, df, day in layers:
            if df is None or not len(df):
                continue
            cols = [c for c in df.columns if c != "geometry"]
            for row, geom in zip(df[cols].itertuples(index=False), df.geometry.values, strict=True):
                props = {c: _plain(v) for c, v in zip(cols, row, strict=True)}
                props["layer"] = layer
                if day is not None:
                    props["date"] = day.isoformat()
                if isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
                    # snapped to the 10⁻⁵° grid and oriented as RFC 7946 wants, kept valid
                    geom = normalise_geometry(geom)
                    if geom.is_empty:  # a sliver narrower than the grid
                        continue
                lines.append(
                    '{"type": "Feature", "properties": '
                    + json.dumps(props, sort_keys=True, ensure_ascii=False, allow_nan=False)
                    + ', "geometry": '
                    + geometry_json(geom)
                    + "}"
                )
        head = json.dumps(
            {
                "type": "FeatureCollection",
                "date_a": self.date_a.isoformat(),
                "date_b": self.date_b.isoformat(),
                **({"theatre": self.theatre} if self.theatre else {}),
            },
            ensure_ascii=False,
        )[:-1]
        return head + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"

    def to_markdown(self, max_changes: int = 15, max_places: int = 30) -> str:
        """Write a situation report in Markdown.

        Headline, link-ups, places, balance, changes, fronts.
        """
        return situation_report(self, max_changes=max_changes, max_places=max_places)


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        return None if v != v else round(v, 3)
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, list | tuple | np.ndarray):
        return [_plain(x) for x in v]
    return v


# -- public entry points -------------------------------------------------------------------------
def diff(
    a: ControlSnapshot | History,
    b: ControlSnapshot | _dt.date | str,
    registry: FactionRegistry | _dt.date | str | None = None,
    gazetteer: Gazetteer | PlacePoints | None = None,
    theatre: Theatre | None = None,
    *,
    tolerance_km: float | None = None,
    min_area_km2: float = 0.0,
    topology: bool = True,
    places: bool = True,
) -> ChangeSet:
    """Compare two control snapshots: what changed hands, where, and how much.

    Parameters
    ----------
    a, b : ControlSnapshot
        The earlier and the later map. ``diff(history, date_a, date_b, gazetteer=…)`` also
        works: it is :func:`diff_dates` (maps as of each date, the history's registry and
        theatre).
    registry : FactionRegistry, optional
        Names factions in words and decides front lines (hostile pairs) and link-ups
        (allied pairs). Without it, front lines and link-ups are empty.
    gazetteer : Gazetteer or PlacePoints, optional
        Names locations ("12 km N of At Tanf") and finds the places that changed hands.
        Without it, locations are given as coordinates and ``places_changed`` is empty.
        :class:`frontline.placepoints.PlacePoints` (the gazetteer's points, quicker to
        load) gives the same words.
    theatre : Theatre, optional
        Its equal-area projection measures the front-line tolerance.
    tolerance_km : float, optional
        Front-line / contact tolerance (default :data:`frontline.topology.DEFAULT_TOLERANCE_KM`).
    min_area_km2 : float, default 0
        Drop changed pieces smaller than this (digitising slivers). With the default, the
        changes partition exactly the ground whose controller differs.
    topology : bool, default True
        Compute front lines, link-ups and encirclements (the costlier part on large maps).
    places : bool, default True
        Find the gazetteer places that changed hands (False: ``places_changed`` is empty).

    Returns
    -------
    ChangeSet

    Examples
    --------
    >>> from shapely import box
    >>> from frontline.control import ControlSnapshot
    >>> a = ControlSnapshot.from_areas("2017-06-01", {"isis": box(38, 33, 39, 34)})
    >>> b = ControlSnapshot.from_areas(
    ...     "2017-06-09",
    ...     {"isis": box(38.5, 33, 39, 34), "syrian-government": box(38, 33, 38.5, 34)},
    ... )
    >>> cs = diff(a, b)
    >>> cs.changes[["from_faction", "to_faction"]].values.tolist()
    [['isis', 'syrian-government']]
    >>> round(float(cs.changes.area_km2.sum()))
    5153
    """
    if hasattr(a, "at") and hasattr(a, "dates"):  # diff(history, date_a, date_b)
        return diff_dates(
            a, b, registry, gazetteer,  # type: ignore[arg-type]  # a History, two dates
            tolerance_km=tolerance_km, min_area_km2=min_area_km2, topology=topology,
            places=places,
        )  # fmt: skip
    if not isinstance(a, ControlSnapshot) or not isinstance(b, ControlSnapshot):
        raise TypeError("diff(a, b) takes two ControlSnapshots, or a history and two dates")
    if registry is not None and not isinstance(registry, FactionRegistry):
        raise TypeError("registry must be a FactionRegistry (dates go with a history)")
    tol = DEFAULT_TOLERANCE_KM if tolerance_km is None else float(tolerance_km)
    crs = theatre.area_crs if theatre is not None else None
    ov = overlay(a, b, crs=crs).at_least(min_area_km2)
    pieces = changed_pieces(ov, a, b, gazetteer, crs)
    import geopandas as gpd

    changes = gpd.GeoDataFrame(
        {c: pieces[c] for c in CHANGE_COLUMNS if c != "geometry"},
        geometry=gpd.GeoSeries(pieces["geometry"], crs="EPSG:4326"),
        crs="EPSG:4326",
    )
    summary = _with_inferred(balance(ov), changes)
    moved = (
        places_changed(a, b, gazetteer)
        if gazetteer is not None and places
        else empty_frame(PLACE_COLUMNS)
    )
    if registry is not None and topology:
        # boundaries prepared once per snapshot (and kept for the next diff of either map);
        # edges both maps share are measured once
        ta = snapshot_topology(a, tol, theatre)
        tb = snapshot_topology(b, tol, theatre, lengths=ta.lengths)
        fl_a = front_lines(a, registry, tolerance_km=tol, theatre=theatre, cache=ta)
        fl_b = front_lines(b, registry, tolerance_km=tol, theatre=theatre, cache=tb)
        links = link_ups(
            a, b, registry, gazetteer, tolerance_km=tol, theatre=theatre, caches=(ta, tb)
        )
        enc = _new_pockets(
            encirclements(a, registry, None, tolerance_km=tol, theatre=theatre, cache=ta),
            encirclements(b, registry, gazetteer, tolerance_km=tol, theatre=theatre, cache=tb),
        )
    else:
        fl_a = fl_b = empty_frame(FRONT_COLUMNS)
        links = empty_frame(LINK_COLUMNS)
        enc = empty_frame([*ENCIRCLEMENT_COLUMNS[:-1], "new", "geometry"])
    names, labels = {}, {}
    if registry is not None:
        for f in {*ov.factions, UNKNOWN}:
            try:
                fac = registry.get(f)
            except Exception:  # noqa: BLE001 - an unregistered id is shown as is
                continue
            names[f], labels[f] = fac.name, fac.label
    return ChangeSet(
        date_a=a.date,
        date_b=b.date,
        changes=changes,
        summary=summary,
        places_changed=moved,
        front_lines_a=fl_a,
        front_lines_b=fl_b,
        link_ups=links,
        encirclements=enc,
        snapshot_a=a.date,
        snapshot_b=b.date,
        theatre=b.theatre or a.theatre or (theatre.id if theatre is not None else None),
        inferred=inferred_meaning(a, b),
        names=names,
        labels=labels,
    )


def changed_pieces(
    ov: Overlay,
    a: ControlSnapshot,
    b: ControlSnapshot,
    gazetteer: Gazetteer | PlacePoints | None = None,
    crs: Any = None,
) -> dict[str, np.ndarray]:
    """Return the pieces of ground that changed hands, as plain columns (``changes``).

    Parameters
    ----------
    ov : Overlay
        ``overlay(a, b)`` (optionally :meth:`~frontline.overlay.Overlay.at_least` some area).
    a, b : ControlSnapshot
        The two maps (their observed ground decides ``inferred_km2``).
    gazetteer : Gazetteer or PlacePoints, optional
        Names each piece's location in words; without it, coordinates.
    crs : optional
        Equal-area CRS measuring the inferred part (default: one fitted to the pieces).

    Returns
    -------
    dict of str to numpy.ndarray
        :data:`CHANGE_COLUMNS`, one value per piece in the overlay's order; ``geometry``
        holds the pieces (lon/lat). :func:`diff` makes its ``changes`` GeoDataFrame of it;
        alone it needs no pandas (a quick CSV, see :func:`changes_between`).
    """
    pieces, km2 = ov.pieces, ov.area_km2
    inferred = inferred_km2(pieces, km2, a, b, crs)
    where = locator(gazetteer)
    pts = shapely.point_on_surface(pieces) if len(pieces) else np.empty(0, dtype=object)
    locations = [
        where(p.x, p.y) if k < MAX_DESCRIBED else lonlat_text(p.x, p.y) for k, p in enumerate(pts)
    ]
    return {
        "from_faction": ov.from_faction.astype(str),
        "to_faction": ov.to_faction.astype(str),
        "area_km2": km2.astype(float),
        "inferred_km2": inferred,
        "location": np.asarray(locations, dtype=object),
        "geometry": np.asarray(pieces, dtype=object),
    }


def changes_between(
    history: History,
    date_a: _dt.date | str,
    date_b: _dt.date | str,
    gazetteer: Gazetteer | PlacePoints | None = None,
    *,
    min_area_km2: float = 0.0,
) -> dict[str, np.ndarray]:
    """Return the ``changes`` table of :func:`diff_dates` alone, as plain columns.

    For a script or a command that wants only the pieces that changed hands between two
    dates (each taken as of that date): no summary, places or topology is computed and no
    GeoDataFrame is built. The rows and values are those of ``diff_dates(...).changes``.

    Raises
    ------
    InvalidDateError
        When a date is not ``YYYY-MM-DD``.
    SnapshotNotFoundError
        When the history has no snapshot on or before a date.
    """
    a, b = history.at(parse_date(date_a)), history.at(parse_date(date_b))
    crs = history.theatre.area_crs if history.theatre is not None else None
    ov = overlay(a, b, crs=crs).at_least(min_area_km2)
    return changed_pieces(ov, a, b, gazetteer, crs)


def inferred_km2(
    pieces: np.ndarray, km2: np.ndarray, a: ControlSnapshot, b: ControlSnapshot, crs: Any = None
) -> np.ndarray:
    """Area (km²) of each changed piece that is inferred on both dates.

    A piece's ground counts as observed when either map observes it (it lies within the
    fill's ``observed_km`` of an observation on date *a* or on date *b*); the rest of it
    is inferred. Pieces wholly outside or inside the observed ground need no overlay.
    """
    out = np.zeros(len(pieces))
    if not len(pieces):
        return out
    obs = [g for g in (a.observed_area, b.observed_area) if not g.is_empty]
    if not obs:
        return np.asarray(km2, dtype=float).copy()
    seen = obs[0] if len(obs) == 1 else shapely.union_all(obs)
    shapely.prepare(seen)
    touch = shapely.intersects(seen, pieces)
    inside = np.zeros(len(pieces), dtype=bool)
    inside[touch] = shapely.contains_properly(seen, pieces[touch])
    out[~touch] = km2[~touch]
    part = np.flatnonzero(touch & ~inside)
    if len(part):
        meter = AreaMeter(crs, None if crs is not None else bounds_of(pieces[part]))
        rest = shapely.difference(pieces[part], seen)
        out[part] = np.minimum(meter(rest), km2[part])
    return out


def _with_inferred(summary: pd.DataFrame, changes: gpd.GeoDataFrame) -> pd.DataFrame:
    """Add :data:`INFERRED_COLUMNS` to a balance: the inferred part of gains and losses."""
    gained = changes.groupby("to_faction")["inferred_km2"].sum()
    lost = changes.groupby("from_faction")["inferred_km2"].sum()
    out = summary.copy()
    out["gained_inferred_km2"] = [float(gained.get(f, 0.0)) for f in out["faction"]]
    out["lost_inferred_km2"] = [float(lost.get(f, 0.0)) for f in out["faction"]]
    return out


def _new_pockets(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    after = after.copy()
    if not len(after):
        after["new"] = np.zeros(0, dtype=bool)
    elif not len(before):
        after["new"] = True
    else:
        old = shapely.union_all(before.geometry.values)
        after["new"] = ~shapely.intersects(shapely.point_on_surface(after.geometry.values), old)
    return after[[c for c in after.columns if c != "geometry"] + ["geometry"]]


def places_changed(
    a: ControlSnapshot, b: ControlSnapshot, gazetteer: Gazetteer | PlacePoints
) -> gpd.GeoDataFrame:
    """Gazetteer places whose controller differs between two snapshots, most important first."""
    import geopandas as gpd

    places = gazetteer.to_geodataframe()
    if not len(places):
        return empty_frame(PLACE_COLUMNS)
    bounds = [
        g
        for g in (*a.areas.geometry.values, *b.areas.geometry.values)
        if g is not None and not g.is_empty
    ]
    if not bounds:
        return empty_frame(PLACE_COLUMNS)
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(bounds, dtype=object))
    xs, ys = shapely.get_x(places.geometry.values), shapely.get_y(places.geometry.values)
    inside = (xs >= minx) & (xs <= maxx) & (ys >= miny) & (ys <= maxy)
    places = places[inside]
    if not len(places):
        return empty_frame(PLACE_COLUMNS)
    fa = np.asarray(a.faction_at(xs[inside], ys[inside]), dtype=object)
    fb = np.asarray(b.faction_at(xs[inside], ys[inside]), dtype=object)
    moved = fa != fb
    sel = places[moved]
    pts = np.asarray(sel.geometry.values, dtype=object)
    seen = np.zeros(len(pts), dtype=bool)
    for obs in (a.observed_area, b.observed_area):
        if len(pts) and not obs.is_empty:
            seen |= shapely.intersects(obs, pts)
    out = gpd.GeoDataFrame(
        {
            "place_id": sel["id"].astype(str).values,
            "name": sel["name"].astype(str).values,
            "kind": sel["kind"].astype(str).values,
            "importance": sel["importance"].astype(int).values,
            "from_faction": fa[moved].astype(str),
            "to_faction": fb[moved].astype(str),
            "inferred": ~seen,
        },
        geometry=sel.geometry.values,
        crs="EPSG:4326",
    )
    return out.sort_values(
        ["inferred", "importance", "name"], ascending=[True, False, True], kind="stable"
    ).reset_index(drop=True)


def diff_dates(
    history: History,
    date_a: _dt.date | str,
    date_b: _dt.date | str,
    gazetteer: Gazetteer | PlacePoints | None = None,
    **kwargs: Any,
) -> ChangeSet:
    """:func:`diff` of a history between two dates, each taken *as of* that date.

    The maps used are the latest snapshots on or before each date
    (:meth:`frontline.store.History.at`); the ChangeSet keeps the dates asked for
    in ``date_a``/``date_b`` and the snapshots' own dates in ``snapshot_a``/``snapshot_b``.

    Raises
    ------
    InvalidDateError
        When a date is not ``YYYY-MM-DD``.
    SnapshotNotFoundError
        When the history has no snapshot on or before a date.
    """
    day_a, day_b = parse_date(date_a), parse_date(date_b)
    a, b = history.at(day_a), history.at(day_b)
    cs = diff(a, b, history.registry, gazetteer, history.theatre, **kwargs)
    return dataclasses.replace(cs, date_a=day_a, date_b=day_b)
