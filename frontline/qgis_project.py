"""A QGIS project (``.qgs``) that opens an exported GeoPackage styled, labelled and animated.

The project refers to the GeoPackage by a path relative to the project file, embeds each
layer's style (the same QML as the GeoPackage's ``layer_styles``), switches on each layer's
temporal settings (``valid_from``/``valid_to``, observations by ``date``) and sets the
project's time range to the history's dates with a one-day step, so QGIS's Temporal
Controller plays the history with no set-up: open the project, press play.

QGIS 3.22 (the LTS of Debian 12) reads it, and so do newer versions. The file is
deterministic: the same GeoPackage and registry give the same bytes.
"""

from __future__ import annotations

import datetime as _dt
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from frontline.errors import DataFileError, InputError
from frontline.files import atomic_write_text
from frontline.layerio import read_layer_styles
from frontline.qml import style_for

if TYPE_CHECKING:
    from frontline.factions import FactionRegistry
    from frontline.theatre import Theatre

#: Layers in drawing order, top first (others follow in GeoPackage order).
LAYER_ORDER = (
    "link_ups",
    "places_changed",
    "gazetteer",
    "observations",
    "front_lines",
    "changes",
    "control",
    "countries",
)
#: Layers added to the project but switched off (they clutter the first view).
HIDDEN = ("observations", "changes")
_GEOMETRY = {
    "Point": "Point",
    "MultiPoint": "Point",
    "LineString": "Line",
    "MultiLineString": "Line",
    "Polygon": "Polygon",
    "MultiPolygon": "Polygon",
}
_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"


def _srs(parent: ET.Element) -> None:
    import pyproj

    crs = pyproj.CRS.from_epsg(4326)
    s = ET.SubElement(parent, "spatialrefsys", nativeFormat="Wkt")
    for tag, text in (
        ("wkt", crs.to_wkt()),
        ("proj4", "+proj=longlat +datum=WGS84 +no_defs"),
        ("srsid", "3452"),
        ("srid", "4326"),
        ("authid", "EPSG:4326"),
        ("description", "WGS 84"),
        ("projectionacronym", "longlat"),
        ("ellipsoidacronym", "EPSG:7030"),
        ("geographicflag", "true"),
    ):
        ET.SubElement(s, tag).text = text


def _extent(parent: ET.Element, tag: str, bounds) -> None:
    e = ET.SubElement(parent, tag)
    for k, v in zip(("xmin", "ymin", "xmax", "ymax"), bounds, strict=True):
        ET.SubElement(e, k).text = f"{float(v):.6f}"


def _date_range(gpkg: Path, layers: list[str]) -> tuple[_dt.date, _dt.date] | None:
    import sqlite3

    con = sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)
    try:
        lo, hi = [], []
        for name in layers:
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{name}")')]
            for c in ("valid_from", "valid_to", "date"):
                if c in cols:
                    a, b = con.execute(f'SELECT min("{c}"), max("{c}") FROM "{name}"').fetchone()
                    if a:
                        lo.append(a[:10])
                        hi.append(b[:10])
    finally:
        con.close()
    if not lo:
        return None
    return _dt.date.fromisoformat(min(lo)), _dt.date.fromisoformat(max(hi))


def build_qgs(
    gpkg: str | os.PathLike[str],
    qgs: str | os.PathLike[str],
    registry: FactionRegistry | None = None,
    theatre: Theatre | None = None,
    title: str | None = None,
) -> str:
    """Return the text of a ``.qgs`` project for *gpkg*, to be saved as *qgs* (relative paths).

    Styles come from the GeoPackage's ``layer_styles`` (or are generated from *registry*
    when a layer has none).
    """
    import pyogrio

    gpkg, qgs = Path(gpkg), Path(qgs)
    if not gpkg.is_file():
        raise DataFileError(
            f"{gpkg}: GeoPackage not found; export it first (frontline export --format gpkg)"
        )
    listed = [(str(n), str(t)) for n, t in pyogrio.list_layers(gpkg)]
    spatial = {n: t for n, t in listed if t and t != "None" and n != "layer_styles"}
    if not spatial:
        raise InputError(f"{gpkg}: no spatial layers to put in a project")
    names = [n for n in LAYER_ORDER if n in spatial] + [n for n in spatial if n not in LAYER_ORDER]
    styles = read_layer_styles(gpkg)
    rel = os.path.relpath(gpkg.resolve(), qgs.resolve().parent)
    rel = rel if rel.startswith(".") else f"./{rel}"
    span = _date_range(gpkg, names)
    name = title or (f"frontline — {theatre.name}" if theatre is not None else "frontline")

    root = ET.Element("qgis", projectname=name, version="3.22.16-Białowieża")
    ET.SubElement(root, "homePath", path="")
    ET.SubElement(root, "title").text = name
    _srs(ET.SubElement(root, "projectCrs"))

    tree = ET.SubElement(root, "layer-tree-group")
    ET.SubElement(tree, "customproperties")
    for n in names:
        node = ET.SubElement(
            tree,
            "layer-tree-layer",
            {
                "id": f"{n}_frontline",
                "name": n,
                "source": f"{rel}|layername={n}",
                "providerKey": "ogr",
                "checked": "Qt::Unchecked" if n in HIDDEN else "Qt::Checked",
                "expanded": "0",
            },
        )
        ET.SubElement(node, "customproperties")

    bounds = None
    infos = {}
    for n in names:
        info = pyogrio.read_info(gpkg, layer=n)
        infos[n] = info
        b = info.get("total_bounds")
        if b is not None and info.get("features") and all(v == v for v in b):
            bounds = (
                b
                if bounds is None
                else (
                    min(bounds[0], b[0]),
                    min(bounds[1], b[1]),
                    max(bounds[2], b[2]),
                    max(bounds[3], b[3]),
                )
            )
    if theatre is not None:
        bounds = tuple(theatre.extent)
    bounds = bounds or (-180.0, -90.0, 180.0, 90.0)

    canvas = ET.SubElement(root, "mapcanvas", name="theMapCanvas", annotationsVisible="1")
    ET.SubElement(canvas, "units").text = "degrees"
    _extent(canvas, "extent", bounds)
    ET.SubElement(canvas, "rotation").text = "0"
    _srs(ET.SubElement(canvas, "destinationsrs"))
    ET.SubElement(canvas, "rendermaptile").text = "0"

    layers_el = ET.SubElement(root, "projectlayers")
    for n in names:
        info = infos[n]
        qml = styles.get(n) or style_for(n, registry)
        style = (
            ET.fromstring(qml.split("\n", 1)[1] if qml and qml.startswith("<!DOCTYPE") else qml)
            if qml
            else None
        )
        attrs = {
            "type": "vector",
            "geometry": _GEOMETRY.get(info["geometry_type"], "Unknown"),
            "wkbType": info["geometry_type"],
            "autoRefreshEnabled": "0",
            "autoRefreshTime": "0",
            "refreshOnNotifyEnabled": "0",
            "refreshOnNotifyMessage": "",
        }
        if style is not None:
            for k, v in style.attrib.items():
                if k != "version":
                    attrs[k] = v
        ml = ET.SubElement(layers_el, "maplayer", attrs)
        b = info.get("total_bounds")
        _extent(ml, "extent", b if b is not None and info.get("features") else bounds)
        ET.SubElement(ml, "id").text = f"{n}_frontline"
        ET.SubElement(ml, "datasource").text = f"{rel}|layername={n}"
        ET.SubElement(ml, "keywordList").append(ET.Element("value"))
        ET.SubElement(ml, "layername").text = n
        _srs(ET.SubElement(ml, "srs"))
        ET.SubElement(ml, "provider", encoding="UTF-8").text = "ogr"
        if style is not None:
            for child in style:
                ml.append(child)

    order = ET.SubElement(root, "layerorder")
    for n in names:
        ET.SubElement(order, "layer", id=f"{n}_frontline")

    props = ET.SubElement(root, "properties")
    paths = ET.SubElement(props, "Paths")
    ET.SubElement(paths, "Absolute", type="bool").text = "false"
    srs = ET.SubElement(props, "SpatialRefSys")
    ET.SubElement(srs, "ProjectionsEnabled", type="int").text = "1"
    if span is not None:
        # what the Temporal Controller panel reads on project load: animated mode over the history
        tc = ET.SubElement(props, "TemporalControllerWidget")
        ET.SubElement(
            tc, "NavigationMode", type="int"
        ).text = "1"  # QgsTemporalNavigationObject::Animated
        ET.SubElement(
            tc, "StartDateTime", type="QString"
        ).text = f"{span[0].isoformat()}T00:00:00.000Z"
        ET.SubElement(
            tc, "EndDateTime", type="QString"
        ).text = f"{span[1].isoformat()}T23:59:59.000Z"
        ts = ET.SubElement(
            root,
            "ProjectTimeSettings",
            timeStep="1",
            timeStepUnit="d",
            frameRate="2",
            cumulativeTemporalRange="0",
        )
        rng = ET.SubElement(ts, "TemporalRange")
        ET.SubElement(rng, "start").text = f"{span[0].isoformat()}T00:00:00Z"
        ET.SubElement(rng, "end").text = f"{span[1].isoformat()}T23:59:59Z"
    ET.indent(root, space="  ")
    return _DOCTYPE + ET.tostring(root, encoding="unicode") + "\n"


def export_qgs(
    gpkg: str | os.PathLike[str],
    path: str | os.PathLike[str],
    registry: FactionRegistry | None = None,
    theatre: Theatre | None = None,
    overwrite: bool = False,
    title: str | None = None,
) -> Path:
    """Write a QGIS project that opens *gpkg* (see :func:`build_qgs`), atomically.

    Parameters
    ----------
    gpkg : path-like
        A GeoPackage written by :func:`frontline.export.export_gpkg`.
    path : path-like
        The ``.qgs`` file to write (the GeoPackage is referenced relative to it, so keep
        the two together when moving them).
    registry, theatre : optional
        Styles for layers without one; the theatre's extent and name.
    overwrite : bool, default False
        Replace an existing project.

    Raises
    ------
    OutputExistsError
        When *path* exists and *overwrite* is False.
    """
    dest = Path(path)
    if dest.suffix.lower() != ".qgs":
        raise InputError(f"{dest}: a QGIS project file name ends in .qgs")
    return atomic_write_text(
        dest, build_qgs(gpkg, dest, registry, theatre, title), overwrite=overwrite
    )
