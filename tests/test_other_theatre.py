"""End to end on a second theatre that shares nothing with the shipped one.

Every file is written by the test into ``tmp_path``, as a new user following README "Adding a
theatre" would: ``factions.yaml``, ``theatres/karabakh-2020.yaml``, ``gazetteer/places.csv``
and ``observations/karabakh-2020.csv`` for the 2020 Nagorno-Karabakh war (other countries,
other factions, relations that change at the ceasefire), plus a one-snapshot theatre in the
southern hemisphere (Cabo Delgado, Mozambique). The observations are **illustrative test data**
(labelled so in ``source`` and ``note``), not a record of who held what.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import require_service

from frontline.cli import cli

TID = "karabakh-2020"

FACTIONS = """\
default_relation: neutral
sides:
  azerbaijan: {name: "Azerbaijan"}
  armenia: {name: "Armenia and Artsakh"}
  russia: {name: "Russia (peacekeepers)"}
factions:
  - id: azerbaijan
    name: "Azerbaijani Armed Forces"
    short_name: "Azerbaijani forces"
    aliases: ["Azerbaijani army", "Azərbaycan Silahlı Qüvvələri"]
    colour: "#0072B2"
    side: azerbaijan
  - id: artsakh
    name: "Artsakh Defence Army"
    short_name: "Artsakh forces"
    aliases: ["Karabakh Armenian forces", "Արցախի պաշտպանության բանակ"]
    colour: "#D55E00"
    side: armenia
  - id: armenia
    name: "Armed Forces of Armenia"
    aliases: ["Armenian army"]
    colour: "#E69F00"
    side: armenia
  - id: russian-peacekeepers
    name: "Russian peacekeeping contingent"
    aliases: ["Russian peacekeepers"]
    colour: "#009E73"
    side: russia
relations:
  - {sides: [azerbaijan, armenia], relation: hostile, to: 2020-11-09, source: illustrative}
  - {sides: [azerbaijan, armenia], relation: neutral, from: 2020-11-10, source: illustrative}
  - {sides: [russia, armenia], relation: allied, from: 2020-11-10, source: illustrative}
"""

THEATRE = """\
id: karabakh-2020
name: "Nagorno-Karabakh war, 2020 (illustrative test theatre)"
countries: [AZ, AM]
extent: [45.0, 38.8, 47.8, 40.6]
period: [2020-09-27, 2020-12-01]
snapshot_dates: [2020-09-27, 2020-10-20, 2020-11-09]
default_radius_km: {city: 15, town: 10, village: 6}
map:
  title: "Karabakh test map"
  focus_extent: [45.8, 38.9, 47.3, 40.3]
"""

PLACES = (
    "id,name,alt_names,kind,country,lat,lon,precision_m,source\n"
    "stepanakert,Stepanakert,Khankendi|Xankəndi|Ստեփանակերտ,city,AZ,39.81528,46.75194,2000,"
    "\"Wikipedia: 'Stepanakert' infobox 39°48′55″N 46°45′7″E\"\n"
    "hadrut,Hadrut,Hadrout|Հադրութ,town,AZ,39.51667,47.03,2000,"
    "\"Wikipedia (ro): 'Hadrut' infobox 39°31′00″N 47°01′48″E\"\n"
)

OBSERVATIONS = """\
date,place,faction,source,confidence,note
2020-09-27,Khankendi,Karabakh Armenian forces,illustrative,0.9,illustrative test data
2020-09-27,Shusha,artsakh,illustrative,0.9,illustrative test data
2020-09-27,Hadrut,artsakh,illustrative,0.9,illustrative test data
2020-09-27,Goris,Armenian army,illustrative,0.9,illustrative test data
2020-09-27,gn-148106,azerbaijan,illustrative,0.5,illustrative test data (Fuzuli by GeoNames id)
2020-10-20,Hadrut,Azerbaijani army,illustrative,0.6,illustrative test data
2020-11-09,Shusha,azerbaijan,illustrative,0.9,illustrative test data
"""


def write_theatre(root: Path) -> Path:
    """Write the illustrative Karabakh data folder into *root* and return it."""
    for sub in ("theatres", "gazetteer", "observations"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "factions.yaml").write_text(FACTIONS, encoding="utf-8")
    (root / "theatres" / f"{TID}.yaml").write_text(THEATRE, encoding="utf-8")
    (root / "gazetteer" / "places.csv").write_text(PLACES, encoding="utf-8")
    (root / "observations" / f"{TID}.csv").write_text(OBSERVATIONS, encoding="utf-8")
    return root


def run(runner, *args: str, code: int = 0, input: str | None = None):
    res = runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)
    assert res.exit_code == code, (args, res.output)
    assert "Traceback" not in res.output
    return res


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from click.testing import CliRunner

    root = write_theatre(tmp_path_factory.mktemp("karabakh") / "data")
    res = run(CliRunner(), "control", "build", "--data", root)
    assert "3 snapshot(s) built for karabakh-2020" in res.output
    return root


@pytest.fixture
def data(built, tmp_path) -> Path:
    """A private copy of the built folder that a test may change."""
    return Path(shutil.copytree(built, tmp_path / "data"))


def test_geocode_and_places(built, cli_runner):
    res = run(cli_runner, "geocode", "Khankendi", "Hadrut", "--data", built, "--json")
    json.loads(res.output)
    assert '"stepanakert"' in res.output and '"hadrut"' in res.output
    res = run(cli_runner, "places", "-", "--data", built,
              input="Azerbaijani forces took Hadrut; fighting 10 km south of Shusha.")  # fmt: skip
    assert "hadrut" in res.output and "[offset]" in res.output
    run(cli_runner, "geocode", "Nowhereville", "--data", built, code=2)


def test_history_commands(built, cli_runner):
    listed = run(cli_runner, "control", "list", "--data", built).output
    assert "artsakh" in listed and "azerbaijan" in listed and "2020-11-09" in listed
    run(cli_runner, "control", "validate", "--data", built)
    show = run(cli_runner, "control", "show", "2020-11-15", "--data", built).output
    assert "as of 2020-11-15" in show
    md = run(cli_runner, "diff", "2020-09-27", "2020-11-09", "--data", built).output
    assert "Hadrut" in md and "Shusha" in md and "2017" not in md
    for fmt in ("csv", "json", "geojson"):
        out = run(
            cli_runner, "diff", "2020-09-27", "2020-11-09", "--data", built, "--format", fmt
        ).output
        assert "azerbaijan" in out
    gj = json.loads(run(cli_runner, "diff", "2020-09-27", "2020-11-09", "--data", built,
                        "--format", "geojson").output)  # fmt: skip
    changed = {
        f["properties"]["name"]
        for f in gj["features"]
        if f["properties"]["layer"] == "places_changed"
    }
    assert {"Hadrut", "Shusha"} <= changed
    tl = run(cli_runner, "timeline", "--data", built, "--format", "csv").output
    assert tl.splitlines()[0].startswith("date,faction,area_km2")
    fl = json.loads(run(cli_runner, "frontlines", "--date", "2020-11-09", "--data", built,
                        "--format", "json").output)  # fmt: skip
    assert fl["date"] == "2020-11-09"


def test_relations_change_at_the_ceasefire(built):
    from frontline.factions import FactionRegistry

    reg = FactionRegistry.load(built)
    assert reg.relation("azerbaijan", "artsakh", on="2020-11-09") == "hostile"
    assert reg.relation("azerbaijan", "artsakh", on="2020-11-10") == "neutral"
    assert reg.relation("artsakh", "armenia") == "allied"
    assert reg.relation("russian-peacekeepers", "artsakh", on="2020-11-01") == "neutral"
    assert reg.relation("russian-peacekeepers", "artsakh", on="2020-11-10") == "allied"


def test_render_png_svg_and_animate(built, cli_runner, tmp_path):
    run(cli_runner, "render", "--date", "2020-10-20", "--data", built, "--size", "600x338",
        "--out", tmp_path / "m.png")  # fmt: skip
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    run(cli_runner, "render", "--from", "2020-09-27", "--to", "2020-11-09", "--data", built,
        "--size", "600x338", "--out", tmp_path / "c.svg")  # fmt: skip
    svg = (tmp_path / "c.svg").read_text(encoding="utf-8")
    assert "Karabakh test map" in svg  # the theatre's own title
    assert "scale true at 39." in svg and "°N" in svg
    words = " ".join(re.findall(r"<text[^>]*>([^<]*)", svg))
    assert "Karabakh test map" in words and "Syria" not in words and "2017" not in words
    run(
        cli_runner,
        "render",
        "--date",
        "2020-10-20",
        "--data",
        built,
        "--out",
        tmp_path / "m.png",
        code=2,
    )
    res = run(cli_runner, "render", "--date", "2020-10-20", "--data", built,
              "--bbox", "10,10,11,11", "--out", tmp_path / "far.png", code=2)  # fmt: skip
    assert "does not overlap theatre" in res.output and not (tmp_path / "far.png").exists()
    run(cli_runner, "animate", "--from", "2020-09-27", "--to", "2020-11-09", "--data", built,
        "--size", "600x338", "--out", tmp_path / "a.gif")  # fmt: skip
    assert (tmp_path / "a.gif").read_bytes()[:3] == b"GIF"


def test_country_names_and_attribution_do_not_cover_map_text(built):
    """Regression: AZERBAIJAN was printed across Stepanakert's label.

    And 3-line credits ran into the map.
    """
    from frontline.render import close, render_map
    from frontline.store import ControlHistory
    from frontline.theatre import Theatre

    th = Theatre.load(TID, built)
    source = "illustrative: a deliberately long source line " * 8
    hist = ControlHistory.for_theatre(th)
    snap = hist.get("2020-11-09")
    snap.areas["sources"] = [[source]] * len(snap.areas)
    ax = render_map(snap, theatre=th, basemap="vector")
    fig = ax.figure
    r = fig.canvas.get_renderer()
    texts = [t for t in ax.texts if t.get_visible()] + list(fig.texts)
    country = [t.get_window_extent(r) for t in texts if (t.get_gid() or "").startswith("country-")]
    places = [t.get_window_extent(r) for t in texts if (t.get_gid() or "").startswith("label-")]
    assert country and places
    assert not any(c.overlaps(p) for c in country for p in places)
    credit = next(t for t in fig.texts if t.get_gid() == "attribution")
    assert credit.get_window_extent(r).y1 <= ax.get_window_extent(r).y0
    close(ax)


def test_import_projected_gpkg_and_shapefile(data, cli_runner, tmp_path):
    import geopandas as gpd
    import shapely

    areas = gpd.GeoDataFrame(
        {"holder": ["Azerbaijani army", "Karabakh Armenian forces"]},
        geometry=[shapely.box(46.9, 39.3, 47.3, 39.7), shapely.box(46.6, 39.75, 46.85, 39.95)],
        crs="EPSG:4326",
    )
    areas.to_crs("EPSG:32638").to_file(tmp_path / "utm.gpkg", engine="pyogrio")  # UTM 38N
    areas.rename(columns={"holder": "wer"}).to_file(tmp_path / "a.shp", engine="pyogrio")
    run(cli_runner, "control", "import", tmp_path / "utm.gpkg", "--date", "2020-12-15",
        "--faction-field", "holder", "--data", data, "--extend-period")  # fmt: skip
    run(cli_runner, "control", "import", tmp_path / "a.shp", "--date", "2020-12-20",
        "--faction-field", "wer", "--data", data, "--extend-period")  # fmt: skip
    shown = json.loads(
        run(cli_runner, "control", "show", "2020-12-15", "--data", data, "--json").output
    )
    assert "artsakh" in json.dumps(shown) and "azerbaijan" in json.dumps(shown)
    # the same file again: refused without --overwrite, history unchanged
    before = sorted(p.name for p in (data / "control" / TID).iterdir())
    run(cli_runner, "control", "import", tmp_path / "a.shp", "--date", "2020-12-20",
        "--faction-field", "wer", "--data", data, code=2)  # fmt: skip
    # a layer whose declared CRS is wrong: UTM metres labelled as lon/lat
    wrong = areas.to_crs("EPSG:32638").set_crs("EPSG:4326", allow_override=True)
    wrong.to_file(tmp_path / "wrong.gpkg", engine="pyogrio")
    res = run(cli_runner, "control", "import", tmp_path / "wrong.gpkg", "--date", "2020-12-20",
              "--faction-field", "holder", "--data", data, code=2)  # fmt: skip
    assert "declared CRS is wrong" in res.output
    assert sorted(p.name for p in (data / "control" / TID).iterdir()) == before


def test_export_all_formats(built, cli_runner, tmp_path):
    for fmt in ("gpkg", "geojson", "fgb", "csv"):
        out = tmp_path / f"x.{fmt}"
        run(cli_runner, "export", "--format", fmt, "--out", out, "--data", built)
        assert out.exists()
    run(
        cli_runner,
        "export",
        "--format",
        "gpkg",
        "--out",
        tmp_path / "x.gpkg",
        "--data",
        built,
        code=2,
    )


@pytest.mark.needs("ogrinfo")
def test_exported_gpkg_opens_in_ogrinfo(built, cli_runner, tmp_path):
    run(cli_runner, "export", "--format", "gpkg", "--out", tmp_path / "x.gpkg", "--data", built)
    info = subprocess.run([require_service("ogrinfo"), "-so", "-ro", str(tmp_path / "x.gpkg")],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "control" in info and "layer_styles" in info


@pytest.mark.parametrize(
    "path, content, message",
    [
        (f"theatres/{TID}.yaml", THEATRE.replace("2020-11-09]", "2020-11-31]"), "real YYYY-MM-DD"),
        (
            f"theatres/{TID}.yaml",
            THEATRE.replace("47.8, 40.6", "200.0, 40.6"),
            "not lon/lat degrees",
        ),
        (f"theatres/{TID}.yaml", THEATRE.replace("[AZ, AM]", "[AZ, ZZ]"), "no land of ZZ"),
        (f"theatres/{TID}.yaml", THEATRE.replace("[AZ, AM]", "[AZE]"), "alpha-2"),
        (
            f"theatres/{TID}.yaml",
            THEATRE.replace("[2020-09-27, 2020-12-01]", "[2020-12-01, 2020-09-27]"),
            "ends before",
        ),
        (f"theatres/{TID}.yaml", "- a list\n", "must be a mapping"),
        ("factions.yaml", "", "no factions"),
        ("factions.yaml", "- a list\n", "must be a mapping"),
        (
            f"observations/{TID}.csv",
            "date,place,faction,source,confidence,note\n",
            "no observations",
        ),
        (
            f"observations/{TID}.csv",
            b"date,place,faction,source\n2020-10-01,Hadrut,azerbaijan,Cr\xe9dit\n",
            "UTF-8",
        ),
        (
            f"observations/{TID}.csv",
            OBSERVATIONS + "2020-10-01,Hadrut,wagner,illustrative,0.5,\n",
            "wagner",
        ),
        (
            f"observations/{TID}.csv",
            OBSERVATIONS + "2020-10-32,Hadrut,azerbaijan,illustrative,0.5,\n",
            "not a date",
        ),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path, cli_runner, path, content, message):
    root = write_theatre(tmp_path / "data")
    target = root / path
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    res = run(cli_runner, "control", "build", "--data", root, code=2)
    assert message in res.output
    if message == "wagner":
        assert "(known factions: azerbaijan, artsakh" in res.output
    assert not (root / "control" / TID).exists() or not any(
        (root / "control" / TID).glob("*.geojson")
    )


def test_one_snapshot_theatre_in_the_southern_hemisphere(tmp_path, cli_runner):
    root = tmp_path / "cd"
    for sub in ("theatres", "gazetteer", "observations"):
        (root / sub).mkdir(parents=True)
    (root / "theatres" / "cabo-delgado.yaml").write_text(
        "id: cabo-delgado\nname: Cabo Delgado (illustrative)\ncountries: [MZ, TZ]\n"
        "extent: [38.5, -14.0, 41.0, -10.3]\nsnapshot_dates: 2021-08-10\n",  # one date, not a list
        encoding="utf-8",
    )
    (root / "factions.yaml").write_text(
        "factions:\n  - {id: fadm, name: Mozambican army, colour: '#0072B2', side: gov}\n"
        "  - {id: insurgents, name: Insurgents, colour: '#000000', side: ins}\n"
        "relations:\n  - {sides: [gov, ins], relation: hostile}\n",
        encoding="utf-8",
    )
    (root / "gazetteer" / "places.csv").write_text(
        "id,name,alt_names,kind,country,lat,lon,precision_m,source\n", encoding="utf-8"
    )
    (root / "observations" / "cabo-delgado.csv").write_text(
        "date,place,faction,source,confidence,note\n"
        "2021-08-10,Pemba,fadm,illustrative,0.5,illustrative test data\n"
        "2021-08-10,Mueda,insurgents,illustrative,0.5,illustrative test data\n",
        encoding="utf-8",
    )
    run(cli_runner, "control", "build", "--data", root)
    assert "1 snapshot(s)" in run(cli_runner, "control", "list", "--data", root).output
    assert "2021-08-10" in run(cli_runner, "timeline", "--data", root, "--format", "csv").output
    run(cli_runner, "render", "--date", "2021-08-10", "--data", root, "--size", "600x338",
        "--out", tmp_path / "cd.svg")  # fmt: skip
    assert "°S" in (tmp_path / "cd.svg").read_text(encoding="utf-8")


def test_coasts_are_not_international_borders():
    """Regression: the Mozambique coast was drawn (and legended) as an international border."""
    from frontline.render.basemap import border_lines

    sea_side = (40.0, -13.5, 41.0, -12.5)  # Mozambique's coast, no neighbour in the box
    assert border_lines(sea_side).length == 0
    assert border_lines(sea_side, coasts=True).length > 0.5
    assert border_lines((38.0, -12.0, 40.5, -10.0)).length > 1  # Rovuma: MZ–TZ border kept
