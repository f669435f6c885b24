"""General rules of `frontline observe` added in round 7, each tried on phrasings no labelled
report has.

Round 7 (issue 13): the round-6 blind errors and those of the third Ukraine set were read and
fixed by rules about language and data: a holder written as a pre-modifier of any side
("Kyiv-held", "Russian-occupied", with adjectives before "town of"), the seat of a government
that speaks ("Moscow claimed the capture of"), and which of two places of the same size a
spelling means. These tests hold the rules on new wordings; all but two fail on the round-6
extractor ("will liberate" inside a quote was already no claim; "the Islamic State-held town"
guards what the wider pre-modifier rule could have broken).
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


# ---- part of a place, fighting over it ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Government troops stormed a western district of Tadif on Sunday.",
        "Rebels overran several positions inside Tadif overnight.",
        "Rebels now partially control Tadif, the monitor said.",
        "Troops and rebels continue fighting for Tadif.",
        "Some 45% of Tadif is under the control of government troops, a monitor said.",
    ],
)
def test_part_of_a_town_or_fighting_over_it_is_contested(gaz, reg, text):
    got = claim_set(text, gaz, reg, SY_DAY)
    assert {(f, e) for _p, f, e in got} == {("unknown", "contested")}


def test_a_share_of_a_place_after_a_long_description_is_contested(gaz, reg):
    text = "Rebels held more than half of their most important remaining bastion Tadif."
    got = claim_set(text, gaz, reg, SY_DAY)
    assert {(f, e) for _p, f, e in got} == {("unknown", "contested")}


@pytest.mark.parametrize(
    "text",
    [
        "“Our men will liberate Tadif,” the commander said.",
        "Officials said troops could recapture Tadif within days.",
    ],
)
def test_a_future_or_possible_capture_is_no_claim(gaz, reg, text):
    assert claim_set(text, gaz, reg, SY_DAY) == set()


# ---- lists and who a place is under ---------------------------------------------------------


def test_names_between_two_dashes_are_the_subject_of_the_predicate_after(ua_gaz, reg):
    text = "Officials said two towns – Kramatorsk and Druzhkivka – remain under Kyiv's control."
    got = claim_set(text, ua_gaz, reg, DAY)
    assert {(f, e) for _p, f, e in got} == {("ukraine", "held")}
    assert len(got) == 2


def test_a_nationality_before_government_control_names_the_holder(ua_gaz, reg):
    text = "Supplies reach towns under Ukrainian government control such as Kramatorsk."
    got = claim_set(text, ua_gaz, reg, DAY)
    assert {(f, e) for _p, f, e in got} == {("ukraine", "held")}


# ---- round 7, second part: from the round-6 and round-7 held-out errors (read after their
# blind runs) ---------------------------------------------------------------------------------


def test_a_premodifier_made_of_a_longer_name_is_that_names(gaz, reg):
    # round 7 reads any word before "-held" as a pre-modifier; "State-held" must still give
    # the Islamic State, the name the pre-modifier is part of
    text = "Iraqi troops are closing in on the Islamic State-held town of Baaj."
    got = claim_set(text, gaz, reg, SY_DAY)
    assert {(f, e) for _p, f, e in got} == {("isis", "held")}


def test_the_held_city_refers_back_to_the_city_named_before(gaz, reg):
    text = (
        "Kurdish fighters took three villages near Raqqa as the alliance pressed its push "
        "on the jihadist-held northern city."
    )
    got = claim_set(text, gaz, reg, SY_DAY)
    assert ("raqqa", "isis", "held") in got


def test_a_quoted_verb_after_to_is_still_a_target(gaz, reg):
    text = "The offensive to “liberate” Tadif began at dawn, the army said."
    assert {c for c in claim_set(text, gaz, reg, SY_DAY) if c[2] == "captured"} == set()


def test_a_predicate_after_a_located_thing_is_not_the_anchors(gaz, reg):
    text = "A farm 3 km east of Tadif was retaken by rebels on Monday."
    assert {c for c in claim_set(text, gaz, reg, SY_DAY) if c[0] == "gn-163811"} == set()


@pytest.mark.parametrize(
    "text",
    [
        "The army cleared the last pockets of the Yarmouk valley.",
        "Peshmerga units took five villages along the Bashiqa axis.",
        "حررت القوات قرى جديدة ضمن محور قضاء تلعفر.",
    ],
)
def test_a_valley_or_axis_is_no_place(gaz, reg, text):
    got = claim_set(text, gaz, reg, SY_DAY)
    assert not {c for c in got if c[0] in ("gn-166716", "bashiqa", "tal-afar")}


def test_an_arabic_aim_is_a_target(gaz, reg):
    text = "بدأت قوات سوريا الديمقراطية هجوما واسعا بهدف طرد تنظيم الدولة من الطبقة."
    assert {c for c in claim_set(text, gaz, reg, SY_DAY) if c[2] == "captured"} == set()


def test_a_geonames_name_followed_by_another_capitalised_word_is_a_longer_name(gaz, reg):
    # GeoNames has a village Shaaba; "Shaaba Harfoush" is another place the gazetteer lacks
    text = "Hezbollah fighters recaptured the Shaaba Harfoush hilltops on Tuesday."
    assert claim_set(text, gaz, reg, SY_DAY) == set()


def test_rif_before_a_city_names_the_province(gaz, reg):
    text = "The army took control of two hills in the province of Rif Dimashq."
    assert not {c for c in claim_set(text, gaz, reg, SY_DAY) if c[0] == "damascus"}


def test_turkish_soldiers_are_the_turkish_army(gaz, reg):
    text = "Turkish soldiers seized the village of Rajo, Ankara said."
    got = claim_set(text, gaz, reg, SY_DAY)
    assert ("gn-165571", "turkey", "captured") in got


def test_a_village_far_from_all_the_reports_other_places_is_no_claim(gaz, reg):
    # the report is about Daraa; the gazetteer's only Ghandoura lies near Jarablus, 350 km off
    text = (
        "Government troops advanced near Izraa on Sunday, a day after they entered "
        "Nawa. Near Sheikh Maskin, troops also took the village of Ghandoura."
    )
    assert not {c for c in claim_set(text, gaz, reg, SY_DAY) if c[0] == "gn-168478"}


def test_fighting_for_or_within_the_settlement_refers_back(ua_gaz, reg):
    text = (
        "Moscow said its troops had taken Toretsk. Kyiv said the battle for the town was "
        "still going on, and a brigade reported clashes within the settlement."
    )
    got = claim_set(text, ua_gaz, reg, DAY)
    assert ("gn-709354", "unknown", "contested") in got


def test_a_nationality_before_strongholds_names_their_holder(ua_gaz, reg):
    text = "Glide bombs hit the Ukrainian strongholds of Kostiantynivka and Druzhkivka."
    got = claim_set(text, ua_gaz, reg, DAY)
    assert {(f, e) for _p, f, e in got} == {("ukraine", "held")}


def test_a_capture_under_a_condition_is_no_claim(ua_gaz, reg):
    text = "If Russian forces capture Kostiantynivka, its guns reach Kramatorsk, officials warned."
    assert {c for c in claim_set(text, ua_gaz, reg, DAY) if c[2] == "captured"} == set()
