"""Conveniences of the top-level API that are not a method of one object.

Everything here is a short composition of the library's modules, for a notebook::

    import frontline
    frontline.at("2017-06-20")        # the snapshot in force on that day, shipped sample
"""

from __future__ import annotations

import datetime as _dt
import os

from frontline.backends import open_history
from frontline.control import ControlSnapshot
from frontline.history import History

__all__ = ["at"]


def at(
    date: _dt.date | str,
    history: History | None = None,
    *,
    store: str | None = None,
    theatre: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
) -> ControlSnapshot:
    """Return the control snapshot in force on *date*: the latest one on or before it.

    Parameters
    ----------
    date : datetime.date or str
        An ISO date (``"2017-06-20"``).
    history : History, optional
        A history already open. Otherwise one is opened with *store*, *theatre* and
        *data_dir* as :func:`frontline.load_history` does (default: the data folder's or the
        shipped sample's only theatre).
    store, theatre, data_dir : optional
        Where the history lives, when *history* is not given.

    Returns
    -------
    ControlSnapshot

    Raises
    ------
    SnapshotNotFoundError
        When the history has no snapshot on or before *date*.
    """
    if history is None:
        history = open_history(store, theatre_id=theatre, data_dir=data_dir)
    return history.at(date)
