"""``frontline timeline`` and ``frontline frontlines``: area over time; front lines on a date."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from frontline.backends import open_history
from frontline.cli.options import (
    data_opt,
    date_opt,
    handle_errors,
    overwrite_opt,
    refuse_existing,
    store_opt,
    theatre_opt,
)
from frontline.cli.output import csv_text, emit, out_opt
from frontline.control import geometry_json
from frontline.errors import InputError
from frontline.gazetteer import Gazetteer
from frontline.periods import PERIODS, period_changes, periods_markdown, periods_table
from frontline.render.output import save_map
from frontline.render.style import figure_of
from frontline.timeline import plot_timeline, timeline_markdown
from frontline.timeline import timeline as make_timeline
from frontline.topology import DEFAULT_MIN_LENGTH_KM, DEFAULT_TOLERANCE_KM, front_lines


def _gazetteer(data_dir: Path | None, theatre_id: str | None, use: bool) -> Any:
    if not use:
        return None
    return Gazetteer.load(data_dir, theatre_id)


@click.command("timeline")
@theatre_opt
@data_opt
@store_opt
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "md", "table"]),
    default=None,
    help="Output format (default: csv; table for --by).",
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also draw area per faction over time to this PNG/SVG.",
)
@click.option("--no-gazetteer", is_flag=True, help="Do not count places changing hands (faster).")
@click.option(
    "--by",
    type=click.Choice(PERIODS),
    default=None,
    help=(
        "One row per period and faction instead of per date: ground gained, lost and net "
        "from the map on the period's first day to the map on the next period's first day."
    ),
)
@click.option("--faction", default=None, help="With --by: only this faction.")
@click.option(
    "--lag-days",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help=(
        "With --by: take each boundary's map N days after the period's first day (a series "
        "downloaded each morning shows the previous evening's map: 1)."
    ),
)
@out_opt
@overwrite_opt
@handle_errors
def timeline(
    theatre_id, data_dir, store_url, fmt, plot, no_gazetteer, by, faction, lag_days, out,
    overwrite,
) -> None:  # fmt: skip
    """Area held, gained and lost per faction at every date of the history.

    With --by week|month|quarter: per period, the ground gained, lost and net, the two maps
    compared, and a note when a period's first day has no map of its own.

    \b
    Examples:
      frontline timeline --format md
      frontline timeline --out timeline.csv --plot timeline.png
      frontline timeline --by month --faction isis
    """  # noqa: D301 - click's \b keeps the examples' line breaks
    refuse_existing(out, overwrite)
    refuse_existing(plot, overwrite)
    if plot is not None and plot.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise click.BadParameter(f"{plot}: use a .png, .svg or .pdf file name", param_hint="--plot")
    if by is None and (faction is not None or lag_days):
        raise click.BadParameter("--faction and --lag-days go with --by", param_hint="--by")
    if by is not None and plot is not None:
        raise click.BadParameter("--plot draws the per-date timeline; not with --by")
    history = open_history(store_url, theatre_id, data_dir)
    if by is not None:
        periods = period_changes(history, by, faction, lag_days=lag_days)
        emit(_periods_text(periods, fmt or "table", history.registry), out, overwrite)
        return
    fmt = fmt or "csv"
    if fmt == "table":
        raise click.BadParameter("table goes with --by; use csv, json or md", param_hint="--format")
    gaz = _gazetteer(data_dir, history.theatre_id, not no_gazetteer)
    df = make_timeline(history, gaz)
    if fmt == "csv":
        text = df.to_csv(index=False, float_format="%.3f", lineterminator="\n")
    elif fmt == "md":
        text = timeline_markdown(df, history.registry)
    else:
        recs = df.assign(date=df["date"].map(lambda d: d.isoformat())).to_dict(orient="records")
        for r in recs:
            for k, v in r.items():
                if isinstance(v, float):
                    r[k] = None if v != v else round(v, 3)
        text = json.dumps(recs, indent=2, ensure_ascii=False) + "\n"
    if plot is not None:
        _plot(df, history.registry, plot, overwrite)
    emit(text, out, overwrite)


def _periods_text(df, fmt: str, registry) -> str:
    if fmt == "table":
        return periods_table(df, registry)
    if fmt == "md":
        return periods_markdown(df, registry)
    dated = df.assign(**{c: df[c].map(lambda d: d.isoformat()) for c in _PERIOD_DATES})
    if fmt == "csv":
        return dated.to_csv(index=False, float_format="%.3f", lineterminator="\n")
    recs = dated.to_dict(orient="records")
    for r in recs:
        for k, v in r.items():
            if isinstance(v, float):
                r[k] = None if v != v else round(v, 3)
    return json.dumps(recs, indent=2, ensure_ascii=False) + "\n"


_PERIOD_DATES = ("start", "end", "date_a", "date_b")


def _plot(df, registry, path: Path, overwrite: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = plot_timeline(df, registry=registry)
    try:
        save_map(ax, path, overwrite=overwrite, dpi=150, tight=True)
    finally:
        plt.close(figure_of(ax))
    click.echo(f"wrote {path}", err=True)


@click.command("frontlines")
@date_opt(
    "--date",
    "date",
    required=True,
    help="Date (YYYY-MM-DD); the map in force on that date is used.",
)
@theatre_opt
@data_opt
@store_opt
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["geojson", "csv", "json"]),
    default="geojson",
    show_default=True,
)
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0),
    default=DEFAULT_TOLERANCE_KM,
    show_default=True,
    help="Areas closer than this (km) face each other.",
)
@click.option(
    "--min-length",
    type=click.FloatRange(min=0),
    default=DEFAULT_MIN_LENGTH_KM,
    show_default=True,
    help="Drop front pieces shorter than this (km).",
)
@out_opt
@overwrite_opt
@handle_errors
def frontlines(
    date, theatre_id, data_dir, store_url, fmt, tolerance, min_length, out, overwrite
) -> None:
    """Front lines between hostile factions on a date, with their lengths.

    \b
    Examples:
      frontline frontlines --date 2017-06-09 > fronts.geojson
      frontline frontlines --date 2017-11-19 --format csv
    """  # noqa: D301 - click's \b keeps the examples' line breaks
    refuse_existing(out, overwrite)
    history = open_history(store_url, theatre_id, data_dir)
    snap = history.at(date)
    if history.registry is None:
        raise InputError(f"{history.theatre_id}: front lines need the factions (factions.yaml)")
    fl = front_lines(
        snap,
        history.registry,
        tolerance_km=tolerance,
        min_length_km=min_length,
        theatre=history.theatre,
    )
    rows = [
        {
            "faction_a": r.faction_a,
            "faction_b": r.faction_b,
            "length_km": round(float(r.length_km), 3),
        }
        for r in fl.itertuples(index=False)
    ]
    if fmt == "csv":
        text = csv_text(fl.drop(columns="geometry"))
    elif fmt == "json":
        text = (
            json.dumps(
                {"date": date.isoformat(), "snapshot": snap.date.isoformat(), "front_lines": rows},
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    else:
        feats = [
            '{"type": "Feature", "properties": '
            + json.dumps({**r, "date": snap.date.isoformat(), "layer": "front_lines"},
                         sort_keys=True, ensure_ascii=False)
            + ', "geometry": ' + geometry_json(g) + "}"
            for r, g in zip(rows, fl.geometry.values, strict=True)
        ]  # fmt: skip
        head = json.dumps({"type": "FeatureCollection", "date": snap.date.isoformat()})[:-1]
        text = head + ', "features": [\n' + ",\n".join(feats) + "\n]}\n"
    emit(text, out, overwrite)
