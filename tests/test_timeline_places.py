"""Places counted by the timeline: looked up again only near changed ground, same counts.

Illustrative geometry (boxes on made-up coordinates); the places are fictional.
"""

import numpy as np
import pytest
import shapely

from frontline.control import ControlSnapshot
from frontline.gazetteer import Gazetteer
from frontline.places import Place
from frontline.timeline import timeline


def _place(i, lon, lat):
    return Place(f"p{i}", f"Place {i}", (), "village", "SY", lat, lon, 100, "test", None, 1)


def _history():
    # red grows east into blue day by day; on day 3 blue retreats and leaves ground to nobody;
    # on day 4 red takes a detached square (a place exactly on its edge)
    days = [
        {"red": shapely.box(38.5, 33.0, 39.0, 33.5), "blue": shapely.box(39.0, 33.0, 39.5, 33.5)},
        {"red": shapely.box(38.5, 33.0, 39.1, 33.5), "blue": shapely.box(39.1, 33.0, 39.5, 33.5)},
        {"red": shapely.box(38.5, 33.0, 39.1, 33.5), "blue": shapely.box(39.2, 33.0, 39.5, 33.5)},
        {
            "red": shapely.union(
                shapely.box(38.5, 33.0, 39.1, 33.5), shapely.box(38.0, 32.0, 38.2, 32.2)
            ),
            "blue": shapely.box(39.2, 33.0, 39.5, 33.5),
        },
    ]
    return [ControlSnapshot.from_areas(f"2020-01-0{i + 1}", d) for i, d in enumerate(days)]


def _places():
    rng = np.random.default_rng(7)
    xs, ys = rng.uniform(37.9, 39.6, 400), rng.uniform(31.9, 33.6, 400)
    special = [
        (39.0, 33.25),  # on the first front line (red|blue edge), then inside red
        (39.1, 33.25),  # on the second front line
        (39.15, 33.25),  # left to nobody on day 3
        (38.2, 32.1),  # on the edge of the detached square
        (38.1, 32.1),  # inside it
        (38.5, 33.5),  # a corner nobody's edge moves
        (40.0, 34.0),  # outside everything
    ]
    pts = [*special, *zip(xs.tolist(), ys.tolist(), strict=True)]
    return Gazetteer([_place(i, x, y) for i, (x, y) in enumerate(pts)]), np.array(pts)


def test_incremental_place_counts_equal_a_full_recount():
    snaps = _history()
    gaz, pts = _places()
    df = timeline(snaps, gaz)
    expected = {}
    for a, b in zip(snaps, snaps[1:], strict=False):
        fa = np.asarray(a.faction_at(pts[:, 0], pts[:, 1]), dtype=object)
        fb = np.asarray(b.faction_at(pts[:, 0], pts[:, 1]), dtype=object)
        moved = fa != fb
        for f, t in zip(fa[moved], fb[moved], strict=True):
            lost = expected.setdefault((b.date, f), [0, 0])
            lost[1] += 1
            expected.setdefault((b.date, t), [0, 0])[0] += 1
    got = {
        (r.date, r.faction): [r.places_gained, r.places_lost]
        for r in df.itertuples(index=False)
        if r.places_gained or r.places_lost
    }
    assert got == expected
    assert sum(v[0] for v in got.values()) > 20  # the test moves many places, edges included


@pytest.mark.parametrize("lon", [39.0, 39.1])
def test_a_place_on_a_moving_front_line_is_counted(lon):
    snaps = _history()[:2]
    gaz = Gazetteer([_place(0, lon, 33.25)])
    df = timeline(snaps, gaz)
    day2 = df[df.date == snaps[1].date].set_index("faction")
    # on 39.0 the place is on both areas' edges on day 1 (blue, the later row, holds it) and
    # inside red on day 2; on 39.1 it is blue's on day 1 and on both edges on day 2
    before = snaps[0].faction_at(lon, 33.25)
    after = snaps[1].faction_at(lon, 33.25)
    assert int(day2["places_changed"].sum()) == (2 if before != after else 0)
