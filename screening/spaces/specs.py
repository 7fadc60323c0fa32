"""Search spaces declared in TOML (``[[space]]`` tables), validated before anything is enumerated.

Two kinds of space:

* a **template** space (``template = "Li{n} {M} S{1-x} O{x} {X}5"``): every other key that is
  not a setting gives the values of one placeholder of the template:

  - a list of element symbols (``M = ["Ta", "Nb"]``): a symbol placeholder;
  - a grid table (``x = { start = 0.0, stop = 1.0, step = 0.1 }``, stop inclusive, exact
    rationals), a list of numbers, or one number: a numeric placeholder;
  - ``"balance"`` (``n = "balance"``): the amount solved from charge neutrality; one per space.

* a **system** space (``cations = [...]``, ``anions = [...]``, ``amounts = {start, stop,
  step}``): see :class:`~anionscreen.screening.spaces.system_enumerator.SystemEnumerator`.

Settings: ``name`` (required), ``description``, ``oxidation_states = { W = [4, 5, 6] }``,
``filters = {...}`` (:class:`~anionscreen.screening.spaces.filters.FilterSpec`); system spaces also
``bounds``, ``max_cations``, ``max_anions``. Any mistake raises :class:`ConfigError` naming the
file, the space, the key, the value and what was expected.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from anionscreen.datasets.errors import AnionscreenError, ConfigError
from anionscreen.datasets.textfiles import read_text
from anionscreen.descriptors.elements import element_index
from anionscreen.screening.spaces.fields import (
    MAX_GRID_VALUES,
    CommonModel,
    Grid,
    GridModel,
    SystemModel,
    Where,
    check_grid,
    checked_states,
    classify_placeholder,
    too_large,
    validated,
)
from anionscreen.screening.spaces.filters import FilterSpec
from anionscreen.screening.spaces.template import Template, parse_template

__all__ = ["Grid", "SpaceSpec", "load_spaces", "spaces_from_config"]

_SETTINGS = {"name", "description", "template", "oxidation_states", "filters"}
_OUTPUT_COLUMNS = {"formula", "space", "n_Li", "cations", "anions"}
_SYSTEM_KEYS = {"cations", "anions", "amounts", "bounds", "max_cations", "max_anions"}


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


def _template_space(
    where: Where, name: str, source: str, table: Mapping[str, Any], max_grid_points: int | None
) -> SpaceSpec:
    template_text = table["template"]
    if not isinstance(template_text, str):
        raise where.error("template", template_text, "a template string")
    try:
        template = parse_template(template_text)
    except ConfigError as err:
        raise ConfigError(f"{where.prefix}, key 'template': {err}") from err
    common = validated(
        where,
        CommonModel,
        {k: table[k] for k in table if k in _SETTINGS - {"name", "description", "template"}},
    )
    used = set(template.symbol_names) | set(template.amount_names)
    both = sorted(set(template.symbol_names) & set(template.amount_names))
    if both:
        raise where.error(
            "template", template_text, f"{{{both[0]}}} used either as an element or in amounts"
        )
    clash = sorted(n for n in used if n in _OUTPUT_COLUMNS or n.startswith(("ox_", "frac_")))
    if clash:
        # Placeholders become output columns; these names are taken by other columns.
        raise where.error(
            "template", template_text, f"placeholder names other than {', '.join(clash)} "
            "(reserved for output columns: formula, space, n_Li, cations, anions, ox_*, frac_*)"
        )  # fmt: skip
    symbols: dict[str, tuple[str, ...]] = {}
    given: dict[str, Grid | tuple[Fraction, ...]] = {}
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
        kind, values = classify_placeholder(where, key, raw)
        if kind == "symbol":
            if key not in template.symbol_names:
                raise where.error(key, raw, f"numbers: {{{key}}} is used as an amount")
            symbols[key] = values
        elif key in template.symbol_names:
            raise where.error(key, raw, f"element symbols: {{{key}}} is used as an element")
        elif kind == "number":
            given[key] = values
        else:
            if balance is not None:
                raise where.error(key, raw, f"one balance placeholder ({balance!r} is one)")
            bare = [t for t in template.terms if key in t.amount.variables]
            if len(bare) != 1 or bare[0].amount.text != key:
                raise where.error(key, raw, f"{{{key}}} to be the whole amount of one term")
            balance = key
    for name_used in (*template.symbol_names, *template.amount_names):
        if name_used not in symbols and name_used not in given and name_used != balance:
            raise ConfigError(
                f"{where.prefix}: the template uses placeholder {{{name_used}}} but the space "
                f"gives no values for it; expected a key {name_used} = [...], a grid "
                '{start, stop, step} or "balance"'
            )
    points = math.prod(len(v) for v in symbols.values()) * math.prod(
        v.size if isinstance(v, Grid) else len(v) for v in given.values()
    )
    if max_grid_points is not None and points > max_grid_points:
        # Refused by arithmetic, before a single grid value is built.
        raise too_large(where.prefix, points, max_grid_points)
    numbers = {k: v.values if isinstance(v, Grid) else v for k, v in given.items()}
    for term in template.terms:
        if balance in term.amount.variables:
            continue
        values = math.prod(len(numbers[v]) for v in term.amount.variables)
        if values > MAX_GRID_VALUES:
            # Each term's amounts are evaluated exactly, point by point, over its variables.
            raise ConfigError(
                f"{where.prefix}, key 'template': the amount {{{term.amount.text}}} of "
                f"{term.element} combines {values:,} grid values; expected at most "
                f"{MAX_GRID_VALUES:,} per term (use coarser steps)"
            )
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
        oxidation_states=checked_states(where, common.oxidation_states),
        filters=common.filters,
        table=dict(table),
    )


def _system_space(where: Where, name: str, source: str, table: Mapping[str, Any]) -> SpaceSpec:
    model: SystemModel = validated(
        where, SystemModel, {k: v for k, v in table.items() if k not in {"name", "description"}}
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
    grid = check_grid(where, "amounts", table["amounts"], model.amounts)
    if grid.start <= 0:
        raise where.error("amounts", table["amounts"], "start > 0 (absence is always allowed)")
    bounds: dict[str, Grid] = {}
    elements = ("Li", *model.cations, *model.anions)
    for el, bound in model.bounds.items():
        key = f"bounds.{el}"
        if el not in elements:
            raise where.error(key, table["bounds"][el], f"one of the space's elements {elements}")
        g = check_grid(
            where,
            key,
            table["bounds"][el],
            GridModel(start=bound.start, stop=bound.stop, step=grid.step),
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
        oxidation_states=checked_states(where, model.oxidation_states),
        filters=model.filters,
        cations=tuple(model.cations),
        anions=tuple(model.anions),
        amounts=grid,
        bounds=bounds,
        max_cations=model.max_cations,
        max_anions=max_anions,
        table=dict(table),
    )


def spaces_from_config(
    tables: list[dict[str, Any]], source: str, *, max_grid_points: int | None = None
) -> list[SpaceSpec]:
    """Validate ``[[space]]`` tables (from a space file or a campaign file).

    Parameters
    ----------
    tables : list of dict
        The parsed tables, in order.
    source : str
        The file they came from, named in error messages.
    max_grid_points : int, optional
        Refuse a template space with more grid points (symbol choices x numeric grid) with
        :class:`~.fields.SpaceTooLargeError`, before its grid values are built. The total of
        all spaces is checked by :func:`~.size.check_size`.

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
        where = Where(source, index, raw_name if isinstance(raw_name, str) else None)
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where.prefix}: expected a table, got {table!r}")
        if not isinstance(raw_name, str) or not raw_name.strip():
            raise where.error("name", raw_name, "a non-empty string naming the space")
        if raw_name in seen:
            raise where.error("name", raw_name, "a name not used by another space")
        seen.add(raw_name)
        is_template = "template" in table
        if is_template:
            specs.append(_template_space(where, raw_name, source, table, max_grid_points))
        elif "cations" in table or "anions" in table:
            specs.append(_system_space(where, raw_name, source, table))
        else:
            raise ConfigError(
                f"{where.prefix}: expected a 'template' key (template space) or 'cations' and "
                "'anions' keys (system space)"
            )
    return specs


def load_spaces(path: Path, *, max_grid_points: int | None = None) -> list[SpaceSpec]:
    """Read and validate the ``[[space]]`` tables of a TOML file (:func:`spaces_from_config`)."""
    path = Path(path)
    try:
        text = read_text(path, "space file", "a UTF-8 TOML file")
    except AnionscreenError as err:
        raise ConfigError(str(err)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err})") from err
    unknown = set(data) - {"space"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown top-level key(s) {sorted(unknown)}; expected [[space]] tables"
        )
    return spaces_from_config(data.get("space", []), str(path), max_grid_points=max_grid_points)
