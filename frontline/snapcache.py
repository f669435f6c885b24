"""A content-addressed cache of parsed (and validated) control snapshots.

Reading a stored snapshot means parsing its GeoJSON text, building its table and, usually,
validating it against the faction registry and the theatre; a timeline reads every snapshot
of a history on every run. The cache keeps the result of that work per *content*: the key of
an entry is a hash of the file's bytes together with a *context* (the code and format
version, the theatre, and what the snapshot was validated against), so

* a changed file has a new key: it is read and validated again, never served stale;
* validation runs once per content and context, not once per read;
* the cache is never the source of truth: a missing, unreadable, truncated or corrupt entry
  (its body has a digest) is ignored and rebuilt from the file.

Entries are small binary files: a JSON header (the snapshot's date, theatre, support report,
the columns of its areas, and a digest) followed by the areas' geometries as WKB, which reads
back exactly (no rounding). They live in ``$FRONTLINE_CACHE/snapshots/<code version>``
(default ``~/.cache/frontline/snapshots``, see :func:`frontline.files.user_cache_dir`; other
versions' folders unused for :data:`STALE_DAYS` days are removed), never in a data
folder, and are written atomically (without waiting for the disk: an entry a crash cuts
short fails its digest and is rebuilt); a cache folder that cannot be written only costs speed.
``FRONTLINE_SNAPSHOT_CACHE=0`` turns the cache off.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from frontline.errors import FrontlineError
from frontline.files import atomic_write_bytes, user_cache_dir

#: Version of the entry layout and of what an entry means; bump it when either changes.
FORMAT = 1
_MAGIC = b"FLSNAP1\n"


def enabled() -> bool:
    """Whether the snapshot cache is on (``FRONTLINE_SNAPSHOT_CACHE=0`` turns it off)."""
    return os.environ.get("FRONTLINE_SNAPSHOT_CACHE", "1").strip().lower() not in (
        "0", "no", "false", "off",
    )  # fmt: skip


def cache_dir() -> Path:
    """Folder of the snapshot cache: ``<user cache>/snapshots``."""
    return user_cache_dir() / "snapshots"


#: The modules whose code shapes a parsed or validated snapshot: any change to them makes
#: new keys (so a development checkout never reads entries an older version wrote).
_SHAPING = ("snapcache", "control", "areacheck", "geojson", "factions", "theatre", "store", "geo")


@functools.cache
def code_version() -> str:
    """Hash of the format version and the source of the modules that shape a read snapshot."""
    h = hashlib.sha256(str(FORMAT).encode())
    here = Path(__file__).resolve().parent
    for name in _SHAPING:
        try:
            h.update((here / f"{name}.py").read_bytes())
        except OSError:
            h.update(name.encode())
    return h.hexdigest()[:16]


def entry_key(content: bytes, context: str) -> str:
    """Key of the entry for a file's *content* read in *context* (hex SHA-256).

    Parameters
    ----------
    content : bytes
        The stored file's bytes.
    context : str
        Everything else the parsed result depends on (theatre, validation, code version).
    """
    h = hashlib.sha256()
    h.update(f"{FORMAT}\0{context}\0".encode())
    h.update(content)
    return h.hexdigest()


@dataclass(frozen=True)
class Entry:
    """One cached snapshot, as plain parts.

    Attributes
    ----------
    header : dict
        JSON-able: ``date`` (ISO), ``theatre``, ``support`` (a dict or None) and
        ``columns`` (``faction``, ``basis``, ``sources``, ``confidence``, ``note`` as lists).
    geometries : numpy.ndarray
        One shapely geometry per row of the columns.
    """

    header: dict[str, Any]
    geometries: np.ndarray


#: Entries of other code versions unused for this long are removed (the first write of a
#: process looks), so upgrades do not pile up copies of every history.
STALE_DAYS = 14


def _path(key: str, folder: Path | None) -> Path:
    return (folder or cache_dir()) / code_version() / key[:2] / f"{key}.snap"


@functools.cache
def _prune(root: Path) -> None:
    """Remove the folders of other code versions not written for :data:`STALE_DAYS` days."""
    import shutil
    import time

    try:
        versions = [p for p in root.iterdir() if p.is_dir() and p.name != code_version()]
        for folder in versions:
            if time.time() - folder.stat().st_mtime > STALE_DAYS * 86400:
                shutil.rmtree(folder, ignore_errors=True)
    except OSError:
        pass


def read_entry(key: str, folder: Path | None = None) -> Entry | None:
    """Return the entry of *key*, or None when it is missing, unreadable or corrupt."""
    try:
        data = _path(key, folder).read_bytes()
    except OSError:
        return None
    try:
        if not data.startswith(_MAGIC):
            return None
        pos = len(_MAGIC)
        size = int.from_bytes(data[pos : pos + 8], "little")
        header = json.loads(data[pos + 8 : pos + 8 + size].decode("utf-8"))
        body = data[pos + 8 + size :]
        if header.get("key") != key or header.get("digest") != hashlib.sha256(body).hexdigest():
            return None
        offsets = np.cumsum([0, *header["wkb_sizes"]])
        if offsets[-1] != len(body):
            return None
        wkb = [body[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
        geoms = shapely.from_wkb(np.array(wkb, dtype=object)) if wkb else np.array([], object)
        if len(geoms) != len(header["columns"]["faction"]):
            return None
        return Entry(header, np.asarray(geoms, dtype=object))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, shapely.errors.GEOSException):
        return None


def write_entry(key: str, entry: Entry, folder: Path | None = None) -> None:
    """Store *entry* under *key* atomically; a cache folder that cannot be written is ignored."""
    geoms = np.asarray(entry.geometries, dtype=object)
    wkb = list(shapely.to_wkb(geoms, output_dimension=2)) if len(geoms) else []
    body = b"".join(wkb)
    header = dict(entry.header)
    header.update(key=key, digest=hashlib.sha256(body).hexdigest(), wkb_sizes=[len(w) for w in wkb])
    head = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    data = _MAGIC + len(head).to_bytes(8, "little") + head + body
    path = _path(key, folder)
    try:
        atomic_write_bytes(path, data, overwrite=True, durable=False)
        os.utime(path.parent.parent)  # this version's folder: in use
    except (OSError, FrontlineError):
        pass  # a read-only or full cache folder only costs speed
    _prune(path.parent.parent.parent)
