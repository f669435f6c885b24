"""Shared fixtures.

A small **synthetic** data directory (fictional places and factions, laid over the real
Syria–Iraq–Jordan borders so that Natural Earth clipping is exercised) is written into
``tmp_path`` for tests that need a complete ``--data`` folder:

``synthetic_data_dir``      function-scoped Path: factions.yaml, theatres/testland.yaml,
                            gazetteer/places.csv, observations/testland.csv (no control/).
``synthetic_data_dir_ro``   the same, session-scoped: read only, never write into it.
``synthetic_theatre``       Theatre ``testland`` of the session data dir.
``synthetic_registry``      FactionRegistry of the session data dir.
``synthetic_places``        list of Place objects (the curated rows).
``synthetic_gazetteer``     Gazetteer of those places only (no GeoNames layer).
``synthetic_observations``  GeoDataFrame from build.read_observations.
``built_data_dir``          function-scoped data dir whose history has been built (3 dates).
``cli_runner``              click.testing.CliRunner.
``shipped_data_dir``        session-scoped Path of the repository's geodata/.

Nothing here is real data: the names are code words (Alpha, Bravo …) and the factions are colours.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

SYNTHETIC_THEATRE = "testland"
SYNTHETIC_DATES = ("2020-01-01", "2020-02-01", "2020-03-01")

FACTIONS_YAML = """\
# synthetic factions for tests (fictional)
default_relation: neutral
sides:
  red: {name: "Red side"}
  blue: {name: "Blue side"}
  black: {name: "Black side"}
  grey: {name: "Grey state (not in the fight)"}
factions:
  - {id: red, name: "Red Front", short_name: "Reds", aliases: ["RF", "Red forces"], colour: "#D55E00", side: red}
  - {id: blue, name: "Blue Army", short_name: "Blues", aliases: ["BA", "Blue forces"], colour: "#0072B2", side: blue}
  - {id: cyan, name: "Cyan Militia", short_name: "Cyans", aliases: ["CM"], colour: "#56B4E9", side: blue}
  - {id: black, name: "Black Banner", short_name: "Black Banner", aliases: ["BB"], colour: "#3A3A3A", side: black}
  - {id: grey, name: "Grey State", short_name: "Grey State", aliases: ["GS"], colour: "#999999", side: grey}
relations:
  - {sides: [red, blue], relation: allied}
  - {sides: [black, "*"], relation: hostile}
  - {sides: [black, grey], relation: neutral}
"""

THEATRE_YAML = f"""\
# synthetic theatre for tests (fictional places over real borders)
id: {SYNTHETIC_THEATRE}
name: "Testland"
countries: [SY, IQ, JO]
extent: [38.0, 32.3, 41.5, 34.6]
period: [2020-01-01, 2020-03-31]
snapshot_dates: [{", ".join(SYNTHETIC_DATES)}]
default_radius_km: {{city: 40, town: 25, village: 15, military_base: 20}}
"""

# id,name,alt_names,kind,country,lat,lon,precision_m,source
PLACES_CSV = """\
id,name,alt_names,kind,country,lat,lon,precision_m,source
alpha,Alpha,Al-Alpha|Alfa,city,SY,33.9,38.9,1000,synthetic test data
charlie,Charlie Base,Charlie,military_base,SY,33.45,38.6,500,synthetic test data
bravo,Bravo,,town,IQ,33.3,39.3,1000,synthetic test data
delta,Delta,,town,IQ,34.0,40.2,1000,synthetic test data
echo,Echo,,village,IQ,33.4,40.6,1000,synthetic test data
foxtrot,Foxtrot,,town,IQ,34.3,40.9,1000,synthetic test data
golf,Golf,,town,JO,32.7,38.8,1000,synthetic test data
hotel,Hotel,,town,IQ,32.9,39.9,1000,synthetic test data
twin-sy,Twin,,village,SY,34.2,38.5,1000,synthetic test data
twin-iq,Twin,,village,IQ,33.8,40.0,1000,synthetic test data
"""

OBSERVATIONS_CSV = '''\
date,place,faction,source,confidence,note
2020-01-01,Alpha,red,"Synthetic Times, 2020-01-01, ""Reds hold Alpha""",1.0,
2020-01-01,charlie,BB,"Synthetic Times, 2020-01-01, ""Banner in Charlie""",0.8,
2020-01-01,bravo,black,"Synthetic Times, 2020-01-01, ""Banner in Bravo""",1.0,
2020-01-01,delta,blue,"Synthetic Post, 2020-01-01, ""Blues in Delta""",1.0,
2020-01-01,echo,black,"Synthetic Post, 2020-01-01, ""Banner in Echo""",0.6,uncertain
2020-01-01,foxtrot,Blue forces,"Synthetic Post, 2020-01-01, ""Blues in Foxtrot""",1.0,
2020-01-01,golf,grey,"Synthetic Post, 2020-01-01, ""Golf quiet""",1.0,
2020-01-01,hotel,black,"Synthetic Post, 2020-01-01, ""Banner in Hotel""",1.0,
2020-02-01,charlie,red,"Synthetic Times, 2020-02-01, ""Reds take Charlie""",1.0,
2020-02-01,echo,cyan,"Synthetic Post, 2020-02-01, ""Cyans take Echo""",0.9,
2020-02-01,hotel,blue,"Synthetic Post, 2020-02-01, ""Blues take Hotel""",1.0,
2020-03-01,bravo,blue,"Synthetic Post, 2020-03-01, ""Blues reach the border at Bravo""",1.0,
'''


def write_synthetic_data(root: Path) -> Path:
    """Write the synthetic data directory into *root* and return it."""
    (root / "theatres").mkdir(parents=True, exist_ok=True)
    (root / "gazetteer").mkdir(exist_ok=True)
    (root / "observations").mkdir(exist_ok=True)
    (root / "factions.yaml").write_text(FACTIONS_YAML, encoding="utf-8")
    (root / "theatres" / f"{SYNTHETIC_THEATRE}.yaml").write_text(THEATRE_YAML, encoding="utf-8")
    (root / "gazetteer" / "places.csv").write_text(PLACES_CSV, encoding="utf-8")
    (root / "observations" / f"{SYNTHETIC_THEATRE}.csv").write_text(
        OBSERVATIONS_CSV, encoding="utf-8"
    )
    return root


@pytest.fixture(scope="session")
def synthetic_data_dir_ro(tmp_path_factory) -> Path:
    return write_synthetic_data(tmp_path_factory.mktemp("synthetic-data"))


@pytest.fixture
def synthetic_data_dir(tmp_path) -> Path:
    return write_synthetic_data(tmp_path / "data")


@pytest.fixture(scope="session")
def synthetic_theatre(synthetic_data_dir_ro):
    from frontline.theatre import Theatre

    return Theatre.load(SYNTHETIC_THEATRE, synthetic_data_dir_ro)


@pytest.fixture(scope="session")
def synthetic_registry(synthetic_data_dir_ro):
    from frontline.factions import FactionRegistry

    return FactionRegistry.load(synthetic_data_dir_ro)


@pytest.fixture(scope="session")
def synthetic_places(synthetic_data_dir_ro):
    from frontline.gazetteer import read_places_csv

    return read_places_csv(synthetic_data_dir_ro / "gazetteer" / "places.csv")


@pytest.fixture(scope="session")
def synthetic_gazetteer(synthetic_places):
    from frontline.gazetteer import Gazetteer

    return Gazetteer(synthetic_places)


@pytest.fixture(scope="session")
def synthetic_observations(
    synthetic_data_dir_ro, synthetic_registry, synthetic_gazetteer, synthetic_theatre
):
    from frontline.build import read_observations

    return read_observations(
        synthetic_theatre.observations_path,
        synthetic_registry,
        synthetic_gazetteer,
        synthetic_theatre,
    )


@pytest.fixture(scope="session")
def _built_template(tmp_path_factory, synthetic_gazetteer) -> Path:
    from frontline.build import build_history

    root = write_synthetic_data(tmp_path_factory.mktemp("synthetic-built"))
    build_history(SYNTHETIC_THEATRE, root, gazetteer=synthetic_gazetteer)
    return root


@pytest.fixture
def built_data_dir(_built_template, tmp_path) -> Path:
    dest = tmp_path / "built"
    shutil.copytree(_built_template, dest)
    return dest


@pytest.fixture
def cli_runner():
    from click.testing import CliRunner

    return CliRunner()


@pytest.fixture(scope="session")
def shipped_data_dir() -> Path:
    from frontline.theatre import shipped_data_dir

    return shipped_data_dir()


def dedent(text: str) -> str:
    """Dedent helper for inline files in tests."""
    return textwrap.dedent(text).lstrip("\n")
