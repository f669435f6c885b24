"""The fill convention: who holds the land between observed places, and how well it is known.

A theatre's ``fill:`` setting (:class:`frontline.theatre.FillPolicy`) decides what becomes of
land that no observation speaks for directly. It is used by the build (observations →
snapshots, :mod:`frontline.build`) and by anything that imports published areas
(:func:`apply_fill`).

Method
------
* ``nearest`` — the convention of the reference maps of the Syrian and Iraqi wars ("desert
  areas with limited population are mapped as under the control of the forces holding the
  roads and towns within them"), without roads: every piece of land of a theatre country goes
  to the holder of the nearest observed place **in the same country**. The observed places of
  each country are tessellated with :func:`shapely.voronoi_polygons` in the theatre's
  equal-area projection and the cells are clipped to that country's land
  (:func:`tessellate`), so a cell never crosses an international border and a country with
  no observed place stays unknown. A place observed as contested (``unknown``) keeps its
  cell unknown.
* ``radius`` — the same cells, each cut at a radius around its place by the place's kind
  (``default_radius_km``); ground beyond every radius stays unknown.
* ``complement`` — land no source claims belongs to one faction (for one-sided published
  series, which map only the other side's ground).

Whatever the mode, ground within ``fill.observed_km`` of the observed place whose cell it is
in is ``observed``; beyond it, ground is ``inferred`` (:func:`split_basis`). The build also
reports, per snapshot, the share of held land whose support is far (more than
``fill.far_km`` from its place) or old (its observation more than ``fill.stale_days`` before
the snapshot date): :func:`support_of`, kept on the snapshot as
:class:`frontline.control.Support`.

All geometry is done in the theatre's equal-area projection (:func:`land_layers`) and taken
back to lon/lat with :func:`to_lonlat`, which densifies edges first so that neighbouring
areas bend the same way.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.control import INFERRED, OBSERVED, ControlSnapshot, Support
from frontline.factions import UNKNOWN
from frontline.geojson import to_multipolygon
from frontline.theatre import FillPolicy, Theatre

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "DENSIFY_M",
    "EDGE_DEG",
    "SAMPLE_KM",
    "LandLayers",
    "apply_fill",
    "country_of",
    "land_layers",
    "observed_fraction",
    "project",
    "split_basis",
    "support_of",
    "tessellate",
    "to_lonlat",
    "voronoi_cells",
]

#: Longest edge (m) of derived areas before they are projected back to lon/lat; keeps a
#: projected straight edge within a fraction of a metre of its lon/lat image, also at the edge
#: of a theatre the size of Syria and Iraq (5 km left slivers over a metre wide there where
#: one neighbour has a vertex on the shared edge and the other has not).
DENSIFY_M = 2500.0
#: Spacing (km) of the boundary points that stand for an area in :func:`apply_fill`'s
#: ``nearest`` mode: land goes to the area whose boundary is nearest, to within this.
SAMPLE_KM = 2.0
#: Longest edge (degrees) of the theatre's land and extent before they are projected.
EDGE_DEG = 0.05
#: Segments per quarter circle of the discs around observed places.
QUAD_SEGS = 16


# -- the theatre's land in the equal-area projection ---------------------------------------------
#: In ``complement`` mode, a piece of unclaimed land apart from the main one stays unknown when
#: it is thinner than this (km, mean width) or lies mostly along the claimed areas: a one-sided
#: series' edge and the country's border or coast are digitised independently, and the strips
#: between them would otherwise read as ground held by the other side, with a front around them.
SLIVER_KM = 2.0
#: How close (m) a piece's edge must run to a claimed area to count as lying along it.
ALONG_M = 250.0

#: The ``note`` of the inferred areas :func:`apply_fill` adds in ``complement`` mode.
COMPLEMENT_NOTE = "land no source claims (fill: complement)"
#: The ``note`` of the inferred areas :func:`apply_fill` adds in ``nearest`` mode.
NEAREST_NOTE = "nearest area in the same country (fill: nearest)"


@dataclass(frozen=True, eq=False)
class LandLayers:
    """A theatre's land in its equal-area projection, and the projectors to and from it.

    Attributes
    ----------
    fwd, inv : pyproj.Transformer
        lon/lat → projection, and back (always_xy).
    land : shapely geometry
        The theatre's land (its countries, clipped to the extent), projected.
    extent : shapely geometry
        The theatre's extent, projected (densified, so its edges follow the lon/lat box).
    countries : dict of str to geometry
        Each theatre country's land inside the extent, projected, by ISO alpha-2 code.
    land_lonlat : shapely geometry
        The theatre's land in lon/lat (densified like ``land``).
    """

    fwd: Any
    inv: Any
    land: shapely.Geometry
    extent: shapely.Geometry
    countries: dict[str, shapely.Geometry]
    land_lonlat: shapely.Geometry


@functools.lru_cache(maxsize=8)
def land_layers(theatre: Theatre) -> LandLayers:
    """Return the theatre's projected land, extent and per-country land (cached per theatre)."""
    import pyproj

    crs = theatre.area_crs
    fwd = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    inv = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    # densified in lon/lat first: the extent's edges are parallels and meridians, which are
    # curves in the projection, and land cut by them must stay inside the extent
    land = shapely.segmentize(theatre.land(), EDGE_DEG)
    countries = theatre.countries_gdf()
    per_country = {}
    for iso, geom in zip(countries["iso_a2"], countries.geometry.values, strict=True):
        g = shapely.intersection(geom, land)  # may take the country's long edges: densify again
        if not g.is_empty and shapely.area(g) > 0:
            per_country[str(iso)] = _mended(
                project(shapely.segmentize(shapely.make_valid(g), EDGE_DEG), fwd)
            )
    ext = shapely.segmentize(theatre.extent_geometry(), EDGE_DEG)
    land_p = _mended(project(land, fwd))
    shapely.prepare([land_p, *per_country.values()])
    return LandLayers(fwd, inv, land_p, project(ext, fwd), per_country, land)


def _mended(geom: Any) -> Any:
    """Return a projected area made valid where projecting pinched it (a vertex on an edge)."""
    if shapely.is_valid(geom):
        return geom
    fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    return to_multipolygon(fixed)


def project(geom: Any, transformer: Any) -> Any:
    """Reproject geometries (one or an array) with a pyproj Transformer (always_xy), vectorised."""
    return shapely.transform(
        geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def country_of(points: np.ndarray, layers: LandLayers, given: Sequence[str] | None = None) -> Any:
    """Return the country (ISO alpha-2) of each projected point: *given*, else where it lies.

    A point whose given code is not a theatre country with land in the extent (or is empty)
    takes the country whose land contains it, else ``""``.
    """
    out = np.array(
        [str(c or "") for c in (given if given is not None else [""] * len(points))], dtype=object
    )
    missing = np.flatnonzero(~np.isin(out, list(layers.countries)))
    for iso, land in layers.countries.items():
        if not len(missing):
            break
        inside = shapely.intersects(land, points[missing])
        out[missing[inside]] = iso
        missing = missing[~inside]
    return out


# -- cells, basis and support ---------------------------------------------------------------------
def tessellate(
    points: np.ndarray,
    countries: Sequence[str],
    layers: LandLayers,
    *,
    per_country: bool = True,
    radii_m: np.ndarray | None = None,
) -> np.ndarray:
    """Return each point's share of the land: its Voronoi cell, clipped to its country's land.

    Parameters
    ----------
    points : array of Point
        Observed places, projected (distinct locations).
    countries : sequence of str
        ISO alpha-2 code of each point (see :func:`country_of`). A point in no theatre
        country gets an empty cell.
    layers : LandLayers
        The theatre's projected land.
    per_country : bool, default True
        Tessellate each country's points on their own, so that every piece of a country's
        land goes to the nearest point in that country. False: one tessellation of all points,
        clipped to the whole land (ground may go to a place across a border).
    radii_m : array of float, optional
        Cut each cell at this distance (m) from its point (the ``radius`` mode).

    Returns
    -------
    numpy.ndarray of geometry
        Projected cells, aligned with *points* (possibly empty).
    """
    n = len(points)
    cells = np.array([shapely.Polygon()] * n, dtype=object)
    codes = np.asarray(countries, dtype=object)
    groups = (
        [(layers.countries[c], np.flatnonzero(codes == c)) for c in sorted(layers.countries)]
        if per_country
        else [(layers.land, np.arange(n))]
    )
    discs = shapely.buffer(points, radii_m, quad_segs=QUAD_SEGS) if radii_m is not None else None
    for land, idx in groups:
        if len(idx):
            cells[idx] = voronoi_cells(points[idx], land, discs[idx] if discs is not None else None)
    return cells


def voronoi_cells(
    points: np.ndarray, land: shapely.Geometry, reach: np.ndarray | None = None
) -> np.ndarray:
    """Voronoi cells of projected *points* (distinct), clipped to *land* (and to *reach*)."""
    if len(points) == 1:
        part = np.array([land], dtype=object)
    else:
        b = np.concatenate([shapely.bounds(land), shapely.total_bounds(points)])
        box = shapely.box(
            min(b[0], b[4]) - 1000.0, min(b[1], b[5]) - 1000.0,
            max(b[2], b[6]) + 1000.0, max(b[3], b[7]) + 1000.0,
        )  # fmt: skip
        vor = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=box, ordered=True)
        # densified here, once: neighbouring cells then share the same vertices along their
        # common edge, and every area cut from them bends the same way back in lon/lat
        part = shapely.segmentize(np.asarray(shapely.get_parts(vor), dtype=object), DENSIFY_M)
    if reach is not None:
        part = shapely.intersection(part, reach)
    # cells well inside the land need no overlay with its (long) boundary
    edge = ~shapely.contains_properly(land, part)
    part[edge] = shapely.intersection(part[edge], land)
    return part


def split_basis(
    cells: np.ndarray, points: np.ndarray, observed_km: float
) -> tuple[np.ndarray, np.ndarray]:
    """Split projected cells into the ground near their point (observed) and the rest (inferred).

    Parameters
    ----------
    cells, points : arrays of geometry
        Aligned, projected.
    observed_km : float
        Ground within this distance of a cell's point is observed.

    Returns
    -------
    (observed, inferred) : two arrays of geometry, aligned with *cells*
    """
    if not len(cells):
        empty = np.array([], dtype=object)
        return empty, empty
    discs = shapely.buffer(points, observed_km * 1000.0, quad_segs=QUAD_SEGS)
    inside = shapely.contains_properly(discs, cells)
    observed = np.array(cells, dtype=object)
    inferred = np.array([shapely.Polygon()] * len(cells), dtype=object)
    rest = np.flatnonzero(~inside & ~shapely.is_empty(cells))
    if len(rest):
        observed[rest] = shapely.intersection(cells[rest], discs[rest])
        inferred[rest] = shapely.difference(cells[rest], discs[rest])
    return observed, inferred


def support_of(
    cells: np.ndarray,
    points: np.ndarray,
    dates: Sequence[_dt.date],
    day: _dt.date,
    policy: FillPolicy,
    unsupported: float = 0.0,
    supported: float = 0.0,
) -> Support:
    """Share of held land whose supporting observation is far or old (see :class:`Support`).

    Parameters
    ----------
    cells, points : arrays of geometry
        The held cells (``unknown`` left out) and their observed places, projected.
    dates : sequence of date
        The date of each cell's observation.
    day : date
        The snapshot date.
    policy : FillPolicy
        Gives ``far_km``, ``stale_days`` and ``observed_km``.
    unsupported : float, default 0
        Held area (m²) that no observation supports (counted as far), e.g. land a
        ``complement`` fill gives away.
    supported : float, default 0
        Held area (m²) supported otherwise (hand-drawn overrides), counted as neither.
    """
    area = shapely.area(cells) if len(cells) else np.zeros(0)
    if len(cells):
        far_geom = shapely.difference(
            cells, shapely.buffer(points, policy.far_km * 1000.0, quad_segs=QUAD_SEGS)
        )
        far = shapely.area(far_geom)
        age = np.array([(day - d).days for d in dates], dtype=float)
        old = age > policy.stale_days
    else:
        far, old = np.zeros(0), np.zeros(0, dtype=bool)
    total = float(area.sum()) + unsupported + supported
    if total <= 0:
        return Support(policy.observed_km, policy.far_km, policy.stale_days, 0.0, 0.0, 0.0)
    far_a = float(far.sum()) + unsupported
    old_a = float(area[old].sum())
    both = float(np.where(old, area, far).sum()) + unsupported
    # rounded as files keep them, so that a snapshot read back equals the one built
    return Support(
        observed_km=policy.observed_km,
        far_km=policy.far_km,
        stale_days=policy.stale_days,
        far_share=round(far_a / total, 4),
        stale_share=round(old_a / total, 4),
        share=round(both / total, 4),
    )


def to_lonlat(geoms: np.ndarray, layers: LandLayers) -> np.ndarray:
    """Take projected (multi)polygons back to lon/lat, densified first and mended after.

    A straight edge in the projection is a curve in lon/lat, and two neighbours must bend the
    same way or they overlap in slivers: edges are densified to :data:`DENSIFY_M` first.
    Reprojection can pinch nearly-touching vertices into self-intersections; those are mended
    (``buffer(0)`` when it keeps the area, else :func:`shapely.make_valid`).
    """
    if not len(geoms):
        return np.array([], dtype=object)
    out = project(shapely.segmentize(np.asarray(geoms, dtype=object), DENSIFY_M), layers.inv)
    bad = np.flatnonzero(~shapely.is_valid(out))
    if len(bad):
        mended = shapely.buffer(out[bad], 0)  # fast, exact for pinches
        lost = np.abs(shapely.area(mended) - shapely.area(out[bad])) > 1e-6 * shapely.area(out[bad])
        mended[lost] = shapely.make_valid(out[bad][lost], method="structure", keep_collapsed=False)
        out[bad] = mended
    return out


# -- filling the land around any set of areas ------------------------------------------------------
def apply_fill(
    areas: ControlSnapshot | gpd.GeoDataFrame,
    theatre: Theatre,
    policy: FillPolicy | str | None = None,
    *,
    date: _dt.date | str | None = None,
    blank: shapely.Geometry | None = None,
) -> ControlSnapshot:
    """Give the land no area claims to a faction, by the theatre's fill policy (marked inferred).

    The importer of published series uses this: a series that maps one side's ground
    (``complement``), or one that maps towns and leaves the desert blank (``nearest``).

    Parameters
    ----------
    areas : ControlSnapshot or GeoDataFrame
        Faction areas in lon/lat (a GeoDataFrame needs ``faction``; ``basis`` defaults to
        observed). They are kept as they are.
    theatre : Theatre
        Its land, countries and (by default) its ``fill`` policy.
    policy : FillPolicy or str, optional
        Another policy, or another mode of the theatre's.
    date : date or str, optional
        The snapshot date (required for a GeoDataFrame without a usable ``date``).
    blank : geometry, optional
        Ground (lon/lat) that stays unknown whatever the policy (contested places).

    Returns
    -------
    ControlSnapshot
        The given areas plus, per faction, an ``inferred`` feature for the land it is given:
        ``complement`` — all unclaimed land goes to ``policy.faction``; ``nearest`` — each
        piece of a country's unclaimed land goes to the faction whose area in that country is
        nearest (boundaries sampled every :data:`SAMPLE_KM` km); ``radius`` — nothing is
        added. A country with no area stays unknown in ``nearest`` mode.
    """
    pol = policy if isinstance(policy, FillPolicy) else theatre.fill.with_mode(policy)
    if isinstance(areas, ControlSnapshot):
        snap = areas
    else:
        if date is None:
            raise ValueError("apply_fill needs date= for a GeoDataFrame of areas")
        snap = ControlSnapshot.from_areas(date, areas, theatre=theatre.id)
    if pol.mode == "radius":
        return snap
    layers = land_layers(theatre)
    held = snap.faction_areas
    claimed_ll = list(held.values()) + ([blank] if blank is not None else [])
    if pol.mode == "complement":
        # one faction takes all the rest: a difference in lon/lat, where the claimed areas'
        # own vertices are, so the filled land meets them exactly (no projection slivers)
        assert pol.faction is not None  # FillPolicy checks it
        claimed_all = shapely.union_all(claimed_ll)
        free_ll = _without_slivers(
            shapely.difference(layers.land_lonlat, claimed_all), claimed_all, layers
        )
        if shapely.is_empty(free_ll) or shapely.area(free_ll) <= 0:
            return snap
        names = [pol.faction]
        geoms = np.array([free_ll], dtype=object)
    else:
        names, geoms = _nearest_fill(held, claimed_ll, layers)
        if not names:
            return snap
    import geopandas as gpd

    note = COMPLEMENT_NOTE if pol.mode == "complement" else NEAREST_NOTE
    added = gpd.GeoDataFrame(
        {
            "faction": names,
            "basis": [INFERRED] * len(names),
            "sources": [[] for _ in names],
            "confidence": [1.0] * len(names),
            "note": [note] * len(names),
        },
        geometry=[to_multipolygon(g) for g in geoms],
        crs="EPSG:4326",
    )
    import pandas as pd

    both = pd.concat([snap.areas, added], ignore_index=True)
    out = ControlSnapshot.from_areas(snap.date, both, theatre=snap.theatre or theatre.id)
    return out.replace(support=snap.support)


def inferred_meaning(*snapshots: ControlSnapshot) -> str:
    """Say in words how the inferred ground of *snapshots* was given (for legends and notes).

    Ground filled with ``complement`` is land the source marks as nobody else's; any other
    inferred ground went to the holder of the nearest observed place (``nearest``) or lies
    beyond an observed place's radius.

    Examples
    --------
    >>> import shapely
    >>> snap = ControlSnapshot.from_areas("2020-01-01", {"red": shapely.box(0, 0, 1, 1)})
    >>> inferred_meaning(snap)
    'ground the fill convention gives to the holder of the nearest observed place'
    """
    notes: set[str] = set()
    for snap in snapshots:
        columns, _ = snap.to_parts()
        notes |= {
            str(n) for n, b in zip(columns["note"], columns["basis"], strict=True) if b == INFERRED
        }
    if notes and notes <= {COMPLEMENT_NOTE}:
        return "land the source marks as nobody else's (fill: complement)"
    return "ground the fill convention gives to the holder of the nearest observed place"


def _without_slivers(geom: Any, claimed: Any, layers: LandLayers) -> Any:
    """Return unclaimed land (lon/lat) without the strips beside the claimed areas.

    The largest piece is kept; another piece is dropped when its mean width (2 × area /
    perimeter) is under :data:`SLIVER_KM` or when more than half of its edge runs within
    :data:`ALONG_M` of *claimed*.
    """
    parts = np.asarray(shapely.get_parts(geom), dtype=object)
    if len(parts) < 2:
        return geom
    proj = project(parts, layers.fwd)
    area, perimeter = shapely.area(proj), np.maximum(shapely.length(proj), 1e-9)
    keep = 2.0 * area / perimeter >= SLIVER_KM * 1000.0
    keep[int(np.argmax(area))] = True
    check = np.flatnonzero(keep)
    check = check[check != int(np.argmax(area))]
    if len(check) and not shapely.is_empty(claimed):
        near = shapely.buffer(shapely.boundary(project(claimed, layers.fwd)), ALONG_M)
        along = shapely.length(shapely.intersection(shapely.boundary(proj[check]), near))
        keep[check[along > 0.5 * perimeter[check]]] = False
    return shapely.MultiPolygon(list(parts[keep]))


def _nearest_fill(
    held: Mapping[str, Any], claimed_ll: list[Any], layers: LandLayers
) -> tuple[list[str], np.ndarray]:
    """Give each country's unclaimed land to the nearest area in it (`nearest`; lon/lat)."""
    claimed = (
        _mended(project(to_multipolygon(shapely.union_all(claimed_ll)), layers.fwd))
        if claimed_ll
        else shapely.Polygon()
    )
    free = shapely.difference(layers.land, claimed)
    if shapely.is_empty(free) or shapely.area(free) <= 0:
        return [], np.array([], dtype=object)
    given: dict[str, list[shapely.Geometry]] = {}
    for land in layers.countries.values():
        rest = shapely.intersection(free, land)
        if shapely.is_empty(rest) or shapely.area(rest) <= 0:
            continue
        pts, owner = _boundary_samples(held, land, layers)
        if not len(pts):
            continue  # no area in this country: its land stays unknown
        cells = voronoi_cells(pts, rest)
        for f in sorted(set(owner)):
            part = shapely.union_all(cells[owner == f])
            if not shapely.is_empty(part):
                given.setdefault(f, []).append(part)
    names = sorted(given)
    geoms = to_lonlat(np.array([shapely.union_all(given[f]) for f in names], dtype=object), layers)
    # projecting can pinch a claimed area (a vertex onto an edge) and mending it there may drop
    # a sliver of it: cut what is claimed from the filled land in lon/lat too, so no overlap
    if claimed_ll and len(geoms):
        geoms = shapely.difference(geoms, shapely.union_all(claimed_ll))
    return names, geoms


def _boundary_samples(
    held: Mapping[str, Any], land: shapely.Geometry, layers: LandLayers
) -> tuple[np.ndarray, np.ndarray]:
    """Points every :data:`SAMPLE_KM` km along each faction's area inside *land*, with owners."""
    xy_all, owners = [], []
    for f, g in held.items():
        if f == UNKNOWN:
            continue
        part = shapely.intersection(project(g, layers.fwd), land)
        if shapely.is_empty(part) or shapely.area(part) <= 0:
            continue
        xy = shapely.get_coordinates(
            shapely.segmentize(shapely.boundary(to_multipolygon(part)), SAMPLE_KM * 1000.0)
        )
        xy_all.append(xy)
        owners.append(np.full(len(xy), f, dtype=object))
    if not xy_all:
        return np.array([], dtype=object), np.array([], dtype=object)
    xy = np.concatenate(xy_all)
    owner = np.concatenate(owners)
    _, first = np.unique(np.round(xy, 3), axis=0, return_index=True)  # shared vertices once
    first = np.sort(first)
    return np.asarray(shapely.points(xy[first]), dtype=object), owner[first]


def observed_fraction(snapshot: ControlSnapshot) -> float:
    """Share of a snapshot's held land that is ``observed`` (1.0 when it holds nothing)."""
    by = snapshot.area_by_basis()
    total = sum(by.values())
    if total <= 0:
        return 1.0
    return sum(v for (_, b), v in by.items() if b == OBSERVED) / total
