"""Named descriptor presets, the composite transformer and the batch ``featurize`` function.

Presets (feature counts):

- ``"magpie"`` (132): :class:`~anionscreen.descriptors.matminer_sets.ElementProperty`.
- ``"anion"`` (36): :class:`~anionscreen.descriptors.anion.AnionComposition` (29),
  :class:`~anionscreen.descriptors.cation.CationCharge` (4),
  :class:`~anionscreen.descriptors.resource.ResourceRisk` (3).
- ``"full"`` (185): ElementProperty, Stoichiometry (6), ValenceOrbital (8), IonProperty (3)
  and the "anion" sets.
- ``"composition"`` (178): every set that needs no oxidation states (ElementProperty,
  Stoichiometry, ValenceOrbital, AnionComposition, ResourceRisk), for measured formulas that
  are slightly off charge balance (e.g. ``Li0.34La0.56TiO3``), which the state-based sets
  refuse. ElementFraction (118) is available as a transformer but in no preset
  (118 mostly-zero columns).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.descriptors.anion import AnionComposition
from anionscreen.descriptors.base import CompositionTransformer, transform_with
from anionscreen.descriptors.batch import (
    Block,
    check_on_error,
    compute_features,
    resolve_failures,
    with_states,
)
from anionscreen.descriptors.cation import CationCharge
from anionscreen.descriptors.inputs import prepare_input
from anionscreen.descriptors.ion import IonProperty
from anionscreen.descriptors.matminer_sets import ElementProperty, Stoichiometry, ValenceOrbital
from anionscreen.descriptors.resource import ResourceRisk

PRESETS: dict[str, tuple[type[CompositionTransformer], ...]] = {
    "magpie": (ElementProperty,),
    "anion": (AnionComposition, CationCharge, ResourceRisk),
    "full": (
        ElementProperty,
        Stoichiometry,
        ValenceOrbital,
        IonProperty,
        AnionComposition,
        CationCharge,
        ResourceRisk,
    ),
    "composition": (
        ElementProperty,
        Stoichiometry,
        ValenceOrbital,
        AnionComposition,
        ResourceRisk,
    ),
}
"""The descriptor sets of each preset, in output column order."""


def _check_preset(owner: str, preset: object) -> str:
    if not isinstance(preset, str) or preset not in PRESETS:
        raise AnionscreenError(
            f"The 'preset' parameter of {owner} must be one of {sorted(PRESETS)}; got {preset!r}"
        )
    return preset


class CompositionFeaturizer(CompositionTransformer):
    """All descriptor sets of a preset side by side, computed in one pass over the rows.

    The fast path for the campaign engine: ``transform(chunk)`` with a
    :class:`~anionscreen.descriptors.chunk.CompositionChunk` that carries the generator's
    oxidation states reads the fraction matrix in blocks of 2,048 rows and involves no
    per-composition Python code. Output columns are fixed and equal
    ``get_feature_names_out()``.

    Parameters
    ----------
    preset : {"magpie", "anion", "full", "composition"}, default "full"
        See :data:`PRESETS`. Element data use matminer's ``impute_nan=False`` convention
        (NaN where a table has no value) except IonProperty's electronegativities
        (matminer's default, imputed).
    on_error : {"raise", "skip"}, default "raise"
        See :mod:`anionscreen.descriptors.base`; :func:`featurize` returns the failures.
    n_threads : int, default 1
        Threads working on blocks of one call (numpy releases the GIL; about 1.5x with 2
        threads on 2 cores, memory bandwidth bound). Keep 1 when chunks already run in
        parallel processes.

    Examples
    --------
    >>> f = CompositionFeaturizer(preset="anion").fit(["Li2TaS0.4O0.6Cl5"])
    >>> row = dict(zip(f.get_feature_names_out(), f.transform(["Li2TaS0.4O0.6Cl5"])[0]))
    >>> round(float(row["anion share Cl"]), 6), round(float(row["M mean oxidation state"]), 9)
    (0.833333, 5.0)
    """

    def __init__(
        self, *, preset: str = "full", on_error: str = "raise", n_threads: int = 1
    ) -> None:
        self.preset = preset
        self.on_error = on_error
        self.n_threads = n_threads

    def _check_params(self) -> None:
        _check_preset(type(self).__name__, self.preset)
        check_on_error(type(self).__name__, self.on_error)
        if (
            not isinstance(self.n_threads, int)
            or isinstance(self.n_threads, bool)
            or self.n_threads < 1
        ):
            raise AnionscreenError(
                f"The 'n_threads' parameter of {type(self).__name__} must be an int >= 1; "
                f"got {self.n_threads!r}"
            )

    def _members(self) -> list[CompositionTransformer]:
        return [cls(on_error=self.on_error) for cls in PRESETS[self.preset]]

    def _feature_names(self) -> list[str]:
        names = [name for member in self._members() for name in member._feature_names()]
        if len(set(names)) != len(names):
            raise RuntimeError(f"duplicate feature names in preset {self.preset!r}")
        return names

    def _set_fitted_state(self, X: Any) -> Any:  # noqa: N803
        data = super()._set_fitted_state(X)
        members = self._members()
        for member in members:
            # The members share this featurizer's input; they need only their names.
            member._check_params()
            member.feature_names_out_ = np.asarray(member._feature_names(), dtype=object)
        self.featurizers_ = members
        return data

    def _compute(self, block: Block, out: np.ndarray) -> None:
        start = 0
        for member in self.featurizers_:
            width = len(member.feature_names_out_)
            member._compute(block, out[:, start : start + width])
            start += width

    @property
    def needs_states(self) -> bool:  # type: ignore[override]
        """Whether any set of the preset reads oxidation states."""
        return any(cls.needs_states for cls in PRESETS.get(self.preset, ()))

    def transform(self, X: Any) -> np.ndarray:  # noqa: N803
        """Features of every row, shape (n, len(get_feature_names_out())), float64."""
        check_is_fitted(self, "featurizers_")
        self._check_params()
        return transform_with(
            self, self.featurizers_, X, self.needs_states, n_threads=self.n_threads
        )

    def transform_into(self, X: Any, out: np.ndarray) -> np.ndarray:  # noqa: N803
        """:meth:`transform` written into a buffer the caller reuses across chunks.

        Parameters
        ----------
        X : as for :meth:`transform`, typically a ``CompositionChunk``
        out : ndarray of shape (>= n, n_features_out), float64
            Overwritten; allocate it once for the largest chunk. Touching fresh memory costs
            about 2 s per GB, refilling a buffer in use almost nothing.

        Returns
        -------
        ndarray
            ``out[:n]``, the features of the n rows of ``X``.
        """
        check_is_fitted(self, "featurizers_")
        self._check_params()
        return transform_with(
            self, self.featurizers_, X, self.needs_states, out=out, n_threads=self.n_threads
        )


@dataclass(frozen=True)
class FeaturizeResult:
    """Outcome of :func:`featurize`.

    Attributes
    ----------
    features : DataFrame
        One row per featurized input row; the index is the input position; a ``formula``
        column followed by the features.
    failures : DataFrame
        Columns ``row`` (input position), ``input`` and ``reason``; empty when all rows
        succeeded.
    """

    features: pd.DataFrame
    failures: pd.DataFrame

    @property
    def n_failed(self) -> int:
        """Number of rows that were skipped."""
        return len(self.failures)


def featurize(
    compositions: Any, *, preset: str = "full", on_error: str = "raise"
) -> FeaturizeResult:
    """Featurize a batch; under ``on_error="skip"`` failed rows are dropped and listed.

    Parameters
    ----------
    compositions : formulas, Compositions, one-column DataFrame, (n, 118) amounts or chunk
    preset : {"magpie", "anion", "full", "composition"}
    on_error : {"raise", "skip"}

    Returns
    -------
    FeaturizeResult

    Raises
    ------
    AnionscreenError
        Under ``on_error="raise"``, naming the first failing rows and their reasons.

    Examples
    --------
    >>> result = featurize(["LiCl", "Li2Q"], preset="magpie", on_error="skip")
    >>> result.features.shape, result.failures.loc[0, "reason"]
    ((1, 133), "cannot read formula 'Li2Q': unknown element 'Q'")
    """
    featurizer = CompositionFeaturizer(preset=preset, on_error=on_error)
    featurizer._set_fitted_state([])
    prepared = prepare_input(compositions)
    states = None
    if featurizer.needs_states:
        prepared, states = with_states(prepared)
    if on_error == "raise":
        # The transformers' message, from the failures already found (not a second parse).
        resolve_failures(prepared.failures, "raise", type(featurizer).__name__, prepared.n_rows)
    values = compute_features(prepared, states, featurizer.featurizers_)
    features = pd.DataFrame(
        values, columns=list(featurizer.feature_names_out_), index=pd.Index(prepared.kept)
    )
    features.insert(0, "formula", prepared.chunk.formulas)
    failures = pd.DataFrame(
        [(f.row, f.input, f.reason) for f in prepared.failures],
        columns=["row", "input", "reason"],
    )
    return FeaturizeResult(features=features, failures=failures)
