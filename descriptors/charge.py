"""Exact charge neutrality of compositions with fractional amounts.

Amounts are :class:`fractions.Fraction` (``0.4`` is exactly ``2/5``), so neutrality is decided
by integer arithmetic, never by a float tolerance. Each element takes ONE oxidation state
(SMACT's convention): ``Fe3O4`` is not neutral with Fe in {+2, +3}, because mixed valence of
one element is not considered.

Default states (:func:`default_oxidation_states`): Li +1, O and S -2, the halogens F, Cl, Br,
I -1; every other element takes pymatgen's ``Element(symbol).common_oxidation_states``
(pymatgen's curated list of common states, e.g. Ta (5,), W (4, 6), Fe (2, 3)).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

import numpy as np
from pymatgen.core.periodic_table import Element

from anionscreen.datasets.errors import AnionscreenError, FormulaError
from anionscreen.datasets.formula import formula_amounts
from anionscreen.datasets.formula_batch import read_plain
from anionscreen.descriptors.charge_batch import plain_states
from anionscreen.descriptors.elements import HALOGENS, N_ELEMENTS, element_index

_FIXED_STATES: dict[str, tuple[int, ...]] = {
    "Li": (1,),
    "O": (-2,),
    "S": (-2,),
    **dict.fromkeys(HALOGENS, (-1,)),
}

# Above this many state combinations per formula we refuse instead of hanging.
MAX_ASSIGNMENTS = 10_000_000


@cache
def default_oxidation_states(symbol: str) -> tuple[int, ...]:
    """Oxidation states an element may take unless a caller overrides them.

    Li is +1, O and S are -2, the halogens -1; other elements use pymatgen's
    ``Element.common_oxidation_states``. An element without common states (noble gases)
    gets an empty tuple, so no composition containing it is neutral.

    Examples
    --------
    >>> default_oxidation_states("W")
    (4, 6)
    >>> default_oxidation_states("Cl")
    (-1,)
    """
    if symbol not in element_index():
        raise AnionscreenError(f"unknown element symbol {symbol!r}; expected one of H..Og")
    if symbol in _FIXED_STATES:
        return _FIXED_STATES[symbol]
    return tuple(int(s) for s in Element(symbol).common_oxidation_states)


def to_fraction(amount: float | int | str | Fraction) -> Fraction:
    """Exact rational for an amount as a person wrote it.

    Floats are read through their shortest decimal text, so ``0.4`` becomes ``2/5`` (not
    ``3602879701896397/9007199254740992``). Strings may be decimals or ``p/q``.

    Examples
    --------
    >>> to_fraction(0.4)
    Fraction(2, 5)
    >>> to_fraction("1/3")
    Fraction(1, 3)
    """
    if isinstance(amount, bool):
        raise AnionscreenError(f"amount must be a number; got the boolean {amount!r}")
    if isinstance(amount, Fraction):
        return amount
    if isinstance(amount, int):
        return Fraction(amount)
    if isinstance(amount, float):
        if not math.isfinite(amount):
            raise AnionscreenError(f"amount must be a finite number; got {amount!r}")
        return Fraction(repr(amount))
    if isinstance(amount, str):
        try:
            return Fraction(amount.strip())
        except (ValueError, ZeroDivisionError) as err:
            raise AnionscreenError(
                f"amount must be a decimal number or p/q; got {amount!r}"
            ) from err
    raise AnionscreenError(f"amount must be a number; got {type(amount).__name__} {amount!r}")


def format_amount(value: Fraction) -> str:
    """Shortest exact decimal for terminating fractions, else 6 significant digits."""
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    if den == 1:
        # Terminating decimal: print it exactly, without trailing zeros.
        digits = 0
        scaled = value
        while scaled.denominator != 1:
            scaled *= 10
            digits += 1
        text = f"{abs(scaled.numerator):0{digits + 1}d}"
        sign = "-" if value < 0 else ""
        return f"{sign}{text[:-digits]}.{text[-digits:]}"
    return f"{float(value):.6g}"


def _formula_text(amounts: Mapping[str, Fraction]) -> str:
    return "".join(el + ("" if q == 1 else format_amount(q)) for el, q in amounts.items())


def _state_text(symbol: str, state: int) -> str:
    return f"{symbol}{state:+d}"


@dataclass(frozen=True)
class ChargeBalance:
    """Outcome of :func:`charge_balance`.

    Attributes
    ----------
    formula : str
        The composition as text (elements in the order given).
    neutral : bool
        Whether some assignment of allowed states makes the composition exactly neutral.
    states : dict or None
        The chosen neutral assignment (``None`` when not neutral). Rule: taking elements in
        order of atomic number and each element's allowed states in the order given (the
        defaults are ascending), the first neutral combination in that product order.
    n_neutral : int
        How many assignments are neutral (more than one means the choice was a convention).
    residual : Fraction or None
        Net charge per formula unit of the closest assignment (0 when neutral; its absolute
        value is the smallest found). ``None`` when some element has no allowed state.
    reason : str
        Human explanation, e.g. ``"Li2TaS0.4O0.5Cl5 is not neutral: the closest assignment
        (Li+1, Ta+5, S-2, O-2, Cl-1) leaves a charge of +0.2 per formula unit"``.
    """

    formula: str
    neutral: bool
    states: dict[str, int] | None
    n_neutral: int
    residual: Fraction | None
    reason: str


def _allowed_for(symbol: str, allowed: Mapping[str, Sequence[int]] | None) -> tuple[int, ...]:
    if allowed is not None and symbol in allowed:
        return tuple(int(s) for s in allowed[symbol])
    return default_oxidation_states(symbol)


def charge_balance(
    amounts: Mapping[str, Fraction | float | int | str],
    allowed: Mapping[str, Sequence[int]] | None = None,
) -> ChargeBalance:
    """Decide exactly whether a composition can be charge neutral.

    Parameters
    ----------
    amounts : mapping of str to amount
        Element symbol to amount per formula unit (exact via :func:`to_fraction`).
        Amounts of 0 mean the element is absent.
    allowed : mapping of str to sequence of int, optional
        Oxidation states per element overriding :func:`default_oxidation_states`.

    Returns
    -------
    ChargeBalance

    Examples
    --------
    >>> charge_balance({"Li": 2, "Ta": 1, "S": "0.4", "O": "0.6", "Cl": 5}).neutral
    True
    >>> charge_balance({"Li": 2, "Ta": 1, "S": "0.4", "O": "0.5", "Cl": 5}).reason
    'Li2TaS0.4O0.5Cl5 is not neutral: the closest assignment (Li+1, Ta+5, S-2, O-2, Cl-1) leaves a charge of +0.2 per formula unit'
    """
    exact: dict[str, Fraction] = {}
    for symbol, amount in amounts.items():
        q = to_fraction(amount)
        if q < 0:
            raise AnionscreenError(f"amount of {symbol} must be >= 0; got {format_amount(q)}")
        if symbol not in element_index():
            raise AnionscreenError(f"unknown element symbol {symbol!r}; expected one of H..Og")
        if q > 0:
            exact[symbol] = exact.get(symbol, Fraction(0)) + q
    formula = _formula_text(exact)
    if not exact:
        raise AnionscreenError("cannot balance an empty composition")
    states = {el: _allowed_for(el, allowed) for el in exact}
    missing = [el for el, st in states.items() if not st]
    if missing:
        return ChargeBalance(
            formula, False, None, 0, None,
            f"{formula} is not neutral: {', '.join(missing)} has no allowed oxidation state",
        )  # fmt: skip
    n_combos = math.prod(len(st) for st in states.values())
    if n_combos > MAX_ASSIGNMENTS:
        raise AnionscreenError(
            f"{formula}: {n_combos} oxidation-state combinations exceed the limit of "
            f"{MAX_ASSIGNMENTS}; restrict the allowed states"
        )
    order = sorted(exact, key=lambda el: element_index()[el])
    denominator = math.lcm(*(q.denominator for q in exact.values()))
    scaled = [int(exact[el] * denominator) for el in order]
    bound = sum(
        abs(a) * max(abs(s) for s in states[el]) for a, el in zip(scaled, order, strict=True)
    )
    dtype: type = np.int64 if bound < 2**62 else object
    charges: np.ndarray = np.zeros(1, dtype=dtype)
    for a, el in zip(scaled, order, strict=True):
        # C-order ravel keeps itertools.product order: the first element varies slowest.
        step: np.ndarray = np.array([a * s for s in states[el]], dtype=dtype)
        charges = (charges[:, None] + step[None, :]).ravel()
    neutral_idx = np.flatnonzero(charges == 0)
    best = int(neutral_idx[0]) if len(neutral_idx) else int(np.argmin(np.abs(charges)))
    chosen = dict(
        zip(order, np.unravel_index(best, [len(states[el]) for el in order]), strict=True)
    )
    assignment = {el: states[el][int(chosen[el])] for el in exact}
    shown = ", ".join(_state_text(el, s) for el, s in assignment.items())
    if len(neutral_idx):
        return ChargeBalance(
            formula, True, assignment, len(neutral_idx), Fraction(0),
            f"{formula} is neutral with {shown}",
        )  # fmt: skip
    residual = Fraction(int(charges[best]), denominator)
    sign = "+" if residual > 0 else "-"
    return ChargeBalance(
        formula,
        False,
        None,
        0,
        residual,
        f"{formula} is not neutral: the closest assignment ({shown}) leaves a charge of "
        f"{sign}{format_amount(abs(residual))} per formula unit",
    )


def _amounts_from_row(row: np.ndarray) -> dict[str, Fraction] | None:
    """Recover exact fractions from a float row when they are unambiguous (denominator <= 10^6)."""
    symbols = list(element_index())
    out: dict[str, Fraction] = {}
    for col in np.flatnonzero(row > 0):
        q = Fraction(float(row[col])).limit_denominator(10**6)
        if abs(float(q) - float(row[col])) > 1e-12:
            return None
        out[symbols[col]] = q
    return out or None


def _matches_row(amounts: Mapping[str, Fraction], row: np.ndarray) -> bool:
    total = sum(amounts.values())
    expected = np.zeros(N_ELEMENTS)
    for el, q in amounts.items():
        expected[element_index()[el]] = float(q / total)
    return bool(np.allclose(expected, row, rtol=0.0, atol=1e-9))


def assign_oxidation_states(
    fractions: np.ndarray,
    formulas: Sequence[str] | np.ndarray,
    allowed: Mapping[str, Sequence[int]] | None = None,
) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Oxidation states for many compositions that arrive without them.

    Exact amounts come from each formula text
    (:func:`anionscreen.datasets.formula.formula_amounts`) and must agree with the
    fraction row to 1e-9; when the text cannot be read, they are recovered from the row if
    every fraction is a rational with denominator <= 10^6 (to 1e-12). A row with no neutral
    assignment is reported in ``failures``, never guessed. Results are cached per distinct
    formula within the call.

    Parameters
    ----------
    fractions : ndarray of shape (n, 118)
    formulas : sequence of str, length n
    allowed : mapping of str to sequence of int, optional

    Returns
    -------
    states : ndarray of shape (n, 118), float64
        The chosen state of each present element (see :class:`ChargeBalance`), NaN where the
        element is absent and on failed rows.
    failures : list of (row index, reason)
    """
    fractions = np.asarray(fractions, dtype=np.float64)
    if fractions.ndim != 2 or fractions.shape[1] != N_ELEMENTS or len(formulas) != len(fractions):
        raise AnionscreenError(
            f"expected fractions of shape (n, {N_ELEMENTS}) and n formulas; got "
            f"{fractions.shape} and {len(formulas)} formulas"
        )
    index = element_index()
    texts = [str(text) for text in formulas]
    states, settled = plain_states(
        fractions, read_plain(texts), lambda symbol: _allowed_for(symbol, allowed)
    )
    failures: list[tuple[int, str]] = []
    parsed: dict[str, dict[str, Fraction] | None] = {}
    balanced: dict[tuple[tuple[str, Fraction], ...], ChargeBalance] = {}
    for row in np.flatnonzero(~settled).tolist():
        key = texts[row]
        if key not in parsed:
            try:
                parsed[key] = formula_amounts(key)
            except FormulaError:
                parsed[key] = None
        amounts = parsed[key]
        if amounts is None:
            amounts = _amounts_from_row(fractions[row])
            if amounts is None:
                failures.append((row, f"cannot read exact amounts from {key!r} or its row"))
                continue
        elif not _matches_row(amounts, fractions[row]):
            failures.append((row, f"formula {key!r} does not match its fraction row"))
            continue
        cache_key = tuple(amounts.items())
        result = balanced.get(cache_key)
        if result is None:
            result = balanced[cache_key] = charge_balance(amounts, allowed)
        if result.states is None:
            failures.append((row, result.reason))
            continue
        for el, s in result.states.items():
            states[row, index[el]] = s
    return states, failures
