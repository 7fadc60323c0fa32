"""Predictions with intervals and the applicability domain, for a few formulas or a chunk of millions.

:class:`Predictor` holds the current model of each target. :meth:`Predictor.predict` takes
what a notebook has (a DataFrame with a column of formulas, a list of formulas or
Compositions) and returns the input's rows, index and columns with the predictions beside them
and an ``error`` column (:mod:`anionscreen.descriptors.frames`). Its bulk entry point
:meth:`Predictor.predict_chunk` takes a :class:`~anionscreen.descriptors.chunk.CompositionChunk`
(featurized once per descriptor preset, shared by the targets) and returns one DataFrame row
per composition with the columns :data:`PREDICTION_COLUMNS`:

* ``formula``, ``temperature_C``;
* ``log10_sigma_S_per_cm`` with ``_lo``/``_hi`` (the interval), and the same in S/cm
  (``sigma_S_per_cm``, ``_lo``, ``_hi``) and ``sigma_mS_per_cm``, all at ``temperature_C``
  (from sigma(25 C) and Ea by Arrhenius, interval propagated);
* ``ea_eV`` with ``_lo``/``_hi``;
* ``modulus_GPa`` with ``_lo``/``_hi`` and ``modulus_kind``: what the number is
  (``measured-equivalent, amorphous``/``crystalline`` when the model has its measured-modulus
  map, else ``DFT Young's modulus of the crystal``);
* ``sigma_in_domain``, ``ea_in_domain``, ``modulus_in_domain`` (each model's own applicability
  domain) and ``in_domain`` (all three; a campaign narrows it to the targets its objectives
  use); ``nearest_known`` and ``nearest_distance`` of the conductivity model;
* ``known`` (the composition was measured, at any scale), ``measured_sigma_S_per_cm``,
  ``measured_ea_eV``, ``measured_modulus_GPa`` and ``measured_source`` (DOIs);
* ``model_versions`` (categorical).

A target without a model gives NaN columns (and ``model_versions`` says ``none``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.settings import Settings
from anionscreen.descriptors.batch import check_on_error, with_states
from anionscreen.descriptors.chunk import CompositionChunk
from anionscreen.descriptors.composite import CompositionFeaturizer
from anionscreen.descriptors.frames import join_results, read_frame
from anionscreen.descriptors.inputs import prepare_input
from anionscreen.models.arrhenius import REFERENCE_C, log10_sigma_interval_at
from anionscreen.models.features import featurize
from anionscreen.models.known import composition_keys
from anionscreen.models.target_model import (
    TARGETS,
    TargetModel,
    TargetPrediction,
    nan_columns_of,
)

PREDICTION_COLUMNS: tuple[str, ...] = (
    "formula",
    "temperature_C",
    "log10_sigma_S_per_cm",
    "log10_sigma_S_per_cm_lo",
    "log10_sigma_S_per_cm_hi",
    "sigma_S_per_cm",
    "sigma_S_per_cm_lo",
    "sigma_S_per_cm_hi",
    "sigma_mS_per_cm",
    "ea_eV",
    "ea_eV_lo",
    "ea_eV_hi",
    "modulus_GPa",
    "modulus_GPa_lo",
    "modulus_GPa_hi",
    "modulus_kind",
    "in_domain",
    "sigma_in_domain",
    "ea_in_domain",
    "modulus_in_domain",
    "nearest_known",
    "nearest_distance",
    "known",
    "measured_sigma_S_per_cm",
    "measured_ea_eV",
    "measured_modulus_GPa",
    "measured_source",
    "model_versions",
)
_BOOL_COLUMNS = ("in_domain", "sigma_in_domain", "ea_in_domain", "modulus_in_domain", "known")
_TEXT_COLUMNS = ("formula", "modulus_kind", "nearest_known", "measured_source")
DFT_KIND = "DFT Young's modulus of the crystal"


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
    amorphous : bool, default=False
        Predict the modulus a researcher would measure on the amorphous (glassy) material
        rather than the crystal (used by a modulus model with a measured-modulus map).
    """

    def __init__(
        self,
        models: dict[str, tuple[str, TargetModel]],
        *,
        level: float = 0.9,
        notes: list[str] | None = None,
        amorphous: bool = False,
    ) -> None:
        if not 0.0 < level < 1.0:
            raise AnionscreenError(f"interval level must be in (0, 1), e.g. 0.9; got {level}")
        self.models = dict(models)
        self.level = level
        self.notes = list(notes or [])
        self.amorphous = amorphous

    @classmethod
    def from_registry(
        cls,
        settings: Settings,
        *,
        level: float = 0.9,
        train_if_missing: bool = True,
        sources: tuple[str, ...] | None = None,
        amorphous: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> Predictor:
        """Load the current model of every target; train missing ones first when allowed.

        A missing model is trained on ``sources`` (default: bundled, log and every external
        set available offline) with the full grouped validation but without the baselines,
        and registered; :attr:`notes` says so.
        """
        # Here, not at the top: a campaign's workers unpickle predictors and never need the
        # registry's model-file reader (skops imports every scikit-learn estimator).
        from anionscreen.models.registry import ModelRegistry

        registry = ModelRegistry(settings.workspace)
        notes: list[str] = []
        missing = [t for t in TARGETS if registry.current(t) is None]
        if missing and train_if_missing:
            from anionscreen.models.workflow import train_models

            for outcome in train_models(
                settings, targets=tuple(missing), sources=sources, progress=progress
            ):
                notes.append(
                    f"no {outcome.target} model existed: trained {outcome.version} on "
                    f"{outcome.table.report['rows']} formulas from "
                    f"{', '.join(outcome.table.report['sources'])}"
                )
        models = {}
        for target in TARGETS:
            loaded = registry.load_current(target)
            if loaded is not None:
                models[target] = loaded
        return cls(models, level=level, notes=notes, amorphous=amorphous)

    @property
    def versions(self) -> dict[str, str]:
        """``{target: version}`` of the loaded models."""
        return {t: v for t, (v, _) in self.models.items()}

    def predict(
        self,
        data: Any,
        *,
        column: str = "formula",
        on_error: str = "raise",
        temperature_c: float = REFERENCE_C,
    ) -> pd.DataFrame:
        """Predict for every row of a DataFrame, or for a list of formulas or Compositions.

        Parameters
        ----------
        data : DataFrame, Series, or list/tuple/1-D array of str or Composition
            With a DataFrame, the formulas are in ``column`` and the other columns are kept.
        column : str, default "formula"
            The column of formulas (the name the formula column has in the result).
        on_error : {"raise", "skip"}, default "raise"
            ``"skip"`` keeps an unreadable row in its place, with NaN predictions and the
            reason in ``error``; ``"raise"`` raises naming the failed rows.
        temperature_c : float, default 25.0
            Temperature of the sigma columns, in C.

        Returns
        -------
        DataFrame
            The input's index and columns, :data:`PREDICTION_COLUMNS` but ``formula`` (the
            formula column is the input's, Compositions written as formulas), and ``error``.
        """
        check_on_error("Predictor.predict", on_error)
        source = read_frame(data, column)
        prepared = prepare_input(source.items)
        # The caller's spelling labels the rows (the parser's reduced formula would not).
        chunk = CompositionChunk(
            fractions=prepared.chunk.fractions, formulas=source.texts[prepared.kept]
        )
        prepared = replace(prepared, chunk=chunk)
        if any(
            CompositionFeaturizer(preset=model.preset).needs_states
            for _, model in self.models.values()
        ):
            # Rows without a neutral assignment fail alone, not the batch.
            prepared, states = with_states(prepared)
            chunk = replace(prepared.chunk, oxidation_states=states)
        table = self.predict_chunk(chunk, temperature_c=temperature_c)
        values = table.drop(columns="formula").set_axis(prepared.kept)
        return join_results(source, values, prepared.failures, on_error)

    def predict_chunk(
        self, chunk: CompositionChunk, *, temperature_c: float = REFERENCE_C
    ) -> pd.DataFrame:
        """Predict for every composition of a chunk (see the module docstring for columns)."""
        features: dict[str, np.ndarray] = {}
        for _, model in self.models.values():
            if model.preset not in features:
                features[model.preset] = featurize(chunk, model.preset)
        return self.predict_features(
            features, chunk.formulas, temperature_c=temperature_c, fractions=chunk.fractions
        )

    def predict_features(
        self,
        features: dict[str, np.ndarray],
        formulas: np.ndarray,
        *,
        temperature_c: float = REFERENCE_C,
        fractions: np.ndarray | None = None,
    ) -> pd.DataFrame:
        """Predict from precomputed descriptor matrices ``{preset: matrix}``.

        ``fractions`` (element fractions of the rows) enable the domain's chemistry rule and
        the known-compound columns.
        """
        n = len(formulas)
        if n == 0:
            # A chunk the generator's filters emptied: the same columns, no rows.
            return self._empty()
        preds: dict[str, TargetPrediction] = {}
        # The known-compound keys depend on the rows only: computed once for every target.
        keys = None if fractions is None else composition_keys(fractions)
        # So are a preset's float64 matrix and its NaN columns, for every model on that preset.
        prepared: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for target, (_, model) in self.models.items():
            if model.preset not in features:
                raise AnionscreenError(
                    f"the {target} model needs descriptors of preset {model.preset!r}; "
                    f"got presets {sorted(features)}"
                )
            if model.preset not in prepared:
                matrix = np.asarray(features[model.preset], dtype=np.float64)
                prepared[model.preset] = (matrix, nan_columns_of(matrix))
            matrix, nan_columns = prepared[model.preset]
            preds[target] = model.predict_features(
                matrix,
                self.level,
                fractions,
                amorphous=self.amorphous,
                fraction_keys=keys,
                nan_columns=nan_columns,
            )
        out: dict[str, object] = {
            "formula": np.asarray(formulas, dtype=object),
            "temperature_C": np.full(n, float(temperature_c)),
        }
        out.update(self._sigma_columns(preds, n, temperature_c))
        out.update(self._ea_modulus_columns(preds, n))
        out.update(self._known_columns(preds, n))
        label = ",".join(self.versions.get(t, f"{t}:none") for t in TARGETS)
        out["model_versions"] = pd.Categorical.from_codes(np.zeros(n, np.int8), pd.Index([label]))
        return pd.DataFrame(out, columns=list(PREDICTION_COLUMNS))

    def _sigma_columns(
        self, preds: dict[str, TargetPrediction], n: int, temperature_c: float
    ) -> dict[str, object]:
        sig, ea = preds.get("sigma"), preds.get("ea")
        if sig is None:
            nan = np.full(n, np.nan)
            return {
                **dict.fromkeys(PREDICTION_COLUMNS[2:9], nan),
                "sigma_in_domain": np.zeros(n, bool),
                "nearest_known": np.full(n, "", object),
                "nearest_distance": nan,
            }
        value, lo, hi = sig.value, sig.lo, sig.hi
        if temperature_c != REFERENCE_C:
            if ea is None:
                raise AnionscreenError(
                    f"sigma at {temperature_c} C needs an Ea model; none is available"
                )
            value, lo, hi = log10_sigma_interval_at(
                temperature_c, value, lo, hi, ea.value, ea.lo, ea.hi
            )
        sigma = np.power(10.0, value)
        return {
            "log10_sigma_S_per_cm": value,
            "log10_sigma_S_per_cm_lo": lo,
            "log10_sigma_S_per_cm_hi": hi,
            "sigma_S_per_cm": sigma,
            "sigma_S_per_cm_lo": np.power(10.0, lo),
            "sigma_S_per_cm_hi": np.power(10.0, hi),
            "sigma_mS_per_cm": sigma * 1e3,
            "sigma_in_domain": sig.in_domain,
            "nearest_known": sig.nearest_formula,
            "nearest_distance": sig.distance,
        }

    def _ea_modulus_columns(self, preds: dict[str, TargetPrediction], n: int) -> dict[str, object]:
        nan = np.full(n, np.nan)
        ea, mod = preds.get("ea"), preds.get("modulus")
        out: dict[str, object] = {
            "ea_eV": nan if ea is None else ea.value,
            "ea_eV_lo": nan if ea is None else ea.lo,
            "ea_eV_hi": nan if ea is None else ea.hi,
            "ea_in_domain": np.zeros(n, bool) if ea is None else ea.in_domain,
            "modulus_GPa": nan if mod is None else np.power(10.0, mod.value),
            "modulus_GPa_lo": nan if mod is None else np.power(10.0, mod.lo),
            "modulus_GPa_hi": nan if mod is None else np.power(10.0, mod.hi),
            "modulus_in_domain": np.zeros(n, bool) if mod is None else mod.in_domain,
            "modulus_kind": np.full(n, self.modulus_kind, dtype=object),
        }
        sig = preds.get("sigma")
        flags = [
            pred.in_domain if pred is not None else np.zeros(n, bool) for pred in (sig, ea, mod)
        ]
        out["in_domain"] = flags[0] & flags[1] & flags[2]
        return out

    def _known_columns(self, preds: dict[str, TargetPrediction], n: int) -> dict[str, object]:
        nan = np.full(n, np.nan)
        sig, ea, mod = (preds.get(t) for t in TARGETS)
        measured_sigma = nan if sig is None else np.power(10.0, sig.measured)
        source = np.full(n, "", dtype=object)
        for pred in (mod, ea, sig):  # the conductivity's source wins, then Ea's
            if pred is not None:
                source = np.where(pred.measured_source != "", pred.measured_source, source)
        known = np.zeros(n, bool)
        for pred in (sig, ea, mod):
            if pred is not None:
                known |= ~np.isnan(pred.measured)
        return {
            "known": known,
            "measured_sigma_S_per_cm": measured_sigma,
            "measured_ea_eV": nan if ea is None else ea.measured,
            "measured_modulus_GPa": nan if mod is None else np.power(10.0, mod.measured),
            "measured_source": source,
        }

    @property
    def modulus_kind(self) -> str:
        """What the modulus column is: measured-equivalent (of which state) or DFT."""
        mod = self.models.get("modulus")
        if mod is None or getattr(mod[1], "measured", None) is None:
            return DFT_KIND
        state = "amorphous" if self.amorphous else "crystalline"
        return f"measured-equivalent ({state})"

    def _empty(self) -> pd.DataFrame:
        label = ",".join(self.versions.get(t, f"{t}:none") for t in TARGETS)
        out: dict[str, object] = {c: np.empty(0, dtype=np.float64) for c in PREDICTION_COLUMNS}
        for col in _TEXT_COLUMNS:
            out[col] = np.empty(0, dtype=object)
        for col in _BOOL_COLUMNS:
            out[col] = np.empty(0, dtype=bool)
        out["model_versions"] = pd.Categorical.from_codes(np.empty(0, np.int8), pd.Index([label]))
        return pd.DataFrame(out, columns=list(PREDICTION_COLUMNS))
