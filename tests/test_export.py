"""Exports checked with a real GIS client: GDAL's ``ogrinfo`` (Debian package gdal-bin).

The history is a small hand-drawn one over the synthetic ``testland`` theatre of conftest:
three dates, a front between the Reds and the Black Banner, the Blues closing in, and the
allied Reds and Blues linking up on the last date.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import SYSTEM_PYTHON, require_service, sandbox_env
from shapely import box

DATES = ("2020-01-01", "2020-02-01", "2020-03-01")
FIELD = re.compile(r"^([A-Za-z_][\w]*): (\w+) \(\d+\.\d+\)")


# -- ogrinfo ---------------------------------------------------------------------------------------
def ogrinfo(path: Path, *layers: str) -> tuple[dict[str, dict], str]:
    """Run ``ogrinfo -so -al`` and parse each layer's geometry, count, CRS and field types.

    Returns (layers, stderr).
    """
    args = [require_service("ogrinfo"), "-ro", "-so", "-nomd"]
    args += [str(path), *layers] if layers else ["-al", str(path)]
    proc = subprocess.run(args, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out: dict[str, dict] = {}
    cur: dict | None = None
    for line in proc.stdout.splitlines():
        if line.startswith("Layer name: "):
            cur = {"fields": {}, "crs": "", "geometry": None, "count": None}
            out[line.split(": ", 1)[1].strip()] = cur
        elif cur is None:
            continue
        elif line.startswith("Geometry: "):
            cur["geometry"] = line.split(": ", 1)[1].strip()
        elif line.startswith("Feature Count: "):
            cur["count"] = int(line.split(": ", 1)[1])
        elif 'ID["EPSG",' in line and not line.startswith(" " * 8):
            cur["crs"] = "EPSG:" + re.search(r'ID\["EPSG",(\d+)\]', line).group(1)
        elif m := FIELD.match(line):
            cur["fields"][m.group(1)] = m.group(2)
    return out, proc.stderr


def ogr_layer_names(path: Path) -> dict[str, str]:
    """``ogrinfo`` layer list: name → geometry type text."""
    proc = subprocess.run(
        [require_service("ogrinfo"), "-ro", "-q", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    out = {}
    for line in proc.stdout.splitlines():
        m = re.match(r"^\d+: (\S+)(?: \((.*)\))?$", line.strip())
        if m:
            out[m.group(1)] = m.group(2) or ""
    return out


# -- fixtures --------------------------------------------------------------------------------------
def write_history(directory: Path, theatre, registry):
    from frontline.control import ControlSnapshot
    from frontline.store import ControlHistory

    src = ['Synthetic Times, {d}, "test map"']
    h = ControlHistory(directory, theatre=theatre, registry=registry)
    maps = {
        "2020-01-01": {
            "red": box(38.2, 33, 39, 34),
            "black": box(39, 33, 40, 34),
            "blue": box(40.2, 33, 41, 34),
        },
        "2020-02-01": {
            "red": box(38.2, 33, 39.5, 34),
            "black": box(39.5, 33, 40, 34),
            "blue": box(40, 33, 41, 34),
        },
        "2020-03-01": {"red": box(38.2, 33, 39.8, 34), "blue": box(39.8, 33, 41, 34)},
    }
    for i, (day, areas) in enumerate(maps.items()):
        note = "uncertain west of Alpha (غرب ألفا)" if i == 1 else ""  # non-ASCII survives the trip
        snap = ControlSnapshot.from_areas(
            day,
            areas,
            sources=[s.format(d=day) for s in src],
            confidence=(0.7 if i == 1 else 1.0),
            note=note,
        )
        h.add(snap)
    return h


@pytest.fixture(scope="module")
def history(tmp_path_factory, synthetic_theatre, synthetic_registry):
    return write_history(
        tmp_path_factory.mktemp("history") / "control", synthetic_theatre, synthetic_registry
    )


@pytest.fixture(scope="module")
def exports(tmp_path_factory, history, synthetic_gazetteer, synthetic_observations):
    from frontline.export import export_csv, export_fgb, export_geojson, export_gpkg

    out = tmp_path_factory.mktemp("exports")
    kw = {"gazetteer": synthetic_gazetteer, "observations": synthetic_observations}
    return {
        "gpkg": export_gpkg(history, out / "frontline.gpkg", **kw),
        "geojson": export_geojson(history, out / "geojson", **kw),
        "fgb": export_fgb(history, out / "fgb", **kw),
        "csv": export_csv(history, out / "csv", **kw),
    }


EXPECTED_GEOMETRY = {
    "control": "Multi Polygon",
    "front_lines": "Multi Line String",
    "changes": "Multi Polygon",
    "places_changed": "Point",
    "link_ups": "Point",
    "gazetteer": "Point",
    "observations": "Point",
    "countries": "Multi Polygon",
}
DATE_COLUMNS = {
    "control": ("date", "valid_from", "valid_to"),
    "front_lines": ("date", "valid_from", "valid_to"),
    "changes": ("date_from", "date_to", "valid_from", "valid_to"),
    "link_ups": ("date_from", "date_to", "valid_from", "valid_to"),
    "places_changed": ("date_from", "date_to", "valid_from", "valid_to"),
    "observations": ("date",),
}


# -- the layers ------------------------------------------------------------------------------------
def test_every_layer_is_built_and_nonempty(exports):
    res = exports["gpkg"]
    assert list(res.layers) == list(EXPECTED_GEOMETRY)
    assert res.skipped == {}
    assert res.layers["control"] == 3 + 3 + 2
    assert all(n > 0 for n in res.layers.values()), res.layers


def test_control_layer_dates_chain_snapshots(exports):
    import pyogrio

    frame = pyogrio.read_dataframe(exports["gpkg"].path, layer="control")
    rows = sorted(
        {
            (str(a)[:10], str(b)[:10] if b == b and b is not None else None)
            for a, b in zip(frame.valid_from, frame.valid_to, strict=True)
        }
    )
    assert rows == [
        ("2020-01-01", "2020-02-01"),
        ("2020-02-01", "2020-03-01"),
        ("2020-03-01", None),
    ]
    assert (frame["date"].astype(str) == frame["valid_from"].astype(str)).all()
    assert json.loads(frame.sources.iloc[0]) == ['Synthetic Times, 2020-01-01, "test map"']


def test_link_up_and_front_lines_are_dated(exports):
    import pyogrio

    links = pyogrio.read_dataframe(exports["gpkg"].path, layer="link_ups")
    assert list(links.kind) == ["link-up"]
    assert str(links.valid_from.iloc[0])[:10] == "2020-03-01"
    assert "link up with" in links.text.iloc[0]
    fronts = pyogrio.read_dataframe(exports["gpkg"].path, layer="front_lines")
    assert {str(d)[:10] for d in fronts.valid_from} == {"2020-01-01", "2020-02-01"}
    assert (fronts.length_km > 100).all()


# -- GeoPackage, checked with ogrinfo and GDAL's validator -------------------------------------
@pytest.mark.needs("ogrinfo")
def test_gpkg_with_ogrinfo(exports):
    path = exports["gpkg"].path
    layers, stderr = ogrinfo(path)
    assert stderr.strip() == "", f"ogrinfo printed errors or warnings: {stderr}"
    assert set(layers) == set(EXPECTED_GEOMETRY) | {"layer_styles"}
    for name, geom in EXPECTED_GEOMETRY.items():
        info = layers[name]
        assert info["geometry"] == geom, name
        assert info["count"] == exports["gpkg"].layers[name], name
        assert info["crs"] == "EPSG:4326", name
        for col in DATE_COLUMNS.get(name, ()):
            assert info["fields"][col] == "Date", (name, col, info["fields"])
    assert layers["control"]["fields"] == {
        "faction": "String",
        "basis": "String",
        "sources": "String",
        "confidence": "Real",
        "note": "String",
        "date": "Date",
        "valid_from": "Date",
        "valid_to": "Date",
        "support": "String",
    }
    assert layers["gazetteer"]["fields"]["importance"] == "Integer64"
    assert layers["layer_styles"]["geometry"] == "None"
    assert layers["layer_styles"]["count"] == len(EXPECTED_GEOMETRY)


def test_gpkg_is_version_1_3(exports):
    con = sqlite3.connect(exports["gpkg"].path)
    try:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # "GPKG"
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10300
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()


@pytest.mark.needs("validate_gpkg")
def test_gpkg_passes_gdal_validator(exports):
    validator = require_service("validate_gpkg")
    proc = subprocess.run(
        [SYSTEM_PYTHON, validator, "--extra", "--warning-as-error", str(exports["gpkg"].path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_layer_styles_table_as_qgis_reads_it(exports, synthetic_registry):
    con = sqlite3.connect(exports["gpkg"].path)
    try:
        assert con.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchone() == ("attributes",)
        cols = [r[1] for r in con.execute("PRAGMA table_info(layer_styles)")]
        assert cols == [
            "id",
            "f_table_catalog",
            "f_table_schema",
            "f_table_name",
            "f_geometry_column",
            "styleName",
            "styleQML",
            "styleSLD",
            "useAsDefault",
            "description",
            "owner",
            "ui",
            "update_time",
        ]
        rows = con.execute(
            "SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName,"
            " styleQML, useAsDefault"
            " FROM layer_styles"
        ).fetchall()
    finally:
        con.close()
    assert sorted(r[2] for r in rows) == sorted(EXPECTED_GEOMETRY)
    for catalog, schema, table, geom_col, name, qml, default in rows:
        assert (catalog, schema, geom_col, name, default) == ("", "", "geom", table, 1)
        root = ET.fromstring(qml.split("\n", 1)[1])
        assert root.tag == "qgis" and root.find("renderer-v2") is not None
    qml = dict((r[2], r[5]) for r in rows)["control"]
    root = ET.fromstring(qml.split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "faction"
    values = [c.get("value") for c in renderer.iter("category")]
    assert values[:-1] == [f.id for f in synthetic_registry] and values[-1] == ""
    from frontline.qml import qgis_colour

    for f in synthetic_registry:
        assert qgis_colour(f.colour, 150) in qml
    temporal = root.find("temporal")
    assert (
        temporal.get("enabled"),
        temporal.get("mode"),
        temporal.get("startField"),
        temporal.get("endField"),
    ) == (
        "1",
        "2",
        "valid_from",
        "valid_to",
    )


def test_read_layer_styles(exports):
    from frontline.layerio import read_layer_styles

    styles = read_layer_styles(exports["gpkg"].path)
    assert set(styles) == set(EXPECTED_GEOMETRY)
    assert 'labelsEnabled="1"' in styles["gazetteer"] and 'fieldName="name"' in styles["gazetteer"]
    assert 'fieldName="text"' in styles["link_ups"]


# -- round trip: export → import with no edit reproduces the history byte for byte --------------
@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "fgb"])
def test_round_trip_is_byte_identical(
    exports, history, synthetic_registry, synthetic_theatre, tmp_path, fmt
):
    from frontline.control import read_areas
    from frontline.layerio import read_control_export
    from frontline.store import ControlHistory

    res = exports[fmt]
    src = res.path if fmt == "gpkg" else res.path / f"control.{fmt}"
    snaps = read_areas(
        src, registry=synthetic_registry, theatre=synthetic_theatre
    )  # what `control import` uses
    assert [s.date.isoformat() for s in snaps] == list(DATES)
    again = ControlHistory(
        tmp_path / "again", theatre=synthetic_theatre, registry=synthetic_registry
    )
    for snap in snaps:
        again.add(snap)
    for day in DATES:
        assert again.path_for(day).read_bytes() == history.path_for(day).read_bytes(), day
    via_export = read_control_export(
        res.path, registry=synthetic_registry, theatre=synthetic_theatre
    )
    assert [s.to_geojson() for s in via_export] == [
        history.path_for(d).read_text(encoding="utf-8") for d in DATES
    ]


# -- GeoJSON, FlatGeobuf, CSV ----------------------------------------------------------------------
def test_geojson_files_are_rfc7946(exports):
    res = exports["geojson"]
    for name in EXPECTED_GEOMETRY:
        doc = json.loads((res.path / f"{name}.geojson").read_text(encoding="utf-8"))
        assert doc["type"] == "FeatureCollection" and "crs" not in doc
        assert len(doc["features"]) == res.layers[name]
        assert (res.path / f"{name}.qml").is_file()
    control = json.loads((res.path / "control.geojson").read_text(encoding="utf-8"))
    props = control["features"][0]["properties"]
    assert props["valid_from"] == "2020-01-01" and props["valid_to"] == "2020-02-01"
    ring = control["features"][0]["geometry"]["coordinates"][0][0]
    area2 = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False))
    assert area2 > 0, "RFC 7946: exterior rings are counter-clockwise"


@pytest.mark.needs("ogrinfo")
def test_geojson_with_ogrinfo(exports):
    res = exports["geojson"]
    for name, geom in EXPECTED_GEOMETRY.items():
        layers, stderr = ogrinfo(res.path / f"{name}.geojson")
        assert stderr.strip() == ""
        (info,) = layers.values()
        assert (
            info["geometry"] == geom
            and info["count"] == res.layers[name]
            and info["crs"] == "EPSG:4326"
        )
        feats = json.loads((res.path / f"{name}.geojson").read_text(encoding="utf-8"))["features"]
        for col in DATE_COLUMNS.get(name, ()):
            # GeoJSON has no schema: GDAL types ISO date strings as Date; an all-null column
            # stays String
            typed = any(f["properties"].get(col) for f in feats)
            assert info["fields"][col] == ("Date" if typed else "String"), (name, col)


@pytest.mark.needs("ogrinfo")
def test_fgb_with_ogrinfo(exports):
    res = exports["fgb"]
    for name, geom in EXPECTED_GEOMETRY.items():
        layers, stderr = ogrinfo(res.path / f"{name}.fgb")
        assert stderr.strip() == ""
        (info,) = layers.values()
        assert (
            info["geometry"] == geom
            and info["count"] == res.layers[name]
            and info["crs"] == "EPSG:4326"
        )
        for col in DATE_COLUMNS.get(name, ()):
            assert info["fields"][col] in ("Date", "DateTime"), (
                name,
                col,
            )  # FlatGeobuf has DateTime only


@pytest.mark.needs("ogrinfo")
def test_csv_tables_with_ogrinfo(exports, history):
    import pandas as pd

    from frontline.geo import geodesic_area_km2

    res = exports["csv"]
    assert set(res.layers) == set(EXPECTED_GEOMETRY) - {"countries"} | {"timeline"}
    for name in res.layers:
        layers, stderr = ogrinfo(res.path / f"{name}.csv")
        assert stderr.strip() == ""
        (info,) = layers.values()
        assert info["count"] == res.layers[name]
        for col in DATE_COLUMNS.get(name, ()):
            assert info["fields"][col] == "Date", (name, col)
    control = pd.read_csv(res.path / "control.csv")
    assert list(control.columns[:4]) == ["faction", "basis", "sources", "confidence"]
    first = history.get("2020-01-01").areas
    expected = dict(zip(first.faction, geodesic_area_km2(first.geometry.values), strict=True))
    got = control[control.date == "2020-01-01"].set_index("faction").area_km2
    for fac, km2 in expected.items():
        assert got[fac] == pytest.approx(km2, abs=0.001)
    gaz = pd.read_csv(res.path / "gazetteer.csv")
    assert {"lon", "lat", "name"} <= set(gaz.columns)


# -- atomic writes, overwrite, bad input ------------------------------------------------------
def test_existing_output_needs_overwrite(history, synthetic_gazetteer, tmp_path):
    from frontline.errors import OutputExistsError
    from frontline.export import export_geojson, export_gpkg

    kw = {"gazetteer": synthetic_gazetteer, "layers": ["control"]}
    path = tmp_path / "x.gpkg"
    path.write_bytes(b"precious")
    with pytest.raises(OutputExistsError, match="overwrite"):
        export_gpkg(history, path, **kw)
    assert path.read_bytes() == b"precious"
    export_gpkg(history, path, overwrite=True, **kw)
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"
    folder = tmp_path / "gj"
    export_geojson(history, folder, **kw)
    before = (folder / "control.geojson").read_bytes()
    with pytest.raises(OutputExistsError):
        export_geojson(history, folder, **kw)
    assert (folder / "control.geojson").read_bytes() == before
    (folder / "mine.txt").write_text("keep me")
    export_geojson(history, folder, overwrite=True, **kw)
    assert (folder / "mine.txt").read_text() == "keep me"
    assert sorted(p.name for p in folder.iterdir()) == [
        "control.geojson",
        "control.qml",
        "mine.txt",
    ]


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "fgb", "csv"])
def test_failed_export_leaves_nothing(
    history, synthetic_gazetteer, synthetic_observations, tmp_path, fmt
):
    from frontline.errors import InvalidDateError
    from frontline.export import export

    bad = synthetic_observations.copy()
    bad["date"] = bad["date"].astype(str)
    bad.loc[bad.index[-1], "date"] = "2020-02-30"  # fails while writing the last layer
    target = tmp_path / ("out.gpkg" if fmt == "gpkg" else "out")
    with pytest.raises(InvalidDateError):
        export(history, target, format=fmt, gazetteer=synthetic_gazetteer, observations=bad)
    assert not target.exists() or list(target.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir() if p.name != "out"] == []


def test_dispatcher_and_bad_input(history, tmp_path):
    from frontline.errors import InputError
    from frontline.export import export, export_gpkg

    with pytest.raises(InputError, match="format"):
        export(history, tmp_path / "folder")
    with pytest.raises(InputError, match="unknown export format"):
        export(history, tmp_path / "x", format="shp")
    with pytest.raises(InputError, match=".gpkg"):
        export_gpkg(history, tmp_path / "x.sqlite")
    with pytest.raises(InputError, match="unknown layer"):
        export(history, tmp_path / "x.gpkg", layers=["roads"])
    res = export(history, tmp_path / "x.gpkg", layers=["control"])
    assert res.format == "gpkg" and res.layers == {"control": 8}


@pytest.mark.needs("ogrinfo")
def test_single_snapshot_writes_empty_typed_layers(
    tmp_path, synthetic_theatre, synthetic_registry, synthetic_gazetteer
):
    from frontline.control import ControlSnapshot
    from frontline.export import export_gpkg
    from frontline.store import ControlHistory

    h = ControlHistory(tmp_path / "one", theatre=synthetic_theatre, registry=synthetic_registry)
    h.add(ControlSnapshot.from_areas("2020-01-01", {"red": box(38.2, 33, 39, 34)}))
    res = export_gpkg(
        h,
        tmp_path / "one.gpkg",
        gazetteer=synthetic_gazetteer,
        layers=["control", "changes", "link_ups"],
    )
    layers, stderr = ogrinfo(res.path)
    assert stderr.strip() == ""
    assert {n: (i["geometry"], i["count"]) for n, i in layers.items() if n != "layer_styles"} == {
        "control": ("Multi Polygon", 1),
        "changes": ("Multi Polygon", 0),
        "link_ups": ("Point", 0),
    }
    assert layers["changes"]["fields"]["valid_from"] == "Date"


# -- QML and the QGIS project ------------------------------------------------------------------
def test_qml_is_deterministic_xml(synthetic_registry):
    from frontline.qml import STYLES, style_for

    for name in STYLES:
        a, b = style_for(name, synthetic_registry), style_for(name, synthetic_registry)
        assert a == b
        assert a.startswith("<!DOCTYPE qgis")
        root = ET.fromstring(a.split("\n", 1)[1])
        assert root.find("renderer-v2/symbols/symbol") is not None
    unknown = style_for("control", synthetic_registry, ["green"])
    assert 'value="green"' in unknown  # a faction the registry does not know still gets a class
    assert style_for("roads") is None


def test_qgs_project(exports, synthetic_registry, synthetic_theatre, tmp_path):
    from frontline.errors import OutputExistsError
    from frontline.qgis_project import export_qgs

    gpkg = tmp_path / "data" / "frontline.gpkg"
    gpkg.parent.mkdir()
    shutil.copy(exports["gpkg"].path, gpkg)
    qgs = export_qgs(gpkg, tmp_path / "frontline.qgs", synthetic_registry, synthetic_theatre)
    text = qgs.read_text(encoding="utf-8")
    assert text == export_qgs(
        gpkg, qgs, synthetic_registry, synthetic_theatre, overwrite=True
    ).read_text(encoding="utf-8")
    root = ET.fromstring(text.split("\n", 1)[1])
    layers = root.findall("projectlayers/maplayer")
    from frontline.qgis_project import LAYER_ORDER

    assert [m.findtext("layername") for m in layers] == list(LAYER_ORDER)
    for m in layers:
        assert (
            m.findtext("datasource") == f"./data/frontline.gpkg|layername={m.findtext('layername')}"
        )
        assert m.find("renderer-v2") is not None
    control = next(m for m in layers if m.findtext("layername") == "control")
    assert control.find("temporal").get("enabled") == "1"
    assert root.find("ProjectTimeSettings/TemporalRange/start").text == "2020-01-01T00:00:00Z"
    assert root.find("properties/TemporalControllerWidget/NavigationMode").text == "1"
    with pytest.raises(OutputExistsError):
        export_qgs(gpkg, qgs)


PYQGIS_CHECK = r"""
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from qgis.core import QgsApplication, QgsProject, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
gpkg, qgs = sys.argv[1], sys.argv[2]
out = {"gpkg": {}, "qgs": {}}
for name in ("control", "front_lines", "changes", "link_ups", "gazetteer", "observations"):
    lyr = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
    r = lyr.renderer()
    cats = []
    if r.type() == "categorizedSymbol":
        cats = [(c.value(), c.symbol().color().name()) for c in r.categories()]
    out["gpkg"][name] = {"valid": lyr.isValid(), "count": lyr.featureCount(), "renderer": r.type(),
                         "categories": cats, "labels": lyr.labelsEnabled(),
                         "types": {f.name(): f.typeName() for f in lyr.fields()}}
project = QgsProject.instance()
out["qgs"]["read"] = project.read(qgs)
for lyr in project.mapLayers().values():
    t = lyr.temporalProperties()
    temporal = [t.isActive(), int(t.mode()), t.startField(), t.endField()]
    out["qgs"][lyr.name()] = {"valid": lyr.isValid(), "temporal": temporal,
                              "renderer": lyr.renderer().type(), "labels": lyr.labelsEnabled()}
print("RESULT" + json.dumps(out))
app.exitQgis()
"""


@pytest.mark.needs("qgis")
def test_qgis_opens_the_export_styled_and_animated(
    exports, synthetic_registry, synthetic_theatre, tmp_path
):
    """The real client: QGIS 3.22 (Debian 12) applies the styles and the project's time settings."""
    from frontline.qgis_project import export_qgs

    gpkg = exports["gpkg"].path
    qgs = export_qgs(gpkg, tmp_path / "frontline.qgs", synthetic_registry, synthetic_theatre)
    script = tmp_path / "check.py"
    script.write_text(PYQGIS_CHECK, encoding="utf-8")
    proc = subprocess.run(
        [SYSTEM_PYTHON, str(script), str(gpkg), str(qgs)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=sandbox_env(tmp_path / "home"),  # QGIS writes its profile into HOME
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")), None)
    assert line is not None, proc.stdout + proc.stderr
    res = json.loads(line[len("RESULT") :])
    control = res["gpkg"]["control"]
    assert control["valid"] and control["count"] == 8 and control["renderer"] == "categorizedSymbol"
    colours = dict(control["categories"])
    for f in synthetic_registry:
        assert colours[f.id] == f.colour.lower()
    assert control["types"]["valid_from"] == "Date" and control["types"]["valid_to"] == "Date"
    assert res["gpkg"]["gazetteer"]["labels"] and res["gpkg"]["link_ups"]["labels"]
    assert res["qgs"]["read"]
    for name in ("control", "front_lines", "changes", "link_ups"):
        assert res["qgs"][name]["valid"]
        assert res["qgs"][name]["temporal"] == [True, 2, "valid_from", "valid_to"], name
    assert res["qgs"]["observations"]["temporal"] == [True, 1, "date", ""]


def test_broken_theatre_observations_are_skipped_not_fatal(
    tmp_path, synthetic_data_dir, synthetic_registry, synthetic_gazetteer
):
    from frontline.errors import DataFileError
    from frontline.export import export_gpkg
    from frontline.theatre import Theatre

    theatre = Theatre.load("testland", synthetic_data_dir)
    with open(theatre.observations_path, "a", encoding="utf-8") as fh:
        fh.write('2020-03-01,Nowhere-at-all,red,"Synthetic Times, 2020-03-01, ""x""",1.0,\n')
    h = write_history(tmp_path / "h", theatre, synthetic_registry)
    res = export_gpkg(
        h, tmp_path / "a.gpkg", gazetteer=synthetic_gazetteer, layers=["control", "observations"]
    )
    assert "observations" not in res.layers and "Nowhere" in res.skipped["observations"]
    with pytest.raises(DataFileError):  # a file given explicitly must be right
        export_gpkg(
            h,
            tmp_path / "b.gpkg",
            gazetteer=synthetic_gazetteer,
            observations=theatre.observations_path,
        )
    assert not (tmp_path / "b.gpkg").exists()


@pytest.mark.needs("ogrinfo")
def test_bare_history_without_registry_or_theatre(tmp_path, history):
    """A folder of snapshots alone still exports: control only, the rest skipped with reasons."""
    from frontline.export import export_gpkg
    from frontline.layerio import read_layer_styles
    from frontline.store import ControlHistory

    bare = ControlHistory(history.directory)
    res = export_gpkg(bare, tmp_path / "bare.gpkg")
    assert list(res.layers) == ["control"]
    assert set(res.skipped) == set(EXPECTED_GEOMETRY) - {"control"}
    layers, stderr = ogrinfo(res.path)
    assert stderr.strip() == "" and layers["control"]["count"] == 8
    assert 'value="black"' in read_layer_styles(res.path)["control"]  # present factions get a class
