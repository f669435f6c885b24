"""Dates: strict ISO parsing, so that a typo never becomes a wrong day."""

from __future__ import annotations

import bisect
import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from frontline.errors import InvalidDateError

DateLike = "str | datetime.date | datetime.datetime"


def parse_date(value: str | _dt.date | _dt.datetime) -> _dt.date:
    """Parse an ISO date (``YYYY-MM-DD``) or pass a date through.

    Parameters
    ----------
    value : str, datetime.date or datetime.datetime
        The date. Datetimes are truncated to their date.

    Returns
    -------
    datetime.date

    Raises
    ------
    InvalidDateError
        When *value* is not a real calendar date in ``YYYY-MM-DD`` form.

    Examples
    --------
    >>> parse_date("2017-06-09")
    datetime.date(2017, 6, 9)
    """
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().date()
    text = str(value).strip()
    try:
        if len(text) != 10:
            raise ValueError
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidDateError(
            f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2017-06-09"
        ) from None


def column_dates(values: Iterable[Any], where: str) -> list[_dt.date | None]:
    """Return the dates in a table column's cells (a GIS file's date field), None where empty.

    A cell may be an ISO date, an ISO date-time (its date is taken: GIS files often store
    ``2017-06-09T00:00:00``), a date or datetime, or a numpy ``datetime64``. Empty cells
    (None, NaN, NaT) give None. Each distinct value is parsed once.

    Parameters
    ----------
    values : iterable
        The cells.
    where : str
        Names the column in messages (e.g. ``"a.gpkg: column 'date'"``).

    Raises
    ------
    InvalidDateError
        When a cell holds something else (the message names *where* and the value).

    Examples
    --------
    >>> column_dates(["2017-06-09", None, "2017-06-10T05:00:00"], "f.csv: column 'date'")
    [datetime.date(2017, 6, 9), None, datetime.date(2017, 6, 10)]
    """
    out: list[_dt.date | None] = []
    seen: dict[Any, _dt.date] = {}
    for v in values:
        if isinstance(v, np.datetime64):
            v = None if np.isnat(v) else str(np.datetime_as_string(v, unit="D"))
        if v is None or v != v:  # NaN and pandas' NaT are not equal to themselves
            out.append(None)
            continue
        if v not in seen:
            try:
                seen[v] = _cell_date(v)
            except InvalidDateError as exc:
                raise InvalidDateError(f"{where}: {exc}") from None
        out.append(seen[v])
    return out


def _cell_date(value: Any) -> _dt.date:
    """One cell's date: an ISO date, or an ISO date-time's date."""
    if isinstance(value, str) and len(value.strip()) > 10:
        try:
            return _dt.datetime.fromisoformat(value.strip()).date()
        except ValueError:
            pass  # parse_date says what is wrong
    return parse_date(value)


def latest_on_or_before(dates: Sequence[_dt.date], day: _dt.date) -> _dt.date | None:
    """Return the latest of *dates* (sorted ascending) on or before *day*, or None.

    The map "as of" a day is the latest snapshot on or before it.

    >>> d = [_dt.date(2017, 1, 1), _dt.date(2017, 2, 1)]
    >>> latest_on_or_before(d, _dt.date(2017, 1, 20)), latest_on_or_before(d, _dt.date(2016, 12, 1))
    (datetime.date(2017, 1, 1), None)
    """
    k = bisect.bisect_right(dates, day)
    return dates[k - 1] if k else None
