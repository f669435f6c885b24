import json

import click
import pytest
from click.testing import CliRunner

from frontline.cli import cli
from frontline.cli.options import parse_lonlat_value
from frontline.theatre import shipped_data_dir


@pytest.fixture
def run(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("FRONTLINE_CACHE", str(tmp_path_factory.getbasetemp() / "frontline-cache"))
    monkeypatch.setenv("FRONTLINE_DATA", str(shipped_data_dir()))

    def _run(*args, input=None):
        return CliRunner().invoke(cli, list(args), input=input)

    return _run


def test_geocode_text(run):
    r = run("geocode", "At Tanf", "Albu Kamal", "القائم")
    assert r.exit_code == 0, r.output
    assert "at-tanf" in r.output and "abu-kamal" in r.output and "al-qaim" in r.output


def test_geocode_json_and_near(run):
    r = run("geocode", "Sinjar", "--near", "37.0,35.6", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data[0]["query"] == "Sinjar"
    first = data[0]["matches"][0]
    assert first["country"] == "SY" and first["distance_km"] < 5
    assert {"id", "name", "lat", "lon", "score", "reason", "importance"} <= set(first)


def test_geocode_country_filter(run):
    r = run("geocode", "Sinjar", "--country", "IQ", "--json")
    assert [m["country"] for m in json.loads(r.output)[0]["matches"]] == ["IQ"]


def test_geocode_geojson(run):
    r = run("geocode", "Mosul", "--geojson", "--limit", "1")
    assert r.exit_code == 0, r.output
    fc = json.loads(r.output)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 1
    f = fc["features"][0]
    assert f["geometry"]["type"] == "Point" and f["properties"]["id"] == "mosul"
    lon, lat = f["geometry"]["coordinates"]
    assert 43 < lon < 43.3 and 36.2 < lat < 36.5
    assert "GeoNames" in fc["attribution"]


def test_geocode_unknown_exits_2_with_suggestions(run):
    r = run("geocode", "Mosul", "Qxzzyplok")
    assert r.exit_code == 2
    assert "unknown place 'Qxzzyplok'" in r.output and "did you mean" in r.output


def test_geocode_strict_ambiguous_exits_2(tmp_path, monkeypatch):
    data = tmp_path / "data"
    (data / "gazetteer").mkdir(parents=True)
    (data / "gazetteer" / "places.csv").write_text(
        "id,name,alt_names,kind,country,lat,lon,precision_m,source\n"
        "karamah-jo,Al Karamah,,village,JO,31.95,35.58,1000,test\n"
        "karamah-sy,Al Karamah,,village,SY,35.87,39.28,1000,test\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(
        cli, ["geocode", "Karamah", "--strict", "--curated-only", "--data", str(data)]
    )
    assert r.exit_code == 2 and "ambiguous" in r.output
    r = CliRunner().invoke(cli, ["geocode", "Karamah", "--curated-only", "--data", str(data)])
    assert r.exit_code == 0 and "karamah-jo" in r.output and "karamah-sy" in r.output


def test_bad_near_is_usage_error(run):
    r = run("geocode", "Mosul", "--near", "north")
    assert r.exit_code == 2 and "lon,lat" in r.output
    with pytest.raises(click.BadParameter):
        parse_lonlat_value(None, None, "200,10")
    assert parse_lonlat_value(None, None, "38.6, 33.5") == (38.6, 33.5)


def test_places_file_text_and_json(run, tmp_path):
    report = tmp_path / "report.txt"
    report.write_text(
        "Syrian troops reached the border 12 km north of At Tanf; PMU held Tal Afar.",
        encoding="utf-8",
    )
    r = run("places", str(report))
    assert r.exit_code == 0, r.output
    assert "12 km north of At Tanf" in r.output and "tal-afar" in r.output
    r = run("places", str(report), "--json")
    data = json.loads(r.output)
    assert [m["place_id"] for m in data] == ["at-tanf", "tal-afar"]
    assert data[0]["relation"] == "offset"


def test_places_stdin_geojson(run):
    r = run("places", "-", "--geojson", input="Fighting near Qaim and in Abu Kamal.")
    assert r.exit_code == 0, r.output
    fc = json.loads(r.output)
    assert [f["properties"]["place_id"] for f in fc["features"]] == ["al-qaim", "abu-kamal"]
    assert fc["features"][0]["properties"]["relation"] == "near"


def test_places_empty_file_exits_2(run, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    r = run("places", str(empty))
    assert r.exit_code == 2 and "empty" in r.output


def test_places_non_utf8_exits_2(run, tmp_path):
    bad = tmp_path / "cp1256.txt"
    bad.write_bytes("القائم".encode("cp1256"))
    r = run("places", str(bad))
    assert r.exit_code == 2 and "UTF-8" in r.output


def test_places_missing_file_exits_2(run, tmp_path):
    r = run("places", str(tmp_path / "nope.txt"))
    assert r.exit_code == 2
