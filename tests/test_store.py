import datetime as dt
import os

import pytest
import shapely

from frontline.control import ControlSnapshot
from frontline.errors import (
    DataFileError,
    OutputExistsError,
    SnapshotExistsError,
    SnapshotNotFoundError,
    UnknownFactionError,
)
from frontline.store import ControlHistory, atomic_write_bytes, atomic_write_text

RED = shapely.box(38.5, 33.0, 39.0, 33.5)
BLUE = shapely.box(39.0, 33.0, 39.5, 33.5)


def _snap(date, red=RED, **extra):
    return ControlSnapshot.from_areas(date, {"red": red, "blue": BLUE, **extra}, theatre="testland")


@pytest.fixture
def history(tmp_path, synthetic_theatre, synthetic_registry):
    h = ControlHistory(tmp_path / "control", synthetic_theatre, synthetic_registry)
    h.add(_snap("2020-01-01"))
    h.add(_snap("2020-02-01", red=shapely.box(38.5, 33.0, 39.0, 34.0)))
    h.add(_snap("2020-03-01"))
    return h


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_dates_get_and_as_of(history):
    assert history.dates() == [dt.date(2020, 1, 1), dt.date(2020, 2, 1), dt.date(2020, 3, 1)]
    assert len(history) == 3
    assert "2020-02-01" in history and "2020-02-02" not in history
    assert history.get("2020-02-01").date == dt.date(2020, 2, 1)
    assert history.at("2020-02-15").date == dt.date(2020, 2, 1)
    assert history.at("2020-02-01").date == dt.date(2020, 2, 1)
    assert history.at("2099-01-01").date == dt.date(2020, 3, 1)
    with pytest.raises(SnapshotNotFoundError, match="on or before 2019-12-31.*nearest: 2020-01-01"):
        history.at("2019-12-31")
    with pytest.raises(SnapshotNotFoundError, match="no snapshot on 2020-02-15"):
        history.get("2020-02-15")


def test_iter_and_pairs(history):
    assert [s.date.day for s in history] == [1, 1, 1]
    pairs = [(a.date.month, b.date.month) for a, b in history.pairs()]
    assert pairs == [(1, 2), (2, 3)]


def test_no_overwrite_without_flag(history):
    path = history.path_for("2020-01-01")
    before = path.read_bytes()
    with pytest.raises(SnapshotExistsError, match="2020-01-01.*overwrite"):
        history.add(_snap("2020-01-01", red=shapely.box(38.0, 33.0, 39.0, 33.5)))
    assert path.read_bytes() == before
    history.add(_snap("2020-01-01", red=shapely.box(38.0, 33.0, 39.0, 33.5)), overwrite=True)
    assert path.read_bytes() != before


def test_invalid_snapshot_is_not_written(history):
    with pytest.raises(UnknownFactionError):
        history.add(ControlSnapshot.from_areas("2020-04-01", {"purple": RED}))
    assert not history.path_for("2020-04-01").exists()
    assert not [n for n in _files(history.directory) if n.endswith(".tmp")]


def test_add_many_is_all_or_nothing(history):
    before = {p.name: p.read_bytes() for p in history.directory.iterdir()}
    # one existing date among new ones: nothing is written
    with pytest.raises(SnapshotExistsError, match="2020-03-01"):
        history.add_many([_snap("2020-04-01"), _snap("2020-03-01")])
    # one invalid snapshot among valid ones: nothing is written
    with pytest.raises(UnknownFactionError):
        history.add_many(
            [_snap("2020-04-01"), ControlSnapshot.from_areas("2020-05-01", {"purple": RED})],
            overwrite=True,
        )
    assert {p.name: p.read_bytes() for p in history.directory.iterdir()} == before
    paths = history.add_many([_snap("2020-05-01"), _snap("2020-04-01")])
    assert [p.name for p in paths] == ["2020-04-01.geojson", "2020-05-01.geojson"]


def test_add_many_rolls_back_when_a_later_write_fails(history):
    """A real failure after the first file was replaced restores it (and leaves no temp file)."""
    before = {p.name: p.read_bytes() for p in history.directory.iterdir()}
    blocker = history.path_for("2020-04-01")
    blocker.mkdir()  # a directory where the second file must go: writing it fails
    (blocker / "keep").write_text("x")
    new = [_snap("2020-01-01", red=shapely.box(38.0, 33.0, 39.0, 33.5)), _snap("2020-04-01")]
    with pytest.raises(OSError):
        history.add_many(new, overwrite=True)
    after = {p.name: p.read_bytes() for p in history.directory.iterdir() if p.is_file()}
    assert after == before


def test_atomic_write_leaves_no_temp_file_on_failure(tmp_path):
    target = tmp_path / "out" / "x.txt"
    with pytest.raises(TypeError):
        atomic_write_bytes(target, 12345)  # not bytes: the write fails midway
    assert not target.exists()
    assert _files(target.parent) == []
    atomic_write_text(target, "one")
    with pytest.raises(OutputExistsError):
        atomic_write_text(target, "two")
    assert target.read_text() == "one"
    atomic_write_text(target, "two", overwrite=True)
    assert target.read_text() == "two"
    assert _files(target.parent) == ["x.txt"]


def test_bad_file_names(tmp_path):
    folder = tmp_path / "control"
    folder.mkdir()
    (folder / "2020-01-01.geojson").write_text(_snap("2020-01-01").to_geojson())
    h = ControlHistory(folder)
    assert h.dates() == [dt.date(2020, 1, 1)]
    (folder / "notes.txt").write_text("ignored")
    (folder / "overrides").mkdir()
    assert h.dates() == [dt.date(2020, 1, 1)]
    (folder / "2020-02-30.geojson").write_text("{}")
    with pytest.raises(DataFileError, match="YYYY-MM-DD"):
        h.dates()
    (folder / "2020-02-30.geojson").rename(folder / "latest.geojson")
    with pytest.raises(DataFileError, match="latest.geojson"):
        h.dates()


def test_file_date_must_match_name(tmp_path):
    folder = tmp_path / "control"
    folder.mkdir()
    (folder / "2020-01-02.geojson").write_text(_snap("2020-01-01").to_geojson())
    with pytest.raises(DataFileError, match="named 2020-01-02"):
        ControlHistory(folder).get("2020-01-02")


def test_load_validates(tmp_path, synthetic_theatre, synthetic_registry):
    folder = tmp_path / "control"
    folder.mkdir()
    (folder / "2020-01-01.geojson").write_text(
        ControlSnapshot.from_areas("2020-01-01", {"purple": RED}).to_geojson()
    )
    with pytest.raises(UnknownFactionError):
        ControlHistory(folder, synthetic_theatre, synthetic_registry).get("2020-01-01")
    assert ControlHistory(folder, validate=False).get("2020-01-01").factions == ["purple"]


def test_empty_history(tmp_path):
    h = ControlHistory(tmp_path / "none")
    assert h.dates() == [] and len(h) == 0 and list(h) == []
    with pytest.raises(SnapshotNotFoundError, match="empty"):
        h.at("2020-01-01")


def test_written_files_are_readable_by_others(history):
    mask = os.umask(0o022)
    try:
        path = history.add(_snap("2020-06-01"))
        assert path.stat().st_mode & 0o777 == 0o644
        other = atomic_write_text(history.directory / "x.txt", "x")
        assert other.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(mask)


# -- the History protocol and whole-history functions -------------------------------------------
def test_both_stores_satisfy_the_history_protocol(history):
    from frontline.postgis import PostGISHistory
    from frontline.store import History

    assert isinstance(history, History)
    # no connection is opened: the protocol checks members only
    assert isinstance(PostGISHistory("postgresql://x@/db", "testland"), History)
    assert not isinstance(object(), History)
    assert not isinstance([_snap("2020-01-01")], History)


def test_validate_history_lists_every_problem_and_repairs(history):
    import json

    from frontline.historycheck import Problem, validate_history

    check = validate_history(history)
    assert check.ok and len(check.dates) == 3 and check.problems == () and check.repaired == ()
    assert check.summary() == "3 snapshot(s) valid"
    # an unknown faction, a self-intersecting area and a file not named after a date
    one = history.path_for("2020-01-01")
    one.write_text(one.read_text().replace('"faction": "red"', '"faction": "purple"'))
    two = history.path_for("2020-03-01")
    doc = json.loads(two.read_text())
    bow = shapely.Polygon([(38.5, 33.0), (39.0, 33.5), (39.0, 33.0), (38.5, 33.5), (38.5, 33.0)])
    for feat in doc["features"]:
        if feat["properties"]["faction"] == "red":
            feat["geometry"] = shapely.geometry.mapping(shapely.MultiPolygon([bow]))
    two.write_text(json.dumps(doc))
    (history.directory / "latest.geojson").write_text("{}")
    check = validate_history(history)
    assert not check.ok and len(check.dates) == 3
    where = [p.where for p in check.problems]
    assert where == ["2020-01-01.geojson", "2020-03-01.geojson", "latest.geojson"]
    assert all(isinstance(p, Problem) for p in check.problems)
    assert "purple" in str(check.problems[0]) and "Self-intersection" in check.problems[1].message
    assert check.summary().startswith("3 problem(s) in 3 snapshot(s):\n2020-01-01.geojson: ")
    before = two.read_text()
    fixed = validate_history(history, repair=True)
    assert [s.date for s in fixed.repaired] == [dt.date(2020, 3, 1)]
    assert two.read_text() == before  # nothing written
    assert len(fixed.problems) == 2  # the repairable one is no longer a problem


def test_history_frame_is_the_gpkg_control_layer(history):
    from frontline.export import collect_layers
    from frontline.store import HISTORY_COLUMNS, history_frame

    frame = history_frame(history)
    assert list(frame.columns) == [*HISTORY_COLUMNS, "geometry"]
    assert frame.crs == "EPSG:4326" and len(frame) == 6
    assert sorted(set(frame["date"])) == history.dates()
    assert (
        frame[frame["date"] == dt.date(2020, 1, 1)]["valid_to"].tolist()
        == [dt.date(2020, 2, 1)] * 2
    )
    assert frame["valid_to"].tolist()[-1] is None
    layers, _ = collect_layers(history, layers=["control"])
    assert layers["control"].frame.equals(frame)


def test_history_frame_of_an_empty_history(tmp_path):
    from frontline.store import HISTORY_COLUMNS, history_frame

    frame = history_frame(ControlHistory(tmp_path / "none"))
    assert len(frame) == 0 and list(frame.columns) == [*HISTORY_COLUMNS, "geometry"]


def test_get_can_skip_validation(tmp_path, synthetic_theatre, synthetic_registry):
    folder = tmp_path / "control"
    folder.mkdir()
    (folder / "2020-01-01.geojson").write_text(
        ControlSnapshot.from_areas("2020-01-01", {"purple": RED}).to_geojson()
    )
    h = ControlHistory(folder, synthetic_theatre, synthetic_registry)
    assert h.get("2020-01-01", validate=False).factions == ["purple"]
    with pytest.raises(UnknownFactionError):
        h.get("2020-01-01")
