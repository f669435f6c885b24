"""``frontline control``: list, show, validate, build and import control snapshots."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import click

from frontline.backends import open_history
from frontline.build import build_history, overrides_dir
from frontline.cli.options import (
    DataError,
    data_opt,
    date_opt,
    echo_json,
    expected_revision_opt,
    handle_errors,
    overwrite_opt,
    parse_date_value,
    store_opt,
    theatre_opt,
)
from frontline.control import read_areas
from frontline.files import atomic_write_text
from frontline.gazetteer import Gazetteer
from frontline.store import ControlHistory, check_period, validate_history
from frontline.theatre import Theatre


def _load(
    data_dir: Path | None,
    theatre_id: str | None,
    validate: bool = True,
    store_url: str | None = None,
):
    return open_history(store_url, theatre_id, data_dir, validate=validate)


def _where(history) -> str:
    """Where a history lives, for messages (a folder, or a redacted database URL)."""
    directory = getattr(history, "directory", None)
    return str(directory) if directory is not None else repr(history)


def _describer(history):
    """Return the gazetteer's ``describe`` for messages (None when none can be loaded)."""
    try:
        return Gazetteer.load(history.theatre.data_dir, history.theatre).describe
    except Exception:  # noqa: BLE001 - naming places in messages is a nicety
        return None


def _written(history, snapshots, results) -> list[str]:
    """One line per date written: the file, or the theatre, date and new PostGIS revision."""
    replaced = getattr(history, "replaced", {}) or {}
    lines = []
    for snap, res in zip(sorted(snapshots, key=lambda s: s.date), results, strict=True):
        if isinstance(res, int):
            old = replaced.get(snap.date)
            note = f" (replaced r{old[0]} by {old[1]})" if old else ""
            lines.append(f"wrote {history.theatre_id} {snap.date} revision {res}{note}")
        else:
            lines.append(f"wrote {res}")
    return lines


def _extend_period(theatre: Theatre, outside: list[_dt.date]) -> str:
    """Widen the one-line ``period: [A, B]`` of the theatre file to cover *outside*."""
    import re

    path = theatre.data_dir / "theatres" / f"{theatre.id}.yaml"
    assert theatre.period is not None
    first = min(theatre.period[0], *outside)
    last = max(theatre.period[1], *outside)
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    line = re.compile(r"^period:\s*\[[^\]\n]*\]", re.M)
    if len(line.findall(text)) != 1:
        return f"note: widen `period:` in {path} to [{first}, {last}] by hand"
    atomic_write_text(path, line.sub(f"period: [{first}, {last}]", text), overwrite=True)
    return f"extended the period of {theatre.id} to {first} … {last} in {path}"


def _area_rows(snapshot) -> list[dict]:
    km2 = snapshot.area_km2()
    rows = []
    for row in snapshot.areas.sort_values("faction").itertuples(index=False):
        rows.append(
            {
                "faction": row.faction,
                "area_km2": round(km2[row.faction], 1),
                "confidence": round(float(row.confidence), 3),
                "sources": list(row.sources),
                "note": row.note or "",
            }
        )
    return rows


@click.group()
def control() -> None:
    """Dated control snapshots: who held which ground, per faction."""


@control.command("list")
@data_opt
@store_opt
@theatre_opt
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@handle_errors
def list_(
    data_dir: Path | None, store_url: str | None, theatre_id: str | None, as_json: bool
) -> None:
    """List the snapshots: dates, factions and area held per faction (km²)."""
    history = _load(data_dir, theatre_id, store_url=store_url)
    out = []
    for snap in history:
        out.append(
            {
                "date": snap.date.isoformat(),
                "factions": {r["faction"]: r["area_km2"] for r in _area_rows(snap)},
            }
        )
    if as_json:
        echo_json({"theatre": history.theatre_id, "store": _where(history), "snapshots": out})
        return
    if not out:
        click.echo(
            f"no snapshots in {_where(history)} (run `frontline control build` or `control import`)"
        )
        return
    factions = sorted({f for s in out for f in s["factions"]})
    head = ["date", *factions]
    widths = [max(10, len(h)) for h in head]
    click.echo(
        "  ".join(
            h.rjust(w) if i else h.ljust(w)
            for i, (h, w) in enumerate(zip(head, widths, strict=True))
        )
    )
    for s in out:
        cells = [s["date"]] + [
            f"{s['factions'][f]:,.0f}" if f in s["factions"] else "-" for f in factions
        ]
        click.echo(
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
        )
    click.echo(f"{len(out)} snapshot(s) of {history.theatre_id}; areas in km²")


@control.command()
@click.argument("date", callback=parse_date_value)
@data_opt
@store_opt
@theatre_opt
@click.option("--json", "as_json", is_flag=True, help="Print JSON (factions, areas, sources).")
@click.option("--geojson", "as_geojson", is_flag=True, help="Print the snapshot's GeoJSON.")
@handle_errors
def show(
    date: _dt.date,
    data_dir: Path | None,
    store_url: str | None,
    theatre_id: str | None,
    as_json: bool,
    as_geojson: bool,
) -> None:
    """Show the situation as of DATE (the latest snapshot on or before it)."""
    history = _load(data_dir, theatre_id, store_url=store_url)
    snap = history.at(date)
    if as_geojson:
        click.echo(snap.to_geojson(), nl=False)
        return
    rows = _area_rows(snap)
    if as_json:
        echo_json(
            {
                "theatre": history.theatre_id,
                "as_of": date.isoformat(),
                "date": snap.date.isoformat(),
                "areas": rows,
            }
        )
        return
    note = "" if snap.date == date else f" (as of {date})"
    click.echo(f"{history.theatre_id} {snap.date}{note}")
    for r in rows:
        click.echo(
            f"  {r['faction']:<22} {r['area_km2']:>12,.0f} km²  confidence "
            f"{r['confidence']:.2f}  {len(r['sources'])} source(s)"
        )
        for s in r["sources"]:
            click.echo(f"      - {s}")


@control.command()
@data_opt
@store_opt
@theatre_opt
@click.option(
    "--repair", is_flag=True, help="Repair invalid geometries (written only with --overwrite)."
)
@overwrite_opt
@handle_errors
def validate(
    data_dir: Path | None,
    store_url: str | None,
    theatre_id: str | None,
    repair: bool,
    overwrite: bool,
) -> None:
    """Validate every snapshot; list all problems (exit 2 when there are any).

    Leftovers of an interrupted write (a journal, temporary files) are problems too;
    --repair finishes the interrupted write and removes them.
    """
    history = _load(data_dir, theatre_id, validate=False, store_url=store_url)
    if repair:  # finish (or roll back) an interrupted write first; remove its leftovers
        for line in history.recover():
            click.echo(line)
    pinned = history.expect() if repair and overwrite else None
    check = validate_history(history, repair=repair, describe=_describer(history))
    repaired = list(check.repaired)
    if repaired:
        if overwrite:
            writer = _load(data_dir, theatre_id, store_url=store_url)
            writer.expect(pinned)  # a date changed since it was validated: conflict, exit 3
            for line in _written(
                writer, repaired, writer.add_many(repaired, overwrite=True, repair=True)
            ):
                click.echo(line.replace("wrote", "repaired", 1))
        else:
            for s in repaired:
                click.echo(
                    f"{s.date}: can be repaired; run again with --repair --overwrite to write it"
                )
    if not check.ok:
        raise DataError(check.summary())
    click.echo(f"{len(check.dates)} snapshot(s) of {history.theatre_id} valid")


@control.command()
@data_opt
@store_opt
@theatre_opt
@click.option(
    "--date",
    "dates",
    multiple=True,
    callback=lambda c, p, v: [parse_date_value(c, p, d) for d in v],
    help="Build only this date (repeatable). Default: the theatre's snapshot_dates.",
)
@click.option(
    "--radius",
    "radius",
    type=float,
    default=None,
    help="Reach of every place's cell in km (overrides the per-kind table).",
)
@click.option("--no-overrides", is_flag=True, help="Ignore hand-drawn override areas.")
@overwrite_opt
@handle_errors
def build(
    data_dir: Path | None,
    store_url: str | None,
    theatre_id: str | None,
    dates: list,
    radius: float | None,
    no_overrides: bool,
    overwrite: bool,
) -> None:
    """Build snapshots from <data>/observations/<theatre>.csv (all or nothing)."""
    theatre = Theatre.load(theatre_id, data_dir)
    target = _load(data_dir, theatre.id, store_url=store_url)
    target.expect()  # compare-and-set: a date someone else writes meanwhile is a conflict
    paths = build_history(
        theatre,
        dates=dates or None,
        overwrite=overwrite,
        radius_km=radius,
        use_overrides=not no_overrides,
        history=target,
    )
    for p in paths:
        click.echo(f"wrote {p}" if not isinstance(p, int) else f"wrote revision {p}")
    click.echo(f"{len(paths)} snapshot(s) built for {theatre.id}")


@control.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@date_opt(
    "--date",
    help="Snapshot date, YYYY-MM-DD (required unless the file has a date/valid_from column).",
)
@click.option(
    "--faction-field",
    default="faction",
    show_default=True,
    help="Column naming each area's faction.",
)
@click.option("--layer", default=None, help="Layer of a multi-layer file (GeoPackage).")
@click.option("--repair", is_flag=True, help="Repair invalid geometries instead of refusing them.")
@click.option(
    "--override",
    "as_override",
    is_flag=True,
    help=(
        "Store as a hand-drawn override (control/<theatre>/overrides/) that `control build` "
        "applies."
    ),
)
@click.option(
    "--extend-period",
    is_flag=True,
    help="Accept dates outside the theatre's period (and widen the period in its file).",
)
@data_opt
@store_opt
@theatre_opt
@overwrite_opt
@expected_revision_opt
@handle_errors
def import_(
    file: Path,
    date: _dt.date | None,
    faction_field: str,
    layer: str | None,
    repair: bool,
    as_override: bool,
    extend_period: bool,
    data_dir: Path | None,
    store_url: str | None,
    theatre_id: str | None,
    overwrite: bool,
    expected_revisions: dict,
) -> None:
    """Import areas drawn in QGIS (GeoJSON, GeoPackage, Shapefile; any CRS) as snapshot(s).

    The write compares and sets: a date someone else writes while this command runs is a
    conflict (exit 3, nothing written). On a PostGIS store, --expected-revision DATE=N
    writes DATE only if N is still its current revision; the revisions written are printed.
    """
    history = _load(data_dir, theatre_id, store_url=store_url)
    if expected_revisions and isinstance(history, ControlHistory):
        raise click.UsageError(
            "--expected-revision works on a PostGIS store (--store postgresql://…); a file "
            "store compares the files' content by itself"
        )
    registry = history.registry
    if as_override:
        history = ControlHistory(overrides_dir(history.theatre), history.theatre, None)
    history.expect(expected_revisions)  # before reading: what the write is based on
    snaps = read_areas(
        file,
        date,
        faction_field,
        layer,
        registry,
        history.theatre,
        repair=repair,
        allow_unknown=as_override,
    )
    outside = check_period(history.theatre, [s.date for s in snaps], extend_period)
    results = history.add_many(snaps, overwrite=overwrite, repair=repair)
    for line in _written(history, snaps, results):
        click.echo(line)
    if outside and history.theatre is not None:
        click.echo(_extend_period(history.theatre, outside))
