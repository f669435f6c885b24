"""The points of a gazetteer, for describing locations ("3 km SE of Pokrovsk"), cached compactly.

Saying where a change lies needs, of each place, its coordinates, kind, importance and
whether it is curated, and the :class:`~frontline.places.Place` itself only for the few
places named. Loading the whole :class:`~frontline.gazetteer.Gazetteer` (the GeoNames layer
with its lookup keys, the merge with the curated layer, the indexes) takes about 0.2 s for
Ukraine's 5,488 places; :meth:`PlacePoints.load` reads one file of columns instead, and builds
a ``Place`` only when one is asked for.

The file is a cache, never the source of truth: it lives in the user's cache folder
(``$FRONTLINE_CACHE``), is keyed by everything the gazetteer is built from (the curated
``places.csv`` bytes, the GeoNames layer's own key -- dataset, countries, extent,
transliteration rules, rename tables --, the theatre's country boxes and the code of the
modules that merge the layers), and is rebuilt from :meth:`Gazetteer.load
<frontline.gazetteer.Gazetteer.load>` when missing, stale or unreadable.

:meth:`PlacePoints.reverse` and :meth:`PlacePoints.describe` answer exactly as the
gazetteer's methods of the same names (the same arrays, in the same order, the same
arithmetic).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline.files import atomic_write_text, user_cache_dir
from frontline.gazetteer import COUNTRY_BOX_PAD, Gazetteer, layer_sources
from frontline.geonames import MERGE_KM, bulk_ident
from frontline.nearest import describe_point, nearest_place
from frontline.places import Place, Reverse, places_frame

if TYPE_CHECKING:  # pragma: no cover
    import geopandas

__all__ = ["PlacePoints"]

#: Version of the cache file's layout (part of its key).
FORMAT = 1

#: The columns of a cache file, one list each, in the gazetteer's order of places.
COLUMNS = (
    "id", "name", "alt_names", "kind", "country", "lat", "lon", "precision_m", "source",
    "population", "importance",
)  # fmt: skip

#: Modules whose code decides the merged places (their text is part of the key).
SOURCES = ("gazetteer.py", "geonames.py", "places.py", "names.py", "placepoints.py")


class PlacePoints:
    """The places of a gazetteer as columns: nearest-place lookups without the name indexes.

    Parameters
    ----------
    columns : dict
        One sequence per name in :data:`COLUMNS`, in the gazetteer's order of places
        (``alt_names`` as JSON text per place).

    Examples
    --------
    >>> g = Gazetteer([Place("x-town", "Al-Qa'im", (), "town", "IQ", 34.39, 40.99, 1000,
    ...                      "example", None, 2)])
    >>> print(PlacePoints.from_gazetteer(g).describe(41.0, 34.45))
    7 km N of Al-Qa'im
    """

    def __init__(self, columns: Mapping[str, Sequence[Any]]):
        self._cols = {c: list(columns[c]) for c in COLUMNS}
        n = len(self._cols["id"])
        if any(len(v) != n for v in self._cols.values()):
            raise ValueError("PlacePoints: columns of different lengths")
        self._lon = np.array(self._cols["lon"], dtype=float)
        self._lat = np.array(self._cols["lat"], dtype=float)
        self._importance = np.array(self._cols["importance"], dtype=np.int8)
        self._curated = np.array([not i.startswith("gn-") for i in self._cols["id"]], dtype=bool)
        self._kinds = np.array(self._cols["kind"], dtype=object)

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_gazetteer(cls, gazetteer: Gazetteer) -> PlacePoints:
        """Take the points of every place of *gazetteer*, in its order."""
        return cls.from_places(gazetteer.places)

    @classmethod
    def from_places(cls, places: Iterable[Place]) -> PlacePoints:
        """Take the points of *places*, in their order."""
        ps = list(places)
        cols: dict[str, list[Any]] = {c: [] for c in COLUMNS}
        for p in ps:
            for c in COLUMNS:
                v = getattr(p, c)
                cols[c].append(json.dumps(list(v), ensure_ascii=False) if c == "alt_names" else v)
        return cls(cols)

    @classmethod
    def load(
        cls,
        data_dir: str | os.PathLike[str] | None = None,
        theatre: Any = None,
        *,
        cache: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> PlacePoints:
        """Load the points of ``Gazetteer.load(data_dir, theatre)``, from the cache when fresh.

        Parameters
        ----------
        data_dir, theatre
            As for :meth:`frontline.gazetteer.Gazetteer.load`.
        cache : bool, default True
            Read and write the cache file (False: always build from the gazetteer).
        cache_dir : path-like, optional
            Folder of the cache (default ``$FRONTLINE_CACHE`` or ``~/.cache/frontline``).
        """
        src = layer_sources(data_dir, theatre)
        if not cache:
            return cls.from_gazetteer(Gazetteer.load(data_dir, theatre, cache=False))
        ident = _ident(src.curated_path, src.countries, src.extent, src.boxes)
        digest = hashlib.sha256(ident.encode("utf-8")).hexdigest()[:20]
        folder = Path(cache_dir) if cache_dir is not None else user_cache_dir()
        path = folder / f"placepoints-{digest}.json"
        cols = _read(path, ident)
        if cols is not None:
            return cls(cols)
        points = cls.from_gazetteer(Gazetteer.load(data_dir, theatre, cache_dir=cache_dir))
        try:
            atomic_write_text(
                path,
                json.dumps(
                    {"ident": ident, **points._cols}, ensure_ascii=False, separators=(",", ":")
                ),
                overwrite=True,
            )
        except OSError:
            pass  # a read-only cache folder only costs time
        return points

    # -- container protocol -----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._cols["id"])

    def __iter__(self) -> Iterator[Place]:
        return (self.place(i) for i in range(len(self)))

    def place(self, i: int) -> Place:
        """Return the *i*-th place (a new :class:`Place` equal to the gazetteer's)."""
        c = self._cols
        return Place(
            c["id"][i],
            c["name"][i],
            tuple(json.loads(c["alt_names"][i])),
            c["kind"][i],
            c["country"][i],
            c["lat"][i],
            c["lon"][i],
            c["precision_m"][i],
            c["source"][i],
            c["population"][i],
            c["importance"][i],
        )

    @property
    def places(self) -> list[Place]:
        """All places, in the gazetteer's order (curated first)."""
        return list(self)

    def __repr__(self) -> str:
        curated = int(self._curated.sum())
        return f"PlacePoints({len(self)} places: {curated} curated, {len(self) - curated} GeoNames)"

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
        """Find the nearest place to a point (as :meth:`Gazetteer.reverse`, same answers)."""
        cols = (self._lon, self._lat, self._kinds, self._importance, self._curated)
        return nearest_place(
            lon, lat, cols, self.place, max_km, kinds, min_importance, curated_only
        )

    def describe(self, lon: float, lat: float, **kw: Any) -> str:
        """Words for a point (as :meth:`Gazetteer.describe`)."""
        return describe_point(self.reverse(lon, lat, **kw), lon, lat)

    # -- export -----------------------------------------------------------------------------
    def to_geodataframe(self) -> geopandas.GeoDataFrame:
        """All places as a GeoDataFrame (as :meth:`Gazetteer.to_geodataframe`)."""
        return places_frame(self.places)


def _ident(
    curated_path: Path,
    countries: Sequence[str] | None,
    extent: Sequence[float] | None,
    boxes: dict[str, tuple[float, float, float, float]],
) -> str:
    """Return the cache key: everything the merged places come from (JSON text)."""
    code = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in SOURCES:
        code.update((here / name).read_bytes())
    curated = (
        hashlib.sha256(curated_path.read_bytes()).hexdigest() if curated_path.is_file() else None
    )
    return json.dumps(
        {
            "fmt": FORMAT,
            "bulk": bulk_ident(countries, extent) if countries else None,
            "curated": curated,
            "boxes": {k: list(v) for k, v in sorted(boxes.items())},
            "pad": COUNTRY_BOX_PAD,
            "merge_km": MERGE_KM,
            "code": code.hexdigest(),
        },
        sort_keys=True,
    )


def _read(path: Path, ident: str) -> dict[str, list[Any]] | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("ident") != ident:
            return None
        cols = {c: raw[c] for c in COLUMNS}
        n = len(cols["id"])
        return cols if all(isinstance(v, list) and len(v) == n for v in cols.values()) else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
