"""Descriptor matrices for the models, from formulas or from a generator chunk."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from anionscreen.datasets.formula import parse_formula
from anionscreen.descriptors.chunk import CompositionChunk, chunk_from_compositions
from anionscreen.models.estimators import make_featurizer


def chunk_of_formulas(formulas: Sequence[str] | np.ndarray) -> CompositionChunk:
    """Parse formulas strictly (a bad one raises ``FormulaError``) into a chunk."""
    chunk = chunk_from_compositions(parse_formula(str(f)) for f in formulas)
    # Keep the caller's spelling as the row label (the chunk's own is the reduced formula).
    return CompositionChunk(
        fractions=chunk.fractions,
        formulas=np.asarray([str(f) for f in formulas], dtype=object),
        oxidation_states=chunk.oxidation_states,
        params=chunk.params,
    )


def featurize(chunk: CompositionChunk, preset: str) -> np.ndarray:
    """Descriptor matrix (n, p) of ``preset`` for a chunk (NaN where element data is missing)."""
    if len(chunk) == 0:
        width = len(make_featurizer(preset).fit(chunk_of_formulas(["Li"])).get_feature_names_out())
        return np.empty((0, width), dtype=np.float64)
    out = make_featurizer(preset).fit(chunk).transform(chunk)
    return np.asarray(out, dtype=np.float64)


def featurize_formulas(formulas: Sequence[str] | np.ndarray, preset: str) -> np.ndarray:
    """Descriptor matrix of ``preset`` for formulas."""
    return featurize(chunk_of_formulas(formulas), preset)
