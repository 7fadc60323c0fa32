"""A campaign from start to finished run folder: create or resume, execute, finalise, report.

:func:`start_run` freezes the campaign (with the model versions it resolved) into a new run
folder; :func:`execute_run` checkpoints every chunk not yet done, then writes the final
tables and the report and marks the run finished. A run killed at any point is continued by
:func:`execute_run` on the same folder (see :func:`resume_campaign`), which skips the
checkpointed chunks and ends with the same tables as an uninterrupted run.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.descriptors.chunk import CompositionChunk
from anionscreen.screening.campaign.config import Campaign, campaign_from_dict
from anionscreen.screening.run.execute import ExecutorSpec, Progress, iter_results, pack_remaining
from anionscreen.screening.run.finalize import finalize_run
from anionscreen.screening.run.scoring import ChunkScorer
from anionscreen.screening.run.store import Run, RunError, create_run, package_versions

_MANIFEST_EVERY_S = 2.0


@dataclass(frozen=True)
class ChunkSource:
    """The candidates of a campaign: a fresh deterministic chunk iterator and the total."""

    chunks: Callable[[], Iterable[CompositionChunk]]
    total: int


class CampaignInterruptedError(AnionscreenError):
    """Ctrl-C: the run stopped cleanly and can be resumed."""

    def __init__(self, run: Run) -> None:
        self.run = run
        super().__init__(
            f"interrupted; finished chunks are saved in {str(run.path)!r}. "
            f"Resume with: anionscreen screen --resume {run.run_id}"
        )


def start_run(
    workspace: Path,
    campaign: Campaign,
    *,
    campaign_text: str,
    scorer: ChunkScorer,
    total: int,
    executor: ExecutorSpec,
    run_id: str | None = None,
    dataset_hashes: dict[str, Any] | None = None,
    notes: list[str] | None = None,
) -> Run:
    """Create the run folder with everything that describes the run before it starts.

    ``notes`` (from the pipeline) say what the run used or left out and why, e.g. whether the
    Materials Project columns came from the cache or are absent.
    """
    info = {
        "name": campaign.name,
        "campaign": campaign.model_dump(mode="json"),
        "chunk_size": campaign.execution.chunk_size,
        "total_candidates": total,
        "model_versions": dict(scorer.predictor.versions),
        "dataset_hashes": dataset_hashes or {},
        "packages": package_versions(),
        "executor": executor.describe(),
        "notes": list(notes or []),
    }
    run = create_run(workspace, campaign.name, info, run_id=run_id)
    (run.path / "campaign.toml").write_text(campaign_text, encoding="utf-8")
    return run


def frozen_campaign(run: Run) -> Campaign:
    """The campaign a run was started with (validated again)."""
    return campaign_from_dict(run.info["campaign"], source=f"{run.run_id}/run.json")


def _write_manifest(run: Run, done: dict[int, dict[str, Any]]) -> None:
    run.write_json(
        "manifest.json",
        {
            "chunks_done": len(done),
            "candidates_done": sum(s["generated"] for s in done.values()),
            "chunks": {
                str(k): {"rows": v["generated"], "kept": v["kept"]} for k, v in done.items()
            },
        },
    )


def execute_run(
    run: Run,
    campaign: Campaign,
    source: ChunkSource,
    scorer: ChunkScorer,
    executor: ExecutorSpec,
    progress: Progress | None = None,
) -> Run:
    """Score every chunk not yet checkpointed, then finalise, report and mark finished.

    One process at a time: a second ``--resume`` of a run that is still going raises instead
    of scoring and finalising the same chunks alongside it. The lock file sits beside the run
    folder (which stays as the run wrote it), and the OS releases it when a process dies, so
    a run killed with kill -9 can be resumed at once.
    """
    lock = FileLock(str(run.path.parent / f".{run.run_id}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise RunError(
            f"run {run.run_id!r} is being executed by another process; wait for it to "
            "finish, or stop it and resume"
        ) from None
    try:
        return _execute_locked(run, campaign, source, scorer, executor, progress)
    finally:
        lock.release()


def _execute_locked(
    run: Run,
    campaign: Campaign,
    source: ChunkSource,
    scorer: ChunkScorer,
    executor: ExecutorSpec,
    progress: Progress | None,
) -> Run:
    from anionscreen.screening.results.report import write_report

    if run.finished:
        raise AnionscreenError(f"run {run.run_id!r} is already finished; nothing to resume")
    progress = progress or Progress()
    wall = time.perf_counter()
    run.remove_stale_temporaries()
    done = run.completed_chunks()
    timing = {"generate": 0.0, "checkpoint": 0.0}
    progress.start(source.total, sum(s["generated"] for s in done.values()))
    last_manifest = time.perf_counter()
    try:
        tasks = pack_remaining(source.chunks(), done, timing)
        for result in iter_results(tasks, scorer, executor):
            t0 = time.perf_counter()
            run.write_checkpoint(result.index, result.table, result.stats)
            done[result.index] = result.stats
            timing["checkpoint"] += time.perf_counter() - t0
            progress.advance(int(result.stats["generated"]))
            if time.perf_counter() - last_manifest > _MANIFEST_EVERY_S:
                _write_manifest(run, done)
                last_manifest = time.perf_counter()
    except KeyboardInterrupt:
        raise CampaignInterruptedError(run) from None
    finally:
        progress.stop()
    _write_manifest(run, done)
    generated = sum(s["generated"] for s in done.values())
    if generated != source.total:
        raise AnionscreenError(
            f"run {run.run_id!r} has {generated} candidates checkpointed but the space has "
            f"{source.total}; the generator's count and its chunks disagree"
        )
    t_chunks = time.perf_counter() - wall
    summary = finalize_run(run, campaign)
    run.update_info(counts=summary["counts"])
    t_report = time.perf_counter()
    write_report(run, run.path / "report")
    timings = {
        "generate_s": timing["generate"],
        "predict_s_worker_total": summary["worker_seconds"].get("predict", 0.0),
        "score_s_worker_total": summary["worker_seconds"].get("score", 0.0),
        "checkpoint_s": timing["checkpoint"],
        "chunks_wall_s": t_chunks,
        "finalize_s": summary["seconds_finalize"],
        "report_s": time.perf_counter() - t_report,
        "wall_s_this_session": time.perf_counter() - wall,
    }
    run.mark_finished(
        counts=summary["counts"],
        timings=timings,
        finished_by=executor.describe(),
    )
    # Every checkpoint row is now in candidates.parquet; the per-chunk files only doubled the
    # disk use. (A kill before this line leaves them behind, which is harmless.)
    shutil.rmtree(run.chunks_dir, ignore_errors=True)
    return run


def resume_campaign(run: Run) -> Campaign:
    """Check a run can be resumed and return its frozen campaign."""
    if run.finished:
        raise AnionscreenError(f"run {run.run_id!r} is already finished; nothing to resume")
    return frozen_campaign(run)


def check_same_mp_data(run: Run, notes: list[str]) -> None:
    """Refuse to resume when the Materials Project cache no longer gives the run's data.

    The window and novelty columns come from the cache as it was when the run started (its
    note in ``run.json`` names the cached systems and database versions); a cache filled or
    updated since would score the remaining chunks with other data.
    """
    from anionscreen.screening.run.mp_data import MP_NOTE_PREFIX

    frozen = [n for n in run.info.get("notes", []) if n.startswith(MP_NOTE_PREFIX)]
    now = [n for n in notes if n.startswith(MP_NOTE_PREFIX)]
    if frozen and frozen != now:
        raise AnionscreenError(
            f"run {run.run_id!r} cannot be resumed with the same data: it started with "
            f"{frozen[0]!r} but the Materials Project cache now gives "
            f"{(now or ['nothing'])[0]!r}; start a new run"
        )


def run_summary(run: Run) -> dict[str, Any]:
    """The parts of ``run.json`` people look at first."""
    info = run.info
    return {
        "run_id": run.run_id,
        "path": str(run.path),
        "status": info.get("status"),
        "name": info.get("name"),
        "created_utc": info.get("created_utc"),
        "total_candidates": info.get("total_candidates"),
        "counts": info.get("counts", {}),
        "timings": info.get("timings", {}),
        "model_versions": info.get("model_versions", {}),
    }


def dumps(data: Any) -> str:
    """JSON text for the CLI."""
    return json.dumps(data, indent=2, sort_keys=True, default=str)
