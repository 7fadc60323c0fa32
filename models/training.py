"""Fit one target: compare model families under grouped CV, calibrate intervals, fit the final model.

Everything reported comes from the same grouped folds: the candidate families, the
mean-predictor and Magpie random-forest baselines, the out-of-fold distances that drive the
interval widths, and the interval coverage (cross-conformal: each fold's intervals are
calibrated on the other folds only, so the coverage reported is not the calibration itself).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

import numpy as np
import pandas as pd

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.models.conformal import NormalizedConformal, cross_conformal_coverage
from anionscreen.models.domain import ApplicabilityDomain
from anionscreen.models.estimators import COMPOSITE_FAMILIES, MODEL_FAMILIES, make_model, serial
from anionscreen.models.known import KnownCompounds
from anionscreen.models.measured import MeasuredModulusMap
from anionscreen.models.target_model import TargetModel
from anionscreen.models.threads import one_thread
from anionscreen.models.validation import (
    DEFAULT_GROUPING,
    choose_family,
    make_folds,
    make_groups,
    out_of_fold,
    out_of_fold_distances,
    regression_metrics,
)

COVERAGE_LEVELS: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
#: Families whose fitting uses one thread (histogram boosting under the one-thread OpenMP
#: limit below); their folds are fitted on FOLD_THREADS threads instead. Forests parallelise
#: over trees themselves (``n_jobs``).
SINGLE_THREADED_FAMILIES = frozenset({"hgb"})
FOLD_THREADS = 2
MIN_TRAINING_ROWS = 4
P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class TrainingResult:
    """A fitted target model and how it validated.

    Attributes
    ----------
    model : TargetModel
    chosen_family : str
    metrics : dict
        ``{name: {"n", "mae", "rmse", "spearman", ...}}`` for every family tried and every
        baseline; the chosen model's entry also has ``coverage`` and ``mean_halfwidth`` at
        the requested level.
    out_of_fold : DataFrame
        ``formula, y, pred, lo, hi, distance, fold`` of the chosen family (for plots), and
        ``fitted``: the final model's in-sample prediction of each row.
    coverage_curve : DataFrame
        ``level, coverage, mean_halfwidth`` (cross-conformal).
    info : dict
        Sizes and settings (rows, groups, folds, grouping).
    """

    model: TargetModel
    chosen_family: str
    metrics: dict[str, dict[str, float]]
    out_of_fold: pd.DataFrame
    coverage_curve: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)


def _single_threaded_pools(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` with BLAS/OpenMP pools limited to one thread.

    The parallelism is the forests' own (``n_jobs``); nested thread pools on the shared
    2-core machine made k-means and the distance products tens of times slower when other
    work competed for the cores.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with one_thread():
            return func(*args, **kwargs)

    return wrapper


@_single_threaded_pools
def fit_target(
    target: str,
    formulas: np.ndarray,
    y: np.ndarray,
    features: np.ndarray,
    *,
    fractions: np.ndarray,
    preset: str,
    families: np.ndarray | None = None,
    baseline_features: np.ndarray | None = None,
    calibration: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    model_families: tuple[str, ...] = MODEL_FAMILIES,
    grouping: str = DEFAULT_GROUPING,
    n_splits: int = 5,
    level: float = 0.9,
    random_state: int = 0,
    n_jobs: int | None = None,
    label_floor: float | None = None,
    sources: np.ndarray | None = None,
    known: KnownCompounds | None = None,
) -> TrainingResult:
    """Validate, choose and fit the model of one target on a descriptor matrix.

    Parameters
    ----------
    target : str
        ``sigma``, ``ea`` or ``modulus``.
    formulas, y : ndarray of shape (n,)
        Training formulas (unique) and labels.
    features : ndarray of shape (n, p)
        Descriptors of ``preset`` (NaN allowed; imputed inside the models).
    fractions : ndarray of shape (n, 118)
        Element fractions, for the composition-cluster and chemical-system groupings, the
        domain's chemistry rule and the known-compound lookup.
    preset : str
        Name of the descriptor preset behind ``features`` (stored with the model).
    families : ndarray of shape (n,), optional
        Family labels, for ``grouping="family"``.
    baseline_features : ndarray, optional
        Magpie descriptors for the Magpie random-forest baseline (skipped when absent).
    calibration : (features, labels, amorphous), optional
        Measured moduli for the map from this model's output to measured values
        (:class:`~anionscreen.models.measured.MeasuredModulusMap`).
    model_families : tuple of str
        Families compared (at least one).
    label_floor : float, optional
        Labels below it are raised to it for *fitting* (sigma: 1e-12 S/cm, below which values
        are mostly Arrhenius extrapolations over many decades, not measurements); every
        metric and interval is computed against the labels as measured.
    sources : ndarray of shape (n,), optional
        Where each training label was measured, reported for a candidate that is a training
        composition.
    known : KnownCompounds, optional
        The measured compositions to report instead of the training rows (the modulus model
        trains on DFT values but knows the measured moduli of its calibration rows).
    """
    formulas = np.asarray(formulas, dtype=object)
    y = np.asarray(y, dtype=np.float64)
    n = y.size
    if n < MIN_TRAINING_ROWS:
        raise AnionscreenError(
            f"cannot train the {target} model: {n} usable training row(s); "
            f"at least {MIN_TRAINING_ROWS} are needed"
        )
    if not model_families:
        raise AnionscreenError("at least one model family must be compared; got none")
    fit_y = y if label_floor is None else np.maximum(y, label_floor)
    groups = make_groups(grouping, fractions, families, random_state=random_state)
    grouping_used = grouping
    if np.unique(groups).size < 2 and grouping != "cluster":
        # One chemical system (or family) only: composition clusters still hold out whole
        # regions of it. Recorded in the validation info, not silent.
        grouping_used = f"cluster (fallback: {grouping} gave 1 group)"
        groups = make_groups("cluster", fractions, families, random_state=random_state)
    folds = make_folds(groups, n_splits)

    def fit_final(family: str) -> Any:
        model = make_model(family, random_state=random_state, n_jobs=n_jobs)
        return serial(model.fit(features, fit_y))

    with ThreadPoolExecutor(max_workers=1) as pool:
        # With one family the final model is known before validation: it is fitted on a
        # thread of its own meanwhile (the cores are otherwise idle while single-threaded
        # boosting folds run). The result is the same either way.
        early = pool.submit(fit_final, model_families[0]) if len(model_families) == 1 else None
        oof_by_family = _family_out_of_fold(
            model_families, features, fit_y, folds, random_state=random_state, n_jobs=n_jobs
        )
        final_fitted = early.result() if early is not None else None
    metrics: dict[str, dict[str, float]] = {
        fam: regression_metrics(y, oof_by_family[fam]) for fam in model_families
    }
    metrics["mean"] = regression_metrics(y, out_of_fold(make_model("mean"), features, y, folds))
    if baseline_features is not None:
        base = make_model("magpie_rf", random_state=random_state, n_jobs=n_jobs)
        metrics["magpie_rf"] = regression_metrics(y, out_of_fold(base, baseline_features, y, folds))
    chosen = choose_family(tuple(model_families), y, oof_by_family)
    oof = oof_by_family[chosen]

    final = final_fitted if final_fitted is not None else fit_final(chosen)
    imputed = final.named_steps["impute"].transform(features)
    # Distances with the row's own fold held out, in the space of the final imputer: what a
    # candidate unlike the training data looks like to the interval.
    oof_distance = out_of_fold_distances(imputed, formulas, folds)
    conformal = NormalizedConformal().fit(y - oof, oof_distance, y)
    coverage, width = cross_conformal_coverage(y - oof, oof_distance, folds, COVERAGE_LEVELS, y)
    level_cov, level_width = cross_conformal_coverage(y - oof, oof_distance, folds, [level], y)
    metrics[chosen]["coverage"] = float(level_cov[0])
    metrics[chosen]["mean_halfwidth"] = float(level_width[0])

    domain = ApplicabilityDomain().fit(imputed, formulas, fractions)
    observed = ~np.isnan(features).any(axis=0)
    measured = None
    if calibration is not None and len(calibration[1]) >= 2:
        cal_x, cal_y, cal_amorphous = calibration
        measured = MeasuredModulusMap().fit(final.predict(cal_x), cal_amorphous, cal_y)
    if known is None:
        known = KnownCompounds(
            fractions, y, formulas if sources is None else np.asarray(sources, dtype=object)
        )
    model = TargetModel(
        target=target,
        preset=preset,
        family=chosen,
        model=final,
        domain=domain,
        conformal=conformal,
        measured=measured,
        observed_columns=observed,
        known=known,
    )
    half = conformal.halfwidth(oof_distance, level)
    oof_table = pd.DataFrame(
        {
            "formula": formulas,
            "y": y,
            "pred": oof,
            "lo": oof - half,
            "hi": oof + half,
            "distance": oof_distance,
            "fold": folds,
            "fitted": model.predict_features(features, level).value,
        }
    )
    curve = pd.DataFrame(
        {"level": list(COVERAGE_LEVELS), "coverage": coverage, "mean_halfwidth": width}
    )
    info = {
        "rows": n,
        "groups": int(np.unique(groups).size),
        "folds": int(np.unique(folds).size),
        "grouping": grouping_used,
        "level": level,
        "families_compared": list(model_families),
        "label_floor": label_floor,
        "labels_raised_to_floor": int((fit_y > y).sum()),
        "measured_rows": 0 if measured is None else measured.rows_,
        "measured_map": None if measured is None else measured.form_,
        "measured_loo_mae": None
        if measured is None
        else float(np.mean(np.abs(measured.loo_residuals_))),
        "measured_halfwidth": None if measured is None else measured.halfwidth(level),
        "domain_threshold": domain.threshold_,
        "domain_observed_columns": int(observed.sum()),
    }
    return TrainingResult(model, chosen, metrics, oof_table, curve, info)


def _family_out_of_fold(
    model_families: tuple[str, ...],
    features: np.ndarray,
    y: np.ndarray,
    folds: np.ndarray,
    *,
    random_state: int,
    n_jobs: int | None,
) -> dict[str, np.ndarray]:
    """Out-of-fold predictions of each family; an average family reuses its members' folds.

    ``et+hgb`` is scikit-learn's ``VotingRegressor`` of ``et`` and ``hgb``: on each fold it fits
    clones of both on the same rows and averages them, which is exactly the mean of the two
    families' own out-of-fold predictions, so it costs no extra fit.
    """
    wanted = dict.fromkeys(
        member for fam in model_families for member in COMPOSITE_FAMILIES.get(fam, (fam,))
    )
    oof = {
        fam: out_of_fold(
            make_model(fam, random_state=random_state, n_jobs=n_jobs),
            features,
            y,
            folds,
            n_jobs=FOLD_THREADS if fam in SINGLE_THREADED_FAMILIES else 1,
        )
        for fam in wanted
    }
    for fam in model_families:
        if fam in COMPOSITE_FAMILIES:
            oof[fam] = np.mean([oof[m] for m in COMPOSITE_FAMILIES[fam]], axis=0)
    return oof
