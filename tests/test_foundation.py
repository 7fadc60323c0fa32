"""The package layout, namespace and the CLI's error handling."""

from __future__ import annotations

import importlib.util

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
