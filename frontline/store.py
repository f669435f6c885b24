"""Control history: the dated snapshots of one theatre, stored as GeoJSON files.

The file store keeps one deterministic GeoJSON file per date in
``<data>/control/<theatre>/<YYYY-MM-DD>.geojson`` (see :mod:`frontline.control`), so the
history is versioned by git and reviewed with ``git diff``. Writes are atomic (a temporary
file in the same folder, then a rename) and never replace an existing date unless asked. One
process writes a history folder at a time (an inter-process lock, :class:`frontline.folderwrite.
FolderLock`); a batch of dates is journaled so that a writer killed half-way leaves a folder
that readers refuse and the next writer (or ``control validate --repair``) finishes.
Writers can compare-and-set: :meth:`HistoryBase.expect` pins the versions read at the start
of a command, and a later write of a date that someone else changed meanwhile raises
:class:`~frontline.errors.ConflictError` (exit code 3) instead of losing their update.

:class:`History` is the interface every store has (this file store and
:class:`frontline.postgis.PostGISHistory`); library functions that take a history accept
either. :func:`validate_history` checks a whole history and :func:`history_frame` gives it
as one GeoDataFrame.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from frontline import snapcache
from frontline.control import ControlSnapshot, Support
from frontline.dates import parse_date
from frontline.errors import (
    ConflictError,
    DataFileError,
    InputError,
    OutsidePeriodError,
    SnapshotExistsError,
    SnapshotNotFoundError,
)
from frontline.factions import FactionRegistry
from frontline.files import atomic_write_bytes as atomic_write_bytes  # moved to frontline.files
from frontline.files import atomic_write_text as atomic_write_text  # kept importable from here
from frontline.files import check_inside, content_hash
from frontline.folderwrite import (
    JOURNAL_NAME,
    FolderLock,
    atomic_write_many,
    check_no_unfinished_batch,
    leftovers,
    recover_folder,
)
from frontline.geojson import to_multipolygon
from frontline.theatre import Theatre

if TYPE_CHECKING:
    import geopandas as gpd

_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.geojson$")
_MISNAMED = "snapshot files must be named YYYY-MM-DD.geojson with a real date"

#: ``describe(lon, lat)``: words for a location in messages ("8 km NE of At Tanf").
Describe = Callable[[float, float], str]

#: The version of one date in a store, for compare-and-set: the file store's content hash
#: (:func:`frontline.files.content_hash`; None when the date has no file), the PostGIS store's
#: revision number (0 when the date was never written).
Version = str | int | None


@runtime_checkable
class History(Protocol):
    """What every control history store offers: the file store and the PostGIS store.

    :class:`ControlHistory` (a folder of GeoJSON files) and
    :class:`frontline.postgis.PostGISHistory` both satisfy it, so :func:`validate_history`,
    :func:`history_frame`, :func:`frontline.build.build_history`, the exports and the
    renderers work on either. ``isinstance(obj, History)`` checks that the members exist.

    Attributes
    ----------
    theatre : Theatre or None
        The theatre, used to validate extents and label snapshots.
    registry : FactionRegistry or None
        Used to validate factions.
    theatre_id : str or None
        Id of the theatre.
    validate : bool
        Whether snapshots are validated when read and written.
    """

    theatre: Theatre | None
    registry: FactionRegistry | None
    validate: bool

    @property
    def theatre_id(self) -> str | None:
        """Id of the theatre, when known."""
        ...

    def dates(self) -> list[_dt.date]:
        """Dates with a snapshot, ascending."""
        ...

    def get(self, date: _dt.date | str, *, validate: bool | None = None) -> ControlSnapshot:
        """Return the snapshot of exactly *date* (:class:`SnapshotNotFoundError` when none).

        *validate* overrides the store's :attr:`validate` for this read.
        """
        ...

    def at(self, date: _dt.date | str) -> ControlSnapshot:
        """Return the latest snapshot on or before *date*."""
        ...

    def __iter__(self) -> Iterator[ControlSnapshot]: ...

    def __len__(self) -> int: ...

    def __contains__(self, date: object) -> bool: ...

    def pairs(self) -> Iterator[tuple[ControlSnapshot, ControlSnapshot]]:
        """Consecutive pairs of snapshots."""
        ...

    def add(
        self,
        snapshot: ControlSnapshot,
        overwrite: bool = False,
        repair: bool = False,
        *,
        describe: Describe | None = None,
    ) -> object:
        """Validate and store one snapshot."""
        ...

    def add_many(
        self,
        snapshots: Iterable[ControlSnapshot],
        overwrite: bool = False,
        repair: bool = False,
        describe: Describe | None = None,
        *,
        expected: Mapping[_dt.date, Version] | None = None,
        validated: bool = False,
    ) -> Sequence[object]:
        """Validate and store several snapshots: all of them or none.

        *expected* maps dates to the version each must still have (compare-and-set);
        *validated* says the caller validated them against this store's registry and theatre.
        """
        ...

    def check_writable(
        self, dates: list[_dt.date] | tuple[_dt.date, ...], overwrite: bool = False
    ) -> None:
        """Raise :class:`SnapshotExistsError` for dates that exist, unless *overwrite*."""
        ...

    def versions(self) -> dict[_dt.date, Version]:
        """Return the version of every stored date, for compare-and-set."""
        ...

    def expect(self, versions: Mapping[_dt.date, Version] | None = None) -> dict:
        """Compare-and-set from now on: later writes of a date changed meanwhile conflict."""
        ...


class HistoryBase:
    """What every history store shares: streaming, pairs, overwrite checks, helpful misses.

    A store provides ``dates()`` (ascending), ``get(date)``, ``__contains__``, ``_location()``
    and ``_empty_hint()``;
    :class:`ControlHistory` (files) and :class:`frontline.postgis.PostGISHistory` (PostGIS)
    derive from it, so library functions work unchanged on either.
    """

    #: Versions pinned by :meth:`expect` (None: writes do not compare).
    expected_versions: dict[_dt.date, Version] | None = None

    def dates(self) -> list[_dt.date]:  # pragma: no cover - every store defines it
        """Return the dates of the snapshots, ascending."""
        raise NotImplementedError

    def versions(self) -> dict[_dt.date, Version]:  # pragma: no cover - every store defines it
        """Return the version of every stored date (see :data:`Version`)."""
        raise NotImplementedError

    def expect(self, versions: Mapping[_dt.date, Version] | None = None) -> dict:
        """Pin the versions of the stored dates: later writes compare and set against them.

        Call it at the start of a read-modify-write (a command does, before it reads what its
        write depends on). A later :meth:`add_many` of a date whose version is no longer the
        pinned one -- another writer changed, created or deleted it meanwhile -- raises
        :class:`~frontline.errors.ConflictError` and writes nothing. *versions* overrides the
        pinned version of some dates (``--expected-revision DATE=N``).

        Returns
        -------
        dict
            The pinned versions, ``{date: version}`` (dates without a snapshot are absent).
        """
        pinned = dict(self.versions())
        given = {parse_date(k): v for k, v in (versions or {}).items()}
        pinned.update(given)
        self.expected_versions = pinned
        self.expected_given = set(given)
        return dict(pinned)

    #: Dates whose version the caller gave (:meth:`expect`): writing them implies overwrite.
    expected_given: set[_dt.date] = set()

    def _to_check(self, days: Iterable[_dt.date], explicit: set[_dt.date]) -> list[_dt.date]:
        """Dates to refuse up front when they exist (exit 2); the rest compare and set.

        A date absent when the versions were pinned but present now was created by someone
        else meanwhile: the compare-and-set makes that a conflict (exit 3), not "exists".
        """
        pinned = self.expected_versions
        return [d for d in days if d not in explicit and (pinned is None or d in pinned)]

    def _given(self, expected: Mapping[_dt.date, Version] | None) -> set[_dt.date]:
        """Dates with a version the caller gave: they may be replaced without *overwrite*."""
        return {parse_date(k) for k in (expected or {})} | set(self.expected_given)

    def _expected_for(
        self, days: Iterable[_dt.date], expected: Mapping[_dt.date, Version] | None
    ) -> dict[_dt.date, Version]:
        """Return the version each written date must still have: explicit, else pinned."""
        given = {parse_date(k): v for k, v in (expected or {}).items()}
        out: dict[_dt.date, Version] = {}
        for day in days:
            if day in given:
                out[day] = given[day]
            elif self.expected_versions is not None:
                out[day] = self.expected_versions.get(day)
        return out

    def get(
        self, date: _dt.date | str, *, validate: bool | None = None
    ) -> ControlSnapshot:  # pragma: no cover - every store defines it
        """Return the snapshot of exactly *date*."""
        raise NotImplementedError

    def _empty_hint(self) -> str:  # pragma: no cover
        raise NotImplementedError

    def __iter__(self) -> Iterator[ControlSnapshot]:
        """Snapshots in date order, read one at a time (streams long histories)."""
        for day in self.dates():
            yield self.get(day)

    def pairs(self) -> Iterator[tuple[ControlSnapshot, ControlSnapshot]]:
        """Consecutive pairs of snapshots, each snapshot read once."""
        prev = None
        for snap in self:
            if prev is not None:
                yield prev, snap
            prev = snap

    #: What becomes of a replaced snapshot, for messages.
    _replaced_note = "the old versions stay in git history"

    def _location(self) -> str:  # pragma: no cover
        raise NotImplementedError

    @property
    def location(self) -> str:
        """Where the history lives, in words for messages (a folder, or a URL and theatre)."""
        return self._location()

    def check_writable(
        self, dates: list[_dt.date] | tuple[_dt.date, ...], overwrite: bool = False
    ) -> None:
        """Raise :class:`SnapshotExistsError` naming every date in *dates* that exists.

        Nothing is raised when *overwrite* is true.
        """
        if overwrite:
            return
        existing = [parse_date(d) for d in dates if parse_date(d) in self]  # type: ignore[operator]  # stores define __contains__
        if existing:
            raise SnapshotExistsError(
                f"snapshot(s) for {', '.join(d.isoformat() for d in existing)} exist in "
                f"{self._location()}; pass --overwrite to replace them — "
                f"{self._replaced_note}"
            )

    def _dates_hint(self, day: _dt.date) -> str:
        dates = self.dates()
        if not dates:
            return self._empty_hint()
        near = sorted(dates, key=lambda d: abs((d - day).days))[:3]
        return (
            f"the history has {len(dates)} dates from {dates[0]} to {dates[-1]}; nearest: "
            + ", ".join(d.isoformat() for d in sorted(near))
        )


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
        earlier = [d for d in self.dates() if d <= day]
        if not earlier:
            raise SnapshotNotFoundError(f"no snapshot on or before {day}; {self._dates_hint(day)}")
        return self._read(self.path_for(earlier[-1]), earlier[-1])

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


# -- a whole history at once ---------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One problem :func:`validate_history` found: where (a file name or a date) and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class HistoryCheck:
    """What :func:`validate_history` found.

    Attributes
    ----------
    dates : tuple of date
        The dates checked (every stored snapshot with a well-formed name).
    problems : tuple of Problem
        Every problem, with the file name (file store) or date (PostGIS) it concerns;
        ``str(problem)`` reads ``"2017-06-01: …"``.
    repaired : tuple of ControlSnapshot
        Snapshots that ``repair=True`` changed, validated and ready to store with
        ``history.add_many(check.repaired, overwrite=True, repair=True)``.
    warnings : tuple of Problem
        Not errors: snapshots whose support report says more of the held land rests on far
        or old observations than the theatre's ``fill.warn_share``.
    """

    dates: tuple[_dt.date, ...]
    problems: tuple[Problem, ...]
    repaired: tuple[ControlSnapshot, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def summary(self) -> str:
        """``"N problem(s) in M snapshot(s):"`` followed by one problem per line (or "valid")."""
        if self.ok:
            return f"{len(self.dates)} snapshot(s) valid"
        lines = "\n".join(str(p) for p in self.problems)
        return f"{len(self.problems)} problem(s) in {len(self.dates)} snapshot(s):\n{lines}"


def _stored_snapshots(
    history: History, problems: list[Problem]
) -> Iterator[tuple[str, _dt.date, Callable[[], tuple[ControlSnapshot, str]]]]:
    """Yield ``(label, date, read)`` per stored snapshot; *read* gives it unvalidated + its text."""
    if isinstance(history, ControlHistory):  # also catch files not named after a date
        directory = history.directory
        for left in leftovers(directory):
            problems.append(Problem(left.name, _leftover_message(left)))
        for path in sorted(directory.glob("*.geojson")) if directory.is_dir() else []:
            try:
                day = parse_date(path.stem)
            except InputError:
                problems.append(Problem(path.name, _MISNAMED))
                continue

            def read(path: Path = path, day: _dt.date = day) -> tuple[ControlSnapshot, str]:
                snap = ControlSnapshot.from_geojson(path, theatre=history.theatre_id)
                if snap.date != day:
                    raise InputError(f"{path}: the file says {snap.date} but is named {day}")
                return snap, path.read_text(encoding="utf-8")

            yield path.name, day, read
        return
    for day in history.dates():  # a database store: read each date without validating

        def read_db(day: _dt.date = day) -> tuple[ControlSnapshot, str]:
            snap = history.get(day, validate=False)
            return snap, snap.to_geojson()

        yield day.isoformat(), day, read_db


def _leftover_message(path: Path) -> str:
    if path.name == JOURNAL_NAME:
        return (
            "an interrupted write: the folder mixes old and new files; run `frontline control "
            "validate --repair` to finish it"
        )
    return "a temporary file left by an interrupted write; `--repair` removes it"


def check_period(
    theatre: Theatre | None, dates: Iterable[_dt.date | str], extend: bool = False
) -> list[_dt.date]:
    """Refuse snapshot dates outside the theatre's period, unless *extend*.

    Parameters
    ----------
    theatre : Theatre or None
        Nothing is checked without a theatre or when it has no ``period``.
    dates : iterable of date
    extend : bool, default False
        Accept dates outside the period (``--extend-period``); they are returned.

    Returns
    -------
    list of date
        The dates outside the period (accepted because *extend* is true).

    Raises
    ------
    OutsidePeriodError
        When a date lies outside the period and *extend* is False.
    """
    if theatre is None or theatre.period is None:
        return []
    first, last = theatre.period
    outside = sorted({d for d in map(parse_date, dates) if not first <= d <= last})
    if outside and not extend:
        shown = ", ".join(d.isoformat() for d in outside[:5])
        raise OutsidePeriodError(
            f"{shown} lie(s) outside the period of {theatre.id} ({first} … {last}); check the "
            "date, or pass --extend-period to store it anyway (and widen `period:` in the "
            "theatre file)"
        )
    return outside


def validate_history(
    history: History, *, repair: bool = False, describe: Describe | None = None
) -> HistoryCheck:
    """Validate every snapshot of a history and list all the problems (never stops at the first).

    Each snapshot is read without validation and then validated against the history's
    faction registry and theatre (geometry, overlaps, factions, extent). For a file store,
    files in the folder that are not named after a real date are problems too.

    Parameters
    ----------
    history : History
        A file or PostGIS store (``validate`` as it was opened does not matter).
    repair : bool, default False
        Repair invalid geometries; snapshots that change are returned in
        :attr:`HistoryCheck.repaired` (nothing is written).
    describe : callable, optional
        ``describe(lon, lat)`` naming locations in messages (e.g. ``Gazetteer.describe``).

    Returns
    -------
    HistoryCheck
        The dates checked, the problems, and the repaired snapshots.

    Examples
    --------
    >>> check = validate_history(ControlHistory.load("syria-iraq-2017"))  # doctest: +SKIP
    >>> check.ok, len(check.dates)                                        # doctest: +SKIP
    (True, 12)
    """
    problems: list[Problem] = []
    repaired: list[ControlSnapshot] = []
    dates: list[_dt.date] = []
    warnings: list[Problem] = []
    limit = history.theatre.fill.warn_share if history.theatre is not None else None
    for label, day, read in _stored_snapshots(history, problems):
        dates.append(day)
        try:
            snap, original = read()
            if limit is not None and snap.support is not None and snap.support.share > limit:
                above = f"above the theatre's {100 * limit:.0f} %"
                warnings.append(Problem(label, f"{snap.support.text()}; {above}"))
            checked = snap.validate(
                history.registry, history.theatre, repair=repair, describe=describe
            )
            if repair and checked.to_geojson() != original:
                repaired.append(checked)
        except InputError as exc:
            problems.append(Problem(label, str(exc)))
    return HistoryCheck(tuple(dates), tuple(problems), tuple(repaired), tuple(warnings))


#: Columns of :func:`history_frame` (and of the GeoPackage ``control`` layer), before ``geometry``.
HISTORY_COLUMNS = [
    "faction", "basis", "sources", "confidence", "note", "date", "valid_from", "valid_to",
    "support",
]  # fmt: skip


def snapshot_frame(snapshot: ControlSnapshot, valid_to: _dt.date | None = None) -> gpd.GeoDataFrame:
    """Turn the areas of one snapshot into rows of :func:`history_frame`.

    Parameters
    ----------
    snapshot : ControlSnapshot
    valid_to : date, optional
        The date of the next snapshot (exclusive end of validity); None for the latest.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`HISTORY_COLUMNS` and ``geometry`` (MultiPolygon, EPSG:4326), one row
        per faction and basis with a non-empty area, sorted by faction then basis;
        ``sources`` as JSON list text; ``support`` the build's support report as JSON text
        (empty when the snapshot has none), so that an export read back is the history.
    """
    areas = snapshot.sorted_areas()
    geoms = [to_multipolygon(g) for g in areas.geometry.values]
    keep = [not g.is_empty for g in geoms]
    count = sum(keep)
    return _frame(
        {
            "faction": [str(f) for f, k in zip(areas["faction"], keep, strict=True) if k],
            "basis": [str(b) for b, k in zip(areas["basis"], keep, strict=True) if k],
            "sources": [
                json.dumps(list(s), ensure_ascii=False)
                for s, k in zip(areas["sources"], keep, strict=True)
                if k
            ],
            "confidence": [
                round(float(c), 3) for c, k in zip(areas["confidence"], keep, strict=True) if k
            ],
            "note": [str(n or "") for n, k in zip(areas["note"], keep, strict=True) if k],
            "date": [snapshot.date] * count,
            "valid_from": [snapshot.date] * count,
            "valid_to": [valid_to] * count,
            "support": [_support_text(snapshot)] * count,
        },
        [g for g, k in zip(geoms, keep, strict=True) if k],
    )


def _support_text(snapshot: ControlSnapshot) -> str:
    if snapshot.support is None:
        return ""
    return json.dumps(snapshot.support.to_dict(), sort_keys=True)


def history_frame(history: History) -> gpd.GeoDataFrame:
    """Read the whole history into one GeoDataFrame: a row per snapshot, faction and basis.

    The same table as the GeoPackage ``control`` layer (:func:`frontline.export.export_gpkg`):
    ``date`` (= ``valid_from``) and ``valid_to`` (the next snapshot's date, None for the
    latest) make it ready for time filters, e.g. ``frame[frame.date == day]``.

    Parameters
    ----------
    history : History
        A file or PostGIS store; snapshots are read one at a time.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`HISTORY_COLUMNS` and ``geometry`` (EPSG:4326), in date then faction order.

    Examples
    --------
    >>> frame = history_frame(ControlHistory.load("syria-iraq-2017"))  # doctest: +SKIP
    >>> frame.groupby("date").faction.count().head(2)                  # doctest: +SKIP
    """
    import pandas as pd

    dates = history.dates()
    next_of = {d: (dates[i + 1] if i + 1 < len(dates) else None) for i, d in enumerate(dates)}
    frames = [f for f in (snapshot_frame(s, next_of.get(s.date)) for s in history) if len(f)]
    if not frames:
        return _frame({c: [] for c in HISTORY_COLUMNS}, [])
    out = pd.concat(frames, ignore_index=True)
    return out.set_crs("EPSG:4326", allow_override=True)


def _frame(columns: dict[str, Any], geometry: Sequence[Any]) -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.GeoDataFrame(
        columns, geometry=gpd.GeoSeries(list(geometry), crs="EPSG:4326"), crs="EPSG:4326"
    )
