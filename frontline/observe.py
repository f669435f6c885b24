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
from typing import TYPE_CHECKING

from frontline.actors import ActorMention, find_actors, lexicon, script_of
from frontline.claimplaces import claim_mentions
from frontline.claims import (
    DENIED,
    FROM_CONTEXT,
    PROPOSAL_COLUMNS,
    Doc,
    Observation,
    disputed,
    fallback_agent,
    find_triggers,
    read_claim,
    spans,
)
from frontline.errors import InputError
from frontline.extract import Mention
from frontline.factions import FactionRegistry
from frontline.gazetteer import Gazetteer
from frontline.reports import Report, find_time_phrases, fold_arabic, read_report
from frontline.triggers import PREMODIFIER

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

_CLAUSE_BREAK = re.compile(
    r";|؛|:\s|\s[-–—]\s|,\s+(?=(?:while|but|whereas|although|though|where|as|after|before|when|and\s+then)\b)"
    r"|،\s*(?=(?:فيما|بينما|في\s+حين|بعد|حيث|وذلك|الذي|التي|وقال|واضاف|واكد|وكان|وتعد|ويعتبر))|(?<![\w])(?:فيما|بينما|في\s+حين|و?لكن)(?![\w])"
    r"|\n",
    re.IGNORECASE,
)
#: places counted or announced before a colon that opens their list: "five settlements near
#: Lyman:", "the following villages:", "القرى التالية:"
_LIST_OPENS = re.compile(
    r"(?:\b(?:settlements|villages|towns|localities|hamlets|cities|areas|positions)\b"
    r"(?:\s+[^\s:;,.]+){0,3}|(?<![\w])(?:القرى|البلدات|المناطق|القري)(?:\s+\S+){0,2})\s*\Z",
    re.IGNORECASE,
)
#: names alone between two dashes: "three villages – Stavky, Novoselivka and Maslyakivka –"
_DASHED_NAMES = re.compile(
    r"(?<=[-–—]\s)[A-Z][\w'’]*(?:(?:\s+|\s*,\s*(?:and\s+)?|\s+and\s+)[A-Z][\w'’]*){0,12}\s[-–—](?=\s)"
)
_SENTENCE_END = re.compile(r"(?<=[.!?؟])[\"”’»)]*\s+(?=[\"“«(]?[A-Z\u0600-\u06ff0-9])|\n+")
_ABBREV = re.compile(
    r"(?:\b(?:Lt|Gen|Col|Maj|Brig|Capt|Sgt|Mr|Mrs|Dr|St|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Gov|Rep|Sen|Cpl|Pvt|approx|vs|U\.S|U\.N|U\.K)|\b[A-Z])\.$"
)


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


def _sentences(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if (
            m.group(0).strip() == ""
            and "\n" not in m.group(0)
            and _ABBREV.search(text[max(0, m.start() - 6) : m.start()])
        ):
            continue
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return [(s, e) for s, e in out if text[s:e].strip()]


def _clauses(folded: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = [start]
    skip = -1
    for m in _CLAUSE_BREAK.finditer(folded, start, end):
        if m.start() <= skip:
            continue
        if folded[m.start()] == ":" and _LIST_OPENS.search(
            folded, max(start, m.start() - 60), m.start()
        ):
            continue  # "liberated five settlements near Lyman: A, B and C": the list is the object
        names = _DASHED_NAMES.match(folded, m.end(), end)
        if names is not None:
            skip = names.end()  # "three villages – A, B and C – were taken": one clause
            continue
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
    lx = lexicon(script_of(body))
    actors = find_actors(body, registry, folded)
    mentions = claim_mentions(body, folded, gazetteer, lx, actors)
    modal = spans(lx.modal, folded)
    if report.date is None:
        return Proposals(report, [], _unresolved_places(body, mentions, actors, gazetteer), [])
    aims = spans(lx.targets, folded)
    # "هيئة تحرير الشام", "Levant Liberation Committee": a trigger inside a name is no deed
    named = [(a.start, a.end) for a in actors if a.faction is not None]  # in text order
    named_at = [a for a, _b in named]
    # ... and one that starts with a faction's name is that name: "IS captured" is no passive
    # "is captured"
    # ... but a name that is a holder pre-modifier ("Russian-occupied") still says who holds
    triggers = [
        t for t in find_triggers(folded, lx, aims)
        if not (k := bisect.bisect_right(named_at, t.start))
        or (named[k - 1][1] < t.end and (named[k - 1][0] != t.start or t.kind != "passive"))
        or (named[k - 1][1] == t.end and PREMODIFIER.search(folded, t.start, t.end))
    ]  # fmt: skip
    doc = Doc(
        body=body, folded=folded, triggers=triggers, actors=actors,
        times=find_time_phrases(body), report=report, registry=registry, lx=lx,
        marks=(spans(lx.attribution, folded), spans(lx.vague, folded), spans(lx.negation, folded)),
        targets=aims, mentions=mentions, modal=modal,
    )  # fmt: skip
    doc.fallback = fallback_agent(doc)
    found: list[Observation] = []
    sentences = _sentences(body)
    for s0, s1 in sentences:
        sentence = body[s0:s1].strip()
        lead = len(body[s0:s1]) - len(body[s0:s1].lstrip())
        for c0, c1 in _clauses(folded, s0, s1):
            for m in (m for m in mentions if c0 <= m.start < c1 and m.relation != "region"):
                obs = read_claim(m, (c0, c1), (s0, s1), doc)
                if obs is None:
                    continue
                for o in (obs, disputed(obs)):
                    if o is not None:
                        found.append(
                            replace(
                                o,
                                evidence=sentence,
                                evidence_start=s0 + lead,
                                evidence_end=s0 + lead + len(sentence),
                            )
                        )
    found += _denied_later(found, sentences, doc)
    return Proposals(
        report,
        _dedupe(found),
        _unresolved_places(body, mentions, actors, gazetteer),
        _unresolved_actors(body, actors, registry),
    )


#: words of a sentence that denies a capture ("Kyiv denied Russia had full control of the town")
_CLAIM_WORDS = re.compile(
    r"\b(?:claims?|captur\w*|control|fall(?:en)?|taken|seiz\w*)\b|سيطر|سقوط|استعاد|تحرير",
    re.IGNORECASE,
)


def _denied_later(
    found: list[Observation], sentences: list[tuple[int, int]], doc: Doc
) -> list[Observation]:
    """Return the ``contested`` twins of captures that a later sentence denies.

    A denial in the capture's own sentence is read with the claim (:func:`disputed`); this
    reads one in a later sentence that names the place, or that names no place and follows
    the capture closest before it ("Russia said its forces had seized Toretsk. Kyiv denied
    Russia had full control of the industrial hub.").
    """
    denying = [
        (s0, s1) for s0, s1 in sentences
        if doc.lx.denial.search(doc.folded, s0, s1) and _CLAIM_WORDS.search(doc.folded, s0, s1)
    ]  # fmt: skip
    out: list[Observation] = []
    captures = sorted(
        (o for o in found if o.event == "captured" and not o.has_note(DENIED)),
        key=lambda o: o.evidence_end,
    )
    for d0, d1 in denying:
        named = {m.place.id for m in doc.mentions if d0 <= m.start < d1}
        before = [o for o in captures if o.evidence_end <= d0]
        meant = [o for o in before if o.place in named] if named else before[-1:]
        for o in meant:
            twin = disputed(replace(o, note=f"{o.note}; {DENIED}"))
            if twin is not None:
                out.append(twin)
    return out


_EVENT_RANK = {"captured": 3, "contested": 2, "held": 1, "lost": 0}


def _dedupe(found: list[Observation]) -> list[Observation]:
    """One observation per place, faction and event; a capture silences other claims on it."""
    best: dict[tuple[str, str, str], Observation] = {}
    for o in found:
        key = (o.place, o.faction, o.event)
        cur = best.get(key)
        rank = (o.date, o.confidence) if o.event == "contested" else (o.confidence, o.date)
        if cur is None or rank > (
            (cur.date, cur.confidence) if o.event == "contested" else (cur.confidence, cur.date)
        ):
            best[key] = o  # fighting: the latest report of it; else the surest claim
    for key, o in list(best.items()):
        held = next(
            (
                h for h in best.values()
                if h.place == o.place and h.event == "held" and h.date >= o.date
                and o.via == "enter:" + h.faction
            ),
            None,
        )  # fmt: skip
        if o.event == "contested" and held is not None:
            # "forces entered X" and "X is under the forces' control": they took it
            del best[key]
            best[(o.place, held.faction, "captured")] = replace(
                o, faction=held.faction, event="captured", confidence=held.confidence,
                note=f"{o.note}; {held.note}",
            )  # fmt: skip
    named = {
        (o.place, o.faction) for o in best.values()
        if o.event == "captured" and not o.has_note(FROM_CONTEXT)
    }  # fmt: skip
    for key, o in list(best.items()):
        if (
            o.event == "captured"
            and o.has_note(FROM_CONTEXT)
            and any(p == o.place and f != o.faction for p, f in named)
        ):
            del best[key]  # "The capture of X …" read from the context; X's captor named elsewhere
    captured: dict[str, Observation] = {}
    told: dict[str, int] = {}  # where the text first tells of a capture of each place
    for o in found:
        if o.event == "captured":
            told[o.place] = min(told.get(o.place, o.evidence_end), o.evidence_end)
    for o in best.values():  # the latest capture of each place
        if o.event == "captured" and (o.place not in captured or o.date > captured[o.place].date):
            captured[o.place] = o
    out = []
    for o in best.values():
        c = captured.get(o.place)
        if c is not None and o is not c:
            if o.event == "held" and o.faction == c.faction:
                continue
            if o.event == "held" and o.date >= c.date and o.faction != c.faction:
                continue
            if o.via == "held_from" and o.faction != c.faction:
                continue  # "an operation to liberate X from IS" and X taken: the target was reached
            if (
                o.event == "contested"
                and (o.date <= c.date or not o.dated)
                and not _STILL_PART.match(o.note)
                and not (o.evidence_start >= told[o.place] and _GOES_ON.search(o.evidence))
                and not o.has_note(DENIED)  # a denied capture stays disputed
            ):
                continue  # "took X; fighting in X": taken; "fighting on Friday" after it: not
                # ... but "rebels remain in control of parts of X" disputes the capture, and so
                # does fighting told as going on after the text's first claim of it
        out.append(o)
    out.sort(key=lambda o: (o.place_start, o.event))
    return out


#: a contest trigger that says the loser still holds part of the place ("remain in control of
#: parts of", "لا يزال يسيطر على أجزاء من"): the text disputes a capture of the same day
_STILL_PART = re.compile(r"(?:still|remain|continue|لا\s+(?:ي|ت)زال)", re.IGNORECASE)

#: fighting told as going on, in a sentence after the capture's ("clashes continue to break out
#: in X", "the fighting in X continues", "المعارك مستمرة"): the text disputes the capture
_GOES_ON = re.compile(
    r"\b(?:continu(?:e|es|ed|ing)|still|ongoing|persist\w*|sporadic\w*|not\s+(?:yet\s+)?over)\b"
    r"|(?<![\w])(?:لا\s+(?:ت|ي)زال|مستمر\S*|تتواصل|يتواصل|متواصل\S*)",
    re.IGNORECASE,
)


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


_SUGGESTIONS: weakref.WeakKeyDictionary[Gazetteer, dict[str, list[str]]] = (
    weakref.WeakKeyDictionary()
)


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


def _unresolved_actors(
    body: str, actors: list[ActorMention], registry: FactionRegistry
) -> list[tuple[str, list[str]]]:
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
