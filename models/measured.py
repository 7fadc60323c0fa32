"""From the DFT stiffness of a crystal to the modulus a researcher measures on the electrolyte.

The modulus model learns Young's modulus from DFT elastic data (thousands of crystals), but a
battery researcher measures pellets, glasses and films by nanoindentation, ultrasound or DMA:
amorphous chlorides at 1.5-3.6 GPa and the Li2TaS(1-x)O(x)Cl5 glasses at 7-8 GPa, where a DFT-trained
model predicts 30-40 GPa. :class:`MeasuredModulusMap` learns the map from the DFT model's
output ``z`` (log10 GPa) and the state of the material (amorphous or crystalline) to measured
moduli ``y`` (log10 GPa), from the measured rows of the compilation and the user's log:

* ``y = c0 + c1 * z + c2 * amorphous`` by least squares when there are at least
  :data:`MIN_ROWS_FULL` measured rows of both states;
* ``y = c0 + z + c2 * amorphous`` (a shift per state) with fewer rows but both states;
* ``y = c0 + z`` (one shift) otherwise.

Its interval half-width is the conformal quantile of the leave-one-out residuals of that fit
(each measured row predicted by the map fitted without it), so the interval is calibrated on
held-out measured rows, not on DFT data. With few rows the quantile is their largest residual
(documented, not hidden: the model card gives the row count and the leave-one-out metrics).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from anionscreen.datasets.errors import AnionscreenError

MIN_ROWS_FULL = 8
MIN_ROWS_STATE = 4


@dataclass(frozen=True)
class LeaveOneOut:
    """Leave-one-out predictions of the measured rows (log10 GPa) and the half-width."""

    pred: np.ndarray
    halfwidth: float


def _design(z: np.ndarray, amorphous: np.ndarray, form: str) -> np.ndarray:
    ones = np.ones_like(z)
    if form == "full":
        return np.column_stack([ones, z, amorphous])
    if form == "state":
        return np.column_stack([ones, amorphous])
    return ones[:, None]


def _form(amorphous: np.ndarray) -> str:
    both = 0 < amorphous.sum() < amorphous.size
    if both and amorphous.size >= MIN_ROWS_FULL:
        return "full"
    if both and amorphous.size >= MIN_ROWS_STATE:
        return "state"
    return "shift"


def _solve(z: np.ndarray, amorphous: np.ndarray, y: np.ndarray, form: str) -> np.ndarray:
    # "state" and "shift" keep slope 1: they fit y - z.
    target = y if form == "full" else y - z
    coef, *_ = np.linalg.lstsq(_design(z, amorphous, form), target, rcond=None)
    return np.asarray(coef, dtype=np.float64)


def _apply(coef: np.ndarray, z: np.ndarray, amorphous: np.ndarray, form: str) -> np.ndarray:
    out = _design(z, amorphous, form) @ coef
    return np.asarray(out if form == "full" else out + z, dtype=np.float64)


def _quantile(residuals: np.ndarray, level: float) -> float:
    r = np.sort(np.abs(residuals))
    k = math.ceil((r.size + 1) * level)
    return float(r[min(k, r.size) - 1])


class MeasuredModulusMap:
    """Map from DFT-model output and material state to measured moduli (see module doc).

    Attributes (after :meth:`fit`)
    ------------------------------
    form_ : str
        ``"full"``, ``"state"`` or ``"shift"``.
    coef_ : ndarray
        Coefficients of that form.
    loo_residuals_ : ndarray
        Leave-one-out residuals of the measured rows (log10 GPa).
    rows_ : int
        Measured rows it was fitted on.
    """

    def fit(self, z: np.ndarray, amorphous: np.ndarray, y: np.ndarray) -> MeasuredModulusMap:
        """Fit on measured rows: DFT-model output ``z``, state flags and measured ``y``."""
        z = np.asarray(z, dtype=np.float64)
        a = np.asarray(amorphous, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if not (z.shape == a.shape == y.shape) or z.ndim != 1 or z.size < 2:
            raise AnionscreenError(
                f"the measured-modulus map needs at least 2 measured rows; got {z.size}"
            )
        self.form_ = _form(a)
        self.coef_ = _solve(z, a, y, self.form_)
        self.loo_residuals_ = y - self.leave_one_out(z, a, y).pred
        self.rows_ = int(z.size)
        return self

    def leave_one_out(self, z: np.ndarray, amorphous: np.ndarray, y: np.ndarray) -> LeaveOneOut:
        """Each row predicted by the map fitted without it (same form as the whole fit)."""
        pred = np.empty_like(y)
        for i in range(y.size):
            keep = np.arange(y.size) != i
            coef = _solve(z[keep], amorphous[keep], y[keep], self.form_)
            pred[i] = _apply(coef, z[i : i + 1], amorphous[i : i + 1], self.form_)[0]
        return LeaveOneOut(pred=pred, halfwidth=_quantile(y - pred, 0.9))

    def predict(self, z: np.ndarray, amorphous: np.ndarray | bool) -> np.ndarray:
        """Measured-equivalent log10 modulus for DFT-model outputs ``z``."""
        z = np.asarray(z, dtype=np.float64)
        a = np.broadcast_to(np.asarray(amorphous, dtype=np.float64), z.shape)
        return _apply(self.coef_, z, a, self.form_)

    def halfwidth(self, level: float = 0.9) -> float:
        """Interval half-width at ``level``: conformal quantile of the leave-one-out residuals."""
        return _quantile(self.loo_residuals_, level)
