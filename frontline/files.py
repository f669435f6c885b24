"""Writing files: all of a file or nothing, never a half-written one.

Every file frontline writes (snapshots, maps, timelapses, exports' sidecars, the gazetteer
cache) goes through :func:`atomic_write_bytes`: a temporary file in the destination's
folder, flushed and synced, then renamed or hard-linked into place, so a reader sees the old
file or the new one and an interrupted write leaves nothing behind. Outputs keep the user's
umask like any other file. Files that another library writes (GDAL writing a GeoPackage) are
written into a :class:`StagingDir` and moved into place with :func:`commit_file` /
:func:`commit_folder`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from frontline.errors import OutputExistsError

__all__ = [
    "StagingDir",
    "atomic_write_bytes",
    "atomic_write_many",
    "atomic_write_text",
    "check_free",
    "commit_file",
    "commit_folder",
    "file_mode",
]


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
    r"""Write UTF-8 *text* (``\n`` line ends) atomically; see :func:`atomic_write_bytes`."""
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


# -- outputs written by others (GDAL) into a staging folder, then moved into place -------------
def check_free(paths: Iterable[Path], overwrite: bool) -> None:
    """Raise OutputExistsError for the first of *paths* that exists, unless *overwrite*."""
    if overwrite:
        return
    for p in paths:
        if p.exists():
            raise OutputExistsError(f"{p} exists; pass overwrite=True (--overwrite) to replace it")


def commit_file(tmp: Path, dest: Path, overwrite: bool) -> None:
    """Move a finished file *tmp* to *dest* atomically.

    Without *overwrite* a hard link puts it in place, which fails when *dest* exists (even
    when another process created it a moment ago); with *overwrite* a rename replaces *dest*.
    """
    if overwrite:
        os.replace(tmp, dest)
        return
    try:
        os.link(tmp, dest)  # atomic, and fails if dest appeared meanwhile
    except FileExistsError:
        raise OutputExistsError(
            f"{dest} exists; pass overwrite=True (--overwrite) to replace it"
        ) from None
    os.unlink(tmp)


class StagingDir:
    """A temporary folder inside the target folder; removed on exit, whatever happens.

    Writers that cannot stream into :func:`atomic_write_bytes` (GDAL writing a GeoPackage,
    a folder of layers) write into it, then :func:`commit_file` / :func:`commit_folder`
    move the finished files into place.
    """

    def __init__(self, target: Path) -> None:
        target.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=".frontline-export-", dir=target))

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def commit_folder(staging: Path, folder: Path, names: Sequence[str], overwrite: bool) -> list[Path]:
    """Move the files *names* from *staging* into *folder* (see :func:`commit_file`)."""
    check_free([folder / n for n in names], overwrite)
    out = []
    for n in names:
        commit_file(staging / n, folder / n, overwrite)
        out.append(folder / n)
    return out
