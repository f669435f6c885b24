"""Checks of faction areas whose messages say where: validity, overlaps, lon/lat and CRS.

Used by :class:`frontline.control.ControlSnapshot` (validation: :func:`check_frame`,
:func:`check_areas`) and by the import of areas drawn in a GIS
(:func:`frontline.gisimport.read_dated_areas`), which reads a file's CRS,
reprojects to EPSG:4326 and refuses coordinates that cannot be lon/lat degrees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import shapely

from frontline.errors import (
    CRSError,
    DataFileError,
    InvalidGeometryError,
    OutsideTheatreError,
    OverlapError,
)
from frontline.geo import geodesic_area_km2, looks_like_lonlat
from frontline.geojson import to_multipolygon

if TYPE_CHECKING:
    import geopandas as gpd

    from frontline.theatre import Theatre

__all__ = [
    "DEFAULT_OVERLAP_TOLERANCE_KM2",
    "OUTSIDE_TOLERANCE_KM2",
    "Describe",
    "check_areas",
    "check_frame",
    "check_lonlat",
    "check_overlaps",
    "import_crs",
    "reason_point",
    "to_lonlat",
    "where",
]

#: ``describe(lon, lat) -> str``: words for a point ("8 km NE of At Tanf").
Describe = Callable[[float, float], str]


def where(pt: shapely.Point, describe: Describe | None) -> str:
    """Words for where a problem is: the description (when it works) and the lon/lat."""
    loc = f"({pt.x:.4f}, {pt.y:.4f})"
    if describe is not None:
        try:
            return f"{describe(pt.x, pt.y)} {loc}"
        except Exception:  # noqa: BLE001 - a failed description never hides the real error
            pass
    return f"near lon/lat {loc}"


def check_overlaps(
    areas: gpd.GeoDataFrame, tolerance_km2: float, day: str, describe: Describe | None
) -> None:
    """Raise OverlapError when two factions share more than *tolerance_km2* of ground.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        One row per faction (``faction`` column), or per faction and ``basis``, EPSG:4326.
        Every pair of rows is checked, the two parts of one faction too.
    tolerance_km2 : float
        Largest accepted overlap of two areas (digitising slivers).
    day : str
        The date, for the message.
    describe : callable, optional
        Names the location of the largest overlap in the message.
    """
    # part against part: an overlay of two whole multipolygons with long shared edges costs far
    # more than the few small overlays of the parts that meet (parts of one valid area are
    # interior-disjoint, so the pieces add up to the areas' overlap)
    parts, row = shapely.get_parts(
        np.asarray(areas.geometry.values, dtype=object), return_index=True
    )
    left, right = shapely.STRtree(parts).query(parts, predicate="intersects")
    keep = row[left] < row[right]
    left, right = left[keep], right[keep]
    if not len(left):
        return
    # neighbours that only touch (interiors disjoint) need no overlay
    inner = shapely.relate_pattern(parts[left], parts[right], "T********")
    left, right = left[inner], right[inner]
    if not len(left):
        return
    inter = shapely.intersection(parts[left], parts[right])
    # interiors meeting along a line only give no area: skip those before measuring
    km2 = np.zeros(len(inter))
    polygonal = np.flatnonzero(shapely.area(inter) > 0)
    if len(polygonal):
        km2[polygonal] = geodesic_area_km2([to_multipolygon(g) for g in inter[polygonal]])
    pairs, which = np.unique(np.column_stack([row[left], row[right]]), axis=0, return_inverse=True)
    total = np.bincount(which.ravel(), weights=km2, minlength=len(pairs))
    bad = np.flatnonzero(total > tolerance_km2)
    if len(bad):
        worst = bad[np.argmax(total[bad])]
        mine = np.flatnonzero(which.ravel() == worst)
        biggest = inter[mine[np.argmax(km2[mine])]]
        fa, fb = _label(areas, int(pairs[worst, 0])), _label(areas, int(pairs[worst, 1]))
        raise OverlapError(
            f"{day}: {fa} and {fb} both claim {total[worst]:.2f} km² "
            f"{where(shapely.point_on_surface(biggest), describe)} "
            f"(tolerance {tolerance_km2} km²); decide who holds it and cut it from the other area"
        )


def _label(areas: gpd.GeoDataFrame, i: int) -> str:
    """Name a row in messages: its faction, and "(inferred)" for an inferred part."""
    name = str(areas["faction"].values[i])
    if "basis" in areas.columns and str(areas["basis"].values[i]) == "inferred":
        return f"{name} (inferred)"
    return name


def reason_point(reason: str) -> shapely.Point | None:
    """Return the point GEOS names in a :func:`shapely.is_valid_reason` text, or None."""
    import re

    m = re.search(r"\[\s*(-?[\d.]+)\s+(-?[\d.]+)", reason)
    return shapely.Point(float(m.group(1)), float(m.group(2))) if m else None


def check_lonlat(bounds: np.ndarray, label: str) -> None:
    """Raise CRSError when *bounds* (minx, miny, maxx, maxy) cannot be lon/lat degrees."""
    if not looks_like_lonlat([float(v) for v in bounds]):
        raise CRSError(
            f"{label}: coordinates {np.round(bounds, 1).tolist()} are not lon/lat degrees; "
            "the file is probably in a projected CRS. Import it with `frontline control import`, "
            "which reads the file's CRS and reprojects"
        )


def to_lonlat(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """*gdf* in EPSG:4326: reprojected, or given that CRS when it has none and looks lon/lat."""
    if gdf.crs is None:
        if len(gdf):
            check_lonlat(gdf.total_bounds, "areas without a CRS")
        return gdf.set_crs("EPSG:4326")
    if not gdf.crs.equals("EPSG:4326"):
        return gdf.to_crs("EPSG:4326")
    return gdf


def import_crs(gdf: gpd.GeoDataFrame, label: str) -> gpd.GeoDataFrame:
    """Reproject an imported layer to EPSG:4326, refusing coordinates that cannot be lon/lat."""
    if gdf.crs is None:
        bounds = gdf.total_bounds
        if not looks_like_lonlat(bounds):
            raise CRSError(
                f"{label}: the file has no CRS and its coordinates "
                f"{np.round(bounds, 1).tolist()} are not "
                "lon/lat degrees; save it with its CRS (e.g. as GeoPackage) or assign one in QGIS"
            )
        return gdf.set_crs("EPSG:4326")
    if not gdf.crs.equals("EPSG:4326"):
        try:
            gdf = gdf.to_crs("EPSG:4326")
        except Exception as exc:  # noqa: BLE001 - pyproj raises several types
            raise CRSError(
                f"{label}: cannot reproject from {gdf.crs.to_string()} to EPSG:4326 ({exc})"
            ) from None
    bounds = gdf.total_bounds
    if len(gdf) and (gdf.geometry.isna() | gdf.geometry.is_empty).all():
        raise InvalidGeometryError(
            f"{label}: no feature has a geometry (all {len(gdf)} are null or empty); draw the "
            "areas, or check that the right layer was exported"
        )
    if not np.isfinite(bounds).all():
        raise CRSError(
            f"{label}: coordinates do not fit its CRS {gdf.crs.to_string()}; "
            "check the layer's CRS in QGIS"
        )
    if not looks_like_lonlat(bounds):
        raise CRSError(
            f"{label}: its CRS is {gdf.crs.to_string()} but after reprojection the coordinates "
            f"{np.round(bounds, 1).tolist()} are not lon/lat degrees, "
            "so the declared CRS is wrong; "
            "set the layer's real CRS (QGIS: Layer > Set CRS of Layer) and save it again"
        )
    return gdf


#: Overlap between two factions' areas tolerated before it is an error, km².
DEFAULT_OVERLAP_TOLERANCE_KM2 = 0.5
#: Area a snapshot may reach outside its theatre's extent before it is an error, km².
OUTSIDE_TOLERANCE_KM2 = 1.0


def check_frame(areas: gpd.GeoDataFrame, day: str) -> None:
    """Refuse snapshot areas that are not in EPSG:4326 or whose coordinates are not lon/lat.

    Raises
    ------
    CRSError
        The message names *day* (the snapshot's date, or a file).
    """
    if areas.crs is None or not areas.crs.equals("EPSG:4326"):
        raise CRSError(f"{day}: snapshot areas must be in EPSG:4326, not {areas.crs}")
    if len(areas):
        check_lonlat(areas.total_bounds, day)


def check_areas(
    areas: gpd.GeoDataFrame,
    day: str,
    theatre: Theatre | None = None,
    overlap_tolerance_km2: float = DEFAULT_OVERLAP_TOLERANCE_KM2,
    repair: bool = False,
    describe: Describe | None = None,
    geometry_valid: bool = False,
) -> gpd.GeoDataFrame:
    """Check a snapshot's areas: confidence, validity, overlaps, inside the theatre's extent.

    What :meth:`frontline.control.ControlSnapshot.validate` checks once faction ids are
    resolved; the parameters are its own.

    Returns
    -------
    geopandas.GeoDataFrame
        *areas* itself, or a copy with invalid geometries repaired (*repair*).

    Raises
    ------
    DataFileError, InvalidGeometryError, OverlapError, OutsideTheatreError
        Each message names *day*, the faction(s) and the location.
    """
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
    return areas
