"""The layer table in docs/ARCHITECTURE.md is the contract: data flows one way.

Every import of one of frontline's own modules is checked against the table: imports at the
top of a file, imports inside functions, module names handed to ``importlib`` as strings, and
private names (``_x``) used from another module. A deliberately bad package shows the check
can fail.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "frontline"
TABLE = ROOT / "docs" / "ARCHITECTURE.md"


@dataclass(frozen=True)
class Link:
    """One runtime link from a module to another of the package."""

    source: str  # importing module, dotted ("frontline.diff")
    target: str  # imported module, dotted
    line: int
    how: str  # "import", "function import", "importlib", "private name"
    name: str = ""


def read_layers(text: str) -> dict[str, int]:
    """Module (dotted, without the package name) -> layer number, from the Markdown table."""
    block = re.search(r"<!-- layers: start -->(.*?)<!-- layers: end -->", text, re.S)
    assert block, "docs/ARCHITECTURE.md has no '<!-- layers: start -->' table"
    layers: dict[str, int] = {}
    for row in block.group(1).splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].isdigit():
            continue
        for mod in re.findall(r"`([\w.]+)`", cells[1]):
            layers[mod] = int(cells[0])
    return layers


def module_name(path: Path, package_dir: Path) -> str:
    rel = path.relative_to(package_dir.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_lines(tree: ast.AST) -> set[int]:
    """Line numbers inside ``if TYPE_CHECKING:`` blocks (annotations only, not runtime links)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for child in node.body:
                    lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _resolve(mod: str, known: set[str]) -> str | None:
    """The longest known module that *mod* names (``frontline.render.maps.x`` → ``…maps``)."""
    parts = mod.split(".")
    while parts:
        cand = ".".join(parts)
        if cand in known:
            return cand
        parts.pop()
    return None


def links_of(package_dir: Path) -> list[Link]:
    """Every runtime link between the modules of the package in *package_dir*."""
    pkg = package_dir.name
    files = sorted(package_dir.rglob("*.py"))
    known = {module_name(p, package_dir) for p in files}
    out: list[Link] = []
    for path in files:
        src = module_name(path, package_dir)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_lines(tree)
        top_level = {id(n) for n in tree.body}
        # module aliases bound in this file: name -> module ("topo" -> "frontline.topology")
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == pkg or a.name.startswith(pkg + "."):
                        tgt = _resolve(a.name, known)
                        how = "import" if id(node) in top_level else "function import"
                        if tgt:
                            out.append(Link(src, tgt, node.lineno, how))
                            aliases[a.asname or a.name] = tgt
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative import
                    anchor = src.split(".")
                    if path.name != "__init__.py":
                        anchor = anchor[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                if not (base == pkg or base.startswith(pkg + ".")):
                    continue
                how = "import" if id(node) in top_level else "function import"
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    if sub in known:  # "from frontline import topology"
                        out.append(Link(src, sub, node.lineno, how))
                        aliases[a.asname or a.name] = sub
                        continue
                    tgt = _resolve(base, known)
                    if tgt is None:
                        continue
                    out.append(Link(src, tgt, node.lineno, how))
                    if a.name.startswith("_") and not a.name.startswith("__") and tgt != src:
                        out.append(Link(src, tgt, node.lineno, "private name", a.name))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                # module names as strings ("frontline.export" or "frontline.cli.diff:diff")
                text = node.value.split(":")[0]
                if re.fullmatch(rf"{pkg}(\.\w+)+", text):
                    tgt = _resolve(text, known)
                    if tgt and tgt != src:
                        out.append(Link(src, tgt, node.lineno, "importlib"))
        own = _private_names_defined(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and node.attr not in NAMEDTUPLE_API
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
                and not (isinstance(node.value, ast.Name) and node.value.id in aliases)
                and node.attr not in own
                and node.lineno not in skip
            ):
                # obj._x where _x is not defined in this module: another module's private
                # method or attribute (read, or written onto its object)
                out.append(Link(src, "?", node.lineno, "private name", node.attr))
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and aliases[node.value.id] != src
                and node.lineno not in skip
            ):
                tgt = aliases[node.value.id]
                out.append(Link(src, tgt, node.lineno, "private name", node.attr))
    return out


NAMEDTUPLE_API = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}


def _private_names_defined(tree: ast.AST) -> set[str]:
    """Private functions, classes, methods and ``self._x`` attributes this module defines."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
        ):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return {n for n in names if n.startswith("_")}


def layer_of(mod: str, layers: dict[str, int], pkg: str) -> int | None:
    """Layer of a dotted module: its own row, else its package's row (``cli.diff`` → ``cli``)."""
    rel = mod[len(pkg) + 1 :] if mod != pkg else pkg
    parts = rel.split(".")
    while parts:
        cand = ".".join(parts)
        if cand in layers:
            return layers[cand]
        parts.pop()
    return None


def violations(package_dir: Path, layers: dict[str, int]) -> list[str]:
    """Links that break the table, in words; an empty list when the package keeps to it."""
    pkg = package_dir.name
    top = max(layers.values())
    problems = []
    for link in links_of(package_dir):
        src_layer = layer_of(link.source, layers, pkg)
        tgt_layer = layer_of(link.target, layers, pkg)
        where = f"{link.source} line {link.line}"
        if src_layer is None:
            problems.append(f"{link.source}: not in the layer table")
            continue
        if link.how == "private name":
            owner = "another module's object" if link.target == "?" else link.target
            problems.append(f"{where}: uses private name {link.name} of {owner}")
            continue
        if tgt_layer is None:
            problems.append(f"{where}: imports {link.target}, which is not in the layer table")
        elif src_layer == top:
            continue
        elif link.source.startswith(link.target + ".") or link.target.startswith(link.source + "."):
            continue  # a package and its own submodules (render/__init__ re-exports)
        elif tgt_layer >= src_layer:
            problems.append(
                f"{where}: {link.how} of {link.target} (layer {tgt_layer}) "
                f"from layer {src_layer}; a module may import only lower layers"
            )
    return problems


def test_layer_table_lists_every_module():
    layers = read_layers(TABLE.read_text(encoding="utf-8"))
    missing = sorted(
        m
        for m in (module_name(p, PACKAGE) for p in PACKAGE.rglob("*.py"))
        if layer_of(m, layers, "frontline") is None
    )
    assert not missing, f"add these modules to the layer table in docs/ARCHITECTURE.md: {missing}"


def test_package_imports_only_lower_layers():
    layers = read_layers(TABLE.read_text(encoding="utf-8"))
    problems = violations(PACKAGE, layers)
    assert not problems, "\n".join(problems)


BAD_TABLE = """
<!-- layers: start -->
| layer | modules | concept |
|---|---|---|
| 0 | `low` | bottom |
| 1 | `mid` | middle |
| 2 | `high` | top of the library |
| 3 | `badpkg`, `cli`, `user` | api and a user |
<!-- layers: end -->
"""

BAD_MODULES = {
    "__init__.py": "",
    "low.py": """
        import importlib

        def hidden():
            from badpkg import mid  # function-level import of a higher layer
            return importlib.import_module("badpkg.high")  # importlib string
    """,
    "mid.py": """
        from badpkg.low import _secret  # private name across modules
        from badpkg import low

        def peek():
            return low._other  # private attribute of another module
    """,
    "high.py": """
        from typing import TYPE_CHECKING

        from badpkg import mid  # fine: lower layer

        if TYPE_CHECKING:
            from badpkg import cli  # annotations only: not a runtime link
    """,
    "cli.py": "from badpkg import high\n",
    "user.py": """
        def grab(thing):
            thing._cache = 1  # writes onto another module's object
            return thing._rank(2)  # calls another module's private method
    """,
    "stray.py": "x = 1\n",
}


def test_a_bad_package_is_caught(tmp_path):
    pkg = tmp_path / "badpkg"
    pkg.mkdir()
    for name, body in BAD_MODULES.items():
        (pkg / name).write_text(textwrap.dedent(body))
    problems = violations(pkg, read_layers(BAD_TABLE))
    text = "\n".join(problems)
    assert "badpkg.low line 5: function import of badpkg.mid (layer 1) from layer 0" in text
    assert "badpkg.low line 6: importlib of badpkg.high (layer 2) from layer 0" in text
    assert "badpkg.mid line 2: uses private name _secret of badpkg.low" in text
    assert "badpkg.mid line 6: uses private name _other of badpkg.low" in text
    assert "badpkg.stray: not in the layer table" not in text  # it imports nothing
    assert not any("badpkg.high" in p and "cli" in p for p in problems)  # TYPE_CHECKING
    assert not any(p.startswith("badpkg.cli") for p in problems)  # the top may import all
    assert "badpkg.user line 3: uses private name _cache of another module's object" in text
    assert "badpkg.user line 4: uses private name _rank of another module's object" in text
    assert len(problems) == 6, text


@pytest.mark.parametrize("module", ["frontline.render", "frontline.cli.diff", "frontline"])
def test_layer_lookup_of_packages(module):
    layers = read_layers(TABLE.read_text(encoding="utf-8"))
    assert layer_of(module, layers, "frontline") is not None


#: the two lazy loaders: the public API (PEP 562) and the click group (one module per command)
LAZY_LOADERS = {"frontline", "frontline.cli"}


def test_own_modules_are_imported_at_the_top():
    hidden = [
        f"{link.source} line {link.line}: {link.how} of {link.target}"
        for link in links_of(PACKAGE)
        if link.how in ("function import", "importlib") and link.source not in LAZY_LOADERS
    ]
    assert not hidden, "import these at the top of the module:\n" + "\n".join(hidden)
