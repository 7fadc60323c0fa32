"""Turn what users pass to a featurizer into a :class:`CompositionChunk`, row failures apart.

Accepted: a :class:`CompositionChunk`; formula strings or pymatgen ``Composition`` objects
(list, tuple, 1-D array, pandas Series or one-column DataFrame); or a 2-D numeric array of
shape (n, 118) read as element amounts in :func:`element_symbols` column order (rows are
scaled to fractions). Formulas are read by
:func:`anionscreen.datasets.formula.parse_formula`, the project's one strict parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core.composition import Composition

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.formula import parse_formula
from anionscreen.descriptors.chunk import CompositionChunk
from anionscreen.descriptors.elements import N_ELEMENTS, element_index, element_symbols


@dataclass(frozen=True)
class RowFailure:
    """One input row that could not be featurized: its position, the input and why."""

    row: int
    input: str
    reason: str


@dataclass(frozen=True)
class PreparedInput:
    """A chunk of the readable rows plus where they came from.

    ``kept[i]`` is the input position of chunk row ``i``; ``failures`` lists the rest.
    """

    chunk: CompositionChunk
    kept: np.ndarray
    n_rows: int
    failures: list[RowFailure]


def _row_formula(row: np.ndarray) -> str:
    symbols = element_symbols()
    return "".join(f"{symbols[c]}{row[c]:.6g}" for c in np.flatnonzero(row))


def _from_matrix(matrix: np.ndarray) -> PreparedInput:
    if matrix.shape[1] != N_ELEMENTS:
        raise AnionscreenError(
            f"a numeric input must have {N_ELEMENTS} columns of element amounts "
            f"(H..Og in order of atomic number); got shape {matrix.shape}"
        )
    matrix = matrix.astype(np.float64, copy=False)
    finite: np.ndarray = np.isfinite(matrix).all(axis=1)
    nonneg: np.ndarray = np.all(np.where(np.isfinite(matrix), matrix, 0.0) >= 0, axis=1)
    totals = np.where(finite & nonneg, matrix, 0.0).sum(axis=1)
    good = finite & nonneg & (totals > 0)
    failures = []
    for row in np.flatnonzero(~good):
        reason = (
            "amounts must be finite (got NaN or inf)"
            if not finite[row]
            else "amounts must be >= 0"
            if not nonneg[row]
            else "the row has no element with a positive amount"
        )
        failures.append(RowFailure(int(row), f"row {row} of the amount matrix", reason))
    kept = np.flatnonzero(good)
    fractions = matrix[kept] / totals[kept, None]
    formulas = np.array([_row_formula(r) for r in fractions], dtype=object)
    chunk = CompositionChunk(fractions=fractions, formulas=formulas)
    return PreparedInput(chunk, kept, len(matrix), failures)


def _read_item(item: Any) -> tuple[Composition, str]:
    if isinstance(item, Composition):
        if not item.num_atoms > 0:
            raise AnionscreenError(f"composition {item!r} has no atoms")
        return item, item.formula.replace(" ", "")
    if isinstance(item, str):
        return parse_formula(item), item
    raise AnionscreenError(
        f"expected a formula string or a pymatgen Composition; got {type(item).__name__} {item!r}"
    )


def _from_items(items: Sequence[Any]) -> PreparedInput:
    index = element_index()
    n = len(items)
    fractions = np.zeros((n, N_ELEMENTS))
    formulas = np.empty(n, dtype=object)
    good = np.zeros(n, dtype=bool)
    failures: list[RowFailure] = []
    for row, item in enumerate(items):
        try:
            comp, text = _read_item(item)
            amounts = comp.element_composition
            total = amounts.num_atoms
            for el, amt in amounts.items():
                fractions[row, index[el.symbol]] += amt / total
        except (AnionscreenError, ValueError, KeyError) as err:
            failures.append(RowFailure(row, str(item), str(err)))
            continue
        formulas[row] = text
        good[row] = True
    kept = np.flatnonzero(good)
    chunk = CompositionChunk(fractions=fractions[kept], formulas=formulas[kept])
    return PreparedInput(chunk, kept, n, failures)


def prepare_input(data: Any) -> PreparedInput:
    """Read any accepted input; unreadable rows become :class:`RowFailure` entries.

    Raises
    ------
    AnionscreenError
        When the input as a whole has an unsupported type or shape (e.g. a bare string,
        a two-column DataFrame, a numeric array without 118 columns).
    """
    if isinstance(data, CompositionChunk):
        return PreparedInput(data, np.arange(len(data)), len(data), [])
    if isinstance(data, str | Composition):
        raise AnionscreenError(
            f"expected a sequence of compositions; got a single {type(data).__name__} {data!r} "
            "(wrap it in a list)"
        )
    if isinstance(data, pd.DataFrame):
        if data.shape[1] != 1:
            raise AnionscreenError(
                f"a DataFrame input must have exactly one column of formulas; got "
                f"{data.shape[1]} columns {list(data.columns)[:5]}"
            )
        data = data.iloc[:, 0]
    if isinstance(data, pd.Series):
        return _from_items(data.tolist())
    if isinstance(data, np.ndarray) or hasattr(data, "__array__"):
        array = np.asarray(data)
        if array.ndim == 2 and array.dtype.kind in "biuf":
            return _from_matrix(array)
        if array.ndim == 2 and array.shape[1] == 1:
            return _from_items(list(array[:, 0]))
        if array.ndim == 1:
            return _from_items(list(array))
        raise AnionscreenError(
            f"expected formulas (1-D) or an (n, {N_ELEMENTS}) amount matrix; got an array of "
            f"shape {array.shape} and dtype {array.dtype}"
        )
    if isinstance(data, list | tuple):
        if data and isinstance(data[0], list | tuple | np.ndarray):
            return prepare_input(np.asarray(data))
        return _from_items(data)
    raise AnionscreenError(
        f"expected formulas, Compositions, a one-column DataFrame, an (n, {N_ELEMENTS}) "
        f"amount matrix or a CompositionChunk; got {type(data).__name__}"
    )
