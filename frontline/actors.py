"""Who acts in a report: faction names from the registry, generic words, and the phrase lists.

:func:`find_actors` finds every faction a text names: the registry's names and aliases
("Iraqi Army", "Hashd al-Sha'abi", "ISIS", "داعش", "قسد"; short all-capital aliases such as
"IS" or "SDF" only in capitals) and the generic words of ``frontline/data/observe.yaml``
("the army", "militants", "قوات النظام"), which name a faction only once the country is
known (the army near Akashat is the Iraqi army). :func:`lexicon` compiles the phrase lists
(triggers, targets, negations …) of the same file. Patterns run on the text folded by
:func:`frontline.reports.fold_arabic`, so offsets are offsets into the report.
"""

from __future__ import annotations

import bisect
import functools
import re
import weakref
from dataclasses import dataclass, field
from typing import Any

from frontline.errors import UnknownFactionError
from frontline.factions import FactionRegistry
from frontline.names import DATA_DIR
from frontline.reports import fold_arabic

__all__ = ["ActorMention", "Lexicon", "find_actors", "lexicon", "script_of"]

_AR_LETTER = re.compile(r"[\u0600-\u06ff]")
#: optional Arabic prefixes before a name ("وقوات", "بالجيش", "لقوات", "للجيش")
_AR_PREFIX = r"(?:و|ف|ب|ل|وب|ول|فب|فل)?"
_DIACRITICS = "[\u064b-\u0652\u0670]*"


@dataclass(frozen=True)
class ActorMention:
    """A faction named in a text.

    Attributes
    ----------
    start, end : int
        Offsets in the text.
    text : str
        As written.
    faction : str or None
        The faction id when the name says it on its own (a registry name or alias).
    by_country : dict
        For generic words: country (ISO2, or ``*``) -> faction id.
    """

    start: int
    end: int
    text: str
    faction: str | None
    by_country: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def generic(self) -> bool:
        """True for a generic word ("the army"), whose faction depends on the country."""
        return self.faction is None

    def resolve(self, country: str | None) -> str | None:
        """Return the faction meant in *country* (ISO2): the name's own, else the generic one."""
        if self.faction is not None:
            return self.faction
        if country and country in self.by_country:
            return self.by_country[country]
        return self.by_country.get("*")

    def named(self) -> str | None:
        """Return the faction the words name wherever they stand, or None.

        That is the name's own faction, or for a generic word that one country's table alone
        lists ("Iraqi forces", "militants" in the table for every country) its faction. Words
        several countries' tables share ("troops", "the army") name no faction until a country
        is known (:meth:`resolve`).
        """
        if self.faction is not None:
            return self.faction
        return next(iter(self.by_country.values())) if len(self.by_country) == 1 else None


@dataclass(frozen=True)
class Lexicon:
    """The compiled phrase lists of ``observe.yaml``.

    ``triggers`` maps a kind (``capture``, ``passive``, ``expel``, ``cede``, ``hold``,
    ``held_by``, ``stronghold``, ``contest``, ``besiege``, ``repel``) to one regex; the
    others are one regex each.
    """

    triggers: dict[str, re.Pattern[str]]
    targets: re.Pattern[str]
    negation: re.Pattern[str]
    success: re.Pattern[str]
    modal: re.Pattern[str]
    attribution: re.Pattern[str]
    vague: re.Pattern[str]
    not_places: re.Pattern[str]
    region_before: re.Pattern[str]
    region_after: re.Pattern[str]
    #: words after a city's name (or "the X") that name the region called after it
    region_after_city: re.Pattern[str]
    generic: list[tuple[str, str, str, re.Pattern[str]]]  # (country, lang, alias, regex)
    #: gazetteer kind -> (words right after a name, words right before it): "X border post"
    facilities: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = field(default_factory=dict)
    facility_km: float = 15.0
    #: facility kind -> the gazetteer kinds that it covers ("airbase": also "military_base")
    facility_kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: words that say a place was given up without a fight ("after the Peshmerga withdrew")
    unopposed: re.Pattern[str] = re.compile(r"(?!x)x")
    #: words that say the place's new holder raised its flag ("entered X and raised the flag")
    flag: re.Pattern[str] = re.compile(r"(?!x)x")
    #: words that put a "held" claim in the past ("كانت", "had held"): no claim on the state now
    past: re.Pattern[str] = re.compile(r"(?!x)x")
    #: country -> (factions holding ground there, {faction: who holds what it takes there})
    holders: dict[str, tuple[tuple[str, ...], dict[str, str]]] = field(default_factory=dict)
    #: liberation verbs, and the factions never taken from the context as their subject
    liberation: tuple[re.Pattern[str], tuple[str, ...]] = (re.compile(r"(?!x)x"), ())
    #: words that deny a claim ("denied", "نفى"): an attributed claim beside one is dropped
    denial: re.Pattern[str] = re.compile(r"(?!x)x")
    #: words for the hills around a town ("outskirts of X") and the gazetteer's prefix for
    #: them ("Juroud X")
    highlands: tuple[re.Pattern[str], tuple[str, ...]] = (re.compile(r"(?!x)x"), ())


def _alt(patterns: list[str], arabic: bool, marks: bool = False) -> str:
    if arabic:
        folded = [fold_arabic(p) for p in patterns]
        # "للتنظيم": ل + التنظيم with the article's alif dropped
        folded += ["لل" + p[2:] for p in folded if p.startswith("ال") and len(p) > 4]
        folded = sorted(folded, key=len, reverse=True)
        return "|".join(_with_marks(p) for p in folded) if marks else "|".join(folded)
    return "|".join(patterns)


_MARKS = "[\u064b-\u0652\u0670]*"


def _with_marks(pattern: str) -> str:
    """Let Arabic diacritics stand after every Arabic letter of *pattern* ("يُسيطر").

    The marks go after the letter's quantifier, if any; letters inside a character class are
    left alone.
    """
    out: list[str] = []
    k, n, in_class = 0, len(pattern), False
    while k < n:
        c = pattern[k]
        out.append(c)
        k += 1
        if c == "\\" and k < n:
            out.append(pattern[k])
            k += 1
            continue
        if in_class:
            in_class = c != "]"
            continue
        if c == "[":
            in_class = True
            continue
        if _AR_LETTER.match(c):
            if k < n and pattern[k] in "?*+":
                out.append(pattern[k])
                k += 1
            elif k < n and pattern[k] == "{":
                close = pattern.find("}", k)
                out.append(pattern[k : close + 1])
                k = close + 1
            out.append(_MARKS)
    return "".join(out)


def _compile(raw: Any, script: str = "both") -> re.Pattern[str]:
    """One regex from a list or an ``{en: [...], ar: [...]}`` mapping of patterns.

    *script* ``"en"`` or ``"ar"`` keeps only the patterns of that script (a text without
    Arabic letters cannot match an Arabic pattern, and the other way round).
    """
    if isinstance(raw, dict):
        en = raw.get("en") or []
        ar = raw.get("ar") or []
    else:
        en = [p for p in raw if not _AR_LETTER.search(p)]
        ar = [p for p in raw if _AR_LETTER.search(p)]
    marks = script.endswith("+marks")
    script = script.removesuffix("+marks")
    if script == "en":
        ar = []
    elif script == "ar":
        en = []
    parts = []
    en = sorted(en, key=len, reverse=True)  # the longest phrase first ("seized control of")
    ar = sorted(ar, key=len, reverse=True)
    if en:
        parts.append(r"(?<![\w])(?:" + _alt(en, False) + r")(?![\w])")
    if ar:
        parts.append(r"(?<![\w])" + _AR_PREFIX + r"(?:" + _alt(ar, True, marks) + r")(?![\w])")
    if not parts:
        return re.compile(r"(?!x)x")
    return re.compile("|".join(parts), re.IGNORECASE)


def _edge(words: list[str], after: bool) -> re.Pattern[str]:
    """Words right after a name (anchored at the start) or right before it (at the end)."""
    if not words:
        return re.compile(r"(?!x)x")
    if after:
        # "the Tabqa dam", "Tal Afar's airport"
        return re.compile(
            r"(?:['’]s)?[\s\"'”»]*(?:" + _alt(words, False) + r")(?![\w])", re.IGNORECASE
        )
    return re.compile(
        r"(?<![\w])" + _AR_PREFIX + r"(?P<word>" + _alt(words, True) + r")\s*[\"«“]?\s*$",
        re.IGNORECASE,
    )  # "منفذ القائم", "the military airport of Deir al-Zour"


def script_of(text: str) -> str:
    """``"ar"`` for a text without Latin letters, ``"en"`` for one without Arabic, else ``"both"``.

    The script to pass to :func:`lexicon`: patterns of a script the text lacks are not run.
    ``"+marks"`` is added when the Arabic has diacritics ("يُسيطر"): the Arabic patterns then
    allow them after every letter.
    """
    if _AR_LETTER.search(text) is None:
        return "en"
    script = "both" if re.search(r"[A-Za-z]", text) else "ar"
    return script + "+marks" if re.search("[\u064b-\u0652\u0670]", text) else script


@functools.lru_cache(maxsize=8)
def lexicon(script: str = "both") -> Lexicon:
    """Return the phrase lists of ``frontline/data/observe.yaml``, compiled (once per script).

    Parameters
    ----------
    script : {"both", "en", "ar"}, optional ``"+marks"``
        Keep only the English or the Arabic patterns (for a text in one script, see
        :func:`script_of`); ``"both"`` keeps all; ``"+marks"``: Arabic diacritics allowed.

    Examples
    --------
    >>> bool(lexicon().triggers["capture"].search("Iraqi forces retook Anah"))
    True
    """
    raw = _observe_yaml()
    generic: list[tuple[str, str, str, re.Pattern[str]]] = []
    for country, langs in (raw.get("generic_actors") or {}).items():
        for lang, table in (langs or {}).items():
            for _fid, (alias, spec) in table.items():
                rx = _compile({lang: spec["words"]})  # all scripts: find_actors picks
                generic.append((str(country), str(lang), str(alias), rx))
    region = raw.get("region_words") or {}
    hl_words = [str(w) for w in (raw.get("highlands") or {}).get("words") or ()] + ["(?!x)x"]
    before = region.get("before") or []
    return Lexicon(
        triggers={k: _compile(v, script) for k, v in raw["triggers"].items()},
        targets=_compile(raw["targets"], script),
        negation=_compile(raw["negation"], script),
        modal=_compile(raw.get("modal") or [], script),
        success=_compile(raw.get("success") or [], script),
        attribution=_compile(raw["attribution"], script),
        vague=_compile(raw["vague"], script),
        not_places=_compile(raw.get("not_places") or [], script),
        region_before=re.compile(
            r"(?:" + _alt(before, True) + r")\s*(?:ال)?(?:\s*(?:of|the)\s+)*$", re.IGNORECASE
        ),
        region_after=re.compile(
            r"^\s*(?:" + _alt(region.get("after") or [], False) + r")(?![\w])", re.IGNORECASE
        ),
        region_after_city=re.compile(
            r"^\s*(?:" + _alt(region.get("after_city") or [r"(?!x)x"], False) + r")(?![\w])",
            re.IGNORECASE,
        ),
        past=_compile(raw.get("past") or [], script),
        liberation=(
            _compile(
                {k: v for k, v in (raw.get("liberation") or {}).items() if k in ("en", "ar")},
                script,
            ),
            tuple(map(str, (raw.get("liberation") or {}).get("not_by") or ())),
        ),
        holders={
            str(c): (tuple(map(str, v.get("factions") or ())), dict(v.get("stand_in") or {}))
            for c, v in (raw.get("holders") or {}).items()
        },
        generic=generic,
        facilities={
            str(kind): (
                _edge(w.get("after") or [], after=True),
                _edge(w.get("before") or [], after=False),
            )
            for kind, w in ((raw.get("facilities") or {}).get("kinds") or {}).items()
        },
        facility_km=float((raw.get("facilities") or {}).get("km", 15.0)),
        facility_kinds={
            str(kind): (str(kind), *map(str, w.get("also") or ()))
            for kind, w in ((raw.get("facilities") or {}).get("kinds") or {}).items()
        },
        highlands=(
            # "the hills of X" (English), "تلال X" (Arabic: a construct, no word for "of")
            re.compile(
                r"(?<![\w])(?:(?:"
                + "|".join(w for w in hl_words if not _AR_LETTER.search(w))
                + r")\s+(?:of|around|surrounding)\s+(?:the\s+)?"
                + r"(?:(?:(?:\w+ern|border|nearby|neighbou?ring|two)\s+)*"
                + r"(?:towns?|city|cities|villages?)\s+of\s+)?"
                + r"|"
                + _AR_PREFIX
                + r"(?:"
                + "|".join(w for w in hl_words if _AR_LETTER.search(w))
                + r")\s+(?:(?:مدينة|بلدة|قرية)\s+)?)$",
                re.IGNORECASE,
            ),
            tuple(map(str, (raw.get("highlands") or {}).get("prefixes") or ())),
        ),
        denial=_compile(raw.get("denial") or [], script),
        unopposed=_compile(raw.get("unopposed") or [], script),
        flag=_compile(raw.get("flag") or [], script),
    )


@functools.lru_cache(maxsize=1)
def _observe_yaml() -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it
    return yaml.load((DATA_DIR / "observe.yaml").read_text("utf-8"), Loader=loader)  # noqa: S506


@dataclass
class _Names:
    sensitive: re.Pattern[str] | None
    insensitive: re.Pattern[str] | None
    arabic: re.Pattern[str] | None
    by_text: dict[str, str]
    generic: list[tuple[str, re.Pattern[str], str]]  # (country, regex, faction id)


_NAMES: weakref.WeakKeyDictionary[FactionRegistry, _Names] = weakref.WeakKeyDictionary()


def _names_for(registry: FactionRegistry) -> _Names:
    cached = _NAMES.get(registry)
    if cached is not None:
        return cached
    sensitive: list[str] = []
    insensitive: list[str] = []
    arabic_names: list[str] = []
    by_text: dict[str, str] = {}
    for f in registry:
        for name in dict.fromkeys((f.name, f.short_name, *f.aliases)):
            if not name or len(name) < 2:
                continue
            key = _fold_key(name)
            if key in by_text:
                continue
            by_text[key] = f.id
            if name.isupper() and len(name) <= 5:
                sensitive.append(name)
                if len(name) >= 4 and name.isalpha():  # "Isis", "Isil" (not "Is")
                    sensitive.append(name.capitalize())
            elif _AR_LETTER.search(name):
                arabic_names.append(fold_arabic(name))
            else:
                insensitive.append(name)
    generic: list[tuple[str, re.Pattern[str], str]] = []
    for country, _lang, alias, rx in lexicon().generic:
        try:
            fid = registry.get(alias).id
        except UnknownFactionError:
            continue
        generic.append((country, rx, fid))

    names = _Names(
        _latin_regex(sensitive, False), _latin_regex(insensitive, True),
        _arabic_regex(arabic_names), by_text, generic,
    )  # fmt: skip
    _NAMES[registry] = names
    return names


def _arabic_regex(names: list[str]) -> re.Pattern[str] | None:
    """One regex for many Arabic names, as a letter trie (one scan, few branches per letter).

    Diacritics may stand between letters, a prefix (و ف ب ل …) before a name, and "لل" for
    "ل" + a name's article ("للجيش"). The longest name wins.
    """
    if not names:
        return None
    whole: dict[str, Any] = {}
    rest: dict[str, Any] = {}  # names after their article "ال", for "لل…"
    for name in names:
        atoms = list(re.sub(r"\s+", " ", name.strip()))
        _trie_add(whole, atoms)
        if name.startswith("ال"):
            _trie_add(rest, atoms[2:])
    body = _trie_regex(whole, top=True)
    tail = _trie_regex(rest, top=True)
    return re.compile(r"(?<![\w])(?:" + _AR_PREFIX + body + r"|لل" + tail + r")(?![\w])")


def _trie_add(node: dict[str, Any], atoms: list[str]) -> None:
    for a in atoms:
        node = node.setdefault(a, {})
    node[""] = {}  # a name ends here


def _trie_regex(
    node: dict[str, Any], top: bool = False, between: str = _DIACRITICS, latin: bool = False
) -> str:
    """Return the regex of a trie node: its children, then the end where a name ends.

    *between*: what may stand between two letters (Arabic diacritics); *latin*: a space is
    a run of spaces or hyphens and an apostrophe is optional ("Sha'abi", "Shaabi").
    """
    alts = []
    for atom, child in sorted(node.items()):
        if atom == "":
            continue
        sub = _trie_regex(child, False, between, latin)
        if atom == " ":
            rx = r"[\s\-]+" if latin else r"\s+"
        elif latin and atom == "'":
            rx = "['’`]?"
        else:
            rx = re.escape(atom)
        alts.append(rx + sub)
    if not alts:
        return ""
    inner = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    inner = inner if top else between + inner
    return "(?:" + inner + ")?" if "" in node else ("(?:" + inner + ")" if not top else inner)


def _latin_regex(names: list[str], insensitive: bool) -> re.Pattern[str] | None:
    """One regex for many Latin-script names, as a letter trie; only at a word start.

    Words may be joined by spaces or hyphens, apostrophes may be left out, and an English
    plural or possessive may follow ("SDF's"). The longest name wins.
    """
    if not names:
        return None
    trie: dict[str, Any] = {}
    first: set[str] = set()
    for name in names:
        words = [w for w in re.split(r"[\s\-]+", name.strip()) if w]
        text = " ".join(words)
        atoms = ["'" if c in "'’`" else (c.lower() if insensitive else c) for c in text]
        _trie_add(trie, atoms)
        first.update((atoms[0].lower(), atoms[0].upper()) if insensitive else (atoms[0],))
    body = _trie_regex(trie, top=True, between="", latin=True)
    cls = "".join(re.escape(c) for c in sorted(first))
    flags = re.IGNORECASE if insensitive else 0
    return re.compile(r"(?<![\w])(?=[" + cls + r"])(?:" + body + r")(?:['’]s|s)?(?![\w])", flags)


def _fold_key(name: str) -> str:
    folded = fold_arabic(name).casefold()
    folded = re.sub(r"['’`]", "", folded)
    return " ".join(re.split(r"[\s\-]+", folded))


def find_actors(
    text: str, registry: FactionRegistry, folded: str | None = None
) -> list[ActorMention]:
    """Every faction named in *text*, in text order, without overlaps.

    Parameters
    ----------
    text : str
        The report.
    registry : FactionRegistry
        Names and aliases of the factions; generic words map to aliases it knows.
    folded : str, optional
        ``fold_arabic(text)``, when already computed.

    Returns
    -------
    list of ActorMention
        Registry names win over generic words on the same words.

    Examples
    --------
    >>> from frontline.factions import FactionRegistry
    >>> reg = FactionRegistry.load()
    >>> [(a.text, a.faction) for a in find_actors("IS fighters fled; ISIS lost Anah.", reg)]
    [('IS', 'isis'), ('ISIS', 'isis')]
    """
    names = _names_for(registry)
    f = folded if folded is not None else fold_arabic(text)
    spans: list[tuple[int, int, str | None, dict[str, str]]] = []
    has_ar = _AR_LETTER.search(f) is not None
    has_latin = re.search(r"[A-Za-z]", f) is not None
    for rx, run in (
        (names.sensitive, has_latin),
        (names.insensitive, has_latin),
        (names.arabic, has_ar),
    ):
        if rx is None or not run:
            continue
        for m in rx.finditer(f):
            word = re.sub(r"(?<=[A-Z])s$|['’]s$", "", text[m.start() : m.end()])
            fid = _lookup(names.by_text, word)
            if fid is not None:
                spans.append((m.start(), m.end(), fid, {}))
    named = sorted((s, e) for s, e, _fid, _t in spans)
    starts = [s for s, _e in named]
    for country, rx, fid in names.generic:
        if not (has_ar if _AR_LETTER.search(rx.pattern) else has_latin):
            continue
        for m in rx.finditer(f):
            k = bisect.bisect_left(starts, m.end())  # registry names starting before its end
            if k and any(e > m.start() for _s, e in named[max(0, k - 3) : k]):
                continue  # "قوات الجيش السوري": the registry's "الجيش السوري", not "قوات الجيش"
            spans.append((m.start(), m.end(), None, {country: fid}))
    spans.sort(key=lambda s: (s[0], s[2] is None, -(s[1] - s[0])))
    out: list[ActorMention] = []
    for s, e, fid, table in spans:
        if _OPPONENT_OF.search(f, max(0, s - 9), s):
            continue  # "anti-terrorist units", "counter-ISIS forces": their opponents, not them
        if _SOURCES_BEFORE.search(f, max(0, s - 12), s) or _SOURCES_AFTER.match(f, e):
            continue  # "opposition sources", "مصادر معارضة": who speaks, not who acts
        if _NEIGHBOUR_BEFORE.search(f, max(0, s - 40), s):
            continue  # "border posts with Jordan", "which borders Turkey": a neighbour, no actor
        if out and s < out[-1].end:
            prev = out[-1]
            if fid is None and prev.faction is None and (s, e) == (prev.start, prev.end):
                prev.by_country.update(table)  # the same generic words in another country
            continue
        out.append(ActorMention(s, e, text[s:e], fid, dict(table)))
    return _the_group(out)


#: a bare "the group" is an anaphor: the group named last before it ("Mansour of the SDF said
#: the field came under full control of the group"); the generic word when the last faction
#: named is a state's forces ("Iraqi forces … the group's last stronghold") or none is named
_BARE_GROUP = re.compile(r"the\s+group(?:['’]s)?", re.IGNORECASE)
_STATE_FORCES = re.compile(
    r"\b(?:forces|army|troops|military|government|police|soldiers|units)\b", re.IGNORECASE
)
_GROUP_REACH = 300


def _the_group(found: list[ActorMention]) -> list[ActorMention]:
    out: list[ActorMention] = []
    last: ActorMention | None = None
    for a in found:
        if a.faction is not None:
            last = None if _STATE_FORCES.search(a.text) else a
        elif (
            last is not None
            and a.start - last.end <= _GROUP_REACH
            and _BARE_GROUP.fullmatch(a.text)
        ):
            a = ActorMention(a.start, a.end, a.text, last.faction)
        out.append(a)
    return out


#: a faction word that says whose sources, media or activists speak: "opposition sources",
#: "pro-government media", "مصادر معارضة", "وسائل إعلام النظام", "ناشطون معارضون"
_SOURCES_BEFORE = re.compile(
    r"(?<![\w])(?:مصادر|مصدر|اعلام|وسائل\s+اعلام|ناشطون|ناشطين|مواقع|صفحات)\s+$", re.IGNORECASE
)
_SOURCES_AFTER = re.compile(
    r"(?:-(?:linked|affiliated|run|backed)\s+|\s+)?(?:sources?|media|activists?|websites?|"
    r"outlets?|news\s+agenc(?:y|ies)|channels?|monitors?)\b",
    re.IGNORECASE,
)

#: a country named as what a border or crossing is shared with: "border posts with Jordan",
#: "the only crossing with Jordan", "which borders Turkey", "الحدود مع الاردن"
_NEIGHBOUR_BEFORE = re.compile(
    r"(?:\b(?:borders?|frontiers?|crossings?|posts?|boundary)\s+(?:\w+\s+)?with\s+(?:the\s+)?"
    r"|\b(?:borders|bordering|bordered\s+by)\s+(?:the\s+)?"
    r"|(?<![\w])(?:ال)?(?:حدود|حدوديه?|منفذ|معبر)\s+(?:ال\S+\s+)?مع\s+)$",
    re.IGNORECASE,
)

#: "anti-", "counter-" right before a name: the compound names the opponents of that faction
_OPPONENT_OF = re.compile(r"(?<![\w])(?:anti|counter)[-\s]?$", re.IGNORECASE)


def _lookup(by_text: dict[str, str], word: str) -> str | None:
    key = _fold_key(word)
    tries = [key] + [key[n:] for n in (1, 2) if len(key) > n + 2]
    tries += ["ال" + k[2:] for k in tries if k.startswith("لل")]
    for k in tries:
        if k in by_text:
            return by_text[k]
    squashed = key.replace(" ", "")
    for k, fid in by_text.items():
        if k.replace(" ", "") == squashed:
            return fid
    return None
