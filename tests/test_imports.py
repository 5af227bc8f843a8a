"""The package's rooms, held by its imports: no import circle, no import from a lower layer to a higher one,
and no Python file over 400 lines without a stated reason.

Every import of every module under src/python/pairbench is read with `ast`, without importing anything:
module-level and function-level, `import x` and `from x import y` (relative ones resolved), under
`if TYPE_CHECKING:` too, since a circle kept open by a lazy or type-only import is still a circle. An
import names the module it loads: `from pairbench.tasks.deep import spec` is an edge to
`pairbench.tasks.deep.spec`, `from pairbench.tasks.deep import DOMAIN` one to the package's `__init__`.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "python" / "pairbench"

# The layers, lowest first: a module may import its own layer and the layers of lower ranks, never a higher
# one; layers of one rank never import each other. The order is what the code does (checked below).
LAYERS: list[tuple[frozenset[str], str]] = [
    (frozenset({"<root>"}), "pairbench/__init__.py: the version string, importing nothing"),
    (
        frozenset({"core"}),
        "the contracts every phase and both languages share: cell, result, Benchmark trait, registry, names, paths",
    ),
    (
        frozenset({"datasets", "metrics"}),
        "the bytes both sides read and the one scorer of their outputs; each needs only core's contracts",
    ),
    (
        frozenset({"tasks", "harness", "configuration"}),
        "the Python sides; phase 4's launcher, which finds them through core's registry at run time, never by "
        "import; phase 1's reader of the config files, which must not load a side's libraries",
    ),
    (
        frozenset({"build", "experiment"}),
        "phase 2 builds and describes the sides; phase 3 validates cells through the harness's launcher; "
        "both read the configuration",
    ),
    (frozenset({"analysis"}), "phase 5: statistics over what phases 2 to 4 wrote, read with their loaders"),
    (frozenset({"report"}), "phase 6 renders what analysis computed"),
    (frozenset({"cli"}), "one verb per module, over every phase; nothing imports it"),
]
RANK = {layer: rank for rank, (layers, _) in enumerate(LAYERS) for layer in layers}

MAX_LINES = 400
# Files over MAX_LINES, each with why it stays whole.
LONG_FILES: dict[str, str] = {
    "configuration/spec_layout.py": "one translation, the specification's layout onto the catalogue: its "
    "_Translation class (about 400 lines) keeps the problem list, the skips, the stand-ins and the tasks being "
    "built, which every one of its methods updates; split into names and values it would need a shared base and a "
    "mixin for a single caller. Its vocabulary is already apart (spec_names.py).",
    "harness/launcher.py": "phase 4's launcher, under redesign with the rounds (issue 24) by its owner; the split "
    "that reads better, its CPU claiming (pinned_cpus, claimed_cpus: about 100 lines) into a module of its own, "
    "belongs to that work.",
}


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, whether it is a package's __init__)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return out


MODULES = _modules()


def _resolve(name: str) -> str:
    """The module an imported dotted name loads: the longest prefix that is a module (an attribute's module)."""
    while name not in MODULES and "." in name:
        name = name.rpartition(".")[0]
    return name


def _imports(module: str, path: Path, is_package: bool) -> dict[str, int]:
    """Every pairbench module `module` imports, with the first line that does."""
    package = module if is_package else module.rpartition(".")[0]
    out: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            # `from package import submodule` loads the submodule; `from module import name` the module.
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for name in names:
            if name == "pairbench" or name.startswith("pairbench."):
                target = _resolve(name)
                if target != module:
                    out.setdefault(target, node.lineno)
    return out


GRAPH = {module: _imports(module, path, is_package) for module, (path, is_package) in MODULES.items()}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "<root>"


def _where(module: str, line: int) -> str:
    return f"{MODULES[module][0].relative_to(PACKAGE.parent)}:{line}"


def test_every_layer_is_ranked() -> None:
    layers = {_layer(m) for m in MODULES}
    assert layers <= set(RANK), f"layers without a rank in LAYERS: {sorted(layers - set(RANK))}"
    assert set(RANK) <= layers, f"LAYERS names no such package: {sorted(set(RANK) - layers)}"


def test_no_import_circle() -> None:
    """Tarjan's strongly connected components of the import graph: each must be one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    lines = [
        " <-> ".join(circle)
        + ": "
        + "; ".join(f"{_where(a, GRAPH[a][b])} imports {b}" for a in circle for b in GRAPH[a] if b in circle)
        for circle in circles
    ]
    assert not lines, "import circles:\n" + "\n".join(lines)


def test_no_upward_import() -> None:
    bad = [
        f"{_where(a, line)}: {_layer(a)} imports {b} ({_layer(b)}, "
        + ("the same rank" if RANK[_layer(a)] == RANK[_layer(b)] else "a higher layer")
        + ")"
        for a, targets in GRAPH.items()
        for b, line in targets.items()
        if _layer(a) != _layer(b) and RANK[_layer(a)] <= RANK[_layer(b)]
    ]
    assert not bad, "imports against the layer order (LAYERS):\n" + "\n".join(bad)


def test_the_import_reader_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    # The reader must see what keeps a circle open: an import inside a function, a relative one.
    module = "pairbench.core.cells"
    path = tmp_path / "cells.py"
    path.write_text(
        "from . import names\n"
        "def f():\n"
        "    from pairbench.harness.launcher import run_side\n"
        "    import pairbench.tasks.rl.spec\n"
        "    from ..configuration import config\n",
        encoding="utf-8",
    )
    assert set(_imports(module, path, False)) == {
        "pairbench.core.names",
        "pairbench.harness.launcher",
        "pairbench.tasks.rl.spec",
        "pairbench.configuration.config",
    }


def test_long_file_reasons_are_current() -> None:
    stale = [
        f"{name}: " + ("no such file" if not (PACKAGE / name).is_file() else "no longer over the limit, or no reason")
        for name, reason in LONG_FILES.items()
        if not (PACKAGE / name).is_file()
        or len((PACKAGE / name).read_text(encoding="utf-8").splitlines()) <= MAX_LINES
        or not reason.strip()
    ]
    assert not stale, "LONG_FILES entries to drop or explain:\n" + "\n".join(stale)


def test_no_long_file_without_a_reason() -> None:
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in sorted(PACKAGE.rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    unexplained = [f"{name}: {n} lines" for name, n in long.items() if name not in LONG_FILES]
    assert not unexplained, f"files over {MAX_LINES} lines (split them, or say why in LONG_FILES):\n" + "\n".join(
        unexplained
    )
