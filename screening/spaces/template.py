"""Composition templates such as ``"Li{n} {M} S{1-x} O{x} {X}5"``, read into exact pieces.

A template is a run of *terms*; each term is an element and an optional amount written right
after it (no space between them):

* the element is a symbol (``Li``, ``S``) or a placeholder in braces (``{M}``) whose values
  are element symbols;
* the amount is a number (``5``, ``0.5``), or an arithmetic expression in braces over numeric
  placeholders (``{1-x}``, ``{6-y}``, ``{2*x/3}``; ``+ - * /`` and parentheses), or missing (1).

Spaces separate terms but are optional (``Li{n}{M}S{1-x}`` reads the same). Expressions are
evaluated with :class:`fractions.Fraction`, so ``1-x`` at ``x = 3/10`` is exactly ``7/10``.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from anionscreen.datasets.errors import ConfigError
from anionscreen.descriptors.charge import to_fraction
from anionscreen.descriptors.elements import element_index

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_ELEMENT = re.compile(rf"([A-Z][a-z]?)|\{{\s*({_NAME})\s*\}}")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?|\.\d+)|\{([^{}]*)\}")
_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)


@dataclass(frozen=True)
class Expression:
    """An exact arithmetic expression over numeric placeholders.

    Attributes
    ----------
    text : str
        The expression as written (``"1-x"``).
    variables : tuple of str
        Placeholder names used, in order of first appearance.
    """

    text: str
    variables: tuple[str, ...]
    tree: ast.expr

    def evaluate(self, values: Mapping[str, Fraction]) -> Fraction:
        """Value at one point; ``values`` maps each variable to an exact number."""
        return _evaluate(self.tree, values, self.text)

    def grid(self, values: Mapping[str, Sequence[Fraction]]) -> list[Fraction]:
        """Values over the product of the variables' value lists (C order, first varies slowest)."""
        lists = [values[v] for v in self.variables]
        return [
            self.evaluate(dict(zip(self.variables, point, strict=True)))
            for point in itertools.product(*lists)
        ]

    @property
    def constant(self) -> Fraction | None:
        """The value when the expression uses no placeholder, else ``None``."""
        return self.evaluate({}) if not self.variables else None


def _evaluate(node: ast.expr, values: Mapping[str, Fraction], text: str) -> Fraction:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return to_fraction(node.value)
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.UnaryOp):
        inner = _evaluate(node.operand, values, text)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        left = _evaluate(node.left, values, text)
        right = _evaluate(node.right, values, text)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if right == 0:
            point = ", ".join(f"{k} = {v}" for k, v in values.items())
            raise ConfigError(f"amount {{{text}}} divides by zero at {point}")
        return left / right
    raise ConfigError(f"unsupported expression {{{text}}}")  # parse_expression prevents this


def parse_expression(text: str) -> Expression:
    """Compile an amount expression such as ``"1-x"``; only numbers, names, + - * / and ()."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as err:
        raise ConfigError(
            f"amount {{{text}}} is not an arithmetic expression (use numbers, placeholder "
            "names, + - * / and parentheses, e.g. {1-x} or {2*y})"
        ) from err
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        ok = (
            (isinstance(node, ast.Constant) and type(node.value) in (int, float))
            or isinstance(node, ast.Name | ast.Load | ast.UnaryOp | ast.USub | ast.UAdd)
            or (isinstance(node, ast.BinOp) and isinstance(node.op, _BINOPS))
            or isinstance(node, _BINOPS)
        )
        if not ok:
            what = ast.unparse(node) if isinstance(node, ast.expr) else type(node).__name__
            raise ConfigError(
                f"amount {{{text}}} uses {what!r}; only numbers, placeholder names, "
                "+ - * / and parentheses are allowed"
            )
        if isinstance(node, ast.Name):
            found.append((node.col_offset, node.id))
    # ast.walk is breadth-first; order names by position for a stable column order.
    names = tuple(dict.fromkeys(name for _, name in sorted(found)))
    return Expression(text=text.strip(), variables=names, tree=tree)


@dataclass(frozen=True)
class Term:
    """One element of a template with its amount.

    Attributes
    ----------
    element : str
        An element symbol, or a placeholder name when ``placeholder`` is true.
    placeholder : bool
        Whether ``element`` names a symbol placeholder.
    amount : Expression
        The amount (a constant expression ``1`` when none was written).
    """

    element: str
    placeholder: bool
    amount: Expression


@dataclass(frozen=True)
class Template:
    """A parsed template: its text and terms in the order written."""

    text: str
    terms: tuple[Term, ...]

    @property
    def symbol_names(self) -> tuple[str, ...]:
        """Symbol placeholders in order of first appearance."""
        return tuple(dict.fromkeys(t.element for t in self.terms if t.placeholder))

    @property
    def amount_names(self) -> tuple[str, ...]:
        """Names used in amounts, in order of first appearance."""
        return tuple(dict.fromkeys(v for t in self.terms for v in t.amount.variables))


def parse_template(text: str) -> Template:
    """Read a template; raises :class:`ConfigError` naming the position and the problem.

    Examples
    --------
    >>> t = parse_template("Li{n} {M} S{1-x} O{x} {X}5")
    >>> [(term.element, term.amount.text) for term in t.terms]
    [('Li', 'n'), ('M', '1'), ('S', '1-x'), ('O', 'x'), ('X', '5')]
    """
    terms: list[Term] = []
    pos = 0
    one = parse_expression("1")
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        m = _ELEMENT.match(text, pos)
        if m is None:
            raise ConfigError(
                f"template {text!r}: expected an element symbol or {{placeholder}} at "
                f"position {pos}, found {text[pos : pos + 8]!r}"
            )
        symbol, name = m.groups()
        if symbol is not None and symbol not in element_index():
            raise ConfigError(f"template {text!r}: unknown element {symbol!r} at position {pos}")
        pos = m.end()
        amount = one
        a = _AMOUNT.match(text, pos)
        if a is not None:
            number, expr = a.groups()
            amount = parse_expression(number if number is not None else expr)
            pos = a.end()
        terms.append(Term(element=symbol or name, placeholder=symbol is None, amount=amount))
    if not terms:
        raise ConfigError("template is empty; expected e.g. 'Li{n} {M} S{1-x} O{x} {X}5'")
    return Template(text=text, terms=tuple(terms))
