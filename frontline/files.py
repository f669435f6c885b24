"""Writing files: all of a file or nothing, never a half-written file.

Every file frontline writes (snapshots, maps, timelapses, exports' sidecars, the gazetteer
cache) goes through :func:`atomic_write_bytes`: a temporary file in the destination's
folder, flushed and synced, then renamed or hard-linked into place, so a reader sees the old
file or the new one and an interrupted write leaves nothing behind. Outputs keep the user's
umask like any other file. Files that another library writes (GDAL writing a GeoPackage) are
written into a :class:`StagingDir` and moved into place with :func:`commit_file` /
:func:`commit_folder`. Names that become file names are checked here (:func:`check_name`,
:func:`check_inside`).

A history folder's extra guarantees (one writer at a time, a batch of files all or nothing
even across a crash) live in :mod:`frontline.folderwrite`.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from frontline.errors import (
    FrontlineError,
    InputError,
    OutputExistsError,
    OutputWriteError,
)

__all__ = [
    "StagingDir",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_free",
    "check_inside",
    "check_name",
    "commit_file",
    "commit_folder",
    "content_hash",
    "file_mode",
    "user_cache_dir",
    "write_failed",
]

_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]|\.(?!\.)){0,99}$")


def file_mode() -> int:
    """Permissions of a newly created file under the current umask (mkstemp makes 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def user_cache_dir() -> Path:
    """Return the user's cache folder for frontline (``$FRONTLINE_CACHE`` or the XDG one).

    ``$FRONTLINE_CACHE`` when set; otherwise ``$XDG_CACHE_HOME/frontline`` or
    ``~/.cache/frontline``. Caches there are never the source of truth.
    """
    env = os.environ.get("FRONTLINE_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "frontline"


def content_hash(data: bytes) -> str:
    """SHA-256 of *data* (hex): the version of a file that compare-and-set checks."""
    return hashlib.sha256(data).hexdigest()


def write_failed(dest: Path, exc: OSError) -> OutputWriteError:
    """Return the :class:`~frontline.errors.OutputWriteError` for a write to *dest* that failed.

    The message names *dest* and the operating system's reason, and says nothing was written.
    """
    reason = exc.strerror or str(exc)
    return OutputWriteError(
        exc.errno or errno.EIO,
        f"cannot write {dest}: {reason}; nothing was written. Choose a folder you can write "
        "to (a normal disk folder, not a read-only or pseudo file system)",
    )


# -- names that become file names ----------------------------------------------------------------
def check_name(value: object, what: str) -> str:
    """Return *value* when it is a plain identifier safe as a file name, else raise InputError.

    Letters, digits, ``-``, ``_`` and single dots, starting with a letter or digit, at most
    100 characters: no ``/``, no ``..``, nothing hidden.

    Examples
    --------
    >>> check_name("syria-iraq-2017", "theatre id")
    'syria-iraq-2017'
    """
    text = str(value)
    if not _NAME.match(text):
        raise InputError(
            f"{what} {text!r} is not a plain identifier; use letters, digits, '-' and '_' "
            "(it becomes a file name)"
        )
    return text


def check_inside(root: str | os.PathLike[str], path: str | os.PathLike[str], what: str) -> Path:
    """Return *path* when it lies inside *root* once ``..`` are resolved, else raise InputError.

    The check is on the names (a folder the user links elsewhere on purpose stays allowed).
    """
    base = Path(os.path.normpath(os.path.abspath(root)))
    target = Path(os.path.normpath(os.path.abspath(path)))
    if target != base and base not in target.parents:
        raise InputError(f"{what} {path} lies outside {root}; frontline writes only inside it")
    return Path(path)


# -- single files ---------------------------------------------------------------------------------
def atomic_write_bytes(
    path: str | os.PathLike[str], data: bytes, overwrite: bool = False, *, durable: bool = True
) -> Path:
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
    durable : bool, default True
        Flush the data to disk before the rename. Caches that check their entries pass
        False: the write stays all or nothing for readers, and a power cut only loses entries.

    Raises
    ------
    OutputExistsError
        (as :class:`SnapshotExistsError`'s parent) when the file exists and *overwrite* is False.
    OutputWriteError
        When the folder cannot be written (read-only, a pseudo file system, disk full).
    """
    dest = Path(path)
    if not overwrite and dest.exists():
        raise OutputExistsError(f"{dest} exists; pass --overwrite to replace it")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    except OSError as exc:
        raise write_failed(dest, exc) from None
    try:
        os.chmod(tmp, file_mode())  # mkstemp makes 0600 files; outputs are ordinary files
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, dest)
        else:
            try:
                os.link(tmp, dest)  # atomic and fails if dest appeared meanwhile
            except FileExistsError:
                raise OutputExistsError(f"{dest} exists; pass --overwrite to replace it") from None
            os.unlink(tmp)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, FrontlineError):
            raise write_failed(dest, exc) from None
        raise
    return dest


def atomic_write_text(path: str | os.PathLike[str], text: str, overwrite: bool = False) -> Path:
    r"""Write UTF-8 *text* (``\n`` line ends) atomically; see :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"), overwrite)


# -- outputs written by others (GDAL) into a staging folder, then moved into place -------------
def check_free(paths: Iterable[Path], overwrite: bool) -> None:
    """Raise OutputExistsError for the first of *paths* that exists, unless *overwrite*."""
    if overwrite:
        return
    for p in paths:
        if p.exists():
            raise OutputExistsError(f"{p} exists; pass --overwrite to replace it")


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
        raise OutputExistsError(f"{dest} exists; pass --overwrite to replace it") from None
    os.unlink(tmp)


class StagingDir:
    """A temporary folder inside the target folder; removed on exit, whatever happens.

    Writers that cannot stream into :func:`atomic_write_bytes` (GDAL writing a GeoPackage,
    a folder of layers) write into it, then :func:`commit_file` / :func:`commit_folder`
    move the finished files into place.
    """

    def __init__(self, target: Path) -> None:
        try:
            target.mkdir(parents=True, exist_ok=True)
            self.path = Path(tempfile.mkdtemp(prefix=".frontline-export-", dir=target))
        except OSError as exc:
            raise write_failed(target, exc) from None

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
