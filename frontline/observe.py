"""Reports -> proposed observations: who holds which place since when, with the evidence.

:func:`propose_observations` reads a report (English and/or Arabic) and proposes, for each
place it makes a claim about, an :class:`Observation`: the place, the faction holding it
*after* the event, the event (``captured``, ``held``, ``contested``; ``lost`` when only the
loser is known), the previous holder, the effective date and its precision, a confidence,
and the evidence (offsets into the text and the sentence). :func:`extract_observations`
returns the same as a GeoDataFrame of points, ready for review.

How a claim is read (the phrase lists are data: ``frontline/data/observe.yaml``):

* the text is cut into sentences and clauses; places come from
  :func:`frontline.extract.extract_places` (media and organisation names, provinces and
  mere landmarks of a relative phrase are dropped), factions from
  :func:`frontline.actors.find_actors` (registry aliases, generic words by country);
* the trigger nearest before a place in its clause decides (``captured Y``, ``fighting
  in Y``, ``encircled … in Y``), else a trigger after it (``Y was retaken``, ``Y, held by
  X``, ``X's stronghold``); a place after a target phrase ("an offensive to retake Y",
  "advancing towards Y") or in a negated clause ("failed to take Y") gets no claim;
* the new holder is the clause's subject (the first faction before the verb, or, in
  Arabic verb-first sentences, the faction after it), else the last capturer of the report;
  the previous holder is the faction after "from"/"من" or the one driven out;
* the date comes from the clause's time words, resolved against the report's date, never
  after it; without any, the report's date (confidence lowered);
* attribution ("claimed", "reportedly"), vagueness ("almost") and generic actor words
  lower the confidence.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import re
import weakref
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from frontline.actors import ActorMention, Lexicon, find_actors, lexicon
from frontline.errors import InputError
from frontline.extract import Mention, extract_places
from frontline.factions import FactionRegistry
from frontline.gazetteer import Gazetteer
from frontline.reports import Report, find_time_phrases, fold_arabic, read_report, resolve_time_phrase

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "EVENTS",
    "PROPOSAL_COLUMNS",
    "Observation",
    "Proposals",
    "extract_observations",
    "propose_observations",
]

#: Event kinds of an observation.
EVENTS = ("captured", "held", "lost", "contested")
#: Columns of a proposals table (CSV / GeoDataFrame), in order.
PROPOSAL_COLUMNS = (
    "date", "place", "faction", "event", "from_faction", "date_precision", "confidence",
    "source", "url", "evidence", "evidence_start", "evidence_end", "place_start", "place_end",
    "written", "relation", "uncertainty_km", "lon", "lat", "note", "reviewed",
)  # fmt: skip

_CAPTURE_KINDS = frozenset({"capture", "passive", "expel"})
_POST_KINDS = frozenset({"passive", "held_by", "stronghold", "hold", "repel"})
#: relative phrases whose derived point is the place a claim is about ("a village 12 km north
#: of X"); "near X", "west of X" only locate something else.
_CLAIM_RELATIONS = frozenset({None, "offset", "distance", "outskirts"})
_LOSER_BEFORE = re.compile(
    r"(?:\bfrom|\bout\s+of|\bagainst|(?<![\w])(?:من|ضد)(?:\s+(?:قبضه|سيطره|يد|ايدي|عناصر|مسلحي|مقاتلي|براثن))?)\s*[«\"“(]?\s*"
    r"(?:(?:the|its|their|remaining|remnants\s+of|extremist|militant|jihadist|terrorist|(?:\S+\s+)?fighters\s+of)\s+){0,2}$",
    re.IGNORECASE,
)
_OWNER_BEFORE = re.compile(r"(?:معقل|معاقل|stronghold|bastion|capital)\S*\s*(?:of\s+)?[«\"“(]?\s*(?:the\s+)?$", re.IGNORECASE)
_BY_BEFORE = re.compile(r"(?:\bby|\bto|\bof|(?<![\w])(?:ل|بيد|ايدي|سيطره|لسيطره))\s*[«\"“(]?\s*(?:the\s+)?$", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(
    r";|؛|:\s|\s[-–—]\s|,\s+(?=(?:while|but|whereas|although|though|where|as|after|before|when|and\s+then)\b)"
    r"|،\s*(?=(?:فيما|بينما|في\s+حين|بعد|حيث|وذلك|الذي|التي|وقال|واضاف|واكد|وكان|وتعد|ويعتبر))|(?<![\w])(?:فيما|بينما|في\s+حين)(?![\w])"
    r"|\n",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?؟])[\"”’»)]*\s+(?=[\"“«(]?[A-Z\u0600-\u06ff0-9])|\n+")
_ABBREV = re.compile(
    r"(?:\b(?:Lt|Gen|Col|Maj|Brig|Capt|Sgt|Mr|Mrs|Dr|St|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Gov|Rep|Sen|Cpl|Pvt|approx|vs|U\.S|U\.N|U\.K)|\b[A-Z])\.$"
)


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


@dataclass(frozen=True)
class Proposals:
    """What :func:`propose_observations` found in one report.

    Attributes
    ----------
    report : Report
        The report read (its stripped text, date, source, URL).
    observations : list of Observation
    unresolved_places : list of (str, list of str)
        Names that look like places in a claim but are not in the gazetteer, with
        suggestions.
    unresolved_actors : list of (str, list of str)
        Names that look like armed groups but are not in the registry, with suggestions.
    """

    report: Report
    observations: list[Observation]
    unresolved_places: list[tuple[str, list[str]]] = field(default_factory=list)
    unresolved_actors: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass(frozen=True)
class _Trigger:
    kind: str
    start: int
    end: int
    target: bool


def _spans(rx: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in rx.finditer(text)]


def _sentences(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.group(0).strip() == "" and "\n" not in m.group(0) and _ABBREV.search(text[max(0, m.start() - 6) : m.start()]):
            continue
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return [(s, e) for s, e in out if text[s:e].strip()]


def _clauses(folded: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = [start]
    for m in _CLAUSE_BREAK.finditer(folded, start, end):
        cuts.append(m.start())
    cuts.append(end)
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def propose_observations(
    text: str,
    gazetteer: Gazetteer,
    registry: FactionRegistry,
    date: _dt.date | None = None,
    source: str | None = None,
    url: str | None = None,
) -> Proposals:
    """Propose observations from one report.

    Parameters
    ----------
    text : str
        The report: plain text or HTML (stripped; date, source and URL read from its meta
        tags).
    gazetteer : Gazetteer
        Places.
    registry : FactionRegistry
        Factions (names, aliases; generic words map to its aliases).
    date : datetime.date, optional
        The report's date; default: the page's meta tags or a date line in the text. A
        report without any date gets none: relative dates cannot be resolved and nothing is
        proposed (the unresolved lists are still filled).
    source, url : str, optional
        The report's source ("Outlet, date, title") and address.

    Returns
    -------
    Proposals
    """
    report = read_report(text, date=date, source=source, url=url)
    body = report.text
    folded = fold_arabic(body)
    lx = lexicon()
    actors = find_actors(body, registry, folded)
    mentions = _claim_mentions(body, folded, gazetteer, lx, actors)
    modal = _spans(lx.modal, folded)
    if report.date is None:
        return Proposals(report, [], _unresolved_places(body, mentions, actors, gazetteer), [])
    doc = _Doc(
        body=body, folded=folded, triggers=_triggers(folded, lx), actors=actors,
        times=find_time_phrases(body), report=report, registry=registry, lx=lx,
        marks=(_spans(lx.attribution, folded), _spans(lx.vague, folded), _spans(lx.negation, folded)),
        targets=_spans(lx.targets, folded), mentions=mentions, modal=modal,
    )  # fmt: skip
    doc.fallback = _fallback_agent(doc)
    found: list[Observation] = []
    for s0, s1 in _sentences(body):
        sentence = body[s0:s1].strip()
        lead = len(body[s0:s1]) - len(body[s0:s1].lstrip())
        for c0, c1 in _clauses(folded, s0, s1):
            for m in (m for m in mentions if c0 <= m.start < c1):
                obs = _claim(m, (c0, c1), (s0, s1), doc)
                if obs is not None:
                    found.append(
                        replace(obs, evidence=sentence, evidence_start=s0 + lead, evidence_end=s0 + lead + len(sentence))
                    )
    return Proposals(
        report,
        _dedupe(found),
        _unresolved_places(body, mentions, actors, gazetteer),
        _unresolved_actors(body, actors, registry),
    )


@dataclass
class _Doc:
    """Everything found in one report, shared by the claims of its places."""

    body: str
    folded: str
    triggers: list[_Trigger]
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


_AR_DIACRITIC = re.compile("[\u064b-\u0652\u0670]")
_AR_CONJ = re.compile(r"(?<![\w\u064b-\u0652])و(?=[\u0621-\u064a]{3,})")
_ANAPHORA = re.compile(
    r"\b(?:the|this)\s+(?:town|city|village)\b(?!\s+(?:of|council|centre|center|'s))|(?<![\w])(?:ال)(?:مدينه|بلده)(?=[\s،.]|$)(?!\s+ال)",
    re.IGNORECASE,
)
_LIST_GAP = re.compile(
    r"[\s,،\"'«»“”…]*(?:(?:and|or|&|و)\s*)?(?:على\s+)?[\s\"'«»“”]*(?:(?:the\s+)?(?:towns?|cities|villages?)\s+of\s+)?"
    r"(?:(?:قضاء|ناحيه|مدينه|بلده|قريه|منطقه|مناطق|حي|سد)\s+)?",
    re.IGNORECASE,
)


def _claim_mentions(
    body: str, folded: str, gazetteer: Gazetteer, lx: Lexicon, actors: list[ActorMention]
) -> list[Mention]:
    banned = _spans(lx.not_places, folded) + [(a.start, a.end) for a in actors if a.faction is not None]
    found = extract_places(body, gazetteer, anchors=True)
    if _AR_LETTER.search(body):
        # Arabic: diacritics break words ("عانّه") and "و" (and) sticks to the next word
        # ("وبعشيقه"); look again in a copy of the same length without them
        alt = _AR_CONJ.sub(" ", _AR_DIACRITIC.sub("ـ", body))
        extra = [
            m for m in extract_places(alt, gazetteer, anchors=True)
            if not any(o.start < m.end and m.start < o.end for o in found)
        ]  # fmt: skip
        found = sorted(found + [replace(m, text=body[m.start : m.end]) for m in extra], key=lambda m: m.start)
    out: list[Mention] = []
    for m in found:
        if any(a <= m.start < b or a < m.end <= b for a, b in banned):
            continue
        if lx.region_before.search(folded[max(0, m.start - 30) : m.start]):
            continue
        if lx.region_after.search(re.sub(r"^(?:\s+(?:and|&|و)\s+\S+)+", "", folded[m.end : m.end + 40])):
            continue  # "Deir Ezzor province", "al-Senaa and Shuqaq neighborhoods"
        if re.match(r"['’]s\b", body[m.end : m.end + 3]):
            continue  # "Baghdad's army", "Mosul's Sinjar district"
        word = body[m.start : m.end]
        if _AR_LETTER.search(word) and not m.place.curated and " " not in word.strip() and len(word) <= 5 and not re.search(
            r"(?:قضاء|ناحيه|مدينه|بلده|قريه|منطقه)\s*[\"«]?\s*$", folded[max(0, m.start - 12) : m.start]
        ):
            continue  # short Arabic words that are also village names ("علم", flag), unless "قضاء دبس"
        if m.relation not in (None, "outskirts", "anchor") and out and _LIST_GAP.fullmatch(folded, out[-1].end, m.phrase[0]) is None:
            if re.fullmatch(r"[\s,،]*(?:\S+\s+){0,2}", folded[out[-1].end : m.phrase[0]]):
                continue  # "the town of Hawija about 300 km north of Baghdad": a locator
        out.append(m)
    # "the town", "the city", "المدينة": the place named last before
    for ana in _ANAPHORA.finditer(folded):
        a0, a1 = ana.start(), ana.end()
        if re.search(r"(?:\bof|\bnear|\boutside|\baround|\bfrom|غرب|شرق|شمال|جنوب|قرب|اطراف)\s*$", folded[max(0, a0 - 12) : a0]):
            continue  # "west of the city": a locator, not the place
        word = ana.group(0).lower()
        kinds = _ANAPHORA_KINDS[next(k for k in _ANAPHORA_KINDS if k in word)]
        prev = [m for m in out if m.end <= a0 and m.relation is None and m.place.kind in kinds]
        if prev and a0 - prev[-1].end < 400 and not any(a0 <= m.start < a1 + 3 for m in out):
            out.append(replace(prev[-1], start=a0, end=a1, text=body[a0:a1], phrase_start=a0))
    out.sort(key=lambda m: m.start)
    return out


_AR_LETTER = re.compile(r"[\u0600-\u06ff]")
_ANAPHORA_KINDS = {
    "town": ("town", "city"), "city": ("city", "town"), "village": ("village", "town"),
    "مدينه": ("city", "town"), "بلده": ("town", "village"),
}  # fmt: skip


def _triggers(folded: str, lx: Lexicon) -> list[_Trigger]:
    success = _spans(lx.success, folded)
    # "managed to liberate": a target phrase right after a success word is a done deed
    targets = [
        (a, b) for a, b in _spans(lx.targets, folded)
        if not any(0 <= a - e < 30 and not re.search(r"[,.;،]", folded[e:a]) for _s, e in success)
    ]  # fmt: skip
    starts = [a for a, _b in targets]
    found = []
    for kind, rx in lx.triggers.items():
        for m in rx.finditer(folded):
            # "an offensive to retake", "لاستعادة": the verb is inside or right after a target phrase
            k = bisect.bisect_right(starts, m.start())
            target = any(a <= m.start() <= b + 1 for a, b in targets[max(0, k - 3) : k])
            found.append(_Trigger(kind, m.start(), m.end(), target))
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    out: list[_Trigger] = []
    for t in found:
        if out and t.start < out[-1].end:
            continue
        out.append(t)
    return out


def _fallback_agent(doc: _Doc) -> str | None:
    """The report's main actor: the faction named most, not counting the ones driven out."""
    losers: set[str] = set()
    counts: dict[str, int] = {}
    for a in doc.actors:
        fid = a.faction or next(iter(a.by_country.values()), None)
        if fid is None:
            continue
        head = doc.folded[max(0, a.start - 40) : a.start]
        tail = doc.folded[a.end : a.end + 30]
        ceded = any(
            t.kind == "cede" and (0 <= t.start - a.end < 12 or 0 <= a.start - t.end < 3) for t in doc.triggers
        )  # fmt: skip
        if ceded or _LOSER_BEFORE.search(head) or re.search(r"معقل|معاقل|stronghold|bastion", head[-20:] + tail[:24], re.I):
            losers.add(fid)
        counts[fid] = counts.get(fid, 0) + 1
    for t in doc.triggers:
        if t.kind not in _CAPTURE_KINDS:
            continue
        for a in doc.actors:  # the subject of a capture verb counts more
            if 0 <= t.start - a.end < 25 or 0 <= a.start - t.end < 3 or t.start <= a.start < t.end:
                fid = a.faction or next(iter(a.by_country.values()), None)
                if fid:
                    counts[fid] = counts.get(fid, 0) + 2
    best = sorted(((n, fid) for fid, n in counts.items() if fid not in losers), key=lambda x: x[0], reverse=True)
    return best[0][1] if best else None


def _between_ok(doc: _Doc, a: int, b: int, post: bool = False) -> bool:
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
    return all(g1 >= g0 and _LIST_GAP.fullmatch(doc.folded, g0, g1) is not None for g0, g1 in gaps)


def _claim(m: Mention, clause: tuple[int, int], sent: tuple[int, int], doc: _Doc) -> Observation | None:
    c0, c1 = clause
    s0, s1 = sent
    country = m.place.country
    folded = doc.folded
    before = [t for t in doc.triggers if c0 <= t.start and t.end <= m.start]
    after = [t for t in doc.triggers if m.end <= t.start < c1]
    if m.relation == "anchor":
        before = []  # "west of Mosul" names Mosul, but a verb before acts on the derived point
    elif m.relation not in (None, "outskirts"):
        if m.relation in ("offset", "distance") and before and re.search(
            r"^\s*(?:[^\s,،]+\s+){0,3}(?:village|town|hill|area|position|base|point|قري\S*|بلد\S*|منطق\S*)[^\s,،]*\s+$",
            folded[before[-1].end : m.phrase[0]],
        ):
            pass  # "captured a village 12 km north of X": the claim is about the derived point
        else:  # "an attack near X was repelled": X is held by the defender
            before = [t for t in before if t.kind == "repel"]
            after = [t for t in after if t.kind == "repel"]
    trig: _Trigger | None = None
    for k in range(len(before) - 1, -1, -1):
        t = before[k]
        if not _between_ok(doc, t.end, m.start):
            break
        if t.kind in ("stronghold", "held_by") and any(
            e.kind in _CAPTURE_KINDS | {"cede"} and not e.target for e in before[:k]
        ) and _between_ok(doc, before[k - 1].end, m.start):
            continue  # "captured ISIL's de facto capital Raqqa": the capture decides
        trig = t
        break
    if trig is not None and any(trig.end <= a and b <= m.start for a, b in doc.targets):
        return None  # "took Akashat and are now approaching al-Qaim": the place is a target
    post = False
    if after and after[0].kind == "capture" and after[0].start - m.end <= 2 and re.match(
        r"\s+(?:from|by|after|on)\b", folded[after[0].end : after[0].end + 8]
    ):
        after[0] = replace(after[0], kind="passive")  # "declared Mosul liberated from IS"
    rel = re.match(r"\s*,?\s*(?:which|that|التي|الذي)\s+(?:[^\s,،]+\s+){0,5}?$", folded[m.end : after[0].start]) if after else None
    if rel and after[0].kind in _CAPTURE_KINDS and (trig is None or trig.kind not in _CAPTURE_KINDS):
        after[0] = replace(after[0], kind="capture")
        trig = after[0]  # "al-Mayadin, which government forces took earlier this month"
        before = []
    nxt = next((t for t in after if t.kind in _POST_KINDS), None)
    if nxt is not None and trig is not after[0] and nxt.start - m.end < 110 and _between_ok(doc, m.end, nxt.start, post=True):
        if (
            trig is None
            or (trig.kind in ("stronghold", "held_by") and nxt.start - m.end < m.start - trig.end)
            or (nxt.kind == "passive" and nxt.start - m.end < 15 and m.start - trig.end > 40)
        ):
            trig, post = nxt, True  # "Y, held by X"; "declared Mosul liberated"
    if trig is None or trig.target:
        return None
    attributions, vagues, negations = doc.marks
    if trig.kind != "repel" and any(c0 <= a < max(m.end, trig.end) for a, _b in negations):
        return None
    if trig.kind in _CAPTURE_KINDS | {"cede"} and any(s0 <= a < s1 for a, _b in doc.modal):
        return None  # "after retaking the town, forces are expected to …"
    clause_actors = [a for a in doc.actors if c0 <= a.start < c1]
    sent_actors = [a for a in doc.actors if s0 <= a.start < s1]
    countries = [country] + [x.place.country for x in doc.mentions if s0 <= x.start < s1 and x.place.country != country]

    def res(a: ActorMention) -> str | None:
        for c in countries:
            fid = a.resolve(c)
            if fid:
                return fid
        return None

    loser = _loser(m, trig, clause_actors, folded, res)
    kind = trig.kind
    conf = 0.85
    notes = [doc.body[trig.start : trig.end]]
    faction: str | None
    if kind in _CAPTURE_KINDS:
        event = "captured"
        faction = _agent(m, trig, post, clause_actors, sent_actors, folded, res, loser)
        if faction is None:
            faction = next((f for f in (doc.agent, doc.fallback) if f and f != loser), None)
            if faction is None and loser is not None:
                faction = _hostile_actor(doc, loser)
            conf -= 0.15
            notes.append("holder from the context")
        if faction is not None and faction == loser:
            loser = None
        if faction is None:
            return None
        doc.agent = faction
    elif kind == "cede":
        event = "captured"
        arabic = bool(_AR_LETTER.match(folded[trig.start : trig.start + 1]))
        inside = [a for a in clause_actors if trig.start <= a.start and (a.start < m.start or not arabic)]
        ceder = (res(inside[0]) if arabic and inside else None) or _first_before(trig, clause_actors, res) or loser
        faction = _receiver(trig, clause_actors, sent_actors, res, ceder, doc)
        loser = ceder
        if faction is None or ceder is None:
            return None
        conf -= 0.1
    elif kind in ("hold", "held_by", "stronghold"):
        event = "held"
        faction = _holder(m, trig, post, clause_actors, res)
        if faction is None:
            return None
        loser, conf = None, 0.75
    elif kind == "contest":
        event, faction, loser, conf = "contested", "unknown", None, 0.65
    elif kind == "besiege":
        event = "held"
        faction = _besieged(m, trig, clause_actors, res, doc)
        if faction is None:
            return None
        loser, conf = None, 0.65
    else:  # repel
        event = "held"
        faction = _defender(m, trig, clause_actors, folded, res)
        if faction is None:
            return None
        loser, conf = None, 0.7
    when = _when(trig, doc, (c0, c1), (s0, s1), event)
    if when is None:
        return None
    day, precision, explicit = when
    if precision == "year" and event == "held":
        day, precision, explicit = doc.report.date, "day", False  # "يسيطر عليها … العام 2014"
    if precision == "year":
        return None  # "in 2014": too vague to date an observation
    age = (doc.report.date - day).days
    if event in ("held", "contested") and age > 14:
        return None  # "had held it since 2014": background, not the state now
    if precision != "day" and age > 180:
        return None  # "two years ago": too vague to date a change of hands
    if not explicit:
        conf -= 0.05
    if precision == "month":
        conf -= 0.1
    if any(s0 <= a < s1 for a, _b in attributions):
        conf *= 0.8
        notes.append("attributed")
    if any(c0 <= a < c1 for a, _b in vagues):
        conf *= 0.85
        notes.append("vague")
    if m.relation is not None:
        conf *= 0.9
    if event != "contested" and not any(a.faction == faction for a in clause_actors):
        conf *= 0.95
    place_id, name = m.place.id, m.place.name
    if m.relation not in (None, "near", "anchor"):  # "near X" (an attack repelled) is about X
        phrase = " ".join(doc.body[m.phrase[0] : m.phrase[1]].split())
        place_id, name = "~" + re.sub(r"[^\w]+", "-", phrase.casefold()).strip("-"), phrase
    return Observation(
        place=place_id, place_name=name, faction=faction, event=event,
        from_faction=loser or "", date=day, date_precision=precision,
        confidence=round(max(0.05, min(conf, 0.99)), 2), evidence="", evidence_start=0,
        evidence_end=0, place_start=m.start, place_end=m.end, written=m.text,
        relation=m.relation, lon=m.lon, lat=m.lat, uncertainty_km=m.uncertainty_km,
        note="; ".join(" ".join(n.split()) for n in notes), source=doc.report.source,
        url=doc.report.url,
    )  # fmt: skip


def _loser(m: Mention, trig: _Trigger, actors: list[ActorMention], folded: str, res: Any) -> str | None:
    """The faction the place was taken from: "from X" / "من X", or the one driven out."""
    arabic = bool(_AR_LETTER.match(folded[trig.start : trig.start + 1]))
    if trig.kind == "expel" and arabic:
        after = [a for a in actors if trig.end <= a.start < m.start]
        for a in after[1:]:  # "طردت قوات سوريا الديمقراطية مقاتلي داعش من": agent, then loser
            fid = res(a)
            if fid:
                return fid
    if trig.kind == "expel" and re.search(r"(?:was|were|been|being|is|are)\s+$", folded[max(0, trig.start - 12) : trig.start]):
        for a in reversed([a for a in actors if a.end <= trig.start]):
            fid = res(a)
            if fid:
                return fid  # "IS was driven out of Sinjar"
    for a in actors:
        if a.start < trig.start:
            continue
        head = folded[max(0, a.start - 40) : a.start]
        if _LOSER_BEFORE.search(head) or (trig.kind == "expel" and trig.end <= a.start < m.start):
            fid = res(a)
            if fid:
                return fid
    return None


def _agent(
    m: Mention, trig: _Trigger, post: bool, clause: list[ActorMention], sent: list[ActorMention],
    folded: str, res: Any, loser: str | None,
) -> str | None:  # fmt: skip
    def ok(a: ActorMention) -> str | None:
        fid = res(a)
        if fid is None or fid == loser:
            return None
        head = folded[max(0, a.start - 40) : a.start]
        if _LOSER_BEFORE.search(head) or _OWNER_BEFORE.search(head):
            return None
        return fid

    if post or trig.kind == "passive":
        for a in clause:
            if a.start >= trig.end and _BY_BEFORE.search(folded[max(0, a.start - 12) : a.start]):
                fid = res(a)
                if fid:
                    return fid
        if trig.kind == "expel":
            return None
    arabic = bool(_AR_LETTER.match(folded[trig.start : trig.start + 1]))
    between = [a for a in clause if trig.start <= a.start < m.start]
    pre = [a for a in clause if a.end <= trig.start]
    if arabic:
        order = between + pre
    else:
        order = []
        gap = folded[pre[-1].end : trig.start] if pre else ""
        if pre and re.fullmatch(r"[^,;،]{0,32}", gap) and not re.search(r"\b(?:from|of|out|against)\b", gap):
            order.append(pre[-1])  # "Isis seizing the town", "Iraqi forces on Friday took"
        order += pre + between
    order += [a for a in sent if a.end <= trig.start and a not in order]
    for a in order:
        fid = ok(a)
        if fid:
            return fid
    return None


def _hostile_actor(doc: _Doc, other: str) -> str | None:
    """The faction named most in the report that is hostile to *other*."""
    counts: dict[str, int] = {}
    for a in doc.actors:
        fid = a.faction or next(iter(a.by_country.values()), None)
        if fid and fid != other and doc.registry.is_hostile(fid, other, on=doc.report.date):
            counts[fid] = counts.get(fid, 0) + 1
    return max(counts, key=lambda f: counts[f]) if counts else None


def _first_before(trig: _Trigger, actors: list[ActorMention], res: Any) -> str | None:
    for a in actors:
        if a.end <= trig.start:
            fid = res(a)
            if fid:
                return fid
    return None


def _receiver(
    trig: _Trigger, clause: list[ActorMention], sent: list[ActorMention], res: Any, ceder: str | None, doc: _Doc
) -> str | None:
    for a in [a for a in clause if a.start >= trig.end]:
        fid = res(a)
        if fid and fid != ceder:
            return fid
    return None


def _holder(m: Mention, trig: _Trigger, post: bool, actors: list[ActorMention], res: Any) -> str | None:
    if trig.kind == "stronghold":
        # "X's stronghold of Y" / "Y, the X stronghold" / "Y, a stronghold of X" / "معقل X"
        near = sorted(actors, key=lambda a: min(abs(a.start - trig.end), abs(trig.start - a.end)))
        for a in near:
            if abs(a.start - trig.end) < 60 or abs(trig.start - a.end) < 60:
                fid = res(a)
                if fid:
                    return fid
        return None
    if trig.kind == "held_by":
        for a in actors:
            if a.start >= trig.start and a.start - trig.end < 60:
                fid = res(a)
                if fid:
                    return fid
        return None
    for a in [a for a in actors if trig.start <= a.start < trig.end] + list(reversed([a for a in actors if a.end <= trig.start])):
        fid = res(a)
        if fid:
            return fid
    for a in actors:
        if trig.end <= a.start < m.start or (post and a.start >= trig.end):
            fid = res(a)
            if fid:
                return fid
    return None


def _besieged(m: Mention, trig: _Trigger, actors: list[ActorMention], res: Any, doc: _Doc) -> str | None:
    for a in actors:
        if trig.end <= a.start < m.start:
            fid = res(a)
            if fid:
                return fid
    besieger = _first_before(trig, actors, res) or doc.agent or doc.fallback
    if besieger is None:
        return None
    for a in doc.actors:
        fid = res(a)
        if fid and fid != besieger and doc.registry.is_hostile(fid, besieger, on=doc.report.date):
            return fid
    return None


def _defender(m: Mention, trig: _Trigger, actors: list[ActorMention], folded: str, res: Any) -> str | None:
    # "the army repelled the attack near X" / "an attack on army positions near X was repelled"
    for a in actors:
        if a.end <= m.start and re.search(r"(?:attack\w*|assault)\s+on\s+(?:\S+\s+){0,2}$", folded[max(0, a.start - 30) : a.start], re.I):
            fid = res(a)
            if fid:
                return fid
    for a in reversed([a for a in actors if a.end <= trig.start]):
        if re.search(r"(?:attack\w*|assault)\s+(?:by|of)\s+(?:the\s+)?$|\b\w+ed\s+$", folded[max(0, a.start - 20) : a.start], re.I):
            continue
        fid = res(a)
        if fid:
            return fid
    return None


def _when(
    trig: _Trigger, doc: _Doc, clause: tuple[int, int], sent: tuple[int, int], event: str
) -> tuple[_dt.date, str, bool] | None:
    anchor = trig.start
    assert doc.report.date is not None
    for lo, hi in (clause, sent):
        cands = [
            p for p in doc.times
            if lo <= p.start < hi and not re.search(r"(?:since|منذ)\s*$", doc.folded[max(0, p.start - 8) : p.start], re.I)
        ]  # fmt: skip
        if cands:
            p = min(cands, key=lambda p: abs(p.start - anchor))
            r = resolve_time_phrase(p, doc.report.date)
            if r is None:
                return None
            return r[0], r[1], True
    return doc.report.date, "day", False


_EVENT_RANK = {"captured": 3, "contested": 2, "held": 1, "lost": 0}


def _dedupe(found: list[Observation]) -> list[Observation]:
    """One observation per place, faction and event; a capture silences other claims on it."""
    best: dict[tuple[str, str, str], Observation] = {}
    for o in found:
        key = (o.place, o.faction, o.event)
        cur = best.get(key)
        if cur is None or (o.confidence, o.date) > (cur.confidence, cur.date):
            best[key] = o
    captured = {o.place: o for o in best.values() if o.event == "captured"}
    out = []
    for o in best.values():
        c = captured.get(o.place)
        if c is not None and o is not c:
            if o.event == "held" and o.faction == c.faction:
                continue
            if o.event in ("held", "contested") and o.date >= c.date and o.faction != c.faction:
                continue
        out.append(o)
    out.sort(key=lambda o: (o.place_start, o.event))
    return out


_RE_CAND_PLACE = re.compile(
    r"(?:\b(?:town|village|villages|city|area|district|region|neighbou?rhoods?|towns|areas)\s+of\s+|"
    r"(?<![\w])(?:بلده|قريه|مدينه|ناحيه|قضاء|منطقه|مناطق|حي)\s+)"
    r"(?P<name>(?:al-|Al-|el-|Al\s)?[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?(?:\s+(?:and|,)\s+(?:al-)?[A-Z][\w'’-]+)*|[\u0600-\u06ff]{3,}(?:\s+[\u0600-\u06ff]{3,})?)"
)


def _unresolved_places(
    body: str, mentions: list[Mention], actors: list[ActorMention], gazetteer: Gazetteer
) -> list[tuple[str, list[str]]]:
    folded = fold_arabic(body)
    covered = [(m.start, m.end) for m in mentions] + [(a.start, a.end) for a in actors]
    out: dict[str, list[str]] = {}
    for m in _RE_CAND_PLACE.finditer(folded):
        for part in re.split(r"\s+and\s+|,\s*", m.group("name")):
            s = folded.find(part, m.start("name"))
            if not part or any(a <= s < b for a, b in covered):
                continue
            name = body[s : s + len(part)]
            if name in out:
                continue
            out[name] = _suggest(gazetteer, name) if len(out) < 10 else []
    return sorted(out.items())


_SUGGESTIONS: weakref.WeakKeyDictionary[Gazetteer, dict[str, list[str]]] = weakref.WeakKeyDictionary()


def _suggest(gazetteer: Gazetteer, name: str) -> list[str]:
    """Closest gazetteer names for an unresolved one (remembered per gazetteer)."""
    cache = _SUGGESTIONS.setdefault(gazetteer, {})
    if name not in cache:
        try:
            cache[name] = list(gazetteer.suggest(name, limit=3))
        except InputError:
            cache[name] = []
    return cache[name]


_RE_CAND_ACTOR = re.compile(
    r"\b(?:[A-Z][\w'’-]+\s+){1,4}(?:Forces|Army|Brigades?|Units|Division|Front|Battalions?|Militia|Movement|Organi[sz]ation|Corps|Regiment)\b"
)


def _unresolved_actors(body: str, actors: list[ActorMention], registry: FactionRegistry) -> list[tuple[str, list[str]]]:
    out: dict[str, list[str]] = {}
    for m in _RE_CAND_ACTOR.finditer(body):
        if any(a.start <= m.start() < a.end or m.start() <= a.start < m.end() for a in actors):
            continue
        name = m.group(0)
        try:
            registry.get(name)
        except Exception as exc:  # noqa: BLE001 - UnknownFactionError carries suggestions
            out[name] = list(getattr(exc, "suggestions", ()))
    return sorted(out.items())


def extract_observations(
    text: str,
    gazetteer: Gazetteer,
    registry: FactionRegistry,
    date: _dt.date | None = None,
    source: str | None = None,
    url: str | None = None,
) -> gpd.GeoDataFrame:
    """Proposed observations of a report as a GeoDataFrame of points (EPSG:4326).

    Parameters
    ----------
    text : str
        The report (text or HTML), English and/or Arabic.
    gazetteer : Gazetteer
    registry : FactionRegistry
    date : datetime.date, optional
        The report's date (default: from the HTML meta tags or a date line).
    source, url : str, optional

    Returns
    -------
    geopandas.GeoDataFrame
        One row per proposal, columns :data:`PROPOSAL_COLUMNS` (``date`` a
        :class:`datetime.date`, ``reviewed`` False) and ``place_name``.

    Examples
    --------
    >>> from frontline.gazetteer import Gazetteer
    >>> from frontline.factions import FactionRegistry
    >>> import datetime as dt
    >>> gdf = extract_observations("Iraqi forces on Thursday drove Islamic State militants "
    ...     "out of Anah.", Gazetteer.load(), FactionRegistry.load(), date=dt.date(2017, 9, 22))
    >>> gdf[["place", "faction", "event", "from_faction"]].values.tolist()
    [['anah', 'isf', 'captured', 'isis']]
    >>> str(gdf["date"].iloc[0])
    '2017-09-21'
    """
    import geopandas as gpd
    import shapely

    props = propose_observations(text, gazetteer, registry, date=date, source=source, url=url)
    rows = [o.to_dict() for o in props.observations]
    for r, o in zip(rows, props.observations, strict=True):
        r["date"] = o.date
    cols = list(PROPOSAL_COLUMNS) + ["place_name"]
    data = {c: [r[c] for r in rows] for c in cols}
    geom = shapely.points([r["lon"] for r in rows], [r["lat"] for r in rows]) if rows else []
    return gpd.GeoDataFrame(data, geometry=geom, crs="EPSG:4326")
