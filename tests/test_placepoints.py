"""The gazetteer's points (``frontline.placepoints``): the gazetteer's words, cached by content."""

from __future__ import annotations

import csv
import io
import json
import shutil

import numpy as np
import pytest

from frontline.cli import cli
from frontline.gazetteer import Gazetteer
from frontline.placepoints import PlacePoints
from frontline.theatre import Theatre, shipped_data_dir
from frontline.topology import locator

DATA = shipped_data_dir()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("placepoints-cache")


@pytest.fixture(scope="module")
def gaz(cache_dir):
    return Gazetteer.load(DATA, cache_dir=cache_dir)


def grid(theatre: Theatre, n: int = 23) -> list[tuple[float, float]]:
    """Points over the theatre's extent (and a little beyond it)."""
    e = theatre.extent
    xs = np.linspace(e[0] - 1, e[2] + 1, n)
    ys = np.linspace(e[1] - 1, e[3] + 1, n)
    return [(float(x), float(y)) for x in xs for y in ys]


def test_same_places_and_answers_as_the_gazetteer(gaz, cache_dir):
    points = PlacePoints.load(DATA, cache_dir=cache_dir)
    assert len(points) == len(gaz) > 500
    assert points.places == gaz.places  # every field, in the same order
    where_g, where_p = locator(gaz), locator(points)
    for lon, lat in grid(Theatre.load(None, DATA)):
        for kw in ({}, {"curated_only": True}, {"min_importance": 2}, {"max_km": 5.0}):
            assert points.reverse(lon, lat, **kw) == gaz.reverse(lon, lat, **kw), (lon, lat, kw)
        assert points.describe(lon, lat, kinds="city") == gaz.describe(lon, lat, kinds="city")
        assert where_p(lon, lat) == where_g(lon, lat)
    assert points.to_geodataframe().equals(gaz.to_geodataframe())


def test_the_cache_is_written_read_and_keyed_by_content(tmp_path, gaz):
    cache = tmp_path / "cache"
    first = PlacePoints.load(DATA, cache_dir=cache)
    files = sorted(cache.glob("placepoints-*.json"))
    assert len(files) == 1
    # read back from the file: same places (a Place is rebuilt from its columns)
    again = PlacePoints.load(DATA, cache_dir=cache)
    assert again.places == first.places == gaz.places
    # a damaged file is ignored and rewritten
    files[0].write_text("{not json", encoding="utf-8")
    assert PlacePoints.load(DATA, cache_dir=cache).places == gaz.places
    assert json.loads(files[0].read_text(encoding="utf-8"))["id"][0] == gaz.places[0].id
    # a file whose key differs (another input) is not used
    raw = json.loads(files[0].read_text(encoding="utf-8"))
    raw["name"] = ["Elsewhere"] * len(raw["name"])
    raw["ident"] = raw["ident"].replace('"fmt"', '"fmt_old"')
    files[0].write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    assert PlacePoints.load(DATA, cache_dir=cache).places == gaz.places


def test_an_edited_places_csv_gives_new_points(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    cache = tmp_path / "cache"
    before = PlacePoints.load(data, cache_dir=cache)
    path = data / "gazetteer" / "places.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    name = header.index("name")
    old = body[0][name]
    body[0][name] = old + " Junction"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *body])
    path.write_text(buf.getvalue(), encoding="utf-8")
    after = PlacePoints.load(data, cache_dir=cache)
    assert len(sorted(cache.glob("placepoints-*.json"))) == 2  # a new key, a new file
    assert before.place(0).name == old
    assert after.place(0).name == old + " Junction"
    assert after.places == Gazetteer.load(data, cache_dir=cache).places


def test_diff_csv_locations_match_the_full_gazetteer(cli_runner, hand_data_dir):
    args = ["diff", "2020-01-01", "2020-02-01", "--data", str(hand_data_dir)]
    as_csv = cli_runner.invoke(cli, [*args, "--format", "csv"], catch_exceptions=False)
    as_json = cli_runner.invoke(cli, [*args, "--format", "json"], catch_exceptions=False)
    assert as_csv.exit_code == 0 and as_json.exit_code == 0, as_csv.output + as_json.output
    csv_locations = [r["location"] for r in csv.DictReader(io.StringIO(as_csv.output))]
    json_locations = [c["location"] for c in json.loads(as_json.output)["changes"]]
    assert csv_locations == json_locations  # points (csv) and full gazetteer (json) agree
    assert csv_locations and all(" of " in loc or loc.startswith("at ") for loc in csv_locations)
