"""Search spaces declared in TOML (``[[space]]`` tables), validated before anything is enumerated.

Two kinds of space:

* a **template** space (``template = "Li{n} {M} S{1-x} O{x} {X}5"``): every other key that is
  not a setting gives the values of one placeholder of the template:

  - a list of element symbols (``M = ["Ta", "Nb"]``): a symbol placeholder;
  - a grid table (``x = { start = 0.0, stop = 1.0, step = 0.1 }``, stop inclusive, exact
    rationals), a list of numbers, or one number: a numeric placeholder;
  - ``"balance"`` (``n = "balance"``): the amount solved from charge neutrality; one per space.

* a **system** space (``cations = [...]``, ``anions = [...]``, ``amounts = {start, stop,
  step}``): see :class:`~anionscreen.screening.system_enumerator.SystemEnumerator`.

Settings: ``name`` (required), ``description``, ``oxidation_states = { W = [4, 5, 6] }``,
``filters = {...}`` (:class:`~anionscreen.screening.filters.FilterSpec`); system spaces also
``bounds``, ``max_cations``, ``max_anions``. Any mistake raises :class:`ConfigError` naming the
file, the space, the key, the value and what was expected.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from anionscreen.datasets.errors import ConfigError
from anionscreen.descriptors.elements import element_index
from anionscreen.screening.filters import ExactNumber, FilterSpec, exact_number
from anionscreen.screening.template import Template, parse_template

_SETTINGS = {"name", "description", "template", "oxidation_states", "filters"}
_SYSTEM_KEYS = {"cations", "anions", "amounts", "bounds", "max_cations", "max_anions"}
MAX_GRID_VALUES = 1_000_000


@dataclass(frozen=True)
class Grid:
    """Exact values ``start, start + step, ...`` up to and including ``stop`` when on the grid."""

    start: Fraction
    stop: Fraction
    step: Fraction

    @property
    def values(self) -> tuple[Fraction, ...]:
        n = int((self.stop - self.start) // self.step) + 1
        return tuple(self.start + k * self.step for k in range(n))


@dataclass(frozen=True)
class SpaceSpec:
    """One validated search space (build it with :func:`spaces_from_config`).

    Attributes
    ----------
    name : str
    source : str
        Where it was declared (file name), for messages.
    template : Template or None
        The parsed template (``None`` for a system space).
    symbols : dict of str to tuple of str
        Symbol placeholder -> element symbols, in template order.
    numbers : dict of str to tuple of Fraction
        Numeric placeholder -> exact values, in template order.
    balance : str or None
        The placeholder solved from charge neutrality.
    oxidation_states : dict of str to tuple of int
        Overrides of the default states.
    filters : FilterSpec
    cations, anions : tuple of str
        System spaces: the elements besides Li.
    amounts : Grid or None
        System spaces: the grid of every element's positive amount.
    bounds : dict of str to Grid
        System spaces: per-element grids (same step), Li's bounds its solved amount.
    max_cations, max_anions : int
        System spaces: how many distinct cation / anion species at most (besides Li).
    table : dict
        The table as given (for run records).
    """

    name: str
    source: str
    template: Template | None = None
    symbols: dict[str, tuple[str, ...]] = field(default_factory=dict)
    numbers: dict[str, tuple[Fraction, ...]] = field(default_factory=dict)
    balance: str | None = None
    oxidation_states: dict[str, tuple[int, ...]] = field(default_factory=dict)
    filters: FilterSpec = field(default_factory=FilterSpec)
    cations: tuple[str, ...] = ()
    anions: tuple[str, ...] = ()
    amounts: Grid | None = None
    bounds: dict[str, Grid] = field(default_factory=dict)
    max_cations: int = 1
    max_anions: int = 0
    table: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """``"template"`` or ``"system"``."""
        return "template" if self.template is not None else "system"


class _GridModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)
    start: ExactNumber
    stop: ExactNumber
    step: ExactNumber


class _BoundModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)
    start: ExactNumber
    stop: ExactNumber


class _CommonModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)
    oxidation_states: dict[str, list[int]] = {}
    filters: FilterSpec = FilterSpec()


class _SystemModel(_CommonModel):
    cations: list[str]
    anions: list[str]
    amounts: _GridModel
    bounds: dict[str, _BoundModel] = {}
    max_cations: int = 1
    max_anions: int | None = None


class _Where:
    """Formats messages that name the file, the space and the key."""

    def __init__(self, source: str, index: int, name: str | None) -> None:
        label = f"space {name!r} (#{index + 1})" if name else f"space #{index + 1}"
        self.prefix = f"{source}: {label}"

    def error(self, key: str, value: Any, expected: str) -> ConfigError:
        return ConfigError(f"{self.prefix}, key {key!r}: got {value!r}; expected {expected}")


def _check_grid(where: _Where, key: str, raw: Any, grid: _GridModel) -> Grid:
    if grid.step <= 0:
        raise where.error(key, raw, "step > 0")
    if grid.stop < grid.start:
        raise where.error(key, raw, "stop >= start")
    out = Grid(grid.start, grid.stop, grid.step)
    if (grid.stop - grid.start) / grid.step >= MAX_GRID_VALUES:
        raise where.error(key, raw, f"at most {MAX_GRID_VALUES} grid values")
    return out


def _validated(
    where: _Where, model: type[BaseModel], data: Mapping[str, Any], prefix: str = ""
) -> Any:
    try:
        return model.model_validate(dict(data))
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(
            [prefix, *(str(part) for part in first["loc"])]
            if prefix
            else [str(part) for part in first["loc"]]
        )
        if first["type"] == "extra_forbidden":
            raise where.error(key, first["input"], "no such key (unknown setting)") from err
        if first["type"] == "missing":
            raise ConfigError(f"{where.prefix}: missing required key {key!r}") from err
        raise where.error(key, first.get("input"), f"a valid value ({first['msg']})") from err


def _numeric_values(where: _Where, key: str, raw: Any) -> tuple[Fraction, ...]:
    if isinstance(raw, Mapping):
        return _check_grid(where, key, raw, _validated(where, _GridModel, raw, key)).values
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise where.error(key, raw, "a non-empty list of values")
    try:
        return tuple(exact_number(v) for v in items)
    except ValueError as err:
        raise where.error(key, raw, f"numbers ({err})") from err


def _placeholder(where: _Where, key: str, raw: Any) -> tuple[str, Any]:
    """Classify one placeholder: ('symbol', tuple) | ('number', tuple) | ('balance', None)."""
    if raw == "balance":
        return "balance", None
    if isinstance(raw, list) and raw and all(isinstance(v, str) for v in raw):
        unknown = [v for v in raw if v not in element_index()]
        if unknown:
            raise where.error(key, raw, f"element symbols; {unknown[0]!r} is not an element")
        return "symbol", tuple(raw)
    if isinstance(raw, Mapping | list | int | float) and not isinstance(raw, bool):
        return "number", _numeric_values(where, key, raw)
    raise where.error(
        key,
        raw,
        'a list of element symbols, a grid {start, stop, step}, numbers, or "balance"',
    )


def _states(where: _Where, states: Mapping[str, list[int]]) -> dict[str, tuple[int, ...]]:
    for el, values in states.items():
        if el not in element_index():
            raise where.error(f"oxidation_states.{el}", values, "an element symbol as key")
        if not values:
            raise where.error(f"oxidation_states.{el}", values, "at least one oxidation state")
    return {el: tuple(v) for el, v in states.items()}


def _template_space(where: _Where, name: str, source: str, table: Mapping[str, Any]) -> SpaceSpec:
    template_text = table["template"]
    if not isinstance(template_text, str):
        raise where.error("template", template_text, "a template string")
    try:
        template = parse_template(template_text)
    except ConfigError as err:
        raise ConfigError(f"{where.prefix}, key 'template': {err}") from err
    common = _validated(
        where,
        _CommonModel,
        {k: table[k] for k in table if k in _SETTINGS - {"name", "description", "template"}},
    )
    used = set(template.symbol_names) | set(template.amount_names)
    symbols: dict[str, tuple[str, ...]] = {}
    numbers: dict[str, tuple[Fraction, ...]] = {}
    balance: str | None = None
    for key, raw in table.items():
        if key in _SETTINGS:
            continue
        if key not in used:
            hint = " (system-space keys need no template)" if key in _SYSTEM_KEYS else ""
            raise where.error(
                key, raw, f"a placeholder of the template {template_text!r} or a setting "
                f"({', '.join(sorted(_SETTINGS))}){hint}"
            )  # fmt: skip
        kind, values = _placeholder(where, key, raw)
        if kind == "symbol":
            if key not in template.symbol_names:
                raise where.error(key, raw, f"numbers: {{{key}}} is used as an amount")
            symbols[key] = values
        elif key in template.symbol_names:
            raise where.error(key, raw, f"element symbols: {{{key}}} is used as an element")
        elif kind == "number":
            numbers[key] = values
        else:
            if balance is not None:
                raise where.error(key, raw, f"one balance placeholder ({balance!r} is one)")
            bare = [t for t in template.terms if key in t.amount.variables]
            if len(bare) != 1 or bare[0].amount.text != key:
                raise where.error(key, raw, f"{{{key}}} to be the whole amount of one term")
            balance = key
    for name_used in (*template.symbol_names, *template.amount_names):
        if name_used not in symbols and name_used not in numbers and name_used != balance:
            raise ConfigError(
                f"{where.prefix}: the template uses placeholder {{{name_used}}} but the space "
                f"gives no values for it; expected a key {name_used} = [...], a grid "
                '{start, stop, step} or "balance"'
            )
    for term in template.terms:
        if balance in term.amount.variables:
            continue
        grid = term.amount.grid(numbers)
        low = min(grid)
        if low < 0:
            raise ConfigError(
                f"{where.prefix}, key 'template': the amount {{{term.amount.text}}} of "
                f"{term.element} is negative ({float(low):g}) somewhere on the grid; "
                "expected amounts >= 0"
            )
    return SpaceSpec(
        name=name,
        source=source,
        template=template,
        symbols={k: symbols[k] for k in template.symbol_names},
        numbers={k: numbers[k] for k in template.amount_names if k in numbers},
        balance=balance,
        oxidation_states=_states(where, common.oxidation_states),
        filters=common.filters,
        table=dict(table),
    )


def _system_space(where: _Where, name: str, source: str, table: Mapping[str, Any]) -> SpaceSpec:
    model: _SystemModel = _validated(
        where, _SystemModel, {k: v for k, v in table.items() if k not in {"name", "description"}}
    )
    for key, values in (("cations", model.cations), ("anions", model.anions)):
        if not values:
            raise where.error(key, values, "at least one element symbol")
        for v in values:
            if v not in element_index():
                raise where.error(key, values, f"element symbols; {v!r} is not an element")
            if v == "Li":
                raise where.error(key, values, "elements besides Li (Li is always present)")
    overlap = set(model.cations) & set(model.anions)
    if (
        overlap
        or len(set(model.cations)) != len(model.cations)
        or len(set(model.anions)) != len(model.anions)
    ):
        raise where.error("anions", model.anions, "no element repeated in cations and anions")
    grid = _check_grid(where, "amounts", table["amounts"], model.amounts)
    if grid.start <= 0:
        raise where.error("amounts", table["amounts"], "start > 0 (absence is always allowed)")
    bounds: dict[str, Grid] = {}
    elements = ("Li", *model.cations, *model.anions)
    for el, bound in model.bounds.items():
        key = f"bounds.{el}"
        if el not in elements:
            raise where.error(key, table["bounds"][el], f"one of the space's elements {elements}")
        g = _check_grid(
            where,
            key,
            table["bounds"][el],
            _GridModel(start=bound.start, stop=bound.stop, step=grid.step),
        )
        if (
            g.start <= 0
            or (g.start / grid.step).denominator != 1
            or (g.stop / grid.step).denominator != 1
        ):
            raise where.error(
                key,
                table["bounds"][el],
                f"start > 0 and start, stop multiples of the step {grid.step}",
            )
        bounds[el] = g
    if (grid.start / grid.step).denominator != 1:
        raise where.error("amounts", table["amounts"], "start a multiple of step")
    max_anions = model.max_anions if model.max_anions is not None else len(model.anions)
    if model.max_cations < 1:
        raise where.error("max_cations", model.max_cations, "an integer >= 1")
    if max_anions < 1:
        raise where.error("max_anions", max_anions, "an integer >= 1")
    return SpaceSpec(
        name=name,
        source=source,
        oxidation_states=_states(where, model.oxidation_states),
        filters=model.filters,
        cations=tuple(model.cations),
        anions=tuple(model.anions),
        amounts=grid,
        bounds=bounds,
        max_cations=model.max_cations,
        max_anions=max_anions,
        table=dict(table),
    )


def spaces_from_config(tables: list[dict[str, Any]], source: str) -> list[SpaceSpec]:
    """Validate ``[[space]]`` tables (from a space file or a campaign file).

    Parameters
    ----------
    tables : list of dict
        The parsed tables, in order.
    source : str
        The file they came from, named in error messages.

    Raises
    ------
    ConfigError
        On the first mistake, naming the file, space, key, value and what was expected.
    """
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{source}: expected at least one [[space]] table")
    specs: list[SpaceSpec] = []
    seen: set[str] = set()
    for index, table in enumerate(tables):
        raw_name = table.get("name") if isinstance(table, Mapping) else None
        where = _Where(source, index, raw_name if isinstance(raw_name, str) else None)
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where.prefix}: expected a table, got {table!r}")
        if not isinstance(raw_name, str) or not raw_name.strip():
            raise where.error("name", raw_name, "a non-empty string naming the space")
        if raw_name in seen:
            raise where.error("name", raw_name, "a name not used by another space")
        seen.add(raw_name)
        is_template = "template" in table
        if is_template:
            specs.append(_template_space(where, raw_name, source, table))
        elif "cations" in table or "anions" in table:
            specs.append(_system_space(where, raw_name, source, table))
        else:
            raise ConfigError(
                f"{where.prefix}: expected a 'template' key (template space) or 'cations' and "
                "'anions' keys (system space)"
            )
    return specs


def load_spaces(path: Path) -> list[SpaceSpec]:
    """Read and validate the ``[[space]]`` tables of a TOML file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(f"{path}: no such file") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err})") from err
    unknown = set(data) - {"space"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown top-level key(s) {sorted(unknown)}; expected [[space]] tables"
        )
    return spaces_from_config(data.get("space", []), str(path))
