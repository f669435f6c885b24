"""The ``frontline`` command line: a click group whose commands load lazily.

Each command lives in its own module in this package and calls only public library
functions. Heavy imports (geopandas, matplotlib) happen inside command bodies so that
``frontline --help`` stays fast.
"""

from __future__ import annotations

import importlib

import click

from frontline import __version__

#: command name -> "module:attribute", imported only when the command runs (or --help lists it)
COMMANDS: dict[str, tuple[str, str]] = {
    "geocode": ("frontline.cli.geocode:geocode", "Resolve place names to coordinates."),
    "places": ("frontline.cli.places:places", "Find the places a report mentions."),
    "observe": (
        "frontline.cli.observe:observe",
        "Propose dated, sourced observations from news reports.",
    ),
    "control": (
        "frontline.cli.control:control",
        "List, show, validate, build and import control snapshots.",
    ),
    "diff": ("frontline.cli.diff:diff", "What changed between two dates."),
    "timeline": ("frontline.cli.timeline:timeline", "Area per faction over the whole history."),
    "frontlines": (
        "frontline.cli.timeline:frontlines",
        "Front lines between hostile factions on a date.",
    ),
    "render": ("frontline.cli.render:render", "Render a dated map or a change map (PNG/SVG)."),
    "animate": ("frontline.cli.render:animate", "Render a timelapse (GIF/MP4)."),
    "export": ("frontline.cli.export:export", "Export to GeoPackage, GeoJSON, FlatGeobuf or CSV."),
    "web": (
        "frontline.cli.web:web",
        "Write the offline web map (a static site with a date slider).",
    ),
    "theatre": (
        "frontline.cli.theatre:theatre",
        "Write a new theatre file (countries, extent, period, fill).",
    ),
    "factions": (
        "frontline.cli.factions:factions",
        "Add a faction (side, colour, relations) to factions.yaml.",
    ),
    "store": (
        "frontline.cli.store:store",
        "Shared stores: init a PostGIS store, push and pull history.",
    ),
}


class LazyGroup(click.Group):
    """A click group that imports a command's module only when that command is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Name the commands, sorted."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import the module of command *cmd_name* and return the command (None if unknown)."""
        if cmd_name not in COMMANDS:
            return None
        module_name, attr = COMMANDS[cmd_name][0].split(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands from the table, without importing their modules."""
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="frontline")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Data directory for every command (same as the command's own --data).",
)
@click.option("--theatre", "theatre_id", default=None, help="Theatre id for every command.")
@click.option("--store", "store_url", default=None, help="History store for every command.")
def cli(data_dir: str | None, theatre_id: str | None, store_url: str | None) -> None:
    """frontline: who controls what ground, day by day.

    Gazetteer and geocoding, control history, change diffs, front lines and link-ups,
    publication maps, QGIS exports. Every command takes --data DIR (default: ./geodata
    when present, else the shipped sample data).
    """


def main() -> None:
    """Run the command line (the ``frontline`` console script)."""
    cli(prog_name="frontline")
