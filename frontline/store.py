"""The file store: the dated snapshots of one theatre, stored as GeoJSON files.

:class:`ControlHistory` keeps one deterministic GeoJSON file per date in
``<data>/control/<theatre>/<YYYY-MM-DD>.geojson`` (see :mod:`frontline.snapshotfile`), so the
history is versioned by git and reviewed with ``git diff``. Writes are atomic (a temporary
file in the same folder, then a rename) and never replace an existing date unless asked. One
process writes a history folder at a time (an inter-process lock, :class:`frontline.folderwrite.
FolderLock`); a batch of dates is journaled so that a writer killed half-way leaves a folder
that readers refuse and the next writer (or ``control validate --repair``) finishes.
Writers can compare-and-set (:meth:`frontline.history.HistoryBase.expect`). Reads go through
the snapshot cache (:mod:`frontline.snapcache`).

The interface every store has is :class:`frontline.history.History` (re-exported here, with
:class:`~frontline.history.HistoryBase`, :func:`~frontline.history.check_period` and
:mod:`frontline.historyframe`'s names); checking a whole history is
:func:`frontline.historycheck.validate_history`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from frontline import snapcache
from frontline.control import ControlSnapshot, Support
from frontline.dates import latest_on_or_before, parse_date
from frontline.errors import ConflictError, DataFileError, InputError, SnapshotNotFoundError
from frontline.factions import FactionRegistry
from frontline.files import atomic_write_bytes as atomic_write_bytes  # moved to frontline.files
from frontline.files import atomic_write_text as atomic_write_text  # kept importable from here
from frontline.files import check_inside, content_hash
from frontline.folderwrite import (
    FolderLock,
    atomic_write_many,
    check_no_unfinished_batch,
    recover_folder,
)
from frontline.history import Describe as Describe  # re-exported
from frontline.history import History as History  # re-exported
from frontline.history import HistoryBase
from frontline.history import Version as Version  # re-exported
from frontline.history import check_period as check_period  # re-exported
from frontline.historyframe import HISTORY_COLUMNS as HISTORY_COLUMNS  # re-exported
from frontline.historyframe import history_frame as history_frame  # re-exported
from frontline.historyframe import snapshot_frame as snapshot_frame  # re-exported
from frontline.theatre import Theatre

_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.geojson$")


class ControlHistory(HistoryBase):
    """The dated control snapshots of one theatre, in a folder of GeoJSON files.

    Parameters
    ----------
    directory : path-like
        The folder holding ``YYYY-MM-DD.geojson`` files (created on first write).
    theatre : Theatre, optional
        Used to validate extents and to label snapshots.
    registry : FactionRegistry, optional
        Used to validate factions on load and write.
    validate : bool, default True
        Validate every snapshot read and written.
    lock_timeout : float, optional
        Seconds a writer waits for another writer's lock (default ``$FRONTLINE_LOCK_TIMEOUT``
        or 30), then raises :class:`~frontline.errors.LockTimeoutError`.

    Examples
    --------
    >>> history = ControlHistory.load("syria-iraq-2017")        # doctest: +SKIP
    >>> history.at("2017-06-15").factions                       # doctest: +SKIP
    ['isf', 'isis', 'pmu', ...]
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        theatre: Theatre | None = None,
        registry: FactionRegistry | None = None,
        validate: bool = True,
        lock_timeout: float | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.theatre = theatre
        self.registry = registry
        self.validate = validate
        self.lock_timeout = lock_timeout

    @classmethod
    def load(
        cls,
        theatre_id: str | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        validate: bool = True,
    ) -> ControlHistory:
        """Open the history of a theatre in a data directory, with its faction registry."""
        theatre = Theatre.load(theatre_id, data_dir)
        return cls.for_theatre(theatre, validate=validate)

    @classmethod
    def for_theatre(
        cls, theatre: Theatre, registry: FactionRegistry | None = None, validate: bool = True
    ) -> ControlHistory:
        """Open the file history of an already loaded theatre (``<data>/control/<theatre>/``).

        The registry defaults to the theatre's data directory's ``factions.yaml``.
        """
        registry = registry or FactionRegistry.load(theatre.data_dir)
        folder = check_inside(theatre.data_dir, theatre.control_dir, "the history folder")
        return cls(folder, theatre, registry, validate)

    @property
    def theatre_id(self) -> str | None:
        """Id of the theatre, when known."""
        return self.theatre.id if self.theatre is not None else None

    # -- listing ---------------------------------------------------------------------------
    def dates(self) -> list[_dt.date]:
        """Dates with a snapshot, ascending.

        Raises
        ------
        DataFileError
            When a ``.geojson`` file in the folder is not named after a real date.
        """
        if not self.directory.is_dir():
            return []
        check_no_unfinished_batch(self.directory)
        out = []
        for p in self.directory.glob("*.geojson"):
            m = _NAME.match(p.name)
            try:
                if not m:
                    raise ValueError
                out.append(_dt.date.fromisoformat(m.group(1)))
            except ValueError:
                raise DataFileError(
                    f"{p}: snapshot files must be named YYYY-MM-DD.geojson "
                    "with a real date; rename or move it"
                ) from None
        return sorted(out)

    def __len__(self) -> int:
        return len(self.dates())

    def __contains__(self, date: object) -> bool:
        try:
            return self.path_for(parse_date(date)).is_file()  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001
            return False

    def path_for(self, date: _dt.date | str) -> Path:
        """File path of the snapshot for *date* (whether or not it exists)."""
        return self.directory / f"{parse_date(date).isoformat()}.geojson"

    # -- reading ---------------------------------------------------------------------------
    def get(self, date: _dt.date | str, *, validate: bool | None = None) -> ControlSnapshot:
        """Return the snapshot of exactly *date*.

        Parameters
        ----------
        date : date or str
        validate : bool, optional
            Validate the snapshot (default: as the store was opened, :attr:`validate`).

        Raises
        ------
        SnapshotNotFoundError
            When there is none; the message lists the nearest dates.
        """
        day = parse_date(date)
        path = self.path_for(day)
        check_no_unfinished_batch(self.directory)
        if not path.is_file():
            raise SnapshotNotFoundError(f"no snapshot on {day}; {self._dates_hint(day)}")
        return self._read(path, day, self.validate if validate is None else validate)

    def at(self, date: _dt.date | str) -> ControlSnapshot:
        """Return the situation as of *date*: the latest snapshot on or before it.

        The returned snapshot keeps the date of the file it comes from.
        """
        day = parse_date(date)
        found = latest_on_or_before(self.dates(), day)
        if found is None:
            raise SnapshotNotFoundError(f"no snapshot on or before {day}; {self._dates_hint(day)}")
        return self._read(self.path_for(found), found)

    def _read(self, path: Path, day: _dt.date, validate: bool | None = None) -> ControlSnapshot:
        """Read one file, from the snapshot cache when possible.

        The cache serves a file whose content was read (and validated) before in the same
        context; otherwise the file is parsed, validated and remembered.
        """
        check = self.validate if validate is None else validate
        if not snapcache.enabled():
            return self._parse(path, None, day, check)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise DataFileError(f"{path}: file not found") from None
        key = snapcache.entry_key(data, self._cache_context(check))
        entry = snapcache.read_entry(key)
        if entry is not None:
            snap = _from_entry(entry)
            if snap.date == day:
                return snap
        snap = self._parse(path, data, day, check)
        snapcache.write_entry(key, _to_entry(snap))
        return snap

    def _parse(
        self, path: Path, data: bytes | None, day: _dt.date, validate: bool
    ) -> ControlSnapshot:
        if data is None:
            snap = ControlSnapshot.from_geojson(path, date=None, theatre=self.theatre_id)
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise DataFileError(f"{path}: not UTF-8 text") from None
            snap = ControlSnapshot.from_geojson(text, theatre=self.theatre_id, label=str(path))
        if snap.date != day:
            raise DataFileError(
                f"{path}: the file says {snap.date} but is named {day}; make them agree"
            )
        if validate:
            snap = snap.validate(self.registry, self.theatre)
        return snap

    def _cache_context(self, validate: bool) -> str:
        """Return what a cached read depends on beside the file (:mod:`frontline.snapcache`)."""
        context: dict[str, Any] = {"code": snapcache.code_version(), "theatre": self.theatre_id}
        if validate:
            registry, theatre = self.registry, self.theatre
            context["registry"] = repr(registry.factions) if registry is not None else None
            context["extent"] = list(theatre.extent) if theatre is not None else None
        return json.dumps(context, sort_keys=True)

    def _remember(self, paths: Sequence[Path], texts: Sequence[str]) -> None:
        """Fill the snapshot cache with the files just written, as a read would parse them.

        The snapshots were validated before they were written; the stored text is their
        canonical (grid-snapped, valid) form, so a later read needs no second validation.
        """
        if not snapcache.enabled():
            return
        context = self._cache_context(self.validate)
        for path, text in zip(paths, texts, strict=True):
            try:
                snap = ControlSnapshot.from_geojson(text, theatre=self.theatre_id, label=str(path))
            except InputError:
                continue  # a read will report it
            key = snapcache.entry_key(text.encode("utf-8"), context)
            snapcache.write_entry(key, _to_entry(snap))

    def _empty_hint(self) -> str:
        return f"the history in {self.directory} is empty (build or import snapshots first)"

    # -- writing ---------------------------------------------------------------------------
    def _location(self) -> str:
        return str(self.directory)

    def lock(self, timeout: float | None = None) -> FolderLock:
        """Return the inter-process lock of the history's folder (``with history.lock(): …``)."""
        return FolderLock(
            self.directory, self.lock_timeout if timeout is None else timeout, gitignore=True
        )

    def versions(self) -> dict[_dt.date, Version]:
        """Return the content hash of every stored date (finishing an interrupted batch first)."""
        if not self.directory.is_dir():
            return {}
        with self.lock():
            recover_folder(self.directory, self.lock_timeout)
            out: dict[_dt.date, Version] = {}
            for p in self.directory.glob("*.geojson"):
                m = _NAME.match(p.name)
                if m:
                    try:
                        out[_dt.date.fromisoformat(m.group(1))] = content_hash(p.read_bytes())
                    except (ValueError, FileNotFoundError):
                        continue
            return out

    def recover(self) -> list[str]:
        """Finish an interrupted batch and remove leftover temporary files; say what was done."""
        return recover_folder(self.directory, self.lock_timeout)

    def add(
        self,
        snapshot: ControlSnapshot,
        overwrite: bool = False,
        repair: bool = False,
        describe=None,
    ) -> Path:
        """Validate and store a snapshot atomically.

        Raises
        ------
        SnapshotExistsError
            When the date exists and *overwrite* is False; nothing is written.
        """
        return self.add_many([snapshot], overwrite=overwrite, repair=repair, describe=describe)[0]

    def add_many(
        self,
        snapshots,
        overwrite: bool = False,
        repair: bool = False,
        describe=None,
        *,
        expected: Mapping[_dt.date, Version] | None = None,
        validated: bool = False,
    ) -> list[Path]:
        """Validate and store several snapshots: all of them or none.

        Every snapshot is validated and serialised first; then, holding the folder's lock,
        the dates are compared with the versions expected (see :meth:`expect`), the files are
        written to temporary files beside the targets, the batch is journaled and the files
        are renamed into place (:func:`frontline.folderwrite.atomic_write_many`). If anything
        fails, files already renamed are restored to their previous content (or removed) and
        no temporary file is left behind; if the process is killed, the journal lets the next
        writer finish the batch.

        Parameters
        ----------
        snapshots : iterable of ControlSnapshot
            Distinct dates.
        overwrite : bool, default False
            Replace existing dates. Without it, any existing date raises before anything is written.
        repair : bool, default False
            Repair invalid geometries instead of raising.
        describe : callable, optional
            ``describe(lon, lat)`` naming locations in validation messages.
        expected : mapping of date to str or None, optional
            Compare-and-set: the content hash each date must still have (None: no file),
            beside those pinned by :meth:`expect`.
        validated : bool, default False
            The caller validated the snapshots against this store's registry and theatre
            (an importer that validates each snapshot once, as it reads it): not again.

        Returns
        -------
        list of pathlib.Path
            The files written, in date order.

        Raises
        ------
        SnapshotExistsError
            When a date exists and *overwrite* is False.
        ConflictError
            When a date changed since it was read (or appeared meanwhile); nothing is written.
        LockTimeoutError
            When another writer holds the folder longer than the lock timeout.
        DataFileError
            When two snapshots have the same date.
        """
        snaps = sorted(snapshots, key=lambda s: s.date)
        days = [s.date for s in snaps]
        if len(set(days)) != len(days):
            dup = sorted({d.isoformat() for d in days if days.count(d) > 1})
            raise DataFileError(f"several snapshots for {', '.join(dup)}; give one per date")
        explicit = self._given(expected)
        self.check_writable(self._to_check(days, explicit), overwrite)
        texts = []
        for snap in snaps:
            if self.validate and not validated:
                snap = snap.validate(self.registry, self.theatre, repair=repair, describe=describe)
            if self.theatre_id and snap.theatre != self.theatre_id:
                snap = snap.replace(theatre=self.theatre_id)  # keeps its support report
            texts.append((self.path_for(snap.date), snap.to_geojson()))
        want = self._expected_for(days, expected)
        written = atomic_write_many(
            [(path, text.encode("utf-8")) for path, text in texts],
            overwrite=overwrite,
            exists_error=ConflictError,
            expected={self.path_for(d): v for d, v in want.items()},  # type: ignore[misc]
            timeout=self.lock_timeout,
            gitignore=True,
        )
        self._remember([p for p, _ in texts], [t for _, t in texts])
        return written

    def __repr__(self) -> str:
        return f"ControlHistory({str(self.directory)!r}, theatre={self.theatre_id!r})"


def _to_entry(snap: ControlSnapshot) -> snapcache.Entry:
    columns, geoms = snap.to_parts()
    header = {
        "date": snap.date.isoformat(),
        "theatre": snap.theatre,
        "support": dataclasses.asdict(snap.support) if snap.support is not None else None,
        "columns": columns,
    }
    return snapcache.Entry(header, geoms)


def _from_entry(entry: snapcache.Entry) -> ControlSnapshot:
    head = entry.header
    support = Support(**head["support"]) if head.get("support") else None
    return ControlSnapshot.from_parts(
        head["date"], head["columns"], entry.geometries, head["theatre"], support
    )
