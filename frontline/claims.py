"""How a report's sentence says who holds a place: the claim readers behind frontline.observe.

:func:`read_claim` reads the claim a clause makes about one place mention: the trigger
words that decide (``captured``, ``held by``, ``fighting in`` …; lists in
``frontline/data/observe.yaml``), the new holder (the clause's subject, or the report's main
actor), the previous holder ("from X", the one driven out), the date (the clause's time
words, never after the report) and the confidence. :class:`Doc` holds what was found in the
whole report; :class:`Observation` is the result. :mod:`frontline.observe` cuts the report
into sentences and clauses and calls these readers.

The trigger words and :class:`Doc` live in :mod:`frontline.triggers`, the readers of who a
claim names (holder, loser, defender …) in :mod:`frontline.holders`; their public names used
by :mod:`frontline.observe` are re-exported here.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from frontline.holders import (
    besieger_after,
    find_agent,
    find_besieged,
    find_defender,
    find_holder,
    find_hostile_actor,
    find_loser,
    find_receiver,
    find_target_holder,
    first_actor_before,
    named_as_loser,
    siege_reaches,
    sole_enemy,
)
from frontline.holders import fallback_agent as fallback_agent  # re-exported
from frontline.proposals import PROPOSAL_COLUMNS, Observation
from frontline.reports import date_of
from frontline.triggers import (
    ARABIC_LETTER,
    CAPTURE_KINDS,
    PREMOD_APPOSITIVE,
    PREMOD_GAP,
    PREMODIFIER,
    Doc,
    Trigger,
    between_ok,
)
from frontline.triggers import LIST_GAP as LIST_GAP  # re-exported
from frontline.triggers import OWN_PARTS as OWN_PARTS  # re-exported
from frontline.triggers import find_triggers as find_triggers  # re-exported
from frontline.triggers import spans as spans  # re-exported

if TYPE_CHECKING:
    from frontline.actors import ActorMention
    from frontline.extract import Mention

__all__ = [
    "LIST_GAP",
    "OWN_PARTS",
    "PROPOSAL_COLUMNS",
    "Doc",
    "Observation",
    "Trigger",
    "fallback_agent",
    "find_triggers",
    "DENIED",
    "FROM_CONTEXT",
    "disputed",
    "read_claim",
    "spans",
]

#: The note of a capture claimed and denied in one sentence.
DENIED = "claim denied"
#: The note of a claim whose holder was read from the report around its clause.
FROM_CONTEXT = "holder from the context"

_POST_KINDS = frozenset({"passive", "held_by", "stronghold", "hold", "repel", "besiege"})
#: a noun that a relative phrase after it locates ("a village 12 km north of X", "قرية شمال X")
_LOCATED_NOUN = (
    r"(?:village|town|hill|area|position|base|point|settlement|farm|checkpoint|outpost|"
    r"قري|بلد|منطق|موقع|مواقع)"
)
#: relative phrases whose derived point is the place a claim is about ("a village 12 km north
#: of X"); "near X", "west of X" only locate something else.
_CLAIM_RELATIONS = frozenset({None, "offset", "distance", "outskirts"})


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
        and (
            t.kind != "passive"
            or ARABIC_LETTER.match(doc.folded[t.start])
            or _NOUN_PASSIVE.match(doc.folded, t.start)  # "areas seized from IS in X"
        )
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
                r"^\s*(?:[^\s,،]+\s+){0,3}" + _LOCATED_NOUN + r"[^\s,،]*\s+$",
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
        if not between_ok(doc, t.end, m.start):
            break
        if (
            t.kind in ("stronghold", "held_by")
            and k > 0
            and before[k - 1].kind in CAPTURE_KINDS | {"cede", "contest", "enter", "besiege"}
            and between_ok(doc, before[k - 1].end, m.start)
            and _done(before[k - 1], doc, s0, s1)
            # "advanced in the area north of the IS-held town of X": a named holder stands
            # unless the fighting is in X itself
            and (
                before[k - 1].kind != "contest"
                or t.kind != "held_by"
                or _governs(before[k - 1], m, doc)
            )
        ):
            # "captured ISIL's de facto capital Raqqa", "street fighting in its last stronghold
            # X": the verb decides; "expects to capture IS's capital Raqqa": the stronghold
            continue
        if t.kind == "contest" and any(t.end <= a and b <= m.start for a, b in doc.targets):
            continue  # "تقدمت القوات نحو X", "advancing towards X": no fighting in X
        if PREMODIFIER.search(folded, t.start, t.end) and not PREMOD_GAP.fullmatch(
            folded, t.end, m.phrase[0]
        ):
            continue  # "the government-run news agency said … X": it modifies the agency
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
            r"\s*,?\s*(?:(?:a|an|the)\s+(?:[^\s,،]+\s+){0,5}?)?(?:which|that|التي|الذي)\s+"
            r"(?:[^\s,،]+\s+){0,8}?$",
            folded[m.end : after[0].start],
        )
        if after
        else None
    )
    if rel and _main_after(after, folded):
        rel = None  # "Mosul, which IS seized in 2014, was retaken in July": the main verb decides
    if (
        rel
        and after[0].kind in CAPTURE_KINDS | {"cede"}
        and (trig is None or trig.kind not in CAPTURE_KINDS)
    ):
        if after[0].kind != "cede":
            after[0] = replace(after[0], kind="capture")
        # "al-Mayadin, which government forces took earlier this month"; "Kirkuk, a city of
        # 1 million people that the Peshmerga abandoned the previous day"
        trig = after[0]
        before = []
        c0 = m.end  # the relative clause is the clause: its own subject, not the sentence's
        if trig.kind != "cede":
            s0 = m.end  # ... but who took what the subject gave up is the sentence's to say
    # "X … قبل أن يسيطر على بلدات Y": a verb of holding with its own object after it is about
    # that object, not the place before it ("سيطروا عليها" is)
    # ... and a holder as a pre-modifier is about the noun after it, not a place before it
    # ("Rawa is near the IS-held town of Anah"), except in an appositive ("Tokmak, a
    # Russian-occupied road and rail hub")
    nxt = next(
        (
            t
            for t in after
            if t.kind in _POST_KINDS
            and not _OWN_OBJECT.search(folded, t.start, t.end)
            and not (
                PREMODIFIER.search(folded, t.start, t.end)
                and not PREMOD_APPOSITIVE.fullmatch(folded, m.end, t.start)
            )
        ),
        None,
    )
    if (
        nxt is not None
        and m.relation == "anchor"
        and (nxt.start - m.end > 15 or _locates_a_thing(m, doc))
    ):
        nxt = None  # "west of Mosul, … their last stronghold": about the place west of it
        # ... and "a village south of Deir Hafer was recaptured": about the village
    if nxt is not None and m.relation == "outskirts" and nxt.kind in ("stronghold", "held_by"):
        nxt = None  # "the outskirts of Mayadin, an IS stronghold": about Mayadin (the anchor)
    if nxt is not None and nxt.kind == "besiege":
        # only "X, besieged by IS", "دير الزور المحاصرة من قبل داعش": right after the place and
        # with its besieger; else the next word about the place ("المحاصرة التي يسيطر عليها")
        ok = _SIEGE_AFTER.fullmatch(folded, m.end, nxt.start) and besieger_after(
            nxt, [a for a in doc.actors if c0 <= a.start < c1], folded,
            lambda a: a.resolve(m.place.country),
        )  # fmt: skip
        if not ok:
            nxt = next((t for t in after if t.kind in _POST_KINDS - {"besiege"}), None)
    # "Anah, located 90 km from the border with Syria, is … still under the control of IS": the
    # predicate after an appositive is about the place before it
    app = _APPOSITIVE.match(folded, m.end)
    if app is not None and nxt is not None and nxt.start < app.end():
        # "Anah, which had been under IS control since 2014, was retaken by …": the main
        # predicate after the closed relative clause, not a word inside it
        main = next(
            (t for t in after if t.kind in _POST_KINDS and 0 <= t.start - app.end() < 40),
            None,
        )
        nxt = main or nxt
    tail = app.end() if app is not None and nxt is not None and nxt.start >= app.end() else m.end
    if (
        nxt is not None
        and trig is not after[0]
        and nxt.start - tail < 110
        and between_ok(doc, tail, nxt.start, post=True)
    ):
        if (
            trig is None
            or (trig.kind in ("stronghold", "held_by") and nxt.start - m.end < m.start - trig.end)
            or (nxt.kind == "passive" and nxt.start - m.end < 15 and m.start - trig.end > 40)
        ):
            trig, post, aimed = nxt, True, False  # "Y, held by X"; "declared Mosul liberated"
    if (
        trig is not None
        and not post
        and trig.kind in CAPTURE_KINDS | {"cede", "enter", "hold"}
        and _only_locates(trig, m, doc)
    ):  # "IS still holds hostages in X", "Turkey retains troops in X": X only locates them
        return None  # "سيطرته على منطقة وادي الخيل التي … في جرود عرسال": X only locates it
    if (
        trig is not None
        and not post
        and trig.kind == "hold"
        and _HOLD_IN.match(folded, trig.end, m.phrase[0])
    ):
        return None  # "two neighbourhoods they control in Damascus": they hold a part of it
    if trig is not None and not post and trig.kind == "contest" and not _governs(trig, m, doc):
        return None  # "معركة استمرت ليلة حسبما خططت له بغداد": the battle is not in Baghdad
    if trig is not None and not post and trig.kind == "besiege" and not siege_reaches(m, trig, doc):
        return None  # "Besieged insurgents … agree to leave X": the siege is not said of X
    if trig is None:
        trig = _where_clause(m, sent, doc)  # "Deir Ezzor city, where … a small pocket"
    if trig is None:
        return None
    attributions, vagues, negations = doc.marks
    negated = trig.kind != "repel" and any(c0 <= a < max(m.end, trig.end) for a, _b in negations)
    # a target ("an offensive to retake Y", "took X and are approaching Y"), a failed attempt or
    # a plan ("after retaking the town, forces are expected to …") is no change of hands
    # "repelled an attack on X": the attack's target is the place defended
    undone = (
        (aimed and trig.kind != "repel") or trig.target or negated or not _done(trig, doc, s0, s1)
    )
    if undone and not (trig.kind == "besiege" and not negated and not aimed):
        if trig.kind not in CAPTURE_KINDS:
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

    loser = find_loser(m, trig, clause_actors, folded, res)
    kind = trig.kind
    if kind in CAPTURE_KINDS | {"enter"} and not post and OWN_PARTS.match(doc.body, m.end):
        kind = "contest"  # "took Mosul's eastern neighbourhoods": part of it, fighting
    if (
        kind == "held_from"
        and nxt is not None
        and nxt.kind in ("held_by", "hold")
        and nxt.start > m.end
        and find_target_holder(m, (c0, c1), clause_actors, doc, res) is None
    ):  # "لتحرير القائم وراوه من سيطرة «الدولة»، وهو كل ما تبقى تحت سيطرة التنظيم"
        trig, post, kind = nxt, True, nxt.kind
    if kind == "enter":
        # "forces entered Sinjar" after the defenders withdrew: taken; in a battle: contested
        # (and raised the flag)
        raised = doc.lx.flag.search(folded, s0, s1) is not None
        kind = "capture" if doc.unopposed or raised else "contest"
    via = trig.kind
    if trig.kind == "enter" and kind == "contest":  # who entered ("… and X is under their control")
        via += ":" + (
            find_agent(m, trig, post, clause_actors, sent_actors, folded, res, loser) or ""
        )
    conf = 0.85
    notes = [doc.body[trig.start : trig.end]]
    faction: str | None
    if kind in CAPTURE_KINDS:
        event = "captured"
        if re.search(r"(?<![\w])(?:since|منذ)\s", folded[trig.end : c1]):
            return None  # "سيطر على الطبقة منذ العام 2014": a state since long ago, not news
        faction = find_agent(m, trig, post, clause_actors, sent_actors, folded, res, loser)
        if faction is None:
            near = (doc.local(f, country) for f in (doc.agent, doc.fallback))
            freed, not_by = doc.lx.liberation
            never: set[str] = set()
            if freed.search(folded, trig.start, trig.end):  # "the liberation of X": not by IS
                never = {doc.registry.get(n).id for n in not_by if n in doc.registry}
                near = (f for f in near if f not in never)
                named = {a.resolve(country) for a in doc.actors}
                loser = loser or next((f for f in sorted(never) if f in named), None)
            # a faction the sentence names as the holder before is not the taker ("its forces
            # had retaken X, once controlled by IS")
            losers = named_as_loser(sent_actors, folded, res)
            faction = next((f for f in near if f and f != loser and f not in losers), None)
            if faction is None and loser is not None:
                faction = find_hostile_actor(doc, loser, country)
                faction = None if faction in never else faction
            conf -= 0.15
            notes.append(FROM_CONTEXT)
        if faction is not None and faction == loser:
            loser = None
        if faction is None:
            return None
        doc.agent = faction
    elif kind == "cede":
        event = "captured"
        arabic = bool(ARABIC_LETTER.match(folded[trig.start : trig.start + 1]))
        inside = [
            a for a in clause_actors if trig.start <= a.start and (a.start < m.start or not arabic)
        ]
        by = None if arabic else re.match(r"\s+by\s", folded[trig.end : trig.end + 5])
        ceder = (
            (res(inside[0]) if (arabic or by) and inside else None)
            or first_actor_before(trig, clause_actors, res, "" if arabic else folded)
            or loser
        )
        faction = find_receiver(trig, clause_actors, sent_actors, res, ceder, doc)
        loser = ceder
        if ceder is None:
            return None
        if faction is None:  # "IS lost Anah to the advancing army": the other side in the sentence
            faction = next(
                (f for a in sent_actors if (f := res(a)) and f != ceder
                 and doc.hostile(f, ceder)),
                None,
            ) or sole_enemy(doc, ceder, country)  # fmt: skip
            if faction is None:
                return None
            conf -= 0.1
            notes.append(FROM_CONTEXT)
        conf -= 0.1
    elif kind == "held_from":
        event = "held"
        faction = find_target_holder(m, (c0, c1), clause_actors, doc, res)
        if faction is None:
            return None
        loser, conf = None, 0.6
        notes.append("the holder of a target")
    elif kind in ("hold", "held_by", "stronghold"):
        event = "held"
        if _told_in_past(doc, c0, trig, m):
            return None  # "وكانت البوكمال آخر مدينة تحت سيطرة التنظيم": the past, not now
        arabic = bool(ARABIC_LETTER.match(folded[trig.start : trig.start + 1]))
        faction = find_holder(m, trig, post, clause_actors, res, arabic, folded)
        if faction is None:
            return None
        loser, conf = None, 0.75
    elif kind == "contest":
        if _told_in_past(doc, c0, trig, m):
            return None  # "IS had controlled parts of Deir Ezzor since 2014"
        event, faction, loser, conf = "contested", "unknown", None, 0.65
    elif kind == "besiege":
        event = "held"
        faction = find_besieged(m, trig, clause_actors, res, doc, post)
        if faction is None:
            return None
        loser, conf = None, 0.65
    else:  # repel
        event = "held"
        faction = find_defender(m, trig, clause_actors, folded, res)
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
        if doc.lx.denial.search(folded, s0, s1):
            if event != "captured":
                return None
            # "IS claimed it had taken Anah, but the army denied it": the claim, and the place
            # disputed (:func:`disputed`)
            conf *= 0.75
            notes.append(DENIED)
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


def disputed(obs: Observation) -> Observation | None:
    """Return the ``contested`` twin of a capture claimed and denied in one sentence, or None.

    "IS claimed it had taken Anah, but the army denied it" says who claims Anah and that it is
    disputed: both are proposed (the twin's holder is ``unknown``, its confidence lower).
    """
    if obs.event != "captured" or not obs.has_note(DENIED):
        return None
    return replace(
        obs, faction="unknown", event="contested", from_faction="",
        confidence=round(max(0.05, obs.confidence * 0.8), 2),
    )  # fmt: skip


#: what may stand between a place and a siege word after it: "X, besieged by", "X المحاصرة"
_SIEGE_AFTER = re.compile(
    r"\s*(?:[,،]\s*)?(?:(?:which|that|التي|الذي)\s+)?"
    r"(?:(?:is|are|was|were|has\s+been|had\s+been|remains?|still|now|تبقى|لا\s+تزال)\s+)*"
)
#: a passive participle after its noun ("areas seized from IS in X") tells of a place after it
_NOUN_PASSIVE = re.compile(
    r"(?:positions|areas|towns|villages|cities|territor(?:y|ies)|places|sites)\s", re.IGNORECASE
)
#: a verb of holding that ends in its preposition: its object follows ("يسيطر على X")
_OWN_OBJECT = re.compile(r"(?:^|\s)(?:على|علي)$")
#: "سيطروا عليها": the verb's object is the pronoun (the place before), not a place after it
_RESUMPTIVE = re.compile(r"علي(?:ها|ه|هما|هم)$")


def _told_in_past(doc: Doc, c0: int, trig: Trigger, m: Mention) -> bool:
    """Whether a past-tense word ("كانت", "had held") stands shortly before the claim's trigger."""
    end = max(trig.start, m.start)
    hit = doc.lx.past.search(doc.folded, max(c0, end - 60), end + 30)  # lookaheads see on
    # "the militants, who once controlled a third of Iraq, now hold Rawa": a past word inside a
    # relative clause that closes before the claim does not put the claim in the past
    closed = (
        hit is not None
        and re.search(
            r"(?<![\w])(?:who|which|that|الذي|التي)\s",
            doc.folded[max(c0, hit.start() - 30) : hit.start()],
        )
        and re.search(r"[,،]", doc.folded[hit.end() : end])
    )
    return hit is not None and hit.start() < end and not closed


#: an appositive right after a place: ", located 90 km from the border with Syria,", ", a town
#: of 20,000 people,", "، الواقعة على بعد 230 كلم شمال بغداد،"
_APPOSITIVE = re.compile(
    r"\s*[,،]\s*(?:(?:located|situated|lying|which|who|that|some|about|around|just|only|a|an|"
    r"(?:ال)?واقع(?:ه)?|وهي|وهو)\s)[^,،.;:؛()]{0,90}(?:\([^)]{0,30}\)[^,،.;:؛()]{0,60})?[,،]",
    re.IGNORECASE,
)


def _main_after(after: list[Trigger], folded: str) -> bool:
    """Whether a main verb follows the relative clause that *after[0]* stands in.

    "Mosul, which IS seized in 2014, was retaken by Iraqi forces": after the comma that
    closes the relative clause, a verb about the place.
    """
    close = re.compile(r"[^,،.;؛]{0,80}[,،]").match(folded, after[0].end)
    return close is not None and any(
        0 <= t.start - close.end() < 40 and t.kind in _POST_KINDS for t in after[1:]
    )


#: a trigger that ends in a preposition: "fighting in", "parts of", "اجزاء من"
_ENDS_IN_PREP = re.compile(
    r"(?:\b(?:in|of|inside|for|over|on|at|into|around)|(?<![\w])(?:في|داخل|من|على|حول))\s*$",
    re.IGNORECASE,
)
#: what may stand between such a trigger and its place: an article, "the town of", "مدينة"
_PREP_GAP = re.compile(
    r"\s*(?:(?:the|a|its|their|his|her)\s+)?(?:[\w-]+['’]s?\s+)?(?:(?:old|eastern|western|northern|southern|central|"
    r"besieged|strategic|key|main|last|final|remaining|de\s+facto|\w+ern|(?:most\s+)?important|"
    r"major|biggest|largest|only|\w+(?:ian|i|ese|ish))\s+)*(?:of\s+)?"
    r"(?:(?:town|city|village|district|area|region|"
    r"neighbou?rhood|quarter|parts?)\s+of\s+(?:the\s+)?)?"
    r"(?:(?:ال)?(?:مدينه|بلده|قريه|ناحيه|قضاء|منطقه|حي|مركز|احياء|اطراف)\s+)*[\"«“']?\s*",
    re.IGNORECASE,
)
#: a bare noun or verb ("clashes", "معركة", "divided") reaches its place through a preposition
#: of place right before it, with no relative clause or verb of saying in between
_LOC_BEFORE = re.compile(
    r"(?:\b(?:in|inside|at|for|of|around|near|across)|(?<![\w])(?:في|داخل|ب|حول|على|ل))\s+"
    r"(?:the\s+)?(?:(?:town|city|village|district|area)\s+of\s+)?"
    r"(?:(?:ال)?(?:مدينه|بلده|قريه|ناحيه|قضاء|منطقه|حي|مركز|احياء|اطراف)\s+)*[\"«“']?\s*$"
    r"|(?<![\w])(?:في|ب|ل|داخل)(?=\S+$)\S*$",
    re.IGNORECASE,
)
_CLAUSE_WORD = re.compile(
    r"(?<![\w])(?:which|that|who|where|when|as|said|says|according|التي|الذي|الذين|حيث|حسب|حسبما|"
    r"بحسب|وفق|وقال|قال|اعلن|استمرت|انتهت)(?![\w])",
    re.IGNORECASE,
)


#: words that may stand between a verb of capture and its place: "took full control of the
#: town of", "استعادت السيطرة الكاملة على مدينة"
_OBJECT_FILLER = re.compile(
    r"(?<![\w])(?:the|a|an|of|its|their|his|her|full|complete|total|effective|control|over|back|"
    r"out|from|most|key|strategic|remaining|last|town|city|village|area|district|region|"
    r"cent(?:re|er)|nearby|neighbouring|besieged|and|or|on|\w+day|today|yesterday|"
    r"على|علي|من|السيطره|الكامله|كامل|بالكامل|مدينه|بلده|قريه|ناحيه|قضاء|منطقه|مركز|و)(?![\w])",
    re.IGNORECASE,
)
#: a preposition of place right before the place: "in", "at", "في", "داخل"
_LOCATIVE_END = re.compile(
    r"(?:\b(?:in|inside|at|near|within|on)|(?<![\w])(?:في|داخل|قرب|ب)"
    r"|\b(?:neighbou?rhoods?|districts?|quarters?|suburbs?|sections?|parts?)\s+of"
    r"(?:\s+(?:the\s+)?(?:\w+\s+)?(?:capital|city))?)\s+"
    r"(?:the\s+)?(?:(?:town|city|village|district|area|region)\s+of\s+)?"
    r"(?:(?:ال)?(?:مدينه|بلده|قريه|ناحيه|قضاء|منطقه|محافظه)\s+)?[\"«“']?\s*$"
    r"|(?<![\w])[لب](?:ال)?(?:مدينه|بلده|قريه|ناحيه|قضاء|منطقه)\s+[\"«“']?\s*$",
    re.IGNORECASE,
)
#: a verb of holding followed by a preposition of place: its object stands before it
_HOLD_IN = re.compile(r"\s*(?:in|inside|at|within|around|near)\b", re.IGNORECASE)
_RELATIVE = re.compile(r"(?<![\w])(?:which|that|who|where|التي|الذي|الذين|حيث)(?![\w])", re.I)


def _only_locates(trig: Trigger, m: Mention, doc: Doc) -> bool:
    """Whether a place after a verb of capture only locates the thing taken.

    "captured three villages in Hawija", "regained control over Makhoul Mountains in X",
    "سيطرته على منطقة وادي الخيل التي … في جرود عرسال": something else (a name the gazetteer
    lacks) is the object; X follows a preposition of place, or a relative clause, after it.
    """
    first = next((x for x in doc.mentions if trig.end <= x.start <= m.start), m)
    g0, g1 = trig.end, first.phrase[0]
    gap = doc.folded[g0:g1]
    for a in sorted(
        (a for a in doc.actors if g0 <= a.start and a.end <= g1), key=lambda a: -a.start
    ):
        gap = gap[: a.start - g0] + " " + gap[a.end - g0 :]
    if _RELATIVE.search(gap):
        return True
    loc = _LOCATIVE_END.search(gap)
    if loc is None:
        return False
    rest = _OBJECT_FILLER.sub(" ", gap[: loc.start()])
    return re.search(r"[^\W\d_]{2,}", rest) is not None


#: a thing that a relative phrase after it locates: "a village (to the) south of X", "قرية شمال X"
_LOCATED_THING = re.compile(
    r"(?<![\w])" + _LOCATED_NOUN + r"[^\s,،]*"
    r"(?:\s+(?:located|lying|situated|just|some|about|around))*(?:\s+to\s+the)?\s*$",
    re.IGNORECASE,
)


def _locates_a_thing(m: Mention, doc: Doc) -> bool:
    """Whether the relative phrase that *m* anchors locates a noun before it.

    "a village south of X", "positions 5 km north of X": a predicate after the phrase is that
    noun's, not X's.
    """
    derived = next(
        (x for x in doc.mentions if x.start == m.start and x.relation not in (None, "anchor")),
        None,
    )
    if derived is None:
        return False
    p0 = derived.phrase[0]
    return _LOCATED_THING.search(doc.folded, max(0, p0 - 40), p0) is not None


def _governs(trig: Trigger, m: Mention, doc: Doc) -> bool:
    """Whether a fighting trigger before a place is about that place.

    "fighting in X", "parts of the town of X", "اجزاء من مدينة X": only an article or a kind of
    place between; "clashes between the army and IS in X", "معارك عنيفة في X": a preposition of
    place right before X and no relative clause or verb of saying between. The first place after
    the trigger stands for a list it starts ("fighting in X, Y and Z").
    """
    first = next((x for x in doc.mentions if trig.end <= x.start <= m.start), m)
    g0, g1 = trig.end, first.phrase[0]
    # the owner of the place may stand between: "in the last Islamic State stronghold of X"
    cut = [(a.start, a.end) for a in doc.actors if g0 <= a.start and a.end <= g1] + [
        (x.start, x.end) for x in doc.triggers if x.kind == "stronghold" and g0 <= x.start < g1
    ]
    gap = doc.folded[g0:g1]
    for a, b in sorted(cut, reverse=True):
        gap = gap[: a - g0] + " " + gap[b - g0 :]
    gap = re.sub(r"\s+", " ", gap) if cut else gap
    if _PREP_GAP.fullmatch(gap):
        return True  # "fighting in X", "أحياء مدينة X": the place right after
    if _ENDS_IN_PREP.search(doc.folded, trig.start, trig.end):
        return False
    return len(gap) <= 80 and not _CLAUSE_WORD.search(gap) and _LOC_BEFORE.search(gap) is not None


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
    return not (t.kind in CAPTURE_KINDS | {"cede"} and any(s0 <= a < s1 for a, _b in doc.modal))


def _when(
    trig: Trigger, doc: Doc, clause: tuple[int, int], sent: tuple[int, int], event: str
) -> tuple[_dt.date, str, bool] | None:
    assert doc.report.date is not None
    return date_of(doc.times, doc.folded, trig.start, clause, sent, doc.report.date)
