"""``frontline diff``: what changed between two dates.

``frontline timeline`` and ``frontline frontlines`` live in :mod:`frontline.cli.timeline`;
this module imports only what a diff needs (no renderer, no period tables).
"""

from __future__ import annotations

import click

from frontline.backends import open_history
from frontline.cli.options import (
    data_opt,
    handle_errors,
    overwrite_opt,
    parse_date_value,
    refuse_existing,
    store_opt,
    theatre_opt,
)
from frontline.cli.output import csv_text, emit, out_opt
from frontline.diff import changes_between, diff_dates
from frontline.gazetteer import Gazetteer
from frontline.placepoints import PlacePoints
from frontline.topology import DEFAULT_TOLERANCE_KM

_TABLES = ("changes", "summary", "places", "frontlines", "linkups")


@click.command("diff")
@click.argument("date_a", metavar="A", callback=parse_date_value)
@click.argument("date_b", metavar="B", callback=parse_date_value)
@theatre_opt
@data_opt
@store_opt
@click.option(
    "--format", "fmt", type=click.Choice(["md", "csv", "json", "geojson"]), default="md",
    show_default=True,
    help="md: a situation report; csv: one table (--table); json: everything; "
    "geojson: changes, fronts, link-ups.",
)  # fmt: skip
@click.option(
    "--table",
    type=click.Choice(_TABLES),
    default="changes",
    show_default=True,
    help="Table written by --format csv.",
)
@click.option(
    "--min-area",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Drop changed pieces smaller than this (km²).",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0),
    default=DEFAULT_TOLERANCE_KM,
    show_default=True,
    help="Front-line/contact tolerance (km).",
)
@click.option(
    "--no-gazetteer",
    is_flag=True,
    help="Give locations as coordinates (skip place names and places changed).",
)
@out_opt
@overwrite_opt
@handle_errors
def diff(
    date_a,
    date_b,
    theatre_id,
    data_dir,
    store_url: str | None,
    fmt,
    table,
    min_area,
    tolerance,
    no_gazetteer,
    out,
    overwrite,
) -> None:
    """Show what changed between dates A and B (YYYY-MM-DD, each taken as of that date).

    \b
    Examples:
      frontline diff 2017-05-29 2017-06-09
      frontline diff 2017-05-29 2017-06-09 --format geojson --out june.geojson
      frontline diff 2017-10-17 2017-11-19 --format csv --table summary
    """  # noqa: D301 - click's \b keeps the examples' line breaks
    refuse_existing(out, overwrite)
    history = open_history(store_url, theatre_id, data_dir)
    # front lines, link-ups and pockets, and the places that changed hands, only when the
    # output shows them; a CSV of another table needs only the gazetteer's points (words for
    # locations), read from their compact cache
    needs_topology = fmt != "csv" or table in ("frontlines", "linkups")
    needs_places = fmt != "csv" or table == "places"
    gaz: Gazetteer | PlacePoints | None = None
    if not no_gazetteer:
        loader = Gazetteer.load if needs_places else PlacePoints.load
        gaz = loader(data_dir, history.theatre or history.theatre_id)
    if fmt == "csv" and table == "changes":  # the changes alone: no ChangeSet, no pandas
        rows = changes_between(history, date_a, date_b, gaz, min_area_km2=min_area)
        emit(csv_text(rows), out, overwrite)
        return
    cs = diff_dates(
        history,
        date_a,
        date_b,
        gazetteer=gaz,
        min_area_km2=min_area,
        tolerance_km=tolerance,
        topology=needs_topology,
        places=needs_places,
    )
    if fmt == "md":
        text = cs.to_markdown()
    elif fmt == "json":
        text = cs.to_json()
    elif fmt == "geojson":
        text = cs.to_geojson()
    else:
        frames = {
            "changes": lambda: cs.changes,
            "summary": lambda: cs.summary,
            "places": lambda: cs.places_changed,
            "frontlines": lambda: _both_fronts(cs),
            "linkups": lambda: cs.link_ups,
        }
        text = csv_text(frames[table]())  # only the table written
    emit(text, out, overwrite)


def _both_fronts(cs):
    import pandas as pd

    a = cs.front_lines_a.assign(date=(cs.snapshot_a or cs.date_a).isoformat())
    b = cs.front_lines_b.assign(date=(cs.snapshot_b or cs.date_b).isoformat())
    both = pd.concat([a, b], ignore_index=True)
    return both.drop(columns="geometry")[["date", "faction_a", "faction_b", "length_km"]]
