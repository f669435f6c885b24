"""Benchmark: the offline web map of a long history, written and opened in headless Chromium.

1. The shipped theatre (10 snapshots): time to write the site, data size against the
   snapshots' GeoJSON files.
2. Real data, when ``../shared/data/deepstate-occupied-daily/`` exists: the 769 daily DeepState
   maps imported into the shipped Ukraine theatre (``deepstate.py``), the site written, its data
   size against the raw files (goal: at most a fifth), then the page opened from ``file://``
   in Debian's Chromium (selenium + chromedriver) and timed: load until the map is ready
   (goal: under 2 s) and one date step until the next frame is painted (goal: under 100 ms),
   median and worst of 40 steps across the series.

Usage::

    .venv/bin/python benchmarks/bench_web.py                  # everything
    .venv/bin/python benchmarks/bench_web.py --data DIR       # reuse an imported DeepState folder
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from deepstate import DEEPSTATE, DEEPSTATE_LICENCE, THEATRE_ID, import_deepstate  # noqa: E402

FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1200,800",
)


def mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB"


def write(history, out: Path, **kw):
    from frontline.web import write_site

    t = time.perf_counter()
    site = write_site(history, out, overwrite=True, **kw)
    return site, time.perf_counter() - t


def browser_timings(index: Path, steps: int = 40) -> dict[str, float] | None:
    """Load time and date-step times of the page in headless Chromium (None without one)."""
    browser, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    try:
        from selenium import webdriver
    except ImportError:
        webdriver = None
    if not (browser and driver_path and webdriver):
        print("    (no chromium/chromedriver/selenium: apt-get install chromium chromium-driver)")
        return None
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for flag in FLAGS:
        opts.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="bench-web-chromium-")
    opts.add_argument(f"--user-data-dir={profile}")
    drv = webdriver.Chrome(
        options=opts, service=webdriver.ChromeService(executable_path=driver_path)
    )
    try:
        loads = []
        for _ in range(3):
            drv.get("about:blank")
            drv.get(index.as_uri())
            loads.append(
                drv.execute_async_script(
                    """
                    const done = arguments[arguments.length - 1];
                    const afterPaint = (f) => requestAnimationFrame(() => setTimeout(f, 0));
                    const wait = () => {
                      const m = window.frontlineMap;
                      if (!(m && m.ready)) return setTimeout(wait, 5);
                      afterPaint(() => done(performance.now()));
                    };
                    wait();
                    """
                )
                / 1000.0
            )
        step_ms = drv.execute_async_script(
            """
            const done = arguments[arguments.length - 1], n = arguments[0];
            const m = window.frontlineMap, N = m.dates.length, out = [];
            let k = 0;
            const next = () => {
              if (k >= n) return done(out);
              const i = Math.floor((k * 7919) % N);  // spread over the whole series
              const t = performance.now();
              m.showDate(i);
              // after the next frame is painted: a task queued from requestAnimationFrame
              requestAnimationFrame(() => setTimeout(() => {
                out.push(performance.now() - t); k++; next();
              }, 0));
            };
            next();
            """,
            steps,
        )
        adjacent = drv.execute_async_script(
            """
            const done = arguments[arguments.length - 1], n = arguments[0];
            const m = window.frontlineMap, out = [];
            let k = 0;
            m.showDate(0);
            const next = () => {
              if (k >= n) return done(out);
              const t = performance.now();
              m.showDate(m.state.i + 1);
              // after the next frame is painted: a task queued from requestAnimationFrame
              requestAnimationFrame(() => setTimeout(() => {
                out.push(performance.now() - t); k++; next();
              }, 0));
            };
            next();
            """,
            steps,
        )
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return {
        "load_s": min(loads),
        "load_worst_s": max(loads),
        "step_median_ms": statistics.median(step_ms),
        "step_worst_ms": max(step_ms),
        "adjacent_median_ms": statistics.median(adjacent),
        "adjacent_worst_ms": max(adjacent),
    }


def report(site, seconds: float, raw_bytes: int, label: str, goal: bool = False) -> None:
    print(
        f"{label}: {site.dates} dates → {site.fragments:,} fragments, {site.runs:,} runs; "
        f"written in {seconds:.1f} s"
    )
    history = sum(
        size for name, size in site.files.items()
        if name in ("data/areas.js", "data/fronts.js", "data/sources.js", "data/meta.js")
    )  # fmt: skip
    print(
        f"    data {mb(site.data_bytes)} vs raw snapshot files {mb(raw_bytes)}: "
        f"{site.data_bytes / raw_bytes:.3f} of the raw size{' (goal ≤ 0.2)' if goal else ''}; "
        f"of it the history (areas, fronts, sources) {mb(history)} = "
        f"{history / raw_bytes:.3f}, the rest basemap and place names; "
        f"site {mb(site.total_bytes)} with assets"
    )
    for name, size in sorted(site.files.items()):
        if name.startswith("data/"):
            print(f"      {name}: {mb(size)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="an imported DeepState data dir")
    parser.add_argument("--out", type=Path, default=None, help="where to write the sites")
    args = parser.parse_args(argv if argv is not None else [])
    from frontline.store import ControlHistory
    from frontline.theatre import shipped_data_dir

    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    out = args.out or work
    try:
        history = ControlHistory.load("syria-iraq-2017")
        raw = sum(
            p.stat().st_size
            for p in (shipped_data_dir() / "control" / "syria-iraq-2017").glob("*.geojson")
        )
        site, seconds = write(history, out / "site-syria-iraq-2017")
        report(site, seconds, raw, "shipped theatre")
        timings = browser_timings(site.index, steps=20)
        if timings:
            print("    browser: " + ", ".join(f"{k} {v:.3f}" for k, v in timings.items()))

        if not DEEPSTATE.is_dir() and args.data is None:
            print(f"(no {DEEPSTATE}: the DeepState part is skipped)")
            return
        if args.data is None:
            root, t_import = import_deepstate(work / "deepstate")
            print(f"DeepState imported in {t_import:.0f} s")
        else:
            root = args.data
        history = ControlHistory.load(THEATRE_ID, root)
        history.validate = False  # validated when imported
        raw = sum(p.stat().st_size for p in DEEPSTATE.glob("deepstatemap_data_*.geojson"))
        site, seconds = write(history, out / "site-deepstate", data_licence=DEEPSTATE_LICENCE)
        report(site, seconds, raw, "DeepState", goal=True)
        timings = browser_timings(site.index)
        if timings:
            print(
                f"    load {timings['load_s']:.2f} s (worst of 3: {timings['load_worst_s']:.2f} s; "
                f"goal < 2 s); one date step {timings['step_median_ms']:.0f} ms median, "
                f"{timings['step_worst_ms']:.0f} ms worst (goal < 100 ms); next-date steps "
                f"{timings['adjacent_median_ms']:.0f} ms median, "
                f"{timings['adjacent_worst_ms']:.0f} ms worst"
            )
    finally:
        if args.out is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
