"""What ``anionscreen screen`` shows while a run goes: the run, its notes, a progress bar."""

from __future__ import annotations

import time
from collections.abc import Callable

import typer

from anionscreen.screening.run.events import Progress, RunReady


def _step_printer() -> Callable[[str], None]:
    """Steps before scoring (training the default models) on stderr, with the time taken."""
    start: list[float] = []

    def say(line: str) -> None:
        start.append(start[0] if start else time.perf_counter())
        typer.echo(f"[{time.perf_counter() - start[0]:5.1f} s] {line}", err=True)

    return say


def _announce(event: RunReady) -> None:
    if event.resumed:
        typer.echo(f"resuming run {event.run_id}: {event.chunks_done} chunks already done")
    else:
        typer.echo(f"run {event.run_id}: {event.total} candidates in {event.path}")
    for note in event.notes:  # what was trained or left out: stderr, so stdout stays the results
        typer.echo(note, err=True)


def screen_progress(bar: bool) -> Progress:
    """The run's announcement on stdout and, when ``bar``, a rich progress bar on stderr."""
    if not bar:
        return Progress(message=_step_printer(), ready=_announce)
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as RichProgress

    rich_bar = RichProgress(
        TextColumn("[bold]screening"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    tasks = []

    def start(total: int, done: int) -> None:
        rich_bar.start()
        tasks.append(rich_bar.add_task("screen", total=total, completed=done, rate=""))

    def advance(rows: int) -> None:
        rich_bar.advance(tasks[0], rows)
        speed = rich_bar.tasks[0].speed
        rich_bar.update(tasks[0], rate=f"{speed:,.0f} cand/s" if speed else "")

    return Progress(
        message=_step_printer(),
        ready=_announce,
        start=start,
        advance=advance,
        stop=rich_bar.stop,
    )
