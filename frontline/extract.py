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
  alternate names, for n-grams of words up to the longest name; a capitalised name of one to
  three words that no key matches is tried by its consonant skeleton
  (:func:`frontline.names.key_skeleton`: "Uqairabat" for "‘Uqayribāt", "Qomhana" for
  "Qamhana"): it counts only when the skeleton has at least four consonants, belongs to one
  place alone, and no word of the run is a common English word or a personal name
  (``reason="skeleton"``);
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
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from frontline.gazetteer import Gazetteer
from frontline.geo import azimuth_deg, destination, distance_km
from frontline.names import (
    DATA_DIR,
    is_arabic,
    is_article,
    key_skeleton,
    literal_key,
    split_words,
    token_key,
    tokens,
)
from frontline.places import Place
from frontline.relative import base_uncertainty, read_relative

__all__ = ["Mention", "extract_places"]

_JOIN_RE = re.compile(r"[ \t\u00a0\-\u2010\u2011\u2012\u2013'\u2019\u02bf\u02be`]*")


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
        ``exact``, ``alias``, ``normalised`` or ``skeleton`` (how the name matched: a
        ``skeleton`` match is a spelling whose consonant skeleton only one place's name has;
        never fuzzy).
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
    out = {k: frozenset(str(w).lower() for w in v) for k, v in raw.items()}
    out["english_or_given"] = out["english"] | out["given_names"]
    return out


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
    #: consonant skeleton of each key -> the places whose names have it, for spellings that
    #: no key matches ("Uqairabat" for "‘Uqayribāt")
    by_skeleton: dict[str, list[int]] = field(default_factory=dict)


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
    by_skeleton: dict[str, list[int]] = {}
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
                sk = key_skeleton(key) if p.curated or nm == p.name else ""
                if sk:  # GeoNames alternates are too many and too loose to spell-match
                    skl = by_skeleton.setdefault(sk, [])
                    if i not in skl:
                        skl.append(i)
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
        by_skeleton=by_skeleton,
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
    approx: set[int] = set()  # first words of the names found by their skeleton
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
            best = (
                _by_skeleton(i, n, raw, keys, article, joined, words, idx)
                if not is_arabic(first)
                else None
            )
            if best is not None:
                approx.add(i)
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
    out = _resolve(text, spans, raw, article, found, idx, approx)
    return _with_anchors(out) if anchors else out


def _by_skeleton(
    i: int, n: int, raw: list[str], keys: list[str], article: list[bool],
    joined: Any, words: dict[str, frozenset[str]], idx: _Index,
) -> tuple[int, list[int]] | None:  # fmt: skip
    """Return the longest name from word *i* that its consonant skeleton finds, or None.

    The name is one to three capitalised words whose skeleton belongs to one place alone;
    the result is ``(last word, [place index])``.
    """
    common = words["english_or_given"]
    p = i - 1 if i and article[i - 1] else i
    if p and joined(p - 1, p) and raw[p - 1][:1].isupper() and raw[p - 1].lower() not in common:
        return None  # "Abu Rashid", "Abdul Ameer Rasheed": a word of a longer name
    best = None
    parts: list[str] = []
    j = i
    while j < n and len(parts) < 3:
        if j > i and not joined(j - 1, j):
            break
        if article[j] and j > i:
            j += 1
            continue
        if not raw[j][:1].isupper() or raw[j].lower() in common or not keys[j]:
            break
        parts.append(keys[j])
        hit = idx.by_skeleton.get(key_skeleton(" ".join(parts)), [])
        curated = [c for c in hit if idx.places[c].curated]
        hit = curated or hit
        if len(hit) == 1:
            best = (j, hit)
        j += 1
    if best is None or best[0] + 1 >= n:
        return best
    after = raw[best[0] + 1]
    if after.lower() in words["not_after_place"] or (
        joined(best[0], best[0] + 1) and after[:1].isupper() and after.lower() not in common
    ):
        return None  # "al-Karbouli said", "Salahudin province", "Rasheed Yarallah"
    return best


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
        after = raw[nxt].lower()
        if after in words["organisations"]:
            return []  # "Amman Stock Exchange", "Homs Cement"
        if common and after not in words["time_words"]:
            return []  # "Ana Club", "Hit Songs": part of another proper name
        if after not in words["english_or_given"] and after not in words["time_words"]:
            # "Shaaba Harfoush hilltops": a longer name the gazetteer lacks (a GeoNames "Shaaba"
            # is not it); curated places keep their own words ("Mosul Dam")
            cands = [c for c in cands if idx.places[c].curated]
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


def _resolve(text, spans, raw, article, found, idx: _Index, approx: set[int]) -> list[Mention]:
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
    distinct = set(anchors)
    out: list[Mention] = []
    for i, last, cands in found:
        oc = ordered(cands)
        choice = oc[0]
        if len(oc) > 1 and centre is not None:
            top = [c for c in oc if idx.places[c].curated == idx.places[oc[0]].curated]
            if len(top) > 1:
                d = (idx.lon[top] - centre[0]) ** 2 + (idx.lat[top] - centre[1]) ** 2
                choice = top[int(np.argmin(d))]
        written = text[spans[i][0] : spans[last][1]]
        choice = _city_meant(written, choice, oc, idx)
        choice = _country_meant(written, choice, oc, idx, distinct)
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
        ids = tuple(idx.places[c].id for c in oc)
        reason = "skeleton" if i in approx else _reason(written, place)
        out.append(_relative(text, start, end, written, place, ids, reason))
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
    text: str, start: int, end: int, written: str, place: Place, cands: tuple[str, ...],
    reason: str,
) -> Mention:  # fmt: skip
    r = read_relative(text, start, place)
    if r is None:
        return Mention(
            start, end, written, place, reason, place.lon, place.lat, base_uncertainty(place),
            None, start, None, None, cands,
        )  # fmt: skip
    return Mention(
        start, end, written, place, reason, r.lon, r.lat, r.uncertainty_km, r.relation,
        r.phrase_start, r.azimuth, r.offset_km, cands,
    )  # fmt: skip


def _written_as(written: str, place: Place) -> bool:
    """Whether *place* has a name spelt as *written*.

    A name qualified in brackets does not count: "al-Hama (Damascus)" says that the bare
    "Hama" usually means another place.
    """
    key = literal_key(written)
    return any(literal_key(n) == key for n in place.names if "(" not in n)


def _country_meant(
    written: str, choice: int, cands: list[int], idx: _Index, anchors: set[int]
) -> int:
    """Return the place a name means when places of several countries share it.

    The other places a report names unambiguously tell which country it is about: "the town
    of Sinjar" in a report that names only Syrian places is the Syrian Sinjar, not Iraq's. A
    candidate of that country spelt as written wins when at least two of those places (other
    than the ones this name may mean) are in it and more than half of them.
    """
    home = idx.places[choice].country
    if len(cands) < 2 or all(idx.places[c].country == home for c in cands):
        return choice
    own = set(cands)
    countries = Counter(idx.places[a].country for a in anchors if a not in own)
    if not countries:
        return choice
    country, n = countries.most_common(1)[0]
    if country == home or n < 2 or 2 * n <= sum(countries.values()):
        return choice
    there = [
        c for c in cands if idx.places[c].country == country and _written_as(written, idx.places[c])
    ]  # fmt: skip
    return min(there, key=lambda c: idx.rank[c]) if there else choice


def _city_meant(written: str, choice: int, cands: list[int], idx: _Index) -> int:
    """Return the place a name means when a small place and a bigger one share it.

    "Hama" is the city Hama, not the village the gazetteer lists as "al-Hama (Damascus)": when
    the chosen place is not spelt as written and a more important candidate is, the more
    important one is meant (the chosen one is kept when it is spelt so: "Al-Hameh"). So is
    one as important: "Sloviansk" is the city spelt so, not the city of the same size whose
    alternate names have "Slov'iansk".
    """
    p = idx.places[choice]
    if len(cands) < 2 or _written_as(written, p):
        return choice
    bigger = [
        c for c in cands
        if idx.places[c].importance >= p.importance and _written_as(written, idx.places[c])
    ]  # fmt: skip
    return max(bigger, key=lambda c: idx.places[c].importance) if bigger else choice
