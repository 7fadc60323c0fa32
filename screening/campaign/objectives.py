"""Objectives a campaign can rank by, in one registry.

Each objective turns columns of the scored table into a value in natural units (decades of
conductivity, decades of modulus, ...) and, where the model gives an interval, a standard
deviation. Ranking works on *utilities*: the value with its sign flipped for objectives that
are minimised, so that larger is always better. A package that adds per-chunk columns (for
example a stability window from the Materials Project) adds its objective with
:func:`register_objective`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from anionscreen.datasets.errors import ConfigError
from anionscreen.models.arrhenius import log10_sigma_interval_at

#: Standard normal quantile of a central 90 % interval: half-width / Z90 = standard deviation.
Z90 = 1.6448536269514722

ValueFunction = Callable[[pd.DataFrame, float], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class ObjectiveDef:
    """One objective.

    Attributes
    ----------
    name : str
        Name used in campaign files (``[[objective]] name = ...``).
    goal : {"max", "min"}
        Whether larger or smaller values are better.
    unit : str
        Unit of the value (``log10(S/cm)``, ...).
    scale : float
        One point of score is a change of ``scale`` in the value (e.g. 1 decade).
    requires : tuple of str
        Columns of the scored table the value is computed from.
    value : callable
        ``value(table, temperature_C) -> (values, std)``; ``std`` is 0 where no interval exists.
    description : str
        One line for ``--example`` and the docs.
    """

    name: str
    goal: Literal["max", "min"]
    unit: str
    scale: float
    requires: tuple[str, ...]
    value: ValueFunction
    description: str

    @property
    def sign(self) -> float:
        """+1 for maximised objectives, -1 for minimised ones."""
        return 1.0 if self.goal == "max" else -1.0


def _std_from_interval(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.asarray((hi - lo) / (2.0 * Z90), dtype=np.float64)


def log10_sigma_at(table: pd.DataFrame, temperature_c: float) -> tuple[np.ndarray, np.ndarray]:
    """log10 conductivity (S/cm) at ``temperature_c`` with its 90 % interval bounds.

    At 25 C this is the model's prediction. Elsewhere it follows the Arrhenius relation
    ``sigma T = A exp(-Ea / kT)`` from sigma(25 C) and Ea (:mod:`anionscreen.models.arrhenius`).
    The interval takes the bound of Ea
    that widens it (above 25 C a larger Ea raises sigma(T), below 25 C it lowers it).

    Returns
    -------
    mean : ndarray of shape (n,)
    bounds : ndarray of shape (2, n)
        Lower and upper 90 % bounds.
    """
    mean = table["log10_sigma_S_per_cm"].to_numpy(np.float64)
    lo = table["log10_sigma_S_per_cm_lo"].to_numpy(np.float64)
    hi = table["log10_sigma_S_per_cm_hi"].to_numpy(np.float64)
    if temperature_c == 25.0:
        return mean, np.stack([lo, hi])
    value, lo_t, hi_t = log10_sigma_interval_at(
        temperature_c,
        mean,
        lo,
        hi,
        table["ea_eV"].to_numpy(np.float64),
        table["ea_eV_lo"].to_numpy(np.float64),
        table["ea_eV_hi"].to_numpy(np.float64),
    )
    return np.asarray(value), np.stack([lo_t, hi_t])


def _sigma(table: pd.DataFrame, temperature_c: float) -> tuple[np.ndarray, np.ndarray]:
    mean, bounds = log10_sigma_at(table, temperature_c)
    return mean, _std_from_interval(bounds[0], bounds[1])


def _modulus(table: pd.DataFrame, temperature_c: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.log10(table["modulus_GPa"].to_numpy(np.float64))
        lo = np.log10(table["modulus_GPa_lo"].to_numpy(np.float64))
        hi = np.log10(table["modulus_GPa_hi"].to_numpy(np.float64))
    return value, _std_from_interval(lo, hi)


def _ea(table: pd.DataFrame, temperature_c: float) -> tuple[np.ndarray, np.ndarray]:
    value = table["ea_eV"].to_numpy(np.float64)
    std = _std_from_interval(
        table["ea_eV_lo"].to_numpy(np.float64), table["ea_eV_hi"].to_numpy(np.float64)
    )
    return value, std


def _column(name: str, log10: bool) -> ValueFunction:
    def value(table: pd.DataFrame, temperature_c: float) -> tuple[np.ndarray, np.ndarray]:
        raw = table[name].to_numpy(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log10(raw) if log10 else raw
        return out, np.zeros_like(out)

    return value


def _window_width(table: pd.DataFrame, temperature_c: float) -> tuple[np.ndarray, np.ndarray]:
    width = table["oxidation_limit_V"].to_numpy(np.float64) - table["reduction_limit_V"].to_numpy(
        np.float64
    )
    return width, np.zeros_like(width)


_REGISTRY: dict[str, ObjectiveDef] = {}


def register_objective(objective: ObjectiveDef) -> None:
    """Add an objective (an extension point for packages that add per-chunk columns)."""
    _REGISTRY[objective.name] = objective


def objective_names() -> tuple[str, ...]:
    """Names of every registered objective, sorted."""
    return tuple(sorted(_REGISTRY))


def get_objective(name: str) -> ObjectiveDef:
    """The objective called ``name``; :class:`ConfigError` naming the choices otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"unknown objective {name!r}; expected one of {', '.join(objective_names())}"
        ) from None


for _objective in (
    ObjectiveDef(
        name="sigma",
        goal="max",
        unit="log10(S/cm)",
        scale=1.0,
        requires=("log10_sigma_S_per_cm", "log10_sigma_S_per_cm_lo", "log10_sigma_S_per_cm_hi"),
        value=_sigma,
        description="maximise ionic conductivity at temperature_C (default 25), per decade",
    ),
    ObjectiveDef(
        name="modulus",
        goal="min",
        unit="log10(GPa)",
        scale=1.0,
        requires=("modulus_GPa", "modulus_GPa_lo", "modulus_GPa_hi"),
        value=_modulus,
        description="minimise elastic modulus (softer pellets densify by cold pressing), per decade",
    ),
    ObjectiveDef(
        name="ea",
        goal="min",
        unit="eV",
        scale=0.1,
        requires=("ea_eV", "ea_eV_lo", "ea_eV_hi"),
        value=_ea,
        description="minimise activation energy, per 0.1 eV",
    ),
    ObjectiveDef(
        name="cost",
        goal="min",
        unit="log10(USD/kg)",
        scale=1.0,
        requires=("cost_USD_per_kg",),
        value=_column("cost_USD_per_kg", log10=True),
        description="minimise raw-material cost of the elements, per decade",
    ),
    # Electrochemical stability window (V vs Li/Li+) from the Materials Project cache; the
    # columns come from anionscreen.screening.run.mp_data's provider (anionscreen mp fetch).
    ObjectiveDef(
        name="oxidation_limit",
        goal="max",
        unit="V vs Li/Li+",
        scale=0.5,
        requires=("oxidation_limit_V",),
        value=_column("oxidation_limit_V", log10=False),
        description="maximise the oxidation limit of the stability window (cached MP data), "
        "per 0.5 V",
    ),
    ObjectiveDef(
        name="reduction_limit",
        goal="min",
        unit="V vs Li/Li+",
        scale=0.5,
        requires=("reduction_limit_V",),
        value=_column("reduction_limit_V", log10=False),
        description="minimise the reduction limit of the stability window (cached MP data), "
        "per 0.5 V",
    ),
    ObjectiveDef(
        name="stability_window",
        goal="max",
        unit="V",
        scale=0.5,
        requires=("oxidation_limit_V", "reduction_limit_V"),
        value=_window_width,
        description="maximise the width of the stability window (cached MP data), per 0.5 V",
    ),
    ObjectiveDef(
        name="supply_risk",
        goal="min",
        unit="HHI",
        scale=1000.0,
        requires=("hhi_production",),
        value=_column("hhi_production", log10=False),
        description="minimise supply risk (production Herfindahl-Hirschman index), per 1000",
    ),
):
    register_objective(_objective)
