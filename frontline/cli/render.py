"""``frontline render`` and ``frontline animate``: publication maps and timelapses."""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import click

from frontline.backends import open_history
from frontline.cli.options import (
    bbox_opt,
    data_opt,
    date_opt,
    handle_errors,
    overwrite_opt,
    refuse_existing,
    store_opt,
    theatre_opt,
)
from frontline.errors import InputError
from frontline.render import (
    ANIMATION_OPTIONS,
    SIZES,
    MapOptions,
    close,
    render_change,
    render_map,
    save_map,
)
from frontline.render import animate as run_animation

#: The largest raster a map is drawn at: matplotlib draws the whole image in memory (RGBA).
MAX_SIDE_PX = 20000
MAX_PIXELS = 200_000_000


def parse_size_value(ctx: click.Context | None, param: click.Parameter | None, value: str | None):
    """Parse ``social``, ``a4``, ``a4-portrait`` or ``WIDTHxHEIGHT`` (pixels)."""
    if value is None:
        return "social"
    v = value.strip().lower()
    if v in SIZES:
        return v
    parts = v.replace("×", "x").split("x")
    try:
        w, h = (int(p) for p in parts)
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: use {', '.join(SIZES)} or WIDTHxHEIGHT in pixels, e.g. 1600x900",
            ctx=ctx,
            param=param,
        ) from None
    if w < 100 or h < 100:
        raise click.BadParameter(f"{value!r}: at least 100x100 pixels", ctx=ctx, param=param)
    if max(w, h) > MAX_SIDE_PX or w * h > MAX_PIXELS:
        raise click.BadParameter(
            f"{value!r}: at most {MAX_SIDE_PX} pixels a side and {MAX_PIXELS // 10**6} "
            f"megapixels in all — a {w}x{h} image needs {w * h * 4 / 1e9:.1f} GB of memory "
            "to draw (4 bytes a pixel); for print, use --size a4 with --dpi or an SVG/PDF",
            ctx=ctx,
            param=param,
        )
    return (w, h)


def _map_options(f):
    f = click.option(
        "--basemap",
        default="relief",
        show_default=True,
        help="relief, vector, none, an xyzservices tile provider (e.g. CartoDB.Positron; "
        "offline it falls back to vector), or a georeferenced raster file.",
    )(f)
    f = click.option(
        "--size",
        callback=parse_size_value,
        default="social",
        show_default=True,
        help="social (1200x675), a4, a4-portrait, or WIDTHxHEIGHT pixels.",
    )(f)
    f = click.option(
        "--dpi",
        type=click.FloatRange(30, 1200),
        default=None,
        help="Resolution (default: the size preset's).",
    )(f)
    f = click.option("--title", default=None, help="Map title (default: the theatre's map title).")(
        f
    )
    f = click.option("--no-labels", is_flag=True, default=False, help="Do not label places.")(f)
    f = click.option(
        "--arabic", is_flag=True, default=False, help="Label places in Arabic script."
    )(f)
    return f


@click.command("render")
@data_opt
@store_opt
@theatre_opt
@date_opt("--date", help="Map of this date (as of: the latest snapshot on or before it).")
@date_opt("--from", "date_from", help="Change map: from this date …")
@date_opt("--to", "date_to", help="… to this date.")
@bbox_opt
@click.option(
    "--full",
    is_flag=True,
    default=False,
    help="Change map: show the whole theatre instead of zooming to the ground that changed.",
)
@_map_options
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file: .png, .svg or .pdf.",
)
@overwrite_opt
@handle_errors
def render(
    data_dir,
    store_url,
    theatre_id,
    date,
    date_from,
    date_to,
    bbox,
    full,
    basemap,
    size,
    dpi,
    title,
    no_labels,
    arabic,
    out,
    overwrite,
) -> None:
    """Render a dated control map (--date D) or a change map (--from A --to B).

    A change map zooms to the ground that changed, with a locator map of the theatre in a
    corner, unless --bbox or --full is given.

    \b
    Examples:
      frontline render --date 2017-06-09 --out june.png
      frontline render --from 2017-05-29 --to 2017-06-09 --out change.svg
      frontline render --from 2017-10-05 --to 2017-10-17 --full --out theatre.png
      frontline render --date 2017-11-19 --size a4 --basemap vector --out a4.pdf
    """  # noqa: D301 - click's \b keeps the examples' line breaks
    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise click.BadParameter(f"{out}: use a .png, .svg or .pdf file name", param_hint="--out")
    refuse_existing(out, overwrite)
    change = date_from is not None or date_to is not None
    if change and date is not None:
        raise click.UsageError("give either --date, or --from and --to, not both")
    if change and (date_from is None or date_to is None):
        raise click.UsageError("a change map needs both --from and --to")
    history = open_history(store_url, theatre_id, data_dir)
    options = MapOptions(
        bbox=bbox,
        basemap=basemap,
        size=size,
        dpi=dpi,
        title=title,
        labels=not no_labels,
        arabic=arabic,
        full=full,
    )
    with _one_line_warnings():
        ax = _render(history, change, date, date_from, date_to, options)
    path = save_map(ax, out, overwrite=overwrite)
    close(ax)
    click.echo(f"wrote {path}")


def _render(history, change, date, date_from, date_to, options: MapOptions):
    if change:
        if date_to <= date_from:
            raise InputError(f"--to ({date_to}) must be after --from ({date_from})")
        return render_change(history, date_from, date_to, options)
    return render_map(history, date, options)


@contextlib.contextmanager
def _one_line_warnings():
    """Show library warnings (e.g. the offline tile fallback) as one line on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        yield
    for w in caught:
        click.echo(f"warning: {w.message}", err=True)


@click.command("animate")
@data_opt
@store_opt
@theatre_opt
@date_opt("--from", "date_from", help="First date (default: the first snapshot).")
@date_opt("--to", "date_to", help="Last date (default: the last snapshot).")
@bbox_opt
@_map_options
@click.option(
    "--frame-seconds",
    type=click.FloatRange(0.05, 30),
    default=1.2,
    show_default=True,
    help="How long each frame shows.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file: .gif, or .mp4 when ffmpeg is installed.",
)
@overwrite_opt
@click.option("--quiet", "-q", is_flag=True, default=False, help="No progress bar.")
@handle_errors
def animate(
    data_dir,
    store_url,
    theatre_id,
    date_from,
    date_to,
    bbox,
    basemap,
    size,
    dpi,
    title,
    no_labels,
    arabic,
    frame_seconds,
    out,
    overwrite,
    quiet,
) -> None:
    """Render a timelapse: one frame per snapshot, the date on every frame.

    \b
    Example:
      frontline animate --from 2017-04-01 --to 2017-11-19 --out 2017.gif
    """  # noqa: D301 - click's \b keeps the examples' line breaks
    if out.suffix.lower() not in (".gif", ".mp4"):
        raise click.BadParameter(f"{out}: use a .gif or .mp4 file name", param_hint="--out")
    refuse_existing(out, overwrite)
    history = open_history(store_url, theatre_id, data_dir)
    options = ANIMATION_OPTIONS.replace(
        bbox=bbox,
        basemap=basemap,
        size=size,
        dpi=dpi or ANIMATION_OPTIONS.dpi,
        title=title,
        labels=not no_labels,
        arabic=arabic,
    )
    with _one_line_warnings():
        path = _animate(history, date_from, date_to, out, overwrite, frame_seconds, quiet, options)
    click.echo(f"wrote {path}")


def _animate(history, date_from, date_to, out, overwrite, frame_seconds, quiet, options):
    """Run the timelapse, with a progress bar unless *quiet*."""
    if quiet:
        return run_animation(
            history, date_from, date_to, out, options, overwrite=overwrite,
            frame_seconds=frame_seconds,
        )  # fmt: skip
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True, redirect_stdout=False) as bar:
        task = bar.add_task("rendering frames", total=None)

        def progress(done: int, total: int, day) -> None:
            bar.update(task, completed=done, total=total, description=f"frame {day}")

        return run_animation(
            history, date_from, date_to, out, options, overwrite=overwrite,
            frame_seconds=frame_seconds, progress=progress,
        )  # fmt: skip
