"""Room temperature: flag conductivities measured far from 25 C, and bring them to 25 C.

The Arrhenius form used for ionic conductors is ``sigma * T = A * exp(-Ea / (k T))`` (T in
kelvin), so with Ea known a value measured at T becomes, at T25 = 298.15 K::

    sigma(T25) = sigma(T) * (T / T25) * exp(-Ea / k * (1 / T25 - 1 / T))

"Room temperature" in the literature spans roughly 15-35 C (Liverpool: 465 of 820 rows are
in that range), so :data:`RT_TOLERANCE_C` is 10 C: values within 25 +/- 10 C are used as they
are; outside it they are corrected when Ea is known and the value is not censored, otherwise
flagged in ``note`` and left alone, so a model can decide to drop them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from anionscreen.datasets.errors import AnionscreenError

BOLTZMANN_EV_PER_K = 8.617333262e-5  # CODATA 2018
KELVIN_OFFSET = 273.15
ROOM_TEMPERATURE_C = 25.0
RT_TOLERANCE_C = 10.0
#: Temperatures (C) a conductivity is plausibly measured or predicted at: from liquid-nitrogen
#: cooling to above the melts of these materials. Outside it a value is a typo (1e9) or a
#: kelvin value in a C column; -273 C is absolute zero, where no ion moves.
TEMPERATURE_RANGE_C = (-200.0, 1500.0)


def check_temperature(value: float, what: str) -> float:
    """``value`` if it is a plausible temperature in C (:data:`TEMPERATURE_RANGE_C`), else raise.

    Examples
    --------
    >>> check_temperature(60.0, "--temperature")
    60.0
    """
    low, high = TEMPERATURE_RANGE_C
    if not low <= value <= high:
        raise AnionscreenError(
            f"{what} must be a temperature in C in [{low:g}, {high:g}] (the plausible range of "
            f"a conductivity measurement); got {value:g} C"
        )
    return value


def to_25C(sigma_S_per_cm: float, temperature_C: float, ea_eV: float) -> float:  # noqa: N802, N803 (units in names)
    """Conductivity at 25 C from one measured at ``temperature_C`` with activation energy ``ea_eV``.

    Examples
    --------
    >>> round(to_25C(1e-3, 25.0, 0.3), 12)
    0.001
    >>> f"{to_25C(1e-2, 100.0, 0.4):.3e}"
    '5.476e-04'
    """
    t = temperature_C + KELVIN_OFFSET
    t25 = ROOM_TEMPERATURE_C + KELVIN_OFFSET
    if not (sigma_S_per_cm > 0 and t > 0 and ea_eV >= 0):
        raise AnionscreenError(
            "to_25C needs sigma > 0 S/cm, a temperature above -273.15 C and Ea >= 0 eV; got "
            f"sigma={sigma_S_per_cm!r}, temperature_C={temperature_C!r}, ea_eV={ea_eV!r}"
        )
    return sigma_S_per_cm * (t / t25) * math.exp(-ea_eV / BOLTZMANN_EV_PER_K * (1 / t25 - 1 / t))


def far_from_room_temperature(
    temperatures_C: pd.Series,  # noqa: N803 (unit in the name)
    tolerance: float = RT_TOLERANCE_C,
) -> np.ndarray:
    """Boolean mask of temperatures (C) more than ``tolerance`` C from 25 C (NaN is not far)."""
    t = temperatures_C.to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.abs(t - ROOM_TEMPERATURE_C) > tolerance)


def bring_to_room_temperature(df: pd.DataFrame, tolerance: float = RT_TOLERANCE_C) -> pd.DataFrame:
    """Correct or flag conductivities measured far from 25 C (a copy; the input is unchanged).

    Rows with a conductivity measured more than ``tolerance`` C from 25 C are, when Ea is known
    and the value is not censored, brought to 25 C with :func:`to_25C`: ``sigma_S_per_cm``
    becomes the 25 C value, ``temperature_C`` becomes 25 and ``note`` records the original
    value and temperature. Otherwise only ``note`` says that the value is far from 25 C.
    """
    out = df.copy()
    sigma = out["sigma_S_per_cm"].to_numpy(dtype=np.float64, copy=True)
    temperature = out["temperature_C"].to_numpy(dtype=np.float64, copy=True)
    ea = out["ea_eV"].to_numpy(dtype=np.float64)
    censored = out["sigma_censored"].astype(str).to_numpy()
    notes = out["note"].astype(str).to_numpy(dtype=object, copy=True)
    far = far_from_room_temperature(out["temperature_C"], tolerance) & ~np.isnan(sigma)
    for i in np.flatnonzero(far):
        t, measured = float(temperature[i]), float(sigma[i])
        if math.isfinite(ea[i]) and not censored[i]:
            sigma[i] = to_25C(measured, t, float(ea[i]))
            temperature[i] = ROOM_TEMPERATURE_C
            extra = (
                f"sigma brought to 25 C by Arrhenius (Ea {ea[i]:g} eV) "
                f"from {measured:.4g} S/cm at {t:g} C"
            )
        else:
            why = "censored" if censored[i] else "no Ea"
            extra = f"measured at {t:g} C, far from 25 C; not corrected ({why})"
        if extra not in notes[i]:  # idempotent: a second pass adds nothing
            notes[i] = f"{notes[i]}; {extra}" if notes[i] else extra
    out["sigma_S_per_cm"] = sigma
    out["temperature_C"] = temperature
    out["note"] = notes
    return out
