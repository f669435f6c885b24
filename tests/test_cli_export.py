"""``frontline export`` on the synthetic built data directory of conftest."""

from __future__ import annotations

import json

import pytest
from test_export import ogrinfo

from frontline.cli import cli


def run(cli_runner, *args):
    return cli_runner.invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.needs("ogrinfo")
def test_export_gpkg_and_project(cli_runner, built_data_dir, tmp_path):
    out = tmp_path / "out" / "testland.gpkg"
    qgs = tmp_path / "out" / "testland.qgs"
    res = run(
        cli_runner,
        "export",
        "--data",
        str(built_data_dir),
        "--theatre",
        "testland",
        "--format",
        "gpkg",
        "--out",
        str(out),
        "--qgs",
        str(qgs),
    )
    assert res.exit_code == 0, res.output
    assert "control: " in res.output
    layers, stderr = ogrinfo(out)
    assert stderr.strip() == ""
    assert {"control", "changes", "gazetteer", "observations", "layer_styles"} <= set(layers)
    assert layers["control"]["fields"]["valid_from"] == "Date"
    assert layers["control"]["count"] > 0 and layers["control"]["crs"] == "EPSG:4326"
    assert "./testland.gpkg|layername=control" in qgs.read_text(encoding="utf-8")


def test_existing_output_exits_2_and_overwrite_replaces(cli_runner, built_data_dir, tmp_path):
    out = tmp_path / "x.gpkg"
    out.write_bytes(b"keep")
    args = [
        "export",
        "--data",
        str(built_data_dir),
        "--theatre",
        "testland",
        "--out",
        str(out),
        "--layer",
        "control",
    ]
    res = run(cli_runner, *args)
    assert res.exit_code == 2
    assert "--overwrite" in res.output and out.read_bytes() == b"keep"
    res = run(cli_runner, *args, "--overwrite", "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["format"] == "gpkg" and summary["layers"]["control"] > 0
    assert out.read_bytes()[:6] == b"SQLite"


@pytest.mark.parametrize("fmt,suffix", [("geojson", ".geojson"), ("fgb", ".fgb"), ("csv", ".csv")])
def test_export_folder_formats(cli_runner, built_data_dir, tmp_path, fmt, suffix):
    out = tmp_path / fmt
    res = run(
        cli_runner,
        "export",
        "--data",
        str(built_data_dir),
        "--theatre",
        "testland",
        "--format",
        fmt,
        "--out",
        str(out),
        "--layer",
        "control",
        "--layer",
        "changes",
        "--json",
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert set(summary["layers"]) == {"control", "changes"}
    assert (out / f"control{suffix}").is_file() and (out / f"changes{suffix}").is_file()


def test_bad_usage_exits_2(cli_runner, built_data_dir, tmp_path):
    base = ["export", "--data", str(built_data_dir), "--theatre", "testland"]
    res = run(cli_runner, *base, "--out", str(tmp_path / "folder"))
    assert res.exit_code == 2 and "--format" in res.output
    res = run(
        cli_runner,
        *base,
        "--format",
        "geojson",
        "--out",
        str(tmp_path / "g"),
        "--qgs",
        str(tmp_path / "p.qgs"),
    )
    assert res.exit_code == 2 and "--qgs needs --format gpkg" in res.output
    res = run(cli_runner, *base, "--format", "kml", "--out", str(tmp_path / "k"))
    assert res.exit_code == 2
    assert not (tmp_path / "folder").exists() and not (tmp_path / "g").exists()


def test_empty_history_is_an_input_error(cli_runner, synthetic_data_dir, tmp_path):
    res = run(
        cli_runner,
        "export",
        "--data",
        str(synthetic_data_dir),
        "--theatre",
        "testland",
        "--out",
        str(tmp_path / "x.gpkg"),
    )
    assert res.exit_code == 2 and "empty" in res.output
    assert not (tmp_path / "x.gpkg").exists()
