"""Export a control history for QGIS and other GIS: GeoPackage, GeoJSON, FlatGeobuf, CSV.

The layers (all EPSG:4326):

``control``  (MultiPolygon)
    One feature per snapshot and faction: ``faction``, ``sources`` (JSON text list),
    ``confidence``, ``note``, ``date`` (= ``valid_from``), ``valid_from`` and ``valid_to``
    (typed *Date* fields; ``valid_to`` is the date of the next snapshot, exclusive, and null
    for the latest), ``support`` (the build's support report as JSON text, or empty). QGIS
    reads typed dates, so its Temporal Controller animates the history.
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
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline.control import ControlSnapshot
from frontline.diff import diff
from frontline.errors import DataFileError, InputError
from frontline.factions import FactionRegistry
from frontline.files import StagingDir, check_free, commit_file, commit_folder
from frontline.gazetteer import Gazetteer
from frontline.geo import geodesic_area_km2
from frontline.history import History
from frontline.historyframe import HISTORY_COLUMNS, snapshot_frame
from frontline.layerio import DATE_FIELDS as DATE_FIELDS  # re-exported
from frontline.layerio import GPKG_GEOMETRY_COLUMN as GPKG_GEOMETRY_COLUMN  # re-exported
from frontline.layerio import (
    GPKG_VERSION,
    ExportLayer,
    field_arrays,
    write_layer,
    write_layer_styles,
)
from frontline.layerio import read_control_export as read_control_export  # re-exported
from frontline.layerio import read_layer_styles as read_layer_styles  # re-exported
from frontline.observations import read_observations
from frontline.qml import style_for
from frontline.timeline import timeline
from frontline.topology import front_lines, link_ups

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

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
#: Export formats.
FORMATS = ("gpkg", "geojson", "fgb", "csv")

_CONTROL_COLUMNS = HISTORY_COLUMNS


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
        Observations (as :func:`frontline.observations.read_observations` returns them) or an
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
    control: list[Any] = []
    fronts: list[Any] = []
    changes: list[Any] = []
    places: list[Any] = []
    links: list[Any] = []
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
        if theatre is None or not Path(theatre.observations_path).exists():
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
    check_free([dest], overwrite)
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
    with StagingDir(dest.parent) as tmpdir:
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
        commit_file(tmp, dest, overwrite)
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
    check_free([folder / n for n in names], overwrite)
    result = ExportResult(fmt, folder, [], {n: len(lay.frame) for n, lay in built.items()}, skipped)
    with StagingDir(folder) as tmpdir:
        for name, layer in built.items():
            write_layer(tmpdir / f"{name}{suffix}", layer, driver, layer_options=layer_options)
            if name in styles:
                (tmpdir / f"{name}.qml").write_text(styles[name], encoding="utf-8")
        result.files = commit_folder(tmpdir, folder, names, overwrite)
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
    check_free([folder / n for n in names], overwrite)
    result = ExportResult("csv", folder, [], {n: len(t) for n, t in tables.items()}, skipped)
    with StagingDir(folder) as tmpdir:
        for name, table in tables.items():
            table.to_csv(tmpdir / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8")
            (tmpdir / f"{name}.csvt").write_text(_csvt(table), encoding="utf-8")
        result.files = commit_folder(tmpdir, folder, names, overwrite)
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
