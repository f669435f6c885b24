"""A theatre's observations as a folder of CSV files, and snapshot dates chosen from them.

Issue 14: the shipped theatre keeps one observations file per region, each checked on its own
and then merged and checked together; the build chooses its snapshot dates so that no change of
hands reaches the maps more than a week late; the built areas may be simplified on the storage
grid without opening gaps or overlaps.
"""

from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import SYNTHETIC_THEATRE

from frontline.build import build_history, simplify_on_grid, snapshot_dates
from frontline.errors import DataFileError, InputError
from frontline.geojson import normalise_geometry
from frontline.observations import (
    change_dates,
    observation_files,
    read_observations,
    snapshot_dates_for,
)
from frontline.theatre import Theatre

HEADER = "date,place,faction,source,confidence,note,event,from_faction,url\n"


def _folder(tmp_path, files: dict[str, str]):
    folder = tmp_path / "obs"
    folder.mkdir()
    for name, body in files.items():
        (folder / name).write_text(HEADER + body, encoding="utf-8")
    return folder


# -- reading a folder ----------------------------------------------------------------------------
def test_a_folder_reads_as_one_frame_with_the_file_of_each_row(
    tmp_path, synthetic_registry, synthetic_gazetteer
):
    folder = _folder(
        tmp_path,
        {
            "north.csv": "2020-01-01,Alpha,red,src A,0.9,,held,,https://a.example\n",
            "south.csv": "2020-01-01,delta,blue,src D,,,held,,\n"
            "2020-02-01,delta,red,src D2,,,captured,Blue forces,\n",
        },
    )
    assert [p.name for p in observation_files(folder)] == ["north.csv", "south.csv"]
    obs = read_observations(folder, synthetic_registry, synthetic_gazetteer)
    assert len(obs) == 3
    assert sorted(set(obs["file"])) == ["north.csv", "south.csv"]
    row = obs[obs["date"] == dt.date(2020, 2, 1)].iloc[0]
    assert (row["file"], row["line"], row["event"], row["from_faction"]) == (
        "south.csv",
        3,
        "captured",
        "blue",  # an alias resolved to the id
    )
    assert obs[obs["place_id"] == "alpha"].iloc[0]["url"] == "https://a.example"


def test_each_file_is_checked_on_its_own_and_every_problem_is_listed(
    tmp_path, synthetic_registry, synthetic_gazetteer
):
    folder = _folder(
        tmp_path,
        {
            "a.csv": "2020-01-01,Alpha,redd,src,,,,,\n",
            "b.csv": "2020-01-01,Zulu,red,src,,,,,\n2020-01-01,delta,red,src,,,contested,,\n",
        },
    )
    with pytest.raises(DataFileError) as info:
        read_observations(folder, synthetic_registry, synthetic_gazetteer)
    msg = str(info.value)
    assert "3 problem(s)" in msg
    assert "a.csv:2: unknown faction 'redd'" in msg
    assert "b.csv:2: unknown place 'Zulu'" in msg
    assert "b.csv:3: a contested row holds the faction 'unknown'" in msg


def test_the_merge_finds_conflicts_between_files(tmp_path, synthetic_registry, synthetic_gazetteer):
    folder = _folder(
        tmp_path,
        {
            "a.csv": "2020-01-01,Alpha,red,src,0.8,,,,\n",
            "b.csv": "2020-01-01,alpha,blue,s,0.8,,,,\n",
        },
    )
    conflict = r"a\.csv:2, b\.csv:2 say Alpha was held by blue and red"
    with pytest.raises(DataFileError, match=conflict):
        read_observations(folder, synthetic_registry, synthetic_gazetteer)
    (folder / "b.csv").write_text(HEADER + "2020-01-01,alpha,blue,s,0.5,,,,\n", encoding="utf-8")
    assert len(read_observations(folder, synthetic_registry, synthetic_gazetteer)) == 2


def test_events_are_checked(tmp_path, synthetic_registry, synthetic_gazetteer):
    folder = _folder(
        tmp_path,
        {
            "a.csv": "2020-01-01,Alpha,red,src,,,seized,,\n"
            "2020-01-01,delta,unknown,src,,,captured,,\n"
            "2020-01-01,echo,red,src,,,captured,purple,\n"
        },
    )
    with pytest.raises(DataFileError) as info:
        read_observations(folder, synthetic_registry, synthetic_gazetteer)
    msg = str(info.value)
    assert "event 'seized' is not one of captured, held, lost, contested" in msg
    assert "a captured row names its holder" in msg
    assert "from_faction: unknown faction 'purple'" in msg


def test_an_empty_or_missing_folder_is_an_error(tmp_path, synthetic_registry, synthetic_gazetteer):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFileError, match="holds no .csv file"):
        read_observations(tmp_path / "empty", synthetic_registry, synthetic_gazetteer)
    with pytest.raises(DataFileError, match="not found"):
        observation_files(tmp_path / "nothing")


def test_the_theatre_uses_its_folder_when_there_is_one(synthetic_data_dir):
    theatre = Theatre.load(SYNTHETIC_THEATRE, synthetic_data_dir)
    single = theatre.observations_path
    assert single.is_file() and single.suffix == ".csv"
    folder = synthetic_data_dir / "observations" / SYNTHETIC_THEATRE
    folder.mkdir()
    shutil.move(single, folder / "all.csv")
    assert theatre.observations_path == folder
    # the build reads the folder the same way it read the file
    paths = build_history(theatre, dates=["2020-02-01"])
    assert [p.name for p in paths] == ["2020-02-01.geojson"]


# -- when the map changes ----------------------------------------------------------------------
def _frame(rows):
    return pd.DataFrame(
        rows, columns=["place_id", "date", "faction", "confidence", "event"]
    ).assign(date=lambda f: [dt.date.fromisoformat(d) for d in f["date"]])


def test_change_dates_are_events_and_new_holders():
    obs = _frame(
        [
            ("a", "2020-01-01", "x", 1.0, "held"),  # first sight: no change
            ("a", "2020-01-05", "x", 1.0, "held"),  # same holder: no change
            ("a", "2020-01-09", "y", 1.0, ""),  # a new holder without an event
            ("b", "2020-01-02", "unknown", 1.0, "contested"),
            ("c", "2020-01-20", "z", 0.9, "held"),
            ("c", "2020-01-20", "x", 0.5, "captured"),  # a reported capture, even if outranked
        ]
    )
    assert [str(d) for d in change_dates(obs)] == ["2020-01-02", "2020-01-09", "2020-01-20"]


def test_snapshot_dates_show_every_change_within_the_lag():
    days = ["2020-01-03", "2020-01-04", "2020-01-12", "2020-01-13", "2020-01-30", "2020-02-20"]
    obs = _frame(
        [("p", "2020-01-01", "x", 1.0, "held")]
        + [(f"p{i}", d, "y", 1.0, "captured") for i, d in enumerate(days)]
    )
    chosen = snapshot_dates_for(obs, 7, start="2020-01-01", end="2020-02-29")
    assert [str(d) for d in chosen] == [
        "2020-01-01",
        "2020-01-04",
        "2020-01-13",
        "2020-01-30",
        "2020-02-20",
        "2020-02-29",
    ]
    for d in days:  # every change is on a map within 7 days, never before it happened
        day = dt.date.fromisoformat(d)
        assert any(day <= s <= day + dt.timedelta(days=7) for s in chosen), d
    # a zero lag maps every change on its day; listed dates are kept
    assert set(snapshot_dates_for(obs, 0)) >= {dt.date.fromisoformat(d) for d in days}
    kept = snapshot_dates_for(obs, 7, include=["2020-01-20"])
    assert dt.date(2020, 1, 20) in kept
    with pytest.raises(InputError):
        snapshot_dates_for(obs, -1)


def test_the_build_chooses_its_dates_when_the_theatre_says_auto(synthetic_data_dir):
    path = synthetic_data_dir / "theatres" / f"{SYNTHETIC_THEATRE}.yaml"
    text = path.read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith("snapshot_dates")]
    path.write_text("\n".join([*lines, "snapshot_dates: {auto: 3}", ""]), encoding="utf-8")
    theatre = Theatre.load(SYNTHETIC_THEATRE, synthetic_data_dir)
    assert theatre.snapshot_lag_days == 3 and theatre.snapshot_dates == ()
    from frontline.build import read_observations as read
    from frontline.factions import FactionRegistry
    from frontline.gazetteer import Gazetteer
    from frontline.places import read_places_csv

    gaz = Gazetteer(read_places_csv(synthetic_data_dir / "gazetteer" / "places.csv"))
    obs = read(theatre.observations_path, FactionRegistry.load(synthetic_data_dir), gaz, theatre)
    dates = snapshot_dates(theatre, obs)
    assert dates[0] == theatre.period[0] if theatre.period else dates[0] == min(obs["date"])
    assert set(change_dates(obs)) <= set(dates)  # changes a month apart: one map each
    paths = build_history(theatre, gazetteer=gaz)
    assert [p.stem for p in paths] == [d.isoformat() for d in dates]


def test_cli_build_max_lag(cli_runner, synthetic_data_dir):
    from frontline.cli import cli

    data = ["--data", str(synthetic_data_dir), "--theatre", SYNTHETIC_THEATRE]
    res = cli_runner.invoke(cli, [*data, "control", "build", "--max-lag", "7"])
    assert res.exit_code == 0, res.output
    assert "snapshot(s) built" in res.output
    res = cli_runner.invoke(
        cli, [*data, "control", "build", "--max-lag", "7", "--date", "2020-02-01"]
    )
    assert res.exit_code == 2 and "not both" in res.output


# -- simplification on the storage grid ----------------------------------------------------------
def test_simplify_on_grid_keeps_the_coverage():
    # two neighbours sharing a wiggly edge (vertices every ~100 m) inside a square
    ys = np.linspace(0.0, 1.0, 1001)
    edge = [(0.5 + 0.0004 * np.sin(40 * y), y) for y in ys]
    left = shapely.Polygon([(0, 0), *edge, (0, 1)])
    right = shapely.Polygon([(1, 0), (1, 1), *edge[::-1]])
    areas = [normalise_geometry(left), normalise_geometry(right)]
    out = simplify_on_grid(areas, 400.0)
    before = sum(shapely.get_num_coordinates(areas))
    after = sum(shapely.get_num_coordinates(out))
    assert after < before / 5
    assert all(shapely.is_valid(out))
    union = shapely.union_all(out)
    assert abs(union.area - 1.0) < 1e-9  # no gap, the outline kept
    assert shapely.intersection(out[0], out[1]).area < 1e-12  # no overlap
    assert simplify_on_grid([], 400.0) == []


def test_a_geometry_collection_is_stored_as_its_merged_polygons():
    a = shapely.box(0, 0, 1, 1)
    b = shapely.box(1, 0, 2, 1)  # shares an edge with a
    gc = shapely.GeometryCollection([a, b, shapely.LineString([(0, 0), (3, 3)])])
    out = normalise_geometry(gc)
    assert out.is_valid and out.geom_type == "MultiPolygon"
    assert abs(out.area - 2.0) < 1e-9 and len(out.geoms) == 1
