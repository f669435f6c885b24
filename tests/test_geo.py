import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from frontline import geo


def _geod_km2(poly) -> float:
    """pyproj's ellipsoidal area of the polygon with edges straight in lon/lat (densified)."""
    dense = shapely.segmentize(poly, 0.01)
    return abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(dense)[0]) / 1e6


def test_area_matches_pyproj_geod():
    poly = shapely.Polygon([(38.6, 33.4), (39.9, 33.2), (40.3, 34.6), (38.9, 34.9)])
    assert geo.geodesic_area_km2(poly) == pytest.approx(_geod_km2(poly), rel=1e-6)


@given(
    lon=st.floats(-170, 169), lat=st.floats(-80, 79), w=st.floats(0.001, 1), h=st.floats(0.001, 1)
)
def test_area_agrees_with_pyproj_anywhere(lon, lat, w, h):
    poly = shapely.box(lon, lat, lon + w, lat + h)
    assert geo.geodesic_area_km2(poly) == pytest.approx(_geod_km2(poly), rel=1e-4)


def test_area_of_a_whole_is_the_sum_of_its_pieces():
    whole = shapely.box(38, 33, 41, 36)
    pieces = [
        shapely.box(38, 33, 39.3, 36),
        shapely.box(39.3, 33, 41, 34.1),
        shapely.box(39.3, 34.1, 41, 36),
    ]
    meter = geo.AreaMeter(bounds=whole.bounds)
    assert float(meter([whole])[0]) == pytest.approx(float(meter(pieces).sum()), rel=1e-9)


def test_area_in_a_given_crs_is_the_same_area():
    poly = shapely.box(40, 33, 41, 34)
    crs = geo.equal_area_crs((38, 31, 44, 37))
    expected = float(geo.geodesic_area_km2(poly))
    assert geo.geodesic_area_km2(poly, crs=crs) == pytest.approx(expected, rel=1e-9)


def test_one_cached_transformer_per_crs():
    crs = geo.equal_area_crs((38, 31, 44, 37))
    assert geo.lonlat_transformer(crs) is geo.lonlat_transformer(crs)


def test_area_vectorised_handles_missing_and_empty():
    out = geo.geodesic_area_km2([shapely.box(0, 0, 1, 1), None, shapely.Polygon()])
    assert out.shape == (3,)
    assert out[0] > 12000 and out[1] == 0 and out[2] == 0


def test_length_of_one_degree_of_latitude():
    line = shapely.LineString([(40, 33), (40, 34)])
    assert geo.geodesic_length_km(line) == pytest.approx(110.9, abs=0.2)


@pytest.mark.parametrize(
    "azimuth, expected",
    [
        (0, "N"),
        (22.4, "N"),
        (22.6, "NE"),
        (90, "E"),
        (135, "SE"),
        (180, "S"),
        (225, "SW"),
        (270, "W"),
        (315, "NW"),
        (359.9, "N"),
        (-45, "NW"),
    ],
)
def test_compass_point(azimuth, expected):
    assert geo.compass_point(azimuth) == expected


@given(
    lon=st.floats(-170, 170), lat=st.floats(-80, 80), az=st.floats(0, 359.9), km=st.floats(0.5, 500)
)
def test_destination_inverts_distance_and_azimuth(lon, lat, az, km):
    lon2, lat2 = geo.destination(lon, lat, az, km)
    assert geo.distance_km(lon, lat, lon2, lat2) == pytest.approx(km, rel=1e-6)
    back = geo.azimuth_deg(lon, lat, lon2, lat2)
    assert min(abs(back - az), 360 - abs(back - az)) < 1e-3


def test_describe_offset_wording():
    assert geo.describe_offset(8.2, 40, "At Tanf") == "8 km NE of At Tanf"
    assert geo.describe_offset(0.3, 40, "At Tanf") == "at At Tanf"
    assert geo.describe_offset(47, 180, "Mosul") == "45 km S of Mosul"


def test_equal_area_crs_preserves_area():
    box = shapely.box(40, 33, 41, 34)
    crs = geo.equal_area_crs((38, 31, 44, 37))
    t = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    projected = shapely.transform(
        shapely.segmentize(box, 0.01), lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1]))
    )
    assert projected.area / 1e6 == pytest.approx(float(geo.geodesic_area_km2(box)), rel=1e-3)
