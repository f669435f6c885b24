"""Changes per week, month and quarter (``frontline.periods``, ``timeline --by``).

Three kinds of test: small synthetic histories whose answer is known exactly (boxes whose
geodesic areas are computed independently), the shipped ``syria-iraq-2017`` history, and the
check against DeepState's published monthly figures on the 769 daily DeepState maps in
``../shared/data/deepstate-occupied-daily`` (GPL-3.0, read in place, skipped when absent;
the published figures and their sources are in ``tests/data/deepstate_monthly.csv``, the
definition found in ``tests/data/deepstate_monthly.md``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
import shapely
from shapely import box

from frontline.cli import cli
from frontline.control import ControlSnapshot
from frontline.diff import diff_dates
from frontline.errors import InputError, UnknownFactionError
from frontline.geo import geodesic_area_km2
from frontline.periods import PERIOD_COLUMNS, period_changes, period_label, period_starts
from frontline.store import ControlHistory

DATA = Path(__file__).parent / "data"
DEEPSTATE = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DEEPSTATE = DEEPSTATE / "deepstate-occupied-daily"
MONTHLY = list(csv.DictReader((DATA / "deepstate_monthly.csv").open(encoding="utf-8")))
TOTALS = list(csv.DictReader((DATA / "deepstate_totals.csv").open(encoding="utf-8")))


def km2(geom) -> float:
    return float(geodesic_area_km2(geom))


def snap(day: str, **areas) -> ControlSnapshot:
    return ControlSnapshot.from_areas(day, areas)


# -- synthetic histories: known answers ---------------------------------------------------
# Red holds a 1°x1° box; during January it takes a strip in the east and loses one in the
# west; in February it takes a strip in the north and gives it back (nothing net, nothing
# gross over the month); March has no map on its first day.
RED0 = box(30.0, 48.0, 31.0, 49.0)
EAST = box(31.0, 48.0, 31.3, 49.0)
WEST = box(30.0, 48.0, 30.1, 49.0)
NORTH = box(30.0, 49.0, 31.0, 49.2)
RED1 = shapely.difference(shapely.union(RED0, EAST), WEST)


@pytest.fixture
def red_history(tmp_path) -> ControlHistory:
    h = ControlHistory(tmp_path / "control")
    h.add_many(
        [
            snap("2025-01-01", red=RED0),
            snap("2025-01-20", red=shapely.union(RED0, EAST)),
            snap("2025-02-01", red=RED1),
            snap("2025-02-10", red=shapely.union(RED1, NORTH)),
            snap("2025-02-27", red=RED1),
            snap("2025-03-15", red=shapely.union(RED1, NORTH)),
        ]
    )
    return h


def test_month_gained_and_lost_apart_and_net(red_history):
    df = period_changes(red_history, "month", faction="red")
    assert list(df.columns) == PERIOD_COLUMNS
    assert df["period"].tolist() == ["2025-01", "2025-02", "2025-03"]
    jan, feb, mar = (df.iloc[i] for i in range(3))
    assert (jan.date_a, jan.date_b) == (dt.date(2025, 1, 1), dt.date(2025, 2, 1))
    assert jan.gained_km2 == pytest.approx(km2(EAST), rel=1e-6)
    assert jan.lost_km2 == pytest.approx(km2(WEST), rel=1e-6)
    assert jan.net_km2 == pytest.approx(km2(EAST) - km2(WEST), rel=1e-6)
    assert jan.area_a_km2 == pytest.approx(km2(RED0), rel=1e-6)
    assert jan.area_b_km2 == pytest.approx(km2(RED1), rel=1e-6)
    assert jan.note == ""
    # taken and given back within February: neither gained nor lost over the month
    assert feb.gained_km2 == pytest.approx(0.0, abs=1e-6)
    assert feb.lost_km2 == pytest.approx(0.0, abs=1e-6)
    # 1 March has no map: 27 February stands in, and the note says so
    assert feb.date_b == dt.date(2025, 2, 27) and mar.date_a == dt.date(2025, 2, 27)
    assert "2025-03-01 missing: 2025-02-27 stands in" in feb.note
    # March is not over in the series
    assert mar.date_b == dt.date(2025, 3, 15)
    assert "the period is not over" in mar.note
    assert mar.gained_km2 == pytest.approx(km2(NORTH), rel=1e-6)
    # unknown takes what red lost and gives what red gained
    unk = period_changes(red_history, "month", faction="unknown").iloc[0]
    assert unk.gained_km2 == pytest.approx(km2(WEST), rel=1e-6)
    assert unk.lost_km2 == pytest.approx(km2(EAST), rel=1e-6)


def test_a_month_is_a_diff_between_its_first_days(red_history):
    row = period_changes(red_history, "month", faction="red").iloc[0]
    cs = diff_dates(red_history, "2025-01-01", "2025-02-01", topology=False)
    s = cs.summary.set_index("faction").loc["red"]
    assert (row.gained_km2, row.lost_km2, row.net_km2) == (s.gained_km2, s.lost_km2, s.net_km2)


def test_weeks_quarters_and_labels(red_history):
    weeks = period_changes(red_history, "week", faction="red")
    # 2025-01-01 is a Wednesday: week 1 starts on Monday 2024-12-30, before the first map
    assert weeks["period"].iloc[0] == "2025-W01"
    assert weeks["start"].iloc[0] == dt.date(2024, 12, 30)
    assert "no map on or before 2024-12-30" in weeks["note"].iloc[0]
    assert weeks["period"].iloc[-1] == "2025-W11"
    assert weeks["net_km2"].sum() == pytest.approx(km2(shapely.union(RED1, NORTH)) - km2(RED0))
    q = period_changes(red_history, "quarter", faction="red")
    assert q["period"].tolist() == ["2025-Q1"]
    assert q["end"].iloc[0] == dt.date(2025, 4, 1)
    assert q["gained_km2"].iloc[0] == pytest.approx(km2(EAST) + km2(NORTH), rel=1e-6)
    assert period_label(dt.date(2026, 12, 28), "week") == "2026-W53"
    assert period_starts(dt.date(2025, 11, 5), dt.date(2025, 11, 5), "quarter") == [
        dt.date(2025, 10, 1),
        dt.date(2026, 1, 1),
    ]


def test_lag_days_takes_each_boundary_later(red_history):
    df = period_changes(red_history, "month", faction="red", lag_days=19)
    # January's boundaries become 20 January and 20 February (the map of 10 February)
    jan = df[df["period"] == "2025-01"].iloc[0]
    assert (jan.date_a, jan.date_b) == (dt.date(2025, 1, 20), dt.date(2025, 2, 10))
    assert jan.gained_km2 == pytest.approx(km2(NORTH), rel=1e-6)
    assert jan.lost_km2 == pytest.approx(km2(WEST), rel=1e-6)


def test_start_end_faction_and_errors(red_history):
    df = period_changes(red_history, "month", start="2025-02-01", end="2025-02-28")
    assert set(df["period"]) == {"2025-02"}
    with pytest.raises(UnknownFactionError, match="'rde'.*did you mean: 'red'"):
        period_changes(red_history, "month", faction="rde")
    with pytest.raises(InputError, match="unknown period 'day'"):
        period_changes(red_history, "day")
    empty = period_changes([], "month")
    assert list(empty.columns) == PERIOD_COLUMNS and not len(empty)


def test_snapshots_in_any_order_give_the_same_answer(red_history):
    snaps = list(red_history)[::-1]
    a = period_changes(snaps, "month")
    b = period_changes(red_history, "month")
    assert a.drop(columns="note").equals(b.drop(columns="note"))


# -- the shipped syria-iraq-2017 history --------------------------------------------------
@pytest.fixture(scope="module")
def shipped():
    return ControlHistory.load("syria-iraq-2017")


def test_shipped_months_chain_and_agree_with_areas(shipped):
    df = period_changes(shipped, "month")
    months = df["period"].unique().tolist()
    assert months[0] == "2017-01" and len(months) >= 12
    isis = df[df["faction"] == "isis"].reset_index(drop=True)
    # consecutive periods share their boundary map
    assert (isis["date_b"].iloc[:-1].values == isis["date_a"].iloc[1:].values).all()
    # net is the change of the area held, and gained - lost
    assert (isis["area_b_km2"] - isis["area_a_km2"]).values == pytest.approx(
        isis["net_km2"].values, abs=0.01
    )
    assert (isis["gained_km2"] - isis["lost_km2"]).values == pytest.approx(
        isis["net_km2"].values, abs=1e-6
    )
    # over the months, the nets add up to the change between the first and last maps
    first = km2(shipped.get(isis["date_a"].iloc[0]).geometry_of("isis"))
    last = km2(shipped.get(isis["date_b"].iloc[-1]).geometry_of("isis"))
    assert isis["net_km2"].sum() == pytest.approx(last - first, abs=0.05)
    # IS lost ground over 2017 and the shipped maps mark some of it inferred
    assert isis["lost_km2"].sum() > isis["gained_km2"].sum() > 0
    assert (df["lost_inferred_km2"] <= df["lost_km2"] + 1e-9).all()
    assert df["lost_inferred_km2"].sum() > 0


def test_cli_by_month_formats(cli_runner, shipped_data_dir):
    base = ["timeline", "--data", str(shipped_data_dir), "--by", "month", "--faction", "isis"]
    r = cli_runner.invoke(cli, [*base, "--format", "csv"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert list(rows[0]) == PERIOD_COLUMNS
    assert {row["faction"] for row in rows} == {"isis"}
    assert rows[0]["period"] == "2017-01" and rows[0]["start"] == "2017-01-01"
    r = cli_runner.invoke(cli, [*base, "--format", "json"], catch_exceptions=False)
    recs = json.loads(r.output)
    assert len(recs) == len(rows) and recs[0]["date_a"] == rows[0]["date_a"]
    r = cli_runner.invoke(cli, [*base, "--format", "md"], catch_exceptions=False)
    assert r.output.startswith("| Period | Maps compared | Faction | Gained (km²)")
    assert "Islamic State" in r.output and "inferred)" in r.output
    r = cli_runner.invoke(cli, base, catch_exceptions=False)  # table by default
    assert r.output.splitlines()[0].startswith("Period ")
    assert len(r.output.splitlines()) == len(rows) + 1


def test_cli_by_refuses_what_does_not_go_with_it(cli_runner, shipped_data_dir, tmp_path):
    data = ["--data", str(shipped_data_dir)]
    r = cli_runner.invoke(cli, ["timeline", *data, "--faction", "isis"])
    assert r.exit_code == 2 and "--faction and --lag-days go with --by" in r.output
    r = cli_runner.invoke(cli, ["timeline", *data, "--format", "table", "--no-gazetteer"])
    assert r.exit_code == 2 and "table goes with --by" in r.output
    png = tmp_path / "t.png"
    r = cli_runner.invoke(cli, ["timeline", *data, "--by", "month", "--plot", str(png)])
    assert r.exit_code == 2 and not png.exists()
    r = cli_runner.invoke(cli, ["timeline", *data, "--by", "month", "--faction", "isil"])
    assert r.exit_code == 2 and "did you mean" in r.output


# -- DeepState's published monthly figures -------------------------------------------------
needs_deepstate = pytest.mark.skipif(
    not DEEPSTATE.is_dir(), reason="../shared/data/deepstate-occupied-daily is absent"
)
#: The daily files are downloaded at 05:00 UTC, before DeepState's daily map update: the
#: file dated D shows the map of D - 1 (see tests/data/deepstate_monthly.md).
LAG_DAYS = 1
FACTION = "russia"


@pytest.fixture(scope="session")
def deepstate_history(tmp_path_factory) -> ControlHistory:
    """All daily DeepState maps in a file store (built once per session, in tmp_path)."""
    import pyogrio

    snaps = []
    for path in sorted(DEEPSTATE.glob("deepstatemap_data_*.geojson")):
        day = dt.datetime.strptime(path.stem.rsplit("_", 1)[-1], "%Y%m%d").date()
        gdf = pyogrio.read_dataframe(path)
        snaps.append(snap(day.isoformat(), **{FACTION: shapely.union_all(gdf.geometry.values)}))
    h = ControlHistory(tmp_path_factory.mktemp("deepstate") / "control")
    h.add_many(snaps, repair=True)
    return ControlHistory(h.directory, validate=False)


@pytest.fixture(scope="session")
def deepstate_months(deepstate_history):
    return period_changes(deepstate_history, "month", FACTION, lag_days=LAG_DAYS)


@needs_deepstate
@pytest.mark.parametrize(
    "row",
    [
        pytest.param(
            r,
            id=r["month"],
            marks=[pytest.mark.xfail(strict=True, reason=r["expected_to_fail_because"])]
            if r["expected_to_fail_because"]
            else [],
        )
        for r in MONTHLY
    ],
)
def test_month_agrees_with_deepstate_within_3_percent(deepstate_months, row):
    ours = deepstate_months.set_index("period").loc[row["month"]]
    assert row["quantity"] == "net"
    published = float(row["published_km2"])
    off = (ours.net_km2 - published) / published
    assert abs(off) <= 0.03, (
        f"{row['month']}: ours {ours.net_km2:.1f} km² net ({ours.gained_km2:.1f} gained, "
        f"{ours.lost_km2:.1f} lost; maps {ours.date_a} → {ours.date_b}) vs published "
        f"{published:.0f} ({row['outlet']}): {100 * off:+.1f} %"
    )


@needs_deepstate
def test_at_least_twelve_months_agree_and_the_gross_sum_does_not(deepstate_months):
    ours = deepstate_months.set_index("period")
    pub = {r["month"]: float(r["published_km2"]) for r in MONTHLY}
    net_ok = [m for m, p in pub.items() if abs(ours.loc[m, "net_km2"] / p - 1) <= 0.03]
    gross_ok = [m for m, p in pub.items() if abs(ours.loc[m, "gained_km2"] / p - 1) <= 0.03]
    assert len(net_ok) >= 12, net_ok
    assert len(net_ok) > len(gross_ok)  # the published figure is the net change, not the gross


@needs_deepstate
def test_total_occupied_area_within_0_2_percent(deepstate_history):
    for row in (r for r in TOTALS if r["kind"] == "total"):
        day = dt.date.fromisoformat(row["as_of"]) + dt.timedelta(days=LAG_DAYS)
        ours = km2(deepstate_history.at(day).geometry_of(FACTION))
        published = float(row["published_km2"])
        assert abs(ours / published - 1) <= 0.002, (row["as_of"], ours, published)


@needs_deepstate
def test_year_2025_net_within_3_percent(deepstate_months):
    (row,) = (r for r in TOTALS if r["kind"] == "year-net")
    year = deepstate_months[deepstate_months["period"].str.startswith(row["as_of"] + "-")]
    assert len(year) == 12
    assert abs(year["net_km2"].sum() / float(row["published_km2"]) - 1) <= 0.03
