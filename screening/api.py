"""Campaigns from Python: :func:`run_campaign`, :func:`resume_campaign` and :func:`open_run`.

The one place a campaign is orchestrated; ``anionscreen screen`` calls these functions too.

>>> from anionscreen.screening import run_campaign
>>> run = run_campaign("campaign.toml", workers=4)  # doctest: +SKIP
>>> run.ranked.head()  # doctest: +SKIP

A campaign goes through these steps, one call each from here, in this order:

1. :func:`~.campaign.config.load_campaign`: the TOML file becomes a validated
   :class:`~.campaign.config.Campaign` (its spaces validated once and kept on it);
2. :func:`~.run.pipeline.plan_run`: the models, the scorer and the chunk stream;
3. :func:`~.run.store.create_run`: the run folder with its record (a resume finds it);
4. :func:`~.run.runner.execute_run`: chunks scored and checkpointed, final tables, the
   report (:func:`~.results.report.write_report`), the run sealed;
5. :class:`~.results.run.Run`: the finished run, read as DataFrames.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.settings import Settings, get_settings, writable_workspace
from anionscreen.screening.campaign.config import Campaign, campaign_from_dict, load_campaign
from anionscreen.screening.results.report import write_report
from anionscreen.screening.results.run import Run
from anionscreen.screening.run.events import Progress, RunReady
from anionscreen.screening.run.execute import ExecutorSpec, check_reachable
from anionscreen.screening.run.mp_data import check_same_mp_data
from anionscreen.screening.run.pipeline import RunPlan, plan_run
from anionscreen.screening.run.records import RunStart
from anionscreen.screening.run.runner import execute_run
from anionscreen.screening.run.store import (
    RunFolder,
    create_run,
    find_run,
    package_versions,
)
from anionscreen.screening.run.store import list_runs as list_run_folders
from anionscreen.screening.run.workers import release_workers, start_workers, wait_for_workers

#: What :func:`run_campaign` accepts: a campaign, its dict, or the path of its TOML file.
CampaignInput = Campaign | Mapping[str, Any] | str | os.PathLike[str]

_NO_TEXT = "# The campaign was given as a Python object; run.json holds it in full.\n"


def _settings(workspace: str | os.PathLike[str] | None) -> Settings:
    return get_settings(Path(workspace) if workspace is not None else None)


def _campaign(config: CampaignInput, max_grid_points: int | None) -> Campaign:
    if isinstance(config, Campaign):
        if max_grid_points is None:
            return config
        data = config.model_dump(mode="json")
        return campaign_from_dict(data, "<campaign>", max_grid_points=max_grid_points)
    if isinstance(config, Mapping):
        return campaign_from_dict(dict(config), "<campaign dict>", max_grid_points=max_grid_points)
    return load_campaign(os.fspath(config), max_grid_points=max_grid_points)


def _start(plan: RunPlan, executor: ExecutorSpec) -> RunStart:
    return RunStart(
        name=plan.campaign.name,
        campaign=plan.campaign.model_dump(mode="json"),
        chunk_size=plan.campaign.execution.chunk_size,
        total_candidates=plan.source.total,
        total_chunks=plan.source.total_chunks,
        model_versions=plan.scorer.predictor.versions,
        packages=package_versions(),
        executor=executor.describe(),
        notes=plan.notes,
        dataset_hashes=plan.dataset_hashes,
        mp_data=plan.mp_data,
    )


def _execute(
    folder: RunFolder,
    plan: RunPlan,
    executor: ExecutorSpec,
    progress: Progress | None,
    *,
    resumed: bool,
) -> Run:
    progress = progress or Progress()
    ready = RunReady(
        run_id=folder.run_id,
        path=folder.path,
        total=plan.source.total,
        chunks_done=len(folder.completed_chunks()),
        resumed=resumed,
        notes=plan.notes,
    )
    progress.ready(ready)
    execute_run(
        folder, plan.campaign, plan.source, plan.scorer, executor, progress, report=write_report
    )
    return Run(folder)


@contextlib.contextmanager
def _workers_started(executor: ExecutorSpec) -> Iterator[None]:
    """Start a joblib run's workers while its models load; stop them if the run fails."""
    if executor.kind != "joblib":
        yield
        return
    start_workers(executor.workers)
    try:
        yield
    except BaseException:
        wait_for_workers()  # (their pool exists once they have started)
        release_workers(wait=False)
        raise


def run_campaign(
    config_or_path: CampaignInput,
    *,
    workspace: str | os.PathLike[str] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
    run_id: str | None = None,
    chunk_size: int | None = None,
    max_grid_points: int | None = None,
) -> Run:
    """Run a screening campaign to the end and return the finished run.

    Parameters
    ----------
    config_or_path : Campaign, dict or path
        The campaign: a validated :class:`~.campaign.config.Campaign`, the dict of a campaign
        file, or the path of its TOML file.
    workspace : path, optional
        Where models and runs live (default: ``$ANIONSCREEN_WORKSPACE`` or ``./runs``).
    workers : int, default=1
        Worker processes on this machine (joblib); 1 scores chunks in this process.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://HOST:PORT``) to score chunks on.
    progress : Progress, optional
        Callbacks told when the run is ready and how far it is.
    run_id : str, optional
        The run's id (default: UTC time and campaign name); an existing one raises.
    chunk_size : int, optional
        Candidates per chunk, instead of the campaign's ``[execution] chunk_size``.
    max_grid_points : int, optional
        The largest space screened, instead of the campaign's ``[execution] max_grid_points``
        (spaces above it are refused by arithmetic before anything else is done).

    Raises
    ------
    CampaignInterruptedError
        On Ctrl-C once the run folder exists; :func:`resume_campaign` continues it.
    """
    settings = _settings(workspace)
    executor = ExecutorSpec(workers=workers, scheduler=scheduler)
    check_reachable(executor)  # before models are trained or a run folder is made
    campaign = _campaign(config_or_path, max_grid_points)
    if chunk_size is not None:
        campaign = campaign.with_chunk_size(chunk_size)
    writable_workspace(settings)  # a valid campaign, and somewhere to put its run
    with _workers_started(executor):
        plan = plan_run(campaign, settings, message=(progress or Progress()).message)
        folder = create_run(
            settings.workspace, _start(plan, executor), campaign.text or _NO_TEXT, run_id=run_id
        )
        return _execute(folder, plan, executor, progress, resumed=False)


def resume_campaign(
    run: str | os.PathLike[str],
    *,
    workspace: str | os.PathLike[str] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Run:
    """Continue an interrupted run (id, path or ``"latest"``) with its frozen campaign.

    The chunks already checkpointed are kept; the run ends with the same tables as an
    uninterrupted one. The models are the run's pinned versions, and the Materials Project
    data must be what the run started with.
    """
    settings = _settings(workspace)
    writable_workspace(settings)
    executor = ExecutorSpec(workers=workers, scheduler=scheduler)
    check_reachable(executor)
    folder = find_run(settings.workspace, os.fspath(run))
    if folder.finished:
        raise AnionscreenError(f"run {folder.run_id!r} is already finished; nothing to resume")
    with _workers_started(executor):
        plan = plan_run(Run(folder).campaign, settings, message=(progress or Progress()).message)
        check_same_mp_data(folder.run_id, folder.info.start.mp_data, plan.mp_data)
        return _execute(folder, plan, executor, progress, resumed=True)


def open_run(
    run: str | os.PathLike[str] = "latest", *, workspace: str | os.PathLike[str] | None = None
) -> Run:
    """A run of the workspace by id, by path, or ``"latest"`` (the most recently created)."""
    settings = _settings(workspace)
    return Run(find_run(settings.workspace, os.fspath(run)))


def list_runs(*, workspace: str | os.PathLike[str] | None = None) -> list[Run]:
    """Every run of the workspace, oldest first."""
    settings = _settings(workspace)
    return [Run(folder) for folder in list_run_folders(settings.workspace)]
