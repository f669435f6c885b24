"""The PostGIS store's database side: URLs, connections, schema migrations, roles, status.

The schema (``frontline/migrations/*.sql``, applied by :func:`migrate` / ``frontline store
init``) lives in one database schema, ``frontline`` unless the URL says ``?schema=NAME``.
:func:`grant` gives a team member's role its rights; :func:`store_status` summarises a store.

The driver, psycopg 3, is imported only when a store is opened (``pip install
frontline[postgis]``).
"""

from __future__ import annotations

import importlib.resources
import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from frontline.errors import InputError, StoreError

__all__ = [
    "DEFAULT_SCHEMA",
    "Migration",
    "connect",
    "grant",
    "is_postgis_url",
    "latest_version",
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


def schema_version(conn: Any, schema: str) -> int:
    """Return the store's schema version: 0 when it has none yet."""
    row = conn.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
        "AND table_name = 'schema_version'",
        (schema,),
    ).fetchone()
    if not row:
        return 0
    from psycopg import sql

    got = conn.execute(
        sql.SQL("SELECT max(version) FROM {}.schema_version").format(sql.Identifier(schema))
    ).fetchone()
    return int(got[0] or 0)


def migrate(url: str) -> list[int]:
    """Create or upgrade the store's schema; return the versions applied (empty when up to date).

    Creates the ``postgis`` extension when it is missing (that needs a database owner or
    superuser), the store's schema, and a ``schema_version`` table, then applies every
    migration newer than the recorded version, each in its own transaction.

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
            if mig.version <= current:
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
    return applied


def grant(url: str, role: str, read_only: bool = False) -> None:
    """Give a database role the rights of a team member on the store.

    Editors may read everything and write ``control_areas`` (what QGIS edits), ``places``,
    ``observations`` and ``theatres``; the revision tables stay append-only for them (a
    trigger running with the owner's rights writes them). Readers may only read.

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
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(s, r),
        sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(s, r),
    ]
    if not read_only:
        statements += [
            sql.SQL(
                "GRANT INSERT, UPDATE, DELETE ON {s}.control_areas, {s}.places, "
                "{s}.observations TO {r}"
            ).format(s=s, r=r),
            sql.SQL("GRANT INSERT ON {}.theatres TO {}").format(s, r),
            sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(s, r),
        ]
    conn = connect(url)
    try:
        with conn.transaction():
            for st in statements:
                conn.execute(st)
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
        "dates", "first", "last", "revisions", "last_author", "last_change"}]}``.
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
        return out
    finally:
        conn.close()
