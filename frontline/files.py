"""Writing files: all of a file or nothing, never a half-written one.

Every file frontline writes (snapshots, maps, timelapses, exports' sidecars, the gazetteer
cache) goes through :func:`atomic_write_bytes`: a temporary file in the destination's
folder, flushed and synced, then renamed or hard-linked into place, so a reader sees the old
file or the new one and an interrupted write leaves nothing behind. Outputs keep the user's
umask like any other file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from frontline.errors import OutputExistsError

__all__ = ["atomic_write_bytes", "atomic_write_many", "atomic_write_text", "file_mode"]


def file_mode() -> int:
    """Permissions of a newly created file under the current umask (mkstemp makes 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, overwrite: bool = False) -> Path:
    """Write *data* to *path* atomically: all of it or nothing, never a half-written file.

    Parameters
    ----------
    path : path-like
        Destination. Its folder is created when missing.
    data : bytes
        The content.
    overwrite : bool, default False
        Replace an existing file. Without it an existing file raises and is left untouched,
        even when another process creates it at the same moment.

    Raises
    ------
    OutputExistsError
        (as :class:`SnapshotExistsError`'s parent) when the file exists and *overwrite* is False.
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not overwrite and dest.exists():
        raise OutputExistsError(f"{dest} exists; pass overwrite=True (--overwrite) to replace it")
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        os.chmod(tmp, file_mode())  # mkstemp makes 0600 files; outputs are ordinary files
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, dest)
        else:
            try:
                os.link(tmp, dest)  # atomic and fails if dest appeared meanwhile
            except FileExistsError:
                raise OutputExistsError(
                    f"{dest} exists; pass overwrite=True (--overwrite) to replace it"
                ) from None
            os.unlink(tmp)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return dest


def atomic_write_text(path: str | os.PathLike[str], text: str, overwrite: bool = False) -> Path:
    """Write UTF-8 *text* (``\\n`` line ends) atomically; see :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"), overwrite)


def atomic_write_many(
    items: list[tuple[Path, bytes]],
    overwrite: bool = False,
    exists_error: type[OutputExistsError] = OutputExistsError,
) -> list[Path]:
    """Write several files: all of them or none.

    Every file is first written to a temporary file beside its target, then renamed into
    place. If anything fails, files already renamed get their previous content back (or are
    removed) and no temporary file is left behind.

    Parameters
    ----------
    items : list of (Path, bytes)
        Destinations and their content; folders are created when missing.
    overwrite : bool, default False
        Replace existing files. Without it a file that appears while writing raises
        *exists_error* and nothing is changed.
    exists_error : type, default OutputExistsError
        The error raised for an existing file (e.g. :class:`SnapshotExistsError`).

    Returns
    -------
    list of pathlib.Path
        The files written, in the order given.
    """
    staged: list[tuple[Path, str]] = []
    done: list[tuple[Path, bytes | None]] = []
    try:
        for path, data in items:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((path, tmp))
            os.chmod(tmp, file_mode())
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        for path, tmp in staged:
            old = path.read_bytes() if path.exists() else None
            if old is not None and not overwrite:
                raise exists_error(f"{path} appeared while writing; nothing was changed")
            if overwrite:
                os.replace(tmp, path)
            else:
                try:
                    os.link(tmp, path)  # atomic; fails if the file appeared meanwhile
                except FileExistsError:
                    raise exists_error(
                        f"{path} appeared while writing; nothing was changed"
                    ) from None
                os.unlink(tmp)
            done.append((path, old))
    except BaseException:
        for path, old in reversed(done):
            if old is None:
                path.unlink(missing_ok=True)
            else:
                atomic_write_bytes(path, old, overwrite=True)
        raise
    finally:
        for _path, tmp in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return [path for path, _ in items]
