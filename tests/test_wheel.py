"""The wheel built from this checkout carries its data and works from any folder.

``geodata/`` is the one copy of the sample data; the build maps it into the package as
``frontline/geodata/`` (``[tool.setuptools]`` in pyproject.toml).

* ``pyproject.toml`` lists every package folder (a new subpackage must be added there).
* Unmarked tests build the wheel once per session (``pip wheel``; a few seconds) and read it:
  its ``frontline/geodata/`` equals ``geodata/`` byte for byte, every file of the package is in
  it, and its name and version are right. The build uses this environment's setuptools when it
  is new enough (``.[test]`` installs it, so ``make test`` builds offline), else pip fetches one.
* Tests marked ``wheel`` install that wheel into a fresh virtual environment (dependencies from
  PyPI; pip's cache is used, a minute or two the first time) and run the ``frontline`` command
  from another folder. ``make test`` runs them; ``pytest -m 'not wheel'`` leaves them out.

Without PyPI (and without a local wheelhouse in pip's ``find-links``) these tests skip with the
reason; under ``CI=true`` they fail instead, so CI shows that they ran.
"""

from __future__ import annotations

import email.parser
import json
import os
import shutil
import subprocess
import sys
import tomllib
import urllib.request
import zipfile
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

import frontline

REPO = Path(__file__).resolve().parent.parent
DIST_NAME = "frontline-maps"
MIN_SETUPTOOLS = (77,)

#: Not copied into the build folder: VCS, environments, caches and build leftovers.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "build",
    "dist",
    "out",
    ".cache",
    ".pytest_cache",
    ".hypothesis",
    ".mypy_cache",
    ".ruff_cache",
    "__pycache__",
    "*.pyc",
    "*.egg-info",
    "result_images",
)


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _unavailable(reason: str) -> None:
    """Skip with *reason*, or fail under CI (where these tests must run)."""
    if _under_ci():
        pytest.fail(f"CI=true, so this does not skip: {reason}")
    pytest.skip(reason)


def _index_url() -> str:
    """pip's index: $PIP_INDEX_URL, else pip's configuration, else PyPI."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    for key in ("install.index-url", "global.index-url"):
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", key], capture_output=True, text=True
        )
        if proc.returncode == 0 and proc.stdout.strip():
            return proc.stdout.strip()
    return "https://pypi.org/simple/"


@cache
def _index_reachable() -> bool:
    """Whether pip's package index answers (the proxy variables are honoured)."""
    url = _index_url().rstrip("/") + "/pip/"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=15):
            return True
    except OSError:
        return False


def _pip(python: Path | str, *args: str, cwd: Path | None = None) -> None:
    """Run ``python -m pip ARGS``; offline, only pip's configured ``find-links`` are used."""
    online = _index_reachable()
    cmd = [str(python), "-m", "pip", *args, *([] if online else ["--no-index"])]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=1800)
    if proc.returncode == 0:
        return
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    if not online:
        said = " / ".join(line.strip() for line in lines if "ERROR" in line)[:300]
        _unavailable(
            f"no network to the package index and no local wheelhouse (pip's find-links) with "
            f"what `pip {args[0]}` needs: {said}"
        )
    pytest.fail(f"{' '.join(cmd)} failed:\n" + "\n".join(lines[-30:]))


def _setuptools_new_enough() -> bool:
    try:
        found = tuple(int(p) for p in version("setuptools").split(".")[:1])
    except (PackageNotFoundError, ValueError):
        return False
    return found >= MIN_SETUPTOOLS


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory) -> Path:
    """The wheel built from a clean copy of this checkout (the checkout itself stays untouched)."""
    root = tmp_path_factory.mktemp("wheel-build")
    src = root / "src"
    shutil.copytree(REPO, src, ignore=_NOT_SOURCE)
    # With setuptools new enough here (".[test]" installs it) the build needs no network.
    isolation = ["--no-build-isolation"] if _setuptools_new_enough() else []
    _pip(
        sys.executable,
        "wheel",
        "--no-deps",
        *isolation,
        "--wheel-dir",
        str(root / "dist"),
        str(src),
    )
    wheels = sorted((root / "dist").glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _importable_folders(folder: Path, name: str) -> set[str]:
    """*name* and the dotted names of every folder below *folder* that Python could import."""
    found = {name}
    for sub in sorted(folder.iterdir()):
        if sub.is_dir() and sub.name.isidentifier() and sub.name != "__pycache__":
            found |= _importable_folders(sub, f"{name}.{sub.name}")
    return found


def test_pyproject_lists_every_package_folder():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools_config = config["tool"]["setuptools"]
    assert setuptools_config["package-dir"] == {"frontline.geodata": "geodata"}
    listed = set(setuptools_config["packages"])
    expected = _importable_folders(REPO / "frontline", "frontline") | _importable_folders(
        REPO / "geodata", "frontline.geodata"
    )
    assert not expected - listed, (
        f"add {sorted(expected - listed)} to [tool.setuptools] packages in pyproject.toml"
    )
    assert not listed - expected, (
        f"remove {sorted(listed - expected)} from [tool.setuptools] packages in pyproject.toml"
    )


def _repo_files(folder: Path) -> dict[str, bytes]:
    """Files under *folder* as the build sees them (``**/*``: hidden files and caches left out)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(
            part.startswith(".") or part == "__pycache__" for part in rel.parts
        ):
            out[rel.as_posix()] = path.read_bytes()
    return out


def _wheel_files(wheel: Path, prefix: str) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as zf:
        return {
            name[len(prefix) :]: zf.read(name)
            for name in zf.namelist()
            if name.startswith(prefix) and not name.endswith("/")
        }


def test_wheel_carries_geodata_byte_for_byte(built_wheel):
    in_wheel = _wheel_files(built_wheel, "frontline/geodata/")
    in_repo = _repo_files(REPO / "geodata")
    assert "factions.yaml" in in_repo and "basemap/water_labels.csv" in in_repo
    missing = sorted(set(in_repo) - set(in_wheel))
    extra = sorted(set(in_wheel) - set(in_repo))
    differ = sorted(k for k in set(in_repo) & set(in_wheel) if in_repo[k] != in_wheel[k])
    assert not missing, f"geodata/ files missing from the wheel: {missing}"
    assert not extra, f"files in the wheel's frontline/geodata/ that geodata/ lacks: {extra}"
    assert not differ, f"files that differ between geodata/ and the wheel: {differ}"


def test_wheel_carries_every_file_of_the_package(built_wheel):
    in_wheel = _wheel_files(built_wheel, "frontline/")
    in_repo = _repo_files(REPO / "frontline")
    missing = sorted(set(in_repo) - set(in_wheel))
    assert not missing, (
        f"frontline/ files missing from the wheel: {missing}; list each new subpackage in "
        "[tool.setuptools] packages in pyproject.toml (e.g. 'frontline.render')"
    )
    assert all(in_wheel[k] == in_repo[k] for k in in_repo)


def test_wheel_metadata_names_the_distribution_and_version(built_wheel):
    assert built_wheel.name.startswith(f"{DIST_NAME.replace('-', '_')}-{frontline.__version__}-")
    with zipfile.ZipFile(built_wheel) as zf:
        info = built_wheel.name.split("-py")[0] + ".dist-info"
        meta = email.parser.Parser().parsestr(zf.read(f"{info}/METADATA").decode("utf-8"))
        entry_points = zf.read(f"{info}/entry_points.txt").decode("utf-8")
    assert meta["Name"] == DIST_NAME
    assert meta["Version"] == frontline.__version__
    assert "frontline = frontline.cli:main" in entry_points


# -- the installed wheel, in a fresh virtual environment ----------------------------------------


@pytest.fixture(scope="session")
def wheel_venv(built_wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel (and its dependencies) installed: its bin dir."""
    venv = tmp_path_factory.mktemp("wheel-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    _pip(python, "install", "--quiet", str(built_wheel))
    return bin_dir


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    """An empty folder outside the checkout (no ./geodata) to run the installed command in."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


@pytest.fixture
def run_installed(wheel_venv, elsewhere, tmp_path):
    """Run a program of the venv in ``elsewhere``, with caches in tmp_path (not the home)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FRONTLINE_", "PYTHON")) and k not in ("VIRTUAL_ENV", "CONDA_PREFIX")
    }
    cache = tmp_path / "cache"
    env.update(
        FRONTLINE_CACHE=str(cache / "frontline"),
        XDG_CACHE_HOME=str(cache),
        MPLCONFIGDIR=str(cache / "matplotlib"),
        MPLBACKEND="Agg",
    )

    def run(program: str, *args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(wheel_venv / program), *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, f"{program} {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
        return proc

    return run


@pytest.mark.wheel
def test_installed_package_reads_its_own_data(run_installed, wheel_venv):
    out = run_installed(
        "python",
        "-c",
        "import json, frontline, frontline.theatre as t; d = t.shipped_data_dir(); "
        "from frontline.render.basemap import water_labels; "
        "rivers = sorted({w.name for w in water_labels((35.5, 30.5, 45.0, 37.5))}); "
        "print(json.dumps([frontline.__file__, frontline.__version__, str(d), rivers]))",
    ).stdout
    module, version_, data, rivers = json.loads(out)
    venv = wheel_venv.parent.resolve()
    assert Path(module).resolve().is_relative_to(venv), module
    assert Path(data).resolve() == Path(module).resolve().parent / "geodata"
    assert version_ == frontline.__version__
    assert "Euphrates" in rivers  # river labels come from the packaged geodata/basemap


@pytest.mark.wheel
def test_installed_command_lists_the_shipped_history(run_installed):
    listing = json.loads(run_installed("frontline", "control", "list", "--json").stdout)
    assert listing["theatre"] == "syria-iraq-2017"
    dates = [snap["date"] for snap in listing["snapshots"]]
    assert "2017-06-09" in dates and len(dates) >= 8
    assert run_installed("frontline", "--version").stdout.strip().endswith(frontline.__version__)


@pytest.mark.wheel
def test_installed_command_geocodes_from_the_shipped_gazetteer(run_installed):
    (result,) = json.loads(run_installed("frontline", "geocode", "Mosul", "--json").stdout)
    best = result["matches"][0]
    assert (best["id"], best["country"]) == ("mosul", "IQ")


@pytest.mark.wheel
def test_installed_command_renders_a_map(run_installed, elsewhere):
    out = run_installed("frontline", "render", "--date", "2017-06-09", "--out", "x.png")
    png = (elsewhere / "x.png").read_bytes()
    assert "x.png" in out.stdout
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1200, 675)  # the default "social" size
