"""The PostGIS store under concurrency and against each role (issue 15), on a real cluster.

Every write path compares and sets inside its transaction; the roles (reader, editor, owner, no
grant) have exactly their rights, from frontline and from direct SQL; migration 0002 upgrades a
populated 0001 store; a writer waiting on a lock gives up with a message naming the holder.
Commands run as real processes (``run_cli`` / ``race_cli`` in conftest.py).
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import shapely
from conftest import SYNTHETIC_THEATRE, drop_schema, race_cli, run_cli, with_schema

from frontline.control import ControlSnapshot
from frontline.errors import ConflictError, LockTimeoutError, PermissionDeniedError
from frontline.store import ControlHistory

pytestmark = pytest.mark.needs("postgis")
THEATRE = SYNTHETIC_THEATRE


def _snap(day: str, note: str, west: float = 38.2) -> ControlSnapshot:
    return ControlSnapshot.from_areas(
        day,
        {"red": shapely.box(west, 32.5, 38.9, 33.0), "black": shapely.box(39.5, 33.5, 40.5, 34.0)},
        theatre=THEATRE,
        sources=["Synthetic Times, 2020-01-01"],
        note=note,
    )


def _as(url: str, role: str) -> str:
    """The store URL connecting as *role* (trust authentication on the test cluster)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{role}@{parts.netloc.rsplit('@', 1)[-1]}"))


def _sql(url: str):
    """A plain autocommit connection with the store's schema first on the search path."""
    import psycopg

    from frontline.postgis_schema import split_url

    conninfo, schema = split_url(url)
    conn = psycopg.connect(conninfo, autocommit=True)
    conn.execute(f'SET search_path TO "{schema}", public')
    return conn


def _args(data: Path, url: str) -> list[str]:
    return ["--data", str(data), "--theatre", THEATRE, "--store", url]


@pytest.fixture
def roles(pg_server):
    """Create login roles (reader, editor, nobody) for one test; drop them afterwards."""
    import psycopg

    from frontline.postgis_schema import split_url

    made: list[str] = []
    conninfo = split_url(pg_server)[0]

    def make(kind: str) -> str:
        name = f"{kind}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(conninfo, autocommit=True) as admin:
            try:
                admin.execute(f"CREATE ROLE {name} LOGIN")
            except psycopg.Error as exc:
                pytest.skip(f"cannot create roles on this server: {exc}")
        made.append(name)
        return name

    yield make
    with psycopg.connect(conninfo, autocommit=True) as admin:
        for name in made:
            admin.execute(f"REASSIGN OWNED BY {name} TO current_user; DROP OWNED BY {name}")
            admin.execute(f"DROP ROLE {name}")


# -- compare-and-set on every write path -----------------------------------------------------------
def test_concurrent_pushes_of_a_new_date_one_wins_seven_conflict(pg_url, built_data_dir, tmp_path):
    """8 `store push` of a new date (no --overwrite), released together: 1 added, 7 exit 3."""
    r = run_cli("store", "push", "--history-only", *_args(built_data_dir, pg_url))
    assert r.returncode == 0, r.stderr
    n, day = 8, "2020-03-20"
    dirs = []
    for i in range(n):
        d = tmp_path / f"writer{i}"
        shutil.copytree(built_data_dir, d)
        ControlHistory.load(THEATRE, d).add(_snap(day, f"writer {i}"))
        dirs.append(d)
    commands = [["store", "push", "--history-only", *_args(d, pg_url)] for d in dirs]
    results = race_cli(commands, "frontline.postgis:PostGISHistory.versions", tmp_path / "sync")
    codes = [r.returncode for r in results]
    assert sorted(codes) == [0] + [3] * (n - 1), [(r.returncode, r.stderr[-300:]) for r in results]
    winner = codes.index(0)
    assert "1 added" in results[winner].stdout
    assert f"+ {day}  revision 1" in results[winner].stdout
    for r in results:
        if r.returncode == 3:
            assert "someone else" in r.stderr and day in r.stderr, r.stderr
            assert "nothing was written" in r.stderr and "Traceback" not in r.stderr
    from frontline.postgis import PostGISHistory

    with PostGISHistory.load(pg_url, THEATRE, built_data_dir) as h:
        assert [x.revision for x in h.revisions(day)] == [1]  # the losers wrote nothing
        assert h.get(day).areas["note"].iloc[0] == f"writer {winner}"


def test_push_with_expected_revision_is_a_safe_read_modify_write(pg_url, built_data_dir):
    args = _args(built_data_dir, pg_url)
    r = run_cli("store", "push", "--history-only", "--json", *args)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["revisions"] == {
        d: 1 for d in ("2020-01-01", "2020-02-01", "2020-03-01")
    }
    history = ControlHistory.load(THEATRE, built_data_dir)
    history.add(_snap("2020-02-01", "edit one"), overwrite=True)
    r = run_cli("store", "push", "--history-only", "--expected-revision", "2020-02-01=1", *args)
    assert r.returncode == 0, r.stderr
    assert "~ 2020-02-01  revision 2 (replaced r1 by" in r.stdout
    # a script that still believes revision 1 is current: conflict, nothing written
    history.add(_snap("2020-02-01", "edit two"), overwrite=True)
    r = run_cli("store", "push", "--history-only", "--expected-revision", "2020-02-01=1", *args)
    assert r.returncode == 3, r.stderr
    assert "2020-02-01: expected revision 1, but the store has 2" in r.stderr
    assert "nothing was copied" in r.stderr
    # without a revision or --overwrite a differing date is refused (exit 2)
    r = run_cli("store", "push", "--history-only", *args)
    assert r.returncode == 2 and "--overwrite" in r.stderr
    r = run_cli("store", "push", "--history-only", "--overwrite", "--json", *args)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["updated"] == ["2020-02-01"] and out["revisions"]["2020-02-01"] == 3
    assert out["replaced"]["2020-02-01"]["revision"] == 2
    r = run_cli("store", "log", "--date", "2020-02-01", *args)
    assert r.returncode == 0 and "replaces r2 by" in r.stdout
    r = run_cli("store", "push", "--history-only", "--expected-revision", "2020-02-01=x", *args)
    assert r.returncode == 2 and "DATE=REVISION" in r.stderr


def test_import_into_the_store_prints_and_checks_revisions(pg_url, built_data_dir, tmp_path):
    import geopandas as gpd

    drawn = tmp_path / "drawn.geojson"
    gpd.GeoDataFrame(
        {"faction": ["red"]}, geometry=[shapely.box(38.3, 32.5, 38.9, 33.0)], crs=4326
    ).to_file(drawn, driver="GeoJSON", engine="pyogrio")
    args = ["control", "import", str(drawn), "--date", "2020-02-01", *_args(built_data_dir, pg_url)]
    r = run_cli(*args)
    assert r.returncode == 0 and f"wrote {THEATRE} 2020-02-01 revision 1" in r.stdout, r.stderr
    r = run_cli(*args, "--expected-revision", "2020-02-01=1")
    assert r.returncode == 0 and "revision 2 (replaced r1 by" in r.stdout, r.stderr
    r = run_cli(*args, "--expected-revision", "2020-02-01=1")
    assert r.returncode == 3, r.stderr
    assert "based on revision 1, but revision 2 was written by" in r.stderr
    assert "--expected-revision 2020-02-01=2" in r.stderr
    r = run_cli(*args[:-2], "--data", str(built_data_dir), "--expected-revision", "2020-02-01=1")
    assert r.returncode == 2 and "PostGIS store" in r.stderr  # files compare content instead


def test_library_write_paths_compare_and_set(pg_url, built_data_dir):
    """add, add_many, restore: a pinned revision that moved is a conflict inside the transaction."""
    from frontline.postgis import PostGISHistory

    with (
        PostGISHistory.load(pg_url, THEATRE, built_data_dir) as a,
        PostGISHistory.load(pg_url, THEATRE, built_data_dir) as b,
    ):
        a.add(_snap("2020-01-10", "one"))
        a.expect()
        b.add(_snap("2020-01-10", "two"), overwrite=True)  # behind a's back
        with pytest.raises(ConflictError, match="based on revision 1, but revision 2"):
            a.add(_snap("2020-01-10", "three"), overwrite=True)
        with pytest.raises(ConflictError):
            a.restore("2020-01-10", 1)
        b.add(_snap("2020-01-11", "b was first"))
        with pytest.raises(ConflictError, match="someone else created this date"):
            a.add_many([_snap("2020-01-11", "a"), _snap("2020-01-12", "a")])
        assert "2020-01-12" not in [d.isoformat() for d in a.dates()]  # all or nothing
        assert [r.revision for r in a.revisions("2020-01-10")] == [1, 2]


# -- lock timeouts ---------------------------------------------------------------------------------
def test_a_writer_gives_up_on_a_held_lock_and_names_the_holder(pg_url, built_data_dir):
    from frontline.postgis import PostGISHistory

    with PostGISHistory.load(pg_url, THEATRE, built_data_dir) as h:
        h.add(_snap("2020-02-01", "base"))
    holder = _sql(pg_url)
    holder.execute("SET application_name = 'qgis session of alice'")
    try:
        holder.execute("BEGIN")
        holder.execute("SELECT frontline_lock(%s, %s)", (THEATRE, "2020-02-01"))
        with PostGISHistory.load(pg_url, THEATRE, built_data_dir, lock_timeout=0.5) as h:
            with pytest.raises(LockTimeoutError, match="is being written by .*qgis session"):
                h.add(_snap("2020-02-01", "mine"), overwrite=True)
        r = run_cli("store", "status", *_args(built_data_dir, pg_url))
        assert r.returncode == 0, r.stderr
        assert "lock: testland 2020-02-01 is being written by" in r.stdout
        assert "qgis session of alice" in r.stdout
        r = run_cli(
            "store", "push", "--history-only", "--overwrite", *_args(built_data_dir, pg_url),
            FRONTLINE_LOCK_TIMEOUT="1",
        )  # fmt: skip
        assert r.returncode == 3, r.stderr
        assert "is being written by" in r.stderr and "try again" in r.stderr
        assert "nothing was written" in r.stderr.lower()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    r = run_cli(
        "store", "push", "--history-only", "--overwrite", *_args(built_data_dir, pg_url),
        FRONTLINE_LOCK_TIMEOUT="1",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr


# -- roles -----------------------------------------------------------------------------------------
def test_each_role_has_exactly_its_rights(pg_url, built_data_dir, roles, tmp_path):
    """Owner, editor, reader and a role without grant, through frontline and through SQL."""
    import psycopg

    reader, editor, nobody = roles("reader"), roles("editor"), roles("nobody")
    owner_args = _args(built_data_dir, pg_url)
    assert run_cli("store", "push", "--history-only", *owner_args).returncode == 0
    for role, flag in ((reader, ["--read-only"]), (editor, [])):
        r = run_cli("store", "grant", "--store", pg_url, "--role", role, *flag)
        assert r.returncode == 0, r.stderr
    revisions_before = _count(pg_url, "revisions")

    # reader: reads; every write refused, by frontline and by SQL
    r = run_cli("control", "list", *_args(built_data_dir, _as(pg_url, reader)))
    assert r.returncode == 0 and "3 snapshot(s)" in r.stdout, r.stderr
    history = ControlHistory.load(THEATRE, built_data_dir)
    history.add(_snap("2020-02-15", "by someone"))
    r = run_cli("store", "push", "--history-only", *_args(built_data_dir, _as(pg_url, reader)))
    assert r.returncode == 1, r.stderr
    assert (
        "permission denied" in r.stderr and f"store grant --store URL --role {reader}" in r.stderr
    )
    assert "nothing was written" in r.stderr
    with _sql(_as(pg_url, reader)) as conn:
        for statement in (
            "SELECT frontline_record_revision('testland', '2099-01-01')",
            "SELECT frontline_lock('testland', '2099-01-01')",
            "INSERT INTO control_areas (theatre, date, faction, geom) VALUES ('testland', "
            "'2099-01-01', 'red', ST_Multi(ST_MakeEnvelope(38.2, 32.5, 38.6, 33.0, 4326)))",
            "INSERT INTO revisions (theatre, date, revision, author) "
            "VALUES ('testland', '2099-01-01', 1, 'owner')",
            "UPDATE snapshots SET author = 'forged'",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)

    # editor: writes snapshots; the author is the session user whatever the client says
    r = run_cli(
        "store", "push", "--history-only", *_args(built_data_dir, _as(pg_url, editor)),
        FRONTLINE_AUTHOR="The Owner",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    with _sql(_as(pg_url, editor)) as conn:
        row = conn.execute(
            "SELECT author, display_name FROM revisions WHERE date = '2020-02-15'"
        ).fetchone()
        assert row == (editor, "The Owner")
        conn.execute("SET frontline.author = 'postgres'")
        conn.execute("UPDATE control_areas SET note = 'edited' WHERE date = '2020-02-15'")
        row = conn.execute(
            "SELECT author, display_name FROM revisions WHERE date = '2020-02-15' "
            "ORDER BY revision DESC LIMIT 1"
        ).fetchone()
        assert row == (editor, "postgres")  # the display name is free text; the author is not
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="triggers only"):
            conn.execute("SELECT frontline_record_revision('testland', '2099-01-01')")
        for statement in (
            "DELETE FROM revisions",
            "UPDATE area_revisions SET note = 'forged'",
            "INSERT INTO snapshots (theatre, date, revision, author) "
            "VALUES ('testland', '2099-01-01', 1, 'x')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        conn.execute(
            "INSERT INTO observations (theatre, date, place, faction, author) "
            "VALUES ('testland', '2020-02-15', 'alpha', 'red', 'forged')"
        )
        assert conn.execute("SELECT author FROM observations").fetchall() == [(editor,)]

    # a role without a grant: told to ask for one (not "not initialised"), exit 1
    for command in (["control", "list"], ["store", "status"]):
        r = run_cli(*command, *_args(built_data_dir, _as(pg_url, nobody)))
        assert r.returncode == 1, (command, r.stdout, r.stderr)
        assert "permission denied" in r.stderr and "store grant" in r.stderr
        assert "not initialised" not in r.stdout + r.stderr
    schema = pg_url.rsplit("schema=", 1)[-1]
    with _sql(_as(pg_url, nobody)) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f'SELECT count(*) FROM "{schema}".control_areas')

    # nothing the reader or the nobody tried reached the audit trail
    assert not _rows(pg_url, "SELECT 1 FROM snapshots WHERE date = '2099-01-01'")
    assert _count(pg_url, "revisions") == revisions_before + 2  # the editor's push and edit

    # an editor granted --read-only becomes a reader
    r = run_cli("store", "grant", "--store", pg_url, "--role", editor, "--read-only")
    assert r.returncode == 0, r.stderr
    history.add(_snap("2020-02-15", "again"), overwrite=True)
    r = run_cli(
        "store", "push", "--history-only", "--overwrite",
        *_args(built_data_dir, _as(pg_url, editor)),
    )  # fmt: skip
    assert r.returncode == 1 and "permission denied" in r.stderr
    assert _rows(pg_url, "SELECT role, level FROM grants ORDER BY role") == sorted(
        [(editor, "reader"), (reader, "reader")]
    )
    # the owner may do everything
    r = run_cli("store", "push", "--history-only", "--overwrite", *owner_args)
    assert r.returncode == 0, r.stderr


def _rows(url: str, query: str) -> list[tuple]:
    with _sql(url) as conn:
        return conn.execute(query).fetchall()


def _count(url: str, table: str) -> int:
    return int(_rows(url, f"SELECT count(*) FROM {table}")[0][0])


def test_upgrading_a_populated_0001_store(pg_server, built_data_dir, roles):
    """0001 -> 0002: old revisions keep their free-text author; rights follow the new rules."""
    import psycopg

    from frontline.postgis import PostGISHistory
    from frontline.postgis_schema import latest_version, migrate, schema_version

    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = with_schema(pg_server, schema)
    try:
        assert migrate(url, upto=1) == [1]
        old_editor, old_reader = roles("v1editor"), roles("v1reader")
        with _sql(url) as conn:
            for role, extra in ((old_editor, True), (old_reader, False)):  # 0001's store grant
                conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}')
                conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {role}')
                if extra:
                    conn.execute(
                        f"GRANT INSERT, UPDATE, DELETE ON control_areas, places, observations "
                        f"TO {role}; GRANT INSERT ON theatres TO {role}; "
                        f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}'
                    )
            for who, note in (("Alice", "first"), ("Bob", "second")):
                with conn.transaction():
                    conn.execute("SELECT set_config('frontline.author', %s, true)", (who,))
                    conn.execute("DELETE FROM control_areas WHERE date = '2020-01-15'")
                    conn.execute(
                        "INSERT INTO control_areas (theatre, date, faction, note, geom) VALUES "
                        "('testland', '2020-01-15', 'red', %s, "
                        "ST_Multi(ST_MakeEnvelope(38.2, 32.5, 38.9, 33.0, 4326)))",
                        (note,),
                    )
            # under 0001 anyone could call the owner's function directly
            with _sql(_as(url, old_reader)) as reader_conn:
                reader_conn.execute("SELECT set_config('frontline.author', 'forger', false)")
                reader_conn.execute("SELECT frontline_record_revision('testland', '2099-01-01')")
            assert (
                conn.execute("SELECT count(*) FROM snapshots WHERE date = '2099-01-01'").fetchone()[
                    0
                ]
                == 1
            )
        with pytest.raises(Exception, match="schema version 1"):
            PostGISHistory.load(url, THEATRE, built_data_dir).dates()

        # 0002 and every later migration (0003 patches the function 0002 hardened: the
        # checks below show the protections survive it)
        assert migrate(url) == list(range(2, latest_version() + 1))
        with _sql(url) as conn:
            assert schema_version(conn, schema) == latest_version()
            revs = conn.execute(
                "SELECT revision, author, display_name FROM revisions WHERE date = '2020-01-15' "
                "ORDER BY revision"
            ).fetchall()
            assert revs == [(1, "Alice", None), (2, "Bob", None)]  # kept as written
            public = conn.execute(
                "SELECT count(*) FILTER (WHERE p.proacl IS NULL OR 0 IN "
                "(SELECT (aclexplode(p.proacl)).grantee)) FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s",
                (schema,),
            ).fetchone()[0]
            assert public == 0  # no function of the store is executable by PUBLIC
            assert conn.execute(
                "SELECT role, level FROM grants ORDER BY role"
            ).fetchall() == sorted([(old_editor, "editor"), (old_reader, "reader")])
        with PostGISHistory.load(url, THEATRE, built_data_dir, author="Carol") as h:
            h.add(_snap("2020-01-15", "third"), overwrite=True)
            last = h.revisions("2020-01-15")[-1]
            assert (last.revision, last.author, last.display_name) == (3, h.conn.info.user, "Carol")
            assert [r.who for r in h.revisions("2020-01-15")][:2] == ["Alice", "Bob"]
        with PostGISHistory.load(_as(url, old_editor), THEATRE, built_data_dir) as h:
            assert h.add(_snap("2020-01-15", "by the v1 editor"), expected_revision=3) == 4
            assert h.revisions("2020-01-15")[-1].author == old_editor
        with (
            _sql(_as(url, old_reader)) as reader_conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            reader_conn.execute("SELECT frontline_record_revision('testland', '2099-02-01')")
        assert migrate(url) == []  # idempotent
    finally:
        drop_schema(pg_server, schema)


# -- messages --------------------------------------------------------------------------------------
def test_an_invalid_row_is_named_by_date_and_faction(pg_url, built_data_dir, tmp_path):
    args = _args(built_data_dir, pg_url)
    assert run_cli("store", "push", "--history-only", *args).returncode == 0
    with _sql(pg_url) as conn:  # a QGIS user types a faction that does not exist
        conn.execute(
            "UPDATE control_areas SET faction = 'purple' "
            "WHERE date = '2020-02-01' AND faction = 'red'"
        )
    pulled = tmp_path / "pulled"
    shutil.copytree(built_data_dir, pulled)
    shutil.rmtree(pulled / "control")
    for command in (
        ["control", "list", *args],
        ["diff", "2020-01-01", "2020-02-01", *args],
        ["store", "pull", *_args(pulled, pg_url)],
    ):
        r = run_cli(*command)
        assert r.returncode == 2, (command, r.stderr)
        assert "2020-02-01" in r.stderr and "'purple'" in r.stderr, (command, r.stderr)
        assert "Usage:" not in r.stderr and "Traceback" not in r.stderr


def test_a_failed_write_says_nothing_was_written(pg_url, built_data_dir):
    with _sql(pg_url) as conn:
        conn.execute(
            "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'disk quota exceeded'; END $$; "
            "CREATE TRIGGER boom BEFORE INSERT ON control_areas "
            "FOR EACH ROW EXECUTE FUNCTION boom()"
        )
    r = run_cli("store", "push", "--history-only", *_args(built_data_dir, pg_url))
    assert r.returncode == 1, r.stderr
    assert "failed, so nothing was written" in r.stderr and "disk quota exceeded" in r.stderr
    assert _count(pg_url, "revisions") == 0


def test_permission_denied_from_the_library(pg_url, built_data_dir, roles):
    from frontline.postgis import PostGISHistory

    nobody = roles("nobody")
    with pytest.raises(PermissionDeniedError, match=f"--role {nobody}"):
        PostGISHistory.load(_as(pg_url, nobody), THEATRE, built_data_dir).dates()
