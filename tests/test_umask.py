"""Every file frontline writes keeps the user's umask, like any other program's output.

Each writer of the command line runs under umask 022 and 027: maps (PNG, SVG, PDF, a change
map), the timelapse, the timeline and its plot, a diff report, the web map, the GIS exports
(GeoPackage and QGIS project, GeoJSON, FlatGeobuf, CSV) and rebuilt snapshots. Every file
they leave must have mode ``0o666 & ~umask`` and every folder they make ``0o777 & ~umask``
(temporary files are made 0600 by ``mkstemp``: they must not keep that mode).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

SYNTHETIC_THEATRE = "testland"


def _modes(root: Path) -> dict[str, int]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            out[str(p.relative_to(root))] = stat.S_IMODE(p.lstat().st_mode)
    return out


@pytest.mark.parametrize("mask", [0o022, 0o027], ids=["umask022", "umask027"])
def test_outputs_keep_the_umask(mask, cli_runner, built_data_dir, tmp_path):
    from frontline.cli import cli

    data = ["--data", str(built_data_dir), "--theatre", SYNTHETIC_THEATRE]
    small = ["--size", "400x225", "--dpi", "50", "--basemap", "none"]
    out = tmp_path / "out"
    control = built_data_dir / "control" / SYNTHETIC_THEATRE
    runs = [
        ["render", *data, *small, "--date", "2020-02-15", "--out", str(out / "map.png")],
        ["render", *data, *small, "--date", "2020-02-15", "--out", str(out / "map.svg")],
        ["render", *data, *small, "--date", "2020-02-15", "--out", str(out / "map.pdf")],
        ["render", *data, *small, "--from", "2020-01-01", "--to", "2020-03-01",
         "--out", str(out / "change.png")],
        ["animate", *data, *small, "--no-labels", "--quiet", "--out", str(out / "anim.gif")],
        ["timeline", *data, "--no-gazetteer", "--format", "csv", "--out", str(out / "t.csv"),
         "--plot", str(out / "timeline" / "t.png")],
        ["diff", *data, "2020-01-01", "2020-03-01", "--no-gazetteer", "--out",
         str(out / "diff.md")],
        ["web", *data, "--out", str(out / "site")],
        ["export", *data, "--format", "gpkg", "--out", str(out / "gis" / "f.gpkg"),
         "--qgs", str(out / "gis" / "f.qgs")],
        ["export", *data, "--format", "geojson", "--out", str(out / "geojson")],
        ["export", *data, "--format", "fgb", "--out", str(out / "fgb")],
        ["export", *data, "--format", "csv", "--out", str(out / "csv")],
        ["control", "build", *data, "--date", "2020-02-01", "--overwrite"],
    ]  # fmt: skip
    old = os.umask(mask)
    try:
        for args in runs:
            res = cli_runner.invoke(cli, args)
            assert res.exit_code == 0, (args[0], res.output)
    finally:
        os.umask(old)
    written = _modes(out)
    expected_names = [
        "map.png", "map.svg", "map.pdf", "change.png", "anim.gif", "t.csv", "timeline/t.png",
        "diff.md", "site/index.html", "gis/f.gpkg", "gis/f.qgs",
    ]  # fmt: skip
    assert set(expected_names) <= set(written), sorted(written)
    assert any(k.startswith("geojson/") and k.endswith(".geojson") for k in written)
    assert any(k.startswith("fgb/") and k.endswith(".fgb") for k in written)
    assert any(k.startswith("csv/") and k.endswith(".csv") for k in written)
    assert not [k for k in written if Path(k).name.startswith(".")], "temporary files left"
    snapshot = control / "2020-02-01.geojson"
    written["control/2020-02-01.geojson"] = stat.S_IMODE(snapshot.stat().st_mode)
    wrong = {}
    for name, mode in written.items():
        is_dir = (out / name).is_dir()
        want = (0o777 if is_dir else 0o666) & ~mask
        if mode != want:
            wrong[name] = f"{mode:o} (want {want:o})"
    assert not wrong, wrong
