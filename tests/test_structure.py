"""The package's shape: imports point one way, down the stages, with no cycle; no function
is longer than a reader can hold in mind.

The stages, from the bottom (leaves every stage may use) to the top (the command line).
A module may import from its own folder or from a lower stage, never from a higher one.
Imports inside functions count: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "sopacket"

LAYERS: list[tuple[str, ...]] = [
    # leaves: no stage of their own
    (
        "sopacket.errors",
        "sopacket.resources",
        "sopacket.files",
        "sopacket.output",
        "sopacket.progress",
        "sopacket.keystore",
        "sopacket.packetfile.pages",
    ),
    ("sopacket.packetfile",),  # the packet file: reading, model, validation, editing
    ("sopacket.records",),  # record files: limits, inspection, cleaning in capped children
    ("sopacket.checking",),  # checklists and the check pipeline
    ("sopacket.render",),  # the packet's own pages
    ("sopacket.packaging",),  # assembling, fitting, encrypting the output files
    ("sopacket.config", "sopacket.options", "sopacket.passwords"),
    ("sopacket.build", "sopacket.verify"),  # the orchestrating stories
    ("sopacket.batch",),
    ("sopacket.cli", "sopacket.__main__", "sopacket"),  # the command line, the public API
]

LONGEST_FUNCTION = 80


def _module_name(path: Path) -> str:
    parts = ["sopacket", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that ``name`` imports (anywhere in the file)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "sopacket" and all(a.name == "__version__" for a in node.names):
                continue  # the version number, not the public API's imports
            # `from . import x` imports the module x when there is one, else a name of `.`
            targets = [
                f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target
                for a in node.names
            ]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]  # `import a.b.c` -> the deepest module
            if target and target != name:
                found.add(target)
    return found


def _layer(name: str) -> int:
    best, rank = -1, -1
    for n, members in enumerate(LAYERS):
        for member in members:
            matches = name == member or name.startswith(member + ".")
            if matches and len(member) > best:
                best, rank = len(member), n
    assert rank >= 0, f"{name} is in no layer: add it to LAYERS in {__file__}"
    return rank


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    # a package's __init__ importing its own submodules is how a package is put together
    return {
        name: {t for t in targets if not t.startswith(name + ".")}
        for name, targets in graph.items()
    }


def test_every_import_points_down_the_stages() -> None:
    upward = [
        f"{name} (stage {_layer(name)}) imports {target} (stage {_layer(target)})"
        for name, targets in sorted(_graph().items())
        for target in sorted(targets)
        if _layer(target) > _layer(name)
    ]
    assert upward == []


def test_the_import_graph_has_no_cycle() -> None:
    graph = _graph()
    state: dict[str, int] = {}  # 1: being visited, 2: done
    cycles: list[str] = []

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph.get(name, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_checks_see_the_imports() -> None:
    """The graph is really read: build imports the stages it runs, and a folder's modules
    are placed in their stage."""
    graph = _graph()
    assert {"sopacket.checking.check", "sopacket.options"} <= graph["sopacket.build"]
    assert _layer("sopacket.records.sanitise") == 2
    assert _layer("sopacket.packetfile.pages") == 0


def test_no_function_is_longer_than_80_lines() -> None:
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
                lines = (node.end_lineno or node.lineno) - first + 1
                if lines > LONGEST_FUNCTION:
                    long.append(f"{_module_name(path)}.{node.name}")
    assert long == []
