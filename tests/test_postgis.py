"""The PostGIS store: schema, interface parity with the file store, revisions, no lost updates,
QGIS-style edits, push/pull round trips, and the ``frontline store`` commands.

Runs against a real PostgreSQL + PostGIS server: ``$FRONTLINE_TEST_PG`` when set, else a
throwaway cluster started once per session by ``scripts/pg_test_server.sh`` (when the
PostgreSQL server binaries are installed; CI installs postgresql-15 and postgresql-15-postgis-3).
Without PostgreSQL + PostGIS the tests marked ``needs("postgis")`` skip (fail when ``CI=true``);
see ``SERVICES`` in conftest.py.
Each test gets its own database schema (``?schema=…``), dropped afterwards.
"""

from __future__ import annotations

import glob
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import shapely
from conftest import SYSTEM_PYTHON, sandbox_env
from conftest import drop_schema as _drop
from conftest import with_schema as _with_schema

from frontline.control import ControlSnapshot
from frontline.errors import (
    ConflictError,
    InputError,
    InvalidGeometryError,
    OverlapError,
    SnapshotExistsError,
    SnapshotNotFoundError,
    StoreError,
)

ROOT = Path(__file__).resolve().parents[1]
THEATRE = "testland"  # the synthetic theatre of tests/conftest.py
SHIPPED = sorted(glob.glob(str(ROOT / "geodata" / "control" / "*" / "*.geojson")))


def _raw(url: str):
    """A plain connection with the default search_path, as QGIS opens one."""
    import psycopg

    from frontline.postgis_schema import split_url

    conninfo, schema = split_url(url)
    return psycopg.connect(conninfo, autocommit=True), schema


@pytest.fixture
def files(built_data_dir):
    """The synthetic data dir's built file history (3 dates)."""
    from frontline.store import ControlHistory

    return ControlHistory.load(THEATRE, built_data_dir)


@pytest.fixture
def pg(pg_url, built_data_dir):
    from frontline.postgis import PostGISHistory

    with PostGISHistory.load(pg_url, THEATRE, built_data_dir, author="tester") as history:
        yield history


def _boxes(day: str, note: str = "", west: float = 38.2) -> ControlSnapshot:
    """A small valid synthetic snapshot inside testland's extent."""
    return ControlSnapshot.from_areas(
        day,
        {"red": shapely.box(west, 32.5, 38.9, 33.0), "black": shapely.box(39.5, 33.5, 40.5, 34.0)},
        theatre=THEATRE,
        sources=["Synthetic Times, 2020-01-01"],
        note=note,
    )


# -- no server needed ------------------------------------------------------------------------------
def test_library_imports_without_the_driver():
    code = (
        "import sys, frontline.backends, frontline.postgis, frontline.store, frontline.cli.store;"
        "assert 'psycopg' not in sys.modules, 'psycopg imported eagerly'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_missing_driver_says_what_to_install():
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from frontline.errors import StoreError\n"
        "from frontline.postgis import PostGISHistory\n"
        "try:\n    PostGISHistory('postgresql://x@/db', 'testland').dates()\n"
        "except StoreError as exc:\n    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert "pip install 'frontline[postgis]'" in out.stdout


def test_split_url_and_redact():
    from frontline.postgis_schema import redact, split_url

    assert split_url("postgresql://u@h/db?schema=team1&sslmode=require") == (
        "postgresql://u@h/db?sslmode=require",
        "team1",
    )
    assert split_url("postgres://u@h/db")[1] == "frontline"
    assert redact("postgresql://u:secret@h:5432/db") == "postgresql://u:***@h:5432/db"
    with pytest.raises(InputError, match="plain identifier"):
        split_url("postgresql://u@h/db?schema=a;drop")
    with pytest.raises(InputError):
        split_url("mysql://u@h/db")


def test_migrations_are_numbered_from_one():
    from frontline.postgis_schema import latest_version, migrations

    versions = [m.version for m in migrations()]
    # numbered from 1, each once, in order (0003 may land before 0002: a store upgrades
    # through whichever are shipped)
    assert versions[0] == 1 and versions == sorted(set(versions))
    assert set(versions) <= set(range(1, len(versions) + 2))
    assert latest_version() == versions[-1]


def test_open_history_chooses_the_backend(synthetic_data_dir, tmp_path, monkeypatch):
    from frontline.backends import open_history
    from frontline.postgis import PostGISHistory
    from frontline.store import ControlHistory

    monkeypatch.delenv("FRONTLINE_STORE", raising=False)
    h = open_history(None, THEATRE, synthetic_data_dir)
    assert isinstance(h, ControlHistory) and h.directory == synthetic_data_dir / "control" / THEATRE
    # a data directory, a folder of snapshots, a folder of theatre folders
    assert (
        open_history(str(synthetic_data_dir), THEATRE, synthetic_data_dir).directory == h.directory
    )
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "2020-01-01.geojson").write_text(_boxes("2020-01-01").to_geojson(), encoding="utf-8")
    assert open_history(flat, THEATRE, synthetic_data_dir).directory == flat
    assert (
        open_history(tmp_path / "teams", THEATRE, synthetic_data_dir).directory
        == tmp_path / "teams" / THEATRE
    )
    assert open_history(f"file://{flat}", THEATRE, synthetic_data_dir).directory == flat
    # PostGIS by URL or environment; nothing connects until used
    monkeypatch.setenv("FRONTLINE_STORE", "postgresql://nobody@localhost/none?schema=x")
    h = open_history(None, THEATRE, synthetic_data_dir)
    assert isinstance(h, PostGISHistory) and h.schema == "x" and h.theatre.id == THEATRE
    with pytest.raises(InputError, match="neither a folder nor"):
        open_history("mysql://u@h/db", THEATRE, synthetic_data_dir)


# -- schema ----------------------------------------------------------------------------------------
@pytest.mark.needs("postgis")
def test_init_is_idempotent_and_creates_the_schema(pg_url):
    from frontline.postgis_schema import migrate, migrations

    assert migrate(pg_url) == []
    conn, schema = _raw(pg_url)
    with conn:
        versions = [r[0] for r in conn.execute(f'SELECT version FROM "{schema}".schema_version')]
        assert versions == [m.version for m in migrations()]
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            )
        }
        assert {
            "control_areas",
            "revisions",
            "area_revisions",
            "snapshots",
            "places",
            "observations",
            "area_history",
        } <= tables
        geo = dict(
            conn.execute(
                "SELECT f_table_name, type FROM geometry_columns WHERE f_table_schema = %s "
                "AND f_geometry_column = 'geom'",
                (schema,),
            ).fetchall()
        )
        assert geo["control_areas"] == "MULTIPOLYGON" and geo["places"] == "POINT"
        gist = {
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_indexes WHERE schemaname = %s "
                "AND indexdef ILIKE '%%gist%%'",
                (schema,),
            )
        }
        assert {"control_areas", "area_revisions", "places", "observations"} <= gist


@pytest.mark.needs("postgis")
def test_uninitialised_store_says_to_run_init(pg_server, synthetic_data_dir):
    from frontline.postgis import PostGISHistory

    h = PostGISHistory.load(_with_schema(pg_server, "nothing_here"), THEATRE, synthetic_data_dir)
    with pytest.raises(StoreError, match="frontline store init"):
        h.dates()


def test_unreachable_server_is_a_store_error(synthetic_data_dir, tmp_path):
    pytest.importorskip("psycopg")
    from frontline.postgis import PostGISHistory

    h = PostGISHistory.load(
        f"postgresql://nobody@/db?host={tmp_path}&connect_timeout=2", THEATRE, synthetic_data_dir
    )
    with pytest.raises(StoreError, match="cannot connect"):
        h.dates()


# -- the history interface -------------------------------------------------------------------------
@pytest.mark.needs("postgis")
def test_same_interface_and_content_as_the_file_store(files, pg):
    pg.add_many(list(files))
    assert pg.dates() == files.dates() and len(pg) == len(files)
    first, last = files.dates()[0], files.dates()[-1]
    assert first in pg and "2019-01-01" not in pg and "garbage" not in pg
    for a, b in zip(files, pg, strict=True):
        assert (
            a.to_geojson() == b.to_geojson() == files.path_for(a.date).read_text(encoding="utf-8")
        )
    assert pg.at(last.isoformat()).date == last
    mid = files.dates()[1]
    assert (
        pg.at(mid.replace(day=mid.day + 3)).date
        == files.at(mid.replace(day=mid.day + 3)).date
        == mid
    )
    assert [(a.date, b.date) for a, b in pg.pairs()] == [(a.date, b.date) for a, b in files.pairs()]
    with pytest.raises(SnapshotNotFoundError, match="nearest"):
        pg.get("2019-06-01")
    with pytest.raises(SnapshotNotFoundError, match="on or before"):
        pg.at("2019-06-01")


@pytest.mark.needs("postgis")
def test_library_functions_work_unchanged_on_either_store(files, pg, synthetic_gazetteer, tmp_path):
    from frontline.diff import diff_dates, timeline

    pg.add_many(list(files))
    first, last = files.dates()[0], files.dates()[-1]
    a = diff_dates(files, first, last, gazetteer=synthetic_gazetteer)
    b = diff_dates(pg, first, last, gazetteer=synthetic_gazetteer)
    assert a.to_json() == b.to_json() and a.to_geojson() == b.to_geojson()
    assert timeline(files, synthetic_gazetteer).equals(timeline(pg, synthetic_gazetteer))


@pytest.mark.needs("postgis")
def test_revisions_are_kept_and_restorable(pg):
    day = "2020-01-15"
    assert pg.add(_boxes(day, "first")) == 1
    with pytest.raises(SnapshotExistsError, match="revision 1"):
        pg.add(_boxes(day, "second"))
    assert pg.get(day).areas["note"].tolist() == ["first", "first"]
    assert pg.add(_boxes(day, "second"), overwrite=True, message="fix note") == 2
    assert pg.add(_boxes(day, "third"), expected_revision=2) == 3
    revs = pg.revisions(day)
    assert [(r.revision, r.display_name, r.is_current, r.n_areas) for r in revs] == [
        (1, "tester", False, 2),
        (2, "tester", False, 2),
        (3, "tester", True, 2),
    ]
    assert {r.author for r in revs} == {pg.conn.info.user}  # the database session user
    # an overwrite records which revision, and whose, it replaced
    assert revs[1].message == f"fix note; replaces r1 by {pg.conn.info.user}"
    assert revs[2].message == f"replaces r2 by {pg.conn.info.user}"
    assert pg.get(day, revision=1).areas["note"].tolist() == ["first", "first"]
    with pytest.raises(SnapshotNotFoundError, match="revisions are 1 to 3"):
        pg.get(day, revision=9)
    conn, schema = _raw(pg.url)
    with conn:
        ids = conn.execute(
            f'SELECT faction, id FROM "{schema}".control_areas ORDER BY faction'
        ).fetchall()
        assert pg.restore(day, 1) == 4
        assert pg.get(day) == _boxes(day, "first")
        # rows keep their ids across writes, so an open QGIS layer stays valid
        assert (
            conn.execute(
                f'SELECT faction, id FROM "{schema}".control_areas ORDER BY faction'
            ).fetchall()
            == ids
        )
    user = pg.conn.info.user
    assert pg.revisions(day)[-1].message == f"restore revision 1; replaces r3 by {user}"
    assert pg.revision_of(day) == 4 and pg.revision_of("2001-01-01") == 0


@pytest.mark.needs("postgis")
def test_overwrite_drops_factions_no_longer_present(pg):
    day = "2020-01-15"
    pg.add(_boxes(day))
    only_red = ControlSnapshot.from_areas(
        day, {"red": shapely.box(38.2, 32.5, 38.7, 33.0)}, theatre=THEATRE
    )
    assert pg.add(only_red, overwrite=True) == 2
    assert pg.get(day) == only_red and pg.get(day, revision=1).factions == ["black", "red"]
    assert [r.n_areas for r in pg.revisions(day)] == [2, 1]


@pytest.mark.needs("postgis")
def test_stale_expected_revision_is_a_conflict_and_overwrites_nothing(pg):
    day = "2020-01-15"
    pg.add(_boxes(day, "base"))
    pg.add(_boxes(day, "theirs"), expected_revision=1)
    with pytest.raises(
        ConflictError,
        match=r"based on revision 1, but revision 2 was written by \w+ \(tester\).*"
        r"--expected-revision 2020-01-15=2",
    ):
        pg.add(_boxes(day, "mine"), expected_revision=1)
    with pytest.raises(ConflictError):
        pg.add(_boxes("2020-01-16", "new"), expected_revision=3)
    assert pg.get(day).areas["note"].iloc[0] == "theirs"
    assert len(pg.revisions(day)) == 2 and "2020-01-16" not in pg
    assert pg.add(_boxes("2020-01-16", "new"), expected_revision=0) == 1


@pytest.mark.needs("postgis")
def test_add_many_is_all_or_nothing(pg):
    pg.add(_boxes("2020-01-02", "old"))
    with pytest.raises(SnapshotExistsError):
        pg.add_many([_boxes("2020-01-01"), _boxes("2020-01-02")])
    assert pg.dates() == [_boxes("2020-01-02").date]
    with pytest.raises(ConflictError):
        pg.add_many(
            [_boxes("2020-01-01"), _boxes("2020-01-02")], expected_revisions={"2020-01-02": 7}
        )
    assert len(pg) == 1


@pytest.mark.needs("postgis")
def test_invalid_snapshots_are_refused_before_writing(pg):
    bad = ControlSnapshot.from_areas(
        "2020-01-03",
        {"red": shapely.box(38.2, 32.5, 39, 33.5), "black": shapely.box(38.5, 32.6, 39.5, 33.6)},
    )
    with pytest.raises(OverlapError):
        pg.add(bad)
    assert pg.revision_of("2020-01-03") == 0


# -- no lost updates -------------------------------------------------------------------------------
def _writers(url, data_dir, n, work):
    from frontline.postgis import PostGISHistory

    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        with PostGISHistory.load(url, THEATRE, data_dir, author=f"writer-{i}") as h:
            h.dates()  # connect before the race
            try:
                results[i] = work(h, i, barrier)
            except Exception as exc:  # noqa: BLE001 - collected and checked below
                results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.needs("postgis")
def test_concurrent_writers_from_the_same_revision_one_wins(pg, pg_url, built_data_dir):
    day = "2020-01-20"
    pg.add(_boxes(day, "base"))
    n = 6

    def work(h, i, barrier):
        base = h.revision_of(day)
        barrier.wait()
        return h.add(_boxes(day, f"writer {i}"), expected_revision=base)

    results = _writers(pg_url, built_data_dir, n, work)
    wins = [r for r in results if isinstance(r, int)]
    assert all(isinstance(r, int | ConflictError) for r in results), results
    assert wins == [2]
    assert len(pg.revisions(day)) == 1 + len(wins)
    winner = results.index(2)
    assert pg.get(day).areas["note"].iloc[0] == f"writer {winner}"


@pytest.mark.needs("postgis")
def test_concurrent_read_modify_write_loses_no_update(pg, pg_url, built_data_dir):
    """Each writer appends its name to the note, retrying on conflict: every name survives."""
    day = "2020-01-20"
    pg.add(_boxes(day, ""))
    n = 6

    def work(h, i, barrier):
        barrier.wait()
        conflicts = 0
        while True:
            base = h.revision_of(day)
            snap = h.get(day)
            note = snap.areas["note"].iloc[0]
            edited = _boxes(day, (note + " " if note else "") + f"w{i}")
            try:
                return h.add(edited, expected_revision=base), conflicts
            except ConflictError:
                conflicts += 1

    results = _writers(pg_url, built_data_dir, n, work)
    assert all(isinstance(r, tuple) for r in results), results
    revs = sorted(r[0] for r in results)
    assert revs == list(range(2, n + 2))  # each write is its own revision
    assert len(pg.revisions(day)) == 1 + n
    assert sorted(pg.get(day).areas["note"].iloc[0].split()) == sorted(f"w{i}" for i in range(n))
    authors = {r.display_name for r in pg.revisions(day)[1:]}
    assert authors == {f"writer-{i}" for i in range(n)}


@pytest.mark.needs("postgis")
def test_concurrent_blind_overwrites_are_serialised(pg, pg_url, built_data_dir):
    day = "2020-01-21"
    n = 6

    def work(h, i, barrier):
        barrier.wait()
        return h.add(_boxes(day, f"w{i}"), overwrite=True)

    results = _writers(pg_url, built_data_dir, n, work)
    assert sorted(results) == list(range(1, n + 1)), results
    notes = {pg.get(day, revision=r).areas["note"].iloc[0] for r in range(1, n + 1)}
    assert notes == {f"w{i}" for i in range(n)}


# -- QGIS edits ------------------------------------------------------------------------------------
@pytest.mark.needs("postgis")
def test_qgis_style_edits_become_revisions_and_are_validated(
    pg, pg_url, cli_runner, built_data_dir
):
    import psycopg

    from frontline.cli import cli

    day = "2020-01-15"
    pg.add(_boxes(day, "drawn in frontline"))
    conn, schema = _raw(pg_url)
    with conn:
        # one QGIS "save": two feature edits in one transaction, through the default search_path
        with conn.transaction():
            conn.execute(
                f'UPDATE "{schema}".control_areas '
                "SET geom = ST_Multi(ST_MakeEnvelope(38.2, 32.5, 38.95, 33.0, 4326)) "
                "WHERE date = %s AND faction = 'red'",
                (day,),
            )
            conn.execute(
                f"UPDATE \"{schema}\".control_areas SET note = 'moved in QGIS' WHERE date = %s",
                (day,),
            )
        revs = pg.revisions(day)
        db_user = conn.execute("SELECT session_user").fetchone()[0]
        assert [(r.revision, r.author, r.display_name) for r in revs] == [
            (1, db_user, "tester"),
            (2, db_user, None),
        ]
        snap = pg.get(day)
        assert set(snap.areas["note"]) == {"moved in QGIS"}
        assert shapely.equals(snap.geometry_of("red"), shapely.box(38.2, 32.5, 38.95, 33.0))
        row = conn.execute(
            f'SELECT revision, valid_from, valid_to FROM "{schema}".control_areas '
            "WHERE date = %s LIMIT 1",
            (day,),
        ).fetchone()
        assert row[0] == 2 and row[1].isoformat() == day and row[2] is None
        # a new date digitised in QGIS; the earlier date's valid_to follows
        with conn.transaction():
            conn.execute(
                f'INSERT INTO "{schema}".control_areas (theatre, date, faction, geom) '
                "VALUES (%s, '2020-02-15', 'red', "
                "ST_Multi(ST_MakeEnvelope(38.2, 32.5, 38.6, 33.0, 4326)))",
                (THEATRE,),
            )
        assert [d.isoformat() for d in pg.dates()] == [day, "2020-02-15"]
        assert pg.get("2020-02-15").factions == ["red"]
        assert (
            conn.execute(
                f'SELECT DISTINCT valid_to FROM "{schema}".control_areas WHERE date = %s', (day,)
            )
            .fetchone()[0]
            .isoformat()
            == "2020-02-15"
        )
        # a bad edit: red now overlaps black
        with conn.transaction():
            conn.execute(
                f'UPDATE "{schema}".control_areas '
                "SET geom = ST_Multi(ST_MakeEnvelope(38.2, 32.5, 40.0, 33.8, 4326)) "
                "WHERE date = %s AND faction = 'red'",
                (day,),
            )
    with pytest.raises(OverlapError, match="2020-01-15"):
        pg.get(day)
    result = cli_runner.invoke(
        cli,
        [
            "store",
            "status",
            "--store",
            pg_url,
            "--theatre",
            THEATRE,
            "--data",
            str(built_data_dir),
            "--validate",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "2020-01-15" in result.output and "both claim" in result.output
    # audit and restore from the command line
    result = cli_runner.invoke(
        cli,
        [
            "store",
            "log",
            "--store",
            pg_url,
            "--theatre",
            THEATRE,
            "--data",
            str(built_data_dir),
            "--date",
            day,
        ],
    )
    assert (
        result.exit_code == 0
        and result.output.count("\n") == 3
        and result.output.startswith("  r1")
    )
    restore = [
        "store",
        "restore",
        "--store",
        pg_url,
        "--theatre",
        THEATRE,
        "--data",
        str(built_data_dir),
        "--date",
        day,
        "--revision",
        "2",
    ]
    # a restore based on a revision that is no longer current is a conflict: exit 3, no write
    result = cli_runner.invoke(cli, [*restore, "--expected-revision", f"{day}=2"])
    assert result.exit_code == 3, result.output
    assert pg.revision_of(day) == 3
    result = cli_runner.invoke(cli, [*restore, "--expected-revision", "2020-02-15=1"])
    assert result.exit_code == 2 and f"give --expected-revision {day}=N" in result.output
    result = cli_runner.invoke(cli, [*restore, "--expected-revision", f"{day}=3"])
    assert result.exit_code == 0 and "restored as revision 4" in result.output
    assert set(pg.get(day).areas["note"]) == {"moved in QGIS"}
    # deleting every area of a date in QGIS removes the date; its revisions stay
    conn, schema = _raw(pg_url)
    with conn:
        conn.execute(f"DELETE FROM \"{schema}\".control_areas WHERE date = '2020-02-15'")
    assert [d.isoformat() for d in pg.dates()] == [day]
    assert pg.get("2020-02-15", revision=1).factions == ["red"]
    conn, schema = _raw(pg_url)
    with conn, pytest.raises(psycopg.errors.RaiseException, match="DELETE the rows instead"):
        conn.execute(f'TRUNCATE "{schema}".control_areas')


@pytest.mark.needs("postgis")
def test_editors_cannot_rewrite_history(pg, pg_url, cli_runner, built_data_dir):
    """An editor role writes snapshots (and QGIS edits) but cannot touch the revision tables."""
    import psycopg

    from frontline.cli import cli
    from frontline.postgis import PostGISHistory
    from frontline.postgis_schema import split_url

    conninfo, schema = split_url(pg_url)
    role = f"ed_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(conninfo, autocommit=True) as admin:
        try:
            admin.execute(f"CREATE ROLE {role} LOGIN")
        except psycopg.Error as exc:
            pytest.skip(f"cannot create roles on this server: {exc}")
    try:
        pg.add(_boxes("2020-01-15", "by the owner"))
        result = cli_runner.invoke(cli, ["store", "grant", "--store", pg_url, "--role", role])
        assert result.exit_code == 0, result.output
        parts = urlsplit(pg_url)
        editor_url = urlunsplit(parts._replace(netloc=f"{role}@{parts.netloc.rsplit('@', 1)[-1]}"))
        with PostGISHistory.load(editor_url, THEATRE, built_data_dir) as h:
            assert h.add(_boxes("2020-01-15", "by the editor"), expected_revision=1) == 2
            assert h.revisions("2020-01-15")[-1].author == role
            conn = h.conn
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("DELETE FROM revisions")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("UPDATE area_revisions SET note = 'forged'")
        assert len(pg.revisions("2020-01-15")) == 2
    finally:
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute(
                f"REASSIGN OWNED BY {role} TO current_user; DROP OWNED BY {role}; DROP ROLE {role}"
            )


PYQGIS_EDIT = r"""
import faulthandler, json, os, sys
faulthandler.enable()
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from qgis.core import QgsApplication, QgsDataSourceUri, QgsGeometry, QgsVectorLayer, QgsWkbTypes
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()
conn, schema, theatre, day = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
uri = QgsDataSourceUri()
uri.setConnection(
    conn.get("host", ""), conn.get("port", ""), conn["dbname"], conn.get("user", ""),
    conn.get("password", ""),
)
uri.setDataSource(
    schema, "control_areas", "geom", f"\"theatre\" = '{theatre}' AND \"date\" = '{day}'", "id"
)
lyr = QgsVectorLayer(uri.uri(False), "control", "postgres")
out = {"valid": lyr.isValid()}
out["count"] = lyr.featureCount()
out["wkb"] = QgsWkbTypes.displayString(lyr.wkbType())
out["crs"] = lyr.crs().authid()
feats = {f["faction"]: f for f in lyr.getFeatures()}
lyr.startEditing()
red = feats["red"]
lyr.changeGeometry(red.id(), QgsGeometry.fromWkt(sys.argv[5]))
lyr.changeAttributeValue(red.id(), lyr.fields().indexOf("note"), "moved in QGIS")
out["commit"] = lyr.commitChanges()
lyr.reload()
out["after"] = {f["faction"]: [f["note"], f["revision"]] for f in lyr.getFeatures()}
print("RESULT" + json.dumps(out, default=str))
app.exitQgis()
"""


@pytest.mark.needs("postgis", "qgis")
def test_real_qgis_edits_the_store(pg, pg_url, tmp_path):
    """QGIS 3.22's postgres provider opens control_areas, and one save is one revision."""
    import json

    from psycopg.conninfo import conninfo_to_dict

    from frontline.postgis_schema import split_url

    day = "2020-01-15"
    pg.add(_boxes(day, "drawn in frontline"))
    conninfo, schema = split_url(pg_url)
    params = {k: str(v) for k, v in conninfo_to_dict(conninfo).items()}
    script = tmp_path / "edit.py"
    script.write_text(PYQGIS_EDIT, encoding="utf-8")
    wkt = "MultiPolygon(((38.2 32.5, 38.95 32.5, 38.95 33.0, 38.2 33.0, 38.2 32.5)))"
    proc = subprocess.run(
        [SYSTEM_PYTHON, str(script), json.dumps(params), schema, THEATRE, day, wkt],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=sandbox_env(tmp_path / "home", XDG_RUNTIME_DIR=str(tmp_path)),
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")), None)
    assert line is not None, proc.stdout + proc.stderr
    res = json.loads(line[len("RESULT") :])
    assert (
        res["valid"]
        and res["count"] == 2
        and res["wkb"] == "MultiPolygon"
        and res["crs"] == "EPSG:4326"
    )
    assert res["commit"] is True
    assert res["after"] == {"black": ["drawn in frontline", 2], "red": ["moved in QGIS", 2]}
    assert [r.revision for r in pg.revisions(day)] == [1, 2]
    snap = pg.get(day)
    assert shapely.equals(snap.geometry_of("red"), shapely.from_wkt(wkt))
    assert pg.get(day, revision=1) == _boxes(day, "drawn in frontline")


# -- push / pull -----------------------------------------------------------------------------------
@pytest.mark.needs("postgis")
def test_push_then_pull_is_byte_identical(pg_url, built_data_dir, synthetic_data_dir, cli_runner):
    from frontline.cli import cli

    src = built_data_dir / "control" / THEATRE
    originals = {p.name: p.read_bytes() for p in sorted(src.glob("*.geojson"))}
    assert len(originals) >= 3
    base = ["--store", pg_url, "--theatre", THEATRE]
    result = cli_runner.invoke(cli, ["store", "push", *base, "--data", str(built_data_dir)])
    assert result.exit_code == 0, result.output
    assert f"{len(originals)} added" in result.output
    assert (
        "reference data: 10 places, 12 observations" in result.output
    )  # conftest's synthetic CSVs
    conn, schema = _raw(pg_url)
    with conn:
        n = conn.execute(
            f'SELECT count(*) FROM "{schema}".observations o JOIN "{schema}".places p '
            "ON p.id = o.place "
            "WHERE ST_Equals(o.geom, p.geom)"
        ).fetchone()[0]
        assert n == 12
    result = cli_runner.invoke(
        cli, ["store", "push", *base, "--data", str(built_data_dir), "--json"]
    )
    assert (
        result.exit_code == 0 and '"unchanged"' in result.output and '"added": []' in result.output
    )

    dest = synthetic_data_dir / "control" / THEATRE
    result = cli_runner.invoke(cli, ["store", "pull", *base, "--data", str(synthetic_data_dir)])
    assert result.exit_code == 0, result.output
    assert {p.name: p.read_bytes() for p in sorted(dest.glob("*.geojson"))} == originals

    # a local edit is not clobbered without --overwrite
    first = sorted(dest.glob("*.geojson"))[0]
    edited = first.read_text(encoding="utf-8").replace('"note": ""', '"note": "local edit"', 1)
    assert edited != first.read_text(encoding="utf-8")
    first.write_text(edited, encoding="utf-8")
    result = cli_runner.invoke(cli, ["store", "pull", *base, "--data", str(synthetic_data_dir)])
    assert result.exit_code == 2 and "differ" in result.output and "--overwrite" in result.output
    assert first.read_text(encoding="utf-8") == edited
    # ... and pushing it is refused too, then accepted as a new revision with --overwrite
    result = cli_runner.invoke(cli, ["store", "push", *base, "--data", str(synthetic_data_dir)])
    assert result.exit_code == 2
    result = cli_runner.invoke(
        cli, ["store", "push", *base, "--data", str(synthetic_data_dir), "--overwrite"]
    )
    assert result.exit_code == 0 and "1 updated" in result.output
    result = cli_runner.invoke(
        cli, ["store", "pull", *base, "--data", str(built_data_dir), "--overwrite", "--dry-run"]
    )
    assert result.exit_code == 0 and "would pull: 0 added, 1 updated" in result.output
    assert (src / first.name).read_bytes() == originals[first.name]
    result = cli_runner.invoke(cli, ["store", "status", "--store", pg_url])
    assert result.exit_code == 0 and f"{THEATRE}: {len(originals)} dates" in result.output


def test_store_commands_need_a_postgis_url(cli_runner, built_data_dir, monkeypatch):
    from frontline.cli import cli

    monkeypatch.delenv("FRONTLINE_STORE", raising=False)
    result = cli_runner.invoke(cli, ["store", "push", "--data", str(built_data_dir)])
    assert result.exit_code == 2 and "postgresql://" in result.output
    result = cli_runner.invoke(cli, ["store", "init", "--store", str(built_data_dir)])
    assert result.exit_code == 2 and "not a postgresql:// URL" in result.output


@pytest.mark.needs("postgis")
def test_store_init_command(pg_server, cli_runner):
    from frontline.cli import cli

    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = _with_schema(pg_server, schema)
    try:
        result = cli_runner.invoke(cli, ["store", "init", "--store", url])
        assert result.exit_code == 0 and "applied migration(s) 0001" in result.output
        result = cli_runner.invoke(cli, ["store", "init"], env={"FRONTLINE_STORE": url})
        assert result.exit_code == 0 and "nothing to do" in result.output
    finally:
        _drop(pg_server, schema)


@pytest.mark.needs("postgis")
def test_database_diff_agrees_with_shapely(pg):
    from frontline.geo import geodesic_area_km2

    a, b = _boxes("2020-01-01", west=38.2), _boxes("2020-02-01", west=38.5)
    pg.add_many([a, b])
    got = pg.diff_km2("2020-01-01", "2020-02-01")
    lost = geodesic_area_km2([shapely.difference(a.geometry_of("red"), b.geometry_of("red"))])[0]
    assert got["red"][0] == pytest.approx(0, abs=1e-6)
    assert got["red"][1] == pytest.approx(lost, rel=1e-3)
    assert got["black"] == (pytest.approx(0, abs=1e-6), pytest.approx(0, abs=1e-6))


# -- shipped data ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped_store(pg_server):
    """Every shipped theatre's history pushed once into one store."""
    from frontline.backends import copy_history
    from frontline.postgis import PostGISHistory
    from frontline.postgis_schema import migrate
    from frontline.store import ControlHistory

    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = _with_schema(pg_server, schema)
    migrate(url)
    stores = {}
    for theatre_id in sorted({Path(p).parent.name for p in SHIPPED}):
        files = ControlHistory.load(theatre_id, ROOT / "geodata", validate=False)
        stores[theatre_id] = PostGISHistory(url, files.theatre, files.registry, validate=False)
        copy_history(files, stores[theatre_id])
    yield stores
    for h in stores.values():
        h.close()
    _drop(pg_server, schema)


@pytest.mark.needs("postgis")
@pytest.mark.parametrize(
    "path",
    SHIPPED
    or [
        pytest.param(
            None, marks=pytest.mark.skip(reason="no shipped snapshots in geodata/control/ yet")
        )
    ],
    ids=lambda p: "/".join(Path(p).parts[-2:]) if p else "none",
)
def test_shipped_snapshot_round_trips_byte_identical(shipped_store, path):
    p = Path(path)
    pulled = shipped_store[p.parent.name].get(p.stem)
    assert pulled.to_geojson() == p.read_text(encoding="utf-8")


@pytest.mark.needs("postgis")
def test_push_of_the_shipped_theatre_keeps_relative_places(pg_url, cli_runner):
    """Observations given as relative phrases ("70 km NE of At Tanf") push as derived points."""
    import csv

    from frontline.cli import cli
    from frontline.theatre import shipped_data_dir

    data = shipped_data_dir()
    theatre = "syria-iraq-2017"
    rows = [
        r
        for path in sorted((data / "observations" / theatre).glob("*.csv"))
        for r in csv.DictReader(path.open(encoding="utf-8"))
    ]
    assert any(" of " in r["place"] for r in rows), (
        "the shipped data should exercise relative places"
    )
    result = cli_runner.invoke(
        cli,
        [
            "store",
            "push",
            "--store",
            pg_url,
            "--theatre",
            theatre,
            "--data",
            str(data),
            "--dry-run",
        ],
    )
    assert result.exit_code == 0, result.output
    from frontline.backends import open_history
    from frontline.postgis_reference import push_reference_data

    history = open_history(pg_url, theatre, data)
    counts = push_reference_data(history, data)
    assert counts["observations"] == len(rows)
    conn, schema = _raw(pg_url)
    with conn:
        derived = conn.execute(
            f'SELECT count(*) FROM "{schema}".observations WHERE place LIKE %s', ("~%",)
        ).fetchone()[0]
    assert derived >= 1


@pytest.mark.needs("postgis")
def test_every_history_command_gives_the_same_answer_on_either_store(
    files, pg, pg_url, built_data_dir, cli_runner, tmp_path
):
    from frontline.cli import cli

    pg.add_many(list(files))
    first, last = (d.isoformat() for d in (files.dates()[0], files.dates()[-1]))
    base = ["--theatre", THEATRE, "--data", str(built_data_dir)]
    commands = [
        ["diff", first, last, "--format", "json"],
        ["timeline", "--format", "csv"],
        ["frontlines", "--date", last, "--format", "csv"],
        ["control", "show", last, "--json"],
        ["control", "validate"],
    ]
    for cmd in commands:
        on_files = cli_runner.invoke(cli, [*cmd, *base])
        on_pg = cli_runner.invoke(cli, [*cmd, *base, "--store", pg_url])
        assert on_files.exit_code == 0 and on_pg.exit_code == 0, (
            cmd,
            on_files.output,
            on_pg.output,
        )
        assert on_files.output == on_pg.output, cmd
    svg_files, svg_pg = tmp_path / "f.svg", tmp_path / "p.svg"
    for out, extra in ((svg_files, []), (svg_pg, ["--store", pg_url])):
        res = cli_runner.invoke(cli, ["render", "--date", last, "--out", str(out), *base, *extra])
        assert res.exit_code == 0, res.output
    assert svg_files.read_bytes() == svg_pg.read_bytes()
    res = cli_runner.invoke(
        cli, ["export", "--format", "csv", "--out", str(tmp_path / "csv"), *base, "--store", pg_url]
    )
    assert res.exit_code == 0, res.output
    # a build into the database refuses existing dates like the file store does
    res = cli_runner.invoke(cli, ["control", "build", *base, "--store", pg_url])
    assert res.exit_code == 2 and "--overwrite" in res.output
    res = cli_runner.invoke(cli, ["control", "build", *base, "--store", pg_url, "--overwrite"])
    assert res.exit_code == 0, res.output
    assert [s.to_geojson() for s in pg] == [s.to_geojson() for s in files]


@pytest.mark.needs("postgis")
def test_whole_history_functions_work_on_either_store(files, pg):
    from frontline.historycheck import validate_history
    from frontline.store import History, history_frame

    pg.add_many(list(files))
    assert isinstance(pg, History) and isinstance(files, History)
    a, b = validate_history(files), validate_history(pg)
    assert a.ok and b.ok and a.dates == b.dates
    assert history_frame(files).equals(history_frame(pg))


# -- basis and support (schema version 3) ----------------------------------------------------------
def _with_inferred(day: str) -> ControlSnapshot:
    """A snapshot whose red area is partly inferred, with a support report."""
    import geopandas as gpd

    from frontline.control import Support

    areas = gpd.GeoDataFrame(
        {
            "faction": ["red", "red", "black"],
            "basis": ["observed", "inferred", "observed"],
            "sources": [["Synthetic Times"], ["Synthetic Times"], ["Synthetic Post"]],
            "confidence": [1.0, 0.9, 0.8],
            "note": ["", "inferred: far from the place", ""],
        },
        geometry=[
            shapely.box(38.2, 32.5, 38.5, 33.0),
            shapely.box(38.5, 32.5, 38.9, 33.0),
            shapely.box(39.5, 33.5, 40.5, 34.0),
        ],
        crs="EPSG:4326",
    )
    snap = ControlSnapshot.from_areas(day, areas, theatre=THEATRE)
    return snap.replace(support=Support(15, 50, 90, 0.25, 0.5, 0.6))


@pytest.mark.needs("postgis")
def test_basis_and_support_round_trip(pg):
    snap = _with_inferred("2020-01-15")
    pg.add(snap)
    back = pg.get("2020-01-15")
    assert back.to_geojson() == snap.to_geojson()  # basis and support kept, byte for byte
    assert back.support == snap.support
    assert sorted(zip(back.areas.faction, back.areas.basis, strict=True)) == [
        ("black", "observed"), ("red", "inferred"), ("red", "observed"),
    ]  # fmt: skip
    gained, lost = pg.diff_km2("2020-01-15", "2020-01-15")["red"]
    assert gained == lost == 0  # a faction's two features are one area
    # an edit in QGIS makes a revision without a support report (it no longer applies)
    conn, schema = _raw(pg.url)
    with conn:
        conn.execute(
            f'UPDATE "{schema}".control_areas SET note = %s WHERE faction = %s AND basis = %s',
            ("edited", "black", "observed"),
        )
        rows = conn.execute(
            f'SELECT revision, basis, is_current FROM "{schema}".area_history '
            "WHERE faction = 'red' ORDER BY revision, basis"
        ).fetchall()
    assert pg.get("2020-01-15").support is None
    assert pg.get("2020-01-15", revision=1).support == snap.support
    assert rows == [(1, "inferred", False), (1, "observed", False),
                    (2, "inferred", True), (2, "observed", True)]  # fmt: skip
    # restoring the built revision brings its support report back
    pg.restore("2020-01-15", 1)
    assert pg.get("2020-01-15").to_geojson() == snap.to_geojson()


@pytest.mark.needs("postgis")
def test_a_populated_version_1_store_upgrades(pg_server, built_data_dir):
    """0001 → latest on a store with data: old rows become observed, revisions keep working."""
    import psycopg
    from psycopg import sql

    from frontline.postgis import PostGISHistory
    from frontline.postgis_schema import (
        latest_version,
        migrate,
        migrations,
        postgis_extension_schema,
        schema_version,
        set_search_path,
        split_url,
    )

    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = _with_schema(pg_server, schema)
    v1 = migrations()[0]
    assert v1.version == 1
    conninfo, _ = split_url(url)
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:  # a store as frontline 1 made it
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            conn.execute(
                sql.SQL(
                    "CREATE TABLE {}.schema_version (version integer PRIMARY KEY, "
                    "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
                ).format(sql.Identifier(schema))
            )
            set_search_path(conn, schema, postgis_extension_schema(conn))
            with conn.transaction():
                conn.execute(v1.sql)
                conn.execute("INSERT INTO schema_version VALUES (1, %s)", (v1.name,))
            for day, west in (("2020-01-01", 38.2), ("2020-01-01", 38.4), ("2020-02-01", 38.2)):
                snap = _boxes(day, west=west)
                with conn.transaction():  # one revision per write, as frontline 1 made them
                    conn.execute(
                        "DELETE FROM control_areas WHERE theatre = %s AND date = %s", (THEATRE, day)
                    )
                    for row in snap.areas.itertuples(index=False):
                        conn.execute(
                            "INSERT INTO control_areas (theatre, date, faction, sources, "
                            "confidence, note, geom) "
                            "VALUES (%s, %s, %s, %s, %s, %s, ST_GeomFromText(%s, 4326))",
                            (THEATRE, day, row.faction, list(row.sources), row.confidence,
                             row.note, row.geometry.wkt),
                        )  # fmt: skip
            assert schema_version(conn, schema) == 1
        applied = migrate(url)
        assert applied and applied[-1] == latest_version() and 3 in applied
        with PostGISHistory.load(url, THEATRE, built_data_dir, author="tester") as pg:
            assert [d.isoformat() for d in pg.dates()] == ["2020-01-01", "2020-02-01"]
            old = pg.get("2020-01-01")
            assert set(old.areas.basis) == {"observed"} and old.support is None
            assert old.to_geojson() == _boxes("2020-01-01", west=38.4).to_geojson()
            assert pg.get("2020-01-01", revision=1).to_geojson() == (
                _boxes("2020-01-01").to_geojson()
            )
            # the upgraded store takes inferred ground and a support report
            new = _with_inferred("2020-01-01")
            pg.add(new, overwrite=True)
            assert pg.get("2020-01-01").to_geojson() == new.to_geojson()
            revs = [r.revision for r in pg.revisions("2020-01-01")]
            pg.restore("2020-01-01", revs[-2])  # back to the pre-upgrade areas
            assert pg.get("2020-01-01").to_geojson() == old.to_geojson()
    finally:
        _drop(pg_server, schema)


def test_series_import_into_a_store_is_all_or_nothing_and_incremental(pg, tmp_path):
    """``import_series`` writes a folder of dated files into PostGIS like into files."""
    import json

    from frontline.seriesimport import import_series

    folder = tmp_path / "series"
    folder.mkdir()
    for day, west in (("2020-03-01", 38.2), ("2020-03-02", 38.4)):
        snap = _boxes(day, west=west)
        (folder / f"testland_{day.replace('-', '')}.geojson").write_text(
            snap.to_geojson(), encoding="utf-8"
        )
    before = set(pg.dates())
    report = import_series(pg, folder)
    assert [d.isoformat() for d in report.new] == ["2020-03-01", "2020-03-02"]
    assert set(pg.dates()) - before == {_boxes("2020-03-01").date, _boxes("2020-03-02").date}
    assert pg.get("2020-03-02") == _boxes("2020-03-02", west=38.4)
    # nothing new: nothing written (a store has no import record: the files are compared)
    again = import_series(pg, folder)
    assert again.new == () and len(again.unchanged) == 2
    # one bad file among new ones: refused, naming it, and nothing of the batch is written
    good = _boxes("2020-03-03", west=38.5)
    (folder / "testland_20200303.geojson").write_text(good.to_geojson(), encoding="utf-8")
    bowtie = {"type": "Polygon", "coordinates": [[[38.2, 32.5], [38.9, 33.0], [38.9, 32.5],
                                                  [38.2, 33.0], [38.2, 32.5]]]}  # fmt: skip
    bad = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"faction": "red"}, "geometry": bowtie}]}  # fmt: skip
    (folder / "testland_20200304.geojson").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(InvalidGeometryError, match="testland_20200304"):
        import_series(pg, folder)
    assert _boxes("2020-03-03").date not in set(pg.dates())
