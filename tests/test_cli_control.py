import json

import geopandas as gpd
import pytest
import shapely
from conftest import SYNTHETIC_THEATRE

from frontline.cli import cli


def run(runner, data, *args):
    return runner.invoke(
        cli, ["control", *args, "--data", str(data), "--theatre", SYNTHETIC_THEATRE]
    )


def test_build_then_list_show_validate(cli_runner, synthetic_data_dir):
    r = run(cli_runner, synthetic_data_dir, "build")
    assert r.exit_code == 0, r.output
    assert "3 snapshot(s) built" in r.output
    r = run(cli_runner, synthetic_data_dir, "list", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert [s["date"] for s in doc["snapshots"]] == ["2020-01-01", "2020-02-01", "2020-03-01"]
    assert doc["snapshots"][1]["factions"]["cyan"] > 0
    r = run(cli_runner, synthetic_data_dir, "list")
    assert r.exit_code == 0 and "2020-02-01" in r.output and "km²" in r.output
    r = run(cli_runner, synthetic_data_dir, "show", "2020-02-15", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["date"] == "2020-02-01" and doc["as_of"] == "2020-02-15"
    assert {a["faction"] for a in doc["areas"]} == {"black", "blue", "cyan", "grey", "red"}
    r = run(cli_runner, synthetic_data_dir, "show", "2020-03-01", "--geojson")
    assert r.exit_code == 0
    assert json.loads(r.output)["type"] == "FeatureCollection"
    r = run(cli_runner, synthetic_data_dir, "show", "2020-03-01")
    assert r.exit_code == 0 and "as of" not in r.output and "red" in r.output
    r = run(cli_runner, synthetic_data_dir, "validate")
    assert r.exit_code == 0 and "3 snapshot(s) of testland valid" in r.output


def test_build_refuses_existing_without_overwrite(cli_runner, built_data_dir):
    r = run(cli_runner, built_data_dir, "build")
    assert r.exit_code == 2
    assert "--overwrite" in r.output
    r = run(cli_runner, built_data_dir, "build", "--overwrite", "--date", "2020-02-01")
    assert r.exit_code == 0, r.output
    assert "1 snapshot(s) built" in r.output


def test_bad_input_exit_codes(cli_runner, built_data_dir):
    assert run(cli_runner, built_data_dir, "show", "2019-01-01").exit_code == 2
    assert run(cli_runner, built_data_dir, "show", "2020-02-30").exit_code == 2
    assert run(cli_runner, built_data_dir, "build", "--date", "yesterday").exit_code == 2
    r = cli_runner.invoke(
        cli, ["control", "list", "--data", str(built_data_dir), "--theatre", "atlantis"]
    )
    assert r.exit_code == 2 and "testland" in r.output


def test_validate_lists_every_problem(cli_runner, built_data_dir):
    folder = built_data_dir / "control" / SYNTHETIC_THEATRE
    one = folder / "2020-01-01.geojson"
    one.write_text(one.read_text().replace('"faction": "red"', '"faction": "purple"'))
    two = folder / "2020-03-01.geojson"
    doc = json.loads(two.read_text())
    bow = shapely.Polygon([(38.5, 33.0), (39.0, 33.5), (39.0, 33.0), (38.5, 33.5), (38.5, 33.0)])
    for feat in doc["features"]:
        if feat["properties"]["faction"] == "red":
            feat["geometry"] = shapely.geometry.mapping(shapely.MultiPolygon([bow]))
    two.write_text(json.dumps(doc))
    r = run(cli_runner, built_data_dir, "validate")
    assert r.exit_code == 2
    assert "2 problem(s) in 3 snapshot(s)" in r.output
    assert "purple" in r.output and "Self-intersection" in r.output
    before = two.read_text()
    r = run(cli_runner, built_data_dir, "validate", "--repair")
    assert r.exit_code == 2 and "--repair --overwrite" in r.output
    assert two.read_text() == before
    one.write_text(one.read_text().replace('"faction": "purple"', '"faction": "red"'))
    r = run(cli_runner, built_data_dir, "validate", "--repair", "--overwrite")
    assert r.exit_code == 0, r.output
    assert "repaired" in r.output and two.read_text() != before
    assert run(cli_runner, built_data_dir, "validate").exit_code == 0
    (folder / "latest.geojson").write_text("{}")
    r = run(cli_runner, built_data_dir, "validate")
    assert r.exit_code == 2 and "latest.geojson: snapshot files must be named" in r.output


def _drawn(tmp_path, crs="EPSG:32637"):
    path = tmp_path / "drawn.gpkg"
    gdf = gpd.GeoDataFrame(
        {"side": ["Red forces", "BA"]},
        geometry=[shapely.box(38.5, 33.0, 39.0, 33.5), shapely.box(39.0, 33.0, 39.5, 33.5)],
        crs="EPSG:4326",
    ).to_crs(crs)
    gdf.to_file(path, engine="pyogrio")
    return path


def test_import(cli_runner, synthetic_data_dir, tmp_path):
    path = _drawn(tmp_path)
    r = run(
        cli_runner,
        synthetic_data_dir,
        "import",
        str(path),
        "--date",
        "2020-03-15",
        "--faction-field",
        "side",
    )
    assert r.exit_code == 0, r.output
    target = synthetic_data_dir / "control" / SYNTHETIC_THEATRE / "2020-03-15.geojson"
    assert target.is_file()
    before = target.read_bytes()
    r = run(
        cli_runner,
        synthetic_data_dir,
        "import",
        str(path),
        "--date",
        "2020-03-15",
        "--faction-field",
        "side",
    )
    assert r.exit_code == 2 and "overwrite" in r.output
    assert target.read_bytes() == before
    r = run(cli_runner, synthetic_data_dir, "show", "2020-03-15", "--json")
    assert {a["faction"] for a in json.loads(r.output)["areas"]} == {"red", "blue"}


def test_failed_import_changes_nothing(cli_runner, synthetic_data_dir, tmp_path):
    path = _drawn(tmp_path)
    folder = synthetic_data_dir / "control" / SYNTHETIC_THEATRE
    r = run(
        cli_runner, synthetic_data_dir, "import", str(path), "--date", "2020-05-01"
    )  # no 'faction' column
    assert r.exit_code == 2 and "--faction-field" in r.output
    r = run(
        cli_runner, synthetic_data_dir, "import", str(path), "--faction-field", "side"
    )  # no date
    assert r.exit_code == 2 and "--date" in r.output
    assert not folder.exists() or not list(folder.glob("*.geojson"))


@pytest.mark.parametrize("override", [False, True])
def test_import_as_override_then_build(cli_runner, synthetic_data_dir, tmp_path, override):
    path = tmp_path / "blank.geojson"
    gpd.GeoDataFrame(
        {"faction": ["blue"]}, geometry=[shapely.box(38.5, 33.3, 38.7, 33.6)], crs=4326
    ).to_file(path, driver="GeoJSON", engine="pyogrio")
    args = ["import", str(path), "--date", "2020-02-01"] + (["--override"] if override else [])
    assert run(cli_runner, synthetic_data_dir, *args).exit_code == 0
    r = run(cli_runner, synthetic_data_dir, "build", "--overwrite")
    assert r.exit_code == 0, r.output
    r = run(cli_runner, synthetic_data_dir, "show", "2020-03-01", "--geojson")
    from frontline.control import ControlSnapshot

    snap = ControlSnapshot.from_geojson(r.output)
    assert snap.faction_at(38.6, 33.45) == ("blue" if override else "red")
