"""``anionscreen runs``, ``query`` and ``report``: finished (or interrupted) runs, read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.screening.cli.context import current_settings

# What a terminal table of candidates shows; csv and json give every column.
_TABLE = (
    "rank", "batch_rank", "formula", "score", "score_std", "pareto_rank", "acquisition",
    "sigma_S_per_cm", "ea_eV", "modulus_GPa", "in_domain", "nearest_known", "space", "M",
    "X", "X_sym", "x", "y", "ox_M", "feasible", "infeasible_reason",
)  # fmt: skip

RunArgument = Annotated[str, typer.Argument(help="Run id, path or 'latest'.")]

runs_app = typer.Typer(
    name="runs", help="List and inspect campaign runs.", no_args_is_help=True, add_completion=False
)


@runs_app.command("list")
def runs_list(ctx: typer.Context) -> None:
    """List the runs of the workspace, oldest first."""
    import pandas as pd

    from anionscreen.screening.api import list_runs
    from anionscreen.screening.cli.tables import format_table

    rows: list[dict[str, object]] = []
    damaged = []
    for run in list_runs(workspace=current_settings(ctx).workspace):
        state = run.folder.state
        if state == "damaged":
            damaged.append(run.run_id)
            blank = dict.fromkeys(("created_utc", "candidates", "kept"), "")
            rows.append({"run": run.run_id, "status": state, **blank})
            continue
        info = run.info
        rows.append(
            {
                "run": run.run_id,
                "status": state,  # "interrupted": says running, but no process holds it
                "created_utc": info.created_utc,
                "candidates": info.start.total_candidates,
                "kept": None if info.counts is None else info.counts.kept,
            }
        )
    typer.echo(format_table(pd.DataFrame(rows), "table") if rows else "(no runs)")
    for run_id in damaged:
        typer.echo(
            f"({run_id}: run.json cannot be read; `anionscreen runs show {run_id}` says why)"
        )


@runs_app.command("show")
def runs_show(ctx: typer.Context, run: RunArgument) -> None:
    """Show a run's record: counts, timings, model versions, where it is."""
    from anionscreen.screening.api import open_run

    found = open_run(run, workspace=current_settings(ctx).workspace)
    record = found.summary().to_json() | {"campaign": found.campaign.model_dump(mode="json")}
    typer.echo(json.dumps(record, indent=2, sort_keys=True, default=str))


def query(
    ctx: typer.Context,
    run: RunArgument,
    top: Annotated[int | None, typer.Option(help="At most this many rows.")] = None,
    where: Annotated[
        str | None, typer.Option(help="SQL condition, e.g. \"x >= 0.5 AND M = 'Nb'\".")
    ] = None,
    contains: Annotated[
        str | None, typer.Option(help="Comma-separated elements every formula must contain.")
    ] = None,
    sort: Annotated[
        str | None, typer.Option(help="Sort column (ascending; '-column' for descending).")
    ] = None,
    sql: Annotated[
        str | None,
        typer.Option(help="A SELECT over candidates, ranked, pareto, next_batch."),
    ] = None,
    include_infeasible: Annotated[
        bool, typer.Option("--all", help="Include candidates failing the constraints.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    time_limit: Annotated[
        float, typer.Option(help="Stop the query after this many seconds.")
    ] = 60.0,
    memory_limit: Annotated[
        str, typer.Option(help="Stop a query that needs more memory than this, e.g. 500MB.")
    ] = "2GB",
) -> None:
    """Query a run's candidates (columns of `predict` plus score, pareto_rank, parameters)."""
    from anionscreen.screening.api import open_run
    from anionscreen.screening.cli.tables import FORMATS, format_table

    if fmt not in FORMATS:
        raise AnionscreenError(f"--format must be table, csv or json; got {fmt!r}")
    found = open_run(run, workspace=current_settings(ctx).workspace)
    frame = found.query(
        sql,
        top=top,
        where=where,
        contains=[e for e in contains.split(",") if e.strip()] if contains else None,
        sort=sort,
        include_infeasible=include_infeasible,
        time_limit_s=time_limit,
        memory_limit=memory_limit,
    )
    if fmt == "table" and sql is None and not frame.empty and len(frame.columns) > len(_TABLE):
        shown = [c for c in _TABLE if c in frame.columns]
        hidden = len(frame.columns) - len(shown)
        typer.echo(format_table(frame[shown], fmt))
        typer.echo(f"({hidden} more columns: --format csv or --format json shows them)")
        return
    typer.echo(format_table(frame, fmt))


def report(
    ctx: typer.Context,
    run: RunArgument,
    out: Annotated[
        Path | None,
        typer.Option(help="Output folder (default: <workspace>/reports/<run-id>)."),
    ] = None,
) -> None:
    """Write a self-contained HTML report with plots (PNGs beside it) for a run."""
    from anionscreen.screening.api import open_run

    workspace = current_settings(ctx).workspace
    found = open_run(run, workspace=workspace)
    typer.echo(str(found.report(out or workspace / "reports" / found.run_id)))
