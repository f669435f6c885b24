"""``frontline places FILE|-``: find the places a report mentions."""

from __future__ import annotations

from pathlib import Path

import click

from frontline.cli.options import data_opt, echo_json, handle_errors, read_text_input, theatre_opt
from frontline.extract import extract_places
from frontline.gazetteer import Gazetteer
from frontline.geonames import GEONAMES_ATTRIBUTION


@click.command("places")
@click.argument("file", type=str)
@click.option("--curated-only", is_flag=True, help="Only curated places (skip GeoNames villages).")
@click.option(
    "--min-importance",
    type=click.IntRange(1, 3),
    default=None,
    help="Only places at least this important (2 towns, 3 cities).",
)
@click.option(
    "--anchors",
    is_flag=True,
    help="Also list the anchor of each relative phrase ('west of Mosul' names Mosul).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per mention).")
@click.option(
    "--geojson",
    "as_geojson",
    is_flag=True,
    help="Print a GeoJSON FeatureCollection of the mentions.",
)
@data_opt
@theatre_opt
@handle_errors
def places(
    file: str,
    curated_only: bool,
    min_importance: int | None,
    anchors: bool,
    as_json: bool,
    as_geojson: bool,
    data_dir: Path | None,
    theatre_id: str | None,
) -> None:
    """List the gazetteer places mentioned in FILE (a UTF-8 text; '-' reads stdin).

    Relative phrases ("12 km north of At Tanf", "west of Mosul", "near Qaim") give a
    derived point with an uncertainty radius.

    \b
    Examples:
      frontline places report.txt
      curl … | frontline places - --geojson > mentions.geojson
    """  # noqa: D301 - click's \b keeps the examples' line breaks
    if as_json and as_geojson:
        raise click.UsageError("give --json or --geojson, not both")
    text = read_text_input(file)
    g = Gazetteer.load(data_dir, theatre_id, bulk=not curated_only)
    mentions = extract_places(text, g, min_importance=min_importance, anchors=anchors)
    if as_geojson:
        feats = [m.__geo_interface__ for m in mentions]
        echo_json(
            {"type": "FeatureCollection", "attribution": GEONAMES_ATTRIBUTION, "features": feats}
        )
    elif as_json:
        echo_json([m.to_dict() for m in mentions])
    else:
        if not mentions:
            click.echo("no places found", err=True)
        for m in mentions:
            s, e = m.phrase
            phrase = " ".join(text[s:e].split())
            click.echo(
                f"{m.start:>6}-{m.end:<6} {phrase:<40} -> "
                f"{m.place.id} ({m.place.kind}, {m.place.country})  "
                f"{m.lat:.4f}, {m.lon:.4f} ±{m.uncertainty_km:.1f} km"
                + (f"  [{m.relation}]" if m.relation else "")
            )
