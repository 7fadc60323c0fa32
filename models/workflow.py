"""Train, validate and register models from the workspace's data sources.

Default sources (:func:`default_sources`): the bundled dataset and the workspace's measurement
log always; the external conductivity sets (OBELiX, Liverpool, Laskowski, McHaffie) for
``sigma`` and ``ea`` and the DFT elastic sets (elastic_tensor_2015, Materials Project binaries)
for ``modulus`` whenever they are available offline (mirror or cache). Each target reads only
the sources that can hold its labels.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.settings import Settings
from anionscreen.models.estimators import BASELINE_PRESET, DEFAULT_PRESET, MODEL_FAMILIES
from anionscreen.models.features import featurize_formulas
from anionscreen.models.registry import ModelRegistry
from anionscreen.models.target_model import TARGETS
from anionscreen.models.targets import DFT_SOURCES, TargetTable, build_target_table, fractions_of
from anionscreen.models.training import TrainingResult, fit_target
from anionscreen.models.validation import DEFAULT_GROUPING

ALWAYS_SOURCES: tuple[str, ...] = ("bundled", "log")
CONDUCTIVITY_SOURCES: tuple[str, ...] = ("obelix", "liverpool", "laskowski", "mchaffie")
ELASTIC_SOURCES: tuple[str, ...] = DFT_SOURCES
SOURCES_BY_TARGET: dict[str, tuple[str, ...]] = {
    "sigma": (*ALWAYS_SOURCES, *CONDUCTIVITY_SOURCES),
    "ea": (*ALWAYS_SOURCES, *CONDUCTIVITY_SOURCES),
    "modulus": (*ALWAYS_SOURCES, *ELASTIC_SOURCES),
}


@dataclass
class TrainOutcome:
    """One trained target: its table, validation and registration."""

    target: str
    table: TargetTable
    result: TrainingResult
    version: str | None
    current: bool
    reason: str


def available_sources(settings: Settings) -> tuple[str, ...]:
    """Names of the sources that can be read offline now."""
    from anionscreen.datasets.sources import SOURCE_NAMES, source_available

    return tuple(name for name in SOURCE_NAMES if source_available(name, settings))


def default_sources(settings: Settings) -> tuple[str, ...]:
    """Bundled + log + every external source available offline (see module docstring)."""
    found = set(available_sources(settings))
    wanted = (*ALWAYS_SOURCES, *CONDUCTIVITY_SOURCES, *ELASTIC_SOURCES)
    return tuple(s for s in wanted if s == "bundled" or s in found)


def _relevant(target: str, source: str) -> bool:
    if source in ELASTIC_SOURCES:
        return target == "modulus"
    if source in CONDUCTIVITY_SOURCES or source.startswith("obelix"):
        return target != "modulus"
    # bundled, log, and names this module does not know (the loader judges those).
    return True


def load_for_target(target: str, sources: tuple[str, ...], settings: Settings) -> pd.DataFrame:
    """Measurement rows of the sources that can hold labels of ``target``."""
    from anionscreen.datasets.sources import load_measurements

    names = [s for s in dict.fromkeys(sources) if _relevant(target, s)]
    frame: pd.DataFrame = load_measurements(names or ["bundled"], settings)
    return frame


def data_hash(table: TargetTable) -> str:
    """sha256 of the training labels and calibration rows (formula and value, sorted)."""
    digest = hashlib.sha256()
    for frame in (table.data[["formula", "y"]], table.calibration[["formula", "y"]]):
        digest.update(frame.sort_values("formula").to_csv(index=False).encode("utf-8"))
    return digest.hexdigest()


def validate_table(
    table: TargetTable,
    *,
    preset: str = DEFAULT_PRESET,
    grouping: str = DEFAULT_GROUPING,
    level: float = 0.9,
    baselines: bool = True,
    model_families: tuple[str, ...] = MODEL_FAMILIES,
    random_state: int = 0,
) -> TrainingResult:
    """Featurize a target table and run :func:`~anionscreen.models.training.fit_target` on it."""
    formulas = table.formulas
    features = featurize_formulas(formulas, preset)
    baseline = featurize_formulas(formulas, BASELINE_PRESET) if baselines else None
    calibration = None
    if len(table.calibration):
        cal_formulas = table.calibration["formula"].to_numpy(dtype=object)
        calibration = (
            featurize_formulas(cal_formulas, preset),
            table.calibration["y"].to_numpy(dtype=np.float64),
        )
    return fit_target(
        table.target,
        formulas,
        table.y,
        features,
        fractions=fractions_of(formulas),
        preset=preset,
        families=table.data["family"].to_numpy(dtype=object),
        baseline_features=baseline,
        calibration=calibration,
        model_families=model_families,
        grouping=grouping,
        level=level,
        random_state=random_state,
        n_jobs=-1,
    )


def train_models(
    settings: Settings,
    *,
    targets: tuple[str, ...] = TARGETS,
    sources: tuple[str, ...] | None = None,
    exclude_formulas: tuple[str, ...] = (),
    exclude_chemsys: tuple[str, ...] = (),
    force: bool = False,
    preset: str = DEFAULT_PRESET,
    grouping: str = DEFAULT_GROUPING,
    level: float = 0.9,
    baselines: bool = True,
    register: bool = True,
) -> list[TrainOutcome]:
    """Build tables, validate, fit and (unless ``register=False``) register each target."""
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        raise AnionscreenError(f"unknown target(s) {unknown}; expected among {TARGETS}")
    chosen = default_sources(settings) if sources is None else tuple(sources)
    registry = ModelRegistry(settings.workspace)
    outcomes = []
    for target in targets:
        measurements = load_for_target(target, chosen, settings)
        table = build_target_table(
            target,
            measurements,
            exclude_formulas=exclude_formulas,
            exclude_chemsys=exclude_chemsys,
        )
        result = validate_table(
            table, preset=preset, grouping=grouping, level=level, baselines=baselines
        )
        version, current, reason = None, False, "not registered (evaluation only)"
        if register:
            card: dict[str, Any] = {
                "family": result.chosen_family,
                "preset": preset,
                "metrics": result.metrics,
                "coverage_curve": result.coverage_curve.to_dict(orient="list"),
                "validation": result.info,
                "data_hash": data_hash(table),
                "sources": list(chosen),
                "data_report": table.report,
                "settings": {
                    "exclude_formulas": list(exclude_formulas),
                    "exclude_chemsys": list(exclude_chemsys),
                    "grouping": grouping,
                    "level": level,
                },
            }
            done = registry.register(result.model, card, force=force)
            version, current, reason = done.version, done.current, done.reason
        outcomes.append(TrainOutcome(target, table, result, version, current, reason))
    return outcomes
