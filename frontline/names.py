"""Transliteration-aware normalisation of place names (rules as data).

Arabic place names reach English text in many spellings: *Al-Qa'im*, *Al Qaim*, *Qaim*,
*al-Qāʾim*; *Deir ez-Zor*, *Dayr az-Zawr*; *Tal Afar*, *Tell Afar*, *Tall ʿAfar*. The
functions here fold those variants onto one comparison key so that a dictionary lookup
finds them, and fuzzy matching (rapidfuzz) only has to bridge what the rules miss.

The rules live in ``frontline/data/transliteration.yaml`` (articles, token synonyms,
ordered regular expressions, Arabic-script letter folding); see the comments there.

Normalisation is *compositional*: the key of a name is the space-joined keys of its
tokens (articles dropped), so text extraction can normalise each word once and build
n-gram keys by joining them (:func:`token_key`, :func:`tokens`).

Examples
--------
>>> normalise("Al-Qa'im") == normalise("al Qaim") == normalise("Qāʾim")
True
>>> normalise("Tell Abyad") == normalise("Tal Abyad")
True
>>> normalise("البوكمال")
'بوكمال'
>>> normalise("Покровськ") == normalise("Pokrovsk") == normalise("Pokrowsk")
True
>>> normalise("Kropyvnytskyy") == normalise("Kropyvnytskyi") == normalise("Kropivnitskij")
True
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DATA_DIR",
    "casefold_name",
    "clear_caches",
    "is_arabic",
    "is_cyrillic",
    "is_article",
    "keys",
    "normalise",
    "normalize",
    "rules_version",
    "key_skeleton",
    "literal_key",
    "skeleton",
    "split_words",
    "token_key",
    "tokens",
]

#: folder of the package's rule files
DATA_DIR = Path(__file__).resolve().parent / "data"

_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_CYRILLIC_WORD_RE = re.compile(r"[\u0400-\u04ff]+")
_ARABIC_RE = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
#: words: runs of letters/digits (Unicode), joined by in-word apostrophes of any kind
_WORD_RE = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class _Rules:
    strip: dict[int, None]
    char_map: dict[int, str]
    articles: frozenset[str]
    token_map_raw: dict[str, str]
    rules: tuple[tuple[re.Pattern[str] | str, str], ...]
    apply: Callable[[str], str]
    token_map: dict[str, str]
    prefix_joins: dict[str, tuple[str, ...]]
    glued_articles: tuple[str, ...]
    glued_min_stem: int
    arabic_strip: dict[int, None]
    arabic_char_map: dict[int, str]
    arabic_prefixes: tuple[str, ...]
    arabic_min_stem: int
    skeleton_drop: str
    skeleton_min: int
    version: str
    marks_map: dict[int, str]
    cyrillic_ukrainian: re.Pattern[str]
    cyrillic_uk: dict[int, str]
    cyrillic_ru: dict[int, str]
    cyrillic_ru_ye: re.Pattern[str]


@functools.lru_cache(maxsize=1)
def _rules() -> _Rules:
    import yaml

    text = _rules_text()
    # libyaml's safe loader when PyYAML has it (the same mapping, ~10x faster to parse)
    raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    return _Rules(
        strip={ord(c): None for c in raw["strip_chars"]},
        char_map={ord(k): v for k, v in raw.get("char_map", {}).items()},
        articles=frozenset(raw["articles"]),
        token_map_raw=dict(raw.get("token_map_raw", {})),
        # literal rules run as str.replace (fast), the others as regular expressions
        rules=tuple((p if re.escape(p) == p else re.compile(p), r) for p, r in raw["rules"]),
        apply=_compile_rules(raw["rules"]),
        token_map=dict(raw.get("token_map", {})),
        prefix_joins={k: tuple(v) for k, v in raw.get("prefix_joins", {}).items()},
        glued_articles=tuple(raw.get("glued_articles", ())),
        glued_min_stem=int(raw.get("glued_min_stem", 4)),
        arabic_strip={ord(c): None for c in raw["arabic_strip"]},
        arabic_char_map={ord(k): v for k, v in raw["arabic_char_map"].items()},
        arabic_prefixes=tuple(sorted(raw["arabic_prefixes"], key=len, reverse=True)),
        arabic_min_stem=int(raw.get("arabic_min_stem", 2)),
        skeleton_drop=str(raw.get("skeleton_drop", "aeiou")),
        skeleton_min=int(raw.get("skeleton_min", 3)),
        version=_text_version(text),
        marks_map={ord(k): v for k, v in raw.get("marks_map", {}).items()},
        cyrillic_ukrainian=re.compile(raw.get("cyrillic_ukrainian", "(?!)")),
        cyrillic_uk={ord(k): v for k, v in raw.get("cyrillic_uk", {}).items()},
        cyrillic_ru={ord(k): v for k, v in raw.get("cyrillic_ru", {}).items()},
        cyrillic_ru_ye=re.compile(raw.get("cyrillic_ru_ye", "(?!)")),
    )


_LOOKAROUND_RE = re.compile(r"\(\?<?[=!][^()]*\)")


def _guard(pattern: str) -> str:
    """Return a literal a token must contain for *pattern* to match ("" when none).

    The pattern without its lookarounds, when what is left is plain text: "aw" for
    ``aw(?=[^aeiouy]*$)``. A rule is skipped for tokens without its guard (a speed-up
    with the same result).
    """
    rest = _LOOKAROUND_RE.sub("", pattern)
    rest = rest[:-1] if rest.endswith("$") and not rest.endswith("\\$") else rest
    return rest if rest and re.escape(rest) == rest else ""


def _compile_rules(rules: list[list[str]]) -> Callable[[str], str]:
    """Turn the ordered (pattern, replacement) rules into one straight-line function.

    Same result as applying the rules one by one in a loop, about twice as fast (the
    cold path of batch geocoding normalises every new spelling): each rule becomes one
    line, guarded by a literal the token must contain (:func:`_guard`).
    """
    lines = ["def apply(t):"]
    regexes: list[re.Pattern[str]] = []
    for pattern, repl in rules:
        guard = _guard(pattern)
        if re.escape(pattern) == pattern:
            step = f"t = t.replace({pattern!r}, {repl!r})"
        else:
            regexes.append(re.compile(pattern))
            step = f"t = _R[{len(regexes) - 1}].sub({repl!r}, t)"
        lines.append(f"    if {guard!r} in t: {step}" if guard else f"    {step}")
    lines.append("    return t")
    namespace: dict[str, object] = {"_R": regexes}
    exec(compile("\n".join(lines), "<transliteration rules>", "exec"), namespace)  # noqa: S102
    return namespace["apply"]  # type: ignore[return-value]


def clear_caches() -> None:
    """Empty the memo caches of the normalisation functions (benchmarks measure cold runs)."""
    for f in (_fold, _norm_part, _tokens, normalise, keys, token_key, is_article, skeleton):
        f.cache_clear()


def _rules_text() -> str:
    return (DATA_DIR / "transliteration.yaml").read_text("utf-8")


def _text_version(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def rules_version() -> str:
    """Return a short hash of the rules file (part of the gazetteer cache key).

    The hash of the file's text, read without parsing the rules (a warm gazetteer cache is
    checked without paying for the YAML).
    """
    return _text_version(_rules_text())


def is_arabic(text: str) -> bool:
    """Return True when *text* contains Arabic-script letters."""
    return _ARABIC_RE.search(text) is not None


def casefold_name(text: str) -> str:
    """Return *text* as written, only case-folded (NFKC) with runs of spaces made one.

    The key of exact and alias matches: spelling, marks and articles are kept.

    Examples
    --------
    >>> casefold_name("  Deir  ez-Zor ")
    'deir ez-zor'
    """
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@functools.lru_cache(maxsize=131072)
def _fold(text: str) -> str:
    """Casefold, drop apostrophe-like characters and diacritics (Latin script)."""
    r = _rules()
    if text.isascii():
        return text.casefold().translate(r.strip)
    text = unicodedata.normalize("NFKC", text).casefold().translate(r.strip)
    if is_arabic(text):
        # keep Arabic letters intact (NFKD would split alef-hamza etc.); fold tashkeel
        text = text.translate(r.arabic_strip).translate(r.arabic_char_map)
        return "".join(c if _ARABIC_RE.match(c) else _strip_marks(c) for c in text).translate(
            r.char_map
        )
    if _CYRILLIC_RE.search(text):
        text = _CYRILLIC_WORD_RE.sub(_cyrillic_word, text)
    return _strip_marks(text.translate(r.marks_map)).translate(r.char_map)


def _cyrillic_word(m: re.Match[str]) -> str:
    """Write one Cyrillic word in Latin letters (the Ukrainian or the Russian table)."""
    r = _rules()
    word = m.group(0)
    if r.cyrillic_ukrainian.search(word):
        return word.translate(r.cyrillic_uk)
    return r.cyrillic_ru_ye.sub("ye", word).translate(r.cyrillic_ru)


def is_cyrillic(text: str) -> bool:
    """Return True when *text* contains Cyrillic letters."""
    return _CYRILLIC_RE.search(text) is not None


@functools.lru_cache(maxsize=65536)
def literal_key(name: str) -> str:
    """Return a name as written, for comparing spellings: marks, case, hyphens and articles go.

    Unlike :func:`normalise`, no transliteration rule is applied: "Hama" and "Hamah" differ.

    Examples
    --------
    >>> literal_key("al-Ḥamā") == literal_key("Hama")
    True
    >>> literal_key("Hama") == literal_key("Hamah")
    False
    """
    bare = _strip_marks(name).casefold()
    words = [w for w in re.split(r"[^\w]+", bare) if w]
    return " ".join(w for w in words if not is_article(w)) or " ".join(words)


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def split_words(text: str) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` character spans of the words in *text*.

    A word is a run of letters or digits; apostrophes inside a word (``Qa'im``) join it,
    an English possessive ``'s`` is left out of the span (but ``Ra's`` stays one word).
    Hyphens separate words.
    """
    spans = [m.span() for m in _words_re().finditer(text)]
    strip = _rules().strip
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if (
            e - s == 1
            and text[s] in "sS"
            and out
            and out[-1][1] == s - 1
            and ord(text[s - 1]) in strip
        ):
            ps, pe = out[-1]
            if pe - ps <= 2:  # "Ra's": a short word with 's is a name
                out[-1] = (ps, e)
            continue  # possessive 's: not a word of its own
        out.append((s, e))
    return out


@functools.lru_cache(maxsize=1)
def _words_re() -> re.Pattern[str]:
    apos = "[" + re.escape("".join(chr(c) for c in _rules().strip)) + "]"
    return re.compile(r"[^\W_]+(?:" + apos + r"(?![sS](?![^\W_]))[^\W_]+)*")


@functools.lru_cache(maxsize=65536)
def token_key(word: str) -> str:
    """Normalise one word (no spaces): the building block of :func:`normalise`.

    Returns ``""`` for an empty word. Articles are *not* dropped here; see
    :func:`is_article`.
    """
    folded = _fold(word)
    parts = _WORD_RE.findall(folded)
    return " ".join(_norm_part(p) for p in parts)


@functools.lru_cache(maxsize=131072)
def _norm_part(part: str) -> str:
    r = _rules()
    if not part.isascii() and is_arabic(part):
        for prefix in r.arabic_prefixes:
            if part.startswith(prefix) and len(part) - len(prefix) >= r.arabic_min_stem:
                return part[len(prefix) :]
        return part
    tok = r.apply(r.token_map_raw.get(part, part))
    return r.token_map.get(tok, tok)


@functools.lru_cache(maxsize=65536)
def is_article(word: str) -> bool:
    """Return True when *word* (one token) is an Arabic article in Latin script (al, ash, ez …)."""
    return _fold(word) in _rules().articles


def tokens(name: str) -> list[str]:
    """Return the normalised tokens of *name*, articles dropped (unless nothing else is left)."""
    return list(_tokens(name))


@functools.lru_cache(maxsize=131072)
def _tokens(name: str) -> tuple[str, ...]:
    folded = _fold(name)
    parts = _WORD_RE.findall(folded)
    r = _rules()
    kept = [p for p in parts if p not in r.articles]
    if not kept:
        kept = parts
    return tuple(_norm_part(p) for p in kept)


@functools.lru_cache(maxsize=65536)
def normalise(name: str) -> str:
    """Return the comparison key of a place name.

    Parameters
    ----------
    name : str
        A place name in Latin or Arabic script, in any transliteration.

    Returns
    -------
    str
        Lower-case, diacritic-free tokens joined by single spaces, with articles dropped and
        spelling variants folded by the rules in ``transliteration.yaml``. Empty when the
        name has no letters or digits.

    Examples
    --------
    >>> normalise("Deir ez-Zor")
    'dair zur'
    >>> normalise("Albu Kamal") == normalise("Abu Kamal")
    True
    """
    return " ".join(_tokens(name))


normalize = normalise


@functools.lru_cache(maxsize=65536)
def skeleton(name: str) -> str:
    """Return the consonant skeleton of a name, or ``""`` when it is too short to trust.

    The skeleton is the normalised key without spaces, each run of the vowels listed in
    ``skeleton_drop`` (``transliteration.yaml``) replaced by one ``.``: the vowel *quality*
    is what transliterations disagree on most ("Takrit"/"Tikrit", "Shirqat"/"Sharqat",
    "Abu Kamel"/"Abu Kamal"), while the vowel *slots* still tell "Karabila" from "Karbala".
    Skeletons with fewer than ``skeleton_min`` consonants are returned empty: "Hama" and
    "Homs" must not meet. The gazetteer uses skeletons only to accept a fuzzy match whose
    skeleton equals the query's; they never make a match on their own.

    Examples
    --------
    >>> skeleton("Takrit") == skeleton("Tikrit")
    True
    >>> skeleton("Takrit")
    't.kr.t'
    >>> skeleton("Ana")
    ''
    """
    return key_skeleton(normalise(name))


@functools.lru_cache(maxsize=131072)
def key_skeleton(key: str) -> str:
    """Return the consonant skeleton of an already normalised key (see :func:`skeleton`).

    For callers that hold keys rather than names (a name index): ``skeleton(name) ==
    key_skeleton(normalise(name))``.

    Examples
    --------
    >>> key_skeleton("kumhana") == key_skeleton("kamhana")
    True
    """
    r = _rules()
    key = key.replace(" ", "")
    if is_arabic(key):
        return ""
    sk = _vowel_runs(r.skeleton_drop).sub(".", key)
    return sk if len(sk) - sk.count(".") >= r.skeleton_min else ""


@functools.lru_cache(maxsize=4)
def _vowel_runs(vowels: str) -> re.Pattern[str]:
    return re.compile("[" + re.escape(vowels) + "]+")


@functools.lru_cache(maxsize=131072)
def keys(name: str) -> frozenset[str]:
    """Return the lookup keys of *name*: its normalised form plus joined variants.

    The variants are the key without spaces ("abu kamal" -> "abukamal") and the joins in
    the rules' ``prefix_joins`` ("abu kamal" -> "bukamal"), so "Al-Bukamal" finds
    "Abu Kamal".

    Examples
    --------
    >>> sorted(keys("Abu Kamal"))
    ['abu kamal', 'abukamal', 'bukamal']
    """
    toks = list(_tokens(name))
    if not toks:
        return frozenset()
    r = _rules()
    out = {" ".join(toks)}
    if len(toks) > 1:
        out.add("".join(toks))
        for join in r.prefix_joins.get(toks[0], ()):
            out.add(join + "".join(toks[1:]))
    words = _fold(name).split()
    first = words[0] if words else ""
    for art in r.glued_articles:
        if first.startswith(art) and len(first) - len(art) >= r.glued_min_stem and first.isalpha():
            stem = tokens(first[len(art) :])
            if stem:
                out.add(" ".join(stem + toks[1:]))
                out.add("".join(stem + toks[1:]))
    return frozenset(out)
