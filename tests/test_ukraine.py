"""The Ukraine theatre on the real DeepStateMap daily files (skipped when they are absent).

The files (``../shared/data/deepstate-occupied-daily``, GPL-3.0) are read where they are;
the history is imported into ``tmp_path`` and nothing of it (or of the maps rendered from
it) is written into the repository. Runs ``scripts/ukraine.py`` on the last 10 days.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
from pathlib import Path

import pytest

from frontline.gazetteer import Gazetteer
from frontline.theatre import Theatre, shipped_data_dir

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "deepstate-occupied-daily"
if not SOURCE.is_dir():  # a worktree beside the main checkout: /work/wt-x -> /work/shared
    SOURCE = Path("/work/shared/data/deepstate-occupied-daily")

pytestmark = pytest.mark.skipif(
    not SOURCE.is_dir() or not any(SOURCE.glob("deepstatemap_data_*.geojson")),
    reason="the DeepState daily files (../shared/data/deepstate-occupied-daily) are absent",
)

WORDS = re.compile(r"^(?:(\d+) km (N|NE|E|SE|S|SW|W|NW) of|at) (.+)$")


def load_script():
    spec = importlib.util.spec_from_file_location("ukraine_script", ROOT / "scripts" / "ukraine.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("ukraine")
    data, out = tmp / "data", tmp / "out"
    code = load_script().main(
        ["--source", str(SOURCE), "--days", "10", "--data", str(data), "--out", str(out)]
    )
    assert code == 0
    return data, out


def test_the_shipped_theatre_has_no_control_data() -> None:
    th = Theatre.load("ukraine", shipped_data_dir())
    assert th.countries == ("UA",) and th.fill.mode == "complement"
    assert th.fill.faction == "ukraine"
    assert not th.control_dir.exists()  # DeepState is GPL-3.0: never in the repository


def test_import_writes_the_days_with_the_rest_of_ukraine_inferred(run) -> None:
    data, _ = run
    files = sorted((data / "control" / "ukraine").glob("*.geojson"))
    assert len(files) == 10
    features = json.loads(files[-1].read_text(encoding="utf-8"))["features"]
    kinds = {(f["properties"]["faction"], f["properties"]["basis"]) for f in features}
    assert kinds == {("russia", "observed"), ("ukraine", "inferred")}


def test_sector_map_and_country_map(run) -> None:
    _, out = run
    sector = list(out.glob("pokrovsk-*.png"))
    country = list(out.glob("ukraine-*.png"))
    change = list(out.glob("change-*.png"))
    assert len(sector) == len(country) == len(change) == 1
    assert all(p.stat().st_size > 50_000 for p in (*sector, *country, *change))


def test_front_lines_exist(run) -> None:
    _, out = run
    (fronts,) = out.glob("fronts-*.csv")
    rows = list(csv.DictReader(fronts.open(encoding="utf-8")))
    assert {(r["faction_a"], r["faction_b"]) for r in rows} == {("ukraine", "russia")}
    # the line of contact is well over 1,000 km long (with the Dnipro and the border with
    # Russia where occupied ground meets Ukrainian ground)
    assert sum(float(r["length_km"]) for r in rows) > 1_000
    (geo,) = out.glob("fronts-*.geojson")
    assert json.loads(geo.read_text(encoding="utf-8"))["features"]


def test_change_locations_name_real_places(run) -> None:
    data, out = run
    (changes,) = out.glob("changes-*.csv")
    rows = list(csv.DictReader(changes.open(encoding="utf-8")))
    assert rows, "ten days of DeepState maps change somewhere"
    gazetteer = Gazetteer.load(data, "ukraine")
    names = {p.name for p in gazetteer}
    for row in rows:
        m = WORDS.match(row["location"])
        assert m, row["location"]
        assert m.group(3) in names, row["location"]
        assert {row["from_faction"], row["to_faction"]} == {"russia", "ukraine"}
