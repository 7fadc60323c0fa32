"""The batch of compositions that flows from generators to descriptors to models.

A :class:`CompositionChunk` is the array form of many compositions: an element-fraction
matrix (float64, rows sum to 1, columns in :func:`~anionscreen.descriptors.elements.element_symbols`
order), a reduced formula per row, optionally the oxidation state assigned to each element of
each row, and the generator's parameters (``space``, ``M``, ``X``, ``x``, ...) as a DataFrame.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pymatgen.core.composition import Composition

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.formula import normalized_formula
from anionscreen.descriptors.elements import N_ELEMENTS, element_index


@dataclass(frozen=True)
class CompositionChunk:
    """Many compositions as arrays.

    Attributes
    ----------
    fractions : ndarray of shape (n, 118), float64
        Atomic fraction of each element; each row sums to 1.
    formulas : ndarray of shape (n,), object
        Reduced formula of each row, for people and joins.
    oxidation_states : ndarray of shape (n, 118), float64, or None
        Oxidation state assigned to each present element (NaN where the element is absent),
        or ``None`` when no states were assigned.
    params : DataFrame
        One row per composition with the generator's parameters (may have no columns).
    """

    fractions: np.ndarray
    formulas: np.ndarray
    oxidation_states: np.ndarray | None = None
    params: pd.DataFrame = field(default_factory=pd.DataFrame)

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

    Formulas are :func:`~anionscreen.datasets.formula.normalized_formula`, the project's dedup key.
    """
    comps = list(compositions)
    fractions = compositions_to_fractions(comps)
    formulas = np.array([normalized_formula(c) for c in comps], dtype=object)
    return CompositionChunk(
        fractions=fractions,
        formulas=formulas,
        params=params if params is not None else pd.DataFrame(index=pd.RangeIndex(len(comps))),
    )
