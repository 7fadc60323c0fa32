"""Property tests: random template spaces against a slow, literal reading of the rules."""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymatgen.core.composition import Composition

from anionscreen.datasets.formula import chemical_formula, formula_amounts
from anionscreen.descriptors.charge import charge_balance, default_oxidation_states
from anionscreen.screening.spaces.filters import pauling_electronegativity
from anionscreen.screening.spaces.generators import make_generator
from anionscreen.screening.spaces.specs import SpaceSpec, spaces_from_config

Normal = frozenset[tuple[str, Fraction]]

TEMPLATES = {
    "Li{n} {M} S{1-x} O{x} {X}{c}": ("M", "X", "x", "c", "n"),
    "Li{a} {M} O{x} {X}{c}": ("a", "M", "X", "x", "c"),
    "Li{n} {M} {X}{c}": ("M", "X", "c", "n"),
    "Li{n} {M} S{x} S{1-x} {X}{c}": ("M", "X", "x", "c", "n"),  # repeats: S total is 1
    "Li{n} {M} {X}{c} Cl": ("M", "X", "c", "n"),  # X may be Cl too
}
CATIONS = ["Ta", "Nb", "Zr", "W", "Y", "Fe", "Mn", "Ti", "Sn", "P", "Al", "N", "Se"]


@st.composite
def spaces(draw: st.DrawFn) -> dict[str, Any]:
    template = draw(st.sampled_from(sorted(TEMPLATES)))
    values: dict[str, Any] = {
        "M": draw(st.lists(st.sampled_from(CATIONS), min_size=1, max_size=3, unique=True)),
        "X": draw(st.lists(st.sampled_from(["F", "Cl", "Br", "I"]), min_size=1, max_size=2, unique=True)),
        "x": {"start": 0, "stop": 1, "step": draw(st.sampled_from([0.1, 0.25, 0.5, 1]))},
        "c": draw(st.lists(st.integers(1, 8), min_size=1, max_size=3, unique=True)),
        "a": draw(st.lists(st.sampled_from([0.5, 1, 2, 3, 4]), min_size=1, max_size=3)),
        "n": "balance",
    }  # fmt: skip
    table: dict[str, Any] = {"name": "p", "template": template}
    table.update({key: values[key] for key in TEMPLATES[template]})
    if draw(st.booleans()):
        table["oxidation_states"] = {"W": [4, 5, 6], "Fe": [2, 3]}
    if draw(st.booleans()):
        table["filters"] = {"electronegativity_order": True}
    return table


def _normal(amounts: dict[str, Fraction]) -> Normal:
    total = sum(amounts.values())
    return frozenset((el, q / total) for el, q in amounts.items() if q)


def _pauling_ok(amounts: dict[str, Fraction], states: dict[str, int]) -> bool:
    present = [el for el, q in amounts.items() if q]
    cations = [pauling_electronegativity(el) for el in present if states[el] > 0]
    anions = [pauling_electronegativity(el) for el in present if states[el] < 0]
    values = cations + anions
    if any(v != v for v in values):  # NaN
        return False
    return not cations or not anions or max(cations) < min(anions)


def _reference(space: SpaceSpec) -> set[Normal]:
    """The rules read literally: every symbol choice, grid point and state assignment."""
    assert space.template is not None
    allowed = {**space.oxidation_states}
    found: set[Normal] = set()
    names = list(space.numbers)
    for symbols in itertools.product(*space.symbols.values()):
        chosen = dict(zip(space.symbols, symbols, strict=True))
        for point in itertools.product(*space.numbers.values()):
            at = dict(zip(names, point, strict=True))
            amounts: dict[str, Fraction] = {}
            balance_el = None
            for term in space.template.terms:
                el = chosen[term.element] if term.placeholder else term.element
                if space.balance in term.amount.variables:
                    balance_el = el
                    amounts.setdefault(el, Fraction(0))
                else:
                    amounts[el] = amounts.get(el, Fraction(0)) + term.amount.evaluate(at)
            states = {el: allowed.get(el, default_oxidation_states(el)) for el in amounts}
            for combo in itertools.product(*states.values()):
                st_of = dict(zip(states, combo, strict=True))
                final = dict(amounts)
                if balance_el is not None:
                    rest = sum(q * st_of[el] for el, q in amounts.items())
                    n = Fraction(-rest) / st_of[balance_el] if st_of[balance_el] else Fraction(-1)
                    if n <= 0:
                        continue
                    final[balance_el] += n
                elif sum(q * st_of[el] for el, q in final.items()) != 0:
                    continue
                if space.filters.electronegativity_order and not _pauling_ok(final, st_of):
                    continue
                found.add(_normal(final))
    return found


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=spaces(), chunk_size=st.integers(1, 40))
def test_random_spaces_follow_the_rules(table: dict[str, Any], chunk_size: int) -> None:
    space = spaces_from_config([table], "hypothesis")[0]
    gen = make_generator(space)
    chunks = list(gen.generate(chunk_size))
    again = list(gen.generate(chunk_size))
    formulas = [f for c in chunks for f in c.formulas]
    # count() agrees, chunks are exactly sized and identical on every call.
    assert gen.count() == len(formulas)
    assert all(len(c) == chunk_size for c in chunks[:-1])
    assert [f for c in again for f in c.formulas] == formulas
    # No duplicates: neither formulas nor compositions.
    normals = [_normal(formula_amounts(f)) for f in formulas]
    assert len(set(formulas)) == len(formulas)
    assert len(set(normals)) == len(normals)
    # Exactly the compositions the literal reading of the rules gives.
    assert set(normals) == _reference(space)
    for chunk in chunks:
        np.testing.assert_allclose(chunk.fractions.sum(axis=1), 1.0, rtol=0, atol=1e-14)
        assert chunk.oxidation_states is not None
        charge = np.nansum(chunk.fractions * chunk.oxidation_states, axis=1)
        np.testing.assert_allclose(charge, 0.0, atol=1e-12)
    for formula in formulas:
        assert charge_balance(formula_amounts(formula), space.oxidation_states).neutral
        assert chemical_formula(Composition(formula)) == formula  # reads back as itself


def _system_reference(
    cations: list[str], anions: list[str], grid: list[Fraction], li_grid: list[Fraction],
    max_cations: int, pauling: bool,
) -> set[Normal]:  # fmt: skip
    others = [*cations, *anions]
    states = {el: default_oxidation_states(el) for el in ["Li", *others]}
    found: set[Normal] = set()
    for amounts in itertools.product([Fraction(0), *grid], repeat=len(others)):
        comp = dict(zip(others, amounts, strict=True))
        if not 1 <= sum(1 for c in cations if comp[c]) <= max_cations:
            continue
        if not any(comp[a] for a in anions):
            continue
        for li in li_grid:
            full = {"Li": li, **{el: q for el, q in comp.items() if q}}
            for combo in itertools.product(*(states[el] for el in full)):
                st_of = dict(zip(full, combo, strict=True))
                if sum(q * st_of[el] for el, q in full.items()) != 0:
                    continue
                if pauling and not _pauling_ok(full, st_of):
                    continue
                found.add(_normal(full))
                break
    return found


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cations=st.lists(st.sampled_from(["Ta", "Zr", "Y", "Fe", "Sn", "N"]), min_size=1, max_size=2, unique=True),
    anions=st.lists(st.sampled_from(["S", "O", "Cl", "Br"]), min_size=1, max_size=2, unique=True),
    step=st.sampled_from([Fraction(1, 2), Fraction(1)]),
    max_cations=st.integers(1, 2),
    pauling=st.booleans(),
)  # fmt: skip
def test_random_systems_match_brute_force(
    cations: list[str], anions: list[str], step: Fraction, max_cations: int, pauling: bool
) -> None:
    table = {
        "name": "sys",
        "cations": cations,
        "anions": anions,
        "amounts": {"start": str(step), "stop": 2, "step": str(step)},
        "bounds": {"Li": {"start": str(step), "stop": 4}},
        "max_cations": max_cations,
        "filters": {"electronegativity_order": pauling},
    }
    gen = make_generator(spaces_from_config([table], "hypothesis")[0])
    formulas = [f for c in gen.generate(chunk_size=16) for f in c.formulas]
    normals = [_normal(formula_amounts(f)) for f in formulas]
    assert gen.count() == len(formulas)
    assert len(set(normals)) == len(normals)
    grid = [step * k for k in range(1, int(2 / step) + 1)]
    li_grid = [step * k for k in range(1, int(4 / step) + 1)]
    assert set(normals) == _system_reference(cations, anions, grid, li_grid, max_cations, pauling)
