"""Map rendering speed: the theatre map to PNG and to SVG, and the SVG's size.

Renders the shipped theatre's latest snapshot (or, while the shipped history is empty, a
jagged synthetic snapshot from ``benchmarks/fronts.py`` laid over the theatre) with every
map element: relief basemap, borders, rivers, front lines, labels, legend, scale bar,
attribution. Reports:

* cold: the first render in the process (reads Natural Earth, crops the relief raster);
* warm: the best of three further renders (what ``animate`` pays per frame);
* the ratio of the warm PNG time against a plain ``GeoDataFrame.plot()`` of the same areas
  saved to PNG at the same size (the price of a publishable map over a bare plot).

Goal: the warm PNG (render + save) in at most 2 s on the 2-core reference machine.

Run: ``.venv/bin/python benchmarks/run.py render``.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _snapshot():
    from frontline.store import ControlHistory

    history = ControlHistory.load("syria-iraq-2017")
    dates = history.dates()
    if dates:
        return history, dates[-1], "shipped history"
    import numpy as np
    import shapely
    from fronts import BOX, jagged_pair

    from frontline.control import ControlSnapshot

    _, b = jagged_pair(vertices=20_000, seed=3)
    th = history.theatre
    fx0, fy0, fx1, fy1 = (th.settings.get("map") or {}).get("focus_extent") or th.extent
    bx0, by0, bx1, by1 = BOX
    sx, sy = (fx1 - fx0) / (bx1 - bx0), (fy1 - fy0) / (by1 - by0)
    geoms = shapely.transform(
        b.areas.geometry.values,
        lambda xy: np.c_[fx0 + (xy[:, 0] - bx0) * sx, fy0 + (xy[:, 1] - by0) * sy],
    )
    ids = ["syrian-government", "isis", "isf", "pmu", "sdf", "peshmerga"]
    areas = {ids[i % len(ids)]: g for i, g in enumerate(geoms)}
    snap = ControlSnapshot.from_areas(
        "2017-06-09", areas, theatre=th.id, sources=["synthetic benchmark fronts"]
    )
    return snap, None, "synthetic jagged fronts (20,000 vertices) over the theatre"


def main() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from frontline.render import close, figure_bytes, figure_size, render_map

    source, date, label = _snapshot()
    print(f"data: {label}")
    t0 = time.perf_counter()
    ax = render_map(source, date)
    png = figure_bytes(ax, "png")
    cold = time.perf_counter() - t0
    close(ax)
    png_times, svg_times, render_times = [], [], []
    svg = b""
    for _ in range(3):
        t0 = time.perf_counter()
        ax = render_map(source, date)
        t1 = time.perf_counter()
        png = figure_bytes(ax, "png")
        t2 = time.perf_counter()
        svg = figure_bytes(ax, "svg")
        t3 = time.perf_counter()
        close(ax)
        render_times.append(t1 - t0)
        png_times.append(t2 - t0)
        svg_times.append((t1 - t0) + (t3 - t2))
    snap = source.at(date) if date is not None else source
    w, h, dpi = figure_size("social", None)
    plain = []
    for _ in range(3):
        t0 = time.perf_counter()
        fig = Figure(figsize=(w, h), dpi=dpi)
        FigureCanvasAgg(fig)
        snap.areas.plot(ax=fig.add_subplot(), column="faction", alpha=0.55)
        fig.savefig(io.BytesIO(), format="png")
        plain.append(time.perf_counter() - t0)
    best_png, best_plain = min(png_times), min(plain)
    print(f"cold render + PNG (first in process): {cold:.2f} s")
    print(f"warm render (figure only):            {min(render_times):.2f} s")
    print(
        f"warm render + PNG (1200x675):         {best_png:.2f} "
        f"s   goal <= 2 s: {'OK' if best_png <= 2 else 'MISSED'}"
    )
    print(f"warm render + SVG:                    {min(svg_times):.2f} s")
    print(
        f"SVG size:                             {len(svg) / 1024:.0f} "
        f"KiB   PNG size: {len(png) / 1024:.0f} KiB"
    )
    print(
        f"plain GeoDataFrame.plot() to PNG:     {best_plain:.2f} "
        f"s   ratio map/plain: {best_png / best_plain:.1f}x"
    )


if __name__ == "__main__":
    main()
