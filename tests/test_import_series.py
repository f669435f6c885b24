"""Importing a series of dated maps (``frontline control import FOLDER|GLOB|LAYER``).

Fixtures are DERIVED FROM REAL FILES by stated changes, written at test time in tmp_path:

* from the repository's own CC-BY snapshots of syria-iraq-2017 (``geodata/control``): the
  areas of Islamic State and the SDF on a few dates, one GeoJSON file per day named
  ``syria_YYYYMMDD.geojson`` with the faction's display name in a ``group`` property
  ("a published series"); each drift test states what it changes;
* from the DeepState daily maps in ``../shared/data/deepstate-occupied-daily`` (GPL-3.0, never
  copied into the repository; those tests skip when the folder is absent).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from frontline.cli import cli
from frontline.control import ControlSnapshot
from frontline.errors import InvalidDateError
from frontline.geojson import geometry_json
from frontline.series import Drift, date_from_name, discover, read_mapping, read_series
from frontline.seriesimport import find_gaps, import_series
from frontline.store import ControlHistory

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "geodata"
THEATRE = "syria-iraq-2017"
DEEPSTATE = REPO.parent / "shared" / "data" / "deepstate-occupied-daily"
#: (date of the shipped snapshot used, date given to the derived file)
DAYS = [("2017-01-01", "2017-01-01"), ("2017-01-05", "2017-01-02"), ("2017-01-19", "2017-01-03")]
GROUPS = {"isis": "Islamic State", "sdf": "Syrian Democratic Forces"}
MAP = "Islamic State=isis,Syrian Democratic Forces=sdf"


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture
def data(tmp_path) -> Path:
    """A fresh data folder with the shipped theatre and factions, and no history."""
    out = tmp_path / "data"
    (out / "theatres").mkdir(parents=True)
    shutil.copy(SHIPPED / "theatres" / f"{THEATRE}.yaml", out / "theatres")
    shutil.copy(SHIPPED / "factions.yaml", out)
    return out


def _areas(shipped_date: str) -> gpd.GeoDataFrame:
    """The observed and inferred areas of isis and sdf in a shipped snapshot, one row each."""
    snap = ControlSnapshot.from_geojson(SHIPPED / "control" / THEATRE / f"{shipped_date}.geojson")
    rows = [(GROUPS[f], snap.geometry_of(f)) for f in GROUPS if f in snap.factions]
    return gpd.GeoDataFrame(
        {"group": [r[0] for r in rows]}, geometry=[r[1] for r in rows], crs="EPSG:4326"
    )


def _write(frame: gpd.GeoDataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


@pytest.fixture
def series(tmp_path) -> Path:
    """Derived from the shipped snapshots: isis and sdf areas, one file per day (see DAYS)."""
    folder = tmp_path / "series"
    for shipped, day in DAYS:
        _write(_areas(shipped), folder / f"syria_{day.replace('-', '')}.geojson")
    return folder


def run(runner, data, *args):
    return runner.invoke(
        cli, ["control", "import", *args, "--data", str(data), "--theatre", THEATRE]
    )


def stored(data: Path) -> dict[str, bytes]:
    folder = data / "control" / THEATRE
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.geojson"))}


# -- file names, mappings, gaps --------------------------------------------------------------
def test_date_from_name_default_and_patterns():
    assert date_from_name("deepstatemap_data_20240708.geojson") == dt.date(2024, 7, 8)
    assert date_from_name("map 2017-06-01.gpkg") == dt.date(2017, 6, 1)
    assert date_from_name("map-01.06.2017.geojson", "map-%d.%m.%Y") == dt.date(2017, 6, 1)
    assert date_from_name("x_2017_6_1.json", r"x_(?P<Y>\d{4})_(?P<m>\d+)_(?P<d>\d+)") == dt.date(
        2017, 6, 1
    )
    assert date_from_name("notes.geojson") is None
    with pytest.raises(InvalidDateError, match="20171301"):
        date_from_name("map_20171301.geojson")


def test_read_mapping_forms(tmp_path):
    assert read_mapping("A=x, B = y") == {"A": "x", "B": "y"}
    (tmp_path / "m.yaml").write_text("Russia: russia\nLiberated: '-'\n", encoding="utf-8")
    assert read_mapping(tmp_path / "m.yaml") == {"Russia": "russia", "Liberated": "-"}
    (tmp_path / "m.csv").write_text("value,faction\nRussia,russia\n", encoding="utf-8")
    assert read_mapping(str(tmp_path / "m.csv")) == {"Russia": "russia"}


def test_find_gaps_against_the_series_cadence():
    days = [dt.date(2024, 1, d) for d in (1, 2, 3, 4, 7, 8, 10)]
    cadence, gaps = find_gaps(days)
    assert cadence == 1
    assert gaps == [
        (dt.date(2024, 1, 4), dt.date(2024, 1, 7), 2),
        (dt.date(2024, 1, 8), dt.date(2024, 1, 10), 1),
    ]
    weekly = [dt.date(2024, 1, 1) + dt.timedelta(days=7 * i) for i in (0, 1, 2, 4)]
    assert find_gaps(weekly) == (7, [(weekly[2], weekly[3], 1)])


# -- the library ---------------------------------------------------------------------------------
def test_read_series_gives_dated_frames(series):
    days = list(read_series(series, faction_field="group", mapping=MAP))
    assert [d.date.isoformat() for d in days] == [d for _, d in DAYS]
    for d, (shipped, _) in zip(days, DAYS, strict=True):
        assert set(d.areas["faction"]) <= {"isis", "sdf"}
        original = _areas(shipped)
        assert shapely.area(d.areas.geometry.values).sum() == pytest.approx(
            shapely.area(original.geometry.values).sum()
        )


def test_import_series_then_incremental_then_refuse_changed(series, data):
    from frontline.theatre import Theatre

    history = ControlHistory.for_theatre(Theatre.load(THEATRE, data))
    report = import_series(history, series, faction_field="group", mapping=MAP)
    assert [d.isoformat() for d in report.new] == [d for _, d in DAYS]
    assert report.unchanged == () and report.gaps == () and not report.drift
    snap = history.get("2017-01-02")
    assert snap.factions == ["isis", "sdf"]
    assert snap.areas["sources"].iloc[0] == ["syria_20170102.geojson"]
    original = ControlSnapshot.from_geojson(SHIPPED / "control" / THEATRE / "2017-01-05.geojson")
    assert snap.area_km2()["isis"] == pytest.approx(original.area_km2()["isis"], rel=1e-6)
    # the same history object again (a notebook): its own earlier write is no conflict
    same = import_series(history, series, faction_field="group", mapping=MAP)
    assert same.new == () and len(same.unchanged) == 3 and history.expected_versions is None
    # unchanged: nothing read again, nothing written
    before = stored(data)
    again = import_series(
        ControlHistory.for_theatre(Theatre.load(THEATRE, data)),
        series,
        faction_field="group",
        mapping=MAP,
    )
    assert again.new == () and len(again.unchanged) == 3 and again.files_read == 0
    assert stored(data) == before
    # the cache is not the source of truth: without it the files are read and compared
    (data / "control" / THEATRE / ".frontline-import.json").unlink()
    again = import_series(
        ControlHistory.for_theatre(Theatre.load(THEATRE, data)),
        series,
        faction_field="group",
        mapping=MAP,
    )
    assert again.new == () and len(again.unchanged) == 3 and again.files_read == 3
    # an edited theatre (its fill, countries or extent) makes the files be read again
    theatre_file = data / "theatres" / f"{THEATRE}.yaml"
    text = theatre_file.read_text(encoding="utf-8")
    assert "observed_km: 15," in text
    theatre_file.write_text(text.replace("observed_km: 15,", "observed_km: 20,"), "utf-8")
    again = import_series(
        ControlHistory.for_theatre(Theatre.load(THEATRE, data)),
        series,
        faction_field="group",
        mapping=MAP,
    )
    assert again.files_read == 3 and len(again.unchanged) == 3


# -- the command line ------------------------------------------------------------------------------
def test_cli_folder_incremental_gap_and_changed_day(cli_runner, series, data):
    r = run(cli_runner, data, str(series), "--faction-field", "group", "--map", MAP)
    assert r.exit_code == 0, r.output
    assert "3 new, 0 unchanged, 0 replaced" in r.output
    assert "read 3/3 file(s)" in r.output  # progress (stderr)
    first = stored(data)
    assert sorted(first) == [f"{d}.geojson" for _, d in DAYS]
    r = run(cli_runner, data, str(series), "--faction-field", "group", "--map", MAP, "--quiet")
    assert r.exit_code == 0, r.output
    assert "0 new, 3 unchanged, 0 replaced: nothing to write" in r.output
    assert "read " not in r.output
    # one new day, two days after the last: imported alone, and the gap is reported
    _write(_areas("2017-01-31"), series / "syria_20170105.geojson")
    r = run(cli_runner, data, str(series), "--faction-field", "group", "--map", MAP, "-q")
    assert r.exit_code == 0, r.output
    assert "1 new, 3 unchanged, 0 replaced" in r.output
    assert "gaps: 1 date(s) missing in 1 gap(s): 2017-01-03 → 2017-01-05 (1 missing)" in r.output
    after = stored(data)
    assert {k: after[k] for k in first} == first and "2017-01-05.geojson" in after
    # a changed file for a stored date: refused, nothing written; --overwrite replaces it
    _write(_areas("2017-03-08"), series / "syria_20170102.geojson")
    r = run(cli_runner, data, str(series), "--faction-field", "group", "--map", MAP, "-q")
    assert r.exit_code == 2, r.output
    assert "2017-01-02" in r.output and "--overwrite" in r.output
    assert stored(data) == after
    r = run(
        cli_runner, data, str(series), "--faction-field", "group", "--map", MAP, "-q", "--overwrite"
    )
    assert r.exit_code == 0, r.output
    assert "0 new, 3 unchanged, 1 replaced" in r.output
    assert stored(data)["2017-01-02.geojson"] != after["2017-01-02.geojson"]


def test_cli_glob_constant_faction_and_name_pattern(cli_runner, data, tmp_path):
    # derived: the isis areas of two shipped dates, in files named map-DD.MM.YYYY.geojson
    for shipped, name in [("2017-01-01", "map-01.02.2017"), ("2017-01-05", "map-08.02.2017")]:
        frame = _areas(shipped)
        _write(
            frame[frame.group == "Islamic State"][["geometry"]], tmp_path / "g" / f"{name}.geojson"
        )
    r = run(
        cli_runner,
        data,
        str(tmp_path / "g" / "map-*.geojson"),
        "--faction",
        "isis",
        "--date-from-name",
        "map-%d.%m.%Y",
        "--cite",
        "derived test file",
        "-q",
    )
    assert r.exit_code == 0, r.output
    assert sorted(stored(data)) == ["2017-02-01.geojson", "2017-02-08.geojson"]
    doc = json.loads(stored(data)["2017-02-01.geojson"])
    assert [f["properties"]["sources"] for f in doc["features"]] == [["derived test file"]]
    # a file without a date in its name is refused, naming it; --skip-bad skips and reports it
    _write(_areas("2017-01-01")[["geometry"]], tmp_path / "g" / "map-latest.geojson")
    r = run(
        cli_runner,
        data,
        str(tmp_path / "g"),
        "--faction",
        "isis",
        "--date-from-name",
        "map-%d.%m.%Y",
    )
    assert r.exit_code == 2 and "map-latest.geojson" in r.output and "no date" in r.output
    r = run(
        cli_runner, data, str(tmp_path / "g"), "--faction", "isis", "--date-from-name",
        "map-%d.%m.%Y", "--skip-bad", "-q", "--cite", "derived test file",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "0 new, 2 unchanged" in r.output
    assert (
        "drift: rows or files without a date (skipped, --skip-bad): 1 feature(s) in 1 file(s)"
        in r.output
    )


def test_drift_is_handled_and_reported(cli_runner, series, data):
    """Derived by stated changes from the shipped-snapshot series.

    Day 1: Z coordinates added (every vertex at 0 m). Day 2: the two areas wrapped into one
    geometry collection together with a point, and the key renamed ``Group``→``faction_name``.
    Day 3: a point feature added (a label).
    """
    day1, day2, day3 = sorted(series.glob("*.geojson"))
    f1 = gpd.read_file(day1)
    f1 = f1.set_geometry(shapely.force_3d(f1.geometry.values, 0.0))
    _write(f1, day1)
    f2 = gpd.read_file(day2)
    f2 = gpd.GeoDataFrame(
        {"faction_name": f2["group"]},
        geometry=[shapely.GeometryCollection([g, shapely.Point(40, 35)]) for g in f2.geometry],
        crs="EPSG:4326",
    )
    _write(f2, day2)
    f3 = gpd.read_file(day3)
    f3 = gpd.GeoDataFrame(
        {"group": [*f3["group"], "Islamic State"]},
        geometry=[*f3.geometry, shapely.Point(40.1, 35.9)],
        crs="EPSG:4326",
    )
    _write(f3, day3)
    r = run(
        cli_runner, data, str(series), "--faction-field", "group,faction_name", "--map", MAP, "-q"
    )
    assert r.exit_code == 0, r.output
    assert "3 new" in r.output
    assert (
        "drift: 3D coordinates (Z dropped): 2 feature(s) in 1 file(s) "
        "(first: syria_20170101.geojson" in r.output
    )
    assert (
        "drift: geometry collections (polygonal parts kept): 2 feature(s) in 1 file(s)" in r.output
    )
    assert (
        "drift: points or lines (dropped): 1 feature(s) in 1 file(s) "
        "(first: syria_20170103.geojson feature 3)" in r.output
    )
    assert (
        "drift: renamed keys (a later candidate column used): 1 feature(s) in 1 file(s)" in r.output
    )
    assert "'faction_name' for 'group'" in r.output
    # the data survived the drift: same areas as an import of clean files
    history = ControlHistory(data / "control" / THEATRE)
    for shipped, day in DAYS:
        got = history.get(day).area_km2()
        want = ControlSnapshot.from_geojson(
            SHIPPED / "control" / THEATRE / f"{shipped}.geojson"
        ).area_km2()
        for f in GROUPS:
            assert got[f] == pytest.approx(want[f], rel=1e-6)


def _bowtie_series(series: Path) -> Path:
    """Derived: day 2 gets a third feature, a self-intersecting ring (bow tie) in SDF land."""
    day2 = sorted(series.glob("*.geojson"))[1]
    frame = gpd.read_file(day2)
    tie = shapely.Polygon([(40.00, 36.40), (40.05, 36.45), (40.05, 36.40), (40.00, 36.45)])
    assert not tie.is_valid
    frame = gpd.GeoDataFrame(
        {"group": [*frame["group"], "Syrian Democratic Forces"]},
        geometry=[*frame.geometry, tie],
        crs="EPSG:4326",
    )
    _write(frame, day2)
    return day2


def test_invalid_ring_refused_naming_file_feature_location_all_or_nothing(cli_runner, series, data):
    day2 = _bowtie_series(series)
    r = run(cli_runner, data, str(series), "--faction-field", "group", "--map", MAP, "-q")
    assert r.exit_code == 2, r.output
    assert f"{day2.name}: feature 3 is invalid (Self-intersection" in r.output
    assert "near lon/lat (40.02" in r.output and "--repair" in r.output
    assert stored(data) == {}  # all or nothing: day 1 was read fine, nothing written
    r = run(
        cli_runner, data, str(series), "--faction-field", "group", "--map", MAP, "-q", "--repair"
    )
    assert r.exit_code == 0, r.output
    assert (
        "drift: invalid geometries (repaired, --repair): 1 feature(s) in 1 file(s) "
        "(first: syria_20170102.geojson feature 3)" in r.output
    )
    assert len(stored(data)) == 3


def test_unmapped_value_is_named(cli_runner, series, data):
    r = run(
        cli_runner,
        data,
        str(series),
        "--faction-field",
        "group",
        "--map",
        "Islamic State=isis",
        "-q",
    )
    assert r.exit_code == 2, r.output
    assert "'Syrian Democratic Forces'" in r.output and "--map" in r.output
    r = run(
        cli_runner, data, str(series), "--faction-field", "group", "--map",
        "Islamic State=isis,Syrian Democratic Forces=-", "-q",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "left out" in r.output
    doc = json.loads(stored(data)["2017-01-01.geojson"])
    assert {f["properties"]["faction"] for f in doc["features"]} == {"isis"}


def test_dated_layer_null_date_refused_or_skipped(cli_runner, data, tmp_path):
    """Derived: the isis/sdf areas of two shipped dates in one GeoPackage layer with a
    ``valid_from`` column; one row's date then set to null (stated change)."""
    frames = []
    for shipped, day in DAYS[:2]:
        frame = _areas(shipped)
        frame["valid_from"] = day
        frames.append(frame)
    import pandas as pd

    layer = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
    layer.loc[3, "valid_from"] = None
    path = tmp_path / "layer.gpkg"
    layer.to_file(path, layer="areas", engine="pyogrio")
    r = run(
        cli_runner,
        data,
        str(path),
        "--date-field",
        "valid_from",
        "--faction-field",
        "group",
        "--map",
        MAP,
    )
    assert r.exit_code == 2, r.output
    assert "layer.gpkg: feature 4 has no 'valid_from'" in r.output and "--skip-bad" in r.output
    assert stored(data) == {}
    r = run(
        cli_runner, data, str(path), "--date-field", "valid_from", "--faction-field", "group",
        "--map", MAP, "--skip-bad", "-q",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "2 new" in r.output and "rows or files without a date" in r.output
    assert (
        json.loads(stored(data)["2017-01-02.geojson"])["features"][0]["properties"]["faction"]
        == "isis"
    )


def test_complement_gives_unclaimed_land_inferred(cli_runner, data, tmp_path):
    """Derived: the isis areas of one shipped date alone (a one-sided series)."""
    frame = _areas("2017-06-09")
    _write(
        frame[frame.group == "Islamic State"][["geometry"]],
        tmp_path / "one" / "isis_20170609.geojson",
    )
    r = run(
        cli_runner,
        data,
        str(tmp_path / "one"),
        "--faction",
        "isis",
        "--complement",
        "syrian-government",
        "-q",
    )
    assert r.exit_code == 0, r.output
    snap = ControlHistory(data / "control" / THEATRE).get("2017-06-09")
    assert snap.factions == ["isis", "syrian-government"]
    by = snap.area_by_basis()
    assert by[("syrian-government", "inferred")] > 100_000  # most of Syria and Iraq and Jordan
    assert ("syrian-government", "observed") not in by
    assert by[("isis", "observed")] == pytest.approx(
        ControlSnapshot.from_areas("2017-06-09", {"isis": frame.geometry.iloc[0]}).area_km2()[
            "isis"
        ],
        rel=1e-4,
    )


def test_gpkg_export_reimported_as_series_gives_history_byte_for_byte(cli_runner, data, tmp_path):
    out = tmp_path / "export.gpkg"
    r = cli_runner.invoke(
        cli,
        [
            "export",
            "--data",
            str(SHIPPED),
            "--theatre",
            THEATRE,
            "--out",
            str(out),
            "--layer",
            "control",
        ],
    )
    assert r.exit_code == 0, r.output
    r = run(
        cli_runner,
        data,
        str(out),
        "--layer",
        "control",
        "--date-field",
        "valid_from",
        "--valid-to-field",
        "valid_to",
        "-q",
    )
    assert r.exit_code == 0, r.output
    original = sorted((SHIPPED / "control" / THEATRE).glob("*.geojson"))
    assert f"{len(original)} new, 0 unchanged" in r.output
    got = stored(data)
    assert sorted(got) == [p.name for p in original]
    for p in original:
        assert got[p.name] == p.read_bytes(), p.name


def test_geometry_text_matches_json_dumps_per_ring():
    """The vectorised coordinate writer gives the bytes of the json.dumps-per-ring reference."""

    def reference(geom) -> str:
        def ring(coords) -> str:
            arr = np.round(np.asarray(coords, dtype=float)[:, :2], 5) + 0.0
            text = json.dumps(arr.tolist(), separators=(",", ":"))
            import re

            return re.sub(r"\.0(?=[,\]])", "", text)

        polys = [
            "[" + ",".join(ring(r.coords) for r in (p.exterior, *p.interiors)) + "]"
            for p in geom.geoms
        ]
        return '{"type": "MultiPolygon", "coordinates": [' + ",".join(polys) + "]}"

    rng = np.random.default_rng(17)
    for i in range(300):
        scale = [1e-3, 1.0, 45.0, 180.0, 1e5][i % 5]
        pts = rng.uniform(-scale, scale, size=(int(rng.integers(3, 40)), 2))
        if i % 3 == 0:
            pts = np.round(pts, int(rng.integers(0, 6)))
        if i % 7 == 0:
            pts[::2, 0] = 0.0
        pts = np.vstack([pts, pts[:1]])
        geom = shapely.MultiPolygon([shapely.Polygon(pts), shapely.Polygon(pts / 2 + 0.25)])
        assert geometry_json(geom) == reference(geom), i
    for p in sorted((SHIPPED / "control" / THEATRE).glob("*.geojson"))[:5]:
        for g in ControlSnapshot.from_geojson(p).areas.geometry.values:
            assert geometry_json(g) == reference(g)


def test_discover_refuses_an_empty_source(tmp_path):
    from frontline.errors import DataFileError

    with pytest.raises(DataFileError, match="no vector files"):
        discover(tmp_path)
    with pytest.raises(DataFileError, match="no such file"):
        discover(tmp_path / "nothing")


# -- DeepState (real data from ../shared, GPL-3.0: derived in tmp_path, never copied) --------------


@pytest.fixture
def ua_data(tmp_path) -> Path:
    """A data folder with the shipped Ukraine theatre and factions, and no history."""
    out = tmp_path / "ua"
    (out / "theatres").mkdir(parents=True)
    shutil.copy(SHIPPED / "factions.yaml", out / "factions.yaml")
    shutil.copy(SHIPPED / "theatres" / "ukraine.yaml", out / "theatres")
    return out


def _deepstate(n: int) -> list[Path]:
    files = sorted(DEEPSTATE.glob("deepstatemap_data_*.geojson"))[:n] if DEEPSTATE.is_dir() else []
    if len(files) < n:
        pytest.skip(f"DeepState daily files not in {DEEPSTATE}")
    return files


def test_deepstate_series_with_drift_and_complement(cli_runner, ua_data, tmp_path):
    """Derived from the first 5 DeepState days in tmp_path: days 1-2 symlinked unchanged; day 3
    with Z added; day 4 as a GeometryCollection with a point; day 5 left out (a gap), then added."""
    files = _deepstate(5)
    src = tmp_path / "ds"
    src.mkdir()
    for f in files[:2]:
        (src / f.name).symlink_to(f)
    f3 = gpd.read_file(files[2])
    _write(f3.set_geometry(shapely.force_3d(f3.geometry.values, 100.0)), src / files[2].name)
    f4 = gpd.read_file(files[3])
    f4 = f4.set_geometry(
        [shapely.GeometryCollection([f4.geometry.iloc[0], shapely.Point(30.5, 50.45)])]
    )
    _write(f4, src / files[3].name)
    args = [
        "control",
        "import",
        str(src),
        "--data",
        str(ua_data),
        "--theatre",
        "ukraine",
        "--faction",
        "russia",
        "-q",
    ]
    r = cli_runner.invoke(cli, args)
    assert r.exit_code == 0, r.output
    assert "4 new, 0 unchanged" in r.output
    assert "drift: 3D coordinates (Z dropped): 1 feature(s) in 1 file(s)" in r.output
    assert (
        "drift: geometry collections (polygonal parts kept): 1 feature(s) in 1 file(s)" in r.output
    )
    history = ControlHistory(ua_data / "control" / "ukraine")
    days = history.dates()
    assert len(days) == 4
    clean = ControlSnapshot.from_areas(
        days[2], {"russia": gpd.read_file(files[2]).geometry.iloc[0]}
    )
    assert history.get(days[2]).area_km2()["russia"] == pytest.approx(
        clean.area_km2()["russia"], rel=1e-5
    )
    r = cli_runner.invoke(cli, args)
    assert "0 new, 4 unchanged, 0 replaced: nothing to write" in r.output
    (src / files[4].name).symlink_to(files[4])
    r = cli_runner.invoke(cli, [*args, "--complement", "ukraine"])
    # the options changed (complement): the stored days are compared again and differ
    assert r.exit_code == 2 and "other content" in r.output
    r = cli_runner.invoke(cli, args)
    assert r.exit_code == 0 and "1 new, 4 unchanged" in r.output


def test_deepstate_complement_covers_ukraine(cli_runner, ua_data, tmp_path):
    files = _deepstate(1)
    src = tmp_path / "ds1"
    src.mkdir()
    (src / files[0].name).symlink_to(files[0])
    r = cli_runner.invoke(
        cli,
        ["control", "import", str(src), "--data", str(ua_data), "--theatre", "ukraine",
         "--faction", "russia", "--complement", "ukraine", "-q"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    snap = ControlHistory(ua_data / "control" / "ukraine").get(
        ControlHistory(ua_data / "control" / "ukraine").dates()[0]
    )
    km2 = snap.area_km2()
    assert 100_000 < km2["russia"] < 130_000
    # Ukraine's land in Natural Earth is about 600,000 km²; together they cover it
    assert 590_000 < km2["russia"] + km2["ukraine"] < 610_000
    assert snap.area_by_basis().get(("ukraine", "observed")) is None
    assert isinstance(Drift(), Drift)


def test_projected_files_and_a_date_column_per_file(cli_runner, data, tmp_path):
    """Derived: the isis/sdf areas of two shipped dates, reprojected to EPSG:3857 and saved as
    GeoPackages named without dates, each with a ``day`` column (stated changes)."""
    (tmp_path / "proj").mkdir()
    for i, (shipped, day) in enumerate(DAYS[:2]):
        frame = _areas(shipped).to_crs("EPSG:3857")
        frame["day"] = day
        frame.to_file(tmp_path / "proj" / f"part{i}.gpkg", layer="areas", engine="pyogrio")
    r = run(cli_runner, data, str(tmp_path / "proj"), "--date-field", "day", "--faction-field",
            "group", "--map", MAP, "-q")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "2 new" in r.output
    assert "drift: other CRS (reprojected to lon/lat): 4 feature(s) in 2 file(s)" in r.output
    history = ControlHistory(data / "control" / THEATRE)
    for shipped, day in DAYS[:2]:
        want = ControlSnapshot.from_geojson(SHIPPED / "control" / THEATRE / f"{shipped}.geojson")
        got = history.get(day).area_km2()
        for f in GROUPS:
            assert got[f] == pytest.approx(want.area_km2()[f], rel=1e-3)
