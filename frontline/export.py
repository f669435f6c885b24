"""Export a control history for QGIS and other GIS: GeoPackage, GeoJSON, FlatGeobuf, CSV.

The layers (all EPSG:4326):

``control``  (MultiPolygon)
    One feature per snapshot and faction: ``faction``, ``sources`` (JSON text list),
    ``confidence``, ``note``, ``date`` (= ``valid_from``), ``valid_from`` and ``valid_to``
    (typed *Date* fields; ``valid_to`` is the date of the next snapshot, exclusive, and null
    for the latest). QGIS reads typed dates, so its Temporal Controller animates the history.
``front_lines``  (MultiLineString)
    Boundaries between hostile factions on each date: ``faction_a``, ``faction_b``,
    ``length_km``, ``date``, ``valid_from``, ``valid_to``.
``changes``  (MultiPolygon)
    Ground that changed hands between consecutive snapshots (from :func:`frontline.diff.diff`):
    ``from_faction``, ``to_faction``, ``area_km2``, ``location``, ``date_from``, ``date_to``,
    ``valid_from`` (= ``date_to``), ``valid_to``.
``link_ups``  (Point)
    Allied factions coming into contact (``kind`` "link-up") or losing it ("cut"):
    ``faction_a``, ``faction_b``, ``location``, ``text``, ``date_from``, ``date_to``,
    ``valid_from``, ``valid_to``.
``gazetteer``  (Point)
    The places of the theatre: ``id``, ``name``, ``alt_names``, ``kind``, ``country``,
    ``precision_m``, ``source``, ``population``, ``importance``.
``observations``  (Point)
    The dated observations the history is built from (``date`` typed Date).
``places_changed``  (Point)
    Gazetteer places whose controller changed between consecutive snapshots: ``place_id``,
    ``name``, ``kind``, ``importance``, ``from_faction``, ``to_faction`` and the four dates.
``countries``  (MultiPolygon)
    Natural Earth 1:10m country borders around the theatre (public domain), for context
    in QGIS with no network.

Every GeoPackage layer carries a default QGIS style (see :mod:`frontline.qml`) in the
``layer_styles`` table, so QGIS draws it in the registry's faction colours on open. The
GeoPackage is written as version 1.3, which the GDAL 3.6 / QGIS 3.22 of long-term-support
systems open without a warning.

All writers are atomic: output goes to a temporary file in the target folder and is renamed
into place only when complete, so a failed export leaves nothing half-written behind; an
existing output is only replaced with ``overwrite=True``.

A control layer exported with no edit reads back (:func:`read_control_export`) into
snapshots whose GeoJSON is byte-identical to the history's.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import sqlite3
import tempfile
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline.build import read_observations
from frontline.control import ControlSnapshot, read_areas, to_multipolygon
from frontline.dates import parse_date
from frontline.diff import diff
from frontline.errors import DataFileError, InputError, OutputExistsError
from frontline.factions import FactionRegistry
from frontline.gazetteer import Gazetteer
from frontline.geo import geodesic_area_km2
from frontline.qml import style_for
from frontline.store import HISTORY_COLUMNS, History, snapshot_frame
from frontline.timeline import timeline
from frontline.topology import front_lines, link_ups

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from frontline.theatre import Theatre

#: Layer names, in the order they are written.
LAYERS = (
    "control",
    "front_lines",
    "changes",
    "places_changed",
    "link_ups",
    "gazetteer",
    "observations",
    "countries",
)
#: What can be exported: the layers plus the CSV-only ``timeline`` table.
EXPORTABLE = (*LAYERS, "timeline")
#: Geometry type of each layer.
GEOMETRY_TYPES = {
    "control": "MultiPolygon",
    "front_lines": "MultiLineString",
    "changes": "MultiPolygon",
    "places_changed": "Point",
    "link_ups": "Point",
    "gazetteer": "Point",
    "observations": "Point",
    "countries": "MultiPolygon",
}
#: Columns written as typed Date fields wherever they appear.
DATE_FIELDS = ("date", "valid_from", "valid_to", "date_from", "date_to")
#: Export formats.
FORMATS = ("gpkg", "geojson", "fgb", "csv")
#: GeoPackage version written (GDAL's VERSION option); 1.4 needs GDAL ≥ 3.7 to open cleanly.
GPKG_VERSION = "1.3"
#: Name of the geometry column GDAL gives GeoPackage layers (used in ``layer_styles``).
GPKG_GEOMETRY_COLUMN = "geom"

_CONTROL_COLUMNS = HISTORY_COLUMNS

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


@dataclass
class ExportResult:
    """What an export wrote.

    Attributes
    ----------
    format : str
        ``gpkg``, ``geojson``, ``fgb`` or ``csv``.
    path : Path
        The GeoPackage file, or the folder of per-layer files.
    files : list of Path
        Every file written.
    layers : dict
        Layer name → feature count.
    skipped : dict
        Layer name → why it was not written (a missing module, no gazetteer, …).
    """

    format: str
    path: Path
    files: list[Path] = field(default_factory=list)
    layers: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary."""
        return {
            "format": self.format,
            "path": str(self.path),
            "files": [str(p) for p in self.files],
            "layers": dict(self.layers),
            "skipped": dict(self.skipped),
        }


# -- collecting the layers -----------------------------------------------------------------------
def _registry_of(history: History) -> FactionRegistry | None:
    if history.registry is not None:
        return history.registry
    if history.theatre is not None:
        try:
            return FactionRegistry.load(history.theatre.data_dir)
        except InputError:
            return None
    return None


def _gdf(columns: dict[str, Any], geometry: Sequence[Any]) -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.GeoDataFrame(
        columns, geometry=gpd.GeoSeries(list(geometry), crs="EPSG:4326"), crs="EPSG:4326"
    )


def _dated(frame: gpd.GeoDataFrame, **dates: _dt.date | None) -> gpd.GeoDataFrame:
    out = frame.copy()
    for k, v in dates.items():
        out[k] = [v] * len(out)
    return out


def _concat(frames: list[gpd.GeoDataFrame], columns: list[str]) -> gpd.GeoDataFrame:
    import pandas as pd

    frames = [f for f in frames if len(f)]
    if not frames:
        return _gdf({c: [] for c in columns}, [])
    out = pd.concat(frames, ignore_index=True)
    cols = [c for c in columns if c in out.columns] + [
        c for c in out.columns if c not in columns and c != out.geometry.name
    ]
    return out[[*cols, out.geometry.name]].set_crs("EPSG:4326", allow_override=True)


def _load_gazetteer(history: History, gazetteer: Gazetteer | None) -> Gazetteer | None:
    if gazetteer is not None or history.theatre is None:
        return gazetteer
    return Gazetteer.load(history.theatre.data_dir, history.theatre)


def collect_layers(
    history: History,
    gazetteer: Gazetteer | None = None,
    observations: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    layers: Iterable[str] | None = None,
    registry: FactionRegistry | None = None,
) -> tuple[dict[str, ExportLayer], dict[str, str]]:
    """Build the export layers of a history (streamed: one snapshot pair in memory at a time).

    Parameters
    ----------
    history : History
        The history to export.
    gazetteer : Gazetteer, optional
        Names locations and makes the ``gazetteer`` layer. Default: loaded from the
        history's data directory and theatre when it has one.
    observations : GeoDataFrame or path, optional
        Observations (as :func:`frontline.build.read_observations` returns them) or an
        observations CSV. Default: the theatre's observations file when it exists.
    layers : iterable of str, optional
        Subset of :data:`LAYERS` to build (default: all).
    registry : FactionRegistry, optional
        Default: the history's.

    Returns
    -------
    (dict, dict)
        Layer name → :class:`ExportLayer`, and layer name → reason for each layer skipped.
    """
    wanted = list(LAYERS) if layers is None else [n for n in LAYERS if n in set(layers)]
    unknown = set(layers or ()) - set(EXPORTABLE)
    if unknown:
        raise InputError(f"unknown layer(s) {sorted(unknown)}; choose from {', '.join(LAYERS)}")
    registry = registry or _registry_of(history)
    theatre = history.theatre
    skipped: dict[str, str] = {}

    if {"gazetteer", "changes", "places_changed", "link_ups", "observations"} & set(wanted):
        gazetteer = _load_gazetteer(history, gazetteer)

    front_fn = front_lines if "front_lines" in wanted else None
    link_fn = link_ups if "link_ups" in wanted else None
    want_diff = bool({"changes", "places_changed"} & set(wanted))
    diff_fn = diff if want_diff else None
    if "places_changed" in wanted and gazetteer is None:
        skipped["places_changed"] = "no gazetteer"
    if registry is None:
        for name in ("front_lines", "link_ups", "changes", "places_changed"):
            if name in wanted:
                skipped[name] = "no faction registry (needed for hostile/allied relations)"
        front_fn = link_fn = diff_fn = None

    dates = history.dates()
    next_of = {d: (dates[i + 1] if i + 1 < len(dates) else None) for i, d in enumerate(dates)}
    control, fronts, changes, places, links = [], [], [], [], []
    prev: ControlSnapshot | None = None
    for snap in history:
        until = next_of.get(snap.date)
        if "control" in wanted:
            control.append(snapshot_frame(snap, until))
        if front_fn is not None and registry is not None:
            fl = front_fn(snap, registry, theatre=theatre)
            fronts.append(_dated(fl, date=snap.date, valid_from=snap.date, valid_to=until))
        if prev is not None:
            span = {
                "date_from": prev.date,
                "date_to": snap.date,
                "valid_from": snap.date,
                "valid_to": until,
            }
            if diff_fn is not None:
                cs = diff_fn(prev, snap, registry, gazetteer, theatre, topology=False)
                for frame, into in ((cs.changes, changes), (cs.places_changed, places)):
                    if frame is not None:
                        into.append(
                            _dated(
                                frame.drop(columns=[c for c in frame.columns if c in span]), **span
                            )
                        )
            if link_fn is not None and registry is not None:
                lu = link_fn(prev, snap, registry, gazetteer, theatre=theatre)
                lu = lu.drop(columns=[c for c in ("date",) if c in lu.columns])
                links.append(_dated(lu, **span))
        prev = snap

    out: dict[str, ExportLayer] = {}
    tname = theatre.name if theatre is not None else (history.theatre_id or "")
    suffix = f" — {tname}" if tname else ""
    if "control" in wanted:
        out["control"] = ExportLayer(
            "control",
            _concat(control, _CONTROL_COLUMNS),
            "MultiPolygon",
            f"Control areas per faction and date{suffix}",
        )
    if front_fn is not None:
        cols = ["faction_a", "faction_b", "length_km", "date", "valid_from", "valid_to"]
        out["front_lines"] = ExportLayer(
            "front_lines",
            _concat(fronts, cols),
            "MultiLineString",
            f"Front lines between hostile factions{suffix}",
        )
    if diff_fn is not None and "changes" in wanted:
        cols = [
            "from_faction",
            "to_faction",
            "area_km2",
            "location",
            "date_from",
            "date_to",
            "valid_from",
            "valid_to",
        ]
        out["changes"] = ExportLayer(
            "changes",
            _concat(changes, cols),
            "MultiPolygon",
            f"Ground that changed hands between snapshots{suffix}",
        )
    if diff_fn is not None and "places_changed" in wanted and "places_changed" not in skipped:
        cols = ["place_id", "name", "kind", "importance", "from_faction", "to_faction"]
        cols += ["date_from", "date_to", "valid_from", "valid_to"]
        out["places_changed"] = ExportLayer(
            "places_changed",
            _concat(places, cols),
            "Point",
            f"Places whose controller changed between snapshots{suffix}",
        )
    if link_fn is not None:
        cols = [
            "kind",
            "faction_a",
            "faction_b",
            "location",
            "text",
            "date_from",
            "date_to",
            "valid_from",
            "valid_to",
        ]
        out["link_ups"] = ExportLayer(
            "link_ups",
            _concat(links, cols),
            "Point",
            f"Link-ups and cuts between allied factions{suffix}",
        )
    if "gazetteer" in wanted:
        if gazetteer is None:
            skipped["gazetteer"] = "no gazetteer (the history has no theatre)"
        else:
            out["gazetteer"] = ExportLayer(
                "gazetteer", gazetteer.to_geodataframe(), "Point", f"Places{suffix}"
            )
    if "observations" in wanted:
        obs = _observations(observations, theatre, registry, gazetteer, skipped)
        if obs is not None:
            out["observations"] = ExportLayer(
                "observations", obs, "Point", f"Dated control observations{suffix}"
            )
    if "countries" in wanted:
        if theatre is None:
            skipped["countries"] = "the history has no theatre"
        else:
            out["countries"] = ExportLayer(
                "countries",
                theatre.countries_gdf(),
                "MultiPolygon",
                "Country borders: Natural Earth 1:10m admin-0 (public domain)",
            )
    return out, skipped


def _observations(observations, theatre, registry, gazetteer, skipped) -> gpd.GeoDataFrame | None:
    import geopandas as gpd

    if isinstance(observations, gpd.GeoDataFrame):
        return observations
    path = Path(observations) if observations is not None else None
    explicit = path is not None
    if path is None:
        if theatre is None or not Path(theatre.observations_path).is_file():
            skipped["observations"] = "no observations file"
            return None
        path = Path(theatre.observations_path)
    if registry is None or gazetteer is None:
        skipped["observations"] = "reading observations needs a faction registry and a gazetteer"
        return None
    try:
        return read_observations(path, registry, gazetteer, theatre)
    except DataFileError as exc:
        if explicit:
            raise
        # the theatre's own file is read on the side: report its problems, export the rest
        text = " ".join(str(exc).split())
        skipped["observations"] = (text[:400] + " …" if len(text) > 400 else text) + (
            " (fix the file; `frontline control build` lists every problem)"
        )
        return None


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
    out = []
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


# -- atomic outputs ------------------------------------------------------------------------------
def _check_free(paths: Iterable[Path], overwrite: bool) -> None:
    if overwrite:
        return
    for p in paths:
        if p.exists():
            raise OutputExistsError(f"{p} exists; pass overwrite=True (--overwrite) to replace it")


def _commit_file(tmp: Path, dest: Path, overwrite: bool) -> None:
    if overwrite:
        os.replace(tmp, dest)
        return
    try:
        os.link(tmp, dest)  # atomic, and fails if dest appeared meanwhile
    except FileExistsError:
        raise OutputExistsError(
            f"{dest} exists; pass overwrite=True (--overwrite) to replace it"
        ) from None
    os.unlink(tmp)


class _StagingDir:
    """A temporary folder inside the target folder; removed on exit, whatever happens."""

    def __init__(self, target: Path) -> None:
        target.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=".frontline-export-", dir=target))

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _commit_folder(
    staging: Path, folder: Path, names: Sequence[str], overwrite: bool
) -> list[Path]:
    _check_free([folder / n for n in names], overwrite)
    out = []
    for n in names:
        _commit_file(staging / n, folder / n, overwrite)
        out.append(folder / n)
    return out


# -- GeoPackage ----------------------------------------------------------------------------------
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


def _styles(layers: dict[str, ExportLayer], registry: FactionRegistry | None) -> dict[str, str]:
    out = {}
    for name, layer in layers.items():
        facs: set[str] = set()
        for col in ("faction", "to_faction"):
            if col in layer.frame.columns:
                facs.update(str(v) for v in layer.frame[col].dropna().unique())
        qml = style_for(name, registry, facs)
        if qml is not None:
            out[name] = qml
    return out


def export_gpkg(
    history: History,
    path: str | os.PathLike[str],
    gazetteer: Gazetteer | None = None,
    observations: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    layers: Iterable[str] | None = None,
    styles: bool = True,
) -> ExportResult:
    """Write the history as one GeoPackage (1.3) with a default QGIS style per layer.

    Parameters
    ----------
    history : History
        The history to export.
    path : path-like
        The ``.gpkg`` file to write.
    gazetteer, observations, layers
        See :func:`collect_layers`.
    overwrite : bool, default False
        Replace an existing file.
    styles : bool, default True
        Store the QML styles in ``layer_styles``.

    Returns
    -------
    ExportResult

    Raises
    ------
    OutputExistsError
        When *path* exists and *overwrite* is False (checked before any work).

    Examples
    --------
    >>> from frontline.store import ControlHistory
    >>> export_gpkg(ControlHistory.load("syria-iraq-2017"), "out/frontline.gpkg")  # doctest: +SKIP
    """
    dest = Path(path)
    if dest.suffix.lower() != ".gpkg":
        raise InputError(f"{dest}: a GeoPackage file name ends in .gpkg")
    _check_free([dest], overwrite)
    built, skipped = collect_layers(history, gazetteer, observations, layers)
    if not built:
        raise InputError(
            "nothing to export: every layer was skipped ("
            + "; ".join(f"{k}: {v}" for k, v in skipped.items())
            + ")"
        )
    result = ExportResult(
        "gpkg", dest, [dest], {n: len(lay.frame) for n, lay in built.items()}, skipped
    )
    with _StagingDir(dest.parent) as tmpdir:
        tmp = tmpdir / dest.name
        first = True
        for layer in built.values():
            write_layer(
                tmp,
                layer,
                "GPKG",
                dataset_options={"VERSION": GPKG_VERSION} if first else None,
                layer_options={"DESCRIPTION": layer.description, "IDENTIFIER": layer.name},
            )
            first = False
        if styles:
            write_layer_styles(tmp, _styles(built, _registry_of(history)))
        _commit_file(tmp, dest, overwrite)
    return result


# -- one file per layer --------------------------------------------------------------------------
def _export_folder(
    fmt: str,
    suffix: str,
    driver: str,
    layer_options: dict[str, str],
    history,
    folder,
    gazetteer,
    observations,
    overwrite,
    layers,
    qml_sidecars,
) -> ExportResult:
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(
            f"{folder} is a file; {fmt} export writes one file per layer into a folder"
        )
    built, skipped = collect_layers(history, gazetteer, observations, layers)
    names = [f"{n}{suffix}" for n in built]
    styles = _styles(built, _registry_of(history)) if qml_sidecars else {}
    names += [f"{n}.qml" for n in built if n in styles]
    _check_free([folder / n for n in names], overwrite)
    result = ExportResult(fmt, folder, [], {n: len(lay.frame) for n, lay in built.items()}, skipped)
    with _StagingDir(folder) as tmpdir:
        for name, layer in built.items():
            write_layer(tmpdir / f"{name}{suffix}", layer, driver, layer_options=layer_options)
            if name in styles:
                (tmpdir / f"{name}.qml").write_text(styles[name], encoding="utf-8")
        result.files = _commit_folder(tmpdir, folder, names, overwrite)
    return result


def export_geojson(
    history: History,
    folder: str | os.PathLike[str],
    gazetteer: Gazetteer | None = None,
    observations: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    layers: Iterable[str] | None = None,
    styles: bool = True,
) -> ExportResult:
    """Write one RFC 7946 GeoJSON file per layer (``<folder>/<layer>.geojson``).

    Dates are ISO ``YYYY-MM-DD`` strings, which GDAL and QGIS read back as Date fields. With
    *styles*, each layer gets a ``<layer>.qml`` beside it, which QGIS loads as its default style.
    Only the files written are replaced (with *overwrite*); other files in *folder* are kept.
    """
    return _export_folder(
        "geojson",
        ".geojson",
        "GeoJSON",
        {"RFC7946": "YES", "WRITE_BBOX": "NO"},
        history,
        folder,
        gazetteer,
        observations,
        overwrite,
        layers,
        styles,
    )


def export_fgb(
    history: History,
    folder: str | os.PathLike[str],
    gazetteer: Gazetteer | None = None,
    observations: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    layers: Iterable[str] | None = None,
    styles: bool = True,
) -> ExportResult:
    """Write one FlatGeobuf file per layer (``<folder>/<layer>.fgb``, with a spatial index).

    FlatGeobuf has no Date type: date fields become DateTime at midnight.
    """
    return _export_folder(
        "fgb",
        ".fgb",
        "FlatGeobuf",
        {"SPATIAL_INDEX": "YES"},
        history,
        folder,
        gazetteer,
        observations,
        overwrite,
        layers,
        styles,
    )


def _csv_table(layer: ExportLayer) -> pd.DataFrame:
    import pandas as pd

    frame = layer.frame
    names, arrays = field_arrays(frame)
    cols: dict[str, Any] = {}
    geoms = frame.geometry.values
    if layer.geometry_type == "Point":
        cols["lon"] = np.round(
            np.array([g.x if g is not None and not g.is_empty else np.nan for g in geoms]), 6
        )
        cols["lat"] = np.round(
            np.array([g.y if g is not None and not g.is_empty else np.nan for g in geoms]), 6
        )
    elif layer.name == "control":
        cols["area_km2"] = (
            np.round(geodesic_area_km2(geoms), 3) if len(geoms) else np.array([], dtype=float)
        )
    for n, a in zip(names, arrays, strict=True):
        if a.dtype.kind == "M":
            cols[n] = [None if np.isnat(v) else str(v) for v in a]
        else:
            cols[n] = a
    table = pd.DataFrame(cols)
    order = [n for n in names if n in table.columns] + [c for c in table.columns if c not in names]
    return table[order]


def _csvt(table: pd.DataFrame) -> str:
    import pandas as pd

    types = []
    for col in table.columns:
        s = table[col]
        if col in DATE_FIELDS:
            types.append("Date")
        elif pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype):
            types.append("Integer")
        elif pd.api.types.is_float_dtype(s.dtype):
            types.append("Real")
        else:
            types.append("String")
    return ",".join(f'"{t}"' for t in types) + "\n"


def export_csv(
    history: History,
    folder: str | os.PathLike[str],
    gazetteer: Gazetteer | None = None,
    observations: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    layers: Iterable[str] | None = None,
) -> ExportResult:
    """Write the layers as CSV tables without geometry, plus the area timeline.

    ``control.csv`` has one row per date and faction with the geodesic ``area_km2``;
    ``changes.csv`` and ``front_lines.csv`` keep their measures; point layers
    (``link_ups``, ``gazetteer``, ``observations``) get ``lon``/``lat`` columns;
    ``timeline.csv`` is :func:`frontline.timeline.timeline`. Each CSV has a
    ``.csvt`` sidecar with the column types (Date, Real, Integer, String), which GDAL and
    QGIS use instead of guessing. Dates are ISO ``YYYY-MM-DD``.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file; csv export writes one table per layer into a folder")
    gazetteer = _load_gazetteer(history, gazetteer)
    if layers is None:  # country outlines make no table
        layers = [n for n in EXPORTABLE if n != "countries"]
    built, skipped = collect_layers(history, gazetteer, observations, layers)
    tables = {name: _csv_table(layer) for name, layer in built.items()}
    if layers is None or "timeline" in set(layers):
        frame = timeline(history, gazetteer)
        tables["timeline"] = frame.drop(columns=[c for c in ("geometry",) if c in frame.columns])
    names = [f"{n}{ext}" for n in tables for ext in (".csv", ".csvt")]
    _check_free([folder / n for n in names], overwrite)
    result = ExportResult("csv", folder, [], {n: len(t) for n, t in tables.items()}, skipped)
    with _StagingDir(folder) as tmpdir:
        for name, table in tables.items():
            table.to_csv(tmpdir / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8")
            (tmpdir / f"{name}.csvt").write_text(_csvt(table), encoding="utf-8")
        result.files = _commit_folder(tmpdir, folder, names, overwrite)
    return result


_WRITERS: dict[str, Callable[..., ExportResult]] = {
    "gpkg": export_gpkg,
    "geojson": export_geojson,
    "fgb": export_fgb,
    "csv": export_csv,
}


def export(
    history: History, path: str | os.PathLike[str], format: str | None = None, **kwargs: Any
) -> ExportResult:
    """Export in any format: ``gpkg`` (one file), ``geojson``/``fgb``/``csv`` (a folder of files).

    *format* defaults to ``gpkg`` when *path* ends in ``.gpkg``; other keyword arguments go
    to the writer (``gazetteer``, ``observations``, ``overwrite``, ``layers``).
    """
    fmt = (format or "").lower().lstrip(".")
    if not fmt:
        if Path(path).suffix.lower() == ".gpkg":
            fmt = "gpkg"
        else:
            raise InputError(f"give a format for {path}: one of {', '.join(FORMATS)}")
    if fmt not in _WRITERS:
        raise InputError(f"unknown export format {format!r}; choose one of {', '.join(FORMATS)}")
    return _WRITERS[fmt](history, path, **kwargs)


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
