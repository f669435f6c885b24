"""`frontline observe` on a theatre it was not developed on: Ukraine (issue 13).

The actors of a theatre are data: the registry's aliases (``geodata/factions.yaml``) and the
per-country table of generic words (``generic_actors`` and ``holders`` in
``frontline/data/observe.yaml``). These tests hold that a report about Ukraine gets Ukraine's
factions, never a faction of another country's table ("troops" is the Iraqi army only in Iraq),
on wordings of our own (not taken from the labelled reports).
"""

from __future__ import annotations

import datetime as dt

import pytest
from observe_eval import claim_set, evaluate

from frontline.gazetteer import Gazetteer

DAY = dt.date(2024, 3, 2)


@pytest.fixture(scope="module")
def ua_gaz():
    return Gazetteer.load(None, "ukraine")


def ua_claims(text, ua_gaz, reg):
    return claim_set(text, ua_gaz, reg, DAY)


def _id(ua_gaz, name):
    return ua_gaz.resolve(name, country="UA").id


@pytest.mark.parametrize(
    "text,faction",
    [
        ("Russian troops captured the town of Marinka on Friday.", "russia"),
        ("Moscow's forces seized Marinka on Friday, the ministry said.", "russia"),
        ("Ukrainian forces retook Marinka on Friday.", "ukraine"),
        ("Kyiv's troops recaptured Marinka on Friday.", "ukraine"),
    ],
)
def test_the_captor_is_named_by_its_nationality(ua_gaz, reg, text, faction):
    assert ua_claims(text, ua_gaz, reg) == {(_id(ua_gaz, "Marinka"), faction, "captured")}


def test_a_word_of_other_countries_tables_names_no_faction_here(ua_gaz, reg):
    # "troops" and "the army" are the Iraqi or Syrian army in Iraq or Syria; in Ukraine the
    # words say nothing of who they are
    got = ua_claims("Troops captured Marinka on Friday after weeks of fighting.", ua_gaz, reg)
    assert not {c for c in got if c[1] not in ("russia", "ukraine", "unknown")}


def test_the_surrounding_villages_are_not_a_siege(ua_gaz, reg):
    got = ua_claims(
        "Ukrainian troops took control of the surrounding villages of Yampil on Friday.",
        ua_gaz,
        reg,
    )
    assert not {c for c in got if c[2] == "held"}


def test_an_oblast_is_not_its_city(ua_gaz, reg):
    got = ua_claims("Russian forces captured Marinka in Donetsk Oblast on Friday.", ua_gaz, reg)
    assert _id(ua_gaz, "Donetsk") not in {c[0] for c in got}


@pytest.mark.parametrize(
    "text,faction",
    [
        ("Ukrainian troops withdrew from Marinka on Friday to avoid encirclement.", "russia"),
        ("Ukraine's commander said on Friday he had withdrawn troops from Marinka.", "russia"),
        ("Russia said on Friday that its forces had pulled out of Marinka.", "ukraine"),
    ],
)
def test_a_place_given_up_goes_to_the_only_enemy_there(ua_gaz, reg, text, faction):
    # two sides hold ground in Ukraine (``holders``): the side a place is left to goes without
    # saying; in Iraq or Syria, with many sides, nobody is chosen
    assert ua_claims(text, ua_gaz, reg) == {(_id(ua_gaz, "Marinka"), faction, "captured")}


def test_a_region_named_after_a_city_is_not_the_city(ua_gaz, reg):
    got = ua_claims("Russian forces captured Marinka in the Kharkiv region on Friday.", ua_gaz, reg)
    assert _id(ua_gaz, "Kharkiv") not in {c[0] for c in got}


def test_a_river_is_not_its_city(ua_gaz, reg):
    got = ua_claims(
        "Ukrainian marines still hold positions on the left bank of the Dnipro.", ua_gaz, reg
    )
    assert _id(ua_gaz, "Dnipro") not in {c[0] for c in got}


def test_a_capture_denied_in_a_later_sentence_is_disputed(ua_gaz, reg):
    text = (
        "Russia said on Friday its forces had seized Marinka after months of fighting. "
        "Kyiv denied that Russian troops had full control of the town."
    )
    marinka = _id(ua_gaz, "Marinka")
    assert ua_claims(text, ua_gaz, reg) == {
        (marinka, "russia", "captured"),
        (marinka, "unknown", "contested"),
    }


@pytest.mark.parametrize(
    "text",
    [
        "Russian forces retook Viktorovka in Russia's Kursk region on Friday.",
        "Russian forces retook Viktorovka, in the Kursk region of Russia, on Friday.",
    ],
)
def test_a_place_the_text_puts_in_another_country_is_not_a_homonym_here(ua_gaz, reg, text):
    assert ua_gaz.resolve("Viktorovka", country="UA")  # a Ukrainian village has that name
    assert ua_claims(text, ua_gaz, reg) == set()


# ---- quality on real reports about Ukraine (tests/data/reports/ukraine*.yaml) --------------

#: First runs of the round-5 extractor (tests/data/reports/MEASUREMENTS.md): ``ukraine2`` blind
#: (its errors were read only after this run) 0.58 / 0.54; ``ukraine``, whose errors the
#: cross-theatre rules were written from, 0.66 / 0.63 (0.14 / 0.10 before). The round-4
#: extractor scored 0.27 / 0.28 on ``ukraine2``. The round-6 extractor: ``ukraine3`` (blind)
#: 0.57 / 0.51. Round 7 (rules from the errors of ``ukraine`` to ``ukraine3``): ``ukraine4``
#: blind 0.63 / 0.79 after the first rules and 0.66 / 0.64 with all of them (the round-6
#: extractor: 0.61 / 0.70), ``ukraine5`` blind 0.52 / 0.59 (round 6: 0.42 / 0.56); the sets
#: read now score ``ukraine`` 0.78 / 0.79, ``ukraine2`` 0.73 / 0.63, ``ukraine3`` 0.67 / 0.76,
#: ``ukraine4`` 0.62 / 0.70. A regression below these fails.
UKRAINE_FLOORS = {
    "ukraine": (0.76, 0.77),
    "ukraine2": (0.7, 0.6),
    "ukraine3": (0.65, 0.73),
    "ukraine4": (0.6, 0.67),
    "ukraine5": (0.5, 0.57),
}


@pytest.mark.parametrize("split", sorted(UKRAINE_FLOORS))
def test_ukraine_quality_does_not_regress(ua_gaz, reg, split):
    s = evaluate(split, ua_gaz, reg)["en"]
    p, r = UKRAINE_FLOORS[split]
    assert s.precision >= p and s.recall >= r, (s.precision, s.recall, s.errors)
