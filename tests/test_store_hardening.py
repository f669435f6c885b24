"""The file store under concurrency, crashes and hostile names (issue 15), in real processes.

Concurrent writers are child processes that all read the history, wait at the same point and
then write (``race_cli``); a crash is a child that dies between the renames of a batch
(``FL_KILL_AFTER_RENAMES``). Fault injection lives in the child only (see ``CLI_CHILD`` in
conftest.py): the library has no test hooks.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from conftest import CLI_CHILD, ROOT, SYNTHETIC_THEATRE, cli_env, race_cli, run_cli

from frontline.errors import ConflictError, InputError, LockTimeoutError, UnfinishedWriteError
from frontline.files import check_name, content_hash
from frontline.folderwrite import (
    JOURNAL_NAME,
    LOCK_NAME,
    FolderLock,
    atomic_write_many,
    lock_holder,
    recover_folder,
)
from frontline.store import ControlHistory

DATES = ("2020-01-01", "2020-02-01", "2020-03-01")


def _folder(data: Path) -> Path:
    return data / "control" / SYNTHETIC_THEATRE


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.geojson"))}


def _hidden(folder: Path) -> list[str]:
    """Leftovers a reader must never see: staged files, backups, a journal."""
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.name.endswith((".tmp", ".bak")) or p.name == JOURNAL_NAME
    )


def _drawn(path: Path, west: float) -> Path:
    """A QGIS-style drawing: red and blue areas inside testland, red's edge at *west*."""
    gpd.GeoDataFrame(
        {"faction": ["red", "blue"]},
        geometry=[shapely.box(west, 32.5, 38.9, 33.0), shapely.box(40.0, 33.9, 40.5, 34.2)],
        crs="EPSG:4326",
    ).to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def _data_args(data: Path) -> list[str]:
    return ["--data", str(data), "--theatre", SYNTHETIC_THEATRE]


# -- library ------------------------------------------------------------------------------------
def test_lock_is_exclusive_between_processes_and_names_its_holder(tmp_path):
    folder = tmp_path / "history"
    code = (
        "import sys, time\nfrom frontline.folderwrite import FolderLock\n"
        f"with FolderLock({str(folder)!r}):\n    print('locked', flush=True)\n    time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT, env=cli_env()
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        who = lock_holder(folder)
        assert who is not None and who.pid == holder.pid
        start = time.monotonic()
        with pytest.raises(LockTimeoutError, match=rf"is being written by .*pid {holder.pid}"):
            with FolderLock(folder, timeout=0.5):
                pass
        assert 0.4 < time.monotonic() - start < 5
    finally:
        holder.send_signal(signal.SIGKILL)  # the OS releases a dead holder's lock
        holder.wait()
    with FolderLock(folder, timeout=5, gitignore=True):
        assert lock_holder(folder) is None  # (this thread's own lock is not "another holder")
        assert (folder / LOCK_NAME).is_file()
    assert lock_holder(folder) is None
    assert not (folder / LOCK_NAME).exists()  # the lock file exists only while it is held
    # git never sees the lock: the folder's .gitignore names it (and itself)
    assert LOCK_NAME in (folder / ".gitignore").read_text().split()


def test_lock_is_reentrant_in_a_thread(tmp_path):
    with FolderLock(tmp_path, 0.1), FolderLock(tmp_path, 0.1):
        atomic_write_many([(tmp_path / "a.txt", b"a")])
    assert (tmp_path / "a.txt").read_bytes() == b"a"


def test_compare_and_set_refuses_a_changed_file(tmp_path):
    target = tmp_path / "a.geojson"
    atomic_write_many([(target, b"one")])
    seen = content_hash(b"one")
    target.write_bytes(b"someone else")  # changed behind our back
    with pytest.raises(ConflictError, match="changed by another writer since this command"):
        atomic_write_many([(target, b"mine")], overwrite=True, expected={target: seen})
    assert target.read_bytes() == b"someone else"
    with pytest.raises(ConflictError, match="was created"):
        atomic_write_many([(tmp_path / "b.geojson", b"x")], expected={target: None})


@pytest.mark.parametrize(
    "name", ["../outside", "a/b", "..", ".hidden", "", "x" * 101, "semi;colon", "a..b"]
)
def test_unsafe_names_are_refused(name):
    with pytest.raises(InputError, match="plain identifier"):
        check_name(name, "theatre id")


@pytest.mark.parametrize("name", ["syria-iraq-2017", "testland", "isis", "a_b", "v1.2"])
def test_plain_names_pass(name):
    assert check_name(name, "theatre id") == name


# -- two writers of one theatre: one wins, the other is told (exit 3) ------------------------------
def test_concurrent_overwriting_imports_one_wins_the_others_conflict(built_data_dir, tmp_path):
    """4 `control import --overwrite` of one date, released together: 1 wins, 3 exit 3."""
    folder = _folder(built_data_dir)
    before = _contents(folder)
    n = 4
    files = [_drawn(tmp_path / f"drawn{i}.geojson", 38.2 + 0.1 * i) for i in range(n)]
    commands = [
        ["control", "import", str(f), "--date", "2020-02-01", "--overwrite"]
        + _data_args(built_data_dir)
        for f in files
    ]
    results = race_cli(commands, "frontline.history:HistoryBase.expect", tmp_path / "sync")
    codes = sorted(r.returncode for r in results)
    assert codes == [0] + [3] * (n - 1), [(r.returncode, r.stderr[-400:]) for r in results]
    for r in results:
        if r.returncode == 3:
            assert "changed by another writer since this command read it" in r.stderr
            assert "Traceback" not in r.stderr
            assert "nothing was written" in r.stderr and "Usage:" not in r.stderr
    winner = files[[r.returncode for r in results].index(0)]
    after = _contents(folder)
    assert after["2020-02-01.geojson"] != before["2020-02-01.geojson"]
    history = ControlHistory.load(SYNTHETIC_THEATRE, built_data_dir)
    west = history.get("2020-02-01").geometry_of("red").bounds[0]
    assert west == pytest.approx(shapely.from_geojson(winner.read_text()).geoms[0].bounds[0])
    assert {k: v for k, v in after.items() if k != "2020-02-01.geojson"} == {
        k: v for k, v in before.items() if k != "2020-02-01.geojson"
    }
    assert _hidden(folder) == []


def test_build_overwrite_against_an_import_conflicts_and_writes_nothing(built_data_dir, tmp_path):
    """`control build --overwrite` read the history; an import writes a date; the build exits 3."""
    folder = _folder(built_data_dir)
    sync = tmp_path / "sync"
    sync.mkdir()
    build = subprocess.Popen(
        [sys.executable, "-c", CLI_CHILD, "control", "build", "--overwrite"]
        + _data_args(built_data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=cli_env(FL_SYNC=str(sync), FL_SYNC_AT="frontline.history:HistoryBase.expect"),
    )
    deadline = time.monotonic() + 120
    while not list(sync.glob("ready-*")) and build.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    drawn = _drawn(tmp_path / "drawn.geojson", 38.3)
    imported = run_cli(
        "control", "import", str(drawn), "--date", "2020-02-01", "--overwrite",
        *_data_args(built_data_dir),
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    after_import = _contents(folder)
    (sync / "go").touch()
    out, err = build.communicate(timeout=300)
    assert build.returncode == 3, err
    assert "2020-02-01.geojson changed by another writer since this command read it" in err
    assert _contents(folder) == after_import  # the build wrote nothing
    assert _hidden(folder) == []


def test_a_writer_waits_for_the_lock_then_times_out_naming_the_holder(built_data_dir, tmp_path):
    folder = _folder(built_data_dir)
    code = (
        "import time\nfrom frontline.folderwrite import FolderLock\n"
        f"with FolderLock({str(folder)!r}):\n    print('locked', flush=True)\n    time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, "control", "build"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=cli_env(),
    )
    drawn = _drawn(tmp_path / "drawn.geojson", 38.3)
    args = ["control", "import", str(drawn), "--date", "2020-02-15", *_data_args(built_data_dir)]
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        r = run_cli(*args, FRONTLINE_LOCK_TIMEOUT="1")
        assert r.returncode == 3, r.stderr
        assert "is being written by" in r.stderr and f"pid {holder.pid}" in r.stderr
        assert "try again" in r.stderr and "FRONTLINE_LOCK_TIMEOUT" in r.stderr
        assert not (folder / "2020-02-15.geojson").exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    r = run_cli(*args, FRONTLINE_LOCK_TIMEOUT="1")  # the dead holder's lock is gone
    assert r.returncode == 0, r.stderr
    assert (folder / "2020-02-15.geojson").is_file()


def test_readers_never_write(built_data_dir):
    folder = _folder(built_data_dir)
    (folder / ".gitignore").unlink()  # left by the build that made the fixture
    r = run_cli("control", "list", *_data_args(built_data_dir))
    assert r.returncode == 0, r.stderr
    assert not (folder / LOCK_NAME).exists() and not (folder / ".gitignore").exists()


# -- a writer killed between its renames -----------------------------------------------------------
@pytest.fixture
def changed_observations(built_data_dir, tmp_path):
    """The built data dir with observations whose rebuilt snapshots differ on every date.

    Returns (data dir, the files a complete rebuild writes).
    """
    obs = built_data_dir / "observations" / f"{SYNTHETIC_THEATRE}.csv"
    obs.write_text(obs.read_text().replace("Synthetic Times", "Synthetic Daily"))
    reference = tmp_path / "reference"
    import shutil

    shutil.copytree(built_data_dir, reference)
    r = run_cli("control", "build", "--overwrite", *_data_args(reference))
    assert r.returncode == 0, r.stderr
    new = _contents(_folder(reference))
    old = _contents(_folder(built_data_dir))
    assert sorted(new) == sorted(old) and all(new[n] != old[n] for n in old)
    return built_data_dir, new


def _killed_build(data: Path) -> subprocess.CompletedProcess:
    r = run_cli("control", "build", "--overwrite", *_data_args(data), FL_KILL_AFTER_RENAMES="2")
    assert r.returncode == 9, (r.returncode, r.stderr)
    return r


def test_killed_build_is_refused_by_readers_and_finished_by_validate_repair(
    changed_observations,
):
    data, new = changed_observations
    folder = _folder(data)
    old = _contents(folder)
    _killed_build(data)
    now = _contents(folder)
    mixed = [n for n in now if now[n] == new[n]], [n for n in now if now[n] == old[n]]
    assert (len(mixed[0]), len(mixed[1])) == (2, 1)  # a mixed history: 2 dates new, 1 old
    assert (folder / JOURNAL_NAME).is_file()
    # readers refuse the mixed folder (and write nothing)
    r = run_cli("control", "list", *_data_args(data))
    assert r.returncode == 1 and "was interrupted" in r.stderr and "--repair" in r.stderr
    r = run_cli("diff", "2020-01-01", "2020-03-01", *_data_args(data))
    assert r.returncode == 1 and "was interrupted" in r.stderr
    with pytest.raises(UnfinishedWriteError):
        ControlHistory.load(SYNTHETIC_THEATRE, data).dates()
    # validate reports the leftovers
    r = run_cli("control", "validate", *_data_args(data))
    assert r.returncode == 2, r.stdout + r.stderr
    assert JOURNAL_NAME in r.stderr and "interrupted write" in r.stderr
    # validate --repair finishes the batch: every date new, nothing hidden left
    r = run_cli("control", "validate", "--repair", *_data_args(data))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "finished a write of 3 file(s)" in r.stdout
    assert _contents(folder) == new
    assert _hidden(folder) == []


def test_killed_build_is_finished_by_the_next_writer(changed_observations, tmp_path):
    data, new = changed_observations
    folder = _folder(data)
    _killed_build(data)
    drawn = _drawn(tmp_path / "drawn.geojson", 38.3)
    r = run_cli("control", "import", str(drawn), "--date", "2020-02-15", *_data_args(data))
    assert r.returncode == 0, r.stderr
    after = _contents(folder)
    assert {k: after[k] for k in new} == new and "2020-02-15.geojson" in after
    assert _hidden(folder) == []


def test_recover_rolls_back_a_batch_that_cannot_be_finished(tmp_path):
    """A journal whose staged file vanished: the old files come back from their backups."""
    folder = tmp_path / "h"
    atomic_write_many([(folder / "a.geojson", b"old a"), (folder / "b.geojson", b"old b")])
    code = (
        "import os, sys\nfrom pathlib import Path\n"
        "from frontline.folderwrite import atomic_write_many\n"
        "real = os.replace\nn = [0]\n"
        "def rep(s, d):\n    if n[0] == 1: os._exit(9)\n    n[0] += 1\n    real(s, d)\n"
        "os.replace = rep\n"
        f"f = Path({str(folder)!r})\n"
        "atomic_write_many([(f / 'a.geojson', b'new a'), (f / 'b.geojson', b'new b')], True)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=cli_env(), timeout=60)
    assert proc.returncode == 9
    assert (folder / "a.geojson").read_bytes() == b"new a"
    journal = json.loads((folder / JOURNAL_NAME).read_text())
    (folder / journal["files"][1]["staged"]).unlink()  # the new b is lost: cannot finish
    done = recover_folder(folder)
    assert done and done[0].startswith("rolled back")
    assert _contents(folder) == {"a.geojson": b"old a", "b.geojson": b"old b"}
    assert _hidden(folder) == []


# -- names and dates that become file names --------------------------------------------------------
def test_theatre_id_cannot_escape_the_data_folder(synthetic_data_dir, tmp_path):
    (synthetic_data_dir.parent / "outside.yaml").write_text(
        "id: ../../outside\nextent: [38.0, 32.3, 41.5, 34.6]\n"
    )
    drawn = _drawn(tmp_path / "drawn.geojson", 38.3)
    r = run_cli(
        "control", "import", str(drawn), "--date", "2020-02-01",
        "--data", str(synthetic_data_dir), "--theatre", "../../outside",
    )  # fmt: skip
    assert r.returncode == 2 and "plain identifier" in r.stderr, r.stderr
    assert "Usage:" not in r.stderr
    theatres = synthetic_data_dir / "theatres"
    (theatres / "escape.yaml").write_text("id: ../escape\nextent: [38.0, 32.3, 41.5, 34.6]\n")
    r = run_cli(
        "control", "import", str(drawn), "--date", "2020-02-01",
        "--data", str(synthetic_data_dir), "--theatre", "escape",
    )  # fmt: skip
    assert r.returncode == 2 and "plain identifier" in r.stderr, r.stderr
    outside = [p for p in tmp_path.rglob("*.geojson") if p.name.startswith("2020")]
    assert outside == []


def test_faction_ids_must_be_plain(synthetic_data_dir):
    path = synthetic_data_dir / "factions.yaml"
    path.write_text(path.read_text().replace("{id: grey,", "{id: ../grey,"))
    r = run_cli("control", "list", "--data", str(synthetic_data_dir))
    assert r.returncode == 2 and "faction id '../grey' is not a plain identifier" in r.stderr


@pytest.mark.parametrize("day", ["2030-01-01", "1900-01-01"])
def test_import_outside_the_period_needs_extend_period(synthetic_data_dir, tmp_path, day):
    drawn = _drawn(tmp_path / "drawn.geojson", 38.3)
    args = ["control", "import", str(drawn), "--date", day, "--data", str(synthetic_data_dir)]
    r = run_cli(*args)
    assert r.returncode == 2, r.stderr
    assert f"{day} lie(s) outside the period of testland (2020-01-01 … 2020-03-31)" in r.stderr
    assert "--extend-period" in r.stderr and "Usage:" not in r.stderr
    assert not (_folder(synthetic_data_dir) / f"{day}.geojson").exists()
    r = run_cli(*args, "--extend-period")
    assert r.returncode == 0, r.stderr
    assert (_folder(synthetic_data_dir) / f"{day}.geojson").is_file()
    assert "extended the period" in r.stdout
    text = (synthetic_data_dir / "theatres" / "testland.yaml").read_text()
    first, last = sorted([day, "2020-01-01", "2020-03-31"])[::2]
    assert f"period: [{first}, {last}]" in text


# -- messages --------------------------------------------------------------------------------------
def test_data_errors_print_error_without_the_usage_banner(built_data_dir, tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}')
    r = run_cli("control", "import", str(bad), "--date", "2020-02-01", *_data_args(built_data_dir))
    assert r.returncode == 2 and r.stderr.startswith("Error: ") and "Usage:" not in r.stderr
    r = run_cli("control", "import", "--no-such-option", *_data_args(built_data_dir))
    assert r.returncode == 2 and "Usage:" in r.stderr  # a mistyped command keeps the banner
    r = run_cli("control", "build", *_data_args(built_data_dir))  # dates exist
    assert r.returncode == 2 and "pass --overwrite" in r.stderr and "overwrite=True" not in r.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["diff", "2020-01-01", "2020-02-01", "--out", "/proc/frontline-test.md"],
        ["diff", "2020-01-01", "2020-02-01", "--out", "/sys/frontline/x.md"],
        ["export", "--format", "csv", "--out", "/proc/frontline-tables"],
    ],
)
def test_an_output_that_cannot_be_written_is_a_clear_error(built_data_dir, command):
    r = run_cli(*command, *_data_args(built_data_dir))
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and "cannot write" in r.stderr
    assert "nothing was written" in r.stderr


def test_render_size_has_a_limit_with_its_reason(built_data_dir, tmp_path):
    r = run_cli(
        "render", "--date", "2020-02-01", "--size", "100000x100000",
        "--out", str(tmp_path / "x.png"), *_data_args(built_data_dir),
    )  # fmt: skip
    assert r.returncode == 2 and "Traceback" not in r.stderr and "MemoryError" not in r.stderr
    assert "at most 20000 pixels a side" in r.stderr and "GB of memory" in r.stderr


def test_lock_timeout_setting_is_checked(built_data_dir, tmp_path):
    drawn = _drawn(tmp_path / "drawn.geojson", 38.3)
    r = run_cli(
        "control", "import", str(drawn), "--date", "2020-02-15", *_data_args(built_data_dir),
        FRONTLINE_LOCK_TIMEOUT="soon",
    )  # fmt: skip
    assert r.returncode == 2 and "FRONTLINE_LOCK_TIMEOUT='soon'" in r.stderr


def test_history_folder_stays_inside_the_data_folder(synthetic_data_dir):
    from frontline.files import check_inside

    with pytest.raises(InputError, match="outside"):
        check_inside(synthetic_data_dir, synthetic_data_dir / "control" / ".." / "..", "x")
    assert check_inside(synthetic_data_dir, synthetic_data_dir / "control", "x")
    assert os.fspath(ControlHistory.load(SYNTHETIC_THEATRE, synthetic_data_dir).directory)
