"""Who a claim names: the new holder, the one driven out, the defender, the besieged.

Each reader looks at the actors (faction mentions) around a claim's :class:`~frontline.
triggers.Trigger` and the place mention, in English or Arabic word order, and returns a
faction id (or None). *res* resolves an actor mention to a faction id in the claim's
countries (see :func:`frontline.claims.read_claim`). :func:`fallback_agent` is the report's
main actor, used when a clause names nobody.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from frontline.triggers import ARABIC_LETTER, CAPTURE_KINDS, PREMODIFIER, Doc, Trigger, between_ok

if TYPE_CHECKING:
    from frontline.actors import ActorMention
    from frontline.extract import Mention

__all__ = [
    "fallback_agent",
    "find_agent",
    "find_besieged",
    "find_defender",
    "find_holder",
    "find_hostile_actor",
    "find_loser",
    "find_receiver",
    "besieger_after",
    "find_target_holder",
    "first_actor_before",
    "named_as_loser",
    "siege_reaches",
]

_LOSER_BEFORE = re.compile(
    r"(?:\bfrom|\bout\s+of|\b(?:free|freed|clear|cleared|rid)\s+of|\bagainst|\bvictory\s+over|(?<![\w])(?:من|ضد)(?:\s+(?:قبضه|سيطره|يد|ايدي|عناصر|مسلحي|مقاتلي|براثن))?)\s*[«\"“(]?\s*"
    r"(?:(?:the|its|their|remaining|remnants\s+of|extremist|militant|jihadist|terrorist|(?:\S+\s+)?fighters\s+of)\s+){0,2}$",
    re.IGNORECASE,
)
_MEMBER_OF = re.compile(
    r"\b(?:forces?|units?|troops|members|fighters|elements|soldiers|officers?|commanders?|sources?|"
    r"spokesm[ae]n|officials?)\s+(?:from|of)\s+(?:the\s+)?$"
    # a backer: "المدعومة من روسيا" (backed by Russia)
    r"|(?<![\w])(?:ال)?مدعوم\S*\s+من\s+$"
    # the speaker, not the one driven out: "a statement from the Joint Operations Command"
    r"|\b(?:statement|announcement|communiqu[eé]|report|message|video|footage|briefing)\s+"
    r"(?:\S+\s+){0,2}?(?:from|of|by)\s+(?:the\s+)?$"
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


def fallback_agent(doc: Doc) -> str | None:
    """Return the report's main actor: the faction named most, not counting the ones driven out."""
    losers: set[str] = set()
    counts: dict[str, int] = {}
    cedes = [t for t in doc.triggers if t.kind == "cede"]
    cede_at = [t.start for t in cedes]
    main = _main_country(doc)
    for a in doc.actors:
        fid = a.resolve(main) or a.named()
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
        if t.kind not in CAPTURE_KINDS:
            continue
        for a in doc.actors:  # the subject of a capture verb counts more
            if 0 <= t.start - a.end < 25 or 0 <= a.start - t.end < 3 or t.start <= a.start < t.end:
                fid = a.resolve(main) or a.named()
                if fid:
                    counts[fid] = counts.get(fid, 0) + 2
    best = sorted(
        ((n, fid) for fid, n in counts.items() if fid not in losers),
        key=lambda x: x[0],
        reverse=True,
    )
    return best[0][1] if best else None


def sole_enemy(doc: Doc, faction: str, country: str | None) -> str | None:
    """Return the one faction holding ground in *country* hostile to *faction*, or None.

    In a war of two sides ("Ukrainian forces withdrew from Avdiivka") the side a place is
    given up to goes without saying; where several hostile factions hold ground there
    (``holders`` in observe.yaml), none is chosen.
    """
    enemies = sorted(f for f in doc.holders_in(country) if f != faction and doc.hostile(f, faction))
    return enemies[0] if len(enemies) == 1 else None


def _main_country(doc: Doc) -> str | None:
    """Return the country most of the report's place mentions lie in (None without any)."""
    counts = Counter(m.place.country for m in doc.mentions if m.place.country)
    return counts.most_common(1)[0][0] if counts else None


#: "controlled by", "held by", "معقل", "سيطرة": the holder before a change of hands
_HOLDER_BEFORE = re.compile(
    r"(?:controlled|held|occupied|ruled|run)\s+(?:\S+\s+){0,2}?by\s+(?:the\s+)?$"
    r"|(?<![\w])(?:معقل|معاقل)\S*\s+$",
    re.IGNORECASE,
)


def named_as_loser(actors: list[ActorMention], folded: str, res: Any) -> set[str]:
    """Return the factions *actors* name as the one driven out or the holder before.

    "from IS", "IS's stronghold", "once controlled by IS", "آخر معاقل داعش".
    """
    out: set[str] = set()
    for a in actors:
        head = folded[max(0, a.start - 40) : a.start]
        if (
            (_LOSER_BEFORE.search(head) and not _MEMBER_OF.search(head))
            or _OWNER_BEFORE.search(head)
            or _HOLDER_BEFORE.search(head)
        ):
            fid = res(a)
            if fid:
                out.add(fid)
    return out


def find_target_holder(
    m: Mention, clause: tuple[int, int], actors: list[ActorMention], doc: Doc, res: Any
) -> str | None:
    """Return who holds a target: "to retake Y from ISIS", "لتحرير Y من داعش"."""
    for a in actors:
        if a.start < m.end or a.start - m.end > 45 or a.start >= clause[1]:
            continue
        if not between_ok(doc, m.end, a.start, post=True):
            return None
        gap = doc.folded[m.end : a.start]
        if re.search(r"[.;؛]", gap) or not _LOSER_BEFORE.search(gap):
            return None
        return res(a)
    return None


def find_loser(
    m: Mention, trig: Trigger, actors: list[ActorMention], folded: str, res: Any
) -> str | None:
    """Return the faction the place was taken from ("from X", "من X", the one driven out)."""
    arabic = bool(ARABIC_LETTER.match(folded[trig.start : trig.start + 1]))
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


def find_agent(
    m: Mention, trig: Trigger, post: bool, clause: list[ActorMention], sent: list[ActorMention],
    folded: str, res: Any, loser: str | None,
) -> str | None:  # fmt: skip
    """Return who took the place: the subject of a capture (or the "by X" of a passive).

    The actor before the trigger (English) or after it (Arabic), in the clause, else in the
    sentence; never *loser*, nor an actor named as the one driven out ("from IS") or as an
    owner ("IS's stronghold").
    """

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
            if (
                a.start >= trig.end
                and _BY_BEFORE.search(folded[max(0, a.start - 12) : a.start])
                and not _LOSER_BEFORE.search(folded[max(0, a.start - 40) : a.start])
            ):  # "captured by X", not "cleared of X"
                fid = res(a)
                if fid:
                    return fid
        if trig.kind == "expel":
            return None
    arabic = bool(ARABIC_LETTER.match(folded[trig.start : trig.start + 1]))
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


def find_hostile_actor(doc: Doc, other: str, country: str | None) -> str | None:
    """Return the faction named most in the report that is hostile to *other*.

    Only factions holding ground in *country* count (``holders`` in observe.yaml).
    """
    counts: dict[str, int] = {}
    for a in doc.actors:
        fid = doc.local(a.resolve(country) or a.named(), country)
        if fid and fid != other and doc.hostile(fid, other):
            counts[fid] = counts.get(fid, 0) + 1
    return max(counts, key=lambda f: counts[f]) if counts else None


def first_actor_before(
    trig: Trigger, actors: list[ActorMention], res: Any, folded: str = ""
) -> str | None:
    """Return the subject of a verb: the faction of the first actor that ends before *trig*.

    With *folded* (the text), an actor right before the verb is its subject instead ("the
    town came under the army's control after IS fighters withdrew from X": IS withdrew).
    """
    near = [a for a in actors if a.end <= trig.start]
    if folded and near and _SUBJECT_GAP.fullmatch(folded, near[-1].end, trig.start):
        fid = res(near[-1])
        if fid:
            return fid
    for a in actors:
        if a.end <= trig.start:
            fid = res(a)
            if fid:
                return fid
    return None


#: what may stand between a subject and its verb: "IS fighters on Thursday withdrew", "the
#: militants have withdrawn"; no comma, no preposition
_SUBJECT_GAP = re.compile(
    r"\s+(?:(?:fighters|militants|members|forces|troops|units|elements|have|has|had|finally|"
    r"reportedly|also|then|later|on\s+\w+day|\w+day|yesterday|today)\s+){0,3}",
    re.IGNORECASE,
)


def find_receiver(
    trig: Trigger,
    clause: list[ActorMention],
    sent: list[ActorMention],
    res: Any,
    ceder: str | None,
    doc: Doc,
) -> str | None:
    """Return who received a place given up ("IS lost Anah to the army"): an actor after it."""
    for a in [a for a in clause if a.start >= trig.end]:
        fid = res(a)
        if fid and fid != ceder:
            return fid
    return None


def find_holder(
    m: Mention, trig: Trigger, post: bool, actors: list[ActorMention], res: Any,
    arabic: bool = False, folded: str = "",
) -> str | None:  # fmt: skip
    """Return who holds the place a ``hold``, ``held_by`` or ``stronghold`` trigger tells of.

    *arabic*: the trigger is Arabic (a verb after its place has its subject after it).
    *folded*: the text, to read "under their control" as the subject's.
    """
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
        if PREMODIFIER.search(folded or "", trig.start, trig.end):
            # "the Islamic State-held town of X": the name the pre-modifier is made of
            return next(
                (f for a in actors if a.start < trig.end and a.end > trig.start and (f := res(a))),
                None,
            )
        for a in actors:
            if a.start >= trig.start and a.start - trig.end < 60:
                fid = res(a)
                if fid:
                    return fid
        if re.match(r"\s+(?:their|its)\s+(?:\w+\s+)?control\b", folded[trig.end : trig.end + 40]):
            # "Iraqi forces said Anah was under their full control": the subject before
            for a in reversed([a for a in actors if a.end <= trig.start]):
                fid = res(a)
                if fid:
                    return fid
        return None
    if post and arabic:
        # "راوة آخر منطقة يسيطر عليها تنظيم داعش": verb first, its subject after it
        for a in actors:
            if trig.end <= a.start < trig.end + 40:
                fid = res(a)
                if fid:
                    return fid
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


#: "besieged in", "encircled … in the town of", "حاصر … في مدينة": the besieged, then the place
_SIEGE_GAP = re.compile(
    r"\s*(?:(?:the|a|an|its|their)\s+)?(?:(?:fighters|militants|troops|forces|soldiers|units|"
    r"remnants|pocket|garrison|defenders|members|elements|of|and|families|besieged|encircled)\s+)*"
    r"(?:(?:\bin|\binside|\bat|\bwithin|\bof|\bto|(?<![\w])(?:في|داخل))\s+)?(?:the\s+)?"
    r"(?:(?:besieged|encircled|(?:\w+ern)|strategic|key)\s+)*"
    r"(?:(?:town|city|village|area|enclave|district|pocket|neighbou?rhood)s?\s+(?:of\s+)?)?"
    r"(?:(?:ال)?(?:مدينه|بلده|قريه|ناحيه|قضاء|منطقه|حي|مركز)\s+)*[\"«“']?\s*",
    re.IGNORECASE,
)
#: "are besieged", "were encircled", "remain surrounded": the subject is the besieged side
_SIEGE_PASSIVE = re.compile(
    r"\b(?:are|were|(?-i:is|Is)|was|been|being|remains?|remained|stay(?:ed)?)\s+(?:now\s+|still\s+|"
    r"fully\s+|completely\s+)*$",
    re.IGNORECASE,
)


def siege_reaches(m: Mention, trig: Trigger, doc: Doc) -> bool:
    """Whether a siege trigger before a place is about that place.

    "besieged in the village of X", "encircled IS fighters in X", "siege of X", "حاصرت … في X":
    between the trigger and the place only the besieged side (factions, "fighters") and a
    preposition of place; "Besieged insurgents … agree to leave X" is about the insurgents.
    """
    g0, g1 = trig.end, m.phrase[0]
    gap = doc.folded[g0:g1]
    inside = [a for a in doc.actors if g0 <= a.start and a.end <= g1]
    for a in sorted(inside, key=lambda a: -a.start):
        gap = gap[: a.start - g0] + " " + gap[a.end - g0 :]
    return len(gap) <= 80 and _SIEGE_GAP.fullmatch(re.sub(r"\s+", " ", gap)) is not None


_BY_BESIEGER = re.compile(r"(?:\bby|من\s+قبل|من)\s+(?:the\s+)?[«\"]?$", re.IGNORECASE)


def besieger_after(trig: Trigger, actors: list[ActorMention], folded: str, res: Any) -> str | None:
    """Return the besieger named right after a siege word ("besieged by IS", "المحاصرة من قبل")."""
    for a in actors:
        if trig.end <= a.start < trig.end + 30 and _BY_BESIEGER.search(folded, trig.end, a.start):
            fid = res(a)
            if fid:
                return fid
    return None


def find_besieged(
    m: Mention, trig: Trigger, actors: list[ActorMention], res: Any, doc: Doc, post: bool = False
) -> str | None:
    """Return who holds a besieged place: the besieged side, never the besieger.

    The besieged side is the object of the siege ("encircled IS fighters in X"; Arabic
    verb-first: the second faction after the verb, "حاصرت القوات داعش في X"), or the subject
    of a passive ("IS fighters are besieged in X"); else the one faction of the report hostile
    to the besieger (the siege's subject, its "by X", or the report's main actor). When the
    report names several such factions, nobody: the holder is not stated.
    """
    arabic = bool(ARABIC_LETTER.match(doc.folded[trig.start : trig.start + 1]))
    if post:  # "X, besieged by IS", "دير الزور المحاصرة من قبل داعش": the besieger after it
        after = besieger_after(trig, actors, doc.folded, res)
        return None if after is None else _enemy_of(after, m, res, doc)
    between = [f for a in actors if trig.end <= a.start < m.start and (f := res(a))]
    before = [a for a in actors if a.end <= trig.start]
    besieger: str | None = None
    if arabic:
        if len(between) >= 2:
            return between[1]
        besieger = between[0] if between else None
    elif between:
        by = [
            f for a in actors if trig.end <= a.start < m.start
            and re.search(r"\bby\s+(?:the\s+)?$", doc.folded[max(0, a.start - 8) : a.start])
            and (f := res(a))
        ]  # fmt: skip
        if not by:
            return between[0]
        besieger = by[0]
    if (
        before
        and not re.match(r"siege\b", doc.folded[trig.start : trig.end], re.IGNORECASE)
        and _SIEGE_PASSIVE.search(doc.folded, max(0, trig.start - 30), trig.start)
    ):  # "are besieged in X" ("the IS siege on X" is no passive)
        fid = res(before[-1])
        if fid:
            return fid  # "IS fighters are now besieged in X"
    if besieger is None and before and not arabic:
        besieger = res(before[-1])
    besieger = besieger or doc.agent or doc.fallback
    return None if besieger is None else _enemy_of(besieger, m, res, doc)


def _enemy_of(besieger: str, m: Mention, res: Any, doc: Doc) -> str | None:
    """Return the one enemy of *besieger* named nearest the place (several: None)."""
    country = m.place.country
    # the nearest named enemy of the besieger: around the place first, then the whole report
    for reach in (150, 400, len(doc.folded)):
        hostile = {
            f for a in doc.actors
            if abs(a.start - m.start) <= reach
            and (f := doc.local(res(a), country)) and f != besieger
            and doc.hostile(f, besieger)
        }  # fmt: skip
        if hostile:
            return next(iter(hostile)) if len(hostile) == 1 else None
    return None


#: an actor followed by a verb of attack is the attacker ("IS fighters attacked", "IS launched")
_ATTACKER = re.compile(
    r"\s+(?:\S+\s+){0,2}?(?:attack(?:ed|s)|assault(?:ed|s)|raid(?:ed|s)|launch(?:ed|es)|"
    r"stormed|tried|attempted)\b",
    re.IGNORECASE,
)


def find_defender(
    m: Mention, trig: Trigger, actors: list[ActorMention], folded: str, res: Any
) -> str | None:
    """Return who holds a place where an attack was repelled: the defender."""
    # "the army repelled the attack near X" / "an attack on army positions near X was repelled"
    # / "IS attacked army positions in X but was repelled": the one attacked
    for a in actors:
        if (
            a.end <= m.start
            and re.search(
                r"(?:(?:attack\w*|assault\w*)\s+on|(?:attack|assault|raid|target|hit|storm)(?:ed|s)?)"
                r"\s+(?!(?:by|of|from)\b)(?:\S+\s+){0,2}$",  # not "an attack by X": the attacker
                folded[max(0, a.start - 30) : a.start],
                re.I,
            )
        ):
            fid = res(a)
            if fid:
                return fid
    for a in reversed([a for a in actors if a.end <= trig.start]):
        if re.search(
            r"(?:attack\w*|assault)\s+(?:by|of)\s+(?:the\s+)?$|\b\w+ed\s+$",
            folded[max(0, a.start - 20) : a.start],
            re.I,
        ) or _ATTACKER.match(folded, a.end):
            continue  # "an attack by IS", "IS fighters attacked …": the attacker
        fid = res(a)
        if fid:
            return fid
    return None
