"""The fast text path: plain formulas read in bulk with numpy, exactly as ``parse_formula`` does.

Most formula text that reaches the descriptors is *plain*: element symbols, each followed by an
optional decimal amount and nothing else (``Li2TaS0.4O0.6Cl5``, ``Li6PS5Cl``, ``LiCl``).
:func:`read_plain` reads a whole column of such text with a few numpy passes over its
characters instead of one :func:`~anionscreen.datasets.formula.parse_formula` call per row, and
gives every plain row the amounts ``parse_formula`` gives it, to the bit: an amount is the
decimal text's digits divided by a power of ten in float64, which is the correctly rounded value
``float(Fraction(text))`` is, as long as the digits stay below 2**53 (at most 15 of them).

A row takes the fast path only when both readers certainly agree on it. Everything else is left
for ``parse_formula``, which reads it or rejects it with its usual message: brackets, spaces,
mixtures, adducts, Unicode, missing-value markers, symbols that are no element, an element
written twice, an amount with more than 15 digits, of zero (an error of ``parse_formula``) or
below pymatgen's ``amount_tolerance`` (1e-8, under which a ``Composition`` drops the element), more
than :data:`MAX_ELEMENTS` elements. This module never rejects a row, so the accepted set and
the error messages stay ``parse_formula``'s; a property test holds the two readers together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

import numpy as np
from pymatgen.core.periodic_table import Element

__all__ = ["MAX_ELEMENTS", "PlainFormulas", "read_plain"]

MAX_ELEMENTS = 32  # symbols per row on the fast path; longer rows go to parse_formula
_MAX_DIGITS = 15  # 10**15 < 2**53: digits / 10**k is then the correctly rounded decimal
_AMOUNT_TOLERANCE = 1e-8  # pymatgen's Composition.amount_tolerance
_POW10_INT = 10 ** np.arange(_MAX_DIGITS + 1, dtype=np.int64)
_POW10_FLOAT = _POW10_INT.astype(np.float64)  # exact: every 10**k, k <= 22, is a float64
# Kinds of ASCII characters; every kind from _DIGIT up belongs to an amount.
_OTHER, _UPPER, _LOWER, _DIGIT, _POINT = range(5)
_CHARACTER_KINDS = np.full(256, _OTHER, dtype=np.uint8)
_CHARACTER_KINDS[ord("A") : ord("Z") + 1] = _UPPER
_CHARACTER_KINDS[ord("a") : ord("z") + 1] = _LOWER
_CHARACTER_KINDS[ord("0") : ord("9") + 1] = _DIGIT
_CHARACTER_KINDS[ord(".")] = _POINT


@cache
def _symbol_table() -> np.ndarray:
    """Atomic number of each one- or two-letter symbol, indexed by ``256 * first + second``."""
    table = np.zeros(1 << 16, dtype=np.int16)
    for z in range(1, 119):
        symbol = Element.from_Z(z).symbol
        second = ord(symbol[1]) if len(symbol) > 1 else 0
        table[256 * ord(symbol[0]) + second] = z
    return table


@dataclass(frozen=True)
class PlainFormulas:
    """What :func:`read_plain` found, one row per input text.

    Attributes
    ----------
    fast : ndarray of shape (n,), bool
        Rows read here; the other rows need :func:`~anionscreen.datasets.formula.parse_formula`
        (and have no elements below).
    elements : ndarray of shape (n, width), int16
        Atomic number minus one (the column of the element-fraction matrix) of each element in
        the order written; -1 pads the row and stands where an amount of zero dropped an element.
    mantissas, decimals : ndarray of shape (n, width), int64
        Each amount exactly: ``mantissas / 10**decimals`` (``Li2`` is 2 / 10**0, ``O0.60`` is
        60 / 10**2); 0 / 10**0 where there is no element.
    amounts : ndarray of shape (n, width), float64
        The amounts as ``parse_formula``'s ``Composition`` holds them (0.0 where no element).
    totals : ndarray of shape (n,), float64
        Sum of a row's amounts in the order written, as ``Composition.num_atoms`` adds them
        (0.0 on rows that are not fast).
    """

    fast: np.ndarray
    elements: np.ndarray
    mantissas: np.ndarray
    decimals: np.ndarray
    amounts: np.ndarray
    totals: np.ndarray

    def exact_amounts(self, row: int) -> dict[int, Fraction]:
        """Exact amounts of one fast row, by element column in the order written."""
        return {
            int(col): Fraction(int(m), 10 ** int(d))
            for col, m, d in zip(
                self.elements[row], self.mantissas[row], self.decimals[row], strict=True
            )
            if col >= 0
        }


def _empty(n: int) -> PlainFormulas:
    return PlainFormulas(
        fast=np.zeros(n, dtype=bool),
        elements=np.full((n, 1), -1, dtype=np.int16),
        mantissas=np.zeros((n, 1), dtype=np.int64),
        decimals=np.zeros((n, 1), dtype=np.int64),
        amounts=np.zeros((n, 1)),
        totals=np.zeros(n),
    )


def _characters(texts: Sequence[object]) -> tuple[np.ndarray, np.ndarray]:
    """ASCII bytes of the texts laid end to end, then a NUL, and each text's length (0 for a
    row that cannot be plain at all: not text, or not ASCII)."""
    strings: list[str] = [t if isinstance(t, str) else "" for t in texts]
    joined = "".join(strings)
    if not joined.isascii():
        # Unicode dashes, subscripts and invisible characters: parse_formula's business.
        strings = [t if t.isascii() else "" for t in strings]
        joined = "".join(strings)
    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    # A NUL after the last row: amounts and symbols end there without bounds checks.
    return np.frombuffer(joined.encode("ascii") + b"\0", dtype=np.uint8), lengths


def _shifted(mask: np.ndarray, step: int) -> np.ndarray:
    """``mask`` of the next (``step`` 1) or previous (-1) character; False past the ends."""
    out = np.zeros_like(mask)
    if step > 0:
        out[:-1] = mask[1:]
    else:
        out[1:] = mask[:-1]
    return out


def _amounts(
    raw: np.ndarray, continues: np.ndarray, starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Digits, digits after the point and validity of the amount starting at each of
    ``starts`` (a run of digits and at most one point, within its row): Horner's rule, one
    character of every amount at a time. ``continues[i]`` says character ``i`` is a digit or
    point of the same row as character ``i - 1``; ``raw`` ends in a sentinel that is not."""
    mantissa = np.zeros(starts.size, dtype=np.int64)
    decimals = np.zeros(starts.size, dtype=np.int64)
    points = np.zeros(starts.size, dtype=np.int8)
    digits = np.zeros(starts.size, dtype=np.int8)
    active = np.ones(starts.size, dtype=bool)
    position = starts.copy()
    for offset in range(_MAX_DIGITS + 2):  # 15 digits and a point, then the end must follow
        if offset:
            position += active  # ended amounts stay put; the final NUL ends every other one
            active &= continues[position]
        if offset == _MAX_DIGITS + 1 or not active.any():
            break
        char = raw[position]
        is_point = active & (char == 46)
        is_digit = active & ~is_point
        decimals += is_digit & (points > 0)
        points += is_point
        digits += is_digit
        np.multiply(mantissa, 10, out=mantissa, where=is_digit)
        np.add(mantissa, char.astype(np.int64) - 48, out=mantissa, where=is_digit)
    good = ~active & (points <= 1) & (digits <= _MAX_DIGITS)
    return mantissa, decimals, good


def read_plain(texts: Sequence[object]) -> PlainFormulas:
    """Read the plain formulas among ``texts`` in bulk (see the module docstring).

    Parameters
    ----------
    texts : sequence
        Formula texts; anything that is not a ``str`` is left for the strict parser.

    Returns
    -------
    PlainFormulas
        The rows read, their elements and exact amounts.

    Examples
    --------
    >>> plain = read_plain(["Li2TaS0.4O0.6Cl5", "70Li2S-30P2S5", "Li2Q"])
    >>> plain.fast.tolist()
    [True, False, False]
    >>> plain.exact_amounts(0)[15]  # column 15 is S (Z = 16)
    Fraction(2, 5)
    """
    n = len(texts)
    raw, lengths = _characters(texts)
    if raw.size == 1:
        return _empty(n)
    rows = np.flatnonzero(lengths)  # text rows that are not empty, in order
    starts = (np.cumsum(lengths) - lengths)[rows]
    kind = _CHARACTER_KINDS[raw]
    upper, lower, point = kind == _UPPER, kind == _LOWER, kind == _POINT
    numeric = kind >= _DIGIT
    row_start = np.zeros(raw.size, dtype=bool)
    row_start[starts] = True
    row_start[-1] = True  # the sentinel: a row of its own, never read as one
    # A plain row: [A-Z][a-z]? symbols, each with an optional amount \d+(\.\d+)? or \.\d+.
    bad = kind == _OTHER
    bad |= row_start & ~upper
    bad |= lower & ~_shifted(upper, -1)
    continues = numeric & ~row_start
    bad |= point & ~(_shifted(continues, 1) & _shifted(kind == _DIGIT, 1))
    row_bad = np.logical_or.reduceat(bad[:-1], starts)

    # Symbols: an upper-case letter, with the lower-case letter after it in the same row.
    position = np.flatnonzero(upper)
    per_row = np.add.reduceat(upper[:-1].view(np.uint8), starts, dtype=np.int64)
    row_of_token = np.repeat(np.arange(rows.size), per_row)
    has_lower = (_shifted(lower, 1) & ~_shifted(row_start, 1))[position]
    after = position + 1 + has_lower  # at most the sentinel
    second = np.where(has_lower, raw[position + 1], 0)
    z = _symbol_table()[256 * raw[position].astype(np.int64) + second]
    row_bad[row_of_token[z == 0]] = True  # no such element

    # The amount after a symbol starts right there, in the same row; none means 1.
    has_amount = continues[after]
    run_mantissa, run_decimals, run_good = _amounts(raw, continues, after[has_amount])
    row_bad[row_of_token[has_amount][~run_good]] = True
    mantissa = np.ones(position.size, dtype=np.int64)
    decimals = np.zeros(position.size, dtype=np.int64)
    mantissa[has_amount] = np.where(run_good, run_mantissa, 0)
    decimals[has_amount] = np.where(run_good, run_decimals, 0)
    amount = mantissa / _POW10_FLOAT[np.minimum(decimals, _MAX_DIGITS)]
    # Zero amounts are errors of parse_formula (a zero is more often a typo); tiny ones vanish
    # in a Composition: both are left for it.
    row_bad[row_of_token[amount < _AMOUNT_TOLERANCE]] = True
    row_bad |= per_row > MAX_ELEMENTS

    fast_text = ~row_bad  # over the non-empty text rows
    keep = fast_text[row_of_token]
    if not keep.any():
        return _empty(n)
    slot = np.arange(position.size) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    width = int(per_row[fast_text].max())
    at = rows[row_of_token[keep]] * width + slot[keep]  # into the flat (n, width) arrays
    elements = np.full((n, width), -1, dtype=np.int16)
    elements.reshape(-1)[at] = z[keep] - 1
    mantissas = np.zeros((n, width), dtype=np.int64)
    mantissas.reshape(-1)[at] = mantissa[keep]
    decimals_out = np.zeros((n, width), dtype=np.int64)
    decimals_out.reshape(-1)[at] = decimals[keep]
    amounts = np.zeros((n, width))
    amounts.reshape(-1)[at] = amount[keep]
    fast = np.zeros(n, dtype=bool)
    fast[rows[fast_text]] = True

    # An element written twice ("LiOHLiCl") is summed exactly by parse_formula; leave it there.
    ordered = np.sort(elements, axis=1)
    repeated = ((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)).any(axis=1)
    dropped = fast & (repeated | (ordered[:, -1] < 0))  # or every amount zero
    if dropped.any():
        fast &= ~dropped
        elements[dropped] = -1
        amounts[dropped] = 0.0
    mantissas[elements < 0] = 0
    decimals_out[elements < 0] = 0
    totals = np.zeros(n)
    for column in amounts.T:  # left to right, as Composition.num_atoms adds them
        totals += column
    return PlainFormulas(fast, elements, mantissas, decimals_out, amounts, totals)
