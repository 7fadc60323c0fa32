"""Every matminer-parity descriptor equals matminer on 1,200 compositions (1e-9, NaN == NaN).

The matminer values are computed here, not stored. The compositions mix fractional
Li-M-(S,O)-X formulas (Li2TaS0.4O0.6Cl5-like), random formulas of 1-7 elements drawn from all
118 elements (noble gases, lanthanides, actinides, superheavies: NaN data) and ties in the most
abundant element (mode tie-breaking).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from matminer.featurizers.composition import (
    ElementFraction as MMElementFraction,
)
from matminer.featurizers.composition import (
    ElementProperty as MMElementProperty,
)
from matminer.featurizers.composition import (
    IonProperty as MMIonProperty,
)
from matminer.featurizers.composition import (
    Stoichiometry as MMStoichiometry,
)
from matminer.featurizers.composition import (
    ValenceOrbital as MMValenceOrbital,
)
from pymatgen.core.composition import Composition
from pymatgen.core.periodic_table import Element, Species

from anionscreen.descriptors.chunk import CompositionChunk, compositions_to_fractions
from anionscreen.descriptors.elements import element_index
from anionscreen.descriptors.ion import IonProperty
from anionscreen.descriptors.matminer_sets import (
    ElementFraction,
    ElementProperty,
    Stoichiometry,
    ValenceOrbital,
)

METALS = ("Ta", "Nb", "Zr", "Hf", "Y", "In", "Sc", "Al", "Ga", "W", "Mo", "Ti", "Sn", "Bi",
          "La", "Er", "Fe", "Zn", "Mg", "Ge", "P", "Si", "B", "Sb", "Ho", "Lu")  # fmt: skip
HALIDES = ("F", "Cl", "Br", "I")


def _states_for(symbol: str) -> int:
    states = Element(symbol).common_oxidation_states
    return int(states[0]) if states else 0


def _make_compositions(seed: int = 7) -> list[Composition]:
    """1,200 compositions with oxidation states (Species), so IonProperty needs no guessing."""
    rng = np.random.default_rng(seed)
    comps: list[Composition] = []
    # 500 fractional mixed-anion Li-M-S-O-X, neutral with Li+1, M at its max common state.
    for _ in range(500):
        metal = str(rng.choice(METALS))
        q = max(Element(metal).common_oxidation_states)
        x = rng.integers(0, 11) / 10
        halide = str(rng.choice(HALIDES))
        n_x = int(rng.integers(3, 7))
        li = 2 + n_x - q
        if li <= 0:
            n_x += 1 - li
            li = 1
        amounts = {("Li", 1): li, (metal, q): 1, ("S", -2): round(1 - x, 1),
                   ("O", -2): x, (halide, -1): n_x}  # fmt: skip
        comps.append(Composition({Species(el, s): a for (el, s), a in amounts.items() if a > 0}))
    # 600 random formulas over all 118 elements, fractional amounts.
    for _ in range(600):
        k = int(rng.integers(1, 8))
        zs = rng.choice(np.arange(1, 119), size=k, replace=False)
        comps.append(
            Composition(
                {
                    Species(
                        Element.from_Z(int(z)).symbol, _states_for(Element.from_Z(int(z)).symbol)
                    ): float(rng.integers(1, 40) / rng.integers(1, 8))
                    for z in zs
                }
            )
        )
    # 100 with exact ties of the largest amount (mode tie-breaking) and single elements.
    for i in range(100):
        k = 1 + i % 4
        zs = rng.choice(np.arange(1, 95), size=k, replace=False)
        comps.append(
            Composition(
                {
                    Species(
                        Element.from_Z(int(z)).symbol, _states_for(Element.from_Z(int(z)).symbol)
                    ): 2.0
                    for z in zs
                }
            )
        )
    return comps


def _chunk(comps: list[Composition]) -> CompositionChunk:
    fractions = compositions_to_fractions(comps)
    states = np.full(fractions.shape, np.nan)
    index = element_index()
    for row, comp in enumerate(comps):
        for species in comp:
            states[row, index[species.symbol]] = species.oxi_state
    formulas = np.array([c.formula for c in comps], dtype=object)
    return CompositionChunk(fractions=fractions, formulas=formulas, oxidation_states=states)


def _reference(featurizer: Any, comps: list[Composition]) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.array([featurizer.featurize(c) for c in comps], dtype=np.float64)


@pytest.fixture(scope="module")
def comps() -> list[Composition]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pymatgen: "No Pauling electronegativity for Ar"
        return _make_compositions()


@pytest.fixture(scope="module")
def chunk(comps: list[Composition]) -> CompositionChunk:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _chunk(comps)


def _assert_matches(ours: np.ndarray, ref: np.ndarray, names: list[str]) -> None:
    assert ours.shape == ref.shape
    same_nan = np.isnan(ours) == np.isnan(ref)
    assert same_nan.all(), f"NaN mismatch in {sorted({names[j] for j in np.nonzero(~same_nan)[1]})}"
    close = np.isclose(ours, ref, rtol=1e-9, atol=0.0, equal_nan=True)
    bad = np.argwhere(~close)
    assert not len(bad), [(names[j], ours[i, j], ref[i, j]) for i, j in bad[:5]]


def test_compositions_cover_the_hard_cases(
    comps: list[Composition], chunk: CompositionChunk
) -> None:
    assert len(comps) >= 1000
    index = element_index()
    frac = chunk.fractions
    assert (frac[:, index["S"]] > 0).sum() > 300  # mixed-anion rows
    assert ((frac[:, index["O"]] > 0) & (frac[:, index["S"]] > 0)).sum() > 200
    assert (frac[:, 88:] > 0).any(axis=1).sum() > 50  # actinides and beyond
    assert np.any([c.reduced_formula.startswith("Li") and "0.4" in c.formula for c in comps])


@pytest.mark.parametrize("impute_nan", [False, True])
def test_magpie_element_property_equals_matminer(
    comps: list[Composition], chunk: CompositionChunk, impute_nan: bool
) -> None:
    ref = _reference(MMElementProperty.from_preset("magpie", impute_nan=impute_nan), comps)
    ours_t = ElementProperty(impute_nan=impute_nan).fit(chunk)
    ours = ours_t.transform(chunk)
    names = list(ours_t.get_feature_names_out())
    assert len(names) == 132
    assert names[7 * 6 + 3] == "magpie mean Electronegativity"
    # matminer's avg_dev of equal values is rounding residue of |x - sum(a x)/sum(a)| (up to
    # a few ulp of x); ours is the exact 0. Those entries, and only those, are compared with
    # an absolute tolerance of 1e-12 times the value.
    avg_dev = np.arange(4, 132, 6)
    constant = ours[:, avg_dev - 2] == 0  # range == 0
    residue = constant & (ref[:, avg_dev] != 0)
    scale = np.abs(ours[:, avg_dev - 1])
    assert np.all(np.abs(ref[:, avg_dev][residue]) <= 1e-12 * scale[residue])
    assert np.all(ours[:, avg_dev][constant] == 0)
    ref[:, avg_dev] = np.where(residue, 0.0, ref[:, avg_dev])
    _assert_matches(ours, ref, names)
    if not impute_nan:
        assert np.isnan(ref).sum() > 1000  # the NaN paths were exercised


def test_magpie_names_follow_matminer_order() -> None:
    ours = ElementProperty().fit(["LiCl"]).get_feature_names_out()
    theirs = MMElementProperty.from_preset("magpie").feature_labels()
    assert [n.replace("magpie ", "MagpieData ", 1) for n in ours] == theirs


@pytest.mark.parametrize("impute_nan", [False, True])
def test_valence_orbital_equals_matminer(
    comps: list[Composition], chunk: CompositionChunk, impute_nan: bool
) -> None:
    ref = _reference(MMValenceOrbital(impute_nan=impute_nan), comps)
    ours_t = ValenceOrbital(impute_nan=impute_nan).fit(chunk)
    _assert_matches(ours_t.transform(chunk), ref, list(ours_t.get_feature_names_out()))
    assert list(ours_t.get_feature_names_out()) == MMValenceOrbital().feature_labels()


def test_stoichiometry_equals_matminer(comps: list[Composition], chunk: CompositionChunk) -> None:
    ref = _reference(MMStoichiometry(), comps)
    ours_t = Stoichiometry().fit(chunk)
    _assert_matches(ours_t.transform(chunk), ref, list(ours_t.get_feature_names_out()))


def test_element_fraction_equals_matminer(
    comps: list[Composition], chunk: CompositionChunk
) -> None:
    ref = _reference(MMElementFraction(), comps)
    ours_t = ElementFraction().fit(chunk)
    _assert_matches(ours_t.transform(chunk), ref, list(ours_t.get_feature_names_out()))


@pytest.mark.parametrize("impute_nan", [True, False])
def test_ion_property_equals_matminer(
    comps: list[Composition], chunk: CompositionChunk, impute_nan: bool
) -> None:
    from matminer.utils.data import PymatgenData

    source = PymatgenData(impute_nan=impute_nan)
    ref = _reference(MMIonProperty(data_source=source, impute_nan=impute_nan), comps)
    ours_t = IonProperty(impute_nan=impute_nan).fit(chunk)
    ours = ours_t.transform(chunk)
    _assert_matches(ours, ref, list(ours_t.get_feature_names_out()))
    # Both outcomes of "compound possible" occur (random states are rarely neutral).
    assert 0 < ours[:, 0].sum() < len(ours)
