"""Control history speed: GIS import, canonical GeoJSON write/read, and the observation build.

* import: a jagged-front snapshot (``benchmarks/fronts.py``, ~120,000 vertices) saved as a
  GeoPackage in Web Mercator, imported with :func:`frontline.control.read_areas`
  (read, reproject, validity check, alias mapping, dissolve, full validation) against the raw
  ``geopandas.read_file`` + ``to_crs`` + ``dissolve`` of the same file;
* write/read: ``ControlSnapshot.to_geojson`` / ``from_geojson`` of that snapshot against
  ``shapely.to_geojson`` / ``shapely.from_geojson`` of the same geometries;
* build: ``build_snapshot`` over N synthetic observed places spread over the shipped theatre
  (fictional points, no real claims) against the raw shapely steps of the same fill on the same
  points (project, Voronoi per country clipped to its land, observed/inferred split at
  ``observed_km``, union per faction and basis, back to lon/lat), and the shipped theatre's
  full build when its observations resolve.

Run: ``.venv/bin/python benchmarks/run.py control``.
"""

from __future__ import annotations

import datetime as _dt
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _best(fn, repeat=3):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def bench_import(tmp: Path) -> None:
    import geopandas as gpd
    import shapely
    from fronts import jagged_pair, registry, vertex_count

    from frontline.control import ControlSnapshot, read_areas

    snap, _ = jagged_pair(vertices=150_000, seed=3)
    n = vertex_count(snap)
    path = tmp / "areas.gpkg"
    snap.areas.assign(sources=snap.areas["sources"].map("|".join)).to_crs("EPSG:3857").to_file(
        path, engine="pyogrio"
    )
    reg = registry()
    t_ours, snaps = _best(lambda: read_areas(path, "2024-01-01", registry=reg))

    def raw():
        g = gpd.read_file(path, engine="pyogrio").to_crs("EPSG:4326")
        return g.dissolve("faction")

    t_raw, _ = _best(raw)
    print(
        f"import {n:,} vertices (GPKG, EPSG:3857): frontline {t_ours:.2f} s, "
        f"raw read+to_crs+dissolve {t_raw:.2f} s, ratio {t_ours / t_raw:.2f}"
    )
    imported = snaps[0]
    t_write, text = _best(imported.to_geojson)
    geoms = imported.areas.geometry.values
    t_raw_w, _ = _best(lambda: shapely.to_geojson(geoms))
    print(
        f"to_geojson {len(text) / 1e6:.1f} MB: {t_write:.2f} "
        f"s (shapely.to_geojson, unrounded: {t_raw_w:.2f} s)"
    )
    t_read, _ = _best(lambda: ControlSnapshot.from_geojson(text))
    raw_texts = shapely.to_geojson(geoms)
    t_raw_r, _ = _best(lambda: shapely.from_geojson(raw_texts))
    print(
        "from_geojson (parse + dissolve, no validation): "
        f"{t_read:.2f} s (shapely.from_geojson: {t_raw_r:.2f} s)"
    )
    t_val, _ = _best(lambda: imported.validate(reg))
    print(f"validate: {t_val:.2f} s")


def raw_fill(xs, ys, factions, iso, theatre):
    """The build's fill done with shapely alone: the baseline for ``build_snapshot``."""
    import numpy as np
    import shapely

    from frontline.fill import land_layers

    layers = land_layers(theatre)  # cached for both sides: the theatre's land, projected
    px, py = layers.fwd.transform(xs, ys)
    pts = shapely.points(px, py)
    km = theatre.fill.observed_km * 1000.0
    pieces: dict[tuple[str, str], list] = {}
    for code, land in layers.countries.items():
        idx = np.flatnonzero(iso == code)
        if not len(idx):
            continue
        vor = shapely.voronoi_polygons(shapely.multipoints(pts[idx]), extend_to=land)
        cells = np.asarray(shapely.get_parts(vor), dtype=object)
        # voronoi_polygons' parts are not in point order: match each cell to its point
        which = shapely.STRtree(cells).query(pts[idx], predicate="intersects")
        order = np.empty(len(idx), dtype=np.int64)
        order[which[0]] = which[1]
        cells = shapely.intersection(cells[order], land)
        discs = shapely.buffer(pts[idx], km)
        for basis, part in (
            ("observed", shapely.intersection(cells, discs)),
            ("inferred", shapely.difference(cells, discs)),
        ):
            for f in np.unique(factions[idx]):
                pieces.setdefault((str(f), basis), []).append(
                    shapely.union_all(part[factions[idx] == f])
                )
    out = {
        k: shapely.transform(
            shapely.union_all(v), lambda xy: np.column_stack(layers.inv.transform(*xy.T))
        )
        for k, v in pieces.items()
    }
    return out


def bench_build() -> None:
    import numpy as np
    import shapely

    from frontline.build import build_snapshot
    from frontline.factions import FactionRegistry
    from frontline.observations import read_observations
    from frontline.theatre import Theatre

    theatre = Theatre.load("syria-iraq-2017")
    reg = FactionRegistry.load(theatre.data_dir)
    land = theatre.land()
    rng = np.random.default_rng(0)
    for n in (100, 1_000, 5_000):
        minx, miny, maxx, maxy = theatre.extent
        xs, ys = rng.uniform(minx, maxx, n * 3), rng.uniform(miny, maxy, n * 3)
        inside = shapely.contains_xy(land, xs, ys)
        xs, ys = xs[inside][:n], ys[inside][:n]
        countries = theatre.countries_gdf()
        idx = countries.sindex.query(shapely.points(xs, ys), predicate="within")
        iso = np.full(len(xs), "SY", dtype=object)
        iso[idx[0]] = countries["iso_a2"].to_numpy()[idx[1]]
        import geopandas as gpd

        obs = gpd.GeoDataFrame(
            {
                "line": np.arange(len(xs)),
                "date": [_dt.date(2017, 6, 1)] * len(xs),
                "place_id": [f"p{i:05d}" for i in range(len(xs))],
                "place": [f"P{i}" for i in range(len(xs))],
                "kind": rng.choice(["city", "town", "village"], len(xs)),
                "country": iso,
                "faction": rng.choice(reg.ids[:4], len(xs)),
                "source": [f"synthetic {i}" for i in range(len(xs))],
                "confidence": 1.0,
                "note": "",
            },
            geometry=shapely.points(xs, ys),
            crs="EPSG:4326",
        )
        build_snapshot(obs, "2017-06-01", theatre, registry=reg)  # warm the land cache
        t, snap = _best(
            lambda obs=obs: build_snapshot(obs, "2017-06-01", theatre, registry=reg), repeat=2
        )
        verts = int(shapely.get_num_coordinates(snap.areas.geometry.values).sum())
        fac = obs["faction"].to_numpy()
        t_raw, _ = _best(lambda a=(xs, ys, fac, iso): raw_fill(*a, theatre), repeat=2)
        print(
            f"build_snapshot, {len(xs):,} places: {t:.2f} s ({verts:,} vertices out); "
            f"raw shapely fill {t_raw:.2f} s -> {t / t_raw:.2f}x"
        )
    try:
        from frontline.gazetteer import Gazetteer

        gaz = Gazetteer.load(theatre.data_dir, theatre)
        t0 = time.perf_counter()
        obs = read_observations(theatre.observations_path, reg, gaz, theatre)
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        for d in theatre.snapshot_dates:
            build_snapshot(obs, d, theatre, gaz, reg)
        print(
            f"shipped theatre: read {len(obs)} observations {t_read:.2f} s, build "
            f"{len(theatre.snapshot_dates)} snapshots {time.perf_counter() - t0:.2f} s"
        )
    except Exception as exc:  # noqa: BLE001
        print(f"shipped theatre: not built ({type(exc).__name__}: {str(exc)[:200]})")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench_import(Path(tmp))
    bench_build()


if __name__ == "__main__":
    main()
