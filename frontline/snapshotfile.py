"""The snapshot file: a control snapshot as a deterministic RFC 7946 GeoJSON FeatureCollection.

A :class:`~frontline.control.ControlSnapshot` on disk is written so that ``git diff`` of two
versions shows only what changed:

* one feature per faction and basis, sorted by faction id then basis, one feature per line;
* property keys sorted; properties ``faction``, ``basis``, ``date``, ``sources`` (list),
  ``confidence``, ``note`` (a file without ``basis`` reads as ``observed``);
* the support report, when there is one, as the collection's ``support`` member;
* coordinates snapped to a grid of 10⁻⁵ degrees (about 1.1 m;
  :data:`frontline.geojson.COORD_DECIMALS`) with :func:`shapely.set_precision`, so the
  geometry stays valid, and exterior rings counter-clockwise.

Reading a file and writing it back gives the same bytes. :func:`read_snapshot_file` reads the
text into plain columns (:class:`SnapshotFile`); :func:`snapshot_text` writes rows;
:meth:`~frontline.control.ControlSnapshot.from_geojson` and
:meth:`~frontline.control.ControlSnapshot.to_geojson` build on them.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from frontline.dates import parse_date
from frontline.errors import CRSError, DataFileError, InvalidGeometryError
from frontline.geojson import (
    geometry_from_mapping,
    geometry_json,
    normalise_geometry,
    to_multipolygon,
)
from frontline.provenance import Support, check_basis, parse_sources


@dataclass(frozen=True)
class SnapshotFile:
    """What a snapshot file holds, read by :func:`read_snapshot_file`.

    Attributes
    ----------
    label : str
        The file (or the label of GeoJSON text) for messages.
    date : datetime.date
    theatre : str or None
        The theatre id given, else the collection's ``theatre`` member.
    support : Support or None
        The collection's support report.
    columns : dict of str to list
        ``faction``, ``basis``, ``sources``, ``confidence`` and ``note``, one value per
        feature in file order.
    geometries : list
        One shapely geometry per feature.
    canonical : tuple of (dict, numpy.ndarray) or None
        The rows in stored form (see
        :meth:`~frontline.control.ControlSnapshot.from_parts`) when nothing needs
        dissolving; None otherwise.
    """

    label: str
    date: _dt.date
    theatre: str | None
    support: Support | None
    columns: dict[str, list]
    geometries: list[Any]
    canonical: tuple[dict[str, list], np.ndarray] | None


def read_snapshot_file(
    source: str | os.PathLike[str],
    date: _dt.date | str | None = None,
    theatre: str | None = None,
    *,
    label: str | None = None,
) -> SnapshotFile:
    """Read a snapshot file path (or GeoJSON text) into plain columns.

    The parameters and errors are those of
    :meth:`frontline.control.ControlSnapshot.from_geojson`, which checks the coordinates and
    builds the snapshot.

    Raises
    ------
    DataFileError
        When the file is missing, not UTF-8 or not a GeoJSON FeatureCollection.
    CRSError
        When a ``crs`` member names something other than lon/lat WGS84.
    InvalidGeometryError
        When a geometry cannot be parsed.
    InvalidDateError
        When the date is missing or not a real ``YYYY-MM-DD`` date.
    """
    label, text = _read_text(source, label)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(f"{label}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise DataFileError(f"{label}: expected a GeoJSON FeatureCollection")
    crs_name = ((doc.get("crs") or {}).get("properties") or {}).get("name")
    if crs_name and not any(k in str(crs_name) for k in ("CRS84", "4326")):
        raise CRSError(
            f"{label}: coordinates are in {crs_name}; control snapshots are lon/lat WGS84 "
            "(RFC 7946). Import the file with `frontline control import`, which reprojects."
        )
    features = doc.get("features") or []
    support = Support.from_dict(doc["support"], label) if doc.get("support") else None
    factions, geoms, sources, confs, notes, dates = [], [], [], [], [], set()
    bases: list[Any] = []
    for i, feat in enumerate(features):
        props = feat.get("properties") or {}
        if "faction" not in props:
            raise DataFileError(f"{label}: feature {i + 1} has no 'faction' property")
        try:
            geom = geometry_from_mapping(feat["geometry"])
        except Exception as exc:  # noqa: BLE001 - shapely raises several types
            raise InvalidGeometryError(
                f"{label}: feature {i + 1} ({props.get('faction')}) has a malformed geometry: {exc}"
            ) from None
        factions.append(str(props["faction"]))
        bases.append(props.get("basis"))
        geoms.append(geom)
        sources.append(parse_sources(props.get("sources", [])))
        confs.append(float(props.get("confidence", 1.0)))
        notes.append(str(props.get("note") or ""))
        if props.get("date"):
            dates.add(str(props["date"]))
    if date is None:
        date = doc.get("date") or (dates.pop() if len(dates) == 1 else None) or Path(label).stem
    day = parse_date(date)
    basis = check_basis(bases, label)
    tid = theatre or doc.get("theatre")
    fast = _canonical_rows(factions, basis, sources, confs, notes, geoms)
    columns: dict[str, list] = {
        "faction": factions,
        "basis": basis,
        "sources": sources,
        "confidence": confs,
        "note": notes,
    }
    return SnapshotFile(label, day, tid, support, columns, geoms, fast)


def snapshot_text(
    date: _dt.date,
    rows: Iterable[tuple[Any, Any, Any, Any, Any, Any]],
    support: Support | None = None,
    theatre: str | None = None,
) -> str:
    """Deterministic RFC 7946 GeoJSON text: sorted, rounded, one feature per line.

    Parameters
    ----------
    date : datetime.date
    rows : iterable of tuple
        ``(faction, basis, sources, confidence, note, geometry)`` per area, in file order
        (by faction, then basis); empty geometries are left out.
    support : Support, optional
        Written as the collection's ``support`` member.
    theatre : str, optional
        Written as the collection's ``theatre`` member.
    """
    lines = []
    for faction, basis, sources, confidence, note, geometry in rows:
        geom = normalise_geometry(geometry)
        if geom.is_empty:
            continue
        props = {
            "basis": basis,
            "confidence": round(float(confidence), 3),
            "date": date.isoformat(),
            "faction": faction,
            "note": note or "",
            "sources": sorted(parse_sources(sources)),
        }
        lines.append(
            '{"type": "Feature", "properties": '
            + json.dumps(props, sort_keys=True, ensure_ascii=False)
            + ', "geometry": '
            + geometry_json(geom)
            + "}"
        )
    head: dict[str, Any] = {"type": "FeatureCollection", "date": date.isoformat()}
    if support is not None:
        head["support"] = support.to_dict()
    if theatre:
        head["theatre"] = theatre
    header = json.dumps(head, ensure_ascii=False)[:-1]
    return header + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"


def _canonical_rows(
    factions: list[str],
    basis: list[str],
    sources: list[list[str]],
    confs: list[float],
    notes: list[str],
    geoms: list[Any],
) -> tuple[dict[str, list], np.ndarray] | None:
    """Return the rows :meth:`ControlSnapshot.from_areas` would give, when nothing dissolves.

    None when two features share a faction and basis or a geometry is not polygonal (then
    :meth:`~ControlSnapshot.from_areas` dissolves, or raises its error). Empty geometries are
    dropped, rows sorted by faction then basis, as there.
    """
    keys = list(zip(factions, basis, strict=True))
    if len(set(keys)) != len(keys):
        return None
    arr = np.asarray(geoms, dtype=object) if geoms else np.array([], dtype=object)
    if arr.size and not np.isin(shapely.get_type_id(arr), (3, 6)).all():
        return None
    keep = [i for i in sorted(range(len(keys)), key=keys.__getitem__) if not arr[i].is_empty]
    if not keep:
        return None
    columns: dict[str, list] = {
        "faction": [factions[i] for i in keep],
        "basis": [basis[i] for i in keep],
        "sources": [sorted(set(sources[i])) for i in keep],
        "confidence": [confs[i] for i in keep],
        "note": [notes[i] for i in keep],
    }
    return columns, np.array([to_multipolygon(arr[i]) for i in keep], dtype=object)


def _read_text(source: str | os.PathLike[str], label: str | None = None) -> tuple[str, str]:
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return label or "<geojson text>", source
    path = Path(source)
    if not path.is_file():
        raise DataFileError(f"{path}: file not found")
    try:
        return str(path), path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: not UTF-8 text") from None
