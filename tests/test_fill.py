"""The fill policy: theatre settings, the nearest/radius/complement fills, basis and support.

Synthetic data (tests/conftest.py): the testland theatre over real Syrian, Iraqi and Jordanian
land; its file asks for the radius fill, so these tests choose the nearest fill explicitly.
"""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import SYNTHETIC_THEATRE, dedent

from frontline.build import build_snapshot, place_cells, read_observations
from frontline.control import INFERRED, OBSERVED, ControlSnapshot, Support
from frontline.diff import diff
from frontline.errors import DataFileError, OverlapError
from frontline.fill import apply_fill, land_layers, observed_fraction, project
from frontline.geo import geodesic_area_km2
from frontline.render.furniture import inferred_item
from frontline.theatre import FillPolicy, Theatre


# -- the theatre setting ---------------------------------------------------------------------------
def test_fill_policy_defaults_and_forms():
    assert FillPolicy.from_value(None) == FillPolicy()
    assert FillPolicy().mode == "nearest" and FillPolicy().observed_km == 15.0
    assert FillPolicy.from_value("radius").mode == "radius"
    short = FillPolicy.from_value({"complement": "blue"})
    assert (short.mode, short.faction) == ("complement", "blue")
    full = FillPolicy.from_value(
        {"mode": "nearest", "observed_km": 10, "far_km": 40, "stale_days": 30, "warn_share": 0.4}
    )
    assert (full.observed_km, full.far_km, full.stale_days, full.warn_share) == (10, 40, 30, 0.4)
    assert full.with_mode("radius").mode == "radius" and full.with_mode(None) is full


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("voronoi", "not one of nearest, radius, complement"),
        ({"mode": "nearest", "observed_km": -1}, "observed_km must be a positive number"),
        ({"observed_km": "far"}, "observed_km must be a number"),
        ({"stale_days": 1.5}, "whole days"),
        ({"warn_share": 1.5}, "between 0 and 1"),
        ({"mode": "complement"}, "needs the faction"),
        ({"mode": "radius", "faction": "blue"}, "only used with mode complement"),
        ({"mode": "nearest", "radius": 3}, "unknown setting(s) radius"),
        ({"mode": "radius", "complement": "blue"}, "keep one"),
        (["nearest"], "not list"),
    ],
)
def test_bad_fill_settings_are_named(value, words):
    with pytest.raises(DataFileError, match="theatres/x.yaml") as err:
        FillPolicy.from_value(value, "theatres/x.yaml")
    assert words in str(err.value)


def test_theatre_file_fill(tmp_path, synthetic_data_dir):
    theatre = Theatre.load(SYNTHETIC_THEATRE, synthetic_data_dir)
    assert theatre.fill.mode == "radius" and theatre.fill.observed_km == 50
    path = synthetic_data_dir / "theatres" / f"{SYNTHETIC_THEATRE}.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("fill: {mode: radius", "fill: {mode: radial"),
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match=r"testland.yaml: fill mode 'radial'"):
        Theatre.load(SYNTHETIC_THEATRE, synthetic_data_dir)
    plain = {k: v for k, v in {"id": "t", "extent": [38, 32, 41, 35]}.items()}
    assert Theatre.from_mapping(plain, tmp_path).fill == FillPolicy()  # no fill: nearest


# -- the nearest fill --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def nearest(synthetic_observations, synthetic_theatre, synthetic_registry):
    return {
        d: build_snapshot(
            synthetic_observations,
            d,
            synthetic_theatre,
            registry=synthetic_registry,
            fill=FillPolicy(mode="nearest"),  # observed_km 15, far_km 50, stale_days 90
        )
        for d in ("2020-01-01", "2020-02-01", "2020-03-01")
    }


def _country_land(theatre, iso):
    from frontline.theatre import natural_earth_countries

    ne = natural_earth_countries().set_index("iso_a2")
    return shapely.intersection(ne.loc[iso].geometry, theatre.land())


def test_nearest_fill_covers_every_country_with_an_observed_place(nearest, synthetic_theatre):
    snap = nearest["2020-03-01"]
    land = float(geodesic_area_km2(synthetic_theatre.land()))
    held = sum(snap.area_km2().values())
    assert held == pytest.approx(land, rel=2e-3)  # SY, IQ and JO each have an observed place
    # each piece of land goes to the nearest observed place of its own country
    where = {"SY": (38.5, 34.2), "IQ": (40.0, 33.8), "JO": (38.8, 32.7)}  # twin-sy, twin-iq, golf
    assert snap.faction_at(*where["SY"]) == "red"  # Alpha and Charlie (red on 2020-02-01)
    assert snap.faction_at(*where["JO"]) == "grey"
    assert snap.faction_at(*where["IQ"]) == "blue"  # Delta, the nearest Iraqi place
    for f in snap.factions:  # no cell crosses a border
        g = snap.geometry_of(f)
        in_one = [
            shapely.area(shapely.intersection(g, _country_land(synthetic_theatre, c)))
            for c in ("SY", "IQ", "JO")
        ]
        assert max(in_one) > 0
    assert (
        snap.geometry_of("grey")
        .difference(_country_land(synthetic_theatre, "JO").buffer(1e-4))
        .area
        < 1e-6
    )


def test_a_country_without_observed_places_stays_unknown(
    tmp_path, synthetic_registry, synthetic_gazetteer, synthetic_theatre
):
    path = tmp_path / "obs.csv"
    path.write_text(
        "date,place,faction,source,confidence,note\n2020-01-01,Alpha,red,a,,\n", encoding="utf-8"
    )
    obs = read_observations(path, synthetic_registry, synthetic_gazetteer)
    snap = build_snapshot(obs, "2020-01-01", synthetic_theatre, fill="nearest")
    assert snap.factions == ["red"]
    red = snap.geometry_of("red")
    sy = _country_land(synthetic_theatre, "SY")
    assert abs(red.area - sy.area) < 1e-3 * sy.area  # all of Syria's land in the theatre
    assert snap.faction_at(40.0, 33.8) == "unknown"  # Iraq: nobody observed there


def test_contested_place_keeps_its_cell_unknown(
    tmp_path, synthetic_registry, synthetic_gazetteer, synthetic_theatre
):
    path = tmp_path / "obs.csv"
    path.write_text(
        dedent("""
        date,place,faction,source,confidence,note
        2020-01-01,Alpha,red,a,,
        2020-01-01,Charlie,unknown,b,,contested
        """),
        encoding="utf-8",
    )
    obs = read_observations(path, synthetic_registry, synthetic_gazetteer)
    snap = build_snapshot(obs, "2020-01-01", synthetic_theatre, fill="nearest")
    assert snap.faction_at(38.6, 33.45) == "unknown"
    assert snap.faction_at(38.9, 33.9) == "red"


def test_basis_is_observed_near_the_place_and_inferred_beyond(nearest, synthetic_theatre):
    snap = nearest["2020-03-01"]
    assert set(snap.areas["basis"]) == {OBSERVED, INFERRED}
    layers = land_layers(synthetic_theatre)
    places = project(
        shapely.MultiPoint([(38.9, 33.9), (38.6, 33.45)]), layers.fwd
    )  # Alpha, Charlie
    observed = project(snap.geometry_of("red", OBSERVED), layers.fwd)
    inferred = project(snap.geometry_of("red", INFERRED), layers.fwd)
    # observed ground lies within observed_km of an observed place; inferred ground beyond
    assert observed.difference(places.buffer(15_000 * 1.001)).area < 1.0
    assert inferred.intersection(places.buffer(15_000 * 0.999)).area < 1.0
    assert observed.intersection(inferred).area < 1.0  # they only share edges
    whole = snap.geometry_of("red")
    assert whole.area == pytest.approx(
        snap.geometry_of("red", OBSERVED).area + snap.geometry_of("red", INFERRED).area, rel=1e-6
    )
    assert 0.0 < observed_fraction(snap) < 0.5
    assert "inferred" in snap.areas.set_index(["faction", "basis"]).loc[("red", INFERRED), "note"]


def test_support_report(nearest, synthetic_observations, synthetic_theatre):
    first, last = nearest["2020-01-01"].support, nearest["2020-03-01"].support
    assert first is not None and last is not None
    assert (first.far_km, first.stale_days, first.observed_km) == (50.0, 90, 15.0)
    assert first.stale_share == 0.0  # every observation is fresh on its own date
    assert 0 < first.far_share < 1 and first.share == pytest.approx(first.far_share)
    old = build_snapshot(
        synthetic_observations,
        "2020-12-31",
        synthetic_theatre,
        fill=FillPolicy(stale_days=30),
    ).support
    assert old is not None and old.stale_share == pytest.approx(1.0) and old.share == 1.0
    assert "rests on observations > 50 km away or > 30 days old" in old.text()


def test_snapshot_files_keep_basis_and_support(nearest):
    snap = nearest["2020-02-01"]
    text = snap.to_geojson()
    doc = json.loads(text)
    assert doc["support"] == snap.support.to_dict()
    assert {f["properties"]["basis"] for f in doc["features"]} == {OBSERVED, INFERRED}
    again = ControlSnapshot.from_geojson(text)
    assert again.to_geojson() == text and again.support == snap.support
    keys = [(f["properties"]["faction"], f["properties"]["basis"]) for f in doc["features"]]
    assert keys == sorted(keys)  # by faction, then basis


def test_place_cells_partition_the_snapshot(nearest, synthetic_observations, synthetic_theatre):
    cells = place_cells(
        synthetic_observations, "2020-03-01", synthetic_theatre, fill=FillPolicy(mode="nearest")
    )
    assert set(cells["place_id"]) >= {"alpha", "charlie", "delta", "golf"}
    snap = nearest["2020-03-01"]
    for f in snap.factions:
        mine = shapely.union_all(cells[cells["faction"] == f].geometry.values)
        whole = snap.geometry_of(f)
        assert mine.symmetric_difference(whole).area < 1e-4 * whole.area  # slivers only


# -- radius and complement ----------------------------------------------------------------------
def test_radius_fill_marks_ground_beyond_observed_km_inferred(
    synthetic_observations, synthetic_theatre
):
    policy = FillPolicy(mode="radius", observed_km=10)
    snap = build_snapshot(synthetic_observations, "2020-02-01", synthetic_theatre, fill=policy)
    cyan = snap.area_by_basis()  # Echo, a village: 15 km in this theatre, 10 of them observed
    assert cyan[("cyan", OBSERVED)] == pytest.approx(np.pi * 10**2, rel=0.03)
    assert cyan[("cyan", INFERRED)] == pytest.approx(np.pi * (15**2 - 10**2), rel=0.03)
    assert snap.faction_at(40.3, 32.5) == "unknown"  # beyond every radius


def test_complement_fill_gives_unclaimed_land_to_one_faction(
    synthetic_observations, synthetic_theatre
):
    policy = FillPolicy(mode="complement", faction="grey", observed_km=50)
    snap = build_snapshot(synthetic_observations, "2020-02-01", synthetic_theatre, fill=policy)
    assert snap.faction_at(40.3, 32.5) == "grey"  # beyond every radius: the complement
    assert snap.faction_at(38.9, 33.9) == "red"  # Alpha keeps its radius
    land = float(geodesic_area_km2(synthetic_theatre.land()))
    assert sum(snap.area_km2().values()) == pytest.approx(land, rel=2e-3)
    grey = snap.areas.set_index(["faction", "basis"])
    assert ("grey", INFERRED) in grey.index
    assert snap.support is not None and snap.support.far_share > 0.3  # unclaimed land is far


def test_apply_fill_on_areas(synthetic_theatre, synthetic_registry):
    areas = gpd.GeoDataFrame(
        {"faction": ["red", "blue"]},
        geometry=[shapely.box(38.6, 33.6, 39.0, 34.0), shapely.box(40.0, 33.0, 40.4, 33.4)],
        crs="EPSG:4326",
    )
    snap = ControlSnapshot.from_areas("2020-01-01", areas, theatre=SYNTHETIC_THEATRE)
    comp = apply_fill(snap, synthetic_theatre, FillPolicy(mode="complement", faction="grey"))
    comp.validate(synthetic_registry, synthetic_theatre)
    assert comp.faction_at(38.8, 33.8) == "red" and comp.faction_at(41.0, 34.3) == "grey"
    assert comp.areas.set_index("faction").loc["grey", "basis"] == INFERRED
    near = apply_fill(areas, synthetic_theatre, "nearest", date="2020-01-01")
    near.validate(synthetic_registry, synthetic_theatre)
    assert near.faction_at(38.3, 34.4) == "red"  # Syria: red is the only area there
    assert near.faction_at(41.2, 33.2) == "blue"  # Iraq: blue
    assert near.faction_at(38.8, 32.6) == "unknown"  # Jordan: no area in it
    # the given areas are kept as they are, observed
    kept = near.areas.set_index(["faction", "basis"])
    assert kept.loc[("red", OBSERVED)].geometry.equals(snap.geometry_of("red"))
    assert apply_fill(snap, synthetic_theatre, "radius") is snap
    # a claimed area that stops short of the theatre's edge (an independently digitised
    # border) leaves a strip: it stays unknown instead of becoming the complement's, with a
    # front around it
    edge = areas.copy()
    edge.loc[1, "geometry"] = shapely.box(41.0, 32.3, 41.495, 34.6)  # 500 m short of 41.5
    strip = apply_fill(edge, synthetic_theatre, FillPolicy(mode="complement", faction="grey"),
                       date="2020-01-01")  # fmt: skip
    strip.validate(synthetic_registry, synthetic_theatre)
    assert strip.faction_at(41.4975, 33.5) == "unknown" and strip.faction_at(39.5, 33.2) == "grey"
    # the legend says how the inferred ground was given
    assert "nobody else's" in inferred_item(comp).label.replace("\n", " ")
    assert "nearest one" in inferred_item(near).label.replace("\n", " ")
    # and so do the notes of a change report
    assert "nobody else's" in diff(snap, comp).to_markdown()
    assert "nearest observed place" in diff(snap, near).to_markdown()
    blank = apply_fill(
        snap, synthetic_theatre, "nearest", blank=shapely.box(38.0, 34.2, 38.4, 34.6)
    )
    assert blank.faction_at(38.2, 34.4) == "unknown"


# -- snapshots with a basis --------------------------------------------------------------------
def _two_bases(overlap: float = 0.0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"faction": ["red", "red"], "basis": [OBSERVED, INFERRED]},
        geometry=[shapely.box(38, 33, 38.5, 34), shapely.box(38.5 - overlap, 33, 39, 34)],
        crs="EPSG:4326",
    )


def test_a_faction_is_the_union_of_its_features():
    snap = ControlSnapshot.from_areas("2020-01-01", _two_bases())
    assert snap.factions == ["red"] and len(snap.areas) == 2
    assert snap.geometry_of("red").equals(shapely.box(38, 33, 39, 34).normalize()) or (
        snap.geometry_of("red").symmetric_difference(shapely.box(38, 33, 39, 34)).area < 1e-12
    )
    km2 = snap.area_km2()["red"]
    assert km2 == pytest.approx(float(geodesic_area_km2(shapely.box(38, 33, 39, 34))), rel=1e-9)
    assert snap.inferred_km2()["red"] == pytest.approx(km2 / 2, rel=1e-3)
    assert snap.faction_at(38.7, 33.5) == "red"


def test_old_files_without_basis_read_as_observed():
    old = (
        '{"type": "FeatureCollection", "date": "2020-01-01", "features": [\n'
        '{"type": "Feature", "properties": {"confidence": 1.0, "date": "2020-01-01", '
        '"faction": "red", "note": "", "sources": []}, "geometry": {"type": "Polygon", '
        '"coordinates": [[[38,33],[39,33],[39,34],[38,34],[38,33]]]}}\n]}\n'
    )
    snap = ControlSnapshot.from_geojson(old)
    assert list(snap.areas["basis"]) == [OBSERVED] and snap.support is None
    assert '"basis": "observed"' in snap.to_geojson()
    bare = ControlSnapshot(dt.date(2020, 1, 1), snap.areas.drop(columns="basis"))
    assert list(bare.areas["basis"]) == [OBSERVED]  # a snapshot always has the column


def test_bad_basis_and_overlapping_parts_are_refused(synthetic_registry):
    bad = _two_bases().assign(basis=["observed", "guessed"])
    with pytest.raises(DataFileError, match="basis 'guessed' is neither"):
        ControlSnapshot.from_areas("2020-01-01", bad)
    snap = ControlSnapshot.from_areas("2020-01-01", _two_bases(overlap=0.1))
    with pytest.raises(OverlapError, match=r"red \(inferred\) and red both claim"):
        snap.validate(synthetic_registry)
    with pytest.raises(DataFileError, match="support member needs"):
        ControlSnapshot.from_geojson(
            '{"type": "FeatureCollection", "date": "2020-01-01", "support": {"share": 1}, '
            '"features": []}'
        )


def test_support_round_trip():
    s = Support(15, 50, 90, 0.123456, 0.5, 0.6)
    assert Support.from_dict(s.to_dict()).to_dict() == s.to_dict()
    assert s.to_dict()["far_share"] == 0.1235


# -- the command line ----------------------------------------------------------------------------
def test_cli_build_and_import_with_a_fill(cli_runner, synthetic_data_dir, tmp_path):
    from frontline.cli import cli
    from frontline.store import ControlHistory

    base = ["--data", str(synthetic_data_dir), "--theatre", SYNTHETIC_THEATRE]
    r = cli_runner.invoke(
        cli, [*base, "control", "build", "--fill", "nearest", "--date", "2020-02-01"]
    )
    assert r.exit_code == 0, r.output
    assert "(fill: nearest)" in r.output
    snap = ControlHistory.load(SYNTHETIC_THEATRE, synthetic_data_dir).get("2020-02-01")
    assert INFERRED in set(snap.areas["basis"]) and snap.support is not None
    listed = cli_runner.invoke(cli, [*base, "control", "list"])
    assert listed.exit_code == 0 and "far/old" in listed.output and "(" in listed.output
    drawn = tmp_path / "drawn.geojson"
    gpd.GeoDataFrame(
        {"faction": ["red"]}, geometry=[shapely.box(38.6, 33.6, 39.0, 34.0)], crs="EPSG:4326"
    ).to_file(drawn, driver="GeoJSON")
    r = cli_runner.invoke(
        cli,
        [*base, "control", "import", str(drawn), "--date", "2020-03-15", "--fill", "nearest"],
    )
    assert r.exit_code == 0, r.output
    imported = ControlHistory.load(SYNTHETIC_THEATRE, synthetic_data_dir).get("2020-03-15")
    assert imported.faction_at(38.3, 34.4) == "red"  # all Syria's land: red, inferred
    drawn_red = imported.geometry_of("red", OBSERVED)  # the drawn box, kept as drawn
    assert drawn_red.symmetric_difference(shapely.box(38.6, 33.6, 39.0, 34.0)).area < 1e-8
    assert imported.support is None
    bad = cli_runner.invoke(
        cli, [*base, "control", "import", str(drawn), "--date", "2020-03-16", "--fill", "theatre",
              "--override"],
    )  # fmt: skip
    assert bad.exit_code == 2 and "do not go together" in bad.output
