"""The generator contract and the fast path from exact integer amounts to chunks.

Generators produce :class:`Piece` objects: candidates that share one list of elements, with
exact amounts as int64 numerators over a common denominator and the chosen oxidation states.
:func:`rechunk` turns a stream of pieces into :class:`CompositionChunk` objects of exactly
``chunk_size`` rows (the last one may be shorter), writing the element-fraction matrix and
the formulas with numpy rather than per-candidate Python objects.

Formulas equal :func:`anionscreen.datasets.formula.normalized_formula` of the same
composition (elements by Pauling electronegativity then symbol, integer formulas reduced by
their gcd, amounts printed to at most six decimals); a test holds the two together.
"""

from __future__ import annotations

import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, reduce
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core.periodic_table import Element

from anionscreen.datasets.errors import AnionscreenError
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
        Distinct element symbols of the columns.
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


@cache
def _order_key(symbol: str) -> tuple[float, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pymatgen warns for elements without a Pauling X
        x = float(Element(symbol).X)
    return (x if math.isfinite(x) else math.inf, symbol)


def _format_value(value: float) -> str:
    rounded = round(value, _DECIMALS)
    if rounded == int(rounded):
        return "" if rounded == 1 else str(int(rounded))
    return repr(rounded)


def _map_unique(values: np.ndarray, func: Any, dtype: Any) -> np.ndarray:
    """Apply a Python function once per distinct value (grids have few distinct amounts)."""
    uniq, inverse = np.unique(values, return_inverse=True)
    mapped = np.array([func(v) for v in uniq.tolist()], dtype=dtype)
    out: np.ndarray = mapped[inverse.reshape(values.shape)]
    return out


def piece_formulas(piece: Piece) -> np.ndarray:
    """Normalized formulas of a piece's rows (object array)."""
    den = piece.denominator
    k = len(piece.symbols)
    rounded = np.empty(piece.amounts.shape, dtype=np.float64)
    for j in range(k):
        # Python's round on the correctly rounded float, exactly as normalized_formula does.
        rounded[:, j] = _map_unique(piece.amounts[:, j], lambda a: round(a / den, _DECIMALS), float)
    integral = (rounded == np.floor(rounded)).all(axis=1)
    if integral.any():
        ints = rounded[integral].astype(np.int64)
        divisor = np.gcd.reduce(ints, axis=1)
        divisor[divisor == 0] = 1
        rounded[integral] = rounded[integral] / divisor[:, None]
    parts = []
    for j in sorted(range(k), key=lambda i: _order_key(piece.symbols[i])):
        sym = piece.symbols[j]
        text = _map_unique(rounded[:, j], lambda v, s=sym: s + _format_value(v), object)
        text[piece.amounts[:, j] == 0] = ""
        parts.append(text)
    if not parts:
        return np.empty(0, dtype=object)
    formulas: np.ndarray = reduce(np.add, parts)
    return formulas


def piece_arrays(piece: Piece) -> tuple[np.ndarray, np.ndarray]:
    """Element-fraction matrix and oxidation-state matrix (NaN where absent) of a piece."""
    n = len(piece)
    cols = np.array([element_index()[s] for s in piece.symbols], dtype=np.intp)
    amounts = piece.amounts
    totals = amounts.sum(axis=1, dtype=np.int64)
    fractions = np.zeros((n, N_ELEMENTS), dtype=np.float64)
    fractions[:, cols] = amounts / totals[:, None]
    states = np.full((n, N_ELEMENTS), np.nan)
    states[:, cols] = np.where(amounts > 0, piece.states, np.nan)
    return fractions, states


class _Buffer:
    """Collects rows of pieces until a chunk is full."""

    def __init__(self) -> None:
        self.fractions: list[np.ndarray] = []
        self.states: list[np.ndarray] = []
        self.formulas: list[np.ndarray] = []
        self.params: list[dict[str, np.ndarray]] = []
        self.rows = 0

    def add(self, piece: Piece) -> None:
        fractions, states = piece_arrays(piece)
        n = len(piece)
        self.fractions.append(fractions)
        self.states.append(states)
        self.formulas.append(piece_formulas(piece))
        self.params.append(
            {
                key: (np.asarray(v) if np.ndim(v) else np.full(n, v, dtype=_dtype(v)))
                for key, v in piece.params.items()
            }
        )
        self.rows += n

    def take(self, n: int) -> CompositionChunk:
        fractions = np.concatenate(self.fractions)
        states = np.concatenate(self.states)
        formulas = np.concatenate(self.formulas)
        keys = list(dict.fromkeys(k for p in self.params for k in p))
        columns = {k: np.concatenate([p[k] for p in self.params]) for k in keys}
        chunk = CompositionChunk(
            fractions=fractions[:n],
            formulas=formulas[:n],
            oxidation_states=states[:n],
            params=pd.DataFrame({k: v[:n] for k, v in columns.items()}),
        )
        rest = len(fractions) - n
        self.fractions = [fractions[n:]] if rest else []
        self.states = [states[n:]] if rest else []
        self.formulas = [formulas[n:]] if rest else []
        self.params = [{k: v[n:] for k, v in columns.items()}] if rest else []
        self.rows = rest
        return chunk


def _dtype(value: Any) -> Any:
    if isinstance(value, str):
        return object
    return np.asarray(value).dtype


def rechunk(pieces: Iterable[Piece], chunk_size: int) -> Iterator[CompositionChunk]:
    """Chunks of exactly ``chunk_size`` rows from a stream of pieces (the last may be short).

    Pieces larger than a chunk are cut before their matrices are built, so memory stays
    proportional to ``chunk_size``.
    """
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise AnionscreenError(f"chunk_size must be a positive integer; got {chunk_size!r}")
    buffer = _Buffer()
    for piece in pieces:
        start = 0
        while start < len(piece):
            stop = min(len(piece), start + chunk_size - buffer.rows)
            buffer.add(_slice(piece, start, stop))
            start = stop
            if buffer.rows >= chunk_size:
                yield buffer.take(chunk_size)
    if buffer.rows:
        yield buffer.take(buffer.rows)


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
