"""Formulas as chemists write them everywhere, with a normalised key beside them for joins."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest
from pymatgen.core.composition import Composition

from anionscreen.datasets.combined import combine, name_by_composition
from anionscreen.datasets.formula import (
    chemical_formula,
    composition_key,
    normalized_formula,
    parse_formula,
)
from anionscreen.datasets.schema import validate_measurements
from anionscreen.descriptors.composite import featurize
from anionscreen.models.features import chunk_of_formulas
from anionscreen.models.targets import build_target_table
from anionscreen.screening.spaces.fields import Grid
from anionscreen.screening.spaces.generators import SystemEnumerator


@pytest.mark.parametrize(
    ("text", "written", "key"),
    [
        ("Li2TaS0.4O0.6Cl5", "Li2TaS0.4O0.6Cl5", "Li2TaS0.4Cl5O0.6"),
        ("Li2OHCl", "Li2OHCl", "Li2HClO"),
        ("Li4O2H2Cl2", "Li2OHCl", "Li2HClO"),  # integer formulas reduced, order kept
        ("Li2 Ta1 S0.4 O0.6 Cl5", "Li2TaS0.4O0.6Cl5", "Li2TaS0.4Cl5O0.6"),
        ("70Li2S-30P2S5", "Li1.4S2.2P0.6", "Li1.4P0.6S2.2"),  # first appearance: Li2S first
    ],
)
def test_chemical_formula_keeps_the_order_written(text: str, written: str, key: str) -> None:
    assert chemical_formula(parse_formula(text)) == written
    assert normalized_formula(parse_formula(text)) == key
    assert normalized_formula(parse_formula(written)) == key  # one key, whatever the order


def test_compositions_come_back_as_chemists_write_them() -> None:
    comp = Composition("Li2TaS0.4O0.6Cl5")
    assert str(comp) == "Li2 Ta1 S0.4 O0.6 Cl5"  # pymatgen's own spelling
    result = featurize([comp, "Li2OHCl", "ClLi2OH"], preset="magpie")
    # Compositions as chemists write them; text exactly as the user typed it.
    assert result.features["formula"].tolist() == ["Li2TaS0.4O0.6Cl5", "Li2OHCl", "ClLi2OH"]
    chunk = chunk_of_formulas([comp, "Li2OHCl"])
    assert chunk.formulas.tolist() == ["Li2TaS0.4O0.6Cl5", "Li2OHCl"]
    assert (chunk.fractions[0] == chunk_of_formulas(["Li2TaS0.4O0.6Cl5"]).fractions[0]).all()


def test_measurements_keep_their_source_order_and_group_by_key() -> None:
    rows = validate_measurements(
        pd.DataFrame(
            {
                "composition": ["Li2OHCl", "Li2OHCl", "Li2HClO", "Li3OCl", "Li6PS5Cl"],
                "sigma_S_per_cm": ["1e-5", "2e-5", "4e-5", "1e-6", "1e-3"],
                "source": ["a", "b", "c", "a", "a"],
            }
        ),
        "t.csv",
    )
    assert rows["formula"].tolist() == ["Li2OHCl", "Li2OHCl", "Li2HClO", "Li3OCl", "Li6PS5Cl"]
    names = name_by_composition(rows["formula"])
    assert names["Li2HClO"] == "Li2OHCl"  # the spelling the sources use most names the group
    out = combine(rows)
    oh = out[out["formula"] == "Li2OHCl"].iloc[0]
    assert (oh["count"], oh["sources"]) == (3, "a,b,c")
    table = build_target_table("sigma", rows)
    # One training row per composition, named as its sources write it; ordered by the key.
    keys = [composition_key(f) for f in table.formulas]
    assert keys == sorted(keys)
    assert sorted(table.formulas.tolist()) == ["Li2OHCl", "Li3OCl", "Li6PS5Cl"]
    assert table.data.set_index("formula").loc["Li2OHCl", "n_measurements"] == 3


def test_system_spaces_write_li_cations_anions_in_the_order_given() -> None:
    enumerator = SystemEnumerator(
        cations=("Ta",),
        anions=("S", "O", "Cl"),
        amounts=Grid(Fraction(1), Fraction(2), Fraction(1)),
        max_anions=3,
        name="sys",
    )
    chunk = next(iter(enumerator.generate(chunk_size=1000)))
    assert chunk.formula_keys is not None
    for formula, key in zip(chunk.formulas, chunk.formula_keys, strict=True):
        order = list(parse_formula(formula).as_dict())
        assert order == [el for el in ("Li", "Ta", "S", "O", "Cl") if el in order]
        assert key == normalized_formula(parse_formula(formula))
    assert chunk.formulas.tolist()[-2:] == ["Li2TaSO2Cl", "Li2TaS2OCl"]
    assert chunk.formula_keys.tolist()[-2:] == ["Li2TaSClO2", "Li2TaS2ClO"]
