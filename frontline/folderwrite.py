"""Writing a history folder: one writer at a time, a batch of files all or nothing.

A history folder has two guarantees beyond :func:`frontline.files.atomic_write_bytes`:

* **one writer at a time** -- :class:`FolderLock` is an exclusive ``flock`` on
  ``<folder>/.frontline.lock`` (which names its holder while held, and is empty otherwise);
  the operating system releases it when its holder exits or dies,
  a waiter gives up after a timeout (``FRONTLINE_LOCK_TIMEOUT`` seconds, default 30) with a
  message naming the holder (:class:`~frontline.errors.LockTimeoutError`).
* **a batch of files is all or nothing, even when the writer is killed** --
  :func:`atomic_write_many` stages every file, records the batch in
  ``<folder>/.frontline-journal.json``, renames, then removes the journal. A reader that finds
  a journal refuses (:func:`check_no_unfinished_batch`); the next writer, or
  :func:`recover_folder` (``frontline control validate --repair``), finishes the batch.

Locks need a local file system: on network or synced folders (NFS, SMB, Dropbox …) ``flock``
may not exclude other machines.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import getpass
import json
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from frontline.errors import (
    ConflictError,
    FrontlineError,
    InputError,
    LockTimeoutError,
    OutputExistsError,
    OutputWriteError,
    UnfinishedWriteError,
)
from frontline.files import atomic_write_bytes, content_hash, file_mode, write_failed

__all__ = [
    "JOURNAL_NAME",
    "LOCK_NAME",
    "FolderLock",
    "LockHolder",
    "atomic_write_many",
    "check_no_unfinished_batch",
    "leftovers",
    "lock_holder",
    "lock_timeout",
    "recover_folder",
]

#: The lock file of a folder (kept; its content names the last holder).
LOCK_NAME = ".frontline.lock"
#: The journal of a batch of files being renamed into place.
JOURNAL_NAME = ".frontline-journal.json"
#: Written beside the lock so git never sees the lock, the journal or itself.
_GITIGNORE = (
    "# frontline's lock, write journal and caches (see README: Guarantees); never commit them\n"
    f"{LOCK_NAME}\n{JOURNAL_NAME}\n.frontline-*.json\n.*.tmp\n.*.bak\n.gitignore\n"
)
_DEFAULT_TIMEOUT = 30.0


def _file_hash(path: Path) -> str | None:
    try:
        return content_hash(path.read_bytes())
    except FileNotFoundError:
        return None


# -- the inter-process lock of a folder ----------------------------------------------------------
def lock_timeout(value: float | None = None) -> float:
    """Seconds a writer waits for a lock: *value*, else ``$FRONTLINE_LOCK_TIMEOUT``, else 30."""
    if value is not None:
        return float(value)
    env = os.environ.get("FRONTLINE_LOCK_TIMEOUT", "").strip()
    if not env:
        return _DEFAULT_TIMEOUT
    try:
        seconds = float(env)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise InputError(f"FRONTLINE_LOCK_TIMEOUT={env!r} is not a number of seconds >= 0, e.g. 30")
    return seconds


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or last held) a folder's lock, as written into the lock file."""

    pid: int
    user: str
    host: str
    command: str
    since: str

    def __str__(self) -> str:
        return f"{self.user}@{self.host} (pid {self.pid}, {self.command}) since {self.since}"


def _me() -> dict[str, object]:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in the environment
        user = str(os.getuid())
    argv = [Path(sys.argv[0]).name, *sys.argv[1:4]] if sys.argv and sys.argv[0] else ["python"]
    return {
        "pid": os.getpid(),
        "user": user,
        "host": socket.gethostname(),
        "command": " ".join(argv)[:120],
        "since": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def _read_holder(path: Path) -> LockHolder | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8") or "{}")
        return LockHolder(
            int(raw["pid"]), str(raw["user"]), str(raw["host"]), str(raw["command"]),
            str(raw["since"]),
        )  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError):
        return None


_HELD = threading.local()


def _held() -> dict[str, list]:
    """Return the locks this thread holds: realpath -> [fd, depth]."""
    if not hasattr(_HELD, "locks"):
        _HELD.locks = {}
    return _HELD.locks


class FolderLock:
    """An exclusive inter-process lock on a folder: ``flock`` on ``<folder>/.frontline.lock``.

    Re-entrant within a thread. The operating system releases it when the holder exits or
    dies, so a crashed writer never leaves a stale lock. Waiting longer than *timeout* seconds
    raises :class:`~frontline.errors.LockTimeoutError` (exit code 3) naming the holder. The
    lock file names its holder and exists only while the lock is held (the holder removes it
    before letting go; a waiter that locked a removed file tries again).

    Parameters
    ----------
    folder : path-like
        The folder (created when missing).
    timeout : float, optional
        Seconds to wait (default :func:`lock_timeout`).
    gitignore : bool, default False
        Write ``<folder>/.gitignore`` naming the lock and the journal (a history folder under
        git), unless the folder has one.

    Examples
    --------
    >>> with FolderLock(folder):  # doctest: +SKIP
    ...     ...  # read, compare, write
    """

    def __init__(
        self, folder: str | os.PathLike[str], timeout: float | None = None, gitignore: bool = False
    ) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self.timeout = lock_timeout(timeout)
        self.gitignore = gitignore

    def _key(self) -> str:
        return os.path.realpath(self.folder)

    def __enter__(self) -> FolderLock:
        key = self._key()
        held = _held()
        if key in held:
            held[key][1] += 1
            return self
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_failed(self.folder, exc) from None
        deadline = time.monotonic() + self.timeout
        delay = 0.02
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, file_mode())
            except OSError as exc:
                raise write_failed(self.path, exc) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    holder = _read_holder(self.path)
                    who = f" by {holder}" if holder else " by another process"
                    raise LockTimeoutError(
                        f"{self.folder} is being written{who}; try again when it has "
                        f"finished (waited {self.timeout:g} s; FRONTLINE_LOCK_TIMEOUT sets the "
                        "wait). Nothing was written"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.25)
                continue
            if _same_file(fd, self.path):
                break
            os.close(fd)  # its holder removed it while we waited: lock the new one
        data = json.dumps(_me()).encode("utf-8")
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        held[key] = [fd, 1]
        if self.gitignore:
            _ignore_in_git(self.folder)
        return self

    def __exit__(self, *exc: object) -> None:
        held = _held()
        entry = held[self._key()]
        entry[1] -= 1
        if entry[1] == 0:
            del held[self._key()]
            try:
                self.path.unlink()  # still holding it: nobody else can have it now
            except OSError:
                pass
            fcntl.flock(entry[0], fcntl.LOCK_UN)
            os.close(entry[0])

    @property
    def held(self) -> bool:
        """Whether this thread holds the lock."""
        return self._key() in _held()


def _same_file(fd: int, path: Path) -> bool:
    """Whether the open file *fd* is still the file at *path* (not removed or replaced)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def _ignore_in_git(folder: Path) -> None:
    """Write ``<folder>/.gitignore`` naming the lock, journal and caches, unless one exists."""
    target = folder / ".gitignore"
    if target.exists():
        return
    try:
        atomic_write_bytes(target, _GITIGNORE.encode("utf-8"))
    except (OutputExistsError, OutputWriteError):
        pass  # another writer made it, or the folder is read-only (the lock then fails anyway)


def lock_holder(folder: str | os.PathLike[str]) -> LockHolder | None:
    """Who holds the lock of *folder* right now (None when nobody does). Never writes."""
    path = Path(folder) / LOCK_NAME
    if FolderLock(folder, 0).held:
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_holder(path)
        return holder or LockHolder(0, "?", "?", "another process", "?")
    finally:
        os.close(fd)  # closing releases a shared lock we got
    return None


# -- a batch of files, journaled -----------------------------------------------------------------
def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder
    finally:
        os.close(fd)


def _read_journal(folder: Path) -> dict | None:
    path = folder / JOURNAL_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"files": [], "broken": True}
    return raw if isinstance(raw, dict) else {"files": [], "broken": True}


def _describe_journal(journal: Mapping) -> str:
    n = len(journal.get("files", ()))
    by = journal.get("writer") or {}
    who = f" by {by.get('user', '?')}@{by.get('host', '?')} (pid {by.get('pid', '?')}"
    who += f", {by.get('command', '?')}) at {by.get('since', '?')}" if by else ""
    return f"a write of {n} file(s){who if by else ''}"


def check_no_unfinished_batch(folder: str | os.PathLike[str]) -> None:
    """Refuse to read a folder whose last batch write was interrupted. Never writes.

    Raises
    ------
    LockTimeoutError
        When a live writer is renaming its batch right now (try again in a moment).
    UnfinishedWriteError
        When a writer died in the middle of a batch: the folder mixes old and new files until
        the next write or ``frontline control validate --repair`` finishes it.
    """
    folder = Path(folder)
    if not (folder / JOURNAL_NAME).is_file() or FolderLock(folder, 0).held:
        return
    deadline = time.monotonic() + min(lock_timeout(), 5.0)
    while (folder / JOURNAL_NAME).is_file():
        holder = lock_holder(folder)
        if holder is None:
            journal = _read_journal(folder) or {}
            raise UnfinishedWriteError(
                f"{folder}: {_describe_journal(journal)} was interrupted, so the folder mixes "
                "old and new files; nothing was read. Run `frontline control validate --repair` "
                "(or any write to this history) to finish it"
            )
        if time.monotonic() >= deadline:
            raise LockTimeoutError(
                f"{folder} is being written by {holder}; try again when it has finished"
            )
        time.sleep(0.05)


def recover_folder(folder: str | os.PathLike[str], timeout: float | None = None) -> list[str]:
    """Finish (or roll back) an interrupted batch and remove leftover temporary files.

    Takes the folder's lock. A batch whose files were all staged is finished (the new
    files renamed into place); one that cannot be finished is rolled back from its backups.

    Returns
    -------
    list of str
        What was done, one sentence per action (empty when there was nothing to do).
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    with FolderLock(folder, timeout):
        done = _recover(folder)
        for path in leftovers(folder):
            if path.name != JOURNAL_NAME:
                path.unlink(missing_ok=True)
                done.append(f"removed {path.name}, left by an interrupted write")
        return done


def leftovers(folder: str | os.PathLike[str], *, all_files: bool = False) -> list[Path]:
    """Files an interrupted write left in *folder*: its journal and stray temporary files.

    Staged and backup files that the journal lists belong to it and are left out, unless
    *all_files*.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    journal = _read_journal(folder) or {}
    listed = {
        Path(str(it.get(k))).name for it in journal.get("files", []) for k in ("staged", "backup")
    }
    found = []
    for p in sorted(folder.iterdir()):
        if p.name == JOURNAL_NAME or (
            p.name.startswith(".")
            and p.name.endswith((".tmp", ".bak"))
            and p.is_file()
            and (all_files or p.name not in listed)
        ):
            found.append(p)
    return found


def _recover(folder: Path) -> list[str]:
    """Finish or roll back the journaled batch of *folder* (the caller holds the lock)."""
    journal = _read_journal(folder)
    if journal is None:
        return []
    items = journal.get("files", [])
    what = _describe_journal(journal)
    finishable = not journal.get("broken") and all(
        (folder / it["staged"]).is_file() or _file_hash(folder / it["target"]) == it["sha256"]
        for it in items
    )
    if finishable:
        for it in items:
            staged = folder / it["staged"]
            if staged.is_file():
                os.replace(staged, folder / it["target"])
        verb = "finished"
    else:
        for it in items:
            target, backup = folder / it["target"], it.get("backup")
            if backup and (folder / backup).is_file():
                os.replace(folder / backup, target)
            elif not it.get("existed") and _file_hash(target) == it.get("sha256"):
                target.unlink()
        verb = "rolled back"
    _fsync_dir(folder)
    for it in items:
        for key in ("staged", "backup"):
            if it.get(key):
                (folder / it[key]).unlink(missing_ok=True)
    (folder / JOURNAL_NAME).unlink(missing_ok=True)
    _fsync_dir(folder)
    return [f"{verb} {what} that was interrupted"]


def atomic_write_many(
    items: list[tuple[Path, bytes]],
    overwrite: bool = False,
    exists_error: type[FrontlineError] = OutputExistsError,
    *,
    expected: Mapping[Path, str | None] | None = None,
    timeout: float | None = None,
    gitignore: bool = False,
) -> list[Path]:
    """Write several files: all of them or none, even if the process is killed.

    Under the lock (:class:`FolderLock`) of the folder that holds them all (their common
    parent, where the journal goes): an earlier interrupted batch is finished first; every
    file is written to a temporary file beside its target and synced; the batch is recorded
    in ``.frontline-journal.json``; the files are renamed into place; the journal is removed.
    If anything fails, files already renamed get their previous content back. If the process
    dies between the renames, the journal lets readers refuse the mixed folder and the next
    writer (or :func:`recover_folder`) finish the batch.

    Parameters
    ----------
    items : list of (Path, bytes)
        Destinations (folders are created when missing) and their content.
    overwrite : bool, default False
        Replace existing files. Without it a file that exists raises *exists_error* and
        nothing is changed.
    exists_error : type, default OutputExistsError
        The error raised for an existing file (e.g. :class:`ConflictError`).
    expected : mapping of Path to str or None, optional
        Compare-and-set: the :func:`content_hash` each file must still have (None: must not
        exist), checked under the lock. A file that changed raises :class:`ConflictError`.
    timeout : float, optional
        Seconds to wait for the lock (default :func:`lock_timeout`).
    gitignore : bool, default False
        Make git ignore the lock and the journal (see :class:`FolderLock`).

    Returns
    -------
    list of pathlib.Path
        The files written, in the order given.
    """
    if not items:
        return []
    folder = Path(os.path.commonpath([os.path.abspath(Path(p).parent) for p, _ in items]))
    try:
        for parent in sorted({Path(p).parent for p, _ in items}):
            parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_failed(folder, exc) from None
    with FolderLock(folder, timeout, gitignore):
        _recover(folder)
        for path, want in (expected or {}).items():
            have = _file_hash(Path(path))
            if have != want:
                raise ConflictError(_changed_message(Path(path), want, have))
        return _write_batch(folder, items, overwrite, exists_error)


def _changed_message(path: Path, want: str | None, have: str | None) -> str:
    what = "was created" if want is None else "was deleted" if have is None else "changed"
    return (
        f"{path} {what} by another writer since this command read it; nothing was written "
        "(safe to retry: run the command again to work on the new state)"
    )


def _write_batch(
    folder: Path,
    items: list[tuple[Path, bytes]],
    overwrite: bool,
    exists_error: type[FrontlineError],
) -> list[Path]:
    entries: list[dict[str, object]] = []
    journal_written = False
    renamed = 0
    try:
        for path, data in items:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            entry: dict[str, object] = {
                "target": _rel(path, folder), "staged": _rel(Path(tmp), folder), "backup": None,
                "existed": path.exists(), "sha256": content_hash(data),
            }  # fmt: skip
            entries.append(entry)
            os.chmod(tmp, file_mode())
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if entry["existed"]:
                if not overwrite:
                    raise exists_error(
                        f"{path} exists; nothing was written (pass --overwrite to replace it)"
                    )
                backup = f"{str(entry['staged'])[: -len('.tmp')]}.bak"
                os.link(path, folder / backup)  # the old file, for a roll back
                entry["backup"] = backup
        record = {"frontline_journal": 1, "writer": _me(), "files": entries}
        atomic_write_bytes(folder / JOURNAL_NAME, json.dumps(record, indent=1).encode("utf-8"))
        journal_written = True
        _fsync_dir(folder)
        for (path, _data), entry in zip(items, entries, strict=True):
            os.replace(folder / str(entry["staged"]), path)
            renamed += 1
        _fsync_dir(folder)
        (folder / JOURNAL_NAME).unlink()
        journal_written = False
    except BaseException as exc:
        for entry in entries[:renamed]:
            target, saved = folder / str(entry["target"]), entry["backup"]
            if isinstance(saved, str):
                os.replace(folder / saved, target)
            else:
                target.unlink(missing_ok=True)
        if journal_written:
            (folder / JOURNAL_NAME).unlink(missing_ok=True)
        _cleanup(folder, entries)
        if isinstance(exc, OSError) and not isinstance(exc, FrontlineError):
            raise write_failed(folder, exc) from exc
        raise
    _cleanup(folder, entries)
    return [path for path, _ in items]


def _rel(path: Path, folder: Path) -> str:
    """*path* relative to the journal's *folder* (the journal survives a moved folder)."""
    return os.path.relpath(os.path.abspath(path), folder)


def _cleanup(folder: Path, entries: Iterable[Mapping[str, object]]) -> None:
    for entry in entries:
        for key in ("staged", "backup"):
            if entry.get(key):
                (folder / str(entry[key])).unlink(missing_ok=True)
