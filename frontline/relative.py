"""Relative phrases before a place name: the derived point they mean.

:func:`read_relative` reads the words right before a place name ("12 km north of",
"the western outskirts of", "near", "20 كم جنوب غرب", "ريف") and returns the point they
mean with an uncertainty radius (:class:`Relative`); :mod:`frontline.extract` attaches it
to a place mention. The distances by a place's importance are defaults, not facts: a city's
"west of" is 20 km away, a town's 10, a village's 5; "outskirts" 5, 3, 2; "near" 15, 10, 5;
"countryside" 25, 15, 10.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from frontline.geo import destination
from frontline.names import DATA_DIR, is_arabic
from frontline.places import Place

__all__ = ["Relative", "base_uncertainty", "read_relative"]


@dataclass(frozen=True)
class Relative:
    """The point a relative phrase means.

    Attributes
    ----------
    relation : str
        ``offset``, ``distance``, ``direction``, ``outskirts`` or ``near``.
    lon, lat : float
        The derived point.
    uncertainty_km : float
        Its radius.
    phrase_start : int
        Where the phrase starts in the text.
    azimuth : float or None
        Bearing from the place, degrees.
    offset_km : float or None
        Distance from the place.
    """

    relation: str
    lon: float
    lat: float
    uncertainty_km: float
    phrase_start: int
    azimuth: float | None
    offset_km: float | None


def base_uncertainty(place: Place) -> float:
    """Return a place's own uncertainty radius in km (its precision, at least 100 m)."""
    return max(place.precision_m / 1000.0, 0.1)


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
    r"|district|outpost|camp)\s+of\s+|(?:(?:Syrian|Iraqi|provincial|regional)\s+)?capital\s+)?$"
)  # "west of the town of X", "south of the capital Damascus"


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
    # "12 km from X", "within 5 km (3 miles) of X": near X, not X
    distance = re.compile(
        r"(?:(?P<within>(?:to\s+)?within)\s+|"
        + _APPROX
        + ")"
        + dist
        + r"\s*-?\s*"
        + _UNIT
        + r"\.?\s*(?:\([^)]{0,30}\)\s*)?(?:away\s+)?(?:from|outside|(?(within)of|(?!)))"
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
#: last words of a phrase that ends in "of" ("west of the town of", "south of the capital")
_OF_TAILS = frozenset({"of", "capital"})
_TRIGGERS = frozenset(
    {"of", "near", "to", "around", "outside", "nearby", "approaching", "from", "the", "capital"}
)

_NEAR_KM = {3: 15.0, 2: 10.0, 1: 5.0}
_DIRECTION_KM = {3: 20.0, 2: 10.0, 1: 5.0}
_OUTSKIRTS_KM = {3: 5.0, 2: 3.0, 1: 2.0}
_COUNTRYSIDE_KM = {3: 25.0, 2: 15.0, 1: 10.0}


def read_relative(text: str, start: int, place: Place) -> Relative | None:
    """Read the relative phrase right before a place name at *start*, if any.

    Parameters
    ----------
    text : str
        The text.
    start : int
        Offset of the place name in *text*.
    place : Place
        The place the name stands for (its importance sets the default distances).

    Returns
    -------
    Relative or None
        The derived point, or None when no relative phrase stands before the name.

    Examples
    --------
    >>> from frontline.places import Place
    >>> mosul = Place("mosul", "Mosul", (), "city", "IQ", 36.335, 43.119, 3000, "s", None, 3)
    >>> r = read_relative("Troops moved 12 km north of Mosul", 28, mosul)
    >>> (r.relation, r.azimuth, r.offset_km, r.phrase_start)
    ('offset', 0.0, 12.0, 13)
    """
    base_unc = base_uncertainty(place)
    imp = place.importance if place.importance in (1, 2, 3) else 1
    w0 = max(0, start - _WINDOW)
    window = text[w0:start]
    tail = window.rstrip().rsplit(None, 1)[-1].lower() if window.strip() else ""
    if tail and is_arabic(tail):
        rel = _arabic_relative(window, place, imp, base_unc)
        if rel is not None:
            relation, lon, lat, unc, pos, az, km = rel
            return Relative(relation, lon, lat, unc, w0 + pos, az, km)
    if tail not in _TRIGGERS:
        return None

    def mention(lon, lat, unc, relation=None, pstart=start, az=None, off=None) -> Relative:
        return Relative(relation, lon, lat, unc, pstart, az, off)

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
    m = _RE_OUTSKIRTS_DIR.search(window) if has_dir and tail in _OF_TAILS else None
    if m:
        az = _azimuth(m.group("dir"))
        what = m.group("what").lower()
        table = _COUNTRYSIDE_KM if what == "countryside" else _OUTSKIRTS_KM
        km = table[imp]
        if az is not None:
            lon, lat = destination(place.lon, place.lat, az, km)
            return mention(lon, lat, km + base_unc, "outskirts", w0 + m.start(), az, km)
    m = _RE_DIRECTION.search(window) if has_dir and tail in _OF_TAILS else None
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
    m = _RE_OUTSKIRTS.search(window) if tail in _OF_TAILS else None
    if m:
        what = m.group("what").lower()
        km = (_COUNTRYSIDE_KM if what == "countryside" else _OUTSKIRTS_KM)[imp]
        return mention(place.lon, place.lat, km + base_unc, "outskirts", w0 + m.start(), None, None)
    m = _RE_NEAR.search(window)
    if m:
        km = _NEAR_KM[imp]
        return mention(place.lon, place.lat, km + base_unc, "near", w0 + m.start(), None, None)
    return None


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
#: "أطراف X", "جرود X" (the barrens of X), "تلال X" (the hills of X): ground around X
_RE_AR_OUTSKIRTS = re.compile(
    r"(?P<what>أطراف|اطراف|ضواحي|مشارف|أبواب|ريف|جرود|تلال|جبال|مرتفعات)\s*$"
)
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
