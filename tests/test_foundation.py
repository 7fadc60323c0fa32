"""The package layout, namespace and the CLI's error handling."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pymatgen.core.composition import Composition
from typer.testing import CliRunner

from anionscreen.datasets.errors import AnionscreenError, FormulaError
from anionscreen.datasets.settings import get_settings
from anionscreen.descriptors.chunk import CompositionChunk, chunk_from_compositions
from anionscreen.descriptors.elements import element_index, element_symbols
from anionscreen.screening.cli import app


def test_nothing_installs_generic_top_level_modules() -> None:
    for name in ("datasets", "models", "descriptors", "screening"):
        spec = importlib.util.find_spec(name)
        assert spec is None or "anionscreen" not in str(spec.origin), name


def test_element_order_is_atomic_number() -> None:
    symbols = element_symbols()
    assert symbols[:3] == ("H", "He", "Li")
    assert len(symbols) == 118
    assert element_index()["Ta"] == 72  # Z = 73


def test_chunk_fractions_sum_to_one() -> None:
    chunk = chunk_from_compositions([Composition("Li2TaS0.4O0.6Cl5"), Composition("LiCl")])
    assert len(chunk) == 2
    np.testing.assert_allclose(chunk.fractions.sum(axis=1), [1.0, 1.0])
    assert chunk.fractions[0, element_index()["Cl"]] == pytest.approx(5 / 9)
    assert chunk.formulas[1] == "LiCl"


def test_chunk_rejects_wrong_shape() -> None:
    with pytest.raises(AnionscreenError, match=r"shape \(n, 118\)"):
        CompositionChunk(fractions=np.zeros((2, 5)), formulas=np.array(["a", "b"], dtype=object))


def test_formula_error_names_text_and_reason() -> None:
    err = FormulaError("Q2O", "unknown element 'Q'")
    assert isinstance(err, ValueError)
    assert str(err) == "cannot read formula 'Q2O': unknown element 'Q'"


def test_workspace_from_environment(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ANIONSCREEN_WORKSPACE", str(tmp_path / "ws"))
    assert get_settings().workspace == (tmp_path / "ws").resolve()
    assert get_settings(tmp_path / "other").workspace == (tmp_path / "other").resolve()


def test_cli_help_lists_global_options() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "--workspace" in result.output
    assert "--traceback" in result.output


FRONTS = (
    "anionscreen",
    "anionscreen.datasets",
    "anionscreen.descriptors",
    "anionscreen.models",
    "anionscreen.screening",
    "anionscreen.screening.campaign",
    "anionscreen.screening.results",
    "anionscreen.screening.run",
    "anionscreen.screening.spaces",
)


def test_import_anionscreen_gives_the_version_and_the_main_api() -> None:
    import anionscreen

    assert anionscreen.__version__ == importlib.metadata.version("anionscreen")
    from anionscreen.screening.api import run_campaign

    assert anionscreen.run_campaign is run_campaign
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = anionscreen.nope  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", FRONTS)
def test_every_public_name_of_a_package_resolves(name: str) -> None:
    package = importlib.import_module(name)
    for public in package.__all__:
        assert getattr(package, public) is not None, public
        assert public in dir(package)


def test_every_command_is_listed_as_it_describes_itself() -> None:
    from anionscreen.screening.cli.app import COMMANDS, load_command

    for name, entry in COMMANDS.items():
        command = load_command(name)
        assert command.name == name
        assert (command.help or "").split("\n\n")[0].replace("\n", " ") == entry.summary, name


def test_the_top_package_works_when_a_source_tree_shadows_an_installed_copy(
    tmp_path: Path,
) -> None:
    # A non-editable install run from the repository root: ./anionscreen (the front only)
    # comes first on sys.path, the installed copy with the subpackages after it.
    root = Path(__file__).resolve().parents[1]
    shadow, installed = tmp_path / "source" / "anionscreen", tmp_path / "site" / "anionscreen"
    for folder in (shadow, installed):
        folder.mkdir(parents=True)
        shutil.copy(root / "anionscreen" / "__init__.py", folder / "__init__.py")
    (installed / "screening").symlink_to(root / "screening")
    code = (
        "import sys; sys.path[:0] = sys.argv[1:]\n"
        "import anionscreen.screening.run.layout as layout; print(layout.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-c", code, str(shadow.parent), str(installed.parent)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == str(installed / "screening" / "run" / "layout.py")
