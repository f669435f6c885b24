"""Run every benchmark (``benchmarks/bench_*.py``) and print its figures.

Usage::

    make bench                          # all benchmarks
    .venv/bin/python benchmarks/run.py diff gazetteer   # a selection
    .venv/bin/python benchmarks/run.py e2e --days 100   # quick: the first 100 real days
    .venv/bin/python benchmarks/run.py import           # bench_import.py: the series import

``e2e`` (``bench_e2e.py``) times ``frontline timeline`` and ``frontline diff --format csv``
end to end against the naive script, each figure in its own process; ``--days N`` is passed
to benchmarks whose ``main`` takes ``days``.

Each module exposes ``main()``, which prints its own measurements and the ratio against
raw shapely / geopandas / rapidfuzz on the same data. Benchmarks may use real data from
``../shared/data`` when it is present; they never run as tests.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    days = None
    if "--days" in argv:
        i = argv.index("--days")
        days, argv = int(argv[i + 1]), argv[:i] + argv[i + 2 :]
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
            takes_days = "days" in inspect.signature(module.main).parameters
            module.main(**({"days": days} if days and takes_days else {}))
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
