"""``frontline theatre init ID``: write a new theatre file instead of hand-written YAML."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import click

from frontline.cli.options import data_opt, handle_errors, overwrite_opt, parse_bbox_value
from frontline.dates import parse_date
from frontline.errors import InvalidDateError
from frontline.factions import FactionRegistry
from frontline.scaffold import init_theatre


def parse_countries_value(
    ctx: click.Context | None, param: click.Parameter | None, value: str | None
) -> list[str]:
    """Parse ``UA`` or ``SY,IQ`` into ISO2 codes (exit 2 on anything else)."""
    codes = [c.strip().upper() for c in (value or "").replace(" ", ",").split(",") if c.strip()]
    bad = [c for c in codes if not (len(c) == 2 and c.isalpha())]
    if not codes or bad:
        raise click.BadParameter(
            f"ISO 3166 alpha-2 codes separated by commas, e.g. UA or SY,IQ (not {value!r})",
            ctx=ctx,
            param=param,
        )
    return codes


def parse_period_value(
    ctx: click.Context | None, param: click.Parameter | None, value: str | None
) -> tuple[_dt.date, _dt.date] | None:
    """Parse ``START:END`` (ISO dates) into a pair of dates."""
    if value is None:
        return None
    parts = value.split(":")
    try:
        if len(parts) != 2:
            raise InvalidDateError("")
        first, last = parse_date(parts[0].strip()), parse_date(parts[1].strip())
    except InvalidDateError:
        raise click.BadParameter(
            f"START:END with ISO dates, e.g. 2024-07-08:2026-08-22 (not {value!r})",
            ctx=ctx,
            param=param,
        ) from None
    if first > last:
        raise click.BadParameter(f"{value}: the period ends before it starts", ctx=ctx, param=param)
    return first, last


@click.group("theatre")
def theatre() -> None:
    """Theatres: write a new theatre file (countries, extent, period, fill policy)."""


@theatre.command("init")
@click.argument("theatre_id", metavar="ID")
@click.option(
    "--countries",
    required=True,
    callback=parse_countries_value,
    help="ISO2 codes of the countries whose land the theatre covers, e.g. UA or SY,IQ.",
)
@click.option(
    "--extent",
    callback=parse_bbox_value,
    default=None,
    help="minlon,minlat,maxlon,maxlat (default: the countries' land, Natural Earth 10 m).",
)
@click.option("--period", callback=parse_period_value, default=None, help="START:END, ISO dates.")
@click.option("--name", default=None, help="Display name (default: the id).")
@click.option("--description", default=None, help="One paragraph about the theatre.")
@click.option(
    "--fill",
    default=None,
    help="Fill policy: nearest (default), radius, or complement:FACTION (one-sided series).",
)
@data_opt
@overwrite_opt
@handle_errors
def init(
    theatre_id: str,
    countries: list[str],
    extent: tuple[float, float, float, float] | None,
    period: tuple[_dt.date, _dt.date] | None,
    name: str | None,
    description: str | None,
    fill: str | None,
    data_dir: Path | None,
    overwrite: bool,
) -> None:
    """Write <data>/theatres/ID.yaml (refuses to replace one without --overwrite).

    Example: frontline theatre init ukraine --countries UA --period 2024-07-08:2026-08-22
    --fill complement:ukraine
    """
    path = init_theatre(
        theatre_id,
        countries,
        data_dir,
        extent=extent,
        period=period,
        name=name,
        fill=fill,
        description=description,
        overwrite=overwrite,
    )
    click.echo(f"wrote {path}")
    if fill and fill.startswith("complement:"):
        faction = fill.split(":", 1)[1]
        reg_path = path.parent.parent / "factions.yaml"
        known = reg_path.is_file() and faction in FactionRegistry.load(path.parent.parent)
        if not known:
            click.echo(
                f"note: add the faction {faction!r} before importing: "
                f"frontline factions add {faction} --name …"
            )
