"""GIS layers on disk: typed OGR fields, one layer written, layer styles, an export read back.

:func:`write_layer` writes one :class:`ExportLayer` with GDAL (through pyogrio), dates as
typed *Date* fields (:func:`field_arrays`), so QGIS's Temporal Controller can animate them.
A GeoPackage keeps QGIS's default style of each layer in its ``layer_styles`` table
(:func:`write_layer_styles`, :func:`read_layer_styles`).

A control layer exported with no edit reads back (:func:`read_control_export`) into
snapshots whose GeoJSON is byte-identical to the history's.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sqlite3
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline.control import ControlSnapshot, read_areas
from frontline.dates import parse_date
from frontline.errors import DataFileError
from frontline.geojson import to_multipolygon

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from frontline.factions import FactionRegistry
    from frontline.theatre import Theatre

__all__ = [
    "DATE_FIELDS",
    "GPKG_GEOMETRY_COLUMN",
    "GPKG_VERSION",
    "ExportLayer",
    "field_arrays",
    "read_control_export",
    "read_layer_styles",
    "write_layer",
    "write_layer_styles",
]

#: Columns written as typed Date fields wherever they appear.
DATE_FIELDS = ("date", "valid_from", "valid_to", "date_from", "date_to")
#: GeoPackage version written (GDAL's VERSION option); 1.4 needs GDAL ≥ 3.7 to open cleanly.
GPKG_VERSION = "1.3"
#: Name of the geometry column GDAL gives GeoPackage layers (used in ``layer_styles``).
GPKG_GEOMETRY_COLUMN = "geom"

# The table QGIS creates to store layer styles in a GeoPackage (same columns and types).
_LAYER_STYLES_DDL = """
CREATE TABLE IF NOT EXISTS "layer_styles" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "f_table_catalog" TEXT(256),
    "f_table_schema" TEXT(256),
    "f_table_name" TEXT(256),
    "f_geometry_column" TEXT(256),
    "styleName" TEXT(30),
    "styleQML" TEXT,
    "styleSLD" TEXT,
    "useAsDefault" BOOLEAN,
    "description" TEXT,
    "owner" TEXT(30),
    "ui" TEXT(30),
    "update_time" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)
"""


@dataclass
class ExportLayer:
    """One layer ready to write: a GeoDataFrame (EPSG:4326) and its geometry type."""

    name: str
    frame: gpd.GeoDataFrame
    geometry_type: str
    description: str = ""


# -- turning a GeoDataFrame into typed OGR fields -------------------------------------------------
def _is_listlike(v: Any) -> bool:
    return isinstance(v, list | tuple | set | np.ndarray)


def _text(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if _is_listlike(v):
        return json.dumps([str(x) for x in v], ensure_ascii=False)
    if isinstance(v, _dt.date):
        return v.isoformat()
    return str(v)


def _to_dates(values: Iterable[Any]) -> np.ndarray:
    out: list[np.datetime64] = []
    for v in values:
        if (
            v is None
            or (isinstance(v, float) and v != v)
            or (hasattr(v, "isnat") and v.isnat())
            or str(v) in ("NaT", "")
        ):
            out.append(np.datetime64("NaT", "D"))
        else:
            out.append(
                np.datetime64(
                    parse_date(v if isinstance(v, _dt.date) else str(v)[:10]).isoformat(), "D"
                )
            )
    return np.array(out, dtype="datetime64[D]")


def field_arrays(frame: pd.DataFrame) -> tuple[list[str], list[np.ndarray]]:
    """Column names and typed numpy arrays for OGR.

    Dates → ``datetime64[D]`` (Date fields), numbers and booleans as they are, lists → JSON
    text, everything else → text (None = null).
    """
    import geopandas as gpd
    import pandas as pd

    names, arrays = [], []
    geom_name = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    for col in frame.columns:
        if col == geom_name:
            continue
        s = frame[col]
        if col in DATE_FIELDS or pd.api.types.is_datetime64_any_dtype(s.dtype):
            arr = _to_dates(s.tolist())
        elif pd.api.types.is_bool_dtype(s.dtype) and not s.isna().any():
            arr = s.to_numpy(dtype=bool)
        elif pd.api.types.is_integer_dtype(s.dtype):
            arr = (
                s.to_numpy(dtype=np.int64)
                if not s.isna().any()
                else s.to_numpy(dtype=float, na_value=np.nan)
            )
        elif pd.api.types.is_float_dtype(s.dtype):
            arr = s.to_numpy(dtype=float, na_value=np.nan)
        else:
            arr = np.array([_text(v) for v in s.tolist()], dtype=object)
        names.append(str(col))
        arrays.append(arr)
    return names, arrays


def _geometries(frame: gpd.GeoDataFrame, geometry_type: str) -> np.ndarray:
    import shapely

    geoms = np.asarray(frame.geometry.values, dtype=object)
    if geometry_type == "MultiPolygon":
        geoms = np.array(
            [to_multipolygon(g) if g is not None else None for g in geoms], dtype=object
        )
    elif geometry_type == "MultiLineString":
        geoms = np.array([_to_multiline(g) for g in geoms], dtype=object)
    return shapely.to_wkb(geoms) if len(geoms) else np.array([], dtype=object)


def _to_multiline(g: Any) -> Any:
    import shapely

    if g is None or isinstance(g, shapely.MultiLineString):
        return g
    if isinstance(g, shapely.LineString):
        return shapely.MultiLineString([g])
    parts = [
        p
        for p in shapely.get_parts(shapely.line_merge(g) if not g.is_empty else g)
        if isinstance(p, shapely.LineString)
    ]
    return shapely.MultiLineString(parts)


def write_layer(
    path: str | os.PathLike[str],
    layer: ExportLayer,
    driver: str,
    *,
    dataset_options: dict[str, str] | None = None,
    layer_options: dict[str, str] | None = None,
) -> None:
    """Write one layer with GDAL (through pyogrio), date columns as typed Date fields."""
    import pyogrio.raw

    frame = layer.frame
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    names, arrays = field_arrays(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # GDAL notes on unsupported options
        pyogrio.raw.write(
            str(path),
            _geometries(frame, layer.geometry_type),
            arrays,
            fields=names,
            layer=layer.name,
            driver=driver,
            geometry_type=layer.geometry_type,
            crs="EPSG:4326",
            encoding="UTF-8",
            dataset_options=dataset_options or None,
            layer_options=layer_options or None,
        )


# -- GeoPackage layer styles ---------------------------------------------------------------------
def write_layer_styles(
    path: str | os.PathLike[str],
    styles: dict[str, str],
    *,
    owner: str = "frontline",
    update_time: str | None = None,
) -> None:
    """Store QML styles as the default style of GeoPackage layers (QGIS's ``layer_styles`` table).

    The table is created as QGIS creates it and registered in ``gpkg_contents`` as an
    ``attributes`` table. An existing default style of the same layer is replaced.

    Parameters
    ----------
    path : path-like
        The GeoPackage.
    styles : dict
        Layer (table) name → QML text.
    owner : str
        The ``owner`` column.
    update_time : str, optional
        ISO timestamp for ``update_time`` (default: now, UTC).
    """
    stamp = update_time or _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    con = sqlite3.connect(str(path))
    try:
        with con:
            con.execute(_LAYER_STYLES_DDL)
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents"
                " (table_name, data_type, identifier, description, last_change)"
                " VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles', ?)",
                (stamp,),
            )
            for table, qml in styles.items():
                row = con.execute(
                    "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (table,)
                ).fetchone()
                geom_col = row[0] if row else ""
                con.execute(
                    "DELETE FROM layer_styles WHERE f_table_name = ? AND styleName = ?",
                    (table, table),
                )
                con.execute(
                    "UPDATE layer_styles SET useAsDefault = 0 WHERE f_table_name = ?", (table,)
                )
                con.execute(
                    "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name,"
                    " f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description,"
                    " owner, ui, update_time)"
                    " VALUES ('', '', ?, ?, ?, ?, '', 1, ?, ?, '', ?)",
                    (
                        table,
                        geom_col,
                        table,
                        qml,
                        f"frontline default style for {table}",
                        owner,
                        stamp,
                    ),
                )
    finally:
        con.close()


def read_layer_styles(path: str | os.PathLike[str]) -> dict[str, str]:
    """Default styles of a GeoPackage: layer name → QML (empty when there is no table)."""
    con = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault ORDER BY id"
        ).fetchall()
    except sqlite3.OperationalError:
        return {}
    finally:
        con.close()
    return dict(rows)


# -- reading an export back ----------------------------------------------------------------------
# -- reading an export back ----------------------------------------------------------------------
def _resolve_control_source(path: Path, layer: str) -> tuple[Path, str | None]:
    if path.is_dir():
        for ext in (".gpkg", ".geojson", ".fgb"):
            cand = path / f"{layer}{ext}"
            if cand.is_file():
                return cand, None
        raise DataFileError(f"{path}: no {layer}.geojson / {layer}.fgb in this folder")
    if not path.is_file():
        raise DataFileError(f"{path}: file not found")
    return path, (layer if path.suffix.lower() == ".gpkg" else None)


def read_control_export(
    path: str | os.PathLike[str],
    layer: str = "control",
    registry: FactionRegistry | None = None,
    theatre: Theatre | None = None,
) -> list[ControlSnapshot]:
    """Read an exported (and possibly QGIS-edited) control layer back into snapshots.

    A thin wrapper over :func:`frontline.control.read_areas` (what ``frontline control
    import`` uses) that also accepts an export folder. Features are grouped by ``date`` (or
    ``valid_from``); areas of one faction are dissolved; ``sources`` may be a JSON list or
    ``|``-separated. With no edit, the snapshots' GeoJSON equals the history's byte for byte.

    Parameters
    ----------
    path : path-like
        A GeoPackage, a GeoJSON or FlatGeobuf file, or a GeoJSON/FlatGeobuf export folder.
    layer : str, default "control"
        Layer (GeoPackage) or file stem (folder).
    registry : FactionRegistry, optional
        Resolves faction aliases and validates.
    theatre : Theatre, optional
        Validates the extent and labels the snapshots with its id.

    Returns
    -------
    list of ControlSnapshot
        In date order.

    Raises
    ------
    DataFileError
        When the file or layer is missing, or a feature has no date or faction.
    """
    src, lyr = _resolve_control_source(Path(path), layer)
    return read_areas(src, layer=lyr, registry=registry, theatre=theatre)
