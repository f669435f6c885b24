"""What a map shows: a snapshot (or a change between two) and what it takes to draw it.

The drawing modules never load data: they take a :class:`MapScene` (a snapshot with its
faction registry, theatre and places) or a :class:`ChangeScene` (a diff with the snapshots it
compares). :func:`load_scene` and :func:`load_change_scene` are the one place where the
defaults are resolved — the history's registry and theatre, the theatre's gazetteer — so
``render_map(history, "2017-06-09")`` keeps working while a caller that already holds
everything builds the scene itself.

Examples
--------
>>> from frontline.store import ControlHistory                     # doctest: +SKIP
>>> history = ControlHistory.load("syria-iraq-2017")               # doctest: +SKIP
>>> scene = load_scene(history, "2017-06-09")                      # doctest: +SKIP
>>> scene.snapshot.date, scene.date                                # doctest: +SKIP
(datetime.date(2017, 6, 9), datetime.date(2017, 6, 9))
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from frontline.control import ControlSnapshot
from frontline.dates import parse_date
from frontline.diff import diff, places_changed
from frontline.errors import FrontlineError, InputError
from frontline.factions import FactionRegistry
from frontline.gazetteer import Gazetteer
from frontline.theatre import Theatre, resolve_data_dir

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MapScene:
    """What a dated map shows.

    Attributes
    ----------
    snapshot : ControlSnapshot
        The areas drawn.
    registry : FactionRegistry
        Colours, names and sides.
    theatre : Theatre, optional
        Default extent, title, and the countries drawn as "inside".
    places : GeoDataFrame, optional
        Places to label (id, name, alt_names, kind, importance, population, geometry), as
        :func:`load_gazetteer` prepares them; None for no place names.
    date : datetime.date, optional
        The "as of" date (default: the snapshot's date).
    gazetteer : Gazetteer, optional
        The gazetteer the places came from (change maps describe places with it).
    front_lines : GeoDataFrame, optional
        Front lines to draw instead of computing them with :func:`frontline.topology.front_lines`.
    """

    snapshot: ControlSnapshot
    registry: FactionRegistry
    theatre: Theatre | None = None
    places: gpd.GeoDataFrame | None = None
    date: _dt.date | None = None
    gazetteer: Any = None
    front_lines: gpd.GeoDataFrame | None = None

    @property
    def as_of(self) -> _dt.date:
        """The date the map says it shows: :attr:`date`, else the snapshot's date."""
        return self.date if self.date is not None else self.snapshot.date


@dataclass(frozen=True)
class ChangeScene:
    """What a change map shows: the later map, the earlier snapshot, and the diff between them.

    Attributes
    ----------
    changes : ChangeSet
        :func:`frontline.diff.diff` of *before* and ``after.snapshot``; anything with
        ``changes``, ``places_changed``, ``link_ups`` and ``front_lines_b`` works.
    before : ControlSnapshot
        The earlier snapshot (its sources are credited).
    after : MapScene
        The later map (its ``date`` is the second date asked for).
    date_a : datetime.date
        The first date asked for (the snapshot in force may be older).
    """

    changes: Any
    before: ControlSnapshot
    after: MapScene
    date_a: _dt.date


# -- places ---------------------------------------------------------------------------------------
_PLACES: dict[int, tuple[Any, Any]] = {}
_GAZETTEERS: dict[tuple, Any] = {}


def _cached_gazetteer(theatre: Theatre | None) -> Gazetteer:
    """``Gazetteer.load`` once per data directory, theatre and version of places.csv."""
    root = theatre.data_dir if theatre is not None else resolve_data_dir()
    csv_path = Path(root) / "gazetteer" / "places.csv"
    stamp = csv_path.stat().st_mtime_ns if csv_path.exists() else 0
    key = (str(Path(root).resolve()), theatre.id if theatre is not None else None, stamp)
    if key not in _GAZETTEERS:
        _GAZETTEERS.clear()
        _GAZETTEERS[key] = Gazetteer.load(root, theatre)
    return _GAZETTEERS[key]


def _places_cache(gazetteer: Any) -> gpd.GeoDataFrame:
    """``gazetteer.to_geodataframe()``, computed once per gazetteer object (animations)."""
    hit = _PLACES.get(id(gazetteer))
    if hit is None or hit[0] is not gazetteer:
        _PLACES.clear()
        hit = _PLACES[id(gazetteer)] = (gazetteer, gazetteer.to_geodataframe())
    return hit[1].copy()


def load_gazetteer(
    gazetteer: Any, theatre: Theatre | None = None
) -> tuple[Any, gpd.GeoDataFrame | None]:
    """Prepare the places to label: the gazetteer object (or None) and its places (or None).

    Parameters
    ----------
    gazetteer : Gazetteer, GeoDataFrame, False or None
        A :class:`frontline.gazetteer.Gazetteer` (its ``to_geodataframe()``), a ready
        GeoDataFrame (id, name, kind, importance, population, alt_names, geometry),
        ``False`` for no places, or None to load the theatre's gazetteer (no places, with
        a log message, when it cannot be loaded).
    theatre : Theatre, optional
        Whose gazetteer to load when *gazetteer* is None.

    Returns
    -------
    gazetteer : Gazetteer or None
        The object, when one was given or loaded (None for a GeoDataFrame).
    places : GeoDataFrame or None
        With ``importance``, ``population``, ``kind`` and ``id`` filled in.
    """
    if gazetteer is False:
        return None, None
    if gazetteer is None:
        try:
            gazetteer = _cached_gazetteer(theatre)
        except (FrontlineError, OSError) as exc:
            log.info("gazetteer not loaded (%s): the map has no place names", exc)
            return None, None
    obj = (
        gazetteer
        if hasattr(gazetteer, "reverse") and hasattr(gazetteer, "to_geodataframe")
        else None
    )
    gdf = _places_cache(gazetteer) if obj is not None else gazetteer.copy()
    if "importance" not in gdf:
        gdf["importance"] = 1
    if "population" not in gdf:
        gdf["population"] = 0
    if "kind" not in gdf:
        gdf["kind"] = ""
    if "id" not in gdf:
        gdf["id"] = gdf["name"]
    gdf["importance"] = gdf["importance"].fillna(1).astype(int)
    gdf["population"] = gdf["population"].fillna(0).astype(float)
    return obj, gdf


# -- scenes ---------------------------------------------------------------------------------------
def theatre_of(snapshot: ControlSnapshot) -> Theatre | None:
    """Load the theatre a snapshot names, from the default data folder (None when it cannot)."""
    if not snapshot.theatre:
        return None
    try:
        return Theatre.load(snapshot.theatre)
    except FrontlineError:
        return None


def load_scene(
    source: Any,
    date: _dt.date | str | None = None,
    *,
    registry: FactionRegistry | None = None,
    gazetteer: Any = None,
    theatre: Theatre | None = None,
    labels: bool = True,
) -> MapScene:
    """Load the scene of a dated map, with every default resolved.

    Parameters
    ----------
    source : ControlSnapshot or history
        One snapshot, or a history (``ControlHistory``, ``PostGISHistory``): the snapshot in
        force on *date* is drawn.
    date : date or str, optional
        The "as of" date (default: the snapshot's date, or the history's last date).
    registry : FactionRegistry, optional
        Default: the history's, or the data directory's of the theatre.
    gazetteer : Gazetteer or GeoDataFrame or False, optional
        Places to label (default: the theatre's gazetteer when available; False: none). Not
        loaded when *labels* is False and none is given.
    theatre : Theatre, optional
        Default: the history's, or the theatre the snapshot names.
    labels : bool, default True
        Whether the map will name places (loads the default gazetteer).

    Returns
    -------
    MapScene

    Raises
    ------
    InputError
        When the history is empty.
    SnapshotNotFoundError
        When the history has no snapshot on or before *date*.
    """
    if isinstance(source, ControlSnapshot):
        snapshot = source
        requested = parse_date(date) if date is not None else snapshot.date
    else:
        if date is None:
            dates = source.dates()
            if not dates:
                raise InputError("the history is empty: build or import snapshots first")
            date = dates[-1]
        requested = parse_date(date)
        snapshot = source.at(requested)
        theatre = theatre or getattr(source, "theatre", None)
        registry = registry or getattr(source, "registry", None)
    theatre = theatre or theatre_of(snapshot)
    registry = registry or FactionRegistry.load(theatre.data_dir if theatre is not None else None)
    obj, places = (
        load_gazetteer(gazetteer, theatre) if labels or gazetteer is not None else (None, None)
    )
    return MapScene(snapshot, registry, theatre, places, requested, obj)


class _PlaceTable:
    """A places GeoDataFrame seen as a gazetteer by :func:`frontline.diff.places_changed`."""

    def __init__(self, frame: gpd.GeoDataFrame) -> None:
        self.frame = frame

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        return self.frame


def load_change_scene(
    source: Any,
    date_a: _dt.date | str | None = None,
    date_b: _dt.date | str | None = None,
    *,
    changes: Any = None,
    registry: FactionRegistry | None = None,
    gazetteer: Any = None,
    theatre: Theatre | None = None,
    labels: bool = True,
) -> ChangeScene:
    """Load the scene of a change map: both snapshots and the diff between them.

    Parameters
    ----------
    source : history or (ControlSnapshot, ControlSnapshot)
        A history (the snapshots in force on each date), or the pair of snapshots.
    date_a, date_b : date or str, optional
        The two "as of" dates (default: those of *changes*).
    changes : ChangeSet, optional
        A diff already computed (:func:`frontline.diff.diff` of the two snapshots), so a
        caller that also writes the diff's report does not compute it twice. Otherwise it
        is computed here (with the gazetteer, when there is one, to find the places that
        changed hands).
    registry, gazetteer, theatre, labels
        As in :func:`load_scene`.

    Returns
    -------
    ChangeScene

    Raises
    ------
    InputError
        When a date is missing or the second date is not after the first.
    """
    if date_a is None and changes is not None:
        date_a = getattr(changes, "date_a", None)
    if date_b is None and changes is not None:
        date_b = getattr(changes, "date_b", None)
    if date_a is None or date_b is None:
        raise InputError("a change map needs two dates (or a ChangeSet that has them)")
    day_a, day_b = parse_date(date_a), parse_date(date_b)
    if day_b <= day_a:
        raise InputError(f"the second date ({day_b}) must be after the first ({day_a})")
    kw = dict(registry=registry, gazetteer=gazetteer, theatre=theatre, labels=labels)
    if isinstance(source, tuple):
        before, later = source
        after = load_scene(later, day_b, **kw)
    else:
        after = load_scene(source, day_b, **kw)
        before = source.at(day_a)
    if changes is None:
        changes = diff(
            before,
            after.snapshot,
            registry=after.registry,
            gazetteer=after.gazetteer,
            theatre=after.theatre,
        )
        if after.gazetteer is None and after.places is not None:
            # places given as a frame: the places on the map that changed hands
            table = cast("Gazetteer", _PlaceTable(after.places))  # only to_geodataframe() is used
            changes = dataclasses.replace(
                changes, places_changed=places_changed(before, after.snapshot, table)
            )
    return ChangeScene(changes, before, after, day_a)
