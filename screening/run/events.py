"""What a running campaign tells its caller: that it is ready, how far it is, that it stopped.

A caller passes a :class:`Progress` (the CLI's is a rich progress bar; a notebook's could be
anything) and catches :class:`CampaignInterruptedError`, which a Ctrl-C becomes once a run
folder exists: the finished chunks are saved and the run can be resumed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from anionscreen.datasets.errors import AnionscreenError


@dataclass(frozen=True)
class RunReady:
    """A run folder is ready and its chunks are about to be scored."""

    run_id: str
    path: Path
    total: int  # candidates in the space
    chunks_done: int  # checkpointed already (a resumed run)
    resumed: bool
    notes: tuple[str, ...]  # what was trained, used or left out, and why


@dataclass
class Progress:
    """Callbacks a run reports to; each does nothing unless given."""

    message: Callable[[str], None] = lambda line: None  # a step before scoring starts
    ready: Callable[[RunReady], None] = lambda event: None
    start: Callable[[int, int], None] = lambda total, done: None  # candidates in all, done
    advance: Callable[[int], None] = lambda rows: None  # candidates just scored
    stop: Callable[[], None] = lambda: None


class CampaignInterruptedError(AnionscreenError):
    """Ctrl-C: the run stopped cleanly and can be resumed."""

    def __init__(self, run_id: str, path: Path) -> None:
        self.run_id = run_id
        self.path = path
        super().__init__(
            f"interrupted; finished chunks are saved in {str(path)!r}. "
            f"Resume with: anionscreen screen --resume {run_id}"
        )
