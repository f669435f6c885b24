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
``hand_data_dir``           function-scoped data dir with two hand-drawn snapshots (the Reds
                            advance against the Black Banner, 2020-01-01 → 2020-02-01).
``cli_runner``              click.testing.CliRunner.
``shipped_data_dir``        session-scoped Path of the repository's geodata/.
``gaz``, ``reg``            session-scoped Gazetteer and FactionRegistry of the shipped data
                            (a module may define its own ``gaz``).
``pg_server``               session-scoped URL of a PostGIS database: $FRONTLINE_TEST_PG, else a
                            throwaway cluster (scripts/pg_test_server.sh); needs("postgis").
``pg_url``                  an initialised, empty store in a schema of its own (dropped after).

Nothing here is real data: the names are code words (Alpha, Bravo …) and the factions are colours.

System services
---------------
Tests that need a program outside Python (GDAL's ``ogrinfo``, PostGIS, QGIS, Chromium) say so
with ``@pytest.mark.needs("ogrinfo")`` (or call ``require_service("ogrinfo")``, which also
returns where the service is). ``SERVICES`` below is the one place that knows each service: how
to find it (looked up once per session, only when a test needs it) and the command that
installs it. A missing service SKIPS the test with that command as the reason; with
``CI=true`` it FAILS instead, so CI shows that every such test ran. ``FRONTLINE_TEST_WITHOUT``
(names separated by spaces or commas, or ``all``) treats services as missing, to see the suite
as a machine without them sees it. Each service name is also a marker: ``-m "not postgis"``
selects, and ``@pytest.mark.postgis`` alone works like ``needs("postgis")``.

No writes into the home folder
------------------------------
``pytest_configure`` points frontline's gazetteer and tile caches (``FRONTLINE_CACHE``,
``FRONTLINE_TILE_CACHE``) and matplotlib's config/cache (``MPLCONFIGDIR``) at a temporary
folder for the whole session (before collection, so even a module that imports matplotlib at
its top is covered); ``sandbox_env`` gives a subprocess (QGIS) its own HOME and XDG folders.
"""

from __future__ import annotations

import functools
import glob
import os
import re
import shutil
import subprocess
import tempfile
import textwrap
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

# -- system services ------------------------------------------------------------------------------
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's python3: the one python3-qgis / python3-gdal serve
VALIDATE_GPKG_PATHS = (
    "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py",
    "/usr/share/doc/python3-gdal/examples/validate_gpkg.py",
)


class ServiceMissing(Exception):
    """A system service is not installed; the message says what was looked for."""


def _system_python_imports(module: str) -> None:
    if not Path(SYSTEM_PYTHON).is_file():
        raise ServiceMissing(f"no {SYSTEM_PYTHON}")
    proc = subprocess.run(
        [SYSTEM_PYTHON, "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise ServiceMissing(f"{SYSTEM_PYTHON} cannot import {module}: {last}")


def _find_ogrinfo() -> str:
    path = shutil.which("ogrinfo")
    if path is None:
        raise ServiceMissing("no ogrinfo on PATH")
    return path


def _find_validate_gpkg() -> str:
    script = next((p for p in VALIDATE_GPKG_PATHS if Path(p).is_file()), None)
    if script is None:
        raise ServiceMissing("no validate_gpkg.py in " + " or ".join(VALIDATE_GPKG_PATHS))
    _system_python_imports("osgeo.ogr")
    return script


def _postgres_bindir() -> Path | None:
    """The server binaries scripts/pg_test_server.sh would use (same order of preference)."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    if shutil.which("pg_config"):
        proc = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=False, timeout=30
        )
        if proc.returncode == 0 and (Path(proc.stdout.strip()) / "initdb").is_file():
            return Path(proc.stdout.strip())

    def version(path: str) -> list[int]:
        return [int(n) for n in re.findall(r"\d+", Path(path).parent.name)]

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version, reverse=True)
    return Path(found[0]).parent if found else None


def _find_postgis() -> str:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise ServiceMissing(
            "the psycopg driver is not installed: pip install 'psycopg[binary]'"
        ) from None
    if os.environ.get("FRONTLINE_TEST_PG"):
        return os.environ["FRONTLINE_TEST_PG"]
    bindir = _postgres_bindir()
    if bindir is None:
        raise ServiceMissing("no PostgreSQL server binaries (initdb)")
    # Debian: /usr/lib/postgresql/15/bin -> /usr/share/postgresql/15; a source build: PREFIX/share
    shares = [Path("/usr/share/postgresql") / bindir.parent.name, bindir.parent / "share"]
    shares += [s / "postgresql" for s in list(shares)]
    if not any((s / "extension" / "postgis.control").is_file() for s in shares):
        raise ServiceMissing(f"PostgreSQL in {bindir.parent} has no PostGIS extension")
    return str(bindir)


def _find_qgis() -> str:
    _system_python_imports("qgis.core")
    return SYSTEM_PYTHON


def _find_chromium() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise ServiceMissing("no chromium on PATH")
    if shutil.which("chromedriver") is None:
        raise ServiceMissing("no chromedriver on PATH")
    return browser


@dataclass(frozen=True)
class Service:
    """A program outside Python that some tests need.

    ``find`` returns where it is (a path or URL) or raises ServiceMissing; ``install`` is the
    Debian command that installs it (what .ci/run does).
    """

    name: str
    what: str
    install: str
    find: Callable[[], str]


SERVICES: dict[str, Service] = {
    s.name: s
    for s in (
        Service("ogrinfo", "GDAL's ogrinfo", "apt-get install gdal-bin", _find_ogrinfo),
        Service(
            "validate_gpkg",
            "GDAL's validate_gpkg.py (python3-gdal)",
            "apt-get install python3-gdal",
            _find_validate_gpkg,
        ),
        Service(
            "postgis",
            "a PostgreSQL + PostGIS server",
            "apt-get install postgresql-15 postgresql-15-postgis-3"
            " (or set FRONTLINE_TEST_PG=postgresql://…)",
            _find_postgis,
        ),
        Service("qgis", "QGIS's Python bindings", "apt-get install python3-qgis", _find_qgis),
        Service(
            "chromium",
            "Chromium and its WebDriver",
            "apt-get install chromium chromium-driver",
            _find_chromium,
        ),
    )
}


def _strict() -> bool:
    """True on CI (``CI=true``): a missing service is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _forced_missing() -> set[str]:
    names = set(re.split(r"[\s,]+", os.environ.get("FRONTLINE_TEST_WITHOUT", "").strip())) - {""}
    return set(SERVICES) if "all" in names else names


@functools.cache
def _locate(name: str) -> tuple[str | None, str]:
    """(where the service is, "") or (None, why not and how to install it); once per session."""
    service = SERVICES[name]
    try:
        if name in _forced_missing():
            raise ServiceMissing("listed in $FRONTLINE_TEST_WITHOUT")
        return service.find(), ""
    except ServiceMissing as exc:
        return None, f"missing {service.what} ({exc}); install: {service.install}"
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"cannot run {service.what} ({exc}); install: {service.install}"


def require_service(name: str) -> str:
    """Return where the system service *name* is; skip the test when it is missing.

    With ``CI=true`` a missing service fails the test instead (same message).
    """
    if name not in SERVICES:
        raise KeyError(f"unknown service {name!r}; known: {', '.join(SERVICES)}")
    where, reason = _locate(name)
    if where is not None:
        return where
    if _strict():
        failure = pytest.fail.Exception(f"CI=true and {reason}", pytrace=False)
        failure.missing_service = name  # reported as the test's FAILURE, not a setup error
        raise failure
    pytest.skip(reason)


def sandbox_env(folder: Path, **extra: str) -> dict[str, str]:
    """``os.environ`` with HOME and the XDG folders inside *folder* (for QGIS subprocesses)."""
    env = dict(os.environ, **extra)
    env["HOME"] = str(folder)
    for var, sub in (
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
    ):
        env[var] = str(folder / sub)
    return env


TEST_HOME = pytest.StashKey[tuple[Path, dict[str, "str | None"]]]()


def pytest_configure(config: pytest.Config) -> None:
    """Register the service markers; keep caches out of the user's home for the session."""
    config.addinivalue_line(
        "markers",
        "needs(*services): skip (fail when CI=true) unless each system service is installed; "
        f"services: {', '.join(SERVICES)} (see tests/conftest.py)",
    )
    for service in SERVICES.values():
        config.addinivalue_line(
            "markers", f"{service.name}: needs {service.what} (set by needs({service.name!r}))"
        )
    config.addinivalue_line(
        "markers", "slow: takes minutes (the README commands after the demo); -m 'not slow' skips"
    )
    home = Path(tempfile.mkdtemp(prefix="frontline-tests-home."))
    saved: dict[str, str | None] = {}
    for var, sub in (
        ("FRONTLINE_CACHE", "frontline"),
        ("FRONTLINE_TILE_CACHE", "frontline-tiles"),
        ("MPLCONFIGDIR", "matplotlib"),
    ):
        saved[var] = os.environ.get(var)
        os.environ[var] = str(home / sub)
    config.stash[TEST_HOME] = (home, saved)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Restore the environment and remove the session's stand-in home."""
    home, saved = config.stash[TEST_HOME]
    for var, value in saved.items():
        if value is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = value
    shutil.rmtree(home, ignore_errors=True)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Check the names in needs(...) and add each as a marker, so ``-m postgis`` selects."""
    for item in items:
        for mark in item.iter_markers("needs"):
            for name in mark.args:
                if name not in SERVICES:
                    raise pytest.UsageError(
                        f"{item.nodeid}: unknown service {name!r} in needs(); "
                        f"known: {', '.join(SERVICES)}"
                    )
                item.add_marker(name)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip (or fail on CI) before any fixture starts when a needed service is missing.

    A bare service marker (``@pytest.mark.postgis``) means the same as ``needs("postgis")``.
    """
    for name in SERVICES:
        if item.get_closest_marker(name) is not None:
            require_service(name)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    """On CI a missing service is the test's FAILURE: report it as the call, not a setup error."""
    report = yield
    if call.when == "setup" and call.excinfo and hasattr(call.excinfo.value, "missing_service"):
        report.when = "call"
    return report


# -- synthetic data -------------------------------------------------------------------------------

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
  - {id: red, name: "Red Front", short_name: "Reds", aliases: ["RF", "Red forces"],
     colour: "#D55E00", side: red}
  - {id: blue, name: "Blue Army", short_name: "Blues", aliases: ["BA", "Blue forces"],
     colour: "#0072B2", side: blue}
  - {id: cyan, name: "Cyan Militia", short_name: "Cyans", aliases: ["CM"],
     colour: "#56B4E9", side: blue}
  - {id: black, name: "Black Banner", short_name: "Black Banner", aliases: ["BB"],
     colour: "#3A3A3A", side: black}
  - {id: grey, name: "Grey State", short_name: "Grey State", aliases: ["GS"],
     colour: "#999999", side: grey}
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
# the radius method, all of it observed (tests of the nearest fill choose it explicitly)
fill: {{mode: radius, observed_km: 50}}
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
def gaz():
    """The shipped data's gazetteer (curated + GeoNames; modules may define their own ``gaz``)."""
    from frontline.gazetteer import Gazetteer

    return Gazetteer.load()


@pytest.fixture(scope="session")
def reg():
    """The shipped data's faction registry."""
    from frontline.factions import FactionRegistry

    return FactionRegistry.load()


@pytest.fixture
def hand_data_dir(synthetic_data_dir):
    """Return the synthetic data folder with two hand-drawn snapshots.

    The Reds advance against the Black Banner.
    """
    import shapely

    from frontline.control import ControlSnapshot
    from frontline.store import ControlHistory

    h = ControlHistory.load("testland", synthetic_data_dir)
    h.add(
        ControlSnapshot.from_areas(
            "2020-01-01",
            {
                "red": shapely.box(38.2, 33.0, 38.5, 34.0),
                "black": shapely.box(38.5, 33.0, 39.5, 34.0),
            },
        )
    )
    h.add(
        ControlSnapshot.from_areas(
            "2020-02-01",
            {
                "red": shapely.box(38.2, 33.0, 38.8, 34.0),
                "black": shapely.box(38.8, 33.0, 39.5, 34.0),
            },
        )
    )
    return synthetic_data_dir


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


#: Image baselines (maps, web screenshots); FRONTLINE_UPDATE_BASELINES=1 rewrites them
BASELINE_DIR = Path(__file__).parent / "baseline"


def assert_matches_baseline(actual: Path, name: str, tolerance: float) -> None:
    """Compare the PNG *actual* with ``baseline/<name>.png`` (matplotlib's RMS, 0-255 scale).

    With ``FRONTLINE_UPDATE_BASELINES=1`` the baseline is first replaced by *actual*.
    """
    from matplotlib.testing.compare import compare_images

    expected = BASELINE_DIR / f"{name}.png"
    if os.environ.get("FRONTLINE_UPDATE_BASELINES", "") not in ("", "0"):
        BASELINE_DIR.mkdir(exist_ok=True)
        expected.write_bytes(actual.read_bytes())
    assert expected.is_file(), f"missing baseline {expected}; run with FRONTLINE_UPDATE_BASELINES=1"
    result = compare_images(str(expected), str(actual), tol=tolerance)
    assert result is None, result


def places_frame(rows):
    """A gazetteer-like GeoDataFrame of places for map tests.

    *rows* are ``(id, name, alt_names, kind, importance, lon, lat)``.
    """
    import geopandas as gpd

    return gpd.GeoDataFrame(
        {
            "id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "alt_names": [r[2] for r in rows],
            "kind": [r[3] for r in rows],
            "importance": [r[4] for r in rows],
            "population": 0.0,
        },
        geometry=gpd.points_from_xy([r[5] for r in rows], [r[6] for r in rows]),
        crs="EPSG:4326",
    )


# -- a PostgreSQL + PostGIS server ----------------------------------------------------------------
PG_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "pg_test_server.sh"


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """URL of a PostGIS database for the session."""
    require_service("postgis")  # skips (fails on CI) without psycopg, PostgreSQL or PostGIS
    url = os.environ.get("FRONTLINE_TEST_PG")
    if url:
        yield url
        return
    import tempfile

    folder = tempfile.mkdtemp(prefix="frontline-pg.")  # short path: unix socket names are limited
    try:
        out = subprocess.run(
            ["bash", str(PG_SCRIPT), folder], capture_output=True, text=True, timeout=120
        )
        if out.returncode != 0:
            raise RuntimeError(f"pg_test_server.sh failed:\n{out.stdout}\n{out.stderr}")
        yield out.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(["bash", str(PG_SCRIPT), "--stop", folder], capture_output=True, timeout=60)


def with_schema(url: str, schema: str) -> str:
    """The store URL *url* with ``?schema=`` (or ``&schema=``) added."""
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


@pytest.fixture
def pg_url(pg_server):
    """An initialised, empty store in a schema of its own."""
    from frontline.postgis_schema import migrate

    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = with_schema(pg_server, schema)
    migrate(url)
    yield url
    drop_schema(pg_server, schema)


def drop_schema(server_url: str, schema: str) -> None:
    """Drop a test store's schema and everything in it."""
    import psycopg

    from frontline.postgis_schema import split_url

    with psycopg.connect(split_url(server_url)[0], autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# -- the command line in real processes (with fault injection in the child only) ------------------
ROOT = Path(__file__).resolve().parents[1]

#: A child process running ``frontline ARGS…`` from this checkout. Environment switches, for
#: tests of concurrency and crashes (they patch the CHILD only; the library has no test hooks):
#: ``FL_SYNC=DIR`` + ``FL_SYNC_AT=module:Class.method``: after that method returns, touch
#: ``DIR/ready-<pid>`` and wait for ``DIR/go`` (so N writers race from the same point);
#: ``FL_KILL_AFTER_RENAMES=N``: die (``os._exit(9)``) instead of the (N+1)-th ``os.replace``
#: onto a ``.geojson`` file, i.e. between the renames of a batch.
CLI_CHILD = r"""
import importlib, os, sys, time, pathlib
sync = os.environ.get("FL_SYNC")
if sync:
    mod, attr = os.environ["FL_SYNC_AT"].split(":")
    cls_name, meth = attr.split(".")
    cls = getattr(importlib.import_module(mod), cls_name)
    orig = getattr(cls, meth)
    def synced(self, *a, **k):
        out = orig(self, *a, **k)
        pathlib.Path(sync, f"ready-{os.getpid()}").touch()
        while not pathlib.Path(sync, "go").exists():
            time.sleep(0.01)
        return out
    setattr(cls, meth, synced)
kill_after = int(os.environ.get("FL_KILL_AFTER_RENAMES", "0") or 0)
if kill_after:
    real_replace, renames = os.replace, [0]
    def replace(src, dst, *a, **k):
        if str(dst).endswith(".geojson"):
            if renames[0] == kill_after:
                os._exit(9)
            renames[0] += 1
        return real_replace(src, dst, *a, **k)
    os.replace = replace
from frontline.cli import cli
cli(sys.argv[1:], prog_name="frontline")
"""


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a CLI child: this checkout first on the path, caches as the session's."""
    env = {k: v for k, v in os.environ.items() if k not in ("FRONTLINE_STORE", "FRONTLINE_DATA")}
    env.update(PYTHONPATH=str(ROOT), **extra)
    return env


def run_cli(
    *args: str,
    timeout: float = 300,
    cwd: Path | None = None,
    input: str | None = None,
    **env: str,
) -> subprocess.CompletedProcess:
    """Run ``frontline ARGS…`` in a child process; returns the finished process (text output)."""
    import sys

    return subprocess.run(
        [sys.executable, "-c", CLI_CHILD, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or ROOT,
        env=cli_env(**env),
        input=input,
    )


def race_cli(
    commands: list[list[str]], sync_at: str, sync_dir: Path, timeout: float = 300
) -> list[subprocess.CompletedProcess]:
    """Start one child per command; let them all reach *sync_at*, then release them together.

    Returns the finished processes in the order of *commands*.
    """
    import sys
    import time

    sync_dir.mkdir(parents=True, exist_ok=True)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CLI_CHILD, *cmd],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=cli_env(FL_SYNC=str(sync_dir), FL_SYNC_AT=sync_at),
        )
        for cmd in commands
    ]
    deadline = time.monotonic() + timeout
    while len(list(sync_dir.glob("ready-*"))) < len(procs):
        if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
            break  # one ended early (an error): release the others, the test reports it
        time.sleep(0.05)
    (sync_dir / "go").touch()
    out = []
    for p, cmd in zip(procs, commands, strict=True):
        stdout, stderr = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
        out.append(subprocess.CompletedProcess(cmd, p.returncode, stdout, stderr))
    return out
