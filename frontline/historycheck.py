"""Checking a whole control history: every snapshot validated, every problem listed.

:func:`validate_history` reads each stored snapshot without validation, validates it against
the history's faction registry and theatre, and returns a :class:`HistoryCheck` listing every
:class:`Problem` (a file store's misnamed files and leftovers of interrupted writes too),
the repaired snapshots when asked, and warnings about far or old support.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from frontline.control import ControlSnapshot
from frontline.dates import parse_date
from frontline.errors import InputError
from frontline.folderwrite import JOURNAL_NAME, leftovers
from frontline.history import Describe, History
from frontline.store import ControlHistory

_MISNAMED = "snapshot files must be named YYYY-MM-DD.geojson with a real date"


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
    >>> from frontline.store import ControlHistory                         # doctest: +SKIP
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
