"""Dates: strict ISO parsing, so that a typo never becomes a wrong day."""

from __future__ import annotations

import bisect
import datetime as _dt
from collections.abc import Sequence

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


def latest_on_or_before(dates: Sequence[_dt.date], day: _dt.date) -> _dt.date | None:
    """Return the latest of *dates* (sorted ascending) on or before *day*, or None.

    The map "as of" a day is the latest snapshot on or before it.

    >>> d = [_dt.date(2017, 1, 1), _dt.date(2017, 2, 1)]
    >>> latest_on_or_before(d, _dt.date(2017, 1, 20)), latest_on_or_before(d, _dt.date(2016, 12, 1))
    (datetime.date(2017, 1, 1), None)
    """
    k = bisect.bisect_right(dates, day)
    return dates[k - 1] if k else None
