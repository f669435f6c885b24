import pytest
import shapely

from frontline.errors import DataFileError, UnknownTheatreError
from frontline.theatre import Theatre, list_theatres, resolve_data_dir, shipped_data_dir


def test_shipped_theatre_loads():
    t = Theatre.load("syria-iraq-2017", shipped_data_dir())
    assert set(t.countries) >= {"SY", "IQ", "JO"}
    # snapshot dates are chosen from the observations (every change mapped within 7 days)
    assert t.snapshot_lag_days == 7 and len(t.snapshot_dates) >= 3
    assert t.period is not None and t.period[0].isoformat() == "2017-01-01"
    assert t.control_dir == shipped_data_dir() / "control" / "syria-iraq-2017"


def test_land_is_clipped_to_extent_and_countries():
    t = Theatre.load("syria-iraq-2017", shipped_data_dir())
    land = t.land()
    assert land.is_valid and not land.is_empty
    assert shapely.box(*t.extent).buffer(1e-9).contains(land)
    # Damascus and Baghdad are on land; a point in Turkey is not part of the theatre's land
    assert land.contains(shapely.Point(36.29, 33.51))
    assert land.contains(shapely.Point(44.36, 33.31))
    assert not land.contains(shapely.Point(37.38, 37.06))
    # Lebanon only in its border strip: Arsal is in, Beirut and Zahle are not
    assert land.contains(shapely.Point(36.42, 34.18))
    assert not land.contains(shapely.Point(35.90, 33.85))


def _theatre(tmp_path, extra: str) -> Theatre:
    (tmp_path / "theatres").mkdir(exist_ok=True)
    (tmp_path / "theatres" / "t.yaml").write_text(
        "id: t\ncountries: [SY, LB]\nextent: [35.0, 32.0, 43.0, 37.5]\n" + extra
    )
    return Theatre.load("t", tmp_path)


def test_snapshot_dates_auto_and_include(tmp_path):
    assert _theatre(tmp_path, "snapshot_dates: auto\n").snapshot_lag_days == 7
    t = _theatre(tmp_path, "snapshot_dates: {auto: 3, include: [2017-06-18]}\n")
    assert t.snapshot_lag_days == 3 and [d.isoformat() for d in t.snapshot_dates] == ["2017-06-18"]
    t = _theatre(tmp_path, "snapshot_dates: [2017-06-18]\n")
    assert t.snapshot_lag_days is None and len(t.snapshot_dates) == 1
    for bad in ("{auto: -1}", "{auto: 2.5}", "{include: [2017-06-18]}", "{auto: 7, every: 3}"):
        with pytest.raises(DataFileError, match="snapshot_dates"):
            _theatre(tmp_path, f"snapshot_dates: {bad}\n")


def test_country_extents_cut_a_country_to_a_strip(tmp_path):
    whole = _theatre(tmp_path, "")
    strip = _theatre(tmp_path, "country_extents: {LB: [36.2, 34.05, 36.7, 34.7]}\n")
    assert strip.country_extents == {"LB": (36.2, 34.05, 36.7, 34.7)}
    beirut, arsal, damascus = (35.50, 33.89), (36.42, 34.18), (36.29, 33.51)
    assert whole.land().contains(shapely.Point(beirut))
    assert not strip.land().contains(shapely.Point(beirut))
    assert strip.land().contains(shapely.Point(arsal))
    assert strip.land().contains(shapely.Point(damascus))  # other countries are untouched
    for bad in ("[1, 2, 3]", "{LB: [36.7, 34.05, 36.2, 34.7]}", "{LB: x}"):
        with pytest.raises(DataFileError, match="country_extents"):
            _theatre(tmp_path, f"country_extents: {bad}\n")


def test_simplify_m_must_be_positive(tmp_path):
    assert _theatre(tmp_path, "simplify_m: 400\n").simplify_m == 400.0
    assert _theatre(tmp_path, "").simplify_m is None
    with pytest.raises(DataFileError, match="simplify_m"):
        _theatre(tmp_path, "simplify_m: -5\n")


def test_unknown_theatre_lists_available():
    with pytest.raises(UnknownTheatreError, match="syria-iraq-2017"):
        Theatre.load("narnia", shipped_data_dir())


def test_missing_data_dir_is_clear(tmp_path):
    with pytest.raises(DataFileError, match="does not exist"):
        resolve_data_dir(tmp_path / "nope")


def test_bad_extent_is_rejected(tmp_path):
    (tmp_path / "theatres").mkdir()
    (tmp_path / "theatres" / "t.yaml").write_text("id: t\nextent: [10, 10, 5, 20]\n")
    with pytest.raises(DataFileError, match="extent"):
        Theatre.load("t", tmp_path)
    assert list_theatres(tmp_path) == ["t"]
