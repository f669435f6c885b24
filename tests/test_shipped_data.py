"""Checks on the shipped data: factions, the syria-iraq-2017 theatre, its observations.

These guard the hand-curated data (not the code): columns, dates, confidences, events,
faction ids, sources, the theatre period, the regional files and the timeliness of the shipped
snapshots. They read the repository's own ``geodata/`` directory.
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
from frontline.observations import EVENTS, read_observations

DATA = Path(__file__).resolve().parent.parent / "geodata"
THEATRE_ID = "syria-iraq-2017"
#: factions of the Ukraine theatre (geodata/theatres/ukraine.yaml), scaffolded by `factions add`
UKRAINE_FACTIONS = {"ukraine", "russia"}
OBS_DIR = DATA / "observations" / THEATRE_ID
REGIONS = {
    "iraq.csv": {"IQ"},
    "syria-north-east.csv": {"SY"},
    "syria-west-south.csv": {"SY", "LB", "JO"},
}
COLUMNS = [
    "date", "place", "faction", "source", "confidence", "note", "event", "from_faction",
    "url", "evidence", "date_precision", "reviewed",
]  # fmt: skip
REQUIRED_FACTIONS = {
    "syrian-government", "isf", "pmu", "isis", "tanf-opposition", "sdf", "peshmerga",
    "syrian-opposition", "jordan", "hts", "ahrar-al-sham", "jaysh-al-islam", "faylaq-al-rahman",
    "euphrates-shield", "turkey", "jkbw", "hezbollah", "lebanese-army", "ybs",
}  # fmt: skip
#: Longest delay (days) between a reported change of hands and the first map showing it.
MAX_LAG_DAYS = 7


@pytest.fixture(scope="module")
def registry() -> FactionRegistry:
    return FactionRegistry.load(DATA)


@pytest.fixture(scope="module")
def theatre() -> dict:
    return yaml.safe_load((DATA / "theatres" / f"{THEATRE_ID}.yaml").read_text(encoding="utf-8"))


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == COLUMNS, path.name
        return [dict(r, file=path.name) for r in reader]


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return [r for name in REGIONS for r in _rows(OBS_DIR / name)]


@pytest.fixture(scope="module")
def shipped():
    from frontline.gazetteer import Gazetteer
    from frontline.theatre import Theatre

    th = Theatre.load(THEATRE_ID, DATA)
    return th, FactionRegistry.load(DATA), Gazetteer.load(DATA, th)


# -- factions ----------------------------------------------------------------------------------
def test_factions_registry_has_the_theatre_factions(registry: FactionRegistry) -> None:
    assert REQUIRED_FACTIONS <= set(registry.ids)
    colours = [f.colour.lower() for f in registry]
    assert len(colours) == len(set(colours)), "faction colours must be distinct"
    for f in registry:
        assert f.short_name and f.name and f.side in registry.sides
        if f.id in UKRAINE_FACTIONS:  # the Ukraine theatre's factions: Cyrillic aliases
            assert any(re.search(r"[\u0400-\u04ff]", a) for a in f.aliases), f.id
            continue
        assert any(re.search(r"[\u0600-\u06ff]", a) for a in f.aliases), f"{f.id}: Arabic alias"


def test_factions_relations_match_the_brief(registry: FactionRegistry) -> None:
    for fid in registry.ids:
        if registry.side_of(fid) != registry.side_of("isis"):
            assert registry.relation(fid, "isis") == "hostile", fid
    assert registry.relation("jkbw", "isis") == "allied"  # the Yarmouk basin affiliate
    assert registry.relation("syrian-government", "tanf-opposition") == "hostile"
    assert registry.relation("isf", "syrian-government") == "allied"
    assert registry.relation("pmu", "tanf-opposition") == "allied"
    assert registry.relation("jordan", "syrian-government") == "neutral"
    assert registry.relation("jordan", "tanf-opposition") == "neutral"
    # Baghdad and Erbil: allies, then the Kirkuk crisis, then the ceasefire of 27 October
    assert registry.relation("isf", "peshmerga", on="2017-10-15") == "allied"
    assert registry.relation("isf", "peshmerga", on="2017-10-16") == "hostile"
    assert registry.relation("pmu", "peshmerga", on="2017-10-27") == "hostile"
    assert registry.relation("isf", "peshmerga", on="2017-10-28") == "neutral"
    # HTS and Ahrar al-Sham: the January-March and July fighting, the joint Hama offensive
    assert registry.relation("hts", "ahrar-al-sham", on="2017-01-25") == "hostile"
    assert registry.relation("hts", "ahrar-al-sham", on="2017-04-01") == "allied"
    assert registry.relation("hts", "ahrar-al-sham", on="2017-07-19") == "hostile"
    assert registry.relation("hts", "ahrar-al-sham", on="2017-08-15") == "neutral"
    assert registry.relation("jaysh-al-islam", "faylaq-al-rahman", on="2017-04-01") == "neutral"
    assert registry.relation("jaysh-al-islam", "faylaq-al-rahman", on="2017-05-01") == "hostile"
    assert registry.relation("euphrates-shield", "sdf") == "hostile"
    assert registry.relation("euphrates-shield", "turkey") == "allied"
    assert registry.relation("hezbollah", "syrian-government") == "allied"


def test_every_relation_is_justified() -> None:
    raw = yaml.safe_load((DATA / "factions.yaml").read_text(encoding="utf-8"))
    sides = set(raw["sides"]) | {"*"}
    for rel in raw["relations"]:
        assert set(rel["sides"]) <= sides, rel["sides"]
        assert str(rel.get("note", "")).strip() and str(rel.get("source", "")).strip(), rel["sides"]


# -- the theatre -------------------------------------------------------------------------------
def test_theatre_file(theatre: dict) -> None:
    from frontline.theatre import natural_earth_countries

    assert theatre["id"] == THEATRE_ID
    assert set(theatre["countries"]) == {"SY", "IQ", "JO", "LB"}
    minlon, minlat, maxlon, maxlat = theatre["extent"]
    assert -180 <= minlon < maxlon <= 180 and -90 <= minlat < maxlat <= 90
    ne = natural_earth_countries()
    for iso in ("SY", "IQ"):  # the whole of both countries
        x0, y0, x1, y1 = ne[ne["iso_a2"] == iso].total_bounds
        assert minlon <= x0 and minlat <= y0 and x1 <= maxlon and y1 <= maxlat, iso
    fminlon, fminlat, fmaxlon, fmaxlat = theatre["map"]["focus_extent"]
    assert minlon <= fminlon < fmaxlon <= maxlon and minlat <= fminlat < fmaxlat <= maxlat
    assert [parse_date(d) for d in theatre["period"]] == [
        dt.date(2017, 1, 1),
        dt.date(2017, 12, 31),
    ]
    assert theatre["snapshot_dates"]["auto"] == MAX_LAG_DAYS
    assert all(v > 0 for v in theatre["default_radius_km"].values())


# -- the observations --------------------------------------------------------------------------
def test_one_file_per_region() -> None:
    assert sorted(p.name for p in OBS_DIR.glob("*.csv")) == sorted(REGIONS)
    assert not (DATA / "observations" / f"{THEATRE_ID}.csv").exists()


@pytest.mark.parametrize("name", sorted(REGIONS))
def test_each_region_is_valid_on_its_own(name, shipped) -> None:
    th, registry, gazetteer = shipped
    obs = read_observations(OBS_DIR / name, registry, gazetteer, th)
    assert len(obs) >= 250
    assert set(obs["country"]) <= REGIONS[name], set(obs["country"]) - REGIONS[name]


def test_the_merged_observations(rows, shipped) -> None:
    th, registry, gazetteer = shipped
    obs = read_observations(th.observations_path, registry, gazetteer, th)  # the merge step
    assert len(obs) == len(rows) >= 800
    # one row per place, date and faction: reports of one event are one row with every source
    keys = list(zip(obs["date"], obs["place_id"], obs["faction"], strict=True))
    assert len(keys) == len(set(keys))
    first = obs[obs["date"] == dt.date(2017, 1, 1)]
    assert first["place_id"].nunique() >= 250  # the holders on 1 January
    assert (obs["event"] == "captured").sum() >= 150


def test_observation_rows_are_well_formed(
    rows: list[dict[str, str]], registry: FactionRegistry, theatre: dict
) -> None:
    start, end = (parse_date(d) for d in theatre["period"])
    for r in rows:
        where = f"{r['file']}: {r}"
        day = parse_date(r["date"])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["date"]), where
        assert start <= day <= end, where
        assert r["place"].strip() == r["place"] and r["place"], where
        assert r["faction"] in registry.ids or r["faction"] == UNKNOWN, where
        assert r["source"].strip() and not re.search(r"headline not visible", r["source"]), where
        assert 0.0 <= float(r["confidence"]) <= 1.0, where
        assert r["event"] in EVENTS, where
        assert (r["event"] == "contested") == (r["faction"] == UNKNOWN), where
        if r["event"] == "captured" and r["from_faction"]:
            assert r["from_faction"] != r["faction"], where
        assert r["date_precision"] in ("day", "week", "month"), where
        assert r["reviewed"] in ("true", ""), where
        assert len(r["evidence"]) <= 300, where  # one short quote, never an article
        for url in filter(None, (u.strip() for u in r["url"].split("|"))):
            assert url.startswith(("http://", "https://")), where
        if r["reviewed"] == "true":
            assert r["evidence"], where


def test_inferred_holdings_say_so(rows) -> None:
    """A held row whose report is dated weeks from the row is an inference (the 2017 audit).

    It carries month precision, a confidence of at most 0.75, and its note says "inferred".
    """
    for r in rows:
        m = re.search(r",\s*(\d{4}-\d{2}-\d{2})\s*:", r["source"])
        if r["event"] != "held" or not m:
            continue
        gap = abs((dt.date.fromisoformat(m.group(1)) - parse_date(r["date"])).days)
        if gap > 35:
            assert r["date_precision"] == "month", r
            assert float(r["confidence"]) <= 0.75, r
            assert "inferred" in r["note"].lower(), r


def test_the_initial_state_is_the_start_of_the_period(rows, theatre) -> None:
    first = min(parse_date(r["date"]) for r in rows)
    assert first == parse_date(theatre["period"][0])


# -- timeliness --------------------------------------------------------------------------------
def test_no_change_of_hands_reaches_the_maps_more_than_a_week_late(rows, shipped) -> None:
    """Every captured, lost or contested row is on a shipped map within 7 days of its date."""
    from frontline.observations import change_dates

    th, registry, gazetteer = shipped
    snapshots = sorted(dt.date.fromisoformat(p.stem) for p in th.control_dir.glob("*.geojson"))
    assert snapshots[0] == dt.date(2017, 1, 1) and snapshots[-1] == dt.date(2017, 12, 31)
    lag = dt.timedelta(days=MAX_LAG_DAYS)
    late = []
    for r in rows:
        if r["event"] not in ("captured", "lost", "contested"):
            continue
        day = parse_date(r["date"])
        if not any(day <= s <= day + lag for s in snapshots):
            late.append(f"{r['file']}: {r['date']} {r['place']} {r['event']}")
    assert not late, late
    # and every change of holder the observations imply, with or without an event
    obs = read_observations(th.observations_path, registry, gazetteer, th)
    for day in change_dates(obs):
        assert any(day <= s <= day + lag for s in snapshots), day


# -- bibliography and licence ----------------------------------------------------------------
def test_sources_bibliography_lists_every_cited_report() -> None:
    """geodata/SOURCES.md is what scripts/make_sources.py makes of the data (re-run it)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_sources", DATA.parent / "scripts" / "make_sources.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    assert "GeoNames" in text and "Natural Earth" in text
    assert text == mod.render(DATA, DATA.parent / "tests" / "data"), (
        "geodata/SOURCES.md is stale: run scripts/make_sources.py"
    )


def test_geodata_declares_its_licence() -> None:
    text = (DATA / "LICENSE").read_text(encoding="utf-8")
    assert "CC BY 4.0" in text and "GeoNames" in text
    readme = (DATA.parent / "README.md").read_text(encoding="utf-8")
    assert "geodata/LICENSE" in readme


def test_isoformat_dates_are_real_days(rows: list[dict[str, str]]) -> None:
    assert all(isinstance(dt.date.fromisoformat(r["date"]), dt.date) for r in rows)
