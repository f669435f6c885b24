"""``frontline export``: GeoPackage (styled for QGIS), GeoJSON, FlatGeobuf or CSV."""

from __future__ import annotations

from pathlib import Path

import click

from frontline.backends import open_history
from frontline.cli.options import (
    data_opt,
    echo_json,
    handle_errors,
    overwrite_opt,
    refuse_existing,
    store_opt,
    theatre_opt,
)
from frontline.errors import InputError
from frontline.export import EXPORTABLE as _LAYERS
from frontline.export import FORMATS as _FORMATS
from frontline.export import export as run_export
from frontline.qgis_project import export_qgs


@click.command("export")
@theatre_opt
@data_opt
@store_opt
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_FORMATS),
    default=None,
    help="gpkg: one GeoPackage with QGIS styles (default for a .gpkg --out); geojson, fgb: one "
    "file per layer in the --out folder, with .qml styles beside them; csv: tables without "
    "geometry.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="The .gpkg file, or the folder for geojson/fgb/csv.",
)
@click.option(
    "--layer",
    "layers",
    multiple=True,
    type=click.Choice(_LAYERS),
    help="Export only this layer (repeatable). Default: every layer that can be built.",
)
@click.option(
    "--qgs",
    "qgs",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --format gpkg: also write a QGIS project (.qgs) that opens the GeoPackage styled, "
    "labelled and with the Temporal Controller set up.",
)
@click.option("--no-styles", is_flag=True, default=False, help="Do not store QGIS styles.")
@click.option(
    "--json", "as_json", is_flag=True, default=False, help="Print what was written as JSON."
)
@overwrite_opt
@handle_errors
def export(
    theatre_id: str | None,
    data_dir: Path | None,
    store_url: str | None,
    fmt: str | None,
    out: Path,
    layers: tuple[str, ...],
    qgs: Path | None,
    no_styles: bool,
    as_json: bool,
    overwrite: bool,
) -> None:
    """Export the control history (and front lines, changes, link-ups, places, observations).

    \b
    Examples:
      frontline export --format gpkg --out out/frontline.gpkg --qgs out/frontline.qgs
      frontline export --format geojson --out out/geojson
      frontline export --format csv --out out/tables --overwrite
    """  # noqa: D301 - click's \b keeps the examples' line breaks
    fmt = fmt or ("gpkg" if out.suffix.lower() == ".gpkg" else None)
    if fmt is None:
        raise InputError(f"give --format ({'|'.join(_FORMATS)}) for --out {out}")
    if qgs is not None and fmt != "gpkg":
        raise InputError("--qgs needs --format gpkg (the project opens the GeoPackage)")
    refuse_existing(qgs, overwrite)
    history = open_history(store_url, theatre_id, data_dir)
    if not history.dates():
        raise InputError(
            f"the history of {history.theatre_id!r} is empty; build or import snapshots first"
        )
    kwargs: dict = {"overwrite": overwrite, "layers": list(layers) or None}
    if fmt != "csv":
        kwargs["styles"] = not no_styles
    result = run_export(history, out, format=fmt, **kwargs)
    if qgs is not None:
        export_qgs(
            result.path,
            qgs,
            registry=history.registry,
            theatre=history.theatre,
            overwrite=overwrite,
        )
        result.files.append(qgs)
    if as_json:
        echo_json(result.to_dict())
        return
    for name, count in result.layers.items():
        click.echo(f"{name}: {count} feature(s)")
    for name, why in result.skipped.items():
        click.echo(f"skipped {name}: {why}", err=True)
    for p in result.files:
        click.echo(f"wrote {p}", err=True)
