"""Diffs over a whole history: in the database (PostGIS ST_Difference) or in memory (shapely)?

For every consecutive pair of snapshots, the area each faction gained and lost:

* **shapely**: snapshots read from the store, then ``shapely.difference`` (vectorised over
  factions) and geodesic areas (pyproj) in this process;
* **postgis**: :meth:`frontline.postgis.PostGISHistory.diff_km2` -- ``ST_Difference`` and
  ``ST_Area(geography)`` on the server, only the numbers come back.

Data: every shipped history in ``geodata/control/<theatre>/`` when there is one, and always a
synthetic history (fictional Voronoi "factions" with densified borders, 40 dates) so the
comparison also covers a long history. Server: ``$FRONTLINE_TEST_PG`` or a throwaway cluster
started with ``scripts/pg_test_server.sh``; skipped when neither is available.

Run: ``.venv/bin/python benchmarks/bench_postgis.py`` (or ``make bench``).
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "pg_test_server.sh"


def _server() -> tuple[str | None, str | None]:
    url = os.environ.get("FRONTLINE_TEST_PG")
    if url:
        return url, None
    if not (shutil.which("initdb") or list(Path("/usr/lib/postgresql").glob("*/bin/initdb"))):
        return None, None
    folder = tempfile.mkdtemp(prefix="frontline-pg.")
    out = subprocess.run(["bash", str(SCRIPT), folder], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return out.stdout.strip().splitlines()[-1], folder


def synthetic_history(n_dates: int = 40, n_factions: int = 5, seed: int = 7):
    """Fictional snapshots: Voronoi cells of drifting seeds, borders densified to ~1 km steps."""
    import geopandas as gpd

    from frontline.control import ControlSnapshot

    rng = np.random.default_rng(seed)
    extent = (10.0, 10.0, 14.0, 13.0)
    box = shapely.box(*extent)
    seeds = rng.uniform([extent[0], extent[1]], [extent[2], extent[3]], size=(n_factions * 6, 2))
    owner = np.arange(len(seeds)) % n_factions
    snaps = []
    day = _dt.date(2020, 1, 1)
    for _ in range(n_dates):
        seeds = np.clip(
            seeds + rng.normal(0, 0.03, seeds.shape), [extent[0], extent[1]], [extent[2], extent[3]]
        )
        cells = shapely.get_parts(
            shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=box)
        )
        cells = shapely.intersection(cells, box)
        # match each cell to its seed
        tree = shapely.STRtree(cells)
        idx = tree.query(shapely.points(seeds), predicate="intersects")
        cell_of = {int(s): int(c) for s, c in zip(*idx, strict=True)}
        geoms = []
        for f in range(n_factions):
            mine = [cells[cell_of[i]] for i in np.flatnonzero(owner == f) if i in cell_of]
            geoms.append(shapely.segmentize(shapely.union_all(mine), 0.01))
        gdf = gpd.GeoDataFrame(
            {
                "faction": [f"f{f}" for f in range(n_factions)],
                "sources": [["synthetic"]] * n_factions,
            },
            geometry=geoms,
            crs="EPSG:4326",
        )
        snaps.append(ControlSnapshot.from_areas(day, gdf, theatre="bench-synthetic"))
        day += _dt.timedelta(days=7)
    return snaps


def shapely_diffs(snaps) -> list[dict[str, tuple[float, float]]]:
    """Gained/lost km² per faction for consecutive pairs, in memory."""
    from frontline.geo import geodesic_area_km2

    out = []
    for a, b in zip(snaps, snaps[1:], strict=False):
        factions = sorted(set(a.factions) | set(b.factions))
        ga = np.array([a.geometry_of(f) for f in factions], dtype=object)
        gb = np.array([b.geometry_of(f) for f in factions], dtype=object)
        gained = geodesic_area_km2(shapely.difference(gb, ga))
        lost = geodesic_area_km2(shapely.difference(ga, gb))
        out.append(
            {f: (float(g), float(lo)) for f, g, lo in zip(factions, gained, lost, strict=True)}
        )
    return out


def _bench(label: str, url: str, snaps, theatre=None) -> None:
    from frontline.postgis import PostGISHistory

    with PostGISHistory(url, theatre or snaps[0].theatre, validate=False) as store:
        t0 = time.perf_counter()
        store.add_many(snaps, overwrite=True)
        t_push = time.perf_counter() - t0
        dates = store.dates()
        vertices = sum(
            int(shapely.get_num_coordinates(s.areas.geometry.values).sum()) for s in snaps
        )

        t0 = time.perf_counter()
        loaded = [store.get(d) for d in dates]
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        mem = shapely_diffs(loaded)
        t_mem = time.perf_counter() - t0

        t0 = time.perf_counter()
        db = [store.diff_km2(a, b) for a, b in zip(dates, dates[1:], strict=False)]
        t_db = time.perf_counter() - t0

    worst = max(
        (
            abs(m[f][k] - d[f][k]) / max(1.0, m[f][k])
            for m, d in zip(mem, db, strict=True)
            for f in m
            for k in (0, 1)
        ),
        default=0.0,
    )
    pairs = max(1, len(dates) - 1)
    print(f"{label}: {len(dates)} dates, {vertices:,} vertices, push {t_push:.2f} s")
    print(
        f"  shapely in memory : read {t_read:.2f} s + diff {t_mem:.2f} s = "
        f"{t_read + t_mem:.2f} s ({(t_read + t_mem) / pairs * 1000:.1f} ms/pair)"
    )
    print(f"  postgis ST_Difference: {t_db:.2f} s ({t_db / pairs * 1000:.1f} ms/pair)")
    print(
        f"  diff only: postgis / shapely = {t_db / max(t_mem, 1e-9):.2f}x; "
        f"with reading: {t_db / max(t_read + t_mem, 1e-9):.2f}x"
    )
    print(f"  largest relative disagreement in km²: {worst:.2e}")


def main() -> None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        print("skipped: psycopg not installed (pip install 'frontline[postgis]')")
        return
    from frontline.postgis_schema import migrate
    from frontline.store import ControlHistory

    url, folder = _server()
    if url is None:
        print(
            "skipped: no PostgreSQL server (set FRONTLINE_TEST_PG "
            "or install postgresql-15-postgis-3)"
        )
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    url = f"{url}{'&' if '?' in url else '?'}schema={schema}"
    try:
        migrate(url)
        for folder_t in sorted((ROOT / "geodata" / "control").glob("*")):
            if any(folder_t.glob("*.geojson")):
                files = ControlHistory.load(folder_t.name, ROOT / "geodata", validate=False)
                _bench(f"shipped {folder_t.name}", url, list(files), files.theatre)
        _bench("synthetic", url, synthetic_history())
    finally:
        import psycopg

        from frontline.postgis_schema import split_url

        with psycopg.connect(split_url(url)[0], autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        if folder:
            subprocess.run(["bash", str(SCRIPT), "--stop", folder], capture_output=True, timeout=60)


if __name__ == "__main__":
    main()
