"""The strict formula parser and the canonical formula key."""

from __future__ import annotations

import math
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymatgen.core.composition import Composition

from anionscreen.datasets.errors import FormulaError
from anionscreen.datasets.formula import formula_amounts, normalized_formula, parse_formula


def _amounts(text: str) -> dict[str, Fraction]:
    return dict(formula_amounts(text))


F = Fraction


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Li6PS5Cl", {"Li": F(6), "P": F(1), "S": F(5), "Cl": F(1)}),
        ("Li2TaS0.4O0.6Cl5", {"Li": F(2), "Ta": F(1), "S": F(2, 5), "O": F(3, 5), "Cl": F(5)}),
        (
            "Li1.3Al0.3Ti1.7(PO4)3",
            {"Li": F(13, 10), "Al": F(3, 10), "Ti": F(17, 10), "P": F(3), "O": F(12)},
        ),
        # glass product form: 0.75 Li2S + 0.25 P2S5
        ("(Li2S)0.75(P2S5)0.25", {"Li": F(3, 2), "P": F(1, 2), "S": F(2)}),
        # percent-like proportions are scaled to sum 1
        ("70Li2S-30P2S5", {"Li": F(7, 5), "P": F(3, 5), "S": F(11, 5)}),
        ("(Li2S)70 (P2S5)30", {"Li": F(7, 5), "P": F(3, 5), "S": F(11, 5)}),
        ("(LiCl)0.5 (P2O5)0.5", {"Li": F(1, 2), "Cl": F(1, 2), "P": F(1), "O": F(5, 2)}),
        # nested: 0.75*(0.6 Li2S + 0.4 SiS2) + 0.25 Li3BO3
        (
            "0.75(0.6Li2S-0.4SiS2)-0.25Li3BO3",
            {"Li": F(33, 20), "Si": F(3, 10), "S": F(21, 20), "B": F(1, 4), "O": F(3, 4)},
        ),
        ("70Li2S\u221230P2S5", {"Li": F(7, 5), "P": F(3, 5), "S": F(11, 5)}),  # minus sign
        ("70Li2S\u201330P2S5", {"Li": F(7, 5), "P": F(3, 5), "S": F(11, 5)}),  # en dash
        ("0.7Li2S + 0.3P2S5", {"Li": F(7, 5), "P": F(3, 5), "S": F(11, 5)}),
        ("Li\u2082S", {"Li": F(2), "S": F(1)}),  # Unicode subscript
        ("Na", {"Na": F(1)}),  # sodium, not a missing-value marker
        ("NaN", {"Na": F(1), "N": F(1)}),  # sodium nitride (in the MP elasticity set)
        ("LiCl*H2O", {"Li": F(1), "Cl": F(1), "H": F(2), "O": F(1)}),  # adduct
        ("Li2SO4\u00b7H2O", {"Li": F(2), "S": F(1), "O": F(5), "H": F(2)}),
        ("80Li2S * 20P2S5", {"Li": F(8, 5), "P": F(2, 5), "S": F(9, 5)}),
        ("0.2(Li2S) 0.8(GeS2)", {"Li": F(2, 5), "Ge": F(4, 5), "S": F(9, 5)}),
        (
            "Li1.5 Al0.5 Ti1.5 (P O4)3",
            {"Li": F(3, 2), "Al": F(1, 2), "Ti": F(3, 2), "P": F(3), "O": F(12)},
        ),
        ("Li2 Ta1 S0.4 Cl5 O0.6", {"Li": F(2), "Ta": F(1), "S": F(2, 5), "O": F(3, 5), "Cl": F(5)}),
        (
            "((Li2S)0.6 (SiS2)0.4 )95 (Li4SiO4)5",
            {"Li": F(67, 50), "Si": F(43, 100), "S": F(133, 100), "O": F(1, 5)},
        ),
        ("beta-Li3PS4", {"Li": F(3), "P": F(1), "S": F(4)}),  # polymorph label dropped
        ("\u03b2-Li8GeP4", {"Li": F(8), "Ge": F(1), "P": F(4)}),
        ("0.30Li2S-0.7GeS\u00ad2", {"Li": F(3, 5), "Ge": F(7, 10), "S": F(17, 10)}),  # soft hyphen
        # the mixture notations of the in-domain literature (issue 10)
        ("LiTaCl6\u00b70.5Li2O", {"Li": F(2), "Ta": F(1), "Cl": F(6), "O": F(1, 2)}),
        (
            "1.5Li2O-0.9TaCl5-0.1TaF5",
            {"Li": F(6, 5), "O": F(3, 5), "Ta": F(2, 5), "Cl": F(9, 5), "F": F(1, 5)},
        ),
        (
            "1.5LiCl\u00b7(LaCl3\u00b7ZrCl4)0.5",
            {"Li": F(3, 2), "Cl": F(5), "La": F(1, 2), "Zr": F(1, 2)},
        ),
        ("Li2Sc2/3Cl4", {"Li": F(2), "Sc": F(2, 3), "Cl": F(4)}),  # an amount as a ratio
        ("(LiCl)1/2(ScCl3)1/6", {"Li": F(3, 4), "Sc": F(1, 4), "Cl": F(3, 2)}),
    ],
)
def test_parse_exact_amounts(text: str, expected: dict[str, Fraction]) -> None:
    assert _amounts(text) == expected
    comp = parse_formula(text)
    assert {el.symbol: amt for el, amt in comp.items()} == {
        el: float(v) for el, v in expected.items()
    }


def test_weight_percent_uses_molar_masses() -> None:
    comp = parse_formula("Li3PS4 - 10 wt% Al2O3")
    m_lps = Composition("Li3PS4").weight
    m_alo = Composition("Al2O3").weight
    n_lps, n_alo = 90 / m_lps, 10 / m_alo
    x = n_lps / (n_lps + n_alo)
    assert comp["Li"] == pytest.approx(3 * x, rel=1e-12)
    assert comp["Al"] == pytest.approx(2 * (1 - x), rel=1e-12)
    assert comp["O"] == pytest.approx(3 * (1 - x), rel=1e-12)
    assert x == pytest.approx(0.835970, abs=1e-6)
    assert normalized_formula(parse_formula("Li3PS4-10wt.% Al2O3")) == normalized_formula(comp)
    # the same mixture with the remainder written out
    assert normalized_formula(parse_formula("90 wt% Li3PS4 - 10 wt% Al2O3")) == normalized_formula(
        comp
    )


def test_decimal_amounts_stay_exact() -> None:
    comp = parse_formula("Li2TaS0.7O0.3Cl5")
    assert comp["O"] == 0.3
    assert repr(comp["O"]) == "0.3"
    # 0.1 * 3 in floats is 0.30000000000000004; the parser does it exactly
    assert parse_formula("(LiO0.1)3")["O"] == 0.3


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty formula"),
        ("   ", "empty formula"),
        ("Q2O", "unknown element 'Q'"),
        ("D2O", "unknown element 'D'"),
        ("Xx3", "unknown element 'Xx'"),
        ("nan", "a missing-value marker, not a formula"),
        ("#N/A", "a missing-value marker, not a formula"),
        ("inf", "a missing-value marker, not a formula"),
        ("Li0O0", "Li has amount zero at position 2; leave out an element that is not there"),
        ("Li2O0", "O has amount zero at position 4; leave out an element that is not there"),
        ("(Li2S", "unbalanced '(': no matching ')'"),
        ("Li2S,P2S5", "unexpected character ',' at position 4"),
        ("Lao.51Li0.34TiO2.94", "unexpected character 'o' at position 2"),
        (
            "LiTi2(PO4)3-0.2Li2O",
            "every mixture component needs an amount (e.g. 70Li2S-30P2S5); "
            "only one component of a percent mixture may omit it",
        ),
        (
            "0.5Li2S-0.5P2S5*LiI",
            "mixes mixture separators (-, +) with adduct separators (*, \u00b7)",
        ),
        ("Li7-xLa3Zr2O12", "unexpected character 'x' at position 4"),
        (
            "Li2S-P2S5",
            "every mixture component needs an amount (e.g. 70Li2S-30P2S5); "
            "only one component of a percent mixture may omit it",
        ),
        ("Li3PS4 - 110 wt% Al2O3", "percentages add up to 110, more than 100"),
        ("10 wt% LiCl", "a single component cannot have an amount in wt%"),
        ("Li3PS4 - 5 vol% Al2O3", "volume percent needs densities; give mol% or wt%"),
        (
            "Li-2O",
            "every mixture component needs an amount (e.g. 70Li2S-30P2S5); "
            "only one component of a percent mixture may omit it",
        ),
        ("70 wt% Li2S - 30 mol% P2S5", "mixture mixes amount units ['mol%', 'wt%']"),
        ("Li2Sc2/Cl4", "a ratio needs a number after '/' at position 6"),
        ("Li2Sc2/0Cl4", "division by zero in the amount at position 7"),
        ("Li/2Cl", "unexpected character '/' at position 2"),
    ],
)
def test_rejects_with_reason(text: str, reason: str) -> None:
    with pytest.raises(FormulaError) as info:
        parse_formula(text)
    assert info.value.text == text
    assert info.value.reason == reason
    assert str(info.value) == f"cannot read formula {text!r}: {reason}"


def test_rejects_non_text() -> None:
    with pytest.raises(FormulaError, match="expected text, got float"):
        parse_formula(math.nan)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b", "key"),
    [
        ("Li2TaS0.4O0.6Cl5", "Li2TaO0.6S0.4Cl5", "Li2TaS0.4Cl5O0.6"),
        ("Li14P6S22", "Li7P3S11", "Li7P3S11"),
        ("Li6PS5Cl", "ClLi6S5P", "Li6PS5Cl"),
        ("70Li2S-30P2S5", "(Li2S)0.7(P2S5)0.3", "Li1.4P0.6S2.2"),
        ("LiO0.1O0.2", "LiO0.3", "LiO0.3"),  # float sum 0.1 + 0.2 would print noise
    ],
)
def test_normalized_formula_is_canonical(a: str, b: str, key: str) -> None:
    assert normalized_formula(parse_formula(a)) == key
    assert normalized_formula(parse_formula(b)) == key


def test_normalized_formula_removes_float_noise() -> None:
    comp = Composition({"Li": 1.0, "O": 0.1 + 0.2})
    assert normalized_formula(comp) == "LiO0.3"


_SYMBOLS = ["Li", "Ta", "Nb", "S", "O", "Cl", "Br", "I", "P", "Zr", "La", "He"]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.dictionaries(
        st.sampled_from(_SYMBOLS),
        st.decimals(min_value="0.001", max_value="40", places=3),
        min_size=1,
        max_size=6,
    ),
    st.randoms(use_true_random=False),
)
def test_normalized_formula_is_idempotent_and_order_free(
    amounts: dict[str, Decimal], rnd: random.Random
) -> None:
    items = list(amounts.items())
    text = "".join(f"{el}{amt}" for el, amt in items)
    rnd.shuffle(items)
    shuffled = "".join(f"{el}{amt}" for el, amt in items)
    key = normalized_formula(parse_formula(text))
    assert normalized_formula(parse_formula(shuffled)) == key
    assert normalized_formula(parse_formula(key)) == key  # the key reads back as itself
    assert "e" not in key.replace("He", "")  # no exponent notation
    exact = {el: Fraction(amt) for el, amt in amounts.items()}
    if all(v.denominator == 1 for v in exact.values()):
        divisor = math.gcd(*(int(v) for v in exact.values()))
        exact = {el: v / divisor for el, v in exact.items()}
    assert formula_amounts(key) == exact  # the key keeps the exact amounts


def test_parentheses_3000_deep_are_refused_with_a_reason() -> None:
    text = "(" * 3000 + "Li" + ")" * 3000
    with pytest.raises(FormulaError) as info:
        parse_formula(text)
    assert info.value.reason == "brackets nested more than 20 deep at position 20"
    assert str(info.value) == (
        f"cannot read formula {text[:60]!r}... (6002 characters): brackets nested more than 20 "
        "deep at position 20"
    )
    assert parse_formula("(" * 20 + "Li" + ")" * 20)["Li"] == 1.0


def test_five_thousand_digit_amount_is_refused_with_a_reason() -> None:
    with pytest.raises(FormulaError) as info:
        parse_formula("Li" + "1" * 5000 + "Cl")
    assert info.value.reason == "the amount at position 2 has 5000 digits; at most 30 are read"
    with pytest.raises(FormulaError, match="at most 30 are read"):
        parse_formula("70" * 20 + "Li2S-30P2S5")
    # Thirty digits are read; amounts too large for a float are refused, not overflowed.
    assert parse_formula("Li0." + "1" * 29 + "Cl")["Cl"] == 1.0
    deep = "(" * 20 + "Li" + ("9" * 30 + ")") * 20
    with pytest.raises(FormulaError, match="the amount of Li is too large"):
        parse_formula(deep)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Li0Cl", "Li has amount zero at position 2; leave out an element that is not there"),
        ("Li0.000Cl", "Li has amount zero at position 2; leave out an element that is not there"),
        ("Li2(SO4)0", "the bracket closing at position 7 has amount zero"),
        ("0Li2O-100P2O5", "a component has amount zero at position 0; leave it out"),
    ],
)
def test_zero_amount_is_refused(text: str, reason: str) -> None:
    with pytest.raises(FormulaError) as info:
        parse_formula(text)
    assert info.value.reason == reason
