"""Compact geometry for the web map, and the ``<script>`` data files that carry it.

Browsers refuse ``fetch`` between ``file://`` pages, so the site's data travels as JavaScript
files that assign to one global object (``window.FRONTLINE``) and are loaded with
``<script src>`` tags: the site opens by double-clicking ``index.html``.

Coordinates are written as integers on a grid of ``10**-precision`` degrees (``precision=4``:
about 11 m), each ring or line as one flat list ``[x0, y0, dx1, dy1, …]`` of the first point
and then the step to each next point. Consecutive repeated points (after rounding) are dropped,
and so are rings that round to less than a triangle. Integer deltas are short: a map of
hundreds of thousands of vertices stays a few megabytes of plain, readable JSON.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import shapely
from shapely.geometry.polygon import orient

__all__ = ["GLOBAL", "data_script", "decode_line", "encode_line", "encode_lines", "encode_polygons"]

#: The global object every data file fills (``window.FRONTLINE.<name> = …``).
GLOBAL = "FRONTLINE"


def encode_line(coords: np.ndarray, precision: int, closed: bool = False) -> list[int]:
    """Encode one line or ring as ``[x0, y0, dx1, dy1, …]`` integers (empty when degenerate).

    Parameters
    ----------
    coords : (n, 2) array
        Lon/lat points.
    precision : int
        Decimal places kept.
    closed : bool, default False
        A ring: its closing point (equal to the first) is not written, and fewer than three
        distinct points give an empty list.

    Examples
    --------
    >>> encode_line(np.array([[38.5, 33.25], [38.5001, 33.2502], [38.5001, 33.2502]]), 4)
    [385000, 332500, 1, 2]
    """
    q = np.round(np.asarray(coords, dtype=float)[:, :2] * 10**precision).astype(np.int64)
    if len(q) > 1:
        keep = np.ones(len(q), bool)
        keep[1:] = np.any(q[1:] != q[:-1], axis=1)
        q = q[keep]
    if closed:
        if len(q) > 1 and (q[0] == q[-1]).all():
            q = q[:-1]
        if len(q) < 3:
            return []
    elif len(q) < 2:
        return []
    steps = np.diff(q, axis=0, prepend=np.zeros((1, 2), np.int64))
    return [int(v) for v in steps.ravel()]


def decode_line(values: list[int], precision: int) -> np.ndarray:
    """Invert :func:`encode_line`: an (n, 2) array of lon/lat.

    Examples
    --------
    >>> decode_line([385000, 332500, 1, 2], 4).tolist()
    [[38.5, 33.25], [38.5001, 33.2502]]
    """
    q = np.cumsum(np.asarray(values, dtype=np.int64).reshape(-1, 2), axis=0)
    return q / 10**precision


def encode_polygons(geom: Any, precision: int) -> list[list[list[int]]]:
    """Encode a Polygon or MultiPolygon: a list of polygons, each a list of rings (outer first).

    Outer rings run counter-clockwise and holes clockwise (so a browser's non-zero fill of many
    polygons in one path fills each once). Polygons whose outer ring rounds away are left out,
    and so are holes that do.
    """
    out = []
    for part in shapely.get_parts(geom):
        if not isinstance(part, shapely.Polygon) or part.is_empty:
            continue
        poly = orient(part, sign=1.0)
        shell = encode_line(np.asarray(poly.exterior.coords), precision, closed=True)
        if not shell:
            continue
        rings = [shell]
        for hole in poly.interiors:
            ring = encode_line(np.asarray(hole.coords), precision, closed=True)
            if ring:
                rings.append(ring)
        out.append(rings)
    return out


def encode_lines(geom: Any, precision: int) -> list[list[int]]:
    """Encode the lines of a (Multi)LineString (or of any geometry's line parts)."""
    out = []
    for part in shapely.get_parts(geom):
        if isinstance(part, shapely.LinearRing | shapely.LineString) and not part.is_empty:
            line = encode_line(np.asarray(part.coords), precision)
            if line:
                out.append(line)
        elif isinstance(part, shapely.Polygon | shapely.MultiPolygon):
            out.extend(encode_lines(shapely.boundary(part), precision))
    return out


def data_script(name: str, value: Any) -> str:
    r"""JavaScript that stores *value* (JSON) as ``window.FRONTLINE[name]``.

    Deterministic (sorted keys, no spaces) so that the same history writes the same bytes.

    Examples
    --------
    >>> data_script("meta", {"b": 1, "a": [1, 2]})
    'window.FRONTLINE=window.FRONTLINE||{};\nFRONTLINE.meta={"a":[1,2],"b":1};\n'
    """
    body = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # "</script" cannot end an external script, but keep the data safe to inline anyway
    body = body.replace("</", "<\\/")
    return f"window.{GLOBAL}=window.{GLOBAL}||{{}};\n{GLOBAL}.{name}={body};\n"
