"""The general system enumerator: hand counts and a brute-force reference."""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.formula import formula_amounts
from anionscreen.descriptors.charge import charge_balance
from anionscreen.screening.spaces.generators import SystemEnumerator, make_generator
from anionscreen.screening.spaces.specs import Grid, spaces_from_config


def _space(**table: Any) -> SystemEnumerator:
    gen = make_generator(spaces_from_config([{"name": "sys", **table}], "test")[0])
    assert isinstance(gen, SystemEnumerator)
    return gen


def _normal(amounts: dict[str, Fraction]) -> frozenset[tuple[str, Fraction]]:
    total = sum(amounts.values())
    return frozenset((el, q / total) for el, q in amounts.items() if q)


def test_li_y_cl_br_hand_count() -> None:
    # Li = Cl + Br - 3Y with every amount in 1..6.
    # Y + Cl: Y1 with Cl 4, 5, 6 -> 3; likewise Y + Br -> 3.
    # Y + Cl + Br: Y1 needs Cl + Br in 4..9: 3+4+5+6+5+4 = 27 pairs;
    # Y2 needs Cl + Br in 7..12: 21 pairs, minus 6 that are 2 x a Y1 composition -> 15;
    # Y3 needs Cl + Br in 10..12: 6 pairs, minus (Li3Y3Cl6Br6 = 3 x LiYCl2Br2) -> 5.
    gen = _space(cations=["Y"], anions=["Cl", "Br"], amounts={"start": 1, "stop": 6, "step": 1})
    assert gen.count() == 3 + 3 + 27 + 15 + 5
    formulas = [f for c in gen.generate() for f in c.formulas]
    assert formulas[:6] == ["LiYCl4", "Li2YCl5", "Li3YCl6", "LiYBr4", "Li2YBr5", "Li3YBr6"]
    assert len(set(formulas)) == 53


def _brute_force(
    cations: list[str], anions: list[str], grid: list[Fraction], li_grid: list[Fraction]
) -> set[frozenset[tuple[str, Fraction]]]:
    others = [*cations, *anions]
    found = set()
    for li in li_grid:
        for amounts in itertools.product([Fraction(0), *grid], repeat=len(others)):
            comp = {"Li": li, **dict(zip(others, amounts, strict=True))}
            n_cat = sum(1 for c in cations if comp[c])
            n_an = sum(1 for a in anions if comp[a])
            if n_cat != 1 or n_an < 1:
                continue
            if charge_balance(comp).neutral:
                found.add(_normal(comp))
    return found


def test_matches_brute_force_on_a_fractional_grid() -> None:
    step = Fraction(1, 2)
    grid = [step * k for k in range(1, 7)]  # 0.5 .. 3
    gen = _space(
        cations=["Ta", "Zr"],
        anions=["S", "Cl"],
        amounts={"start": 0.5, "stop": 3, "step": 0.5},
        bounds={"Li": {"start": 0.5, "stop": 4}},
    )
    expected = _brute_force(["Ta", "Zr"], ["S", "Cl"], grid, [step * k for k in range(1, 9)])
    chunks = list(gen.generate(chunk_size=7))
    formulas = [f for c in chunks for f in c.formulas]
    assert len(formulas) == gen.count() == len(expected)
    assert {_normal(formula_amounts(f)) for f in formulas} == expected
    for chunk in chunks:
        np.testing.assert_allclose(chunk.fractions.sum(axis=1), 1.0, atol=1e-15)
        assert chunk.oxidation_states is not None
        charge = np.nansum(chunk.fractions * chunk.oxidation_states, axis=1)
        np.testing.assert_allclose(charge, 0.0, atol=1e-14)
    assert list(chunks[0].params.columns) == ["space", "cations", "anions", "n_Li"]


def test_electronegativity_filter_in_system() -> None:
    # Li-N-Br with N1 and Br 1..6: N-3 gives Li = Br + 3 (6 candidates, all pass Pauling);
    # N+3 gives Li = Br - 3 for Br 4, 5, 6; N+5 gives Li = Br - 5 at Br 6. Pauling drops
    # those 4 (N 3.04 as a cation above Br 2.96).
    table: dict[str, Any] = {
        "cations": ["N"],
        "anions": ["Br"],
        "amounts": {"start": 1, "stop": 6, "step": 1},
        "bounds": {"Li": {"start": 1, "stop": 12}, "N": {"start": 1, "stop": 1}},
    }
    plain = [f for c in _space(**table).generate() for f in c.formulas]
    strict = _space(**table, filters={"electronegativity_order": True})
    kept = [f for c in strict.generate() for f in c.formulas]
    assert sorted(set(plain) - set(kept)) == ["Li2NBr5", "Li3NBr6", "LiNBr4", "LiNBr6"]
    assert len(kept) == 6
    assert all(charge_balance(formula_amounts(f), {"N": [-3]}).neutral for f in kept)
    assert strict.count() == len(kept)


def test_direct_construction_checks() -> None:
    grid = Grid(Fraction(1), Fraction(6), Fraction(1))
    gen = SystemEnumerator(cations=("Ta",), anions=("Cl",), amounts=grid)
    assert [f for c in gen.generate() for f in c.formulas] == ["LiTaCl6"]
    with pytest.raises(AnionscreenError, match="'Li' must be an element other than Li"):
        SystemEnumerator(cations=("Li",), anions=("Cl",), amounts=grid)


def test_element_without_states_gives_nothing() -> None:
    grid = Grid(Fraction(1), Fraction(6), Fraction(1))
    assert SystemEnumerator(cations=("He",), anions=("Cl",), amounts=grid).count() == 0
    both = SystemEnumerator(cations=("He", "Y"), anions=("Cl",), amounts=grid)
    assert [f for c in both.generate() for f in c.formulas] == ["LiYCl4", "Li2YCl5", "Li3YCl6"]
