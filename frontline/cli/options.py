"""Shared click options and the mapping of library errors to exit codes.

Callbacks take ``(ctx, param, value)``, parse and validate, and raise
:class:`click.BadParameter` (exit code 2) on bad input. They are tested directly.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from frontline.dates import parse_date
from frontline.errors import (
    ConflictError,
    DataFileError,
    FrontlineError,
    InputError,
    InvalidDateError,
    OutputExistsError,
)

#: Exit codes: 0 success, 1 runtime failure, 2 bad input or usage, 3 conflict or lock timeout.
EXIT_FAILURE, EXIT_INPUT, EXIT_CONFLICT = 1, 2, 3


class DataError(click.ClickException):
    """Bad data (exit 2): printed as ``Error: …`` without the usage banner of a mistyped command."""

    exit_code = EXIT_INPUT


class Conflict(click.ClickException):
    """Someone else wrote first or holds the lock (exit 3): nothing was written; safe to retry."""

    exit_code = EXIT_CONFLICT


F = TypeVar("F", bound=Callable[..., Any])


def parse_date_value(ctx: click.Context | None, param: click.Parameter | None, value: str | None):
    """Parse an ISO ``YYYY-MM-DD`` date option into :class:`datetime.date` (None passes)."""
    if value is None:
        return None
    try:
        return parse_date(value)
    except InvalidDateError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def _numbers(value: str) -> tuple[float, ...]:
    """Numbers separated by commas and/or spaces; () when any is not a number."""
    try:
        return tuple(float(v) for v in value.replace(" ", ",").split(",") if v != "")
    except ValueError:
        return ()


def parse_lonlat_value(ctx: click.Context | None, param: click.Parameter | None, value: str | None):
    """Parse ``lon,lat`` into a tuple of two floats (None passes)."""
    if value is None:
        return None
    parts = _numbers(value)
    if len(parts) != 2 or not (-180 <= parts[0] <= 180 and -90 <= parts[1] <= 90):
        raise click.BadParameter(
            f"{value!r} is not lon,lat in degrees, e.g. 38.6,33.5", ctx=ctx, param=param
        )
    return parts


def parse_bbox_value(ctx: click.Context | None, param: click.Parameter | None, value: str | None):
    """Parse ``minlon,minlat,maxlon,maxlat`` into a tuple of four floats (None passes)."""
    if value is None:
        return None
    parts = _numbers(value)
    if len(parts) != 4:
        raise click.BadParameter(
            f"{value!r} is not a bbox; give minlon,minlat,maxlon,maxlat, e.g. 38.0,32.5,42.5,35.5",
            ctx=ctx,
            param=param,
        )
    minx, miny, maxx, maxy = parts
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise click.BadParameter(
            f"{value!r} is not a lon/lat bbox with min < max inside [-180, 180] x [-90, 90]",
            ctx=ctx,
            param=param,
        )
    return parts


def from_group(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Fall back to the same option given before the command (``frontline --data DIR diff …``).

    An option given to the command itself wins; then the group's; then the environment.
    """
    from click.core import ParameterSource

    source = ctx.get_parameter_source(param.name) if param.name else None
    if source in (ParameterSource.COMMANDLINE, ParameterSource.PROMPT):
        return value
    root = ctx.find_root()
    given = root.params.get(param.name) if root is not ctx else None
    return given if given is not None else value


def data_opt(f: F) -> F:
    """Add ``--data DIR``: the data directory (default: ./geodata when present, else the sample)."""
    return click.option(
        "--data",
        "data_dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="FRONTLINE_DATA",
        default=None,
        callback=from_group,
        help="Data directory (factions.yaml, gazetteer/, control/ …). "
        "Default: ./geodata when present, else the shipped sample. Env: FRONTLINE_DATA.",
    )(f)


def theatre_opt(f: F) -> F:
    """``--theatre ID``: the theatre (default: the only/first theatre in the data directory)."""
    return click.option(
        "--theatre",
        "theatre_id",
        default=None,
        envvar="FRONTLINE_THEATRE",
        callback=from_group,
        help=(
            "Theatre id (a file in <data>/theatres/). Default: the data directory's default "
            "theatre."
        ),
    )(f)


def date_opt(
    *names: str, required: bool = False, help: str = "Date, YYYY-MM-DD."
) -> Callable[[F], F]:
    """Add a date option parsed into :class:`datetime.date`."""
    return click.option(*names, callback=parse_date_value, required=required, help=help)


def bbox_opt(f: F) -> F:
    """``--bbox minlon,minlat,maxlon,maxlat``."""
    return click.option(
        "--bbox",
        callback=parse_bbox_value,
        default=None,
        help="Map extent: minlon,minlat,maxlon,maxlat.",
    )(f)


def overwrite_opt(f: F) -> F:
    """``--overwrite``: allow replacing an existing output."""
    return click.option(
        "--overwrite",
        is_flag=True,
        default=False,
        help="Replace an existing output instead of refusing.",
    )(f)


def store_opt(f: F) -> F:
    """``--store URL``: a history store other than the data directory's files."""
    return click.option(
        "--store",
        "store_url",
        default=None,
        envvar="FRONTLINE_STORE",
        callback=from_group,
        help=(
            "History store: a folder, or postgresql://… for a PostGIS store. Env: FRONTLINE_STORE."
        ),
    )(f)


def refuse_existing(path: Path | None, overwrite: bool) -> None:
    """Refuse, before any work, to replace an existing output without ``--overwrite`` (exit 2)."""
    if path is not None and path.exists() and not overwrite:
        raise OutputExistsError(f"{path} exists; pass --overwrite to replace it")


def parse_expected_revisions(
    ctx: click.Context | None, param: click.Parameter | None, value: tuple[str, ...] | None
) -> dict:
    """Parse repeated ``DATE=N`` into ``{date: N}`` (``--expected-revision``)."""
    out: dict = {}
    for item in value or ():
        day, sep, rev = item.partition("=")
        try:
            if not sep:
                raise ValueError
            n = int(rev)
            if n < 0:
                raise ValueError
            out[parse_date(day.strip())] = n
        except (ValueError, InvalidDateError):
            raise click.BadParameter(
                f"{item!r} is not DATE=REVISION, e.g. 2017-06-09=3 (0: the date must not exist "
                "yet)",
                ctx=ctx,
                param=param,
            ) from None
    return out


def expected_revision_opt(f: F) -> F:
    """``--expected-revision DATE=N`` (repeatable): compare-and-set on a PostGIS store."""
    return click.option(
        "--expected-revision",
        "expected_revisions",
        multiple=True,
        callback=parse_expected_revisions,
        metavar="DATE=N",
        help=(
            "Write DATE only if its current revision is still N (0: it must not exist yet); "
            "else exit 3 and write nothing. Repeatable; revisions are per date (store log)."
        ),
    )(f)


def handle_errors(f: F) -> F:
    """Run a command body, turning frontline errors into click errors with the right exit code.

    :class:`frontline.errors.InputError` (bad data) prints ``Error: …`` and exits 2 -- without
    click's "Usage: … Try --help" banner, which stays for mistyped commands and options;
    :class:`frontline.errors.ConflictError` (another writer came first, or a lock timed out)
    exits 3; any other :class:`frontline.errors.FrontlineError`, and an operating-system error
    (a file that cannot be written), is a runtime failure (exit 1).
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except InputError as exc:
            raise DataError(str(exc)) from None
        except ConflictError as exc:
            raise Conflict(str(exc)) from None
        except FrontlineError as exc:
            raise click.ClickException(str(exc)) from None
        except MemoryError:
            raise click.ClickException(
                "out of memory; ask for a smaller output (size, dates, extent)"
            ) from None
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            raise click.ClickException(
                f"cannot access{where}: {exc.strerror or exc}; nothing was written"
            ) from None

    return wrapper  # type: ignore[return-value]


def echo_json(obj: Any, indent: int | None = 2) -> None:
    """Write *obj* as JSON to stdout (UTF-8, keys kept in order)."""
    click.echo(json.dumps(obj, indent=indent, ensure_ascii=False, default=str))


def guess_legacy_encoding(raw: bytes) -> str:
    """Guess the Windows code page of non-UTF-8 text: cp1256 (Arabic) or cp1252 (Western).

    cp1256 maps most high bytes to Arabic letters; a Western text read as cp1256 gives few.

    Examples
    --------
    >>> guess_legacy_encoding("café, Saint-Étienne".encode("cp1252"))
    'cp1252'
    >>> guess_legacy_encoding("الموصل".encode("cp1256"))
    'cp1256'
    """
    high = [ch for ch in raw.decode("cp1256", errors="replace") if ord(ch) > 127]
    arabic = sum("\u0600" <= ch <= "\u06ff" for ch in high)
    return "cp1256" if high and arabic / len(high) > 0.5 else "cp1252"


def read_text_input(path: str) -> str:
    """Read a UTF-8 text file, or stdin for ``-``; raise DataFileError when empty or not UTF-8."""
    if path == "-":
        raw = sys.stdin.buffer.read()
        label = "standard input"
    else:
        p = Path(path)
        if not p.is_file():
            raise DataFileError(f"{path}: no such file; give a UTF-8 text file or '-' for stdin")
        raw = p.read_bytes()
        label = path
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        enc = guess_legacy_encoding(raw)
        raise DataFileError(
            f"{label} is not UTF-8 text (byte {exc.start}); it looks like {enc}: convert it, "
            f"e.g. iconv -f {enc} -t utf-8"
        ) from None
    if not text.strip():
        raise DataFileError(f"{label} is empty; give a report text to search for places")
    return text
