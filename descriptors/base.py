"""The scikit-learn transformer shape shared by every composition descriptor set.

A descriptor set subclasses :class:`CompositionTransformer` and supplies its feature names
and a block kernel ``_compute(block, out)``; input reading, oxidation states, blocking, the
error policy and the scikit-learn plumbing live here once.

Error policy
------------
``on_error="raise"`` (default): any row that cannot be featurized (unreadable formula,
negative amount, no neutral oxidation-state assignment when states are needed) raises
:class:`~anionscreen.datasets.errors.AnionscreenError` naming the row, the input and the
reason. ``on_error="skip"``: ``transform`` keeps one output row per input row so it stays
usable in a ``Pipeline``; failed rows are NaN and a :class:`FeaturizeWarning` states how many
and why. To get the failures as data, with failed rows dropped, call
:func:`anionscreen.descriptors.composite.featurize`.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from anionscreen.descriptors.batch import (
    Block,
    FeaturizeWarning,
    check_on_error,
    compute_features,
    resolve_failures,
    with_states,
)
from anionscreen.descriptors.inputs import is_numeric_matrix, prepare_input

__all__ = [
    "Block",
    "CompositionTransformer",
    "FeaturizeWarning",
    "check_on_error",
    "transform_with",
]

_DATA_CHECKS = (
    "check_fit_score_takes_y",
    "check_dtype_object",
    "check_pipeline_consistency",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_preserve_dtypes",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_dict_unchanged",
    "check_fit_idempotent",
)


class CompositionTransformer(TransformerMixin, BaseEstimator, metaclass=ABCMeta):  # type: ignore[misc]
    """Base of the composition descriptor sets (see the module docstring for the policy).

    Subclasses define keyword-only ``__init__`` parameters (always including ``on_error``),
    :meth:`_feature_names` and :meth:`_compute`; set ``needs_states = True`` when the kernel
    reads oxidation states.
    """

    needs_states: ClassVar[bool] = False
    on_error: str

    @abstractmethod
    def _feature_names(self) -> list[str]:
        """Output column names, fixed by the parameters."""

    @abstractmethod
    def _compute(self, block: Block, out: np.ndarray) -> None:
        """Write the features of one block into ``out`` (b, width)."""

    def _check_params(self) -> None:
        check_on_error(type(self).__name__, self.on_error)

    def fit(self, X: Any, y: Any = None) -> CompositionTransformer:  # noqa: N803
        """Check the parameters and fix the output columns; the data are only validated.

        Parameters
        ----------
        X : formulas, Compositions, one-column DataFrame, (n, 118) amounts or chunk
        y : ignored

        Returns
        -------
        self
        """
        data = self._set_fitted_state(X)
        prepared = prepare_input(data)
        if self.on_error == "raise":
            resolve_failures(prepared.failures, "raise", type(self).__name__, prepared.n_rows)
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:  # noqa: N803
        """``fit(X).transform(X)`` reading the input once (formula parsing is the slow part)."""
        self._set_fitted_state(X)
        return self.transform(X)

    def _set_fitted_state(self, X: Any) -> Any:  # noqa: N803
        """Check parameters, record the numeric input width, fix the output names.

        Returns the input, validated by scikit-learn when it is a numeric matrix.
        """
        self._check_params()
        data = X
        if is_numeric_matrix(data):
            data = validate_data(self, X, reset=True, dtype=np.float64, ensure_all_finite=False)
        self.feature_names_out_ = np.asarray(self._feature_names(), dtype=object)
        return data

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Readable output column names, e.g. ``"magpie mean Electronegativity"``."""
        check_is_fitted(self, "feature_names_out_")
        names: np.ndarray = self.feature_names_out_.copy()
        return names

    def transform(self, X: Any) -> np.ndarray:  # noqa: N803
        """Features of every row, float64 of shape (n, len(get_feature_names_out())).

        Rows that fail follow ``on_error`` (see the module docstring).
        """
        check_is_fitted(self, "feature_names_out_")
        self._check_params()
        return transform_with(self, [self], X, self.needs_states)

    def _numeric(self, X: Any) -> Any:  # noqa: N803
        """scikit-learn's validation of a numeric matrix against the fitted width."""
        if is_numeric_matrix(X):
            return validate_data(self, X, reset=False, dtype=np.float64, ensure_all_finite=False)
        return X

    def _expected_failed_checks(self) -> dict[str, str]:
        """scikit-learn estimator checks this transformer fails on purpose, with the reason.

        Read by ``tests/test_contract.py`` (``parametrize_with_checks``).
        """
        zero_row = (
            "the check's data contain a row of all-zero amounts, which is not a composition; "
            "rejecting it is the error policy"
        )
        if self.on_error == "skip":
            skipped = (
                "under on_error='skip' a row with NaN, inf or negative amounts is skipped "
                "(NaN output and a FeaturizeWarning), not an error"
            )
            return dict.fromkeys(
                (
                    "check_estimators_nan_inf",
                    "check_positive_only_tag_during_fit",
                    "check_fit_non_negative",
                ),
                skipped,
            )
        expected = {"check_estimators_dtypes": zero_row, "check_fit2d_1feature": zero_row}
        if self.needs_states:
            no_states = (
                "random amounts of H, He, Li, ... have no neutral oxidation-state assignment "
                "(He has no state), so every row is rejected; the same checks pass with "
                "on_error='skip'"
            )
            for name in _DATA_CHECKS:
                expected[name] = no_states
        return expected

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.requires_fit = True
        return tags


def transform_with(
    owner: BaseEstimator,
    kernels: Sequence[CompositionTransformer],
    data: Any,
    needs_states: bool,
    out: np.ndarray | None = None,
    n_threads: int = 1,
) -> np.ndarray:
    """Shared transform of one transformer or a composite of several kernels."""
    name = type(owner).__name__
    if isinstance(owner, CompositionTransformer):
        data = owner._numeric(data)
    prepared = prepare_input(data)
    states = None
    if needs_states:
        prepared, states = with_states(prepared)
    on_error = str(owner.get_params()["on_error"])
    resolve_failures(prepared.failures, on_error, name, prepared.n_rows)
    if len(prepared.kept) == prepared.n_rows:
        return compute_features(prepared, states, kernels, out, n_threads)
    values = compute_features(prepared, states, kernels, None, n_threads)
    if out is None:
        out = np.empty((prepared.n_rows, values.shape[1]))
    full = out[: prepared.n_rows]
    full[:] = np.nan
    full[prepared.kept] = values
    return full
