"""Import a series of dated maps into a history: all or nothing, incrementally, gaps reported.

:func:`import_series` reads a series (:func:`frontline.series.read_series`), fills it
(``complement``: land nobody claims goes to one faction, :func:`frontline.fill.apply_fill`),
validates each snapshot once, compares each date with the stored snapshot (the same content
is *unchanged* and not written; other content is refused unless ``replace=True``) and writes
the new and replaced dates in one journaled batch (:meth:`frontline.store.ControlHistory.
add_many`). The report (:class:`ImportReport`) counts them, names the gaps of the series
(missing dates against its own cadence) and the schema drift met.

A file store keeps a cache of what each stored date was imported from
(``.frontline-import.json`` in the history folder: the source file's content hash with the
import options, the theatre's ground settings and the factions, and the stored file's hash),
so a re-run reads only new or changed files.
It is never the source of truth: a date whose stored file no longer has the recorded hash is
read and compared again, and deleting the cache only makes the next run slower.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from frontline.areacheck import Describe
from frontline.control import ControlSnapshot
from frontline.dates import parse_date
from frontline.errors import DataFileError, SnapshotExistsError
from frontline.files import atomic_write_text, content_hash
from frontline.fill import apply_fill
from frontline.gisimport import Drift
from frontline.history import History, check_period
from frontline.series import Progress, day_snapshot, discover, make_reader
from frontline.theatre import FillPolicy

__all__ = ["MANIFEST_NAME", "ImportReport", "find_gaps", "import_series"]

#: The cache of what each stored date was imported from (file stores only).
MANIFEST_NAME = ".frontline-import.json"


# -- gaps ------------------------------------------------------------------------------------
def find_gaps(dates: Sequence[_dt.date]) -> tuple[int | None, list[tuple[_dt.date, _dt.date, int]]]:
    """Return the series' cadence in days and its gaps: ``(after, before, missing)`` each.

    The cadence is the most common step between consecutive dates (the smaller on a tie); a
    gap is a step longer than it, missing ``step // cadence - 1`` dates (at least one).

    Examples
    --------
    >>> d = [_dt.date(2024, 1, i) for i in (1, 2, 3, 6, 7)]
    >>> find_gaps(d)
    (1, [(datetime.date(2024, 1, 3), datetime.date(2024, 1, 6), 2)])
    """
    days = sorted(set(dates))
    if len(days) < 3:
        return None, []
    steps = Counter((b - a).days for a, b in zip(days, days[1:], strict=False))
    cadence = min(steps, key=lambda s: (-steps[s], s))
    gaps = [
        (a, b, max(1, (b - a).days // cadence - 1))
        for a, b in zip(days, days[1:], strict=False)
        if (b - a).days > cadence
    ]
    return cadence, gaps


# -- importing -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportReport:
    """What :func:`import_series` did.

    Attributes
    ----------
    new, unchanged, replaced : tuple of date
        Dates written for the first time; stored already with the same content (not
        written); stored with other content and replaced (``replace=True``).
    written : tuple
        What the store returned per written date (file paths, or PostGIS revisions).
    dates : tuple of date
        Every date of the series.
    cadence_days : int or None
        The series' usual step between dates.
    gaps : tuple of (date, date, int)
        Steps longer than the cadence: the dates either side and how many are missing.
    drift : Drift
        The schema drift met.
    outside_period : tuple of date
        Dates outside the theatre's period, accepted with ``extend_period=True``.
    files_read : int
        Files read (a re-run reads only new or changed files).
    """

    new: tuple[_dt.date, ...]
    unchanged: tuple[_dt.date, ...]
    replaced: tuple[_dt.date, ...]
    written: tuple[object, ...]
    dates: tuple[_dt.date, ...]
    cadence_days: int | None
    gaps: tuple[tuple[_dt.date, _dt.date, int], ...]
    drift: Drift
    outside_period: tuple[_dt.date, ...] = ()
    files_read: int = 0

    def lines(self) -> list[str]:
        """Return the summary: counts, span, gaps and drift, one fact per line."""
        out = [
            f"{len(self.new)} new, {len(self.unchanged)} unchanged, {len(self.replaced)} "
            f"replaced" + ("" if self.new or self.replaced else ": nothing to write")
        ]
        if self.dates:
            span = f"{self.dates[0]}" + (f" … {self.dates[-1]}" if len(self.dates) > 1 else "")
            out.append(
                f"series: {len(self.dates)} date(s), {span}"
                + (f", every {self.cadence_days} day(s)" if self.cadence_days else "")
            )
        if self.gaps:
            missing = sum(g[2] for g in self.gaps)
            shown = "; ".join(f"{a} → {b} ({n} missing)" for a, b, n in self.gaps[:10]) + (
                f"; … {len(self.gaps) - 10} more" if len(self.gaps) > 10 else ""
            )
            out.append(f"gaps: {missing} date(s) missing in {len(self.gaps)} gap(s): {shown}")
        out.extend(f"drift: {line}" for line in self.drift.lines())
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _manifest_path(history: History) -> Path | None:
    directory = getattr(history, "directory", None)
    return Path(directory) / MANIFEST_NAME if directory is not None else None


def _read_manifest(path: Path | None) -> dict[str, dict[str, str]]:
    if path is None or not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): dict(v) for k, v in doc.get("dates", {}).items()}
    except (ValueError, AttributeError, TypeError):
        return {}  # a cache: a damaged one is rebuilt


def _file_keys(path: Path, fingerprint: str) -> str:
    return content_hash(path.read_bytes() + fingerprint.encode())


def import_series(
    history: History,
    source: str | Path | Sequence[str | Path],
    *,
    faction: str | None = None,
    faction_field: str | Sequence[str] | None = None,
    mapping: str | Path | Mapping[str, str] | None = None,
    date_from_name: str | None = None,
    date_field: str | Sequence[str] | None = None,
    valid_to_field: str | None = None,
    layer: str | int | None = None,
    sources: list[str] | None = None,
    repair: bool = False,
    skip_bad: bool = False,
    complement: str | None = None,
    fill: str | None = None,
    replace: bool = False,
    extend_period: bool = False,
    describe: Describe | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a series of dated maps into a history: all or nothing, incrementally.

    Each date is read (:func:`read_series`), filled (*complement* / *fill*), validated once
    against the history's registry and theatre, and compared with the stored snapshot of
    that date: the same content is *unchanged* (not written), other content is refused
    unless *replace*. The new and replaced dates are written in one batch.

    Parameters
    ----------
    history : History
        A file or PostGIS store (its registry and theatre validate the snapshots).
    source, faction, faction_field, mapping, date_from_name, date_field, valid_to_field, layer
        As :func:`read_series` (*faction_field* defaults to ``faction`` when no *faction*).
    sources : list of str, optional
        Sources of areas whose rows carry none (default: the file's name).
    repair, skip_bad
        As :func:`read_series`; *repair* also repairs what validation finds.
    complement : str, optional
        Give the land of the theatre's countries that no area claims to this faction
        (``basis: inferred``; the ``complement`` mode of :func:`frontline.fill.apply_fill`).
    fill : str, optional
        Another fill: ``theatre`` (the theatre's policy) or a mode name.
    replace : bool, default False
        Replace stored dates whose content differs.
    extend_period : bool, default False
        Accept dates outside the theatre's period (see :func:`frontline.history.check_period`).
    describe : callable, optional
        ``describe(lon, lat)`` naming locations in validation messages.
    progress : callable, optional
        ``progress(done, total, file_name)`` after each file.

    Returns
    -------
    ImportReport

    Raises
    ------
    SnapshotExistsError
        When stored dates differ from the series and *replace* is False (nothing written).
    DataFileError, InvalidDateError, InvalidGeometryError, UnknownFactionError, OverlapError,
    OutsideTheatreError, OutsidePeriodError, ConflictError
        Nothing is written.
    """
    theatre = history.theatre
    if complement is not None and fill is not None:
        raise DataFileError("give complement or fill, not both")
    policy: FillPolicy | str | None = None
    if complement is not None:
        if theatre is None:
            raise DataFileError("complement needs a theatre (its countries' land)")
        who = history.registry.get(complement).id if history.registry is not None else complement
        policy = dataclasses.replace(theatre.fill, mode="complement", faction=who)
    elif fill is not None:
        policy = None if fill == "theatre" else fill
    # compare-and-set against what the import is based on (the CLI pins before reading;
    # a library call pins for itself, until it returns)
    with history.pinned() as stored:
        manifest_path = _manifest_path(history)
        manifest = _read_manifest(manifest_path)
        drift = Drift()
        if faction is None and faction_field is None:
            faction_field = "faction"
        files = discover(source)
        reader = make_reader(
            faction, faction_field if faction is None else None, mapping, history.registry,
            date_from_name, date_field, valid_to_field, layer, repair, skip_bad, drift,
        )  # fmt: skip
        # a re-run skips files whose content (and options, theatre and factions) made exactly
        # the stored snapshots
        registry = history.registry
        fingerprint = json.dumps(
            [
                reader.fingerprint,
                sources,
                complement,
                fill,
                theatre.ground_key if theatre else None,
                repr(registry.factions) if registry is not None else None,
            ]
        )
        by_key: dict[str, list[str]] = {}
        for iso, rec in manifest.items():
            by_key.setdefault(rec.get("key", ""), []).append(iso)
        unchanged: list[_dt.date] = []
        to_read = []
        for path in files:
            key = _file_keys(path, fingerprint)
            known = by_key.get(key, [])
            if known and all(
                manifest[d].get("snapshot") is not None
                and stored.get(parse_date(d)) == manifest[d]["snapshot"]
                for d in known
            ):
                unchanged.extend(parse_date(d) for d in known)
            else:
                to_read.append((path, key))
        tid = history.theatre_id
        new: list[ControlSnapshot] = []
        changed: list[ControlSnapshot] = []
        keys: dict[_dt.date, str] = {}
        seen: dict[_dt.date, str] = {}
        done = 0
        for path, key in to_read:
            for day in reader.read(path):
                if day.date in seen:
                    raise DataFileError(
                        f"{day.label} and {seen[day.date]} both hold {day.date}; a series has one "
                        "map per date (move one of them out of the folder)"
                    )
                seen[day.date] = day.label
                snap = day_snapshot(day, tid, sources)
                if policy is not None or fill == "theatre":
                    assert theatre is not None
                    snap = apply_fill(snap, theatre, policy)
                snap = snap.validate(
                    history.registry,
                    theatre,
                    repair=repair,
                    describe=describe,
                    # checked feature by feature in lon/lat as read (naming the file); a fill
                    # adds new areas
                    geometry_valid=policy is None and fill is None,
                )
                keys[day.date] = key
                if day.date not in stored:
                    new.append(snap)
                    continue
                if _same(history, snap, stored[day.date]):
                    unchanged.append(day.date)
                else:
                    changed.append(snap)
            done += 1
            if progress is not None:
                progress(done, len(to_read), path.name)
        if changed and not replace:
            shown = ", ".join(s.date.isoformat() for s in changed[:5])
            more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
            raise SnapshotExistsError(
                f"{len(changed)} date(s) are stored with other content than the series has: "
                f"{shown}{more}; nothing was written. Pass --overwrite (replace=True) to replace "
                "them (a file store's old versions stay in git)"
            )
        to_write = sorted(new + changed, key=lambda s: s.date)
        outside = check_period(theatre, [s.date for s in to_write], extend_period)
        written: Sequence[object] = ()
        if to_write:
            written = history.add_many(to_write, overwrite=replace, repair=repair, validated=True)
        all_dates = sorted(set(unchanged) | {s.date for s in to_write})
        if manifest_path is not None and (to_write or to_read):
            _write_manifest(history, manifest_path, manifest, to_write, keys)
        cadence, gaps = find_gaps(all_dates)
        return ImportReport(
            new=tuple(s.date for s in sorted(new, key=lambda s: s.date)),
            unchanged=tuple(sorted(unchanged)),
            replaced=tuple(s.date for s in sorted(changed, key=lambda s: s.date)),
            written=tuple(written),
            dates=tuple(all_dates),
            cadence_days=cadence,
            gaps=tuple(gaps),
            drift=drift,
            outside_period=tuple(outside),
            files_read=len(to_read),
        )


def _same(history: History, snap: ControlSnapshot, version: object) -> bool:
    """Whether the stored version of the snapshot's date has exactly its content."""
    text = snap.to_geojson()
    if isinstance(version, str):  # a file store's content hash
        return content_hash(text.encode("utf-8")) == version
    return history.get(snap.date, validate=False).to_geojson() == text


def _write_manifest(
    history: History,
    path: Path,
    manifest: dict[str, dict[str, str]],
    written: list[ControlSnapshot],
    keys: dict[_dt.date, str],
) -> None:
    """Record, per date read, the source key and the stored content hash (a cache)."""
    versions = history.versions()
    out = {d: r for d, r in manifest.items() if parse_date(d) in versions}
    for day, key in keys.items():
        v = versions.get(day)
        if isinstance(v, str):
            out[day.isoformat()] = {"key": key, "snapshot": v}
    doc = {"about": "frontline import cache: which source made each date (safe to delete)"}
    text = json.dumps({**doc, "dates": dict(sorted(out.items()))}, indent=0, sort_keys=True)
    atomic_write_text(path, text + "\n", overwrite=True)
