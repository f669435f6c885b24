import pytest
import shapely

from frontline.errors import DataFileError, UnknownTheatreError
from frontline.theatre import Theatre, list_theatres, resolve_data_dir, shipped_data_dir


def test_shipped_theatre_loads():
    t = Theatre.load("syria-iraq-2017", shipped_data_dir())
    assert set(t.countries) >= {"SY", "IQ", "JO"}
    assert len(t.snapshot_dates) >= 8
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
