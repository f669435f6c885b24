"""The DeepState daily series for benchmarks: where it is, and a data folder to import it into.

The 769 daily maps of occupied Ukraine (``../shared/data/deepstate-occupied-daily``, GPL-3.0:
read from there, never copied into the repository) are imported as a user would: the
repository's shipped Ukraine theatre (``geodata/theatres/ukraine.yaml``, ``fill: complement``)
and factions, and :func:`frontline.import_series` with ``--faction russia --complement
ukraine``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
#: The shared daily files (absent on machines without ``../shared``).
DEEPSTATE = REPO.parent / "shared" / "data" / "deepstate-occupied-daily"
#: Credit line for outputs made from them.
DEEPSTATE_LICENCE = "GPL-3.0 (DeepStateMap data, via github.com/cyterat/deepstate-map-data)"
#: The shipped theatre the series is imported into.
THEATRE_ID = "ukraine"


def daily_files(days: int | None = None) -> list[Path]:
    """The daily files, oldest first (the first *days* of them); [] when absent."""
    files = sorted(DEEPSTATE.glob("deepstatemap_data_*.geojson")) if DEEPSTATE.is_dir() else []
    return files[:days] if days else files


def data_folder(root: Path) -> Path:
    """A data folder holding the repository's Ukraine theatre and factions (no history yet)."""
    (root / "theatres").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "geodata" / "factions.yaml", root / "factions.yaml")
    shutil.copy(REPO / "geodata" / "theatres" / f"{THEATRE_ID}.yaml", root / "theatres")
    return root


def import_deepstate(root: Path, days: int | None = None) -> tuple[Path, float]:
    """Import the daily files into a new data folder at *root*; return it and the seconds taken."""
    from frontline.seriesimport import import_series
    from frontline.store import ControlHistory

    data_folder(root)
    history = ControlHistory.load(THEATRE_ID, root)
    t = time.perf_counter()
    import_series(history, daily_files(days), faction="russia", complement="ukraine", repair=True)
    return root, time.perf_counter() - t
