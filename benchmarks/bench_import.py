"""Benchmark: importing a published daily series, as typed, against a raw read-check-write script.

On the DeepState daily maps in ``../shared/data/deepstate-occupied-daily`` (769 files, GPL-3.0,
never copied into the repository; the benchmark is skipped without them), each in its own
process, timed from outside (interpreter start and imports included on both sides):

* **raw**: a script that, per file, reads it with ``pyogrio.read_dataframe``, checks it with
  ``shapely.is_valid`` and writes it as GeoJSON with ``pyogrio.write_dataframe``;
* **import**: ``frontline control import SRC --faction russia`` into a fresh theatre (a
  minimal Ukraine theatre and two factions written to a temporary data folder): discovery,
  dates from the file names, reading, one validation per snapshot, the deterministic
  GeoJSON, the journaled all-or-nothing write and the import cache;
* **re-run**: the same command again (nothing new: "0 new, N unchanged");
* **+1 day**: the command after one more file appears in the folder.

The target is import ≤ 1.5 × raw. Usage::

    .venv/bin/python benchmarks/bench_import.py              # all 769 days
    .venv/bin/python benchmarks/bench_import.py --days 100   # quick
"""

from __future__ import annotations

import argparse
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

from deepstate import DEEPSTATE, data_folder  # noqa: E402

RAW = """\
import sys
from pathlib import Path

import pyogrio
import shapely

out = Path(sys.argv[1])
for name in sys.argv[2:]:
    df = pyogrio.read_dataframe(name)
    if not shapely.is_valid(df.geometry.values).all():
        raise SystemExit(f"{name}: invalid")
    pyogrio.write_dataframe(df, out / Path(name).name, driver="GeoJSON")
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _frontline() -> list[str]:
    """The command as a user types it: the ``frontline`` script beside this Python."""
    script = Path(sys.executable).parent / "frontline"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from frontline.cli import main; main()"]


def timed(cmd: list[str]) -> tuple[float, str]:
    """Run *cmd* in its own process; return wall seconds and its stdout."""
    t = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, env=_env(), check=False)
    took = time.perf_counter() - t
    if res.returncode:
        raise RuntimeError(f"{' '.join(cmd[:4])} … failed:\n{res.stdout}\n{res.stderr}")
    return took, res.stdout


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=None, help="only the first N files")
    ap.add_argument("--data", type=Path, default=DEEPSTATE, help="the folder of daily files")
    args = ap.parse_args([] if argv is None else argv)
    files = sorted(args.data.glob("*.geojson")) if args.data.is_dir() else []
    if not files:
        print(f"skipped: no daily files in {args.data}")
        return
    files = files[: args.days] if args.days else files
    last, files = (files[-1], files[:-1]) if len(files) > 2 else (None, files)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        root = Path(tmp)
        src = root / "src"
        src.mkdir()
        for f in files:
            os.symlink(f, src / f.name)
        data = data_folder(root / "data")  # the shipped Ukraine theatre and factions
        script = root / "raw.py"
        script.write_text(RAW, encoding="utf-8")
        out = root / "raw-out"
        out.mkdir()
        raw_s, _ = timed([sys.executable, str(script), str(out), *map(str, files)])
        cmd = [*_frontline(), "control", "import", str(src), "--data", str(data)]
        cmd += ["--theatre", "ukraine", "--faction", "russia", "--quiet"]
        imp_s, report = timed(cmd)
        again_s, again = timed(cmd)
        one_s = None
        if last is not None:
            os.symlink(last, src / last.name)
            one_s, _ = timed(cmd)
        written = len(list((data / "control" / "ukraine").glob("*.geojson")))
        # the Ukraine theatre as a user imports it: the rest of Ukraine filled (complement)
        filled = data_folder(root / "filled")
        comp = [*_frontline(), "control", "import", str(src), "--data", str(filled)]
        comp += ["--theatre", "ukraine", "--faction", "russia", "--complement", "ukraine", "-q"]
        comp_s, _ = timed(comp)
        shutil.rmtree(out)
    n = len(files)
    print(
        f"DeepState daily series, {n} files (+1 for the incremental run), each side its own process"
    )
    print(f"  raw read + is_valid + write GeoJSON   {raw_s:7.2f} s")
    ratio = f"ratio {imp_s / raw_s:.2f}x (target <= 1.5x)"
    print(f"  frontline control import (as typed)   {imp_s:7.2f} s   {ratio}")
    print(f"  re-run, unchanged                     {again_s:7.2f} s   ({again.splitlines()[0]})")
    if one_s is not None:
        print(f"  re-run with one new day               {one_s:7.2f} s")
    print(f"  with --complement ukraine (all days)  {comp_s:7.2f} s   (fills the rest of Ukraine)")
    said = report.splitlines()[1] if len(report.splitlines()) > 1 else report
    print(f"  snapshots stored: {written}; the first run said: {said}")


if __name__ == "__main__":
    main(sys.argv[1:])
