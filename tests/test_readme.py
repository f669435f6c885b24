"""The README's commands run as written after ``make demo`` (issue 15).

The test copies the repository's ``geodata/`` into a scratch folder, runs the demo there (what
``make demo`` runs, without the slow GIF), then every ``frontline …`` command of the README's
command blocks, in order, from that folder, each in its own process. The PostGIS block runs
against the test cluster, with its URLs and role names pointed at it.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from conftest import ROOT, cli_env, run_cli

README = ROOT / "README.md"
POSTGIS_SECTION = "Shared history for teams (PostGIS)"


def readme_blocks() -> list[tuple[str, str, list[str]]]:
    """(section heading, fence language, lines) of every fenced block of the README."""
    blocks: list[tuple[str, str, list[str]]] = []
    heading, lang, lines = "", None, []
    for line in README.read_text(encoding="utf-8").splitlines():
        if lang is None and line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("```"):
            if lang is None:
                lang, lines = line[3:].strip(), []
            else:
                blocks.append((heading, lang, lines))
                lang = None
        elif lang is not None:
            lines.append(line)
    return blocks


def readme_commands(section: str | None = None) -> list[list[str]]:
    """The shell words of every command of the README's console and bash blocks.

    ``$ frontline …`` lines of console blocks and every line of bash blocks (comments
    stripped); *section* limits them to one heading (default: every heading but PostGIS's).
    """
    out = []
    for heading, lang, lines in readme_blocks():
        if (section is None and heading == POSTGIS_SECTION) or (
            section is not None and heading != section
        ):
            continue
        if lang == "console":
            lines = _console_commands(lines)
        elif lang != "bash":
            continue
        for line in lines:
            words = shlex.split(line, comments=True)
            if words:
                out.append(words)
    return out


def _console_commands(lines: list[str]) -> list[str]:
    """The ``$ …`` commands of a console block, a quoted argument running on over lines."""
    out = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            i += 1
            continue
        command = lines[i][2:]
        i += 1
        while True:
            try:
                shlex.split(command, comments=True)
                break
            except ValueError:  # an open quote: the command goes on on the next line
                if i >= len(lines):
                    raise
                command += "\n" + lines[i]
                i += 1
        out.append(command)
    return out


def _run(words: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """Run a README command: ``frontline …``, ``frontline … < FILE``, ``printf … | frontline …``."""
    stdin = None
    if "|" in words:
        cut = words.index("|")
        assert words[0] == "printf" and words[cut + 1] == "frontline", words
        stdin = subprocess.run(words[:cut], capture_output=True, text=True, check=True).stdout
        words = words[cut + 1 :]
    if "<" in words:
        cut = words.index("<")
        stdin = (cwd / words[cut + 1]).read_text(encoding="utf-8")
        words = words[:cut] + words[cut + 2 :]
    return run_cli(*words[1:], cwd=cwd, timeout=900, input=stdin, **env)


#: The reader's own inputs the README's commands assume ("frontline observe report.html").
READER_FILES = {
    "report.html": (
        '<html><head><meta property="article:published_time" content="2017-10-05">'
        '<title>Iraqi forces retake town in Kirkuk</title></head><body><p>"The Hawija '
        'district has been retaken from Daesh," said a written statement on Thursday.</p>'
        "</body></html>\n"
    ),
    "report.txt": (
        "Iraqi forces on Thursday drove Islamic State militants out of Anah. "
        "The militants still hold Rawa.\n"
    ),
}


def test_the_readme_has_commands_to_run():
    commands = readme_commands()
    assert sum(w[0] == "frontline" for w in commands) >= 15
    assert ["source", ".venv/bin/activate"] in commands  # how to get `frontline` on the PATH
    assert {w[0] for w in commands} <= {"frontline", "make", "source", "pip", "printf"}, [
        w for w in commands if w[0] not in {"frontline", "make", "source", "pip", "printf"}
    ]
    postgis = readme_commands(POSTGIS_SECTION)
    assert any(w[:3] == ["frontline", "store", "push"] for w in postgis)


@pytest.fixture(scope="module")
def after_demo(tmp_path_factory) -> Path:
    """A folder as the repository is after `make demo`: ./geodata (a copy) and out/."""
    work = tmp_path_factory.mktemp("after-demo")
    shutil.copytree(ROOT / "geodata", work / "geodata")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--out", "out", "--no-animation"],
        cwd=work,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert (work / "out" / "frontline.gpkg").is_file()
    for name, text in READER_FILES.items():
        (work / name).write_text(text, encoding="utf-8")
    return work


@pytest.mark.slow
def test_readme_commands_run_as_written_after_make_demo(after_demo):
    """Every command exits 0; the history writers run first and alone, the rest two at a time."""
    from concurrent.futures import ThreadPoolExecutor

    commands = [w for w in readme_commands() if w[0] in ("frontline", "printf")]  # not make
    writers = [w for w in commands if w[:3] in (["frontline", "control", "build"],
                                                ["frontline", "control", "import"])
               or w[:2] == ["frontline", "observe"]]  # fmt: skip
    assert len(writers) >= 2
    results = [(w, _run(w, after_demo)) for w in writers]  # in README order: observe first
    with ThreadPoolExecutor(2) as pool:
        others = [w for w in commands if w not in writers]
        results += list(zip(others, pool.map(lambda w: _run(w, after_demo), others), strict=True))
    for words, r in results:
        assert r.returncode == 0, f"{shlex.join(words)} exited {r.returncode}:\n{r.stderr[-1500:]}"
        assert "Traceback" not in r.stderr
    ran = {w[-2] if w[0] == "printf" else w[1] for w in commands}
    assert {"geocode", "places", "control", "diff", "render", "animate", "export"} <= ran
    assert "observe" in ran or "observe" not in README.read_text(encoding="utf-8")
    # the build and the import gave the shipped history back, byte for byte
    control = Path("geodata", "control", "syria-iraq-2017")
    for path in sorted((ROOT / control).glob("*.geojson")):
        assert (after_demo / control / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.slow
@pytest.mark.needs("postgis")
def test_readme_postgis_commands_run_against_a_real_store(after_demo, pg_server):
    """The PostGIS block, with its URL pointed at the test cluster and fresh role names."""
    import psycopg

    from frontline.postgis_schema import split_url

    schema = f"t_{uuid.uuid4().hex[:12]}"
    group, alice = f"analysts_{uuid.uuid4().hex[:6]}", f"alice_{uuid.uuid4().hex[:6]}"
    conninfo = split_url(pg_server)[0]
    owner = conninfo.split("://", 1)[1].split("@", 1)[0] or "postgres"
    with psycopg.connect(conninfo, autocommit=True) as admin:
        try:
            admin.execute(f"CREATE ROLE {group}; CREATE ROLE {alice} LOGIN IN ROLE {group}")
        except psycopg.Error as exc:
            pytest.skip(f"cannot create roles on this server: {exc}")

    def point(word: str) -> str:
        for user, role in (("owner", owner), ("alice", alice)):
            word = re.sub(
                rf"postgresql://{user}@db/frontline",
                pg_server.replace("postgres@", f"{role}@", 1) + f"&schema={schema}",
                word,
            )
        return word.replace("analysts", group)

    env: dict[str, str] = {}
    try:
        for words in readme_commands(POSTGIS_SECTION):
            words = [point(w) for w in words]
            if words[0] == "export":
                env.update(dict(w.split("=", 1) for w in words[1:]))
                continue
            if words[0] != "frontline":
                continue  # pip install
            r = _run(words, after_demo, **env)
            assert r.returncode == 0, f"{shlex.join(words)}: {r.returncode}\n{r.stderr[-1500:]}"
        r = run_cli("store", "log", "--date", "2017-06-09", cwd=after_demo, **env)
        assert f"{alice} (Alice Smith)" in r.stdout, r.stdout  # the restore, by alice
    finally:
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            for role in (alice, group):
                admin.execute(f"DROP OWNED BY {role}; DROP ROLE {role}")
