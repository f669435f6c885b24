"""Choosing a history store (files or PostGIS) and copying a history between stores.

Every command that reads or writes control history calls :func:`open_history`, so it works
unchanged on the file store (the default, versioned by git) and on a shared PostGIS store
(``--store postgresql://…`` or ``$FRONTLINE_STORE``). Both stores have the same interface:
``dates()``, ``get(date)``, ``at(date)``, iteration, ``pairs()``, ``add(snapshot, overwrite=False)``.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Union

from frontline.errors import InputError, SnapshotExistsError
from frontline.postgis import is_postgis_url

if TYPE_CHECKING:
    from frontline.postgis import PostGISHistory
    from frontline.store import ControlHistory

History = Union["ControlHistory", "PostGISHistory"]


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
    from frontline.factions import FactionRegistry
    from frontline.store import ControlHistory
    from frontline.theatre import Theatre

    if store is None:
        store = os.environ.get("FRONTLINE_STORE") or None
    theatre = Theatre.load(theatre_id, data_dir)
    registry = FactionRegistry.load(theatre.data_dir)
    if store is None:
        return ControlHistory(theatre.control_dir, theatre, registry, validate)
    if is_postgis_url(store):
        from frontline.postgis import PostGISHistory

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
    """The folder of a theatre's snapshots in a folder store (see :func:`open_history`)."""
    folder = folder.expanduser()
    if (folder / "control").is_dir() or (folder / "theatres").is_dir():
        return folder / "control" / theatre_id
    if any(folder.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].geojson")):
        return folder
    return folder / theatre_id


@dataclass
class CopyReport:
    """What :func:`copy_history` did (or would do), date by date."""

    added: list[_dt.date] = field(default_factory=list)
    updated: list[_dt.date] = field(default_factory=list)
    unchanged: list[_dt.date] = field(default_factory=list)
    conflicts: list[_dt.date] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        """JSON-ready summary."""
        return {
            k: [d.isoformat() for d in getattr(self, k)]
            for k in ("added", "updated", "unchanged", "conflicts")
        }


def _current_text(history: ControlHistory | PostGISHistory, day: _dt.date) -> str | None:
    """The stored GeoJSON text of *day* in *history* (the file's bytes for a file store)."""
    from frontline.store import ControlHistory

    if isinstance(history, ControlHistory):
        path = history.path_for(day)
        return path.read_text(encoding="utf-8") if path.is_file() else None
    if day not in history:
        return None
    return history.get(day).to_geojson()


def copy_history(
    source: ControlHistory | PostGISHistory,
    dest: ControlHistory | PostGISHistory,
    overwrite: bool = False,
    dry_run: bool = False,
) -> CopyReport:
    """Copy every snapshot of *source* into *dest* exactly (``store push`` and ``store pull``).

    A date whose stored GeoJSON is already identical is left alone. Dates that differ are
    conflicts: unless *overwrite* is given the copy refuses before writing anything. Copying
    files to PostGIS and back gives byte-identical files.

    Raises
    ------
    SnapshotExistsError
        When some dates differ in *dest* and *overwrite* is False (the message lists them).
    """
    report = CopyReport()
    plan = []
    for snap in source:
        if dest.theatre_id and snap.theatre != dest.theatre_id:
            from frontline.control import ControlSnapshot

            snap = ControlSnapshot(snap.date, snap.areas, dest.theatre_id)
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
    if report.conflicts and not overwrite:
        shown = ", ".join(d.isoformat() for d in report.conflicts[:5])
        more = f" and {len(report.conflicts) - 5} more" if len(report.conflicts) > 5 else ""
        raise SnapshotExistsError(
            f"{len(report.conflicts)} date(s) differ between {source!r} and {dest!r}: {shown}{more}; "
            "nothing was copied. Pass --overwrite to replace them (PostGIS keeps the old ones as revisions)"
        )
    report.updated, report.conflicts = report.conflicts, []
    if not dry_run and plan:
        dest.add_many(plan, overwrite=True)  # one transaction / all-or-nothing file writes
    return report
