"""Template spaces: the issue's example counted by hand, rules, filters, chunks, dedupe."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pymatgen.core.composition import Composition

from anionscreen.datasets.errors import AnionscreenError, ConfigError
from anionscreen.datasets.formula import chemical_formula, formula_amounts, normalized_formula
from anionscreen.descriptors.charge import charge_balance
from anionscreen.descriptors.chunk import CompositionChunk
from anionscreen.descriptors.elements import element_index
from anionscreen.screening.spaces.generators import (
    TemplateGenerator,
    count_all,
    generate_all,
    make_generator,
)
from anionscreen.screening.spaces.specs import SpaceSpec, load_spaces, spaces_from_config

EXAMPLE = """
[[space]]
name = "Li-M-(S,O)-X5"
template = "Li{n} {M} S{1-x} O{x} {X}5"
M = ["Ta", "Nb", "Zr", "Hf", "W"]
X = ["Cl", "Br"]
x = { start = 0.0, stop = 1.0, step = 0.1 }
n = "balance"            # Li count solved from charge neutrality

[[space]]
name = "Li3M(Cl,Br)6"
template = "Li3 {M} Cl{6-y} Br{y}"
M = ["Y", "In", "Sc", "Er", "Zr"]
y = { start = 0, stop = 6, step = 1 }
"""


@pytest.fixture
def example(tmp_path: Path) -> list[SpaceSpec]:
    path = tmp_path / "spaces.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    return load_spaces(path)


def _space(**table: Any) -> SpaceSpec:
    return spaces_from_config([{"name": "t", **table}], "test")[0]


def _rows(chunks: list[CompositionChunk]) -> tuple[list[str], Any]:
    import pandas as pd

    formulas = [f for c in chunks for f in c.formulas]
    params = pd.concat([c.params for c in chunks], ignore_index=True)
    return formulas, params


def test_issue_example_counts_by_hand(example: list[SpaceSpec]) -> None:
    # Space 1: S{1-x}O{x} is always -2 and X5 is -5, so Li = 7 - ox(M).
    # Ta+5, Nb+5 -> Li2; Zr+4, Hf+4 -> Li3; W (4, 6) -> Li3 and Li1: 2 Li counts.
    # Each (M, state) gives 2 halogens x 11 values of x = 22 candidates:
    # Ta 22 + Nb 22 + Zr 22 + Hf 22 + W 44 = 132.
    # Space 2: Li3 M Cl6 needs M+3: Y, In, Sc, Er x 7 values of y = 28; Zr (+4) gives none.
    gens = [make_generator(s) for s in example]
    assert [g.count() for g in gens] == [132, 28]
    assert count_all(example) == 160
    formulas, params = _rows(list(gens[0].generate()))
    assert len(formulas) == 132
    per_family = Counter(zip(params["M"], params["ox_M"], params["n_Li"], strict=True))
    assert per_family == {
        ("Ta", 5, 2.0): 22,
        ("Nb", 5, 2.0): 22,
        ("Zr", 4, 3.0): 22,
        ("Hf", 4, 3.0): 22,
        ("W", 4, 3.0): 22,
        ("W", 6, 1.0): 22,
    }
    formulas2, params2 = _rows(list(gens[1].generate()))
    assert sorted(set(params2["M"])) == ["Er", "In", "Sc", "Y"]
    assert formulas2[:3] == ["Li3YCl6", "Li3YCl5Br", "Li3YCl4Br2"]  # template order


def test_example_formulas_are_neutral_and_in_template_order(example: list[SpaceSpec]) -> None:
    for chunk in generate_all(example, chunk_size=64):
        for formula in chunk.formulas:
            assert charge_balance(formula_amounts(formula)).neutral, formula
            assert chemical_formula(Composition(formula)) == formula  # reads back as itself
            assert list(formula_amounts(formula))[:2] == ["Li", "Ta"] or "Ta" not in formula
        np.testing.assert_allclose(chunk.fractions.sum(axis=1), 1.0, rtol=0, atol=1e-15)
        assert chunk.oxidation_states is not None
        charge = np.nansum(chunk.fractions * chunk.oxidation_states, axis=1)
        np.testing.assert_allclose(charge, 0.0, atol=1e-14)


def test_example_member_and_absent_element(example: list[SpaceSpec]) -> None:
    formulas, params = _rows(list(make_generator(example[0]).generate()))
    # x = 0 drops O entirely; the x = 0.6 member of the Ta/Cl family is exact.
    assert formulas[0] == "Li2TaSCl5"
    row = formulas.index("Li2TaS0.4O0.6Cl5")  # as the template and the paper write it
    assert params.loc[row, ["M", "X", "x", "n", "n_Li", "ox_M"]].tolist() == [
        "Ta", "Cl", 0.6, 2.0, 2.0, 5,
    ]  # fmt: skip
    assert list(params.columns) == ["space", "M", "X", "x", "n", "n_Li", "ox_M"]
    assert "Li3WS0.4O0.6Cl5" in formulas
    assert "LiWS0.4O0.6Cl5" in formulas
    assert not any("Zr" in f for f in _rows(list(make_generator(example[1]).generate()))[0])


def test_chunks_are_deterministic_and_exactly_sized(example: list[SpaceSpec]) -> None:
    gen = make_generator(example[0])
    first = list(gen.generate(chunk_size=50))
    second = list(gen.generate(chunk_size=50))
    assert [len(c) for c in first] == [50, 50, 32]
    for a, b in zip(first, second, strict=True):
        assert a.formulas.tolist() == b.formulas.tolist()
        np.testing.assert_array_equal(a.fractions, b.fractions)
        assert a.params.equals(b.params)
    whole = next(iter(gen.generate(chunk_size=1000)))
    assert whole.formulas.tolist() == [f for c in first for f in c.formulas]


def test_oxidation_state_override_adds_w5() -> None:
    space = _space(
        template="Li{n} {M} S{1-x} O{x} {X}5",
        M=["W"],
        X=["Cl", "Br"],
        x={"start": 0, "stop": 1, "step": 0.1},
        n="balance",
        oxidation_states={"W": [4, 5, 6]},
    )
    formulas, params = _rows(list(make_generator(space).generate()))
    assert len(formulas) == 66  # 3 states x 2 halogens x 11
    assert Counter(params["n_Li"]) == {3.0: 22, 2.0: 22, 1.0: 22}


def test_filters_hand_counts() -> None:
    base: dict[str, Any] = {
        "template": "Li{n} {M} S{1-x} O{x} {X}5",
        "M": ["Ta", "Nb", "Zr", "Hf", "W"],
        "X": ["Cl", "Br"],
        "x": {"start": 0, "stop": 1, "step": 0.1},
        "n": "balance",
    }
    assert make_generator(_space(**base, filters={"forbidden_elements": ["Hf"]})).count() == 110
    # Mixed members have 5 elements (Li, M, S, O, X); at most 4 keeps the end members
    # x = 0 and x = 1 only: 12 families x 2.
    assert make_generator(_space(**base, filters={"max_elements": 5})).count() == 132
    assert make_generator(_space(**base, filters={"max_elements": 4})).count() == 24
    allowed = {"allowed_elements": ["Li", "Ta", "S", "O", "Cl"]}
    assert make_generator(_space(**base, filters=allowed)).count() == 11
    # Li fraction: Li2TaSCl5 2/9, Li3ZrSCl5 3/10, LiWSCl5 1/8; >= 0.25 keeps the Li3 families.
    assert make_generator(_space(**base, filters={"min_li_fraction": 0.25})).count() == 66
    # Exactly at the boundary: 3/10 passes ">= 0.3" (exact rational comparison).
    assert make_generator(_space(**base, filters={"min_li_fraction": "3/10"})).count() == 66


def test_electronegativity_order_fractional() -> None:
    # N is -3, +3 or +5; Br is -1. Li{n} N Br{c}: N-3 gives n = 3 + c for c = 1..6 (6);
    # N+3 gives n = c - 3 > 0 for c = 4, 5, 6 (3); N+5 gives n = 1 at c = 6 (1): 10 in all.
    # Pauling: N (3.04) as a cation above Br (2.96) fails, so only the 6 nitrides stay.
    table: dict[str, Any] = {
        "template": "Li{n} N Br{c}",
        "c": {"start": 1, "stop": 6, "step": 1},
        "n": "balance",
    }
    assert make_generator(_space(**table)).count() == 10
    gen = make_generator(_space(**table, filters={"electronegativity_order": True}))
    formulas, _ = _rows(list(gen.generate()))
    assert formulas == ["Li4NBr", "Li5NBr2", "Li6NBr3", "Li7NBr4", "Li8NBr5", "Li9NBr6"]


def test_repeats_within_a_space_are_dropped() -> None:
    # S{a} S{b}: only a + b matters. a, b in {0, 0.5, 1}: S totals 0.5, 1, 1.5, 2 with
    # Li = 2(a + b); a + b = 0 gives Li 0 and is dropped. 4 candidates, not 8.
    space = _space(template="Li{n} Ta S{a} S{b} Cl5", a=[0, 0.5, 1], b=[0, 0.5, 1], n="balance")
    gen = make_generator(space)
    assert isinstance(gen, TemplateGenerator)
    assert gen.needs_dedupe
    formulas, _ = _rows(list(gen.generate()))
    assert formulas == ["LiTaS0.5Cl5", "Li2TaSCl5", "Li3TaS1.5Cl5", "Li4TaS2Cl5"]
    assert gen.count() == 4


def test_repeats_across_symbol_choices_are_dropped() -> None:
    # (Y, In) and (In, Y) are one composition; (Y, Y) is Li2Y2Cl8 = LiYCl4.
    space = _space(template="Li{n} {A} {B} Cl8", A=["Y", "In"], B=["Y", "In"], n="balance")
    formulas, _ = _rows(list(make_generator(space).generate()))
    assert formulas == ["LiYCl4", "Li2YInCl8", "LiInCl4"]


def test_scaled_copies_are_one_composition() -> None:
    # Li{t} Y{t} Cl{4t} at t = 1 and 2 is the same composition LiYCl4.
    space = _space(template="Li{t} Y{t} Cl{4*t}", t=[1, 2])
    assert [f for c in make_generator(space).generate() for f in c.formulas] == ["LiYCl4"]


def test_no_dedupe_needed_for_the_example(example: list[SpaceSpec]) -> None:
    gens = [make_generator(s) for s in example]
    assert [g.needs_dedupe for g in gens if isinstance(g, TemplateGenerator)] == [False, False]


def test_oxidation_state_matrix_values(example: list[SpaceSpec]) -> None:
    chunk = next(iter(make_generator(example[0]).generate(chunk_size=11)))
    assert chunk.oxidation_states is not None
    idx = element_index()
    assert chunk.oxidation_states[0, idx["Ta"]] == 5
    assert chunk.oxidation_states[0, idx["Li"]] == 1
    assert np.isnan(chunk.oxidation_states[0, idx["O"]])  # x = 0: O absent
    assert chunk.oxidation_states[5, idx["O"]] == -2
    assert chunk.fractions[0, idx["Cl"]] == pytest.approx(5 / 9)


def test_formulas_match_chemical_formula_for_non_terminating_amounts() -> None:
    space = _space(
        template="Li{n} Ta S{1-x} O{x} Cl5", x={"start": 0, "stop": 1, "step": "1/3"}, n="balance"
    )
    assert space.numbers["x"] == (Fraction(0), Fraction(1, 3), Fraction(2, 3), Fraction(1))
    formulas = [f for c in make_generator(space).generate() for f in c.formulas]
    expected = [
        chemical_formula(Composition({"Li": 2, "Ta": 1, "S": float(1 - x), "O": float(x), "Cl": 5}))
        for x in space.numbers["x"]
    ]
    assert formulas == expected
    assert formulas[1] == "Li2TaS0.666667O0.333333Cl5"


def test_bad_chunk_size_raises_before_work(example: list[SpaceSpec]) -> None:
    gen = make_generator(example[0])
    with pytest.raises(AnionscreenError, match="chunk_size must be a positive integer; got 0"):
        gen.generate(chunk_size=0)


def test_too_fine_amounts_are_refused() -> None:
    gen = make_generator(_space(template="Li{x} Y Cl3", x=["1e-15", 3]))
    with pytest.raises(ConfigError, match="too large for exact integer arithmetic"):
        gen.count()


def test_formulas_equal_chemical_formula_of_the_template_amounts(
    example: list[SpaceSpec],
) -> None:
    chunks = list(make_generator(example[0]).generate())
    formulas, params = _rows(chunks)
    for formula, row in zip(formulas, params.itertuples(), strict=True):
        x = Fraction(str(row.x))
        amounts = {"Li": float(row.n), row.M: 1.0, "S": float(1 - x), "O": float(x), row.X: 5.0}
        assert formula == chemical_formula(Composition(amounts))
        # The order is for people; the normalised key of the text is the amounts' key.
        assert normalized_formula(Composition(formula)) == normalized_formula(Composition(amounts))


def test_point_with_every_amount_zero_is_skipped() -> None:
    space = _space(template="Li{x} Cl{x}", x=[0, 1, 2])
    # x = 0 leaves nothing; x = 2 is LiCl again (a repeat).
    assert [f for c in make_generator(space).generate() for f in c.formulas] == ["LiCl"]
