"""Renamed places (rules as data): a place's current name and the names it had before.

``frontline/data/renames/<cc>.csv`` lists, per country, places whose official name changed:
the current name, the former names (``|``-separated, any script: Latin spellings and the
Ukrainian and Russian Cyrillic ones), the place's lon/lat (to find it in the GeoNames layer),
the date of the change, and the source (the act or a report of it). The GeoNames layer adds
the former names to the place as alternate names and shows it under its current name
(:func:`frontline.geonames.load_bulk_places`), so that "Artemivsk" or "Артёмовск" in a report
finds Bakhmut.

The shipped file for Ukraine holds the decommunisation renamings of 2016 (Artemivsk → Bakhmut,
Krasnoarmiisk → Pokrovsk, Dzerzhynsk → Toretsk, Kirovohrad → Kropyvnytskyi, Dnipropetrovsk →
Dnipro, …) and the Verkhovna Rada's renamings of September 2024 (Novomoskovsk → Samar, …). The
Soviet-era names are also those the Russian occupation authorities use for occupied towns.

Examples
--------
>>> r = {x.name: x for x in read_renames("UA")}["Pokrovsk"]
>>> "Krasnoarmeysk" in r.former, r.renamed.isoformat()
(True, '2016-05-12')
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from frontline.errors import DataFileError

__all__ = ["RENAMES_DIR", "Rename", "read_renames", "renames_version"]

#: Folder of the shipped rename tables, one CSV per country (``ua.csv``).
RENAMES_DIR = Path(__file__).resolve().parent / "data" / "renames"

_COLUMNS = ("country", "name", "former", "lat", "lon", "renamed", "source")


@dataclass(frozen=True)
class Rename:
    """One renamed place.

    Attributes
    ----------
    country : str
        ISO2 code.
    name : str
        The current official name (Latin script).
    former : tuple of str
        Earlier names and their spellings, any script.
    lat, lon : float
        Where the place is (within a few km), to find it among places of the same name.
    renamed : date or None
        When the current name was given.
    source : str
        The act, or a report of it.
    """

    country: str
    name: str
    former: tuple[str, ...]
    lat: float
    lon: float
    renamed: _dt.date | None
    source: str

    @property
    def names(self) -> tuple[str, ...]:
        """The current name and the former ones."""
        return (self.name, *self.former)


@functools.lru_cache(maxsize=8)
def _read(folder: Path) -> tuple[Rename, ...]:
    out: list[Rename] = []
    for path in sorted(folder.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != _COLUMNS:
                raise DataFileError(f"{path}: columns must be {','.join(_COLUMNS)}")
            for i, row in enumerate(reader, start=2):
                try:
                    out.append(
                        Rename(
                            country=row["country"].strip().upper(),
                            name=row["name"].strip(),
                            former=tuple(f.strip() for f in row["former"].split("|") if f.strip()),
                            lat=float(row["lat"]),
                            lon=float(row["lon"]),
                            renamed=_dt.date.fromisoformat(row["renamed"])
                            if row["renamed"]
                            else None,
                            source=row["source"].strip(),
                        )
                    )
                except (ValueError, AttributeError) as exc:
                    raise DataFileError(f"{path}, line {i}: {exc}") from None
                if not out[-1].source:
                    raise DataFileError(f"{path}, line {i}: every rename needs its source")
    return tuple(out)


def read_renames(country: str | None = None, folder: Path | None = None) -> list[Rename]:
    """Return the renamed places of a country (all countries when None).

    Parameters
    ----------
    country : str, optional
        ISO2 code.
    folder : path, optional
        Folder of rename tables (default :data:`RENAMES_DIR`).

    Raises
    ------
    DataFileError
        When a table has other columns, or a row a bad number, date or no source.
    """
    rows = _read(Path(folder) if folder is not None else RENAMES_DIR)
    return [r for r in rows if country is None or r.country == country.upper()]


def renames_version(folder: Path | None = None) -> str:
    """Return a short hash of the rename tables (part of the gazetteer cache key)."""
    h = hashlib.sha256()
    for path in sorted((Path(folder) if folder is not None else RENAMES_DIR).glob("*.csv")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]
