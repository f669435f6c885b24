"""Agreement of two labellings of the round-3 held-out reports (issue 13, the human ceiling).

Scores the independent second labelling (``tests/data/reports/heldout3_second.yaml``) against
the first (``heldout.yaml``) with the matching rule of ``tests/observe_eval.py``, one direction
taking each labelling as gold and the other's labels as the "proposals":

* a proposal is a label of the other labeller that is neither ``optional`` nor ``place: null``,
  with its own ``faction`` (one faction, as the extractor proposes one; the gold label's
  ``also`` factions count, as in the scorer), ``event`` and ``date``;
* places: ``exact`` compares place ids, as for the extractor's named places; ``radius`` makes
  each proposal a derived point at its place (uncertainty 0), matched within the gold label's
  radius (default 10 km), as for the extractor's derived points;
* optional gold labels are neither required nor false positives; null-place labels are not
  counted (both as in the scorer).

Prints precision, recall, event and date agreement on the matches, English and Arabic apart,
then every disagreement. Run: ``python benchmarks/label_agreement.py``.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from observe_eval import Score, load_reports, score_report  # noqa: E402

from frontline.gazetteer import Gazetteer  # noqa: E402

FIRST = "heldout"
SECOND = "heldout3_second"


@dataclass(frozen=True)
class LabelProposal:
    """A label of one labeller in the shape of a proposal (what ``score_report`` reads)."""

    place: str
    faction: str
    event: str
    date: dt.date
    lat: float
    lon: float
    uncertainty_km: float
    written: str
    note: str


def as_proposals(
    report: dict[str, Any], gazetteer: Gazetteer, radius: bool, optional: bool = False
) -> list[Any]:
    """The counted labels of *report* as proposals.

    Parameters
    ----------
    report : dict
        One report with its ``expected`` labels.
    gazetteer : Gazetteer
        Gives the coordinates of the labels' places.
    radius : bool
        False: the proposal carries the place id (matched by id). True: a derived point at the
        place (id prefixed with ``~``, uncertainty 0), matched within the gold label's radius.
    optional : bool, default False
        Also propose the ``optional`` labels (a reference figure: an extractor proposes
        background truths too; the agreement itself leaves them out).

    Returns
    -------
    list of LabelProposal
        One per label with a place, ``optional`` ones only when asked.
    """
    out: list[Any] = []
    for lab in report["expected"]:
        if (lab.get("optional") and not optional) or not lab.get("place"):
            continue
        p = gazetteer.get(lab["place"])
        date = dt.date.fromisoformat(str(lab["date"]))
        out.append(
            LabelProposal(
                place=("~" if radius else "") + lab["place"],
                faction=lab["faction"],
                event=lab["event"],
                date=date,
                lat=p.lat,
                lon=p.lon,
                uncertainty_km=0.0,
                written=lab["name"],
                note=f"{lab['event']} {lab['date']} {lab.get('precision', 'day')}",
            )
        )
    return out


def agreement(
    gold: list[dict[str, Any]],
    other: list[dict[str, Any]],
    gazetteer: Gazetteer,
    radius: bool,
    optional: bool = False,
) -> dict[str, Score]:
    """Score the labels of *other* as proposals against *gold*, per language and overall.

    Parameters
    ----------
    gold, other : list of dict
        The same reports (same ids, same order), each with its labels.
    gazetteer : Gazetteer
        The gazetteer the labels' place ids come from.
    radius : bool
        Match places within the gold label's radius rather than by id (see
        :func:`as_proposals`).
    optional : bool, default False
        Also propose the other labeller's ``optional`` labels (see :func:`as_proposals`).

    Returns
    -------
    dict of str to Score
        ``en``, ``ar`` and ``all``.
    """
    out = {"en": Score(), "ar": Score(), "all": Score()}
    for g, o in zip(gold, other, strict=True):
        if g["id"] != o["id"]:
            raise ValueError(f"report order differs: {g['id']} != {o['id']}")
        s = score_report(g, as_proposals(o, gazetteer, radius, optional), gazetteer)
        out[g["lang"]].add(s)
        out["all"].add(s)
    return out


def _row(name: str, s: Score) -> str:
    ev = f"{s.event_ok / s.tp:.2f}" if s.tp else "-"
    da = f"{s.date_ok / s.tp:.2f}" if s.tp else "-"
    return (
        f"| {name} | {s.precision:.2f} | {s.recall:.2f} | {ev} | {da} | {s.tp} | {s.fp} | {s.fn} |"
    )


def label_differences(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> list[str]:
    """Every difference between two labellings, counted or not, one line each.

    Parameters
    ----------
    first, second : list of dict
        The same reports (same ids, same order), each with its labels.

    Returns
    -------
    list of str
        Per report: labels only one labeller gave (keyed by place, or the name for
        ``place: null``, faction and event), and the fields that differ on the shared ones
        (``optional``, ``date``, ``precision``, ``also``, ``from``).
    """

    def key(lab: dict[str, Any]) -> tuple[str, str, str]:
        return (lab["place"] or f"null:{lab['name']}", lab["faction"], lab["event"])

    def show(lab: dict[str, Any]) -> str:
        opt = " optional" if lab.get("optional") else ""
        also = f" also {lab['also']}" if lab.get("also") else ""
        return f"{lab['name']!r} {lab['place']} {lab['faction']}{also} {lab['event']} " + (
            f"{lab['date']} {lab.get('precision', 'day')}{opt}"
        )

    out: list[str] = []
    fields = ("optional", "date", "precision", "also", "from")
    for a, b in zip(first, second, strict=True):
        la = {key(x): x for x in a["expected"]}
        lb = {key(x): x for x in b["expected"]}
        for k in sorted(la.keys() | lb.keys()):
            x, y = la.get(k), lb.get(k)
            if y is None and x is not None:
                out.append(f"{a['id']}: only first: {show(x)}")
            elif x is None and y is not None:
                out.append(f"{a['id']}: only second: {show(y)}")
            elif x is not None and y is not None:
                diff = [f"{f} {x.get(f)} / {y.get(f)}" for f in fields if x.get(f) != y.get(f)]
                if diff:
                    out.append(f"{a['id']}: {' '.join(k)}: first / second: {'; '.join(diff)}")
    return out


def main() -> None:
    """Print the agreement table (both directions, both place rules) and the disagreements."""
    g = Gazetteer.load(ROOT / "geodata")
    first, second = load_reports(FIRST), load_reports(SECOND)
    runs = {
        "first gold": (first, second),
        "second gold": (second, first),
    }
    print(
        "| gold, places, proposals, language | precision | recall | event | date | TP | FP | FN |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for radius, optional in ((False, False), (True, False), (False, True)):
        rule = ("radius" if radius else "exact") + (", +optional" if optional else "")
        for name, (gold, other) in runs.items():
            scores = agreement(gold, other, g, radius, optional)
            for lang in ("en", "ar", "all"):
                print(_row(f"{name}, {rule}, {lang}", scores[lang]))
    for name, (gold, other) in runs.items():
        print(f"\nCounted disagreements, {name} (exact places):")
        for e in agreement(gold, other, g, False)["all"].errors:
            print("  " + e)
    print("\nAll label differences (counted or not):")
    for line in label_differences(first, second):
        print("  " + line)


if __name__ == "__main__":
    main()
