"""Run every benchmark (``benchmarks/bench_*.py``) and print its figures.

Usage::

    make bench                          # all benchmarks
    .venv/bin/python benchmarks/run.py diff gazetteer   # a selection
    .venv/bin/python benchmarks/run.py import           # bench_import.py: the series import

Each module exposes ``main()``, which prints its own measurements and the ratio against
raw shapely / geopandas / rapidfuzz on the same data. Benchmarks may use real data from
``../shared/data`` when it is present; they never run as tests.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = set(argv)
    failed = []
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        print(f"\n=== {name} ===", flush=True)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(HERE))
        t0 = time.perf_counter()
        try:
            spec.loader.exec_module(module)
            module.main()
        except Exception as exc:  # noqa: BLE001 - report and go on with the others
            print(f"!! {name} failed: {type(exc).__name__}: {exc}")
            failed.append(name)
        finally:
            sys.path.remove(str(HERE))
        print(f"--- {name}: {time.perf_counter() - t0:.1f} s", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
