"""A small hand-made history for the web map tests (fictional, over the testland theatre).

Drawn by hand rather than built from observations, so the screenshots do not move when the
build method changes. Three dates; the Black Banner holds observed and inferred ground (the
``basis`` column), the Reds advance east on the second date, the Blues take the Banner's east
on the third; Grey State sits still in the south. An in-memory :class:`ListHistory` carries the
snapshots with their ``basis`` column (a store may not keep it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import shapely
from conftest import SYNTHETIC_THEATRE, write_synthetic_data
from shapely import box

from frontline.control import ControlSnapshot
from frontline.factions import FactionRegistry
from frontline.gazetteer import Gazetteer, read_places_csv
from frontline.theatre import Theatre

DATES = ("2020-01-01", "2020-02-01", "2020-03-01")

#: (faction, basis) -> geometry, per date
AREAS = {
    "2020-01-01": {
        ("red", "observed"): box(38.3, 33.5, 39.3, 34.3),
        ("black", "observed"): box(39.3, 33.3, 40.6, 34.3),
        ("black", "inferred"): box(39.3, 32.8, 40.6, 33.3),
        ("blue", "observed"): box(40.6, 33.6, 41.3, 34.4),
        ("grey", "observed"): box(38.4, 32.4, 39.1, 32.7),
    },
    "2020-02-01": {
        ("red", "observed"): box(38.3, 33.5, 39.7, 34.3),
        ("black", "observed"): box(39.7, 33.3, 40.6, 34.3),
        ("black", "inferred"): box(39.7, 32.8, 40.6, 33.3),
        ("blue", "observed"): box(40.6, 33.6, 41.3, 34.4),
        ("grey", "observed"): box(38.4, 32.4, 39.1, 32.7),
    },
    "2020-03-01": {
        ("red", "observed"): box(38.3, 33.5, 39.7, 34.3),
        ("black", "observed"): box(39.7, 33.3, 40.2, 34.3),
        ("black", "inferred"): box(39.7, 32.8, 40.2, 33.3),
        ("blue", "observed"): shapely.union(
            box(40.2, 33.3, 41.3, 34.4), box(40.2, 32.8, 40.6, 33.3)
        ),
        ("grey", "observed"): box(38.4, 32.4, 39.1, 32.7),
    },
}

SOURCES = {
    "red": "Synthetic Times: Reds hold the west",
    "black": "Synthetic Post: the Banner in the centre",
    "blue": "Synthetic Post: Blues in the east",
    "grey": "Synthetic Post: Golf quiet",
}

#: observations with a url column (the CSV's optional column), read with the theatre's gazetteer
OBSERVATIONS_CSV = '''\
date,place,faction,source,confidence,note,url
2020-01-01,Alpha,red,"Synthetic Times, 2020-01-01, ""Reds hold Alpha""",1.0,,https://example.org/alpha
2020-01-01,delta,black,"Synthetic Post, 2020-01-01, ""Banner in Delta""",0.8,,https://example.org/delta
2020-01-01,foxtrot,blue,"Synthetic Post, 2020-01-01, ""Blues in Foxtrot""",1.0,,
2020-01-01,golf,grey,"Synthetic Post, 2020-01-01, ""Golf quiet""",1.0,"a note
on two lines",https://example.org/golf
2020-03-01,delta,black,"Synthetic Post, 2020-03-01, ""Banner still in Delta""",0.9,,https://example.org/delta-2
'''


def snapshot(day: str, theatre: str | None = SYNTHETIC_THEATRE) -> ControlSnapshot:
    """The snapshot of *day*, one row per (faction, basis), with a ``basis`` column."""
    rows = sorted(AREAS[day].items())
    frame = gpd.GeoDataFrame(
        {
            "faction": [k[0] for k, _ in rows],
            "sources": [[SOURCES[k[0]]] for k, _ in rows],
            "confidence": [0.9 if k[1] == "observed" else 0.5 for k, _ in rows],
            "note": ["" for _ in rows],
            "basis": [k[1] for k, _ in rows],
        },
        geometry=gpd.GeoSeries(
            [shapely.MultiPolygon([g]) if g.geom_type == "Polygon" else g for _, g in rows],
            crs="EPSG:4326",
        ),  # fmt: skip
        crs="EPSG:4326",
    )
    return ControlSnapshot(dt.date.fromisoformat(day), frame, theatre)


class ListHistory:
    """An in-memory history (the part of the ``History`` protocol the site writer reads)."""

    validate = False

    def __init__(self, snapshots: list[ControlSnapshot], theatre: Theatre, registry) -> None:
        self.snapshots = {s.date: s for s in snapshots}
        self.theatre = theatre
        self.registry = registry

    @property
    def theatre_id(self) -> str:
        return self.theatre.id

    def dates(self) -> list[dt.date]:
        return sorted(self.snapshots)

    def get(self, date, *, validate=None) -> ControlSnapshot:
        return self.snapshots[dt.date.fromisoformat(str(date))]

    def at(self, date) -> ControlSnapshot:
        day = dt.date.fromisoformat(str(date))
        return self.snapshots[max(d for d in self.snapshots if d <= day)]

    def __iter__(self):
        return iter(self.snapshots[d] for d in self.dates())

    def __len__(self) -> int:
        return len(self.snapshots)


def web_data_dir(root: Path) -> Path:
    """The synthetic data folder with the observations above (urls included).

    Alpha gets an Arabic name, so the map's Arabic labels can be checked.
    """
    data = write_synthetic_data(root)
    places = data / "gazetteer" / "places.csv"
    places.write_text(
        places.read_text(encoding="utf-8").replace("Al-Alpha|Alfa", "Al-Alpha|Alfa|ألفا"),
        encoding="utf-8",
    )
    (data / "observations" / f"{SYNTHETIC_THEATRE}.csv").write_text(
        OBSERVATIONS_CSV, encoding="utf-8"
    )
    return data


def write_web_site(root: Path, **kwargs):
    """Write the site of the hand-made history into ``root/site`` (data in ``root/data``)."""
    from frontline.web import write_site

    history, gazetteer = web_history(web_data_dir(root / "data"))
    kwargs.setdefault("data_licence", "CC0 (test data)")
    return write_site(history, root / "site", gazetteer=gazetteer, **kwargs)


def web_history(data: Path) -> tuple[ListHistory, Gazetteer]:
    """The hand-made history over the data folder's theatre, and its gazetteer."""
    theatre = Theatre.load(SYNTHETIC_THEATRE, data)
    registry = FactionRegistry.load(data)
    gazetteer = Gazetteer(read_places_csv(data / "gazetteer" / "places.csv"))
    return ListHistory([snapshot(d) for d in DATES], theatre, registry), gazetteer
