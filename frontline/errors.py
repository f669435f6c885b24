"""Errors raised by frontline.

Every error frontline raises on purpose is a :class:`FrontlineError`. Errors caused by
the user's input (a name, a file, a date, a geometry) derive from :class:`InputError`;
the command line maps those to exit code 2, a :class:`ConflictError` (someone else wrote
first, or holds the lock: safe to retry) to exit code 3, and everything else to exit code 1.
Each message says what went wrong *and* what to do about it.
"""

from __future__ import annotations

from collections.abc import Sequence


class FrontlineError(Exception):
    """Base class of every error frontline raises on purpose."""


class InputError(FrontlineError, ValueError):
    """The input (a name, a file, a date, a geometry, an option) is not acceptable."""


class DataFileError(InputError):
    """A data file is missing, empty, not UTF-8 or not in the expected format."""


class InvalidDateError(InputError):
    """A date is not an ISO ``YYYY-MM-DD`` date, or lies outside the allowed range."""


class CRSError(InputError):
    """Coordinates are in the wrong or an unknown coordinate reference system."""


class InvalidGeometryError(InputError):
    """A geometry is malformed, empty where it must not be, or invalid (self-intersecting)."""


class OutsideTheatreError(InputError):
    """A geometry or place lies outside the theatre's extent."""


class OverlapError(InputError):
    """Two factions claim the same ground on the same date beyond the tolerance."""


class OutputExistsError(InputError):
    """An output file (or a snapshot in a history) exists and overwriting was not asked for."""


class SnapshotExistsError(OutputExistsError):
    """A control snapshot for that theatre and date exists already."""


class OutsidePeriodError(InputError):
    """A snapshot date lies outside the theatre's period (and extending it was not asked for)."""


class SnapshotNotFoundError(InputError):
    """No control snapshot exists for the date asked for (or before it)."""


class UnknownTheatreError(InputError):
    """No theatre with that id exists in the data directory."""


class _SuggestingError(InputError):
    """An error about an unknown name that carries the closest known names."""

    kind = "name"

    def __init__(self, name: str, suggestions: Sequence[str] = (), hint: str = "") -> None:
        self.name = name
        self.suggestions = tuple(suggestions)
        msg = f"unknown {self.kind} {name!r}"
        if self.suggestions:
            msg += "; did you mean: " + ", ".join(repr(s) for s in self.suggestions) + "?"
        if hint:
            msg += f" {hint}"
        super().__init__(msg)


class UnknownPlaceError(_SuggestingError):
    """A place name is not in the gazetteer."""

    kind = "place"


class UnknownFactionError(_SuggestingError):
    """A faction name or alias is not in the faction registry."""

    kind = "faction"


class FactionExistsError(InputError):
    """A faction id or name to add is already used by a faction of the registry."""


class AmbiguousPlaceError(InputError):
    """A place name matches several places equally well.

    Parameters
    ----------
    name : str
        The name asked for.
    candidates : sequence of str
        Human-readable descriptions of the candidates (id, name, country, coordinates).
    """

    def __init__(self, name: str, candidates: Sequence[str]) -> None:
        self.name = name
        self.candidates = tuple(candidates)
        super().__init__(
            f"place name {name!r} is ambiguous: "
            + "; ".join(self.candidates)
            + ". Give a country (--country), a point to rank by (near=), or the place id."
        )


class NetworkUnavailableError(FrontlineError):
    """A network resource (tiles, online geocoder) could not be reached."""


class StoreError(FrontlineError):
    """A history store (files or database) failed."""


class ConflictError(StoreError):
    """Another writer changed the same snapshot first; nothing was overwritten (exit code 3)."""


class LockTimeoutError(ConflictError):
    """Another writer held the lock longer than the lock timeout; nothing was written."""


class UnfinishedWriteError(StoreError):
    """A writer died in the middle of a batch; the history must be repaired before reading."""


class PermissionDeniedError(StoreError):
    """The database role lacks the rights the operation needs (ask the store's owner)."""


class OutputWriteError(FrontlineError, OSError):
    """An output could not be written (read-only folder, pseudo file system, disk full)."""

    def __str__(self) -> str:
        return str(self.strerror or super().__str__())
