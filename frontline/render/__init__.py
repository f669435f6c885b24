"""Publication maps: dated control maps, change maps and timelapses (PNG, SVG, GIF).

One call gives a finished map: faction areas in the registry's colours over an offline
basemap, international borders, bold front lines, named places labelled by importance
without overlaps, title and "as of" date, a legend grouped by side, a scale bar true at
the map's centre latitude, a north arrow and an attribution line (control sources,
Natural Earth, GeoNames, basemap credits).

What a map shows is a scene (:class:`MapScene`: a snapshot with its registry, theatre and
places; :class:`ChangeScene`: a ChangeSet with the snapshots it compares); how it is drawn
is one :class:`MapOptions`. The render functions also take a history or snapshot and the
options as keywords, and load the scene themselves (:func:`load_scene`).

Projection: maps are drawn in lon/lat (plate carrée) with the axes' aspect set to
``1 / cos(centre latitude)``, so that a kilometre is as long east–west as north–south at
the centre of the map (locally conformal, like an equirectangular projection with its
standard parallel at the centre). Over a theatre a few hundred kilometres tall the scale
changes by a few per cent from top to bottom; the scale bar says at which latitude it holds.

Output is deterministic: SVG keeps text as text (``svg.fonttype: none``), uses a fixed hash
salt for element ids and writes no date, so two renders of the same input are
byte-identical.

The package, one concept per module (each imports only those before it in this list):
``style`` (colours, fonts, sizes), ``artists`` (geometries as matplotlib collections),
``scene`` (what a map shows, and loading it), ``options`` (:class:`MapOptions`), ``layout``
(figure and extent), ``output`` (saving), ``tiles`` (web tiles, local rasters), ``labels``
(place names), ``basemap`` (offline layers, river names), ``furniture`` (legend, scale bar,
attribution), ``maps`` (dated maps), ``change`` (change maps), ``animation`` (timelapses).

Examples
--------
>>> from frontline.store import ControlHistory               # doctest: +SKIP
>>> history = ControlHistory.load("syria-iraq-2017")         # doctest: +SKIP
>>> ax = render_map(history, "2017-06-09")                   # doctest: +SKIP
>>> save_map(ax, "out/2017-06-09.png")                       # doctest: +SKIP
>>> opts = MapOptions(size="a4", basemap="vector")           # doctest: +SKIP
>>> ax = render_change(history, "2017-05-29", "2017-06-18", opts)  # doctest: +SKIP
"""

from __future__ import annotations

from frontline.gazetteer import GEONAMES_ATTRIBUTION
from frontline.render.animation import ANIMATION_OPTIONS, ProgressCallback, animate
from frontline.render.change import MAX_LINK_UP_CALLOUTS, draw_change, render_change
from frontline.render.furniture import (
    ATTRIBUTION_LINE_HEIGHT,
    MAX_SOURCES_CHARS,
    LegendItem,
    attribution_lines,
    attribution_text,
    draw_north_arrow,
    draw_scale_bar,
    format_date,
    km_per_degree_lon,
    legend_items,
    nice_length,
)
from frontline.render.labels import STRATEGIC_KINDS, plain_latin
from frontline.render.layout import figure_size, fit_bbox
from frontline.render.maps import draw_map, front_lines_of, render_map
from frontline.render.options import MIN_CHANGE_KM2, MapOptions, map_options
from frontline.render.output import FORMATS, close, figure_bytes, save_map
from frontline.render.scene import (
    ChangeScene,
    MapScene,
    load_change_scene,
    load_gazetteer,
    load_scene,
)
from frontline.render.style import (
    AREA_ALPHA,
    DEFAULT_DPI,
    FRONT_COLOUR,
    RC,
    SIZES,
    UNKNOWN_ALPHA,
    BBox,
    map_style,
)

__all__ = [
    "ANIMATION_OPTIONS",
    "AREA_ALPHA",
    "ATTRIBUTION_LINE_HEIGHT",
    "DEFAULT_DPI",
    "FORMATS",
    "FRONT_COLOUR",
    "GEONAMES_ATTRIBUTION",
    "MAX_LINK_UP_CALLOUTS",
    "MAX_SOURCES_CHARS",
    "MIN_CHANGE_KM2",
    "RC",
    "SIZES",
    "STRATEGIC_KINDS",
    "UNKNOWN_ALPHA",
    "BBox",
    "ChangeScene",
    "LegendItem",
    "MapOptions",
    "MapScene",
    "ProgressCallback",
    "animate",
    "attribution_lines",
    "attribution_text",
    "close",
    "draw_change",
    "draw_map",
    "draw_north_arrow",
    "draw_scale_bar",
    "figure_bytes",
    "figure_size",
    "fit_bbox",
    "format_date",
    "front_lines_of",
    "km_per_degree_lon",
    "legend_items",
    "load_change_scene",
    "load_gazetteer",
    "load_scene",
    "map_options",
    "map_style",
    "nice_length",
    "plain_latin",
    "render_change",
    "render_map",
    "save_map",
]
