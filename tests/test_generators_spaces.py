"""Space validation: typos fail before enumerating, with messages naming file, space and key."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from anionscreen.datasets.errors import ConfigError
from anionscreen.screening.spaces.specs import load_spaces, spaces_from_config
from anionscreen.screening.spaces.template import parse_expression, parse_template

GOOD: dict[str, Any] = {
    "name": "s",
    "template": "Li{n} {M} S{1-x} O{x} {X}5",
    "M": ["Ta"],
    "X": ["Cl"],
    "x": {"start": 0, "stop": 1, "step": 0.1},
    "n": "balance",
}


def _error(**changes: Any) -> str:
    table = {**GOOD, **changes}
    table = {k: v for k, v in table.items() if v is not None}
    with pytest.raises(ConfigError) as info:
        spaces_from_config([table], "space.toml")
    return str(info.value)


def test_grid_is_exact_and_inclusive() -> None:
    spec = spaces_from_config([GOOD], "space.toml")[0]
    assert spec.numbers["x"] == tuple(Fraction(k, 10) for k in range(11))
    assert spec.symbols == {"M": ("Ta",), "X": ("Cl",)}
    assert spec.balance == "n"
    assert spec.kind == "template"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"M": ["Ta", "Nbb"]},
            "space.toml: space 's' (#1), key 'M': got ['Ta', 'Nbb']; "
            "expected element symbols; 'Nbb' is not an element",
        ),
        (
            {"x": {"start": 0, "stop": 1, "step": 0}},
            "space.toml: space 's' (#1), key 'x': got {'start': 0, 'stop': 1, 'step': 0}; "
            "expected step > 0",
        ),
        (
            {"x": {"start": 1, "stop": 0, "step": 0.1}},
            "space.toml: space 's' (#1), key 'x': got {'start': 1, 'stop': 0, 'step': 0.1}; "
            "expected stop >= start",
        ),
        (
            {"X": None},
            "space.toml: space 's' (#1): the template uses placeholder {X} but the space gives "
            'no values for it; expected a key X = [...], a grid {start, stop, step} or "balance"',
        ),
        (
            {"template": "Li{n} {M} S{1-x} Oo{x} {X}5"},
            "space.toml: space 's' (#1), key 'template': template 'Li{n} {M} S{1-x} Oo{x} {X}5': "
            "unknown element 'Oo' at position 17",
        ),
        (
            {"Mm": ["Nb"]},
            "space.toml: space 's' (#1), key 'Mm': got ['Nb']; expected a placeholder of the "
            "template 'Li{n} {M} S{1-x} O{x} {X}5' or a setting (description, filters, name, "
            "oxidation_states, template)",
        ),
        (
            {"x": "0.1"},
            "space.toml: space 's' (#1), key 'x': got '0.1'; expected a list of element "
            'symbols, a grid {start, stop, step}, numbers, or "balance"',
        ),
        (
            {"x": {"start": 0, "stop": 2, "step": 0.5}},
            "space.toml: space 's' (#1), key 'template': the amount {1-x} of S is negative (-1) "
            "somewhere on the grid; expected amounts >= 0",
        ),
        (
            {"x": {"start": 0, "stop": 1}},
            "space.toml: space 's' (#1): missing required key 'x.step'",
        ),
        (
            {"filters": {"max_elemnts": 4}},
            "space.toml: space 's' (#1), key 'filters.max_elemnts': got 4; "
            "expected no such key (unknown setting)",
        ),
        (
            {"oxidation_states": {"Wx": [4]}},
            "space.toml: space 's' (#1), key 'oxidation_states.Wx': got [4]; "
            "expected an element symbol as key",
        ),
        (
            {"M": 5},
            "space.toml: space 's' (#1), key 'M': got 5; expected element symbols: {M} is used "
            "as an element",
        ),
        (
            {"x": ["Cl"]},
            "space.toml: space 's' (#1), key 'x': got ['Cl']; expected numbers: {x} is used as "
            "an amount",
        ),
    ],
)
def test_typos_are_named(changes: dict[str, Any], message: str) -> None:
    assert _error(**changes) == message


def test_filter_values_checked() -> None:
    assert "key 'filters.min_li_fraction': got" in _error(filters={"min_li_fraction": 2})
    assert "key 'filters.forbidden_elements'" in _error(filters={"forbidden_elements": ["Qx"]})


def test_name_required_and_unique() -> None:
    with pytest.raises(ConfigError, match=r"space #1, key 'name': got None"):
        spaces_from_config([{k: v for k, v in GOOD.items() if k != "name"}], "f.toml")
    with pytest.raises(ConfigError, match=r"space 's' \(#2\), key 'name': got 's'"):
        spaces_from_config([GOOD, GOOD], "f.toml")


def test_balance_must_be_a_whole_amount() -> None:
    message = _error(template="Li{2*n} {M} S{1-x} O{x} {X}5")
    assert message.endswith("expected {n} to be the whole amount of one term")


def test_system_space_validation() -> None:
    good = {
        "name": "sys",
        "cations": ["Ta"],
        "anions": ["Cl"],
        "amounts": {"start": 1, "stop": 6, "step": 1},
    }
    spec = spaces_from_config([good], "f.toml")[0]
    assert spec.kind == "system"
    assert spec.max_anions == 1
    with pytest.raises(ConfigError, match=r"key 'cations': got \['Tq'\]; expected element"):
        spaces_from_config([{**good, "cations": ["Tq"]}], "f.toml")
    with pytest.raises(ConfigError, match=r"key 'amounts': got .*expected start > 0"):
        spaces_from_config([{**good, "amounts": {"start": 0, "stop": 6, "step": 1}}], "f.toml")
    with pytest.raises(ConfigError, match=r"key 'colour': got 'red'; expected no such key"):
        spaces_from_config([{**good, "colour": "red"}], "f.toml")


def test_load_spaces_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[space]]\nname = "a"\ntemplate = "Li3 {M} Cl6"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.toml: space 'a' \(#1\): the template uses"):
        load_spaces(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("[[space]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_spaces(broken)
    with pytest.raises(ConfigError, match="does not exist"):
        load_spaces(tmp_path / "missing.toml")


def test_expression_and_template_parsing() -> None:
    expr = parse_expression("6 - y/2 + 2*(x - 1)")
    assert expr.variables == ("y", "x")
    assert expr.evaluate({"x": Fraction(3, 10), "y": Fraction(1)}) == Fraction(41, 10)
    assert parse_template("Li{n}{M}S{1-x}").terms[1].element == "M"
    with pytest.raises(ConfigError, match=r"uses 'x \*\* 2'"):
        parse_expression("x**2")
    with pytest.raises(ConfigError, match=r"divides by zero at x = 0"):
        parse_expression("1/x").evaluate({"x": Fraction(0)})


def test_placeholder_names_must_not_shadow_output_columns() -> None:
    with pytest.raises(ConfigError, match=r"expected placeholder names other than n_Li \("):
        spaces_from_config([{"name": "a", "template": "Li{n_Li} Y Cl3", "n_Li": [3]}], "f.toml")


def test_placeholder_cannot_be_element_and_amount() -> None:
    with pytest.raises(
        ConfigError, match=r"expected \{M\} used either as an element or in amounts"
    ):
        spaces_from_config([{"name": "a", "template": "Li3 {M}{M} Cl6", "M": ["Y"]}], "f.toml")
