"""A proposed observation: what :mod:`frontline.observe` reads from a report about one place.

:class:`Observation` holds the place, the holder after the event, the event, the previous
holder, the date and its precision, the confidence and the evidence (offsets into the
report's stripped text); :data:`PROPOSAL_COLUMNS` is the order of a proposals table's
columns (CSV, GeoDataFrame).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

__all__ = ["PROPOSAL_COLUMNS", "Observation"]

#: Columns of a proposals table (CSV / GeoDataFrame), in order.
PROPOSAL_COLUMNS = (
    "date", "place", "faction", "event", "from_faction", "date_precision", "confidence",
    "source", "url", "evidence", "evidence_start", "evidence_end", "place_start", "place_end",
    "written", "relation", "uncertainty_km", "lon", "lat", "note", "reviewed",
)  # fmt: skip


@dataclass(frozen=True)
class Observation:
    """A proposed observation: a claim a report makes about who holds a place.

    Attributes
    ----------
    place : str
        Gazetteer place id (``~…`` for a point derived from a relative phrase).
    place_name : str
        The place's name.
    faction : str
        Registry id of the holder *after* the event (``unknown`` when contested).
    event : str
        ``captured``, ``held``, ``lost`` or ``contested``.
    from_faction : str
        The previous holder, when the report says it ("" otherwise).
    date : datetime.date
        Effective date (never after the report's date).
    date_precision : str
        ``day``, ``week`` or ``month``.
    confidence : float
        0–1.
    evidence : str
        The sentence the claim comes from.
    evidence_start, evidence_end : int
        The sentence's offsets in the report's (stripped) text.
    place_start, place_end : int
        The place name's offsets.
    written : str
        The place name as written.
    relation : str or None
        The relative phrase the point was derived from (``offset``, ``outskirts`` …).
    lon, lat, uncertainty_km : float
        The point meant and its uncertainty radius.
    note : str
        Why: the trigger words and what lowered the confidence.
    source, url : str
        The report's source ("Outlet, date, title") and address.
    dated : bool
        Whether the text gives the date (False: the report's date, taken by default).
    via : str
        The kind of words the claim was read from (``capture``, ``cede``, ``enter`` …;
        ``enter:<faction>`` for fighting after a named faction entered).
    """

    place: str
    place_name: str
    faction: str
    event: str
    from_faction: str
    date: _dt.date
    date_precision: str
    confidence: float
    evidence: str
    evidence_start: int
    evidence_end: int
    place_start: int
    place_end: int
    written: str
    relation: str | None
    lon: float
    lat: float
    uncertainty_km: float
    note: str = ""
    source: str = ""
    url: str = ""
    dated: bool = True
    via: str = ""

    def has_note(self, note: str) -> bool:
        """Return True when *note* is one of the ``"; "``-separated parts of :attr:`note`."""
        return note in self.note.split("; ")

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form in :data:`PROPOSAL_COLUMNS` order (JSON-ready)."""
        d = {
            "date": self.date.isoformat(), "place": self.place, "faction": self.faction,
            "event": self.event, "from_faction": self.from_faction,
            "date_precision": self.date_precision, "confidence": round(self.confidence, 2),
            "source": self.source, "url": self.url, "evidence": self.evidence,
            "evidence_start": self.evidence_start, "evidence_end": self.evidence_end,
            "place_start": self.place_start, "place_end": self.place_end, "written": self.written,
            "relation": self.relation or "", "uncertainty_km": round(self.uncertainty_km, 3),
            "lon": round(self.lon, 6), "lat": round(self.lat, 6), "note": self.note,
            "reviewed": False,
        }  # fmt: skip
        d["place_name"] = self.place_name
        return d
