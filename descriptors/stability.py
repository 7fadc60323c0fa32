"""Electrochemical stability window against Li from the Li grand-potential phase diagram.

A solid electrolyte in contact with an electrode sits in a lithium reservoir whose chemical
potential ``mu_Li`` is set by the electrode's voltage ``V = -(mu_Li - mu_Li(metal)) / e``. At a
given ``mu_Li`` the non-Li part of a composition decomposes into the phases of the Li
grand-potential phase diagram (pymatgen's
:class:`~pymatgen.analysis.phase_diagram.GrandPotentialPhaseDiagram`); those phases hold some
amount of Li. The **stability window** is the voltage range over which that amount equals the
composition's own Li content: the phase assemblage neither takes up Li (reduction) nor gives it
off (oxidation). This is the phase-equilibrium window of Richards et al., Chem. Mater. 28, 266
(2016), DOI 10.1021/acs.chemmater.5b04082, and Zhu, He & Mo, ACS Appl. Mater. Interfaces 7,
23685 (2015), DOI 10.1021/acsami.5b07517.

The window belongs to the equilibrium assemblage at the composition, so fractional and
multi-phase compositions are handled like any other; a hypothetical candidate that is not among
the entries gets the window of the phases it would decompose into. A composition whose Li
content matches no assemblage over a finite range has a window of zero width, at the voltage
where it switches from giving off to taking up Li.

Speed: the Li uptake of an assemblage changes only at the system's transition chemical
potentials, so :class:`LiWindowCalculator` builds one grand-potential diagram per interval
between them, once per chemical system, and then finds the containing facet of every candidate
of a chunk with array operations (barycentric coordinates). It agrees with pymatgen's
``PhaseDiagram.get_element_profile`` (tests check this) at a fraction of its per-composition cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pymatgen.analysis.phase_diagram import GrandPotentialPhaseDiagram, PhaseDiagram
from pymatgen.core.composition import Composition
from pymatgen.core.entries import Entry
from pymatgen.core.periodic_table import Element

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.formula import chemical_formula, parse_formula
from anionscreen.descriptors.chunk import compositions_to_fractions
from anionscreen.descriptors.elements import N_ELEMENTS, element_index

#: Li uptake (Li atoms per non-Li atom) below which an assemblage counts as not exchanging Li.
UPTAKE_TOL = 1e-7
#: Barycentric coordinates above -LAMBDA_TOL count as inside a facet; above +LAMBDA_TOL a product.
LAMBDA_TOL = 1e-9
#: Rows per block in the facet search, to keep the (facets, rows, dims) array cache-sized.
_BLOCK = 2048


@dataclass(frozen=True)
class StabilityWindow:
    """The window of one composition, in volts vs Li/Li+.

    ``reduction_limit_V`` is 0 when the assemblage is stable against Li metal, and
    ``reduction_products`` is then empty. ``oxidation_limit_V`` is ``inf`` for a Li-free
    composition that never gives off Li. Products are reduced formulas of the solid phases
    formed just beyond each limit (Li itself is the exchanged reservoir and is not listed).
    """

    formula: str
    reduction_limit_V: float  # noqa: N815 (unit in the name)
    oxidation_limit_V: float  # noqa: N815
    reduction_products: tuple[str, ...]
    oxidation_products: tuple[str, ...]

    @property
    def width_V(self) -> float:  # noqa: N802 (unit in the name)
        """Oxidation limit minus reduction limit (0 for a zero-width window)."""
        return self.oxidation_limit_V - self.reduction_limit_V


@dataclass(frozen=True)
class WindowArrays:
    """Windows of many compositions as arrays (one row per composition)."""

    reduction_limit_V: np.ndarray  # noqa: N815 (unit in the name)
    oxidation_limit_V: np.ndarray  # noqa: N815
    reduction_products: np.ndarray
    oxidation_products: np.ndarray


@dataclass(frozen=True)
class _Segment:
    """The grand-potential hull for one open interval of mu_Li, as arrays."""

    inverse: np.ndarray  # (facets, d, d): composition -> barycentric coordinates
    li_ratio: np.ndarray  # (facets, d): Li atoms per non-Li atom of each facet vertex
    names: np.ndarray  # (facets, d) object: reduced formula of each vertex


class LiWindowCalculator:
    """Stability windows of many compositions in one chemical system.

    Parameters
    ----------
    entries : sequence of Entry
        Computed entries (pymatgen ``PDEntry``/``ComputedEntry``, corrections applied) of one
        chemical system that contains Li and every element of the compositions asked about.

    Examples
    --------
    >>> from pymatgen.analysis.phase_diagram import PDEntry
    >>> from pymatgen.core.composition import Composition
    >>> energies = [("Li", -2.0), ("Cl2", -3.0), ("LiCl", -7.5)]
    >>> entries = [PDEntry(Composition(f), e) for f, e in energies]
    >>> w = LiWindowCalculator(entries).window("LiCl")
    >>> (w.reduction_limit_V, round(w.oxidation_limit_V, 6), w.oxidation_products)
    (0.0, 4.0, ('Cl2',))
    """

    def __init__(self, entries: Sequence[Entry]) -> None:
        if not entries:
            raise AnionscreenError("stability window needs entries; got an empty list")
        li = Element("Li")
        self.phase_diagram = PhaseDiagram(list(entries))
        if li not in self.phase_diagram.elements:
            raise AnionscreenError(
                "stability window needs Li in the chemical system; entries span "
                f"{'-'.join(sorted(el.symbol for el in self.phase_diagram.elements))}"
            )
        self.elements: tuple[str, ...] = tuple(
            sorted(el.symbol for el in self.phase_diagram.elements)
        )
        self.others: tuple[str, ...] = tuple(s for s in self.elements if s != "Li")
        self.mu_li_metal = float(self.phase_diagram.el_refs[li].energy_per_atom)
        # Ascending transition chemical potentials; the last is Li metal's.
        self.transitions = np.array(sorted(self.phase_diagram.get_transition_chempots(li)))
        lows = np.concatenate([[self.transitions[0] - 1.0], self.transitions[:-1]])
        midpoints = (lows + self.transitions) / 2.0
        stable = list(self.phase_diagram.stable_entries)
        self._segments = [self._segment(stable, float(mu)) for mu in midpoints]

    def _segment(self, stable: list[Entry], mu: float) -> _Segment:
        d = len(self.others)
        gpd = GrandPotentialPhaseDiagram(stable, {Element("Li"): mu})
        inverses, ratios, names = [], [], []
        for facet in gpd.facets:
            vertices = [gpd.qhull_entries[i] for i in facet]
            matrix = np.array(
                [[v.composition.get_atomic_fraction(el) for el in self.others] for v in vertices]
            ).T
            if abs(np.linalg.det(matrix)) < 1e-12:  # flat in composition: covers no volume
                continue
            originals = [v.original_entry.composition for v in vertices]
            inverses.append(np.linalg.inv(matrix))
            ratios.append([c["Li"] / (c.num_atoms - c["Li"]) for c in originals])
            names.append([c.reduced_formula for c in originals])
        return _Segment(
            inverse=np.array(inverses).reshape(-1, d, d),
            li_ratio=np.array(ratios, dtype=np.float64).reshape(-1, d),
            names=np.array(names, dtype=object).reshape(-1, d),
        )

    def _locate(self, segment: _Segment, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Containing facet and barycentric coordinates of each row of ``x`` (non-Li fractions)."""
        n = x.shape[0]
        facet = np.full(n, -1, dtype=np.int64)
        lam = np.zeros_like(x)
        for start in range(0, n, _BLOCK):
            xb = x[start : start + _BLOCK]
            bary = np.einsum("fij,nj->fni", segment.inverse, xb)
            inside = np.all(bary >= -LAMBDA_TOL, axis=2)
            first = np.argmax(inside, axis=0)
            found = inside[first, np.arange(xb.shape[0])]
            facet[start : start + xb.shape[0]] = np.where(found, first, -1)
            lam[start : start + xb.shape[0]] = bary[first, np.arange(xb.shape[0])]
        if np.any(facet < 0):  # only possible for compositions outside the system
            raise AnionscreenError("a composition lies outside the phase diagram's facets")
        return facet, lam

    def window_arrays(self, fractions: np.ndarray) -> WindowArrays:
        """Windows of the rows of an element-fraction matrix of shape (n, 118).

        Raises
        ------
        AnionscreenError
            If a row contains an element outside this calculator's chemical system, or no
            element other than Li.
        """
        fractions = np.asarray(fractions, dtype=np.float64)
        if fractions.ndim != 2 or fractions.shape[1] != N_ELEMENTS:
            raise AnionscreenError(
                f"fractions must have shape (n, {N_ELEMENTS}); got {fractions.shape}"
            )
        index = element_index()
        cols = [index[s] for s in self.others]
        outside = np.ones(N_ELEMENTS, dtype=bool)
        outside[[*cols, index["Li"]]] = False
        bad = np.flatnonzero(np.any(fractions[:, outside] > 0, axis=1))
        if bad.size:
            raise AnionscreenError(
                f"row {int(bad[0])} has elements outside the chemical system "
                f"{'-'.join(self.elements)}; expected only those elements"
            )
        x_li = fractions[:, index["Li"]]
        non_li = fractions[:, cols]
        total = non_li.sum(axis=1)
        if np.any(total <= 0):
            row = int(np.flatnonzero(total <= 0)[0])
            raise AnionscreenError(f"row {row} has no element other than Li; no window exists")
        x = non_li / total[:, None]
        own_ratio = x_li / total
        n, k = x.shape[0], len(self._segments)
        uptake = np.empty((n, k))
        facets = np.empty((n, k), dtype=np.int64)
        lams = np.empty((n, k, x.shape[1]))
        for j, seg in enumerate(self._segments):
            facets[:, j], lams[:, j] = self._locate(seg, x)
            ratio = np.einsum("nd,nd->n", lams[:, j], seg.li_ratio[facets[:, j]])
            uptake[:, j] = ratio - own_ratio
        return self._limits(uptake, facets, lams)

    def _limits(self, uptake: np.ndarray, facets: np.ndarray, lams: np.ndarray) -> WindowArrays:
        k = uptake.shape[1]
        # Voltage at the upper bound of each segment; below the lowest transition is +inf.
        upper_v = self.mu_li_metal - self.transitions
        lower_v = np.concatenate([[np.inf], upper_v[:-1]])
        zero = np.abs(uptake) < UPTAKE_TOL
        has_zero = zero.any(axis=1)
        first_zero = np.argmax(zero, axis=1)
        last_zero = k - 1 - np.argmax(zero[:, ::-1], axis=1)
        takes_up = uptake > UPTAKE_TOL
        # First segment (in increasing mu) that takes up Li; k when none does.
        first_up = np.where(takes_up.any(axis=1), np.argmax(takes_up, axis=1), k)
        ox_seg = np.where(has_zero, first_zero, first_up)  # segment just inside the ox. limit
        red_seg = np.where(has_zero, last_zero, first_up - 1)
        switch_v = np.where(first_up > 0, upper_v[np.maximum(first_up - 1, 0)], np.inf)
        oxidation = np.where(has_zero, lower_v[np.clip(ox_seg, 0, k - 1)], switch_v)
        reduction = np.where(has_zero, upper_v[np.clip(red_seg, 0, k - 1)], oxidation)
        beyond_ox = np.where(has_zero, ox_seg - 1, first_up - 1)
        beyond_red = np.where(has_zero, red_seg + 1, first_up)
        return WindowArrays(
            reduction_limit_V=reduction.astype(np.float64),
            oxidation_limit_V=oxidation.astype(np.float64),
            reduction_products=self._products(beyond_red, facets, lams),
            oxidation_products=self._products(beyond_ox, facets, lams),
        )

    def _products(self, segs: np.ndarray, facets: np.ndarray, lams: np.ndarray) -> np.ndarray:
        """Product tuples of each row in segment ``segs[row]`` (object array of tuples)."""
        n, k, d = lams.shape
        # Out-of-range segments are the two ends: never oxidised, or reduced only to Li metal.
        valid = np.flatnonzero((segs >= 0) & (segs < k))
        seg = segs[valid]
        facet = facets[valid, seg]
        present = lams[valid, seg] > LAMBDA_TOL
        bits = present.astype(np.int64) @ (np.int64(1) << np.arange(d, dtype=np.int64))
        # Rows with the same segment, facet and present vertices share one product tuple.
        keys = (seg.astype(np.int64) * (facets.max(initial=0) + 1) + facet) << d | bits
        unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        tuples = np.empty(len(unique), dtype=object)
        for u, row in enumerate(first):
            names = self._segments[int(seg[row])].names[facet[row]]
            tuples[u] = tuple(sorted(set(names[present[row]])))
        empty = np.empty(1, dtype=object)
        empty[0] = ()
        out = np.repeat(empty, n)
        out[valid] = tuples[inverse.reshape(-1)]
        return out

    def window(self, composition: Composition | str) -> StabilityWindow:
        """The window of one composition (an edge helper over :meth:`window_arrays`).

        A string is read strictly (:func:`~anionscreen.datasets.formula.parse_formula`);
        ``formula`` in the result is written as given
        (:func:`~anionscreen.datasets.formula.chemical_formula`).
        """
        comp = parse_formula(composition) if isinstance(composition, str) else composition
        arrays = self.window_arrays(compositions_to_fractions([comp]))
        return StabilityWindow(
            formula=chemical_formula(comp),
            reduction_limit_V=float(arrays.reduction_limit_V[0]),
            oxidation_limit_V=float(arrays.oxidation_limit_V[0]),
            reduction_products=arrays.reduction_products[0],
            oxidation_products=arrays.oxidation_products[0],
        )


def stability_window(composition: Composition | str, entries: Sequence[Entry]) -> StabilityWindow:
    """Stability window of one composition from a list of entries of its chemical system.

    For many compositions of one system build a :class:`LiWindowCalculator` once instead.
    """
    return LiWindowCalculator(entries).window(composition)
