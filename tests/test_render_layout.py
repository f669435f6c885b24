"""Maps a desk would publish as they are: nothing cut off, nothing overlapping, changes seen.

Every map kind (dated, change, Arabic labels) at every size preset is drawn, then measured
with the renderer after a real draw: no text leaves the figure, no text inside the map is
cut by its edge, and no two texts overlap. Change maps zoom to the ground that changed (with
a locator map of the theatre) unless a bbox or ``full`` is given, and a change too small to
see at the map's scale is circled. The timeline plot's legend fits the saved image.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import shapely
from conftest import places_frame
from shapely import box

from frontline.control import ControlSnapshot

SYNTHETIC_THEATRE = "testland"
SIZES = ["social", "a4", "a4-portrait", (700, 700)]


# -- measuring what was drawn ---------------------------------------------------------------------
def text_boxes(fig):
    """(name, display box, text) of every visible, non-empty text, after a real draw.

    Callouts (annotations) are measured by their box, not by their arrow.
    """
    from matplotlib.text import Annotation, Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    out = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip() or t.figure is None:
            continue
        if isinstance(t, Annotation):
            patch = t.get_bbox_patch()
            b = patch.get_window_extent(renderer) if patch else Text.get_window_extent(t, renderer)
        else:
            b = t.get_window_extent(renderer)
        out.append((f"{t.get_gid() or ''}:{t.get_text()[:40]!r}", b, t))
    return out


def layout_problems(ax) -> list[str]:
    """What a graphics desk would send back: texts cut off or on top of each other."""
    fig = ax.figure
    boxes = text_boxes(fig)
    renderer = fig.canvas.get_renderer()
    fb = fig.bbox
    axb = ax.get_window_extent(renderer)
    problems = []
    for name, b, t in boxes:
        if b.x0 < fb.x0 - 0.5 or b.x1 > fb.x1 + 0.5 or b.y0 < fb.y0 - 0.5 or b.y1 > fb.y1 + 0.5:
            problems.append(f"leaves the figure: {name} {np.round(b.extents, 1)}")
        if t in ax.texts and (
            b.x0 < axb.x0 - 0.5 or b.x1 > axb.x1 + 0.5 or b.y0 < axb.y0 - 0.5 or b.y1 > axb.y1 + 0.5
        ):
            problems.append(f"cut by the map's edge: {name}")
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            if boxes[i][1].overlaps(boxes[j][1]):
                problems.append(f"overlap: {boxes[i][0]} / {boxes[j][0]}")
    for child in ax.child_axes:  # the locator map: no name under it
        cb = child.get_window_extent(renderer)
        problems += [
            f"under the locator: {n}" for n, b, t in boxes if t in ax.texts and b.overlaps(cb)
        ]
    return problems


# -- synthetic scenes -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def places():
    rows = [
        ("alpha", "Alpha", "ألفا", "city", 3, 39.3, 33.7),
        ("bravo", "Bravo", "برافو", "town", 2, 40.0, 33.2),
        ("delta", "Delta", "دلتا", "town", 2, 40.2, 34.0),
        ("echo", "Echo", "", "village", 1, 40.9, 33.6),
        ("foxtrot", "Foxtrot", "", "town", 2, 38.5, 34.1),
        ("golf", "Golf Crossing", "", "border_crossing", 2, 39.25, 33.35),
        ("hotel", "Hotel", "", "village", 1, 39.5, 33.45),
    ]
    return places_frame(rows)


@pytest.fixture(scope="module")
def kw(synthetic_registry, synthetic_theatre, places):
    return dict(registry=synthetic_registry, theatre=synthetic_theatre, gazetteer=places)


LONG_SOURCES = [
    f"Synthetic Wire Service number {i}, 2020-02-01: a long headline about the fighting "
    f"around the town of Bravo and the road to Delta, quoted at length (item {i})"
    for i in range(6)
]


def _dates(pair):
    return pair[0].date, pair[1].date


def _snapshot(day: str, areas: dict, sources=LONG_SOURCES) -> ControlSnapshot:
    return ControlSnapshot.from_areas(day, areas, theatre=SYNTHETIC_THEATRE, sources=sources)


@pytest.fixture(scope="module")
def wide_pair():
    """Large changes across the theatre (no zoom), long sources (a long attribution)."""
    a = _snapshot(
        "2020-01-01",
        {"red": box(38.2, 33.0, 39.0, 34.4), "black": box(39.0, 33.0, 40.6, 34.4),
         "blue": box(40.6, 33.0, 41.3, 34.4)},
    )  # fmt: skip
    b = _snapshot(
        "2020-02-01",
        {"red": box(38.2, 33.0, 39.8, 34.4), "black": box(39.8, 33.0, 40.4, 34.4),
         "blue": box(40.4, 33.0, 41.3, 34.4)},
    )  # fmt: skip
    return a, b


@pytest.fixture(scope="module")
def small_pair():
    """One small change (about 20 × 20 km) on a theatre-wide map: the map zooms to it."""
    a = _snapshot(
        "2020-01-01",
        {"red": box(38.2, 33.0, 39.6, 34.4), "black": box(39.6, 33.0, 41.3, 34.4)},
        ["Synthetic Times, 2020-01-01"],
    )
    b = _snapshot(
        "2020-02-01",
        {
            "red": shapely.union(box(38.2, 33.0, 39.6, 34.4), box(39.6, 33.5, 39.8, 33.7)),
            "black": shapely.difference(box(39.6, 33.0, 41.3, 34.4), box(39.6, 33.5, 39.8, 33.7)),
        },
        ["Synthetic Times, 2020-02-01"],
    )
    return a, b


@pytest.fixture(scope="module")
def tiny_pair():
    """A 1 km² change: a few pixels at most on the theatre-wide map."""
    speck = box(40.0, 33.8, 40.0105, 33.8095)  # about 1 km × 1 km
    a = _snapshot(
        "2020-01-01",
        {"red": box(38.2, 33.0, 39.6, 34.4), "black": box(39.6, 33.0, 41.3, 34.4)},
        ["Synthetic Times, 2020-01-01"],
    )
    b = _snapshot(
        "2020-02-01",
        {
            "red": shapely.union(box(38.2, 33.0, 39.6, 34.4), speck),
            "black": shapely.difference(box(39.6, 33.0, 41.3, 34.4), speck),
        },
        ["Synthetic Times, 2020-02-01"],
    )
    return a, b


# -- nothing cut off, nothing overlapping ---------------------------------------------------------
@pytest.mark.parametrize("size", SIZES, ids=lambda s: s if isinstance(s, str) else "700x700")
@pytest.mark.parametrize("kind", ["dated", "change", "zoomed-change", "arabic"])
def test_synthetic_maps_fit(kind, size, wide_pair, small_pair, kw):
    from frontline.render import close, render_change, render_map

    opts = dict(size=size, dpi=60 if size != (700, 700) else 100, basemap="vector")
    title = "A long title for a map of the fighting around Alpha, Bravo and Delta in Testland"
    if kind == "dated":
        ax = render_map(wide_pair[1], **kw, **opts, title=title)
    elif kind == "arabic":
        ax = render_map(wide_pair[1], **kw, **opts, arabic=True)
    elif kind == "change":
        ax = render_change(wide_pair, *_dates(wide_pair), **kw, **opts, title=title)
    else:
        ax = render_change(small_pair, *_dates(small_pair), **kw, **opts)
        assert [c.get_gid() for c in ax.child_axes] == ["locator"]
    try:
        assert layout_problems(ax) == []
        if kind != "zoomed-change":  # long sources
            attribution = next(t for t in ax.figure.texts if t.get_gid() == "attribution")
            assert "\n" in attribution.get_text(), "the long attribution is wrapped"
    finally:
        close(ax)


@pytest.fixture(scope="module")
def shipped_history(shipped_data_dir):
    from frontline.store import ControlHistory

    history = ControlHistory.load(None, shipped_data_dir)
    if len(history.dates()) < 2:
        pytest.skip("the shipped history has fewer than two snapshots")
    return history


SHIPPED = [
    ("dated", "social"),
    ("dated", "a4"),
    ("dated", "a4-portrait"),
    ("change", "social"),
    ("change", "a4-portrait"),
    ("arabic", "social"),
]


@pytest.mark.parametrize(("kind", "size"), SHIPPED, ids=["-".join(k) for k in SHIPPED])
def test_shipped_maps_fit(kind, size, shipped_history):
    """The real theatre: many names, long source lists, rivers, a dozen factions."""
    from frontline.render import close, render_change, render_map

    dates = shipped_history.dates()
    mid = dates[len(dates) // 2]
    if kind == "dated":
        ax = render_map(shipped_history, mid, size=size, basemap="vector")
    elif kind == "arabic":
        ax = render_map(shipped_history, mid, size=size, basemap="vector", arabic=True)
    else:
        ax = render_change(shipped_history, dates[0], mid, size=size, basemap="vector")
    try:
        assert layout_problems(ax) == []
    finally:
        close(ax)


# -- change maps: zoom, locator, small changes ----------------------------------------------------
def test_change_map_zooms_to_the_changed_ground(small_pair, kw, synthetic_theatre):
    from frontline.render import close, render_change

    opts = dict(size="social", dpi=60, basemap="vector", labels=False)
    zoomed = render_change(small_pair, *_dates(small_pair), **kw, **opts)
    x0, x1 = zoomed.get_xlim()
    y0, y1 = zoomed.get_ylim()
    assert x0 < 39.6 and x1 > 39.8 and y0 < 33.5 and y1 > 33.7, "the change is on the map"
    th = synthetic_theatre.extent
    assert (y1 - y0) < 0.7 * (th[3] - th[1]), "zoomed in"
    (locator,) = zoomed.child_axes
    assert locator.get_gid() == "locator"
    lx0, lx1 = locator.get_xlim()
    assert lx0 <= th[0] + 1e-6 and lx1 >= th[2] - 1e-6, "the locator shows the theatre"
    rect = next(p for p in locator.patches if p.get_gid() == "locator-box")
    assert rect.get_x() == pytest.approx(x0) and rect.get_width() == pytest.approx(x1 - x0)
    close(zoomed)
    for extra in ({"full": True}, {"bbox": (38.0, 32.5, 41.5, 34.5)}):
        whole = render_change(small_pair, *_dates(small_pair), **kw, **opts, **extra)
        assert not whole.child_axes, extra
        wx0, wx1 = whole.get_xlim()
        assert wx0 <= 38.05 and wx1 >= 41.3, extra
        close(whole)


def test_zoom_extent_rules():
    from frontline.render.change import ZOOM_MIN_SPAN_DEG, covering_extent, zoom_extent

    full = (36.0, 32.0, 44.0, 37.0)
    z = zoom_extent((40.0, 34.0, 40.01, 34.01), full)
    assert z is not None and z[3] - z[1] == pytest.approx(ZOOM_MIN_SPAN_DEG)
    assert zoom_extent((36.5, 32.5, 43.0, 36.0), full) is None  # most of the theatre changed
    assert zoom_extent(None, full) is None
    assert covering_extent(full, (43.0, 33.0, 45.0, 34.0))[2] > 45.0  # grown to show it all
    assert covering_extent(full, (40.0, 33.0, 41.0, 34.0)) == full


def test_a_tiny_change_on_a_theatre_map_is_circled(tiny_pair, kw):
    from PIL import Image

    from frontline.render import close, figure_bytes, render_change

    opts = dict(size="social", dpi=75, basemap="vector", labels=False, full=True)
    ax = render_change(tiny_pair, *_dates(tiny_pair), **kw, **opts, min_change_km2=0.5)
    rings = [ln for ln in ax.get_lines() if (ln.get_gid() or "").startswith("small-change-")]
    assert len(rings) == 1
    ring = rings[0]
    dpi = ax.figure.dpi
    assert ring.get_markersize() * dpi / 72 >= 10, "big enough to see"
    x, y = ring.get_xdata()[0], ring.get_ydata()[0]
    assert 40.0 <= x <= 40.0105 and 33.8 <= y <= 33.8095, "on the change"
    labels = [t.get_text() for t in ax.figure.legends[0].get_texts()]
    assert any(lab.startswith("Change too small to see") for lab in labels)
    # visible: the pixels round the change differ from the same map without the change
    px, py = ax.transData.transform((x, y))
    marked = np.asarray(Image.open(io.BytesIO(figure_bytes(ax, "png"))).convert("RGB"), float)
    close(ax)
    plain = render_change(tiny_pair, *_dates(tiny_pair), **kw, **opts, min_change_km2=1000)
    assert not [ln for ln in plain.get_lines() if (ln.get_gid() or "").startswith("small-")]
    bare = np.asarray(Image.open(io.BytesIO(figure_bytes(plain, "png"))).convert("RGB"), float)
    close(plain)
    h = marked.shape[0]
    r = 12
    row, col = int(round(h - py)), int(round(px))
    window = (slice(row - r, row + r), slice(col - r, col + r))
    changed = np.abs(marked[window] - bare[window]).sum(axis=2) > 60
    assert changed.sum() >= 40, f"only {changed.sum()} pixels show the change"


def test_a_large_change_is_not_circled(wide_pair, kw):
    from frontline.render import close, render_change

    ax = render_change(
        wide_pair, *_dates(wide_pair), **kw, size="social", dpi=60, basemap="none", labels=False
    )
    assert not [ln for ln in ax.get_lines() if (ln.get_gid() or "").startswith("small-change")]
    close(ax)


# -- the timeline plot ----------------------------------------------------------------------------
@pytest.mark.parametrize("inferred", [True, False], ids=["with-basis", "without-basis"])
def test_timeline_plot_legend_fits_with_full_names(inferred, synthetic_registry, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from frontline.render import save_map
    from frontline.timeline import plot_timeline

    rows = []
    for i, day in enumerate(pd.date_range("2020-01-01", periods=4, freq="MS").date):
        for f, base in (("red", 9000.0), ("blue", 4000.0), ("black", 12000.0)):
            rows.append({"date": day, "faction": f, "area_km2": base + 500 * i,
                         "inferred_km2": (base / 2 if inferred else 0.0)})  # fmt: skip
    df = pd.DataFrame(rows)
    ax = plot_timeline(df, registry=synthetic_registry)
    fig = ax.figure
    try:
        names = [t.get_text() for t in ax.get_legend().get_texts()]
        assert names == [synthetic_registry.get(f).name for f in ("red", "blue", "black")]
        assert len(fig.axes) == (2 if inferred else 1), "observed area in its own panel"
        if inferred:
            below = fig.axes[1]
            observed = below.get_lines()[0].get_ydata()
            assert observed[0] == pytest.approx(9000.0 - 4500.0)
        # nothing outside the figure, even saved without a tight bounding box
        fig.canvas.draw()
        tight = fig.get_tightbbox(fig.canvas.get_renderer())
        w, h = fig.get_size_inches()
        assert tight.x0 >= -0.01 and tight.y0 >= -0.01
        assert tight.x1 <= w + 0.01 and tight.y1 <= h + 0.01
        legend_box = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
        assert legend_box.x0 >= ax.get_window_extent().x1, "the legend is outside the axes"
        out = save_map(ax, tmp_path / "t.png", tight=True)
        assert out.read_bytes()[:4] == b"\x89PNG"
    finally:
        plt.close(fig)
