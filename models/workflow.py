"""Train, validate and register models from the workspace's data sources.

Default sources (:func:`default_sources`): the bundled dataset and the workspace's measurement
log always; the external conductivity sets (OBELiX, Liverpool, Laskowski, McHaffie) for
``sigma`` and ``ea`` and the DFT elastic sets (elastic_tensor_2015, Materials Project binaries)
for ``modulus`` whenever they are available offline (mirror or cache). Each target reads only
the sources that can hold its labels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.settings import Settings, writable_workspace
from anionscreen.models.estimators import BASELINE_PRESET, DEFAULT_PRESET, TRAINING_FAMILIES
from anionscreen.models.features import featurize_formulas
from anionscreen.models.known import KnownCompounds
from anionscreen.models.registry import ModelRegistry
from anionscreen.models.target_model import TARGETS
from anionscreen.models.targets import (
    DFT_SOURCES,
    LABEL_FLOORS,
    TargetTable,
    build_target_table,
    fractions_of,
)
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


def content_hash(result: TrainingResult) -> str:
    """sha256 of what a model predicts: its out-of-fold table (with the final model's own
    predictions of its training rows) and its domain embedding, all as exact float bytes.

    Two trainings on the same data with the same settings give the same content hash (the
    fitting is seeded and predictions are serial); the model file's own sha256 also depends
    on the time stamps inside its zip container, so it is not the identity of the model.
    """
    digest = hashlib.sha256()
    oof = result.out_of_fold
    digest.update(oof["formula"].astype(str).str.cat(sep="\n").encode("utf-8"))
    for col in ("y", "pred", "lo", "hi", "distance", "fitted"):
        digest.update(oof[col].to_numpy(dtype=np.float64).tobytes())
    digest.update(np.ascontiguousarray(result.model.domain.train_embedding_).tobytes())
    return digest.hexdigest()


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
    model_families: tuple[str, ...] | None = None,
    random_state: int = 0,
) -> TrainingResult:
    """Featurize a target table and run :func:`~anionscreen.models.training.fit_target` on it.

    ``model_families`` defaults to the target's :data:`TRAINING_FAMILIES`; sigma labels are
    fitted with the floor :data:`~anionscreen.models.targets.LABEL_FLOORS` gives.
    """
    formulas = table.formulas
    features = featurize_formulas(formulas, preset)
    baseline = featurize_formulas(formulas, BASELINE_PRESET) if baselines else None
    calibration, known = None, None
    if table.report.get("modulus_training") == "dft+measured map":
        # Trained on DFT values: the compositions it knows as *measured* are its calibration
        # rows only (none at all without them).
        known = KnownCompounds(np.zeros((0, 118)), np.zeros(0), np.zeros(0, dtype=object))
    if len(table.calibration):
        cal_formulas = table.calibration["formula"].to_numpy(dtype=object)
        calibration = (
            featurize_formulas(cal_formulas, preset),
            table.calibration["y"].to_numpy(dtype=np.float64),
            table.calibration["amorphous"].to_numpy(dtype=bool),
        )
        known = KnownCompounds(
            fractions_of(cal_formulas),
            calibration[1],
            table.calibration["references"].to_numpy(dtype=object),
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
        model_families=model_families or TRAINING_FAMILIES[table.target],
        grouping=grouping,
        level=level,
        random_state=random_state,
        n_jobs=-1,
        label_floor=LABEL_FLOORS.get(table.target),
        sources=table.data["references"].to_numpy(dtype=object),
        known=known,
    )


def train_models(
    settings: Settings,
    *,
    targets: tuple[str, ...] = TARGETS,
    sources: tuple[str, ...] | None = None,
    exclude_formulas: tuple[str, ...] = (),
    exclude_chemsys: tuple[str, ...] = (),
    published_before: str | None = None,
    families: tuple[str, ...] | None = None,
    force: bool = False,
    promote: bool = False,
    preset: str = DEFAULT_PRESET,
    grouping: str = DEFAULT_GROUPING,
    level: float = 0.9,
    baselines: bool = True,
    register: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list[TrainOutcome]:
    """Build tables, validate, fit and (unless ``register=False``) register each target.

    A run that leaves data out on purpose (exclusions, ``published_before``, sources other
    than the defaults) is an *experiment*: it never becomes current unless ``promote`` is set
    (:mod:`anionscreen.models.promotion`). ``force`` promotes a version the like-for-like
    comparison rejects. ``progress`` receives one line per step (what is being trained).
    """
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        raise AnionscreenError(f"unknown target(s) {unknown}; expected among {TARGETS}")
    defaults = default_sources(settings)
    chosen = defaults if sources is None else tuple(sources)
    experiment = bool(
        exclude_formulas
        or exclude_chemsys
        or published_before is not None
        or set(chosen) != set(defaults)
    )
    say = progress or (lambda line: None)
    registry = ModelRegistry(settings.workspace)
    if register:
        # Checked before minutes of training, not when registering: the workspace can be
        # written, and each current version (the parent to compare with) reads cleanly.
        writable_workspace(settings)
        for target in targets:
            parent = registry.current(target)
            if parent is not None and not force:
                try:
                    registry.out_of_fold(parent)
                except AnionscreenError as err:
                    raise AnionscreenError(
                        f"{err}\nA new {target} model is compared with the current one, "
                        f"{parent}; to train one and make it current without that comparison, "
                        "add --force"
                    ) from None
    outcomes = []
    for target in targets:
        say(f"{target}: loading measurements")
        measurements = load_for_target(target, chosen, settings)
        table = build_target_table(
            target,
            measurements,
            exclude_formulas=exclude_formulas,
            exclude_chemsys=exclude_chemsys,
            published_before=published_before,
        )
        fams = families or TRAINING_FAMILIES[target]
        say(
            f"{target}: validating {', '.join(fams)} on {len(table.data)} formulas "
            f"(grouped {grouping} CV) and fitting"
        )
        result = validate_table(
            table,
            preset=preset,
            grouping=grouping,
            level=level,
            baselines=baselines,
            model_families=fams,
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
                    "published_before": published_before,
                    "families": list(fams),
                    "grouping": grouping,
                    "level": level,
                },
                "content_sha256": content_hash(result),
            }
            done = registry.register(
                result.model,
                card,
                oof=result.out_of_fold,
                experiment=experiment,
                promote=promote,
                force=force,
            )
            version, current, reason = done.version, done.current, done.reason
        outcomes.append(TrainOutcome(target, table, result, version, current, reason))
    return outcomes
