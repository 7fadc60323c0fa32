"""A run folder from its first checkpoint to sealed: chunks, final tables, report, finished.

:func:`execute_run` checkpoints every chunk not yet done, writes the final tables, has the
caller's ``report`` written into the folder, and marks the run finished. A run killed at any
point is continued by :func:`execute_run` on the same folder, which skips the checkpointed
chunks and ends with the same tables as an uninterrupted run. A Ctrl-C (KeyboardInterrupt)
anywhere before the run is sealed becomes :class:`~.events.CampaignInterruptedError`.

The report is a callback because it belongs to the results room, above this one.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.screening.campaign.config import Campaign
from anionscreen.screening.run import layout
from anionscreen.screening.run.checkpoints import CheckpointError
from anionscreen.screening.run.events import CampaignInterruptedError, Progress
from anionscreen.screening.run.execute import (
    ChunkSource,
    ExecutorSpec,
    Stopwatch,
    iter_results,
    pack_remaining,
)
from anionscreen.screening.run.finalize import ChunkSummary, finalize_run, summarize_chunk
from anionscreen.screening.run.records import ChunkStats, RunCounts, RunTimings
from anionscreen.screening.run.scoring import ChunkScorer
from anionscreen.screening.run.store import RunFolder

#: Writes a run's report into a folder: ``report(run, folder)``.
ReportWriter = Callable[[RunFolder, Path], object]

_MANIFEST_EVERY_S = 2.0


def execute_run(
    run: RunFolder,
    campaign: Campaign,
    source: ChunkSource,
    scorer: ChunkScorer,
    executor: ExecutorSpec,
    progress: Progress | None = None,
    report: ReportWriter | None = None,
) -> RunFolder:
    """Score every chunk not yet checkpointed, then finalise, report and mark finished.

    One process at a time: a second resume of a run that is still going raises
    :class:`~.store.RunError` instead of scoring and finalising the same chunks alongside it.
    """
    with run.exclusive():
        if run.finished:
            raise AnionscreenError(f"run {run.run_id!r} is already finished; nothing to resume")
        try:
            counts, timings = _score_finalize_report(
                run, campaign, source, scorer, executor, progress or Progress(), report
            )
        except KeyboardInterrupt:
            raise CampaignInterruptedError(run.run_id, run.path) from None
        run.mark_finished(counts, timings, executor.describe())
    # Every checkpoint row is now in candidates.parquet; the per-chunk files only doubled the
    # disk use. (A kill before this line leaves them behind, which is harmless.)
    shutil.rmtree(run.chunks_dir, ignore_errors=True)
    return run


def _score_chunks(
    run: RunFolder,
    source: ChunkSource,
    scorer: ChunkScorer,
    executor: ExecutorSpec,
    progress: Progress,
    generating: Stopwatch,
    checkpointing: Stopwatch,
    summaries: dict[int, ChunkSummary],
) -> dict[int, ChunkStats]:
    """Score and checkpoint the chunks not done yet; ``summaries`` gets theirs for pass 1."""
    done = run.completed_chunks()
    stray = [i for i in done if source.total_chunks is not None and i >= source.total_chunks]
    if stray:  # before anything is scored (a run recorded without its chunk count gets here)
        raise CheckpointError(
            f"checkpoint {str(run.checkpoint_path(stray[0]))!r} is not a chunk of this run: "
            f"its space has {source.total_chunks} chunks; remove that file and resume"
        )
    progress.start(source.total, sum(s.generated for s in done.values()))
    last_manifest = time.perf_counter()
    try:
        tasks = pack_remaining(source.chunks(), done, generating)
        for result in iter_results(tasks, scorer, executor):
            t0 = time.perf_counter()
            run.write_checkpoint(result.index, result.table, result.stats)
            done[result.index] = result.stats
            summaries[result.index] = summarize_chunk(result.table, result.stats, scorer.campaign)
            checkpointing.seconds += time.perf_counter() - t0
            progress.advance(result.stats.generated)
            if time.perf_counter() - last_manifest > _MANIFEST_EVERY_S:
                run.write_manifest(done)
                last_manifest = time.perf_counter()
    finally:
        progress.stop()
    run.write_manifest(done)
    return done


def _score_finalize_report(
    run: RunFolder,
    campaign: Campaign,
    source: ChunkSource,
    scorer: ChunkScorer,
    executor: ExecutorSpec,
    progress: Progress,
    report: ReportWriter | None,
) -> tuple[RunCounts, RunTimings]:
    wall = time.perf_counter()
    run.remove_stale_temporaries()
    generating, checkpointing = Stopwatch(), Stopwatch()
    summaries: dict[int, ChunkSummary] = {}
    done = _score_chunks(
        run, source, scorer, executor, progress, generating, checkpointing, summaries
    )
    generated = sum(s.generated for s in done.values())
    if generated != source.total:
        raise AnionscreenError(
            f"run {run.run_id!r} has {generated} candidates checkpointed but its space was "
            f"counted at {source.total} when the run started; the space's count and its "
            "chunks disagree (a bug: please report it with the campaign file)"
        )
    t_chunks = time.perf_counter() - wall
    final = finalize_run(run, campaign, summaries)
    run.record_counts(final.counts)
    t_report = time.perf_counter()
    if report is not None:
        report(run, run.file(layout.REPORT_DIR))
    return final.counts, RunTimings(
        generate_s=generating.seconds,
        predict_s_worker_total=final.predict_s_worker_total,
        score_s_worker_total=final.score_s_worker_total,
        checkpoint_s=checkpointing.seconds,
        chunks_wall_s=t_chunks,
        finalize_s=final.seconds,
        report_s=time.perf_counter() - t_report,
        wall_s_this_session=time.perf_counter() - wall,
    )
