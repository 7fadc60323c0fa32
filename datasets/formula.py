"""The one strict formula parser at the edge, and the canonical formula used as a dedup key.

:func:`parse_formula` turns text into a pymatgen ``Composition``. Besides ordinary formulas
(``Li6PS5Cl``, ``Li1.3Al0.3Ti1.7(PO4)3``, ``Li2TaS0.4O0.6Cl5``) it reads the notations the
literature uses for glasses and mixtures:

* dash (or ``+``) separated components with amounts: ``70Li2S-30P2S5``,
  ``0.75(0.6Li2S-0.4SiS2)-0.25Li3BO3`` (nesting allowed); en dash, em dash
  and the Unicode minus sign are read as ``-``;
* a product of parenthesised components that all carry an amount:
  ``(Li2S)0.75(P2S5)0.25``, ``(LiCl)0.5 (P2O5)0.5``, ``(Li2S)70 (P2S5)30``;
* adducts joined by ``*`` or a middle dot: ``LiCl*H2O`` (a missing amount is one formula
  unit; if every component has an amount it is a mixture as above, ``80Li2S * 20P2S5``);
* an amount written as a ratio: ``Li2Sc2/3Cl4`` (exactly Li3ScCl6 scaled by 2/3);
* spaces between element groups (pymatgen's ``Li2 Ta1 S0.4``), and an amount after a space
  starting the next component (``0.2(Li2S) 0.8(GeS2)``);
* a polymorph label in front (``beta-Li3PS4``, ``r-LiAlO2``) is dropped;
* weight or mole percent: ``Li3PS4 - 10 wt% Al2O3`` (one component may omit its amount and
  takes the rest of 100 %); weight percent is turned into moles with molar masses.

A mixture means the mole-weighted sum of its components' formula units, with the amounts
scaled to sum to 1, so ``70Li2S-30P2S5``, ``(Li2S)0.7(P2S5)0.3`` and ``(Li2S)70 (P2S5)30`` are
all ``Li1.4P0.6S2.2``. Arithmetic is exact (fractions) for decimal text, so ``0.4`` stays 0.4;
only weight percent, which needs molar masses, is approximate.

Whatever the parser cannot read it reports with :class:`FormulaError`; it never guesses
(``Li2S-P2S5`` or ``LiTi2(PO4)3-0.2Li2O`` without every amount, ``Q2O``, ``Li-Ta-Cl``,
``Lao.51Li0.34TiO2.94`` with a letter o for a zero, are errors). A written amount of zero
(``Li0Cl``, ``(SO4)0``, ``0Li2O-100P2O5``) is an error too: an element that is not there is
left out, and a zero is more often a typo than a statement. Brackets nest at most
:data:`MAX_DEPTH` deep and an amount has at most :data:`MAX_DIGITS` digits, so hostile text
gets a reason rather than Python's recursion or integer-size limit.
"""

from __future__ import annotations

import math
import re
import warnings
from fractions import Fraction
from functools import cache

from pymatgen.core.composition import Composition
from pymatgen.core.periodic_table import Element

from anionscreen.datasets.errors import FormulaError

__all__ = [
    "FormulaError",
    "chemical_formula",
    "composition_key",
    "formula_amounts",
    "normalized_formula",
    "parse_formula",
]

Amounts = dict[str, Fraction]

# Dashes that papers and PDF extraction use for "minus" between mixture components.
_DASHES = str.maketrans(
    {"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-", "\uff0d": "-"}
)
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
# Invisible characters that PDF extraction leaves inside formulas (soft hyphen, zero width).
_INVISIBLE = str.maketrans(
    {"\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None}
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_ELEMENT = re.compile(r"[A-Z][a-z]?")
_COEFFICIENT = re.compile(r"(\d+(?:\.\d+)?|\.\d+)\s*(wt\.?\s*%|mol\.?\s*%|vol\.?\s*%|%)?\s*")
_OPEN = {"(": ")", "[": "]", "{": "}"}
_MIXTURE_SEPARATORS = "-+"
_ADDUCT_SEPARATORS = "*\u00b7\u2022\u2219\u22c5"  # star and the middle/bullet dots
_ALL_SEPARATORS = _MIXTURE_SEPARATORS + _ADDUCT_SEPARATORS
# A polymorph label before the formula ("beta-Li3PS4", "β-Li8GeP4", "r-LiAlO2") names a
# structure, not a composition; it is dropped.
_POLYMORPH = re.compile(
    "^(?:[\u03b1-\u03c9\u0391-\u03a9]|alpha|beta|gamma|delta|epsilon|zeta|eta|theta|kappa|lambda|[a-z])"
    r"\s*-\s*(?=[A-Z(\[])"
)
# Case matters: "Na" is sodium and "NaN" sodium nitride, so only these exact spellings of a
# missing or infinite value are refused as markers.
_MISSING_MARKERS = frozenset(
    ("nan", "none", "None", "null", "NULL", "na", "NA", "n/a", "N/A", "#N/A", "inf", "-inf", "Inf")
)
_DECIMALS = 6  # normalized_formula prints amounts to at most this many decimals
# Limits that keep hostile text from reaching Python's own limits (recursion depth, the
# 4300-digit cap on int(str)) as tracebacks; no real formula comes near them.
MAX_DEPTH = 20
MAX_DIGITS = 30


@cache
def _element_symbols() -> frozenset[str]:
    # Only Z = 1..118; pymatgen also knows "D" and "T" and accepts dummy species like "Q".
    return frozenset(Element.from_Z(z).symbol for z in range(1, 119))


@cache
def _molar_mass(symbol: str) -> Fraction:
    return Fraction(str(float(Element(symbol).atomic_mass)))


class _Parser:
    """Recursive-descent reader over one formula text (positions index ``self.s``)."""

    def __init__(self, original: str, s: str) -> None:
        self.original = original
        self.s = s
        self.i = 0
        self.depth = 0

    def fail(self, reason: str) -> FormulaError:
        return FormulaError(self.original, reason)

    def skip_space(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def mixture(self, closing: str | None) -> Amounts:
        """Components separated by ``-``/``+`` (mixture) or ``*``/``·`` (adduct)."""
        parts: list[tuple[Fraction | None, str, Amounts]] = []
        kinds: set[str] = set()
        while True:
            self.skip_space()
            parts.append(self.component(closing))
            spaced = self.i < len(self.s) and self.s[self.i].isspace()
            self.skip_space()
            if self.i >= len(self.s):
                break
            ch = self.s[self.i]
            if ch in _MIXTURE_SEPARATORS or ch in _ADDUCT_SEPARATORS:
                kinds.add("adduct" if ch in _ADDUCT_SEPARATORS else "mixture")
                self.i += 1
                continue
            if spaced and (ch.isdigit() or ch == "."):
                # "0.2(Li2S) 0.8(GeS2)": an amount after a space starts the next component.
                kinds.add("mixture")
                continue
            break
        if len(kinds) > 1:
            raise self.fail("mixes mixture separators (-, +) with adduct separators (*, ·)")
        if len(parts) == 1:
            amount, unit, comp = parts[0]
            if amount is None:
                return comp
            if unit:
                raise self.fail(f"a single component cannot have an amount in {unit}")
            return _scale(comp, amount)
        units = {unit for _, unit, _ in parts if unit}
        if kinds == {"adduct"} and not units and any(a is None for a, _, _ in parts):
            # "LiCl*H2O", "CuSO4·5H2O": formula units added, a missing amount is 1.
            total: Amounts = {}
            for amount, _, comp in parts:
                _add(total, _scale(comp, Fraction(1) if amount is None else amount))
            return total
        return self.combine(parts)

    def component(self, closing: str | None) -> tuple[Fraction | None, str, Amounts]:
        amount: Fraction | None = None
        unit = ""
        match = _COEFFICIENT.match(self.s, self.i)
        if match:
            amount = self.amount(match, 1)
            if amount == 0:
                raise self.fail(
                    f"a component has amount zero at position {match.start(1)}; leave it out"
                )
            unit = re.sub(r"[\s.]+", "", match.group(2) or "")
            if unit == "vol%":
                raise self.fail("volume percent needs densities; give mol% or wt%")
            self.i = match.end()
        return amount, unit, self.product(closing)

    def product(self, closing: str | None) -> Amounts:
        """A run of groups, optionally separated by spaces (``Li2 Ta1 S0.4``)."""
        groups: list[tuple[Amounts, Fraction | None, bool]] = []
        while self.i < len(self.s):
            ch = self.s[self.i]
            if ch in _ALL_SEPARATORS or (closing is not None and ch == closing):
                break
            if ch.isspace():
                start = self.i
                self.skip_space()
                nxt = self.s[self.i] if self.i < len(self.s) else ""
                if (
                    not nxt
                    or nxt in _ALL_SEPARATORS
                    or nxt == closing
                    or nxt.isdigit()
                    or nxt == "."
                ):
                    self.i = start  # leave the space: mixture() decides what follows
                    break
                continue
            groups.append(self.group())
        if not groups:
            raise self.fail(f"expected a formula at position {self.i}")
        bracketed = all(is_group and amt is not None for _, amt, is_group in groups)
        if len(groups) >= 2 and bracketed:
            # "(Li2S)0.75(P2S5)0.25": a mixture of components in mole proportions.
            parts = [(amt, "", comp) for comp, amt, _ in groups]
            return self.combine(parts)
        total: Amounts = {}
        for comp, amt, _ in groups:
            _add(total, _scale(comp, amt if amt is not None else Fraction(1)))
        return total

    def group(self) -> tuple[Amounts, Fraction | None, bool]:
        ch = self.s[self.i]
        if ch in _OPEN:
            if self.depth == MAX_DEPTH:
                raise self.fail(f"brackets nested more than {MAX_DEPTH} deep at position {self.i}")
            self.i += 1
            self.depth += 1
            inner = self.mixture(_OPEN[ch])
            self.depth -= 1
            if self.i >= len(self.s) or self.s[self.i] != _OPEN[ch]:
                raise self.fail(f"unbalanced {ch!r}: no matching {_OPEN[ch]!r}")
            self.i += 1
            amount = self.number()
            if amount == 0:
                raise self.fail(f"the bracket closing at position {self.i - 2} has amount zero")
            return inner, amount, True
        match = _ELEMENT.match(self.s, self.i)
        if not match:
            raise self.fail(f"unexpected character {ch!r} at position {self.i}")
        symbol = match.group(0)
        if symbol not in _element_symbols():
            raise self.fail(f"unknown element {symbol!r}")
        self.i = match.end()
        amount = self.number()
        if amount == 0:
            raise self.fail(
                f"{symbol} has amount zero at position {match.end()}; leave out an element "
                "that is not there"
            )
        return {symbol: Fraction(1)}, amount, False

    def number(self) -> Fraction | None:
        """An amount: a decimal (``0.4``) or a ratio of two (``2/3``, as in ``Li2Sc2/3Cl4``)."""
        match = _NUMBER.match(self.s, self.i)
        if not match:
            return None
        value = self.amount(match)
        if self.s.startswith("/", self.i):
            below = _NUMBER.match(self.s, self.i + 1)
            if not below:
                raise self.fail(f"a ratio needs a number after '/' at position {self.i}")
            at = self.i + 1
            divisor = self.amount(below)
            if divisor == 0:
                raise self.fail(f"division by zero in the amount at position {at}")
            value /= divisor
        return value

    def amount(self, match: re.Match[str], group: int = 0) -> Fraction:
        """The exact amount a number token gives; too many digits are refused."""
        text = match.group(group)
        digits = sum(c.isdigit() for c in text)
        if digits > MAX_DIGITS:
            raise self.fail(
                f"the amount at position {match.start(group)} has {digits} digits; "
                f"at most {MAX_DIGITS} are read"
            )
        self.i = match.end()
        return Fraction(text)

    def combine(self, parts: list[tuple[Fraction | None, str, Amounts]]) -> Amounts:
        """Mole-weighted sum of mixture components, amounts scaled to sum to 1."""
        units = {unit for amount, unit, _ in parts if amount is not None}
        missing = [i for i, (amount, _, _) in enumerate(parts) if amount is None]
        if len(units) > 1:
            raise self.fail(f"mixture mixes amount units {sorted(units)}")
        unit = units.pop() if units else ""
        if missing and not (unit and len(missing) == 1):
            raise self.fail(
                "every mixture component needs an amount (e.g. 70Li2S-30P2S5); "
                "only one component of a percent mixture may omit it"
            )
        given = [amount for amount, _, _ in parts if amount is not None]
        if unit:
            rest = Fraction(100) - sum(given, Fraction(0))
            if rest < 0 or (missing and rest == 0):
                raise self.fail(f"percentages add up to {float(sum(given)):g}, more than 100")
        amounts = [rest if amount is None else amount for amount, _, _ in parts]
        if unit == "wt%":
            amounts = [a / _formula_mass(c) for a, (_, _, c) in zip(amounts, parts, strict=True)]
        total = sum(amounts, Fraction(0))
        if total == 0:
            raise self.fail("mixture amounts add up to zero")
        mixed: Amounts = {}
        for amount, (_, _, comp) in zip(amounts, parts, strict=True):
            _add(mixed, _scale(comp, amount / total))
        return mixed


def _scale(comp: Amounts, factor: Fraction) -> Amounts:
    return {el: amt * factor for el, amt in comp.items()}


def _add(into: Amounts, comp: Amounts) -> None:
    for el, amt in comp.items():
        into[el] = into.get(el, Fraction(0)) + amt


def _formula_mass(comp: Amounts) -> Fraction:
    return sum((_molar_mass(el) * amt for el, amt in comp.items()), Fraction(0))


def formula_amounts(text: str) -> dict[str, Fraction]:
    """Exact element amounts of a formula text (see :func:`parse_formula` for the grammar).

    Raises
    ------
    FormulaError
        If the text is empty, a missing-value marker, has an unknown element, unbalanced
        brackets, a mixture without amounts, or a zero total.
    """
    if not isinstance(text, str):
        raise FormulaError(str(text), f"expected text, got {type(text).__name__}")
    cleaned = text.translate(_INVISIBLE).translate(_DASHES).translate(_SUBSCRIPTS).strip()
    if not cleaned:
        raise FormulaError(text, "empty formula")
    if cleaned in _MISSING_MARKERS:
        raise FormulaError(text, "a missing-value marker, not a formula")
    cleaned = _POLYMORPH.sub("", cleaned)
    parser = _Parser(text, cleaned)
    amounts = parser.mixture(None)
    if parser.i != len(cleaned):
        raise parser.fail(f"unexpected {cleaned[parser.i]!r} at position {parser.i}")
    amounts = {el: amt for el, amt in amounts.items() if amt != 0}
    if not amounts:
        raise FormulaError(text, "all amounts are zero")
    for el, amt in amounts.items():
        try:
            float(amt)
        except OverflowError:
            raise FormulaError(text, f"the amount of {el} is too large") from None
    return amounts


def parse_formula(text: str) -> Composition:
    """Read a formula, glass or mixture notation strictly into a ``Composition``.

    Parameters
    ----------
    text : str
        Formula as written, e.g. ``"Li2TaS0.4O0.6Cl5"``, ``"70Li2S-30P2S5"``,
        ``"Li3PS4 - 10 wt% Al2O3"``.

    Returns
    -------
    Composition
        Element amounts (a mixture gives the mole-weighted sum of its components with the
        amounts scaled to sum to 1).

    Raises
    ------
    FormulaError
        Carrying the text and the reason, for anything it cannot read.

    Examples
    --------
    >>> parse_formula("(Li2S)0.75(P2S5)0.25")["S"]
    2.0
    >>> normalized_formula(parse_formula("70Li2S-30P2S5"))
    'Li1.4P0.6S2.2'
    """
    amounts = formula_amounts(text)
    return Composition({el: float(amt) for el, amt in amounts.items()}, strict=True)


@cache
def element_order_key(symbol: str) -> tuple[float, str]:
    """Sort key of elements in a normalised formula: Pauling electronegativity, then symbol."""
    with warnings.catch_warnings():
        # pymatgen warns for elements without a Pauling electronegativity (noble gases).
        warnings.simplefilter("ignore")
        x = float(Element(symbol).X)
    return (x if math.isfinite(x) else math.inf, symbol)


def format_amount(value: float) -> str:
    """An amount as normalised formulas print it (no ``1``, at most six decimals, no noise)."""
    rounded = round(value, _DECIMALS)
    if rounded == int(rounded):
        return "" if rounded == 1 else str(int(rounded))
    return repr(rounded)


def _printed_amounts(comp: Composition) -> dict[str, float]:
    """Element amounts as formulas print them, in the composition's own order: six decimals
    without float noise, integer formulas reduced by their greatest common divisor."""
    amounts = {el.symbol: float(amt) for el, amt in comp.element_composition.items() if amt}
    if not amounts:
        raise FormulaError(str(comp), "empty composition")
    bad = {el: amt for el, amt in amounts.items() if not math.isfinite(amt) or amt < 0}
    if bad:
        raise FormulaError(str(comp), f"amounts must be finite and non-negative; got {bad}")
    rounded = {el: round(amt, _DECIMALS) for el, amt in amounts.items()}
    if all(amt == int(amt) for amt in rounded.values()):
        divisor = math.gcd(*(int(amt) for amt in rounded.values()))
        if divisor > 1:
            amounts = {el: amt / divisor for el, amt in rounded.items()}
    return amounts


def chemical_formula(comp: Composition) -> str:
    """A composition written as chemists write it: its elements in the order it holds them.

    :func:`parse_formula` keeps the order of the text (``Li2TaS0.4O0.6Cl5``, ``Li2OHCl``), and
    so does a ``Composition`` built from a string or a dict. Amounts are printed as in
    :func:`normalized_formula` (integer formulas reduced by their greatest common divisor,
    fractional ones kept at the scale given, at most six decimals, no ``1``). For joins and
    deduplication use :func:`normalized_formula` or :func:`composition_key`, which do not
    depend on the order.

    Examples
    --------
    >>> chemical_formula(parse_formula("Li2TaS0.4O0.6Cl5"))
    'Li2TaS0.4O0.6Cl5'
    >>> chemical_formula(Composition("Li4O2H2Cl2"))
    'Li2OHCl'
    """
    amounts = _printed_amounts(comp)
    return "".join(f"{el}{format_amount(amt)}" for el, amt in amounts.items())


def normalized_formula(comp: Composition) -> str:
    """The canonical formula used as the dedup key everywhere.

    Elements are ordered by Pauling electronegativity, then symbol (pymatgen's order; noble
    gases, which have none, come last). Integer formulas are reduced by their greatest common
    divisor; fractional formulas are kept at the scale given. Amounts are printed to at most
    six decimals without float noise and without a ``1``. People read
    :func:`chemical_formula`; this order is for keys.

    Examples
    --------
    >>> normalized_formula(parse_formula("Li2TaO0.6S0.4Cl5"))
    'Li2TaS0.4Cl5O0.6'
    >>> normalized_formula(parse_formula("Li14P6S22"))
    'Li7P3S11'
    """
    amounts = _printed_amounts(comp)
    symbols = sorted(amounts, key=element_order_key)
    return "".join(f"{el}{format_amount(amounts[el])}" for el in symbols)


_SNAP = Fraction(5, 10**7)  # half the last printed decimal of a formula


def _snapped(amount: Fraction) -> Fraction:
    """``amount``, or the ratio of small integers it is a six-decimal print of."""
    ratio = amount.limit_denominator(100)
    return ratio if abs(ratio - amount) <= _SNAP else amount


def composition_key(formula: str) -> str:
    """A key equal for every formula of the same composition, whatever its scale.

    :func:`normalized_formula` keeps fractional formulas at the scale given, so the glass
    ``70Li2S-30P2S5`` (``Li1.4P0.6S2.2``) and ``Li7P3S11`` are different strings. This key is
    the smallest integer formula of the exact amounts, for grouping measurements of one
    compound written at different scales.

    An amount within 5e-7 of a ratio with a denominator up to 100 is read as that ratio:
    formulas are printed to six decimals, so ``Li2Sc2/3Cl4`` comes back as
    ``Li2Sc0.666667Cl4`` and a mixture such as ``(Li2S)0.7(LiI)0.3`` can carry a repeating
    decimal; their keys must still be those of the exact compositions.

    Examples
    --------
    >>> composition_key("Li1.4P0.6S2.2") == composition_key("Li7P3S11") == "Li7P3S11"
    True
    >>> composition_key("Li2TaS0.4Cl5O0.6")
    'Li10Ta5S2Cl25O3'
    >>> composition_key("Li2Sc0.666667Cl4")
    'Li3ScCl6'
    """
    amounts = {el: _snapped(amt) for el, amt in formula_amounts(formula).items()}
    scale = math.lcm(*(amt.denominator for amt in amounts.values()))
    integers = {el: int(amt * scale) for el, amt in amounts.items()}
    divisor = math.gcd(*integers.values())
    symbols = sorted(integers, key=element_order_key)
    return "".join(
        f"{el}{'' if integers[el] == divisor else integers[el] // divisor}" for el in symbols
    )
