"""Tests for frontline.diff, overlay and timeline (synthetic maps; no real data)."""

from __future__ import annotations

import json

import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from shapely import box

from frontline.control import ControlSnapshot
from frontline.diff import ChangeSet, diff, diff_dates
from frontline.factions import UNKNOWN
from frontline.overlay import dirty_rectangles, overlay
from frontline.store import ControlHistory
from frontline.timeline import plot_timeline, timeline, timeline_markdown

GEOD = pyproj.Geod(ellps="WGS84")


def snap(day, areas, theatre=None):
    return ControlSnapshot.from_areas(day, areas, theatre=theatre)


# Testland (tests/conftest.py): Reds (red) and Blues/Cyans (blue side) are allied; Black Banner is
# hostile to everyone but Grey State. Charlie Base is at 38.6, 33.45; Bravo at 39.3, 33.3.
@pytest.fixture
def before():
    return snap(
        "2020-01-01",
        {
            "red": box(38.0, 33.0, 38.5, 34.0),
            "black": box(38.5, 33.0, 39.5, 34.0),
            "blue": box(39.5, 33.0, 40.5, 34.0),
        },
    )


@pytest.fixture
def after():
    return snap(
        "2020-02-01",
        {
            "red": box(38.0, 33.0, 38.8, 34.0),  # Reds take a strip including Charlie Base
            "black": box(38.8, 33.0, 39.2, 34.0),
            "blue": box(39.2, 33.0, 40.5, 34.0),  # Blues take a strip including Bravo
        },
    )


def test_change_areas_match_pyproj_geod(before, after):
    cs = diff(before, after)
    assert len(cs.changes) == 2
    for row in cs.changes.itertuples():
        ref = abs(GEOD.geometry_area_perimeter(row.geometry)[0]) / 1e6
        assert row.area_km2 == pytest.approx(ref, rel=0.005)
    # and against an independent equal-area projection (EPSG:6933, cylindrical equal area)
    proj = cs.changes.to_crs("EPSG:6933").area.values / 1e6
    np.testing.assert_allclose(cs.changes.area_km2.values, proj, rtol=0.005)


def test_changes_have_sides_and_words(before, after, synthetic_gazetteer):
    cs = diff(before, after, gazetteer=synthetic_gazetteer)
    assert isinstance(cs, ChangeSet)
    assert cs.changes.crs.to_epsg() == 4326
    pairs = sorted(zip(cs.changes.from_faction, cs.changes.to_faction, strict=True))
    assert pairs == [("black", "blue"), ("black", "red")]
    assert cs.changes.area_km2.is_monotonic_decreasing
    assert all(" of " in loc or loc.startswith("at ") for loc in cs.changes.location)
    red = cs.changes[cs.changes.to_faction == "red"].iloc[0]
    assert "Charlie Base" in red.location
    assert set(cs.places_changed.place_id) == {"charlie", "bravo"}
    bravo = cs.places_changed.set_index("place_id").loc["bravo"]
    assert (bravo.from_faction, bravo.to_faction) == ("black", "blue")


def test_locations_without_gazetteer_are_coordinates(before, after):
    cs = diff(before, after)
    assert all("°N" in loc and "°E" in loc for loc in cs.changes.location)
    assert len(cs.places_changed) == 0


def test_summary_balances(before, after):
    cs = diff(before, after)
    s = cs.summary.set_index("faction")
    assert set(s.index) == {"red", "black", "blue"}
    assert s.loc["black", "gained_km2"] == 0
    assert s.loc["black", "lost_km2"] == pytest.approx(
        s.loc["red", "gained_km2"] + s.loc["blue", "gained_km2"]
    )
    for f in s.index:
        assert s.loc[f, "area_b_km2"] - s.loc[f, "area_a_km2"] == pytest.approx(
            s.loc[f, "net_km2"], rel=1e-6
        )
        assert s.loc[f, "net_pct"] == pytest.approx(
            100 * s.loc[f, "net_km2"] / s.loc[f, "area_a_km2"]
        )


def test_unknown_ground_is_an_explicit_side():
    a = snap("2020-01-01", {"red": box(38, 33, 39, 34)})
    b = snap("2020-01-02", {"red": box(38, 33, 38.5, 34), "blue": box(39, 33, 39.5, 34)})
    cs = diff(a, b)
    pairs = sorted(zip(cs.changes.from_faction, cs.changes.to_faction, strict=True))
    assert pairs == [("red", UNKNOWN), (UNKNOWN, "blue")]
    s = cs.summary.set_index("faction")
    assert UNKNOWN in s.index and np.isnan(s.loc[UNKNOWN, "area_a_km2"])


def test_faction_appearing_and_vanishing():
    a = snap("2020-01-01", {"red": box(38, 33, 39, 34)})
    b = snap("2020-01-02", {"blue": box(38, 33, 39, 34)})
    cs = diff(a, b)
    assert cs.changes[["from_faction", "to_faction"]].values.tolist() == [["red", "blue"]]
    s = cs.summary.set_index("faction")
    assert s.loc["blue", "area_a_km2"] == 0 and np.isnan(s.loc["blue", "net_pct"])
    assert s.loc["red", "net_pct"] == pytest.approx(-100)


def test_diff_identical_is_empty(before):
    cs = diff(before, before)
    assert cs.is_empty and len(cs.changes) == 0
    assert (cs.summary.net_km2 == 0).all()
    assert "No ground changed hands" in cs.to_markdown()


def test_min_area_drops_slivers(before):
    b = snap("2020-01-02", {
        "red": box(38.0, 33.0, 38.5001, 34.0),  # an 8 m sliver
        "black": box(38.5001, 33.0, 39.5, 34.0),
        "blue": box(39.5, 33.0, 40.5, 34.0),
    })  # fmt: skip
    assert len(diff(before, b).changes) == 1
    assert diff(before, b, min_area_km2=2.0).is_empty


def test_outputs(before, after, synthetic_registry, synthetic_gazetteer):
    cs = diff(before, after, synthetic_registry, synthetic_gazetteer)
    md = cs.to_markdown()
    assert md.startswith("# Control changes, 2020-01-01 → 2020-02-01")
    for section in (
        "## Places that changed hands",
        "## Balance",
        "## Largest changes",
        "## Front lines",
    ):
        assert section in md
    assert "Black Banner" in md and "Charlie Base" in md
    d = json.loads(cs.to_json())
    assert d["date_a"] == "2020-01-01" and len(d["changes"]) == 2 and "lon" in d["changes"][0]
    gj = json.loads(cs.to_geojson())
    assert gj["type"] == "FeatureCollection"
    layers = {f["properties"]["layer"] for f in gj["features"]}
    assert {"changes", "front_lines_a", "front_lines_b", "places_changed"} <= layers
    for f in gj["features"]:
        geom = shapely.geometry.shape(f["geometry"])
        assert geom.is_valid
        if f["properties"]["layer"] == "changes":
            assert all(p.exterior.is_ccw for p in shapely.get_parts(geom))


def test_geojson_opens_with_gdal(before, after, synthetic_registry, tmp_path):
    import pyogrio

    cs = diff(before, after, synthetic_registry)
    path = tmp_path / "diff.geojson"
    path.write_text(cs.to_geojson(), encoding="utf-8")
    gdf = pyogrio.read_dataframe(path)
    assert len(gdf) == len(cs.changes) + len(cs.front_lines_a) + len(cs.front_lines_b)
    assert set(gdf["layer"]) == {"changes", "front_lines_a", "front_lines_b"}


def test_diff_dates_uses_as_of_semantics(tmp_path, before, after):
    history = ControlHistory(tmp_path / "control")
    history.add(before)
    history.add(after)
    cs = diff_dates(history, "2020-01-15", "2020-03-01")
    assert (cs.date_a.isoformat(), cs.date_b.isoformat()) == ("2020-01-15", "2020-03-01")
    assert (cs.snapshot_a.isoformat(), cs.snapshot_b.isoformat()) == ("2020-01-01", "2020-02-01")
    assert len(cs.changes) == 2
    assert "maps of 2020-01-01 and 2020-02-01" in cs.to_markdown()
    same = diff(history, "2020-01-15", "2020-03-01")  # the diff(history, a, b) form
    assert same.snapshot_a == cs.snapshot_a and len(same.changes) == len(cs.changes)
    from frontline.errors import InvalidDateError, SnapshotNotFoundError

    with pytest.raises(SnapshotNotFoundError):
        diff_dates(history, "2019-12-31", "2020-02-01")
    with pytest.raises(InvalidDateError):
        diff_dates(history, "2020-13-01", "2020-02-01")


# -- property tests -------------------------------------------------------------------------------
FACTIONS = ["red", "blue", "black", None]  # None: unknown ground


@st.composite
def grid_maps(draw, constant_ground: bool = False):
    """Two maps on the same random lon/lat grid; each cell held by a faction (or nobody)."""
    nx, ny = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    x0 = draw(st.floats(-170, 160, allow_nan=False))
    y0 = draw(st.floats(-70, 60, allow_nan=False))
    xs = np.cumsum([x0] + draw(st.lists(st.floats(0.05, 2.0), min_size=nx, max_size=nx)))
    ys = np.cumsum([y0] + draw(st.lists(st.floats(0.05, 2.0), min_size=ny, max_size=ny)))
    choices = FACTIONS[:-1] if constant_ground else FACTIONS
    cells = [box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(nx) for j in range(ny)]
    own_a = draw(st.lists(st.sampled_from(choices), min_size=len(cells), max_size=len(cells)))
    own_b = draw(st.lists(st.sampled_from(choices), min_size=len(cells), max_size=len(cells)))

    def make(day, own):
        areas = {}
        for f in set(own) - {None}:
            areas[f] = shapely.union_all([c for c, o in zip(cells, own, strict=True) if o == f])
        return ControlSnapshot.from_areas(day, areas)

    return cells, own_a, own_b, make("2020-01-01", own_a), make("2020-01-02", own_b)


def _grid_case(own_a, own_b, n: int = 4):
    """Build what :func:`grid_maps` draws for an *n* × *n* grid of 1° cells (column-major)."""
    cells = [box(i, j, i + 1, j + 1) for i in range(n) for j in range(n)]

    def make(day, own):
        areas = {}
        for f in sorted(set(own) - {None}):
            areas[f] = shapely.union_all([c for c, o in zip(cells, own, strict=True) if o == f])
        return ControlSnapshot.from_areas(day, areas)

    return cells, own_a, own_b, make("2020-01-01", own_a), make("2020-01-02", own_b)


def _cells(n: int = 16, **held):
    """Owners of the cells: red everywhere but the given ``faction=[cell index, ...]``."""
    own = ["red"] * n
    for faction, idx in held.items():
        for i in idx:
            own[i] = faction
    return own


# Counterexamples hypothesis found: blue loses cells 7 and 13 and gains 6 and 9 (each lost cell
# shares an edge with a gained one, so the one-overlay split merged them and classified the two
# merged parts wrongly, with errors cancelling in planar area: equal cells); with and without
# black taking cell 14.
MERGED_SPLIT = _grid_case(_cells(blue=[7, 10, 13]), _cells(blue=[6, 9, 10], black=[14]))
MERGED_SPLIT_AREAS = _grid_case(_cells(blue=[7, 10, 13]), _cells(blue=[6, 9, 10]))


def _km2(g) -> float:
    """Geodesic area with lon/lat-straight edges (densified as frontline.diff does)."""
    return abs(GEOD.geometry_area_perimeter(shapely.segmentize(g, 0.01))[0]) / 1e6


PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(grid_maps())
@example(MERGED_SPLIT)
@example(MERGED_SPLIT_AREAS)
def test_changes_partition_the_symmetric_difference(maps):
    cells, own_a, own_b, a, b = maps
    cs = diff(a, b, topology=False)
    changed = [c for c, x, y in zip(cells, own_a, own_b, strict=True) if x != y]
    expected = shapely.union_all(changed) if changed else shapely.Polygon()
    pieces = cs.changes.geometry.values
    union = shapely.union_all(pieces) if len(pieces) else shapely.Polygon()
    total = _km2(expected)
    # pieces cover exactly the changed ground ...
    assert _km2(shapely.symmetric_difference(union, expected)) <= 1e-6 * max(total, 1.0)
    # ... without overlapping each other
    assert float(cs.changes.area_km2.sum()) == pytest.approx(total, rel=1e-6, abs=1e-6)
    # each piece says who held it before and after
    pts = shapely.point_on_surface(pieces)
    for p, f, t in zip(pts, cs.changes.from_faction, cs.changes.to_faction, strict=True):
        assert a.faction_at(p.x, p.y) == f and b.faction_at(p.x, p.y) == t
        assert f != t


@PROPS
@given(grid_maps(constant_ground=True))
def test_gains_equal_losses_when_ground_is_constant(maps):
    *_, a, b = maps
    s = diff(a, b, topology=False).summary
    assert UNKNOWN not in set(s.faction)
    assert s.gained_km2.sum() == pytest.approx(s.lost_km2.sum(), rel=1e-9, abs=1e-9)
    assert s.net_km2.sum() == pytest.approx(0.0, abs=1e-6 * max(1.0, s.gained_km2.sum()))


@PROPS
@given(grid_maps())
def test_diff_with_itself_is_empty(maps):
    *_, a, _b = maps
    cs = diff(a, a, topology=False)
    assert cs.is_empty
    assert (cs.summary.gained_km2 == 0).all() and (cs.summary.lost_km2 == 0).all()


@PROPS
@given(grid_maps())
@example(MERGED_SPLIT)
@example(MERGED_SPLIT_AREAS)
def test_diff_mirrors(maps):
    *_, a, b = maps
    fwd, back = diff(a, b, topology=False), diff(b, a, topology=False)

    def totals(cs, swap=False):
        out = {}
        for f, t, k in zip(
            cs.changes.from_faction, cs.changes.to_faction, cs.changes.area_km2, strict=True
        ):
            key = (t, f) if swap else (f, t)
            out[key] = out.get(key, 0.0) + k
        return out

    tf, tb = totals(fwd), totals(back, swap=True)
    assert set(tf) == set(tb)
    for key in tf:
        assert tf[key] == pytest.approx(tb[key], rel=1e-6)
    sf, sb = fwd.summary.set_index("faction"), back.summary.set_index("faction")
    assert set(sf.index) == set(sb.index)
    for f in sf.index:
        assert sf.loc[f, "gained_km2"] == pytest.approx(sb.loc[f, "lost_km2"], rel=1e-6, abs=1e-9)
        assert sf.loc[f, "net_km2"] == pytest.approx(-sb.loc[f, "net_km2"], rel=1e-6, abs=1e-9)


# -- overlay on awkward input -------------------------------------------------------------------
@pytest.mark.parametrize("case", [MERGED_SPLIT, MERGED_SPLIT_AREAS], ids=["black", "no-black"])
def test_lost_and_gained_cells_sharing_edges(case):
    """Each changed cell is its own piece, with the right sides, in both directions."""
    cells, own_a, own_b, a, b = case
    for x, y, ox, oy in ((a, b, own_a, own_b), (b, a, own_b, own_a)):
        ov = overlay(x, y)
        expected = sorted(
            (f, t, round(_km2(c), 3)) for c, f, t in zip(cells, ox, oy, strict=True) if f != t
        )
        got = sorted(
            (f, t, round(float(k), 3))
            for f, t, k in zip(ov.from_faction, ov.to_faction, ov.area_km2, strict=True)
        )
        assert got == expected
        assert UNKNOWN not in {*ov.from_faction, *ov.to_faction}


def test_overlay_with_holes_and_multipolygons():
    ring = box(38, 33, 40, 35).difference(box(38.5, 33.5, 39.5, 34.5))
    a = snap("2020-01-01", {"red": ring, "black": box(38.5, 33.5, 39.5, 34.5)})
    b = snap("2020-01-02", {"red": box(38, 33, 40, 35)})  # pocket falls
    ov = overlay(a, b)
    assert list(zip(ov.from_faction, ov.to_faction, strict=True)) == [("black", "red")]
    assert ov.area_km2[0] == pytest.approx(_km2(box(38.5, 33.5, 39.5, 34.5)), rel=1e-6)


def test_overlay_of_empty_maps():
    a = snap("2020-01-01", {})
    cs = diff(a, a)
    assert cs.is_empty and len(cs.summary) == 0


# -- timeline -------------------------------------------------------------------------------------
@pytest.fixture
def history(tmp_path, before, after):
    h = ControlHistory(tmp_path / "control")
    h.add(before)
    h.add(after)
    h.add(
        snap(
            "2020-03-01", {"red": box(38.0, 33.0, 38.8, 34.0), "blue": box(38.8, 33.0, 40.5, 34.0)}
        )
    )
    return h


def test_timeline_rows_agree_with_diffs(history, synthetic_gazetteer, before, after):
    df = timeline(history, synthetic_gazetteer)
    assert list(df.columns[:6]) == [
        "date",
        "faction",
        "area_km2",
        "gained_km2",
        "lost_km2",
        "net_km2",
    ]
    assert sorted({d.isoformat() for d in df.date}) == ["2020-01-01", "2020-02-01", "2020-03-01"]
    first = df[df.date == before.date].set_index("faction")
    assert (first.gained_km2 == 0).all()
    s = diff(before, after).summary.set_index("faction")
    assert first.area_km2.to_dict() == pytest.approx(s.area_a_km2.to_dict())
    assert first.area_km2.to_dict() == pytest.approx(before.area_km2(), rel=1e-5)
    step = df[df.date == after.date].set_index("faction")
    for f in s.index:
        assert step.loc[f, "gained_km2"] == pytest.approx(s.loc[f, "gained_km2"])
        assert step.loc[f, "lost_km2"] == pytest.approx(s.loc[f, "lost_km2"])
        assert step.loc[f, "area_km2"] == pytest.approx(s.loc[f, "area_b_km2"])
    assert step.loc["red", "places_gained"] == 1 and step.loc["black", "places_lost"] == 2
    last = df[df.date.map(str) == "2020-03-01"].set_index("faction")
    assert last.loc["black", "area_km2"] == 0 and last.loc["black", "lost_km2"] > 0
    assert last.loc["blue", "places_gained"] == 1  # Alpha


def test_timeline_accepts_any_iterable_and_single_snapshot(before, after):
    df = timeline([before, after])
    assert len(df) == 6
    one = timeline([before])
    assert len(one) == 3 and (one.gained_km2 == 0).all()


def test_timeline_markdown_and_plot(history, synthetic_registry, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = timeline(history)
    md = timeline_markdown(df, synthetic_registry)
    assert "| Date | Black Banner (km²)" in md and "2020-03-01" in md
    ax = plot_timeline(df, registry=synthetic_registry)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Red Front", "Blue Army", "Black Banner"]
    colours = {
        line.get_label(): matplotlib.colors.to_hex(line.get_color()) for line in ax.get_lines()
    }
    assert colours["Red Front"].lower() == synthetic_registry.colour("red").lower()
    ax.figure.savefig(tmp_path / "t.png")
    plt.close(ax.figure)
    assert (tmp_path / "t.png").stat().st_size > 1000


def _front_maps(bump: bool):
    ys = np.linspace(33, 34, 2001)
    xs = 38.5 + 0.01 * np.sin(ys * 300)
    if bump:  # a local advance between 33.40 and 33.45
        xs = xs + np.where(
            (ys > 33.40) & (ys < 33.45), 0.05 * np.sin((ys - 33.40) / 0.05 * np.pi), 0.0
        )
    line = list(zip(xs, ys, strict=True))
    west = shapely.Polygon([(38, 33), *line, (38, 34)])
    east = shapely.Polygon([(39, 33), *line, (39, 34)])
    return {"red": west, "black": east}


def test_local_overlay_matches_a_full_overlay():
    a, b = _front_maps(False), _front_maps(True)
    rects = dirty_rectangles(a["red"], b["red"])
    assert rects is not None and len(rects) == 1
    assert 33.39 <= rects[0][1] and rects[0][3] <= 33.46  # only the moved sector
    ov = overlay(a, b)
    assert set(zip(ov.from_faction, ov.to_faction, strict=True)) == {("black", "red")}
    full = shapely.difference(b["red"], a["red"])
    assert ov.area_km2.sum() == pytest.approx(_km2(full), rel=1e-6)
    assert shapely.symmetric_difference(shapely.union_all(ov.pieces), full).area < 1e-12
    assert dirty_rectangles(a["red"], a["red"]).shape == (0, 4)


def test_names_that_moved_stay_importable_from_diff():
    """Overlay kernels, the area meter and timeline moved out of diff; the old names still work."""
    from frontline import geo
    from frontline import overlay as ov_module
    from frontline.diff import SUMMARY_COLUMNS, AreaMeter, Overlay, balance
    from frontline.diff import dirty_rectangles as old_dirty_rectangles
    from frontline.diff import overlay as old_overlay
    from frontline.diff import timeline as old_timeline

    assert old_overlay is ov_module.overlay
    assert Overlay is ov_module.Overlay
    assert balance is ov_module.balance
    assert old_dirty_rectangles is ov_module.dirty_rectangles
    assert SUMMARY_COLUMNS is ov_module.SUMMARY_COLUMNS
    assert AreaMeter is geo.AreaMeter
    assert old_timeline is timeline


def test_overlay_areas_are_the_one_area_definition():
    """Pieces and held areas of an overlay are what frontline.geo.geodesic_area_km2 measures."""
    from frontline.geo import geodesic_area_km2

    a = {"red": box(38, 33, 39, 34)}
    b = {"red": box(38, 33, 38.6, 34), "black": box(38.6, 33, 39, 34)}
    ov = overlay(a, b)
    assert list(ov.factions) == ["black", "red"]
    assert ov.area_a[1] == pytest.approx(float(geodesic_area_km2(a["red"])), rel=1e-9)
    assert ov.area_b[1] == pytest.approx(float(geodesic_area_km2(b["red"])), rel=1e-9)
    assert ov.area_km2.sum() == pytest.approx(float(geodesic_area_km2(b["black"])), rel=1e-9)
