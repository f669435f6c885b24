"""``frontline geocode NAME…``: resolve place names to coordinates."""

from __future__ import annotations

from pathlib import Path

import click

from frontline.cli.options import (
    data_opt,
    echo_json,
    handle_errors,
    parse_lonlat_value,
    theatre_opt,
)
from frontline.errors import UnknownPlaceError
from frontline.gazetteer import Gazetteer
from frontline.geonames import GEONAMES_ATTRIBUTION


@click.command("geocode")
@click.argument("names", nargs=-1, required=True)
@click.option(
    "--country",
    default=None,
    help="Only places in this country (ISO2, e.g. IQ); repeatable as IQ,SY.",
)
@click.option(
    "--near",
    callback=parse_lonlat_value,
    default=None,
    help="Rank equal matches by distance from lon,lat.",
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    help="Only places of this kind (city, town, border_crossing …); repeatable.",
)
@click.option(
    "--limit",
    default=5,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Most matches per name.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Fail (exit 2) when a name is ambiguous instead of listing candidates.",
)
@click.option(
    "--curated-only", is_flag=True, help="Only the curated gazetteer (skip GeoNames places)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--geojson",
    "as_geojson",
    is_flag=True,
    help="Print a GeoJSON FeatureCollection of the matches.",
)
@data_opt
@theatre_opt
@handle_errors
def geocode(
    names: tuple[str, ...],
    country: str | None,
    near: tuple[float, float] | None,
    kinds: tuple[str, ...],
    limit: int,
    strict: bool,
    curated_only: bool,
    as_json: bool,
    as_geojson: bool,
    data_dir: Path | None,
    theatre_id: str | None,
) -> None:
    """Resolve place NAMES (any transliteration, Arabic script, or place ids) to coordinates.

    Prints the best matches per name with score (0–100) and reason (exact, alias,
    normalised, fuzzy). A name that matches nothing prints the closest names and exits
    with status 2.

    \b
    Examples:
      frontline geocode "At Tanf" Albukamal "Deir ez-Zor"
      frontline geocode Sinjar --near 41.9,36.3 --json
      frontline geocode القائم --geojson
    """  # noqa: D301 - click's \b keeps the examples' line breaks
    if as_json and as_geojson:
        raise click.UsageError("give --json or --geojson, not both")
    countries = [c.strip().upper() for c in country.split(",")] if country else None
    g = Gazetteer.load(data_dir, theatre_id, bulk=not curated_only)
    results = []
    unknown: list[tuple[str, list[str]]] = []
    for name in names:
        if strict:
            try:
                place = g.resolve(name, country=countries, near=near, kinds=kinds or None)
            except UnknownPlaceError:
                miss = _filtered_miss(g, name, country, kinds, near)
                if miss is None:
                    raise
                raise miss from None
            matches = [
                m
                for m in g.geocode(
                    name, country=countries, near=near, kinds=kinds or None, limit=limit
                )
                if m.place.id == place.id
            ]
        else:
            matches = g.geocode(
                name, country=countries, near=near, kinds=kinds or None, limit=limit
            )
        if not matches:
            unknown.append((name, g.suggest(name)))
        results.append((name, matches))

    if as_geojson:
        feats = []
        for name, matches in results:
            for rank, m in enumerate(matches, 1):
                props = {"query": name, "rank": rank, **m.to_dict()}
                props.pop("lat"), props.pop("lon")
                feats.append(
                    {
                        "type": "Feature",
                        "properties": props,
                        "geometry": {"type": "Point", "coordinates": [m.place.lon, m.place.lat]},
                    }
                )
        echo_json(
            {"type": "FeatureCollection", "attribution": GEONAMES_ATTRIBUTION, "features": feats}
        )
    elif as_json:
        by_name = dict(unknown)
        echo_json(
            [
                {
                    "query": name,
                    "matches": [m.to_dict() for m in matches],
                    **({"suggestions": by_name[name]} if name in by_name else {}),
                }
                for name, matches in results
            ]
        )
    else:
        for name, matches in results:
            if not matches:
                continue
            ambiguous = len({m.place.id for m in matches if m.score == matches[0].score}) > 1
            click.echo(
                f"{name}" + ("  (ambiguous: several places match equally)" if ambiguous else "")
            )
            for m in matches:
                p = m.place
                dist = f"  {m.distance_km:.1f} km away" if m.distance_km is not None else ""
                click.echo(
                    f"  {m.score:5.1f} {m.reason:<10} {p.id:<24} {p.name} ({p.kind}, {p.country})  "
                    f"{p.lat:.5f}, {p.lon:.5f}{dist}"
                )
    if unknown:
        name, sugg = unknown[0]
        raise _filtered_miss(g, name, country, kinds, near) or UnknownPlaceError(
            name, sugg, "Check the spelling, or add the place to gazetteer/places.csv."
        )


def _filtered_miss(g, name: str, country: str | None, kinds, near) -> UnknownPlaceError | None:
    """Return the error for a name that matches only without --country/--kind (else None)."""
    if not (country or kinds):
        return None
    elsewhere = g.geocode(name, near=near, limit=5)
    if not elsewhere:
        return None
    found = ", ".join(f"{m.place.name} ({m.place.kind}, {m.place.country})" for m in elsewhere)
    wanted = " ".join(
        f for f in (f"--country {country}" if country else "",
                    f"--kind {','.join(kinds)}" if kinds else "") if f
    )  # fmt: skip
    return UnknownPlaceError(
        name, (), f"with {wanted}; without it, it matches: {found}. Drop or change the filter."
    )
