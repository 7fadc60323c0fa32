"""The fast text path reads formulas exactly as the strict parser does, and settles states alike."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pymatgen.core.composition import Composition

from anionscreen.datasets.bundled import load_bundled
from anionscreen.datasets.errors import FormulaError
from anionscreen.datasets.formula import _MISSING_MARKERS, formula_amounts, parse_formula
from anionscreen.datasets.formula_batch import MAX_ELEMENTS, read_plain
from anionscreen.descriptors.charge import (
    assign_oxidation_states,
    charge_balance,
    default_oxidation_states,
)
from anionscreen.descriptors.charge_batch import plain_states
from anionscreen.descriptors.elements import N_ELEMENTS, element_index, element_symbols
from anionscreen.descriptors.inputs import prepare_input
from anionscreen.models.features import chunk_of_formulas

# Real symbols, symbols that are no element, lower-case starts, and one- vs two-letter traps
# ("Co" is cobalt, "CO" carbon and oxygen).
_SYMBOLS = [
    "Li", "Ta", "S", "O", "Cl", "Br", "I", "N", "Na", "Co", "C", "H", "He", "Og", "Nb", "W",
    "Q", "Xx", "A", "J", "L", "D", "T", "li", "o", "x",
]  # fmt: skip
_AMOUNTS = st.one_of(
    st.just(""),
    st.from_regex(r"[0-9]{1,3}", fullmatch=True),
    st.from_regex(r"[0-9]{0,3}\.[0-9]{1,3}", fullmatch=True),
    st.from_regex(r"[0-9]{1,17}(\.[0-9]{0,17})?", fullmatch=True),
    st.from_regex(r"0\.0{6,9}[1-9]", fullmatch=True),  # around pymatgen's 1e-8 tolerance
    st.sampled_from(["0", "00", "0.0", "0.00000001", "0.000000001", "1.", "..5", "1.2.3", "1e-3"]),
)
_JUNK = st.sampled_from(
    [" ", "(", ")", "-", "+", "*", "\u00b7", "\u2082", "\u2212", "%", "[", "]", "\u00ad", "\t",
     " wt% ", "/", ",", "_", "\u00e9", "beta-", "70", "0.5("]
)  # fmt: skip
_TOKEN = st.tuples(st.sampled_from(_SYMBOLS), _AMOUNTS).map("".join)
_TEXT = st.lists(st.one_of(_TOKEN, _TOKEN, _TOKEN, _JUNK), max_size=8).map("".join)
_PLAIN = st.lists(
    st.tuples(st.sampled_from(["Li", "Ta", "Nb", "W", "S", "O", "Cl", "Br", "F", "P", "Fe"]),
              st.decimals(min_value="0", max_value="60", places=3).map(str)),
    min_size=1, max_size=6, unique_by=lambda t: t[0],
).map(lambda pairs: "".join(el + ("" if amt == "1.000" else amt) for el, amt in pairs))  # fmt: skip


@st.composite
def _neutral(draw: st.DrawFn) -> str:
    """A neutral Li-M-(S,O,Cl) formula in a random element order (W and Fe have two states)."""
    metal, state = draw(st.sampled_from([("Ta", 5), ("W", 4), ("W", 6), ("Fe", 3), ("Zr", 4)]))
    amounts = {el: draw(st.decimals(min_value="0", max_value="3", places=2)) for el in "SO"}
    amounts["Cl"] = draw(st.decimals(min_value="0", max_value="6", places=1))
    metal_amount = draw(st.sampled_from([Decimal(1), Decimal("0.5"), Decimal("1.25")]))
    li = 2 * amounts["S"] + 2 * amounts["O"] + amounts["Cl"] - state * metal_amount
    pairs = [("Li", li), (metal, metal_amount), *amounts.items()]
    order = draw(st.permutations(range(len(pairs))))
    return "".join(f"{pairs[i][0]}{pairs[i][1]}" for i in order if pairs[i][1] > 0)


_ITEMS = st.lists(
    st.one_of(_TEXT, _TEXT, _PLAIN, _PLAIN, st.sampled_from(sorted(_MISSING_MARKERS)), st.none()),
    max_size=16,
)


def _reference(items: list[object]) -> tuple[np.ndarray, list[int], list[str]]:
    """What the strict parser gives row by row: fractions of readable rows, their positions,
    and the reason of every other row (the path every row took before the fast one)."""
    index = element_index()
    rows, kept, reasons = [], [], []
    for i, item in enumerate(items):
        if not isinstance(item, str):
            reasons.append(
                f"expected a formula string or a pymatgen Composition; got "
                f"{type(item).__name__} {item!r}"
            )
            continue
        try:
            comp = parse_formula(item).element_composition
        except FormulaError as err:
            reasons.append(str(err))
            continue
        row = np.zeros(N_ELEMENTS)
        for el, amt in comp.items():
            row[index[el.symbol]] += amt / comp.num_atoms
        rows.append(row)
        kept.append(i)
    return np.array(rows).reshape(-1, N_ELEMENTS), kept, reasons


@settings(max_examples=400, deadline=None, derandomize=True)
@given(_ITEMS)
@example(["Co0.0000000001", "LiO0.000000001", "LiO0.00000001", "LiLi", "Li0", "LiCo", "LiC"])
@example(["LiC", "o", "Li2", ".5", "l", "Li1234567890123456", "Li123456789012345"])
@example(["LiO9999999999999999", "LiO0.9999999999999999", "LiO0.999999999999999"])
def test_fast_path_equals_the_strict_parser(items: list[object]) -> None:
    fractions, kept, reasons = _reference(items)
    prepared = prepare_input(items)
    assert prepared.kept.tolist() == kept
    assert [f.reason for f in prepared.failures] == reasons  # the same messages, word for word
    assert [f.row for f in prepared.failures] == [i for i in range(len(items)) if i not in kept]
    assert np.array_equal(prepared.chunk.fractions, fractions)  # to the bit
    assert prepared.chunk.formulas.tolist() == [items[i] for i in kept]  # the user's text
    plain = read_plain(items)
    symbols = element_symbols()
    for row in np.flatnonzero(plain.fast):
        exact = plain.exact_amounts(int(row))
        text = items[row]
        assert isinstance(text, str)
        # The same exact amounts, in the order written.
        assert [(symbols[c], q) for c, q in exact.items()] == list(formula_amounts(text).items())


def _readable(text: str) -> bool:
    try:
        formula_amounts(text)
    except FormulaError:
        return False
    return True


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(st.one_of(_neutral(), _neutral(), _PLAIN.filter(_readable)), min_size=1, max_size=12)
)
def test_bulk_states_equal_charge_balance(texts: list[str]) -> None:
    prepared = prepare_input(texts)
    states, failures = assign_oxidation_states(prepared.chunk.fractions, texts)
    index = element_index()
    expected_failures = []
    for row, text in enumerate(texts):
        result = charge_balance(formula_amounts(text))
        expected = np.full(N_ELEMENTS, np.nan)
        if result.states is None:
            expected_failures.append((row, result.reason))
        else:
            for el, s in result.states.items():
                expected[index[el]] = s
        assert np.array_equal(states[row], expected, equal_nan=True), text
    assert failures == expected_failures


def test_plain_rows_and_the_rows_left_to_the_parser() -> None:
    texts: list[object] = [
        "Li2TaS0.4O0.6Cl5", "Li6PS5Cl", "NaN", "Co", "Li.5Cl.5",  # plain
        "70Li2S-30P2S5", "Li2(SO4)", " LiCl", "Li\u2082S", "Li2Q", "li2O", "Li2.", "LiOHLiCl",
        "Li0", "Li2O0", "LiO0.000000001", "Li1234567890123456", "NA", "", None, 3.0,  # parser's
    ]  # fmt: skip
    plain = read_plain(texts)
    assert plain.fast.tolist() == [True] * 5 + [False] * 16
    assert plain.exact_amounts(0) == {2: 2, 72: 1, 15: Fraction(2, 5), 7: Fraction(3, 5), 16: 5}
    assert plain.totals[:2].tolist() == [9.0, 13.0]


def test_missing_markers_never_take_the_fast_path() -> None:
    assert not read_plain(sorted(_MISSING_MARKERS)).fast.any()


def test_long_rows_go_to_the_parser() -> None:
    symbols = element_symbols()
    long = "".join(symbols[: MAX_ELEMENTS + 1])
    plain = read_plain([long, "".join(symbols[:MAX_ELEMENTS])])
    assert plain.fast.tolist() == [False, True]
    assert prepare_input([long]).chunk.fractions[0, 0] == pytest.approx(1 / (MAX_ELEMENTS + 1))


def test_bundled_formulas_read_the_same_both_ways() -> None:
    texts = load_bundled()["composition"].astype(str).tolist()
    fractions, kept, reasons = _reference(list(texts))
    prepared = prepare_input(texts)
    assert read_plain(texts).fast.sum() > len(texts) // 2
    assert prepared.kept.tolist() == kept
    assert [f.reason for f in prepared.failures] == reasons
    assert np.array_equal(prepared.chunk.fractions, fractions)


def test_neutral_plain_rows_are_settled_in_bulk() -> None:
    texts = ["Li2TaS0.4O0.6Cl5", "OLi3WCl5", "LiWO0.5S2.5Cl", "Li2FeCl4", "Li3InCl6", "LiCl2"]
    fractions = prepare_input(texts).chunk.fractions
    states, settled = plain_states(fractions, read_plain(texts), default_oxidation_states)
    assert settled.tolist() == [True] * 5 + [False]  # LiCl2 is for the per-row path to explain
    w = element_index()["W"]
    assert (states[1, w], states[2, w]) == (4.0, 6.0)  # W+4 tried first, as charge_balance does
    assert np.array_equal(
        states[:5], assign_oxidation_states(fractions, texts)[0][:5], equal_nan=True
    )


def test_a_text_that_does_not_match_its_row_is_not_settled_in_bulk() -> None:
    fractions = prepare_input(["LiCl", "Li3InCl6"]).chunk.fractions
    states, failures = assign_oxidation_states(fractions[::-1], ["LiCl", "Li3InCl6"])
    assert failures == [
        (0, "formula 'LiCl' does not match its fraction row"),
        (1, "formula 'Li3InCl6' does not match its fraction row"),
    ]
    assert np.isnan(states).all()


def test_chunk_of_formulas_raises_the_parser_error_of_the_first_bad_formula() -> None:
    with pytest.raises(FormulaError) as info:
        chunk_of_formulas(["LiCl", "Li2Q", "Li2(SO4"])
    assert str(info.value) == "cannot read formula 'Li2Q': unknown element 'Q'"
    chunk = chunk_of_formulas(["Li2TaS0.4O0.6Cl5", "70Li2S-30P2S5"])
    assert chunk.formulas.tolist() == ["Li2TaS0.4O0.6Cl5", "70Li2S-30P2S5"]
    expected = Composition("Li1.4P0.6S2.2").fractional_composition
    assert chunk.fractions[1, element_index()["P"]] == pytest.approx(expected["P"])
