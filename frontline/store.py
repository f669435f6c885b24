"""Control history: the dated snapshots of one theatre, stored as GeoJSON files.

The file store keeps one deterministic GeoJSON file per date in
``<data>/control/<theatre>/<YYYY-MM-DD>.geojson`` (see :mod:`frontline.control`), so the
history is versioned by git and reviewed with ``git diff``. Writes are atomic (a temporary
file in the same folder, then a rename) and never replace an existing date unless asked.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from frontline.control import ControlSnapshot
from frontline.dates import parse_date
from frontline.errors import DataFileError, SnapshotExistsError, SnapshotNotFoundError
from frontline.files import atomic_write_bytes, atomic_write_many, atomic_write_text  # noqa: F401 (moved to frontline.files; kept importable from here)

if TYPE_CHECKING:
    from frontline.factions import FactionRegistry
    from frontline.theatre import Theatre

_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.geojson$")


class HistoryBase:
    """What every history store shares: streaming, pairs, overwrite checks, helpful misses.

    A store provides ``dates()`` (ascending), ``get(date)``, ``__contains__``, ``_location()``
    and ``_empty_hint()``;
    :class:`ControlHistory` (files) and :class:`frontline.postgis.PostGISHistory` (PostGIS)
    derive from it, so library functions work unchanged on either.
    """

    def dates(self) -> list[_dt.date]:  # pragma: no cover - every store defines it
        raise NotImplementedError

    def get(self, date: _dt.date | str) -> ControlSnapshot:  # pragma: no cover
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

    def check_writable(
        self, dates: list[_dt.date] | tuple[_dt.date, ...], overwrite: bool = False
    ) -> None:
        """Raise :class:`SnapshotExistsError` naming every date in *dates* that exists, unless *overwrite*."""
        if overwrite:
            return
        existing = [parse_date(d) for d in dates if parse_date(d) in self]
        if existing:
            raise SnapshotExistsError(
                f"snapshot(s) for {', '.join(d.isoformat() for d in existing)} exist in "
                f"{self._location()}; pass overwrite=True (--overwrite) to replace them — "
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
    ) -> None:
        self.directory = Path(directory)
        self.theatre = theatre
        self.registry = registry
        self.validate = validate

    @classmethod
    def load(
        cls,
        theatre_id: str | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        validate: bool = True,
    ) -> ControlHistory:
        """The history of a theatre in a data directory, with its faction registry."""
        from frontline.factions import FactionRegistry
        from frontline.theatre import Theatre

        theatre = Theatre.load(theatre_id, data_dir)
        return cls(theatre.control_dir, theatre, FactionRegistry.load(theatre.data_dir), validate)

    @classmethod
    def for_theatre(
        cls, theatre: Theatre, registry: FactionRegistry | None = None, validate: bool = True
    ) -> ControlHistory:
        """The file history of an already loaded theatre (``<data>/control/<theatre>/``).

        The registry defaults to the theatre's data directory's ``factions.yaml``.
        """
        from frontline.factions import FactionRegistry

        registry = registry or FactionRegistry.load(theatre.data_dir)
        return cls(theatre.control_dir, theatre, registry, validate)

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
        out = []
        for p in self.directory.glob("*.geojson"):
            m = _NAME.match(p.name)
            try:
                if not m:
                    raise ValueError
                out.append(_dt.date.fromisoformat(m.group(1)))
            except ValueError:
                raise DataFileError(
                    f"{p}: snapshot files must be named YYYY-MM-DD.geojson with a real date; rename or move it"
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
    def get(self, date: _dt.date | str) -> ControlSnapshot:
        """The snapshot of exactly *date*.

        Raises
        ------
        SnapshotNotFoundError
            When there is none; the message lists the nearest dates.
        """
        day = parse_date(date)
        path = self.path_for(day)
        if not path.is_file():
            raise SnapshotNotFoundError(f"no snapshot on {day}; {self._dates_hint(day)}")
        return self._read(path, day)

    def at(self, date: _dt.date | str) -> ControlSnapshot:
        """The situation as of *date*: the latest snapshot on or before it.

        The returned snapshot keeps the date of the file it comes from.
        """
        day = parse_date(date)
        earlier = [d for d in self.dates() if d <= day]
        if not earlier:
            raise SnapshotNotFoundError(f"no snapshot on or before {day}; {self._dates_hint(day)}")
        return self._read(self.path_for(earlier[-1]), earlier[-1])

    def _read(self, path: Path, day: _dt.date) -> ControlSnapshot:
        snap = ControlSnapshot.from_geojson(path, date=None, theatre=self.theatre_id)
        if snap.date != day:
            raise DataFileError(
                f"{path}: the file says {snap.date} but is named {day}; make them agree"
            )
        if self.validate:
            snap = snap.validate(self.registry, self.theatre)
        return snap

    def _empty_hint(self) -> str:
        return f"the history in {self.directory} is empty (build or import snapshots first)"

    # -- writing ---------------------------------------------------------------------------
    def _location(self) -> str:
        return str(self.directory)

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
        self, snapshots, overwrite: bool = False, repair: bool = False, describe=None
    ) -> list[Path]:
        """Validate and store several snapshots: all of them or none.

        Every snapshot is validated and serialised first, then written to temporary files
        beside the targets, then renamed into place. If anything fails, files already
        renamed are restored to their previous content (or removed) and no temporary file
        is left behind.

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

        Returns
        -------
        list of pathlib.Path
            The files written, in date order.

        Raises
        ------
        SnapshotExistsError
            When a date exists and *overwrite* is False.
        DataFileError
            When two snapshots have the same date.
        """
        snaps = sorted(snapshots, key=lambda s: s.date)
        days = [s.date for s in snaps]
        if len(set(days)) != len(days):
            dup = sorted({d.isoformat() for d in days if days.count(d) > 1})
            raise DataFileError(f"several snapshots for {', '.join(dup)}; give one per date")
        self.check_writable(days, overwrite)
        texts = []
        for snap in snaps:
            if self.validate:
                snap = snap.validate(self.registry, self.theatre, repair=repair, describe=describe)
            if self.theatre_id and snap.theatre != self.theatre_id:
                snap = ControlSnapshot(snap.date, snap.areas, self.theatre_id)
            texts.append((self.path_for(snap.date), snap.to_geojson()))
        written = atomic_write_many(
            [(path, text.encode("utf-8")) for path, text in texts],
            overwrite=overwrite,
            exists_error=SnapshotExistsError,
        )
        return written

    def __repr__(self) -> str:
        return f"ControlHistory({str(self.directory)!r}, theatre={self.theatre_id!r})"
