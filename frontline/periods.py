"""Changes per calendar period: gained, lost and net ground per week, month or quarter.

A period's change is the :func:`frontline.diff.diff` (without topology) of two maps: the
latest snapshot on or before the period's first day and the latest on or before the next
period's first day. Gains and losses are the overlay's pieces (so ground taken and retaken
within the period counts in neither), measured on the WGS84 ellipsoid like every area in
frontline (:func:`frontline.geo.geodesic_area_km2`).

Published monthly figures are usually exactly this *net* change between the maps on two
first days. A series collected each morning (such as daily downloads of a map that its
authors update in the evening) shows on day D the map of day D-1; ``lag_days=1`` takes each
boundary's map one day later, which is how the daily DeepState series matches DeepState's
own monthly figures (see ``tests/data/deepstate_monthly.md``).
"""

from __future__ import annotations

import datetime as _dt
import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from frontline.dates import latest_on_or_before, parse_date
from frontline.diff import INFERRED_COLUMNS, diff
from frontline.errors import InputError, UnknownFactionError
from frontline.factions import UNKNOWN
from frontline.sitrep import md_text

if TYPE_CHECKING:
    import pandas as pd

    from frontline.control import ControlSnapshot
    from frontline.factions import FactionRegistry
    from frontline.history import History

__all__ = [
    "PERIODS", "PERIOD_COLUMNS", "period_changes", "period_label", "period_starts",
    "periods_markdown", "periods_table",
]  # fmt: skip

#: The calendar periods :func:`period_changes` knows (weeks are ISO weeks, Monday first).
PERIODS = ("week", "month", "quarter")
PERIOD_COLUMNS = [
    "period", "start", "end", "date_a", "date_b", "faction", "area_a_km2", "area_b_km2",
    "gained_km2", "lost_km2", "net_km2", *INFERRED_COLUMNS, "note",
]  # fmt: skip


def _check_by(by: str) -> str:
    if by not in PERIODS:
        raise InputError(f"unknown period {by!r}; use one of: {', '.join(PERIODS)}")
    return by


def _first_day(day: _dt.date, by: str) -> _dt.date:
    if by == "week":
        return day - _dt.timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


def _next_first_day(first: _dt.date, by: str) -> _dt.date:
    if by == "week":
        return first + _dt.timedelta(days=7)
    months = 1 if by == "month" else 3
    year, month = divmod(first.month - 1 + months, 12)
    return _dt.date(first.year + year, month + 1, 1)


def period_starts(first: _dt.date, last: _dt.date, by: str = "month") -> list[_dt.date]:
    """First days of the periods that cover *first*..*last*, and the first day after them.

    Parameters
    ----------
    first, last : datetime.date
        The span to cover (both days included).
    by : {"week", "month", "quarter"}
        Weeks start on Monday (ISO weeks); quarters in January, April, July and October.

    Returns
    -------
    list of datetime.date
        ``n + 1`` days bounding ``n`` periods.

    Examples
    --------
    >>> import datetime as dt
    >>> [d.isoformat() for d in period_starts(dt.date(2025, 1, 15), dt.date(2025, 3, 1))]
    ['2025-01-01', '2025-02-01', '2025-03-01', '2025-04-01']
    """
    _check_by(by)
    days = [_first_day(first, by)]
    while days[-1] <= last:
        days.append(_next_first_day(days[-1], by))
    return days


def period_label(first: _dt.date, by: str = "month") -> str:
    """Name a period by its first day: ``2025-09``, ``2025-W37`` or ``2025-Q3``.

    Examples
    --------
    >>> import datetime as dt
    >>> period_label(dt.date(2025, 9, 8), "week"), period_label(dt.date(2025, 7, 1), "quarter")
    ('2025-W37', '2025-Q3')
    """
    _check_by(by)
    if by == "week":
        year, week, _ = first.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return f"{first.year}-{first.month:02d}"
    return f"{first.year}-Q{(first.month - 1) // 3 + 1}"


def _boundary(days: list[_dt.date], wanted: _dt.date) -> tuple[_dt.date, str]:
    """Return the snapshot date standing for *wanted*, and a note when it is another day."""
    got = latest_on_or_before(days, wanted)
    if got is None:
        return days[0], f"no map on or before {wanted}: the first, {days[0]}, stands in"
    if got == wanted:
        return got, ""
    if wanted > days[-1]:
        return got, f"the series ends on {got}, before {wanted}: the period is not over"
    return got, f"{wanted} missing: {got} stands in"


def period_changes(
    history: History | Iterable[ControlSnapshot],
    by: str = "month",
    faction: str | None = None,
    *,
    lag_days: int = 0,
    start: _dt.date | str | None = None,
    end: _dt.date | str | None = None,
) -> pd.DataFrame:
    """Ground gained, lost and net per faction in each week, month or quarter of a history.

    Each period is compared from the map on its first day to the map on the next period's
    first day (each taken as the latest snapshot on or before that day, plus *lag_days*),
    with :func:`frontline.diff.diff`: ground taken and lost again within the period counts
    in neither gained nor lost.

    Parameters
    ----------
    history : history or iterable of ControlSnapshot
        A store (only the boundary snapshots are read) or snapshots in any order; its
        ``theatre``, when it has one, gives the equal-area projection.
    by : {"week", "month", "quarter"}, default "month"
    faction : str, optional
        Only this faction's rows.
    lag_days : int, default 0
        Take each boundary's map this many days after the period's first day: for a series
        whose snapshot dated D shows the map as it stood on D - *lag_days* (a download each
        morning of a map updated each evening has ``lag_days=1``).
    start, end : date or str, optional
        Only periods whose first day lies in ``[start, end]``.

    Returns
    -------
    pandas.DataFrame
        :data:`PERIOD_COLUMNS`, one row per period and faction held on either boundary (plus
        ``unknown`` when ground went to or came from nobody): ``period`` (``2025-09``,
        ``2025-W37``, ``2025-Q3``), ``start`` and ``end`` (the period's first day and the next
        period's, ``datetime.date``), ``date_a`` and ``date_b`` (the snapshots actually
        compared), ``area_a_km2``, ``area_b_km2`` (held on each; NaN for unknown),
        ``gained_km2``, ``lost_km2``, ``net_km2``, ``gained_inferred_km2``,
        ``lost_inferred_km2`` (the part of the gains and losses inferred on both dates) and
        ``note`` (empty, or which snapshot stood in for a missing boundary day and why).

    Raises
    ------
    InputError
        For an unknown period.
    UnknownFactionError
        When *faction* is held on no boundary date.

    Examples
    --------
    >>> from shapely import box
    >>> from frontline.control import ControlSnapshot
    >>> maps = [
    ...     ControlSnapshot.from_areas("2025-01-01", {"a": box(30, 48, 31, 49)}),
    ...     ControlSnapshot.from_areas("2025-02-01", {"a": box(30, 48, 31.5, 49)}),
    ... ]
    >>> df = period_changes(maps, by="month", faction="a")
    >>> df[["period", "date_a", "date_b"]].astype(str).values.tolist()
    [['2025-01', '2025-01-01', '2025-02-01'], ['2025-02', '2025-02-01', '2025-02-01']]
    >>> [round(v) for v in df["net_km2"]]
    [4109, 0]
    """
    import pandas as pd

    _check_by(by)
    theatre = getattr(history, "theatre", None)
    getter, days = _snapshot_source(history)
    lo = parse_date(start) if start is not None else None
    hi = parse_date(end) if end is not None else None
    rows: list[pd.DataFrame] = []
    if days:
        lag = _dt.timedelta(days=int(lag_days))
        bounds = period_starts(days[0] - lag, days[-1] - lag, by)
        cache: dict[_dt.date, ControlSnapshot] = {}
        for first, after in zip(bounds[:-1], bounds[1:], strict=True):
            if (lo is not None and first < lo) or (hi is not None and first > hi):
                continue
            day_a, note_a = _boundary(days, first + lag)
            day_b, note_b = _boundary(days, after + lag)
            snaps = {d: cache[d] if d in cache else getter(d) for d in (day_a, day_b)}
            cache = {day_b: snaps[day_b]}  # the next period starts where this one ends
            summary = diff(snaps[day_a], snaps[day_b], theatre=theatre, topology=False).summary
            note = "; ".join(n for n in (note_a, note_b) if n)
            rows.append(
                summary.drop(columns=["net_pct"]).assign(
                    period=period_label(first, by),
                    start=first,
                    end=after,
                    date_a=day_a,
                    date_b=day_b,
                    note=note,
                )  # fmt: skip
            )
    if not rows:
        df = pd.DataFrame({c: [] for c in PERIOD_COLUMNS})
    else:
        df = pd.concat(rows, ignore_index=True)[PERIOD_COLUMNS]
    if faction is not None:
        held = sorted(set(df["faction"]) - {UNKNOWN})
        if faction not in set(df["faction"]):
            raise UnknownFactionError(
                faction,
                difflib.get_close_matches(faction, held, n=3, cutoff=0.5),
                hint=f"(factions in these periods: {', '.join(held) or 'none'})",
            )
        df = df[df["faction"] == faction].reset_index(drop=True)
    return df


def _snapshot_source(history: Any) -> tuple[Any, list[_dt.date]]:
    """``(get(date) -> snapshot, sorted dates)`` for a store or an iterable of snapshots."""
    if hasattr(history, "dates") and hasattr(history, "get"):
        return history.get, sorted(history.dates())
    snaps = {s.date: s for s in history}
    return snaps.__getitem__, sorted(snaps)


def _names(df: pd.DataFrame, registry: FactionRegistry | None) -> dict[str, str]:
    return {
        f: (registry.get(f).name if registry is not None and f in registry else f)
        for f in df["faction"].unique()
    }


def _cell(km2: float, inferred: float) -> str:
    return f"{km2:,.1f}" + (f" ({inferred:,.0f} inferred)" if inferred >= 0.5 else "")


def _rows(df: pd.DataFrame, registry: FactionRegistry | None) -> list[list[str]]:
    names = _names(df, registry)
    out = []
    for r in df.itertuples(index=False):
        out.append([
            r.period, f"{r.date_a} → {r.date_b}", names[r.faction],
            _cell(r.gained_km2, r.gained_inferred_km2), _cell(r.lost_km2, r.lost_inferred_km2),
            f"{r.net_km2:+,.1f}", r.note,
        ])  # fmt: skip
    return out


_HEAD = ["Period", "Maps compared", "Faction", "Gained (km²)", "Lost (km²)", "Net (km²)", "Note"]


def periods_markdown(df: pd.DataFrame, registry: FactionRegistry | None = None) -> str:
    """Format a :func:`period_changes` table as Markdown (one row per period and faction).

    Gains and losses show in brackets how much of them is inferred ground.
    """
    if not len(df):
        return "_No periods: the history is empty._\n"
    lines = ["| " + " | ".join(_HEAD) + " |", "|---|---|---|---:|---:|---:|---|"]
    lines += ["| " + " | ".join(md_text(c) for c in row) + " |" for row in _rows(df, registry)]
    return "\n".join(lines) + "\n"


def periods_table(df: pd.DataFrame, registry: FactionRegistry | None = None) -> str:
    """Format a :func:`period_changes` table as aligned plain text for a terminal."""
    if not len(df):
        return "No periods: the history is empty.\n"
    rows = [_HEAD, *_rows(df, registry)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_HEAD))]
    right = {3, 4, 5}
    out = []
    for r in rows:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out) + "\n"
