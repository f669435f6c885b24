"""Free text -> place mentions, with relative phrases resolved into points.

:func:`extract_places` reads a report ("Iraqi forces advanced 12 km north of At Tanf
towards Al-Qa'im …") and returns every mention of a gazetteer place with its character
offsets. Relative phrases become a derived point with an uncertainty radius:

=============================  =========================================================
phrase                         derived point, uncertainty
=============================  =========================================================
"12 km north of X"             12 km from X towards 0°; 20 % of the distance + X's precision
"12 km from X"                 X; 12 km
"west of X"                    default offset (city 20 km, town 10 km, else 5 km) to the
                               west; radius = that offset ("just" halves it, "far" doubles it)
"northern outskirts of X"      outskirts offset (city 5, town 3, else 2 km) to the north
"outskirts of X"               X; outskirts offset
"near X", "around X"           X; city 15, town 10, else 5 km
"between X and Y"              both mentions: the midpoint of X and Y (on the geodesic);
                               radius half the X–Y distance + the larger precision
=============================  =========================================================

The same phrases in Arabic script are read too: "20 كم جنوب غرب البوكمال" (offset),
"على بعد 15 كم من سنجار" (distance), "شمال الموصل", "إلى الشمال من تلعفر" (direction),
"أطراف الرقة" (outskirts), "ريف دير الزور" (countryside, as outskirts with the countryside
offset), "قرب التنف" (near); Arabic-Indic digits count as digits.

How precision is kept (ordinary words must not become places):

* lookup is by exact normalised name (never fuzzy) over the gazetteer's names and
  alternate names, for n-grams of words up to the longest name;
* in Latin script, the first word of a name (after an article) must be capitalised;
* a one-word name that is a common English word ("Hit", "May") or a personal name
  ("Walid") counts only for a curated place and only after a locative word ("in Hit",
  "the town of Hit", "Rawa and Hit" but not "Kamal and Walid"), never when a capitalised
  word follows ("Ana Club"); GeoNames places never match on such words, nor on names shorter
  than 4 letters; generic toponym words ("Tal", "Abu", "Al") never match alone;
* a lower-case common English word continues a name only where the gazetteer writes it so
  too ("al-Omar oil field"; "Al-Bab have been" is not "Bab al-Hawa");
* a name written with its article right after a capitalised word that is neither English
  nor locative is part of a longer name ("Ahrar al-Sham", "Maghawir al-Thawra", "Haider
  al-Abadi"), not a mention;
* the word lists are data: ``frontline/data/extract_words.yaml``.

When a name fits several places (Sinjar in Iraq and in Syria), curated places win, then
the one nearest to the other unambiguous places of the same text, then importance.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from frontline.gazetteer import Gazetteer
from frontline.geo import azimuth_deg, destination, distance_km
from frontline.names import DATA_DIR, is_arabic, is_article, split_words, token_key, tokens
from frontline.places import Place

__all__ = ["Mention", "extract_places"]

_AZ = {
    "north": 0.0, "n": 0.0, "northeast": 45.0, "ne": 45.0, "east": 90.0, "e": 90.0,
    "southeast": 135.0, "se": 135.0, "south": 180.0, "s": 180.0, "southwest": 225.0,
    "sw": 225.0, "west": 270.0, "w": 270.0, "northwest": 315.0, "nw": 315.0,
    "northern": 0.0, "eastern": 90.0, "southern": 180.0, "western": 270.0,
    "northeastern": 45.0, "southeastern": 135.0, "southwestern": 225.0, "northwestern": 315.0,
    "nne": 22.5, "ene": 67.5, "ese": 112.5, "sse": 157.5, "ssw": 202.5, "wsw": 247.5,
    "wnw": 292.5, "nnw": 337.5,
}  # fmt: skip
_DIR_WORD = r"(?:north|south)(?:[\s-]?(?:east|west))?|east|west"
_DIR_ADJ = r"(?:north|south)(?:[\s-]?(?:east|west))?(?:ern)?|eastern|western"
_DIR_ABBR = r"NNE|ENE|ESE|SSE|SSW|WSW|WNW|NNW|NE|NW|SE|SW|N|E|S|W"
_UNIT = r"(?P<unit>km|kms|kilomet(?:er|re)s?|mi|miles?)"
_DIST = r"(?P<dist>\d+(?:[.,]\d+)?)"
_APPROX = (
    r"(?:(?:about|some|around|approximately|roughly|nearly|almost|over|under"
    r"|more\s+than|less\s+than|up\s+to|within)\s+)?"
)
_TAIL = (
    r"\s+(?:the\s+)?(?:(?:town|city|village|crossing|border\s+crossing|base|garrison|area"
    r"|district|outpost|camp)\s+of\s+)?$"
)


def _distance_res() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Build the offset and distance regexes and a quick test for a distance unit (once)."""
    cached = _DISTANCE_RES
    if cached:
        return cached[0]
    words = _number_words()
    alt = "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )
    dist = r"\b(?P<dist>\d+(?:[.,]\d+)?|" + alt + r")" if alt else _DIST
    offset = re.compile(
        _APPROX + dist + r"\s*-?\s*" + _UNIT + r"\.?\s*(?:\([^)]{0,30}\)\s*)?"
        r"(?:to\s+the\s+)?(?P<dir>" + _DIR_WORD + r"|" + _DIR_ABBR + r")\s+of" + _TAIL,
        re.IGNORECASE,
    )
    distance = re.compile(
        _APPROX
        + dist
        + r"\s*-?\s*"
        + _UNIT
        + r"\.?\s*(?:\([^)]{0,30}\)\s*)?(?:away\s+)?(?:from|outside)"
        + _TAIL,
        re.IGNORECASE,
    )
    # every distance phrase has a unit: a cheap test before the long regexes
    has_number = re.compile(r"(?:\d|\b)(?:km|kilomet|mi\b|miles?\b)", re.IGNORECASE)
    _DISTANCE_RES.append((offset, distance, has_number))
    return _DISTANCE_RES[0]


_DISTANCE_RES: list[tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]] = []


_RE_OUTSKIRTS_DIR = re.compile(
    r"(?P<dir>"
    + _DIR_ADJ
    + r")\s+(?P<what>outskirts|edge|suburbs?|countryside|part|parts|side|bank|approaches"
    r"|entrance)\s+of" + _TAIL,
    re.IGNORECASE,
)
_RE_DIRECTION = re.compile(
    r"(?P<mod>just\s+|immediately\s+|directly\s+|slightly\s+|far\s+|further\s+)?(?:to\s+the\s+)?(?P<dir>"
    + _DIR_WORD
    + r")\s+of"
    + _TAIL,
    re.IGNORECASE,
)
_RE_OUTSKIRTS = re.compile(
    r"(?P<what>outskirts|edge|suburbs|gates|approaches|countryside)\s+of" + _TAIL, re.IGNORECASE
)
_RE_NEAR = re.compile(
    r"(?P<what>near(?:\s+to)?|close\s+to|around|outside(?:\s+of)?|(?:in\s+)?the\s+(?:vicinity|area)\s+of|nearby|approaching)"
    + _TAIL,
    re.IGNORECASE,
)
_WINDOW = 90
#: last word before a name that can end a relative phrase (else the regexes are skipped)
_HAS_DIR = re.compile(r"north|south|east|west|\b[NSEW]{1,3}\b", re.IGNORECASE)
_TRIGGERS = frozenset(
    {"of", "near", "to", "around", "outside", "nearby", "approaching", "from", "the"}
)
_JOIN_RE = re.compile(r"[ \t\u00a0\-\u2010\u2011\u2012\u2013'\u2019\u02bf\u02be`]*")

_NEAR_KM = {3: 15.0, 2: 10.0, 1: 5.0}
_DIRECTION_KM = {3: 20.0, 2: 10.0, 1: 5.0}
_OUTSKIRTS_KM = {3: 5.0, 2: 3.0, 1: 2.0}
_COUNTRYSIDE_KM = {3: 25.0, 2: 15.0, 1: 10.0}


@dataclass(frozen=True)
class Mention:
    """A place mentioned in a text.

    Attributes
    ----------
    start, end : int
        Character offsets of the place name in the text (``text[start:end]``).
    text : str
        The name as written.
    place : Place
        The place it resolves to.
    reason : str
        ``exact``, ``alias`` or ``normalised`` (how the name matched; never fuzzy).
    lon, lat : float
        The point meant: the place itself, or the point a relative phrase derives.
    uncertainty_km : float
        Radius around (lon, lat) within which the point lies.
    relation : str or None
        None (the place itself), ``offset`` ("12 km north of"), ``distance`` ("12 km
        from"), ``direction`` ("west of"), ``outskirts`` ("northern outskirts of"),
        ``near`` ("near", "around"), ``between`` ("between X and Y": both mentions carry
        the midpoint; ``offset_km`` is half the X–Y distance), ``anchor`` (the place a
        relative phrase is measured from, as a mention of its own: "west of Mosul" names
        Mosul; only with ``extract_places(..., anchors=True)``).
    phrase_start : int
        Start of the whole phrase ("12 km north of At Tanf"); equals ``start`` when
        there is no relative phrase.
    azimuth : float or None
        Direction of the offset, degrees from north.
    offset_km : float or None
        Distance of the derived point from the place.
    candidates : tuple of str
        Ids of every place the name could mean (more than one when ambiguous).
    """

    start: int
    end: int
    text: str
    place: Place
    reason: str
    lon: float
    lat: float
    uncertainty_km: float
    relation: str | None = None
    phrase_start: int = -1
    azimuth: float | None = None
    offset_km: float | None = None
    candidates: tuple[str, ...] = field(default=())

    @property
    def phrase(self) -> tuple[int, int]:
        """``(start, end)`` of the whole phrase, relative part included."""
        return (self.phrase_start if self.phrase_start >= 0 else self.start, self.end)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (JSON-ready)."""
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "place_id": self.place.id,
            "place": self.place.name,
            "country": self.place.country,
            "kind": self.place.kind,
            "reason": self.reason,
            "relation": self.relation,
            "phrase_start": self.phrase[0],
            "lon": round(self.lon, 6),
            "lat": round(self.lat, 6),
            "uncertainty_km": round(self.uncertainty_km, 3),
            "azimuth": self.azimuth,
            "offset_km": self.offset_km,
            "candidates": list(self.candidates),
        }

    @property
    def __geo_interface__(self) -> dict[str, Any]:
        """The mention as a GeoJSON Feature: a Point at the meant (possibly derived) location.

        The properties are those of :meth:`to_dict` without ``lon`` and ``lat``.
        """
        props = self.to_dict()
        lon, lat = props.pop("lon"), props.pop("lat")
        return {
            "type": "Feature",
            "properties": props,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        }

    def __repr__(self) -> str:
        rel = "" if self.relation is None else f", relation={self.relation!r}"
        return (
            f"Mention(text={self.text!r}, start={self.start}, end={self.end}, "
            f"place={self.place.id!r}{rel}, lon={self.lon:.4f}, lat={self.lat:.4f})"
        )


@functools.lru_cache(maxsize=1)
def _words() -> dict[str, frozenset[str]]:
    import yaml

    raw = yaml.safe_load((DATA_DIR / "extract_words.yaml").read_text("utf-8"))
    return {k: frozenset(str(w).lower() for w in v) for k, v in raw.items()}


@dataclass
class _Index:
    by_key: dict[str, list[int]]
    max_n: int
    places: list[Place]
    rank: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    #: short keys kept only for names written with an article ("Al Bāb" -> "bab"): a text
    #: must write the article too ("al-Bab"), a bare "Bab" is no match
    with_article: frozenset[str] = frozenset()
    #: the word-level beginnings of the longer keys ("deir", "deir ez"): a run of words that
    #: begins no key ends the lookup there instead of trying up to ``max_n`` words
    prefixes: frozenset[str] = frozenset()


#: The name index of each gazetteer seen, kept while the gazetteer lives.
_INDEXES: weakref.WeakKeyDictionary[Gazetteer, _Index] = weakref.WeakKeyDictionary()


def _index_for(gazetteer: Gazetteer) -> _Index:
    cached = _INDEXES.get(gazetteer)
    if cached is not None:
        return cached
    w = _words()
    generic = {" ".join(tokens(g)) for g in w["generic"]}
    places = gazetteer.places
    by_key: dict[str, list[int]] = {}
    short: set[str] = set()
    normal: set[str] = set()
    prefixes: set[str] = set()
    max_n = 1
    for i, p in enumerate(places):
        for nm in p.names:
            toks = tokens(nm)
            if not toks:
                continue
            key = " ".join(toks)
            letters = len(key.replace(" ", ""))
            if key.isdigit():
                continue
            if key in generic or (letters < (3 if p.curated else 4) and not is_arabic(key)):
                if letters < 3 or is_arabic(key) or not any(map(is_article, nm.split())):
                    continue
                short.add(key)  # "Al Bāb" -> "bab": only "al-Bab" in a text
            else:
                normal.add(key)
            if is_arabic(key) and letters < 3:
                continue
            lst = by_key.setdefault(key, [])
            if i not in lst:
                lst.append(i)
            max_n = max(max_n, len(toks))
            for k in range(1, len(toks)):
                prefixes.add(" ".join(toks[:k]))
    idx = _Index(
        by_key=by_key,
        max_n=min(max_n, 8),
        places=places,
        rank=np.asarray(gazetteer.ranks),
        lon=np.array([p.lon for p in places], dtype=float),
        lat=np.array([p.lat for p in places], dtype=float),
        with_article=frozenset(short - normal),
        prefixes=frozenset(prefixes),
    )
    _INDEXES[gazetteer] = idx
    return idx


def extract_places(
    text: str,
    gazetteer: Gazetteer | None = None,
    *,
    kinds: Iterable[str] | None = None,
    min_importance: int | None = None,
    bulk: bool = True,
    anchors: bool = False,
) -> list[Mention]:
    """Find the gazetteer places a text mentions.

    Parameters
    ----------
    text : str
        A report, in English (Latin script) and/or Arabic script.
    gazetteer : Gazetteer, optional
        The gazetteer to look names up in (default: :meth:`Gazetteer.load`).
    kinds : iterable of str, optional
        Only places of these kinds.
    min_importance : int, optional
        Only places at least this important.
    bulk : bool, default True
        Also match GeoNames places (exact normalised names only); False: curated only.
    anchors : bool, default False
        Also list the anchor of each relative phrase as a mention of its own, right after
        the derived one: ``relation="anchor"``, at the place itself ("west of Mosul" names
        Mosul; "between Damascus and Baghdad" names both).

    Returns
    -------
    list of Mention
        In text order, without overlaps (the longest name wins: "Tal Afar", not "Afar").

    Examples
    --------
    >>> from frontline.gazetteer import Gazetteer, Place
    >>> mosul = Place("mosul", "Mosul", (), "city", "IQ", 36.335, 43.119, 3000, "s", None, 3)
    >>> g = Gazetteer([mosul])
    >>> [(m.text, m.relation) for m in extract_places("Troops moved west of Mosul.", g)]
    [('Mosul', 'direction')]
    >>> [(m.text, m.relation) for m in extract_places("west of Mosul", g, anchors=True)]
    [('Mosul', 'direction'), ('Mosul', 'anchor')]
    """
    if gazetteer is None:
        gazetteer = Gazetteer.load()
    idx = _index_for(gazetteer)
    words = _words()
    kset = set(kinds) if kinds else None
    spans = split_words(text)
    n = len(spans)
    raw = [text[s:e] for s, e in spans]
    keys = [token_key(r) for r in raw]
    article = [is_article(r) for r in raw]

    def joined(a: int, b: int) -> bool:
        return _JOIN_RE.fullmatch(text, spans[a][1], spans[b][0]) is not None

    found: list[tuple[int, int, list[int]]] = []  # (first word, last word, place indexes)
    i = 0
    while i < n:
        if article[i] or not keys[i]:
            i += 1
            continue
        first = raw[i]
        if not is_arabic(first) and not (first[0].isupper() or first[0].isdigit()):
            i += 1
            continue
        best: tuple[int, list[int]] | None = None
        parts: list[str] = []
        j = i
        count = 0
        while j < n and count < idx.max_n:
            if j > i and not joined(j - 1, j):
                break
            if article[j] and j > i:
                j += 1
                continue
            parts.append(keys[j])
            count += 1
            key = " ".join(parts)
            hit = idx.by_key.get(key)
            if hit and j > i:
                hit = _written_alike(hit, raw, article, i, j, words["english"], idx)
            if hit and not (j == i and keys[i] in idx.with_article and not (i and article[i - 1])):
                best = (j, hit)
            if key not in idx.prefixes:
                break  # no longer name begins with these words
            j += 1
        if best is None:
            i += 1
            continue
        last, cands = best
        prev_last = found[-1][1] if found else -9
        cands = _admissible(
            cands, idx, i, last, raw, words, kset, min_importance, bulk, prev_last, text, spans
        )
        if cands:
            found.append((i, last, cands))
            i = last + 1
        else:
            i += 1
    out = _resolve(text, spans, raw, article, found, idx)
    return _with_anchors(out) if anchors else out


def _written_alike(
    hit: list[int], raw: list[str], article: list[bool], i: int, j: int,
    english: frozenset[str], idx: _Index,
) -> list[int]:  # fmt: skip
    """Keep the places whose names write the lower-case English words of the text too.

    "Al-Bab have been" is not "Bab al-Hawa" ("have" folds like "Hawa"); "al-Omar oil field"
    is the gazetteer's "al-Omar oil field".
    """
    low = [
        raw[k] for k in range(i + 1, j + 1)
        if raw[k][:1].islower() and not article[k] and not article[k - 1] and raw[k] in english
    ]  # fmt: skip
    if not low:
        return hit
    return [
        c for c in hit
        if all(any(re.search(rf"\b{re.escape(w)}\b", n) for n in idx.places[c].names) for w in low)
    ]  # fmt: skip


def _with_anchors(mentions: list[Mention]) -> list[Mention]:
    """Each relative mention followed by its anchor: the place itself, as a mention."""
    out: list[Mention] = []
    for m in mentions:
        out.append(m)
        if m.relation is not None:
            p = m.place
            out.append(
                replace(
                    m, lon=p.lon, lat=p.lat, uncertainty_km=max(p.precision_m / 1000.0, 0.1),
                    relation="anchor", phrase_start=m.start, azimuth=None, offset_km=None,
                )
            )  # fmt: skip
    return out


def _admissible(
    cands, idx: _Index, i, last, raw, words, kset, min_importance, bulk, prev_last, text, spans
) -> list[int]:
    out = []
    single = i == last
    low = raw[i].lower()
    common = single and (low in words["english"] or low in words["given_names"])
    p_i = i - 1
    if i > 0 and is_article(raw[i - 1]):
        p_i = i - 2
    prev = raw[p_i].lower() if p_i >= 0 else ""
    locative = prev in words["locative"] or (
        prev in words["conjunctions"] and prev_last == p_i - 1  # "Rawa and Hit"
    )
    if (
        p_i == i - 2
        and p_i >= 0
        and raw[p_i][:1].isupper()
        and prev not in words["locative"]
        and prev not in words["english"]
        and prev_last != p_i
        and not (
            raw[i - 1] in _ENGLISH_ARTICLES and text[spans[i - 1][1] : spans[i][0]].isspace()
        )  # "Fighting at Mosul Dam": English "at", not an article
    ):
        return []  # "Ahrar al-Sham", "Maghawir al-Thawra": a name of a group or person
    nxt = last + 1
    if nxt < len(raw) and raw[nxt][:1].isupper() and text[spans[last][1] : spans[nxt][0]] == " ":
        if raw[nxt].lower() in words["organisations"]:
            return []  # "Amman Stock Exchange", "Homs Cement"
        if common and raw[nxt].lower() not in words["time_words"]:
            return []  # "Ana Club", "Hit Songs": part of another proper name
    truncated = (
        nxt + 1 < len(raw)
        and is_article(raw[nxt])
        and raw[nxt + 1][:1].isupper()
        and text[spans[last][1] : spans[nxt][0]] == " "
        and text[spans[nxt][1] : spans[nxt + 1][0]] == "-"
    )  # "Rasm ad-Dahl": the name goes on; a GeoNames "Rasm" is not it
    for c in cands:
        p = idx.places[c]
        if truncated and not p.curated:
            continue
        if kset is not None and p.kind not in kset:
            continue
        if min_importance is not None and p.importance < min_importance:
            continue
        if not p.curated and not bulk:
            continue
        if common and (not p.curated or not locative):
            continue
        if single and not p.curated and raw[i].isupper() and len(raw[i]) <= 4:
            continue  # acronyms: "US", "SDF", "PMU"
        out.append(c)
    return out


def _resolve(text, spans, raw, article, found, idx: _Index) -> list[Mention]:
    # unambiguous mentions give the context for ambiguous ones
    def ordered(cands: list[int]) -> list[int]:
        return sorted(cands, key=lambda c: (not idx.places[c].curated, idx.rank[c]))

    anchors = []
    for _i, _l, cands in found:
        oc = ordered(cands)
        if len(oc) == 1 or (idx.places[oc[0]].curated and not idx.places[oc[1]].curated):
            anchors.append(oc[0])
    centre = None
    if anchors:
        centre = (float(np.median(idx.lon[anchors])), float(np.median(idx.lat[anchors])))
    out: list[Mention] = []
    for i, last, cands in found:
        oc = ordered(cands)
        choice = oc[0]
        if len(oc) > 1 and centre is not None:
            top = [c for c in oc if idx.places[c].curated == idx.places[oc[0]].curated]
            if len(top) > 1:
                d = (idx.lon[top] - centre[0]) ** 2 + (idx.lat[top] - centre[1]) ** 2
                choice = top[int(np.argmin(d))]
        place = idx.places[choice]
        # the span includes a directly preceding article ("al-Qaim")
        start = spans[i][0]
        if (
            i > 0
            and article[i - 1]
            and _JOIN_RE.fullmatch(text, spans[i - 1][1], spans[i][0])
            and not _english_word_before(text, spans[i - 1], spans[i])
        ):
            start = spans[i - 1][0]
        end = spans[last][1]
        written = text[start:end]
        out.append(_relative(text, start, end, written, place, tuple(idx.places[c].id for c in oc)))
    return _between(text, out)


_RE_BETWEEN_HEAD = re.compile(
    r"\bbetween\s+(?:the\s+)?(?:(?:towns?|cities|villages?|areas?)\s+of\s+)?$", re.IGNORECASE
)
_RE_BETWEEN_JOIN = re.compile(r"\s+(?:and|&)\s+(?:the\s+(?:town\s+of\s+)?)?", re.IGNORECASE)


def _between(text: str, out: list[Mention]) -> list[Mention]:
    """Turn "between X and Y" into two mentions of the midpoint, radius half the distance."""
    for k in range(len(out) - 1):
        a, b = out[k], out[k + 1]
        if a.relation is not None or b.relation is not None:
            continue
        if not _RE_BETWEEN_JOIN.fullmatch(text, a.end, b.start):
            continue
        head = _RE_BETWEEN_HEAD.search(text, max(0, a.start - 40), a.start)
        if head is None or a.place.id == b.place.id:
            continue
        pa, pb = a.place, b.place
        d = float(distance_km(pa.lon, pa.lat, pb.lon, pb.lat))
        az = float(azimuth_deg(pa.lon, pa.lat, pb.lon, pb.lat))
        lon, lat = destination(pa.lon, pa.lat, az, d / 2.0)
        unc = d / 2.0 + max(pa.precision_m, pb.precision_m) / 1000.0
        for j, m in ((k, a), (k + 1, b)):
            out[j] = replace(
                m, lon=lon, lat=lat, uncertainty_km=unc, relation="between",
                phrase_start=head.start(), azimuth=None, offset_km=round(d / 2.0, 3),
            )  # fmt: skip
    return out


#: Articles that are also English words: lower-case and followed by a space ("held at Tal
#: Safouk", "as Raqqa fell") they are English, not part of the name ("at-Tanf", "At Tanf").
_ENGLISH_ARTICLES = frozenset({"at", "as", "an", "ad"})


def _english_word_before(
    text: str, article_span: tuple[int, int], name_span: tuple[int, int]
) -> bool:
    word = text[article_span[0] : article_span[1]]
    return word in _ENGLISH_ARTICLES and text[article_span[1] : name_span[0]].isspace()


def _reason(written: str, place: Place) -> str:
    cf = " ".join(written.casefold().split())
    if cf == place.name.casefold():
        return "exact"
    if any(cf == a.casefold() for a in place.alt_names):
        return "alias"
    return "normalised"


def _relative(
    text: str, start: int, end: int, written: str, place: Place, cands: tuple[str, ...]
) -> Mention:
    reason = _reason(written, place)
    base_unc = max(place.precision_m / 1000.0, 0.1)
    imp = place.importance if place.importance in (1, 2, 3) else 1
    w0 = max(0, start - _WINDOW)
    window = text[w0:start]
    tail = window.rstrip().rsplit(None, 1)[-1].lower() if window.strip() else ""
    if tail and is_arabic(tail):
        rel = _arabic_relative(window, place, imp, base_unc)
        if rel is not None:
            relation, lon, lat, unc, pos, az, km = rel
            return Mention(
                start, end, written, place, reason, lon, lat, unc, relation, w0 + pos, az, km,
                cands,
            )  # fmt: skip
    if tail not in _TRIGGERS:
        return Mention(
            start,
            end,
            written,
            place,
            reason,
            place.lon,
            place.lat,
            base_unc,
            None,
            start,
            None,
            None,
            cands,
        )

    def mention(lon, lat, unc, relation=None, pstart=start, az=None, off=None) -> Mention:
        return Mention(
            start, end, written, place, reason, lon, lat, unc, relation, pstart, az, off, cands
        )

    low = window.lower()
    re_offset, re_distance, has_number = _distance_res()
    has_digit = has_number.search(window) is not None
    has_dir = _HAS_DIR.search(low) is not None
    m = re_offset.search(window) if has_digit else None
    if m:
        km = _km(m.group("dist"), m.group("unit"))
        az = _azimuth(m.group("dir"))
        if az is not None and km is not None:
            lon, lat = destination(place.lon, place.lat, az, km)
            unc = max(1.0, 0.2 * km + base_unc)
            return mention(lon, lat, unc, "offset", w0 + m.start(), az, km)
    m = re_distance.search(window) if has_digit else None
    if m:
        km = _km(m.group("dist"), m.group("unit"))
        if km is not None:
            return mention(
                place.lon, place.lat, km + base_unc, "distance", w0 + m.start(), None, km
            )
    m = _RE_OUTSKIRTS_DIR.search(window) if has_dir and tail == "of" else None
    if m:
        az = _azimuth(m.group("dir"))
        what = m.group("what").lower()
        table = _COUNTRYSIDE_KM if what == "countryside" else _OUTSKIRTS_KM
        km = table[imp]
        if az is not None:
            lon, lat = destination(place.lon, place.lat, az, km)
            return mention(lon, lat, km + base_unc, "outskirts", w0 + m.start(), az, km)
    m = _RE_DIRECTION.search(window) if has_dir and tail == "of" else None
    if m:
        az = _azimuth(m.group("dir"))
        mod = (m.group("mod") or "").strip().lower()
        km = _DIRECTION_KM[imp] * (
            0.5
            if mod in ("just", "immediately", "directly", "slightly")
            else 2.0
            if mod in ("far", "further")
            else 1.0
        )
        if az is not None:
            lon, lat = destination(place.lon, place.lat, az, km)
            return mention(lon, lat, km + base_unc, "direction", w0 + m.start(), az, km)
    m = _RE_OUTSKIRTS.search(window) if tail == "of" else None
    if m:
        what = m.group("what").lower()
        km = (_COUNTRYSIDE_KM if what == "countryside" else _OUTSKIRTS_KM)[imp]
        return mention(place.lon, place.lat, km + base_unc, "outskirts", w0 + m.start(), None, None)
    m = _RE_NEAR.search(window)
    if m:
        km = _NEAR_KM[imp]
        return mention(place.lon, place.lat, km + base_unc, "near", w0 + m.start(), None, None)
    return mention(place.lon, place.lat, base_unc)


def _number_words() -> dict[str, float]:
    """Spelled-out distances ("two", "a few", "a dozen") from ``extract_words.yaml``."""
    import yaml

    raw = yaml.safe_load((DATA_DIR / "extract_words.yaml").read_text("utf-8"))
    return {str(k).lower(): float(v) for k, v in (raw.get("number_words") or {}).items()}


# Arabic-script relative phrases ("20 كم جنوب غرب البوكمال", "شمال الموصل", "قرب التنف")
_AR_DIR = r"(?P<dir>(?:شمال|جنوب)ي?(?:\s*(?:ال)?(?:شرق|غرب)ي?)?|(?:شرق|غرب)ي?)"
_AR_AZ = {"شمال": 0.0, "جنوب": 180.0, "شرق": 90.0, "غرب": 270.0, "شمالشرق": 45.0,
          "شمالغرب": 315.0, "جنوبشرق": 135.0, "جنوبغرب": 225.0}  # fmt: skip
_AR_UNIT = r"(?:كم|كلم|كيلو\s*مترا?(?:ت)?|كيلومترا?(?:ت)?)"
_AR_DIST = r"(?P<dist>\d+(?:[.,\u066b]\d+)?)\s*" + _AR_UNIT + r"\s*"
_AR_TO = r"(?:(?:إلى|الى)\s+)?(?:ال)?"
_AR_OF = r"(?:\s+من)?\s*$"
_RE_AR_OFFSET = re.compile(_AR_DIST + _AR_TO + _AR_DIR + _AR_OF)
_RE_AR_DISTANCE = re.compile(r"(?:على\s+بعد\s+)?" + _AR_DIST + r"(?:من|عن)\s*$")
_RE_AR_DIRECTION = re.compile(_AR_TO + _AR_DIR + _AR_OF)
_RE_AR_OUTSKIRTS = re.compile(r"(?P<what>أطراف|اطراف|ضواحي|مشارف|أبواب|ريف)\s*$")
_RE_AR_NEAR = re.compile(r"(?:قرب|بالقرب\s+من|قريبا\s+من|في\s+محيط|محيط|حول)\s*$")


def _arabic_relative(window: str, place: Place, imp: int, base_unc: float):
    """Relative phrase in Arabic script before a name, as (relation, lon, lat, unc, pos, az, km)."""

    def az_of(word: str) -> float | None:
        w = re.sub(r"\s+", "", re.sub(r"(?:^|(?<=\s))ال", "", word))
        w = re.sub(r"ي(?=$|شرق|غرب)", "", w)
        return _AR_AZ.get(w)

    m = _RE_AR_OFFSET.search(window)
    if m:
        km = float(m.group("dist").replace(",", ".").replace("\u066b", "."))
        az = az_of(m.group("dir"))
        if az is not None:
            lon, lat = destination(place.lon, place.lat, az, km)
            return "offset", lon, lat, max(1.0, 0.2 * km + base_unc), m.start(), az, km
    m = _RE_AR_DISTANCE.search(window)
    if m:
        km = float(m.group("dist").replace(",", ".").replace("\u066b", "."))
        return "distance", place.lon, place.lat, km + base_unc, m.start(), None, km
    m = _RE_AR_DIRECTION.search(window)
    if m:
        az = az_of(m.group("dir"))
        if az is not None:
            km = _DIRECTION_KM[imp]
            lon, lat = destination(place.lon, place.lat, az, km)
            return "direction", lon, lat, km + base_unc, m.start(), az, km
    m = _RE_AR_OUTSKIRTS.search(window)
    if m:
        table = _COUNTRYSIDE_KM if m.group("what") == "ريف" else _OUTSKIRTS_KM
        km = table[imp]
        return "outskirts", place.lon, place.lat, km + base_unc, m.start(), None, None
    m = _RE_AR_NEAR.search(window)
    if m:
        km = _NEAR_KM[imp]
        return "near", place.lon, place.lat, km + base_unc, m.start(), None, None
    return None


def _km(dist: str, unit: str) -> float | None:
    word = " ".join(dist.lower().split())
    words = _number_words_cached()
    if word in words:
        value = words[word]
    else:
        try:
            value = float(dist.replace(",", "."))
        except ValueError:
            return None
    u = unit.lower()
    return value * 1.609344 if u.startswith("mi") else value


@functools.lru_cache(maxsize=1)
def _number_words_cached() -> dict[str, float]:
    return _number_words()


def _azimuth(word: str) -> float | None:
    w = re.sub(r"[\s-]", "", word.lower())
    return _AZ.get(w)
