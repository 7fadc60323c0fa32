"""The contract every anionscreen estimator keeps, on estimators found by walking the package.

Discovery imports every module of the four anionscreen packages and collects each concrete
scikit-learn ``BaseEstimator`` subclass defined there, so a new transformer or model is checked
without being registered anywhere. Each runs scikit-learn's ``parametrize_with_checks``
(checks an estimator fails on purpose are declared by its ``_expected_failed_checks()`` method
with the reason), and composition transformers also run the project's checks: names match
the output width, deterministic output, clone and pickle round-trips, bad input raises
``AnionscreenError``, ``on_error="skip"`` keeps rows aligned and warns.
"""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil
import warnings
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.descriptors.base import CompositionTransformer, FeaturizeWarning
from anionscreen.descriptors.composite import PRESETS, CompositionFeaturizer

PACKAGES = (
    "anionscreen.datasets",
    "anionscreen.descriptors",
    "anionscreen.models",
    "anionscreen.screening",
)
GOOD = ["Li2TaS0.4O0.6Cl5", "LiCl", "Li3YCl6", "Li6PS5Cl", "Li7La3Zr2O12"]


def _modules() -> tuple[list[ModuleType], list[str]]:
    found, broken = [], []
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            try:
                found.append(importlib.import_module(info.name))
            except Exception as err:  # a module that does not import is reported below
                broken.append(f"{info.name}: {type(err).__name__}: {err}")
    return found, broken


def _estimator_classes() -> list[type[BaseEstimator]]:
    modules, _ = _modules()
    classes: dict[str, type[BaseEstimator]] = {}
    for module in modules:
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseEstimator)
                and obj.__module__ == module.__name__
                and not inspect.isabstract(obj)
                and not name.startswith("_")
            ):
                classes[f"{obj.__module__}.{name}"] = obj
    return [classes[key] for key in sorted(classes)]


ESTIMATOR_CLASSES = _estimator_classes()
COMPOSITION_CLASSES = [c for c in ESTIMATOR_CLASSES if issubclass(c, CompositionTransformer)]


def _instances() -> list[BaseEstimator]:
    out: list[BaseEstimator] = []
    for cls in ESTIMATOR_CLASSES:
        out.append(cls())
        if issubclass(cls, CompositionTransformer) and cls().needs_states:
            out.append(cls(on_error="skip"))  # type: ignore[call-arg]
    return out


def _expected_failed(estimator: BaseEstimator) -> dict[str, str]:
    method = getattr(estimator, "_expected_failed_checks", None)
    return dict(method()) if callable(method) else {}


def test_every_module_imports() -> None:
    _, broken = _modules()
    assert broken == []


def test_discovery_finds_the_descriptor_sets() -> None:
    names = {c.__name__ for c in COMPOSITION_CLASSES}
    assert {
        "ElementProperty",
        "Stoichiometry",
        "ValenceOrbital",
        "ElementFraction",
        "IonProperty",
        "AnionComposition",
        "CationCharge",
        "ResourceRisk",
        "CompositionFeaturizer",
    } <= names


@parametrize_with_checks(_instances(), expected_failed_checks=_expected_failed)
def test_sklearn_estimator_checks(estimator: BaseEstimator, check: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FeaturizeWarning)
        check(estimator)


@pytest.fixture(params=COMPOSITION_CLASSES, ids=lambda c: c.__name__)
def transformer(request: pytest.FixtureRequest) -> CompositionTransformer:
    cls: type[CompositionTransformer] = request.param
    return cls()


def test_names_match_output_width(transformer: CompositionTransformer) -> None:
    values = transformer.fit(GOOD).transform(GOOD)
    names = transformer.get_feature_names_out()
    assert values.dtype == np.float64
    assert values.shape == (len(GOOD), len(names))
    assert len(set(names)) == len(names)
    assert all(isinstance(n, str) and n for n in names)


def test_output_is_deterministic(transformer: CompositionTransformer) -> None:
    first = transformer.fit(GOOD).transform(GOOD)
    second = clone(transformer).fit(GOOD[::-1]).transform(GOOD)
    np.testing.assert_array_equal(first, second)


def test_clone_and_pickle_round_trip(transformer: CompositionTransformer) -> None:
    fitted = transformer.fit(GOOD)
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform(GOOD), fitted.transform(GOOD))
    assert list(restored.get_feature_names_out()) == list(fitted.get_feature_names_out())


def test_bad_formula_raises_project_error(transformer: CompositionTransformer) -> None:
    fitted = transformer.fit(GOOD)
    with pytest.raises(AnionscreenError, match=r"row 1 \('Li2Q'\).*unknown element 'Q'"):
        fitted.transform(["LiCl", "Li2Q"])


def test_bad_amounts_raise_project_error(transformer: CompositionTransformer) -> None:
    amounts = np.zeros((2, 118))
    amounts[0, 2] = 1.0
    amounts[1, [2, 16]] = (1.0, -1.0)
    with pytest.raises(AnionscreenError, match=r"row 1 .*Negative values in data"):
        clone(transformer).fit(amounts)


def test_bad_parameter_raises_project_error(transformer: CompositionTransformer) -> None:
    with pytest.raises(AnionscreenError, match=r"'on_error' parameter .* got 'ignore'"):
        clone(transformer).set_params(on_error="ignore").fit(GOOD)


def test_skip_keeps_rows_aligned_and_warns(transformer: CompositionTransformer) -> None:
    skipping = clone(transformer).set_params(on_error="skip").fit(GOOD)
    with pytest.warns(FeaturizeWarning, match=r"skipped 1 of 3 row\(s\).*'Li2Q'"):
        values = skipping.transform(["LiCl", "Li2Q", "Li3YCl6"])
    assert np.isnan(values[1]).all()
    np.testing.assert_array_equal(values[[0, 2]], skipping.transform(["LiCl", "Li3YCl6"]))


def test_pandas_output_and_dataframe_input(transformer: CompositionTransformer) -> None:
    frame = pd.DataFrame({"formula": GOOD}, index=pd.Index(list("abcde")))
    out = clone(transformer).set_output(transform="pandas").fit(frame).transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.index) == list("abcde")
    assert list(out.columns) == list(transformer.fit(GOOD).get_feature_names_out())


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_presets_in_a_pipeline_with_a_model(preset: str) -> None:
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        CompositionFeaturizer(preset=preset),
        SimpleImputer(keep_empty_features=True),
        RandomForestRegressor(n_estimators=5, random_state=0),
    )
    y = np.arange(len(GOOD), dtype=float)
    model.fit(GOOD, y)
    assert model.predict(GOOD).shape == (len(GOOD),)
