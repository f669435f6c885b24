"""Saving maps: PNG, SVG or PDF bytes written deterministically, and atomically to files.

SVG keeps text as text, uses a fixed hash salt for element ids and writes no date, PNG and
PDF carry no creation date: two renders of the same input give byte-identical files.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frontline.errors import InputError, OutputExistsError
from frontline.files import atomic_write_bytes
from frontline.render.style import map_style

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: File suffix -> matplotlib format.
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def figure_of(fig_or_ax: Any) -> Figure:
    """Return the matplotlib Figure of a Figure or Axes (TypeError for anything else)."""
    fig = getattr(fig_or_ax, "figure", None)
    if fig is not None and fig is not fig_or_ax and hasattr(fig, "savefig"):
        return fig
    if hasattr(fig_or_ax, "savefig"):
        return fig_or_ax
    raise TypeError("save_map needs a matplotlib Figure or Axes")


def figure_bytes(
    fig_or_ax: Any, fmt: str = "png", dpi: float | None = None, tight: bool = False
) -> bytes:
    """Encode the map as PNG, SVG or PDF bytes, deterministically (no dates, fixed ids).

    With *tight*, the saved area grows or shrinks to what is drawn (for plots whose legend
    sits outside the axes); maps keep their exact size.
    """
    fig = figure_of(fig_or_ax)
    buf = io.BytesIO()
    meta = {
        "png": {"Software": "frontline"},
        "svg": {"Date": None, "Creator": "frontline"},
        "pdf": {
            "CreationDate": None,
            "ModDate": None,
            "Creator": "frontline",
            "Producer": "frontline",
        },
    }[fmt]
    extra: dict[str, Any] = {"pil_kwargs": {"compress_level": 4}} if fmt == "png" else {}
    if tight:
        extra["bbox_inches"] = "tight"
    with map_style():
        fig.savefig(buf, format=fmt, dpi=dpi or fig.dpi, metadata=meta, facecolor="white", **extra)
    return buf.getvalue()


def save_map(
    fig_or_ax: Any,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    dpi: float | None = None,
    tight: bool = False,
) -> Path:
    """Write a map or a plot to PNG, SVG or PDF (chosen by the suffix), atomically.

    Parameters
    ----------
    fig_or_ax : Figure or Axes
        What :func:`frontline.render.render_map` or :func:`frontline.render.render_change`
        returned (or any matplotlib figure, e.g. a timeline plot).
    path : path-like
        ``.png``, ``.svg`` or ``.pdf``.
    overwrite : bool, default False
        Replace an existing file; otherwise :class:`OutputExistsError`.
    dpi : float, optional
        Override the figure's dpi (PNG).
    tight : bool, default False
        Crop or grow the saved area to what is drawn (plots with a legend outside the axes).

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown map format; use .png, .svg or .pdf")
    if not overwrite and path.exists():
        raise OutputExistsError(f"{path} exists; pass overwrite=True (--overwrite) to replace it")
    return atomic_write_bytes(path, figure_bytes(fig_or_ax, fmt, dpi, tight), overwrite)


def close(fig_or_ax: Any) -> None:
    """Release a map's figure (figures made here are not registered with pyplot)."""
    fig = figure_of(fig_or_ax)
    fig.clear()
