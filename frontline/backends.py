"""Choosing a history store (files or PostGIS) and copying a history between stores.

Every command that reads or writes control history calls :func:`open_history`, so it works
unchanged on the file store (the default, versioned by git) and on a shared PostGIS store
(``--store postgresql://…`` or ``$FRONTLINE_STORE``). Both stores have the same interface,
:class:`frontline.store.History`: ``dates()``, ``get(date)``, ``at(date)``, iteration,
``pairs()``, ``add(snapshot, overwrite=False)``. (Copying a data directory's places and
observations into a PostGIS store beside its history is
:func:`frontline.postgis_reference.push_reference_data`.)
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from frontline.errors import ConflictError, InputError, SnapshotExistsError
from frontline.factions import FactionRegistry
from frontline.postgis import PostGISHistory
from frontline.postgis_schema import is_postgis_url
from frontline.store import ControlHistory, History, Version
from frontline.theatre import Theatre

__all__ = [
    "CopyReport",
    "History",
    "copy_history",
    "history_folder",
    "open_history",
]


def open_history(
    store: str | os.PathLike[str] | None = None,
    theatre_id: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    validate: bool = True,
    author: str | None = None,
) -> ControlHistory | PostGISHistory:
    """Open the control history of a theatre in the store named by *store*.

    Parameters
    ----------
    store : str or path-like, optional
        ``postgresql://user@host/db[?schema=NAME]`` for a PostGIS store; a folder for a file
        store; None for ``$FRONTLINE_STORE``, else the data directory's own
        ``control/<theatre>/`` folder. A folder that has a ``control/`` subfolder is a data
        directory (snapshots in ``control/<theatre>/``); a folder holding
        ``YYYY-MM-DD.geojson`` files is the history itself; any other folder holds one
        subfolder per theatre (``<folder>/<theatre>/``).
    theatre_id : str, optional
        Theatre (default: the data directory's default theatre).
    data_dir : path-like, optional
        Data directory with ``theatres/`` and ``factions.yaml`` (validation uses them).
    validate : bool, default True
        Validate snapshots read and written.
    author : str, optional
        Author recorded with PostGIS revisions (default ``$FRONTLINE_AUTHOR`` or the database user).

    Returns
    -------
    ControlHistory or PostGISHistory

    Raises
    ------
    InputError
        When *store* is a URL of another kind (e.g. ``mysql://``).
    StoreError
        When a PostGIS store cannot be reached or is not initialised.
    """
    if store is None:
        store = os.environ.get("FRONTLINE_STORE") or None
    theatre = Theatre.load(theatre_id, data_dir)
    registry = FactionRegistry.load(theatre.data_dir)
    if store is None:
        return ControlHistory.for_theatre(theatre, registry, validate)
    if is_postgis_url(store):
        return PostGISHistory(str(store), theatre, registry, validate, author)
    text = str(store)
    if text.startswith("file://"):
        text = text[len("file://") :]
    elif "://" in text:
        raise InputError(
            f"store {text!r} is neither a folder nor a postgresql:// URL; give one of those "
            "(--store or FRONTLINE_STORE)"
        )
    return ControlHistory(history_folder(Path(text), theatre.id), theatre, registry, validate)


def history_folder(folder: Path, theatre_id: str) -> Path:
    """Return the folder of a theatre's snapshots in a folder store (see :func:`open_history`)."""
    folder = folder.expanduser()
    if (folder / "control").is_dir() or (folder / "theatres").is_dir():
        return folder / "control" / theatre_id
    if any(folder.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].geojson")):
        return folder
    return folder / theatre_id


@dataclass
class CopyReport:
    """What :func:`copy_history` did (or would do), date by date.

    ``revisions`` maps each date of a PostGIS destination to its revision after the copy
    (written or unchanged), so a script can pass it back as ``--expected-revision``;
    ``replaced`` names the live revision (and its author) each update replaced.
    """

    added: list[_dt.date] = field(default_factory=list)
    updated: list[_dt.date] = field(default_factory=list)
    unchanged: list[_dt.date] = field(default_factory=list)
    conflicts: list[_dt.date] = field(default_factory=list)
    revisions: dict[_dt.date, int] = field(default_factory=dict)
    replaced: dict[_dt.date, tuple[int, str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready summary."""
        out: dict[str, object] = {
            k: [d.isoformat() for d in getattr(self, k)]
            for k in ("added", "updated", "unchanged", "conflicts")
        }
        if self.revisions:
            out["revisions"] = {d.isoformat(): r for d, r in sorted(self.revisions.items())}
        if self.replaced:
            out["replaced"] = {
                d.isoformat(): {"revision": r, "author": a}
                for d, (r, a) in sorted(self.replaced.items())
            }
        return out


def _where(history: History) -> str:
    """Where a history lives, in words for messages (a folder, or a URL and theatre)."""
    location = getattr(history, "location", None)
    return str(location) if location else repr(history)


def _current_text(history: History, day: _dt.date) -> str | None:
    """Return the stored GeoJSON text of *day* in *history* (a file store's file bytes)."""
    if isinstance(history, ControlHistory):
        path = history.path_for(day)
        return path.read_text(encoding="utf-8") if path.is_file() else None
    if day not in history:
        return None
    return history.get(day).to_geojson()


def copy_history(
    source: History,
    dest: History,
    overwrite: bool = False,
    dry_run: bool = False,
    expected: dict[_dt.date, Version] | None = None,
) -> CopyReport:
    """Copy every snapshot of *source* into *dest* exactly (``store push`` and ``store pull``).

    A date whose stored GeoJSON is already identical is left alone. Dates that differ are
    conflicts: unless *overwrite* is given the copy refuses before writing anything. Copying
    files to PostGIS and back gives byte-identical files.

    The versions of *dest* are read before anything is compared, and the write compares and
    sets against them (inside the PostGIS transaction, under the file store's lock): a date
    that someone else created or changed meanwhile is a :class:`ConflictError` and nothing is
    written. *expected* gives the version some dates must have (``--expected-revision``); a
    date given there may be replaced without *overwrite*.

    Raises
    ------
    SnapshotExistsError
        When some dates differ in *dest* and *overwrite* is False (the message lists them).
    ConflictError
        When a date of *expected* is not at that version, or a date changed while copying.
    """
    report = CopyReport()
    plan = []
    base = dest.versions()  # before reading what the write depends on
    given = {k: v for k, v in (expected or {}).items()}
    stale = {d: (v, base.get(d)) for d, v in given.items() if (base.get(d) or 0) != (v or 0)}
    if stale:
        raise ConflictError(
            "; ".join(
                f"{d}: expected revision {want}, but the store has {have or 0}"
                for d, (want, have) in sorted(stale.items())
            )
            + f" in {_where(dest)}; nothing was copied. Reload, merge and push again with the "
            "current revision(s)"
        )
    sent = {snap.date for snap in source}
    missing = sorted(set(given) - sent)
    if missing:
        raise InputError(
            f"--expected-revision names {', '.join(d.isoformat() for d in missing)}, "
            f"which {_where(source)} does not have"
        )
    for snap in source:
        if dest.theatre_id and snap.theatre != dest.theatre_id:
            snap = snap.replace(theatre=dest.theatre_id)
        text = snap.to_geojson()
        have = _current_text(dest, snap.date)
        if have is None:
            report.added.append(snap.date)
            plan.append(snap)
        elif have == text:
            report.unchanged.append(snap.date)
        else:
            report.conflicts.append(snap.date)
            plan.append(snap)
    moved = sorted(d for d, v in dest.versions().items() if d in sent and v != base.get(d))
    if moved:  # someone wrote while we compared: what we compared against is gone
        raise ConflictError(
            f"someone else wrote {', '.join(d.isoformat() for d in moved)} in {_where(dest)} "
            "while this command compared it; nothing was written (safe to retry: run the "
            "command again)"
        )
    refused = [d for d in report.conflicts if d not in given]
    if refused and not overwrite:
        shown = ", ".join(d.isoformat() for d in refused[:5])
        more = f" and {len(refused) - 5} more" if len(refused) > 5 else ""
        raise SnapshotExistsError(
            f"{len(refused)} date(s) differ between {_where(source)} and "
            f"{_where(dest)}: {shown}{more}; nothing was copied. Pass --overwrite "
            "to replace them (PostGIS keeps the old ones as revisions)"
        )
    report.updated, report.conflicts = report.conflicts, []
    pinned = {d: given.get(d, base.get(d)) for d in (s.date for s in plan)}
    written: list = []
    if not dry_run and plan:
        # one transaction / one journaled batch, compare-and-set against what was compared
        written = list(dest.add_many(plan, overwrite=True, expected=pinned))
    revisions = {d: v for d, v in base.items() if isinstance(v, int) and not isinstance(v, bool)}
    for snap, rev in zip(sorted(plan, key=lambda s: s.date), written, strict=False):
        if isinstance(rev, int):
            revisions[snap.date] = rev
    report.revisions = {d: revisions[d] for d in sorted(sent) if d in revisions}
    report.replaced = dict(getattr(dest, "replaced", {}) or {}) if written else {}
    return report
