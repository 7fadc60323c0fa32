"""Exact charge neutrality: defaults, exact amounts, reasons, bulk assignment."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.formula import formula_amounts
from anionscreen.descriptors.charge import (
    assign_oxidation_states,
    charge_balance,
    default_oxidation_states,
    format_amount,
    to_fraction,
)
from anionscreen.descriptors.elements import N_ELEMENTS, element_index


def test_default_states_fixed_and_from_pymatgen() -> None:
    assert default_oxidation_states("Li") == (1,)
    assert default_oxidation_states("O") == (-2,)
    assert default_oxidation_states("S") == (-2,)
    assert default_oxidation_states("Br") == (-1,)
    assert default_oxidation_states("Ta") == (5,)
    assert default_oxidation_states("W") == (4, 6)
    assert default_oxidation_states("He") == ()


def test_default_states_rejects_unknown_symbol() -> None:
    with pytest.raises(AnionscreenError, match="unknown element symbol 'Xx'"):
        default_oxidation_states("Xx")


@pytest.mark.parametrize(
    ("given", "expected"),
    [(0.4, Fraction(2, 5)), ("0.1", Fraction(1, 10)), (3, Fraction(3)), ("1/3", Fraction(1, 3))],
)
def test_to_fraction_is_exact(given: float | str, expected: Fraction) -> None:
    assert to_fraction(given) == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "abc", True])
def test_to_fraction_rejects(bad: float | str) -> None:
    with pytest.raises(AnionscreenError):
        to_fraction(bad)


def test_format_amount() -> None:
    assert format_amount(Fraction(2, 5)) == "0.4"
    assert format_amount(Fraction(-1, 5)) == "-0.2"
    assert format_amount(Fraction(21, 20)) == "1.05"
    assert format_amount(Fraction(7)) == "7"
    assert format_amount(Fraction(1, 3)) == "0.333333"


def test_issue_examples_neutral_and_not() -> None:
    ok = charge_balance(formula_amounts("Li2TaS0.4O0.6Cl5"))
    assert ok.neutral
    assert ok.states == {"Li": 1, "Ta": 5, "S": -2, "O": -2, "Cl": -1}
    assert ok.residual == 0
    assert ok.n_neutral == 1
    bad = charge_balance(formula_amounts("Li2TaS0.4O0.5Cl5"))
    assert not bad.neutral
    assert bad.states is None
    assert bad.residual == Fraction(1, 5)
    assert bad.reason == (
        "Li2TaS0.4O0.5Cl5 is not neutral: the closest assignment "
        "(Li+1, Ta+5, S-2, O-2, Cl-1) leaves a charge of +0.2 per formula unit"
    )


def test_override_states_and_choice_rule() -> None:
    # W defaults to (4, 6): Li2WCl6 is neutral only with W+4.
    assert charge_balance({"Li": 2, "W": 1, "Cl": 6}).states == {"Li": 1, "W": 4, "Cl": -1}
    # With W in {5}, Li2WCl6 leaves +1.
    forced = charge_balance({"Li": 2, "W": 1, "Cl": 6}, allowed={"W": [5]})
    assert forced.residual == 1
    # FeMnO3: Fe+2/Mn+4 and Fe+3/Mn+3 are both neutral with these allowed states.
    # The first in product order (elements by Z: Mn then Fe, states ascending) wins.
    two = charge_balance({"Fe": 1, "Mn": 1, "O": 3}, allowed={"Fe": [2, 3], "Mn": [3, 4]})
    assert two.n_neutral == 2
    assert two.states == {"Fe": 3, "Mn": 3, "O": -2}


def test_zero_amount_means_absent_and_no_state_element() -> None:
    assert charge_balance({"Li": 2, "Ta": 1, "S": 1, "O": 0, "Cl": 5}).formula == "Li2TaSCl5"
    he = charge_balance({"He": 1, "Cl": 1})
    assert not he.neutral
    assert he.residual is None
    assert he.reason == "HeCl is not neutral: He has no allowed oxidation state"


def test_charge_balance_rejects_negative_amount() -> None:
    with pytest.raises(AnionscreenError, match="amount of O must be >= 0; got -1"):
        charge_balance({"Li": 2, "O": -1})


def _row(amounts: dict[str, float]) -> np.ndarray:
    row = np.zeros(N_ELEMENTS)
    total = sum(amounts.values())
    for el, q in amounts.items():
        row[element_index()[el]] = q / total
    return row


def test_assign_oxidation_states_bulk() -> None:
    formulas = ["Li2TaS0.4O0.6Cl5", "Li2TaS0.4O0.5Cl5", "Li2TaS0.4O0.6Cl5", "not a formula"]
    rows = [
        _row({"Li": 2, "Ta": 1, "S": 0.4, "O": 0.6, "Cl": 5}),
        _row({"Li": 2, "Ta": 1, "S": 0.4, "O": 0.5, "Cl": 5}),
        _row({"Li": 2, "Ta": 1, "S": 0.4, "O": 0.6, "Cl": 5}),
        _row({"Li": 3, "Y": 1, "Cl": 6}),  # unreadable text: amounts recovered from the row
    ]
    states, failures = assign_oxidation_states(np.vstack(rows), formulas)
    idx = element_index()
    assert states[0, idx["Ta"]] == 5
    assert states[0, idx["O"]] == -2
    assert np.isnan(states[0, idx["Br"]])
    assert np.isnan(states[1]).all()
    assert states[3, idx["Y"]] == 3
    assert [row for row, _ in failures] == [1]
    assert "leaves a charge of +0.2" in failures[0][1]


def test_assign_oxidation_states_reports_mismatch() -> None:
    states, failures = assign_oxidation_states(_row({"Li": 1, "Cl": 1})[None, :], ["LiBr"])
    assert failures == [(0, "formula 'LiBr' does not match its fraction row")]
    assert np.isnan(states).all()
