"""The batch of compositions that flows from generators to descriptors to models.

A :class:`CompositionChunk` is the array form of many compositions: an element-fraction
matrix (float64, rows sum to 1, columns in :func:`~anionscreen.descriptors.elements.element_symbols`
order), a formula per row as people read it, optionally the oxidation state assigned to each element of
each row, and the generator's parameters (``space``, ``M``, ``X``, ``x``, ...) as a DataFrame.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pymatgen.core.composition import Composition

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.formula import chemical_formula, normalized_formula, parse_formula
from anionscreen.descriptors.elements import N_ELEMENTS, element_index


@dataclass(frozen=True)
class CompositionChunk:
    """Many compositions as arrays.

    Attributes
    ----------
    fractions : ndarray of shape (n, 118), float64
        Atomic fraction of each element; each row sums to 1.
    formulas : ndarray of shape (n,), object
        Formula of each row as people read it: the text the user gave, or the generator's
        template order (``Li2TaS0.4O0.6Cl5``). Joins use the fractions, never this text.
    oxidation_states : ndarray of shape (n, 118), float64, or None
        Oxidation state assigned to each present element (NaN where the element is absent),
        or ``None`` when no states were assigned.
    params : DataFrame
        One row per composition with the generator's parameters (may have no columns).
    formula_keys : ndarray of shape (n,), object, or None
        The normalised formula of each row
        (:func:`~anionscreen.datasets.formula.normalized_formula`: elements by
        electronegativity), for joins and deduplication; ``None`` when not known.
    """

    fractions: np.ndarray
    formulas: np.ndarray
    oxidation_states: np.ndarray | None = None
    params: pd.DataFrame = field(default_factory=pd.DataFrame)
    formula_keys: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = self.fractions.shape[0]
        if self.fractions.ndim != 2 or self.fractions.shape[1] != N_ELEMENTS:
            raise AnionscreenError(
                f"fractions must have shape (n, {N_ELEMENTS}); got {self.fractions.shape}"
            )
        if self.formulas.shape != (n,):
            raise AnionscreenError(
                f"formulas must have shape ({n},) to match fractions; got {self.formulas.shape}"
            )
        if (
            self.oxidation_states is not None
            and self.oxidation_states.shape != self.fractions.shape
        ):
            raise AnionscreenError(
                "oxidation_states must have the shape of fractions "
                f"{self.fractions.shape}; got {self.oxidation_states.shape}"
            )
        if len(self.params.columns) and len(self.params) != n:
            raise AnionscreenError(f"params must have {n} rows; got {len(self.params)}")
        if self.formula_keys is not None and self.formula_keys.shape != (n,):
            raise AnionscreenError(
                f"formula_keys must have shape ({n},); got {self.formula_keys.shape}"
            )

    def __len__(self) -> int:
        return int(self.fractions.shape[0])


def compositions_to_fractions(compositions: Sequence[Composition]) -> np.ndarray:
    """Element-fraction matrix of pymatgen compositions (an edge helper, not a hot path)."""
    index = element_index()
    out = np.zeros((len(compositions), N_ELEMENTS), dtype=np.float64)
    for row, comp in enumerate(compositions):
        total = comp.num_atoms
        for el, amt in comp.element_composition.items():
            out[row, index[el.symbol]] += amt / total
    return out


def chunk_from_compositions(
    compositions: Iterable[Composition], params: pd.DataFrame | None = None
) -> CompositionChunk:
    """Build a chunk (without oxidation states) from pymatgen compositions.

    Formulas are :func:`~anionscreen.datasets.formula.chemical_formula`: each composition as a
    chemist writes it, elements in the order the composition holds them; ``formula_keys`` are
    their :func:`~anionscreen.datasets.formula.normalized_formula`.
    """
    comps = list(compositions)
    fractions = compositions_to_fractions(comps)
    formulas = np.array([chemical_formula(c) for c in comps], dtype=object)
    return CompositionChunk(
        fractions=fractions,
        formulas=formulas,
        params=params if params is not None else pd.DataFrame(index=pd.RangeIndex(len(comps))),
        formula_keys=np.array([normalized_formula(c) for c in comps], dtype=object),
    )


def formula_keys(chunk: CompositionChunk) -> np.ndarray:
    """The normalised formula of each row: the chunk's own, else read from its formulas.

    A row whose formula text cannot be read (a label such as ``"row 3 of the amount
    matrix"``) gets an empty key.
    """
    if chunk.formula_keys is not None:
        return chunk.formula_keys
    keys = np.empty(len(chunk), dtype=object)
    for row, text in enumerate(chunk.formulas):
        try:
            keys[row] = normalized_formula(parse_formula(str(text)))
        except AnionscreenError:
            keys[row] = ""
    return keys
