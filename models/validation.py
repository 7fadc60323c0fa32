"""Grouped cross-validation: folds that hold out whole chemistries, and the metrics on them.

Random K-fold over composition series leaks: ``Li6.4La3Zr1.4Ta0.6O12`` in training makes
``Li6.5La3Zr1.5Ta0.5O12`` in test easy. Folds here hold out whole groups:

``chemsys`` (default)
    the set of elements other than Li (``La-O-Ta-Zr``): a whole chemical system at a time,
    which is what a screening candidate usually is (a system with no measurement).
``cluster``
    k-means clusters of the element-fraction vectors (``k = clip(n // 15, 5, 25)``):
    compositions sharing their main elements in similar proportions fall together. Much
    harsher: on the conductivity data every model scored worse than the mean predictor
    (leave-cluster-out MAE 2.3-2.5 vs 2.0), so it cannot tell models apart, and intervals
    calibrated on it spanned +/-4.5 decades.
``family``
    the structural/chemical family label of the measurement (e.g. ``garnet``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from scipy.stats import spearmanr
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.model_selection import GroupKFold

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.descriptors.elements import element_symbols
from anionscreen.models.domain import ApplicabilityDomain
from anionscreen.models.estimators import MODEL_FAMILIES, serial

GROUPINGS: tuple[str, ...] = ("chemsys", "cluster", "family")
DEFAULT_GROUPING = "chemsys"
_LI = element_symbols().index("Li")


def make_groups(
    kind: str,
    fractions: np.ndarray,
    families: np.ndarray | None = None,
    *,
    random_state: int = 0,
) -> np.ndarray:
    """Group label per row for grouped cross-validation (see the module docstring)."""
    n = fractions.shape[0]
    if kind == "cluster":
        k = int(np.clip(n // 15, min(5, n), 25))
        if n <= k:
            return np.arange(n)
        km = KMeans(n_clusters=k, n_init=4, random_state=random_state)
        return np.asarray(km.fit_predict(fractions), dtype=np.int64)
    if kind == "chemsys":
        symbols = np.array(element_symbols(), dtype=object)
        present = fractions > 0
        present[:, _LI] = False
        return np.array(["-".join(sorted(symbols[row])) for row in present], dtype=object)
    if kind == "family":
        if families is None:
            raise AnionscreenError("grouping 'family' needs a family label per row; none given")
        labels = np.asarray(families, dtype=object)
        return np.array([str(v).strip().lower() or "unknown" for v in labels], dtype=object)
    raise AnionscreenError(f"unknown grouping {kind!r}; expected one of {GROUPINGS}")


def make_folds(groups: np.ndarray, n_splits: int = 5) -> np.ndarray:
    """Fold id (0..k-1) per row; no group is split across folds."""
    n_groups = np.unique(groups).size
    k = min(n_splits, n_groups)
    if k < 2:
        raise AnionscreenError(
            f"grouped cross-validation needs at least 2 groups; got {n_groups} "
            f"among {len(groups)} training rows"
        )
    folds = np.empty(len(groups), dtype=np.int64)
    for fold, (_, test) in enumerate(GroupKFold(n_splits=k).split(groups, groups=groups)):
        folds[test] = fold
    return folds


def out_of_fold(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    folds: np.ndarray,
    *,
    n_jobs: int = 1,
    fit_params: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Out-of-fold predictions of clones of ``model`` (each predicted serially).

    ``n_jobs > 1`` fits the folds on that many threads: for single-threaded learners such as
    histogram boosting under a one-thread OpenMP limit, whose fitting releases the GIL. The
    result does not depend on it (each fold is seeded and predicted on its own).
    ``fit_params`` are per-row arrays passed to ``fit``, each cut to the fold's training rows
    (e.g. ``{"regressor__sample_weight": w}`` for a pipeline of :func:`make_model`).
    """
    oof = np.empty(len(y), dtype=np.float64)
    params = fit_params or {}

    def one(fold: Any) -> tuple[np.ndarray, np.ndarray]:
        test = folds == fold
        train = {name: np.asarray(value)[~test] for name, value in params.items()}
        fitted = serial(clone(model).fit(x[~test], y[~test], **train))
        return test, fitted.predict(x[test])

    unique = np.unique(folds)
    if n_jobs > 1 and unique.size > 1:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            results = list(pool.map(one, unique))
    else:
        results = [one(fold) for fold in unique]
    for test, pred in results:
        oof[test] = pred
    return oof


def out_of_fold_distances(x: np.ndarray, formulas: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Distance of each row to its nearest training row when its own fold is held out."""
    dist = np.empty(x.shape[0], dtype=np.float64)
    for fold in np.unique(folds):
        test = folds == fold
        domain = ApplicabilityDomain().fit(x[~test], formulas[~test])
        dist[test] = domain.query(x[test]).distance
    return dist


def regression_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """MAE, RMSE and Spearman rank correlation (NaN when undefined)."""
    y = np.asarray(y, dtype=np.float64)
    pred = np.asarray(pred, dtype=np.float64)
    err = pred - y
    rho = float("nan")
    if y.size > 2 and np.ptp(y) > 0 and np.ptp(pred) > 0:
        rho = float(spearmanr(y, pred).statistic)
    return {
        "n": float(y.size),
        "mae": float(np.mean(np.abs(err))) if y.size else float("nan"),
        "rmse": float(np.sqrt(np.mean(err**2))) if y.size else float("nan"),
        "spearman": rho,
    }


def choose_family(families: tuple[str, ...], y: np.ndarray, oof: dict[str, np.ndarray]) -> str:
    """The family a training keeps: the cheapest of ``families`` whose grouped-CV error is
    within one standard error of the best one's (the one-standard-error rule).

    Cost is the order of :data:`~anionscreen.models.estimators.MODEL_FAMILIES` (forests,
    boosting, their average), whatever order ``families`` are given in; ``oof`` holds each
    family's out-of-fold predictions of ``y`` on the same folds. The comparison is paired,
    row by row: a family is as good as the best when its mean absolute error exceeds the
    best's by no more than the standard error of that mean difference. Among families the
    data cannot tell apart, the cheaper one predicts as well and costs less per candidate
    (families of equal MAE to three decimals used to be separated by the fourth).
    """
    cost = {family: rank for rank, family in enumerate(MODEL_FAMILIES)}
    ordered = sorted(families, key=lambda f: cost.get(f, len(cost)))
    errors = {f: np.abs(np.asarray(y, dtype=np.float64) - oof[f]) for f in ordered}
    best = errors[min(ordered, key=lambda f: float(errors[f].mean()))]

    def as_good(family: str) -> bool:
        diff = errors[family] - best
        se = float(diff.std(ddof=1) / np.sqrt(diff.size)) if diff.size > 1 else 0.0
        return float(diff.mean()) <= se

    # The best family itself always qualifies, so one is found.
    return next(f for f in ordered if as_good(f))
