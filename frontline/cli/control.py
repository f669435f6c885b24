"""``frontline control``: list, show, validate, build and import control snapshots."""

from __future__ import annotations

import datetime as _dt
import sys
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
from frontline.control import INFERRED, read_areas
from frontline.files import atomic_write_text
from frontline.fill import apply_fill
from frontline.gazetteer import Gazetteer
from frontline.history import check_period
from frontline.historycheck import validate_history
from frontline.seriesimport import import_series
from frontline.store import ControlHistory
from frontline.theatre import FILL_MODES, Theatre


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


def _lazy_describer(history):
    """Return a ``describe`` that loads the gazetteer only when a message needs it."""
    loaded: list = []

    def describe(lon: float, lat: float) -> str:
        if not loaded:
            loaded.append(_describer(history))
        if loaded[0] is None:  # no gazetteer: the message gives the lon/lat alone
            raise LookupError("no gazetteer")
        return loaded[0](lon, lat)

    return describe


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
    """One row per faction: its whole area, the inferred part, confidence, sources, notes."""
    by_basis = snapshot.area_by_basis()
    rows: dict[str, dict] = {}
    for row in snapshot.sorted_areas().itertuples(index=False):
        km2 = by_basis.get((row.faction, row.basis), 0.0)
        r = rows.setdefault(
            row.faction,
            {
                "faction": row.faction,
                "area_km2": 0.0,
                "inferred_km2": 0.0,
                "confidence": float(row.confidence),
                "sources": [],
                "note": "",
            },
        )
        r["area_km2"] += km2
        if row.basis == INFERRED:
            r["inferred_km2"] += km2
        else:  # the observed feature's confidence and note speak for the faction
            r["confidence"], r["note"] = float(row.confidence), row.note or ""
        r["sources"] = sorted(set(r["sources"]) | set(row.sources))
    for r in rows.values():
        r["area_km2"] = round(r["area_km2"], 1)
        r["inferred_km2"] = round(r["inferred_km2"], 1)
        r["confidence"] = round(r["confidence"], 3)
    return list(rows.values())


def _support(snapshot) -> dict | None:
    return snapshot.support.to_dict() if snapshot.support is not None else None


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
    """List the snapshots: area held per faction (km², inferred part in brackets) and support.

    The last column is the share of held land whose supporting observation is far or old
    (the theatre's ``fill.far_km`` and ``fill.stale_days``), when the snapshot was built.
    """
    history = _load(data_dir, theatre_id, store_url=store_url)
    out = []
    for snap in history:
        rows = _area_rows(snap)
        out.append(
            {
                "date": snap.date.isoformat(),
                "factions": {r["faction"]: r["area_km2"] for r in rows},
                "inferred_km2": {r["faction"]: r["inferred_km2"] for r in rows},
                "support": _support(snap),
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
    table = []
    for s in out:
        cells = [s["date"]]
        for f in factions:
            if f not in s["factions"]:
                cells.append("-")
                continue
            inf = s["inferred_km2"].get(f, 0.0)
            cells.append(f"{s['factions'][f]:,.0f}" + (f" ({inf:,.0f})" if inf >= 0.5 else ""))
        sup = s["support"]
        cells.append(f"{100 * sup['share']:.0f} %" if sup else "-")
        table.append(cells)
    head = ["date", *factions, "far/old"]
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(head)]
    for cells in [head, *table]:
        click.echo(
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()
        )
    sups = [s["support"] for s in out if s["support"]]
    far = (
        f"; far/old: share of held land more than {sups[0]['far_km']:g} km from its "
        f"observed place or resting on an observation more than {sups[0]['stale_days']} days old"
        if sups
        else ""
    )
    click.echo(
        f"{len(out)} snapshot(s) of {history.theatre_id}; areas in km², inferred part in "
        f"brackets{far}"
    )


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
                "support": _support(snap),
            }
        )
        return
    note = "" if snap.date == date else f" (as of {date})"
    click.echo(f"{history.theatre_id} {snap.date}{note}")
    if snap.support is not None:
        click.echo(f"  support: {snap.support.text()}")
    for r in rows:
        click.echo(
            f"  {r['faction']:<22} {r['area_km2']:>12,.0f} km² ({r['inferred_km2']:,.0f} "
            f"inferred)  confidence {r['confidence']:.2f}  {len(r['sources'])} source(s)"
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
    for w in check.warnings:
        click.echo(f"warning: {w}", err=True)
    if not check.ok:
        raise DataError(check.summary())
    warned = f"; {len(check.warnings)} with far or old support" if check.warnings else ""
    click.echo(f"{len(check.dates)} snapshot(s) of {history.theatre_id} valid{warned}")


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
    "--max-lag",
    "max_lag",
    type=click.IntRange(min=0),
    default=None,
    metavar="DAYS",
    help=(
        "Choose the dates from the observations: every change of hands on a map at most DAYS "
        "after its date (default: the theatre's snapshot_dates, which may say auto)."
    ),
)
@click.option(
    "--radius",
    "radius",
    type=float,
    default=None,
    help="Reach of every place's cell in km (overrides the per-kind table; implies --fill radius).",
)
@click.option(
    "--fill",
    "fill",
    type=click.Choice(FILL_MODES),
    default=None,
    help=(
        "How land between observed places is shared out (default: the theatre's fill; "
        "radius when --radius is given)."
    ),
)
@click.option("--no-overrides", is_flag=True, help="Ignore hand-drawn override areas.")
@overwrite_opt
@handle_errors
def build(
    data_dir: Path | None,
    store_url: str | None,
    theatre_id: str | None,
    dates: list,
    max_lag: int | None,
    radius: float | None,
    fill: str | None,
    no_overrides: bool,
    overwrite: bool,
) -> None:
    """Build snapshots from <data>/observations/<theatre>.csv or its folder (all or nothing)."""
    if dates and max_lag is not None:
        raise click.UsageError("give --date or --max-lag, not both")
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
        fill=fill,
        max_lag_days=max_lag,
    )
    for p in paths:
        click.echo(f"wrote {p}" if not isinstance(p, int) else f"wrote revision {p}")
    mode = fill or ("radius" if radius is not None else theatre.fill.mode)
    click.echo(f"{len(paths)} snapshot(s) built for {theatre.id} (fill: {mode})")


@control.command("import")
@click.argument("source", metavar="SOURCE")
@date_opt(
    "--date",
    help="Snapshot date, YYYY-MM-DD (required unless the file has a date/valid_from column).",
)
@click.option(
    "--faction-field",
    default=None,
    help=(
        "Column naming each area's faction [default: faction]; for a series, several "
        "candidates for a renamed key: 'name,Name,status' (the first present is used)."
    ),
)
@click.option(
    "--faction",
    "faction",
    default=None,
    metavar="ID",
    help="Series: one faction for every area (a one-sided series, e.g. occupied ground).",
)
@click.option(
    "--map",
    "mapping",
    default=None,
    metavar="VALUE=ID,...|FILE",
    help=(
        "Series: the faction column's values to faction ids ('Russia=russia,Liberated=-'; "
        "'-' leaves those rows out), or a .yaml / .csv (value,faction) file."
    ),
)
@click.option(
    "--date-from-name",
    default=None,
    metavar="PATTERN",
    help=(
        "Series: the date in the file names, strftime-like ('deepstatemap_data_%Y%m%d') or a "
        "regex with groups Y, m, d [default: YYYYMMDD or YYYY-MM-DD anywhere in the name]."
    ),
)
@click.option(
    "--date-field",
    default=None,
    metavar="NAME[,NAME]",
    help="Series: the column holding each row's date (e.g. valid_from), instead of file names.",
)
@click.option(
    "--valid-to-field",
    default=None,
    metavar="NAME",
    help="Series: the column ending each row's validity (exclusive), with --date-field.",
)
@click.option(
    "--skip-bad",
    is_flag=True,
    help=(
        "Series: skip rows and files without a date or faction (reported) instead of "
        "refusing the import."
    ),
)
@click.option(
    "--complement",
    default=None,
    metavar="FACTION",
    help=(
        "Give the land of the theatre's countries that no area claims to FACTION (marked "
        "inferred): for a series that maps one side's ground."
    ),
)
@click.option(
    "--cite",
    "cite",
    multiple=True,
    metavar="TEXT",
    help="Series: source of areas whose rows name none (repeatable) [default: the file name].",
)
@click.option("--quiet", "-q", is_flag=True, help="Series: no progress on stderr.")
@click.option("--layer", default=None, help="Layer of a multi-layer file (GeoPackage).")
@click.option("--repair", is_flag=True, help="Repair invalid geometries instead of refusing them.")
@click.option(
    "--fill",
    "fill",
    type=click.Choice(["theatre", *FILL_MODES]),
    default=None,
    help=(
        "Fill the land the file leaves blank (marked inferred): 'theatre' uses the theatre's "
        "fill policy, or name a mode. Default: import the areas as drawn."
    ),
)
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
    source: str,
    date: _dt.date | None,
    faction_field: str | None,
    faction: str | None,
    mapping: str | None,
    date_from_name: str | None,
    date_field: str | None,
    valid_to_field: str | None,
    skip_bad: bool,
    complement: str | None,
    cite: tuple[str, ...],
    quiet: bool,
    layer: str | None,
    repair: bool,
    fill: str | None,
    as_override: bool,
    extend_period: bool,
    data_dir: Path | None,
    store_url: str | None,
    theatre_id: str | None,
    overwrite: bool,
    expected_revisions: dict,
) -> None:
    """Import areas drawn in QGIS, or a published series of dated maps, as snapshots.

    SOURCE is one file (GeoJSON, GeoPackage, Shapefile; any CRS), or a series: a folder or
    glob of dated files (the date from the file name, --date-from-name, or a column,
    --date-field), or one layer with a date column (--date-field valid_from
    [--valid-to-field valid_to]). A series is imported all or nothing and incrementally:
    dates stored with the same content are unchanged and not written, dates stored with
    other content are refused unless --overwrite; the summary names the gaps of the series
    and the schema drift met (3D coordinates, geometry collections, renamed keys, …).

    The write compares and sets: a date someone else writes while this command runs is a
    conflict (exit 3, nothing written). On a PostGIS store, --expected-revision DATE=N
    writes DATE only if N is still its current revision; the revisions written are printed.
    """
    series_opts = (
        faction, mapping, date_from_name, date_field, valid_to_field, complement,
        skip_bad or None, cite or None, quiet or None,
    )  # fmt: skip
    path = Path(source)
    if not path.is_file() or any(v is not None for v in series_opts):
        if date is not None or as_override or expected_revisions:
            raise click.UsageError(
                "--date, --override and --expected-revision import one file; a series takes "
                "its dates from file names or --date-field"
            )
        if faction is not None and (faction_field or mapping):
            raise click.UsageError("give --faction (one for all) or --faction-field/--map")
        _import_series(
            source,
            data_dir=data_dir,
            store_url=store_url,
            theatre_id=theatre_id,
            faction=faction,
            faction_field=faction_field,
            mapping=mapping,
            date_from_name=date_from_name,
            date_field=date_field,
            valid_to_field=valid_to_field,
            layer=layer,
            sources=list(cite) or None,
            repair=repair,
            skip_bad=skip_bad,
            complement=complement,
            fill=fill,
            overwrite=overwrite,
            extend_period=extend_period,
            quiet=quiet,
        )
        return
    file = path
    faction_field = faction_field or "faction"
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
    if fill is not None:
        if as_override:
            raise click.UsageError("--fill and --override do not go together: overrides are drawn")
        theatre = history.theatre
        snaps = [apply_fill(s, theatre, None if fill == "theatre" else fill) for s in snaps]
    outside = check_period(history.theatre, [s.date for s in snaps], extend_period)
    # read_areas validated each snapshot against this store's registry and theatre; a fill
    # adds areas, so a filled snapshot is validated (once) by the store
    results = history.add_many(snaps, overwrite=overwrite, repair=repair, validated=fill is None)
    for line in _written(history, snaps, results):
        click.echo(line)
    if outside and history.theatre is not None:
        click.echo(_extend_period(history.theatre, outside))


def _import_series(
    source: str,
    *,
    data_dir: Path | None,
    store_url: str | None,
    theatre_id: str | None,
    quiet: bool,
    overwrite: bool,
    extend_period: bool,
    **options,
) -> None:
    """Import a series (see ``control import``): progress on stderr, the report on stdout."""
    history = _load(data_dir, theatre_id, store_url=store_url)
    history.expect()  # before reading: what the write is based on

    live = sys.stderr.isatty()

    def progress(done: int, total: int, name: str) -> None:
        """Print a counted line on stderr: redrawn on a terminal, else every tenth of the files."""
        if quiet:
            return
        line = f"read {done}/{total} file(s) ({name})"
        if live:
            click.echo(f"\r{line}\033[K", nl=done == total, err=True)
        elif done == total or done % max(1, total // 10) == 0:
            click.echo(line, err=True)

    report = import_series(
        history,
        source,
        replace=overwrite,
        extend_period=extend_period,
        describe=_lazy_describer(history),
        progress=progress,
        **options,
    )
    days = sorted(report.new + report.replaced)
    if days:
        shown = f"{days[0]}" if len(days) == 1 else f"{days[0]} … {days[-1]}"
        click.echo(f"wrote {len(days)} snapshot(s) ({shown}) to {_where(history)}")
    for line in report.lines():
        click.echo(line)
    if report.outside_period and history.theatre is not None:
        click.echo(_extend_period(history.theatre, list(report.outside_period)))
