"""Campaign files: what to screen, how to rank it and what to propose next.

A campaign is a TOML file validated by pydantic models that forbid unknown keys. Every
problem becomes one :class:`~anionscreen.datasets.errors.ConfigError` that names the key, the
value and what was expected, raised before any work starts. :data:`DEFAULT_CAMPAIGN_TOML` is
the built-in campaign (the neighbourhood of Li2TaS(1-x)O(x)Cl5); ``anionscreen screen
--example`` prints it with its comments.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from anionscreen.datasets.errors import ConfigError
from anionscreen.descriptors.elements import element_index
from anionscreen.screening.campaign.objectives import get_objective

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class ObjectiveSpec(_Strict):
    """One ``[[objective]]`` table."""

    name: str
    weight: float = Field(default=1.0, ge=0.0)
    temperature_C: float = Field(default=25.0, gt=-273.15)  # noqa: N815 (unit in the name)

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        get_objective(name)
        return name


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
    family_columns: list[str] = Field(default_factory=lambda: ["space", "M", "X"])
    min_distance: float = Field(default=0.02, ge=0.0, le=1.0)


class Models(_Strict):
    """``[models]``: registry versions to use; ``"current"`` means the registry's current one."""

    sigma: str = "current"
    ea: str = "current"
    modulus: str = "current"


class Execution(_Strict):
    """``[execution]``: chunking (part of the result's identity: resume keeps it)."""

    chunk_size: int = Field(default=8192, ge=1, le=1_000_000)


class Campaign(_Strict):
    """A whole campaign file."""

    name: str
    description: str = ""
    descriptor_preset: str | None = None
    space: list[dict[str, Any]] = Field(min_length=1)
    objective: list[ObjectiveSpec] = Field(min_length=1)
    constraints: Constraints = Field(default_factory=Constraints)
    ranking: Ranking = Field(default_factory=Ranking)
    acquisition: Acquisition = Field(default_factory=Acquisition)
    models: Models = Field(default_factory=Models)
    execution: Execution = Field(default_factory=Execution)

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


def campaign_from_dict(data: dict[str, Any], source: str = "<campaign>") -> Campaign:
    """Validate a parsed campaign; raises :class:`ConfigError` naming key and value.

    The ``[[space]]`` tables are validated too, by the generators, so every mistake is found
    before any work.
    """
    if "space" not in data:
        raise ConfigError(
            f"{source}: missing required key 'space' (at least one [[space]] table is needed)"
        )
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as err:
        raise _config_error(err, source) from None
    validate_spaces(campaign, source)
    return campaign


def validate_spaces(campaign: Campaign, source: str) -> list[Any]:
    """The generators' space specs of a campaign (raises their :class:`ConfigError`)."""
    from anionscreen.screening.spaces.specs import spaces_from_config

    return list(spaces_from_config(campaign.space, source))


def load_campaign(path: str | Path) -> Campaign:
    """Read and validate a campaign TOML file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot read campaign file {str(file)!r}: {err.strerror}") from None
    return campaign_from_toml(text, source=str(file))


def campaign_from_toml(text: str, source: str = "<campaign>") -> Campaign:
    """Parse and validate campaign TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{source}: not valid TOML: {err}") from None
    return campaign_from_dict(data, source)


def default_campaign() -> Campaign:
    """The built-in campaign (see :data:`DEFAULT_CAMPAIGN_TOML`)."""
    return campaign_from_toml(DEFAULT_CAMPAIGN_TOML, source="<default campaign>")


DEFAULT_CAMPAIGN_TOML = """\
# anionscreen campaign: the neighbourhood of Li2TaS(1-x)O(x)Cl5
# (Ogbolu et al., ACS Materials Lett. 2025, 7, 4029; DOI 10.1021/acsmaterialslett.5c01054).
# Run it with:  anionscreen screen THIS_FILE.toml   (or plain `anionscreen screen`).

name = "ltsoc-neighbourhood"          # letters, digits, . _ - ; part of the run folder name
description = "Li-M-(S,O)-X5 triple-anion series around Li2TaS(1-x)O(x)Cl5, plus Li3M(Cl,Br)6"
# descriptor_preset = "composition"  # optional: insist the models use this descriptor preset

# Search spaces (the generators' format). Li count solved from charge neutrality.
[[space]]
name = "Li-M-(S,O)-X5"
template = "Li{n} {M} S{1-x} O{x} {X}5"
M = ["Ta", "Nb", "Zr", "Hf", "W", "Mo", "Sb", "Ti", "Sn", "Bi"]
X = ["Cl", "Br", "I"]
x = { start = 0.0, stop = 1.0, step = 0.1 }   # S/O ratio on a 0.1 grid
n = "balance"

[[space]]
name = "Li3M(Cl,Br)6"
template = "Li3 {M} Cl{6-y} Br{y}"
M = ["Y", "In", "Sc", "Er", "Zr"]
y = { start = 0, stop = 6, step = 1 }

# Objectives: sigma (max, at temperature_C), modulus (min), ea (min), cost (min),
# supply_risk (min). score = sum of weight * utility / scale (1 decade of sigma = 1 point).
# With cached Materials Project data (anionscreen mp fetch ...): oxidation_limit (max),
# reduction_limit (min), stability_window (max), in V vs Li/Li+.
[[objective]]
name = "sigma"
weight = 1.0
temperature_C = 25.0

[[objective]]
name = "modulus"
weight = 0.5

[[objective]]
name = "supply_risk"
weight = 0.2

# Constraints: failing candidates stay in the table with feasible = false.
[constraints]
sigma_min_S_per_cm = 1e-6             # predicted sigma at the objective temperature
in_domain_only = false                # true: candidates far from any measurement are infeasible
# allowed_elements = ["Li", "Ta", "Nb", "S", "O", "Cl", "Br"]
forbidden_elements = []
# oxidation_limit_min_V = 4.2         # NMC811-class cathodes; needs cached Materials Project data

[ranking]
top_n = 50                            # rows of the ranked table
pareto_depth = 5                      # Pareto ranks computed exactly up to this depth

# Next experiments: upper confidence bound ("ucb") or expected improvement ("ei") on the
# score, with diversity: at most max_per_family per family and a minimum composition
# distance (total variation of element fractions) between any two picks.
[acquisition]
method = "ucb"
kappa = 1.0
batch_size = 10
pool_size = 500
max_per_family = 2
family_columns = ["space", "M", "X"]
min_distance = 0.02

[models]                               # registry versions; "current" = the current one
sigma = "current"
ea = "current"
modulus = "current"

[execution]
chunk_size = 8192                     # rows per chunk; memory is bounded by it
"""
