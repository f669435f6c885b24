"""The top-level API: small, lazy, and what the README's Python block uses."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import frontline

README = Path(__file__).resolve().parent.parent / "README.md"


def test_import_is_cheap():
    code = (
        "import sys, frontline; frontline.__version__; "
        "heavy = [m for m in ('geopandas', 'shapely', 'matplotlib', 'pandas', 'pyproj') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", sorted(n for n in frontline.__all__ if n != "__version__"))
def test_every_public_name_resolves(name):
    value = getattr(frontline, name)
    assert value is not None
    assert name in dir(frontline)


def test_all_lists_every_lazy_name():
    # __all__ is written out for linters and type checkers; it must match the lazy table
    assert frontline.__all__ == ["__version__", *sorted(frontline._API)]


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        frontline.nope  # noqa: B018


def test_public_names_are_the_library_objects():
    from frontline.diff import diff
    from frontline.store import ControlHistory

    assert frontline.diff is diff
    assert frontline.ControlHistory is ControlHistory


def test_at_gives_the_snapshot_in_force():
    snap = frontline.at("2017-06-20")
    history = frontline.load_history()
    assert snap.date == history.at("2017-06-20").date
    assert snap.date <= frontline.at("2017-06-20", history).date


def test_readme_python_block_runs(tmp_path, monkeypatch):
    text = README.read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block, "README's Python API section has no python block"
    monkeypatch.chdir(tmp_path)
    exec(compile(block.group(1), "README.md", "exec"), {"__name__": "readme"})
    assert any(tmp_path.iterdir()), "the README block writes its map and export here"
