"""How a report's sentence says who holds a place: the claim readers behind frontline.observe.

:func:`read_claim` reads the claim a clause makes about one place mention: the trigger
words that decide (``captured``, ``held by``, ``fighting in`` …; lists in
``frontline/data/observe.yaml``), the new holder (the clause's subject, or the report's main
actor), the previous holder ("from X", the one driven out), the date (the clause's time
words, never after the report) and the confidence. :class:`Doc` holds what was found in the
whole report; :class:`Observation` is the result. :mod:`frontline.observe` cuts the report
into sentences and clauses and calls these readers.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import re
from dataclasses import dataclass, field, replace
from typing import Any

from frontline.actors import ActorMention, Lexicon
from frontline.extract import Mention
from frontline.factions import FactionRegistry
from frontline.proposals import PROPOSAL_COLUMNS, Observation
from frontline.reports import Report, date_of

__all__ = [
    "LIST_GAP",
    "PROPOSAL_COLUMNS",
    "Doc",
    "Observation",
    "Trigger",
    "fallback_agent",
    "find_triggers",
    "read_claim",
    "spans",
]

_CAPTURE_KINDS = frozenset({"capture", "passive", "expel"})
_POST_KINDS = frozenset({"passive", "held_by", "stronghold", "hold", "repel"})
#: relative phrases whose derived point is the place a claim is about ("a village 12 km north
#: of X"); "near X", "west of X" only locate something else.
_CLAIM_RELATIONS = frozenset({None, "offset", "distance", "outskirts"})
_LOSER_BEFORE = re.compile(
    r"(?:\bfrom|\bout\s+of|\bagainst|\bvictory\s+over|(?<![\w])(?:من|ضد)(?:\s+(?:قبضه|سيطره|يد|ايدي|عناصر|مسلحي|مقاتلي|براثن))?)\s*[«\"“(]?\s*"
    r"(?:(?:the|its|their|remaining|remnants\s+of|extremist|militant|jihadist|terrorist|(?:\S+\s+)?fighters\s+of)\s+){0,2}$",
    re.IGNORECASE,
)
_MEMBER_OF = re.compile(
    r"\b(?:forces?|units?|troops|members|fighters|elements|soldiers|officers?|commanders?|sources?|"
    r"spokesm[ae]n|officials?)\s+(?:from|of)\s+(?:the\s+)?$"
    r"|(?<![\w])(?:وحدات|قوات|قوه|عناصر|افراد|قطعات|فصائل|مقاتلين|مقاتلو)\s+من\s+$",
    re.IGNORECASE,
)
_OWNER_BEFORE = re.compile(
    r"(?:معقل|معاقل|stronghold|bastion|capital)\S*\s*(?:of\s+)?[«\"“(]?\s*(?:the\s+)?$",
    re.IGNORECASE,
)
_BY_BEFORE = re.compile(
    r"(?:\bby|\bto|\bof|(?<![\w])(?:ل|بيد|ايدي|سيطره|لسيطره))\s*[«\"“(]?\s*(?:the\s+)?$",
    re.IGNORECASE,
)


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
        ids, st = self._local[country]
        return fid if fid in ids or fid not in self._local[""][0] else st.get(fid)


_GAP_SEP = r"[\s,،\"'«»“”…]*(?:(?:and|or|&|و)\s*)?(?:على\s+)?[\s\"'«»“”]*"
_GAP_KIND = (
    r"(?:(?:the\s+)?(?:towns?|city|cities|villages?)\s+of\s+)?"
    r"(?:(?:قضاء|ناحيه|مدينه|بلده|قريه|منطقه|مناطق|حي|سد)\s+)?"
)
#: "in Diyala", "في ديالى": where the items before lie, inside a list
_GAP_WHERE = r"(?:\s*(?:\bin|في)\s+(?:the\s+)?\S+?(?:\s+(?:province|governorate))?[…]?)?"
#: a list item the gazetteer does not know ("Khanaqin, Jalawla and Makhmour")
_GAP_ITEM = r"(?:(?-i:(?:al-|el-|Al-|El-)?[A-Z][\w'’-]+)|[\u0621-\u064a]{3,})"
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


_AR_LETTER = re.compile(r"[\u0600-\u06ff]")


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
            target = any(a <= m.start() <= b + 1 for a, b in targets[max(0, k - 3) : k])
            found.append(Trigger(kind, m.start(), m.end(), target))
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    out: list[Trigger] = []
    for t in found:
        if out and t.start < out[-1].end:
            continue
        out.append(t)
    return out


def fallback_agent(doc: Doc) -> str | None:
    """Return the report's main actor: the faction named most, not counting the ones driven out."""
    losers: set[str] = set()
    counts: dict[str, int] = {}
    cedes = [t for t in doc.triggers if t.kind == "cede"]
    cede_at = [t.start for t in cedes]
    for a in doc.actors:
        fid = a.faction or next(iter(a.by_country.values()), None)
        if fid is None:
            continue
        head = doc.folded[max(0, a.start - 40) : a.start]
        tail = doc.folded[a.end : a.end + 30]
        k = bisect.bisect_left(cede_at, a.start - 80)
        ceded = any(
            0 <= t.start - a.end < 12 or 0 <= a.start - t.end < 3
            for t in cedes[k : bisect.bisect_right(cede_at, a.end + 12)]
        )  # fmt: skip
        member = _MEMBER_OF.search(head)  # "a joint force from the Iraqi army" is no loser
        if (
            ceded
            or (_LOSER_BEFORE.search(head) and not member)
            or re.search(r"معقل|معاقل|stronghold|bastion", head[-20:] + tail[:24], re.I)
        ):
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
    best = sorted(
        ((n, fid) for fid, n in counts.items() if fid not in losers),
        key=lambda x: x[0],
        reverse=True,
    )
    return best[0][1] if best else None


def _between_ok(doc: Doc, a: int, b: int, post: bool = False) -> bool:
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


def read_claim(
    m: Mention, clause: tuple[int, int], sent: tuple[int, int], doc: Doc
) -> Observation | None:
    """Read the claim a clause makes about the place mention *m*, if any.

    Parameters
    ----------
    m : Mention
        The place mention.
    clause, sent : (int, int)
        Offsets of its clause and its sentence.
    doc : Doc
        What was found in the whole report.

    Returns
    -------
    Observation or None
        None when the clause says nothing about who holds the place, names it only as a
        target, negates the claim, or gives no usable date. The evidence fields are left
        for the caller to fill in.
    """
    c0, c1 = clause
    s0, s1 = sent
    country = m.place.country
    folded = doc.folded
    # an English passive tells of the place before it ("Y was retaken"), not of one after it
    before = [
        t for t in doc.triggers
        if c0 <= t.start and t.end <= m.start
        and (t.kind != "passive" or _AR_LETTER.match(doc.folded[t.start]))
        and not _RESUMPTIVE.search(doc.folded, t.start, t.end)
    ]  # fmt: skip
    after = [t for t in doc.triggers if m.end <= t.start < c1]
    if m.relation == "anchor":
        before = []  # "west of Mosul" names Mosul, but a verb before acts on the derived point
    elif m.relation not in (None, "outskirts"):
        if (
            m.relation in ("offset", "distance")
            and before
            and re.search(
                r"^\s*(?:[^\s,،]+\s+){0,3}(?:village|town|hill|area|position|base|point|قري\S*|بلد\S*|منطق\S*)[^\s,،]*\s+$",
                folded[before[-1].end : m.phrase[0]],
            )
        ):
            pass  # "captured a village 12 km north of X": the claim is about the derived point
        else:  # "an attack near X was repelled": X is held by the defender
            before = [t for t in before if t.kind == "repel"]
            after = [t for t in after if t.kind == "repel"]
    trig: Trigger | None = None
    for k in range(len(before) - 1, -1, -1):
        t = before[k]
        if not _between_ok(doc, t.end, m.start):
            break
        if (
            t.kind in ("stronghold", "held_by")
            and k > 0
            and before[k - 1].kind in _CAPTURE_KINDS | {"cede", "contest", "enter", "besiege"}
            and _between_ok(doc, before[k - 1].end, m.start)
            and _done(before[k - 1], doc, s0, s1)
        ):
            # "captured ISIL's de facto capital Raqqa", "street fighting in its last stronghold
            # X": the verb decides; "expects to capture IS's capital Raqqa": the stronghold
            continue
        trig = t
        break
    aimed = trig is not None and any(trig.end <= a and b <= m.start for a, b in doc.targets)
    post = False
    if (
        after
        and after[0].kind == "capture"
        and after[0].start - m.end <= 2
        and re.match(r"\s+(?:from|by|after|on)\b", folded[after[0].end : after[0].end + 8])
    ):
        after[0] = replace(after[0], kind="passive")  # "declared Mosul liberated from IS"
    rel = (
        re.match(
            r"\s*,?\s*(?:which|that|التي|الذي)\s+(?:[^\s,،]+\s+){0,8}?$",
            folded[m.end : after[0].start],
        )
        if after
        else None
    )
    if (
        rel
        and after[0].kind in _CAPTURE_KINDS
        and (trig is None or trig.kind not in _CAPTURE_KINDS)
    ):
        after[0] = replace(after[0], kind="capture")
        trig = after[0]  # "al-Mayadin, which government forces took earlier this month"
        before = []
        c0 = s0 = m.end  # the relative clause is the clause: its own subject, not the sentence's
    nxt = next((t for t in after if t.kind in _POST_KINDS), None)
    if nxt is not None and m.relation == "anchor" and nxt.start - m.end > 15:
        nxt = None  # "west of Mosul, … their last stronghold": about the place west of it
    if (
        nxt is not None
        and trig is not after[0]
        and nxt.start - m.end < 110
        and _between_ok(doc, m.end, nxt.start, post=True)
    ):
        if (
            trig is None
            or (trig.kind in ("stronghold", "held_by") and nxt.start - m.end < m.start - trig.end)
            or (nxt.kind == "passive" and nxt.start - m.end < 15 and m.start - trig.end > 40)
        ):
            trig, post = nxt, True  # "Y, held by X"; "declared Mosul liberated"
    if trig is None:
        trig = _where_clause(m, sent, doc)  # "Deir Ezzor city, where … a small pocket"
    if trig is None:
        return None
    attributions, vagues, negations = doc.marks
    negated = trig.kind != "repel" and any(c0 <= a < max(m.end, trig.end) for a, _b in negations)
    # a target ("an offensive to retake Y", "took X and are approaching Y"), a failed attempt or
    # a plan ("after retaking the town, forces are expected to …") is no change of hands
    undone = aimed or trig.target or negated or not _done(trig, doc, s0, s1)
    if undone and not (trig.kind == "besiege" and not negated and not aimed):
        if trig.kind not in _CAPTURE_KINDS:
            return None
        # ... but "struggling to retake Y from ISIS" says who holds Y
        trig = replace(trig, kind="held_from")
    clause_actors = [a for a in doc.actors if c0 <= a.start < c1]
    sent_actors = [a for a in doc.actors if s0 <= a.start < s1]
    countries = [country] + [
        x.place.country for x in doc.mentions if s0 <= x.start < s1 and x.place.country != country
    ]

    def res(a: ActorMention) -> str | None:
        for c in countries:
            fid = a.resolve(c)
            if fid:
                return doc.local(fid, country)
        return None

    loser = _loser(m, trig, clause_actors, folded, res)
    kind = trig.kind
    if (
        kind == "held_from"
        and nxt is not None
        and nxt.kind in ("held_by", "hold")
        and nxt.start > m.end
        and _from_holder(m, (c0, c1), clause_actors, doc, res) is None
    ):  # "لتحرير القائم وراوه من سيطرة «الدولة»، وهو كل ما تبقى تحت سيطرة التنظيم"
        trig, post, kind = nxt, True, nxt.kind
    if kind == "enter":
        # "forces entered Sinjar" after the defenders withdrew: taken; in a battle: contested
        # (and raised the flag)
        raised = doc.lx.flag.search(folded, s0, s1) is not None
        kind = "capture" if doc.unopposed or raised else "contest"
    via = trig.kind
    if trig.kind == "enter" and kind == "contest":  # who entered ("… and X is under their control")
        via += ":" + (_agent(m, trig, post, clause_actors, sent_actors, folded, res, loser) or "")
    conf = 0.85
    notes = [doc.body[trig.start : trig.end]]
    faction: str | None
    if kind in _CAPTURE_KINDS:
        event = "captured"
        if re.search(r"(?<![\w])(?:since|منذ)\s", folded[trig.end : c1]):
            return None  # "سيطر على الطبقة منذ العام 2014": a state since long ago, not news
        faction = _agent(m, trig, post, clause_actors, sent_actors, folded, res, loser)
        if faction is None:
            near = (doc.local(f, country) for f in (doc.agent, doc.fallback))
            freed, not_by = doc.lx.liberation
            if freed.search(folded, trig.start, trig.end):  # "the liberation of X": not by IS
                never = {doc.registry.get(n).id for n in not_by if n in doc.registry}
                near = (f for f in near if f not in never)
                named = {a.resolve(country) for a in doc.actors}
                loser = loser or next((f for f in sorted(never) if f in named), None)
            faction = next((f for f in near if f and f != loser), None)
            if faction is None and loser is not None:
                faction = _hostile_actor(doc, loser, country)
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
        inside = [
            a for a in clause_actors if trig.start <= a.start and (a.start < m.start or not arabic)
        ]
        by = None if arabic else re.match(r"\s+by\s", folded[trig.end : trig.end + 5])
        ceder = (
            (res(inside[0]) if (arabic or by) and inside else None)
            or _first_before(trig, clause_actors, res)
            or loser
        )
        faction = _receiver(trig, clause_actors, sent_actors, res, ceder, doc)
        loser = ceder
        if ceder is None:
            return None
        if faction is None:  # "IS lost Anah to the advancing army": the other side in the sentence
            faction = next(
                (f for a in sent_actors if (f := res(a)) and f != ceder
                 and doc.registry.is_hostile(f, ceder, on=doc.report.date)),
                None,
            )  # fmt: skip
            if faction is None:
                return None
            conf -= 0.1
            notes.append("holder from the context")
        conf -= 0.1
    elif kind == "held_from":
        event = "held"
        faction = _from_holder(m, (c0, c1), clause_actors, doc, res)
        if faction is None:
            return None
        loser, conf = None, 0.6
        notes.append("the holder of a target")
    elif kind in ("hold", "held_by", "stronghold"):
        event = "held"
        if _told_in_past(doc, c0, trig, m):
            return None  # "وكانت البوكمال آخر مدينة تحت سيطرة التنظيم": the past, not now
        faction = _holder(m, trig, post, clause_actors, res)
        if faction is None:
            return None
        loser, conf = None, 0.75
    elif kind == "contest":
        if _told_in_past(doc, c0, trig, m):
            return None  # "IS had controlled parts of Deir Ezzor since 2014"
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
    report_date = doc.report.date
    if report_date is None:
        return None
    if precision == "year" and event == "held":
        day, precision, explicit = report_date, "day", False  # "يسيطر عليها … العام 2014"
    if precision == "year":
        return None  # "in 2014": too vague to date an observation
    age = (report_date - day).days
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
        url=doc.report.url, dated=explicit, via=via,
    )  # fmt: skip


#: "سيطروا عليها": the verb's object is the pronoun (the place before), not a place after it
_RESUMPTIVE = re.compile(r"علي(?:ها|ه|هما|هم)$")


def _told_in_past(doc: Doc, c0: int, trig: Trigger, m: Mention) -> bool:
    """Whether a past-tense word ("كانت", "had held") stands shortly before the claim's trigger."""
    end = max(trig.start, m.start)
    hit = doc.lx.past.search(doc.folded, max(c0, end - 60), end + 30)  # lookaheads see on
    return hit is not None and hit.start() < end


def _from_holder(
    m: Mention, clause: tuple[int, int], actors: list[ActorMention], doc: Doc, res: Any
) -> str | None:
    """Return who holds a target: "to retake Y from ISIS", "لتحرير Y من داعش"."""
    for a in actors:
        if a.start < m.end or a.start - m.end > 45 or a.start >= clause[1]:
            continue
        if not _between_ok(doc, m.end, a.start, post=True):
            return None
        gap = doc.folded[m.end : a.start]
        if re.search(r"[.;؛]", gap) or not _LOSER_BEFORE.search(gap):
            return None
        return res(a)
    return None


def _where_clause(m: Mention, sent: tuple[int, int], doc: Doc) -> Trigger | None:
    """Return the fighting a "where" clause tells of the place before it.

    "Deir Ezzor, where … a small pocket"; a fronted "In Ayadiya, a nearby village, fighting
    continued".
    """
    f = doc.folded
    w = re.match(r"(?:\s+(?:city|town))?\s*[,،]\s*(?:where|حيث)\s", f[m.end : m.end + 20])
    if w is None and re.search(r"(?:^|[.;]\s*|\b(?:and|but)\s+)in\s+$", f[sent[0] : m.start]):
        w = re.match(r"\s*,", f[m.end : m.end + 3])
    if w is None:
        return None
    start = m.end + w.end()
    return next(
        (
            t for t in doc.triggers
            if start <= t.start < sent[1] and t.kind in ("contest", "enter") and not t.target
        ),
        None,
    )  # fmt: skip


def _done(t: Trigger, doc: Doc, s0: int, s1: int) -> bool:
    """Whether trigger *t* tells a deed, not a target or a plan ("expects to capture")."""
    if t.target:
        return False
    return not (t.kind in _CAPTURE_KINDS | {"cede"} and any(s0 <= a < s1 for a, _b in doc.modal))


def _loser(
    m: Mention, trig: Trigger, actors: list[ActorMention], folded: str, res: Any
) -> str | None:
    """Return the faction the place was taken from ("from X", "من X", the one driven out)."""
    arabic = bool(_AR_LETTER.match(folded[trig.start : trig.start + 1]))
    if trig.kind == "expel" and arabic:
        after = [a for a in actors if trig.end <= a.start < m.start]
        for a in after[1:]:  # "طردت قوات سوريا الديمقراطية مقاتلي داعش من": agent, then loser
            fid = res(a)
            if fid:
                return fid
    if trig.kind == "expel" and re.search(
        r"(?:was|were|been|being|is|are)\s+$", folded[max(0, trig.start - 12) : trig.start]
    ):
        for a in reversed([a for a in actors if a.end <= trig.start]):
            fid = res(a)
            if fid:
                return fid  # "IS was driven out of Sinjar"
    for a in actors:
        if a.start < trig.start:
            continue
        head = folded[max(0, a.start - 40) : a.start]
        if (_LOSER_BEFORE.search(head) and not _MEMBER_OF.search(head)) or (
            trig.kind == "expel" and trig.end <= a.start < m.start
        ):
            fid = res(a)
            if fid:
                return fid
    return None


def _agent(
    m: Mention, trig: Trigger, post: bool, clause: list[ActorMention], sent: list[ActorMention],
    folded: str, res: Any, loser: str | None,
) -> str | None:  # fmt: skip
    def ok(a: ActorMention) -> str | None:
        fid = res(a)
        if fid is None or fid == loser:
            return None
        head = folded[max(0, a.start - 40) : a.start]
        if (_LOSER_BEFORE.search(head) and not _MEMBER_OF.search(head)) or _OWNER_BEFORE.search(
            head
        ):
            return None  # "from IS", "IS's stronghold"; not "وحدات من الجيش" (units of the army)
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
    between = [a for a in clause if trig.start <= a.start < m.start]  # also inside the trigger
    pre = [a for a in clause if a.end <= trig.start]
    if arabic:
        order = between + pre
    else:
        order = []
        gap = folded[pre[-1].end : trig.start] if pre else ""
        if (
            pre
            and re.fullmatch(r"[^,;،]{0,32}", gap)
            and not re.search(r"\b(?:from|of|out|against|over)\b|\b(?:it|they)\s+$", gap)
        ):
            order.append(pre[-1])  # "Isis seizing the town", "Iraqi forces on Friday took"
        order += pre + between
    order += [a for a in sent if a.end <= trig.start and a not in order]
    for a in order:
        if a.generic and re.search(
            r"\b(?:his|their|its)\s+$", folded[max(0, a.start - 7) : a.start]
        ):
            # "a leader of the paramilitary force says his troops captured": the force's troops
            a = next((b for b in reversed(sent) if b.end <= a.start), a)
        fid = ok(a)
        if fid:
            return fid
    return None


def _hostile_actor(doc: Doc, other: str, country: str | None) -> str | None:
    """Return the faction named most in the report that is hostile to *other*.

    Only factions holding ground in *country* count (``holders`` in observe.yaml).
    """
    counts: dict[str, int] = {}
    for a in doc.actors:
        fid = doc.local(a.resolve(country) or next(iter(a.by_country.values()), None), country)
        if fid and fid != other and doc.registry.is_hostile(fid, other, on=doc.report.date):
            counts[fid] = counts.get(fid, 0) + 1
    return max(counts, key=lambda f: counts[f]) if counts else None


def _first_before(trig: Trigger, actors: list[ActorMention], res: Any) -> str | None:
    for a in actors:
        if a.end <= trig.start:
            fid = res(a)
            if fid:
                return fid
    return None


def _receiver(
    trig: Trigger,
    clause: list[ActorMention],
    sent: list[ActorMention],
    res: Any,
    ceder: str | None,
    doc: Doc,
) -> str | None:
    for a in [a for a in clause if a.start >= trig.end]:
        fid = res(a)
        if fid and fid != ceder:
            return fid
    return None


def _holder(
    m: Mention, trig: Trigger, post: bool, actors: list[ActorMention], res: Any
) -> str | None:
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
    for a in [a for a in actors if trig.start <= a.start < trig.end] + list(
        reversed([a for a in actors if a.end <= trig.start])
    ):
        fid = res(a)
        if fid:
            return fid
    for a in actors:
        if trig.end <= a.start < m.start or (post and a.start >= trig.end):
            fid = res(a)
            if fid:
                return fid
    return None


def _besieged(
    m: Mention, trig: Trigger, actors: list[ActorMention], res: Any, doc: Doc
) -> str | None:
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


def _defender(
    m: Mention, trig: Trigger, actors: list[ActorMention], folded: str, res: Any
) -> str | None:
    # "the army repelled the attack near X" / "an attack on army positions near X was repelled"
    for a in actors:
        if a.end <= m.start and re.search(
            r"(?:attack\w*|assault)\s+on\s+(?:\S+\s+){0,2}$",
            folded[max(0, a.start - 30) : a.start],
            re.I,
        ):
            fid = res(a)
            if fid:
                return fid
    for a in reversed([a for a in actors if a.end <= trig.start]):
        if re.search(
            r"(?:attack\w*|assault)\s+(?:by|of)\s+(?:the\s+)?$|\b\w+ed\s+$",
            folded[max(0, a.start - 20) : a.start],
            re.I,
        ):
            continue
        fid = res(a)
        if fid:
            return fid
    return None


def _when(
    trig: Trigger, doc: Doc, clause: tuple[int, int], sent: tuple[int, int], event: str
) -> tuple[_dt.date, str, bool] | None:
    assert doc.report.date is not None
    return date_of(doc.times, doc.folded, trig.start, clause, sent, doc.report.date)
