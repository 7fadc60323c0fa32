"""Turn what users pass to a featurizer into a :class:`CompositionChunk`, row failures apart.

Accepted: a :class:`CompositionChunk`; formula strings or pymatgen ``Composition`` objects
(list, tuple, 1-D array, pandas Series or one-column DataFrame); or a 2-D numeric array of
shape (n, 118) read as element amounts in :func:`element_symbols` column order (rows are
scaled to fractions). Formulas are read by
:func:`anionscreen.datasets.formula.parse_formula`, the project's one strict parser; plain
formula text (``Li2TaS0.4O0.6Cl5``) is read in bulk by
:func:`anionscreen.datasets.formula_batch.read_plain`, which gives the same fractions to the bit
and leaves every other row to ``parse_formula``. A row keeps the text it was given as its
formula; a ``Composition`` is written as a chemist writes it (``Li2TaS0.4O0.6Cl5``, elements in
the order the composition holds them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core.composition import Composition
from scipy import sparse

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.formula import chemical_formula, parse_formula
from anionscreen.datasets.formula_batch import PlainFormulas, read_plain
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
    ``exact_text[i]`` says whether ``chunk.formulas[i]`` holds the amounts exactly as the user
    wrote them (formula strings); otherwise (amount matrices, Compositions) exact amounts are
    recovered from the fraction row when oxidation states are assigned. ``plain`` holds the
    exact amounts of the input rows read by the fast text path (indexed by input position),
    so oxidation states need not read the text again.
    """

    chunk: CompositionChunk
    kept: np.ndarray
    n_rows: int
    failures: list[RowFailure]
    exact_text: np.ndarray
    plain: PlainFormulas | None = None


def _row_formula(row: np.ndarray) -> str:
    symbols = element_symbols()
    return "".join(f"{symbols[c]}{row[c]:.6g}" for c in np.flatnonzero(row))


def _from_matrix(matrix: np.ndarray) -> PreparedInput:
    if matrix.ndim != 2 or not 1 <= matrix.shape[1] <= N_ELEMENTS:
        raise AnionscreenError(
            f"a numeric input holds element amounts in columns H, He, Li, ... (at most "
            f"{N_ELEMENTS}); got shape {matrix.shape}"
        )
    matrix = matrix.astype(np.float64, copy=False)
    if matrix.shape[1] < N_ELEMENTS:
        # The first k elements were given; the heavier ones are absent.
        padded = np.zeros((matrix.shape[0], N_ELEMENTS))
        padded[:, : matrix.shape[1]] = matrix
        matrix = padded
    finite: np.ndarray = np.all(np.isfinite(matrix), axis=1)
    nonneg: np.ndarray = np.all(np.where(np.isfinite(matrix), matrix, 0.0) >= 0, axis=1)
    totals = np.where((finite & nonneg)[:, None], matrix, 0.0).sum(axis=1)
    good = finite & nonneg & (totals > 0)
    failures = []
    for row in np.flatnonzero(~good):
        reason = (
            "amounts must be finite (got NaN or inf)"
            if not finite[row]
            else "Negative values in data: amounts must be >= 0"
            if not nonneg[row]
            else "the row has no element with a positive amount"
        )
        failures.append(RowFailure(int(row), f"row {row} of the amount matrix", reason))
    kept = np.flatnonzero(good)
    fractions = matrix[kept] / totals[kept, None]
    formulas = np.array([_row_formula(r) for r in fractions], dtype=object)
    chunk = CompositionChunk(fractions=fractions, formulas=formulas)
    return PreparedInput(chunk, kept, len(matrix), failures, np.zeros(len(kept), dtype=bool))


def _read_item(item: Any) -> tuple[Composition, str]:
    if isinstance(item, Composition):
        if not item.num_atoms > 0:
            raise AnionscreenError(f"composition {item!r} has no atoms")
        return item, chemical_formula(item)
    if isinstance(item, str):
        return parse_formula(item), item
    raise AnionscreenError(
        f"expected a formula string or a pymatgen Composition; got {type(item).__name__} {item!r}"
    )


def _plain_fractions(plain: PlainFormulas, rows: np.ndarray, out: np.ndarray) -> None:
    """Write the element fractions of the fast rows ``rows`` of ``plain`` into the same rows of
    ``out`` (zeros there), divided as ``parse_formula``'s ``Composition`` divides them."""
    elements = plain.elements[rows]
    present = elements >= 0
    fractions = plain.amounts[rows] / plain.totals[rows, None]
    flat = rows[:, None] * out.shape[1] + elements  # one scatter into the flat matrix
    out.reshape(-1)[flat[present]] = fractions[present]


def _from_items(items: Sequence[Any]) -> PreparedInput:
    index = element_index()
    n = len(items)
    fractions = np.zeros((n, N_ELEMENTS))
    formulas = np.empty(n, dtype=object)
    # Plain formula text in bulk (the fast text path); everything else row by row below.
    plain = read_plain(items)
    fast = np.flatnonzero(plain.fast)
    _plain_fractions(plain, fast, fractions)
    good = plain.fast.copy()
    exact = plain.fast.copy()
    formulas[fast] = [items[i] for i in fast.tolist()]
    failures: list[RowFailure] = []
    for row in np.flatnonzero(~plain.fast).tolist():
        item = items[row]
        try:
            comp, text = _read_item(item)
            amounts = comp.element_composition
            total = amounts.num_atoms
            for el, amt in amounts.items():
                if el.symbol not in index:
                    raise AnionscreenError(f"{el.symbol!r} is not an element (H..Og)")
                fractions[row, index[el.symbol]] += amt / total
        except (AnionscreenError, ValueError, KeyError) as err:
            failures.append(RowFailure(row, str(item), str(err)))
            continue
        formulas[row] = text
        good[row] = True
        exact[row] = isinstance(item, str)
    kept = np.flatnonzero(good)
    if kept.size < n:
        fractions, formulas, exact = fractions[kept], formulas[kept], exact[kept]
    chunk = CompositionChunk(fractions=fractions, formulas=formulas)
    return PreparedInput(chunk, kept, n, failures, exact, plain)


def _from_chunk(chunk: CompositionChunk) -> PreparedInput:
    """A generator's chunk: row sums and minima find rows that are not compositions."""
    n = len(chunk)
    good = np.empty(n, dtype=bool)
    # Block by block, so the minimum reads what the sum just brought into cache.
    for start in range(0, n, 2048):
        block = chunk.fractions[start : start + 2048]
        totals = block.sum(axis=1)
        good[start : start + 2048] = np.isfinite(totals) & (totals > 0) & (block.min(axis=1) >= 0)
    if good.all():
        return PreparedInput(chunk, np.arange(n), n, [], np.ones(n, dtype=bool))
    failures = [
        RowFailure(int(row), str(chunk.formulas[row]),
                   "fractions must be finite, >= 0 and not all zero")
        for row in np.flatnonzero(~good)
    ]  # fmt: skip
    kept = np.flatnonzero(good)
    states = chunk.oxidation_states
    smaller = CompositionChunk(
        fractions=chunk.fractions[kept],
        formulas=chunk.formulas[kept],
        oxidation_states=None if states is None else states[kept],
    )
    return PreparedInput(smaller, kept, n, failures, np.ones(len(kept), dtype=bool))


def is_numeric_matrix(data: Any) -> bool:
    """Whether ``data`` is (meant as) a numeric amount matrix rather than formulas.

    True for sparse matrices, numeric DataFrames, nested lists, numeric arrays of any
    dimension and 2-D object arrays whose first entry is not a formula or Composition.
    """
    if sparse.issparse(data):
        return True
    if isinstance(data, CompositionChunk | str | Composition | pd.Series):
        return False
    if isinstance(data, pd.DataFrame):
        return not any(
            dtype is np.dtype(object) or isinstance(dtype, pd.StringDtype) for dtype in data.dtypes
        )
    if isinstance(data, list | tuple):
        return bool(data) and isinstance(data[0], list | tuple | np.ndarray)
    if not hasattr(data, "__array__"):
        return False
    array = np.asarray(data)
    if array.dtype.kind in "biufc":
        return True
    if array.dtype == object and array.ndim == 2 and array.size:
        return not isinstance(array.flat[0], str | Composition)
    return False


def prepare_input(data: Any) -> PreparedInput:
    """Read any accepted input; unreadable rows become :class:`RowFailure` entries.

    Raises
    ------
    AnionscreenError
        When the input as a whole has an unsupported type or shape (e.g. a bare string,
        a two-column DataFrame, a numeric array without 118 columns).
    """
    if isinstance(data, CompositionChunk):
        return _from_chunk(data)
    if isinstance(data, str | Composition):
        raise AnionscreenError(
            f"expected a sequence of compositions; got a single {type(data).__name__} {data!r} "
            "(wrap it in a list)"
        )
    if sparse.issparse(data):
        raise AnionscreenError("sparse input is not supported; pass a dense amount matrix")
    if is_numeric_matrix(data):
        return _from_matrix(np.asarray(data, dtype=np.float64))
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
        if array.ndim == 2 and array.shape[1] == 1:
            return _from_items(list(array[:, 0]))
        if array.ndim == 1:
            return _from_items(list(array))
        raise AnionscreenError(
            f"expected formulas (1-D) or an (n, {N_ELEMENTS}) amount matrix; got an array of "
            f"shape {array.shape} and dtype {array.dtype}"
        )
    if isinstance(data, list | tuple):
        return _from_items(data)
    raise AnionscreenError(
        f"expected formulas, Compositions, a one-column DataFrame, an (n, {N_ELEMENTS}) "
        f"amount matrix or a CompositionChunk; got {type(data).__name__}"
    )
