"""The words that decide a claim, and what one report holds for its claims.

A :class:`Trigger` is the words that decide a claim (``captured``, ``held by``, ``fighting
in`` …; the lists are in ``frontline/data/observe.yaml``); :func:`find_triggers` finds them in
a report's folded text. :class:`Doc` is everything found in one report (triggers, actors, time
words, attribution and negation marks, place mentions), shared by the claims of its places.
:data:`LIST_GAP` and :func:`between_ok` tell a list of places ("Annah, Qaim and Rawa") from
places in different phrases. Used by :mod:`frontline.holders` and :mod:`frontline.claims`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frontline.actors import ActorMention, Lexicon
    from frontline.extract import Mention
    from frontline.factions import FactionRegistry
    from frontline.reports import Report

__all__ = [
    "ARABIC_LETTER",
    "CAPTURE_KINDS",
    "LIST_GAP",
    "OWN_PARTS",
    "PREMODIFIER",
    "PREMOD_APPOSITIVE",
    "PREMOD_GAP",
    "Doc",
    "Trigger",
    "between_ok",
    "find_triggers",
    "spans",
]

#: Trigger kinds that tell of a capture (the subject takes the place).
CAPTURE_KINDS = frozenset({"capture", "passive", "expel"})
#: "Deir Ezzor's eastern neighbourhoods", "Mosul's old city": parts of the place named before
OWN_PARTS = re.compile(
    r"['’]s?\s+(?:(?:\w+ern|central|old|remaining|last|main)\s+)*(?:neighbou?rhoods?|districts|"
    r"quarters?|cent(?:re|er)|old\s+city|streets|parts)\b",
    re.IGNORECASE,
)
#: a holder as a pre-modifier: "IS-held", "rebel-controlled", "government-run"
PREMODIFIER = re.compile(r"-(?:held|controlled|occupied|run|dominated)$", re.IGNORECASE)
#: ... that opens an appositive or predicate to the place before it: "Anah, a strategic IS-held
#: town", "Jarabulus is a major IS-held city"
PREMOD_APPOSITIVE = re.compile(
    r"(?:\s+(?:city|town|village))?(?:\s*[,،(]|\s+(?:is|was|remains|remained|(?:has|had)\s+been)\s)"
    r"\s*(?:(?:a|an|the|its|their)\s+)?(?:[\w-]+\s+){0,3}?",
    re.IGNORECASE,
)
#: ... modifies only the noun phrase right after it: "IS-held Anah", "the rebel-held enclave
#: of Beit Jinn", "rebel-held northwestern Idlib", never a later place ("IS-held areas arrived
#: in Kirkuk", "the Kurdish-run administration in Qamishli")
PREMOD_GAP = re.compile(
    r"\s*(?:(?:(?:\w+ern|besieged|strategic|key|last|remaining|main|small|large|rural|central|"
    r"nearby|border|desert|oil|frontline)\s+){0,3}"
    r"|(?:[^\W\d_][\w-]*\s+){0,3}?(?=(?:town|city|village|enclave|district|pocket|stronghold|"
    r"area|region|territory|neighbou?rhood|suburb|base|outpost|province)\s+(?:of|in)\s))"
    r"(?:(?:town|city|village|enclave|district|pocket|stronghold|area|region|territory|"
    r"neighbou?rhood|suburb|base|outpost|province)\s+(?:of|in)\s+(?:the\s+)?)?[\"“']?\s*",
    re.IGNORECASE,
)
#: A letter of the Arabic script: a trigger in Arabic reads its actors in Arabic word order.
ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")


@dataclass(frozen=True)
class Trigger:
    """Words that decide a claim.

    ``kind`` is a key of ``triggers`` in observe.yaml; ``target`` says whether they stand
    inside a target phrase ("an offensive *to retake*").
    """

    kind: str
    start: int
    end: int
    target: bool


def spans(rx: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` of every match of *rx* in *text*."""
    return [(m.start(), m.end()) for m in rx.finditer(text)]


@dataclass
class Doc:
    """Everything found in one report, shared by the claims of its places."""

    body: str
    folded: str
    triggers: list[Trigger]
    actors: list[ActorMention]
    times: list[Any]
    report: Report
    registry: FactionRegistry
    lx: Lexicon
    marks: tuple[list[tuple[int, int]], list[tuple[int, int]], list[tuple[int, int]]]
    targets: list[tuple[int, int]]
    mentions: list[Mention]
    modal: list[tuple[int, int]] = field(default_factory=list)
    fallback: str | None = None
    agent: str | None = None
    countries: dict[str, int] = field(default_factory=dict)
    _unopposed: bool | None = None
    _local: dict[str, tuple[set[str], dict[str, str]]] = field(default_factory=dict)
    _hostile: dict[tuple[str, str], bool] = field(default_factory=dict)

    def hostile(self, a: str, b: str) -> bool:
        """Whether factions *a* and *b* are hostile on the report's date (asked once per pair)."""
        key = (a, b)
        if key not in self._hostile:
            self._hostile[key] = self.registry.is_hostile(a, b, on=self.report.date)
        return self._hostile[key]

    @property
    def unopposed(self) -> bool:
        """Whether the report says a place was given up without a fight (searched once)."""
        if self._unopposed is None:
            self._unopposed = bool(self.lx.unopposed.search(self.folded))
        return self._unopposed

    def local(self, fid: str | None, country: str | None) -> str | None:
        """Return who holds the ground faction *fid* takes in *country*.

        That is the faction itself, the ally it stands in for, or None (``holders`` in
        observe.yaml). A faction the table does not name anywhere is taken as it is.
        """
        if fid is None or country is None or country not in self.lx.holders:
            return fid
        ids = self.holders_in(country)
        st = self._local[country][1]
        return fid if fid in ids or fid not in self._local[""][0] else st.get(fid)

    def holders_in(self, country: str | None) -> set[str]:
        """Return the registry ids of the factions holding ground in *country* (``holders``).

        Empty for a country the table does not list. Read from the table once per report.
        """
        if not self._local:
            for c, (names, stand) in self.lx.holders.items():
                ids = {self.registry.get(n).id for n in names if n in self.registry}
                st = {
                    self.registry.get(a).id: self.registry.get(b).id
                    for a, b in stand.items() if a in self.registry and b in self.registry
                }  # fmt: skip
                self._local[c] = (ids, st)
            listed = set().union(*(ids | set(st) for ids, st in self._local.values()))
            self._local[""] = (listed, {})
        if country is None or country not in self.lx.holders:
            return set()
        return self._local[country][0]


_GAP_SEP = (
    r"[\s,،\"'«»“”…]*(?:(?:and|or|&|و)\s*)?(?:على\s+)?[\s\"'«»“”]*"
    # "five settlements near Lyman: they are A, B and C", "the villages of X — namely A, B"
    r"(?:[:—–]\s*(?:(?:they|these|those)\s+(?:are|were)\s+|namely\s+|including\s+|هي\s+)?)?"
)
_GAP_KIND = (
    r"(?:(?:the\s+)?(?:towns?|city|cities|villages?)\s+of\s+)?"
    r"(?:(?:قضاء|ناحيه|مدينه|بلده|قريه|منطقه|مناطق|حي|سد)\s+)?"
)
#: "in Diyala", "في ديالى": where the items before lie, inside a list
_GAP_WHERE = r"(?:\s*(?:\bin|في)\s+(?:the\s+)?\S+?(?:\s+(?:province|governorate))?[…]?)?"
#: a list item the gazetteer does not know ("Khanaqin, Jalawla and Makhmour", "Zolota Balka")
_GAP_ITEM = (
    r"(?:(?-i:(?:al-|el-|Al-|El-)?[A-Z][\w'’-]+(?:\s+(?:al-|el-)?[A-Z][\w'’-]+){0,2})"
    r"|[\u0621-\u064a]{3,})"
)
#: What may stand between two places of one list: separators, "the town of", "in Diyala",
#: and up to two names the gazetteer does not know.
LIST_GAP = re.compile(
    _GAP_WHERE
    + _GAP_SEP
    + _GAP_KIND
    + r"(?:"
    + _GAP_ITEM
    + _GAP_WHERE
    + _GAP_SEP
    + _GAP_KIND
    + r"){0,2}",
    re.IGNORECASE,
)


#: an adverb between a target's "to" and its verb
_ADVERB_GAP = re.compile(
    r"\s+(?:(?:also|then|eventually|finally|ultimately|fully|completely|soon|further|\w+ly)\s+)?"
    r"[\"“'‘]?",
    re.IGNORECASE,
)


def find_triggers(
    folded: str, lx: Lexicon, targets: list[tuple[int, int]] | None = None
) -> list[Trigger]:
    """Return every trigger of the (Arabic-folded) text, in order, without overlaps.

    *targets*: the spans of ``lx.targets`` in the text, when already found.
    """
    success = spans(lx.success, folded)
    # "managed to liberate": a target phrase right after a success word is a done deed
    targets = [
        (a, b) for a, b in (spans(lx.targets, folded) if targets is None else targets)
        if not any(0 <= a - e < 30 and not re.search(r"[,.;،]", folded[e:a]) for _s, e in success)
    ]  # fmt: skip
    starts = [a for a, _b in targets]
    found = []
    for kind, rx in lx.triggers.items():
        for m in rx.finditer(folded):
            # "an offensive to retake", "لاستعادة": the verb is inside or right after a target
            k = bisect.bisect_right(starts, m.start())
            target = any(
                (a <= m.start() <= b + 1 or _ADVERB_GAP.fullmatch(folded, b, m.start()))
                and not (kind == "contest" and a == m.start())
                for a, b in targets[max(0, k - 3) : k]
            )  # ... or an adverb or a quote after its "to": "working to also capture", "to “free”";
            # a fighting phrase read as a target too is fighting ("the battle for X is raging")
            found.append(Trigger(kind, m.start(), m.end(), target))
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    out: list[Trigger] = []
    for t in found:
        if out and t.start < out[-1].end:
            continue
        out.append(t)
    return out


def between_ok(doc: Doc, a: int, b: int, post: bool = False) -> bool:
    """No other place lies between offsets a and b, except in a list ("Annah, Qaim and Rawa").

    Between a verb and a list the words are free ("captured the villages of X and Y"), so the
    gap next to the verb is not checked: the first one before a place, the last one after it.
    """
    inside = list({m.start: m for m in doc.mentions if a <= m.start and m.end <= b}.values())
    if not inside:
        return True
    pts = [a] + [x for m in inside for x in (m.start, m.end)] + [b]
    gaps = list(zip(pts[::2], pts[1::2], strict=False))
    gaps = gaps[:-1] if post else gaps[1:]
    return all(g1 >= g0 and LIST_GAP.fullmatch(doc.folded, g0, g1) is not None for g0, g1 in gaps)
