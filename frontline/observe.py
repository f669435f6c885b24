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

from frontline.actors import ActorMention, Lexicon, find_actors, lexicon, script_of
from frontline.claims import (
    LIST_GAP,
    OWN_PARTS,
    PROPOSAL_COLUMNS,
    Doc,
    Observation,
    fallback_agent,
    find_triggers,
    read_claim,
    spans,
)
from frontline.errors import InputError
from frontline.extract import Mention, extract_places
from frontline.factions import FactionRegistry
from frontline.gazetteer import Gazetteer
from frontline.reports import Report, find_time_phrases, fold_arabic, read_report

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
    lx = lexicon(script_of(body))
    actors = find_actors(body, registry, folded)
    mentions = _claim_mentions(body, folded, gazetteer, lx, actors)
    modal = spans(lx.modal, folded)
    if report.date is None:
        return Proposals(report, [], _unresolved_places(body, mentions, actors, gazetteer), [])
    aims = spans(lx.targets, folded)
    # "هيئة تحرير الشام", "Levant Liberation Committee": a trigger inside a name is no deed
    named = [(a.start, a.end) for a in actors if a.faction is not None]  # in text order
    named_at = [a for a, _b in named]
    # ... and one that starts with a faction's name is that name: "IS captured" is no passive
    # "is captured"
    triggers = [
        t for t in find_triggers(folded, lx, aims)
        if not (k := bisect.bisect_right(named_at, t.start))
        or (named[k - 1][1] < t.end and (named[k - 1][0] != t.start or t.kind != "passive"))
    ]  # fmt: skip
    doc = Doc(
        body=body, folded=folded, triggers=triggers, actors=actors,
        times=find_time_phrases(body), report=report, registry=registry, lx=lx,
        marks=(spans(lx.attribution, folded), spans(lx.vague, folded), spans(lx.negation, folded)),
        targets=aims, mentions=mentions, modal=modal,
    )  # fmt: skip
    doc.fallback = fallback_agent(doc)
    found: list[Observation] = []
    for s0, s1 in _sentences(body):
        sentence = body[s0:s1].strip()
        lead = len(body[s0:s1]) - len(body[s0:s1].lstrip())
        for c0, c1 in _clauses(folded, s0, s1):
            for m in (m for m in mentions if c0 <= m.start < c1 and m.relation != "region"):
                obs = read_claim(m, (c0, c1), (s0, s1), doc)
                if obs is not None:
                    found.append(
                        replace(
                            obs,
                            evidence=sentence,
                            evidence_start=s0 + lead,
                            evidence_end=s0 + lead + len(sentence),
                        )
                    )
    return Proposals(
        report,
        _dedupe(found),
        _unresolved_places(body, mentions, actors, gazetteer),
        _unresolved_actors(body, actors, registry),
    )


_AR_DIACRITIC = re.compile("[\u064b-\u0652\u0670]")
_AR_CONJ = re.compile(r"(?<![\w\u064b-\u0652])و(?=[\u0621-\u064a]{3,})")
_ANAPHORA = re.compile(
    r"\b(?:the|this)\s+(?:(?:\w+ern|strategic|key|border|besieged|embattled|ancient|historic|"
    r"oil-rich|predominantly\s+\w+|\w+-majority)\s+)?(?:town|city|village)\b"
    r"(?!\s+(?:council|centre|center|'s))(?!\s+of\s+(?:the\s+)?(?-i:[A-Z]))"
    r"|(?<![\w])[وفب]?(?:ال)(?:مدينه|بلده|ناحيه|قريه)(?=[\s،.]|$)(?!\s+ال(?!تي|ذي))",
    re.IGNORECASE,
)


def _claim_mentions(
    body: str, folded: str, gazetteer: Gazetteer, lx: Lexicon, actors: list[ActorMention]
) -> list[Mention]:
    banned = spans(lx.not_places, folded) + [
        (a.start, a.end) for a in actors if a.faction is not None
    ]
    found = extract_places(body, gazetteer, anchors=True)
    if _AR_LETTER.search(body):
        # Arabic: diacritics break words ("عانّه") and "و" (and) sticks to the next word
        # ("وبعشيقه"); look again in a copy of the same length without them
        alt = _AR_CONJ.sub(" ", _AR_DIACRITIC.sub("ـ", body))
        extra = [
            m for m in extract_places(alt, gazetteer, anchors=True)
            if not any(o.start < m.end and m.start < o.end for o in found)
        ]  # fmt: skip
        found = sorted(
            found + [replace(m, text=body[m.start : m.end]) for m in extra], key=lambda m: m.start
        )
    out: list[Mention] = []
    banned.sort()
    banned_at = [a for a, _b in banned]
    for m0 in found:
        m = _facility(m0, folded, gazetteer, lx)
        if m is None:
            continue  # "the Tabqa dam" when the gazetteer has no dam there
        m = _highlands(m, body, gazetteer, lx)
        k = bisect.bisect_right(banned_at, m.end)
        if any(a <= m.start < b or a < m.end <= b for a, b in banned[max(0, k - 4) : k]):
            continue
        head = folded[max(0, m.start - 30) : m.start]
        quarter = m.place.kind in ("area", "district") and _QUARTER_AFTER.match(folded, m.end)
        if _NAMES_AN_OPERATION.match(folded, m.end):
            out.append(replace(m, relation="region"))
            continue  # "during the Al-Bab operation", "the Mosul offensive": an operation's name
        if (
            not quarter
            and m.relation is None
            and lx.region_before.search(head)
            and not _SEAT_OF.search(head)  # "مبنى محافظة كركوك": the building in the city
        ):
            continue  # "western Anbar"; "west of Raqqa" is a relative phrase, read as one
        if not m.place.curated and (
            _QUARTER_BEFORE.search(folded, max(0, m.start - 12), m.start)
            or _QUARTER_AFTER.match(folded, m.end)
        ):
            continue  # "حي اليرموك", "the Yarmouk neighbourhood": a city's quarter, not a village
        if not quarter and (
            lx.region_after.search(
                re.sub(r"^(?:\s+(?:and|&|و)\s+\S+)+", "", folded[m.end : m.end + 40])
            )
            or _PROVINCE_APPOSITIVE.match(folded, m.end)
        ):
            # "Deir Ezzor province", "al-Senaa and Shuqaq neighborhoods", "Idlib, the only
            # province …": no claim on it, but a name a claim after it does not reach over
            out.append(replace(m, relation="region"))
            continue
        if m.relation is None and _AR_LOCATOR.search(folded[max(0, m.start - 24) : m.start]):
            m = replace(m, relation="anchor")  # "شرق مدينة حماة": a landmark, not the place taken
        if re.search(r"ريف|countryside", folded[m.phrase[0] : m.end]):
            continue  # "ريف دير الزور": a countryside is a region, not a place
        if (
            re.match(r"['’]s\b", body[m.end : m.end + 3])
            or (body[m.end - 1 : m.end] == "s" and body[m.end : m.end + 2] in ("' ", "’ "))
        ) and not OWN_PARTS.match(body, m.end):
            continue  # "Baghdad's army", "Mosul's Sinjar district", "Damascus' outskirts"
        word = body[m.start : m.end]
        if (
            _AR_LETTER.search(word)
            and not m.place.curated
            and " " not in word.strip()
            and len(word) <= 5
            and not re.search(
                r"(?:قضاء|ناحيه|مدينه|بلده|قريه|منطقه)\s*[\"«]?\s*$",
                folded[max(0, m.start - 12) : m.start],
            )
        ):
            continue  # short Arabic words that are village names too ("علم"), unless "قضاء دبس"
        if _AR_LETTER.search(word) and _article_dropped(fold_arabic(word), m.place.names):
            continue  # "قريتين" (two villages) is not "القريتين": Arabic names keep their article
        if (
            m.relation not in (None, "outskirts", "anchor")
            and out
            and LIST_GAP.fullmatch(folded, out[-1].end, m.phrase[0]) is None
        ):
            if re.fullmatch(r"[\s,،]*(?:\S+\s+){0,2}", folded[out[-1].end : m.phrase[0]]):
                continue  # "the town of Hawija about 300 km north of Baghdad": a locator
        out.append(m)
    # "the town", "the city", "المدينة": the place named last before
    for ana in _ANAPHORA.finditer(folded):
        a0, a1 = ana.start(), ana.end()
        if re.search(
            r"(?:(?:\b(?:north|south|east|west|km|kilometres|kilometers|miles|outskirts|edge|edges)\w*\s+)of|\bnear|\boutside|\baround|\bfrom|غرب|شرق|شمال|جنوب|قرب|اطراف)\s*$",
            folded[max(0, a0 - 12) : a0],
        ):
            continue  # "west of the city": a locator, not the place ("control of the town" is)
        word = ana.group(0).lower()
        kinds = _ANAPHORA_KINDS[next(k for k in _ANAPHORA_KINDS if k in word)]
        prev = [m for m in out if m.end <= a0 and m.relation is None and m.place.kind in kinds]
        if prev and a0 - prev[-1].end < 400 and not any(a0 <= m.start < a1 + 3 for m in out):
            out.append(replace(prev[-1], start=a0, end=a1, text=body[a0:a1], phrase_start=a0))
    out.sort(key=lambda m: m.start)
    out += _part_of_pronoun(body, folded, out)
    out.sort(key=lambda m: m.start)
    out += _named_later(body, folded, out)
    out.sort(key=lambda m: m.start)
    # "captured a border crossing … the al-Waleed crossing": the one crossing the report names
    for kind, (after, _before) in lx.facilities.items():
        named = {m.place.id: m for m in out if m.place.kind == kind and m.relation is None}
        if len(named) != 1:
            continue
        (ref,) = named.values()
        for ind in _INDEFINITE.finditer(folded):
            tail = after.match(folded, ind.end(), min(len(folded), ind.end() + 40))
            if tail is None or any(ind.start() <= m.start < tail.end() + 3 for m in out):
                continue
            a0, a1 = ind.start(), tail.end()
            out.append(replace(ref, start=a0, end=a1, text=body[a0:a1], phrase_start=a0))
    out.sort(key=lambda m: m.start)
    return out


#: a quarter of a city named by the word before or after it: "حي اليرموك", "the Qaboun
#: neighbourhood" (singular: the quarter itself; "al-Senaa and Shuqaq neighborhoods" are regions)
_QUARTER_BEFORE = re.compile(r"(?<![\w])(?:ب|و|في)?(?:حي|حيي|احياء)\s+[\"«“]?\s*\Z")
_QUARTER_AFTER = re.compile(r"\s+(?:neighbou?rhood|quarter|district)(?!s)\b", re.IGNORECASE)

#: a name used as the name of an operation: "the Al-Bab operation", "the Raqqa offensive"
_NAMES_AN_OPERATION = re.compile(
    r"\s+(?:operations?|offensive|campaign|front)\b(?!\s+(?:in|on|near|against|to|for|of)\b)",
    re.IGNORECASE,
)

#: a part of places named by a pronoun: "gaining control over parts of them", "أجزاء منها"
_PART_OF_PRONOUN = re.compile(
    r"\b(?:parts?|most|half|sections?|areas|neighbou?rhoods|districts|\d+\s*(?:percent|per\s+cent|%))"
    r"\s+of\s+(?P<pro>it|them)\b"
    r"|(?<![\w])(?:اجزاء|جزء|مساحات|احياء|غالبيه|معظم|نصف)\s+(?:\S+\s+)?(?P<ar>منها|منه|منهما)(?![\w])",
    re.IGNORECASE,
)


def _part_of_pronoun(body: str, folded: str, out: list[Mention]) -> list[Mention]:
    """Return mentions for a pronoun after "parts of": the places named before it.

    "attacked government positions in the town of Soran and the village of Maardas, gaining
    control over parts of them": "them" stands for the list before it in its sentence, "it"
    for the last place.
    """
    found: list[Mention] = []
    for p in _PART_OF_PRONOUN.finditer(folded):
        group = "pro" if p.group("pro") else "ar"
        a0, a1 = p.span(group)
        s0 = max(folded.rfind(".", 0, a0), folded.rfind("\n", 0, a0))
        prev = [m for m in out if s0 < m.start and m.end <= a0 and m.relation is None]
        if not prev:
            continue
        chain = [prev[-1]]
        if p.group(group).lower() in ("them", "منها", "منهما"):
            for m in reversed(prev[:-1]):
                if LIST_GAP.fullmatch(folded, m.end, chain[0].phrase[0]) is None:
                    break
                chain.insert(0, m)
        found += [replace(m, start=a0, end=a1, text=body[a0:a1], phrase_start=a0) for m in chain]
    return found


#: an appositive that calls the name a province: "Idlib, the only province fully controlled by"
_PROVINCE_APPOSITIVE = re.compile(
    r"\s*,\s*(?:the|a|an|its)\s+(?:(?!of\b)[\w-]+\s+){0,2}(?:province|governorate)\b"
    r"|\s*،\s*(?:وهي\s+|وهي\s+)?(?:ال)?محافظه\b",
    re.IGNORECASE,
)

#: the seat of a province: "مبنى محافظة", "مقر محافظة" (the building in the city)
_SEAT_OF = re.compile(r"(?:مبن[يى]|مقر|ديوان|مجلس)\s+محافظه\s*$")

#: an Arabic direction right before a name: "شرق مدينة حماة", "غربي الموصل"
_AR_LOCATOR = re.compile(
    r"(?<![\w])(?:[وب])?(?:شرق|غرب|شمال|جنوب)(?:ي|ى)?\s+(?:(?:مدينه|بلده|قريه|قضاء|ناحيه)\s+)?[\"«]?\s*$"
)


def _highlands(m: Mention, body: str, gazetteer: Gazetteer, lx: Lexicon) -> Mention:
    """Read "the outskirts/mountains of X", "X's outskirts" as the gazetteer's "Juroud X".

    Returns *m* itself unless such words stand by it and the gazetteer has the place.
    """
    if m.relation not in (None, "outskirts", "anchor"):
        return m
    words, prefixes = lx.highlands
    lo = max(0, m.start - 60)
    head = words.search(body, lo, m.start)
    poss = re.match(r"['’]s?\s+(?:outskirts|mountains|hills|barrens)\b", body[m.end : m.end + 16])
    if not prefixes or (head is None and poss is None):
        return m
    for prefix in prefixes:
        hit = gazetteer.geocode(f"{prefix} {m.place.name}", kinds="area", fuzzy=False, limit=1)
        if hit:
            p = hit[0].place
            start = head.start() if head is not None else m.start
            end = m.end + poss.end() if poss is not None else m.end
            return replace(
                m, start=start, end=end, text=body[start:end], place=p, lon=p.lon, lat=p.lat,
                uncertainty_km=p.precision_m / 1000.0, relation=None, phrase_start=start,
            )  # fmt: skip
    return m


def _article_dropped(word: str, names: tuple[str, ...]) -> bool:
    """Whether an Arabic *word* lacks the article every Arabic name of its place has."""
    if re.match(r"(?:[وفبلك]|وب|ول|فب|فل|وال)?(?:ال|لل)", word):
        return False
    arabic = [fold_arabic(n) for n in names if _AR_LETTER.search(n)]
    return bool(arabic) and all(n.startswith("ال") for n in arabic)


#: "captured a key town west of Mosul": a town the next sentence names ("the center of
#: strategic Baaj town")
_UNNAMED = re.compile(
    r"\b(?:an?|one)\s+(?:(?:key|strategic|important|main|major|small|large|nearby|border|"
    r"\w+ern)\s+)?(?P<kind>town|village|city)\b(?!\s+(?:of|called|named)\b)",
    re.IGNORECASE,
)


def _named_later(body: str, folded: str, out: list[Mention]) -> list[Mention]:
    """Return mentions for "a key town" that the next sentence names with the same word.

    "captured a key town west of Mosul. … the center of strategic Baaj town": the unnamed
    town stands for the first place named after its sentence, if "town" ("the town of X",
    "X town") names it there too.
    """
    found: list[Mention] = []
    for u in _UNNAMED.finditer(folded):
        end = folded.find(".", u.end())
        word = u.group("kind").lower()
        later = [m for m in out if end >= 0 and end < m.start < end + 300 and m.relation is None]
        if not later or later[0].place.kind not in _ANAPHORA_KINDS[word]:
            continue
        m = later[0]
        before = folded[max(0, m.start - 16) : m.start].lower()
        after = folded[m.end : m.end + 8].lower()
        if re.search(rf"\b{word}\s+of\s+$", before) or re.match(rf"\s+{word}\b", after):
            a0, a1 = u.span()
            found.append(replace(m, start=a0, end=a1, text=body[a0:a1], phrase_start=a0))
    return found


#: "a border crossing", "an important air base": a facility named elsewhere in the report
_INDEFINITE = re.compile(
    r"\b(?:an?|one)\s+(?:(?:key|main|major|important|strategic|vital|nearby)\s+)?", re.I
)


def _facility(m: Mention, folded: str, gazetteer: Gazetteer, lx: Lexicon) -> Mention | None:
    """Read a place name with a facility word ("the Husaybah border post", "منفذ القائم").

    Returns the mention of the nearest gazetteer place of the facility's kind within
    ``facility_km`` of the named place, None when there is none, and *m* itself when no
    facility word stands by it (or the name already is one: "Rabia border crossing").
    """
    if m.relation not in (None, "anchor"):
        return m
    for kind, (after, before) in lx.facilities.items():
        kinds = lx.facility_kinds.get(kind, (kind,))
        if m.place.kind in kinds:
            continue
        tail = after.match(folded, m.end, min(len(folded), m.end + 40))
        head = None if tail else before.search(folded[max(0, m.phrase[0] - 30) : m.phrase[0]])
        if tail is not None:
            phrase = m.text + tail.group(0)
        elif head is not None:
            phrase = head.group("word") + " " + m.text
        else:
            continue
        # the facility by its own name ("سد الموصل"), else the nearest of its kind
        named = gazetteer.geocode(phrase, kinds=kinds, fuzzy=False, limit=1) or gazetteer.geocode(
            _FACILITY_ADJ.sub("", phrase), kinds=kinds, fuzzy=False, limit=1
        )  # "Abu Duhur military airport" is the gazetteer's "Abu Duhur airport"
        if named:
            p = named[0].place
        else:
            near = gazetteer.reverse(m.place.lon, m.place.lat, max_km=lx.facility_km, kinds=kinds)
            if near is None:
                return None
            p = near.place
        end = tail.end() if tail is not None else m.end
        return replace(
            m, end=end, text=m.text + folded[m.end : end], place=p, lon=p.lon, lat=p.lat,
            uncertainty_km=p.precision_m / 1000.0, reason="facility",
        )  # fmt: skip
    return m


#: words that qualify a facility without naming it ("military airport", "main border crossing")
_FACILITY_ADJ = re.compile(
    r"\b(?:military|main|old|new|international|civil(?:ian)?|strategic|vital|key)\s+", re.I
)
_AR_LETTER = re.compile(r"[\u0600-\u06ff]")
_ANAPHORA_KINDS = {
    "town": ("town", "city"), "city": ("city", "town"), "village": ("village", "town"),
    "مدينه": ("city", "town"), "بلده": ("town", "village"), "ناحيه": ("town", "village", "city"),
    "قريه": ("village", "town"),
}  # fmt: skip


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
    captured: dict[str, Observation] = {}
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
            ):
                continue  # "took X; fighting in X": taken; "fighting on Friday" after it: not
                # ... but "rebels remain in control of parts of X" disputes the capture
        out.append(o)
    out.sort(key=lambda o: (o.place_start, o.event))
    return out


#: a contest trigger that says the loser still holds part of the place ("remain in control of
#: parts of", "لا يزال يسيطر على أجزاء من"): the text disputes a capture of the same day
_STILL_PART = re.compile(r"(?:still|remain|continue|لا\s+(?:ي|ت)زال)", re.IGNORECASE)


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
