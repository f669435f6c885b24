"""General rules of `frontline observe` added in round 7, each tried on phrasings no labelled
report has.

Round 7 (issue 13): the round-6 blind errors and those of the third Ukraine set were read and
fixed by rules about language and data: a holder written as a pre-modifier of any side
("Kyiv-held", "Russian-occupied", with adjectives before "town of"), the seat of a government
that speaks ("Moscow claimed the capture of"), and which of two places of the same size a
spelling means. These tests hold the rules on new wordings; each fails on the round-6
extractor.
"""

from __future__ import annotations

import datetime as dt

import pytest
from observe_eval import claim_set

from frontline.gazetteer import Gazetteer

DAY = dt.date(2024, 6, 3)
SY_DAY = dt.date(2017, 6, 3)


@pytest.fixture(scope="module")
def ua_gaz():
    return Gazetteer.load(None, "ukraine")


# ---- a holder as a pre-modifier -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "faction"),
    [
        ("Drones hit a fuel depot in Kyiv-held Kramatorsk overnight.", "ukraine"),
        ("Shelling was reported in Moscow-controlled Horlivka on Sunday.", "russia"),
        ("Officials fled the Russian-occupied port city of Berdiansk.", "russia"),
        ("Refugees reached the Ukraine-held mining town of Myrnohrad.", "ukraine"),
    ],
)
def test_any_sides_name_before_held_says_who_holds(ua_gaz, reg, text, faction):
    got = claim_set(text, ua_gaz, reg, DAY)
    assert {(f, e) for _p, f, e in got} == {(faction, "held")}


def test_adjectives_before_town_of_keep_the_premodifier_on_the_place(gaz, reg):
    # before round 7, only listed adjectives ("strategic", "key") might stand between
    text = "Aid convoys waited outside the rebel-held agricultural town of Kafr Nabudah."
    got = claim_set(text, gaz, reg, SY_DAY)
    assert {(f, e) for _p, f, e in got} == {("syrian-opposition", "held")}


def test_a_premodifier_is_about_the_place_after_it_not_before(ua_gaz, reg):
    text = "Ivanivka lies a few kilometres from the Ukrainian-held city of Kostiantynivka."
    got = claim_set(text, ua_gaz, reg, DAY)
    assert {(f, e) for _p, f, e in got} == {("ukraine", "held")}
    assert len(got) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Melitopol, a Russian-occupied rail junction, lost power on Monday.",
        "Melitopol is a Russian-occupied rail junction in the south.",
    ],
)
def test_a_premodifier_in_an_appositive_or_predicate_is_about_the_place(ua_gaz, reg, text):
    got = claim_set(text, ua_gaz, reg, DAY)
    assert {(f, e) for _p, f, e in got} == {("russia", "held")}


# ---- the seat of a government that speaks ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "faction", "g"),
    [
        ("Moscow on Tuesday announced the capture of Ocheretyne.", "russia", "ua"),
        ("The Kremlin claims the fall of Krasnohorivka.", "russia", "ua"),
        ("Kyiv has reported the liberation of Andriivka.", "ukraine", "ua"),
        ("Damascus declared the recapture of Maaloula on Sunday.", "syrian-government", "sy"),
    ],
)
def test_a_capital_that_speaks_names_its_side_as_captor(gaz, ua_gaz, reg, text, faction, g):
    got = claim_set(text, ua_gaz if g == "ua" else gaz, reg, DAY if g == "ua" else SY_DAY)
    assert {(f, e) for _p, f, e in got} == {(faction, "captured")}


# ---- which place a spelling means -----------------------------------------------------------


def test_a_spelling_one_city_has_wins_over_an_equal_city_with_a_near_spelling(ua_gaz, reg):
    # GeoNames lists "Slov'iansk" among Nikopol's alternate names; "Sloviansk" is Slovyansk's
    text = "Ukrainian troops still hold Sloviansk, officials said."
    got = claim_set(text, ua_gaz, reg, DAY)
    assert got == {("gn-693468", "ukraine", "held")}
