"""Light checks on the shipped data: factions, the syria-iraq-2017 theatre, its observations.

These guard the hand-curated data (not the code): columns, dates, confidences, faction ids,
sources and the theatre period. They read the repository's own ``geodata/`` directory.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from frontline.dates import parse_date
from frontline.factions import UNKNOWN, FactionRegistry

DATA = Path(__file__).resolve().parent.parent / "geodata"
THEATRE_ID = "syria-iraq-2017"
COLUMNS = ["date", "place", "faction", "source", "confidence", "note"]
REQUIRED_FACTIONS = {
    "syrian-government",
    "isf",
    "pmu",
    "isis",
    "tanf-opposition",
    "sdf",
    "peshmerga",
    "jordan",
}


@pytest.fixture(scope="module")
def registry() -> FactionRegistry:
    return FactionRegistry.load(DATA)


@pytest.fixture(scope="module")
def theatre() -> dict:
    return yaml.safe_load((DATA / "theatres" / f"{THEATRE_ID}.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with open(DATA / "observations" / f"{THEATRE_ID}.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def test_factions_registry_has_the_theatre_factions(registry: FactionRegistry) -> None:
    assert REQUIRED_FACTIONS <= set(registry.ids)
    colours = [f.colour.lower() for f in registry]
    assert len(colours) == len(set(colours)), "faction colours must be distinct"
    for f in registry:
        assert f.short_name and f.name and f.side in registry.sides


def test_factions_relations_match_the_brief(registry: FactionRegistry) -> None:
    for fid in registry.ids:
        if fid != "isis":
            assert registry.relation(fid, "isis") == "hostile", fid
    assert registry.relation("syrian-government", "tanf-opposition") == "hostile"
    assert registry.relation("isf", "syrian-government") == "allied"
    assert registry.relation("pmu", "tanf-opposition") == "allied"
    assert registry.relation("isf", "peshmerga", on="2017-10-15") == "allied"
    assert registry.relation("isf", "peshmerga", on="2017-10-16") == "hostile"
    assert registry.relation("jordan", "syrian-government") == "neutral"
    assert registry.relation("jordan", "tanf-opposition") == "neutral"


def test_every_relation_is_justified() -> None:
    raw = yaml.safe_load((DATA / "factions.yaml").read_text(encoding="utf-8"))
    sides = set(raw["sides"]) | {"*"}
    for rel in raw["relations"]:
        assert set(rel["sides"]) <= sides, rel["sides"]
        assert str(rel.get("note", "")).strip() and str(rel.get("source", "")).strip(), rel["sides"]


def test_theatre_file(theatre: dict) -> None:
    assert theatre["id"] == THEATRE_ID
    assert set(theatre["countries"]) == {"SY", "IQ", "JO"}
    minlon, minlat, maxlon, maxlat = theatre["extent"]
    assert -180 <= minlon < maxlon <= 180 and -90 <= minlat < maxlat <= 90
    fminlon, fminlat, fmaxlon, fmaxlat = theatre["map"]["focus_extent"]
    assert minlon <= fminlon < fmaxlon <= maxlon and minlat <= fminlat < fmaxlat <= maxlat
    start, end = (parse_date(d) for d in theatre["period"])
    dates = [parse_date(d) for d in theatre["snapshot_dates"]]
    assert len(dates) >= 8 and dates == sorted(set(dates))
    assert all(start <= d <= end for d in dates)
    assert all(v > 0 for v in theatre["default_radius_km"].values())


def test_observation_rows_are_well_formed(
    rows: list[dict[str, str]], registry: FactionRegistry, theatre: dict
) -> None:
    start, end = (parse_date(d) for d in theatre["period"])
    assert len(rows) >= 150
    for i, r in enumerate(rows, start=2):
        where = f"line {i}: {r}"
        day = parse_date(r["date"])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["date"]), where
        assert start <= day <= end, where
        assert r["place"].strip() == r["place"] and r["place"], where
        assert r["faction"] in registry.ids or r["faction"] == UNKNOWN, where
        assert r["source"].strip(), where
        assert 0.0 <= float(r["confidence"]) <= 1.0, where


def test_one_claim_per_place_and_date(rows: list[dict[str, str]]) -> None:
    seen: set[tuple[str, str]] = set()
    for r in rows:
        key = (r["date"], r["place"])
        assert key not in seen, f"two factions claimed for {key}"
        seen.add(key)


def test_every_snapshot_date_has_a_state(rows: list[dict[str, str]], theatre: dict) -> None:
    first = min(parse_date(r["date"]) for r in rows)
    assert first == parse_date(theatre["period"][0]), (
        "the initial state is dated at the start of the period"
    )
    initial = [r for r in rows if parse_date(r["date"]) == first]
    assert len(initial) >= 40


def test_sources_bibliography_exists() -> None:
    text = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    assert "GeoNames" in text and "Natural Earth" in text


def test_isoformat_dates_are_real_days(rows: list[dict[str, str]]) -> None:
    assert all(isinstance(dt.date.fromisoformat(r["date"]), dt.date) for r in rows)
