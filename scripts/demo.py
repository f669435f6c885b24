"""The main job: render the 2017 Syria–Iraq border maps, diffs and exports into ``out/``.

Run by ``make demo`` (``python scripts/demo.py --out out``). Everything comes from the
shipped data in ``geodata/`` (or ``--data DIR``); nothing is downloaded. Outputs in the
target folder are regenerated on every run.

What it writes::

    out/
      headline-2017-05-29_2017-06-18.png/.svg   the June 2017 change map (the README picture)
      maps/<date>.png                          one dated control map per snapshot
      diffs/<a>_<b>.md / .geojson / .csv       situation report, QGIS layer and table per step
      timeline.csv, timeline.md, timeline.png  area per faction over 2017
      frontline.gpkg, frontline.qgs            GeoPackage with QGIS styles + project (temporal)
      syria-iraq-2017.gif                      timelapse, one frame per snapshot
      site/index.html                          the offline web map (frontline web)
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from frontline.diff import diff  # noqa: E402
from frontline.export import export_gpkg  # noqa: E402
from frontline.gazetteer import Gazetteer  # noqa: E402
from frontline.qgis_project import export_qgs  # noqa: E402
from frontline.render import animate, close, render_change, render_map, save_map  # noqa: E402
from frontline.store import ControlHistory, atomic_write_text  # noqa: E402
from frontline.timeline import plot_timeline, timeline, timeline_markdown  # noqa: E402
from frontline.web import write_site  # noqa: E402

THEATRE = "syria-iraq-2017"
#: The headline: the PMU at the Syrian border near Tal Safouk (29 May), the Syrian army at the
#: Iraqi border north-east of At Tanf (9 June) and the Iraqi capture of Al-Walid (17 June).
HEADLINE = ("2017-05-29", "2017-06-18")


def step(msg: str) -> float:
    print(f"• {msg}", flush=True)
    return time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument(
        "--data", type=Path, default=None, help="data directory (default: ./geodata)"
    )
    parser.add_argument("--theatre", default=THEATRE)
    parser.add_argument(
        "--no-animation", action="store_true", help="skip the GIF (the slowest step)"
    )
    args = parser.parse_args(argv)

    t_start = time.perf_counter()
    history = ControlHistory.load(args.theatre, args.data)
    dates = history.dates()
    if len(dates) < 2:
        print(
            f"the history of {args.theatre} has {len(dates)} snapshot(s); nothing to compare",
            file=sys.stderr,
        )
        return 1
    registry, theatre = history.registry, history.theatre
    gazetteer = Gazetteer.load(theatre.data_dir, theatre)
    out: Path = args.out
    for sub in ("maps", "diffs"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True, exist_ok=True)
    print(f"{theatre.name}: {len(dates)} snapshots, {dates[0]} to {dates[-1]} → {out}/")

    # 1. the headline change map
    a, b = (dt.date.fromisoformat(d) for d in HEADLINE)
    if not (a in dates and b in dates):
        a, b = dates[0], dates[1]
    step(f"headline change map {a} → {b}")
    cs = diff(
        history.get(a), history.get(b), registry=registry, gazetteer=gazetteer, theatre=theatre
    )
    ax = render_change(
        history, a, b, registry=registry, gazetteer=gazetteer, theatre=theatre, changes=cs
    )
    for suffix in (".png", ".svg"):
        save_map(ax, out / f"headline-{a}_{b}{suffix}", overwrite=True)
    close(ax)

    # 2. one dated map per snapshot, and 3. a diff for every consecutive pair
    step("dated maps and diffs for every snapshot")
    for snap_a, snap_b in history.pairs():
        if snap_a.date == dates[0]:
            ax = render_map(snap_a, registry=registry, gazetteer=gazetteer, theatre=theatre)
            save_map(ax, out / "maps" / f"{snap_a.date}.png", overwrite=True)
            close(ax)
        ax = render_map(snap_b, registry=registry, gazetteer=gazetteer, theatre=theatre)
        save_map(ax, out / "maps" / f"{snap_b.date}.png", overwrite=True)
        close(ax)
        step_cs = diff(snap_a, snap_b, registry=registry, gazetteer=gazetteer, theatre=theatre)
        stem = out / "diffs" / f"{snap_a.date}_{snap_b.date}"
        atomic_write_text(stem.with_suffix(".md"), step_cs.to_markdown(), overwrite=True)
        atomic_write_text(stem.with_suffix(".geojson"), step_cs.to_geojson(), overwrite=True)
        step_cs.summary.to_csv(stem.with_suffix(".csv"), index=False)
        print(
            f"    {snap_a.date} → {snap_b.date}: {len(step_cs.changes)} "
            f"changed areas, {len(step_cs.places_changed)} places "
            f"changed hands, {len(step_cs.link_ups)} link-ups/cuts"
        )

    # 4. the timeline
    step("timeline")
    df = timeline(history, gazetteer=gazetteer)
    df.to_csv(out / "timeline.csv", index=False)
    atomic_write_text(out / "timeline.md", timeline_markdown(df, registry), overwrite=True)
    ax = plot_timeline(df, registry=registry)
    save_map(ax, out / "timeline.png", overwrite=True)
    close(ax)

    # 5. GIS exports: GeoPackage with QGIS styles, and a QGIS project with temporal settings
    step("GeoPackage + QGIS project")
    result = export_gpkg(history, out / "frontline.gpkg", gazetteer=gazetteer, overwrite=True)
    export_qgs(
        out / "frontline.gpkg",
        out / "frontline.qgs",
        registry=registry,
        theatre=theatre,
        overwrite=True,
    )
    print("    layers: " + ", ".join(f"{k} ({v})" for k, v in result.layers.items()))

    # 6. the offline web map
    step("web map")
    site = write_site(history, out / "site", gazetteer=gazetteer, overwrite=True)
    print(
        f"    {site.index}: {site.dates} dates, {site.fragments} fragments, "
        f"{site.data_bytes / 1e6:.2f} MB of data"
    )

    # 7. the timelapse
    if not args.no_animation:
        step("timelapse GIF")
        animate(
            history,
            None,
            None,
            out / f"{theatre.id}.gif",
            overwrite=True,
            registry=registry,
            gazetteer=gazetteer,
            theatre=theatre,
        )

    print(f"done in {time.perf_counter() - t_start:.0f} s; open {out}/headline-{a}_{b}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
