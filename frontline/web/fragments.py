"""Area fragments with valid-from/valid-to dates: a whole history, each unchanged area once.

The web map shows any date of a history and compares any two dates without clipping polygons
in the browser. For that the history is cut into **fragments**: pieces of ground that are
never split again, each with the list of its holders over time (:class:`Run`: who held it,
on what basis, from which date to which). A piece that kept its holder for the whole history
is one fragment with one run, stored once however many snapshots repeat it; ground that
changed hands carries a run per holder. Any two dates compare fragment by fragment: a
fragment whose holder differs between them changed hands.

The cut is built incrementally, one snapshot after the other: where nothing changed since the
previous snapshot, fragments are kept as they are; a fragment the changed region crosses is
split into the part outside it (same holder, same history) and one part per new holder (the
history so far, then the new holder from this date). All overlay operations snap to the
store's coordinate grid (:data:`frontline.geojson.GRID`), so neighbouring fragments share
their edges exactly.

Keys are ``(faction, basis)`` pairs: ``basis`` is ``observed`` or ``inferred`` (ground the fill
policy decided rather than an observation nearby); a snapshot without a ``basis`` column is
all ``observed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.geojson import GRID

if TYPE_CHECKING:
    import datetime as _dt

    from frontline.control import ControlSnapshot

#: The basis of ground near an observation, and of every area of a snapshot without a basis.
OBSERVED = "observed"
#: The basis of ground the fill policy decided.
INFERRED = "inferred"
#: Pieces smaller than this (square degrees, about 100 m² at 35° N) are dropped as overlay dust.
MIN_AREA_DEG2 = 1e-8

Key = tuple[str, str]

__all__ = [
    "INFERRED",
    "MIN_AREA_DEG2",
    "OBSERVED",
    "Fragment",
    "FragmentHistory",
    "Run",
    "fragment_history",
    "holders",
    "snapshot_keys",
]


@dataclass(frozen=True)
class Run:
    """One holder of a fragment over an unbroken range of snapshots.

    Attributes
    ----------
    faction : str
        Faction id.
    basis : str
        ``observed`` or ``inferred``.
    start : int
        Index of the first snapshot date of the run (valid from that date).
    end : int or None
        Index of the first snapshot date after the run (valid to that date, exclusive); None
        when the run lasts to the last snapshot.
    """

    faction: str
    basis: str
    start: int
    end: int | None

    def covers(self, index: int) -> bool:
        """Whether the run holds on the snapshot of *index*."""
        return self.start <= index and (self.end is None or index < self.end)


@dataclass
class Fragment:
    """A piece of ground and its holders over time (runs in date order, never overlapping).

    Attributes
    ----------
    geometry : shapely.Polygon or shapely.MultiPolygon
        Lon/lat, on the store's grid.
    runs : list of Run
    """

    geometry: Any
    runs: list[Run] = field(default_factory=list)

    def run_at(self, index: int) -> Run | None:
        """Return the run that holds on snapshot *index* (None: nobody held it then)."""
        for run in self.runs:
            if run.covers(index):
                return run
        return None

    def held_since(self, run: Run) -> int:
        """First snapshot of the unbroken holding by ``run.faction`` that *run* belongs to.

        Runs of the same faction that follow each other without a gap (only the basis
        changed) count as one holding.
        """
        start = run.start
        for prev in reversed(self.runs[: self.runs.index(run)]):
            if prev.faction != run.faction or prev.end != start:
                break
            start = prev.start
        return start


@dataclass
class FragmentHistory:
    """A history cut into fragments (see the module docstring).

    Attributes
    ----------
    dates : list of datetime.date
        The snapshot dates, ascending; runs index into it.
    fragments : list of Fragment
        Every fragment held by someone on at least one date.
    """

    dates: list[_dt.date]
    fragments: list[Fragment]

    def keys(self) -> list[Key]:
        """Every ``(faction, basis)`` that holds some fragment on some date, sorted."""
        return sorted({(r.faction, r.basis) for f in self.fragments for r in f.runs})

    def area_of(self, index: int, faction: str, basis: str | None = None) -> Any:
        """Return the union of the fragments *faction* holds on snapshot *index* (for checks)."""
        parts = []
        for frag in self.fragments:
            run = frag.run_at(index)
            if run is not None and run.faction == faction and basis in (None, run.basis):
                parts.append(frag.geometry)
        return shapely.union_all(parts, grid_size=GRID) if parts else shapely.MultiPolygon()


def snapshot_keys(snapshot: ControlSnapshot) -> dict[Key, Any]:
    """Return the areas of a snapshot by ``(faction, basis)``, on the store's grid, none empty.

    A snapshot without a ``basis`` column (or with an empty cell) counts as ``observed``.
    """
    areas = snapshot.areas
    bases = (
        [str(b) if isinstance(b, str) and b else OBSERVED for b in areas["basis"]]
        if "basis" in areas
        else [OBSERVED] * len(areas)
    )
    out: dict[Key, list[Any]] = {}
    for faction, basis, geom in zip(areas["faction"], bases, areas.geometry.values, strict=True):
        if geom is None or geom.is_empty:
            continue
        out.setdefault((str(faction), basis), []).append(geom)
    return {
        k: shapely.union_all(v, grid_size=GRID) if len(v) > 1 else shapely.set_precision(v[0], GRID)
        for k, v in sorted(out.items())
    }


class _Atom:
    """A fragment being built: its current geometry and its runs (the last may be open)."""

    __slots__ = ("geom", "runs")

    def __init__(self, geom: Any, runs: list[list[Any]]) -> None:
        self.geom = geom
        self.runs = runs  # [faction, basis, start, end or None]

    def child(self, geom: Any, key: Key | None, index: int) -> _Atom:
        """Return a piece of this atom held by *key* from snapshot *index* on (None: nobody)."""
        runs = [list(r) for r in self.runs]
        last = runs[-1] if runs and runs[-1][3] is None else None
        if last is not None and key is not None and (last[0], last[1]) == key:
            return _Atom(geom, runs)
        if last is not None:
            last[3] = index
        if key is not None:
            runs.append([key[0], key[1], index, None])
        return _Atom(geom, runs)


def _big(geom: Any, min_area: float) -> bool:
    return geom is not None and not geom.is_empty and shapely.area(geom) >= min_area


def _polygonal(geom: Any) -> Any:
    """Keep the polygons of an overlay result (lines and points of mere touches dropped)."""
    if isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
        return geom
    parts = [
        g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon | shapely.MultiPolygon)
    ]
    return shapely.union_all(parts) if parts else shapely.MultiPolygon()


def fragment_history(
    snapshots: Iterable[ControlSnapshot], min_area: float = MIN_AREA_DEG2
) -> FragmentHistory:
    """Cut a history into fragments with valid-from/valid-to dates.

    Parameters
    ----------
    snapshots : iterable of ControlSnapshot
        In date order (a history iterates so).
    min_area : float, default :data:`MIN_AREA_DEG2`
        Pieces smaller than this (square degrees) are dropped.

    Returns
    -------
    FragmentHistory
        The union of the fragments a faction holds on a date is its area on that date (to
        the grid and *min_area*).

    Examples
    --------
    >>> from shapely import box
    >>> from frontline.control import ControlSnapshot
    >>> a = ControlSnapshot.from_areas("2020-01-01",
    ...     {"red": box(0, 0, 2, 1), "blue": box(2, 0, 3, 1)})
    >>> b = ControlSnapshot.from_areas("2020-02-01",
    ...     {"red": box(0, 0, 1, 1), "blue": box(1, 0, 3, 1)})
    >>> fh = fragment_history([a, b])
    >>> for f in sorted(fh.fragments, key=lambda f: f.geometry.centroid.x):
    ...     print(f.geometry.bounds, [(r.faction, r.start, r.end) for r in f.runs])
    (0.0, 0.0, 1.0, 1.0) [('red', 0, None)]
    (1.0, 0.0, 2.0, 1.0) [('red', 0, 1), ('blue', 1, None)]
    (2.0, 0.0, 3.0, 1.0) [('blue', 0, None)]
    """
    dates: list[_dt.date] = []
    atoms: list[_Atom] = []
    prev: dict[Key, Any] = {}
    covered: Any = shapely.MultiPolygon()
    for index, snapshot in enumerate(snapshots):
        if dates and snapshot.date <= dates[-1]:
            raise ValueError(f"snapshots out of order: {snapshot.date} after {dates[-1]}")
        dates.append(snapshot.date)
        areas = snapshot_keys(snapshot)
        if index == 0:
            atoms = [_Atom(g, [[k[0], k[1], 0, None]]) for k, g in areas.items()]
            covered = shapely.union_all(list(areas.values()), grid_size=GRID)
            prev = areas
            continue
        moved = [
            shapely.symmetric_difference(
                prev.get(k, shapely.MultiPolygon()),
                areas.get(k, shapely.MultiPolygon()),
                grid_size=GRID,
            )
            for k in sorted(set(prev) | set(areas))
            if not (k in prev and k in areas and shapely.equals_exact(prev[k], areas[k], 0.0))
        ]
        prev = areas
        changed = _polygonal(shapely.union_all(moved, grid_size=GRID)) if moved else None
        if changed is None or not _big(changed, min_area):
            continue
        shapely.prepare(changed)
        atoms = _split(atoms, changed, areas, index, min_area)
        fresh = _polygonal(shapely.difference(changed, covered, grid_size=GRID))
        if _big(fresh, min_area):
            for key, geom in areas.items():
                piece = _polygonal(shapely.intersection(fresh, geom, grid_size=GRID))
                if _big(piece, min_area):
                    atoms.append(_Atom(piece, [[key[0], key[1], index, None]]))
        covered = shapely.union(covered, changed, grid_size=GRID)
    fragments = [
        Fragment(a.geom, [Run(str(f), str(b), int(s), e) for f, b, s, e in a.runs])
        for a in atoms
        if a.runs
    ]
    return FragmentHistory(dates, fragments)


def _split(
    atoms: list[_Atom], changed: Any, areas: dict[Key, Any], index: int, min_area: float
) -> list[_Atom]:
    """Split the atoms the changed region crosses; the rest are kept as they are."""
    if not atoms:
        return atoms
    tree = shapely.STRtree([a.geom for a in atoms])
    hit = set(tree.query(changed, predicate="intersects").tolist())
    boxes = {k: shapely.box(*g.bounds) for k, g in areas.items()}
    out: list[_Atom] = []
    for i, atom in enumerate(atoms):
        if i not in hit:
            out.append(atom)
            continue
        inside = _polygonal(shapely.intersection(atom.geom, changed, grid_size=GRID))
        if not _big(inside, min_area):
            out.append(atom)
            continue
        rest = _polygonal(shapely.difference(atom.geom, changed, grid_size=GRID))
        if _big(rest, min_area):
            out.append(_Atom(rest, atom.runs))
        box = shapely.box(*inside.bounds)
        pieces = []
        for key, geom in areas.items():
            if not shapely.intersects(box, boxes[key]):
                continue
            piece = _polygonal(shapely.intersection(inside, geom, grid_size=GRID))
            if not piece.is_empty:
                pieces.append(piece)
            if _big(piece, min_area):
                out.append(atom.child(piece, key, index))
        # what no key holds now: the changed part less the pieces (small, unlike the areas)
        taken = shapely.union_all(pieces, grid_size=GRID) if pieces else None
        nobody = (
            _polygonal(shapely.difference(inside, taken, grid_size=GRID))
            if taken is not None
            else inside
        )
        if _big(nobody, min_area):
            out.append(atom.child(nobody, None, index))
    return out


def holders(history: FragmentHistory, index: int) -> np.ndarray:
    """Return the faction holding each fragment on snapshot *index* ("" where nobody does)."""
    out = np.full(len(history.fragments), "", dtype=object)
    for i, frag in enumerate(history.fragments):
        run = frag.run_at(index)
        if run is not None:
            out[i] = run.faction
    return out
