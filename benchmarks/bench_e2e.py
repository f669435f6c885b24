"""End to end: ``frontline timeline`` and ``frontline diff --format csv`` as a user types them.

On the real daily DeepState maps of occupied Ukraine (``../shared/data/deepstate-occupied-
daily``, GPL-3.0: read from there, never copied into the repository), side by side in one run,
each figure measured in its OWN fresh process (wall time of the whole process, interpreter
start and imports included; peak memory from that child's own ``VmHWM``, written at its exit:
``ru_maxrss`` -- ``RUSAGE_SELF`` in a child, or ``wait4`` in the parent -- carries the
parent's high-water mark over at exec, see :func:`peak_mib`):

* naive timeline: a script that reads the raw files with geopandas/pyogrio and, for each
  consecutive pair, computes ``shapely.difference`` both ways and their geodesic areas
  (pyproj ``Geod``);
* ``frontline timeline`` as typed (place counting on: the theatre's gazetteer), the first
  run after the import and a repeat run; goal <= 0.3x the naive script for both;
* naive diff of one pair (read two raw files, difference both ways, geodesic areas) and
  ``frontline diff A B --format csv`` (the changes table); goal <= 1.0x;
* the import of the series as typed (``frontline control import FOLDER --faction occupied
  --repair``, the snapshot cache it writes included) against a raw read + ``is_valid`` +
  GeoJSON write of every file (``bench_import.RAW``); goal <= 1.5x. Measured once (an import
  needs a fresh folder); ``bench_import.py`` adds the re-run and the one-new-day run.

Setup (not one of the figures): a temporary data folder with a one-country theatre (UA) and
one faction (``occupied``), the days imported with ``frontline control import FOLDER
--faction occupied --repair`` (which also fills the snapshot cache, as a user's import does),
and ``FRONTLINE_CACHE`` pointed at a temporary folder whose gazetteer caches (the GeoNames
layer and the places' points) are warmed once (a user's are warm after first use).
Compiled bytecode likewise: the children write and read ``.pyc`` files under a temporary
``PYTHONPYCACHEPREFIX`` (``PYTHONDONTWRITEBYTECODE`` is dropped for them), warmed by one
unmeasured run of each script, as an installed package (compiled by pip) or a checkout run
once before has them. Without this, a shell that sets
``PYTHONDONTWRITEBYTECODE`` made frontline compile its ~50 modules from source in every
measured process (about 0.2-0.3 s of CPU) while the naive script's libraries came from
site-packages' own ``__pycache__``.

Usage::

    .venv/bin/python benchmarks/bench_e2e.py              # all 769 days
    .venv/bin/python benchmarks/bench_e2e.py --days 100   # quick mode (also: --quick)
    .venv/bin/python benchmarks/bench_e2e.py --rounds 3   # best of 3, measured in turns
    .venv/bin/python benchmarks/run.py e2e
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from bench_import import RAW  # noqa: E402  (the raw read-check-write script)

DEEPSTATE = REPO.parent / "shared" / "data" / "deepstate-occupied-daily"
THEATRE_ID = "ukraine-e2e"

FACTIONS = """\
# One faction for the end-to-end benchmark (benchmarks/bench_e2e.py).
factions:
  - {id: occupied, name: "Russian-occupied (DeepStateMap)", colour: "#D55E00"}
"""

THEATRE = f"""\
id: {THEATRE_ID}
name: "Ukraine (DeepStateMap occupied area, daily)"
countries: [UA]
extent: [22.0, 44.0, 40.5, 52.5]
"""


def raw_files(days: int | None) -> list[Path]:
    """The DeepState files in date order (the first *days* of them)."""
    files = sorted(DEEPSTATE.glob("deepstatemap_data_*.geojson"))
    return files[:days] if days else files


def day_of(path: Path) -> str:
    stamp = path.stem.rsplit("_", 1)[-1]
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:]}"


# -- workers: each runs in its own process ------------------------------------------------
def naive_union(path: Path):
    import geopandas as gpd
    import shapely

    gdf = gpd.read_file(path, engine="pyogrio")
    geom = shapely.union_all(shapely.make_valid(gdf.geometry.values))
    return geom


def naive_pair(a, b, geod) -> tuple[float, float]:
    import shapely

    gained = shapely.difference(b, a)
    lost = shapely.difference(a, b)
    return (
        abs(geod.geometry_area_perimeter(gained)[0]) / 1e6,
        abs(geod.geometry_area_perimeter(lost)[0]) / 1e6,
    )


def naive_timeline_worker(days: int | None) -> None:
    """The naive end-to-end script: raw files, differences both ways, geodesic areas."""
    import pyproj

    geod = pyproj.Geod(ellps="WGS84")
    prev = None
    total = 0.0
    for path in raw_files(days):
        cur = naive_union(path)
        if prev is not None:
            g, lo = naive_pair(prev, cur, geod)
            total += g + lo
        prev = cur
    print(f"changed {total:.1f} km²")


def naive_diff_worker(a: str, b: str) -> None:
    import pyproj

    geod = pyproj.Geod(ellps="WGS84")
    g, lo = naive_pair(naive_union(Path(a)), naive_union(Path(b)), geod)
    print(f"gained {g:.3f} lost {lo:.3f}")


def warm_worker(root: str) -> None:
    """Load the theatre's gazetteer and its points once: their caches are warm, as a user's are.

    (The GeoNames layer's cache, and :mod:`frontline.placepoints`' compact one, which
    ``diff --format csv`` reads to describe locations.)
    """
    from frontline.gazetteer import Gazetteer
    from frontline.placepoints import PlacePoints

    Gazetteer.load(root, THEATRE_ID)
    PlacePoints.load(root, THEATRE_ID)


# -- peak memory -----------------------------------------------------------------------------
def peak_mib() -> float:
    """Peak resident memory of THIS process since it was exec'd, MiB (``VmHWM``).

    Not ``ru_maxrss``: Linux carries the parent's high-water mark over into a child's
    ``ru_maxrss`` at exec (``RUSAGE_SELF`` in the child and ``wait4``/``RUSAGE_CHILDREN`` in
    the parent alike), so a child of a large process reports the parent's peak. ``VmHWM``
    belongs to the memory map the exec created. Falls back to ``ru_maxrss`` off Linux.
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: Run in every measured child: at exit, write its own peak memory where the parent says.
HWM_HOOK = (
    f"import atexit, os, sys; sys.path.append({str(HERE)!r}); from bench_e2e import peak_mib; "
    "atexit.register(lambda: open(os.environ['FRONTLINE_BENCH_HWM'], 'w')"
    ".write(str(peak_mib())))"
)


# -- the parent: one fresh process per figure ---------------------------------------------
def run_child(args: list[str], env: dict[str, str], out: Path | None = None) -> dict:
    """Run *args* in a fresh process; return its wall time and its own peak memory (MiB).

    The peak is the child's ``VmHWM`` written at its exit (:func:`peak_mib`); ``wait4``'s
    ``ru_maxrss`` is kept beside it (``ru_maxrss_mib``), equal unless this parent is larger.
    """
    stdout = open(out, "wb") if out is not None else subprocess.DEVNULL  # noqa: SIM115
    with tempfile.TemporaryDirectory(prefix="frontline-hwm-") as tmp:
        hwm = Path(tmp) / "hwm"
        try:
            t = time.perf_counter()
            proc = subprocess.Popen(
                args,
                env={**env, "FRONTLINE_BENCH_HWM": str(hwm)},
                stdout=stdout,
                stderr=subprocess.PIPE,
                cwd=REPO,
            )
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - t
            err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            proc.stderr.close() if proc.stderr else None
        finally:
            if out is not None:
                stdout.close()
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise RuntimeError(f"{' '.join(args[:4])} … exited {code}: {err[-2000:]}")
        peak = float(hwm.read_text()) if hwm.is_file() else float("nan")
    return {
        "seconds": seconds,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mib": peak,
        "ru_maxrss_mib": usage.ru_maxrss / 1024,
    }


def worker(*args: str) -> list[str]:
    """A worker of this file in a fresh process (it writes its peak memory at exit)."""
    return [sys.executable, str(Path(__file__).resolve()), "--worker", *args]


def cli(*args: str) -> list[str]:
    """The ``frontline`` console script, run from this checkout (peak memory hook first)."""
    return [sys.executable, "-c", HWM_HOOK + "; from frontline.cli import main; main()", *args]


def bench(days: int | None = None, rounds: int = 1) -> dict:
    """Measure every figure in its own process, side by side in one run; print and return them.

    With *rounds* > 1 every figure is measured that many times, in turns, and the best kept.
    """
    if not DEEPSTATE.is_dir():
        print(f"DeepState data not found at {DEEPSTATE}; skipped")
        return {}
    files = raw_files(days)
    with tempfile.TemporaryDirectory(prefix="frontline-e2e-") as tmp:
        root = Path(tmp) / "data"
        (root / "theatres").mkdir(parents=True)
        (root / "factions.yaml").write_text(FACTIONS, encoding="utf-8")
        (root / "theatres" / f"{THEATRE_ID}.yaml").write_text(THEATRE, encoding="utf-8")
        env = dict(os.environ)
        env["FRONTLINE_CACHE"] = str(Path(tmp) / "cache")
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
        # bytecode compiled once and reused, as for a user (see the module docstring)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        n = str(len(files))
        series = Path(tmp) / "series"  # the first N days: links to the shared files, no copy
        series.mkdir()
        for path in files:
            (series / path.name).symlink_to(path)
        raw_script = Path(tmp) / "raw_import.py"
        raw_script.write_text(HWM_HOOK + "\n" + RAW, encoding="utf-8")  # its own peak too
        (Path(tmp) / "raw-out").mkdir()
        raw_imp = run_child(
            [sys.executable, str(raw_script), str(Path(tmp) / "raw-out"), *map(str, files)], env
        )
        imp = run_child(
            cli("control", "import", str(series), "--faction", "occupied", "--repair", "-q",
                "--theatre", THEATRE_ID, "--data", str(root)),
            env,
        )  # fmt: skip
        run_child(worker("warm", str(root)), env)
        print(
            f"end to end, {len(files)} daily DeepState maps ({day_of(files[0])} … "
            f"{day_of(files[-1])}); setup: `frontline control import` of the series "
            f"{imp['seconds']:.1f} s, peak {imp['peak_mib']:.0f} MiB"
        )
        cache = Path(env["FRONTLINE_CACHE"])
        after_import = Path(tmp) / "cache-after-import"
        shutil.copytree(cache, after_import)
        common = ["--theatre", THEATRE_ID, "--data", str(root)]
        a, b = files[-2], files[-1]
        # bytecode warm-up (unmeasured): every module the measured scripts import, compiled once
        run_child(worker("naive-diff", str(a), str(b)), env)
        run_child(cli("diff", day_of(a), day_of(b), "--format", "csv", *common), env)
        run_child(cli("timeline", "--help"), env)
        runs = {
            "naive_timeline": lambda: run_child(worker("naive-timeline", n), env),
            "timeline_first": lambda: first_run(),
            "timeline_repeat": lambda: run_child(
                cli("timeline", *common), env, Path(tmp) / "t2.csv"
            ),
            "naive_diff": lambda: run_child(worker("naive-diff", str(a), str(b)), env),
            "diff_csv": lambda: run_child(
                cli("diff", day_of(a), day_of(b), "--format", "csv", *common), env
            ),
        }

        def first_run() -> dict:
            # the cache exactly as the import left it: the first timeline after an import
            shutil.rmtree(cache)
            shutil.copytree(after_import, cache)
            return run_child(cli("timeline", *common), env, Path(tmp) / "t1.csv")

        res: dict[str, dict] = {}
        for _ in range(rounds):  # in turns, so that a burst of load hits all figures alike
            for key, run in runs.items():
                r = run()
                if key not in res or r["seconds"] < res[key]["seconds"]:
                    res[key] = r
        same = (Path(tmp) / "t1.csv").read_bytes() == (Path(tmp) / "t2.csv").read_bytes()
    res["raw_import"], res["import"] = raw_imp, imp
    base, dbase, ibase = res["naive_timeline"], res["naive_diff"], raw_imp
    rows = [
        ("naive timeline script (geopandas read + difference both ways)", "naive_timeline", base,
         ""),
        ("frontline timeline, first run after import", "timeline_first", base, "goal <= 0.30x"),
        ("frontline timeline, repeat run", "timeline_repeat", base, "goal <= 0.30x"),
        (f"naive diff of one pair ({day_of(a)} → {day_of(b)})", "naive_diff", dbase, ""),
        ("frontline diff A B --format csv", "diff_csv", dbase, "goal <= 1.0x"),
        ("naive import of the series (read + is_valid + write GeoJSON)", "raw_import", ibase,
         ""),
        ("frontline control import of the series (as typed, cache included)", "import", ibase,
         "goal <= 1.5x"),
    ]  # fmt: skip
    print(f"  {'':<66} {'wall':>9} {'ratio':>6}  {'CPU':>8} {'ratio':>6}  peak memory")
    for label, key, ref, goal in rows:
        r = res[key]
        print(
            f"  {label:<66} {r['seconds']:7.2f} s {r['seconds'] / ref['seconds']:5.2f}x  "
            f"{r['cpu_s']:6.2f} s {r['cpu_s'] / ref['cpu_s']:5.2f}x  "
            f"{r['peak_mib']:5.0f} MiB  {goal}"
        )
    print(
        "  (wall: whole process, best of the rounds; CPU: user + system time of that run; "
        "peak: the child's own VmHWM)"
    )
    print(f"  first and repeat timeline outputs identical: {same}")
    return res


def main(days: int | None = None, rounds: int = 1) -> dict:
    return bench(days, rounds)


if __name__ == "__main__":
    argv = sys.argv[1:]
    if argv and argv[0] == "--worker":
        if "FRONTLINE_BENCH_HWM" in os.environ:
            atexit.register(
                lambda: Path(os.environ["FRONTLINE_BENCH_HWM"]).write_text(str(peak_mib()))
            )
        kind, rest = argv[1], argv[2:]
        if kind == "naive-timeline":
            naive_timeline_worker(int(rest[0]))
        elif kind == "naive-diff":
            naive_diff_worker(rest[0], rest[1])
        elif kind == "warm":
            warm_worker(rest[0])
        else:
            raise SystemExit(f"unknown worker {kind}")
    else:
        quick = "--quick" in argv
        n = int(argv[argv.index("--days") + 1]) if "--days" in argv else (100 if quick else None)
        main(n, int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 1)
