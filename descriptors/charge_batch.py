"""Exact charge neutrality of many plain formulas at once, grouped by element set.

:func:`~anionscreen.descriptors.charge.charge_balance` decides one composition: elements in
order of atomic number, each element's allowed states in the order given, the first neutral
combination of that product, with charges as exact integers. :func:`first_neutral_states` makes
the same decision for a whole batch of formulas read by
:func:`~anionscreen.datasets.formula_batch.read_plain`: rows that share an element set share
the product of allowed states, so their charges are one integer matrix product per set
(amounts scaled by a power of ten to integers, ``0.4`` is ``4 / 10``; the scale does not change
which combinations are neutral). Rows it cannot settle (no neutral combination, an element
without allowed states, too many combinations, integers that could overflow) are returned
unsettled for the per-row path, which explains each of them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np

from anionscreen.datasets.formula_batch import PlainFormulas
from anionscreen.descriptors.elements import N_ELEMENTS, element_symbols

MAX_BATCH_ASSIGNMENTS = 4096  # combinations per element set; more go to the per-row path
_POW10_INT = 10 ** np.arange(19, dtype=np.int64)
_LIMIT = 2.0**62  # |charge| bound that keeps int64 sums exact
_BLOCK = 1 << 20  # rows x combinations per work array


def _sorted_by_element(
    elements: np.ndarray, mantissas: np.ndarray, decimals: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns (N_ELEMENTS pads), integer amounts over one power of ten per row, and the rows
    whose integers fit in int64; each row sorted by element (atomic number)."""
    present = (elements >= 0) & (mantissas > 0)
    key = np.where(present, elements, N_ELEMENTS).astype(np.int16)
    order = np.argsort(key, axis=1, kind="stable")
    columns = np.take_along_axis(key, order, axis=1)
    shift = decimals.max(axis=1, keepdims=True) - decimals
    shift = np.take_along_axis(np.where(present, shift, 0), order, axis=1)
    mantissa = np.take_along_axis(np.where(present, mantissas, 0), order, axis=1)
    magnitude = mantissa * 10.0 ** shift.astype(np.float64)
    fits = magnitude.max(axis=1) < _LIMIT
    scaled = np.where(fits[:, None], mantissa, 0) * _POW10_INT[np.minimum(shift, 18)]
    return columns, scaled, fits


def first_neutral_states(
    elements: np.ndarray,
    mantissas: np.ndarray,
    decimals: np.ndarray,
    states_of: Callable[[str], Sequence[int]],
    out: np.ndarray,
    out_rows: np.ndarray,
) -> np.ndarray:
    """Oxidation states of the first neutral combination of each row, as ``charge_balance``.

    Parameters
    ----------
    elements : ndarray of shape (n, w), integer
        Element column (atomic number - 1) of each amount; -1 where there is none. No element
        may appear twice in a row.
    mantissas, decimals : ndarray of shape (n, w), int64
        Exact amounts ``mantissas / 10**decimals`` (at most 15 digits and 15 decimals).
    states_of : callable
        Allowed states of an element symbol, in the order they are tried.
    out : ndarray of shape (m, 118), float64
        Receives, in row ``out_rows[i]``, the chosen state of each present element of settled
        row ``i`` (other entries are left as they are).
    out_rows : ndarray of shape (n,), integer

    Returns
    -------
    ndarray of shape (n,), bool
        The settled rows: those with a neutral combination found here.
    """
    n = len(elements)
    settled = np.zeros(n, dtype=bool)
    if n == 0:
        return settled
    columns, scaled, fits = _sorted_by_element(elements, mantissas, decimals)
    packed = np.ascontiguousarray(columns).view(np.dtype((np.void, 2 * columns.shape[1])))[:, 0]
    sets, group = np.unique(packed[fits], return_inverse=True)
    by_group = np.flatnonzero(fits)[np.argsort(group, kind="stable")]
    bounds = np.searchsorted(np.sort(group), np.arange(len(sets) + 1))
    symbols = element_symbols()
    for g in range(len(sets)):
        rows = by_group[bounds[g] : bounds[g + 1]]
        cols = columns[rows[0]]
        cols = cols[cols < N_ELEMENTS].astype(np.intp)
        allowed = [tuple(states_of(symbols[c])) for c in cols]
        count = math.prod(len(a) for a in allowed)
        if not cols.size or count == 0 or count > MAX_BATCH_ASSIGNMENTS:
            continue
        # itertools.product order: the lightest element varies slowest, as in charge_balance.
        combos = np.array(list(itertools.product(*allowed)), dtype=np.int64)
        amounts = scaled[rows, : cols.size]
        if float(amounts.max()) * float(np.abs(combos).max()) * cols.size >= _LIMIT:
            continue
        step = max(1, _BLOCK // count)  # bound the (rows x combinations) work array
        for start in range(0, rows.size, step):
            block = rows[start : start + step]
            charges = np.zeros((block.size, count), dtype=np.int64)
            for j in range(cols.size):
                charges += amounts[start : start + step, j, None] * combos[None, :, j]
            neutral = charges == 0
            found = neutral.any(axis=1)
            hit = block[found]
            out[out_rows[hit][:, None], cols[None, :]] = combos[neutral.argmax(axis=1)[found]]
            settled[hit] = True
    return settled


def plain_states(
    fractions: np.ndarray, plain: PlainFormulas, states_of: Callable[[str], Sequence[int]]
) -> tuple[np.ndarray, np.ndarray]:
    """States of the plain rows whose text matches their fraction row, settled in bulk.

    The same decisions as the per-row loop of
    :func:`~anionscreen.descriptors.charge.assign_oxidation_states` (the text's exact amounts,
    the 1e-9 match with the fraction row, the first neutral combination); the rows left
    unsettled go through that loop, which also words every failure.
    """
    states = np.full(fractions.shape, np.nan)
    settled = np.zeros(len(fractions), dtype=bool)
    fast = np.flatnonzero(plain.fast)
    matching = np.zeros(fast.size, dtype=bool)
    for start in range(0, fast.size, 8192):  # bounded temporaries
        rows = fast[start : start + 8192]
        expected = np.zeros((rows.size, N_ELEMENTS))
        present = plain.elements[rows] >= 0
        at = (np.nonzero(present)[0], plain.elements[rows][present])
        expected[at] = (plain.amounts[rows] / plain.totals[rows, None])[present]
        close = np.abs(expected - fractions[rows]) <= 1e-9  # NaN is never close
        matching[start : start + 8192] = close.all(axis=1)
    rows = fast[matching]
    ok = first_neutral_states(
        plain.elements[rows], plain.mantissas[rows], plain.decimals[rows], states_of, states, rows
    )
    settled[rows[ok]] = True
    return states, settled
