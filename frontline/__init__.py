"""frontline: track who controls what ground in an armed conflict, day by day.

The package is a library first; the ``frontline`` command line is a thin layer over it.
The names below load their modules on first use (PEP 562), so ``import frontline`` stays
cheap and ``frontline --help`` never pays for geopandas or matplotlib::

    >>> import frontline
    >>> frontline.__version__
    '0.1.0'
    >>> "diff" in dir(frontline)
    True

A session in a notebook::

    history = frontline.load_history()            # the shipped sample, or --data/--store
    june = frontline.at("2017-06-20", history)    # the snapshot in force on that day
    cs = frontline.diff(history, "2017-05-29", "2017-06-18")
    frontline.front_lines(june, history.registry)
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

#: The one place the version is written: pyproject.toml reads it at build time (a plain literal).
__version__ = "0.1.0"

#: public name -> (module, attribute in it); loaded on first access
_API: dict[str, tuple[str, str]] = {
    # history: open, read, validate
    "load_history": ("frontline.backends", "open_history"),
    "at": ("frontline.api", "at"),
    "History": ("frontline.history", "History"),
    "ControlHistory": ("frontline.store", "ControlHistory"),
    "ControlSnapshot": ("frontline.control", "ControlSnapshot"),
    "validate_history": ("frontline.historycheck", "validate_history"),
    "history_frame": ("frontline.historyframe", "history_frame"),
    "build_history": ("frontline.build", "build_history"),
    "apply_fill": ("frontline.fill", "apply_fill"),
    "read_series": ("frontline.series", "read_series"),
    "import_series": ("frontline.seriesimport", "import_series"),
    "FillPolicy": ("frontline.theatre", "FillPolicy"),
    # the world: theatres, factions, places, reports
    "Theatre": ("frontline.theatre", "Theatre"),
    "Faction": ("frontline.factions", "Faction"),
    "FactionRegistry": ("frontline.factions", "FactionRegistry"),
    "Gazetteer": ("frontline.gazetteer", "Gazetteer"),
    "Place": ("frontline.gazetteer", "Place"),
    "extract_places": ("frontline.extract", "extract_places"),
    # changes
    "diff": ("frontline.diff", "diff"),
    "ChangeSet": ("frontline.diff", "ChangeSet"),
    "timeline": ("frontline.timeline", "timeline"),
    "front_lines": ("frontline.topology", "front_lines"),
    "link_ups": ("frontline.topology", "link_ups"),
    # output
    "render_map": ("frontline.render", "render_map"),
    "render_change": ("frontline.render", "render_change"),
    "save_map": ("frontline.render", "save_map"),
    "export_gpkg": ("frontline.export", "export_gpkg"),
    "FrontlineError": ("frontline.errors", "FrontlineError"),
}

# written out (not built from _API) so that linters and type checkers see the re-exports;
# tests/test_api.py checks that the two agree
__all__ = [
    "__version__",
    "ChangeSet",
    "ControlHistory",
    "ControlSnapshot",
    "Faction",
    "FactionRegistry",
    "FillPolicy",
    "FrontlineError",
    "Gazetteer",
    "History",
    "Place",
    "Theatre",
    "apply_fill",
    "at",
    "build_history",
    "diff",
    "export_gpkg",
    "extract_places",
    "front_lines",
    "history_frame",
    "import_series",
    "link_ups",
    "load_history",
    "read_series",
    "render_change",
    "render_map",
    "save_map",
    "timeline",
    "validate_history",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from frontline.api import at
    from frontline.backends import open_history as load_history
    from frontline.build import build_history
    from frontline.control import ControlSnapshot
    from frontline.diff import ChangeSet, diff
    from frontline.errors import FrontlineError
    from frontline.export import export_gpkg
    from frontline.extract import extract_places
    from frontline.factions import Faction, FactionRegistry
    from frontline.fill import apply_fill
    from frontline.gazetteer import Gazetteer, Place
    from frontline.history import History
    from frontline.historycheck import validate_history
    from frontline.historyframe import history_frame
    from frontline.render import render_change, render_map, save_map
    from frontline.series import read_series
    from frontline.seriesimport import import_series
    from frontline.store import ControlHistory
    from frontline.theatre import FillPolicy, Theatre
    from frontline.timeline import timeline
    from frontline.topology import front_lines, link_ups


class _Package(types.ModuleType):
    """``frontline`` itself: ``frontline.diff`` stays the function once its module loads.

    Importing a submodule binds it as an attribute of the package, so importing
    ``frontline.diff`` (the module) would hide ``frontline.diff`` (the function) and
    ``frontline.timeline`` likewise. The public function keeps the name; the modules are
    reached with ``from frontline.diff import ChangeSet`` as usual.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _API and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    """Load a public name's module on first access (PEP 562)."""
    try:
        module, attr = _API[name]
    except KeyError:
        raise AttributeError(f"module 'frontline' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
