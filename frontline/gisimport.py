"""Areas drawn or edited in a GIS, read from a file and grouped by date.

:func:`read_dated_areas` reads any vector file GDAL reads (GeoJSON, GeoPackage, Shapefile …;
any CRS, reprojected to EPSG:4326): it picks the layer, finds the faction column, checks each
feature's geometry (naming the file and the feature), maps faction names through the
registry's aliases and splits the rows by their date column (:data:`DATE_FIELDS`).
:func:`frontline.control.read_areas` turns each group into a validated
:class:`~frontline.control.ControlSnapshot`. :func:`support_in` reads the build's support
report a layer carries.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

from frontline.areacheck import import_crs, reason_point
from frontline.dates import column_dates, parse_date
from frontline.errors import DataFileError, InvalidGeometryError
from frontline.factions import UNKNOWN
from frontline.geojson import to_multipolygon
from frontline.provenance import Support

if TYPE_CHECKING:
    import geopandas as gpd

    from frontline.factions import FactionRegistry

#: Columns that give a feature's date in imported files, in order of preference
#: (``valid_from`` is what ``frontline export`` writes).
DATE_FIELDS = ("date", "valid_from")


@dataclass(frozen=True)
class DatedAreas:
    """The rows of an imported file for one date (what :func:`read_dated_areas` returns).

    Attributes
    ----------
    date : datetime.date
    areas : geopandas.GeoDataFrame
        The rows of that date in EPSG:4326, valid polygons, faction ids (or names, without a
        registry) in :attr:`faction_column`.
    faction_column : str
        The column naming each row's faction (as found in the file, e.g. ``Faction``).
    label : str
        The file (and layer) for messages.
    """

    date: _dt.date
    areas: gpd.GeoDataFrame
    faction_column: str
    label: str


def read_dated_areas(
    path: str | os.PathLike[str],
    date: _dt.date | str | None = None,
    faction_field: str = "faction",
    layer: str | int | None = None,
    registry: FactionRegistry | None = None,
    repair: bool = False,
    date_field: str | None = None,
    allow_unknown: bool = False,
) -> list[DatedAreas]:
    """Read the faction areas of a GIS file, checked feature by feature, grouped by date.

    The parameters are those of :func:`frontline.control.read_areas` (which validates each
    group as a snapshot); *registry* maps names and aliases to faction ids here.

    Returns
    -------
    list of DatedAreas
        In date order (one group when *date* is given or the file has no date column).

    Raises
    ------
    DataFileError
        Missing or unreadable file, missing faction column, several layers and none chosen,
        no rows for the date.
    CRSError
        No CRS and coordinates that are not lon/lat, or a CRS that does not match the coordinates.
    InvalidGeometryError
        Non-polygonal or invalid geometry (unless *repair*), or areas marked ``unknown``
        (unless *allow_unknown*).
    UnknownFactionError, InvalidDateError
        A faction the registry does not know; a date cell that is not a date.
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
        cells = raw.dropna().unique()
        uniq = dict(zip(cells, column_dates(cells, f"{label}: column {dcol!r}"), strict=True))
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
    return [DatedAreas(day, part, faction_field, label) for day, part in groups]


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
