"""The interface of a control history, and what every store shares.

:class:`History` is the runtime-checkable protocol every store satisfies (the file store
:class:`frontline.store.ControlHistory` and :class:`frontline.postgis.PostGISHistory`);
library functions that take a history accept either. :class:`HistoryBase` is what the stores
share: streaming, pairs, the overwrite check, helpful misses, and compare-and-set --
:meth:`HistoryBase.expect` pins the versions read at the start of a command, and a later
write of a date that someone else changed meanwhile raises
:class:`~frontline.errors.ConflictError` (exit code 3) instead of losing their update.
:func:`check_period` refuses dates outside the theatre's period before a write.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from frontline.dates import parse_date
from frontline.errors import OutsidePeriodError, SnapshotExistsError

if TYPE_CHECKING:
    from frontline.control import ControlSnapshot
    from frontline.factions import FactionRegistry
    from frontline.theatre import Theatre

#: ``describe(lon, lat)``: words for a location in messages ("8 km NE of At Tanf").
Describe = Callable[[float, float], str]

#: The version of one date in a store, for compare-and-set: the file store's content hash
#: (:func:`frontline.files.content_hash`; None when the date has no file), the PostGIS store's
#: revision number (0 when the date was never written).
Version = str | int | None


@runtime_checkable
class History(Protocol):
    """What every control history store offers: the file store and the PostGIS store.

    :class:`~frontline.store.ControlHistory` (a folder of GeoJSON files) and
    :class:`frontline.postgis.PostGISHistory` both satisfy it, so
    :func:`~frontline.historycheck.validate_history`,
    :func:`~frontline.historyframe.history_frame`, :func:`frontline.build.build_history`, the
    exports and the renderers work on either. ``isinstance(obj, History)`` checks that the
    members exist.

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

    def pinned(self) -> contextlib.AbstractContextManager[dict[_dt.date, Version]]:
        """Compare-and-set for one block (the caller's own pin, if any, is kept)."""
        ...


class HistoryBase:
    """What every history store shares: streaming, pairs, overwrite checks, helpful misses.

    A store provides ``dates()`` (ascending), ``get(date)``, ``__contains__``, ``_location()``
    and ``_empty_hint()``;
    :class:`frontline.store.ControlHistory` (files) and
    :class:`frontline.postgis.PostGISHistory` (PostGIS) derive from it, so library functions
    work unchanged on either.
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

    @contextlib.contextmanager
    def pinned(self) -> Iterator[dict[_dt.date, Version]]:
        """Pin the stored versions for one read-modify-write block; yield them.

        When the caller already pinned them (:meth:`expect`, as a command does before it
        reads), that pin is used and kept. Otherwise they are pinned here and released on
        leaving the block, so that a later call on the same history reads afresh instead of
        comparing against versions from before its own earlier writes.
        """
        if self.expected_versions is not None:
            yield dict(self.expected_versions)
            return
        try:
            yield self.expect()
        finally:
            self.expected_versions = None
            self.expected_given = set()

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
