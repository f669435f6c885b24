"""Export speed: frontline's GeoPackage export against a raw ``geopandas.to_file`` of the same rows.

Histories:

* synthetic: 10 daily snapshots of jagged fronts (``benchmarks/fronts.py``, ~50,000 vertices each);
* real (when ``../shared/data/deepstate-occupied-daily`` is present): the first 60 days of the
  DeepState occupied-area polygons as a one-faction theatre.

For each: seconds for the ``control`` layer alone (frontline: typed dates, normalised
geometry, layer_styles) against ``GeoDataFrame.to_file(engine="pyogrio")`` of the same rows,
the full export (front lines, changes, link-ups on every pair), the GeoJSON and FlatGeobuf
exports, and the file sizes.

Run: ``.venv/bin/python benchmarks/run.py export``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

DEEPSTATE = ROOT.parent / "shared" / "data" / "deepstate-occupied-daily"


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _synthetic(folder: Path, count: int = 10, vertices: int = 50_000):
    from fronts import JaggedTheatre, registry

    from frontline.store import ControlHistory

    reg = registry()
    h = ControlHistory(folder, registry=reg, validate=False)
    for snap in JaggedTheatre(vertices=vertices, seed=3).series(count):
        h.add(snap)
    return h


def _deepstate(folder: Path, count: int = 60):
    import geopandas as gpd

    from frontline.control import ControlSnapshot
    from frontline.factions import Faction, FactionRegistry
    from frontline.store import ControlHistory

    reg = FactionRegistry([Faction("occupier", "Occupying forces", "#D55E00", "a")])
    h = ControlHistory(folder, registry=reg, validate=False)
    files = sorted(DEEPSTATE.glob("deepstatemap_data_*.geojson"))[:count]
    for f in files:
        day = f.stem.rsplit("_", 1)[1]
        gdf = gpd.read_file(f, engine="pyogrio")
        gdf["faction"] = "occupier"
        h.add(
            ControlSnapshot.from_areas(
                f"{day[:4]}-{day[4:6]}-{day[6:]}",
                gdf[["faction", "geometry"]],
                sources=["DeepStateMap via cyterat/deepstate-map-data"],
            )
        )
    return h


def _bench(label: str, history, tmp: Path) -> None:
    import pandas as pd

    from frontline.export import collect_layers, export_fgb, export_geojson, export_gpkg
    from frontline.layerio import GPKG_VERSION, write_layer, write_layer_styles
    from frontline.qml import style_for

    n = len(history.dates())
    t_read, (layers, _) = _timed(lambda: collect_layers(history, layers=["control"]))
    layer = layers["control"]
    raw = layer.frame.copy()
    for c in ("date", "valid_from", "valid_to"):
        raw[c] = pd.to_datetime(raw[c])
    t_raw, _ = _timed(
        lambda: raw.to_file(tmp / f"{label}-raw.gpkg", layer="control", engine="pyogrio")
    )

    def ours():
        path = tmp / f"{label}-ours.gpkg"
        write_layer(path, layer, "GPKG", dataset_options={"VERSION": GPKG_VERSION})
        write_layer_styles(path, {"control": style_for("control", history.registry)})

    t_write, _ = _timed(ours)
    t_ctl, _ = _timed(
        lambda: export_gpkg(history, tmp / f"{label}-control.gpkg", layers=["control"])
    )
    t_all, res = _timed(lambda: export_gpkg(history, tmp / f"{label}-all.gpkg"))
    t_gj, _ = _timed(lambda: export_geojson(history, tmp / f"{label}-geojson", layers=["control"]))
    t_fgb, _ = _timed(lambda: export_fgb(history, tmp / f"{label}-fgb", layers=["control"]))
    size = (tmp / f"{label}-all.gpkg").stat().st_size / 1e6
    print(f"{label}: {n} snapshots, {len(layer.frame)} control rows")
    print(f"  reading the history (ControlHistory iteration):   {t_read:7.2f} s")
    print(f"  writing the control layer, raw to_file (pyogrio): {t_raw:7.2f} s")
    print(
        f"  writing it the frontline way (Date fields, GPKG 1.3, layer_styles): {t_write:.2f} s "
        f"= {t_write / t_raw:.2f}x raw"
    )
    print(f"  export_gpkg(layers=['control']) end to end:       {t_ctl:7.2f} s")
    print(
        f"  full GeoPackage ({', '.join(f'{k} {v}' for k, v in res.layers.items())}): "
        f"{t_all:.2f} s, {size:.1f} MB"
    )
    print(f"  control as GeoJSON {t_gj:.2f} s, as FlatGeobuf {t_fgb:.2f} s (end to end)")


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        _bench("synthetic", _synthetic(tmp / "synthetic"), tmp)
        if DEEPSTATE.is_dir():
            _bench("deepstate", _deepstate(tmp / "deepstate"), tmp)
        else:
            print(f"real data not found at {DEEPSTATE}; skipped")


if __name__ == "__main__":
    main()
