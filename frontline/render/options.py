"""How a map is drawn: one immutable options object shared by maps, change maps and timelapses.

:class:`MapOptions` holds what used to be a dozen keyword arguments repeated on
``render_map``, ``render_change`` and ``animate``. The render functions still accept those
keywords (``render_map(history, size="a4")``); :func:`map_options` folds them into one
object, in one place.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

from frontline.render.style import BBox

#: Changes smaller than this (km²) are not drawn on change maps (slivers of redrawn borders).
MIN_CHANGE_KM2 = 2.0


@dataclass(frozen=True)
class MapOptions:
    """How to draw a map (what to draw is a :class:`frontline.render.scene.MapScene`).

    Attributes
    ----------
    bbox : (minlon, minlat, maxlon, maxlat), optional
        Map extent; grown to fill the figure (default: the theatre's ``map.focus_extent``,
        else its extent, else the areas' bounds).
    basemap : str or path, default "relief"
        ``"relief"``, ``"vector"``, ``"none"``, an xyzservices provider name (falls back to
        ``"vector"`` offline, with a warning) or a georeferenced raster file.
    size : "social", "a4", "a4-portrait" or (width_px, height_px), default "social"
        Figure size (social: 1200×675 px at 150 dpi).
    dpi : float, optional
        Resolution (default: the preset's).
    title, subtitle : str, optional
        Default: the theatre's ``map.title`` (or name), and "Territorial control as of
        <date>" (dated maps) or "What changed, <period>" (change maps).
    labels : bool, default True
        Label named places (most important first, never overlapping).
    arabic : bool, default False
        Label places with their Arabic-script names (shaped and in visual order).
    legend : bool, default True
    front_lines : bool, default True
        Draw the front lines between hostile factions.
    date_stamp : bool, default False
        Also print the date large in the map's upper-right corner (timelapse frames; dated
        maps only).
    min_change_km2 : float, default 2.0
        Change maps: changes smaller than this are not drawn (slivers of redrawn outlines).
    full : bool, default False
        Change maps: show the whole theatre (the default extent) instead of zooming to the
        ground that changed (with a locator map of the theatre). A *bbox* also stops the zoom.

    Examples
    --------
    >>> opts = MapOptions(size="a4", basemap="vector")
    >>> opts.replace(labels=False).labels, opts.size
    (False, 'a4')
    """

    bbox: BBox | None = None
    basemap: str | os.PathLike[str] = "relief"
    size: str | tuple[float, float] = "social"
    dpi: float | None = None
    title: str | None = None
    subtitle: str | None = None
    labels: bool = True
    arabic: bool = False
    legend: bool = True
    front_lines: bool = True
    date_stamp: bool = False
    min_change_km2: float = MIN_CHANGE_KM2
    full: bool = False

    def replace(self, **changes: Any) -> MapOptions:
        """Copy with some options changed; an unknown name is a TypeError naming the valid ones."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(
                f"unknown map option(s) {', '.join(unknown)}; "
                f"MapOptions has {', '.join(sorted(known))}"
            )
        return dataclasses.replace(self, **changes)


def map_options(options: MapOptions | None = None, **overrides: Any) -> MapOptions:
    """Merge the options of one call: *options* (default ``MapOptions()``) and keyword overrides.

    Examples
    --------
    >>> map_options(None, dpi=75).dpi
    75
    >>> map_options(MapOptions(size="a4"), labels=False).size
    'a4'
    """
    base = options if options is not None else MapOptions()
    return base.replace(**overrides) if overrides else base
