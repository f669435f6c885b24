"""Dates: strict ISO parsing, so that a typo never becomes a wrong day."""

from __future__ import annotations

import datetime as _dt

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
