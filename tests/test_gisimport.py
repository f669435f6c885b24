"""The one reader of GIS layers (``gisimport.AreaReader``) in its two modes.

A file drawn by hand (``control import FILE``, ``read_areas``: ``drift=None``) refuses what a
file of a published series (``control import FOLDER``: a ``Drift`` given) handles and reports.
Illustrative synthetic areas (two boxes in the synthetic theatre), written at test time.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pytest
import shapely

from frontline.errors import DataFileError, InvalidGeometryError
from frontline.gisimport import AreaReader, Drift, read_dated_areas

RED = shapely.box(38.5, 33.0, 39.0, 33.5)
BLUE = shapely.box(39.0, 33.0, 39.5, 33.5)
DAY = dt.date(2020, 1, 1)


def _write(tmp_path, name, factions, geoms, crs="EPSG:4326"):
    path = tmp_path / name
    gpd.GeoDataFrame({"faction": factions}, geometry=geoms, crs=crs).to_file(path, engine="pyogrio")
    return path


def test_a_clean_file_reads_the_same_in_both_modes(tmp_path, synthetic_registry):
    path = _write(tmp_path, "clean.gpkg", ["Red forces", "blue"], [RED, BLUE])
    (drawn,) = read_dated_areas(path, DAY, registry=synthetic_registry)
    (series,) = AreaReader(registry=synthetic_registry, drift=(drift := Drift())).read(path, DAY)
    assert drawn.date == series.date == DAY and not drift
    for got in (drawn, series):
        assert list(got.areas["faction"]) == ["red", "blue"]
        assert got.areas.crs == "EPSG:4326"
        assert shapely.equals(got.areas.geometry.values, [RED, BLUE]).all()


def test_a_geometry_collection_is_refused_when_drawn_and_kept_in_a_series(
    tmp_path, synthetic_registry
):
    path = _write(
        tmp_path, "drift.gpkg", ["red", "blue"],
        [RED, shapely.GeometryCollection([BLUE, shapely.Point(39.2, 33.2)])],
    )  # fmt: skip
    with pytest.raises(InvalidGeometryError, match=r"feature 2 \(blue\) is a GeometryCollection"):
        read_dated_areas(path, DAY, registry=synthetic_registry)
    drift = Drift()
    (day,) = AreaReader(registry=synthetic_registry, drift=drift).read(path, DAY, "drift.gpkg")
    assert list(day.areas["faction"]) == ["red", "blue"]
    assert day.areas.geometry.values[1].equals(BLUE)
    assert drift.lines() == [
        "geometry collections (polygonal parts kept): 1 feature(s) in 1 file(s) "
        "(first: drift.gpkg feature 2)"
    ]


def test_an_invalid_ring_of_a_projected_file_is_located_in_lon_lat(tmp_path):
    bowtie = shapely.Polygon([(38.5, 33.0), (39.0, 33.5), (39.0, 33.0), (38.5, 33.5)])
    projected = gpd.GeoSeries([bowtie], crs="EPSG:4326").to_crs("EPSG:3857").values
    path = _write(tmp_path, "tie.gpkg", ["red"], projected, crs="EPSG:3857")
    for reader in (AreaReader(), AreaReader(drift=Drift())):
        with pytest.raises(InvalidGeometryError, match=r"near lon/lat \(38\.75\d*, 33\.2"):
            reader.read(path, DAY)
    drift = Drift()
    (day,) = AreaReader(drift=drift, repair=True).read(path, DAY, "tie.gpkg")
    assert day.areas.geometry.is_valid.all() and day.areas.crs == "EPSG:4326"
    assert [line.split(":")[0] for line in drift.lines()] == [
        "other CRS (reprojected to lon/lat)",
        "invalid geometries (repaired, --repair)",
    ]


def test_a_row_without_a_faction_is_named_in_both_modes(tmp_path):
    path = _write(tmp_path, "nofaction.gpkg", ["red", None], [RED, BLUE])
    with pytest.raises(DataFileError, match=r"feature 2 has no 'faction'; fill it, or delete"):
        read_dated_areas(path, DAY)
    with pytest.raises(DataFileError, match=r"feature 2 has no 'faction'.*--skip-bad"):
        AreaReader(drift=Drift()).read(path, DAY)
    drift = Drift()
    (day,) = AreaReader(drift=drift, skip_bad=True).read(path, DAY)
    assert list(day.areas["faction"]) == ["red"] and drift.counts["no_faction"] == 1
