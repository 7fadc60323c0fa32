"""The general enumerator: every neutral Li-M-(S,O,X) composition within bounds.

Every element other than Li is absent or has an amount on a grid ``k * step`` with
``start <= k * step <= stop`` (one shared step; per-element bounds may narrow the range). Li is
always present and its amount is solved from charge neutrality for each oxidation-state
assignment, then kept when it lies within Li's bounds. Each candidate has between 1 and
``max_cations`` cations and between 1 and ``max_anions`` anions besides Li.

Order: cation subsets (by size, then in list order), anion subsets likewise, the amounts of
the present elements (product, first element slowest), then distinct Li amounts in assignment
order. Duplicates by reduced formula are never emitted: a composition is emitted only at the
smallest scale at which all its amounts lie within the bounds (for integer grids that is the
gcd-reduced formula), which is decided per row, so nothing is remembered between rows.

TOML (a ``[[space]]`` table)::

    [[space]]
    name = "Li-(Ta,Zr)-(S,O,Cl)"
    cations = ["Ta", "Zr"]
    anions = ["S", "O", "Cl"]
    amounts = { start = 0.5, stop = 6, step = 0.5 }
    bounds = { Li = { start = 0.5, stop = 8 } }   # optional, per element
    max_cations = 1
    max_anions = 3
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.descriptors.charge import default_oxidation_states
from anionscreen.descriptors.elements import element_index
from anionscreen.screening.spaces.chunking import (
    Piece,
    PieceGenerator,
    first_distinct,
)
from anionscreen.screening.spaces.filters import (
    FilterSpec,
    composition_mask,
    electronegativity_ok,
    pauling_electronegativity,
)
from anionscreen.screening.spaces.specs import Grid, SpaceSpec

BLOCK = 32_768


@dataclass(frozen=True)
class SystemEnumerator(PieceGenerator):
    """All neutral compositions of Li, some cations and some anions within bounds.

    Parameters
    ----------
    cations, anions : tuple of str
        Elements besides Li.
    amounts : Grid
        Grid of every element's positive amount (``start > 0``); Li's default bounds too.
    bounds : mapping of str to Grid, optional
        Narrower (start, stop) per element, same step; ``"Li"`` bounds the solved Li amount.
    max_cations, max_anions : int
        How many distinct cations / anions at most (``max_anions`` 0 = all).
    oxidation_states : mapping of str to tuple of int, optional
    filters : FilterSpec, optional
    name : str
        Value of the ``space`` column.
    """

    cations: tuple[str, ...]
    anions: tuple[str, ...]
    amounts: Grid
    bounds: Mapping[str, Grid] = field(default_factory=dict)
    max_cations: int = 1
    max_anions: int = 0
    oxidation_states: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    filters: FilterSpec = field(default_factory=FilterSpec)
    name: str = "system"

    def __post_init__(self) -> None:
        for el in (*self.cations, *self.anions):
            if el not in element_index() or el == "Li":
                raise AnionscreenError(f"{self.name}: {el!r} must be an element other than Li")
        if self.amounts.step <= 0 or self.amounts.start <= 0:
            raise AnionscreenError(f"{self.name}: amounts need step > 0 and start > 0")
        for el, grid in self.bounds.items():
            if grid.step != self.amounts.step:
                raise AnionscreenError(
                    f"{self.name}: bounds of {el} must use the step {self.amounts.step}"
                )

    @classmethod
    def from_space(cls, space: SpaceSpec) -> SystemEnumerator:
        """The enumerator of a validated system space."""
        assert space.amounts is not None
        return cls(
            cations=space.cations,
            anions=space.anions,
            amounts=space.amounts,
            bounds=space.bounds,
            max_cations=space.max_cations,
            max_anions=space.max_anions,
            oxidation_states=space.oxidation_states,
            filters=space.filters,
            name=space.name,
        )

    def _range(self, el: str) -> tuple[int, int]:
        grid = self.bounds.get(el, self.amounts)
        lo, hi = grid.start / self.amounts.step, grid.stop / self.amounts.step
        return math.ceil(lo), math.floor(hi)

    def _states(self, el: str) -> tuple[int, ...]:
        return self.oxidation_states.get(el) or default_oxidation_states(el)

    def _subsets(self) -> Iterator[tuple[str, ...]]:
        max_anions = self.max_anions or len(self.anions)
        for nc in range(1, min(self.max_cations, len(self.cations)) + 1):
            for cats in itertools.combinations(self.cations, nc):
                for na in range(1, min(max_anions, len(self.anions)) + 1):
                    for ans in itertools.combinations(self.anions, na):
                        yield (*cats, *ans)

    def grid_points(self) -> int:
        """Amount combinations over every element subset (Li is solved, not enumerated)."""
        total = 0
        for present in self._subsets():
            total += math.prod(max(0, hi - lo + 1) for lo, hi in map(self._range, present))
        return total

    def pieces(self) -> Iterator[Piece]:
        step = self.amounts.step
        li_lo, li_hi = self._range("Li")
        for present in self._subsets():
            elements = ("Li", *present)
            ranges = [self._range(el) for el in present]
            sizes = tuple(max(0, hi - lo + 1) for lo, hi in ranges)
            total = math.prod(sizes)
            if total == 0:
                continue
            by_z = sorted(range(len(elements)), key=lambda i: element_index()[elements[i]])
            product = list(itertools.product(*(self._states(elements[i]) for i in by_z)))
            if not product:
                continue  # an element without oxidation states: nothing can be neutral
            assignments = np.zeros((len(product), len(elements)), dtype=np.int64)
            assignments[:, by_z] = np.array(product, dtype=np.int64)
            lows = np.array([li_lo] + [lo for lo, _ in ranges], dtype=np.int64)
            block = max(256, min(BLOCK, 2_000_000 // len(assignments)))
            for start in range(0, total, block):
                flat = np.arange(start, min(start + block, total))
                k = np.stack(np.unravel_index(flat, sizes), axis=1) + lows[1:]
                yield from self._select(elements, k, assignments, lows, li_hi, step)

    def _select(
        self,
        elements: tuple[str, ...],
        k: np.ndarray,
        assignments: np.ndarray,
        lows: np.ndarray,
        li_hi: int,
        step: Fraction,
    ) -> Iterator[Piece]:
        s_li = assignments[:, 0]
        charge = k @ assignments[:, 1:].T  # (n, A)
        ok_div = (s_li != 0) & (charge % np.where(s_li == 0, 1, s_li) == 0)
        li = -charge // np.where(s_li == 0, 1, s_li)
        valid = ok_div & (li >= lows[0]) & (li <= li_hi)
        if self.filters.electronegativity_order:
            # Every element of the subset is present, so the test depends on the states only.
            x = np.array([pauling_electronegativity(e) for e in elements])
            present = np.ones((len(assignments), len(elements)), dtype=bool)
            valid &= electronegativity_ok(present, assignments, x)[None, :]
        rows, assign = np.nonzero(first_distinct(li, valid))
        amounts = np.empty((len(rows), len(elements)), dtype=np.int64)
        amounts[:, 0] = li[rows, assign]
        amounts[:, 1:] = k[rows]
        # Emit only the smallest in-bounds scale of each composition (dedupe without memory).
        divisor = np.gcd.reduce(amounts, axis=1)
        primitive = amounts // divisor[:, None]
        smallest = np.max(-(-lows[None, :] // primitive), axis=1)
        mask = (divisor == np.maximum(smallest, 1)) & composition_mask(
            self.filters, amounts, elements, 0
        )
        amounts, assign = amounts[mask], assign[mask]
        if not len(amounts):
            return
        states = assignments[assign]
        # Every element of the subset is present in every row, so these are constants.
        params: dict[str, Any] = {
            "space": self.name,
            "cations": "+".join(el for el in elements if el in self.cations),
            "anions": "+".join(el for el in elements if el in self.anions),
            "n_Li": amounts[:, 0] * step.numerator / step.denominator,
        }
        yield Piece(elements, amounts * step.numerator, step.denominator, states, params)

    @property
    def param_columns(self) -> tuple[str, ...]:
        return ("space", "cations", "anions", "n_Li")

    @property
    def elements(self) -> tuple[str, ...]:
        found = {"Li", *self.cations, *self.anions}
        return tuple(sorted(found, key=lambda el: element_index()[el]))
