"""The model families compared for every target, as scikit-learn pipelines.

Each family is a ``Pipeline`` of an explicit imputation step (descriptors are NaN where element
data is missing, and scikit-learn's NaN guard should still protect the regressor) and a
regressor. :func:`make_pipeline` puts the descriptor transformer in front, so the whole thing
takes formulas or a :class:`~anionscreen.descriptors.chunk.CompositionChunk`. Validation runs
the post-descriptor part on a feature matrix computed once, because the descriptors are
per-composition functions with nothing learned from the training labels.

Families, cheapest to predict first (compared by grouped cross-validation in ``anionscreen
evaluate``; a training keeps the first that is within one standard error of the best, see
:func:`~anionscreen.models.validation.choose_family`):

``rf``
    Random forest, 100 trees, ``min_samples_leaf=2``, a third of the features per split.
``et``
    Extremely randomised trees with the same settings: smoother in composition space.
``hgb``
    Histogram gradient boosting on the absolute error (60 stages, learning rate 0.3, at
    least 5 rows per leaf): a median-seeking learner, robust to the heavy tails of
    conductivity data (extrapolated values down to 1e-31 S/cm). 60 stages at 0.3 predict
    as well as the 200 at 0.1 used before (sigma recipe, same grouped folds: MAE +0.008
    decades, standard error 0.011) at about half the prediction time of that recipe, the
    boosting stages being most of what a campaign spends predicting (benchmarks/RESULTS.md,
    "Smaller recipes" under Models).
``et+hgb``
    The mean of ``et`` and ``hgb`` (scikit-learn's ``VotingRegressor``).

:data:`TRAINING_FAMILIES` are the families a training run compares per target by default:
the sigma recipe was chosen once by grouped CV on all conductivity data (benchmarks/RESULTS.md,
"Choosing the sigma model" under Models), so a first run does not pay for four families;
``evaluate`` and ``train --families all`` compare them all again.

Baselines computed in the same run: ``mean`` (predicts the training mean) and
``magpie_rf`` (scikit-learn's default random forest on the matminer Magpie descriptors,
the usual composition-only baseline).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import (
    ExtraTreesRegressor,
    HistGradientBoostingRegressor,
    RandomForestRegressor,
    VotingRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline

from anionscreen.datasets.errors import AnionscreenError

MODEL_FAMILIES: tuple[str, ...] = ("rf", "et", "hgb", "et+hgb")
BASELINES: tuple[str, ...] = ("mean", "magpie_rf")
#: Families a training run compares per target unless told otherwise (see the module doc).
TRAINING_FAMILIES: dict[str, tuple[str, ...]] = {
    "sigma": ("et+hgb",),
    "ea": MODEL_FAMILIES,
    "modulus": ("et",),
}
#: Averages of other families: their out-of-fold predictions are the mean of the members'.
COMPOSITE_FAMILIES: dict[str, tuple[str, ...]] = {"et+hgb": ("et", "hgb")}
DEFAULT_PRESET = "composition"
BASELINE_PRESET = "magpie"


def make_regressor(family: str, *, random_state: int = 0, n_jobs: int | None = None) -> Any:
    """A fresh, unfitted regressor of one family (see the module docstring)."""
    if family in ("rf", "et"):
        forest = RandomForestRegressor if family == "rf" else ExtraTreesRegressor
        return forest(
            n_estimators=100,
            min_samples_leaf=2,
            max_features=1 / 3,
            random_state=random_state,
            n_jobs=n_jobs,
        )
    if family == "hgb":
        return HistGradientBoostingRegressor(
            loss="absolute_error",
            max_iter=60,
            learning_rate=0.3,
            min_samples_leaf=5,
            random_state=random_state,
        )
    if family in COMPOSITE_FAMILIES:
        members = [
            (name, make_regressor(name, random_state=random_state, n_jobs=n_jobs))
            for name in COMPOSITE_FAMILIES[family]
        ]
        return VotingRegressor(members)
    if family == "mean":
        return DummyRegressor(strategy="mean")
    if family == "magpie_rf":
        return RandomForestRegressor(random_state=random_state, n_jobs=n_jobs)
    raise AnionscreenError(
        f"unknown model family {family!r}; expected one of {(*MODEL_FAMILIES, *BASELINES)}"
    )


def make_model(family: str, *, random_state: int = 0, n_jobs: int | None = None) -> Pipeline:
    """Imputation + regressor, the part of a model that works on a descriptor matrix."""
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("regressor", make_regressor(family, random_state=random_state, n_jobs=n_jobs)),
        ]
    )


def serial(model: Any) -> Any:
    """Set every ``n_jobs`` of a fitted model to 1 (in place) and return it.

    A forest predicting on several threads adds its trees' outputs in whatever order the
    threads finish, which changes the last bits of a prediction from one run to the next. A
    model predicts serially, so the same rows give the same bytes in every run and on every
    worker; parallelism comes from chunks (campaigns) and from fitting.
    """
    if hasattr(model, "get_params"):
        jobs = {k: 1 for k in model.get_params(deep=True) if k.endswith("n_jobs")}
        model.set_params(**jobs)
    # Fitted ensembles predict with their fitted clones (VotingRegressor.estimators_), which
    # set_params does not reach.
    for fitted in getattr(model, "estimators_", []):
        if hasattr(fitted, "n_jobs") and hasattr(fitted, "get_params"):
            serial(fitted)
    for _, step in getattr(model, "steps", []):
        serial(step)
    return model


def predict_fast(regressor: Any, x: np.ndarray) -> np.ndarray:
    """``regressor.predict(x)``, the same bytes, for the many rows of a campaign chunk.

    Trees and boosting stages read the rows column-major (Fortran order): every row of a
    chunk is first tested on the same few features, which are then contiguous in memory,
    where a row-major matrix costs a cache miss per row and feature (on 8,192-row chunks and
    one thread: the forests 30-50 % faster, the boosting 1.6x; benchmarks/RESULTS.md, "Ten to
    the sixth candidates"). scikit-learn's forests also send every tree through joblib with a
    configuration context, which on a chunk costs a fifth of the forest's own work; here each
    tree's compiled predictor is called directly, the trees summed in their order and divided
    by their number, as :meth:`ForestRegressor.predict` does on one thread.
    A voting ensemble averages its members' predictions the way
    :meth:`VotingRegressor.predict` does. Any other regressor predicts as itself.
    """
    if isinstance(regressor, ExtraTreesRegressor | RandomForestRegressor):
        if regressor.n_outputs_ == 1:
            # The float32 copy the forest makes before handing rows to its trees.
            rows = np.asarray(x, dtype=np.float32, order="F")
            total = np.zeros(rows.shape[0], dtype=np.float64)
            for tree in regressor.estimators_:
                total += tree.tree_.predict(rows)[:, 0]
            total /= len(regressor.estimators_)
            return total
    elif isinstance(regressor, VotingRegressor) and regressor.weights is None:
        members = np.asarray([predict_fast(m, x) for m in regressor.estimators_]).T
        return np.asarray(np.average(members, axis=1))
    elif isinstance(regressor, HistGradientBoostingRegressor):
        return np.asarray(regressor.predict(np.asarray(x, dtype=np.float64, order="F")))
    return np.asarray(regressor.predict(x))


def make_featurizer(preset: str = DEFAULT_PRESET) -> Any:
    """The composition descriptor transformer of ``preset``.

    ``"composition"`` (the models' default) is every descriptor set that needs no oxidation
    states: Magpie element properties, stoichiometry, valence orbitals, anion composition and
    resource risk (178 features at the time of writing). Measured compositions are often
    reported a little off charge balance (``Li0.34La0.56TiO3``), and the state-based sets
    refuse those; with this preset every readable training formula can be used. Any preset of
    :class:`~anionscreen.descriptors.composite.CompositionFeaturizer` (``magpie``, ``anion``,
    ``full``) is accepted too. The sets of a preset are computed in one pass over the rows.
    """
    from anionscreen.descriptors.composite import CompositionFeaturizer

    return CompositionFeaturizer(preset=preset, on_error="raise")


def make_pipeline(
    family: str,
    *,
    preset: str = DEFAULT_PRESET,
    random_state: int = 0,
    n_jobs: int | None = None,
) -> Pipeline:
    """Descriptors + imputation + regressor: a model that takes formulas or a chunk."""
    model = make_model(family, random_state=random_state, n_jobs=n_jobs)
    return Pipeline([("features", make_featurizer(preset)), *model.steps])
