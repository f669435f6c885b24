"""A whole control history as one table: a row per snapshot, faction and basis.

:func:`history_frame` gives any :class:`~frontline.history.History` as one GeoDataFrame
with ``valid_from``/``valid_to`` dates, the columns of the GeoPackage ``control`` layer
(:data:`HISTORY_COLUMNS`); :func:`snapshot_frame` gives the rows of one snapshot.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from frontline.geojson import to_multipolygon

if TYPE_CHECKING:
    import geopandas as gpd

    from frontline.control import ControlSnapshot
    from frontline.history import History

#: Columns of :func:`history_frame` (and of the GeoPackage ``control`` layer), before ``geometry``.
HISTORY_COLUMNS = [
    "faction", "basis", "sources", "confidence", "note", "date", "valid_from", "valid_to",
    "support",
]  # fmt: skip


def snapshot_frame(snapshot: ControlSnapshot, valid_to: _dt.date | None = None) -> gpd.GeoDataFrame:
    """Turn the areas of one snapshot into rows of :func:`history_frame`.

    Parameters
    ----------
    snapshot : ControlSnapshot
    valid_to : date, optional
        The date of the next snapshot (exclusive end of validity); None for the latest.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`HISTORY_COLUMNS` and ``geometry`` (MultiPolygon, EPSG:4326), one row
        per faction and basis with a non-empty area, sorted by faction then basis;
        ``sources`` as JSON list text; ``support`` the build's support report as JSON text
        (empty when the snapshot has none), so that an export read back is the history.
    """
    areas = snapshot.sorted_areas()
    geoms = [to_multipolygon(g) for g in areas.geometry.values]
    keep = [not g.is_empty for g in geoms]
    count = sum(keep)
    return _frame(
        {
            "faction": [str(f) for f, k in zip(areas["faction"], keep, strict=True) if k],
            "basis": [str(b) for b, k in zip(areas["basis"], keep, strict=True) if k],
            "sources": [
                json.dumps(list(s), ensure_ascii=False)
                for s, k in zip(areas["sources"], keep, strict=True)
                if k
            ],
            "confidence": [
                round(float(c), 3) for c, k in zip(areas["confidence"], keep, strict=True) if k
            ],
            "note": [str(n or "") for n, k in zip(areas["note"], keep, strict=True) if k],
            "date": [snapshot.date] * count,
            "valid_from": [snapshot.date] * count,
            "valid_to": [valid_to] * count,
            "support": [_support_text(snapshot)] * count,
        },
        [g for g, k in zip(geoms, keep, strict=True) if k],
    )


def _support_text(snapshot: ControlSnapshot) -> str:
    if snapshot.support is None:
        return ""
    return json.dumps(snapshot.support.to_dict(), sort_keys=True)


def history_frame(history: History) -> gpd.GeoDataFrame:
    """Read the whole history into one GeoDataFrame: a row per snapshot, faction and basis.

    The same table as the GeoPackage ``control`` layer (:func:`frontline.export.export_gpkg`):
    ``date`` (= ``valid_from``) and ``valid_to`` (the next snapshot's date, None for the
    latest) make it ready for time filters, e.g. ``frame[frame.date == day]``.

    Parameters
    ----------
    history : History
        A file or PostGIS store; snapshots are read one at a time.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`HISTORY_COLUMNS` and ``geometry`` (EPSG:4326), in date then faction order.

    Examples
    --------
    >>> from frontline.store import ControlHistory                      # doctest: +SKIP
    >>> frame = history_frame(ControlHistory.load("syria-iraq-2017"))  # doctest: +SKIP
    >>> frame.groupby("date").faction.count().head(2)                  # doctest: +SKIP
    """
    import pandas as pd

    dates = history.dates()
    next_of = {d: (dates[i + 1] if i + 1 < len(dates) else None) for i, d in enumerate(dates)}
    frames = [f for f in (snapshot_frame(s, next_of.get(s.date)) for s in history) if len(f)]
    if not frames:
        return _frame({c: [] for c in HISTORY_COLUMNS}, [])
    out = pd.concat(frames, ignore_index=True)
    return out.set_crs("EPSG:4326", allow_override=True)


def _frame(columns: dict[str, Any], geometry: Sequence[Any]) -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.GeoDataFrame(
        columns, geometry=gpd.GeoSeries(list(geometry), crs="EPSG:4326"), crs="EPSG:4326"
    )
