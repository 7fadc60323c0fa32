"""The generator contract and the fast path from exact integer amounts to chunks.

Generators produce :class:`Piece` objects: candidates that share one list of elements, with
exact amounts as int64 numerators over a common denominator and the chosen oxidation states.
:func:`rechunk` turns a stream of pieces into :class:`CompositionChunk` objects of exactly
``chunk_size`` rows (the last one may be shorter), writing the element-fraction matrix and
the formulas with numpy rather than per-candidate Python objects.

Formulas are written as chemists write them, in the order of the template (or of the system
space's Li, cations, anions): ``Li2TaS0.4O0.6Cl5``, not the electronegativity order
``Li2TaS0.4Cl5O0.6``. They equal :func:`anionscreen.datasets.formula.chemical_formula` of the
composition with its elements in that order (integer formulas reduced by their gcd, amounts
printed to at most six decimals); a test holds the two together. Beside them every chunk carries
the normalised key of each row (:func:`anionscreen.datasets.formula.normalized_formula`, the
electronegativity order), built from the same pieces of text, for joins and deduplication.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.formula import element_order_key, format_amount
from anionscreen.descriptors.chunk import CompositionChunk
from anionscreen.descriptors.elements import N_ELEMENTS, element_index

_DECIMALS = 6


class Generator(ABC):
    """A search space that streams candidate compositions.

    Subclasses implement :meth:`generate` and :meth:`count`. ``generate`` yields identical
    chunks on every call (same order, same boundaries for the same ``chunk_size``), so a
    campaign can resume by chunk index.
    """

    @abstractmethod
    def generate(self, chunk_size: int = 8192) -> Iterator[CompositionChunk]:
        """Yield the candidates in chunks of ``chunk_size`` rows (the last may be shorter)."""

    @abstractmethod
    def count(self) -> int:
        """Number of candidates :meth:`generate` yields, computed without building chunks."""

    @abstractmethod
    def grid_points(self) -> int:
        """Points the generator examines (choices x amounts), by arithmetic: nothing is
        enumerated, so it is instant for any size (see :mod:`~.size`)."""

    @property
    @abstractmethod
    def param_columns(self) -> tuple[str, ...]:
        """Names of the ``params`` columns of every chunk, in order."""

    @property
    @abstractmethod
    def elements(self) -> tuple[str, ...]:
        """Every element a candidate may contain (Z order)."""


@dataclass(frozen=True)
class Piece:
    """Candidates that share one element list.

    Attributes
    ----------
    symbols : tuple of str
        Distinct element symbols of the columns, in the order formulas are written.
    amounts : int64 ndarray (n, k)
        Amount of each element times ``denominator`` (0 = absent).
    denominator : int
    states : int64 ndarray (n, k)
        Chosen oxidation state of each element (ignored where the amount is 0).
    params : dict of str to ndarray or scalar
        Parameter columns (scalars are broadcast).
    """

    symbols: tuple[str, ...]
    amounts: np.ndarray
    denominator: int
    states: np.ndarray
    params: dict[str, Any]

    def __len__(self) -> int:
        return int(self.amounts.shape[0])


def first_distinct(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per row, keep each valid entry unless an earlier valid entry has the same value.

    ``values`` and ``valid`` have shape (n, A) (A = oxidation-state assignments). Runs in
    O(n A log A) with a stable sort per row, instead of comparing all pairs of assignments.
    """
    sentinel = np.iinfo(np.int64).max
    key = np.where(valid, values, sentinel)
    order = np.argsort(key, axis=1, kind="stable")
    ranked = np.take_along_axis(key, order, axis=1)
    first = np.ones(ranked.shape, dtype=bool)
    first[:, 1:] = ranked[:, 1:] != ranked[:, :-1]
    keep = np.zeros(valid.shape, dtype=bool)
    np.put_along_axis(keep, order, first & (ranked != sentinel), axis=1)
    return keep


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and each entry's index into them (np.unique, without sorting when the
    integer range is small, which it is for grid amounts)."""
    low, high = int(values.min()), int(values.max())
    if high - low > 4 * len(values) + 1024:
        uniq, inverse = np.unique(values, return_inverse=True)
        return uniq, inverse.reshape(values.shape)
    seen = np.zeros(high - low + 1, dtype=bool)
    seen[values - low] = True
    position = np.cumsum(seen) - 1
    return np.flatnonzero(seen) + low, position[values - low]


@lru_cache(maxsize=1 << 16)
def _amount(symbol: str, numerator: int, denominator: int) -> tuple[float, str]:
    """Rounded value and text of one amount (cached: chunks of a space repeat amounts)."""
    value = round(numerator / denominator, _DECIMALS)
    return value, symbol + format_amount(value)


def piece_formulas(piece: Piece) -> tuple[np.ndarray, np.ndarray]:
    """Formulas of a piece's rows, elements in the piece's order, and their normalised keys
    (elements by electronegativity, as :func:`~anionscreen.datasets.formula.normalized_formula`
    writes them, for joins); object arrays."""
    den = piece.denominator
    k = len(piece.symbols)
    n = len(piece)
    # Python's round on the correctly rounded float, exactly as chemical_formula does, once
    # per distinct amount of each column.
    codes = [_codes(piece.amounts[:, j]) for j in range(k)]
    amounts = [
        [_amount(piece.symbols[j], a, den) for a in uniq.tolist()]
        for j, (uniq, _) in enumerate(codes)
    ]
    rounded = [[value for value, _ in column] for column in amounts]
    integral_rows = np.ones(n, dtype=bool)
    for (_, inverse), values in zip(codes, rounded, strict=True):
        integral_rows &= np.array([v == int(v) for v in values], dtype=bool)[inverse]
    divisor = np.ones(n, dtype=np.int64)
    if integral_rows.any():
        ints = np.stack(
            [
                np.array(v, dtype=np.int64)[inv[integral_rows]]
                for (_, inv), v in zip(codes, rounded, strict=True)
            ],
            axis=1,
        )
        found = np.gcd.reduce(ints, axis=1)
        divisor[integral_rows] = np.where(found == 0, 1, found)
    reduced = np.flatnonzero(divisor > 1)
    parts = []
    for j in range(k):
        (_, inverse), values = codes[j], rounded[j]
        table = np.array([text for _, text in amounts[j]] + [""], dtype=object)
        # Absent elements (amount 0) point at the trailing empty string.
        index = np.where(piece.amounts[:, j] > 0, inverse, len(values))
        text: np.ndarray = table[index]
        for row in reduced:  # integer formulas with a common factor: rare, done per row
            if piece.amounts[row, j] > 0:
                value = values[inverse[row]] / int(divisor[row])
                text[row] = piece.symbols[j] + format_amount(value)
        parts.append(text)
    formulas = np.empty(n, dtype=object)
    # str.join over zipped columns is ~2x faster than adding object arrays column by column.
    formulas[:] = list(map("".join, zip(*parts, strict=True)))
    by_key = sorted(range(k), key=lambda i: element_order_key(piece.symbols[i]))
    if by_key == list(range(k)):
        return formulas, formulas  # the template already writes the key's order
    keys = np.empty(n, dtype=object)
    keys[:] = list(map("".join, zip(*(parts[j] for j in by_key), strict=True)))
    return formulas, keys


def _write_arrays(piece: Piece, fractions: np.ndarray, states: np.ndarray) -> None:
    """Write a piece's element fractions and states (NaN where absent) into row slices."""
    cols = np.array([element_index()[s] for s in piece.symbols], dtype=np.intp)
    amounts = piece.amounts
    totals = amounts.sum(axis=1, dtype=np.int64)
    fractions[:, cols] = amounts / totals[:, None]
    states[:, cols] = np.where(amounts > 0, piece.states, np.nan)


class _ChunkWriter:
    """Fills one chunk's arrays in place, piece after piece (one allocation per chunk)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.fractions = np.zeros((size, N_ELEMENTS), dtype=np.float64)
        self.states = np.full((size, N_ELEMENTS), np.nan)
        self.formulas = np.empty(size, dtype=object)
        self.keys = np.empty(size, dtype=object)
        self.params: list[dict[str, np.ndarray]] = []
        self.rows = 0

    def add(self, piece: Piece) -> None:
        n = len(piece)
        rows = slice(self.rows, self.rows + n)
        _write_arrays(piece, self.fractions[rows], self.states[rows])
        self.formulas[rows], self.keys[rows] = piece_formulas(piece)
        self.params.append(
            {
                key: (np.asarray(v) if np.ndim(v) else np.full(n, v, dtype=_dtype(v)))
                for key, v in piece.params.items()
            }
        )
        self.rows += n

    def chunk(self) -> CompositionChunk:
        n = self.rows
        keys = list(dict.fromkeys(k for p in self.params for k in p))
        columns = {k: np.concatenate([p[k] for p in self.params if k in p]) for k in keys}
        trim = n < self.size  # only the last chunk; copy so the unused rows are freed
        return CompositionChunk(
            fractions=self.fractions[:n].copy() if trim else self.fractions,
            formulas=self.formulas[:n].copy() if trim else self.formulas,
            formula_keys=self.keys[:n].copy() if trim else self.keys,
            oxidation_states=self.states[:n].copy() if trim else self.states,
            params=pd.DataFrame(columns),
        )


def _dtype(value: Any) -> Any:
    if isinstance(value, str):
        return object
    return np.asarray(value).dtype


def check_chunk_size(chunk_size: int) -> None:
    """Raise unless ``chunk_size`` is a positive integer (called before any work starts)."""
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise AnionscreenError(f"chunk_size must be a positive integer; got {chunk_size!r}")


def rechunk(pieces: Iterable[Piece], chunk_size: int) -> Iterator[CompositionChunk]:
    """Chunks of exactly ``chunk_size`` rows from a stream of pieces (the last may be short).

    Pieces larger than a chunk are cut before their matrices are built, so memory stays
    proportional to ``chunk_size``.
    """
    check_chunk_size(chunk_size)
    writer: _ChunkWriter | None = None
    for piece in pieces:
        start = 0
        while start < len(piece):
            if writer is None:
                writer = _ChunkWriter(chunk_size)
            stop = min(len(piece), start + chunk_size - writer.rows)
            writer.add(_slice(piece, start, stop))
            start = stop
            if writer.rows == chunk_size:
                yield writer.chunk()
                writer = None
    if writer is not None and writer.rows:
        yield writer.chunk()


def _slice(piece: Piece, start: int, stop: int) -> Piece:
    if start == 0 and stop == len(piece):
        return piece
    params = {k: (v[start:stop] if np.ndim(v) else v) for k, v in piece.params.items()}
    return Piece(
        piece.symbols,
        piece.amounts[start:stop],
        piece.denominator,
        piece.states[start:stop],
        params,
    )


class PieceGenerator(Generator):
    """A generator built on :meth:`pieces`: chunks and the count follow from the pieces."""

    @abstractmethod
    def pieces(self) -> Iterator[Piece]:
        """The candidates as pieces, in generation order (the same on every call)."""

    def generate(self, chunk_size: int = 8192) -> Iterator[CompositionChunk]:
        check_chunk_size(chunk_size)
        return rechunk(self.pieces(), chunk_size)

    def count(self) -> int:
        return sum(len(p) for p in self.pieces())
