"""Scaffolding: ``frontline theatre init`` and ``frontline factions add`` (real files, real CLI)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pytest
import shapely
import shapely.geometry
import yaml
from click.testing import CliRunner

from frontline.cli import cli
from frontline.cli.theatre import parse_countries_value, parse_period_value
from frontline.errors import DataFileError, FactionExistsError, OutputExistsError
from frontline.factions import FactionRegistry
from frontline.scaffold import add_faction, countries_extent, init_theatre, theatre_text
from frontline.theatre import Theatre, natural_earth_countries, shipped_data_dir


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def data(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.delenv("FRONTLINE_DATA", raising=False)
    monkeypatch.delenv("FRONTLINE_THEATRE", raising=False)
    return tmp_path / "mydata"


# -- theatre init --------------------------------------------------------------------------
def test_extent_defaults_to_the_countries_land() -> None:
    ne = natural_earth_countries()
    x0, y0, x1, y1 = ne[ne["iso_a2"] == "UA"].total_bounds
    e = countries_extent(["UA"])
    assert e[0] < x0 < e[0] + 0.3 and e[1] < y0 < e[1] + 0.3
    assert e[2] - 0.3 < x1 < e[2] and e[3] - 0.3 < y1 < e[3]
    two = countries_extent(["UA", "MD"])
    assert two[0] <= e[0] and two[2] >= e[2]


def test_theatre_init_writes_a_loadable_file(data: Path) -> None:
    r = run(
        "theatre", "init", "ukraine", "--countries", "UA", "--period", "2024-07-08:2026-08-22",
        "--name", "Ukraine", "--fill", "complement:ukraine", "--data", str(data),
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    path = data / "theatres" / "ukraine.yaml"
    assert f"wrote {path}" in r.output
    assert "factions add ukraine" in r.output  # the complement faction does not exist yet
    th = Theatre.load("ukraine", data)
    assert th.countries == ("UA",) and th.name == "Ukraine"
    assert th.extent == countries_extent(["UA"])
    assert str(th.period) == "(datetime.date(2024, 7, 8), datetime.date(2026, 8, 22))"
    assert th.fill.mode == "complement" and th.fill.faction == "ukraine"
    assert path.read_text(encoding="utf-8").startswith("# Theatre ukraine")  # commented
    assert th.land().area > 50  # square degrees of Ukraine's land, Crimea included


def test_theatre_init_refuses_to_overwrite(data: Path) -> None:
    init_theatre("t", ["UA"], data)
    before = (data / "theatres" / "t.yaml").read_text(encoding="utf-8")
    r = run("theatre", "init", "t", "--countries", "MD", "--data", str(data))
    assert r.exit_code == 2 and "--overwrite" in r.output
    assert (data / "theatres" / "t.yaml").read_text(encoding="utf-8") == before
    with pytest.raises(OutputExistsError):
        init_theatre("t", ["MD"], data)
    r = run("theatre", "init", "t", "--countries", "MD", "--data", str(data), "--overwrite")
    assert r.exit_code == 0, r.output
    assert Theatre.load("t", data).countries == ("MD",)


def test_theatre_init_given_extent(data: Path) -> None:
    r = run(
        "theatre", "init", "donbas", "--countries", "UA", "--extent", "36.5,47,40.3,50.1",
        "--fill", "nearest", "--data", str(data),
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    th = Theatre.load("donbas", data)
    assert th.extent == (36.5, 47.0, 40.3, 50.1) and th.fill.mode == "nearest"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--countries", "UKR"], "alpha-2"),
        (["--countries", "UA", "--period", "2024-07-08"], "START:END"),
        (["--countries", "UA", "--period", "2025-01-01:2024-01-01"], "ends before"),
        (["--countries", "UA", "--extent", "40,50,30,45"], "min"),
        (["--countries", "QQ"], "unknown country"),
        (["--countries", "UA", "--fill", "sideways"], "fill mode"),
        (["--countries", "UA", "--fill", "complement:"], "complement"),
        (["--countries", "RU"], "--extent"),  # Russia crosses the antimeridian
    ],
)
def test_theatre_init_bad_input_exits_2(data: Path, args: list[str], message: str) -> None:
    r = run("theatre", "init", "x", *args, "--data", str(data))
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert not (data / "theatres" / "x.yaml").exists()


def test_theatre_init_bad_id(data: Path) -> None:
    with pytest.raises(Exception, match="theatre id"):
        theatre_text("../evil", ["UA"])


def test_option_callbacks() -> None:
    assert parse_countries_value(None, None, "ua, md") == ["UA", "MD"]
    with pytest.raises(click.BadParameter):
        parse_countries_value(None, None, "")
    assert parse_period_value(None, None, None) is None
    assert [str(d) for d in parse_period_value(None, None, "2024-01-01:2024-12-31")] == [
        "2024-01-01",
        "2024-12-31",
    ]
    with pytest.raises(click.BadParameter):
        parse_period_value(None, None, "2024-01-01:2024-02-30")


# -- factions add --------------------------------------------------------------------------
def test_factions_add_creates_the_file_and_relations(data: Path) -> None:
    r = run(
        "factions", "add", "ukraine", "--name", "Ukraine", "--alias", "Україна",
        "--alias", "Ukrainian forces", "--colour", "#0057B7", "--data", str(data),
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    r = run(
        "factions", "add", "russia", "--name", "Russian-occupied", "--short-name", "Russia",
        "--colour", "#D55E00", "--hostile-to", "Ukrainian forces", "--note", "the war",
        "--source", "illustrative", "--data", str(data),
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    reg = FactionRegistry.load(data)
    assert reg.ids == ["ukraine", "russia"]
    assert reg.get("Україна").id == "ukraine" and reg.colour("russia") == "#D55E00"
    assert reg.is_hostile("ukraine", "russia")
    raw = yaml.safe_load((data / "factions.yaml").read_text(encoding="utf-8"))
    assert raw["relations"] == [
        {"sides": ["russia", "ukraine"], "relation": "hostile", "note": "the war",
         "source": "illustrative"}
    ]  # fmt: skip
    assert set(raw["sides"]) == {"ukraine", "russia"}


def test_factions_add_default_colour_is_unused(data: Path) -> None:
    add_faction(data, "a", colour="#D55E00")
    add_faction(data, "b")
    reg = FactionRegistry.load(data)
    assert reg.colour("b").lower() != reg.colour("a").lower()


def test_factions_add_keeps_an_existing_file(tmp_path: Path) -> None:
    """The shipped registry: every comment and every line stays, in order; one entry is added."""
    data = tmp_path / "d"
    data.mkdir()
    shutil.copy(shipped_data_dir() / "factions.yaml", data / "factions.yaml")
    before = (data / "factions.yaml").read_text(encoding="utf-8").splitlines()
    old_ids = FactionRegistry.load(data).ids
    r = run(
        "factions", "add", "wagner", "--name", "Wagner Group", "--side", "syria-axis",
        "--colour", "#123456", "--hostile-to", "sdf", "--note", "n", "--source", "s",
        "--data", str(data),
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    after = (data / "factions.yaml").read_text(encoding="utf-8").splitlines()
    it = iter(after)
    assert all(line in it for line in before), "an old line was lost or moved"
    assert len(after) - len(before) == 10  # entry (4 + blank), relation (4 + blank): no new side
    reg = FactionRegistry.load(data)
    assert reg.ids == [*old_ids, "wagner"]
    assert reg.is_allied("wagner", "syrian-government")  # same side
    assert reg.is_hostile("wagner", "sdf")
    # the last lines of the file (a comment after the relations) are still the last
    assert after[-1] == before[-1]


def test_factions_add_refuses_duplicates(data: Path) -> None:
    add_faction(data, "ukraine", name="Ukraine", aliases=["ZSU"])
    text = (data / "factions.yaml").read_text(encoding="utf-8")
    r = run("factions", "add", "ukraine", "--data", str(data))
    assert r.exit_code == 2 and "already exists" in r.output
    with pytest.raises(FactionExistsError, match="'zsu' is already used by faction 'ukraine'"):
        add_faction(data, "army", aliases=["zsu"])
    assert (data / "factions.yaml").read_text(encoding="utf-8") == text
    r = run("factions", "add", "x", "--colour", "red", "--data", str(data))
    assert r.exit_code == 2 and "#rrggbb" in r.output
    r = run("factions", "add", "x", "--hostile-to", "nobody", "--data", str(data))
    assert r.exit_code == 2 and "nobody" in r.output
    assert (data / "factions.yaml").read_text(encoding="utf-8") == text


def test_factions_add_inline_lists_are_refused_not_broken(tmp_path: Path) -> None:
    data = tmp_path / "d"
    data.mkdir()
    (data / "factions.yaml").write_text(
        'factions: [{id: a, name: A, colour: "#000000"}]\n', encoding="utf-8"
    )
    with pytest.raises(DataFileError, match="inline"):
        add_faction(data, "b")
    (data / "factions.yaml").write_text(
        'relations: []\nfactions:\n- id: a\n  colour: "#000000"\n', encoding="utf-8"
    )
    add_faction(data, "b", hostile_to=["a"], note="n", source="s")
    reg = FactionRegistry.load(data)
    assert reg.is_hostile("a", "b")


# -- a scaffolded theatre works with the other commands ------------------------------------
def test_scaffolded_theatre_works_with_existing_commands(data: Path, tmp_path: Path) -> None:
    for args in (
        ["theatre", "init", "ua", "--countries", "UA", "--period", "2025-01-01:2025-12-31",
         "--fill", "complement:ukraine"],
        ["factions", "add", "ukraine", "--name", "Ukraine", "--colour", "#0057B7"],
        ["factions", "add", "russia", "--name", "Russian-occupied", "--colour", "#D55E00",
         "--hostile-to", "ukraine", "--note", "n", "--source", "s"],
    ):  # fmt: skip
        r = run(*args, "--data", str(data))
        assert r.exit_code == 0, r.output
    r = run("control", "list", "--data", str(data), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["snapshots"] == []
    r = run("geocode", "Pokrovsk", "--data", str(data), "--json")
    assert r.exit_code == 0, r.output
    match = json.loads(r.output)[0]["matches"][0]
    assert match["country"] == "UA" and abs(match["lat"] - 48.28) < 0.05
    # a one-sided file (the occupied area only) imports with the theatre's complement fill
    # (vertices every 0.01 degree: the fill projects the areas to an equal-area plane, where a
    # long straight lon/lat edge would not be straight)
    ring = shapely.segmentize(shapely.box(37.5, 47.5, 38.5, 48.3), 0.01)
    area = tmp_path / "occupied.geojson"
    feature = {"type": "Feature", "properties": {"faction": "russia"},
               "geometry": shapely.geometry.mapping(ring)}  # fmt: skip
    area.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8"
    )
    r = run("control", "import", str(area), "--date", "2025-03-01", "--fill", "theatre",
            "--data", str(data))  # fmt: skip
    assert r.exit_code == 0, r.output
    r = run("control", "show", "2025-03-01", "--data", str(data), "--json")
    assert r.exit_code == 0, r.output
    shown = json.loads(r.output)
    areas = {row["faction"]: row for row in shown["areas"]}
    assert set(areas) == {"russia", "ukraine"}
    assert areas["ukraine"]["area_km2"] > 500_000  # the rest of Ukraine, inferred
    assert areas["ukraine"]["inferred_km2"] == areas["ukraine"]["area_km2"]
