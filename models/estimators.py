"""The model families compared for every target, as scikit-learn pipelines.

Each family is a ``Pipeline`` of an explicit imputation step (descriptors are NaN where element
data is missing, and scikit-learn's NaN guard should still protect the regressor) and a
regressor. :func:`make_pipeline` puts the descriptor transformer in front, so the whole thing
takes formulas or a :class:`~anionscreen.descriptors.chunk.CompositionChunk`. Validation runs
the post-descriptor part on a feature matrix computed once, because the descriptors are
per-composition functions with nothing learned from the training labels.

Families (chosen between by grouped cross-validation, never by habit):

``rf``
    Random forest, 100 trees, ``min_samples_leaf=2``, a third of the features per split.
``et``
    Extremely randomised trees with the same settings: smoother in composition space.
``hgb``
    Histogram gradient boosting, 300 iterations of depth-limited trees, squared error.

Baselines computed in the same run: ``mean`` (predicts the training mean) and
``magpie_rf`` (scikit-learn's default random forest on the matminer Magpie descriptors,
the usual composition-only baseline).
"""

from __future__ import annotations

from typing import Any

from sklearn.dummy import DummyRegressor
from sklearn.ensemble import (
    ExtraTreesRegressor,
    HistGradientBoostingRegressor,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline

from anionscreen.datasets.errors import AnionscreenError

MODEL_FAMILIES: tuple[str, ...] = ("rf", "et", "hgb")
BASELINES: tuple[str, ...] = ("mean", "magpie_rf")
DEFAULT_PRESET = "full"
BASELINE_PRESET = "magpie"


def make_regressor(family: str, *, random_state: int = 0, n_jobs: int | None = None) -> Any:
    """A fresh, unfitted regressor of one family (see the module docstring)."""
    if family == "rf":
        return RandomForestRegressor(
            n_estimators=100,
            min_samples_leaf=2,
            max_features=1 / 3,
            random_state=random_state,
            n_jobs=n_jobs,
        )
    if family == "et":
        return ExtraTreesRegressor(
            n_estimators=100,
            min_samples_leaf=2,
            max_features=1 / 3,
            random_state=random_state,
            n_jobs=n_jobs,
        )
    if family == "hgb":
        return HistGradientBoostingRegressor(
            max_iter=300,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=5,
            l2_regularization=1.0,
            random_state=random_state,
        )
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


def make_featurizer(preset: str = DEFAULT_PRESET) -> Any:
    """The project's composition featurizer for ``preset`` (a scikit-learn transformer)."""
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
