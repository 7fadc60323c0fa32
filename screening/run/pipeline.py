"""A campaign's run from the other packages: its candidates, its models, its extra columns.

:func:`plan_run` turns a validated campaign into a :class:`RunPlan`: the Materials Project plan
(first, so a campaign asking for data that is not cached fails before any model is trained),
the models the campaign names (from the workspace registry; default models are trained on the
bundled data first if there are none), the campaign with those model versions pinned (so a
resumed run uses exactly the same models), the chunk scorer and the chunk stream of its spaces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from anionscreen.datasets.bundled import BUNDLED_SHA256
from anionscreen.datasets.errors import AnionscreenError, ConfigError
from anionscreen.datasets.settings import Settings
from anionscreen.models.estimators import serial
from anionscreen.models.predict import Predictor
from anionscreen.models.registry import ModelRegistry
from anionscreen.models.target_model import TARGETS, TargetModel
from anionscreen.models.trust import model_trust
from anionscreen.screening.campaign.config import Campaign
from anionscreen.screening.run.execute import ChunkSource
from anionscreen.screening.run.mp_data import plan_mp_columns
from anionscreen.screening.run.records import DatasetHashes, ModelData, MPData
from anionscreen.screening.run.scoring import ChunkScorer, ColumnProvider, SupplyColumns
from anionscreen.screening.spaces.generators import generate_all, make_generator


@dataclass(frozen=True)
class RunPlan:
    """Everything a run of a campaign needs, built before any run folder exists."""

    campaign: Campaign  # with the model versions pinned
    source: ChunkSource
    scorer: ChunkScorer
    notes: tuple[str, ...]  # what was trained, used or left out, and why
    mp_data: MPData
    dataset_hashes: DatasetHashes


def _load_predictor(
    campaign: Campaign, settings: Settings, message: Callable[[str], None]
) -> tuple[Predictor, list[str]]:
    wanted: dict[str, str] = campaign.models.model_dump()
    notes: list[str] = []
    models: dict[str, tuple[str, TargetModel]] = {}
    if "current" in wanted.values():
        current = Predictor.from_registry(settings, train_if_missing=True, progress=message)
        models.update(current.models)
        notes += current.notes
    registry = ModelRegistry(settings.workspace)
    for target, version in wanted.items():
        if version != "current":  # pinned (always so when resuming): exactly that version
            model = registry.load(version)
            if model.target != target:
                raise ConfigError(
                    f"key 'models.{target}' = {version!r}: that version is a "
                    f"{model.target} model, not a {target} model"
                )
            models[target] = (version, model)
    amorphous = campaign.material_state == "amorphous"
    return Predictor(models, amorphous=amorphous), notes


def dataset_hashes(settings: Settings, versions: dict[str, str]) -> DatasetHashes:
    """The data behind a run: the bundled file's sha256 and each model's training-data hash."""
    registry = ModelRegistry(settings.workspace)
    models = {}
    for target, version in sorted(versions.items()):
        card = registry.card(version)
        models[target] = ModelData(
            version=version, data_hash=card.get("data_hash"), sources=card.get("sources")
        )
    return DatasetHashes(bundled_sha256=BUNDLED_SHA256, models=models)


def _check_preset(campaign: Campaign, predictor: Predictor) -> None:
    wanted = campaign.descriptor_preset
    if wanted is None:
        return
    for target, (version, model) in sorted(predictor.models.items()):
        if model.preset != wanted:
            raise ConfigError(
                f"key 'descriptor_preset' = {wanted!r}: the {target} model {version} was "
                f"trained on descriptor preset {model.preset!r}; remove the key or train "
                "models on that preset"
            )


def _single_threaded(predictor: Predictor) -> None:
    """Set every ``n_jobs`` of the models to 1.

    Chunks are the unit of parallelism. Threads inside a forest's ``predict`` would compete
    with the chunk workers, and they add the trees' outputs in whatever order the threads
    finish, which changes the last bits of a prediction from one run to the next; with one
    thread the same chunk gives the same bytes on every worker and every run.
    """
    for _, model in predictor.models.values():
        serial(model.model)


def plan_run(
    campaign: Campaign, settings: Settings, *, message: Callable[[str], None] | None = None
) -> RunPlan:
    """The models, scorer and candidates of a campaign (see the module docstring).

    ``message`` receives a line per step while missing default models are trained.
    """
    mp = plan_mp_columns(
        campaign.spaces,
        settings,
        objective_names=[o.name for o in campaign.objective],
        constraints=campaign.constraints,
    )
    predictor, notes = _load_predictor(campaign, settings, message or (lambda line: None))
    versions = predictor.versions
    missing = [t for t in TARGETS if t not in versions]
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
    spaces, size = campaign.spaces, campaign.execution.chunk_size
    counts = [make_generator(space).count() for space in spaces]
    registry = ModelRegistry(settings.workspace)
    trust = [model_trust(registry.card(versions[t])) for t in TARGETS]
    trust_notes = [line for t in trust for line in (t.line(), *t.warnings())]
    objectives = [note] if (note := campaign.objectives_note()) else []
    if campaign.material_state == "amorphous":
        trust_notes.append("moduli are predicted as measured on the amorphous (glassy) material")
    return RunPlan(
        campaign=pinned,
        source=ChunkSource(
            chunks=lambda: generate_all(spaces, size),
            total=sum(counts),
            total_chunks=sum(-(-n // size) for n in counts),  # each space chunked on its own
        ),
        scorer=ChunkScorer(predictor=predictor, campaign=pinned, providers=providers),
        notes=(*notes, *objectives, *trust_notes, mp.note),
        mp_data=mp.data,
        dataset_hashes=dataset_hashes(settings, versions),
    )
