"""Control history in a shared PostGIS database, for teams (and QGIS) editing together.

:class:`PostGISHistory` has the interface of :class:`frontline.store.ControlHistory` (``dates``,
``get``, ``at``, iteration, ``pairs``, ``add``) plus what a shared store needs:

* **revisions** -- every write (from frontline or from a QGIS save) is kept as a numbered
  revision of its theatre and date; :meth:`PostGISHistory.revisions` lists them and
  :meth:`PostGISHistory.restore` brings one back (as a new revision).
* **no lost updates** -- writers of one theatre and date are serialised by a transaction-level
  advisory lock, and every write compares and sets inside the transaction:
  ``add(snapshot, expected_revision=N)`` (or the revisions pinned by
  :meth:`PostGISHistory.expect`) refuses with :class:`~frontline.errors.ConflictError` when
  someone else wrote revision N+1 first, and a new date that someone else created first is a
  conflict too. A writer waits for another's lock at most ``lock_timeout`` seconds
  (:class:`~frontline.errors.LockTimeoutError`, naming the holder).
* **authors that cannot be forged** -- a revision's author is the database session user; the
  free text of ``$FRONTLINE_AUTHOR`` is kept beside it as ``display_name``.

The schema (``frontline/migrations/*.sql``, applied by
:func:`frontline.postgis_schema.migrate` / ``frontline store init``) lives in one database
schema, ``frontline`` unless the URL says ``?schema=NAME``.
QGIS edits the table ``control_areas`` directly; triggers record its edits as revisions.

The driver, psycopg 3, is imported only when a store is opened (``pip install
frontline[postgis]``). Geometries travel as WKB, converted with shapely's vectorised
functions.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from frontline.control import ControlSnapshot, Support
from frontline.dates import parse_date
from frontline.errors import (
    ConflictError,
    DataFileError,
    InputError,
    LockTimeoutError,
    PermissionDeniedError,
    SnapshotExistsError,
    SnapshotNotFoundError,
    StoreError,
)
from frontline.factions import FactionRegistry
from frontline.folderwrite import lock_timeout as default_lock_timeout
from frontline.history import HistoryBase, Version
from frontline.postgis_schema import DEFAULT_SCHEMA as DEFAULT_SCHEMA
from frontline.postgis_schema import Migration as Migration
from frontline.postgis_schema import (
    connect,
    latest_version,
    lock_holders,
    permission_denied,
    postgis_extension_schema,
    psycopg_module,
    redact,
    rows_to_areas,
    schema_version,
    set_search_path,
    snapshot_rows,
    split_url,
)
from frontline.postgis_schema import grant as grant
from frontline.postgis_schema import is_postgis_url as is_postgis_url
from frontline.postgis_schema import migrate as migrate
from frontline.postgis_schema import migrations as migrations
from frontline.postgis_schema import store_status as store_status
from frontline.theatre import Theatre

_UPSERT = (
    "ON CONFLICT (theatre, date, faction, basis) DO UPDATE SET sources = EXCLUDED.sources, "
    "confidence = EXCLUDED.confidence, note = EXCLUDED.note, geom = EXCLUDED.geom"
)


# -- the history -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Revision:
    """One stored revision of a theatre's snapshot on one date."""

    theatre: str
    date: _dt.date
    revision: int
    author: str
    created_at: _dt.datetime
    message: str
    n_areas: int
    is_current: bool
    display_name: str | None = None

    @property
    def who(self) -> str:
        """The author, with the display name the writer gave beside it ("alice (Alice S.)")."""
        if self.display_name and self.display_name != self.author:
            return f"{self.author} ({self.display_name})"
        return self.author


class PostGISHistory(HistoryBase):
    """The dated control snapshots of one theatre in a PostGIS store.

    Parameters
    ----------
    url : str
        ``postgresql://user[:password]@host[:port]/database[?schema=NAME&sslmode=…]``. Any libpq
        parameter works (``host=/path`` for a unix socket); ``schema`` names the database schema
        of the store (default ``frontline``).
    theatre : Theatre or str
        The theatre (a :class:`~frontline.theatre.Theatre` validates extents; a bare id does not).
    registry : FactionRegistry, optional
        Validates factions on read and write.
    validate : bool, default True
        Validate every snapshot read and written, as the file store does.
    author : str, optional
        A display name recorded beside each revision's author (the database session user,
        which is what rights are checked against); default ``$FRONTLINE_AUTHOR``.
    lock_timeout : float, optional
        Seconds a writer waits for another writer of the same date (default
        ``$FRONTLINE_LOCK_TIMEOUT`` or 30), then :class:`~frontline.errors.LockTimeoutError`.

    Examples
    --------
    >>> url = "postgresql://analyst@db/frontline"
    >>> h = PostGISHistory.load(url, "syria-iraq-2017")  # doctest: +SKIP
    >>> rev = h.revision_of("2017-06-15")  # doctest: +SKIP
    >>> # ConflictError if someone else wrote that date first:
    >>> h.add(edited, expected_revision=rev)  # doctest: +SKIP
    """

    def __init__(
        self,
        url: str,
        theatre: Theatre | str,
        registry: FactionRegistry | None = None,
        validate: bool = True,
        author: str | None = None,
        lock_timeout: float | None = None,
    ) -> None:
        self.url = url
        self._conninfo, self.schema = split_url(url)
        if isinstance(theatre, str):
            self.theatre, self._theatre_id = None, theatre
        else:
            self.theatre, self._theatre_id = theatre, theatre.id
        self.registry = registry
        self.validate = validate
        self.author = author or os.environ.get("FRONTLINE_AUTHOR") or None
        self.lock_timeout = lock_timeout
        #: ``{date: (revision, author)}`` of the live snapshots the last write replaced.
        self.replaced: dict[_dt.date, tuple[int, str]] = {}
        self._conn: Any = None

    @classmethod
    def load(
        cls,
        url: str,
        theatre_id: str | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        validate: bool = True,
        author: str | None = None,
        lock_timeout: float | None = None,
    ) -> PostGISHistory:
        """Open the history of a theatre (defined in a data directory) in a PostGIS store."""
        theatre = Theatre.load(theatre_id, data_dir)
        registry = FactionRegistry.load(theatre.data_dir)
        return cls(url, theatre, registry, validate, author, lock_timeout)

    @property
    def theatre_id(self) -> str:
        """Id of the theatre."""
        return self._theatre_id

    # -- connection ------------------------------------------------------------------------
    @property
    def conn(self) -> Any:
        """The open psycopg connection (opened, and the schema checked, on first use)."""
        if self._conn is None or self._conn.closed:
            conn = connect(self.url)
            version = schema_version(conn, self.schema)
            if version == 0:
                conn.close()
                raise StoreError(
                    f"{redact(self.url)} holds no frontline store in schema {self.schema!r}; "
                    f"create it with `frontline store init --store URL`"
                )
            if version < latest_version():
                conn.close()
                raise StoreError(
                    f"{redact(self.url)} has schema version {version}; this frontline needs "
                    f"{latest_version()}: run `frontline store init --store URL` to upgrade it"
                )
            set_search_path(conn, self.schema, postgis_extension_schema(conn))
            self._conn = conn
        return self._conn

    def close(self) -> None:
        """Close the database connection (reopened on next use)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> PostGISHistory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _query(self, query: str, params: tuple = ()) -> list[tuple]:
        psycopg = psycopg_module()
        try:
            return self.conn.execute(query, params).fetchall()
        except psycopg.errors.InsufficientPrivilege as exc:
            raise self.denied(exc, "read") from None
        except psycopg.Error as exc:
            raise StoreError(f"{redact(self.url)}: {str(exc).strip()}") from None

    def denied(self, exc: Exception, what: str) -> PermissionDeniedError:
        """Return the error for a refused read or write, naming the role and the fix."""
        return permission_denied(self.url, self._conn, exc, what)

    # -- listing ---------------------------------------------------------------------------
    def dates(self) -> list[_dt.date]:
        """Dates with a current snapshot (at least one area), ascending."""
        rows = self._query(
            "SELECT date FROM snapshots WHERE theatre = %s AND n_areas > 0 ORDER BY date",
            (self.theatre_id,),
        )
        return [r[0] for r in rows]

    def __len__(self) -> int:
        return len(self.dates())

    def __contains__(self, date: object) -> bool:
        try:
            day = parse_date(date)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001
            return False
        return bool(
            self._query(
                "SELECT 1 FROM snapshots WHERE theatre = %s AND date = %s AND n_areas > 0",
                (self.theatre_id, day),
            )
        )

    def path_for(self, date: _dt.date | str) -> str:
        """Where the snapshot for *date* lives (a label: URL, table, theatre and date)."""
        return (
            f"{redact(self.url)}#{self.schema}.control_areas"
            f"?theatre={self.theatre_id}&date={parse_date(date)}"
        )

    def versions(self) -> dict[_dt.date, Version]:
        """Return the current revision of every date ever written (deleted dates included)."""
        rows = self._query(
            "SELECT date, revision FROM snapshots WHERE theatre = %s", (self.theatre_id,)
        )
        return {r[0]: int(r[1]) for r in rows}

    def revision_of(self, date: _dt.date | str) -> int:
        """Return the current revision of the snapshot of *date*; 0 when it was never written."""
        rows = self._query(
            "SELECT revision FROM snapshots WHERE theatre = %s AND date = %s",
            (self.theatre_id, parse_date(date)),
        )
        return int(rows[0][0]) if rows else 0

    def revisions(self, date: _dt.date | str) -> list[Revision]:
        """Every revision of the snapshot of *date*, oldest first (empty when never written)."""
        day = parse_date(date)
        rows = self._query(
            "SELECT r.revision, r.author, r.created_at, r.message, r.n_areas, "
            "r.revision = s.revision, r.display_name "
            "FROM revisions r JOIN snapshots s USING (theatre, date) "
            "WHERE r.theatre = %s AND r.date = %s ORDER BY r.revision",
            (self.theatre_id, day),
        )
        return [
            Revision(self.theatre_id, day, int(r[0]), r[1], r[2], r[3], int(r[4]), bool(r[5]), r[6])
            for r in rows
        ]

    # -- reading ---------------------------------------------------------------------------
    def get(
        self,
        date: _dt.date | str,
        revision: int | None = None,
        *,
        validate: bool | None = None,
    ) -> ControlSnapshot:
        """Return the snapshot of exactly *date* (current revision, or the *revision* asked for).

        The current revision is validated when the store validates (or *validate* says so);
        an old *revision* is returned as stored.

        Raises
        ------
        SnapshotNotFoundError
            When there is none; the message lists the nearest dates (or revisions).
        """
        day = parse_date(date)
        if revision is None:
            if day not in self:
                raise SnapshotNotFoundError(f"no snapshot on {day}; {self._dates_hint(day)}")
            rows = self._query(
                "SELECT faction, sources, confidence, note, ST_AsBinary(geom), basis "
                "FROM control_areas WHERE theatre = %s AND date = %s ORDER BY faction, basis",
                (self.theatre_id, day),
            )
        else:
            known = [r.revision for r in self.revisions(day)]
            if revision not in known:
                raise SnapshotNotFoundError(
                    f"no revision {revision} of {self.theatre_id} {day}; "
                    + (
                        f"revisions are 1 to {max(known)}"
                        if known
                        else "that date was never written"
                    )
                )
            rows = self._query(
                "SELECT faction, sources, confidence, note, ST_AsBinary(geom), basis "
                "FROM area_revisions WHERE theatre = %s AND date = %s AND revision = %s "
                "ORDER BY faction, basis",
                (self.theatre_id, day, revision),
            )
        support = self._query(
            "SELECT r.support FROM revisions r WHERE r.theatre = %s AND r.date = %s AND "
            "r.revision = coalesce(%s, (SELECT s.revision FROM snapshots s "
            "WHERE s.theatre = %s AND s.date = %s))",
            (self.theatre_id, day, revision, self.theatre_id, day),
        )
        snap = ControlSnapshot(
            day,
            rows_to_areas(rows),
            self.theatre_id,
            Support.from_dict(support[0][0]) if support and support[0][0] else None,
        )
        if (self.validate if validate is None else validate) and revision is None:
            try:
                snap = snap.validate(self.registry, self.theatre)
            except InputError as exc:  # name the row: a QGIS edit may have broken it
                if day.isoformat() not in str(exc):
                    exc.args = (f"{self.path_for(day)}: {exc}", *exc.args[1:])
                raise
        return snap

    def at(self, date: _dt.date | str) -> ControlSnapshot:
        """Return the situation as of *date*: the latest snapshot up to it (with its own date)."""
        day = parse_date(date)
        rows = self._query(
            "SELECT max(date) FROM snapshots WHERE theatre = %s AND date <= %s AND n_areas > 0",
            (self.theatre_id, day),
        )
        if not rows or rows[0][0] is None:
            raise SnapshotNotFoundError(f"no snapshot on or before {day}; {self._dates_hint(day)}")
        return self.get(rows[0][0])

    def _empty_hint(self) -> str:
        return (
            f"the history of {self.theatre_id} in {redact(self.url)} is empty "
            "(push or add snapshots first)"
        )

    # -- writing ---------------------------------------------------------------------------
    _replaced_note = "the old ones stay as revisions"

    def _location(self) -> str:
        return f"{redact(self.url)} (theatre {self.theatre_id})"

    def add(
        self,
        snapshot: ControlSnapshot,
        overwrite: bool = False,
        repair: bool = False,
        expected_revision: int | None = None,
        message: str = "",
        describe: Any = None,
    ) -> int:
        """Validate and store a snapshot as a new revision; return its revision number.

        Parameters
        ----------
        snapshot : ControlSnapshot
        overwrite : bool, default False
            Replace the current snapshot of that date (the old one stays as a revision, and the
            new revision's message names the revision and author it replaced).
        repair : bool, default False
            Repair invalid geometries instead of raising.
        expected_revision : int, optional
            The revision the caller's edit is based on (0: the date must not exist yet). When
            given, the write happens only if that is still the current revision -- the
            optimistic check that prevents lost updates; it implies *overwrite*.
        message : str
            Recorded with the revision.
        describe : callable, optional
            ``describe(lon, lat)`` naming locations in validation messages.

        Raises
        ------
        ConflictError
            When *expected_revision* is no longer current (another writer came first), the
            date was created by someone else meanwhile, or a concurrent writer deadlocked with
            this one; nothing was written.
        LockTimeoutError
            When another writer holds the date longer than the lock timeout.
        SnapshotExistsError
            When the date exists and neither *overwrite* nor *expected_revision* is given.
        """
        expected = None if expected_revision is None else {snapshot.date: expected_revision}
        return self.add_many([snapshot], overwrite, repair, describe, expected, message)[0]

    def add_many(
        self,
        snapshots: Any,
        overwrite: bool = False,
        repair: bool = False,
        describe: Any = None,
        expected_revisions: dict[_dt.date, int] | None = None,
        message: str = "",
        *,
        expected: Mapping[_dt.date, Version] | None = None,
        validated: bool = False,
    ) -> list[int]:
        """Validate and store several snapshots in one transaction: all of them or none.

        Parameters are those of :meth:`add`; *expected_revisions* (or *expected*, the name
        every store takes) maps dates to the revision each edit is based on, beside the
        revisions pinned by :meth:`expect`; *validated* says the caller validated the
        snapshots against this store's registry and theatre (they are not validated again).
        Every comparison happens inside the transaction, under each date's lock. Returns the
        new revision numbers, in date order;
        :attr:`replaced` then names the live revisions that were replaced.

        Raises
        ------
        ConflictError, LockTimeoutError, SnapshotExistsError
            As :meth:`add`, for any of the dates; nothing is written.
        DataFileError
            When two snapshots have the same date.
        """
        snaps = sorted(snapshots, key=lambda s: s.date)
        days = [s.date for s in snaps]
        if len(set(days)) != len(days):
            dup = sorted({d.isoformat() for d in days if days.count(d) > 1})
            raise DataFileError(f"several snapshots for {', '.join(dup)}; give one per date")
        given = {
            parse_date(k): v for k, v in {**(expected_revisions or {}), **(expected or {})}.items()
        }
        want = {d: int(v or 0) for d, v in self._expected_for(days, given).items()}
        explicit = self._given(given)
        self.check_writable(self._to_check(days, explicit), overwrite)
        payloads = []
        for snap in snaps:
            if self.validate and not validated:
                snap = snap.validate(self.registry, self.theatre, repair=repair, describe=describe)
            payloads.append((snap.date, snapshot_rows(snap)))

        def write(cur: Any, day: _dt.date, current: int, payload: tuple) -> None:
            live = current > 0 and self._live(cur, day)
            if day in want:
                if current != want[day]:
                    raise ConflictError(self._conflict_message(cur, day, want[day], current))
            elif live and not overwrite:
                raise ConflictError(self._conflict_message(cur, day, None, current))
            if live:
                self._note_replaced(cur, day, current, message)
            # the revision the triggers record carries the build's support report (or none)
            cur.execute("SELECT set_config('frontline.support', %s, true)", (payload[6] or "",))
            # rows keep their ids (QGIS sessions with the layer open keep pointing at them)
            keys = [f"{f}/{b}" for f, b in zip(payload[0], payload[5], strict=True)]
            cur.execute(
                "DELETE FROM control_areas WHERE theatre = %s AND date = %s AND NOT "
                "(faction || '/' || basis = ANY(%s::text[]))",
                (self.theatre_id, day, keys),
            )
            cur.execute(
                "INSERT INTO control_areas "
                "(theatre, date, faction, sources, confidence, note, geom, basis) "
                "SELECT %s, %s, u.f, ARRAY(SELECT jsonb_array_elements_text(u.s::jsonb)), "
                "u.c, u.n, ST_GeomFromWKB(u.g, 4326), u.b "
                "FROM unnest(%s::text[], %s::text[], %s::float8[], %s::text[], %s::bytea[], "
                "%s::text[]) AS u(f, s, c, n, g, b) " + _UPSERT,
                (self.theatre_id, day, *payload[:6]),
            )

        return self._write(payloads, write, message)

    def restore(
        self,
        date: _dt.date | str,
        revision: int,
        expected_revision: int | None = None,
        message: str = "",
    ) -> int:
        """Make an old revision of *date* current again, as a new revision; return its number.

        Raises
        ------
        SnapshotNotFoundError
            When that revision does not exist.
        ConflictError
            When *expected_revision* is given (or pinned by :meth:`expect`) and no longer
            current.
        """
        day = parse_date(date)
        if revision not in [r.revision for r in self.revisions(day)]:
            self.get(day, revision)  # raises with the list of revisions
        want = self._expected_for(
            [day], None if expected_revision is None else {day: expected_revision}
        )
        note = message or f"restore revision {revision}"

        def write(cur: Any, day: _dt.date, current: int, payload: None) -> None:
            if day in want and current != int(want[day] or 0):
                raise ConflictError(self._conflict_message(cur, day, int(want[day] or 0), current))
            if current > 0 and self._live(cur, day):
                self._note_replaced(cur, day, current, note)
            # the restored revision keeps the support report it had
            cur.execute(
                "SELECT set_config('frontline.support', coalesce((SELECT support::text "
                "FROM revisions WHERE theatre = %s AND date = %s AND revision = %s), ''), true)",
                (self.theatre_id, day, revision),
            )
            cur.execute(
                "DELETE FROM control_areas c WHERE theatre = %s AND date = %s AND NOT EXISTS ("
                "SELECT 1 FROM area_revisions a WHERE a.theatre = c.theatre AND a.date = c.date "
                "AND a.revision = %s AND a.faction = c.faction AND a.basis = c.basis)",
                (self.theatre_id, day, revision),
            )
            cur.execute(
                "INSERT INTO control_areas "
                "(theatre, date, faction, sources, confidence, note, geom, basis) "
                "SELECT theatre, date, faction, sources, confidence, note, geom, basis "
                "FROM area_revisions "
                "WHERE theatre = %s AND date = %s AND revision = %s " + _UPSERT,
                (self.theatre_id, day, revision),
            )

        return self._write([(day, None)], write, note)[0]

    def check_writable(
        self, dates: list[_dt.date] | tuple[_dt.date, ...], overwrite: bool = False
    ) -> None:
        """Raise :class:`SnapshotExistsError` naming each existing date and its revision.

        Nothing is raised when *overwrite* is true.
        """
        if overwrite or not dates:
            return
        rows = self._query(
            "SELECT date, revision FROM snapshots WHERE theatre = %s AND date = ANY(%s) "
            "AND n_areas > 0 ORDER BY date",
            (self.theatre_id, [parse_date(d) for d in dates]),
        )
        if rows:
            shown = ", ".join(f"{r[0]} (revision {r[1]})" for r in rows)
            raise SnapshotExistsError(
                f"snapshot(s) for {shown} exist in {self._location()}; pass --overwrite (or "
                f"--expected-revision {rows[0][0]}={rows[0][1]}) to replace them — "
                f"{self._replaced_note}"
            )

    def recover(self) -> list[str]:
        """Nothing to recover: a database transaction is all or nothing (see the file store)."""
        return []

    def _live(self, cur: Any, day: _dt.date) -> bool:
        cur.execute(
            "SELECT n_areas > 0 FROM snapshots WHERE theatre = %s AND date = %s",
            (self.theatre_id, day),
        )
        row = cur.fetchone()
        return bool(row and row[0])

    def _writer_of(self, cur: Any, day: _dt.date, revision: int) -> str:
        cur.execute(
            "SELECT author, display_name, created_at FROM revisions WHERE theatre = %s "
            "AND date = %s AND revision = %s",
            (self.theatre_id, day, revision),
        )
        row = cur.fetchone()
        if not row:
            return ""
        who = row[0] if not row[1] or row[1] == row[0] else f"{row[0]} ({row[1]})"
        return f" by {who} at {row[2]:%Y-%m-%d %H:%M:%S %Z}".rstrip()

    def _note_replaced(self, cur: Any, day: _dt.date, current: int, message: str) -> None:
        """Record in the new revision's message which live revision (and whose) it replaces."""
        cur.execute(
            "SELECT author FROM revisions WHERE theatre = %s AND date = %s AND revision = %s",
            (self.theatre_id, day, current),
        )
        row = cur.fetchone()
        author = row[0] if row else "?"
        self.replaced[day] = (current, author)
        note = f"replaces r{current} by {author}"
        cur.execute(
            "SELECT set_config('frontline.message', %s, true)",
            (f"{message}; {note}" if message else note,),
        )

    def _conflict_message(self, cur: Any, day: _dt.date, expected: int | None, current: int) -> str:
        by = self._writer_of(cur, day, current)
        if not expected:
            return (
                f"{self.theatre_id} {day}: someone else created this date (revision {current}"
                f"{by}) after this command read the store; nothing was written. Run it again "
                "to see their snapshot (add --overwrite to replace it, or "
                f"--expected-revision {day}={current})"
            )
        return (
            f"{self.theatre_id} {day}: your edit is based on revision {expected}, but revision "
            f"{current} was written{by} in the meantime; nothing was written. Reload the "
            f"snapshot, merge your changes and write again with --expected-revision "
            f"{day}={current} (expected_revision={current} in Python)"
        )

    def _lock_message(self, cur: Any, day: _dt.date | None) -> str:
        """Who holds the lock a writer timed out on (a frontline writer, or a QGIS session)."""
        try:
            held = [
                h
                for h in lock_holders(self.conn, self.schema, self.theatre_id)
                if day is None or h["date"] == day
            ]
        except Exception:  # noqa: BLE001 - the message is a nicety; the timeout stands
            held = []
        wait = f"waited {self._timeout():g} s; FRONTLINE_LOCK_TIMEOUT sets the wait"
        if held:
            h = held[0]
            who = f"{h['user']} ({h['application'] or 'pid ' + str(h['pid'])})"
            return (
                f"{self.theatre_id} {day} is being written by {who}; try again when it has "
                f"finished ({wait}). Nothing was written"
            )
        return (
            f"{self.theatre_id} {day}: rows are locked by another session (a QGIS edit not "
            f"saved yet?); try again when it has finished ({wait}). Nothing was written"
        )

    def _timeout(self) -> float:
        return default_lock_timeout(self.lock_timeout)

    def _write(self, items: list[tuple[_dt.date, Any]], body: Any, message: str) -> list[int]:
        """Lock each date (in date order) and run *body(cur, day, current, payload)*.

        All in one transaction; a lock wait ends after :attr:`lock_timeout` seconds.
        """
        psycopg = psycopg_module()
        conn = self.conn
        day = items[0][0] if items else None
        revs = []
        self.replaced = {}
        since = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
        try:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute("SELECT set_config('frontline.author', %s, true)", (self.author or "",))
                cur.execute("SELECT set_config('frontline.message', %s, true)", (message or "",))
                cur.execute(
                    "SELECT set_config('lock_timeout', %s, true), "
                    "set_config('application_name', %s, true)",
                    (
                        f"{max(1, int(self._timeout() * 1000))}ms",
                        f"frontline since {since}"[:63],
                    ),
                )
                if self.theatre is not None:
                    cur.execute(
                        "INSERT INTO theatres (id, name, extent) VALUES (%s, %s, "
                        "ST_MakeEnvelope(%s, %s, %s, %s, 4326)) "
                        "ON CONFLICT (id) DO NOTHING",
                        (self.theatre_id, self.theatre.name, *self.theatre.extent),
                    )
                else:
                    cur.execute(
                        "INSERT INTO theatres (id, name) VALUES (%s, %s) ON CONFLICT (id) "
                        "DO NOTHING",
                        (self.theatre_id, self.theatre_id),
                    )
                for day, payload in items:
                    cur.execute("SELECT frontline_lock(%s, %s)", (self.theatre_id, day))
                    cur.execute(  # under the lock: no other writer of this date can commit now
                        "SELECT revision FROM snapshots WHERE theatre = %s AND date = %s",
                        (self.theatre_id, day),
                    )
                    row = cur.fetchone()
                    body(cur, day, int(row[0]) if row else 0, payload)
                    cur.execute(
                        "SELECT set_config('frontline.message', %s, true)", (message or "",)
                    )
                for day, _ in items:
                    cur.execute(
                        "SELECT revision FROM snapshots WHERE theatre = %s AND date = %s",
                        (self.theatre_id, day),
                    )
                    row = cur.fetchone()
                    revs.append(int(row[0]) if row else 0)
        except psycopg.errors.LockNotAvailable:
            with conn.cursor() as cur:
                raise LockTimeoutError(self._lock_message(cur, day)) from None
        except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure) as exc:
            raise ConflictError(
                f"{self.theatre_id} {day}: a concurrent writer (another frontline or a "
                f"QGIS save) collided with this one ({str(exc).strip().splitlines()[0]}); "
                "nothing was written — reload and try again"
            ) from None
        except psycopg.errors.InsufficientPrivilege as exc:
            raise self.denied(exc, "write") from None
        except psycopg.Error as exc:
            raise StoreError(
                f"{redact(self.url)}: writing {self.theatre_id} {day} failed, so nothing was "
                f"written: {str(exc).strip()}"
            ) from None
        return revs

    # -- database-side analysis --------------------------------------------------------------
    def diff_km2(
        self, date_a: _dt.date | str, date_b: _dt.date | str
    ) -> dict[str, tuple[float, float]]:
        """Area each faction gained and lost between two snapshots, computed in the database.

        Returns
        -------
        dict
            ``{faction: (gained_km2, lost_km2)}`` (geodesic areas, ST_Difference on the server).
        """
        a, b = parse_date(date_a), parse_date(date_b)
        rows = self._query(
            "WITH a AS (SELECT faction, ST_Union(geom) AS geom FROM control_areas "
            "WHERE theatre = %s AND date = %s GROUP BY faction), "
            "b AS (SELECT faction, ST_Union(geom) AS geom FROM control_areas "
            "WHERE theatre = %s AND date = %s GROUP BY faction) "
            "SELECT coalesce(a.faction, b.faction), "
            "coalesce(ST_Area(CASE WHEN a.geom IS NULL THEN b.geom "
            "ELSE ST_Difference(b.geom, a.geom) END::geography), 0) / 1e6, "
            "coalesce(ST_Area(CASE WHEN b.geom IS NULL THEN a.geom "
            "ELSE ST_Difference(a.geom, b.geom) END::geography), 0) / 1e6 "
            "FROM a FULL JOIN b ON a.faction = b.faction ORDER BY 1",
            (self.theatre_id, a, self.theatre_id, b),
        )
        return {r[0]: (float(r[1]), float(r[2])) for r in rows}

    def __repr__(self) -> str:
        return f"PostGISHistory({redact(self.url)!r}, theatre={self.theatre_id!r})"
