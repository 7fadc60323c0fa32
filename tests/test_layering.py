"""The dependency direction of DESIGN.md, checked on every module's imports.

``datasets`` imports none of the other packages; ``descriptors`` may import ``datasets``;
``models`` may import ``descriptors`` and ``datasets``; ``screening`` may import everything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {
    "datasets": {"datasets"},
    "descriptors": {"datasets", "descriptors"},
    "models": {"datasets", "descriptors", "models"},
    "screening": {"datasets", "descriptors", "models", "screening"},
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return {n.split(".")[1] for n in names if n.startswith("anionscreen.") and "." in n}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_one_way(package: str) -> None:
    modules = sorted((ROOT / package).glob("*.py"))
    assert modules, f"no modules found in {package}/"
    offending = {
        f"{package}/{m.name}": sorted(_imported_packages(m) - ALLOWED[package])
        for m in modules
        if _imported_packages(m) - ALLOWED[package]
    }
    assert offending == {}


def test_layering_check_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from anionscreen.screening.cli import app\nimport anionscreen.models.registry\n"
    )
    assert _imported_packages(bad) == {"screening", "models"}
