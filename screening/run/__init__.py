"""Running a campaign: the run folder, chunks on workers, checkpoints and the final tables.

Uses ``screening.campaign`` and ``screening.spaces``; the report it leaves to its caller.
Public names load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anionscreen import lazy_exports

if TYPE_CHECKING:
    from anionscreen.screening.run.events import CampaignInterruptedError, Progress, RunReady
    from anionscreen.screening.run.execute import ChunkSource, ExecutorSpec
    from anionscreen.screening.run.finalize import finalize_run
    from anionscreen.screening.run.layout import LEADING_COLUMNS
    from anionscreen.screening.run.mp_data import plan_mp_columns
    from anionscreen.screening.run.pipeline import RunPlan, plan_run
    from anionscreen.screening.run.records import (
        ChunkStats,
        DatasetHashes,
        MPData,
        RunCounts,
        RunInfo,
        RunStart,
        RunTimings,
    )
    from anionscreen.screening.run.runner import execute_run
    from anionscreen.screening.run.scoring import ChunkPredictor, ChunkScorer, ColumnProvider
    from anionscreen.screening.run.store import RunError, RunFolder, create_run, find_run, list_runs

__all__ = [
    "LEADING_COLUMNS",
    "CampaignInterruptedError",
    "ChunkPredictor",
    "ChunkScorer",
    "ChunkSource",
    "ChunkStats",
    "ColumnProvider",
    "DatasetHashes",
    "ExecutorSpec",
    "MPData",
    "Progress",
    "RunCounts",
    "RunError",
    "RunFolder",
    "RunInfo",
    "RunPlan",
    "RunReady",
    "RunStart",
    "RunTimings",
    "create_run",
    "execute_run",
    "finalize_run",
    "find_run",
    "list_runs",
    "plan_mp_columns",
    "plan_run",
]
__getattr__, __dir__ = lazy_exports(__name__, __file__)
