"""Locally adaptive (normalised) split-conformal intervals.

A model's grouped out-of-fold residuals ``r`` are divided by a difficulty scale
``s(d) = c0 + c1 * d``, where ``d`` is the out-of-fold distance of the composition to its
nearest training composition (see :mod:`anionscreen.models.domain`) and ``c0, c1 >= 0`` are a
non-negative least-squares fit of ``|r|`` on ``d``. The interval at level ``1 - alpha`` is
``prediction +/- q * s(d)`` with ``q`` the finite-sample conformal quantile of ``|r| / s``.

Far outside the calibration range the linear scale would extrapolate without bound (the
halide hold-out sits at 2-3x the largest calibration distance, and uncapped 90 % intervals
there spanned +/-7 decades). So the half-width is capped at the conformal quantile of
``|y - mean(y)|`` over the training labels: the interval a know-nothing mean predictor would
need. Beyond the data the model claims no more than that, and no less.

Because the residuals come from *grouped* cross-validation (whole families or composition
clusters held out), they include the errors a model makes on chemistry it has not seen, and
because the scale grows with the distance to known data, intervals widen for candidates far
from anything measured. References: Papadopoulos et al., J. Artif. Intell. Res. 40 (2011) 815
(normalised nonconformity); Lei et al., JASA 113 (2018) 1094 (split conformal).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import nnls

from anionscreen.datasets.errors import AnionscreenError

# The intercept of the scale is kept at least this share of the mean absolute residual, so a
# composition that coincides with a training one still gets an interval of non-zero width.
_MIN_INTERCEPT_SHARE = 0.1


def _check_level(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise AnionscreenError(f"interval level must be in (0, 1), e.g. 0.9; got {level}")
    return float(level)


class NormalizedConformal:
    """Distance-normalised conformal interval calibrated on out-of-fold residuals.

    Attributes (after :meth:`fit`)
    ------------------------------
    coef_ : ndarray of shape (2,)
        ``(c0, c1)`` of the scale ``s(d) = c0 + c1 * d``.
    scores_ : ndarray
        Sorted nonconformity scores ``|r| / s(d)`` of the calibration rows.
    """

    def fit(
        self,
        residuals: np.ndarray,
        distances: np.ndarray,
        labels: np.ndarray | None = None,
    ) -> NormalizedConformal:
        """Calibrate from out-of-fold residuals and out-of-fold nearest-training distances.

        ``labels`` (the training labels) set the cap of the half-width; without them the
        half-width is not capped.
        """
        r = np.abs(np.asarray(residuals, dtype=np.float64))
        d = np.asarray(distances, dtype=np.float64)
        if r.shape != d.shape or r.ndim != 1:
            raise AnionscreenError(
                f"residuals and distances must be 1-D of equal length; got {r.shape} and {d.shape}"
            )
        if r.size < 2 or not (np.isfinite(r).all() and np.isfinite(d).all()):
            raise AnionscreenError(
                f"conformal calibration needs at least 2 finite residuals; got {r.size}"
            )
        design = np.column_stack([np.ones_like(d), d])
        coef, _ = nnls(design, r)
        floor = _MIN_INTERCEPT_SHARE * max(float(r.mean()), 1e-6)
        coef[0] = max(float(coef[0]), floor)
        self.coef_ = coef
        self.scores_ = np.sort(r / self.scale(d))
        self.label_scores_: np.ndarray | None = None
        if labels is not None:
            y = np.asarray(labels, dtype=np.float64)
            self.label_scores_ = np.sort(np.abs(y - y.mean()))
        return self

    def scale(self, distances: np.ndarray) -> np.ndarray:
        """Difficulty scale ``s(d)`` for distances ``d``."""
        return self.coef_[0] + self.coef_[1] * np.asarray(distances, dtype=np.float64)  # type: ignore[no-any-return]

    def quantile(self, level: float = 0.9) -> float:
        """Finite-sample conformal quantile of the scores at ``level``.

        With fewer than ``1 / (1 - level)`` calibration rows no finite quantile guarantees the
        level; the largest score seen is returned then (documented, not silent: the model
        card reports the calibration size).
        """
        return _conformal_quantile(self.scores_, _check_level(level))

    def cap(self, level: float = 0.9) -> float:
        """Largest half-width: the ``level`` quantile of ``|y - mean(y)|`` (inf without labels)."""
        if self.label_scores_ is None:
            return math.inf
        return _conformal_quantile(self.label_scores_, _check_level(level))

    def halfwidth(self, distances: np.ndarray, level: float = 0.9) -> np.ndarray:
        """Half-width of the interval for each distance."""
        return np.minimum(self.quantile(level) * self.scale(distances), self.cap(level))


def _conformal_quantile(sorted_scores: np.ndarray, level: float) -> float:
    n = sorted_scores.size
    k = math.ceil((n + 1) * level)
    return float(sorted_scores[min(k, n) - 1])


def cross_conformal_coverage(
    residuals: np.ndarray,
    distances: np.ndarray,
    folds: np.ndarray,
    levels: np.ndarray | list[float] | tuple[float, ...],
    labels: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Honest coverage of conformal intervals: each fold is covered by a calibration on the others.

    Parameters
    ----------
    residuals, distances : ndarray of shape (n,)
        Out-of-fold residuals and out-of-fold nearest-training distances.
    folds : ndarray of shape (n,)
        Fold id of each row.
    labels : ndarray of shape (n,), optional
        Training labels, for the half-width cap (calibrated on the other folds too).
    levels : sequence of float
        Nominal levels.

    Returns
    -------
    coverage : ndarray of shape (len(levels),)
        Share of rows whose residual lies inside the interval calibrated without their fold.
    mean_halfwidth : ndarray of shape (len(levels),)
        Mean interval half-width at each level.
    """
    r = np.abs(np.asarray(residuals, dtype=np.float64))
    d = np.asarray(distances, dtype=np.float64)
    folds = np.asarray(folds)
    lv = [_check_level(x) for x in levels]
    covered = np.zeros(len(lv))
    width = np.zeros(len(lv))
    for fold in np.unique(folds):
        test = folds == fold
        if (~test).sum() < 2:
            continue
        cal = NormalizedConformal().fit(
            r[~test], d[~test], None if labels is None else np.asarray(labels)[~test]
        )
        for j, level in enumerate(lv):
            hw = cal.halfwidth(d[test], level)
            covered[j] += float((r[test] <= hw).sum())
            width[j] += float(hw.sum())
    return covered / r.size, width / r.size
