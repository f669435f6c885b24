"""CLI tests of ``frontline diff``, ``timeline`` and ``frontlines`` (synthetic data)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from shapely import box

from frontline.cli import cli


def run(runner, *args):
    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_diff_markdown(cli_runner, built_data_dir):
    r = run(
        cli_runner, "diff", "2020-01-01", "2020-03-01", "--data", built_data_dir, "--no-gazetteer"
    )
    assert r.exit_code == 0, r.output
    assert r.output.startswith("# Control changes, 2020-01-01 → 2020-03-01 (testland)")
    assert "## Balance" in r.output and "Black Banner" in r.output


def test_diff_with_gazetteer_names_places(cli_runner, hand_data_dir):
    r = run(
        cli_runner, "diff", "2020-01-01", "2020-02-01", "--data", hand_data_dir, "--format", "json"
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["changes"][0]["from_faction"] == "black" and d["changes"][0]["to_faction"] == "red"
    assert "charlie" in {p["place_id"] for p in d["places_changed"]}
    assert {f["faction_a"] for f in d["front_lines_a"]} == {"red"}


def test_diff_geojson_and_csv(cli_runner, hand_data_dir, tmp_path):
    out = tmp_path / "d.geojson"
    r = run(
        cli_runner,
        "diff",
        "2020-01-01",
        "2020-02-01",
        "--data",
        hand_data_dir,
        "--format",
        "geojson",
        "--out",
        out,
        "--no-gazetteer",
    )
    assert r.exit_code == 0, r.output
    gj = json.loads(out.read_text(encoding="utf-8"))
    assert {f["properties"]["layer"] for f in gj["features"]} >= {
        "changes",
        "front_lines_a",
        "front_lines_b",
    }
    r = run(
        cli_runner,
        "diff",
        "2020-01-01",
        "2020-02-01",
        "--data",
        hand_data_dir,
        "--format",
        "csv",
        "--table",
        "summary",
        "--no-gazetteer",
    )
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert [row["faction"] for row in rows] == ["black", "red"]
    r = run(
        cli_runner,
        "diff",
        "2020-01-01",
        "2020-02-01",
        "--data",
        hand_data_dir,
        "--format",
        "csv",
        "--no-gazetteer",
    )
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert rows[0]["from_faction"] == "black" and "lon" in rows[0]
    r = run(
        cli_runner,
        "diff",
        "2020-01-01",
        "2020-02-01",
        "--data",
        hand_data_dir,
        "--format",
        "csv",
        "--table",
        "frontlines",
        "--no-gazetteer",
    )
    assert r.output.splitlines()[0] == "date,faction_a,faction_b,length_km"


def test_diff_refuses_to_overwrite(cli_runner, hand_data_dir, tmp_path):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "report.md"
    out.write_text("keep me", encoding="utf-8")
    r = run(
        cli_runner,
        "diff",
        "2020-01-01",
        "2020-02-01",
        "--data",
        hand_data_dir,
        "--out",
        out,
        "--no-gazetteer",
    )
    assert r.exit_code == 2 and "--overwrite" in r.output
    assert out.read_text(encoding="utf-8") == "keep me"
    r = run(
        cli_runner,
        "diff",
        "2020-01-01",
        "2020-02-01",
        "--data",
        hand_data_dir,
        "--out",
        out,
        "--overwrite",
        "--no-gazetteer",
    )
    assert r.exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("# Control changes")
    assert [p.name for p in out.parent.iterdir()] == ["report.md"]  # no temporary file left behind


@pytest.mark.parametrize(
    "dates", [("2020-1-1", "2020-02-01"), ("2020-01-01", "yesterday"), ("2020-02-30", "2020-03-01")]
)
def test_bad_dates_exit_2(cli_runner, built_data_dir, dates):
    r = run(cli_runner, "diff", *dates, "--data", built_data_dir, "--no-gazetteer")
    assert r.exit_code == 2
    assert "YYYY-MM-DD" in r.output


def test_date_before_history_exits_2(cli_runner, built_data_dir):
    r = run(
        cli_runner, "diff", "2019-01-01", "2020-02-01", "--data", built_data_dir, "--no-gazetteer"
    )
    assert r.exit_code == 2 and "no snapshot on or before 2019-01-01" in r.output


def test_timeline_formats_and_plot(cli_runner, built_data_dir, tmp_path):
    r = run(cli_runner, "timeline", "--data", built_data_dir, "--no-gazetteer")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert {row["date"] for row in rows} == {"2020-01-01", "2020-02-01", "2020-03-01"}
    r = run(cli_runner, "timeline", "--data", built_data_dir, "--format", "md", "--no-gazetteer")
    assert r.output.startswith("| Date |")
    png, out = tmp_path / "t.png", tmp_path / "t.json"
    r = run(
        cli_runner,
        "timeline",
        "--data",
        built_data_dir,
        "--format",
        "json",
        "--out",
        out,
        "--plot",
        png,
        "--no-gazetteer",
    )
    assert r.exit_code == 0, r.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    recs = json.loads(out.read_text(encoding="utf-8"))
    assert {"date", "faction", "area_km2", "gained_km2", "lost_km2", "places_changed"} <= set(
        recs[0]
    )
    r = run(cli_runner, "timeline", "--data", built_data_dir, "--plot", png, "--no-gazetteer")
    assert r.exit_code == 2  # the plot exists


def test_frontlines(cli_runner, hand_data_dir):
    r = run(cli_runner, "frontlines", "--date", "2020-01-15", "--data", hand_data_dir)
    assert r.exit_code == 0, r.output
    gj = json.loads(r.output)
    assert gj["date"] == "2020-01-01"
    assert [f["properties"]["faction_a"] for f in gj["features"]] == ["red"]
    assert gj["features"][0]["geometry"]["type"] == "MultiLineString"
    r = run(
        cli_runner, "frontlines", "--date", "2020-02-01", "--data", hand_data_dir, "--format", "csv"
    )
    assert r.output.splitlines()[0] == "faction_a,faction_b,length_km"
    r = run(
        cli_runner,
        "frontlines",
        "--date",
        "2020-02-01",
        "--data",
        hand_data_dir,
        "--format",
        "json",
    )
    assert json.loads(r.output)["front_lines"][0]["faction_b"] == "black"
    r = run(cli_runner, "frontlines", "--date", "02/01/2020", "--data", hand_data_dir)
    assert r.exit_code == 2


def test_timeline_plot_needs_an_image_suffix(tmp_path):
    from click.testing import CliRunner

    from frontline.cli import cli
    from frontline.theatre import shipped_data_dir

    res = CliRunner().invoke(
        cli, ["timeline", "--data", str(shipped_data_dir()), "--plot", str(tmp_path / "t.txt")]
    )
    assert res.exit_code == 2 and ".png" in res.output
    assert not (tmp_path / "t.txt").exists()


def test_changes_csv_is_the_changeset_table(cli_runner, hand_data_dir):
    """``--format csv`` (changes) skips the ChangeSet; its rows are the ChangeSet's own."""
    from frontline.cli.output import csv_text
    from frontline.diff import changes_between, diff_dates
    from frontline.store import ControlHistory

    history = ControlHistory.load("testland", hand_data_dir)
    full = diff_dates(history, "2020-01-01", "2020-02-01", min_area_km2=1.0)
    plain = changes_between(history, "2020-01-01", "2020-02-01", min_area_km2=1.0)
    assert list(plain) == list(full.changes.columns)
    assert csv_text(plain) == csv_text(full.changes)
    r = run(
        cli_runner, "diff", "2020-01-01", "2020-02-01", "--data", hand_data_dir,
        "--format", "csv", "--no-gazetteer", "--min-area", "1",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert r.output == csv_text(full.changes)


def test_csv_text_of_plain_columns():
    from frontline.cli.output import csv_text

    text = csv_text(
        {
            "km2": [1.23456, float("nan")],
            "sources": [["a", "b"], ["c", "d"]],  # one list per row, not a 2-D column
            "note": [None, "x, y"],
            "geometry": [box(0, 0, 2, 2), box(10, 10, 12, 12)],
        }
    )
    assert text.splitlines() == [
        "km2,sources,note,lon,lat",
        "1.235,\"['a', 'b']\",,1.000,1.000",
        ",\"['c', 'd']\",\"x, y\",11.000,11.000",
    ]


def test_changes_csv_reads_no_pandas(hand_data_dir, tmp_path):
    """Reading two stored maps and writing their changes needs no pandas (start-up cost)."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from frontline.cli import main\n"
        "try:\n    main()\n"
        "except SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in ('pandas', 'geopandas') if m in sys.modules), file=sys.stderr)\n"
    )
    args = [sys.executable, "-c", code, "diff", "2020-01-01", "2020-02-01", "--data",
            str(hand_data_dir), "--format", "csv"]  # fmt: skip
    env = {**os.environ, "FRONTLINE_CACHE": str(tmp_path / "cache")}
    first = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    again = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    assert again.stdout == first.stdout and again.stdout.startswith("from_faction,")
    # the first read validates each map (with geopandas) and caches it; later reads do not
    assert again.stderr.strip().splitlines()[-1] == "[]", again.stderr
