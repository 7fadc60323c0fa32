"""A trained model for one target: descriptor matrix -> value, interval and domain answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.models.conformal import NormalizedConformal
from anionscreen.models.domain import ApplicabilityDomain
from anionscreen.models.estimators import predict_fast
from anionscreen.models.known import KnownCompounds
from anionscreen.models.measured import MeasuredModulusMap

TARGETS: tuple[str, ...] = ("sigma", "ea", "modulus")
# What each target's model predicts, in the units of its training labels.
TARGET_UNITS: dict[str, str] = {
    "sigma": "log10(S/cm) at 25 C",
    "ea": "eV",
    "modulus": "log10(GPa)",
}
# The same, as a reader should read an error in them (a sigma error is in decades).
ERROR_UNITS: dict[str, str] = {"sigma": "decades of S/cm", "ea": "eV", "modulus": "log10 GPa"}


def nan_columns_of(features: np.ndarray) -> np.ndarray:
    """Indices of the columns of a descriptor matrix that hold a NaN."""
    return np.flatnonzero(np.isnan(features).any(axis=0))


@dataclass(frozen=True)
class TargetPrediction:
    """Per-row predictions of one target model (arrays of equal length)."""

    value: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    distance: np.ndarray
    nearest_index: np.ndarray
    nearest_formula: np.ndarray
    in_domain: np.ndarray
    measured: np.ndarray
    """The measured label of a candidate whose composition is a training one (NaN otherwise)."""
    measured_source: np.ndarray


class TargetModel:
    """Everything needed to predict one target from descriptors.

    Parameters
    ----------
    target : {"sigma", "ea", "modulus"}
    preset : str
        Descriptor preset of :class:`~anionscreen.descriptors.composite.CompositionFeaturizer`
        the model was trained on.
    family : str
        Model family chosen by grouped validation.
    model : Pipeline
        Fitted imputation + regressor working on the descriptor matrix.
    domain : ApplicabilityDomain
        Fitted on the imputed training descriptors.
    conformal : NormalizedConformal
        Calibrated on grouped out-of-fold residuals.
    measured : MeasuredModulusMap, optional
        For the modulus: the map from this DFT-trained model's output to measured moduli.
        Predictions are then measured-equivalent (amorphous or crystalline, as asked) and the
        interval half-width is the map's leave-one-out quantile, combined in quadrature with
        the DFT model's own distance-dependent width.
    observed_columns : ndarray of shape (n_features,), bool, optional
        Descriptors that had a value (no NaN) in every training row. A candidate missing one
        of them (element data absent, e.g. Og) is predicted from an imputed median the
        training never needed, so it is out of domain whatever its distance.
    known : KnownCompounds, optional
        The measured compositions the model was trained on, to report a candidate that is one
        of them with its measured value and source.
    """

    def __init__(
        self,
        *,
        target: str,
        preset: str,
        family: str,
        model: Any,
        domain: ApplicabilityDomain,
        conformal: NormalizedConformal,
        measured: MeasuredModulusMap | None = None,
        observed_columns: np.ndarray | None = None,
        known: KnownCompounds | None = None,
    ) -> None:
        if target not in TARGETS:
            raise AnionscreenError(f"unknown target {target!r}; expected one of {TARGETS}")
        self.target = target
        self.preset = preset
        self.family = family
        self.model = model
        self.domain = domain
        self.conformal = conformal
        self.measured = measured
        self.observed_columns = (
            None if observed_columns is None else np.asarray(observed_columns, dtype=bool)
        )
        self.known = known

    @property
    def n_features(self) -> int:
        """Width of the descriptor matrix the model expects."""
        return int(self.domain.mean_.shape[0])

    def predict_features(
        self,
        features: np.ndarray,
        level: float = 0.9,
        fractions: np.ndarray | None = None,
        *,
        amorphous: bool = False,
        fraction_keys: list[bytes] | None = None,
        nan_columns: np.ndarray | None = None,
    ) -> TargetPrediction:
        """Predict from a descriptor matrix (rows = compositions) with ``level`` intervals.

        ``fractions`` (the rows' element fractions) add the domain's chemistry rule and the
        known-compound lookup; without them only the descriptor distance decides the domain.
        ``amorphous`` says which state a measured-equivalent modulus is for.
        ``fraction_keys`` are :func:`~anionscreen.models.known.composition_keys` of
        ``fractions`` and ``nan_columns`` the columns of ``features`` holding a NaN, when the
        caller has them already (one chunk, several targets).
        """
        features = np.asarray(features, dtype=np.float64)
        if features.ndim != 2 or features.shape[1] != self.n_features:
            raise AnionscreenError(
                f"the {self.target} model expects a descriptor matrix with {self.n_features} "
                f"columns (preset {self.preset!r}); got shape {features.shape}"
            )
        if nan_columns is None:
            nan_columns = nan_columns_of(features)
        imputed = self._impute(features, nan_columns)
        regressor = self.model.named_steps["regressor"]
        value = np.asarray(predict_fast(regressor, imputed), dtype=np.float64)
        found = self.domain.query(imputed, fractions)
        half = self.conformal.halfwidth(found.distance, level)
        if self.measured is not None:
            value = self.measured.predict(value, amorphous)
            half = np.hypot(half, self.measured.halfwidth(level))
        n = value.size
        measured, source = np.full(n, np.nan), np.full(n, "", dtype=object)
        known = getattr(self, "known", None)
        if known is not None and fractions is not None:
            match = known.match(fractions, keys=fraction_keys)
            measured, source = match.label, match.source
        return TargetPrediction(
            value=value,
            lo=value - half,
            hi=value + half,
            distance=found.distance,
            nearest_index=found.nearest_index,
            nearest_formula=found.nearest_formula,
            in_domain=found.in_domain & ~self._missing_observed(features, nan_columns),
            measured=measured,
            measured_source=source,
        )

    def _impute(self, features: np.ndarray, nan_columns: np.ndarray) -> np.ndarray:
        """The imputation step's output, touching only the columns that have a NaN.

        The same values as the fitted ``SimpleImputer.transform`` (each NaN becomes its
        column's training median, 0 for a column empty in training) without its validation
        and full copy of every chunk, which cost more than the search of the domain.
        """
        if nan_columns.size == 0:
            return features
        imputer = self.model.named_steps["impute"]
        fill = np.nan_to_num(np.asarray(imputer.statistics_, dtype=np.float64), nan=0.0)
        out = features.copy(order="K")  # the caller's memory layout (see predict_fast)
        block = out[:, nan_columns]
        rows, cols = np.nonzero(np.isnan(block))
        block[rows, cols] = fill[nan_columns][cols]
        out[:, nan_columns] = block
        return out

    def _missing_observed(self, features: np.ndarray, nan_columns: np.ndarray) -> np.ndarray:
        """Rows with NaN in a descriptor that every training row had (see the class doc)."""
        missing = np.zeros(features.shape[0], dtype=bool)
        # Model files written before this attribute existed do not have it.
        observed = getattr(self, "observed_columns", None)
        if observed is None:
            return missing
        columns = nan_columns[observed[nan_columns]]
        if columns.size:
            missing = np.isnan(features[:, columns]).any(axis=1)
        return missing
