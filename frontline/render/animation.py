"""Timelapses: one dated map per snapshot between two dates, as a GIF (or an MP4 with ffmpeg)."""

from __future__ import annotations

import datetime as _dt
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frontline.dates import latest_on_or_before, parse_date
from frontline.errors import InputError, OutputExistsError
from frontline.files import atomic_write_bytes
from frontline.render.maps import draw_map
from frontline.render.options import MapOptions, map_options
from frontline.render.output import close, figure_bytes
from frontline.render.scene import load_gazetteer, load_scene

if TYPE_CHECKING:
    from frontline.factions import FactionRegistry
    from frontline.theatre import Theatre

#: Called as ``progress(done, total, date)`` after each frame.
ProgressCallback = Callable[[int, int, _dt.date], None]
#: What a timelapse frame looks like unless told otherwise (small files: 100 dpi).
ANIMATION_OPTIONS = MapOptions(dpi=100)


def animate(
    history: Any,
    date_a: _dt.date | str | None,
    date_b: _dt.date | str | None,
    out: str | os.PathLike[str],
    options: MapOptions | None = None,
    *,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    frame_seconds: float = 1.2,
    hold_last: float = 2.5,
    registry: FactionRegistry | None = None,
    gazetteer: Any = None,
    theatre: Theatre | None = None,
    **overrides: Any,
) -> Path:
    """Write a timelapse: one frame per snapshot between two dates, the date on every frame.

    Parameters
    ----------
    history : ControlHistory
    date_a, date_b : date or str, optional
        First and last dates (default: the whole history). The snapshot in force on
        *date_a* is the first frame.
    out : path-like
        ``.gif`` (Pillow) or ``.mp4`` (needs ``ffmpeg`` on PATH).
    options : MapOptions, optional
        How each frame is drawn (default :data:`ANIMATION_OPTIONS`: 100 dpi); frames always
        carry the date stamp.
    overwrite : bool, default False
    progress : callable, optional
        Called as ``progress(done, total, date)`` after each frame.
    frame_seconds, hold_last : float
        How long each frame shows, and the last one.
    registry, gazetteer, theatre : optional
        As in :func:`frontline.render.maps.render_map`; the gazetteer is loaded once.
    **overrides
        Any :class:`MapOptions` field (``size``, ``dpi``, ``labels``, ``basemap``, ``bbox`` …).

    Returns
    -------
    pathlib.Path
    """
    from PIL import Image

    opts = map_options(options if options is not None else ANIMATION_OPTIONS, **overrides)
    opts = opts.replace(date_stamp=True)
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise InputError(f"{out}: a timelapse is .gif or .mp4")
    if suffix == ".mp4" and shutil.which("ffmpeg") is None:
        raise InputError("MP4 needs ffmpeg on PATH (apt-get install ffmpeg); write a .gif instead")
    if not overwrite and out.exists():
        raise OutputExistsError(f"{out} exists; pass --overwrite to replace it")
    all_dates = history.dates()
    if not all_dates:
        raise InputError("the history is empty: build or import snapshots first")
    first = parse_date(date_a) if date_a is not None else all_dates[0]
    last = parse_date(date_b) if date_b is not None else all_dates[-1]
    if last < first:
        raise InputError(f"the last date ({last}) is before the first ({first})")
    start = latest_on_or_before(all_dates, first)
    dates = ([start] if start is not None else []) + [d for d in all_dates if first < d <= last]
    if not dates:
        raise InputError(f"no snapshot between {first} and {last}")
    # the places frame is loaded once, not per frame
    if gazetteer is None and opts.labels:
        obj, frame = load_gazetteer(None, getattr(history, "theatre", None))
        gazetteer = obj if obj is not None else (frame if frame is not None else False)
    frames = []
    for i, day in enumerate(dates):
        shown = max(day, first)
        scene = load_scene(
            history,
            shown,
            registry=registry,
            gazetteer=gazetteer,
            theatre=theatre,
            labels=opts.labels,
        )
        ax = draw_map(scene, opts)
        png = figure_bytes(ax, "png")
        close(ax)
        frames.append(Image.open(io.BytesIO(png)).convert("RGB"))
        if progress is not None:
            progress(i + 1, len(dates), day)
    data = (
        encode_gif(frames, frame_seconds, hold_last)
        if suffix == ".gif"
        else encode_mp4(frames, frame_seconds, hold_last)
    )
    return atomic_write_bytes(out, data, overwrite)


def encode_gif(frames: list, frame_seconds: float, hold_last: float) -> bytes:
    """Frames (PIL images) as an animated GIF that loops, the last one held *hold_last* seconds."""
    pal = [f.quantize(colors=255, method=2, dither=0) for f in frames]
    durations = [int(frame_seconds * 1000)] * len(pal)
    durations[-1] = int(hold_last * 1000)
    buf = io.BytesIO()
    pal[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=pal[1:],
        duration=durations,
        loop=0,
        optimize=False,
    )
    return buf.getvalue()


def encode_mp4(
    frames: list, frame_seconds: float, hold_last: float
) -> bytes:  # pragma: no cover - needs ffmpeg
    """Frames (PIL images) as an H.264 MP4 at 10 fps, through ffmpeg."""
    fps = 10
    with tempfile.TemporaryDirectory() as tmp:
        n = 0
        for i, f in enumerate(frames):
            reps = max(1, int(round((hold_last if i == len(frames) - 1 else frame_seconds) * fps)))
            w, h = f.size
            f = f.crop((0, 0, w - w % 2, h - h % 2))
            for _ in range(reps):
                f.save(Path(tmp) / f"f{n:05d}.png")
                n += 1
        out = Path(tmp) / "out.mp4"
        subprocess.run(
            [
                "ffmpeg",
                "-loglevel",
                "error",
                "-y",
                "-framerate",
                str(fps),
                "-i",
                str(Path(tmp) / "f%05d.png"),
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                str(out),
            ],
            check=True,
        )
        return out.read_bytes()
