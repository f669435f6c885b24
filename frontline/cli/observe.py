"""``frontline observe FILE…|DIR|-``: propose dated, sourced observations from news reports."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from frontline.cli.options import (
    data_opt,
    date_opt,
    echo_json,
    handle_errors,
    overwrite_opt,
    read_text_input,
    refuse_existing,
    theatre_opt,
)
from frontline.errors import DataFileError
from frontline.factions import FactionRegistry
from frontline.gazetteer import Gazetteer
from frontline.observe import Proposals, propose_observations
from frontline.review import accept_proposals, write_proposals
from frontline.theatre import Theatre

_REPORT_SUFFIXES = (".txt", ".html", ".htm", ".md", ".text")


def _inputs(paths: tuple[str, ...]) -> list[tuple[str, str]]:
    """(label, text) of every report: files, the report files of a folder, or '-' (stdin)."""
    out: list[tuple[str, str]] = []
    for p in paths:
        path = Path(p)
        if p != "-" and path.is_dir():
            files = sorted(f for f in path.iterdir() if f.suffix.lower() in _REPORT_SUFFIXES)
            if not files:
                raise DataFileError(
                    f"{p}: no report files ({', '.join(_REPORT_SUFFIXES)}) in this folder"
                )
            out += [(str(f), read_text_input(str(f))) for f in files]
        else:
            out.append((p if p != "-" else "<stdin>", read_text_input(p)))
    return out


def _markdown(rows: list[dict[str, Any]]) -> str:
    cols = [
        "date",
        "place",
        "faction",
        "event",
        "from_faction",
        "date_precision",
        "confidence",
        "evidence",
    ]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        cells = [str(r[c]).replace("|", "\\|").replace("\n", " ") for c in cols]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _accept_target(path: Path, into: str | None) -> Path:
    """Return the file --accept writes to: the theatre's file, or one in its folder."""
    if not path.is_dir():
        if into is not None:
            raise click.UsageError(f"--into needs a folder of observation files; {path} is a file")
        return path
    names = sorted(f.name for f in path.glob("*.csv"))
    if into is None:
        raise click.UsageError(
            f"{path} is a folder of observation files ({', '.join(names) or 'none yet'}); "
            "choose the one to append to with --into NAME"
        )
    name = into if into.endswith(".csv") else f"{into}.csv"
    if Path(name).name != name:
        raise click.UsageError(f"--into takes a file name in {path}, not a path: {into!r}")
    return path / name


@click.command("observe")
@click.argument("files", nargs=-1, type=str)
@date_opt("--date", help="The report's date, YYYY-MM-DD (default: HTML meta tags or a date line).")
@click.option(
    "--source",
    default=None,
    help='The source: "Outlet, date, title" (default: from the HTML meta tags).',
)
@click.option(
    "--url",
    default=None,
    help="The report's address (default: the page's og:url or canonical link).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json", "md"]), default="csv", show_default=True,
    help="Output format of the proposals.",
)  # fmt: skip
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the proposals here (CSV with a 'reviewed' column) instead of stdout.",
)
@click.option(
    "--show-text", is_flag=True, help="Print the stripped text the evidence offsets point into."
)
@click.option(
    "--accept",
    "accept",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Append the reviewed rows of this proposals CSV to the theatre's observations file.",
)
@click.option(
    "--into",
    "into",
    default=None,
    help=(
        "With --accept, when the theatre keeps a folder of observation files: the file (a name "
        "in the folder, e.g. iraq.csv) to append to."
    ),
)
@overwrite_opt
@data_opt
@theatre_opt
@handle_errors
def observe(
    files: tuple[str, ...], date: Any, source: str | None, url: str | None, fmt: str,
    out: Path | None, show_text: bool, accept: Path | None, into: str | None, overwrite: bool,
    data_dir: Path | None, theatre_id: str | None,
) -> None:  # fmt: skip
    """Propose observations (who holds which place since when) from news reports.

    FILES are text or HTML reports (a folder: its .txt/.html/.md files; '-' reads stdin),
    English or Arabic. Each proposal has the place, the faction holding it after the event,
    the event (captured/held/lost/contested), the previous holder, the effective date and its
    precision, a confidence and the evidence (offsets into the stripped text and the
    sentence). Unresolved places and actors are listed on stderr with suggestions.

    Review loop: write the proposals with --out proposals.csv, check each row and set
    'reviewed' to true, then run 'frontline observe --accept proposals.csv': the reviewed
    rows are appended to the theatre's observations file in one atomic write, reports of the
    same event merge into one row with several sources, and rows that conflict with existing
    ones (same place and date, another faction) are listed and not written (exit code 3).

    \b
    Examples:
      frontline observe report.html --out proposals.csv
      curl -s https://… | frontline observe - --date 2017-09-22 --format md
      frontline observe --accept proposals.csv
      frontline observe --accept proposals.csv --into iraq.csv   # a folder of observation files
    """  # noqa: D301
    registry = FactionRegistry.load(data_dir)
    if accept is not None:
        if files:
            raise click.UsageError("give report FILES or --accept PROPOSALS, not both")
        theatre = Theatre.load(theatre_id, data_dir)
        g = Gazetteer.load(data_dir, theatre_id)
        target = _accept_target(theatre.observations_path, into)
        res = accept_proposals(accept, target, registry, g)
        click.echo(
            f"{target}: {len(res.appended)} row(s) appended, "
            f"{len(res.merged)} merged as extra sources, {len(res.conflicts)} conflict(s), "
            f"{res.unreviewed} row(s) not reviewed"
        )
        for m in res.merged:
            click.echo(f"merged: {m}", err=True)
        for c in res.conflicts:
            click.echo(f"conflict: {c}", err=True)
        if res.conflicts:
            sys.exit(3)
        return
    if not files:
        raise click.UsageError(
            "give report FILES (or a folder, or '-' for stdin), or --accept PROPOSALS"
        )
    refuse_existing(out, overwrite)
    g = Gazetteer.load(data_dir, theatre_id)
    results: list[tuple[str, Proposals]] = []
    for label, text in _inputs(files):
        results.append(
            (label, propose_observations(text, g, registry, date=date, source=source, url=url))
        )
    if show_text:
        for label, props in results:
            click.echo(f"=== {label} ({len(props.report.text)} characters)")
            click.echo(props.report.text)
        return
    for label, props in results:
        if props.report.date is None:
            click.echo(f"{label}: no date (give --date YYYY-MM-DD); nothing proposed", err=True)
        for name, sugg in props.unresolved_places:
            hint = f"; did you mean: {', '.join(sugg)}?" if sugg else ""
            click.echo(f"{label}: unresolved place {name!r}{hint}", err=True)
        for name, sugg in props.unresolved_actors:
            hint = f"; did you mean: {', '.join(sugg)}?" if sugg else ""
            click.echo(f"{label}: unresolved actor {name!r}{hint}", err=True)
    observations = [o for _l, p in results for o in p.observations]
    if out is not None or fmt == "csv":
        text = write_proposals(observations, out, overwrite=overwrite)
        if out is None:
            click.echo(text, nl=False)
        else:
            click.echo(
                f"{out}: {len(observations)} proposal(s); set 'reviewed' to true, then --accept",
                err=True,
            )
        return
    rows = [o.to_dict() for o in observations]
    if fmt == "json":
        echo_json(
            [
                {"input": label, "date": str(p.report.date or ""), "source": p.report.source,
                 "url": p.report.url,
                 "observations": [o.to_dict() for o in p.observations],
                 "unresolved_places": [
                     {"name": n, "suggestions": s} for n, s in p.unresolved_places],
                 "unresolved_actors": [
                     {"name": n, "suggestions": s} for n, s in p.unresolved_actors]}
                for label, p in results
            ]
        )  # fmt: skip
        return
    click.echo(_markdown(rows))
