"""Short one-line reprs and ``__geo_interface__`` of the public value types."""

import geopandas as gpd
import shapely
import shapely.geometry

from frontline.control import ControlSnapshot
from frontline.extract import extract_places
from frontline.gazetteer import Gazetteer, Place
from frontline.store import ControlHistory

MOSUL = Place(
    "mosul", "Mosul", tuple(f"Name {i}" for i in range(200)), "city", "IQ",
    36.335, 43.119, 3000, "test", 1_500_000, 3,
)  # fmt: skip


def _one_line(obj, limit=200):
    text = repr(obj)
    assert "\n" not in text and len(text) <= limit, text
    return text


def test_place_repr_and_geo_interface():
    assert _one_line(MOSUL) == (
        "Place(id='mosul', name='Mosul', kind='city', country='IQ', lat=36.3350, lon=43.1190)"
    )
    feat = MOSUL.__geo_interface__
    assert feat["type"] == "Feature" and feat["id"] == "mosul"
    assert shapely.geometry.shape(feat["geometry"]).equals(shapely.Point(43.119, 36.335))
    props = feat["properties"]
    assert props["name"] == "Mosul" and props["kind"] == "city" and props["importance"] == 3
    assert "lat" not in props and "lon" not in props
    frame = gpd.GeoDataFrame.from_features([MOSUL], crs="EPSG:4326")
    assert frame.loc[0, "name"] == "Mosul" and frame.geometry[0].x == 43.119


def test_gazetteer_and_match_reprs():
    g = Gazetteer([MOSUL])
    assert _one_line(g) == "Gazetteer(1 places: 1 curated, 0 GeoNames)"
    m = g.geocode("Mosul")[0]
    assert _one_line(m) == "Match(place='mosul', name='Mosul', score=100.0, reason='exact')"
    near = g.geocode("Mosul", near=(43.0, 36.3))[0]
    assert "distance_km=" in _one_line(near)
    assert list(g.ranks) == [0]
    assert not g.ranks.flags.writeable


def test_mention_repr_and_geo_interface():
    g = Gazetteer([MOSUL])
    (m,) = extract_places("Troops moved 20 km west of Mosul.", g)
    text = _one_line(m)
    assert text.startswith(
        "Mention(text='Mosul', start=27, end=32, place='mosul', relation='offset'"
    )
    feat = m.__geo_interface__
    assert feat["type"] == "Feature" and feat["geometry"]["type"] == "Point"
    assert feat["geometry"]["coordinates"] == [round(m.lon, 6), round(m.lat, 6)]
    assert feat["properties"]["place_id"] == "mosul" and feat["properties"]["relation"] == "offset"
    assert shapely.geometry.shape(m).x == round(m.lon, 6)  # shapely reads __geo_interface__
    frame = gpd.GeoDataFrame.from_features([m])
    assert frame.loc[0, "uncertainty_km"] == round(m.uncertainty_km, 3)


def test_snapshot_history_registry_theatre_reprs(synthetic_theatre, synthetic_registry, tmp_path):
    snap = ControlSnapshot.from_areas("2020-01-01", {"red": shapely.box(38.5, 33, 39, 33.5)})
    assert _one_line(snap).startswith("ControlSnapshot(2020-01-01")
    h = ControlHistory(tmp_path / "control", synthetic_theatre, synthetic_registry)
    assert _one_line(h, 400).startswith("ControlHistory(")
    assert _one_line(synthetic_registry).startswith("FactionRegistry(")
    assert "red" in repr(synthetic_registry)
    text = _one_line(synthetic_theatre)
    assert text.startswith("Theatre(id='testland'") and "3 snapshot dates" in text
