"""Building blocks of space validation: exact grids, pydantic models, messages naming keys."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from anionscreen.datasets.errors import ConfigError
from anionscreen.descriptors.elements import element_index
from anionscreen.screening.spaces.filters import ExactNumber, FilterSpec, exact_number

MAX_GRID_VALUES = 1_000_000


@dataclass(frozen=True)
class Grid:
    """Exact values ``start, start + step, ...`` up to and including ``stop`` when on the grid."""

    start: Fraction
    stop: Fraction
    step: Fraction

    @property
    def size(self) -> int:
        """How many values, by arithmetic."""
        return int((self.stop - self.start) // self.step) + 1

    @property
    def values(self) -> tuple[Fraction, ...]:
        # Integer numerators over one denominator: Fraction arithmetic per value is slow.
        den = math.lcm(self.start.denominator, self.step.denominator)
        first = self.start.numerator * (den // self.start.denominator)
        step = self.step.numerator * (den // self.step.denominator)
        return tuple(Fraction(first + k * step, den) for k in range(self.size))


#: Grid points (symbol choices x numeric grid) above which counting or screening a space
#: must be asked for explicitly. At the measured rates (benchmarks/RESULTS.md) 1e8 points
#: count in well under a minute and score in about half an hour on two cores.
DEFAULT_MAX_GRID_POINTS = 100_000_000


class SpaceTooLargeError(ConfigError):
    """Spaces with more grid points than the limit allows."""


def too_large(what: str, points: int, limit: int) -> SpaceTooLargeError:
    """The refusal of ``what`` (spaces named for the reader) spanning ``points`` > ``limit``."""
    return SpaceTooLargeError(
        f"{what} spans {points:,} grid points ({points:.1e}: symbol choices x numeric grid), "
        f"above the limit of {limit:,}; counting its candidates would examine every point, "
        "and screening them would take far longer. To go ahead, raise the limit: "
        f"`max_grid_points = {points}` under [execution] in the campaign, or "
        f"--max-grid-points {points}; or use coarser grid steps or fewer choices"
    )


class GridModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)
    start: ExactNumber
    stop: ExactNumber
    step: ExactNumber


class BoundModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)
    start: ExactNumber
    stop: ExactNumber


class CommonModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)
    oxidation_states: dict[str, list[int]] = {}
    filters: FilterSpec = FilterSpec()


class SystemModel(CommonModel):
    cations: list[str]
    anions: list[str]
    amounts: GridModel
    bounds: dict[str, BoundModel] = {}
    max_cations: int = 1
    max_anions: int | None = None


class Where:
    """Formats messages that name the file, the space and the key."""

    def __init__(self, source: str, index: int, name: str | None) -> None:
        label = f"space {name!r} (#{index + 1})" if name else f"space #{index + 1}"
        self.prefix = f"{source}: {label}"

    def error(self, key: str, value: Any, expected: str) -> ConfigError:
        return ConfigError(f"{self.prefix}, key {key!r}: got {value!r}; expected {expected}")


def check_grid(where: Where, key: str, raw: Any, grid: GridModel) -> Grid:
    if grid.step <= 0:
        raise where.error(key, raw, "step > 0")
    if grid.stop < grid.start:
        raise where.error(key, raw, "stop >= start")
    out = Grid(grid.start, grid.stop, grid.step)
    if (grid.stop - grid.start) / grid.step >= MAX_GRID_VALUES:
        raise where.error(key, raw, f"at most {MAX_GRID_VALUES} grid values")
    return out


def validated(
    where: Where, model: type[BaseModel], data: Mapping[str, Any], prefix: str = ""
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


def numeric_values(where: Where, key: str, raw: Any) -> Grid | tuple[Fraction, ...]:
    """A grid (its values not built yet: see :attr:`Grid.values`) or the listed numbers."""
    if isinstance(raw, Mapping):
        return check_grid(where, key, raw, validated(where, GridModel, raw, key))
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise where.error(key, raw, "a non-empty list of values")
    try:
        return tuple(exact_number(v) for v in items)
    except ValueError as err:
        raise where.error(key, raw, f"numbers ({err})") from err


def classify_placeholder(where: Where, key: str, raw: Any) -> tuple[str, Any]:
    """Classify one placeholder: ('symbol', tuple) | ('number', tuple) | ('balance', None)."""
    if raw == "balance":
        return "balance", None
    if isinstance(raw, list) and raw and all(isinstance(v, str) for v in raw):
        unknown = [v for v in raw if v not in element_index()]
        if unknown:
            raise where.error(key, raw, f"element symbols; {unknown[0]!r} is not an element")
        return "symbol", tuple(raw)
    if isinstance(raw, Mapping | list | int | float) and not isinstance(raw, bool):
        return "number", numeric_values(where, key, raw)
    raise where.error(
        key,
        raw,
        'a list of element symbols, a grid {start, stop, step}, numbers, or "balance"',
    )


def checked_states(where: Where, states: Mapping[str, list[int]]) -> dict[str, tuple[int, ...]]:
    for el, values in states.items():
        if el not in element_index():
            raise where.error(f"oxidation_states.{el}", values, "an element symbol as key")
        if not values:
            raise where.error(f"oxidation_states.{el}", values, "at least one oxidation state")
    return {el: tuple(v) for el, v in states.items()}
