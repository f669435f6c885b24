"""The review loop: proposals file -> reviewed rows -> the theatre's observations file.

:func:`write_proposals` writes proposed observations (:class:`frontline.observe.Observation`)
to a CSV with a ``reviewed`` column (``false``). A person checks each row, corrects it and
sets ``reviewed`` to ``true``. :func:`accept_proposals` then appends the reviewed rows to the
observations CSV (``<data>/observations/<theatre>.csv``) in one atomic write:

* rows for the same date, place and faction (one event reported by several outlets) become
  one row whose ``source`` lists every report (`` | ``-separated), with the highest
  confidence; a row the file already has gets the new sources added;
* a row for a place and date the file (or another reviewed row) already gives to a
  *different* faction is a conflict: it is not written, and it is reported;
* the file keeps its rows and order; the optional columns ``event``, ``from_faction``,
  ``url``, ``evidence``, ``date_precision`` and ``reviewed`` are added to its header when
  missing (older rows get empty cells).

If the observations file changes while the rows are merged, nothing is written and
:class:`frontline.errors.ConflictError` says to retry.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frontline.dates import parse_date
from frontline.errors import ConflictError, DataFileError, InputError
from frontline.factions import FactionRegistry
from frontline.files import atomic_write_text
from frontline.observations import resolve_place
from frontline.observe import PROPOSAL_COLUMNS, Observation

__all__ = [
    "OBSERVATION_COLUMNS",
    "SOURCE_SEPARATOR",
    "AcceptResult",
    "accept_proposals",
    "read_proposals",
    "write_proposals",
]

#: Columns the review loop writes to an observations CSV, in order.
OBSERVATION_COLUMNS = (
    "date", "place", "faction", "source", "confidence", "note", "event", "from_faction",
    "url", "evidence", "date_precision", "reviewed",
)  # fmt: skip
#: Between the sources of one observation reported by several outlets.
SOURCE_SEPARATOR = " | "
_TRUE = frozenset({"true", "yes", "y", "1", "x", "ok"})


def _proposal_row(o: Observation) -> dict[str, str]:
    d = o.to_dict()
    # a point derived from a relative phrase is recorded by the phrase ("12 km north of X"),
    # which frontline.observations.resolve_place turns back into the point
    d["place"] = o.place_name if o.place.startswith("~") else o.place
    return {
        c: "" if d.get(c) is None else str(d[c]).lower() if isinstance(d[c], bool) else str(d[c])
        for c in (*PROPOSAL_COLUMNS, "place_name")
    }


def write_proposals(
    observations: Iterable[Observation],
    path: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> str:
    """Write proposals as CSV (``reviewed`` false), atomically; return the CSV text.

    Parameters
    ----------
    observations : iterable of Observation
    path : path-like, optional
        Where to write; None only returns the text.
    overwrite : bool, default False
        Replace an existing file.
    """
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=[*PROPOSAL_COLUMNS, "place_name"], lineterminator="\n")
    w.writeheader()
    for o in observations:
        w.writerow(_proposal_row(o))
    text = buf.getvalue()
    if path is not None:
        atomic_write_text(path, text, overwrite=overwrite)
    return text


def read_proposals(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Return the rows of a proposals CSV (any column order; ``#`` lines are comments)."""
    p = Path(path)
    if not p.is_file():
        raise DataFileError(
            f"{p}: proposals file not found; write one with frontline observe --out"
        )
    text = p.read_text(encoding="utf-8-sig")
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    missing = [
        c
        for c in ("date", "place", "faction", "source", "reviewed")
        if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise DataFileError(f"{p}: header lacks column(s) {', '.join(missing)}")
    return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]


@dataclass
class AcceptResult:
    """What :func:`accept_proposals` did.

    Attributes
    ----------
    appended : list of dict
        New rows written to the observations file.
    merged : list of str
        Rows that added a source to an existing observation (or to another reviewed row).
    conflicts : list of str
        Rows not written: another faction holds the place on that date in the file or in
        another reviewed row (``file:line`` and both factions).
    unreviewed : int
        Rows left for review (``reviewed`` not true).
    path : Path
        The observations file.
    """

    appended: list[dict[str, str]] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    unreviewed: int = 0
    path: Path = Path()


def _split_sources(s: str) -> list[str]:
    return [x.strip() for x in s.split(SOURCE_SEPARATOR.strip()) if x.strip()]


def _merge_sources(a: str, b: str) -> str:
    out = _split_sources(a)
    for s in _split_sources(b):
        if s not in out:
            out.append(s)
    return SOURCE_SEPARATOR.join(out)


def accept_proposals(
    proposals: str | os.PathLike[str],
    observations: str | os.PathLike[str],
    registry: FactionRegistry,
    gazetteer: Any = None,
) -> AcceptResult:
    """Append the reviewed rows of a proposals CSV to an observations CSV.

    Parameters
    ----------
    proposals : path-like
        The proposals CSV, rows with ``reviewed`` true are taken.
    observations : path-like
        The theatre's observations CSV (created with a header when missing).
    registry : FactionRegistry
        Checks (and normalises aliases to) faction ids.
    gazetteer : Gazetteer, optional
        When given, every place must resolve (an id, a name or a relative phrase).

    Returns
    -------
    AcceptResult

    Raises
    ------
    InputError
        A reviewed row with a bad date, an unknown faction or place, or a confidence outside
        0–1 (every problem listed; nothing written).
    ConflictError
        The observations file changed while the rows were merged (retry).
    """
    src = Path(proposals)
    dest = Path(observations)
    rows = read_proposals(src)
    result = AcceptResult(path=dest)
    problems: list[str] = []
    taken: list[tuple[int, dict[str, str]]] = []
    for k, row in enumerate(rows, start=2):
        if row.get("reviewed", "").lower() not in _TRUE:
            result.unreviewed += 1
            continue
        clean = _check_row(row, f"{src}:{k}", registry, gazetteer, problems)
        if clean is not None:
            taken.append((k, clean))
    if problems:
        raise InputError(
            f"{src}: {len(problems)} problem(s) in reviewed rows:\n  " + "\n  ".join(problems)
        )
    before = dest.read_bytes() if dest.exists() else None
    header, existing = _read_observations_raw(dest, before)
    for col in OBSERVATION_COLUMNS:
        if col not in header:
            header.append(col)
    index: dict[tuple[str, str], dict[str, str]] = {}
    for r in existing:
        index.setdefault((r.get("date", ""), r.get("place", "")), r)
    for k, row in taken:
        key = (row["date"], row["place"])
        cur = index.get(key)
        if cur is None:
            existing.append(row)
            index[key] = row
            result.appended.append(row)
            continue
        if cur.get("faction") != row["faction"]:
            result.conflicts.append(
                f"{src}:{k}: {row['place']} on {row['date']} is {row['faction']}, but "
                f"{dest.name} already has it as {cur.get('faction')} "
                f"({cur.get('source', '')[:60]}); "
                "fix one of them (or record the place as contested, faction 'unknown')"
            )
            continue
        cur["source"] = _merge_sources(cur.get("source", ""), row["source"])
        cur["url"] = _merge_sources(cur.get("url", ""), row.get("url", ""))
        try:
            conf = max(float(cur.get("confidence") or 1.0), float(row["confidence"] or 1.0))
            cur["confidence"] = f"{conf:.2f}"
        except ValueError:
            pass
        for col in ("event", "from_faction", "evidence", "date_precision"):
            if not cur.get(col) and row.get(col):
                cur[col] = row[col]
        result.merged.append(
            f"{src}:{k}: {row['place']} on {row['date']} ({row['faction']}) adds a source"
        )
    if not result.appended and not result.merged:
        return result
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in existing:
        w.writerow({c: r.get(c, "") for c in header})
    now = dest.read_bytes() if dest.exists() else None
    if _digest(now) != _digest(before):
        raise ConflictError(
            f"{dest} changed while the reviewed rows were merged; nothing written, retry"
        )
    atomic_write_text(dest, buf.getvalue(), overwrite=True)
    return result


def _digest(data: bytes | None) -> str:
    return "" if data is None else hashlib.sha256(data).hexdigest()


def _read_observations_raw(
    path: Path, data: bytes | None
) -> tuple[list[str], list[dict[str, str]]]:
    if data is None:
        return list(OBSERVATION_COLUMNS[:6]), []
    text = data.decode("utf-8-sig")
    lines = text.splitlines()
    comments = [ln for ln in lines if ln.lstrip().startswith("#")]
    if comments:
        raise DataFileError(
            f"{path}: has comment lines; the review loop rewrites the file and would drop them"
        )
    reader = csv.DictReader(io.StringIO(text))
    header = list(reader.fieldnames or [])
    if not header:
        return list(OBSERVATION_COLUMNS[:6]), []
    return header, [dict(r) for r in reader]


def _check_row(
    row: dict[str, str], where: str, registry: FactionRegistry, gazetteer: Any, problems: list[str]
) -> dict[str, str] | None:
    before = len(problems)
    out = {c: row.get(c, "") for c in OBSERVATION_COLUMNS}
    try:
        out["date"] = parse_date(row.get("date", "")).isoformat()
    except InputError as exc:
        problems.append(f"{where}: {exc}")
    faction = row.get("faction", "")
    if faction != "unknown":
        try:
            out["faction"] = registry.get(faction).id
        except InputError as exc:
            problems.append(f"{where}: {exc}")
    frm = row.get("from_faction", "")
    if frm:
        try:
            out["from_faction"] = registry.get(frm).id
        except InputError as exc:
            problems.append(f"{where}: from_faction: {exc}")
    if not row.get("place"):
        problems.append(f"{where}: the place is empty")
    elif gazetteer is not None:
        try:
            resolve_place(gazetteer, row["place"])
        except InputError as exc:
            problems.append(f"{where}: {exc}")
    if not row.get("source"):
        problems.append(f"{where}: the source is empty; give the report's outlet, date and title")
    try:
        conf = float(row.get("confidence") or 1.0)
        if not 0.0 <= conf <= 1.0:
            raise ValueError
        out["confidence"] = f"{conf:.2f}"
    except ValueError:
        problems.append(
            f"{where}: confidence {row.get('confidence')!r} is not a number from 0 to 1"
        )
    out["reviewed"] = "true"
    out["note"] = row.get("note", "")
    return out if len(problems) == before else None
