"""Messages that said the wrong thing (issue 15, "Set-up and messages"), in real processes."""

from __future__ import annotations

import pytest
from conftest import SYNTHETIC_THEATRE, run_cli

from frontline.errors import DataFileError


def _data(data) -> list[str]:
    return ["--data", str(data), "--theatre", SYNTHETIC_THEATRE]


def test_geocode_names_the_filter_that_hid_a_place(synthetic_data_dir):
    for extra in ([], ["--strict"]):
        r = run_cli("geocode", "Alpha", "--country", "XX", *extra, *_data(synthetic_data_dir))
        assert r.returncode == 2, r.stderr
        assert "unknown place 'Alpha' with --country XX" in r.stderr
        assert "Alpha (city, SY)" in r.stderr and "did you mean: 'Alpha'" not in r.stderr


def test_a_layer_without_geometries_is_not_a_crs_problem(synthetic_data_dir, tmp_path):
    path = tmp_path / "empty.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"faction": "red"}, "geometry": null}]}'
    )
    r = run_cli("control", "import", str(path), "--date", "2020-02-01", *_data(synthetic_data_dir))
    assert r.returncode == 2 and "no feature has a geometry" in r.stderr, r.stderr
    assert "CRS" not in r.stderr


@pytest.mark.parametrize(
    ("text", "encoding"),
    [("Forces françaises près d'Alpha", "cp1252"), ("القوات قرب ألفا", "cp1256")],
)
def test_a_legacy_encoding_is_named_right(synthetic_data_dir, tmp_path, text, encoding):
    path = tmp_path / "report.txt"
    path.write_bytes(text.encode(encoding))
    r = run_cli("places", str(path), *_data(synthetic_data_dir))
    assert r.returncode == 2 and f"iconv -f {encoding} -t utf-8" in r.stderr, r.stderr


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        ("date,place,faction,source", "2020-01-01,Alpha,red,Times", "lacks column(s) confidence"),
        (
            "date,place,faction,source,confidence,notes",
            "2020-01-01,Alpha,red,Times,1,x",
            "unknown column(s) 'notes'",
        ),
        ("date,place,faction,source,confidence", "2020-01-01,Alpha,red,Tim\x00es,1", "NUL"),
    ],
)
def test_observations_are_never_read_silently_wrong(
    tmp_path, synthetic_registry, synthetic_gazetteer, header, row, message
):
    from frontline.observations import read_observations

    path = tmp_path / "obs.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_observations(path, synthetic_registry, synthetic_gazetteer)


def test_markdown_diff_escapes_names(built_data_dir):
    path = built_data_dir / "factions.yaml"
    path.write_text(path.read_text().replace('name: "Red Front"', 'name: "Red <b>Front</b> | x"'))
    path.write_text(path.read_text().replace('short_name: "Reds"', 'short_name: "<i>Reds</i>"'))
    r = run_cli("diff", "2020-01-01", "2020-02-01", *_data(built_data_dir))
    assert r.returncode == 0, r.stderr
    assert "<b>" not in r.stdout and "<i>" not in r.stdout
    assert r"\<i\>Reds\</i\>" in r.stdout or r"Red \<b\>Front\</b\> \| x" in r.stdout
