"""Tests for frontline.topology: front lines, link-ups, cuts and encirclements (synthetic maps)."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
from shapely import box

from frontline.control import ControlSnapshot
from frontline.diff import diff
from frontline.factions import Faction, FactionRegistry, SideRelation
from frontline.geo import geodesic_length_km
from frontline.topology import contacts, encirclements, front_lines, link_ups, locator


def snap(day, areas):
    return ControlSnapshot.from_areas(day, areas)


def km_to_deg_lon(km: float, lat: float = 33.5) -> float:
    import math

    return km / (111.32 * math.cos(math.radians(lat)))


# -- front lines ---------------------------------------------------------------------------------
def test_front_between_hostile_neighbours(synthetic_registry):
    s = snap(
        "2020-01-01",
        {
            "red": box(38, 33, 38.5, 34),
            "black": box(38.5, 33, 39, 34),
            "grey": box(39, 33, 39.5, 34),
        },
    )
    fl = front_lines(s, synthetic_registry)
    # red–black are hostile, black–grey neutral
    assert fl[["faction_a", "faction_b"]].values.tolist() == [["red", "black"]]
    assert fl.crs.to_epsg() == 4326
    edge = float(geodesic_length_km(shapely.LineString([(38.5, 33), (38.5, 34)])))
    # the front is the shared edge, running on by at most ~2 x tolerance at each end
    assert edge <= fl.length_km.iloc[0] <= edge + 4 * 0.5
    assert fl.length_km.iloc[0] == pytest.approx(float(geodesic_length_km(fl.geometry.iloc[0])))


def test_allied_neighbours_have_no_front(synthetic_registry):
    s = snap("2020-01-01", {"red": box(38, 33, 38.5, 34), "blue": box(38.5, 33, 39, 34)})
    assert len(front_lines(s, synthetic_registry)) == 0


@pytest.mark.parametrize(("gap_km", "expected"), [(0.0, 1), (0.3, 1), (-0.3, 1), (2.0, 0)])
def test_sliver_tolerance(synthetic_registry, gap_km, expected):
    """A gap (or overlap, negative) narrower than the tolerance still makes a front."""
    x = 38.5 + km_to_deg_lon(gap_km)
    s = ControlSnapshot(
        dt.date(2020, 1, 1),
        snap("2020-01-01", {"red": box(38, 33, 38.5, 34), "black": box(x, 33, 39, 34)}).areas,
    )
    fl = front_lines(s, synthetic_registry, tolerance_km=0.5)
    assert len(fl) == expected
    if expected:
        assert 110 <= fl.length_km.iloc[0] <= 115


def test_short_contacts_are_dropped(synthetic_registry):
    # two squares touching at a corner only
    s = snap("2020-01-01", {"red": box(38, 33, 38.5, 33.5), "black": box(38.5, 33.5, 39, 34)})
    assert len(front_lines(s, synthetic_registry, min_length_km=2.0)) == 0
    assert len(front_lines(s, synthetic_registry, min_length_km=0.0)) == 1


def test_jagged_front_follows_the_boundary(synthetic_registry):
    import numpy as np

    ys = np.linspace(33, 34, 401)
    xs = 38.5 + 0.01 * np.sin(ys * 300)
    west = shapely.Polygon([(38, 33), *zip(xs, ys, strict=True), (38, 34)])
    east = shapely.Polygon([(39, 33), *zip(xs, ys, strict=True), (39, 34)])
    s = snap("2020-01-01", {"red": west, "black": east})
    fl = front_lines(s, synthetic_registry)
    line_km = float(geodesic_length_km(shapely.LineString(list(zip(xs, ys, strict=True)))))
    assert line_km <= fl.length_km.iloc[0] <= line_km + 3


def test_relation_on_the_snapshot_date():
    reg = FactionRegistry(
        [
            Faction("kurds", "Kurds", "#ffff00", "k"),
            Faction("feds", "Federal army", "#0000ff", "f"),
        ],
        [
            SideRelation("k", "f", "allied", end=dt.date(2017, 10, 15)),
            SideRelation("k", "f", "hostile", start=dt.date(2017, 10, 16)),
        ],
    )
    areas = {"kurds": box(44, 35, 44.5, 36), "feds": box(44.5, 35, 45, 36)}
    assert len(front_lines(snap("2017-10-01", areas), reg)) == 0
    assert len(front_lines(snap("2017-10-17", areas), reg)) == 1


# -- link-ups and cuts ---------------------------------------------------------------------------
@pytest.fixture
def linkup_maps():
    # Reds advance east across the Black Banner's ground to meet the Blues near Charlie Base
    # (38.6, 33.45)
    a = snap(
        "2020-01-01",
        {
            "red": box(38.0, 33.0, 38.3, 34.0),
            "black": box(38.3, 33.0, 38.62, 34.0),
            "blue": box(38.62, 33.0, 39.5, 34.0),
        },
    )
    b = snap("2020-02-01", {
        "red": box(38.0, 33.0, 38.62, 33.5).union(box(38.0, 33.5, 38.3, 34.0)),
        "black": box(38.3, 33.5, 38.62, 34.0),
        "blue": box(38.62, 33.0, 39.5, 34.0),
    })  # fmt: skip
    return a, b


def test_link_up_with_words(linkup_maps, synthetic_registry, synthetic_gazetteer):
    a, b = linkup_maps
    lu = link_ups(a, b, synthetic_registry, synthetic_gazetteer)
    assert lu.kind.tolist() == ["link-up"]
    row = lu.iloc[0]
    assert (row.faction_a, row.faction_b) == ("red", "blue")  # the Reds moved
    assert row.text.startswith("Reds link up with Blues ")
    assert "Charlie Base" in row.location or "Bravo" in row.location
    assert row.date == "2020-02-01"
    # the contact point lies on the new shared boundary
    assert row.geometry.distance(shapely.LineString([(38.62, 33.0), (38.62, 33.5)])) < 0.01


def test_cut_is_the_reverse(linkup_maps, synthetic_registry):
    a, b = linkup_maps
    lu = link_ups(b, a, synthetic_registry)
    assert lu.kind.tolist() == ["cut"]
    assert lu.text.iloc[0].startswith("Link between Reds and Blues cut near ")
    assert "°N" in lu.location.iloc[0]


def test_link_up_in_changeset_and_report(linkup_maps, synthetic_registry, synthetic_gazetteer):
    a, b = linkup_maps
    cs = diff(a, b, synthetic_registry, synthetic_gazetteer)
    assert cs.link_ups.kind.tolist() == ["link-up"]
    assert "## Link-ups and cuts" in cs.to_markdown()
    assert "- Reds link up with Blues" in cs.to_markdown()


def test_no_link_up_when_already_touching(synthetic_registry):
    areas = {"red": box(38, 33, 38.5, 34), "blue": box(38.5, 33, 39, 34)}
    assert (
        len(link_ups(snap("2020-01-01", areas), snap("2020-01-02", areas), synthetic_registry)) == 0
    )


def test_contacts_within_tolerance():
    a = snap(
        "2020-01-01", {"x": box(38, 33, 38.5, 34), "y": box(38.5 + km_to_deg_lon(0.3), 33, 39, 34)}
    )
    assert ("x", "y") in contacts(a, [("x", "y")], tolerance_km=0.5)
    assert ("x", "y") not in contacts(a, [("x", "y")], tolerance_km=0.1)


# -- encirclements -------------------------------------------------------------------------------
def test_pocket_surrounded_by_hostile_ground(synthetic_registry, synthetic_gazetteer):
    pocket = box(38.5, 33.3, 38.7, 33.6)
    s = snap("2020-01-01", {"red": box(38, 33, 39, 34).difference(pocket), "black": pocket})
    enc = encirclements(s, synthetic_registry, synthetic_gazetteer)
    assert enc.faction.tolist() == ["black"]
    assert enc.surrounded_by.iloc[0] == "red"
    assert enc.text.iloc[0].startswith("Black Banner pocket of ")
    assert "Charlie Base" in enc.location.iloc[0]
    # Reds around it are not encircled (they border unknown ground outside)
    assert "red" not in set(enc.faction)


def test_pocket_open_to_unknown_ground_is_not_encircled(synthetic_registry):
    s = snap(
        "2020-01-01",
        {
            "red": box(38, 33, 39, 34).difference(box(38.5, 33.3, 39, 33.6)),
            "black": box(38.5, 33.3, 38.7, 33.6),
        },
    )
    assert len(encirclements(s, synthetic_registry)) == 0


def test_new_pocket_flagged_in_changeset(synthetic_registry):
    pocket = box(38.5, 33.3, 38.7, 33.6)
    a = snap("2020-01-01", {"red": box(38, 33, 38.5, 34), "black": box(38.5, 33, 39, 34)})
    b = snap("2020-01-02", {"red": box(38, 33, 39, 34).difference(pocket), "black": pocket})
    cs = diff(a, b, synthetic_registry)
    assert cs.encirclements["new"].tolist() == [True]
    assert "## New pockets" in cs.to_markdown()


def test_locator_without_and_with_gazetteer(synthetic_gazetteer):
    assert locator(None)(38.6, 33.45) == "33.450°N 38.600°E"
    assert locator(synthetic_gazetteer)(38.6, 33.45) == "at Charlie Base"
    assert locator(synthetic_gazetteer)(38.6, 33.6).endswith("N of Charlie Base")


# -- vectorised internals ------------------------------------------------------------------------
def _wiggly(rng, x0, n=400):
    import numpy as np

    y = np.linspace(33.0, 34.0, n)
    x = x0 + 0.02 * np.sin(y * 40) + rng.normal(0, 0.002, n)
    return np.column_stack([x, y])


def test_within_matches_brute_force():
    """Edges.within (chunk boxes, then exact tests) equals testing every vertex pair."""
    import numpy as np

    from frontline.edges import Edges, Projector

    rng = np.random.default_rng(7)
    for trial in range(6):
        front = _wiggly(rng, 38.5)
        left = shapely.Polygon(np.vstack([[[38.0, 33.0]], front, [[38.0, 34.0]]]))
        shift = rng.uniform(-0.01, 0.01)  # the other side's edge, moved: gaps and overlaps
        right = shapely.Polygon(np.vstack([front[::-1] + [shift, 0], [[39.0, 34.0], [39.0, 33.0]]]))
        left, right = shapely.make_valid(left), shapely.make_valid(right)
        proj = Projector.for_geometries([left, right])
        a, b = Edges(left, proj, 0.25), Edges(right, proj, 0.25)
        tol = 500.0 * (1 + trial % 3)
        verts = np.arange(len(a.xy))
        got = b.within(a, verts, tol)
        d = np.hypot(*(a.pxy[:, None, :] - b.pxy[None, :, :]).transpose(2, 0, 1))
        near = (d <= tol).any(axis=1)
        inside = shapely.contains_xy(right, a.xy[:, 0], a.xy[:, 1])
        assert np.array_equal(got, near | inside)


def test_edge_lengths_cache_gives_geodesic_lengths():
    import numpy as np

    from frontline.edges import EdgeLengths
    from frontline.geo import GEOD

    rng = np.random.default_rng(1)
    p = rng.uniform([36, 30], [40, 36], (200, 2))
    q = p + rng.normal(0, 0.01, (200, 2))
    keys = rng.integers(0, 2**63, 200).astype(np.uint64)
    cache = EdgeLengths()
    first = cache(keys[:150], p[:150], q[:150])
    again = cache(keys, p, q)
    reverse = cache(keys, q, p)  # same undirected key, other direction: measured, not reused
    want = np.asarray(GEOD.inv(p[:, 0], p[:, 1], q[:, 0], q[:, 1])[2]) / 1e3
    back = np.asarray(GEOD.inv(q[:, 0], q[:, 1], p[:, 0], p[:, 1])[2]) / 1e3
    assert np.array_equal(first, want[:150])
    assert np.array_equal(again, want)
    assert np.array_equal(reverse, back)


def test_recent_topology_reused_only_for_the_same_maps(synthetic_registry):
    from frontline import topology

    topology.clear_cache()
    a = snap("2020-01-01", {"red": box(38, 33, 38.5, 34), "black": box(38.5, 33, 39, 34)})
    first = front_lines(a, synthetic_registry)
    assert len(topology._RECENT) == 1
    again = front_lines(a, synthetic_registry)
    assert again.drop(columns="geometry").equals(first.drop(columns="geometry"))
    # a snapshot whose areas were replaced in place is traced afresh
    a.areas["geometry"] = [box(38, 33, 38.2, 34), box(38.5, 33, 39, 34)]
    moved = front_lines(a, synthetic_registry)
    assert moved.empty
    for k in range(6):  # the cache stays small
        front_lines(snap(f"2020-01-0{k + 2}", {"red": box(38, 33, 38.5, 34)}), synthetic_registry)
    assert len(topology._RECENT) <= topology.RECENT_MAX


def test_one_edge_hashing_kernel():
    """Boundaries (Edges) and the overlay's edge lists hash the same edge to the same key."""
    import numpy as np

    from frontline.edges import Edges, Projector, edge_keys, member, polygon_edges

    a = shapely.Polygon([(38, 33), (38.4, 33.1), (38.5, 33.6), (38.1, 33.9)])
    b = shapely.Polygon([(38.4, 33.1), (39, 33), (39, 34), (38.5, 33.6)])  # shares one edge
    keys, ends, ring = polygon_edges(a)
    assert len(keys) == 4 and ends.shape == (4, 4) and set(ring.tolist()) == {0}
    assert np.array_equal(keys, edge_keys(ends[:, 2:], ends[:, :2]))  # undirected
    # no densification (edges are shorter than max_km): the same edges, the same keys
    edges = Edges(a, Projector.for_geometries([a]), max_km=1000.0)
    assert np.array_equal(np.sort(edges.keys), np.sort(keys))
    shared = member(polygon_edges(b)[0], np.sort(keys))
    assert shared.sum() == 1
    assert edges.shared(Edges(b, Projector.for_geometries([b]), max_km=1000.0)).sum() == 1


def test_moved_names_stay_importable_from_topology():
    import frontline.edges
    import frontline.topology

    for name in ("Edges", "EdgeLengths", "Projector", "CHUNK"):
        assert getattr(frontline.topology, name) is getattr(frontline.edges, name)


def test_locator_names_a_near_village_where_towns_are_far():
    """Open ground far from any town is anchored on the nearest village, the town in brackets."""
    from frontline.gazetteer import Gazetteer
    from frontline.places import Place
    from frontline.topology import FAR_NOTABLE_KM, locator

    town = Place("town", "Bigtown", (), "town", "UA", 47.66, 36.26, 1000, "example", 20000, 2)
    village = Place("gn-1", "Smallvil", (), "village", "UA", 47.95, 36.75, 1000, "GeoNames", 600, 1)
    where = locator(Gazetteer([town, village]))
    # 3 km east of the village, ~45 km from the town
    far = where(36.79, 47.95)
    assert far.startswith("3 km E of Smallvil (") and "of Bigtown)" in far
    assert float(far.split("(")[1].split(" km")[0]) > FAR_NOTABLE_KM
    # near the town: the town alone, as before
    assert where(36.30, 47.70) == "5 km NE of Bigtown"
    # far from both: the town alone (no village within reach)
    assert where(37.5, 48.4).endswith("of Bigtown") and "(" not in where(37.5, 48.4)
