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
``gbr``
    Gradient boosting, 300 stages of depth-4 trees, learning rate 0.05, 80 % row subsampling
    (scikit-learn's single-threaded implementation: the OpenMP one, HistGradientBoosting,
    took 303 s for five folds of 1474 formulas where the random forest took 14 s, on the
    shared 2-core machine while other work competed for the cores).

Baselines computed in the same run: ``mean`` (predicts the training mean) and
``magpie_rf`` (scikit-learn's default random forest on the matminer Magpie descriptors,
the usual composition-only baseline).
"""

from __future__ import annotations

from typing import Any

from sklearn.dummy import DummyRegressor
from sklearn.ensemble import (
    ExtraTreesRegressor,
    GradientBoostingRegressor,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline

from anionscreen.datasets.errors import AnionscreenError

MODEL_FAMILIES: tuple[str, ...] = ("rf", "et", "gbr")
BASELINES: tuple[str, ...] = ("mean", "magpie_rf")
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
    if family == "gbr":
        return GradientBoostingRegressor(
            n_estimators=300,
            learning_rate=0.05,
            max_depth=4,
            min_samples_leaf=3,
            subsample=0.8,
            max_features=0.5,
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
