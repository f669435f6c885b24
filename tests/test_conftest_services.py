"""The test suite's own machinery in conftest.py: system services and the home folder.

Each test runs pytest in a subprocess on a tiny test file next to a copy of ``conftest.py``, with
the environment changed to make a service missing (an empty PATH, a PostgreSQL without PostGIS,
``$FRONTLINE_TEST_WITHOUT``) or present (a stand-in ``ogrinfo`` on PATH), so these tests run
the same on a machine with or without GDAL, PostGIS and QGIS.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SERVICES

ROOT = Path(__file__).resolve().parents[1]
CONFTEST = Path(__file__).with_name("conftest.py")

INNER_TESTS = """
import pytest
from conftest import require_service


@pytest.fixture
def server():
    raise RuntimeError("this fixture must not start when its service is missing")


@pytest.mark.needs("ogrinfo")
def test_marked():
    pass


def test_called():
    print("FOUND", require_service("ogrinfo"))


@pytest.mark.postgis  # a bare service marker works like needs("postgis")
def test_fixture_not_started(server):
    pass


def test_needs_nothing():
    pass
"""


def run_inner(folder: Path, tests: str, *args: str, **env: str | None) -> Inner:
    """Run pytest on *tests* (beside a copy of conftest.py) in *folder* with *env* changed."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CONFTEST, folder / "conftest.py")
    (folder / "test_inner.py").write_text(tests, encoding="utf-8")
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "CI": "", "FRONTLINE_TEST_WITHOUT": ""}
    for key, value in env.items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    report = folder / "report.xml"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:hypothesispytest"]
        + ["--strict-markers", "-s"]
        + [f"--junitxml={report}", *args, str(folder / "test_inner.py")],
        capture_output=True,
        text=True,
        cwd=folder,
        env=environ,
        timeout=300,
        check=False,
    )
    results = {}
    if report.is_file():
        for case in ET.parse(report).iter("testcase"):
            outcome, message = "passed", ""
            for tag in ("skipped", "failure", "error"):
                if (el := case.find(tag)) is not None:
                    outcome, message = tag, el.get("message", "")
            results[case.get("name")] = (outcome, message)
    return Inner(proc.returncode, proc.stdout + proc.stderr, results)


@dataclass
class Inner:
    """What an inner pytest run gave: exit code, output, {test name: (outcome, message)}."""

    rc: int
    output: str
    results: dict[str, tuple[str, str]]


@pytest.fixture
def no_services(tmp_path) -> dict[str, str | None]:
    """An environment without ogrinfo (empty PATH) and with a PostgreSQL that lacks PostGIS."""
    bindir = tmp_path / "pg-no-postgis" / "bin"
    bindir.mkdir(parents=True)
    (bindir / "initdb").write_text("#!/bin/sh\n", encoding="utf-8")
    (bindir / "initdb").chmod(0o755)
    return {"PATH": str(tmp_path / "empty"), "PG_BINDIR": str(bindir), "FRONTLINE_TEST_PG": None}


OGR_MISSING = "missing GDAL's ogrinfo (no ogrinfo on PATH); install: apt-get install gdal-bin"
PG_INSTALL = "install: apt-get install postgresql-15 postgresql-15-postgis-3"


def test_missing_services_skip_with_the_install_command(tmp_path, no_services):
    run = run_inner(tmp_path / "run", INNER_TESTS, **no_services)
    assert run.rc == 0, run.output
    assert "must not start" not in run.output
    res = run.results
    assert res["test_needs_nothing"] == ("passed", "")
    assert res["test_marked"] == ("skipped", OGR_MISSING)
    assert res["test_called"] == ("skipped", OGR_MISSING)
    outcome, message = res["test_fixture_not_started"]
    assert outcome == "skipped" and "PostGIS server (PostgreSQL in " in message
    assert "has no PostGIS extension" in message and PG_INSTALL in message


def test_on_ci_a_missing_service_is_a_failure(tmp_path, no_services):
    run = run_inner(tmp_path / "run", INNER_TESTS, CI="true", **no_services)
    assert run.rc == pytest.ExitCode.TESTS_FAILED, run.output
    assert "must not start" not in run.output
    res = run.results
    assert res["test_needs_nothing"] == ("passed", "")
    assert res["test_marked"] == (
        "failure",
        f"Failed: CI=true and {OGR_MISSING}",
    )  # a failure, no error
    assert res["test_called"] == ("failure", f"Failed: CI=true and {OGR_MISSING}")
    outcome, message = res["test_fixture_not_started"]
    assert outcome == "failure" and message.startswith("Failed: CI=true and missing a PostgreSQL")
    assert PG_INSTALL in message
    assert re.search(r"= 3 failed, 1 passed in ", run.output), run.output


def test_present_service_runs_and_is_returned(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "ogrinfo"  # a stand-in: only its presence on PATH is checked
    fake.write_text("#!/bin/sh\n", encoding="utf-8")
    fake.chmod(0o755)
    tests = INNER_TESTS.replace("@pytest.mark.postgis", '@pytest.mark.skip("not here")')
    run = run_inner(tmp_path / "run", tests, CI="true", PATH=str(bindir))
    assert run.rc == 0, run.output
    assert {name: outcome for name, (outcome, _) in run.results.items()} == {
        "test_marked": "passed",
        "test_called": "passed",
        "test_fixture_not_started": "skipped",
        "test_needs_nothing": "passed",
    }
    assert f"FOUND {fake}" in run.output
    # each service name is a marker too: -m ogrinfo selects what needs("ogrinfo") marks
    run = run_inner(tmp_path / "run", tests, "-m", "ogrinfo", PATH=str(bindir))
    assert run.rc == 0, run.output
    assert run.results == {"test_marked": ("passed", "")}


def test_forced_missing_by_environment(tmp_path):
    run = run_inner(tmp_path / "run", INNER_TESTS, FRONTLINE_TEST_WITHOUT="ogrinfo, postgis")
    assert run.rc == 0, run.output
    assert {name: m for name, (outcome, m) in run.results.items() if outcome == "skipped"} == {
        "test_marked": "missing GDAL's ogrinfo (listed in $FRONTLINE_TEST_WITHOUT); "
        "install: apt-get install gdal-bin",
        "test_called": "missing GDAL's ogrinfo (listed in $FRONTLINE_TEST_WITHOUT); "
        "install: apt-get install gdal-bin",
        "test_fixture_not_started": "missing a PostgreSQL + PostGIS server (listed in "
        f"$FRONTLINE_TEST_WITHOUT); {PG_INSTALL} (or set FRONTLINE_TEST_PG=postgresql://…)",
    }


def test_unknown_service_name_is_a_usage_error(tmp_path):
    tests = 'import pytest\n\n@pytest.mark.needs("gdall")\ndef test_x():\n    pass\n'
    run = run_inner(tmp_path / "run", tests)
    assert run.rc == pytest.ExitCode.USAGE_ERROR, run.output
    assert "unknown service 'gdall'" in run.output


def test_every_service_names_an_install_command():
    assert set(SERVICES) == {"ogrinfo", "validate_gpkg", "postgis", "qgis", "chromium"}
    for service in SERVICES.values():
        assert service.install.startswith("apt-get install "), service


INNER_HOME = """
import os
from pathlib import Path


def test_caches_stay_out_of_home():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from frontline.gazetteer import load_bulk_places

    plt.figure()
    assert load_bulk_places(["JO"], None)  # writes the GeoNames cache
    home = Path.home()
    caches = [Path(os.environ["FRONTLINE_TILE_CACHE"]), Path(os.environ["FRONTLINE_CACHE"])]
    caches.append(Path(matplotlib.get_cachedir()))
    for path in caches:
        assert home not in path.parents, path
    assert any(Path(os.environ["FRONTLINE_CACHE"]).iterdir())
    print("CACHE", os.environ["FRONTLINE_CACHE"])
"""


def test_nothing_is_written_into_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    unset = dict.fromkeys(
        ("FRONTLINE_CACHE", "FRONTLINE_TILE_CACHE", "MPLCONFIGDIR", "XDG_CACHE_HOME"), None
    )
    run = run_inner(tmp_path / "run", INNER_HOME, HOME=str(home), **unset)
    assert run.rc == 0, run.output
    assert run.results == {"test_caches_stay_out_of_home": ("passed", "")}
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*")) == []
    cache = Path(re.search(r"CACHE (\S+)", run.output).group(1))
    assert not cache.parent.exists()  # the session's stand-in home is removed at its end
