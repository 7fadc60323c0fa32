"""Campaign files: what to screen, how to rank it and what to propose next.

A campaign is a TOML file validated by pydantic models that forbid unknown keys. Every
problem becomes one :class:`~anionscreen.datasets.errors.ConfigError` that names the key, the
value and what was expected, raised before any work starts. Its ``[[space]]`` tables are
validated here too, once: the :class:`~anionscreen.screening.spaces.specs.SpaceSpec` objects
stay on the campaign (:attr:`Campaign.spaces`) for the generators and the Materials Project
plan. The built-in campaign is in :mod:`~anionscreen.screening.campaign.default`.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from anionscreen.datasets.errors import AnionscreenError, ConfigError
from anionscreen.datasets.textfiles import read_text
from anionscreen.descriptors.elements import element_index
from anionscreen.models.arrhenius import TEMPERATURE_RANGE_C
from anionscreen.screening.campaign.objectives import get_objective
from anionscreen.screening.spaces.fields import DEFAULT_MAX_GRID_POINTS
from anionscreen.screening.spaces.generators import make_generator
from anionscreen.screening.spaces.size import check_size as check_total_size
from anionscreen.screening.spaces.specs import SpaceSpec, spaces_from_config

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DEFAULT_FAMILY_COLUMNS = ("space", "M", "X")


class _Strict(BaseModel):
    # inf and NaN are no setting anyone means: weight = inf made every score -inf.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, allow_inf_nan=False)


class ObjectiveSpec(_Strict):
    """One ``[[objective]]`` table."""

    name: str
    weight: float = Field(default=1.0, ge=0.0)
    temperature_C: float = 25.0  # noqa: N815 (unit in the name)

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        get_objective(name)
        return name

    @field_validator("temperature_C")
    @classmethod
    def _in_range(cls, value: float) -> float:
        low, high = TEMPERATURE_RANGE_C
        if not low <= value <= high:
            raise ValueError(
                f"expected a temperature from {low:g} to {high:g} C (sigma there comes from "
                "sigma(25 C) and the predicted Ea by the Arrhenius relation, which the "
                "measurements support only over that range)"
            )
        return value


#: What a campaign without ``[[objective]]`` tables ranks by (the built-in campaign's).
DEFAULT_OBJECTIVES: tuple[tuple[str, float], ...] = (
    ("sigma", 1.0),
    ("modulus", 0.5),
    ("supply_risk", 0.2),
)


def default_objectives() -> list[ObjectiveSpec]:
    """:data:`DEFAULT_OBJECTIVES` as objective tables (sigma at 25 C)."""
    return [ObjectiveSpec(name=name, weight=weight) for name, weight in DEFAULT_OBJECTIVES]


def _check_elements(symbols: list[str] | None) -> list[str] | None:
    if symbols is None:
        return None
    index = element_index()
    for symbol in symbols:
        if symbol not in index:
            raise ValueError(f"unknown element {symbol!r}")
    return symbols


class Constraints(_Strict):
    """``[constraints]``: candidates failing any of these are kept but marked infeasible."""

    sigma_min_S_per_cm: float | None = Field(default=None, gt=0.0)  # noqa: N815
    modulus_max_GPa: float | None = Field(default=None, gt=0.0)  # noqa: N815
    in_domain_only: bool = False
    allowed_elements: list[str] | None = None
    forbidden_elements: list[str] | None = None
    # Stability-window limits (V vs Li/Li+); need cached Materials Project data.
    oxidation_limit_min_V: float | None = Field(default=None, ge=0.0)  # noqa: N815
    reduction_limit_max_V: float | None = Field(default=None, ge=0.0)  # noqa: N815

    _elements = field_validator("allowed_elements", "forbidden_elements")(_check_elements)


class Ranking(_Strict):
    """``[ranking]``: size of the ranked table and depth of Pareto ranking."""

    top_n: int = Field(default=50, ge=1)
    pareto_depth: int = Field(default=5, ge=1, le=100)


class Acquisition(_Strict):
    """``[acquisition]``: how the batch of next experiments is chosen."""

    method: Literal["ucb", "ei"] = "ucb"
    kappa: float = Field(default=1.0, ge=0.0)
    batch_size: int = Field(default=10, ge=1)
    pool_size: int = Field(default=500, ge=1)
    max_per_family: int = Field(default=2, ge=1)
    family_columns: list[str] = Field(default_factory=lambda: list(_DEFAULT_FAMILY_COLUMNS))
    min_distance: float = Field(default=0.02, ge=0.0, le=1.0)
    include_measured: bool = False
    """Let compositions that were already measured (any scale) into the next batch."""


class Models(_Strict):
    """``[models]``: registry versions to use; ``"current"`` means the registry's current one."""

    sigma: str = "current"
    ea: str = "current"
    modulus: str = "current"


class Execution(_Strict):
    """``[execution]``: chunking (part of the result's identity: resume keeps it) and the
    largest space screened without asking (grid points: symbol choices x numeric grid)."""

    chunk_size: int = Field(default=8192, ge=1, le=1_000_000)
    max_grid_points: int = Field(default=DEFAULT_MAX_GRID_POINTS, ge=1)


class Campaign(_Strict):
    """A whole campaign file.

    Build it with :func:`load_campaign`, :func:`campaign_from_toml` or
    :func:`campaign_from_dict`, which validate the spaces too. Two campaigns are equal when
    their settings are, wherever they were read from.
    """

    name: str
    description: str = ""
    descriptor_preset: str | None = None
    material_state: Literal["crystalline", "amorphous"] = "crystalline"
    """Which modulus to predict: of the crystal, or of the glass a ball mill makes."""
    space: list[dict[str, Any]] = Field(min_length=1)
    objective: list[ObjectiveSpec] = Field(default_factory=default_objectives, min_length=1)
    constraints: Constraints = Field(default_factory=Constraints)
    ranking: Ranking = Field(default_factory=Ranking)
    acquisition: Acquisition = Field(default_factory=Acquisition)
    models: Models = Field(default_factory=Models)
    execution: Execution = Field(default_factory=Execution)
    _spaces: tuple[SpaceSpec, ...] | None = PrivateAttr(default=None)
    _text: str | None = PrivateAttr(default=None)

    @property
    def spaces(self) -> tuple[SpaceSpec, ...]:
        """The validated ``[[space]]`` tables, in file order."""
        if self._spaces is None:  # built without campaign_from_dict: validate once, now
            self._spaces = tuple(spaces_from_config(self.space, "<campaign>"))
        return self._spaces

    @property
    def text(self) -> str | None:
        """The TOML text the campaign was read from (None when built from a dict)."""
        return self._text

    @property
    def default_objectives_used(self) -> bool:
        """Whether the campaign gave no ``[[objective]]`` tables (and ranks by the defaults)."""
        return "objective" not in self.model_fields_set

    def objectives_note(self) -> str | None:
        """For people: that the default objectives are used, and which (None when given)."""
        if not self.default_objectives_used:
            return None
        listed = ", ".join(f"{o.name} (weight {o.weight:g})" for o in self.objective)
        return (
            f"no [[objective]] tables in the campaign: ranking by the default objectives {listed}"
        )

    def domain_targets(self) -> tuple[str, ...]:
        """The models whose applicability domain ``in_domain`` requires: those the objectives
        use (sigma away from 25 C also uses Ea); sigma when no objective uses a model."""
        used: list[str] = []
        for objective in self.objective:
            if objective.name == "sigma":
                used.append("sigma")
                if objective.temperature_C != 25.0:
                    used.append("ea")
            elif objective.name in ("ea", "modulus"):
                used.append(objective.name)
        return tuple(dict.fromkeys(used)) or ("sigma",)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Campaign):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]  # mutable lists inside: never hashable

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not _NAME.match(name):
            raise ValueError(
                "must be letters, digits, '.', '_' or '-', starting with a letter/digit"
            )
        return name

    @field_validator("objective")
    @classmethod
    def _unique(cls, objectives: list[ObjectiveSpec]) -> list[ObjectiveSpec]:
        names = [o.name for o in objectives]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"objective {name!r} is given more than once")
        return objectives

    def with_chunk_size(self, chunk_size: int) -> Campaign:
        """The same campaign with ``[execution] chunk_size`` replaced (validated)."""
        try:
            execution = Execution(chunk_size=chunk_size)
        except ValidationError as err:
            raise _config_error(err, "chunk size") from None
        return self.model_copy(update={"execution": execution})

    def sigma_temperature_c(self) -> float:
        """Temperature of the sigma objective (25 C when there is none)."""
        for objective in self.objective:
            if objective.name == "sigma":
                return objective.temperature_C
        return 25.0


def _key(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _config_error(err: ValidationError, source: str) -> ConfigError:
    lines = []
    for problem in err.errors():
        key = _key(tuple(problem["loc"]))
        kind = problem["type"]
        if kind == "missing":
            lines.append(f"{source}: missing required key {key!r}")
            continue
        if kind == "extra_forbidden":
            lines.append(f"{source}: unknown key {key!r} (value {problem['input']!r})")
            continue
        msg = str(problem["msg"]).removeprefix("Value error, ")
        lines.append(f"{source}: key {key!r} = {problem['input']!r}: {msg}")
    return ConfigError("invalid campaign\n  " + "\n  ".join(lines))


def _check_family_columns(campaign: Campaign, spaces: tuple[SpaceSpec, ...], source: str) -> None:
    """Each family column named in the file must be a parameter column of some space; an
    unknown name would silently make every candidate one family. The default list
    (``space``, ``M``, ``X``) is used where its columns exist, so it is accepted as written
    out (the default campaign and every stored ``run.json`` spell it out)."""
    chosen = campaign.acquisition.family_columns
    if tuple(chosen) == _DEFAULT_FAMILY_COLUMNS:
        return
    columns = list(dict.fromkeys(c for s in spaces for c in make_generator(s).param_columns))
    for name in chosen:
        if name not in columns:
            raise ConfigError(
                f"invalid campaign\n  {source}: key 'acquisition.family_columns' = "
                f"{campaign.acquisition.family_columns!r}: {name!r} is not a parameter column "
                f"of any space; expected some of {', '.join(columns)}"
            )


def campaign_from_dict(
    data: dict[str, Any],
    source: str = "<campaign>",
    *,
    max_grid_points: int | None = None,
    check_size: bool = True,
) -> Campaign:
    """Validate a parsed campaign; raises :class:`ConfigError` naming key and value.

    The ``[[space]]`` tables are validated too, by the generators, so every mistake is found
    before any work. Spaces with more grid points than ``[execution] max_grid_points`` are
    refused by arithmetic (:mod:`~anionscreen.screening.spaces.size`); ``max_grid_points``
    given here replaces the campaign's (and is kept in it, so a resume keeps it), and
    ``check_size=False`` skips the check (a run that exists was accepted when it started).
    """
    if "space" not in data:
        raise ConfigError(
            f"{source}: missing required key 'space' (at least one [[space]] table is needed)"
        )
    if max_grid_points is not None:
        execution = data.get("execution")
        data = {
            **data,
            "execution": {
                **(execution if isinstance(execution, dict) else {}),
                "max_grid_points": max_grid_points,
            },
        }
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as err:
        raise _config_error(err, source) from None
    limit = campaign.execution.max_grid_points if check_size else None
    spaces = tuple(spaces_from_config(campaign.space, source, max_grid_points=limit))
    if limit is not None:
        check_total_size(spaces, limit, source)
    _check_family_columns(campaign, spaces, source)
    campaign._spaces = spaces
    return campaign


def load_campaign(path: str | Path, *, max_grid_points: int | None = None) -> Campaign:
    """Read and validate a campaign TOML file (see :func:`campaign_from_dict`)."""
    file = Path(path)
    try:
        # UTF-8 with or without a byte-order mark; a binary file is refused by name.
        text = read_text(file, "campaign file", "a UTF-8 TOML file")
    except AnionscreenError as err:
        raise ConfigError(str(err)) from None
    return campaign_from_toml(text, source=str(file), max_grid_points=max_grid_points)


def campaign_from_toml(
    text: str, source: str = "<campaign>", *, max_grid_points: int | None = None
) -> Campaign:
    """Parse and validate campaign TOML text (see :func:`campaign_from_dict`); a leading
    byte-order mark is dropped."""
    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{source}: not valid TOML: {err}") from None
    campaign = campaign_from_dict(data, source, max_grid_points=max_grid_points)
    campaign._text = text
    return campaign
