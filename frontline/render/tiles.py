"""Basemaps from elsewhere: web tiles (cached, with an offline switch) and local rasters.

Tiles (``basemap="CartoDB.Positron"`` or any xyzservices provider name) are fetched with
contextily into an on-disk cache (``$FRONTLINE_TILE_CACHE``, default
``~/.cache/frontline/tiles``). With no network (or ``FRONTLINE_OFFLINE=1``) :func:`draw_tiles`
returns None and :func:`frontline.render.basemap.draw_basemap` falls back to the vector
basemap with a one-line warning; nothing else in frontline ever touches the network.

A local raster is a PNG/JPEG with a world file (or a GeoTIFF, with rasterio) in lon/lat.
"""

from __future__ import annotations

import logging
import os
import socket
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

from frontline.errors import InputError
from frontline.render.style import BBox

if TYPE_CHECKING:
    from matplotlib.axes import Axes

log = logging.getLogger(__name__)


def tile_cache_dir() -> Path:
    """Return where tiles are cached: ``$FRONTLINE_TILE_CACHE`` or ``~/.cache/frontline/tiles``."""
    return Path(
        os.environ.get("FRONTLINE_TILE_CACHE") or Path.home() / ".cache" / "frontline" / "tiles"
    )


def tile_provider(name: str) -> Any:
    """Look up the xyzservices provider called *name* (e.g. ``"CartoDB.Positron"``), or None."""
    import xyzservices.providers as xyz

    try:
        return xyz.query_name(name)
    except ValueError:
        return None


def offline() -> bool:
    """Tell whether ``$FRONTLINE_OFFLINE`` is set (not to 0/false): never try the network."""
    return os.environ.get("FRONTLINE_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


def _reachable(url: str, timeout: float = 2.0) -> bool:
    if offline():
        return False
    host = urlparse(url.replace("{s}", "a")).hostname
    if not host:
        return False
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def draw_tiles(ax: Axes, bbox: BBox, provider_name: str) -> list[str] | None:
    """Web tiles from an xyzservices provider, cached on disk; None when they cannot be had."""
    provider = tile_provider(provider_name)
    if provider is None:
        return None
    try:
        import contextily as cx
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    if offline():
        return None
    with warnings.catch_warnings():  # e.g. "tiles now require an API key": the fetch will tell
        warnings.simplefilter("ignore")
        url = (
            provider.build_url(x=0, y=0, z=0) if hasattr(provider, "build_url") else provider["url"]
        )
    if not _reachable(url):
        return None
    try:
        cache = tile_cache_dir()
        cache.mkdir(parents=True, exist_ok=True)
        cx.set_cache_dir(str(cache))
        cx.add_basemap(ax, crs="EPSG:4326", source=provider, attribution=False, zorder=0.5)
    except Exception as exc:  # noqa: BLE001 - any tile failure means: use the offline basemap
        log.info("tiles from %s failed: %s", provider_name, exc)
        return None
    return [f"Tiles: {provider.get('attribution', provider_name)}"]


def _read_world_file(path: Path, shape: tuple[int, int]) -> BBox | None:
    for suffix in (path.suffix[:2] + path.suffix[-1] + "w", path.suffix + "w", ".wld"):
        wf = path.with_suffix(suffix)
        if wf.is_file():
            a, d, b, e, c, f = (float(v) for v in wf.read_text().split()[:6])
            if abs(d) > 1e-12 or abs(b) > 1e-12:
                raise InputError(f"{wf}: rotated world files are not supported")
            rows, cols = shape
            # c, f: centre of the upper-left pixel
            minx, maxy = c - a / 2, f - e / 2
            return (minx, maxy + e * rows, minx + a * cols, maxy)
    return None


def draw_raster_file(ax: Axes, path: Path) -> list[str]:
    """Draw a local georeferenced image (PNG/JPEG with a world file, in lon/lat) as the basemap.

    GeoTIFFs are read when ``rasterio`` is installed (and must be in EPSG:4326).
    """
    if path.suffix.lower() in (".tif", ".tiff"):
        try:
            import rasterio
        except ImportError:
            raise InputError(
                f"{path}: reading GeoTIFF basemaps needs rasterio (pip install rasterio)"
            ) from None
        with rasterio.open(path) as src:
            if src.crs is not None and src.crs.to_epsg() != 4326:
                raise InputError(
                    f"{path}: the raster basemap must be in EPSG:4326 (lon/lat), not {src.crs}"
                )
            data = np.moveaxis(src.read()[:3], 0, -1)
            b = src.bounds
            extent = (b.left, b.bottom, b.right, b.top)
    else:
        import matplotlib.image as mpimg

        data = mpimg.imread(str(path))
        world = _read_world_file(path, data.shape[:2])
        if world is None:
            raise InputError(
                f"{path}: no world file (.pgw/.jgw/.wld) beside it; georeference it in lon/lat"
            )
        extent = world
    ax.imshow(
        data,
        extent=(extent[0], extent[2], extent[1], extent[3]),
        origin="upper",
        zorder=0.5,
        aspect="auto",
    )
    return [f"Basemap: {path.name}"]
