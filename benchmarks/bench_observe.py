"""Observe benchmark: time to propose observations from a 2,000-word report; quality.

Prints the time ``frontline.observe.propose_observations`` takes on a 2,000-word English
report and on a 2,000-word Arabic one (built from the labelled report excerpts in
``tests/data/reports``; cold first call, then best of 5, wall and CPU; the target is under
100 ms of CPU), and precision and recall on the held-out and development reports, English
and Arabic apart, the development reports also per round's part, and on each Ukraine set
(another theatre: its own gazetteer; matching rule in ``tests/observe_eval.py``).
Run: ``python benchmarks/bench_observe.py``.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_report(lang: str, words: int = 2000) -> str:
    """A report of about *words* words: the labelled excerpts of one language, repeated."""
    sys.path.insert(0, str(ROOT / "tests"))
    from observe_eval import load_reports

    texts = [
        r["text"] for split in ("dev", "heldout") for r in load_reports(split) if r["lang"] == lang
    ]
    out: list[str] = []
    n = 0
    while n < words:
        for t in texts:
            out.append(t)
            n += len(t.split())
            if n >= words:
                break
    return "\n".join(out)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))
    from observe_eval import evaluate

    from frontline.factions import FactionRegistry
    from frontline.gazetteer import Gazetteer
    from frontline.observe import propose_observations

    g = Gazetteer.load()
    reg = FactionRegistry.load()
    day = dt.date(2017, 11, 20)
    for lang in ("en", "ar"):
        text = make_report(lang)
        t0 = time.perf_counter()
        props = propose_observations(text, g, reg, date=day)
        cold = time.perf_counter() - t0
        runs = [
            _timed(lambda text=text: propose_observations(text, g, reg, date=day)) for _ in range(5)
        ]
        best, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
        ok = "ok" if cpu < 0.1 else "SLOW (target 100 ms)"
        print(
            f"{lang}: {len(text.split())} words, {len(props.observations)} proposals: "
            f"cold {cold * 1000:.0f} ms, best of 5 {best * 1000:.1f} ms "
            f"(CPU {cpu * 1000:.1f} ms)  [{ok}]"
        )
    ua = Gazetteer.load(None, "ukraine")
    ukraine = sorted(p.stem for p in (ROOT / "tests" / "data" / "reports").glob("ukraine*.yaml"))
    for split, gaz in [("heldout", g), ("dev", g)] + [(u, ua) for u in ukraine]:
        res = evaluate(split, gaz, reg, parts=True)
        for key in ("en", "ar", "all", *sorted(k for k in res if "/" in k)):
            s = res[key]
            if s.tp + s.fp + s.fn == 0:
                continue  # the Ukraine sets are English only
            print(
                f"{split:>7} {key:>3}: precision {s.precision:.2f}  recall {s.recall:.2f}  "
                f"(TP {s.tp}, FP {s.fp}, FN {s.fn}; event right {s.event_ok}/{s.tp}, "
                f"date right {s.date_ok}/{s.tp})"
            )


def _timed(f) -> tuple[float, float]:
    """Wall and CPU seconds of one call (the CPU time is steadier on a shared machine)."""
    t0, c0 = time.perf_counter(), time.process_time()
    f()
    return time.perf_counter() - t0, time.process_time() - c0


if __name__ == "__main__":
    main()
