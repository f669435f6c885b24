"""Factions, their sides, and the relations between sides.

A :class:`FactionRegistry` is read from ``<data>/factions.yaml``::

    default_relation: neutral
    sides:
      iraq-government: {name: "Iraqi government"}
    factions:
      - id: isf
        name: "Iraqi Security Forces"
        short_name: "Iraqi forces"
        aliases: ["ISF", "Iraqi army"]
        colour: "#2b6cb0"
        side: iraq-government
    relations:
      - sides: [iraq-government, syria-axis]
        relation: allied
      - sides: [isis, "*"]                 # "*": every other side
        relation: hostile
        from: 2017-01-01                    # optional validity (ISO dates, inclusive)

Two factions of the same side are allied. "allied", "hostile" and "neutral" are queries on
the registry, never hard-coded pairs.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from frontline.dates import parse_date
from frontline.errors import DataFileError, InputError, UnknownFactionError
from frontline.files import check_name
from frontline.theatre import load_yaml, resolve_data_dir

Relation = Literal["allied", "hostile", "neutral", "self"]
RELATIONS = ("allied", "hostile", "neutral")

#: Reserved faction id for ground that nobody is known to control.
UNKNOWN = "unknown"
UNKNOWN_COLOUR = "#d9d9d9"

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _key(name: str) -> str:
    """Case- and punctuation-insensitive key for faction names and aliases."""
    import unicodedata

    text = unicodedata.normalize("NFKC", name).casefold()
    return re.sub(r"[\s\-_'’`.]+", "", text)


@dataclass(frozen=True)
class Faction:
    """A party that can hold ground.

    Attributes
    ----------
    id : str
        Stable identifier used in data files.
    name : str
        Display name (legends).
    short_name : str
        Name used in sentences ("Iraqi forces link up with …").
    aliases : tuple of str
        Other names reports use (abbreviations, transliterations, Arabic script).
    colour : str
        ``#rrggbb`` fill colour for maps.
    side : str
        The side the faction fights on; relations are defined between sides.
    description : str
        Free text.
    """

    id: str
    name: str
    colour: str
    side: str
    short_name: str = ""
    aliases: tuple[str, ...] = ()
    description: str = ""

    @property
    def label(self) -> str:
        """The name to use in sentences."""
        return self.short_name or self.name


UNKNOWN_FACTION = Faction(
    id=UNKNOWN,
    name="Unknown / uncontrolled",
    short_name="unknown",
    colour=UNKNOWN_COLOUR,
    side=UNKNOWN,
    aliases=("uncontrolled", "none", "no one", "contested"),
)


@dataclass(frozen=True)
class SideRelation:
    """A relation between two sides, optionally valid only between two dates (inclusive)."""

    a: str
    b: str
    relation: str
    start: _dt.date | None = None
    end: _dt.date | None = None
    note: str = ""
    source: str = ""

    def applies(self, a: str, b: str, on: _dt.date | None) -> bool:
        """Whether this rule covers sides *a* and *b* on date *on*."""
        pair_ok = {self.a, self.b} == {a, b} or (
            "*" in (self.a, self.b) and ({self.a, self.b} - {"*"}) & {a, b}
        )
        if not pair_ok:
            return False
        if on is None:  # no date: the relations in force now (open-ended ones)
            return self.end is None
        return (self.start is None or self.start <= on) and (self.end is None or on <= self.end)


@dataclass(frozen=True)
class FactionRegistry:
    """The factions of a data directory and the relations between their sides.

    Examples
    --------
    >>> reg = FactionRegistry([
    ...     Faction("isf", "Iraqi Security Forces", "#2b6cb0", "iraq", aliases=("ISF",)),
    ...     Faction("pmu", "Popular Mobilization Units", "#2f855a", "iraq", aliases=("PMU", "PMF")),
    ...     Faction("isis", "Islamic State", "#1a1a1a", "isis"),
    ... ], [SideRelation("isis", "*", "hostile")])
    >>> reg.get("pmf").id
    'pmu'
    >>> reg.relation("isf", "pmu"), reg.relation("pmu", "isis")
    ('allied', 'hostile')
    """

    factions: tuple[Faction, ...]
    relations: tuple[SideRelation, ...] = ()
    default_relation: str = "neutral"
    sides: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    source: Path | None = field(default=None, hash=False, compare=False)

    def __init__(
        self,
        factions: Iterable[Faction],
        relations: Iterable[SideRelation] = (),
        default_relation: str = "neutral",
        sides: dict[str, str] | None = None,
        source: Path | None = None,
    ) -> None:
        factions = tuple(factions)
        object.__setattr__(self, "factions", factions)
        object.__setattr__(self, "relations", tuple(relations))
        object.__setattr__(self, "default_relation", default_relation)
        object.__setattr__(self, "sides", dict(sides or {}))
        object.__setattr__(self, "source", source)
        where = str(source) if source else "factions"
        if default_relation not in RELATIONS:
            raise DataFileError(f"{where}: default_relation must be one of {RELATIONS}")
        index: dict[str, Faction] = {}
        for f in (*factions, UNKNOWN_FACTION):
            if not _HEX.match(f.colour):
                raise DataFileError(f"{where}: faction {f.id!r} colour {f.colour!r} is not #rrggbb")
            for name in (f.id, f.name, f.short_name, *f.aliases):
                if not name:
                    continue
                k = _key(name)
                if k in index and index[k].id != f.id:
                    raise DataFileError(
                        f"{where}: the name {name!r} is used by both {index[k].id!r} and {f.id!r}; "
                        "make aliases unique"
                    )
                index[k] = f
        ids = [f.id for f in factions]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes or UNKNOWN in ids:
            raise DataFileError(
                f"{where}: duplicate or reserved faction ids: "
                f"{sorted(dupes | ({UNKNOWN} & set(ids)))}"
            )
        for r in self.relations:
            if r.relation not in RELATIONS:
                raise DataFileError(
                    f"{where}: relation {r.relation!r} between "
                    f"{r.a} and {r.b} is not one of {RELATIONS}"
                )
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_by_id", {f.id: f for f in (*factions, UNKNOWN_FACTION)})

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def load(cls, data_dir: str | os.PathLike[str] | None = None) -> FactionRegistry:
        """Read ``<data_dir>/factions.yaml`` (data_dir resolved as in :func:`resolve_data_dir`)."""
        path = resolve_data_dir(data_dir) / "factions.yaml"
        return cls.from_mapping(load_yaml(path) or {}, source=path)

    @classmethod
    def from_mapping(cls, raw: dict[str, Any], source: Path | None = None) -> FactionRegistry:
        """Build a registry from a parsed YAML mapping."""
        where = str(source) if source else "factions"
        if not isinstance(raw, dict):
            raise DataFileError(
                f"{where}: must be a mapping with 'factions:' (and 'sides:', 'relations:'), "
                f"not a {type(raw).__name__}"
            )
        factions = []
        for i, item in enumerate(raw.get("factions") or []):
            try:
                factions.append(
                    Faction(
                        id=check_name(item["id"], f"{where}: faction id"),
                        name=str(item.get("name", item["id"])),
                        colour=str(item["colour"]),
                        side=str(item.get("side", item["id"])),
                        short_name=str(item.get("short_name", "")),
                        aliases=tuple(str(a) for a in item.get("aliases", ()) or ()),
                        description=str(item.get("description", "")),
                    )
                )
            except InputError as exc:
                raise DataFileError(str(exc)) from None
            except (KeyError, TypeError) as exc:
                raise DataFileError(
                    f"{where}: faction #{i + 1} needs id and colour ({exc})"
                ) from None
        relations = []
        for item in raw.get("relations") or []:
            try:
                a, b = (str(s) for s in item["sides"])
                relations.append(
                    SideRelation(
                        a, b, str(item["relation"]),
                        start=parse_date(item["from"]) if item.get("from") else None,
                        end=parse_date(item["to"]) if item.get("to") else None,
                        note=str(item.get("note", "")),
                        source=str(item.get("source", "")),
                    )
                )  # fmt: skip
            except (KeyError, TypeError, ValueError) as exc:
                raise DataFileError(
                    f"{where}: each relation needs 'sides: [a, b]' and 'relation' ({exc})"
                ) from None
        if not factions:
            raise DataFileError(
                f"{where}: no factions; list them under 'factions:' (id, name, colour, side), "
                "see README: 'Adding a theatre'"
            )
        sides = {str(k): str((v or {}).get("name", k)) for k, v in (raw.get("sides") or {}).items()}
        return cls(factions, relations, str(raw.get("default_relation", "neutral")), sides, source)

    # -- lookups ---------------------------------------------------------------------------
    def __repr__(self) -> str:
        ids = [f.id for f in self.factions]
        shown = ", ".join(ids[:10]) + (", …" if len(ids) > 10 else "")
        return f"FactionRegistry({len(ids)} factions: {shown})"

    def __iter__(self) -> Iterator[Faction]:
        return iter(self.factions)

    def __len__(self) -> int:
        return len(self.factions)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _key(name) in self._index  # type: ignore[attr-defined]

    @property
    def ids(self) -> list[str]:
        """Faction ids in registry order."""
        return [f.id for f in self.factions]

    def get(self, name: str) -> Faction:
        """Return the faction with this id, name or alias (case- and punctuation-insensitive).

        Raises
        ------
        UnknownFactionError
            With the closest known names as suggestions.
        """
        f = self._index.get(_key(str(name)))  # type: ignore[attr-defined]
        if f is not None:
            return f
        from rapidfuzz import fuzz, process

        names = sorted({n for fac in self.factions for n in (fac.id, fac.name, *fac.aliases)})
        close = [
            m[0]
            for m in process.extract(str(name), names, scorer=fuzz.WRatio, limit=3, score_cutoff=60)
        ]
        raise UnknownFactionError(
            str(name),
            close,
            hint=f"(known factions: {', '.join(self.ids) or 'none'}); add it to factions.yaml.",
        )

    def colour(self, name: str) -> str:
        """Fill colour of a faction (the unknown colour for ``unknown``)."""
        return self.get(name).colour

    def side_of(self, name: str) -> str:
        """Return the side of a faction."""
        return self.get(name).side

    def relation(self, a: str, b: str, on: _dt.date | str | None = None) -> Relation:
        """Return the relation between two factions: "self", "allied", "hostile" or "neutral".

        Factions of the same side are allied. Otherwise the last matching rule between
        their sides (valid on *on*, when given) decides; failing that, ``default_relation``.
        Unknown ground is neutral to everybody.
        """
        fa, fb = self.get(a), self.get(b)
        if fa.id == fb.id:
            return "self"
        if UNKNOWN in (fa.id, fb.id):
            return "neutral"
        if fa.side == fb.side:
            return "allied"
        day = parse_date(on) if on is not None else None
        found: str | None = None
        specific: str | None = None
        for r in self.relations:
            if r.applies(fa.side, fb.side, day):
                if "*" in (r.a, r.b):
                    found = r.relation
                else:
                    specific = r.relation
        return specific or found or self.default_relation  # type: ignore[return-value]

    def is_hostile(self, a: str, b: str, on: _dt.date | str | None = None) -> bool:
        """Tell whether factions *a* and *b* are hostile (on date *on*)."""
        return self.relation(a, b, on) == "hostile"

    def is_allied(self, a: str, b: str, on: _dt.date | str | None = None) -> bool:
        """Tell whether *a* and *b* are distinct allied factions (on date *on*)."""
        return self.relation(a, b, on) == "allied"

    def pairs(self, relation: str, on: _dt.date | str | None = None) -> list[tuple[str, str]]:
        """All unordered faction-id pairs ``(a, b)`` (registry order) with this relation."""
        return [
            (a, b)
            for a, b in itertools.combinations(self.ids, 2)
            if self.relation(a, b, on) == relation
        ]

    def hostile_pairs(self, on: _dt.date | str | None = None) -> list[tuple[str, str]]:
        """Unordered pairs of hostile faction ids."""
        return self.pairs("hostile", on)

    def allied_pairs(self, on: _dt.date | str | None = None) -> list[tuple[str, str]]:
        """Unordered pairs of allied faction ids."""
        return self.pairs("allied", on)
