"""Writing a command's text: ``--out PATH`` (atomic) or standard output, and CSV tables."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from frontline.files import atomic_write_text

F = TypeVar("F", bound=Callable[..., Any])


def out_opt(f: F) -> F:
    """``--out PATH``: write to a file (atomically) instead of standard output."""
    return click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=(
            "Write to this file instead of standard output (refuses to replace it without "
            "--overwrite)."
        ),
    )(f)


def emit(text: str, out: Path | None, overwrite: bool) -> None:
    """Write *text* to *out* (atomically; refuses to replace without *overwrite*) or stdout."""
    if out is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    atomic_write_text(out, text, overwrite=overwrite)
    click.echo(f"wrote {out}", err=True)


def csv_text(df: Any) -> str:
    """Write a (Geo)DataFrame as CSV text; polygons and points as a representative lon/lat."""
    if "geometry" in df.columns:
        import shapely

        geoms = df.geometry.values
        df = df.drop(columns="geometry").copy()
        if len(geoms) and all(
            g is not None and g.geom_type.endswith("Polygon") or g.geom_type == "Point"
            for g in geoms
        ):
            pts = shapely.point_on_surface(geoms)
            df["lon"] = shapely.get_x(pts).round(5)
            df["lat"] = shapely.get_y(pts).round(5)
    return df.to_csv(index=False, float_format="%.3f", lineterminator="\n")
