"""Models with calibrated intervals and an applicability domain, their validation and registry.

Imports ``anionscreen.descriptors`` and ``anionscreen.datasets``; nothing from ``screening``.
Its public names load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anionscreen import lazy_exports

if TYPE_CHECKING:
    from anionscreen.models.arrhenius import log10_sigma_interval_at
    from anionscreen.models.conformal import NormalizedConformal
    from anionscreen.models.domain import ApplicabilityDomain
    from anionscreen.models.frames import predict_frame
    from anionscreen.models.predict import PREDICTION_COLUMNS, Predictor
    from anionscreen.models.registry import ModelRegistry
    from anionscreen.models.target_model import TARGETS, TargetModel, TargetPrediction
    from anionscreen.models.training import TrainingResult, fit_target
    from anionscreen.models.workflow import TrainOutcome, train_models

__all__ = [
    "PREDICTION_COLUMNS",
    "TARGETS",
    "ApplicabilityDomain",
    "ModelRegistry",
    "NormalizedConformal",
    "Predictor",
    "TargetModel",
    "TargetPrediction",
    "TrainOutcome",
    "TrainingResult",
    "fit_target",
    "log10_sigma_interval_at",
    "predict_frame",
    "train_models",
]
__getattr__, __dir__ = lazy_exports(__name__, __file__)
