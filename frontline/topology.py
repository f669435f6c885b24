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
each other do not count. Each end of a front may run on by up to the tolerance along the
faction's boundary (boundaries are split into pieces about that long before testing).
Lengths are geodesic (WGS84).

Boundaries are split into their individual segments and tested all at once with shapely 2's
vectorised STRtree ``dwithin`` query against the opposite area's boundary segments, so the
cost grows as n log n in the number of vertices with no Python loop over vertices.

Two allied factions *touch* when their areas come within ``tolerance_km`` of each other.
A *link-up* is a pair that did not touch on the first date and touches on the second; a
*cut* is the reverse. An *encirclement* is a connected part of a faction's area whose
outer boundary lies (for at least ``min_enclosed`` of its length) within ``tolerance_km`` of
ground held by factions hostile to it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyproj
import shapely

from frontline.factions import UNKNOWN

if TYPE_CHECKING:
    import geopandas as gpd

    from frontline.control import ControlSnapshot
    from frontline.factions import FactionRegistry
    from frontline.gazetteer import Gazetteer
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


# -- projection helpers ------------------------------------------------------------------------
class Projector:
    """Forward projection of lon/lat geometries to an equal-area CRS in metres (vectorised).

    Parameters
    ----------
    crs : pyproj.CRS
        Target CRS (metres), usually :attr:`frontline.theatre.Theatre.area_crs`.
    """

    def __init__(self, crs: pyproj.CRS) -> None:
        self.crs = crs
        self._tr = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    @classmethod
    def for_geometries(cls, geoms: Sequence[shapely.Geometry], theatre: Theatre | None = None) -> Projector:
        """The theatre's equal-area projection, or one centred on the geometries' bounds."""
        if theatre is not None:
            return cls(theatre.area_crs)
        from frontline.geo import equal_area_crs

        arr = np.asarray([g for g in geoms if g is not None and not g.is_empty], dtype=object)
        bounds = shapely.total_bounds(arr) if len(arr) else np.array([0.0, 0.0, 1.0, 1.0])
        if not np.all(np.isfinite(bounds)):
            bounds = np.array([0.0, 0.0, 1.0, 1.0])
        return cls(equal_area_crs(bounds))

    def coords(self, xy: np.ndarray) -> np.ndarray:
        """Project an (n, 2) array of lon/lat coordinates."""
        if len(xy) == 0:
            return xy.astype(float)
        x, y = self._tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    def geometry(self, geom: shapely.Geometry | np.ndarray) -> shapely.Geometry | np.ndarray:
        """Project a geometry (or an array of geometries)."""
        return shapely.transform(geom, self.coords)


def _segments(
    geom: shapely.Geometry, proj: Projector, exterior_only: bool = False, max_km: float | None = None
):
    """Boundary segments of a polygonal geometry, no longer than about *max_km* when given.

    Returns
    -------
    lonlat : ndarray (n, 2, 2)
        Segment end points in lon/lat.
    projected : ndarray of LineString
        The same segments projected (metres).
    part : ndarray of int
        Index of the polygon part each segment belongs to.
    """
    if max_km:
        # ~max_km in latitude, shorter in longitude: long straight edges are split so that only
        # the stretch near the other area is selected
        geom = shapely.segmentize(geom, max_km / 111.32)
    polys = shapely.get_parts(geom)
    if exterior_only:
        rings = shapely.get_exterior_ring(polys)
        ring_part = np.arange(len(polys))
    else:
        rings, ring_part = shapely.get_rings(polys, return_index=True)
    if len(rings) == 0:
        return np.empty((0, 2, 2)), np.empty(0, dtype=object), np.empty(0, dtype=int)
    xy, ring_idx = shapely.get_coordinates(rings, return_index=True)
    same = ring_idx[:-1] == ring_idx[1:]
    starts = np.flatnonzero(same)
    lonlat = np.stack([xy[starts], xy[starts + 1]], axis=1)
    pxy = proj.coords(xy)
    projected = shapely.linestrings(np.stack([pxy[starts], pxy[starts + 1]], axis=1))
    return lonlat, projected, ring_part[ring_idx[starts]]


def _merge_lines(lonlat_segments: np.ndarray) -> list[shapely.LineString]:
    """Merge 2-point segments (n, 2, 2) into continuous lon/lat lines."""
    if len(lonlat_segments) == 0:
        return []
    merged = shapely.line_merge(shapely.multilinestrings(shapely.linestrings(lonlat_segments)))
    return [g for g in shapely.get_parts(merged) if not g.is_empty]


def _projected_segments(projected: shapely.Geometry) -> np.ndarray:
    """Boundary segments (LineStrings) of an already projected polygonal geometry."""
    rings = shapely.get_rings(shapely.get_parts(projected))
    if not len(rings):
        return np.empty(0, dtype=object)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    s = np.flatnonzero(ring[:-1] == ring[1:])
    return shapely.linestrings(np.stack([xy[s], xy[s + 1]], axis=1))


class _Near:
    """Vectorised "within tolerance of these areas" test for many segments.

    An STRtree over the areas' own boundary segments answers ``dwithin`` for every segment
    at once; segments not near any boundary but lying inside an area (an overlap wider than
    the tolerance) are caught by a prepared ``intersects``.
    """

    def __init__(self, areas: Sequence[shapely.Geometry]) -> None:
        self.areas = [g for g in areas if g is not None and not g.is_empty]
        for g in self.areas:
            shapely.prepare(g)
        segs = [_projected_segments(g) for g in self.areas]
        self.segments = np.concatenate(segs) if segs else np.empty(0, dtype=object)
        self.tree = shapely.STRtree(self.segments)

    def __call__(self, segments: np.ndarray, tolerance_m: float) -> np.ndarray:
        near = np.zeros(len(segments), dtype=bool)
        if not len(segments) or not len(self.segments):
            return near
        # nearest-neighbour search bounded by the tolerance: one answer per segment
        hit, _ = self.tree.query_nearest(segments, max_distance=tolerance_m, all_matches=False)
        near[hit] = True
        for g in self.areas:
            rest = np.flatnonzero(~near)
            if not len(rest):
                break
            near[rest] = shapely.intersects(segments[rest], g)
        return near


def _contact(
    a_geom: shapely.Geometry,
    near: _Near,
    proj: Projector,
    tolerance_m: float,
) -> list[shapely.LineString]:
    """Lines of *a_geom*'s boundary within *tolerance_m* of the areas tested by *near*."""
    lonlat, projected, _ = _segments(a_geom, proj, max_km=max(tolerance_m / 1000.0, 0.05))
    if not len(projected):
        return []
    return _merge_lines(lonlat[near(projected, tolerance_m)])


def _empty(columns: list[str]) -> gpd.GeoDataFrame:
    import geopandas as gpd

    data = {c: [] for c in columns if c != "geometry"}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


def _faction_geometries(snapshot: ControlSnapshot) -> dict[str, shapely.Geometry]:
    areas = snapshot.areas
    out = {}
    for faction, geom in zip(areas["faction"].astype(str), areas.geometry.values, strict=True):
        if geom is not None and not geom.is_empty:
            out[faction] = geom
    return out


def _order(registry: FactionRegistry | None, factions: Sequence[str]) -> list[str]:
    """Factions in registry order (unknown ones after, alphabetically)."""
    rank = {f: i for i, f in enumerate(registry.ids)} if registry is not None else {}
    return sorted(factions, key=lambda f: (rank.get(f, len(rank)), f))


# -- describing places ---------------------------------------------------------------------------
def lonlat_text(lon: float, lat: float) -> str:
    """Coordinates as words when no gazetteer is available: ``"33.506°N 38.618°E"``."""
    return f"{abs(lat):.3f}°{'N' if lat >= 0 else 'S'} {abs(lon):.3f}°{'E' if lon >= 0 else 'W'}"


def locator(gazetteer: Gazetteer | None) -> Callable[[float, float], str]:
    """A function ``(lon, lat) -> words`` for locations in reports.

    With a gazetteer, the point is described from the nearest *notable* place: the nearest
    curated place or town/city (``importance >= 2``), whichever is closer, so that reports
    say "12 km N of At Tanf" rather than naming an obscure hamlet; without one, the
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
            cache[key] = min(cands, key=lambda r: r.distance_km).text if cands else lonlat_text(lon, lat)
        return cache[key]

    return describe


# -- front lines ---------------------------------------------------------------------------------
def front_lines(
    snapshot: ControlSnapshot,
    registry: FactionRegistry,
    tolerance_km: float = DEFAULT_TOLERANCE_KM,
    min_length_km: float = DEFAULT_MIN_LENGTH_KM,
    theatre: Theatre | None = None,
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
    >>> reg = FactionRegistry([Faction("a", "A", "#ff0000", "a"), Faction("b", "B", "#0000ff", "b")],
    ...                       [SideRelation("a", "b", "hostile")])
    >>> snap = ControlSnapshot.from_areas("2017-06-01", {"a": box(38, 33, 38.5, 33.5), "b": box(38.5, 33, 39, 33.5)})
    >>> fl = front_lines(snap, reg)
    >>> fl[["faction_a", "faction_b"]].values.tolist(), round(float(fl.length_km.iloc[0]))
    ([['a', 'b']], 57)
    """
    geoms = _faction_geometries(snapshot)
    factions = _order(registry, list(geoms))
    if len(factions) < 2:
        return _empty(FRONT_COLUMNS)
    proj = Projector.for_geometries(list(geoms.values()), theatre)
    projected = {f: proj.geometry(geoms[f]) for f in factions}
    tol = tolerance_km * 1000.0
    arr = np.array([projected[f] for f in factions], dtype=object)
    tree = shapely.STRtree(arr)
    left, right = tree.query(arr, predicate="dwithin", distance=tol)
    rows = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        fa, fb = factions[i], factions[j]
        if not registry.is_hostile(fa, fb, on=snapshot.date):
            continue
        lines = _contact(geoms[fa], _Near([projected[fb]]), proj, tol)
        lines = _drop_short(lines, min_length_km)
        if lines:
            geom = shapely.MultiLineString(lines)
            rows.append((fa, fb, float(_length_km(geom)), geom))
    return _frame(FRONT_COLUMNS, rows)


def _length_km(geom: shapely.Geometry) -> float:
    from frontline.geo import geodesic_length_km

    return float(geodesic_length_km(geom))


def _drop_short(lines: list[shapely.LineString], min_length_km: float) -> list[shapely.LineString]:
    if min_length_km <= 0 or not lines:
        return lines
    from frontline.geo import geodesic_length_km

    km = geodesic_length_km(np.asarray(lines, dtype=object))
    return [g for g, k in zip(lines, km, strict=True) if k >= min_length_km]


def _frame(columns: list[str], rows: list[tuple]) -> gpd.GeoDataFrame:
    import geopandas as gpd

    if not rows:
        return _empty(columns)
    data = {c: [r[k] for r in rows] for k, c in enumerate(columns) if c != "geometry"}
    return gpd.GeoDataFrame(data, geometry=[r[-1] for r in rows], crs="EPSG:4326")


# -- link-ups and cuts ---------------------------------------------------------------------------
def contacts(
    snapshot: ControlSnapshot,
    pairs: Sequence[tuple[str, str]],
    tolerance_km: float = DEFAULT_TOLERANCE_KM,
    proj: Projector | None = None,
) -> dict[tuple[str, str], shapely.Point]:
    """Which of the given faction pairs touch (within tolerance), and where.

    Returns
    -------
    dict
        ``(a, b) -> Point`` (lon/lat) for every pair whose areas come within
        ``tolerance_km``; the point is the middle of their longest stretch of contact.
    """
    geoms = _faction_geometries(snapshot)
    if proj is None:
        proj = Projector.for_geometries(list(geoms.values()))
    tol = tolerance_km * 1000.0
    projected: dict[str, shapely.Geometry] = {}
    out: dict[tuple[str, str], shapely.Point] = {}
    for fa, fb in pairs:
        if fa not in geoms or fb not in geoms:
            continue
        for f in (fa, fb):
            if f not in projected:
                projected[f] = proj.geometry(geoms[f])
        if not shapely.dwithin(projected[fa], projected[fb], tol):
            continue
        lines = _contact(geoms[fa], _Near([projected[fb]]), proj, tol)
        if lines:
            km = [_length_km(g) for g in lines]
            longest = lines[int(np.argmax(km))]
            out[(fa, fb)] = shapely.line_interpolate_point(longest, 0.5, normalized=True)
        else:  # a corner touching: the middle of the shortest line between them
            out[(fa, fb)] = shapely.line_interpolate_point(
                shapely.shortest_line(geoms[fa], geoms[fb]), 0.5, normalized=True
            )
    return out


def link_ups(
    a: ControlSnapshot,
    b: ControlSnapshot,
    registry: FactionRegistry,
    gazetteer: Gazetteer | None = None,
    tolerance_km: float = DEFAULT_TOLERANCE_KM,
    theatre: Theatre | None = None,
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
    ga, gb = _faction_geometries(a), _faction_geometries(b)
    proj = Projector.for_geometries([*ga.values(), *gb.values()], theatre)
    where = locator(gazetteer)
    present_a, present_b = set(ga), set(gb)
    pairs_b = [p for p in _allied_pairs(registry, present_b, b.date)]
    pairs_a = [p for p in _allied_pairs(registry, present_a, a.date)]
    touch_a = contacts(a, sorted(set(pairs_a) | set(pairs_b)), tolerance_km, proj)
    touch_b = contacts(b, sorted(set(pairs_a) | set(pairs_b)), tolerance_km, proj)
    rows = []
    for pair in pairs_b:
        if pair in touch_b and pair not in touch_a:
            pt = touch_b[pair]
            mover, other = _mover(pair, pt, ga)
            loc = where(pt.x, pt.y)
            text = f"{registry.get(mover).label} link up with {registry.get(other).label} {_phrase(loc)}"
            rows.append(("link-up", mover, other, b.date.isoformat(), loc, text, pt))
    for pair in pairs_a:
        if pair in touch_a and pair not in touch_b:
            pt = touch_a[pair]
            fa, fb = pair
            loc = where(pt.x, pt.y)
            text = f"Link between {registry.get(fa).label} and {registry.get(fb).label} cut {_phrase(loc)}"
            rows.append(("cut", fa, fb, a.date.isoformat(), loc, text, pt))
    return _frame(LINK_COLUMNS, rows)


def _phrase(location: str) -> str:
    """Location words ready to follow a verb: "8 km NE of X", "at X", "near 33.5°N 38.6°E"."""
    if location.startswith("at ") or " of " in location:
        return location
    return f"near {location}"


def _allied_pairs(registry: FactionRegistry, present: set[str], on: _dt.date) -> list[tuple[str, str]]:
    ids = _order(registry, [f for f in present if f != UNKNOWN])
    return [(x, y) for i, x in enumerate(ids) for y in ids[i + 1 :] if registry.is_allied(x, y, on=on)]


def _mover(pair: tuple[str, str], pt: shapely.Point, before: dict[str, shapely.Geometry]) -> tuple[str, str]:
    """Order a pair so that the faction that advanced to the contact comes first."""
    fa, fb = pair
    da = shapely.distance(pt, before[fa]) if fa in before else np.inf
    db = shapely.distance(pt, before[fb]) if fb in before else np.inf
    return (fb, fa) if db > da else (fa, fb)


# -- encirclements -------------------------------------------------------------------------------
def encirclements(
    snapshot: ControlSnapshot,
    registry: FactionRegistry,
    gazetteer: Gazetteer | None = None,
    tolerance_km: float = DEFAULT_TOLERANCE_KM,
    min_enclosed: float = DEFAULT_MIN_ENCLOSED,
    min_area_km2: float = 1.0,
    theatre: Theatre | None = None,
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
    from frontline.geo import geodesic_area_km2

    geoms = _faction_geometries(snapshot)
    factions = _order(registry, list(geoms))
    proj = Projector.for_geometries(list(geoms.values()), theatre)
    where = locator(gazetteer)
    tol = tolerance_km * 1000.0
    projected = {f: proj.geometry(geoms[f]) for f in factions}
    rows = []
    for f in factions:
        hostile = [h for h in factions if h != f and registry.is_hostile(f, h, on=snapshot.date)]
        if not hostile:
            continue
        parts = shapely.get_parts(geoms[f])
        km2 = geodesic_area_km2(parts)
        keep = np.flatnonzero(km2 >= min_area_km2)
        if not len(keep):
            continue
        enemy = _Near([projected[h] for h in hostile])
        lonlat, seg, part = _segments(
            shapely.MultiPolygon(list(parts[keep])), proj, exterior_only=True, max_km=max(tolerance_km, 0.05)
        )
        if not len(seg):
            continue
        length = shapely.length(seg)
        near = enemy(seg, tol)
        total = np.bincount(part, weights=length, minlength=len(keep))
        faced = np.bincount(part, weights=length * near, minlength=len(keep))
        for k in np.flatnonzero(faced >= min_enclosed * np.maximum(total, 1e-9)):
            poly = parts[keep[k]]
            by = [h for h in hostile if shapely.dwithin(proj.geometry(poly), projected[h], tol)]
            pt = shapely.point_on_surface(poly)
            loc = where(pt.x, pt.y)
            text = f"{registry.get(f).label} pocket of {km2[keep[k]]:,.0f} km² surrounded {_phrase(loc)}"
            rows.append((f, ",".join(by), float(km2[keep[k]]), loc, text, poly))
    return _frame(ENCIRCLEMENT_COLUMNS, rows)
