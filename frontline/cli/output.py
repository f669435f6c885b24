"""Writing a command's text: ``--out PATH`` (atomic) or standard output, and CSV tables."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import numpy as np
import shapely

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


def csv_text(table: Any) -> str:
    """Write a table as CSV text; polygons and points as a representative lon/lat.

    *table* is a (Geo)DataFrame or plain columns (a mapping of column name to values, as
    :func:`frontline.diff.changes_between` returns: no pandas needed). Floating-point
    columns get three decimals, missing values are empty, a ``geometry`` column becomes
    ``lon`` and ``lat`` when every value is a polygon or a point.
    """
    columns = {str(c): _column(table[c]) for c in table.keys()}  # noqa: SIM118 - frames too
    geoms = columns.pop("geometry", None)
    if (
        geoms is not None
        and len(geoms)
        and all(
            g is not None and g.geom_type.endswith("Polygon") or g.geom_type == "Point"
            for g in geoms
        )
    ):
        pts = shapely.point_on_surface(geoms)
        columns["lon"] = shapely.get_x(pts).round(5)
        columns["lat"] = shapely.get_y(pts).round(5)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    cells = [_cells(v) for v in columns.values()]
    writer.writerows(zip(*cells, strict=True))
    return buf.getvalue()


def _column(values: Any) -> np.ndarray:
    """One column as a one-dimensional array (a list of lists stays one value per row)."""
    arr = values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values)
    if arr.ndim != 1:
        arr = np.empty(len(values), dtype=object)
        for i, v in enumerate(values):
            arr[i] = v
    return arr


def _cells(values: np.ndarray) -> list[str]:
    """CSV cells of one column: floats with three decimals, missing values empty."""
    if values.dtype.kind == "f":
        return ["" if v != v else f"{v:.3f}" for v in values.tolist()]
    return ["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in values]
