import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import SYNTHETIC_DATES, SYNTHETIC_THEATRE

from frontline.build import (
    DEFAULT_RADIUS_KM,
    build_history,
    build_snapshot,
    overrides_dir,
    radius_table,
)
from frontline.control import ControlSnapshot
from frontline.errors import DataFileError, SnapshotExistsError
from frontline.observations import read_observations
from frontline.store import ControlHistory
from frontline.theatre import Theatre


# -- observations ----------------------------------------------------------------------------
def test_read_observations(synthetic_observations):
    obs = synthetic_observations
    assert len(obs) == 12
    assert obs.crs.to_epsg() == 4326
    assert set(obs["faction"]) == {
        "red",
        "black",
        "blue",
        "cyan",
        "grey",
    }  # aliases resolved to ids
    row = obs[(obs["place_id"] == "charlie") & (obs["date"] == dt.date(2020, 1, 1))].iloc[0]
    assert row["line"] == 3 and row["faction"] == "black" and row["confidence"] == 0.8
    assert row["kind"] == "military_base" and row["country"] == "SY"


def _write(tmp_path, body, header="date,place,faction,source,confidence,note"):
    path = tmp_path / "obs.csv"
    path.write_text(header + "\n" + body, encoding="utf-8")
    return path


def test_every_problem_is_reported_with_its_line(
    tmp_path, synthetic_registry, synthetic_gazetteer, synthetic_theatre
):
    path = _write(tmp_path, (
        "2020-01-01,Alpha,red,src,1,\n"          # line 2 fine
        "2020-02-30,Alpha,red,src,1,\n"          # line 3 bad date
        "2020-01-01,Alpha,redd,src,1,\n"         # line 4 unknown faction
        "2020-01-01,Zulu,red,src,1,\n"           # line 5 unknown place
        "2020-01-01,Twin,red,src,1,\n"           # line 6 ambiguous place
        "2020-01-01,Alpha,red,,1,\n"             # line 7 no source
        "2020-01-01,Alpha,red,src,1.5,\n"        # line 8 bad confidence
        "2020-01-01,Alpha,red,src\n"             # line 9 wrong field count
    ))  # fmt: skip
    with pytest.raises(DataFileError) as info:
        read_observations(path, synthetic_registry, synthetic_gazetteer, synthetic_theatre)
    msg = str(info.value)
    assert "7 problem(s)" in msg
    assert ":3: '2020-02-30' is not a date" in msg
    assert ":4: unknown faction 'redd'; did you mean: 'red'" in msg
    assert ":5: unknown place 'Zulu'" in msg
    assert ":6: place name 'Twin' is ambiguous" in msg
    assert ":7: the source is empty" in msg
    assert ":8: confidence '1.5'" in msg
    assert ":9: 4 fields" in msg
    assert len(info.value.problems) == 7


def test_country_column_disambiguates(tmp_path, synthetic_registry, synthetic_gazetteer):
    path = _write(
        tmp_path,
        "2020-01-01,Twin,red,src,,,IQ\n",
        header="date,place,faction,source,confidence,note,country",
    )
    obs = read_observations(path, synthetic_registry, synthetic_gazetteer)
    assert obs["place_id"].tolist() == ["twin-iq"] and obs["confidence"].tolist() == [1.0]


def test_same_day_conflicts(tmp_path, synthetic_registry, synthetic_gazetteer):
    tie = _write(tmp_path, "2020-01-01,Alpha,red,a,0.8,\n2020-01-01,alpha,blue,b,0.8,\n")
    with pytest.raises(DataFileError, match="lines 2, 3 say Alpha was held by blue and red"):
        read_observations(tie, synthetic_registry, synthetic_gazetteer)
    ranked = _write(tmp_path, "2020-01-01,Alpha,red,a,0.9,\n2020-01-01,alpha,blue,b,0.5,\n")
    obs = read_observations(ranked, synthetic_registry, synthetic_gazetteer)
    assert len(obs) == 2  # both kept; the build takes the more confident one


def test_header_and_file_errors(tmp_path, synthetic_registry, synthetic_gazetteer):
    with pytest.raises(DataFileError, match="header lacks column.*source"):
        read_observations(
            _write(tmp_path, "", header="date,place,faction"),
            synthetic_registry,
            synthetic_gazetteer,
        )
    with pytest.raises(DataFileError, match="not found"):
        read_observations(tmp_path / "none.csv", synthetic_registry, synthetic_gazetteer)
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("date,place,faction,source\n2020-01-01,Alpha,red,Caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataFileError, match="UTF-8"):
        read_observations(bad, synthetic_registry, synthetic_gazetteer)
    with pytest.raises(DataFileError, match="empty"):
        read_observations(
            _write(tmp_path, "", header="# only a comment"), synthetic_registry, synthetic_gazetteer
        )


def test_outside_theatre_is_reported(tmp_path, synthetic_registry, synthetic_theatre):
    from frontline.gazetteer import Gazetteer, Place

    far = Place("far", "Faraway", (), "town", "EG", 30.0, 31.0, 1000.0, "synthetic")
    path = _write(tmp_path, "2020-01-01,Faraway,red,src,,\n")
    with pytest.raises(DataFileError, match="outside theatre 'testland'"):
        read_observations(path, synthetic_registry, Gazetteer([far]), synthetic_theatre)


def test_comments_and_blank_lines_are_skipped(tmp_path, synthetic_registry, synthetic_gazetteer):
    path = _write(tmp_path, "# a comment\n\n2020-01-01,Alpha,red,src,,\n")
    obs = read_observations(path, synthetic_registry, synthetic_gazetteer)
    assert obs["line"].tolist() == [4]


# -- radii -----------------------------------------------------------------------------------
def test_radius_table(synthetic_theatre):
    table = radius_table(synthetic_theatre)
    assert table["town"] == 25.0  # from the theatre
    assert table["border_crossing"] == DEFAULT_RADIUS_KM["border_crossing"]
    assert radius_table(synthetic_theatre, {"town": 5})["town"] == 5.0
    assert set(radius_table(synthetic_theatre, 7).values()) == {7.0}
    with pytest.raises(ValueError):
        radius_table(radius_km={"town": 0})


# -- snapshots ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def snapshots(synthetic_observations, synthetic_theatre, synthetic_gazetteer, synthetic_registry):
    return {
        d: build_snapshot(
            synthetic_observations, d, synthetic_theatre, synthetic_gazetteer, synthetic_registry
        )
        for d in SYNTHETIC_DATES
    }


def test_each_place_goes_to_its_latest_controller(snapshots, synthetic_places):
    where = {p.id: (p.lon, p.lat) for p in synthetic_places}

    def at(date, pid):
        return snapshots[date].faction_at(*where[pid])

    assert at("2020-01-01", "charlie") == "black"
    assert at("2020-02-01", "charlie") == "red"
    assert at("2020-01-01", "echo") == "black" and at("2020-02-01", "echo") == "cyan"
    assert at("2020-02-01", "bravo") == "black" and at("2020-03-01", "bravo") == "blue"
    assert at("2020-03-01", "golf") == "grey"
    assert at("2020-03-01", "twin-sy") == "unknown"  # never observed, and beyond every radius


def test_cells_reach_no_further_than_the_radius(snapshots, synthetic_theatre, synthetic_places):
    cyan = snapshots["2020-02-01"].geometry_of(
        "cyan"
    )  # Echo alone, a village: 15 km in this theatre
    echo = next(p for p in synthetic_places if p.id == "echo")
    assert snapshots["2020-02-01"].area_km2()["cyan"] == pytest.approx(np.pi * 15**2, rel=0.03)
    hull = gpd.GeoSeries([cyan], crs=4326).to_crs(synthetic_theatre.area_crs)
    centre = gpd.GeoSeries([shapely.Point(echo.lon, echo.lat)], crs=4326).to_crs(
        synthetic_theatre.area_crs
    )
    assert hull.iloc[0].hausdorff_distance(centre.iloc[0]) <= 15_000 * 1.001


def test_cells_are_clipped_to_land_and_country(snapshots, synthetic_theatre):
    from frontline.theatre import natural_earth_countries

    ne = natural_earth_countries().set_index("iso_a2")
    snap = snapshots["2020-03-01"]
    land = synthetic_theatre.land()
    for faction in snap.factions:
        g = snap.geometry_of(faction)
        assert g.difference(land.buffer(1e-4)).area < 1e-6
    grey = snap.geometry_of("grey")  # Golf is in Jordan: its cell stays in Jordan
    assert grey.difference(ne.loc["JO"].geometry.buffer(1e-4)).area < 1e-6
    red = snap.geometry_of("red")  # Alpha and Charlie are in Syria
    assert red.difference(ne.loc["SY"].geometry.buffer(1e-4)).area < 1e-6


def test_sources_and_confidence(snapshots):
    areas = snapshots["2020-01-01"].areas.set_index("faction")
    assert any("Banner in Echo" in s for s in areas.loc["black", "sources"])
    assert (
        0.6 < areas.loc["black", "confidence"] < 1.0
    )  # area-weighted: Echo 0.6, Charlie 0.8, others 1
    assert areas.loc["red", "confidence"] == 1.0
    later = snapshots["2020-03-01"].areas.set_index("faction")
    assert not any("Banner in Bravo" in s for s in later.loc["blue", "sources"])  # superseded
    assert any("Blues reach the border at Bravo" in s for s in later.loc["blue", "sources"])


def test_snapshots_are_valid_and_deterministic(
    snapshots, synthetic_observations, synthetic_theatre, synthetic_gazetteer, synthetic_registry
):
    for d, snap in snapshots.items():
        snap.validate(synthetic_registry, synthetic_theatre)
        assert "unknown" not in snap.factions
        again = build_snapshot(
            synthetic_observations, d, synthetic_theatre, synthetic_gazetteer, synthetic_registry
        )
        assert again.to_geojson() == snap.to_geojson()


def test_before_any_observation_is_empty(synthetic_observations, synthetic_theatre):
    snap = build_snapshot(synthetic_observations, "2019-01-01", synthetic_theatre)
    assert snap.factions == []


def test_contested_place_stays_unknown(
    tmp_path, synthetic_registry, synthetic_gazetteer, synthetic_theatre
):
    path = _write(tmp_path, "2020-01-01,Alpha,red,a,,\n2020-01-01,Charlie,unknown,b,,contested\n")
    obs = read_observations(path, synthetic_registry, synthetic_gazetteer)
    snap = build_snapshot(obs, "2020-01-01", synthetic_theatre, registry=synthetic_registry)
    assert snap.factions == ["red"]
    assert snap.faction_at(38.6, 33.45) == "unknown"


def test_override_cuts_and_gives(synthetic_observations, synthetic_theatre, synthetic_registry):
    drawn = ControlSnapshot.from_areas("2020-02-01", {"blue": shapely.box(38.5, 33.3, 38.7, 33.6)})
    snap = build_snapshot(
        synthetic_observations,
        "2020-02-01",
        synthetic_theatre,
        registry=synthetic_registry,
        overrides=drawn,
    )
    assert snap.faction_at(38.6, 33.45) == "blue"  # Charlie, red by observation, blue by hand
    assert snap.faction_at(38.9, 33.9) == "red"
    blank = gpd.GeoDataFrame(
        {"faction": ["unknown"]}, geometry=[shapely.box(38.8, 33.8, 39.0, 34.0)], crs=4326
    )
    snap = build_snapshot(synthetic_observations, "2020-02-01", synthetic_theatre, overrides=blank)
    assert snap.faction_at(38.9, 33.9) == "unknown"


# -- whole histories ----------------------------------------------------------------------------
def test_build_history_writes_every_snapshot_date(built_data_dir):
    history = ControlHistory.load(SYNTHETIC_THEATRE, built_data_dir)
    assert [d.isoformat() for d in history.dates()] == list(SYNTHETIC_DATES)
    for snap in history:
        assert snap.factions


def test_build_history_refuses_existing_dates(built_data_dir, synthetic_gazetteer):
    folder = built_data_dir / "control" / SYNTHETIC_THEATRE
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(SnapshotExistsError, match="2020-01-01, 2020-02-01, 2020-03-01"):
        build_history(SYNTHETIC_THEATRE, built_data_dir, gazetteer=synthetic_gazetteer)
    paths = build_history(
        SYNTHETIC_THEATRE, built_data_dir, gazetteer=synthetic_gazetteer, overwrite=True
    )
    assert len(paths) == 3
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # same input, same bytes


def test_failed_build_leaves_history_unchanged(built_data_dir, synthetic_gazetteer):
    folder = built_data_dir / "control" / SYNTHETIC_THEATRE
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    obs = built_data_dir / "observations" / f"{SYNTHETIC_THEATRE}.csv"
    obs.write_text(obs.read_text() + "2020-03-01,Nowhere,red,src,,\n")
    with pytest.raises(DataFileError, match="Nowhere"):
        build_history(
            SYNTHETIC_THEATRE, built_data_dir, gazetteer=synthetic_gazetteer, overwrite=True
        )
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_build_history_applies_overrides_from_their_date(synthetic_data_dir, synthetic_gazetteer):
    theatre = Theatre.load(SYNTHETIC_THEATRE, synthetic_data_dir)
    drawn = ControlSnapshot.from_areas(
        "2020-02-01", {"blue": shapely.box(38.5, 33.3, 38.7, 33.6)}, theatre=theatre.id
    )
    ControlHistory(overrides_dir(theatre), theatre).add(drawn)
    build_history(theatre, gazetteer=synthetic_gazetteer)
    history = ControlHistory.load(SYNTHETIC_THEATRE, synthetic_data_dir)
    assert history.get("2020-01-01").faction_at(38.6, 33.45) == "black"
    assert history.get("2020-02-01").faction_at(38.6, 33.45) == "blue"
    assert history.get("2020-03-01").faction_at(38.6, 33.45) == "blue"
    assert history.dates() == [
        dt.date.fromisoformat(d) for d in SYNTHETIC_DATES
    ]  # overrides are not snapshots


def test_build_selected_dates(synthetic_data_dir, synthetic_gazetteer):
    paths = build_history(
        SYNTHETIC_THEATRE, synthetic_data_dir, gazetteer=synthetic_gazetteer, dates=["2020-02-15"]
    )
    assert [p.name for p in paths] == ["2020-02-15.geojson"]


# -- the shipped theatre ---------------------------------------------------------------------------
def _shipped_snapshot_paths():
    from frontline.theatre import shipped_data_dir

    root = shipped_data_dir() / "control"
    return sorted(root.glob("*/*.geojson"))


def test_shipped_history_has_at_least_eight_snapshots(shipped_data_dir):
    paths = _shipped_snapshot_paths()
    if not paths:
        pytest.skip("no shipped snapshots yet")
    assert len([p for p in paths if p.parent.name == "syria-iraq-2017"]) >= 8


@pytest.mark.parametrize(
    "path", _shipped_snapshot_paths(), ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_every_shipped_snapshot_is_valid(path, shipped_data_dir):
    history = ControlHistory.load(path.parent.name, shipped_data_dir)
    snap = history.get(path.stem)  # validated on load: factions, geometry, overlaps, extent
    assert snap.factions
    assert snap.to_geojson() == path.read_text(encoding="utf-8")  # stored canonically
    for row in snap.areas.itertuples():
        assert row.sources, f"{path.name}: {row.faction} has no sources"


def test_shipped_snapshots_match_their_observations(shipped_data_dir):
    """The committed snapshots are what `control build` makes of the committed observations."""
    from frontline.factions import FactionRegistry
    from frontline.gazetteer import Gazetteer

    theatre = Theatre.load("syria-iraq-2017", shipped_data_dir)
    history = ControlHistory(theatre.control_dir, theatre)
    if not history.dates():
        pytest.skip("no shipped snapshots yet")
    registry = FactionRegistry.load(shipped_data_dir)
    gazetteer = Gazetteer.load(shipped_data_dir, theatre)
    obs = read_observations(theatre.observations_path, registry, gazetteer, theatre)
    from frontline.build import override_at

    for day in history.dates():
        snap = build_snapshot(
            obs, day, theatre, gazetteer, registry, overrides=override_at(theatre, day, registry)
        )
        assert snap.to_geojson() == history.path_for(day).read_text(encoding="utf-8"), (
            f"{day}: rebuild with `frontline control build --overwrite`"
        )


def test_relative_place_phrases(
    tmp_path, synthetic_registry, synthetic_gazetteer, synthetic_theatre
):
    from frontline.geo import distance_km
    from frontline.observations import DERIVED_KIND

    path = _write(tmp_path, "2020-01-01,10 km north of Alpha,red,src,,\n")
    obs = read_observations(path, synthetic_registry, synthetic_gazetteer, synthetic_theatre)
    row = obs.iloc[0]
    assert row["kind"] == DERIVED_KIND and row["country"] == "SY"
    pt = row["geometry"]
    assert distance_km(38.9, 33.9, pt.x, pt.y) == pytest.approx(10, abs=0.1)
    assert pt.y > 33.9
    snap = build_snapshot(obs, "2020-01-01", synthetic_theatre, registry=synthetic_registry)
    assert snap.faction_at(pt.x, pt.y) == "red"
    with pytest.raises(DataFileError, match="unknown place '10 km north of Nowhere'"):
        read_observations(
            _write(tmp_path, "2020-01-01,10 km north of Nowhere,red,src,,\n"),
            synthetic_registry,
            synthetic_gazetteer,
        )


def test_cli_radius_option(cli_runner, synthetic_data_dir):
    from frontline.cli import cli

    r = cli_runner.invoke(
        cli,
        ["control", "build", "--data", str(synthetic_data_dir), "--theatre", SYNTHETIC_THEATRE,
         "--radius", "5", "--date", "2020-02-01"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    snap = ControlHistory.load(SYNTHETIC_THEATRE, synthetic_data_dir).get("2020-02-01")
    assert snap.area_km2()["cyan"] == pytest.approx(np.pi * 25, rel=0.03)


def test_one_place_and_places_sharing_a_point(tmp_path, synthetic_registry, synthetic_theatre):
    from frontline.gazetteer import Gazetteer, Place

    places = [
        Place("p1", "One", (), "town", "IQ", 33.5, 40.0, 1000.0, "synthetic"),
        Place("p2", "Two", (), "town", "IQ", 33.5, 40.0, 1000.0, "synthetic"),  # same point
    ]
    gaz = Gazetteer(places)
    single = read_observations(
        _write(tmp_path, "2020-01-01,One,red,a,,\n"), synthetic_registry, gaz
    )
    snap = build_snapshot(single, "2020-01-01", synthetic_theatre, registry=synthetic_registry)
    assert snap.area_km2()["red"] == pytest.approx(np.pi * 25**2, rel=0.03)
    shared = read_observations(
        _write(tmp_path, "2020-01-01,One,red,a,,\n2020-02-01,Two,blue,b,,\n"),
        synthetic_registry,
        gaz,
    )
    snap = build_snapshot(shared, "2020-02-01", synthetic_theatre, registry=synthetic_registry)
    assert snap.factions == ["blue"]  # the most recent report at that point wins
