"""The snapshot cache (frontline.snapcache): content-addressed, never the source of truth."""

import json

import pytest
import shapely

from frontline import snapcache
from frontline.control import ControlSnapshot
from frontline.errors import OverlapError, UnknownFactionError
from frontline.store import ControlHistory
from frontline.timeline import timeline

RED = shapely.box(38.5, 33.0, 39.0, 33.5)
BLUE = shapely.box(39.0, 33.0, 39.5, 33.5)


def _snap(date, red=RED, **extra):
    return ControlSnapshot.from_areas(date, {"red": red, "blue": BLUE, **extra}, theatre="testland")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("FRONTLINE_CACHE", str(folder))
    monkeypatch.delenv("FRONTLINE_SNAPSHOT_CACHE", raising=False)
    return folder / "snapshots"


@pytest.fixture
def history(tmp_path, synthetic_theatre, synthetic_registry, cache):
    h = ControlHistory(tmp_path / "control", synthetic_theatre, synthetic_registry)
    h.add(_snap("2020-01-01"))
    h.add(_snap("2020-02-01", red=shapely.box(38.5, 33.0, 39.0, 34.0)))
    return h


def _entries(cache):
    return sorted(cache.rglob("*.snap")) if cache.is_dir() else []


def _uncached(history, monkeypatch, date):
    with monkeypatch.context() as m:
        m.setenv("FRONTLINE_SNAPSHOT_CACHE", "0")
        return history.get(date)


def test_cached_read_equals_parsed_read(history, cache, monkeypatch):
    assert _entries(cache), "writing a snapshot fills the cache"
    for date in history.dates():
        cached, parsed = history.get(date), _uncached(history, monkeypatch, date)
        assert cached.to_geojson() == parsed.to_geojson()
        assert cached.area_km2() == parsed.area_km2()  # same geometries, bit for bit
        assert list(cached.areas.dtypes) == list(parsed.areas.dtypes)
        assert cached.areas.crs == parsed.areas.crs


def test_a_read_fills_an_empty_cache(history, cache, monkeypatch):
    for entry in _entries(cache):
        entry.unlink()
    history.get("2020-01-01")
    assert len(_entries(cache)) == 1
    history.get("2020-01-01")
    assert len(_entries(cache)) == 1  # the second read used the entry


def test_timeline_is_the_same_with_and_without_the_cache(history, monkeypatch):
    cached = timeline(history)
    monkeypatch.setenv("FRONTLINE_SNAPSHOT_CACHE", "0")
    assert timeline(history).equals(cached)


def test_a_changed_file_is_read_again(history, cache):
    first = history.get("2020-01-01")
    path = history.path_for("2020-01-01")
    changed = _snap("2020-01-01", red=shapely.box(38.5, 33.0, 38.8, 33.5))
    path.write_text(changed.to_geojson(), encoding="utf-8")  # edited by hand, not via the store
    again = history.get("2020-01-01")
    assert again.to_geojson() == changed.to_geojson() != first.to_geojson()


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_a_corrupt_entry_is_ignored_and_rebuilt(history, cache, monkeypatch, damage):
    want = _uncached(history, monkeypatch, "2020-02-01").to_geojson()
    for entry in _entries(cache):
        data = entry.read_bytes()
        if damage == "truncate":
            entry.write_bytes(data[: len(data) - 7])
        elif damage == "flip":
            entry.write_bytes(data[:-20] + bytes([data[-20] ^ 0xFF]) + data[-19:])
        elif damage == "garbage":
            entry.write_bytes(b"not a cache entry")
        else:
            entry.write_bytes(b"")
    assert history.get("2020-02-01").to_geojson() == want
    # rebuilt: the entry of that file is whole again (and serves the next read)
    assert any(snapcache.read_entry(e.stem) is not None for e in _entries(cache))


def test_validation_errors_are_raised_on_every_read_of_bad_content(history, cache, monkeypatch):
    path = history.path_for("2020-02-01")
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["faction"] = "martians"
    path.write_text(json.dumps(doc), encoding="utf-8")
    # an unvalidated read caches the content, but not as validated
    assert "martians" in history.get("2020-02-01", validate=False).factions
    for _ in range(2):
        with pytest.raises(UnknownFactionError, match="martians"):
            history.get("2020-02-01")


def test_validation_depends_on_the_registry_and_tolerance_of_overlaps(
    tmp_path, synthetic_theatre, synthetic_registry, cache
):
    h = ControlHistory(tmp_path / "control", synthetic_theatre, synthetic_registry)
    overlapping = _snap("2020-01-01", red=shapely.box(38.5, 33.0, 39.2, 33.5))
    h.path_for("2020-01-01").parent.mkdir(parents=True)
    h.path_for("2020-01-01").write_text(overlapping.to_geojson(), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(OverlapError):
            h.get("2020-01-01")
    assert not _entries(cache)  # nothing was cached as valid


def test_the_cache_can_be_turned_off(
    tmp_path, synthetic_theatre, synthetic_registry, cache, monkeypatch
):
    monkeypatch.setenv("FRONTLINE_SNAPSHOT_CACHE", "0")
    h = ControlHistory(tmp_path / "control", synthetic_theatre, synthetic_registry)
    h.add(_snap("2020-01-01"))
    assert h.get("2020-01-01").factions == ["blue", "red"]
    assert not _entries(cache)


def test_an_unwritable_cache_only_costs_speed(history, tmp_path, monkeypatch):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("FRONTLINE_CACHE", str(blocker))
    assert history.get("2020-01-01").factions == ["blue", "red"]


def test_reading_the_shipped_history_writes_nothing_into_the_repository(shipped_data_dir, cache):
    before = sorted(str(p) for p in shipped_data_dir.rglob("*"))
    history = ControlHistory.load("syria-iraq-2017", shipped_data_dir)
    first = history.dates()[0]
    history.get(first)
    history.get(first)
    assert sorted(str(p) for p in shipped_data_dir.rglob("*")) == before
    assert _entries(cache), "the entries went to the user cache ($FRONTLINE_CACHE)"


def test_old_code_versions_are_pruned(tmp_path, synthetic_theatre, synthetic_registry, cache):
    import os
    import time

    old, recent = cache / "0123456789abcdef", cache / "fedcba9876543210"
    for folder in (old, recent):
        (folder / "ab").mkdir(parents=True)
        (folder / "ab" / "x.snap").write_bytes(b"an entry of another version")
    week_ago, month_ago = time.time() - 7 * 86400, time.time() - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    os.utime(recent, (week_ago, week_ago))
    h = ControlHistory(tmp_path / "control", synthetic_theatre, synthetic_registry)
    h.add(_snap("2020-01-01"))
    assert not old.exists() and recent.exists()
    assert (cache / snapcache.code_version()).is_dir()
