"""Conductivity at any temperature from sigma(25 C) and Ea, with intervals.

The Arrhenius form used for ionic conductors is ``sigma * T = A * exp(-Ea / (k_B T))``, so

``log10 sigma(T) = log10 sigma(T0) + log10(T0 / T) - Ea / (k_B ln 10) * (1/T - 1/T0)``.

Intervals propagate by interval arithmetic: the bounds at ``T`` are the extremes of the
formula over the rectangle ``[log10 sigma_lo, log10 sigma_hi] x [Ea_lo, Ea_hi]``. When both
input intervals cover their true values the output covers too, so a pair of 90 % intervals
gives at least 80 % joint coverage (union bound), and typically close to 90 %.
"""

from __future__ import annotations

import numpy as np

from anionscreen.datasets.errors import AnionscreenError

BOLTZMANN_EV_PER_K = 8.617333262e-5
KELVIN_OFFSET = 273.15
REFERENCE_C = 25.0
#: Temperatures (C) at which sigma is taken from sigma(25 C) and Ea: the measurements behind
#: the Ea models lie within it, and far outside it the extrapolation means nothing.
TEMPERATURE_RANGE_C = (-100.0, 500.0)


def _kelvin(temperature_c: float | np.ndarray) -> np.ndarray:
    t = np.asarray(temperature_c, dtype=np.float64) + KELVIN_OFFSET
    if np.any(t <= 0) or not np.isfinite(t).all():
        raise AnionscreenError(
            f"temperature must be above absolute zero (-273.15 C); got {temperature_c!r} C"
        )
    return t


def arrhenius_slope(
    temperature_c: float | np.ndarray, reference_c: float = REFERENCE_C
) -> np.ndarray:
    """``d log10 sigma(T) / d Ea`` in 1/eV: ``-(1/T - 1/T0) / (k_B ln 10)``."""
    t = _kelvin(temperature_c)
    t0 = _kelvin(reference_c)
    return -(1.0 / t - 1.0 / t0) / (BOLTZMANN_EV_PER_K * np.log(10.0))  # type: ignore[no-any-return]


def shift_log10_sigma(
    log10_sigma: np.ndarray | float,
    ea_ev: np.ndarray | float,
    from_c: np.ndarray | float,
    to_c: np.ndarray | float = REFERENCE_C,
) -> np.ndarray:
    """log10 conductivity at ``to_c`` from its value at ``from_c`` (degrees Celsius) and Ea (eV).

    Examples
    --------
    >>> round(float(shift_log10_sigma(-3.0, 0.3, 25.0, 25.0)), 12)
    -3.0
    """
    t_from = _kelvin(from_c)
    t_to = _kelvin(to_c)
    ea = np.asarray(ea_ev, dtype=np.float64)
    slope = -(1.0 / t_to - 1.0 / t_from) / (BOLTZMANN_EV_PER_K * np.log(10.0))
    return np.asarray(log10_sigma, dtype=np.float64) + np.log10(t_from / t_to) + ea * slope  # type: ignore[no-any-return]


def log10_sigma_interval_at(
    temperature_c: float,
    log10_sigma: np.ndarray,
    log10_sigma_lo: np.ndarray,
    log10_sigma_hi: np.ndarray,
    ea: np.ndarray,
    ea_lo: np.ndarray,
    ea_hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point value and interval of log10 sigma at ``temperature_c`` (interval arithmetic).

    Returns
    -------
    (value, lo, hi) : tuple of ndarray
    """
    offset = float(np.log10(_kelvin(REFERENCE_C) / _kelvin(temperature_c)))
    slope = float(arrhenius_slope(temperature_c))
    value = np.asarray(log10_sigma) + offset + slope * np.asarray(ea)
    # slope > 0 above 25 C: a larger Ea gives a larger sigma(T); below 25 C the reverse.
    ea_for_lo, ea_for_hi = (ea_lo, ea_hi) if slope >= 0 else (ea_hi, ea_lo)
    lo = np.asarray(log10_sigma_lo) + offset + slope * np.asarray(ea_for_lo)
    hi = np.asarray(log10_sigma_hi) + offset + slope * np.asarray(ea_for_hi)
    return value, lo, hi
