"""Territory on the shipped data: checks that can fail (issue 12, items 4 and 5).

The shipped theatre uses the nearest fill: every piece of land of Syria, Iraq and Jordan inside
the extent goes to the holder of the nearest observed place in the same country, ground farther
than ``fill.observed_km`` from it being marked inferred.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from frontline.build import build_snapshot, place_cells, read_observations
from frontline.control import GRID, INFERRED
from frontline.diff import diff_dates
from frontline.factions import UNKNOWN, FactionRegistry
from frontline.gazetteer import Gazetteer
from frontline.geo import azimuth_deg, distance_km, geodesic_area_km2, geodesic_length_km
from frontline.store import ControlHistory
from frontline.theatre import Theatre
from frontline.topology import border_at, front_lines

THEATRE = "syria-iraq-2017"


@pytest.fixture(scope="module")
def theatre(shipped_data_dir) -> Theatre:
    return Theatre.load(THEATRE, shipped_data_dir)


@pytest.fixture(scope="module")
def history(shipped_data_dir) -> ControlHistory:
    return ControlHistory.load(THEATRE, shipped_data_dir)


@pytest.fixture(scope="module")
def snapshots(history):
    return list(history)


@pytest.fixture(scope="module")
def land_km2(theatre) -> float:
    return float(geodesic_area_km2(theatre.land()))


@pytest.fixture(scope="module")
def gazetteer(theatre):
    return Gazetteer.load(theatre.data_dir, theatre)


@pytest.fixture(scope="module")
def observations(theatre, history, gazetteer):
    return read_observations(theatre.observations_path, history.registry, gazetteer, theatre)


def test_the_shipped_theatre_fills_by_nearest_place(theatre):
    assert theatre.fill.mode == "nearest"
    assert theatre.fill.observed_km == 15 and theatre.fill.far_km == 50
    assert theatre.fill.stale_days == 90 and theatre.fill.warn_share == 0.6


# -- item 4: checks that can fail -------------------------------------------------------------
def test_factions_cover_at_least_95_percent_of_the_land(snapshots, land_km2):
    for snap in snapshots:
        held = sum(km2 for f, km2 in snap.area_km2().items() if f != UNKNOWN)
        assert held / land_km2 >= 0.95, (snap.date, held / land_km2)


def test_inferred_share_is_reported_and_bounded(snapshots, shipped_data_dir, cli_runner):
    from frontline.cli import cli

    res = cli_runner.invoke(cli, ["--data", str(shipped_data_dir), "control", "list", "--json"])
    assert res.exit_code == 0, res.output
    listed = {s["date"]: s for s in json.loads(res.output)["snapshots"]}
    for snap in snapshots:
        by = snap.area_by_basis()
        total = sum(by.values())
        inferred = sum(v for (_, b), v in by.items() if b == INFERRED)
        share = inferred / total
        # most desert is inferred (the convention decides it), but every map rests on
        # observed ground: at least 5 % of it lies within observed_km of an observation
        assert 0.5 <= share <= 0.95, (snap.date, share)
        row = listed[snap.date.isoformat()]
        assert sum(row["inferred_km2"].values()) == pytest.approx(inferred, abs=1.0)
        assert row["support"] == snap.support.to_dict()  # far/old shares, from the build
        assert 0 < snap.support.far_share < 1


def test_validate_warns_about_far_or_old_support(shipped_data_dir, cli_runner, snapshots):
    from frontline.cli import cli

    res = cli_runner.invoke(cli, ["--data", str(shipped_data_dir), "control", "validate"])
    assert res.exit_code == 0, res.output
    over = [s.date.isoformat() for s in snapshots if s.support.share > 0.6]
    assert over  # the 2017 history rests on April observations from July on
    for day in over:
        assert f"warning: {day}.geojson:" in res.output
    assert f"{len(over)} with far or old support" in res.output


def _contested_cells(observations, day, theatre):
    cells = place_cells(observations, day, theatre)
    return cells[cells["faction"] == UNKNOWN].geometry.values


def test_no_gaps_wider_than_the_storage_grid(snapshots, theatre, observations):
    """Where factions meet they share their boundary: no unclaimed strip between them.

    The only land no faction holds is the cell of a place observed contested.
    """
    land = theatre.land()
    for snap in snapshots:
        held = shapely.union_all(list(snap.faction_areas.values()))
        gaps = shapely.get_parts(shapely.difference(land, held))
        contested = _contested_cells(observations, snap.date, theatre)
        if len(contested) and len(gaps):
            cell = shapely.union_all(contested)
            gaps = gaps[~shapely.intersects(gaps, shapely.buffer(cell, -GRID))]
        wide = [g for g in gaps if not shapely.buffer(g, -GRID / 2).is_empty]
        assert not wide, (snap.date, [g.representative_point().wkt for g in wide][:3])


def test_front_lines_run_where_hostile_factions_meet(history, snapshots):
    registry = history.registry
    june = next(s for s in snapshots if s.date.isoformat() == "2017-06-18")
    fronts = front_lines(june, registry)
    length = {tuple(sorted((r.faction_a, r.faction_b))): r.length_km for r in fronts.itertuples()}
    # the Islamic State's territory is one front with all its enemies, not a scatter of discs
    assert length[("isf", "isis")] > 300 and length[("isis", "syrian-government")] > 300
    assert sum(v for k, v in length.items() if "isis" in k) > 1500
    # every hostile pair that shares a boundary is reported as a front along all of it
    for (fa, fb), km in length.items():
        assert registry.relation(fa, fb, on=june.date) == "hostile"
        shared = shapely.intersection(
            shapely.boundary(june.faction_areas[fa]), shapely.boundary(june.faction_areas[fb])
        )
        assert km >= 0.98 * float(geodesic_length_km([shared])[0]), (fa, fb)


@pytest.mark.parametrize("place", ["arak", "hatra", "tal-safouk"])
def test_removing_one_observation_changes_only_its_cell(place, observations, theatre, history):
    day = "2017-06-18"
    full = build_snapshot(observations, day, theatre, registry=history.registry)
    fewer = observations[observations["place_id"] != place]
    without = build_snapshot(fewer, day, theatre, registry=history.registry)
    cells = place_cells(observations, day, theatre)
    cell = cells[cells["place_id"] == place].geometry.values[0]
    assert not cell.is_empty
    changes = diff_dates_free(full, without)
    assert len(changes), place  # the place decided some ground
    outside = shapely.difference(shapely.union_all(changes), shapely.buffer(cell, 1e-4))
    assert float(geodesic_area_km2(outside)) < 0.5, place
    # and every other faction's ground far from the cell is byte-identical in meaning
    far = shapely.difference(theatre.land(), shapely.buffer(cell, 0.05))
    for f in set(full.factions) | set(without.factions):
        a = shapely.intersection(full.geometry_of(f), far)
        b = shapely.intersection(without.geometry_of(f), far)
        assert float(geodesic_area_km2(shapely.symmetric_difference(a, b))) < 0.5, (place, f)


def diff_dates_free(a, b) -> np.ndarray:
    """The pieces of ground whose holder differs between two snapshots (no registry needed)."""
    from frontline.overlay import overlay

    return overlay(a, b).pieces


# -- item 5: the Syrian army meets Iraqi forces at the border north-east of At Tanf ---------------
@pytest.fixture(scope="module")
def june(history, gazetteer):
    return diff_dates(history, "2017-05-29", "2017-06-30", gazetteer)


def test_diff_reports_the_link_up_at_the_border_north_east_of_at_tanf(june, gazetteer, theatre):
    links = june.link_ups[june.link_ups["kind"] == "link-up"]
    pairs = [set(p) for p in zip(links.faction_a, links.faction_b, strict=True)]
    assert {"syrian-government", "isf"} in pairs
    row = links.iloc[pairs.index({"syrian-government", "isf"})]
    pt = row.geometry
    tanf = gazetteer.resolve("At Tanf")
    km = float(distance_km(tanf.lon, tanf.lat, pt.x, pt.y))
    az = float(azimuth_deg(tanf.lon, tanf.lat, pt.x, pt.y)) % 360
    assert 30 <= km <= 150 and 0 <= az <= 90, (km, az)  # north-east of At Tanf
    assert border_at(pt, theatre) == "Iraq–Syria border"
    assert "link up with" in row.text and "at the Iraq–Syria border" in row.text
    md = june.to_markdown()
    assert row.text in md and "## Link-ups and cuts" in md
    assert "of it inferred" in md  # totals say how much of them the convention decided


def test_the_change_map_draws_the_link_up(history, gazetteer, june):
    import matplotlib.pyplot as plt

    from frontline.render import render_change

    ax = render_change(
        history, "2017-05-29", "2017-06-30", changes=june, gazetteer=gazetteer, basemap="none"
    )
    try:
        gids = {a.get_gid() for a in ax.get_children() if a.get_gid()}
        i = [set(p) for p in zip(june.link_ups.faction_a, june.link_ups.faction_b, strict=True)]
        k = i.index({"syrian-government", "isf"})
        assert f"link-up-{k}" in gids and f"link-up-text-{k}" in gids
        assert any(str(g).endswith("-inferred") for g in gids)  # the light tint is drawn
    finally:
        plt.close(ax.figure)


def test_the_registry_knows_every_shipped_faction(history):
    assert isinstance(history.registry, FactionRegistry)
    for snap in history:
        for f in snap.factions:
            assert f in history.registry
