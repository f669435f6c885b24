import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontline.control import ControlSnapshot, read_areas
from frontline.errors import (
    CRSError,
    DataFileError,
    InvalidDateError,
    InvalidGeometryError,
    OutsideTheatreError,
    OverlapError,
    UnknownFactionError,
)
from frontline.geojson import normalise_geometry, to_multipolygon


def _snap(areas, date="2020-01-01", **kw):
    return ControlSnapshot.from_areas(date, areas, theatre="testland", **kw)


RED = shapely.box(38.5, 33.0, 39.0, 33.5)
BLUE = shapely.box(39.0, 33.0, 39.5, 33.5)


def test_round_trip_is_byte_identical(tmp_path):
    snap = _snap({"red": RED, "blue": BLUE}, sources=["Synthetic Times"])
    text = snap.to_geojson()
    path = tmp_path / "2020-01-01.geojson"
    path.write_text(text, encoding="utf-8")
    again = ControlSnapshot.from_geojson(path)
    assert again.date == dt.date(2020, 1, 1)
    assert again.to_geojson() == text
    assert again == snap


def test_output_is_deterministic_and_one_feature_per_line():
    a = _snap({"red": RED, "blue": BLUE})
    # same ground, other vertex order and row order
    b = _snap(
        {
            "blue": shapely.Polygon(list(BLUE.exterior.coords)[::-1]),
            "red": shapely.box(38.5, 33.0, 39.0, 33.5, ccw=False),
        }
    )
    assert a.to_geojson() == b.to_geojson()
    lines = a.to_geojson().splitlines()
    assert lines[0].startswith('{"type": "FeatureCollection"')
    features = [ln for ln in lines if ln.startswith('{"type": "Feature"')]
    assert [json.loads(f.rstrip(","))["properties"]["faction"] for f in features] == ["blue", "red"]
    doc = json.loads(a.to_geojson())
    assert doc["date"] == "2020-01-01"
    props = doc["features"][0]["properties"]
    assert list(props) == sorted(props)


def test_exterior_rings_are_counter_clockwise_and_rounded():
    snap = _snap({"red": shapely.box(38.123456789, 33.0, 39.0, 33.5, ccw=False)})
    doc = json.loads(snap.to_geojson())
    ring = doc["features"][0]["geometry"]["coordinates"][0][0]
    assert shapely.LinearRing(ring).is_ccw
    assert all(len(str(c).split(".")[-1]) <= 5 for xy in ring for c in xy)


def test_dissolves_rows_of_one_faction():
    gdf = gpd.GeoDataFrame(
        {"faction": ["red", "red", "blue"], "sources": ["a", "b|c", '["d"]']},
        geometry=[RED, shapely.box(38.5, 33.5, 39.0, 34.0), BLUE],
        crs="EPSG:4326",
    )
    snap = _snap(gdf)
    assert snap.factions == ["blue", "red"]
    red = snap.areas.set_index("faction").loc["red"]
    assert red.sources == ["a", "b", "c"]
    assert red.geometry.area == pytest.approx(0.5)


def test_invalid_geometry_is_reported_with_faction_and_date(synthetic_registry):
    bowtie = shapely.Polygon([(38.5, 33.0), (39.0, 33.5), (39.0, 33.0), (38.5, 33.5), (38.5, 33.0)])
    snap = ControlSnapshot(
        "2020-01-01" and dt.date(2020, 1, 1),
        gpd.GeoDataFrame(
            {"faction": ["red"], "sources": [[]], "confidence": [1.0], "note": [""]},
            geometry=[shapely.MultiPolygon([bowtie])],
            crs="EPSG:4326",
        ),
    )
    with pytest.raises(InvalidGeometryError, match=r"2020-01-01.*red.*Self-intersection"):
        snap.validate(synthetic_registry)
    fixed = snap.validate(synthetic_registry, repair=True)
    assert fixed.areas.geometry.is_valid.all()


def test_overlap_beyond_tolerance_names_both_factions(synthetic_registry):
    snap = _snap({"red": RED, "blue": shapely.box(38.9, 33.0, 39.5, 33.5)})  # ~0.1° strip, ~500 km²
    with pytest.raises(OverlapError, match=r"2020-01-01: blue and red both claim [\d.]+ km²"):
        snap.validate(synthetic_registry)
    # a sliver under the tolerance passes
    ok = _snap({"red": RED, "blue": shapely.box(38.99999, 33.0, 39.5, 33.5)})
    ok.validate(synthetic_registry)


def test_overlap_message_uses_describe(synthetic_registry, synthetic_gazetteer):
    snap = _snap({"red": RED, "blue": shapely.box(38.9, 33.0, 39.5, 33.5)})
    with pytest.raises(OverlapError, match=r"of (Bravo|Charlie Base|Alpha)"):
        snap.validate(synthetic_registry, describe=synthetic_gazetteer.describe)


def test_unknown_faction_suggests(synthetic_registry):
    snap = _snap({"redd": RED})
    with pytest.raises(UnknownFactionError, match=r"'redd'.*did you mean"):
        snap.validate(synthetic_registry)


def test_aliases_resolve_to_ids(synthetic_registry):
    snap = _snap({"Red forces": RED, "BA": BLUE}).validate(synthetic_registry)
    assert snap.factions == ["blue", "red"]


def test_bad_date():
    with pytest.raises(InvalidDateError):
        _snap({"red": RED}, date="2020-02-30")
    text = _snap({"red": RED}).to_geojson().replace("2020-01-01", "2020-13-01")
    with pytest.raises(InvalidDateError):
        ControlSnapshot.from_geojson(text)


def test_projected_coordinates_are_rejected():
    projected = gpd.GeoSeries([RED], crs="EPSG:4326").to_crs("EPSG:32637").iloc[0]
    gdf = gpd.GeoDataFrame({"faction": ["red"]}, geometry=[projected], crs=None)
    with pytest.raises(CRSError, match="not lon/lat"):
        ControlSnapshot.from_areas("2020-01-01", gdf)
    text = json.dumps(
        {
            "type": "FeatureCollection",
            "date": "2020-01-01",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"faction": "red"},
                    "geometry": shapely.geometry.mapping(projected),
                }
            ],
        }
    )
    with pytest.raises(CRSError):
        ControlSnapshot.from_geojson(text)


def test_named_non_wgs84_crs_is_rejected():
    text = (
        _snap({"red": RED})
        .to_geojson()
        .replace(
            '"date": "2020-01-01",',
            '"date": "2020-01-01", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},',
            1,
        )
    )
    with pytest.raises(CRSError, match="EPSG:3857"):
        ControlSnapshot.from_geojson(text)


def test_outside_theatre(synthetic_theatre):
    far = shapely.box(30.0, 20.0, 31.0, 21.0)
    with pytest.raises(OutsideTheatreError, match="testland"):
        _snap({"red": far}).validate(theatre=synthetic_theatre)
    _snap({"red": RED}).validate(theatre=synthetic_theatre)


def test_unknown_feature_is_rejected(synthetic_registry):
    with pytest.raises(InvalidGeometryError, match="unknown"):
        _snap({"unknown": RED}).validate(synthetic_registry)


def test_faction_at_and_areas():
    snap = _snap({"red": RED, "blue": BLUE})
    assert snap.faction_at(38.7, 33.2) == "red"
    assert list(snap.faction_at(np.array([39.2, 45.0]), np.array([33.2, 33.2]))) == [
        "blue",
        "unknown",
    ]
    km2 = snap.area_km2()
    assert km2["red"] == pytest.approx(2570, rel=0.02)


# -- import from GIS files -------------------------------------------------------------------
def _gdf(crs="EPSG:4326"):
    gdf = gpd.GeoDataFrame(
        {"side": ["Red forces", "BA", "Red forces"], "sources": ["s1", "s2", "s3"]},
        geometry=[RED, BLUE, shapely.box(38.5, 33.5, 39.0, 34.0)],
        crs="EPSG:4326",
    )
    return gdf.to_crs(crs) if crs else gdf.set_crs(None, allow_override=True)


@pytest.mark.parametrize(
    "driver,suffix", [("GPKG", "gpkg"), ("ESRI Shapefile", "shp"), ("GeoJSON", "geojson")]
)
def test_import_any_format_any_crs(tmp_path, driver, suffix, synthetic_registry, synthetic_theatre):
    path = tmp_path / f"areas.{suffix}"
    _gdf("EPSG:32637").to_file(path, driver=driver, engine="pyogrio")
    snap = ControlSnapshot.read_file(
        path,
        "2020-01-01",
        faction_field="side",
        registry=synthetic_registry,
        theatre=synthetic_theatre,
    )
    assert snap.factions == ["blue", "red"]
    assert snap.theatre == "testland"
    red = snap.geometry_of("red")
    assert red.area == pytest.approx(0.5, rel=1e-3)
    assert sorted(snap.areas.set_index("faction").loc["red"].sources) == ["s1", "s3"]


def test_import_round_trip_matches_snapshot(tmp_path, synthetic_registry):
    snap = _snap({"red": RED, "blue": BLUE}, sources=["x"])
    gpkg = tmp_path / "edit.gpkg"
    out = snap.areas.to_crs("EPSG:3857")
    out["sources"] = out["sources"].map("|".join)
    out.to_file(gpkg, engine="pyogrio")
    again = ControlSnapshot.read_file(gpkg, "2020-01-01", registry=synthetic_registry)
    assert ControlSnapshot(again.date, again.areas, "testland").to_geojson() == snap.to_geojson()


def test_import_no_crs_with_projected_coordinates(tmp_path):
    projected = _gdf("EPSG:32637")
    shp = tmp_path / "nocrs.shp"  # a shapefile without .prj has no CRS
    with pytest.warns(UserWarning):
        projected.set_crs(None, allow_override=True).to_file(shp, engine="pyogrio")
    with pytest.raises(CRSError, match="no CRS"):
        read_areas(shp, "2020-01-01", faction_field="side")
    # GeoJSON with no crs member means WGS84 to GDAL: metres there are a wrong CRS
    path = tmp_path / "wrong.geojson"
    path.write_text(projected.set_crs(None, allow_override=True).to_json(), encoding="utf-8")
    with pytest.raises(CRSError, match="not lon/lat"):
        read_areas(path, "2020-01-01", faction_field="side")
    # with its CRS, the same coordinates import fine
    projected.to_file(tmp_path / "ok.geojson", driver="GeoJSON", engine="pyogrio")
    assert read_areas(tmp_path / "ok.geojson", "2020-01-01", faction_field="side")[0].factions == [
        "BA",
        "Red forces",
    ]


def test_import_invalid_geometry_needs_repair(tmp_path, synthetic_registry):
    bowtie = shapely.Polygon([(38.5, 33.0), (39.0, 33.5), (39.0, 33.0), (38.5, 33.5), (38.5, 33.0)])
    path = tmp_path / "bad.gpkg"
    gpd.GeoDataFrame({"faction": ["red"]}, geometry=[bowtie], crs="EPSG:4326").to_file(
        path, engine="pyogrio"
    )
    with pytest.raises(InvalidGeometryError, match=r"feature 1 \(red\) is invalid"):
        read_areas(path, "2020-01-01", registry=synthetic_registry)
    (snap,) = read_areas(path, "2020-01-01", registry=synthetic_registry, repair=True)
    assert snap.areas.geometry.is_valid.all()


def test_import_several_dates(tmp_path, synthetic_registry):
    gdf = gpd.GeoDataFrame(
        {
            "faction": ["red", "blue", "red"],
            "valid_from": ["2020-01-01", "2020-01-01", "2020-02-01"],
        },
        geometry=[RED, BLUE, RED.union(BLUE)],
        crs="EPSG:4326",
    )
    path = tmp_path / "history.gpkg"
    gdf.to_file(path, layer="control", engine="pyogrio")
    gdf.iloc[:1].to_file(path, layer="other", engine="pyogrio")
    snaps = read_areas(path, registry=synthetic_registry)
    assert [s.date.isoformat() for s in snaps] == ["2020-01-01", "2020-02-01"]
    assert snaps[1].factions == ["red"]
    (only,) = read_areas(path, "2020-02-01", registry=synthetic_registry)
    assert only.factions == ["red"]
    with pytest.raises(DataFileError, match="holds 2 dates"):
        ControlSnapshot.read_file(path)
    with pytest.raises(DataFileError, match="no features dated"):
        read_areas(path, "2021-01-01")
    with pytest.raises(DataFileError, match="choose one with --layer"):
        gdf.to_file(tmp_path / "two.gpkg", layer="a", engine="pyogrio")
        gdf.to_file(tmp_path / "two.gpkg", layer="b", engine="pyogrio")
        read_areas(tmp_path / "two.gpkg")


def test_import_errors(tmp_path, synthetic_registry):
    path = tmp_path / "a.gpkg"
    _gdf().to_file(path, engine="pyogrio")
    with pytest.raises(DataFileError, match="no column 'faction'.*--faction-field"):
        read_areas(path, "2020-01-01")
    with pytest.raises(DataFileError, match="no date column"):
        read_areas(path, faction_field="side")
    gpd.GeoDataFrame({"f": ["nobody"]}, geometry=[RED], crs="EPSG:4326").to_file(
        tmp_path / "u.gpkg", engine="pyogrio"
    )
    with pytest.raises(UnknownFactionError):
        read_areas(
            tmp_path / "u.gpkg", "2020-01-01", faction_field="f", registry=synthetic_registry
        )
    gpd.GeoDataFrame(
        {"faction": ["red"]}, geometry=[shapely.Point(39, 33)], crs="EPSG:4326"
    ).to_file(tmp_path / "p.gpkg", engine="pyogrio")
    with pytest.raises(InvalidGeometryError, match="Point"):
        read_areas(tmp_path / "p.gpkg", "2020-01-01")
    (tmp_path / "junk.gpkg").write_text("not a geopackage")
    with pytest.raises(DataFileError):
        read_areas(tmp_path / "junk.gpkg", "2020-01-01")


# -- hypothesis: random polygons survive the round trip -----------------------------------------
coords = st.floats(min_value=-179.0, max_value=179.0, allow_nan=False, allow_infinity=False)


@st.composite
def polygons(draw):
    n = draw(st.integers(min_value=3, max_value=12))
    cx = draw(st.floats(min_value=-170, max_value=170, allow_subnormal=False))
    cy = draw(st.floats(min_value=-80, max_value=80, allow_subnormal=False))
    radii = draw(
        st.lists(
            st.floats(min_value=0.001, max_value=5.0, allow_subnormal=False), min_size=n, max_size=n
        )
    )
    ang = np.sort(
        draw(
            st.lists(
                st.floats(min_value=0, max_value=2 * np.pi), min_size=n, max_size=n, unique=True
            )
        )
    )
    pts = np.column_stack([cx + np.array(radii) * np.cos(ang), cy + np.array(radii) * np.sin(ang)])
    return to_multipolygon(shapely.make_valid(shapely.Polygon(np.round(pts, 7))))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(polygons(), min_size=1, max_size=3))
def test_random_polygons_round_trip(polys):
    areas = {f"f{i}": p for i, p in enumerate(polys) if not normalise_geometry(p).is_empty}
    snap = ControlSnapshot.from_areas("2020-01-01", areas)
    text = snap.to_geojson()
    again = ControlSnapshot.from_geojson(text)
    assert again.to_geojson() == text
    for f, geom in areas.items():
        stored = again.geometry_of(f)
        # the stored geometry is the input snapped to the 1e-5° grid
        assert (
            stored.symmetric_difference(to_valid(geom)).area <= 1e-4 * max(geom.length, 1e-9) + 1e-9
        )
        assert stored.is_valid


def to_valid(g):
    return shapely.make_valid(g)


@pytest.mark.parametrize(
    "geometry",
    [
        '{"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]}',
        '{"type": "Polygon", "coordinates": [[1, 2]]}',
        '{"type": "MultiPolygon", "coordinates": [[[[40, 33], [41, 33], [41, "x"], [40, 33]]]]}',
        '{"type": "Polygon"}',
    ],
)
def test_malformed_geometry_is_named(geometry):
    from frontline.control import ControlSnapshot
    from frontline.errors import InvalidGeometryError

    text = (
        '{"type": "FeatureCollection", "date": "2017-01-01", "features": [{"type": "Feature", '
        '"properties": {"faction": "isis"}, "geometry": ' + geometry + "}]}"
    )
    with pytest.raises(InvalidGeometryError, match="feature 1 \\(isis\\) has a malformed geometry"):
        ControlSnapshot.from_geojson(text)


def test_pieces_that_collapse_on_the_storage_grid_are_dropped_not_fatal():
    import shapely

    from frontline.control import ControlSnapshot
    from frontline.geojson import normalise_geometry

    speck = shapely.Polygon([(40.0, 33.0), (40.000001, 33.000001), (40.000002, 33.0)])
    assert normalise_geometry(speck).is_empty
    both = shapely.MultiPolygon([shapely.box(41, 33, 42, 34), speck])
    assert normalise_geometry(both).equals(shapely.box(41, 33, 42, 34))
    snap = ControlSnapshot.from_areas("2017-06-09", {"isis": both})
    assert ControlSnapshot.from_geojson(snap.to_geojson()).to_geojson() == snap.to_geojson()
