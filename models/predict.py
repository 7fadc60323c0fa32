"""Predictions with intervals and the applicability domain, for a few formulas or a chunk of millions.

:class:`Predictor` holds the current model of each target. Its bulk entry point
:meth:`Predictor.predict_chunk` takes a :class:`~anionscreen.descriptors.chunk.CompositionChunk`
(featurized once per descriptor preset, shared by the targets) and returns one DataFrame row
per composition with these columns:

``formula``; ``temperature_C``; ``log10_sigma_S_per_cm``, ``_lo``, ``_hi`` and
``sigma_S_per_cm`` (at ``temperature_C``: from sigma(25 C) and Ea by Arrhenius, interval
propagated); ``ea_eV``, ``_lo``, ``_hi``; ``modulus_GPa``, ``_lo``, ``_hi``; ``in_domain``,
``nearest_known`` and ``nearest_distance`` (of the conductivity model, whose training data are
measurements); ``ea_in_domain`` and ``modulus_in_domain``; ``model_versions`` (categorical).
A target without a model gives NaN columns (and ``model_versions`` says ``none``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.settings import Settings
from anionscreen.descriptors.chunk import CompositionChunk
from anionscreen.models.arrhenius import REFERENCE_C, log10_sigma_interval_at
from anionscreen.models.features import chunk_of_formulas, featurize
from anionscreen.models.registry import ModelRegistry
from anionscreen.models.target_model import TARGETS, TargetModel, TargetPrediction

PREDICTION_COLUMNS: tuple[str, ...] = (
    "formula",
    "temperature_C",
    "log10_sigma_S_per_cm",
    "log10_sigma_S_per_cm_lo",
    "log10_sigma_S_per_cm_hi",
    "sigma_S_per_cm",
    "ea_eV",
    "ea_eV_lo",
    "ea_eV_hi",
    "modulus_GPa",
    "modulus_GPa_lo",
    "modulus_GPa_hi",
    "in_domain",
    "nearest_known",
    "nearest_distance",
    "ea_in_domain",
    "modulus_in_domain",
    "model_versions",
)


class Predictor:
    """The current models of the targets, applied together.

    Parameters
    ----------
    models : dict
        ``{target: (version, TargetModel)}``; targets may be missing.
    level : float, default=0.9
        Interval level.
    notes : list of str, optional
        What happened while obtaining the models (e.g. "trained sigma-0001 first").
    """

    def __init__(
        self,
        models: dict[str, tuple[str, TargetModel]],
        *,
        level: float = 0.9,
        notes: list[str] | None = None,
    ) -> None:
        if not 0.0 < level < 1.0:
            raise AnionscreenError(f"interval level must be in (0, 1), e.g. 0.9; got {level}")
        self.models = dict(models)
        self.level = level
        self.notes = list(notes or [])

    @classmethod
    def from_registry(
        cls,
        settings: Settings,
        *,
        level: float = 0.9,
        train_if_missing: bool = True,
        sources: tuple[str, ...] | None = None,
    ) -> Predictor:
        """Load the current model of every target; train missing ones first when allowed.

        A missing model is trained on ``sources`` (default: bundled, log and every external
        set available offline) with the full grouped validation but without the baselines,
        and registered; :attr:`notes` says so.
        """
        registry = ModelRegistry(settings.workspace)
        notes: list[str] = []
        missing = [t for t in TARGETS if registry.current(t) is None]
        if missing and train_if_missing:
            from anionscreen.models.workflow import train_models

            for outcome in train_models(
                settings, targets=tuple(missing), sources=sources, baselines=False
            ):
                notes.append(
                    f"no {outcome.target} model existed: trained {outcome.version} on "
                    f"{outcome.table.report['rows']} formulas from "
                    f"{', '.join(outcome.table.report['sources'])} "
                    f"(grouped-CV MAE {outcome.result.metrics[outcome.result.chosen_family]['mae']:.3f})"
                )
        models = {}
        for target in TARGETS:
            loaded = registry.load_current(target)
            if loaded is not None:
                models[target] = loaded
        return cls(models, level=level, notes=notes)

    @property
    def versions(self) -> dict[str, str]:
        """``{target: version}`` of the loaded models."""
        return {t: v for t, (v, _) in self.models.items()}

    def predict(
        self, formulas: Sequence[str], *, temperature_c: float = REFERENCE_C
    ) -> pd.DataFrame:
        """Predict for formulas (parsed strictly; a bad one raises ``FormulaError``)."""
        return self.predict_chunk(chunk_of_formulas(formulas), temperature_c=temperature_c)

    def predict_chunk(
        self, chunk: CompositionChunk, *, temperature_c: float = REFERENCE_C
    ) -> pd.DataFrame:
        """Predict for every composition of a chunk (see the module docstring for columns)."""
        features: dict[str, np.ndarray] = {}
        for _, model in self.models.values():
            if model.preset not in features:
                features[model.preset] = featurize(chunk, model.preset)
        return self.predict_features(features, chunk.formulas, temperature_c=temperature_c)

    def predict_features(
        self,
        features: dict[str, np.ndarray],
        formulas: np.ndarray,
        *,
        temperature_c: float = REFERENCE_C,
    ) -> pd.DataFrame:
        """Predict from precomputed descriptor matrices ``{preset: matrix}``."""
        n = len(formulas)
        if n == 0:
            # A chunk the generator's filters emptied: the same columns, no rows.
            return self._empty()
        preds: dict[str, TargetPrediction] = {}
        for target, (_, model) in self.models.items():
            if model.preset not in features:
                raise AnionscreenError(
                    f"the {target} model needs descriptors of preset {model.preset!r}; "
                    f"got presets {sorted(features)}"
                )
            preds[target] = model.predict_features(features[model.preset], self.level)
        nan = np.full(n, np.nan)
        out: dict[str, object] = {
            "formula": np.asarray(formulas, dtype=object),
            "temperature_C": np.full(n, float(temperature_c)),
        }
        sig, ea = preds.get("sigma"), preds.get("ea")
        if sig is not None:
            value, lo, hi = sig.value, sig.lo, sig.hi
            if temperature_c != REFERENCE_C:
                if ea is None:
                    raise AnionscreenError(
                        f"sigma at {temperature_c} C needs an Ea model; none is available"
                    )
                value, lo, hi = log10_sigma_interval_at(
                    temperature_c, value, lo, hi, ea.value, ea.lo, ea.hi
                )
            out.update(
                {
                    "log10_sigma_S_per_cm": value,
                    "log10_sigma_S_per_cm_lo": lo,
                    "log10_sigma_S_per_cm_hi": hi,
                    "sigma_S_per_cm": np.power(10.0, value),
                    "in_domain": sig.in_domain,
                    "nearest_known": sig.nearest_formula,
                    "nearest_distance": sig.distance,
                }
            )
        else:
            for col in PREDICTION_COLUMNS[2:6]:
                out[col] = nan
            out.update({"in_domain": np.zeros(n, bool), "nearest_known": np.full(n, "", object)})
            out["nearest_distance"] = nan
        out["ea_eV"], out["ea_eV_lo"], out["ea_eV_hi"] = (
            (ea.value, ea.lo, ea.hi) if ea is not None else (nan, nan, nan)
        )
        mod = preds.get("modulus")
        if mod is not None:
            out["modulus_GPa"] = np.power(10.0, mod.value)
            out["modulus_GPa_lo"] = np.power(10.0, mod.lo)
            out["modulus_GPa_hi"] = np.power(10.0, mod.hi)
        else:
            out["modulus_GPa"] = out["modulus_GPa_lo"] = out["modulus_GPa_hi"] = nan
        out["ea_in_domain"] = ea.in_domain if ea is not None else np.zeros(n, bool)
        out["modulus_in_domain"] = mod.in_domain if mod is not None else np.zeros(n, bool)
        label = ",".join(self.versions.get(t, f"{t}:none") for t in TARGETS)
        out["model_versions"] = pd.Categorical.from_codes(np.zeros(n, np.int8), pd.Index([label]))
        return pd.DataFrame(out, columns=list(PREDICTION_COLUMNS))

    def _empty(self) -> pd.DataFrame:
        label = ",".join(self.versions.get(t, f"{t}:none") for t in TARGETS)
        out: dict[str, object] = {c: np.empty(0, dtype=np.float64) for c in PREDICTION_COLUMNS}
        out["formula"] = np.empty(0, dtype=object)
        out["nearest_known"] = np.empty(0, dtype=object)
        for col in ("in_domain", "ea_in_domain", "modulus_in_domain"):
            out[col] = np.empty(0, dtype=bool)
        out["model_versions"] = pd.Categorical.from_codes(np.empty(0, np.int8), pd.Index([label]))
        return pd.DataFrame(out, columns=list(PREDICTION_COLUMNS))
