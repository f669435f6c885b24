"""Scaffolding: write a new theatre file and add factions to ``factions.yaml``.

``frontline theatre init`` and ``frontline factions add`` call these functions instead of
asking a user to write YAML by hand. The files they write stay plain, commented YAML that a
person edits afterwards: :func:`add_faction` inserts text into the existing file (comments,
order and layout of what is there are kept) and checks that the result still loads.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = add_faction(d, "blue", name="Blue forces", colour="#0072B2")
>>> _ = add_faction(d, "red", name="Red forces", colour="#D55E00", hostile_to=["blue"],
...                 note="example", source="illustrative")
>>> from frontline.factions import FactionRegistry
>>> FactionRegistry.load(d).relation("blue", "red")
'hostile'
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from frontline.dates import parse_date
from frontline.errors import DataFileError, FactionExistsError, InputError, OutputExistsError
from frontline.factions import RELATIONS, FactionRegistry
from frontline.files import atomic_write_text, check_name
from frontline.theatre import FillPolicy, Theatre, load_yaml, natural_earth_countries

__all__ = [
    "DEFAULT_COLOURS",
    "add_faction",
    "countries_extent",
    "init_theatre",
    "scaffold_data_dir",
    "theatre_text",
]

#: Colours offered to a new faction without ``--colour`` (Okabe-Ito, then Paul Tol's muted
#: scheme): the first one no faction of the file uses yet.
DEFAULT_COLOURS = (
    "#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
    "#882255", "#44AA99", "#117733", "#332288", "#DDCC77", "#CC6677", "#AA4499",
)  # fmt: skip

_FACTIONS_HEADER = """\
# Faction registry (written by `frontline factions add`; edit freely).
#
# factions: one entry per armed actor (or state) that can hold ground.
#   id, name, short_name, aliases (other names and spellings), colour (#rrggbb), side
# relations: between sides; two factions of the same side are allied.
#   sides [a, b] ("*": every other side), relation allied | hostile | neutral,
#   from / to (optional ISO dates), note and source (why, and who says so)

default_relation: neutral
"""

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_YAML_WORDS = {"yes", "no", "true", "false", "null", "on", "off", "y", "n"}


def scaffold_data_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the data directory that scaffolding writes into, creating it when needed.

    Parameters
    ----------
    path : path-like, optional
        An explicit folder (created with its parents when missing). Otherwise
        ``$FRONTLINE_DATA``, else ``./geodata`` (created): never the sample data inside an
        installed package.

    Returns
    -------
    pathlib.Path
    """
    if path is None:
        path = os.environ.get("FRONTLINE_DATA") or None
    p = Path(path).expanduser() if path is not None else Path.cwd() / "geodata"
    if p.exists() and not p.is_dir():
        raise DataFileError(f"{p} is a file, not a data directory; pass --data DIR")
    p.mkdir(parents=True, exist_ok=True)
    return p


def countries_extent(
    countries: Sequence[str], pad_deg: float = 0.1
) -> tuple[float, float, float, float]:
    """Return the lon/lat bounds of countries' land (Natural Earth 10 m), padded and rounded.

    Parameters
    ----------
    countries : sequence of str
        ISO 3166-1 alpha-2 codes.
    pad_deg : float, default 0.1
        Margin added on every side before rounding outwards to 0.1 degree.

    Raises
    ------
    DataFileError
        For a code Natural Earth does not know (with the closest names), or countries whose
        land crosses the antimeridian (pass an extent instead).

    Examples
    --------
    >>> countries_extent(["UA"])
    (22.0, 44.2, 40.3, 52.5)
    """
    ne = natural_earth_countries()
    codes = [c.upper() for c in countries]
    unknown = [c for c in codes if c not in set(ne["iso_a2"])]
    if unknown:
        raise DataFileError(
            f"unknown country code(s) {', '.join(unknown)}: use ISO 3166 alpha-2 codes such as "
            "UA, SY or AZ (Natural Earth 10 m)"
        )
    x0, y0, x1, y1 = (float(v) for v in ne[ne["iso_a2"].isin(codes)].total_bounds)
    if x1 - x0 > 180:
        raise DataFileError(
            f"the land of {', '.join(codes)} spans {x0:.0f}..{x1:.0f} degrees of longitude "
            "(across the antimeridian); give the area of interest with --extent W,S,E,N"
        )
    return (
        max(-180.0, math.floor((x0 - pad_deg) * 10) / 10),
        max(-90.0, math.floor((y0 - pad_deg) * 10) / 10),
        min(180.0, math.ceil((x1 + pad_deg) * 10) / 10),
        min(90.0, math.ceil((y1 + pad_deg) * 10) / 10),
    )


def _q(text: str) -> str:
    """Return *text* as a YAML scalar: plain when safe, else double-quoted (JSON)."""
    if _PLAIN.match(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def _fill_text(policy: FillPolicy) -> str:
    if policy.mode == "complement":
        return f"{{mode: complement, faction: {_q(policy.faction or '')}}}"
    return f"{{mode: {policy.mode}}}"


def theatre_text(
    theatre_id: str,
    countries: Sequence[str],
    extent: Sequence[float] | None = None,
    period: tuple[_dt.date | str, _dt.date | str] | None = None,
    name: str | None = None,
    fill: str | dict[str, Any] | None = None,
    description: str | None = None,
) -> str:
    """Return the YAML text of a new theatre file (validated by loading it).

    Parameters
    ----------
    theatre_id : str
        The theatre's id (a file name: letters, digits, ``-``, ``_``, ``.``).
    countries : sequence of str
        ISO2 codes whose land the theatre covers.
    extent : sequence of 4 floats, optional
        ``(minlon, minlat, maxlon, maxlat)``; default :func:`countries_extent`.
    period : (start, end), optional
        First and last date of interest.
    name, description : str, optional
        Display name (default: the id) and free text.
    fill : str or mapping, optional
        The fill policy: ``nearest``, ``radius``, ``complement:FACTION`` or a mapping as in
        the theatre file (see :class:`frontline.theatre.FillPolicy`). Default ``nearest``.

    Raises
    ------
    DataFileError
        When a value is invalid (the message names it).
    """
    tid = check_name(theatre_id, "theatre id")
    codes = [c.strip().upper() for c in countries if c.strip()]
    if not codes:
        raise DataFileError("a theatre needs at least one country (--countries UA[,MD…])")
    box = tuple(float(v) for v in extent) if extent is not None else countries_extent(codes)
    if isinstance(fill, str) and fill.startswith("complement:"):
        fill = {"complement": fill.split(":", 1)[1]}
    policy = FillPolicy.from_value(fill, f"theatre {tid}: --fill")
    today = _dt.date.today().isoformat()
    lines = [
        f"# Theatre {tid}, written by `frontline theatre init` on {today}; edit freely",
        "# (README: 'Adding a theatre'). Control snapshots go in control/" + tid + "/.",
        f"id: {tid}",
        f"name: {json.dumps(name or tid, ensure_ascii=False)}",
    ]
    if description:
        lines.append(f"description: {json.dumps(description, ensure_ascii=False)}")
    lines.append(f"countries: [{', '.join(codes)}]")
    how = (
        "bounds of the countries' land in Natural Earth 10 m, padded 0.1 degree"
        if extent is None
        else "given"
    )
    lines += [
        f"# lon/lat: minlon, minlat, maxlon, maxlat ({how})",
        "extent: [" + ", ".join(f"{v:g}" for v in box) + "]",
    ]
    if period is not None:
        a, b = parse_date(period[0]), parse_date(period[1])
        lines.append(f"period: [{a}, {b}]")
    lines += [
        "# land no source decides: nearest (the nearest observed place's holder), radius,",
        "# or complement (a faction holds everything no source claims; one-sided series)",
        f"fill: {_fill_text(policy)}",
    ]
    text = "\n".join(lines) + "\n"
    import yaml

    th = Theatre.from_mapping(yaml.safe_load(text), Path("."), source=Path(f"{tid}.yaml"))
    th.check_countries()
    return text


def init_theatre(
    theatre_id: str,
    countries: Sequence[str],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    extent: Sequence[float] | None = None,
    period: tuple[_dt.date | str, _dt.date | str] | None = None,
    name: str | None = None,
    fill: str | dict[str, Any] | None = None,
    description: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``<data>/theatres/<id>.yaml`` (atomically) and return its path.

    See :func:`theatre_text` for the parameters; *data_dir* as in :func:`scaffold_data_dir`.

    Raises
    ------
    OutputExistsError
        When the file exists and *overwrite* is False.
    """
    text = theatre_text(theatre_id, countries, extent, period, name, fill, description)
    root = scaffold_data_dir(data_dir)
    path = root / "theatres" / f"{theatre_id}.yaml"
    if path.exists() and not overwrite:
        raise OutputExistsError(
            f"{path} exists; edit it, or pass --overwrite to write a new one over it"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(path, text, overwrite=overwrite)


# -- factions.yaml -------------------------------------------------------------------------
def _block(lines: list[str], key: str) -> tuple[int, int] | None:
    """Return ``(key line, end)`` of a top-level block ``key:`` (end: after its last item)."""
    start = next((i for i, ln in enumerate(lines) if re.match(rf"^{key}\s*:", ln)), None)
    if start is None:
        return None
    end = start + 1
    for i in range(start + 1, len(lines)):
        ln = lines[i]
        if ln.strip() and not ln.startswith((" ", "\t", "#", "-")):
            break  # the next top-level key
        if ln.strip() and not ln.lstrip().startswith("#"):
            end = i + 1  # an item's line (comments after the last item stay where they are)
    return start, end


def _insert(lines: list[str], key: str, entry: list[str], where: str) -> list[str]:
    """Add *entry* (indented item lines) at the end of the top-level block *key*."""
    found = _block(lines, key)
    if found is None:
        tail = [] if not lines or not lines[-1].strip() else [""]
        return [*lines, *tail, f"{key}:", *entry]
    start, end = found
    after = lines[start].split(":", 1)[1].split("#", 1)[0].strip()
    if after in ("[]", "{}"):
        lines = [*lines[:start], f"{key}:", *lines[start + 1 :]]
    elif after:
        raise DataFileError(
            f"{where}: '{key}:' is written inline ({after[:40]}…); write it as a block (one item "
            "per line) to add to it, or add the entry by hand"
        )
    items = [ln for ln in lines[start + 1 : end] if ln.strip() and not ln.lstrip().startswith("#")]
    if items:  # the indentation the block's items already have
        indent = items[0][: len(items[0]) - len(items[0].lstrip())]
        entry = [indent + ln[2:] if ln.startswith("  ") else ln for ln in entry]
    sep = [""] if key != "sides" and end > start + 1 else []
    return [*lines[:end], *sep, *entry, *lines[end:]]


def add_faction(
    data_dir: str | os.PathLike[str] | None,
    faction_id: str,
    *,
    name: str | None = None,
    short_name: str | None = None,
    aliases: Sequence[str] = (),
    colour: str | None = None,
    side: str | None = None,
    side_name: str | None = None,
    hostile_to: Sequence[str] = (),
    allied_with: Sequence[str] = (),
    description: str | None = None,
    note: str | None = None,
    source: str | None = None,
) -> Path:
    """Append a faction (and its side and relations) to ``<data>/factions.yaml``.

    The file is created when missing. Existing text (comments, order, layout) is kept: the
    faction goes at the end of ``factions:``, a new side at the end of ``sides:``, the
    relations at the end of ``relations:``. The new file must load as a registry, or
    nothing is written.

    Parameters
    ----------
    data_dir : path-like or None
        As in :func:`scaffold_data_dir`.
    faction_id : str
        New faction id.
    name, short_name, aliases, colour, side, description
        As in ``factions.yaml``; *colour* defaults to the first of :data:`DEFAULT_COLOURS`
        the file does not use, *side* to the faction id.
    side_name : str, optional
        Display name of a new side (default: *name*).
    hostile_to, allied_with : sequence of str
        Factions (ids, names or aliases) or sides the new faction's side is hostile or
        allied to; ``*`` means every other side.
    note, source : str, optional
        Why the relations hold and who says so (written with each relation).

    Returns
    -------
    pathlib.Path
        The factions file.

    Raises
    ------
    FactionExistsError
        When the id, or one of the names, is already used by a faction of the file.
    UnknownFactionError
        When a faction named in *hostile_to*/*allied_with* is neither a faction nor a side.
    """
    root = scaffold_data_dir(data_dir)
    path = root / "factions.yaml"
    fid = check_name(faction_id, "faction id")
    text = path.read_text(encoding="utf-8") if path.is_file() else _FACTIONS_HEADER
    raw = (load_yaml(path) or {}) if path.is_file() else {}
    if not isinstance(raw, dict):
        raise DataFileError(f"{path}: must be a mapping with 'factions:'")
    old = FactionRegistry.from_mapping(raw, source=path) if raw.get("factions") else None
    if old is not None:
        for n in (fid, name, short_name, *aliases):
            if n and n in old:
                other = old.get(n).id
                what = (
                    f"faction {fid!r} already exists"
                    if other == fid
                    else f"the name {n!r} is already used by faction {other!r}"
                )
                raise FactionExistsError(
                    f"{path}: {what}; edit that entry by hand, or choose another "
                    f"{'id' if n == fid else 'name'}"
                )
    side_id = check_name(side or fid, "side")
    used = {f.colour.lower() for f in old} if old is not None else set()
    if colour is None:
        colour = next((c for c in DEFAULT_COLOURS if c.lower() not in used), DEFAULT_COLOURS[0])
    if not re.match(r"^#[0-9a-fA-F]{6}$", colour):
        raise DataFileError(f"colour {colour!r} is not #rrggbb (e.g. #D55E00)")
    sides = dict(raw.get("sides") or {})

    def side_of(ref: str) -> str:
        if ref == "*" or ref in sides:
            return ref
        if old is not None and ref in old:
            return old.side_of(ref)
        if old is not None:
            old.get(ref)  # raises UnknownFactionError with suggestions
        raise DataFileError(f"{ref!r} is neither a faction nor a side of {path}")

    rels = [(side_of(r), "hostile") for r in hostile_to] + [
        (side_of(r), "allied") for r in allied_with
    ]
    assert all(r in RELATIONS for _, r in rels)
    entry = [f"  - id: {fid}", f"    name: {json.dumps(name or fid, ensure_ascii=False)}"]
    if short_name:
        entry.append(f"    short_name: {json.dumps(short_name, ensure_ascii=False)}")
    if aliases:
        entry.append(
            "    aliases: [" + ", ".join(json.dumps(a, ensure_ascii=False) for a in aliases) + "]"
        )
    entry += [f'    colour: "{colour}"', f"    side: {side_id}"]
    if description:
        entry.append(f"    description: {json.dumps(description, ensure_ascii=False)}")
    lines = text.splitlines()
    if side_id not in sides:
        sname = json.dumps(side_name or name or fid, ensure_ascii=False)
        lines = _insert(lines, "sides", [f"  {side_id}: {{name: {sname}}}"], str(path))
    lines = _insert(lines, "factions", entry, str(path))
    for other, relation in rels:
        item = [f"  - sides: [{side_id}, {_q(other)}]", f"    relation: {relation}"]
        if note:
            item.append(f"    note: {json.dumps(note, ensure_ascii=False)}")
        if source:
            item.append(f"    source: {json.dumps(source, ensure_ascii=False)}")
        lines = _insert(lines, "relations", item, str(path))
    new_text = "\n".join(lines) + "\n"
    import yaml

    try:
        reg = FactionRegistry.from_mapping(yaml.safe_load(new_text) or {}, source=path)
    except yaml.YAMLError as exc:  # pragma: no cover - the inserted text is well-formed
        raise DataFileError(f"{path}: adding {fid!r} would break the file ({exc})") from None
    except InputError as exc:
        raise DataFileError(f"{path}: adding {fid!r}: {exc}") from None
    if fid not in reg.ids:  # pragma: no cover - defensive: the insert must land in factions:
        raise DataFileError(f"{path}: could not add {fid!r}; add it by hand")
    return atomic_write_text(path, new_text, overwrite=path.exists())
