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
   polygons imported into the shipped Ukraine theatre as a user would (``control import
   --faction russia --complement ukraine``, :mod:`deepstate`), the full timeline, and the
   months as ``timeline --by month --lag-days 1`` gives them beside DeepState's published
   monthly figures (``tests/data/deepstate_monthly.csv``).

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

import shapely

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from bench_e2e import peak_mib  # noqa: E402 - found through HERE on sys.path
from deepstate import DEEPSTATE, THEATRE_ID, daily_files, import_deepstate  # noqa: E402


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
def deepstate_worker(root: str) -> None:
    """Fresh process: full timeline and the months of the imported DeepState theatre; JSON."""
    from frontline.diff import diff_dates
    from frontline.gazetteer import Gazetteer
    from frontline.periods import period_changes
    from frontline.store import ControlHistory
    from frontline.timeline import timeline
    from frontline.topology import front_lines

    history = ControlHistory.load(THEATRE_ID, root)
    t = time.perf_counter()
    timeline(history)
    dt = time.perf_counter() - t
    rss = peak_mib()
    # DeepState's monthly figure: the net change between its maps of the 1st (the file dated
    # the 2nd holds the map of the 1st: lag 1 day), see tests/data/deepstate_monthly.md
    t_months = time.perf_counter()
    months = period_changes(history, by="month", faction="russia", lag_days=1)
    t_months = time.perf_counter() - t_months
    # one month as a report would word it (places from GeoNames for Ukraine, via the gazetteer)
    gaz = Gazetteer.load(root, THEATRE_ID)
    t_month = time.perf_counter()
    cs = diff_dates(history, "2024-11-02", "2024-12-02", gazetteer=gaz, min_area_km2=0.5)
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
    rows = []
    for r in months.itertuples(index=False):
        fl = front_lines(history.at(r.date_b), history.registry, theatre=history.theatre)
        rows.append(
            {
                "month": r.period,
                "maps": f"{r.date_a} -> {r.date_b}",
                "gained_km2": r.gained_km2,
                "lost_km2": r.lost_km2,
                "net_km2": r.net_km2,
                "front_km": float(fl.length_km.sum()),
            }
        )
    print(
        json.dumps(
            {
                "seconds": dt,
                "snapshots": len(history),
                "peak_rss_mib": rss,
                "months_seconds": t_months,
                "november_2024": sample,
                "monthly": rows,
            }
        )
    )


def published_months() -> dict[str, tuple[float, str]]:
    """DeepState's published monthly net figures (tests/data/deepstate_monthly.csv)."""
    import csv

    path = REPO / "tests" / "data" / "deepstate_monthly.csv"
    with path.open(encoding="utf-8") as f:
        return {r["month"]: (float(r["published_km2"]), r["outlet"]) for r in csv.DictReader(f)}


def bench_deepstate() -> dict | None:
    if not daily_files():
        print(f"DeepState data not found at {DEEPSTATE}; skipped")
        return None
    with tempfile.TemporaryDirectory(prefix="frontline-deepstate-") as tmp:
        root, t_import = import_deepstate(Path(tmp) / "data")
        print(
            "DeepState: imported "
            f"{len(list((root / 'control' / THEATRE_ID).glob('*.geojson')))} "
            f"snapshots (--faction russia --complement ukraine) in {t_import:.1f} s"
        )
        r = run_worker("--deepstate-worker", str(root))
    print(
        f"  full timeline: {r['snapshots']} snapshots in {r['seconds']:.1f} "
        f"s ({1000 * r['seconds'] / r['snapshots']:.0f} ms/snapshot incl. "
        f"reading), peak {r['peak_rss_mib']:.0f} MiB (this process's own)"
    )
    print(f"  months (timeline --by month --lag-days 1): {r['months_seconds']:.1f} s")
    print("  month    maps compared              gained    lost     net  front km   published")
    published = published_months()
    for m in r["monthly"]:
        pub = published.get(m["month"])
        print(
            f"  {m['month']}  {m['maps']}  {m['gained_km2']:8,.1f} {m['lost_km2']:6,.1f} "
            f"{m['net_km2']:+8,.1f} {m['front_km']:8,.0f}   "
            + (f"{pub[0]:,.0f} km² net ({pub[1]})" if pub else "")
        )
    nov = r["november_2024"]
    print(f"  diff 2024-11-02 -> 2024-12-02 with the gazetteer ({nov['seconds']:.1f} s):")
    for line in nov["headline"]:
        print(f"    {line}")
    print("    largest pieces: " + "; ".join(nov["largest"]))
    print(f"    {nov['n_places']} places changed hands, e.g. " + ", ".join(nov["places"]))
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
