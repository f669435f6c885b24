"""Which places of a report a claim can be about: place mentions read for claims.

:func:`claim_mentions` starts from :func:`frontline.extract.extract_places` and reads each
mention the way a claim needs it: media and organisation names ("Al-Alam"), provinces
("Deir Ezzor province", "ريف دير الزور"), a name that names an operation ("the Al-Bab
operation") and a city's quarter that only shares a village's name ("حي اليرموك") are no
places; a facility word by a name ("the Tabqa dam", "Tal Afar's airport", "منفذ القائم") names
the facility, "the hills/outskirts of X" ("تلال X") the gazetteer's highlands of X; and words
that stand for a place named before or after them become mentions of it ("the town",
"المدينة", "a key town … Baaj town", "parts of them", "أجزاء منهما", "a border crossing").
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import replace

import numpy as np

from frontline.actors import ActorMention, Lexicon
from frontline.extract import Mention, extract_places
from frontline.gazetteer import Gazetteer
from frontline.geonames import country_codes
from frontline.reports import fold_arabic
from frontline.triggers import ARABIC_LETTER, LIST_GAP, OWN_PARTS, spans

__all__ = ["claim_mentions"]

_AR_DIACRITIC = re.compile("[\u064b-\u0652\u0670]")
_AR_CONJ = re.compile(r"(?<![\w\u064b-\u0652])و(?=[\u0621-\u064a]{3,})")
_ANAPHORA = re.compile(
    r"\b(?:the|this)\s+(?P<pre>[\w-]+-(?:held|controlled|occupied|run)\s+)?"
    r"(?:(?:\w+ern|strategic|key|border|besieged|embattled|ancient|historic|"
    r"oil-rich|predominantly\s+\w+|\w+-majority)\s+)?(?:town|city|village|settlement)\b"
    r"(?!\s+(?:council|centre|center|'s))"
    r"(?!\s+of\s+(?:the\s+)?(?:(?:al|el|ad|ar|as|at|an|ash|ath|az|ed|es)[-\s])?(?-i:[A-Z]))"
    r"|(?<![\w])[وفب]?(?:ال)(?:مدينه|بلده|ناحيه|قريه)(?=[\s،.]|$)(?!\s+ال(?!تي|ذي))",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=1)
def _country_after_re() -> re.Pattern[str]:
    names = sorted(country_codes(), key=len, reverse=True)
    return re.compile(
        r"[\s,]*(?:in|of|inside)\s+(?:the\s+)?(?:[\w'’-]+\s+){0,2}?"
        r"(?:(?:region|oblast|province|governorate|district)\s+of\s+(?:the\s+)?)?"
        r"(" + "|".join(re.escape(n) for n in names) + r")(?:['’]s)?\b",
        re.IGNORECASE,
    )


def _country_named_after(body: str, end: int) -> str | None:
    """Return the ISO2 code of a country the text places the name before *end* in, or None.

    "Viktorovka in Russia's Kursk region", "Sudzha, in the Kursk region of Russia".
    """
    hit = _country_after_re().match(body, end, end + 60)
    return country_codes()[hit.group(1).casefold()] if hit else None


def claim_mentions(
    body: str, folded: str, gazetteer: Gazetteer, lx: Lexicon, actors: list[ActorMention]
) -> list[Mention]:
    """Return the place mentions of a report that a claim can be about, in text order.

    Parameters
    ----------
    body : str
        The report's text.
    folded : str
        ``fold_arabic(body)``.
    gazetteer : Gazetteer
    lx : Lexicon
        The phrase lists (``frontline/data/observe.yaml``).
    actors : list of ActorMention
        The factions named in the report (a place name inside one is no place).

    Returns
    -------
    list of Mention
        Media and organisation names, provinces, countrysides and names of operations
        dropped or marked ``relation="region"``; facilities, highlands and quarters read as
        such; "the town", "a key town … named later", "parts of them" and "a border crossing"
        added as mentions of the place they stand for.
    """
    banned = spans(lx.not_places, folded) + [
        (a.start, a.end) for a in actors if a.faction is not None
    ]
    found = extract_places(body, gazetteer, anchors=True)
    if ARABIC_LETTER.search(body):
        # Arabic: diacritics break words ("عانّه") and "و" (and) sticks to the next word
        # ("وبعشيقه"); look again in a copy of the same length without them
        alt = _without_marks(body)
        ends = sorted(o.end for o in found)
        starts = sorted(o.start for o in found)
        extra = [
            m for m in extract_places(alt, gazetteer, anchors=True)
            # overlaps a mention found already: one ending after m starts, starting before m ends
            if bisect.bisect_left(starts, m.end) - bisect.bisect_right(ends, m.start) <= 0
        ]  # fmt: skip
        found = sorted(
            found + [replace(m, text=body[m.start : m.end]) for m in extra], key=lambda m: m.start
        )
    found = _homonyms_near(found, gazetteer)
    out: list[Mention] = []
    regions: set[str] = set()  # places the report names as regions ("Daraa province")
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
        if _SPEAKS.match(body, m.end) and m.relation is None:
            continue  # "Damascus is set to recover", "Kyiv said": a government, not a place
        named_in = _country_named_after(body, m.end)
        if named_in is not None and named_in != m.place.country:
            continue  # "Viktorovka in Russia's Kursk region": not a village of that name here
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
            regions.add(m.place.id)
            continue  # "western Anbar"; "west of Raqqa" is a relative phrase, read as one
        if not m.place.curated and (
            _QUARTER_BEFORE.search(folded, max(0, m.start - 12), m.start)
            or _QUARTER_AFTER.match(folded, m.end)
        ):
            continue  # "حي اليرموك", "the Yarmouk neighbourhood": a city's quarter, not a village
        follows = re.sub(r"^(?:\s+(?:and|&|و)\s+\S+)+", "", folded[m.end : m.end + 40])
        if not quarter and (
            lx.region_after.search(follows)
            or _PROVINCE_APPOSITIVE.match(folded, m.end)
            or (
                lx.region_after_city.search(follows)
                and (m.place.kind == "city" or re.search(r"\bthe\s+$", folded[: m.start]))
            )  # "the Donetsk region", "Kharkiv region"; not "Akashat region", the town's area
        ):
            # "Deir Ezzor province", "al-Senaa and Shuqaq neighborhoods", "Idlib, the only
            # province …": no claim on it, but a name a claim after it does not reach over
            out.append(replace(m, relation="region"))
            regions.add(m.place.id)
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
            ARABIC_LETTER.search(word)
            and not m.place.curated
            and " " not in word.strip()
            and len(word) <= 5
            and not re.search(
                r"(?:قضاء|ناحيه|مدينه|بلده|قريه|منطقه)\s*[\"«]?\s*$",
                folded[max(0, m.start - 12) : m.start],
            )
        ):
            continue  # short Arabic words that are village names too ("علم"), unless "قضاء دبس"
        if ARABIC_LETTER.search(word) and _article_dropped(fold_arabic(word), m.place.names):
            continue  # "قريتين" (two villages) is not "القريتين": Arabic names keep their article
        if (
            m.relation not in (None, "outskirts", "anchor")
            and out
            and LIST_GAP.fullmatch(folded, out[-1].end, m.phrase[0]) is None
        ):
            if re.fullmatch(r"[\s,،]*(?:\S+\s+){0,2}", folded[out[-1].end : m.phrase[0]]):
                continue  # "the town of Hawija about 300 km north of Baghdad": a locator
        out.append(m)
    out = [_share_of_region(m, folded, regions) for m in out]
    # "the town", "the city", "المدينة": the place named last before
    for ana in _ANAPHORA.finditer(folded):
        a0, a1 = ana.start(), ana.end()
        if ana.group("pre"):
            a0 = ana.end("pre")  # "the IS-held city": the holder stays a word before the place
        if re.search(
            r"(?:(?:\b(?:north|south|east|west|km|kilometres|kilometers|miles|outskirts|edge|edges)\w*\s+)of|\bnear|\boutside|\baround|\bfrom|غرب|شرق|شمال|جنوب|قرب|اطراف)\s*$",
            folded[max(0, ana.start() - 12) : ana.start()],
        ):
            continue  # "west of the city": a locator, not the place ("control of the town" is)
        word = ana.group(0).lower()
        kinds = _ANAPHORA_KINDS[next(k for k in _ANAPHORA_KINDS if k in word)]
        # "near Mosul … the IS-held city": a held city may be one named as an anchor
        rels = (None, "anchor") if ana.group("pre") else (None,)
        prev = [m for m in out if m.end <= a0 and m.relation in rels and m.place.kind in kinds]
        if prev and a0 - prev[-1].end < 400 and not any(a0 <= m.start < a1 + 3 for m in out):
            out.append(
                replace(
                    prev[-1], start=a0, end=a1, text=body[a0:a1], phrase_start=a0, relation=None
                )
            )
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


#: a verb of saying or wanting after a name: the name stands for its government or people
#: ("Damascus is set to recover control of the Golan", "Moscow says", "Baghdad has vowed to")
_SPEAKS = re.compile(
    r"\s+(?:(?:is|are|was|were|has|have|had)\s+(?:also\s+)?)?"
    r"(?:set\s+to|says|said|announced|claimed|claims|accused|accuses|denied|denies|wants|"
    r"wanted|vowed|vows|insists|insisted|agreed|hopes|hoped|demanded|demands|warned|warns|"
    r"rejected|rejects|responded|sought|seeks|blamed|blames|condemned|welcomed|threatened)\b",
)


def _words_around(text: str, k: int, words: int = 4, reach: int = 60) -> tuple[int, int]:
    """``(start, end)`` of the *words* words either side of offset *k* (within *reach*)."""
    lo = k
    floor = max(0, k - reach)
    for _ in range(words):
        j = max(text.rfind(" ", floor, lo), text.rfind("\n", floor, lo))
        if j < 0:
            lo = floor
            break
        lo = j
    hi = k
    ceil = min(len(text), k + reach)
    for _ in range(words):
        cands = [j for j in (text.find(" ", hi + 1, ceil), text.find("\n", hi + 1, ceil)) if j >= 0]
        if not cands:
            hi = ceil
            break
        hi = min(cands)
    return lo, hi


def _without_marks(body: str) -> str:
    """*body* without diacritics and with "و" split off, same length, near the changes only.

    The second look for Arabic names needs only the words around a dropped diacritic or a
    split "و": the rest reads as before and would only be found again (and cost time), so
    every word far from a change is blanked out.
    """
    marked = _AR_DIACRITIC.sub("ـ", body)
    alt = _AR_CONJ.sub(" ", marked)
    n = len(alt)
    changed = [m.start() for m in _AR_DIACRITIC.finditer(body)]
    changed += [m.start() for m in _AR_CONJ.finditer(marked)]
    if not changed:
        return " " * n
    spans_: list[list[int]] = []
    for k in sorted(set(changed)):
        if spans_ and k < spans_[-1][1]:
            continue
        lo, hi = _words_around(alt, k)
        if spans_ and lo <= spans_[-1][1]:
            spans_[-1][1] = hi
        else:
            spans_.append([lo, hi])
    out: list[str] = []
    at = 0
    for lo, hi in spans_:
        out.append(_NOT_NEWLINE.sub(" ", alt[at:lo]))
        out.append(alt[lo:hi])
        at = hi
    out.append(_NOT_NEWLINE.sub(" ", alt[at:]))
    return "".join(out)


_NOT_NEWLINE = re.compile(r"[^\n]")


#: a share of a place: "nearly 70 percent of", "most of", "two-thirds of", "معظم"
_SHARE_OF = re.compile(
    r"(?:\b(?:\d+\s*(?:percent|per\s+cent)|\d+\s*%|half|most|two[-\s]thirds|a\s+third|"
    r"three[-\s]quarters|much|large\s+parts?)\s+of\s+(?:the\s+)?"
    r"|(?<![\w])(?:معظم|غالبيه|نصف|ثلثي|\d+\s*(?:%|بالمئه|في\s+المئه)\s+من)\s+)\Z",
    re.IGNORECASE,
)


def _share_of_region(m: Mention, folded: str, regions: set[str]) -> Mention:
    """Read "nearly 70 percent of Daraa" as the province when the report calls Daraa one.

    A share of a place that the report also names as a province ("the southern province of
    Daraa", "Quneitra province") is a share of the province: no claim on the city.
    """
    if m.relation is not None or m.place.id not in regions:
        return m
    if _SHARE_OF.search(folded, max(0, m.phrase[0] - 30), m.phrase[0]) is None:
        return m
    return replace(m, relation="region")


#: how far (km) from every place of a report that a name means without doubt a village sharing
#: its name with others may lie and still be the one meant
HOMONYM_REACH_KM = 100.0


def _homonyms_near(found: list[Mention], gazetteer: Gazetteer) -> list[Mention]:
    """Read a name that several villages share as the one nearest the report's other places.

    The places a report names without doubt (one candidate each) fix where it is; of the
    villages called "Novoselivka", the one nearest them is meant. When even that one lies more
    than :data:`HOMONYM_REACH_KM` from all of them, the village meant is likely one the
    gazetteer lacks: the name is dropped (no claim rather than a claim on another village).
    So is a name only one village has, when the report names two or more other places and all
    of them lie that far from it.
    """
    sure = {(m.place.lon, m.place.lat) for m in found if len(set(m.candidates)) <= 1}
    if not sure:
        return found
    lon = np.array([p[0] for p in sure])
    lat = np.array([p[1] for p in sure])
    out: list[Mention] = []
    for m in found:
        if len(set(m.candidates)) <= 1 and not m.place.curated and m.place.importance <= 1:
            # a village the report's other places (two or more) all lie far from is
            # likely a namesake the gazetteer lacks ("Qusair in the countryside of Daraa")
            here = 111.2 * np.hypot(
                lat - m.place.lat, (lon - m.place.lon) * np.cos(np.radians(m.place.lat))
            )
            others = here[here > 1.0]
            if len(others) >= 2 and float(np.min(others)) > HOMONYM_REACH_KM:
                continue
        if len(set(m.candidates)) <= 1 or m.place.curated:
            out.append(m)
            continue
        cands = [gazetteer.get(c) for c in dict.fromkeys(m.candidates)]
        names = set(m.place.names)
        cands = [
            p for p in cands
            if p.country == m.place.country and names & set(p.names)
            and (p.kind != "city" or m.place.kind == "city")
        ]  # fmt: skip  # villages of that name, not a city that once had it (Donetsk)
        if len(cands) < 2:
            out.append(m)
            continue
        # flat-earth kilometres: exact enough at these distances, and cheap
        near = [
            float(np.min(111.2 * np.hypot(lat - p.lat, (lon - p.lon) * np.cos(np.radians(p.lat)))))
            for p in cands
        ]
        k = int(np.argmin(near))
        if near[k] > HOMONYM_REACH_KM:
            continue
        if cands[k].id != m.place.id:
            m = replace(m, place=cands[k], lon=cands[k].lon, lat=cands[k].lat)
        out.append(m)
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
    r"\b(?:parts?|sections?|areas|neighbou?rhoods|districts)\s+of\s+(?P<pro>it|them)\b"
    r"|(?<![\w])(?:اجزاء|جزء|مساحات|احياء)\s+(?:\S+\s+)?(?P<ar>منها|منه|منهما)(?![\w])",
    re.IGNORECASE,
)  # not "most of them", "نصف منها": people as often as places


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
    arabic = [fold_arabic(n) for n in names if ARABIC_LETTER.search(n)]
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
            # the facility's own kind first: "the airport of X" before the army base by it
            near = gazetteer.reverse(
                m.place.lon, m.place.lat, max_km=lx.facility_km, kinds=kinds[:1]
            ) or gazetteer.reverse(m.place.lon, m.place.lat, max_km=lx.facility_km, kinds=kinds)
            if near is None:
                return None
            p = near.place
        end = tail.end() if tail is not None else m.end
        if head is not None and not ARABIC_LETTER.match(head.group("word")):
            # "the military airport of Deir al-Zour": the facility's words are the mention's
            start = max(0, m.phrase[0] - 30) + head.start("word")
            return replace(
                m, start=start, end=end, text=folded[start:end], place=p, lon=p.lon,
                lat=p.lat, uncertainty_km=p.precision_m / 1000.0, reason="facility",
                phrase_start=start,
            )  # fmt: skip
        return replace(
            m, end=end, text=m.text + folded[m.end : end], place=p, lon=p.lon, lat=p.lat,
            uncertainty_km=p.precision_m / 1000.0, reason="facility",
        )  # fmt: skip
    return m


#: words that qualify a facility without naming it ("military airport", "main border crossing")
_FACILITY_ADJ = re.compile(
    r"\b(?:military|main|old|new|international|civil(?:ian)?|strategic|vital|key)\s+", re.I
)
_ANAPHORA_KINDS = {
    "town": ("town", "city"), "city": ("city", "town"), "village": ("village", "town"),
    "settlement": ("town", "village"),
    "مدينه": ("city", "town"), "بلده": ("town", "village"), "ناحيه": ("town", "village", "city"),
    "قريه": ("village", "town"),
}  # fmt: skip
