"""Generators: template spaces, the general system enumerator, and streaming over many spaces.

:class:`TemplateGenerator` enumerates a template space (see :mod:`~anionscreen.screening.spaces.specs`)
in a fixed order: for each choice of the symbol placeholders (product of their lists, first
placeholder slowest), the grid points of the numeric placeholders (product, first placeholder
slowest), and at each point the oxidation-state assignments that make it neutral (product over
elements by atomic number, states in the order allowed).

* Without a balance placeholder a grid point is kept once, with the first neutral assignment
  (the rule of :func:`~anionscreen.descriptors.charge.charge_balance`).
* With ``n = "balance"`` each assignment gives ``n`` from neutrality; a candidate is kept when
  ``n > 0``, once per distinct ``n`` (W with states 4 and 6 gives two candidates).
* Amount 0 means the element is absent (``x = 0`` turns ``S{1-x} O{x}`` into ``S``).
* Duplicates (the same composition, i.e. the same element fractions, reached twice in one
  space) are dropped, keeping the first. Most templates cannot produce any, which is proved
  from the space itself (distinct element sources, placeholder elements always present, a
  constant-amount anchor, distinct amounts over the grid) and then nothing is stored;
  otherwise the generator keeps a set of the compositions seen (memory grows with the count).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from anionscreen.datasets.errors import ConfigError
from anionscreen.descriptors.charge import default_oxidation_states
from anionscreen.descriptors.chunk import CompositionChunk
from anionscreen.descriptors.elements import element_index
from anionscreen.screening.spaces.chunking import (
    Generator,
    Piece,
    PieceGenerator,
    first_distinct,
)
from anionscreen.screening.spaces.filters import (
    composition_mask,
    electronegativity_ok,
    pauling_electronegativity,
)
from anionscreen.screening.spaces.repeats import dedupe_keys, template_may_repeat
from anionscreen.screening.spaces.specs import SpaceSpec
from anionscreen.screening.spaces.system_enumerator import SystemEnumerator

__all__ = [
    "Generator",
    "SystemEnumerator",
    "TemplateGenerator",
    "count_all",
    "generate_all",
    "make_generator",
]

BLOCK = 65_536  # grid points evaluated at once; bounds memory for large numeric grids


@dataclass(frozen=True)
class _Combo:
    values: tuple[str, ...]
    elements: tuple[str, ...]
    term_columns: tuple[int, ...]
    balance_column: int | None
    assignments: np.ndarray  # (A, k) states, product order over elements by Z
    scale: int


@dataclass(frozen=True)
class TemplateGenerator(PieceGenerator):
    """Candidates of a template space (see the module docstring for order and rules)."""

    space: SpaceSpec

    def __post_init__(self) -> None:
        if self.space.template is None:
            raise TypeError(f"space {self.space.name!r} is not a template space")

    # ----- compiled form -------------------------------------------------------------
    @cached_property
    def _names(self) -> tuple[str, ...]:
        return tuple(self.space.numbers)

    @cached_property
    def _sizes(self) -> tuple[int, ...]:
        return tuple(len(v) for v in self.space.numbers.values())

    @cached_property
    def grid_size(self) -> int:
        """Number of numeric grid points."""
        return math.prod(self._sizes)

    def grid_points(self) -> int:
        """Symbol choices x numeric grid points."""
        return math.prod(len(v) for v in self.space.symbols.values()) * self.grid_size

    @property
    def _terms(self) -> tuple[tuple[tuple[int, ...], np.ndarray | None], ...]:
        """Per term: positions of its variables and its exact amounts x denominator (or None)."""
        return self._compiled[1]

    @property
    def denominator(self) -> int:
        """Common denominator of every amount on the grid (before balance scaling)."""
        return self._compiled[0]

    @cached_property
    def _compiled(self) -> tuple[int, tuple[tuple[tuple[int, ...], np.ndarray | None], ...]]:
        assert self.space.template is not None
        tables: list[tuple[tuple[int, ...], list[Fraction], tuple[int, ...]] | None] = []
        for term in self.space.template.terms:
            if self.space.balance in term.amount.variables:
                tables.append(None)
                continue
            pos = tuple(self._names.index(v) for v in term.amount.variables)
            values = term.amount.grid(self.space.numbers)
            tables.append((pos, values, tuple(self._sizes[p] for p in pos)))
        den = math.lcm(*(q.denominator for t in tables if t for q in t[1]))
        largest = max((abs(q) * den for t in tables if t for q in t[1]), default=Fraction(0))
        if largest * 64 * max(1, len(tables)) >= 2**53:
            # Charges are sums of amount x state in int64, and amounts become floats exactly.
            raise ConfigError(
                f"space {self.space.name!r}: amounts over the common denominator {den} reach "
                f"{largest}, too large for exact integer arithmetic; use coarser grid steps"
            )
        out: list[tuple[tuple[int, ...], np.ndarray | None]] = []
        for t in tables:
            if t is None:
                out.append(((), None))
            else:
                ints = np.array([int(q * den) for q in t[1]], dtype=np.int64)
                out.append((t[0], ints.reshape(t[2])))
        return den, tuple(out)

    def _states(self, symbol: str) -> tuple[int, ...]:
        if symbol in self.space.oxidation_states:
            return self.space.oxidation_states[symbol]
        return default_oxidation_states(symbol)

    @cached_property
    def _combos(self) -> tuple[_Combo, ...]:
        template = self.space.template
        assert template is not None
        names = list(self.space.symbols)
        combos = []
        for values in itertools.product(*self.space.symbols.values()):
            chosen = dict(zip(names, values, strict=True))
            symbols = [chosen[t.element] if t.placeholder else t.element for t in template.terms]
            elements = tuple(dict.fromkeys(symbols))
            columns = tuple(elements.index(s) for s in symbols)
            bal = next(
                (c for t, c in zip(template.terms, columns, strict=True)
                 if self.space.balance in t.amount.variables),
                None,
            )  # fmt: skip
            by_z = sorted(range(len(elements)), key=lambda i: element_index()[elements[i]])
            lists = [self._states(elements[i]) for i in by_z]
            product = np.array(list(itertools.product(*lists)), dtype=np.int64)
            assignments = np.zeros((len(product), len(elements)), dtype=np.int64)
            if len(product):
                assignments[:, by_z] = product
            scale = 1
            if bal is not None and len(product):
                scale = math.lcm(*(abs(int(s)) for s in assignments[:, bal] if s != 0))
            combos.append(_Combo(values, elements, columns, bal, assignments, scale))
        return tuple(combos)

    @cached_property
    def cation_placeholders(self) -> tuple[str, ...]:
        """Symbol placeholders with a positive allowed state (they get an ``ox_`` column)."""
        return tuple(
            p for p, els in self.space.symbols.items()
            if any(s > 0 for el in els for s in self._states(el))
        )  # fmt: skip

    @cached_property
    def needs_dedupe(self) -> bool:
        """Whether the space could yield one composition twice (then a seen-set is kept)."""
        return template_may_repeat(self.space, self._terms, self._sizes)

    # ----- enumeration -----------------------------------------------------------------
    def _term_values(self, idx: Sequence[np.ndarray], n: int) -> list[np.ndarray | None]:
        out: list[np.ndarray | None] = []
        for pos, table in self._terms:
            if table is None:
                out.append(None)
            else:
                value = table[tuple(idx[p] for p in pos)] if pos else table
                out.append(np.broadcast_to(value, (n,)))
        return out

    def _block(self, combo: _Combo, start: int, stop: int) -> tuple[np.ndarray, ...]:
        """Kept candidates of grid points [start, stop): (grid rows, assignments, amounts)."""
        n = stop - start
        idx = np.unravel_index(np.arange(start, stop), self._sizes) if self._sizes else ()
        k = len(combo.elements)
        cols = np.zeros((n, k), dtype=np.int64)
        for value, column in zip(self._term_values(idx, n), combo.term_columns, strict=True):
            if value is not None:
                cols[:, column] += value
        cols *= combo.scale
        charge = cols @ combo.assignments.T  # (n, A)
        present = cols > 0
        bal = combo.balance_column
        if bal is not None:
            s_bal = combo.assignments[:, bal]
            # scale is a multiple of every |s_bal|, so the division is exact.
            solved = -charge // np.where(s_bal == 0, 1, s_bal)
            valid = (s_bal != 0) & (solved > 0)
            distinct = solved
        else:
            valid = charge == 0
            distinct = np.zeros_like(charge)
        if self.space.filters.electronegativity_order:
            x = np.array([pauling_electronegativity(e) for e in combo.elements])
            for a in range(len(combo.assignments)):
                here = present.copy()
                if bal is not None:
                    here[:, bal] |= valid[:, a]
                valid[:, a] &= electronegativity_ok(here, combo.assignments[a], x)
        # A grid point is kept once per distinct composition: per balance amount, or once.
        rows, assign = np.nonzero(first_distinct(distinct, valid))  # grid, then assignment
        kept = cols[rows]
        if bal is not None:
            kept[:, bal] += solved[rows, assign]
        li = combo.elements.index("Li") if "Li" in combo.elements else None
        # A point where every amount is 0 is no composition at all.
        mask = composition_mask(self.space.filters, kept, combo.elements, li) & kept.any(axis=1)
        return rows[mask] + start, assign[mask], kept[mask]

    def _piece(
        self, combo: _Combo, rows: np.ndarray, assign: np.ndarray, amounts: np.ndarray
    ) -> Piece:
        den = self.denominator * combo.scale
        params: dict[str, Any] = {"space": self.space.name}
        params.update(zip(self.space.symbols, combo.values, strict=True))
        idx = np.unravel_index(rows, self._sizes) if self._sizes else ()
        for i, values in enumerate(self.space.numbers.values()):
            params[list(self.space.numbers)[i]] = np.array([float(v) for v in values])[idx[i]]
        if combo.balance_column is not None and self.space.balance is not None:
            params[self.space.balance] = amounts[:, combo.balance_column] / den
        li = combo.elements.index("Li") if "Li" in combo.elements else None
        params["n_Li"] = amounts[:, li] / den if li is not None else 0.0
        states = combo.assignments[assign]
        for p in self.cation_placeholders:
            element = combo.values[list(self.space.symbols).index(p)]
            params[f"ox_{p}"] = states[:, combo.elements.index(element)]
        return Piece(combo.elements, amounts, den, states, params)

    def _kept(self) -> Iterator[tuple[_Combo, np.ndarray, np.ndarray, np.ndarray]]:
        seen: set[bytes] | None = set() if self.needs_dedupe else None
        for combo in self._combos:
            n_assign = len(combo.assignments)
            if not n_assign:
                continue
            # Bound the (points x assignments) work arrays to a few tens of MB.
            block = max(256, min(BLOCK, 2_000_000 // n_assign))
            for start in range(0, self.grid_size, block):
                rows, assign, amounts = self._block(
                    combo, start, min(start + block, self.grid_size)
                )
                if seen is not None and len(rows):
                    fresh = _fresh(seen, combo.elements, amounts)
                    rows, assign, amounts = rows[fresh], assign[fresh], amounts[fresh]
                if len(rows):
                    yield combo, rows, assign, amounts

    def pieces(self) -> Iterator[Piece]:
        for combo, rows, assign, amounts in self._kept():
            yield self._piece(combo, rows, assign, amounts)

    def count(self) -> int:
        # The kept rows without their pieces: no parameter columns are built to be counted.
        return sum(len(rows) for _, rows, _, _ in self._kept())

    @property
    def param_columns(self) -> tuple[str, ...]:
        balance = (self.space.balance,) if self.space.balance else ()
        ox = tuple(f"ox_{p}" for p in self.cation_placeholders)
        return ("space", *self.space.symbols, *self.space.numbers, *balance, "n_Li", *ox)

    @property
    def elements(self) -> tuple[str, ...]:
        found = {el for combo in self._combos for el in combo.elements}
        return tuple(sorted(found, key=lambda el: element_index()[el]))


def _fresh(seen: set[bytes], elements: Sequence[str], amounts: np.ndarray) -> np.ndarray:
    keys = dedupe_keys(elements, amounts)
    fresh = np.zeros(len(keys), dtype=bool)
    for i, key in enumerate(keys):
        if key not in seen:
            seen.add(key)
            fresh[i] = True
    return fresh


def make_generator(space: SpaceSpec) -> Generator:
    """The generator of a validated space (template or system)."""
    if space.template is not None:
        return TemplateGenerator(space)
    return SystemEnumerator.from_space(space)


def generate_all(spaces: Sequence[SpaceSpec], chunk_size: int = 8192) -> Iterator[CompositionChunk]:
    """Chunks of every space in order; a chunk never mixes spaces (param columns differ)."""
    for space in spaces:
        yield from make_generator(space).generate(chunk_size)


def count_all(spaces: Sequence[SpaceSpec]) -> int:
    """Total number of candidates of the spaces."""
    return sum(make_generator(space).count() for space in spaces)
