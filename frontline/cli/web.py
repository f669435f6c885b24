"""``frontline web``: write the offline web map (a static site with a date slider)."""

from __future__ import annotations

from pathlib import Path

import click

from frontline.backends import open_history
from frontline.cli.options import (
    data_opt,
    date_opt,
    echo_json,
    handle_errors,
    overwrite_opt,
    store_opt,
    theatre_opt,
)
from frontline.web import write_site


@click.command("web")
@theatre_opt
@data_opt
@store_opt
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The site folder (index.html, data/, assets/).",
)
@date_opt("--from", "start", help="First date to offer, YYYY-MM-DD (default: the first).")
@date_opt("--to", "end", help="Last date to offer, YYYY-MM-DD (default: the last).")
@click.option("--title", default=None, help="Page title (default: the theatre's map title).")
@click.option(
    "--licence",
    "licence",
    default=None,
    help="Licence of the control data, for the credits panel (default: the theatre file's "
    "'licence:').",
)
@click.option("--no-fronts", is_flag=True, default=False, help="Do not draw front lines.")
@click.option("--json", "as_json", is_flag=True, default=False, help="Print what was written.")
@overwrite_opt
@handle_errors
def web(
    theatre_id: str | None,
    data_dir: Path | None,
    store_url: str | None,
    out: Path,
    start,
    end,
    title: str | None,
    licence: str | None,
    no_fronts: bool,
    as_json: bool,
    overwrite: bool,
) -> None:
    """Write the offline web map: open OUT/index.html in a browser, no server needed.

    The site has a date slider over the snapshot dates, play/pause, a "changes since"
    comparison, popups citing the sources behind each area, place names by zoom, and a
    credits panel. Its data are script files beside the page (nothing is fetched), so the
    folder can be copied, served by any web server, or embedded in an iframe.

    \b
    Examples:
      frontline web --out out/site
      frontline web --out site --from 2017-05-01 --to 2017-07-31 --title "Summer 2017"
    """  # noqa: D301 - click's \b keeps the examples' line breaks
    history = open_history(store_url, theatre_id, data_dir)
    result = write_site(
        history,
        out,
        start=start,
        end=end,
        title=title,
        data_licence=licence,
        fronts=not no_fronts,
        overwrite=overwrite,
    )
    if as_json:
        echo_json(result.to_dict())
        return
    click.echo(
        f"wrote {result.index}: {result.dates} dates, {result.fragments} area fragments, "
        f"{result.data_bytes / 1e6:.2f} MB of data ({result.total_bytes / 1e6:.2f} MB in all)"
    )
