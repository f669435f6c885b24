"""``frontline factions add ID``: add a faction to factions.yaml (the file stays editable)."""

from __future__ import annotations

from pathlib import Path

import click

from frontline.cli.options import data_opt, handle_errors
from frontline.scaffold import add_faction


@click.group("factions")
def factions() -> None:
    """Factions: add one to <data>/factions.yaml with its side and relations."""


@factions.command("add")
@click.argument("faction_id", metavar="ID")
@click.option("--name", default=None, help="Display name (legends). Default: the id.")
@click.option("--short-name", default=None, help="Name used in sentences.")
@click.option("--alias", "aliases", multiple=True, help="Another name reports use (repeatable).")
@click.option("--colour", "--color", "colour", default=None, help="#rrggbb fill colour.")
@click.option("--side", default=None, help="The side it fights on (default: its own, = ID).")
@click.option("--side-name", default=None, help="Display name of a new side.")
@click.option(
    "--hostile-to",
    multiple=True,
    help="A faction or side this faction's side is hostile to (repeatable; '*' = all others).",
)
@click.option(
    "--allied-with", multiple=True, help="A faction or side it is allied with (repeatable)."
)
@click.option("--description", default=None, help="Free text.")
@click.option("--note", default=None, help="Why the relations hold (written with each).")
@click.option("--source", default=None, help="Who says so (written with each relation).")
@data_opt
@handle_errors
def add(
    faction_id: str,
    name: str | None,
    short_name: str | None,
    aliases: tuple[str, ...],
    colour: str | None,
    side: str | None,
    side_name: str | None,
    hostile_to: tuple[str, ...],
    allied_with: tuple[str, ...],
    description: str | None,
    note: str | None,
    source: str | None,
    data_dir: Path | None,
) -> None:
    """Append faction ID to <data>/factions.yaml (created when missing).

    Comments and order of the file are kept; an id or name already in use is refused.
    Example: frontline factions add russia --name "Russian-occupied" --colour "#D55E00"
    --hostile-to ukraine
    """
    path = add_faction(
        data_dir,
        faction_id,
        name=name,
        short_name=short_name,
        aliases=aliases,
        colour=colour,
        side=side,
        side_name=side_name,
        hostile_to=hostile_to,
        allied_with=allied_with,
        description=description,
        note=note,
        source=source,
    )
    click.echo(f"added {faction_id} to {path}")
