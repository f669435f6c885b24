"""The PostGIS store's database side: URLs, connections, schema migrations, roles, status.

The schema (``frontline/migrations/*.sql``, applied by :func:`migrate` / ``frontline store
init``) lives in one database schema, ``frontline`` unless the URL says ``?schema=NAME``.
:func:`grant` gives a team member's role its rights; :func:`store_status` summarises a store.

The driver, psycopg 3, is imported only when a store is opened (``pip install
frontline[postgis]``).
"""

from __future__ import annotations

import importlib.resources
import json
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import shapely

from frontline.errors import InputError, PermissionDeniedError, StoreError
from frontline.geojson import normalise_geometry

if TYPE_CHECKING:
    from frontline.control import ControlSnapshot

__all__ = [
    "DEFAULT_SCHEMA",
    "Migration",
    "connect",
    "grant",
    "is_postgis_url",
    "latest_version",
    "lock_holders",
    "migrate",
    "migrations",
    "postgis_extension_schema",
    "psycopg_module",
    "redact",
    "schema_version",
    "set_search_path",
    "split_url",
    "store_status",
]

#: Database schema holding the store when the URL does not name one (``?schema=NAME``).
DEFAULT_SCHEMA = "frontline"


_URL_PREFIXES = ("postgresql://", "postgres://")


_MIGRATION = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")

#: Functions an editor executes (called by frontline and by the control_areas triggers).
EDITOR_FUNCTIONS = (
    "frontline_author()",
    "frontline_display_name()",
    "frontline_lock(text, date)",
    "frontline_record_revision(text, date)",
    "control_areas_before_row()",
    "control_areas_after_statement()",
    "control_areas_no_truncate()",
    "observations_before_row()",
)


def is_postgis_url(store: str | os.PathLike[str] | None) -> bool:
    """Whether *store* names a PostGIS store (``postgresql://…`` or ``postgres://…``)."""
    return isinstance(store, str) and store.lower().startswith(_URL_PREFIXES)


def psycopg_module() -> Any:
    """Return the psycopg module, or raise StoreError with the install command when missing."""
    try:
        import psycopg
    except ImportError:
        raise StoreError(
            "the PostGIS store needs the psycopg driver; install it with "
            "`pip install 'frontline[postgis]'` (or `pip install 'psycopg[binary]'`)"
        ) from None
    return psycopg


def split_url(url: str) -> tuple[str, str]:
    """Split a store URL into a libpq connection URL and the store's schema name.

    ``postgresql://user@host/db?schema=team1&sslmode=require`` gives
    ``("postgresql://user@host/db?sslmode=require", "team1")``.

    Raises
    ------
    InputError
        When the URL is not a PostgreSQL URL or the schema name is not a plain identifier.
    """
    if not is_postgis_url(url):
        raise InputError(
            f"{url!r} is not a PostGIS store URL; give postgresql://user@host/database"
        )
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = DEFAULT_SCHEMA
    kept = []
    for key, value in query:
        if key == "schema":
            schema = value
        else:
            kept.append((key, value))
    if not _IDENT.match(schema):
        raise InputError(
            f"schema {schema!r} in the store URL must be a plain identifier (letters, digits, _)"
        )
    return urlunsplit(parts._replace(query=urlencode(kept))), schema


def redact(url: str) -> str:
    """Return the URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


# -- migrations --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Migration:
    """One versioned SQL file of ``frontline/migrations``."""

    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """Return the schema migrations shipped with frontline, in version order."""
    out = []
    folder = importlib.resources.files(__package__ or "frontline").joinpath("migrations")
    for entry in folder.iterdir():
        m = _MIGRATION.match(entry.name)
        if m:
            out.append(Migration(int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    return sorted(out, key=lambda mig: mig.version)


def latest_version() -> int:
    """Return the schema version the installed frontline writes."""
    return migrations()[-1].version


def connect(url: str) -> Any:
    """Open an autocommit connection to the store at *url* (StoreError when it fails)."""
    psycopg = psycopg_module()
    conninfo, _ = split_url(url)
    try:
        return psycopg.connect(conninfo, autocommit=True, application_name="frontline")
    except psycopg.Error as exc:
        raise StoreError(f"cannot connect to {redact(url)}: {str(exc).strip()}") from None


def postgis_extension_schema(conn: Any) -> str | None:
    """Return the schema the ``postgis`` extension lives in, or None when it is not installed."""
    row = conn.execute(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'postgis'"
    ).fetchone()
    return row[0] if row else None


def set_search_path(conn: Any, schema: str, postgis_schema: str | None) -> None:
    """Point the connection's search path at the store's schema, then PostGIS's."""
    from psycopg import sql

    names = [schema] + ([postgis_schema] if postgis_schema and postgis_schema != schema else [])
    conn.execute(
        sql.SQL("SET search_path TO {}").format(sql.SQL(", ").join(map(sql.Identifier, names)))
    )


def permission_denied(url: str, conn: Any, exc: Exception, what: str) -> PermissionDeniedError:
    """Return the error for a read or write the database refused, naming the role and the fix.

    Parameters
    ----------
    url : str
        The store's URL (shown redacted).
    conn : psycopg connection or None
        The connection whose role was refused.
    exc : Exception
        The driver's ``InsufficientPrivilege`` error.
    what : str
        What was refused (``"read"``, ``"write"``).
    """
    user = conn.info.user if conn is not None else "this role"
    first = str(exc).strip().splitlines()[0]
    return PermissionDeniedError(
        f"{redact(url)}: permission denied ({first}): role {user!r} may not {what} "
        f"the store; nothing was written. Ask the store's owner to run `frontline store "
        f"grant --store URL --role {user}`"
    )


def _denied(conn: Any, what: str) -> PermissionDeniedError:
    user = conn.execute("SELECT current_user").fetchone()[0]
    return PermissionDeniedError(
        f"permission denied: role {user!r} may not {what}; ask the store's owner to run "
        f"`frontline store grant --store URL --role {user}` (add --read-only for reading only)"
    )


def schema_version(conn: Any, schema: str) -> int:
    """Return the store's schema version: 0 when it has none yet.

    Raises
    ------
    PermissionDeniedError
        When the store exists but the connected role was not granted access to it.
    """
    row = conn.execute(
        "SELECT has_schema_privilege(n.oid, 'USAGE'), "
        "(SELECT has_table_privilege(c.oid, 'SELECT') FROM pg_class c "
        "WHERE c.relnamespace = n.oid AND c.relname = 'schema_version') "
        "FROM pg_namespace n WHERE n.nspname = %s",
        (schema,),
    ).fetchone()
    if not row or row[1] is None:
        return 0
    if not row[0] or not row[1]:
        raise _denied(conn, f"read the frontline store in schema {schema!r}")
    from psycopg import sql

    got = conn.execute(
        sql.SQL("SELECT max(version) FROM {}.schema_version").format(sql.Identifier(schema))
    ).fetchone()
    return int(got[0] or 0)


def migrate(url: str, upto: int | None = None) -> list[int]:
    """Create or upgrade the store's schema; return the versions applied (empty when up to date).

    Creates the ``postgis`` extension when it is missing (that needs a database owner or
    superuser), the store's schema, and a ``schema_version`` table, then applies every
    migration newer than the recorded version, each in its own transaction. After an upgrade
    EXECUTE on the schema's functions is revoked from PUBLIC and the grants recorded by
    :func:`grant` are applied again, so objects added by the new migrations are covered.

    Parameters
    ----------
    url : str
        The store.
    upto : int, optional
        Apply migrations up to this version only (to test upgrades); default: all.

    Raises
    ------
    StoreError
        When the server cannot be reached, PostGIS cannot be created, a migration fails, or the
        database was set up by a newer frontline.
    """
    psycopg = psycopg_module()
    from psycopg import sql

    _, schema = split_url(url)
    conn = connect(url)
    applied = []
    try:
        if postgis_extension_schema(conn) is None:
            try:
                conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            except psycopg.Error as exc:
                raise StoreError(
                    f"{redact(url)}: PostGIS is not installed in this database and could not be "
                    f"created ({str(exc).strip()}); ask its owner to run CREATE EXTENSION postgis"
                ) from None
        pg_schema = postgis_extension_schema(conn)
        with conn.transaction():
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {}.schema_version (version integer PRIMARY KEY, "
                    "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
                ).format(sql.Identifier(schema))
            )
        current = schema_version(conn, schema)
        if current > latest_version():
            raise StoreError(
                f"{redact(url)} has schema version {current}, newer than this frontline knows "
                f"({latest_version()}); upgrade frontline"
            )
        set_search_path(conn, schema, pg_schema)
        for mig in migrations():
            if mig.version <= current or (upto is not None and mig.version > upto):
                continue
            try:
                with conn.transaction():
                    # a concurrent `store init` waits here, then finds the work done
                    conn.execute(
                        "SELECT pg_advisory_xact_lock(hashtext('frontline-migrate:' || %s))",
                        (schema,),
                    )
                    if schema_version(conn, schema) >= mig.version:
                        continue
                    conn.execute(mig.sql)
                    conn.execute(
                        "INSERT INTO schema_version (version, name) VALUES (%s, %s)",
                        (mig.version, mig.name),
                    )
            except psycopg.Error as exc:
                raise StoreError(
                    f"{redact(url)}: migration {mig.version:04d}_{mig.name}.sql "
                    f"failed: {str(exc).strip()}"
                ) from None
            applied.append(mig.version)
    finally:
        conn.close()
    if applied and applied[-1] >= 2:
        _secure_functions(url)
        for role, level in _recorded_grants(url):
            grant(url, role, read_only=level == "reader")
    return applied


def _secure_functions(url: str) -> None:
    """Revoke EXECUTE from PUBLIC on every function of the store's schema (not extensions')."""
    psycopg = psycopg_module()
    _, schema = split_url(url)
    conn = connect(url)
    try:
        rows = conn.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass "
            "AND d.objid = p.oid AND d.deptype = 'e')",
            (schema,),
        ).fetchall()
        from psycopg import sql

        with conn.transaction():
            for (fn,) in rows:
                conn.execute(sql.SQL("REVOKE ALL ON FUNCTION {} FROM PUBLIC").format(sql.SQL(fn)))
    except psycopg.Error as exc:
        raise StoreError(
            f"{redact(url)}: cannot revoke EXECUTE from PUBLIC: {str(exc).strip()}"
        ) from None
    finally:
        conn.close()


def _recorded_grants(url: str) -> list[tuple[str, str]]:
    from psycopg import sql

    _, schema = split_url(url)
    conn = connect(url)
    try:
        rows = conn.execute(
            sql.SQL(
                "SELECT g.role, g.level FROM {}.grants g JOIN pg_roles r ON r.rolname = g.role "
                "ORDER BY g.role"
            ).format(sql.Identifier(schema))
        ).fetchall()
    finally:
        conn.close()
    return [(r[0], r[1]) for r in rows]


def grant(url: str, role: str, read_only: bool = False) -> None:
    """Give a database role the rights of a team member on the store.

    Editors may read everything and write ``control_areas`` (what QGIS edits), ``places``,
    ``observations`` and ``theatres``, and execute frontline's functions; the revision tables
    stay append-only for them (a trigger running with the owner's rights writes them, with the
    session user as author). Readers may only read: no writes, no EXECUTE (granting
    ``--read-only`` to an editor takes the editor's rights back). Default privileges make
    tables added by later migrations readable; the role is recorded in the table ``grants``
    so upgrades re-apply its rights.

    Raises
    ------
    StoreError
        When the role does not exist or the connecting user may not grant.
    """
    psycopg = psycopg_module()
    from psycopg import sql

    if not _IDENT.match(role):
        raise InputError(f"role {role!r} must be a plain identifier (letters, digits, _)")
    _, schema = split_url(url)
    s, r = sql.Identifier(schema), sql.Identifier(role)
    functions = sql.SQL(", ").join(sql.SQL("{}.{}").format(s, sql.SQL(f)) for f in EDITOR_FUNCTIONS)
    written = sql.SQL("{s}.control_areas, {s}.places, {s}.observations").format(s=s)
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(s, r),
        sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(s, r),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(s, r),
    ]
    if read_only:
        statements += [
            sql.SQL("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(written, r),
            sql.SQL("REVOKE INSERT ON {}.theatres FROM {}").format(s, r),
            sql.SQL("REVOKE USAGE ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(s, r),
            sql.SQL("REVOKE EXECUTE ON FUNCTION {} FROM {}").format(functions, r),
        ]
    else:
        statements += [
            sql.SQL("GRANT INSERT, UPDATE, DELETE ON {} TO {}").format(written, r),
            sql.SQL("GRANT INSERT ON {}.theatres TO {}").format(s, r),
            sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(s, r),
            sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT USAGE ON SEQUENCES TO {}").format(
                s, r
            ),
            sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(functions, r),
        ]
    statements.append(
        sql.SQL(
            "INSERT INTO {}.grants (role, level) VALUES (%s, %s) ON CONFLICT (role) DO UPDATE "
            "SET level = EXCLUDED.level, granted_by = session_user, granted_at = now()"
        ).format(s)
    )
    conn = connect(url)
    try:
        if schema_version(conn, schema) < 2:
            raise StoreError(
                f"{redact(url)} holds no frontline store of schema version 2 or later in schema "
                f"{schema!r}; run `frontline store init --store URL` first"
            )
        with conn.transaction():
            for st in statements[:-1]:
                conn.execute(st)
            conn.execute(statements[-1], (role, "reader" if read_only else "editor"))
    except psycopg.Error as exc:
        raise StoreError(
            f"{redact(url)}: cannot grant rights to {role!r}: {str(exc).strip()}"
        ) from None
    finally:
        conn.close()


def store_status(url: str) -> dict[str, Any]:
    """Summary of a PostGIS store: schema version and, per theatre, dates and revisions.

    Returns
    -------
    dict
        ``{"url", "schema", "schema_version", "latest_version", "theatres": [{"theatre",
        "dates", "first", "last", "revisions", "last_author", "last_change"}], "locks":
        [...]}``; ``locks`` lists the writers holding a date's lock right now
        (:func:`lock_holders`).

    Raises
    ------
    PermissionDeniedError
        When the connected role was not granted access to the store.
    """
    _, schema = split_url(url)
    conn = connect(url)
    try:
        version = schema_version(conn, schema)
        out: dict[str, Any] = {
            "url": redact(url),
            "schema": schema,
            "schema_version": version,
            "latest_version": latest_version(),
            "theatres": [],
            "locks": [],
        }
        if version:
            set_search_path(conn, schema, postgis_extension_schema(conn))
            rows = conn.execute(
                "SELECT s.theatre, count(*) FILTER (WHERE s.n_areas > 0), "
                "min(s.date) FILTER (WHERE s.n_areas > 0), "
                "max(s.date) FILTER (WHERE s.n_areas > 0), "
                "(SELECT count(*) FROM revisions r WHERE r.theatre = s.theatre), "
                "max(s.updated_at), "
                "(SELECT author FROM snapshots x WHERE x.theatre = s.theatre "
                "ORDER BY updated_at DESC LIMIT 1) "
                "FROM snapshots s GROUP BY s.theatre ORDER BY s.theatre"
            ).fetchall()
            out["theatres"] = [
                {
                    "theatre": r[0],
                    "dates": int(r[1]),
                    "first": r[2],
                    "last": r[3],
                    "revisions": int(r[4]),
                    "last_change": r[5],
                    "last_author": r[6],
                }
                for r in rows
            ]
            out["locks"] = lock_holders(conn, schema)
        return out
    finally:
        conn.close()


def lock_holders(conn: Any, schema: str, theatre: str | None = None) -> list[dict[str, Any]]:
    """List the writers holding a theatre date's lock (``frontline_lock``) right now.

    Parameters
    ----------
    conn : psycopg connection
        With the store's schema on its search path.
    schema : str
        The store's schema.
    theatre : str, optional
        Only this theatre (default: every theatre of the store).

    Returns
    -------
    list of dict
        ``{"theatre", "date", "pid", "user", "application"}`` per lock held; ``application``
        is what the writer said about itself (frontline says who and since when).
    """
    import datetime as _dt

    rows = conn.execute(
        "WITH t AS (SELECT id FROM theatres UNION SELECT DISTINCT theatre FROM snapshots) "
        "SELECT t.id, l.objid::bigint, l.pid, a.usename, a.application_name FROM t "
        "JOIN pg_locks l ON l.locktype = 'advisory' AND l.objsubid = 2 AND l.granted "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.classid = hashtext('frontline:' || %s || ':' || t.id)::oid "
        "LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE %s::text IS NULL OR t.id = %s ORDER BY 1, 2",
        (schema, theatre, theatre),
    ).fetchall()
    out = []
    for tid, objid, pid, user, app in rows:
        offset = int(objid) - (1 << 32) if int(objid) >= (1 << 31) else int(objid)
        out.append(
            {
                "theatre": tid,
                "date": _dt.date(2000, 1, 1) + _dt.timedelta(days=offset),
                "pid": int(pid),
                "user": user or "?",
                "application": app or "",
            }
        )
    return out


# -- snapshots as control_areas rows ------------------------------------------------------
def _as_list(value: Any) -> list[str]:
    """Return a sources cell (None, NaN, text or a sequence) as a list of strings."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]


def snapshot_rows(
    snapshot: ControlSnapshot,
) -> tuple[list, list, list, list, list, list, str | None]:
    """Return a snapshot's non-empty areas as ``control_areas`` column arrays, and its support.

    The arrays are factions, sources (JSON), confidences, notes, WKB geometries and bases;
    the support report is JSON text (None when the snapshot has none).
    """
    areas = snapshot.sorted_areas()
    geoms = np.array([normalise_geometry(g) for g in areas.geometry.values], dtype=object)
    keep = ~shapely.is_empty(geoms) if len(geoms) else np.zeros(0, dtype=bool)
    return (
        [str(f) for f in areas["faction"].values[keep]],
        [json.dumps(sorted(str(s) for s in _as_list(v))) for v in areas["sources"].values[keep]],
        [float(c) for c in areas["confidence"].values[keep]],
        [str(n or "") for n in areas["note"].values[keep]],
        list(shapely.to_wkb(geoms[keep])) if keep.any() else [],
        [str(b) for b in areas["basis"].values[keep]],
        json.dumps(snapshot.support.to_dict()) if snapshot.support is not None else None,
    )


def rows_to_areas(rows: list[tuple]) -> Any:
    """Build a snapshot's areas from (faction, sources, confidence, note, wkb, basis) rows."""
    import geopandas as gpd

    geoms: Any = (
        shapely.from_wkb(np.array([bytes(r[4]) for r in rows], dtype=object)) if rows else []
    )
    return gpd.GeoDataFrame(
        {
            "faction": [r[0] for r in rows],
            "basis": [r[5] if len(r) > 5 else "observed" for r in rows],
            "sources": [list(r[1] or []) for r in rows],
            "confidence": [float(r[2]) for r in rows],
            "note": [r[3] or "" for r in rows],
        },
        geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"),
        crs="EPSG:4326",
    )
