"""Building a campaign's pieces from the other packages: candidates, models, extra columns.

:func:`build_source` turns the campaign's ``[[space]]`` tables into a deterministic chunk
stream (the generators); :func:`build_scorer` loads the models the campaign names from the
workspace registry (training default models on the bundled data first if there are none) and
pins their versions into the campaign, so a resumed run uses exactly the same models.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anionscreen.datasets.errors import AnionscreenError, ConfigError
from anionscreen.datasets.settings import Settings
from anionscreen.descriptors.chunk import CompositionChunk
from anionscreen.screening.campaign.config import Campaign, validate_spaces
from anionscreen.screening.run.runner import ChunkSource
from anionscreen.screening.run.scoring import ChunkScorer, ColumnProvider


def build_source(campaign: Campaign, source: str = "<campaign>") -> ChunkSource:
    """The campaign's candidates as a chunk stream of ``execution.chunk_size`` rows."""
    from anionscreen.screening.spaces.generators import count_all, generate_all

    spaces = validate_spaces(campaign, source)
    size = campaign.execution.chunk_size
    return ChunkSource(chunks=lambda: generate_all(spaces, size), total=count_all(spaces))


class SupplyColumns:
    """Raw-material cost (USD/kg) and supply risk (production HHI) of each composition.

    The descriptors' :class:`~anionscreen.descriptors.resource.ResourceRisk` (weight-fraction
    weighted pymatgen element data; NaN when an element has no value), renamed to the
    columns the ``cost`` and ``supply_risk`` objectives read.
    """

    def columns(self, chunk: CompositionChunk) -> pd.DataFrame:
        """``cost_USD_per_kg`` and ``hhi_production`` for each row."""
        from anionscreen.descriptors.resource import ResourceRisk

        values = np.asarray(ResourceRisk().fit(chunk).transform(chunk), dtype=np.float64)
        return pd.DataFrame({"cost_USD_per_kg": values[:, 2], "hhi_production": values[:, 0]})


def _load_predictor(campaign: Campaign, settings: Settings) -> tuple[Any, list[str]]:
    from anionscreen.models.predict import Predictor
    from anionscreen.models.registry import ModelRegistry

    wanted: dict[str, str] = campaign.models.model_dump()
    notes: list[str] = []
    models: dict[str, Any] = {}
    if "current" in wanted.values():
        current = Predictor.from_registry(settings, train_if_missing=True)
        models.update(current.models)
        notes += current.notes
    registry = ModelRegistry(settings.workspace)
    for target, version in wanted.items():
        if version != "current":  # pinned (always so when resuming): exactly that version
            model = registry.load(version)
            if getattr(model, "target", target) != target:
                raise ConfigError(
                    f"key 'models.{target}' = {version!r}: that version is a "
                    f"{model.target} model, not a {target} model"
                )
            models[target] = (version, model)
    return Predictor(models), notes


def dataset_hashes(settings: Settings, versions: dict[str, str]) -> dict[str, Any]:
    """The data behind a run: the bundled file's sha256 and each model's training-data hash."""
    from anionscreen.datasets.bundled import BUNDLED_SHA256
    from anionscreen.models.registry import ModelRegistry

    registry = ModelRegistry(settings.workspace)
    models: dict[str, Any] = {}
    for target, version in sorted(versions.items()):
        card = registry.card(version)
        models[target] = {
            "version": version,
            "data_hash": card.get("data_hash"),
            "sources": card.get("sources"),
        }
    return {"bundled_sha256": BUNDLED_SHA256, "models": models}


def _check_preset(campaign: Campaign, predictor: Any) -> None:
    wanted = campaign.descriptor_preset
    if wanted is None:
        return
    for target, (version, model) in sorted(getattr(predictor, "models", {}).items()):
        if getattr(model, "preset", wanted) != wanted:
            raise ConfigError(
                f"key 'descriptor_preset' = {wanted!r}: the {target} model {version} was "
                f"trained on descriptor preset {model.preset!r}; remove the key or train "
                "models on that preset"
            )


def _single_threaded(predictor: Any) -> None:
    """Set every ``n_jobs`` of the models to 1.

    Chunks are the unit of parallelism. Threads inside a forest's ``predict`` would compete
    with the chunk workers, and they add the trees' outputs in whatever order the threads
    finish, which changes the last bits of a prediction from one run to the next; with one
    thread the same chunk gives the same bytes on every worker and every run.
    """
    for _, model in getattr(predictor, "models", {}).values():
        estimator = getattr(model, "model", None)
        if estimator is not None and hasattr(estimator, "get_params"):
            jobs = {k: 1 for k in estimator.get_params(deep=True) if k.endswith("n_jobs")}
            estimator.set_params(**jobs)


def build_scorer(campaign: Campaign, settings: Settings) -> tuple[ChunkScorer, Campaign, list[str]]:
    """The chunk scorer, the campaign with model versions pinned, and notes to show the user."""
    from anionscreen.screening.run.mp_data import plan_mp_columns

    # First, so a campaign asking for the stability window without cached data fails
    # before any model is trained or loaded.
    mp = plan_mp_columns(
        validate_spaces(campaign, "<campaign>"),
        settings,
        objective_names=[o.name for o in campaign.objective],
        constraints=campaign.constraints,
    )
    predictor, notes = _load_predictor(campaign, settings)
    versions: dict[str, str] = dict(predictor.versions)
    missing = [t for t in ("sigma", "ea", "modulus") if t not in versions]
    if missing:
        raise AnionscreenError(
            f"no {', '.join(missing)} model could be loaded or trained; "
            "run `anionscreen train` and check its messages"
        )
    _check_preset(campaign, predictor)
    _single_threaded(predictor)
    pinned = campaign.model_copy(update={"models": campaign.models.model_copy(update=versions)})
    providers: tuple[ColumnProvider, ...] = (SupplyColumns(),)
    if mp.provider is not None:
        providers += (mp.provider,)
    notes = [*notes, mp.note]
    return ChunkScorer(predictor=predictor, campaign=pinned, providers=providers), pinned, notes
