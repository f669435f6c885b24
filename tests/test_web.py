"""The web map's data and site writer (no browser: tests/test_web_browser.py drives one).

Fragments rebuild every snapshot exactly and store unchanged ground once; the encoding round
trips; place labels get zoom levels; observation urls match their CSV lines; the site writer
writes a folder that needs no server and no network (relative paths, no fetch, data as
``<script>`` files), refuses to overwrite, honours the date range and credits every source and
licence; ``frontline web`` on the command line.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely
from conftest import SYNTHETIC_THEATRE
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import box
from webmap_data import DATES, snapshot, web_data_dir, web_history

from frontline.control import ControlSnapshot
from frontline.errors import InputError, OutputExistsError
from frontline.web import write_site
from frontline.web.encode import GLOBAL, data_script, decode_line, encode_line, encode_polygons
from frontline.web.fragments import INFERRED, OBSERVED, fragment_history, snapshot_keys
from frontline.web.fronts import front_history
from frontline.web.layers import label_zooms, place_labels


# -- fragments ------------------------------------------------------------------------------------
def _check_rebuilds(snapshots, fh) -> None:
    """The fragments each key holds on each date make up the key's area on that date."""
    for i, snap in enumerate(snapshots):
        keys = snapshot_keys(snap)
        for (faction, basis), geom in keys.items():
            rebuilt = fh.area_of(i, faction, basis)
            missing = shapely.symmetric_difference(rebuilt, geom).area
            assert missing <= 1e-6 * max(geom.area, 1e-9) + 1e-8, (snap.date, faction, basis)
        held = {(r.faction, r.basis) for f in fh.fragments if (r := f.run_at(i)) is not None}
        assert held == set(keys)


def test_fragments_rebuild_the_hand_made_history():
    snaps = [snapshot(d) for d in DATES]
    fh = fragment_history(snaps)
    assert [d.isoformat() for d in fh.dates] == list(DATES)
    _check_rebuilds(snaps, fh)
    assert ("black", INFERRED) in fh.keys() and ("black", OBSERVED) in fh.keys()


def test_unchanged_ground_is_stored_once():
    snaps = [snapshot(d) for d in DATES]
    fh = fragment_history(snaps)
    # Grey State never moves: one fragment, one run over every date
    grey = [f for f in fh.fragments if any(r.faction == "grey" for r in f.runs)]
    assert len(grey) == 1 and [(r.start, r.end) for r in grey[0].runs] == [(0, None)]
    # the strip the Reds took on the second date: Black Banner, then the Reds
    strip = [f for f in fh.fragments if f.geometry.contains(shapely.Point(39.5, 34.0))]
    assert len(strip) == 1
    assert [(r.faction, r.start, r.end) for r in strip[0].runs] == [
        ("black", 0, 1),
        ("red", 1, None),
    ]
    # no vertex of an unchanged area repeats per date: far fewer than the snapshots hold
    stored = sum(shapely.get_num_coordinates(f.geometry) for f in fh.fragments)
    raw = sum(shapely.get_num_coordinates(g) for s in snaps for g in s.areas.geometry.values)
    assert stored < raw


def test_held_since_joins_runs_of_one_faction():
    a = ControlSnapshot.from_areas("2020-01-01", {"red": box(0, 0, 1, 1)})
    b = ControlSnapshot.from_areas("2020-02-01", {"red": box(0, 0, 1, 1)})
    b.areas["basis"] = [INFERRED]  # the same holder, now on inferred grounds
    c = ControlSnapshot.from_areas("2020-03-01", {"blue": box(0, 0, 1, 1)})
    fh = fragment_history([a, b, c])
    (frag,) = fh.fragments
    assert [(r.faction, r.basis, r.start, r.end) for r in frag.runs] == [
        ("red", OBSERVED, 0, 1),
        ("red", INFERRED, 1, 2),
        ("blue", OBSERVED, 2, None),
    ]
    assert [frag.held_since(r) for r in frag.runs] == [0, 0, 2]


def test_ground_nobody_holds_ends_the_run():
    a = ControlSnapshot.from_areas("2020-01-01", {"red": box(0, 0, 2, 1)})
    b = ControlSnapshot.from_areas("2020-02-01", {"red": box(0, 0, 1, 1)})
    c = ControlSnapshot.from_areas("2020-03-01", {"red": box(0, 0, 2, 1)})
    fh = fragment_history([a, b, c])
    east = next(f for f in fh.fragments if f.geometry.contains(shapely.Point(1.5, 0.5)))
    assert [(r.faction, r.start, r.end) for r in east.runs] == [("red", 0, 1), ("red", 2, None)]
    assert east.held_since(east.runs[-1]) == 2


def test_out_of_order_snapshots_are_refused():
    a = ControlSnapshot.from_areas("2020-02-01", {"red": box(0, 0, 1, 1)})
    b = ControlSnapshot.from_areas("2020-01-01", {"red": box(0, 0, 1, 1)})
    with pytest.raises(ValueError, match="out of order"):
        fragment_history([a, b])


_boxes = st.tuples(st.integers(0, 8), st.integers(0, 8), st.integers(1, 6), st.integers(1, 6)).map(
    lambda t: box(t[0] * 0.25, t[1] * 0.25, (t[0] + t[2]) * 0.25, (t[1] + t[3]) * 0.25)
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_boxes, _boxes), min_size=1, max_size=5))
def test_fragments_rebuild_any_history(steps):
    """Two factions over random boxes (red wins overlaps): every date rebuilt exactly."""
    snaps = []
    for k, (red, blue) in enumerate(steps):
        areas = {"red": red, "blue": shapely.difference(blue, red)}
        areas = {f: g for f, g in areas.items() if g.area > 0}
        snaps.append(ControlSnapshot.from_areas(f"2020-01-{k + 1:02d}", areas))
    fh = fragment_history(snaps)
    _check_rebuilds(snaps, fh)
    # fragments never overlap
    geoms = [f.geometry for f in fh.fragments]
    assert abs(shapely.union_all(geoms).area - sum(g.area for g in geoms)) < 1e-9


# -- encoding -------------------------------------------------------------------------------------
def test_encoding_round_trips_on_the_grid():
    coords = np.array([[38.12345, 33.5], [38.2, 33.61], [38.3, 33.5], [38.12345, 33.5]])
    values = encode_line(coords, 4, closed=True)
    assert values[:2] == [381234, 335000] or values[:2] == [381235, 335000]
    back = decode_line(values, 4)
    assert np.abs(back - coords[:3]).max() <= 0.5e-4 + 1e-12
    assert encode_line(np.array([[1.0, 1.0], [1.00001, 1.0], [1.0, 1.00001]]), 4, closed=True) == []


def test_encoded_polygons_keep_holes():
    ring = box(0, 0, 1, 1).difference(box(0.4, 0.4, 0.6, 0.6))
    (poly,) = encode_polygons(ring, 4)
    assert len(poly) == 2


def test_data_script_is_deterministic_and_safe_to_inline():
    js = data_script("meta", {"b": "</script>", "a": 1})
    assert js == data_script("meta", {"a": 1, "b": "</script>"})
    assert "</script>" not in js and js.startswith(f"window.{GLOBAL}=")


# -- layers ---------------------------------------------------------------------------------------
def test_label_zooms_keep_labels_apart():
    lon = np.array([38.0, 38.02, 45.0])
    lat = np.array([33.0, 33.0, 33.0])
    z = label_zooms(lon, lat, np.full(3, 80.0), np.full(3, 15.0), 5, 12)
    assert z[0] == 5 and z[2] == 5 and z[1] > 5


def test_place_labels_of_the_synthetic_gazetteer(synthetic_gazetteer, synthetic_theatre):
    labels = place_labels(synthetic_gazetteer.to_geodataframe(), synthetic_theatre.extent, 6)
    names = [row[0] for row in labels]
    assert "Alpha" in names
    alpha = labels[names.index("Alpha")]
    assert alpha[1] == ""  # no Arabic name in the synthetic gazetteer
    assert all(6 <= row[6] <= 12 for row in labels)


def test_observation_urls_come_with_the_reader_rows(
    tmp_path, synthetic_registry, synthetic_gazetteer
):
    from frontline.observations import read_observations

    data = web_data_dir(tmp_path / "data")
    path = data / "observations" / f"{SYNTHETIC_THEATRE}.csv"
    frame = read_observations(path, synthetic_registry, synthetic_gazetteer)
    by_place = {}
    for r in frame.itertuples():
        by_place.setdefault(r.place_id, []).append(r.url)
    assert by_place["golf"] == ["https://example.org/golf"]  # after a two-line note
    assert by_place["foxtrot"] == [""]
    assert sorted(by_place["delta"]) == ["https://example.org/delta", "https://example.org/delta-2"]


def test_front_history_keeps_a_quiet_front_once(tmp_path):
    data = web_data_dir(tmp_path / "data")
    history, _ = web_history(data)
    pieces = front_history(list(history), history.registry, history.theatre)
    pairs = {p.pair for p in pieces}
    assert ("red", "black") in pairs or ("black", "red") in pairs
    # the Red–Banner front moved on the second date and then held: a piece from date 1 on
    red_black = [p for p in pieces if set(p.pair) == {"red", "black"}]
    assert any(p.start == 1 and p.end is None for p in red_black)


# -- the site -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("web")
    data = web_data_dir(root / "data")
    history, gazetteer = web_history(data)
    result = write_site(history, root / "site", gazetteer=gazetteer, data_licence="CC0 (test data)")
    return result


def _data(site, name):
    text = (site.folder / "data" / f"{name}.js").read_text(encoding="utf-8")
    return json.loads(text.split(f"{GLOBAL}.{name}=", 1)[1].rstrip().rstrip(";"))


def test_site_files(site):
    for name in ("index.html", "LICENSES.txt", "assets/map.js", "assets/map.css",
                 "assets/leaflet/leaflet.js", "assets/leaflet/LICENSE.txt",
                 "assets/fonts/DejaVuSans.ttf", "assets/fonts/LICENSE_DEJAVU.txt"):  # fmt: skip
        assert (site.folder / name).is_file(), name
    assert site.dates == 3 and site.fragments > 0
    assert set(site.files) == {
        str(p.relative_to(site.folder)) for p in site.folder.rglob("*") if p.is_file()
    }


def test_site_needs_no_server_and_no_network(site):
    index = (site.index).read_text(encoding="utf-8")
    refs = re.findall(r'(?:src|href)="([^"]+)"', index)
    assert refs, "index.html loads nothing?"
    for ref in refs:
        if ref == "data:,":  # the empty favicon: no request for /favicon.ico
            continue
        assert not re.match(r"^[a-z]+:|^//|^/", ref), f"not a relative path: {ref}"
        assert (site.folder / ref).is_file(), ref
    scripts = [n for n in site.files if n.endswith((".js", ".css"))]
    for name in scripts:
        text = (site.folder / name).read_text(encoding="utf-8")
        if name.startswith("assets/map"):
            assert "fetch(" not in text and "XMLHttpRequest" not in text, name
        if name.startswith("data/") or name.startswith("assets/map"):
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), name
    css = (site.folder / "assets/map.css").read_text(encoding="utf-8")
    assert 'url("fonts/DejaVuSans.ttf")' in css


def test_site_data(site):
    meta = _data(site, "meta")
    assert meta["dates"] == list(DATES)
    assert ["black", "inferred"] in meta["keys"]
    assert [s["id"] for s in meta["sides"]] == ["red", "blue", "black", "grey"]
    areas = _data(site, "areas")
    runs = areas["runs"]
    assert len(areas["geometry"]) == site.fragments == len(areas["area_km2"])
    assert set(runs) == {"fragment", "key", "start", "end", "since"}
    assert len(runs["fragment"]) == site.runs
    sources = _data(site, "sources")
    urls = {row[5] for row in sources["observations"]["rows"]}
    assert "https://example.org/delta-2" in urls
    assert len(sources["areas"]) == 3
    fronts = _data(site, "fronts")
    assert fronts["pairs"] and len(fronts["pair"]) == len(fronts["geometry"])


def test_site_credits_every_source_and_licence(site):
    index = site.index.read_text(encoding="utf-8")
    licences = (site.folder / "LICENSES.txt").read_text(encoding="utf-8")
    for text in ("Natural Earth", "GSHHG", "World Data Bank II", "GeoNames", "Leaflet",
                 "DejaVu", "CC0 (test data)", "BSD-2-Clause", "public domain",
                 "CC BY 4.0"):  # fmt: skip
        assert text in index, text
        assert text in licences, text
    assert "Redistribution and use in source and binary forms" in licences
    assert "Bitstream" in licences


def test_site_is_refused_over_an_existing_one(site):
    history, gazetteer = web_history(site.folder.parent / "data")
    with pytest.raises(OutputExistsError, match="overwrite"):
        write_site(history, site.folder, gazetteer=gazetteer)


def test_site_date_range(tmp_path):
    data = web_data_dir(tmp_path / "data")
    history, gazetteer = web_history(data)
    result = write_site(
        history, tmp_path / "site", start="2020-01-15", end="2020-02-01", gazetteer=False,
        observations=False, fronts=False,
    )  # fmt: skip
    meta = json.loads(
        (result.folder / "data/meta.js")
        .read_text(encoding="utf-8")
        .split("FRONTLINE.meta=")[1][:-2]
    )
    assert meta["dates"] == ["2020-01-01", "2020-02-01"]  # the snapshot in force on the 15th
    with pytest.raises(InputError, match="no snapshot between"):
        write_site(history, tmp_path / "none", end="2019-12-31", gazetteer=False)


def test_site_of_the_shipped_history_is_small(tmp_path):
    from frontline.store import ControlHistory

    result = write_site(ControlHistory.load("syria-iraq-2017"), tmp_path / "site")
    raw = sum(p.stat().st_size for p in result_history_files())
    assert result.data_bytes < raw / 2
    meta = json.loads(
        (result.folder / "data/meta.js")
        .read_text(encoding="utf-8")
        .split("FRONTLINE.meta=")[1][:-2]
    )
    assert "MIT" in meta["licence"]


def result_history_files():
    from frontline.theatre import shipped_data_dir

    return sorted((shipped_data_dir() / "control" / "syria-iraq-2017").glob("*.geojson"))


# -- command line ---------------------------------------------------------------------------------
def test_cli_web(cli_runner, built_data_dir, tmp_path):
    from frontline.cli import cli

    out = tmp_path / "site"
    args = ["web", "--data", str(built_data_dir), "--theatre", SYNTHETIC_THEATRE, "--out", str(out)]
    res = cli_runner.invoke(cli, [*args, "--json", "--title", "Testland web"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["dates"] == 3 and summary["index"].endswith("index.html")
    assert "<title>Testland web</title>" in (out / "index.html").read_text(encoding="utf-8")
    again = cli_runner.invoke(cli, args)
    assert again.exit_code == 2 and "--overwrite" in again.output
    assert cli_runner.invoke(cli, [*args, "--overwrite"]).exit_code == 0
    bad = cli_runner.invoke(cli, [*args, "--overwrite", "--to", "2019-12-31"])
    assert bad.exit_code == 2 and "no snapshot between" in bad.output


def test_cli_lists_web(cli_runner):
    from frontline.cli import cli

    res = cli_runner.invoke(cli, ["--help"])
    assert "web" in res.output and "offline web map" in res.output
