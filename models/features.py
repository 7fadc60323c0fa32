"""Descriptor matrices for the models, from formulas or from a generator chunk."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core.composition import Composition

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.formula import parse_formula
from anionscreen.descriptors.chunk import CompositionChunk
from anionscreen.descriptors.inputs import prepare_input
from anionscreen.models.estimators import make_featurizer


def chunk_of_formulas(formulas: Sequence[str | Composition] | np.ndarray) -> CompositionChunk:
    """Parse formulas strictly (a bad one raises ``FormulaError``) into a chunk.

    Plain formula text is read in bulk (the fast text path of
    :func:`~anionscreen.descriptors.inputs.prepare_input`), the rest by
    :func:`~anionscreen.datasets.formula.parse_formula`; the fractions are the same either way.
    Each row keeps the caller's spelling as its formula; a pymatgen ``Composition`` is written
    as a chemist writes it (``Li2TaS0.4O0.6Cl5``, not ``Li2 Ta1 S0.4 O0.6 Cl5``).
    """
    items = [f if isinstance(f, Composition) else str(f) for f in formulas]
    prepared = prepare_input(items)
    if prepared.failures:
        first = prepared.failures[0]
        item = items[first.row]
        if isinstance(item, str):
            parse_formula(item)  # raises the parser's own FormulaError
        raise AnionscreenError(first.reason)
    chunk = prepared.chunk
    return CompositionChunk(
        fractions=chunk.fractions,
        formulas=chunk.formulas,
        params=pd.DataFrame(index=pd.RangeIndex(len(items))),
    )


@cache
def _fitted(preset: str) -> Any:
    """The featurizer of ``preset``, fitted once: on a chunk, fitting only fixes the output
    columns, which depend on the preset alone (fitting on each chunk read it twice)."""
    return make_featurizer(preset).fit(chunk_of_formulas(["Li"]))


def featurize(chunk: CompositionChunk, preset: str) -> np.ndarray:
    """Descriptor matrix (n, p) of ``preset`` for a chunk (NaN where element data is missing).

    The matrix is column-major (Fortran order), the layout the models predict fastest from.
    """
    featurizer = _fitted(preset)
    width = len(featurizer.get_feature_names_out())
    if len(chunk) == 0:
        return np.empty((0, width), dtype=np.float64)
    # Column-major: the models' trees read a chunk one feature at a time (see predict_fast).
    out = np.empty((len(chunk), width), order="F")
    return np.asarray(featurizer.transform_into(chunk, out), dtype=np.float64)


def featurize_formulas(formulas: Sequence[str] | np.ndarray, preset: str) -> np.ndarray:
    """Descriptor matrix of ``preset`` for formulas."""
    return featurize(chunk_of_formulas(formulas), preset)
