"""Topology of control maps: front lines, link-ups, cuts and encirclements.

Everything here works on :class:`~frontline.control.ControlSnapshot` areas and a
:class:`~frontline.factions.FactionRegistry`; nothing is hard-coded to a theatre.

Method and tolerance
--------------------
Control areas drawn by different people (or derived from different observations) rarely
share their boundaries exactly: two hostile areas that face each other are separated by
slivers of a few hundred metres, or overlap slightly. A *front line* is therefore the part
of one faction's boundary that lies within ``tolerance_km`` of a hostile faction's area
(default :data:`DEFAULT_TOLERANCE_KM`, 0.5 km), measured in the theatre's equal-area
projection. It is traced along the boundary of the first faction of the pair (registry
order), merged into continuous lines, and pieces shorter than ``min_length_km`` (default
:data:`DEFAULT_MIN_LENGTH_KM`, 1 km) are dropped so that corners that merely brush past
each other do not count. Lengths are geodesic (WGS84).

How "within the tolerance" is decided (by the edge kernels of :mod:`frontline.edges`),
vectorised over whole boundaries (no Python loop over
vertices): boundaries are densified so that no edge is longer than half the tolerance; an edge
of one boundary is near the other area when it is also an edge of the other boundary (areas
cut from one another share their edges exactly: a lookup of hashed edge keys, by binary search
in sorted keys), or when both its end points lie within the tolerance of the other
boundary's vertices or inside the other area. So the effective tolerance is between half and
all of ``tolerance_km``, and each end of a front may run on by up to the tolerance along the
boundary. The vertex test (:meth:`Edges.within`) first compares boxes: the other boundary in
chunks of :data:`CHUNK` consecutive vertices, the tested vertices in short paths along their
own boundary; a path farther than the tolerance from every chunk is near no vertex and lies
wholly inside or outside the other area (one point-in-polygon test), and only the remaining
vertices get the exact nearest-vertex query (an STRtree over the nearby chunks' vertices).

Cost and caching: a snapshot's prepared boundaries (:class:`SnapshotTopology`: densified,
projected and hashed edges, the contacts and pockets found) are kept for the last
:data:`RECENT_MAX` snapshots, keyed on the snapshot object and checked against its geometry
objects, so a map compared with the one before and the one after it, or drawn after a diff,
is traced once; geodesic edge lengths are cached by exact end points (:class:`EdgeLengths`)
and shared by the two maps of a diff. No result depends on these caches.

Two allied factions *touch* when their areas come within ``tolerance_km`` of each other.
A *link-up* is a pair that did not touch on the first date and touches on the second; a
*cut* is the reverse. An *encirclement* is a connected part of a faction's area whose
outer boundary lies (for at least ``min_enclosed`` of its length) within ``tolerance_km`` of
ground held by factions hostile to it.
"""

from __future__ import annotations

import datetime as _dt
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.edges import CHUNK, EdgeLengths, Edges, Projector
from frontline.factions import UNKNOWN
from frontline.geo import geodesic_area_km2
from frontline.overlay import faction_geometries

if TYPE_CHECKING:
    import geopandas as gpd

    from frontline.control import ControlSnapshot
    from frontline.factions import FactionRegistry
    from frontline.gazetteer import Gazetteer
    from frontline.placepoints import PlacePoints
    from frontline.theatre import Theatre

#: Areas closer than this (km) still face each other (front) or touch (link-up).
DEFAULT_TOLERANCE_KM = 0.5
#: Front-line pieces shorter than this (km) are dropped.
DEFAULT_MIN_LENGTH_KM = 1.0
#: Share of a pocket's outer boundary that must face hostile ground to count as encircled.
DEFAULT_MIN_ENCLOSED = 0.98

FRONT_COLUMNS = ["faction_a", "faction_b", "length_km", "geometry"]
LINK_COLUMNS = ["kind", "faction_a", "faction_b", "date", "location", "text", "geometry"]
ENCIRCLEMENT_COLUMNS = ["faction", "surrounded_by", "area_km2", "location", "text", "geometry"]

__all__ = [
    "DEFAULT_MIN_ENCLOSED", "DEFAULT_MIN_LENGTH_KM", "DEFAULT_TOLERANCE_KM", "ENCIRCLEMENT_COLUMNS",
    "BORDER_KM", "FRONT_COLUMNS", "LINK_COLUMNS", "RECENT_MAX", "SnapshotTopology", "border_at",
    "clear_cache", "contacts",
    "empty_frame", "encirclements", "front_lines", "link_ups", "locator", "lonlat_text",
    "snapshot_topology",
    # kept importable from here: they live in frontline.edges
    "CHUNK", "EdgeLengths", "Edges", "Projector",
]  # fmt: skip


class SnapshotTopology:
    """Per-snapshot cache of faction boundaries (:class:`Edges`), shared by the topology queries."""

    def __init__(
        self,
        snapshot: ControlSnapshot,
        proj: Projector,
        tolerance_km: float,
        lengths: EdgeLengths | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.lengths = lengths
        self.fingerprint: tuple | None = None
        self.geoms = faction_geometries(snapshot, include_unknown=True)
        self.proj = proj
        self.tolerance_m = tolerance_km * 1000.0
        self.max_km = max(tolerance_km / 2.0, 0.025)
        self._edges: dict[str, Edges] = {}
        self._contacts: dict[tuple[str, str], tuple[list[shapely.LineString], np.ndarray]] = {}
        self._pockets: dict[tuple, list[tuple[shapely.Polygon, list[str], float]]] = {}

    def edges(self, faction: str) -> Edges:
        """Return the boundary of a faction's area (built once)."""
        if faction not in self._edges:
            self._edges[faction] = Edges(self.geoms[faction], self.proj, self.max_km, self.lengths)
        return self._edges[faction]

    def contact(self, fa: str, fb: str) -> tuple[list[shapely.LineString], np.ndarray]:
        """Lines of *fa*'s boundary within the tolerance of *fb*'s area, with lengths (km)."""
        if (fa, fb) not in self._contacts:
            ea, eb = self.edges(fa), self.edges(fb)
            if not ea.near_box(eb, self.tolerance_m):
                self._contacts[(fa, fb)] = [], np.zeros(0)
            else:
                self._contacts[(fa, fb)] = ea.lines(ea.near([eb], self.tolerance_m))
        return self._contacts[(fa, fb)]

    def pockets(
        self, f: str, hostile: list[str], min_enclosed: float, min_area_km2: float
    ) -> list[tuple[shapely.Polygon, list[str], float]]:
        """Find the parts of *f*'s area surrounded by the *hostile* factions: (polygon, by, km²).

        Kept on the snapshot's topology, so a map diffed twice (or drawn after a diff) finds
        its pockets once (see :func:`encirclements`).
        """
        key = (f, tuple(hostile), float(min_enclosed), float(min_area_km2))
        if key in self._pockets:
            return self._pockets[key]
        found: list[tuple[shapely.Polygon, list[str], float]] = []
        self._pockets[key] = found
        parts = shapely.get_parts(self.geoms[f])  # same order as the densified parts in Edges
        cand = np.flatnonzero(
            _may_be_surrounded(self.edges(f), [self.edges(h) for h in hostile], self.tolerance_m)
        )
        if not len(cand):
            return found
        km2 = geodesic_area_km2(parts[cand])
        cand, km2 = cand[km2 >= min_area_km2], km2[km2 >= min_area_km2]
        if not len(cand):
            return found
        exteriors: Any = shapely.polygons(shapely.get_exterior_ring(parts[cand]))  # an array
        edges = Edges(shapely.MultiPolygon(list(exteriors)), self.proj, self.max_km, self.lengths)
        near_each = {h: edges.near([self.edges(h)], self.tolerance_m) for h in hostile}
        near = np.logical_or.reduce(list(near_each.values()))
        seg = np.hypot(*(edges.pxy[edges.start + 1] - edges.pxy[edges.start]).T)
        total = np.bincount(edges.part, weights=seg, minlength=len(cand))
        faced = np.bincount(edges.part[near], weights=seg[near], minlength=len(cand))
        for k in np.flatnonzero((total > 0) & (faced >= min_enclosed * total)):
            by = [h for h in hostile if near_each[h][edges.part == k].any()]
            found.append((parts[cand[k]], by, float(km2[k])))
        return found


#: Topologies of the most recent snapshots (see :func:`snapshot_topology`).
_RECENT: OrderedDict[tuple, SnapshotTopology] = OrderedDict()
#: How many snapshots' topologies are kept.
RECENT_MAX = 4


def _fingerprint(snapshot: ControlSnapshot) -> tuple:
    """Return what a cached topology must still match: date, factions, geometry objects."""
    areas = snapshot.areas
    return (
        snapshot.date,
        tuple(str(f) for f in areas["faction"]),
        tuple(id(g) for g in areas.geometry.values),
    )


def clear_cache() -> None:
    """Forget the boundaries prepared for recent snapshots (benchmarks time cold runs)."""
    _RECENT.clear()


def snapshot_topology(
    snapshot: ControlSnapshot,
    tolerance_km: float = DEFAULT_TOLERANCE_KM,
    theatre: Theatre | None = None,
    cache: SnapshotTopology | None = None,
    lengths: EdgeLengths | None = None,
) -> SnapshotTopology:
    """Return the prepared boundaries of a snapshot: *cache*, else a recent one, else new ones.

    The last :data:`RECENT_MAX` snapshots' topologies are kept (keyed on the snapshot object,
    the tolerance and the theatre's CRS, and checked against the snapshot's current factions
    and geometry objects), so that the front lines of a map are traced once even when it is
    compared with the maps before and after it, or drawn after being diffed. Results never
    depend on this cache.

    Parameters
    ----------
    snapshot : ControlSnapshot
        The map.
    tolerance_km : float, default 0.5
        Front-line / contact tolerance.
    theatre : Theatre, optional
        Its equal-area projection measures the tolerance.
    cache : SnapshotTopology, optional
        Used as is when it was prepared for this snapshot and tolerance.
    lengths : EdgeLengths, optional
        Geodesic edge lengths shared with another map's topology (e.g. the other date of a
        diff), so that the edges both maps share are measured once.
    """
    tolerance_m = tolerance_km * 1000.0
    if cache is not None and cache.snapshot is snapshot and cache.tolerance_m == tolerance_m:
        return cache
    key = (id(snapshot), tolerance_m, theatre.area_crs if theatre is not None else None)
    fingerprint = _fingerprint(snapshot)
    hit = _RECENT.get(key)
    if hit is not None and hit.snapshot is snapshot and hit.fingerprint == fingerprint:
        _RECENT.move_to_end(key)
        return hit
    geoms = faction_geometries(snapshot, include_unknown=True)
    topo = SnapshotTopology(
        snapshot,
        Projector.for_geometries(list(geoms.values()), theatre),
        tolerance_km,
        lengths if lengths is not None else EdgeLengths(),
    )
    topo.fingerprint = fingerprint
    _RECENT[key] = topo
    while len(_RECENT) > RECENT_MAX:
        _RECENT.popitem(last=False)
    return topo


def empty_frame(columns: list[str]) -> gpd.GeoDataFrame:
    """Return an empty EPSG:4326 GeoDataFrame with these columns (``geometry`` last)."""
    import geopandas as gpd

    data: dict[str, list[Any]] = {c: [] for c in columns if c != "geometry"}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


def _order(registry: FactionRegistry | None, factions: Sequence[str]) -> list[str]:
    """Factions in registry order (unknown ones after, alphabetically)."""
    rank = {f: i for i, f in enumerate(registry.ids)} if registry is not None else {}
    return sorted(factions, key=lambda f: (rank.get(f, len(rank)), f))


# -- describing places ---------------------------------------------------------------------------
def lonlat_text(lon: float, lat: float) -> str:
    """Coordinates as words when no gazetteer is available: ``"33.506°N 38.618°E"``."""
    return f"{abs(lat):.3f}°{'N' if lat >= 0 else 'S'} {abs(lon):.3f}°{'E' if lon >= 0 else 'W'}"


#: A notable place farther than this (km) from a location is joined by the village nearest to
#: it, when one lies within :data:`VILLAGE_KM`: "3 km NE of Ocheretyne (16 km NW of Avdiyivka)".
FAR_NOTABLE_KM = 15.0
#: How near a village must be to anchor a location far from any notable place (km).
VILLAGE_KM = 8.0


def locator(gazetteer: Gazetteer | PlacePoints | None) -> Callable[[float, float], str]:
    """Make a function ``(lon, lat) -> words`` for locations in reports.

    With a gazetteer, the point is described from the nearest *notable* place: the nearest
    curated place or town/city (``importance >= 2``), whichever is closer, so that reports
    say "12 km N of At Tanf" rather than naming an obscure hamlet. Where the nearest notable
    place is more than :data:`FAR_NOTABLE_KM` away (open steppe, desert) and a village lies
    within :data:`VILLAGE_KM`, the village anchors the point and the notable place follows
    in brackets: "3 km NE of Ocheretyne (16 km NW of Avdiyivka)". Without a gazetteer the
    coordinates are given. Results are memoised on a ~100 m grid.
    """
    if gazetteer is None:
        return lonlat_text
    cache: dict[tuple[float, float], str] = {}

    def describe(lon: float, lat: float) -> str:
        key = (round(float(lon), 3), round(float(lat), 3))
        if key not in cache:
            cands = [
                r
                for r in (
                    gazetteer.reverse(lon, lat, curated_only=True),
                    gazetteer.reverse(lon, lat, min_importance=2),
                )
                if r is not None
            ]
            if not cands:
                r = gazetteer.reverse(lon, lat)
                cands = [r] if r is not None else []
            if not cands:
                cache[key] = lonlat_text(lon, lat)
                return cache[key]
            best = min(cands, key=lambda r: r.distance_km)
            text = best.text
            if best.distance_km > FAR_NOTABLE_KM:
                near = gazetteer.reverse(lon, lat, max_km=VILLAGE_KM)
                if near is not None and near.place.id != best.place.id:
                    text = f"{near.text} ({best.text})"
            cache[key] = text
        return cache[key]

    return describe


# -- front lines ---------------------------------------------------------------------------------
def front_lines(
    snapshot: ControlSnapshot,
    registry: FactionRegistry,
    tolerance_km: float = DEFAULT_TOLERANCE_KM,
    min_length_km: float = DEFAULT_MIN_LENGTH_KM,
    theatre: Theatre | None = None,
    cache: SnapshotTopology | None = None,
) -> gpd.GeoDataFrame:
    """Front lines: the boundaries shared by hostile factions on the snapshot's date.

    Parameters
    ----------
    snapshot : ControlSnapshot
        The map.
    registry : FactionRegistry
        Decides which pairs are hostile (``registry.relation(a, b, on=snapshot.date)``).
    tolerance_km : float, default 0.5
        Boundaries of two hostile areas that come within this distance of each other make a
        front, so slivers and small overlaps between independently drawn areas do not break
        it (see the module docstring).
    min_length_km : float, default 1.0
        Continuous front pieces shorter than this are dropped.
    theatre : Theatre, optional
        Its equal-area projection is used to measure the tolerance; otherwise a Lambert
        azimuthal equal-area projection centred on the snapshot.
    cache : SnapshotTopology, optional
        Boundaries already prepared for this snapshot (shared with other queries).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per hostile pair with a front: ``faction_a``, ``faction_b``
        (registry order), ``length_km`` (geodesic) and ``geometry`` (MultiLineString).

    Examples
    --------
    >>> from shapely import box
    >>> from frontline.control import ControlSnapshot
    >>> from frontline.factions import Faction, FactionRegistry, SideRelation
    >>> reg = FactionRegistry(
    ...     [Faction("a", "A", "#ff0000", "a"), Faction("b", "B", "#0000ff", "b")],
    ...     [SideRelation("a", "b", "hostile")],
    ... )
    >>> snap = ControlSnapshot.from_areas(
    ...     "2017-06-01", {"a": box(38, 33, 38.5, 33.5), "b": box(38.5, 33, 39, 33.5)}
    ... )
    >>> fl = front_lines(snap, reg)
    >>> fl[["faction_a", "faction_b"]].values.tolist(), round(float(fl.length_km.iloc[0]))
    ([['a', 'b']], 56)
    """
    topo = snapshot_topology(snapshot, tolerance_km, theatre, cache)
    factions = _order(registry, list(topo.geoms))
    rows = []
    for i, fa in enumerate(factions):
        for fb in factions[i + 1 :]:
            if not registry.is_hostile(fa, fb, on=snapshot.date):
                continue
            lines, km = topo.contact(fa, fb)
            keep = km >= min_length_km
            if keep.any():
                geom = shapely.MultiLineString([g for g, k in zip(lines, keep, strict=True) if k])
                rows.append((fa, fb, float(km[keep].sum()), geom))
    return _frame(FRONT_COLUMNS, rows)


def _frame(columns: list[str], rows: list[tuple]) -> gpd.GeoDataFrame:
    import geopandas as gpd

    if not rows:
        return empty_frame(columns)
    data = {c: [r[k] for r in rows] for k, c in enumerate(columns) if c != "geometry"}
    return gpd.GeoDataFrame(data, geometry=[r[-1] for r in rows], crs="EPSG:4326")


# -- link-ups and cuts ---------------------------------------------------------------------------
def contacts(
    snapshot: ControlSnapshot,
    pairs: Sequence[tuple[str, str]],
    tolerance_km: float = DEFAULT_TOLERANCE_KM,
    theatre: Theatre | None = None,
    cache: SnapshotTopology | None = None,
) -> dict[tuple[str, str], shapely.Point]:
    """Which of the given faction pairs touch (within tolerance), and where.

    Returns
    -------
    dict
        ``(a, b) -> Point`` (lon/lat) for every pair whose areas come within
        ``tolerance_km``; the point is the middle of their longest stretch of contact.
    """
    topo = snapshot_topology(snapshot, tolerance_km, theatre, cache)
    out: dict[tuple[str, str], shapely.Point] = {}
    for fa, fb in pairs:
        if fa not in topo.geoms or fb not in topo.geoms:
            continue
        lines, km = topo.contact(fa, fb)
        if lines:
            out[(fa, fb)] = shapely.line_interpolate_point(
                lines[int(np.argmax(km))], 0.5, normalized=True
            )
    return out


def link_ups(
    a: ControlSnapshot,
    b: ControlSnapshot,
    registry: FactionRegistry,
    gazetteer: Gazetteer | PlacePoints | None = None,
    tolerance_km: float = DEFAULT_TOLERANCE_KM,
    theatre: Theatre | None = None,
    caches: tuple[SnapshotTopology, SnapshotTopology] | None = None,
) -> gpd.GeoDataFrame:
    """Allied factions that came into contact between two dates (link-up), or lost it (cut).

    Parameters
    ----------
    a, b : ControlSnapshot
        The earlier and the later map (any order works; "link-up" always means: apart on
        *a*, touching on *b*).
    registry : FactionRegistry
        Alliances (a link-up uses the relation on *b*'s date, a cut the one on *a*'s).
    gazetteer : Gazetteer, optional
        Names the contact location ("8 km NE of At Tanf"); otherwise coordinates are given.
    tolerance_km : float, default 0.5
        Areas closer than this touch.
    theatre : Theatre, optional
        Its equal-area projection measures the tolerance.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 with ``kind`` ("link-up" or "cut"), ``faction_a`` (the faction that
        moved: the one whose earlier area lay farther from the contact), ``faction_b``,
        ``date`` (ISO, the date the contact exists), ``location`` (words), ``text``
        (a report's sentence, e.g. "Iraqi forces link up with Syrian army 8 km NE of
        At Tanf") and ``geometry`` (Point of contact).
    """
    ta = snapshot_topology(a, tolerance_km, theatre, caches[0] if caches else None)
    tb = snapshot_topology(b, tolerance_km, theatre, caches[1] if caches else None)
    ga = ta.geoms
    where = locator(gazetteer)
    pairs_b = _allied_pairs(registry, set(tb.geoms), b.date)
    pairs_a = _allied_pairs(registry, set(ta.geoms), a.date)
    both = sorted(set(pairs_a) | set(pairs_b))
    touch_a = contacts(a, both, tolerance_km, cache=ta)
    touch_b = contacts(b, both, tolerance_km, cache=tb)
    rows = []
    for pair in pairs_b:
        if pair in touch_b and pair not in touch_a:
            pt = touch_b[pair]
            mover, other = _mover(pair, pt, ga)
            loc = where(pt.x, pt.y)
            border = border_at(pt, theatre)
            text = f"{registry.get(mover).label} link up with {registry.get(other).label} " + (
                f"at the {border}, {loc}" if border else _phrase(loc)
            )
            rows.append(("link-up", mover, other, b.date.isoformat(), loc, text, pt))
    for pair in pairs_a:
        if pair in touch_a and pair not in touch_b:
            pt = touch_a[pair]
            fa, fb = pair
            loc = where(pt.x, pt.y)
            text = (
                f"Link between {registry.get(fa).label} and {registry.get(fb).label} cut "
                f"{_phrase(loc)}"
            )
            rows.append(("cut", fa, fb, a.date.isoformat(), loc, text, pt))
    return _frame(LINK_COLUMNS, rows)


#: A contact this close (km) to the border between two theatre countries happens "at" it.
BORDER_KM = 2.0


def border_at(pt: shapely.Point, theatre: Theatre | None, km: float = BORDER_KM) -> str | None:
    """Name the international border a point lies on ("Syria–Iraq border"), or None.

    The point is on a border when it lies within *km* of two of the theatre's countries
    (Natural Earth 10 m); distances are measured in the theatre's equal-area projection.
    """
    if theatre is None:
        return None
    names, shapes = _countries_projected(theatre)
    if not len(shapes):
        return None
    p = _to_area_crs(theatre, pt)
    d = shapely.distance(shapes, p) / 1000.0
    near = np.flatnonzero(d <= km)
    if len(near) < 2:
        return None
    two = near[np.argsort(d[near], kind="stable")[:2]]
    first, second = sorted(names[i] for i in two)
    return f"{first}–{second} border"


def _countries_projected(theatre: Theatre) -> tuple[list[str], np.ndarray]:
    key = (theatre.id, tuple(theatre.extent), tuple(theatre.countries))
    if key not in _COUNTRY_CACHE:
        gdf = theatre.countries_gdf()
        if theatre.countries:
            gdf = gdf[gdf["iso_a2"].isin(theatre.countries)]
        shapes = np.asarray([_to_area_crs(theatre, g) for g in gdf.geometry.values], dtype=object)
        shapely.prepare(shapes)
        _COUNTRY_CACHE[key] = ([str(n) for n in gdf["name"]], shapes)
    return _COUNTRY_CACHE[key]


def _to_area_crs(theatre: Theatre, geom: Any) -> Any:
    import pyproj

    tr = pyproj.Transformer.from_crs("EPSG:4326", theatre.area_crs, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


_COUNTRY_CACHE: dict[tuple, tuple[list[str], np.ndarray]] = {}


def _phrase(location: str) -> str:
    """Location words ready to follow a verb: "8 km NE of X", "at X", "near 33.5°N 38.6°E"."""
    if location.startswith("at ") or " of " in location:
        return location
    return f"near {location}"


def _allied_pairs(
    registry: FactionRegistry, present: set[str], on: _dt.date
) -> list[tuple[str, str]]:
    ids = _order(registry, [f for f in present if f != UNKNOWN])
    return [
        (x, y) for i, x in enumerate(ids) for y in ids[i + 1 :] if registry.is_allied(x, y, on=on)
    ]


def _mover(
    pair: tuple[str, str], pt: shapely.Point, before: dict[str, shapely.Geometry]
) -> tuple[str, str]:
    """Order a pair so that the faction that advanced to the contact comes first."""
    fa, fb = pair
    da = shapely.distance(pt, before[fa]) if fa in before else np.inf
    db = shapely.distance(pt, before[fb]) if fb in before else np.inf
    return (fb, fa) if db > da else (fa, fb)


# -- encirclements -------------------------------------------------------------------------------
def encirclements(
    snapshot: ControlSnapshot,
    registry: FactionRegistry,
    gazetteer: Gazetteer | PlacePoints | None = None,
    tolerance_km: float = DEFAULT_TOLERANCE_KM,
    min_enclosed: float = DEFAULT_MIN_ENCLOSED,
    min_area_km2: float = 1.0,
    theatre: Theatre | None = None,
    cache: SnapshotTopology | None = None,
) -> gpd.GeoDataFrame:
    """Pockets: connected parts of a faction's area completely surrounded by hostile ground.

    A part is encircled when at least *min_enclosed* (default 98 %) of the length of its
    outer boundary lies within *tolerance_km* of areas held by factions hostile to it (on
    the snapshot's date). Ground of unknown control or of neutral or allied factions breaks
    the ring, so a part that borders the theatre's edge or open desert is not a pocket.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326: ``faction``, ``surrounded_by`` (comma-separated faction ids),
        ``area_km2``, ``location``, ``text`` ("Islamic State pocket of 120 km² surrounded
        10 km S of Mosul"), ``geometry`` (Polygon).
    """
    topo = snapshot_topology(snapshot, tolerance_km, theatre, cache)
    factions = _order(registry, list(topo.geoms))
    where = locator(gazetteer)
    rows = []
    for f in factions:
        hostile = [h for h in factions if h != f and registry.is_hostile(f, h, on=snapshot.date)]
        if not hostile:
            continue
        for poly, by, km2 in topo.pockets(f, hostile, min_enclosed, min_area_km2):
            pt = shapely.point_on_surface(poly)
            loc = where(pt.x, pt.y)
            text = f"{registry.get(f).label} pocket of {km2:,.0f} km² surrounded {_phrase(loc)}"
            rows.append((f, ",".join(by), km2, loc, text, poly))
    return _frame(ENCIRCLEMENT_COLUMNS, rows)


def _may_be_surrounded(
    edges: Edges, hostile: list[Edges], tolerance_m: float, samples: int = 32
) -> np.ndarray:
    """Cheap rejection: parts with a sampled outer-ring point far from all hostile ground.

    *samples* vertices evenly spaced by length along each part's outer ring are tested
    against the hostile boundaries' vertices (nearest-neighbour, bounded by the tolerance) and
    areas; only the parts that pass get the exact test. Conservative: a vertex that fails here
    fails the exact test too.
    """
    n_parts = len(edges.polys)
    idx = np.flatnonzero(edges.exterior)
    if not len(idx):
        return np.zeros(n_parts, dtype=bool)
    d = edges.pxy[edges.start[idx] + 1] - edges.pxy[edges.start[idx]]
    seg = np.hypot(d[:, 0], d[:, 1])
    part = edges.part[idx]
    cum = np.cumsum(seg)
    total = np.bincount(part, weights=seg, minlength=n_parts)
    first = np.full(n_parts, -1)
    first[part[::-1]] = np.arange(len(part))[::-1]  # first exterior edge of every part
    has = first >= 0
    owner = np.repeat(np.flatnonzero(has), samples)
    base = cum[first[owner]] - seg[first[owner]]
    target = base + total[owner] * np.tile(np.arange(samples) / samples, int(has.sum()))
    pos = np.minimum(np.searchsorted(cum, target, side="right"), len(idx) - 1)
    verts = edges.start[idx[pos]]
    ok = np.zeros(len(verts), dtype=bool)
    for h in hostile:
        rest = np.flatnonzero(~ok)
        if not len(rest):
            break
        ok[rest] = h.within(edges, verts[rest], tolerance_m)
    bad = np.bincount(owner[~ok], minlength=n_parts)
    return has & (bad == 0)
