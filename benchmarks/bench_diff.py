"""Benchmark: diffs, front lines and timelines.

1. Diff of two jagged-front snapshots (>= 100,000 vertices each, :mod:`fronts`) against the
   raw shapely 2 overlay of the same geometries: every pair of areas whose envelopes
   intersect (STRtree), intersected with vectorised ``shapely.intersection``: what
   ``geopandas.overlay(how="intersection")`` does without the pandas bookkeeping. The diff
   also finds unknown ground, measures geodesic areas and words locations. Two ratios are
   printed, measured in one run (best of 3, the three timings taken in turns): the
   overlay-only diff (``topology=False``: changes + balance) and the full ChangeSet (plus
   front lines on both dates, link-ups and encirclements), each against the raw overlay;
   for a week of heavy fighting (most of each front moved) and for a quiet day (a few
   sectors moved).
2. Timeline scaling: daily histories of 250, 500 and 1,000 snapshots written to a temporary
   file store, each timeline run in a fresh process (time, time per step, peak RSS).
3. Real data, when ``../shared/data/deepstate-occupied-daily/`` exists: the 769 daily DeepState
   polygons imported as a two-faction theatre (occupied vs. the rest of Ukraine within its
   Natural Earth borders), the full timeline, and the monthly km² series.

Usage::

    .venv/bin/python benchmarks/bench_diff.py            # everything
    .venv/bin/python benchmarks/bench_diff.py --quick    # smaller sizes
    .venv/bin/python benchmarks/bench_diff.py --pairs    # only the diff ratios (140,000 vertices)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEEPSTATE = REPO.parent / "shared" / "data" / "deepstate-occupied-daily"
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from bench_e2e import peak_mib  # noqa: E402 - found through HERE on sys.path


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def raw_overlay(a, b):
    """The raw shapely 2 overlay: intersections of every pair of areas whose envelopes meet."""
    A, B = a.areas.geometry.values, b.areas.geometry.values
    left, right = shapely.STRtree(B).query(A, predicate="intersects")
    return shapely.intersection(A[left], B[right])


def bench_pair(label: str, a, b, registry, repeat: int = 3) -> dict:
    """Raw overlay, overlay-only diff and full ChangeSet on the same pair, best of *repeat*.

    The three are measured in turns (raw, overlay-only, full; *repeat* rounds) so that a
    burst of load on the machine hits all of them alike; each ratio is best over best.
    """
    from fronts import vertex_count

    from frontline import topology
    from frontline.diff import diff

    # cold runs: forget the boundaries a previous run prepared for these maps
    clear = getattr(topology, "clear_cache", lambda: None)
    va, vb = vertex_count(a), vertex_count(b)
    t_raw = t_core = t_full = float("inf")
    cs = full = None
    for _ in range(repeat):
        t, _ = best_of(lambda: raw_overlay(a, b), 1)
        t_raw = min(t_raw, t)
        t, cs = best_of(lambda: diff(a, b, topology=False), 1)
        t_core = min(t_core, t)
        clear()
        t, full = best_of(lambda: diff(a, b, registry), 1)
        t_full = min(t_full, t)
    # warm: both maps' boundaries kept from the run above (a map diffed with the one before
    # and the one after it, or drawn after being diffed)
    t_warm, _ = best_of(lambda: diff(a, b, registry), repeat)
    print(
        f"{label}: {va:,} / {vb:,} vertices; {len(cs.changes):,} changed pieces, "
        f"{cs.changes.area_km2.sum():,.0f} km² changed hands"
    )
    print(f"  raw shapely 2 overlay (same geometries)      {t_raw:7.3f} s   1.00x")
    print(
        f"  overlay only: diff(topology=False)           {t_core:7.3f} s   "
        f"{t_core / t_raw:5.2f}x raw  (goal <= 1.3x)"
    )
    print(
        f"  full ChangeSet: + fronts, link-ups, pockets  {t_full:7.3f} s   "
        f"{t_full / t_raw:5.2f}x raw  (goal <= 1.3x; topology {t_full - t_core:.3f} s; "
        f"{len(full.front_lines_a)}/{len(full.front_lines_b)} fronts, "
        f"{full.front_lines_b.length_km.sum():,.0f} km)"
    )
    print(
        f"  full ChangeSet, boundaries already prepared  {t_warm:7.3f} s   "
        f"{t_warm / t_raw:5.2f}x raw  (same maps diffed or drawn before: kept per snapshot)"
    )
    return {
        "label": label,
        "vertices": [va, vb],
        "raw_s": t_raw,
        "diff_s": t_core,
        "full_s": t_full,
        "overlay_ratio": t_core / t_raw,
        "full_ratio": t_full / t_raw,
        "full_warm_s": t_warm,
    }


# -- timeline scaling -----------------------------------------------------------------------------
def write_history(root: Path, count: int, vertices: int) -> Path:
    from fronts import JaggedTheatre

    from frontline.store import ControlHistory

    folder = root / "all"
    history = ControlHistory(folder, validate=False)
    for snap in JaggedTheatre(vertices=vertices, seed=3, sectors=3, shift_deg=0.01).series(count):
        history.add(snap)
    return folder


def prefix_history(all_dir: Path, root: Path, count: int) -> Path:
    dest = root / f"n{count}"
    dest.mkdir(exist_ok=True)
    for p in sorted(all_dir.glob("*.geojson"))[:count]:
        link = dest / p.name
        if not link.exists():
            os.symlink(p, link)
    return dest


def timeline_worker(folder: str) -> None:
    """Run in a fresh process: stream the timeline of a folder, print JSON with time and RSS."""
    from frontline.store import ControlHistory
    from frontline.timeline import timeline

    t = time.perf_counter()
    df = timeline(ControlHistory(folder, validate=False))
    dt = time.perf_counter() - t
    rss = peak_mib()  # this process's own peak (VmHWM), not ru_maxrss inherited at exec
    print(json.dumps({"seconds": dt, "rows": len(df), "peak_rss_mib": rss}))


def run_worker(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_timeline(sizes=(250, 500, 1000), vertices: int = 10_000) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory(prefix="frontline-bench-") as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        all_dir = write_history(root, max(sizes), vertices)
        print(
            f"timeline: wrote {max(sizes)} daily snapshots of "
            f"~{vertices:,} vertices in {time.perf_counter() - t:.1f} s"
        )
        for n in sizes:
            r = run_worker("--timeline-worker", str(prefix_history(all_dir, root, n)))
            r["snapshots"] = n
            results.append(r)
            print(
                f"  {n:5d} snapshots: {r['seconds']:6.1f} s  ({1000 * r['seconds'] / n:5.1f} "
                f"ms/snapshot)  peak RSS {r['peak_rss_mib']:6.0f} MiB"
            )
    if len(results) > 1:
        per = [r["seconds"] / r["snapshots"] for r in results]
        print(
            f"  linearity: time per snapshot at {sizes[-1]} / at "
            f"{sizes[0]} = {per[-1] / per[0]:.2f} (1.00 = linear)"
        )
    return results


# -- DeepState real data --------------------------------------------------------------------------
DEEPSTATE_FACTIONS = """\
# Two-faction registry for the DeepState benchmark (see benchmarks/bench_diff.py).
default_relation: neutral
sides:
  russia: {name: "Russian forces"}
  ukraine: {name: "Ukrainian forces"}
factions:
  - {id: occupied, name: "Russian-occupied", short_name: "Russian forces",
     colour: "#D55E00", side: russia}
  - {id: ukraine, name: "Ukrainian-held (rest of Ukraine)", short_name: "Ukrainian forces",
     colour: "#0072B2", side: ukraine}
relations:
  - {sides: [russia, ukraine], relation: hostile}
"""

DEEPSTATE_THEATRE = """\
id: ukraine-deepstate
name: "Ukraine (DeepStateMap occupied area, daily)"
countries: [UA]
extent: [22.0, 44.0, 40.5, 52.5]
"""


def import_deepstate(root: Path) -> tuple[Path, float]:
    """Import the DeepState files into a data folder: occupied + (Ukraine − occupied)."""
    from frontline.control import ControlSnapshot
    from frontline.store import ControlHistory
    from frontline.theatre import Theatre

    (root / "theatres").mkdir(parents=True)
    (root / "factions.yaml").write_text(DEEPSTATE_FACTIONS, encoding="utf-8")
    (root / "theatres" / "ukraine-deepstate.yaml").write_text(DEEPSTATE_THEATRE, encoding="utf-8")
    theatre = Theatre.load("ukraine-deepstate", root)
    land = theatre.land()
    shapely.prepare(land)
    history = ControlHistory.load("ukraine-deepstate", root)
    t = time.perf_counter()
    for path in sorted(DEEPSTATE.glob("deepstatemap_data_*.geojson")):
        stamp = path.stem.rsplit("_", 1)[-1]
        day = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:]}"
        doc = json.loads(path.read_text(encoding="utf-8"))
        occ = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in doc["features"]])
        occ = shapely.make_valid(occ) if not occ.is_valid else occ
        ukr = _drop_slivers(shapely.difference(land, occ), meter_crs=theatre.area_crs)
        history.add(ControlSnapshot.from_areas(day, {"occupied": occ, "ukraine": ukr}), repair=True)
    return root, time.perf_counter() - t


def _drop_slivers(geom, meter_crs, min_width_km: float = 1.0):
    """Drop parts thinner than *min_width_km* (mean width 2·area/perimeter, in the equal-area CRS).

    Natural Earth's border and DeepState's occupied-area edge are digitised independently, so
    ``Ukraine − occupied`` leaves slivers along the Russian border that would read as front.
    """
    import pyproj

    tr = pyproj.Transformer.from_crs("EPSG:4326", meter_crs, always_xy=True)
    parts = shapely.get_parts(geom)
    proj = shapely.transform(parts, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    width_km = 2 * shapely.area(proj) / np.maximum(shapely.length(proj), 1e-9) / 1000.0
    return shapely.MultiPolygon(list(parts[width_km >= min_width_km]))


#: Monthly areas Russia took, as published by DeepState (km²), for comparison.
PUBLISHED = {
    "2024-08": (363, "DeepState via n-pravda.in.ua, 2025-02-01"),
    "2024-10": (490, 'DeepState via news.liga.net, 2024-11 ("approximately 490")'),
    "2024-11": (730, "DeepState via n-pravda.in.ua, 2025-02-01"),
    "2025-01": (325, "DeepState via n-pravda.in.ua, 2025-02-01"),
    "2025-09": (259, "DeepState report of 2025-10-01 via newshorizondaily.com"),
}


def deepstate_worker(root: str) -> None:
    """Fresh process: full timeline of the imported DeepState theatre; JSON with series."""
    from frontline.store import ControlHistory
    from frontline.timeline import timeline
    from frontline.topology import front_lines

    history = ControlHistory.load("ukraine-deepstate", root)
    t = time.perf_counter()
    df = timeline(history)
    dt = time.perf_counter() - t
    rss = peak_mib()
    occ = df[df.faction == "occupied"].copy()
    occ["month"] = [d.strftime("%Y-%m") for d in occ.date]
    monthly = occ.groupby("month").agg(
        first=("date", "min"), last=("date", "max"), area_end=("area_km2", "last"),
        gained=("gained_km2", "sum"), lost=("lost_km2", "sum"), days=("date", "count"),
    )  # fmt: skip
    # one month as a report would word it (places from GeoNames for Ukraine, via the gazetteer)
    from frontline.diff import diff_dates
    from frontline.gazetteer import Gazetteer

    gaz = Gazetteer.load(root, "ukraine-deepstate")
    t_month = time.perf_counter()
    cs = diff_dates(history, "2024-10-31", "2024-11-30", gazetteer=gaz, min_area_km2=0.5)
    t_month = time.perf_counter() - t_month
    sample = {
        "seconds": t_month,
        "headline": cs.to_markdown().split("## Places")[0].strip().splitlines()[-3:],
        "largest": [
            f"{r.area_km2:,.1f} km² {r.location}"
            for r in cs.changes.head(6).itertuples(index=False)
        ],
        "places": [
            f"{r.name} ({r.kind})" for r in cs.places_changed.head(12).itertuples(index=False)
        ],
        "n_places": len(cs.places_changed),
    }
    fronts = {}
    for month, row in monthly.iterrows():
        fl = front_lines(history.at(row["last"]), history.registry, theatre=history.theatre)
        fronts[month] = float(fl.length_km.sum())
    print(
        json.dumps(
            {
                "seconds": dt,
                "snapshots": len(history),
                "peak_rss_mib": rss,
                "november_2024": sample,
                "monthly": [
                    {
                        "month": m,
                        "last": r["last"].isoformat(),
                        "occupied_km2": r["area_end"],
                        "gained_km2": r["gained"],
                        "lost_km2": r["lost"],
                        "net_km2": r["gained"] - r["lost"],
                        "days": int(r["days"]),
                        "front_km": fronts[m],
                    }
                    for m, r in monthly.iterrows()
                ],
            }
        )
    )


def bench_deepstate() -> dict | None:
    if not DEEPSTATE.is_dir():
        print(f"DeepState data not found at {DEEPSTATE}; skipped")
        return None
    with tempfile.TemporaryDirectory(prefix="frontline-deepstate-") as tmp:
        root, t_import = import_deepstate(Path(tmp) / "data")
        print(
            "DeepState: imported "
            f"{len(list((root / 'control' / 'ukraine-deepstate').glob('*.geojson')))} "
            f"snapshots in {t_import:.1f} s"
        )
        r = run_worker("--deepstate-worker", str(root))
    print(
        f"  full timeline: {r['snapshots']} snapshots in {r['seconds']:.1f} "
        f"s ({1000 * r['seconds'] / r['snapshots']:.0f} ms/snapshot incl. "
        f"reading + validation), peak RSS {r['peak_rss_mib']:.0f} MiB"
    )
    print(
        "  month    last day    occupied km²   gained   "
        "lost    net   front km   published (DeepState)"
    )
    for m in r["monthly"]:
        pub = PUBLISHED.get(m["month"])
        print(
            f"  {m['month']}  {m['last']}  {m['occupied_km2']:12,.0f} {m['gained_km2']:8,.0f} "
            f"{m['lost_km2']:6,.0f} {m['net_km2']:+7,.0f} {m['front_km']:8,.0f}   "
            + (f"{pub[0]:,} km²  ({pub[1]})" if pub else "")
        )
    nov = r["november_2024"]
    print(f"  diff 2024-10-31 -> 2024-11-30 with the gazetteer ({nov['seconds']:.1f} s):")
    for line in nov["headline"]:
        print(f"    {line}")
    print("    largest pieces: " + "; ".join(nov["largest"]))
    print(f"    {nov['n_places']} places changed hands, e.g. " + ", ".join(nov["places"]))
    print(
        "  (gained: ground that became occupied that month, summed "
        "over daily steps; the first month starts 2024-07-08)"
    )
    return r


def main(quick: bool = False, pairs_only: bool = False) -> dict:
    from fronts import JaggedTheatre, jagged_pair, registry

    print(
        f"python {sys.version.split()[0]}, shapely {shapely.__version__} "
        f"(GEOS {shapely.geos_version_string}), {os.cpu_count()} CPUs"
    )
    reg = registry()
    results = {}
    vertices = 40_000 if quick else 140_000
    a, b = jagged_pair(vertices=vertices, seed=0, days=7)
    results["week"] = bench_pair("jagged fronts, one week apart (most sectors moved)", a, b, reg)
    th = JaggedTheatre(vertices=vertices, seed=1, sectors=2, shift_deg=0.02)
    a = th.snapshot()
    th.step()
    results["day"] = bench_pair(
        "jagged fronts, one day apart (a few sectors moved)", a, th.snapshot(), reg
    )
    if pairs_only:
        return results
    results["timeline"] = bench_timeline(
        (50, 100, 200) if quick else (250, 500, 1000), 5_000 if quick else 10_000
    )
    results["deepstate"] = None if quick else bench_deepstate()
    return results


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--timeline-worker":
        timeline_worker(sys.argv[2])
    elif len(sys.argv) > 2 and sys.argv[1] == "--deepstate-worker":
        deepstate_worker(sys.argv[2])
    else:
        main(quick="--quick" in sys.argv, pairs_only="--pairs" in sys.argv)
