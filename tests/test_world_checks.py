"""The shipped maps checked against the world, independently of the observations (issue 14).

* ``tests/data/reference_areas.csv``: every published area figure found for 2017 (the Syrian
  Observatory and the outlets that relay it, IHS Markit, Iraq's Joint Operations Command,
  Jusoor for Studies), each with its source, date, scope (SY, IQ, both) and definition:
  ``whole-territory`` figures (the whole country, desert included, as the Observatory counts)
  are compared with the faction's total area on the map, ``dominance`` figures (IHS's
  territorial dominance) with its observed area; ``other`` figures are printed, not compared.
  A figure must agree within a factor of 1.5, unless its ``expected_mismatch`` column says
  why it does not -- every figure is kept and printed, those that disagree too.
* ``tests/data/city_holders.csv``: the holder of every city above 100,000 inhabitants on
  1 January, 1 July and 31 December 2017, compiled separately from the observations (some
  rows cite the same reports); the shipped snapshot in force on each date must agree.

Run with ``-s`` to see the table.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from pathlib import Path

import pytest
import shapely

from frontline.control import OBSERVED
from frontline.geo import geodesic_area_km2

HERE = Path(__file__).resolve().parent / "data"
THEATRE = "syria-iraq-2017"
#: Largest ratio (either way) between a figure and the map.
FACTOR = 1.5
DEFINITIONS = ("whole-territory", "dominance", "other")


def _csv(name: str) -> list[dict[str, str]]:
    with open(HERE / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def history(shipped_data_dir):
    from frontline.store import ControlHistory

    return ControlHistory.load(THEATRE, shipped_data_dir)


@pytest.fixture(scope="module")
def scopes(history):
    """Each scope's land in the theatre (SY, IQ, both), and its area in km²."""
    land = history.theatre.land()
    ne = history.theatre.countries_gdf()
    geoms = {
        c: shapely.intersection(ne[ne["iso_a2"] == c].geometry.values[0], land)
        for c in ("SY", "IQ")
    }
    geoms["both"] = shapely.union(geoms["SY"], geoms["IQ"])
    return {k: (g, float(geodesic_area_km2(g))) for k, g in geoms.items()}


@pytest.fixture(scope="module")
def comparison(history, scopes):
    """One row per figure: the figure, the map's area and their ratio."""
    dates = history.dates()
    at = functools.lru_cache(maxsize=None)(lambda d: history.at(max(d, dates[0])))
    out = []
    for r in _csv("reference_areas.csv"):
        day = dt.date.fromisoformat(r["date"])
        geom, scope_km2 = scopes[r["scope"]]
        value = float(r["value"])
        figure = value if r["unit"] == "km2" else value / 100.0 * scope_km2
        row = dict(r, figure_km2=figure, map_km2=None, ratio=None, status="")
        if day > dates[-1]:
            row["status"] = "after the period"
            out.append(row)
            continue
        areas = at(day).areas
        sel = areas[areas["faction"].isin(r["faction"].split("+"))]
        if r["definition"] == "dominance":
            sel = sel[sel["basis"] == OBSERVED]
        held = shapely.intersection(shapely.union_all(sel.geometry.values), geom)
        row["map_km2"] = float(geodesic_area_km2(held)) if len(sel) else 0.0
        if figure > 0:
            row["ratio"] = row["map_km2"] / figure
            agree = 1 / FACTOR <= row["ratio"] <= FACTOR
        else:  # "all Iraqi lands are liberated": the map keeps (almost) nothing
            agree = row["map_km2"] <= 0.005 * scope_km2
        if r["definition"] == "other":
            row["status"] = "not compared (definition other)"
        elif agree:
            row["status"] = "agrees"
        else:
            row["status"] = "EXPECTED MISMATCH" if r["expected_mismatch"] else "DISAGREES"
        out.append(row)
    return out


def test_reference_areas_file():
    rows = _csv("reference_areas.csv")
    assert len(rows) >= 80
    for r in rows:
        assert r["scope"] in ("SY", "IQ", "both"), r
        assert r["unit"] in ("km2", "percent"), r
        assert r["definition"] in DEFINITIONS, r
        assert r["source"] and r["evidence"], r
        float(r["value"])
        dt.date.fromisoformat(r["date"])
    definitions = {r["definition"] for r in rows}
    assert {"whole-territory", "dominance"} <= definitions


def test_reference_areas_agree_with_the_maps_within_a_factor_of_1_5(comparison, capsys):
    """Print the whole table; fail on a figure that disagrees without a stated reason."""
    lines = [
        f"{'date':<10} {'scope':<5} {'faction':<24} {'definition':<15} {'figure':>16} "
        f"{'map km²':>9} {'ratio':>6}  status / source"
    ]
    for r in comparison:
        figure = f"{float(r['value']):g} {'%' if r['unit'] == 'percent' else 'km²'}"
        m = "" if r["map_km2"] is None else f"{r['map_km2']:,.0f}"
        q = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        fac = r["faction"] if len(r["faction"]) <= 24 else "opposition groups"
        lines.append(
            f"{r['date']:<10} {r['scope']:<5} {fac:<24} {r['definition']:<15} {figure:>16} "
            f"{m:>9} {q:>6}  {r['status']}; {r['source'][:60]}"
        )
        if r["status"] == "EXPECTED MISMATCH":
            lines.append(f"{'':>12}why: {r['expected_mismatch']}")
    with capsys.disabled():
        print("\nPublished area figures and the shipped maps\n" + "\n".join(lines))
    disagree = [r for r in comparison if r["status"] == "DISAGREES"]
    assert not disagree, [(r["date"], r["faction"], r["value"], r["ratio"]) for r in disagree]
    compared = [r for r in comparison if r["status"] in ("agrees", "EXPECTED MISMATCH")]
    agreed = [r for r in compared if r["status"] == "agrees"]
    assert len(agreed) >= 0.75 * len(compared), (len(agreed), len(compared))
    # a mismatch that no longer is one: drop its note
    stale = [r for r in compared if r["status"] == "agrees" and r["expected_mismatch"]]
    assert not stale, [(r["date"], r["faction"], r["value"]) for r in stale]


CHECK_DATES = ("2017-01-01", "2017-07-01", "2017-12-31")


def test_city_holders_file():
    rows = _csv("city_holders.csv")
    cities = {r["city"] for r in rows}
    assert len(cities) >= 40
    for r in rows:
        assert r["date"] in CHECK_DATES and r["source"] and r["evidence"], r
    full = [c for c in cities if {r["date"] for r in rows if r["city"] == c} == set(CHECK_DATES)]
    assert len(full) >= len(cities) - 1  # Halabja only at the year's end


@pytest.mark.parametrize("day", CHECK_DATES)
def test_the_maps_agree_with_the_city_holders(day, history, shipped_data_dir):
    from frontline.gazetteer import Gazetteer

    gaz = Gazetteer.load(shipped_data_dir, history.theatre)
    snap = history.at(day)
    wrong = []
    for r in (r for r in _csv("city_holders.csv") if r["date"] == day):
        p = gaz.get(r["place"])
        pt = shapely.Point(p.lon, p.lat)
        holders = [f for f, g in snap.faction_areas.items() if g.distance(pt) < 1e-6]
        got = holders[0] if len(holders) == 1 else "unknown" if not holders else "+".join(holders)
        if got != r["faction"]:
            wrong.append(f"{r['city']}: {r['faction']} (map of {snap.date}: {got})")
    assert not wrong, wrong
