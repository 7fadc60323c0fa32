"""Electrochemical stability window from the Li grand-potential phase diagram.

Energies are chosen so every limit can be worked out by hand. Elements: Li -2.0 eV/atom,
Cl -1.5 eV/atom (Cl2 = -3.0), S -4.0 eV/atom. Compounds (total energy per formula unit):
LiCl -7.5 (E_f = -4.0 eV), Li2S -12.5 (E_f = -4.5 eV), SCl2 -7.3 (E_f = -0.3 eV).

Voltages are V = mu_Li(metal) - mu_Li = -2.0 - mu_Li. The Li chemical potentials where
assemblages change:

* LiCl / Cl2:        mu = E(LiCl) - E(Cl)               = -7.5 + 1.5          = -6.00 -> 4.00 V
* Li2S / S:          mu = (E(Li2S) - E(S)) / 2          = (-12.5 + 4.0) / 2   = -4.25 -> 2.25 V
* S + 2 LiCl / SCl2: mu = (E(S) + 2 E(LiCl) - E(SCl2))/2 = (-4 - 15 + 7.3) / 2 = -5.85 -> 3.85 V
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
from pymatgen.core.composition import Composition
from pymatgen.core.periodic_table import Element

from anionscreen.datasets.errors import AnionscreenError, FormulaError
from anionscreen.descriptors.chunk import compositions_to_fractions
from anionscreen.descriptors.stability import (
    LiWindowCalculator,
    StabilityWindow,
    stability_window,
)


def _entries(table: dict[str, float]) -> list[PDEntry]:
    return [PDEntry(Composition(formula), energy) for formula, energy in table.items()]


LI_CL = {"Li": -2.0, "Cl2": -3.0, "LiCl": -7.5}
LI_S_CL = {**LI_CL, "S": -4.0, "Li2S": -12.5, "SCl2": -7.3}
# A stable ternary 0.1 eV below Li2S + LiCl.
LI_S_CL_TERNARY = {**LI_S_CL, "Li3SCl": -12.5 - 7.5 - 0.1}


@pytest.fixture(scope="module")
def li_s_cl() -> LiWindowCalculator:
    return LiWindowCalculator(_entries(LI_S_CL))


def test_licl_window_is_zero_to_minus_formation_energy() -> None:
    window = stability_window("LiCl", _entries(LI_CL))
    assert window == StabilityWindow(
        formula="LiCl",
        reduction_limit_V=0.0,
        oxidation_limit_V=pytest.approx(4.0, abs=1e-12),
        reduction_products=(),
        oxidation_products=("Cl2",),
    )
    assert window.width_V == pytest.approx(4.0, abs=1e-12)


def test_li_poor_mixture_has_a_zero_width_window_at_the_licl_cl2_potential() -> None:
    # Li0.5Cl = LiCl/2 + Cl2/4: any Li taken up makes more LiCl, any given off makes Cl2.
    window = stability_window("Li0.5Cl", _entries(LI_CL))
    assert window.reduction_limit_V == pytest.approx(4.0, abs=1e-12)
    assert window.oxidation_limit_V == pytest.approx(4.0, abs=1e-12)
    assert window.reduction_products == ("LiCl",)
    assert window.oxidation_products == ("Cl2",)


@pytest.mark.parametrize(
    ("formula", "reduction", "oxidation", "red_products", "ox_products"),
    [
        ("LiCl", 0.0, 4.0, (), ("Cl2",)),
        ("Li2S", 0.0, 2.25, (), ("S",)),
        # 1/2 Li2S + LiCl: Li2S gives off its Li first.
        ("Li2S0.5Cl", 0.0, 2.25, (), ("LiCl", "S")),
        # LiCl + 1/2 S: takes up Li to Li2S below 2.25 V, gives off Li to SCl2 above 3.85 V.
        ("LiS0.5Cl", 2.25, 3.85, ("Li2S", "LiCl"), ("SCl2",)),
        ("Li4S1.5Cl", 0.0, 2.25, (), ("LiCl", "S")),
        # Li-free sulfur: reduced to Li2S at 2.25 V, never oxidised by Li removal.
        ("S", 2.25, math.inf, ("Li2S",), ()),
    ],
)
def test_li_s_cl_windows_worked_out_by_hand(
    li_s_cl: LiWindowCalculator,
    formula: str,
    reduction: float,
    oxidation: float,
    red_products: tuple[str, ...],
    ox_products: tuple[str, ...],
) -> None:
    window = li_s_cl.window(formula)
    assert window.reduction_limit_V == pytest.approx(reduction, abs=1e-9)
    assert window.oxidation_limit_V == pytest.approx(oxidation, abs=1e-9)
    assert window.reduction_products == red_products
    assert window.oxidation_products == ox_products


def test_stable_ternary_sets_its_own_oxidation_limit() -> None:
    # Li3SCl -> LiCl + S + 2 Li at mu = (E(Li3SCl) - E(LiCl) - E(S)) / 2
    #         = (-20.1 + 7.5 + 4.0) / 2 = -4.30, i.e. 2.30 V (above Li2S's 2.25 V).
    calc = LiWindowCalculator(_entries(LI_S_CL_TERNARY))
    for formula in ("Li3SCl", "Li2S0.5Cl"):  # the latter is Li3SCl/2 + LiCl/2
        window = calc.window(formula)
        assert window.reduction_limit_V == 0.0
        assert window.oxidation_limit_V == pytest.approx(2.30, abs=1e-9)
        assert window.oxidation_products == ("LiCl", "S")
    assert calc.window("Li2S").oxidation_limit_V == pytest.approx(2.25, abs=1e-9)


def test_many_rows_at_once_equal_one_at_a_time(li_s_cl: LiWindowCalculator) -> None:
    formulas = ["LiCl", "LiS0.5Cl", "Li2S", "S", "Li2S0.5Cl"]
    arrays = li_s_cl.window_arrays(compositions_to_fractions([Composition(f) for f in formulas]))
    for i, formula in enumerate(formulas):
        single = li_s_cl.window(formula)
        assert arrays.reduction_limit_V[i] == single.reduction_limit_V
        assert arrays.oxidation_limit_V[i] == single.oxidation_limit_V
        assert arrays.oxidation_products[i] == single.oxidation_products


def _window_from_pymatgen_profile(pd: PhaseDiagram, formula: str) -> tuple[float, float]:
    """(reduction V, oxidation V) read off pymatgen's own element profile."""
    mu0 = pd.el_refs[Element("Li")].energy_per_atom
    profile = pd.get_element_profile(Element("Li"), Composition(formula))
    chempots = [p["chempot"] for p in profile] + [-math.inf]
    evolutions = [p["evolution"] for p in profile]
    for i, evolution in enumerate(evolutions):
        if abs(evolution) < 1e-6:
            return mu0 - chempots[i], mu0 - chempots[i + 1]
    # No Li-neutral segment: the window is the point where Li uptake turns into Li loss.
    switch = next(i for i, e in enumerate(evolutions) if e < 0)
    return mu0 - chempots[switch], mu0 - chempots[switch]


def test_agrees_with_pymatgen_element_profile_on_random_quaternary_compositions() -> None:
    rng = np.random.default_rng(7)
    table = {"Li": -1.9, "Ta": -11.8, "S": -4.1, "Cl2": -3.7}
    compounds = ["LiCl", "Li2S", "TaCl5", "TaS2", "Li3TaS4", "LiTaCl6", "TaSCl3", "Li6TaS4Cl"]
    for formula in compounds:
        comp = Composition(formula)
        reference = {"Li": -1.9, "Ta": -11.8, "S": -4.1, "Cl": -1.85}
        elemental = sum(reference[el.symbol] * n for el, n in comp.items())
        table[formula] = elemental - float(rng.uniform(0.3, 1.2)) * comp.num_atoms
    entries = _entries(table)
    calc = LiWindowCalculator(entries)
    pd = PhaseDiagram(entries)
    amounts = rng.dirichlet(np.ones(4), size=25)
    formulas = [
        Composition(dict(zip(("Li", "Ta", "S", "Cl"), row, strict=True))).formula for row in amounts
    ] + compounds
    arrays = calc.window_arrays(compositions_to_fractions([Composition(f) for f in formulas]))
    for i, formula in enumerate(formulas):
        reduction, oxidation = _window_from_pymatgen_profile(pd, formula)
        assert arrays.reduction_limit_V[i] == pytest.approx(reduction, abs=1e-6), formula
        assert arrays.oxidation_limit_V[i] == pytest.approx(oxidation, abs=1e-6), formula


def test_calculator_pickles_and_gives_the_same_windows(li_s_cl: LiWindowCalculator) -> None:
    clone = pickle.loads(pickle.dumps(li_s_cl))
    assert clone.window("LiS0.5Cl") == li_s_cl.window("LiS0.5Cl")


def test_bad_inputs_raise_project_errors(li_s_cl: LiWindowCalculator) -> None:
    with pytest.raises(FormulaError, match=r"cannot read formula 'Li2Q'"):
        li_s_cl.window("Li2Q")
    with pytest.raises(
        AnionscreenError, match=r"row 0 has elements outside the chemical system Cl-Li-S"
    ):
        li_s_cl.window("LiBr")
    with pytest.raises(AnionscreenError, match=r"row 0 has no element other than Li"):
        li_s_cl.window("Li")
    with pytest.raises(
        AnionscreenError, match=r"needs Li in the chemical system; entries span Cl-S"
    ):
        LiWindowCalculator(_entries({"S": -4.0, "Cl2": -3.0, "SCl2": -7.3}))
    with pytest.raises(AnionscreenError, match=r"needs entries; got an empty list"):
        LiWindowCalculator([])
    with pytest.raises(
        AnionscreenError, match=r"fractions must have shape \(n, 118\); got \(2, 3\)"
    ):
        li_s_cl.window_arrays(np.zeros((2, 3)))
