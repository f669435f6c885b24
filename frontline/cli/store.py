"""``frontline store …``: set up a shared PostGIS store, copy history to and from it, audit it."""

from __future__ import annotations

from pathlib import Path

import click

from frontline.backends import copy_history
from frontline.cli.options import (
    data_opt,
    date_opt,
    echo_json,
    expected_revision_opt,
    handle_errors,
    overwrite_opt,
    store_opt,
    theatre_opt,
)
from frontline.errors import InputError
from frontline.historycheck import validate_history
from frontline.postgis import PostGISHistory
from frontline.postgis_reference import push_reference_data
from frontline.postgis_schema import grant as grant_role
from frontline.postgis_schema import (
    is_postgis_url,
    latest_version,
    migrate,
    redact,
    store_status,
)
from frontline.store import ControlHistory


def _require_url(store_url: str | None) -> str:
    if not store_url:
        raise click.UsageError(
            "give the PostGIS store: --store "
            "postgresql://user@host/database (or set FRONTLINE_STORE)"
        )
    if not is_postgis_url(store_url):
        raise click.UsageError(
            f"--store {store_url!r} is not a postgresql:// "
            "URL; these commands work on PostGIS stores"
        )
    return store_url


def _report(report, verb: str, as_json: bool, dry_run: bool) -> None:
    if as_json:
        echo_json({**report.as_dict(), "dry_run": dry_run})
        return
    prefix = "would " if dry_run else ""
    click.echo(
        f"{prefix}{verb}: {len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged"
    )

    def rev(day) -> str:
        if dry_run or day not in report.revisions:
            return ""
        old = report.replaced.get(day)
        note = f" (replaced r{old[0]} by {old[1]})" if old else ""
        return f"  revision {report.revisions[day]}{note}"

    for day in report.added:
        click.echo(f"  + {day}{rev(day)}")
    for day in report.updated:
        click.echo(f"  ~ {day}{rev(day)}")


@click.group("store")
def store() -> None:
    """Shared stores: init a PostGIS store, push and pull history, audit and restore revisions.

    \b
    A team shares one PostGIS database; every analyst points frontline at it with
    --store postgresql://user@host/db (or FRONTLINE_STORE) and QGIS at its table
    control_areas. See docs/postgis.md.
    \b
    Examples:
      frontline store init   --store postgresql://analyst@db.example.org/frontline
      frontline store push   --store $URL --theatre syria-iraq-2017
      frontline store pull   --store $URL --theatre syria-iraq-2017 --data ./geodata
      frontline store status --store $URL --validate
    """  # noqa: D301 - click's \b keeps the examples' line breaks


@store.command("init")
@store_opt
@handle_errors
def init(store_url: str | None) -> None:
    """Create the store's tables (or upgrade them to this frontline's schema version)."""
    url = _require_url(store_url)
    applied = migrate(url)
    if applied:
        click.echo(
            f"{redact(url)}: applied migration(s) "
            f"{', '.join(f'{v:04d}' for v in applied)}; schema version {applied[-1]}"
        )
    else:
        click.echo(f"{redact(url)}: already at schema version {latest_version()}; nothing to do")


@store.command("push")
@store_opt
@theatre_opt
@data_opt
@overwrite_opt
@click.option("--dry-run", is_flag=True, help="Only say what would be copied.")
@click.option(
    "--history-only",
    is_flag=True,
    help="Copy only the control history, not the gazetteer and observations.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@expected_revision_opt
@handle_errors
def push(
    store_url: str | None,
    theatre_id: str | None,
    data_dir: Path | None,
    overwrite: bool,
    dry_run: bool,
    history_only: bool,
    as_json: bool,
    expected_revisions: dict,
) -> None:
    """Copy a theatre's history from the data directory's files into the PostGIS store.

    Dates already identical are skipped; dates that differ are refused (nothing is copied)
    unless --overwrite, which stores them as new revisions (the old ones stay, and the new
    revision names the one it replaced). Every write compares and sets inside the
    transaction: a date someone else created or changed since this command read the store is
    a conflict (exit 3, nothing written; safe to retry). --expected-revision DATE=N replaces
    DATE only if N is still its revision. The revisions written are printed. The curated
    gazetteer and the theatre's observations are copied too (tables places, observations),
    for QGIS; --history-only skips them.
    """
    url = _require_url(store_url)
    source = ControlHistory.load(theatre_id, data_dir)
    theatre = source.theatre
    assert theatre is not None  # ControlHistory.load always sets it
    with PostGISHistory(url, theatre, source.registry) as dest:
        report = copy_history(
            source, dest, overwrite=overwrite, dry_run=dry_run, expected=expected_revisions
        )
        counts = {} if dry_run or history_only else push_reference_data(dest, theatre.data_dir)
    if as_json:
        echo_json({**report.as_dict(), **counts, "dry_run": dry_run})
        return
    _report(report, "push", False, dry_run)
    if counts:
        click.echo(
            f"reference data: {counts['places']} places, {counts['observations']} observations"
        )


@store.command("pull")
@store_opt
@theatre_opt
@data_opt
@overwrite_opt
@click.option("--dry-run", is_flag=True, help="Only say what would be copied.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def pull(
    store_url: str | None,
    theatre_id: str | None,
    data_dir: Path | None,
    overwrite: bool,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Copy a theatre's history from the PostGIS store into the data directory's files.

    Files already identical are skipped; local files that differ are refused (nothing is
    written) unless --overwrite. The files are byte-identical to what `push` read.
    """
    url = _require_url(store_url)
    dest = ControlHistory.load(theatre_id, data_dir)
    assert dest.theatre is not None  # ControlHistory.load always sets it
    with PostGISHistory(url, dest.theatre, dest.registry) as source:
        _report(
            copy_history(source, dest, overwrite=overwrite, dry_run=dry_run),
            "pull",
            as_json,
            dry_run,
        )


@store.command("status")
@store_opt
@theatre_opt
@data_opt
@click.option(
    "--validate",
    "check",
    is_flag=True,
    help="Validate every current snapshot (catches bad QGIS edits).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def status(
    store_url: str | None, theatre_id: str | None, data_dir: Path | None, check: bool, as_json: bool
) -> None:
    """Show the schema version and, per theatre, dates and revisions.

    With --validate, check the snapshots too; exits with status 2 when it finds an invalid
    snapshot.
    """
    url = _require_url(store_url)
    info = store_status(url)
    problems: list[dict[str, str]] = []
    if check:
        with PostGISHistory.load(url, theatre_id, data_dir, validate=False) as history:
            found = validate_history(history).problems
            problems = [{"date": p.where, "error": p.message} for p in found]
        info["validated"] = history.theatre_id
        info["problems"] = problems
    if as_json:
        echo_json(info)
    else:
        click.echo(
            f"{info['url']} schema {info['schema']!r}: version "
            f"{info['schema_version']} (frontline writes {info['latest_version']})"
        )
        if not info["schema_version"]:
            click.echo("  not initialised: run `frontline store init --store URL`")
        for lk in info["locks"]:
            click.echo(
                f"  lock: {lk['theatre']} {lk['date']} is being written by {lk['user']} "
                f"({lk['application'] or 'pid ' + str(lk['pid'])})"
            )
        for t in info["theatres"]:
            click.echo(
                f"  {t['theatre']}: {t['dates']} dates ({t['first']} … "
                f"{t['last']}), {t['revisions']} revisions, last change "
                f"{t['last_change']:%Y-%m-%d %H:%M} by {t['last_author']}"
            )
        if check:
            click.echo(
                f"  validated {info['validated']}: "
                + ("all snapshots valid" if not problems else f"{len(problems)} invalid")
            )
            for p in problems:
                click.echo(f"    {p['date']}: {p['error']}")
    if problems:
        raise click.exceptions.Exit(2)


@store.command("log")
@store_opt
@theatre_opt
@data_opt
@date_opt("--date", "day", required=True, help="Snapshot date, YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def log(
    store_url: str | None, theatre_id: str | None, data_dir: Path | None, day, as_json: bool
) -> None:
    """List every revision of one date's snapshot (who, when, how many areas)."""
    url = _require_url(store_url)
    with PostGISHistory.load(url, theatre_id, data_dir, validate=False) as history:
        revs = history.revisions(day)
    if as_json:
        echo_json([{k: getattr(r, k) for k in r.__dataclass_fields__} for r in revs])
        return
    if not revs:
        click.echo(f"{day}: never written")
    for r in revs:
        mark = "*" if r.is_current else " "
        click.echo(
            f"{mark} r{r.revision}  {r.created_at:%Y-%m-%d %H:%M:%S}  "
            f"{r.who}  {r.n_areas} areas  {r.message}"
        )


@store.command("restore")
@store_opt
@theatre_opt
@data_opt
@date_opt("--date", "day", required=True, help="Snapshot date, YYYY-MM-DD.")
@click.option(
    "--revision", type=click.IntRange(1), required=True, help="Revision to make current again."
)
@expected_revision_opt
@handle_errors
def restore(
    store_url: str | None,
    theatre_id: str | None,
    data_dir: Path | None,
    day,
    revision: int,
    expected_revisions: dict,
) -> None:
    """Make an old revision of a date current again (recorded as a new revision).

    With --expected-revision DATE=N the restore happens only if N is still the date's current
    revision (someone else's newer save is a conflict: exit 3, nothing written).
    """
    url = _require_url(store_url)
    others = sorted(str(d) for d in expected_revisions if d != day)
    if others:
        raise InputError(
            f"--expected-revision names {', '.join(others)}, but this restore is of {day}; "
            f"give --expected-revision {day}=N"
        )
    with PostGISHistory.load(url, theatre_id, data_dir, validate=False) as history:
        new = history.restore(day, revision, expected_revision=expected_revisions.get(day))
    click.echo(f"{day}: revision {revision} restored as revision {new}")


@store.command("grant")
@store_opt
@click.option("--role", required=True, help="Database role (user or group) to give access to.")
@click.option("--read-only", is_flag=True, help="Reading only (no edits).")
@handle_errors
def grant(store_url: str | None, role: str, read_only: bool) -> None:
    """Give a database role editor (or reader) rights on the store.

    Editors write control_areas (in QGIS or with frontline), places and observations; the
    revision tables stay append-only for them and every revision records the database user
    who wrote it. Readers only read (--read-only also takes an editor's rights back). Roles
    without a grant cannot read the store at all.
    """
    url = _require_url(store_url)
    grant_role(url, role, read_only)
    click.echo(f"{role}: {'reader' if read_only else 'editor'} of the store")
