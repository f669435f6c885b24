import subprocess
import sys

from click.testing import CliRunner

from frontline import __version__
from frontline.cli import COMMANDS, cli


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_lists_every_command():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys; from frontline.cli import main; sys.argv=['frontline','--help'];\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy=[m for m in ('geopandas','matplotlib','shapely','pyproj') if m in sys.modules]\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_unknown_command_is_usage_error():
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code == 2


def test_group_options_reach_every_command(tmp_path):
    """`frontline --data DIR --theatre T <command>` works like the command's own options."""
    from frontline.theatre import shipped_data_dir

    runner = CliRunner()
    data = str(shipped_data_dir())
    ok = runner.invoke(
        cli, ["--data", data, "--theatre", "syria-iraq-2017", "control", "list", "--json"]
    )
    assert ok.exit_code == 0, ok.output
    assert '"theatre": "syria-iraq-2017"' in ok.output
    missing = runner.invoke(cli, ["--data", str(tmp_path / "nope"), "control", "list"])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    # the command's own option wins over the group's
    own = runner.invoke(
        cli,
        ["--theatre", "nope", "control", "list", "--data", data, "--theatre", "syria-iraq-2017"],
    )
    assert own.exit_code == 0, own.output
    # the group's option wins over the environment
    env = runner.invoke(
        cli,
        ["--theatre", "syria-iraq-2017", "control", "list", "--data", data],
        env={"FRONTLINE_THEATRE": "nope"},
    )
    assert env.exit_code == 0, env.output
    bad = runner.invoke(
        cli, ["--data", data, "--theatre", "nope", "diff", "2017-06-09", "2017-06-18"]
    )
    assert bad.exit_code == 2 and "no theatre 'nope'" in bad.output
