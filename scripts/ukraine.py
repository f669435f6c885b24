"""The Ukraine theatre on DeepStateMap's daily occupied-area files: import, maps, fronts, changes.

Run ``python scripts/ukraine.py [--source DIR] [--days N]`` from the repository root. The
source is a folder of ``deepstatemap_data_YYYYMMDD.geojson`` files (one MultiPolygon per day:
the ground DeepStateMap marks as occupied), as published by the repository
``github.com/cyterat/deepstate-map-data`` (GPL-3.0; see the README, "The Ukraine theatre").
Nothing of it is copied into this repository: the history is written to a scratch data folder
(``out/ukraine/data`` by default, never ``geodata/``) and the pictures to ``out/ukraine/``.

Steps (each printed as the frontline command it runs)::

    1. a scratch data folder with the shipped theatre (geodata/theatres/ukraine.yaml, fill:
       complement ukraine) and factions (russia = occupied, ukraine = the rest)
    2. frontline control import <folder> --faction russia --complement ukraine
           --date-from-name deepstatemap_data_%Y%m%d --repair --data <scratch> --theatre ukraine
       each day's occupied area as faction russia; the rest of Ukraine's land goes to ukraine,
       marked inferred (all or nothing; a second run imports only the new days)
    3. out/ukraine/ukraine-<last>.png        the country on the last day
       out/ukraine/<sector>-<last>.png       zoomed on a sector (--sector Pokrovsk, --sector-km)
       out/ukraine/change-<a>_<b>.png        the last whole month's change map
       out/ukraine/fronts-<last>.geojson     front lines on the last day (and .csv lengths)
       out/ukraine/changes-<a>_<b>.csv/.md   what changed that month, located in words
                                             ("3 km SE of Pokrovsk")
       out/ukraine/months.csv                ground occupied and lost per month (timeline
                                             --by month; a file dated D shows D - 1's map)
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from frontline.cli import cli  # noqa: E402
from frontline.gazetteer import Gazetteer  # noqa: E402
from frontline.geo import destination  # noqa: E402
from frontline.theatre import shipped_data_dir  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "deepstate-occupied-daily"
THEATRE = "ukraine"
OCCUPIED = "russia"
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def frontline(*args: str) -> None:
    """Run one frontline command in this process, printing it as a user would type it."""
    print("$ frontline " + " ".join(a if " " not in a else repr(a) for a in args), flush=True)
    cli(list(args), prog_name="frontline", standalone_mode=False)


def dated_files(source: Path) -> list[tuple[dt.date, Path]]:
    """The source's files with the date in their names, oldest first."""
    out = []
    for p in sorted(source.glob("*.geojson")):
        m = _DATE.search(p.stem)
        if m:
            out.append((dt.date(int(m[1]), int(m[2]), int(m[3])), p))
    return out


def scratch_data(data: Path) -> None:
    """A data folder with the shipped Ukraine theatre and factions (no control data)."""
    (data / "theatres").mkdir(parents=True, exist_ok=True)
    src = ROOT / "geodata" if (ROOT / "geodata" / "theatres").is_dir() else shipped_data_dir()
    shutil.copy(src / "theatres" / f"{THEATRE}.yaml", data / "theatres" / f"{THEATRE}.yaml")
    shutil.copy(src / "factions.yaml", data / "factions.yaml")


def import_series(data: Path, files: list[tuple[dt.date, Path]], source: Path) -> None:
    """Import the files with the series import of ``frontline control import``.

    Every area is faction russia (``--faction``); the rest of the theatre's land goes to
    ukraine, marked inferred (``--complement``). The import is all or nothing and
    incremental: a second run over the same folder writes only new days. The whole folder
    when every file is wanted, else a temporary folder of links to the chosen files
    (``--days``).
    """
    args = ["--faction", OCCUPIED, "--complement", "ukraine",
            "--date-from-name", "deepstatemap_data_%Y%m%d", "--repair", "--quiet",
            "--data", str(data), "--theatre", THEATRE]  # fmt: skip
    if len(files) == len(dated_files(source)):
        frontline("control", "import", str(source), *args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for _, path in files:
            (Path(tmp) / path.name).symlink_to(path.resolve())
        frontline("control", "import", tmp, *args)


def sector_bbox(data: Path, name: str, km: float) -> str:
    """``minlon,minlat,maxlon,maxlat`` of a square of 2*km around a named place."""
    place = Gazetteer.load(data, THEATRE).resolve(name, country="UA")
    west = destination(place.lon, place.lat, 270.0, km)[0]
    east = destination(place.lon, place.lat, 90.0, km)[0]
    south = destination(place.lon, place.lat, 180.0, km)[1]
    north = destination(place.lon, place.lat, 0.0, km)[1]
    return ",".join(f"{v:.4f}" for v in (west, south, east, north))


def last_whole_month(dates: list[dt.date]) -> tuple[dt.date, dt.date] | None:
    """First days of the last month the series covers from its first to its next month's first."""
    have = set(dates)
    for d in sorted(dates, reverse=True):
        if d.day != 1:
            continue
        first = (d - dt.timedelta(days=1)).replace(day=1)
        if first in have:
            return first, d
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                        help="folder of deepstatemap_data_YYYYMMDD.geojson files")  # fmt: skip
    parser.add_argument("--data", type=Path, default=ROOT / "out" / "ukraine" / "data",
                        help="scratch data folder for the history (not geodata/)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "ukraine")
    parser.add_argument("--days", type=int, default=None,
                        help="only the last N days of the source (quick runs)")  # fmt: skip
    parser.add_argument("--sector", default="Pokrovsk", help="place the sector map centres on")
    parser.add_argument("--sector-km", type=float, default=40.0, help="half-width of the sector")
    args = parser.parse_args(argv)

    if not args.source.is_dir():
        print(
            f"no source folder {args.source}: get the daily files of "
            "https://github.com/cyterat/deepstate-map-data (GPL-3.0), e.g.\n"
            "  git clone --depth 1 https://github.com/cyterat/deepstate-map-data\n"
            "and pass --source deepstate-map-data/<folder with deepstatemap_data_*.geojson>",
            file=sys.stderr,
        )
        return 2
    if args.data.resolve().is_relative_to((ROOT / "geodata").resolve()):
        print("--data must be a scratch folder, not the shipped geodata/", file=sys.stderr)
        return 2
    files = dated_files(args.source)
    if args.days:
        files = files[-args.days :]
    if not files:
        print(f"no deepstatemap_data_YYYYMMDD.geojson files in {args.source}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    scratch_data(args.data)
    print(f"importing {len(files)} days from {args.source} into {args.data}", flush=True)
    import_series(args.data, files, args.source)
    print(f"  import: {time.perf_counter() - t0:.1f} s", flush=True)

    data = ["--data", str(args.data), "--theatre", THEATRE]
    dates = [d for d, _ in files]
    last = dates[-1].isoformat()
    out = args.out
    frontline("render", *data, "--date", last, "--title", f"Ukraine, {last}",
              "--out", str(out / f"ukraine-{last}.png"), "--overwrite")  # fmt: skip
    bbox = sector_bbox(args.data, args.sector, args.sector_km)
    sector = args.sector.lower().replace(" ", "-")
    frontline("render", *data, "--date", last, "--bbox", bbox,
              "--title", f"{args.sector} sector, {last}",
              "--out", str(out / f"{sector}-{last}.png"), "--overwrite")  # fmt: skip
    frontline("frontlines", *data, "--date", last,
              "--out", str(out / f"fronts-{last}.geojson"), "--overwrite")  # fmt: skip
    frontline("frontlines", *data, "--date", last, "--format", "csv",
              "--out", str(out / f"fronts-{last}.csv"), "--overwrite")  # fmt: skip
    month = last_whole_month(dates) or (dates[0], dates[-1])
    a, b = (d.isoformat() for d in month)
    frontline("render", *data, "--from", a, "--to", b, "--title", f"Changes {a} to {b}",
              "--out", str(out / f"change-{a}_{b}.png"), "--overwrite")  # fmt: skip
    frontline("diff", a, b, *data, "--format", "csv", "--min-area", "0.5",
              "--out", str(out / f"changes-{a}_{b}.csv"), "--overwrite")  # fmt: skip
    frontline("diff", a, b, *data, "--min-area", "0.5",
              "--out", str(out / f"changes-{a}_{b}.md"), "--overwrite")  # fmt: skip
    frontline("timeline", *data, "--by", "month", "--faction", OCCUPIED, "--lag-days", "1",
              "--format", "csv", "--out", str(out / "months.csv"), "--overwrite")  # fmt: skip
    print(f"done in {time.perf_counter() - t0:.1f} s; outputs in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
