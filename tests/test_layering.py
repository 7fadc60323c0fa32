"""The dependency direction of docs/architecture.md ("Dependencies"), checked on every import.

Between packages: ``datasets`` imports none of the others; ``descriptors`` may import
``datasets``; ``models`` may import ``descriptors`` and ``datasets``; ``screening`` may import
everything. Inside ``screening``, the rooms are ordered ``spaces`` < ``campaign`` < ``run`` <
``results`` < ``api`` < ``cli``, and a room imports only rooms at or below its own. The top
package ``anionscreen`` (version and lazy exports) imports no other anionscreen module, and
every module may use it. No module imports a package's ``__init__`` names from inside that
package, and there are no import cycles between modules, counting imports inside functions
(``if TYPE_CHECKING:`` imports are for type checkers only and are not counted).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"anionscreen": ROOT / "anionscreen"} | {
    f"anionscreen.{name}": ROOT / name
    for name in ("datasets", "descriptors", "models", "screening")
}
ALLOWED = {
    "datasets": {"datasets"},
    "descriptors": {"datasets", "descriptors"},
    "models": {"datasets", "descriptors", "models"},
    "screening": {"datasets", "descriptors", "models", "screening"},
}
ROOMS = ("spaces", "campaign", "run", "results", "api", "cli")


def _modules() -> dict[str, Path]:
    """Every module of the project by its installed name."""
    found: dict[str, Path] = {}
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if package == "anionscreen" and parts != ("__init__",):
                continue  # the top folder holds __init__.py only
            name = ".".join((package, *parts)).removesuffix(".__init__")
            found[name] = path
    return found


def _imports(tree: ast.AST) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(module, names) of every import in ``tree`` except under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            yield from (found for child in node.orelse for found in _imports(child))
            continue
        if isinstance(node, ast.Import):
            yield from ((alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, tuple(alias.name for alias in node.names)
        yield from _imports(node)


def _project_imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules (and packages) ``path`` imports, by installed name.

    ``from a.b import c`` counts as importing module ``a.b.c`` when that is a module, and
    as importing ``a.b`` when ``c`` is a name defined there.
    """
    found = set()
    for module, names in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        submodules = {f"{module}.{name}" for name in names} & modules.keys()
        found |= submodules
        if len(submodules) < len(names) or not names:
            found.add(module)
    return found & modules.keys()


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "anionscreen"


def _room(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 3 or parts[1] != "screening":
        return None
    return parts[2]


MODULES = _modules()
GRAPH = {name: _project_imports(path, MODULES) - {name} for name, path in MODULES.items()}


def test_every_folder_is_found() -> None:
    assert {_layer(m) for m in MODULES} == {*ALLOWED, "anionscreen"}
    assert {_room(m) for m in MODULES} - {None} == set(ROOMS)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_point_one_way(package: str) -> None:
    offending = {}
    for module, imported in GRAPH.items():
        outside = {_layer(i) for i in imported} - ALLOWED[package] - {"anionscreen"}
        if _layer(module) == package and outside:
            offending[module] = sorted(outside)
    assert offending == {}


def test_the_top_package_imports_nothing_of_anionscreen() -> None:
    assert GRAPH["anionscreen"] == set()


@pytest.mark.parametrize("room", ROOMS)
def test_screening_rooms_point_one_way(room: str) -> None:
    allowed = {*ROOMS[: ROOMS.index(room) + 1], None}
    offending = {}
    for module, imported in GRAPH.items():
        above = {_room(i) for i in imported} - allowed
        if _room(module) == room and above:
            offending[module] = sorted(str(r) for r in above)
    assert offending == {}


def test_no_module_imports_its_own_package_front() -> None:
    fronts = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    offending = {
        module: sorted(front)
        for module, imported in GRAPH.items()
        if (front := {f for f in imported & fronts if module.startswith(f + ".")} - {"anionscreen"})
    }
    assert offending == {}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    assert _cycles(GRAPH) == []


def test_the_checks_see_a_violation_and_a_cycle(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from anionscreen.screening.cli import app\n"
        "def later():\n    import anionscreen.models.registry\n"
        "if TYPE_CHECKING:\n    import anionscreen.screening.api\n"
    )
    assert _project_imports(bad, MODULES) == {
        "anionscreen.screening.cli.app",
        "anionscreen.models.registry",
    }
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_command_line_starts_without_the_scientific_stack() -> None:
    # `anionscreen --help` imports the command modules only when a command runs.
    heavy = ("numpy", "pandas", "sklearn", "pymatgen", "pyarrow", "duckdb", "matplotlib")
    code = (
        "import sys, anionscreen.screening.cli\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
