import datetime as dt

import pytest

from frontline.errors import DataFileError, UnknownFactionError
from frontline.factions import UNKNOWN, Faction, FactionRegistry, SideRelation
from frontline.theatre import shipped_data_dir

RAW = {
    "default_relation": "neutral",
    "sides": {"gov": {"name": "Government"}, "reb": {"name": "Rebels"}, "krg": {"name": "KRG"}},
    "factions": [
        {
            "id": "army",
            "name": "National Army",
            "short_name": "the army",
            "aliases": ["NA", "الجيش"],
            "colour": "#aa0000",
            "side": "gov",
        },
        {
            "id": "militia",
            "name": "Militia",
            "aliases": ["Popular Militia"],
            "colour": "#00aa00",
            "side": "gov",
        },
        {"id": "rebels", "name": "Rebels", "colour": "#0000aa", "side": "reb"},
        {"id": "kurds", "name": "Kurdish forces", "colour": "#aaaa00", "side": "krg"},
    ],
    "relations": [
        {"sides": ["reb", "*"], "relation": "hostile"},
        {"sides": ["gov", "krg"], "relation": "allied", "to": "2017-10-15"},
        {"sides": ["gov", "krg"], "relation": "hostile", "from": "2017-10-16"},
    ],
}


@pytest.fixture
def registry():
    return FactionRegistry.from_mapping(RAW)


def test_lookup_by_id_name_alias_case_and_script(registry):
    assert registry.get("army").id == "army"
    assert registry.get("national army").id == "army"
    assert registry.get("n.a.").id == "army"
    assert registry.get("الجيش").id == "army"
    assert registry.get("popular-militia").id == "militia"


def test_unknown_faction_suggests(registry):
    with pytest.raises(UnknownFactionError) as err:
        registry.get("Milita")
    assert "Militia" in str(err.value)


def test_relations_are_queries(registry):
    assert registry.relation("army", "army") == "self"
    assert registry.relation("army", "militia") == "allied"
    assert registry.relation("army", "rebels") == "hostile"
    assert registry.relation("kurds", "army", on=dt.date(2017, 6, 1)) == "allied"
    assert registry.relation("kurds", "army", on="2017-10-20") == "hostile"
    assert registry.relation("army", UNKNOWN) == "neutral"
    assert ("army", "rebels") in registry.hostile_pairs()
    assert ("army", "militia") in registry.allied_pairs()


def test_duplicate_alias_is_rejected():
    raw = {
        **RAW,
        "factions": RAW["factions"]
        + [{"id": "x", "aliases": ["NA"], "colour": "#000000", "side": "x"}],
    }
    with pytest.raises(DataFileError, match="NA"):
        FactionRegistry.from_mapping(raw)


def test_bad_colour_is_rejected():
    with pytest.raises(DataFileError, match="colour"):
        FactionRegistry([Faction("a", "A", "red", "a")])


def test_reserved_unknown_is_always_known(registry):
    assert registry.get("uncontrolled").id == UNKNOWN


def test_shipped_registry_loads_and_covers_the_2017_theatre():
    reg = FactionRegistry.load(shipped_data_dir())
    for name in ["PMU", "Hashd al-Sha'bi", "ISIS", "Daesh", "SAA", "ISF", "SDF", "Peshmerga"]:
        assert reg.get(name)
    assert reg.is_hostile("isis", "pmu")
    assert reg.is_allied("isf", "syrian-government")
    assert reg.is_hostile("syrian-government", "tanf-opposition")


def test_side_relation_wildcard():
    rel = SideRelation("isis", "*", "hostile")
    assert rel.applies("isis", "anyone", None)
    assert not rel.applies("a", "b", None)
