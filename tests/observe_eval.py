"""Scoring of `frontline observe` on the labelled reports in tests/data/reports/.

Matching rule (issue 13): a proposal matches a label when the place (derived points: within
the label's radius, default 10 km) and the faction agree (a label's ``also`` factions count);
event kind and date (+-1 day; +-7 for ``week``, same month +-31 days for ``month``
precision) are then scored on the matches. Labels marked ``optional`` are neither required
for recall nor counted as false positives; labels of places the gazetteer lacks
(``place: null``) are listed, never counted.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPORTS = Path(__file__).resolve().parent / "data" / "reports"
_TOL = {"day": 1, "week": 7, "month": 31}


def load_reports(split: str) -> list[dict[str, Any]]:
    """The reports of ``heldout`` or ``dev``."""
    return yaml.safe_load((REPORTS / f"{split}.yaml").read_text("utf-8"))


@dataclass
class Score:
    """Counts over a set of reports."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    event_ok: int = 0
    date_ok: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.event_ok += other.event_ok
        self.date_ok += other.date_ok
        self.errors += other.errors


def _near(obs: Any, label: dict[str, Any], places: Any) -> bool:
    if obs.place == label["place"]:
        return True
    if not obs.place.startswith("~") or label["place"] is None:
        return False
    p = places.get(label["place"])
    radius = float(label.get("radius_km", 10.0))
    dlat = math.radians(obs.lat - p.lat)
    dlon = math.radians(obs.lon - p.lon) * math.cos(math.radians(p.lat))
    return 6371.0 * math.hypot(dlat, dlon) <= radius + obs.uncertainty_km


def score_report(report: dict[str, Any], observations: list[Any], gazetteer: Any) -> Score:
    """Score one report's proposals against its labels."""
    s = Score()
    labels = [lab for lab in report["expected"] if lab.get("place")]
    matched_labels: set[int] = set()
    for o in observations:
        hit = None
        for k, lab in enumerate(labels):
            factions = {lab["faction"], *lab.get("also", [])}
            if o.faction in factions and _near(o, lab, gazetteer):
                hit = (k, lab)
                if not lab.get("optional"):
                    break
        if hit is None:
            s.fp += 1
            s.errors.append(
                f"{report['id']}: FP {o.place} {o.faction} {o.event} {o.date} "
                f"<- {o.written!r} ({o.note})"
            )
            continue
        k, lab = hit
        if lab.get("optional"):
            continue
        if k in matched_labels:
            continue  # a second proposal for a label already matched: neither TP nor FP
        matched_labels.add(k)
        s.tp += 1
        if o.event == lab["event"] or {o.event, lab["event"]} <= {"captured", "lost"}:
            s.event_ok += 1
        else:
            s.errors.append(f"{report['id']}: event {o.place} {o.event} != {lab['event']}")
        tol = _TOL.get(lab.get("precision", "day"), 1)
        if abs((o.date - _as_date(lab["date"])).days) <= tol:
            s.date_ok += 1
        else:
            s.errors.append(f"{report['id']}: date {o.place} {o.date} != {lab['date']}")
    for k, lab in enumerate(labels):
        if not lab.get("optional") and k not in matched_labels:
            s.fn += 1
            s.errors.append(
                f"{report['id']}: FN {lab['place']} {lab['faction']} {lab['event']} ({lab['name']})"
            )
    return s


def _as_date(v: Any) -> dt.date:
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


#: The comment lines of dev.yaml that start each round's part, and the part's name.
_ROUND_MARKS = (
    ("# The first held-out set", "round-1 held-out"),
    ("# The second held-out set", "round-2 held-out"),
    ("# Round 3: new development", "round-3 development"),
    ("# round-3 held-out set (moved in round 4)", "round-3 held-out"),
    ("# round-4 held-out set (moved in round 5)", "round-4 held-out"),
    ("# round-5 held-out set (moved in round 6)", "round-5 held-out"),
    ("# round-6 held-out set (moved in round 7)", "round-6 held-out"),
    ("# round-7 held-out set (moved in round 8)", "round-7 held-out"),
)


def dev_parts() -> dict[str, str]:
    """Report id -> the part of dev.yaml it came from ("round-1 development" … "round-5 held-out").

    Read from the comment lines that open each part, so that a fix for one round's kinds can
    be checked on the older rounds alone.
    """
    part, out = "round-1 development", {}
    for line in (REPORTS / "dev.yaml").read_text("utf-8").splitlines():
        part = next((name for mark, name in _ROUND_MARKS if line.startswith(mark)), part)
        if line.startswith("- id:"):
            out[line.split(":", 1)[1].strip()] = part
    return out


def evaluate(split: str, gazetteer: Any, registry: Any, parts: bool = False) -> dict[str, Score]:
    """Scores per language (``en``, ``ar``) and overall (``all``) on one split.

    With *parts* (dev only), also per part and language: ``"round-3 held-out/en"`` ….
    """
    from frontline.observe import propose_observations

    out = {"en": Score(), "ar": Score(), "all": Score()}
    where = dev_parts() if parts and split == "dev" else {}
    for r in load_reports(split):
        props = propose_observations(r["text"], gazetteer, registry, date=_as_date(r["date"]))
        s = score_report(r, props.observations, gazetteer)
        out[r["lang"]].add(s)
        out["all"].add(s)
        if r["id"] in where:
            out.setdefault(f"{where[r['id']]}/{r['lang']}", Score()).add(s)
    return out


def claim_set(text: str, gazetteer: Any, registry: Any, date: dt.date) -> set[tuple[str, str, str]]:
    """The ``(place, faction, event)`` of every observation proposed for *text* (rule tests)."""
    from frontline.observe import propose_observations

    return {
        (o.place, o.faction, o.event)
        for o in propose_observations(text, gazetteer, registry, date=date).observations
    }
